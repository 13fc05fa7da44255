/*
 * test_map.c: the hash table of src/core/map.c against a plain array model:
 * random inserts, replaces and deletes (backward-shift deletion must keep
 * every remaining key findable), iteration, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/map.h"

#include <stdio.h>
#include <string.h>

#define NKEYS 2000

static void key_of(int i, char *k, size_t cap)
{
    snprintf(k, cap, "ns-%d/rollout-%d", i % 7, i);
}

static void test_map_model(void **state)
{
    (void)state;
    static intptr_t model[NKEYS]; /* 0 = absent */
    struct map m;
    map_init(&m);
    uint64_t seed = 42;
    for (int step = 0; step < 50000; step++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int i = (int)((seed >> 33) % NKEYS);
        char k[64];
        key_of(i, k, sizeof k);
        if ((seed >> 20) % 3 == 0) {
            void *v = map_del(&m, k, strlen(k));
            assert_int_equal((intptr_t)v, model[i]);
            model[i] = 0;
        } else {
            void *old = (void *)1;
            intptr_t nv = step + 1;
            assert_int_equal(map_put(&m, k, strlen(k), (void *)nv, &old),
                             RN_OK);
            assert_int_equal((intptr_t)old, model[i]);
            model[i] = nv;
        }
        if (step % 997 == 0) {
            size_t live = 0;
            for (int j = 0; j < NKEYS; j++) {
                key_of(j, k, sizeof k);
                assert_int_equal((intptr_t)map_get(&m, k, strlen(k)),
                                 model[j]);
                live += model[j] != 0;
            }
            assert_int_equal(map_len(&m), live);
        }
    }
    size_t i = 0, seen = 0, klen;
    const char *key;
    void *v;
    while (map_next(&m, &i, &key, &klen, &v)) {
        assert_int_equal(strlen(key), klen);
        assert_ptr_equal(map_get(&m, key, klen), v);
        seen++;
    }
    assert_int_equal(seen, map_len(&m));
    map_free(&m);
    assert_int_equal(map_len(&m), 0);
    assert_null(map_get(&m, "x", 1));
    assert_null(map_del(&m, "x", 1));
}

static void test_map_binary_keys(void **state)
{
    (void)state;
    struct map m;
    map_init(&m);
    assert_int_equal(map_put(&m, "a\0b", 3, (void *)1, NULL), RN_OK);
    assert_int_equal(map_put(&m, "a\0c", 3, (void *)2, NULL), RN_OK);
    assert_int_equal(map_put(&m, "", 0, (void *)3, NULL), RN_OK);
    assert_int_equal((intptr_t)map_get(&m, "a\0b", 3), 1);
    assert_int_equal((intptr_t)map_get(&m, "a\0c", 3), 2);
    assert_int_equal((intptr_t)map_get(&m, "", 0), 3);
    assert_null(map_get(&m, "a", 1));
    map_free(&m);
}

static void test_map_oom(void **state)
{
    (void)state;
    for (long k = 0; k < 40; k++) {
        struct map m;
        map_init(&m);
        int fails = 0;
        rn_alloc_fail_after(k, 1);
        for (int i = 0; i < 100; i++) {
            char key[32];
            snprintf(key, sizeof key, "k%d", i);
            if (map_put(&m, key, strlen(key), (void *)(intptr_t)(i + 1),
                        NULL) != RN_OK) {
                fails++;
                assert_null(map_get(&m, key, strlen(key)));
            }
        }
        rn_alloc_fail_after(-1, 0);
        assert_true(fails <= 1);
        assert_int_equal(map_len(&m), 100 - fails);
        map_free(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_model),
        cmocka_unit_test(test_map_binary_keys),
        cmocka_unit_test(test_map_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
