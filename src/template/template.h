/*
 * template.h: Go text/template, byte for byte.
 *
 * tpl_parse() turns a template text (with its {{define}}s) into a template
 * set; tpl_exec() renders one of its templates over a value.  Functions
 * come from a struct tpl_funcs table: the Go builtins (and, or, not, len,
 * index, slice, print, printf, println, html, js, urlquery, eq, ne, lt, le,
 * gt, ge, call) are always there; sprig (sprig/sprig.h) and callers add
 * more.  Errors carry Go's messages: "template: NAME:LINE:COL: ...".
 */
#ifndef RN_TEMPLATE_H
#define RN_TEMPLATE_H

#include "../core/val.h"

#include <stddef.h>

struct arena;
struct buf;
struct rn_err;
struct tpl;
struct tpl_funcs;

/*
 * Calling convention for template functions.
 *
 * The engine checks and converts arguments the way Go's reflect-based call
 * does, from `params` (one letter per Go parameter type):
 *   v interface{}      b bool          i int          I int64
 *   U uint32           f float64       s string       t time.Time
 *   l []interface{}    S []string      m map[string]interface{}
 *   d time.Duration    L *time.Location
 * A '.' before the last letter makes it variadic ("s.v" is
 * func(string, ...interface{})).  A function is then called with the
 * converted arguments; it writes its result to *out (with the Go result
 * type in flags) and returns RN_OK, or returns RN_EEXEC with Go's error or
 * panic text in c->err->msg (the engine adds "error calling NAME: ").
 * Everything it allocates goes in c->arena.
 */
struct tpl_fcall {
    struct arena *arena;
    struct rn_err *err;
    const char *name; /* the function's name as called */
    void *ud;         /* from the table entry */
};

typedef int tpl_fn(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out);

/*
 * Function values.  A VAL_FUNC whose val_func.impl points at a
 * struct tpl_func_def is a Go func value to templates: `call` invokes it
 * (arguments checked like Go's call builtin), and as a field of a
 * GT_STRUCT value it is a method (`.Parse "..."`).  Anything else in impl
 * is "call of nil".
 */

struct tpl_func_def {
    const char *name;
    tpl_fn *fn;
    const char *params;
    void *ud;
};

/* A table with the Go builtins only; NULL on OOM. */
struct tpl_funcs *tpl_funcs_new(void);
/* Add (or replace) n functions; the defs must outlive the table. */
int tpl_funcs_add(struct tpl_funcs *f, const struct tpl_func_def *defs,
                  size_t n);
/* Make `name` undefined (a parse error to call), as upstream removes env
 * and expandenv from sprig. */
void tpl_funcs_remove(struct tpl_funcs *f, const char *name);
const struct tpl_func_def *tpl_funcs_find(const struct tpl_funcs *f,
                                          const char *name, size_t n);
void tpl_funcs_free(struct tpl_funcs *f);

/* Parse text as template `name`.  f must outlive the template.  On error
 * returns NULL with a parse error in e (code RN_ESYNTAX). */
struct tpl *tpl_parse(const char *name, const char *text, size_t n,
                      const struct tpl_funcs *f, struct rn_err *e);

/* Render the main template over data, appending to out.  Temporaries go in
 * a (reset by the caller).  On error returns RN_EEXEC (or RN_ENOMEM,
 * RN_ELIMIT) with Go's message in e; out then holds what Go would have
 * written before the error. */
int tpl_exec(const struct tpl *t, struct val data, struct arena *a,
             struct buf *out, struct rn_err *e);

/* Render the associated template `name` ({{define "name"}}). */
int tpl_exec_named(const struct tpl *t, const char *name, struct val data,
                   struct arena *a, struct buf *out, struct rn_err *e);

void tpl_free(struct tpl *t);

#endif
