/*
 * expr.h: the expr language (expr-lang/expr v1.16.9) for trigger
 * conditions.
 *
 * expr_compile() parses and checks an expression once; expr_run()
 * evaluates it against an environment object as often as needed, with all
 * temporaries in the caller's arena.  Results keep Go's static types in
 * val flags, so %v printing (oncePer) and type() match Go.
 */
#ifndef RN_EXPR_H
#define RN_EXPR_H

#include "../core/val.h"

#include <stddef.h>

struct arena;
struct rn_err;
struct expr_prog;

/* Compile src; `name` labels errors (e.g. "trigger on-x[0].when").  NULL
 * with a compile error in e (RN_ESYNTAX, or RN_ENOMEM): syntax errors and
 * the type errors expr's checker finds without an environment (`1 + 'a'`,
 * `len(1)`, a bad regexp literal).  Free the result with expr_free(). */
struct expr_prog *expr_compile(const char *src, size_t n, const char *name,
                               struct rn_err *e);

/* Run against env (an object: the variables).  RN_EEXEC with a runtime
 * error in e (message with "(line:col)" and the source line, as expr
 * prints it).  Everything the run allocates goes to a; the result may
 * also point into p's constants (string literals), so keep both p and a
 * alive while using it.  Runs are bounded by limits.h (steps, depth) and
 * by expr's own memory budget (1e6 list slots).  p may be shared by
 * concurrent runs: a run writes to it only member-lookup hints, and
 * atomically. */
int expr_run(const struct expr_prog *p, struct val env, struct arena *a,
             struct val *out, struct rn_err *e);

void expr_free(struct expr_prog *p);

/* Go's %T of a value an expression produced ("int", "float64",
 * "[]interface {}", "map[interface {}][]interface {}", "time.Duration"). */
const char *expr_value_type(struct val v);

/* The `time` variable Argo Rollouts provides: {Now: func() time.Time,
 * Parse: func(RFC3339 string) time.Time}, allocated in a. */
struct val expr_time_var(struct arena *a);

#endif
