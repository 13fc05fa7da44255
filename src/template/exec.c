/*
 * exec.c: the template executor (Go's text/template exec.go).
 *
 * walk() steps through the tree writing output; the eval functions compute
 * pipeline values the way Go's reflect-based executor does, including the
 * difference between a missing value ("<no value>") and a nil inside an
 * interface{} (struct xval).  Errors longjmp to tpl_exec_named(), the only
 * setjmp; everything is arena-allocated, and no jump crosses a table
 * function (those return status codes).  Hostile templates are bounded by
 * a step budget, the output cap, Go's template depth and a C-stack budget.
 */
#include "template_int.h"

#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/limits.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { W_OK, W_BREAK, W_CONTINUE };

static bool invalid(struct xval v)
{
    return v.v.kind == VAL_NULL && !xv_iface(v);
}

/* ---- errors ---- */

static void location(const struct xstate *s, uint32_t pos, int *line, int *col)
{
    const char *text = s->t->text;
    size_t p = pos <= s->t->n ? pos : s->t->n;
    int ln = 1;
    size_t last = (size_t)-1;
    for (size_t i = 0; i < p; i++)
        if (text[i] == '\n') {
            ln++;
            last = i;
        }
    *line = ln;
    *col = last == (size_t)-1 ? (int)p : (int)(p - (last + 1));
}

_Noreturn void tpl_xerrorf(struct xstate *s, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *tname = s->tree ? s->tree->name : s->t->name;
    int tn = s->tree ? (int)s->tree->nlen : (int)strlen(s->t->name);
    if (!s->node) {
        rn_errf(s->e, RN_EEXEC, "template: %.*s: %s", tn, tname, msg);
    } else {
        int line, col;
        location(s, s->node->pos, &line, &col);
        struct buf b;
        buf_init(&b, 512);
        tpl_node_string(&b, s->node);
        rn_errf_at(s->e, RN_EEXEC, s->t->name, line, col,
                   "template: %s:%d:%d: executing \"%.*s\" at <%s>: %s",
                   s->t->name, line, col, tn, tname, buf_str(&b), msg);
        buf_free(&b);
    }
    longjmp(s->jb, RN_EEXEC);
}

_Noreturn void tpl_xfail(struct xstate *s, int code, const char *msg)
{
    rn_errf(s->e, code, "template: %s: %s", s->t->name, msg);
    longjmp(s->jb, code);
}

/* n bytes from the execution arena; unwinds with RN_ENOMEM. */
void *tpl_xalloc(struct xstate *s, size_t n)
{
    void *p = arena_alloc(s->a, n ? n : 1);
    if (!p)
        tpl_xfail(s, RN_ENOMEM, "out of memory");
    return p;
}

/* %v of v as a string in the execution arena ("?" when that fails). */
const char *tpl_sprint_v(struct xstate *s, struct val v)
{
    struct buf b;
    buf_init(&b, 4096);
    if (gofmt_value(&b, v) != RN_OK) {
        buf_free(&b);
        return "?";
    }
    char *r = arena_strndup(s->a, buf_str(&b), b.len);
    buf_free(&b);
    return r ? r : "?";
}

/* Go's static type name of v as errors show it (static string). */
const char *tpl_type_name(struct xval v)
{
    if (xv_iface(v))
        return "interface {}";
    return val_type_name(v.v);
}

/* Count work and watch the C stack: every walk and evaluation passes
 * here, so no template runs unbounded. */
static void step(struct xstate *s)
{
    char here;
    uintptr_t a = (uintptr_t)&here, b = (uintptr_t)s->stack0;
    if ((a > b ? a - b : b - a) > TPL_STACK_BUDGET)
        tpl_xerrorf(s, "exceeded maximum template depth (%d)",
                    RN_TPL_MAX_EXEC_DEPTH);
    if (++s->steps > RN_TPL_MAX_RANGE_STEPS)
        tpl_xfail(s, RN_ELIMIT, "execution step limit exceeded");
}

/* ---- output ---- */

static void check_out(struct xstate *s, int rc)
{
    if (rc != RN_OK)
        tpl_xfail(s, rc,
                  rc == RN_ENOMEM ? "out of memory" : "output too large");
    if (s->out->len - s->out0 > RN_TPL_MAX_OUTPUT)
        tpl_xfail(s, RN_ELIMIT, "output too large");
}

static void write_out(struct xstate *s, const char *p, size_t n)
{
    check_out(s, buf_add(s->out, p, n));
}

/* Fail with fmt, whose first %s is n's text (cut at 199 bytes) and
 * whose second, if any, is arg.  Out of line, so the hot paths that may
 * raise these errors carry no text buffer of their own. */
__attribute__((noinline)) static _Noreturn void
node_errorf(struct xstate *s, const char *fmt, const struct tnode *n,
            const char *arg)
{
    struct buf b;
    buf_init(&b, 512);
    tpl_node_string(&b, n);
    char ns[200];
    snprintf(ns, sizeof ns, "%s", buf_str(&b));
    buf_free(&b);
    tpl_xerrorf(s, fmt, ns, arg);
}

static void print_value(struct xstate *s, const struct tnode *n, struct xval v)
{
    s->node = n;
    if (v.v.kind == VAL_STRING && val_gotype(v.v) != GT_ERRSTR) {
        /* %v of a string is its bytes */
        write_out(s, val_str_ptr(v.v), val_str_len(v.v));
        return;
    }
    if (invalid(v) || (v.v.kind == VAL_NULL && xv_iface(v))) {
        write_out(s, "<no value>", 10);
        return;
    }
    if (v.v.kind == VAL_FUNC) {
        node_errorf(s, "can't print %s of type %s", n, tpl_type_name(v));
    }
    check_out(s, gofmt_value(s->out, v.v));
}

/* ---- variables ---- */

static void push_var(struct xstate *s, const char *name, size_t n,
                     struct xval v)
{
    if (s->nvars == s->capvars) {
        size_t nc = s->capvars * 2;
        struct xvar *nv;
        if (s->vars == s->vars0) {
            nv = tpl_xalloc(s, nc * sizeof *nv);
            memcpy(nv, s->vars0, sizeof s->vars0);
        } else {
            nv = arena_grow(s->a, s->vars, s->capvars * sizeof *nv,
                            nc * sizeof *nv);
            if (!nv)
                tpl_xfail(s, RN_ENOMEM, "out of memory");
        }
        s->vars = nv;
        s->capvars = nc;
    }
    s->vars[s->nvars].name = name;
    s->vars[s->nvars].nlen = n;
    s->vars[s->nvars].val = v;
    s->nvars++;
}

static struct xvar *find_var(struct xstate *s, const struct tstr *name)
{
    for (size_t i = s->nvars; i > s->varbase; i--) {
        struct xvar *v = &s->vars[i - 1];
        if (v->nlen == name->n && val_bytes_eq(v->name, name->s, name->n))
            return v;
    }
    tpl_xerrorf(s, "undefined variable: %.*s", (int)name->n, name->s);
}

/* ---- values ---- */

static void fmt_part(struct buf *b, double f, bool plus)
{
    if (plus && !signbit(f) && !isnan(f))
        buf_add_char(b, '+');
    if (plus && isnan(f))
        buf_add_char(b, '+');
    gofmt_float(b, f, 'g', -1, 64);
}

/* A complex128 value built in the execution arena; unwinds on OOM. */
struct val tpl_complex(struct xstate *s, double re, double im)
{
    struct buf b;
    buf_init(&b, 256);
    buf_add_char(&b, '(');
    fmt_part(&b, re, false);
    fmt_part(&b, im, true);
    buf_add_str(&b, "i)");
    char *str = arena_strndup(s->a, buf_str(&b), b.len);
    size_t slen = b.len;
    buf_free(&b);
    struct val_obj *o = tpl_xalloc(s, sizeof *o);
    o->kv = tpl_xalloc(s, 4 * sizeof *o->kv);
    o->len = o->cap = 4;
    static const char *const keys[] = {"", "String", "imag", "real"};
    for (int i = 0; i < 4; i++)
        o->kv[i].key = val_str(keys[i], strlen(keys[i]));
    o->kv[0].v = val_str("complex128", 10);
    o->kv[1].v = val_str(str ? str : "", str ? slen : 0);
    o->kv[2].v = val_float(im);
    o->kv[3].v = val_float(re);
    return val_obj(o, GT_STRUCT);
}

static bool is_hex_int(const struct tstr *t)
{
    if (t->n <= 2 || t->s[0] != '0' || (t->s[1] != 'x' && t->s[1] != 'X'))
        return false;
    return !memchr(t->s, 'p', t->n) && !memchr(t->s, 'P', t->n);
}

/* Whether a literal is spelled as a float: a point, an exponent (e) or
 * a hex exponent (p). */
static bool float_spelling(const struct tstr *t)
{
    for (size_t i = 0; i < t->n; i++) {
        switch (t->s[i]) {
        case '.':
        case 'e':
        case 'E':
        case 'p':
        case 'P':
            return true;
        default:
            break;
        }
    }
    return false;
}

/* A number literal with no type context: int, float64 or complex128
 * by its spelling (Go's idealConstant).  "overflows int" unwinds. */
struct xval tpl_ideal_constant(struct xstate *s, const struct tnode *n)
{
    const struct tnum *num = n->num;
    s->node = n;
    if (num->is_complex)
        return xv(tpl_complex(s, num->re, num->im), false);
    if (num->is_float && !is_hex_int(&n->text) && n->text.s[0] != '\'' &&
        float_spelling(&n->text))
        return xv(val_float(num->f), false);
    if (num->is_int)
        return xv(val_int(num->i), false);
    if (num->is_uint)
        tpl_xerrorf(s, "%.*s overflows int", (int)n->text.n, n->text.s);
    return xv(val_null(), false);
}

/* ---- evaluation ---- */

static struct xval eval_command(struct xstate *s, struct xval dot,
                                const struct tnode *cmd,
                                const struct xval *final);

static void not_a_function(struct xstate *s, const struct xcall *c)
{
    if (c && (c->nargs > 1 || c->final)) {
        node_errorf(s, "can't give argument to non-function %s", c->args[0],
                    NULL);
    }
}

static struct xval eval_field_chain(struct xstate *s, struct xval recv,
                                    const struct tnode *node,
                                    const struct tstr *ids, int n,
                                    const struct xcall *c);

/* The commands of pipe in order, then its declarations. */
static struct xval eval_commands(struct xstate *s, struct xval dot,
                                 const struct tnode *pipe)
{
    struct xval value = xv(val_null(), false);
    for (int i = 0; i < pipe->nkids; i++) {
        value = eval_command(s, dot, pipe->kids[i], i > 0 ? &value : NULL);
        value.v.pad = 0; /* interface{}: dig down to what is inside */
    }
    for (int i = 0; i < pipe->ndecl; i++) {
        const struct tstr *name = &pipe->decl[i]->ids[0];
        if (pipe->flag)
            find_var(s, name)->val = value;
        else
            push_var(s, name->s, name->n, value);
    }
    return value;
}

/* Evaluate a pipeline, pushing or assigning its declared variables.
 * The result is unboxed from interface{}.  NULL pipe: the invalid value.
 * The most common pipeline, one field chain ({{.A.B}}, {{if .A}}), goes
 * straight to the chain. */
struct xval tpl_eval_pipeline(struct xstate *s, struct xval dot,
                              const struct tnode *pipe)
{
    if (!pipe)
        return xv(val_null(), false);
    step(s);
    s->node = pipe;
    const struct tnode *cmd = pipe->nkids == 1 ? pipe->kids[0] : NULL;
    if (cmd && pipe->ndecl == 0 && cmd->nkids == 1 &&
        cmd->kids[0]->type == TN_FIELD) {
        const struct tnode *f = cmd->kids[0];
        s->node = f;
        struct xval value = eval_field_chain(s, dot, f, f->ids, f->nids, NULL);
        value.v.pad = 0; /* interface{}: dig down to what is inside */
        return value;
    }
    return eval_commands(s, dot, pipe);
}

static struct xval eval_command(struct xstate *s, struct xval dot,
                                const struct tnode *cmd,
                                const struct xval *final)
{
    const struct tnode *first = cmd->kids[0];
    if (cmd->nkids == 1 && !final) {
        /* a lone field or variable: no arguments to pass on */
        if (first->type == TN_FIELD)
            return tpl_eval_field_node(s, dot, first, NULL);
        if (first->type == TN_VARIABLE)
            return tpl_eval_variable_node(s, dot, first, NULL);
    }
    struct xcall c = {.args = (const struct tnode *const *)cmd->kids,
                      .nargs = cmd->nkids,
                      .final = final,
                      .dot = dot};
    switch (first->type) {
    case TN_FIELD:
        return tpl_eval_field_node(s, dot, first, &c);
    case TN_CHAIN:
        return tpl_eval_chain_node(s, dot, first, &c);
    case TN_IDENT:
        return tpl_eval_function(s, dot, first, cmd, &c);
    case TN_PIPE:
        not_a_function(s, &c);
        return tpl_eval_pipeline(s, dot, first);
    case TN_VARIABLE:
        return tpl_eval_variable_node(s, dot, first, &c);
    default:
        break;
    }
    s->node = first;
    not_a_function(s, &c);
    switch (first->type) {
    case TN_BOOL:
        return xv(val_bool(first->flag), false);
    case TN_DOT:
        return dot;
    case TN_NIL:
        tpl_xerrorf(s, "nil is not a command");
    case TN_NUMBER:
        return tpl_ideal_constant(s, first);
    case TN_STRING:
        return xv(val_str(first->str.s, first->str.n), false);
    default:
        tpl_xerrorf(s, "can't evaluate command");
    }
}

static const struct tpl_func_def *struct_method(struct val recv,
                                                const struct tstr *name)
{
    if (recv.kind == VAL_OBJECT && val_gotype(recv) == GT_STRUCT) {
        const struct val *m = val_get(recv, name->s, name->n);
        if (m && m->kind == VAL_FUNC && val_gotype(*m) == GT_FUNC &&
            m->u.fn && m->u.fn->impl)
            return m->u.fn->impl;
        return NULL;
    }
    return tpl_method_find(recv, name->s, name->n);
}

static bool map_of_iface(struct val m)
{
    unsigned gt = val_gotype(m);
    return gt == GT_MAP_ANY || gt == GT_MAP_IFACE;
}

/* The value at key name of map m, or NULL.  Most maps templates walk
 * are small (the levels of a Kubernetes object): those are scanned
 * comparing lengths first, which beats the binary search's string
 * compares; larger ones use val_get. */
static const struct val *map_key(struct val m, const struct tstr *name)
{
    const struct val_obj *o = m.u.obj;
    size_t n = name->n;
    if (!o || o->len == 0 || o->len > 16 || n == 0)
        return val_get(m, name->s, n);
    const struct val_kv *kv = o->kv, *end = kv + o->len;
    char c0 = name->s[0];
    for (; kv < end; kv++) {
        const char *k = val_str_ptr(kv->key);
        if (val_str_len(kv->key) == n && k[0] == c0 &&
            val_bytes_eq(k, name->s, n))
            return &kv->v;
    }
    return NULL;
}

/* Go's evalField: .Name on recv, as a method, struct field or map key. */
static struct xval eval_field(struct xstate *s, const struct tstr *name,
                              const struct tnode *node, const struct xcall *c,
                              struct xval recv)
{
    if (invalid(recv))
        return recv;
    if (recv.v.kind == VAL_NULL)
        tpl_xerrorf(s, "nil pointer evaluating %s.%.*s", tpl_type_name(recv),
                    (int)name->n, name->s);
    const struct tpl_func_def *m = struct_method(recv.v, name);
    if (m) {
        char *nm = tpl_xalloc(s, name->n + 1);
        memcpy(nm, name->s, name->n);
        nm[name->n] = '\0';
        struct xcall mc = {0};
        if (c)
            mc = *c;
        if (val_gotype(recv.v) != GT_STRUCT || recv.v.kind != VAL_OBJECT)
            mc.recv = &recv.v;
        return tpl_call_func(s, m, nm, node, &mc);
    }
    bool has_args = c && (c->nargs > 1 || c->final);
    if (recv.v.kind == VAL_OBJECT && val_gotype(recv.v) == GT_STRUCT) {
        const struct val *f =
            name->n ? val_get(recv.v, name->s, name->n) : NULL;
        if (f) {
            if (has_args)
                tpl_xerrorf(s,
                            "%.*s has arguments but cannot be invoked as "
                            "function",
                            (int)name->n, name->s);
            return xv(*f, false);
        }
    } else if (recv.v.kind == VAL_OBJECT) {
        if (has_args)
            tpl_xerrorf(s, "%.*s is not a method but has arguments",
                        (int)name->n, name->s);
        const struct val *f = val_get(recv.v, name->s, name->n);
        if (!f)
            return xv(val_null(), false);
        return xv(*f, map_of_iface(recv.v));
    } else if (recv.v.kind == VAL_TIME && name->n > 0 && name->s[0] >= 'a' &&
               name->s[0] <= 'z' &&
               ((name->n == 4 && memcmp(name->s, "wall", 4) == 0) ||
                (name->n == 3 && (memcmp(name->s, "ext", 3) == 0 ||
                                  memcmp(name->s, "loc", 3) == 0)))) {
        tpl_xerrorf(s, "%.*s is an unexported field of struct type %s",
                    (int)name->n, name->s, tpl_type_name(recv));
    }
    tpl_xerrorf(s, "can't evaluate field %.*s in type %s", (int)name->n,
                name->s, tpl_type_name(recv));
}

/* .A.B.C on recv.  Map keys are looked up directly while the receiver
 * is a map (no methods; arguments matter only at the last name); the
 * rest goes through eval_field.  A missing key is the invalid value,
 * which every later name passes on. */
static struct xval eval_field_chain(struct xstate *s, struct xval recv,
                                    const struct tnode *node,
                                    const struct tstr *ids, int n,
                                    const struct xcall *c)
{
    int stop = c && (c->nargs > 1 || c->final) ? n - 1 : n;
    const struct val *v = &recv.v;
    bool iface = xv_iface(recv);
    int i = 0;
    for (; i < stop && v->kind == VAL_OBJECT && val_gotype(*v) != GT_STRUCT;
         i++) {
        const struct val *f = map_key(*v, &ids[i]);
        if (!f)
            return xv(val_null(), false);
        iface = map_of_iface(*v);
        v = f;
    }
    recv = xv(*v, iface);
    if (i == n)
        return recv;
    for (; i < n - 1; i++)
        recv = eval_field(s, &ids[i], node, NULL, recv);
    return eval_field(s, &ids[n - 1], node, c, recv);
}

/* .A.B on dot; c carries the arguments when the last name is a method. */
struct xval tpl_eval_field_node(struct xstate *s, struct xval dot,
                                const struct tnode *n, const struct xcall *c)
{
    s->node = n;
    return eval_field_chain(s, dot, n, n->ids, n->nids, c);
}

/* (pipeline).A.B: the term first, then the fields. */
struct xval tpl_eval_chain_node(struct xstate *s, struct xval dot,
                                const struct tnode *n, const struct xcall *c)
{
    s->node = n;
    if (n->pipe->type == TN_NIL) {
        node_errorf(s, "indirection through explicit nil in %s", n, NULL);
    }
    struct xval recv = tpl_eval_arg(s, dot, 0, n->pipe);
    return eval_field_chain(s, recv, n, n->ids, n->nids, c);
}

/* $x or $x.A.B. */
struct xval tpl_eval_variable_node(struct xstate *s, struct xval dot,
                                   const struct tnode *n, const struct xcall *c)
{
    (void)dot;
    s->node = n;
    struct xval v = find_var(s, &n->ids[0])->val;
    if (n->nids == 1) {
        not_a_function(s, c);
        return v;
    }
    return eval_field_chain(s, v, n, n->ids + 1, n->nids - 1, c);
}

/* A call of the function named by ident (resolved at parse time). */
struct xval tpl_eval_function(struct xstate *s, struct xval dot,
                              const struct tnode *ident,
                              const struct tnode *cmd, const struct xcall *c)
{
    (void)dot;
    s->node = ident;
    const char *nm = ident->str.s; /* NUL-terminated by the parser */
    return tpl_call_func(s, ident->fn, nm, cmd, c);
}

/* ---- walking ---- */

static int walk(struct xstate *s, struct xval dot, const struct tnode *n);

static int walk_if_with(struct xstate *s, struct xval dot,
                        const struct tnode *n)
{
    size_t mark = s->nvars;
    struct xval val = tpl_eval_pipeline(s, dot, n->pipe);
    int r = W_OK;
    if (val_truth(val.v))
        r = walk(s, n->type == TN_WITH ? val : dot, n->list);
    else if (n->elselist)
        r = walk(s, dot, n->elselist);
    s->nvars = mark;
    return r;
}

/* One pass of a range body with index/elem bound to the declared
 * variables; false when the body said {{break}}. */
static bool range_iteration(struct xstate *s, const struct tnode *r,
                            size_t mark, struct xval index, struct xval elem)
{
    const struct tnode *pipe = r->pipe;
    if (pipe->ndecl > 0) {
        if (pipe->flag)
            find_var(s, &pipe->decl[0]->ids[0])->val =
                pipe->ndecl > 1 ? index : elem;
        else
            s->vars[s->nvars - 1].val = elem;
    }
    if (pipe->ndecl > 1) {
        if (pipe->flag)
            find_var(s, &pipe->decl[1]->ids[0])->val = elem;
        else
            s->vars[s->nvars - 2].val = index;
    }
    step(s);
    int w = walk(s, elem, r->list);
    s->nvars = mark;
    return w != W_BREAK;
}

static bool is_int_kind(struct val v)
{
    if (v.kind == VAL_DURATION)
        return true;
    return v.kind == VAL_INT;
}

/* range over an integer (Go 1.22): 0..n-1 of the same type */
static bool range_int(struct xstate *s, const struct tnode *r, size_t mark,
                      struct xval val)
{
    if (r->pipe->ndecl > 1)
        tpl_xerrorf(s, "can't use %s to iterate over more than one variable",
                    tpl_sprint_v(s, val.v));
    unsigned gt = val_gotype(val.v);
    bool uns = val.v.kind == VAL_INT && gt == GT_UINT64;
    uint64_t n = uns             ? (uint64_t)val.v.u.i
                 : val.v.u.i > 0 ? (uint64_t)val.v.u.i
                                 : 0;
    for (uint64_t i = 0; i < n; i++) {
        struct val e = val.v;
        e.u.i = (int64_t)i;
        if (!range_iteration(s, r, mark, xv(e, false), xv(e, false)))
            break;
    }
    return n > 0;
}

/* Returns whether any iteration ran (else the {{else}} list runs). */
static bool range_over(struct xstate *s, const struct tnode *r, size_t mark,
                       struct xval val)
{
    struct val v = val.v;
    if (v.kind == VAL_ARRAY) {
        size_t n = val_list_len(v);
        bool boxed = val_gotype(v) == GT_LIST_ANY;
        for (size_t i = 0; i < n; i++) {
            if (!range_iteration(s, r, mark, xv(val_int((int64_t)i), false),
                                 xv(val_list_at(v, i), boxed)))
                break;
        }
        return n > 0;
    }
    if (v.kind == VAL_OBJECT && val_gotype(v) != GT_STRUCT) {
        size_t n = val_obj_len(v);
        bool boxed = map_of_iface(v);
        for (size_t i = 0; i < n; i++) {
            const struct val_kv *kv = val_obj_at(v, i);
            if (!range_iteration(s, r, mark, xv(kv->key, false),
                                 xv(kv->v, boxed)))
                break;
        }
        return n > 0;
    }
    if (is_int_kind(v))
        return range_int(s, r, mark, val);
    if (v.kind == VAL_NULL)
        return false;
    tpl_xerrorf(s, "range can't iterate over %s", tpl_sprint_v(s, v));
}

static int walk_range(struct xstate *s, struct xval dot, const struct tnode *r)
{
    s->node = r;
    size_t mark0 = s->nvars;
    struct xval val = tpl_eval_pipeline(s, dot, r->pipe);
    size_t mark = s->nvars;
    if (!range_over(s, r, mark, val) && r->elselist)
        walk(s, dot, r->elselist);
    s->nvars = mark0;
    return W_OK;
}

static int walk_template(struct xstate *s, struct xval dot,
                         const struct tnode *n)
{
    s->node = n;
    const struct ttree *tree = tpl_tree_find(s->t, n->text.s, n->text.n);
    if (!tree)
        tpl_xerrorf(s, "template \"%.*s\" not defined", (int)n->text.n,
                    n->text.s);
    if (s->depth >= RN_TPL_MAX_EXEC_DEPTH)
        tpl_xerrorf(s, "exceeded maximum template depth (%d)",
                    RN_TPL_MAX_EXEC_DEPTH);
    struct xval ndot = tpl_eval_pipeline(s, dot, n->pipe);
    const struct ttree *saved_tree = s->tree;
    size_t saved_base = s->varbase, saved_n = s->nvars;
    s->tree = tree;
    s->varbase = s->nvars;
    push_var(s, "$", 1, ndot);
    s->depth++;
    walk(s, ndot, tree->root);
    s->depth--;
    s->tree = saved_tree;
    s->varbase = saved_base;
    s->nvars = saved_n;
    return W_OK;
}

/* A list's nodes in order.  Text is written here rather than walked:
 * it neither recurses nor evaluates.  The list takes one step; the
 * actions in it step in their pipelines. */
static int walk_list(struct xstate *s, struct xval dot, const struct tnode *n)
{
    step(s);
    for (int i = 0; i < n->nkids; i++) {
        const struct tnode *k = n->kids[i];
        if (k->type == TN_TEXT) {
            write_out(s, k->text.s, k->text.n);
            continue;
        }
        int r = walk(s, dot, k);
        if (r != W_OK)
            return r;
    }
    return W_OK;
}

static int walk(struct xstate *s, struct xval dot, const struct tnode *n)
{
    s->node = n;
    switch (n->type) {
    case TN_ACTION: {
        struct xval v = tpl_eval_pipeline(s, dot, n->pipe);
        if (n->pipe->ndecl == 0)
            print_value(s, n, v);
        return W_OK;
    }
    case TN_BREAK:
        return W_BREAK;
    case TN_CONTINUE:
        return W_CONTINUE;
    case TN_IF:
    case TN_WITH:
        return walk_if_with(s, dot, n);
    case TN_LIST:
        return walk_list(s, dot, n);
    case TN_RANGE:
        return walk_range(s, dot, n);
    case TN_TEMPLATE:
        return walk_template(s, dot, n);
    case TN_TEXT:
        write_out(s, n->text.s, n->text.n);
        return W_OK;
    default:
        tpl_xerrorf(s, "unknown node");
    }
}

/* ---- entry points ---- */

static int run(struct xstate *s, struct val data)
{
    int rc = setjmp(s->jb);
    if (rc)
        return rc;
    struct xval dot = xv(data, false);
    push_var(s, "$", 1, dot);
    walk(s, dot, s->tree->root);
    return RN_OK;
}

/* Render tree of t over data (see tpl_exec_named). */
static int exec_tree(const struct tpl *t, const struct ttree *tree,
                     struct val data, struct arena *a, struct buf *out,
                     struct rn_err *e)
{
    char base;
    struct xstate s;
    memset(&s, 0, offsetof(struct xstate, jb));
    s.t = t;
    s.tree = tree;
    s.a = a;
    s.out = out;
    s.out0 = out->len;
    s.e = e;
    s.stack0 = &base;
    s.vars = s.vars0;
    s.capvars = sizeof s.vars0 / sizeof *s.vars0;
    return run(&s, data);
}

/* Render template `name` of t over data, appending to out; temporaries
 * in a.  Returns RN_OK, or RN_EEXEC / RN_ENOMEM / RN_ELIMIT with Go's
 * message in e (out keeps what was written before the error). */
int tpl_exec_named(const struct tpl *t, const char *name, struct val data,
                   struct arena *a, struct buf *out, struct rn_err *e)
{
    const struct ttree *tree = tpl_tree_find(t, name, strlen(name));
    if (!tree)
        return rn_errf(e, RN_EEXEC,
                       "template: no template \"%s\" associated with "
                       "template \"%s\"",
                       name, t->name);
    return exec_tree(t, tree, data, a, out, e);
}

/* Render t's main template (see tpl_exec_named). */
int tpl_exec(const struct tpl *t, struct val data, struct arena *a,
             struct buf *out, struct rn_err *e)
{
    if (t->main)
        return exec_tree(t, t->main, data, a, out, e);
    return tpl_exec_named(t, t->name, data, a, out, e);
}
