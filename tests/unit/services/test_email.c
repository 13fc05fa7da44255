/*
 * test_email.c: the email service (docs/services/email.md) without a mail
 * server: the message bytes (headers, their folding and RFC 2047
 * encoding, the quoted-printable body, the date), the recipient list,
 * the address rules of Go's net/mail, option decoding, and the failures
 * that end a send before or at the connection.  The expected bytes are
 * worked out from the Go writers upstream uses, not from rnotify's code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "engine/engine.h"
#include "services/svc_int.h"
#include "svc_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_END                                                               \
    "Content-Type: text/plain; charset=UTF-8\r\n"                              \
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"

static const char *const one_to[] = {"a@x.org"};

static struct email_msg msg_of(const char *subject, const char *body)
{
    struct email_msg m = {
        "Bot <bot@x.org>", one_to, 1, subject, body, false, 0, 0, NULL};
    return m;
}

/* The whole message of m, as a string in the fixture arena. */
static const char *build(const struct email_msg *m)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(email_message(&b, m), RN_OK);
    const char *s = arena_strndup(&fx_arena, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* The body part of a message (after the blank line). */
static const char *body_of(const char *body)
{
    struct email_msg m = msg_of("s", body);
    const char *s = build(&m);
    const char *p = strstr(s, "\r\n\r\n");
    assert_non_null(p);
    return p + 4;
}

static const char *qenc(const char *s)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(email_qencode(&b, s, strlen(s)), RN_OK);
    const char *r = arena_strdup(&fx_arena, buf_str(&b));
    buf_free(&b);
    return r;
}

/* unit repeated n times, in the fixture arena. */
static const char *times(const char *unit, int n)
{
    size_t u = strlen(unit);
    char *s = arena_alloc(&fx_arena, u * (size_t)n + 1);
    assert_non_null(s);
    for (int i = 0; i < n; i++)
        memcpy(s + u * (size_t)i, unit, u);
    s[u * (size_t)n] = '\0';
    return s;
}

/* ---- the message ---- */

static void message_plain(void **state)
{
    (void)state;
    struct email_msg m = msg_of("Hi", "Hello\nWorld");
    assert_string_equal(build(&m), "Mime-Version: 1.0\r\n"
                                   "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
                                   "From: Bot <bot@x.org>\r\n"
                                   "To: a@x.org\r\n"
                                   "Subject: Hi\r\n" HEAD_END "Hello\r\nWorld");
}

static void message_html_empty_subject(void **state)
{
    (void)state;
    static const char *const to[] = {"a@x.org", "b@y.org", "a@x.org"};
    struct email_msg m = msg_of("", "<b>hi</b>");
    m.to = to;
    m.nto = 3;
    m.html = true;
    m.date = 1700000000;
    m.zone = 19800;
    assert_string_equal(build(&m),
                        "Mime-Version: 1.0\r\n"
                        "Date: Wed, 15 Nov 2023 03:43:20 +0530\r\n"
                        "From: Bot <bot@x.org>\r\n"
                        "To: a@x.org, b@y.org, a@x.org\r\n"
                        "Subject: \r\n"
                        "Content-Type: text/html; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n"
                        "\r\n<b>hi</b>");
}

static void message_id_when_given(void **state)
{
    (void)state;
    struct email_msg m = msg_of("s", "b");
    m.message_id = "<1@rnotify>";
    const char *s = build(&m);
    assert_non_null(strstr(s, "+0000\r\nMessage-ID: <1@rnotify>\r\nFrom: "));
    m.message_id = NULL;
    assert_null(strstr(build(&m), "Message-ID"));
}

static void message_encoded_subject_folds(void **state)
{
    (void)state;
    const char *subj = times("\xc3\xa9", 30); /* é */
    char word[73], want[512];
    snprintf(word, sizeof word, "=?UTF-8?q?%s?=", times("=C3=A9", 10));
    /* no space fits in the first 67 columns, so the fold comes at the
     * first space after column 75 */
    snprintf(want, sizeof want, "Subject: %s %s\r\n %s\r\n", word, word, word);
    struct email_msg m = msg_of(subj, "b");
    assert_non_null(strstr(build(&m), want));
}

static void message_to_folds(void **state)
{
    (void)state;
    static const char *const to[] = {
        "Some Person <p00@example.com>", "Some Person <p01@example.com>",
        "Some Person <p02@example.com>", "Some Person <p03@example.com>",
        "Some Person <p04@example.com>"};
    struct email_msg m = msg_of("s", "b");
    m.to = to;
    m.nto = 5;
    assert_non_null(strstr(
        build(&m), "\r\nTo: Some Person <p00@example.com>, Some Person "
                   "<p01@example.com>, Some\r\n Person <p02@example.com>, "
                   "Some Person <p03@example.com>, Some Person\r\n"
                   " <p04@example.com>\r\nSubject: "));
}

/* A value that ends one or zero columns before the limit. */
static void message_to_edge_columns(void **state)
{
    (void)state;
    char a71[80], a72[80], want[256];
    snprintf(a71, sizeof a71, "%s@x.org", times("a", 65));
    snprintf(a72, sizeof a72, "%s@x.org", times("b", 66));
    const char *to[] = {a71, "b@y.org", "c@z.org"};
    struct email_msg m = msg_of("s", "b");
    m.to = to;
    m.nto = 3;
    /* one column left: ", " overshoots and nothing folds */
    snprintf(want, sizeof want, "\r\nTo: %s, b@y.org, c@z.org\r\n", a71);
    assert_non_null(strstr(build(&m), want));
    /* no column left: the next value starts a new line */
    to[0] = a72;
    snprintf(want, sizeof want, "\r\nTo: %s,\r\n b@y.org, c@z.org\r\n", a72);
    assert_non_null(strstr(build(&m), want));
}

static void message_long_ascii_subject(void **state)
{
    (void)state;
    struct email_msg m =
        msg_of("Rollout guestbook in namespace default has completed its "
               "update to revision 42 successfully",
               "b");
    assert_non_null(strstr(
        build(&m),
        "\r\nSubject: Rollout guestbook in namespace default has completed "
        "its update to\r\n revision 42 successfully\r\nContent-Type"));
}

static void message_encoded_from_and_to(void **state)
{
    (void)state;
    static const char *const to[] = {"J\xc3\xb6rg <j@x.org>"};
    struct email_msg m = msg_of("s", "b");
    m.from = "R\xc3\xb6llouts <bot@x.org>";
    m.to = to;
    const char *s = build(&m);
    assert_non_null(strstr(s, "\r\nFrom: =?UTF-8?q?R=C3=B6llouts_<bot@x.org>?="
                              "\r\nTo: =?UTF-8?q?J=C3=B6rg_<j@x.org>?=\r\n"));
}

/* ---- quoted-printable ---- */

static void qp_rules(void **state)
{
    (void)state;
    assert_string_equal(body_of("a=b"), "a=3Db");
    /* only the last space before a line end is encoded */
    assert_string_equal(body_of("line one  \nline two"),
                        "line one =20\r\nline two");
    assert_string_equal(body_of("end \t"), "end =09");
    assert_string_equal(body_of("a\r\nb\rc\n\nd"), "a\r\nb\r\nc\r\n\r\nd");
    assert_string_equal(body_of("gr\xc3\xbc\xc3\x9f"), "gr=C3=BC=C3=9F");
    assert_string_equal(body_of("\x01\x7f\xff"), "=01=7F=FF");
    /* an encoded byte between CR and LF keeps the LF swallowed */
    assert_string_equal(body_of("a\r=\nb"), "a\r\n=3Db");
    assert_string_equal(body_of(""), "");
    assert_string_equal(body_of(".dot"), ".dot");
}

static void qp_soft_breaks(void **state)
{
    (void)state;
    char in[81], want[128];
    memset(in, 'x', 80);
    in[80] = '\0';
    snprintf(want, sizeof want, "%.75s=\r\n%.5s", in, in);
    assert_string_equal(body_of(in), want);
    /* an escape that does not fit breaks the line first */
    memset(in, 'x', 74);
    memcpy(in + 74, "\xc3\xa9", 3);
    snprintf(want, sizeof want, "%.74s=\r\n=C3=A9", in);
    assert_string_equal(body_of(in), want);
    /* 75 characters then a line end: no soft break */
    memset(in, 'y', 75);
    memcpy(in + 75, "\nz", 3);
    snprintf(want, sizeof want, "%.75s\r\nz", in);
    assert_string_equal(body_of(in), want);
}

/* ---- RFC 2047 words ---- */

static void q_words(void **state)
{
    (void)state;
    assert_string_equal(qenc("plain ascii_?= \tok"), "plain ascii_?= \tok");
    assert_string_equal(qenc("Gr\xc3\xbc\xc3\x9f"
                             "e"),
                        "=?UTF-8?q?Gr=C3=BC=C3=9Fe?=");
    assert_string_equal(qenc("a_b \xc3\xbc?"), "=?UTF-8?q?a=5Fb_=C3=BC=3F?=");
    assert_string_equal(qenc("tab\there\n"), "=?UTF-8?q?tab=09here=0A?=");
    assert_string_equal(qenc("bad \xff"), "=?UTF-8?q?bad_=FF?=");
    assert_string_equal(qenc(""), "");
    /* 63 bytes of content at most, runes never split */
    char in[80], want[256];
    /* ✓ needs 9 bytes: a new word */
    snprintf(in, sizeof in, "%s\xe2\x9c\x93", times("a", 61));
    snprintf(want, sizeof want,
             "=?UTF-8?q?%s?= =?UTF-8?q?=E2=9C=93?=", times("a", 61));
    assert_string_equal(qenc(in), want);
}

static void dates(void **state)
{
    (void)state;
    char d[64];
    assert_int_equal(email_format_date(d, sizeof d, 1795657056, 0), RN_OK);
    assert_string_equal(d, "Thu, 26 Nov 2026 01:37:36 +0000");
    assert_int_equal(email_format_date(d, sizeof d, 0, -7 * 3600), RN_OK);
    assert_string_equal(d, "Wed, 31 Dec 1969 17:00:00 -0700");
    assert_int_equal(email_format_date(d, sizeof d, 951782400, 3600), RN_OK);
    assert_string_equal(d, "Tue, 29 Feb 2000 01:00:00 +0100");
}

/* ---- recipients and addresses ---- */

static void recipients(void **state)
{
    (void)state;
    const char **l;
    size_t n;
    assert_int_equal(email_recipients(&fx_arena, " a@x , b@y,,c\t", &l, &n),
                     RN_OK);
    assert_int_equal(n, 4);
    assert_string_equal(l[0], "a@x");
    assert_string_equal(l[1], "b@y");
    assert_string_equal(l[2], "");
    assert_string_equal(l[3], "c\t"); /* only spaces are trimmed */
    assert_int_equal(email_recipients(&fx_arena, "", &l, &n), RN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(l[0], "");
}

/* The address of field, or "!<error>". */
static const char *addr(const char *field)
{
    struct buf b;
    char err[200];
    buf_init(&b, 1024);
    int rc = email_parse_address(field, &b, err, sizeof err);
    const char *r = rc == RN_OK ? arena_strdup(&fx_arena, buf_str(&b))
                                : arena_printf(&fx_arena, "!%s", err);
    buf_free(&b);
    return r;
}

static void addresses(void **state)
{
    (void)state;
    assert_string_equal(addr("a@b.org"), "a@b.org");
    assert_string_equal(addr("  Bot <bot@x.org> "), "bot@x.org");
    assert_string_equal(addr("<bot@x.org>"), "bot@x.org");
    assert_string_equal(addr("\"Ops, Team\" <ops@x.org>"), "ops@x.org");
    assert_string_equal(addr("ops@x.org (Ops Team)"), "ops@x.org");
    assert_string_equal(addr("\"a b\"@x.org"), "a b@x.org");
    assert_string_equal(addr("a@[10.0.0.1]"), "a@[10.0.0.1]");
    assert_string_equal(addr(""), "!mail: no address");
    assert_string_equal(addr("   "), "!mail: no address");
    assert_string_equal(addr("foo"), "!mail: missing @ in addr-spec");
    assert_string_equal(addr("Full Name"), "!mail: no angle-addr");
    assert_string_equal(addr("Bot <bot@x.org"), "!mail: unclosed angle-addr");
    assert_string_equal(addr("a@b c@d"),
                        "!mail: expected single address, got \"c@d\"");
    /* the addr-spec error is dropped for the name-addr attempt */
    assert_string_equal(addr("a@"), "!mail: missing @ in addr-spec");
    assert_string_equal(addr("Bot <a..b@x>"), "!mail: double dot in atom");
    /* an encoded display name keeps the address inside the word */
    assert_string_equal(addr("=?UTF-8?q?J=C3=B6rg_<j@x.org>?="),
                        "!mail: expected single address, got \"?=\"");
}

/* ---- options and sends that fail early ---- */

static void options(void **state)
{
    (void)state;
    struct rn_err e = {0};
    struct svc_instance *s =
        fx_inst("email", "host: smtp.x.org\nPORT: 587\nfrom: a@x.org\n"
                         "username: u\npassword: hunter2-secret\nHTML: true\n"
                         "insecure_skip_verify: true\n");
    char msg[128] = "auth failed for hunter2-secret";
    svc_scrub(s, msg, sizeof msg);
    assert_string_equal(msg, "auth failed for *****");
    svc_instance_free(s);
    assert_null(fx_inst_e("email", "email", "port: \"25\"\n", &e));
    assert_non_null(strstr(e.msg, "cannot unmarshal string"));
    assert_non_null(strstr(e.msg, "port"));
    assert_null(fx_inst_e("email", "email", "html: yes please\n", &e));
    assert_null(fx_inst_e("email", "email", "port: 70000\n", &e));
}

/* A loopback port with nothing listening (bound, then closed). */
static int closed_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void send_to(const char *yaml, const char *rcpt, struct svc_result *r)
{
    struct svc_instance *s = fx_inst("email", yaml);
    struct eng_dest d = {"email", rcpt, NULL};
    svc_send_root(s, fx_root("{\"message\":\"m\"}"), &d, NULL, r);
    svc_instance_free(s);
}

static void send_failures(void **state)
{
    (void)state;
    struct svc_result r;
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "host: 127.0.0.1\nport: %d\nfrom: a@x.org\nusername: u\n"
             "password: pw-never-shown\n",
             closed_port());
    send_to(yaml, "", &r);
    assert_int_not_equal(r.code, RN_OK);
    assert_false(r.retryable);
    assert_non_null(strstr(r.msg, "to '': gomail: could not send email 1: "
                                  "gomail: invalid address \"\": mail: no "
                                  "address"));
    send_to(yaml, "ok@x.org, foo", &r);
    assert_false(r.retryable);
    assert_non_null(strstr(r.msg, "invalid address \"foo\": mail: missing @"));
    send_to(yaml, "ok@x.org", &r);
    assert_int_not_equal(r.code, RN_OK);
    assert_true(r.retryable);
    assert_non_null(strstr(r.msg, "email to 'ok@x.org': dial tcp 127.0.0.1:"));
    assert_null(strstr(r.msg, "pw-never-shown"));
    send_to("from: a@x.org\nport: 25\n", "ok@x.org", &r);
    assert_false(r.retryable);
    assert_non_null(strstr(r.msg, "needs host and port"));
    send_to("host: 127.0.0.1\nport: 1\nfrom: nobody\n", "ok@x.org", &r);
    assert_false(r.retryable);
    assert_non_null(strstr(r.msg, "invalid address \"nobody\""));
    /* a recipient is untrusted: a line break cannot add a header field or
     * an SMTP command (the address parser refuses it before connecting) */
    send_to(yaml, "ok@x.org\r\nBcc: evil@x.org", &r);
    assert_false(r.retryable);
    assert_non_null(strstr(r.msg, "invalid address"));
    send_to(yaml, "ok@x.org>\r\nRCPT TO:<evil@x.org", &r);
    assert_false(r.retryable);
    assert_non_null(strstr(r.msg, "invalid address"));
}

/* Allocation failure at every point of building a message and of a send
 * that ends at the connection: an error or the full result, no leak
 * (under ASan), never a crash. */
static void out_of_memory(void **state)
{
    (void)state;
    static const char *const to[] = {"J\xc3\xb6rg <j@x.org>", "b@y.org"};
    struct email_msg m = msg_of("Gr\xc3\xbc\xc3\x9f"
                                "e aus dem Rollout guestbook in namespace "
                                "default",
                                "line one  \nline two\xe2\x9c\x93");
    m.to = to;
    m.nto = 2;
    const char *want = build(&m);
    char yaml[160];
    snprintf(yaml, sizeof yaml,
             "host: 127.0.0.1\nport: %d\nfrom: Bot <a@x.org>\n"
             "username: u\npassword: pw-oom\n",
             closed_port());
    struct val root = fx_root("{\"message\":\"m\"}");
    bool done = false;
    for (long k = 0; !done && k < 2000; k++) {
        struct buf b;
        buf_init(&b, 1u << 20);
        rn_alloc_fail_after(k, 0);
        int rc = email_message(&b, &m);
        struct rn_err e = {0};
        struct svc_instance *s = fx_inst_e("email", "email", yaml, &e);
        struct svc_result r = {0};
        if (s) {
            struct eng_dest d = {"email", "a@x.org, b@y.org", NULL};
            svc_send_root(s, root, &d, NULL, &r);
            svc_instance_free(s);
        }
        done = rn_alloc_failures() == 0;
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || rc == RN_ENOMEM);
        if (done)
            assert_string_equal(buf_str(&b), want);
        buf_free(&b);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(message_plain),
        cmocka_unit_test(message_html_empty_subject),
        cmocka_unit_test(message_id_when_given),
        cmocka_unit_test(message_encoded_subject_folds),
        cmocka_unit_test(message_to_folds),
        cmocka_unit_test(message_to_edge_columns),
        cmocka_unit_test(message_long_ascii_subject),
        cmocka_unit_test(message_encoded_from_and_to),
        cmocka_unit_test(qp_rules),
        cmocka_unit_test(qp_soft_breaks),
        cmocka_unit_test(q_words),
        cmocka_unit_test(dates),
        cmocka_unit_test(recipients),
        cmocka_unit_test(addresses),
        cmocka_unit_test(options),
        cmocka_unit_test(send_failures),
        cmocka_unit_test(out_of_memory),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
