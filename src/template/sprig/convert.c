/*
 * convert.c: sprig's lenient conversions and the helpers every theme uses
 * to build results.
 *
 * The casts follow spf13/cast as sprig calls it (ToInt64, ToInt,
 * ToFloat64): numbers convert by Go conversion rules, strings go through
 * strconv's parsers, bool is 0 or 1, and everything else (nil, lists,
 * maps, named number types such as time.Duration) is 0, because sprig
 * drops cast's error.  The `conv` group (toString, toStrings, int, int64,
 * float64, atoi, toDecimal) lives here too.
 */
#include "sprig_int.h"

#include "../../core/alloc.h"
#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and result helpers ---- */

/* Go's error (or recovered panic) text into c->err; returns RN_EEXEC. */
int sprig_fail(struct tpl_fcall *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rn_verrf(c->err, RN_EEXEC, fmt, ap);
    va_end(ap);
    return RN_EEXEC;
}

/* An exhausted arena: RN_ENOMEM with a fixed message. */
int sprig_nomem(struct tpl_fcall *c)
{
    return rn_errf(c->err, RN_ENOMEM, "out of memory");
}

/* *out = a NUL-terminated copy of s[0..n) in c->arena; RN_ENOMEM on
 * failure with *out untouched. */
int sprig_out_str(struct tpl_fcall *c, const char *s, size_t n, struct val *out)
{
    char *p = arena_strndup(c->arena, s ? s : "", s ? n : 0);
    if (!p)
        return sprig_nomem(c);
    *out = val_str(p, s ? n : 0);
    return RN_OK;
}

/* Finish a function that built its result in b: copy it into the arena
 * when rc is RN_OK, otherwise report rc (RN_ELIMIT for the buffer cap);
 * b is freed in every case. */
int sprig_out_buf(struct tpl_fcall *c, struct buf *b, int rc, struct val *out)
{
    if (rc == RN_OK)
        rc = sprig_out_str(c, b->ptr, b->len, out);
    else if (rc == RN_ELIMIT)
        rn_errf(c->err, rc, "output too large");
    else if (rc == RN_ENOMEM)
        sprig_nomem(c);
    buf_free(b);
    return rc;
}

/* A list of n nil items in c->arena (the caller fills them); NULL on
 * OOM. */
struct val_list *sprig_list_alloc(struct tpl_fcall *c, size_t n)
{
    struct val_list *l = arena_alloc(c->arena, sizeof *l);
    if (!l)
        return NULL;
    l->len = l->cap = (uint32_t)n;
    l->items = NULL;
    if (n) {
        l->items = arena_zalloc(c->arena, n * sizeof *l->items);
        if (!l->items)
            return NULL;
    }
    return l;
}

/* Append to an arena list, doubling its items in c->arena when full. */
int sprig_list_push(struct tpl_fcall *c, struct val_list *l, struct val v)
{
    if (l->len == l->cap) {
        size_t ncap = l->cap ? (size_t)l->cap * 2 : 8;
        struct val *p = arena_grow(c->arena, l->items, l->cap * sizeof *p,
                                   ncap * sizeof *p);
        if (!p)
            return sprig_nomem(c);
        l->items = p;
        l->cap = (uint32_t)ncap;
    }
    l->items[l->len++] = v;
    return RN_OK;
}

/* An empty map with room for cap keys in c->arena; NULL on OOM. */
struct val_obj *sprig_obj_alloc(struct tpl_fcall *c, size_t cap)
{
    struct val_obj *o = arena_alloc(c->arena, sizeof *o);
    if (!o)
        return NULL;
    o->len = 0;
    o->cap = (uint32_t)cap;
    o->kv = NULL;
    if (cap) {
        o->kv = arena_alloc(c->arena, cap * sizeof *o->kv);
        if (!o->kv)
            return NULL;
    }
    return o;
}

static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);
    if (r)
        return r;
    return an < bn ? -1 : an > bn;
}

/* Binary search: the index of k, or -(insertion point) - 1. */
static long obj_search(const struct val_obj *o, const char *k, size_t n)
{
    long lo = 0, hi = o ? (long)o->len : 0;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        const struct val *key = &o->kv[mid].key;
        int r = keycmp(key->u.s, key->len, k, n);
        if (r == 0)
            return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -lo - 1;
}

/* Index of key k in o (NULL is an empty map), or -1. */
long sprig_obj_find(const struct val_obj *o, const char *k, size_t n)
{
    long i = obj_search(o, k, n);
    return i < 0 ? -1 : i;
}

/*
 * Objects are edited in place (sprig's set, unset and merge change the map
 * every holder sees).  Growth moves the pairs into c->arena.
 */
int sprig_obj_put(struct tpl_fcall *c, struct val_obj *o, struct val key,
                  struct val v)
{
    long i = obj_search(o, key.u.s, key.len);
    if (i >= 0) {
        o->kv[i].v = v;
        return RN_OK;
    }
    size_t at = (size_t)(-i - 1);
    if (o->len == o->cap) {
        size_t ncap = o->cap ? (size_t)o->cap * 2 : 8;
        struct val_kv *p =
            arena_grow(c->arena, o->kv, o->cap * sizeof *p, ncap * sizeof *p);
        if (!p)
            return sprig_nomem(c);
        o->kv = p;
        o->cap = (uint32_t)ncap;
    }
    memmove(&o->kv[at + 1], &o->kv[at], (o->len - at) * sizeof *o->kv);
    o->kv[at].key = key;
    o->kv[at].v = v;
    o->len++;
    return RN_OK;
}

/* A slice or an array, as the reflect Kind checks of sprig see it. */
bool sprig_is_list(struct val v)
{
    return v.kind == VAL_ARRAY;
}

/* ---- the casts ---- */

/* Go's int64(f) on amd64: out-of-range and NaN give the minimum int64. */
static int64_t float_to_int64(double f)
{
    if (isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

/* Named integer types (time.Month, time.Weekday) miss cast's switch. */
static bool plain_int(struct val v)
{
    unsigned t = val_gotype(v);
    return t != GT_MONTH && t != GT_WEEKDAY;
}

/* cast.ToInt64 with its error dropped (toInt64 and toInt in sprig). */
int64_t sprig_toint64(struct val v)
{
    int64_t i = 0;
    switch (val_kind(v)) {
    case VAL_INT:
        return plain_int(v) ? v.u.i : 0;
    case VAL_FLOAT:
        return float_to_int64(v.u.f);
    case VAL_BOOL:
        return v.u.b ? 1 : 0;
    case VAL_STRING:
        if (val_gotype(v) == GT_STRING &&
            gofmt_parse_int(v.u.s, v.len, 0, &i) == RN_OK)
            return i;
        return 0;
    default:
        return 0;
    }
}

/* cast.ToFloat64 with its error dropped. */
double sprig_tofloat64(struct val v)
{
    double f = 0;
    switch (val_kind(v)) {
    case VAL_INT:
        if (!plain_int(v))
            return 0;
        if (val_gotype(v) == GT_UINT64 || val_gotype(v) == GT_UINT ||
            val_gotype(v) == GT_UINTPTR)
            return (double)(uint64_t)v.u.i;
        return (double)v.u.i;
    case VAL_FLOAT:
        return v.u.f;
    case VAL_BOOL:
        return v.u.b ? 1 : 0;
    case VAL_STRING:
        if (val_gotype(v) == GT_STRING &&
            gofmt_parse_float(v.u.s, v.len, &f) == RN_OK)
            return f;
        return 0;
    default:
        return 0;
    }
}

/*
 * strval: strings as they are, []byte as its bytes, errors and Stringers
 * by their text, everything else as fmt's %v.
 */
int sprig_strval(struct tpl_fcall *c, struct val v, struct val *out)
{
    struct buf b;
    if (v.kind == VAL_STRING) {
        *out = val_str(v.u.s ? v.u.s : "", v.len);
        return RN_OK;
    }
    buf_init(&b, 0);
    if (v.kind == VAL_ARRAY && val_gotype(v) == GT_LIST_BYTES) {
        int rc = RN_OK;
        for (size_t i = 0; i < val_list_len(v) && rc == RN_OK; i++)
            rc = buf_add_char(&b, (char)val_list_at(v, i).u.i);
        return sprig_out_buf(c, &b, rc, out);
    }
    return sprig_out_buf(c, &b, gofmt_value(&b, v), out);
}

/* ---- the conv group ---- */

static int f_tostring(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)argc;
    return sprig_strval(c, argv[0], out);
}

/* sprig's strslice: []string as is, list items through strval (nils
 * dropped), nil as an empty list, anything else as a one-item list. */
int sprig_strslice(struct tpl_fcall *c, struct val v, struct val *out)
{
    struct val_list *l;
    if (v.kind == VAL_ARRAY && val_gotype(v) == GT_LIST_STRING) {
        *out = v;
        return RN_OK;
    }
    if (v.kind != VAL_ARRAY) {
        l = sprig_list_alloc(c, v.kind == VAL_NULL ? 0 : 1);
        if (!l)
            return sprig_nomem(c);
        *out = val_list(l, GT_LIST_STRING);
        return v.kind == VAL_NULL ? RN_OK : sprig_strval(c, v, &l->items[0]);
    }
    l = sprig_list_alloc(c, 0);
    if (!l)
        return sprig_nomem(c);
    for (size_t i = 0; i < val_list_len(v); i++) {
        struct val s, it = val_list_at(v, i);
        if (it.kind == VAL_NULL)
            continue;
        int rc = sprig_strval(c, it, &s);
        if (rc == RN_OK)
            rc = sprig_list_push(c, l, s);
        if (rc)
            return rc;
    }
    *out = val_list(l, GT_LIST_STRING);
    return RN_OK;
}

static int f_tostrings(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return sprig_strslice(c, argv[0], out);
}

static int f_int(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_int_t(sprig_toint(argv[0]), GT_INT);
    return RN_OK;
}

static int f_int64(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_int_t(sprig_toint64(argv[0]), GT_INT64);
    return RN_OK;
}

static int f_float64(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_float(sprig_tofloat64(argv[0]));
    return RN_OK;
}

/* strconv.Atoi: decimal only; 0 on any error. */
static int f_atoi(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    int64_t i = 0;
    (void)c;
    (void)argc;
    if (gofmt_parse_int(argv[0].u.s, argv[0].len, 10, &i) != RN_OK)
        i = 0;
    *out = val_int_t(i, GT_INT);
    return RN_OK;
}

/* toDecimal: fmt.Sprint(v) read as octal; 0 on error. */
static int f_todecimal(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    struct val s = argv[0];
    struct buf b;
    int64_t i = 0;
    (void)argc;
    if (s.kind != VAL_STRING) {
        buf_init(&b, 0);
        int rc = sprig_out_buf(c, &b, gofmt_value(&b, argv[0]), &s);
        if (rc)
            return rc;
    }
    if (gofmt_parse_int(s.u.s, s.len, 8, &i) != RN_OK)
        i = 0;
    *out = val_int_t(i, GT_INT64);
    return RN_OK;
}

static const struct tpl_func_def conv_funcs[] = {
    {"toString", f_tostring, "v", NULL},
    {"toStrings", f_tostrings, "v", NULL},
    {"int", f_int, "v", NULL},
    {"int64", f_int64, "v", NULL},
    {"float64", f_float64, "v", NULL},
    {"atoi", f_atoi, "s", NULL},
    {"toDecimal", f_todecimal, "v", NULL},
};

SPRIG_GROUP(conv, conv_funcs);
