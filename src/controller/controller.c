/*
 * controller.c: `rnotify controller`: setting up, the loop, stopping.
 *
 * Order of things: the metrics and health servers first (so probes answer
 * from the start), then the Kubernetes client, the loop, the delivery
 * queue and the informers (ConfigMap and Secret in the config namespace,
 * or everywhere in self-service mode; Rollouts, AnalysisRuns and the
 * Events of Rollouts in the watched namespace or everywhere), then leader
 * election.  Once every informer has listed and a configuration is in,
 * /readyz turns ready; once this replica also leads (or runs without
 * election) it acts: it replays the recent Events it has not recorded
 * (catch-up), evaluates every Rollout's conditions, and from then on
 * handles each change as it comes.
 *
 * SIGTERM or SIGINT: take no new work, let the queue drain and the state
 * patches land within the grace period, release the Lease, exit 0.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"
#include "../core/json.h"
#include "../core/log.h"

#include <curl/curl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef RN_VERSION
#define RN_VERSION "0.1.0"
#endif
#ifndef RN_GIT_COMMIT
#define RN_GIT_COMMIT "unknown"
#endif

#define SWEEP_MS 10000
#define DRAIN_GRACE_MS 30000

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

void ctl_opts_default(struct ctl_opts *o)
{
    memset(o, 0, sizeof *o);
    const char *pod_ns = getenv("POD_NAMESPACE");
    o->config_namespace = pod_ns && *pod_ns ? pod_ns : "argo-rollouts";
    o->config_map = "argo-rollouts-notification-configmap";
    o->secret = "argo-rollouts-notification-secret";
    o->metrics_addr = ":8090";
    o->health_addr = ":8080";
    o->lease_name = "rnotify-controller";
    o->lease_duration_ms = 15000;
    o->renew_deadline_ms = 10000;
    o->retry_period_ms = 2000;
    o->catch_up_window_ms = 3600000;
    o->delivery_deadline_ms = 600000;
    o->resync_ms = 900000;
}

bool ctl_may_act(struct ctl *c)
{
    if (c->stopping && !c->acting)
        return false;
    return !c->o.leader_elect || ctl_leader_is(c->leader);
}

/* ---- metrics ---- */

/* The controller's metric families: upstream's three (names, labels and
 * buckets as Argo Rollouts exports them), then rnotify's own
 * (docs/metrics.md).  One row per family. */
#define FAM(field) offsetof(struct ctl_fams, field)
static const char *const L_EV[] = {"namespace", "name", "type", "reason"};
static const char *const L_NN[] = {"namespace", "name"};
static const char *const L_DEL[] = {"service", "trigger", "result"};
static const char *const L_TE[] = {"name", "triggered"};
static const char *const L_RES[] = {"resource"};
static const char *const L_NS[] = {"namespace"};
static const char *const L_RS[] = {"result"};
static const char *const L_BI[] = {"version", "commit"};
static const char *const L_REASON[] = {"reason"};
static const double SEND_BUCKETS[] = {0.01, 0.15, 0.25, 0.5, 1};

static const struct fam_row {
    size_t field;
    const char *name, *help;
    enum ctl_mtype type;
    const char *const *labels;
    size_t nlabels;
} fam_rows[] = {
    {FAM(send_success), "notification_send_success",
     "Notification send success.", CTL_COUNTER, L_EV, 4},
    {FAM(send_error), "notification_send_error", "Error sending notification",
     CTL_COUNTER, L_EV, 4},
    {FAM(send_hist), "notification_send", "Notification send performance.",
     CTL_HISTOGRAM, L_NN, 2},
    {FAM(deliveries), "rnotify_deliveries_total",
     "Deliveries finished, by service, trigger and result.", CTL_COUNTER, L_DEL,
     3},
    {FAM(trigger_eval), "rnotify_trigger_eval_total",
     "Trigger condition evaluations.", CTL_COUNTER, L_TE, 2},
    {FAM(watch_restarts), "rnotify_watch_restarts_total",
     "Watches that ended in an error and were restarted.", CTL_COUNTER, L_RES,
     1},
    {FAM(config_errors), "rnotify_config_errors",
     "Problems in the notification configuration.", CTL_GAUGE, L_NS, 1},
    {FAM(config_reloads), "rnotify_config_reloads_total",
     "Configuration builds, by result.", CTL_COUNTER, L_RS, 1},
    {FAM(leader), "rnotify_leader",
     "1 while this replica leads (or runs without election).", CTL_GAUGE, NULL,
     0},
    {FAM(build_info), "rnotify_build_info", "Version of the running rnotify.",
     CTL_GAUGE, L_BI, 2},
    {FAM(events_seen), "rnotify_events_total",
     "Events of Rollouts seen, by reason.", CTL_COUNTER, L_REASON, 1},
    {FAM(state_patches), "rnotify_state_patches_total",
     "Patches recording deliveries on Rollouts, by result.", CTL_COUNTER, L_RS,
     1},
    {FAM(transitions), "rnotify_transition_notifications_total",
     "Lifecycle moments notified from status because no Event came.",
     CTL_COUNTER, L_REASON, 1},
};

static int declare(struct ctl *c)
{
    for (size_t i = 0; i < sizeof fam_rows / sizeof *fam_rows; i++) {
        const struct fam_row *r = &fam_rows[i];
        bool hist = r->type == CTL_HISTOGRAM;
        int id = ctl_metric_family(c->m, r->name, r->help, r->type, r->labels,
                                   r->nlabels, hist ? SEND_BUCKETS : NULL,
                                   hist ? 5 : 0);
        if (id < 0)
            return RN_ENOMEM;
        *(int *)((char *)&c->f + r->field) = id;
    }
    const char *bv[] = {RN_VERSION, RN_GIT_COMMIT};
    ctl_metric_set(c->m, c->f.build_info, bv, 1);
    ctl_metric_set(c->m, c->f.leader, NULL, 0);
    return RN_OK;
}

/* ---- becoming active ---- */

static void evaluate_one(void *ud, struct doc *d)
{
    ctl_conditions(ud, d);
}

/* Synced and leading: start acting (catch-up, then every Rollout). */
static void maybe_act(struct ctl *c)
{
    bool now = c->synced && !c->stopping &&
               (!c->o.leader_elect || ctl_leader_is(c->leader));
    if (now == c->acting)
        return;
    c->acting = now;
    ctl_metric_set(c->m, c->f.leader, NULL, now ? 1 : 0);
    if (!now)
        return;
    log_kv(LOG_INFO, "acting: catching up, then evaluating every rollout",
           NULL);
    ctl_catch_up(c);
    kube_informer_each(c->ro, evaluate_one, c);
}

void ctl_on_leading(struct ctl *c, bool leading)
{
    if (!leading && c->acting) {
        /* no fencing on the server: stop at once and let a restart
         * rebuild everything (what client-go controllers do) */
        log_kv(LOG_ERROR, "leadership lost: stopping", NULL);
        c->acting = false;
        c->stopping = true;
        stop_signal = SIGTERM;
        return;
    }
    maybe_act(c);
}

static void check_synced(struct ctl *c)
{
    struct kube_informer *all[] = {c->ro, c->ar, c->ev, c->cm, c->sec};
    if (c->synced)
        return;
    for (size_t i = 0; i < 5; i++)
        if (!kube_informer_synced(all[i]))
            return;
    ctl_configs_update(c, c->config_ns);
    c->synced = true;
    atomic_store(&c->health.ready, 1);
    log_kv(LOG_INFO, "caches synced", NULL);
    maybe_act(c);
}

/* ---- informer handlers ---- */

static void synced(void *ud)
{
    check_synced(ud);
}

static void ro_add(void *ud, struct doc *obj)
{
    struct ctl *c = ud;
    if (c->orphans)
        ctl_orphans_for(c, ctl_meta(obj->root, "namespace"),
                        ctl_meta(obj->root, "name"));
    ctl_conditions(c, obj);
}

static void ro_update(void *ud, struct doc *old, struct doc *obj)
{
    struct ctl *c = ud;
    struct ctl_ro *r = ctl_ro_get(c, ctl_meta(obj->root, "namespace"),
                                  ctl_meta(obj->root, "name"), false);
    if (r && r->ops)
        ctl_state_seen(c, r, obj->root);
    if (old != obj) {
        ctl_ro_version(c, old, obj);
        if (c->orphans)
            ctl_orphans_for(c, ctl_meta(obj->root, "namespace"),
                            ctl_meta(obj->root, "name"));
        ctl_moments_rollout(c, old, obj);
    }
    ctl_conditions(c, obj);
}

static void ro_del(void *ud, struct doc *obj)
{
    struct ctl *c = ud;
    const char *ns = ctl_meta(obj->root, "namespace");
    const char *name = ctl_meta(obj->root, "name");
    static const char *const labels[] = {"namespace", "name"};
    const char *values[] = {ns, name};
    ctl_ro_forget(c, ns, name);
    ctl_metric_forget_match(c->m, c->f.send_success, labels, values, 2);
    ctl_metric_forget_match(c->m, c->f.send_error, labels, values, 2);
    ctl_metric_forget_match(c->m, c->f.send_hist, labels, values, 2);
}

static void ar_add(void *ud, struct doc *obj)
{
    ctl_moments_run(ud, NULL, obj);
}

static void ar_update(void *ud, struct doc *old, struct doc *obj)
{
    ctl_moments_run(ud, old, obj);
}

static void ev_add(void *ud, struct doc *obj)
{
    ctl_event_seen(ud, NULL, obj);
}

static void ev_update(void *ud, struct doc *old, struct doc *obj)
{
    ctl_event_seen(ud, old, obj);
}

static void conf_changed(struct ctl *c, struct doc *obj)
{
    if (c->synced)
        ctl_configs_update(c, ctl_meta(obj->root, "namespace"));
}

static void cf_add(void *ud, struct doc *obj)
{
    conf_changed(ud, obj);
}

static void cf_update(void *ud, struct doc *old, struct doc *obj)
{
    if (old != obj)
        conf_changed(ud, obj);
}

static void cf_del(void *ud, struct doc *obj)
{
    conf_changed(ud, obj);
}

static void nop_del(void *ud, struct doc *obj)
{
    (void)ud;
    (void)obj;
}

/* ---- setting up ---- */

static int start_informer(struct ctl *c, const struct kube_resource *res,
                          const char *ns, const char *fields,
                          const struct kube_handlers *h,
                          struct kube_informer **out)
{
    struct rn_err e;
    rn_err_clear(&e);
    struct kube_informer_opts io = {.res = res,
                                    .namespace = ns,
                                    .field_selector = fields,
                                    .resync_ms = c->o.resync_ms,
                                    .nums = JSON_NUM_INT64,
                                    .h = *h,
                                    .ud = c};
    int rc = kube_informer_start(c->kc, c->loop, &io, out, &e);
    if (rc != RN_OK)
        log_kv(LOG_ERROR, "cannot watch", "resource", res->plural, "error",
               e.msg, NULL);
    return rc;
}

static int start_informers(struct ctl *c)
{
    const struct kube_handlers hro = {ro_add, ro_update, ro_del, synced};
    const struct kube_handlers har = {ar_add, ar_update, nop_del, synced};
    const struct kube_handlers hev = {ev_add, ev_update, nop_del, synced};
    const struct kube_handlers hcf = {cf_add, cf_update, cf_del, synced};
    const char *cns = c->o.self_service ? NULL : c->config_ns;
    char *fcm = arena_printf(&c->scratch, "metadata.name=%s", c->o.config_map);
    char *fsec = arena_printf(&c->scratch, "metadata.name=%s", c->o.secret);
    int rc = fcm && fsec ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK)
        rc = start_informer(c, &kube_res_configmaps, cns, fcm, &hcf, &c->cm);
    if (rc == RN_OK)
        rc = start_informer(c, &kube_res_secrets, cns, fsec, &hcf, &c->sec);
    if (rc == RN_OK)
        rc = start_informer(c, &kube_res_rollouts, c->o.namespace, NULL, &hro,
                            &c->ro);
    if (rc == RN_OK)
        rc = start_informer(c, &kube_res_analysisruns, c->o.namespace, NULL,
                            &har, &c->ar);
    if (rc == RN_OK)
        rc = start_informer(c, &kube_res_events, c->o.namespace,
                            "involvedObject.kind=Rollout", &hev, &c->ev);
    arena_reset(&c->scratch);
    return rc;
}

static int start_servers(struct ctl *c)
{
    struct rn_err e;
    rn_err_clear(&e);
    bool same = c->o.metrics_addr && c->o.health_addr &&
                strcmp(c->o.metrics_addr, c->o.health_addr) == 0;
    int rc = RN_OK;
    if (c->o.metrics_addr && *c->o.metrics_addr)
        rc = ctl_httpd_start(c->o.metrics_addr, c->m, same ? &c->health : NULL,
                             &c->hm, &e);
    if (rc == RN_OK && !same && c->o.health_addr && *c->o.health_addr)
        rc = ctl_httpd_start(c->o.health_addr, NULL, &c->health, &c->hh, &e);
    if (rc != RN_OK)
        log_kv(LOG_ERROR, "cannot serve", "error", e.msg, NULL);
    return rc;
}

static int connect_cluster(struct ctl *c)
{
    struct kube_config_opts ko = {0};
    struct kube_config *kc = NULL;
    struct rn_err e;
    rn_err_clear(&e);
    ko.kubeconfig = c->o.kubeconfig;
    ko.context = c->o.context;
    int rc = kube_config_load(&ko, &kc, &e);
    if (rc == RN_OK)
        rc = kube_client_new(kc, &c->kc, &e);
    if (rc != RN_OK) {
        log_kv(LOG_ERROR, "cannot configure the Kubernetes client", "error",
               e.msg, NULL);
        return rc;
    }
    log_kv(LOG_INFO, "kubernetes", "config", kube_config_source(kc), "server",
           kube_config_server(kc), NULL);
    return RN_OK;
}

/* Informer health into metrics; the record sweep. */
static void sweep(void *ud)
{
    struct ctl *c = ud;
    struct kube_informer *all[] = {c->ro, c->ar, c->ev, c->cm, c->sec};
    static const char *const names[] = {"rollouts", "analysisruns", "events",
                                        "configmaps", "secrets"};
    for (size_t i = 0; i < 5; i++) {
        struct kube_informer_stats st;
        if (!all[i])
            continue;
        kube_informer_stats(all[i], &st);
        const char *lv[] = {names[i]};
        ctl_metric_add(c->m, c->f.watch_restarts, lv,
                       (double)(st.restarts - c->restarts_seen[i]));
        c->restarts_seen[i] = st.restarts;
    }
    ctl_ro_sweep(c);
    c->sweep = kube_timer_add(c->loop, SWEEP_MS, sweep, c);
}

/* Every watched resource has its series from the start. */
static void zero_series(struct ctl *c)
{
    static const char *const names[] = {"rollouts", "analysisruns", "events",
                                        "configmaps", "secrets"};
    for (size_t i = 0; i < 5; i++) {
        const char *lv[] = {names[i]};
        ctl_metric_add(c->m, c->f.watch_restarts, lv, 0);
    }
    const char *ns[] = {c->config_ns};
    ctl_metric_set(c->m, c->f.config_errors, ns, 0);
}

static int setup(struct ctl *c)
{
    int rc = ctl_metrics_new(&c->m);
    if (rc == RN_OK)
        rc = declare(c);
    if (rc == RN_OK)
        rc = ctl_event_triggers_init(c);
    if (rc == RN_OK)
        rc = start_servers(c);
    atomic_store(&c->health.live, 1);
    if (rc == RN_OK)
        rc = connect_cluster(c);
    if (rc == RN_OK)
        rc = kube_loop_new(&c->loop);
    if (rc == RN_OK && !c->o.dry_run)
        rc = kube_recorder_new(c->kc, c->loop, CTL_COMPONENT, &c->rec);
    struct ctl_dq_opts qo = {8, 1000, 300000, {0}, c->m};
    svc_opts_default(&qo.http);
    if (rc == RN_OK)
        rc = ctl_dq_new(c->loop, &qo, ctl_delivered, c, &c->dq);
    if (rc == RN_OK)
        rc = ctl_status_start(c);
    if (rc == RN_OK)
        rc = start_informers(c);
    if (rc == RN_OK && c->o.leader_elect)
        rc = ctl_leader_start(c, &c->leader);
    if (rc == RN_OK)
        c->sweep = kube_timer_add(c->loop, SWEEP_MS, sweep, c);
    if (rc == RN_OK)
        zero_series(c);
    return rc;
}

/* ---- stopping ---- */

static void release_done(void *ud)
{
    *(bool *)ud = true;
}

static void drain(struct ctl *c)
{
    int64_t grace = c->o.delivery_deadline_ms < DRAIN_GRACE_MS
                        ? c->o.delivery_deadline_ms
                        : DRAIN_GRACE_MS;
    int64_t end = kube_loop_now(c->loop) + grace;
    c->stopping = true;
    atomic_store(&c->health.ready, 0);
    log_kv(LOG_INFO, "stopping: draining the delivery queue", NULL);
    while (c->acting && kube_loop_now(c->loop) < end &&
           (ctl_dq_depth(c->dq) || ctl_state_pending(c)))
        kube_loop_run_once(c->loop, 100);
    bool done = false;
    if (c->leader) {
        ctl_leader_release(c->leader, release_done, &done);
        end = kube_loop_now(c->loop) + 5000;
        while (!done && kube_loop_now(c->loop) < end)
            kube_loop_run_once(c->loop, 100);
    }
}

static void teardown(struct ctl *c)
{
    struct kube_informer *all[] = {c->ro, c->ar, c->ev, c->cm, c->sec};
    if (c->loop)
        kube_timer_cancel(c->loop, c->sweep);
    ctl_dq_free(c->dq);
    for (size_t i = 0; i < 5; i++)
        kube_informer_free(all[i]);
    ctl_leader_free(c->leader);
    kube_recorder_free(c->rec);
    if (c->loop) {
        ctl_orphans_free(c);
        ctl_ros_free(c);
    }
    size_t i = 0;
    void *v;
    ctl_configs_close(c);
    while (map_next(&c->cm_errs, &i, NULL, NULL, &v))
        rn_free(v);
    map_free(&c->cm_errs);
    map_free(&c->ev_triggers);
    ctl_httpd_stop(c->hm);
    ctl_httpd_stop(c->hh);
    ctl_status_free(c);
    kube_loop_free(c->loop);
    kube_client_free(c->kc);
    ctl_metrics_free(c->m);
    arena_free(&c->scratch);
}

static void summary(struct ctl *c)
{
    char sent[32], retried[32], failed[32];
    snprintf(sent, sizeof sent, "%llu", (unsigned long long)c->sent);
    snprintf(retried, sizeof retried, "%llu", (unsigned long long)c->retried);
    snprintf(failed, sizeof failed, "%llu", (unsigned long long)c->failed);
    log_kv(LOG_INFO, "stopped", "sent", sent, "retried", retried, "failed",
           failed, NULL);
}

static void default_identity(struct ctl_opts *o, char *buf, size_t cap)
{
    char host[128] = "rnotify";
    const char *pod = getenv("POD_NAME");
    if (pod && *pod)
        snprintf(host, sizeof host, "%s", pod);
    else
        gethostname(host, sizeof host - 1);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    srand((unsigned)(ts.tv_nsec ^ getpid()));
    snprintf(buf, cap, "%s_%08x%08x", host, (unsigned)rand(), (unsigned)rand());
    o->identity = buf;
}

/* The informer cache is many blocks of a few KB, made while large
 * transient blocks (list pages being parsed, reply buffers) come and go.
 * glibc raises its mmap threshold each time such a block is freed, so the
 * next ones would come from the heap, between cached documents, and leave
 * holes there that the heap never gives back (6 MB of RSS for 10,000
 * Rollouts, docs/MEMORY.md).  A fixed threshold keeps them mmapped, and
 * returned whole when freed. */
static void malloc_policy(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

int ctl_run(const struct ctl_opts *o)
{
    struct ctl c;
    char ident[256];
    memset(&c, 0, sizeof c);
    c.o = *o;
    if (!c.o.identity || !*c.o.identity)
        default_identity(&c.o, ident, sizeof ident);
    c.config_ns = c.o.config_namespace;
    if (!c.o.lease_namespace || !*c.o.lease_namespace)
        c.o.lease_namespace = c.config_ns;
    arena_init(&c.scratch, 0);
    map_init(&c.confs);
    map_init(&c.ros);
    map_init(&c.cm_errs);
    map_init(&c.ev_triggers);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    svc_global_init();
    malloc_policy();
    int rc = setup(&c);
    while (rc == RN_OK && !stop_signal)
        kube_loop_run_once(c.loop, 200);
    bool lost = c.stopping && !c.acting;
    if (rc == RN_OK)
        drain(&c);
    summary(&c);
    teardown(&c);
    return rc != RN_OK ? 1 : lost ? 1 : 0;
}
