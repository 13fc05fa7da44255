/*
 * conf_expr.c: the expr and trigger conformance families.
 *
 * expr: compile `expr`, run it over `env` (plus the `time` variable when
 * `with_time`), and report the result as JSON (when encoding/json could
 * encode it), its Go type and its %v text.  trigger: evaluate each
 * condition as Argo Rollouts does (docs/reference/engine.md §3): key from the
 * SHA-1 of the raw `when`, an empty `when` compiled as `false`, `oncePer`
 * only when triggered, failures recorded but not fatal; a condition that
 * does not compile fails the whole case.
 */
#include "conf.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/json.h"
#include "expr/expr.h"

#include <math.h>
#include <openssl/sha.h>
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

struct cond {
    const char *when, *once;
    size_t wlen, olen;
    bool has_when;
    struct val send;
    struct expr_prog *pw, *po;
};

static void key_of(const char *when, size_t n, int i, struct buf *out)
{
    unsigned char h[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)when, n, h);
    buf_add_fmt(out, "[%d].", i);
    codec_b64_append(out, h, sizeof h, CODEC_B64_URL | CODEC_B64_RAW);
}

static const char *str_field(struct val obj, const char *k, size_t *n)
{
    const struct val *v = val_get_cstr(obj, k);
    if (!v || v->kind != VAL_STRING)
        return NULL;
    *n = v->len;
    return v->u.s;
}

static bool compile_conds(struct cond *cs, size_t nc, struct rn_err *e)
{
    for (size_t i = 0; i < nc; i++) {
        struct cond *c = &cs[i];
        bool empty = !c->when || c->wlen == 0;
        cs[i].pw = expr_compile(empty ? "false" : c->when, empty ? 5 : c->wlen,
                                "when", e);
        if (!cs[i].pw)
            return false;
        if (c->once && c->olen > 0) {
            cs[i].po = expr_compile(c->once, c->olen, "oncePer", e);
            if (!cs[i].po)
                return false;
        }
    }
    return true;
}

static void emit_cond(struct buf *out, struct cond *c, int i, struct val env,
                      struct arena *a)
{
    struct rn_err e = {0};
    struct val v;
    buf_add_str(out, "{\"key\":\"");
    key_of(c->when ? c->when : "", c->when ? c->wlen : 0, i, out);
    buf_add_char(out, '"');
    bool triggered = false, when_failed = false;
    if (expr_run(c->pw, env, a, &v, &e) != RN_OK)
        when_failed = true;
    else
        triggered = v.kind == VAL_BOOL && v.u.b;
    buf_add_fmt(out, ",\"triggered\":%s", triggered ? "true" : "false");
    struct rn_err oe = {0};
    bool once_failed = false;
    buf_add_str(out, ",\"oncePer\":");
    if (triggered && c->po) {
        struct val ov;
        if (expr_run(c->po, env, a, &ov, &oe) != RN_OK) {
            once_failed = true;
            buf_add_str(out, "\"\"");
        } else {
            add_sprint(out, ov);
        }
    } else {
        buf_add_str(out, "\"\"");
    }
    buf_add_str(out, ",\"templates\":[");
    for (size_t k = 0; c->send.kind == VAL_ARRAY && k < val_list_len(c->send);
         k++) {
        struct val t = val_list_at(c->send, k);
        if (k)
            buf_add_char(out, ',');
        json_emit_string(out, t.kind == VAL_STRING ? t.u.s : "",
                         t.kind == VAL_STRING ? t.len : 0, JSON_RAW);
    }
    bool empty = !c->when || c->wlen == 0;
    buf_add_fmt(out, "],\"rollouts_send\":%s",
                (empty || triggered) ? "true" : "false");
    if (when_failed) {
        buf_add_str(out, ",\"when_error\":");
        add_json_str(out, e.msg);
    }
    if (once_failed) {
        buf_add_str(out, ",\"oncePer_error\":");
        add_json_str(out, oe.msg);
    }
    buf_add_char(out, '}');
}

void conf_trigger(const struct conf_case *c, struct buf *out)
{
    const struct val *conds = val_get_cstr(c->obj, "conditions");
    size_t nc = conds && conds->kind == VAL_ARRAY ? val_list_len(*conds) : 0;
    struct cond *cs = arena_zalloc(c->arena, (nc + 1) * sizeof *cs);
    if (!cs)
        return;
    for (size_t i = 0; i < nc; i++) {
        struct val cv = val_list_at(*conds, i);
        cs[i].when = str_field(cv, "when", &cs[i].wlen);
        cs[i].once = str_field(cv, "oncePer", &cs[i].olen);
        const struct val *send = val_get_cstr(cv, "send");
        cs[i].send = send ? *send : val_null();
    }
    struct rn_err e = {0};
    if (!compile_conds(cs, nc, &e)) {
        conf_emit_error(out, c->id, e.msg, "compile");
    } else {
        struct val env = case_env(c, "vars");
        conf_emit_open(out, c->id);
        buf_add_str(out, ",\"got\":[");
        for (size_t i = 0; i < nc; i++) {
            if (i)
                buf_add_char(out, ',');
            emit_cond(out, &cs[i], (int)i, env, c->arena);
        }
        buf_add_str(out, "]}\n");
    }
    for (size_t i = 0; i < nc; i++) {
        expr_free(cs[i].pw);
        expr_free(cs[i].po);
    }
}
