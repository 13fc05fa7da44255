/*
 * smtp.c: the SMTP client of the email service (docs/services/email.md),
 * the dialogue upstream has: its mail library (gomail v2) driving Go's
 * net/smtp, byte for byte.  libcurl cannot send it: its MAIL command
 * takes no parameters, so BODY=8BITMIME and SMTPUTF8 would be lost.
 *
 * The dialogue runs over struct smtp_io, so the same code talks to a
 * server (email.c gives it a connection) and to memory (unit tests, the
 * fuzz target).  In order:
 *
 *   greeting  220 expected, else the reply is the error
 *   hello     EHLO localhost; when refused, HELO localhost (no
 *             extensions then); a failed HELO is remembered and is the
 *             error of the MAIL stage
 *   STARTTLS  when the session is not yet encrypted and EHLO offered it;
 *             then the handshake and EHLO again (no HELO fallback)
 *   security  beyond upstream: with credentials, a host that is not
 *             loopback must have given TLS and AUTH (a man in the middle
 *             could strip both and receive the mail in clear)
 *   AUTH      with credentials and when offered: CRAM-MD5 if the AUTH
 *             line names it, else LOGIN if it names LOGIN and not PLAIN,
 *             else PLAIN; PLAIN refused in clear to a host other than
 *             localhost / 127.0.0.1 / ::1, LOGIN's challenges must be
 *             "Username:" and "Password:"; a failure sends "*" and QUIT
 *   MAIL      MAIL FROM:<a> plus " BODY=8BITMIME" and " SMTPUTF8" when
 *             EHLO offered them (names matched exactly, as net/smtp)
 *   RCPT      RCPT TO:<a> per recipient, 250 or 251 expected
 *   DATA      354, the message through textproto's DotWriter (lone LF
 *             becomes CRLF, a leading dot doubled, CRLF "." CRLF), 250
 *   QUIT      always once the MAIL stage was reached; its reply does not
 *             matter
 *
 * Replies are read as textproto.ReadResponse reads them: "ddd-" lines
 * continue, a line with another code or no code is kept as text, the
 * lines are joined with "\n", and an error prints as "ddd text".  Errors
 * of the MAIL stage carry upstream's "gomail: could not send email 1: "
 * prefix.  A line longer than SMTP_LINE_MAX or a reply longer than
 * SMTP_REPLY_MAX ends the dialogue (upstream reads any length).
 */
#include "svc_int.h"

#include "../core/alloc.h"
#include "../core/codec.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SMTP_LINE_MAX 4096
#define SMTP_REPLY_MAX (64u << 10)
#define SMTP_LINGER_MS 5000 /* the most a closing QUIT waits */
#define SMTP_CHUNK (16u << 10)

#define SEND_PREFIX "gomail: could not send email 1: "

/* The extensions of the last EHLO the dialogue needs. */
enum smtp_ext {
    EXT_STARTTLS = 1u,
    EXT_AUTH = 2u,
    EXT_8BITMIME = 4u,
    EXT_SMTPUTF8 = 8u,
};

struct smtp {
    const struct smtp_io *io;
    const struct smtp_mail *m;
    struct rn_err *e;
    bool retryable;
    bool tls;
    bool did_hello;
    bool hello_failed;
    bool hello_retryable;
    struct rn_err hello_err; /* net/smtp's helloError */
    bool ext_valid;          /* an EHLO succeeded (c.ext != nil) */
    unsigned ext;            /* enum smtp_ext */
    struct buf auth;         /* the AUTH extension's parameter */
    struct buf out;          /* the command or DATA chunk being sent */
    struct buf scratch;      /* AUTH's responses and challenges */
    int code;                /* the last reply */
    struct buf text;         /* its lines joined with "\n" */
    char in[SMTP_LINE_MAX];  /* received, not yet read */
    size_t len;
    bool eof;
};

/* ---- errors ---- */

/* A failure that a repeat may fix (I/O, 4xx) or not. */
static int fail(struct smtp *s, bool retryable, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct smtp *s, bool retryable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rn_verrf(s->e, RN_EIO, fmt, ap);
    va_end(ap);
    s->retryable = retryable;
    return RN_EIO;
}

/* textproto.Error for the last reply: "ddd text"; 4xx may pass. */
static int fail_reply(struct smtp *s)
{
    return fail(s, s->code >= 400 && s->code < 500, "%03d %s", s->code,
                buf_str(&s->text));
}

/* ---- replies (textproto.Reader) ---- */

/* The next line without its "\n" or "\r\n" into *line (valid until the
 * next read); a last line without a line end counts (bufio.ReadLine). */
static int read_line(struct smtp *s, char *line, size_t *n)
{
    for (;;) {
        char *nl = memchr(s->in, '\n', s->len);
        if (nl || (s->eof && s->len)) {
            size_t k = nl ? (size_t)(nl - s->in) : s->len;
            size_t used = nl ? k + 1 : k;
            if (nl && k && s->in[k - 1] == '\r')
                k--;
            memcpy(line, s->in, k);
            line[k] = '\0';
            *n = k;
            memmove(s->in, s->in + used, s->len - used);
            s->len -= used;
            return RN_OK;
        }
        if (s->eof)
            return fail(s, true, "EOF");
        if (s->len == sizeof s->in)
            return fail(s, false, "smtp: a reply line is longer than %d bytes",
                        SMTP_LINE_MAX);
        size_t got = 0;
        int rc = s->io->read(s->io->ud, s->in + s->len, sizeof s->in - s->len,
                             &got, s->e);
        if (rc != RN_OK) {
            s->retryable = rc != RN_ENOMEM;
            return rc;
        }
        s->len += got;
        s->eof = got == 0;
    }
}

/* parseCodeLine: 0 with the code, whether more lines follow and where
 * the text starts; -1 (short) or -2 (no code) for a protocol error. */
static int parse_code(const char *line, size_t n, int *code, bool *cont,
                      size_t *msg)
{
    if (n < 4 || (line[3] != ' ' && line[3] != '-'))
        return -1;
    *cont = line[3] == '-';
    if (line[0] < '1' || line[0] > '9' || line[1] < '0' || line[1] > '9' ||
        line[2] < '0' || line[2] > '9')
        return -2;
    *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    *msg = 4;
    return 0;
}

/* Whether code is what expect asks for (textproto's three forms; 0:
 * anything). */
static bool code_ok(int code, int expect)
{
    if (expect >= 100)
        return code == expect;
    if (expect >= 10)
        return code / 10 == expect;
    return expect == 0 || code / 100 == expect;
}

/* Append a continuation line (its text, or the whole line when it does
 * not continue the reply). */
static int add_text(struct smtp *s, const char *t, size_t n)
{
    if (buf_add_char(&s->text, '\n') != RN_OK || buf_add(&s->text, t, n))
        return fail(s, false, "smtp: a reply is longer than %u bytes",
                    SMTP_REPLY_MAX);
    return RN_OK;
}

/*
 * textproto.ReadResponse(expect): s->code and s->text hold the reply.
 * RN_OK when its code is what expect asks for; otherwise the reply (or
 * the protocol or I/O error) is the failure in s->e.
 */
static int read_reply(struct smtp *s, int expect)
{
    char line[SMTP_LINE_MAX + 1];
    size_t n, at;
    bool cont = false;
    buf_reset(&s->text);
    s->code = 0;
    int rc = read_line(s, line, &n);
    if (rc != RN_OK)
        return rc;
    int pc = parse_code(line, n, &s->code, &cont, &at);
    if (pc == 0 && buf_add(&s->text, line + at, n - at) != RN_OK)
        return fail(s, false, "out of memory");
    while (cont) {
        int code2;
        bool more;
        if ((rc = read_line(s, line, &n)) != RN_OK)
            return rc;
        if (parse_code(line, n, &code2, &more, &at) != 0 || code2 != s->code)
            rc = add_text(s, line, n), more = true;
        else
            rc = add_text(s, line + at, n - at);
        if (rc != RN_OK)
            return rc;
        cont = more;
    }
    if (pc == -1)
        return fail(s, false, "short response: %s", line);
    if (pc != 0)
        return fail(s, false, "invalid response code: %s", line);
    return code_ok(s->code, expect) ? RN_OK : fail_reply(s);
}

/* ---- commands ---- */

/* One command line (CRLF added, one write, as textproto's Cmd) and its
 * reply. */
static int cmd(struct smtp *s, int expect, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cmd(struct smtp *s, int expect, const char *fmt, ...)
{
    va_list ap;
    buf_reset(&s->out);
    va_start(ap, fmt);
    int rc = buf_add_vfmt(&s->out, fmt, ap);
    va_end(ap);
    if (rc == RN_OK)
        rc = buf_add(&s->out, "\r\n", 2);
    if (rc != RN_OK)
        return fail(s, false, "smtp: a command is longer than %u bytes",
                    SMTP_REPLY_MAX);
    rc = s->io->write(s->io->ud, s->out.ptr, s->out.len, s->e);
    if (rc != RN_OK) {
        s->retryable = rc != RN_ENOMEM;
        return rc;
    }
    return read_reply(s, expect);
}

/* Go's validateLine: an address never carries a line break. */
static int valid_line(struct smtp *s, const char *a)
{
    if (strpbrk(a, "\r\n"))
        return fail(s, false, "smtp: A line must not contain CR or LF");
    return RN_OK;
}

/* One EHLO line after the first: note the extensions the dialogue uses
 * (the keyword as sent, upper case, as net/smtp's map holds it). */
static void ehlo_line(struct smtp *s, const char *l, size_t n)
{
    static const struct {
        const char *kw;
        unsigned bit;
    } kws[] = {{"STARTTLS", EXT_STARTTLS},
               {"AUTH", EXT_AUTH},
               {"8BITMIME", EXT_8BITMIME},
               {"SMTPUTF8", EXT_SMTPUTF8}};
    const char *sp = memchr(l, ' ', n);
    size_t kn = sp ? (size_t)(sp - l) : n;
    for (size_t i = 0; i < sizeof kws / sizeof *kws; i++) {
        if (strlen(kws[i].kw) != kn || memcmp(l, kws[i].kw, kn) != 0)
            continue;
        s->ext |= kws[i].bit;
        if (kws[i].bit == EXT_AUTH) {
            buf_reset(&s->auth);
            if (sp && buf_add(&s->auth, sp + 1, n - kn - 1) != RN_OK)
                s->ext &= ~(unsigned)EXT_AUTH;
        }
    }
}

/* net/smtp's ehlo(): on success the extensions of the reply. */
static int ehlo(struct smtp *s)
{
    int rc = cmd(s, 250, "EHLO localhost");
    if (rc != RN_OK)
        return rc;
    const char *t = buf_str(&s->text);
    const char *nl = strchr(t, '\n');
    s->ext = 0;
    s->ext_valid = true;
    while (nl) {
        const char *l = nl + 1;
        nl = strchr(l, '\n');
        ehlo_line(s, l, nl ? (size_t)(nl - l) : strlen(l));
    }
    return RN_OK;
}

/* net/smtp's hello(): EHLO once, HELO when it fails; the HELO error is
 * kept for later. */
static void hello(struct smtp *s)
{
    if (s->did_hello)
        return;
    s->did_hello = true;
    if (ehlo(s) == RN_OK)
        return;
    s->ext_valid = false;
    s->ext = 0;
    if (cmd(s, 250, "HELO localhost") == RN_OK)
        return;
    s->hello_failed = true;
    s->hello_err = *s->e;
    s->hello_retryable = s->retryable;
}

static bool has_ext(struct smtp *s, unsigned bit)
{
    hello(s);
    return s->ext_valid && (s->ext & bit);
}

/* QUIT and its reply, whatever happens: the outcome is already known. */
static void quit(struct smtp *s)
{
    struct rn_err keep = *s->e;
    bool r = s->retryable;
    if (s->io->linger)
        s->io->linger(s->io->ud, SMTP_LINGER_MS);
    cmd(s, 221, "QUIT");
    *s->e = keep;
    s->retryable = r;
}

/* STARTTLS, the handshake, EHLO again (net/smtp's StartTLS). */
static int starttls(struct smtp *s)
{
    bool permanent = false;
    int rc = cmd(s, 220, "STARTTLS");
    if (rc != RN_OK)
        return rc;
    rc = s->io->starttls(s->io->ud, &permanent, s->e);
    if (rc != RN_OK) {
        s->retryable = !permanent && rc != RN_ENOMEM;
        return rc;
    }
    s->tls = true;
    return ehlo(s);
}

/* ---- DATA (textproto's DotWriter) ---- */

enum dot_state { D_BEGIN, D_BEGIN_LINE, D_CR, D_DATA };

/* Lone LF becomes CRLF; a dot that begins a line is doubled. */
static int dot_add(struct buf *b, int *state, const char *p, size_t n)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        char c = p[i];
        switch (*state) {
        case D_BEGIN:
        case D_BEGIN_LINE:
            *state = D_DATA;
            if (c == '.')
                rc = buf_add_char(b, '.');
            /* fallthrough */
        case D_DATA:
            if (c == '\r')
                *state = D_CR;
            if (c == '\n' && rc == RN_OK) {
                rc = buf_add_char(b, '\r');
                *state = D_BEGIN_LINE;
            }
            break;
        default: /* D_CR */
            *state = c == '\n' ? D_BEGIN_LINE : D_DATA;
            break;
        }
        if (rc == RN_OK)
            rc = buf_add_char(b, c);
    }
    return rc;
}

/* The end: the open line closed, then ".\r\n". */
static int dot_close(struct buf *b, int state)
{
    if (state == D_BEGIN_LINE)
        return buf_add(b, ".\r\n", 3);
    if (state == D_CR)
        return buf_add(b, "\n.\r\n", 4);
    return buf_add(b, "\r\n.\r\n", 5);
}

/* The whole message as DATA sends it (tests). */
int smtp_dot_stuff(struct buf *b, const char *msg, size_t n)
{
    int state = D_BEGIN;
    int rc = dot_add(b, &state, msg, n);
    return rc == RN_OK ? dot_close(b, state) : rc;
}

/* ---- AUTH (net/smtp's Client.Auth, its PLAIN and CRAM-MD5, gomail's
 * LOGIN) ---- */

enum mech { M_PLAIN, M_LOGIN, M_CRAM };

static bool creds(const struct smtp_mail *m)
{
    return m->username && *m->username && m->password && *m->password;
}

/* Go net/smtp's names of the local host (PLAIN in clear is allowed to
 * them). */
static bool is_local_host(const char *h)
{
    return strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 ||
           strcmp(h, "::1") == 0;
}

/* Loopback for the TLS-and-AUTH rule: Go's names and 127.0.0.0/8. */
static bool is_loopback(const char *h)
{
    return is_local_host(h) || strncmp(h, "127.", 4) == 0;
}

/* Whether LOGIN is one of the space-separated mechanisms. */
static bool lists_login(const char *auths)
{
    for (const char *p = auths; p;) {
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        if (n == 5 && memcmp(p, "LOGIN", 5) == 0)
            return true;
        p = sp ? sp + 1 : NULL;
    }
    return false;
}

/* a.Start: the mechanism's name and initial response (s->scratch). */
static int auth_start(struct smtp *s, int mech, const char **name)
{
    const struct smtp_mail *m = s->m;
    buf_reset(&s->scratch);
    if (mech == M_CRAM) {
        *name = "CRAM-MD5";
        return RN_OK;
    }
    if (mech == M_LOGIN) {
        *name = "LOGIN";
        if (!s->tls && !lists_login(buf_str(&s->auth)))
            return fail(s, false, "gomail: unencrypted connection");
        return RN_OK;
    }
    *name = "PLAIN";
    if (!s->tls && !is_local_host(m->host))
        return fail(s, false, "unencrypted connection");
    if (buf_add_char(&s->scratch, '\0') != RN_OK ||
        buf_add_str(&s->scratch, m->username) != RN_OK ||
        buf_add_char(&s->scratch, '\0') != RN_OK ||
        buf_add_str(&s->scratch, m->password) != RN_OK)
        return fail(s, false, "out of memory");
    return RN_OK;
}

/* CRAM-MD5's answer to challenge c: "user hex(hmac-md5(password, c))". */
static int cram(struct smtp *s, const unsigned char *c, size_t n)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const char *pw = s->m->password;
    if (!HMAC(EVP_md5(), pw, (int)strlen(pw), c, n, mac, &len))
        return fail(s, false, "smtp: CRAM-MD5 failed");
    buf_reset(&s->scratch);
    int rc = buf_add_fmt(&s->scratch, "%s ", s->m->username);
    for (unsigned int i = 0; rc == RN_OK && i < len; i++)
        rc = buf_add_fmt(&s->scratch, "%02x", mac[i]);
    return rc == RN_OK ? RN_OK : fail(s, false, "out of memory");
}

/* a.Next(challenge, more): the response in s->scratch, or *done. */
static int auth_next(struct smtp *s, int mech, const unsigned char *c, size_t n,
                     bool *done)
{
    *done = s->code != 334; /* 235: no more challenges */
    if (*done)
        return RN_OK;
    if (mech == M_PLAIN)
        return fail(s, false, "unexpected server challenge");
    if (mech == M_CRAM)
        return cram(s, c, n);
    const char *user = s->m->username, *pass = s->m->password;
    const char *r = n == 9 && memcmp(c, "Username:", 9) == 0   ? user
                    : n == 9 && memcmp(c, "Password:", 9) == 0 ? pass
                                                               : NULL;
    if (!r)
        return fail(s, false, "gomail: unexpected server challenge: %.*s",
                    (int)(n > 200 ? 200 : n), (const char *)c);
    buf_reset(&s->scratch);
    return buf_add_str(&s->scratch, r) == RN_OK
               ? RN_OK
               : fail(s, false, "out of memory");
}

/* The challenge of the last reply: base64 for 334, the text for 235;
 * any other code is the failure. */
static int challenge(struct smtp *s, unsigned char **c, size_t *n)
{
    const char *t = buf_str(&s->text);
    size_t tn = strlen(t), bad = 0;
    char *dst;
    if (s->code != 334 && s->code != 235)
        return fail_reply(s);
    buf_reset(&s->scratch);
    if (buf_reserve(&s->scratch, tn + 1, &dst) != RN_OK)
        return fail(s, false, "out of memory");
    if (s->code == 235) {
        memcpy(dst, t, tn);
        *n = tn;
    } else if (codec_b64_decode(t, tn, 0, (unsigned char *)dst, n, &bad) !=
               RN_OK) {
        return fail(s, false, "illegal base64 data at input byte %zu", bad);
    }
    *c = (unsigned char *)dst;
    return RN_OK;
}

/* Base64 of s->scratch as the next line to send ("AUTH mech b64"
 * trimmed, or the bare response). */
static int respond(struct smtp *s, const char *mech)
{
    struct buf line;
    buf_init(&line, SMTP_REPLY_MAX);
    int rc = mech ? buf_add_fmt(&line, "AUTH %s", mech) : RN_OK;
    if (rc == RN_OK && mech && s->scratch.len)
        rc = buf_add_char(&line, ' ');
    if (rc == RN_OK && s->scratch.len)
        rc = codec_b64_append(&line, s->scratch.ptr, s->scratch.len, 0);
    if (rc == RN_OK)
        rc = cmd(s, 0, "%s", buf_str(&line));
    else
        rc = fail(s, false, "smtp: the AUTH response is too long");
    buf_free(&line);
    return rc;
}

/* gomail's choice among the mechanisms the AUTH line names. */
static int choose(const char *auths)
{
    if (strstr(auths, "CRAM-MD5"))
        return M_CRAM;
    if (strstr(auths, "LOGIN") && !strstr(auths, "PLAIN"))
        return M_LOGIN;
    return M_PLAIN;
}

/* The exchange; a refusal sends "*" and QUIT, as net/smtp does. */
static int auth(struct smtp *s)
{
    int mech = choose(buf_str(&s->auth));
    const char *name;
    int rc = auth_start(s, mech, &name);
    if (rc != RN_OK) {
        quit(s);
        return rc;
    }
    rc = respond(s, name);
    while (rc == RN_OK) {
        unsigned char *c = NULL;
        size_t n = 0;
        bool done = false;
        rc = challenge(s, &c, &n);
        if (rc == RN_OK)
            rc = auth_next(s, mech, c, n, &done);
        if (rc != RN_OK) {
            struct rn_err keep = *s->e;
            bool r = s->retryable;
            cmd(s, 501, "*");
            *s->e = keep;
            s->retryable = r;
            quit(s);
            break;
        }
        if (done)
            break;
        rc = respond(s, NULL);
    }
    return rc;
}

/* ---- the stages ---- */

/* Beyond upstream (security): with credentials, a host that is not
 * loopback must have given TLS and AUTH. */
static int require_tls_auth(struct smtp *s)
{
    hello(s);
    if (is_loopback(s->m->host) || s->hello_failed)
        return RN_OK;
    if (!s->tls)
        fail(s, false,
             "email: the server offers no STARTTLS: with a username and "
             "password rnotify sends only over TLS (STARTTLS, or port 465), "
             "except to a loopback host");
    else if (!has_ext(s, EXT_AUTH))
        fail(s, false,
             "email: the server offers no AUTH: with a username and "
             "password rnotify does not send unauthenticated, except to a "
             "loopback host");
    else
        return RN_OK;
    quit(s);
    return RN_EIO;
}

/* gomail's Dial after the connection: greeting, STARTTLS, AUTH. */
static int dial_stage(struct smtp *s)
{
    int rc = read_reply(s, 220);
    if (rc == RN_OK && !s->tls && has_ext(s, EXT_STARTTLS))
        rc = starttls(s);
    if (rc == RN_OK && creds(s->m))
        rc = require_tls_auth(s);
    if (rc == RN_OK && creds(s->m) && has_ext(s, EXT_AUTH))
        rc = auth(s);
    return rc;
}

/* The message through the DotWriter, a chunk at a time, then its
 * reply. */
static int data(struct smtp *s)
{
    const char *p = s->m->msg;
    size_t left = s->m->msg_len;
    int state = D_BEGIN, rc;
    do {
        size_t n = left < SMTP_CHUNK ? left : SMTP_CHUNK;
        buf_reset(&s->out);
        rc = dot_add(&s->out, &state, p, n);
        if (rc == RN_OK && n == left)
            rc = dot_close(&s->out, state);
        if (rc != RN_OK)
            return fail(s, false, "out of memory");
        p += n;
        left -= n;
        rc = s->io->write(s->io->ud, s->out.ptr, s->out.len, s->e);
        if (rc != RN_OK) {
            s->retryable = rc != RN_ENOMEM;
            return rc;
        }
    } while (left > 0);
    return read_reply(s, 250);
}

/* gomail's Send: MAIL, RCPT, DATA. */
static int send_stage(struct smtp *s)
{
    const struct smtp_mail *m = s->m;
    int rc = valid_line(s, m->from);
    if (rc == RN_OK)
        hello(s);
    if (rc == RN_OK && s->hello_failed) {
        *s->e = s->hello_err;
        s->retryable = s->hello_retryable;
        return RN_EIO;
    }
    if (rc == RN_OK)
        rc = cmd(s, 250, "MAIL FROM:<%s>%s%s", m->from,
                 has_ext(s, EXT_8BITMIME) ? " BODY=8BITMIME" : "",
                 has_ext(s, EXT_SMTPUTF8) ? " SMTPUTF8" : "");
    for (size_t i = 0; rc == RN_OK && i < m->nrcpt; i++) {
        rc = valid_line(s, m->rcpt[i]);
        if (rc == RN_OK)
            rc = cmd(s, 25, "RCPT TO:<%s>", m->rcpt[i]);
    }
    if (rc == RN_OK)
        rc = cmd(s, 354, "DATA");
    return rc == RN_OK ? data(s) : rc;
}

/* "gomail: could not send email 1: " before the message in e. */
static void send_prefix(struct rn_err *e)
{
    char msg[sizeof e->msg];
    memcpy(msg, e->msg, sizeof msg);
    snprintf(e->msg, sizeof e->msg, SEND_PREFIX "%s", msg);
}

/* See svc_int.h; the state lives on the heap (it holds line buffers). */
int smtp_send_mail(const struct smtp_io *io, const struct smtp_mail *m,
                   bool *retryable, struct rn_err *e)
{
    struct smtp *s = rn_calloc(1, sizeof *s);
    *retryable = false;
    if (!s)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    s->io = io;
    s->m = m;
    s->e = e;
    s->tls = m->tls;
    buf_init(&s->text, SMTP_REPLY_MAX);
    buf_init(&s->auth, SMTP_REPLY_MAX);
    buf_init(&s->out, 3 * SMTP_CHUNK);
    buf_init(&s->scratch, SMTP_REPLY_MAX);
    int rc = dial_stage(s);
    if (rc == RN_OK) {
        rc = send_stage(s);
        if (rc != RN_OK)
            send_prefix(e);
        quit(s);
    }
    *retryable = rc != RN_OK && s->retryable;
    buf_free(&s->text);
    buf_free(&s->auth);
    buf_free(&s->out);
    buf_free(&s->scratch);
    rn_free(s);
    return rc;
}
