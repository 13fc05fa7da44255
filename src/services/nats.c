/*
 * nats.c: `service.nats`, one publish per send over the NATS client
 * protocol (docs/services/nats.md).  Not HTTP: the service delivers by
 * itself (svc_type.send), blocking, with 10 s timeouts.
 *
 * Dialogue: read INFO, send CONNECT (user/pass when both are set, or an
 * NKey signature over INFO's nonce) and PING, expect PONG, then PUB (or
 * HPUB with the configured headers, which the server must support), and
 * a final PING/PONG so that a refused publish (-ERR) is reported instead
 * of lost.  The recipient is the subject; the payload is the message.
 * An NKey seed (SU...) is base32 of [prefix, 32-byte Ed25519 seed, CRC-16
 * XMODEM]; the public key sent is base32 of ['U' prefix, key, CRC].
 */
#include "svc_int.h"

#include <netdb.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NATS_TIMEOUT_MS 10000
#define NATS_LINE_MAX 8192

struct nats_opts {
    const char *url, *nkey, *username, *password;
    struct svc_strmap headers;
};

#define O(f) offsetof(struct nats_opts, f)
static const struct svc_opt nats_opts[] = {
    {"url", SVC_O_STR, 0, O(url)},
    {"headers", SVC_O_STRMAP, 0, O(headers)},
    {"nkey", SVC_O_STR, SVC_OF_SECRET, O(nkey)},
    {"username", SVC_O_STR, 0, O(username)},
    {"password", SVC_O_STR, SVC_OF_SECRET, O(password)},
};
#undef O

/* ---- nkeys ---- */

static uint16_t crc16(const unsigned char *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = crc & 0x8000 ? (uint16_t)((crc << 1) ^ 0x1021)
                               : (uint16_t)(crc << 1);
    }
    return crc;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static size_t b32_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    unsigned bits = 0, acc = 0;
    for (; *s; s++) {
        const char *p = strchr(b32, *s);
        if (!p || !*s)
            return 0;
        acc = (acc << 5) | (unsigned)(p - b32);
        bits += 5;
        if (bits >= 8) {
            if (n == cap)
                return 0;
            out[n++] = (unsigned char)(acc >> (bits - 8));
            bits -= 8;
            acc &= (1u << bits) - 1;
        }
    }
    return n;
}

static void b32_encode(const unsigned char *p, size_t n, char *out)
{
    unsigned bits = 0, acc = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits)
        out[o++] = b32[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

/* Public key ("U...") and base64url signature of nonce, in a. */
static int nkey_sign(struct arena *a, const char *seed, const char *nonce,
                     const char **pub, const char **sig)
{
    unsigned char raw[64], pk[32], s[64], enc[35];
    size_t n = b32_decode(seed, raw, sizeof raw), pl = 32, sl = 64;
    char pubtxt[64];
    if (n != 36 || raw[0] != ((18 << 3) | (160 >> 5)) ||
        raw[1] != ((160 & 31) << 3) ||
        crc16(raw, 34) != (uint16_t)(raw[34] | raw[35] << 8))
        return RN_ECONFIG;
    EVP_PKEY *k =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw + 2, 32);
    EVP_MD_CTX *md = k ? EVP_MD_CTX_new() : NULL;
    int ok = md && EVP_PKEY_get_raw_public_key(k, pk, &pl) == 1 &&
             EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
             EVP_DigestSign(md, s, &sl, (const unsigned char *)nonce,
                            strlen(nonce)) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    if (!ok)
        return RN_ECONFIG;
    enc[0] = 20 << 3; /* 'U': a user key */
    memcpy(enc + 1, pk, 32);
    uint16_t crc = crc16(enc, 33);
    enc[33] = (unsigned char)(crc & 0xff);
    enc[34] = (unsigned char)(crc >> 8);
    b32_encode(enc, 35, pubtxt);
    *pub = arena_strdup(a, pubtxt);
    char *b = (char *)svc_base64(a, (const char *)s, sl);
    for (char *p = b; p && *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    for (size_t l = b ? strlen(b) : 0; l && b[l - 1] == '='; l--)
        b[l - 1] = '\0';
    *sig = b;
    return *pub && *sig ? RN_OK : RN_ENOMEM;
}

/* ---- the connection ---- */

struct conn {
    int fd;
    char buf[NATS_LINE_MAX];
    size_t len;
};

static bool wait_fd(int fd, short ev)
{
    struct pollfd p = {fd, ev, 0};
    return poll(&p, 1, NATS_TIMEOUT_MS) == 1 && !(p.revents & POLLNVAL);
}

/* nats://host[:port][,more] -> a connected socket (first server only). */
static int dial(struct arena *a, const char *url, int *fd, struct rn_err *e)
{
    const char *p = strncmp(url, "nats://", 7) == 0 ? url + 7 : url;
    if (strstr(url, "://") && p == url)
        return rn_errf(e, RN_ECONFIG, "nats: unsupported URL scheme in %s",
                       url);
    size_t n = strcspn(p, ",/");
    const char *hp = arena_strndup(a, p, n);
    const char *colon = hp ? strrchr(hp, ':') : NULL;
    const char *host = colon ? arena_strndup(a, hp, (size_t)(colon - hp)) : hp;
    const char *port = colon ? colon + 1 : "4222";
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (!host || getaddrinfo(host, port, &hints, &res) != 0)
        return rn_errf(e, RN_EIO, "nats: cannot resolve %s", hp ? hp : url);
    int s = socket(res->ai_family, SOCK_STREAM, 0);
    bool ok = s >= 0 && connect(s, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!ok) {
        if (s >= 0)
            close(s);
        return rn_errf(e, RN_EIO, "nats: dial tcp %s: connection refused", hp);
    }
    *fd = s;
    return RN_OK;
}

static int write_all(int fd, const char *p, size_t n, struct rn_err *e)
{
    while (n > 0) {
        ssize_t w = wait_fd(fd, POLLOUT) ? send(fd, p, n, MSG_NOSIGNAL) : -1;
        if (w <= 0)
            return rn_errf(e, RN_EIO, "nats: write failed");
        p += w;
        n -= (size_t)w;
    }
    return RN_OK;
}

/* One protocol line without its CRLF, into out. */
static int read_line(struct conn *c, char *out, size_t cap, struct rn_err *e)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            size_t k = n && c->buf[n - 1] == '\r' ? n - 1 : n;
            if (k >= cap)
                k = cap - 1;
            memcpy(out, c->buf, k);
            out[k] = '\0';
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return RN_OK;
        }
        if (c->len == sizeof c->buf)
            return rn_errf(e, RN_EIO, "nats: protocol line too long");
        ssize_t r = wait_fd(c->fd, POLLIN) ? recv(c->fd, c->buf + c->len,
                                                  sizeof c->buf - c->len, 0)
                                           : -1;
        if (r <= 0)
            return rn_errf(e, RN_EIO, "nats: connection closed or timed out");
        c->len += (size_t)r;
    }
}

/* Wait for PONG, answering PINGs and skipping +OK / INFO. */
static int await_pong(struct conn *c, bool *retryable, struct rn_err *e)
{
    char line[NATS_LINE_MAX];
    for (;;) {
        int rc = read_line(c, line, sizeof line, e);
        if (rc != RN_OK)
            return rc;
        if (strcmp(line, "PONG") == 0)
            return RN_OK;
        if (strncmp(line, "-ERR", 4) == 0) {
            *retryable = false;
            return rn_errf(e, RN_EHTTP, "nats: %s", line);
        }
        if (strcmp(line, "PING") == 0 &&
            write_all(c->fd, "PONG\r\n", 6, e) != RN_OK)
            return RN_EIO;
    }
}

static const char *connect_json(struct svc_call *c, const struct nats_opts *o,
                                const char *nonce, struct rn_err *e)
{
    /* the fixed members after "name" */
    static const char rest[] = "\"\",\"lang\":\"c\",\"version\":\"rnotify\","
                               "\"protocol\":1,\"echo\":true,\"headers\":true,"
                               "\"no_responders\":true";
    struct svc_json j;
    const char *out = NULL, *pub = NULL, *sig = NULL;
    size_t n;
    if (*o->nkey && nkey_sign(c->a, o->nkey, nonce, &pub, &sig) != RN_OK) {
        rn_errf(e, RN_ECONFIG, "nats: the nkey seed is not a valid user seed");
        return NULL;
    }
    svc_json_init(&j);
    int rc = svc_json_raw(&j, "verbose", "false", 5);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "pedantic", "false", 5);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "tls_required", "false", 5);
    if (rc == RN_OK && *o->username && *o->password) {
        rc = svc_json_str(&j, "user", o->username);
        if (rc == RN_OK)
            rc = svc_json_str(&j, "pass", o->password);
    }
    if (rc == RN_OK && pub) {
        rc = svc_json_str(&j, "nkey", pub);
        if (rc == RN_OK)
            rc = svc_json_str(&j, "sig", sig);
    }
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "name", rest, strlen(rest));
    if (rc == RN_OK)
        svc_json_end(&j, c->a, &out, &n);
    else
        buf_free(&j.b);
    if (!out && !e->code)
        rn_errf(e, RN_ENOMEM, "out of memory");
    return out;
}

/* PUB, or HPUB with the configured headers (sorted by name). */
static const char *publish(struct svc_call *c, const struct nats_opts *o)
{
    const char *msg = svc_message(c->root);
    struct buf h;
    const char *out = NULL;
    if (!o->headers.n)
        return arena_printf(c->a, "PUB %s %zu\r\n%s\r\n", c->recipient,
                            strlen(msg), msg);
    buf_init(&h, 1u << 20);
    int rc = buf_add_str(&h, "NATS/1.0\r\n");
    for (size_t i = 0; rc == RN_OK && i < o->headers.n; i++)
        rc = buf_add_fmt(&h, "%s: %s\r\n", o->headers.keys[i],
                         o->headers.vals[i]);
    if (rc == RN_OK)
        rc = buf_add_str(&h, "\r\n");
    if (rc == RN_OK)
        out = arena_printf(c->a, "HPUB %s %zu %zu\r\n%s%s\r\n", c->recipient,
                           h.len, h.len + strlen(msg), buf_str(&h), msg);
    buf_free(&h);
    return out;
}

/* INFO, CONNECT + PING, PONG, publish, PING, PONG. */
static int dialogue(struct conn *cn, struct svc_call *c,
                    const struct nats_opts *o, bool *retryable,
                    struct rn_err *e)
{
    char line[NATS_LINE_MAX];
    struct val info = val_null();
    int rc = read_line(cn, line, sizeof line, e);
    if (rc == RN_OK &&
        (strncmp(line, "INFO ", 5) != 0 ||
         svc_json_parse(c->a, line + 5, strlen(line + 5), &info, e) != RN_OK)) {
        *retryable = false;
        return rn_errf(e, RN_EHTTP, "nats: the server did not send INFO");
    }
    if (rc != RN_OK)
        return rc;
    const struct val *hs = val_get_cstr(info, "headers");
    if (o->headers.n && !(hs && hs->kind == VAL_BOOL && hs->u.b)) {
        *retryable = false;
        return rn_errf(e, RN_EHTTP, "nats: headers not supported");
    }
    const char *cj = connect_json(c, o, svc_val_str(info, "nonce"), e);
    const char *hello =
        cj ? arena_printf(c->a, "CONNECT %s\r\nPING\r\n", cj) : NULL;
    const char *pub = publish(c, o);
    if (!hello || !pub) {
        *retryable = false;
        return e->code ? e->code : rn_errf(e, RN_ENOMEM, "out of memory");
    }
    rc = write_all(cn->fd, hello, strlen(hello), e);
    if (rc == RN_OK)
        rc = await_pong(cn, retryable, e);
    if (rc == RN_OK)
        rc = write_all(cn->fd, pub, strlen(pub), e);
    if (rc == RN_OK)
        rc = write_all(cn->fd, "PING\r\n", 6, e);
    if (rc == RN_OK)
        rc = await_pong(cn, retryable, e);
    return rc;
}

static int nats_send(const void *state, struct svc_call *c, bool *retryable,
                     struct rn_err *e)
{
    const struct nats_opts *o = state;
    struct conn *cn = arena_zalloc(c->a, sizeof *cn);
    if (!cn)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (!*c->recipient || strpbrk(c->recipient, " \t\r\n")) {
        *retryable = false;
        return rn_errf(e, RN_EINVAL, "nats: invalid subject '%s'",
                       c->recipient);
    }
    *retryable = true;
    int rc = dial(c->a, o->url, &cn->fd, e);
    if (rc != RN_OK)
        return rc;
    rc = dialogue(cn, c, o, retryable, e);
    close(cn->fd);
    return rc;
}

const struct svc_type svc_nats = {
    .name = "nats",
    .opts = nats_opts,
    .nopts = sizeof nats_opts / sizeof *nats_opts,
    .opts_size = sizeof(struct nats_opts),
    .send = nats_send,
};
