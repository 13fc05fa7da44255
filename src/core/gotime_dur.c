/*
 * gotime_dur.c: Go's time.Duration: String(), ParseDuration, Round,
 * Truncate and the float accessors (Hours, Minutes, Seconds), with Go's
 * exact output ("1h0m0s", "1.5µs", "-2562047h47m16.854775808s") and error
 * texts ('time: unknown unit "x" in duration "1x"').
 */
#include "gotime_int.h"

#include "buf.h"
#include "err.h"

#include <string.h>

#define NS_SEC 1000000000ULL

/* Write v/10^prec's fraction (".125", no trailing zeros) ending at w;
 * returns the new start and leaves the integer part in *v. */
static size_t put_frac(char *buf, size_t w, uint64_t *v, int prec)
{
    bool print = false;
    for (int i = 0; i < prec; i++) {
        char digit = (char)(*v % 10);
        print = print || digit != 0;
        if (print)
            buf[--w] = (char)('0' + digit);
        *v /= 10;
    }
    if (print)
        buf[--w] = '.';
    return w;
}

static size_t put_int(char *buf, size_t w, uint64_t v)
{
    do {
        buf[--w] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    return w;
}

/* d.String() appended to b. */
int gotime_duration_string(struct buf *b, int64_t ns)
{
    char buf[40];
    size_t w = sizeof buf;
    bool neg = ns < 0;
    uint64_t u = neg ? 0 - (uint64_t)ns : (uint64_t)ns;
    if (u == 0)
        return buf_add(b, "0s", 2);
    buf[--w] = 's';
    if (u < NS_SEC) {
        int prec = 0;
        if (u < 1000) {
            buf[--w] = 'n';
        } else if (u < 1000000) {
            prec = 3;
            w -= 2;
            memcpy(buf + w, "\xc2\xb5", 2); /* U+00B5 micro sign */
        } else {
            prec = 6;
            buf[--w] = 'm';
        }
        w = put_frac(buf, w, &u, prec);
        w = put_int(buf, w, u);
    } else {
        w = put_frac(buf, w, &u, 9);
        w = put_int(buf, w, u % 60);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            w = put_int(buf, w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                w = put_int(buf, w, u);
            }
        }
    }
    if (neg)
        buf[--w] = '-';
    return buf_add(b, buf + w, sizeof buf - w);
}

struct dsc {
    const char *s;
    size_t n;
};

/* Go's leadingInt: digits into *x; false on overflow past 2^63. */
static bool lead_int(struct dsc *p, uint64_t *x)
{
    *x = 0;
    while (p->n > 0 && p->s[0] >= '0' && p->s[0] <= '9') {
        if (*x > (1ull << 63) / 10)
            return false;
        *x = *x * 10 + (uint64_t)(p->s[0] - '0');
        if (*x > (1ull << 63))
            return false;
        p->s++;
        p->n--;
    }
    return true;
}

/* Go's leadingFraction: digits after the point; extra precision that
 * would overflow is dropped. */
static void lead_frac(struct dsc *p, uint64_t *x, double *scale)
{
    bool overflow = false;
    *x = 0;
    *scale = 1;
    while (p->n > 0 && p->s[0] >= '0' && p->s[0] <= '9') {
        uint64_t c = (uint64_t)(p->s[0] - '0');
        p->s++;
        p->n--;
        if (overflow)
            continue;
        if (*x > ((1ull << 63) - 1) / 10) {
            overflow = true;
            continue;
        }
        uint64_t y = *x * 10 + c;
        if (y > (1ull << 63)) {
            overflow = true;
            continue;
        }
        *x = y;
        *scale *= 10;
    }
}

static uint64_t unit_of(const char *u, size_t n)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {{"ns", 1},           {"us", 1000},
                 {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
                 {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
                 {"ms", 1000000},     {"s", NS_SEC},
                 {"m", 60 * NS_SEC},  {"h", 3600 * NS_SEC}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0)
            return units[i].ns;
    return 0;
}

static int bad(struct rn_err *e, const char *what, const char *s, size_t n)
{
    char q[256];
    gotime_quote(q, sizeof q, s, n);
    return rn_errf(e, RN_EINVAL, "time: %s duration %s", what, q);
}

/* One "<number>[.<fraction>]<unit>" term added to *d. */
static int term(struct dsc *p, uint64_t *d, const char *orig, size_t on,
                struct rn_err *e)
{
    uint64_t v, f = 0;
    double scale = 1;
    if (!(p->s[0] == '.' || (p->s[0] >= '0' && p->s[0] <= '9')))
        return bad(e, "invalid", orig, on);
    size_t before = p->n;
    if (!lead_int(p, &v))
        return bad(e, "invalid", orig, on);
    bool pre = before != p->n, post = false;
    if (p->n > 0 && p->s[0] == '.') {
        p->s++;
        p->n--;
        size_t pl = p->n;
        lead_frac(p, &f, &scale);
        post = pl != p->n;
    }
    if (!pre && !post)
        return bad(e, "invalid", orig, on);
    size_t i = 0;
    while (i < p->n && p->s[i] != '.' && (p->s[i] < '0' || p->s[i] > '9'))
        i++;
    if (i == 0)
        return bad(e, "missing unit in", orig, on);
    uint64_t unit = unit_of(p->s, i);
    if (!unit) {
        char qu[256], qo[256];
        gotime_quote(qu, sizeof qu, p->s, i);
        gotime_quote(qo, sizeof qo, orig, on);
        return rn_errf(e, RN_EINVAL, "time: unknown unit %s in duration %s", qu,
                       qo);
    }
    p->s += i;
    p->n -= i;
    if (v > (1ull << 63) / unit)
        return bad(e, "invalid", orig, on);
    v *= unit;
    if (f > 0) {
        v += (uint64_t)((double)f * ((double)unit / scale));
        if (v > (1ull << 63))
            return bad(e, "invalid", orig, on);
    }
    *d += v;
    if (*d > (1ull << 63))
        return bad(e, "invalid", orig, on);
    return RN_OK;
}

/*
 * time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with units ns, us,
 * µs, μs, ms, s, m, h.  Errors (RN_EINVAL) in Go's words: 'time: invalid
 * duration "x"', 'time: unknown unit "x" in duration "1x"', 'time: missing
 * unit in duration "1"'.
 */
int gotime_parse_duration(const char *s, size_t n, int64_t *ns,
                          struct rn_err *e)
{
    struct dsc p = {s, n};
    uint64_t d = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        p.s++;
        p.n--;
    }
    if (p.n == 1 && p.s[0] == '0') {
        *ns = 0;
        return RN_OK;
    }
    if (p.n == 0)
        return bad(e, "invalid", s, n);
    while (p.n > 0) {
        int rc = term(&p, &d, s, n, e);
        if (rc != RN_OK)
            return rc;
    }
    if (neg) {
        *ns = (int64_t)(0 - d);
        return RN_OK;
    }
    if (d > (uint64_t)INT64_MAX)
        return bad(e, "invalid", s, n);
    *ns = (int64_t)d;
    return RN_OK;
}

/* d.Round(m): halves away from zero, saturating at the int64 range;
 * m <= 0 returns d. */
int64_t gotime_duration_round(int64_t d, int64_t m)
{
    if (m <= 0)
        return d;
    int64_t r = d % m, d1;
    if (d < 0) {
        r = -r;
        if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
            return d + r;
        d1 = gotime_wadd(gotime_wadd(d, -m), r);
        return d1 < d ? d1 : INT64_MIN;
    }
    if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
        return d - r;
    d1 = gotime_wadd(d, m - r);
    return d1 > d ? d1 : INT64_MAX;
}

/* d.Truncate(m): toward zero; m <= 0 returns d. */
int64_t gotime_duration_truncate(int64_t d, int64_t m)
{
    return m <= 0 ? d : d - d % m;
}

/* d.Hours(), d.Minutes(), d.Seconds(): whole units plus the remainder as
 * a fraction, computed as Go does so the floats match. */
double gotime_duration_hours(int64_t d)
{
    int64_t unit = 3600 * (int64_t)NS_SEC;
    return (double)(d / unit) + (double)(d % unit) / (60 * 60 * 1e9);
}

double gotime_duration_minutes(int64_t d)
{
    int64_t unit = 60 * (int64_t)NS_SEC;
    return (double)(d / unit) + (double)(d % unit) / (60 * 1e9);
}

double gotime_duration_seconds(int64_t d)
{
    int64_t unit = (int64_t)NS_SEC;
    return (double)(d / unit) + (double)(d % unit) / 1e9;
}
