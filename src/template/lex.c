/*
 * lex.c: the template lexer.
 *
 * Go's text/template lexer is a state machine that hands items to the
 * parser one at a time.  Here the same machine runs to the end (or to the
 * first error) up front and fills an array, which the parser then walks
 * with the same peek/backup discipline.  Delimiters are always {{ and }};
 * trim markers are "{{- " and " -}}"; comments (slash-star ... star-slash
 * inside the delimiters) vanish. Literal syntax is only scanned here; numbers,
 * quoted strings and rune constants are checked by the parser (node.c), as Go
 * does.
 */
#include "template_int.h"

#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/utf8.h"

#include <stdio.h>
#include <string.h>

#define LDELIM "{{"
#define RDELIM "}}"

struct lexer {
    const char *in;
    size_t n;
    size_t pos, start;
    int line;       /* line at pos */
    int start_line; /* line at start */
    int paren_depth;
    struct lex_opts opts;
    struct arena *a;
    struct token *toks;
    size_t ntok, cap;
    bool done, oom;
};

enum lstate { LS_TEXT, LS_LDELIM, LS_COMMENT, LS_INSIDE, LS_RDELIM, LS_END };

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Letters and decimal digits beyond ASCII (unicode.IsLetter/IsDigit),
 * by block: the scripts template authors write, not the full tables. */
static const uint32_t alnum_ranges[][2] = {
    {0xaa, 0xaa},     {0xb5, 0xb5},     {0xba, 0xba},     {0xc0, 0xd6},
    {0xd8, 0xf6},     {0xf8, 0x2c1},    {0x2c6, 0x2d1},   {0x2e0, 0x2e4},
    {0x370, 0x374},   {0x376, 0x377},   {0x37a, 0x37d},   {0x386, 0x386},
    {0x388, 0x3f5},   {0x3f7, 0x481},   {0x48a, 0x52f},   {0x531, 0x556},
    {0x561, 0x587},   {0x5d0, 0x5ea},   {0x620, 0x64a},   {0x660, 0x669},
    {0x671, 0x6d3},   {0x904, 0x939},   {0x966, 0x96f},   {0xe01, 0xe30},
    {0x10a0, 0x10ff}, {0x1100, 0x11ff}, {0x1e00, 0x1fbc}, {0x3041, 0x3096},
    {0x30a1, 0x30fa}, {0x3105, 0x312f}, {0x3400, 0x4dbf}, {0x4e00, 0x9fff},
    {0xa000, 0xa48c}, {0xac00, 0xd7a3}, {0xf900, 0xfaff}, {0xff10, 0xff19},
    {0xff21, 0xff3a}, {0xff41, 0xff5a}, {0xff66, 0xffdc}, {0x20000, 0x2fa1f},
};

static bool is_alnum_rune(uint32_t r)
{
    if (r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') ||
        (r >= 'A' && r <= 'Z'))
        return true;
    if (r < 0x80 || r == (uint32_t)-1)
        return false;
    size_t lo = 0, hi = sizeof alnum_ranges / sizeof *alnum_ranges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r < alnum_ranges[mid][0])
            hi = mid;
        else if (r > alnum_ranges[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

static bool has_prefix(const struct lexer *l, size_t at, const char *p)
{
    size_t k = strlen(p);
    return at <= l->n && l->n - at >= k && memcmp(l->in + at, p, k) == 0;
}

static void count_lines(struct lexer *l, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (l->in[i] == '\n')
            l->line++;
}

/* Move pos forward to `to`, counting newlines. */
static void advance(struct lexer *l, size_t to)
{
    count_lines(l, l->pos, to);
    l->pos = to;
}

static void ignore(struct lexer *l)
{
    l->start = l->pos;
    l->start_line = l->line;
}

static struct token *push(struct lexer *l, int type, const char *val,
                          size_t len, uint32_t pos, int line)
{
    if (l->ntok == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        struct token *nt =
            arena_grow(l->a, l->toks, l->cap * sizeof *nt, nc * sizeof *nt);
        if (!nt) {
            l->oom = true;
            l->done = true;
            return NULL;
        }
        l->toks = nt;
        l->cap = nc;
    }
    struct token *t = &l->toks[l->ntok++];
    t->type = (uint8_t)type;
    t->pos = pos;
    t->line = line;
    t->val = val;
    t->len = len;
    return t;
}

static void emit(struct lexer *l, int type)
{
    push(l, type, l->in + l->start, l->pos - l->start, (uint32_t)l->start,
         l->start_line);
    ignore(l);
    if (type == TK_EOF)
        l->done = true;
}

static enum lstate errorf(struct lexer *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum lstate errorf(struct lexer *l, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *m = arena_strdup(l->a, msg);
    if (!m)
        l->oom = true;
    else
        push(l, TK_ERROR, m, strlen(m), (uint32_t)l->start, l->start_line);
    l->done = true;
    return LS_END;
}

/* Go's %#U of a rune: U+007D '}' */
static void rune_desc(char *dst, size_t cap, uint32_t r, const char *s,
                      size_t w)
{
    if (r == UTF8_RUNE_ERROR && w <= 1)
        snprintf(dst, cap, "U+FFFD '\xef\xbf\xbd'");
    else if (r < 0x20 || r == 0x7f)
        snprintf(dst, cap, "U+%04X", (unsigned)r);
    else
        snprintf(dst, cap, "U+%04X '%.*s'", (unsigned)r, (int)w, s);
}

static uint32_t peek_rune(const struct lexer *l, size_t *w)
{
    uint32_t r = 0;
    if (l->pos >= l->n) {
        *w = 0;
        return (uint32_t)-1;
    }
    *w = utf8_decode(l->in + l->pos, l->n - l->pos, &r);
    return r;
}

static size_t right_trim_len(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && is_space((unsigned char)s[k - 1]))
        k--;
    return n - k;
}

static size_t left_trim_len(const struct lexer *l, size_t at)
{
    size_t k = at;
    while (k < l->n && is_space((unsigned char)l->in[k]))
        k++;
    return k - at;
}

static bool has_left_trim(const struct lexer *l, size_t at)
{
    return at + 2 <= l->n && l->in[at] == '-' &&
           is_space((unsigned char)l->in[at + 1]);
}

static bool has_right_trim(const struct lexer *l, size_t at)
{
    return at + 2 <= l->n && is_space((unsigned char)l->in[at]) &&
           l->in[at + 1] == '-';
}

/* Is pos at "}}" or " -}}"? */
static bool at_right_delim(const struct lexer *l, size_t at, bool *trim)
{
    if (has_right_trim(l, at) && has_prefix(l, at + 2, RDELIM)) {
        *trim = true;
        return true;
    }
    *trim = false;
    return has_prefix(l, at, RDELIM);
}

/* text -> anything up to "{{" */
static enum lstate lex_text(struct lexer *l)
{
    const char *p = NULL;
    if (l->pos < l->n)
        p = memmem(l->in + l->pos, l->n - l->pos, LDELIM, 2);
    if (!p) {
        advance(l, l->n);
        if (l->pos > l->start)
            emit(l, TK_TEXT);
        emit(l, TK_EOF);
        return LS_END;
    }
    size_t at = (size_t)(p - l->in);
    if (at > l->pos) {
        size_t trim = 0;
        if (has_left_trim(l, at + 2))
            trim = right_trim_len(l->in + l->start, at - l->start);
        advance(l, at - trim);
        if (l->pos > l->start)
            emit(l, TK_TEXT);
        advance(l, at);
        ignore(l);
    }
    return LS_LDELIM;
}

static enum lstate lex_left_delim(struct lexer *l)
{
    advance(l, l->pos + 2);
    bool trim = has_left_trim(l, l->pos);
    size_t after = trim ? 2 : 0;
    if (has_prefix(l, l->pos + after, "/*")) {
        advance(l, l->pos + after);
        ignore(l);
        return LS_COMMENT;
    }
    emit(l, TK_LDELIM);
    advance(l, l->pos + after);
    ignore(l);
    l->paren_depth = 0;
    return LS_INSIDE;
}

static enum lstate lex_comment(struct lexer *l)
{
    advance(l, l->pos + 2);
    const char *p = NULL;
    if (l->pos < l->n)
        p = memmem(l->in + l->pos, l->n - l->pos, "*/", 2);
    if (!p)
        return errorf(l, "unclosed comment");
    advance(l, (size_t)(p - l->in) + 2);
    bool trim;
    if (!at_right_delim(l, l->pos, &trim))
        return errorf(l, "comment ends before closing delimiter");
    advance(l, l->pos + (trim ? 2 : 0) + 2);
    if (trim)
        advance(l, l->pos + left_trim_len(l, l->pos));
    ignore(l);
    return LS_TEXT;
}

static enum lstate lex_right_delim(struct lexer *l)
{
    bool trim;
    at_right_delim(l, l->pos, &trim);
    if (trim) {
        advance(l, l->pos + 2);
        ignore(l);
    }
    advance(l, l->pos + 2);
    emit(l, TK_RDELIM);
    if (trim) {
        advance(l, l->pos + left_trim_len(l, l->pos));
        ignore(l);
    }
    return LS_TEXT;
}

static enum lstate lex_space(struct lexer *l)
{
    size_t nsp = 0;
    while (l->pos < l->n && is_space((unsigned char)l->in[l->pos])) {
        advance(l, l->pos + 1);
        nsp++;
    }
    /* " -}}": the last space belongs to the trim marker */
    if (has_right_trim(l, l->pos - 1) && has_prefix(l, l->pos + 1, RDELIM)) {
        l->pos--;
        if (l->in[l->pos] == '\n')
            l->line--;
        if (nsp == 1)
            return lex_right_delim(l);
    }
    emit(l, TK_SPACE);
    return LS_INSIDE;
}

/* Does the input at pos end an identifier, field or variable? */
static bool at_terminator(const struct lexer *l)
{
    if (l->pos >= l->n)
        return true;
    int c = (unsigned char)l->in[l->pos];
    if (is_space(c))
        return true;
    switch (c) {
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
        return true;
    default:
        return has_prefix(l, l->pos, RDELIM);
    }
}

static void scan_alnum(struct lexer *l)
{
    for (;;) {
        size_t w;
        uint32_t r = peek_rune(l, &w);
        if (r == (uint32_t)-1 || !is_alnum_rune(r))
            return;
        advance(l, l->pos + w);
    }
}

static enum lstate bad_char(struct lexer *l)
{
    size_t w;
    uint32_t r = peek_rune(l, &w);
    char d[40];
    if (r == (uint32_t)-1)
        snprintf(d, sizeof d, "U+FFFFFFFF");
    else
        rune_desc(d, sizeof d, r, l->in + l->pos, w);
    return errorf(l, "bad character %s", d);
}

static const struct {
    const char *word;
    int type;
} keywords[] = {
    {"block", TK_BLOCK},
    {"break", TK_BREAK},
    {"continue", TK_CONTINUE},
    {"define", TK_DEFINE},
    {"else", TK_ELSE},
    {"end", TK_END},
    {"if", TK_IF},
    {"nil", TK_NIL},
    {"range", TK_RANGE},
    {"template", TK_TEMPLATE},
    {"with", TK_WITH},
};

static int keyword(const struct lexer *l, const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        if (strlen(keywords[i].word) == n &&
            memcmp(keywords[i].word, w, n) == 0) {
            int t = keywords[i].type;
            if ((t == TK_BREAK && !l->opts.break_ok) ||
                (t == TK_CONTINUE && !l->opts.continue_ok))
                return TK_IDENT;
            return t;
        }
    }
    if ((n == 4 && memcmp(w, "true", 4) == 0) ||
        (n == 5 && memcmp(w, "false", 5) == 0))
        return TK_BOOL;
    return TK_IDENT;
}

static enum lstate lex_identifier(struct lexer *l)
{
    scan_alnum(l);
    if (!at_terminator(l))
        return bad_char(l);
    emit(l, keyword(l, l->in + l->start, l->pos - l->start));
    return LS_INSIDE;
}

/* after '.' or '$' */
static enum lstate lex_field_or_var(struct lexer *l, int type)
{
    if (at_terminator(l)) {
        emit(l, type == TK_VARIABLE ? TK_VARIABLE : TK_DOT);
        return LS_INSIDE;
    }
    scan_alnum(l);
    if (!at_terminator(l))
        return bad_char(l);
    emit(l, type);
    return LS_INSIDE;
}

static bool accept(struct lexer *l, const char *set)
{
    if (l->pos < l->n && l->in[l->pos] != '\0' && strchr(set, l->in[l->pos])) {
        advance(l, l->pos + 1);
        return true;
    }
    return false;
}

static void accept_run(struct lexer *l, const char *set)
{
    while (accept(l, set))
        ;
}

static bool scan_number(struct lexer *l)
{
    const char *digits = "0123456789_";
    accept(l, "+-");
    if (accept(l, "0")) {
        if (accept(l, "xX"))
            digits = "0123456789abcdefABCDEF_";
        else if (accept(l, "oO"))
            digits = "01234567_";
        else if (accept(l, "bB"))
            digits = "01_";
    }
    accept_run(l, digits);
    if (accept(l, "."))
        accept_run(l, digits);
    if (strlen(digits) == 11 && accept(l, "eE")) {
        accept(l, "+-");
        accept_run(l, "0123456789_");
    }
    if (strlen(digits) == 23 && accept(l, "pP")) {
        accept(l, "+-");
        accept_run(l, "0123456789_");
    }
    accept(l, "i");
    size_t w;
    uint32_t r = peek_rune(l, &w);
    if (r != (uint32_t)-1 && is_alnum_rune(r)) {
        advance(l, l->pos + w);
        return false;
    }
    return true;
}

static enum lstate lex_number(struct lexer *l)
{
    if (!scan_number(l))
        return errorf(l, "bad number syntax: \"%.*s\"",
                      (int)(l->pos - l->start), l->in + l->start);
    if (l->pos < l->n && (l->in[l->pos] == '+' || l->in[l->pos] == '-')) {
        if (!scan_number(l) || l->in[l->pos - 1] != 'i')
            return errorf(l, "bad number syntax: \"%.*s\"",
                          (int)(l->pos - l->start), l->in + l->start);
        emit(l, TK_COMPLEX);
        return LS_INSIDE;
    }
    emit(l, TK_NUMBER);
    return LS_INSIDE;
}

/* "..." and '...': the opening quote is consumed */
static enum lstate lex_quote(struct lexer *l, char q, int type,
                             const char *what)
{
    for (;;) {
        if (l->pos >= l->n)
            return errorf(l, "unterminated %s", what);
        char c = l->in[l->pos];
        advance(l, l->pos + 1);
        if (c == '\\') {
            if (l->pos >= l->n || l->in[l->pos] == '\n')
                return errorf(l, "unterminated %s", what);
            advance(l, l->pos + 1);
        } else if (c == '\n') {
            return errorf(l, "unterminated %s", what);
        } else if (c == q) {
            break;
        }
    }
    emit(l, type);
    return LS_INSIDE;
}

static enum lstate lex_raw_quote(struct lexer *l)
{
    const char *p = NULL;
    if (l->pos < l->n)
        p = memchr(l->in + l->pos, '`', l->n - l->pos);
    if (!p)
        return errorf(l, "unterminated raw quoted string");
    advance(l, (size_t)(p - l->in) + 1);
    emit(l, TK_RAWSTRING);
    return LS_INSIDE;
}

static enum lstate lex_inside(struct lexer *l)
{
    bool trim;
    if (at_right_delim(l, l->pos, &trim)) {
        if (l->paren_depth == 0)
            return lex_right_delim(l);
        return errorf(l, "unclosed left paren");
    }
    if (l->pos >= l->n)
        return errorf(l, "unclosed action");
    int c = (unsigned char)l->in[l->pos];
    if (is_space(c))
        return lex_space(l);
    advance(l, l->pos + 1);
    switch (c) {
    case '=':
        emit(l, TK_ASSIGN);
        return LS_INSIDE;
    case ':':
        if (l->pos >= l->n || l->in[l->pos] != '=')
            return errorf(l, "expected :=");
        advance(l, l->pos + 1);
        emit(l, TK_DECLARE);
        return LS_INSIDE;
    case '|':
        emit(l, TK_PIPE);
        return LS_INSIDE;
    case '"':
        return lex_quote(l, '"', TK_STRING, "quoted string");
    case '\'':
        return lex_quote(l, '\'', TK_CHARCONST, "character constant");
    case '`':
        return lex_raw_quote(l);
    case '$':
        return lex_field_or_var(l, TK_VARIABLE);
    case '(':
        emit(l, TK_LPAREN);
        l->paren_depth++;
        return LS_INSIDE;
    case ')':
        emit(l, TK_RPAREN);
        if (--l->paren_depth < 0)
            return errorf(l, "unexpected right paren");
        return LS_INSIDE;
    default:
        break;
    }
    if (c == '.' &&
        !(l->pos < l->n && l->in[l->pos] >= '0' && l->in[l->pos] <= '9'))
        return lex_field_or_var(l, TK_FIELD);
    if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        l->pos--;
        return lex_number(l);
    }
    l->pos--;
    size_t w;
    uint32_t r = peek_rune(l, &w);
    if (is_alnum_rune(r))
        return lex_identifier(l);
    if (c < 0x80 && c > 0x20 && c < 0x7f) {
        advance(l, l->pos + 1);
        emit(l, TK_CHAR);
        return LS_INSIDE;
    }
    char d[40];
    rune_desc(d, sizeof d, r, l->in + l->pos, w);
    return errorf(l, "unrecognized character in action: %s", d);
}

/* Tokenise the whole text into an arena array (see template_int.h). */
struct token *tpl_lex(struct arena *a, const char *text, size_t n,
                      const struct lex_opts *o, size_t *ntok)
{
    struct lexer l = {
        .in = text, .n = n, .line = 1, .start_line = 1, .a = a, .opts = *o};
    enum lstate st = LS_TEXT;
    while (!l.done) {
        switch (st) {
        case LS_TEXT:
            st = lex_text(&l);
            break;
        case LS_LDELIM:
            st = lex_left_delim(&l);
            break;
        case LS_COMMENT:
            st = lex_comment(&l);
            break;
        case LS_INSIDE:
            st = lex_inside(&l);
            break;
        case LS_RDELIM:
            st = lex_right_delim(&l);
            break;
        case LS_END:
            l.done = true;
            break;
        }
    }
    if (l.oom)
        return NULL;
    *ntok = l.ntok;
    return l.toks;
}

/* Go's item.String() of t into dst[0..cap). */
void tpl_tok_string(const struct token *t, char *dst, size_t cap)
{
    if (t->type == TK_EOF) {
        snprintf(dst, cap, "EOF");
    } else if (t->type == TK_ERROR) {
        snprintf(dst, cap, "%.*s", (int)t->len, t->val);
    } else if (t->type > TK_KEYWORD) {
        snprintf(dst, cap, "<%.*s>", (int)t->len, t->val);
    } else {
        /* Go's %q, or %.10q... (the first 10 runes) for long values */
        size_t lim = t->len;
        if (t->len > 10) {
            lim = 0;
            for (int r = 0; r < 10 && lim < t->len; r++) {
                uint32_t ru;
                lim += utf8_decode(t->val + lim, t->len - lim, &ru);
            }
        }
        struct buf b;
        buf_init(&b, 1024);
        gofmt_quote(&b, t->val, lim, 0);
        snprintf(dst, cap, "%s%s", buf_str(&b), t->len > 10 ? "..." : "");
        buf_free(&b);
    }
}
