/*
 * ops.c: Go's value semantics as expr's runtime applies them.
 *
 * Arithmetic on two integers of any Go integer type yields `int` (wrapping
 * on overflow), anything with a float yields float64, `/` is always
 * float64 and `%` takes integers only.  Equality compares numbers across
 * types, lists element by element, and falls back to reflect.DeepEqual
 * (so a map holding int 1 differs from one holding float64 1).  Named
 * integer types such as time.Month are not numbers here.  Indexing, map
 * lookups, slices and `in` follow expr's runtime helpers, including their
 * panics, reported as run-time errors with Go's wording.
 */
#include "expr_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/gotime.h"
#include "../core/limits.h"
#include "../core/utf8.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Go's %T of a value produced by a run. */
const char *expr_type_name(struct val v)
{
    unsigned gt = val_gotype(v);
    switch (v.kind) {
    case VAL_ARRAY:
        if (gt == GT_LIST_PAIRS)
            return "[][2]interface {}";
        if (gt == GT_ARRAY_FIXED)
            return "[2]interface {}";
        break;
    case VAL_OBJECT:
        if (gt == GT_MAP_IFACE_LIST)
            return "map[interface {}][]interface {}";
        if (gt == GT_STRUCT)
            return "*time.Location";
        break;
    case VAL_FUNC:
        return expr_func_type(v);
    default:
        break;
    }
    return val_type_name(v);
}

/* See expr.h. */
const char *expr_value_type(struct val v)
{
    return expr_type_name(v);
}

/* reflect's Kind name of v, as reflect panics print it ("zero" for nil). */
const char *expr_kind_name(struct val v)
{
    /* reflect's kind names (core's), but nil reads as the zero Value and
     * every struct value expr meets is a pointer */
    if (v.kind == VAL_NULL)
        return "zero";
    if (v.kind == VAL_OBJECT && val_gotype(v) == GT_STRUCT)
        return "ptr";
    return val_kind_name(v);
}

/* A plain Go number (any int, uint or float type; not Month, Weekday or
 * Duration, which expr's arithmetic does not accept). */
bool expr_is_num(struct val v)
{
    if (v.kind == VAL_FLOAT)
        return true;
    return v.kind == VAL_INT && val_gotype(v) <= GT_UINTPTR;
}

/* nil, or a typed nil slice or map (runtime.IsNil). */
bool expr_is_nil(struct val v)
{
    if (v.kind == VAL_NULL)
        return true;
    return (v.kind == VAL_ARRAY || v.kind == VAL_OBJECT) &&
           (v.flags & VAL_F_NILPTR);
}

static double num_f(struct val v)
{
    if (v.kind == VAL_FLOAT)
        return v.u.f;
    if (val_gotype(v) == GT_UINT64 || val_gotype(v) == GT_UINTPTR)
        return (double)(uint64_t)v.u.i;
    return (double)v.u.i;
}

/* expr's == over two lists: item by item with ==. */
static bool list_items_equal(struct ev *ev, struct val a, struct val b)
{
    size_t n = val_list_len(a);
    if (n != val_list_len(b))
        return false;
    if (n == 0 || a.u.list->items == b.u.list->items)
        return true; /* the same backing array (reflect's shortcut) */
    expr_charge(ev, n);
    for (size_t i = 0; i < n; i++)
        if (!expr_equal(ev, val_list_at(a, i), val_list_at(b, i)))
            return false;
    return true;
}

/* reflect.DeepEqual (core's), each item compared counted as a step. */
bool expr_deep_equal(struct ev *ev, struct val a, struct val b)
{
    int64_t left = (int64_t)RN_EXPR_MAX_STEPS - (int64_t)ev->steps + 1;
    int64_t start = left > 0 ? left : 0;
    bool eq = val_deep_equal_n(a, b, &left);
    expr_charge(ev, (uint64_t)(start - (left > 0 ? left : 0)));
    return eq;
}

static bool typed_list(struct val v)
{
    unsigned gt = val_gotype(v);
    return gt == GT_LIST_INT || gt == GT_LIST_STRING || gt == GT_LIST_FLOAT ||
           gt == GT_LIST_INT64 || gt == GT_LIST_BYTES;
}

static bool lists_equal(struct ev *ev, struct val a, struct val b, bool *done)
{
    *done = true;
    unsigned ga = val_gotype(a), gb = val_gotype(b);
    if (ga == GT_LIST_ANY && (gb == GT_LIST_ANY || typed_list(b)))
        return list_items_equal(ev, a, b);
    if (gb == GT_LIST_ANY && typed_list(a))
        return list_items_equal(ev, a, b);
    if (typed_list(a) && ga == gb)
        return list_items_equal(ev, a, b);
    *done = false;
    return false;
}

/* expr's `==`: numbers across types, lists item by item, times by
 * instant, then DeepEqual. */
bool expr_equal(struct ev *ev, struct val a, struct val b)
{
    if (expr_is_num(a) && expr_is_num(b)) {
        if (a.kind == VAL_INT && b.kind == VAL_INT)
            return a.u.i == b.u.i;
        return num_f(a) == num_f(b);
    }
    if (a.kind == VAL_ARRAY && b.kind == VAL_ARRAY) {
        bool done;
        bool r = lists_equal(ev, a, b, &done);
        if (done)
            return r;
    }
    if (a.kind == VAL_STRING && b.kind == VAL_STRING)
        return a.len == b.len && memcmp(a.u.s, b.u.s, a.len) == 0;
    if (a.kind == VAL_TIME && b.kind == VAL_TIME)
        return gotime_cmp(a.u.tm, b.u.tm) == 0;
    if (a.kind == VAL_DURATION && b.kind == VAL_DURATION)
        return a.u.i == b.u.i;
    if (a.kind == VAL_BOOL && b.kind == VAL_BOOL)
        return a.u.b == b.u.b;
    if (expr_is_nil(a) && expr_is_nil(b))
        return true;
    if (a.kind != b.kind) /* DeepEqual's first test, without the call */
        return false;
    return expr_deep_equal(ev, a, b);
}

static const char *cmp_name(int op)
{
    switch (op) {
    case OP_LT:
        return "<";
    case OP_GT:
        return ">";
    case OP_LE:
        return "<=";
    default:
        return ">=";
    }
}

static int sign3(double x, double y)
{
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; /* 2: unordered (NaN) */
}

/* expr's <, >, <=, >= (op) on numbers, strings, times and durations;
 * other pairs fail the run. */
int expr_compare(struct ev *ev, int op, struct val a, struct val b)
{
    int s;
    if (expr_is_num(a) && expr_is_num(b)) {
        if (a.kind == VAL_INT && b.kind == VAL_INT)
            s = a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
        else
            s = sign3(num_f(a), num_f(b));
    } else if (a.kind == VAL_STRING && b.kind == VAL_STRING) {
        s = val_keycmp(a.u.s, a.len, b.u.s, b.len);
        s = s < 0 ? -1 : s > 0;
    } else if (a.kind == VAL_TIME && b.kind == VAL_TIME) {
        s = gotime_cmp(a.u.tm, b.u.tm);
    } else if (a.kind == VAL_DURATION && b.kind == VAL_DURATION) {
        s = a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
    } else {
        expr_fail(ev, "invalid operation: %s %s %s", expr_type_name(a),
                  cmp_name(op), expr_type_name(b));
    }
    if (s == 2)
        return 0;
    switch (op) {
    case OP_LT:
        return s < 0;
    case OP_GT:
        return s > 0;
    case OP_LE:
        return s <= 0;
    default:
        return s >= 0;
    }
}

static const char *arith_name(int op)
{
    static const char *const n[] = {
        [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*",
        [OP_DIV] = "/", [OP_MOD] = "%", [OP_POW] = "**"};
    return n[op];
}

static struct val time_val(struct ev *ev, const struct val_time *t)
{
    if (!t)
        expr_fail(ev, "out of memory");
    return val_time(t);
}

static bool arith_time(struct ev *ev, int op, struct val a, struct val b,
                       struct val *out)
{
    if (op == OP_ADD && a.kind == VAL_TIME && b.kind == VAL_DURATION)
        *out = time_val(ev, gotime_add(ev->a, a.u.tm, b.u.i));
    else if (op == OP_ADD && a.kind == VAL_DURATION && b.kind == VAL_TIME)
        *out = time_val(ev, gotime_add(ev->a, b.u.tm, a.u.i));
    else if (op == OP_ADD && a.kind == VAL_DURATION && b.kind == VAL_DURATION)
        *out = val_duration((int64_t)((uint64_t)a.u.i + (uint64_t)b.u.i));
    else if (op == OP_SUB && a.kind == VAL_TIME && b.kind == VAL_TIME)
        *out = val_duration(gotime_sub(a.u.tm, b.u.tm));
    else if (op == OP_SUB && a.kind == VAL_TIME && b.kind == VAL_DURATION)
        *out = time_val(
            ev, gotime_add(ev->a, a.u.tm, (int64_t)(0u - (uint64_t)b.u.i)));
    else if (op == OP_SUB && a.kind == VAL_DURATION && b.kind == VAL_DURATION)
        *out = val_duration((int64_t)((uint64_t)a.u.i - (uint64_t)b.u.i));
    else
        return false;
    return true;
}

/* `*` also accepts time.Duration on either side. */
static bool arith_mul_dur(struct val a, struct val b, struct val *out)
{
    bool da = a.kind == VAL_DURATION, db = b.kind == VAL_DURATION;
    if (!(da || db) || !(da || expr_is_num(a)) || !(db || expr_is_num(b)))
        return false;
    if (a.kind == VAL_FLOAT || b.kind == VAL_FLOAT) {
        double x = da ? (double)a.u.i : num_f(a);
        double y = db ? (double)b.u.i : num_f(b);
        *out = val_float(x * y);
    } else {
        *out = val_duration((int64_t)((uint64_t)a.u.i * (uint64_t)b.u.i));
    }
    return true;
}

static struct val arith_int(struct ev *ev, int op, int64_t x, int64_t y)
{
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    switch (op) {
    case OP_ADD:
        return val_int((int64_t)(ux + uy));
    case OP_SUB:
        return val_int((int64_t)(ux - uy));
    case OP_MUL:
        return val_int((int64_t)(ux * uy));
    default: /* OP_MOD */
        if (y == 0)
            expr_fail(ev, "runtime error: integer divide by zero");
        return val_int(y == -1 ? 0 : x % y);
    }
}

/* expr's + - * / % ** (op) with Go's result types; mismatches fail the
 * run with "invalid operation: T1 op T2". */
struct val expr_arith(struct ev *ev, int op, struct val a, struct val b)
{
    struct val out;
    if (a.kind == VAL_STRING && b.kind == VAL_STRING && op == OP_ADD) {
        size_t n = (size_t)a.len + b.len;
        char *s = expr_alloc(ev, n + 1);
        memcpy(s, a.u.s, a.len);
        memcpy(s + a.len, b.u.s, b.len);
        s[n] = 0;
        return val_str(s, n);
    }
    if (arith_time(ev, op, a, b, &out))
        return out;
    if (op == OP_MUL && arith_mul_dur(a, b, &out))
        return out;
    if (op == OP_POW)
        return val_float(pow(expr_to_float(ev, a), expr_to_float(ev, b)));
    if (!expr_is_num(a) || !expr_is_num(b) ||
        (op == OP_MOD && (a.kind == VAL_FLOAT || b.kind == VAL_FLOAT)))
        expr_fail(ev, "invalid operation: %s %s %s", expr_type_name(a),
                  arith_name(op), expr_type_name(b));
    if (op == OP_DIV)
        return val_float(num_f(a) / num_f(b));
    if (a.kind == VAL_INT && b.kind == VAL_INT)
        return arith_int(ev, op, a.u.i, b.u.i);
    double x = num_f(a), y = num_f(b);
    switch (op) {
    case OP_ADD:
        return val_float(x + y);
    case OP_SUB:
        return val_float(x - y);
    default:
        return val_float(x * y);
    }
}

/* Unary minus, keeping the operand's type (wrapping like Go). */
struct val expr_negate(struct ev *ev, struct val v)
{
    if (!expr_is_num(v))
        expr_fail(ev, "invalid operation: - %s", expr_type_name(v));
    if (v.kind == VAL_FLOAT) {
        v.u.f = -v.u.f;
        return v;
    }
    uint64_t u = 0u - (uint64_t)v.u.i;
    switch (val_gotype(v)) {
    case GT_INT8:
        v.u.i = (int8_t)u;
        break;
    case GT_INT16:
        v.u.i = (int16_t)u;
        break;
    case GT_INT32:
        v.u.i = (int32_t)u;
        break;
    case GT_UINT8:
        v.u.i = (uint8_t)u;
        break;
    case GT_UINT16:
        v.u.i = (uint16_t)u;
        break;
    case GT_UINT32:
        v.u.i = (uint32_t)u;
        break;
    default:
        v.u.i = (int64_t)u;
    }
    return v;
}

static int64_t float_to_int(double f)
{
    if (isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)f;
}

/* runtime.ToInt: numbers only, floats truncated. */
int64_t expr_to_int(struct ev *ev, struct val v)
{
    if (!expr_is_num(v))
        expr_fail(ev, "invalid operation: int(%s)", expr_type_name(v));
    return v.kind == VAL_FLOAT ? float_to_int(v.u.f) : v.u.i;
}

/* runtime.ToFloat64: numbers only. */
double expr_to_float(struct ev *ev, struct val v)
{
    if (!expr_is_num(v))
        expr_fail(ev, "invalid operation: float(%s)", expr_type_name(v));
    return num_f(v);
}

/* A NUL-terminated copy of s[0..n) in the run's arena. */
struct val expr_str(struct ev *ev, const char *s, size_t n)
{
    char *p = expr_alloc(ev, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return val_str(p, n);
}

/* See expr_int.h. */
struct val expr_buf_val(struct ev *ev, struct buf *b, int rc)
{
    if (rc != RN_OK) {
        buf_free(b);
        expr_fail(ev,
                  rc == RN_ENOMEM ? "out of memory" : "cannot format value");
    }
    struct val s = expr_str(ev, b->len ? buf_str(b) : "", b->len);
    buf_free(b);
    return s;
}

/* See expr_int.h. */
struct val expr_want_str(struct ev *ev, struct val v)
{
    if (v.kind != VAL_STRING)
        expr_fail(ev, "interface conversion: interface {} is %s, not string",
                  v.kind == VAL_NULL ? "nil" : expr_type_name(v));
    return v;
}

/* fmt.Sprint(v) as a string in the run's arena. */
struct val expr_sprint(struct ev *ev, struct val v)
{
    struct buf b;
    buf_init(&b, 16u << 20);
    return expr_buf_val(ev, &b, gofmt_value(&b, v));
}

/* The text a key has in a map[interface {}]... (its %v). */
const char *expr_key_text(struct ev *ev, struct val k, size_t *n)
{
    if (k.kind == VAL_STRING) {
        *n = k.len;
        return k.u.s;
    }
    struct val s = expr_sprint(ev, k);
    *n = s.len;
    return s.u.s;
}

/* The zero value of m's element type (what a missing key reads). */
struct val expr_map_zero(struct val m)
{
    switch (val_gotype(m)) {
    case GT_MAP_STRING:
        return val_str("", 0);
    case GT_MAP_INT:
        return val_int(0);
    case GT_MAP_IFACE_LIST:
    case GT_MAP_BYTES: {
        struct val v = val_list(NULL, val_gotype(m) == GT_MAP_BYTES
                                          ? GT_LIST_BYTES
                                          : GT_LIST_ANY);
        v.flags |= VAL_F_NILPTR;
        return v;
    }
    default:
        return val_null();
    }
}

/* reflect's MapIndex: a nil key looks up the zero key, a key of another
 * type than string fails for string-keyed maps. */
static const struct val *map_index(struct ev *ev, struct val m, struct val key)
{
    unsigned gt = val_gotype(m);
    if (gt == GT_MAP_IFACE || gt == GT_MAP_IFACE_LIST) {
        struct val t = expr_iface_key(ev, key);
        for (size_t i = 0; i < val_obj_len(m); i++) {
            const struct val_kv *kv = val_obj_at(m, i);
            if (kv->key.len == t.len && memcmp(kv->key.u.s, t.u.s, t.len) == 0)
                return &kv->v;
        }
        return NULL;
    }
    if (key.kind == VAL_NULL)
        return val_get(m, "", 0);
    if (key.kind != VAL_STRING || val_gotype(key) != GT_STRING)
        expr_fail(ev,
                  "reflect.Value.MapIndex: value of type %s is not "
                  "assignable to type string",
                  expr_type_name(key));
    return val_get(m, key.u.s, key.len);
}

static int64_t index_of(struct ev *ev, struct val key, int64_t len)
{
    int64_t i = expr_to_int(ev, key);
    if (i < 0)
        i += len;
    if (i < 0 || i >= len)
        expr_fail(ev, "index out of range: %lld (array length is %lld)",
                  (long long)i, (long long)len);
    return i;
}

/* runtime.Fetch: a method value, a list/string element (negative
 * indexes count from the end), a map entry (missing: the zero value), or a
 * run-time error. */
struct val expr_fetch(struct ev *ev, struct val from, struct val key)
{
    if (key.kind == VAL_STRING) {
        int ty = expr_val_ety(from);
        int mid = expr_method_find(ty, key.u.s, key.len);
        if (mid >= 0)
            return expr_bound_method(ev, from, mid);
    }
    switch (from.kind) {
    case VAL_ARRAY: {
        int64_t i = index_of(ev, key, (int64_t)val_list_len(from));
        return val_list_at(from, (size_t)i);
    }
    case VAL_STRING: {
        int64_t i = index_of(ev, key, from.len);
        return val_int_t((unsigned char)from.u.s[i], GT_UINT8);
    }
    case VAL_OBJECT:
        if (val_gotype(from) != GT_STRUCT) {
            const struct val *v = map_index(ev, from, key);
            return v ? *v : expr_map_zero(from);
        }
        break;
    default:
        break;
    }
    struct val k = expr_sprint(ev, key);
    expr_fail(ev, "cannot fetch %s from %s", k.u.s, expr_type_name(from));
}

/* The entry of a string-keyed map for key by binary search (NULL when
 * absent); *hint remembers where it was or, for an absent key, where it
 * would be (eval.c checks that place first next time). */
static const struct val *map_get_hinted(struct val m, struct val key,
                                        _Atomic uint32_t *hint)
{
    const struct val_obj *o = m.u.obj;
    if (!o)
        return NULL;
    uint32_t lo = 0, hi = o->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (expr_key_order(&o->kv[mid].key, key.u.s, key.len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool found =
        lo < o->len && expr_key_order(&o->kv[lo].key, key.u.s, key.len) == 0;
    atomic_store_explicit(hint, found ? lo : lo | EXPR_HINT_ABSENT,
                          memory_order_relaxed);
    return found ? &o->kv[lo].v : NULL;
}

/* expr_fetch with a string key written in the source (a.b, a?.b, an
 * identifier): a string-keyed map (what JSON and YAML documents hold)
 * needs neither the method lookup nor MapIndex's checks. */
struct val expr_fetch_str(struct ev *ev, struct val from, struct val key,
                          _Atomic uint32_t *hint)
{
    if (expr_plain_map(from)) {
        const struct val *v = map_get_hinted(from, key, hint);
        return v ? *v : expr_map_zero(from);
    }
    return expr_fetch(ev, from, key);
}

/* runtime.Slice: bounds clamped to the value's length; strings by byte. */
struct val expr_slice(struct ev *ev, struct val v, struct val from,
                      struct val to)
{
    int64_t len;
    if (v.kind == VAL_ARRAY)
        len = (int64_t)val_list_len(v);
    else if (v.kind == VAL_STRING)
        len = v.len;
    else
        expr_fail(ev, "cannot slice %s", expr_sprint(ev, from).u.s);
    int64_t a = expr_to_int(ev, from), b = expr_to_int(ev, to);
    if (a < 0)
        a += len;
    if (a < 0)
        a = 0;
    if (b < 0)
        b += len;
    if (b < 0)
        b = 0;
    if (b > len)
        b = len;
    if (a > b)
        a = b;
    if (v.kind == VAL_STRING)
        return expr_str(ev, v.u.s + a, (size_t)(b - a));
    struct val_list *l = expr_alloc(ev, sizeof *l);
    l->len = l->cap = (uint32_t)(b - a);
    l->items = b > a ? v.u.list->items + a : NULL;
    struct val r = val_list(l, val_gotype(v));
    r.pad = v.pad;
    return r;
}

/* runtime.In: list membership by expr_equal, map keys by MapIndex. */
bool expr_in(struct ev *ev, struct val needle, struct val hay)
{
    switch (hay.kind) {
    case VAL_NULL:
        return false;
    case VAL_ARRAY:
        expr_charge(ev, val_list_len(hay));
        for (size_t i = 0; i < val_list_len(hay); i++)
            if (expr_equal(ev, val_list_at(hay, i), needle))
                return true;
        return false;
    case VAL_OBJECT:
        if (val_gotype(hay) == GT_STRUCT)
            expr_fail(ev, "cannot use %s as field name of %s",
                      expr_type_name(needle), expr_type_name(hay));
        return map_index(ev, hay, needle) != NULL;
    default:
        expr_fail(ev, "operator \"in\" not defined on %s", expr_type_name(hay));
    }
}

/* runtime.Len of a list, map or string; other kinds fail the run. */
int64_t expr_len(struct ev *ev, struct val v)
{
    switch (v.kind) {
    case VAL_ARRAY:
        return (int64_t)val_list_len(v);
    case VAL_OBJECT:
        if (val_gotype(v) != GT_STRUCT)
            return (int64_t)val_obj_len(v);
        break;
    case VAL_STRING:
        return v.len;
    default:
        break;
    }
    expr_fail(ev, "invalid argument for len (type %s)", expr_type_name(v));
}

/* A list header with room for n items in the run's arena. */
/* Nesting depth of a list or map an expr run built (kept in the spare
 * `pad` field; values from documents have 0 and are bounded by the JSON
 * and YAML depth limits). */
static unsigned depth_of(struct val v)
{
    if (v.kind != VAL_ARRAY && v.kind != VAL_OBJECT)
        return 0;
    return v.pad <= RN_EXPR_MAX_NESTING ? v.pad : 0; /* never ours */
}

/* v with its nesting depth recorded; a run that nests lists or maps
 * deeper than RN_EXPR_MAX_NESTING (reduce(xs, [#acc])) fails, so printing
 * and comparing never recurse without bound. */
struct val expr_sealed(struct ev *ev, struct val v)
{
    unsigned d = 0;
    if (v.kind == VAL_ARRAY) {
        for (size_t i = 0; i < val_list_len(v); i++)
            if (depth_of(val_list_at(v, i)) > d)
                d = depth_of(val_list_at(v, i));
    } else if (v.kind == VAL_OBJECT) {
        for (size_t i = 0; i < val_obj_len(v); i++)
            if (depth_of(val_obj_at(v, i)->v) > d)
                d = depth_of(val_obj_at(v, i)->v);
    } else {
        return v;
    }
    if (d + 1 > RN_EXPR_MAX_NESTING)
        expr_fail(ev, "value nested too deeply");
    v.pad = (uint16_t)(d + 1);
    return v;
}

struct val_list *expr_list_new(struct ev *ev, size_t n)
{
    struct val_list *l = expr_alloc(ev, sizeof *l);
    l->len = l->cap = (uint32_t)n;
    l->items = n ? expr_alloc(ev, n * sizeof *l->items) : NULL;
    return l;
}

/* Element i of a collection a predicate iterates (reflect's Index). */
struct val expr_item(struct ev *ev, struct val coll, int64_t i)
{
    if (coll.kind == VAL_ARRAY)
        return val_list_at(coll, (size_t)i);
    if (coll.kind == VAL_STRING)
        return val_int_t((unsigned char)coll.u.s[i], GT_UINT8);
    expr_fail(ev, "reflect: call of reflect.Value.Index on %s Value",
              expr_kind_name(coll));
}

/* Stable bottom-up merge sort of n elements of size bytes; cmp may fail
 * the run (it is expr's `<`), the scratch space comes from the arena. */
void expr_msort(struct ev *ev, void *base, size_t n, size_t size,
                expr_cmp_fn *cmp, void *ctx)
{
    if (n < 2)
        return;
    expr_charge(ev, n);
    char *a = base, *b = expr_alloc(ev, n * size);
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (cmp(a + j * size, a + i * size, ctx) < 0)
                    memcpy(b + k++ * size, a + j++ * size, size);
                else
                    memcpy(b + k++ * size, a + i++ * size, size);
            }
            memcpy(b + k * size, a + i * size, (mid - i) * size);
            k += mid - i;
            memcpy(b + k * size, a + j * size, (hi - j) * size);
        }
        char *t = a;
        a = b;
        b = t;
    }
    if (a != base)
        memcpy(base, a, n * size);
}

/* Text a key of a map[interface {}]... is stored under; fails for the
 * unhashable kinds as Go's runtime does. */
struct val expr_iface_key(struct ev *ev, struct val key)
{
    if (key.kind == VAL_ARRAY || key.kind == VAL_OBJECT)
        expr_fail(ev, "runtime error: hash of unhashable type %s",
                  expr_type_name(key));
    if (key.kind == VAL_NULL)
        return val_str("<nil>", 5);
    size_t n;
    const char *s = expr_key_text(ev, key, &n);
    return val_str(s, n);
}

static int key_rank(struct val k)
{
    switch (k.kind) {
    case VAL_NULL:
        return 0;
    case VAL_BOOL:
        return 1;
    case VAL_INT:
        return 2;
    case VAL_FLOAT:
        return 3;
    case VAL_STRING:
        return 4;
    default:
        return 5;
    }
}

/* fmt's order of interface keys: nil first, then by kind, then value. */
static int iface_cmp(struct val a, struct val at, struct val b, struct val bt)
{
    int ra = key_rank(a), rb = key_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    switch (a.kind) {
    case VAL_BOOL:
        return (int)a.u.b - (int)b.u.b;
    case VAL_INT:
        return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
    case VAL_FLOAT:
        return a.u.f < b.u.f ? -1 : a.u.f > b.u.f;
    default:
        return val_keycmp(at.u.s, at.len, bt.u.s, bt.len);
    }
}

struct iface_entry {
    struct val key; /* the original key */
    struct val_kv kv;
};

static int iface_entry_cmp(const void *x, const void *y, void *ctx)
{
    const struct iface_entry *a = x, *b = y;
    (void)ctx;
    int c = iface_cmp(a->key, a->kv.key, b->key, b->kv.key);
    if (c == 0)
        c = val_keycmp(a->kv.key.u.s, a->kv.key.len, b->kv.key.u.s,
                       b->kv.key.len);
    return c;
}

/* A map[interface {}]... from original keys and entries whose keys are
 * their text (expr_iface_key); of equal keys the last wins.  Entries are
 * kept in the order fmt prints them, so lookups scan (map_index). */
struct val expr_map_iface(struct ev *ev, struct val *keys, struct val_kv *kv,
                          size_t n, unsigned gotype)
{
    struct iface_entry *e = expr_alloc(ev, (n ? n : 1) * sizeof *e);
    for (size_t i = 0; i < n; i++) {
        e[i].key = keys[i];
        e[i].kv = kv[i];
    }
    expr_msort(ev, e, n, sizeof *e, iface_entry_cmp, NULL);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && iface_entry_cmp(&e[i], &e[out - 1], NULL) == 0)
            out--;
        e[out++] = e[i];
    }
    for (size_t i = 0; i < out; i++)
        kv[i] = e[i].kv;
    struct val_obj *o = expr_alloc(ev, sizeof *o);
    o->len = o->cap = (uint32_t)out;
    o->kv = kv;
    return expr_sealed(ev, val_obj(o, gotype));
}

static int kv_cmp(const void *x, const void *y, void *ctx)
{
    const struct val_kv *a = x, *b = y;
    (void)ctx;
    return val_keycmp(a->key.u.s, a->key.len, b->key.u.s, b->key.len);
}

/* A map from key/value pairs (keys strings; a later duplicate wins). */
struct val expr_map_from(struct ev *ev, struct val_kv *kv, size_t n,
                         unsigned gotype)
{
    expr_msort(ev, kv, n, sizeof *kv, kv_cmp, NULL); /* stable */
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out > 0 && kv_cmp(&kv[out - 1], &kv[i], NULL) == 0)
            kv[out - 1] = kv[i];
        else
            kv[out++] = kv[i];
    }
    struct val_obj *o = expr_alloc(ev, sizeof *o);
    o->len = o->cap = (uint32_t)out;
    o->kv = kv;
    return expr_sealed(ev, val_obj(o, gotype));
}
