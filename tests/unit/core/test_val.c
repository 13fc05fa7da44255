/*
 * test_val.c: the value model operations of src/core/val.c: sorted-key
 * lookup, Go's reflect.DeepEqual, %T and reflect.Kind names, and
 * text/template truth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "core/val.h"

#include <math.h>
#include <string.h>

static struct val parse(struct arena *a, const char *s, int nums)
{
    struct val v;
    struct rn_err e;
    struct json_opts o = {.nums = nums};
    if (json_parse(a, s, strlen(s), &o, &v, &e) != RN_OK)
        fail_msg("%s: %s", s, e.msg);
    return v;
}

static void test_keycmp(void **state)
{
    (void)state;
    assert_true(val_keycmp("a", 1, "b", 1) < 0);
    assert_true(val_keycmp("b", 1, "a", 1) > 0);
    assert_true(val_keycmp("a", 1, "ab", 2) < 0);
    assert_true(val_keycmp("ab", 2, "a", 1) > 0);
    assert_int_equal(val_keycmp("", 0, "", 0), 0);
    assert_true(val_keycmp("", 0, "a", 1) < 0);
    assert_true(val_keycmp("Z", 1, "a", 1) < 0);
    assert_true(val_keycmp("a\0b", 3, "a\0c", 3) < 0);
    assert_true(val_keycmp("\xc3\xa9", 2, "z", 1) > 0); /* bytes unsigned */
}

static void test_get(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    struct val o = parse(&a, "{\"m\":1,\"a\":2,\"z\":3,\"\":4,\"ab\":5}", 1);
    assert_int_equal(val_get_cstr(o, "m")->u.i, 1);
    assert_int_equal(val_get_cstr(o, "a")->u.i, 2);
    assert_int_equal(val_get_cstr(o, "z")->u.i, 3);
    assert_int_equal(val_get_cstr(o, "")->u.i, 4);
    assert_int_equal(val_get(o, "abc", 2)->u.i, 5);
    assert_null(val_get_cstr(o, "b"));
    assert_null(val_get_cstr(o, "zz"));
    assert_null(val_get_cstr(val_int(1), "a"));
    assert_null(val_get_cstr(val_obj(NULL, GT_MAP_ANY), "a"));
    struct val empty = parse(&a, "{}", 0);
    assert_null(val_get_cstr(empty, "a"));
    arena_free(&a);
}

static void test_deep_equal(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    const char *doc = "{\"a\":[1,\"x\",{\"b\":null}],\"c\":true}";
    struct val x = parse(&a, doc, 0), y = parse(&a, doc, 0);
    assert_true(val_deep_equal(x, y));
    assert_false(val_deep_equal(x, parse(&a,
                                         "{\"a\":[1,\"x\",{\"b\":0}],"
                                         "\"c\":true}",
                                         0)));
    assert_false(
        val_deep_equal(x, parse(&a, "{\"a\":[1,\"x\"],\"c\":true}", 0)));
    assert_false(val_deep_equal(x, parse(&a,
                                         "{\"a\":[1,\"x\",{\"b\":null}],"
                                         "\"d\":true}",
                                         0)));
    /* types matter: int vs int64 vs float64 */
    assert_false(val_deep_equal(val_int(1), val_int_t(1, GT_INT64)));
    assert_false(val_deep_equal(val_int(1), val_float(1)));
    assert_true(val_deep_equal(val_int_t(7, GT_UINT8), val_int_t(7, GT_UINT8)));
    assert_false(val_deep_equal(val_float(NAN), val_float(NAN)));
    assert_true(val_deep_equal(val_float(0.0), val_float(-0.0)));
    assert_true(val_deep_equal(val_null(), val_null()));
    assert_false(val_deep_equal(val_null(), val_str("", 0)));
    assert_true(val_deep_equal(val_str("ab", 2), val_str("abc", 2)));
    assert_false(val_deep_equal(val_str("ab", 2), val_str("ac", 2)));
    /* a nil slice differs from an empty one, and []int from []interface {} */
    struct val_list empty = {0, 0, NULL};
    assert_false(val_deep_equal(val_list(&empty, GT_LIST_ANY),
                                val_list(NULL, GT_LIST_ANY | VAL_F_NILPTR)));
    assert_true(val_deep_equal(val_list(NULL, GT_LIST_ANY | VAL_F_NILPTR),
                               val_list(NULL, GT_LIST_ANY | VAL_F_NILPTR)));
    assert_false(val_deep_equal(val_list(&empty, GT_LIST_ANY),
                                val_list(&empty, GT_LIST_INT)));
    assert_false(val_deep_equal(val_obj(NULL, GT_MAP_ANY),
                                val_obj(NULL, GT_MAP_STRING)));
    /* functions: equal only when both nil */
    static const struct val_func fn = {"f", NULL, NULL};
    assert_false(val_deep_equal(val_func(&fn), val_func(&fn)));
    assert_true(val_deep_equal(val_func(NULL), val_func(NULL)));
    /* times compare instant, zone offset and location */
    struct val_time t1 = {.unix = 100, .nsec = 5, .zone = "UTC", .loc = "UTC"};
    struct val_time t2 = t1, t3 = t1;
    t3.loc = "Local";
    assert_true(val_deep_equal(val_time(&t1), val_time(&t2)));
    assert_false(val_deep_equal(val_time(&t1), val_time(&t3)));
    assert_true(val_deep_equal(val_duration(5), val_duration(5)));
    assert_false(val_deep_equal(val_duration(5), val_int(5)));
    arena_free(&a);
}

static void test_type_names(void **state)
{
    static const struct {
        unsigned gt;
        const char *name, *kind;
    } ints[] = {
        {GT_INT, "int", "int"},
        {GT_INT8, "int8", "int8"},
        {GT_INT16, "int16", "int16"},
        {GT_INT32, "int32", "int32"},
        {GT_INT64, "int64", "int64"},
        {GT_UINT, "uint", "uint"},
        {GT_UINT8, "uint8", "uint8"},
        {GT_UINT16, "uint16", "uint16"},
        {GT_UINT32, "uint32", "uint32"},
        {GT_UINT64, "uint64", "uint64"},
        {GT_UINTPTR, "uintptr", "uintptr"},
        {GT_MONTH, "time.Month", "int"},
        {GT_WEEKDAY, "time.Weekday", "int"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        assert_string_equal(val_type_name(val_int_t(1, ints[i].gt)),
                            ints[i].name);
        assert_string_equal(val_kind_name(val_int_t(1, ints[i].gt)),
                            ints[i].kind);
    }
    assert_string_equal(val_type_name(val_null()), "<nil>");
    assert_string_equal(val_kind_name(val_null()), "invalid");
    assert_string_equal(val_type_name(val_bool(true)), "bool");
    assert_string_equal(val_type_name(val_float(1)), "float64");
    struct val f32 = val_float(1);
    f32.flags = GT_FLOAT32;
    assert_string_equal(val_type_name(f32), "float32");
    assert_string_equal(val_kind_name(f32), "float32");
    assert_string_equal(val_type_name(val_str("", 0)), "string");
    assert_string_equal(val_kind_name(val_str("", 0)), "string");

    static const struct {
        unsigned gt;
        const char *name;
    } lists[] = {
        {GT_LIST_ANY, "[]interface {}"},
        {GT_LIST_INT, "[]int"},
        {GT_LIST_INT64, "[]int64"},
        {GT_LIST_FLOAT, "[]float64"},
        {GT_LIST_STRING, "[]string"},
        {GT_LIST_BYTES, "[]uint8"},
        {GT_LIST_BOOL, "[]bool"},
        {GT_LIST_MAP, "[]map[string]interface {}"},
    };
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        assert_string_equal(val_type_name(val_list(NULL, lists[i].gt)),
                            lists[i].name);
        assert_string_equal(val_kind_name(val_list(NULL, lists[i].gt)),
                            "slice");
    }
    assert_string_equal(val_type_name(val_obj(NULL, GT_MAP_ANY)),
                        "map[string]interface {}");
    assert_string_equal(val_type_name(val_obj(NULL, GT_MAP_IFACE)),
                        "map[interface {}]interface {}");
    assert_string_equal(val_type_name(val_obj(NULL, GT_MAP_STRING)),
                        "map[string]string");
    assert_string_equal(val_type_name(val_obj(NULL, GT_MAP_INT)),
                        "map[string]int");
    assert_string_equal(val_kind_name(val_obj(NULL, GT_MAP_ANY)), "map");
    struct val_time t = {.zone = "UTC", .loc = "UTC"};
    assert_string_equal(val_type_name(val_time(&t)), "time.Time");
    assert_string_equal(val_kind_name(val_time(&t)), "struct");
    assert_string_equal(val_type_name(val_duration(1)), "time.Duration");
    assert_string_equal(val_kind_name(val_duration(1)), "int64");
    static const struct val_func fn = {"f", NULL, NULL};
    assert_string_equal(val_kind_name(val_func(&fn)), "func");
    assert_string_equal(val_type_name(val_func(&fn)),
                        "func(...interface {}) (interface {}, error)");
}

static void test_struct_names(void **state)
{
    (void)state;
    struct val_kv ptr_kv[2] = {
        {val_str("", 0), val_str("*semver.Version", 15)},
        {val_str("Major", 5), val_int(1)},
    };
    struct val_obj ptr = {2, 2, ptr_kv};
    assert_string_equal(val_type_name(val_obj(&ptr, GT_STRUCT)),
                        "*semver.Version");
    assert_string_equal(val_kind_name(val_obj(&ptr, GT_STRUCT)), "ptr");
    assert_true(val_truth(val_obj(&ptr, GT_STRUCT)));
    struct val_kv st_kv[1] = {{val_str("", 0), val_str("url.URL", 7)}};
    struct val_obj st = {1, 1, st_kv};
    assert_string_equal(val_type_name(val_obj(&st, GT_STRUCT)), "url.URL");
    assert_string_equal(val_kind_name(val_obj(&st, GT_STRUCT)), "struct");
    struct val_obj none = {0, 0, NULL};
    assert_string_equal(val_type_name(val_obj(&none, GT_STRUCT)), "struct {}");
    assert_true(val_truth(val_obj(&none, GT_STRUCT)));
    /* one truth for templates' if and sprig's empty: a nil pointer to a
     * struct is false, a complex number true unless 0, an error value a
     * non-nil pointer even with an empty message */
    struct val nilp = val_obj(&ptr, GT_STRUCT);
    nilp.flags |= VAL_F_NILPTR;
    assert_false(val_truth(nilp));
    struct val_kv c_kv[3] = {
        {val_str("", 0), val_str("complex128", 10)},
        {val_str("imag", 4), val_float(0)},
        {val_str("real", 4), val_float(0)},
    };
    struct val_obj cplx = {3, 3, c_kv};
    assert_false(val_truth(val_obj(&cplx, GT_STRUCT)));
    c_kv[1].v = val_float(1);
    assert_true(val_truth(val_obj(&cplx, GT_STRUCT)));
    struct val err = val_str("", 0);
    err.flags = GT_ERRSTR;
    assert_true(val_truth(err));
}

static void test_truth(void **state)
{
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    assert_false(val_truth(val_null()));
    assert_false(val_truth(val_bool(false)));
    assert_true(val_truth(val_bool(true)));
    assert_false(val_truth(val_int(0)));
    assert_true(val_truth(val_int(-1)));
    assert_false(val_truth(val_float(0.0)));
    assert_false(val_truth(val_float(-0.0)));
    assert_true(val_truth(val_float(NAN)));
    assert_true(val_truth(val_float(0.5)));
    assert_false(val_truth(val_str("", 0)));
    assert_true(val_truth(val_str("0", 1)));
    assert_false(val_truth(parse(&a, "[]", 0)));
    assert_true(val_truth(parse(&a, "[0]", 0)));
    assert_false(val_truth(parse(&a, "{}", 0)));
    assert_true(val_truth(parse(&a, "{\"a\":null}", 0)));
    assert_false(val_truth(val_list(NULL, GT_LIST_STRING | VAL_F_NILPTR)));
    assert_false(val_truth(val_duration(0)));
    assert_true(val_truth(val_duration(1)));
    struct val_time t = {.zone = "UTC", .loc = "UTC"};
    assert_true(val_truth(val_time(&t)));
    static const struct val_func fn = {"f", NULL, NULL};
    assert_true(val_truth(val_func(&fn)));
    assert_false(val_truth(val_func(NULL)));
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keycmp),       cmocka_unit_test(test_get),
        cmocka_unit_test(test_deep_equal),   cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_struct_names), cmocka_unit_test(test_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
