/*
 * parse.c: the template parser (Go's text/template/parse, by hand).
 *
 * Recursive descent over the token array from lex.c, with Go's grammar
 * and Go's error messages ("template: NAME:LINE: ...").  Each parse
 * function opens with its rule.  Errors longjmp to tpl_parse(), the only
 * setjmp; every allocation is in the template's arena, so unwinding leaks
 * nothing.  Nesting (control structures and parentheses) is capped at
 * RN_TPL_MAX_PARSE_DEPTH so hostile input cannot exhaust the C stack.
 */
#include "template_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TREE_FIRST_CHUNK 256u
#define TREE_PER_BYTE 12u

struct parser {
    struct tpl *t;
    struct arena *a;
    struct arena scratch; /* tokens and the variable stack: parse only */
    const struct tpl_funcs *funcs;
    const struct token *toks;
    size_t ntok, cur, hi;
    struct tstr *vars;
    size_t nvars, capvars;
    int range_depth;
    int depth;
    int action_line;
    struct rn_err *e;
    int code;
    jmp_buf jb;
};

static _Noreturn void fail(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static _Noreturn void fail(struct parser *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = p->ntok ? p->toks[p->hi].line : 1;
    rn_errf_at(p->e, RN_ESYNTAX, p->t->name, line, 0, "template: %s:%d: %s",
               p->t->name, line, msg);
    p->code = RN_ESYNTAX;
    longjmp(p->jb, 1);
}

static _Noreturn void oom(struct parser *p)
{
    rn_errf(p->e, RN_ENOMEM, "template: %s: out of memory", p->t->name);
    p->code = RN_ENOMEM;
    longjmp(p->jb, 1);
}

static void *palloc(struct parser *p, void *mem)
{
    if (!mem)
        oom(p);
    return mem;
}

/* ---- token stream ---- */

static const struct token *next(struct parser *p)
{
    size_t i = p->cur < p->ntok ? p->cur : p->ntok - 1;
    if (p->cur < p->ntok)
        p->cur++;
    if (i > p->hi)
        p->hi = i;
    return &p->toks[i];
}

static void backup(struct parser *p)
{
    if (p->cur > 0)
        p->cur--;
}

static const struct token *peek(struct parser *p)
{
    const struct token *t = next(p);
    backup(p);
    return t;
}

static const struct token *next_non_space(struct parser *p)
{
    const struct token *t;
    do
        t = next(p);
    while (t->type == TK_SPACE);
    return t;
}

static const struct token *peek_non_space(struct parser *p)
{
    const struct token *t = next_non_space(p);
    backup(p);
    return t;
}

static _Noreturn void unexpected(struct parser *p, const struct token *t,
                                 const char *context)
{
    char s[160];
    tpl_tok_string(t, s, sizeof s);
    if (t->type == TK_ERROR) {
        if (p->action_line != 0 && p->action_line != t->line) {
            size_t n = strlen(s);
            bool act = n >= 7 && strcmp(s + n - 7, " action") == 0;
            fail(p, "%s%s started at %s:%d", s, act ? "" : " in action",
                 p->t->name, p->action_line);
        }
        fail(p, "%s", s);
    }
    fail(p, "unexpected %s in %s", s, context);
}

static const struct token *expect(struct parser *p, int type,
                                  const char *context)
{
    const struct token *t = next_non_space(p);
    if (t->type != type)
        unexpected(p, t, context);
    return t;
}

static struct tnode *new_node(struct parser *p, int type, const struct token *t)
{
    return palloc(p, tpl_node_new(p->a, type, t->pos, t->line));
}

static void append(struct parser *p, struct tnode *n, struct tnode *kid)
{
    if (tpl_node_append(p->a, n, kid))
        oom(p);
}

static void enter(struct parser *p)
{
    if (++p->depth > RN_TPL_MAX_PARSE_DEPTH)
        fail(p, "max expression depth exceeded");
}

static void push_var(struct parser *p, const char *s, size_t n)
{
    if (p->nvars == p->capvars) {
        size_t nc = p->capvars ? p->capvars * 2 : 8;
        p->vars = palloc(p, arena_grow(&p->scratch, p->vars,
                                       p->capvars * sizeof *p->vars,
                                       nc * sizeof *p->vars));
        p->capvars = nc;
    }
    p->vars[p->nvars].s = s;
    p->vars[p->nvars].n = n;
    p->nvars++;
}

/* Node string for messages, in the arena. */
static const char *node_str(struct parser *p, const struct tnode *n)
{
    struct buf b;
    buf_init(&b, 4096);
    tpl_node_string(&b, n);
    char *s = arena_strndup(p->a, buf_str(&b), b.len);
    buf_free(&b);
    return palloc(p, s);
}

/* ---- the template set ---- */

/* The template named name[0..n) in t's set, or NULL. */
const struct ttree *tpl_tree_find(const struct tpl *t, const char *name,
                                  size_t n)
{
    for (size_t i = 0; i < t->ntrees; i++)
        if (t->trees[i].nlen == n && memcmp(t->trees[i].name, name, n) == 0)
            return &t->trees[i];
    return NULL;
}

/* Go's Tree.add: a non-empty definition replaces an empty one; two
 * non-empty ones are an error. */
static void add_tree(struct parser *p, const char *name, size_t n,
                     struct tnode *root)
{
    struct ttree *old = (struct ttree *)tpl_tree_find(p->t, name, n);
    if (old) {
        if (tpl_node_empty(old->root)) {
            old->root = root;
            return;
        }
        if (!tpl_node_empty(root))
            fail(p, "template: multiple definition of template \"%.*s\"",
                 (int)n, name);
        return;
    }
    struct tpl *t = p->t;
    if (t->ntrees == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4;
        t->trees =
            palloc(p, arena_grow(p->a, t->trees, t->cap * sizeof *t->trees,
                                 nc * sizeof *t->trees));
        t->cap = nc;
    }
    t->trees[t->ntrees].name = name;
    t->trees[t->ntrees].nlen = n;
    t->trees[t->ntrees].root = root;
    t->ntrees++;
}

/* ---- grammar ---- */

static struct tnode *pipeline(struct parser *p, const char *context, int end);
static struct tnode *item_list(struct parser *p, struct tnode **end);

static void field_ids(struct parser *p, struct tnode *n, const char *s,
                      size_t len)
{
    /* ".a" or "$x": one identifier (the lexer splits at dots) */
    n->ids = palloc(p, arena_alloc(p->a, sizeof *n->ids));
    n->nids = 1;
    if (n->type == TN_FIELD) {
        n->ids[0].s = s + 1;
        n->ids[0].n = len - 1;
    } else {
        n->ids[0].s = s;
        n->ids[0].n = len;
    }
}

/* term -> literal | identifier | '.' | .Field | $var | '(' pipeline ')' */
static struct tnode *term(struct parser *p)
{
    const struct token *t = next_non_space(p);
    struct tnode *n;
    char msg[160];
    switch (t->type) {
    case TK_IDENT:
        n = new_node(p, TN_IDENT, t);
        n->text.s = t->val;
        n->text.n = t->len;
        n->str.s = palloc(p, arena_strndup(p->a, t->val, t->len));
        n->str.n = t->len;
        n->fn = tpl_funcs_find(p->funcs, t->val, t->len);
        if (!n->fn)
            fail(p, "function \"%.*s\" not defined", (int)t->len, t->val);
        return n;
    case TK_DOT:
        return new_node(p, TN_DOT, t);
    case TK_NIL:
        return new_node(p, TN_NIL, t);
    case TK_VARIABLE:
        for (size_t i = 0; i < p->nvars; i++)
            if (p->vars[i].n == t->len &&
                memcmp(p->vars[i].s, t->val, t->len) == 0) {
                n = new_node(p, TN_VARIABLE, t);
                field_ids(p, n, t->val, t->len);
                return n;
            }
        fail(p, "undefined variable \"%.*s\"", (int)t->len, t->val);
    case TK_FIELD:
        n = new_node(p, TN_FIELD, t);
        field_ids(p, n, t->val, t->len);
        return n;
    case TK_BOOL:
        n = new_node(p, TN_BOOL, t);
        n->flag = t->len == 4;
        return n;
    case TK_CHARCONST:
    case TK_COMPLEX:
    case TK_NUMBER:
        n = new_node(p, TN_NUMBER, t);
        n->text.s = t->val;
        n->text.n = t->len;
        n->num = tpl_number_parse(p->a, t, msg, sizeof msg);
        if (!n->num)
            fail(p, "%s", msg);
        return n;
    case TK_LPAREN:
        enter(p);
        n = pipeline(p, "parenthesized pipeline", TK_RPAREN);
        p->depth--;
        return n;
    case TK_STRING:
    case TK_RAWSTRING:
        n = new_node(p, TN_STRING, t);
        n->text.s = t->val;
        n->text.n = t->len;
        if (!tpl_unquote(p->a, t->val, t->len, &n->str))
            fail(p, "invalid syntax");
        return n;
    default:
        backup(p);
        return NULL;
    }
}

/* operand -> term { .Field } */
static struct tnode *operand(struct parser *p)
{
    struct tnode *n = term(p);
    if (!n || peek(p)->type != TK_FIELD)
        return n;
    struct tnode *chain = new_node(p, TN_CHAIN, peek(p));
    int k = 0;
    for (size_t i = p->cur; i < p->ntok && p->toks[i].type == TK_FIELD; i++)
        k++;
    int base = (n->type == TN_FIELD || n->type == TN_VARIABLE) ? n->nids : 0;
    chain->ids =
        palloc(p, arena_alloc(p->a, (size_t)(base + k) * sizeof *chain->ids));
    for (int i = 0; i < base; i++)
        chain->ids[i] = n->ids[i];
    chain->nids = base;
    while (peek(p)->type == TK_FIELD) {
        const struct token *f = next(p);
        chain->ids[chain->nids].s = f->val + 1;
        chain->ids[chain->nids].n = f->len - 1;
        chain->nids++;
    }
    switch (n->type) {
    case TN_FIELD:
    case TN_VARIABLE:
        chain->type = n->type;
        return chain;
    case TN_BOOL:
    case TN_STRING:
    case TN_NUMBER:
    case TN_NIL:
    case TN_DOT: {
        struct buf b;
        buf_init(&b, 1024);
        gofmt_quote(&b, node_str(p, n), strlen(node_str(p, n)), 0);
        char q[256];
        snprintf(q, sizeof q, "%s", buf_str(&b));
        buf_free(&b);
        fail(p, "unexpected . after term %s", q);
    }
    default:
        chain->pipe = n;
        return chain;
    }
}

/* command -> operand { space operand } */
static struct tnode *command(struct parser *p)
{
    struct tnode *cmd = new_node(p, TN_COMMAND, peek_non_space(p));
    for (;;) {
        peek_non_space(p);
        struct tnode *o = operand(p);
        if (o)
            append(p, cmd, o);
        const struct token *t = next(p);
        if (t->type == TK_SPACE)
            continue;
        if (t->type == TK_RDELIM || t->type == TK_RPAREN)
            backup(p);
        else if (t->type != TK_PIPE)
            unexpected(p, t, "operand");
        break;
    }
    if (cmd->nkids == 0)
        fail(p, "empty command");
    return cmd;
}

static void check_pipeline(struct parser *p, struct tnode *pipe,
                           const char *context)
{
    if (pipe->nkids == 0)
        fail(p, "missing value for %s", context);
    for (int i = 1; i < pipe->nkids; i++) {
        switch (pipe->kids[i]->kids[0]->type) {
        case TN_BOOL:
        case TN_DOT:
        case TN_NIL:
        case TN_NUMBER:
        case TN_STRING:
            fail(p, "non executable command in pipeline stage %d", i + 1);
        default:
            break;
        }
    }
}

static void add_decl(struct parser *p, struct tnode *pipe,
                     const struct token *v)
{
    struct tnode *var = new_node(p, TN_VARIABLE, v);
    field_ids(p, var, v->val, v->len);
    pipe->decl =
        palloc(p, arena_grow(p->a, pipe->decl,
                             (size_t)pipe->ndecl * sizeof *pipe->decl,
                             (size_t)(pipe->ndecl + 1) * sizeof *pipe->decl));
    pipe->decl[pipe->ndecl++] = var;
    push_var(p, v->val, v->len);
}

/* declarations -> $x := | $x = | $x , $y := (range only) */
static void declarations(struct parser *p, struct tnode *pipe,
                         const char *context)
{
    for (;;) {
        const struct token *v = peek_non_space(p);
        if (v->type != TK_VARIABLE)
            return;
        size_t vi = p->cur;
        next(p);
        const struct token *nx = peek_non_space(p);
        if (nx->type == TK_ASSIGN || nx->type == TK_DECLARE) {
            pipe->flag = nx->type == TK_ASSIGN;
            next_non_space(p);
            add_decl(p, pipe, v);
            return;
        }
        if (nx->type == TK_CHAR && nx->len == 1 && nx->val[0] == ',') {
            next_non_space(p);
            add_decl(p, pipe, v);
            if (strcmp(context, "range") == 0 && pipe->ndecl < 2) {
                int tt = peek_non_space(p)->type;
                if (tt == TK_VARIABLE || tt == TK_RDELIM || tt == TK_RPAREN)
                    continue;
                fail(p, "range can only initialize variables");
            }
            fail(p, "too many declarations in %s", context);
        }
        p->cur = vi;
        return;
    }
}

/* pipeline -> [declarations] command { '|' command } */
static struct tnode *pipeline(struct parser *p, const char *context, int end)
{
    struct tnode *pipe = new_node(p, TN_PIPE, peek_non_space(p));
    declarations(p, pipe, context);
    for (;;) {
        const struct token *t = next_non_space(p);
        if (t->type == end) {
            check_pipeline(p, pipe, context);
            return pipe;
        }
        switch (t->type) {
        case TK_BOOL:
        case TK_CHARCONST:
        case TK_COMPLEX:
        case TK_DOT:
        case TK_FIELD:
        case TK_IDENT:
        case TK_NUMBER:
        case TK_NIL:
        case TK_RAWSTRING:
        case TK_STRING:
        case TK_VARIABLE:
        case TK_LPAREN:
            backup(p);
            append(p, pipe, command(p));
            break;
        default:
            unexpected(p, t, context);
        }
    }
}

/* control -> pipeline itemList [ {{else}} (if|with control | itemList) ]
 * {{end}} */
static struct tnode *control(struct parser *p, int type, const char *context)
{
    size_t nv = p->nvars;
    struct tnode *n = palloc(p, tpl_node_new(p->a, type, 0, 0));
    n->pipe = pipeline(p, context, TK_RDELIM);
    n->pos = n->pipe->pos;
    n->line = n->pipe->line;
    struct tnode *end;
    if (type == TN_RANGE)
        p->range_depth++;
    n->list = item_list(p, &end);
    if (type == TN_RANGE)
        p->range_depth--;
    if (end->type == TN_ELSE) {
        int pt = peek(p)->type;
        if ((type == TN_IF && pt == TK_IF) ||
            (type == TN_WITH && pt == TK_WITH)) {
            next(p);
            n->elselist =
                palloc(p, tpl_node_new(p->a, TN_LIST, end->pos, end->line));
            enter(p);
            append(p, n->elselist, control(p, type, context));
            p->depth--;
        } else {
            n->elselist = item_list(p, &end);
            if (end->type != TN_END)
                fail(p, "expected end; found %s", node_str(p, end));
        }
    }
    p->nvars = nv;
    return n;
}

static struct tstr template_name(struct parser *p, const struct token *t,
                                 const char *context)
{
    struct tstr s = {0};
    if (t->type != TK_STRING && t->type != TK_RAWSTRING)
        unexpected(p, t, context);
    if (!tpl_unquote(p->a, t->val, t->len, &s))
        fail(p, "invalid syntax");
    return s;
}

/* Parse a nested template body ({{define}} or {{block}}) with fresh
 * variables, as Go parses it with a new Tree. */
static struct tnode *sub_tree(struct parser *p, struct tnode **end)
{
    struct tstr *vars = p->vars;
    size_t nv = p->nvars, cv = p->capvars;
    int rd = p->range_depth;
    p->vars = NULL;
    p->nvars = p->capvars = 0;
    p->range_depth = 0;
    push_var(p, "$", 1);
    struct tnode *root = item_list(p, end);
    p->vars = vars;
    p->nvars = nv;
    p->capvars = cv;
    p->range_depth = rd;
    return root;
}

/* block -> {{block "name" pipeline}} itemList {{end}} */
static struct tnode *block_control(struct parser *p)
{
    const struct token *t = next_non_space(p);
    struct tstr name = template_name(p, t, "block clause");
    struct tnode *pipe = pipeline(p, "block clause", TK_RDELIM);
    struct tnode *end;
    struct tnode *root = sub_tree(p, &end);
    if (end->type != TN_END)
        fail(p, "unexpected %s in block clause", node_str(p, end));
    add_tree(p, name.s, name.n, root);
    struct tnode *n = new_node(p, TN_TEMPLATE, t);
    n->text = name;
    n->pipe = pipe;
    return n;
}

/* template -> {{template "name" [pipeline]}} */
static struct tnode *template_control(struct parser *p)
{
    const struct token *t = next_non_space(p);
    struct tstr name = template_name(p, t, "template clause");
    struct tnode *n = new_node(p, TN_TEMPLATE, t);
    n->text = name;
    if (next_non_space(p)->type != TK_RDELIM) {
        backup(p);
        n->pipe = pipeline(p, "template clause", TK_RDELIM);
    }
    return n;
}

/* break -> {{break}}, continue -> {{continue}}: only inside range */
static struct tnode *loop_control(struct parser *p, const struct token *kw)
{
    bool brk = kw->type == TK_BREAK;
    const struct token *t = next_non_space(p);
    if (t->type != TK_RDELIM)
        unexpected(p, t, brk ? "{{break}}" : "{{continue}}");
    if (p->range_depth == 0)
        fail(p, "{{%s}} outside {{range}}", brk ? "break" : "continue");
    return new_node(p, brk ? TN_BREAK : TN_CONTINUE, kw);
}

/* else -> {{else}} | {{else if ...}} | {{else with ...}} */
static struct tnode *else_control(struct parser *p)
{
    const struct token *pk = peek_non_space(p);
    if (pk->type == TK_IF || pk->type == TK_WITH)
        return new_node(p, TN_ELSE, pk);
    return new_node(p, TN_ELSE, expect(p, TK_RDELIM, "else"));
}

/* action -> control | pipeline */
static struct tnode *action(struct parser *p)
{
    const struct token *t = next_non_space(p);
    struct tnode *n;
    enter(p);
    switch (t->type) {
    case TK_BLOCK:
        n = block_control(p);
        break;
    case TK_BREAK:
    case TK_CONTINUE:
        n = loop_control(p, t);
        break;
    case TK_ELSE:
        n = else_control(p);
        break;
    case TK_END:
        n = new_node(p, TN_END, expect(p, TK_RDELIM, "end"));
        break;
    case TK_IF:
        n = control(p, TN_IF, "if");
        break;
    case TK_RANGE:
        n = control(p, TN_RANGE, "range");
        break;
    case TK_TEMPLATE:
        n = template_control(p);
        break;
    case TK_WITH:
        n = control(p, TN_WITH, "with");
        break;
    default:
        backup(p);
        t = peek(p);
        n = new_node(p, TN_ACTION, t);
        n->pipe = pipeline(p, "command", TK_RDELIM);
        break;
    }
    p->depth--;
    return n;
}

/* textOrAction -> text | action */
static struct tnode *text_or_action(struct parser *p)
{
    const struct token *t = next_non_space(p);
    if (t->type == TK_TEXT) {
        struct tnode *n = new_node(p, TN_TEXT, t);
        n->text.s = t->val;
        n->text.n = t->len;
        return n;
    }
    if (t->type != TK_LDELIM)
        unexpected(p, t, "input");
    int saved = p->action_line;
    p->action_line = t->line;
    struct tnode *n = action(p);
    p->action_line = saved;
    return n;
}

/* itemList -> { textOrAction } ending at {{end}} or {{else}} */
static struct tnode *item_list(struct parser *p, struct tnode **end)
{
    const struct token *pk = peek_non_space(p);
    struct tnode *list = new_node(p, TN_LIST, pk);
    while (peek_non_space(p)->type != TK_EOF) {
        struct tnode *n = text_or_action(p);
        if (n->type == TN_END || n->type == TN_ELSE) {
            *end = n;
            return list;
        }
        append(p, list, n);
    }
    fail(p, "unexpected EOF");
}

/* define -> {{define "name"}} itemList {{end}} */
static void definition(struct parser *p)
{
    const struct token *t = next_non_space(p);
    if (t->type != TK_STRING && t->type != TK_RAWSTRING)
        unexpected(p, t, "define clause");
    struct tstr name = template_name(p, t, "define clause");
    expect(p, TK_RDELIM, "define clause");
    struct tnode *end;
    struct tnode *root = sub_tree(p, &end);
    if (end->type != TN_END)
        fail(p, "unexpected %s in define clause", node_str(p, end));
    add_tree(p, name.s, name.n, root);
}

/* template -> { define | textOrAction } EOF */
static struct tnode *parse_top(struct parser *p)
{
    struct tnode *root = new_node(p, TN_LIST, peek(p));
    while (peek(p)->type != TK_EOF) {
        if (peek(p)->type == TK_LDELIM) {
            size_t at = p->cur;
            next(p);
            if (next_non_space(p)->type == TK_DEFINE) {
                definition(p);
                continue;
            }
            p->cur = at;
        }
        struct tnode *n = text_or_action(p);
        if (n->type == TN_END || n->type == TN_ELSE)
            fail(p, "unexpected %s", node_str(p, n));
        append(p, root, n);
    }
    return root;
}

static int run_parser(struct parser *p, const char *text, size_t n)
{
    struct lex_opts lo = {
        .break_ok = !tpl_funcs_find(p->funcs, "break", 5),
        .continue_ok = !tpl_funcs_find(p->funcs, "continue", 8),
    };
    p->toks = tpl_lex(&p->scratch, text, n, &lo, &p->ntok);
    if (!p->toks || p->ntok == 0)
        return rn_errf(p->e, RN_ENOMEM, "template: out of memory");
    if (setjmp(p->jb))
        return p->code;
    push_var(p, "$", 1);
    struct tnode *root = parse_top(p);
    add_tree(p, p->t->name, strlen(p->t->name), root);
    return RN_OK;
}

/* Parse text as template `name` with functions f (borrowed, must
 * outlive the result).  NULL with RN_ESYNTAX (Go's message) or RN_ENOMEM
 * in e.  Free with tpl_free. */
struct tpl *tpl_parse(const char *name, const char *text, size_t n,
                      const struct tpl_funcs *f, struct rn_err *e)
{
    if (n > TPL_MAX_TEXT) {
        rn_errf(e, RN_ELIMIT, "template: %s: template text too large",
                name ? name : "");
        return NULL;
    }
    struct tpl *t = rn_calloc(1, sizeof *t);
    if (!t) {
        rn_errf(e, RN_ENOMEM, "template: out of memory");
        return NULL;
    }
    /* the tree takes roughly TREE_PER_BYTE times the text: a first chunk
     * of that size keeps the many small templates of a configuration from
     * each holding a mostly empty 4 KiB chunk */
    arena_init_sized(&t->arena, 0, TREE_FIRST_CHUNK + TREE_PER_BYTE * n);
    t->funcs = f;
    t->name = arena_strdup(&t->arena, name ? name : "");
    t->text = arena_strndup(&t->arena, text ? text : "", text ? n : 0);
    t->n = text ? n : 0;
    if (!t->name || !t->text) {
        tpl_free(t);
        rn_errf(e, RN_ENOMEM, "template: out of memory");
        return NULL;
    }
    struct parser p = {.t = t, .a = &t->arena, .funcs = f, .e = e};
    arena_init(&p.scratch, 0);
    int rc = run_parser(&p, t->text, t->n);
    arena_free(&p.scratch);
    if (rc != RN_OK) {
        tpl_free(t);
        return NULL;
    }
    t->main = tpl_tree_find(t, t->name, strlen(t->name));
    return t;
}

/* Free a parsed template set.  NULL is fine. */
void tpl_free(struct tpl *t)
{
    if (!t)
        return;
    arena_free(&t->arena);
    rn_free(t);
}
