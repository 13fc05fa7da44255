/*
 * recorder.c: Events written the way client-go's recorder (used by the
 * Argo Rollouts controller) writes them.
 *
 * Per (source, involved object, type, reason, message) the first
 * occurrence creates an Event named <object>.<hex of unix nanoseconds>
 * with count 1; a repeat patches the same Event's count, lastTimestamp and
 * message (watchers see MODIFIED with the same name and uid); if that
 * Event is gone (TTL) a new one is created carrying the running count.
 * Two optional filters sit in front, as in client-go's EventCorrelator:
 * aggregation (more than 10 distinct messages for one source, object,
 * type and reason within 10 minutes fold into one Event whose message
 * starts "(combined from similar events): ") and the spam filter (a token
 * bucket per source and object: a burst of 25, then one per 5 minutes;
 * Events past it are dropped, though their counts still advance).  The
 * state lives with the store and is guarded by the store lock; the clock
 * is the sandbox's virtual one.
 */
#include "sandbox.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

#define AGG_MAX_EVENTS 10
#define AGG_WINDOW_NS (600ll * 1000000000)
#define SPAM_BURST 25.0
#define SPAM_REFILL_NS (300ll * 1000000000)
#define DEDUP_MAX 4096
#define DEFAULT_COMPONENT "rollouts-controller"

struct dedup {
    char ns[254], name[320];
    int64_t count;
};

struct spam {
    double tokens;
    int64_t last_ns;
};

struct agg {
    int64_t start_ns;
    struct map messages;
};

struct sb_recorder {
    bool spam_filter, aggregation;
    struct map dedup, spam, agg;
};

int sb_recorder_new(struct sb_recorder **out)
{
    struct sb_recorder *r = rn_calloc(1, sizeof *r);
    if (!r)
        return RN_ENOMEM;
    r->spam_filter = r->aggregation = true;
    map_init(&r->dedup);
    map_init(&r->spam);
    map_init(&r->agg);
    *out = r;
    return RN_OK;
}

static void free_values(struct map *m, bool agg)
{
    size_t i = 0, kn;
    const char *k;
    void *v;
    while (map_next(m, &i, &k, &kn, &v)) {
        if (agg)
            map_free(&((struct agg *)v)->messages);
        rn_free(v);
    }
    map_free(m);
    map_init(m);
}

void sb_recorder_free(struct sb_recorder *r)
{
    if (!r)
        return;
    free_values(&r->dedup, false);
    free_values(&r->spam, false);
    free_values(&r->agg, true);
    rn_free(r);
}

void sb_recorder_reset(struct sb_recorder *r)
{
    free_values(&r->dedup, false);
    free_values(&r->spam, false);
    free_values(&r->agg, true);
}

void sb_recorder_configure(struct sb_recorder *r, int spam_filter,
                           int aggregation)
{
    if (spam_filter >= 0)
        r->spam_filter = spam_filter;
    if (aggregation >= 0)
        r->aggregation = aggregation;
}

/* What the recorder knows of one occurrence. */
struct occ {
    const struct sb_record_req *rq;
    const char *component, *type, *message;
    const char *uid, *api_version, *obj_rv;
    char source_key[1024]; /* source + involved object */
    char agg_key[1400];    /* + type + reason */
    char key[3000];        /* + message: the dedup key */
};

static void make_keys(struct occ *o)
{
    const struct sb_record_req *rq = o->rq;
    snprintf(o->source_key, sizeof o->source_key,
             "%s\x1f\x1f%s\x1f%s\x1f%s"
             "\x1f%s\x1f%s",
             o->component, sb_res[rq->res].kind, rq->ns ? rq->ns : "", rq->name,
             o->uid, o->api_version);
    snprintf(o->agg_key, sizeof o->agg_key, "%s\x1f%s\x1f%s", o->source_key,
             o->type, rq->reason);
    snprintf(o->key, sizeof o->key, "%s\x1f%s", o->agg_key, o->message);
}

/* Aggregation: the 11th distinct message within the window folds. */
static int aggregate(struct sb_recorder *r, struct occ *o, struct arena *a)
{
    struct agg *g = map_get(&r->agg, o->agg_key, strlen(o->agg_key));
    int64_t now = sb_now_ns();
    if (!g) {
        if (!(g = rn_calloc(1, sizeof *g)))
            return RN_ENOMEM;
        map_init(&g->messages);
        if (map_put(&r->agg, o->agg_key, strlen(o->agg_key), g, NULL))
            return rn_free(g), RN_ENOMEM;
    }
    if (now - g->start_ns > AGG_WINDOW_NS) {
        map_free(&g->messages);
        map_init(&g->messages);
        g->start_ns = now;
    }
    if (map_put(&g->messages, o->message, strlen(o->message), g, NULL))
        return RN_ENOMEM;
    if (map_len(&g->messages) <= AGG_MAX_EVENTS)
        return RN_OK;
    o->message =
        arena_printf(a, "(combined from similar events): %s", o->message);
    snprintf(o->key, sizeof o->key, "%s", o->agg_key);
    return o->message ? RN_OK : RN_ENOMEM;
}

/* The spam filter's verdict: false = drop. */
static bool spam_ok(struct sb_recorder *r, const struct occ *o)
{
    struct spam *s = map_get(&r->spam, o->source_key, strlen(o->source_key));
    int64_t now = sb_now_ns();
    if (!s) {
        if (!(s = rn_calloc(1, sizeof *s)))
            return true;
        s->tokens = SPAM_BURST;
        s->last_ns = now;
        if (map_put(&r->spam, o->source_key, strlen(o->source_key), s, NULL))
            return rn_free(s), true;
    }
    s->tokens += (double)(now - s->last_ns) / (double)SPAM_REFILL_NS;
    if (s->tokens > SPAM_BURST)
        s->tokens = SPAM_BURST;
    s->last_ns = now;
    if (s->tokens < 1.0)
        return false;
    s->tokens -= 1.0;
    return true;
}

static struct val involved(struct arena *a, const struct occ *o)
{
    const struct sb_record_req *rq = o->rq;
    struct val v = sb_vobj();
    sb_obj_put(a, &v, "kind", sb_vstr(a, sb_res[rq->res].kind));
    if (rq->ns)
        sb_obj_put(a, &v, "namespace", sb_vstr(a, rq->ns));
    sb_obj_put(a, &v, "name", sb_vstr(a, rq->name));
    if (*o->uid)
        sb_obj_put(a, &v, "uid", sb_vstr(a, o->uid));
    sb_obj_put(a, &v, "apiVersion", sb_vstr(a, o->api_version));
    if (*o->obj_rv)
        sb_obj_put(a, &v, "resourceVersion", sb_vstr(a, o->obj_rv));
    return v;
}

static struct val new_event(struct arena *a, const struct occ *o,
                            const char *name, int64_t count, const char *now)
{
    struct val ev = sb_vobj(), md = sb_vobj(), src = sb_vobj();
    sb_obj_put(a, &md, "name", sb_vstr(a, name));
    sb_obj_put(a, &md, "namespace",
               sb_vstr(a, o->rq->ns ? o->rq->ns : "default"));
    sb_obj_put(a, &src, "component", sb_vstr(a, o->component));
    sb_obj_put(a, &ev, "apiVersion", sb_vstr(a, "v1"));
    sb_obj_put(a, &ev, "kind", sb_vstr(a, "Event"));
    sb_obj_put(a, &ev, "metadata", md);
    sb_obj_put(a, &ev, "involvedObject", involved(a, o));
    sb_obj_put(a, &ev, "reason", sb_vstr(a, o->rq->reason));
    sb_obj_put(a, &ev, "message", sb_vstr(a, o->message));
    sb_obj_put(a, &ev, "source", src);
    sb_obj_put(a, &ev, "firstTimestamp", sb_vstr(a, now));
    sb_obj_put(a, &ev, "lastTimestamp", sb_vstr(a, now));
    sb_obj_put(a, &ev, "count", sb_vint(count));
    sb_obj_put(a, &ev, "type", sb_vstr(a, o->type));
    sb_obj_put(a, &ev, "eventTime", val_null());
    sb_obj_put(a, &ev, "reportingComponent", sb_vstr(a, o->component));
    sb_obj_put(a, &ev, "reportingInstance", sb_vstr(a, ""));
    return ev;
}

static int create(struct sb *sb, struct arena *a, const struct occ *o,
                  struct dedup *d, struct doc **out, struct sb_status *st)
{
    char *now = sb_time_str(a, sb_now_ns());
    for (int tries = 0; tries < 8; tries++) {
        snprintf(d->name, sizeof d->name, "%s.%llx", o->rq->name,
                 (unsigned long long)(sb_now_ns() + tries));
        struct sb_wreq w = {.verb = SB_W_CREATE,
                            .res = SB_EVENTS,
                            .ns = o->rq->ns ? o->rq->ns : "default",
                            .body = new_event(a, o, d->name, d->count, now)};
        int code;
        sb_status_init(st);
        int rc = sb_write_locked(sb, &w, a, out, &code, st);
        if (rc != RN_EINVAL || st->code != 409)
            return rc;
    }
    return RN_EINVAL;
}

static int patch(struct sb *sb, struct arena *a, const struct occ *o,
                 const struct dedup *d, struct doc **out, struct sb_status *st)
{
    struct val p = sb_vobj();
    sb_obj_put(a, &p, "count", sb_vint(d->count));
    sb_obj_put(a, &p, "lastTimestamp", sb_vstr(a, sb_time_str(a, sb_now_ns())));
    sb_obj_put(a, &p, "message", sb_vstr(a, o->message));
    struct sb_wreq w = {.verb = SB_W_PATCH,
                        .res = SB_EVENTS,
                        .ns = d->ns,
                        .name = d->name,
                        .body = p,
                        .ptype = SB_P_STRATEGIC};
    int code;
    return sb_write_locked(sb, &w, a, out, &code, st);
}

/* The dedup entry of this occurrence, its count advanced. */
static struct dedup *observe(struct sb_recorder *r, const struct occ *o,
                             bool *repeat)
{
    struct dedup *d = map_get(&r->dedup, o->key, strlen(o->key));
    *repeat = d && !o->rq->force_new;
    if (d && !*repeat)
        d->count = 0;
    if (!d) {
        if (map_len(&r->dedup) >= DEDUP_MAX)
            free_values(&r->dedup, false);
        if (!(d = rn_calloc(1, sizeof *d)))
            return NULL;
        if (map_put(&r->dedup, o->key, strlen(o->key), d, NULL))
            return rn_free(d), NULL;
    }
    d->count++;
    snprintf(d->ns, sizeof d->ns, "%s", o->rq->ns ? o->rq->ns : "default");
    return d;
}

static int record_locked(struct sb *sb, struct occ *o, struct arena *a,
                         const char **action, struct doc **out,
                         struct sb_status *st)
{
    struct sb_recorder *r = sb->recorder;
    bool repeat;
    make_keys(o);
    if (r->aggregation && aggregate(r, o, a))
        return RN_ENOMEM;
    struct dedup *d = observe(r, o, &repeat);
    if (!d)
        return RN_ENOMEM;
    if (r->spam_filter && !spam_ok(r, o)) {
        *action = "dropped";
        return RN_OK;
    }
    if (repeat) {
        int rc = patch(sb, a, o, d, out, st);
        if (rc != RN_EINVAL || st->code != 404) {
            *action = "patched";
            return rc;
        }
    }
    *action = "created";
    return create(sb, a, o, d, out, st);
}

int sb_record(struct sb *sb, const struct sb_record_req *rq,
              const char **action, struct doc **out, struct sb_status *st)
{
    struct arena a;
    struct occ o = {.rq = rq};
    arena_init(&a, 0);
    o.component = rq->component ? rq->component : DEFAULT_COMPONENT;
    o.type = rq->type ? rq->type : "Normal";
    o.message = rq->message ? rq->message : "";
    o.api_version = sb_res[rq->res].api_version;
    *out = NULL;
    sb_lock(sb);
    struct sb_item *it = sb_store_get(&sb->store, rq->res, rq->ns, rq->name);
    const char *uid = it ? sb_get_str(it->doc->root, "metadata", "uid") : NULL;
    const char *rv =
        it ? sb_get_str(it->doc->root, "metadata", "resourceVersion") : NULL;
    o.uid = arena_strdup(&a, uid ? uid : "");
    o.obj_rv = arena_strdup(&a, rv ? rv : "");
    int rc = record_locked(sb, &o, &a, action, out, st);
    sb_unlock(sb);
    arena_free(&a);
    if (rc == RN_ENOMEM && !st->code)
        sb_status_set(st, 500, "InternalError", "out of memory");
    return rc;
}
