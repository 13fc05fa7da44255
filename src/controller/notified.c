/*
 * notified.c: what has been delivered, recorded on the Rollout itself.
 *
 * Two annotations, both JSON maps of key -> unix seconds:
 *  - notified.notifications.argoproj.io: the condition path's state, in
 *    upstream's key and serialisation format (engine state.c), at most 100
 *    entries;
 *  - notified-events.rnotify.io: the event path's deliveries, keyed by the
 *    Event's uid and count (and the transition fallback's moments), kept
 *    for the catch-up window and at most CTL_EVENTS_MAX entries, so they
 *    never push the condition path's oncePer entries out of the first.
 *
 * A record is made only after a delivery succeeded.  Records are written
 * with a JSON merge patch that touches only these annotations and carries
 * the resourceVersion the change was computed from: on 409 Conflict the
 * object is read again and the same operations re-applied (kube_modify).
 * Until the watch shows a write, the operations stay in memory and are
 * applied over the cached annotation by every reader, so the lag between
 * a patch and its watch event can never cause a second delivery.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/doc.h"
#include "../core/json.h"
#include "../core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CTL_EVENTS_MAX 1000
#define FLUSH_DELAY_MS 50 /* batch the records of one burst in one patch */

static const char *const ann_names[] = {CTL_NOTIFIED, CTL_NOTIFIED_EVENTS};

/* The annotation's text in obj, or NULL. */
static const struct val *ann_of(struct val obj, enum ctl_ann which)
{
    const struct val *md = val_get_cstr(obj, "metadata");
    const struct val *an = md ? val_get_cstr(*md, "annotations") : NULL;
    const struct val *v = an ? val_get_cstr(*an, ann_names[which]) : NULL;
    return v && v->kind == VAL_STRING ? v : NULL;
}

/* ---- the event path's map ---- */

/* The annotation parsed (an object, possibly empty) in a. */
static struct val parse_map(struct arena *a, struct val obj, enum ctl_ann which)
{
    const struct val *s = ann_of(obj, which);
    struct json_opts jo = {JSON_NUM_INT64, 0, 0};
    struct val v = val_null();
    if (s && json_parse(a, s->u.s, s->len, &jo, &v, NULL) == RN_OK &&
        v.kind == VAL_OBJECT)
        return v;
    return val_null();
}

/* Index of the first key >= key in object v. */
static size_t lower_bound(struct val v, const char *key, size_t n)
{
    size_t lo = 0, hi = val_obj_len(v);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct val *k = &val_obj_at(v, mid)->key;
        if (val_keycmp(k->u.s, k->len, key, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool map_has(struct val v, const char *key, bool prefix)
{
    size_t n = strlen(key), i = lower_bound(v, key, n);
    if (v.kind != VAL_OBJECT || i >= val_obj_len(v))
        return false;
    const struct val *k = &val_obj_at(v, i)->key;
    if (prefix)
        return k->len >= n && memcmp(k->u.s, key, n) == 0;
    return k->len == n && memcmp(k->u.s, key, n) == 0;
}

/* The newest operation on key (or on a key with that prefix), or NULL. */
static const struct ctl_op *op_for(const struct ctl_ro *r, enum ctl_ann which,
                                   const char *key, bool prefix)
{
    size_t n = strlen(key);
    const struct ctl_op *hit = NULL;
    for (const struct ctl_op *o = r ? r->ops : NULL; o; o = o->next) {
        if (o->which != which)
            continue;
        bool m =
            prefix ? strncmp(o->key, key, n) == 0 : strcmp(o->key, key) == 0;
        if (m)
            hit = o;
    }
    return hit;
}

bool ctl_state_has(struct ctl *c, struct ctl_ro *r, struct val obj,
                   enum ctl_ann which, const char *key, bool prefix)
{
    const struct ctl_op *o = op_for(r, which, key, prefix);
    if (o && !(prefix && o->del))
        return !o->del;
    struct val m = parse_map(&c->scratch, obj, which);
    return map_has(m, key, prefix);
}

/* ---- the condition path's engine state ---- */

static void apply_ops_cond(const struct ctl_ro *r, struct eng_state *st)
{
    for (const struct ctl_op *o = r ? r->ops : NULL; o; o = o->next) {
        if (o->which != CTL_ANN_COND)
            continue;
        if (o->del)
            eng_state_unset(st, o->key, NULL);
        else if (!eng_state_has(st, o->key))
            eng_state_set(st, o->key, o->val);
    }
}

int ctl_state_cond(struct ctl *c, struct ctl_ro *r, struct val obj,
                   struct arena *a, struct eng_state **out)
{
    const struct val *s = ann_of(obj, CTL_ANN_COND);
    bool valid = true;
    (void)c;
    int rc = eng_state_parse(a, s ? s->u.s : NULL, s ? s->len : 0, out, &valid);
    if (rc == RN_OK)
        apply_ops_cond(r, *out);
    return rc;
}

/* ---- writing ---- */

static void flush(void *ud);

static void arm(struct ctl *c, struct ctl_ro *r, int64_t delay)
{
    if (r->flush || r->patching || c->o.dry_run)
        return;
    r->flush = kube_timer_add(c->loop, delay, flush, r);
    r->touched_ms = kube_loop_now(c->loop);
}

static void add_op(struct ctl *c, struct ctl_ro *r, enum ctl_ann which,
                   const char *key, bool del, int64_t val)
{
    size_t n = strlen(key);
    struct ctl_op *o = rn_malloc(sizeof *o + n + 1);
    if (!o) {
        log_kv(LOG_ERROR, "out of memory recording a delivery", "key", key,
               NULL);
        return;
    }
    o->next = NULL;
    o->which = (uint8_t)which;
    o->del = del;
    o->written = false;
    o->val = val;
    o->written_ms = 0;
    o->seq = ++r->op_seq;
    memcpy(o->key, key, n + 1);
    struct ctl_op **p = &r->ops;
    while (*p)
        p = &(*p)->next;
    *p = o;
    arm(c, r, FLUSH_DELAY_MS);
}

void ctl_state_set(struct ctl *c, struct ctl_ro *r, enum ctl_ann which,
                   const char *key, int64_t unix_s)
{
    add_op(c, r, which, key, false, unix_s);
}

void ctl_state_unset(struct ctl *c, struct ctl_ro *r, enum ctl_ann which,
                     const char *key)
{
    add_op(c, r, which, key, true, 0);
}

/* The event map after the operations, pruned to the catch-up window and
 * capped (oldest first), as JSON ("" when empty). */
struct kv_ent {
    const char *k;
    size_t n;
    int64_t t;
};

static int ent_cmp_time(const void *x, const void *y)
{
    const struct kv_ent *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? 1 : -1; /* newest first */
    return val_keycmp(a->k, a->n, b->k, b->n);
}

static int ent_cmp_key(const void *x, const void *y)
{
    const struct kv_ent *a = x, *b = y;
    return val_keycmp(a->k, a->n, b->k, b->n);
}

static int emit_events(struct ctl *c, const struct ctl_ro *r, struct val cur,
                       struct buf *out)
{
    struct arena *a = &c->scratch;
    struct val m = parse_map(a, cur, CTL_ANN_EVENTS);
    size_t cap = val_obj_len(m) + 1, n = 0;
    for (const struct ctl_op *o = r->ops; o; o = o->next)
        cap++;
    struct kv_ent *e = arena_alloc(a, cap * sizeof *e);
    if (!e)
        return RN_ENOMEM;
    int64_t horizon = (int64_t)time(NULL) - c->o.catch_up_window_ms / 1000;
    for (size_t i = 0; i < val_obj_len(m); i++) {
        const struct val_kv *kv = val_obj_at(m, i);
        if (kv->v.kind == VAL_INT && kv->v.u.i >= horizon)
            e[n++] = (struct kv_ent){kv->key.u.s, kv->key.len, kv->v.u.i};
    }
    for (const struct ctl_op *o = r->ops; o; o = o->next) {
        if (o->which != CTL_ANN_EVENTS)
            continue;
        size_t j = 0, kn = strlen(o->key);
        while (j < n && !(e[j].n == kn && memcmp(e[j].k, o->key, kn) == 0))
            j++;
        if (o->del) {
            if (j < n)
                e[j] = e[--n];
        } else if (j == n) {
            e[n++] = (struct kv_ent){o->key, kn, o->val};
        }
    }
    qsort(e, n, sizeof *e, ent_cmp_time);
    if (n > CTL_EVENTS_MAX)
        n = CTL_EVENTS_MAX;
    qsort(e, n, sizeof *e, ent_cmp_key);
    for (size_t i = 0; i < n; i++) {
        int rc = buf_add_char(out, i ? ',' : '{');
        if (rc == RN_OK)
            rc = json_emit_string(out, e[i].k, e[i].n, 0);
        if (rc == RN_OK)
            rc = buf_add_fmt(out, ":%lld", (long long)e[i].t);
        if (rc != RN_OK)
            return rc;
    }
    return n ? buf_add_char(out, '}') : RN_OK;
}

static int emit_cond(struct ctl *c, const struct ctl_ro *r, struct val cur,
                     struct buf *out)
{
    struct eng_state *st;
    int rc = ctl_state_cond(c, (struct ctl_ro *)r, cur, &c->scratch, &st);
    return rc == RN_OK ? eng_state_emit(st, out) : rc;
}

/* One annotation of the patch: "name":"value" or "name":null; nothing
 * when the value would not change. */
static int patch_member(struct buf *body, struct val cur, enum ctl_ann which,
                        const struct buf *val, bool *first)
{
    const struct val *old = ann_of(cur, which);
    if (!val->len && !old)
        return RN_OK;
    if (old && val->len == old->len && !memcmp(old->u.s, val->ptr, val->len))
        return RN_OK;
    int rc = buf_add_str(body, *first ? "" : ",");
    *first = false;
    if (rc == RN_OK)
        rc = json_emit_string(body, ann_names[which], strlen(ann_names[which]),
                              0);
    if (rc == RN_OK)
        rc = buf_add_char(body, ':');
    if (rc != RN_OK)
        return rc;
    if (!val->len)
        return buf_add_str(body, "null");
    return json_emit_string(body, val->ptr, val->len, 0);
}

/* kube_modify's callback: the merge patch for the current object. */
static int make_patch(void *ud, struct val cur, struct buf *body)
{
    struct ctl_ro *r = ud;
    struct ctl *c = r->ctl;
    struct buf ev, co;
    bool first = true;
    buf_init(&ev, 1u << 20);
    buf_init(&co, 1u << 20);
    int rc = emit_events(c, r, cur, &ev);
    if (rc == RN_OK)
        rc = emit_cond(c, r, cur, &co);
    const struct val *md = val_get_cstr(cur, "metadata");
    const struct val *rv = md ? val_get_cstr(*md, "resourceVersion") : NULL;
    if (rc == RN_OK)
        rc = buf_add_str(body, "{\"metadata\":{");
    if (rc == RN_OK && rv && rv->kind == VAL_STRING) {
        rc = buf_add_str(body, "\"resourceVersion\":");
        if (rc == RN_OK)
            rc = json_emit_string(body, rv->u.s, rv->len, 0);
        if (rc == RN_OK)
            rc = buf_add_char(body, ',');
    }
    if (rc == RN_OK)
        rc = buf_add_str(body, "\"annotations\":{");
    if (rc == RN_OK)
        rc = patch_member(body, cur, CTL_ANN_COND, &co, &first);
    if (rc == RN_OK)
        rc = patch_member(body, cur, CTL_ANN_EVENTS, &ev, &first);
    if (rc == RN_OK)
        rc = buf_add_str(body, "}}}");
    if (rc == RN_OK && first)
        buf_reset(body); /* nothing changes: send nothing */
    buf_free(&ev);
    buf_free(&co);
    return rc;
}

static bool has_pending(const struct ctl_ro *r)
{
    for (const struct ctl_op *o = r->ops; o; o = o->next)
        if (!o->written)
            return true;
    return false;
}

/* Mark the operations a successful patch carried as written (those added
 * while it was in flight stay pending). */
static void mark_written(struct ctl *c, struct ctl_ro *r, uint64_t upto)
{
    int64_t now = kube_loop_now(c->loop);
    for (struct ctl_op *o = r->ops; o; o = o->next) {
        if (!o->written && o->seq <= upto) {
            o->written = true;
            o->written_ms = now;
        }
    }
}

struct flight {
    struct ctl_ro *r;
    uint64_t upto; /* the last operation the patch carries */
};

static void patched(void *ud, struct kube_reply *rep)
{
    struct flight *f = ud;
    struct ctl_ro *r = f->r;
    struct ctl *c = r->ctl;
    const char *res[] = {rep->status >= 200 && rep->status < 300 ? "ok"
                                                                 : "error"};
    ctl_metric_add(c->m, c->f.state_patches, res, 1);
    r->patching = false;
    if (rep->status >= 200 && rep->status < 300) {
        mark_written(c, r, f->upto);
        r->retry_ms = 0;
        if (rep->obj)
            ctl_state_seen(c, r, rep->obj->root);
    } else if (rep->status == 404) {
        log_kv(LOG_INFO, "rollout gone: its delivery records are dropped",
               "rollout", r->name, "namespace", r->ns, NULL);
        while (r->ops) {
            struct ctl_op *o = r->ops;
            r->ops = o->next;
            rn_free(o);
        }
    } else {
        r->retry_ms = r->retry_ms ? r->retry_ms * 2 : 1000;
        if (r->retry_ms > 60000)
            r->retry_ms = 60000;
        log_kv(LOG_WARN, "recording deliveries failed, will retry", "namespace",
               r->ns, "rollout", r->name, "error", rep->err.msg, NULL);
    }
    rn_free(f);
    if (has_pending(r))
        arm(c, r, r->retry_ms ? r->retry_ms : FLUSH_DELAY_MS);
}

static void flush(void *ud)
{
    struct ctl_ro *r = ud;
    struct ctl *c = r->ctl;
    r->flush = NULL;
    if (!has_pending(r) || r->patching || !ctl_may_act(c))
        return;
    struct flight *f = rn_calloc(1, sizeof *f);
    if (!f) {
        arm(c, r, 1000);
        return;
    }
    f->r = r;
    f->upto = r->op_seq;
    struct kube_modify m = {"PATCH",
                            &kube_res_rollouts,
                            r->ns,
                            r->name,
                            kube_informer_get(c->ro, r->ns, r->name),
                            make_patch,
                            r};
    r->patching = true;
    if (kube_modify_async(c->kc, c->loop, &m, patched, f) != RN_OK) {
        r->patching = false;
        rn_free(f);
        arm(c, r, 1000);
    }
}

/* Whether obj's annotation `which` shows the operation. */
static bool shows(struct ctl *c, struct val obj, const struct ctl_op *o)
{
    if (o->which == CTL_ANN_EVENTS)
        return map_has(parse_map(&c->scratch, obj, CTL_ANN_EVENTS), o->key,
                       false) != o->del;
    const struct val *s = ann_of(obj, CTL_ANN_COND);
    struct eng_state *st;
    bool valid;
    if (eng_state_parse(&c->scratch, s ? s->u.s : NULL, s ? s->len : 0, &st,
                        &valid) != RN_OK)
        return false;
    return eng_state_has(st, o->key) != o->del;
}

void ctl_state_seen(struct ctl *c, struct ctl_ro *r, struct val obj)
{
    for (struct ctl_op **p = &r->ops; *p;) {
        struct ctl_op *o = *p;
        if (o->written && shows(c, obj, o)) {
            *p = o->next;
            rn_free(o);
        } else {
            p = &o->next;
        }
    }
}

size_t ctl_state_pending(struct ctl *c)
{
    size_t i = 0, n = 0;
    void *v;
    while (map_next(&c->ros, &i, NULL, NULL, &v)) {
        struct ctl_ro *r = v;
        n += r->patching || has_pending(r);
    }
    return n;
}

/* The number after prefix in key, when key starts with prefix. */
static bool ms_after(const char *key, size_t klen, const char *prefix,
                     size_t plen, int64_t *ms)
{
    if (klen <= plen || memcmp(key, prefix, plen) != 0)
        return false;
    char *end;
    long long v = strtoll(key + plen, &end, 10);
    if (end == key + plen || *end != ':')
        return false;
    *ms = v;
    return true;
}

bool ctl_state_near(struct ctl *c, struct ctl_ro *r, struct val obj,
                    const char *reason, int64_t t_ms)
{
    char prefix[96];
    int plen = snprintf(prefix, sizeof prefix, "t:%s:", reason);
    int64_t ms;
    if (plen < 0 || (size_t)plen >= sizeof prefix)
        return false;
    for (const struct ctl_op *o = r ? r->ops : NULL; o; o = o->next)
        if (o->which == CTL_ANN_EVENTS && !o->del &&
            ms_after(o->key, strlen(o->key), prefix, (size_t)plen, &ms) &&
            llabs(ms - t_ms) <= CTL_MOMENT_WINDOW_MS)
            return true;
    struct val m = parse_map(&c->scratch, obj, CTL_ANN_EVENTS);
    for (size_t i = lower_bound(m, prefix, (size_t)plen);
         m.kind == VAL_OBJECT && i < val_obj_len(m); i++) {
        const struct val *k = &val_obj_at(m, i)->key;
        if (k->len < (size_t)plen || memcmp(k->u.s, prefix, (size_t)plen))
            break;
        if (ms_after(k->u.s, k->len, prefix, (size_t)plen, &ms) &&
            llabs(ms - t_ms) <= CTL_MOMENT_WINDOW_MS)
            return true;
    }
    return false;
}
