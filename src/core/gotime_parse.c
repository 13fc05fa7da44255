/*
 * gotime_parse.c: time.Parse and time.ParseInLocation.
 *
 * The layout is walked element by element (gotime_next_chunk) and the value
 * consumed to match, with Go's leniencies (one- or two-digit fields,
 * case-insensitive month and day names, a fraction after seconds even
 * when the layout has none) and Go's error texts, which quote what was
 * left of the value when an element failed.  A numeric offset that the
 * local location does not have at that instant yields a fixed zone with
 * no name, which prints as "+0200 +0200".
 */
#include "gotime_int.h"

#include "arena.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

struct pst {
    const char *v; /* what is left of the value */
    size_t n;
    int64_t year;
    int month, day, yday, hour, min, sec;
    int32_t nsec;
    bool am, pm, utc, has_off;
    int32_t off;
    const char *zname;
    size_t znlen;
    const char *range; /* "month" for "month out of range" */
};

static bool digit(const struct pst *p, size_t i)
{
    return i < p->n && p->v[i] >= '0' && p->v[i] <= '9';
}

static void eat(struct pst *p, size_t k)
{
    p->v += k;
    p->n -= k;
}

/* Go's atoi on s[0..n): optional sign, digits, nothing else. */
static bool go_atoi(const char *s, size_t n, int64_t *out)
{
    bool neg = false;
    size_t i = 0;
    uint64_t x = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (x > (1ull << 63) / 10)
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
        if (x > (1ull << 63))
            return false;
    }
    *out = neg ? (int64_t)(0 - x) : (int64_t)x;
    return true;
}

/* Go's getnum: one or two digits (exactly two when fixed). */
static bool getnum(struct pst *p, bool fixed, int *out)
{
    if (!digit(p, 0))
        return false;
    if (!digit(p, 1)) {
        if (fixed)
            return false;
        *out = p->v[0] - '0';
        eat(p, 1);
        return true;
    }
    *out = (p->v[0] - '0') * 10 + (p->v[1] - '0');
    eat(p, 2);
    return true;
}

static bool getnum3(struct pst *p, bool fixed, int *out)
{
    int v = 0;
    size_t i = 0;
    while (i < 3 && digit(p, i)) {
        v = v * 10 + (p->v[i] - '0');
        i++;
    }
    if (i == 0 || (fixed && i != 3))
        return false;
    *out = v;
    eat(p, i);
    return true;
}

/* Go's lookup: a case-insensitive prefix match against names (cut to
 * len letters when len > 0). */
static bool lookup(struct pst *p, const char *const *names, int count,
                   size_t len, int *out)
{
    for (int i = 0; i < count; i++) {
        size_t k = len ? len : strlen(names[i]);
        if (p->n < k)
            continue;
        size_t j = 0;
        for (; j < k; j++) {
            unsigned char a = (unsigned char)p->v[j],
                          b = (unsigned char)names[i][j];
            if (a == b)
                continue;
            a |= 0x20;
            b |= 0x20;
            if (a != b || a < 'a' || a > 'z')
                break;
        }
        if (j == k) {
            *out = i;
            eat(p, k);
            return true;
        }
    }
    return false;
}

/* Go's parseNanoseconds over the first nbytes of the value (separator
 * included); the value is not consumed here.  As in Go 1.19, more than
 * nine digits are out of range rather than truncated. */
static bool nanos(struct pst *p, size_t nbytes)
{
    int64_t ns;
    if (p->v[0] != '.' && p->v[0] != ',')
        return false;
    if (!go_atoi(p->v + 1, nbytes - 1, &ns))
        return false;
    if (ns < 0 || ns >= 1000000000) {
        p->range = "fractional second";
        return true;
    }
    for (size_t i = nbytes; i < 10; i++)
        ns *= 10;
    p->nsec = (int32_t)ns;
    return true;
}

/* Seconds, and a fraction the layout does not mention (Go accepts
 * "05" against "05.123" unless a fraction element comes next). */
static bool seconds(struct pst *p, bool fixed, const char *rest, size_t rn)
{
    if (!getnum(p, fixed, &p->sec))
        return false;
    if (p->sec >= 60) {
        p->range = "second";
        return true;
    }
    if (p->n < 2 || (p->v[0] != '.' && p->v[0] != ',') || !digit(p, 1))
        return true;
    struct gotime_chunk next;
    gotime_next_chunk(rest, rn, &next);
    if (next.std == GOTIME_STD_FRAC0 || next.std == GOTIME_STD_FRAC9)
        return true;
    size_t k = 2;
    while (digit(p, k))
        k++;
    bool ok = nanos(p, k);
    eat(p, k);
    return ok;
}

static bool frac(struct pst *p, const struct gotime_chunk *c)
{
    if (c->std == GOTIME_STD_FRAC0) {
        size_t nd = 1 + (size_t)c->ndigits;
        if (p->n < nd)
            return false;
        bool ok = nanos(p, nd);
        eat(p, nd);
        return ok;
    }
    if (p->n < 2 || (p->v[0] != '.' && p->v[0] != ',') || !digit(p, 1))
        return true;
    size_t i = 0;
    while (i < 9 && digit(p, i + 1))
        i++;
    bool ok = nanos(p, 1 + i);
    eat(p, 1 + i);
    return ok;
}

static bool years(struct pst *p, bool longy)
{
    int64_t y = 0;
    if (longy) {
        if (p->n < 4 || !digit(p, 0))
            return false;
        bool ok = go_atoi(p->v, 4, &y);
        eat(p, 4);
        p->year = y;
        return ok;
    }
    if (p->n < 2 || !go_atoi(p->v, 2, &y))
        return false;
    eat(p, 2);
    p->year = y >= 69 ? y + 1900 : y + 2000;
    return true;
}

static bool ampm(struct pst *p, bool upper)
{
    if (p->n < 2)
        return false;
    const char *s = p->v;
    eat(p, 2);
    if (memcmp(s, upper ? "PM" : "pm", 2) == 0)
        p->pm = true;
    else if (memcmp(s, upper ? "AM" : "am", 2) == 0)
        p->am = true;
    else
        return false;
    return true;
}

/* Go's parseSignedOffset: +hh or -hh (at most 23 hours); 0 if bad. */
static size_t signed_offset(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '+' && s[0] != '-'))
        return 0;
    size_t i = 1;
    uint64_t x = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (x > (1ull << 63) / 10)
            return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    if (i == 1 || x > 23)
        return 0;
    return i;
}

/* Go's parseTimeZone: how long the abbreviation at s is, 0 if none. */
static size_t zone_len(const char *s, size_t n)
{
    if (n < 3)
        return 0;
    if (n >= 4 && (memcmp(s, "ChST", 4) == 0 || memcmp(s, "MeST", 4) == 0))
        return 4;
    if (memcmp(s, "GMT", 3) == 0)
        return 3 + signed_offset(s + 3, n - 3);
    if (s[0] == '+' || s[0] == '-')
        return signed_offset(s, n);
    size_t up = 0;
    while (up < 6 && up < n && s[up] >= 'A' && s[up] <= 'Z')
        up++;
    if (up == 3)
        return 3;
    if (up == 4 && (s[3] == 'T' || memcmp(s, "WITA", 4) == 0))
        return 4;
    if (up == 5 && s[4] == 'T')
        return 5;
    return 0;
}

static bool zone_name(struct pst *p)
{
    if (p->n >= 3 && memcmp(p->v, "UTC", 3) == 0) {
        p->utc = true;
        eat(p, 3);
        return true;
    }
    size_t k = zone_len(p->v, p->n);
    if (k == 0)
        return false;
    p->zname = p->v;
    p->znlen = k;
    eat(p, k);
    return true;
}

/* Go 1.19 reads zone offset fields with atoi, so "+1" passes. */
static bool two(const char *s, int *out)
{
    int64_t v;
    if (!go_atoi(s, 2, &v))
        return false;
    *out = (int)v;
    return true;
}

/* -0700, -07:00, -07, -070000, -07:00:00 and the Z forms. */
static bool num_zone(struct pst *p, unsigned tzf)
{
    bool colon = tzf & GOTIME_TZF_COLON, secs = tzf & GOTIME_TZF_SECS;
    if ((tzf & GOTIME_TZF_ISO) && !secs && p->n >= 1 && p->v[0] == 'Z') {
        eat(p, 1);
        p->utc = true;
        return true;
    }
    size_t need = (tzf & GOTIME_TZF_SHORT) ? 3
                  : colon                  ? (secs ? 9 : 6)
                                           : (secs ? 7 : 5);
    if (p->n < need || (colon && p->v[3] != ':') ||
        (colon && secs && p->v[6] != ':'))
        return false;
    const char *s = p->v;
    int hh = 0, mm = 0, ss = 0;
    eat(p, need);
    bool ok = two(s + 1, &hh);
    if (ok && !(tzf & GOTIME_TZF_SHORT))
        ok = two(s + (colon ? 4 : 3), &mm);
    if (ok && secs)
        ok = two(s + (colon ? 7 : 5), &ss);
    p->off = (hh * 60 + mm) * 60 + ss;
    p->has_off = true;
    if (s[0] == '-')
        p->off = -p->off;
    else if (s[0] != '+')
        return false;
    return ok;
}

static bool range_check(struct pst *p, int v, int max, const char *what)
{
    if (v < 0 || v > max)
        p->range = what;
    return true;
}

/* One element; false means "cannot parse". */
static bool element(struct pst *p, const struct gotime_chunk *c,
                    const char *rest, size_t rn)
{
    int dummy;
    switch (c->std) {
    case GOTIME_STD_YEAR:
    case GOTIME_STD_LONG_YEAR:
        return years(p, c->std == GOTIME_STD_LONG_YEAR);
    case GOTIME_STD_MONTH:
    case GOTIME_STD_LONG_MONTH:
        p->month = 0;
        if (!lookup(p, gotime_month_names, 12,
                    c->std == GOTIME_STD_MONTH ? 3 : 0, &p->month))
            return false;
        p->month++;
        return true;
    case GOTIME_STD_NUM_MONTH:
    case GOTIME_STD_ZERO_MONTH:
        if (!getnum(p, c->std == GOTIME_STD_ZERO_MONTH, &p->month))
            return false;
        return range_check(p, p->month - 1, 11, "month");
    case GOTIME_STD_WEEKDAY:
    case GOTIME_STD_LONG_WEEKDAY:
        return lookup(p, gotime_day_names, 7,
                      c->std == GOTIME_STD_WEEKDAY ? 3 : 0, &dummy);
    case GOTIME_STD_UNDER_DAY:
        if (p->n > 0 && p->v[0] == ' ')
            eat(p, 1);
        return getnum(p, false, &p->day);
    case GOTIME_STD_DAY:
    case GOTIME_STD_ZERO_DAY:
        return getnum(p, c->std == GOTIME_STD_ZERO_DAY, &p->day);
    case GOTIME_STD_UNDER_YDAY:
        for (int i = 0; i < 2 && p->n > 0 && p->v[0] == ' '; i++)
            eat(p, 1);
        return getnum3(p, false, &p->yday);
    case GOTIME_STD_ZERO_YDAY:
        return getnum3(p, true, &p->yday);
    case GOTIME_STD_HOUR:
        return getnum(p, false, &p->hour) &&
               range_check(p, p->hour, 23, "hour");
    case GOTIME_STD_HOUR12:
    case GOTIME_STD_ZERO_HOUR12:
        return getnum(p, c->std == GOTIME_STD_ZERO_HOUR12, &p->hour) &&
               range_check(p, p->hour, 12, "hour");
    case GOTIME_STD_MINUTE:
    case GOTIME_STD_ZERO_MINUTE:
        return getnum(p, c->std == GOTIME_STD_ZERO_MINUTE, &p->min) &&
               range_check(p, p->min, 59, "minute");
    case GOTIME_STD_SECOND:
    case GOTIME_STD_ZERO_SECOND:
        return seconds(p, c->std == GOTIME_STD_ZERO_SECOND, rest, rn);
    case GOTIME_STD_PM_UPPER:
    case GOTIME_STD_PM_LOWER:
        return ampm(p, c->std == GOTIME_STD_PM_UPPER);
    case GOTIME_STD_NUM_TZ:
        return num_zone(p, c->tzf);
    case GOTIME_STD_TZ:
        return zone_name(p);
    case GOTIME_STD_FRAC0:
    case GOTIME_STD_FRAC9:
        return frac(p, c);
    case GOTIME_STD_NONE:
        break;
    }
    return true;
}

/* Go's skip: match literal layout text; a space matches any run of
 * spaces (but not none when the value has something else). */
static bool skip(struct pst *p, const char *lit, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (lit[i] == ' ') {
            if (p->n > 0 && p->v[0] != ' ')
                return false;
            while (i < n && lit[i] == ' ')
                i++;
            while (p->n > 0 && p->v[0] == ' ')
                eat(p, 1);
            continue;
        }
        if (p->n == 0 || p->v[0] != lit[i])
            return false;
        i++;
        eat(p, 1);
    }
    return true;
}

struct perr {
    const char *layout, *value;
    size_t ln, vn;
};

static int cannot(const struct perr *pe, const char *velem, size_t vn,
                  const char *lelem, size_t ln, struct rn_err *e)
{
    char qv[256], ql[256], qve[256], qle[256];
    gotime_quote(qv, sizeof qv, pe->value, pe->vn);
    gotime_quote(ql, sizeof ql, pe->layout, pe->ln);
    gotime_quote(qve, sizeof qve, velem, vn);
    gotime_quote(qle, sizeof qle, lelem, ln);
    return rn_errf(e, RN_EINVAL, "parsing time %s as %s: cannot parse %s as %s",
                   qv, ql, qve, qle);
}

static int perr_msg(const struct perr *pe, const char *msg, const char *extra,
                    size_t xn, struct rn_err *e)
{
    char qv[256], qx[256];
    gotime_quote(qv, sizeof qv, pe->value, pe->vn);
    if (!extra)
        return rn_errf(e, RN_EINVAL, "parsing time %s: %s", qv, msg);
    gotime_quote(qx, sizeof qx, extra, xn);
    return rn_errf(e, RN_EINVAL, "parsing time %s: %s%s", qv, msg, qx);
}

/* Walk the layout, filling p; an error in Go's words on failure. */
static int walk(struct pst *p, const struct perr *pe, struct rn_err *e)
{
    const char *l = pe->layout;
    size_t ln = pe->ln;
    for (;;) {
        struct gotime_chunk c;
        gotime_next_chunk(l, ln, &c);
        if (!skip(p, l, c.prefix))
            return cannot(pe, p->v, p->n, l, c.prefix, e);
        if (c.std == GOTIME_STD_NONE) {
            if (p->n)
                return perr_msg(pe, "extra text: ", p->v, p->n, e);
            return RN_OK;
        }
        const char *elem = l + c.prefix;
        l += c.prefix + c.len;
        ln -= c.prefix + c.len;
        bool ok = element(p, &c, l, ln);
        if (p->range) {
            char msg[40];
            snprintf(msg, sizeof msg, "%s out of range", p->range);
            return perr_msg(pe, msg, NULL, 0, e);
        }
        if (!ok)
            return cannot(pe, p->v, p->n, elem, c.len, e);
    }
}

static const int days_before[13] = {0,   31,  59,  90,  120, 151, 181,
                                    212, 243, 273, 304, 334, 365};

/* Turn a day of the year into month and day, checking both against what
 * was parsed, then validate the day of the month. */
static int settle_date(struct pst *p, const struct perr *pe, struct rn_err *e)
{
    if (p->yday >= 0) {
        int m = 0, d = 0, yd = p->yday;
        if (gotime_is_leap(p->year)) {
            if (yd == 31 + 29) {
                m = 2;
                d = 29;
            } else if (yd > 31 + 29) {
                yd--;
            }
        }
        if (yd < 1 || yd > 365)
            return perr_msg(pe, "day-of-year out of range", NULL, 0, e);
        if (m == 0) {
            m = (yd - 1) / 31 + 1;
            if (days_before[m] < yd)
                m++;
            d = yd - days_before[m - 1];
        }
        if (p->month >= 0 && p->month != m)
            return perr_msg(pe, "day-of-year does not match month", NULL, 0, e);
        p->month = m;
        if (p->day >= 0 && p->day != d)
            return perr_msg(pe, "day-of-year does not match day", NULL, 0, e);
        p->day = d;
    } else {
        if (p->month < 0)
            p->month = 1;
        if (p->day < 0)
            p->day = 1;
    }
    if (p->day < 1 || p->day > gotime_days_in(p->month, p->year))
        return perr_msg(pe, "day out of range", NULL, 0, e);
    return RN_OK;
}

/* A fixed zone named by what was parsed ("" for a bare offset). */
static bool fixed(struct arena *a, const struct pst *p, int32_t off,
                  struct gotime_loc *out)
{
    const char *name = p->zname ? arena_strndup(a, p->zname, p->znlen) : "";
    gotime_loc_fixed(out, name, off);
    return name != NULL;
}

/* Pick the location of the result, as Go's parse does at its end; false
 * on OOM. */
static bool settle_zone(struct arena *a, struct pst *p,
                        const struct gotime_loc *dflt,
                        const struct gotime_loc *local, struct gotime_loc *out,
                        int64_t *unix)
{
    struct gotime_fields f = {p->year, p->month, p->day, p->hour,
                              p->min,  p->sec,   p->nsec};
    struct gotime_loc utc = {.tz = &gotime_tz_utc, .name = "UTC"};
    struct tz_info info;
    int32_t ns;
    *out = p->utc ? utc : *local;
    *unix = gotime_date_unix(&f, &utc, &ns);
    if (p->utc)
        return true;
    if (p->has_off) {
        *unix = gotime_wadd(*unix, -(int64_t)p->off);
        gotime_loc_lookup(local, *unix, &info);
        if (info.off == p->off &&
            (!p->zname || (strlen(info.abbr) == p->znlen &&
                           memcmp(info.abbr, p->zname, p->znlen) == 0)))
            return true;
        return fixed(a, p, p->off, out);
    }
    if (p->zname) {
        int32_t off = 0;
        if (local->tz &&
            tz_lookup_name(local->tz, p->zname, p->znlen, *unix, &off)) {
            *unix = gotime_wadd(*unix, -(int64_t)off);
            return true;
        }
        int64_t h = 0;
        if (p->znlen > 3 && memcmp(p->zname, "GMT", 3) == 0)
            go_atoi(p->zname + 3, p->znlen - 3, &h);
        return fixed(a, p, (int32_t)(h * 3600), out);
    }
    *out = *dflt;
    *unix = gotime_date_unix(&f, dflt, &ns);
    return true;
}

static int parse_in(struct arena *a, struct pst *p, const struct perr *pe,
                    const struct gotime_loc *dflt,
                    const struct gotime_loc *local, const struct val_time **out,
                    struct rn_err *e)
{
    struct gotime_loc where;
    int64_t unix;
    int rc = walk(p, pe, e);
    if (rc == RN_OK && p->pm && p->hour < 12)
        p->hour += 12;
    else if (rc == RN_OK && p->am && p->hour == 12)
        p->hour = 0;
    if (rc == RN_OK)
        rc = settle_date(p, pe, e);
    if (rc != RN_OK)
        return rc;
    if (!settle_zone(a, p, dflt, local, &where, &unix))
        return rn_errf(e, RN_ENOMEM, "out of memory");
    struct val_time *t = gotime_make(a, unix, p->nsec, &where);
    if (!t)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    *out = t;
    return RN_OK;
}

/*
 * time.Parse (loc NULL: UTC by default, offsets matched against Local)
 * or time.ParseInLocation (loc: "UTC", "Local" or a zoneinfo name).  The
 * result is allocated in a.  Errors: RN_EINVAL with Go's text
 * ('parsing time "x" as "2006-01-02": cannot parse "x" as "2006"'),
 * RN_ENOTFOUND for an unknown loc, RN_ENOMEM.
 */
int gotime_parse(struct arena *a, const char *layout, size_t layoutlen,
                 const char *value, size_t valuelen, const char *loc,
                 const struct val_time **out, struct rn_err *e)
{
    struct gotime_loc dflt, local;
    struct pst p;
    struct perr pe = {layout, value, layoutlen, valuelen};
    int rc =
        loc ? gotime_loc_open(loc, &local, e) : gotime_loc_local(&local, e);
    if (rc != RN_OK)
        return rc;
    if (loc)
        dflt = local;
    else
        gotime_loc_open("UTC", &dflt, NULL);
    memset(&p, 0, sizeof p);
    p.v = value;
    p.n = valuelen;
    p.month = p.day = p.yday = -1;
    rc = parse_in(a, &p, &pe, &dflt, &local, out, e);
    gotime_loc_close(&local);
    return rc;
}
