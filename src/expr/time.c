/*
 * time.c: time.Time, time.Duration, time.Month, time.Weekday and
 * *time.Location as expr programs see them, plus the `time` variable
 * Argo Rollouts gives trigger conditions ({Now, Parse}) and the now,
 * duration, date and timezone builtins.
 *
 * Methods are looked up by name on values of those types (`t.Sub(u)`,
 * `d.Minutes()`, `t.Month().String()`); with a known static receiver type
 * the argument types are checked at compile time, otherwise calls check
 * them as reflect would ("reflect: Call using int as type string").  A
 * *time.Location is an object of Go type GT_STRUCT whose "String" key
 * holds the zone name, so %v prints the name.
 */
#include "expr_int.h"

#include "../core/buf.h"
#include "../core/gotime.h"

#include <stdio.h>
#include <string.h>

/* expr's static receiver types of core's method receivers. */
static int recv_of_ety(int ty)
{
    switch (ty) {
    case T_TIME:
        return GOTIME_RECV_TIME;
    case T_DURATION:
        return GOTIME_RECV_DURATION;
    case T_MONTH:
        return GOTIME_RECV_MONTH;
    case T_WEEKDAY:
        return GOTIME_RECV_WEEKDAY;
    case T_LOCATION:
        return GOTIME_RECV_LOCATION;
    default:
        return -1;
    }
}

/* Method id (core's enum gotime_method_id) of name on a value of static
 * type ty, or -1. */
int expr_method_find(int ty, const char *name, size_t n)
{
    int r = recv_of_ety(ty);
    const struct gotime_method *m =
        r >= 0 ? gotime_method_find(r, name, n) : NULL;
    return m ? m->id : -1;
}

/* The static type a run-time value has (for method lookup). */
int expr_val_ety(struct val v)
{
    switch (v.kind) {
    case VAL_TIME:
        return T_TIME;
    case VAL_DURATION:
        return T_DURATION;
    case VAL_INT:
        if (val_gotype(v) == GT_MONTH)
            return T_MONTH;
        if (val_gotype(v) == GT_WEEKDAY)
            return T_WEEKDAY;
        return T_INT;
    case VAL_OBJECT:
        return val_gotype(v) == GT_STRUCT ? T_LOCATION : T_MAP;
    default:
        return T_ANY;
    }
}

/* Compile-time check of a method call's arguments; returns the
 * method's result type or fails through c. */
int expr_method_check(struct cstate *c, struct node *call, int ty, int mid)
{
    (void)ty;
    uint8_t at[32];
    for (int i = 0; i < call->nargs && i < 32; i++)
        at[i] = call->args[i]->ty;
    int t = expr_check_sigs(c, call, at, gotime_methods[mid].sig,
                            gotime_methods[mid].name);
    return t == T_NIL ? T_ANY : t;
}

/* ---- values ---- */

/* A function value with expr's calling convention (val.h GT_FUNC_EXPR). */
static struct val expr_func_val(const struct val_func *f)
{
    struct val v = val_func(f);
    v.flags = GT_FUNC_EXPR;
    return v;
}

static struct val tv(struct ev *ev, const struct val_time *t)
{
    if (!t)
        expr_fail(ev, "out of memory");
    return val_time(t);
}

static struct val location(struct ev *ev, const char *name)
{
    struct val v = gotime_location_val(ev->a, name);
    if (v.kind == VAL_NULL)
        expr_fail(ev, "out of memory");
    return v;
}

static bool arg_fits(struct val v, char c)
{
    switch (c) {
    case 's':
        return v.kind == VAL_STRING;
    case 'i':
        return v.kind == VAL_INT && val_gotype(v) == GT_INT;
    case 't':
        return v.kind == VAL_TIME;
    case 'd':
        return v.kind == VAL_DURATION;
    case 'L':
        return v.kind == VAL_OBJECT && val_gotype(v) == GT_STRUCT;
    default:
        return false;
    }
}

static const char *param_type(char c)
{
    switch (c) {
    case 's':
        return "string";
    case 'i':
        return "int";
    case 't':
        return "time.Time";
    case 'd':
        return "time.Duration";
    default:
        return "*time.Location";
    }
}

/* reflect.Value.Call's checks of count and types. */
static void reflect_args(struct ev *ev, const char *sig, struct val *args,
                         int nargs)
{
    int nin = (int)(strchr(sig, '>') - sig);
    if (nargs < nin)
        expr_fail(ev, "reflect: Call with too few input arguments");
    if (nargs > nin)
        expr_fail(ev, "reflect: Call with too many input arguments");
    for (int i = 0; i < nin; i++)
        if (!arg_fits(args[i], sig[i]))
            expr_fail(ev, "reflect: Call using %s as type %s",
                      args[i].kind == VAL_NULL ? "interface {}"
                                               : expr_type_name(args[i]),
                      param_type(sig[i]));
}

/* Calls method mid on recv after reflect's argument checks. */
struct val expr_method_call(struct ev *ev, struct val recv, int mid,
                            struct val *args, int nargs)
{
    const struct gotime_method *m = &gotime_methods[mid];
    struct val out;
    struct rn_err e = {0};
    reflect_args(ev, m->sig, args, nargs);
    if (gotime_method_call(ev->a, m, recv, args, &out, &e) != RN_OK)
        expr_fail_err(ev, &e, "time error");
    return out;
}

/* ---- function values ---- */

enum native { NAT_NOW, NAT_PARSE, NAT_BOUND };
static const int natives[] = {NAT_NOW, NAT_PARSE, NAT_BOUND};

struct bound {
    struct val recv;
    int mid;
};

/* A method value (recv.Method without a call) in the run's arena. */
struct val expr_bound_method(struct ev *ev, struct val recv, int mid)
{
    struct bound *b = expr_alloc(ev, sizeof *b);
    b->recv = recv;
    b->mid = mid;
    struct val_func *f = expr_alloc(ev, sizeof *f);
    f->name = gotime_methods[mid].name;
    f->impl = (void *)&natives[NAT_BOUND];
    f->ud = b;
    return expr_func_val(f);
}

static struct val time_parse(struct ev *ev, struct val *args, int nargs)
{
    reflect_args(ev, "s>t", args, nargs);
    const struct val_time *t;
    struct rn_err e = {0};
    if (gotime_parse(ev->a, GOTIME_RFC3339, strlen(GOTIME_RFC3339), args[0].u.s,
                     args[0].len, NULL, &t, &e) != RN_OK)
        expr_fail_err(ev, &e, "cannot parse time");
    return val_time(t);
}

/* Calls a function value (time.Now, time.Parse, a method value) the
 * way reflect.Value.Call does, failing the run for other values. */
/* Go's %T of a function value made here. */
const char *expr_func_type(struct val fn)
{
    const int *kind = fn.u.fn ? fn.u.fn->impl : NULL;
    if (kind == &natives[NAT_NOW])
        return "func() time.Time";
    if (kind == &natives[NAT_PARSE])
        return "func(string) time.Time";
    if (kind == &natives[NAT_BOUND])
        return gotime_methods[((const struct bound *)fn.u.fn->ud)->mid].gotype;
    return "func()";
}

struct val expr_call_value(struct ev *ev, struct val fn, struct val *args,
                           int nargs)
{
    if (fn.kind != VAL_FUNC)
        expr_fail(ev, "reflect: call of reflect.Value.Call on %s Value",
                  expr_kind_name(fn));
    if (val_gotype(fn) != GT_FUNC_EXPR || !fn.u.fn)
        expr_fail(ev, "cannot call a function value made outside expr");
    const int *kind = fn.u.fn->impl;
    if (kind == &natives[NAT_NOW]) {
        reflect_args(ev, ">t", args, nargs);
        return tv(ev, gotime_now(ev->a));
    }
    if (kind == &natives[NAT_PARSE])
        return time_parse(ev, args, nargs);
    if (kind == &natives[NAT_BOUND]) {
        const struct bound *b = fn.u.fn->ud;
        return expr_method_call(ev, b->recv, b->mid, args, nargs);
    }
    expr_fail(ev, "cannot call %s", fn.u.fn->name ? fn.u.fn->name : "func");
}

static const struct val_func fn_now = {"Now", (void *)&natives[NAT_NOW], NULL};
static const struct val_func fn_parse = {"Parse", (void *)&natives[NAT_PARSE],
                                         NULL};

/* See expr.h.  Now and Parse are static function values. */
struct val expr_time_var(struct arena *a)
{
    struct val_kv *kv = arena_alloc(a, 2 * sizeof *kv);
    struct val_obj *o = arena_alloc(a, sizeof *o);
    if (!kv || !o)
        return val_null();
    kv[0].key = val_str("Now", 3);
    kv[0].v = expr_func_val(&fn_now);
    kv[1].key = val_str("Parse", 5);
    kv[1].v = expr_func_val(&fn_parse);
    o->len = o->cap = 2;
    o->kv = kv;
    return val_obj(o, GT_MAP_ANY);
}

/* ---- builtins ---- */

typedef struct val bi_fn(struct ev *ev, struct val *a, int n);
bi_fn expr_f_now, expr_f_duration, expr_f_date, expr_f_timezone;

/* now([location]). */
struct val expr_f_now(struct ev *ev, struct val *a, int n)
{
    const struct val_time *t = gotime_now(ev->a);
    if (!t)
        expr_fail(ev, "out of memory");
    if (n == 0)
        return val_time(t);
    if (n == 1 && expr_val_ety(a[0]) == T_LOCATION) {
        struct rn_err e = {0};
        const struct val_time *r =
            gotime_to(ev->a, t, gotime_location_name(a[0]), &e);
        if (!r)
            expr_fail_err(ev, &e, "time error");
        return val_time(r);
    }
    expr_fail(ev, "invalid number of arguments (expected 0, got %d)", n);
}

/* duration(s): time.ParseDuration. */
struct val expr_f_duration(struct ev *ev, struct val *a, int n)
{
    if (n != 1)
        expr_fail(ev, "invalid number of arguments (expected 1, got %d)", n);
    struct val s = expr_want_str(ev, a[0]);
    int64_t ns;
    struct rn_err e = {0};
    if (gotime_parse_duration(s.u.s, s.len, &ns, &e) != RN_OK)
        expr_fail_err(ev, &e, "time: invalid duration");
    return val_duration(ns);
}

static bool parse_in(struct ev *ev, const char *layout, struct val s,
                     const char *loc, struct val *out, struct rn_err *e)
{
    const struct val_time *t;
    if (gotime_parse(ev->a, layout, strlen(layout), s.u.s, s.len, loc, &t, e) !=
        RN_OK)
        return false;
    *out = val_time(t);
    return true;
}

static const char *load_location(struct ev *ev, struct val name)
{
    struct rn_err e = {0};
    struct val s = expr_want_str(ev, name);
    if (!gotime_in(ev->a, 0, 0, s.u.s, &e))
        expr_fail_err(ev, &e, "unknown time zone");
    return s.u.s;
}

/* date(s[, layout[, zone]]) and date(location, s, ...): without a
 * layout, the seven layouts expr tries in order. */
struct val expr_f_date(struct ev *ev, struct val *a, int n)
{
    static const char *const layouts[] = {"2006-01-02",
                                          "15:04:05",
                                          "2006-01-02 15:04:05",
                                          GOTIME_RFC3339,
                                          "02 Jan 06 15:04 MST",
                                          "Monday, 02-Jan-06 15:04:05 MST",
                                          "Mon, 02 Jan 2006 15:04:05 MST"};
    const char *tz = NULL;
    if (n > 0 && expr_val_ety(a[0]) == T_LOCATION) {
        tz = gotime_location_name(a[0]);
        a++, n--;
    }
    if (n < 1 || n > 3)
        expr_fail(ev, "invalid number of arguments");
    struct val s = expr_want_str(ev, a[0]), out;
    struct rn_err e = {0};
    if (n >= 2) {
        struct val layout = expr_want_str(ev, a[1]);
        if (n == 3)
            tz = load_location(ev, a[2]);
        if (!parse_in(ev, layout.u.s, s, tz, &out, &e))
            expr_fail_err(ev, &e, "time error");
        return out;
    }
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
        if (parse_in(ev, layouts[i], s, tz, &out, &e))
            return out;
        if (e.code == RN_ENOMEM)
            expr_fail_err(ev, &e, "");
    }
    expr_fail(ev, "invalid date %s", s.u.s);
}

/* timezone(name): a *time.Location. */
struct val expr_f_timezone(struct ev *ev, struct val *a, int n)
{
    if (n != 1)
        expr_fail(ev, "invalid number of arguments (expected 1, got %d)", n);
    return location(ev, load_location(ev, a[0]));
}
