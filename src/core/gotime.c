/*
 * gotime.c: Go's time.Time in C: locations, civil fields and date math.
 *
 * A val_time keeps the instant (unix seconds + nanoseconds) together with
 * the offset and abbreviation in force and the location's name; anything
 * that moves the instant (Add, AddDate, Truncate...) reloads the location
 * by name (zones are cached, tzif.c) to find the new offset, except for
 * fixed zones, which carry everything they need.  "Local" is the zone
 * named by $TZ, or UTC when TZ is unset or empty (rnotify does not read
 * /etc/localtime, so output does not depend on the host).
 *
 * Arithmetic wraps or saturates the way Go's does, never with C's
 * undefined overflow.
 */
#include "gotime_int.h"

#include "arena.h"
#include "err.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bounds we keep unix seconds in, so adding any zone offset is safe. */
#define GOTIME_UNIX_MAX (INT64_MAX + GOTIME_ZERO_UNIX - (1LL << 40))
#define GOTIME_UNIX_MIN (INT64_MIN + (1LL << 40))

/* ---- calendar ---- */

/* a + b wrapping around like Go's int64 (no undefined overflow). */
int64_t gotime_wadd(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* a * b wrapping around like Go's int64. */
int64_t gotime_wmul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

/* a / b rounded toward minus infinity (b != 0). */
int64_t gotime_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Proleptic Gregorian leap years. */
bool gotime_is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days in month m (1..12) of year y. */
int gotime_days_in(int m, int64_t y)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && gotime_is_leap(y))
        return 29;
    return dim[(m - 1) % 12];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, any d).
 * Wraps for years beyond about +-2.5e13, as Go's arithmetic does. */
int64_t gotime_days_from_civil(int64_t y, int m, int d)
{
    if (m <= 2)
        y = gotime_wadd(y, -1);
    int64_t era = gotime_floor_div(y, 400);
    int64_t yoe = gotime_wadd(y, gotime_wmul(era, -400));
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return gotime_wadd(gotime_wadd(gotime_wmul(era, 146097), doe), -719468);
}

/* The date of a day number (days since 1970-01-01). */
void gotime_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = gotime_wadd(days, 719468);
    int64_t era = gotime_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/*
 * Civil fields of t in its own zone (Go's Date, Clock, Weekday, YearDay).
 * Uses the offset stored in t; no zone is loaded.
 */
void gotime_civil(const struct val_time *t, struct gotime_civil *c)
{
    int64_t local = gotime_wadd(t->unix, t->off);
    int64_t days = gotime_floor_div(local, GOTIME_SECS_PER_DAY);
    int64_t sod = local - days * GOTIME_SECS_PER_DAY;
    gotime_civil_from_days(days, &c->year, &c->month, &c->day);
    c->hour = (int)(sod / 3600);
    c->min = (int)(sod / 60 % 60);
    c->sec = (int)(sod % 60);
    c->nsec = t->nsec;
    c->wday = (int)(((days + 4) % 7 + 7) % 7);
    c->yday = (int)(days - gotime_days_from_civil(c->year, 1, 1)) + 1;
}

/* ---- locations ---- */

/* A fixed zone (Go's FixedZone(name, off)); name is borrowed. */
void gotime_loc_fixed(struct gotime_loc *l, const char *name, int32_t off)
{
    l->tz = NULL;
    l->name = name ? name : "";
    l->abbr = l->name;
    l->off = off;
}

static void loc_tz(struct gotime_loc *l, const struct tz *z)
{
    l->tz = z;
    l->name = z->name;
    l->abbr = NULL;
    l->off = 0;
}

/*
 * Local: $TZ as Go reads it at start-up.  Unset, empty, "UTC" or a zone
 * that does not load give UTC; ":Name" is Name; an absolute path is read
 * as a TZif file and the location is named by the path.
 */
int gotime_loc_local(struct gotime_loc *l, struct rn_err *e)
{
    const char *tz = getenv("TZ");
    const struct tz *z;
    loc_tz(l, &gotime_tz_utc);
    if (!tz)
        return RN_OK;
    if (tz[0] == ':')
        tz++;
    if (!tz[0] || strcmp(tz, "UTC") == 0)
        return RN_OK;
    struct rn_err tmp;
    int rc = tz_acquire(tz, true, &z, &tmp);
    if (rc == RN_ENOMEM)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (rc == RN_OK)
        loc_tz(l, z);
    return RN_OK;
}

static bool has_dotdot(const char *s)
{
    for (const char *p = strstr(s, ".."); p; p = strstr(p + 1, "..")) {
        bool left = p == s || p[-1] == '/' || p[-1] == '\\';
        bool right = p[2] == 0 || p[2] == '/' || p[2] == '\\';
        if (left && right)
            return true;
    }
    return false;
}

/*
 * Go's LoadLocation: "" and "UTC" are UTC, "Local" is $TZ, names with a
 * ".." element or a leading slash are refused ("time: invalid location
 * name"), others are zoneinfo names ("unknown time zone X").  All load
 * failures are RN_ENOTFOUND.
 */
int gotime_loc_open(const char *name, struct gotime_loc *l, struct rn_err *e)
{
    const struct tz *z;
    if (!name || !name[0] || strcmp(name, "UTC") == 0) {
        loc_tz(l, &gotime_tz_utc);
        return RN_OK;
    }
    if (strcmp(name, "Local") == 0)
        return gotime_loc_local(l, e);
    if (has_dotdot(name) || name[0] == '/' || name[0] == '\\')
        return rn_errf(e, RN_ENOTFOUND, "time: invalid location name");
    int rc = tz_acquire(name, false, &z, e);
    if (rc != RN_OK)
        return rc;
    loc_tz(l, z);
    return RN_OK;
}

/* The location of t: its fixed zone, or its zone reloaded by name. */
int gotime_loc_of(const struct val_time *t, struct gotime_loc *l)
{
    const struct tz *z;
    const char *name = t->loc ? t->loc : "";
    if (t->fixed) {
        gotime_loc_fixed(l, name, t->off);
        l->abbr = t->zone ? t->zone : "";
        return RN_OK;
    }
    if (!name[0] || strcmp(name, "UTC") == 0) {
        loc_tz(l, &gotime_tz_utc);
        return RN_OK;
    }
    if (strcmp(name, "Local") == 0)
        return gotime_loc_local(l, NULL);
    struct rn_err tmp;
    int rc = tz_acquire(name, true, &z, &tmp);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc != RN_OK) {
        gotime_loc_fixed(l, name, t->off);
        l->abbr = t->zone ? t->zone : "";
        return RN_OK;
    }
    loc_tz(l, z);
    return RN_OK;
}

/* Release a location opened by gotime_loc_open/gotime_loc_local/gotime_loc_of.
 */
void gotime_loc_close(struct gotime_loc *l)
{
    if (l->tz)
        tz_release(l->tz);
    l->tz = NULL;
}

/* The offset, abbreviation and span in force at unix second sec. */
void gotime_loc_lookup(const struct gotime_loc *l, int64_t sec,
                       struct tz_info *out)
{
    if (l->tz) {
        tz_lookup(l->tz, sec, out);
        return;
    }
    out->abbr = l->abbr;
    out->off = l->off;
    out->isdst = false;
    out->start = GOTIME_ALPHA;
    out->end = GOTIME_OMEGA;
}

static const char *keep(struct arena *a, const struct gotime_loc *l,
                        const char *s)
{
    if (!s || !s[0])
        return "";
    if (l->tz && l->tz->cached)
        return s;
    return arena_strdup(a, s);
}

static int64_t clamp_unix(int64_t u)
{
    if (u > GOTIME_UNIX_MAX)
        return GOTIME_UNIX_MAX;
    if (u < GOTIME_UNIX_MIN)
        return GOTIME_UNIX_MIN;
    return u;
}

/* A time in a for the instant unix/nsec (nsec in 0..999999999) in l. */
struct val_time *gotime_make(struct arena *a, int64_t unix, int32_t nsec,
                             const struct gotime_loc *l)
{
    struct tz_info info;
    struct val_time *t = arena_zalloc(a, sizeof *t);
    if (!t)
        return NULL;
    t->unix = clamp_unix(unix);
    t->nsec = nsec;
    gotime_loc_lookup(l, t->unix, &info);
    t->off = info.off;
    t->zone = keep(a, l, info.abbr);
    t->loc = keep(a, l, l->name);
    t->fixed = l->tz == NULL;
    return t->zone && t->loc ? t : NULL;
}

/* ---- constructing times ---- */

/*
 * time.Unix(unix, nsec).In(loc): nsec outside 0..999999999 carries into
 * the seconds.  Allocated in a; NULL with e->code RN_ENOMEM or
 * RN_ENOTFOUND (Go's "unknown time zone X").
 */
struct val_time *gotime_in(struct arena *a, int64_t unix, int32_t nsec,
                           const char *loc, struct rn_err *e)
{
    struct gotime_loc l;
    if (gotime_loc_open(loc, &l, e) != RN_OK)
        return NULL;
    if (nsec < 0 || nsec >= 1000000000) {
        int32_t n = nsec / 1000000000;
        unix = gotime_wadd(unix, n);
        nsec -= n * 1000000000;
        if (nsec < 0) {
            nsec += 1000000000;
            unix = gotime_wadd(unix, -1);
        }
    }
    struct val_time *t = gotime_make(a, unix, nsec, &l);
    gotime_loc_close(&l);
    if (!t)
        rn_errf(e, RN_ENOMEM, "out of memory");
    return t;
}

/* t.In(loc): the same instant shown in another location. */
struct val_time *gotime_to(struct arena *a, const struct val_time *t,
                           const char *loc, struct rn_err *e)
{
    return gotime_in(a, t->unix, t->nsec, loc, e);
}

/* Go's zero Time, 0001-01-01 00:00:00 UTC. */
struct val_time *gotime_zero(struct arena *a)
{
    struct gotime_loc l;
    loc_tz(&l, &gotime_tz_utc);
    return gotime_make(a, GOTIME_ZERO_UNIX, 0, &l);
}

/* t.IsZero(): the instant of Go's zero time, whatever the zone. */
bool gotime_is_zero(const struct val_time *t)
{
    return t->unix == GOTIME_ZERO_UNIX && t->nsec == 0;
}

/* ---- the clock ---- */

static pthread_mutex_t clock_mu = PTHREAD_MUTEX_INITIALIZER;
static int (*clock_hook)(int64_t *unix, int32_t *nsec);

/*
 * Replace the clock gotime_now reads (NULL restores the system clock).
 * This is process-wide test state, guarded by a mutex.
 */
void gotime_set_clock(int (*now)(int64_t *unix, int32_t *nsec))
{
    pthread_mutex_lock(&clock_mu);
    clock_hook = now;
    pthread_mutex_unlock(&clock_mu);
}

/* time.Now() in Local, allocated in a; NULL on OOM. */
struct val_time *gotime_now(struct arena *a)
{
    int64_t unix = 0;
    int32_t nsec = 0;
    pthread_mutex_lock(&clock_mu);
    int (*hook)(int64_t *, int32_t *) = clock_hook;
    pthread_mutex_unlock(&clock_mu);
    if (!hook || hook(&unix, &nsec) != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unix = ts.tv_sec;
        nsec = (int32_t)ts.tv_nsec;
    }
    return gotime_in(a, unix, nsec, "Local", NULL);
}

/* ---- names and weeks ---- */

/* Month names for 1..12; NULL otherwise (static strings). */
const char *gotime_month_name(int64_t m)
{
    return m >= 1 && m <= 12 ? gotime_month_names[m - 1] : NULL;
}

/* Weekday names for 0 (Sunday)..6; NULL otherwise. */
const char *gotime_weekday_name(int64_t d)
{
    return d >= 0 && d <= 6 ? gotime_day_names[d] : NULL;
}

/* t.ISOWeek(): weeks start on Monday and week 1 holds January 4th, so
 * the year is the one of the Thursday in t's week. */
void gotime_iso_week(const struct val_time *t, int64_t *year, int *week)
{
    struct gotime_civil c;
    gotime_civil(t, &c);
    int d = 4 - c.wday;
    if (d == 4)
        d = -3;
    int64_t days =
        gotime_floor_div(gotime_wadd(t->unix, t->off), GOTIME_SECS_PER_DAY);
    int m, md;
    gotime_civil_from_days(days + d, year, &m, &md);
    int64_t yday = days + d - gotime_days_from_civil(*year, 1, 1);
    *week = (int)(yday / 7 + 1);
}
