/*
 * leader.c: leader election on a coordination.k8s.io/v1 Lease, so that of
 * several replicas only one sends.
 *
 * The algorithm is client-go's: a candidate reads the Lease every retry
 * period (with jitter) and takes it when it is free (no holder) or
 * expired; the holder renews it every retry period and gives up leading
 * when no renewal succeeded for the renew deadline.  Expiry is judged
 * only from local observation (when the Lease's spec last changed, on
 * this machine's monotonic clock), never from the remote renewTime, so
 * clock skew between nodes does not matter.  A graceful stop releases the
 * Lease (empty holder, duration 1 s) once the delivery queue drained, so
 * another replica takes over at its next retry instead of waiting for
 * expiry.  Before sending or patching, ctl_may_act() checks that the last
 * renewal is younger than the renew deadline: there is no fencing on the
 * server side.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/doc.h"
#include "../core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ctl_leader {
    struct ctl *c;
    char identity[256];
    bool leading, busy, releasing, stopped;
    int64_t renewed_ms;     /* loop clock of the last successful write */
    struct kube_lease seen; /* the spec last observed */
    int64_t seen_ms;        /* loop clock when it last changed */
    struct kube_timer *t;
    kube_cb *rel_done;
    void *rel_ud;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void tick(void *ud);

static void schedule(struct ctl_leader *l)
{
    struct ctl *c = l->c;
    int64_t p = c->o.retry_period_ms;
    if (!l->leading) /* candidates spread out: 2 s x (1 + rand x 1.2) */
        p += (int64_t)((double)p * 1.2 * ((double)rand() / RAND_MAX));
    l->t = kube_timer_add(c->loop, p, tick, l);
}

static void set_leading(struct ctl_leader *l, bool on)
{
    if (l->leading == on)
        return;
    l->leading = on;
    log_kv(on ? LOG_INFO : LOG_WARN, on ? "became leader" : "lost leadership",
           "lease", l->c->o.lease_name, "identity", l->identity, NULL);
    ctl_on_leading(l->c, on);
}

/* Leading ends when no renewal succeeded within the renew deadline. */
static void check_deadline(struct ctl_leader *l)
{
    struct ctl *c = l->c;
    if (l->leading &&
        kube_loop_now(c->loop) - l->renewed_ms > c->o.renew_deadline_ms)
        set_leading(l, false);
}

static bool same_spec(const struct kube_lease *a, const struct kube_lease *b)
{
    return strcmp(a->holder, b->holder) == 0 &&
           a->duration_s == b->duration_s && a->renew_us == b->renew_us &&
           a->acquire_us == b->acquire_us && a->transitions == b->transitions;
}

static void written(void *ud, struct kube_reply *r)
{
    struct ctl_leader *l = ud;
    struct ctl *c = l->c;
    l->busy = false;
    if (r->status >= 200 && r->status < 300) {
        struct kube_lease got;
        if (r->obj && kube_lease_parse(r->obj->root, &got) == RN_OK) {
            l->seen = got;
            l->seen_ms = kube_loop_now(c->loop);
        }
        l->renewed_ms = kube_loop_now(c->loop);
        set_leading(l, true);
    } else if (r->status != 409) {
        log_kv(LOG_WARN, "lease write failed", "lease", c->o.lease_name,
               "error", r->err.msg, NULL);
    }
    check_deadline(l);
}

/* Take or renew: write the Lease with us as holder. */
/* GET (spec NULL), POST (create) or PUT the Lease on the loop; cb gets
 * the reply.  RN_OK when the request is on its way. */
static int lease_request(struct ctl_leader *l, const char *verb,
                         const struct kube_lease *spec, kube_reply_cb *cb)
{
    struct ctl *c = l->c;
    struct kube_request rq = {
        .verb = verb,
        .res = &kube_res_leases,
        .namespace = c->o.lease_namespace,
        .name = strcmp(verb, "POST") == 0 ? NULL : c->o.lease_name};
    struct buf b;
    int rc = RN_OK;
    buf_init(&b, 1u << 16);
    if (spec)
        rc = kube_lease_body(&b, c->o.lease_namespace, c->o.lease_name, spec);
    rq.body = b.ptr;
    rq.body_len = b.len;
    if (rc == RN_OK)
        rc = kube_do_async(c->kc, c->loop, &rq, cb, l);
    buf_free(&b);
    return rc;
}

static void claim(struct ctl_leader *l, bool create)
{
    struct ctl *c = l->c;
    struct kube_lease n = l->seen;
    int64_t now = now_us();
    if (create || strcmp(n.holder, l->identity) != 0) {
        n.acquire_us = now;
        n.transitions = create ? 0 : n.transitions + 1;
    }
    snprintf(n.holder, sizeof n.holder, "%s", l->identity);
    n.duration_s = c->o.lease_duration_ms / 1000;
    n.renew_us = now;
    if (create)
        n.rv[0] = '\0';
    l->busy = lease_request(l, create ? "POST" : "PUT", &n, written) == RN_OK;
}

static void read_done(void *ud, struct kube_reply *r)
{
    struct ctl_leader *l = ud;
    struct ctl *c = l->c;
    struct kube_lease got;
    l->busy = false;
    if (r->status == 404) {
        memset(&l->seen, 0, sizeof l->seen);
        claim(l, true);
        return;
    }
    if (r->status != 200 || !r->obj ||
        kube_lease_parse(r->obj->root, &got) != RN_OK) {
        log_kv(LOG_WARN, "lease read failed", "lease", c->o.lease_name, "error",
               r->err.msg, NULL);
        check_deadline(l);
        return;
    }
    int64_t now = kube_loop_now(c->loop);
    if (!same_spec(&got, &l->seen) || !l->seen_ms)
        l->seen_ms = now;
    l->seen = got;
    bool mine = strcmp(got.holder, l->identity) == 0;
    bool valid = l->seen_ms + got.duration_s * 1000 > now;
    if (got.holder[0] && !mine && valid) {
        set_leading(l, false);
        return;
    }
    claim(l, false);
}

static void tick(void *ud)
{
    struct ctl_leader *l = ud;
    l->t = NULL;
    if (l->stopped)
        return;
    check_deadline(l);
    if (!l->busy)
        l->busy = lease_request(l, "GET", NULL, read_done) == RN_OK;
    schedule(l);
}

int ctl_leader_start(struct ctl *c, struct ctl_leader **out)
{
    struct ctl_leader *l = rn_calloc(1, sizeof *l);
    if (!l)
        return RN_ENOMEM;
    l->c = c;
    snprintf(l->identity, sizeof l->identity, "%s", c->o.identity);
    l->t = kube_timer_add(c->loop, 0, tick, l);
    *out = l;
    return l->t ? RN_OK : RN_ENOMEM;
}

bool ctl_leader_is(const struct ctl_leader *l)
{
    return l && l->leading &&
           kube_loop_now(l->c->loop) - l->renewed_ms <=
               l->c->o.renew_deadline_ms;
}

const char *ctl_leader_holder(const struct ctl_leader *l)
{
    return l ? l->seen.holder : "";
}

static void released(void *ud, struct kube_reply *r)
{
    struct ctl_leader *l = ud;
    if (r->status >= 200 && r->status < 300)
        log_kv(LOG_INFO, "lease released", "lease", l->c->o.lease_name, NULL);
    else
        log_kv(LOG_WARN, "lease release failed", "lease", l->c->o.lease_name,
               "error", r->err.msg, NULL);
    l->leading = false;
    if (l->rel_done)
        l->rel_done(l->rel_ud);
}

void ctl_leader_release(struct ctl_leader *l, kube_cb *done, void *ud)
{
    struct ctl *c = l->c;
    l->stopped = true;
    kube_timer_cancel(c->loop, l->t);
    l->t = NULL;
    l->rel_done = done;
    l->rel_ud = ud;
    if (!l->leading) {
        if (done)
            done(ud);
        return;
    }
    struct kube_lease n = l->seen;
    n.holder[0] = '\0';
    n.duration_s = 1;
    n.acquire_us = n.renew_us = now_us();
    if (lease_request(l, "PUT", &n, released) != RN_OK && done)
        done(ud);
}

void ctl_leader_free(struct ctl_leader *l)
{
    if (!l)
        return;
    kube_timer_cancel(l->c->loop, l->t);
    rn_free(l);
}
