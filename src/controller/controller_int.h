/*
 * controller_int.h: shared by the files of the controller only.
 *
 *  - metrics.c: a small Prometheus registry (counters, gauges,
 *    histograms with labels) rendered in the text exposition format;
 *  - httpd.c: libmicrohttpd on its own thread serving /metrics, /healthz
 *    and /readyz;
 *  - delivery.c: the delivery queue: one FIFO per destination, a
 *    concurrency limit per service, retries with backoff, jitter and
 *    Retry-After until a deadline, blocking services (email, NATS) on a
 *    worker thread;
 *  - the controller proper (controller.c and its helpers) on top.
 */
#ifndef RN_CONTROLLER_INT_H
#define RN_CONTROLLER_INT_H

#include "controller.h"

#include "../core/arena.h"
#include "../core/err.h"
#include "../core/map.h"
#include "../core/val.h"
#include "../engine/engine.h"
#include "../kube/kube.h"
#include "../services/service.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct kube_loop;

/* ------------------------------------------------------------------ */
/* metrics.c                                                           */
/* ------------------------------------------------------------------ */

enum ctl_mtype { CTL_COUNTER, CTL_GAUGE, CTL_HISTOGRAM };

struct ctl_metrics;

int ctl_metrics_new(struct ctl_metrics **out);
void ctl_metrics_free(struct ctl_metrics *m);

/*
 * Declare a family; returns its id (>= 0) or a negative status.  labels
 * are the label names (nlabels of them, at most 8); buckets (histograms
 * only, ascending, without +Inf) are copied.  Declaring the same family
 * again (same type, labels and buckets) returns the same id; a different
 * declaration under a taken name, a bad name, a repeated label or "le" on
 * a histogram is -RN_EINVAL.
 */
int ctl_metric_family(struct ctl_metrics *m, const char *name, const char *help,
                      enum ctl_mtype type, const char *const *labels,
                      size_t nlabels, const double *buckets, size_t nbuckets);

/* Counter add / gauge set / gauge add / histogram observe on the series
 * with these label values (created on first use).  Safe from any thread;
 * failures (OOM) lose the sample, never crash. */
void ctl_metric_add(struct ctl_metrics *m, int family,
                    const char *const *values, double v);
void ctl_metric_set(struct ctl_metrics *m, int family,
                    const char *const *values, double v);
void ctl_metric_observe(struct ctl_metrics *m, int family,
                        const char *const *values, double v);
/* Drop every series of a family (every family when family < 0) whose
 * labels `labels[i]` equal `values[i]` for each of the n pairs: a partial
 * match, as client_golang's DeletePartialMatch.  A deleted Rollout:
 * {"namespace", "name"} = {ns, name}.  Families lacking one of the labels
 * keep their series. */
void ctl_metric_forget_match(struct ctl_metrics *m, int family,
                             const char *const *labels,
                             const char *const *values, size_t n);
/* The same with one label. */
void ctl_metric_forget(struct ctl_metrics *m, int family, const char *label,
                       const char *value);

/* The whole registry in the Prometheus text format 0.0.4: HELP, TYPE,
 * series sorted by labels, label values escaped, histograms as _bucket
 * (cumulative, le="+Inf" last), _sum, _count. */
int ctl_metrics_render(struct ctl_metrics *m, struct buf *out);

/* ------------------------------------------------------------------ */
/* httpd.c                                                             */
/* ------------------------------------------------------------------ */

struct ctl_httpd;
struct ctl_status;

/* What the health endpoints read; set from the loop thread.  The reasons
 * are one line each, shown with a 503 (NULL: "not live" / "not ready");
 * they must be string literals or outlive the server. */
struct ctl_health {
    _Atomic int live;  /* /healthz: 200 while the loop turns */
    _Atomic int ready; /* /readyz: 200 once caches synced and config in */
    _Atomic(const char *) live_why, ready_why;
};

/*
 * Serve on addr ("host:port", ":port", "[::1]:port"); port 0 picks one,
 * and ctl_httpd_port() tells which.  ":port" listens on every address,
 * IPv6 and IPv4.  /metrics is served from m (NULL: not served), /healthz
 * and /readyz from h (NULL: not served); other paths are 404, methods
 * other than GET and HEAD 405.  Errors name the address as Go's net
 * package does ("listen tcp :8090: bind: address already in use").
 */
int ctl_httpd_start(const char *addr, struct ctl_metrics *m,
                    struct ctl_health *h, struct ctl_httpd **out,
                    struct rn_err *e);
int ctl_httpd_port(const struct ctl_httpd *s);
/* Also serve the status page (/, /status.js, /status.css, /api/...) from
 * st (borrowed; it must outlive the server).  Any thread. */
void ctl_httpd_set_status(struct ctl_httpd *s, struct ctl_status *st);
void ctl_httpd_stop(struct ctl_httpd *s);

/* ------------------------------------------------------------------ */
/* delivery.c                                                          */
/* ------------------------------------------------------------------ */

/*
 * One notification for one destination.  The controller fills it and
 * pushes it; the queue owns it from then on and hands it back once, to
 * done(), which frees it (ctl_item_free).  `a` holds the rendered root,
 * the strings of dest and anything the controller keeps in it.
 */
struct ctl_item {
    struct arena a;
    const struct svc_instance *svc; /* valid while `hold` is held */
    struct val root;                /* eng_notif_root of the message */
    struct eng_dest dest;           /* service NAME and recipient */
    int64_t enqueued_ms;            /* kube_loop_now at push (0: set) */
    int64_t deadline_ms;            /* give up after (loop clock); 0:
                                       enqueued_ms + 1 h */
    /* filled by the queue */
    int attempts;          /* whole-delivery attempts so far */
    int64_t next_retry_ms; /* loop clock of the next try, 0 if none */
    char last_error[512];  /* scrubbed */
    /* the controller's */
    void *hold;                  /* released by release(hold) */
    void (*release)(void *hold); /* may be NULL */
    void *ud;                    /* the controller's record */
    struct ctl_item *next;       /* queue link (the queue's) */
};

struct ctl_item *ctl_item_new(void);
void ctl_item_free(struct ctl_item *it);

struct ctl_dq;

struct ctl_dq_opts {
    int per_service;        /* transfers in flight per service (8) */
    int64_t backoff_min_ms; /* first retry wait (1000) */
    int64_t backoff_max_ms; /* cap (300000) */
    struct svc_opts http;   /* timeouts, CA bundle */
    struct ctl_metrics *m;  /* may be NULL */
};

/* ok: delivered; otherwise r says why.  r->msg is the last attempt's
 * message followed by how the item ended ("; giving up after 3 attempts
 * (last status 503 Service Unavailable): the delivery deadline passed",
 * "...: permanent failure, not retried", "...: the server asked to wait
 * 2h0m0s (Retry-After), past the delivery deadline 59m58s away");
 * r->retryable keeps the class of the last failure (true: transient, the
 * queue ran out of time); r->attempts counts HTTP requests over all
 * attempts, it->attempts the whole-delivery attempts.  The callee frees it
 * with ctl_item_free.  done() may push. */
typedef void ctl_dq_done_fn(void *ud, struct ctl_item *it, bool ok,
                            const struct svc_result *r);

/* Options are copied (m and http.ca_file are borrowed); 0 fields take
 * the defaults above.  With o->m, declares the rnotify_delivery_* families
 * (docs/metrics.md).  Blocking services (svc_type.send: email, NATS) send
 * on a pool of two worker threads, started on first use. */
int ctl_dq_new(struct kube_loop *l, const struct ctl_dq_opts *o,
               ctl_dq_done_fn *done, void *ud, struct ctl_dq **out);
/* Aborts what is in flight and frees every item still queued, without
 * calling done() (a graceful stop drains the queue first).  Waits for a
 * blocking send in progress on a worker (bounded by its own timeouts).
 * On the loop thread, before the loop is freed. */
void ctl_dq_free(struct ctl_dq *q);

/* Queue it behind earlier items of the same destination (service name +
 * recipient): items of one destination are delivered in push order, one
 * at a time.  Takes ownership, also on failure (RN_EINVAL: no svc or
 * service name; RN_ENOMEM), freeing it without done().  Sending starts on
 * the next loop turn: done() never runs inside ctl_dq_push. */
int ctl_dq_push(struct ctl_dq *q, struct ctl_item *it);

/* Items queued or in flight, and the age (ms) of the oldest, 0 if none. */
size_t ctl_dq_depth(const struct ctl_dq *q);
int64_t ctl_dq_oldest_age_ms(const struct ctl_dq *q);
/* Visit each item (status page); the queue must not change meanwhile. */
void ctl_dq_each(const struct ctl_dq *q,
                 void (*fn)(void *ud, const struct ctl_item *it), void *ud);

/* ------------------------------------------------------------------ */
/* The controller proper                                               */
/* ------------------------------------------------------------------ */

struct kube_client;
struct kube_informer;
struct kube_recorder;
struct doc;
struct cfg;

/* Annotations rnotify writes on a Rollout: the condition path's state,
 * in upstream's key format (shared with Argo Rollouts' own notifications),
 * and the event path's record of delivered occurrences. */
#define CTL_NOTIFIED ENG_NOTIFIED_ANNOTATION
#define CTL_NOTIFIED_EVENTS "notified-events.rnotify.io"
#define CTL_COMPONENT "rnotify"

/* One namespace's configuration as the controller uses it (configs.c):
 * the compiled snapshot, the service instances, and the data it was built
 * from (kept so that a broken key of a later ConfigMap can fall back to
 * its last good value).  Refcounted: a queued delivery holds its conf. */
struct ctl_conf {
    int refs;       /* loop thread only */
    const char *ns; /* in a */
    struct cfg *cfg;
    struct svc_instance **svcs; /* parallel to cfg_service_at(); NULL for
                                   a service that failed */
    size_t nsvcs;
    struct arena a;
    struct cfg_data cm, sec; /* effective data (after fallbacks) */
    bool self_service;       /* a namespace's own config in self-service mode */
    uint64_t generation;
};

void ctl_conf_unref(struct ctl_conf *c);
struct ctl_conf *ctl_conf_ref(struct ctl_conf *c);
/* The instance of service `name`, or NULL. */
const struct svc_instance *ctl_conf_svc(const struct ctl_conf *c,
                                        const char *name);

/* Metric family ids (controller.c declares them). */
struct ctl_fams {
    int send_success, send_error, send_hist; /* upstream's three */
    int deliveries, trigger_eval, watch_restarts, config_errors, config_reloads,
        leader, build_info, events_seen, state_patches, transitions;
};

/* A write to one of the state annotations (notified.c): set key to val,
 * or delete it.  Pending until a patch carried it, then written until the
 * cache shows it. */
struct ctl_op {
    struct ctl_op *next;
    uint8_t which; /* enum ctl_ann */
    bool del, written;
    int64_t val;        /* unix seconds */
    int64_t written_ms; /* loop clock */
    uint64_t seq;       /* order of creation in its record */
    char key[];
};

/* A lifecycle moment seen as an Event or as a status transition
 * (moments.c). */
struct ctl_mo {
    char reason[48];
    uint64_t id;  /* the Event's uid hash (Events only) */
    int64_t t_ms; /* wall clock of the Event / of the observation */
    uint8_t kind; /* 0 Event, 1 transition */
    bool matched, sent, due;
    int64_t due_ms;   /* transition: loop clock when its grace ends */
    struct doc *snap; /* transition: the version to render */
};

#define CTL_OLD_VERSIONS 4
/* An Event and a status transition of the same reason this close in time
 * are one lifecycle moment; a transition waits this long for its Event. */
#define CTL_MOMENT_WINDOW_MS 10000
#define CTL_MOMENT_GRACE_MS 5000
#define CTL_MAX_MOMENTS 64

/* Per Rollout memory (rollouts.c), created on demand and dropped when it
 * holds nothing: recent versions for Event snapshots, state writes not yet
 * seen in the cache, deliveries in flight, the lifecycle moments that
 * de-duplicate Events with status transitions. */
struct ctl_ro {
    struct ctl *ctl;
    char *ns, *name;
    struct doc *old[CTL_OLD_VERSIONS]; /* superseded versions, newest first */
    int64_t old_until[CTL_OLD_VERSIONS];
    /* the resourceVersion an entry stands for when it is not old[i]'s own
     * (a version that differed from its successor only in rnotify's state
     * annotations is kept as that successor); "" otherwise */
    char old_rv[CTL_OLD_VERSIONS][24];
    size_t nold;
    struct ctl_op *ops;
    uint64_t op_seq;
    bool patching;
    struct kube_timer *flush;
    int64_t retry_ms; /* backoff of failed state patches */
    struct map claims;
    struct ctl_mo *mo;
    size_t nmo, capmo; /* capmo grows to CTL_MAX_MOMENTS as needed */
    struct kube_timer *mo_timer;
    int64_t touched_ms;
};

struct ctl_orphan;
struct mask;

struct ctl {
    struct ctl_opts o;
    struct kube_loop *loop;
    struct kube_client *kc;
    struct kube_informer *ro, *ar, *ev, *cm, *sec;
    struct kube_recorder *rec;
    struct ctl_dq *dq;
    struct ctl_metrics *m;
    struct ctl_fams f;
    struct ctl_httpd *hm, *hh;
    struct ctl_health health;
    struct ctl_leader *leader;
    struct map confs;       /* namespace -> struct ctl_conf * */
    struct map ros;         /* "ns/name" -> struct ctl_ro * */
    struct map cm_errs;     /* namespace -> last reported error text (char *) */
    struct map ev_triggers; /* trigger names Event reasons map to */
    struct mask *mask;      /* every loaded Secret value (configs.c): the
                               log's scrubber, and what Events and metric
                               labels are masked with (loop thread) */
    struct arena scratch;   /* per decision, reset after each */
    const char *config_ns;
    bool synced;   /* every informer listed once and a config is in */
    bool acting;   /* synced and leading: decisions send */
    bool stopping; /* SIGTERM: take no new work */
    uint64_t sent, retried, failed, decided;
    struct kube_timer *sweep;
    struct ctl_orphan *orphans; /* Events waiting for their Rollout */
    struct kube_timer *orphan_timer;
    struct ctl_status *status;  /* --status-addr, else NULL */
    uint64_t restarts_seen[5];  /* informers' watch restarts counted */
};

/* Sends and records only while this is true (leader with a fresh renew,
 * or no election). */
bool ctl_may_act(struct ctl *c);

/* ---- configs.c ---- */
/* Rebuild the namespace's config from the cached ConfigMap and Secret. */
void ctl_configs_update(struct ctl *c, const char *ns);
/* The configs that apply to an object of namespace ns, in order: its own
 * (self-service) then the controller's.  At most 2; returns the count. */
size_t ctl_configs_for(struct ctl *c, const char *ns, struct ctl_conf **out);
/* Drop every config and the mask, and take the scrubber off the log. */
void ctl_configs_close(struct ctl *c);
/* Mask a message (or label value) in place with every loaded Secret
 * value in every encoding, and URL passwords (core/mask.h). */
void ctl_mask_text(struct ctl *c, char *text, size_t cap);

/* ---- rollouts.c ---- */
struct ctl_ro *ctl_ro_get(struct ctl *c, const char *ns, const char *name,
                          bool create);
/* A new version of a Rollout was cached (old may be NULL). */
void ctl_ro_version(struct ctl *c, struct doc *old, struct doc *obj);
/* The version an Event names (resourceVersion rv), else the nearest older
 * one kept, else the current one; borrowed, NULL when unknown. */
struct doc *ctl_ro_version_at(struct ctl *c, const char *ns, const char *name,
                              const char *rv);
/* Whether rv is newer than the cached Rollout: the Rollout's watch has
 * not delivered the version an Event names yet. */
bool ctl_ro_version_ahead(struct ctl *c, const char *ns, const char *name,
                          const char *rv);
void ctl_ro_forget(struct ctl *c, const char *ns, const char *name);
/* Claims: keys of deliveries queued or in flight. */
bool ctl_ro_claimed(struct ctl_ro *r, const char *key);
/* *epoch: the episode of the condition the delivery belongs to. */
int ctl_ro_claim(struct ctl_ro *r, const char *key, uint32_t *epoch);
/* The condition of key turned false: its episode ended. */
void ctl_ro_clear(struct ctl_ro *r, const char *key);
/* A delivery ended; true when its episode is still the current one (so
 * its success may be recorded). */
bool ctl_ro_unclaim(struct ctl *c, struct ctl_ro *r, const char *key,
                    uint32_t epoch);
/* Drop records that hold nothing any more (timer). */
void ctl_ro_sweep(struct ctl *c);
void ctl_ros_free(struct ctl *c);

/* ---- notified.c: the two state annotations ---- */
enum ctl_ann { CTL_ANN_COND, CTL_ANN_EVENTS };
/* The effective state of annotation `which` (cache + writes not yet
 * seen), as an engine state in a. */
int ctl_state_cond(struct ctl *c, struct ctl_ro *r, struct val obj,
                   struct arena *a, struct eng_state **out);
/* Whether event-path key `key` (or any key starting with prefix when
 * prefix is true) is recorded. */
bool ctl_state_has(struct ctl *c, struct ctl_ro *r, struct val obj,
                   enum ctl_ann which, const char *key, bool prefix);
/* Record (set) or forget (unset) a key, written soon by a merge patch. */
void ctl_state_set(struct ctl *c, struct ctl_ro *r, enum ctl_ann which,
                   const char *key, int64_t unix_s);
void ctl_state_unset(struct ctl *c, struct ctl_ro *r, enum ctl_ann which,
                     const char *key);
/* The cached object changed: forget writes it now shows. */
void ctl_state_seen(struct ctl *c, struct ctl_ro *r, struct val obj);
/* Writes pending anywhere (graceful stop waits for none). */
size_t ctl_state_pending(struct ctl *c);

/* ---- send.c: render and enqueue, and what a finished delivery does ---- */
enum ctl_path { CTL_PATH_EVENT, CTL_PATH_COND, CTL_PATH_TRANSITION };
struct ctl_occ;

struct ctl_send {
    enum ctl_path path;
    struct ctl_conf *conf;
    const char *trigger;
    const struct eng_cond_result *r;
    const struct eng_dest *d;
    struct val vars;       /* evaluation vars (without serviceType) */
    const char *state_key; /* recorded on success */
    enum ctl_ann ann;
    const char *ns, *name;           /* the Rollout */
    const char *ev_type, *ev_reason; /* upstream's metric labels */
    int64_t t0_ms;                   /* when the occurrence was seen */
    const struct ctl_occ *occ;       /* the event path's, or NULL */
};

/* The controller's record of a queued delivery (in the item's arena,
 * it->ud). */
struct ctl_rec {
    struct ctl *c;
    enum ctl_path path;
    enum ctl_ann ann;
    const char *state_key, *ns, *name, *trigger, *ev_type, *ev_reason;
    int64_t t0_ms;
    uint32_t epoch; /* of its claim (ctl_ro_claim) */
};

/* Render s->r's templates for s->d and queue the delivery (or, with
 * --dry-run, log what would be sent).  Returns RN_OK when queued. */
int ctl_send(struct ctl *c, struct ctl_ro *r, const struct ctl_send *s);
/* The delivery queue's done() (ud is the struct ctl). */
void ctl_delivered(void *ud, struct ctl_item *it, bool ok,
                   const struct svc_result *res);

/* ---- obj.c: reading objects, evaluation variables ---- */
const struct val *ctl_get(struct val obj, const char *a, const char *b);
/* String at obj.a[.b], "" when absent. */
const char *ctl_str(struct val obj, const char *a, const char *b);
int64_t ctl_int(struct val obj, const char *a, const char *b);
const char *ctl_meta(struct val obj, const char *field);
/* An RFC 3339 time as unix ms; 0 when absent or malformed. */
int64_t ctl_time_ms(const char *s);
int64_t ctl_event_time_ms(struct val ev);
/* The variables of a trigger run for rollout under conf: analysisRuns
 * from the cache; floats: every number float64 (event path). */
int ctl_vars(struct ctl *c, const struct ctl_conf *conf, struct val rollout,
             bool floats, struct arena *a, struct val *out);

/* ---- events.c: the event path ---- */

/* One occurrence of a lifecycle reason on a Rollout: an Event (path
 * EVENT) or a status transition standing in for a missing one. */
struct ctl_occ {
    enum ctl_path path;
    struct val ev; /* the Event (null for a transition) */
    int64_t count;
    const char *uid, *ns, *name, *reason, *type, *trigger;
    char prefix[128]; /* state key prefix: "<uid>:<count>:" or
                         "t:<reason>:<ms>:" */
    int64_t t0_ms;    /* loop clock when seen */
    int queued;       /* deliveries it queued (for the decision log) */
};

void ctl_event_seen(struct ctl *c, struct doc *old, struct doc *ev);
void ctl_catch_up(struct ctl *c);
void ctl_orphans_free(struct ctl *c);
/* The Rollout ns/name reached the cache: handle its waiting Events. */
void ctl_orphans_for(struct ctl *c, const char *ns, const char *name);
/* Run the occurrence's trigger under every config of its namespace and
 * queue what sends, rendering snap. */
void ctl_occurrence_send(struct ctl *c, struct ctl_ro *r, struct ctl_occ *o,
                         struct doc *snap);

/* ---- conditions.c: the condition path ---- */
void ctl_conditions(struct ctl *c, struct doc *obj);
/* Fill c->ev_triggers from the known Event reasons. */
int ctl_event_triggers_init(struct ctl *c);

/* ---- moments.c: Events that never came ---- */
void ctl_moments_rollout(struct ctl *c, struct doc *old, struct doc *obj);
void ctl_moments_run(struct ctl *c, struct doc *old, struct doc *run);
/* An occurrence of an Event of `reason` at wall time t_ms (occ, its
 * "<uid>:<count>:" key, makes repeats harmless): pairs it with a
 * transition of the same reason close in time.  True when that transition
 * was already notified (the occurrence must not be sent again). */
bool ctl_moments_event(struct ctl *c, struct ctl_ro *r, const char *occ,
                       const char *reason, int64_t t_ms);
void ctl_moments_trim(struct ctl *c, struct ctl_ro *r, int64_t now_ms);
void ctl_moments_free(struct ctl *c, struct ctl_ro *r);
/* Whether the event map records a transition of reason near t_ms. */
bool ctl_state_near(struct ctl *c, struct ctl_ro *r, struct val obj,
                    const char *reason, int64_t t_ms);

/* ---- leader.c ---- */
struct ctl_leader;
int ctl_leader_start(struct ctl *c, struct ctl_leader **out);
bool ctl_leader_is(const struct ctl_leader *l);
/* The holder the Lease last showed ("" when free or not read yet). */
const char *ctl_leader_holder(const struct ctl_leader *l);
/* Release the Lease (graceful stop); done(ud) runs when finished. */
void ctl_leader_release(struct ctl_leader *l, kube_cb *done, void *ud);
void ctl_leader_free(struct ctl_leader *l);
/* Leadership changed (leader.c calls it). */
void ctl_on_leading(struct ctl *c, bool leading);

/* ---- status.c: what the status page shows ---- */

/* Why a trigger did or did not send (one decision). */
enum ctl_why {
    CTL_WHY_QUEUED,         /* queued for delivery */
    CTL_WHY_DRY_RUN,        /* --dry-run: logged, not sent */
    CTL_WHY_FALSE,          /* the condition was false (or failed) */
    CTL_WHY_NO_DEST,        /* no destination subscribes to the trigger */
    CTL_WHY_NOT_CONFIGURED, /* the trigger is not configured or broken */
    CTL_WHY_ALREADY,        /* already notified: its state key is there */
    CTL_WHY_IN_FLIGHT,      /* already queued, not yet delivered */
    CTL_WHY_COVERED,        /* its status transition was notified */
    CTL_WHY_ERROR,          /* not sent: render error, unknown service */
};

/* What a decision was about: one destination (d) or the trigger's (td),
 * either may be NULL.  Borrowed; status.c copies what it keeps. */
struct ctl_about {
    enum ctl_path path;
    const char *ns, *name, *trigger;
    const struct ctl_occ *occ; /* the Event, on the event path */
    const struct eng_dest *d;
    const struct eng_trigger_dests *td;
    const char *cond; /* the condition's key ("[i].<hash>"), or NULL */
};

/* With --status-addr: start recording, the snapshot timer and the page's
 * server (or attach the page to the metrics or health server when the
 * address is the same).  A no-op without.  After the loop exists. */
int ctl_status_start(struct ctl *c);
/* After the HTTP servers stopped, before the loop is freed. */
void ctl_status_free(struct ctl *c);
/* Build and publish a snapshot now (the timer does it otherwise; tests). */
void ctl_status_refresh(struct ctl *c);
/* The latest snapshot of `part` ("status", "decisions", "deliveries",
 * "queue", "config", "leader") as JSON, appended to out.  Any thread.
 * RN_ENOTFOUND for an unknown part. */
int ctl_status_json(struct ctl_status *st, const char *part, struct buf *out);

/* Hooks on the loop thread; each is a no-op without --status-addr. */
void ctl_status_decision(struct ctl *c, const struct ctl_about *ab,
                         enum ctl_why why, const char *detail);
void ctl_status_send(struct ctl *c, const struct ctl_send *s, enum ctl_why why,
                     const char *detail);
void ctl_status_occ(struct ctl *c, const struct ctl_occ *o,
                    const struct eng_trigger_dests *td, enum ctl_why why,
                    const char *detail);
/* A delivery ended (it->ud is its struct ctl_rec). */
void ctl_status_delivered(struct ctl *c, const struct ctl_item *it, bool ok,
                          const struct svc_result *res);
/* A namespace's configuration was compiled: its per-key errors and
 * warnings with their positions (before any last good value was put
 * back). */
void ctl_status_config(struct ctl *c, const char *ns, const struct cfg *cfg);
/* ... and reported: every problem, one "key: message" per line, and the
 * keys (", "-separated) that kept their last good value. */
void ctl_status_config_done(struct ctl *c, const char *ns, const char *problems,
                            const char *kept);

#endif
