/*
 * json_parse.c: the strict JSON (RFC 8259) parser of json.h.
 *
 * One pass of recursive descent builds values straight into the caller's
 * arena.  Members of the array or object being parsed are pushed onto one
 * scratch stack shared by all nesting levels (a local buffer first, the
 * heap past it); when a container closes, its members are copied into the
 * arena at their exact size, and an object's keys are sorted there once,
 * with duplicates resolved last-wins as Go's encoding/json does.  So the
 * only allocations outside the arena are the occasional scratch growths.
 *
 * Strings are UTF-8 validated (invalid UTF-8 is an error); \u escapes
 * decode surrogate pairs and turn a lone surrogate into U+FFFD, as Go
 * does.  Errors use Go's wording ("invalid character 'x' looking for
 * beginning of value") with a 1-based line and byte column.
 */
#include "json.h"

#include "alloc.h"
#include "arena.h"
#include "codec.h"
#include "doc.h"
#include "err.h"
#include "json_int.h"
#include "limits.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_STACK 256      /* scratch vals before going to the heap */
#define HARD_MAX_DEPTH 10000 /* recursion guard whatever opts say */
#define SMALL_SORT 12        /* insertion sort below this many keys */

struct jp {
    const char *s, *p, *end;
    struct arena *a;
    enum json_num_mode nums;
    unsigned depth, max_depth;
    struct val *stk; /* scratch stack of members */
    size_t top, cap;
    struct rn_err *e;
    int rc;
    struct val local[LOCAL_STACK];
};

/* ---- errors ---- */

/* Go's quoteChar: how a byte appears in a syntax error message. */
static void quote_char(char *out, size_t n, unsigned char c)
{
    if (c == '\'')
        snprintf(out, n, "'\\''");
    else if (c == '"')
        snprintf(out, n, "'\"'");
    else if (c == '\n')
        snprintf(out, n, "'\\n'");
    else if (c == '\r')
        snprintf(out, n, "'\\r'");
    else if (c == '\t')
        snprintf(out, n, "'\\t'");
    else if (c == '\a')
        snprintf(out, n, "'\\a'");
    else if (c == '\b')
        snprintf(out, n, "'\\b'");
    else if (c == '\f')
        snprintf(out, n, "'\\f'");
    else if (c == '\v')
        snprintf(out, n, "'\\v'");
    else if (c < 0x20 || c == 0x7f)
        snprintf(out, n, "'\\x%02x'", c);
    else if (c < 0x80)
        snprintf(out, n, "'%c'", c);
    else if (c < 0xA0 || c == 0xAD)
        snprintf(out, n, "'\\u%04x'", c);
    else
        snprintf(out, n, "'%c%c'", 0xC0 | (c >> 6), 0x80 | (c & 0x3F));
}

static void position(const struct jp *j, const char *at, int *line, int *col)
{
    int l = 1;
    const char *bol = j->s;
    for (const char *q = j->s; q < at; q++) {
        if (*q == '\n') {
            l++;
            bol = q + 1;
        }
    }
    *line = l;
    *col = (int)(at - bol) + 1;
}

static int fail_at(struct jp *j, const char *at, int code, const char *msg)
{
    int line, col;
    if (j->rc)
        return j->rc;
    position(j, at, &line, &col);
    j->rc = rn_errf_at(j->e, code, NULL, line, col, "%s", msg);
    return j->rc;
}

/* "invalid character 'x' <context>", or the end-of-input error at the end */
static int fail_char(struct jp *j, const char *context)
{
    char q[16], msg[96];
    if (j->p >= j->end)
        return fail_at(j, j->end, RN_ESYNTAX, "unexpected end of JSON input");
    quote_char(q, sizeof q, (unsigned char)*j->p);
    snprintf(msg, sizeof msg, "invalid character %s %s", q, context);
    return fail_at(j, j->p, RN_ESYNTAX, msg);
}

static int fail_oom(struct jp *j)
{
    return fail_at(j, j->p, RN_ENOMEM, "out of memory");
}

/* ---- scratch stack ---- */

static int reserve(struct jp *j, size_t more)
{
    if (j->cap - j->top >= more)
        return 0;
    size_t ncap = j->cap * 2;
    while (ncap - j->top < more)
        ncap *= 2;
    struct val *n;
    if (j->stk == j->local) {
        n = rn_malloc(ncap * sizeof *n);
        if (n)
            memcpy(n, j->local, j->top * sizeof *n);
    } else {
        n = rn_realloc(j->stk, ncap * sizeof *n);
    }
    if (!n)
        return fail_oom(j);
    j->stk = n;
    j->cap = ncap;
    return 0;
}

static inline void skip_ws(struct jp *j)
{
    const char *p = j->p, *end = j->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    j->p = p;
}

/* ---- strings ---- */

static bool is_hex(unsigned char c)
{
    return codec_hexval((char)c) >= 0;
}

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = codec_hexval(p[i]);
        if (d < 0)
            return i;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 4;
}

/* Bytes that a string literal may hold without a closer look: printable
 * ASCII other than '"' and '\\'. */
/* clang-format off */
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const bool plain_char[256] = {
    R16(0), R16(0),                                 /* 0x00-0x1f: control */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20-0x2f: '"' */
    R16(1), R16(1),                                 /* 0x30-0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50-0x5f: '\\' */
    R16(1), R16(1),                                 /* 0x60-0x7f */
    /* 0x80-0xff: UTF-8, validated separately (zero-initialised) */
};
#undef R16
/* clang-format on */

/*
 * Scan the literal starting after the opening quote: validate it and find
 * the closing quote.  Sets *esc when a backslash occurs, so the caller can
 * copy plain strings with memcpy.
 */
static int scan_string(struct jp *j, const char **close, bool *esc)
{
    const char *p = j->p, *end = j->end;
    *esc = false;
    for (;;) {
        while (p < end && plain_char[(unsigned char)*p])
            p++;
        j->p = p;
        if (p >= end)
            return fail_char(j, "");
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *close = p;
            return 0;
        }
        if (c < 0x20)
            return fail_char(j, "in string literal");
        if (c >= 0x80) {
            size_t w = utf8_valid_len(p, (size_t)(end - p));
            if (!w)
                return fail_at(j, p, RN_ESYNTAX,
                               "invalid UTF-8 in string literal");
            p += w;
            continue;
        }
        /* backslash */
        *esc = true;
        if (p + 1 >= end) {
            j->p = end;
            return fail_char(j, "");
        }
        c = (unsigned char)p[1];
        if (c == 'u') {
            for (int i = 2; i < 6; i++) {
                j->p = p + i;
                if (p + i >= end || !is_hex((unsigned char)p[i]))
                    return fail_char(j, "in \\u hexadecimal character escape");
            }
            p += 6;
            continue;
        }
        if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' ||
            c == 'n' || c == 'r' || c == 't') {
            p += 2;
            continue;
        }
        j->p = p + 1;
        return fail_char(j, "in string escape code");
    }
}

/* Decode the (already validated) escapes of in[0..n) into out; returns the
 * decoded length. */
static size_t unescape(const char *in, size_t n, char *out)
{
    const char *p = in, *end = in + n;
    char *o = out;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t lit = bs ? (size_t)(bs - p) : (size_t)(end - p);
        memcpy(o, p, lit);
        o += lit;
        if (!bs)
            break;
        p = bs + 1;
        char c = *p++;
        switch (c) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            uint32_t r = 0, r2 = 0;
            hex4(p, &r);
            p += 4;
            if (r >= 0xD800 && r < 0xDC00 && end - p >= 6 && p[0] == '\\' &&
                p[1] == 'u' && hex4(p + 2, &r2) == 4 && r2 >= 0xDC00 &&
                r2 < 0xE000) {
                r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                p += 6;
            } else if (r >= 0xD800 && r < 0xE000) {
                r = UTF8_RUNE_ERROR;
            }
            o += utf8_encode(o, r);
            break;
        }
        default:
            *o++ = c;
            break; /* " \ / */
        }
    }
    return (size_t)(o - out);
}

/* string -> '"' chars '"'; j->p is just after the opening quote */
static int parse_string(struct jp *j, struct val *out)
{
    const char *start = j->p, *close = NULL;
    bool esc;
    if (scan_string(j, &close, &esc))
        return j->rc;
    size_t n = (size_t)(close - start);
    /* \uXXXX (6 bytes) decodes to at most 3 bytes, a pair (12) to 4, so
     * the decoded form never exceeds the raw one */
    char *d = arena_alloc(j->a, n + 1);
    if (!d)
        return fail_oom(j);
    if (esc)
        n = unescape(start, n, d);
    else
        memcpy(d, start, n);
    d[n] = '\0';
    *out = val_str(d, n);
    j->p = close + 1;
    return 0;
}

/* ---- numbers ---- */

static const double exact_pow10[] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* number -> '-'? int frac? exp?; validates the grammar, sets *integral */
static int scan_number(struct jp *j, bool *integral)
{
    const char *p = j->p, *end = j->end;
    *integral = true;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        j->p = p;
        return fail_char(j, "in numeric literal");
    }
    if (p < end && *p == '.') {
        *integral = false;
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            j->p = p;
            return fail_char(j, "after decimal point in numeric literal");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *integral = false;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9') {
            j->p = p;
            return fail_char(j, "in exponent of numeric literal");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    j->p = p;
    return 0;
}

/* Exact conversion without strtod when the digits fit in 2^53 and the
 * decimal exponent is small: both operands are exact doubles, so one
 * multiplication or division rounds correctly (Clinger's fast path). */
static bool fast_float(const char *p, const char *end, double *out)
{
    bool neg = *p == '-';
    uint64_t m = 0;
    int digits = 0, scale = 0;
    if (neg)
        p++;
    for (; p < end && *p >= '0' && *p <= '9'; p++, digits++)
        m = m * 10 + (uint64_t)(*p - '0');
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++, scale--)
            m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p != end || digits > 15)
        return false;
    double d = (double)m;
    if (scale < 0)
        d /= exact_pow10[-scale];
    *out = neg ? -d : d;
    return true;
}

static bool int64_of(const char *p, const char *end, int64_t *out)
{
    bool neg = *p == '-';
    uint64_t m = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (neg)
        p++;
    for (; p < end; p++) {
        uint64_t dgt = (uint64_t)(*p - '0');
        if (m > (lim - dgt) / 10)
            return false;
        m = m * 10 + dgt;
    }
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

static int slow_float(struct jp *j, const char *p, size_t n, double *out)
{
    char local[64], *buf = local;
    if (n >= sizeof local) {
        buf = rn_malloc(n + 1);
        if (!buf)
            return fail_oom(j);
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    if (buf != local)
        rn_free(buf);
    if (isinf(*out)) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "json: cannot unmarshal number %.*s into Go value of type "
                 "float64",
                 n > 100 ? 100 : (int)n, p);
        return fail_at(j, p, RN_ESYNTAX, msg);
    }
    return 0;
}

static int parse_number(struct jp *j, struct val *out)
{
    const char *start = j->p;
    bool integral;
    double d;
    if (scan_number(j, &integral))
        return j->rc;
    const char *end = j->p;
    if (integral && j->nums == JSON_NUM_INT64) {
        int64_t i;
        if (int64_of(start, end, &i)) {
            *out = val_int_t(i, GT_INT64);
            return 0;
        }
    }
    if (!fast_float(start, end, &d) &&
        slow_float(j, start, (size_t)(end - start), &d))
        return j->rc;
    *out = val_float(d);
    return 0;
}

/* ---- containers ---- */

static int parse_value(struct jp *j, struct val *out);

/* array -> '[' ( value ( ',' value )* )? ']' */
static int parse_array(struct jp *j, struct val *out)
{
    size_t base = j->top;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
    } else {
        for (;;) {
            struct val v;
            if (parse_value(j, &v))
                return j->rc;
            if (j->top == j->cap && reserve(j, 1))
                return j->rc;
            j->stk[j->top++] = v;
            skip_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                break;
            }
            return fail_char(j, "after array element");
        }
    }
    size_t n = j->top - base;
    struct val_list *l = arena_alloc(j->a, sizeof *l + n * sizeof(struct val));
    if (!l)
        return fail_oom(j);
    l->len = l->cap = (uint32_t)n;
    l->items = (struct val *)(l + 1);
    if (n)
        memcpy(l->items, j->stk + base, n * sizeof(struct val));
    j->top = base;
    *out = val_list(l, GT_LIST_ANY);
    return 0;
}

/* Key order; the first bytes usually decide, so compare them inline. */
static inline int kvcmp(const struct val_kv *x, const struct val_kv *y)
{
    if (x->key.len && y->key.len && x->key.u.s[0] != y->key.u.s[0])
        return (unsigned char)x->key.u.s[0] < (unsigned char)y->key.u.s[0] ? -1
                                                                           : 1;
    return val_keycmp(x->key.u.s, x->key.len, y->key.u.s, y->key.len);
}

static void insertion_sort(struct val_kv *kv, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (kvcmp(&kv[i - 1], &kv[i]) <= 0)
            continue;
        struct val_kv t = kv[i];
        size_t k = i;
        while (k > 0 && kvcmp(&kv[k - 1], &t) > 0) {
            kv[k] = kv[k - 1];
            k--;
        }
        kv[k] = t;
    }
}

static void merge_runs(const struct val_kv *src, struct val_kv *dst, size_t lo,
                       size_t mid, size_t hi)
{
    size_t i = lo, k = mid, o = lo;
    while (i < mid && k < hi)
        dst[o++] = kvcmp(&src[k], &src[i]) < 0 ? src[k++] : src[i++];
    while (i < mid)
        dst[o++] = src[i++];
    while (k < hi)
        dst[o++] = src[k++];
}

/*
 * Stable sort of kv[0..n) by key using tmp[0..n) as the second buffer:
 * insertion-sorted runs of SMALL_SORT, then bottom-up merges ping-ponging
 * between the buffers.  Returns the buffer holding the result.
 */
static struct val_kv *sort_kv(struct val_kv *kv, struct val_kv *tmp, size_t n)
{
    for (size_t i = 0; i < n; i += SMALL_SORT)
        insertion_sort(kv + i, n - i < SMALL_SORT ? n - i : SMALL_SORT);
    struct val_kv *src = kv, *dst = tmp;
    for (size_t w = SMALL_SORT; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge_runs(src, dst, lo, mid, hi);
        }
        struct val_kv *t = src;
        src = dst;
        dst = t;
    }
    return src;
}

/* After a stable sort, keep the last member of each run of equal keys. */
static size_t dedupe_last(struct val_kv *kv, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && kvcmp(&kv[i], &kv[i + 1]) == 0)
            continue;
        kv[o++] = kv[i];
    }
    return o;
}

/* Build a sorted, duplicate-free object of members[0..n) (json_int.h). */
struct val_obj *json_obj_build(struct arena *a, struct val_kv *members,
                               size_t n)
{
    struct val_obj *o = arena_alloc(a, sizeof *o + n * sizeof *members);
    if (!o)
        return NULL;
    struct val_kv *kv = (struct val_kv *)(o + 1), *res = members;
    if (n > SMALL_SORT)
        res = sort_kv(members, kv, n);
    else
        insertion_sort(members, n);
    n = dedupe_last(res, n);
    if (res != kv && n)
        memcpy(kv, res, n * sizeof *kv);
    o->len = o->cap = (uint32_t)n;
    o->kv = kv;
    return o;
}

/* Turn the members pushed at stk[base..] into an object value. */
static int finish_object(struct jp *j, size_t base, struct val *out)
{
    size_t n = (j->top - base) / 2;
    struct val_obj *o =
        json_obj_build(j->a, (struct val_kv *)(void *)(j->stk + base), n);
    if (!o)
        return fail_oom(j);
    j->top = base;
    *out = val_obj(o, GT_MAP_ANY);
    return 0;
}

/* member -> string ':' value; pushes key then value */
static int parse_member(struct jp *j)
{
    struct val k, v;
    if (j->p >= j->end || *j->p != '"')
        return fail_char(j, "looking for beginning of object key string");
    j->p++;
    if (parse_string(j, &k))
        return j->rc;
    skip_ws(j);
    if (j->p >= j->end || *j->p != ':')
        return fail_char(j, "after object key");
    j->p++;
    if (parse_value(j, &v))
        return j->rc;
    if (j->cap - j->top < 2 && reserve(j, 2))
        return j->rc;
    j->stk[j->top++] = k;
    j->stk[j->top++] = v;
    return 0;
}

/* object -> '{' ( member ( ',' member )* )? '}' */
static int parse_object(struct jp *j, struct val *out)
{
    size_t base = j->top;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return finish_object(j, base, out);
    }
    for (;;) {
        if (parse_member(j))
            return j->rc;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            skip_ws(j);
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return finish_object(j, base, out);
        }
        return fail_char(j, "after object key:value pair");
    }
}

static int parse_literal(struct jp *j, const char *word, size_t n, struct val v,
                         struct val *out)
{
    char ctx[48];
    for (size_t i = 1; i < n; i++) {
        if (j->p + i >= j->end || j->p[i] != word[i]) {
            j->p += i;
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word,
                     word[i]);
            return fail_char(j, ctx);
        }
    }
    j->p += n;
    *out = v;
    return 0;
}

static int enter(struct jp *j)
{
    if (++j->depth > j->max_depth)
        return fail_at(j, j->p, RN_ELIMIT, "json: exceeded max depth");
    return 0;
}

/* value -> object | array | string | number | true | false | null */
static int parse_value(struct jp *j, struct val *out)
{
    int rc;
    skip_ws(j);
    if (j->p >= j->end)
        return fail_char(j, "");
    switch (*j->p) {
    case '{':
        if (enter(j))
            return j->rc;
        rc = parse_object(j, out);
        j->depth--;
        return rc;
    case '[':
        if (enter(j))
            return j->rc;
        rc = parse_array(j, out);
        j->depth--;
        return rc;
    case '"':
        j->p++;
        return parse_string(j, out);
    case 't':
        return parse_literal(j, "true", 4, val_bool(true), out);
    case 'f':
        return parse_literal(j, "false", 5, val_bool(false), out);
    case 'n':
        return parse_literal(j, "null", 4, val_null(), out);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        return parse_number(j, out);
    default:
        return fail_char(j, "looking for beginning of value");
    }
}

/*
 * Parse s[0..n) into values in a.  Returns RN_OK, RN_ESYNTAX (bad input,
 * Go's message, line/col), RN_ELIMIT (size or depth) or RN_ENOMEM.  On
 * error *out is untouched; what was allocated stays in a until its reset.
 */
int json_parse(struct arena *a, const char *s, size_t n,
               const struct json_opts *o, struct val *out, struct rn_err *e)
{
    struct jp jstate, *j = &jstate;
    size_t max_size = o && o->max_size ? o->max_size : RN_JSON_MAX_SIZE;
    struct val v;
    int rc;

    memset(j, 0, offsetof(struct jp, local));
    j->s = j->p = s;
    j->end = s + n;
    j->a = a;
    j->e = e;
    j->nums = o ? o->nums : JSON_NUM_FLOAT64;
    j->max_depth = o && o->max_depth ? o->max_depth : RN_JSON_MAX_DEPTH;
    if (j->max_depth > HARD_MAX_DEPTH)
        j->max_depth = HARD_MAX_DEPTH;
    j->stk = j->local;
    j->cap = LOCAL_STACK;
    if (n > max_size) {
        rc = rn_errf_at(e, RN_ELIMIT, NULL, 1, 1,
                        "json: document of %zu bytes exceeds the limit of "
                        "%zu",
                        n, max_size);
        goto out;
    }
    rc = parse_value(j, &v);
    if (rc == RN_OK) {
        skip_ws(j);
        if (j->p < j->end)
            rc = fail_char(j, "after top-level value");
    }
    if (rc == RN_OK)
        *out = v;
out:
    if (j->stk != j->local)
        rn_free(j->stk);
    return rc;
}

/* The end of json_parse_doc and goyaml_parse_doc (json_int.h). */
struct doc *json_doc_finish(struct doc_builder *b, bool temporary, int rc,
                            struct val v, struct rn_err *e)
{
    struct doc *d = NULL;
    if (rc == RN_OK) {
        rc = doc_freeze(b, v, &d);
        if (rc != RN_OK)
            rn_errf(e, rc, "%s",
                    rc == RN_ENOMEM ? "out of memory"
                                    : "document cannot be frozen");
    }
    if (temporary)
        doc_builder_free(b);
    else
        doc_builder_reset(b);
    return d;
}

/* Parse into a new frozen doc (one reference, caller unrefs); NULL on
 * error. */
struct doc *json_parse_doc(const char *s, size_t n, const struct json_opts *o,
                           struct rn_err *e)
{
    return json_parse_doc_with(NULL, s, n, o, e);
}

struct doc *json_parse_doc_with(struct doc_builder *b, const char *s, size_t n,
                                const struct json_opts *o, struct rn_err *e)
{
    struct doc_builder tmp;
    struct val v = val_null();
    if (!b)
        doc_builder_init(&tmp);
    struct doc_builder *use = b ? b : &tmp;
    int rc = json_parse(&use->arena, s, n, o, &v, e);
    return json_doc_finish(use, !b, rc, v, e);
}
