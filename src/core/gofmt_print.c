/*
 * gofmt_print.c: how Go's fmt prints one value for one verb.
 *
 * This mirrors fmt's printArg / printValue: %T and %p first, then the
 * String() / Error() / GoString() methods Go would find (time.Time,
 * time.Duration, time.Month, time.Weekday, errors, Stringer structs), then
 * the value's kind.  Lists and maps apply the verb to each element, so
 * %d of a []interface {} holding floats prints [%!d(float64=1) ...]; a
 * verb that does not fit a value prints %!verb(type=value) with the width
 * and flags still in effect, as Go does.  Padding counts runes.
 *
 * The printer state lives in struct gofmt_pp (gofmt_int.h); the format
 * string parser is gofmt_printf.c.
 */
#include "gofmt.h"

#include "buf.h"
#include "err.h"
#include "gofmt_int.h"
#include "gotime.h"
#include "utf8.h"

#include <math.h>
#include <string.h>

static const char ldigits[] = "0123456789abcdefx";
static const char udigits[] = "0123456789ABCDEFX";

static void print_value(struct gofmt_pp *p, struct val v, uint32_t verb,
                        int depth);

/* ---- output and padding ---- */

void gofmt_pp_init(struct gofmt_pp *p, struct buf *b)
{
    memset(p, 0, sizeof(*p));
    p->b = b;
}

void gofmt_pp_clearflags(struct gofmt_pp *p)
{
    p->wid = p->prec = 0;
    p->wid_present = p->prec_present = false;
    p->minus = p->plus = p->sharp = p->space = p->zero = false;
    p->plusv = p->sharpv = false;
}

void gofmt_pp_write(struct gofmt_pp *p, const char *s, size_t n)
{
    if (!p->rc && n)
        p->rc = buf_add(p->b, s, n);
}

static void write_str(struct gofmt_pp *p, const char *s)
{
    gofmt_pp_write(p, s, strlen(s));
}

void gofmt_pp_write_rune(struct gofmt_pp *p, uint32_t r)
{
    char tmp[4];
    gofmt_pp_write(p, tmp, utf8_encode(tmp, r));
}

static void write_repeat(struct gofmt_pp *p, char c, long n)
{
    char chunk[64];
    memset(chunk, c, sizeof(chunk));
    while (n > 0 && !p->rc) {
        size_t k = n > 64 ? 64 : (size_t)n;
        gofmt_pp_write(p, chunk, k);
        n -= (long)k;
    }
}

/* n bytes of padding: zeros when the 0 flag pads on the left. */
static void write_padding(struct gofmt_pp *p, long n)
{
    write_repeat(p, (p->zero && !p->minus) ? '0' : ' ', n);
}

/* Go's fmt.pad: s padded to the width, counted in runes. */
static void pad(struct gofmt_pp *p, const char *s, size_t n)
{
    if (!p->wid_present || p->wid == 0) {
        gofmt_pp_write(p, s, n);
        return;
    }
    long width = (long)p->wid - (long)utf8_count(s, n);
    if (!p->minus) {
        write_padding(p, width);
        gofmt_pp_write(p, s, n);
    } else {
        gofmt_pp_write(p, s, n);
        write_padding(p, width);
    }
}

static void pad_str(struct gofmt_pp *p, const char *s)
{
    pad(p, s, strlen(s));
}

/* Pad the contents of a scratch buffer, then free it. */
static void pad_buf(struct gofmt_pp *p, struct buf *t, int rc)
{
    if (rc && !p->rc)
        p->rc = rc;
    else
        pad(p, t->ptr ? t->ptr : "", t->len);
    buf_free(t);
}

/* ---- integers ---- */

/* sign, then 0o / 0b / 0 / 0x prefixes, as Go puts them in front */
static size_t int_prefix(const struct gofmt_pp *p, char *pre, bool neg,
                         int base, uint32_t verb, char x, bool lead0)
{
    size_t n = 0;
    if (neg)
        pre[n++] = '-';
    else if (p->plus)
        pre[n++] = '+';
    else if (p->space)
        pre[n++] = ' ';
    if (verb == 'O') {
        pre[n++] = '0';
        pre[n++] = 'o';
    }
    if (p->sharp && base == 2) {
        pre[n++] = '0';
        pre[n++] = 'b';
    } else if (p->sharp && base == 8 && !lead0) {
        pre[n++] = '0';
    } else if (p->sharp && base == 16) {
        pre[n++] = '0';
        pre[n++] = x;
    }
    return n;
}

/*
 * Go's fmt.fmtInteger: precision or the 0 flag give leading zeros, then
 * the prefixes, then space padding to the width.
 */
static void fmt_integer(struct gofmt_pp *p, uint64_t u, int base,
                        bool is_signed, uint32_t verb, const char *digs)
{
    bool neg = is_signed && (int64_t)u < 0;
    if (neg)
        u = (uint64_t)0 - u;
    long prec = 0;
    if (p->prec_present) {
        prec = p->prec;
        if (prec == 0 && u == 0) {
            bool oz = p->zero;
            p->zero = false;
            write_padding(p, p->wid);
            p->zero = oz;
            return;
        }
    } else if (p->zero && !p->minus && p->wid_present) {
        prec = p->wid;
        if (neg || p->plus || p->space)
            prec--;
    }
    char body[64], pre[8];
    size_t nd = sizeof(body);
    do {
        body[--nd] = digs[u % (unsigned)base];
        u /= (unsigned)base;
    } while (u);
    size_t len = sizeof(body) - nd;
    long nzero = prec > (long)len ? prec - (long)len : 0;
    size_t np = int_prefix(p, pre, neg, base, verb, digs[16],
                           nzero > 0 || body[nd] == '0');
    long width = p->wid_present ? p->wid - (long)(np + len) - nzero : 0;
    if (!p->minus)
        write_repeat(p, ' ', width);
    gofmt_pp_write(p, pre, np);
    write_repeat(p, '0', nzero);
    gofmt_pp_write(p, body + nd, len);
    if (p->minus)
        write_repeat(p, ' ', width);
}

/* Go's fmt0x64: hex with or without 0x, flags otherwise kept. */
static void fmt_0x64(struct gofmt_pp *p, uint64_t u, bool lead0x)
{
    bool sharp = p->sharp;
    p->sharp = lead0x;
    fmt_integer(p, u, 16, false, 'v', ldigits);
    p->sharp = sharp;
}

/* %U: U+0078, with # also the character: U+0078 'x' */
static void fmt_unicode(struct gofmt_pp *p, uint64_t u)
{
    static const char hex[] = "0123456789ABCDEF";
    char d[16];
    size_t nd = sizeof(d);
    uint64_t x = u;
    do {
        d[--nd] = hex[x & 15];
        x >>= 4;
    } while (x);
    long prec = (p->prec_present && p->prec > 4) ? p->prec : 4;
    struct buf t;
    buf_init(&t, p->b->max);
    int rc = buf_add(&t, "U+", 2);
    for (long i = (long)(sizeof(d) - nd); !rc && i < prec; i++)
        rc = buf_add_char(&t, '0');
    if (!rc)
        rc = buf_add(&t, d + nd, sizeof(d) - nd);
    if (!rc && p->sharp && u <= UTF8_MAX_RUNE && gofmt_isprint((uint32_t)u)) {
        char enc[4];
        rc = buf_add(&t, " '", 2);
        if (!rc)
            rc = buf_add(&t, enc, utf8_encode(enc, (uint32_t)u));
        if (!rc)
            rc = buf_add_char(&t, '\'');
    }
    bool oz = p->zero;
    p->zero = false;
    pad_buf(p, &t, rc);
    p->zero = oz;
}

/* %c and %q of an integer: the rune, or U+FFFD past U+10FFFF. */
static void fmt_rune(struct gofmt_pp *p, uint64_t u, bool quoted)
{
    uint32_t r = u > UTF8_MAX_RUNE ? UTF8_RUNE_ERROR : (uint32_t)u;
    if (!quoted) {
        char enc[4];
        pad(p, enc, utf8_encode(enc, r));
        return;
    }
    struct buf t;
    buf_init(&t, 0);
    pad_buf(p, &t, gofmt_quote_rune(&t, r, p->plus));
}

static void bad_verb(struct gofmt_pp *p, struct val v, uint32_t verb);

/* The base of an integer verb, 0 for the non-numeric ones. */
static int int_base(uint32_t verb)
{
    switch (verb) {
    case 'v':
    case 'd':
        return 10;
    case 'b':
        return 2;
    case 'o':
    case 'O':
        return 8;
    case 'x':
    case 'X':
        return 16;
    default:
        return 0;
    }
}

/* Go's pp.fmtInteger: the integer verbs. */
static void print_integer(struct gofmt_pp *p, struct val v, uint64_t u,
                          bool is_signed, uint32_t verb)
{
    int base = int_base(verb);
    if (verb == 'v' && p->sharpv && !is_signed)
        fmt_0x64(p, u, true);
    else if (base)
        fmt_integer(p, u, base, is_signed, verb,
                    verb == 'X' ? udigits : ldigits);
    else if (verb == 'c' || verb == 'q')
        fmt_rune(p, u, verb == 'q');
    else if (verb == 'U')
        fmt_unicode(p, u);
    else
        bad_verb(p, v, verb);
}

/* ---- floats ---- */

/*
 * The # flag on floats: keep a decimal point and, for %g, trailing zeros
 * up to the precision (6 when shortest).  num starts with its sign.
 */
static int float_sharp(struct buf *out, const char *num, size_t n,
                       uint32_t verb, int prec)
{
    int digits = 0;
    if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x')
        digits = prec == -1 ? 6 : prec;
    size_t tail = n;
    bool point = false, nonzero = false;
    for (size_t i = 1; i < n; i++) {
        char c = num[i];
        if (c == '.') {
            point = true;
        } else if (c == 'p' || c == 'P' ||
                   ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
            tail = i;
            break;
        } else {
            if (c != '0')
                nonzero = true;
            if (nonzero)
                digits--;
        }
    }
    int rc = buf_add(out, num, tail);
    if (!rc && !point) {
        if (tail == 2 && num[1] == '0')
            digits--;
        rc = buf_add_char(out, '.');
    }
    for (; !rc && digits > 0; digits--)
        rc = buf_add_char(out, '0');
    return rc ? rc : buf_add(out, num + tail, n - tail);
}

/* Sign, zero padding and width around a formatted number. */
static void float_pad(struct gofmt_pp *p, const char *s, size_t n)
{
    if (p->plus || s[0] != '+') {
        if (p->zero && !p->minus && p->wid_present && p->wid > (long)n) {
            gofmt_pp_write(p, s, 1);
            write_padding(p, p->wid - (long)n);
            gofmt_pp_write(p, s + 1, n - 1);
            return;
        }
        pad(p, s, n);
        return;
    }
    pad(p, s + 1, n - 1);
}

/* Go's fmt.fmtFloat: strconv's digits, then sign, # and padding. */
static void fmt_float(struct gofmt_pp *p, double v, int size, uint32_t verb,
                      int prec)
{
    if (p->prec_present)
        prec = p->prec;
    struct buf t, s2;
    buf_init(&t, p->b->max);
    buf_init(&s2, p->b->max);
    int rc = buf_add_char(&t, '+');
    if (!rc)
        rc = gofmt_float(&t, v, verb == 'F' ? 'f' : (char)verb, prec, size);
    if (rc) {
        p->rc = p->rc ? p->rc : rc;
        return;
    }
    char *num = t.ptr;
    size_t n = t.len;
    if (num[1] == '-' || num[1] == '+') {
        num++;
        n--;
    } else {
        num[0] = '+';
    }
    if (p->space && num[0] == '+' && !p->plus)
        num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
        bool oz = p->zero;
        p->zero = false;
        if (num[1] == 'N' && !p->space && !p->plus) {
            num++;
            n--;
        }
        pad(p, num, n);
        p->zero = oz;
    } else if (p->sharp && verb != 'b') {
        rc = float_sharp(&s2, num, n, verb, prec);
        if (rc)
            p->rc = p->rc ? p->rc : rc;
        else
            float_pad(p, s2.ptr, s2.len);
    } else {
        float_pad(p, num, n);
    }
    buf_free(&t);
    buf_free(&s2);
}

/* Go's pp.fmtFloat: the float verbs and their default precisions. */
static void print_float(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    int size = val_gotype(v) == GT_FLOAT32 ? 32 : 64;
    double f = val_float_of(v);
    switch (verb) {
    case 'v':
        fmt_float(p, f, size, 'g', -1);
        break;
    case 'b':
    case 'g':
    case 'G':
    case 'x':
    case 'X':
        fmt_float(p, f, size, verb, -1);
        break;
    case 'f':
    case 'e':
    case 'E':
    case 'F':
        fmt_float(p, f, size, verb, 6);
        break;
    default:
        bad_verb(p, v, verb);
    }
}

/* ---- strings and bytes ---- */

/* Bytes of the first prec runes of s (all of s without a precision). */
static size_t truncate(const struct gofmt_pp *p, const char *s, size_t n)
{
    if (!p->prec_present)
        return n;
    size_t i = 0;
    for (long k = p->prec; i < n; k--) {
        if (k <= 0)
            return i;
        uint32_t r;
        i += utf8_decode(s + i, n - i, &r);
    }
    return n;
}

/* %x / %X / % x / %#x of a string's bytes. */
static void fmt_sbx(struct gofmt_pp *p, const char *s, size_t n,
                    const char *digs)
{
    long length = (long)n;
    if (p->prec_present && p->prec < length)
        length = p->prec;
    long width = 2 * length;
    if (width <= 0) {
        if (p->wid_present)
            write_padding(p, p->wid);
        return;
    }
    if (p->space) {
        if (p->sharp)
            width *= 2;
        width += length - 1;
    } else if (p->sharp) {
        width += 2;
    }
    if (p->wid_present && p->wid > width && !p->minus)
        write_padding(p, p->wid - width);
    char pre[2] = {'0', digs[16]};
    if (p->sharp)
        gofmt_pp_write(p, pre, 2);
    for (long i = 0; i < length; i++) {
        if (p->space && i > 0) {
            gofmt_pp_write(p, " ", 1);
            if (p->sharp)
                gofmt_pp_write(p, pre, 2);
        }
        unsigned char c = (unsigned char)s[i];
        char hx[2] = {digs[c >> 4], digs[c & 15]};
        gofmt_pp_write(p, hx, 2);
    }
    if (p->wid_present && p->wid > width && p->minus)
        write_padding(p, p->wid - width);
}

/* %q: a Go string literal, or `raw` with # when possible. */
static void fmt_q(struct gofmt_pp *p, const char *s, size_t n)
{
    n = truncate(p, s, n);
    struct buf t;
    buf_init(&t, p->b->max);
    int rc;
    if (p->sharp && gofmt_can_backquote(s, n)) {
        rc = buf_add_char(&t, '`');
        if (!rc)
            rc = buf_add(&t, s, n);
        if (!rc)
            rc = buf_add_char(&t, '`');
    } else {
        rc = gofmt_quote(&t, s, n, p->plus);
    }
    pad_buf(p, &t, rc);
}

/* Go's pp.fmtString. */
static void print_string(struct gofmt_pp *p, struct val v, const char *s,
                         size_t n, uint32_t verb)
{
    switch (verb) {
    case 'v':
        if (p->sharpv)
            fmt_q(p, s, n);
        else
            pad(p, s, truncate(p, s, n));
        break;
    case 's':
        pad(p, s, truncate(p, s, n));
        break;
    case 'x':
        fmt_sbx(p, s, n, ldigits);
        break;
    case 'X':
        fmt_sbx(p, s, n, udigits);
        break;
    case 'q':
        fmt_q(p, s, n);
        break;
    default:
        bad_verb(p, v, verb);
    }
}

/* ---- the %!verb(type=value) form ---- */

static void bad_verb(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    bool was = p->erroring;
    p->erroring = true;
    gofmt_pp_write(p, "%!", 2);
    gofmt_pp_write_rune(p, verb);
    gofmt_pp_write(p, "(", 1);
    if (val_is_null(v)) {
        write_str(p, "<nil>");
    } else {
        write_str(p, val_type_name(v));
        gofmt_pp_write(p, "=", 1);
        print_value(p, v, 'v', 0);
    }
    gofmt_pp_write(p, ")", 1);
    p->erroring = was;
}

/* ---- methods: String(), Error(), GoString() ---- */

static const char *const month_names[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};
static const char *const weekday_names[] = {
    "Sunday",   "Monday", "Tuesday",  "Wednesday",
    "Thursday", "Friday", "Saturday",
};

/* time.Month / time.Weekday String(), "%!Month(13)" out of range. */
static int enum_string(struct buf *t, struct val v)
{
    int64_t i = val_int_of(v);
    if (val_gotype(v) == GT_MONTH) {
        if (i >= 1 && i <= 12)
            return buf_add_str(t, month_names[i - 1]);
        return buf_add_fmt(t, "%%!Month(%lld)", (long long)i);
    }
    if (i >= 0 && i <= 6)
        return buf_add_str(t, weekday_names[i]);
    return buf_add_fmt(t, "%%!Weekday(%lld)", (long long)i);
}

/* time.Time GoString(): time.Date(2020, time.January, 1, ..., time.UTC) */
static int time_gostring(struct buf *t, const struct val_time *tm)
{
    struct gotime_civil c;
    gotime_civil(tm, &c);
    int rc = buf_add_fmt(t, "time.Date(%lld, time.%s, %d, %d, %d, %d, %d, ",
                         (long long)c.year, month_names[(c.month + 11) % 12],
                         c.day, c.hour, c.min, c.sec, c.nsec);
    const char *loc = tm->loc ? tm->loc : "UTC";
    if (rc)
        return rc;
    if (!strcmp(loc, "UTC") || !*loc)
        rc = buf_add_str(t, "time.UTC");
    else if (!strcmp(loc, "Local"))
        rc = buf_add_str(t, "time.Local");
    else {
        rc = buf_add_str(t, "time.Location(");
        if (!rc)
            rc = gofmt_quote(t, loc, strlen(loc), 0);
        if (!rc)
            rc = buf_add_char(t, ')');
    }
    return rc ? rc : buf_add_char(t, ')');
}

/* The text of a String()/Error() method v has, into t; 1 when v has
 * none. */
static int method_string(struct buf *t, struct val v)
{
    const struct val *s;
    switch ((enum val_kind)v.kind) {
    case VAL_INT:
        if (val_gotype(v) == GT_MONTH || val_gotype(v) == GT_WEEKDAY)
            return enum_string(t, v);
        return 1;
    case VAL_TIME:
        return v.u.tm ? gotime_string(t, v.u.tm) : 1;
    case VAL_DURATION:
        return gotime_duration_string(t, val_int_of(v));
    case VAL_OBJECT:
        if (val_gotype(v) != GT_STRUCT)
            return 1;
        s = val_get_cstr(v, "String");
        if (!s || val_kind(*s) != VAL_STRING)
            return 1;
        return buf_add(t, val_str_ptr(*s), val_str_len(*s));
    default:
        return 1;
    }
}

/* Go's handleMethods: true when a method printed v. */
static bool handle_methods(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    if (p->erroring)
        return false;
    struct buf t;
    buf_init(&t, p->b->max);
    int rc;
    if (p->sharpv) {
        if (val_kind(v) != VAL_TIME || !v.u.tm)
            return false;
        rc = time_gostring(&t, v.u.tm);
        if (!rc)
            pad(p, t.ptr, truncate(p, t.ptr, t.len));
    } else {
        if (verb != 'v' && verb != 's' && verb != 'x' && verb != 'X' &&
            verb != 'q')
            return false;
        if (val_kind(v) == VAL_STRING && val_gotype(v) == GT_ERRSTR) {
            print_string(p, v, val_str_ptr(v), val_str_len(v), verb);
            return true;
        }
        rc = method_string(&t, v);
        if (rc == 1)
            return false;
        if (!rc)
            print_string(p, v, t.ptr ? t.ptr : "", t.len, verb);
    }
    if (rc && !p->rc)
        p->rc = rc;
    buf_free(&t);
    return true;
}

/* ---- pointers, lists, maps, structs ---- */

static bool is_ptr_struct(struct val v)
{
    const struct val *tn = val_get_cstr(v, "");
    return tn && val_kind(*tn) == VAL_STRING && val_str_len(*tn) > 0 &&
           val_str_ptr(*tn)[0] == '*';
}

/* The address %p shows, and whether v has one (0 for typed nils). */
static bool pointer_of(struct val v, uint64_t *u)
{
    switch ((enum val_kind)v.kind) {
    case VAL_ARRAY:
        if (val_gotype(v) == GT_ARRAY_FIXED)
            return false;
        *u = (v.flags & VAL_F_NILPTR) ? 0 : (uint64_t)(uintptr_t)v.u.list;
        return true;
    case VAL_OBJECT:
        if (val_gotype(v) == GT_STRUCT && !is_ptr_struct(v))
            return false;
        *u = (v.flags & VAL_F_NILPTR) ? 0 : (uint64_t)(uintptr_t)v.u.obj;
        return true;
    case VAL_STRING:
        if (val_gotype(v) != GT_ERRSTR)
            return false;
        *u = (uint64_t)(uintptr_t)v.u.s;
        return true;
    case VAL_FUNC:
        *u = (uint64_t)(uintptr_t)v.u.fn;
        return true;
    default:
        return false;
    }
}

/* Go's pp.fmtPointer. */
static void fmt_pointer(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    uint64_t u = 0;
    if (!pointer_of(v, &u)) {
        bad_verb(p, v, verb);
        return;
    }
    switch (verb) {
    case 'v':
        if (p->sharpv) {
            gofmt_pp_write(p, "(", 1);
            write_str(p, val_type_name(v));
            gofmt_pp_write(p, ")(", 2);
            if (u == 0)
                gofmt_pp_write(p, "nil", 3);
            else
                fmt_0x64(p, u, true);
            gofmt_pp_write(p, ")", 1);
        } else if (u == 0) {
            pad_str(p, "<nil>");
        } else {
            fmt_0x64(p, u, !p->sharp);
        }
        break;
    case 'p':
        fmt_0x64(p, u, !p->sharp);
        break;
    case 'b':
    case 'o':
    case 'd':
    case 'x':
    case 'X':
        print_integer(p, v, u, false, verb);
        break;
    default:
        bad_verb(p, v, verb);
    }
}

static void write_sep(struct gofmt_pp *p, size_t i)
{
    if (i > 0)
        gofmt_pp_write(p, p->sharpv ? ", " : " ", p->sharpv ? 2 : 1);
}

/* A []byte for %s %q %x %X: the bytes as one string. */
static void print_bytes(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    struct buf t;
    buf_init(&t, p->b->max);
    int rc = buf_add(&t, "", 0);
    for (size_t i = 0; !rc && i < val_list_len(v); i++)
        rc = buf_add_char(&t, (char)val_int_of(val_list_at(v, i)));
    if (rc) {
        p->rc = p->rc ? p->rc : rc;
        return;
    }
    if (verb == 's')
        pad(p, t.ptr, truncate(p, t.ptr, t.len));
    else if (verb == 'q')
        fmt_q(p, t.ptr, t.len);
    else if (verb == 'x' || verb == 'X')
        fmt_sbx(p, t.ptr, t.len, verb == 'x' ? ldigits : udigits);
    buf_free(&t);
}

/* Go syntax header of a list or map: its type, "(nil)" for a typed nil. */
static bool sharp_open(struct gofmt_pp *p, struct val v, const char *type)
{
    write_str(p, type);
    if ((v.flags & VAL_F_NILPTR) && val_gotype(v) != GT_ARRAY_FIXED) {
        gofmt_pp_write(p, "(nil)", 5);
        return false;
    }
    gofmt_pp_write(p, "{", 1);
    return true;
}

static void print_list(struct gofmt_pp *p, struct val v, uint32_t verb,
                       int depth)
{
    bool bytes = val_gotype(v) == GT_LIST_BYTES;
    if (bytes && (verb == 's' || verb == 'q' || verb == 'x' || verb == 'X')) {
        print_bytes(p, v, verb);
        return;
    }
    if (p->sharpv) {
        const char *type = val_type_name(v);
        if (bytes && depth == 0)
            type = "[]byte";
        if (!sharp_open(p, v, type))
            return;
    } else {
        gofmt_pp_write(p, "[", 1);
    }
    for (size_t i = 0; i < val_list_len(v) && !p->rc; i++) {
        write_sep(p, i);
        print_value(p, val_list_at(v, i), verb, depth + 1);
    }
    gofmt_pp_write(p, p->sharpv ? "}" : "]", 1);
}

static void print_map(struct gofmt_pp *p, struct val v, uint32_t verb,
                      int depth)
{
    if (p->sharpv) {
        if (!sharp_open(p, v, val_type_name(v)))
            return;
    } else {
        gofmt_pp_write(p, "map[", 4);
    }
    for (size_t i = 0; i < val_obj_len(v) && !p->rc; i++) {
        const struct val_kv *kv = val_obj_at(v, i);
        write_sep(p, i);
        print_value(p, kv->key, verb, depth + 1);
        gofmt_pp_write(p, ":", 1);
        print_value(p, kv->v, verb, depth + 1);
    }
    gofmt_pp_write(p, p->sharpv ? "}" : "]", 1);
}

/* A struct: {f1 f2}, {Name:f1 ...} with %+v, T{Name:f1, ...} with %#v;
 * a pointer to one is &{...} at the top and an address inside. */
static void print_struct(struct gofmt_pp *p, struct val v, uint32_t verb,
                         int depth)
{
    if (is_ptr_struct(v)) {
        if (depth > 0) {
            fmt_pointer(p, v, verb);
            return;
        }
        gofmt_pp_write(p, "&", 1);
    }
    if (p->sharpv) {
        const char *tn = val_type_name(v);
        write_str(p, tn[0] == '*' ? tn + 1 : tn);
    }
    gofmt_pp_write(p, "{", 1);
    size_t k = 0;
    for (size_t i = 0; i < val_obj_len(v) && !p->rc; i++) {
        const struct val_kv *kv = val_obj_at(v, i);
        if (val_str_len(kv->key) == 0)
            continue;
        write_sep(p, k++);
        if (p->plusv || p->sharpv) {
            gofmt_pp_write(p, val_str_ptr(kv->key), val_str_len(kv->key));
            gofmt_pp_write(p, ":", 1);
        }
        print_value(p, kv->v, verb, depth + 1);
    }
    gofmt_pp_write(p, "}", 1);
}

/* An error value that is not printed through Error(): Go shows the
 * *errors.errorString behind it. */
static void print_error_struct(struct gofmt_pp *p, struct val v, uint32_t verb,
                               int depth)
{
    if (depth > 0) {
        fmt_pointer(p, v, verb);
        return;
    }
    write_str(p, p->sharpv ? "&errors.errorString{s:" : "&{");
    struct val s = val_str(val_str_ptr(v), val_str_len(v));
    print_string(p, s, val_str_ptr(v), val_str_len(v), verb);
    gofmt_pp_write(p, "}", 1);
}

/* A time.Time whose methods did not print it (a verb such as %d, or
 * inside %!verb(...)): its String() for %v, else the bad-verb form. */
static void print_time(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    if (verb != 'v') {
        bad_verb(p, v, verb);
        return;
    }
    struct buf t;
    buf_init(&t, p->b->max);
    int rc = v.u.tm ? gotime_string(&t, v.u.tm) : RN_OK;
    pad_buf(p, &t, rc);
}

/* ---- dispatch ---- */

static uint64_t int_bits(struct val v, bool *is_signed)
{
    unsigned gt = val_gotype(v);
    *is_signed = !(gt >= GT_UINT && gt <= GT_UINTPTR);
    return (uint64_t)val_int_of(v);
}

/* The kind switch of Go's printValue, after %T, %p and methods. */
static void print_kind(struct gofmt_pp *p, struct val v, uint32_t verb,
                       int depth)
{
    bool is_signed;
    uint64_t u;
    switch ((enum val_kind)v.kind) {
    case VAL_BOOL:
        if (verb == 't' || verb == 'v')
            pad_str(p, val_bool_of(v) ? "true" : "false");
        else
            bad_verb(p, v, verb);
        break;
    case VAL_INT:
        u = int_bits(v, &is_signed);
        print_integer(p, v, u, is_signed, verb);
        break;
    case VAL_DURATION:
        print_integer(p, v, (uint64_t)val_int_of(v), true, verb);
        break;
    case VAL_FLOAT:
        print_float(p, v, verb);
        break;
    case VAL_STRING:
        if (val_gotype(v) == GT_ERRSTR)
            print_error_struct(p, v, verb, depth);
        else
            print_string(p, v, val_str_ptr(v), val_str_len(v), verb);
        break;
    case VAL_ARRAY:
        print_list(p, v, verb, depth);
        break;
    case VAL_OBJECT:
        if (val_gotype(v) == GT_STRUCT)
            print_struct(p, v, verb, depth);
        else
            print_map(p, v, verb, depth);
        break;
    case VAL_FUNC:
        fmt_pointer(p, v, verb);
        break;
    case VAL_TIME:
        print_time(p, v, verb);
        break;
    case VAL_NULL:
    default:
        bad_verb(p, v, verb);
        break;
    }
}

/*
 * One value: Go's printArg at depth 0, printValue below it.  A nil inside
 * a list or map is an empty interface: "<nil>" whatever the verb.
 */
static void print_value(struct gofmt_pp *p, struct val v, uint32_t verb,
                        int depth)
{
    if (val_is_null(v)) {
        if (depth > 0)
            write_str(p, p->sharpv ? "interface {}(nil)" : "<nil>");
        else if (verb == 'T' || verb == 'v')
            pad_str(p, "<nil>");
        else
            bad_verb(p, v, verb);
        return;
    }
    if (verb == 'T') {
        const char *tn = val_type_name(v);
        pad(p, tn, truncate(p, tn, strlen(tn)));
        return;
    }
    if (verb == 'p') {
        fmt_pointer(p, v, verb);
        return;
    }
    if (handle_methods(p, v, verb))
        return;
    print_kind(p, v, verb, depth);
}

void gofmt_pp_print_arg(struct gofmt_pp *p, struct val v, uint32_t verb)
{
    print_value(p, v, verb, 0);
}

/* ---- public entry points ---- */

/*
 * %v without flags of the values that have no method and no layout of
 * their own (strings, bools, plain integers, floats), straight into b:
 * what printArg ends up writing for them.  1 for any other value.
 */
static int print_plain(struct buf *b, struct val v)
{
    unsigned gt = val_gotype(v);
    switch ((enum val_kind)v.kind) {
    case VAL_STRING:
        if (gt == GT_ERRSTR)
            return 1;
        return buf_add(b, val_str_ptr(v), val_str_len(v));
    case VAL_BOOL:
        return val_bool_of(v) ? buf_add(b, "true", 4)
                              : buf_add(b, "false", 5);
    case VAL_INT:
        if (gt == GT_MONTH || gt == GT_WEEKDAY)
            return 1;
        if (gt >= GT_UINT && gt <= GT_UINTPTR)
            return gofmt_uint(b, (uint64_t)val_int_of(v), 10);
        return gofmt_int(b, val_int_of(v), 10);
    case VAL_FLOAT: {
        /* whole numbers below 1e6 print as integers (%g switches to an
         * exponent at 1e6; -0 keeps its sign) */
        double f = val_float_of(v);
        if (f > -1e6 && f < 1e6 && f == (double)(int64_t)f &&
            (f != 0 || !signbit(f)))
            return gofmt_int(b, (int64_t)f, 10);
        return gofmt_float(b, f, 'g', -1, gt == GT_FLOAT32 ? 32 : 64);
    }
    default:
        return 1;
    }
}

/*
 * fmt.Sprint(v): v printed with %v.  Appends to b; returns RN_OK or the
 * buffer's error (RN_ENOMEM / RN_ELIMIT, the buffer then freed).
 */
int gofmt_value(struct buf *b, struct val v)
{
    int rc = print_plain(b, v);
    if (rc != 1)
        return rc;
    struct gofmt_pp p;
    gofmt_pp_init(&p, b);
    gofmt_pp_print_arg(&p, v, 'v');
    return p.rc;
}

/* Go's reflect Kind String test of doPrint: string-kinded operands get
 * no space next to them. */
static bool is_string_kind(struct val v)
{
    return val_kind(v) == VAL_STRING && val_gotype(v) != GT_ERRSTR;
}

/*
 * fmt.Sprint(args...): operands printed with %v, a space between two
 * operands when neither is a string.  Same errors as gofmt_value.
 */
int gofmt_sprint(struct buf *b, const struct val *args, size_t n)
{
    struct gofmt_pp p;
    gofmt_pp_init(&p, b);
    bool prev_string = false;
    for (size_t i = 0; i < n && !p.rc; i++) {
        bool is_string = is_string_kind(args[i]);
        if (i > 0 && !is_string && !prev_string)
            gofmt_pp_write(&p, " ", 1);
        gofmt_pp_clearflags(&p);
        gofmt_pp_print_arg(&p, args[i], 'v');
        prev_string = is_string;
    }
    return p.rc;
}

/*
 * fmt.Sprintln(args...): operands printed with %v, always separated by a
 * space, then a newline.  Same errors as gofmt_value.
 */
int gofmt_sprintln(struct buf *b, const struct val *args, size_t n)
{
    struct gofmt_pp p;
    gofmt_pp_init(&p, b);
    for (size_t i = 0; i < n && !p.rc; i++) {
        if (i > 0)
            gofmt_pp_write(&p, " ", 1);
        gofmt_pp_clearflags(&p);
        gofmt_pp_print_arg(&p, args[i], 'v');
    }
    gofmt_pp_write(&p, "\n", 1);
    return p.rc;
}
