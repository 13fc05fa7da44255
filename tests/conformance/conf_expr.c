/*
 * conf_expr.c: the expr and trigger conformance families.
 *
 * expr: compile `expr`, run it over `env` (plus the `time` variable when
 * `with_time`), and report the result as JSON (when encoding/json could
 * encode it), its Go type and its %v text.  trigger: the conditions go
 * through the config module and the engine's condition run, the code the
 * CLI and the controller use (docs/reference/engine.md §3): nothing of the
 * trigger logic is repeated here, so a bug in the engine fails the
 * vectors.
 */
#include "conf.h"

#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/json.h"
#include "engine/engine.h"
#include "expr/expr.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

/* env with the `time` variable added (or replaced). */
static struct val with_time(struct arena *a, struct val env)
{
    size_t n = env.kind == VAL_OBJECT ? val_obj_len(env) : 0;
    struct val_kv *kv = arena_alloc(a, (n + 1) * sizeof *kv);
    struct val_obj *o = arena_alloc(a, sizeof *o);
    if (!kv || !o)
        return env;
    size_t k = 0;
    bool placed = false;
    for (size_t i = 0; i < n; i++) {
        const struct val_kv *e = val_obj_at(env, i);
        int c = val_keycmp(e->key.u.s, e->key.len, "time", 4);
        if (!placed && c >= 0) {
            kv[k].key = val_str("time", 4);
            kv[k++].v = expr_time_var(a);
            placed = true;
            if (c == 0)
                continue;
        }
        kv[k++] = *e;
    }
    if (!placed) {
        kv[k].key = val_str("time", 4);
        kv[k++].v = expr_time_var(a);
    }
    o->len = o->cap = (uint32_t)k;
    o->kv = kv;
    return val_obj(o, GT_MAP_ANY);
}

static struct val case_env(const struct conf_case *c, const char *field)
{
    const struct val *env = val_get_cstr(c->obj, field);
    struct val v = env ? *env : val_null();
    const struct val *wt = val_get_cstr(c->obj, "with_time");
    if (wt && wt->kind == VAL_BOOL && wt->u.b)
        v = with_time(c->arena, v);
    return v;
}

/* Whether Go's encoding/json can encode v (*budget bounds the walk over
 * values that share sublists). */
static bool json_ok(struct val v, long *budget)
{
    if (--*budget < 0)
        return false;
    switch (v.kind) {
    case VAL_FLOAT:
        return !isnan(v.u.f) && !isinf(v.u.f);
    case VAL_FUNC:
        return false;
    case VAL_ARRAY:
        for (size_t i = 0; i < val_list_len(v); i++)
            if (!json_ok(val_list_at(v, i), budget))
                return false;
        return true;
    case VAL_OBJECT:
        if (val_gotype(v) == GT_MAP_IFACE || val_gotype(v) == GT_MAP_IFACE_LIST)
            return false;
        for (size_t i = 0; i < val_obj_len(v); i++)
            if (!json_ok(val_obj_at(v, i)->v, budget))
                return false;
        return true;
    default:
        return true;
    }
}

static void add_json_str(struct buf *out, const char *s)
{
    json_emit_string(out, s, strlen(s), JSON_RAW);
}

static void add_sprint(struct buf *out, struct val v)
{
    struct buf b;
    buf_init(&b, 16u << 20);
    gofmt_value(&b, v);
    json_emit_string(out, b.len ? buf_str(&b) : "", b.len, JSON_RAW);
    buf_free(&b);
}

void conf_expr(const struct conf_case *c, struct buf *out)
{
    size_t n;
    const char *src = conf_str(c, "expr", &n);
    struct rn_err e = {0};
    struct expr_prog *p = expr_compile(src, src ? n : 0, "expr", &e);
    if (!p) {
        conf_emit_error(out, c->id, e.msg, "compile");
        return;
    }
    struct val v;
    if (expr_run(p, case_env(c, "env"), c->arena, &v, &e) != RN_OK) {
        conf_emit_error(out, c->id, e.msg, "runtime");
        expr_free(p);
        return;
    }
    conf_emit_open(out, c->id);
    long budget = 1000000;
    if (json_ok(v, &budget)) {
        struct buf j;
        buf_init(&j, 64u << 20);
        struct rn_err je = {0};
        if (json_emit(&j, v, NULL, &je) == RN_OK) {
            buf_add_str(out, ",\"got\":");
            buf_add(out, j.len ? buf_str(&j) : "", j.len);
        }
        buf_free(&j);
    }
    buf_add_str(out, ",\"got_type\":");
    add_json_str(out, expr_value_type(v));
    buf_add_str(out, ",\"got_sprint\":");
    add_sprint(out, v);
    buf_add_str(out, "}\n");
    expr_free(p);
}

/* ---- trigger ---- */

/* The case's conditions as the ConfigMap key `trigger.t` holds them (JSON
 * is YAML), so the config module decodes and compiles them as it does
 * for the CLI and the controller. */
static struct cfg *load_trigger(const struct conf_case *c, struct rn_err *e)
{
    const struct val *conds = val_get_cstr(c->obj, "conditions");
    struct buf b;
    struct cfg *cfg = NULL;
    buf_init(&b, 64u << 20);
    if (json_emit(&b, conds ? *conds : val_null(), NULL, e) == RN_OK) {
        struct cfg_entry en = {"trigger.t", 9, buf_str(&b), b.len, 0, 0};
        struct cfg_data cm = {&en, 1, "", "", 0, 0};
        cfg_load(&cm, NULL, NULL, &cfg, e);
    }
    buf_free(&b);
    return cfg;
}

static void emit_result(struct buf *out, const struct eng_cond_result *r)
{
    buf_add_str(out, "{\"key\":");
    add_json_str(out, r->key);
    buf_add_fmt(out, ",\"triggered\":%s", r->triggered ? "true" : "false");
    buf_add_str(out, ",\"oncePer\":");
    add_json_str(out, r->once_per ? r->once_per : "");
    buf_add_str(out, ",\"templates\":[");
    for (size_t k = 0; k < r->ntemplates; k++) {
        if (k)
            buf_add_char(out, ',');
        add_json_str(out, r->templates[k]);
    }
    buf_add_fmt(out, "],\"rollouts_send\":%s",
                eng_event_sends(r) ? "true" : "false");
    if (r->when_error) {
        buf_add_str(out, ",\"when_error\":");
        add_json_str(out, r->when_error);
    }
    if (r->once_error) {
        buf_add_str(out, ",\"oncePer_error\":");
        add_json_str(out, r->once_error);
    }
    buf_add_char(out, '}');
}

/*
 * trigger: the conditions are loaded by the config module (a condition
 * that does not compile breaks the trigger: the case's compile error) and
 * run by the engine's eng_conditions_run, the function the CLI and the
 * controller call; the event path's send rule is eng_event_sends.
 */
void conf_trigger(const struct conf_case *c, struct buf *out)
{
    struct rn_err e = {0};
    const struct cfg_trigger *t = NULL;
    struct eng_cond_result *r = NULL;
    size_t n = 0;
    struct cfg *cfg = load_trigger(c, &e);
    if (!cfg) {
        conf_emit_error(out, c->id, e.msg, "compile");
        return;
    }
    if (cfg_trigger_lookup(cfg, "t", &t, &e) != RN_OK) {
        const struct cfg_error *ce = cfg_key_error(cfg, "trigger.t");
        conf_emit_error(out, c->id, ce ? ce->msg : e.msg, "compile");
    } else if (eng_conditions_run(t, case_env(c, "vars"), c->arena, &r, &n) !=
               RN_OK) {
        conf_emit_error(out, c->id, "out of memory", "runtime");
    } else {
        conf_emit_open(out, c->id);
        buf_add_str(out, ",\"got\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_add_char(out, ',');
            emit_result(out, &r[i]);
        }
        buf_add_str(out, "]}\n");
    }
    cfg_unref(cfg);
}
