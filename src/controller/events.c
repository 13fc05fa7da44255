/*
 * events.c: the event-driven path.
 *
 * Every new Event on a Rollout, and every raise of an existing Event's
 * count, is one occurrence of its reason R: trigger on-<kebab(R)> runs for
 * the destinations the Rollout subscribes to it, and each condition that
 * has no `when`, or whose `when` is true, sends (engine trigger.c).  The
 * Rollout rendered is the version the Event names (a raise keeps the first
 * occurrence's resourceVersion, so a raise renders the Rollout as it is
 * when the raise is seen), with every number float64 as upstream's event
 * path has them.
 *
 * Each delivery is recorded under "<event uid>:<count>:<trigger>:<i>:
 * <service>:<recipient>" (notified.c), so an occurrence is never delivered
 * twice to a destination, across restarts too.  On start (and when this
 * replica becomes leader) the cached Events younger than the catch-up
 * window are replayed through the same path: what was missed while down
 * is sent, what was recorded is not.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"
#include "../core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ADDED_GRACE_MS 60000 /* RolloutAddedToInformer for a new Rollout */

/* Upstream notifies RolloutAddedToInformer for every Rollout each time
 * Argo Rollouts starts; rnotify only for a Rollout created just before
 * the Event (one it has not known before). */
static bool added_is_new(struct val ev, struct doc *ro)
{
    int64_t created = ctl_time_ms(ctl_meta(ro->root, "creationTimestamp"));
    int64_t first = ctl_time_ms(ctl_str(ev, "firstTimestamp", NULL));
    if (!first)
        first = ctl_event_time_ms(ev);
    return created && first && first - created <= ADDED_GRACE_MS;
}

/* One destination of one sending condition. */
static void send_one(struct ctl *c, struct ctl_ro *r, struct ctl_occ *o,
                     struct ctl_conf *conf, const struct eng_cond_result *res,
                     size_t i, const struct eng_dest *d, struct val vars)
{
    const char *ns_prefix = conf->self_service ? conf->ns : "";
    char *key = arena_printf(&c->scratch, "%s%s%s%s:%zu:%s:%s", o->prefix,
                             ns_prefix, *ns_prefix ? ":" : "", o->trigger, i,
                             d->service, d->recipient ? d->recipient : "");
    /* what was delivered is recorded on the Rollout as it is now, not on
     * the version the Event names */
    struct doc *cur = kube_informer_get(c->ro, o->ns, o->name);
    struct ctl_send s = {o->path, conf,      o->trigger,     res,   d,
                         vars,    key,       CTL_ANN_EVENTS, o->ns, o->name,
                         o->type, o->reason, o->t0_ms,       o};
    if (!key)
        return;
    if (cur && ctl_state_has(c, r, cur->root, CTL_ANN_EVENTS, key, false))
        ctl_status_send(c, &s, CTL_WHY_ALREADY, NULL);
    else
        o->queued += ctl_send(c, r, &s) == RN_OK;
}

/* Run the trigger under one configuration. */
static void run_conf(struct ctl *c, struct ctl_ro *r, struct ctl_occ *o,
                     struct ctl_conf *conf, struct doc *snap)
{
    struct eng_dests dests;
    struct val vars;
    struct eng_cond_result *res;
    size_t n;
    struct rn_err e;
    const char *hv[] = {o->ns, o->name};
    if (eng_destinations(conf->cfg, snap->root, ENG_DEST_DEDUP, &c->scratch,
                         &dests) != RN_OK)
        return;
    const struct eng_trigger_dests *td = eng_dests_find(&dests, o->trigger);
    if (!td || !td->n) {
        ctl_metric_observe(c->m, c->f.send_hist, hv, 0);
        ctl_status_occ(c, o, NULL, CTL_WHY_NO_DEST, NULL);
        return;
    }
    rn_err_clear(&e);
    if (ctl_vars(c, conf, snap->root, true, &c->scratch, &vars) != RN_OK)
        return;
    int rc =
        eng_trigger_run(conf->cfg, o->trigger, vars, &c->scratch, &res, &n, &e);
    if (rc != RN_OK) {
        log_kv(rc == RN_ENOTFOUND ? LOG_DEBUG : LOG_WARN,
               "event trigger not run", "trigger", o->trigger, "namespace",
               o->ns, "rollout", o->name, "error", e.msg, NULL);
        ctl_status_occ(c, o, td, CTL_WHY_NOT_CONFIGURED, e.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *tv[] = {o->trigger,
                            eng_event_sends(&res[i]) ? "true" : "false"};
        ctl_metric_add(c->m, c->f.trigger_eval, tv, 1);
        if (!eng_event_sends(&res[i])) {
            ctl_status_occ(c, o, td, CTL_WHY_FALSE, res[i].when_error);
            continue;
        }
        for (size_t j = 0; j < td->n; j++)
            send_one(c, r, o, conf, &res[i], i, &td->dests[j], vars);
    }
}

static bool fill(struct ctl *c, struct ctl_occ *o, struct val ev, int64_t count)
{
    o->ev = ev;
    o->count = count;
    o->uid = ctl_meta(ev, "uid");
    o->ns = ctl_str(ev, "involvedObject", "namespace");
    o->name = ctl_str(ev, "involvedObject", "name");
    o->reason = ctl_str(ev, "reason", NULL);
    o->type = ctl_str(ev, "type", NULL);
    if (!*o->reason || !*o->name || !*o->uid)
        return false;
    if (strcmp(ctl_str(ev, "involvedObject", "kind"), "Rollout") != 0)
        return false;
    if (strcmp(ctl_str(ev, "source", "component"), CTL_COMPONENT) == 0 ||
        strcmp(ctl_str(ev, "reportingComponent", NULL), CTL_COMPONENT) == 0)
        return false; /* rnotify's own Warnings */
    o->trigger = eng_event_trigger(&c->scratch, o->reason, strlen(o->reason));
    snprintf(o->prefix, sizeof o->prefix, "%s:%lld:", o->uid, (long long)count);
    o->t0_ms = kube_loop_now(c->loop);
    return o->trigger != NULL;
}

void ctl_occurrence_send(struct ctl *c, struct ctl_ro *r, struct ctl_occ *o,
                         struct doc *snap)
{
    struct ctl_conf *confs[2];
    size_t nc = ctl_configs_for(c, o->ns, confs);
    c->decided++;
    for (size_t i = 0; i < nc; i++)
        run_conf(c, r, o, confs[i], snap);
}

/* A lifecycle Event seen for the first time that its status transition
 * already notified: recorded as covered, not sent again. */
static bool covered(struct ctl *c, struct ctl_ro *r, struct ctl_occ *o,
                    struct doc *cur)
{
    int64_t t = ctl_event_time_ms(o->ev);
    bool hit = ctl_moments_event(c, r, o->prefix, o->reason, t);
    if (!hit && !ctl_state_near(c, r, cur->root, o->reason, t))
        return false;
    char *mark = arena_printf(&c->scratch, "%scovered", o->prefix);
    if (mark && !c->o.dry_run)
        ctl_state_set(c, r, CTL_ANN_EVENTS, mark, (int64_t)time(NULL));
    log_kv(LOG_INFO, "event already notified from its status transition",
           "namespace", o->ns, "rollout", o->name, "reason", o->reason, NULL);
    ctl_status_occ(c, o, NULL, CTL_WHY_COVERED, NULL);
    return true;
}

/* One occurrence of an Event (the count given).  False when its Rollout
 * is not in the cache yet, or (patient) not yet in the version the Event
 * names: the two watches are not ordered. */
static bool occurrence(struct ctl *c, struct val ev, int64_t count, bool raise,
                       bool patient)
{
    struct ctl_occ o = {0};
    if (!fill(c, &o, ev, count))
        return true;
    o.path = CTL_PATH_EVENT;
    struct doc *cur = kube_informer_get(c->ro, o.ns, o.name);
    if (!cur)
        return false;
    const char *rv = ctl_str(ev, "involvedObject", "resourceVersion");
    if (patient && !raise && ctl_ro_version_ahead(c, o.ns, o.name, rv))
        return false;
    struct doc *snap = raise ? cur : ctl_ro_version_at(c, o.ns, o.name, rv);
    struct ctl_ro *r = ctl_ro_get(c, o.ns, o.name, true);
    if (!snap || !r)
        return true;
    log_kv(LOG_DEBUG, "event snapshot", "rollout", o.name, "reason", o.reason,
           "names", rv, "rendered", ctl_meta(snap->root, "resourceVersion"),
           "cached", ctl_meta(cur->root, "resourceVersion"), NULL);
    if (ctl_state_has(c, r, cur->root, CTL_ANN_EVENTS, o.prefix, true)) {
        /* still pairs with a transition to come */
        ctl_moments_event(c, r, o.prefix, o.reason, ctl_event_time_ms(ev));
        ctl_status_occ(c, &o, NULL, CTL_WHY_ALREADY, NULL);
        return true;
    }
    if (covered(c, r, &o, cur))
        return true;
    if (strcmp(o.reason, "RolloutAddedToInformer") == 0 &&
        !added_is_new(ev, cur))
        return true;
    ctl_occurrence_send(c, r, &o, snap);
    char count_s[24], queued_s[24];
    snprintf(count_s, sizeof count_s, "%lld", (long long)count);
    snprintf(queued_s, sizeof queued_s, "%d", o.queued);
    log_kv(o.queued ? LOG_INFO : LOG_DEBUG, "event decided", "namespace", o.ns,
           "rollout", o.name, "reason", o.reason, "count", count_s, "trigger",
           o.trigger, "queued", queued_s, NULL);
    return true;
}

/*
 * Events that wait: one whose Rollout the cache does not hold yet, or
 * not yet in the version the Event names (the two watches are not
 * ordered).  They wait in arrival order, and a later Event of the same
 * Rollout waits behind them, so each Rollout's Events are still handled in
 * the order they came.  A Rollout update or a short timer tries again; an
 * Event waits at most ORPHAN_PATIENCE_MS for its version (then renders the
 * nearest older one) and ORPHAN_MAX_MS for its Rollout (then it is given
 * up: the Rollout was deleted).
 */
struct ctl_orphan {
    struct doc *ev;
    int64_t count;
    bool raise;
    int64_t since_ms;
    struct ctl_orphan *next;
};

#define ORPHAN_RETRY_MS 250
#define ORPHAN_PATIENCE_MS 2000
#define ORPHAN_MAX_MS 10000

static bool orphan_of(const struct ctl_orphan *o, const char *ns,
                      const char *name)
{
    return strcmp(ctl_str(o->ev->root, "involvedObject", "namespace"), ns) ==
               0 &&
           strcmp(ctl_str(o->ev->root, "involvedObject", "name"), name) == 0;
}

static bool waiting(const struct ctl *c, const char *ns, const char *name)
{
    for (const struct ctl_orphan *o = c->orphans; o; o = o->next)
        if (orphan_of(o, ns, name))
            return true;
    return false;
}

static void orphans_arm(struct ctl *c);

static void orphan_add(struct ctl *c, struct doc *ev, int64_t count, bool raise)
{
    struct ctl_orphan *o = rn_calloc(1, sizeof *o);
    if (!o)
        return;
    o->ev = doc_ref(ev);
    o->count = count;
    o->raise = raise;
    o->since_ms = kube_loop_now(c->loop);
    struct ctl_orphan **p = &c->orphans; /* in arrival order */
    while (*p)
        p = &(*p)->next;
    *p = o;
    orphans_arm(c);
}

/* Whether an earlier orphan than o, of the same Rollout, is still there. */
static bool behind(const struct ctl *c, const struct ctl_orphan *o)
{
    const char *ns = ctl_str(o->ev->root, "involvedObject", "namespace");
    const char *name = ctl_str(o->ev->root, "involvedObject", "name");
    for (const struct ctl_orphan *e = c->orphans; e && e != o; e = e->next)
        if (orphan_of(e, ns, name))
            return true;
    return false;
}

/* Try the orphans (of one Rollout, or all when ns is NULL), in order. */
static void orphans_drain(struct ctl *c, const char *ns, const char *name)
{
    int64_t now = kube_loop_now(c->loop);
    for (struct ctl_orphan **p = &c->orphans; *p;) {
        struct ctl_orphan *o = *p;
        int64_t age = now - o->since_ms;
        bool mine = !ns || orphan_of(o, ns, name);
        bool done = false;
        if (mine && !behind(c, o)) {
            done = !c->acting || c->stopping ||
                   occurrence(c, o->ev->root, o->count, o->raise,
                              age < ORPHAN_PATIENCE_MS);
            if (!done && age >= ORPHAN_MAX_MS) {
                log_kv(LOG_INFO, "event for a rollout that does not exist",
                       "event", ctl_meta(o->ev->root, "name"), NULL);
                done = true;
            }
            arena_reset(&c->scratch);
        }
        if (!done) {
            p = &o->next;
            continue;
        }
        *p = o->next;
        doc_unref(o->ev);
        rn_free(o);
    }
}

static void orphans_tick(void *ud)
{
    struct ctl *c = ud;
    c->orphan_timer = NULL;
    orphans_drain(c, NULL, NULL);
    orphans_arm(c);
}

static void orphans_arm(struct ctl *c)
{
    if (c->orphans && !c->orphan_timer)
        c->orphan_timer =
            kube_timer_add(c->loop, ORPHAN_RETRY_MS, orphans_tick, c);
}

void ctl_orphans_for(struct ctl *c, const char *ns, const char *name)
{
    orphans_drain(c, ns, name);
}

void ctl_orphans_free(struct ctl *c)
{
    kube_timer_cancel(c->loop, c->orphan_timer);
    c->orphan_timer = NULL;
    while (c->orphans) {
        struct ctl_orphan *o = c->orphans;
        c->orphans = o->next;
        doc_unref(o->ev);
        rn_free(o);
    }
}

static int64_t count_of(struct val ev)
{
    int64_t n = ctl_int(ev, "count", NULL);
    return n > 0 ? n : 1;
}

void ctl_event_seen(struct ctl *c, struct doc *old, struct doc *ev)
{
    int64_t n = count_of(ev->root);
    const char *ev_[] = {ctl_str(ev->root, "reason", NULL)};
    if (old && (old == ev || n <= count_of(old->root)))
        return; /* a resync, or a change that is no new occurrence */
    if (!old)
        ctl_metric_add(c->m, c->f.events_seen, ev_, 1);
    if (!c->acting || c->stopping)
        return; /* the catch-up pass handles it */
    const char *ns = ctl_str(ev->root, "involvedObject", "namespace");
    const char *name = ctl_str(ev->root, "involvedObject", "name");
    if (waiting(c, ns, name) || !occurrence(c, ev->root, n, old != NULL, true))
        orphan_add(c, ev, n, old != NULL);
    arena_reset(&c->scratch);
}

struct recent {
    struct doc **items;
    size_t n, cap;
    int64_t since_ms;
};

static void gather(void *ud, struct doc *d)
{
    struct recent *x = ud;
    if (ctl_event_time_ms(d->root) < x->since_ms || x->n == x->cap)
        return;
    x->items[x->n++] = d;
}

static int by_time(const void *a, const void *b)
{
    struct doc *const *x = a, *const *y = b;
    int64_t tx = ctl_event_time_ms((*x)->root);
    int64_t ty = ctl_event_time_ms((*y)->root);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return strcmp(ctl_meta((*x)->root, "name"), ctl_meta((*y)->root, "name"));
}

void ctl_catch_up(struct ctl *c)
{
    struct recent x = {NULL, 0, kube_informer_len(c->ev), 0};
    x.since_ms = (int64_t)time(NULL) * 1000 - c->o.catch_up_window_ms;
    x.items = rn_malloc((x.cap ? x.cap : 1) * sizeof *x.items);
    if (!x.items)
        return;
    kube_informer_each(c->ev, gather, &x);
    qsort(x.items, x.n, sizeof *x.items, by_time);
    log_kv(LOG_INFO, "catching up on recent events", "events",
           x.n ? "some" : "none", NULL);
    for (size_t i = 0; i < x.n; i++) {
        struct val ev = x.items[i]->root;
        occurrence(c, ev, count_of(ev), count_of(ev) > 1, false);
        arena_reset(&c->scratch);
    }
    rn_free(x.items);
}
