/*
 * expr_int.h: what the files of the expr module share.
 *
 * The pipeline is lex.c (source -> tokens), parse.c (tokens -> AST),
 * check.c (static types and the compile errors expr's checker reports),
 * compile.c (the rewrites expr's optimizer makes, which change results:
 * constant folding, `in` over string literals, filter(...)[0]), then
 * eval.c walks the tree at run time with the Go value operations of ops.c,
 * the builtins of builtin.c and the time methods of time.c.  Compile-time
 * memory lives in the program's own arena; run-time memory in the caller's.
 */
#ifndef RN_EXPR_INT_H
#define RN_EXPR_INT_H

#include "expr.h"

#include "../core/arena.h"
#include "../core/err.h"
#include "../core/goregexp.h"
#include "../core/val.h"

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ev;

/* ---- tokens (lex.c) ---- */
enum tok_kind { TK_EOF, TK_IDENT, TK_NUMBER, TK_STRING, TK_OP, TK_BRACKET };

struct token {
    uint8_t kind;
    uint32_t pos;  /* byte offset of the token in the source */
    const char *s; /* value: source text, or the unescaped string */
    uint32_t n;
};

/* Tokenise src into *out (allocated in a).  On error fills msg/pos and
 * returns -1. */
int expr_lex(struct arena *a, const char *src, size_t n, struct token **out,
             size_t *ntok, char *msg, size_t msgsz, uint32_t *pos);

/* ---- AST (parse.c) ---- */
enum node_kind {
    N_NIL,
    N_BOOL,
    N_INT,
    N_FLOAT,
    N_STRING,
    N_CONST, /* a folded constant value (v.cv) */
    N_IDENT,
    N_ENV,     /* $env */
    N_VAR,     /* a let variable (id = slot) */
    N_POINTER, /* # (id 0), #index (1), #acc (2) */
    N_UNARY,
    N_BINARY,
    N_CHAIN, /* the extent of an optional chain a?.b.c */
    N_MEMBER,
    N_SLICE,
    N_CALL,
    N_BUILTIN,
    N_CLOSURE,
    N_LET,
    N_COND,
    N_ARRAY,
    N_MAP,
    N_PATH, /* compile.c: a run of members with literal keys over `a`;
               args holds the N_MEMBER steps, innermost first */
};

enum expr_op {
    OP_NONE,
    OP_NOT,
    OP_NEG,
    OP_POS,
    OP_OR,
    OP_AND,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_GT,
    OP_LE,
    OP_GE,
    OP_IN,
    OP_MATCHES,
    OP_CONTAINS,
    OP_STARTS,
    OP_ENDS,
    OP_RANGE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_POW,
    OP_COALESCE,
};

/* node flags */
#define NF_OPTIONAL 0x01u /* ?. member */
#define NF_METHOD 0x02u   /* member followed by a call */
#define NF_THROWS 0x04u   /* find from filter(...)[0]: throws when none */
#define NF_STRSET 0x08u   /* `in` over a literal list of strings */
#define NF_ANDCMP 0x10u   /* && joining a comparison chain */

/* Static types as expr's checker sees them (reflect.Type stand-ins). */
enum ety {
    T_NIL, /* the type of the nil literal (reflect.TypeOf(nil)) */
    T_ANY, /* interface {}: unknown until run time */
    T_BOOL,
    T_INT,
    T_INT64,
    T_UINT8,
    T_FLOAT,
    T_STRING,
    T_ARRAY,       /* []interface {} */
    T_LIST_INT,    /* []int */
    T_LIST_STRING, /* []string */
    T_PAIRS,       /* [][2]interface {} */
    T_MAP,         /* map[string]interface {} */
    T_MAP_ANY,     /* map[interface {}]interface {} */
    T_GROUPS,      /* map[interface {}][]interface {} */
    T_TIME,
    T_DURATION,
    T_MONTH,
    T_WEEKDAY,
    T_LOCATION, /* *time.Location */
    T_FUNC,
    T_NOELEM, /* "no element type known" (checker info) */
};

/* ---- type predicates (reflect kinds behind each static type) ---- */
static inline bool t_any(int t)
{
    return t == T_ANY;
}
static inline bool t_int(int t)
{
    return t == T_INT || t == T_INT64 || t == T_UINT8 || t == T_DURATION ||
           t == T_MONTH || t == T_WEEKDAY;
}
static inline bool t_float(int t)
{
    return t == T_FLOAT;
}
static inline bool t_num(int t)
{
    return t_int(t) || t_float(t);
}
static inline bool t_str(int t)
{
    return t == T_STRING;
}
static inline bool t_bool(int t)
{
    return t == T_BOOL;
}
static inline bool t_time(int t)
{
    return t == T_TIME;
}
static inline bool t_dur(int t)
{
    return t == T_DURATION;
}
static inline bool t_array(int t)
{
    return t == T_ARRAY || t == T_LIST_INT || t == T_LIST_STRING ||
           t == T_PAIRS;
}
static inline bool t_map(int t)
{
    return t == T_MAP || t == T_MAP_ANY || t == T_GROUPS;
}

static inline int t_elem(int t)
{
    switch (t) {
    case T_LIST_INT:
        return T_INT;
    case T_LIST_STRING:
        return T_STRING;
    case T_PAIRS:
        return T_ARRAY;
    case T_GROUPS:
        return T_ARRAY;
    default:
        return T_ANY;
    }
}

struct node {
    uint8_t kind, op, flags, ty;
    uint8_t elem;   /* element type of an array literal, or T_NOELEM */
    uint16_t depth; /* height of the subtree (parse.c bounds it) */
    uint32_t pos;   /* byte offset for errors */
    int32_t nargs;
    int32_t id; /* builtin id, let slot, pointer kind, method id */
    struct node *a, *b, *c;
    struct node **args; /* call/builtin/array args; map: key,value pairs */
    struct node *map;   /* filter/find: fused map closure */
    union {
        int64_t i;
        double f;
        struct {
            const char *s;
            uint32_t n;
        } str;
        struct val cv;
    } v;
    struct gore *re; /* `matches` with a literal pattern: compiled once */
    /* Member with a literal key: where the key sat in the last object
     * looked up (runs sharing the program update it atomically; a stale
     * hint only costs the binary search). */
    _Atomic uint32_t hint;
};

/* ---- the program ---- */
struct expr_prog {
    struct arena arena; /* AST, strings, constants */
    struct node *root;
    char *src;
    size_t srclen;
    int nvars;
    struct gore **regexes; /* compiled patterns to free */
    size_t nregex, capregex;
};

/* Parse and check: fills p->root or returns RN_ESYNTAX with e set. */
int expr_parse(struct expr_prog *p, struct rn_err *e);

/* Fail helpers shared by the compile passes (longjmp into expr_compile). */
struct cstate {
    struct expr_prog *p;
    jmp_buf jb;
    uint32_t errpos;
    int changed;          /* set by a folding pass that rewrote something */
    unsigned long visits; /* node visits of all passes (see expr_visit) */
    char msg[200];
};
_Noreturn void expr_cfail(struct cstate *c, uint32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void expr_cthrow(struct cstate *c, uint32_t pos);
void expr_visit(struct cstate *c, const struct node *n);
struct node *expr_node_new(struct cstate *c, int kind, uint32_t pos);

void expr_check(struct cstate *c, struct node *root);
void expr_optimize(struct cstate *c, struct node **root);

const char *expr_ety_name(int t);

/* ---- builtins (builtin.c) ---- */
const char *expr_builtin_name(int id);
int expr_builtin_find(const char *s, size_t n);
/* The predicate builtins in their table order: */
enum {
    B_ALL,
    B_NONE,
    B_ANY,
    B_ONE,
    B_FILTER,
    B_MAP,
    B_FIND,
    B_FINDINDEX,
    B_FINDLAST,
    B_FINDLASTINDEX,
    B_COUNT,
    B_SUM,
    B_GROUPBY,
    B_SORTBY,
    B_REDUCE,
    B_NPRED,
};
/* Static check of a non-predicate builtin call (check.c calls it). */
int expr_builtin_check(struct cstate *c, struct node *n, const uint8_t *at);
/* Go signature strings ("ss>s|s>s") against argument types (builtin.c). */
int expr_check_sigs(struct cstate *c, struct node *n, const uint8_t *at,
                    const char *sigs, const char *name);
void expr_sort_vals(struct ev *ev, struct val *items, struct val *keys,
                    size_t n, bool desc);

/* ---- run-time state (eval.c) ---- */
struct scope {
    struct val coll;
    int64_t len, index;
    struct val acc;
    struct scope *up;
};

struct ev {
    const struct expr_prog *p;
    struct arena *a;
    struct val env;
    struct val *vars;
    struct scope *scope;
    uint64_t steps;
    unsigned depth;
    uint64_t mem; /* expr's memory budget counter */
    size_t used0; /* arena bytes in use when the run started */
    bool chain_nil;
    uint32_t pos; /* node being evaluated, for errors */
    /* jb and msg stay last: expr_run clears only the fields before jb. */
    jmp_buf jb;
    char msg[256];
};

_Noreturn void expr_fail(struct ev *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn void expr_fail_err(struct ev *ev, const struct rn_err *e,
                             const char *dflt);
void *expr_alloc(struct ev *ev, size_t n);
void expr_mem_grow(struct ev *ev, uint64_t n);
void expr_charge(struct ev *ev, uint64_t units);
struct val expr_eval(struct ev *ev, struct node *n);
struct val expr_call_builtin(struct ev *ev, struct node *n);

/* ---- Go value operations (ops.c) ---- */
const char *expr_type_name(struct val v); /* %T */
const char *expr_kind_name(struct val v); /* reflect Kind */
bool expr_is_num(struct val v);           /* a plain Go number type */
bool expr_is_nil(struct val v);
bool expr_equal(struct ev *ev, struct val a, struct val b);
bool expr_deep_equal(struct ev *ev, struct val a, struct val b);
int expr_compare(struct ev *ev, int op, struct val a, struct val b);
struct val expr_arith(struct ev *ev, int op, struct val a, struct val b);
struct val expr_negate(struct ev *ev, struct val v);
int64_t expr_to_int(struct ev *ev, struct val v);
double expr_to_float(struct ev *ev, struct val v);
struct val expr_fetch(struct ev *ev, struct val from, struct val key);
struct val expr_map_zero(struct val m);
/* Go's order of map key k against s[0..n) (<0, 0, >0); most keys
 * differ in the first byte, settled without a call. */
static inline int expr_key_order(const struct val *k, const char *s, uint32_t n)
{
    int a = k->len ? (unsigned char)k->u.s[0] : -1;
    int b = n ? (unsigned char)s[0] : -1;
    return a != b ? a - b : val_keycmp(k->u.s, k->len, s, n);
}

/* A member-lookup hint with this bit says the key was absent and would
 * sit at the position in the low bits. */
#define EXPR_HINT_ABSENT 0x80000000u

/* A map with string keys (not a struct, not map[interface {}]...). */
static inline bool expr_plain_map(struct val v)
{
    unsigned gt = val_gotype(v);
    return v.kind == VAL_OBJECT && gt != GT_STRUCT && gt != GT_MAP_IFACE &&
           gt != GT_MAP_IFACE_LIST;
}
struct val expr_fetch_str(struct ev *ev, struct val from, struct val key,
                          _Atomic uint32_t *hint);
struct val expr_slice(struct ev *ev, struct val v, struct val from,
                      struct val to);
bool expr_in(struct ev *ev, struct val needle, struct val hay);
int64_t expr_len(struct ev *ev, struct val v);
struct val expr_str(struct ev *ev, const char *s, size_t n);
struct val expr_sprint(struct ev *ev, struct val v);
struct buf;
/* The buffer's text as an arena string; frees b; fails on rc != RN_OK. */
struct val expr_buf_val(struct ev *ev, struct buf *b, int rc);
/* v itself when a string, else Go's failed type assertion. */
struct val expr_want_str(struct ev *ev, struct val v);
struct val_list *expr_list_new(struct ev *ev, size_t n);
struct val expr_sealed(struct ev *ev, struct val v);
struct val expr_item(struct ev *ev, struct val coll, int64_t i);
const char *expr_key_text(struct ev *ev, struct val k, size_t *n);
struct val expr_map_from(struct ev *ev, struct val_kv *kv, size_t n,
                         unsigned gotype);
struct val expr_iface_key(struct ev *ev, struct val key);
typedef int expr_cmp_fn(const void *a, const void *b, void *ctx);
void expr_msort(struct ev *ev, void *base, size_t n, size_t size,
                expr_cmp_fn *cmp, void *ctx);
struct val expr_map_iface(struct ev *ev, struct val *keys, struct val_kv *kv,
                          size_t n, unsigned gotype);

/* ---- regex (ops.c) ---- */

/* ---- time (time.c) ---- */
/* Method lookup for a value with methods (time, duration, month,
 * weekday, location); -1 when none. */
int expr_method_find(int ty, const char *name, size_t n);
int expr_method_check(struct cstate *c, struct node *call, int ty, int mid);
struct val expr_method_call(struct ev *ev, struct val recv, int mid,
                            struct val *args, int nargs);
int expr_val_ety(struct val v);
struct val expr_bound_method(struct ev *ev, struct val recv, int mid);
const char *expr_func_type(struct val fn);
struct val expr_call_value(struct ev *ev, struct val fn, struct val *args,
                           int nargs);

#endif
