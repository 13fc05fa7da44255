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

/* ---- methods, as templates and expr call them ---- */

/*
 * The methods of time.Time, time.Duration, time.Month, time.Weekday and
 * *time.Location, one row each: X(ID, RECV, NAME, PARAMS, RESULT, NRES,
 * GOTYPE).  PARAMS has a letter per parameter (d Duration, t Time, i int,
 * s string, L *Location); RESULT the letter of the first result (also b
 * bool, l int64, f float64, M Month, W Weekday); NRES counts Go's results
 * (Date returns three: templates refuse such methods, expr takes the
 * first).  GOTYPE is Go's %T of the method value.  templates/methods.c
 * and expr/time.c are adapters of this one list.
 */
#define GOTIME_METHODS(X)                                                      \
    X(ADD, TIME, "Add", "d", "t", 1, "func(time.Duration) time.Time")          \
    X(ADDDATE, TIME, "AddDate", "iii", "t", 1,                                 \
      "func(int, int, int) time.Time")                                         \
    X(AFTER, TIME, "After", "t", "b", 1, "func(time.Time) bool")               \
    X(BEFORE, TIME, "Before", "t", "b", 1, "func(time.Time) bool")             \
    X(CLOCK, TIME, "Clock", "", "i", 3, "func() (int, int, int)")              \
    X(COMPARE, TIME, "Compare", "t", "i", 1, "func(time.Time) int")            \
    X(DATE, TIME, "Date", "", "i", 3, "func() (int, time.Month, int)")         \
    X(DAY, TIME, "Day", "", "i", 1, "func() int")                              \
    X(EQUAL, TIME, "Equal", "t", "b", 1, "func(time.Time) bool")               \
    X(FORMAT, TIME, "Format", "s", "s", 1, "func(string) string")              \
    X(HOUR, TIME, "Hour", "", "i", 1, "func() int")                            \
    X(ISOWEEK, TIME, "ISOWeek", "", "i", 2, "func() (int, int)")               \
    X(IN, TIME, "In", "L", "t", 1, "func(*time.Location) time.Time")           \
    X(ISZERO, TIME, "IsZero", "", "b", 1, "func() bool")                       \
    X(LOCAL, TIME, "Local", "", "t", 1, "func() time.Time")                    \
    X(LOCATION, TIME, "Location", "", "L", 1, "func() *time.Location")         \
    X(MINUTE, TIME, "Minute", "", "i", 1, "func() int")                        \
    X(MONTH, TIME, "Month", "", "M", 1, "func() time.Month")                   \
    X(NANOSECOND, TIME, "Nanosecond", "", "i", 1, "func() int")                \
    X(ROUND, TIME, "Round", "d", "t", 1, "func(time.Duration) time.Time")      \
    X(SECOND, TIME, "Second", "", "i", 1, "func() int")                        \
    X(STRING, TIME, "String", "", "s", 1, "func() string")                     \
    X(SUB, TIME, "Sub", "t", "d", 1, "func(time.Time) time.Duration")          \
    X(TRUNCATE, TIME, "Truncate", "d", "t", 1,                                 \
      "func(time.Duration) time.Time")                                         \
    X(UTC, TIME, "UTC", "", "t", 1, "func() time.Time")                        \
    X(UNIX, TIME, "Unix", "", "l", 1, "func() int64")                          \
    X(UNIXMICRO, TIME, "UnixMicro", "", "l", 1, "func() int64")                \
    X(UNIXMILLI, TIME, "UnixMilli", "", "l", 1, "func() int64")                \
    X(UNIXNANO, TIME, "UnixNano", "", "l", 1, "func() int64")                  \
    X(WEEKDAY, TIME, "Weekday", "", "W", 1, "func() time.Weekday")             \
    X(YEAR, TIME, "Year", "", "i", 1, "func() int")                            \
    X(YEARDAY, TIME, "YearDay", "", "i", 1, "func() int")                      \
    X(ZONE, TIME, "Zone", "", "s", 2, "func() (string, int)")                  \
    X(D_ABS, DURATION, "Abs", "", "d", 1, "func() time.Duration")              \
    X(D_HOURS, DURATION, "Hours", "", "f", 1, "func() float64")                \
    X(D_MICROS, DURATION, "Microseconds", "", "l", 1, "func() int64")          \
    X(D_MILLIS, DURATION, "Milliseconds", "", "l", 1, "func() int64")          \
    X(D_MINUTES, DURATION, "Minutes", "", "f", 1, "func() float64")            \
    X(D_NANOS, DURATION, "Nanoseconds", "", "l", 1, "func() int64")            \
    X(D_ROUND, DURATION, "Round", "d", "d", 1,                                 \
      "func(time.Duration) time.Duration")                                     \
    X(D_SECONDS, DURATION, "Seconds", "", "f", 1, "func() float64")            \
    X(D_STRING, DURATION, "String", "", "s", 1, "func() string")               \
    X(D_TRUNCATE, DURATION, "Truncate", "d", "d", 1,                           \
      "func(time.Duration) time.Duration")                                     \
    X(MO_STRING, MONTH, "String", "", "s", 1, "func() string")                 \
    X(WD_STRING, WEEKDAY, "String", "", "s", 1, "func() string")               \
    X(LOC_STRING, LOCATION, "String", "", "s", 1, "func() string")

/* The receiver types that have methods. */
enum gotime_recv {
    GOTIME_RECV_TIME,
    GOTIME_RECV_DURATION,
    GOTIME_RECV_MONTH,
    GOTIME_RECV_WEEKDAY,
    GOTIME_RECV_LOCATION,
};

#define GOTIME_M_ID(id, recv, name, params, result, nres, gotype) GOTIME_M_##id,
enum gotime_method_id { GOTIME_METHODS(GOTIME_M_ID) GOTIME_NMETHODS };
#undef GOTIME_M_ID

struct gotime_method {
    const char *name;
    uint8_t id;       /* enum gotime_method_id */
    uint8_t recv;     /* enum gotime_recv */
    uint8_t nresults; /* Go's result count */
    const char *params;
    const char *sig;    /* params ">" result, as expr checks calls */
    const char *gotype; /* %T of the method value */
};

/* The rows of GOTIME_METHODS, indexed by enum gotime_method_id. */
extern const struct gotime_method gotime_methods[GOTIME_NMETHODS];

/* The receiver type of v (enum gotime_recv), or -1: a time, a duration,
 * an int of Go type time.Month or time.Weekday, a *time.Location object
 * (gotime_location_val). */
int gotime_recv_of(struct val v);
/* The method `name` of receiver type recv, or NULL. */
const struct gotime_method *gotime_method_find(int recv, const char *name,
                                               size_t n);
/*
 * Call m on recv; args hold its parameters, already of their types.  The
 * first result goes in *out, allocated in a.  RN_OK; RN_ENOMEM; In and
 * Local fail as gotime_to does (an unloadable zone, Go's text in e).
 */
int gotime_method_call(struct arena *a, const struct gotime_method *m,
                       struct val recv, const struct val *args, struct val *out,
                       struct rn_err *e);

/* A *time.Location value: an object of Go type GT_STRUCT named
 * "*time.Location" whose "String" member holds the zone's name (so %v
 * prints the name).  Null on OOM. */
struct val gotime_location_val(struct arena *a, const char *name);
/* The zone name of such a value ("UTC" when it has none). */
const char *gotime_location_name(struct val loc);

#endif
