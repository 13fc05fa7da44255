/*
 * template_int.h: shared by the template engine's own files only.
 *
 * The lexer turns the whole text into an array of tokens (lex.c); the
 * recursive-descent parser builds a tree of struct tnode (parse.c, node.c)
 * in the template's arena; the executor walks it (exec.c), calling the Go
 * builtins (funcs.c) and table functions through Go's argument rules
 * (call.c), with methods on time values (methods.c) and the html / js /
 * urlquery escapers (escape.c).
 */
#ifndef RN_TEMPLATE_INT_H
#define RN_TEMPLATE_INT_H

#include "template.h"

#include "../core/arena.h"
#include "../core/err.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* ---- tokens (lex.c) ---- */

/* Order matters: everything after TK_KEYWORD prints as <val> in parse
 * errors, as Go's item.String does. */
enum tok_type {
    TK_ERROR, /* val is the message */
    TK_EOF,
    TK_TEXT,
    TK_LDELIM,
    TK_RDELIM,
    TK_SPACE,
    TK_ASSIGN,  /* = */
    TK_DECLARE, /* := */
    TK_PIPE,    /* | */
    TK_LPAREN,
    TK_RPAREN,
    TK_CHAR,      /* any other printable ASCII, e.g. ',' */
    TK_STRING,    /* "quoted", with the quotes */
    TK_RAWSTRING, /* `raw`, with the quotes */
    TK_CHARCONST, /* 'c' */
    TK_NUMBER,
    TK_COMPLEX, /* 1+2i */
    TK_BOOL,
    TK_FIELD,    /* .name */
    TK_VARIABLE, /* $name or $ */
    TK_IDENT,
    TK_KEYWORD, /* delimits the keywords below */
    TK_BLOCK,
    TK_BREAK,
    TK_CONTINUE,
    TK_DOT,
    TK_DEFINE,
    TK_ELSE,
    TK_END,
    TK_IF,
    TK_NIL,
    TK_RANGE,
    TK_TEMPLATE,
    TK_WITH,
};

struct token {
    uint8_t type;
    uint32_t pos; /* byte offset in the text */
    int line;     /* 1-based line of pos */
    const char *val;
    size_t len;
};

struct lex_opts {
    bool break_ok, continue_ok; /* false when a function shadows them */
};

/* Tokenise text[0..n) into an arena array ending with TK_EOF or TK_ERROR.
 * NULL on OOM. */
struct token *tpl_lex(struct arena *a, const char *text, size_t n,
                      const struct lex_opts *o, size_t *ntok);

/* Go's item.String() for parse errors, into dst (always terminated). */
void tpl_tok_string(const struct token *t, char *dst, size_t cap);

/* ---- parse tree (node.c) ---- */

enum tnode_type {
    TN_LIST,
    TN_TEXT,
    TN_ACTION,
    TN_IF,
    TN_RANGE,
    TN_WITH,
    TN_TEMPLATE,
    TN_BREAK,
    TN_CONTINUE,
    TN_PIPE,
    TN_COMMAND,
    TN_FIELD,
    TN_VARIABLE,
    TN_CHAIN,
    TN_IDENT,
    TN_DOT,
    TN_NIL,
    TN_BOOL,
    TN_NUMBER,
    TN_STRING,
    TN_END,  /* parser only */
    TN_ELSE, /* parser only */
};

struct tnum {
    bool is_int, is_uint, is_float, is_complex;
    int64_t i;
    uint64_t u;
    double f;
    double re, im;
};

struct tstr {
    const char *s;
    size_t n;
};

struct tnode {
    uint8_t type;
    bool flag; /* PIPE: is_assign; BOOL: value */
    uint32_t pos;
    int line;
    struct tstr text; /* TEXT bytes; STRING source; NUMBER source; IDENT
                         name; TEMPLATE name */
    struct tstr str;  /* STRING: unquoted value */
    struct tstr *ids; /* FIELD / VARIABLE / CHAIN identifiers */
    int nids;
    struct tnode **kids; /* LIST nodes; COMMAND args; PIPE commands */
    int nkids, capkids;
    struct tnode **decl; /* PIPE declared variables (TN_VARIABLE) */
    int ndecl;
    struct tnode *pipe; /* ACTION/IF/RANGE/WITH/TEMPLATE; CHAIN: its term */
    struct tnode *list, *elselist;
    struct tnum *num;              /* NUMBER */
    const struct tpl_func_def *fn; /* IDENT: resolved function */
};

struct tnode *tpl_node_new(struct arena *a, int type, uint32_t pos, int line);
/* Append kid to n->kids; RN_OK or RN_ENOMEM. */
int tpl_node_append(struct arena *a, struct tnode *n, struct tnode *kid);
/* Go's Node.String() of n, appended to b. */
int tpl_node_string(struct buf *b, const struct tnode *n);
/* Go's parse.IsEmptyTree. */
bool tpl_node_empty(const struct tnode *n);
/* Go's NumberNode construction from a token; returns NULL and sets msg
 * (Go's text) on a bad literal. */
struct tnum *tpl_number_parse(struct arena *a, const struct token *tk,
                              char *msg, size_t msgcap);
/* strconv.Unquote of a "..." or `...` token; false on bad syntax.  The
 * result is NUL-terminated in a. */
bool tpl_unquote(struct arena *a, const char *s, size_t n, struct tstr *out);

/* ---- templates and function tables ---- */

struct ttree {
    const char *name;
    size_t nlen;
    struct tnode *root;
};

struct tpl {
    struct arena arena;
    const struct tpl_funcs *funcs;
    const char *name; /* the parse name (top-level template) */
    const char *text;
    size_t n;
    struct ttree *trees;
    size_t ntrees, cap;
    const struct ttree *main; /* the tree named `name`, once parsed */
};

const struct ttree *tpl_tree_find(const struct tpl *t, const char *name,
                                  size_t n);

/* Builtins: table rows with fn == NULL and ud pointing at one of these. */
enum tpl_builtin {
    BI_AND = 1,
    BI_OR,
    BI_NOT,
    BI_LEN,
    BI_INDEX,
    BI_SLICE,
    BI_PRINT,
    BI_PRINTF,
    BI_PRINTLN,
    BI_HTML,
    BI_JS,
    BI_URLQUERY,
    BI_EQ,
    BI_NE,
    BI_LT,
    BI_LE,
    BI_GT,
    BI_GE,
    BI_CALL,
};

/* Builtin id of a table row, 0 when it is an ordinary function. */
int tpl_builtin_id(const struct tpl_func_def *d);

/* ---- execution ---- */

/* A value as the executor holds it.  The interface flag marks a value
 * whose Go static type is interface{} (an element of []interface{} or a
 * value of map[string]interface{}): Go then reports "interface {}" as its
 * type and a nil one is a nil interface rather than "no value".  A
 * VAL_NULL without the flag is Go's invalid reflect.Value (missing key, no
 * data).  The flag lives in v.pad, which struct val leaves unused, so an
 * xval is 16 bytes and is passed and returned in registers; build xvals
 * with xv() and read the flag with xv_iface().  Table functions get their
 * arguments with pad cleared. */
struct xval {
    struct val v;
};

static inline struct xval xv(struct val v, bool iface)
{
    struct xval x;
    x.v = v;
    x.v.pad = iface;
    return x;
}

static inline bool xv_iface(struct xval x)
{
    return x.v.pad != 0;
}

struct xvar {
    const char *name;
    size_t nlen;
    struct xval val;
};

struct xstate {
    const struct tpl *t;
    const struct ttree *tree; /* the template being executed */
    const struct tnode *node; /* current node, for error context */
    struct arena *a;
    struct buf *out;
    size_t out0;
    struct rn_err *e;
    struct xvar *vars; /* vars0 until more are pushed */
    size_t nvars, capvars, varbase;
    int depth;
    unsigned long steps;
    const char *stack0; /* C stack address at entry, for the depth guard */
    /* Not zeroed at entry (tpl_exec_named clears the fields above): */
    jmp_buf jb;
    struct xvar vars0[8];
};

/* Raise an exec error in Go's format (template: LOC: executing "T" at
 * <NODE>: msg) and unwind to tpl_exec. */
_Noreturn void tpl_xerrorf(struct xstate *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Unwind with code (RN_ENOMEM, RN_ELIMIT) and a plain message. */
_Noreturn void tpl_xfail(struct xstate *s, int code, const char *msg);
/* Arena allocation that unwinds on OOM. */
void *tpl_xalloc(struct xstate *s, size_t n);

/* Evaluate arguments for a call (call.c).  args are the command's nodes
 * after the function (may be NULL), final the piped value (has_final). */
struct xcall {
    const struct tnode *const *args;
    int nargs;
    const struct xval *final; /* NULL when absent */
    const struct val *recv;   /* methods: the receiver, passed as argv[0] */
    struct xval dot;
};

/* Go's evalCall for a table function, builtin or method.  recv is the
 * receiver for methods (NULL for functions). */
struct xval tpl_call_func(struct xstate *s, const struct tpl_func_def *d,
                          const char *name, const struct tnode *node,
                          const struct xcall *c);

/* Evaluate one argument node against a parameter letter (Go's evalArg). */
struct xval tpl_eval_arg(struct xstate *s, struct xval dot, char param,
                         const struct tnode *n);
/* Go's validateType of an evaluated value against a parameter letter. */
struct xval tpl_validate(struct xstate *s, struct xval v, char param);

/* Evaluate nodes as the executor does (exec.c). */
struct xval tpl_eval_pipeline(struct xstate *s, struct xval dot,
                              const struct tnode *pipe);
struct xval tpl_eval_function(struct xstate *s, struct xval dot,
                              const struct tnode *ident,
                              const struct tnode *cmd, const struct xcall *c);
struct xval tpl_eval_field_node(struct xstate *s, struct xval dot,
                                const struct tnode *n, const struct xcall *c);
struct xval tpl_eval_variable_node(struct xstate *s, struct xval dot,
                                   const struct tnode *n,
                                   const struct xcall *c);
struct xval tpl_eval_chain_node(struct xstate *s, struct xval dot,
                                const struct tnode *n, const struct xcall *c);
/* Go's idealConstant. */
struct xval tpl_ideal_constant(struct xstate *s, const struct tnode *n);

/* Builtins (funcs.c): evaluated arguments in, result in *out.  Returns
 * RN_OK, or RN_EEXEC with Go's error text in err (the caller adds "error
 * calling NAME: "). */
int tpl_builtin_call(struct xstate *s, int id, struct xval *argv, int argc,
                     struct xval *out, char *err, size_t errcap);
/* A Go complex128 value (printed "(1+2i)"), as a struct pseudo-value. */
struct val tpl_complex(struct xstate *s, double re, double im);

/* Go's %v of v into the arena (for messages); never fails. */
const char *tpl_sprint_v(struct xstate *s, struct val v);
/* %T name of an executor value (interface {} when boxed). */
const char *tpl_type_name(struct xval v);

/* Methods on time.Time, time.Duration, time.Month, time.Weekday
 * (methods.c): the def for `name`, or NULL. */
const struct tpl_func_def *tpl_method_find(struct val recv, const char *name,
                                           size_t n);

/* Escapers (escape.c), appending to b. */
int tpl_html_escape(struct buf *b, const char *s, size_t n);
int tpl_js_escape(struct buf *b, const char *s, size_t n);
/* (urlquery: core/codec.h, codec_url_escape) */

/* Positions are 32-bit: longer template texts are refused. */
#define TPL_MAX_TEXT (1u << 30)

/* The C-stack budget for nested template calls and evaluation. */
#define TPL_STACK_BUDGET (1u << 21)

#endif
