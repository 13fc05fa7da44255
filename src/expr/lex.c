/*
 * lex.c: the expr tokenizer.
 *
 * It reproduces expr's lexer token for token, because the parser's errors
 * ("unexpected token Operator(\"=\")") and quirks depend on them: `===`
 * lexes as `==` `=`, `not in` is two tokens, `1..2` is a number and a
 * range operator, `#index` is `#` then an identifier.  Strings are
 * unescaped here, with expr's escapes (\x and octal escapes produce the
 * UTF-8 encoding of that code point).
 */
#include "expr_int.h"

#include "../core/codec.h"
#include "../core/utf8.h"

#include <stdio.h>
#include <string.h>

struct lexer {
    struct arena *a;
    const char *src;
    size_t n, pos, start;
    struct token *toks;
    size_t ntok, cap;
    char *msg;
    size_t msgsz;
    uint32_t errpos;
    int failed;
};

static uint32_t peek_rune(const struct lexer *l, size_t at, size_t *w)
{
    uint32_t r;
    if (at >= l->n) {
        *w = 0;
        return 0xFFFFFFFFu;
    }
    *w = utf8_decode(l->src + at, l->n - at, &r);
    return r;
}

static bool is_space(uint32_t r)
{
    return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 ||
           r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 ||
           r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}

static bool is_alpha(uint32_t r)
{
    if (r < 0x80)
        return r == '_' || r == '$' || (r >= 'a' && r <= 'z') ||
               (r >= 'A' && r <= 'Z');
    /* Outside ASCII, the blocks that are (almost) all letters, as an
     * approximation of unicode.IsLetter: Latin to Greek extended,
     * kana/CJK/Hangul, CJK compatibility and the supplementary CJK planes.
     * Symbols, punctuation and emoji are not letters. */
    if (r >= 0xc0 && r <= 0x1fff)
        return r != 0xd7 && r != 0xf7 && !(r >= 0x2b0 && r <= 0x36f);
    return (r >= 0x3040 && r <= 0xd7af) || (r >= 0xf900 && r <= 0xfaff) ||
           (r >= 0x20000 && r <= 0x3ffff) || r == 0xaa || r == 0xb5 ||
           r == 0xba;
}

static bool is_alnum(uint32_t r)
{
    return is_alpha(r) || (r >= '0' && r <= '9');
}

static int fail(struct lexer *l, size_t at, const char *fmt, const char *arg)
{
    if (!l->failed) {
        l->failed = 1;
        l->errpos = (uint32_t)at;
        snprintf(l->msg, l->msgsz, fmt, arg);
    }
    return -1;
}

static int emit_val(struct lexer *l, int kind, const char *s, size_t n)
{
    if (l->ntok == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        struct token *t =
            arena_grow(l->a, l->toks, l->cap * sizeof *t, nc * sizeof *t);
        if (!t)
            return fail(l, l->start, "%s", "out of memory");
        l->toks = t;
        l->cap = nc;
    }
    struct token *t = &l->toks[l->ntok++];
    t->kind = (uint8_t)kind;
    t->pos = (uint32_t)l->start;
    t->s = s;
    t->n = (uint32_t)n;
    l->start = l->pos;
    return 0;
}

static int emit(struct lexer *l, int kind)
{
    return emit_val(l, kind, l->src + l->start, l->pos - l->start);
}

static bool accept(struct lexer *l, const char *set)
{
    if (l->pos < l->n && l->src[l->pos] && strchr(set, l->src[l->pos])) {
        l->pos++;
        return true;
    }
    return false;
}

static void accept_run(struct lexer *l, const char *set)
{
    while (accept(l, set))
        ;
}

/* number: digits with an optional base prefix, fraction and exponent. */
static int lex_number(struct lexer *l)
{
    const char *digits = "0123456789_";
    if (accept(l, "0")) {
        if (accept(l, "xX"))
            digits = "0123456789abcdefABCDEF_";
        else if (accept(l, "oO"))
            digits = "01234567_";
        else if (accept(l, "bB"))
            digits = "01_";
    }
    accept_run(l, digits);
    size_t end = l->pos;
    if (accept(l, ".")) {
        if (l->pos < l->n && l->src[l->pos] == '.') {
            l->pos = end;
            return emit(l, TK_NUMBER);
        }
        accept_run(l, digits);
    }
    if (accept(l, "eE")) {
        accept(l, "+-");
        accept_run(l, digits);
    }
    size_t w;
    if (is_alnum(peek_rune(l, l->pos, &w))) {
        l->pos += w;
        char buf[64];
        size_t k = l->pos - l->start;
        snprintf(buf, sizeof buf, "\"%.*s\"", (int)(k > 50 ? 50 : k),
                 l->src + l->start);
        return fail(l, l->pos - 1, "bad number syntax: %s", buf);
    }
    return emit(l, TK_NUMBER);
}

/* One escape after a backslash at s[i]; appends to out; returns the
 * bytes consumed (after the backslash) or 0 when invalid. */
static size_t unescape_one(const char *s, size_t n, char quote, char *out,
                           size_t *olen)
{
    static const char simple[] = "abfnrtv\\";
    static const char mapped[] = "\a\b\f\n\r\t\v\\";
    if (n == 0)
        return 0;
    char c = s[0];
    const char *p = strchr(simple, c);
    if (c && p) {
        out[(*olen)++] = mapped[p - simple];
        return 1;
    }
    if (c == quote) {
        out[(*olen)++] = c;
        return 1;
    }
    size_t digits = 0;
    int base = 16;
    size_t skip = 1;
    if (c == 'x')
        digits = 2;
    else if (c == 'u')
        digits = 4;
    else if (c == 'U')
        digits = 8;
    else if (c >= '0' && c <= '7')
        digits = 3, base = 8, skip = 0;
    else
        return 0;
    if (n < skip + digits)
        return 0;
    uint32_t v = 0;
    for (size_t j = 0; j < digits; j++) {
        int d = codec_hexval(s[skip + j]);
        if (d < 0 || d >= base)
            return 0;
        v = v * (uint32_t)base + (uint32_t)d;
    }
    if (v > UTF8_MAX_RUNE)
        return 0;
    *olen += utf8_encode(out + *olen, v);
    return skip + digits;
}

/* string: '...' or "..." with escapes; no raw newline inside. */
static int lex_string(struct lexer *l, char quote)
{
    size_t cap = (l->n - l->pos) * 2 + 4;
    char *out = arena_alloc(l->a, cap);
    size_t olen = 0;
    if (!out)
        return fail(l, l->start, "%s", "out of memory");
    for (;;) {
        if (l->pos >= l->n || l->src[l->pos] == '\n')
            return fail(l, l->pos, "%s", "literal not terminated");
        char c = l->src[l->pos++];
        if (c == quote)
            break;
        if (c == '\r') {
            out[olen++] = '\n';
            if (l->pos < l->n && l->src[l->pos] == '\n')
                l->pos++;
            continue;
        }
        if (c != '\\') {
            out[olen++] = c;
            continue;
        }
        size_t k =
            unescape_one(l->src + l->pos, l->n - l->pos, quote, out, &olen);
        if (!k)
            return fail(l, l->pos, "%s", "invalid char escape");
        l->pos += k;
    }
    out[olen] = 0;
    return emit_val(l, TK_STRING, out, olen);
}

static int lex_raw(struct lexer *l)
{
    const char *p = memchr(l->src + l->pos, '`', l->n - l->pos);
    if (!p) {
        l->pos = l->n;
        return fail(l, l->n, "%s", "literal not terminated");
    }
    size_t b = l->pos;
    l->pos = (size_t)(p - l->src) + 1;
    char *s = arena_strndup(l->a, l->src + b, (size_t)(p - l->src) - b);
    if (!s)
        return fail(l, l->start, "%s", "out of memory");
    return emit_val(l, TK_STRING, s, strlen(s));
}

static bool word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && memcmp(s, w, n) == 0;
}

static bool is_word_op(const char *s, size_t n)
{
    static const char *const ops[] = {"in",       "or",       "and",
                                      "matches",  "contains", "startsWith",
                                      "endsWith", "let",      NULL};
    for (int i = 0; ops[i]; i++)
        if (word_is(s, n, ops[i]))
            return true;
    return false;
}

static void scan_word(struct lexer *l)
{
    size_t w;
    while (is_alnum(peek_rune(l, l->pos, &w)))
        l->pos += w;
}

/* identifier, keyword operator, or `not` (+ a following in/matches/...) */
static int lex_ident(struct lexer *l)
{
    scan_word(l);
    const char *s = l->src + l->start;
    size_t n = l->pos - l->start;
    if (!word_is(s, n, "not"))
        return emit(l, is_word_op(s, n) ? TK_OP : TK_IDENT);
    if (emit(l, TK_OP))
        return -1;
    while (l->pos < l->n && l->src[l->pos] == ' ')
        l->pos++;
    l->start = l->pos;
    scan_word(l);
    s = l->src + l->start;
    n = l->pos - l->start;
    if (n && is_word_op(s, n) && !word_is(s, n, "or") &&
        !word_is(s, n, "and") && !word_is(s, n, "let"))
        return emit(l, TK_OP);
    l->pos = l->start;
    return 0;
}

static int lex_comment(struct lexer *l)
{
    if (accept(l, "/")) {
        while (l->pos < l->n && l->src[l->pos] != '\n')
            l->pos++;
        if (l->pos < l->n)
            l->pos++;
    } else {
        l->pos++; /* the '*' */
        const char *end = NULL;
        for (size_t i = l->pos; i + 1 < l->n; i++)
            if (l->src[i] == '*' && l->src[i + 1] == '/') {
                end = l->src + i;
                break;
            }
        if (!end)
            return fail(l, l->n, "%s", "unclosed comment");
        l->pos = (size_t)(end - l->src) + 2;
    }
    l->start = l->pos;
    return 0;
}

static int lex_pointer(struct lexer *l)
{
    if (emit(l, TK_OP))
        return -1;
    scan_word(l);
    if (l->pos > l->start)
        return emit(l, TK_IDENT);
    return 0;
}

static int lex_punct(struct lexer *l, char c)
{
    switch (c) {
    case '?':
        accept(l, ".?");
        return emit(l, TK_OP);
    case '/':
        if (l->pos < l->n && (l->src[l->pos] == '/' || l->src[l->pos] == '*'))
            return lex_comment(l);
        return emit(l, TK_OP);
    case '#':
        return lex_pointer(l);
    case '|':
        accept(l, "|");
        return emit(l, TK_OP);
    case ':':
        accept(l, ":");
        return emit(l, TK_OP);
    case '(':
    case '[':
    case '{':
    case ')':
    case ']':
    case '}':
        return emit(l, TK_BRACKET);
    case ',':
    case ';':
    case '%':
    case '+':
    case '-':
    case '^':
        return emit(l, TK_OP);
    case '&':
    case '!':
    case '=':
    case '*':
    case '<':
    case '>':
        accept(l, "&=*");
        return emit(l, TK_OP);
    case '.':
        if (l->pos < l->n && l->src[l->pos] >= '0' && l->src[l->pos] <= '9')
            return lex_number(l);
        accept(l, ".");
        return emit(l, TK_OP);
    default:
        return 1;
    }
}

static int lex_one(struct lexer *l)
{
    size_t w;
    uint32_t r = peek_rune(l, l->pos, &w);
    if (is_space(r)) {
        l->pos += w;
        l->start = l->pos;
        return 0;
    }
    if (r == '\'' || r == '"') {
        l->pos++;
        return lex_string(l, (char)r);
    }
    if (r == '`') {
        l->pos++;
        return lex_raw(l);
    }
    if (r >= '0' && r <= '9')
        return lex_number(l);
    if (is_alpha(r))
        return lex_ident(l);
    if (r < 0x80) {
        l->pos++;
        int rc = lex_punct(l, (char)r);
        if (rc <= 0)
            return rc;
        l->pos--;
    }
    char buf[64];
    char enc[5] = {0};
    utf8_encode(enc, r);
    snprintf(buf, sizeof buf, "U+%04X '%s'", r, enc);
    return fail(l, l->pos, "unrecognized character: %s", buf);
}

/* Tokenises src[0..n) into *out (allocated in a), ending with an EOF
 * token; on a lexical error writes msg and the byte position and returns
 * -1. */
int expr_lex(struct arena *a, const char *src, size_t n, struct token **out,
             size_t *ntok, char *msg, size_t msgsz, uint32_t *pos)
{
    struct lexer l = {.a = a, .src = src, .n = n, .msg = msg, .msgsz = msgsz};
    while (l.pos < l.n) {
        if (lex_one(&l)) {
            *pos = l.errpos;
            return -1;
        }
    }
    /* EOF sits on the last character, as expr reports it */
    size_t last = n;
    while (last > 0) {
        last--;
        if (((unsigned char)src[last] & 0xc0) != 0x80)
            break;
    }
    l.start = last;
    if (emit_val(&l, TK_EOF, "", 0)) {
        *pos = l.errpos;
        return -1;
    }
    *out = l.toks;
    *ntok = l.ntok;
    return 0;
}
