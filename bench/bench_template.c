/*
 * bench_template.c: template/<name> rows: the three fields each built-in
 * template renders (message, email.subject, slack.attachments) over the
 * bench Rollout, parsed once outside the loop.
 */
#include "bench.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "template/sprig/sprig.h"
#include "template/template.h"

#include <stdio.h>
#include <string.h>

#define NFIELDS 3

struct tcase {
    struct tpl *fields[NFIELDS];
    struct val vars;
    struct arena arena;
    struct buf out;
};

static size_t render(void *ctx)
{
    struct tcase *t = ctx;
    struct rn_err e;
    arena_reset(&t->arena);
    for (int i = 0; i < NFIELDS; i++) {
        if (!t->fields[i])
            continue;
        buf_reset(&t->out);
        if (tpl_exec(t->fields[i], t->vars, &t->arena, &t->out, &e) != RN_OK)
            bench_fail("%s", e.msg);
    }
    return t->arena.used;
}

/* The string at a dotted path of a template document, or NULL. */
static const struct val *field(struct val doc, const char *a, const char *b)
{
    const struct val *v = val_get_cstr(doc, a);
    if (v && b)
        v = val_get_cstr(*v, b);
    return v && v->kind == VAL_STRING ? v : NULL;
}

static void bench_one(const char *name, struct val tdoc,
                      const struct tpl_funcs *funcs, struct val vars)
{
    static const char *const paths[NFIELDS][2] = {
        {"message", NULL}, {"email", "subject"}, {"slack", "attachments"}};
    struct tcase t = {.vars = vars};
    struct rn_err e = {0};
    for (int i = 0; i < NFIELDS; i++) {
        const struct val *s = field(tdoc, paths[i][0], paths[i][1]);
        if (!s)
            continue;
        t.fields[i] = tpl_parse(name, s->u.s, s->len, funcs, &e);
        if (!t.fields[i]) {
            bench_fail_row("template", name, "%s", e.msg);
            while (i-- > 0)
                tpl_free(t.fields[i]);
            return;
        }
    }
    arena_init(&t.arena, 0);
    buf_init(&t.out, 0);
    bench_measure("template", name, render, &t, 0);
    for (int i = 0; i < NFIELDS; i++)
        tpl_free(t.fields[i]);
    arena_free(&t.arena);
    buf_free(&t.out);
}

void bench_templates(const struct bench_inputs *in)
{
    struct tpl_funcs *funcs = tpl_funcs_new();
    if (!funcs || sprig_register(funcs) != 0) {
        bench_fail_row("template", "*", "cannot register the functions");
        tpl_funcs_free(funcs);
        return;
    }
    struct arena a;
    arena_init(&a, 0);
    struct val_obj *vo = arena_zalloc(&a, sizeof *vo);
    struct val_kv *kv = arena_zalloc(&a, sizeof *kv);
    kv->key = val_str("rollout", 7);
    kv->v = in->rollout->root;
    vo->len = vo->cap = 1;
    vo->kv = kv;
    struct val vars = val_obj(vo, GT_MAP_ANY);
    const struct val *data = val_get_cstr(in->configmap->root, "data");
    for (size_t i = 0; data && i < val_obj_len(*data); i++) {
        const struct val_kv *e = val_obj_at(*data, i);
        if (strncmp(e->key.u.s, "template.", 9) != 0 ||
            e->v.kind != VAL_STRING)
            continue;
        struct rn_err err = {0};
        struct val tdoc;
        if (goyaml_parse(&a, e->v.u.s, e->v.len, NULL, &tdoc, &err) != 0)
            continue;
        bench_one(e->key.u.s + 9, tdoc, funcs, vars);
    }
    arena_free(&a);
    tpl_funcs_free(funcs);
}
