/*
 * methods.c: methods templates can call on Go's time values:
 * time.Time (.Year, .Format "...", .Unix, .UTC, .Add, .Sub, ...),
 * time.Duration (.Hours, .String, .Round, ...) and the String methods of
 * time.Month and time.Weekday.  Each method is a table row whose first
 * argument is the receiver; its parameter letters describe the rest.
 */
#include "template_int.h"

#include "../core/buf.h"
#include "../core/gotime.h"

#include <stdio.h>
#include <string.h>

#define NS_HOUR 3600000000000LL
#define NS_MIN 60000000000LL
#define NS_SEC 1000000000LL

static int oom(struct tpl_fcall *c)
{
    return rn_errf(c->err, RN_ENOMEM, "out of memory");
}

static int str_out(struct tpl_fcall *c, struct buf *b, int rc, struct val *out)
{
    if (rc == RN_OK) {
        char *p = arena_strndup(c->arena, buf_str(b), b->len);
        if (!p)
            rc = oom(c);
        else
            *out = val_str(p, b->len);
    }
    buf_free(b);
    return rc;
}

static struct gotime_civil civil(const struct val *v)
{
    struct gotime_civil cv;
    gotime_civil(v->u.tm, &cv);
    return cv;
}

/* ---- time.Time ---- */

static bool less_than_half(int64_t x, int64_t y);

static int m_civil(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    struct gotime_civil cv = civil(&argv[0]);
    const char *n = c->name;
    if (strcmp(n, "Year") == 0)
        *out = val_int(cv.year);
    else if (strcmp(n, "Month") == 0)
        *out = val_int_t(cv.month, GT_MONTH);
    else if (strcmp(n, "Day") == 0)
        *out = val_int(cv.day);
    else if (strcmp(n, "Hour") == 0)
        *out = val_int(cv.hour);
    else if (strcmp(n, "Minute") == 0)
        *out = val_int(cv.min);
    else if (strcmp(n, "Second") == 0)
        *out = val_int(cv.sec);
    else if (strcmp(n, "Nanosecond") == 0)
        *out = val_int(cv.nsec);
    else if (strcmp(n, "YearDay") == 0)
        *out = val_int(cv.yday);
    else
        *out = val_int_t(cv.wday, GT_WEEKDAY);
    return RN_OK;
}

static int m_unix(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    (void)argc;
    const struct val_time *t = argv[0].u.tm;
    int64_t r;
    if (strcmp(c->name, "Unix") == 0)
        r = t->unix;
    else if (strcmp(c->name, "UnixMilli") == 0)
        r = t->unix * 1000 + t->nsec / 1000000;
    else if (strcmp(c->name, "UnixMicro") == 0)
        r = t->unix * 1000000 + t->nsec / 1000;
    else
        r = gotime_unix_nano(t);
    *out = val_int_t(r, GT_INT64);
    return RN_OK;
}

static int m_format(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)argc;
    struct buf b;
    buf_init(&b, 1u << 20);
    return str_out(
        c, &b, gotime_format(&b, argv[0].u.tm, argv[1].u.s, argv[1].len), out);
}

static int m_string(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)argc;
    struct buf b;
    buf_init(&b, 4096);
    return str_out(c, &b, gotime_string(&b, argv[0].u.tm), out);
}

static int m_to(struct tpl_fcall *c, const struct val *argv, int argc,
                struct val *out)
{
    (void)argc;
    const char *loc = strcmp(c->name, "UTC") == 0 ? "UTC" : "Local";
    struct val_time *t = gotime_to(c->arena, argv[0].u.tm, loc, c->err);
    if (!t)
        return c->err->code ? c->err->code : oom(c);
    *out = val_time(t);
    return RN_OK;
}

static int m_add(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)argc;
    struct val_time *t = gotime_add(c->arena, argv[0].u.tm, argv[1].u.i);
    if (!t)
        return oom(c);
    *out = val_time(t);
    return RN_OK;
}

static int m_add_date(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)argc;
    struct val_time *t =
        gotime_add_date(c->arena, argv[0].u.tm, (int)argv[1].u.i,
                        (int)argv[2].u.i, (int)argv[3].u.i);
    if (!t)
        return oom(c);
    *out = val_time(t);
    return RN_OK;
}

static int m_sub(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_duration(gotime_sub(argv[0].u.tm, argv[1].u.tm));
    return RN_OK;
}

static int m_cmp(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)argc;
    int r = gotime_cmp(argv[0].u.tm, argv[1].u.tm);
    if (strcmp(c->name, "Compare") == 0)
        *out = val_int(r);
    else if (strcmp(c->name, "After") == 0)
        *out = val_bool(r > 0);
    else if (strcmp(c->name, "Before") == 0)
        *out = val_bool(r < 0);
    else
        *out = val_bool(r == 0);
    return RN_OK;
}

static int m_is_zero(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)c;
    (void)argc;
    const struct val_time *t = argv[0].u.tm;
    *out = val_bool(t->unix == -62135596800LL && t->nsec == 0);
    return RN_OK;
}

/* The remainder of t's time since Go's zero time (year 1) modulo d > 0,
 * as Go's div does for Truncate and Round. */
static int64_t time_mod(const struct val_time *t, int64_t d)
{
    __extension__ typedef __int128 i128;
    i128 abs = ((i128)t->unix + 62135596800LL) * 1000000000 + t->nsec;
    i128 r = abs % d;
    if (r < 0)
        r += d;
    return (int64_t)r;
}

static int m_round(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    const struct val_time *t = argv[0].u.tm;
    int64_t d = argv[1].u.i, shift = 0;
    if (d > 0) {
        int64_t r = time_mod(t, d);
        if (strcmp(c->name, "Truncate") == 0 || less_than_half(r, d))
            shift = -r;
        else
            shift = d - r;
    }
    struct val_time *nt = gotime_add(c->arena, t, shift);
    if (!nt)
        return oom(c);
    *out = val_time(nt);
    return RN_OK;
}

/* *time.Location: printed as its name */
static int m_location(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)argc;
    const char *name = argv[0].u.tm->loc ? argv[0].u.tm->loc : "UTC";
    struct val_kv *kv = arena_zalloc(c->arena, 2 * sizeof *kv);
    struct val_obj *o = arena_zalloc(c->arena, sizeof *o);
    if (!kv || !o)
        return oom(c);
    kv[0].key = val_str("", 0);
    kv[0].v = val_str("*time.Location", 14);
    kv[1].key = val_str("String", 6);
    kv[1].v = val_str(name, strlen(name));
    o->kv = kv;
    o->len = o->cap = 2;
    *out = val_obj(o, GT_STRUCT);
    return RN_OK;
}

/* Methods with several results cannot be called from a template. */
static int m_multi(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argv;
    (void)argc;
    (void)out;
    int n =
        strcmp(c->name, "Zone") == 0 || strcmp(c->name, "ISOWeek") == 0 ? 2 : 3;
    return rn_errf(c->err, RN_EEXEC,
                   "can't call method/function \"%s\" with %d results", c->name,
                   n);
}

static const struct tpl_func_def time_methods[] = {
    {"Add", m_add, "d", NULL},         {"Clock", m_multi, "", NULL},
    {"Date", m_multi, "", NULL},       {"ISOWeek", m_multi, "", NULL},
    {"Zone", m_multi, "", NULL},       {"AddDate", m_add_date, "iii", NULL},
    {"After", m_cmp, "t", NULL},       {"Before", m_cmp, "t", NULL},
    {"Compare", m_cmp, "t", NULL},     {"Day", m_civil, "", NULL},
    {"Equal", m_cmp, "t", NULL},       {"Format", m_format, "s", NULL},
    {"Hour", m_civil, "", NULL},       {"IsZero", m_is_zero, "", NULL},
    {"Local", m_to, "", NULL},         {"Location", m_location, "", NULL},
    {"Minute", m_civil, "", NULL},     {"Round", m_round, "d", NULL},
    {"Truncate", m_round, "d", NULL},  {"Month", m_civil, "", NULL},
    {"Nanosecond", m_civil, "", NULL}, {"Second", m_civil, "", NULL},
    {"String", m_string, "", NULL},    {"Sub", m_sub, "t", NULL},
    {"UTC", m_to, "", NULL},           {"Unix", m_unix, "", NULL},
    {"UnixMicro", m_unix, "", NULL},   {"UnixMilli", m_unix, "", NULL},
    {"UnixNano", m_unix, "", NULL},    {"Weekday", m_civil, "", NULL},
    {"Year", m_civil, "", NULL},       {"YearDay", m_civil, "", NULL},
};

/* ---- time.Duration ---- */

static int m_dur_float(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    int64_t d = argv[0].u.i, unit;
    if (strcmp(c->name, "Hours") == 0)
        unit = NS_HOUR;
    else if (strcmp(c->name, "Minutes") == 0)
        unit = NS_MIN;
    else
        unit = NS_SEC;
    *out = val_float((double)(d / unit) + (double)(d % unit) / (double)unit);
    return RN_OK;
}

static int m_dur_int(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)argc;
    int64_t d = argv[0].u.i;
    if (strcmp(c->name, "Milliseconds") == 0)
        d /= 1000000;
    else if (strcmp(c->name, "Microseconds") == 0)
        d /= 1000;
    *out = val_int_t(d, GT_INT64);
    return RN_OK;
}

static int m_dur_string(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    (void)argc;
    struct buf b;
    buf_init(&b, 256);
    return str_out(c, &b, gotime_duration_string(&b, argv[0].u.i), out);
}

static bool less_than_half(int64_t x, int64_t y)
{
    return (uint64_t)x + (uint64_t)x < (uint64_t)y;
}

static int64_t dur_round(int64_t d, int64_t m)
{
    if (m <= 0)
        return d;
    int64_t r = d % m;
    if (d < 0) {
        r = -r;
        if (less_than_half(r, m))
            return d + r;
        int64_t d1 = (int64_t)((uint64_t)d - (uint64_t)m + (uint64_t)r);
        return d1 < d ? d1 : INT64_MIN;
    }
    if (less_than_half(r, m))
        return d - r;
    int64_t d1 = (int64_t)((uint64_t)d + (uint64_t)m - (uint64_t)r);
    return d1 > d ? d1 : INT64_MAX;
}

static int m_dur_op(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    int64_t d = argv[0].u.i;
    if (strcmp(c->name, "Abs") == 0)
        *out = val_duration(d >= 0 ? d : d == INT64_MIN ? INT64_MAX : -d);
    else if (argc > 1 && strcmp(c->name, "Round") == 0)
        *out = val_duration(dur_round(d, argv[1].u.i));
    else if (argc > 1)
        *out = val_duration(argv[1].u.i <= 0 ? d : d - d % argv[1].u.i);
    return RN_OK;
}

static const struct tpl_func_def duration_methods[] = {
    {"Abs", m_dur_op, "", NULL},
    {"Hours", m_dur_float, "", NULL},
    {"Microseconds", m_dur_int, "", NULL},
    {"Milliseconds", m_dur_int, "", NULL},
    {"Minutes", m_dur_float, "", NULL},
    {"Nanoseconds", m_dur_int, "", NULL},
    {"Round", m_dur_op, "d", NULL},
    {"Seconds", m_dur_float, "", NULL},
    {"String", m_dur_string, "", NULL},
    {"Truncate", m_dur_op, "d", NULL},
};

/* ---- time.Month, time.Weekday ---- */

static int m_named_string(struct tpl_fcall *c, const struct val *argv, int argc,
                          struct val *out)
{
    (void)argc;
    static const char *const months[] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    static const char *const days[] = {"Sunday",    "Monday",   "Tuesday",
                                       "Wednesday", "Thursday", "Friday",
                                       "Saturday"};
    int64_t i = argv[0].u.i;
    bool month = val_gotype(argv[0]) == GT_MONTH;
    const char *s = NULL;
    if (month && i >= 1 && i <= 12)
        s = months[i - 1];
    else if (!month && i >= 0 && i <= 6)
        s = days[i];
    char *p = s ? arena_strdup(c->arena, s)
                : arena_printf(c->arena, "%%!%s(%lld)",
                               month ? "Month" : "Weekday", (long long)i);
    if (!p)
        return oom(c);
    *out = val_str(p, strlen(p));
    return RN_OK;
}

static const struct tpl_func_def named_int_methods[] = {
    {"String", m_named_string, "", NULL},
};

static const struct tpl_func_def *lookup(const struct tpl_func_def *tab,
                                         size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(tab[i].name) == len && memcmp(tab[i].name, name, len) == 0)
            return &tab[i];
    return NULL;
}

/* The method `name` of recv's Go type, or NULL. */
const struct tpl_func_def *tpl_method_find(struct val recv, const char *name,
                                           size_t n)
{
    if (recv.kind == VAL_TIME && recv.u.tm)
        return lookup(time_methods, sizeof time_methods / sizeof *time_methods,
                      name, n);
    if (recv.kind == VAL_DURATION)
        return lookup(duration_methods,
                      sizeof duration_methods / sizeof *duration_methods, name,
                      n);
    if (recv.kind == VAL_INT &&
        (val_gotype(recv) == GT_MONTH || val_gotype(recv) == GT_WEEKDAY))
        return lookup(named_int_methods, 1, name, n);
    return NULL;
}
