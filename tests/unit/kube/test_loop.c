/*
 * test_loop.c: the event loop of src/kube/loop.c: timers fire in due
 * order (ties in creation order), cancelled timers never fire, a timer
 * added with delay 0 from a timer waits for the next turn, callbacks
 * posted from another thread run on the loop, and transfers report their
 * end once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kube/kube.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct rec {
    int order[64];
    int n;
    struct kube_loop *l;
};

struct tick {
    struct rec *r;
    int id;
};

static void fire(void *ud)
{
    struct tick *t = ud;
    t->r->order[t->r->n++] = t->id;
}

static void test_timers_order(void **state)
{
    (void)state;
    struct kube_loop *l;
    struct rec r = {0};
    assert_int_equal(kube_loop_new(&l), RN_OK);
    struct tick t[6];
    int delays[6] = {30, 10, 10, 0, 20, 5};
    struct kube_timer *tm[6];
    for (int i = 0; i < 6; i++) {
        t[i].r = &r;
        t[i].id = i;
        tm[i] = kube_timer_add(l, delays[i], fire, &t[i]);
        assert_non_null(tm[i]);
    }
    kube_timer_cancel(l, tm[4]);
    int64_t start = kube_loop_now(l);
    while (r.n < 5 && kube_loop_now(l) - start < 2000)
        kube_loop_run_once(l, 100);
    assert_int_equal(r.n, 5);
    int want[5] = {3, 5, 1, 2, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(r.order[i], want[i]);
    kube_loop_free(l);
}

static struct tick rearm_tick;
static void rearm(void *ud)
{
    struct rec *r = ud;
    r->order[r->n++] = 100;
    rearm_tick.r = r;
    rearm_tick.id = 101;
    assert_non_null(kube_timer_add(r->l, 0, fire, &rearm_tick));
}

static void test_timer_rearm_next_turn(void **state)
{
    (void)state;
    struct rec r = {0};
    assert_int_equal(kube_loop_new(&r.l), RN_OK);
    assert_non_null(kube_timer_add(r.l, 0, rearm, &r));
    kube_loop_run_once(r.l, 0);
    assert_int_equal(r.n, 1);
    kube_loop_run_once(r.l, 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[1], 101);
    /* a pending timer is freed with the loop */
    assert_non_null(kube_timer_add(r.l, 100000, rearm, &r));
    kube_loop_free(r.l);
}

static void *poster(void *ud)
{
    struct rec *r = ud;
    static struct tick t[10];
    for (int i = 0; i < 10; i++) {
        t[i].r = r;
        t[i].id = i;
        usleep(1000);
        kube_loop_post(r->l, fire, &t[i]);
    }
    return NULL;
}

static void test_post_from_thread(void **state)
{
    (void)state;
    struct rec r = {0};
    pthread_t th;
    assert_int_equal(kube_loop_new(&r.l), RN_OK);
    assert_int_equal(pthread_create(&th, NULL, poster, &r), 0);
    int64_t start = kube_loop_now(r.l);
    /* the loop sleeps up to 10 s per turn: only the posts wake it */
    while (r.n < 10 && kube_loop_now(r.l) - start < 5000)
        kube_loop_run_once(r.l, 10000);
    pthread_join(th, NULL);
    assert_int_equal(r.n, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(r.order[i], i);
    kube_loop_free(r.l);
}

struct xres {
    int calls, code;
};

static void xdone(void *ud, int code)
{
    struct xres *x = ud;
    x->calls++;
    x->code = code;
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    *(size_t *)ud += s * n;
    return s * n;
}

static void test_transfer(void **state)
{
    (void)state;
    struct kube_loop *l;
    char path[] = "/tmp/rn_test_loop_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello\n", 6), 6);
    close(fd);
    char url[128];
    snprintf(url, sizeof url, "file://%s", path);
    assert_int_equal(kube_loop_new(&l), RN_OK);
    CURL *ok = curl_easy_init(), *bad = curl_easy_init(), *gone = NULL;
    size_t got = 0;
    curl_easy_setopt(ok, CURLOPT_URL, url);
    curl_easy_setopt(ok, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(ok, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(bad, CURLOPT_URL, "file:///nonexistent/rn/x");
    struct xres a = {0}, b = {0}, c = {0};
    assert_int_equal(kube_loop_add_xfer(l, ok, xdone, &a), RN_OK);
    assert_int_equal(kube_loop_add_xfer(l, bad, xdone, &b), RN_OK);
    gone = curl_easy_init();
    curl_easy_setopt(gone, CURLOPT_URL, url);
    curl_easy_setopt(gone, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(gone, CURLOPT_WRITEDATA, &got);
    assert_int_equal(kube_loop_add_xfer(l, gone, xdone, &c), RN_OK);
    kube_loop_remove_xfer(l, gone);
    assert_int_equal(kube_loop_xfers(l), 2);
    for (int i = 0; i < 100 && (a.calls == 0 || b.calls == 0); i++)
        kube_loop_run_once(l, 50);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a.code, CURLE_OK);
    assert_int_equal(got, 6);
    assert_int_equal(b.calls, 1);
    assert_int_not_equal(b.code, CURLE_OK);
    assert_int_equal(c.calls, 0);
    assert_int_equal(kube_loop_xfers(l), 0);
    curl_easy_cleanup(ok);
    curl_easy_cleanup(bad);
    curl_easy_cleanup(gone);
    kube_loop_free(l);
    unlink(path);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_order),
        cmocka_unit_test(test_timer_rearm_next_turn),
        cmocka_unit_test(test_post_from_thread),
        cmocka_unit_test(test_transfer),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
