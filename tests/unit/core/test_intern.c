/*
 * test_intern.c: the process-wide intern table (src/core/intern.c): a
 * string is shared from its second sighting on, empty and long strings
 * are never stored, crafted collisions cost bounded work, and the table
 * stops at its caps while still answering for what it holds.  The cap
 * test fills this process's table, so it runs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/doc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/json.h"
#include "core/limits.h"

#include <stdio.h>
#include <string.h>

static const char *resolve(const char *s)
{
    struct intern_ask q = {s, (uint32_t)strlen(s), intern_hash(s, strlen(s)),
                           NULL};
    intern_resolve(&q, 1);
    return q.out;
}

static void test_second_sighting(void **state)
{
    char local[] = "intern-second";
    (void)state;
    assert_null(resolve(local));
    const char *p = resolve(local);
    assert_non_null(p);
    assert_ptr_not_equal(p, local);
    assert_string_equal(p, "intern-second");
    assert_ptr_equal(resolve("intern-second"), p);
    memset(local, 'x', sizeof local - 1); /* the table has its own copy */
    assert_string_equal(p, "intern-second");

    assert_string_equal(resolve(""), "");
    char longer[RN_INTERN_MAX_LEN + 2];
    memset(longer, 'l', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    for (int i = 0; i < 3; i++)
        assert_null(resolve(longer));
    longer[RN_INTERN_MAX_LEN] = '\0'; /* the longest that may be shared */
    assert_null(resolve(longer));
    assert_non_null(resolve(longer));
}

/* Equal bytes of any length and alignment compare equal, a difference
 * anywhere does not. */
static void test_same(void **state)
{
    char a[64], b[64];
    (void)state;
    for (size_t n = 0; n < 40; n++) {
        for (size_t off = 0; off < 8; off++) {
            for (size_t i = 0; i < n; i++)
                a[i] = b[off + i] = (char)('a' + (i * 7) % 26);
            assert_true(intern_same(a, b + off, n));
            for (size_t i = 0; i < n; i++) {
                b[off + i] ^= 1;
                assert_false(intern_same(a, b + off, n));
                b[off + i] ^= 1;
            }
        }
    }
}

/* Distinct strings that claim one hash: a bounded number is taken, the
 * rest stay with the caller, every answer is right, nothing hangs. */
static void test_collisions(void **state)
{
    enum { N = 200 };
    static char names[N][16];
    struct intern_ask q[N];
    (void)state;
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "collide-%d", i);
        q[i] = (struct intern_ask){names[i], (uint32_t)strlen(names[i]),
                                   0x5555555555555555ull, NULL};
    }
    intern_resolve(q, N); /* first sighting of each */
    for (int round = 0; round < 3; round++) {
        int shared = 0;
        intern_resolve(q, N);
        for (int i = 0; i < N; i++) {
            if (q[i].out) {
                assert_string_equal(q[i].out, names[i]);
                shared++;
            }
        }
        assert_true(shared > 0 && shared < N);
    }
}

/* The caps hold; a full table still shares what it has, and docs made
 * after it filled are still right. */
static void test_cap(void **state)
{
    struct intern_stats st;
    char s[32];
    (void)state;
    const char *early = resolve("intern-second");
    assert_non_null(early);
    int i = 0;
    for (intern_stats(&st); !st.full; intern_stats(&st)) {
        snprintf(s, sizeof s, "cap-%d", i++);
        resolve(s);
        resolve(s);
        assert_true(i < 4 * RN_INTERN_MAX_STRINGS);
    }
    assert_int_equal(st.strings, RN_INTERN_MAX_STRINGS);
    assert_true(st.bytes <= RN_INTERN_MAX_BYTES);
    assert_true(st.memory <= 2u * RN_INTERN_MAX_STRINGS * 16 + 4 * (1u << 20));
    snprintf(s, sizeof s, "cap-%d", i + 1);
    assert_null(resolve(s));
    assert_null(resolve(s));
    assert_ptr_equal(resolve("intern-second"), early);
    intern_stats(&st);
    assert_int_equal(st.strings, RN_INTERN_MAX_STRINGS);

    static const char j[] = "{\"after-full\":[\"x-1\",\"x-1\",\"cap-3\"]}";
    struct rn_err e;
    for (int k = 0; k < 3; k++) {
        struct doc *d = json_parse_doc(j, sizeof j - 1, NULL, &e);
        assert_non_null(d);
        const struct val *l = val_get_cstr(d->root, "after-full");
        assert_non_null(l);
        assert_string_equal(val_list_at(*l, 0).u.s, "x-1");
        assert_string_equal(val_list_at(*l, 2).u.s, "cap-3");
        doc_unref(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_sighting), cmocka_unit_test(test_same),
        cmocka_unit_test(test_collisions),
        cmocka_unit_test(test_cap), /* last: it fills the table */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
