/*
 * test_doc.c: frozen documents (src/core/doc_freeze.c): one block of
 * exactly the size needed, strings shared through the intern table across
 * documents, the same values as the tree they were frozen from (kinds, Go
 * types, sorted keys, YAML aliases kept shared), the limits, every
 * allocation failure, the builder's bounded memory, and documents made on
 * one thread and released on another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/goyaml.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const struct json_opts int64_mode = {.nums = JSON_NUM_INT64};

static const char rollout[] =
    "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Rollout\","
    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"%s\",\"team\":\"payments\"}},"
    "\"spec\":{\"replicas\":5,\"paused\":false,\"ratio\":0.25,"
    "\"steps\":[{\"setWeight\":20},{\"pause\":{}},{\"note\":\"a\\u00e9\\n\"}]},"
    "\"status\":{\"conditions\":[{\"type\":\"Progressing\",\"status\":\"True\","
    "\"lastUpdateTime\":\"2025-03-14T09:31:05Z\"},{\"type\":\"Available\","
    "\"status\":\"True\",\"lastUpdateTime\":\"2025-03-14T09:31:05Z\"}],"
    "\"phase\":\"Healthy\",\"observed\":null}}";

/* The test Rollout named name, as JSON in b. */
static void rollout_json(struct buf *b, const char *name)
{
    buf_reset(b);
    assert_int_equal(buf_add_fmt(b, rollout, name, name), RN_OK);
}

/* The same text parsed into an arena must equal the frozen doc. */
static void assert_same_as_arena(const struct doc *d, const char *s, size_t n,
                                 const struct json_opts *o)
{
    struct arena a;
    struct rn_err e;
    struct val v;
    arena_init(&a, 0);
    assert_int_equal(json_parse(&a, s, n, o, &v, &e), RN_OK);
    assert_true(val_deep_equal(v, d->root));
    struct buf x, y;
    buf_init(&x, 0);
    buf_init(&y, 0);
    assert_int_equal(json_emit(&x, v, NULL, &e), RN_OK);
    assert_int_equal(json_emit(&y, d->root, NULL, &e), RN_OK);
    assert_string_equal(buf_str(&x), buf_str(&y));
    buf_free(&x);
    buf_free(&y);
    arena_free(&a);
}

static const char *str_at(struct val root, const char *path0, const char *key)
{
    const struct val *o = val_get_cstr(root, path0);
    assert_non_null(o);
    const struct val *v = val_get_cstr(*o, key);
    assert_non_null(v);
    assert_int_equal(v->kind, VAL_STRING);
    return v->u.s;
}

/* Header + containers + distinct unshared strings, nothing more, in one
 * allocation. */
static void test_exact_size(void **state)
{
    static const char s[] = "{\"exact-k3\":\"\",\"exact-k1\":[\"exact-v1\","
                            "\"exact-v1\",7,{\"exact-k2\":null}]}";
    struct rn_err e;
    struct doc_builder b;
    unsigned long long c0, b0, c1, b1;
    (void)state;
    doc_builder_init(&b);
    struct doc *d = json_parse_doc_with(&b, s, sizeof s - 1, NULL, &e);
    assert_non_null(d);
    size_t containers = (16 + 2 * 32) + (16 + 4 * 16) + (16 + 1 * 32);
    size_t strings = 4 * sizeof "exact-k1"; /* k1, v1, k2, k3; "" is free */
    assert_int_equal(doc_size(d), sizeof *d + containers + strings);
    assert_int_equal(d->frozen, containers + strings);
    assert_int_equal(arena_footprint(&d->arena), 0);
    assert_same_as_arena(d, s, sizeof s - 1, NULL);
    /* keys stay sorted, lookups work */
    assert_string_equal(val_obj_at(d->root, 0)->key.u.s, "exact-k1");
    assert_non_null(val_get_cstr(d->root, "exact-k3"));

    /* seen twice now: the third doc's strings are all shared, and the
     * doc is one allocation of its exact size */
    struct doc *d2 = json_parse_doc_with(&b, s, sizeof s - 1, NULL, &e);
    rn_alloc_stats(&c0, &b0);
    struct doc *d3 = json_parse_doc_with(&b, s, sizeof s - 1, NULL, &e);
    rn_alloc_stats(&c1, &b1);
    assert_non_null(d2);
    assert_non_null(d3);
    assert_int_equal(c1 - c0, 1);
    assert_int_equal(b1 - b0, doc_size(d3));
    assert_int_equal(doc_size(d3), sizeof *d + containers);
    assert_same_as_arena(d3, s, sizeof s - 1, NULL);
    doc_unref(d);
    doc_unref(d2);
    doc_unref(d3);
    doc_builder_free(&b);
}

/* An arena doc counts its header and its chunks. */
static void test_size_arena_doc(void **state)
{
    (void)state;
    struct doc *d = doc_new();
    assert_non_null(d);
    assert_int_equal(doc_size(d), sizeof *d);
    assert_non_null(arena_alloc(&d->arena, 100));
    assert_true(doc_size(d) > sizeof *d + 100);
    assert_int_equal(doc_size(d), sizeof *d + arena_footprint(&d->arena));
    assert_int_equal(doc_size(NULL), 0);
    doc_unref(d);
}

/* Keys and repeated values point at one copy across docs, and stay right
 * however many docs come and go. */
static void test_shared_strings(void **state)
{
    struct rn_err e;
    struct doc_builder b;
    struct buf t;
    struct doc *d[3];
    (void)state;
    doc_builder_init(&b);
    buf_init(&t, 0);
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shared-%d", i);
        rollout_json(&t, name);
        d[i] = json_parse_doc_with(&b, t.ptr, t.len, &int64_mode, &e);
        assert_non_null(d[i]);
        assert_same_as_arena(d[i], t.ptr, t.len, &int64_mode);
    }
    /* from the second sighting on: same key, same pointer */
    const struct val_kv *k1 = val_obj_at(d[1]->root, 0);
    const struct val_kv *k2 = val_obj_at(d[2]->root, 0);
    assert_string_equal(k1->key.u.s, "apiVersion");
    assert_ptr_equal(k1->key.u.s, k2->key.u.s);
    assert_ptr_equal(str_at(d[1]->root, "status", "phase"),
                     str_at(d[2]->root, "status", "phase"));
    /* a name seen once stays in its doc, once per doc */
    const char *n2 = str_at(d[2]->root, "metadata", "name");
    assert_string_equal(n2, "shared-2");
    assert_true(n2 >= (const char *)d[2] &&
                n2 < (const char *)d[2] + doc_size(d[2]));
    const struct val *labels =
        val_get_cstr(*val_get_cstr(d[2]->root, "metadata"), "labels");
    assert_ptr_equal(val_get_cstr(*labels, "app")->u.s, n2);
    assert_true(doc_size(d[2]) < doc_size(d[0]));

    doc_unref(d[0]);
    doc_unref(d[1]);
    for (int i = 0; i < 2000; i++) {
        rollout_json(&t, i % 2 ? "churn-a" : "churn-b");
        doc_unref(json_parse_doc_with(&b, t.ptr, t.len, NULL, &e));
    }
    rollout_json(&t, "shared-2");
    assert_same_as_arena(d[2], t.ptr, t.len, &int64_mode);
    struct doc *d4 = json_parse_doc_with(&b, t.ptr, t.len, NULL, &e);
    assert_non_null(d4);
    assert_ptr_equal(val_obj_at(d4->root, 0)->key.u.s, k2->key.u.s);
    doc_unref(d[2]);
    doc_unref(d4);
    buf_free(&t);
    doc_builder_free(&b);
}

/* Every kind JSON makes, escapes, numbers in both modes, odd shapes. */
static void test_same_values(void **state)
{
    static const char *const inputs[] = {
        "null",
        "\"\"",
        "\"top\"",
        "-0.5e-3",
        "[]",
        "{}",
        "[[],[[]],{},{\"\":{}}]",
        "{\"b\":1,\"a\":2,\"b\":3,\"c\":[true,false,null]}",
        "{\"s\":\"nul\\u0000in\",\"t\":\"nul\\u0000in\",\"u\":"
        "\"\\ud83d\\ude00\"}",
        "[12345678901234567890,9007199254740993,-9223372036854775808,1.5]",
    };
    struct rn_err e;
    (void)state;
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        for (int mode = 0; mode < 2; mode++) {
            struct json_opts o = {.nums =
                                      mode ? JSON_NUM_INT64 : JSON_NUM_FLOAT64};
            const char *s = inputs[i];
            struct doc *d = json_parse_doc(s, strlen(s), &o, &e);
            assert_non_null(d);
            assert_same_as_arena(d, s, strlen(s), &o);
            doc_unref(d);
        }
    }
    const char *nul = "{\"s\":\"a\\u0000b\"}";
    struct doc *d = json_parse_doc(nul, strlen(nul), NULL, &e);
    assert_non_null(d);
    const struct val *v = val_get_cstr(d->root, "s");
    assert_int_equal(v->len, 3);
    assert_memory_equal(v->u.s, "a\0b", 4);
    doc_unref(d);
}

/* A hand-built tree: Go types, flags and typed nils survive; only JSON's
 * kinds freeze; nesting is capped. */
static void test_freeze_tree(void **state)
{
    struct arena a;
    struct doc *d = NULL;
    (void)state;
    arena_init(&a, 0);
    struct val_list *l = arena_alloc(&a, sizeof *l + 6 * sizeof(struct val));
    assert_non_null(l);
    l->len = l->cap = 6;
    l->items = (struct val *)(l + 1);
    l->items[0] = val_int_t(200, GT_UINT8);
    l->items[1] = val_duration(1500);
    l->items[2] = val_list(NULL, GT_LIST_STRING);
    l->items[2].flags |= VAL_F_NILPTR;
    l->items[3] = val_str(NULL, 0);
    l->items[4] = val_str("html", 4);
    l->items[4].flags = GT_HTML;
    l->items[5] = val_obj(NULL, GT_MAP_STRING);
    struct val root = val_list(l, GT_LIST_ANY);
    assert_int_equal(doc_freeze(NULL, root, &d), RN_OK);
    assert_true(val_deep_equal(root, d->root));
    assert_int_equal(d->root.u.list->items[2].flags,
                     GT_LIST_STRING | VAL_F_NILPTR);
    assert_null(d->root.u.list->items[3].u.s);
    assert_int_equal(val_gotype(d->root.u.list->items[4]), GT_HTML);
    doc_unref(d);

    struct val_time tm = {0};
    l->items[1] = val_time(&tm);
    d = NULL;
    assert_int_equal(doc_freeze(NULL, root, &d), RN_EINVAL);
    assert_null(d);
    struct val_func fn = {"f", NULL, NULL};
    l->items[1] = val_func(&fn);
    assert_int_equal(doc_freeze(NULL, root, &d), RN_EINVAL);

    /* RN_DOC_MAX_DEPTH nested arrays freeze, one more does not */
    struct val v = val_null();
    for (int i = 0; i < RN_DOC_MAX_DEPTH; i++) {
        struct val_list *n = arena_alloc(&a, sizeof *n + sizeof(struct val));
        assert_non_null(n);
        n->len = n->cap = 1;
        n->items = (struct val *)(n + 1);
        n->items[0] = v;
        v = val_list(n, GT_LIST_ANY);
    }
    assert_int_equal(doc_freeze(NULL, v, &d), RN_OK);
    assert_true(val_deep_equal(v, d->root));
    doc_unref(d);
    struct val_list *top = arena_alloc(&a, sizeof *top + sizeof(struct val));
    assert_non_null(top);
    top->len = top->cap = 1;
    top->items = (struct val *)(top + 1);
    top->items[0] = v;
    d = NULL;
    assert_int_equal(doc_freeze(NULL, val_list(top, GT_LIST_ANY), &d),
                     RN_ELIMIT);
    assert_null(d);
    arena_free(&a);
}

/* Aliases stay shared, so an alias bomb freezes small and fast. */
static void test_yaml_aliases(void **state)
{
    struct rn_err e;
    struct buf y;
    (void)state;
    const char *s = "a: &x {k: [1, 2], s: text}\nb: *x\nc: [*x, *x]\n";
    struct doc *d = goyaml_parse_doc(s, strlen(s), NULL, &e);
    assert_non_null(d);
    const struct val *a = val_get_cstr(d->root, "a");
    const struct val *b = val_get_cstr(d->root, "b");
    assert_ptr_equal(a->u.obj, b->u.obj);
    assert_ptr_equal(val_list_at(*val_get_cstr(d->root, "c"), 1).u.obj,
                     a->u.obj);
    doc_unref(d);

    buf_init(&y, 0);
    assert_int_equal(buf_add_str(&y, "l0: &l0 [x, x]\n"), RN_OK);
    for (int i = 1; i <= 40; i++)
        assert_int_equal(
            buf_add_fmt(&y, "l%d: &l%d [*l%d, *l%d]\n", i, i, i - 1, i - 1),
            RN_OK);
    d = goyaml_parse_doc(y.ptr, y.len, NULL, &e);
    assert_non_null(d);
    assert_true(doc_size(d) < 8192);
    buf_free(&y);
    doc_unref(d);
}

/* Every allocation failure ends in RN_ENOMEM, with nothing leaked (ASan)
 * and a builder that still works. */
static void test_oom(void **state)
{
    struct doc_builder b;
    struct buf t;
    bool done = false;
    (void)state;
    doc_builder_init(&b);
    buf_init(&t, 0);
    const char *ys = "a: &x {k: [1, 2.5, yes, \"s\"]}\nb: *x\n";
    for (long k = 0; !done && k < 20000; k++) {
        char name[32];
        struct rn_err e = {0}, e2 = {0}, e3 = {0};
        struct doc *d[4] = {NULL};
        snprintf(name, sizeof name, "oom-%ld", k);
        rollout_json(&t, name);
        rn_alloc_fail_after(k / 2, k % 2); /* persistent, then transient */
        d[0] = json_parse_doc_with(&b, t.ptr, t.len, &int64_mode, &e);
        d[1] = json_parse_doc_with(&b, t.ptr, t.len, &int64_mode, &e2);
        d[2] = goyaml_parse_doc(ys, strlen(ys), NULL, &e3);
        int rc = d[0] ? doc_freeze(NULL, d[0]->root, &d[3]) : RN_OK;
        long failures = rn_alloc_failures();
        rn_alloc_fail_after(-1, 0);
        assert_true(d[0] || e.code == RN_ENOMEM);
        assert_true(d[1] || e2.code == RN_ENOMEM);
        assert_true(d[2] || e3.code == RN_ENOMEM);
        assert_true(rc == RN_OK || rc == RN_ENOMEM);
        for (int i = 0; i < 2; i++)
            if (d[i])
                assert_same_as_arena(d[i], t.ptr, t.len, &int64_mode);
        if (d[3])
            assert_true(val_deep_equal(d[0]->root, d[3]->root));
        done = failures == 0;
        if (done)
            assert_true(d[0] && d[1] && d[2] && d[3]);
        for (int i = 0; i < 4; i++)
            doc_unref(d[i]);
    }
    assert_true(done);
    buf_free(&t);
    doc_builder_free(&b);
}

/* After a big doc the builder gives its memory back. */
static void test_builder_bounded(void **state)
{
    struct doc_builder b;
    struct buf t;
    struct rn_err e;
    (void)state;
    doc_builder_init(&b);
    buf_init(&t, 0);
    assert_int_equal(buf_add_char(&t, '['), RN_OK);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(buf_add_fmt(&t, "%s\"big-%d\"", i ? "," : "", i),
                         RN_OK);
    assert_int_equal(buf_add_char(&t, ']'), RN_OK);
    struct doc *d = json_parse_doc_with(&b, t.ptr, t.len, NULL, &e);
    assert_non_null(d);
    assert_int_equal(val_list_len(d->root), 20000);
    assert_string_equal(val_list_at(d->root, 19999).u.s, "big-19999");
    assert_true(arena_footprint(&b.arena) <= (64u << 10));
    assert_null(b.fz);
    doc_unref(d);
    assert_null(json_parse_doc_with(&b, "[1,", 3, NULL, &e));
    assert_int_equal(e.code, RN_ESYNTAX);
    rollout_json(&t, "after-big");
    d = json_parse_doc_with(&b, t.ptr, t.len, NULL, &e);
    assert_non_null(d);
    assert_non_null(b.fz);
    doc_unref(d);
    buf_free(&t);
    doc_builder_free(&b);
}

/* ---- threads: docs made on two threads, checked and released on a third,
 * while the makers keep and drop references of their own ---- */

#define PER_THREAD 300
#define QCAP 64

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct doc *items[QCAP];
    int head, len, producers;
};

struct maker {
    struct queue *q;
    int id;
};

static void q_push(struct queue *q, struct doc *d)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == QCAP)
        pthread_cond_wait(&q->cv, &q->mu);
    q->items[(q->head + q->len++) % QCAP] = d;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* The next doc (NULL when a maker failed to make one); false at the end. */
static bool q_pop(struct queue *q, struct doc **d)
{
    bool got = false;
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && q->producers > 0)
        pthread_cond_wait(&q->cv, &q->mu);
    if (q->len) {
        *d = q->items[q->head];
        q->head = (q->head + 1) % QCAP;
        q->len--;
        got = true;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

static void *make_docs(void *arg)
{
    struct maker *m = arg;
    struct doc_builder b;
    struct buf t;
    struct rn_err e;
    struct doc *kept[PER_THREAD];
    doc_builder_init(&b);
    buf_init(&t, 0);
    for (int i = 0; i < PER_THREAD; i++) {
        char name[32];
        snprintf(name, sizeof name, "thread-%d-%d", m->id, i % 7);
        rollout_json(&t, name);
        struct doc *d = json_parse_doc_with(&b, t.ptr, t.len, NULL, &e);
        kept[i] = doc_ref(d);
        q_push(m->q, d);
    }
    for (int i = 0; i < PER_THREAD; i++)
        doc_unref(kept[i]);
    pthread_mutex_lock(&m->q->mu);
    m->q->producers--;
    pthread_cond_broadcast(&m->q->cv);
    pthread_mutex_unlock(&m->q->mu);
    buf_free(&t);
    doc_builder_free(&b);
    return NULL;
}

static void test_threads(void **state)
{
    struct queue q = {.producers = 2};
    struct maker m[2] = {{&q, 0}, {&q, 1}};
    pthread_t th[2];
    int seen = 0, good = 0;
    (void)state;
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, make_docs, &m[i]), 0);
    struct doc *d;
    while (q_pop(&q, &d)) {
        seen++;
        if (!d)
            continue; /* counted as missing below */
        const char *name = str_at(d->root, "metadata", "name");
        assert_memory_equal(name, "thread-", 7);
        assert_string_equal(str_at(d->root, "status", "phase"), "Healthy");
        assert_string_equal(val_obj_at(d->root, 0)->key.u.s, "apiVersion");
        doc_unref(d);
        good++;
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(seen, 2 * PER_THREAD);
    assert_int_equal(good, seen);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_size),
        cmocka_unit_test(test_size_arena_doc),
        cmocka_unit_test(test_shared_strings),
        cmocka_unit_test(test_same_values),
        cmocka_unit_test(test_freeze_tree),
        cmocka_unit_test(test_yaml_aliases),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_builder_bounded),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
