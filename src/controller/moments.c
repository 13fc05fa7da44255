/*
 * moments.c: lifecycle moments whose Events never came.
 *
 * The Argo Rollouts controller sends its notifications from inside its
 * reconcile; rnotify learns of them through the Events its recorder writes,
 * and that recorder drops Events past a burst of 25 per object and folds
 * similar ones together.  A busy canary exceeds 25 Events in one rollout,
 * so the moments that matter are also derived from status transitions:
 *
 *   RolloutUpdated        the revision annotation changed
 *   RolloutStepCompleted  currentStepIndex advanced (one per step)
 *   RolloutPaused         pause conditions appeared
 *   RolloutResumed        pause conditions cleared, not aborted
 *   RolloutAborted        status.abort became true
 *   RolloutCompleted      stableRS became the current pod hash
 *   AnalysisRun<Phase>    an AnalysisRun the Rollout owns changed phase
 *
 * An Event and a transition of the same reason on the same Rollout within
 * CTL_MOMENT_WINDOW_MS of each other are one moment, paired one to one in
 * order.  A transition waits CTL_MOMENT_GRACE_MS for its Event; if none
 * comes it is notified as if the Event had come (the version before the
 * transition rendered, as the Event would have), recorded under
 * "t:<reason>:<ms>:", and an Event arriving later pairs with it and is not
 * sent again.  Pairing by time, not by step numbers or revisions, keeps
 * the two sources from disagreeing about what they describe.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"
#include "../core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MOMENT_KEEP_MS 600000 /* records of paired/old moments */

enum { MO_EVENT, MO_TRANSITION };

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t hash(const char *s)
{
    return map_hash(s, strlen(s)) | 1;
}

static const char *warning_reasons[] = {"RolloutAborted", "AnalysisRunFailed",
                                        "AnalysisRunError", NULL};

static const char *type_of(const char *reason)
{
    for (size_t i = 0; warning_reasons[i]; i++)
        if (strcmp(reason, warning_reasons[i]) == 0)
            return "Warning";
    return "Normal";
}

/* The unpaired record of kind `kind` and reason closest to t, or NULL;
 * sent: whether transitions already notified qualify. */
static struct ctl_mo *closest(struct ctl_ro *r, int kind, const char *reason,
                              int64_t t, bool sent)
{
    struct ctl_mo *best = NULL;
    for (size_t i = 0; i < r->nmo; i++) {
        struct ctl_mo *m = &r->mo[i];
        if (m->kind != kind || m->matched || m->sent != sent ||
            strcmp(m->reason, reason) != 0)
            continue;
        int64_t d = llabs(m->t_ms - t);
        if (d <= CTL_MOMENT_WINDOW_MS && (!best || d < llabs(best->t_ms - t)))
            best = m;
    }
    return best;
}

/* Append a record (the oldest paired one makes room when full). */
static struct ctl_mo *add(struct ctl *c, struct ctl_ro *r, int kind,
                          const char *reason, int64_t t)
{
    if (r->nmo == r->capmo && r->capmo < CTL_MAX_MOMENTS) {
        /* most Rollouts see a moment or two at a time: grow on demand */
        size_t nc = r->capmo ? r->capmo * 2 : 2;
        if (nc > CTL_MAX_MOMENTS)
            nc = CTL_MAX_MOMENTS;
        struct ctl_mo *nm = rn_realloc(r->mo, nc * sizeof *nm);
        if (!nm)
            return NULL;
        r->mo = nm;
        r->capmo = nc;
    }
    if (r->nmo == CTL_MAX_MOMENTS) {
        size_t i = 0;
        while (i < r->nmo && !r->mo[i].matched && !r->mo[i].sent)
            i++;
        if (i == r->nmo)
            i = 0;
        doc_unref(r->mo[i].snap);
        memmove(&r->mo[i], &r->mo[i + 1], (r->nmo - i - 1) * sizeof *r->mo);
        r->nmo--;
    }
    struct ctl_mo *m = &r->mo[r->nmo++];
    memset(m, 0, sizeof *m);
    snprintf(m->reason, sizeof m->reason, "%s", reason);
    m->kind = (uint8_t)kind;
    m->t_ms = t;
    r->touched_ms = kube_loop_now(c->loop);
    return m;
}

bool ctl_moments_event(struct ctl *c, struct ctl_ro *r, const char *occ,
                       const char *reason, int64_t t_ms)
{
    uint64_t id = hash(occ);
    for (size_t i = 0; i < r->nmo; i++)
        if (r->mo[i].kind == MO_EVENT && r->mo[i].id == id)
            return r->mo[i].sent; /* seen before: same answer */
    struct ctl_mo *ev = add(c, r, MO_EVENT, reason, t_ms ? t_ms : wall_ms());
    if (!ev)
        return false;
    ev->id = id;
    /* a transition still waiting for its Event first; one already
     * notified only when this Event is late for it */
    struct ctl_mo *tr = closest(r, MO_TRANSITION, reason, ev->t_ms, false);
    if (!tr)
        tr = closest(r, MO_TRANSITION, reason, ev->t_ms, true);
    if (!tr)
        return false;
    tr->matched = ev->matched = true;
    ev->sent = tr->sent; /* remembered for a repeat of this Event */
    return tr->sent;
}

/* Notify an unpaired transition as its Event would have been. */
static void notify(struct ctl *c, struct ctl_ro *r, struct ctl_mo *m)
{
    struct ctl_occ o = {0};
    o.path = CTL_PATH_TRANSITION;
    o.ev = val_null();
    o.count = 1;
    o.uid = "";
    o.ns = r->ns;
    o.name = r->name;
    o.reason = m->reason;
    o.type = type_of(m->reason);
    o.trigger = eng_event_trigger(&c->scratch, m->reason, strlen(m->reason));
    snprintf(o.prefix, sizeof o.prefix, "t:%s:%lld:", m->reason,
             (long long)m->t_ms);
    o.t0_ms = kube_loop_now(c->loop);
    m->sent = true;
    if (!o.trigger || !m->snap)
        return;
    log_kv(LOG_INFO, "no event came: notifying the status transition",
           "namespace", r->ns, "rollout", r->name, "reason", m->reason, NULL);
    const char *tv[] = {m->reason};
    ctl_metric_add(c->m, c->f.transitions, tv, 1);
    ctl_occurrence_send(c, r, &o, m->snap);
}

static void arm(struct ctl *c, struct ctl_ro *r);

static void due(void *ud)
{
    struct ctl_ro *r = ud;
    struct ctl *c = r->ctl;
    int64_t now = kube_loop_now(c->loop);
    r->mo_timer = NULL;
    for (size_t i = 0; i < r->nmo; i++) {
        struct ctl_mo *m = &r->mo[i];
        if (m->kind != MO_TRANSITION || !m->due || m->due_ms > now)
            continue;
        m->due = false;
        if (!m->matched && c->acting && !c->stopping)
            notify(c, r, m);
        doc_unref(m->snap);
        m->snap = NULL;
    }
    arena_reset(&c->scratch);
    arm(c, r);
}

/* The timer at the earliest grace end. */
static void arm(struct ctl *c, struct ctl_ro *r)
{
    int64_t first = 0;
    for (size_t i = 0; i < r->nmo; i++)
        if (r->mo[i].due && (!first || r->mo[i].due_ms < first))
            first = r->mo[i].due_ms;
    kube_timer_cancel(c->loop, r->mo_timer);
    r->mo_timer = NULL;
    if (first)
        r->mo_timer =
            kube_timer_add(c->loop, first - kube_loop_now(c->loop), due, r);
}

/* A transition of reason on the Rollout of snap (rendered if notified). */
static void transition(struct ctl *c, struct ctl_ro *r, const char *reason,
                       struct doc *snap)
{
    struct ctl_mo *m = add(c, r, MO_TRANSITION, reason, wall_ms());
    if (!m)
        return;
    struct ctl_mo *ev = closest(r, MO_EVENT, reason, m->t_ms, false);
    if (ev) {
        ev->matched = m->matched = true;
        return;
    }
    m->snap = doc_ref(snap);
    m->due = true;
    m->due_ms = kube_loop_now(c->loop) + CTL_MOMENT_GRACE_MS;
    arm(c, r);
}

static size_t list_len(struct val obj, const char *a, const char *b)
{
    const struct val *v = ctl_get(obj, a, b);
    return v && v->kind == VAL_ARRAY ? val_list_len(*v) : 0;
}

static bool is_true(struct val obj, const char *a, const char *b)
{
    const struct val *v = ctl_get(obj, a, b);
    return v && v->kind == VAL_BOOL && v->u.b;
}

static const char *revision(struct val obj)
{
    const struct val *an = ctl_get(obj, "metadata", "annotations");
    const struct val *v =
        an ? val_get_cstr(*an, "rollout.argoproj.io/revision") : NULL;
    return v && v->kind == VAL_STRING ? v->u.s : "";
}

static bool has_step_index(struct val obj)
{
    return ctl_get(obj, "status", "currentStepIndex") != NULL;
}

/* Steps complete only while an update of a revision is under way: a
 * stable ReplicaSet exists and is not the current pod hash.  (The first
 * deploy jumps the index to the end without completing steps.) */
static bool stepping(struct val a, struct val b, const char *ra, const char *rb)
{
    const char *stable = ctl_str(a, "status", "stableRS");
    return strcmp(ra, rb) == 0 && has_step_index(a) && has_step_index(b) &&
           *stable && strcmp(stable, ctl_str(a, "status", "currentPodHash"));
}

void ctl_moments_rollout(struct ctl *c, struct doc *old, struct doc *obj)
{
    if (!old || old == obj || !c->acting || c->stopping)
        return;
    struct val a = old->root, b = obj->root;
    struct ctl_ro *r =
        ctl_ro_get(c, ctl_meta(b, "namespace"), ctl_meta(b, "name"), true);
    if (!r)
        return;
    const char *ra = revision(a), *rb = revision(b);
    if (*rb && strcmp(ra, rb) != 0)
        transition(c, r, "RolloutUpdated", old);
    if (stepping(a, b, ra, rb)) {
        int64_t ia = ctl_int(a, "status", "currentStepIndex");
        int64_t ib = ctl_int(b, "status", "currentStepIndex");
        for (int64_t k = ia; k < ib && k < ia + 16; k++)
            transition(c, r, "RolloutStepCompleted", old);
    }
    size_t pa = list_len(a, "status", "pauseConditions");
    size_t pb = list_len(b, "status", "pauseConditions");
    bool ab = is_true(b, "status", "abort");
    if (!pa && pb)
        transition(c, r, "RolloutPaused", old);
    if (pa && !pb && !ab)
        transition(c, r, "RolloutResumed", old);
    if (ab && !is_true(a, "status", "abort"))
        transition(c, r, "RolloutAborted", old);
    const char *sa = ctl_str(a, "status", "stableRS");
    const char *sb = ctl_str(b, "status", "stableRS");
    if (*sb && strcmp(sa, sb) != 0 &&
        strcmp(sb, ctl_str(b, "status", "currentPodHash")) == 0)
        transition(c, r, "RolloutCompleted", old);
}

/* The name of the Rollout owning run, or "". */
static const char *owner(struct val run)
{
    const struct val *refs = ctl_get(run, "metadata", "ownerReferences");
    for (size_t i = 0;
         refs && refs->kind == VAL_ARRAY && i < val_list_len(*refs); i++) {
        struct val ref = val_list_at(*refs, i);
        if (strcmp(ctl_str(ref, "kind", NULL), "Rollout") == 0)
            return ctl_str(ref, "name", NULL);
    }
    return "";
}

void ctl_moments_run(struct ctl *c, struct doc *old, struct doc *run)
{
    if (old == run || !c->acting || c->stopping)
        return;
    const char *pb = ctl_str(run->root, "status", "phase");
    const char *pa = old ? ctl_str(old->root, "status", "phase") : "";
    const char *ns = ctl_meta(run->root, "namespace");
    const char *name = owner(run->root);
    if (!*pb || !*name || strcmp(pa, pb) == 0 || strcmp(pb, "Pending") == 0)
        return;
    struct doc *ro = kube_informer_get(c->ro, ns, name);
    struct ctl_ro *r = ro ? ctl_ro_get(c, ns, name, true) : NULL;
    char reason[48];
    snprintf(reason, sizeof reason, "AnalysisRun%s", pb);
    if (r)
        transition(c, r, reason, ro);
}

void ctl_moments_trim(struct ctl *c, struct ctl_ro *r, int64_t now_ms)
{
    int64_t wall = wall_ms();
    size_t k = 0;
    (void)now_ms;
    for (size_t i = 0; i < r->nmo; i++) {
        struct ctl_mo *m = &r->mo[i];
        if (!m->due && wall - m->t_ms > MOMENT_KEEP_MS) {
            doc_unref(m->snap);
            continue;
        }
        r->mo[k++] = *m;
    }
    r->nmo = k;
    if (!k) {
        rn_free(r->mo);
        r->mo = NULL;
        r->capmo = 0;
        kube_timer_cancel(c->loop, r->mo_timer);
        r->mo_timer = NULL;
    }
}

void ctl_moments_free(struct ctl *c, struct ctl_ro *r)
{
    for (size_t i = 0; i < r->nmo; i++)
        doc_unref(r->mo[i].snap);
    rn_free(r->mo);
    r->mo = NULL;
    r->nmo = r->capmo = 0;
    kube_timer_cancel(c->loop, r->mo_timer);
    r->mo_timer = NULL;
}
