/*
 * test_gofmt.c: Go's strconv and fmt formatting (gofmt.h).
 *
 * Expectations come from Go's documented behaviour and from the printf
 * conformance vectors (tests/conformance/tmpl.jsonl, group printf*), whose
 * outputs were produced by Go itself; data values there are float64
 * because JSON numbers decode as float64, template literals like 3 are int.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/val.h"

#include <math.h>
#include <string.h>

#define S(s) val_str((s), strlen(s))

static void check_str(struct buf *b, int rc, const char *want, const char *what,
                      int line)
{
    if (rc != 0 || strcmp(buf_str(b), want) != 0) {
        print_error("line %d: %s\n  got  [%s] rc=%d\n  want [%s]\n", line, what,
                    buf_str(b), rc, want);
        buf_free(b);
        fail();
    }
    buf_free(b);
}

/* strconv.FormatFloat(f, fmt, prec, bits) == want */
struct float_case {
    double f;
    char fmt;
    int prec, bits;
    const char *want;
};

static void run_float_cases(const struct float_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct buf b;
        buf_init(&b, 0);
        int rc = gofmt_float(&b, c[i].f, c[i].fmt, c[i].prec, c[i].bits);
        check_str(&b, rc, c[i].want, "FormatFloat", (int)i);
    }
}

static void check_printf(const char *fmt, const char *want, int line,
                         const struct val *args, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = gofmt_sprintf(&b, fmt, strlen(fmt), args, n);
    check_str(&b, rc, want, fmt, line);
}
#define PF(fmt, want, ...)                                                     \
    check_printf((fmt), (want), __LINE__, (struct val[]){__VA_ARGS__},         \
                 sizeof((struct val[]){__VA_ARGS__}) / sizeof(struct val))
#define PF0(fmt, want) check_printf((fmt), (want), __LINE__, NULL, 0)

static void check_value(struct val v, const char *want, int line)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = gofmt_value(&b, v);
    check_str(&b, rc, want, "Sprint", line);
}
#define PV(v, want) check_value((v), (want), __LINE__)

/* ---- strconv ---- */

static const struct float_case float_shortest_cases[] = {
    {0, 'g', -1, 64, "0"},
    {-0.0, 'g', -1, 64, "-0"},
    {1, 'g', -1, 64, "1"},
    {1e6, 'g', -1, 64, "1e+06"},
    {123456, 'g', -1, 64, "123456"},
    {1234567.891, 'g', -1, 64, "1.234567891e+06"},
    {1e20, 'g', -1, 64, "1e+20"},
    {1.5e21, 'g', -1, 64, "1.5e+21"},
    {1e-4, 'g', -1, 64, "0.0001"},
    {1e-5, 'g', -1, 64, "1e-05"},
    {1e-7, 'g', -1, 64, "1e-07"},
    {0.1, 'g', -1, 64, "0.1"},
    {3.14159, 'g', -1, 64, "3.14159"},
    {9007199254740992.0, 'g', -1, 64, "9.007199254740992e+15"},
    {123456789012.0, 'g', -1, 64, "1.23456789012e+11"},
    {1e23, 'g', -1, 64, "1e+23"},
    {5e-324, 'g', -1, 64, "5e-324"},
    {1.7976931348623157e308, 'g', -1, 64, "1.7976931348623157e+308"},
    {1e21, 'G', -1, 64, "1E+21"},
    {1e21, 'f', -1, 64, "1000000000000000000000"},
    {0.1, 'f', -1, 64, "0.1"},
    {123.456, 'e', -1, 64, "1.23456e+02"},
    {0, 'e', -1, 64, "0e+00"},
    {1e-300, 'e', -1, 64, "1e-300"},
    {0.1, 'g', -1, 32, "0.1"},
    {16777216.0, 'g', -1, 32, "1.6777216e+07"},
    {3.4028234663852886e38, 'g', -1, 32, "3.4028235e+38"},
    {1e-45, 'g', -1, 32, "1e-45"},
    {INFINITY, 'g', -1, 64, "+Inf"},
    {-INFINITY, 'f', 2, 64, "-Inf"},
    {NAN, 'e', 3, 64, "NaN"},
};

static void test_float_shortest(void **state)
{
    (void)state;
    run_float_cases(float_shortest_cases, sizeof(float_shortest_cases) /
                                              sizeof(float_shortest_cases[0]));
}

static const struct float_case float_precision_cases[] = {
    {123.456, 'e', 2, 64, "1.23e+02"},
    {123.456, 'E', 2, 64, "1.23E+02"},
    {0, 'e', 3, 64, "0.000e+00"},
    {0.000012345, 'g', 3, 64, "1.23e-05"},
    {123456, 'g', 3, 64, "1.23e+05"},
    {1.5, 'g', 10, 64, "1.5"},
    {100, 'g', 5, 64, "100"},
    {2.5, 'f', 0, 64, "2"},
    {3.5, 'f', 0, 64, "4"},
    {2.5, 'g', 0, 64, "2"},
    {-0.001, 'f', 2, 64, "-0.00"},
    {1e-10, 'f', 5, 64, "0.00000"},
    {1234567.891, 'f', 2, 64, "1234567.89"},
    {10.1, 'b', 5, 64, "5685794529555251p-49"},
    {10.1, 'e', 5, 64, "1.01000e+01"},
    {10.1, 'f', 5, 64, "10.10000"},
    {100000000.1, 'g', 5, 64, "1e+08"},
    {10.00001, 'e', -1, 64, "1.000001e+01"},
};

static void test_float_precision(void **state)
{
    (void)state;
    run_float_cases(float_precision_cases,
                    sizeof(float_precision_cases) /
                        sizeof(float_precision_cases[0]));
}

static const struct float_case float_binary_hex_cases[] = {
    {1, 'b', -1, 64, "4503599627370496p-52"},
    {1, 'b', -1, 32, "8388608p-23"},
    {1, 'x', -1, 64, "0x1p+00"},
    {0, 'x', -1, 64, "0x0p+00"},
    {0.5, 'x', -1, 64, "0x1p-01"},
    {3, 'x', -1, 64, "0x1.8p+01"},
    {3.5, 'x', -1, 64, "0x1.cp+01"},
    {42, 'X', -1, 64, "0X1.5P+05"},
    {1e21, 'x', -1, 64, "0x1.b1ae4d6e2ef5p+69"},
    {1, 'x', 3, 64, "0x1.000p+00"},
    {1.96875, 'x', 1, 64, "0x1.0p+01"},
    {5e-324, 'x', -1, 64, "0x1p-1074"},
    {-0.1, 'X', -1, 64, "-0X1.999999999999AP-04"},
};

static void test_float_binary_hex(void **state)
{
    (void)state;
    run_float_cases(float_binary_hex_cases,
                    sizeof(float_binary_hex_cases) /
                        sizeof(float_binary_hex_cases[0]));
}

static void test_ints(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    check_str(&b, gofmt_int(&b, INT64_MIN, 10), "-9223372036854775808",
              "FormatInt", __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_int(&b, -255, 16), "-ff", "FormatInt", __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_uint(&b, UINT64_MAX, 36), "3w5e11264sgsf", "FormatUint",
              __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_uint(&b, 5, 2), "101", "FormatUint", __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_int(&b, 0, 10), "0", "FormatInt", __LINE__);
}

static void check_quote(const char *s, size_t n, int ascii, const char *want,
                        int line)
{
    struct buf b;
    buf_init(&b, 0);
    check_str(&b, gofmt_quote(&b, s, n, ascii), want, "Quote", line);
}
#define QQ(s, ascii, want)                                                     \
    check_quote((s), strlen(s), (ascii), (want), __LINE__)

static void test_quote(void **state)
{
    (void)state;
    QQ("hello", 0, "\"hello\"");
    QQ("a\"b\\c", 0, "\"a\\\"b\\\\c\"");
    QQ("\a\b\f\n\r\t\v", 0, "\"\\a\\b\\f\\n\\r\\t\\v\"");
    QQ("\x01\x7f", 0, "\"\\x01\\x7f\"");
    QQ("\xff", 0, "\"\\xff\"");
    QQ("caf\xc3\xa9", 0, "\"caf\xc3\xa9\"");
    QQ("caf\xc3\xa9", 1, "\"caf\\u00e9\"");
    QQ("\xf0\x9f\x98\x80", 1, "\"\\U0001f600\"");
    QQ("\xe2\x80\x8b", 0, "\"\\u200b\"");      /* zero width space */
    QQ("\xc2\xa0", 0, "\"\\u00a0\"");          /* no-break space */
    QQ("\xef\xbf\xbd", 0, "\"\xef\xbf\xbd\""); /* a real U+FFFD */
    check_quote("a\0b", 3, 0, "\"a\\x00b\"", __LINE__);
    struct buf b;
    buf_init(&b, 0);
    check_str(&b, gofmt_quote_rune(&b, '\'', 0), "'\\''", "QuoteRune",
              __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_quote_rune(&b, 0x110000, 0), "'\xef\xbf\xbd'",
              "QuoteRune", __LINE__);
    assert_true(gofmt_can_backquote("a\tb", 3));
    assert_false(gofmt_can_backquote("a`b", 3));
    assert_false(gofmt_can_backquote("a\nb", 3));
    assert_false(gofmt_can_backquote("\xff", 1));
    assert_true(gofmt_isprint('a'));
    assert_true(gofmt_isprint(0x4e16));
    assert_false(gofmt_isprint(0x85));
    assert_false(gofmt_isprint(0xE000));
}

/* ---- fmt: verbs on scalars ---- */

static void test_printf_floats(void **state)
{
    (void)state;
    /* from the printf_num conformance vectors */
    PF("%v", "0", val_float(0));
    PF("%e", "0.000000e+00", val_float(0));
    PF("%5.1f", "  0.0", val_float(0));
    PF("%08.3f", "0000.000", val_float(0));
    PF("%08.3f", "-002.500", val_float(-2.5));
    PF("%5.1f", " -2.5", val_float(-2.5));
    PF("%v", "1e+06", val_float(1e6));
    PF("%.2f", "1000000.00", val_float(1e6));
    PF("%5.1f", "1000000000000000000000.0", val_float(1e21));
    PF("%08.3f", "1234567.891", val_float(1234567.891));
    PF("%e", "1.234568e+06", val_float(1234567.891));
    PF("%#v", "1", val_float(1));
    PF("%+v", "1e+06", val_float(1e6));
    PF("%x", "0x1.5p+05", val_float(42));
    PF("%X", "0X1.CP+01", val_float(3.5));
    PF("%d", "%!d(float64=1e+06)", val_float(1e6));
    PF("%s", "%!s(float64=3.5)", val_float(3.5));
    PF("%q", "%!q(float64=0.5)", val_float(0.5));
    /* flags */
    PF("%+.3e", "+3.142e+00", val_float(3.14159));
    PF("% .2f", " 2.00", val_float(2));
    PF("%-8.2f|", "2.00    |", val_float(2));
    PF("%+08.2f", "+0002.00", val_float(2));
    PF("%6.2v", "   3.1", val_float(3.14159));
    PF("%#g", "1.00000", val_float(1));
    PF("%#.3g", "1.00", val_float(1));
    PF("%#.0f", "1.", val_float(1));
    PF("%#.0e", "1.e+00", val_float(1));
    PF("%G", "1E+21", val_float(1e21));
    PF("%F", "3.500000", val_float(3.5));
    PF("%b", "4503599627370496p-52", val_float(1));
    PF("%v", "+Inf", val_float(INFINITY));
    PF("%5.1f", " -Inf", val_float(-INFINITY));
    PF("%05.1f", " +Inf", val_float(INFINITY));
    PF("%v", "NaN", val_float(NAN));
    PF("%+f", "+NaN", val_float(NAN));
    PF("%v", "-0", val_float(-0.0));
    struct val f32 = val_float((double)0.1f);
    f32.flags = GT_FLOAT32;
    PF("%v", "0.1", f32);
    PF("%T", "float32", f32);
}

static void test_printf_ints(void **state)
{
    (void)state;
    PF("%d", "-42", val_int(-42));
    PF("%05d", "-0042", val_int(-42));
    PF("%-05d|", "42   |", val_int(42));
    PF("%+d % d", "+5  5", val_int(5), val_int(5));
    PF("%.3d", "007", val_int(7));
    PF("%6.3d|", "   007|", val_int(7));
    PF("%.0d|%5.0d|", "|     |", val_int(0), val_int(0));
    PF("%x %X %#x %#X", "ff FF 0xff 0XFF", val_int(255), val_int(255),
       val_int(255), val_int(255));
    PF("%o %#o %O %#b", "10 010 0o10 0b101", val_int(8), val_int(8), val_int(8),
       val_int(5));
    PF("%08x", "000000ff", val_int(255));
    PF("%#08x", "0x000000ff", val_int(255)); /* Go zero-fills, then prefixes */
    PF("%c|%5c", "\xe4\xb8\x96|    x", val_int(0x4e16), val_int('x'));
    PF("%q %+q", "'x' '\\u00e9'", val_int('x'), val_int(0xe9));
    PF("%U %#U", "U+1F600 U+0078 'x'", val_int(0x1F600), val_int('x'));
    PF("%v", "18446744073709551615", val_int_t(-1, GT_UINT64));
    PF("%#v %#v", "0xc8 -3", val_int_t(200, GT_UINT8), val_int(-3));
    PF("%s", "%!s(int=120)", val_int('x'));
    PF("%z", "%!z(int=3)", val_int(3));
    PF("%v %d", "March 3", val_int_t(3, GT_MONTH), val_int_t(3, GT_MONTH));
    PF("%v|%s", "Sunday|Saturday", val_int_t(0, GT_WEEKDAY),
       val_int_t(6, GT_WEEKDAY));
    PF("%v", "%!Month(13)", val_int_t(13, GT_MONTH));
    PF("%f", "%!f(time.Month=1)", val_int_t(1, GT_MONTH));
    PF("%T %T", "int64 uint8", val_int_t(1, GT_INT64), val_int_t(1, GT_UINT8));
}

static void test_printf_strings(void **state)
{
    (void)state;
    PF("%s|%v|%q", "a\"b\n|a\"b\n|\"a\\\"b\\n\"", S("a\"b\n"), S("a\"b\n"),
       S("a\"b\n"));
    PF("%#v", "\"hello\"", S("hello"));
    PF("%x|%X", "68656c6c6f|68656C6C6F", S("hello"), S("hello"));
    PF("% x|%# x|%#x", "68 69|0x68 0x69|0x6869", S("hi"), S("hi"), S("hi"));
    PF("%8x|%-8x|", "    6869|6869    |", S("hi"), S("hi"));
    PF("%.1x", "68", S("hi"));
    PF("%10.3s|%-6s|", "       hel|hello |", S("hello"), S("hello"));
    PF("%5s|", "  \xc3\xa9t\xc3\xa9|", S("\xc3\xa9t\xc3\xa9"));
    PF("%.1s", "\xc3\xa9", S("\xc3\xa9t\xc3\xa9"));
    PF("%05s", "000ab", S("ab"));
    PF("%#q|%#q", "`abc`|\"a`c\"", S("abc"), S("a`c"));
    PF("%+q", "\"\\u20ac\"", S("\xe2\x82\xac"));
    PF("%q", "\"\\x01\\xff\xe2\x82\xac\\t\"", S("\x01\xff\xe2\x82\xac\t"));
    PF("%d", "%!d(string=hello)", S("hello"));
    PF("%.2f", "%!f(string=he)", S("hello"));
    PF("%08.3f", "%!f(string=00000hel)", S("hello"));
    PF("%t|%5t|%s", "false| true|%!s(bool=true)", val_bool(false),
       val_bool(true), val_bool(true));
    PF("%08.3f", "%!f(bool=0000true)", val_bool(true));
    PF("%-5d|", "%!d(bool=true )|", val_bool(true));
    struct val html = S("<b>");
    html.flags = GT_HTML;
    PF("%v %T", "<b> template.HTML", html, html);
    struct val err = S("boom");
    err.flags = GT_ERRSTR;
    PF("%v|%s|%q|%d", "boom|boom|\"boom\"|&{%!d(string=boom)}", err, err, err,
       err);
    PF("%#v", "&errors.errorString{s:\"boom\"}", err);
}

/* ---- fmt: the format string ---- */

static void test_printf_format(void **state)
{
    (void)state;
    PF("%d-%s", "1-a%!(EXTRA string=extra)", val_int(1), S("a"), S("extra"));
    PF("%d", "1%!(EXTRA int=2, <nil>, float64=3.5)", val_int(1), val_int(2),
       val_null(), val_float(3.5));
    PF("%v %v", "hello %!v(MISSING)", S("hello"));
    PF("%[2]v %[1]v", "%!v(BADINDEX) hello", S("hello"));
    PF("%[2]d %[1]d", "2 1", val_int(1), val_int(2));
    PF("%[3]d", "%!d(BADINDEX)", val_int(1), val_int(2));
    PF("%[1]2d", "%!d(BADINDEX)", val_int(1));
    PF("%[x]d", "%!d(BADINDEX)", val_int(1));
    PF("%[1]d %d", "1 2", val_int(1), val_int(2));
    PF("%*d", "%!(BADWIDTH)%!d(MISSING)", val_float(5));
    PF("%*d|%-*d|", "   42|42   |", val_int(5), val_int(42), val_int(5),
       val_int(42));
    PF("%*d|", "42   |", val_int(-5), val_int(42));
    PF("%.*d|", "00042|", val_int(5), val_int(42));
    PF("%.*d|", "%!(BADPREC)42|", val_int(-1), val_int(42));
    PF("%[2]*[1]d|", "    5|", val_int(5), val_int(5));
    PF("%%", "%%!(EXTRA string=hello)", S("hello"));
    PF("%%", "%%!(EXTRA <nil>)", val_null());
    PF("%!", "%!!(bool=true)", val_bool(true));
    PF("%", "%!(NOVERB)%!(EXTRA int=3)", val_int(3));
    PF0("100%%", "100%");
    PF0("%d", "%!d(MISSING)");
    PF0("%\xc3\xa9", "%!\xc3\xa9(MISSING)");
    PF("%s", "%!s(int=120)", val_int('x'));
    PF("%v", "<nil>", val_null());
    PF("%d|%5s|%T", "%!d(<nil>)|%!s(<nil>)|<nil>", val_null(), val_null(),
       val_null());
}

/* ---- fmt: composite values ---- */

static struct val mklist(struct val_list *l, struct val *items, size_t n,
                         unsigned gt)
{
    l->len = l->cap = (uint32_t)n;
    l->items = items;
    return val_list(l, gt);
}

static struct val mkobj(struct val_obj *o, struct val_kv *kv, size_t n,
                        unsigned gt)
{
    o->len = o->cap = (uint32_t)n;
    o->kv = kv;
    return val_obj(o, gt);
}

static void test_lists_maps(void **state)
{
    (void)state;
    struct val_list l, bl, sl, nl;
    struct val items[] = {val_float(1), S("a"), val_null()};
    struct val list = mklist(&l, items, 3, GT_LIST_ANY);
    PV(list, "[1 a <nil>]");
    PF("%d", "[%!d(float64=1) %!d(string=a) <nil>]", list);
    PF("%5d", "[%!d(float64=    1) %!d(string=    a) <nil>]", list);
    PF("%x", "[0x1p+00 61 <nil>]", list);
    PF("%#v", "[]interface {}{1, \"a\", interface {}(nil)}", list);
    PF("%T", "[]interface {}", list);

    struct val kv_items[] = {S("a"), S("b")};
    struct val strs = mklist(&sl, kv_items, 2, GT_LIST_STRING);
    PF("%v|%q|%#v", "[a b]|[\"a\" \"b\"]|[]string{\"a\", \"b\"}", strs, strs,
       strs);

    struct val bytes_items[] = {val_int_t('h', GT_UINT8),
                                val_int_t('i', GT_UINT8)};
    struct val bytes = mklist(&bl, bytes_items, 2, GT_LIST_BYTES);
    PV(bytes, "[104 105]");
    PF("%s|%x|%X|%q|%d", "hi|6869|6869|\"hi\"|[104 105]", bytes, bytes, bytes,
       bytes, bytes);
    PF("%#v", "[]byte{0x68, 0x69}", bytes);
    PF("%c", "[h i]", bytes);

    struct val nil_list = mklist(&nl, NULL, 0, GT_LIST_STRING);
    nil_list.flags |= VAL_F_NILPTR;
    PV(nil_list, "[]");
    PF("%#v", "[]string(nil)", nil_list);

    struct val_obj o, e, in;
    struct val_kv inner_kv[] = {{S("c"), S("deep")}};
    struct val inner = mkobj(&in, inner_kv, 1, GT_MAP_ANY);
    struct val_kv kv[] = {
        {S("a"), val_float(1)}, {S("b"), inner}, {S("k"), S("v")}};
    struct val map = mkobj(&o, kv, 3, GT_MAP_ANY);
    PV(map, "map[a:1 b:map[c:deep] k:v]");
    PF("%#v",
       "map[string]interface {}{\"a\":1, "
       "\"b\":map[string]interface {}{\"c\":\"deep\"}, \"k\":\"v\"}",
       map);
    PF("%d",
       "map[%!d(string=a):%!d(float64=1) %!d(string=b):map[%!d(string="
       "c):%!d(string=deep)] %!d(string=k):%!d(string=v)]",
       map);
    PF("%x", "map[61:0x1p+00 62:map[63:64656570] 6b:76]", map);
    struct val empty = mkobj(&e, NULL, 0, GT_MAP_ANY);
    PV(empty, "map[]");
    empty.flags |= VAL_F_NILPTR;
    PF("%v|%#v", "map[]|map[string]interface {}(nil)", empty, empty);
}

static void test_structs(void **state)
{
    (void)state;
    struct val_obj o, so, po;
    struct val_kv kv[] = {
        {S(""), S("main.T")}, {S("Name"), S("x")}, {S("Size"), val_int(3)}};
    struct val st = mkobj(&o, kv, 3, GT_STRUCT);
    PV(st, "{x 3}");
    PF("%+v|%#v", "{Name:x Size:3}|main.T{Name:\"x\", Size:3}", st, st);

    struct val_kv pkv[] = {{S(""), S("*semver.Version")},
                           {S("Major"), val_int_t(1, GT_UINT64)}};
    struct val ptr = mkobj(&po, pkv, 2, GT_STRUCT);
    PV(ptr, "&{1}");
    PF("%#v", "&semver.Version{Major:0x1}", ptr);
    PF("%T", "*semver.Version", ptr);

    struct val_kv skv[] = {{S(""), S("*semver.Version")},
                           {S("Major"), val_int(1)},
                           {S("String"), S("1.2.3")}};
    struct val stringer = mkobj(&so, skv, 3, GT_STRUCT);
    PV(stringer, "1.2.3");
    PF("%s|%q|%10v|", "1.2.3|\"1.2.3\"|     1.2.3|", stringer, stringer,
       stringer);
}

static void test_time_func(void **state)
{
    (void)state;
    PV(val_duration(1500000000), "1.5s");
    PF("%d|%v|%s", "90000000000|1m30s|1m30s", val_duration(90000000000LL),
       val_duration(90000000000LL), val_duration(90000000000LL));
    struct val_time t = {.unix = 0, .zone = "UTC", .loc = "UTC"};
    PV(val_time(&t), "1970-01-01 00:00:00 +0000 UTC");
    PF("%#v", "time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)",
       val_time(&t));
    PF("%T", "time.Time", val_time(&t));
    struct val_func fn = {"f", NULL, NULL};
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(gofmt_value(&b, val_func(&fn)), 0);
    assert_true(strncmp(buf_str(&b), "0x", 2) == 0);
    buf_free(&b);
    PF("%s", "%!s(func(...interface {}) (interface {}, error)=<nil>)",
       val_func(NULL));
}

static void test_sprint(void **state)
{
    (void)state;
    struct val args[] = {val_int(1), val_int(2),   S("a"),
                         S("b"),     val_float(3), val_null()};
    struct buf b;
    buf_init(&b, 0);
    check_str(&b, gofmt_sprint(&b, args, 6), "1 2ab3 <nil>", "Sprint",
              __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_sprintln(&b, args, 6), "1 2 a b 3 <nil>\n", "Sprintln",
              __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_sprint(&b, NULL, 0), "", "Sprint", __LINE__);
    buf_init(&b, 0);
    check_str(&b, gofmt_sprintln(&b, NULL, 0), "\n", "Sprintln", __LINE__);
}

static void test_limit(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 16);
    int rc = gofmt_sprintf(&b, "%100d", 5, (struct val[]){val_int(1)}, 1);
    assert_int_not_equal(rc, 0);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

/* strconv.ParseInt/ParseUint/ParseFloat: the one parser template
 * literals, sprig casts and expr share (Go's strconv docs and tests). */
static void test_strconv_parse(void **state)
{
    (void)state;
    int64_t i;
    uint64_t u;
    double f;
    assert_int_equal(gofmt_parse_int("0x_1F", 5, 0, &i), RN_OK);
    assert_int_equal(i, 31);
    assert_int_equal(gofmt_parse_int("0x_1F", 5, 16, &i), RN_EINVAL);
    assert_int_equal(gofmt_parse_int("1__0", 4, 0, &i), RN_EINVAL);
    assert_int_equal(gofmt_parse_int("_10", 3, 0, &i), RN_EINVAL);
    assert_int_equal(gofmt_parse_int("017", 3, 0, &i), RN_OK);
    assert_int_equal(i, 15);
    assert_int_equal(gofmt_parse_int("0", 1, 0, &i), RN_OK);
    assert_int_equal(gofmt_parse_int("-9223372036854775808", 20, 10, &i),
                     RN_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(gofmt_parse_int("9223372036854775808", 19, 10, &i),
                     RN_ELIMIT);
    assert_true(i == INT64_MAX);
    /* Go stops at the overflow: a range error, not the later syntax one */
    assert_int_equal(gofmt_parse_uint("99999999999999999999x", 21, 10, &u),
                     RN_ELIMIT);
    assert_int_equal(gofmt_parse_uint("+1", 2, 10, &u), RN_EINVAL);
    assert_int_equal(gofmt_parse_uint("z", 1, 36, &u), RN_OK);
    assert_int_equal(u, 35);
    assert_int_equal(gofmt_parse_float("1_000.5", 7, &f), RN_OK);
    assert_true(f == 1000.5);
    assert_int_equal(gofmt_parse_float("0x1p-2", 6, &f), RN_OK);
    assert_true(f == 0.25);
    assert_int_equal(gofmt_parse_float("0x1", 3, &f), RN_EINVAL);
    assert_int_equal(gofmt_parse_float("-Infinity", 9, &f), RN_OK);
    assert_true(isinf(f) && f < 0);
    assert_int_equal(gofmt_parse_float("+nan", 4, &f), RN_EINVAL);
    assert_int_equal(gofmt_parse_float("1e400", 5, &f), RN_ELIMIT);
    assert_int_equal(gofmt_parse_float(".", 1, &f), RN_EINVAL);
    assert_int_equal(gofmt_parse_float("1e", 2, &f), RN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strconv_parse),
        cmocka_unit_test(test_float_shortest),
        cmocka_unit_test(test_float_precision),
        cmocka_unit_test(test_float_binary_hex),
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_printf_floats),
        cmocka_unit_test(test_printf_ints),
        cmocka_unit_test(test_printf_strings),
        cmocka_unit_test(test_printf_format),
        cmocka_unit_test(test_lists_maps),
        cmocka_unit_test(test_structs),
        cmocka_unit_test(test_time_func),
        cmocka_unit_test(test_sprint),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
