/*
 * send.c: the blocking delivery of one notification to one destination
 * (the CLI's path; the controller drives the same steps on its multi
 * handle).  A send is a short sequence of steps; each step builds a
 * request, performs it with the request's retry policy (webhook's
 * go-retryablehttp loop, slack's 429 rule), following redirects as Go's
 * client does, and lets the service judge the reply.  Every failure ends
 * in one svc_result: a message naming the service and the recipient
 * (scrubbed of secrets) and whether a later repeat may succeed.
 */
#include "svc_int.h"

#include "../engine/engine.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_STEPS 8
#define MAX_REDIRECTS 10

static int64_t now_unix(void)
{
    return (int64_t)time(NULL);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0)
        ;
}

static void curl_init_once(void)
{
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

/* One request with redirects; RN_OK with a reply or a transport error. */
static int perform_once(const struct http_req *req, const struct svc_opts *o,
                        struct arena *a, struct http_reply *rep,
                        bool *retryable, struct rn_err *e)
{
    struct http_req cur = *req;
    for (int hop = 0;; hop++) {
        CURL *h = curl_easy_init();
        struct svc_xfer *x = NULL;
        if (!h)
            return rn_errf(e, RN_ENOMEM, "cannot create an HTTP handle");
        int rc = svc_http_setup(h, &cur, o, a, &x, e);
        if (rc == RN_OK) {
            CURLcode cc = curl_easy_perform(h);
            long status = 0;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
            rc = svc_http_done(x, (int)cc, rep, retryable, e);
            rep->status = status;
        }
        svc_http_release(x);
        curl_easy_cleanup(h);
        if (rc != RN_OK)
            return rc;
        struct http_req next;
        if (!svc_http_redirect(&cur, rep, a, &next))
            return RN_OK;
        if (hop + 1 >= MAX_REDIRECTS) {
            *retryable = false;
            return rn_errf(e, RN_EHTTP, "%s \"%s\": stopped after %d redirects",
                           req->method,
                           req->shown_url ? req->shown_url
                                          : svc_url_origin(a, req->url),
                           MAX_REDIRECTS);
        }
        if (req->shown_url)
            next.shown_url = svc_url_origin(a, next.url);
        cur = next;
    }
}

/*
 * Attempts under req->retry.  On the BACKOFF policy a failure that the
 * policy would have retried ends as go-retryablehttp's "<METHOD> <url>
 * giving up after N attempt(s)[: cause]".
 */
static int perform(const struct http_req *req, const struct svc_opts *o,
                   struct arena *a, struct http_reply *rep,
                   struct svc_result *res, struct rn_err *e)
{
    bool retryable = false;
    int rc = RN_OK;
    bool want_more = false;
    int attempt;
    for (attempt = 0;; attempt++) {
        memset(rep, 0, sizeof *rep);
        rc = perform_once(req, o, a, rep, &retryable, e);
        res->attempts++;
        res->status = rc == RN_OK ? rep->status : 0;
        int64_t wait = 0;
        bool transport = rc != RN_OK;
        want_more = transport ? retryable : svc_status_retryable(rep->status);
        if (!svc_retry_backoff(&req->retry, attempt, transport, retryable, rep,
                               now_unix(), &wait))
            break;
        if (!o->no_sleep)
            sleep_ms(wait);
    }
    if (req->retry.kind != SVC_RETRY_BACKOFF)
        return rc == RN_OK ? RN_OK : (res->retryable = retryable, rc);
    const char *shown =
        req->shown_url ? req->shown_url : svc_url_origin(a, req->url);
    if (rc != RN_OK) {
        char cause[sizeof e->msg];
        snprintf(cause, sizeof cause, "%s", e ? e->msg : "");
        res->retryable = retryable;
        return rn_errf(e, rc, "%s %s giving up after %d attempt(s): %s",
                       req->method, shown, attempt + 1, cause);
    }
    if (want_more) {
        res->retryable = true;
        return rn_errf(e, RN_EHTTP, "%s %s giving up after %d attempt(s)",
                       req->method, shown, attempt + 1);
    }
    return RN_OK;
}

/* What a step's reply means when the type has no check_reply: 2xx. */
static enum svc_step default_check(const struct http_reply *r, bool *retryable,
                                   struct rn_err *e, struct arena *a)
{
    if (r->status >= 200 && r->status < 300)
        return SVC_STEP_DONE;
    *retryable = svc_status_retryable(r->status);
    rn_errf(e, RN_EHTTP, "request failed with status %ld: %s", r->status,
            svc_body_excerpt(a, r));
    return SVC_STEP_FAIL;
}

void svc_result_fail(const struct svc_instance *s, const char *recipient,
                     const struct rn_err *e, struct svc_result *r)
{
    const char *type = s->t->name;
    bool same = strcmp(type, s->name) == 0;
    snprintf(r->msg, sizeof r->msg, "%s%s%s%s to '%s': %s", s->name,
             same ? "" : " (", same ? "" : type, same ? "" : ")",
             recipient ? recipient : "", e->msg);
    svc_scrub(s, r->msg, sizeof r->msg);
    r->code = e->code ? e->code : RN_EHTTP;
}

/* Run the steps; on failure e and r->retryable say why. */
static int run_steps(const struct svc_instance *s, struct svc_call *c,
                     const struct svc_opts *o, struct svc_result *r,
                     struct rn_err *e)
{
    const struct svc_type *t = s->t;
    for (c->step = 0; c->step < MAX_STEPS; c->step++) {
        struct http_req req;
        struct http_reply rep;
        int rc = t->build(s->opts, c, &req, e);
        if (rc != RN_OK)
            return rc;
        rc = perform(&req, o, c->a, &rep, r, e);
        if (rc != RN_OK)
            return rc;
        if (svc_status_retryable(rep.status) &&
            (rep.status == 429 || rep.status == 503))
            r->retry_after_ms = svc_retry_after_ms(&rep, now_unix());
        bool retryable = false;
        enum svc_step st = t->check_reply
                               ? t->check_reply(s->opts, c, &rep, &retryable, e)
                               : default_check(&rep, &retryable, e, c->a);
        if (st == SVC_STEP_FAIL) {
            r->retryable = retryable;
            return e->code ? e->code : RN_EHTTP;
        }
        if (st == SVC_STEP_DONE)
            return RN_OK;
    }
    return rn_errf(e, RN_EINVAL, "too many steps");
}

int svc_send_root(const struct svc_instance *s, struct val root,
                  const struct eng_dest *d, const struct svc_opts *o,
                  struct svc_result *r)
{
    struct svc_opts def;
    struct arena a;
    struct rn_err e = {0};
    if (!o) {
        svc_opts_default(&def);
        o = &def;
    }
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
    curl_init_once();
    arena_init(&a, 0);
    struct svc_call c = {root, s->name, d->recipient ? d->recipient : "",
                         0,    NULL,    &a};
    int rc = run_steps(s, &c, o, r, &e);
    if (rc != RN_OK) {
        if (!e.code)
            e.code = rc;
        svc_result_fail(s, d->recipient, &e, r);
    }
    arena_free(&a);
    return r->code;
}

int svc_send(const struct svc_instance *s, const struct notif *n,
             const struct eng_dest *d, const struct svc_opts *o,
             struct svc_result *r)
{
    return svc_send_root(s, eng_notif_root(n), d, o, r);
}

int svc_build(const struct svc_type *t, const void *opts, struct svc_call *c,
              struct http_req *out, struct rn_err *e)
{
    return t->build(opts, c, out, e);
}
