/*
 * gotime_methods.c: the methods of Go's time types (GOTIME_METHODS in
 * gotime.h), implemented once on this package's time values.  Templates
 * (template/methods.c) and expr (expr/time.c) look methods up here and
 * call them; they only adapt argument checks and error texts to their
 * language.
 */
#include "gotime.h"

#include "arena.h"
#include "buf.h"
#include "err.h"
#include "val.h"

#include <string.h>

#define GOTIME_M_ROW(id, recv, name, params, result, nres, gotype)             \
    [GOTIME_M_##id] = {name,  GOTIME_M_##id, GOTIME_RECV_##recv,               \
                       nres,  params,        params ">" result,                \
                       gotype},
const struct gotime_method gotime_methods[GOTIME_NMETHODS] = {
    GOTIME_METHODS(GOTIME_M_ROW)};
#undef GOTIME_M_ROW

/* See gotime.h. */
int gotime_recv_of(struct val v)
{
    switch (v.kind) {
    case VAL_TIME:
        return v.u.tm ? GOTIME_RECV_TIME : -1;
    case VAL_DURATION:
        return GOTIME_RECV_DURATION;
    case VAL_INT:
        if (val_gotype(v) == GT_MONTH)
            return GOTIME_RECV_MONTH;
        return val_gotype(v) == GT_WEEKDAY ? GOTIME_RECV_WEEKDAY : -1;
    case VAL_OBJECT:
        return val_gotype(v) == GT_STRUCT && val_get(v, "String", 6) &&
                       strcmp(val_type_name(v), "*time.Location") == 0
                   ? GOTIME_RECV_LOCATION
                   : -1;
    default:
        return -1;
    }
}

/* See gotime.h. */
const struct gotime_method *gotime_method_find(int recv, const char *name,
                                               size_t n)
{
    for (size_t i = 0; i < GOTIME_NMETHODS; i++) {
        const struct gotime_method *m = &gotime_methods[i];
        if (m->recv == recv && strlen(m->name) == n &&
            memcmp(m->name, name, n) == 0)
            return m;
    }
    return NULL;
}

/* See gotime.h. */
struct val gotime_location_val(struct arena *a, const char *name)
{
    struct val_kv *kv = arena_alloc(a, 2 * sizeof *kv);
    struct val_obj *o = arena_alloc(a, sizeof *o);
    size_t n = strlen(name);
    char *copy = arena_strndup(a, name, n);
    if (!kv || !o || !copy)
        return val_null();
    kv[0].key = val_str("", 0);
    kv[0].v = val_str("*time.Location", 14);
    kv[1].key = val_str("String", 6);
    kv[1].v = val_str(copy, n);
    o->len = o->cap = 2;
    o->kv = kv;
    return val_obj(o, GT_STRUCT);
}

/* See gotime.h. */
const char *gotime_location_name(struct val loc)
{
    const struct val *v = val_get(loc, "String", 6);
    return v && v->kind == VAL_STRING ? v->u.s : "UTC";
}

static int oom(struct rn_err *e)
{
    return rn_errf(e, RN_ENOMEM, "out of memory");
}

/* A new time value, or OOM. */
static int time_out(const struct val_time *t, struct val *out, struct rn_err *e)
{
    if (!t)
        return e && e->code ? e->code : oom(e);
    *out = val_time(t);
    return RN_OK;
}

/* The text in b (rc: the status of writing it), copied into a; b is
 * freed. */
static int text_out(struct arena *a, struct buf *b, int rc, struct val *out,
                    struct rn_err *e)
{
    char *p = rc == RN_OK ? arena_strndup(a, buf_str(b), b->len) : NULL;
    if (p)
        *out = val_str(p, b->len);
    buf_free(b);
    if (p)
        return RN_OK;
    return rc == RN_ELIMIT ? rn_errf(e, rc, "output too large") : oom(e);
}

/* Month(m).String() / Weekday(d).String(): "%!Month(13)" out of range. */
static int name_out(struct arena *a, int64_t v, bool month, struct val *out,
                    struct rn_err *e)
{
    const char *s = month ? gotime_month_name(v) : gotime_weekday_name(v);
    char *p = s ? NULL
                : arena_printf(a, "%%!%s(%lld)", month ? "Month" : "Weekday",
                               (long long)v);
    if (!s && !p)
        return oom(e);
    *out = s ? val_str(s, strlen(s)) : val_str(p, strlen(p));
    return RN_OK;
}

/* t.UnixMilli() / t.UnixMicro(): wrapping as Go's int64 arithmetic. */
static int64_t unix_scaled(const struct val_time *t, int64_t per_sec)
{
    int64_t div = 1000000000 / per_sec;
    return (int64_t)((uint64_t)t->unix * (uint64_t)per_sec +
                     (uint64_t)(t->nsec / div));
}

/* The methods whose result is one of t's civil fields. */
static bool civil_method(const struct val_time *t, int id, struct val *out)
{
    struct gotime_civil c;
    gotime_civil(t, &c);
    switch (id) {
    case GOTIME_M_YEAR:
    case GOTIME_M_DATE:
        *out = val_int(c.year);
        return true;
    case GOTIME_M_MONTH:
        *out = val_int_t(c.month, GT_MONTH);
        return true;
    case GOTIME_M_DAY:
        *out = val_int(c.day);
        return true;
    case GOTIME_M_HOUR:
    case GOTIME_M_CLOCK:
        *out = val_int(c.hour);
        return true;
    case GOTIME_M_MINUTE:
        *out = val_int(c.min);
        return true;
    case GOTIME_M_SECOND:
        *out = val_int(c.sec);
        return true;
    case GOTIME_M_NANOSECOND:
        *out = val_int(c.nsec);
        return true;
    case GOTIME_M_WEEKDAY:
        *out = val_int_t(c.wday, GT_WEEKDAY);
        return true;
    case GOTIME_M_YEARDAY:
        *out = val_int(c.yday);
        return true;
    default:
        return false;
    }
}

/* The methods that compare or measure against another time, or read
 * t's instant. */
static bool instant_method(const struct val_time *t, int id,
                           const struct val *args, struct val *out)
{
    switch (id) {
    case GOTIME_M_AFTER:
        *out = val_bool(gotime_cmp(t, args[0].u.tm) > 0);
        return true;
    case GOTIME_M_BEFORE:
        *out = val_bool(gotime_cmp(t, args[0].u.tm) < 0);
        return true;
    case GOTIME_M_EQUAL:
        *out = val_bool(gotime_cmp(t, args[0].u.tm) == 0);
        return true;
    case GOTIME_M_COMPARE:
        *out = val_int(gotime_cmp(t, args[0].u.tm));
        return true;
    case GOTIME_M_SUB:
        *out = val_duration(gotime_sub(t, args[0].u.tm));
        return true;
    case GOTIME_M_ISZERO:
        *out = val_bool(gotime_is_zero(t));
        return true;
    case GOTIME_M_UNIX:
        *out = val_int_t(t->unix, GT_INT64);
        return true;
    case GOTIME_M_UNIXMILLI:
        *out = val_int_t(unix_scaled(t, 1000), GT_INT64);
        return true;
    case GOTIME_M_UNIXMICRO:
        *out = val_int_t(unix_scaled(t, 1000000), GT_INT64);
        return true;
    case GOTIME_M_UNIXNANO:
        *out = val_int_t(gotime_unix_nano(t), GT_INT64);
        return true;
    default:
        return false;
    }
}

/* The time.Time methods that make a new time or text. */
static int time_method(struct arena *a, const struct val_time *t, int id,
                       const struct val *args, struct val *out,
                       struct rn_err *e)
{
    struct buf b;
    int64_t year;
    int week;
    switch (id) {
    case GOTIME_M_ADD:
        return time_out(gotime_add(a, t, args[0].u.i), out, e);
    case GOTIME_M_ADDDATE:
        return time_out(gotime_add_date(a, t, (int)args[0].u.i,
                                        (int)args[1].u.i, (int)args[2].u.i),
                        out, e);
    case GOTIME_M_TRUNCATE:
        return time_out(gotime_truncate(a, t, args[0].u.i), out, e);
    case GOTIME_M_ROUND:
        return time_out(gotime_round(a, t, args[0].u.i), out, e);
    case GOTIME_M_UTC:
        return time_out(gotime_to(a, t, "UTC", e), out, e);
    case GOTIME_M_LOCAL:
        return time_out(gotime_to(a, t, "Local", e), out, e);
    case GOTIME_M_IN:
        if (gotime_recv_of(args[0]) != GOTIME_RECV_LOCATION)
            return rn_errf(e, RN_EEXEC,
                           "time: missing Location in call to Time.In");
        return time_out(gotime_to(a, t, gotime_location_name(args[0]), e), out,
                        e);
    case GOTIME_M_FORMAT:
        buf_init(&b, 1u << 20);
        return text_out(a, &b, gotime_format(&b, t, args[0].u.s, args[0].len),
                        out, e);
    case GOTIME_M_STRING:
        buf_init(&b, 4096);
        return text_out(a, &b, gotime_string(&b, t), out, e);
    case GOTIME_M_LOCATION:
        *out = gotime_location_val(a, t->loc ? t->loc : "UTC");
        return out->kind == VAL_NULL ? oom(e) : RN_OK;
    case GOTIME_M_ZONE:
        *out = val_str(t->zone ? t->zone : "", t->zone ? strlen(t->zone) : 0);
        return RN_OK;
    case GOTIME_M_ISOWEEK:
        gotime_iso_week(t, &year, &week);
        *out = val_int(year);
        return RN_OK;
    default:
        return rn_errf(e, RN_EINVAL, "unknown time method");
    }
}

static int duration_method(struct arena *a, int64_t d, int id,
                           const struct val *args, struct val *out,
                           struct rn_err *e)
{
    struct buf b;
    switch (id) {
    case GOTIME_M_D_HOURS:
        *out = val_float(gotime_duration_hours(d));
        return RN_OK;
    case GOTIME_M_D_MINUTES:
        *out = val_float(gotime_duration_minutes(d));
        return RN_OK;
    case GOTIME_M_D_SECONDS:
        *out = val_float(gotime_duration_seconds(d));
        return RN_OK;
    case GOTIME_M_D_MILLIS:
        *out = val_int_t(d / 1000000, GT_INT64);
        return RN_OK;
    case GOTIME_M_D_MICROS:
        *out = val_int_t(d / 1000, GT_INT64);
        return RN_OK;
    case GOTIME_M_D_NANOS:
        *out = val_int_t(d, GT_INT64);
        return RN_OK;
    case GOTIME_M_D_ROUND:
        *out = val_duration(gotime_duration_round(d, args[0].u.i));
        return RN_OK;
    case GOTIME_M_D_TRUNCATE:
        *out = val_duration(gotime_duration_truncate(d, args[0].u.i));
        return RN_OK;
    case GOTIME_M_D_ABS:
        *out = val_duration(d >= 0 ? d : d == INT64_MIN ? INT64_MAX : -d);
        return RN_OK;
    default: /* GOTIME_M_D_STRING */
        buf_init(&b, 1024);
        return text_out(a, &b, gotime_duration_string(&b, d), out, e);
    }
}

/* See gotime.h. */
int gotime_method_call(struct arena *a, const struct gotime_method *m,
                       struct val recv, const struct val *args, struct val *out,
                       struct rn_err *e)
{
    const char *loc;
    switch (m->recv) {
    case GOTIME_RECV_TIME:
        if (civil_method(recv.u.tm, m->id, out) ||
            instant_method(recv.u.tm, m->id, args, out))
            return RN_OK;
        return time_method(a, recv.u.tm, m->id, args, out, e);
    case GOTIME_RECV_DURATION:
        return duration_method(a, recv.u.i, m->id, args, out, e);
    case GOTIME_RECV_MONTH:
    case GOTIME_RECV_WEEKDAY:
        return name_out(a, recv.u.i, m->recv == GOTIME_RECV_MONTH, out, e);
    default:
        loc = gotime_location_name(recv);
        *out = val_str(loc, strlen(loc));
        return RN_OK;
    }
}
