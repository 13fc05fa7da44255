/*
 * bench_event.c: event/… rows, the per-event path of the workload: run
 * the trigger's conditions (when + oncePer), render the templates of each
 * condition that sends into one notification, marshal it to JSON.  The
 * decode row adds the JSON decode of the Rollout, as each event costs
 * upstream.
 */
#include "bench.h"

#include "config/config.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/json.h"
#include "engine/engine.h"

#include <stdio.h>
#include <string.h>

#define CM_NAME "argo-rollouts-notification-configmap"

struct ecase {
    struct cfg *cfg;
    const char *trigger;
    struct val vars;      /* prebuilt, for the row without decode */
    const char *json;     /* the Rollout, for the decode row */
    size_t json_len;
    struct arena arena;
    struct buf out;
};

static void trigger_format_marshal(struct ecase *c, struct val vars)
{
    struct rn_err e;
    struct eng_cond_result *res;
    size_t n;
    if (eng_trigger_run(c->cfg, c->trigger, vars, &c->arena, &res, &n, &e)) {
        bench_fail("%s", e.msg);
        return;
    }
    static const struct eng_dest dest = {.service = "bench",
                                         .recipient = "bench"};
    for (size_t i = 0; i < n; i++) {
        if (!eng_event_sends(&res[i]))
            continue;
        struct val sv;
        struct notif *nt;
        if (eng_vars_send(&c->arena, vars, &dest, &sv) ||
            eng_notif_render(c->cfg, res[i].templates, res[i].ntemplates, sv,
                             &c->arena, &nt, &e)) {
            bench_fail("%s", e.msg[0] ? e.msg : "out of memory");
            continue;
        }
        buf_reset(&c->out);
        if (eng_notif_json(nt, &c->out) != RN_OK)
            bench_fail("notification JSON");
    }
}

static size_t event_op(void *ctx)
{
    struct ecase *c = ctx;
    arena_reset(&c->arena);
    trigger_format_marshal(c, c->vars);
    return c->arena.used;
}

static size_t decode_event_op(void *ctx)
{
    struct ecase *c = ctx;
    struct rn_err e;
    struct val obj, vars;
    arena_reset(&c->arena);
    if (json_parse(&c->arena, c->json, c->json_len, NULL, &obj, &e) ||
        eng_vars(c->cfg, obj, NULL, &c->arena, &vars)) {
        bench_fail("decoding the Rollout: %s", e.msg);
        return c->arena.used;
    }
    trigger_format_marshal(c, vars);
    return c->arena.used;
}

/* The bench ConfigMap plus the workload's webhook template and its event
 * trigger (JSON is YAML, so the conditions go in as emitted JSON). */
static struct cfg *load_config(const struct bench_inputs *in,
                               const char **trigger, struct arena *a)
{
    const struct val *ev = val_get_cstr(in->workload->root, "event");
    const struct val *tname = ev ? val_get_cstr(*ev, "trigger") : NULL;
    const struct val *conds = ev ? val_get_cstr(*ev, "conditions") : NULL;
    const struct val *hook =
        ev ? val_get_cstr(*ev, "webhook_template_yaml") : NULL;
    size_t len;
    char *text = bench_slurp(in->shared_dir, "notifications-configmap.yaml",
                             &len);
    struct cfg_data cm;
    struct rn_err e = {0};
    struct cfg *cfg = NULL;
    struct buf cj;
    buf_init(&cj, 0);
    if (!tname || !conds || !hook || !text ||
        cfg_data_from_manifest(a, text, len, "ConfigMap", CM_NAME, "bench",
                               &cm, &e) ||
        json_emit(&cj, *conds, NULL, &e))
        goto out;
    struct cfg_entry *items = arena_alloc(a, (cm.n + 2) * sizeof *items);
    if (!items)
        goto out;
    memcpy(items, cm.items, cm.n * sizeof *items);
    char *tkey = arena_printf(a, "trigger.%s", tname->u.s);
    char *cond_text = arena_strndup(a, buf_str(&cj), cj.len);
    items[cm.n] = (struct cfg_entry){"template.bench-webhook", 22, hook->u.s,
                                     hook->len, 0, 0};
    items[cm.n + 1] = (struct cfg_entry){tkey, strlen(tkey), cond_text,
                                         cj.len, 0, 0};
    cm.items = items;
    cm.n += 2;
    if (cfg_load(&cm, NULL, NULL, &cfg, &e) == RN_OK)
        *trigger = tname->u.s;
out:
    if (!cfg)
        bench_fail_row("event", "trigger+format+marshal", "config: %s",
                       e.msg[0] ? e.msg : "inputs missing");
    buf_free(&cj);
    rn_free(text);
    return cfg;
}

void bench_event(const struct bench_inputs *in)
{
    struct arena a;
    arena_init(&a, 0);
    struct ecase c = {.json = in->rollout_json, .json_len = in->rollout_len};
    c.cfg = load_config(in, &c.trigger, &a);
    if (!c.cfg || eng_vars(c.cfg, in->rollout->root, NULL, &a, &c.vars)) {
        if (c.cfg)
            bench_fail_row("event", "trigger+format+marshal",
                           "cannot build the variables");
        cfg_unref(c.cfg);
        arena_free(&a);
        return;
    }
    arena_init(&c.arena, 0);
    buf_init(&c.out, 0);
    bench_measure("event", "trigger+format+marshal", event_op, &c, 0);
    bench_measure("event", "decode+trigger+format+marshal", decode_event_op,
                  &c, 0);
    arena_free(&c.arena);
    buf_free(&c.out);
    cfg_unref(c.cfg);
    arena_free(&a);
}
