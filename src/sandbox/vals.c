/*
 * vals.c: building values, the virtual clock, ids and base64.
 *
 * Stored objects are frozen documents, so a write builds the new object in
 * a scratch arena from pieces of the old one (copying only the object
 * headers on the path it changes) and sb_freeze turns the result into a
 * document of its own.  Going through JSON text there also gives every
 * stored object one canonical form, whoever wrote it.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/codec.h"
#include "core/goyaml.h"
#include "core/json.h"

#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct val sb_vstrn(struct arena *a, const char *s, size_t n)
{
    char *d = arena_strndup(a, s, n);
    return d ? val_str(d, n) : val_null();
}

struct val sb_vstr(struct arena *a, const char *s)
{
    return sb_vstrn(a, s, strlen(s));
}

struct val sb_vint(int64_t i)
{
    return val_int_t(i, GT_INT64);
}

struct val sb_vobj(void)
{
    return val_obj(NULL, GT_MAP_ANY);
}

struct val sb_get(struct val obj, const char *key)
{
    const struct val *v = val_get_cstr(obj, key);
    return v ? *v : val_null();
}

const char *sb_get_str(struct val obj, const char *k1, const char *k2)
{
    struct val v = sb_get(obj, k1);
    if (k2)
        v = sb_get(v, k2);
    return val_kind(v) == VAL_STRING ? val_str_ptr(v) : NULL;
}

struct val sb_get_path(struct val obj, const char *path)
{
    struct val v = obj;
    const char *p = path;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        const struct val *f = val_get(v, p, n);
        if (!f)
            return val_null();
        v = *f;
        p += n + (dot ? 1 : 0);
    }
    return v;
}

/* Index of key in o, or where it would go (*found false). */
static size_t obj_find(const struct val_obj *o, const char *key, size_t kn,
                       bool *found)
{
    size_t lo = 0, hi = o ? o->len : 0;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct val *k = &o->kv[mid].key;
        int c = val_keycmp(val_str_ptr(*k), val_str_len(*k), key, kn);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool sb_obj_put(struct arena *a, struct val *obj, const char *key, struct val v)
{
    const struct val_obj *o = val_kind(*obj) == VAL_OBJECT ? obj->u.obj : NULL;
    size_t kn = strlen(key), len = o ? o->len : 0;
    bool found;
    size_t at = obj_find(o, key, kn, &found);
    size_t nlen = len + (found ? 0 : 1);
    struct val_obj *n = arena_alloc(a, sizeof *n);
    struct val_kv *kv = arena_alloc(a, (nlen ? nlen : 1) * sizeof *kv);
    struct val k = sb_vstrn(a, key, kn);
    if (!n || !kv || val_is_null(k))
        return false;
    if (at)
        memcpy(kv, o->kv, at * sizeof *kv);
    kv[at].key = k;
    kv[at].v = v;
    if (len > at + found)
        memcpy(kv + at + 1, o->kv + at + found,
               (len - at - found) * sizeof *kv);
    n->len = n->cap = (uint32_t)nlen;
    n->kv = kv;
    *obj = val_obj(n, GT_MAP_ANY);
    return true;
}

bool sb_obj_del(struct arena *a, struct val *obj, const char *key)
{
    if (val_kind(*obj) != VAL_OBJECT)
        return true;
    const struct val_obj *o = obj->u.obj;
    bool found;
    size_t at = obj_find(o, key, strlen(key), &found);
    if (!found)
        return true;
    struct val_obj *n = arena_alloc(a, sizeof *n);
    struct val_kv *kv = arena_alloc(a, o->len * sizeof *kv);
    if (!n || !kv)
        return false;
    memcpy(kv, o->kv, at * sizeof *kv);
    memcpy(kv + at, o->kv + at + 1, (o->len - at - 1) * sizeof *kv);
    n->len = n->cap = o->len - 1;
    n->kv = kv;
    *obj = val_obj(n, GT_MAP_ANY);
    return true;
}

bool sb_obj_put2(struct arena *a, struct val *obj, const char *k1,
                 const char *k2, struct val v)
{
    struct val inner = sb_get(*obj, k1);
    return sb_obj_put(a, &inner, k2, v) && sb_obj_put(a, obj, k1, inner);
}

int sb_emit(struct buf *b, struct val v)
{
    struct rn_err e;
    return json_emit(b, v, NULL, &e);
}

struct doc *sb_freeze(struct val v)
{
    struct buf b;
    struct json_opts jo = {.nums = JSON_NUM_INT64};
    struct rn_err e;
    buf_init(&b, 0);
    struct doc *d = NULL;
    if (sb_emit(&b, v) == RN_OK)
        d = json_parse_doc(buf_str(&b), b.len, &jo, &e);
    buf_free(&b);
    return d;
}

int sb_parse_body(struct arena *a, const char *s, size_t n, bool yaml,
                  struct val *out, struct rn_err *e)
{
    if (yaml) {
        struct goyaml_opts yo = {.nums = JSON_NUM_INT64, .src = "body"};
        return goyaml_parse(a, s, n, &yo, out, e);
    }
    struct json_opts jo = {.nums = JSON_NUM_INT64};
    return json_parse(a, s, n, &jo, out, e);
}

/* ---- clock ---- */

static atomic_llong clock_offset_ns;

int64_t sb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec +
           atomic_load(&clock_offset_ns);
}

void sb_clock_advance(int64_t seconds)
{
    atomic_fetch_add(&clock_offset_ns, seconds * 1000000000);
}

int64_t sb_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void civil(int64_t ns, struct tm *tm)
{
    time_t s = (time_t)(ns / 1000000000);
    gmtime_r(&s, tm);
}

char *sb_time_str(struct arena *a, int64_t ns)
{
    struct tm tm;
    civil(ns, &tm);
    return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                        tm.tm_sec);
}

char *sb_time_micro(struct arena *a, int64_t ns)
{
    struct tm tm;
    civil(ns, &tm);
    return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec,
                        (int)(ns % 1000000000 / 1000));
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "Z" or "+hh:mm" / "-hh:mm" ending the string. */
static bool zone_ok(const char *s)
{
    if (!strcmp(s, "Z"))
        return true;
    return (s[0] == '+' || s[0] == '-') && digits(s + 1, 2) && s[3] == ':' &&
           digits(s + 4, 2) && s[6] == '\0';
}

bool sb_time_valid(const char *s, bool micro)
{
    if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
        s[7] != '-' || !digits(s + 8, 2) || s[10] != 'T' ||
        !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
        s[16] != ':' || !digits(s + 17, 2))
        return false;
    const char *p = s + 19;
    if (micro)
        return p[0] == '.' && digits(p + 1, 6) && zone_ok(p + 7);
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return zone_ok(p);
}

/* ---- ids ---- */

void sb_uuid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        memset(b, 0x5a, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
}

void sb_random_suffix(char *out, size_t n)
{
    /* Kubernetes' generateName alphabet: no vowels, no 0/1/3. */
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char r[32];
    if (n > sizeof r)
        n = sizeof r;
    if (RAND_bytes(r, (int)n) != 1)
        memset(r, 7, n);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[r[i] % (sizeof alphabet - 1)];
    out[n] = '\0';
}

/* ---- base64 ---- */

int sb_b64_encode(struct buf *b, const void *s, size_t n)
{
    return codec_b64_append(b, s, n, 0);
}

/* Go's base64.StdEncoding, as the API server decodes []byte fields. */
char *sb_b64_decode(struct arena *a, const char *s, size_t n, size_t *outn)
{
    unsigned char *d = arena_alloc(a, n + 1);
    size_t bad;
    if (!d || codec_b64_decode(s, n, 0, d, outn, &bad) != RN_OK)
        return NULL;
    d[*outn] = '\0';
    return (char *)d;
}
