/*
 * test_mask.c: secret values masked in every form (core/mask.h).  The
 * encoded texts below were made with Python's base64, binascii and
 * urllib, and Go's strconv.Quote rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mask.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SECRET "Zq9-s3cr3t"

static struct mask *secret_mask(void)
{
    struct mask *m = mask_new();
    assert_non_null(m);
    assert_int_equal(mask_add(m, SECRET, strlen(SECRET)), RN_OK);
    return m;
}

/* text masked by m, in a static buffer */
static const char *masked(const struct mask *m, const char *text)
{
    static char out[1024];
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(mask_apply(m, &b, text, strlen(text), SIZE_MAX), RN_OK);
    snprintf(out, sizeof out, "%s", buf_str(&b));
    buf_free(&b);
    return out;
}

static void test_forms(void **state)
{
    static const char *const forms[] = {
        SECRET,                              /* raw, and %q of plain ASCII */
        "ZQ9-S3CR3T",                        /* upper */
        "zq9-s3cr3t",                        /* lower */
        "5a71392d733363723374",              /* %x, hex */
        "5A71392D733363723374",              /* %X */
        "WnE5LXMzY3IzdA",                    /* b64enc (unpadded run) */
        "WnE5LXMzY3IzdA==",                  /* b64enc */
        "90 113 57 45 115 51 99 114 51 116", /* []byte */
        "90+113+57+45+115+51+99+114+51+116", /* urlquery of a []byte */
        "90,113,57,45,115,51,99,114,51,116", /* toJson of a []byte */
    };
    (void)state;
    struct mask *m = secret_mask();
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char text[256];
        snprintf(text, sizeof text, "a [%s] b", forms[i]);
        const char *got = masked(m, text);
        if (strcmp(got, "a [*****] b") != 0 &&
            strcmp(got, "a [*****==] b") != 0)
            fail_msg("%s -> %s", forms[i], got);
    }
    mask_unref(m);
}

/* Escapes: JSON (HTML-safe or not), Go's %q, query and path escaping. */
static void test_escapes(void **state)
{
    (void)state;
    struct mask *m = mask_new();
    const char *v = "a<b>&\"c d/é\n";
    assert_int_equal(mask_add(m, v, strlen(v)), RN_OK);
    assert_string_equal(masked(m, "\"a\\u003cb\\u003e\\u0026\\\"c d/é\\n\""),
                        "\"*****\"");
    assert_string_equal(masked(m, "\"a<b>&\\\"c d/é\\n\""), "\"*****\"");
    assert_string_equal(masked(m, "q=a%3Cb%3E%26%22c+d%2F%C3%A9%0A&"),
                        "q=*****&");
    assert_string_equal(masked(m, "/a%3Cb%3E&%22c%20d%2F%C3%A9%0A/"),
                        "/*****/");
    assert_string_equal(masked(m, "\"a<b>&\\\"c d/\\u00e9\\n\""), "\"*****\"");
    mask_unref(m);
}

/* A value inside a longer base64 text is found at every alignment. */
static void test_base64_alignments(void **state)
{
    (void)state;
    struct mask *m = secret_mask();
    /* b64(prefix + SECRET + "!tail"), prefixes "", "u", "us", "usr" */
    assert_string_equal(masked(m, "WnE5LXMzY3IzdCF0YWls"), "*****CF0YWls");
    assert_string_equal(masked(m, "dVpxOS1zM2NyM3QhdGFpbA=="),
                        "dV*****QhdGFpbA==");
    assert_string_equal(masked(m, "dXNacTktczNjcjN0IXRhaWw="),
                        "dXN*****IXRhaWw=");
    assert_string_equal(masked(m, "dXNyWnE5LXMzY3IzdCF0YWls"),
                        "dXNy*****CF0YWls");
    /* URL-safe alphabet: b64url("u" + SECRET + "?>") */
    assert_string_equal(masked(m, "dVpxOS1zM2NyM3Q_Pg=="), "dV*****Q_Pg==");
    mask_unref(m);
}

static void test_short_and_lines(void **state)
{
    (void)state;
    struct mask *m = mask_new();
    assert_int_equal(mask_add(m, "abc", 3), RN_OK);
    assert_int_equal(mask_forms(m), 0);
    assert_string_equal(masked(m, "abc abcd"), "abc abcd");
    const char *pem = "-----BEGIN-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAAS\n";
    assert_int_equal(mask_add(m, pem, strlen(pem)), RN_OK);
    assert_string_equal(masked(m, "key:\n  MIIEvQIBADANBgkq\n  x"),
                        "key:\n  *****\n  x");
    mask_unref(m);
}

/* The password of user:password@ after a scheme, known or not. */
static void test_url_credentials(void **state)
{
    (void)state;
    assert_string_equal(
        masked(NULL, "cannot resolve nats://bot:pa55@127.0.0.1:4222 now"),
        "cannot resolve nats://bot:*****@127.0.0.1:4222 now");
    assert_string_equal(masked(NULL, "'https://u:p%40ss@h/x?a=b:c@d'"),
                        "'https://u:*****@h/x?a=b:c@d'");
    /* a URL held as a secret: its password on its own too */
    struct mask *m = mask_new();
    const char *url = "nats://rollouts-bot:n4ts-pa55@127.0.0.1:4222";
    assert_int_equal(mask_add(m, url, strlen(url)), RN_OK);
    assert_string_equal(masked(m, "cannot resolve rollouts-bot:n4ts-pa55@h"),
                        "cannot resolve rollouts-bot:*****@h");
    mask_unref(m);
    /* no password, or not inside a URL: unchanged */
    static const char *const same[] = {"https://user@host/x",
                                       "email:alice@example.com",
                                       "mailto:bob@example.com",
                                       "http://h/a:b@c",
                                       "x://:@",
                                       "://"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        assert_string_equal(masked(NULL, same[i]), same[i]);
}

/* The longest form wins; a cap stops the copy after a whole mask. */
static void test_longest_and_cap(void **state)
{
    (void)state;
    struct mask *m = mask_new();
    assert_int_equal(mask_add(m, "tokenABC", 8), RN_OK);
    assert_int_equal(mask_add(m, "tokenABCDEF", 11), RN_OK);
    assert_string_equal(masked(m, "tokenABCDEF+tokenABC"), "*****+*****");
    char msg[16] = "x tokenABC y";
    mask_scrub(m, msg, sizeof msg);
    assert_string_equal(msg, "x ***** y");
    char cut[10] = "ab tokenA";
    mask_add(m, "ab tokenA", 9);
    mask_scrub(m, cut, sizeof cut);
    assert_string_equal(cut, "*****");
    char small[6] = "ab cd";
    mask_scrub(m, small, sizeof small);
    assert_string_equal(small, "ab cd");
    struct mask *r = mask_ref(m);
    mask_unref(m);
    assert_string_equal(masked(r, "tokenABC"), "*****");
    mask_unref(r);
    mask_unref(NULL);
}

/* Out of memory while building: RN_ENOMEM, never a crash or a leak. */
static void test_oom(void **state)
{
    (void)state;
    bool done = false;
    for (long k = 0; k < 400 && !done; k++) {
        rn_alloc_fail_after(k, 0);
        struct mask *m = mask_new();
        int rc = m ? mask_add(m, SECRET, strlen(SECRET)) : RN_ENOMEM;
        done = rn_alloc_failures() == 0;
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || rc == RN_ENOMEM);
        mask_unref(m);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_base64_alignments),
        cmocka_unit_test(test_short_and_lines),
        cmocka_unit_test(test_url_credentials),
        cmocka_unit_test(test_longest_and_cap),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
