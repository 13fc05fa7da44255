/*
 * gotime_math.c: moving times around as Go does: time.Date with its
 * normalisation of out-of-range fields and its choice of offset in DST
 * gaps and overlaps, AddDate, Add, Sub (saturating), Truncate and Round
 * (relative to Go's zero time, not the Unix epoch), comparisons and
 * UnixNano.
 */
#include "gotime_int.h"

#include "err.h"

#define NS_PER_SEC 1000000000LL

/* Go's norm: carry lo into hi so that 0 <= lo < base. */
static void norm(int64_t *hi, int64_t *lo, int64_t base)
{
    if (*lo < 0) {
        int64_t n = (-*lo - 1) / base + 1;
        *hi = gotime_wadd(*hi, -n);
        *lo += n * base;
    }
    if (*lo >= base) {
        int64_t n = *lo / base;
        *hi = gotime_wadd(*hi, n);
        *lo -= n * base;
    }
}

/*
 * time.Date's arithmetic: normalise the fields, take the offset that the
 * location has at the wall time read as UTC, and if that offset's span
 * does not contain the resulting instant use the offset there instead
 * (so a time in a DST gap moves forward, one in an overlap takes the
 * first offset, as in Go).
 */
int64_t gotime_date_unix(const struct gotime_fields *f,
                         const struct gotime_loc *l, int32_t *nsec)
{
    int64_t year = f->year, mon = gotime_wadd(f->mon, -1), day = f->day;
    int64_t hour = f->hour, min = f->min, sec = f->sec, ns = f->nsec;
    norm(&year, &mon, 12);
    norm(&sec, &ns, NS_PER_SEC);
    norm(&min, &sec, 60);
    norm(&hour, &min, 60);
    norm(&day, &hour, 24);
    int64_t days =
        gotime_wadd(gotime_days_from_civil(year, (int)mon + 1, 1), day - 1);
    int64_t unix = gotime_wadd(gotime_wmul(days, GOTIME_SECS_PER_DAY),
                               hour * 3600 + min * 60 + sec);
    struct tz_info info;
    gotime_loc_lookup(l, unix, &info);
    if (info.off != 0) {
        int64_t utc = gotime_wadd(unix, -(int64_t)info.off);
        if (utc < info.start || utc >= info.end)
            gotime_loc_lookup(l, utc, &info);
        unix = gotime_wadd(unix, -(int64_t)info.off);
    }
    *nsec = (int32_t)ns;
    return unix;
}

/*
 * time.Date(c->year, c->month, ..., loc) with Go's normalisation; wday
 * and yday of c are ignored.  NULL with e set on an unknown zone or OOM.
 */
struct val_time *gotime_date(struct arena *a, const struct gotime_civil *c,
                             const char *loc, struct rn_err *e)
{
    struct gotime_loc l;
    int32_t nsec;
    struct gotime_fields f = {c->year, c->month, c->day, c->hour,
                              c->min,  c->sec,   c->nsec};
    if (gotime_loc_open(loc, &l, e) != RN_OK)
        return NULL;
    int64_t unix = gotime_date_unix(&f, &l, &nsec);
    struct val_time *t = gotime_make(a, unix, nsec, &l);
    gotime_loc_close(&l);
    if (!t)
        rn_errf(e, RN_ENOMEM, "out of memory");
    return t;
}

/* t.AddDate(y, m, d): Date(year+y, month+m, day+d, clock..., t's zone),
 * so Jan 31 + 1 month is Mar 3 (or Mar 2 in a leap year).  NULL on OOM. */
struct val_time *gotime_add_date(struct arena *a, const struct val_time *t,
                                 int y, int m, int d)
{
    struct gotime_civil c;
    struct gotime_loc l;
    int32_t nsec;
    gotime_civil(t, &c);
    struct gotime_fields f = {gotime_wadd(c.year, y),
                              (int64_t)c.month + m,
                              (int64_t)c.day + d,
                              c.hour,
                              c.min,
                              c.sec,
                              c.nsec};
    if (gotime_loc_of(t, &l) != RN_OK)
        return NULL;
    int64_t unix = gotime_date_unix(&f, &l, &nsec);
    struct val_time *r = gotime_make(a, unix, nsec, &l);
    gotime_loc_close(&l);
    return r;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* t.Add(ns) in t's location.  Past the representable range the instant
 * saturates.  NULL on OOM. */
struct val_time *gotime_add(struct arena *a, const struct val_time *t,
                            int64_t ns)
{
    struct gotime_loc l;
    int64_t dsec = ns / NS_PER_SEC;
    int64_t nsec = t->nsec + ns % NS_PER_SEC;
    if (nsec >= NS_PER_SEC) {
        dsec++;
        nsec -= NS_PER_SEC;
    } else if (nsec < 0) {
        dsec--;
        nsec += NS_PER_SEC;
    }
    if (gotime_loc_of(t, &l) != RN_OK)
        return NULL;
    struct val_time *r =
        gotime_make(a, sat_add(t->unix, dsec), (int32_t)nsec, &l);
    gotime_loc_close(&l);
    return r;
}

/* t.Sub(u): the Duration t-u, saturated to the int64 range as Go does. */
int64_t gotime_sub(const struct val_time *t, const struct val_time *u)
{
    int64_t ds, d;
    bool over = __builtin_sub_overflow(t->unix, u->unix, &ds) ||
                __builtin_mul_overflow(ds, NS_PER_SEC, &d) ||
                __builtin_add_overflow(d, (int64_t)(t->nsec - u->nsec), &d);
    if (!over)
        return d;
    return gotime_cmp(t, u) < 0 ? INT64_MIN : INT64_MAX;
}

/* Order of two instants: -1, 0 or 1 (zones do not matter). */
int gotime_cmp(const struct val_time *t, const struct val_time *u)
{
    if (t->unix != u->unix)
        return t->unix < u->unix ? -1 : 1;
    if (t->nsec != u->nsec)
        return t->nsec < u->nsec ? -1 : 1;
    return 0;
}

/* t.UnixNano(): wraps outside years 1678..2262, as in Go. */
int64_t gotime_unix_nano(const struct val_time *t)
{
    return gotime_wadd(gotime_wmul(t->unix, NS_PER_SEC), t->nsec);
}

/* (a * b) mod m without overflow, for a, b < m <= 2^63. */
static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
    uint64_t r = 0;
    a %= m;
    while (b) {
        if (b & 1)
            r = (r + a) % m;
        a = (a + a) % m;
        b >>= 1;
    }
    return r;
}

/* Go's div remainder: the time since Go's zero time modulo d, d > 0,
 * rounded toward minus infinity. */
static int64_t time_mod(const struct val_time *t, int64_t d)
{
    int64_t s = gotime_wadd(t->unix, -GOTIME_ZERO_UNIX);
    int64_t sm = s % d;
    if (sm < 0)
        sm += d;
    uint64_t r = mulmod((uint64_t)sm, (uint64_t)NS_PER_SEC, (uint64_t)d);
    r = (r + (uint64_t)t->nsec % (uint64_t)d) % (uint64_t)d;
    return (int64_t)r;
}

/* t.Truncate(d): t rounded down to a multiple of d since the zero time;
 * d <= 0 returns t unchanged (copied into a). */
struct val_time *gotime_truncate(struct arena *a, const struct val_time *t,
                                 int64_t d)
{
    if (d <= 0)
        return gotime_add(a, t, 0);
    return gotime_add(a, t, -time_mod(t, d));
}

/* t.Round(d): the nearest multiple of d since the zero time, halves
 * rounding up. */
struct val_time *gotime_round(struct arena *a, const struct val_time *t,
                              int64_t d)
{
    if (d <= 0)
        return gotime_add(a, t, 0);
    int64_t r = time_mod(t, d);
    if ((uint64_t)r + (uint64_t)r < (uint64_t)d)
        return gotime_add(a, t, -r);
    return gotime_add(a, t, d - r);
}
