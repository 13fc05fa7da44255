/*
 * conn.c: the TCP connections of the services that speak their own
 * protocol (email's SMTP, NATS), and TLS on them with OpenSSL.
 *
 * Dialing resolves the host and tries every address in turn, as Go's
 * dialers do: net.Dialer's rule (each address gets an equal part of the
 * time left, but at least 2 s when that much is left; the first error is
 * the one reported) or nats.go's (the dial timeout shared equally, the
 * last error reported).  Errors use Go's words: "dial tcp 10.0.0.1:25:
 * connect: connection refused", "dial tcp 10.0.0.1:25: i/o timeout",
 * "dial tcp: lookup x.invalid: Name or service not known", and for reads
 * and writes "read tcp 127.0.0.1:5000->127.0.0.1:25: i/o timeout" or
 * "EOF".
 *
 * The socket is non-blocking once connected; every read, write and TLS
 * handshake step waits with poll() until the connection's deadline, so a
 * server that stalls costs at most the time the delivery has left.  TLS
 * verifies the certificate chain (the system store plus an optional CA
 * bundle, as libcurl does for the HTTP services) and the host name (or
 * IP address), unless insecure_skip_verify asks for no check at all, and
 * sends SNI for a host name (not for an IP, nor when unverified: Go's
 * tls.Config as upstream fills it).
 */
#include "svc_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define GO_SANE_MINIMUM_MS 2000 /* net.Dialer's least time per address */

/* ms left before deadline (0 = none: cap), at most cap, never negative. */
static int time_left(int64_t deadline_ms, int cap)
{
    if (!deadline_ms)
        return cap;
    int64_t left = deadline_ms - svc_now_ms();
    return left <= 0 ? 0 : left < cap ? (int)left : cap;
}

/* Go's errno texts are glibc's with a lower-case first letter. */
static void errno_text(char *out, size_t cap, int err)
{
    char tmp[128];
    /* the GNU strerror_r (the project builds with _GNU_SOURCE) */
    snprintf(out, cap, "%s", strerror_r(err, tmp, sizeof tmp));
    out[0] = (char)tolower((unsigned char)out[0]);
}

/* "host:port" of an address, IPv6 in brackets. */
static void addr_text(char *out, size_t cap, const struct sockaddr *sa,
                      socklen_t len)
{
    char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
    getnameinfo(sa, len, host, sizeof host, port, sizeof port,
                NI_NUMERICHOST | NI_NUMERICSERV);
    bool v6 = sa->sa_family == AF_INET6;
    snprintf(out, cap, "%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/* Connect to one address within ms; 0 or an errno. */
static int dial_addr(const struct addrinfo *ai, int ms, int *fd)
{
    int s = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return errno;
    int fl = fcntl(s, F_GETFL);
    int err = fl < 0 || fcntl(s, F_SETFL, fl | O_NONBLOCK) < 0 ? errno : 0;
    if (!err && connect(s, ai->ai_addr, ai->ai_addrlen) != 0)
        err = errno;
    if (err == EINPROGRESS) {
        struct pollfd p = {s, POLLOUT, 0};
        socklen_t len = sizeof err;
        int r = poll(&p, 1, ms);
        err = r == 0 ? ETIMEDOUT
              : r < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) != 0
                  ? errno
                  : err;
    }
    if (err) {
        close(s);
        return err;
    }
    *fd = s;
    return 0;
}

/* The time the next address gets, ending by end: Go's partialDeadline
 * (an equal part of what is left, at least 2 s when that much is left),
 * or nats.go's fixed share.  0 when the time is up. */
static int addr_budget(const struct svc_dial *d, int64_t end, int share,
                       size_t left)
{
    int64_t ms = end - svc_now_ms();
    if (ms <= 0)
        return 0;
    if (d->rule == SVC_DIAL_NATS)
        return share < ms ? share : (int)ms;
    int64_t part = ms / (int64_t)left;
    if (part < GO_SANE_MINIMUM_MS)
        part = ms < GO_SANE_MINIMUM_MS ? ms : GO_SANE_MINIMUM_MS;
    return (int)part;
}

/* One failed address in Go's words, kept when the rule says so. */
static void note_error(const struct svc_dial *d, const struct addrinfo *ai,
                       int err, char *why, size_t cap, bool *first)
{
    char addr[NI_MAXHOST + 16], what[128];
    if (d->rule == SVC_DIAL_GO && !*first)
        return;
    *first = false;
    addr_text(addr, sizeof addr, ai->ai_addr, ai->ai_addrlen);
    if (err == ETIMEDOUT) {
        snprintf(what, sizeof what, "i/o timeout");
    } else {
        char t[112];
        errno_text(t, sizeof t, err);
        snprintf(what, sizeof what, "connect: %s", t);
    }
    snprintf(why, cap, "dial tcp %s: %s", addr, what);
}

/* Local and remote address of a connected socket, for messages. */
static void name_pair(struct svc_conn *c)
{
    struct sockaddr_storage l, r;
    socklen_t ll = sizeof l, rl = sizeof r;
    char a[NI_MAXHOST + 16] = "?", b[NI_MAXHOST + 16] = "?";
    if (getsockname(c->fd, (struct sockaddr *)&l, &ll) == 0)
        addr_text(a, sizeof a, (struct sockaddr *)&l, ll);
    if (getpeername(c->fd, (struct sockaddr *)&r, &rl) == 0)
        addr_text(b, sizeof b, (struct sockaddr *)&r, rl);
    snprintf(c->names, sizeof c->names, "%s->%s", a, b);
}

/*
 * Connect c to d->host:d->port (see the file comment for the rules).
 * RN_OK with c->fd open and non-blocking; otherwise RN_EIO with Go's
 * words in why (cap bytes) and *refused telling whether every address
 * refused the connection.  c->deadline_ms is left for the caller to set.
 */
int svc_conn_dial(struct svc_conn *c, const struct svc_dial *d, char *why,
                  size_t cap, bool *refused)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    memset(c, 0, sizeof *c);
    c->fd = -1;
    *refused = false;
    int g = getaddrinfo(d->host, d->port, &hints, &res);
    if (g != 0) {
        snprintf(why, cap, "dial tcp: lookup %s: %s", d->host,
                 g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        return RN_EIO;
    }
    size_t n = 0, i = 0;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        n++;
    int64_t end = svc_now_ms() + d->timeout_ms;
    if (d->deadline_ms && d->deadline_ms < end)
        end = d->deadline_ms;
    int share = d->timeout_ms / (int)(n ? n : 1);
    bool first = true;
    *refused = true;
    for (const struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next) {
        int ms = addr_budget(d, end, share > 0 ? share : 1, n - i++);
        int err = ms > 0 ? dial_addr(ai, ms, &c->fd) : ETIMEDOUT;
        if (err) {
            note_error(d, ai, err, why, cap, &first);
            *refused &= err == ECONNREFUSED;
        }
    }
    freeaddrinfo(res);
    if (c->fd < 0)
        return RN_EIO;
    *refused = false;
    name_pair(c);
    return RN_OK;
}

/* Wait for ev on c until its deadline; 0, ETIMEDOUT or an errno. */
static int wait_io(const struct svc_conn *c, short ev)
{
    struct pollfd p = {c->fd, ev, 0};
    int r;
    do
        r = poll(&p, 1,
                 time_left(c->deadline_ms, c->io_ms ? c->io_ms : 3600000));
    while (r < 0 && errno == EINTR);
    return r == 0 ? ETIMEDOUT : r < 0 ? errno : 0;
}

/* Go's text for a failed read or write ("read tcp a->b: i/o timeout"). */
static int io_error(const struct svc_conn *c, const char *op, int err,
                    struct rn_err *e)
{
    char t[112];
    if (err == 0)
        return rn_errf(e, RN_EIO, "EOF");
    if (err == ETIMEDOUT)
        return rn_errf(e, RN_EIO, "%s tcp %s: i/o timeout", op, c->names);
    errno_text(t, sizeof t, err);
    return rn_errf(e, RN_EIO, "%s tcp %s: %s: %s", op, c->names, op, t);
}

/* After an OpenSSL call failed: the event to wait for (POLLIN/POLLOUT),
 * or 0 with *err set (0 for a clean end of stream). */
static short ssl_want(const struct svc_conn *c, int r, int *err)
{
    int se = SSL_get_error(c->ssl, r);
    *err = EPROTO;
    if (se == SSL_ERROR_WANT_READ)
        return POLLIN;
    if (se == SSL_ERROR_WANT_WRITE)
        return POLLOUT;
    if (se == SSL_ERROR_ZERO_RETURN ||
        (se == SSL_ERROR_SYSCALL && errno == 0) ||
        (se == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) ==
                                    SSL_R_UNEXPECTED_EOF_WHILE_READING))
        *err = 0;
    else if (se == SSL_ERROR_SYSCALL && errno)
        *err = errno;
    ERR_clear_error();
    return 0;
}

/*
 * Read what is there into buf, waiting until the deadline.  RN_OK with
 * *got > 0, or *got == 0 at the end of the stream; RN_EIO on a timeout or
 * an error, with Go's words in e.
 */
int svc_conn_read(struct svc_conn *c, char *buf, size_t cap, size_t *got,
                  struct rn_err *e)
{
    for (;;) {
        short ev = POLLIN;
        int err = 0;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_read_ex(c->ssl, buf, cap, got);
            if (r == 1)
                return RN_OK;
            ev = ssl_want(c, r, &err);
            if (!ev && !err) {
                *got = 0;
                return RN_OK;
            }
        } else {
            ssize_t r = recv(c->fd, buf, cap, 0);
            if (r >= 0) {
                *got = (size_t)r;
                return RN_OK;
            }
            if (errno != EAGAIN && errno != EINTR)
                ev = 0, err = errno;
        }
        if (ev)
            err = wait_io(c, ev);
        if (!ev || err)
            return io_error(c, "read", err, e);
    }
}

/* Write all of p[0..n), waiting until the deadline; RN_EIO with Go's
 * words in e. */
int svc_conn_write(struct svc_conn *c, const char *p, size_t n,
                   struct rn_err *e)
{
    while (n > 0) {
        size_t put = 0;
        short ev = POLLOUT;
        int err = 0;
        if (c->ssl) {
            ERR_clear_error();
            int r = SSL_write_ex(c->ssl, p, n, &put);
            if (r != 1 && !(ev = ssl_want(c, r, &err)))
                return io_error(c, "write", err ? err : EPIPE, e);
        } else {
            ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);
            if (r >= 0)
                put = (size_t)r;
            else if (errno != EAGAIN && errno != EINTR)
                return io_error(c, "write", errno, e);
        }
        p += put;
        n -= put;
        if (n > 0 && !put && (err = wait_io(c, ev)) != 0)
            return io_error(c, "write", err, e);
    }
    return RN_OK;
}

/* The address of an IP literal host in ip (4 or 16 bytes), 0 for a
 * name.  An IPv4-mapped IPv6 address gives its IPv4 form, which is how
 * Go compares it with a certificate's IP addresses. */
static size_t ip_literal(const char *host, unsigned char ip[16])
{
    if (inet_pton(AF_INET, host, ip) == 1)
        return 4;
    if (inet_pton(AF_INET6, host, ip) != 1)
        return 0;
    if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)ip)) {
        memmove(ip, ip + 12, 4);
        return 4;
    }
    return 16;
}

/* A client context: TLS 1.2 at least (Go's default), the system store
 * and the extra bundle, peer verification unless insecure. */
static SSL_CTX *client_ctx(const struct svc_tls *t)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, t->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER,
                       NULL);
    if (!t->insecure && (SSL_CTX_set_default_verify_paths(ctx) != 1 ||
                         (t->ca_file && SSL_CTX_load_verify_locations(
                                            ctx, t->ca_file, NULL) != 1))) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The session for t->host: SNI and the name (or IP) to verify. */
static SSL *client_ssl(SSL_CTX *ctx, const struct svc_tls *t, int fd)
{
    SSL *ssl = SSL_new(ctx);
    unsigned char ip[16];
    size_t iplen = ip_literal(t->host, ip);
    bool ok = ssl && SSL_set_fd(ssl, fd) == 1;
    if (ok && !t->insecure && !iplen)
        ok = SSL_set_tlsext_host_name(ssl, t->host) == 1 &&
             SSL_set1_host(ssl, t->host) == 1;
    if (ok && !t->insecure && iplen)
        ok = X509_VERIFY_PARAM_set1_ip(SSL_get0_param(ssl), ip, iplen) == 1;
    if (!ok) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_connect_state(ssl);
    return ssl;
}

/* Why a handshake failed, in e; *cert_bad for a certificate that did
 * not verify (a repeat cannot help; unverified sessions never fail on
 * one). */
static int handshake_error(struct svc_conn *c, int r, bool insecure,
                           bool *cert_bad, struct rn_err *e)
{
    long v = insecure ? X509_V_OK : SSL_get_verify_result(c->ssl);
    unsigned long le = ERR_peek_error();
    int err = 0;
    if (v != X509_V_OK) {
        *cert_bad = true;
        ERR_clear_error();
        return rn_errf(e, RN_EIO, "tls: failed to verify certificate: x509: %s",
                       X509_verify_cert_error_string(v));
    }
    if (le) {
        char t[160];
        ERR_error_string_n(le, t, sizeof t);
        ERR_clear_error();
        const char *reason = ERR_reason_error_string(le);
        return rn_errf(e, RN_EIO, "tls: %s", reason ? reason : t);
    }
    ssl_want(c, r, &err);
    return io_error(c, "read", err, e);
}

/*
 * The TLS handshake on c as a client of t->host (see the file comment),
 * waiting until c->deadline_ms.  RN_OK: c reads and writes through TLS
 * from now on.  Otherwise RN_EIO (RN_ENOMEM) with the reason in e and
 * *cert_bad set when the certificate did not verify.
 */
int svc_conn_tls(struct svc_conn *c, const struct svc_tls *t, bool *cert_bad,
                 struct rn_err *e)
{
    *cert_bad = false;
    SSL_CTX *ctx = client_ctx(t);
    SSL *ssl = ctx ? client_ssl(ctx, t, c->fd) : NULL;
    SSL_CTX_free(ctx); /* the session keeps its own reference */
    if (!ssl) {
        ERR_clear_error();
        return rn_errf(e, RN_EIO, "tls: cannot set up a session%s",
                       t->ca_file ? " (is the CA file readable PEM?)" : "");
    }
    c->ssl = ssl;
    for (;;) {
        ERR_clear_error();
        int r = SSL_do_handshake(ssl), err = 0;
        if (r == 1)
            return RN_OK;
        short ev = SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ    ? POLLIN
                   : SSL_get_error(ssl, r) == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                                   : 0;
        if (!ev)
            return handshake_error(c, r, t->insecure, cert_bad, e);
        if ((err = wait_io(c, ev)) != 0)
            return io_error(c, "read", err, e);
    }
}

/* Close c (a TLS session says goodbye first, without waiting). */
void svc_conn_close(struct svc_conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        ERR_clear_error();
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}
