/*
 * node.c: parse tree nodes, their Go String() forms (used in exec error
 * contexts such as `at <.a.b>`), Go's IsEmptyTree, and the checks Go's
 * parser makes on literals: number constants (every Go integer and float
 * form, rune constants, imaginary parts) and strconv.Unquote.
 */
#include "template_int.h"

#include "../core/buf.h"
#include "../core/codec.h"
#include "../core/gofmt.h"
#include "../core/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A zeroed node in a; NULL on OOM. */
struct tnode *tpl_node_new(struct arena *a, int type, uint32_t pos, int line)
{
    struct tnode *n = arena_zalloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->type = (uint8_t)type;
    n->pos = pos;
    n->line = line;
    return n;
}

/* Append kid to n's children (grown in a); RN_ENOMEM on failure. */
int tpl_node_append(struct arena *a, struct tnode *n, struct tnode *kid)
{
    if (n->nkids == n->capkids) {
        int nc = n->capkids ? n->capkids * 2 : 4;
        struct tnode **k = arena_grow(
            a, n->kids, (size_t)n->capkids * sizeof *k, (size_t)nc * sizeof *k);
        if (!k)
            return RN_ENOMEM;
        n->kids = k;
        n->capkids = nc;
    }
    n->kids[n->nkids++] = kid;
    return RN_OK;
}

/* ---- String() ---- */

static int add_ids(struct buf *b, const struct tnode *n, int from)
{
    int rc = 0;
    for (int i = from; i < n->nids && !rc; i++) {
        if (i > from || n->type == TN_FIELD || n->type == TN_CHAIN)
            rc = buf_add_char(b, '.');
        if (!rc)
            rc = buf_add(b, n->ids[i].s, n->ids[i].n);
    }
    return rc;
}

static int pipe_string(struct buf *b, const struct tnode *p)
{
    int rc = 0;
    for (int i = 0; i < p->ndecl && !rc; i++) {
        if (i > 0)
            rc = buf_add_str(b, ", ");
        if (!rc)
            rc = tpl_node_string(b, p->decl[i]);
    }
    if (p->ndecl > 0 && !rc)
        rc = buf_add_str(b, p->flag ? " = " : " := ");
    for (int i = 0; i < p->nkids && !rc; i++) {
        if (i > 0)
            rc = buf_add_str(b, " | ");
        if (!rc)
            rc = tpl_node_string(b, p->kids[i]);
    }
    return rc;
}

static int arg_string(struct buf *b, const struct tnode *a)
{
    if (a->type != TN_PIPE)
        return tpl_node_string(b, a);
    int rc = buf_add_char(b, '(');
    if (!rc)
        rc = pipe_string(b, a);
    return rc ? rc : buf_add_char(b, ')');
}

static int control_string(struct buf *b, const struct tnode *n, const char *kw)
{
    int rc = buf_add_fmt(b, "{{%s ", kw);
    if (!rc)
        rc = pipe_string(b, n->pipe);
    if (!rc)
        rc = buf_add_str(b, "}}");
    if (!rc && n->list)
        rc = tpl_node_string(b, n->list);
    if (!rc && n->elselist) {
        rc = buf_add_str(b, "{{else}}");
        if (!rc)
            rc = tpl_node_string(b, n->elselist);
    }
    return rc ? rc : buf_add_str(b, "{{end}}");
}

static int template_string(struct buf *b, const struct tnode *n)
{
    int rc = buf_add_str(b, "{{template ");
    if (!rc)
        rc = gofmt_quote(b, n->text.s, n->text.n, 0);
    if (!rc && n->pipe) {
        rc = buf_add_char(b, ' ');
        if (!rc)
            rc = pipe_string(b, n->pipe);
    }
    return rc ? rc : buf_add_str(b, "}}");
}

/* Go's Node.String() of n, appended to b; a buf status. */
int tpl_node_string(struct buf *b, const struct tnode *n)
{
    int rc = 0;
    switch (n->type) {
    case TN_LIST:
        for (int i = 0; i < n->nkids && !rc; i++)
            rc = tpl_node_string(b, n->kids[i]);
        return rc;
    case TN_TEXT:
        return buf_add(b, n->text.s, n->text.n);
    case TN_ACTION:
        rc = buf_add_str(b, "{{");
        if (!rc)
            rc = pipe_string(b, n->pipe);
        return rc ? rc : buf_add_str(b, "}}");
    case TN_IF:
        return control_string(b, n, "if");
    case TN_RANGE:
        return control_string(b, n, "range");
    case TN_WITH:
        return control_string(b, n, "with");
    case TN_TEMPLATE:
        return template_string(b, n);
    case TN_BREAK:
        return buf_add_str(b, "{{break}}");
    case TN_CONTINUE:
        return buf_add_str(b, "{{continue}}");
    case TN_PIPE:
        return pipe_string(b, n);
    case TN_COMMAND:
        for (int i = 0; i < n->nkids && !rc; i++) {
            if (i > 0)
                rc = buf_add_char(b, ' ');
            if (!rc)
                rc = arg_string(b, n->kids[i]);
        }
        return rc;
    case TN_FIELD:
    case TN_VARIABLE:
        return add_ids(b, n, 0);
    case TN_CHAIN:
        rc = arg_string(b, n->pipe);
        return rc ? rc : add_ids(b, n, 0);
    case TN_IDENT:
    case TN_NUMBER:
    case TN_STRING:
        return buf_add(b, n->text.s, n->text.n);
    case TN_DOT:
        return buf_add_char(b, '.');
    case TN_NIL:
        return buf_add_str(b, "nil");
    case TN_BOOL:
        return buf_add_str(b, n->flag ? "true" : "false");
    case TN_END:
        return buf_add_str(b, "{{end}}");
    case TN_ELSE:
        return buf_add_str(b, "{{else}}");
    default:
        return 0;
    }
}

/* Go's IsEmptyTree: only space text and nothing else. */
bool tpl_node_empty(const struct tnode *n)
{
    if (!n)
        return true;
    switch (n->type) {
    case TN_LIST:
        for (int i = 0; i < n->nkids; i++)
            if (!tpl_node_empty(n->kids[i]))
                return false;
        return true;
    case TN_TEXT:
        for (size_t i = 0; i < n->text.n; i++) {
            char c = n->text.s[i];
            if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
                  c == '\v' || c == '\f'))
                return false;
        }
        return true;
    default:
        return false;
    }
}

/* ---- strconv.Unquote / UnquoteChar ---- */

/* \ooo, \xhh, \uhhhh, \Uhhhhhhhh after the backslash: the value in *v,
 * the escape's length (with the backslash) or 0. */
static size_t numeric_escape(const char *s, size_t n, uint32_t *v)
{
    char e = s[1];
    if (e >= '0' && e <= '7') {
        if (n < 4)
            return 0;
        *v = 0;
        for (int i = 1; i <= 3; i++) {
            if (s[i] < '0' || s[i] > '7')
                return 0;
            *v = *v * 8 + (uint32_t)(s[i] - '0');
        }
        return *v > 255 ? 0 : 4;
    }
    int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (!digits || n < (size_t)digits + 2)
        return 0;
    *v = 0;
    for (int i = 0; i < digits; i++) {
        int h = codec_hexval(s[2 + i]);
        if (h < 0)
            return 0;
        *v = *v * 16 + (uint32_t)h;
    }
    if (e != 'x' && (*v > UTF8_MAX_RUNE || (*v >= 0xd800 && *v <= 0xdfff)))
        return 0;
    return (size_t)digits + 2;
}

/* One escape sequence (s[0] is the backslash), as strconv.UnquoteChar. */
static size_t unquote_escape(const char *s, size_t n, char quote, char *out,
                             size_t *outn)
{
    static const char simple_in[] = "abfnrtv\\";
    static const char simple_out[] = "\a\b\f\n\r\t\v\\";
    if (n < 2)
        return 0;
    char e = s[1];
    const char *p = e ? strchr(simple_in, e) : NULL;
    if (p || e == '\'' || e == '"') {
        if (!p && e != quote)
            return 0;
        out[0] = p ? simple_out[p - simple_in] : e;
        *outn = 1;
        return 2;
    }
    uint32_t v;
    size_t used = numeric_escape(s, n, &v);
    if (!used)
        return 0;
    bool byte = e == 'x' || (e >= '0' && e <= '7');
    if (byte && quote != '\'') {
        out[0] = (char)v; /* a raw byte in a string */
        *outn = 1;
    } else {
        *outn = utf8_encode(out, v);
    }
    return used;
}

/* One (possibly escaped) character of a quoted literal at s[0..n).
 * Writes its bytes to out (up to 4), returns consumed length or 0.  An
 * invalid UTF-8 byte reads as U+FFFD, as Go's Unquote makes it. */
static size_t unquote_char(const char *s, size_t n, char quote, char *out,
                           size_t *outn)
{
    unsigned char c = (unsigned char)s[0];
    if (c == (unsigned char)quote)
        return 0;
    if (c == '\\')
        return unquote_escape(s, n, quote, out, outn);
    if (c < 0x80) {
        out[0] = (char)c;
        *outn = 1;
        return 1;
    }
    uint32_t r;
    size_t w = utf8_decode(s, n, &r);
    *outn = utf8_encode(out, r);
    return w;
}

/* strconv.Unquote of a "..." or `...` literal into a; false on bad
 * syntax or OOM. */
bool tpl_unquote(struct arena *a, const char *s, size_t n, struct tstr *out)
{
    if (n < 2 || s[0] != s[n - 1] || (s[0] != '"' && s[0] != '`'))
        return false;
    char *d = arena_alloc(a, 3 * n + 1); /* bad bytes grow to U+FFFD */
    if (!d)
        return false;
    size_t k = 0;
    if (s[0] == '`') {
        for (size_t i = 1; i + 1 < n; i++) {
            if (s[i] == '`')
                return false;
            if (s[i] != '\r')
                d[k++] = s[i];
        }
    } else {
        size_t i = 1;
        while (i + 1 < n) {
            char tmp[4];
            size_t tn = 0;
            if (s[i] == '\n')
                return false;
            size_t used = unquote_char(s + i, n - 1 - i, '"', tmp, &tn);
            if (!used)
                return false;
            memcpy(d + k, tmp, tn);
            k += tn;
            i += used;
        }
    }
    d[k] = '\0';
    out->s = d;
    out->n = k;
    return true;
}

/* ---- numbers ---- */

static bool has_any(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (strchr(set, s[i]) && s[i])
            return true;
    return false;
}

static void simplify_complex(struct tnum *x)
{
    x->is_float = x->im == 0;
    if (!x->is_float)
        return;
    x->f = x->re;
    x->is_int = x->f >= -9223372036854775808.0 &&
                x->f < 9223372036854775808.0 && (double)(int64_t)x->f == x->f;
    if (x->is_int)
        x->i = (int64_t)x->f;
    x->is_uint = x->f >= 0 && x->f < 18446744073709551616.0 &&
                 (double)(uint64_t)x->f == x->f;
    if (x->is_uint)
        x->u = (uint64_t)x->f;
}

static bool rune_const(struct tnum *x, const struct token *tk, char *msg,
                       size_t cap)
{
    char tmp[4];
    size_t tn = 0;
    const char *s = tk->val + 1;
    size_t n = tk->len - 1;
    size_t used = n ? unquote_char(s, n, '\'', tmp, &tn) : 0;
    if (!used) {
        snprintf(msg, cap, "invalid syntax");
        return false;
    }
    if (n - used != 1 || s[used] != '\'') {
        snprintf(msg, cap, "malformed character constant: %.*s", (int)tk->len,
                 tk->val);
        return false;
    }
    uint32_t r;
    utf8_decode(tmp, tn, &r);
    if (tn == 1)
        r = (unsigned char)tmp[0];
    x->i = r;
    x->u = r;
    x->f = r;
    x->is_int = x->is_uint = x->is_float = true;
    return true;
}

/* "1+2i": both parts are Go float syntax */
static bool complex_const(struct tnum *x, const char *s, size_t n)
{
    size_t k = n - 1; /* drop 'i' */
    size_t split = 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] == '+' || s[i] == '-') && s[i - 1] != 'e' &&
            s[i - 1] != 'E' && s[i - 1] != 'p' && s[i - 1] != 'P')
            split = i;
    if (!split)
        return false;
    if (gofmt_parse_float(s, split, &x->re) != RN_OK ||
        gofmt_parse_float(s + split, k - split, &x->im) != RN_OK)
        return false;
    x->is_complex = true;
    simplify_complex(x);
    return true;
}

/* A literal that is no integer: Go's ParseFloat, rejecting huge
 * integers written without a fraction or exponent. */
static bool float_literal(struct tnum *x, const char *s, size_t n, char *msg,
                          size_t cap)
{
    double f;
    if (gofmt_parse_float(s, n, &f) != RN_OK)
        return true; /* not a float either: illegal syntax below */
    if (!has_any(s, n, ".eEpP")) {
        snprintf(msg, cap, "integer overflow: \"%.*s\"", (int)n, s);
        return false;
    }
    x->is_float = true;
    x->f = f;
    if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
        (double)(int64_t)f == f) {
        x->is_int = true;
        x->i = (int64_t)f;
    }
    if (f >= 0 && f < 18446744073709551616.0 && (double)(uint64_t)f == f) {
        x->is_uint = true;
        x->u = (uint64_t)f;
    }
    return true;
}

static bool plain_number(struct tnum *x, const char *s, size_t n, char *msg,
                         size_t cap)
{
    if (n > 0 && s[n - 1] == 'i') {
        double f;
        if (gofmt_parse_float(s, n - 1, &f) == RN_OK) {
            x->is_complex = true;
            x->re = 0;
            x->im = f;
            simplify_complex(x);
            return true;
        }
    }
    uint64_t u = 0;
    /* ParseUint rejects any sign */
    x->is_uint = n > 0 && s[0] != '+' && s[0] != '-' &&
                 gofmt_parse_uint(s, n, 0, &u) == RN_OK;
    if (x->is_uint)
        x->u = u;
    int64_t i;
    if (gofmt_parse_int(s, n, 0, &i) == RN_OK) {
        x->is_int = true;
        x->i = i;
        if (i == 0) {
            x->is_uint = true;
            x->u = 0;
        }
    }
    if (x->is_int) {
        x->is_float = true;
        x->f = (double)x->i;
    } else if (x->is_uint) {
        x->is_float = true;
        x->f = (double)x->u;
    } else if (!float_literal(x, s, n, msg, cap)) {
        return false;
    }
    if (!x->is_int && !x->is_uint && !x->is_float) {
        snprintf(msg, cap, "illegal number syntax: \"%.*s\"", (int)n, s);
        return false;
    }
    return true;
}

/* The value of a number, rune or complex token (Go's newNumber); NULL
 * with Go's message in msg on a bad literal. */
struct tnum *tpl_number_parse(struct arena *a, const struct token *tk,
                              char *msg, size_t msgcap)
{
    struct tnum *x = arena_zalloc(a, sizeof *x);
    if (!x) {
        snprintf(msg, msgcap, "out of memory");
        return NULL;
    }
    bool ok;
    if (tk->type == TK_CHARCONST) {
        ok = rune_const(x, tk, msg, msgcap);
    } else if (tk->type == TK_COMPLEX) {
        ok = complex_const(x, tk->val, tk->len);
        if (!ok)
            snprintf(msg, msgcap, "expected integer");
    } else {
        ok = plain_number(x, tk->val, tk->len, msg, msgcap);
    }
    return ok ? x : NULL;
}
