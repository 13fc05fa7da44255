/*
 * test_yaml.c: the YAML reader (src/core/yaml.c) against what upstream's
 * sigs.k8s.io/yaml (go-yaml v2 + a JSON round trip) produces: YAML 1.1
 * scalars, key conversion, anchors and merges, tags, errors with
 * positions, number modes, limits and allocation failures.
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
#include "core/goyaml.h"
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse s and compare the compact JSON of the result with want. */
static void want_json(const char *s, int nums, const char *want)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    struct buf b;
    struct goyaml_opts o = {.nums = nums, .src = "test"};
    arena_init(&a, 0);
    buf_init(&b, 0);
    rn_err_clear(&e);
    if (goyaml_parse(&a, s, strlen(s), &o, &v, &e) != RN_OK)
        fail_msg("yaml %s: %s", s, e.msg);
    if (json_emit(&b, v, NULL, &e) != RN_OK)
        fail_msg("emit: %s", e.msg);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("yaml:\n%s\ngot  %s\nwant %s", s, buf_str(&b), want);
    buf_free(&b);
    arena_free(&a);
}

static void want_error(const char *s, int code, const char *msg, int line)
{
    struct arena a;
    struct val v = val_bool(true);
    struct rn_err e;
    struct goyaml_opts o = {.src = "cm/key"};
    arena_init(&a, 0);
    rn_err_clear(&e);
    int rc = goyaml_parse(&a, s, strlen(s), &o, &v, &e);
    if (rc != code || strcmp(e.msg, msg) != 0)
        fail_msg("yaml %s: got %d \"%s\", want %d \"%s\"", s, rc, e.msg, code,
                 msg);
    if (line)
        assert_int_equal(e.line, line);
    assert_string_equal(e.src, "cm/key");
    assert_int_equal(v.kind, VAL_BOOL);
    arena_free(&a);
}

static void test_scalars(void **state)
{
    (void)state;
    want_json("a: 1\nb: -2\nc: 1.5\nd: hello\ne: \"1\"\nf: '2'\n", 0,
              "{\"a\":1,\"b\":-2,\"c\":1.5,\"d\":\"hello\",\"e\":\"1\","
              "\"f\":\"2\"}");
    want_json("[~, null, Null, NULL, '', \"\", nil]", 0,
              "[null,null,null,null,\"\",\"\",\"nil\"]");
    want_json("a:\nb: !!str\n", 0, "{\"a\":null,\"b\":\"\"}");
    want_json("[y, Y, yes, Yes, YES, on, On, ON, true, True, TRUE]", 0,
              "[true,true,true,true,true,true,true,true,true,true,true]");
    want_json("[n, N, no, No, NO, off, Off, OFF, false, False, FALSE]", 0,
              "[false,false,false,false,false,false,false,false,false,"
              "false,false]");
    want_json("[yES, tRUE, 'yes', \"on\", nO]", 0,
              "[\"yES\",\"tRUE\",\"yes\",\"on\",\"nO\"]");
    want_json("[0x1F, 0X1f, 017, 0o17, 0b101, -0b101, 1_000, +12, -0, 08]", 0,
              "[31,31,15,15,5,-5,1000,12,0,8]");
    want_json("[1.5, .5, -.5, +.5, 1., 1e3, 1E-2, 6.02e+23, 1_0.5]", 0,
              "[1.5,0.5,-0.5,0.5,1,1000,0.01,6.02e+23,10.5]");
    want_json("[1e400, ._5, 0x, 1_, 1.2.3, 12:30, 1e, -, +]", 0,
              "[\"1e400\",\"._5\",\"0x\",1,\"1.2.3\",\"12:30\",\"1e\",\"-\","
              "\"+\"]");
    want_json("[2001-12-14, 2001-12-14t21:59:43.10-05:00, 0.1.2]", 0,
              "[\"2001-12-14\",\"2001-12-14t21:59:43.10-05:00\",\"0.1.2\"]");
    want_json("[18446744073709551615, -9223372036854775809, "
              "99999999999999999999999]",
              0,
              "[18446744073709552000,-9223372036854776000,"
              "1e+23]");
    want_json("s: \"a\\u00e9\\n\\x41\"\nt: 'it''s'\nu: |\n  line1\n  line2\n",
              0,
              "{\"s\":\"aé\\nA\",\"t\":\"it's\",\"u\":\"line1\\nline2\\n\"}");
}

static void test_number_modes(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    struct goyaml_opts o = {.nums = JSON_NUM_INT64};
    const char *s = "[1, 1.0, 1.5, 1e21, 9223372036854775807, "
                    "9223372036854775808, -0.0, 0x10]";
    (void)state;
    arena_init(&a, 0);
    assert_int_equal(goyaml_parse(&a, s, strlen(s), &o, &v, &e), RN_OK);
    static const int kinds[] = {VAL_INT, VAL_INT,   VAL_FLOAT, VAL_FLOAT,
                                VAL_INT, VAL_FLOAT, VAL_INT,   VAL_INT};
    for (size_t i = 0; i < 8; i++) {
        struct val x = val_list_at(v, i);
        if (x.kind != kinds[i])
            fail_msg("item %zu: kind %d", i, x.kind);
        if (x.kind == VAL_INT)
            assert_int_equal(val_gotype(x), GT_INT64);
    }
    assert_true(val_list_at(v, 4).u.i == INT64_MAX);
    assert_int_equal(val_list_at(v, 7).u.i, 16);
    o.nums = JSON_NUM_FLOAT64;
    assert_int_equal(goyaml_parse(&a, s, strlen(s), &o, &v, &e), RN_OK);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(val_list_at(v, i).kind, VAL_FLOAT);
    arena_free(&a);
}

static void test_keys(void **state)
{
    (void)state;
    want_json("1: a\n1.5: b\ntrue: c\nno: d\n0x10: e\n1e10: f\n.inf: g\n"
              "0.1: h\n",
              0,
              "{\".inf\":\"g\",\"0.1\":\"h\",\"1\":\"a\",\"1.5\":\"b\","
              "\"16\":\"e\",\"1e+10\":\"f\",\"false\":\"d\",\"true\":\"c\"}");
    want_json("b: 1\na: 2\nb: 3\n", 0, "{\"a\":2,\"b\":3}");
    want_json("{1: p, '1': q, 2: y}", 0, "{\"1\":\"q\",\"2\":true}");
    want_error("~: 1", RN_EINVAL,
               "error converting YAML to JSON: unsupported map key of type: "
               "%!s(<nil>), key: <nil>, value: 1",
               1);
    want_error("? [a]\n: 1\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: invalid map key: "
               "[]interface {}{\"a\"}",
               0);
    /* a template written without quotes is a flow mapping key */
    want_error("message: hi\nx:\n  key: {{ .app.name }}\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: invalid map key: "
               "map[interface {}]interface {}{\".app.name\":interface "
               "{}(nil)}",
               3);
}

static void test_anchors_merge(void **state)
{
    (void)state;
    want_json("base: &b {a: 1, b: 2}\nuse: *b\nlist: [&x 5, *x]\n", 0,
              "{\"base\":{\"a\":1,\"b\":2},\"list\":[5,5],\"use\":{\"a\":1,"
              "\"b\":2}}");
    want_json("b: &b {a: 1, b: 2}\nc: &c {c: 3, a: 9}\n"
              "m: {<<: [*b, *c], z: 0}\n",
              0,
              "{\"b\":{\"a\":1,\"b\":2},\"c\":{\"a\":9,\"c\":3},"
              "\"m\":{\"a\":1,\"b\":2,\"c\":3,\"z\":0}}");
    /* go-yaml v2: keys set in order, so the merge overrides earlier keys
     * and later keys override the merge */
    want_json("b: &b {a: 1, b: 2}\nm: {a: 5, <<: *b, b: 7}\n", 0,
              "{\"b\":{\"a\":1,\"b\":2},\"m\":{\"a\":1,\"b\":7}}");
    want_json("m: {'<<': 1}\n", 0, "{\"m\":{\"\\u003c\\u003c\":1}}");
    want_json("a: &k key\n*k : v\n", 0, "{\"a\":\"key\",\"key\":\"v\"}");
    want_error("a: *nope", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: unknown anchor 'nope' "
               "referenced",
               1);
    want_error("a: {<<: 1}", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: map merge requires map "
               "or sequence of maps as the value",
               1);
    want_error("a: &a [1]\nb: {<<: [*a]}", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: map merge requires map "
               "or sequence of maps as the value",
               2);
}

static void test_tags(void **state)
{
    (void)state;
    want_json("[!!str 1, !!int 2, !!float 3, !!bool true, !!null ~, "
              "!custom 5, !!binary aGVsbG8=, !!binary /w==]",
              0, "[\"1\",2,3,true,null,\"5\",\"hello\",\"\xef\xbf\xbd\"]");
    want_error("!!int abc", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: cannot decode !!str "
               "`abc` as a !!int",
               1);
    want_error("!!bool 1", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: cannot decode !!int `1` "
               "as a !!bool",
               1);
    want_error("!!binary a", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: !!binary value contains "
               "invalid base64 data",
               1);
}

static void test_documents(void **state)
{
    (void)state;
    want_json("", 0, "null");
    want_json("{}", 0, "{}"); /* fuzz: empty mapping before any member */
    want_json("[]", 0, "[]");
    want_json("# only a comment\n", 0, "null");
    want_json("---\n", 0, "null");
    want_json("--- 1\n--- 2\n", 0, "1");
    want_json("a: 1\n---\nb: [\n", 0, "{\"a\":1}");
    want_json("%YAML 1.1\n---\n[x]\n", 0, "[\"x\"]");
}

static void test_errors(void **state)
{
    (void)state;
    want_error("a: .inf", RN_EINVAL,
               "error converting YAML to JSON: json: unsupported value: +Inf",
               1);
    want_error("[.nan]", RN_EINVAL,
               "error converting YAML to JSON: json: unsupported value: NaN",
               1);
    want_error("a: [1, 2\nb: 3", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: line 1: did not find "
               "expected ',' or ']'",
               2);
    want_error("a: b: c", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: mapping values are not "
               "allowed in this context",
               1);
    want_error("a:\n  - x\n  y: 1\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: line 2: did not find "
               "expected '-' indicator",
               3);
    want_error("a: \"x\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: line 2: found "
               "unexpected end of stream",
               2);
    want_error("\t- a", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: found character that "
               "cannot start any token",
               1);
    want_error("\"\xff\"", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: invalid leading UTF-8 "
               "octet",
               0);
}

/* go-yaml parses the whole document before decoding it, so a syntax
 * error anywhere wins over a decoding error earlier in the text, and
 * decoding errors win over the later JSON conversion ones. */
static void test_error_phases(void **state)
{
    (void)state;
    want_error("a: !!int x\nb: [\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: line 2: did not find "
               "expected node content",
               0);
    want_error("message: |\n  hi\nid: {{.obj.name}}-deployment\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: line 2: did not find "
               "expected key",
               3);
    want_error("a: .nan\nb: !!int x\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: cannot decode !!str `x` "
               "as a !!int",
               2);
    want_error("a: .nan\n~: 1\n", RN_EINVAL,
               "error converting YAML to JSON: unsupported map key of type: "
               "%!s(<nil>), key: <nil>, value: 1",
               2);
    want_error("a: *b\nc: !!int x\n", RN_ESYNTAX,
               "error converting YAML to JSON: yaml: unknown anchor 'b' "
               "referenced",
               1);
}

static void test_depth(void **state)
{
    struct arena a;
    struct val v;
    struct rn_err e;
    char s[2100];
    struct goyaml_opts o = {.max_depth = 10};
    (void)state;
    arena_init(&a, 0);
    memset(s, '[', 10);
    memset(s + 10, ']', 10);
    s[20] = '\0';
    assert_int_equal(goyaml_parse(&a, s, 20, &o, &v, &e), RN_OK);
    memset(s, '[', 11);
    memset(s + 11, ']', 11);
    s[22] = '\0';
    assert_int_equal(goyaml_parse(&a, s, 22, &o, &v, &e), RN_ELIMIT);
    /* the default: 1000 levels (RN_YAML_MAX_DEPTH), then a clear error */
    memset(s, '[', 1000);
    memset(s + 1000, ']', 1000);
    assert_int_equal(goyaml_parse(&a, s, 2000, NULL, &v, &e), RN_OK);
    memset(s, '[', 1001);
    memset(s + 1001, ']', 1001);
    assert_int_equal(goyaml_parse(&a, s, 2002, NULL, &v, &e), RN_ELIMIT);
    assert_string_equal(e.msg, "error converting YAML to JSON: yaml: nesting "
                               "deeper than 1000");
    assert_int_equal(e.line, 1);
    assert_int_equal(e.col, 1001);
    arena_free(&a);
}

/* Merging a big anchor over and over is refused past the budget. */
static void test_excessive_aliasing(void **state)
{
    struct buf b;
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    buf_init(&b, 0);
    arena_init(&a, 0);
    assert_int_equal(buf_add_str(&b, "base: &b {"), RN_OK);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(buf_add_fmt(&b, "%sk%d: %d", i ? ", " : "", i, i),
                         RN_OK);
    assert_int_equal(buf_add_str(&b, "}\n"), RN_OK);
    for (int i = 0; i < 2100; i++)
        assert_int_equal(buf_add_fmt(&b, "m%d: {<<: *b}\n", i), RN_OK);
    assert_int_equal(goyaml_parse(&a, b.ptr, b.len, NULL, &v, &e), RN_ELIMIT);
    assert_string_equal(e.msg, "error converting YAML to JSON: yaml: document "
                               "contains excessive aliasing");
    buf_free(&b);
    arena_free(&a);
}

static void test_parse_doc(void **state)
{
    struct rn_err e;
    const char *s = "trigger:\n- when: app.status == 'x'\n  send: [a, b]\n";
    (void)state;
    struct doc *d = goyaml_parse_doc(s, strlen(s), NULL, &e);
    assert_non_null(d);
    const struct val *t = val_get_cstr(d->root, "trigger");
    assert_non_null(t);
    assert_int_equal(val_list_len(*t), 1);
    doc_unref(d);
    assert_null(goyaml_parse_doc("[", 1, NULL, &e));
}

static void test_oom(void **state)
{
    static const char s[] = "a: &x {k: [1, 2.5, yes, \"s\", !!binary aGk=]}\n"
                            "b: {<<: *x, z: 1.5}\n1.5: *x\n";
    struct rn_err e;
    bool done = false;
    (void)state;
    for (long k = 0; !done && k < 20000; k++) {
        rn_alloc_fail_after(k / 2, k % 2); /* persistent, then transient */
        struct doc *d = goyaml_parse_doc(s, sizeof s - 1, NULL, &e);
        long failures = rn_alloc_failures();
        rn_alloc_fail_after(-1, 0);
        if (!d)
            assert_int_equal(e.code, RN_ENOMEM);
        done = failures == 0;
        if (done)
            assert_non_null(d);
        doc_unref(d);
    }
    assert_true(done);
}

/* The benchmark ConfigMap parses, and its templates are strings. */
static void test_configmap_file(void **state)
{
    const char *dir = getenv("RN_TESTDATA");
    char path[1024];
    static char text[1 << 20];
    struct arena a;
    struct val v;
    struct rn_err e;
    (void)state;
    if (!dir)
        skip();
    snprintf(path, sizeof path,
             "%s/../../shared/bench/notifications-configmap.yaml", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        skip();
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    arena_init(&a, 0);
    assert_int_equal(goyaml_parse(&a, text, n, NULL, &v, &e), RN_OK);
    const struct val *data = val_get_cstr(v, "data");
    assert_non_null(data);
    assert_true(val_obj_len(*data) > 0);
    for (size_t i = 0; i < val_obj_len(*data); i++)
        assert_int_equal(val_obj_at(*data, i)->v.kind, VAL_STRING);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_number_modes),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_anchors_merge),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_phases),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_excessive_aliasing),
        cmocka_unit_test(test_parse_doc),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_configmap_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
