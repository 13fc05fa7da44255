/*
 * test_arena.c: the memory and error basics of src/core: arenas (caps,
 * growth, reset, document holds), capped buffers, refcounted documents,
 * the fault-injecting allocator and the error helpers.
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

#include <string.h>

static void test_arena_alloc(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    for (size_t n = 0; n < 100; n++) {
        char *p = arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, n);
    }
    /* bigger than any chunk */
    char *big = arena_alloc(&a, 3u << 20);
    assert_non_null(big);
    memset(big, 1, 3u << 20);
    unsigned char *z = arena_zalloc(&a, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(z[i], 0);
    assert_null(arena_alloc(&a, SIZE_MAX));
    assert_null(arena_alloc(&a, SIZE_MAX - 8));
    arena_free(&a);
    arena_free(&a); /* idempotent */
}

static void test_arena_strings(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    assert_string_equal(arena_strndup(&a, "hello", 3), "hel");
    assert_string_equal(arena_strdup(&a, ""), "");
    assert_string_equal(arena_printf(&a, "%d-%s", 42, "x"), "42-x");
    arena_free(&a);
}

static void test_arena_grow(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    char *p = arena_alloc(&a, 10);
    memcpy(p, "0123456789", 10);
    char *q = arena_grow(&a, p, 10, 100);
    assert_ptr_equal(p, q); /* last block: grows in place */
    assert_memory_equal(q, "0123456789", 10);
    char *other = arena_alloc(&a, 8);
    assert_non_null(other);
    char *r = arena_grow(&a, q, 100, 200);
    assert_ptr_not_equal(r, q); /* not last any more: copied */
    assert_memory_equal(r, "0123456789", 10);
    char *s = arena_grow(&a, NULL, 0, 16);
    assert_non_null(s);
    arena_free(&a);
}

static void test_arena_cap(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 64);
    assert_non_null(arena_alloc(&a, 32));
    assert_non_null(arena_alloc(&a, 32));
    assert_null(arena_alloc(&a, 1));
    arena_reset(&a);
    assert_non_null(arena_alloc(&a, 64));
    assert_null(arena_alloc(&a, 1));
    arena_reset(&a);
    char *p = arena_alloc(&a, 16);
    assert_null(arena_grow(&a, p, 16, 128));
    assert_non_null(arena_grow(&a, p, 16, 64));
    arena_free(&a);
}

static void test_arena_reset_reuses(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    for (int i = 0; i < 1000; i++)
        assert_non_null(arena_alloc(&a, 100));
    arena_reset(&a);
    assert_int_equal(a.used, 0);
    char *p = arena_alloc(&a, 8);
    assert_non_null(p);
    arena_reset(&a);
    assert_ptr_equal(arena_alloc(&a, 8), p);
    arena_free(&a);
}

static void test_arena_hold(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    struct doc *d = doc_new();
    assert_non_null(d);
    assert_int_equal(arena_hold(&a, d), RN_OK);
    assert_int_equal(arena_hold(&a, d), RN_OK);
    assert_int_equal(atomic_load(&d->refs), 3);
    arena_reset(&a);
    assert_int_equal(atomic_load(&d->refs), 1);
    assert_int_equal(arena_hold(&a, d), RN_OK);
    doc_unref(d); /* the arena keeps it alive */
    assert_int_equal(atomic_load(&d->refs), 1);
    arena_free(&a); /* and frees it (ASan checks) */
    doc_unref(NULL);
}

static void test_arena_oom(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    rn_alloc_fail_after(0, 1);
    assert_null(arena_alloc(&a, 8));
    assert_int_equal(rn_alloc_failures(), 1);
    assert_non_null(arena_alloc(&a, 8)); /* repeat 1: the next succeeds */
    rn_alloc_fail_after(0, 0);
    assert_null(arena_alloc(&a, 8192));
    assert_non_null(arena_strdup(&a, "x")); /* fits the current chunk */
    struct doc *d = doc_new();
    assert_null(d);
    rn_alloc_fail_after(-1, 0);
    d = doc_new();
    assert_non_null(d);
    rn_alloc_fail_after(0, 0);
    arena_reset(&a);
    /* the kept chunk still serves small requests without the heap */
    assert_non_null(arena_alloc(&a, 8));
    rn_alloc_fail_after(-1, 0);
    doc_unref(d);
    arena_free(&a);
}

static void test_buf_basic(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 0);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_add_str(&b, "ab"), RN_OK);
    assert_int_equal(buf_add_char(&b, 'c'), RN_OK);
    assert_int_equal(buf_add(&b, "", 0), RN_OK);
    assert_int_equal(buf_add_fmt(&b, "-%d-%s", 7, "z"), RN_OK);
    assert_string_equal(buf_str(&b), "abc-7-z");
    assert_int_equal(b.len, 7);
    buf_truncate(&b, 2);
    assert_string_equal(buf_str(&b), "ab");
    buf_truncate(&b, 10);
    assert_int_equal(b.len, 2);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_add_str(&b, "0123456789"), RN_OK);
    assert_int_equal(b.len, 10002);
    buf_reset(&b);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_add_str(&b, "x"), RN_OK);
    size_t n;
    char *t = buf_take(&b, &n);
    assert_string_equal(t, "x");
    assert_int_equal(n, 1);
    assert_int_equal(b.len, 0);
    rn_free(t);
    t = buf_take(&b, &n);
    assert_string_equal(t, "");
    rn_free(t);
    buf_free(&b);
}

static void test_buf_limits(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_add_str(&b, "12345678"), RN_OK);
    assert_int_equal(buf_add_char(&b, '9'), RN_ELIMIT);
    assert_int_equal(b.len, 0); /* freed itself */
    assert_null(b.ptr);
    assert_int_equal(buf_add_fmt(&b, "%s", "123456789"), RN_ELIMIT);
    assert_int_equal(buf_add(&b, "x", SIZE_MAX), RN_ELIMIT);
    buf_free(&b);

    buf_init(&b, 0);
    assert_int_equal(buf_add_str(&b, "abc"), RN_OK);
    rn_alloc_fail_after(0, 0);
    int rc = RN_OK;
    for (int i = 0; i < 100 && rc == RN_OK; i++)
        rc = buf_add_str(&b, "0123456789");
    rn_alloc_fail_after(-1, 0);
    assert_int_equal(rc, RN_ENOMEM);
    assert_null(b.ptr);
    assert_int_equal(buf_add_str(&b, "again"), RN_OK);
    assert_string_equal(buf_str(&b), "again");
    buf_free(&b);
}

static void test_doc_refs(void **state)
{
    (void)state;
    struct doc *d = doc_new();
    assert_non_null(d);
    assert_int_equal(d->root.kind, VAL_NULL);
    assert_ptr_equal(doc_ref(d), d);
    assert_null(doc_ref(NULL));
    doc_unref(d);
    assert_int_equal(atomic_load(&d->refs), 1);
    assert_non_null(arena_alloc(&d->arena, 100));
    doc_unref(d);
}

static void test_alloc_countdown(void **state)
{
    (void)state;
    rn_alloc_fail_after(2, 2);
    void *a = rn_malloc(1), *b = rn_calloc(2, 3);
    void *c = rn_malloc(1), *d = rn_realloc(NULL, 4), *e = rn_malloc(1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_null(d);
    assert_non_null(e);
    assert_int_equal(rn_alloc_failures(), 2);
    rn_alloc_fail_after(-1, 0);
    char *s = rn_strndup("hello", 4);
    assert_string_equal(s, "hell");
    rn_free(s);
    rn_free(a);
    rn_free(b);
    rn_free(e);
    rn_free(NULL);
}

static void test_errors(void **state)
{
    struct rn_err e;
    (void)state;
    assert_string_equal(rn_strstatus(RN_OK), "ok");
    assert_string_equal(rn_strstatus(RN_ENOMEM), "out of memory");
    assert_string_equal(rn_strstatus(-1), "unknown error");
    assert_string_equal(rn_strstatus(9999), "unknown error");
    rn_err_clear(&e);
    assert_int_equal(rn_errf(&e, RN_EINVAL, "bad %s %d", "x", 3), RN_EINVAL);
    assert_string_equal(e.msg, "bad x 3");
    assert_int_equal(e.code, RN_EINVAL);
    assert_int_equal(rn_errf_at(&e, RN_ESYNTAX, "tpl", 3, 4, "at %c", 'q'),
                     RN_ESYNTAX);
    assert_string_equal(e.src, "tpl");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 4);
    assert_int_equal(rn_errf(NULL, RN_EIO, "ignored"), RN_EIO);
    char longmsg[600];
    memset(longmsg, 'x', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    rn_errf(&e, RN_EINVAL, "%s", longmsg);
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
    rn_err_clear(&e);
    assert_int_equal(e.code, 0);
    rn_err_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_alloc),
        cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_grow),
        cmocka_unit_test(test_arena_cap),
        cmocka_unit_test(test_arena_reset_reuses),
        cmocka_unit_test(test_arena_hold),
        cmocka_unit_test(test_arena_oom),
        cmocka_unit_test(test_buf_basic),
        cmocka_unit_test(test_buf_limits),
        cmocka_unit_test(test_doc_refs),
        cmocka_unit_test(test_alloc_countdown),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
