/*
 * test_expr.c: the expr module through its public API: lexing, operator
 * precedence, Go value semantics, builtins, the time variable, compile
 * versus run-time errors with their positions, and the limits (nesting,
 * steps, expr's memory budget).  Each case compiles an expression, runs it
 * over a small JSON environment (numbers are float64, as from
 * encoding/json) and compares the %v text and Go type of the result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/json.h"
#include "expr/expr.h"

#include <stdio.h>
#include <string.h>

static const char env_json[] =
    "{\"i\":7,\"f\":2.5,\"z\":0,\"s\":\"hello\",\"t\":true,\"n\":null,"
    "\"arr\":[1,2,3,4,5],\"strs\":[\"a\",\"b\",\"c\"],\"ea\":[],"
    "\"m\":{\"a\":1,\"b\":{\"c\":\"deep\"}},"
    "\"objs\":[{\"name\":\"x\",\"v\":1},{\"name\":\"y\",\"v\":5}],"
    "\"ts\":\"2025-03-14T09:26:53Z\",\"ts2\":\"2025-03-14T10:00:00Z\"}";

enum { OK, COMPILE, RUNTIME };

struct result {
    int kind;
    char text[512]; /* %v of the result, or the error message */
    char type[64];  /* %T of the result */
};

static struct val make_env(struct arena *a)
{
    struct val env;
    struct rn_err e = {0};
    assert_int_equal(json_parse(a, env_json, strlen(env_json), NULL, &env, &e),
                     RN_OK);
    /* add the `time` variable: a copy of the object with one more key */
    size_t n = val_obj_len(env);
    struct val_kv *kv = arena_alloc(a, (n + 1) * sizeof *kv);
    size_t k = 0;
    bool placed = false;
    for (size_t i = 0; i < n; i++) {
        const struct val_kv *x = val_obj_at(env, i);
        if (!placed && val_keycmp(x->key.u.s, x->key.len, "time", 4) > 0) {
            kv[k].key = val_str("time", 4);
            kv[k++].v = expr_time_var(a);
            placed = true;
        }
        kv[k++] = *x;
    }
    if (!placed) {
        kv[k].key = val_str("time", 4);
        kv[k++].v = expr_time_var(a);
    }
    struct val_obj *o = arena_alloc(a, sizeof *o);
    o->len = o->cap = (uint32_t)k;
    o->kv = kv;
    return val_obj(o, GT_MAP_ANY);
}

static struct result run(const char *src)
{
    struct result r = {0};
    struct arena a;
    arena_init(&a, 0);
    struct rn_err e = {0};
    struct expr_prog *p = expr_compile(src, strlen(src), "test", &e);
    if (!p) {
        assert_int_equal(e.code, RN_ESYNTAX);
        r.kind = COMPILE;
        snprintf(r.text, sizeof r.text, "%s", e.msg);
        arena_free(&a);
        return r;
    }
    struct val v;
    if (expr_run(p, make_env(&a), &a, &v, &e) != RN_OK) {
        assert_int_equal(e.code, RN_EEXEC);
        r.kind = RUNTIME;
        snprintf(r.text, sizeof r.text, "%s", e.msg);
    } else {
        struct buf b;
        buf_init(&b, 1u << 20);
        gofmt_value(&b, v);
        snprintf(r.text, sizeof r.text, "%s", b.len ? buf_str(&b) : "");
        snprintf(r.type, sizeof r.type, "%s", expr_value_type(v));
        buf_free(&b);
    }
    expr_free(p);
    arena_free(&a);
    return r;
}

struct want {
    const char *src, *text, *type;
};

static void check_all(const struct want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct result r = run(w[i].src);
        if (r.kind != OK || strcmp(r.text, w[i].text) != 0 ||
            strcmp(r.type, w[i].type) != 0)
            fail_msg("%s: got %s (%s), want %s (%s)", w[i].src, r.text, r.type,
                     w[i].text, w[i].type);
    }
}

static void check_errors(const char *const *srcs, size_t n, int kind)
{
    for (size_t i = 0; i < n; i++) {
        struct result r = run(srcs[i]);
        if (r.kind != kind)
            fail_msg("%s: want error kind %d, got %d (%s)", srcs[i], kind,
                     r.kind, r.text);
    }
}

#define CHECK(tab) check_all(tab, sizeof tab / sizeof *tab)

static void test_lexer(void **state)
{
    static const struct want w[] = {
        {"0x1F", "31", "int"},
        {"0o17", "15", "int"},
        {"0b101", "5", "int"},
        {"1_000", "1000", "int"},
        {".5", "0.5", "float64"},
        {"1.", "1", "float64"},
        {"1e3", "1000", "float64"},
        {"'a\\tb'", "a\tb", "string"},
        {"\"\\u00e9\"", "\xc3\xa9", "string"},
        {"'\\x41\\101'", "AA", "string"},
        {"`raw\\n`", "raw\\n", "string"},
        {"1 /* c */ + // x\n 2", "3", "int"},
        {"not\ttrue", "false", "bool"},
    };
    (void)state;
    CHECK(w);
    static const char *const bad[] = {"@",    "'open", "1a",
                                      "/* x", "'\\q'", "9223372036854775808",
                                      ".5.5", "#"};
    check_errors(bad, sizeof bad / sizeof *bad, COMPILE);
}

static void test_precedence(void **state)
{
    static const struct want w[] = {
        {"2 + 3 * 4", "14", "int"},
        {"(2 + 3) * 4", "20", "int"},
        {"2 ** 3 ** 2", "512", "float64"},
        {"-2 ** 2", "-4", "float64"},
        {"10 - 2 - 3", "5", "int"},
        {"100 / 10 / 5", "2", "float64"},
        {"-7 % 3", "-1", "int"},
        {"1 < 2 < 3", "true", "bool"},
        {"3 > 2 > 1", "true", "bool"},
        {"not true == false", "true", "bool"},
        {"true || false && false", "true", "bool"},
        {"t ? 1 : t ? 2 : 3", "1", "int"},
        {"n ?? n ?? 3", "3", "int"},
        {"1 + 2 ?? 3", "3", "int"},
        {"arr | filter(# > 1) | map(# * 2)", "[4 6 8 10]", "[]interface {}"},
        {"'a' in strs && 1..3 == [1, 2, 3]", "true", "bool"},
        {"2 not in arr", "false", "bool"},
        {"let x = 2; let y = x * 3; y + x", "8", "int"},
    };
    (void)state;
    CHECK(w);
    static const char *const bad[] = {
        "n ?? 1 + 2",       "1 +",      "(1",  "a b", "1 === 1",
        "let x = 1; x = 2", "map(arr)", "{a:}"};
    check_errors(bad, sizeof bad / sizeof *bad, COMPILE);
}

static void test_numbers(void **state)
{
    static const struct want w[] = {
        {"7 / 2", "3.5", "float64"},
        {"i / 7 == 1", "true", "bool"},
        {"i * f", "17.5", "float64"},
        {"int(i) % 2", "1", "int"},
        {"9223372036854775807 + 1", "-9223372036854775808", "int"},
        {"z / z", "NaN", "float64"},
        {"f / 0", "+Inf", "float64"},
        {"1 == 1.0", "true", "bool"},
        {"i == 7", "true", "bool"},
        {"0.1 + 0.2", "0.30000000000000004", "float64"},
        {"abs(-5)", "5", "int"},
        {"round(-2.5)", "-3", "float64"},
        {"int(-2.5)", "-2", "int"},
        {"min(1, 5.5, -3)", "-3", "int"},
        {"sum(arr)", "15", "float64"},
        {"sum(ea)", "0", "int"},
        {"mean([1, 2.5])", "1.75", "float64"},
        {"bitnot(6)", "-7", "int"},
        {"bitushr(-5, 62)", "3", "int"},
    };
    (void)state;
    CHECK(w);
    static const char *const compile[] = {"7.5 % 2",   "1 + 'a'", "!1",
                                          "1 && true", "1 % 0",   "len(1)",
                                          "abs('x')",  "upper(1)"};
    check_errors(compile, sizeof compile / sizeof *compile, COMPILE);
    static const char *const runtime[] = {
        "i % 2", "n + n", "t + 1", "int(n)", "float('x')", "-s", "int(i) % 0"};
    check_errors(runtime, sizeof runtime / sizeof *runtime, RUNTIME);
}

static void test_members(void **state)
{
    static const struct want w[] = {
        {"m.b.c", "deep", "string"},
        {"m['b'].c", "deep", "string"},
        {"m.missing", "<nil>", "<nil>"},
        {"n?.x.y", "<nil>", "<nil>"},
        {"m.missing?.c ?? 'd'", "d", "string"},
        {"arr[-1]", "5", "float64"},
        {"arr[1:3]", "[2 3]", "[]interface {}"},
        {"arr[-2:]", "[4 5]", "[]interface {}"},
        {"s[0]", "104", "uint8"},
        {"s[1:3]", "el", "string"},
        {"undefinedVar", "<nil>", "<nil>"},
        {"$env.s", "hello", "string"},
        {"'a' in m", "true", "bool"},
        {"n in arr", "false", "bool"},
        {"{1: 'x'}", "map[1:x]", "map[string]interface {}"},
        {"true && n", "<nil>", "<nil>"},
    };
    (void)state;
    CHECK(w);
    static const char *const runtime[] = {
        "m.missing.deeper", "n.x", "arr[5]",    "arr[-6]", "s.foo",
        "m[arr]",           "!n",  "n ? 1 : 2", "foo()",   "arr()"};
    check_errors(runtime, sizeof runtime / sizeof *runtime, RUNTIME);
}

static void test_predicates(void **state)
{
    static const struct want w[] = {
        {"all(arr, # > 0)", "true", "bool"},
        {"any(objs, .v > 4)", "true", "bool"},
        {"one(arr, # == 3)", "true", "bool"},
        {"none(ea, true)", "true", "bool"},
        {"count(objs, .v > 1)", "1", "int"},
        {"map(arr, #index)", "[0 1 2 3 4]", "[]interface {}"},
        {"filter(objs, .v > 2)[0].name", "y", "string"},
        {"find(arr, # > 10)", "<nil>", "<nil>"},
        {"findLastIndex(arr, # < 3)", "1", "int"},
        {"reduce(arr, #acc + #, 100)", "115", "float64"},
        {"sortBy(objs, .v, 'desc')[0].name", "y", "string"},
        {"groupBy(arr, # > 2)", "map[false:[1 2] true:[3 4 5]]",
         "map[interface {}][]interface {}"},
        {"any(m, true)", "true", "bool"},
        {"map(1..3, map(1..2, # * 10))", "[[10 20] [10 20] [10 20]]",
         "[]interface {}"},
    };
    (void)state;
    CHECK(w);
    static const char *const runtime[] = {
        "filter(arr, #)", "count(arr)",           "filter(m, true)",
        "all(n, true)",   "reduce(ea, #acc + #)", "filter(objs, .v > 100)[0]"};
    check_errors(runtime, sizeof runtime / sizeof *runtime, RUNTIME);
    static const char *const compile[] = {
        "map(arr, {n: #})", "filter(arr, #index > 1)", "filter(arr, 1)"};
    check_errors(compile, sizeof compile / sizeof *compile, COMPILE);
}

static void test_builtins(void **state)
{
    static const struct want w[] = {
        {"len('h\xc3\xa9llo')", "6", "int"},
        {"upper(s)", "HELLO", "string"},
        {"trim('xxaxx', 'x')", "a", "string"},
        {"split('a,b,c', ',', 2)", "[a b,c]", "[]string"},
        {"join(strs, '-')", "a-b-c", "string"},
        {"replace(s, 'l', 'L')", "heLLo", "string"},
        {"indexOf(s, 'l')", "2", "int"},
        {"string(m)", "map[a:1 b:map[c:deep]]", "string"},
        {"type(m)", "map", "string"},
        {"toJSON({b: 2, a: 'x<'})", "{\n  \"a\": \"x\\u003c\",\n  \"b\": 2\n}",
         "string"},
        {"fromJSON('[1, 2.5]')", "[1 2.5]", "[]interface {}"},
        {"toBase64('hi')", "aGk=", "string"},
        {"fromBase64('aGk=')", "hi", "string"},
        {"sort([3, 1, 2], 'desc')", "[3 2 1]", "[]interface {}"},
        {"concat([1], [[2]])", "[1 [2]]", "[]interface {}"},
        {"fromPairs([['a', 1]])", "map[a:1]", "map[interface {}]interface {}"},
        {"keys({a: 1})", "[a]", "[]interface {}"},
        {"first(ea)", "<nil>", "<nil>"},
        {"get(arr, 10)", "<nil>", "<nil>"},
        {"take(arr, 2)", "[1 2]", "[]interface {}"},
        {"duration('1h30m')", "1h30m0s", "time.Duration"},
        {"date('2024-02-29') - date('2024-02-28')", "24h0m0s", "time.Duration"},
    };
    (void)state;
    CHECK(w);
    static const char *const runtime[] = {"fromBase64('!')", "duration('bad')",
                                          "date('bad')",     "uniq([1])",
                                          "sort([1, 'a'])",  "repeat('x', -1)"};
    check_errors(runtime, sizeof runtime / sizeof *runtime, RUNTIME);
}

/* Rewrites expr's optimizer makes and that change results. */
static void test_rewrites(void **state)
{
    static const struct want w[] = {
        {"i and true", "7", "float64"},
        {"n.x and false", "false", "bool"},
        {"n in ['', 'a']", "true", "bool"},
        {"map(filter(arr, # > 2), #index)", "[2 3 4]", "[]interface {}"},
        {"filter(filter(arr, # > 1), # < 5)", "[2 3 4]", "[]interface {}"},
        {"first(filter(arr, # > 10))", "<nil>", "<nil>"},
        {"sum([i, f, 1])", "10.5", "float64"},
        {"sum([1, 2.5])", "3.5", "float64"},
    };
    (void)state;
    CHECK(w);
    static const char *const runtime[] = {
        "i in ['a']", "filter(arr, # > 10)[-1]", "sum(['a', 'b'])"};
    check_errors(runtime, sizeof runtime / sizeof *runtime, RUNTIME);
}

static void test_time(void **state)
{
    static const struct want w[] = {
        {"time.Parse(ts)", "2025-03-14 09:26:53 +0000 UTC", "time.Time"},
        {"time.Parse(ts).Unix()", "1741944413", "int64"},
        {"time.Parse(ts2).Sub(time.Parse(ts)).String()", "33m7s", "string"},
        {"time.Parse(ts2) - time.Parse(ts)", "33m7s", "time.Duration"},
        {"time.Parse(ts) + duration('30m')", "2025-03-14 09:56:53 +0000 UTC",
         "time.Time"},
        {"time.Parse(ts).Month()", "March", "time.Month"},
        {"time.Parse(ts).Month() == 3", "false", "bool"},
        {"int(time.Parse(ts).Month())", "3", "int"},
        {"time.Parse(ts).Weekday().String()", "Friday", "string"},
        {"time.Parse(ts) < time.Parse(ts2)", "true", "bool"},
        {"date(ts) == time.Parse(ts)", "true", "bool"},
        {"time.Parse(ts).Truncate(duration('1h'))",
         "2025-03-14 09:00:00 +0000 UTC", "time.Time"},
        {"duration('90s').Seconds()", "90", "float64"},
    };
    (void)state;
    CHECK(w);
    static const char *const runtime[] = {"time.Parse('bad')", "time.Parse(1)",
                                          "1 * time.Minute",
                                          "time.Parse(ts).Month() + 1"};
    check_errors(runtime, sizeof runtime / sizeof *runtime, RUNTIME);
    static const char *const compile[] = {"date(ts).Foo()",
                                          "date(ts).Format(1)", "date(ts) + 1"};
    check_errors(compile, sizeof compile / sizeof *compile, COMPILE);
}

static void test_error_text(void **state)
{
    (void)state;
    struct result r = run("1 +");
    assert_int_equal(r.kind, COMPILE);
    assert_string_equal(r.text, "unexpected token EOF (1:3)\n | 1 +\n | ..^");
    r = run("m.missing.deeper");
    assert_int_equal(r.kind, RUNTIME);
    assert_string_equal(r.text, "cannot fetch deeper from <nil> (1:11)\n"
                                " | m.missing.deeper\n"
                                " | ..........^");
    r = run("1 +\n  'a'");
    assert_int_equal(r.kind, COMPILE);
    assert_non_null(strstr(r.text, "(1:3)"));
}

static void test_limits(void **state)
{
    (void)state;
    char deep[2000];
    size_t k = 0;
    for (int i = 0; i < 600; i++)
        deep[k++] = '(';
    deep[k++] = '1';
    for (int i = 0; i < 600; i++)
        deep[k++] = ')';
    deep[k] = 0;
    assert_int_equal(run(deep).kind, COMPILE);
    struct result r = run("let r = 1..900; all(r, all(r, all(r, true)))");
    assert_int_equal(r.kind, RUNTIME);
    r = run("1..2000000");
    assert_int_equal(r.kind, RUNTIME);
    assert_non_null(strstr(r.text, "memory budget exceeded"));
    r = run("repeat('ab', 600000)");
    assert_int_equal(r.kind, RUNTIME);
    /* lists nested by a loop, and shared sublists compared */
    r = run("reduce(1..5000, [#acc])");
    assert_int_equal(r.kind, RUNTIME);
    assert_non_null(strstr(r.text, "nested too deeply"));
    assert_int_equal(
        run("reduce(1..40, [#acc, #acc]) == reduce(1..40, [#acc, #acc])").kind,
        RUNTIME);
    /* bytes allocated by one run */
    assert_int_equal(
        run("len(reduce(1..3000, #acc + repeat('y', 100), ''))").kind, RUNTIME);
    /* RE2's repeat limit, and long left-nested chains */
    assert_int_equal(run("'a' matches 'a{1001}'").kind, COMPILE);
    char chain[4000];
    k = 0;
    chain[k++] = 'a';
    for (int i = 0; i < 1000; i++) {
        chain[k++] = '.';
        chain[k++] = 'b';
    }
    chain[k] = 0;
    assert_int_equal(run(chain).kind, COMPILE);
}

static void test_reuse(void **state)
{
    (void)state;
    struct rn_err e = {0};
    const char *src = "map(objs, .name + s)";
    struct expr_prog *p = expr_compile(src, strlen(src), "reuse", &e);
    assert_non_null(p);
    for (int i = 0; i < 50; i++) {
        struct arena a;
        arena_init(&a, 0);
        struct val v;
        assert_int_equal(expr_run(p, make_env(&a), &a, &v, &e), RN_OK);
        assert_int_equal(val_list_len(v), 2);
        arena_free(&a);
    }
    expr_free(p);
    expr_free(NULL);
}

/* Every allocation failing in turn: each compile and run ends correct or
 * with RN_ENOMEM, and (under ASan) nothing leaks. */
static void test_oom(void **state)
{
    (void)state;
    const char *src = "map(filter(objs, .v > 1), {.name + s}) | join(',') + "
                      "string(len(arr)) + toJSON(m) + upper(s) + "
                      "string(date(ts).Year() + time.Parse(ts).Unix()) + "
                      "string(groupBy(arr, # > 2)) + string(fromJSON('[1]'))";
    for (long k = 0; k < 400; k++) {
        struct arena a;
        arena_init(&a, 0);
        struct val env = make_env(&a);
        struct rn_err e = {0};
        rn_alloc_fail_after(k, 0);
        struct expr_prog *p = expr_compile(src, strlen(src), "oom", &e);
        if (p) {
            struct val v;
            int rc = expr_run(p, env, &a, &v, &e);
            if (rc != RN_OK && rc != RN_ENOMEM)
                fail_msg("k=%ld: run rc %d: %s", k, rc, e.msg);
        } else if (e.code != RN_ENOMEM) {
            fail_msg("k=%ld: compile code %d: %s", k, e.code, e.msg);
        }
        rn_alloc_fail_after(-1, 0);
        expr_free(p);
        arena_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer),      cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_numbers),    cmocka_unit_test(test_members),
        cmocka_unit_test(test_predicates), cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_rewrites),   cmocka_unit_test(test_time),
        cmocka_unit_test(test_error_text), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_reuse),      cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
