/*
 * funcs.c: the function table and Go's builtin template functions.
 *
 * The table is an open-addressing hash of borrowed struct tpl_func_def
 * rows keyed by name.  Builtins are rows with fn == NULL whose ud holds a
 * builtin id; the executor dispatches them here with Go's reflect-level
 * arguments (struct xval), so they see nil and interface{} exactly as Go's
 * builtins do.  A table function of the same name replaces a builtin, as
 * a FuncMap entry does in Go.
 */
#include "template_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/codec.h"
#include "../core/gofmt.h"
#include "../core/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the table ---- */

struct tpl_funcs {
    const struct tpl_func_def **slots;
    size_t cap, n;
};

static const struct tpl_func_def tombstone = {"", NULL, "", NULL};

#define BI(name, id, params)                                                   \
    {                                                                          \
        name, NULL, params, (void *)(uintptr_t)(id)                            \
    }

static const struct tpl_func_def builtins[] = {
    BI("and", BI_AND, "R.R"),        BI("or", BI_OR, "R.R"),
    BI("not", BI_NOT, "R"),          BI("len", BI_LEN, "R"),
    BI("index", BI_INDEX, "R.R"),    BI("slice", BI_SLICE, "R.R"),
    BI("print", BI_PRINT, ".v"),     BI("printf", BI_PRINTF, "s.v"),
    BI("println", BI_PRINTLN, ".v"), BI("html", BI_HTML, ".v"),
    BI("js", BI_JS, ".v"),           BI("urlquery", BI_URLQUERY, ".v"),
    BI("eq", BI_EQ, "R.R"),          BI("ne", BI_NE, "RR"),
    BI("lt", BI_LT, "RR"),           BI("le", BI_LE, "RR"),
    BI("gt", BI_GT, "RR"),           BI("ge", BI_GE, "RR"),
    BI("call", BI_CALL, "R.R"),
};

/* The builtin id of a table row, or 0 for an ordinary function. */
int tpl_builtin_id(const struct tpl_func_def *d)
{
    return d && !d->fn ? (int)(uintptr_t)d->ud : 0;
}

static size_t hash(const char *s, size_t n)
{
    size_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static bool same(const struct tpl_func_def *d, const char *name, size_t n)
{
    return d != &tombstone && strlen(d->name) == n &&
           memcmp(d->name, name, n) == 0;
}

static int grow(struct tpl_funcs *f)
{
    size_t nc = f->cap ? f->cap * 2 : 512;
    const struct tpl_func_def **ns = rn_calloc(nc, sizeof *ns);
    if (!ns)
        return RN_ENOMEM;
    for (size_t i = 0; i < f->cap; i++) {
        const struct tpl_func_def *d = f->slots[i];
        if (!d || d == &tombstone)
            continue;
        size_t j = hash(d->name, strlen(d->name)) & (nc - 1);
        while (ns[j])
            j = (j + 1) & (nc - 1);
        ns[j] = d;
    }
    rn_free(f->slots);
    f->slots = ns;
    f->cap = nc;
    return RN_OK;
}

static int put(struct tpl_funcs *f, const struct tpl_func_def *d)
{
    if ((f->n + 1) * 2 > f->cap && grow(f))
        return RN_ENOMEM;
    size_t n = strlen(d->name);
    size_t j = hash(d->name, n) & (f->cap - 1);
    size_t free_slot = (size_t)-1;
    while (f->slots[j]) {
        if (same(f->slots[j], d->name, n)) {
            f->slots[j] = d;
            return RN_OK;
        }
        if (f->slots[j] == &tombstone && free_slot == (size_t)-1)
            free_slot = j;
        j = (j + 1) & (f->cap - 1);
    }
    f->slots[free_slot != (size_t)-1 ? free_slot : j] = d;
    f->n++;
    return RN_OK;
}

/* A new table holding the Go builtins; free with tpl_funcs_free.  NULL
 * on OOM. */
struct tpl_funcs *tpl_funcs_new(void)
{
    struct tpl_funcs *f = rn_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    if (tpl_funcs_add(f, builtins, sizeof builtins / sizeof *builtins)) {
        tpl_funcs_free(f);
        return NULL;
    }
    return f;
}

/* Add or replace rows (borrowed: defs must outlive f).  RN_ENOMEM on
 * failure, with the rows added so far kept. */
int tpl_funcs_add(struct tpl_funcs *f, const struct tpl_func_def *defs,
                  size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (defs[i].name && put(f, &defs[i]))
            return RN_ENOMEM;
    return RN_OK;
}

/* The row named name[0..n), or NULL. */
const struct tpl_func_def *tpl_funcs_find(const struct tpl_funcs *f,
                                          const char *name, size_t n)
{
    if (!f || !f->cap)
        return NULL;
    size_t j = hash(name, n) & (f->cap - 1);
    while (f->slots[j]) {
        if (same(f->slots[j], name, n))
            return f->slots[j];
        j = (j + 1) & (f->cap - 1);
    }
    return NULL;
}

/* Forget `name` (a template calling it no longer parses). */
void tpl_funcs_remove(struct tpl_funcs *f, const char *name)
{
    if (!f || !f->cap)
        return;
    size_t n = strlen(name);
    size_t j = hash(name, n) & (f->cap - 1);
    while (f->slots[j]) {
        if (same(f->slots[j], name, n)) {
            f->slots[j] = &tombstone;
            return;
        }
        j = (j + 1) & (f->cap - 1);
    }
}

/* Free the table (not the rows it borrowed).  NULL is fine. */
void tpl_funcs_free(struct tpl_funcs *f)
{
    if (!f)
        return;
    rn_free(f->slots);
    rn_free(f);
}

/* ---- helpers ---- */

static int fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return RN_EEXEC;
}

/* Go's indirectInterface: forget the interface{} box; a nil one becomes
 * the invalid value. */
static struct val concrete(struct xval v)
{
    v.v.pad = 0;
    return v.v;
}

static bool is_valid(struct xval v)
{
    return v.v.kind != VAL_NULL;
}

static const char *tname(struct val v)
{
    return val_type_name(v);
}

/* Text of buf b copied into the arena as a string value in *out.  Does
 * not unwind (the caller still owns b): RN_ENOMEM on failure. */
static int arena_string(struct xstate *s, struct buf *b, struct xval *out)
{
    char *p = arena_strndup(s->a, buf_str(b), b->len);
    if (!p)
        return RN_ENOMEM;
    *out = xv(val_str(p, b->len), false);
    return RN_OK;
}

/* ---- len, index, slice ---- */

static int f_len(struct xval *argv, struct xval *out, char *err, size_t cap)
{
    struct xval a = argv[0];
    if (a.v.kind == VAL_NULL)
        return xv_iface(a) ? fail(err, cap, "len of nil pointer")
                       : fail(err, cap,
                              "reflect: call of reflect.Value.Type "
                              "on zero Value");
    struct val v = a.v;
    if (v.kind == VAL_STRING)
        *out = xv(val_int(v.len), false);
    else if (v.kind == VAL_ARRAY)
        *out = xv(val_int((int64_t)val_list_len(v)), false);
    else if (v.kind == VAL_OBJECT && val_gotype(v) != GT_STRUCT)
        *out = xv(val_int((int64_t)val_obj_len(v)), false);
    else
        return fail(err, cap, "len of type %s", tname(v));
    return RN_OK;
}

static bool int_index(struct val idx, int64_t *x, bool *uns)
{
    if (idx.kind == VAL_INT || idx.kind == VAL_DURATION) {
        unsigned gt = val_gotype(idx);
        *uns = idx.kind == VAL_INT && gt >= GT_UINT && gt <= GT_UINTPTR;
        *x = idx.u.i;
        return true;
    }
    return false;
}

/* Go's indexArg: an integer index within 0..cap */
static int index_arg(struct val idx, size_t cap, int64_t *out, char *err,
                     size_t ecap)
{
    int64_t x;
    bool uns = false;
    if (idx.kind == VAL_NULL)
        return fail(err, ecap, "cannot index slice/array with nil");
    if (!int_index(idx, &x, &uns))
        return fail(err, ecap, "cannot index slice/array with type %s",
                    tname(idx));
    if ((uns && (uint64_t)x > (uint64_t)cap) || (!uns && x < 0) ||
        (!uns && (uint64_t)x > (uint64_t)cap))
        return fail(err, ecap, "index out of range: %lld", (long long)x);
    *out = x;
    return RN_OK;
}

static int index_one(struct xval *item, struct val idx, char *err, size_t cap)
{
    struct val v = item->v;
    int64_t x;
    if (v.kind == VAL_STRING || v.kind == VAL_ARRAY) {
        size_t len = v.kind == VAL_STRING ? v.len : val_list_len(v);
        int rc = index_arg(idx, len, &x, err, cap);
        if (rc)
            return rc;
        if ((size_t)x >= len)
            return fail(err, cap, "reflect: %s index out of range",
                        v.kind == VAL_STRING ? "string" : "slice");
        if (v.kind == VAL_STRING)
            *item = xv(val_int_t((unsigned char)v.u.s[x], GT_UINT8), false);
        else
            *item = xv(val_list_at(v, (size_t)x), val_gotype(v) == GT_LIST_ANY);
        return RN_OK;
    }
    if (v.kind == VAL_OBJECT && val_gotype(v) != GT_STRUCT) {
        if (idx.kind == VAL_NULL)
            return fail(err, cap, "value is nil; should be of type string");
        if (idx.kind != VAL_STRING || val_gotype(idx) != GT_STRING)
            return fail(err, cap, "value has type %s; should be string",
                        tname(idx));
        const struct val *f = val_get(v, idx.u.s, idx.len);
        unsigned gt = val_gotype(v);
        bool boxed = gt == GT_MAP_ANY || gt == GT_MAP_IFACE;
        if (f)
            *item = xv(*f, boxed);
        else if (gt == GT_MAP_STRING)
            *item = xv(val_str("", 0), false);
        else if (gt == GT_MAP_INT)
            *item = xv(val_int(0), false);
        else if (gt == GT_MAP_BYTES)
            *item = xv(val_list(NULL, GT_LIST_BYTES | VAL_F_NILPTR), false);
        else
            *item = xv(val_null(), true);
        return RN_OK;
    }
    return fail(err, cap, "can't index item of type %s", tname(v));
}

static int f_index(struct xval *argv, int argc, struct xval *out, char *err,
                   size_t cap)
{
    struct xval item = xv(concrete(argv[0]), false);
    if (!is_valid(item))
        return fail(err, cap, "index of untyped nil");
    for (int i = 1; i < argc; i++) {
        if (item.v.kind == VAL_NULL)
            return fail(err, cap, "index of nil pointer");
        int rc = index_one(&item, concrete(argv[i]), err, cap);
        if (rc)
            return rc;
    }
    *out = item;
    return RN_OK;
}

static int f_slice(struct xstate *s, struct xval *argv, int argc,
                   struct xval *out, char *err, size_t cap)
{
    struct val v = concrete(argv[0]);
    int nidx = argc - 1;
    if (v.kind == VAL_NULL)
        return fail(err, cap, "slice of untyped nil");
    if (nidx > 3)
        return fail(err, cap, "too many slice indexes: %d", nidx);
    size_t len;
    if (v.kind == VAL_STRING) {
        if (nidx == 3)
            return fail(err, cap, "cannot 3-index slice a string");
        len = v.len;
    } else if (v.kind == VAL_ARRAY) {
        len = val_list_len(v);
    } else {
        return fail(err, cap, "can't slice item of type %s", tname(v));
    }
    int64_t idx[3] = {0, (int64_t)len, (int64_t)len};
    for (int i = 0; i < nidx; i++) {
        int rc = index_arg(concrete(argv[i + 1]), len, &idx[i], err, cap);
        if (rc)
            return rc;
    }
    if (idx[0] > idx[1])
        return fail(err, cap, "invalid slice index: %lld > %lld",
                    (long long)idx[0], (long long)idx[1]);
    if (nidx == 3 && idx[1] > idx[2])
        return fail(err, cap, "invalid slice index: %lld > %lld",
                    (long long)idx[1], (long long)idx[2]);
    size_t k = (size_t)(idx[1] - idx[0]);
    if (v.kind == VAL_STRING) {
        char *p = tpl_xalloc(s, k + 1);
        memcpy(p, v.u.s + idx[0], k);
        p[k] = '\0';
        *out = xv(val_str(p, k), false);
        return RN_OK;
    }
    struct val_list *l = tpl_xalloc(s, sizeof *l);
    l->len = l->cap = (uint32_t)k;
    l->items = k ? v.u.list->items + idx[0] : NULL;
    struct val r = val_list(l, val_gotype(v));
    *out = xv(r, false);
    return RN_OK;
}

/* ---- printing and escaping ---- */

static struct val *plain_args(struct xstate *s, struct xval *argv, int argc)
{
    struct val *vals = tpl_xalloc(s, (size_t)(argc + 1) * sizeof *vals);
    for (int i = 0; i < argc; i++)
        vals[i] = concrete(argv[i]);
    return vals;
}

static int f_print(struct xstate *s, int id, struct xval *argv, int argc,
                   struct xval *out)
{
    struct buf b;
    /* no result longer than a whole template's output: a huge width or
     * precision fails fast instead of filling RN_BUF_DEFAULT_MAX */
    buf_init(&b, RN_TPL_MAX_OUTPUT);
    struct val *vals = plain_args(s, argv, argc);
    int rc;
    if (id == BI_PRINT)
        rc = gofmt_sprint(&b, vals, (size_t)argc);
    else if (id == BI_PRINTLN)
        rc = gofmt_sprintln(&b, vals, (size_t)argc);
    else
        rc = gofmt_sprintf(&b, vals[0].u.s, vals[0].len, vals + 1,
                           (size_t)argc - 1);
    if (rc == RN_OK)
        rc = arena_string(s, &b, out);
    buf_free(&b);
    return rc;
}

/* Go's evalArgs: one plain string as is, else Sprint with nils shown as
 * "<no value>". */
static int eval_args(struct xstate *s, struct xval *argv, int argc,
                     struct buf *b)
{
    if (argc == 1 && argv[0].v.kind == VAL_STRING &&
        val_gotype(argv[0].v) == GT_STRING)
        return buf_add(b, argv[0].v.u.s, argv[0].v.len);
    struct val *vals = plain_args(s, argv, argc);
    for (int i = 0; i < argc; i++)
        if (vals[i].kind == VAL_NULL)
            vals[i] = val_str("<no value>", 10);
    return gofmt_sprint(b, vals, (size_t)argc);
}

static int f_escape(struct xstate *s, int id, struct xval *argv, int argc,
                    struct xval *out)
{
    struct buf in, b;
    buf_init(&in, 0);
    buf_init(&b, 0);
    int rc = eval_args(s, argv, argc, &in);
    if (rc == RN_OK) {
        if (id == BI_HTML)
            rc = tpl_html_escape(&b, buf_str(&in), in.len);
        else if (id == BI_JS)
            rc = tpl_js_escape(&b, buf_str(&in), in.len);
        else
            rc = codec_url_escape(&b, buf_str(&in), in.len, CODEC_URL_QUERY);
    }
    if (rc == RN_OK)
        rc = arena_string(s, &b, out);
    buf_free(&in);
    buf_free(&b);
    return rc;
}

/* ---- comparison ---- */

enum bkind { K_INVALID, K_BOOL, K_COMPLEX, K_INT, K_FLOAT, K_STRING, K_UINT };

static bool is_complex(struct val v)
{
    if (v.kind != VAL_OBJECT || val_gotype(v) != GT_STRUCT)
        return false;
    const struct val *t = val_get(v, "", 0);
    return t && t->kind == VAL_STRING && strcmp(t->u.s, "complex128") == 0;
}

static enum bkind basic_kind(struct val v)
{
    switch (v.kind) {
    case VAL_BOOL:
        return K_BOOL;
    case VAL_INT: {
        unsigned gt = val_gotype(v);
        return gt >= GT_UINT && gt <= GT_UINTPTR ? K_UINT : K_INT;
    }
    case VAL_DURATION:
        return K_INT;
    case VAL_FLOAT:
        return K_FLOAT;
    case VAL_STRING:
        return K_STRING;
    case VAL_OBJECT:
        return is_complex(v) ? K_COMPLEX : K_INVALID;
    default:
        return K_INVALID;
    }
}

static int cmp_str(struct val a, struct val b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.u.s, b.u.s, n);
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

static double cfield(struct val v, const char *k)
{
    const struct val *f = val_get_cstr(v, k);
    return f ? f->u.f : 0;
}

/* reflect kind groups for canCompare */
static int refl_kind(struct val v)
{
    if (v.kind == VAL_OBJECT && val_gotype(v) == GT_STRUCT)
        return 100;
    return v.kind;
}

static bool is_nil_val(struct val v)
{
    if (v.kind == VAL_NULL)
        return true;
    if ((v.kind == VAL_ARRAY || v.kind == VAL_OBJECT) &&
        (v.flags & VAL_F_NILPTR))
        return true;
    return v.kind == VAL_FUNC && !v.u.fn;
}

static bool comparable(struct val v)
{
    if (v.kind == VAL_ARRAY)
        return val_gotype(v) == GT_ARRAY_FIXED;
    return !(v.kind == VAL_OBJECT && val_gotype(v) != GT_STRUCT) &&
           v.kind != VAL_FUNC;
}

static const char *sprintf_s(struct xstate *s, struct val v)
{
    struct buf b;
    buf_init(&b, 4096);
    gofmt_sprintf(&b, "%s", 2, &v, 1);
    char *r = arena_strndup(s->a, buf_str(&b), b.len);
    buf_free(&b);
    return r ? r : "?";
}

static int eq_other(struct xstate *s, struct val a, struct val b, bool *truth,
                    char *err, size_t cap)
{
    if (refl_kind(a) != refl_kind(b) && a.kind != VAL_NULL &&
        b.kind != VAL_NULL)
        return fail(err, cap, "non-comparable types %s: %s, %s: %s",
                    sprintf_s(s, a), tname(a), tname(b), sprintf_s(s, b));
    if (is_nil_val(a) || is_nil_val(b)) {
        *truth = is_nil_val(a) == is_nil_val(b);
        return RN_OK;
    }
    if (!comparable(b))
        return fail(err, cap, "non-comparable type %s: %s", sprintf_s(s, b),
                    tname(b));
    *truth = val_deep_equal(a, b);
    return RN_OK;
}

static int eq_pair(struct xstate *s, struct val a, struct val b, bool *truth,
                   char *err, size_t cap)
{
    enum bkind k1 = basic_kind(a), k2 = basic_kind(b);
    *truth = false;
    if (k1 != k2) {
        if (k1 == K_INT && k2 == K_UINT)
            *truth = a.u.i >= 0 && (uint64_t)a.u.i == (uint64_t)b.u.i;
        else if (k1 == K_UINT && k2 == K_INT)
            *truth = b.u.i >= 0 && (uint64_t)a.u.i == (uint64_t)b.u.i;
        else if (a.kind != VAL_NULL && b.kind != VAL_NULL)
            return fail(err, cap, "incompatible types for comparison");
        return RN_OK;
    }
    switch (k1) {
    case K_BOOL:
        *truth = a.u.b == b.u.b;
        return RN_OK;
    case K_COMPLEX:
        *truth = cfield(a, "real") == cfield(b, "real") &&
                 cfield(a, "imag") == cfield(b, "imag");
        return RN_OK;
    case K_FLOAT:
        *truth = a.u.f == b.u.f;
        return RN_OK;
    case K_INT:
    case K_UINT:
        *truth = a.u.i == b.u.i;
        return RN_OK;
    case K_STRING:
        *truth = a.len == b.len && memcmp(a.u.s, b.u.s, a.len) == 0;
        return RN_OK;
    default:
        return eq_other(s, a, b, truth, err, cap);
    }
}

static int f_eq(struct xstate *s, struct xval *argv, int argc, bool *truth,
                char *err, size_t cap)
{
    struct val a = concrete(argv[0]);
    *truth = false;
    if (argc < 2)
        return fail(err, cap, "missing argument for comparison");
    for (int i = 1; i < argc; i++) {
        int rc = eq_pair(s, a, concrete(argv[i]), truth, err, cap);
        if (rc || *truth)
            return rc;
    }
    return RN_OK;
}

static int f_lt(struct val a, struct val b, bool *truth, char *err, size_t cap)
{
    enum bkind k1 = basic_kind(a), k2 = basic_kind(b);
    if (k1 == K_INVALID || k2 == K_INVALID)
        return fail(err, cap, "invalid type for comparison");
    *truth = false;
    if (k1 != k2) {
        if (k1 == K_INT && k2 == K_UINT)
            *truth = a.u.i < 0 || (uint64_t)a.u.i < (uint64_t)b.u.i;
        else if (k1 == K_UINT && k2 == K_INT)
            *truth = b.u.i >= 0 && (uint64_t)a.u.i < (uint64_t)b.u.i;
        else
            return fail(err, cap, "incompatible types for comparison");
        return RN_OK;
    }
    switch (k1) {
    case K_FLOAT:
        *truth = a.u.f < b.u.f;
        break;
    case K_INT:
        *truth = a.u.i < b.u.i;
        break;
    case K_UINT:
        *truth = (uint64_t)a.u.i < (uint64_t)b.u.i;
        break;
    case K_STRING:
        *truth = cmp_str(a, b) < 0;
        break;
    default:
        return fail(err, cap, "invalid type for comparison");
    }
    return RN_OK;
}

static int f_compare(struct xstate *s, int id, struct xval *argv, int argc,
                     struct xval *out, char *err, size_t cap)
{
    bool t = false, e = false;
    int rc;
    struct val a = concrete(argv[0]),
               b = argc > 1 ? concrete(argv[1]) : val_null();
    switch (id) {
    case BI_EQ:
        rc = f_eq(s, argv, argc, &t, err, cap);
        break;
    case BI_NE:
        rc = f_eq(s, argv, argc, &e, err, cap);
        t = !e;
        break;
    case BI_LT:
        rc = f_lt(a, b, &t, err, cap);
        break;
    case BI_GE:
        rc = f_lt(a, b, &e, err, cap);
        t = !e;
        break;
    default: /* le, gt: a <= b is a < b or a == b */
        rc = f_lt(a, b, &t, err, cap);
        if (!rc && !t)
            rc = f_eq(s, argv, 2, &t, err, cap);
        if (id == BI_GT)
            t = !t;
        break;
    }
    if (rc == RN_OK)
        *out = xv(val_bool(t), false);
    return rc;
}

/* ---- call ---- */

static bool int_like(struct val v)
{
    return v.kind == VAL_INT;
}

static int prepare_arg(struct val v, char p, int i, struct val *out, char *err,
                       size_t cap)
{
    static const char types[] = "vbiIUfstdlSm";
    static const char *const names[] = {
        "interface {}",   "bool",      "int",
        "int64",          "uint32",    "float64",
        "string",         "time.Time", "time.Duration",
        "[]interface {}", "[]string",  "map[string]interface {}"};
    const char *q = strchr(types, p);
    const char *pname = q && p ? names[q - types] : "?";
    if (v.kind == VAL_NULL) {
        if (p == 'v' || p == 'l' || p == 'S' || p == 'm') {
            *out = v;
            return RN_OK;
        }
        return fail(err, cap, "arg %d: value is nil; should be of type %s", i,
                    pname);
    }
    bool ok = p == 'v' || strcmp(tname(v), pname) == 0;
    if (!ok && int_like(v) && (p == 'i' || p == 'I' || p == 'U')) {
        *out = val_int_t(p == 'U' ? (int64_t)(uint32_t)v.u.i : v.u.i,
                         p == 'i'   ? GT_INT
                         : p == 'I' ? GT_INT64
                                    : GT_UINT32);
        return RN_OK;
    }
    if (!ok)
        return fail(err, cap, "arg %d: value has type %s; should be %s", i,
                    tname(v), pname);
    *out = v;
    return RN_OK;
}

static int f_call(struct xstate *s, struct xval *argv, int argc,
                  struct xval *out, char *err, size_t cap)
{
    struct val fnv = concrete(argv[0]);
    if (fnv.kind == VAL_NULL)
        return fail(err, cap, "call of nil");
    if (fnv.kind != VAL_FUNC || !fnv.u.fn)
        return fail(err, cap, "non-function of type %s", tname(fnv));
    if (val_gotype(fnv) != GT_FUNC)
        return fail(err, cap, "can't call a function value made outside "
                              "templates");
    const struct tpl_func_def *d = fnv.u.fn->impl;
    if (!d || !d->fn)
        return fail(err, cap, "call of nil");
    int nargs = argc - 1, nfixed = 0;
    char variadic = 0;
    const char *ps = d->params ? d->params : "";
    for (const char *q = ps; *q; q++) {
        if (*q == '.') {
            variadic = q[1];
            break;
        }
        nfixed++;
    }
    if (variadic && nargs < nfixed)
        return fail(err, cap,
                    "wrong number of args for %s: got %d want at "
                    "least %d",
                    d->name, nargs, nfixed);
    if (!variadic && nargs != nfixed)
        return fail(err, cap, "wrong number of args for %s: got %d want %d",
                    d->name, nargs, nfixed);
    struct val *vals = tpl_xalloc(s, (size_t)(nargs + 1) * sizeof *vals);
    for (int i = 0; i < nargs; i++) {
        char p = i < nfixed ? ps[i] : variadic;
        int rc = prepare_arg(concrete(argv[i + 1]), p, i, &vals[i], err, cap);
        if (rc)
            return rc;
    }
    struct rn_err e = {0};
    struct tpl_fcall fc = {
        .arena = s->a, .err = &e, .name = d->name, .ud = d->ud};
    struct val r = val_null();
    int rc = d->fn(&fc, vals, nargs, &r);
    if (rc) {
        snprintf(err, cap, "%s", e.msg);
        return rc == RN_EINVAL ? RN_EEXEC : rc;
    }
    *out = xv(r, false);
    return RN_OK;
}

/* Run builtin `id` on evaluated arguments (see template_int.h). */
int tpl_builtin_call(struct xstate *s, int id, struct xval *argv, int argc,
                     struct xval *out, char *err, size_t cap)
{
    switch (id) {
    case BI_NOT:
        *out = xv(val_bool(!val_truth(argv[0].v)), false);
        return RN_OK;
    case BI_LEN:
        return f_len(argv, out, err, cap);
    case BI_INDEX:
        return f_index(argv, argc, out, err, cap);
    case BI_SLICE:
        return f_slice(s, argv, argc, out, err, cap);
    case BI_PRINT:
    case BI_PRINTF:
    case BI_PRINTLN:
        return f_print(s, id, argv, argc, out);
    case BI_HTML:
    case BI_JS:
    case BI_URLQUERY:
        return f_escape(s, id, argv, argc, out);
    case BI_EQ:
    case BI_NE:
    case BI_LT:
    case BI_LE:
    case BI_GT:
    case BI_GE:
        return f_compare(s, id, argv, argc, out, err, cap);
    case BI_CALL:
        return f_call(s, argv, argc, out, err, cap);
    default:
        return fail(err, cap, "unknown builtin");
    }
}
