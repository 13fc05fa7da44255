/*
 * regex.c: sprig's regex functions (regexMatch, regexFind, regexFindAll,
 * regexReplaceAll, regexReplaceAllLiteral, regexSplit, their must* forms,
 * regexQuoteMeta) with Go's regexp semantics on top of PCRE2.
 *
 * A Go pattern is first walked by a small translator that accepts exactly
 * Go's RE2 syntax (rejecting what Go rejects: backreferences, lookaround,
 * possessive and nested repeats, unknown escapes, \Z, bad flags) with Go's
 * error text, and emits an equivalent PCRE2 pattern: Go's \s becomes
 * [\t\n\f\r ], \v is the VT character, octal escapes and every literal are
 * written as \x{...}, named groups become plain groups whose names we keep
 * for ${name} expansion, and zero-width assertions are wrapped in (?:...)
 * because Go lets them be repeated.  A subject with invalid UTF-8 is
 * searched as a copy where each bad byte is U+FFFD, which is how Go reads
 * it, and match offsets are mapped back.  PCRE2 runs with UTF, DOLLAR_ENDONLY
 * (Go's $ is end of text outside (?m)), ALT_CIRCUMFLEX ((?m)^ also matches
 * after a final newline) and LF newlines.  Both engines prefer the leftmost
 * match and, within it, the first alternative (Perl order), so matches
 * agree.  The FindAll / ReplaceAll / Split / Expand loops follow Go's
 * rules for empty matches and $ expansion.
 *
 * Known divergences from Go:
 *  - PCRE2 backtracks; a pathological pattern hits the match limit and is
 *    an exec error, where Go's linear-time engine would finish.
 *  - Unicode class names (\p{...}) are checked by PCRE2, whose set differs
 *    slightly from Go's (e.g. \p{L&} is accepted here), and (?i) does not
 *    widen them: Go's (?i)\p{Lu} also matches "a".
 *  - Go's limit on the size of a compiled program is not reproduced.
 *  - A repetition right after a flag group (a(?i)* repeats the a in Go)
 *    is rejected as a missing argument.
 */
#include "sprig_int.h"

#include "../../core/alloc.h"
#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"
#include "../../core/limits.h"
#include "../../core/utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#define RE_MAX_NEST 1000   /* Go's maximum nesting depth */
#define RE_MAX_REPEAT 1000 /* Go's maximum {n,m} count */
#define RE_MATCH_LIMIT 10000000u

/* A compiled Go regexp. */
struct gore {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_general_context *gctx;
    uint32_t ncap;
    const char **names; /* [1..ncap]; NULL for an unnamed group */
    const char *src;
    size_t srclen;
    /* the subject PCRE2 searches: the caller's text, or a copy with each
     * invalid byte turned into U+FFFD (Go reads it that way) and map[i]
     * the caller's offset of copy offset i */
    const char *subj;
    size_t subjn;
    const size_t *map;
    /* \p{L}|\p{Nd} for $name in replacements, compiled on first use */
    pcre2_code *letter;
    pcre2_match_data *letter_md;
    pcre2_compile_context *cctx;
};

/* Translator state: Go pattern in, PCRE2 pattern out. */
struct xlate {
    const char *p, *end, *src;
    size_t srclen;
    struct buf out;
    struct arena *a;
    int depth;
    bool can_repeat;         /* the previous item takes a repetition */
    const char *last_repeat; /* start of the previous repetition, or NULL */
    uint32_t ncap, namecap;
    const char **names;
    char err[200];
};

/* ---- translation: errors ---- */

static int xfail(struct xlate *x, const char *code, const char *expr, size_t n)
{
    snprintf(x->err, sizeof x->err, "error parsing regexp: %s: `%.*s`", code,
             (int)n, expr);
    return -1;
}

static int xemit(struct xlate *x, const char *s)
{
    return buf_add_str(&x->out, s) ? -2 : 0;
}

static int xemit_rune(struct xlate *x, uint32_t r)
{
    return buf_add_fmt(&x->out, "\\x{%X}", (unsigned)r) ? -2 : 0;
}

static bool is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '_';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* \x41 or \x{10FFFF} after the "\x" at *pp; -1 on a malformed escape. */
static int64_t parse_hex_escape(const char **pp, const char *end)
{
    const char *p = *pp;
    int64_t r = 0;
    if (p < end && *p == '{') {
        int nd = 0;
        for (p++; p < end && hexval(*p) >= 0; p++, nd++) {
            r = r * 16 + hexval(*p);
            if (r > UTF8_MAX_RUNE)
                return -1;
        }
        if (nd == 0 || p >= end || *p != '}')
            return -1;
        *pp = p + 1;
        return r;
    }
    if (end - p < 2 || hexval(p[0]) < 0 || hexval(p[1]) < 0)
        return -1;
    *pp = p + 2;
    return hexval(p[0]) * 16 + hexval(p[1]);
}

/* \0, \12, \177: the first digit d and up to two more octal digits. */
static int64_t octal_escape(struct xlate *x, char d)
{
    int64_t r = d - '0';
    for (int i = 0; i < 2 && x->p < x->end && *x->p >= '0' && *x->p <= '7'; i++)
        r = r * 8 + (*x->p++ - '0');
    return r;
}

/* A single-character escape (x->p just past the backslash): its rune, or
 * -1 after recording Go's "invalid escape sequence" error. */
static int64_t char_escape(struct xlate *x, const char *bs)
{
    char c = *x->p++;
    int64_t r;
    switch (c) {
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
        /* a lone \1..\7 would be a backreference, which Go lacks */
        if (x->p >= x->end || *x->p < '0' || *x->p > '7')
            break;
        return octal_escape(x, c);
    case '0':
        return octal_escape(x, c);
    case 'x':
        r = parse_hex_escape(&x->p, x->end);
        if (r >= 0)
            return r;
        break;
    case 'a':
        return 7;
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    case 'v':
        return 11;
    default:
        /* any ASCII punctuation (even _) escapes to itself */
        if ((unsigned char)c < 0x80 && (c == '_' || !is_word((unsigned char)c)))
            return (unsigned char)c;
        break;
    }
    /* Go quotes the escape up to the end of the offending rune */
    uint32_t rr;
    const char *q = bs + 1;
    size_t w = q < x->end ? utf8_decode(q, (size_t)(x->end - q), &rr) : 0;
    xfail(x, "invalid escape sequence", bs, (size_t)(q + w - bs));
    return -1;
}

/* \pL, \p{Greek}, \P{^Greek}: copied through (x->p at the 'p'/'P'). */
static int unicode_class(struct xlate *x, const char *bs)
{
    const char *p = x->p + 1;
    if (p >= x->end)
        return xfail(x, "invalid character class range", bs,
                     (size_t)(x->end - bs));
    if (*p == '{') {
        const char *close = memchr(p, '}', (size_t)(x->end - p));
        if (!close)
            return xfail(x, "invalid character class range", bs,
                         (size_t)(x->end - bs));
        p = close + 1;
    } else {
        uint32_t r;
        p += utf8_decode(p, (size_t)(x->end - p), &r);
    }
    if (buf_add(&x->out, bs, (size_t)(p - bs)))
        return -2;
    x->p = p;
    return 0;
}

/* Copy a two-byte escape (\d, \W, ...) through unchanged. */
static int copy_escape(struct xlate *x)
{
    if (buf_add(&x->out, x->p, 2))
        return -2;
    x->p += 2;
    return 0;
}

/* ---- translation: character classes ---- */

static const char *const posix_names[] = {
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
    "lower", "print", "punct", "space", "upper", "word",  "xdigit",
};

/* [:alpha:] or [:^alpha:] at x->p: 1 when copied, 0 when the text is not
 * a named class (then '[' is an ordinary member), -1 on Go's error. */
static int posix_class(struct xlate *x)
{
    const char *p = x->p + 2;
    const char *close = NULL;
    for (const char *q = p; q + 1 < x->end; q++) {
        if (q[0] == ':' && q[1] == ']') {
            close = q;
            break;
        }
    }
    if (!close)
        return 0;
    const char *name = *p == '^' ? p + 1 : p;
    size_t n = (size_t)(close - name);
    for (size_t i = 0; i < sizeof posix_names / sizeof *posix_names; i++) {
        if (strlen(posix_names[i]) == n &&
            memcmp(posix_names[i], name, n) == 0) {
            if (buf_add(&x->out, x->p, (size_t)(close + 2 - x->p)))
                return -2;
            x->p = close + 2;
            return 1;
        }
    }
    return xfail(x, "invalid character class range", x->p,
                 (size_t)(close + 2 - x->p));
}

/* One class member character at x->p: its rune, or < 0 on error. */
static int64_t class_char(struct xlate *x)
{
    const char *bs = x->p;
    if (*x->p == '\\') {
        x->p++;
        if (x->p >= x->end) {
            xfail(x, "trailing backslash at end of expression", "", 0);
            return -1;
        }
        return char_escape(x, bs);
    }
    uint32_t r;
    x->p += utf8_decode(x->p, (size_t)(x->end - x->p), &r);
    return r;
}

/* \d \s \w \pL and friends inside a class: 1 when handled, 0 when the
 * escape is an ordinary character, < 0 on error. */
static int class_escape(struct xlate *x)
{
    char e = x->p[1];
    switch (e) {
    case 'd':
    case 'D':
    case 'w':
    case 'W':
        return copy_escape(x) ? -2 : 1;
    case 's':
        x->p += 2;
        return xemit(x, "\\x{9}\\x{A}\\x{C}\\x{D}\\x{20}") ? -2 : 1;
    case 'S':
        x->p += 2;
        return xemit(x, "\\x{0}-\\x{8}\\x{B}\\x{E}-\\x{1F}\\x{21}-\\x{10FFFF}")
                   ? -2
                   : 1;
    case 'p':
    case 'P': {
        const char *bs = x->p;
        x->p++;
        int rc = unicode_class(x, bs);
        return rc < 0 ? rc : 1;
    }
    default:
        return 0;
    }
}

/* class -> '[' ['^'] member { member } ']'
 * member -> posix | perl-escape | unicode-class | char ['-' char] */
static int parse_class(struct xlate *x)
{
    const char *start = x->p++;
    if (xemit(x, "["))
        return -2;
    if (x->p < x->end && *x->p == '^') {
        x->p++;
        if (xemit(x, "^"))
            return -2;
    }
    for (bool first = true; x->p >= x->end || *x->p != ']' || first;
         first = false) {
        if (x->p >= x->end)
            return xfail(x, "missing closing ]", start,
                         (size_t)(x->end - start));
        int rc = 0;
        if (*x->p == '[' && x->p + 1 < x->end && x->p[1] == ':')
            rc = posix_class(x);
        else if (*x->p == '\\' && x->p + 1 < x->end)
            rc = class_escape(x);
        if (rc < 0)
            return rc;
        if (rc == 1)
            continue;
        const char *lostart = x->p;
        int64_t lo = class_char(x), hi = lo;
        if (lo < 0)
            return -1;
        if (x->end - x->p >= 2 && x->p[0] == '-' && x->p[1] != ']') {
            x->p++;
            hi = class_char(x);
            if (hi < 0)
                return -1;
            if (hi < lo)
                return xfail(x, "invalid character class range", lostart,
                             (size_t)(x->p - lostart));
        }
        if (xemit_rune(x, (uint32_t)lo))
            return -2;
        if (hi != lo && (xemit(x, "-") || xemit_rune(x, (uint32_t)hi)))
            return -2;
    }
    x->p++;
    return xemit(x, "]");
}

/* ---- translation: groups and repetition ---- */

static int add_group(struct xlate *x, const char *name)
{
    if (x->ncap + 1 >= x->namecap) {
        uint32_t ncap = x->namecap ? x->namecap * 2 : 8;
        const char **names = arena_grow(
            x->a, x->names, x->namecap * sizeof *names, ncap * sizeof *names);
        if (!names)
            return -2;
        x->names = names;
        x->namecap = ncap;
    }
    x->names[++x->ncap] = name;
    if (++x->depth > RE_MAX_NEST)
        return xfail(x, "expression nests too deeply", x->src, x->srclen);
    return xemit(x, "(");
}

/* (?P<name>re) and (?<name>re), x->p at the '(' and q at the '<'. */
static int named_group(struct xlate *x, const char *q)
{
    const char *gt = memchr(q, '>', (size_t)(x->end - q));
    if (!gt)
        return xfail(x, "invalid named capture", x->p, (size_t)(x->end - x->p));
    size_t glen = (size_t)(gt + 1 - x->p), n = (size_t)(gt - q - 1);
    bool ok = n > 0;
    for (size_t i = 0; i < n; i++)
        ok = ok && is_word((unsigned char)q[1 + i]);
    if (!ok)
        return xfail(x, "invalid named capture", x->p, glen);
    const char *name = arena_strndup(x->a, q + 1, n);
    if (!name)
        return -2;
    x->p = gt + 1;
    return add_group(x, name);
}

/* (?flags) and (?flags:re): flags -> [imsU]* ['-' [imsU]+] */
static int flag_group(struct xlate *x)
{
    const char *start = x->p, *q = x->p + 2;
    int sign = 1;
    bool saw = false;
    while (q < x->end) {
        char c = *q++;
        if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
            saw = true;
        } else if (c == '-' && sign > 0) {
            sign = -1;
            saw = false;
        } else if ((c == ':' || c == ')') && (sign > 0 || saw)) {
            if (buf_add(&x->out, start, (size_t)(q - start)))
                return -2;
            x->p = q;
            if (c == ')')
                return 0;
            if (++x->depth > RE_MAX_NEST)
                return xfail(x, "expression nests too deeply", x->src,
                             x->srclen);
            return 0;
        } else {
            break;
        }
    }
    return xfail(x, "invalid or unsupported Perl syntax", start,
                 (size_t)(q - start));
}

/* group -> '(' re ')' | '(?P<name>' re ')' | '(?flags)' | '(?flags:' re ')' */
static int open_group(struct xlate *x)
{
    x->can_repeat = false;
    x->last_repeat = NULL;
    if (x->end - x->p >= 2 && x->p[1] == '?') {
        const char *q = x->p + 2;
        if (x->end - q >= 2 && q[0] == 'P' && q[1] == '<')
            return named_group(x, q + 1);
        if (x->end - q >= 2 && q[0] == '<' && q[1] != '=' && q[1] != '!')
            return named_group(x, q);
        return flag_group(x);
    }
    x->p++;
    return add_group(x, NULL);
}

static int close_group(struct xlate *x)
{
    if (x->depth == 0)
        return xfail(x, "unexpected )", x->src, x->srclen);
    x->depth--;
    x->p++;
    x->can_repeat = true;
    x->last_repeat = NULL;
    return xemit(x, ")");
}

/* Go's parseInt for repeat counts: no leading zeros, -1 past 8 digits. */
static bool repeat_int(const char **pp, const char *end, int *n)
{
    const char *p = *pp;
    if (p >= end || *p < '0' || *p > '9')
        return false;
    if (end - p >= 2 && p[0] == '0' && p[1] >= '0' && p[1] <= '9')
        return false;
    const char *s = p;
    long v = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++)
        v = v < 100000000 ? v * 10 + (*p - '0') : v;
    *n = p - s > 8 ? -1 : (int)v;
    *pp = p;
    return true;
}

/* {n} {n,} {n,m} at x->p: false when the text is not a repeat (then the
 * brace is a literal). */
static bool parse_braces(struct xlate *x, const char **after, int *min,
                         int *max)
{
    const char *p = x->p + 1;
    if (!repeat_int(&p, x->end, min))
        return false;
    *max = *min;
    if (p < x->end && *p == ',') {
        p++;
        *max = -1;
        if (p < x->end && *p != '}' && !repeat_int(&p, x->end, max))
            return false;
    }
    if (p >= x->end || *p != '}')
        return false;
    *after = p + 1;
    return true;
}

/* repeat -> ('*' | '+' | '?' | '{' n [',' [m]] '}') ['?'] */
static int repeat_op(struct xlate *x)
{
    const char *start = x->p, *after = x->p + 1;
    int min = 0, max = 0;
    bool brace = *x->p == '{';
    if (brace && !parse_braces(x, &after, &min, &max)) {
        x->p++;
        x->can_repeat = true;
        x->last_repeat = NULL;
        return xemit(x, "\\{");
    }
    if (brace && (min < 0 || min > RE_MAX_REPEAT || max > RE_MAX_REPEAT ||
                  (max >= 0 && min > max)))
        return xfail(x, "invalid repeat count", start, (size_t)(after - start));
    if (after < x->end && *after == '?')
        after++;
    if (x->last_repeat)
        return xfail(x, "invalid nested repetition operator", x->last_repeat,
                     (size_t)(after - x->last_repeat));
    if (!x->can_repeat)
        return xfail(x, "missing argument to repetition operator", start,
                     (size_t)(after - start));
    if (buf_add(&x->out, start, (size_t)(after - start)))
        return -2;
    x->p = after;
    x->last_repeat = start;
    return 0;
}

/* ---- translation: escapes, literals, the main loop ---- */

static int emit_literal(struct xlate *x, uint32_t r, const char *at, size_t w)
{
    if (r >= 0x80 || (r < 0x80 && is_word((unsigned char)r) && r != '_'))
        return buf_add(&x->out, at, w) ? -2 : 0;
    return xemit_rune(x, r);
}

/* \Q...\E: every rune literal (the last one takes a repetition). */
static int quoted_run(struct xlate *x)
{
    x->p += 2;
    while (x->p < x->end) {
        if (x->end - x->p >= 2 && x->p[0] == '\\' && x->p[1] == 'E') {
            x->p += 2;
            break;
        }
        uint32_t r;
        size_t w = utf8_decode(x->p, (size_t)(x->end - x->p), &r);
        if (emit_literal(x, r, x->p, w))
            return -2;
        x->p += w;
    }
    return 0;
}

/* escape -> '\' (assertion | perl-class | unicode-class | 'Q'...'\E' |
 *               char-escape) */
static int parse_escape(struct xlate *x)
{
    const char *bs = x->p;
    if (x->p + 1 >= x->end)
        return xfail(x, "trailing backslash at end of expression", "", 0);
    switch (x->p[1]) {
    case 'A':
    case 'z':
    case 'b':
    case 'B':
        if (xemit(x, "(?:") || buf_add(&x->out, x->p, 2) || xemit(x, ")"))
            return -2;
        x->p += 2;
        return 0;
    case 'd':
    case 'D':
    case 'w':
    case 'W':
        return copy_escape(x);
    case 's':
    case 'S':
        x->p += 2;
        return xemit(x, bs[1] == 's' ? "[\\t\\n\\f\\r ]" : "[^\\t\\n\\f\\r ]");
    case 'p':
    case 'P':
        x->p++;
        return unicode_class(x, bs);
    case 'Q':
        return quoted_run(x);
    default: {
        x->p++;
        int64_t r = char_escape(x, bs);
        return r < 0 ? -1 : xemit_rune(x, (uint32_t)r);
    }
    }
}

/* One step of: re -> { item [repeat] | '|' } */
static int xlate_step(struct xlate *x)
{
    const char *asrt = NULL;
    int rc = 0;
    switch (*x->p) {
    case '(':
        return open_group(x);
    case ')':
        return close_group(x);
    case '*':
    case '+':
    case '?':
    case '{':
        return repeat_op(x);
    case '|':
        x->p++;
        x->can_repeat = false;
        x->last_repeat = NULL;
        return xemit(x, "|");
    case '^':
        asrt = "(?:^)";
        break;
    case '$':
        asrt = "(?:$)";
        break;
    case '.':
        asrt = ".";
        break;
    case '[':
        rc = parse_class(x);
        break;
    case '\\':
        rc = parse_escape(x);
        break;
    default: {
        uint32_t r;
        size_t w = utf8_decode(x->p, (size_t)(x->end - x->p), &r);
        rc = emit_literal(x, r, x->p, w);
        x->p += w;
        break;
    }
    }
    if (asrt) {
        x->p++;
        rc = xemit(x, asrt);
    }
    x->can_repeat = true;
    x->last_repeat = NULL;
    return rc;
}

/* Translate a Go pattern.  0, -1 with Go's message in x->err, -2 on OOM. */
static int xlate_run(struct xlate *x)
{
    if (!utf8_valid(x->src, x->srclen))
        return xfail(x, "invalid UTF-8", x->src, x->srclen);
    while (x->p < x->end) {
        int rc = xlate_step(x);
        if (rc)
            return rc;
    }
    if (x->depth > 0)
        return xfail(x, "missing closing )", x->src, x->srclen);
    return 0;
}

/* ---- compiling and matching ---- */

static void *re_malloc(PCRE2_SIZE n, void *ud)
{
    (void)ud;
    return rn_malloc(n);
}

static void re_free(void *p, void *ud)
{
    (void)ud;
    rn_free(p);
}

static void gore_free(struct gore *re)
{
    pcre2_match_data_free(re->letter_md);
    pcre2_code_free(re->letter);
    pcre2_compile_context_free(re->cctx);
    pcre2_match_data_free(re->md);
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    pcre2_general_context_free(re->gctx);
    memset(re, 0, sizeof *re);
}

/* Hand the translated pattern to PCRE2. */
static int gore_build(struct tpl_fcall *c, struct gore *re, const char *pat,
                      size_t n, char *emsg, size_t emsz)
{
    const uint32_t opts = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY |
                          PCRE2_ALT_CIRCUMFLEX | PCRE2_NEVER_BACKSLASH_C;
    int ecode;
    PCRE2_SIZE eoff;
    re->gctx = pcre2_general_context_create(re_malloc, re_free, NULL);
    if (!re->gctx)
        return sprig_nomem(c);
    re->cctx = pcre2_compile_context_create(re->gctx);
    if (!re->cctx)
        return sprig_nomem(c);
    pcre2_set_newline(re->cctx, PCRE2_NEWLINE_LF);
    re->code = pcre2_compile((PCRE2_SPTR)pat, n, opts, &ecode, &eoff, re->cctx);
    if (!re->code) {
        PCRE2_UCHAR msg[160];
        if (ecode == PCRE2_ERROR_NOMEMORY || ecode == PCRE2_ERROR_HEAP_FAILED)
            return sprig_nomem(c);
        pcre2_get_error_message(ecode, msg, sizeof msg);
        snprintf(emsg, emsz, "error parsing regexp: %s: `%.*s`", msg,
                 (int)re->srclen, re->src);
        return RN_EEXEC;
    }
    re->md = pcre2_match_data_create_from_pattern(re->code, re->gctx);
    re->mctx = pcre2_match_context_create(re->gctx);
    if (!re->md || !re->mctx)
        return sprig_nomem(c);
    pcre2_set_match_limit(re->mctx, RE_MATCH_LIMIT);
    return RN_OK;
}

/* Compile Go pattern pat.  RN_OK; RN_EEXEC with Go's message in emsg (no
 * error set in c); RN_ENOMEM. */
static int gore_compile(struct tpl_fcall *c, struct val pat, struct gore *re,
                        char *emsg, size_t emsz)
{
    struct xlate x;
    memset(&x, 0, sizeof x);
    memset(re, 0, sizeof *re);
    x.src = x.p = val_str_ptr(pat);
    x.srclen = val_str_len(pat);
    x.end = x.p + x.srclen;
    x.a = c->arena;
    re->src = x.src;
    re->srclen = x.srclen;
    buf_init(&x.out, RN_BUF_DEFAULT_MAX);
    int rc = xlate_run(&x);
    if (rc == 0)
        rc = gore_build(c, re, x.out.len ? x.out.ptr : "", x.out.len, emsg,
                        emsz);
    else if (rc == -1) {
        snprintf(emsg, emsz, "%s", x.err);
        rc = RN_EEXEC;
    } else {
        rc = sprig_nomem(c);
    }
    buf_free(&x.out);
    re->ncap = x.ncap;
    re->names = x.names;
    if (rc)
        gore_free(re);
    return rc;
}

/* Make v the subject of the next searches. */
static int gore_subject(struct tpl_fcall *c, struct gore *re, struct val v)
{
    const char *s = val_str_ptr(v);
    size_t n = val_str_len(v), o = 0;
    re->subj = s;
    re->subjn = n;
    re->map = NULL;
    if (utf8_valid(s, n))
        return RN_OK;
    char *t = arena_alloc(c->arena, 3 * n + 1);
    size_t *map = arena_alloc(c->arena, (3 * n + 1) * sizeof *map);
    if (!t || !map)
        return sprig_nomem(c);
    for (size_t i = 0; i < n;) {
        size_t w = utf8_valid_len(s + i, n - i);
        const char *from = w ? s + i : "\xEF\xBF\xBD";
        size_t len = w ? w : 3;
        for (size_t k = 0; k < len; k++) {
            map[o] = i;
            t[o++] = from[k];
        }
        i += w ? w : 1;
    }
    map[o] = n;
    t[o] = '\0';
    re->subj = t;
    re->subjn = o;
    re->map = map;
    return RN_OK;
}

/* Search the subject from pos (context before pos still counts for \b and
 * ^).  1 with the match in re->md, 0 when none, -RN_EEXEC past the match
 * limit, -RN_ENOMEM. */
static int gore_exec(struct tpl_fcall *c, struct gore *re, size_t pos)
{
    /* the subject is valid UTF-8 and pos a rune boundary (gore_subject,
     * step_width), so PCRE2 need not check it again on every call */
    int rc = pcre2_match(re->code, (PCRE2_SPTR)re->subj, re->subjn, pos,
                         PCRE2_NO_UTF_CHECK, re->md, re->mctx);
    if (rc > 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_NOMEMORY)
        return -sprig_nomem(c);
    return -sprig_fail(c, "regexp: match limit exceeded");
}

/* Group g of the last match in subject offsets (PCRE2_UNSET if unset). */
static size_t raw_start(const struct gore *re, uint32_t g)
{
    return pcre2_get_ovector_pointer(re->md)[2 * g];
}

static size_t raw_end(const struct gore *re, uint32_t g)
{
    return pcre2_get_ovector_pointer(re->md)[2 * g + 1];
}

/* Group g of the last match in the caller's offsets. */
static size_t gore_start(const struct gore *re, uint32_t g)
{
    size_t off = raw_start(re, g);
    return re->map ? re->map[off] : off;
}

static size_t gore_end(const struct gore *re, uint32_t g)
{
    size_t off = raw_end(re, g);
    return re->map ? re->map[off] : off;
}

static bool gore_set(const struct gore *re, uint32_t g)
{
    return g <= re->ncap && raw_start(re, g) != PCRE2_UNSET;
}

/* Width of the rune at s[pos] the way Go steps over it (1 at the end). */
static size_t step_width(const char *s, size_t n, size_t pos)
{
    uint32_t r;
    return pos < n ? utf8_decode(s + pos, n - pos, &r) : 1;
}

typedef int match_fn(struct tpl_fcall *c, void *ud, size_t beg, size_t end);

/* Go's allMatches over the subject: up to limit matches (all when
 * limit < 0), skipping an empty match that touches the previous match,
 * stepping one rune past empty matches.  fn gets the caller's offsets. */
static int gore_each(struct tpl_fcall *c, struct gore *re, int64_t limit,
                     match_fn *fn, void *ud)
{
    size_t pos = 0, prev_end = (size_t)-1, n = re->subjn;
    for (int64_t i = 0; (limit < 0 || i < limit) && pos <= n;) {
        int rc = gore_exec(c, re, pos);
        if (rc <= 0)
            return -rc;
        size_t b = raw_start(re, 0), e = raw_end(re, 0);
        bool accept = true;
        if (e == pos) {
            accept = b != prev_end;
            pos += step_width(re->subj, n, pos);
        } else {
            pos = e;
        }
        prev_end = e;
        if (accept) {
            i++;
            rc = fn(c, ud, gore_start(re, 0), gore_end(re, 0));
            if (rc)
                return rc;
        }
    }
    return RN_OK;
}

/* ---- the template functions ---- */

static const char must_marker = 1;
#define MUST ((void *)&must_marker)

/* Go's CanBackquote: no backquote, no control character but tab, valid
 * UTF-8, no BOM. */
static bool can_backquote(const char *s, size_t n)
{
    if (!utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '`' || ch == 0x7f || (ch < ' ' && ch != '\t'))
            return false;
        if (ch == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB &&
            (unsigned char)s[i + 2] == 0xBF)
            return false;
    }
    return true;
}

/* A compile error: the must* forms return Go's error; the others panic
 * the way regexp.MustCompile does. */
static int compile_error(struct tpl_fcall *c, struct val pat, const char *emsg)
{
    if (c->ud == MUST)
        return sprig_fail(c, "%s", emsg);
    const char *s = val_str_ptr(pat);
    size_t n = val_str_len(pat);
    if (can_backquote(s, n))
        return sprig_fail(c, "regexp: Compile(`%.*s`): %s", (int)n, s, emsg);
    struct buf q;
    buf_init(&q, 4096);
    int rc = gofmt_quote(&q, s, n, 0);
    rc = rc ? sprig_nomem(c)
            : sprig_fail(c, "regexp: Compile(%s): %s", buf_str(&q), emsg);
    buf_free(&q);
    return rc;
}

/* Compile argv[0]; on failure the error is already reported. */
static int compile_arg(struct tpl_fcall *c, struct val pat, struct gore *re)
{
    char emsg[256];
    int rc = gore_compile(c, pat, re, emsg, sizeof emsg);
    if (rc == RN_EEXEC)
        return compile_error(c, pat, emsg);
    return rc;
}

/* regexMatch re s (false on a bad pattern) / mustRegexMatch re s */
static int f_match(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct gore re;
    char emsg[256];
    (void)argc;
    int rc = gore_compile(c, argv[0], &re, emsg, sizeof emsg);
    if (rc == RN_EEXEC && c->ud != MUST) {
        *out = val_bool(false);
        return RN_OK;
    }
    if (rc == RN_EEXEC)
        return sprig_fail(c, "%s", emsg);
    if (rc)
        return rc;
    rc = gore_subject(c, &re, argv[1]);
    rc = rc ? -rc : gore_exec(c, &re, 0);
    gore_free(&re);
    if (rc < 0)
        return -rc;
    *out = val_bool(rc == 1);
    return RN_OK;
}

/* regexFind re s: the leftmost match or "". */
static int f_find(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    struct gore re;
    const char *s = val_str_ptr(argv[1]);
    (void)argc;
    int rc = compile_arg(c, argv[0], &re);
    if (rc)
        return rc;
    rc = gore_subject(c, &re, argv[1]);
    rc = rc ? -rc : gore_exec(c, &re, 0);
    if (rc == 1) {
        size_t b = gore_start(&re, 0), e = gore_end(&re, 0);
        rc = sprig_out_str(c, s + b, e - b, out);
    } else if (rc == 0) {
        *out = val_str("", 0);
    } else {
        rc = -rc;
    }
    gore_free(&re);
    return rc;
}

struct collect {
    struct val_list *l;
    const char *s;
};

static int collect_match(struct tpl_fcall *c, void *ud, size_t beg, size_t end)
{
    struct collect *k = ud;
    struct val v;
    int rc = sprig_out_str(c, k->s + beg, end - beg, &v);
    return rc ? rc : sprig_list_push(c, k->l, v);
}

/* regexFindAll re s n: []string of up to n matches (n < 0: all); nil
 * (printed []) when there are none or n == 0. */
static int f_find_all(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct gore re;
    struct collect k = {sprig_list_alloc(c, 0), val_str_ptr(argv[1])};
    int64_t limit = val_int_of(argv[2]);
    (void)argc;
    if (!k.l)
        return sprig_nomem(c);
    int rc = compile_arg(c, argv[0], &re);
    if (rc)
        return rc;
    if (limit != 0)
        rc = gore_subject(c, &re, argv[1]);
    if (limit != 0 && !rc)
        rc = gore_each(c, &re, limit, collect_match, &k);
    gore_free(&re);
    *out = val_list(k.l, GT_LIST_STRING);
    if (k.l->len == 0)
        out->flags |= VAL_F_NILPTR;
    return rc;
}

struct splitter {
    struct val_list *l;
    const char *s;
    int64_t n;
    size_t beg, end;
    bool done;
};

static int split_match(struct tpl_fcall *c, void *ud, size_t beg, size_t end)
{
    struct splitter *k = ud;
    struct val v;
    if (k->done || (k->n > 0 && (int64_t)k->l->len == k->n - 1)) {
        k->done = true;
        return RN_OK;
    }
    k->end = beg;
    if (end != 0) {
        int rc = sprig_out_str(c, k->s + k->beg, k->end - k->beg, &v);
        if (rc || (rc = sprig_list_push(c, k->l, v)))
            return rc;
    }
    k->beg = end;
    return RN_OK;
}

/* regexSplit re s n: Go's Regexp.Split. */
static int f_split(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct gore re;
    struct splitter k = {sprig_list_alloc(c, 0),
                         val_str_ptr(argv[1]),
                         val_int_of(argv[2]),
                         0,
                         0,
                         false};
    size_t n = val_str_len(argv[1]);
    struct val v;
    (void)argc;
    if (!k.l)
        return sprig_nomem(c);
    int rc = compile_arg(c, argv[0], &re);
    if (rc)
        return rc;
    *out = val_list(k.l, GT_LIST_STRING);
    if (k.n == 0) {
        out->flags |= VAL_F_NILPTR;
    } else if (val_str_len(argv[0]) > 0 && n == 0) {
        rc = sprig_list_push(c, k.l, val_str("", 0));
    } else {
        rc = gore_subject(c, &re, argv[1]);
        rc = rc ? rc : gore_each(c, &re, k.n, split_match, &k);
        if (!rc && k.end != n &&
            !(rc = sprig_out_str(c, k.s + k.beg, n - k.beg, &v)))
            rc = sprig_list_push(c, k.l, v);
    }
    gore_free(&re);
    return rc;
}

/* Is the rune at t[0..w) one Go's unicode.IsLetter or IsDigit accepts (or
 * '_')?  Above ASCII PCRE2's Unicode tables answer, through a small
 * pattern compiled on first use; without memory for it, any non-ASCII
 * rune counts as a letter. */
static bool name_rune(struct gore *re, const char *t, size_t w, uint32_t r)
{
    if (r < 0x80)
        return is_word((unsigned char)r);
    if (!re->letter) {
        static const char pat[] = "\\A[\\p{L}\\p{Nd}]";
        int ecode;
        PCRE2_SIZE eoff;
        re->letter = pcre2_compile((PCRE2_SPTR)pat, sizeof pat - 1,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ecode,
                                   &eoff, re->cctx);
        if (re->letter)
            re->letter_md =
                pcre2_match_data_create_from_pattern(re->letter, re->gctx);
    }
    if (!re->letter || !re->letter_md)
        return true;
    return pcre2_match(re->letter, (PCRE2_SPTR)t, w, 0, 0, re->letter_md,
                       NULL) > 0;
}

/* Go's extract: the group reference after '$' at t[0]: name span and
 * length consumed, or false when the '$' is literal. */
static bool expand_ref(struct gore *re, const char *t, size_t n,
                       const char **name, size_t *nlen, size_t *used)
{
    size_t i = 1;
    bool brace = n >= 2 && t[1] == '{';
    if (n < 2)
        return false;
    i += brace;
    size_t start = i;
    while (i < n) {
        uint32_t r;
        size_t w = utf8_decode(t + i, n - i, &r);
        if (!name_rune(re, t + i, w, r))
            break;
        i += w;
    }
    if (i == start)
        return false;
    *name = t + start;
    *nlen = i - start;
    if (brace) {
        if (i >= n || t[i] != '}')
            return false;
        i++;
    }
    *used = i;
    return true;
}

/* The group a reference names: a number (no leading zeros, < 1e8) or a
 * group name; -1 when there is none. */
static int64_t expand_group(const struct gore *re, const char *name, size_t n)
{
    int64_t num = 0;
    for (size_t i = 0; i < n && num >= 0; i++) {
        if (name[i] < '0' || name[i] > '9' || num >= 100000000)
            num = -1;
        else
            num = num * 10 + (name[i] - '0');
    }
    if (n > 1 && name[0] == '0')
        num = -1;
    if (num >= 0)
        return num;
    for (uint32_t g = 1; g <= re->ncap; g++) {
        if (re->names[g] && strlen(re->names[g]) == n &&
            memcmp(re->names[g], name, n) == 0 && gore_set(re, g))
            return g;
    }
    return -1;
}

/* Go's Regexp.Expand of template t against the current match in s. */
static int expand(struct buf *b, struct gore *re, const char *t, size_t tn,
                  const char *s)
{
    while (tn > 0) {
        const char *d = memchr(t, '$', tn);
        if (!d)
            break;
        if (buf_add(b, t, (size_t)(d - t)))
            return -1;
        tn -= (size_t)(d - t);
        t = d;
        const char *name;
        size_t nlen, used;
        if (tn > 1 && t[1] == '$') {
            used = 2;
            if (buf_add_char(b, '$'))
                return -1;
        } else if (!expand_ref(re, t, tn, &name, &nlen, &used)) {
            used = 1;
            if (buf_add_char(b, '$'))
                return -1;
        } else {
            int64_t g = expand_group(re, name, nlen);
            if (g >= 0 && gore_set(re, (uint32_t)g) &&
                buf_add(b, s + gore_start(re, (uint32_t)g),
                        gore_end(re, (uint32_t)g) -
                            gore_start(re, (uint32_t)g)))
                return -1;
        }
        t += used;
        tn -= used;
    }
    return buf_add(b, t, tn) ? -1 : 0;
}

/* Go's replaceAll loop: every match replaced by repl (expanded unless
 * literal), no replacement for an empty match right after a match. */
static int replace_all(struct tpl_fcall *c, struct gore *re, struct val src,
                       struct val repl, bool literal, struct buf *b)
{
    const char *s = val_str_ptr(src);
    size_t n = val_str_len(src), last = 0, pos = 0;
    int rc = gore_subject(c, re, src);
    if (rc)
        return rc;
    while (pos <= re->subjn) {
        rc = gore_exec(c, re, pos);
        if (rc < 0)
            return -rc;
        if (rc == 0)
            break;
        size_t mb = gore_start(re, 0), me = gore_end(re, 0);
        if (buf_add(b, s + last, mb - last))
            return sprig_nomem(c);
        if (me > last || mb == 0) {
            int e = literal ? buf_add(b, val_str_ptr(repl), val_str_len(repl))
                            : expand(b, re, val_str_ptr(repl),
                                     val_str_len(repl), s);
            if (e)
                return sprig_nomem(c);
        }
        last = me;
        size_t w = step_width(re->subj, re->subjn, pos), rend = raw_end(re, 0);
        pos = pos + w > rend ? pos + w : rend;
    }
    return buf_add(b, s + last, n - last) ? sprig_nomem(c) : RN_OK;
}

/* regexReplaceAll re s repl / regexReplaceAllLiteral re s repl; ud of the
 * literal forms points at literal_marker. */
static const char literal_marker = 1;
static const char must_literal_marker = 1;

static int f_replace(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct gore re;
    struct buf b;
    bool literal = c->ud == &literal_marker || c->ud == &must_literal_marker;
    void *ud = c->ud;
    (void)argc;
    if (ud == &must_literal_marker)
        c->ud = MUST;
    int rc = compile_arg(c, argv[0], &re);
    c->ud = ud;
    if (rc)
        return rc;
    buf_init(&b, RN_TPL_MAX_OUTPUT);
    rc = replace_all(c, &re, argv[1], argv[2], literal, &b);
    if (!rc)
        rc = sprig_out_str(c, buf_str(&b), b.len, out);
    buf_free(&b);
    gore_free(&re);
    return rc;
}

/* regexQuoteMeta s: Go's regexp.QuoteMeta. */
static int f_quote_meta(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    const char *s = val_str_ptr(argv[0]);
    size_t n = val_str_len(argv[0]), len = 0;
    (void)argc;
    char *p = arena_alloc(c->arena, 2 * n + 1);
    if (!p)
        return sprig_nomem(c);
    for (size_t i = 0; i < n; i++) {
        if (s[i] && strchr("\\.+*?()|[]{}^$", s[i]))
            p[len++] = '\\';
        p[len++] = s[i];
    }
    p[len] = '\0';
    *out = val_str(p, len);
    return RN_OK;
}

static const struct tpl_func_def regex_funcs[] = {
    {"regexMatch", f_match, "ss", NULL},
    {"mustRegexMatch", f_match, "ss", MUST},
    {"regexFindAll", f_find_all, "ssi", NULL},
    {"mustRegexFindAll", f_find_all, "ssi", MUST},
    {"regexFind", f_find, "ss", NULL},
    {"mustRegexFind", f_find, "ss", MUST},
    {"regexReplaceAll", f_replace, "sss", NULL},
    {"mustRegexReplaceAll", f_replace, "sss", MUST},
    {"regexReplaceAllLiteral", f_replace, "sss", (void *)&literal_marker},
    {"mustRegexReplaceAllLiteral", f_replace, "sss",
     (void *)&must_literal_marker},
    {"regexSplit", f_split, "ssi", NULL},
    {"mustRegexSplit", f_split, "ssi", MUST},
    {"regexQuoteMeta", f_quote_meta, "s", NULL},
};

SPRIG_GROUP(regex, regex_funcs);
