/*
 * gofmt_float.c: Go's strconv.FormatFloat / FormatInt / FormatUint.
 *
 * Decimal digits come from the C library, which rounds exactly: the
 * shortest representation is the first precision (1..17 significant
 * digits, 1..9 for float32) whose correctly rounded digits read back as
 * the same number; explicit precisions are rounded by snprintf, half to
 * even on the exact binary value, as Go does.  The digits are then laid
 * out by Go's rules for 'e', 'f' and 'g' (Go's shortest %g uses an
 * exponent when it is < -4 or >= 6 whatever the digit count, so 1e6
 * prints "1e+06"; %g never keeps trailing zeros).  'b', 'x' and 'X' work
 * on the IEEE bits directly.
 */
#include "gofmt.h"

#include "buf.h"
#include "err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits d[0..nd) of a value 0.d1d2... x 10^dp; nd == 0 is 0. */
struct digits {
    char d[800];
    int nd, dp;
};

/* Parse snprintf's "%.*e" output ("-1.2345e+06") into digits. */
static void digits_from_e(struct digits *dg, const char *s)
{
    dg->nd = 0;
    if (*s == '-')
        s++;
    for (; *s && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9' && dg->nd < (int)sizeof(dg->d))
            dg->d[dg->nd++] = *s;
    }
    int exp = (*s == 'e') ? (int)strtol(s + 1, NULL, 10) : 0;
    dg->dp = exp + 1;
    while (dg->nd > 0 && dg->d[dg->nd - 1] == '0')
        dg->nd--;
    if (dg->nd == 0)
        dg->dp = 0;
}

static bool roundtrips(const char *s, double f, int bitsize)
{
    if (bitsize == 32)
        return strtof(s, NULL) == (float)f;
    return strtod(s, NULL) == f;
}

/*
 * The next decimal string up from s at the same length ("1.99e+05" ->
 * "2.00e+05"); used only for exact powers of two, whose rounding interval
 * is wider above than below, so the nearest candidate may fail to round
 * trip while the one above succeeds.
 */
static void bump_last_digit(char *s)
{
    char *e = strchr(s, 'e');
    char *p = e ? e - 1 : s + strlen(s) - 1;
    for (; p >= s; p--) {
        if (*p == '.')
            continue;
        if (*p < '0' || *p > '9')
            break;
        if (*p != '9') {
            (*p)++;
            return;
        }
        *p = '0';
    }
    /* all nines: 9.99e+05 -> 1.00e+06 is not needed here (a power of two
     * never sits just below a power of ten at this length) */
}

static bool is_pow2(double f, int bitsize)
{
    int e;
    double m = frexp(fabs(f), &e);
    (void)e;
    if (bitsize == 32)
        return frexpf(fabsf((float)f), &e) == 0.5f;
    return m == 0.5;
}

/*
 * The digits of an integral |f| < 2^53: every integer there is a double,
 * so its own decimal digits (trailing zeros trimmed) are the shortest
 * that read back.  False when f is not such a value.
 */
static bool digits_integral(struct digits *dg, double f)
{
    double a = fabs(f);
    if (!(a < 9007199254740992.0) || a != floor(a))
        return false;
    char tmp[20];
    int n = 0;
    for (uint64_t u = (uint64_t)a; u; u /= 10)
        tmp[n++] = (char)('0' + u % 10);
    dg->dp = n;
    int lo = 0;
    while (lo < n && tmp[lo] == '0')
        lo++;
    dg->nd = n - lo;
    for (int i = 0; i < dg->nd; i++)
        dg->d[i] = tmp[n - 1 - i];
    return true;
}

/* Shortest digits that read back as f (f finite, nonzero). */
static void digits_shortest(struct digits *dg, double f, int bitsize)
{
    char s[64];
    if (bitsize == 64 && digits_integral(dg, f))
        return;
    int maxp = bitsize == 32 ? 9 : 17;
    for (int p = 0; p < maxp; p++) {
        snprintf(s, sizeof(s), "%.*e", p, f);
        if (roundtrips(s, f, bitsize))
            break;
        if (is_pow2(f, bitsize)) {
            char up[64];
            memcpy(up, s, sizeof(up));
            bump_last_digit(up);
            if (roundtrips(up, f, bitsize)) {
                memcpy(s, up, sizeof(s));
                break;
            }
        }
    }
    digits_from_e(dg, s);
}

/* n significant digits of f, correctly rounded, trailing zeros trimmed. */
static void digits_fixed(struct digits *dg, double f, int n)
{
    char s[900];
    if (n > (int)sizeof(dg->d) - 1)
        n = (int)sizeof(dg->d) - 1;
    snprintf(s, sizeof(s), "%.*e", n - 1, f);
    digits_from_e(dg, s);
}

/* Go's fmtE: d.ddde±dd with prec digits after the point. */
static int lay_e(struct buf *b, bool neg, const struct digits *dg, int prec,
                 char fmt)
{
    char head[3];
    size_t n = 0;
    if (neg)
        head[n++] = '-';
    head[n++] = dg->nd ? dg->d[0] : '0';
    if (prec > 0)
        head[n++] = '.';
    int rc = buf_add(b, head, n);
    if (!rc && prec > 0) {
        int m = dg->nd < prec + 1 ? dg->nd : prec + 1;
        if (m > 1)
            rc = buf_add(b, dg->d + 1, (size_t)(m - 1));
        for (int i = m > 1 ? m : 1; !rc && i <= prec; i++)
            rc = buf_add_char(b, '0');
    }
    int exp = dg->nd ? dg->dp - 1 : 0;
    if (rc)
        return rc;
    return buf_add_fmt(b, "%c%c%s%d", fmt, exp < 0 ? '-' : '+',
                       (exp > -10 && exp < 10) ? "0" : "",
                       exp < 0 ? -exp : exp);
}

/* Go's fmtF: integer digits, then prec digits after the point. */
static int lay_f(struct buf *b, bool neg, const struct digits *dg, int prec)
{
    int rc = neg ? buf_add_char(b, '-') : RN_OK;
    if (rc)
        return rc;
    if (dg->dp > 0) {
        int m = dg->nd < dg->dp ? dg->nd : dg->dp;
        rc = buf_add(b, dg->d, (size_t)m);
        for (int i = m; !rc && i < dg->dp; i++)
            rc = buf_add_char(b, '0');
    } else {
        rc = buf_add_char(b, '0');
    }
    if (rc || prec <= 0)
        return rc;
    rc = buf_add_char(b, '.');
    for (int i = 1; !rc && i <= prec; i++) {
        int j = dg->dp + i - 1;
        rc = buf_add_char(b, (j >= 0 && j < dg->nd) ? dg->d[j] : '0');
    }
    return rc;
}

/* Go's %g decision between the two layouts. */
static int lay_g(struct buf *b, bool neg, const struct digits *dg, int prec,
                 bool shortest, char fmt)
{
    int eprec = prec;
    if (eprec > dg->nd && dg->nd >= dg->dp)
        eprec = dg->nd;
    if (shortest)
        eprec = 6;
    int exp = dg->dp - 1;
    if (exp < -4 || exp >= eprec) {
        if (prec > dg->nd)
            prec = dg->nd;
        return lay_e(b, neg, dg, prec - 1, (char)(fmt + 'e' - 'g'));
    }
    if (prec > dg->dp)
        prec = dg->nd;
    return lay_f(b, neg, dg, prec - dg->dp > 0 ? prec - dg->dp : 0);
}

/* The IEEE fields of f: mantissa with the implicit bit, unbiased exponent
 * of its lowest bit's position as Go's strconv defines them. */
static void float_bits(double f, int bitsize, uint64_t *mant, int *exp,
                       int *mantbits)
{
    if (bitsize == 32) {
        float g = (float)f;
        uint32_t u;
        memcpy(&u, &g, sizeof(u));
        *mantbits = 23;
        *mant = u & ((1u << 23) - 1);
        *exp = (int)((u >> 23) & 0xff);
        if (*exp == 0)
            (*exp)++;
        else
            *mant |= 1u << 23;
        *exp += -127;
        return;
    }
    uint64_t u;
    memcpy(&u, &f, sizeof(u));
    *mantbits = 52;
    *mant = u & ((UINT64_C(1) << 52) - 1);
    *exp = (int)((u >> 52) & 0x7ff);
    if (*exp == 0)
        (*exp)++;
    else
        *mant |= UINT64_C(1) << 52;
    *exp += -1023;
}

/* 'b': decimal mantissa "p" binary exponent, e.g. 4503599627370496p-52. */
static int fmt_b(struct buf *b, bool neg, double f, int bitsize)
{
    uint64_t mant;
    int exp, mantbits;
    float_bits(f, bitsize, &mant, &exp, &mantbits);
    exp -= mantbits;
    return buf_add_fmt(b, "%s%llup%c%d", neg ? "-" : "",
                       (unsigned long long)mant, exp >= 0 ? '+' : '-',
                       exp >= 0 ? exp : -exp);
}

/* Round the 1<<60-normalised mantissa to prec hex digits (Go's rule:
 * half to even). */
static void hex_round(uint64_t *mant, int *exp, int prec)
{
    unsigned shift = (unsigned)prec * 4;
    uint64_t extra = (*mant << shift) & ((UINT64_C(1) << 60) - 1);
    *mant >>= 60 - shift;
    if ((extra | (*mant & 1)) > (UINT64_C(1) << 59))
        (*mant)++;
    *mant <<= 60 - shift;
    if (*mant & (UINT64_C(1) << 61)) {
        *mant >>= 1;
        (*exp)++;
    }
}

/* 'x' / 'X': -0x1.8p+01 */
static int fmt_x(struct buf *b, bool neg, double f, int prec, int bitsize,
                 char fmt)
{
    const char *hex = fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    uint64_t mant;
    int exp, mantbits;
    float_bits(f, bitsize, &mant, &exp, &mantbits);
    if (mant == 0)
        exp = 0;
    mant <<= 60 - mantbits;
    while (mant != 0 && (mant & (UINT64_C(1) << 60)) == 0) {
        mant <<= 1;
        exp--;
    }
    if (prec >= 0 && prec < 15)
        hex_round(&mant, &exp, prec);
    char out[8];
    size_t n = 0;
    if (neg)
        out[n++] = '-';
    out[n++] = '0';
    out[n++] = fmt;
    out[n++] = (char)('0' + ((mant >> 60) & 1));
    mant <<= 4;
    if ((prec < 0 && mant != 0) || prec > 0)
        out[n++] = '.';
    int rc = buf_add(b, out, n);
    for (int i = 0; !rc && (prec < 0 ? mant != 0 : i < prec); i++) {
        rc = buf_add_char(b, hex[(mant >> 60) & 15]);
        mant <<= 4;
    }
    if (rc)
        return rc;
    return buf_add_fmt(b, "%c%c%02d", fmt == 'X' ? 'P' : 'p',
                       exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

/*
 * strconv.FormatFloat(f, fmt, prec, bitsize) appended to b.  bitsize 32
 * rounds f to float32 first.  An unknown fmt appends "%" fmt as Go does.
 * Returns RN_OK or the buffer's error.
 */
int gofmt_float(struct buf *b, double f, char fmt, int prec, int bitsize)
{
    if (bitsize == 32)
        f = (double)(float)f;
    if (isnan(f))
        return buf_add_str(b, "NaN");
    if (isinf(f))
        return buf_add_str(b, f > 0 ? "+Inf" : "-Inf");
    bool neg = signbit(f) != 0;
    if (fmt == 'b')
        return fmt_b(b, neg, f, bitsize);
    if (fmt == 'x' || fmt == 'X')
        return fmt_x(b, neg, f, prec, bitsize, fmt);
    if (fmt != 'e' && fmt != 'E' && fmt != 'f' && fmt != 'g' && fmt != 'G') {
        char bad[2] = {'%', fmt};
        return buf_add(b, bad, 2);
    }
    struct digits dg;
    bool shortest = prec < 0;
    if (f == 0) {
        dg.nd = dg.dp = 0;
    } else if (shortest) {
        digits_shortest(&dg, f, bitsize);
    } else if (fmt == 'f') {
        /* exact digits, laid out by C exactly as Go does */
        return buf_add_fmt(b, "%.*f", prec, f);
    } else if (fmt == 'e' || fmt == 'E') {
        digits_fixed(&dg, f, prec + 1);
    } else {
        if (prec == 0)
            prec = 1;
        digits_fixed(&dg, f, prec);
    }
    if (shortest) {
        if (fmt == 'e' || fmt == 'E')
            prec = dg.nd - 1;
        else if (fmt == 'f')
            prec = dg.nd - dg.dp > 0 ? dg.nd - dg.dp : 0;
        else
            prec = dg.nd;
    }
    switch (fmt) {
    case 'e':
    case 'E':
        return lay_e(b, neg, &dg, prec, fmt);
    case 'f':
        return lay_f(b, neg, &dg, prec);
    default:
        return lay_g(b, neg, &dg, prec, shortest, fmt);
    }
}

/*
 * strconv.FormatUint(u, base), base 2..36 with lower-case letters (other
 * bases print as 10).  Returns RN_OK or the buffer's error.
 */
int gofmt_uint(struct buf *b, uint64_t u, int base)
{
    static const char digs[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char out[65];
    size_t n = sizeof(out);
    if (base < 2 || base > 36)
        base = 10;
    if (base == 10) {
        do {
            out[--n] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        return buf_add(b, out + n, sizeof(out) - n);
    }
    do {
        out[--n] = digs[u % (unsigned)base];
        u /= (unsigned)base;
    } while (u);
    return buf_add(b, out + n, sizeof(out) - n);
}

/* strconv.FormatInt(i, base); see gofmt_uint. */
int gofmt_int(struct buf *b, int64_t i, int base)
{
    if (i < 0) {
        int rc = buf_add_char(b, '-');
        return rc ? rc : gofmt_uint(b, (uint64_t)0 - (uint64_t)i, base);
    }
    return gofmt_uint(b, (uint64_t)i, base);
}
