/*
 * bench_expr.c: condition/<name> rows: each workload condition compiled
 * once, then run against vars {rollout, time}.
 */
#include "bench.h"

#include "core/arena.h"
#include "core/doc.h"
#include "core/err.h"
#include "expr/expr.h"

#include <stdio.h>

struct ccase {
    struct expr_prog *prog;
    struct val env;
    struct arena arena;
};

static size_t run(void *ctx)
{
    struct ccase *c = ctx;
    struct rn_err e;
    struct val out;
    arena_reset(&c->arena);
    expr_run(c->prog, c->env, &c->arena, &out, &e);
    return c->arena.used;
}

void bench_conditions(const struct bench_inputs *in)
{
    struct arena a;
    arena_init(&a, 0);
    struct val_obj *vo = arena_zalloc(&a, sizeof *vo);
    struct val_kv *kv = arena_zalloc(&a, 2 * sizeof *kv);
    kv[0].key = val_str("rollout", 7);
    kv[0].v = in->rollout->root;
    kv[1].key = val_str("time", 4);
    kv[1].v = expr_time_var(&a);
    vo->len = vo->cap = 2;
    vo->kv = kv;
    struct ccase c = {.env = val_obj(vo, GT_MAP_ANY)};
    arena_init(&c.arena, 0);
    const struct val *conds = val_get_cstr(in->workload->root, "conditions");
    for (size_t i = 0; conds && i < val_list_len(*conds); i++) {
        struct val cond = val_list_at(*conds, i);
        const struct val *name = val_get_cstr(cond, "name");
        const struct val *when = val_get_cstr(cond, "when");
        if (!name || !when)
            continue;
        struct rn_err e = {0};
        c.prog = expr_compile(when->u.s, when->len, name->u.s, &e);
        if (!c.prog) {
            bench_fail("condition", name->u.s, "%s", e.msg);
            continue;
        }
        bench_measure("condition", name->u.s, run, &c, 0);
        expr_free(c.prog);
    }
    arena_free(&c.arena);
    arena_free(&a);
}
