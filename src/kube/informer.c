/*
 * informer.c: list, then watch, one collection, with a local store.
 *
 * The algorithm is client-go's reflector:
 *  - list with limit=500 and continue; diff the result against the store
 *    (new keys -> add, changed resourceVersion -> update, gone -> del);
 *  - watch from the list's resourceVersion with allowWatchBookmarks and a
 *    random timeoutSeconds in [300, 600]; apply events in stream order and
 *    remember every event's resourceVersion (BOOKMARKs included, which
 *    never reach the handlers or the store);
 *  - when a watch ends cleanly, watch again at once from the last
 *    resourceVersion; a 410 (HTTP or an ERROR event, reason Expired or
 *    Gone) lists again; other failures back off (800 ms doubling to 30 s,
 *    jittered, reset after two quiet minutes; 429 waits Retry-After), and
 *    failing for over a minute lists again;
 *  - every resync period, every cached object is handed to update(obj,
 *    obj) without asking the server.
 * Watch bytes arrive inside libcurl's write callback, where no transfer
 * may be added; events are queued there and applied from a loop timer, so
 * handlers are free to start requests.  The store maps "namespace/name"
 * to a doc holding one reference.  Every cached object is its own frozen
 * doc (doc.h: one exact-size block, keys and common strings shared), made
 * with the loop's doc builder: a list page is parsed into a plain arena
 * doc and each item frozen from it, so no page outlives its listing; a
 * watch line is parsed in the builder's scratch and only its object is
 * frozen (watch.c).
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"
#include "../core/log.h"
#include "../core/map.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define BACKOFF_MIN_MS 800
#define BACKOFF_MAX_MS 30000
#define FAILING_RELIST_MS 60000
#define QUICK_RELIST_MS 10000
#define SHORT_WATCH_MS 1000
#define DEADLINE_SLACK_MS 30000
#define PAGE 500

struct pending {
    int type;
    struct doc *obj;
};

struct kube_informer {
    struct kube_client *k;
    struct kube_loop *l;
    struct kube_informer_opts o;
    char *ns, *lsel, *fsel, *rv, *cont;
    char name[96]; /* resource name, for logs */
    struct map store, fresh;
    bool synced, need_relist;
    struct kube_async *list_req;
    struct kube_xfer *watch;
    bool watch_running;
    struct kube_watch_parser *parser;
    int watch_err;      /* parser error, or 0 */
    long error_code;    /* code of an ERROR event, 0 when none */
    struct rn_err perr; /* parser error / ERROR event message */
    uint64_t watch_events;
    int64_t watch_started;
    struct pending *q;
    size_t nq, capq;
    struct kube_timer *drain_t, *retry_t, *deadline_t, *resync_t;
    struct kube_backoff bo;
    int64_t last_failure, first_failure, last_relist;
    int failures;
    struct kube_informer_stats st;
    char last_error[256];
};

static void start_list(void *ud);
static void start_watch(void *ud);

/* ---- bookkeeping ---- */

static int64_t now_ms(const struct kube_informer *inf)
{
    return kube_loop_now(inf->l);
}

static void set_rv(struct kube_informer *inf, const char *rv)
{
    if (!rv || !*rv)
        return;
    char *d = rn_strndup(rv, strlen(rv));
    if (!d)
        return; /* keep the older resume point */
    rn_free(inf->rv);
    inf->rv = d;
}

static void note_error(struct kube_informer *inf, const char *msg)
{
    snprintf(inf->last_error, sizeof inf->last_error, "%s", msg);
    log_kv(LOG_WARN, "kube informer", "resource", inf->name, "error", msg,
           NULL);
}

static void success(struct kube_informer *inf)
{
    inf->failures = 0;
    inf->first_failure = 0;
}

static int64_t backoff_next(struct kube_informer *inf)
{
    inf->last_failure = now_ms(inf);
    return kube_backoff_next(&inf->bo, inf->last_failure, kube_rand01());
}

static void schedule(struct kube_informer *inf, int64_t delay, bool list)
{
    inf->retry_t =
        kube_timer_add(inf->l, delay, list ? start_list : start_watch, inf);
    if (!inf->retry_t)
        log_kv(LOG_ERROR, "kube informer stalled: out of memory", "resource",
               inf->name, NULL);
}

/* A failed list or watch: back off (or wait_ms when >= 0), and list
 * again when watches have failed for over a minute. */
static void failed(struct kube_informer *inf, bool list, int64_t wait_ms,
                   bool immediate_ok)
{
    int64_t now = now_ms(inf);
    if (!inf->first_failure)
        inf->first_failure = now;
    inf->failures++;
    if (!list && now - inf->first_failure > FAILING_RELIST_MS)
        list = inf->need_relist = true;
    int64_t delay = backoff_next(inf);
    if (immediate_ok && inf->failures == 1)
        delay = 0;
    if (wait_ms >= 0)
        delay = wait_ms;
    schedule(inf, delay, list);
}

/* ---- the store ---- */

static int key_of(struct doc *d, struct buf *b)
{
    buf_reset(b);
    return kube_obj_key(b, d->root);
}

static void drop_all(struct map *m)
{
    size_t i = 0;
    const char *k;
    size_t kl;
    void *v;
    while (map_next(m, &i, &k, &kl, &v))
        doc_unref(v);
    map_free(m);
    map_init(m);
}

/* Swap in the listed set: del (gone) / update (resourceVersion changed)
 * / add.  Unchanged objects keep their cached doc.  Only the map not
 * being walked is changed. */
static void replace(struct kube_informer *inf)
{
    const struct kube_handlers *h = &inf->o.h;
    size_t i = 0, kl;
    const char *k;
    void *v;
    while (map_next(&inf->store, &i, &k, &kl, &v)) {
        struct doc *old = v, *nd = map_get(&inf->fresh, k, kl);
        if (!nd) {
            if (h->del)
                h->del(inf->o.ud, old);
        } else if (strcmp(kube_meta_str(old->root, "resourceVersion"),
                          kube_meta_str(nd->root, "resourceVersion"))) {
            if (h->update)
                h->update(inf->o.ud, old, nd);
        } else if (map_put(&inf->fresh, k, kl, doc_ref(old), NULL) == RN_OK) {
            doc_unref(nd);
        } else {
            doc_unref(old);
        }
    }
    i = 0;
    while (map_next(&inf->fresh, &i, &k, &kl, &v))
        if (!map_get(&inf->store, k, kl) && h->add)
            h->add(inf->o.ud, v);
    drop_all(&inf->store);
    inf->store = inf->fresh;
    map_init(&inf->fresh);
}

static void apply(struct kube_informer *inf, int type, struct doc *d,
                  struct buf *key)
{
    const struct kube_handlers *h = &inf->o.h;
    set_rv(inf, kube_meta_str(d->root, "resourceVersion"));
    if (type == KUBE_BOOKMARK || key_of(d, key) != RN_OK)
        return;
    inf->st.events++;
    if (type == KUBE_DELETED) {
        struct doc *old = map_del(&inf->store, key->ptr, key->len);
        if (h->del)
            h->del(inf->o.ud, d);
        doc_unref(old);
        return;
    }
    struct doc *old = NULL;
    if (map_put(&inf->store, key->ptr, key->len, doc_ref(d), (void **)&old)) {
        doc_unref(d);
        inf->need_relist = true; /* out of memory: the store is stale */
        return;
    }
    if (old && h->update)
        h->update(inf->o.ud, old, d);
    else if (!old && h->add)
        h->add(inf->o.ud, d);
    doc_unref(old);
}

static void drain(struct kube_informer *inf)
{
    struct buf key;
    buf_init(&key, 0);
    if (inf->drain_t)
        kube_timer_cancel(inf->l, inf->drain_t);
    inf->drain_t = NULL;
    for (size_t i = 0; i < inf->nq; i++) {
        apply(inf, inf->q[i].type, inf->q[i].obj, &key);
        doc_unref(inf->q[i].obj);
    }
    if (inf->nq)
        success(inf);
    inf->nq = 0;
    buf_free(&key);
}

static void drain_cb(void *ud)
{
    struct kube_informer *inf = ud;
    inf->drain_t = NULL;
    drain(inf);
}

/* ---- listing ---- */

static void on_page(void *ud, struct kube_reply *r);

static void list_page(struct kube_informer *inf)
{
    struct kube_list_opts lo = {inf->lsel, inf->fsel, PAGE, inf->o.nums};
    struct buf q;
    buf_init(&q, 0);
    struct kube_request rq = {.verb = "GET",
                              .res = inf->o.res,
                              .namespace = inf->ns,
                              .nums = inf->o.nums};
    int rc = kube_list_query(&q, &lo, inf->cont);
    rq.query = buf_str(&q);
    if (!rc)
        rc =
            kube_async_start(inf->k, inf->l, &rq, on_page, inf, &inf->list_req);
    if (!rc)
        kube_async_set_unfrozen(inf->list_req);
    buf_free(&q);
    if (rc) {
        note_error(inf, "list: out of memory");
        failed(inf, true, -1, false);
    }
}

static void start_list(void *ud)
{
    struct kube_informer *inf = ud;
    inf->retry_t = NULL;
    rn_free(inf->cont);
    inf->cont = NULL;
    drop_all(&inf->fresh);
    list_page(inf);
}

/* Each item becomes a frozen doc of its own; the page is then let go. */
static int add_items(struct kube_informer *inf, struct doc *page)
{
    const struct val *items = val_get_cstr(page->root, "items");
    size_t n =
        items && val_kind(*items) == VAL_ARRAY ? val_list_len(*items) : 0;
    struct doc_builder *b = kube_loop_builder(inf->l);
    struct buf key;
    int rc = RN_OK;
    buf_init(&key, 0);
    for (size_t i = 0; i < n && rc == RN_OK; i++) {
        struct val it = val_list_at(*items, i);
        struct doc *d = NULL, *old = NULL;
        if (!*kube_meta_str(it, "name"))
            continue;
        buf_reset(&key);
        rc = kube_obj_key(&key, it);
        if (!rc)
            rc = doc_freeze(b, it, &d);
        if (!rc)
            rc = map_put(&inf->fresh, key.ptr, key.len, d, (void **)&old);
        if (rc)
            doc_unref(d);
        doc_unref(old);
    }
    buf_free(&key);
    return rc;
}

static const char *page_continue(struct doc *page)
{
    const char *c = "";
    const struct val *md = val_get_cstr(page->root, "metadata");
    const struct val *v = md ? val_get_cstr(*md, "continue") : NULL;
    if (v && val_kind(*v) == VAL_STRING)
        c = val_str_ptr(*v);
    return c;
}

static void list_done(struct kube_informer *inf, struct doc *page)
{
    const struct val *md = val_get_cstr(page->root, "metadata");
    const struct val *rv = md ? val_get_cstr(*md, "resourceVersion") : NULL;
    set_rv(inf, rv && val_kind(*rv) == VAL_STRING ? val_str_ptr(*rv) : "");
    replace(inf);
    inf->st.lists++;
    if (inf->need_relist)
        inf->st.relists++;
    inf->need_relist = false;
    inf->last_relist = now_ms(inf);
    success(inf);
    if (!inf->synced) {
        inf->synced = true;
        if (inf->o.h.synced)
            inf->o.h.synced(inf->o.ud);
    }
    start_watch(inf);
}

static void on_page(void *ud, struct kube_reply *r)
{
    struct kube_informer *inf = ud;
    inf->list_req = NULL;
    if (r->status == 410 && inf->cont) { /* expired continue token */
        start_list(inf);
        return;
    }
    if (r->status / 100 != 2 || !r->obj) {
        note_error(inf, r->err.msg[0] ? r->err.msg : "list: reply not JSON");
        failed(inf, true, r->status == 429 ? r->retry_after_ms : -1, false);
        return;
    }
    const char *c = page_continue(r->obj);
    if (add_items(inf, r->obj) != RN_OK) {
        note_error(inf, "list: out of memory");
        failed(inf, true, -1, false);
        return;
    }
    rn_free(inf->cont);
    inf->cont = *c ? rn_strndup(c, strlen(c)) : NULL;
    if (inf->cont)
        list_page(inf);
    else
        list_done(inf, r->obj);
}

/* ---- watching ---- */

static int on_event(void *ud, const struct kube_watch_event *ev)
{
    struct kube_informer *inf = ud;
    if (ev->type == KUBE_ERROR) {
        const struct val *m = val_get_cstr(ev->obj->root, "message");
        inf->error_code = ev->code ? ev->code : 500;
        rn_errf(&inf->perr, RN_EHTTP, "watch %s: ERROR event %ld: %s",
                inf->name, inf->error_code,
                m && val_kind(*m) == VAL_STRING ? val_str_ptr(*m) : "");
        return RN_EHTTP; /* the server ends the stream after it anyway */
    }
    if (inf->nq == inf->capq) {
        size_t nc = inf->capq ? inf->capq * 2 : 16;
        struct pending *nq = rn_realloc(inf->q, nc * sizeof *nq);
        if (!nq)
            return RN_ENOMEM;
        inf->q = nq;
        inf->capq = nc;
    }
    inf->q[inf->nq++] = (struct pending){ev->type, doc_ref(ev->obj)};
    inf->watch_events++;
    if (!inf->drain_t)
        inf->drain_t = kube_timer_add(inf->l, 0, drain_cb, inf);
    return RN_OK;
}

static bool on_bytes(void *ud, const char *p, size_t n)
{
    struct kube_informer *inf = ud;
    if (inf->watch_err || inf->error_code)
        return false;
    int rc =
        kube_watch_parser_feed(inf->parser, p, n, on_event, inf, &inf->perr);
    if (rc && !inf->error_code)
        inf->watch_err = rc;
    return rc == RN_OK;
}

static void watch_ended(struct kube_informer *inf, int code);

static void on_watch_done(void *ud, int code)
{
    struct kube_informer *inf = ud;
    inf->watch_running = false;
    watch_ended(inf, code);
}

static void on_deadline(void *ud)
{
    struct kube_informer *inf = ud;
    inf->deadline_t = NULL;
    if (!inf->watch_running)
        return;
    kube_loop_remove_xfer(inf->l, kube_xfer_easy(inf->watch));
    inf->watch_running = false;
    watch_ended(inf, CURLE_OK);
}

static int watch_query(struct kube_informer *inf, struct buf *q, int64_t *t)
{
    char ts[24];
    *t = inf->o.watch_timeout_s > 0 ? inf->o.watch_timeout_s
                                    : 300 + (int64_t)(300 * kube_rand01());
    snprintf(ts, sizeof ts, "%lld", (long long)*t);
    int rc = kube_query_add(q, "watch", "true");
    if (!rc)
        rc = kube_query_add(q, "resourceVersion", inf->rv ? inf->rv : "");
    if (!rc)
        rc = kube_query_add(q, "allowWatchBookmarks", "true");
    if (!rc)
        rc = kube_query_add(q, "timeoutSeconds", ts);
    if (!rc && inf->lsel)
        rc = kube_query_add(q, "labelSelector", inf->lsel);
    if (!rc && inf->fsel)
        rc = kube_query_add(q, "fieldSelector", inf->fsel);
    return rc;
}

static void reset_watch(struct kube_informer *inf)
{
    kube_xfer_free(inf->watch);
    inf->watch = NULL;
    kube_watch_parser_free(inf->parser);
    inf->parser = NULL;
    inf->watch_err = 0;
    inf->error_code = 0;
    rn_err_clear(&inf->perr);
    inf->watch_events = 0;
}

static void start_watch(void *ud)
{
    struct kube_informer *inf = ud;
    struct kube_request rq = {.verb = "GET",
                              .res = inf->o.res,
                              .namespace = inf->ns,
                              .nums = inf->o.nums};
    struct buf q;
    struct rn_err e;
    int64_t t;
    inf->retry_t = NULL;
    reset_watch(inf);
    buf_init(&q, 0);
    int rc = watch_query(inf, &q, &t);
    rq.query = buf_str(&q);
    if (!rc)
        rc = kube_watch_parser_new(0, inf->o.nums, &inf->parser);
    if (!rc) {
        kube_watch_parser_set_builder(inf->parser, kube_loop_builder(inf->l));
        rc = kube_xfer_new(inf->k, &rq, &inf->watch);
    }
    buf_free(&q);
    rn_errf(&e, RN_ENOMEM, "out of memory");
    if (!rc) {
        kube_xfer_set_sink(inf->watch, on_bytes, inf);
        rc = kube_xfer_prepare(inf->watch, &e);
    }
    if (!rc)
        rc = kube_loop_add_xfer(inf->l, kube_xfer_easy(inf->watch),
                                on_watch_done, inf);
    if (rc) {
        note_error(inf, e.msg);
        failed(inf, false, -1, false);
        return;
    }
    inf->watch_running = true;
    inf->watch_started = now_ms(inf);
    inf->st.watches++;
    inf->deadline_t =
        kube_timer_add(inf->l, t * 1000 + DEADLINE_SLACK_MS, on_deadline, inf);
}

/* 410 in any form: list again, at once unless it keeps happening. */
static void relist(struct kube_informer *inf)
{
    inf->need_relist = true;
    bool quick = now_ms(inf) - inf->last_relist < QUICK_RELIST_MS;
    schedule(inf, quick ? backoff_next(inf) : 0, true);
}

/* A non-2xx reply to the watch request itself. */
static void watch_http_error(struct kube_informer *inf, int code)
{
    struct kube_reply r;
    kube_xfer_reply(inf->watch, code, &r);
    note_error(inf, r.err.msg);
    long st = r.status;
    int64_t ra = r.retry_after_ms;
    kube_reply_clear(&r);
    if (st == 410) {
        relist(inf);
        return;
    }
    if (st == 401)
        kube_auth_invalidate(&inf->k->auth);
    failed(inf, false, st == 429 ? (ra >= 0 ? ra : 1000) : -1, st == 401);
}

static void watch_ended(struct kube_informer *inf, int code)
{
    long st = code == CURLE_OK || inf->watch_err || inf->error_code
                  ? kube_xfer_status(inf->watch)
                  : 0;
    bool quiet = inf->watch_events == 0 &&
                 now_ms(inf) - inf->watch_started < SHORT_WATCH_MS;
    if (inf->deadline_t)
        kube_timer_cancel(inf->l, inf->deadline_t);
    inf->deadline_t = NULL;
    drain(inf);
    if (!inf->error_code && !inf->watch_err && st && st / 100 != 2) {
        watch_http_error(inf, code);
        return;
    }
    inf->st.restarts += code != CURLE_OK || inf->error_code || inf->watch_err;
    if (inf->error_code == 410) {
        note_error(inf, inf->perr.msg);
        relist(inf);
    } else if (inf->error_code || inf->watch_err) {
        note_error(inf, inf->perr.msg);
        if (inf->error_code == 401 || inf->error_code == 403)
            kube_auth_invalidate(&inf->k->auth);
        failed(inf, false, -1, false);
    } else if (code != CURLE_OK || quiet) {
        struct kube_reply r;
        kube_xfer_reply(inf->watch, code, &r);
        note_error(inf, code != CURLE_OK ? r.err.msg : "watch ended at once");
        kube_reply_clear(&r);
        failed(inf, false, -1, true);
    } else {
        success(inf);
        schedule(inf, 0, false);
    }
}

/* ---- resync ---- */

static void resync(void *ud)
{
    struct kube_informer *inf = ud;
    size_t i = 0, kl;
    const char *k;
    void *v;
    inf->resync_t = kube_timer_add(inf->l, inf->o.resync_ms, resync, inf);
    if (!inf->o.h.update)
        return;
    while (map_next(&inf->store, &i, &k, &kl, &v))
        inf->o.h.update(inf->o.ud, v, v);
}

/* ---- the public face ---- */

static char *dup_opt(const char *s, bool *oom)
{
    if (!s || !*s)
        return NULL;
    char *d = rn_strndup(s, strlen(s));
    *oom |= d == NULL;
    return d;
}

int kube_informer_start(struct kube_client *k, struct kube_loop *l,
                        const struct kube_informer_opts *o,
                        struct kube_informer **out, struct rn_err *e)
{
    struct kube_informer *inf = rn_calloc(1, sizeof *inf);
    bool oom = inf == NULL;
    if (oom)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    inf->k = k;
    inf->l = l;
    inf->o = *o;
    kube_backoff_init(&inf->bo, BACKOFF_MIN_MS,
                      o->backoff_max_ms > 0 ? o->backoff_max_ms
                                            : BACKOFF_MAX_MS);
    map_init(&inf->store);
    map_init(&inf->fresh);
    inf->ns = dup_opt(o->namespace, &oom);
    inf->lsel = dup_opt(o->label_selector, &oom);
    inf->fsel = dup_opt(o->field_selector, &oom);
    snprintf(inf->name, sizeof inf->name, "%s%s%s", o->res->plural,
             *o->res->group ? "." : "", o->res->group);
    if (!oom && o->resync_ms > 0 &&
        !(inf->resync_t = kube_timer_add(l, o->resync_ms, resync, inf)))
        oom = true;
    if (oom || !(inf->retry_t = kube_timer_add(l, 0, start_list, inf))) {
        kube_informer_free(inf);
        return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    *out = inf;
    return RN_OK;
}

void kube_informer_free(struct kube_informer *inf)
{
    if (!inf)
        return;
    kube_async_cancel(inf->list_req);
    if (inf->watch_running)
        kube_loop_remove_xfer(inf->l, kube_xfer_easy(inf->watch));
    reset_watch(inf);
    struct kube_timer *ts[] = {inf->drain_t, inf->retry_t, inf->deadline_t,
                               inf->resync_t};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        if (ts[i])
            kube_timer_cancel(inf->l, ts[i]);
    for (size_t i = 0; i < inf->nq; i++)
        doc_unref(inf->q[i].obj);
    rn_free(inf->q);
    drop_all(&inf->store);
    drop_all(&inf->fresh);
    map_free(&inf->store);
    map_free(&inf->fresh);
    rn_free(inf->ns);
    rn_free(inf->lsel);
    rn_free(inf->fsel);
    rn_free(inf->rv);
    rn_free(inf->cont);
    rn_free(inf);
}

bool kube_informer_synced(const struct kube_informer *inf)
{
    return inf->synced;
}

struct doc *kube_informer_get(const struct kube_informer *inf, const char *ns,
                              const char *name)
{
    char key[512];
    int n = snprintf(key, sizeof key, "%s/%s", ns ? ns : "", name);
    if (n < 0 || (size_t)n >= sizeof key)
        return NULL;
    return map_get(&inf->store, key, (size_t)n);
}

size_t kube_informer_len(const struct kube_informer *inf)
{
    return map_len(&inf->store);
}

void kube_informer_each(const struct kube_informer *inf,
                        void (*fn)(void *ud, struct doc *obj), void *ud)
{
    size_t i = 0, kl;
    const char *k;
    void *v;
    while (map_next(&inf->store, &i, &k, &kl, &v))
        fn(ud, v);
}

void kube_informer_stats(const struct kube_informer *inf,
                         struct kube_informer_stats *out)
{
    *out = inf->st;
    out->last_rv = inf->rv ? inf->rv : "";
    out->last_error = inf->last_error;
    out->watching = inf->watch_running;
}
