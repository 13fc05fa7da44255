/*
 * loop.c: the controller's one event loop (kube.h, "The loop").
 *
 * libcurl's multi handle does the waiting: curl_multi_poll() sleeps on
 * every socket of every transfer (watch streams, API writes, deliveries)
 * and on a wakeup pipe, for at most the time to the nearest timer or to
 * libcurl's own next timeout.  Timers sit in a binary heap ordered by due
 * time then by creation, so timers due at the same moment run in the
 * order they were added.  Other threads (the metrics server, a blocking
 * service's worker, a signal handler) reach the loop only through
 * kube_loop_post() and kube_loop_wakeup().
 *
 * An added easy handle's CURLOPT_PRIVATE belongs to the loop while it
 * runs.  The loop also keeps the one doc builder its thread freezes
 * documents with (the informers' list items and watch events), so the
 * builder's scratch and tables are reused across every stream.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

struct kube_timer {
    int64_t due;
    uint64_t seq;
    size_t idx; /* position in the heap */
    kube_cb *fn;
    void *ud;
};

struct xfer {
    CURL *easy;
    kube_xfer_cb *done;
    void *ud;
    struct xfer *prev, *next;
};

struct posted {
    kube_cb *fn;
    void *ud;
    struct posted *next;
};

struct kube_loop {
    CURLM *multi;
    struct kube_timer **heap;
    size_t nheap, capheap;
    uint64_t seq;
    struct xfer *xfers; /* list of running transfers */
    size_t nxfers;
    pthread_mutex_t mu; /* guards posted */
    struct posted *posted, *posted_tail;
    struct doc_builder builder; /* loop thread only */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kube_loop_now(const struct kube_loop *l)
{
    (void)l;
    return mono_ms();
}

int kube_loop_new(struct kube_loop **out)
{
    struct kube_loop *l = rn_calloc(1, sizeof *l);
    if (!l)
        return RN_ENOMEM;
    l->multi = curl_multi_init();
    if (!l->multi) {
        rn_free(l);
        return RN_ENOMEM;
    }
    pthread_mutex_init(&l->mu, NULL);
    doc_builder_init(&l->builder);
    *out = l;
    return RN_OK;
}

struct doc_builder *kube_loop_builder(struct kube_loop *l)
{
    return &l->builder;
}

void kube_loop_free(struct kube_loop *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nheap; i++)
        rn_free(l->heap[i]);
    rn_free(l->heap);
    while (l->xfers) {
        struct xfer *x = l->xfers;
        l->xfers = x->next;
        curl_multi_remove_handle(l->multi, x->easy);
        rn_free(x);
    }
    for (struct posted *p = l->posted, *n; p; p = n) {
        n = p->next;
        rn_free(p);
    }
    curl_multi_cleanup(l->multi);
    pthread_mutex_destroy(&l->mu);
    doc_builder_free(&l->builder);
    rn_free(l);
}

/* ---- the timer heap ---- */

static bool before(const struct kube_timer *a, const struct kube_timer *b)
{
    return a->due != b->due ? a->due < b->due : a->seq < b->seq;
}

static void heap_set(struct kube_loop *l, size_t i, struct kube_timer *t)
{
    l->heap[i] = t;
    t->idx = i;
}

static void sift_up(struct kube_loop *l, size_t i)
{
    struct kube_timer *t = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(t, l->heap[p]))
            break;
        heap_set(l, i, l->heap[p]);
        i = p;
    }
    heap_set(l, i, t);
}

static void sift_down(struct kube_loop *l, size_t i)
{
    struct kube_timer *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap)
            break;
        if (c + 1 < l->nheap && before(l->heap[c + 1], l->heap[c]))
            c++;
        if (!before(l->heap[c], t))
            break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, t);
}

/* Take the timer at heap position i out of the heap. */
static void heap_remove(struct kube_loop *l, size_t i)
{
    struct kube_timer *last = l->heap[--l->nheap];
    if (i == l->nheap)
        return;
    heap_set(l, i, last);
    sift_down(l, i);
    sift_up(l, last->idx);
}

struct kube_timer *kube_timer_add(struct kube_loop *l, int64_t delay_ms,
                                  kube_cb *fn, void *ud)
{
    if (l->nheap == l->capheap) {
        size_t ncap = l->capheap ? l->capheap * 2 : 64;
        struct kube_timer **nh = rn_realloc(l->heap, ncap * sizeof *nh);
        if (!nh)
            return NULL;
        l->heap = nh;
        l->capheap = ncap;
    }
    struct kube_timer *t = rn_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->due = mono_ms() + (delay_ms > 0 ? delay_ms : 0);
    t->seq = l->seq++;
    t->fn = fn;
    t->ud = ud;
    heap_set(l, l->nheap++, t);
    sift_up(l, t->idx);
    return t;
}

void kube_timer_cancel(struct kube_loop *l, struct kube_timer *t)
{
    if (!t)
        return;
    heap_remove(l, t->idx);
    rn_free(t);
}

/* Run the timers due now, but none added while running them (a timer
 * that re-arms itself with delay 0 waits for the next turn). */
static void run_timers(struct kube_loop *l)
{
    int64_t now = mono_ms();
    uint64_t limit = l->seq;
    while (l->nheap && l->heap[0]->due <= now && l->heap[0]->seq < limit) {
        struct kube_timer *t = l->heap[0];
        heap_remove(l, 0);
        kube_cb *fn = t->fn;
        void *ud = t->ud;
        rn_free(t);
        fn(ud);
    }
}

/* ---- transfers ---- */

int kube_loop_add_xfer(struct kube_loop *l, void *easy, kube_xfer_cb *done,
                       void *ud)
{
    struct xfer *x = rn_calloc(1, sizeof *x);
    if (!x)
        return RN_ENOMEM;
    x->easy = easy;
    x->done = done;
    x->ud = ud;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
    if (curl_multi_add_handle(l->multi, easy) != CURLM_OK) {
        rn_free(x);
        return RN_EIO;
    }
    x->next = l->xfers;
    if (l->xfers)
        l->xfers->prev = x;
    l->xfers = x;
    l->nxfers++;
    return RN_OK;
}

static void unlink_xfer(struct kube_loop *l, struct xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        l->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    l->nxfers--;
    curl_multi_remove_handle(l->multi, x->easy);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, NULL);
}

void kube_loop_remove_xfer(struct kube_loop *l, void *easy)
{
    struct xfer *x = NULL;
    if (!easy)
        return;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
    if (!x)
        return;
    unlink_xfer(l, x);
    rn_free(x);
}

size_t kube_loop_xfers(const struct kube_loop *l)
{
    return l->nxfers;
}

/* Hand finished transfers to their callbacks. */
static void reap(struct kube_loop *l)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(l->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (!x)
            continue;
        int code = (int)m->data.result;
        unlink_xfer(l, x);
        kube_xfer_cb *done = x->done;
        void *ud = x->ud;
        rn_free(x);
        done(ud, code);
    }
}

/* ---- other threads ---- */

int kube_loop_post(struct kube_loop *l, kube_cb *fn, void *ud)
{
    struct posted *p = rn_calloc(1, sizeof *p);
    if (!p)
        return RN_ENOMEM;
    p->fn = fn;
    p->ud = ud;
    pthread_mutex_lock(&l->mu);
    if (l->posted_tail)
        l->posted_tail->next = p;
    else
        l->posted = p;
    l->posted_tail = p;
    pthread_mutex_unlock(&l->mu);
    curl_multi_wakeup(l->multi);
    return RN_OK;
}

void kube_loop_wakeup(struct kube_loop *l)
{
    curl_multi_wakeup(l->multi);
}

static bool have_posted(struct kube_loop *l)
{
    pthread_mutex_lock(&l->mu);
    bool any = l->posted != NULL;
    pthread_mutex_unlock(&l->mu);
    return any;
}

static void run_posted(struct kube_loop *l)
{
    pthread_mutex_lock(&l->mu);
    struct posted *p = l->posted;
    l->posted = l->posted_tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (p) {
        struct posted *n = p->next;
        kube_cb *fn = p->fn;
        void *ud = p->ud;
        rn_free(p);
        fn(ud);
        p = n;
    }
}

/* ---- one turn ---- */

int kube_loop_run_once(struct kube_loop *l, int64_t max_ms)
{
    int64_t wait = max_ms < 0 ? 0 : max_ms;
    if (l->nheap) {
        int64_t d = l->heap[0]->due - mono_ms();
        if (d < wait)
            wait = d < 0 ? 0 : d;
    }
    long ct = -1;
    if (curl_multi_timeout(l->multi, &ct) == CURLM_OK && ct >= 0 && ct < wait)
        wait = ct;
    if (have_posted(l))
        wait = 0;
    if (wait > 0x7fffffff)
        wait = 0x7fffffff;
    curl_multi_poll(l->multi, NULL, 0, (int)wait, NULL);
    int running = 0;
    curl_multi_perform(l->multi, &running);
    reap(l);
    run_timers(l);
    run_posted(l);
    return RN_OK;
}
