/*
 * test_watch.c: the watch stream parser (src/kube/watch.c): any slicing
 * of the bytes gives the same events, a partial tail waits for the rest,
 * long lines hit the limit, bad lines and unknown types are syntax
 * errors that name the line, BOOKMARK and ERROR (410) carry their
 * resourceVersion and code, and the event's doc is its object alone,
 * frozen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/doc.h"
#include "kube/kube.h"
#include "kube/kube_int.h"

#include <stdio.h>
#include <string.h>

struct seen {
    int n;
    int types[16];
    char rvs[16][32];
    char names[16][32];
    long codes[16];
    int stop_at; /* return an error at this event (1-based), 0 = never */
};

static int on_event(void *ud, const struct kube_watch_event *ev)
{
    struct seen *s = ud;
    const struct val *md = val_get_cstr(ev->obj->root, "metadata");
    const struct val *name = md ? val_get_cstr(*md, "name") : NULL;
    if (s->n < 16) {
        s->types[s->n] = ev->type;
        snprintf(s->rvs[s->n], 32, "%s", ev->rv);
        snprintf(s->names[s->n], 32, "%s", name ? val_str_ptr(*name) : "");
        s->codes[s->n] = ev->code;
    }
    s->n++;
    return s->stop_at && s->n == s->stop_at ? 77 : 0;
}

static const char stream[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Rollout\",\"metadata\":"
    "{\"name\":\"a\",\"resourceVersion\":\"1001\"},\"spec\":{\"n\":1}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"a\","
    "\"resourceVersion\":\"1002\"}}}\r\n"
    "\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Rollout\",\"metadata\":"
    "{\"resourceVersion\":\"1010\",\"creationTimestamp\":null}}}\n"
    "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"a\","
    "\"resourceVersion\":\"1011\"}}}\n"
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":"
    "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old "
    "resource version: 1 (1000)\",\"reason\":\"Expired\",\"code\":410}}\n";

static void check_stream(const struct seen *s)
{
    static const int want[] = {KUBE_ADDED, KUBE_MODIFIED, KUBE_BOOKMARK,
                               KUBE_DELETED, KUBE_ERROR};
    static const char *const rvs[] = {"1001", "1002", "1010", "1011", ""};
    assert_int_equal(s->n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s->types[i], want[i]);
        assert_string_equal(s->rvs[i], rvs[i]);
    }
    assert_string_equal(s->names[0], "a");
    assert_int_equal(s->codes[4], 410);
    assert_int_equal(s->codes[0], 0);
}

/* Feed the stream in slices of `step` bytes (1 = byte by byte). */
static void feed_sliced(size_t step, int nums)
{
    struct kube_watch_parser *p;
    struct seen s = {0};
    struct rn_err e;
    assert_int_equal(kube_watch_parser_new(0, nums, &p), RN_OK);
    size_t n = sizeof stream - 1;
    for (size_t off = 0; off < n; off += step) {
        size_t k = n - off < step ? n - off : step;
        assert_int_equal(
            kube_watch_parser_feed(p, stream + off, k, on_event, &s, &e),
            RN_OK);
    }
    check_stream(&s);
    kube_watch_parser_free(p);
}

static void test_slicings(void **state)
{
    (void)state;
    size_t steps[] = {1, 2, 3, 7, 64, 100, 4096};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        feed_sliced(steps[i], i & 1);
}

static int keep_obj(void *ud, const struct kube_watch_event *ev)
{
    struct doc **d = ud;
    *d = doc_ref(ev->obj);
    return 0;
}

static void test_root_is_object_and_nums(void **state)
{
    (void)state;
    struct kube_watch_parser *p;
    struct rn_err e;
    struct doc *d = NULL;
    const char *line = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{"
                       "\"name\":\"x\"},\"spec\":{\"replicas\":3}}}\n";
    assert_int_equal(kube_watch_parser_new(0, 1 /* int64 */, &p), RN_OK);
    assert_int_equal(
        kube_watch_parser_feed(p, line, strlen(line), keep_obj, &d, &e), RN_OK);
    kube_watch_parser_free(p);
    assert_non_null(d);
    const struct val *spec = val_get_cstr(d->root, "spec");
    assert_non_null(spec);
    const struct val *r = val_get_cstr(*spec, "replicas");
    assert_int_equal(val_kind(*r), VAL_INT); /* int64 mode kept */
    assert_null(val_get_cstr(d->root, "type"));
    doc_unref(d);
}

/* The doc keeps the event's object only, frozen in one exact block: a
 * large member beside "object" costs it nothing, and the builder handed
 * over by the informer is left reset for the next line. */
static void test_doc_is_the_object_alone(void **state)
{
    (void)state;
    struct kube_watch_parser *p;
    struct rn_err e;
    struct doc *d = NULL;
    struct doc_builder b;
    char line[8192];
    char junk[6000];
    memset(junk, 'j', sizeof junk - 1);
    junk[sizeof junk - 1] = '\0';
    snprintf(line, sizeof line,
             "{\"junk\":\"%s\",\"type\":\"MODIFIED\",\"object\":{"
             "\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"7\"}}}\n",
             junk);
    doc_builder_init(&b);
    assert_int_equal(kube_watch_parser_new(0, 1, &p), RN_OK);
    kube_watch_parser_set_builder(p, &b);
    assert_int_equal(
        kube_watch_parser_feed(p, line, strlen(line), keep_obj, &d, &e), RN_OK);
    kube_watch_parser_free(p);
    assert_non_null(d);
    assert_true(d->frozen > 0);
    assert_true(doc_size(d) < 1024);
    assert_non_null(b.fz); /* the parser froze with the builder given */
    assert_null(val_get_cstr(d->root, "junk"));
    doc_unref(d);
    doc_builder_free(&b);
}

static void test_partial_tail_waits(void **state)
{
    (void)state;
    struct kube_watch_parser *p;
    struct seen s = {0};
    struct rn_err e;
    const char *a = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{}}}";
    assert_int_equal(kube_watch_parser_new(0, 0, &p), RN_OK);
    assert_int_equal(kube_watch_parser_feed(p, a, strlen(a), on_event, &s, &e),
                     RN_OK);
    assert_int_equal(s.n, 0); /* no newline yet */
    assert_int_equal(kube_watch_parser_feed(p, "\n{\"ty", 5, on_event, &s, &e),
                     RN_OK);
    assert_int_equal(s.n, 1);
    kube_watch_parser_free(p); /* a cut tail is simply dropped */
}

static void test_long_line(void **state)
{
    (void)state;
    struct kube_watch_parser *p;
    struct seen s = {0};
    struct rn_err e;
    char big[300];
    memset(big, ' ', sizeof big);
    assert_int_equal(kube_watch_parser_new(256, 0, &p), RN_OK);
    /* across slices: the tail grows past the limit */
    assert_int_equal(kube_watch_parser_feed(p, big, 200, on_event, &s, &e),
                     RN_OK);
    assert_int_equal(kube_watch_parser_feed(p, big, 100, on_event, &s, &e),
                     RN_ELIMIT);
    assert_non_null(strstr(e.msg, "longer than 256"));
    kube_watch_parser_free(p);
    /* within one slice */
    assert_int_equal(kube_watch_parser_new(256, 0, &p), RN_OK);
    assert_int_equal(kube_watch_parser_feed(p, big, 300, on_event, &s, &e),
                     RN_ELIMIT);
    kube_watch_parser_free(p);
    /* exactly at the limit is fine */
    char ok[258];
    const char *ev = "{\"type\":\"ADDED\",\"object\":{}}";
    memset(ok, ' ', sizeof ok);
    memcpy(ok, ev, strlen(ev));
    ok[256] = '\n';
    assert_int_equal(kube_watch_parser_new(256, 0, &p), RN_OK);
    assert_int_equal(kube_watch_parser_feed(p, ok, 257, on_event, &s, &e),
                     RN_OK);
    assert_int_equal(s.n, 1);
    kube_watch_parser_free(p);
}

static int feed_one(const char *text, struct rn_err *e)
{
    struct kube_watch_parser *p;
    struct seen s = {0};
    assert_int_equal(kube_watch_parser_new(0, 0, &p), RN_OK);
    int rc = kube_watch_parser_feed(p, text, strlen(text), on_event, &s, e);
    kube_watch_parser_free(p);
    return rc;
}

static void test_bad_lines(void **state)
{
    (void)state;
    struct rn_err e;
    assert_int_equal(
        feed_one("{\"type\":\"ADDED\",\"object\":{}}\n<html>\n", &e),
        RN_ESYNTAX);
    assert_non_null(strstr(e.msg, "line 2"));
    assert_int_equal(feed_one("{\"type\":\"WEIRD\",\"object\":{}}\n", &e),
                     RN_ESYNTAX);
    assert_non_null(strstr(e.msg, "WEIRD"));
    assert_int_equal(feed_one("{\"type\":\"ADDED\"}\n", &e), RN_ESYNTAX);
    assert_int_equal(feed_one("{\"type\":\"ADDED\",\"object\":[]}\n", &e),
                     RN_ESYNTAX);
    assert_int_equal(feed_one("[1,2]\n", &e), RN_ESYNTAX);
    assert_int_equal(feed_one("{\"type\":3,\"object\":{}}\n", &e), RN_ESYNTAX);
}

static void test_callback_stops(void **state)
{
    (void)state;
    struct kube_watch_parser *p;
    struct seen s = {.stop_at = 2};
    struct rn_err e;
    assert_int_equal(kube_watch_parser_new(0, 0, &p), RN_OK);
    assert_int_equal(
        kube_watch_parser_feed(p, stream, sizeof stream - 1, on_event, &s, &e),
        77);
    assert_int_equal(s.n, 2);
    kube_watch_parser_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slicings),
        cmocka_unit_test(test_root_is_object_and_nums),
        cmocka_unit_test(test_doc_is_the_object_alone),
        cmocka_unit_test(test_partial_tail_waits),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
