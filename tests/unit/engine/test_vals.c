/*
 * test_vals.c: the event path's number mode: eng_float_numbers turns every
 * whole JSON number of an int64-mode document into float64 (so a template
 * prints 1000000 as 1e+06, as upstream's event path does), shares strings,
 * keeps Go types of containers, and leaves the input untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "engine/engine.h"

#include <string.h>

static void test_float_numbers(void **state)
{
    (void)state;
    static const char js[] = "{\"spec\":{\"replicas\":1000000,\"f\":1.5,"
                             "\"steps\":[{\"setWeight\":20},3,\"x\",null,"
                             "true]},\"name\":\"demo\"}";
    struct json_opts o = {JSON_NUM_INT64, 0, 0};
    struct arena a;
    struct val in, out;
    arena_init(&a, 0);
    assert_int_equal(json_parse(&a, js, strlen(js), &o, &in, NULL), RN_OK);
    assert_int_equal(eng_float_numbers(&a, in, &out), RN_OK);
    const struct val *spec = val_get_cstr(out, "spec");
    assert_non_null(spec);
    const struct val *r = val_get_cstr(*spec, "replicas");
    assert_int_equal(r->kind, VAL_FLOAT);
    assert_true(r->u.f == 1000000.0);
    const struct val *steps = val_get_cstr(*spec, "steps");
    assert_int_equal(val_list_at(*steps, 1).kind, VAL_FLOAT);
    const struct val *w = val_get_cstr(val_list_at(*steps, 0), "setWeight");
    assert_int_equal(w->kind, VAL_FLOAT);
    assert_int_equal(val_list_at(*steps, 2).kind, VAL_STRING);
    assert_int_equal(val_list_at(*steps, 3).kind, VAL_NULL);
    assert_int_equal(val_list_at(*steps, 4).kind, VAL_BOOL);
    /* the input keeps its int64 numbers */
    const struct val *ri = val_get_cstr(*val_get_cstr(in, "spec"), "replicas");
    assert_int_equal(ri->kind, VAL_INT);
    /* same JSON as a float64-mode parse */
    struct buf b1, b2;
    struct val ref;
    buf_init(&b1, 0);
    buf_init(&b2, 0);
    assert_int_equal(json_parse(&a, js, strlen(js), NULL, &ref, NULL), RN_OK);
    assert_int_equal(json_emit(&b1, out, NULL, NULL), RN_OK);
    assert_int_equal(json_emit(&b2, ref, NULL, NULL), RN_OK);
    assert_string_equal(buf_str(&b1), buf_str(&b2));
    assert_true(val_deep_equal(out, ref));
    buf_free(&b1);
    buf_free(&b2);
    arena_free(&a);
}

static void test_float_numbers_depth(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    /* build a list nested past the JSON depth limit by hand */
    struct val v = val_int(1);
    for (int i = 0; i < 600; i++) {
        struct val_list *l = arena_alloc(&a, sizeof *l);
        struct val *it = arena_alloc(&a, sizeof *it);
        *it = v;
        l->len = l->cap = 1;
        l->items = it;
        v = val_list(l, 0);
    }
    struct val out;
    assert_int_equal(eng_float_numbers(&a, v, &out), RN_ELIMIT);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_numbers),
        cmocka_unit_test(test_float_numbers_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
