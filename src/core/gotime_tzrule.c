/*
 * gotime_tzrule.c: POSIX TZ rule strings, as Go's time package reads them.
 *
 * Version 2+ TZif files end with a rule such as "CET-1CEST,M3.5.0,M10.5.0/3"
 * that says what happens after the last listed transition.  Slim tzdata
 * files list transitions only up to 2007 or so and rely on this rule for
 * every later instant, so it decides most "now"-ish times.  The rule is
 * parsed once when the zone loads (tz_rule_parse) and evaluated per lookup
 * (tz_rule_eval), reproducing Go's tzset, including the spans it reports,
 * which time.Date uses around DST gaps.
 */
#include "gotime_int.h"

#include <string.h>

struct sp {
    const char *s;
    size_t n;
};

static bool sp_peek(const struct sp *p, char c)
{
    return p->n > 0 && p->s[0] == c;
}

static void sp_skip(struct sp *p, size_t k)
{
    p->s += k;
    p->n -= k;
}

/* Go's tzsetNum: digits in [min, max]. */
static bool rule_num(struct sp *p, int min, int max, int *out)
{
    int num = 0;
    size_t i = 0;
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') {
        num = num * 10 + (p->s[i] - '0');
        if (num > max)
            return false;
        i++;
    }
    if (i == 0 || num < min)
        return false;
    sp_skip(p, i);
    *out = num;
    return true;
}

/* name -> '<' chars '>' | at least three chars up to a digit , - + */
static bool rule_name(struct sp *p, char *out, size_t outsz)
{
    size_t i = 0, len;
    const char *start = p->s;
    if (p->n == 0)
        return false;
    if (p->s[0] == '<') {
        while (i < p->n && p->s[i] != '>')
            i++;
        if (i == p->n)
            return false;
        start++;
        len = i - 1;
        i++;
    } else {
        while (i < p->n && !strchr("0123456789,-+", p->s[i]))
            i++;
        if (i < 3)
            return false;
        len = i;
    }
    if (len >= outsz)
        return false;
    memcpy(out, start, len);
    out[len] = 0;
    sp_skip(p, i);
    return true;
}

/* offset -> [+-] hh [':' mm [':' ss]], hours up to 24*7 as tzcode allows */
static bool rule_offset(struct sp *p, int32_t *out)
{
    bool neg = sp_peek(p, '-');
    int h, m = 0, s = 0;
    if (neg || sp_peek(p, '+'))
        sp_skip(p, 1);
    if (!rule_num(p, 0, 24 * 7, &h))
        return false;
    if (sp_peek(p, ':')) {
        sp_skip(p, 1);
        if (!rule_num(p, 0, 59, &m))
            return false;
        if (sp_peek(p, ':')) {
            sp_skip(p, 1);
            if (!rule_num(p, 0, 59, &s))
                return false;
        }
    }
    int32_t off = h * 3600 + m * 60 + s;
    *out = neg ? -off : off;
    return true;
}

/* date -> 'J' n | n | 'M' m '.' w '.' d, then optional '/' time */
static bool rule_day(struct sp *p, struct tz_rule_day *d)
{
    memset(d, 0, sizeof *d);
    if (sp_peek(p, 'J')) {
        sp_skip(p, 1);
        d->kind = 'J';
        if (!rule_num(p, 1, 365, &d->day))
            return false;
    } else if (sp_peek(p, 'M')) {
        sp_skip(p, 1);
        d->kind = 'M';
        if (!rule_num(p, 1, 12, &d->mon) || !sp_peek(p, '.'))
            return false;
        sp_skip(p, 1);
        if (!rule_num(p, 1, 5, &d->week) || !sp_peek(p, '.'))
            return false;
        sp_skip(p, 1);
        if (!rule_num(p, 0, 6, &d->day))
            return false;
    } else {
        d->kind = 'D';
        if (!rule_num(p, 0, 365, &d->day))
            return false;
    }
    d->time = 2 * 3600;
    if (!sp_peek(p, '/'))
        return true;
    sp_skip(p, 1);
    return rule_offset(p, &d->time);
}

/*
 * rule -> std offset [dst [offset] [(',' | ';') date ',' date]]
 * Offsets in the string count west of UTC; we store them east, as Go does.
 * A missing DST offset is one hour ahead of standard time and missing
 * dates are the US rules, as in tzcode.
 */
bool tz_rule_parse(const char *s, size_t n, struct tz_rule *r)
{
    struct sp p = {s, n};
    memset(r, 0, sizeof *r);
    if (!rule_name(&p, r->std, sizeof r->std) || !rule_offset(&p, &r->stdoff))
        return false;
    r->stdoff = -r->stdoff;
    if (p.n == 0 || p.s[0] == ',')
        return true;
    if (!rule_name(&p, r->dst, sizeof r->dst))
        return false;
    r->dstoff = r->stdoff + 3600;
    if (p.n > 0 && p.s[0] != ',') {
        if (!rule_offset(&p, &r->dstoff))
            return false;
        r->dstoff = -r->dstoff;
    }
    struct sp dflt = {",M3.2.0,M11.1.0", 15};
    if (p.n == 0)
        p = dflt;
    if (p.s[0] != ',' && p.s[0] != ';')
        return false;
    sp_skip(&p, 1);
    if (!rule_day(&p, &r->start) || !sp_peek(&p, ','))
        return false;
    sp_skip(&p, 1);
    if (!rule_day(&p, &r->end) || p.n != 0)
        return false;
    r->has_dst = true;
    return true;
}

static const int days_before[12] = {0,   31,  59,  90,  120, 151,
                                    181, 212, 243, 273, 304, 334};

/* Go's tzruleTime: seconds after the start of the year (UTC) at which the
 * rule day begins, given the offset in effect before it. */
static int64_t rule_time(int64_t year, const struct tz_rule_day *d, int32_t off)
{
    int64_t s = 0;
    if (d->kind == 'J') {
        s = (int64_t)(d->day - 1) * GOTIME_SECS_PER_DAY;
        if (gotime_is_leap(year) && d->day >= 60)
            s += GOTIME_SECS_PER_DAY;
    } else if (d->kind == 'D') {
        s = (int64_t)d->day * GOTIME_SECS_PER_DAY;
    } else {
        int64_t first = gotime_days_from_civil(year, d->mon, 1);
        int dow = (int)(((first + 4) % 7 + 7) % 7);
        int md = d->day - dow;
        if (md < 0)
            md += 7;
        for (int i = 1; i < d->week; i++) {
            if (md + 7 >= gotime_days_in(d->mon, year))
                break;
            md += 7;
        }
        md += days_before[d->mon - 1];
        if (gotime_is_leap(year) && d->mon > 2)
            md++;
        s = (int64_t)md * GOTIME_SECS_PER_DAY;
    }
    return s + d->time - off;
}

static void put(struct tz_info *o, const char *abbr, int32_t off, bool dst)
{
    o->abbr = abbr;
    o->off = off;
    o->isdst = dst;
}

/*
 * Go's tzset after parsing.  The spans reported are exact near a
 * transition and otherwise the calendar year (Go's approximation, which
 * time.Date relies on).
 */
void tz_rule_eval(const struct tz_rule *r, int64_t last, int64_t sec,
                  struct tz_info *out)
{
    if (!r->has_dst) {
        put(out, r->std, r->stdoff, false);
        out->start = last;
        out->end = GOTIME_OMEGA;
        return;
    }
    int64_t days = gotime_floor_div(sec, GOTIME_SECS_PER_DAY), year;
    int mon, mday;
    gotime_civil_from_days(days, &year, &mon, &mday);
    int64_t y0 = gotime_days_from_civil(year, 1, 1);
    int64_t ysec =
        (days - y0) * GOTIME_SECS_PER_DAY + sec % GOTIME_SECS_PER_DAY;
    int64_t abs = gotime_wmul(y0, GOTIME_SECS_PER_DAY);
    int64_t startsec = rule_time(year, &r->start, r->stdoff);
    int64_t endsec = rule_time(year, &r->end, r->dstoff);
    const char *stdn = r->std, *dstn = r->dst;
    int32_t stdoff = r->stdoff, dstoff = r->dstoff;
    bool stdisdst = false, dstisdst = true;
    if (endsec < startsec) {
        /* Southern hemisphere: the labels swap, as in Go. */
        int64_t t = startsec;
        startsec = endsec;
        endsec = t;
        stdn = r->dst;
        dstn = r->std;
        stdoff = r->dstoff;
        dstoff = r->stdoff;
        stdisdst = true;
        dstisdst = false;
    }
    if (ysec < startsec) {
        put(out, stdn, stdoff, stdisdst);
        out->start = abs;
        out->end = gotime_wadd(startsec, abs);
    } else if (ysec >= endsec) {
        put(out, stdn, stdoff, stdisdst);
        out->start = gotime_wadd(endsec, abs);
        out->end = gotime_wadd(abs, 365 * GOTIME_SECS_PER_DAY);
    } else {
        put(out, dstn, dstoff, dstisdst);
        out->start = gotime_wadd(startsec, abs);
        out->end = gotime_wadd(endsec, abs);
    }
}
