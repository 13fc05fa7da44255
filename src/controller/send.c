/*
 * send.c: from a decision to a queued delivery, and what a finished
 * delivery does.
 *
 * Both trigger paths end here with one (condition, destination) pair: the
 * templates are rendered for that destination (serviceType and recipient
 * added to the variables), the delivery is queued behind the earlier ones
 * of the same destination, and its state key is claimed so that no
 * re-evaluation queues it twice.  When it finishes, a success is recorded
 * on the Rollout (notified.c) and counted; a final failure is counted,
 * logged and reported as a Warning Event on the Rollout.  Event messages
 * and metric labels are masked of every loaded Secret value (configs.c);
 * log lines are, by the log's scrubber.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/doc.h"
#include "../core/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const path_names[] = {"event", "condition", "transition"};

static void release_conf(void *hold)
{
    ctl_conf_unref(hold);
}

static const char *dup(struct arena *a, const char *s)
{
    return arena_strdup(a, s ? s : "");
}

/* Metric label values as a series may be named: masked (ctl_mask_text),
 * so no Secret value ever becomes a label, whatever names it shares. */
struct labels {
    char v[4][256];
    const char *p[4];
};

static const char **masked(struct ctl *c, struct labels *l,
                           const char *const *in, size_t n)
{
    for (size_t i = 0; i < n && i < 4; i++) {
        snprintf(l->v[i], sizeof l->v[i], "%s", in[i] ? in[i] : "");
        ctl_mask_text(c, l->v[i], sizeof l->v[i]);
        l->p[i] = l->v[i];
    }
    return l->p;
}

/* Count and log a failure that happened before anything was queued. */
static void fail_early(struct ctl *c, const struct ctl_send *s, const char *why)
{
    const char *lv[] = {s->ns, s->name, s->ev_type, s->ev_reason};
    struct labels l;
    if (s->path != CTL_PATH_COND)
        ctl_metric_add(c->m, c->f.send_error, masked(c, &l, lv, 4), 1);
    const char *dl[] = {s->d->service, s->trigger, "error"};
    ctl_metric_add(c->m, c->f.deliveries, masked(c, &l, dl, 3), 1);
    c->failed++;
    ctl_status_send(c, s, CTL_WHY_ERROR, why);
    log_kv(LOG_ERROR, "notification not sent", "path", path_names[s->path],
           "namespace", s->ns, "rollout", s->name, "trigger", s->trigger,
           "service", s->d->service, "recipient", s->d->recipient, "error", why,
           NULL);
}

/* Render the condition's templates for the destination into it->a. */
static int render(struct ctl_item *it, const struct ctl_send *s,
                  struct notif **n, struct rn_err *e)
{
    struct val sv;
    int rc = eng_vars_send(&it->a, s->vars, s->d, &sv);
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    rc = eng_notif_render(s->conf->cfg, s->r->templates, s->r->ntemplates, sv,
                          &it->a, n, e);
    if (rc == RN_OK)
        it->root = eng_notif_root(*n);
    return rc;
}

static struct ctl_rec *make_rec(struct ctl *c, struct ctl_item *it,
                                const struct ctl_send *s)
{
    struct ctl_rec *rec = arena_zalloc(&it->a, sizeof *rec);
    if (!rec)
        return NULL;
    rec->c = c;
    rec->path = s->path;
    rec->ann = s->ann;
    rec->state_key = dup(&it->a, s->state_key);
    rec->ns = dup(&it->a, s->ns);
    rec->name = dup(&it->a, s->name);
    rec->trigger = dup(&it->a, s->trigger);
    rec->ev_type = dup(&it->a, s->ev_type);
    rec->ev_reason = dup(&it->a, s->ev_reason);
    rec->t0_ms = s->t0_ms;
    it->dest.service = dup(&it->a, s->d->service);
    it->dest.recipient = dup(&it->a, s->d->recipient);
    if (!rec->state_key || !rec->ns || !rec->name || !rec->trigger ||
        !rec->ev_type || !rec->ev_reason || !it->dest.service ||
        !it->dest.recipient)
        return NULL;
    return rec;
}

/* --dry-run: say what would be sent, and remember it as sent (in memory
 * only) so that the next evaluation does not say it again. */
static void dry_run(struct ctl *c, struct ctl_ro *r, struct ctl_item *it,
                    const struct notif *n, const struct ctl_send *s)
{
    struct buf b;
    buf_init(&b, 1u << 16);
    eng_notif_json(n, &b);
    log_kv(LOG_INFO, "dry-run: would send", "path", path_names[s->path],
           "namespace", s->ns, "rollout", s->name, "trigger", s->trigger,
           "service", s->d->service, "recipient", s->d->recipient,
           "notification", buf_str(&b), NULL);
    buf_free(&b);
    c->sent++;
    ctl_status_send(c, s, CTL_WHY_DRY_RUN, NULL);
    ctl_state_set(c, r, s->ann, s->state_key, (int64_t)time(NULL));
    ctl_item_free(it);
}

int ctl_send(struct ctl *c, struct ctl_ro *r, const struct ctl_send *s)
{
    struct rn_err e;
    rn_err_clear(&e);
    if (ctl_ro_claimed(r, s->state_key)) {
        ctl_status_send(c, s, CTL_WHY_IN_FLIGHT, NULL);
        return RN_OK;
    }
    const struct svc_instance *svc = ctl_conf_svc(s->conf, s->d->service);
    if (!svc) {
        char why[160];
        snprintf(why, sizeof why, "notification service '%s' is not supported",
                 s->d->service);
        fail_early(c, s, why);
        return RN_ENOTFOUND;
    }
    struct ctl_item *it = ctl_item_new();
    if (!it) {
        fail_early(c, s, "out of memory");
        return RN_ENOMEM;
    }
    struct notif *n = NULL;
    int rc = render(it, s, &n, &e);
    struct ctl_rec *rec = rc == RN_OK ? make_rec(c, it, s) : NULL;
    if (!rec) {
        fail_early(c, s, rc == RN_OK ? "out of memory" : e.msg);
        ctl_item_free(it);
        return rc == RN_OK ? RN_ENOMEM : rc;
    }
    if (c->o.dry_run) {
        dry_run(c, r, it, n, s);
        return RN_OK;
    }
    int64_t now = kube_loop_now(c->loop);
    it->svc = svc;
    it->enqueued_ms = now;
    it->deadline_ms = now + c->o.delivery_deadline_ms;
    it->hold = ctl_conf_ref(s->conf);
    it->release = release_conf;
    it->ud = rec;
    if (ctl_ro_claim(r, s->state_key, &rec->epoch) != RN_OK) {
        ctl_item_free(it);
        fail_early(c, s, "out of memory");
        return RN_ENOMEM;
    }
    log_kv(LOG_INFO, "queued", "path", path_names[s->path], "namespace", s->ns,
           "rollout", s->name, "trigger", s->trigger, "service", s->d->service,
           "recipient", s->d->recipient, NULL);
    rc = ctl_dq_push(c->dq, it);
    ctl_status_send(c, s, rc == RN_OK ? CTL_WHY_QUEUED : CTL_WHY_ERROR, NULL);
    return rc;
}

/* A Warning Event on the Rollout for a delivery that finally failed. */
static void warn_rollout(struct ctl *c, const struct ctl_rec *rec,
                         const struct ctl_item *it, const char *msg)
{
    struct doc *ro = kube_informer_get(c->ro, rec->ns, rec->name);
    if (!ro || !c->rec || !ctl_may_act(c))
        return;
    char text[1024];
    snprintf(text, sizeof text, "failed to deliver %s to %s:%s: %s",
             rec->trigger, it->dest.service, it->dest.recipient, msg);
    ctl_mask_text(c, text, sizeof text);
    kube_recorder_emit(c->rec, ro->root, "Warning", "NotificationFailed", text);
}

void ctl_delivered(void *ud, struct ctl_item *it, bool ok,
                   const struct svc_result *res)
{
    struct ctl_rec *rec = it->ud;
    struct ctl *c = ud;
    struct ctl_ro *r = ctl_ro_get(c, rec->ns, rec->name, true);
    double secs = (double)(kube_loop_now(c->loop) - rec->t0_ms) / 1000.0;
    const char *lv[] = {rec->ns, rec->name, rec->ev_type, rec->ev_reason};
    const char *hv[] = {rec->ns, rec->name};
    const char *dv[] = {it->dest.service, rec->trigger, ok ? "ok" : "error"};
    /* a condition that turned false meanwhile ended this delivery's
     * episode: it counts, but is not recorded (the next true sends) */
    bool current = r ? ctl_ro_unclaim(c, r, rec->state_key, rec->epoch) : false;
    struct labels l;
    if (rec->path != CTL_PATH_COND) {
        ctl_metric_add(c->m, ok ? c->f.send_success : c->f.send_error,
                       masked(c, &l, lv, 4), 1);
        ctl_metric_observe(c->m, c->f.send_hist, masked(c, &l, hv, 2), secs);
    }
    ctl_metric_add(c->m, c->f.deliveries, masked(c, &l, dv, 3), 1);
    char attempts[16];
    snprintf(attempts, sizeof attempts, "%d", it->attempts);
    if (ok) {
        c->sent++;
        if (r && current)
            ctl_state_set(c, r, rec->ann, rec->state_key, (int64_t)time(NULL));
        log_kv(LOG_INFO, "delivered", "path", path_names[rec->path],
               "namespace", rec->ns, "rollout", rec->name, "trigger",
               rec->trigger, "service", it->dest.service, "recipient",
               it->dest.recipient, "attempts", attempts, NULL);
    } else {
        c->failed++;
        const char *msg = res ? res->msg : it->last_error;
        log_kv(LOG_ERROR, "delivery failed", "path", path_names[rec->path],
               "namespace", rec->ns, "rollout", rec->name, "trigger",
               rec->trigger, "service", it->dest.service, "recipient",
               it->dest.recipient, "attempts", attempts, "error", msg, NULL);
        warn_rollout(c, rec, it, msg);
    }
    if (it->attempts > 1)
        c->retried++;
    ctl_status_delivered(c, it, ok, res);
    ctl_item_free(it);
}
