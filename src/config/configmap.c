/*
 * configmap.c: building a snapshot from ConfigMap data
 * (docs/reference/engine.md §1.3, §1.9).
 *
 * Keys are visited in sorted order and dispatched by prefix to the file
 * that owns that kind of key.  A key that fails is recorded (key, message,
 * position) and disables only itself: upstream drops the whole
 * configuration on the first error it happens to meet, rnotify keeps every
 * good key working and reports every bad one (docs/reference/engine.md §9.12,
 * §9.17).
 */
#include "config_int.h"

#include "../core/alloc.h"
#include "../template/template.h"

#include <stdlib.h>
#include <string.h>

static int record_error(struct cfg *c, const char *key, int key_line,
                        const struct rn_err *e)
{
    struct cfg_error ce = {
        key, e->code ? e->code : RN_ECONFIG, e->line, e->col, key_line, NULL};
    ce.msg = arena_strdup(&c->arena, e->msg[0] ? e->msg : "invalid value");
    if (!ce.msg)
        return RN_ENOMEM;
    return cfg_vec_push(&c->arena, (void **)&c->errs, &c->nerrs, &c->cap_errs,
                        sizeof ce, &ce);
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* service.<type> | service.<type>.<name> */
static int dispatch_service(struct cfg_ctx *x, const char *key,
                            struct rn_err *e)
{
    const char *type = key + strlen("service.");
    const char *dot = strchr(type, '.');
    if (dot && strchr(dot + 1, '.'))
        return rn_errf(e, RN_ECONFIG,
                       "invalid service key; expected "
                       "'service.<type>(.<name>)' but got '%s'",
                       key);
    if (!dot)
        return cfg_load_service(x, type, type, e);
    char *t = arena_strndup(&x->c->arena, type, (size_t)(dot - type));
    if (!t)
        return RN_ENOMEM;
    return cfg_load_service(x, t, dot + 1, e);
}

static int dispatch(struct cfg_ctx *x, const char *key, struct rn_err *e)
{
    if (has_prefix(key, "template."))
        return cfg_load_template(x, key + strlen("template."), e);
    if (has_prefix(key, "service."))
        return dispatch_service(x, key, e);
    if (has_prefix(key, "trigger."))
        return cfg_load_trigger(x, key + strlen("trigger."), e);
    if (strcmp(key, "subscriptions") == 0)
        return cfg_load_subscriptions(x, e);
    if (strcmp(key, "defaultTriggers") == 0)
        return cfg_load_deftriggers(x, NULL, e);
    if (has_prefix(key, "defaultTriggers."))
        return cfg_load_deftriggers(x, key + strlen("defaultTriggers."), e);
    return RN_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct cfg_entry *x = *(const struct cfg_entry *const *)a;
    const struct cfg_entry *y = *(const struct cfg_entry *const *)b;
    return val_keycmp(x->key, x->klen, y->key, y->klen);
}

static int svc_cmp(const void *a, const void *b)
{
    const struct cfg_svc_slot *x = a, *y = b;
    return strcmp(x->s.name, y->s.name);
}

/* One key: copy it NUL-terminated, load it, record its error. */
static int load_key(struct cfg *c, const struct cfg_data *secret,
                    const struct cfg_entry *en)
{
    struct rn_err e;
    struct cfg_entry copy = *en;
    struct cfg_ctx x = {c, secret, &copy};
    rn_err_clear(&e);
    copy.key = arena_strndup(&c->arena, en->key, en->klen);
    if (!copy.key)
        return RN_ENOMEM;
    int rc = dispatch(&x, copy.key, &e);
    if (rc == RN_OK || rc == RN_ENOMEM)
        return rc;
    if (!e.code)
        e.code = rc;
    return record_error(c, copy.key, en->key_line, &e);
}

static int load_all(struct cfg *c, const struct cfg_data *cm,
                    const struct cfg_data *secret)
{
    size_t n = cm ? cm->n : 0;
    const struct cfg_entry **order =
        arena_alloc(&c->arena, (n ? n : 1) * sizeof *order);
    if (!order)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = &cm->items[i];
    qsort(order, n, sizeof *order, entry_cmp);
    int rc = cfg_build_secrets(c, secret);
    for (size_t i = 0; rc == RN_OK && i < n; i++)
        rc = load_key(c, secret, order[i]);
    if (rc == RN_OK && c->nsvcs > 1)
        qsort(c->svcs, c->nsvcs, sizeof *c->svcs, svc_cmp);
    if (rc == RN_OK)
        rc = cfg_check(c);
    return rc;
}

/* Build a snapshot with one reference.  Bad keys are recorded, not
 * fatal; only RN_ENOMEM fails, and then nothing is left allocated. */
int cfg_load(const struct cfg_data *cm, const struct cfg_data *secret,
             const struct cfg_opts *o, struct cfg **out, struct rn_err *e)
{
    struct cfg *c = rn_calloc(1, sizeof *c);
    if (!c)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    atomic_init(&c->refs, 1);
    arena_init(&c->arena, 0);
    const char *ns = o && o->namespace     ? o->namespace
                     : cm && cm->namespace ? cm->namespace
                                           : "";
    c->ns = arena_strdup(&c->arena, ns);
    c->self_service = o && o->self_service;
    c->check_only = o && o->check_only;
    c->funcs = cfg_funcs_new();
    int rc = c->ns && c->funcs ? load_all(c, cm, secret) : RN_ENOMEM;
    if (rc != RN_OK) {
        cfg_unref(c);
        return rn_errf(e, rc, "out of memory");
    }
    *out = c;
    return RN_OK;
}

/* Take a reference (atomic: snapshots cross threads). */
struct cfg *cfg_ref(struct cfg *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

/* Drop a reference; the last one frees templates, programs and arena. */
void cfg_unref(struct cfg *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    cfg_release_templates(c);
    cfg_release_triggers(c);
    if (c->funcs)
        tpl_funcs_free(c->funcs);
    arena_free(&c->arena);
    rn_free(c);
}

/* The namespace the snapshot was built for ("" when unknown). */
const char *cfg_namespace(const struct cfg *c)
{
    return c->ns;
}

/* Whether state keys of this config carry its namespace
 * (docs/reference/engine.md §8.3). */
bool cfg_self_service(const struct cfg *c)
{
    return c->self_service;
}

/* Number of broken keys. */
size_t cfg_error_count(const struct cfg *c)
{
    return c->nerrs;
}

/* Error i in key order, or NULL past the end. */
const struct cfg_error *cfg_error_at(const struct cfg *c, size_t i)
{
    return i < c->nerrs ? &c->errs[i] : NULL;
}

/* The error of one key, or NULL when the key loaded (or is absent). */
const struct cfg_error *cfg_key_error(const struct cfg *c, const char *key)
{
    for (size_t i = 0; i < c->nerrs; i++)
        if (strcmp(c->errs[i].key, key) == 0)
            return &c->errs[i];
    return NULL;
}
