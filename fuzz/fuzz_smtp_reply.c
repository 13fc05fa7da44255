/*
 * fuzz_smtp_reply.c: an SMTP server's side of the dialogue (greeting,
 * EHLO with its extensions, STARTTLS, AUTH challenges, error and
 * multi-line replies, anything else) fed to smtp.c's client, which reads
 * the replies as Go's textproto does and decides STARTTLS, the AUTH
 * mechanism and its answers, MAIL's parameters and the error to report.
 * The first byte sets credentials, a loopback or remote host, implicit
 * TLS, a failing TLS handshake and how many bytes each read hands out.
 * Nothing may crash or hang; every command the client writes is one
 * CRLF-terminated line (the message aside), and an error has a text.
 */
#include "core/buf.h"
#include "core/err.h"
#include "services/svc_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct server {
    const uint8_t *p;
    size_t left, chunk;
    bool tls_fails, in_data;
};

static int s_read(void *ud, char *buf, size_t cap, size_t *got,
                  struct rn_err *e)
{
    struct server *s = ud;
    size_t n = s->left < s->chunk ? s->left : s->chunk;
    (void)e;
    *got = n < cap ? n : cap;
    memcpy(buf, s->p, *got);
    s->p += *got;
    s->left -= *got;
    return RN_OK;
}

/* Commands are single lines; the message after DATA is not checked. */
static int s_write(void *ud, const char *p, size_t n, struct rn_err *e)
{
    struct server *s = ud;
    (void)e;
    if (s->in_data)
        return RN_OK;
    if (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n' ||
        memchr(p, '\n', n - 1) || memchr(p, '\r', n - 2))
        abort();
    s->in_data = n == 6 && memcmp(p, "DATA\r\n", 6) == 0;
    return RN_OK;
}

static int s_tls(void *ud, bool *permanent, struct rn_err *e)
{
    struct server *s = ud;
    *permanent = s->tls_fails;
    return s->tls_fails ? rn_errf(e, RN_EIO, "tls: bad certificate") : RN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const rcpt[] = {"b@y.org", "c@z.org"};
    if (size < 1)
        return 0;
    unsigned f = data[0];
    struct server s = {data + 1, size - 1, (f >> 4) + 1, (f & 8) != 0, false};
    struct smtp_io io = {&s, s_read, s_write, s_tls, NULL};
    struct smtp_mail m = {(f & 2) ? "127.0.0.1" : "mx.example",
                          (f & 1) ? "user" : NULL,
                          (f & 1) ? "secret" : NULL,
                          (f & 4) != 0,
                          "a@x.org",
                          rcpt,
                          2,
                          "Subject: s\r\n\r\n.hi\n",
                          18};
    struct rn_err e = {0};
    bool retryable;
    if (smtp_send_mail(&io, &m, &retryable, &e) != RN_OK && !e.msg[0])
        abort();
    return 0;
}
