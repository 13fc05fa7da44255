/*
 * nats.c: `service.nats`, one publish per send over the NATS client
 * protocol (docs/services/nats.md), as nats.go v1.43.0 does it.  Not HTTP:
 * the service delivers by itself (svc_type.send), blocking.
 *
 * `url` is nats.go's server list: comma-separated, each `nats://` (added
 * when there is no scheme) `[user:pass@ | token@]host[:port]`, port 4222
 * by default.  Servers are tried in order; for each, every address the
 * host resolves to is tried with nats.go's 2 s dial timeout shared among
 * them (and never past the delivery deadline).  The error names what
 * really happened (refused, timed out, unreachable, unresolvable).
 * Credentials in the URL win over the options, as nats.go's: user and
 * password, or a lone user name as an auth token; otherwise `username`
 * + `password` (both set) and the `nkey` seed.
 *
 * Dialogue: read INFO, send CONNECT (nats.go's connectInfo, in its field
 * order) and PING, expect PONG, then PUB, or HPUB with the configured
 * headers written as Go's http.Header.Write does (sorted, invalid names
 * dropped, CR and LF in values turned into spaces, values trimmed).
 * Then, unlike nats.go's fire-and-forget close, a final PING/PONG so that
 * a refused publish (-ERR) is reported instead of lost.  The recipient
 * is the subject; it must not be empty or hold white space or control
 * characters (they would inject protocol lines).
 */
#include "svc_int.h"

#include "../core/json.h"

#include <ctype.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NATS_DIAL_MS 2000 /* nats.go's DefaultTimeout */
#define NATS_IO_MS 10000  /* each read or write of the dialogue */
#define NATS_LINE_MAX 8192
#define NATS_MAX_SERVERS 16

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

/* ---- server protocol lines ---- */

/* One server line (CRLF removed) into out; INFO's JSON is parsed in a.
 * RN_EINVAL for a line that is not NATS.  Pure: the fuzz target's entry. */
int nats_server_line(struct arena *a, const char *line, size_t n,
                     struct nats_line *out, struct rn_err *e)
{
    static const struct {
        const char *word;
        enum nats_op op;
    } ops[] = {{"PING", NATS_OP_PING},
               {"PONG", NATS_OP_PONG},
               {"+OK", NATS_OP_OK},
               {"-ERR", NATS_OP_ERR},
               {"INFO", NATS_OP_INFO}};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        size_t w = strlen(ops[i].word);
        if (n < w || strncasecmp(line, ops[i].word, w) != 0 ||
            (n > w && line[w] != ' ' && line[w] != '\t'))
            continue;
        out->op = ops[i].op;
        out->arg = line + w + strspn(line + w, " \t");
        out->arg_len = n - (size_t)(out->arg - line);
        if (out->op != NATS_OP_INFO)
            return RN_OK;
        struct val v;
        if (svc_json_parse(a, out->arg, out->arg_len, &v, e) != RN_OK ||
            v.kind != VAL_OBJECT)
            return rn_errf(e, RN_EINVAL, "nats: malformed INFO");
        const struct val *h = val_get_cstr(v, "headers");
        const struct val *t = val_get_cstr(v, "tls_required");
        const struct val *m = val_get_cstr(v, "max_payload");
        out->nonce = svc_val_str(v, "nonce");
        out->headers = h && h->kind == VAL_BOOL && h->u.b;
        out->tls_required = t && t->kind == VAL_BOOL && t->u.b;
        out->max_payload = m && m->kind == VAL_INT ? m->u.i : 0;
        return RN_OK;
    }
    return rn_errf(e, RN_EINVAL, "nats: unexpected protocol line");
}

/* ---- the server list ---- */

/* One server of `url`: host, port and the credentials it carries. */
struct nats_server {
    const char *host, *port; /* host without IPv6 brackets */
    const char *user, *pass, *token;
    bool has_userinfo;
};

/* libcurl's URL parser on "nats://..." (a scheme it does not know). */
static const char *url_get(struct arena *a, CURLU *u, CURLUPart part)
{
    char *v = NULL;
    const char *r = NULL;
    if (curl_url_get(u, part, &v, CURLU_URLDECODE) == CURLUE_OK)
        r = arena_strdup(a, v);
    curl_free(v);
    return r;
}

static int parse_server(struct arena *a, const char *item,
                        struct nats_server *s, struct rn_err *e)
{
    const char *full =
        strstr(item, "://") ? item : arena_printf(a, "nats://%s", item);
    CURLU *u = curl_url();
    memset(s, 0, sizeof *s);
    int ok = full && u &&
             curl_url_set(u, CURLUPART_URL, full, CURLU_NON_SUPPORT_SCHEME) ==
                 CURLUE_OK;
    const char *scheme = ok ? url_get(a, u, CURLUPART_SCHEME) : NULL;
    if (ok && scheme && strcmp(scheme, "nats") == 0) {
        const char *h = url_get(a, u, CURLUPART_HOST);
        size_t hl = h ? strlen(h) : 0;
        s->host = hl > 1 && h[0] == '[' ? arena_strndup(a, h + 1, hl - 2) : h;
        s->port = url_get(a, u, CURLUPART_PORT);
        s->user = url_get(a, u, CURLUPART_USER);
        s->pass = url_get(a, u, CURLUPART_PASSWORD);
    }
    curl_url_cleanup(u);
    if (!ok || !scheme || !s->host)
        return rn_errf(e, RN_ECONFIG, "nats: invalid server URL");
    if (strcmp(scheme, "nats") != 0)
        return rn_errf(e, RN_ECONFIG,
                       "nats: the %s:// scheme is not supported (only "
                       "nats://)",
                       scheme);
    s->has_userinfo = s->user != NULL;
    if (s->user && !s->pass) { /* nats.go: a lone user name is a token */
        s->token = s->user;
        s->user = NULL;
    }
    if (!s->port)
        s->port = "4222";
    return RN_OK;
}

/* processUrlString: split on ",", trim spaces and one trailing "/". */
static int server_list(struct arena *a, const char *url,
                       struct nats_server *out, size_t *n, struct rn_err *e)
{
    *n = 0;
    for (const char *p = url; *p;) {
        size_t len = strcspn(p, ",");
        const char *b = p, *end = p + len;
        while (b < end && (*b == ' ' || *b == '\t'))
            b++;
        while (end > b && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > b && end[-1] == '/')
            end--;
        if (end > b && *n < NATS_MAX_SERVERS) {
            const char *item = arena_strndup(a, b, (size_t)(end - b));
            int rc = item ? parse_server(a, item, &out[*n], e) : RN_ENOMEM;
            if (rc != RN_OK)
                return rc;
            (*n)++;
        }
        p += len + (p[len] == ',');
    }
    if (*n == 0)
        return parse_server(a, "nats://127.0.0.1:4222", &out[(*n)++], e);
    return RN_OK;
}

/* ---- the connection (conn.c) ---- */

struct conn {
    struct svc_conn sc;
    char buf[NATS_LINE_MAX];
    size_t len;
};

static int write_all(struct conn *c, const char *p, size_t n, struct rn_err *e)
{
    struct rn_err io = {0};
    if (svc_conn_write(&c->sc, p, n, &io) == RN_OK)
        return RN_OK;
    return rn_errf(e, RN_EIO, "nats: %s", io.msg);
}

/* One protocol line without its CRLF, into out. */
static int read_line(struct conn *c, char *out, size_t cap, size_t *len,
                     struct rn_err *e)
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
            *len = k;
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            return RN_OK;
        }
        if (c->len == sizeof c->buf)
            return rn_errf(e, RN_EIO, "nats: protocol line too long");
        struct rn_err io = {0};
        size_t got = 0;
        if (svc_conn_read(&c->sc, c->buf + c->len, sizeof c->buf - c->len, &got,
                          &io) != RN_OK)
            return rn_errf(e, RN_EIO, "nats: %s", io.msg);
        if (got == 0)
            return rn_errf(e, RN_EIO, "nats: the server closed the connection");
        c->len += got;
    }
}

/* The next server line, parsed. */
static int next_line(struct conn *c, struct arena *a, struct nats_line *l,
                     bool *retryable, struct rn_err *e)
{
    char *line = arena_alloc(a, NATS_LINE_MAX);
    size_t n = 0;
    int rc = line ? read_line(c, line, NATS_LINE_MAX, &n, e) : RN_ENOMEM;
    if (rc == RN_OK && nats_server_line(a, line, n, l, e) != RN_OK) {
        *retryable = false;
        rc = e->code ? e->code : RN_EINVAL;
    }
    return rc;
}

/* Wait for PONG, answering PINGs and skipping +OK / INFO. */
static int await_pong(struct conn *c, struct arena *a, bool *retryable,
                      struct rn_err *e)
{
    for (;;) {
        struct nats_line l;
        int rc = next_line(c, a, &l, retryable, e);
        if (rc != RN_OK)
            return rc;
        if (l.op == NATS_OP_PONG)
            return RN_OK;
        if (l.op == NATS_OP_ERR) {
            *retryable = false;
            return rn_errf(e, RN_EHTTP, "nats: %.*s", (int)l.arg_len, l.arg);
        }
        if (l.op == NATS_OP_PING && write_all(c, "PONG\r\n", 6, e) != RN_OK)
            return RN_EIO;
    }
}

/* Go's http.Header.Write over the configured headers, into h. */
static int header_block(const struct nats_opts *o, struct buf *h)
{
    int rc = buf_add_str(h, "NATS/1.0\r\n");
    for (size_t i = 0; rc == RN_OK && i < o->headers.n; i++) {
        const char *k = o->headers.keys[i], *v = o->headers.vals[i];
        bool valid = *k != '\0';
        for (const char *p = k; *p && valid; p++)
            valid = isalnum((unsigned char)*p) ||
                    strchr("!#$%&'*+-.^_`|~", *p) != NULL;
        if (!valid)
            continue; /* Go drops invalid header names */
        size_t n = strlen(v), b = 0;
        while (b < n && strchr(" \t\r\n", v[b]))
            b++;
        while (n > b && strchr(" \t\r\n", v[n - 1]))
            n--;
        rc = buf_add_fmt(h, "%s: ", k);
        for (size_t j = b; rc == RN_OK && j < n; j++)
            rc = buf_add_char(h, v[j] == '\r' || v[j] == '\n' ? ' ' : v[j]);
        if (rc == RN_OK)
            rc = buf_add_str(h, "\r\n");
    }
    return rc == RN_OK ? buf_add_str(h, "\r\n") : rc;
}

/* PUB, or HPUB with the configured headers; NULL and e set on error. */
static const char *publish(struct svc_call *c, const struct nats_opts *o,
                           const struct nats_line *info, struct rn_err *e)
{
    const char *msg = svc_message(c->root);
    size_t ml = strlen(msg);
    struct buf h;
    const char *out = NULL;
    if (!o->headers.n) {
        if (info->max_payload > 0 && (int64_t)ml > info->max_payload)
            rn_errf(e, RN_EINVAL, "nats: maximum payload exceeded");
        else
            out = arena_printf(c->a, "PUB %s %zu\r\n%s\r\n", c->recipient, ml,
                               msg);
        return out;
    }
    buf_init(&h, 1u << 20);
    int rc = header_block(o, &h);
    if (rc == RN_OK && info->max_payload > 0 &&
        (int64_t)(h.len + ml) > info->max_payload)
        rn_errf(e, RN_EINVAL, "nats: maximum payload exceeded");
    else if (rc == RN_OK)
        out = arena_printf(c->a, "HPUB %s %zu %zu\r\n%s%s\r\n", c->recipient,
                           h.len, h.len + ml, buf_str(&h), msg);
    buf_free(&h);
    return out;
}

/* nats.go's connectInfo, members in its order, omitempty as tagged. */
static const char *connect_json(struct svc_call *c, const struct nats_opts *o,
                                const struct nats_server *sv,
                                const struct nats_line *info, struct rn_err *e)
{
    const char *user = sv->has_userinfo ? sv->user : o->username;
    const char *pass = sv->has_userinfo ? sv->pass : o->password;
    const char *nkey = sv->has_userinfo ? "" : o->nkey;
    const char *pub = NULL, *sig = NULL;
    if (!sv->has_userinfo && !(*o->username && *o->password))
        user = pass = "";
    if (*nkey && nkey_sign(c->a, nkey, info->nonce, &pub, &sig) != RN_OK) {
        rn_errf(e, RN_ECONFIG, "nats: the nkey seed is not a valid user seed");
        return NULL;
    }
    struct svc_json j;
    const char *out = NULL;
    size_t n;
    const char *hdrs = info->headers ? "true" : "false";
    svc_json_init(&j);
    int rc = svc_json_raw(&j, "verbose", "false", 5);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "pedantic", "false", 5);
    if (rc == RN_OK && pub)
        rc = svc_json_str(&j, "nkey", pub);
    if (rc == RN_OK && sig)
        rc = svc_json_str(&j, "sig", sig);
    if (rc == RN_OK && user && *user)
        rc = svc_json_str(&j, "user", user);
    if (rc == RN_OK && pass && *pass)
        rc = svc_json_str(&j, "pass", pass);
    if (rc == RN_OK && sv->token && *sv->token)
        rc = svc_json_str(&j, "auth_token", sv->token);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "tls_required", "false", 5);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "name",
                          "\"\",\"lang\":\"go\",\"version\":"
                          "\"1.43.0\",\"protocol\":1,\"echo\":true",
                          strlen("\"\",\"lang\":\"go\",\"version\":\"1.43.0\","
                                 "\"protocol\":1,\"echo\":true"));
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "headers", hdrs, strlen(hdrs));
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "no_responders", hdrs, strlen(hdrs));
    if (rc == RN_OK)
        svc_json_end(&j, c->a, &out, &n);
    else
        buf_free(&j.b);
    if (!out && !e->code)
        rn_errf(e, RN_ENOMEM, "out of memory");
    return out;
}

/* INFO, CONNECT + PING, PONG, publish, PING, PONG. */
static int dialogue(struct conn *cn, struct svc_call *c,
                    const struct nats_opts *o, const struct nats_server *sv,
                    bool *retryable, struct rn_err *e)
{
    struct nats_line info;
    int rc = next_line(cn, c->a, &info, retryable, e);
    if (rc == RN_OK && info.op != NATS_OP_INFO) {
        *retryable = false;
        return rn_errf(e, RN_EHTTP, "nats: the server did not send INFO");
    }
    if (rc != RN_OK)
        return rc;
    *retryable = false;
    if (info.tls_required)
        return rn_errf(e, RN_ECONFIG,
                       "nats: the server requires TLS, which "
                       "rnotify does not speak to NATS");
    if (o->headers.n && !info.headers)
        return rn_errf(e, RN_EHTTP, "nats: headers not supported");
    const char *cj = connect_json(c, o, sv, &info, e);
    const char *hello =
        cj ? arena_printf(c->a, "CONNECT %s\r\nPING\r\n", cj) : NULL;
    const char *pub = hello ? publish(c, o, &info, e) : NULL;
    if (!hello || !pub)
        return e->code ? e->code : rn_errf(e, RN_ENOMEM, "out of memory");
    *retryable = true;
    rc = write_all(cn, hello, strlen(hello), e);
    if (rc == RN_OK)
        rc = await_pong(cn, c->a, retryable, e);
    if (rc == RN_OK)
        rc = write_all(cn, pub, strlen(pub), e);
    if (rc == RN_OK)
        rc = write_all(cn, "PING\r\n", 6, e);
    if (rc == RN_OK)
        rc = await_pong(cn, c->a, retryable, e);
    return rc;
}

/* A subject that cannot break the protocol line it is written into. */
static bool subject_ok(const char *s)
{
    if (!*s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* Try the servers in order; the first that answers gets the dialogue. */
static int nats_send(const void *state, struct svc_call *c, bool *retryable,
                     struct rn_err *e)
{
    const struct nats_opts *o = state;
    struct nats_server sv[NATS_MAX_SERVERS];
    struct conn *cn = arena_zalloc(c->a, sizeof *cn);
    char why[256] = "";
    bool refused = true;
    size_t n = 0;
    *retryable = false;
    if (!cn)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (!subject_ok(c->recipient))
        return rn_errf(e, RN_EINVAL, "nats: invalid subject '%s'",
                       c->recipient);
    int rc = server_list(c->a, o->url, sv, &n, e);
    if (rc != RN_OK)
        return rc;
    *retryable = true;
    for (size_t i = 0; i < n; i++) {
        struct svc_dial d = {sv[i].host, sv[i].port, NATS_DIAL_MS,
                             c->deadline_ms, SVC_DIAL_NATS};
        bool all_refused;
        if (svc_conn_dial(&cn->sc, &d, why, sizeof why, &all_refused) !=
            RN_OK) {
            refused &= all_refused;
            continue;
        }
        cn->sc.deadline_ms = c->deadline_ms;
        cn->sc.io_ms = NATS_IO_MS;
        rc = dialogue(cn, c, o, &sv[i], retryable, e);
        svc_conn_close(&cn->sc);
        return rc;
    }
    return rn_errf(e, RN_EIO, "failed to connect to NATS server: %s%s%s%s",
                   refused ? "nats: no servers available for connection" : why,
                   refused ? " (" : "", refused ? why : "", refused ? ")" : "");
}

const struct svc_type svc_nats = {
    .name = "nats",
    .opts = nats_opts,
    .nopts = sizeof nats_opts / sizeof *nats_opts,
    .opts_size = sizeof(struct nats_opts),
    .send = nats_send,
};
