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
#include "../core/val.h"
#include "../engine/engine.h"
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
int ctl_metric_family(struct ctl_metrics *m, const char *name,
                      const char *help, enum ctl_mtype type,
                      const char *const *labels, size_t nlabels,
                      const double *buckets, size_t nbuckets);

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
    int per_service;           /* transfers in flight per service (8) */
    int64_t backoff_min_ms;    /* first retry wait (1000) */
    int64_t backoff_max_ms;    /* cap (300000) */
    struct svc_opts http;      /* timeouts, CA bundle */
    struct ctl_metrics *m;     /* may be NULL */
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

#endif
