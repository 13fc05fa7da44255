/*
 * modify.c: read-modify-write with optimistic concurrency.
 *
 * The caller's make() turns the current object into a request body that
 * carries metadata.resourceVersion (a merge patch, or a whole object for
 * PUT), so the server refuses it with 409 Conflict when someone wrote in
 * between.  Then the object is read again and make() asked again, up to
 * five tries with short jittered waits.  A make() that appends nothing
 * means "nothing to change": no request is sent (a no-op patch would
 * produce no watch event anyway, so nobody should wait for one).
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"

#include <string.h>
#include <time.h>

#define TRIES 5
#define MERGE_PATCH "application/merge-patch+json"

/* 50..150 ms, growing with the try. */
static int64_t conflict_wait(int try)
{
    return (int64_t)((50 + 100 * kube_rand01()) * (try + 1));
}

static bool is_conflict(const struct kube_reply *r)
{
    return r->status == 409 && strcmp(r->reason, "AlreadyExists") != 0;
}

static void write_request(const struct kube_modify *m, const struct buf *body,
                          struct kube_request *rq)
{
    bool patch = strcmp(m->verb, "PATCH") == 0;
    memset(rq, 0, sizeof *rq);
    rq->verb = m->verb;
    rq->res = m->res;
    rq->namespace = m->namespace;
    rq->name = m->name;
    rq->query = "fieldManager=rnotify";
    rq->body = buf_str(body);
    rq->body_len = body->len;
    rq->content_type = patch ? MERGE_PATCH : "application/json";
    rq->nums = 1; /* JSON_NUM_INT64 */
}

/* The "nothing to change" reply: 200 with the current object. */
static void noop_reply(struct kube_reply *out, struct doc *cur)
{
    memset(out, 0, sizeof *out);
    out->status = 200;
    out->reason = "";
    out->retry_after_ms = -1;
    out->obj = doc_ref(cur);
}

static int make_failed(struct kube_reply *out, const struct kube_modify *m,
                       int rc)
{
    memset(out, 0, sizeof *out);
    out->reason = "";
    out->retry_after_ms = -1;
    return rn_errf(&out->err, rc ? rc : RN_EINVAL,
                   "%s %s \"%s\": could not build the request body", m->verb,
                   m->res->plural, m->name);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One try on cur: make the body and send it. */
static int modify_once(struct kube_client *k, const struct kube_modify *m,
                       struct doc *cur, struct kube_reply *out)
{
    struct buf body;
    struct kube_request rq;
    buf_init(&body, 0);
    int rc = m->make(m->ud, cur->root, &body);
    if (rc)
        rc = make_failed(out, m, rc);
    else if (body.len == 0)
        noop_reply(out, cur);
    else {
        write_request(m, &body, &rq);
        rc = kube_do(k, &rq, out);
    }
    buf_free(&body);
    return rc;
}

int kube_modify(struct kube_client *k, const struct kube_modify *m,
                struct kube_reply *out)
{
    struct doc *cur = m->current ? doc_ref(m->current) : NULL;
    int rc = RN_OK;
    for (int try = 0; try < TRIES; try++) {
        struct kube_request get = {.verb = "GET",
                                   .res = m->res,
                                   .namespace = m->namespace,
                                   .name = m->name,
                                   .nums = 1};
        if (!cur) {
            rc = kube_do(k, &get, out);
            if (rc)
                break;
            cur = out->obj;
            out->obj = NULL;
            if (!cur) {
                rc = rn_errf(&out->err, RN_EHTTP, "get %s \"%s\": not JSON",
                             m->res->plural, m->name);
                break;
            }
        }
        rc = modify_once(k, m, cur, out);
        if (!is_conflict(out) || try == TRIES - 1)
            break;
        kube_reply_clear(out);
        doc_unref(cur);
        cur = NULL;
        sleep_ms(conflict_wait(try));
    }
    doc_unref(cur);
    return rc;
}

/* ---- on the loop ---- */

struct modify_op {
    struct kube_client *k;
    struct kube_loop *l;
    struct kube_modify m; /* strings copied below */
    char *ns, *name, *verb;
    struct doc *cur;
    int try;
    kube_reply_cb *cb;
    void *ud;
};

static void op_free(struct modify_op *op)
{
    doc_unref(op->cur);
    rn_free(op->ns);
    rn_free(op->name);
    rn_free(op->verb);
    rn_free(op);
}

static void op_deliver(struct modify_op *op, struct kube_reply *r)
{
    op->cb(op->ud, r);
    kube_reply_clear(r);
    op_free(op);
}

static void op_step(void *ud);

static void on_written(void *ud, struct kube_reply *r)
{
    struct modify_op *op = ud;
    if (!is_conflict(r) || ++op->try >= TRIES ||
        !kube_timer_add(op->l, conflict_wait(op->try), op_step, op)) {
        op->cb(op->ud, r);
        op_free(op);
        return;
    }
    doc_unref(op->cur);
    op->cur = NULL;
}

static void op_send(struct modify_op *op)
{
    struct buf body;
    struct kube_request rq;
    struct kube_reply r;
    buf_init(&body, 0);
    int rc = op->m.make(op->m.ud, op->cur->root, &body);
    if (rc || body.len == 0) {
        if (rc)
            make_failed(&r, &op->m, rc);
        else
            noop_reply(&r, op->cur);
        buf_free(&body);
        op_deliver(op, &r);
        return;
    }
    write_request(&op->m, &body, &rq);
    rc = kube_do_async(op->k, op->l, &rq, on_written, op);
    buf_free(&body);
    if (rc) {
        make_failed(&r, &op->m, rc);
        op_deliver(op, &r);
    }
}

static void on_read(void *ud, struct kube_reply *r)
{
    struct modify_op *op = ud;
    if (r->status / 100 != 2 || !r->obj) {
        op->cb(op->ud, r);
        op_free(op);
        return;
    }
    op->cur = r->obj;
    r->obj = NULL;
    op_send(op);
}

static void op_step(void *ud)
{
    struct modify_op *op = ud;
    struct kube_request get = {.verb = "GET",
                               .res = op->m.res,
                               .namespace = op->ns,
                               .name = op->name,
                               .nums = 1};
    struct kube_reply r;
    if (op->cur) {
        op_send(op);
        return;
    }
    if (kube_do_async(op->k, op->l, &get, on_read, op) != RN_OK) {
        make_failed(&r, &op->m, RN_ENOMEM);
        op_deliver(op, &r);
    }
}

int kube_modify_async(struct kube_client *k, struct kube_loop *l,
                      const struct kube_modify *m, kube_reply_cb *cb, void *ud)
{
    struct modify_op *op = rn_calloc(1, sizeof *op);
    if (!op)
        return RN_ENOMEM;
    op->k = k;
    op->l = l;
    op->m = *m;
    op->cb = cb;
    op->ud = ud;
    op->ns =
        m->namespace ? rn_strndup(m->namespace, strlen(m->namespace)) : NULL;
    op->name = rn_strndup(m->name, strlen(m->name));
    op->verb = rn_strndup(m->verb, strlen(m->verb));
    op->cur = m->current ? doc_ref(m->current) : NULL;
    op->m.namespace = op->ns;
    op->m.name = op->name;
    op->m.verb = op->verb;
    op->m.current = NULL;
    if (!op->name || !op->verb || (m->namespace && !op->ns) ||
        !kube_timer_add(l, 0, op_step, op)) {
        op_free(op);
        return RN_ENOMEM;
    }
    return RN_OK;
}
