/*
 * call.c: calling functions the way Go's reflect-based evalCall does.
 *
 * A function's parameters are described by the letters of template.h
 * ("s.v" is func(string, ...interface{})).  Arguments that are literals
 * are converted by the parameter's kind (Go's evalArg: an int literal
 * feeds an int or float64 parameter, "expected integer; found 1.5"), while
 * computed values must already have an assignable type ("wrong type for
 * value; expected int; got float64").  A missing value becomes nil where
 * the type can be nil, else "invalid value; expected string".
 */
#include "template_int.h"

#include "../core/buf.h"
#include "../core/gotime.h"

#include <stdio.h>
#include <string.h>

static const char *param_type(char p)
{
    switch (p) {
    case 'v':
        return "interface {}";
    case 'b':
        return "bool";
    case 'i':
        return "int";
    case 'I':
        return "int64";
    case 'U':
        return "uint32";
    case 'f':
        return "float64";
    case 's':
        return "string";
    case 't':
        return "time.Time";
    case 'd':
        return "time.Duration";
    case 'L':
        return "*time.Location";
    case 'l':
        return "[]interface {}";
    case 'S':
        return "[]string";
    case 'm':
        return "map[string]interface {}";
    case 'R':
        return "reflect.Value";
    default:
        return "?";
    }
}

static bool can_be_nil(char p)
{
    return p == 'v' || p == 'l' || p == 'S' || p == 'm' || p == 'R' || p == 'L';
}

/* reflect.Zero of a nil-able parameter type */
static struct xval zero_of(char p)
{
    struct val v = val_null();
    if (p == 'l' || p == 'S') {
        v = val_list(NULL, p == 'l' ? GT_LIST_ANY : GT_LIST_STRING);
        v.flags |= VAL_F_NILPTR;
    } else if (p == 'm') {
        v = val_obj(NULL, GT_MAP_ANY);
        v.flags |= VAL_F_NILPTR;
    }
    return xv(v, false);
}

static bool assignable(struct val v, char p)
{
    unsigned gt = val_gotype(v);
    switch (p) {
    case 'v':
    case 'R':
        return true;
    case 'b':
        return v.kind == VAL_BOOL;
    case 'i':
        return v.kind == VAL_INT && gt == GT_INT;
    case 'I':
        return v.kind == VAL_INT && gt == GT_INT64;
    case 'U':
        return v.kind == VAL_INT && gt == GT_UINT32;
    case 'f':
        return v.kind == VAL_FLOAT && gt == GT_FLOAT64;
    case 's':
        return v.kind == VAL_STRING && gt == GT_STRING;
    case 't':
        return v.kind == VAL_TIME;
    case 'd':
        return v.kind == VAL_DURATION;
    case 'L':
        return gotime_recv_of(v) == GOTIME_RECV_LOCATION;
    case 'l':
        return v.kind == VAL_ARRAY && gt == GT_LIST_ANY;
    case 'S':
        return v.kind == VAL_ARRAY && gt == GT_LIST_STRING;
    case 'm':
        return v.kind == VAL_OBJECT && gt == GT_MAP_ANY;
    default:
        return false;
    }
}

/* Go's validateType: v checked against parameter letter p (0: no
 * type).  Unwinds with Go's message when v does not fit. */
struct xval tpl_validate(struct xstate *s, struct xval v, char p)
{
    if (v.v.kind == VAL_NULL && !xv_iface(v)) {
        if (p == 0)
            return v;
        if (can_be_nil(p))
            return zero_of(p);
        tpl_xerrorf(s, "invalid value; expected %s", param_type(p));
    }
    if (p == 0 || p == 'R')
        return v;
    if (xv_iface(v)) {
        if (p == 'v')
            return v;
        if (v.v.kind == VAL_NULL)
            tpl_xerrorf(s, "wrong type for value; expected %s; got %s",
                        param_type(p), tpl_type_name(v));
        v.v.pad = 0; /* Go tries the value inside the interface */
    }
    if (assignable(v.v, p))
        return v;
    tpl_xerrorf(s, "wrong type for value; expected %s; got %s", param_type(p),
                tpl_type_name(v));
}

static const char *node_text(struct xstate *s, const struct tnode *n)
{
    struct buf b;
    buf_init(&b, 1024);
    tpl_node_string(&b, n);
    const char *r = arena_strndup(s->a, buf_str(&b), b.len);
    buf_free(&b);
    return r ? r : "?";
}

static struct xval empty_interface(struct xstate *s, struct xval dot,
                                   const struct tnode *n)
{
    s->node = n;
    switch (n->type) {
    case TN_BOOL:
        return xv(val_bool(n->flag), false);
    case TN_DOT:
        return dot;
    case TN_NUMBER:
        return tpl_ideal_constant(s, n);
    case TN_STRING:
        return xv(val_str(n->str.s, n->str.n), false);
    default:
        tpl_xerrorf(s,
                    "can't handle assignment of %s to empty interface "
                    "argument",
                    node_text(s, n));
    }
}

/* A literal argument for a parameter of kind p (Go's evalBool,
 * evalInteger, ...). */
static struct xval literal_arg(struct xstate *s, struct xval dot, char p,
                               const struct tnode *n)
{
    const struct tnum *num = n->type == TN_NUMBER ? n->num : NULL;
    switch (p) {
    case 'b':
        if (n->type == TN_BOOL)
            return xv(val_bool(n->flag), false);
        tpl_xerrorf(s, "expected bool; found %s", node_text(s, n));
    case 'f':
        if (num && num->is_float)
            return xv(val_float(num->f), false);
        tpl_xerrorf(s, "expected float; found %s", node_text(s, n));
    case 'i':
    case 'I':
    case 'd':
        if (num && num->is_int) {
            if (p == 'd')
                return xv(val_duration(num->i), false);
            return xv(val_int_t(num->i, p == 'i' ? GT_INT : GT_INT64), false);
        }
        tpl_xerrorf(s, "expected integer; found %s", node_text(s, n));
    case 'U':
        if (num && num->is_uint)
            return xv(val_int_t((int64_t)(uint32_t)num->u, GT_UINT32), false);
        tpl_xerrorf(s, "expected unsigned integer; found %s", node_text(s, n));
    case 's':
        if (n->type == TN_STRING)
            return xv(val_str(n->str.s, n->str.n), false);
        tpl_xerrorf(s, "expected string; found %s", node_text(s, n));
    case 'v':
    case 'R':
    case 0:
        return empty_interface(s, dot, n);
    default:
        tpl_xerrorf(s, "can't handle %s for arg of type %s", node_text(s, n),
                    param_type(p));
    }
}

/* Go's evalArg: node n evaluated for a parameter of letter p.  Values
 * live in the execution arena; errors unwind. */
struct xval tpl_eval_arg(struct xstate *s, struct xval dot, char p,
                         const struct tnode *n)
{
    s->node = n;
    switch (n->type) {
    case TN_DOT:
        return tpl_validate(s, dot, p);
    case TN_NIL:
        if (can_be_nil(p))
            return zero_of(p);
        tpl_xerrorf(s, "cannot assign nil to %s", param_type(p));
    case TN_FIELD: /* an argument: a method there is called without any */
        return tpl_validate(s, tpl_eval_field_node(s, dot, n, NULL), p);
    case TN_VARIABLE:
        return tpl_validate(s, tpl_eval_variable_node(s, dot, n, NULL), p);
    case TN_PIPE:
        return tpl_validate(s, tpl_eval_pipeline(s, dot, n), p);
    case TN_IDENT: {
        struct xcall c = {.dot = dot};
        return tpl_validate(s, tpl_eval_function(s, dot, n, n, &c), p);
    }
    case TN_CHAIN:
        return tpl_validate(s, tpl_eval_chain_node(s, dot, n, NULL), p);
    default:
        return literal_arg(s, dot, p, n);
    }
}

/* Parameter letters of a def: fixed ones, and the variadic one (0 when
 * none). */
struct sig {
    char fixed[16];
    int nfixed;
    char variadic;
};

static void parse_sig(const char *params, struct sig *g)
{
    g->nfixed = 0;
    g->variadic = 0;
    for (const char *q = params ? params : ""; *q; q++) {
        if (*q == '.' && q[1]) {
            g->variadic = q[1];
            return;
        }
        if (g->nfixed < (int)sizeof g->fixed)
            g->fixed[g->nfixed++] = *q;
    }
}

static void check_arity(struct xstate *s, const struct sig *g, const char *name,
                        int nargs, int num_in)
{
    if (g->variadic) {
        if (num_in < g->nfixed)
            tpl_xerrorf(s,
                        "wrong number of args for %s: want at least %d "
                        "got %d",
                        name, g->nfixed, nargs);
    } else if (num_in != g->nfixed) {
        tpl_xerrorf(s, "wrong number of args for %s: want %d got %d", name,
                    g->nfixed, num_in);
    }
}

/* and/or: evaluate left to right, stop at the deciding value. */
static struct xval and_or(struct xstate *s, bool is_or, const struct xcall *c,
                          int nargs)
{
    struct xval v = {0};
    for (int i = 0; i < nargs; i++) {
        v = tpl_eval_arg(s, c->dot, 'R', c->args[i + 1]);
        if (val_truth(v.v) == is_or)
            return v;
    }
    if (c->final)
        v = *c->final;
    return v;
}

static struct xval invoke(struct xstate *s, const struct tpl_func_def *d,
                          const char *name, const struct tnode *node,
                          struct xval *argv, int argc)
{
    char err[256];
    int bi = tpl_builtin_id(d);
    if (bi) {
        struct xval out = {0};
        err[0] = '\0';
        int rc = tpl_builtin_call(s, bi, argv, argc, &out, err, sizeof err);
        if (rc == RN_EEXEC) {
            s->node = node;
            tpl_xerrorf(s, "error calling %s: %s", name, err);
        } else if (rc) {
            tpl_xfail(s, rc, err[0] ? err : "out of memory");
        }
        return out;
    }
    struct val *vals = tpl_xalloc(s, (size_t)(argc + 1) * sizeof *vals);
    for (int i = 0; i < argc; i++) {
        vals[i] = argv[i].v;
        vals[i].pad = 0; /* the interface flag stays in the executor */
    }
    struct rn_err e; /* every field set, but not the 256-byte message */
    e.code = RN_OK;
    e.msg[0] = '\0';
    e.src = NULL;
    e.line = e.col = 0;
    struct tpl_fcall fc = {.arena = s->a, .err = &e, .name = name, .ud = d->ud};
    struct val out = val_null();
    int rc = d->fn(&fc, vals, argc, &out);
    if (rc == RN_EEXEC || (rc == RN_EINVAL)) {
        s->node = node;
        tpl_xerrorf(s, "error calling %s: %s", name, e.msg);
    } else if (rc) {
        tpl_xfail(s, rc, e.msg[0] ? e.msg : "function failed");
    }
    return xv(out, false);
}

/* Go's evalCall: arity check, argument conversion, the call itself.
 * Table-function failures become "error calling NAME: ..."; other codes
 * (RN_ENOMEM, RN_ELIMIT) unwind unchanged. */
struct xval tpl_call_func(struct xstate *s, const struct tpl_func_def *d,
                          const char *name, const struct tnode *node,
                          const struct xcall *c)
{
    struct sig g;
    parse_sig(d->params, &g);
    int nargs = c && c->args ? c->nargs - 1 : 0;
    const struct xval *final = c ? c->final : NULL;
    int num_in = nargs + (final ? 1 : 0);
    check_arity(s, &g, name, nargs, num_in);
    int bi = tpl_builtin_id(d);
    if (bi == BI_AND || bi == BI_OR)
        return and_or(s, bi == BI_OR, c, nargs);
    int recv = c && c->recv ? 1 : 0;
    /* arguments live only for this call: a few fit on the stack */
    struct xval few[8];
    size_t nargv = (size_t)(num_in + recv + 1);
    struct xval *argv = nargv <= sizeof few / sizeof *few
                            ? few
                            : tpl_xalloc(s, nargv * sizeof *argv);
    if (recv)
        argv[0] = xv(*c->recv, false);
    int i = 0;
    for (; i < g.nfixed && i < nargs; i++)
        argv[recv + i] = tpl_eval_arg(s, c->dot, g.fixed[i], c->args[i + 1]);
    for (; i < nargs; i++)
        argv[recv + i] = tpl_eval_arg(s, c->dot, g.variadic, c->args[i + 1]);
    if (final) {
        char p = g.variadic && num_in - 1 >= g.nfixed ? g.variadic
                                                      : g.fixed[num_in - 1];
        argv[recv + i] = tpl_validate(s, *final, p);
    }
    return invoke(s, d, name, node, argv, num_in + recv);
}
