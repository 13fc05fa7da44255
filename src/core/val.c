/*
 * val.c: the operations of the value model (val.h) that are more than an
 * accessor: key lookup in sorted objects, Go's reflect.DeepEqual, the %T
 * and reflect.Kind names Go would print, and text/template's notion of
 * truth.  Everything here is pure and allocation-free.
 */
#include "val.h"

#include "arena.h"
#include "err.h"

#include <string.h>

int val_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    /* most keys differ in their first byte: settle those without a call */
    if (n && a[0] != b[0])
        return (unsigned char)a[0] - (unsigned char)b[0];
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/*
 * Binary search over the sorted keys of obj.  Returns a pointer into the
 * object (valid as long as the object is), or NULL when obj is not an
 * object or has no such key.
 */
const struct val *val_get(struct val obj, const char *key, size_t klen)
{
    if (obj.kind != VAL_OBJECT || !obj.u.obj)
        return NULL;
    const struct val_kv *kv = obj.u.obj->kv;
    size_t lo = 0, hi = obj.u.obj->len;
    int k0 = klen ? (unsigned char)key[0] : -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct val *mk = &kv[mid].key;
        /* Keys mostly differ in their first byte: settle those here. */
        int m0 = mk->len ? (unsigned char)mk->u.s[0] : -1;
        int c = m0 != k0 ? m0 - k0 : val_keycmp(mk->u.s, mk->len, key, klen);
        if (c == 0)
            return &kv[mid].v;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* val_get with a NUL-terminated key. */
const struct val *val_get_cstr(struct val obj, const char *key)
{
    return val_get(obj, key, strlen(key));
}

static bool is_nil_container(struct val v)
{
    if (v.kind == VAL_ARRAY)
        return (v.flags & VAL_F_NILPTR) != 0;
    if (v.kind == VAL_OBJECT)
        return (v.flags & VAL_F_NILPTR) != 0;
    return false;
}

static bool deep(struct val a, struct val b, int64_t *budget);

/* Count n comparisons against the budget; false once it has run out. */
static bool spend(int64_t *budget, size_t n)
{
    if (!budget)
        return true;
    *budget -= (int64_t)n;
    return *budget >= 0;
}

static bool list_equal(struct val a, struct val b, int64_t *budget)
{
    size_t n = val_list_len(a);
    if (n != val_list_len(b))
        return false;
    if (n && a.u.list == b.u.list)
        return true; /* the same backing array (reflect's shortcut) */
    if (!spend(budget, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!deep(a.u.list->items[i], b.u.list->items[i], budget))
            return false;
    return true;
}

static bool obj_equal(struct val a, struct val b, int64_t *budget)
{
    size_t n = val_obj_len(a);
    if (n != val_obj_len(b))
        return false;
    if (n && a.u.obj == b.u.obj)
        return true;
    if (!spend(budget, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        const struct val_kv *x = &a.u.obj->kv[i], *y = &b.u.obj->kv[i];
        if (x->key.len != y->key.len ||
            memcmp(x->key.u.s, y->key.u.s, x->key.len) != 0)
            return false;
        if (!deep(x->v, y->v, budget))
            return false;
    }
    return true;
}

static bool time_equal(const struct val_time *a, const struct val_time *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    if (a->unix != b->unix || a->nsec != b->nsec || a->off != b->off)
        return false;
    const char *la = a->loc ? a->loc : "", *lb = b->loc ? b->loc : "";
    return strcmp(la, lb) == 0;
}

static bool deep(struct val a, struct val b, int64_t *budget)
{
    if (a.kind != b.kind || val_gotype(a) != val_gotype(b))
        return false;
    switch ((enum val_kind)a.kind) {
    case VAL_NULL:
        return true;
    case VAL_BOOL:
        return a.u.b == b.u.b;
    case VAL_INT:
    case VAL_DURATION:
        return a.u.i == b.u.i;
    case VAL_FLOAT:
        return a.u.f == b.u.f;
    case VAL_STRING:
        return a.len == b.len &&
               (a.len == 0 || memcmp(a.u.s, b.u.s, a.len) == 0);
    case VAL_ARRAY:
        if (is_nil_container(a) != is_nil_container(b))
            return false;
        return list_equal(a, b, budget);
    case VAL_OBJECT:
        if (is_nil_container(a) != is_nil_container(b))
            return false;
        return obj_equal(a, b, budget);
    case VAL_TIME:
        return time_equal(a.u.tm, b.u.tm);
    case VAL_FUNC:
        return a.u.fn == NULL && b.u.fn == NULL;
    }
    return false;
}

/*
 * Go's reflect.DeepEqual: the dynamic types must match (kind and the Go
 * type in flags), a nil slice or map differs from an empty one, NaN is
 * never equal to itself, and functions are equal only when both are nil.
 * Times compare field by field, as DeepEqual does on time.Time's fields.
 * Templates (sprig's has, ...) and expr (==, in) both call it.
 */
bool val_deep_equal(struct val a, struct val b)
{
    return deep(a, b, NULL);
}

/* See val.h. */
bool val_deep_equal_n(struct val a, struct val b, int64_t *budget)
{
    return deep(a, b, budget);
}

static const char *const int_type_names[] = {
    [GT_INT] = "int",
    [GT_INT8] = "int8",
    [GT_INT16] = "int16",
    [GT_INT32] = "int32",
    [GT_INT64] = "int64",
    [GT_UINT] = "uint",
    [GT_UINT8] = "uint8",
    [GT_UINT16] = "uint16",
    [GT_UINT32] = "uint32",
    [GT_UINT64] = "uint64",
    [GT_UINTPTR] = "uintptr",
    [GT_MONTH] = "time.Month",
    [GT_WEEKDAY] = "time.Weekday",
};

static const char *const list_type_names[] = {
    [GT_LIST_ANY] = "[]interface {}",
    [GT_LIST_INT] = "[]int",
    [GT_LIST_INT64] = "[]int64",
    [GT_LIST_FLOAT] = "[]float64",
    [GT_LIST_STRING] = "[]string",
    [GT_LIST_BYTES] = "[]uint8",
    [GT_LIST_BOOL] = "[]bool",
    [GT_LIST_MAP] = "[]map[string]interface {}",
    [GT_ARRAY_FIXED] = "[]interface {}",
    [GT_ARRAY_FIXED + 1] = "[][2]interface {}", /* expr's toPairs */
};

static const char *const map_type_names[] = {
    [GT_MAP_ANY] = "map[string]interface {}",
    [GT_MAP_IFACE] = "map[interface {}]interface {}",
    [GT_MAP_STRING] = "map[string]string",
    [GT_MAP_INT] = "map[string]int",
    [GT_STRUCT] = "struct {}",
    [GT_STRUCT + 1] = "map[interface {}][]interface {}", /* expr's groupBy */
    [GT_MAP_BYTES] = "map[string][]uint8",
};

#define NAME_AT(tab, i, dflt)                                                  \
    ((i) < sizeof(tab) / sizeof(tab)[0] && (tab)[i] ? (tab)[i] : (dflt))

/* The "" key of a GT_STRUCT object names its Go type. */
static const char *struct_type_name(struct val v)
{
    const struct val *t = val_get(v, "", 0);
    if (t && t->kind == VAL_STRING && t->u.s)
        return t->u.s;
    return "struct {}";
}

/*
 * Go's %T of v.  The result is a static string, or for GT_STRUCT the
 * object's own type-name string (valid while v is).
 */
const char *val_type_name(struct val v)
{
    unsigned gt = val_gotype(v);
    switch ((enum val_kind)v.kind) {
    case VAL_NULL:
        return "<nil>";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
        return NAME_AT(int_type_names, gt, "int");
    case VAL_FLOAT:
        return gt == GT_FLOAT32 ? "float32" : "float64";
    case VAL_STRING:
        if (gt == GT_HTML)
            return "template.HTML";
        if (gt == GT_ERRSTR)
            return "*errors.errorString";
        return "string";
    case VAL_ARRAY:
        return NAME_AT(list_type_names, gt, "[]interface {}");
    case VAL_OBJECT:
        if (gt == GT_STRUCT)
            return struct_type_name(v);
        return NAME_AT(map_type_names, gt, "map[string]interface {}");
    case VAL_TIME:
        return "time.Time";
    case VAL_DURATION:
        return "time.Duration";
    case VAL_FUNC:
        return "func(...interface {}) (interface {}, error)";
    }
    return "<nil>";
}

static const char *const int_kind_names[] = {
    [GT_INT] = "int",       [GT_INT8] = "int8",       [GT_INT16] = "int16",
    [GT_INT32] = "int32",   [GT_INT64] = "int64",     [GT_UINT] = "uint",
    [GT_UINT8] = "uint8",   [GT_UINT16] = "uint16",   [GT_UINT32] = "uint32",
    [GT_UINT64] = "uint64", [GT_UINTPTR] = "uintptr", [GT_MONTH] = "int",
    [GT_WEEKDAY] = "int",
};

/* Go's reflect.Kind name of v's dynamic type ("invalid" for nil). */
const char *val_kind_name(struct val v)
{
    unsigned gt = val_gotype(v);
    switch ((enum val_kind)v.kind) {
    case VAL_NULL:
        return "invalid";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
        return NAME_AT(int_kind_names, gt, "int");
    case VAL_FLOAT:
        return gt == GT_FLOAT32 ? "float32" : "float64";
    case VAL_STRING:
        return gt == GT_ERRSTR ? "ptr" : "string";
    case VAL_ARRAY:
        return gt == GT_ARRAY_FIXED ? "array" : "slice";
    case VAL_OBJECT:
        if (gt == GT_STRUCT)
            return struct_type_name(v)[0] == '*' ? "ptr" : "struct";
        return "map";
    case VAL_TIME:
        return "struct";
    case VAL_DURATION:
        return "int64";
    case VAL_FUNC:
        return "func";
    }
    return "invalid";
}

/* A complex number value's "real" or "imag" part (0 when absent). */
static double complex_part(struct val v, const char *k)
{
    const struct val *x = val_get(v, k, 4);
    return x && x->kind == VAL_FLOAT ? x->u.f : 0;
}

/*
 * Go's truth as text/template's isTrue (if, with, and, or, not) and, as
 * its negation, sprig's empty: the zero value of a type is false, as is
 * an empty string, slice or map, a nil pointer or function.  Structs
 * (time.Time included) are always true; a complex number is true unless
 * 0; an error value is a non-nil pointer.
 */
bool val_truth(struct val v)
{
    switch ((enum val_kind)v.kind) {
    case VAL_NULL:
        return false;
    case VAL_BOOL:
        return v.u.b;
    case VAL_INT:
    case VAL_DURATION:
        return v.u.i != 0;
    case VAL_FLOAT:
        return v.u.f != 0;
    case VAL_STRING:
        return v.len != 0 || val_gotype(v) == GT_ERRSTR;
    case VAL_ARRAY:
        return val_list_len(v) != 0;
    case VAL_OBJECT:
        if (val_gotype(v) != GT_STRUCT)
            return val_obj_len(v) != 0;
        if (v.flags & VAL_F_NILPTR)
            return false;
        if (strcmp(val_type_name(v), "complex128") == 0)
            return complex_part(v, "real") != 0 || complex_part(v, "imag") != 0;
        return true;
    case VAL_TIME:
        return true;
    case VAL_FUNC:
        return v.u.fn != NULL;
    }
    return false;
}

/* ---- building objects in an arena ---- */

/* See val.h. */
struct val val_obj_new(struct arena *a, size_t cap)
{
    struct val_obj *o = arena_zalloc(a, sizeof *o);
    if (!o)
        return val_null();
    if (cap) {
        o->kv = arena_alloc(a, cap * sizeof *o->kv);
        if (!o->kv)
            return val_null();
        o->cap = (uint32_t)cap;
    }
    return val_obj(o, GT_MAP_ANY);
}

/* Index of key, or where it would go (with *found false). */
static size_t obj_search(const struct val_obj *o, const char *key, size_t klen,
                         bool *found)
{
    size_t lo = 0, hi = o->len;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = val_keycmp(o->kv[mid].key.u.s, o->kv[mid].key.len, key, klen);
        if (d == 0) {
            *found = true;
            return mid;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* See val.h: binary search, then memmove. */
int val_obj_put(struct arena *a, struct val obj, const char *key, size_t klen,
                struct val v)
{
    struct val_obj *o = obj.u.obj;
    bool found;
    size_t at = obj_search(o, key, klen, &found);
    if (found) {
        o->kv[at].v = v;
        return RN_OK;
    }
    if (o->len == o->cap) {
        size_t ncap = o->cap ? o->cap * 2u : 8u;
        void *p = o->kv ? arena_grow(a, o->kv, o->cap * sizeof *o->kv,
                                     ncap * sizeof *o->kv)
                        : arena_alloc(a, ncap * sizeof *o->kv);
        if (!p)
            return RN_ENOMEM;
        o->kv = p;
        o->cap = (uint32_t)ncap;
    }
    memmove(&o->kv[at + 1], &o->kv[at], (o->len - at) * sizeof *o->kv);
    o->kv[at].key = val_str(key, klen);
    o->kv[at].v = v;
    o->len++;
    return RN_OK;
}

/* See val.h. */
struct val *val_obj_slot(struct val obj, const char *key)
{
    if (obj.kind != VAL_OBJECT || !obj.u.obj)
        return NULL;
    bool found;
    size_t at = obj_search(obj.u.obj, key, strlen(key), &found);
    return found ? &obj.u.obj->kv[at].v : NULL;
}

/* See val.h. */
int val_obj_with(struct arena *a, struct val obj, const char *key, struct val v,
                 struct val *out)
{
    size_t n = obj.kind == VAL_OBJECT ? val_obj_len(obj) : 0;
    struct val o = val_obj_new(a, n + 1);
    if (o.kind == VAL_NULL)
        return RN_ENOMEM;
    if (n)
        memcpy(o.u.obj->kv, obj.u.obj->kv, n * sizeof *o.u.obj->kv);
    o.u.obj->len = (uint32_t)n;
    o.flags = obj.kind == VAL_OBJECT ? obj.flags : GT_MAP_ANY;
    int rc = val_obj_put(a, o, key, strlen(key), v);
    if (rc == RN_OK)
        *out = o;
    return rc;
}
