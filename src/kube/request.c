/*
 * request.c: the request calls of kube.h on top of client.c's exchange.
 *
 * kube_do blocks (the CLI); kube_do_async runs the same exchange on the
 * loop, starting on the loop's next turn so its callback never runs
 * inside the caller.  Both resend after a 401 (credentials refreshed) and
 * after a 429/5xx carrying Retry-After.  kube_list walks limit/continue
 * pages and starts over when the continue token has expired (410).
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"

#include <curl/curl.h>
#include <string.h>
#include <time.h>

#define PAGE_DEFAULT 500
#define LIST_RESTARTS 3

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0)
        ;
}

int kube_do(struct kube_client *k, const struct kube_request *rq,
            struct kube_reply *out)
{
    struct kube_xfer *x;
    struct rn_err e;
    int rc = kube_xfer_new(k, rq, &x);
    if (rc) {
        memset(out, 0, sizeof *out);
        out->reason = "";
        out->retry_after_ms = -1;
        return rn_errf(&out->err, rc, "out of memory");
    }
    for (;;) {
        int64_t wait;
        if (kube_xfer_prepare(x, &e) != RN_OK) {
            rc = kube_xfer_fail(x, &e, out);
            break;
        }
        int code = (int)curl_easy_perform(kube_xfer_easy(x));
        if (!kube_xfer_should_retry(x, code, &wait)) {
            rc = kube_xfer_reply(x, code, out);
            break;
        }
        sleep_ms(wait);
    }
    kube_xfer_free(x);
    return rc;
}

/* ---- on the loop ---- */

struct kube_async {
    struct kube_xfer *x;
    struct kube_loop *l;
    kube_reply_cb *cb;
    void *ud;
    struct kube_timer *timer;
    bool running;
};

static void async_free(struct kube_async *a)
{
    kube_xfer_free(a->x);
    rn_free(a);
}

static void async_finish(struct kube_async *a, struct kube_reply *r)
{
    a->cb(a->ud, r);
    kube_reply_clear(r);
    async_free(a);
}

static void async_done(void *ud, int code);

static void async_go(void *ud)
{
    struct kube_async *a = ud;
    struct kube_reply r;
    struct rn_err e;
    a->timer = NULL;
    if (kube_xfer_prepare(a->x, &e) != RN_OK) {
        kube_xfer_fail(a->x, &e, &r);
        async_finish(a, &r);
        return;
    }
    if (kube_loop_add_xfer(a->l, kube_xfer_easy(a->x), async_done, a)) {
        rn_errf(&e, RN_ENOMEM, "cannot start the transfer");
        kube_xfer_fail(a->x, &e, &r);
        async_finish(a, &r);
        return;
    }
    a->running = true;
}

static void async_done(void *ud, int code)
{
    struct kube_async *a = ud;
    struct kube_reply r;
    int64_t wait;
    a->running = false;
    if (kube_xfer_should_retry(a->x, code, &wait)) {
        a->timer = kube_timer_add(a->l, wait, async_go, a);
        if (a->timer)
            return;
    }
    kube_xfer_reply(a->x, code, &r);
    async_finish(a, &r);
}

int kube_async_start(struct kube_client *k, struct kube_loop *l,
                     const struct kube_request *rq, kube_reply_cb *cb, void *ud,
                     struct kube_async **out)
{
    struct kube_async *a = rn_calloc(1, sizeof *a);
    if (!a)
        return RN_ENOMEM;
    a->l = l;
    a->cb = cb;
    a->ud = ud;
    if (kube_xfer_new(k, rq, &a->x) != RN_OK ||
        !(a->timer = kube_timer_add(l, 0, async_go, a))) {
        async_free(a);
        return RN_ENOMEM;
    }
    kube_xfer_set_builder(a->x, kube_loop_builder(l));
    if (out)
        *out = a;
    return RN_OK;
}

void kube_async_cancel(struct kube_async *a)
{
    if (!a)
        return;
    if (a->timer)
        kube_timer_cancel(a->l, a->timer);
    if (a->running)
        kube_loop_remove_xfer(a->l, kube_xfer_easy(a->x));
    async_free(a);
}

void kube_async_set_unfrozen(struct kube_async *a)
{
    kube_xfer_set_unfrozen(a->x);
}

int kube_do_async(struct kube_client *k, struct kube_loop *l,
                  const struct kube_request *rq, kube_reply_cb *cb, void *ud)
{
    return kube_async_start(k, l, rq, cb, ud, NULL);
}

/* ---- get and list ---- */

int kube_get(struct kube_client *k, const struct kube_resource *res,
             const char *ns, const char *name, struct doc **out,
             struct rn_err *e)
{
    struct kube_request rq = {.verb = "GET",
                              .res = res,
                              .namespace = ns,
                              .name = name,
                              .nums = 1 /* JSON_NUM_INT64 */};
    struct kube_reply r;
    int rc = kube_do(k, &rq, &r);
    if (rc == RN_OK && !r.obj)
        rc = rn_errf(&r.err, RN_EHTTP, "get %s \"%s\": reply is not JSON",
                     res->plural, name);
    if (rc != RN_OK) {
        if (e)
            *e = r.err;
        kube_reply_clear(&r);
        return rc;
    }
    *out = r.obj;
    return RN_OK;
}

int kube_list_query(struct buf *b, const struct kube_list_opts *o,
                    const char *cont)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%d",
             o && o->limit > 0 ? o->limit : PAGE_DEFAULT);
    int rc = kube_query_add(b, "limit", lim);
    if (!rc && cont && *cont)
        rc = kube_query_add(b, "continue", cont);
    if (!rc && o && o->label_selector && *o->label_selector)
        rc = kube_query_add(b, "labelSelector", o->label_selector);
    if (!rc && o && o->field_selector && *o->field_selector)
        rc = kube_query_add(b, "fieldSelector", o->field_selector);
    return rc;
}

/* One page: *cont becomes the next token (rn_malloc) or NULL. */
static int list_page(struct kube_client *k, struct kube_request *rq,
                     struct kube_reply *r, char **cont)
{
    int rc = kube_do(k, rq, r);
    rn_free(*cont);
    *cont = NULL;
    if (rc == RN_OK && !r->obj)
        rc = rn_errf(&r->err, RN_EHTTP, "list %s: reply is not JSON",
                     rq->res->plural);
    if (rc == RN_OK) {
        const struct val *md = val_get_cstr(r->obj->root, "metadata");
        const struct val *c = md ? val_get_cstr(*md, "continue") : NULL;
        if (c && val_kind(*c) == VAL_STRING && val_str_len(*c) &&
            !(*cont = rn_strndup(val_str_ptr(*c), val_str_len(*c))))
            rc = rn_errf(&r->err, RN_ENOMEM, "out of memory");
    }
    return rc;
}

int kube_list(struct kube_client *k, const struct kube_resource *res,
              const char *ns, const struct kube_list_opts *o,
              kube_page_cb *page, void *ud, struct rn_err *e)
{
    struct kube_request rq = {
        .verb = "GET", .res = res, .namespace = ns, .nums = o ? o->nums : 0};
    char *cont = NULL;
    int restarts = 0, rc;
    struct buf q;
    buf_init(&q, 0);
    for (;;) {
        struct kube_reply r;
        bool had = cont != NULL;
        buf_reset(&q);
        if (kube_list_query(&q, o, cont) != RN_OK) {
            rc = rn_errf(e, RN_ENOMEM, "out of memory");
            break;
        }
        rq.query = buf_str(&q);
        rc = list_page(k, &rq, &r, &cont);
        if (rc && r.status == 410 && had && restarts++ < LIST_RESTARTS) {
            kube_reply_clear(&r);
            continue; /* expired continue token: start over */
        }
        if (rc && e)
            *e = r.err;
        if (rc == RN_OK && page(ud, r.obj) != 0) {
            rn_free(cont);
            cont = NULL;
        }
        kube_reply_clear(&r);
        if (rc || !cont)
            break;
    }
    rn_free(cont);
    buf_free(&q);
    return rc;
}
