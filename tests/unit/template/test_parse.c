/*
 * test_parse.c: the template parser: the tree it builds (checked through
 * Go's String() forms), the {{define}}/{{block}} set rules, variable
 * scoping, number literal rules and the exact parse error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "template/template_int.h"

static struct tpl_funcs *F;

/* Parse text and return the String() of template `name`, or the error. */
static const char *parse_str(const char *text, const char *name)
{
    static char out[512];
    struct rn_err e = {0};
    struct tpl *t = tpl_parse("tmpl", text, strlen(text), F, &e);
    if (!t) {
        assert_int_equal(e.code, RN_ESYNTAX);
        snprintf(out, sizeof out, "ERR %s", e.msg);
        return out;
    }
    const struct ttree *tr = tpl_tree_find(t, name, strlen(name));
    if (!tr) {
        snprintf(out, sizeof out, "NOTREE");
    } else {
        struct buf b;
        buf_init(&b, 0);
        tpl_node_string(&b, tr->root);
        snprintf(out, sizeof out, "%s", buf_str(&b));
        buf_free(&b);
    }
    tpl_free(t);
    return out;
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const same[] = {
        "{{.a.b}}",
        "{{$x := .a}}{{$x.b}}",
        "{{printf \"%d\" 1 | len}}",
        "{{(index .l 1).n}}",
        "{{if .a}}x{{else}}y{{end}}",
        "{{range $i, $v := .l}}{{$i}}{{end}}",
        "{{with .a}}{{.}}{{end}}",
        "{{template \"T\" .}}",
        "{{range .l}}{{break}}{{continue}}{{end}}",
        "{{nil | not}}",
    };
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        assert_string_equal(parse_str(same[i], "tmpl"), same[i]);
    assert_string_equal(parse_str("{{ .a  |  len }}", "tmpl"), "{{.a | len}}");
    assert_string_equal(parse_str("{{if .a}}1{{else if .b}}2{{end}}", "tmpl"),
                        "{{if .a}}1{{else}}{{if .b}}2{{end}}{{end}}");
    assert_string_equal(
        parse_str("{{with .a}}1{{else with .b}}2{{end}}", "tmpl"),
        "{{with .a}}1{{else}}{{with .b}}2{{end}}{{end}}");
}

static void test_define_and_block(void **state)
{
    (void)state;
    assert_string_equal(parse_str("{{define \"T\"}}x{{.}}{{end}}a", "T"),
                        "x{{.}}");
    assert_string_equal(parse_str("{{define \"T\"}}x{{end}}a", "tmpl"), "a");
    assert_string_equal(parse_str("{{block \"B\" .a}}z{{end}}", "B"), "z");
    /* an empty definition gives way to a non-empty one */
    assert_string_equal(
        parse_str("{{define \"T\"}} {{end}}{{define \"T\"}}y{{end}}", "T"),
        "y");
    assert_string_equal(
        parse_str("{{define \"T\"}}a{{end}}{{define \"T\"}}b{{end}}", "T"),
        "ERR template: tmpl:1: template: multiple definition of template "
        "\"T\"");
    /* a main template made only of a define named like it */
    assert_string_equal(parse_str("{{define \"tmpl\"}}x{{end}}", "tmpl"), "x");
}

static void test_errors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{{if}}x{{end}}", "missing value for if"},
        {"{{if .t}}x", "unexpected EOF"},
        {"{{else}}", "unexpected {{else}}"},
        {"{{end}}", "unexpected {{end}}"},
        {"{{if .t}}a{{else}}b{{else}}c{{end}}", "expected end; found {{else}}"},
        {"{{range $i, $v, $x := .l}}{{end}}", "too many declarations in range"},
        {"{{$a, $b := .l}}", "too many declarations in command"},
        {"{{break}}", "{{break}} outside {{range}}"},
        {"{{range .l}}{{else}}{{continue}}{{end}}",
         "{{continue}} outside {{range}}"},
        {"{{nope 1}}", "function \"nope\" not defined"},
        {"{{$x}}", "undefined variable \"$x\""},
        {"{{if 1}}{{$x := 1}}{{end}}{{$x}}", "undefined variable \"$x\""},
        {"{{.a.}}", "unexpected <.> in operand"},
        {"{{:=}}", "unexpected \":=\" in command"},
        {"{{define}}{{end}}", "unexpected \"}}\" in define clause"},
        {"{{template .x}}", "unexpected \".x\" in template clause"},
        {"{{'ab'}}", "malformed character constant: 'ab'"},
        {"{{\"\\z\"}}", "invalid syntax"},
        {"{{08}}", "integer overflow: \"08\""},
        {"{{0x}}", "illegal number syntax: \"0x\""},
        {"{{1__0}}", "illegal number syntax: \"1__0\""},
        {"{{\"a\".x}}", "unexpected . after term \"\\\"a\\\"\""},
        {"{{1 | 2}}", "non executable command in pipeline stage 2"},
        {"{{index .l 0)}}", "unexpected \")\" in command"},
        {"{{.name}", "bad character U+007D '}'"},
        {"a\n\n{{if}}", "missing value for if"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char want[300];
        int line = i == sizeof cases / sizeof *cases - 1 ? 3 : 1;
        snprintf(want, sizeof want, "ERR template: tmpl:%d: %s", line,
                 cases[i][1]);
        assert_string_equal(parse_str(cases[i][0], "tmpl"), want);
    }
}

static void test_numbers(void **state)
{
    (void)state;
    struct rn_err e = {0};
    struct tpl *t =
        tpl_parse("tmpl", "{{0x10}}{{1e3}}{{'a'}}{{1+2i}}{{2i}}", 36, F, &e);
    assert_non_null(t);
    const struct tnode *root = tpl_tree_find(t, "tmpl", 4)->root;
    const struct tnum *n0 = root->kids[0]->pipe->kids[0]->kids[0]->num;
    assert_true(n0->is_int && n0->is_uint && n0->is_float);
    assert_int_equal(n0->i, 16);
    const struct tnum *n1 = root->kids[1]->pipe->kids[0]->kids[0]->num;
    assert_true(n1->is_int && n1->is_float);
    assert_true(n1->f == 1000.0);
    const struct tnum *n2 = root->kids[2]->pipe->kids[0]->kids[0]->num;
    assert_int_equal(n2->i, 97);
    const struct tnum *n3 = root->kids[3]->pipe->kids[0]->kids[0]->num;
    assert_true(n3->is_complex && !n3->is_float);
    assert_true(n3->re == 1 && n3->im == 2);
    tpl_free(t);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    char text[4096];
    size_t k = 0;
    k += (size_t)snprintf(text + k, sizeof text - k, "{{");
    for (int i = 0; i < 1000; i++)
        text[k++] = '(';
    text[k++] = '1';
    for (int i = 0; i < 1000; i++)
        text[k++] = ')';
    k += (size_t)snprintf(text + k, sizeof text - k, "}}");
    text[k] = '\0';
    struct rn_err e = {0};
    assert_null(tpl_parse("tmpl", text, k, F, &e));
    assert_non_null(strstr(e.msg, "max expression depth exceeded"));
}

static int setup(void **state)
{
    (void)state;
    F = tpl_funcs_new();
    return F ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tpl_funcs_free(F);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_define_and_block),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
