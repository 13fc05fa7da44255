/*
 * parse.c: the expr parser (tokens -> AST).
 *
 * Recursive descent with one precedence-climbing loop for binary
 * operators, shaped like expr's own parser so the same inputs fail with
 * the same first error: comparison chains (`1 < 2 < 3` means
 * `1 < 2 && 2 < 3`), `not in`, pipes (`a | f(b)` is `f(a, b)`), the
 * predicate builtins whose second argument is a closure (`{...}` or a bare
 * expression using `#` / `.field`), optional chains and slices.  Errors
 * longjmp to expr_parse() through expr_cfail().
 */
#include "expr_int.h"

#include "../core/alloc.h"
#include "../core/gofmt.h"
#include "../core/limits.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    struct cstate *c;
    struct token *t;
    size_t nt, i;
    struct token cur;
    int closure_depth;
    int level;
};

struct binop {
    const char *name;
    uint8_t op;
    uint16_t prec;
    uint8_t right;
};

static const struct binop binops[] = {
    {"|", OP_NONE, 0, 0},
    {"or", OP_OR, 10, 0},
    {"||", OP_OR, 10, 0},
    {"and", OP_AND, 15, 0},
    {"&&", OP_AND, 15, 0},
    {"==", OP_EQ, 20, 0},
    {"!=", OP_NE, 20, 0},
    {"<", OP_LT, 20, 0},
    {">", OP_GT, 20, 0},
    {">=", OP_GE, 20, 0},
    {"<=", OP_LE, 20, 0},
    {"in", OP_IN, 20, 0},
    {"matches", OP_MATCHES, 20, 0},
    {"contains", OP_CONTAINS, 20, 0},
    {"startsWith", OP_STARTS, 20, 0},
    {"endsWith", OP_ENDS, 20, 0},
    {"..", OP_RANGE, 25, 0},
    {"+", OP_ADD, 30, 0},
    {"-", OP_SUB, 30, 0},
    {"*", OP_MUL, 60, 0},
    {"/", OP_DIV, 60, 0},
    {"%", OP_MOD, 60, 0},
    {"**", OP_POW, 100, 1},
    {"^", OP_POW, 100, 1},
    {"??", OP_COALESCE, 500, 0},
};

/* The predicate builtins and their argument shapes: e = expression,
 * c = closure, upper case = optional. */
static const struct {
    const char *name;
    const char *args;
} preds[] = {
    {"all", "ec"},           {"none", "ec"},      {"any", "ec"},
    {"one", "ec"},           {"filter", "ec"},    {"map", "ec"},
    {"find", "ec"},          {"findIndex", "ec"}, {"findLast", "ec"},
    {"findLastIndex", "ec"}, {"count", "eC"},     {"sum", "eC"},
    {"groupBy", "ec"},       {"sortBy", "ecE"},   {"reduce", "ecE"},
};

static bool tok_is(const struct token *t, int kind, const char *v)
{
    if (t->kind != kind)
        return false;
    return !v || (strlen(v) == t->n && memcmp(t->s, v, t->n) == 0);
}

static const char *kind_name(int k)
{
    static const char *const names[] = {"EOF",    "Identifier", "Number",
                                        "String", "Operator",   "Bracket"};
    return names[k];
}

static void tok_str(const struct token *t, char *buf, size_t sz)
{
    if (t->n == 0) {
        snprintf(buf, sz, "%s", kind_name(t->kind));
        return;
    }
    snprintf(buf, sz, "%s(\"%.*s\")", kind_name(t->kind),
             (int)(t->n > 60 ? 60 : t->n), t->s);
}

_Noreturn static void unexpected(struct parser *p, const struct token *t)
{
    char b[100];
    tok_str(t, b, sizeof b);
    expr_cfail(p->c, t->pos, "unexpected token %s", b);
}

static void next(struct parser *p)
{
    p->i++;
    if (p->i >= p->nt)
        expr_cfail(p->c, p->cur.pos, "unexpected end of expression");
    p->cur = p->t[p->i];
}

static void expect(struct parser *p, int kind, const char *v)
{
    if (!tok_is(&p->cur, kind, v))
        unexpected(p, &p->cur);
    next(p);
}

/* A node's depth from its children a, b, c: the passes that walk the tree
 * recursively (check, fold, eval) stay within a bounded depth even for
 * long left-nested chains like a.b.c... or 1+1+1... */
static struct node *sized(struct parser *p, struct node *n)
{
    struct node *kids[] = {n->a, n->b, n->c};
    for (int i = 0; i < 3; i++)
        if (kids[i] && kids[i]->depth + 1 > n->depth)
            n->depth = (uint16_t)(kids[i]->depth + 1);
    if (n->depth > 2 * RN_EXPR_MAX_DEPTH)
        expr_cfail(p->c, n->pos, "expression nested too deeply");
    return n;
}

static struct node *mk(struct parser *p, int kind, uint32_t pos)
{
    return expr_node_new(p->c, kind, pos);
}

static struct node *mk_str(struct parser *p, const struct token *t)
{
    struct node *n = mk(p, N_STRING, t->pos);
    n->v.str.s = t->s;
    n->v.str.n = t->n;
    return n;
}

static struct node *mk_bin(struct parser *p, int op, struct node *l,
                           struct node *r, uint32_t pos)
{
    struct node *n = mk(p, N_BINARY, pos);
    n->op = (uint8_t)op;
    n->a = l;
    n->b = r;
    return sized(p, n);
}

static void push_arg(struct parser *p, struct node *call, struct node *arg)
{
    size_t n = (size_t)call->nargs;
    struct node **na = arena_grow(&p->c->p->arena, call->args, n * sizeof *na,
                                  (n + 1) * sizeof *na);
    if (!na)
        expr_cfail(p->c, arg->pos, "out of memory");
    na[n] = arg;
    call->args = na;
    call->nargs++;
    if (arg->depth + 1 > call->depth)
        call->depth = (uint16_t)(arg->depth + 1);
    sized(p, call);
}

static struct node *parse_expr(struct parser *p, int prec);
static struct node *parse_postfix(struct parser *p, struct node *n);

/* One more level of parser recursion. */
static void deeper(struct parser *p)
{
    if (++p->level > 2 * RN_EXPR_MAX_DEPTH)
        expr_cfail(p->c, p->cur.pos, "expression nested too deeply");
}

static const struct binop *find_binop(const struct token *t)
{
    if (t->kind != TK_OP)
        return NULL;
    for (size_t i = 0; i < sizeof binops / sizeof *binops; i++)
        if (tok_is(t, TK_OP, binops[i].name))
            return &binops[i];
    return NULL;
}

static bool is_cmp(const struct token *t)
{
    return tok_is(t, TK_OP, "<") || tok_is(t, TK_OP, ">") ||
           tok_is(t, TK_OP, "<=") || tok_is(t, TK_OP, ">=");
}

/* arguments -> '(' [ expression { ',' expression } ] ')' */
static void parse_args(struct parser *p, struct node *call)
{
    int offset = call->nargs;
    expect(p, TK_BRACKET, "(");
    while (!tok_is(&p->cur, TK_BRACKET, ")")) {
        if (call->nargs > offset)
            expect(p, TK_OP, ",");
        push_arg(p, call, parse_expr(p, 0));
    }
    expect(p, TK_BRACKET, ")");
}

/* closure -> '{' expression '}' | expression   (with # and .x allowed) */
static struct node *parse_closure(struct parser *p)
{
    struct token start = p->cur;
    bool brace = tok_is(&p->cur, TK_BRACKET, "{");
    if (brace)
        next(p);
    p->closure_depth++;
    struct node *body = parse_expr(p, 0);
    p->closure_depth--;
    if (brace)
        expect(p, TK_BRACKET, "}");
    struct node *n = mk(p, N_CLOSURE, start.pos);
    n->a = body;
    return sized(p, n);
}

static struct node *parse_pred_call(struct parser *p, const char *shape,
                                    struct node *call)
{
    expect(p, TK_BRACKET, "(");
    const char *spec = shape + call->nargs;
    size_t nspec = strlen(spec);
    for (size_t i = 0; i < nspec; i++) {
        bool optional = spec[i] >= 'A' && spec[i] <= 'Z';
        if (tok_is(&p->cur, TK_BRACKET, ")")) {
            if (optional)
                break;
            expr_cfail(p->c, p->cur.pos, "expected at least %zu arguments",
                       nspec);
        }
        if (i > 0)
            expect(p, TK_OP, ",");
        bool closure = spec[i] == 'c' || spec[i] == 'C';
        push_arg(p, call, closure ? parse_closure(p) : parse_expr(p, 0));
    }
    expect(p, TK_BRACKET, ")");
    return call;
}

/* call -> name arguments; builtins become N_BUILTIN nodes */
static struct node *parse_call(struct parser *p, const struct token *t,
                               struct node *first)
{
    struct node *call = mk(p, N_BUILTIN, t->pos);
    if (first)
        push_arg(p, call, first);
    for (size_t i = 0; i < sizeof preds / sizeof *preds; i++)
        if (tok_is(t, TK_IDENT, preds[i].name)) {
            call->id = (int32_t)i;
            return parse_pred_call(p, preds[i].args, call);
        }
    int id = expr_builtin_find(t->s, t->n);
    if (id >= 0) {
        call->id = id;
        parse_args(p, call);
        return call;
    }
    call->kind = N_CALL;
    struct node *callee = mk(p, N_IDENT, t->pos);
    callee->v.str.s = t->s;
    callee->v.str.n = t->n;
    call->a = callee;
    parse_args(p, call);
    return sized(p, call);
}

static struct node *parse_number(struct parser *p, const struct token *t)
{
    char buf[128];
    size_t k = 0;
    for (uint32_t i = 0; i < t->n && k + 1 < sizeof buf; i++)
        if (t->s[i] != '_')
            buf[k++] = t->s[i];
    buf[k] = 0;
    bool is_hex = k > 1 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
    bool is_bin = k > 1 && buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B');
    bool is_oct = k > 1 && buf[0] == '0' && (buf[1] == 'o' || buf[1] == 'O');
    if (!is_hex && strpbrk(buf, ".eE")) {
        double f;
        int rc = gofmt_parse_float(buf, k, &f);
        if (rc != RN_OK)
            expr_cfail(
                p->c, p->cur.pos,
                "invalid float literal: strconv.ParseFloat: parsing "
                "\"%s\": %s",
                buf, rc == RN_ELIMIT ? "value out of range" : "invalid syntax");
        struct node *n = mk(p, N_FLOAT, t->pos);
        n->v.f = f;
        return n;
    }
    int base = is_hex ? 16 : is_bin ? 2 : is_oct ? 8 : 10;
    const char *digits = base == 10 ? buf : buf + 2;
    int64_t v;
    int rc = gofmt_parse_int(digits, strlen(digits), base, &v);
    if (rc != RN_OK)
        expr_cfail(p->c, p->cur.pos,
                   "invalid integer literal: strconv.ParseInt: parsing "
                   "\"%s\": %s",
                   buf,
                   rc == RN_ELIMIT ? "value out of range" : "invalid syntax");
    struct node *n = mk(p, N_INT, t->pos);
    n->v.i = v;
    return n;
}

/* array -> '[' [ expression { ',' expression } [','] ] ']' */
static struct node *parse_array(struct parser *p, const struct token *t)
{
    struct node *arr = mk(p, N_ARRAY, t->pos);
    expect(p, TK_BRACKET, "[");
    while (!tok_is(&p->cur, TK_BRACKET, "]")) {
        if (arr->nargs > 0) {
            expect(p, TK_OP, ",");
            if (tok_is(&p->cur, TK_BRACKET, "]"))
                break;
        }
        push_arg(p, arr, parse_expr(p, 0));
    }
    expect(p, TK_BRACKET, "]");
    return arr;
}

/* map -> '{' [ key ':' expression { ',' key ':' expression } [','] ] '}'
 * key -> number | string | identifier | '(' expression ')' */
static struct node *parse_map(struct parser *p, const struct token *t)
{
    struct node *m = mk(p, N_MAP, t->pos);
    expect(p, TK_BRACKET, "{");
    while (!tok_is(&p->cur, TK_BRACKET, "}")) {
        if (m->nargs > 0) {
            expect(p, TK_OP, ",");
            if (tok_is(&p->cur, TK_BRACKET, "}"))
                break;
            if (tok_is(&p->cur, TK_OP, ","))
                unexpected(p, &p->cur);
        }
        struct node *key;
        int k = p->cur.kind;
        if (k == TK_NUMBER || k == TK_STRING || k == TK_IDENT) {
            key = mk_str(p, &p->cur);
            key->pos = t->pos;
            next(p);
        } else if (tok_is(&p->cur, TK_BRACKET, "(")) {
            key = parse_expr(p, 0);
        } else {
            char b[100];
            tok_str(&p->cur, b, sizeof b);
            expr_cfail(p->c, p->cur.pos,
                       "a map key must be a quoted string, a number, a "
                       "identifier, or an expression enclosed in "
                       "parentheses (unexpected token %s)",
                       b);
        }
        expect(p, TK_OP, ":");
        push_arg(p, m, key);
        push_arg(p, m, parse_expr(p, 0));
    }
    expect(p, TK_BRACKET, "}");
    return m;
}

static struct node *parse_secondary(struct parser *p)
{
    struct token t = p->cur;
    struct node *n;
    switch (t.kind) {
    case TK_IDENT:
        next(p);
        if (tok_is(&t, TK_IDENT, "true") || tok_is(&t, TK_IDENT, "false")) {
            n = mk(p, N_BOOL, t.pos);
            n->v.i = t.s[0] == 't';
            return n;
        }
        if (tok_is(&t, TK_IDENT, "nil"))
            return mk(p, N_NIL, t.pos);
        if (tok_is(&p->cur, TK_BRACKET, "(")) {
            n = parse_call(p, &t, NULL);
        } else {
            n = mk(p, N_IDENT, t.pos);
            n->v.str.s = t.s;
            n->v.str.n = t.n;
        }
        break;
    case TK_NUMBER:
        next(p);
        return parse_number(p, &t);
    case TK_STRING:
        next(p);
        n = mk_str(p, &t);
        break;
    default:
        if (tok_is(&t, TK_BRACKET, "["))
            n = parse_array(p, &t);
        else if (tok_is(&t, TK_BRACKET, "{"))
            n = parse_map(p, &t);
        else
            unexpected(p, &t);
    }
    return parse_postfix(p, n);
}

static int unary_op(const struct token *t)
{
    if (tok_is(t, TK_OP, "not") || tok_is(t, TK_OP, "!"))
        return OP_NOT;
    if (tok_is(t, TK_OP, "-"))
        return OP_NEG;
    if (tok_is(t, TK_OP, "+"))
        return OP_POS;
    return OP_NONE;
}

static struct node *parse_primary(struct parser *p)
{
    struct token t = p->cur;
    int uop = unary_op(&t);
    if (uop != OP_NONE) {
        next(p);
        struct node *e = parse_expr(p, uop == OP_NOT ? 50 : 90);
        struct node *n = mk(p, N_UNARY, t.pos);
        n->op = (uint8_t)uop;
        n->a = e;
        return parse_postfix(p, sized(p, n));
    }
    if (tok_is(&t, TK_BRACKET, "(")) {
        next(p);
        struct node *e = parse_expr(p, 0);
        expect(p, TK_BRACKET, ")");
        return parse_postfix(p, e);
    }
    if (tok_is(&t, TK_OP, "#") || tok_is(&t, TK_OP, ".")) {
        if (p->closure_depth == 0)
            expr_cfail(p->c, t.pos,
                       "cannot use pointer accessor outside closure");
        struct node *n = mk(p, N_POINTER, t.pos);
        if (tok_is(&t, TK_OP, "#")) {
            next(p);
            if (p->cur.kind == TK_IDENT) {
                n->v.str.s = p->cur.s;
                n->v.str.n = p->cur.n;
                next(p);
            }
        }
        return parse_postfix(p, n);
    }
    if (tok_is(&t, TK_OP, "::")) {
        next(p);
        t = p->cur;
        expect(p, TK_IDENT, NULL);
        return parse_postfix(p, parse_call(p, &t, NULL));
    }
    return parse_secondary(p);
}

static bool valid_ident(const struct token *t)
{
    if (t->n == 0)
        return false;
    unsigned char c = (unsigned char)t->s[0];
    return c == '_' || c == '$' || c >= 0x80 || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static struct node *parse_dot(struct parser *p, struct node *n, bool optional)
{
    struct token prop = p->cur;
    next(p);
    if (prop.kind != TK_IDENT && (prop.kind != TK_OP || !valid_ident(&prop)))
        expr_cfail(p->c, p->cur.pos, "expected name");
    bool chain = n->kind == N_CHAIN;
    if (chain)
        n = n->a;
    struct node *m = mk(p, N_MEMBER, prop.pos);
    m->a = n;
    m->b = mk_str(p, &prop);
    if (optional)
        m->flags |= NF_OPTIONAL;
    n = sized(p, m);
    if (tok_is(&p->cur, TK_BRACKET, "(")) {
        m->flags |= NF_METHOD;
        n = mk(p, N_CALL, prop.pos);
        n->a = m;
        parse_args(p, n);
        sized(p, n);
    }
    if (chain || optional) {
        struct node *c = mk(p, N_CHAIN, n->pos);
        c->a = n;
        n = sized(p, c);
    }
    return n;
}

static struct node *parse_index(struct parser *p, struct node *n,
                                const struct token *bt, bool optional)
{
    next(p);
    struct node *from = NULL, *to = NULL;
    if (!tok_is(&p->cur, TK_OP, ":")) {
        from = parse_expr(p, 0);
        if (!tok_is(&p->cur, TK_OP, ":")) {
            struct node *m = mk(p, N_MEMBER, bt->pos);
            m->a = n;
            m->b = from;
            sized(p, m);
            if (optional) {
                m->flags |= NF_OPTIONAL;
                struct node *c = mk(p, N_CHAIN, bt->pos);
                c->a = m;
                m = sized(p, c);
            }
            expect(p, TK_BRACKET, "]");
            return m;
        }
    }
    next(p); /* ':' */
    if (!tok_is(&p->cur, TK_BRACKET, "]"))
        to = parse_expr(p, 0);
    struct node *s = mk(p, N_SLICE, bt->pos);
    s->a = n;
    s->b = from;
    s->c = to;
    expect(p, TK_BRACKET, "]");
    return sized(p, s);
}

/* postfix -> primary { '.' name [arguments] | '?.' name | '[' index ']'
 *                      | '?.[' index ']' | '[' [from] ':' [to] ']' } */
static struct node *parse_postfix(struct parser *p, struct node *n)
{
    for (;;) {
        struct token t = p->cur;
        if (t.kind != TK_OP && t.kind != TK_BRACKET)
            break;
        bool optional = tok_is(&t, TK_OP, "?.");
        if (optional || tok_is(&t, TK_OP, ".")) {
            next(p);
            if (optional && tok_is(&p->cur, TK_BRACKET, "[")) {
                struct token bt = p->cur;
                n = parse_index(p, n, &bt, true);
                continue;
            }
            n = parse_dot(p, n, optional);
        } else if (tok_is(&t, TK_BRACKET, "[")) {
            n = parse_index(p, n, &t, false);
        } else {
            break;
        }
    }
    return n;
}

/* comparison chain: a < b < c -> (a < b) && (b < c) */
static struct node *parse_comparison(struct parser *p, struct node *left,
                                     struct token t, int prec)
{
    struct node *root = NULL;
    for (;;) {
        struct node *cmp_right = parse_expr(p, prec + 1);
        const struct binop *b = find_binop(&t);
        struct node *cmp = mk_bin(p, b->op, left, cmp_right, t.pos);
        if (!root) {
            root = cmp;
        } else {
            root = mk_bin(p, OP_AND, root, cmp, t.pos);
            root->flags |= NF_ANDCMP;
        }
        left = cmp_right;
        t = p->cur;
        if (!is_cmp(&t))
            return root;
        next(p);
    }
}

/* conditional -> expression '?' expression ':' expression
 *              | expression '?:' expression */
static struct node *parse_conditional(struct parser *p, struct node *n)
{
    while (tok_is(&p->cur, TK_OP, "?")) {
        next(p);
        struct node *e1, *e2;
        if (!tok_is(&p->cur, TK_OP, ":")) {
            e1 = parse_expr(p, 0);
            expect(p, TK_OP, ":");
            e2 = parse_expr(p, 0);
        } else {
            next(p);
            e1 = n;
            e2 = parse_expr(p, 0);
        }
        struct node *c = mk(p, N_COND, 0);
        c->a = n;
        c->b = e1;
        c->c = e2;
        n = sized(p, c);
    }
    return n;
}

/* let -> 'let' name '=' expression ';' expression */
static struct node *parse_let(struct parser *p)
{
    expect(p, TK_OP, "let");
    struct token name = p->cur;
    expect(p, TK_IDENT, NULL);
    expect(p, TK_OP, "=");
    struct node *value = parse_expr(p, 0);
    expect(p, TK_OP, ";");
    struct node *body = parse_expr(p, 0);
    struct node *n = mk(p, N_LET, name.pos);
    n->v.str.s = name.s;
    n->v.str.n = name.n;
    n->a = value;
    n->b = body;
    return sized(p, n);
}

/* Handles `not in` / `not contains` ...: returns the operator token to
 * use, or NULL to stop the binary loop. */
static bool negated_op(struct parser *p, int prec, struct token *op)
{
    size_t save = p->i;
    struct token saved = p->cur;
    next(p);
    const struct binop *b = find_binop(&p->cur);
    bool suffix = tok_is(&p->cur, TK_OP, "in") ||
                  tok_is(&p->cur, TK_OP, "matches") ||
                  tok_is(&p->cur, TK_OP, "contains") ||
                  tok_is(&p->cur, TK_OP, "startsWith") ||
                  tok_is(&p->cur, TK_OP, "endsWith");
    if (!suffix)
        unexpected(p, &p->cur);
    if (b->prec >= prec) {
        *op = p->cur;
        return true;
    }
    p->i = save;
    p->cur = saved;
    return false;
}

/* expression -> unary { binop unary } [conditional] */
static struct node *parse_expr(struct parser *p, int prec)
{
    int start = p->level;
    deeper(p);
    if (prec == 0 && tok_is(&p->cur, TK_OP, "let")) {
        struct node *n = parse_let(p);
        p->level = start;
        return n;
    }
    struct node *left = parse_primary(p);
    const char *prev = "";
    struct token opt = p->cur;
    while (opt.kind == TK_OP) {
        bool negate = tok_is(&opt, TK_OP, "not");
        struct token nott = opt;
        if (negate && !negated_op(p, prec, &opt))
            break;
        const struct binop *b = find_binop(&opt);
        if (!b || b->prec < prec)
            break;
        next(p);
        if (b->name[0] == '|' && !b->name[1]) {
            struct token id = p->cur;
            expect(p, TK_IDENT, NULL);
            left = parse_call(p, &id, left);
        } else {
            if (strcmp(prev, "??") == 0 && b->op != OP_COALESCE)
                expr_cfail(p->c, opt.pos,
                           "Operator (%s) and coalesce expressions (?"
                           "?) "
                           "cannot be mixed. Wrap either by parentheses.",
                           b->name);
            if (is_cmp(&opt)) {
                left = parse_comparison(p, left, opt, b->prec);
            } else {
                struct node *right =
                    parse_expr(p, b->right ? b->prec : b->prec + 1);
                left = mk_bin(p, b->op, left, right, opt.pos);
                if (negate) {
                    struct node *u = mk(p, N_UNARY, nott.pos);
                    u->op = OP_NOT;
                    u->a = left;
                    left = sized(p, u);
                }
            }
        }
        prev = b->name;
        opt = p->cur;
    }
    if (prec == 0)
        left = parse_conditional(p, left);
    p->level = start;
    return left;
}

/* Lexes, parses, checks and rewrites prog->src into prog->root.  On
 * failure returns RN_ESYNTAX with the message in e->msg and the byte
 * position in e->col (expr.c turns it into line and column). */
int expr_parse(struct expr_prog *prog, struct rn_err *e)
{
    struct cstate *c = rn_calloc(1, sizeof *c);
    if (!c)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    c->p = prog;
    struct parser p = {.c = c};
    int rc = RN_OK;
    if (setjmp(c->jb)) {
        rc = RN_ESYNTAX;
        goto out;
    }
    if (expr_lex(&prog->arena, prog->src, prog->srclen, &p.t, &p.nt, c->msg,
                 sizeof c->msg, &c->errpos)) {
        rc = RN_ESYNTAX;
        goto out;
    }
    p.cur = p.t[0];
    struct node *root = parse_expr(&p, 0);
    if (p.cur.kind != TK_EOF)
        unexpected(&p, &p.cur);
    expr_check(c, root);
    expr_optimize(c, &root);
    prog->root = root;
out:
    if (rc != RN_OK) {
        /* memory exhaustion is reported as such, not as a syntax error */
        e->code = strcmp(c->msg, "out of memory") == 0 ? RN_ENOMEM : RN_ESYNTAX;
        e->col = (int)c->errpos; /* byte offset; expr.c formats it */
        snprintf(e->msg, sizeof e->msg, "%s", c->msg);
    }
    rn_free(c);
    return rc;
}
