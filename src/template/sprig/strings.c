/*
 * strings.c: sprig's string functions (Go's strings package, goutils and
 * xstrings as sprig v3 calls them): case changes, trimming, abbreviation,
 * wrapping, quoting, splitting and joining.
 *
 * Go's quirks are kept on purpose: nospace and initials work byte by byte
 * and write each kept byte as a Latin-1 rune (so "é" becomes "Ã©" there,
 * as in Go), trunc/substr/abbrev cut bytes, and camelcase lowercases what
 * does not follow a separator (xstrings v1.3, which the reference vectors
 * were produced with).  Unicode letter case comes from the table at the
 * end of this file: simple case mappings for the BMP up to U+2BFF plus
 * fullwidth Latin, and coarse letter/number/punctuation classes (Latin,
 * Greek, Cyrillic, Armenian, Hebrew, Arabic, general punctuation, kana,
 * CJK and Hangul); other runes count as caseless symbols.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"
#include "../../core/utf8.h"

#include <stdlib.h>
#include <string.h>

/* Unicode classes; the lookups live at the end of the file, after their
 * table.  UC_X is a caseless class (a mark, symbol or letter number) that
 * still has case mappings, such as U+2160 ROMAN NUMERAL ONE. */
enum uc_class { UC_LU, UC_LL, UC_LT, UC_L, UC_N, UC_P, UC_ALT, UC_X };
static uint32_t u_upper(uint32_t r);
static uint32_t u_lower(uint32_t r);
static uint32_t u_title(uint32_t r);
static bool u_is(uint32_t r, int cls);
static bool u_is_letter(uint32_t r);

/* ---- rune helpers ---- */

static int put_rune(struct buf *b, uint32_t r)
{
    char tmp[4];
    return buf_add(b, tmp, utf8_encode(tmp, r));
}

static struct val arg_s(const struct val *argv, int i)
{
    struct val v = argv[i];
    if (v.kind != VAL_STRING || !v.u.s)
        v = val_str("", 0);
    return v;
}

static int out_bool(struct val *out, bool b)
{
    *out = val_bool(b);
    return RN_OK;
}

/* strings.Map over s with a rune mapping (invalid bytes become U+FFFD). */
static int map_runes(struct tpl_fcall *c, struct val s,
                     uint32_t (*fn)(uint32_t), struct val *out)
{
    struct buf b;
    int rc = RN_OK;
    buf_init(&b, 0);
    for (size_t i = 0; i < s.len && rc == RN_OK;) {
        uint32_t r;
        i += utf8_decode(s.u.s + i, s.len - i, &r);
        rc = put_rune(&b, fn(r));
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* ---- case ---- */

static int f_hello(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)c;
    (void)argv;
    (void)argc;
    *out = val_str("Hello!", 6);
    return RN_OK;
}

static int f_upper(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    return map_runes(c, arg_s(argv, 0), u_upper, out);
}

static int f_lower(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    return map_runes(c, arg_s(argv, 0), u_lower, out);
}

/* strings.Title's word boundary: ASCII non-alphanumerics except '_',
 * and Unicode spaces. */
static bool title_sep(uint32_t r)
{
    if (r < 0x80) {
        bool alnum = (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
                     (r >= 'A' && r <= 'Z') || r == '_';
        return !alnum;
    }
    if (u_is_letter(r) || u_is(r, UC_N))
        return false;
    return utf8_is_space(r);
}

static int f_title(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct val s = arg_s(argv, 0);
    struct buf b;
    int rc = RN_OK;
    uint32_t prev = ' ';
    (void)argc;
    buf_init(&b, 0);
    for (size_t i = 0; i < s.len && rc == RN_OK;) {
        uint32_t r;
        i += utf8_decode(s.u.s + i, s.len - i, &r);
        rc = put_rune(&b, title_sep(prev) ? u_title(r) : r);
        prev = r;
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* goutils Uncapitalize: lower the first rune of each space-separated
 * word. */
static int f_untitle(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct val s = arg_s(argv, 0);
    struct buf b;
    int rc = RN_OK;
    bool next = true;
    (void)argc;
    buf_init(&b, 0);
    for (size_t i = 0; i < s.len && rc == RN_OK;) {
        uint32_t r;
        i += utf8_decode(s.u.s + i, s.len - i, &r);
        if (utf8_is_space(r)) {
            next = true;
        } else if (next) {
            r = u_lower(r);
            next = false;
        }
        rc = put_rune(&b, r);
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* goutils SwapCase: upper and title become lower; lower becomes title at
 * a word start, upper elsewhere. */
static int f_swapcase(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct val s = arg_s(argv, 0);
    struct buf b;
    int rc = RN_OK;
    bool ws = true;
    (void)argc;
    buf_init(&b, 0);
    for (size_t i = 0; i < s.len && rc == RN_OK;) {
        uint32_t r;
        i += utf8_decode(s.u.s + i, s.len - i, &r);
        if (u_is(r, UC_LU) || u_is(r, UC_LT)) {
            r = u_lower(r);
            ws = false;
        } else if (u_is(r, UC_LL)) {
            r = ws ? u_title(r) : u_upper(r);
            ws = false;
        } else {
            ws = utf8_is_space(r);
        }
        rc = put_rune(&b, r);
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* ---- xstrings: camelcase, snakecase, kebabcase ---- */

static bool is_connector(uint32_t r)
{
    return r == '-' || r == '_' || utf8_is_space(r);
}

/* A letter but not a CJK ideograph. */
static bool is_alphabet(uint32_t r)
{
    if (!u_is_letter(r))
        return false;
    if (r < 0x3400)
        return true;
    if ((r >= 0x4E00 && r <= 0x9FCC) || (r >= 0x3400 && r <= 0x4D85) ||
        (r >= 0x20000 && r <= 0x2B81D))
        return false;
    return true;
}

static int camel_first(struct buf *b, const char **sp, size_t *np, uint32_t *r0,
                       size_t *size)
{
    int rc = RN_OK;
    while (*np > 0 && rc == RN_OK) {
        *size = utf8_decode(*sp, *np, r0);
        *sp += *size;
        *np -= *size;
        if (!is_connector(*r0)) {
            *r0 = u_upper(*r0);
            return RN_OK;
        }
        rc = put_rune(b, *r0);
    }
    return rc;
}

static int f_camelcase(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    struct val s = arg_s(argv, 0);
    const char *p = s.u.s;
    size_t n = s.len, size = 0;
    uint32_t r0 = 0, r1;
    struct buf b;
    (void)argc;
    buf_init(&b, 0);
    int rc = camel_first(&b, &p, &n, &r0, &size);
    if (rc == RN_OK && n == 0) {
        if (size != 0)
            rc = put_rune(&b, r0);
        return sprig_out_buf(c, &b, rc, out);
    }
    while (n > 0 && rc == RN_OK) {
        r1 = r0;
        size = utf8_decode(p, n, &r0);
        p += size;
        n -= size;
        if (is_connector(r0) && is_connector(r1)) {
            rc = put_rune(&b, r1);
        } else if (is_connector(r1)) {
            r0 = u_upper(r0);
        } else {
            r0 = u_lower(r0);
            rc = put_rune(&b, r1);
        }
    }
    if (rc == RN_OK)
        rc = put_rune(&b, r0);
    return sprig_out_buf(c, &b, rc, out);
}

enum word_type {
    W_INVALID,
    W_NUMBER,
    W_UPPER,
    W_ALPHA,
    W_CONN,
    W_PUNCT,
    W_OTHER
};

struct word {
    int type;
    const char *p; /* the word */
    size_t n;
    const char *rest; /* what follows it */
    size_t rn;
};

/* The next rune that decodes validly, its width counting skipped invalid
 * bytes; at the end, prev with the width of what was skipped. */
static uint32_t next_valid(const char *s, size_t n, uint32_t prev, size_t *size)
{
    uint32_t r;
    *size = 0;
    while (n > 0) {
        size_t w = utf8_decode(s, n, &r);
        *size += w;
        if (r != UTF8_RUNE_ERROR)
            return r;
        s += w;
        n -= w;
    }
    return prev;
}

/* Extend the word while keep(r) holds; returns the last rune looked at. */
static uint32_t word_run(struct word *w, size_t *off, uint32_t r,
                         bool (*keep)(uint32_t), bool stop_upper)
{
    size_t size;
    while (w->rn > 0) {
        r = next_valid(w->rest, w->rn, r, &size);
        if (!keep(r) || (stop_upper && u_is(r, UC_LU)))
            break;
        *off += size;
        w->rest += size;
        w->rn -= size;
    }
    return r;
}

static bool is_upper(uint32_t r)
{
    return u_is(r, UC_LU);
}

static bool is_punct(uint32_t r)
{
    return u_is(r, UC_P);
}

static bool is_number(uint32_t r)
{
    return u_is(r, UC_N);
}

static bool is_other(uint32_t r)
{
    return !(is_connector(r) || is_alphabet(r) || is_number(r) || is_punct(r));
}

/* An upper-case word: "HTTPStatus" gives "HTTP", leaving "Status". */
static void word_upper(struct word *w, const char *s, size_t *off, uint32_t r)
{
    size_t size, prev_size, n = w->rn + *off;
    if (w->rn == 0)
        return;
    r = next_valid(w->rest, w->rn, r, &size);
    if (is_upper(r)) {
        prev_size = size;
        *off += size;
        w->rest += size;
        w->rn -= size;
        while (w->rn > 0) {
            r = next_valid(w->rest, w->rn, r, &size);
            if (!is_upper(r))
                break;
            prev_size = size;
            *off += size;
            w->rest += size;
            w->rn -= size;
        }
        if (w->rn > 0 && is_alphabet(r)) {
            *off -= prev_size;
            w->rest = s + *off;
            w->rn = n - *off;
        }
    } else if (is_alphabet(r)) {
        *off += size;
        w->rest += size;
        w->rn -= size;
        word_run(w, off, r, is_alphabet, true);
    }
}

/* xstrings nextWord: split off one word of s. */
static struct word next_word(const char *s, size_t n)
{
    struct word w = {W_INVALID, s, 0, s, n};
    size_t size, off = 0;
    if (n == 0)
        return w;
    uint32_t r = next_valid(s, n, UTF8_RUNE_ERROR, &size);
    off = size;
    w.rest = s + size;
    w.rn = n - size;
    if (r == UTF8_RUNE_ERROR) {
        w.n = off;
        return w;
    }
    if (is_connector(r)) {
        w.type = W_CONN;
        word_run(&w, &off, r, is_connector, false);
    } else if (is_punct(r)) {
        w.type = W_PUNCT;
        word_run(&w, &off, r, is_punct, false);
    } else if (is_upper(r)) {
        w.type = W_UPPER;
        word_upper(&w, s, &off, r);
    } else if (is_alphabet(r)) {
        w.type = W_ALPHA;
        word_run(&w, &off, r, is_alphabet, true);
    } else if (is_number(r)) {
        w.type = W_NUMBER;
        word_run(&w, &off, r, is_number, false);
    } else {
        w.type = W_OTHER;
        word_run(&w, &off, r, is_other, false);
    }
    w.n = off;
    return w;
}

static int word_lower(struct buf *b, int type, const char *p, size_t n,
                      char conn)
{
    int rc = RN_OK;
    if (type != W_UPPER && type != W_CONN)
        return buf_add(b, p, n);
    for (size_t i = 0; i < n && rc == RN_OK;) {
        uint32_t r;
        i += utf8_decode(p + i, n - i, &r);
        if (is_connector(r))
            rc = buf_add_char(b, conn);
        else
            rc = put_rune(b, is_upper(r) ? u_lower(r) : r);
    }
    return rc;
}

static bool alnum_word(int t)
{
    return t == W_ALPHA || t == W_NUMBER;
}

static bool sep_word(int t)
{
    return t == W_INVALID || t == W_PUNCT || t == W_CONN;
}

/* After an alphabetic or upper-case word: a number is glued to it unless
 * letters follow the number ("Bld4Floor" -> "bld4_floor", "HTTP2xx" ->
 * "http_2xx"). */
static int after_word(struct buf *b, struct word *w, char conn)
{
    int rc = RN_OK;
    if (w->type != W_NUMBER) {
        if (w->type != W_CONN && w->type != W_PUNCT)
            rc = buf_add_char(b, conn);
        return rc;
    }
    if (w->rn == 0)
        return RN_OK;
    struct word num = *w;
    *w = next_word(w->rest, w->rn);
    if (w->type != W_ALPHA) {
        rc = word_lower(b, W_NUMBER, num.p, num.n, conn);
        if (rc == RN_OK && w->type != W_CONN && w->type != W_PUNCT)
            rc = buf_add_char(b, conn);
        return rc;
    }
    rc = buf_add_char(b, conn);
    if (rc == RN_OK)
        rc = word_lower(b, W_NUMBER, num.p, num.n, conn);
    while (rc == RN_OK && alnum_word(w->type)) {
        rc = word_lower(b, w->type, w->p, w->n, conn);
        *w = next_word(w->rest, w->rn);
    }
    if (rc == RN_OK && !sep_word(w->type))
        rc = buf_add_char(b, conn);
    return rc;
}

/* xstrings camelCaseToLowerCase. */
static int lower_words(struct buf *b, struct val s, char conn)
{
    struct word w = next_word(s.u.s, s.len);
    int rc = RN_OK;
    while (w.rn > 0 && rc == RN_OK) {
        if (w.type != W_CONN)
            rc = word_lower(b, w.type, w.p, w.n, conn);
        struct word last = w;
        w = next_word(w.rest, w.rn);
        if (rc != RN_OK)
            break;
        if (last.type == W_NUMBER) {
            while (rc == RN_OK && alnum_word(w.type)) {
                rc = word_lower(b, w.type, w.p, w.n, conn);
                w = next_word(w.rest, w.rn);
            }
            if (rc == RN_OK && !sep_word(w.type))
                rc = buf_add_char(b, conn);
        } else if (last.type == W_CONN) {
            rc = word_lower(b, last.type, last.p, last.n, conn);
        } else if (last.type != W_PUNCT) {
            rc = after_word(b, &w, conn);
        }
    }
    if (rc == RN_OK)
        rc = word_lower(b, w.type, w.p, w.n, conn);
    return rc;
}

static int case_words(struct tpl_fcall *c, const struct val *argv, char conn,
                      struct val *out)
{
    struct buf b;
    buf_init(&b, 0);
    return sprig_out_buf(c, &b, lower_words(&b, arg_s(argv, 0), conn), out);
}

static int f_snakecase(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return case_words(c, argv, '_', out);
}

static int f_kebabcase(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return case_words(c, argv, '-', out);
}

/* ---- trimming and byte-wise goutils helpers ---- */

/* s[off:off+n] as a result: a suffix shares s's bytes (still
 * NUL-terminated), anything else is copied. */
static int out_sub(struct tpl_fcall *c, struct val s, size_t off, size_t n,
                   struct val *out)
{
    if (off + n == s.len) {
        *out = val_str(s.u.s + off, n);
        return RN_OK;
    }
    return sprig_out_str(c, s.u.s + off, n, out);
}

/* trim s: strings.TrimSpace. */
static int f_trim(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    struct val s = arg_s(argv, 0);
    size_t i, j;
    (void)argc;
    utf8_trim(s.u.s, s.len, NULL, 0, &i, &j);
    return out_sub(c, s, i, j - i, out);
}

/* trimAll cutset s: strings.Trim(s, cutset). */
static int f_trimall(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct val set = arg_s(argv, 0), s = arg_s(argv, 1);
    size_t i, j;
    (void)argc;
    if (set.len == 0) {
        *out = s;
        return RN_OK;
    }
    utf8_trim(s.u.s, s.len, set.u.s, set.len, &i, &j);
    return out_sub(c, s, i, j - i, out);
}

static bool has_prefix(struct val s, struct val p)
{
    return s.len >= p.len && memcmp(s.u.s, p.u.s, p.len) == 0;
}

static bool has_suffix(struct val s, struct val p)
{
    return s.len >= p.len && memcmp(s.u.s + s.len - p.len, p.u.s, p.len) == 0;
}

static int f_trimsuffix(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    struct val p = arg_s(argv, 0), s = arg_s(argv, 1);
    (void)argc;
    if (!has_suffix(s, p)) {
        *out = s;
        return RN_OK;
    }
    return out_sub(c, s, 0, s.len - p.len, out);
}

static int f_trimprefix(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    struct val p = arg_s(argv, 0), s = arg_s(argv, 1);
    (void)c;
    (void)argc;
    *out = has_prefix(s, p) ? val_str(s.u.s + p.len, s.len - p.len) : s;
    return RN_OK;
}

/* unicode.IsSpace of a byte taken as a rune (Latin-1). */
static bool byte_space(unsigned char ch)
{
    return utf8_is_space(ch);
}

/* goutils DeleteWhiteSpace: byte-wise; kept bytes are written as runes,
 * so non-ASCII bytes get re-encoded as Latin-1 (unless nothing was
 * removed). */
static int f_nospace(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct val s = arg_s(argv, 0);
    struct buf b;
    int rc = RN_OK;
    size_t kept = 0;
    (void)argc;
    for (size_t i = 0; i < s.len; i++)
        kept += !byte_space((unsigned char)s.u.s[i]);
    if (kept == s.len) {
        *out = s;
        return RN_OK;
    }
    buf_init(&b, 0);
    for (size_t i = 0; i < s.len && rc == RN_OK; i++) {
        unsigned char ch = (unsigned char)s.u.s[i];
        if (!byte_space(ch))
            rc = put_rune(&b, ch);
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* goutils Initials: the first byte of each space-separated word, written
 * as a rune. */
static int f_initials(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct val s = arg_s(argv, 0);
    struct buf b;
    int rc = RN_OK;
    bool gap = true;
    (void)argc;
    buf_init(&b, 0);
    for (size_t i = 0; i < s.len && rc == RN_OK; i++) {
        unsigned char ch = (unsigned char)s.u.s[i];
        if (byte_space(ch)) {
            gap = true;
        } else if (gap) {
            rc = put_rune(&b, ch);
            gap = false;
        }
    }
    return sprig_out_buf(c, &b, rc, out);
}

/* ---- cutting ---- */

/* goutils AbbreviateFull (its errors give ""). */
static int abbreviate(struct buf *b, struct val s, int64_t off, int64_t max)
{
    int64_t n = (int64_t)s.len;
    if (n == 0 || max < 4)
        return RN_OK;
    if (n <= max)
        return buf_add(b, s.u.s, s.len);
    if (off > n)
        off = n;
    if (n - off < max - 3)
        off = n - (max - 3);
    if (off <= 4) {
        int rc = buf_add(b, s.u.s, (size_t)(max - 3));
        return rc ? rc : buf_add_str(b, "...");
    }
    if (max < 7)
        return RN_OK;
    int rc = buf_add_str(b, "...");
    if (rc)
        return rc;
    if (off + max - 3 < n)
        return abbreviate(b, val_str(s.u.s + off, (size_t)(n - off)), 0,
                          max - 3);
    return buf_add(b, s.u.s + n - (max - 3), (size_t)(max - 3));
}

static int f_abbrev(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    int64_t width = argv[0].u.i;
    struct val s = arg_s(argv, 1);
    struct buf b;
    (void)argc;
    if (width < 4) {
        *out = s;
        return RN_OK;
    }
    buf_init(&b, 0);
    return sprig_out_buf(c, &b, abbreviate(&b, s, 0, width), out);
}

static int f_abbrevboth(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    int64_t left = argv[0].u.i, right = argv[1].u.i;
    struct val s = arg_s(argv, 2);
    struct buf b;
    (void)argc;
    if (right < 4 || (left > 0 && right < 7)) {
        *out = s;
        return RN_OK;
    }
    buf_init(&b, 0);
    return sprig_out_buf(c, &b, abbreviate(&b, s, left, right), out);
}

static int f_trunc(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    int64_t n = argv[0].u.i, len;
    struct val s = arg_s(argv, 1);
    (void)argc;
    len = (int64_t)s.len;
    if (n < 0 && len + n > 0)
        *out = val_str(s.u.s + len + n, (size_t)-n);
    else if (n >= 0 && len > n)
        return out_sub(c, s, 0, (size_t)n, out);
    else
        *out = s;
    return RN_OK;
}

/* substr start end s: s[:end] when start < 0, s[start:] when end < 0 or
 * past the end, else s[start:end]; bad bounds panic as in Go. */
static int f_substr(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    int64_t start = argv[0].u.i, end = argv[1].u.i;
    struct val s = arg_s(argv, 2);
    int64_t len = (int64_t)s.len;
    (void)argc;
    if (start < 0) {
        if (end < 0 || end > len)
            return sprig_fail(c,
                              "runtime error: slice bounds out of range "
                              "[:%lld] with length %lld",
                              (long long)end, (long long)len);
        start = 0;
    } else if (end < 0 || end > len) {
        if (start > len)
            return sprig_fail(c,
                              "runtime error: slice bounds out of range "
                              "[%lld:%lld]",
                              (long long)start, (long long)len);
        end = len;
    } else if (start > end) {
        return sprig_fail(c,
                          "runtime error: slice bounds out of range "
                          "[%lld:%lld]",
                          (long long)start, (long long)end);
    }
    return out_sub(c, s, (size_t)start, (size_t)(end - start), out);
}

static int repeat_into(struct tpl_fcall *c, struct buf *b, struct val s,
                       int64_t count)
{
    int rc = RN_OK;
    if (count < 0)
        return sprig_fail(c, "strings: negative Repeat count");
    if (s.len && (uint64_t)count > (uint64_t)INT64_MAX / s.len)
        return sprig_fail(c, "strings: Repeat count causes overflow");
    for (int64_t i = 0; i < count && rc == RN_OK && s.len; i++)
        rc = buf_add(b, s.u.s, s.len);
    return rc;
}

static int f_repeat(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct buf b;
    (void)argc;
    buf_init(&b, 0);
    int rc = repeat_into(c, &b, arg_s(argv, 1), argv[0].u.i);
    return sprig_out_buf(c, &b, rc, out);
}

/* goutils WrapCustom, byte-wise: break at the last space that fits,
 * optionally cutting words longer than the width. */
static int wrap_custom(struct buf *b, struct val s, int64_t width,
                       struct val nl, bool long_words)
{
    const char *p = s.u.s;
    size_t n = s.len, off = 0, w;
    int rc = RN_OK;
    if (n == 0)
        return RN_OK;
    if (nl.len == 0)
        nl = val_str("\n", 1);
    w = width < 1 ? 1 : (size_t)width;
    while (n - off > w && rc == RN_OK) {
        if (p[off] == ' ') {
            off++;
            continue;
        }
        size_t sp = SIZE_MAX;
        for (size_t k = off + w + 1; k-- > off;)
            if (p[k] == ' ') {
                sp = k;
                break;
            }
        if (sp == SIZE_MAX && long_words) {
            sp = off + w;
            rc = buf_add(b, p + off, w);
            if (rc == RN_OK)
                rc = buf_add(b, nl.u.s, nl.len);
            off = sp;
            continue;
        }
        if (sp == SIZE_MAX) {
            const char *q = memchr(p + off + w, ' ', n - off - w);
            if (!q)
                break;
            sp = (size_t)(q - p);
        }
        rc = buf_add(b, p + off, sp - off);
        if (rc == RN_OK)
            rc = buf_add(b, nl.u.s, nl.len);
        off = sp + 1;
    }
    return rc ? rc : buf_add(b, p + off, n - off);
}

static int f_wrap(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    struct buf b;
    (void)argc;
    buf_init(&b, 0);
    int rc =
        wrap_custom(&b, arg_s(argv, 1), argv[0].u.i, val_str("", 0), false);
    return sprig_out_buf(c, &b, rc, out);
}

static int f_wrapwith(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct buf b;
    (void)argc;
    buf_init(&b, 0);
    int rc = wrap_custom(&b, arg_s(argv, 2), argv[0].u.i, arg_s(argv, 1), true);
    return sprig_out_buf(c, &b, rc, out);
}

static const char *find_sub(struct val s, struct val sub)
{
    if (sub.len == 0)
        return s.u.s;
    if (sub.len > s.len)
        return NULL;
    return memmem(s.u.s, s.len, sub.u.s, sub.len);
}

static int f_contains(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)c;
    (void)argc;
    return out_bool(out, find_sub(arg_s(argv, 1), arg_s(argv, 0)) != NULL);
}

static int f_hasprefix(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)c;
    (void)argc;
    return out_bool(out, has_prefix(arg_s(argv, 1), arg_s(argv, 0)));
}

static int f_hassuffix(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)c;
    (void)argc;
    return out_bool(out, has_suffix(arg_s(argv, 1), arg_s(argv, 0)));
}

/* ---- quoting and joining values ---- */

static int quote_one(struct tpl_fcall *c, struct buf *b, struct val v)
{
    struct val s;
    int rc = sprig_strval(c, v, &s);
    return rc ? rc : gofmt_quote(b, s.u.s, s.len, 0);
}

static int squote_one(struct tpl_fcall *c, struct buf *b, struct val v)
{
    (void)c;
    int rc = buf_add_char(b, '\'');
    if (rc == RN_OK)
        rc = gofmt_value(b, v);
    return rc ? rc : buf_add_char(b, '\'');
}

static int cat_one(struct tpl_fcall *c, struct buf *b, struct val v)
{
    (void)c;
    return gofmt_value(b, v);
}

/* Format each non-nil argument with one(), space-separated. */
static int join_args(struct tpl_fcall *c, const struct val *argv, int argc,
                     int (*one)(struct tpl_fcall *, struct buf *, struct val),
                     struct val *out)
{
    struct buf b;
    int rc = RN_OK;
    bool first = true;
    buf_init(&b, 0);
    for (int i = 0; i < argc && rc == RN_OK; i++) {
        if (argv[i].kind == VAL_NULL)
            continue;
        if (!first)
            rc = buf_add_char(&b, ' ');
        first = false;
        if (rc == RN_OK)
            rc = one(c, &b, argv[i]);
    }
    return sprig_out_buf(c, &b, rc, out);
}

static int f_quote(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    return join_args(c, argv, argc, quote_one, out);
}

static int f_squote(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    return join_args(c, argv, argc, squote_one, out);
}

static int f_cat(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    return join_args(c, argv, argc, cat_one, out);
}

/* ---- replacing, indenting ---- */

/* strings.Replace(s, old, new, -1); an empty old matches before every
 * rune and at the end. */
static int replace_into(struct buf *b, struct val s, struct val old,
                        struct val new_)
{
    int rc = RN_OK;
    size_t i = 0;
    if (old.len == 0) {
        while (rc == RN_OK) {
            uint32_t r;
            rc = buf_add(b, new_.u.s, new_.len);
            if (i >= s.len || rc)
                break;
            size_t w = utf8_decode(s.u.s + i, s.len - i, &r);
            rc = buf_add(b, s.u.s + i, w);
            i += w;
        }
        return rc;
    }
    while (rc == RN_OK && i <= s.len) {
        const char *q = memmem(s.u.s + i, s.len - i, old.u.s, old.len);
        size_t at = q ? (size_t)(q - s.u.s) : s.len;
        rc = buf_add(b, s.u.s + i, at - i);
        if (!q || rc)
            break;
        rc = buf_add(b, new_.u.s, new_.len);
        i = at + old.len;
    }
    return rc;
}

static int f_replace(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct buf b;
    (void)argc;
    buf_init(&b, 0);
    int rc = replace_into(&b, arg_s(argv, 2), arg_s(argv, 0), arg_s(argv, 1));
    return sprig_out_buf(c, &b, rc, out);
}

static int indent_into(struct tpl_fcall *c, struct buf *b, int64_t n,
                       struct val s)
{
    struct buf pad;
    buf_init(&pad, 0);
    int rc = buf_add_char(&pad, '\n');
    if (rc == RN_OK)
        rc = repeat_into(c, &pad, val_str(" ", 1), n);
    if (rc == RN_OK)
        rc = buf_add(b, pad.ptr + 1, pad.len - 1);
    if (rc == RN_OK)
        rc = replace_into(b, s, val_str("\n", 1), val_str(pad.ptr, pad.len));
    buf_free(&pad);
    return rc;
}

static int indent_common(struct tpl_fcall *c, const struct val *argv, bool nl,
                         struct val *out)
{
    struct buf b;
    int rc = RN_OK;
    buf_init(&b, 0);
    if (nl)
        rc = buf_add_char(&b, '\n');
    if (rc == RN_OK)
        rc = indent_into(c, &b, argv[0].u.i, arg_s(argv, 1));
    return sprig_out_buf(c, &b, rc, out);
}

static int f_indent(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)argc;
    return indent_common(c, argv, false, out);
}

static int f_nindent(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)argc;
    return indent_common(c, argv, true, out);
}

static int f_plural(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    *out = argv[2].u.i == 1 ? arg_s(argv, 0) : arg_s(argv, 1);
    return RN_OK;
}

/* ---- splitting, joining, sorting ---- */

/* Push s[off:off+n] (copied) onto l. */
static int push_part(struct tpl_fcall *c, struct val_list *l, struct val s,
                     size_t off, size_t n)
{
    struct val part;
    int rc = sprig_out_str(c, s.u.s + off, n, &part);
    return rc ? rc : sprig_list_push(c, l, part);
}

/* strings.SplitN with an empty separator: one part per rune, the last
 * part taking the rest. */
static int explode(struct tpl_fcall *c, struct val_list *l, struct val s,
                   int64_t n)
{
    int64_t runes = (int64_t)utf8_count(s.u.s, s.len);
    size_t i = 0;
    int rc = RN_OK;
    if (n < 0 || n > runes)
        n = runes;
    for (int64_t k = 0; k < n - 1 && rc == RN_OK; k++) {
        uint32_t r;
        size_t w = utf8_decode(s.u.s + i, s.len - i, &r);
        rc = push_part(c, l, s, i, w);
        i += w;
    }
    if (n > 0 && rc == RN_OK)
        rc = push_part(c, l, s, i, s.len - i);
    return rc;
}

/* strings.SplitN(s, sep, n) into a []string in c->arena (n == 0 gives an
 * empty list where Go has nil; both print and range alike). */
static int split_list(struct tpl_fcall *c, struct val s, struct val sep,
                      int64_t n, struct val_list **lp)
{
    struct val_list *l = sprig_list_alloc(c, 0);
    size_t i = 0;
    int rc = RN_OK;
    *lp = l;
    if (!l)
        return sprig_nomem(c);
    if (n == 0)
        return RN_OK;
    if (sep.len == 0)
        return explode(c, l, s, n);
    while (rc == RN_OK) {
        struct val rest = val_str(s.u.s + i, s.len - i);
        const char *q = NULL;
        if (n < 0 || (int64_t)l->len < n - 1)
            q = find_sub(rest, sep);
        if (!q)
            return push_part(c, l, s, i, s.len - i);
        rc = push_part(c, l, s, i, (size_t)(q - rest.u.s));
        i = (size_t)(q - s.u.s) + sep.len;
    }
    return rc;
}

/* split results are map[string]string keyed _0, _1, ... */
static int parts_map(struct tpl_fcall *c, struct val_list *l, struct val *out)
{
    struct val_obj *o = sprig_obj_alloc(c, l->len);
    if (!o)
        return sprig_nomem(c);
    for (uint32_t i = 0; i < l->len; i++) {
        char *k = arena_printf(c->arena, "_%u", (unsigned)i);
        if (!k)
            return sprig_nomem(c);
        int rc = sprig_obj_put(c, o, val_str(k, strlen(k)), l->items[i]);
        if (rc)
            return rc;
    }
    *out = val_obj(o, GT_MAP_STRING);
    return RN_OK;
}

static int f_split(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct val_list *l;
    (void)argc;
    int rc = split_list(c, arg_s(argv, 1), arg_s(argv, 0), -1, &l);
    return rc ? rc : parts_map(c, l, out);
}

static int f_splitn(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct val_list *l;
    (void)argc;
    int rc = split_list(c, arg_s(argv, 2), arg_s(argv, 0), argv[1].u.i, &l);
    return rc ? rc : parts_map(c, l, out);
}

static int f_splitlist(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    struct val_list *l;
    (void)argc;
    int rc = split_list(c, arg_s(argv, 1), arg_s(argv, 0), -1, &l);
    if (rc == RN_OK)
        *out = val_list(l, GT_LIST_STRING);
    return rc;
}

static int f_join(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    struct val sep = arg_s(argv, 0), strs;
    struct buf b;
    int rc = sprig_strslice(c, argv[1], &strs);
    (void)argc;
    if (rc)
        return rc;
    buf_init(&b, 0);
    for (size_t i = 0; i < val_list_len(strs) && rc == RN_OK; i++) {
        struct val it = val_list_at(strs, i);
        if (i)
            rc = buf_add(&b, sep.u.s, sep.len);
        if (rc == RN_OK)
            rc = buf_add(&b, it.u.s, it.len);
    }
    return sprig_out_buf(c, &b, rc, out);
}

static int strcmp_val(const void *a, const void *b)
{
    const struct val *x = a, *y = b;
    int r = memcmp(x->u.s, y->u.s, x->len < y->len ? x->len : y->len);
    if (r)
        return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* sortAlpha: a list's strval items sorted bytewise; any other value
 * becomes a one-item list of its strval. */
static int f_sortalpha(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    struct val strs;
    struct val_list *l;
    int rc;
    (void)argc;
    if (argv[0].kind != VAL_ARRAY) {
        l = sprig_list_alloc(c, 1);
        if (!l)
            return sprig_nomem(c);
        rc = argv[0].kind == VAL_NULL
                 ? sprig_out_str(c, "<nil>", 5, &l->items[0])
                 : sprig_strval(c, argv[0], &l->items[0]);
        *out = val_list(l, GT_LIST_STRING);
        return rc;
    }
    rc = sprig_strslice(c, argv[0], &strs);
    if (rc)
        return rc;
    l = sprig_list_alloc(c, val_list_len(strs));
    if (!l)
        return sprig_nomem(c);
    if (l->len) {
        memcpy(l->items, strs.u.list->items, l->len * sizeof *l->items);
        qsort(l->items, l->len, sizeof *l->items, strcmp_val);
    }
    *out = val_list(l, GT_LIST_STRING);
    return RN_OK;
}

static const struct tpl_func_def string_funcs[] = {
    {"hello", f_hello, "", NULL},
    {"upper", f_upper, "s", NULL},
    {"lower", f_lower, "s", NULL},
    {"title", f_title, "s", NULL},
    {"untitle", f_untitle, "s", NULL},
    {"swapcase", f_swapcase, "s", NULL},
    {"camelcase", f_camelcase, "s", NULL},
    {"snakecase", f_snakecase, "s", NULL},
    {"kebabcase", f_kebabcase, "s", NULL},
    {"trim", f_trim, "s", NULL},
    {"trimAll", f_trimall, "ss", NULL},
    {"trimall", f_trimall, "ss", NULL},
    {"trimSuffix", f_trimsuffix, "ss", NULL},
    {"trimPrefix", f_trimprefix, "ss", NULL},
    {"nospace", f_nospace, "s", NULL},
    {"initials", f_initials, "s", NULL},
    {"abbrev", f_abbrev, "is", NULL},
    {"abbrevboth", f_abbrevboth, "iis", NULL},
    {"trunc", f_trunc, "is", NULL},
    {"substr", f_substr, "iis", NULL},
    {"repeat", f_repeat, "is", NULL},
    {"wrap", f_wrap, "is", NULL},
    {"wrapWith", f_wrapwith, "iss", NULL},
    {"contains", f_contains, "ss", NULL},
    {"hasPrefix", f_hasprefix, "ss", NULL},
    {"hasSuffix", f_hassuffix, "ss", NULL},
    {"quote", f_quote, ".v", NULL},
    {"squote", f_squote, ".v", NULL},
    {"cat", f_cat, ".v", NULL},
    {"indent", f_indent, "is", NULL},
    {"nindent", f_nindent, "is", NULL},
    {"replace", f_replace, "sss", NULL},
    {"plural", f_plural, "ssi", NULL},
    {"split", f_split, "ss", NULL},
    {"splitn", f_splitn, "sis", NULL},
    {"splitList", f_splitlist, "ss", NULL},
    {"join", f_join, "sv", NULL},
    {"sortAlpha", f_sortalpha, "v", NULL},
};

SPRIG_GROUP(strings, string_funcs);

/* ---- Unicode classes and simple case mappings ----
 *
 * Generated from the Unicode Character Database: ranges of one class with
 * their ToUpper/ToLower deltas; UC_ALT runs alternate upper/lower pairs
 * (U+0100 Ā, U+0101 ā, ...).  ASCII is handled before the table. */

struct uc_range {
    uint16_t lo, hi;
    uint8_t cls;
    int32_t du, dl; /* ToUpper / ToLower deltas */
};

static const struct uc_range uc_table[] = {
    {0x00A1, 0x00A1, UC_P, 0, 0},      {0x00A7, 0x00A7, UC_P, 0, 0},
    {0x00AA, 0x00AA, UC_L, 0, 0},      {0x00AB, 0x00AB, UC_P, 0, 0},
    {0x00B2, 0x00B3, UC_N, 0, 0},      {0x00B5, 0x00B5, UC_LL, 743, 0},
    {0x00B6, 0x00B7, UC_P, 0, 0},      {0x00B9, 0x00B9, UC_N, 0, 0},
    {0x00BA, 0x00BA, UC_L, 0, 0},      {0x00BB, 0x00BB, UC_P, 0, 0},
    {0x00BC, 0x00BE, UC_N, 0, 0},      {0x00BF, 0x00BF, UC_P, 0, 0},
    {0x00C0, 0x00D6, UC_LU, 0, 32},    {0x00D8, 0x00DE, UC_LU, 0, 32},
    {0x00DF, 0x00DF, UC_L, 0, 0},      {0x00E0, 0x00F6, UC_LL, -32, 0},
    {0x00F8, 0x00FE, UC_LL, -32, 0},   {0x00FF, 0x00FF, UC_LL, 121, 0},
    {0x0100, 0x012F, UC_ALT, 0, 0},    {0x0130, 0x0130, UC_LU, 0, -199},
    {0x0131, 0x0131, UC_LL, -232, 0},  {0x0132, 0x0137, UC_ALT, 0, 0},
    {0x0138, 0x0138, UC_L, 0, 0},      {0x0139, 0x0148, UC_ALT, 0, 0},
    {0x0149, 0x0149, UC_L, 0, 0},      {0x014A, 0x0177, UC_ALT, 0, 0},
    {0x0178, 0x0178, UC_LU, 0, -121},  {0x0179, 0x017E, UC_ALT, 0, 0},
    {0x017F, 0x017F, UC_LL, -300, 0},  {0x0180, 0x0180, UC_LL, 195, 0},
    {0x0181, 0x0181, UC_LU, 0, 210},   {0x0182, 0x0185, UC_ALT, 0, 0},
    {0x0186, 0x0186, UC_LU, 0, 206},   {0x0187, 0x0188, UC_ALT, 0, 0},
    {0x0189, 0x018A, UC_LU, 0, 205},   {0x018B, 0x018C, UC_ALT, 0, 0},
    {0x018D, 0x018D, UC_L, 0, 0},      {0x018E, 0x018E, UC_LU, 0, 79},
    {0x018F, 0x018F, UC_LU, 0, 202},   {0x0190, 0x0190, UC_LU, 0, 203},
    {0x0191, 0x0192, UC_ALT, 0, 0},    {0x0193, 0x0193, UC_LU, 0, 205},
    {0x0194, 0x0194, UC_LU, 0, 207},   {0x0195, 0x0195, UC_LL, 97, 0},
    {0x0196, 0x0196, UC_LU, 0, 211},   {0x0197, 0x0197, UC_LU, 0, 209},
    {0x0198, 0x0199, UC_ALT, 0, 0},    {0x019A, 0x019A, UC_LL, 163, 0},
    {0x019B, 0x019B, UC_L, 0, 0},      {0x019C, 0x019C, UC_LU, 0, 211},
    {0x019D, 0x019D, UC_LU, 0, 213},   {0x019E, 0x019E, UC_LL, 130, 0},
    {0x019F, 0x019F, UC_LU, 0, 214},   {0x01A0, 0x01A5, UC_ALT, 0, 0},
    {0x01A6, 0x01A6, UC_LU, 0, 218},   {0x01A7, 0x01A8, UC_ALT, 0, 0},
    {0x01A9, 0x01A9, UC_LU, 0, 218},   {0x01AA, 0x01AB, UC_L, 0, 0},
    {0x01AC, 0x01AD, UC_ALT, 0, 0},    {0x01AE, 0x01AE, UC_LU, 0, 218},
    {0x01AF, 0x01B0, UC_ALT, 0, 0},    {0x01B1, 0x01B2, UC_LU, 0, 217},
    {0x01B3, 0x01B6, UC_ALT, 0, 0},    {0x01B7, 0x01B7, UC_LU, 0, 219},
    {0x01B8, 0x01B9, UC_ALT, 0, 0},    {0x01BA, 0x01BB, UC_L, 0, 0},
    {0x01BC, 0x01BD, UC_ALT, 0, 0},    {0x01BE, 0x01BE, UC_L, 0, 0},
    {0x01BF, 0x01BF, UC_LL, 56, 0},    {0x01C0, 0x01C3, UC_L, 0, 0},
    {0x01C4, 0x01C4, UC_LU, 0, 2},     {0x01C5, 0x01C5, UC_LT, -1, 1},
    {0x01C6, 0x01C6, UC_LL, -2, 0},    {0x01C7, 0x01C7, UC_LU, 0, 2},
    {0x01C8, 0x01C8, UC_LT, -1, 1},    {0x01C9, 0x01C9, UC_LL, -2, 0},
    {0x01CA, 0x01CA, UC_LU, 0, 2},     {0x01CB, 0x01CB, UC_LT, -1, 1},
    {0x01CC, 0x01CC, UC_LL, -2, 0},    {0x01CD, 0x01DC, UC_ALT, 0, 0},
    {0x01DD, 0x01DD, UC_LL, -79, 0},   {0x01DE, 0x01EF, UC_ALT, 0, 0},
    {0x01F0, 0x01F0, UC_L, 0, 0},      {0x01F1, 0x01F1, UC_LU, 0, 2},
    {0x01F2, 0x01F2, UC_LT, -1, 1},    {0x01F3, 0x01F3, UC_LL, -2, 0},
    {0x01F4, 0x01F5, UC_ALT, 0, 0},    {0x01F6, 0x01F6, UC_LU, 0, -97},
    {0x01F7, 0x01F7, UC_LU, 0, -56},   {0x01F8, 0x021F, UC_ALT, 0, 0},
    {0x0220, 0x0220, UC_LU, 0, -130},  {0x0221, 0x0221, UC_L, 0, 0},
    {0x0222, 0x0233, UC_ALT, 0, 0},    {0x0234, 0x0239, UC_L, 0, 0},
    {0x023A, 0x023A, UC_LU, 0, 10795}, {0x023B, 0x023C, UC_ALT, 0, 0},
    {0x023D, 0x023D, UC_LU, 0, -163},  {0x023E, 0x023E, UC_LU, 0, 10792},
    {0x023F, 0x0240, UC_LL, 10815, 0}, {0x0241, 0x0242, UC_ALT, 0, 0},
    {0x0243, 0x0243, UC_LU, 0, -195},  {0x0244, 0x0244, UC_LU, 0, 69},
    {0x0245, 0x0245, UC_LU, 0, 71},    {0x0246, 0x024F, UC_ALT, 0, 0},
    {0x0250, 0x0250, UC_LL, 10783, 0}, {0x0251, 0x0251, UC_LL, 10780, 0},
    {0x0252, 0x0252, UC_LL, 10782, 0}, {0x0253, 0x0253, UC_LL, -210, 0},
    {0x0254, 0x0254, UC_LL, -206, 0},  {0x0255, 0x0255, UC_L, 0, 0},
    {0x0256, 0x0257, UC_LL, -205, 0},  {0x0258, 0x0258, UC_L, 0, 0},
    {0x0259, 0x0259, UC_LL, -202, 0},  {0x025A, 0x025A, UC_L, 0, 0},
    {0x025B, 0x025B, UC_LL, -203, 0},  {0x025C, 0x025C, UC_LL, 42319, 0},
    {0x025D, 0x025F, UC_L, 0, 0},      {0x0260, 0x0260, UC_LL, -205, 0},
    {0x0261, 0x0261, UC_LL, 42315, 0}, {0x0262, 0x0262, UC_L, 0, 0},
    {0x0263, 0x0263, UC_LL, -207, 0},  {0x0264, 0x0264, UC_L, 0, 0},
    {0x0265, 0x0265, UC_LL, 42280, 0}, {0x0266, 0x0266, UC_LL, 42308, 0},
    {0x0267, 0x0267, UC_L, 0, 0},      {0x0268, 0x0268, UC_LL, -209, 0},
    {0x0269, 0x0269, UC_LL, -211, 0},  {0x026A, 0x026A, UC_LL, 42308, 0},
    {0x026B, 0x026B, UC_LL, 10743, 0}, {0x026C, 0x026C, UC_LL, 42305, 0},
    {0x026D, 0x026E, UC_L, 0, 0},      {0x026F, 0x026F, UC_LL, -211, 0},
    {0x0270, 0x0270, UC_L, 0, 0},      {0x0271, 0x0271, UC_LL, 10749, 0},
    {0x0272, 0x0272, UC_LL, -213, 0},  {0x0273, 0x0274, UC_L, 0, 0},
    {0x0275, 0x0275, UC_LL, -214, 0},  {0x0276, 0x027C, UC_L, 0, 0},
    {0x027D, 0x027D, UC_LL, 10727, 0}, {0x027E, 0x027F, UC_L, 0, 0},
    {0x0280, 0x0280, UC_LL, -218, 0},  {0x0281, 0x0281, UC_L, 0, 0},
    {0x0282, 0x0282, UC_LL, 42307, 0}, {0x0283, 0x0283, UC_LL, -218, 0},
    {0x0284, 0x0286, UC_L, 0, 0},      {0x0287, 0x0287, UC_LL, 42282, 0},
    {0x0288, 0x0288, UC_LL, -218, 0},  {0x0289, 0x0289, UC_LL, -69, 0},
    {0x028A, 0x028B, UC_LL, -217, 0},  {0x028C, 0x028C, UC_LL, -71, 0},
    {0x028D, 0x0291, UC_L, 0, 0},      {0x0292, 0x0292, UC_LL, -219, 0},
    {0x0293, 0x029C, UC_L, 0, 0},      {0x029D, 0x029D, UC_LL, 42261, 0},
    {0x029E, 0x029E, UC_LL, 42258, 0}, {0x029F, 0x02C1, UC_L, 0, 0},
    {0x02C6, 0x02D1, UC_L, 0, 0},      {0x02E0, 0x02E4, UC_L, 0, 0},
    {0x02EC, 0x02EC, UC_L, 0, 0},      {0x02EE, 0x02EE, UC_L, 0, 0},
    {0x0345, 0x0345, UC_X, 84, 0},     {0x0370, 0x0373, UC_ALT, 0, 0},
    {0x0374, 0x0374, UC_L, 0, 0},      {0x0376, 0x0377, UC_ALT, 0, 0},
    {0x037A, 0x037A, UC_L, 0, 0},      {0x037B, 0x037D, UC_LL, 130, 0},
    {0x037E, 0x037E, UC_P, 0, 0},      {0x037F, 0x037F, UC_LU, 0, 116},
    {0x0386, 0x0386, UC_LU, 0, 38},    {0x0387, 0x0387, UC_P, 0, 0},
    {0x0388, 0x038A, UC_LU, 0, 37},    {0x038C, 0x038C, UC_LU, 0, 64},
    {0x038E, 0x038F, UC_LU, 0, 63},    {0x0390, 0x0390, UC_L, 0, 0},
    {0x0391, 0x03A1, UC_LU, 0, 32},    {0x03A3, 0x03AB, UC_LU, 0, 32},
    {0x03AC, 0x03AC, UC_LL, -38, 0},   {0x03AD, 0x03AF, UC_LL, -37, 0},
    {0x03B0, 0x03B0, UC_L, 0, 0},      {0x03B1, 0x03C1, UC_LL, -32, 0},
    {0x03C2, 0x03C2, UC_LL, -31, 0},   {0x03C3, 0x03CB, UC_LL, -32, 0},
    {0x03CC, 0x03CC, UC_LL, -64, 0},   {0x03CD, 0x03CE, UC_LL, -63, 0},
    {0x03CF, 0x03CF, UC_LU, 0, 8},     {0x03D0, 0x03D0, UC_LL, -62, 0},
    {0x03D1, 0x03D1, UC_LL, -57, 0},   {0x03D2, 0x03D4, UC_LU, 0, 0},
    {0x03D5, 0x03D5, UC_LL, -47, 0},   {0x03D6, 0x03D6, UC_LL, -54, 0},
    {0x03D7, 0x03D7, UC_LL, -8, 0},    {0x03D8, 0x03EF, UC_ALT, 0, 0},
    {0x03F0, 0x03F0, UC_LL, -86, 0},   {0x03F1, 0x03F1, UC_LL, -80, 0},
    {0x03F2, 0x03F2, UC_LL, 7, 0},     {0x03F3, 0x03F3, UC_LL, -116, 0},
    {0x03F4, 0x03F4, UC_LU, 0, -60},   {0x03F5, 0x03F5, UC_LL, -96, 0},
    {0x03F7, 0x03F8, UC_ALT, 0, 0},    {0x03F9, 0x03F9, UC_LU, 0, -7},
    {0x03FA, 0x03FB, UC_ALT, 0, 0},    {0x03FC, 0x03FC, UC_L, 0, 0},
    {0x03FD, 0x03FF, UC_LU, 0, -130},  {0x0400, 0x040F, UC_LU, 0, 80},
    {0x0410, 0x042F, UC_LU, 0, 32},    {0x0430, 0x044F, UC_LL, -32, 0},
    {0x0450, 0x045F, UC_LL, -80, 0},   {0x0460, 0x0481, UC_ALT, 0, 0},
    {0x048A, 0x04BF, UC_ALT, 0, 0},    {0x04C0, 0x04C0, UC_LU, 0, 15},
    {0x04C1, 0x04CE, UC_ALT, 0, 0},    {0x04CF, 0x04CF, UC_LL, -15, 0},
    {0x04D0, 0x052F, UC_ALT, 0, 0},    {0x0531, 0x0556, UC_LU, 0, 48},
    {0x0559, 0x0559, UC_L, 0, 0},      {0x055A, 0x055F, UC_P, 0, 0},
    {0x0560, 0x0560, UC_L, 0, 0},      {0x0561, 0x0586, UC_LL, -48, 0},
    {0x0587, 0x0588, UC_L, 0, 0},      {0x0589, 0x058A, UC_P, 0, 0},
    {0x05BE, 0x05BE, UC_P, 0, 0},      {0x05C0, 0x05C0, UC_P, 0, 0},
    {0x05C3, 0x05C3, UC_P, 0, 0},      {0x05C6, 0x05C6, UC_P, 0, 0},
    {0x05D0, 0x05F2, UC_L, 0, 0},      {0x05F3, 0x05F4, UC_P, 0, 0},
    {0x0609, 0x060A, UC_P, 0, 0},      {0x060C, 0x060D, UC_P, 0, 0},
    {0x061B, 0x061B, UC_P, 0, 0},      {0x061D, 0x061F, UC_P, 0, 0},
    {0x0620, 0x064A, UC_L, 0, 0},      {0x0660, 0x0669, UC_N, 0, 0},
    {0x066A, 0x066D, UC_P, 0, 0},      {0x066E, 0x06D3, UC_L, 0, 0},
    {0x06D4, 0x06D4, UC_P, 0, 0},      {0x06D5, 0x06D5, UC_L, 0, 0},
    {0x06E5, 0x06E6, UC_L, 0, 0},      {0x06EE, 0x06EF, UC_L, 0, 0},
    {0x06F0, 0x06F9, UC_N, 0, 0},      {0x06FA, 0x06FC, UC_L, 0, 0},
    {0x06FF, 0x06FF, UC_L, 0, 0},      {0x0700, 0x070D, UC_P, 0, 0},
    {0x0710, 0x072F, UC_L, 0, 0},      {0x074D, 0x07B1, UC_L, 0, 0},
    {0x07C0, 0x07C9, UC_N, 0, 0},      {0x07CA, 0x07F5, UC_L, 0, 0},
    {0x07F7, 0x07F9, UC_P, 0, 0},      {0x07FA, 0x07FA, UC_L, 0, 0},
    {0x10A0, 0x10C5, UC_LU, 0, 7264},  {0x10C7, 0x10C7, UC_LU, 0, 7264},
    {0x10CD, 0x10CD, UC_LU, 0, 7264},  {0x10D0, 0x10FA, UC_LL, 3008, 0},
    {0x10FD, 0x10FF, UC_LL, 3008, 0},  {0x13A0, 0x13EF, UC_LU, 0, 38864},
    {0x13F0, 0x13F5, UC_LU, 0, 8},     {0x13F8, 0x13FD, UC_LL, -8, 0},
    {0x1C80, 0x1C80, UC_LL, -6254, 0}, {0x1C81, 0x1C81, UC_LL, -6253, 0},
    {0x1C82, 0x1C82, UC_LL, -6244, 0}, {0x1C83, 0x1C84, UC_LL, -6242, 0},
    {0x1C85, 0x1C85, UC_LL, -6243, 0}, {0x1C86, 0x1C86, UC_LL, -6236, 0},
    {0x1C87, 0x1C87, UC_LL, -6181, 0}, {0x1C88, 0x1C88, UC_LL, 35266, 0},
    {0x1C90, 0x1CBA, UC_LU, 0, -3008}, {0x1CBD, 0x1CBF, UC_LU, 0, -3008},
    {0x1D79, 0x1D79, UC_LL, 35332, 0}, {0x1D7D, 0x1D7D, UC_LL, 3814, 0},
    {0x1D8E, 0x1D8E, UC_LL, 35384, 0}, {0x1E00, 0x1E95, UC_ALT, 0, 0},
    {0x1E9B, 0x1E9B, UC_LL, -59, 0},   {0x1E9E, 0x1E9E, UC_LU, 0, -7615},
    {0x1EA0, 0x1EFF, UC_ALT, 0, 0},    {0x1F00, 0x1F07, UC_LL, 8, 0},
    {0x1F08, 0x1F0F, UC_LU, 0, -8},    {0x1F10, 0x1F15, UC_LL, 8, 0},
    {0x1F18, 0x1F1D, UC_LU, 0, -8},    {0x1F20, 0x1F27, UC_LL, 8, 0},
    {0x1F28, 0x1F2F, UC_LU, 0, -8},    {0x1F30, 0x1F37, UC_LL, 8, 0},
    {0x1F38, 0x1F3F, UC_LU, 0, -8},    {0x1F40, 0x1F45, UC_LL, 8, 0},
    {0x1F48, 0x1F4D, UC_LU, 0, -8},    {0x1F51, 0x1F51, UC_LL, 8, 0},
    {0x1F53, 0x1F53, UC_LL, 8, 0},     {0x1F55, 0x1F55, UC_LL, 8, 0},
    {0x1F57, 0x1F57, UC_LL, 8, 0},     {0x1F59, 0x1F59, UC_LU, 0, -8},
    {0x1F5B, 0x1F5B, UC_LU, 0, -8},    {0x1F5D, 0x1F5D, UC_LU, 0, -8},
    {0x1F5F, 0x1F5F, UC_LU, 0, -8},    {0x1F60, 0x1F67, UC_LL, 8, 0},
    {0x1F68, 0x1F6F, UC_LU, 0, -8},    {0x1F70, 0x1F71, UC_LL, 74, 0},
    {0x1F72, 0x1F75, UC_LL, 86, 0},    {0x1F76, 0x1F77, UC_LL, 100, 0},
    {0x1F78, 0x1F79, UC_LL, 128, 0},   {0x1F7A, 0x1F7B, UC_LL, 112, 0},
    {0x1F7C, 0x1F7D, UC_LL, 126, 0},   {0x1F80, 0x1F87, UC_LL, 8, 0},
    {0x1F88, 0x1F8F, UC_LT, 0, -8},    {0x1F90, 0x1F97, UC_LL, 8, 0},
    {0x1F98, 0x1F9F, UC_LT, 0, -8},    {0x1FA0, 0x1FA7, UC_LL, 8, 0},
    {0x1FA8, 0x1FAF, UC_LT, 0, -8},    {0x1FB0, 0x1FB1, UC_LL, 8, 0},
    {0x1FB3, 0x1FB3, UC_LL, 9, 0},     {0x1FB8, 0x1FB9, UC_LU, 0, -8},
    {0x1FBA, 0x1FBB, UC_LU, 0, -74},   {0x1FBC, 0x1FBC, UC_LT, 0, -9},
    {0x1FBE, 0x1FBE, UC_LL, -7205, 0}, {0x1FC3, 0x1FC3, UC_LL, 9, 0},
    {0x1FC8, 0x1FCB, UC_LU, 0, -86},   {0x1FCC, 0x1FCC, UC_LT, 0, -9},
    {0x1FD0, 0x1FD1, UC_LL, 8, 0},     {0x1FD8, 0x1FD9, UC_LU, 0, -8},
    {0x1FDA, 0x1FDB, UC_LU, 0, -100},  {0x1FE0, 0x1FE1, UC_LL, 8, 0},
    {0x1FE5, 0x1FE5, UC_LL, 7, 0},     {0x1FE8, 0x1FE9, UC_LU, 0, -8},
    {0x1FEA, 0x1FEB, UC_LU, 0, -112},  {0x1FEC, 0x1FEC, UC_LU, 0, -7},
    {0x1FF3, 0x1FF3, UC_LL, 9, 0},     {0x1FF8, 0x1FF9, UC_LU, 0, -128},
    {0x1FFA, 0x1FFB, UC_LU, 0, -126},  {0x1FFC, 0x1FFC, UC_LT, 0, -9},
    {0x2010, 0x2027, UC_P, 0, 0},      {0x2030, 0x2043, UC_P, 0, 0},
    {0x2045, 0x2051, UC_P, 0, 0},      {0x2053, 0x205E, UC_P, 0, 0},
    {0x2102, 0x2102, UC_LU, 0, 0},     {0x2107, 0x2107, UC_LU, 0, 0},
    {0x210B, 0x210D, UC_LU, 0, 0},     {0x2110, 0x2112, UC_LU, 0, 0},
    {0x2115, 0x2115, UC_LU, 0, 0},     {0x2119, 0x211D, UC_LU, 0, 0},
    {0x2124, 0x2124, UC_LU, 0, 0},     {0x2126, 0x2126, UC_LU, 0, -7517},
    {0x2128, 0x2128, UC_LU, 0, 0},     {0x212A, 0x212A, UC_LU, 0, -8383},
    {0x212B, 0x212B, UC_LU, 0, -8262}, {0x212C, 0x212D, UC_LU, 0, 0},
    {0x2130, 0x2131, UC_LU, 0, 0},     {0x2132, 0x2132, UC_LU, 0, 28},
    {0x2133, 0x2133, UC_LU, 0, 0},     {0x213E, 0x213F, UC_LU, 0, 0},
    {0x2145, 0x2145, UC_LU, 0, 0},     {0x214E, 0x214E, UC_LL, -28, 0},
    {0x2160, 0x216F, UC_N, 0, 16},     {0x2170, 0x217F, UC_N, -16, 0},
    {0x2183, 0x2184, UC_ALT, 0, 0},    {0x24B6, 0x24CF, UC_X, 0, 26},
    {0x24D0, 0x24E9, UC_X, -26, 0},    {0x3001, 0x3003, UC_P, 0, 0},
    {0x3005, 0x3006, UC_L, 0, 0},      {0x3007, 0x3007, UC_N, 0, 0},
    {0x3008, 0x3011, UC_P, 0, 0},      {0x3014, 0x301F, UC_P, 0, 0},
    {0x3021, 0x3029, UC_N, 0, 0},      {0x3030, 0x3030, UC_P, 0, 0},
    {0x3031, 0x3035, UC_L, 0, 0},      {0x3038, 0x303A, UC_N, 0, 0},
    {0x303B, 0x303C, UC_L, 0, 0},      {0x303D, 0x303D, UC_P, 0, 0},
    {0x3041, 0x30FF, UC_L, 0, 0},      {0x3400, 0x4DBF, UC_L, 0, 0},
    {0x4E00, 0x9FFF, UC_L, 0, 0},      {0xAC00, 0xD7A3, UC_L, 0, 0},
    {0xFF21, 0xFF3A, UC_LU, 0, 32},    {0xFF41, 0xFF5A, UC_LL, -32, 0},
};

static const size_t uc_table_len = sizeof uc_table / sizeof *uc_table;

static const struct uc_range *uc_find(uint32_t r)
{
    size_t lo = 0, hi = uc_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r < uc_table[mid].lo)
            hi = mid;
        else if (r > uc_table[mid].hi)
            lo = mid + 1;
        else
            return &uc_table[mid];
    }
    return NULL;
}

/* The class of r, with UC_ALT runs resolved to UC_LU / UC_LL. */
static int uc_class(uint32_t r, const struct uc_range **rowp)
{
    const struct uc_range *row = r < 0x80 ? NULL : uc_find(r);
    *rowp = row;
    if (r < 0x80) {
        if (r >= 'A' && r <= 'Z')
            return UC_LU;
        if (r >= 'a' && r <= 'z')
            return UC_LL;
        if (r >= '0' && r <= '9')
            return UC_N;
        return strchr("!\"#%&'()*,-./:;?@[\\]_{}", (int)r) && r ? UC_P : -1;
    }
    if (!row)
        return -1;
    if (row->cls == UC_ALT)
        return (r - row->lo) % 2 ? UC_LL : UC_LU;
    return row->cls;
}

static uint32_t u_upper(uint32_t r)
{
    const struct uc_range *row;
    int cls = uc_class(r, &row);
    if (r < 0x80)
        return cls == UC_LL ? r - 32 : r;
    if (!row)
        return r;
    if (row->cls == UC_ALT)
        return cls == UC_LL ? r - 1 : r;
    return (uint32_t)((int32_t)r + row->du);
}

static uint32_t u_lower(uint32_t r)
{
    const struct uc_range *row;
    int cls = uc_class(r, &row);
    if (r < 0x80)
        return cls == UC_LU ? r + 32 : r;
    if (!row)
        return r;
    if (row->cls == UC_ALT)
        return cls == UC_LU ? r + 1 : r;
    return (uint32_t)((int32_t)r + row->dl);
}

/* Title case is upper case except for the digraphs (DŽ Dž dž, LJ Lj lj,
 * NJ Nj nj, DZ Dz dz) and Georgian letters, which keep their form. */
static uint32_t u_title(uint32_t r)
{
    if (r >= 0x1C4 && r <= 0x1CC)
        return r - (r - 0x1C4) % 3 + 1;
    if (r >= 0x1F1 && r <= 0x1F3)
        return 0x1F2;
    if ((r >= 0x10D0 && r <= 0x10FA) || (r >= 0x10FD && r <= 0x10FF))
        return r;
    return u_upper(r);
}

static bool u_is(uint32_t r, int want)
{
    const struct uc_range *row;
    return uc_class(r, &row) == want;
}

static bool u_is_letter(uint32_t r)
{
    const struct uc_range *row;
    int cls = uc_class(r, &row);
    return cls == UC_LU || cls == UC_LL || cls == UC_LT || cls == UC_L;
}
