/*
 * test_json.c: the JSON parser and emitter (src/core/json_*.c) against
 * RFC 8259 and Go's encoding/json behaviour: limits, UTF-8 validation,
 * escapes, number modes, duplicate keys, error positions, and Marshal /
 * MarshalIndent output byte for byte.
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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct json_opts int_mode = {.nums = JSON_NUM_INT64};

/* Parse s (NUL-terminated) into a; returns the status. */
static int parse(struct arena *a, const char *s, const struct json_opts *o,
                 struct val *out, struct rn_err *e)
{
    rn_err_clear(e);
    return json_parse(a, s, strlen(s), o, out, e);
}

/* Parse must fail with code and a message starting with msg. */
static void want_error(const char *s, int code, const char *msg)
{
    struct arena a;
    struct val v = val_bool(true);
    struct rn_err e;
    arena_init(&a, 0);
    int rc = parse(&a, s, NULL, &v, &e);
    if (rc != code || strncmp(e.msg, msg, strlen(msg)) != 0)
        fail_msg("input %s: got %d \"%s\", want %d \"%s\"", s, rc, e.msg, code,
                 msg);
    assert_int_equal(v.kind, VAL_BOOL); /* untouched */
    arena_free(&a);
}

/* Emit v compactly and compare with want. */
static void want_emit(struct val v, unsigned flags, const char *want)
{
    struct buf b;
    struct rn_err e;
    struct json_emit_opts o = {.flags = flags};
    buf_init(&b, 0);
    rn_err_clear(&e);
    int rc = json_emit(&b, v, &o, &e);
    if (rc != RN_OK)
        fail_msg("emit failed: %s", e.msg);
    assert_string_equal(buf_str(&b), want);
    buf_free(&b);
}

/* Parse then emit s, compare with want. */
static void want_roundtrip(const char *s, const struct json_opts *o,
                           unsigned flags, const char *want)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    arena_init(&a, 0);
    if (parse(&a, s, o, &v, &e) != RN_OK)
        fail_msg("parse of %s failed: %s", s, e.msg);
    want_emit(v, flags, want);
    arena_free(&a);
}

static void test_parse_basic(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    arena_init(&a, 0);
    assert_int_equal(parse(&a,
                           " {\"b\": [1, 2.5, true, null, \"x\"], \"a\": {}} ",
                           NULL, &v, &e),
                     RN_OK);
    assert_int_equal(v.kind, VAL_OBJECT);
    assert_int_equal(val_obj_len(v), 2);
    assert_string_equal(val_obj_at(v, 0)->key.u.s, "a");
    const struct val *b = val_get_cstr(v, "b");
    assert_non_null(b);
    assert_int_equal(val_list_len(*b), 5);
    assert_int_equal(val_list_at(*b, 0).kind, VAL_FLOAT);
    assert_true(val_list_at(*b, 1).u.f == 2.5);
    assert_int_equal(val_list_at(*b, 2).kind, VAL_BOOL);
    assert_int_equal(val_list_at(*b, 3).kind, VAL_NULL);
    assert_int_equal(val_list_at(*b, 4).len, 1);
    assert_int_equal(parse(&a, "\"\"", NULL, &v, &e), RN_OK);
    assert_int_equal(v.kind, VAL_STRING);
    assert_int_equal(v.len, 0);
    assert_string_equal(v.u.s, "");
    assert_int_equal(parse(&a, " \t\r\n[]\n ", NULL, &v, &e), RN_OK);
    assert_int_equal(val_list_len(v), 0);
    arena_free(&a);
}

static void test_parse_errors(void **state)
{
    (void)state;
    want_error("", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("   ", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("[1,]", RN_ESYNTAX,
               "invalid character ']' looking for beginning of value");
    want_error("{\"a\" 1}", RN_ESYNTAX,
               "invalid character '1' after object key");
    want_error("{\"a\":1 \"b\":2}", RN_ESYNTAX,
               "invalid character '\"' after object key:value pair");
    want_error("{1:2}", RN_ESYNTAX,
               "invalid character '1' looking for beginning of object key "
               "string");
    want_error("{\"a\":1,}", RN_ESYNTAX,
               "invalid character '}' looking for beginning of object key");
    want_error("[1 2]", RN_ESYNTAX,
               "invalid character '2' after array element");
    want_error("01", RN_ESYNTAX, "invalid character '1' after top-level value");
    want_error("{} x", RN_ESYNTAX,
               "invalid character 'x' after top-level value");
    want_error("1 2", RN_ESYNTAX,
               "invalid character '2' after top-level value");
    want_error("[]]", RN_ESYNTAX,
               "invalid character ']' after top-level value");
    want_error("\f{}", RN_ESYNTAX, "invalid character '\\f' looking");
    want_error("trux", RN_ESYNTAX,
               "invalid character 'x' in literal true (expecting 'e')");
    want_error("nul", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("-", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("-x", RN_ESYNTAX, "invalid character 'x' in numeric literal");
    want_error("1.", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("1.x", RN_ESYNTAX,
               "invalid character 'x' after decimal point in numeric "
               "literal");
    want_error("1e+", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("1ex", RN_ESYNTAX,
               "invalid character 'x' in exponent of numeric literal");
    want_error("+1", RN_ESYNTAX,
               "invalid character '+' looking for beginning of value");
    want_error(".5", RN_ESYNTAX, "invalid character '.' looking");
    want_error("\"a\tb\"", RN_ESYNTAX,
               "invalid character '\\t' in string literal");
    want_error("\"\\x\"", RN_ESYNTAX,
               "invalid character 'x' in string escape code");
    want_error("\"\\u12g4\"", RN_ESYNTAX,
               "invalid character 'g' in \\u hexadecimal character escape");
    want_error("\"\\u12", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("\"abc", RN_ESYNTAX, "unexpected end of JSON input");
    want_error("'a'", RN_ESYNTAX, "invalid character '\\'' looking");
    want_error("NaN", RN_ESYNTAX, "invalid character 'N' looking");
}

static void test_error_position(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "{\n  \"a\": [1,\n   2 x]}", NULL, &v, &e),
                     RN_ESYNTAX);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 6);
    assert_int_equal(parse(&a, "[1,", NULL, &v, &e), RN_ESYNTAX);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.col, 4);
    arena_free(&a);
}

/* n nested arrays around a 1 */
static char *nested(size_t n)
{
    char *s = malloc(2 * n + 2);
    assert_non_null(s);
    memset(s, '[', n);
    s[n] = '1';
    memset(s + n + 1, ']', n);
    s[2 * n + 1] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    arena_init(&a, 0);
    char *ok = nested(RN_JSON_MAX_DEPTH), *bad = nested(RN_JSON_MAX_DEPTH + 1);
    assert_int_equal(parse(&a, ok, NULL, &v, &e), RN_OK);
    assert_int_equal(parse(&a, bad, NULL, &v, &e), RN_ELIMIT);
    assert_string_equal(e.msg, "json: exceeded max depth");
    struct json_opts small = {.max_depth = 3};
    assert_int_equal(parse(&a, "[[[1]]]", &small, &v, &e), RN_OK);
    assert_int_equal(parse(&a, "[[[[1]]]]", &small, &v, &e), RN_ELIMIT);
    assert_int_equal(parse(&a, "[{\"a\":[{}]}]", &small, &v, &e), RN_ELIMIT);
    free(ok);
    free(bad);
    /* huge nesting is refused without exhausting the stack */
    char *huge = nested(1000000);
    struct json_opts deep = {.max_depth = 2000000};
    assert_int_equal(parse(&a, huge, &deep, &v, &e), RN_ELIMIT);
    free(huge);
    arena_free(&a);
}

static void test_size_limit(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    struct json_opts o = {.max_size = 4};
    (void)state;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "[1]", &o, &v, &e), RN_OK);
    assert_int_equal(parse(&a, "[12]", &o, &v, &e), RN_OK);
    assert_int_equal(parse(&a, "[123]", &o, &v, &e), RN_ELIMIT);
    arena_free(&a);
}

static void test_utf8(void **state)
{
    static const char *const bad[] = {
        "\"\xff\"",             /* invalid lead */
        "\"\xc3\"",             /* truncated */
        "\"\xc3(\"",            /* bad continuation */
        "\"\xc0\xaf\"",         /* overlong '/' */
        "\"\xc1\xbf\"",         /* overlong */
        "\"\xe0\x80\xaf\"",     /* overlong 3-byte */
        "\"\xf0\x80\x80\xaf\"", /* overlong 4-byte */
        "\"\xed\xa0\x80\"",     /* UTF-8 encoded surrogate */
        "\"\xf4\x90\x80\x80\"", /* beyond U+10FFFF */
        "\"\xf8\x88\x80\x80\x80\"",
        "\"\x80\"",
        "\"\xe2\x82\"",
    };
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    arena_init(&a, 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (parse(&a, bad[i], NULL, &v, &e) != RN_ESYNTAX)
            fail_msg("case %zu accepted", i);
        assert_string_equal(e.msg, "invalid UTF-8 in string literal");
    }
    assert_int_equal(parse(&a,
                           "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                           "\xf4\x8f\xbf\xbf\"",
                           NULL, &v, &e),
                     RN_OK);
    assert_int_equal(v.len, 13);
    arena_free(&a);
}

static void want_string(const char *json, const char *want, size_t wlen)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    arena_init(&a, 0);
    if (parse(&a, json, NULL, &v, &e) != RN_OK)
        fail_msg("%s: %s", json, e.msg);
    assert_int_equal(v.kind, VAL_STRING);
    assert_int_equal(v.len, wlen);
    assert_memory_equal(v.u.s, want, wlen);
    assert_int_equal(v.u.s[wlen], '\0');
    arena_free(&a);
}

static void test_escapes(void **state)
{
    (void)state;
    want_string("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
    want_string("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6);
    want_string("\"\\u0000x\"", "\0x", 2);
    want_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
    /* lone surrogates become U+FFFD, as Go decodes them */
    want_string("\"\\ud800\"", "\xef\xbf\xbd", 3);
    want_string("\"\\udc00\"", "\xef\xbf\xbd", 3);
    want_string("\"\\ud800\\u0041\"",
                "\xef\xbf\xbd"
                "A",
                4);
    want_string("\"\\ud800\\ud800\\udc00\"", "\xef\xbf\xbd\xf0\x90\x80\x80", 7);
    want_string("\"\\udc00\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd", 6);
    want_string("\"a\\ud800\"", "a\xef\xbf\xbd", 4);
}

static double parse_float(const char *s)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    arena_init(&a, 0);
    if (parse(&a, s, NULL, &v, &e) != RN_OK)
        fail_msg("%s: %s", s, e.msg);
    assert_int_equal(v.kind, VAL_FLOAT);
    arena_free(&a);
    return v.u.f;
}

static void test_numbers_float64(void **state)
{
    (void)state;
    assert_true(parse_float("0") == 0 && !signbit(parse_float("0")));
    assert_true(parse_float("-0") == 0 && signbit(parse_float("-0")));
    assert_true(parse_float("0.1") == 0.1);
    assert_true(parse_float("-12.5e-1") == -1.25);
    assert_true(parse_float("1E2") == 100);
    assert_true(parse_float("123456789012345678") == 123456789012345678.0);
    assert_true(parse_float("1.7976931348623157e308") ==
                1.7976931348623157e308);
    assert_true(parse_float("2.2250738585072014e-308") ==
                2.2250738585072014e-308);
    assert_true(parse_float("4.9e-324") == 4.9e-324);
    assert_true(parse_float("1e-400") == 0);
    assert_true(parse_float("0.30000000000000004") == 0.30000000000000004);
    assert_true(parse_float("9007199254740993") == 9007199254740992.0);
    assert_true(parse_float("123456.789012") == 123456.789012);
    want_error("1e400", RN_ESYNTAX,
               "json: cannot unmarshal number 1e400 into Go value of type "
               "float64");
    want_error("[-1e309]", RN_ESYNTAX, "json: cannot unmarshal number -1e309");
}

static void test_numbers_int64(void **state)
{
    static const struct {
        const char *s;
        int kind;
        int64_t i;
    } cases[] = {
        {"0", VAL_INT, 0},
        {"-0", VAL_INT, 0},
        {"42", VAL_INT, 42},
        {"9223372036854775807", VAL_INT, INT64_MAX},
        {"-9223372036854775808", VAL_INT, INT64_MIN},
        {"9223372036854775808", VAL_FLOAT, 0},
        {"-9223372036854775809", VAL_FLOAT, 0},
        {"1.0", VAL_FLOAT, 0},
        {"1e2", VAL_FLOAT, 0},
        {"100000000000000000000000", VAL_FLOAT, 0},
    };
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    arena_init(&a, 0);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(parse(&a, cases[i].s, &int_mode, &v, &e), RN_OK);
        if (v.kind != cases[i].kind)
            fail_msg("%s: kind %d", cases[i].s, v.kind);
        if (v.kind == VAL_INT) {
            assert_int_equal(val_gotype(v), GT_INT64);
            assert_true(v.u.i == cases[i].i);
        }
    }
    arena_free(&a);
}

static void test_duplicate_keys(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    char big[4096];
    size_t n = 0;
    (void)state;
    arena_init(&a, 0);
    assert_int_equal(parse(&a, "{\"a\":1,\"b\":2,\"a\":3}", &int_mode, &v, &e),
                     RN_OK);
    assert_int_equal(val_obj_len(v), 2);
    assert_int_equal(val_get_cstr(v, "a")->u.i, 3);
    /* a large object exercises the merge sort; every key thrice */
    n += (size_t)snprintf(big + n, sizeof big - n, "{");
    for (int round = 0; round < 3; round++)
        for (int k = 99; k >= 0; k--)
            n += (size_t)snprintf(big + n, sizeof big - n, "%s\"k%02d\":%d",
                                  n > 1 ? "," : "", k, round * 100 + k);
    snprintf(big + n, sizeof big - n, "}");
    assert_int_equal(parse(&a, big, &int_mode, &v, &e), RN_OK);
    assert_int_equal(val_obj_len(v), 100);
    for (size_t i = 0; i < 100; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%02zu", i);
        assert_string_equal(val_obj_at(v, i)->key.u.s, key);
        assert_int_equal(val_obj_at(v, i)->v.u.i, 200 + (int)i);
    }
    /* keys sort bytewise, not by locale, and "" and prefixes come first */
    assert_int_equal(parse(&a,
                           "{\"b\":1,\"B\":2,\"\":3,\"ba\":4,\"\xc3\xa9\":5}",
                           NULL, &v, &e),
                     RN_OK);
    assert_string_equal(val_obj_at(v, 0)->key.u.s, "");
    assert_string_equal(val_obj_at(v, 1)->key.u.s, "B");
    assert_string_equal(val_obj_at(v, 2)->key.u.s, "b");
    assert_string_equal(val_obj_at(v, 3)->key.u.s, "ba");
    assert_string_equal(val_obj_at(v, 4)->key.u.s, "\xc3\xa9");
    arena_free(&a);
}

static const char sample[] =
    "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":\"Rollout\","
    "\"metadata\":{\"name\":\"demo\",\"labels\":{\"app\":\"x\"},"
    "\"generation\":3},\"spec\":{\"replicas\":5,\"steps\":[{\"setWeight\":"
    "20},{\"pause\":{}},{\"setWeight\":-1.5e-3}],\"paused\":false,"
    "\"note\":\"a\\u00e9\\n\"},\"status\":null}";

static void test_truncated_prefixes(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    size_t n = strlen(sample);
    (void)state;
    arena_init(&a, 0);
    for (size_t i = 0; i < n; i++) {
        char *p = malloc(i ? i : 1); /* exact size: ASan catches overreads */
        assert_non_null(p);
        memcpy(p, sample, i);
        rn_err_clear(&e);
        int rc = json_parse(&a, p, i, NULL, &v, &e);
        if (rc != RN_ESYNTAX)
            fail_msg("prefix %zu: rc %d", i, rc);
        free(p);
        arena_reset(&a);
    }
    assert_int_equal(json_parse(&a, sample, n, NULL, &v, &e), RN_OK);
    arena_free(&a);
}

static void test_parse_doc(void **state)
{
    struct rn_err e;
    (void)state;
    struct doc *d = json_parse_doc(sample, strlen(sample), NULL, &e);
    assert_non_null(d);
    const struct val *spec = val_get_cstr(d->root, "spec");
    assert_non_null(spec);
    assert_true(val_get_cstr(*spec, "replicas")->u.f == 5);
    doc_unref(d);
    assert_null(json_parse_doc("[", 1, NULL, &e));
    assert_int_equal(e.code, RN_ESYNTAX);
}

/* Every allocation failure must end in RN_ENOMEM, never a crash or leak. */
static void test_oom(void **state)
{
    struct rn_err e;
    bool done = false;
    (void)state;
    char *deep = nested(300);
    for (long k = 0; !done && k < 20000; k++) {
        /* even k: every allocation from the k/2-th on fails; odd k: only
         * that one (a transient failure) */
        rn_alloc_fail_after(k / 2, k % 2);
        struct doc *d = json_parse_doc(sample, strlen(sample), NULL, &e);
        struct doc *d2 = json_parse_doc(deep, strlen(deep), NULL, &e);
        long failures = rn_alloc_failures();
        rn_alloc_fail_after(-1, 0);
        if (!d || !d2)
            assert_int_equal(e.code, RN_ENOMEM);
        done = failures == 0;
        if (done) {
            assert_non_null(d);
            assert_non_null(d2);
        }
        doc_unref(d);
        doc_unref(d2);
    }
    free(deep);
    assert_true(done);
}

static void test_roundtrip(void **state)
{
    (void)state;
    want_roundtrip(sample, NULL, 0,
                   "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":"
                   "\"Rollout\",\"metadata\":{\"generation\":3,\"labels\":{"
                   "\"app\":\"x\"},\"name\":\"demo\"},\"spec\":{\"note\":"
                   "\"aé\\n\",\"paused\":false,\"replicas\":5,\"steps\":[{"
                   "\"setWeight\":20},{\"pause\":{}},{\"setWeight\":-0.0015}"
                   "]},\"status\":null}");
    want_roundtrip("[1e21,1e20,1e-7,1e-6,123456789,0.1,-0,1.5e300,5e-324,"
                   "100,12345678901234567890]",
                   NULL, 0,
                   "[1e+21,100000000000000000000,1e-7,0.000001,123456789,0.1,"
                   "-0,1.5e+300,5e-324,100,12345678901234567000]");
    want_roundtrip("[9223372036854775807,-9223372036854775808,1.0,-0]",
                   &int_mode, 0,
                   "[9223372036854775807,-9223372036854775808,1,0]");
}

/* The canary Rollout of the conformance objects survives parse/emit/parse. */
static void test_roundtrip_file(void **state)
{
    const char *dir = getenv("RN_TESTDATA");
    char path[1024];
    (void)state;
    if (!dir)
        skip();
    snprintf(path, sizeof path, "%s/conformance/objects/canary.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        skip();
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    struct arena a;
    struct val v, w;
    struct rn_err e;
    struct buf b, b2;
    struct json_emit_opts pretty = {.flags = JSON_PRETTY};
    arena_init(&a, 0);
    buf_init(&b, 0);
    buf_init(&b2, 0);
    assert_int_equal(json_parse(&a, text, n, NULL, &v, &e), RN_OK);
    assert_int_equal(json_emit(&b, v, NULL, &e), RN_OK);
    assert_int_equal(json_parse(&a, b.ptr, b.len, NULL, &w, &e), RN_OK);
    assert_true(val_deep_equal(v, w));
    assert_int_equal(json_emit(&b2, w, &pretty, &e), RN_OK);
    assert_int_equal(json_parse(&a, b2.ptr, b2.len, NULL, &w, &e), RN_OK);
    assert_true(val_deep_equal(v, w));
    buf_free(&b);
    buf_free(&b2);
    arena_free(&a);
}

static void want_string_emit(const char *s, size_t n, unsigned flags,
                             const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(json_emit_string(&b, s, n, flags), RN_OK);
    assert_string_equal(buf_str(&b), want);
    buf_free(&b);
}

static void test_emit_strings(void **state)
{
    (void)state;
    want_string_emit("plain", 5, 0, "\"plain\"");
    want_string_emit("a\"b\\c/", 6, 0, "\"a\\\"b\\\\c/\"");
    want_string_emit("\n\r\t\b\f\x01\x1f\x7f", 8, 0,
                     "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\x7f\"");
    want_string_emit("\0", 1, 0, "\"\\u0000\"");
    want_string_emit("<a href='x'>&amp;</a>", 21, 0,
                     "\"\\u003ca href='x'\\u003e\\u0026amp;\\u003c/a\\u003e\"");
    want_string_emit("<>&", 3, JSON_RAW, "\"<>&\"");
    want_string_emit("\xe2\x80\xa8\xe2\x80\xa9", 6, JSON_RAW,
                     "\"\\u2028\\u2029\"");
    want_string_emit("\xc3\xa9\xf0\x9f\x98\x80", 6, 0,
                     "\"\xc3\xa9\xf0\x9f\x98\x80\"");
    want_string_emit("a\xffz", 3, 0, "\"a\\ufffdz\"");
    want_string_emit("\xc0\xaf", 2, 0, "\"\\ufffd\\ufffd\"");
    want_string_emit("\xed\xa0\x80", 3, 0, "\"\\ufffd\\ufffd\\ufffd\"");
    want_string_emit("\xe2\x82", 2, 0, "\"\\ufffd\\ufffd\"");
}

static void want_emit_error(struct val v, const char *msg)
{
    struct buf b;
    struct rn_err e;
    buf_init(&b, 0);
    assert_int_equal(buf_add_str(&b, "keep"), RN_OK);
    rn_err_clear(&e);
    assert_int_equal(json_emit(&b, v, NULL, &e), RN_EINVAL);
    assert_string_equal(e.msg, msg);
    assert_string_equal(buf_str(&b), "keep");
    buf_free(&b);
}

static void test_emit_scalars(void **state)
{
    (void)state;
    want_emit(val_null(), 0, "null");
    want_emit(val_bool(true), 0, "true");
    want_emit(val_int(-42), 0, "-42");
    want_emit(val_int(INT64_MIN), 0, "-9223372036854775808");
    want_emit(val_int_t(-1, GT_UINT64), 0, "18446744073709551615");
    want_emit(val_int_t(7, GT_MONTH), 0, "7");
    want_emit(val_duration(1500000000), 0, "1500000000");
    struct val f32 = val_float((double)0.1f);
    f32.flags = GT_FLOAT32;
    want_emit(f32, 0, "0.1");
    want_emit(val_float((double)0.1f), 0, "0.10000000149011612");
    want_emit(val_float(1e-7), 0, "1e-7");
    want_emit(val_float(-1.5e-10), 0, "-1.5e-10");
    want_emit(val_float(1e100), 0, "1e+100");
    want_emit(val_float(3.0), 0, "3");
    want_emit(val_float(-0.0), 0, "-0");
    want_emit_error(val_float(NAN), "json: unsupported value: NaN");
    want_emit_error(val_float(INFINITY), "json: unsupported value: +Inf");
    want_emit_error(val_float(-INFINITY), "json: unsupported value: -Inf");
    static const struct val_func fn = {"f", NULL, NULL};
    want_emit_error(val_func(&fn), "json: unsupported type: func()");
    struct val err = val_str("boom", 4);
    err.flags = GT_ERRSTR;
    want_emit(err, 0, "{}");
}

static void test_emit_time(void **state)
{
    (void)state;
    struct val_time t = {.unix = 1700000000,
                         .nsec = 120000000,
                         .off = -5 * 3600,
                         .zone = "EST",
                         .loc = "X"};
    want_emit(val_time(&t), 0, "\"2023-11-14T17:13:20.12-05:00\"");
    struct val_time u = {.unix = 0, .nsec = 1, .loc = "UTC"};
    want_emit(val_time(&u), 0, "\"1970-01-01T00:00:00.000000001Z\"");
    struct val_time zero = {.unix = -62135596800LL};
    want_emit(val_time(&zero), 0, "\"0001-01-01T00:00:00Z\"");
    struct val_time ist = {.unix = 951782400, .off = 19800};
    want_emit(val_time(&ist), 0, "\"2000-02-29T05:30:00+05:30\"");
    struct val_time far = {.unix = 253402300800LL};
    want_emit_error(val_time(&far),
                    "json: error calling MarshalJSON for type time.Time: "
                    "Time.MarshalJSON: year outside of range [0,9999]");
}

static void test_emit_containers(void **state)
{
    (void)state;
    struct val bytes[5];
    const char *hello = "hello";
    for (int i = 0; i < 5; i++)
        bytes[i] = val_int_t((unsigned char)hello[i], GT_UINT8);
    struct val_list bl = {5, 5, bytes};
    want_emit(val_list(&bl, GT_LIST_BYTES), 0, "\"aGVsbG8=\"");
    bl.len = 4;
    want_emit(val_list(&bl, GT_LIST_BYTES), 0, "\"aGVsbA==\"");
    bl.len = 3;
    want_emit(val_list(&bl, GT_LIST_BYTES), 0, "\"aGVs\"");
    bl.len = 0;
    want_emit(val_list(&bl, GT_LIST_BYTES), 0, "\"\"");
    want_emit(val_list(&bl, GT_LIST_INT), 0, "[]");
    want_emit(val_list(NULL, GT_LIST_STRING | VAL_F_NILPTR), 0, "null");
    want_emit(val_obj(NULL, GT_MAP_ANY | VAL_F_NILPTR), 0, "null");
    want_emit(val_obj(NULL, GT_MAP_ANY), 0, "{}");

    struct val_kv kv[3] = {
        {val_str("", 0), val_str("*x.T", 4)},
        {val_str("Major", 5), val_int(1)},
        {val_str("String", 6), val_str("1.0", 3)},
    };
    struct val_obj so = {3, 3, kv};
    want_emit(val_obj(&so, GT_STRUCT), 0, "{\"Major\":1}");
    want_emit(val_obj(&so, GT_MAP_ANY), 0,
              "{\"\":\"*x.T\",\"Major\":1,\"String\":\"1.0\"}");
    want_emit_error(val_obj(&so, GT_MAP_IFACE),
                    "json: unsupported type: map[interface {}]interface {}");
}

static void want_pretty(const char *s, const char *prefix, const char *indent,
                        const char *want)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    struct buf b;
    struct json_emit_opts o = {JSON_PRETTY, prefix, indent};
    arena_init(&a, 0);
    buf_init(&b, 0);
    assert_int_equal(parse(&a, s, NULL, &v, &e), RN_OK);
    assert_int_equal(json_emit(&b, v, &o, &e), RN_OK);
    assert_string_equal(buf_str(&b), want);
    buf_free(&b);
    arena_free(&a);
}

static void test_emit_pretty(void **state)
{
    (void)state;
    want_pretty("{\"b\":[1,{}],\"a\":{\"c\":[]}}", NULL, NULL,
                "{\n  \"a\": {\n    \"c\": []\n  },\n  \"b\": [\n    1,\n"
                "    {}\n  ]\n}");
    want_pretty("[1,2]", ">", "\t", "[\n>\t1,\n>\t2\n>]");
    want_pretty("{}", "", "  ", "{}");
    want_pretty("\"<\"", "", "  ", "\"\\u003c\"");
    want_pretty("[[]]", "", "", "[\n[]\n]");
}

/* A cyclic object (sprig can build one with set) is reported, not looped. */
static void test_emit_cycle(void **state)
{
    (void)state;
    struct val_kv kv[1];
    struct val_obj o = {1, 1, kv};
    kv[0].key = val_str("self", 4);
    kv[0].v = val_obj(&o, GT_MAP_ANY);
    want_emit_error(val_obj(&o, GT_MAP_ANY),
                    "json: unsupported value: encountered a cycle via "
                    "map[string]interface {}");
}

/* Deep but acyclic values are emitted (Go only refuses real cycles), up
 * to a hard depth that protects the C stack. */
static void test_emit_deep(void **state)
{
    enum { N = 12000 };
    (void)state;
    struct val_list *lists = calloc(N, sizeof *lists);
    struct val *items = calloc(N, sizeof *items);
    assert_non_null(lists);
    assert_non_null(items);
    for (size_t i = 0; i < N; i++) {
        lists[i].len = lists[i].cap = i + 1 < N ? 1 : 0;
        lists[i].items = &items[i];
        if (i + 1 < N)
            items[i] = val_list(&lists[i + 1], GT_LIST_ANY);
    }
    struct buf b;
    struct rn_err e;
    buf_init(&b, 0);
    struct val mid = val_list(&lists[N - 2000], GT_LIST_ANY);
    assert_int_equal(json_emit(&b, mid, NULL, &e), RN_OK);
    assert_int_equal(b.len, 4000);
    buf_reset(&b);
    assert_int_equal(json_emit(&b, val_list(&lists[0], GT_LIST_ANY), NULL, &e),
                     RN_ELIMIT);
    assert_string_equal(e.msg, "json: exceeded max depth");
    assert_int_equal(b.len, 0);
    /* a cycle far below the top is still found */
    items[N - 1] = val_list(&lists[N - 3000], GT_LIST_ANY);
    lists[N - 1].len = 1;
    buf_reset(&b);
    assert_int_equal(json_emit(&b, mid, NULL, &e), RN_EINVAL);
    assert_string_equal(e.msg, "json: unsupported value: encountered a cycle "
                               "via []interface {}");
    buf_free(&b);
    free(lists);
    free(items);
}

static void test_emit_limits(void **state)
{
    struct buf b;
    struct rn_err e;
    (void)state;
    buf_init(&b, 8);
    assert_int_equal(json_emit(&b, val_str("0123456789", 10), NULL, &e),
                     RN_ELIMIT);
    buf_free(&b);
    for (long k = 0; k < 4; k++) {
        buf_init(&b, 0);
        rn_alloc_fail_after(k, 0);
        int rc = json_emit(&b, val_str("0123456789", 10), NULL, &e);
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || rc == RN_ENOMEM);
        buf_free(&b);
    }
}

/* The escaper reads plain text 8 bytes at a time: a byte that needs an
 * escape must be found at every position of such a word. */
static void test_escape_positions(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        unsigned flags;
    } sp[] = {
        {"\"", "\\\"", 0},
        {"\\", "\\\\", 0},
        {"\n", "\\n", 0},
        {"\x01", "\\u0001", 0},
        {"\x1f", "\\u001f", 0},
        {"<", "\\u003c", 0},
        {">", "\\u003e", 0},
        {"&", "\\u0026", 0},
        {"<", "<", JSON_RAW},
        {"\xff", "\\ufffd", 0},
        {"\xc3\xa9", "\xc3\xa9", 0},
    };
    for (size_t k = 0; k < sizeof sp / sizeof *sp; k++) {
        for (size_t pos = 0; pos < 18; pos++) {
            char in[40], want[60];
            struct buf b;
            memset(in, 'a', pos);
            snprintf(in + pos, sizeof in - pos, "%sbbbbbbbbbbbbbbbbb",
                     sp[k].in);
            snprintf(want, sizeof want, "\"%.*s%sbbbbbbbbbbbbbbbbb\"", (int)pos,
                     in, sp[k].out);
            buf_init(&b, 0);
            assert_int_equal(json_emit_string(&b, in, strlen(in), sp[k].flags),
                             RN_OK);
            assert_string_equal(buf_str(&b), want);
            buf_free(&b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_positions),
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_numbers_float64),
        cmocka_unit_test(test_numbers_int64),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_parse_doc),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_roundtrip_file),
        cmocka_unit_test(test_emit_strings),
        cmocka_unit_test(test_emit_scalars),
        cmocka_unit_test(test_emit_time),
        cmocka_unit_test(test_emit_containers),
        cmocka_unit_test(test_emit_pretty),
        cmocka_unit_test(test_emit_cycle),
        cmocka_unit_test(test_emit_deep),
        cmocka_unit_test(test_emit_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
