/*
 * trigger.c: triggers (`trigger.<name>` keys, docs/reference/engine.md
 * §3.1-§3.2).
 *
 * A trigger is a YAML sequence of conditions {when, send, oncePer,
 * description}.  Each `when` is compiled once with expr (an empty one as the
 * literal `false`, so it never fires on the condition path), each non-empty
 * `oncePer` too, and each condition gets its state key
 * "[i]." + base64url_nopad(sha1(when)) computed from the raw text.
 */
#include "config_int.h"

#include "../core/json.h"
#include "../expr/expr.h"

#include "../core/codec.h"

#include <openssl/sha.h>
#include <string.h>

/* The state key of condition i: "[i]." + base64url_nopad(sha1(when)),
 * in a (NULL on OOM). */
const char *cfg_condition_key(struct arena *a, size_t i, const char *when,
                              size_t n)
{
    unsigned char md[SHA_DIGEST_LENGTH];
    char enc[32];
    SHA1((const unsigned char *)when, n, md);
    codec_b64_encode(enc, md, sizeof md, CODEC_B64_URL | CODEC_B64_RAW);
    return arena_printf(a, "[%zu].%s", i, enc);
}

static int compile_expr(struct arena *a, const char *trig, size_t i,
                        const char *field, const char *src,
                        const struct expr_prog **out, struct rn_err *e)
{
    const char *label = arena_printf(a, "trigger %s[%zu].%s", trig, i, field);
    if (!label)
        return RN_ENOMEM;
    *out = expr_compile(src, strlen(src), label, e);
    if (*out)
        return RN_OK;
    return e && e->code ? e->code : RN_ESYNTAX;
}

/* condition -> null | {when, send, oncePer, description} */
static int decode_cond(struct arena *a, struct val v, struct cfg_condition *c,
                       struct rn_err *e)
{
    bool present;
    int rc = cfg_dec_struct(&v, "Condition", &present, e);
    if (rc == RN_OK)
        rc = cfg_dec_str(a, cfg_dec_field(v, "when"), "Condition.when",
                         &c->when, NULL, e);
    if (rc == RN_OK)
        rc = cfg_dec_strlist(a, cfg_dec_field(v, "send"), "Condition.send",
                             &c->send, &c->nsend, e);
    if (rc == RN_OK)
        rc = cfg_dec_str(a, cfg_dec_field(v, "oncePer"), "Condition.oncePer",
                         &c->once_per, NULL, e);
    if (rc == RN_OK)
        rc = cfg_dec_str(a, cfg_dec_field(v, "description"),
                         "Condition.description", &c->description, NULL, e);
    return rc;
}

static int compile_cond(struct arena *a, const char *trig, size_t i,
                        struct cfg_condition *c, struct rn_err *e)
{
    c->key = cfg_condition_key(a, i, c->when, strlen(c->when));
    if (!c->key)
        return RN_ENOMEM;
    int rc = compile_expr(a, trig, i, "when", c->when[0] ? c->when : "false",
                          &c->when_prog, e);
    if (rc == RN_OK && c->once_per[0])
        rc = compile_expr(a, trig, i, "oncePer", c->once_per, &c->once_prog, e);
    return rc;
}

static void release_conds(struct cfg_trigger *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct cfg_condition *c = (struct cfg_condition *)&t->conds[i];
        expr_free((struct expr_prog *)c->when_prog);
        expr_free((struct expr_prog *)c->once_prog);
        c->when_prog = c->once_prog = NULL;
    }
}

static int unmarshal_error(struct arena *a, const char *name, struct rn_err *e)
{
    const char *p = arena_printf(a, "failed to unmarshal trigger %s", name);
    return cfg_err_wrap(e, RN_ECONFIG, p ? p : "failed to unmarshal trigger");
}

/* trigger -> null | [ condition ... ] */
static int build_trigger(struct arena *a, const char *name, struct val root,
                         struct cfg_trigger *t, struct rn_err *e)
{
    if (root.kind == VAL_NULL)
        return RN_OK;
    if (root.kind != VAL_ARRAY) {
        rn_errf(e, RN_ECONFIG,
                "json: cannot unmarshal %s into Go value of type "
                "[]triggers.Condition",
                cfg_dec_kind(root));
        return unmarshal_error(a, name, e);
    }
    size_t n = val_list_len(root);
    struct cfg_condition *conds = arena_zalloc(a, (n ? n : 1) * sizeof *conds);
    if (!conds)
        return RN_ENOMEM;
    t->conds = conds;
    for (size_t i = 0; i < n; i++) {
        int rc = decode_cond(a, val_list_at(root, i), &conds[i], e);
        if (rc != RN_OK)
            return rc == RN_ENOMEM ? rc : unmarshal_error(a, name, e);
    }
    for (size_t i = 0; i < n; i++) {
        t->n = i;
        int rc = compile_cond(a, name, i, &conds[i], e);
        if (rc != RN_OK) {
            t->n = i + 1;
            return rc;
        }
    }
    t->n = n;
    return RN_OK;
}

/* Load one trigger key; compiled programs are freed again if any
 * condition fails, leaving a broken slot. */
int cfg_load_trigger(struct cfg_ctx *x, const char *name, struct rn_err *e)
{
    struct cfg *c = x->c;
    struct cfg_trig_slot slot;
    struct val root;
    memset(&slot, 0, sizeof slot);
    slot.t.name = name;
    int rc = cfg_parse_value(&c->arena, x->entry, JSON_NUM_FLOAT64, &root, e);
    if (rc == RN_OK)
        rc = build_trigger(&c->arena, name, root, &slot.t, e);
    else if (rc != RN_ENOMEM)
        rc = unmarshal_error(&c->arena, name, e);
    slot.err = rc == RN_OK ? -1 : (int)c->nerrs;
    if (rc != RN_OK) {
        release_conds(&slot.t);
        slot.t.n = 0;
    }
    int prc = cfg_vec_push(&c->arena, (void **)&c->trigs, &c->ntrigs,
                           &c->cap_trigs, sizeof slot, &slot);
    if (prc != RN_OK) {
        release_conds(&slot.t);
        return prc;
    }
    return rc;
}

/* Free every compiled program of the snapshot (at the last unref). */
void cfg_release_triggers(struct cfg *c)
{
    for (size_t i = 0; i < c->ntrigs; i++)
        release_conds(&c->trigs[i].t);
}

/* Find a trigger by name (binary search over key order). */
int cfg_trigger_lookup(const struct cfg *c, const char *name,
                       const struct cfg_trigger **out, struct rn_err *e)
{
    size_t lo = 0, hi = c->ntrigs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(c->trigs[mid].t.name, name);
        if (d == 0) {
            if (c->trigs[mid].err >= 0)
                return cfg_broken(c, c->trigs[mid].err, "trigger", name, e);
            *out = &c->trigs[mid].t;
            return RN_OK;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return rn_errf(e, RN_ENOTFOUND, "trigger '%s' is not configured", name);
}

/* Number of trigger slots, broken ones included. */
size_t cfg_trigger_count(const struct cfg *c)
{
    return c->ntrigs;
}

/* Trigger i by name order, NULL when broken or past the end. */
const struct cfg_trigger *cfg_trigger_at(const struct cfg *c, size_t i)
{
    return i < c->ntrigs && c->trigs[i].err < 0 ? &c->trigs[i].t : NULL;
}
