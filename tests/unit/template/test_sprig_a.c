/*
 * test_sprig_a.c: the sprig themes strings, lists, dicts, math, conv,
 * reflect, encoding, paths, url and defaults, called directly with
 * hand-built arguments (already converted, as the template engine hands
 * them over).  Each case states the function, its arguments and the
 * expected result as Go's %v prints it, or the expected failure.
 */
#include <math.h>
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

static struct arena A;
static struct rn_err E;

/* ---- value builders ---- */

static struct val S(const char *s) {
    return val_str(s, strlen(s));
}

static struct val
I(int64_t i) {
    return val_int(i);
}

static struct val
F(double f) {
    return val_float(f);
}

static struct val
N(void) {
    return val_null();
}

/* A []interface {} of n items. */
static struct val
L(int n, ...) {
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
static struct val
M(int n, ...) {
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

static const struct tpl_func_def *
find(const char *name)
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
enum expect { X_SHOW, X_TYPE, X_ERR };

/* Call name with the argc values in ap and compare per `how`: %v of the
 * result, its Go type (%T), or an RN_EEXEC whose text contains want. */
static void expect_v(enum expect how, const char *want, const char *name,
                     int argc, va_list ap)
{
    struct val argv[16] = {{0}}, out;
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, struct val);
    int rc = call_v(name, &out, argc, argv);
    if (how == X_ERR) {
        if (rc != RN_EEXEC)
            fail_msg("%s: rc %d, want an error containing \"%s\"", name, rc,
                     want);
        if (!strstr(E.msg, want))
            fail_msg("%s: error \"%s\" lacks \"%s\"", name, E.msg, want);
        return;
    }
    if (rc != RN_OK)
        fail_msg("%s: unexpected error %d: %s", name, rc, E.msg);
    const char *got = how == X_TYPE ? val_type_name(out) : show(out);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", name, got, want);
}

static void check(const char *want, const char *name, int argc, ...)
{
    va_list ap;
    va_start(ap, argc);
    expect_v(X_SHOW, want, name, argc, ap);
    va_end(ap);
}

static void check_type(const char *want, const char *name, int argc, ...)
{
    va_list ap;
    va_start(ap, argc);
    expect_v(X_TYPE, want, name, argc, ap);
    va_end(ap);
}

static void check_err(const char *part, const char *name, int argc, ...)
{
    va_list ap;
    va_start(ap, argc);
    expect_v(X_ERR, part, name, argc, ap);
    va_end(ap);
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
    check("1234 5678 9123", "abbrevboth", 3, I(5), I(6), S("1234 5678 9123"));
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
    check_err("slice bounds out of range", "substr", 3, I(20), I(-1), S("abc"));
    check_err("slice bounds out of range", "substr", 3, I(-1), I(9), S("abc"));
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
    check("map[_0:a _1:b _2: _3:c]", "splitn", 3, S(","), I(-1), S("a,b,,c"));
    check("map[]", "splitn", 3, S(","), I(0), S("a,b"));
    check("map[_0:a _1:bc]", "splitn", 3, S(""), I(2), S("abc"));
    check("map[_0:a _1:b _10:k _2:c _3:d _4:e _5:f _6:g _7:h _8:i _9:j]",
          "split", 2, S(","), S("a,b,c,d,e,f,g,h,i,j,k"));
    check("3,1,2", "join", 2, S(","), L(3, F(3), F(1), F(2)));
    check("Hello", "join", 2, S(","), S("Hello"));
    check("", "join", 2, S(","), N());
    check("1, a, 2.5", "join", 2, S(", "), L(4, I(1), S("a"), N(), F(2.5)));
    check("[a a b c]", "sortAlpha", 1, L(4, S("b"), S("a"), S("c"), S("a")));
    check("[10 9 B C a]", "sortAlpha", 1,
          L(5, S("B"), S("a"), S("C"), S("10"), S("9")));
    check("[]", "sortAlpha", 1, L(0));
    check("[<nil>]", "sortAlpha", 1, N());
    check("[42]", "sortAlpha", 1, F(42));
    check_type("[]string", "sortAlpha", 1, L(0));
}

/* ---- lists ---- */

static void test_list_access(void **state)
{
    (void)state;
    struct val l = L(3, F(3), F(1), F(2));
    check("[1 a <nil>]", "list", 3, I(1), S("a"), N());
    check("[]", "tuple", 0);
    check_type("[]interface {}", "list", 0);
    check("3", "first", 1, l);
    check("<nil>", "first", 1, L(0));
    check("2", "last", 1, l);
    check("[1 2]", "rest", 1, l);
    check("[]", "rest", 1, L(0));
    check("[3 1]", "initial", 1, l);
    check("[2 1 3]", "reverse", 1, l);
    check("[3 1 2]", "deepCopy", 1, l); /* the input is unchanged */
    check_err("Cannot find first on type int", "first", 1, I(1));
    check_err("Cannot find last on type string", "mustLast", 1, S("x"));
    check_err("Cannot find rest on type map", "rest", 1, M(0));
    check_err("nil pointer dereference", "first", 1, N());
    check_err("Cannot find initial on type float64", "mustInitial", 1, F(1));
    check_err("Cannot find reverse on type bool", "reverse", 1, val_bool(true));
}

static void test_list_building(void **state)
{
    (void)state;
    struct val l = L(3, F(3), F(1), F(2));
    check("[3 1 2 4]", "append", 2, l, I(4));
    check("[3 1 2]", "deepCopy", 1, l);
    check("[0 3 1 2]", "prepend", 2, l, I(0));
    check("[x]", "push", 2, L(0), S("x"));
    check_err("Cannot push on type string", "mustPush", 2, S("s"), I(1));
    check_err("Cannot prepend on type int", "prepend", 2, I(1), I(1));
    check("[1 2 3 4]", "concat", 2, L(2, I(1), I(2)), L(2, I(3), I(4)));
    check("[]", "concat", 0);
    check_err("Cannot concat type int as list", "concat", 2, L(0), I(1));
    check("[[1 2] [3]]", "chunk", 2, I(2), L(3, I(1), I(2), I(3)));
    check("[[1] [2]]", "chunk", 2, I(1), L(2, I(1), I(2)));
    check("[]", "chunk", 2, I(2), L(0));
    check_err("makeslice", "chunk", 2, I(0), L(2, I(1), I(2)));
    check_err("Cannot chunk type string", "mustChunk", 2, I(2), S("ab"));
    check("[a 1]", "compact", 1, L(5, S("a"), S(""), I(0), N(), I(1)));
    check("[1 2]", "uniq", 1, L(4, I(1), I(2), I(1), I(2)));
    check("[1 1]", "uniq", 1, L(3, I(1), F(1), I(1)));
    check("[2 3]", "without", 3, L(4, I(1), I(2), I(3), I(1)), I(1), I(4));
    check("true", "has", 2, I(2), L(2, I(1), I(2)));
    check("false", "has", 2, F(2), L(2, I(1), I(2)));
    check("false", "has", 2, I(2), N());
    check_err("Cannot find has on type string", "mustHas", 2, I(1), S("x"));
}

static void test_list_slice_and_sequences(void **state)
{
    (void)state;
    struct val l = L(4, I(1), I(2), I(3), I(4));
    check("[2 3]", "slice", 3, l, I(1), I(3));
    check("[3 4]", "slice", 2, l, I(2));
    check("[1 2 3 4]", "slice", 1, l);
    check("<nil>", "slice", 1, L(0));
    check_err("slice index out of range", "slice", 3, l, I(3), I(1));
    check_err("list should be type of slice or array but int", "mustSlice", 1,
              I(1));
    check("[0 1 2 3 4]", "until", 1, I(5));
    check("[]", "until", 1, I(0));
    check("[0 -1 -2]", "until", 1, I(-3));
    check_type("[]int", "until", 1, I(2));
    check("[0 3 6 9]", "untilStep", 3, I(0), I(10), I(3));
    check("[]", "untilStep", 3, I(1), I(2), I(0));
    check("[5 3]", "untilStep", 3, I(5), I(1), I(-2));
    check("1 2 3 4 5", "seq", 2, I(1), I(5));
    check("5 4 3 2 1", "seq", 2, I(5), I(1));
    check("1 0", "seq", 1, I(0));
    check("1 2 3", "seq", 1, I(3));
    check("1 3 5 7 9", "seq", 3, I(1), I(2), I(10));
    check("10 7 4 1", "seq", 3, I(10), I(-3), I(1));
    check("", "seq", 3, I(2), I(0), I(5));
    check("", "seq", 0);
    check_type("string", "seq", 1, I(2));
}

/* ---- dicts ---- */

static void test_dict_basics(void **state)
{
    (void)state;
    struct val m = M(3, "a", F(1), "b", S("two"), "c", L(2, F(1), F(2)));
    check("map[]", "dict", 0);
    check("map[a:2]", "dict", 4, S("a"), I(1), S("a"), I(2));
    check("map[1:2]", "dict", 2, I(1), I(2));
    check("map[<nil>:1]", "dict", 2, N(), I(1));
    check("map[a:]", "dict", 1, S("a"));
    check("1", "get", 2, m, S("a"));
    check("", "get", 2, m, S("zz"));
    check("", "get", 2, N(), S("a"));
    check("true", "hasKey", 2, m, S("a"));
    check("false", "hasKey", 2, m, S("zz"));
    check("map[a:1 b:two c:[1 2] d:4]", "set", 3, m, S("d"), I(4));
    check("4", "get", 2, m, S("d")); /* set changed m itself */
    check("map[a:1 b:two c:[1 2]]", "unset", 2, m, S("d"));
    check("map[a:1 b:two c:[1 2]]", "unset", 2, m, S("zz"));
    check_err("assignment to entry in nil map", "set", 3, N(), S("a"), I(1));
    check("[1 5]", "pluck", 3, S("a"), m, M(1, "a", I(5)));
    check("[]", "pluck", 2, S("x"), m);
    check("[a b c]", "keys", 1, m);
    check("[a b c x]", "keys", 2, m, M(1, "x", I(1)));
    check_type("[]string", "keys", 0);
    check("[1 two [1 2]]", "values", 1, m);
    check("map[a:1 c:[1 2]]", "pick", 3, m, S("a"), S("c"));
    check("map[]", "pick", 1, m);
    check("map[b:two c:[1 2]]", "omit", 2, m, S("a"));
    check("map[]", "omit", 4, m, S("a"), S("b"), S("c"));
}

/* A map frozen in a document: not from the evaluation arena. */
static void test_dict_frozen_input(void **state)
{
    (void)state;
    struct arena doc;
    arena_init(&doc, 0);
    struct val_obj *o = arena_alloc(&doc, sizeof *o);
    o->len = o->cap = 1;
    o->kv = arena_alloc(&doc, sizeof *o->kv);
    o->kv[0].key = S("a");
    o->kv[0].v = I(1);
    struct val m = val_obj(o, GT_MAP_ANY);
    check_err("cannot modify input data", "set", 3, m, S("b"), I(2));
    check_err("cannot modify input data", "unset", 2, m, S("a"));
    check("map[a:1]", "unset", 2, m, S("zz"));
    check_err("cannot modify input data", "merge", 2, m, M(1, "b", I(1)));
    check("map[a:1]", "merge", 2, m, M(0));
    /* a frozen map nested in ours is copied before it changes */
    struct val d = M(1, "n", m);
    check("map[n:map[a:1 z:2]]", "merge", 2, d, M(1, "n", M(1, "z", I(2))));
    check("map[a:1]", "deepCopy", 1, m);
    arena_free(&doc);
}

static void test_dict_merge_dig_copy(void **state)
{
    (void)state;
    check("map[a:1 b:3]", "merge", 2, M(1, "a", I(1)),
          M(2, "a", I(2), "b", I(3)));
    check("map[a:2 b:3]", "mergeOverwrite", 2, M(1, "a", I(1)),
          M(2, "a", I(2), "b", I(3)));
    check("map[n:map[x:1 y:2]]", "mustMerge", 2, M(1, "n", M(1, "x", I(1))),
          M(1, "n", M(1, "y", I(2))));
    check("map[n:map[x:1 y:2]]", "mergeOverwrite", 2,
          M(1, "n", M(1, "x", I(1))), M(1, "n", M(1, "y", I(2))));
    check("map[a:5]", "merge", 2, M(1, "a", I(0)), M(1, "a", I(5)));
    check("map[a:<nil>]", "mergeOverwrite", 2, M(1, "a", I(1)), M(1, "a", N()));
    check("map[a:1]", "merge", 2, M(1, "a", I(1)), M(1, "a", N()));
    check("map[a:x]", "mergeOverwrite", 2, M(1, "a", S("x")),
          M(1, "a", M(1, "q", I(1))));
    check("map[a:[1]]", "merge", 2, M(1, "a", L(1, I(1))),
          M(1, "a", L(1, I(2))));
    check("map[a:[2]]", "mergeOverwrite", 2, M(1, "a", L(1, I(1))),
          M(1, "a", L(1, I(2))));
    check("map[b:1]", "merge", 3, N(), M(1, "b", I(1)), M(0));
    struct val nest = M(1, "x", M(1, "y", M(1, "z", S("deep"))));
    check("deep", "dig", 5, S("x"), S("y"), S("z"), S("def"), nest);
    check("def", "dig", 4, S("x"), S("q"), S("def"), nest);
    check("map[z:deep]", "dig", 4, S("x"), S("y"), S("def"), nest);
    check_err("interface {} is float64, not map[string]interface {}", "dig", 4,
              S("a"), S("b"), S("def"), M(1, "a", F(1)));
    check_err("interface {} is int, not string", "dig", 3, I(1), S("d"), nest);
    check_err("dig needs at least three arguments", "dig", 2, S("a"), nest);
    check("map[a:[1 map[b:2]]]", "deepCopy", 1,
          M(1, "a", L(2, I(1), M(1, "b", I(2)))));
    check("Hello", "mustDeepCopy", 1, S("Hello"));
    check_err("reflect.Value.Type on zero Value", "deepCopy", 1, N());
}

/* ---- math ---- */

static void test_integer_math(void **state)
{
    (void)state;
    check("3", "add", 2, I(1), I(2));
    check("4", "add", 2, F(3.75), I(1));
    check("10", "add", 4, I(1), I(2), I(3), I(4));
    check("5", "add", 2, S("2"), I(3));
    check("1", "add", 2, N(), I(1));
    check("2", "add", 2, F(1.9), F(1.9));
    check("1", "add", 2, S("a"), I(1));
    check("0", "add", 0);
    check_type("int64", "add", 2, I(1), I(2));
    check("-9223372036854775808", "add", 2, I(INT64_MAX), I(1));
    check("6", "add1", 1, S("5"));
    check("2", "sub", 2, I(5), I(3));
    check("24", "mul", 3, I(2), I(3), I(4));
    check("0", "mul", 2, F(42), F(0.5));
    check("2", "div", 2, I(10), I(4));
    check("-3", "div", 2, I(7), I(-2));
    check("-3", "div", 2, I(-7), I(2));
    check_err("integer divide by zero", "div", 2, I(10), I(0));
    check("-9223372036854775808", "div", 2, I(INT64_MIN), I(-1));
    check("-1", "mod", 2, I(-7), I(3));
    check("1", "mod", 2, F(7.9), I(2));
    check_err("integer divide by zero", "mod", 2, I(1), I(0));
    check("0", "mod", 2, I(INT64_MIN), I(-1));
    check("5", "max", 3, I(1), I(5), I(3));
    check("-1", "max", 1, I(-1));
    check("10", "biggest", 2, S("9"), I(10));
    check("3", "min", 2, F(3.75), I(4));
    check_type("int64", "max", 2, I(1), I(2));
}

static void test_float_math(void **state)
{
    (void)state;
    check("3", "addf", 2, I(1), I(2));
    check("0.3", "addf", 2, F(0.1), F(0.2));
    check("45.75", "addf", 2, F(3.75), F(42));
    check("3.5", "addf", 2, F(1.5), S("2"));
    check("0", "addf", 0);
    check_type("float64", "addf", 2, I(1), I(2));
    check("1.1", "add1f", 1, F(0.1));
    check("2.5", "add1f", 1, S("1.5"));
    check("2.75", "subf", 2, F(3.75), I(1));
    check("-0.1", "subf", 2, F(0.1), F(0.2));
    check("0.3", "mulf", 2, F(0.1), I(3));
    check("1.21", "mulf", 2, F(1.1), F(1.1));
    check("3.3333333333333335", "divf", 2, I(10), I(3));
    check("0.0892857142857143", "divf", 2, F(3.75), F(42));
    check("-0.6666666666666667", "divf", 2, I(-2), I(3));
    check("1e-16", "divf", 2, F(1e-16), I(2));
    check("0", "divf", 2, F(1e-17), I(3));
    check("2e+300", "divf", 2, F(1e300), F(0.5));
    check_err("decimal division by 0", "divf", 2, I(1), I(0));
    check_err("decimal division by 0", "divf", 2, I(0), I(0));
    check_err("Cannot create a Decimal from NaN", "addf", 1, S("NaN"));
    check("42", "maxf", 2, F(3.75), F(42));
    check("-1.5", "maxf", 1, F(-1.5));
    check("1", "minf", 3, I(1), F(5.5), I(3));
    check("1", "floor", 1, F(1.8));
    check("-2", "floor", 1, F(-1.2));
    check("-1", "ceil", 1, F(-1.2));
    check("3", "ceil", 1, S("2.1"));
    check("3.14", "round", 2, F(3.14159), I(2));
    check("3", "round", 2, F(2.5), I(0));
    check("-3", "round", 2, F(-2.5), I(0));
    check("3.8", "round", 2, F(3.75), I(1));
    check("1", "round", 2, F(1.005), I(2));
    check("1200", "round", 2, F(1234.5678), I(-2));
    check("2", "round", 3, F(2.5), I(0), F(0.6));
    check("3", "round", 3, F(2.7), I(0), F(0.6));
}

/* ---- conv ---- */

static void test_conversions(void **state)
{
    (void)state;
    check("3.75", "toString", 1, F(3.75));
    check("true", "toString", 1, val_bool(true));
    check("[3 1 2]", "toString", 1, L(3, F(3), F(1), F(2)));
    check("map[a:1]", "toString", 1, M(1, "a", F(1)));
    check("<nil>", "toString", 1, N());
    check_type("string", "toString", 1, I(1));
    check("[3 1 2]", "toStrings", 1, L(3, F(3), F(1), F(2)));
    check("[42]", "toStrings", 1, F(42));
    check("[]", "toStrings", 1, N());
    check("[a]", "toStrings", 1, L(2, N(), S("a")));
    check_type("[]string", "toStrings", 1, F(1));
    check("42", "atoi", 1, S("42"));
    check("-3", "atoi", 1, S("-3"));
    check("0", "atoi", 1, S("x"));
    check("0", "atoi", 1, S("1.5"));
    check("0", "atoi", 1, S(""));
    check("0", "atoi", 1, S("0x10"));
    check_type("int", "atoi", 1, S("3"));
    check("3", "int", 1, F(3.75));
    check("42", "int", 1, S("42"));
    check("0", "int", 1, N());
    check("0", "int", 1, S("x"));
    check("1", "int", 1, val_bool(true));
    check("-3", "int", 1, F(-3.9));
    check("31", "int", 1, S("0x1F"));
    check("8", "int", 1, S("010"));
    check("5", "int", 1, S("0b101"));
    check("1000", "int", 1, S("1_000"));
    check("0", "int", 1, S("_1"));
    check("0", "int", 1, S("1e3"));
    check("-9223372036854775808", "int", 1, F(1e300));
    check_type("int", "int", 1, F(1));
    check("42", "int64", 1, F(42));
    check_type("int64", "int64", 1, F(1));
    check("42", "float64", 1, F(42));
    check("0", "float64", 1, S("x"));
    check("1.5", "float64", 1, S("1.5"));
    check("1", "float64", 1, val_bool(true));
    check("0", "float64", 1, S("1e999"));
    check("255", "float64", 1, S("0x1.fep7"));
    check("0", "float64", 1, S("0x1.fe"));
    check("+Inf", "float64", 1, S("+Inf"));
    check_type("float64", "float64", 1, I(1));
    check("511", "toDecimal", 1, S("0777"));
    check("511", "toDecimal", 1, S("777"));
    check("0", "toDecimal", 1, S("x"));
    check("0", "toDecimal", 1, S("8"));
    check("8", "toDecimal", 1, I(10));
    check_type("int64", "toDecimal", 1, S("7"));
}

/* ---- reflect, defaults ---- */

static void test_reflection(void **state)
{
    (void)state;
    check("float64", "typeOf", 1, F(1));
    check("<nil>", "typeOf", 1, N());
    check("[]interface {}", "typeOf", 1, L(0));
    check("map[string]interface {}", "typeOf", 1, M(0));
    check("int", "typeOf", 1, I(1));
    check("true", "typeIs", 2, S("string"), S("x"));
    check("false", "typeIs", 2, S("int"), F(1));
    check("true", "typeIsLike", 2, S("float64"), F(1));
    check("false", "typeIsLike", 2, S("*string"), S("s"));
    check("slice", "kindOf", 1, L(0));
    check("invalid", "kindOf", 1, N());
    check("map", "kindOf", 1, M(0));
    check("true", "kindIs", 2, S("int"), I(1));
    check("false", "kindIs", 2, S("string"), F(1));
    check("true", "deepEqual", 2, L(2, I(1), I(2)), L(2, I(1), I(2)));
    check("false", "deepEqual", 2, I(1), F(1));
    check("true", "deepEqual", 2, N(), N());
}

static void test_defaults(void **state)
{
    (void)state;
    check("d", "default", 2, S("d"), N());
    check("d", "default", 2, S("d"), F(0));
    check("d", "default", 2, S("d"), L(0));
    check("d", "default", 2, S("d"), val_bool(false));
    check("true", "default", 2, S("d"), val_bool(true));
    check("[1]", "default", 2, S("d"), L(1, I(1)));
    check("d", "default", 1, S("d"));
    check("1", "default", 2, I(1), I(0));
    check("true", "empty", 1, S(""));
    check("false", "empty", 1, S("x"));
    check("true", "empty", 1, M(0));
    check("false", "empty", 1, M(1, "a", N()));
    check("true", "empty", 1, F(0));
    check("x", "coalesce", 3, S(""), N(), S("x"));
    check("<nil>", "coalesce", 1, S(""));
    check("true", "all", 2, S("s"), F(1));
    check("false", "all", 2, S("s"), S(""));
    check("true", "all", 0);
    check("true", "any", 3, S(""), N(), S("s"));
    check("false", "any", 0);
    check("yes", "ternary", 3, S("yes"), S("no"), val_bool(true));
    check("no", "ternary", 3, S("yes"), S("no"), val_bool(false));
    check_err("boom", "fail", 1, S("boom"));
    check_err("", "fail", 1, S(""));
}

/* ---- paths ---- */

static void test_paths(void **state)
{
    (void)state;
    const char *fns[] = {"base", "osBase"};
    for (int i = 0; i < 2; i++) {
        check("file.tar.gz", fns[i], 1, S("/usr/local/lib/file.tar.gz"));
        check(".", fns[i], 1, S(""));
        check("c", fns[i], 1, S("a/b/../c/"));
        check("/", fns[i], 1, S("/"));
        check("b", fns[i], 1, S("//a//b"));
    }
    check("/usr/local/lib", "dir", 1, S("/usr/local/lib/file.tar.gz"));
    check(".", "dir", 1, S(""));
    check("/", "dir", 1, S("/"));
    check("/a", "dir", 1, S("//a//b"));
    check("a/c", "osDir", 1, S("a/b/../c/"));
    check("rel", "osDir", 1, S("rel/x.y"));
    check(".", "clean", 1, S(""));
    check("/a/b", "clean", 1, S("//a//b"));
    check("a/c", "osClean", 1, S("a/b/../c/"));
    check("../..", "clean", 1, S("../a/../../b/.."));
    check("/", "clean", 1, S("/../.."));
    check(".", "clean", 1, S("a/.."));
    check(".gz", "ext", 1, S("/usr/local/lib/file.tar.gz"));
    check("", "ext", 1, S("a/b/../c/"));
    check("", "osExt", 1, S("/"));
    check(".y", "osExt", 1, S("rel/x.y"));
    check("true", "isAbs", 1, S("//a//b"));
    check("false", "isAbs", 1, S(""));
    check("false", "osIsAbs", 1, S("rel/x.y"));
}

/* ---- encoding ---- */

static void test_base64_base32(void **state)
{
    (void)state;
    check("SGVsbG8gV29ybGQ=", "b64enc", 1, S("Hello World"));
    check("", "b64enc", 1, S(""));
    check("aMOpbGxvIHfDtnJsZA==", "b64enc", 1, S("h\xc3\xa9llo w\xc3\xb6rld"));
    check("Hello World", "b64dec", 1, S("SGVsbG8gV29ybGQ="));
    check("Hello World", "b64dec", 1, S("SGVsbG8g\nV29ybGQ="));
    check("illegal base64 data at input byte 0", "b64dec", 1, S("!!"));
    check("illegal base64 data at input byte 0", "b64dec", 1, S("SGk"));
    check("illegal base64 data at input byte 4", "b64dec", 1, S("SGk=x"));
    check("illegal base64 data at input byte 3", "b64dec", 1, S("SG="));
    check("Hi", "b64dec", 1, S("SGk="));
    check("H", "b64dec", 1, S("SA=="));
    check("", "b64dec", 1, S(""));
    check("JBSWY3DPEBLW64TMMQ======", "b32enc", 1, S("Hello World"));
    check("MY======", "b32enc", 1, S("f"));
    check("MZXW6YQ=", "b32enc", 1, S("foob"));
    check("Hello World", "b32dec", 1, S("JBSWY3DPEBLW64TMMQ======"));
    check("foob", "b32dec", 1, S("MZXW6YQ="));
    check("illegal base32 data at input byte 0", "b32dec", 1, S("###"));
    check("illegal base32 data at input byte 0", "b32dec", 1, S("MZ"));
    check("", "b32dec", 1, S(""));
}

static void test_json(void **state)
{
    (void)state;
    struct val m = M(3, "a", F(1), "b", S("two"), "c", L(2, F(1), F(2)));
    check("{\"a\":1,\"b\":\"two\",\"c\":[1,2]}", "toJson", 1, m);
    check("null", "toJson", 1, N());
    check("\"\\u003cb\\u003e\"", "toJson", 1, S("<b>"));
    check("\"<b>\"", "toRawJson", 1, S("<b>"));
    check("\"<b>\"", "mustToRawJson", 1, S("<b>"));
    check("{\n  \"a\": 1\n}", "toPrettyJson", 1, M(1, "a", F(1)));
    check("[]", "mustToPrettyJson", 1, L(0));
    check("", "toJson", 1, F(NAN));
    check_err("unsupported value", "mustToJson", 1, F(NAN));
    check_err("unsupported value", "toRawJson", 1, F(NAN));
    check("map[a:[1 2 map[b:<nil>]] c:1500]", "fromJson", 1,
          S("{\"a\":[1,2,{\"b\":null}],\"c\":1.5e3}"));
    check_type("float64", "fromJson", 1, S("1"));
    check("<nil>", "fromJson", 1, S(""));
    check("<nil>", "fromJson", 1, S("{bad"));
    check("s", "mustFromJson", 1, S("\"s\""));
    check_err("invalid character", "mustFromJson", 1, S("{bad"));
}

/* ---- url ---- */

static void test_url(void **state)
{
    (void)state;
    const char *u = "https://user:pw@example.com:8080/p/a%20b?q=1&r=2#frag";
    check("map[fragment:frag host:example.com:8080 hostname:example.com "
          "opaque: path:/p/a b query:q=1&r=2 scheme:https userinfo:user:pw]",
          "urlParse", 1, S(u));
    check("map[fragment: host: hostname: opaque:x@y path: query: "
          "scheme:mailto userinfo:]",
          "urlParse", 1, S("mailto:x@y"));
    check("map[fragment: host:[::1]:80 hostname:::1 opaque: path:/ query: "
          "scheme:http userinfo:]",
          "urlParse", 1, S("http://[::1]:80/"));
    check_err("unable to parse url", "urlParse", 1, S(":x"));
    check_err("unable to parse url", "urlParse", 1, S("http://h:port/"));
    check_err("unable to parse url", "urlParse", 1, S("http://h/%zz"));
    check_err("unable to parse url", "urlParse", 1, S("1:x"));
    check("map[fragment: host: hostname: opaque:b/c:d%zz path: query: "
          "scheme:a userinfo:]",
          "urlParse", 1, S("a:b/c:d%zz"));
    check("https://a.b/x%20y?q=1", "urlJoin", 1,
          M(4, "host", S("a.b"), "path", S("/x y"), "query", S("q=1"), "scheme",
            S("https")));
    check("//h", "urlJoin", 1, M(1, "host", S("h")));
    check("http://u:p%40@h/#f%20g", "urlJoin", 1,
          M(5, "fragment", S("f g"), "host", S("h"), "path", S("/"), "scheme",
            S("http"), "userinfo", S("u:p%40")));
    check("./a:b", "urlJoin", 1, M(1, "path", S("a:b")));
    check("", "urlJoin", 1, M(0));
    check_err("unable to parse host key, must be of type string, but "
              "float64 found",
              "urlJoin", 1, M(1, "host", F(1)));
}

/* xstrings v1.3 ToSnakeCase / ToKebabCase / ToCamelCase samples. */
static void test_xstrings_samples(void **state)
{
    static const char *const snake[][2] = {
        {"HTTPServer", "http_server"},
        {"_camelCase", "_camel_case"},
        {"NoHTTPS", "no_https"},
        {"Wi_thF", "wi_th_f"},
        {"_AnotherTES_TCaseP", "_another_tes_t_case_p"},
        {"ALL", "all"},
        {"_HELLO_WORLD_", "_hello_world_"},
        {"HELLO_WORLD", "hello_world"},
        {"HELLO____WORLD", "hello____world"},
        {"TW", "tw"},
        {"_C", "_c"},
        {"http2xx", "http_2xx"},
        {"HTTP2XX", "http2_xx"},
        {"HTTP20xOK", "http_20x_ok"},
        {"HTTP20xStatus", "http_20x_status"},
        {"HTTP-20xStatus", "http_20x_status"},
        {"a", "a"},
        {"Duration2m3s", "duration_2m3s"},
        {"Bld4Floor3rd", "bld4_floor_3rd"},
        {" _-_ ", "_____"},
        {"a1b2c3d", "a_1b2c3d"},
        {"A//B%%2c", "a//b%%2c"},
        {"HTTP\u72b6\u6001\u7801404/502Error",
         "http_\u72b6\u6001\u7801404/502_error"},
        {"\u4e2d\u6587(\u5b57\u7b26)", "\u4e2d\u6587(\u5b57\u7b26)"},
        {"\u6df7\u5408ABCWords\u4e0e123\u6570\u5b57456",
         "\u6df7\u5408_abc_words_\u4e0e123_\u6570\u5b57456"},
        {"  sentence case  ", "__sentence_case__"},
        {" Mixed-hyphen case _and SENTENCE_case and UPPER-case",
         "_mixed_hyphen_case__and_sentence_case_and_upper_case"},
        {"FROM CamelCase to snake/kebab-case",
         "from_camel_case_to_snake/kebab_case"},
        {"", ""},
        {"Abc\uFFFDE\uFFFDf\uFFFDd\uFFFD2\uFFFD00z\uFFFDZZ\uFFFDZZ",
         "abc_\uFFFDe\uFFFDf\uFFFDd_\uFFFD2\uFFFD00z_\uFFFDzz\uFFFDzz"},
        {"\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
        {"abc_123_def", "abc_123_def"},
    };
    static const char *const camel[][2] = {
        {"http_server", "HttpServer"},
        {"_camel_case", "_CamelCase"},
        {"no_https", "NoHttps"},
        {"_complex__case_", "_Complex_Case_"},
        {" complex -case ", " Complex Case "},
        {"all", "All"},
        {"GOLANG_IS_GREAT", "GolangIsGreat"},
        {"GOLANG", "Golang"},
        {"a", "A"},
        {"\u597d", "\u597d"},
        {"FROM CamelCase to snake/kebab-case",
         "FromCamelcaseToSnake/kebabCase"},
        {"", ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof snake / sizeof *snake; i++) {
        char kebab[128];
        size_t k = 0;
        check(snake[i][1], "snakecase", 1, S(snake[i][0]));
        for (const char *p = snake[i][1]; *p && k < sizeof kebab - 1; p++)
            kebab[k++] = *p == '_' ? '-' : *p;
        kebab[k] = '\0';
        check(kebab, "kebabcase", 1, S(snake[i][0]));
    }
    for (size_t i = 0; i < sizeof camel / sizeof *camel; i++)
        check(camel[i][1], "camelcase", 1, S(camel[i][0]));
}

/* goutils Wrap / WrapCustom / Abbreviate samples, through sprig. */
static void test_goutils_samples(void **state)
{
    static const int offs[] = {-1, 0, 1, 4, 5, 6, 8, 10, 12};
    static const char *const full[] = {
        "abcdefg...", "abcdefg...", "abcdefg...", "abcdefg...", "...fghi...",
        "...ghij...", "...ijklmno", "...ijklmno", "...ijklmno"};
    (void)state;
    check("Bob Manuel\nBob Manuel", "wrap", 2, I(10),
          S("Bob Manuel Bob Manuel"));
    check("Here is one line of\ntext that is going\nto be wrapped after\n20 "
          "columns.",
          "wrap", 2, I(20),
          S("Here is one line of text that is going to be wrapped after 20 "
            "columns."));
    check("Click here to jump\nto the commons\nwebsite -\n"
          "http://commons.apache.org",
          "wrap", 2, I(20),
          S("Click here to jump to the commons website - "
            "http://commons.apache.org"));
    check("Click here,\nhttp://commons.apache.org,\nto jump to the\ncommons "
          "website",
          "wrap", 2, I(20),
          S("Click here, http://commons.apache.org, to jump to the commons "
            "website"));
    check("123456789_123456789_123456789_123456789_1234567890", "wrap", 2,
          I(11), S("123456789_123456789_123456789_123456789_1234567890"));
    check("123456789_1\n23456789_12\n3456789_123\n456789_1234\n567890",
          "wrapWith", 3, I(11), S("\n"),
          S("123456789_123456789_123456789_123456789_1234567890"));
    check("BobManuelB<br\\>ob Bob", "wrapWith", 3, I(10), S("<br\\>"),
          S("BobManuelBob Bob"));
    check("abc...", "abbrev", 2, I(6), S("abcdefg"));
    check("abcdefg", "abbrev", 2, I(7), S("abcdefg"));
    check("a...", "abbrev", 2, I(4), S("abcdefg"));
    for (size_t i = 0; i < sizeof offs / sizeof *offs; i++)
        check(full[i], "abbrevboth", 3, I(offs[i]), I(10),
              S("abcdefghijklmno"));
    check("this is a.Test", "untitle", 1, S("This Is A.Test"));
    check("", "nospace", 1, S(" "));
    check("bob", "nospace", 1, S("  b  o    b  "));
    check("JDF", "initials", 1, S("John Doe Foo"));
    check("BJ", "initials", 1, S("Ben J.Lee"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_case_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trim_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_predicates_and_quotes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replace_indent_plural, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_split_join_sort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_building, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_slice_and_sequences, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dict_basics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_frozen_input, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dict_merge_dig_copy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_integer_math, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float_math, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conversions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reflection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base64_base32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xstrings_samples, setup, teardown),
        cmocka_unit_test_setup_teardown(test_goutils_samples, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
