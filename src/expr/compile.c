/*
 * compile.c: the rewrites expr's optimizer applies after checking.
 *
 * They are not just speed-ups: each one changes what some expressions
 * return, so rnotify applies the same ones.  Constant folding makes
 * `x && true` yield x itself (no bool check) and `x && false` skip x;
 * `1 % 0` fails to compile; `in` over a literal list of strings becomes a
 * set lookup that treats nil as "" and fails on non-strings;
 * `filter(xs, p)[0]` becomes a short-circuit find that throws when nothing
 * matches; `len(filter(xs, p))` counts without building the list (nor
 * charging it to the memory budget); `map(filter(...), f)` fuses (so
 * #index counts the unfiltered list); `sum([a, b])` becomes `a + b`.
 */
#include "expr_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Ends compilation with the message already in c->msg at byte pos. */
_Noreturn void expr_cthrow(struct cstate *c, uint32_t pos)
{
    c->errpos = pos;
    longjmp(c->jb, 1);
}

/* Ends compilation with a formatted message at byte pos. */
_Noreturn void expr_cfail(struct cstate *c, uint32_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    expr_cthrow(c, pos);
}

/* A zeroed node in the program's arena (no static type, no element
 * type, id -1); fails through c on OOM. */
/* Counts one node visit of a compile pass.  The parser shares subtrees
 * (comparison chains, `a ?: b`), so a small source can make a tree whose
 * walks are exponential; past a fixed budget compilation fails. */
void expr_visit(struct cstate *c, const struct node *n)
{
    if (++c->visits > 1000000ul)
        expr_cfail(c, n->pos, "expression too complex");
}

struct node *expr_node_new(struct cstate *c, int kind, uint32_t pos)
{
    struct node *n = arena_zalloc(&c->p->arena, sizeof *n);
    if (!n)
        expr_cfail(c, pos, "out of memory");
    n->kind = (uint8_t)kind;
    n->pos = pos;
    n->id = -1;
    n->elem = T_NOELEM;
    return n;
}

static struct node *mk_num(struct cstate *c, const struct node *at,
                           bool is_float, int64_t i, double f)
{
    struct node *n = expr_node_new(c, is_float ? N_FLOAT : N_INT, at->pos);
    n->ty = is_float ? T_FLOAT : T_INT;
    if (is_float)
        n->v.f = f;
    else
        n->v.i = i;
    return n;
}

static struct node *mk_bool(struct cstate *c, const struct node *at, bool b)
{
    struct node *n = expr_node_new(c, N_BOOL, at->pos);
    n->ty = T_BOOL;
    n->v.i = b;
    return n;
}

static bool is_bool(const struct node *n, int want)
{
    return n->kind == N_BOOL && (want < 0 || n->v.i == want);
}

static bool is_numlit(const struct node *n)
{
    return n->kind == N_INT || n->kind == N_FLOAT;
}

static double numlit(const struct node *n)
{
    return n->kind == N_INT ? (double)n->v.i : n->v.f;
}

static int64_t wrap(uint64_t u)
{
    return (int64_t)u;
}

/* Both operands are number literals. */
static struct node *fold_arith(struct cstate *c, struct node *n)
{
    struct node *a = n->a, *b = n->b;
    bool ints = a->kind == N_INT && b->kind == N_INT;
    uint64_t x = (uint64_t)a->v.i, y = (uint64_t)b->v.i;
    double fx = numlit(a), fy = numlit(b);
    switch (n->op) {
    case OP_ADD:
        return ints ? mk_num(c, n, false, wrap(x + y), 0)
                    : mk_num(c, n, true, 0, fx + fy);
    case OP_SUB:
        return ints ? mk_num(c, n, false, wrap(x - y), 0)
                    : mk_num(c, n, true, 0, fx - fy);
    case OP_MUL:
        return ints ? mk_num(c, n, false, wrap(x * y), 0)
                    : mk_num(c, n, true, 0, fx * fy);
    case OP_DIV:
        return mk_num(c, n, true, 0, fx / fy);
    case OP_POW:
        return mk_num(c, n, true, 0, pow(fx, fy));
    case OP_MOD:
        if (!ints)
            return n;
        if (b->v.i == 0)
            expr_cfail(c, n->pos, "integer divide by zero");
        if (b->v.i == -1)
            return mk_num(c, n, false, 0, 0);
        return mk_num(c, n, false, a->v.i % b->v.i, 0);
    default:
        return n;
    }
}

static struct node *fold_logic(struct cstate *c, struct node *n)
{
    struct node *a = n->a, *b = n->b;
    if (n->op == OP_AND) {
        if (is_bool(a, 1))
            return b;
        if (is_bool(b, 1))
            return a;
        if (is_bool(a, 0) || is_bool(b, 0))
            return mk_bool(c, n, false);
    } else {
        if (is_bool(a, 0))
            return b;
        if (is_bool(b, 0))
            return a;
        if (is_bool(a, 1) || is_bool(b, 1))
            return mk_bool(c, n, true);
    }
    return n;
}

static struct node *fold_binary(struct cstate *c, struct node *n)
{
    struct node *a = n->a, *b = n->b;
    switch (n->op) {
    case OP_AND:
    case OP_OR:
        return fold_logic(c, n);
    case OP_EQ:
        if (a->kind == N_INT && b->kind == N_INT)
            return mk_bool(c, n, a->v.i == b->v.i);
        if (a->kind == N_STRING && b->kind == N_STRING)
            return mk_bool(c, n,
                           a->v.str.n == b->v.str.n &&
                               memcmp(a->v.str.s, b->v.str.s, a->v.str.n) == 0);
        if (a->kind == N_BOOL && b->kind == N_BOOL)
            return mk_bool(c, n, a->v.i == b->v.i);
        return n;
    case OP_ADD:
        if (a->kind == N_STRING && b->kind == N_STRING) {
            size_t len = (size_t)a->v.str.n + b->v.str.n;
            char *s = arena_alloc(&c->p->arena, len + 1);
            if (!s)
                expr_cfail(c, n->pos, "out of memory");
            memcpy(s, a->v.str.s, a->v.str.n);
            memcpy(s + a->v.str.n, b->v.str.s, b->v.str.n);
            s[len] = 0;
            struct node *r = expr_node_new(c, N_STRING, n->pos);
            r->ty = T_STRING;
            r->v.str.s = s;
            r->v.str.n = (uint32_t)len;
            return r;
        }
        __attribute__((fallthrough));
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
    case OP_POW:
        if (is_numlit(a) && is_numlit(b))
            return fold_arith(c, n);
        return n;
    default:
        return n;
    }
}

static struct node *fold_unary(struct cstate *c, struct node *n)
{
    struct node *a = n->a;
    if (n->op == OP_NOT)
        return is_bool(a, -1) ? mk_bool(c, n, !a->v.i) : n;
    if (!is_numlit(a))
        return n;
    if (n->op == OP_POS)
        return mk_num(c, n, a->kind == N_FLOAT, a->v.i, a->v.f);
    return mk_num(c, n, a->kind == N_FLOAT, wrap(0u - (uint64_t)a->v.i),
                  -a->v.f);
}

/* A literal array of scalars becomes one constant []interface {}. */
static struct node *fold_array(struct cstate *c, struct node *n)
{
    if (n->nargs == 0)
        return n;
    for (int i = 0; i < n->nargs; i++) {
        int k = n->args[i]->kind;
        if (k != N_INT && k != N_FLOAT && k != N_STRING && k != N_BOOL)
            return n;
    }
    struct val_list *l = arena_zalloc(&c->p->arena, sizeof *l);
    struct val *items =
        arena_alloc(&c->p->arena, (size_t)n->nargs * sizeof *items);
    if (!l || !items)
        expr_cfail(c, n->pos, "out of memory");
    for (int i = 0; i < n->nargs; i++) {
        struct node *e = n->args[i];
        if (e->kind == N_INT)
            items[i] = val_int(e->v.i);
        else if (e->kind == N_FLOAT)
            items[i] = val_float(e->v.f);
        else if (e->kind == N_BOOL)
            items[i] = val_bool(e->v.i != 0);
        else
            items[i] = val_str(e->v.str.s, e->v.str.n);
    }
    l->len = l->cap = (uint32_t)n->nargs;
    l->items = items;
    struct node *r = expr_node_new(c, N_CONST, n->pos);
    r->ty = T_ARRAY;
    r->elem = n->elem;
    r->v.cv = val_list(l, GT_LIST_ANY);
    r->nargs = n->nargs;
    r->args = n->args; /* kept for the `in` string-set test */
    return r;
}

static bool is_builtin(const struct node *n, int id, int nargs)
{
    return n->kind == N_BUILTIN && n->id == id &&
           (nargs < 0 || n->nargs == nargs);
}

/* filter(filter(xs, p1), p2) -> filter(xs, p1 && p2) */
static struct node *fold_filter(struct cstate *c, struct node *n)
{
    if (!is_builtin(n, B_FILTER, 2) || !is_builtin(n->args[0], B_FILTER, 2))
        return n;
    struct node *inner = n->args[0];
    struct node *and = expr_node_new(c, N_BINARY, n->pos);
    and->op = OP_AND;
    and->a = inner->args[1];
    and->b = n->args[1];
    and->ty = T_BOOL;
    struct node *r = expr_node_new(c, N_BUILTIN, n->pos);
    *r = *n;
    struct node **args = arena_alloc(&c->p->arena, 2 * sizeof *args);
    if (!args)
        expr_cfail(c, n->pos, "out of memory");
    args[0] = inner->args[0];
    args[1] = and;
    r->args = args;
    return r;
}

static void fold(struct cstate *c, struct node **np);

static void fold_children(struct cstate *c, struct node *n)
{
    if (n->kind == N_CONST)
        return;
    if (n->a)
        fold(c, &n->a);
    if (n->b)
        fold(c, &n->b);
    if (n->c)
        fold(c, &n->c);
    if (n->map)
        fold(c, &n->map);
    for (int i = 0; i < n->nargs; i++)
        fold(c, &n->args[i]);
}

static void fold(struct cstate *c, struct node **np)
{
    struct node *n = *np;
    expr_visit(c, n);
    fold_children(c, n);
    struct node *r = n;
    switch (n->kind) {
    case N_UNARY:
        r = fold_unary(c, n);
        break;
    case N_BINARY:
        r = fold_binary(c, n);
        break;
    case N_ARRAY:
        r = fold_array(c, n);
        break;
    case N_BUILTIN:
        r = fold_filter(c, n);
        break;
    default:
        break;
    }
    if (r != n) {
        c->changed = 1;
        *np = r;
    }
}

static void mark_strset(struct cstate *c, struct node *n)
{
    expr_visit(c, n);
    if (n->kind == N_BINARY && n->op == OP_IN && n->b->kind == N_ARRAY &&
        n->b->nargs > 0) {
        bool all = true;
        for (int i = 0; i < n->b->nargs; i++)
            if (n->b->args[i]->kind != N_STRING)
                all = false;
        if (all)
            n->flags |= NF_STRSET;
    }
    if (n->kind == N_CONST)
        return;
    struct node *kids[] = {n->a, n->b, n->c, n->map};
    for (int i = 0; i < 4; i++)
        if (kids[i])
            mark_strset(c, kids[i]);
    for (int i = 0; i < n->nargs; i++)
        mark_strset(c, n->args[i]);
}

static struct node *as_find(struct cstate *c, struct node *filter, int id,
                            bool throws)
{
    struct node *r = expr_node_new(c, N_BUILTIN, filter->pos);
    *r = *filter;
    r->id = id;
    if (throws)
        r->flags |= NF_THROWS;
    return r;
}

/* filter(...)[0] / [-1] / first(filter(...)) / last(filter(...)),
 * map(filter(xs, p), f), len(filter(xs, p)), sum([a, b, ...]) */
static struct node *rewrite(struct cstate *c, struct node *n)
{
    if (n->kind == N_BUILTIN && n->id == B_MAP && n->nargs == 2 &&
        n->args[1]->kind == N_CLOSURE && is_builtin(n->args[0], B_FILTER, 2) &&
        !n->args[0]->map) {
        struct node *r = as_find(c, n->args[0], B_FILTER, false);
        r->map = n->args[1]->a;
        return r;
    }
    if (n->kind == N_BUILTIN && n->nargs == 1 &&
        is_builtin(n->args[0], B_FILTER, 2) && !n->args[0]->map &&
        strcmp(expr_builtin_name(n->id), "len") == 0) {
        struct node *r = as_find(c, n->args[0], B_COUNT, false);
        r->ty = n->ty;
        return r;
    }
    if (n->kind == N_MEMBER && !(n->flags & NF_OPTIONAL) &&
        n->b->kind == N_INT && (n->b->v.i == 0 || n->b->v.i == -1) &&
        is_builtin(n->a, B_FILTER, 2)) {
        struct node *r =
            as_find(c, n->a, n->b->v.i == 0 ? B_FIND : B_FINDLAST, true);
        r->pos = n->pos;
        return r;
    }
    if (n->kind == N_BUILTIN && n->nargs == 1 &&
        is_builtin(n->args[0], B_FILTER, 2)) {
        const char *name = expr_builtin_name(n->id);
        if (strcmp(name, "first") == 0)
            return as_find(c, n->args[0], B_FIND, false);
        if (strcmp(name, "last") == 0)
            return as_find(c, n->args[0], B_FINDLAST, false);
    }
    if (is_builtin(n, B_SUM, 1) && n->args[0]->kind == N_ARRAY &&
        n->args[0]->nargs >= 2) {
        struct node *arr = n->args[0];
        struct node *acc = arr->args[arr->nargs - 1];
        for (int i = arr->nargs - 2; i >= 0; i--) {
            struct node *add = expr_node_new(c, N_BINARY, 0);
            add->op = OP_ADD;
            add->a = arr->args[i];
            add->b = acc;
            add->ty = T_ANY;
            acc = add;
        }
        return acc;
    }
    return n;
}

static void rewrite_all(struct cstate *c, struct node **np)
{
    struct node *n = *np;
    expr_visit(c, n);
    if (n->kind != N_CONST) {
        struct node **kids[] = {&n->a, &n->b, &n->c, &n->map};
        for (int i = 0; i < 4; i++)
            if (*kids[i])
                rewrite_all(c, kids[i]);
        for (int i = 0; i < n->nargs; i++)
            rewrite_all(c, &n->args[i]);
    }
    *np = rewrite(c, n);
}

/* A member whose key is a literal and that is not a method callee. */
static bool path_step(const struct node *n)
{
    return n->kind == N_MEMBER && !(n->flags & NF_METHOD) &&
           (n->b->kind == N_STRING || n->b->kind == N_INT);
}

/* Replaces each maximal run of literal-key members (rollout.status.phase,
 * containers[0].image, a?.[0]?.b) with one N_PATH that eval.c walks in a
 * loop.  Runs last: the other passes do not know N_PATH. */
static void make_paths(struct cstate *c, struct node **np)
{
    struct node *n = *np;
    expr_visit(c, n);
    if (n->kind == N_PATH)
        return; /* a subtree shared by two parents (a < b < c, a ?: b) */
    if (path_step(n)) {
        int k = 0;
        struct node *r = n;
        for (; path_step(r); r = r->a)
            k++;
        struct node *p = expr_node_new(c, N_PATH, n->pos);
        struct node **steps =
            arena_alloc(&c->p->arena, (size_t)k * sizeof *steps);
        if (!steps)
            expr_cfail(c, n->pos, "out of memory");
        r = n;
        for (int i = k - 1; i >= 0; i--, r = r->a)
            steps[i] = r;
        p->ty = n->ty;
        p->a = r;
        p->args = steps;
        p->nargs = k;
        make_paths(c, &p->a);
        *np = p;
        return;
    }
    if (n->kind == N_CONST)
        return;
    if (n->kind == N_CALL && n->a->kind == N_MEMBER) {
        make_paths(c, &n->a->a); /* the callee stays a member */
        make_paths(c, &n->a->b);
    } else if (n->a) {
        make_paths(c, &n->a);
    }
    struct node **kids[] = {&n->b, &n->c, &n->map};
    for (int i = 0; i < 3; i++)
        if (*kids[i])
            make_paths(c, kids[i]);
    for (int i = 0; i < n->nargs; i++)
        make_paths(c, &n->args[i]);
}

/* Applies expr's optimizer rewrites to *root in place (see above). */
void expr_optimize(struct cstate *c, struct node **root)
{
    mark_strset(c, *root);
    for (int i = 0; i < 100; i++) {
        c->changed = 0;
        fold(c, root);
        if (!c->changed)
            break;
    }
    rewrite_all(c, root);
    make_paths(c, root);
}
