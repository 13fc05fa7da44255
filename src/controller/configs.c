/*
 * configs.c: the notification configuration of each namespace, rebuilt
 * live whenever its ConfigMap or Secret changes.
 *
 * A new ConfigMap is compiled key by key (config.h isolates a broken key).
 * Where a key that worked in the configuration in force is broken in the
 * new one, its last good value is kept: a typo in an edit never switches
 * off a notification that worked.  Every problem is logged once per
 * distinct set, counted in rnotify_config_errors and reported as a
 * Warning Event on the ConfigMap.  Queued deliveries hold a reference on
 * the configuration they were rendered with, so swapping one in never
 * pulls a service instance from under a transfer.  Every change also
 * rebuilds the mask of all loaded Secret values that scrubs every log
 * line, Event message and metric label (core/mask.h).
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/doc.h"
#include "../core/log.h"
#include "../core/mask.h"

#include <stdio.h>
#include <string.h>

struct ctl_conf *ctl_conf_ref(struct ctl_conf *c)
{
    if (c)
        c->refs++;
    return c;
}

void ctl_conf_unref(struct ctl_conf *c)
{
    if (!c || --c->refs > 0)
        return;
    for (size_t i = 0; i < c->nsvcs; i++)
        svc_instance_free(c->svcs[i]);
    rn_free(c->svcs);
    cfg_unref(c->cfg);
    arena_free(&c->a);
    rn_free(c);
}

const struct svc_instance *ctl_conf_svc(const struct ctl_conf *c,
                                        const char *name)
{
    for (size_t i = 0; i < c->nsvcs; i++) {
        const struct cfg_service *s = cfg_service_at(c->cfg, i);
        if (s && c->svcs[i] && strcmp(s->name, name) == 0)
            return c->svcs[i];
    }
    return NULL;
}

/* The entry of key in d, or NULL. */
static struct cfg_entry *entry_of(const struct cfg_data *d, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].klen == n && memcmp(d->items[i].key, key, n) == 0)
            return &d->items[i];
    return NULL;
}

/* Put the last good value back for every key that broke, when the
 * configuration in force had it working.  Returns how many. */
static size_t fall_back(struct ctl_conf *n, const struct ctl_conf *prev,
                        struct buf *why)
{
    size_t kept = 0;
    for (size_t i = 0; i < cfg_error_count(n->cfg); i++) {
        const struct cfg_error *ce = cfg_error_at(n->cfg, i);
        struct cfg_entry *cur = entry_of(&n->cm, ce->key);
        const struct cfg_entry *old = entry_of(&prev->cm, ce->key);
        if (!cur || !old || cfg_key_error(prev->cfg, ce->key))
            continue;
        cur->value = arena_strndup(&n->a, old->value, old->vlen);
        cur->vlen = cur->value ? old->vlen : 0;
        if (!cur->value)
            continue;
        kept++;
        buf_add_fmt(why, "%s%s", kept > 1 ? ", " : "", ce->key);
    }
    return kept;
}

/* One problem per line "key: message" into b. */
static void list_problems(const struct cfg *cfg, struct buf *b)
{
    for (size_t i = 0; i < cfg_error_count(cfg); i++) {
        const struct cfg_error *ce = cfg_error_at(cfg, i);
        buf_add_fmt(b, "%s: %s\n", ce->key, ce->msg);
    }
}

/* Service instances of the snapshot; a failure is one more problem. */
static int make_instances(struct ctl_conf *n, struct buf *problems)
{
    size_t count = cfg_service_count(n->cfg);
    n->svcs = rn_calloc(count ? count : 1, sizeof *n->svcs);
    if (!n->svcs)
        return RN_ENOMEM;
    n->nsvcs = count;
    for (size_t i = 0; i < count; i++) {
        const struct cfg_service *s = cfg_service_at(n->cfg, i);
        struct rn_err e;
        rn_err_clear(&e);
        if (s && svc_instance_new(s, &n->svcs[i], &e) != RN_OK)
            buf_add_fmt(problems, "service.%s: %s\n", s->name, e.msg);
    }
    return RN_OK;
}

static int read_data(struct ctl_conf *n, struct doc *cm, struct doc *sec,
                     struct rn_err *e)
{
    int rc = RN_OK;
    if (cm)
        rc = cfg_data_from_object(&n->a, cm->root, false, &n->cm, e);
    if (rc == RN_OK && sec)
        rc = cfg_data_from_object(&n->a, sec->root, true, &n->sec, e);
    return rc;
}

/* Compile the namespace's data; problems (one per line) go to problems,
 * kept keys to kept.  NULL when the objects cannot be read at all. */
static struct ctl_conf *build(struct ctl *c, const char *ns, struct doc *cm,
                              struct doc *sec, const struct ctl_conf *prev,
                              struct buf *problems, struct buf *kept)
{
    struct ctl_conf *n = rn_calloc(1, sizeof *n);
    struct rn_err e;
    rn_err_clear(&e);
    if (!n)
        return NULL;
    n->refs = 1;
    arena_init(&n->a, 0);
    n->ns = arena_strdup(&n->a, ns);
    n->self_service = strcmp(ns, c->config_ns) != 0;
    struct cfg_opts o = {ns, n->self_service, false};
    int rc = n->ns ? read_data(n, cm, sec, &e) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = cfg_load(&n->cm, &n->sec, &o, &n->cfg, &e);
    if (rc == RN_OK) {
        list_problems(n->cfg, problems);
        ctl_status_config(c, ns, n->cfg);
        if (prev && fall_back(n, prev, kept)) {
            cfg_unref(n->cfg);
            n->cfg = NULL;
            rc = cfg_load(&n->cm, &n->sec, &o, &n->cfg, &e);
        }
    }
    if (rc == RN_OK)
        rc = make_instances(n, problems);
    if (rc != RN_OK) {
        buf_add_fmt(problems, "%s: %s\n", c->o.config_map,
                    e.msg[0] ? e.msg : rn_strstatus(rc));
        ctl_conf_unref(n);
        return NULL;
    }
    return n;
}

/* A small object naming obj for an Event: list items of built-in kinds
 * carry no apiVersion/kind.  Keys are written in sorted order. */
static struct val involved(struct arena *a, struct doc *obj,
                           const char *api_version, const char *kind)
{
    const struct val *md = val_get_cstr(obj->root, "metadata");
    struct val_obj *o = arena_alloc(a, sizeof *o);
    struct val_kv *kv = arena_alloc(a, 3 * sizeof *kv);
    if (!md || !o || !kv)
        return val_null();
    kv[0].key = val_str("apiVersion", 10);
    kv[0].v = val_str(api_version, strlen(api_version));
    kv[1].key = val_str("kind", 4);
    kv[1].v = val_str(kind, strlen(kind));
    kv[2].key = val_str("metadata", 8);
    kv[2].v = *md;
    o->len = o->cap = 3;
    o->kv = kv;
    return val_obj(o, GT_MAP_ANY);
}

/* ---- keeping Secret values out of logs, Events and metric labels ---- */

/* A new mask of every Secret value of every loaded configuration becomes
 * the log's scrubber; the old one is dropped once log_set_scrubber says no
 * line is being scrubbed with it (worker threads log too).  Out of
 * memory, the old mask stays. */
static void refresh_mask(struct ctl *c)
{
    struct mask *m = mask_new();
    size_t i = 0;
    void *v;
    int rc = m ? RN_OK : RN_ENOMEM;
    while (rc == RN_OK && map_next(&c->confs, &i, NULL, NULL, &v)) {
        const struct cfg_data *sec = &((struct ctl_conf *)v)->sec;
        for (size_t k = 0; rc == RN_OK && k < sec->n; k++)
            rc = mask_add(m, sec->items[k].value, sec->items[k].vlen);
    }
    if (rc != RN_OK) {
        mask_unref(m);
        return;
    }
    log_set_scrubber(mask_scrub_fn, m);
    mask_unref(c->mask);
    c->mask = m;
}

void ctl_mask_text(struct ctl *c, char *text, size_t cap)
{
    mask_scrub(c->mask, text, cap);
}

void ctl_configs_close(struct ctl *c)
{
    size_t i = 0;
    void *v;
    while (map_next(&c->confs, &i, NULL, NULL, &v))
        ctl_conf_unref(v);
    map_free(&c->confs);
    log_set_scrubber(NULL, NULL);
    mask_unref(c->mask);
    c->mask = NULL;
}

/* Report a namespace's problems once per distinct set. */
static void report(struct ctl *c, const char *ns, struct doc *cm,
                   const struct buf *problems, const struct buf *kept)
{
    const char *text = buf_str(problems);
    char *last = map_get(&c->cm_errs, ns, strlen(ns));
    size_t count = 0;
    for (const char *p = text; *p; p++)
        count += *p == '\n';
    const char *lv[] = {ns};
    ctl_metric_set(c->m, c->f.config_errors, lv, (double)count);
    ctl_status_config_done(c, ns, text, buf_str(kept));
    if ((last && strcmp(last, text) == 0) || (!last && !count))
        return;
    char *copy = rn_strndup(text, strlen(text));
    void *old = NULL;
    if (copy && map_put(&c->cm_errs, ns, strlen(ns), copy, &old) == RN_OK)
        rn_free(old);
    else
        rn_free(copy);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
        log_kv(LOG_WARN, "config problem", "namespace", ns, "configmap",
               c->o.config_map, "problem", line, NULL);
        p = nl + 1;
    }
    if (kept->len)
        log_kv(LOG_WARN, "config: kept the last good value", "namespace", ns,
               "keys", buf_str(kept), NULL);
    if (count && cm && c->rec && ctl_may_act(c)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%zu problem(s) in %s%s%s: %s", count,
                 c->o.config_map, kept->len ? "; kept last good " : "",
                 kept->len ? buf_str(kept) : "", text);
        struct val inv = involved(&c->scratch, cm, "v1", "ConfigMap");
        ctl_mask_text(c, msg, sizeof msg);
        if (!val_is_null(inv))
            kube_recorder_emit(c->rec, inv, "Warning",
                               "NotificationConfigInvalid", msg);
    }
}

void ctl_configs_update(struct ctl *c, const char *ns)
{
    struct doc *cm = kube_informer_get(c->cm, ns, c->o.config_map);
    struct doc *sec = kube_informer_get(c->sec, ns, c->o.secret);
    struct ctl_conf *prev = map_get(&c->confs, ns, strlen(ns));
    bool own = strcmp(ns, c->config_ns) == 0;
    struct buf problems, kept;
    if (!cm && !own) { /* a self-service namespace dropped its config */
        map_del(&c->confs, ns, strlen(ns));
        ctl_conf_unref(prev);
        refresh_mask(c);
        return;
    }
    buf_init(&problems, 1u << 20);
    buf_init(&kept, 1u << 16);
    if (!cm)
        log_kv(LOG_WARN, "config map not found: nothing is sent", "namespace",
               ns, "name", c->o.config_map, NULL);
    struct ctl_conf *n = build(c, ns, cm, sec, prev, &problems, &kept);
    const char *lv[] = {n ? (problems.len ? "partial" : "ok") : "error"};
    ctl_metric_add(c->m, c->f.config_reloads, lv, 1);
    if (n) {
        n->generation = prev ? prev->generation + 1 : 1;
        if (map_put(&c->confs, ns, strlen(ns), n, NULL) == RN_OK) {
            ctl_conf_unref(prev);
            refresh_mask(c);
            char counts[64];
            snprintf(counts, sizeof counts, "%zu/%zu/%zu",
                     cfg_template_count(n->cfg), cfg_trigger_count(n->cfg),
                     cfg_service_count(n->cfg));
            log_kv(LOG_INFO, "config loaded", "namespace", ns,
                   "templates/triggers/services", counts, NULL);
        } else {
            ctl_conf_unref(n);
        }
    }
    report(c, ns, cm, &problems, &kept);
    arena_reset(&c->scratch);
    buf_free(&problems);
    buf_free(&kept);
}

size_t ctl_configs_for(struct ctl *c, const char *ns, struct ctl_conf **out)
{
    size_t n = 0;
    if (c->o.self_service && strcmp(ns, c->config_ns) != 0) {
        struct ctl_conf *own = map_get(&c->confs, ns, strlen(ns));
        if (own)
            out[n++] = own;
    }
    struct ctl_conf *ctrl =
        map_get(&c->confs, c->config_ns, strlen(c->config_ns));
    if (ctrl)
        out[n++] = ctrl;
    return n;
}
