/*
 * strfn.c: expr's string builtins and its conversions to and from JSON
 * and base64, with Go's strings package semantics (byte offsets for
 * indexOf, rune-wise split on an empty separator, strict padded base64
 * that ignores newlines, MarshalIndent with two spaces and HTML escaping).
 * An argument of the wrong type fails the way Go's type assertion does:
 * "interface conversion: interface {} is float64, not string".
 */
#include "expr_int.h"

#include "../core/buf.h"
#include "../core/codec.h"
#include "../core/json.h"
#include "../core/utf8.h"

#include <stdio.h>
#include <string.h>

typedef struct val bi_fn(struct ev *ev, struct val *a, int n);
bi_fn expr_f_trim, expr_f_trim_prefix, expr_f_trim_suffix, expr_f_upper,
    expr_f_lower, expr_f_split, expr_f_split_after, expr_f_replace,
    expr_f_repeat, expr_f_join, expr_f_index, expr_f_last_index,
    expr_f_has_prefix, expr_f_has_suffix, expr_f_to_json, expr_f_from_json,
    expr_f_to_base64, expr_f_from_base64, expr_f_string, expr_f_type;

static void want_n(struct ev *ev, int n, int lo, int hi)
{
    if (n < lo || n > hi)
        expr_fail(ev, "invalid number of arguments (expected %d, got %d)", lo,
                  n);
}

#define S expr_want_str

/* string(v): fmt.Sprint. */
struct val expr_f_string(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    return expr_sprint(ev, a[0]);
}

/* type(v): expr's type names ("int", "float", "array", "map", ...). */
struct val expr_f_type(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    struct val v = a[0];
    const char *t;
    switch (v.kind) {
    case VAL_NULL:
        t = "nil";
        break;
    case VAL_BOOL:
        t = "bool";
        break;
    case VAL_INT: {
        unsigned gt = val_gotype(v);
        t = gt == GT_MONTH                        ? "time.Month"
            : gt == GT_WEEKDAY                    ? "time.Weekday"
            : (gt >= GT_UINT && gt <= GT_UINTPTR) ? "uint"
                                                  : "int";
        break;
    }
    case VAL_FLOAT:
        t = "float";
        break;
    case VAL_STRING:
        t = "string";
        break;
    case VAL_ARRAY:
        t = "array";
        break;
    case VAL_OBJECT:
        t = val_gotype(v) == GT_STRUCT ? "time.Location" : "map";
        break;
    case VAL_TIME:
        t = "time.Time";
        break;
    case VAL_DURATION:
        t = "time.Duration";
        break;
    default:
        t = "func";
    }
    return val_str(t, strlen(t));
}

static struct val trim(struct ev *ev, struct val s, struct val cut)
{
    size_t b, e;
    utf8_trim(s.u.s, s.len, cut.u.s, cut.len, &b, &e);
    return expr_str(ev, s.u.s + b, e - b);
}

/* trim(s[, cutset]). */
struct val expr_f_trim(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 2);
    struct val cut = {0};
    if (n == 2)
        cut = S(ev, a[1]);
    return trim(ev, S(ev, a[0]), cut);
}

static bool has_prefix(struct val s, struct val p)
{
    return s.len >= p.len && memcmp(s.u.s, p.u.s, p.len) == 0;
}

static bool has_suffix(struct val s, struct val p)
{
    return s.len >= p.len && memcmp(s.u.s + s.len - p.len, p.u.s, p.len) == 0;
}

/* trimPrefix(s[, prefix]); the prefix defaults to one space. */
struct val expr_f_trim_prefix(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 2);
    struct val s = S(ev, a[0]);
    struct val p = n == 2 ? S(ev, a[1]) : val_str(" ", 1);
    if (has_prefix(s, p))
        return expr_str(ev, s.u.s + p.len, s.len - p.len);
    return s;
}

/* trimSuffix(s[, suffix]); the suffix defaults to one space. */
struct val expr_f_trim_suffix(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 2);
    struct val s = S(ev, a[0]);
    struct val p = n == 2 ? S(ev, a[1]) : val_str(" ", 1);
    if (has_suffix(s, p))
        return expr_str(ev, s.u.s, s.len - p.len);
    return s;
}

/* Latin Extended-A pairs letters as (upper, lower) = (even, odd) in
 * 0x100-0x137 and 0x14a-0x177, (odd, even) in 0x139-0x148 and
 * 0x179-0x17e. */
static uint32_t latin_ext_case(uint32_t r, bool upper)
{
    bool even_upper = (r >= 0x100 && r <= 0x137) || (r >= 0x14a && r <= 0x177);
    bool odd_upper = (r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e);
    if (!even_upper && !odd_upper)
        return r;
    bool is_upper = even_upper ? (r % 2 == 0) : (r % 2 == 1);
    if (upper && !is_upper)
        return r - 1;
    if (!upper && is_upper)
        return r + 1;
    return r;
}

static uint32_t map_case(uint32_t r, bool upper)
{
    if (r >= 0x100 && r <= 0x17e && r != 0x130 && r != 0x131 && r != 0x138 &&
        r != 0x149)
        return latin_ext_case(r, upper);
    if (upper && r == 0xff)
        return 0x178;
    if (!upper && r == 0x178)
        return 0xff;
    if (upper) {
        if ((r >= 'a' && r <= 'z') || (r >= 0xe0 && r <= 0xfe && r != 0xf7))
            return r - 32;
        if (r >= 0x3b1 && r <= 0x3c9 && r != 0x3c2)
            return r - 32;
        if (r >= 0x430 && r <= 0x44f)
            return r - 32;
        if (r >= 0x450 && r <= 0x45f)
            return r - 80;
    } else {
        if ((r >= 'A' && r <= 'Z') || (r >= 0xc0 && r <= 0xde && r != 0xd7))
            return r + 32;
        if (r >= 0x391 && r <= 0x3a9 && r != 0x3a2)
            return r + 32;
        if (r >= 0x410 && r <= 0x42f)
            return r + 32;
        if (r >= 0x400 && r <= 0x40f)
            return r + 80;
    }
    return r;
}

static struct val change_case(struct ev *ev, struct val s, bool upper)
{
    char *out = expr_alloc(ev, (size_t)s.len * 2 + 4);
    size_t o = 0;
    for (size_t i = 0; i < s.len;) {
        uint32_t r;
        size_t w = utf8_decode(s.u.s + i, s.len - i, &r);
        if (r == UTF8_RUNE_ERROR && w == 1) {
            out[o++] = s.u.s[i];
        } else {
            o += utf8_encode(out + o, map_case(r, upper));
        }
        i += w;
    }
    out[o] = 0;
    return val_str(out, o);
}

/* upper(s). */
struct val expr_f_upper(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    return change_case(ev, S(ev, a[0]), true);
}

/* lower(s). */
struct val expr_f_lower(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    return change_case(ev, S(ev, a[0]), false);
}

static const char *find_sub(const char *s, size_t n, const char *p, size_t pn)
{
    return pn ? memmem(s, n, p, pn) : s;
}

static size_t count_sub(struct val s, struct val sep)
{
    if (sep.len == 0)
        return utf8_count(s.u.s, s.len) + 1;
    size_t c = 0;
    const char *p = s.u.s, *end = s.u.s + s.len;
    const char *f;
    while ((f = find_sub(p, (size_t)(end - p), sep.u.s, sep.len))) {
        c++;
        p = f + sep.len;
    }
    return c;
}

/* Go's strings.genSplit */
static struct val gen_split(struct ev *ev, struct val s, struct val sep,
                            bool after, int64_t limit)
{
    if (limit == 0) {
        struct val r = val_list(NULL, GT_LIST_STRING);
        r.flags |= VAL_F_NILPTR;
        return r;
    }
    if (sep.len == 0) {
        size_t runes = utf8_count(s.u.s, s.len);
        size_t k =
            (limit < 0 || (uint64_t)limit > runes) ? runes : (size_t)limit;
        struct val_list *l = expr_list_new(ev, k);
        size_t at = 0;
        for (size_t i = 0; i < k; i++) {
            uint32_t r;
            size_t w = i == k - 1 ? s.len - at
                                  : utf8_decode(s.u.s + at, s.len - at, &r);
            l->items[i] = expr_str(ev, s.u.s + at, w);
            at += w;
        }
        return val_list(l, GT_LIST_STRING);
    }
    size_t k = limit < 0 ? count_sub(s, sep) + 1 : (size_t)limit;
    if (k > s.len + 1)
        k = s.len + 1;
    struct val_list *l = expr_list_new(ev, k);
    size_t i = 0;
    const char *p = s.u.s, *end = s.u.s + s.len;
    while (i + 1 < k) {
        const char *f = find_sub(p, (size_t)(end - p), sep.u.s, sep.len);
        if (!f)
            break;
        size_t len = (size_t)(f - p) + (after ? sep.len : 0);
        l->items[i++] = expr_str(ev, p, len);
        p = f + sep.len;
    }
    l->items[i++] = expr_str(ev, p, (size_t)(end - p));
    l->len = (uint32_t)i;
    return val_list(l, GT_LIST_STRING);
}

static struct val split_common(struct ev *ev, struct val *a, int n, bool after)
{
    want_n(ev, n, 2, 3);
    int64_t lim = n == 3 ? expr_to_int(ev, a[2]) : -1;
    return gen_split(ev, S(ev, a[0]), S(ev, a[1]), after, lim);
}

/* split(s, sep[, n]) as strings.Split/SplitN: a []string. */
struct val expr_f_split(struct ev *ev, struct val *a, int n)
{
    return split_common(ev, a, n, false);
}

/* splitAfter(s, sep[, n]) as strings.SplitAfter/SplitAfterN. */
struct val expr_f_split_after(struct ev *ev, struct val *a, int n)
{
    return split_common(ev, a, n, true);
}

/* replace(s, old, new[, n]) as strings.Replace/ReplaceAll. */
struct val expr_f_replace(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 3, 4);
    struct val s = S(ev, a[0]), old = S(ev, a[1]), nw = S(ev, a[2]);
    int64_t lim = n == 4 ? expr_to_int(ev, a[3]) : -1;
    if (lim < 0)
        lim = (int64_t)count_sub(s, old);
    struct buf b;
    buf_init(&b, 64u << 20);
    size_t at = 0;
    for (int64_t i = 0; i < lim; i++) {
        size_t next;
        if (old.len == 0) {
            uint32_t r;
            next = at;
            if (i > 0) {
                if (at >= s.len)
                    break;
                next = at + utf8_decode(s.u.s + at, s.len - at, &r);
            }
        } else {
            const char *f = find_sub(s.u.s + at, s.len - at, old.u.s, old.len);
            if (!f)
                break;
            next = (size_t)(f - s.u.s);
        }
        buf_add(&b, s.u.s + at, next - at);
        buf_add(&b, nw.u.s, nw.len);
        at = next + old.len;
    }
    return expr_buf_val(ev, &b, buf_add(&b, s.u.s + at, s.len - at));
}

/* repeat(s, n): n must be 0..1e6 and fits the memory budget. */
struct val expr_f_repeat(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 2, 2);
    struct val s = S(ev, a[0]);
    int64_t k = expr_to_int(ev, a[1]);
    if (k < 0)
        expr_fail(ev,
                  "invalid argument for repeat (expected positive "
                  "integer, got %lld)",
                  (long long)k);
    if (k > 1000000)
        expr_fail(ev, "memory budget exceeded");
    expr_mem_grow(ev, (uint64_t)s.len * (uint64_t)k);
    size_t len = (size_t)s.len * (size_t)k;
    char *out = expr_alloc(ev, len + 1);
    for (int64_t i = 0; i < k; i++)
        memcpy(out + (size_t)i * s.len, s.u.s, s.len);
    out[len] = 0;
    return val_str(out, len);
}

/* join(list[, glue]) of a []string or a []interface {} of strings. */
struct val expr_f_join(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 2);
    struct val glue = n == 2 ? S(ev, a[1]) : val_str("", 0);
    unsigned gt = val_gotype(a[0]);
    if (a[0].kind != VAL_ARRAY || (gt != GT_LIST_ANY && gt != GT_LIST_STRING))
        expr_fail(ev, "invalid argument for join (type %s)",
                  a[0].kind == VAL_NULL ? "<nil>" : expr_type_name(a[0]));
    struct buf b;
    buf_init(&b, 64u << 20);
    for (size_t i = 0; i < val_list_len(a[0]); i++) {
        struct val it = S(ev, val_list_at(a[0], i));
        if (i)
            buf_add(&b, glue.u.s, glue.len);
        buf_add(&b, it.u.s, it.len);
    }
    return expr_buf_val(ev, &b, RN_OK);
}

/* indexOf(s, sub): byte offset or -1. */
struct val expr_f_index(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 2, 2);
    struct val s = S(ev, a[0]), p = S(ev, a[1]);
    const char *f = find_sub(s.u.s, s.len, p.u.s, p.len);
    return val_int(f ? f - s.u.s : -1);
}

/* lastIndexOf(s, sub): byte offset or -1. */
struct val expr_f_last_index(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 2, 2);
    struct val s = S(ev, a[0]), p = S(ev, a[1]);
    if (p.len > s.len)
        return val_int(-1);
    for (size_t i = s.len - p.len + 1; i-- > 0;)
        if (memcmp(s.u.s + i, p.u.s, p.len) == 0)
            return val_int((int64_t)i);
    return val_int(-1);
}

/* hasPrefix(s, prefix). */
struct val expr_f_has_prefix(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 2, 2);
    return val_bool(has_prefix(S(ev, a[0]), S(ev, a[1])));
}

/* hasSuffix(s, suffix). */
struct val expr_f_has_suffix(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 2, 2);
    return val_bool(has_suffix(S(ev, a[0]), S(ev, a[1])));
}

/* encoding/json cannot encode these: report Go's error. */
static const char *json_unsupported(struct ev *ev, struct val v)
{
    switch (v.kind) {
    case VAL_FUNC:
        return "func";
    case VAL_ARRAY:
        expr_charge(ev, val_list_len(v));
        for (size_t i = 0; i < val_list_len(v); i++) {
            const char *t = json_unsupported(ev, val_list_at(v, i));
            if (t)
                return t;
        }
        return NULL;
    case VAL_OBJECT: {
        unsigned gt = val_gotype(v);
        if (gt == GT_MAP_IFACE || gt == GT_MAP_IFACE_LIST)
            return expr_type_name(v);
        expr_charge(ev, val_obj_len(v));
        for (size_t i = 0; i < val_obj_len(v); i++) {
            const char *t = json_unsupported(ev, val_obj_at(v, i)->v);
            if (t)
                return t;
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

/* toJSON(v): json.MarshalIndent(v, "", "  "). */
struct val expr_f_to_json(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    const char *bad = json_unsupported(ev, a[0]);
    if (bad)
        expr_fail(ev, "json: unsupported type: %s", bad);
    struct buf b;
    buf_init(&b, 64u << 20);
    struct rn_err e = {0};
    struct json_emit_opts o = {.flags = JSON_PRETTY, .indent = "  "};
    if (json_emit(&b, a[0], &o, &e) != RN_OK) {
        buf_free(&b);
        expr_fail_err(ev, &e, "json error");
    }
    return expr_buf_val(ev, &b, RN_OK);
}

/* fromJSON(s): json.Unmarshal into interface {} (numbers float64). */
struct val expr_f_from_json(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    struct val s = S(ev, a[0]);
    struct rn_err e = {0};
    struct val out;
    if (json_parse(ev->a, s.u.s, s.len, NULL, &out, &e) != RN_OK)
        expr_fail_err(ev, &e, "invalid JSON");
    return out;
}

/* toBase64(s): base64.StdEncoding.EncodeToString. */
struct val expr_f_to_base64(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    struct val s = S(ev, a[0]);
    char *out = expr_alloc(ev, codec_b64_len(s.len, 0) + 1);
    return val_str(out, codec_b64_encode(out, s.u.s, s.len, 0));
}

/* fromBase64(s): base64.StdEncoding.DecodeString. */
struct val expr_f_from_base64(struct ev *ev, struct val *a, int n)
{
    want_n(ev, n, 1, 1);
    struct val s = S(ev, a[0]);
    unsigned char *out = expr_alloc(ev, s.len + 1);
    size_t len, bad;
    if (codec_b64_decode(s.u.s, s.len, 0, out, &len, &bad) != RN_OK)
        expr_fail(ev, "illegal base64 data at input byte %zu", bad);
    out[len] = 0;
    return val_str((const char *)out, len);
}
