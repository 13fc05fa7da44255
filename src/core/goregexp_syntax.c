/*
 * goregexp_syntax.c: Go's RE2 syntax, checked and translated to PCRE2
 * (goregexp.h).
 *
 * The walk accepts exactly what Go's regexp/syntax accepts, rejecting what
 * Go rejects (backreferences, lookaround, possessive and nested repeats,
 * unknown escapes such as \C and \Z, bad flags) with Go's error text, and
 * writes an equivalent PCRE2 pattern: Go's \s becomes [\t\n\f\r ] (PCRE2's
 * would take \v too), \v is the VT character, octal escapes and every
 * non-word literal are written as \x{...}, named groups become plain
 * groups whose names are kept for ${name} expansion, and zero-width
 * assertions are wrapped in (?:...) because Go lets them be repeated.
 *
 * Known divergences (docs/reference/regexp.md):
 *  - Unicode class names (\p{...}) are checked by PCRE2, whose set differs
 *    slightly from Go's (e.g. \p{L&} is accepted here), and (?i) does not
 *    widen them: Go's (?i)\p{Lu} also matches "a".
 *  - Go's limit on the size of a compiled program is not reproduced.
 *  - A repetition right after a flag group (a(?i)* repeats the a in Go)
 *    is rejected as a missing argument.
 */
#include "goregexp_int.h"

#include "arena.h"
#include "codec.h"
#include "limits.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Translator state: Go pattern in, PCRE2 pattern out. */
struct xlate {
    const char *p, *end, *src;
    size_t srclen;
    struct buf out;
    struct arena *a;
    int depth;
    bool can_repeat;         /* the previous item takes a repetition */
    const char *last_repeat; /* start of the previous repetition, or NULL */
    bool literal;            /* nothing but literal text and '|' so far */
    /* Go's repeatIsValid, as a size: the smallest budget n for which the
     * last item's nested counted repeats fit (each {m} divides n by m),
     * and for each open group the largest such need inside it */
    int64_t item_need;
    int64_t group_need[GORE_MAX_NEST + 2];
    uint32_t ncap, namecap;
    const char **names;
    char *err;
    size_t errsz;
};

/* ---- translation: errors ---- */

static int xfail(struct xlate *x, const char *code, const char *expr, size_t n)
{
    snprintf(x->err, x->errsz, "error parsing regexp: %s: `%.*s`", code, (int)n,
             expr);
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

/* The end of the rune at p (p itself at the end of the pattern). */
static const char *rune_end(const char *p, const char *end)
{
    uint32_t r;
    return p < end ? p + utf8_decode(p, (size_t)(end - p), &r) : p;
}

/* \x41 or \x{10FFFF} after the "\x" at *pp.  On a malformed escape, -1
 * with *pp where Go stopped reading (its error quotes up to there): past
 * the rune that is not a hex digit, the digit that overflows, or the
 * closing brace of an empty \x{}. */
static int64_t parse_hex_escape(const char **pp, const char *end)
{
    const char *p = *pp;
    int64_t r = 0;
    if (p < end && *p == '{') {
        int nd = 0;
        for (p++; p < end && *p != '}'; p = rune_end(p, end), nd++) {
            int v = codec_hexval(*p);
            r = r * 16 + v;
            if (v < 0 || r > UTF8_MAX_RUNE) {
                *pp = rune_end(p, end);
                return -1;
            }
        }
        *pp = p < end ? p + 1 : p;
        return nd == 0 || p >= end ? -1 : r;
    }
    const char *q = rune_end(p, end);
    *pp = rune_end(q, end);
    if (q - p != 1 || *pp - q != 1 || codec_hexval(p[0]) < 0 ||
        codec_hexval(q[0]) < 0)
        return -1;
    return codec_hexval(p[0]) * 16 + codec_hexval(q[0]);
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
        xfail(x, "invalid escape sequence", bs, (size_t)(x->p - bs));
        return -1;
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

/* The names \p{...} takes, as Go 1.19's unicode tables (Unicode 13)
 * have them: "Any", the general categories Go lists (no Cn, no LC) and
 * the scripts; sorted for bsearch.  Matching is left to PCRE2. */
static const char *const unicode_names[] = {
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Any",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "C",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Cc",
    "Cf",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Co",
    "Common",
    "Coptic",
    "Cs",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "L",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Ll",
    "Lm",
    "Lo",
    "Lt",
    "Lu",
    "Lycian",
    "Lydian",
    "M",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Mc",
    "Me",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Mn",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "N",
    "Nabataean",
    "Nandinagari",
    "Nd",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nl",
    "No",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "P",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Pc",
    "Pd",
    "Pe",
    "Pf",
    "Phags_Pa",
    "Phoenician",
    "Pi",
    "Po",
    "Ps",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "S",
    "Samaritan",
    "Saurashtra",
    "Sc",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sk",
    "Sm",
    "So",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Z",
    "Zanabazar_Square",
    "Zl",
    "Zp",
    "Zs",
};

struct name_key {
    const char *p;
    size_t n;
};

static int cmp_name(const void *key, const void *item)
{
    const struct name_key *k = key;
    const char *name = *(const char *const *)item;
    size_t len = strlen(name);
    int c = memcmp(k->p, name, k->n < len ? k->n : len);
    return c ? c : (k->n > len) - (k->n < len);
}

/* Whether Go knows the class name p[0..n) (a leading ^ negates). */
static bool unicode_name_ok(const char *p, size_t n)
{
    struct name_key k = {p, n};
    if (n > 0 && *p == '^')
        k.p++, k.n--;
    return bsearch(&k, unicode_names,
                   sizeof unicode_names / sizeof *unicode_names,
                   sizeof *unicode_names, cmp_name) != NULL;
}

/* \pL, \p{Greek}, \P{^Greek}: checked against Go's names, then copied
 * through (x->p at the 'p'/'P'). */
static int unicode_class(struct xlate *x, const char *bs)
{
    const char *p = x->p + 1, *name = p;
    size_t n;
    if (p < x->end && *p == '{') {
        const char *close = memchr(p, '}', (size_t)(x->end - p));
        if (!close)
            return xfail(x, "invalid character class range", bs,
                         (size_t)(x->end - bs));
        name = p + 1;
        n = (size_t)(close - name);
        p = close + 1;
    } else {
        p = rune_end(p, x->end);
        n = (size_t)(p - name);
    }
    if (!unicode_name_ok(name, n))
        return xfail(x, "invalid character class range", bs, (size_t)(p - bs));
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
    if (++x->depth > GORE_MAX_NEST)
        return xfail(x, "expression nests too deeply", x->src, x->srclen);
    x->group_need[x->depth] = 0;
    return xemit(x, "(");
}

/* (?P<name>re), x->p at the '(' and q at the '<'. */
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
            if (++x->depth > GORE_MAX_NEST)
                return xfail(x, "expression nests too deeply", x->src,
                             x->srclen);
            x->group_need[x->depth] = 0;
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
        /* Go 1.19 knows only the (?P<name> form, and needs a rune
         * after it; (?<name> fails as a flag group would */
        if (x->end - x->p > 4 && q[0] == 'P' && q[1] == '<')
            return named_group(x, q + 1);
        return flag_group(x);
    }
    x->p++;
    return add_group(x, NULL);
}

static int close_group(struct xlate *x)
{
    if (x->depth == 0)
        return xfail(x, "unexpected )", x->src, x->srclen);
    x->item_need = x->group_need[x->depth--];
    if (x->item_need > x->group_need[x->depth])
        x->group_need[x->depth] = x->item_need;
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

/* Go's repeatIsValid for {min,max} over the last item: with m the count
 * that bounds it (max, or min for {min,}), the item needs a budget of
 * max(m, m * its inner need), which must stay within 1000 copies when
 * the repeat makes two or more. */
static bool repeat_fits(struct xlate *x, int min, int max)
{
    int64_t m = max < 0 ? min : max;
    int64_t need = x->item_need * m > m ? x->item_need * m : m;
    if (m == 0)
        need = 0;
    if ((min >= 2 || max >= 2) && need > GORE_MAX_REPEAT)
        return false;
    x->item_need = need > GORE_MAX_REPEAT ? GORE_MAX_REPEAT + 1 : need;
    if (x->item_need > x->group_need[x->depth])
        x->group_need[x->depth] = x->item_need;
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
        x->item_need = 0;
        return xemit(x, "\\{");
    }
    if (brace && (min < 0 || min > GORE_MAX_REPEAT || max > GORE_MAX_REPEAT ||
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
    if (brace && !repeat_fits(x, min, max))
        return xfail(x, "invalid repeat count", start, (size_t)(after - start));
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
    if (*x->p != '|' && strchr("()*+?{^$.[\\", *x->p))
        x->literal = false;
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
        if (r == UTF8_RUNE_ERROR)
            x->literal = false; /* it also stands for each invalid byte */
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
    x->item_need = 0;
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

/* See goregexp_int.h. */
int gore_translate(const char *pat, size_t n, struct arena *a,
                   struct gore_xlat *out, char *err, size_t errsz)
{
    struct xlate x;
    memset(&x, 0, sizeof x);
    x.src = x.p = pat;
    x.srclen = n;
    x.end = pat + n;
    x.a = a;
    x.literal = true;
    x.err = err;
    x.errsz = errsz;
    buf_init(&x.out, RN_BUF_DEFAULT_MAX);
    int rc = xlate_run(&x);
    out->out = x.out;
    out->ncap = x.ncap;
    out->names = x.names;
    out->literal_alts = x.literal;
    return rc;
}
