/*
 * test_exec.c: the template executor over hand-built values: Go's
 * missing-key and nil rules, type names in errors, argument conversion
 * for table functions (literals vs computed values, variadics, the piped
 * final argument), function values and `call`, struct fields and methods,
 * methods on time values, range forms, and the execution limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/limits.h"
#include "expr/expr.h"
#include "template/template.h"

static struct arena A;
static struct tpl_funcs *F;

static struct val J(const char *json) {
    struct val v;
    struct rn_err e;
    assert_int_equal(json_parse(&A, json, strlen(json), NULL, &v, &e), RN_OK);
    return v;
}

/* Output of text over data, or "ERR <kind>: <message>". */
static const char *
run(const char *text, struct val data)
{
    static char out[1024];
    struct rn_err e = {0};
    struct tpl *t = tpl_parse("tmpl", text, strlen(text), F, &e);
    if (!t) {
        snprintf(out, sizeof out, "ERR parse: %s", e.msg);
        return out;
    }
    struct buf b;
    buf_init(&b, 0);
    int rc = tpl_exec(t, data, &A, &b, &e);
    if (rc == RN_OK)
        snprintf(out, sizeof out, "%s", buf_str(&b));
    else
        snprintf(out, sizeof out, "ERR %s: %s",
                 rc == RN_EEXEC ? "exec" : "limit", e.msg);
    buf_free(&b);
    tpl_free(t);
    return out;
}

#define DATA                                                                   \
    "{\"name\":\"demo\",\"one\":1,\"nil\":null,\"list\":[1,2,3],"              \
    "\"strs\":[\"a\",\"b\"],\"map\":{\"b\":2,\"a\":1},\"t\":true,"             \
    "\"mixed\":[1,null,{\"k\":\"v\"}]}"

static void test_values_and_nil(void **state)
{
    (void)state;
    struct val d = J(DATA);
    assert_string_equal(run("{{.name}} {{.missing}} {{.nil}}", d),
                        "demo <no value> <no value>");
    assert_string_equal(run("{{.missing.x}}", d), "<no value>");
    assert_string_equal(run("{{.nil.x}}", d),
                        "ERR exec: template: tmpl:1:6: executing \"tmpl\" "
                        "at <.nil.x>: nil pointer evaluating "
                        "interface {}.x");
    assert_string_equal(run("{{.list.x}}", d),
                        "ERR exec: template: tmpl:1:7: executing \"tmpl\" "
                        "at <.list.x>: can't evaluate field x in type "
                        "interface {}");
    assert_string_equal(run("{{$l := .list}}{{$l.x}}", d),
                        "ERR exec: template: tmpl:1:19: executing \"tmpl\" "
                        "at <$l.x>: can't evaluate field x in type "
                        "[]interface {}");
    assert_string_equal(run("{{.x}}", J("5")),
                        "ERR exec: template: tmpl:1:2: executing \"tmpl\" "
                        "at <.x>: can't evaluate field x in type float64");
    assert_string_equal(run("{{range .mixed}}[{{.}}]{{end}}", d),
                        "[1][<no value>][map[k:v]]");
    assert_string_equal(run("{{print .missing .nil}}", d), "<nil> <nil>");
    assert_string_equal(run("{{html .nil}}", d), "&lt;no value&gt;");
    assert_string_equal(run("{{or .t (index .list 99)}}", d), "true");
    assert_string_equal(run("{{1}} {{1.0}} {{'a'}} {{1e6}} {{1+2i}} {{2i}}", d),
                        "1 1 97 1e+06 (1+2i) (0+2i)");
    assert_string_equal(run("{{printf \"%T %T %T\" 1 1.5 0x10}}", d),
                        "int float64 int");
    assert_string_equal(
        run("{{\"\\x41\\101\\u00e9\"}} {{'\\''}} {{`a\rb`}}", d),
        "AA\xc3\xa9 39 ab");
    assert_string_equal(run("{{\"\xff\xfe\xfd\"}}", d),
                        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(run("{{0x1p-2}} {{077}} {{1_000}} {{-0}} {{.5}}", d),
                        "0.25 63 1000 0 0.5");
}

static int fn_twice(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_int(argv[0].u.i * 2);
    return RN_OK;
}

static int fn_join(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct buf b;
    buf_init(&b, 0);
    buf_add(&b, argv[0].u.s, argv[0].len);
    for (int i = 1; i < argc; i++)
        buf_add_fmt(&b, "|%d", (int)argv[i].kind);
    char *s = arena_strndup(c->arena, buf_str(&b), b.len);
    *out = val_str(s, b.len);
    buf_free(&b);
    return RN_OK;
}

static int fn_fail(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argv;
    (void)argc;
    (void)out;
    return rn_errf(c->err, RN_EEXEC, "boom");
}

static const struct tpl_func_def defs[] = {
    {"twice", fn_twice, "i", NULL},
    {"joinkinds", fn_join, "s.v", NULL},
    {"fail", fn_fail, "", NULL},
};

static void test_arguments(void **state)
{
    (void)state;
    struct val d = J(DATA);
    assert_string_equal(run("{{twice 21}}", d), "42");
    assert_string_equal(run("{{21 | twice}}", d), "42");
    assert_string_equal(run("{{twice .one}}", d),
                        "ERR exec: template: tmpl:1:8: executing \"tmpl\" "
                        "at <.one>: wrong type for value; expected int; "
                        "got float64");
    assert_string_equal(run("{{twice 1.5}}", d),
                        "ERR exec: template: tmpl:1:8: executing \"tmpl\" "
                        "at <1.5>: expected integer; found 1.5");
    assert_string_equal(run("{{twice 1.0}}", d), "2");
    assert_string_equal(run("{{twice nil}}", d),
                        "ERR exec: template: tmpl:1:8: executing \"tmpl\" "
                        "at <nil>: cannot assign nil to int");
    assert_string_equal(run("{{joinkinds .missing}}", d),
                        "ERR exec: template: tmpl:1:12: executing \"tmpl\" "
                        "at <.missing>: invalid value; expected string");
    assert_string_equal(run("{{joinkinds .nil}}", d),
                        "ERR exec: template: tmpl:1:12: executing \"tmpl\" "
                        "at <.nil>: wrong type for value; expected string; "
                        "got interface {}");
    assert_string_equal(run("{{joinkinds \"x\" 1 .name nil .missing}}", d),
                        "x|2|4|0|0");
    assert_string_equal(run("{{joinkinds}}", d),
                        "ERR exec: template: tmpl:1:2: executing \"tmpl\" "
                        "at <joinkinds>: wrong number of args for "
                        "joinkinds: want at least 1 got 0");
    assert_string_equal(run("{{twice 1 2}}", d),
                        "ERR exec: template: tmpl:1:2: executing \"tmpl\" "
                        "at <twice>: wrong number of args for twice: want "
                        "1 got 2");
    assert_string_equal(run("a{{fail}}b", d),
                        "ERR exec: template: tmpl:1:3: executing \"tmpl\" "
                        "at <fail>: error calling fail: boom");
}

static int fn_greet(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)argc;
    char *s = arena_printf(c->arena, "hi %s", argv[0].u.s);
    *out = val_str(s, strlen(s));
    return RN_OK;
}

static const struct tpl_func_def greet_def = {"greet", fn_greet, "s", NULL};
static const struct val_func greet_fn = {"greet", (void *)&greet_def, NULL};

/* {"": "*pkg.T", "Greet": func, "Name": "bob"} */
static struct val make_struct(void)
{
    struct val_obj *o = arena_zalloc(&A, sizeof *o);
    o->kv = arena_zalloc(&A, 3 * sizeof *o->kv);
    o->len = o->cap = 3;
    o->kv[0].key = val_str("", 0);
    o->kv[0].v = val_str("*pkg.T", 6);
    o->kv[1].key = val_str("Greet", 5);
    o->kv[1].v = val_func(&greet_fn);
    o->kv[2].key = val_str("Name", 4);
    o->kv[2].v = val_str("bob", 3);
    return val_obj(o, GT_STRUCT);
}

static void test_functions_and_structs(void **state)
{
    (void)state;
    struct val_kv *kv = arena_zalloc(&A, 2 * sizeof *kv);
    struct val_obj *o = arena_zalloc(&A, sizeof *o);
    kv[0].key = val_str("f", 1);
    kv[0].v = val_func(&greet_fn);
    kv[1].key = val_str("s", 1);
    kv[1].v = make_struct();
    o->kv = kv;
    o->len = o->cap = 2;
    struct val d = val_obj(o, GT_MAP_ANY);
    assert_string_equal(run("{{call .f \"x\"}}", d), "hi x");
    assert_string_equal(run("{{call .f 1}}", d),
                        "ERR exec: template: tmpl:1:2: executing \"tmpl\" "
                        "at <call .f 1>: error calling call: arg 0: value "
                        "has type int; should be string");
    assert_string_equal(run("{{call .missing}}", d),
                        "ERR exec: template: tmpl:1:2: executing \"tmpl\" "
                        "at <call .missing>: error calling call: call of "
                        "nil");
    assert_string_equal(run("{{.s.Name}} {{.s.Greet \"amy\"}}", d),
                        "bob hi amy");
    assert_string_equal(run("{{.s.Nope}}", d),
                        "ERR exec: template: tmpl:1:4: executing \"tmpl\" "
                        "at <.s.Nope>: can't evaluate field Nope in type "
                        "interface {}");
    assert_string_equal(run("{{$s := .s}}{{$s.Nope}}", d),
                        "ERR exec: template: tmpl:1:16: executing \"tmpl\" "
                        "at <$s.Nope>: can't evaluate field Nope in type "
                        "*pkg.T");
    assert_string_equal(run("{{if .s}}y{{end}}", d), "y");
    assert_non_null(strstr(run("{{.f}}", d),
                           "at <{{.f}}>: can't print {{.f}} of type func"));
}

static void test_time_methods(void **state)
{
    (void)state;
    static const struct val_time tm = {1710408413, 5, 0, "UTC", "UTC", false};
    struct val_kv *kv = arena_zalloc(&A, 2 * sizeof *kv);
    struct val_obj *o = arena_zalloc(&A, sizeof *o);
    kv[0].key = val_str("d", 1);
    kv[0].v = val_duration(5400000000000LL);
    kv[1].key = val_str("t", 1);
    kv[1].v = val_time(&tm);
    o->kv = kv;
    o->len = o->cap = 2;
    struct val d = val_obj(o, GT_MAP_ANY);
    assert_string_equal(run("{{.t.Year}} {{.t.Month}} {{.t.Day}} "
                            "{{.t.Weekday}} {{.t.Unix}}",
                            d),
                        "2024 March 14 Thursday 1710408413");
    assert_string_equal(run("{{.t.Format \"2006-01-02T15:04\"}}", d),
                        "2024-03-14T09:26");
    assert_string_equal(run("{{.t.UTC.Hour}} {{(.t.Add .d).Hour}}", d), "9 10");
    assert_string_equal(run("{{.d.Hours}} {{.d.Minutes}} {{.d}}", d),
                        "1.5 90 1h30m0s");
    assert_string_equal(run("{{.d.Round 3600000000000}}", d), "2h0m0s");
    assert_string_equal(run("{{(.t.Truncate 3600000000000).Minute}} "
                            "{{(.t.Round 3600000000000).Hour}} {{.t.Location}}",
                            d),
                        "0 9 UTC");
    assert_string_equal(run("{{.t.Format 1}}", d),
                        "ERR exec: template: tmpl:1:12: executing \"tmpl\" "
                        "at <1>: expected string; found 1");
    assert_string_equal(run("{{.t.wall}}", d),
                        "ERR exec: template: tmpl:1:4: executing \"tmpl\" "
                        "at <.t.wall>: wall is an unexported field of "
                        "struct type interface {}");
}

static void test_range_forms(void **state)
{
    (void)state;
    struct val d = J(DATA);
    assert_string_equal(run("{{range 3}}{{.}}{{end}}", d), "012");
    assert_string_equal(run("{{range $i := 2}}<{{$i}}>{{else}}-{{end}}", d),
                        "<0><1>");
    assert_string_equal(run("{{range 0}}x{{else}}none{{end}}", d), "none");
    assert_string_equal(run("{{range $i, $v := 3}}{{end}}", d),
                        "ERR exec: template: tmpl:1:18: executing \"tmpl\" "
                        "at <3>: can't use 3 to iterate over more than one "
                        "variable");
    assert_string_equal(run("{{range .list}}{{if eq . 2.0}}{{continue}}{{end}}"
                            "{{.}}{{end}}",
                            d),
                        "13");
    assert_string_equal(run("{{range .list}}{{if eq . 2.0}}{{break}}{{end}}"
                            "{{.}}{{end}}",
                            d),
                        "1");
    assert_string_equal(run("{{$k := 0}}{{$v := 0}}{{range $k, $v = .map}}"
                            "{{end}}{{$k}}={{$v}}",
                            d),
                        "b=2");
    assert_string_equal(run("{{with .nil}}a{{else with .name}}{{.}}{{end}}", d),
                        "demo");
    assert_string_equal(run("{{range .name}}{{end}}", d),
                        "ERR exec: template: tmpl:1:8: executing \"tmpl\" "
                        "at <.name>: range can't iterate over demo");
}

static void test_templates_and_limits(void **state)
{
    (void)state;
    struct val d = J(DATA);
    assert_string_equal(run("{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" "
                            ".name}}{{template \"T\"}}",
                            d),
                        "[demo][<no value>]");
    assert_string_equal(run("{{define \"T\"}}{{.x}}{{end}}{{template \"T\" "
                            "5}}",
                            d),
                        "ERR exec: template: tmpl:1:16: executing \"T\" at "
                        "<.x>: can't evaluate field x in type int");
    const char *deep = run("{{define \"r\"}}{{template \"r\" .}}{{end}}"
                           "{{template \"r\" .}}",
                           d);
    assert_non_null(strstr(deep, "exceeded maximum template depth"));
    const char *many = run("{{range 100000}}{{range 1000}}{{end}}{{end}}", d);
    assert_non_null(strstr(many, "ERR limit"));
    const char *big = run("{{range 100000}}{{range 1000}}xxxxxxxxxxxxxxxxxxxx"
                          "{{end}}{{end}}",
                          d);
    assert_non_null(strstr(big, "ERR limit"));
}

static void test_builtins(void **state)
{
    (void)state;
    struct val d = J(DATA);
    static const char *const cases[][2] = {
        {"{{index .list 1}} {{index .map \"a\"}} {{index .map \"z\"}}",
         "2 1 <no value>"},
        {"{{index .mixed 2 \"k\"}} {{index .name 0}} {{index .list}}",
         "v 100 [1 2 3]"},
        {"{{slice .list 1}} {{slice .list 1 2}} {{slice .name 1 3}} "
         "{{slice .strs 0 1 2}}",
         "[2 3] [2] em [a]"},
        {"{{len .name}} {{len .map}} {{len .strs}}", "4 2 2"},
        {"{{eq 1 1 2}} {{eq .name \"x\" \"demo\"}} {{ne 1 2}} "
         "{{eq .nil .missing}}",
         "true true true true"},
        {"{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}}",
         "true true true false"},
        {"{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" 3}} {{or 0 \"\"}} "
         "{{not 0}}",
         "0 2 3  true"},
        {"{{html \"<a href='x'>&\"}} {{js \"a'b\\\"<=\"}} "
         "{{urlquery \"a b&c\"}}",
         "&lt;a href=&#39;x&#39;&gt;&amp; a\\'b\\\"\\u003C\\u003D a+b%26c"},
        {"{{print 1 2 \"a\" 3}} {{println \"x\"}}", "1 2a3 x\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_string_equal(run(cases[i][0], d), cases[i][1]);
    static const char *const errs[][2] = {
        {"{{index .list 3}}", "error calling index: reflect: slice index "
                              "out of range"},
        {"{{index .list -1}}", "error calling index: index out of range: -1"},
        {"{{index .map 1}}", "value has type int; should be string"},
        {"{{index 1 1}}", "can't index item of type int"},
        {"{{slice .list 2 1}}", "invalid slice index: 2 > 1"},
        {"{{slice .name 0 1 2}}", "cannot 3-index slice a string"},
        {"{{eq 1 1.0}}", "incompatible types for comparison"},
        {"{{eq .list .list}}", "non-comparable type"},
        {"{{lt true false}}", "invalid type for comparison"},
        {"{{len 3}}", "len of type int"},
        {"{{len .nil}}", "len of nil pointer"},
        {"{{call .name}}", "non-function of type string"},
    };
    for (size_t i = 0; i < sizeof errs / sizeof *errs; i++) {
        const char *got = run(errs[i][0], d);
        if (!strstr(got, errs[i][1]) || strncmp(got, "ERR exec", 8) != 0)
            fail_msg("%s: got %s", errs[i][0], got);
    }
}

static int fn_mylen(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argv;
    (void)argc;
    *out = val_str("mine", 4);
    return RN_OK;
}

static void test_function_table(void **state)
{
    (void)state;
    static const struct tpl_func_def mylen = {"len", fn_mylen, "v", NULL};
    struct tpl_funcs *f = tpl_funcs_new();
    assert_non_null(f);
    assert_non_null(tpl_funcs_find(f, "printf", 6));
    assert_null(tpl_funcs_find(f, "upper", 5));
    assert_int_equal(tpl_funcs_add(f, &mylen, 1), RN_OK);
    assert_ptr_equal(tpl_funcs_find(f, "len", 3), &mylen);
    tpl_funcs_remove(f, "printf");
    assert_null(tpl_funcs_find(f, "printf", 6));
    struct rn_err e = {0};
    assert_null(tpl_parse("tmpl", "{{printf \"x\"}}", 13, f, &e));
    assert_string_equal(e.msg,
                        "template: tmpl:1: function \"printf\" not defined");
    struct tpl *t = tpl_parse("tmpl", "{{len 1}}", 9, f, &e);
    assert_non_null(t);
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(tpl_exec(t, val_null(), &A, &b, &e), RN_OK);
    assert_string_equal(buf_str(&b), "mine");
    buf_free(&b);
    tpl_free(t);
    /* many names: the table grows and keeps every row */
    static struct tpl_func_def many[600];
    static char names[600][8];
    for (int i = 0; i < 600; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        many[i] = (struct tpl_func_def){names[i], fn_mylen, "", NULL};
    }
    assert_int_equal(tpl_funcs_add(f, many, 600), RN_OK);
    for (int i = 0; i < 600; i++)
        assert_ptr_equal(tpl_funcs_find(f, names[i], strlen(names[i])),
                         &many[i]);
    assert_non_null(tpl_funcs_find(f, "index", 5));
    tpl_funcs_free(f);
}

/* A map with no keys may have no key array at all (sprig's dict with no
 * arguments builds one): looking a name up in it finds nothing. */
static void test_empty_map_without_keys(void **state)
{
    (void)state;
    static struct val_obj none = {0, 0, NULL};
    static struct val_kv kv[1];
    static struct val_obj outer = {1, 1, kv};
    kv[0].key = val_str("m", 1);
    kv[0].v = val_obj(&none, GT_MAP_ANY);
    struct val d = val_obj(&outer, GT_MAP_ANY);
    assert_string_equal(run("{{.m.x}}", d), "<no value>");
    assert_string_equal(run("{{or .y .m.x}}", d), "<no value>");
    assert_string_equal(run("{{len .m}}", d), "0");
}

/* expr's `time` variable holds expr function values: a template that
 * reaches one (call, or as a struct method) fails cleanly, never reads
 * expr's function table as a template definition. */
static void test_foreign_function_values(void **state)
{
    (void)state;
    static struct val_kv kv[1];
    static struct val_obj outer = {1, 1, kv};
    kv[0].key = val_str("time", 4);
    kv[0].v = expr_time_var(&A);
    struct val d = val_obj(&outer, GT_MAP_ANY);
    assert_memory_equal(run("{{call .time.Now}}", d), "ERR exec: ", 10);
    assert_memory_equal(run("{{call .time.Parse \"x\"}}", d), "ERR exec: ",
                        10);
}

/* printf's result is capped at RN_TPL_MAX_OUTPUT: a precision of millions
 * of digits over many numbers fails as a limit, quickly. */
static void test_printf_huge_precision(void **state)
{
    (void)state;
    const char *r = run("{{printf \"%.8888888x\" .}}",
                        J("[1.5,2.5,3.5,4.5]"));
    assert_memory_equal(r, "ERR limit: ", 11);
}

static int setup(void **state)
{
    (void)state;
    arena_init(&A, 0);
    F = tpl_funcs_new();
    if (!F || tpl_funcs_add(F, defs, sizeof defs / sizeof *defs))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tpl_funcs_free(F);
    arena_free(&A);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_nil),
        cmocka_unit_test(test_empty_map_without_keys),
        cmocka_unit_test(test_foreign_function_values),
        cmocka_unit_test(test_printf_huge_precision),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_functions_and_structs),
        cmocka_unit_test(test_time_methods),
        cmocka_unit_test(test_range_forms),
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_function_table),
        cmocka_unit_test(test_templates_and_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
