/*
 * util.c: the pure helpers of svc_int.h.  Encoding follows Go's net/url
 * (QueryEscape, Values.Encode sorting by key) and encoding/json (through
 * core/json), since the services reproduce what upstream puts on the
 * wire.
 */
#include "svc_int.h"

#include "../config/config.h"
#include "../core/codec.h"
#include "../core/json.h"
#include "../core/limits.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Borrowed string of an object member, "" when absent. */
const char *svc_val_str(struct val obj, const char *key)
{
    const struct val *v = val_get_cstr(obj, key);
    return v && v->kind == VAL_STRING ? v->u.s : "";
}

/* The rendered message (borrowed), "" when absent. */
const char *svc_message(struct val root)
{
    return svc_val_str(root, "message");
}

/* A notification section (borrowed), or NULL. */
const struct val *svc_section(struct val root, const char *sec)
{
    const struct val *v = val_get_cstr(root, sec);
    return v && v->kind == VAL_OBJECT ? v : NULL;
}

/* A section's string field (borrowed), "" when absent. */
const char *svc_field(struct val root, const char *sec, const char *field)
{
    const struct val *s = svc_section(root, sec);
    return s ? svc_val_str(*s, field) : "";
}

/* One escaped path segment in a; NULL on OOM. */
const char *svc_segment(struct arena *a, const char *s)
{
    struct buf b;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    const char *out =
        codec_url_escape(&b, s, strlen(s), CODEC_URL_SEGMENT) == RN_OK
            ? arena_strndup(a, buf_str(&b), b.len)
            : NULL;
    buf_free(&b);
    return out;
}

/* Pairs are borrowed; arrays grow in a.  RN_ENOMEM. */
int svc_form_add(struct arena *a, struct svc_form *f, const char *k,
                 const char *v)
{
    if (!k || !v)
        return RN_ENOMEM; /* a failed arena_printf upstream of the call */
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 8;
        const char **nk = arena_alloc(a, nc * sizeof *nk);
        const char **nv = arena_alloc(a, nc * sizeof *nv);
        if (!nk || !nv)
            return RN_ENOMEM;
        if (f->n) {
            memcpy(nk, f->keys, f->n * sizeof *nk);
            memcpy(nv, f->vals, f->n * sizeof *nv);
        }
        f->keys = nk;
        f->vals = nv;
        f->cap = nc;
    }
    f->keys[f->n] = k;
    f->vals[f->n] = v;
    f->n++;
    return RN_OK;
}

/* Sorts f in place (stable) and encodes into a.  RN_ENOMEM. */
int svc_form_encode(struct arena *a, struct svc_form *f, const char **out,
                    size_t *len)
{
    /* insertion sort: stable, forms have a handful of keys */
    for (size_t i = 1; i < f->n; i++) {
        for (size_t j = i; j > 0 && strcmp(f->keys[j - 1], f->keys[j]) > 0;
             j--) {
            const char *tk = f->keys[j], *tv = f->vals[j];
            f->keys[j] = f->keys[j - 1];
            f->vals[j] = f->vals[j - 1];
            f->keys[j - 1] = tk;
            f->vals[j - 1] = tv;
        }
    }
    struct buf b;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < f->n; i++) {
        if (i)
            rc = buf_add_char(&b, '&');
        if (rc == RN_OK)
            rc = codec_url_escape(&b, f->keys[i], strlen(f->keys[i]),
                                  CODEC_URL_QUERY);
        if (rc == RN_OK)
            rc = buf_add_char(&b, '=');
        if (rc == RN_OK)
            rc = codec_url_escape(&b, f->vals[i], strlen(f->vals[i]),
                                  CODEC_URL_QUERY);
    }
    if (rc == RN_OK) {
        *out = arena_strndup(a, buf_str(&b), b.len);
        *len = b.len;
        rc = *out ? RN_OK : RN_ENOMEM;
    }
    buf_free(&b);
    return rc;
}

/* An empty object under construction. */
void svc_json_init(struct svc_json *j)
{
    buf_init(&j->b, RN_BUF_DEFAULT_MAX);
    j->open = false;
    j->flags = 0;
}

static int json_key(struct svc_json *j, const char *k)
{
    int rc = buf_add_char(&j->b, j->open ? ',' : '{');
    j->open = true;
    if (rc == RN_OK)
        rc = json_emit_string(&j->b, k, strlen(k), j->flags);
    if (rc == RN_OK)
        rc = buf_add_char(&j->b, ':');
    return rc;
}

/* A string member; RN_ENOMEM from the buffer. */
int svc_json_str(struct svc_json *j, const char *k, const char *v)
{
    if (!v)
        return RN_ENOMEM;
    int rc = json_key(j, k);
    return rc == RN_OK ? json_emit_string(&j->b, v, strlen(v), j->flags) : rc;
}

/* A member whose value is JSON text as given. */
int svc_json_raw(struct svc_json *j, const char *k, const char *raw, size_t n)
{
    if (!raw)
        return RN_ENOMEM;
    int rc = json_key(j, k);
    return rc == RN_OK ? buf_add(&j->b, raw, n) : rc;
}

/* A member holding the JSON of v (Go's encoding). */
int svc_json_val(struct svc_json *j, const char *k, struct val v)
{
    struct json_emit_opts o = {j->flags, NULL, NULL};
    int rc = json_key(j, k);
    return rc == RN_OK ? json_emit(&j->b, v, &o, NULL) : rc;
}

/* Close the object and copy it into a; the buffer is freed either way. */
int svc_json_end(struct svc_json *j, struct arena *a, const char **out,
                 size_t *len)
{
    int rc = j->open ? buf_add_char(&j->b, '}') : buf_add(&j->b, "{}", 2);
    if (rc == RN_OK) {
        *len = j->b.len;
        *out = arena_strndup(a, buf_str(&j->b), j->b.len);
        rc = *out ? RN_OK : RN_ENOMEM;
    }
    buf_free(&j->b);
    return rc;
}

/* JSON into a (int64 numbers); e says where it failed. */
int svc_json_parse(struct arena *a, const char *s, size_t n, struct val *out,
                   struct rn_err *e)
{
    struct json_opts o = {JSON_NUM_INT64, 0, 0};
    return json_parse(a, s, n, &o, out, e);
}

/* Parses into a; RN_EINVAL with prefix + Go's error. */
int svc_parse_array(struct arena *a, const char *prefix, const char *text,
                    bool f64, struct val *out, struct rn_err *e)
{
    struct rn_err pe = {0};
    struct json_opts o = {f64 ? JSON_NUM_FLOAT64 : JSON_NUM_INT64, 0, 0};
    int rc = json_parse(a, text, strlen(text), &o, out, &pe);
    if (rc == RN_OK && out->kind == VAL_ARRAY)
        return RN_OK;
    if (rc == RN_OK)
        snprintf(pe.msg, sizeof pe.msg,
                 "json: cannot unmarshal %s into Go value of type "
                 "[]interface {}",
                 cfg_dec_kind(*out));
    return rn_errf(e, RN_EINVAL, "%s%s", prefix ? prefix : "", pe.msg);
}

/* svc_parse_array with upstream's Slack-style message. */
int svc_unmarshal_list(struct arena *a, const char *what, const char *text,
                       struct val *out, struct rn_err *e)
{
    const char *p =
        arena_printf(a, "failed to unmarshal %s '%s' : ", what, text);
    return p ? svc_parse_array(a, p, text, false, out, e)
             : rn_errf(e, RN_ENOMEM, "out of memory");
}

/* One byte of a RawMessage as compact() copies it (HTML escapes only
 * when asked); returns how many input bytes it used. */
static size_t compact_byte(struct buf *b, const char *s, size_t n, bool html,
                           int *rc)
{
    unsigned char ch = (unsigned char)s[0];
    if (html && (ch == '<' || ch == '>' || ch == '&')) {
        *rc = buf_add_fmt(b, "\\u00%02x", ch);
        return 1;
    }
    if (html && n >= 3 && ch == 0xE2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0xA8 || (unsigned char)s[2] == 0xA9)) {
        *rc = buf_add_fmt(b, "\\u202%c", s[2] == (char)0xA8 ? '8' : '9');
        return 3;
    }
    *rc = buf_add_char(b, (char)ch);
    return 1;
}

/* Linear over text, which the caller has validated as JSON. */
const char *svc_json_compact(struct arena *a, const char *text, bool html)
{
    size_t n = strlen(text);
    struct buf b;
    bool str = false, esc = false;
    int rc = RN_OK;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    for (size_t i = 0; rc == RN_OK && i < n;) {
        char ch = text[i];
        if (!str && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')) {
            i++;
            continue;
        }
        if (str) {
            str = esc || ch != '"';
            esc = !esc && ch == '\\';
        } else {
            str = ch == '"';
        }
        i += compact_byte(&b, text + i, n - i, html, &rc);
    }
    const char *out = rc == RN_OK ? arena_strndup(a, buf_str(&b), b.len) : NULL;
    buf_free(&b);
    return out;
}

/* Borrowed value of a map option, NULL when the key is absent. */
const char *svc_map_get(const struct svc_strmap *m, const char *key)
{
    for (size_t i = 0; m->keys && i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    return NULL;
}

/* Compact JSON of v in a; NULL on failure. */
const char *svc_json_text(struct arena *a, struct val v)
{
    struct buf b;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    const char *s = NULL;
    if (json_emit(&b, v, NULL, NULL) == RN_OK)
        s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* A request with no headers and no body; strings are borrowed. */
void svc_req_init(struct http_req *r, const char *method, const char *url)
{
    memset(r, 0, sizeof *r);
    r->method = method;
    r->url = url;
}

/* textproto.CanonicalMIMEHeaderKey for names made of token characters. */
static char *canon_name(struct arena *a, const char *name)
{
    char *s = arena_strdup(a, name);
    bool upper = true;
    for (char *p = s; p && *p; p++) {
        if (*p == ' ')
            return s; /* Go leaves names with spaces alone */
    }
    for (char *p = s; p && *p; p++) {
        if (upper && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (!upper && *p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        upper = *p == '-';
    }
    return s;
}

/* Header.Set with a canonical name copied into a.  RN_ENOMEM. */
int svc_req_set(struct arena *a, struct http_req *r, const char *name,
                const char *value)
{
    char *cn = canon_name(a, name);
    if (!cn || !value)
        return RN_ENOMEM;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->headers[i].name, cn) == 0) {
            r->headers[i].value = value;
            return RN_OK;
        }
    }
    struct http_header *h =
        arena_alloc(a, (r->nheaders + 1) * sizeof *r->headers);
    if (!h)
        return RN_ENOMEM;
    if (r->nheaders)
        memcpy(h, r->headers, r->nheaders * sizeof *h);
    h[r->nheaders].name = cn;
    h[r->nheaders].value = value;
    r->headers = h;
    r->nheaders++;
    return RN_OK;
}

/* Borrowed header value of a built request. */
const char *svc_req_get(const struct http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* Attach a borrowed body (sent even for GET). */
void svc_req_body(struct http_req *r, const char *body, size_t n)
{
    r->body = body;
    r->body_len = n;
    r->has_body = true;
}

/* A JSON POST with an optional bearer token.  RN_ENOMEM. */
int svc_req_json(struct arena *a, struct http_req *r, const char *url,
                 const char *body, size_t n, const char *bearer)
{
    svc_req_init(r, "POST", url);
    svc_req_body(r, body, n);
    r->shown_url = svc_url_redact(a, url);
    int rc = svc_req_set(a, r, "Content-Type", "application/json");
    if (rc == RN_OK && bearer) {
        const char *v = arena_printf(a, "Bearer %s", bearer);
        rc = v ? svc_req_set(a, r, "Authorization", v) : RN_ENOMEM;
    }
    return rc;
}

const char *svc_base64(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, codec_b64_len(n, 0) + 1);
    if (out)
        codec_b64_encode(out, s, n, 0);
    return out;
}

/* A part of url via libcurl's parser, in a; NULL when absent. */
static const char *url_part(struct arena *a, const char *url, CURLUPart p)
{
    CURLU *u = curl_url();
    char *v = NULL;
    const char *res = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, p, &v, 0) == CURLUE_OK)
        res = arena_strdup(a, v);
    curl_free(v);
    curl_url_cleanup(u);
    return res;
}

/* scheme://host[:port] of url in a; "" when unparsable. */
const char *svc_url_origin(struct arena *a, const char *url)
{
    const char *scheme = url_part(a, url, CURLUPART_SCHEME);
    const char *host = url_part(a, url, CURLUPART_HOST);
    const char *port = url_part(a, url, CURLUPART_PORT);
    if (!scheme || !host)
        return "";
    const char *o = port ? arena_printf(a, "%s://%s:%s", scheme, host, port)
                         : arena_printf(a, "%s://%s", scheme, host);
    return o ? o : "";
}

/* Lower-case host of url in a, NULL when unparsable. */
/* Path of url copied into a; "/" for none. */
const char *svc_url_path(struct arena *a, const char *url)
{
    const char *p = url_part(a, url, CURLUPART_PATH);
    return p && *p ? p : p ? "/" : NULL;
}

const char *svc_url_host(struct arena *a, const char *url)
{
    const char *h = url_part(a, url, CURLUPART_HOST);
    char *s = h ? arena_strdup(a, h) : NULL;
    for (char *p = s; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

/* Copy in a ("POST" -> "Post"). */
const char *svc_method_word(struct arena *a, const char *m)
{
    char *s = arena_strdup(a, m);
    for (char *p = s ? s + 1 : NULL; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s ? s : m;
}

#define EXCERPT_MAX 200

/* Masked first, cut second: a secret straddling byte 200 never shows in
 * part.  In c->a. */
const char *svc_body_excerpt(const struct svc_call *c,
                             const struct http_reply *r)
{
    struct buf b;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    char *s = NULL;
    if (svc_mask(c->inst, &b, r->body ? r->body : "", r->body_len,
                 EXCERPT_MAX) == RN_OK)
        s = arena_strndup(c->a, buf_str(&b),
                          b.len > EXCERPT_MAX ? EXCERPT_MAX : b.len);
    buf_free(&b);
    for (char *p = s; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return s ? s : "";
}

static bool tokenish(const char *s, size_t n)
{
    bool alpha = false, digit = false;
    for (size_t i = 0; i < n; i++) {
        alpha |= (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z');
        digit |= s[i] >= '0' && s[i] <= '9';
    }
    return n >= 16 && alpha && digit;
}

/* A message-safe form of url in a (never NULL). */
const char *svc_url_redact(struct arena *a, const char *url)
{
    const char *origin = svc_url_origin(a, url);
    const char *path = url_part(a, url, CURLUPART_PATH);
    struct buf b;
    if (!origin || !*origin)
        return "(invalid URL)";
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = buf_add_str(&b, origin);
    for (const char *p = path ? path : ""; rc == RN_OK && *p;) {
        const char *q = strchr(p + 1, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n > 1 && tokenish(p + 1, n - 1))
            rc = buf_add_str(&b, "/*****");
        else
            rc = buf_add(&b, p, n);
        p += n;
    }
    const char *s = rc == RN_OK ? arena_strndup(a, buf_str(&b), b.len) : NULL;
    buf_free(&b);
    return s ? s : origin;
}

static EVP_PKEY *load_key(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

/* Whether the PEM parses (the key is freed again). */
bool svc_key_ok(const char *pem)
{
    EVP_PKEY *k = load_key(pem);
    EVP_PKEY_free(k);
    return k != NULL;
}

/* Unpadded base64 in a, URL-safe alphabet when url. */
const char *svc_base64_raw(struct arena *a, const char *p, size_t n, bool url)
{
    const unsigned flags = url ? CODEC_B64_URL | CODEC_B64_RAW : CODEC_B64_RAW;
    char *s = arena_alloc(a, codec_b64_len(n, flags) + 1);
    if (s)
        codec_b64_encode(s, p, n, flags);
    return s;
}

static const char *b64url(struct arena *a, const unsigned char *p, size_t n)
{
    return svc_base64_raw(a, (const char *)p, n, true);
}

/* RS256 over header.claims; the key is parsed for each signature (tokens
 * are signed rarely). */
const char *svc_jwt_rs256(struct arena *a, const char *pem, const char *header,
                          const char *claims)
{
    const char *h = b64url(a, (const unsigned char *)header, strlen(header));
    const char *cl = b64url(a, (const unsigned char *)claims, strlen(claims));
    const char *input = h && cl ? arena_printf(a, "%s.%s", h, cl) : NULL;
    EVP_PKEY *k = input ? load_key(pem) : NULL;
    EVP_MD_CTX *md = k ? EVP_MD_CTX_new() : NULL;
    unsigned char sig[1024];
    size_t slen = sizeof sig;
    const char *jwt = NULL;
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
        EVP_DigestSign(md, sig, &slen, (const unsigned char *)input,
                       strlen(input)) == 1) {
        const char *s = b64url(a, sig, slen);
        jwt = s ? arena_printf(a, "%s.%s", input, s) : NULL;
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return jwt;
}
