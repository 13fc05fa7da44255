/*
 * json_emit.c: the JSON emitter of json.h, byte-compatible with Go's
 * encoding/json Marshal and MarshalIndent (as of Go 1.19, the version the
 * conformance oracle runs).
 *
 * What Go prints depends on the static type carried in val flags: []uint8
 * is base64, a nil slice or map is null, time.Time is an RFC 3339 string,
 * time.Duration an integer, a float32 is formatted with 32-bit shortest
 * digits.  Objects are already sorted by key, which is Go's map order.
 * Indentation is applied while emitting rather than as a second pass, with
 * MarshalIndent's layout: empty containers stay "{}" / "[]", and a space
 * follows each colon.  On error the buffer is cut back to where it was.
 */
#include "json.h"

#include "alloc.h"
#include "buf.h"
#include "codec.h"
#include "err.h"
#include "gofmt.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CYCLE_DEPTH 1000     /* Go starts looking for cycles at this depth */
#define MAX_EMIT_DEPTH 10000 /* past it we give up (the C stack is finite) */

struct je {
    struct buf *b;
    unsigned flags;
    const char *prefix, *indent;
    size_t prefix_len, indent_len;
    struct rn_err *e;
    const void **deep; /* containers at depth CYCLE_DEPTH.. (lazily) */
    int rc;
};

static const char hexdig[] = "0123456789abcdef";

/* buf_add with the common case (room left) inlined: emitting is on the
 * notification hot path and appends many tiny pieces. */
static inline int put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n < b->alloc && b->len + n <= b->max) {
        memcpy(b->ptr + b->len, s, n);
        b->len += n;
        b->ptr[b->len] = '\0';
        return RN_OK;
    }
    return buf_add(b, s, n);
}

static inline int putc1(struct buf *b, char c)
{
    return put(b, &c, 1);
}

/* Byte classes for strings: 0 copied as is, 1 escaped always (control,
 * '"', '\\'), 2 escaped unless JSON_RAW (< > &), 3 starts UTF-8. */
/* clang-format off */
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char byte_class[256] = {
    R16(1), R16(1),                                 /* 0x00-0x1f */
    0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* '"' '&' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, /* '<' '>' */
    R16(0),                                         /* 0x40-0x4f */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* '\\' */
    R16(0), R16(0),                                 /* 0x60-0x7f */
    R16(3), R16(3), R16(3), R16(3), R16(3), R16(3), R16(3), R16(3),
};
#undef R16
/* clang-format on */

/* ---- strings ---- */

/* The escape of byte c (class 1 or 2) at o; returns the end. */
static char *put_escape(char *o, unsigned char c)
{
    *o++ = '\\';
    switch (c) {
    case '"':
    case '\\':
        *o++ = (char)c;
        return o;
    case '\n':
        *o++ = 'n';
        return o;
    case '\r':
        *o++ = 'r';
        return o;
    case '\t':
        *o++ = 't';
        return o;
    default:
        memcpy(o, "u00", 3);
        o[3] = hexdig[c >> 4];
        o[4] = hexdig[c & 15];
        return o + 5;
    }
}

/* One non-ASCII sequence at s[0..n): invalid bytes become \ufffd, the
 * JavaScript line terminators U+2028/U+2029 are escaped.  *w = width;
 * returns the end of what was written at o (at most 6 bytes). */
static char *put_rune(char *o, const char *s, size_t n, size_t *w)
{
    uint32_t r;
    *w = utf8_decode(s, n, &r);
    if (r == UTF8_RUNE_ERROR && *w == 1) {
        memcpy(o, "\\ufffd", 6);
        return o + 6;
    }
    if (r == 0x2028 || r == 0x2029) {
        memcpy(o, r == 0x2028 ? "\\u2028" : "\\u2029", 6);
        return o + 6;
    }
    memcpy(o, s, *w);
    return o + *w;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Bytes of x equal to c have their high bit set in the result (exact for
 * ASCII c when no byte of x has the high bit set, as checked first). */
static inline uint64_t bytes_eq(uint64_t x, unsigned char c)
{
    uint64_t y = x ^ (ONES * c);
    return (y - ONES) & ~y & HIGHS;
}

/* Whether the 8 bytes at s all copy unescaped: ASCII, no control byte,
 * no '"' or '\\', and (unless raw) no '<', '>' or '&'.  A word at a
 * time, so long runs of plain text cost a few operations per 8 bytes. */
static inline bool plain8(const char *s, bool raw)
{
    uint64_t x;
    memcpy(&x, s, 8);
    if (x & HIGHS)
        return false;
    uint64_t bad =
        ((x - ONES * 0x20) & ~x & HIGHS) | bytes_eq(x, '"') | bytes_eq(x, '\\');
    if (!raw)
        bad |= bytes_eq(x, '<') | bytes_eq(x, '>') | bytes_eq(x, '&');
    return bad == 0;
}

/* Input bytes escaped per reservation: the output of one input byte is at
 * most 6 bytes, and a rune that starts in a chunk may end 3 bytes past. */
#define ESC_CHUNK 4096

/*
 * Append s[0..n) as a quoted JSON string with Go's escaping: \" \\ \n \r
 * \t, other control bytes as \u00XX, < > & as \u003c \u003e \u0026 unless
 * JSON_RAW, U+2028/U+2029 always escaped and invalid UTF-8 replaced by
 * \ufffd.  Written straight into the buffer, a chunk at a time, one
 * table lookup per byte.  Returns RN_OK or the buffer's error (it has
 * freed itself).
 */
int json_emit_string(struct buf *b, const char *s, size_t n, unsigned flags)
{
    unsigned char copy_max = flags & JSON_RAW ? 2 : 0;
    size_t i = 0;
    char *o;
    int rc = buf_reserve(b, 1, &o);
    if (rc)
        return rc;
    *o = '"';
    buf_commit(b, 1);
    while (i < n) {
        size_t stop = n - i > ESC_CHUNK ? i + ESC_CHUNK : n;
        rc = buf_reserve(b, 6 * (stop - i) + 24, &o);
        if (rc)
            return rc;
        char *o0 = o;
        while (i < stop) {
            if (stop - i >= 8 && plain8(s + i, copy_max == 2)) {
                memcpy(o, s + i, 8);
                o += 8;
                i += 8;
                continue;
            }
            /* a word with something to escape: byte by byte through it */
            size_t lim = stop - i > 8 ? i + 8 : stop;
            while (i < lim) {
                unsigned char c = (unsigned char)s[i];
                unsigned char cls = byte_class[c];
                if (cls == 0 || (cls == 2 && copy_max == 2)) {
                    *o++ = (char)c;
                    i++;
                } else if (cls == 3) {
                    size_t w;
                    o = put_rune(o, s + i, n - i, &w);
                    i += w;
                } else {
                    o = put_escape(o, c);
                    i++;
                }
            }
        }
        buf_commit(b, (size_t)(o - o0));
    }
    return putc1(b, '"');
}

/* ---- scalars ---- */

static int fail(struct je *j, int code, const char *msg, const char *arg)
{
    return rn_errf(j->e, code, "%s%s", msg, arg);
}

static int emit_int(struct je *j, struct val v);

/* Go's floatEncoder: 'f' unless the magnitude is tiny or huge, then 'e'
 * with a two-digit exponent shortened (1e-07 -> 1e-7). */
static int emit_float(struct je *j, double f, int bits)
{
    if (isnan(f))
        return fail(j, RN_EINVAL, "json: unsupported value: ", "NaN");
    if (isinf(f))
        return fail(j, RN_EINVAL,
                    "json: unsupported value: ", f > 0 ? "+Inf" : "-Inf");
    double abs = fabs(f);
    char fmt = 'f';
    /* integers below 2^53 print as themselves in shortest form */
    if (bits == 64 && abs < 1e15 && f == (double)(int64_t)f)
        return f == 0 && signbit(f) ? put(j->b, "-0", 2)
                                    : emit_int(j, val_int((int64_t)f));
    if (bits == 32) {
        float a32 = (float)abs;
        if (a32 != 0 && (a32 < 1e-6f || a32 >= 1e21f))
            fmt = 'e';
    } else if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
        fmt = 'e';
    }
    int rc = gofmt_float(j->b, f, fmt, -1, bits);
    if (rc)
        return rc;
    size_t n = j->b->len;
    char *p = j->b->ptr;
    if (fmt == 'e' && n >= 4 && p[n - 4] == 'e' && p[n - 3] == '-' &&
        p[n - 2] == '0') {
        p[n - 2] = p[n - 1];
        buf_truncate(j->b, n - 1);
    }
    return RN_OK;
}

static int emit_int(struct je *j, struct val v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    bool neg = false;
    uint64_t u = (uint64_t)v.u.i;
    unsigned gt = val_gotype(v);
    bool is_unsigned = v.kind == VAL_INT && gt >= GT_UINT && gt <= GT_UINTPTR;
    if (!is_unsigned && v.u.i < 0) {
        neg = true;
        u = 0 - u;
    }
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        *--p = '-';
    return put(j->b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian). */
static void civil_of_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/*
 * time.Time's MarshalJSON: RFC 3339 with nanoseconds, trailing zeros of the
 * fraction dropped, "Z" for a zero offset, else +hh:mm.  Years outside
 * 0..9999 are an error, as in Go.
 */
static int emit_time(struct je *j, const struct val_time *t)
{
    char out[48];
    int64_t local = t->unix + t->off, y;
    int64_t days = (local >= 0 ? local : local - 86399) / 86400;
    int64_t sod = local - days * 86400;
    unsigned m, d;
    civil_of_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return fail(j, RN_EINVAL,
                    "json: error calling MarshalJSON for type time.Time: ",
                    "Time.MarshalJSON: year outside of range [0,9999]");
    int n =
        snprintf(out, sizeof out, "\"%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m,
                 d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
    if (t->nsec > 0) {
        int frac = t->nsec, digits = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        n += snprintf(out + n, sizeof out - (size_t)n, ".%0*d", digits, frac);
    }
    if (t->off == 0) {
        n += snprintf(out + n, sizeof out - (size_t)n, "Z\"");
    } else {
        int off = t->off < 0 ? -t->off : t->off;
        n += snprintf(out + n, sizeof out - (size_t)n, "%c%02d:%02d\"",
                      t->off < 0 ? '-' : '+', off / 3600, off / 60 % 60);
    }
    return put(j->b, out, (size_t)n);
}

/* []byte: standard base64 with padding, as a JSON string. */
static int emit_bytes(struct je *j, struct val v)
{
    unsigned char in[3 * 64];
    char q[4 * 64 + 1];
    size_t n = val_list_len(v);
    int rc = putc1(j->b, '"');
    for (size_t i = 0; rc == RN_OK && i < n; i += sizeof in) {
        size_t m = n - i < sizeof in ? n - i : sizeof in;
        for (size_t k = 0; k < m; k++)
            in[k] = (unsigned char)val_list_at(v, i + k).u.i;
        rc = put(j->b, q, codec_b64_encode(q, in, m, 0));
    }
    if (rc == RN_OK)
        rc = putc1(j->b, '"');
    return rc;
}

/* ---- containers ---- */

/* newline, prefix and depth indents (pretty mode only) */
static int newline(struct je *j, unsigned depth)
{
    int rc = putc1(j->b, '\n');
    if (rc == RN_OK && j->prefix_len)
        rc = put(j->b, j->prefix, j->prefix_len);
    for (unsigned i = 0; rc == RN_OK && i < depth; i++)
        rc = put(j->b, j->indent, j->indent_len);
    return rc;
}

static int emit_value(struct je *j, struct val v, unsigned depth);

static int emit_array(struct je *j, struct val v, unsigned depth)
{
    size_t n = val_list_len(v);
    bool pretty = (j->flags & JSON_PRETTY) != 0;
    int rc = putc1(j->b, '[');
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        if (i)
            rc = putc1(j->b, ',');
        if (rc == RN_OK && pretty)
            rc = newline(j, depth + 1);
        if (rc == RN_OK)
            rc = emit_value(j, val_list_at(v, i), depth + 1);
    }
    if (rc == RN_OK && pretty && n)
        rc = newline(j, depth);
    if (rc == RN_OK)
        rc = putc1(j->b, ']');
    return rc;
}

/* Struct objects hide their type name ("") and Stringer ("String") keys. */
static bool hidden_key(struct val obj, const struct val_kv *kv)
{
    if (val_gotype(obj) != GT_STRUCT)
        return false;
    return kv->key.len == 0 ||
           (kv->key.len == 6 && memcmp(kv->key.u.s, "String", 6) == 0);
}

static int emit_object(struct je *j, struct val v, unsigned depth)
{
    size_t n = val_obj_len(v), shown = 0;
    bool pretty = (j->flags & JSON_PRETTY) != 0;
    int rc = putc1(j->b, '{');
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        const struct val_kv *kv = val_obj_at(v, i);
        if (hidden_key(v, kv))
            continue;
        if (shown++)
            rc = putc1(j->b, ',');
        if (rc == RN_OK && pretty)
            rc = newline(j, depth + 1);
        if (rc == RN_OK)
            rc = json_emit_string(j->b, kv->key.u.s, kv->key.len, j->flags);
        if (rc == RN_OK)
            rc = pretty ? put(j->b, ": ", 2) : putc1(j->b, ':');
        if (rc == RN_OK)
            rc = emit_value(j, kv->v, depth + 1);
    }
    if (rc == RN_OK && pretty && shown)
        rc = newline(j, depth);
    if (rc == RN_OK)
        rc = putc1(j->b, '}');
    return rc;
}

/*
 * Past CYCLE_DEPTH, remember each container and report whether v is one of
 * its own ancestors there: a cycle of any length repeats within the
 * remembered levels.  Deep but acyclic values are fine up to
 * MAX_EMIT_DEPTH, as in Go, which only checks pointers it has seen.
 */
static bool seen_deep(struct je *j, struct val v, unsigned depth)
{
    const void *p =
        v.kind == VAL_ARRAY ? (const void *)v.u.list : (const void *)v.u.obj;
    size_t at = depth - CYCLE_DEPTH;
    if (depth >= MAX_EMIT_DEPTH) {
        j->rc = fail(j, RN_ELIMIT, "json: exceeded max depth", "");
        return false;
    }
    if (!j->deep) {
        j->deep = rn_malloc((MAX_EMIT_DEPTH - CYCLE_DEPTH) * sizeof *j->deep);
        if (!j->deep) {
            j->rc = fail(j, RN_ENOMEM, "out of memory", "");
            return false;
        }
    }
    for (size_t i = 0; p && i < at; i++)
        if (j->deep[i] == p)
            return true;
    j->deep[at] = p;
    return false;
}

static int emit_container(struct je *j, struct val v, unsigned depth)
{
    if (depth >= CYCLE_DEPTH && seen_deep(j, v, depth))
        return fail(j, RN_EINVAL,
                    "json: unsupported value: encountered a "
                    "cycle via ",
                    val_type_name(v));
    if (j->rc)
        return j->rc;
    if (v.flags & VAL_F_NILPTR)
        return put(j->b, "null", 4);
    if (v.kind == VAL_ARRAY) {
        if (val_gotype(v) == GT_LIST_BYTES)
            return emit_bytes(j, v);
        return emit_array(j, v, depth);
    }
    /* encoding/json cannot marshal maps keyed by interface {} (GT_MAP_IFACE
     * and expr's groupBy map, GT_STRUCT + 1) */
    if (val_gotype(v) == GT_MAP_IFACE || val_gotype(v) == GT_STRUCT + 1)
        return fail(j, RN_EINVAL, "json: unsupported type: ", val_type_name(v));
    return emit_object(j, v, depth);
}

static int emit_value(struct je *j, struct val v, unsigned depth)
{
    switch ((enum val_kind)v.kind) {
    case VAL_NULL:
        return put(j->b, "null", 4);
    case VAL_BOOL:
        return v.u.b ? put(j->b, "true", 4) : put(j->b, "false", 5);
    case VAL_INT:
    case VAL_DURATION:
        return emit_int(j, v);
    case VAL_FLOAT:
        return emit_float(j, v.u.f, val_gotype(v) == GT_FLOAT32 ? 32 : 64);
    case VAL_STRING:
        if (val_gotype(v) == GT_ERRSTR)
            return put(j->b, "{}", 2);
        return json_emit_string(j->b, v.u.s, v.len, j->flags);
    case VAL_ARRAY:
    case VAL_OBJECT:
        return emit_container(j, v, depth);
    case VAL_TIME:
        return v.u.tm ? emit_time(j, v.u.tm) : put(j->b, "null", 4);
    case VAL_FUNC:
        break;
    }
    return fail(j, RN_EINVAL, "json: unsupported type: ", "func()");
}

/*
 * Append the JSON of v to b: Marshal, or MarshalIndent(v, prefix, indent)
 * with JSON_PRETTY.  Errors: RN_EINVAL with Go's message in e (NaN/Inf,
 * functions, map[interface {}]interface {}, cycles); RN_ENOMEM/RN_ELIMIT
 * from the buffer, which has then freed itself.  On RN_EINVAL b is cut back
 * to its length on entry.
 */
int json_emit(struct buf *b, struct val v, const struct json_emit_opts *o,
              struct rn_err *e)
{
    struct je j = {.b = b, .e = e, .prefix = "", .indent = "  "};
    size_t start = b->len;
    if (o) {
        j.flags = o->flags;
        if (o->prefix)
            j.prefix = o->prefix;
        if (o->indent)
            j.indent = o->indent;
    }
    j.prefix_len = strlen(j.prefix);
    j.indent_len = strlen(j.indent);
    int rc = emit_value(&j, v, 0);
    rn_free(j.deep);
    if ((rc == RN_ENOMEM || rc == RN_ELIMIT) && !j.rc)
        return rn_errf(e, rc, "json: %s",
                       rc == RN_ENOMEM ? "out of memory" : "output too large");
    if (rc)
        buf_truncate(b, start);
    return rc;
}
