/*
 * dates.c: sprig's date functions (now, date, dateInZone, htmlDate,
 * htmlDateInZone, dateModify, mustDateModify, ago, toDate, mustToDate,
 * unixEpoch, duration, durationRound and the snake_case aliases).
 *
 * Go's time package lives in core/gotime.h; this file only reproduces
 * sprig's argument rules, which are type switches on the Go static type:
 * date and dateInZone take a time.Time or an int, int64 or int32 of unix
 * seconds and use the current time for anything else (a float64 from JSON
 * data included); ago takes time.Time, int64 or int; duration takes a
 * string or an int64 of seconds; durationRound a string, an int64 of
 * nanoseconds or a time.Time.  An unknown zone falls back to UTC.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"
#include "../../core/gotime.h"
#include "../../core/limits.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NS_SECOND INT64_C(1000000000)
static int out_time(struct tpl_fcall *c, const struct val_time *t,
                    struct val *out)
{
    if (!t)
        return sprig_nomem(c);
    *out = val_time(t);
    return RN_OK;
}

/* time.LoadLocation(zone), falling back to UTC the way dateInZone does:
 * t (or now, when t is NULL) shown in that zone. */
static const struct val_time *
in_zone(struct tpl_fcall *c, const struct val_time *t, const char *zone)
{
    struct rn_err e = {0};
    if (!*zone)
        zone = "UTC";
    const struct val_time *r = gotime_to(c->arena, t, zone, &e);
    if (!r && e.code == RN_ENOTFOUND)
        r = gotime_to(c->arena, t, "UTC", &e);
    return r;
}

/* The time a date argument stands for; NULL on OOM. */
static const struct val_time *date_arg(struct tpl_fcall *c, struct val v,
                                       bool int32_ok)
{
    struct rn_err e = {0};
    if (val_kind(v) == VAL_TIME)
        return v.u.tm;
    if (val_kind(v) == VAL_INT) {
        unsigned gt = val_gotype(v);
        if (gt == GT_INT || gt == GT_INT64 || (int32_ok && gt == GT_INT32))
            return gotime_in(c->arena, val_int_of(v), 0, "Local", &e);
    }
    return gotime_now(c->arena);
}

static int format_time(struct tpl_fcall *c, const struct val_time *t,
                       struct val layout, struct val *out)
{
    struct buf b;
    buf_init(&b, RN_TPL_MAX_OUTPUT);
    int rc = gotime_format(&b, t, val_str_ptr(layout), val_str_len(layout));
    return sprig_out_buf(c, &b, rc, out);
}

/* dateInZone layout date zone, the core of the date family. */
static int date_in_zone(struct tpl_fcall *c, struct val layout, struct val date,
                        struct val zone, struct val *out)
{
    const struct val_time *t = date_arg(c, date, true);
    const char *z = val_str_ptr(zone);
    if (strlen(z) != val_str_len(zone))
        z = "UTC"; /* no zone has a NUL in its name */
    if (t)
        t = in_zone(c, t, z);
    if (!t)
        return sprig_nomem(c);
    return format_time(c, t, layout, out);
}

static int f_now(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)argv;
    (void)argc;
    return out_time(c, gotime_now(c->arena), out);
}

static int f_date(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    (void)argc;
    return date_in_zone(c, argv[0], argv[1], val_str("Local", 5), out);
}

static int f_date_in_zone(struct tpl_fcall *c, const struct val *argv, int argc,
                          struct val *out)
{
    (void)argc;
    return date_in_zone(c, argv[0], argv[1], argv[2], out);
}

static int f_html_date(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return date_in_zone(c, val_str("2006-01-02", 10), argv[0],
                        val_str("Local", 5), out);
}

static int f_html_date_in_zone(struct tpl_fcall *c, const struct val *argv,
                               int argc, struct val *out)
{
    (void)argc;
    return date_in_zone(c, val_str("2006-01-02", 10), argv[0], argv[1], out);
}

/* dateModify d t: t + ParseDuration(d), t unchanged on a bad duration;
 * mustDateModify (ud != NULL) returns the parse error instead. */
static int f_date_modify(struct tpl_fcall *c, const struct val *argv, int argc,
                         struct val *out)
{
    struct rn_err e = {0};
    int64_t ns;
    (void)argc;
    if (gotime_parse_duration(val_str_ptr(argv[0]), val_str_len(argv[0]), &ns,
                              &e)) {
        if (c->ud)
            return sprig_fail(c, "%s", e.msg);
        *out = argv[1];
        return RN_OK;
    }
    return out_time(c, gotime_add(c->arena, argv[1].u.tm, ns), out);
}

/* toDate layout s: time.ParseInLocation in Local; the zero time on error
 * (toDate) or the error (mustToDate, ud != NULL). */
static int f_to_date(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct rn_err e = {0};
    const struct val_time *t = NULL;
    (void)argc;
    int rc = gotime_parse(c->arena, val_str_ptr(argv[0]), val_str_len(argv[0]),
                          val_str_ptr(argv[1]), val_str_len(argv[1]), "Local",
                          &t, &e);
    if (rc == RN_ENOMEM)
        return sprig_nomem(c);
    if (rc && c->ud)
        return sprig_fail(c, "%s", e.msg);
    return out_time(c, rc ? gotime_zero(c->arena) : t, out);
}

static int f_unix_epoch(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    char num[24];
    (void)argc;
    int n = snprintf(num, sizeof num, "%" PRId64, argv[0].u.tm->unix);
    return sprig_out_str(c, num, (size_t)n, out);
}

/* Go's Duration.Round(m) for m > 0: halves away from zero, saturating. */
static int64_t duration_round(int64_t d, int64_t m)
{
    int64_t r = d % m;
    if (d < 0) {
        r = -r;
        if (r + r < m)
            return d + r;
        return d - m + r < d ? d - m + r : INT64_MIN;
    }
    if (r + r < m)
        return d - r;
    return d + m - r > d ? d + m - r : INT64_MAX;
}

static int out_duration(struct tpl_fcall *c, int64_t ns, struct val *out)
{
    struct buf b;
    buf_init(&b, 64);
    int rc = gotime_duration_string(&b, ns);
    return sprig_out_buf(c, &b, rc, out);
}

/* Nanoseconds since t (time.Since), or 0 on OOM of now. */
static int64_t since(struct tpl_fcall *c, const struct val_time *t)
{
    const struct val_time *now = gotime_now(c->arena);
    return now ? gotime_sub(now, t) : 0;
}

/* ago t: time.Since(t) rounded to seconds, as a Duration string. */
static int f_ago(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    struct val v = argv[0];
    (void)argc;
    if (val_kind(v) == VAL_INT && val_gotype(v) == GT_INT32)
        v = val_null(); /* ago has no int32 case */
    const struct val_time *t = date_arg(c, v, false);
    if (!t)
        return sprig_nomem(c);
    return out_duration(c, duration_round(since(c, t), NS_SECOND), out);
}

/* duration secs: a string of base-10 seconds or an int64; anything else
 * (an int literal included) is 0.  The product wraps as Go's does. */
static int f_duration(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct val v = argv[0];
    int64_t n = 0;
    (void)argc;
    if (val_kind(v) == VAL_STRING) {
        if (gofmt_parse_int(val_str_ptr(v), val_str_len(v), 10, &n) != RN_OK)
            n = 0;
    } else if (val_kind(v) == VAL_INT && val_gotype(v) == GT_INT64) {
        n = val_int_of(v);
    }
    return out_duration(c, (int64_t)((uint64_t)n * (uint64_t)NS_SECOND), out);
}

/* durationRound d: the most significant unit only, truncated ("2h",
 * "3mo", "1y"), with a month of 30 days and a year of 365. */
static int f_duration_round(struct tpl_fcall *c, const struct val *argv,
                            int argc, struct val *out)
{
    static const struct {
        uint64_t ns;
        const char *unit;
    } units[] = {
        {UINT64_C(365) * 24 * 3600 * 1000000000, "y"},
        {UINT64_C(30) * 24 * 3600 * 1000000000, "mo"},
        {UINT64_C(24) * 3600 * 1000000000, "d"},
        {UINT64_C(3600) * 1000000000, "h"},
        {UINT64_C(60) * 1000000000, "m"},
        {UINT64_C(1000000000), "s"},
    };
    struct val v = argv[0];
    struct rn_err e = {0};
    int64_t d = 0;
    char text[32];
    (void)argc;
    if (val_kind(v) == VAL_STRING &&
        gotime_parse_duration(val_str_ptr(v), val_str_len(v), &d, &e))
        d = 0;
    else if (val_kind(v) == VAL_INT && val_gotype(v) == GT_INT64)
        d = val_int_of(v);
    else if (val_kind(v) == VAL_TIME)
        d = since(c, v.u.tm);
    uint64_t u = d < 0 ? -(uint64_t)d : (uint64_t)d;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        if (u > units[i].ns) {
            int n = snprintf(text, sizeof text, "%" PRIu64 "%s",
                             u / units[i].ns, units[i].unit);
            return sprig_out_str(c, text, (size_t)n, out);
        }
    }
    return sprig_out_str(c, "0s", 2, out);
}

static const char must_marker = 1;
#define MUST ((void *)&must_marker)

static const struct tpl_func_def date_funcs[] = {
    {"now", f_now, "", NULL},
    {"date", f_date, "sv", NULL},
    {"dateInZone", f_date_in_zone, "svs", NULL},
    {"date_in_zone", f_date_in_zone, "svs", NULL},
    {"htmlDate", f_html_date, "v", NULL},
    {"htmlDateInZone", f_html_date_in_zone, "vs", NULL},
    {"dateModify", f_date_modify, "st", NULL},
    {"date_modify", f_date_modify, "st", NULL},
    {"mustDateModify", f_date_modify, "st", MUST},
    {"must_date_modify", f_date_modify, "st", MUST},
    {"ago", f_ago, "v", NULL},
    {"toDate", f_to_date, "ss", NULL},
    {"mustToDate", f_to_date, "ss", MUST},
    {"unixEpoch", f_unix_epoch, "t", NULL},
    {"duration", f_duration, "v", NULL},
    {"durationRound", f_duration_round, "v", NULL},
};

SPRIG_GROUP(dates, date_funcs);
