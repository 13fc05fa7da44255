/*
 * vals.c: building the engine's values in an arena: the variables of
 * docs/reference/engine.md §4.4 (objects are built with core's val_obj_*
 * helpers).
 */
#include "engine_int.h"

#include "../core/gotime.h"
#include "../core/limits.h"
#include "../expr/expr.h"
#include "../template/template.h"

#include <stdlib.h>
#include <string.h>

/* Copy n bytes into a as a string value. */
int eng_str(struct arena *a, const char *s, size_t n, struct val *out)
{
    char *d = arena_strndup(a, s, n);
    if (!d)
        return RN_ENOMEM;
    *out = val_str(d, n);
    return RN_OK;
}

/* Build the trigger variables (engine.h), in a. */
int eng_vars(const struct cfg *c, struct val object,
             const struct val *analysis_runs, struct arena *a, struct val *out)
{
    struct val o = val_obj_new(a, 4);
    if (o.kind == VAL_NULL)
        return RN_ENOMEM;
    int rc = val_obj_put(a, o, "rollout", 7, object);
    if (rc == RN_OK && analysis_runs)
        rc = val_obj_put(a, o, "analysisRuns", 12, *analysis_runs);
    if (rc == RN_OK)
        rc = val_obj_put(a, o, "time", 4, expr_time_var(a));
    if (rc == RN_OK)
        rc = val_obj_put(a, o, "secrets", 7,
                         c ? cfg_secrets_var(c) : val_obj_new(a, 0));
    if (rc == RN_OK)
        *out = o;
    return rc;
}

/* time.Now() for templates (`call .time.Now`). */
static int tpl_now(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    const struct val_time *t = gotime_now(c->arena);
    (void)argv;
    (void)argc;
    if (!t)
        return RN_ENOMEM;
    *out = val_time(t);
    return RN_OK;
}

/* time.Parse(time.RFC3339, s); Go panics on bad input, surfacing as a
 * render error. */
static int tpl_parse_time(struct tpl_fcall *c, const struct val *argv, int argc,
                          struct val *out)
{
    const struct val_time *t;
    (void)argc;
    int rc = gotime_parse(c->arena, GOTIME_RFC3339, strlen(GOTIME_RFC3339),
                          argv[0].u.s, argv[0].len, NULL, &t, c->err);
    if (rc != RN_OK)
        return rc == RN_ENOMEM ? rc : RN_EEXEC;
    *out = val_time(t);
    return RN_OK;
}

static const struct tpl_func_def time_defs[] = {
    {"Now", tpl_now, "", NULL},
    {"Parse", tpl_parse_time, "s", NULL},
};

static const struct val_func time_fns[] = {
    {"Now", (void *)&time_defs[0], NULL},
    {"Parse", (void *)&time_defs[1], NULL},
};

/* The template flavour of `time`, in a (null on OOM). */
struct val eng_time_var_tpl(struct arena *a)
{
    struct val o = val_obj_new(a, 2);
    if (o.kind != VAL_OBJECT ||
        val_obj_put(a, o, "Now", 3, val_func(&time_fns[0])) != RN_OK ||
        val_obj_put(a, o, "Parse", 5, val_func(&time_fns[1])) != RN_OK)
        return val_null();
    return o;
}

/* Rendering variables: vars + template `time`, serviceType, recipient. */
int eng_vars_send(struct arena *a, struct val vars, const struct eng_dest *d,
                  struct val *out)
{
    struct val svc, rcp, tmp;
    int rc = val_obj_with(a, vars, "time", eng_time_var_tpl(a), &vars);
    if (rc == RN_OK)
        rc = eng_str(a, d->service, strlen(d->service), &svc);
    if (rc == RN_OK)
        rc = eng_str(a, d->recipient, strlen(d->recipient), &rcp);
    if (rc == RN_OK)
        rc = val_obj_with(a, vars, "serviceType", svc, &tmp);
    if (rc == RN_OK)
        rc = val_obj_with(a, tmp, "recipient", rcp, out);
    return rc;
}

/* obj.metadata.<field>.<key> as a string, or NULL when absent. */
static const struct val *meta_str(struct val obj, const char *field,
                                  const char *key)
{
    const struct val *m = val_get_cstr(obj, "metadata");
    const struct val *f = m ? val_get_cstr(*m, field) : NULL;
    const struct val *v = f ? val_get_cstr(*f, key) : NULL;
    return v && v->kind == VAL_STRING ? v : NULL;
}

static bool str_eq(const struct val *v, const char *s, size_t n)
{
    size_t vn = v ? v->len : 0;
    return vn == n && (n == 0 || memcmp(v->u.s, s, n) == 0);
}

static const char *meta_plain(struct val obj, const char *key)
{
    const struct val *m = val_get_cstr(obj, "metadata");
    const struct val *v = m ? val_get_cstr(*m, key) : NULL;
    return v && v->kind == VAL_STRING ? v->u.s : "";
}

/* Newest creationTimestamp first (RFC 3339 UTC compares as text), then
 * name. */
static int run_cmp(const void *x, const void *y)
{
    const struct val *a = x, *b = y;
    int d = strcmp(meta_plain(*b, "creationTimestamp"),
                   meta_plain(*a, "creationTimestamp"));
    return d ? d : strcmp(meta_plain(*a, "name"), meta_plain(*b, "name"));
}

/* The docs/reference/engine.md §4.4 AnalysisRun lookup over runs; the list is
 * built in a. */
int eng_analysis_runs(struct arena *a, struct val rollout,
                      const struct val *runs, size_t n, struct val *out)
{
    const struct val *st = val_get_cstr(rollout, "status");
    const struct val *hash = st ? val_get_cstr(*st, "currentPodHash") : NULL;
    const struct val *rev =
        meta_str(rollout, "annotations", "rollout.argoproj.io/revision");
    struct val_list *l = arena_zalloc(a, sizeof *l);
    bool labelled = false;
    if (hash && hash->kind != VAL_STRING)
        hash = NULL;
    if (l)
        l->items = arena_alloc(a, (n ? n : 1) * sizeof *l->items);
    if (!l || !l->items)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct val *h =
            meta_str(runs[i], "labels", "rollouts-pod-template-hash");
        if (!h || !str_eq(h, hash ? hash->u.s : "", hash ? hash->len : 0))
            continue;
        labelled = true;
        const struct val *r =
            meta_str(runs[i], "annotations", "rollout.argoproj.io/revision");
        if (str_eq(r, rev ? rev->u.s : "", rev ? rev->len : 0))
            l->items[l->len++] = runs[i];
    }
    if (l->len > 1)
        qsort(l->items, l->len, sizeof *l->items, run_cmp);
    l->cap = l->len;
    *out = labelled ? val_list(l, GT_LIST_ANY) : val_null();
    return RN_OK;
}

/* Deep copy where every whole JSON number (VAL_INT) becomes float64:
 * strings and keys are shared, containers copied. */
static int float_copy(struct arena *a, struct val v, unsigned depth,
                      struct val *out)
{
    if (depth > RN_JSON_MAX_DEPTH)
        return RN_ELIMIT;
    if (v.kind == VAL_INT) {
        *out = val_float((double)v.u.i);
        return RN_OK;
    }
    if (v.kind == VAL_ARRAY && v.u.list) {
        struct val_list *l = arena_alloc(a, sizeof *l);
        size_t n = v.u.list->len;
        struct val *items = n ? arena_alloc(a, n * sizeof *items) : NULL;
        if (!l || (n && !items))
            return RN_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            int rc = float_copy(a, v.u.list->items[i], depth + 1, &items[i]);
            if (rc != RN_OK)
                return rc;
        }
        l->len = l->cap = (uint32_t)n;
        l->items = items;
        *out = val_list(l, val_gotype(v));
        return RN_OK;
    }
    if (v.kind == VAL_OBJECT && v.u.obj) {
        struct val_obj *o = arena_alloc(a, sizeof *o);
        size_t n = v.u.obj->len;
        struct val_kv *kv = n ? arena_alloc(a, n * sizeof *kv) : NULL;
        if (!o || (n && !kv))
            return RN_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            kv[i].key = v.u.obj->kv[i].key;
            int rc = float_copy(a, v.u.obj->kv[i].v, depth + 1, &kv[i].v);
            if (rc != RN_OK)
                return rc;
        }
        o->len = o->cap = (uint32_t)n;
        o->kv = kv;
        *out = val_obj(o, val_gotype(v));
        return RN_OK;
    }
    *out = v;
    return RN_OK;
}

/* The value as upstream's event path sees it (every number float64),
 * from one decoded with whole numbers as int64.  In a. */
int eng_float_numbers(struct arena *a, struct val v, struct val *out)
{
    return float_copy(a, v, 0, out);
}
