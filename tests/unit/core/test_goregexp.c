/*
 * test_goregexp.c: Go's regexp in core (goregexp.h) through its C API:
 * what the shared vectors (tests/conformance/regexp.jsonl) cannot carry:
 * subjects with invalid UTF-8 (Go reads each bad byte as U+FFFD), group
 * offsets, the substring fast path agreeing with PCRE2, callbacks that
 * stop a walk, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/goregexp.h"

#include <string.h>

static struct gore *compile(const char *pat)
{
    struct gore *re = NULL;
    struct rn_err e = {0};
    assert_int_equal(gore_compile(pat, strlen(pat), 0, &re, &e), RN_OK);
    return re;
}

static bool matches(const char *pat, const char *s, size_t n)
{
    struct gore *re = compile(pat);
    struct rn_err e = {0};
    bool m = false;
    assert_int_equal(gore_match(re, s, n, &m, &e), RN_OK);
    gore_free(re);
    return m;
}

static void test_compile_errors(void **state)
{
    (void)state;
    struct gore *re = NULL;
    struct rn_err e = {0};
    assert_int_equal(gore_compile("a\\C", 3, 0, &re, &e), RN_ESYNTAX);
    assert_string_equal(e.msg,
                        "error parsing regexp: invalid escape sequence: `\\C`");
    assert_null(re);
    /* invalid UTF-8 in the pattern is Go's error too */
    assert_int_equal(gore_compile("a\xff", 2, 0, &re, &e), RN_ESYNTAX);
    assert_string_equal(e.msg, "error parsing regexp: invalid UTF-8: `a\xff`");
    re = compile("(a)(?P<x>b)|c");
    assert_int_equal(gore_ngroups(re), 2);
    gore_free(re);
}

/* Go reads an invalid byte as U+FFFD: `.` matches it, and a match is
 * reported in the caller's byte offsets. */
static void test_invalid_utf8_subject(void **state)
{
    (void)state;
    assert_true(matches("^.$", "\xff", 1));
    assert_true(matches("^a.b$",
                        "a\xe2\x82"
                        "b",
                        4) == false);
    assert_true(matches("^a..b$",
                        "a\xe2\x82"
                        "b",
                        4));
    assert_true(matches("\\x{FFFD}", "\xc0", 1));
    /* the substring fast path excludes U+FFFD literals */
    assert_true(matches("\xef\xbf\xbd|z", "\xc0", 1));
    struct gore *re = compile("b+");
    struct rn_err e = {0};
    bool found;
    size_t beg, end;
    assert_int_equal(gore_find(re,
                               "\xff\xfe"
                               "bb",
                               4, &found, &beg, &end, &e),
                     RN_OK);
    assert_true(found);
    assert_int_equal(beg, 2);
    assert_int_equal(end, 4);
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(gore_replace_all(re,
                                      "\xff"
                                      "bb\xfe",
                                      4, "<$0>", 4, false, &b, &e),
                     RN_OK);
    assert_memory_equal(buf_str(&b),
                        "\xff"
                        "<bb>\xfe",
                        6);
    buf_free(&b);
    gore_free(re);
}

/* A literal alternation is answered by substring search: it must agree
 * with the same pattern run by PCRE2 (made non-literal by a group). */
static void test_literal_path(void **state)
{
    (void)state;
    static const char *const subjects[] = {"",      "Aborted", "xFailedy",
                                           "abort", "FAILED",  "a|b"};
    for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++) {
        const char *s = subjects[i];
        assert_int_equal(matches("Aborted|Failed", s, strlen(s)),
                         matches("(?:Aborted|Failed)", s, strlen(s)));
        assert_int_equal(matches("a b", s, strlen(s)),
                         matches("(?:a b)", s, strlen(s)));
    }
    assert_true(matches("x|", "abc", 3));
}

struct groups {
    size_t calls;
    size_t b1, e1;
};

static int see_groups(void *ud, const struct gore_hit *h)
{
    struct groups *g = ud;
    g->calls++;
    g->b1 = h->beg[1];
    g->e1 = h->end[1];
    return g->calls == 2 ? RN_EEXEC : RN_OK; /* stop the walk */
}

static void test_each_groups_and_stop(void **state)
{
    (void)state;
    struct gore *re = compile("a(x)?");
    struct rn_err e = {0};
    struct groups g = {0, 0, 0};
    assert_int_equal(gore_each(re, "axaa", 4, -1, see_groups, &g, &e),
                     RN_EEXEC);
    assert_int_equal(g.calls, 2);
    assert_int_equal(g.b1, SIZE_MAX); /* the second match has no group 1 */
    assert_int_equal(g.e1, SIZE_MAX);
    assert_int_equal(e.code, 0);
    gore_free(re);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    for (long k = 0; k < 40; k++) {
        struct gore *re = NULL;
        struct rn_err e = {0};
        rn_alloc_fail_after(k, 1);
        static const char pat[] = "(a+)(b*)\\w";
        int rc = gore_compile(pat, sizeof pat - 1, GORE_JIT, &re, &e);
        bool m = false;
        if (rc == RN_OK)
            rc = gore_match(re, "\xffzaab", 5, &m, &e);
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || rc == RN_ENOMEM);
        assert_true(rc != RN_OK || m);
        gore_free(re);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_invalid_utf8_subject),
        cmocka_unit_test(test_literal_path),
        cmocka_unit_test(test_each_groups_and_stop),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
