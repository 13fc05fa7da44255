/*
 * test_sprig_a.c: the sprig themes strings, lists, dicts, math, conv,
 * reflect, encoding, paths, url and defaults, called directly with
 * hand-built arguments (already converted, as the template engine hands
 * them over).  Each case states the function, its arguments and the
 * expected result as Go's %v prints it, or the expected failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/val.h"
#include "template/sprig/sprig_int.h"

/* Weak: a theme not written yet leaves its group NULL. */
#pragma weak sprig_group_strings
#pragma weak sprig_group_lists
#pragma weak sprig_group_dicts
#pragma weak sprig_group_math
#pragma weak sprig_group_conv
#pragma weak sprig_group_reflect
#pragma weak sprig_group_encoding
#pragma weak sprig_group_paths
#pragma weak sprig_group_url
#pragma weak sprig_group_defaults

static struct arena A;
static struct rn_err E;

/* ---- value builders ---- */

static struct val S(const char *s)
{
    return val_str(s, strlen(s));
}

static struct val I(int64_t i)
{
    return val_int(i);
}

static struct val F(double f)
{
    return val_float(f);
}

static struct val N(void)
{
    return val_null();
}

/* A []interface {} of n items. */
static struct val L(int n, ...)
{
    struct val_list *l = arena_alloc(&A, sizeof *l);
    va_list ap;
    l->len = l->cap = (uint32_t)n;
    l->items = arena_alloc(&A, (size_t)(n ? n : 1) * sizeof *l->items);
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        l->items[i] = va_arg(ap, struct val);
    va_end(ap);
    return val_list(l, GT_LIST_ANY);
}

/* A map[string]interface {} from n key/value pairs (keys given sorted). */
static struct val M(int n, ...)
{
    struct val_obj *o = arena_alloc(&A, sizeof *o);
    va_list ap;
    o->len = o->cap = (uint32_t)n;
    o->kv = arena_alloc(&A, (size_t)(n ? n : 1) * sizeof *o->kv);
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        o->kv[i].key = S(va_arg(ap, const char *));
        o->kv[i].v = va_arg(ap, struct val);
    }
    va_end(ap);
    return val_obj(o, GT_MAP_ANY);
}

/* ---- calling ---- */

static const struct tpl_func_def *find(const char *name)
{
    const struct sprig_group *groups[] = {
        &sprig_group_strings,  &sprig_group_lists, &sprig_group_dicts,
        &sprig_group_math,     &sprig_group_conv,  &sprig_group_reflect,
        &sprig_group_encoding, &sprig_group_paths, &sprig_group_url,
        &sprig_group_defaults,
    };
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
        for (size_t i = 0; groups[g] && i < groups[g]->n; i++)
            if (strcmp(groups[g]->defs[i].name, name) == 0)
                return &groups[g]->defs[i];
    return NULL;
}

static int call_v(const char *name, struct val *out, int argc,
                  const struct val *argv)
{
    const struct tpl_func_def *d = find(name);
    struct tpl_fcall c = {&A, &E, name, NULL};
    if (!d)
        fail_msg("function %s is not registered", name);
    rn_err_clear(&E);
    *out = val_null();
    return d->fn(&c, argv, argc, out);
}

/* %v of v, in the arena. */
static const char *show(struct val v)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(gofmt_value(&b, v), RN_OK);
    const char *s = arena_strndup(&A, b.ptr ? b.ptr : "", b.len);
    buf_free(&b);
    return s;
}

/* Call name(args...) and check %v of the result. */
static void check(const char *want, const char *name, int argc, ...)
{
    struct val argv[16], out;
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, struct val);
    va_end(ap);
    int rc = call_v(name, &out, argc, argv);
    if (rc != RN_OK)
        fail_msg("%s: unexpected error %d: %s", name, rc, E.msg);
    const char *got = show(out);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", name, got, want);
}

/* Call and check the Go type (%T) of the result. */
static void check_type(const char *want, const char *name, int argc, ...)
{
    struct val argv[16], out;
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, struct val);
    va_end(ap);
    assert_int_equal(call_v(name, &out, argc, argv), RN_OK);
    if (strcmp(val_type_name(out), want) != 0)
        fail_msg("%s: type %s, want %s", name, val_type_name(out), want);
}

/* Call and expect RN_EEXEC whose message contains `part`. */
static void check_err(const char *part, const char *name, int argc, ...)
{
    struct val argv[16], out;
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, struct val);
    va_end(ap);
    int rc = call_v(name, &out, argc, argv);
    if (rc != RN_EEXEC)
        fail_msg("%s: rc %d, want an error containing \"%s\"", name, rc,
                 part);
    if (!strstr(E.msg, part))
        fail_msg("%s: error \"%s\" lacks \"%s\"", name, E.msg, part);
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

/* ---- strings ---- */

static void test_case_functions(void **state)
{
    (void)state;
    check("Hello!", "hello", 0);
    check("HELLO WORLD", "upper", 1, S("Hello World"));
    check("HÉLLO WÖRLD", "upper", 1, S("héllo wörld"));
    check("ß", "upper", 1, S("ß"));
    check("", "upper", 1, S(""));
    check("àb", "lower", 1, S("ÀB"));
    check("Hello World", "title", 1, S("hello world"));
    check("HELLO WOrld", "title", 1, S("hELLO wOrld"));
    check("A-B C_d", "title", 1, S("a-b c_d"));
    check("hello world", "untitle", 1, S("Hello World"));
    check("tHIS iS a.tEST", "swapcase", 1, S("This Is A.Test"));
    check("some_var_name", "snakecase", 1, S("someVarName"));
    check("http_server", "snakecase", 1, S("HTTPServer"));
    check("hello_world", "snakecase", 1, S("Hello World"));
    check("already_snake", "snakecase", 1, S("already_snake"));
    check("bld4_floor_3rd", "snakecase", 1, S("Bld4Floor3rd"));
    check("http_2xx", "snakecase", 1, S("http2xx"));
    check("http_20x_ok", "snakecase", 1, S("HTTP20xOK"));
    check("duration_2m3s", "snakecase", 1, S("Duration2m3s"));
    check("go_path", "snakecase", 1, S("GO-PATH"));
    check("no_https", "snakecase", 1, S("NoHTTPS"));
    check("first-name", "kebabcase", 1, S("FirstName"));
    check("HttpServer", "camelcase", 1, S("http_server"));
    check("_Leading", "camelcase", 1, S("_leading"));
    check("_Complex_Case_", "camelcase", 1, S("_complex__case_"));
    check("SomeWords", "camelcase", 1, S("some words"));
    check("", "camelcase", 1, S(""));
}

static void test_trim_functions(void **state)
{
    (void)state;
    check("padded", "trim", 1, S("  padded  "));
    check("x", "trim", 1, S("\t x \n"));
    check("", "trim", 1, S("   "));
    check("5.00", "trimAll", 2, S("$"), S("$$5.00$"));
    check("c", "trimall", 2, S("ab"), S("abcba"));
    check("abc", "trimAll", 2, S(""), S("abc"));
    check("/usr/local/lib/file.tar", "trimSuffix", 2, S(".gz"),
          S("/usr/local/lib/file.tar.gz"));
    check("abc", "trimSuffix", 2, S("x"), S("abc"));
    check("hello", "trimPrefix", 2, S("-"), S("-hello"));
    check("abc", "trimPrefix", 2, S(""), S("abc"));
    check("hello", "nospace", 1, S("h e l\tl o"));
    check("", "nospace", 1, S(""));
    /* Go writes kept bytes as Latin-1 runes once anything was removed */
    check("h\xc3\x83\xc2\xa9", "nospace", 1, S("h \xc3\xa9"));
    check("HW", "initials", 1, S("Hello World"));
    check("a", "initials", 1, S("a"));
    check("", "initials", 1, S(""));
}

static void test_cut_functions(void **state)
{
    (void)state;
    check("Hello World", "abbrev", 2, I(3), S("Hello World"));
    check("Hello World", "abbrev", 2, I(20), S("Hello World"));
    check("He...", "abbrev", 2, I(5), S("Hello World"));
    check("", "abbrev", 2, I(4), S(""));
    check("...5678...", "abbrevboth", 3, I(5), I(10), S("1234 5678 9123"));
    check("1234 5678 9123", "abbrevboth", 3, I(5), I(6),
          S("1234 5678 9123"));
    check("Hello", "trunc", 2, I(5), S("Hello World"));
    check("World", "trunc", 2, I(-5), S("Hello World"));
    check("", "trunc", 2, I(0), S("Hello World"));
    check("Hello World", "trunc", 2, I(100), S("Hello World"));
    check("h\xc3\xa9", "trunc", 2, I(3), S("h\xc3\xa9llo"));
    check("Hello", "substr", 3, I(0), I(5), S("Hello World"));
    check("World", "substr", 3, I(6), I(-1), S("Hello World"));
    check("Hel", "substr", 3, I(-1), I(3), S("Hello World"));
    check("Hello World", "substr", 3, I(0), I(100), S("Hello World"));
    check("", "substr", 3, I(5), I(5), S("Hello World"));
    check_err("slice bounds out of range [3:2]", "substr", 3, I(3), I(2),
              S("Hello World"));
    check_err("slice bounds out of range", "substr", 3, I(20), I(-1),
              S("abc"));
    check_err("slice bounds out of range", "substr", 3, I(-1), I(9),
              S("abc"));
    check("ababab", "repeat", 2, I(3), S("ab"));
    check("", "repeat", 2, I(0), S("ab"));
    check_err("strings: negative Repeat count", "repeat", 2, I(-1), S("x"));
    check("Hello\nWorld", "wrap", 2, I(5), S("Hello World"));
    check("Hello\nWorld", "wrap", 2, I(0), S("Hello World"));
    check("a\nverylongword\nb", "wrap", 2, I(3), S("a verylongword b"));
    check("ab<br>cd<br>ef", "wrapWith", 3, I(2), S("<br>"), S("abcdef"));
}

static void test_predicates_and_quotes(void **state)
{
    (void)state;
    check("true", "contains", 2, S("World"), S("Hello World"));
    check("true", "contains", 2, S(""), S("x"));
    check("false", "contains", 2, S("x"), S(""));
    check("true", "hasPrefix", 2, S("He"), S("Hello"));
    check("false", "hasPrefix", 2, S("he"), S("Hello"));
    check("true", "hasSuffix", 2, S(""), S(""));
    check("false", "hasSuffix", 2, S("x"), S(""));
    check("\"Hello World\"", "quote", 1, S("Hello World"));
    check("\"42\" \"a\\\"b\"", "quote", 2, F(42), S("a\"b"));
    check("", "quote", 1, N());
    check("\"[3 1 2]\"", "quote", 1, L(3, F(3), F(1), F(2)));
    check("'Hello' '42'", "squote", 2, S("Hello"), F(42));
    check("", "squote", 1, N());
    check("Hello World 42 x", "cat", 4, S("Hello World"), F(42), N(), S("x"));
    check("", "cat", 0);
    check(" ", "cat", 2, S(""), S(""));
}

static void test_replace_indent_plural(void **state)
{
    (void)state;
    check("Hell0 W0rld", "replace", 3, S("o"), S("0"), S("Hello World"));
    check("-a-b-", "replace", 3, S(""), S("-"), S("ab"));
    check("", "replace", 3, S("x"), S("y"), S(""));
    check("    line one\n    line two", "indent", 2, I(4),
          S("line one\nline two"));
    check("  a\n  \n  b\n  ", "indent", 2, I(2), S("a\n\nb\n"));
    check("  ", "indent", 2, I(2), S(""));
    check("\n  Hello", "nindent", 2, I(2), S("Hello"));
    check("\n", "nindent", 2, I(0), S(""));
    check_err("negative Repeat count", "indent", 2, I(-1), S("x"));
    check("one", "plural", 3, S("one"), S("many"), I(1));
    check("many", "plural", 3, S("one"), S("many"), I(-1));
}

static void test_split_join_sort(void **state)
{
    (void)state;
    check("map[_0:a _1:b _2: _3:c]", "split", 2, S(","), S("a,b,,c"));
    check("map[_0:]", "split", 2, S("x"), S(""));
    check("map[_0:a _1:b _2:c]", "split", 2, S(""), S("abc"));
    check_type("map[string]string", "split", 2, S(","), S("a,b"));
    check("[a b c]", "splitList", 2, S(""), S("abc"));
    check("[]", "splitList", 2, S(","), S(""));
    check("[Hell  W rld]", "splitList", 2, S("o"), S("Hello World"));
    check_type("[]string", "splitList", 2, S(","), S("a"));
    check("map[_0:a _1:b,,c]", "splitn", 3, S(","), I(2), S("a,b,,c"));
    check("map[_0:a _1:b _2: _3:c]", "splitn", 3, S(","), I(-1),
          S("a,b,,c"));
    check("map[]", "splitn", 3, S(","), I(0), S("a,b"));
    check("map[_0:a _1:bc]", "splitn", 3, S(""), I(2), S("abc"));
    check("map[_0:a _1:b _10:k _2:c _3:d _4:e _5:f _6:g _7:h _8:i _9:j]",
          "split", 2, S(","), S("a,b,c,d,e,f,g,h,i,j,k"));
    check("3,1,2", "join", 2, S(","), L(3, F(3), F(1), F(2)));
    check("Hello", "join", 2, S(","), S("Hello"));
    check("", "join", 2, S(","), N());
    check("1, a, 2.5", "join", 2, S(", "), L(4, I(1), S("a"), N(), F(2.5)));
    check("[a a b c]", "sortAlpha", 1,
          L(4, S("b"), S("a"), S("c"), S("a")));
    check("[10 9 B C a]", "sortAlpha", 1,
          L(5, S("B"), S("a"), S("C"), S("10"), S("9")));
    check("[]", "sortAlpha", 1, L(0));
    check("[<nil>]", "sortAlpha", 1, N());
    check("[42]", "sortAlpha", 1, F(42));
    check_type("[]string", "sortAlpha", 1, L(0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_case_functions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_trim_functions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cut_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_predicates_and_quotes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replace_indent_plural, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_split_join_sort, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
