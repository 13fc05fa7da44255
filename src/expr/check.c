/*
 * check.c: static types and the compile errors of expr's checker.
 *
 * Conditions are compiled without an environment, so every variable is
 * `interface {}` and only what literals, builtins and time methods reveal
 * can fail to compile: `1 + 'a'`, `7.5 % 2`, `len(1)`, `upper(1)`,
 * `'a' matches '['`, `#` outside a predicate, `filter(m, ...)` over a map
 * literal.  The rules follow expr's checker case by case (including its
 * quirks: `nil` has its own type, `+s` is fine for an unknown s, a call of
 * an unknown function is not checked).  The pass also resolves `let`
 * variables and `#index`/`#acc` for the evaluator.
 */
#include "expr_int.h"

#include "../core/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct pscope {
    uint8_t vtype;
    bool has_index, has_acc;
};

struct vscope {
    const char *name;
    uint32_t n;
    uint8_t ty, elem;
    int slot;
};

struct chk {
    struct cstate *c;
    struct pscope ps[RN_EXPR_MAX_DEPTH];
    int nps;
    struct vscope vs[RN_EXPR_MAX_DEPTH];
    int nvs;
    int quiet; /* inside arguments expr would not check */
};

static int visit(struct chk *k, struct node *n);

/* Go's name of a static type, as checker messages print it. */
const char *expr_ety_name(int t)
{
    static const char *const names[] = {
        [T_NIL] = "<nil>",
        [T_ANY] = "interface {}",
        [T_BOOL] = "bool",
        [T_INT] = "int",
        [T_INT64] = "int64",
        [T_UINT8] = "uint8",
        [T_FLOAT] = "float64",
        [T_STRING] = "string",
        [T_ARRAY] = "[]interface {}",
        [T_LIST_INT] = "[]int",
        [T_LIST_STRING] = "[]string",
        [T_PAIRS] = "[][2]interface {}",
        [T_MAP] = "map[string]interface {}",
        [T_MAP_ANY] = "map[interface {}]interface {}",
        [T_GROUPS] = "map[interface {}][]interface {}",
        [T_TIME] = "time.Time",
        [T_DURATION] = "time.Duration",
        [T_MONTH] = "time.Month",
        [T_WEEKDAY] = "time.Weekday",
        [T_LOCATION] = "*time.Location",
        [T_FUNC] = "func",
        [T_NOELEM] = "<nil>",
    };
    return t >= 0 && t <= T_NOELEM ? names[t] : "?";
}

static int t_kind(int t)
{
    switch (t) {
    case T_INT:
    case T_MONTH:
    case T_WEEKDAY:
        return T_INT;
    case T_INT64:
    case T_DURATION:
        return T_INT64;
    case T_ARRAY:
    case T_LIST_INT:
    case T_LIST_STRING:
    case T_PAIRS:
        return T_ARRAY;
    case T_MAP:
    case T_MAP_ANY:
    case T_GROUPS:
        return T_MAP;
    default:
        return t;
    }
}

static int t_key(int t)
{
    return t == T_MAP ? T_STRING : T_ANY;
}

static bool comparable(int l, int r)
{
    if (l == T_NIL || r == T_NIL || l == T_NOELEM || r == T_NOELEM)
        return true;
    return t_kind(l) == t_kind(r) || (t_num(l) && t_num(r)) || t_any(l) ||
           t_any(r);
}

static bool assignable(int from, int to)
{
    return from == to || to == T_ANY;
}

static int combined(int a, int b)
{
    if (t_kind(a) == t_kind(b))
        return a;
    if (t_float(a) || t_float(b))
        return T_FLOAT;
    return T_INT;
}

typedef bool tpred(int);
static bool or3(int l, int r, tpred *f1, tpred *f2, tpred *f3, tpred *f4)
{
    tpred *fs[] = {f1, f2, f3, f4};
    if (t_any(l) && t_any(r))
        return true;
    for (int i = 0; i < 4; i++) {
        if (!fs[i])
            continue;
        if ((t_any(l) && fs[i](r)) || (t_any(r) && fs[i](l)))
            return true;
    }
    return false;
}

__attribute__((format(printf, 3, 4))) static int
fail(struct chk *k, const struct node *n, const char *fmt, ...)
{
    if (k->quiet)
        return T_ANY;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->c->msg, sizeof k->c->msg, fmt, ap);
    va_end(ap);
    expr_cthrow(k->c, n->pos);
}

static const char *op_name(int op)
{
    static const char *const names[] = {
        [OP_NOT] = "!",
        [OP_NEG] = "-",
        [OP_POS] = "+",
        [OP_OR] = "||",
        [OP_AND] = "&&",
        [OP_EQ] = "==",
        [OP_NE] = "!=",
        [OP_LT] = "<",
        [OP_GT] = ">",
        [OP_LE] = "<=",
        [OP_GE] = ">=",
        [OP_IN] = "in",
        [OP_MATCHES] = "matches",
        [OP_CONTAINS] = "contains",
        [OP_STARTS] = "startsWith",
        [OP_ENDS] = "endsWith",
        [OP_RANGE] = "..",
        [OP_ADD] = "+",
        [OP_SUB] = "-",
        [OP_MUL] = "*",
        [OP_DIV] = "/",
        [OP_MOD] = "%",
        [OP_POW] = "**",
        [OP_COALESCE] = "??",
    };
    return names[op] ? names[op] : "?";
}

static int check_unary(struct chk *k, struct node *n)
{
    int t = visit(k, n->a);
    if (n->op == OP_NOT && (t_bool(t) || t_any(t)))
        return T_BOOL;
    if (n->op != OP_NOT && t_num(t))
        return t;
    if (n->op != OP_NOT && t_any(t))
        return T_ANY;
    return fail(k, n, "invalid operation: %s (mismatched type %s)%s",
                op_name(n->op), expr_ety_name(t), "");
}

static int check_in(struct chk *k, struct node *n, int l, int r)
{
    if ((t_str(l) || t_any(l)) && t_time(r))
        return T_BOOL;
    if (t_map(r)) {
        if (l != T_NIL && !t_any(l) && !assignable(l, t_key(r)))
            return fail(k, n, "cannot use %s as type %s in map key%s",
                        expr_ety_name(l), expr_ety_name(t_key(r)), "");
        return T_BOOL;
    }
    if (t_array(r)) {
        if (l == T_NIL)
            return T_BOOL;
        if (!comparable(l, t_elem(r)))
            return fail(k, n, "cannot use %s as type %s in array%s",
                        expr_ety_name(l), expr_ety_name(t_elem(r)), "");
        if (!comparable(l, n->b->elem))
            return fail(k, n, "cannot use %s as type %s in array%s",
                        expr_ety_name(l), expr_ety_name(n->b->elem), "");
        return T_BOOL;
    }
    if (t_any(l) && (t_str(r) || t_array(r) || t_map(r)))
        return T_BOOL;
    if (t_any(r))
        return T_BOOL;
    return -1;
}

/* A literal pattern is compiled (and JIT-compiled) once, with the
 * program; Go's compile error is a compile error of the condition. */
static void check_regex(struct chk *k, struct node *n)
{
    if (n->b->kind != N_STRING)
        return;
    struct gore *re;
    struct rn_err e = {0};
    if (gore_compile(n->b->v.str.s, n->b->v.str.n, GORE_JIT, &re, &e))
        expr_cfail(k->c, n->pos, "%s", e.msg);
    struct expr_prog *p = k->c->p;
    if (p->nregex == p->capregex) {
        size_t nc = p->capregex ? p->capregex * 2 : 4;
        struct gore **r = arena_grow(&p->arena, p->regexes,
                                     p->capregex * sizeof *r, nc * sizeof *r);
        if (!r) {
            gore_free(re);
            expr_cfail(k->c, n->pos, "out of memory");
        }
        p->regexes = r;
        p->capregex = nc;
    }
    p->regexes[p->nregex++] = re;
    n->re = re;
}

static int check_binary_ops(struct chk *k, struct node *n, int l, int r)
{
    switch (n->op) {
    case OP_EQ:
    case OP_NE:
        return comparable(l, r) ? T_BOOL : -1;
    case OP_OR:
    case OP_AND:
        return (t_bool(l) && t_bool(r)) || or3(l, r, t_bool, NULL, NULL, NULL)
                   ? T_BOOL
                   : -1;
    case OP_LT:
    case OP_GT:
    case OP_LE:
    case OP_GE:
        if ((t_num(l) && t_num(r)) || (t_str(l) && t_str(r)) ||
            (t_time(l) && t_time(r)) || or3(l, r, t_num, t_str, t_time, NULL))
            return T_BOOL;
        return -1;
    case OP_SUB:
        if (t_num(l) && t_num(r))
            return combined(l, r);
        if (t_time(l) && t_time(r))
            return T_DURATION;
        if (t_time(l) && t_dur(r))
            return T_TIME;
        return or3(l, r, t_num, t_time, NULL, NULL) ? T_ANY : -1;
    case OP_MUL:
        if (t_num(l) && t_num(r))
            return combined(l, r);
        return or3(l, r, t_num, NULL, NULL, NULL) ? T_ANY : -1;
    case OP_DIV:
    case OP_POW:
        if ((t_num(l) && t_num(r)) || or3(l, r, t_num, NULL, NULL, NULL))
            return T_FLOAT;
        return -1;
    case OP_MOD:
        if (t_int(l) && t_int(r))
            return combined(l, r);
        return or3(l, r, t_int, NULL, NULL, NULL) ? T_ANY : -1;
    case OP_ADD:
        if (t_num(l) && t_num(r))
            return combined(l, r);
        if (t_str(l) && t_str(r))
            return T_STRING;
        if ((t_time(l) && t_dur(r)) || (t_dur(l) && t_time(r)))
            return T_TIME;
        return or3(l, r, t_num, t_str, t_time, t_dur) ? T_ANY : -1;
    case OP_IN:
        return check_in(k, n, l, r);
    case OP_MATCHES:
        check_regex(k, n);
        __attribute__((fallthrough));
    case OP_CONTAINS:
    case OP_STARTS:
    case OP_ENDS:
        if ((t_str(l) && t_str(r)) || or3(l, r, t_str, NULL, NULL, NULL))
            return T_BOOL;
        return -1;
    case OP_RANGE:
        if ((t_int(l) && t_int(r)) || or3(l, r, t_int, NULL, NULL, NULL))
            return T_LIST_INT;
        return -1;
    case OP_COALESCE:
        if (l == T_NIL)
            return r;
        if (r == T_NIL)
            return l;
        return assignable(r, l) ? l : T_ANY;
    }
    return -1;
}

static int check_binary(struct chk *k, struct node *n)
{
    int l = visit(k, n->a);
    int r = visit(k, n->b);
    int t = check_binary_ops(k, n, l, r);
    if (t >= 0)
        return t;
    return fail(k, n, "invalid operation: %s (mismatched types %s and %s)",
                op_name(n->op), expr_ety_name(l), expr_ety_name(r));
}

static bool is_ident(const struct node *n, const char *name)
{
    return n->kind == N_IDENT && strlen(name) == n->v.str.n &&
           memcmp(n->v.str.s, name, n->v.str.n) == 0;
}

static int check_member(struct chk *k, struct node *n)
{
    if (is_ident(n->a, "$env")) {
        visit(k, n->a);
        if (n->a->kind == N_ENV) {
            visit(k, n->b);
            return T_ANY;
        }
    }
    int base = visit(k, n->a);
    int prop = visit(k, n->b);
    char pname[80] = "";
    if (n->b->kind == N_STRING) {
        snprintf(pname, sizeof pname, "%.*s", (int)n->b->v.str.n,
                 n->b->v.str.s);
        if (base == T_NIL)
            return fail(k, n, "type %s has no field %s%s", "<nil>", pname, "");
        int mid = expr_method_find(base, n->b->v.str.s, n->b->v.str.n);
        if (mid >= 0) {
            n->id = mid;
            return T_FUNC;
        }
    }
    if (t_any(base))
        return T_ANY;
    if (t_map(base)) {
        if (prop != T_NIL && !assignable(prop, t_key(base)) && !t_any(prop))
            return fail(k, n->b, "cannot use %s to get an element from %s%s",
                        expr_ety_name(prop), expr_ety_name(base), "");
        return t_elem(base);
    }
    if (t_array(base)) {
        if (!t_int(prop) && !t_any(prop))
            return fail(k, n->b,
                        "array elements can only be selected using an "
                        "integer (got %s)%s%s",
                        expr_ety_name(prop), "", "");
        return t_elem(base);
    }
    if (t_time(base) && n->b->kind == N_STRING)
        return fail(k, n, "type %s has no %s %s", "time.Time",
                    (n->flags & NF_METHOD) ? "method" : "field", pname);
    return fail(k, n, "type %s[%s] is undefined%s", expr_ety_name(base),
                expr_ety_name(prop), "");
}

static int check_slice(struct chk *k, struct node *n)
{
    int t = visit(k, n->a);
    if (!t_any(t) && !t_str(t) && !t_array(t))
        return fail(k, n, "cannot slice %s%s%s", expr_ety_name(t), "", "");
    struct node *ends[2] = {n->b, n->c};
    for (int i = 0; i < 2; i++) {
        if (!ends[i])
            continue;
        int e = visit(k, ends[i]);
        if (!t_int(e) && !t_any(e))
            return fail(k, ends[i], "non-integer slice index %s%s%s",
                        expr_ety_name(e), "", "");
    }
    return t;
}

static void visit_args_quiet(struct chk *k, struct node *n)
{
    k->quiet++;
    for (int i = 0; i < n->nargs; i++)
        visit(k, n->args[i]);
    k->quiet--;
}

static int check_call(struct chk *k, struct node *n)
{
    int fn = visit(k, n->a);
    if (n->a->kind == N_MEMBER && n->a->b->kind == N_STRING && fn == T_FUNC &&
        n->a->id >= 0) {
        for (int i = 0; i < n->nargs; i++)
            visit(k, n->args[i]);
        int base = n->a->a->ty;
        return expr_method_check(k->c, n, base, n->a->id);
    }
    char name[80] = "function";
    if (n->a->kind == N_IDENT || n->a->kind == N_VAR)
        snprintf(name, sizeof name, "%.*s", (int)n->a->v.str.n, n->a->v.str.s);
    if (fn == T_NIL)
        return fail(k, n, "%s is nil; cannot call nil as function%s%s", name,
                    "", "");
    if (t_any(fn) || fn == T_FUNC) {
        visit_args_quiet(k, n);
        return T_ANY;
    }
    return fail(k, n, "%s is not callable%s%s", expr_ety_name(fn), "", "");
}

static void push_scope(struct chk *k, int vtype, bool idx, bool acc)
{
    if (k->nps >= RN_EXPR_MAX_DEPTH)
        expr_cfail(k->c, 0, "expression nested too deeply");
    k->ps[k->nps].vtype = (uint8_t)vtype;
    k->ps[k->nps].has_index = idx;
    k->ps[k->nps].has_acc = acc;
    k->nps++;
}

static int check_pred(struct chk *k, struct node *n)
{
    const char *name = expr_builtin_name(n->id);
    int coll = visit(k, n->args[0]);
    if (!t_array(coll) && !t_any(coll))
        return fail(k, n->args[0], "builtin %s takes only array (got %s)%s",
                    name, expr_ety_name(coll), "");
    bool idx = n->id == B_MAP || n->id == B_REDUCE;
    int out = T_ANY;
    if (n->nargs >= 2) {
        push_scope(k, coll, idx, n->id == B_REDUCE);
        out = visit(k, n->args[1]);
        k->nps--;
    }
    if (n->nargs >= 3)
        visit(k, n->args[2]);
    switch (n->id) {
    case B_ALL:
    case B_NONE:
    case B_ANY:
    case B_ONE:
    case B_FILTER:
    case B_FIND:
    case B_FINDLAST:
    case B_FINDINDEX:
    case B_FINDLASTINDEX:
    case B_COUNT:
        if (n->nargs >= 2 && !t_bool(out) && !t_any(out))
            return fail(k, n->args[1],
                        "predicate should return boolean (got %s)%s%s",
                        expr_ety_name(out), "", "");
        break;
    default:
        break;
    }
    switch (n->id) {
    case B_ALL:
    case B_NONE:
    case B_ANY:
    case B_ONE:
        return T_BOOL;
    case B_FILTER:
    case B_MAP:
    case B_SORTBY:
        return T_ARRAY;
    case B_FIND:
    case B_FINDLAST:
        return t_any(coll) ? T_ANY : t_elem(coll);
    case B_FINDINDEX:
    case B_FINDLASTINDEX:
    case B_COUNT:
        return T_INT;
    case B_SUM:
        if (n->nargs == 2)
            return out;
        return t_any(coll) ? T_ANY : t_elem(coll);
    case B_GROUPBY:
        return T_GROUPS;
    default: /* reduce */
        return out;
    }
}

static int check_get(struct chk *k, struct node *n)
{
    if (n->nargs != 2) {
        char b[16];
        snprintf(b, sizeof b, "%d", n->nargs);
        return fail(k, n,
                    "invalid number of arguments (expected 2, got %s)%s%s", b,
                    "", "");
    }
    if (is_ident(n->args[0], "$env")) {
        visit(k, n->args[0]);
        visit_args_quiet(k, n);
        return T_ANY;
    }
    int t = visit(k, n->args[0]);
    if (t_any(t)) {
        visit_args_quiet(k, n);
        return T_ANY;
    }
    if (!t_array(t) && !t_map(t))
        return fail(k, n->args[0], "type %s does not support indexing%s%s",
                    expr_ety_name(t), "", "");
    int p = visit(k, n->args[1]);
    const char *what = t_array(t) ? "slice" : "map";
    if (p == T_NIL)
        return fail(k, n->args[1], "cannot use nil as %s index%s%s", what, "",
                    "");
    if (t_array(t) && !t_int(p) && !t_any(p))
        return fail(k, n->args[1], "non-integer slice index %s%s%s",
                    expr_ety_name(p), "", "");
    if (t_map(t) && !assignable(p, t_key(t)) && !t_any(p))
        return fail(k, n->args[1], "cannot use %s to get an element from %s%s",
                    expr_ety_name(p), expr_ety_name(t), "");
    return t_elem(t);
}

static int check_builtin(struct chk *k, struct node *n)
{
    if (n->id < B_NPRED)
        return check_pred(k, n);
    if (strcmp(expr_builtin_name(n->id), "get") == 0)
        return check_get(k, n);
    uint8_t at[32];
    for (int i = 0; i < n->nargs; i++) {
        int t = visit(k, n->args[i]);
        if (i < 32)
            at[i] = (uint8_t)t;
    }
    if (n->nargs > 32)
        expr_cfail(k->c, n->pos, "too many arguments");
    if (k->quiet)
        return T_ANY;
    return expr_builtin_check(k->c, n, at);
}

static int check_pointer(struct chk *k, struct node *n)
{
    if (k->nps == 0)
        return fail(k, n, "cannot use pointer accessor outside closure%s%s%s",
                    "", "", "");
    struct pscope *s = &k->ps[k->nps - 1];
    const char *name = n->v.str.s;
    uint32_t len = n->v.str.n;
    if (len == 0) {
        n->id = 0;
        if (t_any(s->vtype))
            return T_ANY;
        if (t_array(s->vtype))
            return t_elem(s->vtype);
        return fail(k, n, "cannot use %s as array%s%s", expr_ety_name(s->vtype),
                    "", "");
    }
    if (len == 5 && memcmp(name, "index", 5) == 0 && s->has_index) {
        n->id = 1;
        return T_INT;
    }
    if (len == 3 && memcmp(name, "acc", 3) == 0 && s->has_acc) {
        n->id = 2;
        return T_ANY;
    }
    char b[64];
    snprintf(b, sizeof b, "%.*s", (int)(len > 60 ? 60 : len), name);
    return fail(k, n, "unknown pointer #%s%s%s", b, "", "");
}

static struct vscope *find_var(struct chk *k, const char *s, uint32_t n)
{
    for (int i = k->nvs - 1; i >= 0; i--)
        if (k->vs[i].n == n && memcmp(k->vs[i].name, s, n) == 0)
            return &k->vs[i];
    return NULL;
}

static int check_ident(struct chk *k, struct node *n)
{
    struct vscope *v = find_var(k, n->v.str.s, n->v.str.n);
    if (v) {
        n->kind = N_VAR;
        n->id = v->slot;
        n->elem = v->elem;
        return v->ty;
    }
    if (is_ident(n, "$env")) {
        n->kind = N_ENV;
        return T_MAP;
    }
    if (expr_builtin_find(n->v.str.s, n->v.str.n) >= 0)
        return T_FUNC;
    return T_ANY;
}

static int check_let(struct chk *k, struct node *n)
{
    char b[80];
    snprintf(b, sizeof b, "%.*s", (int)n->v.str.n, n->v.str.s);
    if (expr_builtin_find(n->v.str.s, n->v.str.n) >= 0)
        return fail(k, n, "cannot redeclare builtin %s%s%s", b, "", "");
    if (find_var(k, n->v.str.s, n->v.str.n))
        return fail(k, n, "cannot redeclare variable %s%s%s", b, "", "");
    int t = visit(k, n->a);
    if (k->nvs >= RN_EXPR_MAX_DEPTH)
        expr_cfail(k->c, n->pos, "expression nested too deeply");
    struct vscope *v = &k->vs[k->nvs++];
    v->name = n->v.str.s;
    v->n = n->v.str.n;
    v->ty = (uint8_t)t;
    v->elem = n->a->elem;
    v->slot = k->c->p->nvars++;
    n->id = v->slot;
    int out = visit(k, n->b);
    k->nvs--;
    return out;
}

static int check_cond(struct chk *k, struct node *n)
{
    int c = visit(k, n->a);
    if (!t_bool(c) && !t_any(c))
        return fail(k, n->a,
                    "non-bool expression (type %s) used as "
                    "condition%s%s",
                    expr_ety_name(c), "", "");
    int t1 = visit(k, n->b);
    int t2 = visit(k, n->c);
    if (t1 == T_NIL)
        return t2;
    if (t2 == T_NIL)
        return t1;
    return assignable(t1, t2) ? t1 : T_ANY;
}

static int check_array(struct chk *k, struct node *n)
{
    int prev = T_NIL;
    bool same = true;
    for (int i = 0; i < n->nargs; i++) {
        int cur = visit(k, n->args[i]);
        if (i > 0 &&
            (cur == T_NIL || prev == T_NIL || t_kind(cur) != t_kind(prev)))
            same = false;
        prev = cur;
    }
    n->elem =
        (same && n->nargs > 0 && prev != T_NIL) ? (uint8_t)prev : T_NOELEM;
    return T_ARRAY;
}

static int visit_kind(struct chk *k, struct node *n)
{
    switch (n->kind) {
    case N_NIL:
        return T_NIL;
    case N_BOOL:
        return T_BOOL;
    case N_INT:
        return T_INT;
    case N_FLOAT:
        return T_FLOAT;
    case N_STRING:
        return T_STRING;
    case N_CONST:
        return T_ARRAY;
    case N_IDENT:
        return check_ident(k, n);
    case N_ENV:
        return T_MAP;
    case N_VAR:
        return n->ty;
    case N_UNARY:
        return check_unary(k, n);
    case N_BINARY:
        return check_binary(k, n);
    case N_CHAIN:
        return visit(k, n->a);
    case N_MEMBER:
        return check_member(k, n);
    case N_SLICE:
        return check_slice(k, n);
    case N_CALL:
        return check_call(k, n);
    case N_BUILTIN:
        return check_builtin(k, n);
    case N_CLOSURE: {
        int t = visit(k, n->a);
        if (t == T_NIL)
            return fail(k, n->a, "closure cannot be nil%s%s%s", "", "", "");
        return t;
    }
    case N_POINTER:
        return check_pointer(k, n);
    case N_LET:
        return check_let(k, n);
    case N_COND:
        return check_cond(k, n);
    case N_ARRAY:
        return check_array(k, n);
    case N_MAP:
        for (int i = 0; i < n->nargs; i++)
            visit(k, n->args[i]);
        return T_MAP;
    }
    return T_ANY;
}

static int visit(struct chk *k, struct node *n)
{
    expr_visit(k->c, n);
    int t = visit_kind(k, n);
    n->ty = (uint8_t)t;
    return t;
}

/* Type-checks the tree from root, resolving let variables and pointers;
 * compile errors longjmp through c. */
void expr_check(struct cstate *c, struct node *root)
{
    struct chk *k = arena_zalloc(&c->p->arena, sizeof *k);
    if (!k)
        expr_cfail(c, 0, "out of memory");
    k->c = c;
    visit(k, root);
}
