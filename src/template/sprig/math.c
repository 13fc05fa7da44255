/*
 * math.c: sprig's arithmetic.
 *
 * The integer functions (add, sub, mul, div, mod, max, min) cast every
 * operand with cast.ToInt64 and wrap on overflow as Go's int64 does;
 * division by zero panics as in Go.  The float functions with an `f`
 * (addf, subf, mulf, divf, add1f) go through shopspring/decimal as sprig
 * does: each operand becomes the exact decimal of its shortest
 * representation, the operation is exact (division rounds half away from
 * zero at 16 decimal places), and the result is the float64 nearest to
 * that decimal.  So `addf 0.1 0.2` is 0.3, not 0.30000000000000004.
 * floor, ceil, round, maxf and minf follow Go's math package.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- integer functions ---- */

static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int64_t wrap_mul(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

static int out_i64(struct val *out, int64_t i)
{
    *out = val_int_t(i, GT_INT64);
    return RN_OK;
}

static int f_add(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    int64_t sum = 0;
    (void)c;
    for (int i = 0; i < argc; i++)
        sum = wrap_add(sum, sprig_toint64(argv[i]));
    return out_i64(out, sum);
}

static int f_add1(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    (void)c;
    (void)argc;
    return out_i64(out, wrap_add(sprig_toint64(argv[0]), 1));
}

static int f_sub(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    uint64_t a = (uint64_t)sprig_toint64(argv[0]);
    (void)c;
    (void)argc;
    return out_i64(out, (int64_t)(a - (uint64_t)sprig_toint64(argv[1])));
}

static int f_mul(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    int64_t p = sprig_toint64(argv[0]);
    (void)c;
    for (int i = 1; i < argc; i++)
        p = wrap_mul(p, sprig_toint64(argv[i]));
    return out_i64(out, p);
}

/* div and mod: Go truncates toward zero; MinInt64 / -1 overflows to
 * MinInt64 without a panic. */
static int divmod(struct tpl_fcall *c, const struct val *argv, bool mod,
                  struct val *out)
{
    int64_t a = sprig_toint64(argv[0]), b = sprig_toint64(argv[1]);
    if (b == 0)
        return sprig_fail(c, "runtime error: integer divide by zero");
    if (b == -1)
        return out_i64(out, mod ? 0 : (int64_t)(0 - (uint64_t)a));
    return out_i64(out, mod ? a % b : a / b);
}

static int f_div(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)argc;
    return divmod(c, argv, false, out);
}

static int f_mod(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    (void)argc;
    return divmod(c, argv, true, out);
}

static int f_max(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    int64_t m = sprig_toint64(argv[0]);
    (void)c;
    for (int i = 1; i < argc; i++) {
        int64_t v = sprig_toint64(argv[i]);
        if (v > m)
            m = v;
    }
    return out_i64(out, m);
}

static int f_min(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    int64_t m = sprig_toint64(argv[0]);
    (void)c;
    for (int i = 1; i < argc; i++) {
        int64_t v = sprig_toint64(argv[i]);
        if (v < m)
            m = v;
    }
    return out_i64(out, m);
}

/* ---- float64 functions ---- */

/* math.Max / math.Min: +Inf / -Inf win over NaN, NaN wins otherwise, and
 * the sign of zero counts. */
static double go_max(double x, double y)
{
    if (isinf(x) && x > 0)
        return x;
    if (isinf(y) && y > 0)
        return y;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? y : x;
    return x > y ? x : y;
}

static double go_min(double x, double y)
{
    if (isinf(x) && x < 0)
        return x;
    if (isinf(y) && y < 0)
        return y;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? x : y;
    return x < y ? x : y;
}

static int f_maxf(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    double m = sprig_tofloat64(argv[0]);
    (void)c;
    for (int i = 1; i < argc; i++)
        m = go_max(m, sprig_tofloat64(argv[i]));
    *out = val_float(m);
    return RN_OK;
}

static int f_minf(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    double m = sprig_tofloat64(argv[0]);
    (void)c;
    for (int i = 1; i < argc; i++)
        m = go_min(m, sprig_tofloat64(argv[i]));
    *out = val_float(m);
    return RN_OK;
}

static int f_floor(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_float(floor(sprig_tofloat64(argv[0])));
    return RN_OK;
}

static int f_ceil(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_float(ceil(sprig_tofloat64(argv[0])));
    return RN_OK;
}

/* Go's math.Pow for an integral exponent: repeated squaring on the
 * mantissa, so results match Go to the last bit. */
static double go_pow_int(double x, double y)
{
    double a1 = 1, x1;
    int ae = 0, xe;
    if (y == 0 || x == 1)
        return 1;
    if (y == 1)
        return x;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 || isinf(x) || fabs(y) >= 9.2e18)
        return pow(x, y);
    x1 = frexp(x, &xe);
    for (int64_t i = (int64_t)fabs(y); i != 0; i >>= 1) {
        if (xe < -(1 << 12) || (1 << 12) < xe) {
            ae += xe;
            break;
        }
        if (i & 1) {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if (x1 < .5) {
            x1 += x1;
            xe--;
        }
    }
    if (y < 0) {
        a1 = 1 / a1;
        ae = -ae;
    }
    return ldexp(a1, ae);
}

/* round value places [roundOn]: ceil when the fraction of value*10^places
 * reaches roundOn (default .5), floor otherwise. */
static int f_round(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    double on = argc > 2 ? argv[2].u.f : .5;
    double v = sprig_tofloat64(argv[0]);
    double p = go_pow_int(10, (double)argv[1].u.i);
    double digit = p * v, ipart;
    double frac = modf(digit, &ipart);
    (void)c;
    *out = val_float((frac >= on ? ceil(digit) : floor(digit)) / p);
    return RN_OK;
}

/* ---- shopspring/decimal arithmetic ---- */

/* value = (neg ? -1 : 1) * digits * 10^exp; digits most significant
 * first, no leading zeros (zero has n == 0). */
struct dec {
    bool neg;
    int n;
    int exp;
    uint8_t *d;
};

static void dec_trim(struct dec *x)
{
    int lead = 0;
    while (lead < x->n && x->d[lead] == 0)
        lead++;
    x->d += lead;
    x->n -= lead;
    while (x->n > 0 && x->d[x->n - 1] == 0) {
        x->n--;
        x->exp++;
    }
    if (x->n == 0) {
        x->neg = false;
        x->exp = 0;
    }
}

/* decimal.NewFromFloat: the digits of the shortest representation. */
static int dec_from_float(struct tpl_fcall *c, double f, struct dec *x)
{
    struct buf b;
    if (isnan(f) || isinf(f))
        return sprig_fail(c, "Cannot create a Decimal from %s",
                          isnan(f) ? "NaN"
                          : f > 0  ? "+Inf"
                                   : "-Inf");
    buf_init(&b, 0);
    int rc = gofmt_float(&b, f, 'e', -1, 64);
    if (rc)
        return rc == RN_ENOMEM ? sprig_nomem(c) : rc;
    const char *s = b.ptr;
    x->neg = *s == '-';
    s += x->neg;
    x->d = arena_alloc(c->arena, b.len);
    if (!x->d) {
        buf_free(&b);
        return sprig_nomem(c);
    }
    x->n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            x->d[x->n++] = (uint8_t)(*s - '0');
    x->exp = (int)strtol(s + 1, NULL, 10) - (x->n - 1);
    buf_free(&b);
    dec_trim(x);
    return RN_OK;
}

/* The digits of x scaled to exponent e (<= x->exp), in n digits. */
static void dec_digits_at(const struct dec *x, int e, uint8_t *out, int n)
{
    int shift = x->exp - e;
    memset(out, 0, (size_t)n);
    for (int i = 0; i < x->n; i++)
        out[n - shift - x->n + i] = x->d[i];
}

/* |a| vs |b| on equal-length digit arrays. */
static int digits_cmp(const uint8_t *a, const uint8_t *b, int n)
{
    return memcmp(a, b, (size_t)n);
}

/* r = a - b on equal-length digit arrays with a >= b. */
static void digits_sub(uint8_t *r, const uint8_t *a, const uint8_t *b, int n)
{
    int borrow = 0;
    for (int i = n - 1; i >= 0; i--) {
        int v = a[i] - b[i] - borrow;
        borrow = v < 0;
        r[i] = (uint8_t)(v + (borrow ? 10 : 0));
    }
}

static int dec_add(struct tpl_fcall *c, struct dec a, struct dec b,
                   bool negate_b, struct dec *r)
{
    if (negate_b)
        b.neg = !b.neg;
    if (a.n == 0 || b.n == 0) {
        *r = a.n == 0 ? b : a;
        return RN_OK;
    }
    int e = a.exp < b.exp ? a.exp : b.exp;
    int la = a.n + a.exp - e, lb = b.n + b.exp - e;
    int n = (la > lb ? la : lb) + 1;
    uint8_t *x = arena_alloc(c->arena, (size_t)n * 3);
    if (!x)
        return sprig_nomem(c);
    uint8_t *y = x + n, *z = y + n;
    dec_digits_at(&a, e, x, n);
    dec_digits_at(&b, e, y, n);
    r->exp = e;
    r->n = n;
    r->d = z;
    if (a.neg == b.neg) {
        int carry = 0;
        for (int i = n - 1; i >= 0; i--) {
            int v = x[i] + y[i] + carry;
            carry = v >= 10;
            z[i] = (uint8_t)(v % 10);
        }
        r->neg = a.neg;
    } else if (digits_cmp(x, y, n) >= 0) {
        digits_sub(z, x, y, n);
        r->neg = a.neg;
    } else {
        digits_sub(z, y, x, n);
        r->neg = b.neg;
    }
    dec_trim(r);
    return RN_OK;
}

static int dec_mul(struct tpl_fcall *c, struct dec a, struct dec b,
                   struct dec *r)
{
    int n = a.n + b.n;
    uint32_t *acc;
    if (a.n == 0 || b.n == 0) {
        *r = (struct dec){false, 0, 0, NULL};
        return RN_OK;
    }
    acc = arena_zalloc(c->arena, (size_t)n * sizeof *acc);
    r->d = arena_alloc(c->arena, (size_t)n);
    if (!acc || !r->d)
        return sprig_nomem(c);
    for (int i = a.n - 1; i >= 0; i--)
        for (int j = b.n - 1; j >= 0; j--)
            acc[i + j + 1] += (uint32_t)a.d[i] * b.d[j];
    for (int k = n - 1; k > 0; k--) {
        acc[k - 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    for (int k = 0; k < n; k++)
        r->d[k] = (uint8_t)acc[k];
    r->n = n;
    r->exp = a.exp + b.exp;
    r->neg = a.neg != b.neg;
    dec_trim(r);
    return RN_OK;
}

/* Long division of num (nn digits) by den (dn digits): quotient digits
 * into q (nn digits), remainder left in num's last dn+1 digits. */
static void digits_divmod(uint8_t *num, int nn, const uint8_t *den, int dn,
                          uint8_t *q, uint8_t *win)
{
    /* win: a (dn + 1)-digit window holding the running remainder */
    uint8_t *d1 = win + dn + 1;
    memset(win, 0, (size_t)(dn + 1));
    d1[0] = 0;
    memcpy(d1 + 1, den, (size_t)dn);
    for (int i = 0; i < nn; i++) {
        memmove(win, win + 1, (size_t)dn);
        win[dn] = num[i];
        int k = 0;
        while (digits_cmp(win, d1, dn + 1) >= 0) {
            digits_sub(win, win, d1, dn + 1);
            k++;
        }
        q[i] = (uint8_t)k;
    }
}

/* decimal.Div: DivRound(b, 16), half away from zero. */
static int dec_div(struct tpl_fcall *c, struct dec a, struct dec b,
                   struct dec *r)
{
    if (b.n == 0)
        return sprig_fail(c, "decimal division by 0");
    if (a.n == 0) {
        *r = a;
        return RN_OK;
    }
    /* q = trunc(A * 10^s / B) with s = ea - eb + 16; a negative s moves
     * the power of ten to the divisor */
    int s = a.exp - b.exp + 16;
    int nn = a.n + (s > 0 ? s : 0), dn = b.n + (s < 0 ? -s : 0);
    uint8_t *mem = arena_zalloc(c->arena, (size_t)(nn * 2 + dn * 4 + 8));
    if (!mem)
        return sprig_nomem(c);
    uint8_t *num = mem, *q = num + nn, *den = q + nn, *win = den + dn;
    memcpy(num, a.d, (size_t)a.n);
    memcpy(den, b.d, (size_t)b.n);
    digits_divmod(num, nn, den, dn, q, win);
    /* round: compare 2 * remainder with the divisor */
    uint8_t *two_r = win + 2 * (dn + 1), *dd = win + dn + 1;
    int carry = 0;
    for (int i = dn; i >= 0; i--) {
        int v = win[i] * 2 + carry;
        carry = v >= 10;
        two_r[i] = (uint8_t)(v % 10);
    }
    bool up = carry || digits_cmp(two_r, dd, dn + 1) >= 0;
    struct dec qd = {a.neg != b.neg, nn, -16, q};
    dec_trim(&qd);
    if (!up) {
        *r = qd;
        return RN_OK;
    }
    uint8_t *one = mem + nn * 2 + dn * 4 + 7; /* spare byte of mem */
    *one = 1;
    return dec_add(c, qd, (struct dec){a.neg != b.neg, 1, -16, one}, false, r);
}

/* decimal's Float64: the float64 nearest to x. */
static int dec_float(struct tpl_fcall *c, const struct dec *x, double *f)
{
    *f = 0;
    if (x->n == 0)
        return RN_OK;
    char *s = arena_alloc(c->arena, (size_t)x->n + 32);
    if (!s)
        return sprig_nomem(c);
    int k = 0;
    if (x->neg)
        s[k++] = '-';
    for (int i = 0; i < x->n; i++)
        s[k++] = (char)('0' + x->d[i]);
    snprintf(s + k, 24, "e%d", x->exp);
    *f = strtod(s, NULL);
    return RN_OK;
}

enum dec_op { OP_ADD, OP_SUB, OP_MUL, OP_DIV };

/* execDecimalOp: fold argv[1..] into argv[0] (or into `first`). */
static int decimal_fold(struct tpl_fcall *c, double first,
                        const struct val *argv, int argc, enum dec_op op,
                        struct val *out)
{
    struct dec acc, x;
    int rc = dec_from_float(c, first, &acc);
    for (int i = 0; i < argc && rc == RN_OK; i++) {
        rc = dec_from_float(c, sprig_tofloat64(argv[i]), &x);
        if (rc)
            break;
        if (op == OP_ADD || op == OP_SUB)
            rc = dec_add(c, acc, x, op == OP_SUB, &acc);
        else if (op == OP_MUL)
            rc = dec_mul(c, acc, x, &acc);
        else
            rc = dec_div(c, acc, x, &acc);
    }
    double f;
    if (rc == RN_OK)
        rc = dec_float(c, &acc, &f);
    if (rc == RN_OK)
        *out = val_float(f);
    return rc;
}

static int f_addf(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return decimal_fold(c, 0, argv, argc, OP_ADD, out);
}

static int f_add1f(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct val one = val_int(1);
    (void)argc;
    return decimal_fold(c, sprig_tofloat64(argv[0]), &one, 1, OP_ADD, out);
}

static int f_subf(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return decimal_fold(c, sprig_tofloat64(argv[0]), argv + 1, argc - 1, OP_SUB,
                        out);
}

static int f_mulf(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return decimal_fold(c, sprig_tofloat64(argv[0]), argv + 1, argc - 1, OP_MUL,
                        out);
}

static int f_divf(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return decimal_fold(c, sprig_tofloat64(argv[0]), argv + 1, argc - 1, OP_DIV,
                        out);
}

static const struct tpl_func_def math_funcs[] = {
    {"add", f_add, ".v", NULL},    {"add1", f_add1, "v", NULL},
    {"sub", f_sub, "vv", NULL},    {"mul", f_mul, "v.v", NULL},
    {"div", f_div, "vv", NULL},    {"mod", f_mod, "vv", NULL},
    {"max", f_max, "v.v", NULL},   {"biggest", f_max, "v.v", NULL},
    {"min", f_min, "v.v", NULL},   {"maxf", f_maxf, "v.v", NULL},
    {"minf", f_minf, "v.v", NULL}, {"floor", f_floor, "v", NULL},
    {"ceil", f_ceil, "v", NULL},   {"round", f_round, "vi.f", NULL},
    {"addf", f_addf, ".v", NULL},  {"add1f", f_add1f, "v", NULL},
    {"subf", f_subf, "v.v", NULL}, {"mulf", f_mulf, "v.v", NULL},
    {"divf", f_divf, "v.v", NULL},
};

SPRIG_GROUP(math, math_funcs);
