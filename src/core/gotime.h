/*
 * gotime.h: Go's time package as templates and expressions see it.
 *
 * Layout formatting and parsing ("2006-01-02T15:04:05Z07:00"), IANA zones
 * read from the system tzdata (TZif files under /usr/share/zoneinfo, or
 * $ZONEINFO), Go's Duration.String() and ParseDuration, civil-date math
 * (AddDate, Date, Weekday, YearDay, Truncate/Round), and Time.String().
 * Time values are struct val_time (val.h), allocated in an arena.
 *
 * Locations are named as Go names them: "" and "UTC" are UTC; "Local" is
 * the zone $TZ names (read at each call; unset, empty, "UTC" or a zone that
 * does not load mean UTC, ":Name" is Name, an absolute path is a TZif
 * file), and the resulting time's loc is that zone's name, as Go's Local
 * is named by $TZ.  Fixed zones (from parsing "+02:00") have
 * val_time.fixed set.  Zones are cached process-wide behind a mutex;
 * everything here is safe to call from any thread.
 */
#ifndef RN_GOTIME_H
#define RN_GOTIME_H

#include "val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct rn_err;

#define GOTIME_RFC3339 "2006-01-02T15:04:05Z07:00"
#define GOTIME_RFC3339NANO "2006-01-02T15:04:05.999999999Z07:00"

/* time.Unix(unix, nsec).In(loc) (nsec outside 0..999999999 carries).
 * NULL with e->code RN_ENOMEM, or RN_ENOTFOUND for a zone that does not
 * load, with Go's LoadLocation text: "unknown time zone X", "time: invalid
 * location name", "is a directory"... */
struct val_time *gotime_in(struct arena *a, int64_t unix, int32_t nsec,
                           const char *loc, struct rn_err *e);
/* Current time in Local.  Goes through a clock hook so tests can fix it. */
struct val_time *gotime_now(struct arena *a);
/* Set the clock gotime_now reads (NULL: the system clock; a hook returning
 * non-zero also falls back to it).  Process-wide test state, guarded by a
 * mutex. */
void gotime_set_clock(int (*now)(int64_t *unix, int32_t *nsec));

/* Time.Format(layout) */
int gotime_format(struct buf *b, const struct val_time *t, const char *layout,
                  size_t layoutlen);
/* Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST" */
int gotime_string(struct buf *b, const struct val_time *t);

/* time.Parse (loc NULL: UTC by default, numeric offsets matched against
 * Local) / time.ParseInLocation(loc).  Errors RN_EINVAL in Go 1.19's words
 * ('parsing time "x" as "2006-...": cannot parse "x" as "2006"',
 * 'parsing time "x": month out of range', '...: extra text: "y"'),
 * RN_ENOTFOUND for loc, RN_ENOMEM. */
int gotime_parse(struct arena *a, const char *layout, size_t layoutlen,
                 const char *value, size_t valuelen, const char *loc,
                 const struct val_time **out, struct rn_err *e);

/* Duration.String() ("1h2m3.5s", "0s", "1.5µs"), appended to b. */
int gotime_duration_string(struct buf *b, int64_t ns);
/* time.ParseDuration; RN_EINVAL with Go's text ('time: invalid duration
 * "x"', 'time: unknown unit "d" in duration "3d"', 'time: missing unit in
 * duration "1"'). */
int gotime_parse_duration(const char *s, size_t n, int64_t *ns,
                          struct rn_err *e);

/* Civil fields of t in its own zone. */
struct gotime_civil {
    int64_t year;
    int month, day, hour, min, sec, nsec;
    int wday; /* 0 = Sunday */
    int yday; /* 1..366 */
};
void gotime_civil(const struct val_time *t, struct gotime_civil *c);

/* time.Date(year, month, day, hour, min, sec, nsec, loc) with Go's
 * normalisation of out-of-range fields and Go's choice in DST gaps (a
 * missing 02:30 becomes 01:30 standard time) and overlaps (the first).
 * wday and yday are ignored.  Errors as gotime_in. */
struct val_time *gotime_date(struct arena *a, const struct gotime_civil *c,
                             const char *loc, struct rn_err *e);
/* t.AddDate(y, m, d): Jan 31 + 1 month = Mar 3 (Mar 2 in leap years), as
 * Go normalises.  NULL on OOM. */
struct val_time *gotime_add_date(struct arena *a, const struct val_time *t,
                                 int y, int m, int d);
/* t.Add(ns); saturates at the ends of the representable range */
struct val_time *gotime_add(struct arena *a, const struct val_time *t,
                            int64_t ns);
/* t.Sub(u) as a Duration, saturating at the int64 range as Go does. */
int64_t gotime_sub(const struct val_time *t, const struct val_time *u);
/* -1, 0, 1 by instant */
int gotime_cmp(const struct val_time *t, const struct val_time *u);
/* t.In(loc); errors as gotime_in. */
struct val_time *gotime_to(struct arena *a, const struct val_time *t,
                           const char *loc, struct rn_err *e);
/* t.UnixNano() (wraps outside 1678..2262 as Go does) */
int64_t gotime_unix_nano(const struct val_time *t);

/* ---- additions ---- */

/* Go's zero Time (0001-01-01 00:00:00 UTC) and t.IsZero(). */
struct val_time *gotime_zero(struct arena *a);
bool gotime_is_zero(const struct val_time *t);
/* t.Truncate(d) / t.Round(d): multiples of d since the zero time, in t's
 * zone; d <= 0 gives t unchanged.  NULL on OOM. */
struct val_time *gotime_truncate(struct arena *a, const struct val_time *t,
                                 int64_t d);
struct val_time *gotime_round(struct arena *a, const struct val_time *t,
                              int64_t d);
/* t.ISOWeek() */
void gotime_iso_week(const struct val_time *t, int64_t *year, int *week);

/* time.Month(m).String() / time.Weekday(d).String(): "January",
 * "Sunday"; NULL out of range (Go prints "%!Month(13)"). */
const char *gotime_month_name(int64_t m);
const char *gotime_weekday_name(int64_t d);

/* Duration.Round(m) (halves away from zero, saturating),
 * Duration.Truncate(m), and Hours/Minutes/Seconds as Go computes them. */
int64_t gotime_duration_round(int64_t d, int64_t m);
int64_t gotime_duration_truncate(int64_t d, int64_t m);
double gotime_duration_hours(int64_t d);
double gotime_duration_minutes(int64_t d);
double gotime_duration_seconds(int64_t d);

#endif
