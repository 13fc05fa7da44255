/*
 * test_lex.c: the template lexer: token kinds and positions, trim
 * markers, comments, every number form, quoted literals, and the errors
 * Go's lexer reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "template/template_int.h"

static struct arena A;

/* The token kinds of text as a string of letters, one per token. */
static const char *kinds(const char *text, const struct token **toks, size_t *n)
{
    static char out[256];
    static const char letters[] = "!ETLRs=:|()c\"`'NXBF$I_bkd.Dezinrtw";
    struct lex_opts o = {true, true};
    *toks = tpl_lex(&A, text, strlen(text), &o, n);
    assert_non_null(*toks);
    size_t k = 0;
    for (size_t i = 0; i < *n && k + 1 < sizeof out; i++)
        out[k++] = letters[(*toks)[i].type];
    out[k] = '\0';
    return out;
}

static void test_text_and_actions(void **state)
{
    (void)state;
    const struct token *t;
    size_t n;
    assert_string_equal(kinds("a {{.x}} b", &t, &n), "TLFRTE");
    assert_int_equal(t[2].pos, 4);
    assert_int_equal(t[2].len, 2);
    assert_string_equal(kinds("{{$x := 1 | f}}", &t, &n), "L$s:sNs|sIRE");
    assert_string_equal(kinds("{{range $i, $v := .l}}", &t, &n),
                        "Lrs$cs$s:sFRE");
    assert_string_equal(kinds("{{if true}}{{else}}{{end}}", &t, &n),
                        "LisBRLeRLzRE");
    assert_string_equal(kinds("", &t, &n), "E");
    assert_string_equal(kinds("{{.h\xc3\xa9llo \xe6\x97\xa5}}", &t, &n),
                        "LFsIRE");
}

static void test_trim_and_comments(void **state)
{
    (void)state;
    const struct token *t;
    size_t n;
    assert_string_equal(kinds("a  {{- 1 -}}  b", &t, &n), "TLNRTE");
    assert_int_equal(t[0].len, 1); /* "a" without its trailing spaces */
    assert_int_equal(t[4].len, 1); /* "b" without its leading spaces */
    assert_string_equal(kinds("{{-3}}", &t, &n), "LNRE");
    assert_string_equal(kinds("a {{/* c */}} b", &t, &n), "TTE");
    assert_string_equal(kinds("a {{- /* c */ -}} b", &t, &n), "TTE");
    assert_int_equal(t[0].len, 1);
}

static void test_numbers(void **state)
{
    (void)state;
    const struct token *t;
    size_t n;
    const char *ok[] = {"{{0x1F}}", "{{0o17}}", "{{0b101}}",  "{{1_000}}",
                        "{{1e3}}",  "{{.5}}",   "{{0x1p-2}}", "{{-7}}",
                        "{{+5}}",   "{{1i}}"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_string_equal(kinds(ok[i], &t, &n), "LNRE");
    assert_string_equal(kinds("{{1+2i}}", &t, &n), "LXRE");
    assert_string_equal(kinds("{{'a'}} {{'\\n'}}", &t, &n), "L'RTL'RE");
    kinds("{{3x}}", &t, &n);
    assert_int_equal(t[n - 1].type, TK_ERROR);
    assert_memory_equal(t[n - 1].val, "bad number syntax", 17);
}

static void check_error(const char *text, const char *msg)
{
    const struct token *t;
    size_t n;
    kinds(text, &t, &n);
    assert_int_equal(t[n - 1].type, TK_ERROR);
    assert_int_equal(t[n - 1].len, strlen(msg));
    assert_memory_equal(t[n - 1].val, msg, strlen(msg));
}

static void test_errors(void **state)
{
    (void)state;
    check_error("{{", "unclosed action");
    check_error("{{.name}", "bad character U+007D '}'");
    check_error("{{\"abc}}", "unterminated quoted string");
    check_error("{{`abc}}", "unterminated raw quoted string");
    check_error("{{'a}}", "unterminated character constant");
    check_error("{{/* x", "unclosed comment");
    check_error("{{/* x */ .y}}", "comment ends before closing delimiter");
    check_error("{{(1}}", "unclosed left paren");
    check_error("{{a : b}}", "expected :=");
    check_error("{{\x01}}", "unrecognized character in action: U+0001");
    check_error("{{.a\xe2\x9c\x93}}", "bad character U+2713 '\xe2\x9c\x93'");
    check_error("{{\xe2\x9c\x93}}",
                "unrecognized character in action: U+2713 '\xe2\x9c\x93'");
}

static void test_lines(void **state)
{
    (void)state;
    const struct token *t;
    size_t n;
    kinds("a\nb\n{{.x\n}}\n{{.y}}", &t, &n);
    assert_int_equal(t[0].line, 1);
    assert_int_equal(t[1].line, 3); /* {{ */
    assert_int_equal(t[2].line, 3); /* .x */
    assert_int_equal(t[6].line, 5); /* .y */
}

static void test_token_string(void **state)
{
    (void)state;
    char s[64];
    struct token t = {TK_RDELIM, 0, 1, "}}", 2};
    tpl_tok_string(&t, s, sizeof s);
    assert_string_equal(s, "\"}}\"");
    struct token d = {TK_DOT, 0, 1, ".", 1};
    tpl_tok_string(&d, s, sizeof s);
    assert_string_equal(s, "<.>");
    struct token l = {TK_TEXT, 0, 1, "0123456789abc", 13};
    tpl_tok_string(&l, s, sizeof s);
    assert_string_equal(s, "\"0123456789\"...");
}

static int setup(void **state)
{
    (void)state;
    arena_init(&A, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&A);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_actions),
        cmocka_unit_test(test_trim_and_comments),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_token_string),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
