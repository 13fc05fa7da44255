/*
 * rollouts.c: what the controller remembers about a Rollout beyond the
 * informer's cache.
 *
 * Most Rollouts are idle and cost nothing here: a record exists only while
 * it holds something.  An Event is rendered against the Rollout as it was
 * when the Argo Rollouts controller began the reconcile that recorded it
 * (the version its involvedObject.resourceVersion names); that version is
 * usually superseded by the reconcile's own status write by the time the
 * Event arrives, so superseded versions are kept for a short while
 * (CTL_KEEP_OLD_MS), a few per Rollout, and dropped when no Event can
 * still name them.  Most superseded versions in a busy cluster are
 * superseded by rnotify's own state patches, which change nothing a
 * notification shows: such a version is not kept, its resourceVersion
 * just names the version that replaced it, so recording deliveries costs
 * no memory here.  Claims are the state keys of deliveries queued or in
 * flight, so that a re-evaluation never queues the same notification
 * twice.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_KEEP_OLD_MS 120000 /* how long a superseded version is kept */
#define CTL_KEEP_WRITTEN_MS 600000

static const char *meta_str(struct val obj, const char *field)
{
    const struct val *md = val_get_cstr(obj, "metadata");
    const struct val *v = md ? val_get_cstr(*md, field) : NULL;
    return v && v->kind == VAL_STRING ? v->u.s : "";
}

static int key_of(char *k, size_t cap, const char *ns, const char *name)
{
    int n = snprintf(k, cap, "%s/%s", ns, name);
    return n < 0 || (size_t)n >= cap ? -1 : n;
}

struct ctl_ro *ctl_ro_get(struct ctl *c, const char *ns, const char *name,
                          bool create)
{
    char k[512];
    int n = key_of(k, sizeof k, ns, name);
    if (n < 0)
        return NULL;
    struct ctl_ro *r = map_get(&c->ros, k, (size_t)n);
    if (r || !create)
        return r;
    r = rn_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ctl = c;
    r->ns = rn_strndup(ns, strlen(ns));
    r->name = rn_strndup(name, strlen(name));
    map_init(&r->claims);
    if (!r->ns || !r->name || map_put(&c->ros, k, (size_t)n, r, NULL)) {
        rn_free(r->ns);
        rn_free(r->name);
        rn_free(r);
        return NULL;
    }
    r->touched_ms = kube_loop_now(c->loop);
    return r;
}

static void ro_free(struct ctl *c, struct ctl_ro *r)
{
    for (size_t i = 0; i < r->nold; i++)
        doc_unref(r->old[i]);
    while (r->ops) {
        struct ctl_op *o = r->ops;
        r->ops = o->next;
        rn_free(o);
    }
    kube_timer_cancel(c->loop, r->flush);
    ctl_moments_free(c, r);
    size_t i = 0;
    void *v;
    while (map_next(&r->claims, &i, NULL, NULL, &v))
        rn_free(v);
    map_free(&r->claims);
    rn_free(r->ns);
    rn_free(r->name);
    rn_free(r);
}

/* The number of members of an object, 0 for anything else. */
static size_t members(struct val v)
{
    return v.kind == VAL_OBJECT ? val_obj_len(v) : 0;
}

static bool named(const struct val *k, const char *const *names)
{
    for (; *names; names++)
        if (k->len == strlen(*names) && memcmp(k->u.s, *names, k->len) == 0)
            return true;
    return false;
}

static struct val member(struct val v, const char *key)
{
    const struct val *m = v.kind == VAL_OBJECT ? val_get_cstr(v, key) : NULL;
    return m ? *m : val_null();
}

static bool same_member(const struct val_kv *x, const struct val_kv *y)
{
    return val_keycmp(x->key.u.s, x->key.len, y->key.u.s, y->key.len) == 0 &&
           val_deep_equal(x->v, y->v);
}

/*
 * Whether a and b differ at most in what rnotify's state patches change:
 * metadata.resourceVersion, metadata.managedFields and the two state
 * annotations (level 0: the object, 1: its metadata, 2: the annotations;
 * an absent map counts as empty).
 */
static bool same_but_state(struct val a, struct val b, int level)
{
    static const char *const skip[3][4] = {
        {"metadata", NULL},
        {"annotations", "managedFields", "resourceVersion", NULL},
        {CTL_NOTIFIED, CTL_NOTIFIED_EVENTS, NULL},
    };
    static const char *const inner[2] = {"metadata", "annotations"};
    if ((a.kind != VAL_OBJECT && a.kind != VAL_NULL) ||
        (b.kind != VAL_OBJECT && b.kind != VAL_NULL))
        return val_deep_equal(a, b);
    size_t i = 0, j = 0, na = members(a), nb = members(b);
    while (i < na || j < nb) {
        const struct val_kv *x = i < na ? val_obj_at(a, i) : NULL;
        const struct val_kv *y = j < nb ? val_obj_at(b, j) : NULL;
        if (x && named(&x->key, skip[level])) {
            i++;
        } else if (y && named(&y->key, skip[level])) {
            j++;
        } else if (!x || !y || !same_member(x, y)) {
            return false;
        } else {
            i++;
            j++;
        }
    }
    return level == 2 || same_but_state(member(a, inner[level]),
                                        member(b, inner[level]), level + 1);
}

/* Entries that stood for versions equal to `from` (modulo state) now
 * stand on `to`, which is equal to it too. */
static void repoint(struct ctl_ro *r, struct doc *from, struct doc *to)
{
    for (size_t i = 0; i < r->nold; i++)
        if (r->old[i] == from && r->old_rv[i][0]) {
            doc_unref(r->old[i]);
            r->old[i] = doc_ref(to);
        }
}

void ctl_ro_version(struct ctl *c, struct doc *old, struct doc *obj)
{
    if (!old || old == obj)
        return;
    const char *ns = meta_str(obj->root, "namespace");
    const char *name = meta_str(obj->root, "name");
    const char *rv = meta_str(old->root, "resourceVersion");
    struct ctl_ro *r = ctl_ro_get(c, ns, name, true);
    if (!r)
        return;
    bool alias = *rv && strlen(rv) < sizeof r->old_rv[0] &&
                 same_but_state(old->root, obj->root, 0);
    if (alias)
        repoint(r, old, obj);
    if (r->nold == CTL_OLD_VERSIONS)
        doc_unref(r->old[--r->nold]);
    memmove(&r->old[1], &r->old[0], r->nold * sizeof r->old[0]);
    memmove(&r->old_until[1], &r->old_until[0],
            r->nold * sizeof r->old_until[0]);
    memmove(&r->old_rv[1], &r->old_rv[0], r->nold * sizeof r->old_rv[0]);
    r->old[0] = doc_ref(alias ? obj : old);
    snprintf(r->old_rv[0], sizeof r->old_rv[0], "%s", alias ? rv : "");
    r->old_until[0] = kube_loop_now(c->loop) + CTL_KEEP_OLD_MS;
    r->nold++;
    r->touched_ms = kube_loop_now(c->loop);
}

/* The resourceVersion entry i stands for. */
static const char *old_rv(const struct ctl_ro *r, size_t i)
{
    return r->old_rv[i][0] ? r->old_rv[i]
                           : meta_str(r->old[i]->root, "resourceVersion");
}

/* resourceVersions are opaque; only to pick the nearest OLDER version when
 * the exact one is gone do we read them as the integers every real server
 * uses.  -1 when not a number. */
static long long rv_num(const char *rv)
{
    char *end;
    if (!rv || !*rv)
        return -1;
    long long v = strtoll(rv, &end, 10);
    return *end ? -1 : v;
}

struct doc *ctl_ro_version_at(struct ctl *c, const char *ns, const char *name,
                              const char *rv)
{
    struct doc *cur = kube_informer_get(c->ro, ns, name);
    struct ctl_ro *r = ctl_ro_get(c, ns, name, false);
    if (!rv || !*rv ||
        (cur && strcmp(meta_str(cur->root, "resourceVersion"), rv) == 0))
        return cur;
    size_t nold = r ? r->nold : 0;
    for (size_t i = 0; i < nold; i++)
        if (strcmp(old_rv(r, i), rv) == 0)
            return r->old[i];
    long long want = rv_num(rv), best_rv = -1;
    struct doc *best = NULL;
    for (size_t i = 0; want >= 0 && i <= nold; i++) {
        struct doc *d = i < nold ? r->old[i] : cur;
        long long v = i < nold ? rv_num(old_rv(r, i))
                      : d      ? rv_num(meta_str(d->root, "resourceVersion"))
                               : -1;
        if (v >= 0 && v < want && v > best_rv) {
            best = d;
            best_rv = v;
        }
    }
    return best ? best : cur;
}

bool ctl_ro_version_ahead(struct ctl *c, const char *ns, const char *name,
                          const char *rv)
{
    struct doc *cur = kube_informer_get(c->ro, ns, name);
    long long want = rv_num(rv);
    long long have = cur ? rv_num(meta_str(cur->root, "resourceVersion")) : -1;
    return want >= 0 && have >= 0 && want > have;
}

void ctl_ro_forget(struct ctl *c, const char *ns, const char *name)
{
    char k[512];
    int n = key_of(k, sizeof k, ns, name);
    struct ctl_ro *r = n < 0 ? NULL : map_get(&c->ros, k, (size_t)n);
    if (!r || map_len(&r->claims) || r->patching)
        return; /* deliveries in flight finish first; the sweep frees it */
    map_del(&c->ros, k, (size_t)n);
    ro_free(c, r);
}

/* A claim: deliveries of one state key in flight, and the episode of
 * the condition they were queued in.  A condition that turns false ends
 * its episode: a delivery of an ended episode is not recorded when it
 * succeeds, and the condition turning true again may queue another. */
struct claim {
    int inflight;
    uint32_t epoch;  /* the condition's episode now */
    uint32_t queued; /* the episode of the newest delivery */
};

bool ctl_ro_claimed(struct ctl_ro *r, const char *key)
{
    const struct claim *cl = map_get(&r->claims, key, strlen(key));
    return cl && cl->inflight > 0 && cl->queued == cl->epoch;
}

int ctl_ro_claim(struct ctl_ro *r, const char *key, uint32_t *epoch)
{
    struct claim *cl = map_get(&r->claims, key, strlen(key));
    if (!cl) {
        cl = rn_calloc(1, sizeof *cl);
        if (!cl || map_put(&r->claims, key, strlen(key), cl, NULL) != RN_OK) {
            rn_free(cl);
            return RN_ENOMEM;
        }
    }
    cl->inflight++;
    cl->queued = cl->epoch;
    *epoch = cl->epoch;
    return RN_OK;
}

void ctl_ro_clear(struct ctl_ro *r, const char *key)
{
    struct claim *cl = map_get(&r->claims, key, strlen(key));
    if (cl)
        cl->epoch++;
}

bool ctl_ro_unclaim(struct ctl *c, struct ctl_ro *r, const char *key,
                    uint32_t epoch)
{
    struct claim *cl = map_get(&r->claims, key, strlen(key));
    bool current = !cl || cl->epoch == epoch;
    if (cl && --cl->inflight <= 0)
        rn_free(map_del(&r->claims, key, strlen(key)));
    if (!map_len(&r->claims)) {
        /* the table would outlive its last claim by minutes (the record
         * lives while its old versions or moments do) */
        map_free(&r->claims);
        map_init(&r->claims);
    }
    r->touched_ms = kube_loop_now(c->loop);
    return current;
}

/* Old versions past their time, written ops the cache never confirmed. */
static void trim(struct ctl *c, struct ctl_ro *r, int64_t now)
{
    while (r->nold && r->old_until[r->nold - 1] <= now)
        doc_unref(r->old[--r->nold]);
    for (struct ctl_op **p = &r->ops; *p;) {
        struct ctl_op *o = *p;
        if (o->written && now - o->written_ms > CTL_KEEP_WRITTEN_MS) {
            *p = o->next;
            rn_free(o);
        } else {
            p = &o->next;
        }
    }
    (void)c;
}

static bool empty(const struct ctl_ro *r)
{
    return !r->nold && !r->ops && !r->patching && !r->flush &&
           !map_len(&r->claims) && !r->nmo;
}

void ctl_ro_sweep(struct ctl *c)
{
    int64_t now = kube_loop_now(c->loop);
    size_t i = 0, cap = 64, n = 0, klen;
    const char *key;
    void *v;
    char **dead = rn_malloc(cap * sizeof *dead);
    if (!dead)
        return;
    while (map_next(&c->ros, &i, &key, &klen, &v)) {
        struct ctl_ro *r = v;
        trim(c, r, now);
        ctl_moments_trim(c, r, now);
        if (!empty(r) || n == cap)
            continue;
        dead[n] = rn_strndup(key, klen);
        n += dead[n] != NULL;
    }
    for (size_t j = 0; j < n; j++) {
        struct ctl_ro *r = map_del(&c->ros, dead[j], strlen(dead[j]));
        if (r)
            ro_free(c, r);
        rn_free(dead[j]);
    }
    rn_free(dead);
}

void ctl_ros_free(struct ctl *c)
{
    size_t i = 0;
    void *v;
    while (map_next(&c->ros, &i, NULL, NULL, &v))
        ro_free(c, v);
    map_free(&c->ros);
}
