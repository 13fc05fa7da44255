/*
 * test_delivery.c: the delivery queue of src/controller/delivery.c on a
 * real loop against tests/doubles/fake_http.py: per-destination order
 * under retries, a sink that fails for a while then takes everything
 * exactly once, Retry-After honoured (and one past the deadline giving up
 * at once, with the reason), permanent failures not retried, the deadline,
 * the per-service limit and round robin, a blocking service (a test-only
 * service type whose send waits for the test) that never blocks the loop,
 * and freeing a queue with work in flight.  Waits are small: backoffs of
 * milliseconds, deadlines under a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dq_fixture.h"

#include "core/buf.h"
#include "core/log.h"
#include "services/svc_int.h"

#include <pthread.h>
#include <stdatomic.h>

struct env {
    struct fake f;
    struct kube_loop *l;
    struct ctl_dq *q;
    struct ctl_metrics *m;
    struct recs rs;
};

static void env_start(struct env *v, const char *script, int per_service,
                      int64_t bmin, int64_t bmax)
{
    memset(v, 0, sizeof *v);
    fake_start(&v->f, script);
    assert_int_equal(kube_loop_new(&v->l), RN_OK);
    assert_int_equal(ctl_metrics_new(&v->m), RN_OK);
    struct ctl_dq_opts o = {0};
    o.per_service = per_service;
    o.backoff_min_ms = bmin;
    o.backoff_max_ms = bmax;
    svc_opts_default(&o.http);
    o.m = v->m;
    assert_int_equal(ctl_dq_new(v->l, &o, on_done, &v->rs, &v->q), RN_OK);
}

static void env_stop(struct env *v)
{
    ctl_dq_free(v->q);
    kube_loop_free(v->l);
    ctl_metrics_free(v->m);
    fake_stop(&v->f);
}

static int num(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

static int64_t in_ms(struct env *v, int64_t ms)
{
    return kube_loop_now(v->l) + ms;
}

static char *metrics_text(struct env *v)
{
    struct buf b;
    size_t n;
    buf_init(&b, 1u << 20);
    assert_int_equal(ctl_metrics_render(v->m, &b), RN_OK);
    return buf_take(&b, &n);
}

/* ---- order ---- */

static void order_under_retries(void **state)
{
    (void)state;
    struct env v;
    env_start(&v,
              "{\"routes\":[{\"path\":\"/one\",\"replies\":["
              "{\"status\":503},{\"status\":503},{\"status\":200},"
              "{\"status\":503},{\"status\":200}]}]}",
              4, 1, 5);
    struct svc_instance *a = hook(&v.f, "a", -1);
    char label[16];
    for (int i = 1; i <= 5; i++) {
        snprintf(label, sizeof label, "one-%d", i);
        assert_int_equal(
            ctl_dq_push(v.q, item(a, "r1", "/one", label, in_ms(&v, 20000))),
            RN_OK);
        snprintf(label, sizeof label, "two-%d", i);
        assert_int_equal(
            ctl_dq_push(v.q, item(a, "r2", "/two", label, in_ms(&v, 20000))),
            RN_OK);
    }
    assert_int_equal(ctl_dq_depth(v.q), 10);
    run_until_done(v.l, &v.rs, 10);
    /* each destination's items end in push order, all delivered */
    int next[2] = {1, 1};
    for (int i = 0; i < v.rs.n; i++) {
        const struct rec *r = &v.rs.r[i];
        int d = r->label[0] == 't';
        snprintf(label, sizeof label, "%s-%d", d ? "two" : "one", next[d]++);
        assert_string_equal(r->label, label);
        assert_true(r->ok);
    }
    assert_int_equal(rec_of(&v.rs, "one-1")->attempts, 3);
    assert_int_equal(rec_of(&v.rs, "one-2")->attempts, 2);
    assert_int_equal(rec_of(&v.rs, "one-3")->attempts, 1);
    /* on the wire: never an item before the one ahead of it succeeded */
    struct logged lg[64];
    size_t n = fake_log(&v.f, lg, 64);
    int last = 0, got = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(lg[i].path, "/one") != 0)
            continue;
        int k = num(lg[i].body + 4);
        assert_true(k == last || (k == last + 1 && got == last));
        last = k;
        if (lg[i].status == 200)
            got = k;
    }
    assert_int_equal(got, 5);
    assert_int_equal(ctl_dq_depth(v.q), 0);
    svc_instance_free(a);
    env_stop(&v);
}

/* ---- a sink down for a while ---- */

static void recovers_exactly_once(void **state)
{
    (void)state;
    struct env v;
    env_start(&v,
              "{\"routes\":[{\"path\":\"/\",\"replies\":["
              "{\"status\":503,\"times\":10},{\"status\":200}]}]}",
              8, 1, 10);
    struct svc_instance *a = hook(&v.f, "a", -1);
    char label[16], rcpt[8], path[8];
    for (int d = 0; d < 3; d++)
        for (int i = 0; i < 4; i++) {
            snprintf(label, sizeof label, "d%d-%d", d, i);
            snprintf(rcpt, sizeof rcpt, "r%d", d);
            snprintf(path, sizeof path, "/d%d", d);
            ctl_dq_push(v.q, item(a, rcpt, path, label, in_ms(&v, 20000)));
        }
    run_until_done(v.l, &v.rs, 12);
    for (int i = 0; i < 12; i++)
        assert_true(v.rs.r[i].ok);
    /* every notification reached the sink exactly once */
    struct logged lg[128];
    size_t n = fake_log(&v.f, lg, 128);
    assert_true(n > 12);
    for (int d = 0; d < 3; d++)
        for (int i = 0; i < 4; i++) {
            int ok = 0;
            snprintf(label, sizeof label, "d%d-%d", d, i);
            for (size_t k = 0; k < n; k++)
                ok += lg[k].status == 200 && !strcmp(lg[k].body, label);
            assert_int_equal(ok, 1);
        }
    char *text = metrics_text(&v);
    assert_non_null(strstr(text, "rnotify_delivery_attempts_total{service="
                                 "\"a\",result=\"success\"} 12\n"));
    assert_non_null(strstr(text, "rnotify_delivery_queue_depth 0\n"));
    assert_non_null(
        strstr(text, "rnotify_delivery_oldest_pending_seconds 0\n"));
    assert_non_null(strstr(text, "rnotify_delivery_retries_total{service="
                                 "\"a\"} 10\n"));
    assert_non_null(strstr(text, "rnotify_delivery_in_flight{service="
                                 "\"a\"} 0\n"));
    assert_non_null(strstr(text, "rnotify_delivery_seconds_count{service="
                                 "\"a\"} 12\n"));
    rn_free(text);
    svc_instance_free(a);
    env_stop(&v);
}

/* ---- Retry-After ---- */

static void retry_after_honoured(void **state)
{
    (void)state;
    struct env v;
    env_start(&v,
              "{\"routes\":[{\"path\":\"/ra\",\"replies\":["
              "{\"status\":429,\"headers\":{\"Retry-After\":\"1\"}},"
              "{\"status\":200}]},"
              "{\"path\":\"/inner\",\"replies\":["
              "{\"status\":503,\"headers\":{\"Retry-After\":\"1\"}},"
              "{\"status\":200}]}]}",
              4, 1, 2);
    struct svc_instance *a = hook(&v.f, "a", -1);
    struct svc_instance *b = hook(&v.f, "b", 2); /* retries inside */
    /* whole-delivery retry: the backoff (1-2 ms) yields to Retry-After */
    ctl_dq_push(v.q, item(a, "x", "/ra", "ra", in_ms(&v, 20000)));
    /* the service's own retry loop waits on a loop timer */
    ctl_dq_push(v.q, item(b, "x", "/inner", "inner", in_ms(&v, 20000)));
    run_until_done(v.l, &v.rs, 2);
    const struct rec *ra = rec_of(&v.rs, "ra"), *in = rec_of(&v.rs, "inner");
    assert_true(ra->ok && in->ok);
    assert_int_equal(ra->attempts, 2);
    assert_int_equal(ra->r.attempts, 2);
    assert_int_equal(in->attempts, 1);
    assert_int_equal(in->r.attempts, 2);
    struct logged lg[8];
    size_t n = fake_log(&v.f, lg, 8);
    assert_int_equal(n, 4);
    for (const char *p = "/ra"; p; p = p[1] == 'r' ? "/inner" : NULL) {
        double t[2];
        int k = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(lg[i].path, p))
                t[k++] = lg[i].t;
        assert_int_equal(k, 2);
        assert_true(t[1] - t[0] >= 0.95); /* never earlier than asked */
    }
    svc_instance_free(a);
    svc_instance_free(b);
    env_stop(&v);
}

static void retry_after_past_deadline(void **state)
{
    (void)state;
    struct env v;
    env_start(&v,
              "{\"routes\":["
              "{\"path\":\"/secs\",\"replies\":[{\"status\":429,\"headers\":"
              "{\"Retry-After\":\"9223372036854775\"}}]},"
              "{\"path\":\"/date\",\"replies\":[{\"status\":503,\"headers\":"
              "{\"Retry-After\":\"Fri, 31 Dec 9999 23:59:59 GMT\"}}]},"
              "{\"path\":\"/inner\",\"replies\":[{\"status\":429,\"headers\":"
              "{\"Retry-After\":\"7200\"}}]}]}",
              4, 1, 2);
    struct svc_instance *a = hook(&v.f, "a", -1);
    struct svc_instance *b = hook(&v.f, "b", 3);
    ctl_dq_push(v.q, item(a, "s", "/secs", "secs", in_ms(&v, 3600000)));
    ctl_dq_push(v.q, item(a, "d", "/date", "date", in_ms(&v, 3600000)));
    ctl_dq_push(v.q, item(b, "i", "/inner", "inner", in_ms(&v, 3600000)));
    run_until_done(v.l, &v.rs, 3);
    static const char *const labels[] = {"secs", "date", "inner"};
    for (int i = 0; i < 3; i++) {
        const struct rec *r = rec_of(&v.rs, labels[i]);
        assert_false(r->ok);
        assert_int_equal(r->attempts, 1);
        assert_true(r->r.retryable);
        assert_non_null(strstr(r->r.msg, "giving up after 1 attempt ("));
        assert_non_null(strstr(r->r.msg, "(Retry-After), past the delivery "
                                         "deadline "));
    }
    assert_non_null(strstr(rec_of(&v.rs, "secs")->r.msg,
                           "(last status 429 Too Many Requests): the server "
                           "asked to wait 9223372036854775s (Retry-After)"));
    assert_non_null(strstr(rec_of(&v.rs, "date")->r.msg,
                           "last status 503 Service Unavailable"));
    assert_non_null(strstr(rec_of(&v.rs, "inner")->r.msg,
                           "asked to wait 2h0m0s (Retry-After)"));
    /* one request each: nothing waited */
    struct logged lg[8];
    assert_int_equal(fake_log(&v.f, lg, 8), 3);
    char *text = metrics_text(&v);
    assert_non_null(strstr(text, "rnotify_delivery_failed_total{service="
                                 "\"a\",reason=\"retry_after\"} 2\n"));
    rn_free(text);
    svc_instance_free(a);
    svc_instance_free(b);
    env_stop(&v);
}

/* ---- permanent failures and the deadline ---- */

static void permanent_not_retried(void **state)
{
    (void)state;
    struct env v;
    env_start(&v,
              "{\"routes\":[{\"path\":\"/p\",\"replies\":["
              "{\"status\":400,\"body\":\"no such channel\"},"
              "{\"status\":200}]}]}",
              4, 1, 2);
    struct svc_instance *a = hook(&v.f, "a", 3);
    ctl_dq_push(v.q, item(a, "x", "/p", "bad", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(a, "x", "/p", "next", in_ms(&v, 20000)));
    run_until_done(v.l, &v.rs, 2);
    const struct rec *bad = &v.rs.r[0], *next = &v.rs.r[1];
    assert_string_equal(bad->label, "bad");
    assert_false(bad->ok);
    assert_false(bad->r.retryable);
    assert_int_equal(bad->attempts, 1);
    assert_int_equal(bad->r.status, 400);
    assert_non_null(strstr(bad->r.msg, "no such channel"));
    assert_non_null(strstr(bad->r.msg,
                           "; giving up after 1 attempt (last status 400 Bad "
                           "Request): permanent failure, not retried"));
    /* the next item of the destination goes on */
    assert_string_equal(next->label, "next");
    assert_true(next->ok);
    struct logged lg[8];
    assert_int_equal(fake_log(&v.f, lg, 8), 2);
    svc_instance_free(a);
    env_stop(&v);
}

static void deadline_gives_up(void **state)
{
    (void)state;
    struct env v;
    env_start(&v, "{\"default\":{\"status\":503,\"body\":\"down\"}}", 4, 10,
              40);
    struct svc_instance *a = hook(&v.f, "a", -1);
    ctl_dq_push(v.q, item(a, "x", "/", "late", in_ms(&v, 300)));
    run_until_done(v.l, &v.rs, 1);
    const struct rec *r = &v.rs.r[0];
    assert_false(r->ok);
    assert_true(r->r.retryable);
    assert_true(r->attempts >= 2);
    char want[160];
    snprintf(want, sizeof want,
             "; giving up after %d attempts (last status 503 Service "
             "Unavailable): the delivery deadline passed",
             r->attempts);
    assert_non_null(strstr(r->r.msg, want));
    struct logged lg[64];
    /* the last request may be cut at the deadline before the double
     * logged it */
    int seen = (int)fake_log(&v.f, lg, 64);
    assert_true(seen == r->attempts || seen == r->attempts - 1);
    svc_instance_free(a);
    env_stop(&v);
}

/* ---- per-service limits ---- */

struct slow_wait {
    struct env *v;
    size_t n;
};

static bool logged_n(void *ud)
{
    struct slow_wait *w = ud;
    struct logged lg[16];
    return fake_log(&w->v->f, lg, 16) >= w->n;
}

static void slow_service_holds_only_itself(void **state)
{
    (void)state;
    struct env v;
    env_start(&v,
              "{\"routes\":[{\"path\":\"/slow\",\"replies\":["
              "{\"status\":200,\"hold\":\"slow\"}]}]}",
              1, 1, 2);
    struct svc_instance *slow = hook(&v.f, "slow", -1);
    struct svc_instance *fast = hook(&v.f, "fast", -1);
    ctl_dq_push(v.q, item(slow, "s1", "/slow", "s1", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(slow, "s2", "/slow", "s2", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(fast, "f1", "/fast", "f1", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(fast, "f2", "/fast", "f2", in_ms(&v, 20000)));
    /* the slow service's reply waits for the test: the fast one is done
     * meanwhile, and the slow one has one request out (its limit) */
    run_until_done(v.l, &v.rs, 2);
    assert_non_null(rec_of(&v.rs, "f1"));
    assert_non_null(rec_of(&v.rs, "f2"));
    struct slow_wait w = {&v, 3};
    run_until(v.l, logged_n, &w);
    struct logged lg[16];
    size_t n = fake_log(&v.f, lg, 16), slow_reqs = 0;
    for (size_t i = 0; i < n; i++)
        slow_reqs += !strcmp(lg[i].path, "/slow");
    assert_int_equal(slow_reqs, 1);
    assert_int_equal(ctl_dq_depth(v.q), 2);
    fake_get(&v.f, "/__release/slow");
    run_until_done(v.l, &v.rs, 4);
    assert_string_equal(v.rs.r[2].label, "s1");
    assert_string_equal(v.rs.r[3].label, "s2");
    svc_instance_free(slow);
    svc_instance_free(fast);
    env_stop(&v);
}

static void destinations_take_turns(void **state)
{
    (void)state;
    struct env v;
    env_start(&v, "{}", 1, 1, 2);
    struct svc_instance *a = hook(&v.f, "a", -1);
    ctl_dq_push(v.q, item(a, "one", "/1", "one-1", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(a, "one", "/1", "one-2", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(a, "one", "/1", "one-3", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(a, "two", "/2", "two-1", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(a, "three", "/3", "three-1", in_ms(&v, 20000)));
    run_until_done(v.l, &v.rs, 5);
    static const char *const want[] = {"one-1", "two-1", "three-1", "one-2",
                                       "one-3"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(v.rs.r[i].label, want[i]);
    svc_instance_free(a);
    env_stop(&v);
}

/* ---- a blocking service ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;    /* sends may return */
    int started;  /* sends entered */
    int finished; /* sends returned */
    int fail_first;
    pthread_t thread;
} blk = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Waits until the test opens the gate; the first fail_first sends fail
 * with a retryable error. */
static int blk_send(const void *state, struct svc_call *c, bool *retryable,
                    struct rn_err *e)
{
    (void)state;
    (void)c;
    pthread_mutex_lock(&blk.mu);
    blk.started++;
    blk.thread = pthread_self();
    pthread_cond_broadcast(&blk.cv);
    while (!blk.open)
        pthread_cond_wait(&blk.cv, &blk.mu);
    int fail = blk.fail_first > 0;
    blk.fail_first -= fail;
    blk.finished++;
    pthread_mutex_unlock(&blk.mu);
    if (fail) {
        *retryable = true;
        return rn_errf(e, RN_EIO, "connection refused");
    }
    return RN_OK;
}

static const struct svc_type blk_type = {.name = "blocker", .send = blk_send};

static void blk_reset(int fail_first)
{
    pthread_mutex_lock(&blk.mu);
    blk.open = false;
    blk.started = blk.finished = 0;
    blk.fail_first = fail_first;
    pthread_mutex_unlock(&blk.mu);
}

static void blk_open(void)
{
    pthread_mutex_lock(&blk.mu);
    blk.open = true;
    pthread_cond_broadcast(&blk.cv);
    pthread_mutex_unlock(&blk.mu);
}

static bool blk_started(void *ud)
{
    (void)ud;
    pthread_mutex_lock(&blk.mu);
    bool s = blk.started > 0;
    pthread_mutex_unlock(&blk.mu);
    return s;
}

static struct svc_instance *blk_instance(void)
{
    struct svc_instance *s = rn_calloc(1, sizeof *s);
    assert_non_null(s);
    s->t = &blk_type;
    s->name = "blk";
    arena_init(&s->arena, 0);
    return s;
}

static void blocking_service_never_blocks_the_loop(void **state)
{
    (void)state;
    struct env v;
    blk_reset(1);
    env_start(&v, "{}", 4, 1, 2);
    struct svc_instance *b = blk_instance();
    struct svc_instance *a = hook(&v.f, "a", -1);
    ctl_dq_push(v.q, item(b, "subject", "/", "mail", in_ms(&v, 20000)));
    ctl_dq_push(v.q, item(a, "x", "/x", "http", in_ms(&v, 20000)));
    run_until(v.l, blk_started, NULL);
    /* the send is stuck on a worker; the loop delivers the other */
    run_until_done(v.l, &v.rs, 1);
    assert_string_equal(v.rs.r[0].label, "http");
    assert_false(pthread_equal(blk.thread, pthread_self()));
    blk_open();
    run_until_done(v.l, &v.rs, 2);
    const struct rec *m = rec_of(&v.rs, "mail");
    assert_true(m->ok);
    assert_int_equal(m->attempts, 2); /* the first send failed, retried */
    svc_instance_free(a);
    rn_free(b);
    env_stop(&v);
}

/* ---- freeing with work in flight ---- */

static int released;

static void count_release(void *hold)
{
    (void)hold;
    released++;
}

static void free_with_work_in_flight(void **state)
{
    (void)state;
    struct env v;
    blk_reset(0);
    env_start(&v,
              "{\"routes\":[{\"path\":\"/held\",\"replies\":["
              "{\"status\":200,\"hold\":\"h\"}]}]}",
              4, 1, 2);
    struct svc_instance *a = hook(&v.f, "a", -1);
    struct svc_instance *b = blk_instance();
    released = 0;
    for (int i = 0; i < 3; i++) {
        struct ctl_item *it = item(a, "x", "/held", "held", in_ms(&v, 20000));
        it->release = count_release;
        ctl_dq_push(v.q, it);
    }
    struct ctl_item *it = item(b, "s", "/", "mail", in_ms(&v, 20000));
    it->release = count_release;
    ctl_dq_push(v.q, it);
    struct slow_wait w = {&v, 1};
    run_until(v.l, logged_n, &w);
    run_until(v.l, blk_started, NULL);
    /* the blocking send finishes, but its outcome is never drained */
    blk_open();
    for (;;) {
        pthread_mutex_lock(&blk.mu);
        int f = blk.finished;
        pthread_mutex_unlock(&blk.mu);
        if (f)
            break;
        usleep(1000);
    }
    assert_int_equal(ctl_dq_depth(v.q), 4);
    ctl_dq_free(v.q);
    v.q = NULL;
    assert_int_equal(v.rs.n, 0);
    assert_int_equal(released, 4);
    /* a post the worker left behind runs harmlessly after the free */
    kube_loop_run_once(v.l, 0);
    fake_get(&v.f, "/__release/h");
    svc_instance_free(a);
    rn_free(b);
    env_stop(&v);
}

static void each_count(void *ud, const struct ctl_item *it)
{
    (void)it;
    (*(int *)ud)++;
}

static void push_checks_and_visits(void **state)
{
    (void)state;
    struct env v;
    env_start(&v, "{}", 4, 1, 2);
    struct svc_instance *a = hook(&v.f, "a", -1);
    struct ctl_item *bad = ctl_item_new();
    assert_int_equal(ctl_dq_push(v.q, bad), RN_EINVAL);
    ctl_dq_push(v.q, item(a, "x", "/", "p1", 0));
    ctl_dq_push(v.q, item(a, "y", "/", "p2", 0));
    assert_int_equal(ctl_dq_depth(v.q), 2);
    assert_true(ctl_dq_oldest_age_ms(v.q) >= 0);
    int seen = 0;
    ctl_dq_each(v.q, each_count, &seen);
    assert_int_equal(seen, 2);
    /* nothing is sent inside push: done() comes from the loop */
    assert_int_equal(v.rs.n, 0);
    run_until_done(v.l, &v.rs, 2);
    assert_int_equal(ctl_dq_depth(v.q), 0);
    assert_int_equal(ctl_dq_oldest_age_ms(v.q), 0);
    svc_instance_free(a);
    env_stop(&v);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    log_setup(LOG_ERROR, LOG_TEXT, NULL); /* retries are warnings */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_under_retries),
        cmocka_unit_test(recovers_exactly_once),
        cmocka_unit_test(retry_after_honoured),
        cmocka_unit_test(retry_after_past_deadline),
        cmocka_unit_test(permanent_not_retried),
        cmocka_unit_test(deadline_gives_up),
        cmocka_unit_test(slow_service_holds_only_itself),
        cmocka_unit_test(destinations_take_turns),
        cmocka_unit_test(blocking_service_never_blocks_the_loop),
        cmocka_unit_test(free_with_work_in_flight),
        cmocka_unit_test(push_checks_and_visits),
    };
    int rc = cmocka_run_group_tests(tests, fx_setup, fx_teardown);
    curl_global_cleanup();
    return rc;
}
