/*
 * gotime_format.c: Go's layout language and Time.Format / Time.String.
 *
 * A layout is literal text around elements spelled as parts of Go's
 * reference time "Mon Jan 2 15:04:05 MST 2006" (gotime_next_chunk, shared
 * with parsing).  Formatting follows Go byte for byte, including its
 * oddities: "MST" prints -0700 when the zone has no abbreviation, the
 * "Z" forms print Z for a zero offset, ".999" drops trailing zeros.
 */
#include "gotime_int.h"

#include "buf.h"
#include "err.h"

#include <string.h>

const char *const gotime_month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

const char *const gotime_day_names[7] = {"Sunday",    "Monday",   "Tuesday",
                                         "Wednesday", "Thursday", "Friday",
                                         "Saturday"};

static bool starts(const char *s, size_t n, size_t i, const char *lit)
{
    size_t k = strlen(lit);
    return n - i >= k && memcmp(s + i, lit, k) == 0;
}

static bool is_digit_at(const char *s, size_t n, size_t i)
{
    return i < n && s[i] >= '0' && s[i] <= '9';
}

static bool lower_at(const char *s, size_t n, size_t i)
{
    return i < n && s[i] >= 'a' && s[i] <= 'z';
}

static void set(struct gotime_chunk *c, size_t prefix, size_t len,
                enum gotime_std std)
{
    c->prefix = prefix;
    c->len = len;
    c->std = std;
}

/* Numeric zones: -070000 -07:00:00 -0700 -07:00 -07 and the Z forms. */
static bool zone_chunk(const char *s, size_t n, size_t i,
                       struct gotime_chunk *c)
{
    static const struct {
        const char *lit;
        unsigned tzf;
    } forms[] = {{"070000", GOTIME_TZF_SECS},
                 {"07:00:00", GOTIME_TZF_COLON | GOTIME_TZF_SECS},
                 {"0700", 0},
                 {"07:00", GOTIME_TZF_COLON},
                 {"07", GOTIME_TZF_SHORT}};
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        if (starts(s, n, i + 1, forms[k].lit)) {
            set(c, i, 1 + strlen(forms[k].lit), GOTIME_STD_NUM_TZ);
            c->tzf = forms[k].tzf | (s[i] == 'Z' ? GOTIME_TZF_ISO : 0);
            return true;
        }
    }
    return false;
}

/* .000 .999 ,000 ,999: a run of one digit ending the digits. */
static bool frac_chunk(const char *s, size_t n, size_t i,
                       struct gotime_chunk *c)
{
    if (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '9'))
        return false;
    size_t j = i + 1;
    while (j < n && s[j] == s[i + 1])
        j++;
    if (is_digit_at(s, n, j))
        return false;
    set(c, i, j - i, s[i + 1] == '0' ? GOTIME_STD_FRAC0 : GOTIME_STD_FRAC9);
    c->ndigits = (int)(j - i - 1);
    c->sep = s[i];
    return true;
}

static bool letter_chunk(const char *s, size_t n, size_t i,
                         struct gotime_chunk *c)
{
    switch (s[i]) {
    case 'J':
        if (starts(s, n, i, "January"))
            return set(c, i, 7, GOTIME_STD_LONG_MONTH), true;
        if (starts(s, n, i, "Jan") && !lower_at(s, n, i + 3))
            return set(c, i, 3, GOTIME_STD_MONTH), true;
        return false;
    case 'M':
        if (starts(s, n, i, "Monday"))
            return set(c, i, 6, GOTIME_STD_LONG_WEEKDAY), true;
        if (starts(s, n, i, "Mon") && !lower_at(s, n, i + 3))
            return set(c, i, 3, GOTIME_STD_WEEKDAY), true;
        if (starts(s, n, i, "MST"))
            return set(c, i, 3, GOTIME_STD_TZ), true;
        return false;
    case 'P':
        if (starts(s, n, i, "PM"))
            return set(c, i, 2, GOTIME_STD_PM_UPPER), true;
        return false;
    case 'p':
        if (starts(s, n, i, "pm"))
            return set(c, i, 2, GOTIME_STD_PM_LOWER), true;
        return false;
    default:
        return false;
    }
}

static bool digit_chunk(const char *s, size_t n, size_t i,
                        struct gotime_chunk *c)
{
    static const enum gotime_std zero_x[6] = {
        GOTIME_STD_ZERO_MONTH,  GOTIME_STD_ZERO_DAY,    GOTIME_STD_ZERO_HOUR12,
        GOTIME_STD_ZERO_MINUTE, GOTIME_STD_ZERO_SECOND, GOTIME_STD_YEAR};
    switch (s[i]) {
    case '0':
        if (i + 1 < n && s[i + 1] >= '1' && s[i + 1] <= '6')
            return set(c, i, 2, zero_x[s[i + 1] - '1']), true;
        if (starts(s, n, i, "002"))
            return set(c, i, 3, GOTIME_STD_ZERO_YDAY), true;
        return false;
    case '1':
        if (starts(s, n, i, "15"))
            return set(c, i, 2, GOTIME_STD_HOUR), true;
        return set(c, i, 1, GOTIME_STD_NUM_MONTH), true;
    case '2':
        if (starts(s, n, i, "2006"))
            return set(c, i, 4, GOTIME_STD_LONG_YEAR), true;
        return set(c, i, 1, GOTIME_STD_DAY), true;
    case '_':
        if (starts(s, n, i, "_2006"))
            return set(c, i + 1, 4, GOTIME_STD_LONG_YEAR), true;
        if (starts(s, n, i, "_2"))
            return set(c, i, 2, GOTIME_STD_UNDER_DAY), true;
        if (starts(s, n, i, "__2"))
            return set(c, i, 3, GOTIME_STD_UNDER_YDAY), true;
        return false;
    case '3':
        return set(c, i, 1, GOTIME_STD_HOUR12), true;
    case '4':
        return set(c, i, 1, GOTIME_STD_MINUTE), true;
    case '5':
        return set(c, i, 1, GOTIME_STD_SECOND), true;
    default:
        return false;
    }
}

/*
 * Go's nextStdChunk.  On return c->prefix literal bytes precede the
 * element, which spans c->len bytes; GOTIME_STD_NONE means the rest of the
 * layout is literal (c->prefix == n).
 */
void gotime_next_chunk(const char *s, size_t n, struct gotime_chunk *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        bool found;
        switch (s[i]) {
        case '-':
        case 'Z':
            found = zone_chunk(s, n, i, c);
            break;
        case '.':
        case ',':
            found = frac_chunk(s, n, i, c);
            break;
        case 'J':
        case 'M':
        case 'P':
        case 'p':
            found = letter_chunk(s, n, i, c);
            break;
        default:
            found = digit_chunk(s, n, i, c);
            break;
        }
        if (found)
            return;
    }
    set(c, n, 0, GOTIME_STD_NONE);
}

/* Go's appendInt: optional '-', then at least width digits. */
static int add_int(struct buf *b, int64_t x, int width)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
        width--;
    } while (u > 0);
    while (width-- > 0)
        tmp[--i] = '0';
    if (x < 0)
        tmp[--i] = '-';
    return buf_add(b, tmp + i, sizeof tmp - i);
}

static int add_frac(struct buf *b, int32_t nsec, const struct gotime_chunk *c)
{
    char digits[9];
    uint32_t v = (uint32_t)nsec;
    for (int i = 8; i >= 0; i--) {
        digits[i] = (char)('0' + v % 10);
        v /= 10;
    }
    int n = c->ndigits > 9 ? 9 : c->ndigits;
    if (c->std == GOTIME_STD_FRAC9) {
        while (n > 0 && digits[n - 1] == '0')
            n--;
        if (n == 0)
            return RN_OK;
    }
    int rc = buf_add_char(b, c->sep);
    return rc ? rc : buf_add(b, digits, (size_t)n);
}

static int add_num_zone(struct buf *b, int32_t off, unsigned tzf)
{
    if (off == 0 && (tzf & GOTIME_TZF_ISO))
        return buf_add_char(b, 'Z');
    int32_t zone = off / 60, abs = off;
    int rc = buf_add_char(b, zone < 0 ? '-' : '+');
    if (zone < 0) {
        zone = -zone;
        abs = -abs;
    }
    if (!rc)
        rc = add_int(b, zone / 60, 2);
    if (!rc && (tzf & GOTIME_TZF_COLON))
        rc = buf_add_char(b, ':');
    if (!rc && !(tzf & GOTIME_TZF_SHORT))
        rc = add_int(b, zone % 60, 2);
    if (!rc && (tzf & GOTIME_TZF_SECS) && (tzf & GOTIME_TZF_COLON))
        rc = buf_add_char(b, ':');
    if (!rc && (tzf & GOTIME_TZF_SECS))
        rc = add_int(b, abs % 60, 2);
    return rc;
}

/* "MST": the abbreviation, or -0700 when the zone has none. */
static int add_zone_name(struct buf *b, const struct val_time *t)
{
    if (t->zone && t->zone[0])
        return buf_add_str(b, t->zone);
    if (!t->zone && !t->fixed)
        return buf_add_str(b, "UTC"); /* a val_time built without a zone */
    int32_t zone = t->off / 60;
    int rc = buf_add_char(b, zone < 0 ? '-' : '+');
    if (zone < 0)
        zone = -zone;
    if (!rc)
        rc = add_int(b, zone / 60, 2);
    return rc ? rc : add_int(b, zone % 60, 2);
}

static int hour12(int h)
{
    return h % 12 == 0 ? 12 : h % 12;
}

static int add_yday(struct buf *b, int yday, bool under)
{
    if (!under)
        return add_int(b, yday, 3);
    int rc = RN_OK;
    if (yday < 100)
        rc = buf_add(b, "  ", yday < 10 ? 2 : 1);
    return rc ? rc : add_int(b, yday, 0);
}

static int add_elem(struct buf *b, const struct val_time *t,
                    const struct gotime_civil *f, const struct gotime_chunk *c)
{
    switch (c->std) {
    case GOTIME_STD_YEAR:
        return add_int(b, (f->year < 0 ? -f->year : f->year) % 100, 2);
    case GOTIME_STD_LONG_YEAR:
        return add_int(b, f->year, 4);
    case GOTIME_STD_MONTH:
        return buf_add(b, gotime_month_names[f->month - 1], 3);
    case GOTIME_STD_LONG_MONTH:
        return buf_add_str(b, gotime_month_names[f->month - 1]);
    case GOTIME_STD_NUM_MONTH:
        return add_int(b, f->month, 0);
    case GOTIME_STD_ZERO_MONTH:
        return add_int(b, f->month, 2);
    case GOTIME_STD_WEEKDAY:
        return buf_add(b, gotime_day_names[f->wday], 3);
    case GOTIME_STD_LONG_WEEKDAY:
        return buf_add_str(b, gotime_day_names[f->wday]);
    case GOTIME_STD_DAY:
        return add_int(b, f->day, 0);
    case GOTIME_STD_UNDER_DAY:
        if (f->day < 10 && buf_add_char(b, ' '))
            return RN_ENOMEM;
        return add_int(b, f->day, 0);
    case GOTIME_STD_ZERO_DAY:
        return add_int(b, f->day, 2);
    case GOTIME_STD_UNDER_YDAY:
    case GOTIME_STD_ZERO_YDAY:
        return add_yday(b, f->yday, c->std == GOTIME_STD_UNDER_YDAY);
    case GOTIME_STD_HOUR:
        return add_int(b, f->hour, 2);
    case GOTIME_STD_HOUR12:
    case GOTIME_STD_ZERO_HOUR12:
        return add_int(b, hour12(f->hour), c->std == GOTIME_STD_HOUR12 ? 0 : 2);
    case GOTIME_STD_MINUTE:
    case GOTIME_STD_ZERO_MINUTE:
        return add_int(b, f->min, c->std == GOTIME_STD_MINUTE ? 0 : 2);
    case GOTIME_STD_SECOND:
    case GOTIME_STD_ZERO_SECOND:
        return add_int(b, f->sec, c->std == GOTIME_STD_SECOND ? 0 : 2);
    case GOTIME_STD_PM_UPPER:
        return buf_add_str(b, f->hour >= 12 ? "PM" : "AM");
    case GOTIME_STD_PM_LOWER:
        return buf_add_str(b, f->hour >= 12 ? "pm" : "am");
    case GOTIME_STD_NUM_TZ:
        return add_num_zone(b, t->off, c->tzf);
    case GOTIME_STD_TZ:
        return add_zone_name(b, t);
    case GOTIME_STD_FRAC0:
    case GOTIME_STD_FRAC9:
        return add_frac(b, t->nsec, c);
    case GOTIME_STD_NONE:
        break;
    }
    return RN_OK;
}

/*
 * t.Format(layout) appended to b.  Never fails but for the buffer's own
 * errors (RN_ENOMEM, RN_ELIMIT), as Go's Format never fails.
 */
int gotime_format(struct buf *b, const struct val_time *t, const char *layout,
                  size_t layoutlen)
{
    struct gotime_civil f;
    struct gotime_chunk c;
    gotime_civil(t, &f);
    while (layoutlen > 0) {
        gotime_next_chunk(layout, layoutlen, &c);
        int rc = c.prefix ? buf_add(b, layout, c.prefix) : RN_OK;
        if (!rc)
            rc = add_elem(b, t, &f, &c);
        if (rc)
            return rc;
        if (c.std == GOTIME_STD_NONE)
            break;
        layout += c.prefix + c.len;
        layoutlen -= c.prefix + c.len;
    }
    return RN_OK;
}

/* t.String(): "2006-01-02 15:04:05.999999999 -0700 MST" (no monotonic
 * clock reading is ever shown). */
int gotime_string(struct buf *b, const struct val_time *t)
{
    static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
    return gotime_format(b, t, layout, sizeof layout - 1);
}

/*
 * Go's quote() for time error messages: bytes outside printable ASCII
 * become \xNN, '"' and '\' are escaped.  Output is cut to fit outsz.
 */
void gotime_quote(char *out, size_t outsz, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (outsz < 3) {
        if (outsz)
            out[0] = 0;
        return;
    }
    out[o++] = '"';
    for (size_t i = 0; i < n && o + 5 < outsz; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80 || ch < ' ') {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
            continue;
        }
        if (ch == '"' || ch == '\\')
            out[o++] = '\\';
        out[o++] = (char)ch;
    }
    out[o++] = '"';
    out[o] = 0;
}
