/*
 * gofmt_parse.c: Go's strconv parsers (ParseInt, ParseUint, ParseFloat),
 * the one copy that template literals, sprig's casts and expr's
 * conversions and literals share (gofmt.h).
 *
 * Base 0 reads Go's prefixes (0x, 0o, 0b, and a leading 0 for octal) and
 * allows underscores between digits, as Go's syntax does; ParseFloat reads
 * decimal and hexadecimal (p exponent) forms, "inf", "infinity" and "nan"
 * in any case.  Errors are Go's two: syntax (RN_EINVAL) and range
 * (RN_ELIMIT, with the value saturated as Go returns it).
 */
#include "gofmt.h"

#include "alloc.h"
#include "codec.h"
#include "err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int lower(int ch)
{
    return ch | 0x20;
}

/* A digit's value in bases up to 36; 99 for anything else. */
static int digit_val(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (lower(ch) >= 'a' && lower(ch) <= 'z')
        return lower(ch) - 'a' + 10;
    return 99;
}

/* Go's underscoreOK: an underscore only between digits, or between a
 * base prefix and a digit. */
static bool underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    bool hex = false;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    if (n >= 2 && s[0] == '0' &&
        (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s[1]) == 'x';
    }
    for (; i < n; i++) {
        int ch = (unsigned char)s[i];
        if ((ch >= '0' && ch <= '9') || (hex && codec_hexval((char)ch) >= 0)) {
            saw = '0';
            continue;
        }
        if (ch == '_') {
            if (saw != '0')
                return false;
            saw = '_';
            continue;
        }
        if (saw == '_')
            return false;
        saw = '!';
    }
    return saw != '_';
}

/* The base and where the digits start, for base 0: Go's prefixes. */
static int base_of(const char *s, size_t n, size_t *skip)
{
    *skip = 0;
    if (n == 0 || s[0] != '0')
        return 10;
    int p = n >= 3 ? lower(s[1]) : 0;
    *skip = (p == 'b' || p == 'o' || p == 'x') ? 2 : 1;
    return p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
}

/* See gofmt.h. */
int gofmt_parse_uint(const char *s, size_t n, int base, uint64_t *out)
{
    const char *s0 = s;
    size_t n0 = n, skip = 0;
    bool base0 = base == 0, unders = false;
    if (n == 0 || base == 1 || base < 0 || base > 36)
        return RN_EINVAL;
    if (base0)
        base = base_of(s, n, &skip);
    s += skip;
    n -= skip;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_' && base0) {
            unders = true;
            continue;
        }
        int d = digit_val((unsigned char)s[i]);
        if (d >= base)
            return RN_EINVAL;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
            *out = UINT64_MAX; /* Go stops at the overflow */
            return RN_ELIMIT;
        }
        v = v * (uint64_t)base + (uint64_t)d;
    }
    if (unders && !underscore_ok(s0, n0))
        return RN_EINVAL;
    *out = v;
    return RN_OK;
}

/* See gofmt.h. */
int gofmt_parse_int(const char *s, size_t n, int base, int64_t *out)
{
    bool neg = false;
    uint64_t u;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    int rc = gofmt_parse_uint(s, n, base, &u);
    if (rc == RN_EINVAL)
        return rc;
    if (rc == RN_ELIMIT || u > (uint64_t)INT64_MAX + neg) {
        *out = neg ? INT64_MIN : INT64_MAX;
        return RN_ELIMIT;
    }
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return RN_OK;
}

static bool has_prefix_ci(const char *s, size_t n, const char *p)
{
    size_t pn = strlen(p);
    if (n < pn)
        return false;
    for (size_t i = 0; i < pn; i++)
        if (lower((unsigned char)s[i]) != p[i])
            return false;
    return true;
}

/* "inf", "infinity" (signed) and "nan", whole string only. */
static bool parse_special(const char *s, size_t n, double *out)
{
    double sign = 1;
    bool signed_ = n && (s[0] == '+' || s[0] == '-');
    if (signed_) {
        sign = s[0] == '-' ? -1 : 1;
        s++;
        n--;
    }
    if ((n == 3 && has_prefix_ci(s, n, "inf")) ||
        (n == 8 && has_prefix_ci(s, n, "infinity"))) {
        *out = sign * INFINITY;
        return true;
    }
    if (!signed_ && n == 3 && has_prefix_ci(s, n, "nan")) {
        *out = NAN;
        return true;
    }
    return false;
}

/* The mantissa after an optional sign and 0x: digits with at most one
 * '.', underscores skipped, copied to tmp. */
static bool mantissa(const char *s, size_t n, size_t *i, bool hex, char *tmp,
                     size_t *k)
{
    bool digits = false, dot = false;
    for (; *i < n; (*i)++) {
        int ch = (unsigned char)s[*i];
        if (ch == '_')
            continue;
        if (ch == '.' && !dot) {
            dot = true;
        } else if ((ch >= '0' && ch <= '9') || (hex && digit_val(ch) < 16)) {
            digits = true;
        } else {
            break;
        }
        tmp[(*k)++] = (char)ch;
    }
    return digits;
}

/* Check Go's float syntax; copies the number without underscores to
 * tmp (room for n + 1). */
static bool float_syntax(const char *s, size_t n, char *tmp)
{
    size_t i = 0, k = 0;
    bool hex = false, exp = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        tmp[k++] = s[i++];
    if (i + 2 < n && s[i] == '0' && lower(s[i + 1]) == 'x') {
        hex = true;
        tmp[k++] = s[i++];
        tmp[k++] = s[i++];
    }
    if (!mantissa(s, n, &i, hex, tmp, &k))
        return false;
    if (i < n && lower(s[i]) == (hex ? 'p' : 'e')) {
        tmp[k++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-'))
            tmp[k++] = s[i++];
        bool ed = false;
        for (; i < n && (s[i] == '_' || (s[i] >= '0' && s[i] <= '9')); i++) {
            if (s[i] != '_')
                tmp[k++] = s[i];
            ed = ed || s[i] != '_';
        }
        if (!ed)
            return false;
        exp = true;
    }
    if (i != n || (hex && !exp))
        return false;
    if (memchr(s, '_', n) && !underscore_ok(s, n))
        return false;
    tmp[k] = '\0';
    return true;
}

/* See gofmt.h. */
int gofmt_parse_float(const char *s, size_t n, double *out)
{
    char small[128];
    char *tmp = small;
    int rc = RN_EINVAL;
    if (parse_special(s, n, out))
        return RN_OK;
    if (n + 1 > sizeof small) {
        tmp = rn_malloc(n + 1);
        if (!tmp)
            return RN_ENOMEM;
    }
    if (float_syntax(s, n, tmp)) {
        *out = strtod(tmp, NULL);
        rc = isinf(*out) ? RN_ELIMIT : RN_OK;
    }
    if (tmp != small)
        rn_free(tmp);
    return rc;
}
