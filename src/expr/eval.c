/*
 * eval.c: the evaluator, a walk over the checked and rewritten tree.
 *
 * It mirrors what expr's VM does for each node, including the places
 * where the VM asserts a Go type: `&&`, `||`, `!`, `?:` and predicate
 * results must be bools ("interface conversion: interface {} is nil, not
 * bool"), while `true && x` has already been folded to plain x.  An
 * optional chain (`a?.b.c`) is cut short with a flag that the enclosing
 * N_CHAIN node clears.  Predicate builtins (all, filter, map, reduce, ...)
 * keep a scope stack for `#`, `#index` and `#acc`; iterating a map counts
 * its entries but reading an element fails, as reflect's Index does.
 * Allocation goes to the caller's arena; Go's memory budget (1e6 slots) is
 * counted where expr counts it.
 */
#include "expr_int.h"

#include "../core/limits.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Ends the run with a formatted run-time error (longjmp to expr_run). */
_Noreturn void expr_fail(struct ev *ev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->msg, sizeof ev->msg, fmt, ap);
    va_end(ap);
    longjmp(ev->jb, 1);
}

/* Ends the run with a core function's error: "out of memory" for
 * RN_ENOMEM (so expr_run returns RN_ENOMEM), else its message or dflt. */
_Noreturn void expr_fail_err(struct ev *ev, const struct rn_err *e,
                             const char *dflt)
{
    if (e->code == RN_ENOMEM)
        expr_fail(ev, "out of memory");
    expr_fail(ev, "%s", e->msg[0] ? e->msg : dflt);
}

/* n bytes from the run's arena; the run fails with "out of memory" at
 * the arena's cap or past RN_EXPR_MAX_ALLOC bytes in this run. */
void *expr_alloc(struct ev *ev, size_t n)
{
    if (n > RN_EXPR_MAX_ALLOC || ev->a->used - ev->used0 > RN_EXPR_MAX_ALLOC)
        expr_fail(ev, "expression exceeded %u bytes", RN_EXPR_MAX_ALLOC);
    void *p = arena_alloc(ev->a, n ? n : 1);
    if (!p)
        expr_fail(ev, "out of memory");
    return p;
}

/* Counts work done inside one step (scanning a list or a long string)
 * against the step limit, so no single node can run unbounded. */
void expr_charge(struct ev *ev, uint64_t units)
{
    ev->steps += units;
    if (ev->steps > RN_EXPR_MAX_STEPS)
        expr_fail(ev, "expression exceeded %u steps", RN_EXPR_MAX_STEPS);
}

/* Counts n more slots against expr's memory budget (1e6); past it the
 * run fails with "memory budget exceeded" as expr's VM does. */
void expr_mem_grow(struct ev *ev, uint64_t n)
{
    ev->mem += n;
    if (ev->mem >= RN_EXPR_MEMORY_BUDGET)
        expr_fail(ev, "memory budget exceeded");
}

static bool want_bool(struct ev *ev, struct val v)
{
    if (v.kind != VAL_BOOL)
        expr_fail(ev, "interface conversion: interface {} is %s, not bool",
                  v.kind == VAL_NULL ? "nil" : expr_type_name(v));
    return v.u.b;
}

static bool str_eq(struct val a, struct val b)
{
    return a.len == b.len && val_bytes_eq(a.u.s, b.u.s, a.len);
}

static bool str_op(int op, struct val a, struct val b)
{
    switch (op) {
    case OP_CONTAINS:
        return b.len == 0 || memmem(a.u.s, a.len, b.u.s, b.len) != NULL;
    case OP_STARTS:
        return a.len >= b.len && memcmp(a.u.s, b.u.s, b.len) == 0;
    default:
        return a.len >= b.len &&
               memcmp(a.u.s + a.len - b.len, b.u.s, b.len) == 0;
    }
}

/* `l matches n->b` (l: the left operand, already evaluated): Go's
 * regexp.MatchString, core/goregexp.h. */
static struct val eval_matches(struct ev *ev, struct node *n, struct val l)
{
    struct rn_err e; /* written only on failure */
    bool m = false;
    int rc;
    if (n->re) {
        if (expr_is_nil(l))
            return val_bool(false);
        l = expr_want_str(ev, l);
        rc = gore_match(n->re, l.u.s, l.len, &m, &e);
    } else {
        struct val r = expr_eval(ev, n->b);
        ev->pos = n->pos;
        if (expr_is_nil(l) || expr_is_nil(r))
            return val_bool(false);
        l = expr_want_str(ev, l);
        r = expr_want_str(ev, r);
        struct gore *re;
        rc = gore_compile(r.u.s, r.len, 0, &re, &e);
        if (rc == RN_OK) {
            rc = gore_match(re, l.u.s, l.len, &m, &e);
            gore_free(re);
        }
    }
    if (rc)
        expr_fail(ev, "%s", e.msg);
    return val_bool(m);
}

static struct val eval_range(struct ev *ev, struct val a, struct val b)
{
    int64_t lo = expr_to_int(ev, a), hi = expr_to_int(ev, b);
    int64_t size = (int64_t)((uint64_t)hi - (uint64_t)lo + 1u); /* Go wraps */
    if (size <= 0)
        size = 0;
    expr_mem_grow(ev, (uint64_t)size);
    struct val_list *l = expr_list_new(ev, (size_t)size);
    for (int64_t i = 0; i < size; i++)
        l->items[i] = val_int(lo + i);
    return val_list(l, GT_LIST_INT);
}

static struct val eval_in(struct ev *ev, struct node *n, struct val l,
                          struct val r)
{
    if (!(n->flags & NF_STRSET))
        return val_bool(expr_in(ev, l, r));
    if (l.kind != VAL_NULL && l.kind != VAL_STRING)
        expr_fail(ev,
                  "reflect.Value.MapIndex: value of type %s is not "
                  "assignable to type string",
                  expr_type_name(l));
    struct val key = l.kind == VAL_NULL ? val_str("", 0) : l;
    for (size_t i = 0; i < val_list_len(r); i++)
        if (expr_equal(ev, val_list_at(r, i), key))
            return val_bool(true);
    return val_bool(false);
}

static struct val eval_pointer(struct ev *ev, struct node *n);
static struct val eval_path(struct ev *ev, struct node *n);

/* from[key] for a key written in the source, settled at the place node
 * n's hint names when the key is there (or, for a key absent last time,
 * is still absent there); else through expr_fetch_str, which updates the
 * hint. */
static inline struct val fetch_lit(struct ev *ev, struct val from,
                                   struct node *n, const char *key,
                                   uint32_t len)
{
    const struct val_obj *o = from.u.obj;
    if (expr_plain_map(from) && o) {
        uint32_t h = atomic_load_explicit(&n->hint, memory_order_relaxed);
        if (!(h & EXPR_HINT_ABSENT)) {
            if (h < o->len && o->kv[h].key.len == len &&
                val_bytes_eq(o->kv[h].key.u.s, key, len))
                return o->kv[h].v;
        } else if ((h &= ~EXPR_HINT_ABSENT) <= o->len &&
                   (h == 0 ||
                    expr_key_order(&o->kv[h - 1].key, key, len) < 0) &&
                   (h == o->len ||
                    expr_key_order(&o->kv[h].key, key, len) > 0)) {
            return expr_map_zero(from);
        }
    }
    return expr_fetch_str(ev, from, val_str(key, len), &n->hint);
}

/* A leaf (literal, identifier, `#`), a member path or a closure's body
 * without a call to expr_eval of its own (the step is still counted); anything
 * else through expr_eval. */
static inline struct val eval_operand(struct ev *ev, struct node *n)
{
    switch (n->kind) {
    case N_NIL:
        ev->steps++;
        return val_null();
    case N_BOOL:
        ev->steps++;
        return val_bool(n->v.i != 0);
    case N_INT:
        ev->steps++;
        return val_int(n->v.i);
    case N_STRING:
        ev->steps++;
        return val_str(n->v.str.s, n->v.str.n);
    case N_CONST:
        ev->steps++;
        return n->v.cv;
    case N_IDENT:
        ev->steps++;
        ev->pos = n->pos;
        return fetch_lit(ev, ev->env, n, n->v.str.s, n->v.str.n);
    case N_POINTER:
        ev->steps++;
        return eval_pointer(ev, n);
    case N_CLOSURE:
        ev->steps++;
        return expr_eval(ev, n->a);
    case N_PATH: /* its root goes through expr_eval unless a leaf */
        ev->steps++;
        return eval_path(ev, n);
    default:
        return expr_eval(ev, n);
    }
}

static struct val eval_binary(struct ev *ev, struct node *n)
{
    struct val l = eval_operand(ev, n->a);
    ev->pos = n->pos;
    switch (n->op) {
    case OP_AND:
        if (!want_bool(ev, l))
            return l;
        return expr_eval(ev, n->b);
    case OP_OR:
        if (want_bool(ev, l))
            return l;
        return expr_eval(ev, n->b);
    case OP_COALESCE:
        return expr_is_nil(l) ? expr_eval(ev, n->b) : l;
    case OP_MATCHES:
        return eval_matches(ev, n, l);
    default:
        break;
    }
    struct val r = eval_operand(ev, n->b);
    ev->pos = n->pos;
    switch (n->op) {
    case OP_EQ:
        if (l.kind == VAL_STRING && r.kind == VAL_STRING)
            return val_bool(str_eq(l, r));
        return val_bool(expr_equal(ev, l, r));
    case OP_NE:
        if (l.kind == VAL_STRING && r.kind == VAL_STRING)
            return val_bool(!str_eq(l, r));
        return val_bool(!expr_equal(ev, l, r));
    case OP_LT:
    case OP_GT:
    case OP_LE:
    case OP_GE:
        return val_bool(expr_compare(ev, n->op, l, r));
    case OP_IN:
        return eval_in(ev, n, l, r);
    case OP_CONTAINS:
    case OP_STARTS:
    case OP_ENDS:
        if (expr_is_nil(l) || expr_is_nil(r))
            return val_bool(false);
        if (l.kind == VAL_STRING)
            expr_charge(ev, l.len / 16);
        return val_bool(
            str_op(n->op, expr_want_str(ev, l), expr_want_str(ev, r)));
    case OP_RANGE:
        return eval_range(ev, l, r);
    default:
        return expr_arith(ev, n->op, l, r);
    }
}

static struct val eval_member(struct ev *ev, struct node *n)
{
    struct val base = expr_eval(ev, n->a);
    if (ev->chain_nil)
        return val_null();
    if ((n->flags & NF_OPTIONAL) && expr_is_nil(base)) {
        ev->chain_nil = true;
        return val_null();
    }
    struct val key = expr_eval(ev, n->b);
    ev->pos = n->pos;
    return expr_fetch(ev, base, key);
}

/* N_PATH: the member steps in order, as nested eval_member calls would
 * go (two steps each: the member and its key). */
static struct val eval_path(struct ev *ev, struct node *n)
{
    struct val v = eval_operand(ev, n->a);
    if (ev->chain_nil)
        return val_null();
    expr_charge(ev, 2 * (uint64_t)n->nargs);
    for (int i = 0; i < n->nargs; i++) {
        struct node *m = n->args[i];
        if ((m->flags & NF_OPTIONAL) && expr_is_nil(v)) {
            ev->chain_nil = true;
            return val_null();
        }
        ev->pos = m->pos;
        if (m->b->kind == N_STRING)
            v = fetch_lit(ev, v, m, m->b->v.str.s, m->b->v.str.n);
        else
            v = expr_fetch(ev, v, val_int(m->b->v.i));
    }
    return v;
}

static struct val eval_slice(struct ev *ev, struct node *n)
{
    struct val base = expr_eval(ev, n->a);
    if (ev->chain_nil)
        return val_null();
    struct val to, from = val_int(0);
    if (n->c) {
        to = expr_eval(ev, n->c);
    } else {
        ev->pos = n->pos;
        to = val_int(expr_len(ev, base));
    }
    if (n->b)
        from = expr_eval(ev, n->b);
    ev->pos = n->pos;
    return expr_slice(ev, base, from, to);
}

static struct val eval_call(struct ev *ev, struct node *n)
{
    struct val args[32];
    if (n->nargs > 32)
        expr_fail(ev, "too many arguments");
    for (int i = 0; i < n->nargs; i++)
        args[i] = expr_eval(ev, n->args[i]);
    struct node *callee = n->a;
    struct val fn;
    if (callee->kind == N_MEMBER) {
        struct val base = expr_eval(ev, callee->a);
        if (ev->chain_nil)
            return val_null();
        if ((callee->flags & NF_OPTIONAL) && expr_is_nil(base)) {
            ev->chain_nil = true;
            return val_null();
        }
        struct val key = expr_eval(ev, callee->b);
        ev->pos = callee->pos;
        int mid = key.kind == VAL_STRING
                      ? expr_method_find(expr_val_ety(base), key.u.s, key.len)
                      : -1;
        if (mid >= 0) {
            ev->pos = n->pos;
            return expr_method_call(ev, base, mid, args, n->nargs);
        }
        fn = expr_fetch(ev, base, key);
    } else {
        fn = expr_eval(ev, callee);
    }
    ev->pos = n->pos;
    return expr_call_value(ev, fn, args, n->nargs);
}

static struct val eval_array(struct ev *ev, struct node *n)
{
    struct val_list *l = expr_list_new(ev, (size_t)n->nargs);
    for (int i = 0; i < n->nargs; i++)
        l->items[i] = expr_eval(ev, n->args[i]);
    ev->pos = n->pos;
    expr_mem_grow(ev, (uint64_t)n->nargs);
    return expr_sealed(ev, val_list(l, GT_LIST_ANY));
}

static struct val eval_map(struct ev *ev, struct node *n)
{
    int pairs = n->nargs / 2;
    struct val_kv *kv =
        expr_alloc(ev, (size_t)(pairs ? pairs : 1) * sizeof *kv);
    for (int i = 0; i < pairs; i++) {
        kv[i].key = expr_eval(ev, n->args[2 * i]);
        kv[i].v = expr_eval(ev, n->args[2 * i + 1]);
    }
    ev->pos = n->pos;
    expr_mem_grow(ev, (uint64_t)pairs);
    for (int i = 0; i < pairs; i++)
        expr_want_str(ev, kv[i].key);
    return expr_map_from(ev, kv, (size_t)pairs, GT_MAP_ANY);
}

/* ---- predicate builtins ---- */

static int64_t coll_len(struct ev *ev, struct val v)
{
    switch (v.kind) {
    case VAL_ARRAY:
        return (int64_t)val_list_len(v);
    case VAL_STRING:
        return v.len;
    case VAL_OBJECT:
        if (val_gotype(v) != GT_STRUCT)
            return (int64_t)val_obj_len(v);
        break;
    default:
        break;
    }
    expr_fail(ev, "reflect: call of reflect.Value.Len on %s Value",
              expr_kind_name(v));
}

static struct val cur_item(struct ev *ev)
{
    return expr_item(ev, ev->scope->coll, ev->scope->index);
}

/* The closure's result as the VM's jump reads it (must be a bool). */
static bool pred_true(struct ev *ev, struct node *n)
{
    struct val v = eval_operand(ev, n->args[1]);
    ev->pos = n->pos;
    return want_bool(ev, v);
}

struct acc_list {
    struct val *v;
    size_t n, cap;
};

static void acc_push(struct ev *ev, struct acc_list *l, struct val v)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        struct val *nv = expr_alloc(ev, nc * sizeof *nv);
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof *nv);
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = v;
}

static struct val acc_value(struct ev *ev, struct acc_list *l)
{
    struct val_list *out = expr_alloc(ev, sizeof *out);
    out->len = out->cap = (uint32_t)l->n;
    out->items = l->v;
    return expr_sealed(ev, val_list(out, GT_LIST_ANY));
}

static struct val pred_find(struct ev *ev, struct node *n, bool backwards)
{
    struct scope *s = ev->scope;
    bool want_index = n->id == B_FINDINDEX || n->id == B_FINDLASTINDEX;
    for (s->index = backwards ? s->len - 1 : 0;
         backwards ? s->index >= 0 : s->index < s->len;
         s->index += backwards ? -1 : 1) {
        if (!pred_true(ev, n))
            continue;
        if (want_index)
            return val_int(s->index);
        return n->map ? expr_eval(ev, n->map) : cur_item(ev);
    }
    if (n->flags & NF_THROWS) {
        ev->pos = n->pos;
        expr_fail(ev, "reflect: slice index out of range");
    }
    return val_null();
}

struct group_item {
    struct val key, text, item;
};

static int group_cmp(const void *x, const void *y, void *ctx)
{
    const struct group_item *a = x, *b = y;
    (void)ctx;
    return val_keycmp(a->text.u.s, a->text.len, b->text.u.s, b->text.len);
}

/* groupBy: items grouped by key text, each group in list order. */
static struct val pred_group_by(struct ev *ev, struct node *n)
{
    struct scope *s = ev->scope;
    size_t len = (size_t)s->len;
    struct group_item *g = expr_alloc(ev, (len ? len : 1) * sizeof *g);
    for (; s->index < s->len; s->index++) {
        struct group_item *e = &g[s->index];
        e->key = expr_eval(ev, n->args[1]);
        e->item = cur_item(ev);
        e->text = expr_iface_key(ev, e->key);
    }
    expr_msort(ev, g, len, sizeof *g, group_cmp, NULL);
    struct val_kv *kv = expr_alloc(ev, (len ? len : 1) * sizeof *kv);
    struct val *keys = expr_alloc(ev, (len ? len : 1) * sizeof *keys);
    size_t nk = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && group_cmp(&g[i], &g[j], NULL) == 0)
            j++;
        struct val_list *l = expr_list_new(ev, j - i);
        for (size_t k = i; k < j; k++)
            l->items[k - i] = g[k].item;
        keys[nk] = g[i].key;
        kv[nk].key = g[i].text;
        kv[nk++].v = expr_sealed(ev, val_list(l, GT_LIST_ANY));
        i = j;
    }
    return expr_map_iface(ev, keys, kv, nk, GT_MAP_IFACE_LIST);
}

static struct val pred_sort_by(struct ev *ev, struct node *n)
{
    struct scope *s = ev->scope;
    bool desc = false;
    if (n->nargs == 3) {
        struct val o = expr_want_str(ev, expr_eval(ev, n->args[2]));
        if (o.len == 4 && memcmp(o.u.s, "desc", 4) == 0)
            desc = true;
        else if (!(o.len == 3 && memcmp(o.u.s, "asc", 3) == 0))
            expr_fail(ev, "unknown order, use asc or desc");
    }
    size_t k = (size_t)s->len;
    struct val_list *l = expr_list_new(ev, k);
    struct val *keys = expr_alloc(ev, (k ? k : 1) * sizeof *keys);
    for (; s->index < s->len; s->index++) {
        keys[s->index] = expr_eval(ev, n->args[1]);
        l->items[s->index] = cur_item(ev);
    }
    ev->pos = n->pos;
    expr_sort_vals(ev, l->items, keys, k, desc);
    expr_mem_grow(ev, k);
    return expr_sealed(ev, val_list(l, GT_LIST_ANY));
}

static struct val pred_reduce(struct ev *ev, struct node *n)
{
    struct scope *s = ev->scope;
    if (n->nargs == 3) {
        s->acc = expr_eval(ev, n->args[2]);
    } else {
        if (s->len == 0) {
            ev->pos = n->pos;
            expr_fail(ev, "reflect: slice index out of range");
        }
        s->acc = cur_item(ev);
        s->index++;
    }
    for (; s->index < s->len; s->index++)
        s->acc = expr_eval(ev, n->args[1]);
    return s->acc;
}

static struct val pred_loop(struct ev *ev, struct node *n)
{
    struct scope *s = ev->scope;
    struct acc_list out = {0};
    int64_t count = 0;
    struct val acc = val_int(0);
    for (; s->index < s->len; s->index++) {
        switch (n->id) {
        case B_ALL:
            if (!pred_true(ev, n))
                return val_bool(false);
            break;
        case B_NONE:
            if (pred_true(ev, n))
                return val_bool(false);
            break;
        case B_ANY:
            if (pred_true(ev, n))
                return val_bool(true);
            break;
        case B_ONE:
        case B_COUNT:
            if (n->nargs == 1 ? want_bool(ev, cur_item(ev)) : pred_true(ev, n))
                count++;
            break;
        case B_FILTER:
            if (pred_true(ev, n))
                acc_push(ev, &out,
                         n->map ? expr_eval(ev, n->map) : cur_item(ev));
            break;
        case B_MAP:
            acc_push(ev, &out, expr_eval(ev, n->args[1]));
            break;
        default: /* B_SUM */
            ev->pos = n->pos;
            acc = expr_arith(
                ev, OP_ADD,
                n->nargs == 2 ? expr_eval(ev, n->args[1]) : cur_item(ev), acc);
            break;
        }
    }
    ev->pos = n->pos;
    switch (n->id) {
    case B_ALL:
    case B_NONE:
        return val_bool(true);
    case B_ANY:
        return val_bool(false);
    case B_ONE:
        return val_bool(count == 1);
    case B_COUNT:
        return val_int(count);
    case B_FILTER:
    case B_MAP:
        expr_mem_grow(ev, out.n);
        return acc_value(ev, &out);
    default:
        return acc;
    }
}

static struct val eval_pred(struct ev *ev, struct node *n)
{
    struct val coll = expr_eval(ev, n->args[0]);
    ev->pos = n->pos;
    struct scope s = {.coll = coll, .len = coll_len(ev, coll), .up = ev->scope};
    ev->scope = &s;
    struct val r;
    switch (n->id) {
    case B_FIND:
    case B_FINDINDEX:
        r = pred_find(ev, n, false);
        break;
    case B_FINDLAST:
    case B_FINDLASTINDEX:
        r = pred_find(ev, n, true);
        break;
    case B_GROUPBY:
        r = pred_group_by(ev, n);
        break;
    case B_SORTBY:
        r = pred_sort_by(ev, n);
        break;
    case B_REDUCE:
        r = pred_reduce(ev, n);
        break;
    default:
        r = pred_loop(ev, n);
    }
    ev->scope = s.up;
    return r;
}

static struct val eval_pointer(struct ev *ev, struct node *n)
{
    ev->pos = n->pos;
    if (!ev->scope)
        expr_fail(ev, "cannot use pointer accessor outside closure");
    if (n->id == 1)
        return val_int(ev->scope->index);
    if (n->id == 2)
        return ev->scope->acc;
    if (ev->scope->index >= ev->scope->len)
        expr_fail(ev, "reflect: slice index out of range");
    return cur_item(ev);
}

static struct val eval_node(struct ev *ev, struct node *n)
{
    switch (n->kind) {
    case N_NIL:
        return val_null();
    case N_BOOL:
        return val_bool(n->v.i != 0);
    case N_INT:
        return val_int(n->v.i);
    case N_FLOAT:
        return val_float(n->v.f);
    case N_STRING:
        return val_str(n->v.str.s, n->v.str.n);
    case N_CONST:
        return n->v.cv;
    case N_IDENT:
        ev->pos = n->pos;
        return fetch_lit(ev, ev->env, n, n->v.str.s, n->v.str.n);
    case N_ENV:
        return ev->env;
    case N_VAR:
        return ev->vars[n->id];
    case N_POINTER:
        return eval_pointer(ev, n);
    case N_UNARY: {
        struct val v = expr_eval(ev, n->a);
        ev->pos = n->pos;
        if (n->op == OP_NOT)
            return val_bool(!want_bool(ev, v));
        return n->op == OP_NEG ? expr_negate(ev, v) : v;
    }
    case N_BINARY:
        return eval_binary(ev, n);
    case N_CHAIN: {
        struct val v = expr_eval(ev, n->a);
        ev->chain_nil = false;
        return expr_is_nil(v) ? val_null() : v;
    }
    case N_MEMBER:
        return eval_member(ev, n);
    case N_SLICE:
        return eval_slice(ev, n);
    case N_CALL:
        return eval_call(ev, n);
    case N_BUILTIN:
        if (n->id < B_NPRED)
            return eval_pred(ev, n);
        return expr_call_builtin(ev, n);
    case N_CLOSURE:
        return expr_eval(ev, n->a);
    case N_LET:
        ev->vars[n->id] = expr_eval(ev, n->a);
        return expr_eval(ev, n->b);
    case N_COND: {
        struct val c = expr_eval(ev, n->a);
        ev->pos = n->pos;
        return expr_eval(ev, want_bool(ev, c) ? n->b : n->c);
    }
    case N_ARRAY:
        return eval_array(ev, n);
    case N_MAP:
        return eval_map(ev, n);
    case N_PATH:
        return eval_path(ev, n);
    }
    expr_fail(ev, "unknown node");
}

/* Evaluates node n; counts a step and a level against limits.h. */
struct val expr_eval(struct ev *ev, struct node *n)
{
    if (++ev->steps > RN_EXPR_MAX_STEPS)
        expr_fail(ev, "expression exceeded %u steps", RN_EXPR_MAX_STEPS);
    if (++ev->depth > 4 * RN_EXPR_MAX_DEPTH)
        expr_fail(ev, "expression nested too deeply");
    struct val v = eval_node(ev, n);
    ev->depth--;
    return v;
}
