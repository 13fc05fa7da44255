/*
 * mask.c: secret values and their encodings, masked out of text
 * (mask.h).
 *
 * Every form of every value is kept once, and indexed by its first byte;
 * each index list is sorted longest first, so the first form that matches
 * at a position is the longest.  Applying a mask is then one pass over
 * the text that, at each byte, compares the forms starting with that
 * byte.  The encoders are core's own (JSON, Go's quoting, net/url, hex,
 * base64): the forms are exactly what templates, services and messages
 * produce.
 */
#include "mask.h"

#include "alloc.h"
#include "buf.h"
#include "codec.h"
#include "err.h"
#include "gofmt.h"
#include "json.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define URL_LOOKAHEAD 1024 /* longest user:password@ looked at */
#define B64_MIN_CORE 5     /* shortest base64 run kept of a longer text */

struct bucket {
    uint32_t *idx; /* forms starting with this byte, longest first */
    uint32_t n, cap;
};

struct mask {
    atomic_int refs;
    char **forms;
    size_t *lens;
    size_t n, cap;
    struct bucket first[256];
};

struct mask *mask_new(void)
{
    struct mask *m = rn_calloc(1, sizeof *m);
    if (m)
        atomic_init(&m->refs, 1);
    return m;
}

struct mask *mask_ref(struct mask *m)
{
    if (m)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void mask_unref(struct mask *m)
{
    if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < m->n; i++)
        rn_free(m->forms[i]);
    for (size_t i = 0; i < 256; i++)
        rn_free(m->first[i].idx);
    rn_free(m->forms);
    rn_free(m->lens);
    rn_free(m);
}

size_t mask_forms(const struct mask *m)
{
    return m ? m->n : 0;
}

/* ---- the set of forms ---- */

static bool known(const struct mask *m, const char *s, size_t n)
{
    const struct bucket *b = &m->first[(unsigned char)s[0]];
    for (uint32_t i = 0; i < b->n; i++)
        if (m->lens[b->idx[i]] == n && memcmp(m->forms[b->idx[i]], s, n) == 0)
            return true;
    return false;
}

/* Insert form index k into its bucket, keeping longest first. */
static int index_form(struct mask *m, uint32_t k)
{
    struct bucket *b = &m->first[(unsigned char)m->forms[k][0]];
    if (b->n == b->cap) {
        uint32_t nc = b->cap ? b->cap * 2 : 4;
        uint32_t *p = rn_realloc(b->idx, nc * sizeof *p);
        if (!p)
            return RN_ENOMEM;
        b->idx = p;
        b->cap = nc;
    }
    uint32_t i = b->n++;
    while (i > 0 && m->lens[b->idx[i - 1]] < m->lens[k]) {
        b->idx[i] = b->idx[i - 1];
        i--;
    }
    b->idx[i] = k;
    return RN_OK;
}

/* One form, unless it is too short to mask or already there. */
static int add_form(struct mask *m, const char *s, size_t n)
{
    if (n < MASK_MIN_LEN || known(m, s, n))
        return RN_OK;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        char **f = rn_realloc(m->forms, nc * sizeof *f);
        if (f)
            m->forms = f;
        size_t *l = f ? rn_realloc(m->lens, nc * sizeof *l) : NULL;
        if (!l)
            return RN_ENOMEM;
        m->lens = l;
        m->cap = nc;
    }
    char *copy = rn_strndup(s, n);
    if (!copy)
        return RN_ENOMEM;
    m->forms[m->n] = copy;
    m->lens[m->n] = n;
    if (index_form(m, (uint32_t)m->n) != RN_OK) {
        rn_free(copy);
        return RN_ENOMEM;
    }
    m->n++;
    return RN_OK;
}

/* b's contents as a form, without `trim` bytes at each end (quotes). */
static int add_buf(struct mask *m, struct buf *b, int rc, size_t trim)
{
    if (rc == RN_OK && b->len >= 2 * trim)
        rc = add_form(m, buf_str(b) + trim, b->len - 2 * trim);
    buf_reset(b);
    return rc;
}

/* ---- the encodings ---- */

/* The value with ASCII letters folded one way. */
static int add_case(struct mask *m, struct buf *b, const char *v, size_t n,
                    bool upper)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        char c = v[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        rc = buf_add_char(b, c);
    }
    return add_buf(m, b, rc, 0);
}

static int add_hex(struct mask *m, struct buf *b, const char *v, size_t n,
                   bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        char t[2] = {digits[c >> 4], digits[c & 15]};
        rc = buf_add(b, t, 2);
    }
    return add_buf(m, b, rc, 0);
}

/* Go's %v of a []byte ("[104 105]") and the same numbers joined as a
 * query escape or a JSON list would join them. */
static int add_decimal(struct mask *m, struct buf *b, const char *v, size_t n,
                       char sep)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        if (i)
            rc = buf_add_char(b, sep);
        if (rc == RN_OK)
            rc = buf_add_fmt(b, "%u", (unsigned)(unsigned char)v[i]);
    }
    return add_buf(m, b, rc, 0);
}

/*
 * Base64 of the value as it comes out when `shift` bytes precede it in
 * the encoded text (0, 1 or 2: every alignment): only the characters
 * made of the value's bits alone.  Unshifted, the whole unpadded text is
 * also a form, so a value encoded on its own is masked entirely.
 */
static int add_base64(struct mask *m, struct buf *b, const char *v, size_t n,
                      unsigned flags)
{
    int rc = RN_OK;
    for (size_t shift = 0; rc == RN_OK && shift < 3; shift++) {
        size_t from = (8 * shift + 5) / 6, to = 8 * (shift + n) / 6;
        rc = buf_add(b, "\0\0", shift);
        if (rc == RN_OK)
            rc = buf_add(b, v, n);
        char *enc =
            rc == RN_OK ? rn_malloc(codec_b64_len(b->len, flags) + 1) : NULL;
        if (!enc) {
            buf_reset(b);
            return rc == RN_OK ? RN_ENOMEM : rc;
        }
        size_t len = codec_b64_encode(enc, b->ptr, b->len, flags);
        buf_reset(b);
        if (shift == 0)
            rc = add_form(m, enc, len);
        if (rc == RN_OK && to - from >= B64_MIN_CORE)
            rc = add_form(m, enc + from, to - from);
        rn_free(enc);
    }
    return rc;
}

/* Each line of a value of several lines (YAML indents them, so the
 * whole value never appears as it is). */
static int add_lines(struct mask *m, const char *v, size_t n)
{
    int rc = RN_OK;
    while (rc == RN_OK && n > 0) {
        const char *nl = memchr(v, '\n', n);
        size_t l = nl ? (size_t)(nl - v) : n;
        rc = add_form(m, v, l);
        v += nl ? l + 1 : l;
        n -= nl ? l + 1 : l;
    }
    return rc;
}

static int add_encodings(struct mask *m, struct buf *b, const char *v, size_t n)
{
    int rc = add_case(m, b, v, n, true);
    if (rc == RN_OK)
        rc = add_case(m, b, v, n, false);
    if (rc == RN_OK)
        rc = add_buf(m, b, json_emit_string(b, v, n, 0), 1);
    if (rc == RN_OK)
        rc = add_buf(m, b, json_emit_string(b, v, n, JSON_RAW), 1);
    if (rc == RN_OK)
        rc = add_buf(m, b, gofmt_quote(b, v, n, 0), 1);
    if (rc == RN_OK)
        rc = add_buf(m, b, gofmt_quote(b, v, n, 1), 1);
    if (rc == RN_OK)
        rc = add_buf(m, b, codec_url_escape(b, v, n, CODEC_URL_QUERY), 0);
    if (rc == RN_OK)
        rc = add_buf(m, b, codec_url_escape(b, v, n, CODEC_URL_SEGMENT), 0);
    for (int up = 0; rc == RN_OK && up < 2; up++)
        rc = add_hex(m, b, v, n, up);
    for (unsigned f = 0; rc == RN_OK && f < 2; f++)
        rc = add_base64(m, b, v, n,
                        f ? CODEC_B64_URL | CODEC_B64_RAW : CODEC_B64_RAW);
    for (const char *sep = " ,+"; rc == RN_OK && *sep; sep++)
        rc = add_decimal(m, b, v, n, *sep);
    return rc;
}

static size_t userinfo_at(const char *t, size_t n, size_t *pass);

/* A value that is a URL with a password (a NATS or SMTP URL kept in a
 * Secret): the password on its own, since a message may quote the URL's
 * parts rather than the whole. */
static int add_url_password(struct mask *m, const char *v, size_t n)
{
    const char *s = n >= 3 ? memmem(v, n, "://", 3) : NULL;
    size_t pass = 0, user = s ? userinfo_at(s, n - (size_t)(s - v), &pass) : 0;
    return user ? mask_add(m, s + user, pass) : RN_OK;
}

int mask_add(struct mask *m, const char *v, size_t n)
{
    struct buf b;
    if (n < MASK_MIN_LEN)
        return RN_OK;
    buf_init(&b, 0);
    int rc = add_form(m, v, n);
    if (rc == RN_OK)
        rc = add_encodings(m, &b, v, n);
    if (rc == RN_OK && memchr(v, '\n', n))
        rc = add_lines(m, v, n);
    if (rc == RN_OK)
        rc = add_url_password(m, v, n);
    buf_free(&b);
    return rc;
}

/* ---- applying ---- */

/* The longest form at text[0..n), or 0. */
static size_t match_at(const struct mask *m, const char *text, size_t n)
{
    const struct bucket *b = &m->first[(unsigned char)text[0]];
    for (uint32_t i = 0; i < b->n; i++) {
        size_t l = m->lens[b->idx[i]];
        if (l <= n && memcmp(m->forms[b->idx[i]], text, l) == 0)
            return l;
    }
    return 0;
}

static bool url_stop(char c)
{
    return c == '/' || c == '?' || c == '#' || c == '@' || c == '"' ||
           c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\' ||
           (unsigned char)c <= ' ';
}

/* At "://": the length of "user:" when "user:password@" follows (the
 * password is then *pass bytes), else 0. */
static size_t userinfo_at(const char *t, size_t n, size_t *pass)
{
    size_t colon = 0, i = 3;
    while (i < n && i < URL_LOOKAHEAD && !url_stop(t[i])) {
        if (t[i] == ':' && !colon)
            colon = i;
        i++;
    }
    if (i >= n || t[i] != '@' || !colon || colon + 1 == i)
        return 0;
    *pass = i - colon - 1;
    return colon + 1;
}

int mask_apply(const struct mask *m, struct buf *out, const char *text,
               size_t n, size_t max)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n && out->len < max;) {
        size_t k = m ? match_at(m, text + i, n - i) : 0, pass = 0;
        size_t user =
            k || text[i] != ':' || n - i < 3 || memcmp(text + i, "://", 3) != 0
                ? 0
                : userinfo_at(text + i, n - i, &pass);
        if (k) {
            rc = buf_add(out, MASK_TEXT, strlen(MASK_TEXT));
            i += k;
        } else if (user) {
            rc = buf_add(out, text + i, user);
            if (rc == RN_OK)
                rc = buf_add(out, MASK_TEXT, strlen(MASK_TEXT));
            i += user + pass;
        } else {
            rc = buf_add_char(out, text[i++]);
        }
    }
    return rc;
}

int mask_buf(const struct mask *m, struct buf *b)
{
    struct buf o;
    if (b->len == 0)
        return RN_OK;
    buf_init(&o, 0);
    int rc = mask_apply(m, &o, b->ptr, b->len, SIZE_MAX);
    buf_reset(b);
    if (rc == RN_OK && o.len)
        rc = buf_add(b, o.ptr, o.len);
    buf_free(&o);
    if (rc != RN_OK)
        buf_free(b);
    return rc;
}

void mask_scrub(const struct mask *m, char *msg, size_t cap)
{
    struct buf b;
    if (!msg || cap == 0)
        return;
    buf_init(&b, 0);
    if (mask_apply(m, &b, msg, strlen(msg), cap - 1) == RN_OK) {
        size_t n = b.len < cap - 1 ? b.len : cap - 1;
        memcpy(msg, buf_str(&b), n);
        msg[n] = '\0';
    } else {
        /* out of memory: better no message than an unmasked one */
        snprintf(msg, cap, "%s", MASK_TEXT);
    }
    buf_free(&b);
}

void mask_scrub_fn(void *m, char *line, size_t cap)
{
    mask_scrub(m, line, cap);
}
