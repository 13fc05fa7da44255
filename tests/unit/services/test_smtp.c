/*
 * test_smtp.c: the SMTP dialogue of smtp.c against scripted servers in
 * memory.  Each case gives the server's replies and checks every byte the
 * client sent, against what upstream (gomail over Go's net/smtp) sends
 * for the same replies: EHLO/HELO, STARTTLS, MAIL FROM's BODY=8BITMIME
 * and SMTPUTF8, the AUTH choices and exchanges, RCPT per recipient, DATA
 * with dot-stuffing, QUIT; errors, their text and their class.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "services/svc_int.h"

#include <stdio.h>
#include <string.h>

/* A server in memory: its replies, what the client wrote. */
struct script {
    const char *replies;
    size_t at, chunk; /* bytes handed out per read (0: all there is) */
    bool tls_fails;   /* the handshake fails on a bad certificate */
    struct buf sent;  /* the client's bytes, "<TLS>" at the handshake */
};

static int s_read(void *ud, char *buf, size_t cap, size_t *got,
                  struct rn_err *e)
{
    struct script *s = ud;
    size_t left = strlen(s->replies) - s->at;
    (void)e;
    if (s->chunk && left > s->chunk)
        left = s->chunk;
    *got = left < cap ? left : cap;
    memcpy(buf, s->replies + s->at, *got);
    s->at += *got;
    return RN_OK;
}

static int s_write(void *ud, const char *p, size_t n, struct rn_err *e)
{
    struct script *s = ud;
    (void)e;
    return buf_add(&s->sent, p, n);
}

static int s_tls(void *ud, bool *permanent, struct rn_err *e)
{
    struct script *s = ud;
    buf_add_str(&s->sent, "<TLS>");
    *permanent = s->tls_fails;
    return s->tls_fails ? rn_errf(e, RN_EIO,
                                  "tls: failed to verify "
                                  "certificate: x509: bad")
                        : RN_OK;
}

static const char *const one_rcpt[] = {"b@y.org"};

static struct smtp_mail mail(const char *host, const char *user,
                             const char *pass)
{
    struct smtp_mail m = {host,      user,     pass, false,
                          "a@x.org", one_rcpt, 1,    "Subject: s\r\n\r\nhi\r\n",
                          18};
    return m;
}

/* Run m against replies (handed out 7 bytes at a time); *sent gets the
 * client's bytes (the caller frees it). */
static int run(const struct smtp_mail *m, const char *replies, bool tls_fails,
               struct buf *sent, bool *retryable, struct rn_err *e)
{
    struct script s = {replies, 0, 7, tls_fails, {0}};
    struct smtp_io io = {&s, s_read, s_write, s_tls, NULL};
    buf_init(&s.sent, 1u << 22);
    memset(e, 0, sizeof *e);
    int rc = smtp_send_mail(&io, m, retryable, e);
    *sent = s.sent;
    return rc;
}

/* The dialogue succeeds and the client sent exactly want. */
static void ok(const struct smtp_mail *m, const char *replies, const char *want)
{
    struct buf sent;
    bool r;
    struct rn_err e;
    int rc = run(m, replies, false, &sent, &r, &e);
    if (rc != RN_OK)
        fail_msg("%s", e.msg);
    assert_string_equal(buf_str(&sent), want);
    buf_free(&sent);
}

/* The dialogue fails with msg (a prefix of e) and class retryable, and
 * the client sent exactly want. */
static void bad(const struct smtp_mail *m, const char *replies, bool tls_fails,
                const char *want, const char *msg, bool retryable)
{
    struct buf sent;
    bool r;
    struct rn_err e;
    int rc = run(m, replies, tls_fails, &sent, &r, &e);
    assert_int_not_equal(rc, RN_OK);
    assert_string_equal(buf_str(&sent), want);
    if (strncmp(e.msg, msg, strlen(msg)) != 0)
        fail_msg("error %s, want %s", e.msg, msg);
    assert_int_equal(r, retryable);
    buf_free(&sent);
}

#define GREET "220 mx ESMTP\r\n"
#define TAIL "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n"
#define EHLO "EHLO localhost\r\n"
#define BODY "Subject: s\r\n\r\nhi\r\n.\r\n"
#define ENVELOPE "RCPT TO:<b@y.org>\r\nDATA\r\n" BODY "QUIT\r\n"

/* net/smtp adds BODY=8BITMIME and SMTPUTF8 when EHLO offers them. */
static void mail_parameters(void **state)
{
    (void)state;
    struct smtp_mail m = mail("127.0.0.1", NULL, NULL);
    ok(&m,
       GREET "250-mx\r\n250-8BITMIME\r\n250-SIZE 100\r\n250 SMTPUTF8\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org> BODY=8BITMIME SMTPUTF8\r\n" ENVELOPE);
    ok(&m, GREET "250-mx\r\n250 8BITMIME\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org> BODY=8BITMIME\r\n" ENVELOPE);
    ok(&m, GREET "250-mx\r\n250 PIPELINING\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
    /* a one-line EHLO reply has no extensions */
    ok(&m, GREET "250 8BITMIME\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
    /* Go's map holds the keyword as sent and looks it up in upper case */
    ok(&m, GREET "250-mx\r\n250 8bitmime\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
    /* after HELO there are no extensions */
    ok(&m, GREET "502 no\r\n250 hi\r\n" TAIL,
       EHLO "HELO localhost\r\nMAIL FROM:<a@x.org>\r\n" ENVELOPE);
}

/* Every recipient RCPT'd in order; 251 is accepted too. */
static void recipients(void **state)
{
    (void)state;
    static const char *const two[] = {"b@y.org", "c d@z.org"};
    struct smtp_mail m = mail("127.0.0.1", NULL, NULL);
    m.rcpt = two;
    m.nrcpt = 2;
    ok(&m,
       GREET "250 mx\r\n250 ok\r\n250 ok\r\n251 forwarded\r\n354 go\r\n"
             "250 queued\r\n221 bye\r\n",
       EHLO "MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n"
            "RCPT TO:<c d@z.org>\r\nDATA\r\n" BODY "QUIT\r\n");
}

/* STARTTLS when offered, then EHLO again; with credentials AUTH after. */
static void starttls_and_auth(void **state)
{
    (void)state;
    struct smtp_mail m = mail("mx.example", NULL, NULL);
    ok(&m,
       GREET "250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n250-mx\r\n"
             "250 8BITMIME\r\n" TAIL,
       EHLO "STARTTLS\r\n<TLS>" EHLO
            "MAIL FROM:<a@x.org> BODY=8BITMIME\r\n" ENVELOPE);
    m = mail("mx.example", "u", "pw");
    ok(&m,
       GREET "250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n250-mx\r\n"
             "250 AUTH PLAIN LOGIN\r\n235 ok\r\n" TAIL,
       EHLO "STARTTLS\r\n<TLS>" EHLO "AUTH PLAIN AHUAcHc=\r\n"
            "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
    /* implicit TLS: no STARTTLS even when offered */
    m.tls = true;
    ok(&m, GREET "250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n235 ok\r\n" TAIL,
       EHLO "AUTH PLAIN AHUAcHc=\r\nMAIL FROM:<a@x.org>\r\n" ENVELOPE);
    /* a refused STARTTLS or a bad certificate ends it, without QUIT */
    m = mail("mx.example", NULL, NULL);
    bad(&m, GREET "250-mx\r\n250 STARTTLS\r\n454 4.7.0 not now\r\n", false,
        EHLO "STARTTLS\r\n", "454 4.7.0 not now", true);
    bad(&m, GREET "250-mx\r\n250 STARTTLS\r\n220 go\r\n", true,
        EHLO "STARTTLS\r\n<TLS>", "tls: failed to verify certificate", false);
}

/* gomail's choice: CRAM-MD5 if named, else LOGIN if named without
 * PLAIN, else PLAIN (even when the server names neither). */
static void auth_mechanisms(void **state)
{
    (void)state;
    struct smtp_mail m = mail("127.0.0.1", "tim", "tanstaaftanstaaf");
    /* RFC 2195's example exchange */
    ok(&m,
       GREET "250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n"
             "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"
             "235 ok\r\n" TAIL,
       EHLO "AUTH CRAM-MD5\r\n"
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"
            "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
    m = mail("127.0.0.1", "u", "pw");
    ok(&m,
       GREET "250-mx\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n"
             "334 UGFzc3dvcmQ6\r\n235 ok\r\n" TAIL,
       EHLO "AUTH LOGIN\r\ndQ==\r\ncHc=\r\nMAIL FROM:<a@x.org>\r\n" ENVELOPE);
    ok(&m, GREET "250-mx\r\n250 AUTH XOAUTH2\r\n235 ok\r\n" TAIL,
       EHLO "AUTH PLAIN AHUAcHc=\r\nMAIL FROM:<a@x.org>\r\n" ENVELOPE);
    /* no AUTH offered to a loopback host: sent unauthenticated */
    ok(&m, GREET "250-mx\r\n250 SIZE 1\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
}

/* Failed AUTH: "*", QUIT, and the reason. */
static void auth_failures(void **state)
{
    (void)state;
    struct smtp_mail m = mail("127.0.0.1", "u", "pw");
    bad(&m,
        GREET "250-mx\r\n250 AUTH PLAIN\r\n535 5.7.8 bad credentials\r\n"
              "501 no\r\n221 bye\r\n",
        false, EHLO "AUTH PLAIN AHUAcHc=\r\n*\r\nQUIT\r\n",
        "535 5.7.8 bad credentials", false);
    bad(&m,
        GREET "250-mx\r\n250 AUTH PLAIN\r\n454 4.7.0 try later\r\n"
              "501 no\r\n221 bye\r\n",
        false, EHLO "AUTH PLAIN AHUAcHc=\r\n*\r\nQUIT\r\n",
        "454 4.7.0 try later", true);
    /* LOGIN's challenges must be exactly "Username:" and "Password:" */
    bad(&m,
        GREET "250-mx\r\n250 AUTH LOGIN\r\n334 VXNlciBOYW1lAA==\r\n"
              "501 no\r\n221 bye\r\n",
        false, EHLO "AUTH LOGIN\r\n*\r\nQUIT\r\n",
        "gomail: unexpected server challenge: User Name", false);
    bad(&m, GREET "250-mx\r\n250 AUTH PLAIN\r\n334 !!\r\n501 no\r\n221 bye\r\n",
        false, EHLO "AUTH PLAIN AHUAcHc=\r\n*\r\nQUIT\r\n",
        "illegal base64 data at input byte 0", false);
    /* PLAIN in clear only to localhost, 127.0.0.1, ::1: Start refuses it,
     * QUIT follows */
    m.host = "127.0.0.2";
    bad(&m, GREET "250-mx\r\n250 AUTH PLAIN\r\n221 bye\r\n", false,
        EHLO "QUIT\r\n", "unencrypted connection", false);
}

/* Beyond upstream: credentials need TLS and AUTH unless loopback. */
static void tls_and_auth_required(void **state)
{
    (void)state;
    struct smtp_mail m = mail("mx.example", "u", "pw");
    bad(&m, GREET "250-mx\r\n250 AUTH PLAIN\r\n221 bye\r\n", false,
        EHLO "QUIT\r\n", "email: the server offers no STARTTLS", false);
    bad(&m,
        GREET "250-mx\r\n250 STARTTLS\r\n220 go\r\n250-mx\r\n250 SIZE 1\r\n"
              "221 bye\r\n",
        false, EHLO "STARTTLS\r\n<TLS>" EHLO "QUIT\r\n",
        "email: the server offers no AUTH", false);
    bad(&m, GREET "502 no\r\n250 hi\r\n221 bye\r\n", false,
        EHLO "HELO localhost\r\nQUIT\r\n",
        "email: the server offers no STARTTLS", false);
    m.tls = true;
    bad(&m, GREET "250-mx\r\n250 SIZE 1\r\n221 bye\r\n", false, EHLO "QUIT\r\n",
        "email: the server offers no AUTH", false);
    /* loopback, or no credentials: as upstream */
    m = mail("127.0.0.1", "u", "pw");
    ok(&m, GREET "250-mx\r\n250 SIZE 1\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
    m = mail("mx.example", NULL, NULL);
    ok(&m, GREET "250-mx\r\n250 SIZE 1\r\n" TAIL,
       EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE);
}

/* Replies that end the send: the stage's prefix, 4xx retryable. */
static void failure_replies(void **state)
{
    (void)state;
    struct smtp_mail m = mail("127.0.0.1", NULL, NULL);
    bad(&m, "554 5.3.2 no service\r\n", false, "", "554 5.3.2 no service",
        false);
    bad(&m, GREET "250 mx\r\n421 4.7.0 busy\r\n221 bye\r\n", false,
        EHLO "MAIL FROM:<a@x.org>\r\nQUIT\r\n",
        "gomail: could not send email 1: 421 4.7.0 busy", true);
    bad(&m,
        GREET "250 mx\r\n250 ok\r\n550-5.1.1 no such\r\n550 5.1.1 user\r\n"
              "221 bye\r\n",
        false, EHLO "MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\nQUIT\r\n",
        "gomail: could not send email 1: 550 5.1.1 no such\n5.1.1 user", false);
    bad(&m,
        GREET "250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n554 5.6.0 rejected\r\n"
              "221 bye\r\n",
        false, EHLO "MAIL FROM:<a@x.org>\r\n" ENVELOPE,
        "gomail: could not send email 1: 554 5.6.0 rejected", false);
    /* EHLO and HELO refused: HELO's reply is the MAIL stage's error */
    bad(&m, GREET "502 no\r\n503 never\r\n221 bye\r\n", false,
        EHLO "HELO localhost\r\nQUIT\r\n",
        "gomail: could not send email 1: 503 never", false);
    /* an end of stream, and replies that are not SMTP */
    bad(&m, GREET "250 mx\r\n", false, EHLO "MAIL FROM:<a@x.org>\r\nQUIT\r\n",
        "gomail: could not send email 1: EOF", true);
    bad(&m, "22\r\n", false, "", "short response: 22", false);
    bad(&m, "2x0 hi\r\n", false, "", "invalid response code: 2x0 hi", false);
    /* a continuation with another code is text of the same reply */
    bad(&m, "220-a\r\n250 b\r\n220 c\r\n502 no\r\n502 no\r\n", false,
        EHLO "HELO localhost\r\nQUIT\r\n",
        "gomail: could not send email 1: 502 no", false);
}

/* A line break in an address never reaches the wire. */
static void line_breaks(void **state)
{
    (void)state;
    static const char *const evil[] = {"b@y.org>\r\nRCPT TO:<c@z.org"};
    struct smtp_mail m = mail("127.0.0.1", NULL, NULL);
    m.rcpt = evil;
    bad(&m, GREET "250 mx\r\n250 ok\r\n221 bye\r\n", false,
        EHLO "MAIL FROM:<a@x.org>\r\nQUIT\r\n",
        "gomail: could not send email 1: smtp: A line must not contain CR "
        "or LF",
        false);
}

/* An over-long reply line ends the dialogue. */
static void long_lines(void **state)
{
    (void)state;
    struct buf r;
    buf_init(&r, 1u << 20);
    buf_add_str(&r, "220 ");
    for (int i = 0; i < 5000; i++)
        buf_add_char(&r, 'x');
    buf_add_str(&r, "\r\n");
    struct smtp_mail m = mail("127.0.0.1", NULL, NULL);
    bad(&m, buf_str(&r), false, "", "smtp: a reply line is longer", false);
    buf_free(&r);
}

/* textproto's DotWriter. */
static void dot_stuffing(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {
        {"", "\r\n.\r\n"},
        {"a", "a\r\n.\r\n"},
        {"a\r\n", "a\r\n.\r\n"},
        {"a\n", "a\r\n.\r\n"},
        {".a\r\n..b\r\nc.\r\n.\r\n", "..a\r\n...b\r\nc.\r\n..\r\n.\r\n"},
        {"x\n.\ny", "x\r\n..\r\ny\r\n.\r\n"},
        {"a\r", "a\r\n.\r\n"},
        {"a\r\r\nb", "a\r\r\r\nb\r\n.\r\n"},
        {"a\r.b", "a\r.b\r\n.\r\n"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        struct buf b;
        buf_init(&b, 1024);
        assert_int_equal(smtp_dot_stuff(&b, v[i].in, strlen(v[i].in)), RN_OK);
        assert_string_equal(buf_str(&b), v[i].out);
        buf_free(&b);
    }
}

/* A message larger than one chunk goes out whole, stuffed. */
static void large_message(void **state)
{
    (void)state;
    struct buf msg, want;
    buf_init(&msg, 1u << 22);
    buf_init(&want, 1u << 22);
    for (int i = 0; i < 5000; i++)
        buf_add_str(&msg, ".line of text\n");
    buf_add_str(&want, EHLO "MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n"
                            "DATA\r\n");
    smtp_dot_stuff(&want, msg.ptr, msg.len);
    buf_add_str(&want, "QUIT\r\n");
    struct smtp_mail m = mail("127.0.0.1", NULL, NULL);
    m.msg = msg.ptr;
    m.msg_len = msg.len;
    ok(&m, GREET "250 mx\r\n" TAIL, buf_str(&want));
    buf_free(&msg);
    buf_free(&want);
}

/* Allocation failure anywhere: an error, never a crash or a leak. */
static void out_of_memory(void **state)
{
    (void)state;
    struct smtp_mail m = mail("127.0.0.1", "u", "pw");
    const char *replies =
        GREET "250-mx\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n"
              "334 UGFzc3dvcmQ6\r\n235 ok\r\n" TAIL;
    bool done = false;
    for (long k = 0; !done && k < 500; k++) {
        bool r;
        struct rn_err e;
        rn_alloc_fail_after(k, 0);
        struct script s = {replies, 0, 0, false, {0}};
        struct smtp_io io = {&s, s_read, s_write, s_tls, NULL};
        buf_init(&s.sent, 1u << 20);
        memset(&e, 0, sizeof e);
        int rc = smtp_send_mail(&io, &m, &r, &e);
        done = rn_alloc_failures() == 0;
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || e.msg[0]);
        if (done)
            assert_int_equal(rc, RN_OK);
        buf_free(&s.sent);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mail_parameters),
        cmocka_unit_test(recipients),
        cmocka_unit_test(starttls_and_auth),
        cmocka_unit_test(auth_mechanisms),
        cmocka_unit_test(auth_failures),
        cmocka_unit_test(tls_and_auth_required),
        cmocka_unit_test(failure_replies),
        cmocka_unit_test(line_breaks),
        cmocka_unit_test(long_lines),
        cmocka_unit_test(dot_stuffing),
        cmocka_unit_test(large_message),
        cmocka_unit_test(out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
