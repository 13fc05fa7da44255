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

enum {
    M_ADD,
    M_ADDDATE,
    M_AFTER,
    M_BEFORE,
    M_EQUAL,
    M_SUB,
    M_FORMAT,
    M_STRING,
    M_UTC,
    M_LOCAL,
    M_IN,
    M_LOCATION,
    M_ISZERO,
    M_UNIX,
    M_UNIXNANO,
    M_UNIXMILLI,
    M_UNIXMICRO,
    M_YEAR,
    M_MONTH,
    M_DAY,
    M_HOUR,
    M_MINUTE,
    M_SECOND,
    M_NANOSECOND,
    M_WEEKDAY,
    M_YEARDAY,
    M_TRUNCATE,
    M_ROUND,
    M_ZONE,
    M_DATE,
    M_CLOCK,
    M_ISOWEEK,
    D_HOURS,
    D_MINUTES,
    D_SECONDS,
    D_MILLIS,
    D_MICROS,
    D_NANOS,
    D_STRING,
    D_ROUND,
    D_TRUNCATE,
    D_ABS,
    MO_STRING,
    WD_STRING,
    LOC_STRING,
};

struct mdef {
    const char *name;
    uint8_t recv; /* enum ety */
    const char *sig;
    const char *gotype; /* %T of the method value */
};

static const struct mdef methods[] = {
    [M_ADD] = {"Add", T_TIME, "d>t", "func(time.Duration) time.Time"},
    [M_ADDDATE] = {"AddDate", T_TIME, "iii>t", "func(int, int, int) time.Time"},
    [M_AFTER] = {"After", T_TIME, "t>b", "func(time.Time) bool"},
    [M_BEFORE] = {"Before", T_TIME, "t>b", "func(time.Time) bool"},
    [M_EQUAL] = {"Equal", T_TIME, "t>b", "func(time.Time) bool"},
    [M_SUB] = {"Sub", T_TIME, "t>d", "func(time.Time) time.Duration"},
    [M_FORMAT] = {"Format", T_TIME, "s>s", "func(string) string"},
    [M_STRING] = {"String", T_TIME, ">s", "func() string"},
    [M_UTC] = {"UTC", T_TIME, ">t", "func() time.Time"},
    [M_LOCAL] = {"Local", T_TIME, ">t", "func() time.Time"},
    [M_IN] = {"In", T_TIME, "L>t", "func(*time.Location) time.Time"},
    [M_LOCATION] = {"Location", T_TIME, ">L", "func() *time.Location"},
    [M_ISZERO] = {"IsZero", T_TIME, ">b", "func() bool"},
    [M_UNIX] = {"Unix", T_TIME, ">l", "func() int64"},
    [M_UNIXNANO] = {"UnixNano", T_TIME, ">l", "func() int64"},
    [M_UNIXMILLI] = {"UnixMilli", T_TIME, ">l", "func() int64"},
    [M_UNIXMICRO] = {"UnixMicro", T_TIME, ">l", "func() int64"},
    [M_YEAR] = {"Year", T_TIME, ">i", "func() int"},
    [M_MONTH] = {"Month", T_TIME, ">M", "func() time.Month"},
    [M_DAY] = {"Day", T_TIME, ">i", "func() int"},
    [M_HOUR] = {"Hour", T_TIME, ">i", "func() int"},
    [M_MINUTE] = {"Minute", T_TIME, ">i", "func() int"},
    [M_SECOND] = {"Second", T_TIME, ">i", "func() int"},
    [M_NANOSECOND] = {"Nanosecond", T_TIME, ">i", "func() int"},
    [M_WEEKDAY] = {"Weekday", T_TIME, ">W", "func() time.Weekday"},
    [M_YEARDAY] = {"YearDay", T_TIME, ">i", "func() int"},
    [M_TRUNCATE] = {"Truncate", T_TIME, "d>t", "func(time.Duration) time.Time"},
    [M_ROUND] = {"Round", T_TIME, "d>t", "func(time.Duration) time.Time"},
    [M_ZONE] = {"Zone", T_TIME, ">s", "func() string"},
    [M_DATE] = {"Date", T_TIME, ">i", "func() int"},
    [M_CLOCK] = {"Clock", T_TIME, ">i", "func() int"},
    [M_ISOWEEK] = {"ISOWeek", T_TIME, ">i", "func() int"},
    [D_HOURS] = {"Hours", T_DURATION, ">f", "func() float64"},
    [D_MINUTES] = {"Minutes", T_DURATION, ">f", "func() float64"},
    [D_SECONDS] = {"Seconds", T_DURATION, ">f", "func() float64"},
    [D_MILLIS] = {"Milliseconds", T_DURATION, ">l", "func() int64"},
    [D_MICROS] = {"Microseconds", T_DURATION, ">l", "func() int64"},
    [D_NANOS] = {"Nanoseconds", T_DURATION, ">l", "func() int64"},
    [D_STRING] = {"String", T_DURATION, ">s", "func() string"},
    [D_ROUND] = {"Round", T_DURATION, "d>d",
                 "func(time.Duration) time.Duration"},
    [D_TRUNCATE] = {"Truncate", T_DURATION, "d>d",
                    "func(time.Duration) time.Duration"},
    [D_ABS] = {"Abs", T_DURATION, ">d", "func() time.Duration"},
    [MO_STRING] = {"String", T_MONTH, ">s", "func() string"},
    [WD_STRING] = {"String", T_WEEKDAY, ">s", "func() string"},
    [LOC_STRING] = {"String", T_LOCATION, ">s", "func() string"},
};

#define NMETHODS ((int)(sizeof methods / sizeof *methods))

/* Method id of name on a value of static type ty, or -1. */
int expr_method_find(int ty, const char *name, size_t n)
{
    if (ty != T_TIME && ty != T_DURATION && ty != T_MONTH && ty != T_WEEKDAY &&
        ty != T_LOCATION)
        return -1;
    for (int i = 0; i < NMETHODS; i++)
        if (methods[i].recv == ty && strlen(methods[i].name) == n &&
            memcmp(methods[i].name, name, n) == 0)
            return i;
    return -1;
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
    int t = expr_check_sigs(c, call, at, methods[mid].sig, methods[mid].name);
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
    struct val_kv *kv = expr_alloc(ev, 2 * sizeof *kv);
    kv[0].key = val_str("", 0);
    kv[0].v = val_str("*time.Location", 14);
    kv[1].key = val_str("String", 6);
    kv[1].v = expr_str(ev, name, strlen(name));
    struct val_obj *o = expr_alloc(ev, sizeof *o);
    o->len = o->cap = 2;
    o->kv = kv;
    return val_obj(o, GT_STRUCT);
}

static const char *location_name(struct val loc)
{
    const struct val *v = val_get(loc, "String", 6);
    return v && v->kind == VAL_STRING ? v->u.s : "UTC";
}

static const char *const month_names[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const day_names[] = {"Sunday",    "Monday",   "Tuesday",
                                        "Wednesday", "Thursday", "Friday",
                                        "Saturday"};

static struct val enum_string(struct ev *ev, int64_t v, const char *const *n,
                              int64_t lo, int64_t hi, const char *type)
{
    if (v >= lo && v <= hi) {
        const char *s = n[v - lo];
        return val_str(s, strlen(s));
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%%!%s(%lld)", type, (long long)v);
    return expr_str(ev, buf, strlen(buf));
}

/* Go's Duration.Round */
static int64_t dur_round(int64_t d, int64_t m)
{
    if (m <= 0)
        return d;
    int64_t r = d % m;
    if (d < 0) {
        r = -r;
        if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
            return d + r;
        int64_t d1 = (int64_t)((uint64_t)d - (uint64_t)m + (uint64_t)r);
        return d1 < d ? d1 : INT64_MIN;
    }
    if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
        return d - r;
    int64_t d1 = (int64_t)((uint64_t)d + (uint64_t)m - (uint64_t)r);
    return d1 > d ? d1 : INT64_MAX;
}

static double dur_float(int64_t d, int64_t unit)
{
    return (double)(d / unit) + (double)(d % unit) / (double)unit;
}

__extension__ typedef __int128 i128;

/* Time.Truncate / Time.Round: relative to Go's zero time. */
static struct val time_round(struct ev *ev, const struct val_time *t, int64_t d,
                             bool up)
{
    if (d <= 0)
        return val_time(t);
    i128 abs = ((i128)t->unix + 62135596800LL) * 1000000000 + t->nsec;
    int64_t r = (int64_t)(abs % d);
    if (r < 0)
        r += d;
    if (up && (uint64_t)r + (uint64_t)r >= (uint64_t)d)
        return tv(ev, gotime_add(ev->a, t, d - r));
    return tv(ev, gotime_add(ev->a, t, -r));
}

static struct val time_method(struct ev *ev, const struct val_time *t, int mid,
                              struct val *a)
{
    struct gotime_civil cv;
    struct buf b;
    struct rn_err e = {0};
    gotime_civil(t, &cv);
    switch (mid) {
    case M_ADD:
        return tv(ev, gotime_add(ev->a, t, a[0].u.i));
    case M_ADDDATE:
        return tv(ev, gotime_add_date(ev->a, t, (int)a[0].u.i, (int)a[1].u.i,
                                      (int)a[2].u.i));
    case M_AFTER:
        return val_bool(gotime_cmp(t, a[0].u.tm) > 0);
    case M_BEFORE:
        return val_bool(gotime_cmp(t, a[0].u.tm) < 0);
    case M_EQUAL:
        return val_bool(gotime_cmp(t, a[0].u.tm) == 0);
    case M_SUB:
        return val_duration(gotime_sub(t, a[0].u.tm));
    case M_FORMAT:
        buf_init(&b, 1u << 20);
        return expr_buf_val(ev, &b, gotime_format(&b, t, a[0].u.s, a[0].len));
    case M_STRING:
        buf_init(&b, 1u << 20);
        return expr_buf_val(ev, &b, gotime_string(&b, t));
    case M_UTC:
    case M_LOCAL:
    case M_IN: {
        const char *loc = mid == M_UTC     ? "UTC"
                          : mid == M_LOCAL ? "Local"
                                           : location_name(a[0]);
        const struct val_time *r = gotime_to(ev->a, t, loc, &e);
        if (!r)
            expr_fail_err(ev, &e, "bad location");
        return val_time(r);
    }
    case M_LOCATION:
        return location(ev, t->loc ? t->loc : "UTC");
    case M_ISZERO:
        return val_bool(t->unix == -62135596800LL && t->nsec == 0);
    case M_UNIX:
        return val_int_t(t->unix, GT_INT64);
    case M_UNIXNANO:
        return val_int_t(gotime_unix_nano(t), GT_INT64);
    case M_UNIXMILLI:
        return val_int_t((int64_t)((uint64_t)t->unix * 1000u +
                                   (uint64_t)(t->nsec / 1000000)),
                         GT_INT64);
    case M_UNIXMICRO:
        return val_int_t((int64_t)((uint64_t)t->unix * 1000000u +
                                   (uint64_t)(t->nsec / 1000)),
                         GT_INT64);
    case M_YEAR:
    case M_DATE:
        return val_int(cv.year);
    case M_MONTH:
        return val_int_t(cv.month, GT_MONTH);
    case M_DAY:
        return val_int(cv.day);
    case M_HOUR:
    case M_CLOCK:
        return val_int(cv.hour);
    case M_MINUTE:
        return val_int(cv.min);
    case M_SECOND:
        return val_int(cv.sec);
    case M_NANOSECOND:
        return val_int(cv.nsec);
    case M_WEEKDAY:
        return val_int_t(cv.wday, GT_WEEKDAY);
    case M_YEARDAY:
        return val_int(cv.yday);
    case M_TRUNCATE:
    case M_ROUND:
        return time_round(ev, t, a[0].u.i, mid == M_ROUND);
    case M_ZONE:
        return expr_str(ev, t->zone ? t->zone : "",
                        t->zone ? strlen(t->zone) : 0);
    case M_ISOWEEK: {
        int shift = 3 - (cv.wday + 6) % 7; /* to the Thursday */
        const struct val_time *th =
            gotime_add(ev->a, t, (int64_t)shift * 86400000000000);
        if (!th)
            expr_fail(ev, "out of memory");
        gotime_civil(th, &cv);
        return val_int(cv.year);
    }
    default:
        expr_fail(ev, "unknown method");
    }
}

static struct val dur_method(struct ev *ev, int64_t d, int mid, struct val *a)
{
    struct buf b;
    switch (mid) {
    case D_HOURS:
        return val_float(dur_float(d, 3600000000000LL));
    case D_MINUTES:
        return val_float(dur_float(d, 60000000000LL));
    case D_SECONDS:
        return val_float(dur_float(d, 1000000000LL));
    case D_MILLIS:
        return val_int_t(d / 1000000, GT_INT64);
    case D_MICROS:
        return val_int_t(d / 1000, GT_INT64);
    case D_NANOS:
        return val_int_t(d, GT_INT64);
    case D_STRING:
        buf_init(&b, 1024);
        return expr_buf_val(ev, &b, gotime_duration_string(&b, d));
    case D_ROUND:
        return val_duration(dur_round(d, a[0].u.i));
    case D_TRUNCATE:
        return val_duration(a[0].u.i <= 0 ? d : d - d % a[0].u.i);
    default: /* D_ABS */
        return val_duration(d >= 0 ? d : d == INT64_MIN ? INT64_MAX : -d);
    }
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
    reflect_args(ev, methods[mid].sig, args, nargs);
    switch (methods[mid].recv) {
    case T_TIME:
        return time_method(ev, recv.u.tm, mid, args);
    case T_DURATION:
        return dur_method(ev, recv.u.i, mid, args);
    case T_MONTH:
        return enum_string(ev, recv.u.i, month_names, 1, 12, "Month");
    case T_WEEKDAY:
        return enum_string(ev, recv.u.i, day_names, 0, 6, "Weekday");
    default: {
        const char *s = location_name(recv);
        return val_str(s, strlen(s));
    }
    }
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
    f->name = methods[mid].name;
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
        return methods[((const struct bound *)fn.u.fn->ud)->mid].gotype;
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
        const struct val_time *r = gotime_to(ev->a, t, location_name(a[0]), &e);
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
        tz = location_name(a[0]);
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
