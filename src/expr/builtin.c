/*
 * builtin.c: the table of expr v1.16.9's builtins, their compile-time
 * checks, and the numeric and collection builtins.
 *
 * A builtin is checked either by a list of Go signatures (the first that
 * accepts the argument types wins; `1` fits an int or float parameter,
 * `nil` fits anything, an unknown type fits anything) or by a validation
 * function with expr's own messages.  uniq, flatten and the other v1.17
 * additions are deliberately absent: there they are plain unknown
 * functions.  String builtins live in strfn.c, the predicate builtins
 * (all, map, filter, ...) in eval.c.
 */
#include "expr_int.h"

#include "../core/gofmt.h"
#include "../core/gotime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct val bi_fn(struct ev *ev, struct val *a, int n);
typedef int bi_check(struct cstate *c, struct node *n, const uint8_t *at);

/* strfn.c */
bi_fn expr_f_trim, expr_f_trim_prefix, expr_f_trim_suffix, expr_f_upper,
    expr_f_lower, expr_f_split, expr_f_split_after, expr_f_replace,
    expr_f_repeat, expr_f_join, expr_f_index, expr_f_last_index,
    expr_f_has_prefix, expr_f_has_suffix, expr_f_to_json, expr_f_from_json,
    expr_f_to_base64, expr_f_from_base64, expr_f_string, expr_f_type;
/* time.c */
bi_fn expr_f_now, expr_f_duration, expr_f_date, expr_f_timezone;

struct bdef {
    const char *name;
    const char *sigs; /* Go signatures "ss>s|s>s": s string, i int, f
                         float64, a any, A []any, S []string, I []int,
                         F []float64, d Duration, L *Location, b bool */
    bi_check *check;
    bi_fn *run;
};

static bi_check v_len, v_abs, v_round, v_int, v_float, v_aggr, v_now, v_date,
    v_first, v_take, v_keys, v_pairs, v_from_pairs, v_reverse, v_concat, v_none;
static bi_fn f_len, f_abs, f_ceil, f_floor, f_round, f_int, f_float, f_max,
    f_min, f_mean, f_median, f_first, f_last, f_get, f_take, f_keys, f_values,
    f_to_pairs, f_from_pairs, f_reverse, f_concat, f_sort, f_bitand, f_bitor,
    f_bitxor, f_bitnand, f_bitshl, f_bitshr, f_bitushr, f_bitnot;

static const struct bdef defs[] = {
    {"all", NULL, NULL, NULL},
    {"none", NULL, NULL, NULL},
    {"any", NULL, NULL, NULL},
    {"one", NULL, NULL, NULL},
    {"filter", NULL, NULL, NULL},
    {"map", NULL, NULL, NULL},
    {"find", NULL, NULL, NULL},
    {"findIndex", NULL, NULL, NULL},
    {"findLast", NULL, NULL, NULL},
    {"findLastIndex", NULL, NULL, NULL},
    {"count", NULL, NULL, NULL},
    {"sum", NULL, NULL, NULL},
    {"groupBy", NULL, NULL, NULL},
    {"sortBy", NULL, NULL, NULL},
    {"reduce", NULL, NULL, NULL},
    {"len", NULL, v_len, f_len},
    {"type", "a>s", NULL, expr_f_type},
    {"abs", NULL, v_abs, f_abs},
    {"ceil", NULL, v_round, f_ceil},
    {"floor", NULL, v_round, f_floor},
    {"round", NULL, v_round, f_round},
    {"int", NULL, v_int, f_int},
    {"float", NULL, v_float, f_float},
    {"string", "a>s", NULL, expr_f_string},
    {"trim", "s>s|ss>s", NULL, expr_f_trim},
    {"trimPrefix", "ss>s|s>s", NULL, expr_f_trim_prefix},
    {"trimSuffix", "ss>s|s>s", NULL, expr_f_trim_suffix},
    {"upper", "s>s", NULL, expr_f_upper},
    {"lower", "s>s", NULL, expr_f_lower},
    {"split", "ss>S|ssi>S", NULL, expr_f_split},
    {"splitAfter", "ss>S|ssi>S", NULL, expr_f_split_after},
    {"replace", "sssi>s|sss>s", NULL, expr_f_replace},
    {"repeat", "si>s", NULL, expr_f_repeat},
    {"join", "Ss>s|As>s|A>s|Ss>s|S>s", NULL, expr_f_join},
    {"indexOf", "ss>i", NULL, expr_f_index},
    {"lastIndexOf", "ss>i", NULL, expr_f_last_index},
    {"hasPrefix", "ss>b", NULL, expr_f_has_prefix},
    {"hasSuffix", "ss>b", NULL, expr_f_has_suffix},
    {"max", NULL, v_aggr, f_max},
    {"min", NULL, v_aggr, f_min},
    {"mean", NULL, v_aggr, f_mean},
    {"median", NULL, v_aggr, f_median},
    {"toJSON", "a>s", NULL, expr_f_to_json},
    {"fromJSON", "s>a", NULL, expr_f_from_json},
    {"toBase64", "s>s", NULL, expr_f_to_base64},
    {"fromBase64", "s>s", NULL, expr_f_from_base64},
    {"now", NULL, v_now, expr_f_now},
    {"duration", "s>d", NULL, expr_f_duration},
    {"date", NULL, v_date, expr_f_date},
    {"timezone", "s>L", NULL, expr_f_timezone},
    {"first", NULL, v_first, f_first},
    {"last", NULL, v_first, f_last},
    {"get", NULL, v_none, f_get},
    {"take", NULL, v_take, f_take},
    {"keys", NULL, v_keys, f_keys},
    {"values", NULL, v_keys, f_values},
    {"toPairs", NULL, v_pairs, f_to_pairs},
    {"fromPairs", NULL, v_from_pairs, f_from_pairs},
    {"reverse", NULL, v_reverse, f_reverse},
    {"concat", NULL, v_concat, f_concat},
    {"sort", "As>A|Is>A|Fs>A|Ss>A|A>A|F>A|S>A|I>A", NULL, f_sort},
    {"bitand", "ii>i", NULL, f_bitand},
    {"bitor", "ii>i", NULL, f_bitor},
    {"bitxor", "ii>i", NULL, f_bitxor},
    {"bitnand", "ii>i", NULL, f_bitnand},
    {"bitshl", "ii>i", NULL, f_bitshl},
    {"bitshr", "ii>i", NULL, f_bitshr},
    {"bitushr", "ii>i", NULL, f_bitushr},
    {"bitnot", "i>i", NULL, f_bitnot},
};

#define NDEFS ((int)(sizeof defs / sizeof *defs))

/* Name of builtin id ("?" when out of range). */
const char *expr_builtin_name(int id)
{
    return id >= 0 && id < NDEFS ? defs[id].name : "?";
}

/* Builtin id of the name s[0..n), or -1; names are expr v1.16.9's. */
int expr_builtin_find(const char *s, size_t n)
{
    for (int i = 0; i < NDEFS; i++)
        if (n > 0 && defs[i].name[0] == s[0] &&
            strncmp(defs[i].name, s, n) == 0 && defs[i].name[n] == 0)
            return i;
    return -1;
}

/* ---- compile-time checks ---- */

static int sig_type(char c)
{
    switch (c) {
    case 's':
        return T_STRING;
    case 'i':
        return T_INT;
    case 'f':
        return T_FLOAT;
    case 'a':
        return T_ANY;
    case 'A':
        return T_ARRAY;
    case 'S':
        return T_LIST_STRING;
    case 'I':
        return T_LIST_INT;
    case 'd':
        return T_DURATION;
    case 'L':
        return T_LOCATION;
    case 'b':
        return T_BOOL;
    case 't':
        return T_TIME;
    case 'M':
        return T_MONTH;
    case 'W':
        return T_WEEKDAY;
    case 'l':
        return T_INT64;
    case 'v':
        return T_NIL; /* no result */
    default:
        return T_NOELEM; /* a type no static type equals ([]float64) */
    }
}

/* One Go signature against the argument types; 0 or an error. */
static int try_sig(struct cstate *c, const struct node *n, const uint8_t *at,
                   const char *sig, size_t len, const char *name)
{
    const char *gt = memchr(sig, '>', len);
    int nin = (int)(gt - sig);
    if (n->nargs != nin) {
        c->errpos = n->pos;
        snprintf(c->msg, sizeof c->msg, "%s arguments to call %s",
                 n->nargs > nin ? "too many" : "not enough", name);
        return -1;
    }
    for (int i = 0; i < nin; i++) {
        int in = sig_type(sig[i]), t = at[i];
        if ((t_float(in) || t_int(in)) && t_int(t))
            continue;
        if (t == T_NIL || t == in || in == T_ANY || t_any(t))
            continue;
        c->errpos = n->args[i]->pos;
        snprintf(c->msg, sizeof c->msg,
                 "cannot use %s as argument (type %s) to call %s ",
                 expr_ety_name(t),
                 in == T_NOELEM ? "[]float64" : expr_ety_name(in), name);
        return -1;
    }
    return sig_type(gt[1]);
}

/* Checks a call against Go signatures ("ss>s|s>s"): the first that
 * accepts the argument types gives the result type; otherwise the last
 * mismatch is the compile error (longjmp through c). */
int expr_check_sigs(struct cstate *c, struct node *n, const uint8_t *at,
                    const char *sigs, const char *name)
{
    for (const char *s = sigs; *s;) {
        size_t len = strcspn(s, "|");
        int t = try_sig(c, n, at, s, len, name);
        if (t >= 0)
            return t;
        s += len;
        if (*s == '|')
            s++;
    }
    expr_cthrow(c, c->errpos);
}

/* Compile-time check of a non-predicate builtin call whose argument
 * types are at[]; returns the static result type or fails through c. */
int expr_builtin_check(struct cstate *c, struct node *n, const uint8_t *at)
{
    const struct bdef *d = &defs[n->id];
    if (d->check)
        return d->check(c, n, at);
    return expr_check_sigs(c, n, at, d->sigs, d->name);
}

static void want_args(struct cstate *c, struct node *n, int want)
{
    if (n->nargs != want)
        expr_cfail(c, n->pos,
                   "invalid number of arguments (expected %d, got %d)", want,
                   n->nargs);
}

static int v_len(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_array(at[0]) || t_map(at[0]) || t_str(at[0]) || t_any(at[0]))
        return T_INT;
    expr_cfail(c, n->pos, "invalid argument for len (type %s)",
               expr_ety_name(at[0]));
}

static int v_abs(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_num(at[0]) || t_any(at[0]))
        return at[0];
    expr_cfail(c, n->pos, "invalid argument for abs (type %s)",
               expr_ety_name(at[0]));
}

static int v_round(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_num(at[0]) || t_any(at[0]))
        return T_FLOAT;
    expr_cfail(c, n->pos, "invalid argument for %s (type %s)",
               expr_builtin_name(n->id), expr_ety_name(at[0]));
}

static int v_int(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_num(at[0]) || t_any(at[0]) || t_str(at[0]))
        return T_INT;
    expr_cfail(c, n->pos, "invalid argument for int (type %s)",
               expr_ety_name(at[0]));
}

static int v_float(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_num(at[0]) || t_any(at[0]) || t_str(at[0]))
        return T_FLOAT;
    expr_cfail(c, n->pos, "invalid argument for float (type %s)",
               expr_ety_name(at[0]));
}

static int v_aggr(struct cstate *c, struct node *n, const uint8_t *at)
{
    const char *name = expr_builtin_name(n->id);
    if (n->nargs == 0)
        expr_cfail(c, n->pos, "not enough arguments to call %s", name);
    for (int i = 0; i < n->nargs; i++) {
        if (t_any(at[i]) || t_array(at[i]))
            return T_ANY;
        if (!t_num(at[i]))
            expr_cfail(c, n->pos, "invalid argument for %s (type %s)", name,
                       expr_ety_name(at[i]));
    }
    return at[0];
}

static int v_now(struct cstate *c, struct node *n, const uint8_t *at)
{
    if (n->nargs == 0 || (n->nargs == 1 && at[0] == T_LOCATION))
        return T_TIME;
    expr_cfail(c, n->pos, "invalid number of arguments (expected 0, got %d)",
               n->nargs);
}

static int v_date(struct cstate *c, struct node *n, const uint8_t *at)
{
    int k = n->nargs;
    if (k < 1)
        expr_cfail(c, n->pos,
                   "invalid number of arguments (expected at least 1, got "
                   "%d)",
                   k);
    if (at[0] == T_LOCATION)
        k--;
    if (k > 3)
        expr_cfail(c, n->pos,
                   "invalid number of arguments (expected at most 3, got %d)",
                   k);
    return T_TIME;
}

static int v_first(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_any(at[0]))
        return T_ANY;
    if (t_array(at[0]))
        return t_elem(at[0]);
    expr_cfail(c, n->pos, "cannot get %s element from %s",
               expr_builtin_name(n->id), expr_ety_name(at[0]));
}

static int v_take(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 2);
    if (!t_any(at[0]) && !t_array(at[0]))
        expr_cfail(c, n->pos, "cannot take from %s", expr_ety_name(at[0]));
    if (!t_any(at[1]) && at[1] != T_INT && at[1] != T_INT64 &&
        at[1] != T_DURATION && at[1] != T_MONTH && at[1] != T_WEEKDAY)
        expr_cfail(c, n->pos, "cannot take %s elements", expr_ety_name(at[1]));
    return at[0];
}

static int v_keys(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_any(at[0]) || t_map(at[0]))
        return T_ARRAY;
    expr_cfail(c, n->pos, "cannot get %s from %s",
               n->id == expr_builtin_find("keys", 4) ? "keys" : "values",
               expr_ety_name(at[0]));
}

static int v_pairs(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_any(at[0]) || t_map(at[0]))
        return T_ARRAY;
    expr_cfail(c, n->pos, "cannot transform %s to pairs", expr_ety_name(at[0]));
}

static int v_from_pairs(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_any(at[0]) || t_array(at[0]))
        return T_MAP_ANY;
    expr_cfail(c, n->pos, "cannot transform %s from pairs",
               expr_ety_name(at[0]));
}

static int v_reverse(struct cstate *c, struct node *n, const uint8_t *at)
{
    want_args(c, n, 1);
    if (t_any(at[0]) || t_array(at[0]))
        return T_ARRAY;
    expr_cfail(c, n->pos, "cannot reverse %s", expr_ety_name(at[0]));
}

static int v_concat(struct cstate *c, struct node *n, const uint8_t *at)
{
    if (n->nargs == 0)
        expr_cfail(c, n->pos,
                   "invalid number of arguments (expected at "
                   "least 1, got 0)");
    for (int i = 0; i < n->nargs; i++)
        if (!t_any(at[i]) && !t_array(at[i]))
            expr_cfail(c, n->pos, "cannot concat %s", expr_ety_name(at[i]));
    return T_ARRAY;
}

static int v_none(struct cstate *c, struct node *n, const uint8_t *at)
{
    (void)c, (void)n, (void)at;
    return T_ANY;
}

/* ---- run time ---- */

static void nargs(struct ev *ev, int n, int lo, int hi)
{
    if (n < lo || n > hi)
        expr_fail(ev, "invalid number of arguments (expected %d, got %d)", lo,
                  n);
}

/* Evaluates the arguments and calls a non-predicate builtin; errors
 * longjmp through ev. */
struct val expr_call_builtin(struct ev *ev, struct node *n)
{
    struct val args[32];
    if (n->nargs > 32)
        expr_fail(ev, "too many arguments");
    for (int i = 0; i < n->nargs; i++)
        args[i] = expr_eval(ev, n->args[i]);
    ev->pos = n->pos;
    return defs[n->id].run(ev, args, n->nargs);
}

static struct val f_len(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    return val_int(expr_len(ev, a[0]));
}

static bool is_uint(struct val v)
{
    unsigned gt = val_gotype(v);
    return v.kind == VAL_INT && gt >= GT_UINT && gt <= GT_UINTPTR;
}

static struct val f_abs(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    if (!expr_is_num(a[0]))
        expr_fail(ev, "invalid argument for abs (type %s)",
                  expr_type_name(a[0]));
    if (a[0].kind == VAL_FLOAT)
        return a[0].u.f < 0 ? val_float(-a[0].u.f) : a[0];
    if (is_uint(a[0]) || a[0].u.i >= 0)
        return a[0];
    return expr_negate(ev, a[0]);
}

static struct val rounding(struct ev *ev, struct val *a, int n,
                           double (*fn)(double), const char *name)
{
    nargs(ev, n, 1, 1);
    if (!expr_is_num(a[0]))
        expr_fail(ev, "invalid argument for %s (type %s)", name,
                  expr_type_name(a[0]));
    double f = expr_to_float(ev, a[0]);
    return val_float(a[0].kind == VAL_FLOAT ? fn(f) : f);
}

static struct val f_ceil(struct ev *ev, struct val *a, int n)
{
    return rounding(ev, a, n, ceil, "ceil");
}

static struct val f_floor(struct ev *ev, struct val *a, int n)
{
    return rounding(ev, a, n, floor, "floor");
}

static struct val f_round(struct ev *ev, struct val *a, int n)
{
    return rounding(ev, a, n, round, "round");
}

static struct val f_int(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    struct val v = a[0];
    if (expr_is_num(v))
        return val_int(expr_to_int(ev, v));
    if (v.kind == VAL_STRING) {
        int64_t i;
        if (gofmt_parse_int(v.u.s, v.len, 10, &i) != RN_OK) /* Atoi */
            expr_fail(ev, "invalid operation: int(%s)", v.u.s);
        return val_int(i);
    }
    if (v.kind == VAL_INT || v.kind == VAL_DURATION)
        return val_int(v.u.i);
    if (v.kind == VAL_NULL)
        expr_fail(ev, "reflect: call of reflect.Value.Type on zero Value");
    expr_fail(ev, "invalid operation: int(%s)", expr_type_name(v));
}

static struct val f_float(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    struct val v = a[0];
    if (expr_is_num(v))
        return val_float(expr_to_float(ev, v));
    if (v.kind == VAL_STRING) {
        double f;
        if (gofmt_parse_float(v.u.s, v.len, &f) != RN_OK)
            expr_fail(ev, "invalid operation: float(%s)", v.u.s);
        return val_float(f);
    }
    expr_fail(ev, "invalid operation: float(%s)", expr_type_name(v));
}

/* max/min: the extreme number of the arguments, lists flattened. */
static bool minmax(struct ev *ev, const char *name, int op, struct val v,
                   struct val *best, bool *have)
{
    if (v.kind == VAL_ARRAY) {
        expr_charge(ev, val_list_len(v));
        for (size_t i = 0; i < val_list_len(v); i++) {
            struct val e = val_list_at(v, i);
            struct val sub = val_null();
            bool sh = false;
            if (!minmax(ev, name, op, e, &sub, &sh) || !sh || !expr_is_num(sub))
                expr_fail(ev, "invalid argument for %s (type %s)", name,
                          expr_type_name(sh                    ? sub
                                         : e.kind == VAL_ARRAY ? val_null()
                                                               : e));
            if (!*have || expr_compare(ev, op, *best, sub)) {
                *best = sub;
                *have = true;
            }
        }
        return true;
    }
    if (expr_is_num(v)) {
        if (!*have || expr_compare(ev, op, *best, v)) {
            *best = v;
            *have = true;
        }
        return true;
    }
    return false;
}

static struct val aggregate(struct ev *ev, struct val *a, int n, int op,
                            const char *name)
{
    struct val best = val_null();
    bool have = false;
    for (int i = 0; i < n; i++) {
        if (minmax(ev, name, op, a[i], &best, &have))
            continue;
        if (n == 1)
            return a[0];
        expr_fail(ev, "invalid argument for %s (type %s)", name,
                  expr_type_name(a[i]));
    }
    return best;
}

static struct val f_max(struct ev *ev, struct val *a, int n)
{
    return aggregate(ev, a, n, OP_LT, "max");
}

static struct val f_min(struct ev *ev, struct val *a, int n)
{
    return aggregate(ev, a, n, OP_GT, "min");
}

struct fvec {
    double *v;
    size_t n, cap;
};

static void collect(struct ev *ev, struct val v, struct fvec *out,
                    const char *name)
{
    if (v.kind == VAL_ARRAY) {
        expr_charge(ev, val_list_len(v));
        for (size_t i = 0; i < val_list_len(v); i++)
            collect(ev, val_list_at(v, i), out, name);
        return;
    }
    if (!expr_is_num(v))
        expr_fail(ev, "invalid argument for %s (type %s)", name,
                  expr_type_name(v));
    if (out->n == out->cap) {
        size_t nc = out->cap ? out->cap * 2 : 16;
        double *d = expr_alloc(ev, nc * sizeof *d);
        if (out->n)
            memcpy(d, out->v, out->n * sizeof *d);
        out->v = d;
        out->cap = nc;
    }
    out->v[out->n++] = expr_to_float(ev, v);
}

static struct val f_mean(struct ev *ev, struct val *a, int n)
{
    struct fvec fv = {0};
    for (int i = 0; i < n; i++)
        collect(ev, a[i], &fv, "mean");
    double sum = 0;
    for (size_t i = 0; i < fv.n; i++)
        sum += fv.v[i];
    return val_float(fv.n ? sum / (double)fv.n : 0.0);
}

static int dcmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static struct val f_median(struct ev *ev, struct val *a, int n)
{
    struct fvec fv = {0};
    for (int i = 0; i < n; i++)
        collect(ev, a[i], &fv, "median");
    if (fv.n == 0)
        return val_float(0.0);
    qsort(fv.v, fv.n, sizeof *fv.v, dcmp);
    if (fv.n % 2)
        return val_float(fv.v[fv.n / 2]);
    return val_float((fv.v[fv.n / 2 - 1] + fv.v[fv.n / 2]) / 2);
}

/* runtime.Fetch with recover(): nil instead of an error */
static struct val try_fetch(struct ev *ev, struct val from, struct val key)
{
    jmp_buf saved;
    memcpy(&saved, &ev->jb, sizeof saved);
    struct val out = val_null();
    if (setjmp(ev->jb) == 0)
        out = expr_fetch(ev, from, key);
    else
        out = val_null();
    memcpy(&ev->jb, &saved, sizeof saved);
    return out;
}

static struct val f_first(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    return try_fetch(ev, a[0], val_int(0));
}

static struct val f_last(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    return try_fetch(ev, a[0], val_int(-1));
}

static struct val f_get(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 2, 2);
    return try_fetch(ev, a[0], a[1]);
}

static struct val f_take(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 2, 2);
    if (a[0].kind != VAL_ARRAY)
        expr_fail(ev, "cannot take from %s", expr_kind_name(a[0]));
    unsigned gt = val_gotype(a[1]);
    if (a[1].kind != VAL_INT || gt > GT_INT64)
        expr_fail(ev, "cannot take %s elements", expr_kind_name(a[1]));
    int64_t k = a[1].u.i;
    int64_t len = (int64_t)val_list_len(a[0]);
    if (k > len)
        return a[0];
    if (k < 0)
        expr_fail(ev, "reflect.Value.Slice: slice index out of bounds");
    return expr_slice(ev, a[0], val_int(0), val_int(k));
}

static void want_map(struct ev *ev, struct val v, const char *what)
{
    if (v.kind != VAL_OBJECT || val_gotype(v) == GT_STRUCT)
        expr_fail(ev, "cannot %s %s", what, expr_kind_name(v));
}

static struct val keys_values(struct ev *ev, struct val m, int which)
{
    size_t k = val_obj_len(m);
    struct val_list *l = expr_list_new(ev, k);
    for (size_t i = 0; i < k; i++) {
        const struct val_kv *kv = val_obj_at(m, i);
        if (which == 0) {
            l->items[i] = kv->key;
        } else if (which == 1) {
            l->items[i] = kv->v;
        } else {
            struct val_list *p = expr_list_new(ev, 2);
            p->items[0] = kv->key;
            p->items[1] = kv->v;
            l->items[i] = expr_sealed(ev, val_list(p, GT_ARRAY_FIXED));
        }
    }
    return expr_sealed(ev,
                       val_list(l, which == 2 ? GT_LIST_PAIRS : GT_LIST_ANY));
}

static struct val f_keys(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    want_map(ev, a[0], "get keys from");
    return keys_values(ev, a[0], 0);
}

static struct val f_values(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    want_map(ev, a[0], "get values from");
    return keys_values(ev, a[0], 1);
}

static struct val f_to_pairs(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    want_map(ev, a[0], "transform");
    return keys_values(ev, a[0], 2);
}

static struct val f_from_pairs(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    if (a[0].kind != VAL_ARRAY)
        expr_fail(ev, "cannot transform %s from pairs",
                  expr_sprint(ev, a[0]).u.s);
    size_t k = val_list_len(a[0]);
    struct val_kv *kv = expr_alloc(ev, (k ? k : 1) * sizeof *kv);
    struct val *keys = expr_alloc(ev, (k ? k : 1) * sizeof *keys);
    for (size_t i = 0; i < k; i++) {
        struct val p = val_list_at(a[0], i);
        if (p.kind != VAL_ARRAY)
            expr_fail(ev, "invalid pair %s", expr_sprint(ev, p).u.s);
        if (val_list_len(p) != 2)
            expr_fail(ev, "invalid pair length %s", expr_sprint(ev, p).u.s);
        keys[i] = val_list_at(p, 0);
        kv[i].key = expr_iface_key(ev, keys[i]);
        kv[i].v = val_list_at(p, 1);
    }
    return expr_map_iface(ev, keys, kv, k, GT_MAP_IFACE);
}

static struct val f_reverse(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 1);
    if (a[0].kind != VAL_ARRAY)
        expr_fail(ev, "cannot reverse %s", expr_kind_name(a[0]));
    size_t k = val_list_len(a[0]);
    struct val_list *l = expr_list_new(ev, k);
    for (size_t i = 0; i < k; i++)
        l->items[i] = val_list_at(a[0], k - 1 - i);
    return expr_sealed(ev, val_list(l, GT_LIST_ANY));
}

static struct val f_concat(struct ev *ev, struct val *a, int n)
{
    if (n == 0)
        expr_fail(ev, "invalid number of arguments (expected at least 1, "
                      "got 0)");
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (a[i].kind != VAL_ARRAY)
            expr_fail(ev, "cannot concat %s",
                      a[i].kind == VAL_NULL ? "invalid" : expr_kind_name(a[i]));
        total += val_list_len(a[i]);
    }
    expr_mem_grow(ev, total);
    struct val_list *l = expr_list_new(ev, total);
    size_t at = 0;
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < val_list_len(a[i]); j++)
            l->items[at++] = val_list_at(a[i], j);
    struct val r = expr_sealed(ev, val_list(l, GT_LIST_ANY));
    if (total == 0)
        r.flags |= VAL_F_NILPTR;
    return r;
}

struct sort_ctx {
    struct ev *ev;
    bool desc;
};

struct sort_pair {
    struct val key, item;
};

static int sort_cmp(const void *x, const void *y, void *ctx)
{
    const struct sort_pair *a = x, *b = y;
    struct sort_ctx *c = ctx;
    struct val l = c->desc ? b->key : a->key, r = c->desc ? a->key : b->key;
    if (expr_compare(c->ev, OP_LT, l, r))
        return -1;
    return expr_compare(c->ev, OP_LT, r, l) ? 1 : 0;
}

/* Sorts items by keys with expr's `<` (a run-time error for keys of mixed
 * types), stably, in O(n log n). */
void expr_sort_vals(struct ev *ev, struct val *items, struct val *keys,
                    size_t n, bool desc)
{
    struct sort_pair *p = expr_alloc(ev, (n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        p[i].key = keys[i];
        p[i].item = items[i];
    }
    struct sort_ctx c = {ev, desc};
    expr_msort(ev, p, n, sizeof *p, sort_cmp, &c);
    for (size_t i = 0; i < n; i++) {
        keys[i] = p[i].key;
        items[i] = p[i].item;
    }
}

static bool sort_order(struct ev *ev, struct val *a, int n)
{
    if (n < 2)
        return false;
    if (a[1].kind != VAL_STRING)
        expr_fail(ev, "interface conversion: interface {} is %s, not string",
                  a[1].kind == VAL_NULL ? "nil" : expr_type_name(a[1]));
    if (a[1].len == 3 && memcmp(a[1].u.s, "asc", 3) == 0)
        return false;
    if (a[1].len == 4 && memcmp(a[1].u.s, "desc", 4) == 0)
        return true;
    expr_fail(ev, "invalid order %s, expected asc or desc", a[1].u.s);
}

static struct val f_sort(struct ev *ev, struct val *a, int n)
{
    nargs(ev, n, 1, 2);
    size_t k = 0;
    unsigned gt = val_gotype(a[0]);
    bool sortable =
        a[0].kind == VAL_ARRAY && (gt == GT_LIST_ANY || gt == GT_LIST_INT ||
                                   gt == GT_LIST_FLOAT || gt == GT_LIST_STRING);
    if (sortable)
        k = val_list_len(a[0]);
    bool desc = sort_order(ev, a, n);
    struct val_list *l = expr_list_new(ev, k);
    for (size_t i = 0; i < k; i++)
        l->items[i] = val_list_at(a[0], i);
    struct val *keys = k ? expr_alloc(ev, k * sizeof *keys) : NULL;
    if (k)
        memcpy(keys, l->items, k * sizeof *keys);
    expr_sort_vals(ev, l->items, keys, k, desc);
    expr_mem_grow(ev, k);
    struct val r = expr_sealed(ev, val_list(l, GT_LIST_ANY));
    if (!sortable)
        r.flags |= VAL_F_NILPTR;
    return r;
}

static int64_t bit_arg(struct ev *ev, struct val v, const char *name)
{
    if (v.kind != VAL_INT || val_gotype(v) > GT_UINTPTR)
        expr_fail(ev, "cannot use %s as argument (type int) to call %s",
                  v.kind == VAL_NULL ? "<nil>" : expr_type_name(v), name);
    return v.u.i;
}

static void bit_args(struct ev *ev, struct val *a, int n, const char *name,
                     int64_t *x, int64_t *y)
{
    if (n != 2)
        expr_fail(ev,
                  "invalid number of arguments for %s (expected 2, got "
                  "%d)",
                  name, n);
    *x = bit_arg(ev, a[0], name);
    *y = bit_arg(ev, a[1], name);
}

static struct val f_bitand(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitand", &x, &y);
    return val_int(x & y);
}

static struct val f_bitor(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitor", &x, &y);
    return val_int(x | y);
}

static struct val f_bitxor(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitxor", &x, &y);
    return val_int(x ^ y);
}

static struct val f_bitnand(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitnand", &x, &y);
    return val_int(x & ~y);
}

static void shift_ok(struct ev *ev, int64_t y)
{
    if (y < 0)
        expr_fail(ev,
                  "invalid operation: negative shift count %lld (type "
                  "int)",
                  (long long)y);
}

static struct val f_bitshl(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitshl", &x, &y);
    shift_ok(ev, y);
    return val_int(y >= 64 ? 0 : (int64_t)((uint64_t)x << y));
}

static struct val f_bitshr(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitshr", &x, &y);
    shift_ok(ev, y);
    if (y >= 64)
        return val_int(x < 0 ? -1 : 0);
    return val_int(x < 0 ? ~(~x >> y) : x >> y);
}

static struct val f_bitushr(struct ev *ev, struct val *a, int n)
{
    int64_t x, y;
    bit_args(ev, a, n, "bitushr", &x, &y);
    shift_ok(ev, y);
    return val_int(y >= 64 ? 0 : (int64_t)((uint64_t)x >> y));
}

static struct val f_bitnot(struct ev *ev, struct val *a, int n)
{
    if (n != 1)
        expr_fail(ev,
                  "invalid number of arguments for bitnot (expected 1, "
                  "got %d)",
                  n);
    return val_int(~bit_arg(ev, a[0], "bitnot"));
}
