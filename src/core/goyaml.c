/*
 * goyaml.c: YAML to values through libyaml's event parser, reproducing what
 * upstream's sigs.k8s.io/yaml does: go-yaml v2 decodes the first document
 * with YAML 1.1 scalar resolution, the result is converted to JSON (map
 * keys become strings, NaN/Inf are errors) and decoded again as JSON.  We
 * do the three steps in one walk: each scalar is resolved as go-yaml would
 * (null, bool incl. yes/no/on/off, ints in any Go base-0 form with
 * underscores, floats, .inf/.nan, else string), then turned into the value
 * the JSON round trip would give under the caller's number mode.
 *
 * Anchors are kept by name and aliases share the anchored value (values
 * are immutable), so expansion costs nothing; merge keys ("<<") copy the
 * merged members, which is budgeted against excessive aliasing.  Mappings
 * keep the last of duplicate keys, like go-yaml v2.  Errors carry go-yaml's
 * wording ("yaml: line 3: mapping values are not allowed in this context")
 * behind sigs.k8s.io/yaml's "error converting YAML to JSON: " prefix.
 */
#include "goyaml.h"

#include "alloc.h"
#include "arena.h"
#include "buf.h"
#include "codec.h"
#include "doc.h"
#include "err.h"
#include "gofmt.h"
#include "json.h"
#include "json_int.h"
#include "limits.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MERGE_BUDGET 4000000u /* members copied by merges + aliases used */
#define ERR_PREFIX "error converting YAML to JSON: "

enum ytag {
    TAG_NONE, /* plain, to be resolved */
    TAG_STR,
    TAG_BOOL,
    TAG_INT,
    TAG_FLOAT,
    TAG_NULL,
    TAG_BINARY,
    TAG_MERGE,
    TAG_TIMESTAMP,
    TAG_OTHER, /* a custom tag: the value stays a string */
};

static const char *const tag_short[] = {
    [TAG_NONE] = "",
    [TAG_STR] = "!!str",
    [TAG_BOOL] = "!!bool",
    [TAG_INT] = "!!int",
    [TAG_FLOAT] = "!!float",
    [TAG_NULL] = "!!null",
    [TAG_BINARY] = "!!binary",
    [TAG_MERGE] = "!!merge",
    [TAG_TIMESTAMP] = "!!timestamp",
    [TAG_OTHER] = "",
};

struct anchor {
    char *name;
    struct val v;
};

struct yp {
    yaml_parser_t parser;
    struct arena *a;
    int nums;
    unsigned depth, max_depth;
    struct val *stk; /* scratch: sequence items, mapping key/value pairs */
    size_t top, cap;
    struct anchor *anchors;
    size_t nanchors, anchors_cap;
    size_t budget;
    const char *src;
    const char *text; /* the input, for positions of byte offsets */
    size_t len;
    struct rn_err *e;
    int rc;
    int pend_level;     /* a deferred conversion error (enum later) */
    struct rn_err pend; /* ... and its text */
};

/*
 * Upstream finds errors in phases: go-yaml parses the whole document
 * (syntax, unknown anchors), then decodes it (tags, map keys, merges),
 * then sigs.k8s.io/yaml converts keys to strings, then json.Marshal
 * rejects NaN/Inf.  We do one walk after a syntax-only pass, and defer
 * the errors of the last two phases so an earlier phase's error wins.
 */
enum { LATE_MARSHAL = 1, LATE_CONVERT = 2 };

/* ---- errors ---- */

static int fail_at(struct yp *y, int code, const yaml_mark_t *m,
                   const char *fmt, const char *arg)
{
    char msg[224];
    if (y->rc)
        return y->rc;
    snprintf(msg, sizeof msg, fmt, arg);
    y->rc = rn_errf_at(y->e, code, y->src, m ? (int)m->line + 1 : 0,
                       m ? (int)m->column + 1 : 0, ERR_PREFIX "%s", msg);
    return y->rc;
}

static int fail_oom(struct yp *y)
{
    if (!y->rc)
        y->rc = rn_errf_at(y->e, RN_ENOMEM, y->src, 0, 0, "out of memory");
    return y->rc;
}

/* Record an error of a later phase; the walk goes on with a placeholder. */
static int defer_err(struct yp *y, int level, const yaml_mark_t *m,
                     const char *fmt, const char *arg)
{
    char msg[224];
    if (level <= y->pend_level)
        return 0;
    snprintf(msg, sizeof msg, fmt, arg);
    y->pend_level = level;
    rn_errf_at(&y->pend, RN_EINVAL, y->src, (int)m->line + 1,
               (int)m->column + 1, ERR_PREFIX "%s", msg);
    return 0;
}

/* A libyaml failure, worded as go-yaml reports it: its line is the
 * problem's (1-based for scanner errors, as go-yaml prints them). */
static int fail_parser(struct yp *y)
{
    yaml_parser_t *p = &y->parser;
    char msg[180];
    if (p->error == YAML_MEMORY_ERROR)
        return fail_oom(y);
    const char *problem =
        p->problem ? p->problem : "unknown problem parsing YAML content";
    size_t line = p->problem_mark.line;
    if (line != 0 && p->error == YAML_SCANNER_ERROR)
        line++;
    else if (line == 0)
        line = p->context_mark.line;
    if (line)
        snprintf(msg, sizeof msg, "yaml: line %zu: %s", line, problem);
    else
        snprintf(msg, sizeof msg, "yaml: %s", problem);
    yaml_mark_t at = p->problem_mark;
    if (p->error == YAML_READER_ERROR) { /* bad bytes: only an offset */
        int l, c;
        rn_pos_at(y->text, y->len, p->problem_offset, &l, &c);
        at.line = (size_t)l - 1;
        at.column = (size_t)c - 1;
    }
    return fail_at(y, RN_ESYNTAX, &at, "%s", msg);
}

/* ---- scratch stack ---- */

static int push(struct yp *y, struct val v)
{
    if (y->top == y->cap) {
        size_t ncap = y->cap ? y->cap * 2 : 64;
        struct val *n = rn_realloc(y->stk, ncap * sizeof *n);
        if (!n)
            return fail_oom(y);
        y->stk = n;
        y->cap = ncap;
    }
    y->stk[y->top++] = v;
    return 0;
}

/* ---- scalar resolution (go-yaml v2 rules) ---- */

struct word {
    const char *s;
    enum ytag tag;
    int v; /* bool value; for floats 1 = +Inf, -1 = -Inf, 0 = NaN */
};

static const struct word words[] = {
    {"y", TAG_BOOL, 1},       {"Y", TAG_BOOL, 1},
    {"yes", TAG_BOOL, 1},     {"Yes", TAG_BOOL, 1},
    {"YES", TAG_BOOL, 1},     {"true", TAG_BOOL, 1},
    {"True", TAG_BOOL, 1},    {"TRUE", TAG_BOOL, 1},
    {"on", TAG_BOOL, 1},      {"On", TAG_BOOL, 1},
    {"ON", TAG_BOOL, 1},      {"n", TAG_BOOL, 0},
    {"N", TAG_BOOL, 0},       {"no", TAG_BOOL, 0},
    {"No", TAG_BOOL, 0},      {"NO", TAG_BOOL, 0},
    {"false", TAG_BOOL, 0},   {"False", TAG_BOOL, 0},
    {"FALSE", TAG_BOOL, 0},   {"off", TAG_BOOL, 0},
    {"Off", TAG_BOOL, 0},     {"OFF", TAG_BOOL, 0},
    {"", TAG_NULL, 0},        {"~", TAG_NULL, 0},
    {"null", TAG_NULL, 0},    {"Null", TAG_NULL, 0},
    {"NULL", TAG_NULL, 0},    {".nan", TAG_FLOAT, 0},
    {".NaN", TAG_FLOAT, 0},   {".NAN", TAG_FLOAT, 0},
    {".inf", TAG_FLOAT, 1},   {".Inf", TAG_FLOAT, 1},
    {".INF", TAG_FLOAT, 1},   {"+.inf", TAG_FLOAT, 1},
    {"+.Inf", TAG_FLOAT, 1},  {"+.INF", TAG_FLOAT, 1},
    {"-.inf", TAG_FLOAT, -1}, {"-.Inf", TAG_FLOAT, -1},
    {"-.INF", TAG_FLOAT, -1}, {"<<", TAG_MERGE, 0},
};

/* First-byte hints: 'S' sign, 'D' digit, 'M' only the word table, '.'
 * maybe a float; 0 means a plain string. */
static char hint_of(const char *s, size_t n)
{
    if (n == 0)
        return 'N';
    unsigned char c = (unsigned char)s[0];
    if (c == '+' || c == '-')
        return 'S';
    if (c >= '0' && c <= '9')
        return 'D';
    if (c == '.')
        return '.';
    if (strchr("yYnNtTfFoO~<", c) && c)
        return 'M';
    return 0;
}

static bool word_lookup(const char *s, size_t n, struct val *out,
                        enum ytag *tag)
{
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        if (strlen(words[i].s) != n || memcmp(words[i].s, s, n) != 0)
            continue;
        *tag = words[i].tag;
        if (words[i].tag == TAG_BOOL)
            *out = val_bool(words[i].v != 0);
        else if (words[i].tag == TAG_FLOAT)
            *out = val_float(words[i].v ? words[i].v * HUGE_VAL : NAN);
        else
            *out = val_null();
        return true;
    }
    return false;
}

enum intres { INT_SYNTAX, INT_OK, INT_RANGE };

/* The magnitude of a number of valid digits that overflowed 64 bits (Go
 * goes on with a big.Int), as a float64. */
static double big_magnitude(const char *s, size_t n)
{
    size_t i = n && (s[0] == '+' || s[0] == '-');
    unsigned base = 10;
    double d = 0;
    if (s[i] == '0' && n - i >= 3 && strchr("bBoOxX", s[i + 1])) {
        char p = (char)(s[i + 1] | 0x20);
        base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
        i += 2;
    } else if (s[i] == '0') {
        base = 8;
    }
    for (; i < n; i++)
        d = d * base + codec_hexval(s[i]);
    return s[0] == '-' ? -d : d;
}

/*
 * Go's strconv.ParseInt(s, 0, 64) then ParseUint(s, 0, 64) (core's
 * strconv): on INT_OK, *out is the value as an int (GT_INT) or, past
 * int64 and unsigned, a GT_UINT64.  On INT_RANGE, *approx holds the
 * value as a float64.
 */
static enum intres go_parse_int(const char *s, size_t n, struct val *out,
                                double *approx)
{
    int64_t i;
    uint64_t u;
    int rc = gofmt_parse_int(s, n, 0, &i);
    if (rc == RN_OK) {
        *out = val_int(i);
        return INT_OK;
    }
    if (rc != RN_ELIMIT)
        return INT_SYNTAX;
    if (s[0] != '+' && s[0] != '-' && gofmt_parse_uint(s, n, 0, &u) == RN_OK) {
        *out = val_int_t((int64_t)u, GT_UINT64);
        return INT_OK;
    }
    *approx = big_magnitude(s, n);
    return INT_RANGE;
}

/* go-yaml's float syntax: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
 */
static bool yaml_float_syntax(const char *s, size_t n)
{
    size_t i = 0, d1 = 0, d2 = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        d1++;
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            d2++;
        if (!d1 && !d2)
            return false;
    } else if (!d1) {
        return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t de = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            de++;
        if (!de)
            return false;
    }
    return i == n;
}

/* strconv.ParseFloat of a string of valid float syntax: false when out of
 * float64 range (Go's ErrRange). */
static bool parse_float(const char *s, size_t n, double *out)
{
    return gofmt_parse_float(s, n, out) == RN_OK;
}

/* Resolve a number-like plain scalar (hint 'D' or 'S'). */
static bool resolve_number(const char *in, size_t n, char *plain,
                           struct val *out, enum ytag *tag)
{
    size_t pn = 0;
    double approx, f;
    for (size_t i = 0; i < n; i++)
        if (in[i] != '_')
            plain[pn++] = in[i];
    plain[pn] = '\0';
    enum intres r = go_parse_int(plain, pn, out, &approx);
    if (r == INT_OK) {
        *tag = TAG_INT;
        return true;
    }
    if (yaml_float_syntax(plain, pn) && parse_float(plain, pn, &f)) {
        *out = val_float(f);
        *tag = TAG_FLOAT;
        return true;
    }
    if (r == INT_RANGE && !isinf(approx)) {
        /* beyond 64 bits: a big.Int, a JSON number read back as float */
        *out = val_float(approx);
        *tag = TAG_INT;
        return true;
    }
    return false;
}

/*
 * go-yaml v2's resolve() for a plain scalar (or one with a resolvable
 * tag): returns the typed value and its resolved tag; strings are left to
 * the caller (returns false).  plain is scratch of n + 1 bytes.
 */
static bool resolve_plain(const char *in, size_t n, char *plain,
                          struct val *out, enum ytag *tag)
{
    char hint = hint_of(in, n);
    if (!hint)
        return false;
    if (word_lookup(in, n, out, tag))
        return true;
    if (hint == '.') {
        double f;
        if (yaml_float_syntax(in, n) && parse_float(in, n, &f)) {
            *out = val_float(f);
            *tag = TAG_FLOAT;
            return true;
        }
        return false;
    }
    if (hint == 'D' || hint == 'S')
        return resolve_number(in, n, plain, out, tag);
    return false;
}

/* ---- scalars ---- */

static enum ytag tag_of(const yaml_event_t *ev)
{
    static const struct {
        const char *name;
        enum ytag tag;
    } known[] = {
        {YAML_STR_TAG, TAG_STR},
        {YAML_BOOL_TAG, TAG_BOOL},
        {YAML_INT_TAG, TAG_INT},
        {YAML_FLOAT_TAG, TAG_FLOAT},
        {YAML_NULL_TAG, TAG_NULL},
        {YAML_TIMESTAMP_TAG, TAG_TIMESTAMP},
        {"tag:yaml.org,2002:binary", TAG_BINARY},
        {"tag:yaml.org,2002:merge", TAG_MERGE},
    };
    const char *t = (const char *)ev->data.scalar.tag;
    if (!t)
        return ev->data.scalar.plain_implicit ? TAG_NONE : TAG_STR;
    if (strcmp(t, "!") == 0)
        return TAG_STR;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(t, known[i].name) == 0)
            return known[i].tag;
    return TAG_OTHER;
}

/* Append valid UTF-8 of s[0..n) with each invalid byte as U+FFFD (what the
 * JSON round trip does to a !!binary payload). */
static int add_sanitized(struct buf *b, const char *s, size_t n)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n;) {
        size_t w = utf8_valid_len(s + i, n - i);
        if (w) {
            rc = buf_add(b, s + i, w);
            i += w;
        } else {
            rc = buf_add(b, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
    return rc;
}

/* !!binary: Go's base64.StdEncoding.DecodeString (newlines ignored). */
static int decode_binary(struct yp *y, const yaml_event_t *ev, struct val *out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length, len, bad;
    struct buf clean;
    unsigned char *raw = rn_malloc(n + 1);
    if (!raw)
        return fail_oom(y);
    int rc = codec_b64_decode(s, n, 0, raw, &len, &bad);
    buf_init(&clean, 0);
    if (rc == RN_OK)
        rc = add_sanitized(&clean, (const char *)raw, len);
    rn_free(raw);
    char *d =
        rc == RN_OK ? arena_strndup(y->a, buf_str(&clean), clean.len) : NULL;
    len = clean.len;
    buf_free(&clean);
    if (rc == RN_EINVAL)
        return fail_at(y, RN_ESYNTAX, &ev->start_mark, "%s",
                       "yaml: !!binary value contains invalid base64 data");
    if (!d)
        return fail_oom(y);
    *out = val_str(d, len);
    return 0;
}

static int scalar_string(struct yp *y, const yaml_event_t *ev, struct val *out)
{
    size_t n = ev->data.scalar.length;
    char *d = arena_strndup(y->a, (const char *)ev->data.scalar.value, n);
    if (!d)
        return fail_oom(y);
    *out = val_str(d, n);
    return 0;
}

static int tag_mismatch(struct yp *y, const yaml_event_t *ev, enum ytag want,
                        enum ytag got)
{
    char msg[180];
    snprintf(msg, sizeof msg, "yaml: cannot decode %s `%.*s` as a %s",
             got == TAG_NONE ? "!!str" : tag_short[got],
             (int)(ev->data.scalar.length > 80 ? 80 : ev->data.scalar.length),
             (const char *)ev->data.scalar.value, tag_short[want]);
    return fail_at(y, RN_ESYNTAX, &ev->start_mark, "%s", msg);
}

/*
 * A scalar event to its go-yaml typed value (ints stay ints here; the JSON
 * conversion happens where the value is stored).  *merge is set for the
 * plain "<<" merge key.
 */
static int parse_scalar(struct yp *y, const yaml_event_t *ev, struct val *out,
                        bool *merge)
{
    enum ytag want = tag_of(ev), got = TAG_STR;
    const char *in = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    char local[128], *plain = local;
    bool typed = false;

    *merge = false;
    if (want == TAG_BINARY)
        return decode_binary(y, ev, out);
    if (want == TAG_STR || want == TAG_OTHER || want == TAG_TIMESTAMP)
        return scalar_string(y, ev, out);
    if (n >= sizeof local && !(plain = rn_malloc(n + 1)))
        return fail_oom(y);
    typed = resolve_plain(in, n, plain, out, &got);
    if (plain != local)
        rn_free(plain);
    if (!typed)
        got = TAG_STR;
    if (want != TAG_NONE && want != got) {
        if (!(want == TAG_FLOAT && got == TAG_INT))
            return tag_mismatch(y, ev, want, got);
        if (out->kind == VAL_INT)
            *out = val_float(val_gotype(*out) == GT_UINT64
                                 ? (double)(uint64_t)out->u.i
                                 : (double)out->u.i);
    }
    if (got == TAG_MERGE) {
        *merge = true;
        return scalar_string(y, ev, out);
    }
    return typed ? 0 : scalar_string(y, ev, out);
}

/* ---- JSON round trip ---- */

/* The value the YAML -> JSON -> Go decode gives for a typed scalar. */
static int to_json(struct yp *y, const yaml_mark_t *m, struct val v,
                   struct val *out)
{
    double f;
    if (v.kind == VAL_INT) {
        if (val_gotype(v) == GT_UINT64)
            f = (double)(uint64_t)v.u.i;
        else
            f = (double)v.u.i;
        *out = y->nums == JSON_NUM_INT64 && val_gotype(v) != GT_UINT64
                   ? val_int_t(v.u.i, GT_INT64)
                   : val_float(f);
        return 0;
    }
    if (v.kind != VAL_FLOAT) {
        *out = v;
        return 0;
    }
    f = v.u.f;
    if (isnan(f) || isinf(f)) {
        *out = val_null();
        return defer_err(y, LATE_MARSHAL, m, "json: unsupported value: %s",
                         isnan(f) ? "NaN"
                         : f > 0  ? "+Inf"
                                  : "-Inf");
    }
    /* Marshal prints integral floats below 1e21 as integers, which the
     * int64 mode reads back as int64 when they fit */
    if (y->nums == JSON_NUM_INT64 && f == floor(f) && f >= -0x1p63 &&
        f < 0x1p63) {
        *out = val_int_t((int64_t)f, GT_INT64);
        return 0;
    }
    *out = val_float(f);
    return 0;
}

/* Go's %#v of a decoded YAML value, for go-yaml's "invalid map key"
 * message: maps print as map[interface {}]interface {}{"k":v, ...}. */
static int go_syntax(struct buf *b, struct val v, unsigned depth)
{
    int rc = RN_OK;
    if (depth > 32)
        return buf_add_str(b, "...");
    switch ((enum val_kind)v.kind) {
    case VAL_BOOL:
        return buf_add_str(b, v.u.b ? "true" : "false");
    case VAL_INT:
        if (val_gotype(v) == GT_UINT64)
            return buf_add_fmt(b, "0x%llx", (unsigned long long)v.u.i);
        return buf_add_fmt(b, "%lld", (long long)v.u.i);
    case VAL_FLOAT:
        return gofmt_float(b, v.u.f, 'g', -1, 64);
    case VAL_STRING:
        return gofmt_quote(b, v.u.s, v.len, 0);
    case VAL_ARRAY:
        rc = buf_add_str(b, "[]interface {}{");
        for (size_t i = 0; rc == RN_OK && i < val_list_len(v); i++) {
            if (i)
                rc = buf_add_str(b, ", ");
            if (rc == RN_OK)
                rc = go_syntax(b, val_list_at(v, i), depth + 1);
        }
        return rc ? rc : buf_add_char(b, '}');
    case VAL_OBJECT:
        rc = buf_add_str(b, "map[interface {}]interface {}{");
        for (size_t i = 0; rc == RN_OK && i < val_obj_len(v); i++) {
            const struct val_kv *kv = val_obj_at(v, i);
            if (i)
                rc = buf_add_str(b, ", ");
            if (rc == RN_OK)
                rc = gofmt_quote(b, kv->key.u.s, kv->key.len, 0);
            if (rc == RN_OK)
                rc = buf_add_char(b, ':');
            if (rc == RN_OK)
                rc = go_syntax(b, kv->v, depth + 1);
        }
        return rc ? rc : buf_add_char(b, '}');
    default:
        return buf_add_str(b, "interface {}(nil)");
    }
}

/* go-yaml refuses a mapping or sequence as a map key. */
static int invalid_key(struct yp *y, const yaml_mark_t *m, struct val k)
{
    struct buf b;
    buf_init(&b, 180);
    int rc = buf_add_str(&b, "yaml: invalid map key: ");
    if (rc == RN_OK)
        rc = go_syntax(&b, k, 0);
    if (rc == RN_ENOMEM) {
        buf_free(&b);
        return fail_oom(y);
    }
    rc = fail_at(y, RN_ESYNTAX, m, "%s", buf_str(&b));
    buf_free(&b);
    return rc;
}

/* sigs.k8s.io/yaml's refusal of a null or uint64 key, with its wording
 * ("%s" of a nil reflect.Type prints as %!s(<nil>)). */
static int unsupported_key(struct yp *y, const yaml_mark_t *m, struct val k,
                           struct val v)
{
    struct buf b;
    buf_init(&b, 180);
    int rc = buf_add_fmt(&b, "unsupported map key of type: %s, key: ",
                         k.kind == VAL_NULL ? "%!s(<nil>)" : "uint64");
    if (rc == RN_OK)
        rc =
            k.kind == VAL_NULL ? buf_add_str(&b, "<nil>") : go_syntax(&b, k, 0);
    if (rc == RN_OK)
        rc = buf_add_str(&b, ", value: ");
    if (rc == RN_OK)
        rc =
            v.kind == VAL_NULL ? buf_add_str(&b, "<nil>") : go_syntax(&b, v, 0);
    if (rc == RN_ENOMEM) {
        buf_free(&b);
        return fail_oom(y);
    }
    defer_err(y, LATE_CONVERT, m, "%s", buf_str(&b));
    buf_free(&b);
    return 0;
}

/* sigs.k8s.io/yaml's map key conversion of a typed scalar key (v is the
 * value, for the message of an unsupported key). */
static int key_string(struct yp *y, const yaml_mark_t *m, struct val k,
                      struct val v, struct val *out)
{
    char tmp[32];
    struct buf b;
    *out = val_str("", 0);
    switch ((enum val_kind)k.kind) {
    case VAL_STRING:
        *out = k;
        return 0;
    case VAL_BOOL:
        *out = k.u.b ? val_str("true", 4) : val_str("false", 5);
        return 0;
    case VAL_INT:
        if (val_gotype(k) == GT_UINT64)
            return unsupported_key(y, m, k, v);
        snprintf(tmp, sizeof tmp, "%lld", (long long)k.u.i);
        break;
    case VAL_FLOAT:
        if (isnan(k.u.f) || isinf(k.u.f)) {
            snprintf(tmp, sizeof tmp, "%s",
                     isnan(k.u.f) ? ".nan"
                     : k.u.f > 0  ? ".inf"
                                  : "-.inf");
            break;
        }
        buf_init(&b, 64);
        if (gofmt_float(&b, k.u.f, 'g', -1, 32) != RN_OK) {
            buf_free(&b);
            return fail_oom(y);
        }
        snprintf(tmp, sizeof tmp, "%s", buf_str(&b));
        buf_free(&b);
        break;
    case VAL_NULL:
        return unsupported_key(y, m, k, v);
    default:
        return invalid_key(y, m, k);
    }
    char *d = arena_strdup(y->a, tmp);
    if (!d)
        return fail_oom(y);
    *out = val_str(d, strlen(d));
    return 0;
}

/* ---- anchors ---- */

static int anchor_set(struct yp *y, const yaml_char_t *name, struct val v)
{
    if (!name)
        return 0;
    if (y->nanchors == y->anchors_cap) {
        size_t ncap = y->anchors_cap ? y->anchors_cap * 2 : 16;
        struct anchor *n = rn_realloc(y->anchors, ncap * sizeof *n);
        if (!n)
            return fail_oom(y);
        y->anchors = n;
        y->anchors_cap = ncap;
    }
    char *d = arena_strdup(y->a, (const char *)name);
    if (!d)
        return fail_oom(y);
    y->anchors[y->nanchors].name = d;
    y->anchors[y->nanchors].v = v;
    y->nanchors++;
    return 0;
}

/* The latest definition of an anchor wins, as in YAML. */
static int anchor_get(struct yp *y, const yaml_event_t *ev, struct val *out)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = y->nanchors; i-- > 0;) {
        if (strcmp(y->anchors[i].name, name) == 0) {
            *out = y->anchors[i].v;
            if (y->budget == 0)
                return fail_at(y, RN_ELIMIT, &ev->start_mark, "%s",
                               "yaml: document contains excessive aliasing");
            y->budget--;
            return 0;
        }
    }
    return fail_at(y, RN_ESYNTAX, &ev->start_mark,
                   "yaml: unknown anchor '%s' referenced", name);
}

/* ---- nodes ---- */

static int next_event(struct yp *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->parser, ev))
        return fail_parser(y);
    return 0;
}

static int parse_node(struct yp *y, yaml_event_t *ev, struct val *out,
                      bool *merge);

/* Parse the next node of a collection; *end when the collection closes. */
static int parse_child(struct yp *y, yaml_event_type_t close, struct val *out,
                       bool *merge, yaml_mark_t *mark, bool *end)
{
    yaml_event_t ev;
    if (next_event(y, &ev))
        return y->rc;
    *end = ev.type == close;
    *mark = ev.start_mark;
    int rc = *end ? 0 : parse_node(y, &ev, out, merge);
    yaml_event_delete(&ev);
    return rc;
}

/* One level deeper; refused past the limit as soon as it is reached, so
 * deep input fails in time linear in what was read. */
static int enter(struct yp *y, const yaml_event_t *ev)
{
    char max[24];
    if (++y->depth <= y->max_depth)
        return 0;
    snprintf(max, sizeof max, "%u", y->max_depth);
    return fail_at(y, RN_ELIMIT, &ev->start_mark,
                   "yaml: nesting deeper than %s", max);
}

/* sequence -> SEQUENCE-START node* SEQUENCE-END */
static int parse_sequence(struct yp *y, const yaml_event_t *start,
                          struct val *out)
{
    size_t base = y->top;
    struct val v, j;
    yaml_mark_t m;
    bool merge, end;
    if (enter(y, start))
        return y->rc;
    for (;;) {
        if (parse_child(y, YAML_SEQUENCE_END_EVENT, &v, &merge, &m, &end))
            return y->rc;
        if (end)
            break;
        if (to_json(y, &m, v, &j) || push(y, j))
            return y->rc;
    }
    size_t n = y->top - base;
    struct val_list *l = arena_alloc(y->a, sizeof *l + n * sizeof *l->items);
    if (!l)
        return fail_oom(y);
    l->len = l->cap = (uint32_t)n;
    l->items = (struct val *)(l + 1);
    if (n)
        memcpy(l->items, y->stk + base, n * sizeof *l->items);
    y->top = base;
    y->depth--;
    *out = val_list(l, GT_LIST_ANY);
    return anchor_set(y, start->data.sequence_start.anchor, *out);
}

static int push_members(struct yp *y, const yaml_mark_t *m, struct val o)
{
    size_t n = val_obj_len(o);
    if (n > y->budget)
        return fail_at(y, RN_ELIMIT, m, "%s",
                       "yaml: document contains excessive aliasing");
    y->budget -= n;
    for (size_t i = 0; i < n; i++) {
        const struct val_kv *kv = val_obj_at(o, i);
        if (push(y, kv->key) || push(y, kv->v))
            return y->rc;
    }
    return 0;
}

/* "<<": a mapping, or a sequence of them where earlier ones win. */
static int merge_into(struct yp *y, const yaml_mark_t *m, struct val v)
{
    static const char want_map[] =
        "yaml: map merge requires map or sequence of maps as the value";
    if (v.kind == VAL_OBJECT)
        return push_members(y, m, v);
    if (v.kind != VAL_ARRAY)
        return fail_at(y, RN_ESYNTAX, m, "%s", want_map);
    for (size_t i = val_list_len(v); i-- > 0;) {
        struct val item = val_list_at(v, i);
        if (item.kind != VAL_OBJECT)
            return fail_at(y, RN_ESYNTAX, m, "%s", want_map);
        if (push_members(y, m, item))
            return y->rc;
    }
    return 0;
}

/* One key: value pair of a mapping (or a merge); *end at MAPPING-END. */
static int parse_pair(struct yp *y, bool *end)
{
    struct val k, ks, v, j;
    yaml_mark_t km, vm;
    bool merge, vmerge;
    if (parse_child(y, YAML_MAPPING_END_EVENT, &k, &merge, &km, end) || *end)
        return y->rc;
    if (k.kind == VAL_ARRAY || k.kind == VAL_OBJECT)
        return invalid_key(y, &km, k);
    if (parse_child(y, YAML_MAPPING_END_EVENT, &v, &vmerge, &vm, end))
        return y->rc;
    if (*end) /* libyaml always pairs keys with values */
        return fail_at(y, RN_ESYNTAX, &vm, "%s", "yaml: missing value");
    if (merge)
        return merge_into(y, &vm, v);
    if (key_string(y, &km, k, v, &ks) || to_json(y, &vm, v, &j) ||
        push(y, ks) || push(y, j))
        return y->rc;
    return 0;
}

/* mapping -> MAPPING-START (key value)* MAPPING-END */
static int parse_mapping(struct yp *y, const yaml_event_t *start,
                         struct val *out)
{
    size_t base = y->top;
    bool end = false;
    if (enter(y, start))
        return y->rc;
    while (!end)
        if (parse_pair(y, &end))
            return y->rc;
    size_t n = (y->top - base) / 2;
    struct val_obj *o = json_obj_build(
        y->a, n ? (struct val_kv *)(void *)(y->stk + base) : NULL, n);
    if (!o)
        return fail_oom(y);
    y->top = base;
    y->depth--;
    *out = val_obj(o, GT_MAP_ANY);
    return anchor_set(y, start->data.mapping_start.anchor, *out);
}

/* node -> scalar | alias | sequence | mapping; typed (not yet JSON) */
static int parse_node(struct yp *y, yaml_event_t *ev, struct val *out,
                      bool *merge)
{
    *merge = false;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        if (parse_scalar(y, ev, out, merge))
            return y->rc;
        return anchor_set(y, ev->data.scalar.anchor, *out);
    case YAML_ALIAS_EVENT:
        return anchor_get(y, ev, out);
    case YAML_SEQUENCE_START_EVENT:
        return parse_sequence(y, ev, out);
    case YAML_MAPPING_START_EVENT:
        return parse_mapping(y, ev, out);
    default:
        return fail_at(y, RN_ESYNTAX, &ev->start_mark, "%s",
                       "yaml: unexpected event");
    }
}

/* One event of the syntax pass: nesting depth and anchors as go-yaml's
 * parser tracks them (an anchor is known from its node's start). */
static int check_event(struct yp *y, const yaml_event_t *ev)
{
    struct val unused;
    switch (ev->type) {
    case YAML_SEQUENCE_START_EVENT:
        if (enter(y, ev))
            return y->rc;
        return anchor_set(y, ev->data.sequence_start.anchor, val_null());
    case YAML_MAPPING_START_EVENT:
        if (enter(y, ev))
            return y->rc;
        return anchor_set(y, ev->data.mapping_start.anchor, val_null());
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        y->depth--;
        return 0;
    case YAML_SCALAR_EVENT:
        return anchor_set(y, ev->data.scalar.anchor, val_null());
    case YAML_ALIAS_EVENT:
        return anchor_get(y, ev, &unused);
    default:
        return 0;
    }
}

/* Pass one over the first document: its parse-phase errors (syntax,
 * depth, unknown anchors) come before any decoding error. */
static int check_syntax(struct yp *y)
{
    yaml_event_t ev;
    for (;;) {
        if (next_event(y, &ev))
            return y->rc;
        yaml_event_type_t t = ev.type;
        int rc = check_event(y, &ev);
        yaml_event_delete(&ev);
        if (rc || t == YAML_STREAM_END_EVENT || t == YAML_DOCUMENT_END_EVENT)
            return rc;
    }
}

/* stream -> STREAM-START (DOCUMENT-START node ...)? ; first document only */
static int parse_stream(struct yp *y, struct val *out)
{
    yaml_event_t ev;
    struct val v = val_null();
    bool merge;
    int rc = 0;
    for (;;) {
        if (next_event(y, &ev))
            return y->rc;
        yaml_event_type_t t = ev.type;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t != YAML_DOCUMENT_START_EVENT)
            continue;
        if (next_event(y, &ev))
            return y->rc;
        yaml_mark_t m = ev.start_mark;
        rc = parse_node(y, &ev, &v, &merge);
        yaml_event_delete(&ev);
        if (rc == 0)
            rc = to_json(y, &m, v, &v);
        /* go-yaml also reads the document's end, so junk right after the
         * root node is an error even though later documents are not */
        if (rc == 0 && next_event(y, &ev) == 0)
            yaml_event_delete(&ev);
        rc = y->rc;
        break;
    }
    if (rc == 0)
        *out = v;
    return rc;
}

static int start_parser(struct yp *y, const char *s, size_t n)
{
    y->text = s;
    y->len = n;
    if (!yaml_parser_initialize(&y->parser)) {
        memset(&y->parser, 0, sizeof y->parser);
        return fail_oom(y);
    }
    yaml_parser_set_input_string(&y->parser, (const unsigned char *)s, n);
    return 0;
}

/*
 * Parse the first YAML document of s[0..n) into a.  Returns RN_OK, or
 * RN_ESYNTAX / RN_EINVAL / RN_ELIMIT / RN_ENOMEM with go-yaml's message and
 * the 1-based line/column in e (src from o).  *out is untouched on error.
 */
int goyaml_parse(struct arena *a, const char *s, size_t n,
                 const struct goyaml_opts *o, struct val *out, struct rn_err *e)
{
    struct yp y;
    memset(&y, 0, sizeof y);
    y.a = a;
    y.e = e;
    y.nums = o ? o->nums : JSON_NUM_FLOAT64;
    y.max_depth = o && o->max_depth ? o->max_depth : RN_YAML_MAX_DEPTH;
    y.src = o ? o->src : NULL;
    y.budget = MERGE_BUDGET;
    if (n > RN_YAML_MAX_SIZE)
        return rn_errf_at(e, RN_ELIMIT, y.src, 0, 0,
                          "yaml: document of %zu bytes exceeds the limit", n);
    int rc = start_parser(&y, s, n);
    if (rc == RN_OK)
        rc = check_syntax(&y);
    if (rc == RN_OK) {
        /* pass two over the same bytes: build the values */
        yaml_parser_delete(&y.parser);
        y.nanchors = 0;
        y.depth = 0;
        y.budget = MERGE_BUDGET;
        rc = start_parser(&y, s, n);
    }
    struct val v;
    if (rc == RN_OK)
        rc = parse_stream(&y, &v);
    if (rc == RN_OK && y.pend_level) {
        rc = y.pend.code;
        if (e)
            *e = y.pend;
    }
    if (rc == RN_OK)
        *out = v;
    yaml_parser_delete(&y.parser);
    rn_free(y.stk);
    rn_free(y.anchors);
    return rc;
}

/* Same, into a new frozen doc with one reference; NULL on error. */
struct doc *goyaml_parse_doc(const char *s, size_t n,
                             const struct goyaml_opts *o, struct rn_err *e)
{
    struct doc_builder b;
    struct val v = val_null();
    doc_builder_init(&b);
    int rc = goyaml_parse(&b.arena, s, n, o, &v, e);
    return json_doc_finish(&b, true, rc, v, e);
}
