/*
 * delivery.c: the delivery queue (controller_int.h, "delivery.c"): what
 * keeps a notification until its service has taken it.
 *
 * Items wait in one FIFO per destination (service name + recipient); only
 * the head of a FIFO is ever being sent, so a destination receives its
 * notifications in the order they were pushed, retries included.  Heads
 * that may start wait in their service's ready list, and a service runs
 * at most opts.per_service of them at once: a slow or rate-limited
 * service fills its own slots and nobody else's.  The ready list is FIFO
 * and a destination that finished an item goes to its back, so the
 * destinations of one service take turns (round robin) and none starves.
 *
 * One attempt drives the services' state machine (svc_delivery, send.c)
 * on the loop: each request is an easy handle on the loop's multi handle,
 * and the machine's own waits (webhook's retry loop, Slack's 429 rule)
 * are loop timers.  An attempt that ends FAILED with a retryable result
 * is repeated whole, with a fresh svc_delivery, after an exponential
 * backoff with full jitter, or after Retry-After when that is longer,
 * until the item's deadline.  Every wait is clamped to the deadline, and
 * a server asking to wait past it ends the item at once.  Services that
 * send blocking (email, NATS: svc_type.send) run on a small worker pool
 * and post their outcome back to the loop.
 *
 * States of a destination: READY (in its service's ready list), ACTIVE
 * (holds a slot: a transfer, a machine wait or a worker send), BACKOFF
 * (between attempts, no slot, a timer armed).  Everything but the worker
 * threads' job lists belongs to the loop thread.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/gotime.h"
#include "../core/log.h"
#include "../core/map.h"
#include "../kube/kube.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DQ_WORKERS 2         /* threads for blocking services */
#define LAST_TRY_MIN_MS 1000 /* a request started near the deadline */
#define GAUGE_PERIOD_MS 1000 /* oldest-pending refresh while not empty */
#define DEFAULT_PER_SERVICE 8
#define DEFAULT_BACKOFF_MIN 1000
#define DEFAULT_BACKOFF_MAX 300000
#define DEFAULT_DEADLINE 3600000 /* an item pushed without one */

enum dstate { D_READY, D_ACTIVE, D_BACKOFF };

struct group { /* one service name */
    char *name;
    int inflight;
    struct dest *ready, *ready_tail;
    struct group *next;
};

struct bjob; /* a blocking send on a worker */

struct dest {
    struct ctl_dq *q;
    struct group *g;
    char *key; /* service NUL recipient */
    size_t klen;
    struct ctl_item *head, *tail;
    enum dstate st;
    struct dest *rnext; /* ready list */
    /* the head's current attempt */
    struct svc_delivery *d;
    CURL *easy;
    struct svc_xfer *x; /* while a transfer runs */
    struct bjob *job;   /* while a worker sends */
    struct kube_timer *timer;
    int64_t last_ra;  /* Retry-After of the last reply, -1 */
    long last_status; /* of the head, over all its attempts */
    char last_reason[64];
    int requests; /* HTTP requests for the head so far */
};

struct bjob {
    struct dest *dst;
    const struct svc_instance *svc;
    struct val root;
    struct eng_dest dest;
    int64_t deadline_unix_ms; /* the item's deadline on the services' clock */
    struct svc_delivery *d;   /* the worker's result */
    int rc;
    struct bjob *next;
};

struct workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th[DQ_WORKERS];
    int nth;
    atomic_bool stop;
    struct bjob *todo, *done;
    bool drain_posted;
};

/* Families of opts.m, -1 when there is none. */
enum {
    F_DEPTH,
    F_OLDEST,
    F_INFLIGHT,
    F_ATTEMPTS,
    F_RETRIES,
    F_FAILED,
    F_SECONDS,
    F_COUNT
};

struct ctl_dq {
    struct kube_loop *l;
    struct ctl_dq_opts o;
    ctl_dq_done_fn *done;
    void *ud;
    struct map dests;     /* key -> struct dest */
    struct group *groups; /* a handful: a list */
    size_t depth;
    uint64_t rng;
    struct kube_timer *kick, *gauge;
    struct workers w;
    int f[F_COUNT];
    struct ctl_dq *live_next;
};

static void kick(struct ctl_dq *q);
static void step(struct dest *d);
static void update_gauges(struct ctl_dq *q);

/* ---- items ---- */

struct ctl_item *ctl_item_new(void)
{
    struct ctl_item *it = rn_calloc(1, sizeof *it);
    if (it)
        arena_init(&it->a, 0);
    return it;
}

/* Releases the controller's hold, then the item's memory. */
void ctl_item_free(struct ctl_item *it)
{
    if (!it)
        return;
    if (it->release)
        it->release(it->hold);
    arena_free(&it->a);
    rn_free(it);
}

/* ---- queues still alive (for callbacks posted by the workers) ---- */

/* A worker's post names the queue; the queue may be freed before the
 * loop runs it, and the loop cannot take a post back, so the callback
 * first checks that the queue is still one of these. */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ctl_dq *live;

static void live_add(struct ctl_dq *q)
{
    pthread_mutex_lock(&live_mu);
    q->live_next = live;
    live = q;
    pthread_mutex_unlock(&live_mu);
}

static void live_remove(struct ctl_dq *q)
{
    pthread_mutex_lock(&live_mu);
    for (struct ctl_dq **p = &live; *p; p = &(*p)->live_next)
        if (*p == q) {
            *p = q->live_next;
            break;
        }
    pthread_mutex_unlock(&live_mu);
}

static bool is_live(const struct ctl_dq *q)
{
    pthread_mutex_lock(&live_mu);
    const struct ctl_dq *p = live;
    while (p && p != q)
        p = p->live_next;
    pthread_mutex_unlock(&live_mu);
    return p != NULL;
}

/* ---- small helpers ---- */

static int64_t now_ms(const struct ctl_dq *q)
{
    return kube_loop_now(q->l);
}

/* xorshift64*: the jitter needs spread, not secrecy. */
static double rand01(struct ctl_dq *q)
{
    q->rng ^= q->rng >> 12;
    q->rng ^= q->rng << 25;
    q->rng ^= q->rng >> 27;
    return (double)((q->rng * 0x2545F4914F6CDD1DULL) >> 11) /
           9007199254740992.0;
}

/* Full jitter: uniform in [0, min(max, min * 2^(attempts-1))]. */
static int64_t backoff_ms(struct ctl_dq *q, int attempts)
{
    int64_t cap = q->o.backoff_min_ms;
    for (int i = 1; i < attempts && cap < q->o.backoff_max_ms; i++)
        cap *= 2;
    if (cap > q->o.backoff_max_ms)
        cap = q->o.backoff_max_ms;
    return (int64_t)(rand01(q) * (double)(cap + 1));
}

/* A wait for messages: Go's duration text, or seconds when it is too long
 * to count in nanoseconds. */
static const char *wait_text(int64_t ms, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, 64);
    if (ms < INT64_MAX / 1000000 &&
        gotime_duration_string(&b, ms * 1000000) == RN_OK)
        snprintf(out, cap, "%s", buf_str(&b));
    else
        snprintf(out, cap, "%llds", (long long)(ms / 1000));
    buf_free(&b);
    return out;
}

/* Reason phrases for replies that carry none (HTTP/2). */
static const char *status_text(long status)
{
    static const struct {
        long code;
        const char *text;
    } t[] = {
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {410, "Gone"},
        {413, "Payload Too Large"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (t[i].code == status)
            return t[i].text;
    return "";
}

static const char *svc_label(const struct dest *d)
{
    return d->g->name;
}

static void count(struct ctl_dq *q, int fam, const char *a, const char *b)
{
    const char *v[2] = {a, b};
    if (q->o.m && q->f[fam] >= 0)
        ctl_metric_add(q->o.m, q->f[fam], v, 1);
}

static void set_inflight(struct ctl_dq *q, struct group *g)
{
    const char *v[1] = {g->name};
    if (q->o.m)
        ctl_metric_set(q->o.m, q->f[F_INFLIGHT], v, g->inflight);
}

/* ---- destinations and services ---- */

static struct group *group_get(struct ctl_dq *q, const char *name)
{
    for (struct group *g = q->groups; g; g = g->next)
        if (strcmp(g->name, name) == 0)
            return g;
    struct group *g = rn_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->name = rn_strndup(name, strlen(name));
    if (!g->name) {
        rn_free(g);
        return NULL;
    }
    g->next = q->groups;
    q->groups = g;
    return g;
}

static struct dest *dest_get(struct ctl_dq *q, const struct ctl_item *it)
{
    const char *svc = it->dest.service;
    const char *rcpt = it->dest.recipient ? it->dest.recipient : "";
    size_t sn = strlen(svc), rn = strlen(rcpt), kl = sn + 1 + rn;
    char *key = rn_malloc(kl + 1);
    if (!key)
        return NULL;
    memcpy(key, svc, sn + 1);
    memcpy(key + sn + 1, rcpt, rn + 1);
    struct dest *d = map_get(&q->dests, key, kl);
    if (d) {
        rn_free(key);
        return d;
    }
    d = rn_calloc(1, sizeof *d);
    struct group *g = d ? group_get(q, svc) : NULL;
    if (!g || map_put(&q->dests, key, kl, d, NULL) != RN_OK) {
        rn_free(d);
        rn_free(key);
        return NULL;
    }
    d->q = q;
    d->g = g;
    d->key = key;
    d->klen = kl;
    d->last_ra = -1;
    return d;
}

/* Ends what the destination's attempt holds (never its items). */
static void dest_stop(struct dest *d)
{
    if (d->x) {
        kube_loop_remove_xfer(d->q->l, d->easy);
        svc_http_release(d->x);
        d->x = NULL;
    }
    if (d->timer)
        kube_timer_cancel(d->q->l, d->timer);
    d->timer = NULL;
    svc_delivery_free(d->d);
    d->d = NULL;
}

static void dest_free(struct dest *d)
{
    dest_stop(d);
    if (d->easy)
        curl_easy_cleanup(d->easy);
    rn_free(d->key);
    rn_free(d);
}

static void ready_push(struct dest *d)
{
    struct group *g = d->g;
    d->st = D_READY;
    d->rnext = NULL;
    if (g->ready_tail)
        g->ready_tail->rnext = d;
    else
        g->ready = d;
    g->ready_tail = d;
}

static struct dest *ready_pop(struct group *g)
{
    struct dest *d = g->ready;
    g->ready = d->rnext;
    if (!g->ready)
        g->ready_tail = NULL;
    d->rnext = NULL;
    return d;
}

static void release_slot(struct dest *d)
{
    if (d->st != D_ACTIVE)
        return;
    d->g->inflight--;
    d->st = D_BACKOFF; /* the caller sets the real next state */
    set_inflight(d->q, d->g);
}

/* ---- the end of an item ---- */

/* Hand the head back: the next item becomes ready, the done callback
 * runs last (it may push). */
static void finish(struct dest *d, bool ok, struct svc_result r,
                   const char *why)
{
    struct ctl_dq *q = d->q;
    struct ctl_item *it = d->head;
    release_slot(d);
    dest_stop(d);
    d->head = it->next;
    if (!d->head)
        d->tail = NULL;
    it->next = NULL;
    it->next_retry_ms = 0;
    q->depth--;
    const char *v[1] = {svc_label(d)};
    if (q->o.m)
        ctl_metric_observe(q->o.m, q->f[F_SECONDS], v,
                           (double)(now_ms(q) - it->enqueued_ms) / 1000);
    if (!ok)
        count(q, F_FAILED, svc_label(d), why);
    if (d->head) {
        d->last_status = 0;
        d->last_reason[0] = '\0';
        d->requests = 0;
        d->last_ra = -1;
        ready_push(d);
    } else {
        map_del(&q->dests, d->key, d->klen);
        dest_free(d);
    }
    update_gauges(q);
    kick(q);
    q->done(q->ud, it, ok, &r);
}

/* r->msg gains how the item ended: "...; giving up after 3 attempts (last
 * status 503 Service Unavailable): the delivery deadline passed". */
static void give_up(struct dest *d, const struct svc_result *last,
                    const char *metric_why, const char *why)
{
    struct svc_result r = *last;
    const struct ctl_item *it = d->head;
    char tail[320], status[96] = "";
    if (d->last_status)
        snprintf(status, sizeof status, " (last status %ld %s)", d->last_status,
                 d->last_reason[0] ? d->last_reason
                                   : status_text(d->last_status));
    snprintf(tail, sizeof tail, "; giving up after %d attempt%s%s: %s",
             it->attempts, it->attempts == 1 ? "" : "s", status, why);
    int room = (int)(sizeof r.msg - 1 - strlen(tail));
    snprintf(r.msg, sizeof r.msg, "%.*s%s", room > 0 ? room : 0, last->msg,
             tail);
    r.attempts = d->requests;
    if (!r.code)
        r.code = RN_EHTTP;
    finish(d, false, r, metric_why);
}

/* A failure of ours (memory, threads) as a result in the services'
 * words, so messages look alike. */
static struct svc_result local_result(const struct dest *d, int code,
                                      const char *msg, bool retryable)
{
    struct svc_result r = {0};
    struct rn_err e = {0};
    rn_errf(&e, code, "%s", msg);
    r.retryable = retryable;
    r.retry_after_ms = -1;
    svc_result_fail(d->head->svc, d->head->dest.recipient, &e, &r);
    return r;
}

/* The machine wants to wait longer than the deadline allows, inside an
 * attempt: end the item with the last reply as its result. */
static void give_up_inside(struct dest *d, int64_t wait, int64_t left)
{
    char msg[160], w1[48], w2[48];
    if (d->last_status)
        snprintf(msg, sizeof msg, "request failed with status %ld",
                 d->last_status);
    else
        snprintf(msg, sizeof msg, "request failed");
    struct svc_result r = local_result(d, RN_EHTTP, msg, true);
    r.status = d->last_status;
    r.retry_after_ms = d->last_ra;
    if (left <= 0) {
        give_up(d, &r, "deadline", "the delivery deadline passed");
        return;
    }
    snprintf(msg, sizeof msg,
             "the server asked to wait %s (Retry-After), past the delivery "
             "deadline %s away",
             wait_text(wait, w1, sizeof w1), wait_text(left, w2, sizeof w2));
    give_up(d, &r, "retry_after", msg);
}

/* ---- between attempts ---- */

static void backoff_fire(void *ud)
{
    struct dest *d = ud;
    d->timer = NULL;
    d->head->next_retry_ms = 0;
    ready_push(d);
    kick(d->q);
}

static void log_retry(const struct dest *d, const struct svc_result *r,
                      int64_t wait)
{
    char n[16], w[48];
    snprintf(n, sizeof n, "%d", d->head->attempts);
    log_kv(LOG_WARN, "delivery failed, will retry", "service", svc_label(d),
           "recipient", d->head->dest.recipient, "attempt", n, "retry_in",
           wait_text(wait, w, sizeof w), "error", r->msg, NULL);
}

/* An attempt failed: retry after the backoff (or Retry-After, if longer)
 * within the deadline, or give up. */
static void attempt_failed(struct dest *d, const struct svc_result *r)
{
    struct ctl_dq *q = d->q;
    struct ctl_item *it = d->head;
    char msg[160], w1[48], w2[48];
    snprintf(it->last_error, sizeof it->last_error, "%s", r->msg);
    count(q, F_ATTEMPTS, svc_label(d), "error");
    int64_t left = it->deadline_ms - now_ms(q), ra = r->retry_after_ms;
    if (!r->retryable) {
        give_up(d, r, "permanent", "permanent failure, not retried");
        return;
    }
    if (left <= 0) {
        give_up(d, r, "deadline", "the delivery deadline passed");
        return;
    }
    if (ra > left) {
        snprintf(msg, sizeof msg,
                 "the server asked to wait %s (Retry-After), past the "
                 "delivery deadline %s away",
                 wait_text(ra, w1, sizeof w1), wait_text(left, w2, sizeof w2));
        give_up(d, r, "retry_after", msg);
        return;
    }
    int64_t wait = backoff_ms(q, it->attempts);
    if (ra > wait)
        wait = ra;
    if (wait > left)
        wait = left;
    struct kube_timer *t = kube_timer_add(q->l, wait, backoff_fire, d);
    if (!t) {
        give_up(d, r, "error", "out of memory");
        return;
    }
    release_slot(d);
    dest_stop(d);
    d->timer = t;
    d->st = D_BACKOFF;
    it->next_retry_ms = now_ms(q) + wait;
    count(q, F_RETRIES, svc_label(d), NULL);
    log_retry(d, r, wait);
    kick(q);
}

static void attempt_ok(struct dest *d)
{
    struct svc_result r = *svc_delivery_result(d->d);
    r.attempts = d->requests;
    count(d->q, F_ATTEMPTS, svc_label(d), "success");
    finish(d, true, r, NULL);
}

/* ---- one attempt on the loop ---- */

static void xfer_done(void *ud, int code)
{
    struct dest *d = ud;
    struct http_reply rep = {0};
    struct rn_err e = {0};
    bool retryable = false;
    int rc = svc_http_done(d->x, code, &rep, &retryable, &e);
    svc_http_release(d->x);
    d->x = NULL;
    d->last_ra = -1;
    if (rc == RN_OK) {
        d->last_status = rep.status;
        snprintf(d->last_reason, sizeof d->last_reason, "%s", rep.reason);
        if (rep.status == 429 || rep.status == 503)
            d->last_ra = svc_retry_after_ms(&rep, (int64_t)time(NULL));
    }
    svc_delivery_feed(d->d, rc, &rep, retryable, &e);
    step(d);
}

/* The request's own timeout, but no longer than the deadline allows
 * (with a floor, so that a last try can still be answered). */
static long xfer_timeout(const struct dest *d, const struct http_req *req)
{
    long t = req->timeout_ms           ? req->timeout_ms
             : d->q->o.http.timeout_ms ? d->q->o.http.timeout_ms
                                       : 60000L;
    int64_t left = d->head->deadline_ms - now_ms(d->q);
    if (left < LAST_TRY_MIN_MS)
        left = LAST_TRY_MIN_MS;
    return left < t ? (long)left : t;
}

/* Start the machine's current request; false when it could not start
 * (the failure was fed to the machine: step again). */
static bool perform(struct dest *d)
{
    const struct http_req *req = svc_delivery_request(d->d, NULL);
    struct rn_err e = {0};
    if (d->easy)
        curl_easy_reset(d->easy);
    else
        d->easy = curl_easy_init();
    int rc = d->easy ? svc_http_setup(d->easy, req, &d->q->o.http,
                                      svc_delivery_arena(d->d), &d->x, &e)
                     : rn_errf(&e, RN_ENOMEM, "out of memory");
    bool transient = rc == RN_ENOMEM;
    if (rc == RN_OK) {
        curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS, xfer_timeout(d, req));
        rc = kube_loop_add_xfer(d->q->l, d->easy, xfer_done, d);
        if (rc != RN_OK) {
            svc_http_release(d->x);
            d->x = NULL;
            transient = true;
            rn_errf(&e, rc, "cannot start the transfer: %s", rn_strstatus(rc));
        }
    }
    if (rc == RN_OK) {
        d->requests++;
        return true;
    }
    /* a header with a line break (RN_EINVAL) will not get better */
    svc_delivery_feed(d->d, rc, NULL, transient, &e);
    return false;
}

static void inner_fire(void *ud)
{
    struct dest *d = ud;
    d->timer = NULL;
    if (!perform(d))
        step(d);
}

/* The machine asks to wait before its next request: a loop timer,
 * clamped to the deadline. */
static void inner_wait(struct dest *d, int64_t wait)
{
    int64_t left = d->head->deadline_ms - now_ms(d->q);
    bool asked = d->last_ra >= 0 && wait >= d->last_ra;
    if (left <= 0 || (asked && wait > left)) {
        give_up_inside(d, wait, left);
        return;
    }
    d->timer =
        kube_timer_add(d->q->l, wait < left ? wait : left, inner_fire, d);
    if (!d->timer) {
        struct svc_result r =
            local_result(d, RN_ENOMEM, "out of memory", false);
        give_up(d, &r, "error", "out of memory");
    }
}

/* Drive the machine until it waits, transfers or ends. */
static void step(struct dest *d)
{
    for (;;) {
        enum svc_dstate st = svc_delivery_state(d->d);
        if (st == SVC_D_DONE) {
            attempt_ok(d);
            return;
        }
        if (st == SVC_D_FAILED) {
            struct svc_result r = *svc_delivery_result(d->d);
            attempt_failed(d, &r);
            return;
        }
        int64_t wait = 0;
        svc_delivery_request(d->d, &wait);
        if (wait > 0) {
            inner_wait(d, wait);
            return;
        }
        if (perform(d))
            return;
    }
}

/* ---- blocking services on the workers ---- */

static void drain(void *ud);

/* Tell the loop that sends finished.  A post that cannot be queued (no
 * memory) is tried again shortly: the job must not be forgotten. */
static void post_drain(struct ctl_dq *q)
{
    while (kube_loop_post(q->l, drain, q) != RN_OK &&
           !atomic_load(&q->w.stop)) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void *worker_main(void *ud)
{
    struct ctl_dq *q = ud;
    struct workers *w = &q->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!atomic_load(&w->stop) && !w->todo)
            pthread_cond_wait(&w->cv, &w->mu);
        if (atomic_load(&w->stop))
            break;
        struct bjob *j = w->todo;
        w->todo = j->next;
        pthread_mutex_unlock(&w->mu);
        /* the whole blocking send happens in svc_delivery_start */
        j->rc = svc_delivery_start_until(j->svc, j->root, &j->dest,
                                         j->deadline_unix_ms, &j->d);
        pthread_mutex_lock(&w->mu);
        j->next = w->done;
        w->done = j;
        bool post = !w->drain_posted;
        w->drain_posted = true;
        if (post) {
            pthread_mutex_unlock(&w->mu);
            post_drain(q);
            pthread_mutex_lock(&w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int start_workers(struct ctl_dq *q)
{
    struct workers *w = &q->w;
    while (w->nth < DQ_WORKERS) {
        if (pthread_create(&w->th[w->nth], NULL, worker_main, q) != 0)
            return w->nth ? RN_OK : RN_EIO;
        w->nth++;
    }
    return RN_OK;
}

/* On the loop: the outcomes of finished blocking sends. */
static void drain(void *ud)
{
    struct ctl_dq *q = ud;
    if (!is_live(q))
        return;
    pthread_mutex_lock(&q->w.mu);
    struct bjob *list = q->w.done;
    q->w.done = NULL;
    q->w.drain_posted = false;
    pthread_mutex_unlock(&q->w.mu);
    while (list) {
        struct bjob *j = list;
        list = j->next;
        struct dest *d = j->dst;
        d->job = NULL;
        d->d = j->d;
        int rc = j->rc;
        rn_free(j);
        if (rc == RN_OK) {
            d->requests++;
            step(d);
        } else {
            struct svc_result r =
                local_result(d, RN_ENOMEM, "out of memory", true);
            attempt_failed(d, &r);
        }
    }
}

/* The item's deadline (loop clock) on the services' clock (unix ms), so
 * that the services' own waits and transfer timeouts stop at it too. */
static int64_t unix_deadline(struct ctl_dq *q, const struct ctl_item *it)
{
    int64_t left = it->deadline_ms - kube_loop_now(q->l);
    return svc_now_ms() + (left > 0 ? left : 0);
}

static int submit(struct dest *d)
{
    struct ctl_dq *q = d->q;
    struct bjob *j = rn_calloc(1, sizeof *j);
    if (!j)
        return RN_ENOMEM;
    int rc = start_workers(q);
    if (rc != RN_OK) {
        rn_free(j);
        return rc;
    }
    j->dst = d;
    j->svc = d->head->svc;
    j->root = d->head->root;
    j->dest = d->head->dest;
    j->deadline_unix_ms = unix_deadline(q, d->head);
    pthread_mutex_lock(&q->w.mu);
    struct bjob **p = &q->w.todo;
    while (*p)
        p = &(*p)->next;
    *p = j;
    pthread_cond_signal(&q->w.cv);
    pthread_mutex_unlock(&q->w.mu);
    d->job = j;
    return RN_OK;
}

/* ---- starting attempts ---- */

static void start_attempt(struct dest *d)
{
    struct ctl_item *it = d->head;
    d->st = D_ACTIVE;
    d->g->inflight++;
    set_inflight(d->q, d->g);
    it->attempts++;
    it->next_retry_ms = 0;
    d->last_ra = -1;
    if (svc_instance_type(it->svc)->send) {
        int rc = submit(d);
        if (rc != RN_OK) {
            struct svc_result r = local_result(
                d, rc,
                rc == RN_ENOMEM ? "out of memory"
                                : "cannot start a thread for the send",
                true);
            attempt_failed(d, &r);
        }
        return;
    }
    if (svc_delivery_start_until(it->svc, it->root, &it->dest,
                                 unix_deadline(d->q, it), &d->d) != RN_OK) {
        struct svc_result r = local_result(d, RN_ENOMEM, "out of memory", true);
        attempt_failed(d, &r);
        return;
    }
    step(d);
}

/* Start what the per-service limits allow, each service's destinations
 * in turn. */
static void pump(struct ctl_dq *q)
{
    /* a group added meanwhile (done() may push) joins at the head and
     * waits for the next kick; groups are never removed before free */
    for (struct group *g = q->groups; g; g = g->next)
        while (g->ready && g->inflight < q->o.per_service)
            start_attempt(ready_pop(g));
}

static void kick_fire(void *ud)
{
    struct ctl_dq *q = ud;
    q->kick = NULL;
    pump(q);
}

/* Starting waits for the next loop turn, so that nothing, done() in
 * particular, runs inside ctl_dq_push. */
static void kick(struct ctl_dq *q)
{
    if (!q->kick)
        q->kick = kube_timer_add(q->l, 0, kick_fire, q);
}

/* ---- gauges ---- */

static int64_t oldest_enqueued(const struct ctl_dq *q)
{
    int64_t oldest = 0;
    size_t i = 0, kl;
    const char *k;
    void *v;
    while (map_next(&q->dests, &i, &k, &kl, &v)) {
        const struct dest *d = v;
        if (!oldest || d->head->enqueued_ms < oldest)
            oldest = d->head->enqueued_ms;
    }
    return oldest;
}

static void gauge_fire(void *ud);

/* Depth on every change; the age of the oldest item (a walk over the
 * destinations) once a second while the queue is not empty, and 0 when
 * it empties. */
static void update_gauges(struct ctl_dq *q)
{
    if (!q->o.m)
        return;
    ctl_metric_set(q->o.m, q->f[F_DEPTH], NULL, (double)q->depth);
    if (!q->depth)
        ctl_metric_set(q->o.m, q->f[F_OLDEST], NULL, 0);
    else if (!q->gauge)
        q->gauge = kube_timer_add(q->l, GAUGE_PERIOD_MS, gauge_fire, q);
}

static void gauge_fire(void *ud)
{
    struct ctl_dq *q = ud;
    q->gauge = NULL;
    ctl_metric_set(q->o.m, q->f[F_OLDEST], NULL,
                   (double)ctl_dq_oldest_age_ms(q) / 1000);
    update_gauges(q);
}

static const char *const lbl_svc[] = {"service"};
static const char *const lbl_svc_result[] = {"service", "result"};
static const char *const lbl_svc_reason[] = {"service", "reason"};
static const double delivery_buckets[] = {0.1, 0.5, 1,   5,   15,
                                          60,  300, 900, 3600};

static const struct {
    const char *name, *help;
    enum ctl_mtype type;
    const char *const *labels;
    size_t nlabels;
} dq_families[F_COUNT] = {
    [F_DEPTH] = {"rnotify_delivery_queue_depth",
                 "Notifications queued or being sent.", CTL_GAUGE, NULL, 0},
    [F_OLDEST] = {"rnotify_delivery_oldest_pending_seconds",
                  "Age of the oldest notification still queued.", CTL_GAUGE,
                  NULL, 0},
    [F_INFLIGHT] = {"rnotify_delivery_in_flight",
                    "Deliveries holding one of their service's slots.",
                    CTL_GAUGE, lbl_svc, 1},
    [F_ATTEMPTS] = {"rnotify_delivery_attempts_total",
                    "Whole-delivery attempts by outcome (success, error).",
                    CTL_COUNTER, lbl_svc_result, 2},
    [F_RETRIES] = {"rnotify_delivery_retries_total",
                   "Failed attempts scheduled to be tried again.", CTL_COUNTER,
                   lbl_svc, 1},
    [F_FAILED] = {"rnotify_delivery_failed_total",
                  "Notifications given up on, by reason (permanent, "
                  "deadline, retry_after, error).",
                  CTL_COUNTER, lbl_svc_reason, 2},
    [F_SECONDS] = {"rnotify_delivery_seconds",
                   "Time from queueing to delivery or giving up.",
                   CTL_HISTOGRAM, lbl_svc, 1},
};

static int declare(struct ctl_dq *q)
{
    for (int i = 0; i < F_COUNT; i++) {
        q->f[i] = -1;
        if (!q->o.m)
            continue;
        bool h = dq_families[i].type == CTL_HISTOGRAM;
        q->f[i] = ctl_metric_family(
            q->o.m, dq_families[i].name, dq_families[i].help,
            dq_families[i].type, dq_families[i].labels, dq_families[i].nlabels,
            h ? delivery_buckets : NULL,
            h ? sizeof delivery_buckets / sizeof *delivery_buckets : 0);
        if (q->f[i] < 0)
            return -q->f[i];
    }
    return RN_OK;
}

/* ---- the queue ---- */

static void defaults(struct ctl_dq_opts *o)
{
    if (o->per_service <= 0)
        o->per_service = DEFAULT_PER_SERVICE;
    if (o->backoff_min_ms <= 0)
        o->backoff_min_ms = DEFAULT_BACKOFF_MIN;
    if (o->backoff_max_ms < o->backoff_min_ms)
        o->backoff_max_ms = o->backoff_min_ms > DEFAULT_BACKOFF_MAX
                                ? o->backoff_min_ms
                                : DEFAULT_BACKOFF_MAX;
}

/* o is copied (its pointers, the metrics registry and the CA file name,
 * are borrowed and must outlive the queue).  Calls svc_global_init(): the
 * first queue is made before other threads use libcurl. */
int ctl_dq_new(struct kube_loop *l, const struct ctl_dq_opts *o,
               ctl_dq_done_fn *done, void *ud, struct ctl_dq **out)
{
    struct ctl_dq *q = rn_calloc(1, sizeof *q);
    if (!q)
        return RN_ENOMEM;
    q->l = l;
    q->o = *o;
    defaults(&q->o);
    q->done = done;
    q->ud = ud;
    map_init(&q->dests);
    q->rng = (uint64_t)kube_loop_now(l) ^ ((uint64_t)(uintptr_t)q << 16) ^
             ((uint64_t)getpid() << 40) ^ 0x9E3779B97F4A7C15ULL;
    pthread_mutex_init(&q->w.mu, NULL);
    pthread_cond_init(&q->w.cv, NULL);
    int rc = declare(q);
    if (rc != RN_OK) {
        ctl_dq_free(q);
        return rc;
    }
    svc_global_init();
    update_gauges(q);
    live_add(q);
    *out = q;
    return RN_OK;
}

static void stop_workers(struct ctl_dq *q)
{
    pthread_mutex_lock(&q->w.mu);
    atomic_store(&q->w.stop, true);
    pthread_cond_broadcast(&q->w.cv);
    pthread_mutex_unlock(&q->w.mu);
    for (int i = 0; i < q->w.nth; i++)
        pthread_join(q->w.th[i], NULL);
    q->w.nth = 0;
    for (struct bjob *j = q->w.todo, *n; j; j = n) {
        n = j->next;
        rn_free(j);
    }
    for (struct bjob *j = q->w.done, *n; j; j = n) {
        n = j->next;
        svc_delivery_free(j->d);
        rn_free(j);
    }
    q->w.todo = q->w.done = NULL;
}

/* Waits for a blocking send in progress (its own timeouts bound it),
 * aborts transfers, and frees every item without calling done(). */
void ctl_dq_free(struct ctl_dq *q)
{
    if (!q)
        return;
    live_remove(q);
    stop_workers(q);
    if (q->kick)
        kube_timer_cancel(q->l, q->kick);
    if (q->gauge)
        kube_timer_cancel(q->l, q->gauge);
    size_t i = 0, kl;
    const char *k;
    void *v;
    while (map_next(&q->dests, &i, &k, &kl, &v)) {
        struct dest *d = v;
        for (struct ctl_item *it = d->head, *n; it; it = n) {
            n = it->next;
            ctl_item_free(it);
        }
        dest_free(d);
    }
    map_free(&q->dests);
    for (struct group *g = q->groups, *n; g; g = n) {
        n = g->next;
        rn_free(g->name);
        rn_free(g);
    }
    pthread_mutex_destroy(&q->w.mu);
    pthread_cond_destroy(&q->w.cv);
    rn_free(q);
}

/* Takes it, also on failure: RN_EINVAL for an item without a service,
 * RN_ENOMEM; it is then freed without done(). */
int ctl_dq_push(struct ctl_dq *q, struct ctl_item *it)
{
    if (!it->svc || !it->dest.service) {
        ctl_item_free(it);
        return RN_EINVAL;
    }
    struct dest *d = dest_get(q, it);
    if (!d) {
        ctl_item_free(it);
        return RN_ENOMEM;
    }
    it->next = NULL;
    it->attempts = 0;
    it->next_retry_ms = 0;
    if (!it->enqueued_ms)
        it->enqueued_ms = now_ms(q);
    if (!it->deadline_ms)
        it->deadline_ms = it->enqueued_ms + DEFAULT_DEADLINE;
    if (d->tail) {
        d->tail->next = it;
    } else {
        d->head = it;
        ready_push(d);
    }
    d->tail = it;
    q->depth++;
    update_gauges(q);
    kick(q);
    return RN_OK;
}

size_t ctl_dq_depth(const struct ctl_dq *q)
{
    return q ? q->depth : 0;
}

int64_t ctl_dq_oldest_age_ms(const struct ctl_dq *q)
{
    if (!q || !q->depth)
        return 0;
    int64_t age = kube_loop_now(q->l) - oldest_enqueued(q);
    return age > 0 ? age : 0;
}

void ctl_dq_each(const struct ctl_dq *q,
                 void (*fn)(void *ud, const struct ctl_item *it), void *ud)
{
    size_t i = 0, kl;
    const char *k;
    void *v;
    while (map_next(&q->dests, &i, &k, &kl, &v))
        for (const struct ctl_item *it = ((struct dest *)v)->head; it;
             it = it->next)
            fn(ud, it);
}
