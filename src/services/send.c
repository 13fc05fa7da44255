/*
 * send.c: the delivery of one notification to one destination, as a
 * small state machine (struct svc_delivery) that either svc_send() drives
 * blocking (the CLI) or the controller drives on its libcurl multi handle.
 *
 * A send is a short sequence of steps.  Each step builds a request,
 * performs it under the request's retry policy (webhook's
 * go-retryablehttp loop, slack's 429 rule), following redirects as Go's
 * client does, and lets the service judge the reply: done, next step, or
 * failed.  Every failure ends in one svc_result: a message naming the
 * service and the recipient (scrubbed of secrets) and whether a later
 * repeat may succeed.
 *
 * Replies are untrusted: a delivery may carry a deadline, and no wait a
 * server asks for (Retry-After) or the backoff computes may run past it.
 * A server asking for more than what is left ends the delivery at once,
 * with a message that names the last status and says why.
 */
#include "svc_int.h"

#include "../core/alloc.h"
#include "../engine/engine.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_STEPS 64 /* github: token, 4 actions, 2 requests per PR */
#define MAX_REDIRECTS 10

struct svc_delivery {
    const struct svc_instance *s;
    struct arena a;
    struct svc_call c;
    struct http_req req; /* the step's request as built */
    struct http_req cur; /* the one to perform (after redirects) */
    int attempt, hops;
    int64_t wait_ms;
    int64_t deadline_ms; /* unix ms, 0 = none */
    int64_t step_ms;     /* when the step's first attempt was made ready */
    enum svc_dstate st;
    struct svc_result res;
    struct rn_err e;
};

/* Wall-clock milliseconds: deadlines are absolute unix times. */
int64_t svc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum svc_dstate fail(struct svc_delivery *d, bool retryable)
{
    d->res.retryable = retryable;
    if (!d->e.code)
        d->e.code = RN_EHTTP;
    svc_result_fail(d->s, d->c.recipient, &d->e, &d->res);
    d->st = SVC_D_FAILED;
    return d->st;
}

/* Build the request of step c.step. */
static enum svc_dstate build_step(struct svc_delivery *d)
{
    if (d->c.step >= MAX_STEPS) {
        rn_errf(&d->e, RN_EINVAL, "too many steps");
        return fail(d, false);
    }
    int rc = d->s->t->build(d->s->opts, &d->c, &d->req, &d->e);
    if (rc != RN_OK) {
        if (!d->e.code)
            rn_errf(&d->e, rc, "%s", rn_strstatus(rc));
        return fail(d, false);
    }
    if (!d->req.method) { /* the service has nothing (more) to send */
        d->st = SVC_D_DONE;
        d->res.code = RN_OK;
        return d->st;
    }
    d->req.deadline_ms = d->deadline_ms;
    d->step_ms = svc_now_ms();
    d->cur = d->req;
    d->attempt = 0;
    d->hops = 0;
    d->wait_ms = 0;
    d->st = SVC_D_PERFORM;
    return d->st;
}

/* A service that delivers by itself (no HTTP request to build). */
static void direct_send(struct svc_delivery *d)
{
    bool retryable = false;
    int rc = d->s->t->send(d->s->opts, &d->c, &retryable, &d->e);
    if (rc == RN_OK) {
        d->st = SVC_D_DONE;
        d->res.code = RN_OK;
        return;
    }
    if (!d->e.code)
        rn_errf(&d->e, rc, "%s", rn_strstatus(rc));
    fail(d, retryable);
}

/* The caller owns *out (svc_delivery_free); RN_ENOMEM only. */
int svc_delivery_start_until(const struct svc_instance *s, struct val root,
                             const struct eng_dest *dest, int64_t deadline_ms,
                             struct svc_delivery **out)
{
    struct svc_delivery *d = rn_calloc(1, sizeof *d);
    if (!d)
        return RN_ENOMEM;
    arena_init(&d->a, 0);
    d->s = s;
    d->deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
    d->res.retry_after_ms = -1;
    d->c.root = root;
    d->c.name = s->name;
    d->c.inst = s;
    d->c.deadline_ms = d->deadline_ms;
    d->c.recipient =
        arena_strdup(&d->a, dest->recipient ? dest->recipient : "");
    d->c.a = &d->a;
    if (!d->c.recipient) {
        svc_delivery_free(d);
        return RN_ENOMEM;
    }
    if (d->deadline_ms && svc_now_ms() >= d->deadline_ms) {
        rn_errf(&d->e, RN_EIO,
                "the delivery deadline passed before the "
                "first attempt");
        fail(d, true);
    } else if (s->t->send) {
        direct_send(d);
    } else {
        build_step(d);
    }
    *out = d;
    return RN_OK;
}

/* svc_delivery_start_until without a deadline. */
int svc_delivery_start(const struct svc_instance *s, struct val root,
                       const struct eng_dest *dest, struct svc_delivery **out)
{
    return svc_delivery_start_until(s, root, dest, 0, out);
}

/* Later requests and waits are bounded by the new deadline. */
void svc_delivery_set_deadline(struct svc_delivery *d, int64_t deadline_ms)
{
    d->deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
    d->c.deadline_ms = d->deadline_ms;
    d->req.deadline_ms = d->deadline_ms;
    d->cur.deadline_ms = d->deadline_ms;
}

/* Frees the delivery and everything its transfers allocated. */
void svc_delivery_free(struct svc_delivery *d)
{
    if (!d)
        return;
    arena_free(&d->a);
    rn_free(d);
}

/* Where the delivery stands. */
enum svc_dstate svc_delivery_state(const struct svc_delivery *d)
{
    return d->st;
}

/* The request to perform next (owned by d), or NULL when finished. */
const struct http_req *svc_delivery_request(const struct svc_delivery *d,
                                            int64_t *wait_ms)
{
    if (wait_ms)
        *wait_ms = d->wait_ms;
    return d->st == SVC_D_PERFORM ? &d->cur : NULL;
}

/* Transfers of d allocate their replies here. */
struct arena *svc_delivery_arena(struct svc_delivery *d)
{
    return &d->a;
}

/* The outcome (meaningful once DONE or FAILED); owned by d. */
const struct svc_result *svc_delivery_result(const struct svc_delivery *d)
{
    return &d->res;
}

/* "500 Internal Server Error": the last status and its reason phrase
 * (both from the server, the phrase already cleaned by http.c). */
static const char *status_text(struct svc_delivery *d,
                               const struct http_reply *rep)
{
    const char *t = rep && rep->status
                        ? arena_printf(&d->a, "%ld%s%s", rep->status,
                                       rep->reason && *rep->reason ? " " : "",
                                       rep->reason ? rep->reason : "")
                        : NULL;
    return t ? t : "no reply";
}

/* "GET http://h/x": the request as messages show it. */
static const char *request_text(struct svc_delivery *d)
{
    const struct http_req *r = &d->req;
    const char *shown =
        r->shown_url ? r->shown_url : svc_url_origin(&d->a, r->url);
    const char *t = arena_printf(&d->a, "%s %s", r->method, shown);
    return t ? t : r->method;
}

/* The request's policy ran out (or refused) after a failed attempt:
 * go-retryablehttp's "giving up" error for the BACKOFF policy, naming the
 * last status (or the transport error, cause). */
static enum svc_dstate give_up(struct svc_delivery *d, bool transport,
                               bool retryable, const char *cause,
                               const struct http_reply *rep)
{
    const char *req = request_text(d);
    if (transport)
        rn_errf(&d->e, d->e.code ? d->e.code : RN_EHTTP,
                "%s giving up after %d attempt(s): %s", req, d->attempt + 1,
                cause);
    else
        rn_errf(&d->e, RN_EHTTP,
                "%s giving up after %d attempt(s): last status %s", req,
                d->attempt + 1, status_text(d, rep));
    return fail(d, retryable);
}

/* "12.5s" (ms may be saturated at INT64_MAX). */
static const char *secs_text(struct svc_delivery *d, int64_t ms)
{
    const char *t = arena_printf(&d->a, "%lld.%llds", (long long)(ms / 1000),
                                 (long long)(ms % 1000 / 100));
    return t ? t : "?";
}

/* A wait that would end after the deadline: give up now rather than
 * sleep past it (a server may ask for years). */
static enum svc_dstate deadline_give_up(struct svc_delivery *d, bool transport,
                                        const char *cause,
                                        const struct http_reply *rep,
                                        int64_t wait, int64_t left)
{
    const char *req = request_text(d);
    bool asked = !transport && rep && svc_retry_after_ms(rep, 0) >= 0 &&
                 (rep->status == 429 || rep->status == 503);
    const char *last = transport ? cause : status_text(d, rep);
    if (left <= 0)
        rn_errf(&d->e, RN_EIO,
                "%s giving up after %d attempt(s): last %s%s; the delivery "
                "deadline has passed",
                req, d->attempt + 1, transport ? "error " : "status ", last);
    else if (asked)
        rn_errf(&d->e, RN_EHTTP,
                "%s giving up after %d attempt(s): last status %s asks to "
                "retry after %s, more than the %s left before the delivery "
                "deadline",
                req, d->attempt + 1, last, secs_text(d, wait),
                secs_text(d, left));
    else
        rn_errf(&d->e, transport && d->e.code ? d->e.code : RN_EHTTP,
                "%s giving up after %d attempt(s): last %s%s; the next "
                "attempt (in %s) would start after the delivery deadline",
                req, d->attempt + 1, transport ? "error " : "status ", last,
                secs_text(d, wait));
    return fail(d, true);
}

enum retry_verdict { RETRY_NO, RETRY_YES, RETRY_ENDED };

/* Attempt over: decide on a retry under the request's policy, within the
 * deadline. */
static enum retry_verdict retry(struct svc_delivery *d, bool transport,
                                bool retryable, const struct http_reply *rep,
                                const char *cause)
{
    struct http_reply none = {0};
    int64_t wait = 0, now = svc_now_ms();
    if (!svc_retry_backoff(&d->req.retry, d->attempt, transport, retryable,
                           rep ? rep : &none, now / 1000, &wait))
        return RETRY_NO;
    if (d->req.retry_budget_ms > 0 &&
        now + wait - d->step_ms > d->req.retry_budget_ms)
        return RETRY_NO; /* the policy's own time is up: judge this reply */
    if (d->deadline_ms && wait >= d->deadline_ms - now) {
        d->res.retry_after_ms = wait;
        deadline_give_up(d, transport, cause, rep, wait, d->deadline_ms - now);
        return RETRY_ENDED;
    }
    d->attempt++;
    d->hops = 0;
    d->cur = d->req;
    d->wait_ms = wait;
    d->st = SVC_D_PERFORM;
    return RETRY_YES;
}

static enum svc_dstate judge(struct svc_delivery *d,
                             const struct http_reply *rep)
{
    const struct svc_type *t = d->s->t;
    bool retryable = false;
    if (rep->status == 429 || rep->status == 503)
        d->res.retry_after_ms = svc_retry_after_ms(rep, svc_now_ms() / 1000);
    if (d->req.retry.kind == SVC_RETRY_BACKOFF && !d->req.retry.judge_last &&
        svc_status_retryable(rep->status))
        return give_up(d, false, true, NULL, rep);
    enum svc_step st;
    if (t->check_reply) {
        st = t->check_reply(d->s->opts, &d->c, rep, &retryable, &d->e);
    } else if (rep->status >= 200 && rep->status < 300) {
        st = SVC_STEP_DONE;
    } else {
        retryable = svc_status_retryable(rep->status);
        rn_errf(&d->e, RN_EHTTP, "request failed with status %ld: %s",
                rep->status, svc_body_excerpt(&d->c, rep));
        st = SVC_STEP_FAIL;
    }
    if (st == SVC_STEP_FAIL)
        return fail(d, retryable);
    if (st == SVC_STEP_DONE) {
        d->st = SVC_D_DONE;
        d->res.code = RN_OK;
        return d->st;
    }
    d->c.step++;
    return build_step(d);
}

/* Advance on one transfer's outcome: redirect, retry, next step or end. */
enum svc_dstate svc_delivery_feed(struct svc_delivery *d, int rc,
                                  const struct http_reply *rep, bool retryable,
                                  const struct rn_err *terr)
{
    if (d->st != SVC_D_PERFORM)
        return d->st;
    d->res.attempts += d->hops == 0;
    d->res.status = rc == RN_OK ? rep->status : 0;
    d->wait_ms = 0;
    if (rc != RN_OK) {
        char cause[sizeof d->e.msg];
        snprintf(cause, sizeof cause, "%s", terr ? terr->msg : "");
        d->e.code = terr && terr->code ? terr->code : rc;
        if (retry(d, true, retryable, NULL, cause) != RETRY_NO)
            return d->st;
        if (d->req.retry.kind == SVC_RETRY_BACKOFF && !d->req.retry.judge_last)
            return give_up(d, true, retryable, cause, NULL);
        rn_errf(&d->e, d->e.code, "%s", cause);
        return fail(d, retryable);
    }
    struct http_req next;
    if (svc_http_redirect(&d->cur, rep, &d->a, &next)) {
        if (++d->hops >= MAX_REDIRECTS) {
            /* Go's client error, which no retry policy repeats */
            char cause[sizeof d->e.msg];
            snprintf(cause, sizeof cause,
                     "%s \"%s\": stopped after %d redirects",
                     svc_method_word(&d->a, d->cur.method),
                     svc_url_redact(&d->a, d->cur.url), MAX_REDIRECTS);
            d->e.code = RN_EHTTP;
            if (d->req.retry.kind == SVC_RETRY_BACKOFF)
                return give_up(d, true, false, cause, NULL);
            rn_errf(&d->e, RN_EHTTP, "%s", cause);
            return fail(d, false);
        }
        next.shown_url =
            d->req.shown_url ? svc_url_redact(&d->a, next.url) : NULL;
        d->cur = next;
        return d->st;
    }
    if (retry(d, false, false, rep, NULL) != RETRY_NO)
        return d->st;
    return judge(d, rep);
}

/* ---- the blocking driver ---- */

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0)
        ;
}

/* Not thread-safe by itself: libcurl's global init must run before any
 * other thread uses libcurl. */
void svc_global_init(void)
{
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

/* Perform the current request of d with an easy handle and feed it. */
static void perform(struct svc_delivery *d, const struct svc_opts *o)
{
    int64_t wait = 0;
    const struct http_req *req = svc_delivery_request(d, &wait);
    struct http_reply rep = {0};
    struct rn_err e = {0};
    struct svc_xfer *x = NULL;
    bool retryable = false;
    if (wait > 0 && !o->no_sleep)
        sleep_ms(wait);
    CURL *h = curl_easy_init();
    int rc = h ? svc_http_setup(h, req, o, &d->a, &x, &e)
               : rn_errf(&e, RN_ENOMEM, "cannot create an HTTP handle");
    if (rc == RN_OK)
        rc = svc_http_done(x, (int)curl_easy_perform(h), &rep, &retryable, &e);
    svc_http_release(x);
    if (h)
        curl_easy_cleanup(h);
    svc_delivery_feed(d, rc, &rep, retryable, &e);
}

/* Blocking delivery; r is always filled.  Returns r->code. */
int svc_send_root(const struct svc_instance *s, struct val root,
                  const struct eng_dest *dest, const struct svc_opts *o,
                  struct svc_result *r)
{
    struct svc_opts def;
    struct svc_delivery *d = NULL;
    if (!o) {
        svc_opts_default(&def);
        o = &def;
    }
    svc_global_init();
    memset(r, 0, sizeof *r);
    int64_t until = o->deadline_ms > 0 ? svc_now_ms() + o->deadline_ms : 0;
    if (svc_delivery_start_until(s, root, dest, until, &d) != RN_OK) {
        struct rn_err e = {0};
        rn_errf(&e, RN_ENOMEM, "out of memory");
        svc_result_fail(s, dest->recipient, &e, r);
        return r->code;
    }
    while (svc_delivery_state(d) == SVC_D_PERFORM)
        perform(d, o);
    *r = *svc_delivery_result(d);
    svc_delivery_free(d);
    return r->code;
}

/* svc_send_root over a rendered notification. */
int svc_send(const struct svc_instance *s, const struct notif *n,
             const struct eng_dest *d, const struct svc_opts *o,
             struct svc_result *r)
{
    return svc_send_root(s, eng_notif_root(n), d, o, r);
}

/* Formats and scrubs r->msg; never fails (truncates). */
void svc_result_fail(const struct svc_instance *s, const char *recipient,
                     const struct rn_err *e, struct svc_result *r)
{
    const char *type = s->t->name;
    bool same = strcmp(type, s->name) == 0;
    snprintf(r->msg, sizeof r->msg, "%s%s%s%s to '%s': %s", s->name,
             same ? "" : " (", same ? "" : type, same ? "" : ")",
             recipient ? recipient : "", e->msg);
    svc_scrub(s, r->msg, sizeof r->msg);
    /* server text (reason phrases, error fields) may carry terminal
     * escapes: no control character but a line break (multi-line SMTP
     * replies, as upstream quotes them) reaches a log or a terminal */
    for (char *p = r->msg; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
            *p = ' ';
    r->code = e->code ? e->code : RN_EHTTP;
}

/* The type's build function; allocations go to c->a. */
int svc_build(const struct svc_type *t, const void *opts, struct svc_call *c,
              struct http_req *out, struct rn_err *e)
{
    return t->build(opts, c, out, e);
}
