/*
 * test_trigger.c: trigger runs (docs/reference/engine.md §3.3): condition keys,
 * triggered flags, oncePer printed with Go's %v only when triggered, runtime
 * errors reported per condition without failing the run, unknown triggers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "engine/engine.h"

#include <string.h>

struct fx {
    struct arena a;
    struct cfg *c;
    struct val vars;
};

static int setup(void **state)
{
    static struct fx f;
    static const char trig[] =
        "- send: [a]\n"
        "- when: rollout.status.phase == 'Degraded'\n"
        "  oncePer: rollout.metadata.generation\n"
        "  send: [a, b]\n"
        "- when: rollout.spec.template.spec.containers[0].image == "
        "'argoproj/rollouts-demo:purple'\n"
        "  oncePer: rollout.metadata.labels\n"
        "- when: time.Parse('bad') != nil\n"
        "- when: \"'text'\"\n"
        "- when: 'true'\n"
        "  oncePer: rollout.nothing.here\n";
    static const char js[] =
        "{\"metadata\":{\"generation\":3,\"labels\":{\"a\":\"b\"}},"
        "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":"
        "\"argoproj/rollouts-demo:purple\"}]}}},"
        "\"status\":{\"phase\":\"Degraded\"}}";
    struct cfg_entry items[1] = {
        {"trigger.on-t", 12, trig, strlen(trig), 0, 0}};
    struct cfg_data d = {items, 1, "", "", 0, 0};
    struct json_opts jo = {JSON_NUM_INT64, 0, 0};
    struct val obj;
    struct rn_err e;
    memset(&f, 0, sizeof f);
    arena_init(&f.a, 0);
    assert_int_equal(cfg_load(&d, NULL, NULL, &f.c, &e), RN_OK);
    assert_int_equal(cfg_error_count(f.c), 0);
    assert_int_equal(json_parse(&f.a, js, strlen(js), &jo, &obj, &e), RN_OK);
    assert_int_equal(eng_vars(f.c, obj, NULL, &f.a, &f.vars), RN_OK);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cfg_unref(f->c);
    arena_free(&f->a);
    return 0;
}

static void test_run(void **state)
{
    struct fx *f = *state;
    struct eng_cond_result *r;
    size_t n;
    struct rn_err e;
    assert_int_equal(eng_trigger_run(f->c, "on-t", f->vars, &f->a, &r, &n, &e),
                     RN_OK);
    assert_int_equal(n, 6);
    assert_string_equal(r[0].key, "[0].2jmj7l5rSw0yVb_vlWAYkK_YBwk");
    assert_false(r[0].triggered);
    assert_true(r[0].empty_when);
    assert_true(eng_event_sends(&r[0]));
    assert_string_equal(r[1].key, "[1].znepfVmnAvPuvsSa8G4jaiZ4500");
    assert_true(r[1].triggered);
    assert_string_equal(r[1].once_per, "3");
    assert_int_equal(r[1].ntemplates, 2);
    assert_string_equal(r[1].templates[1], "b");
    assert_string_equal(r[2].key, "[2].t1z8Nb84uioVI-rjbhbwgSRQFnU");
    assert_true(r[2].triggered);
    assert_string_equal(r[2].once_per, "map[a:b]");
    assert_false(r[3].triggered);
    assert_non_null(r[3].when_error);
    assert_false(eng_event_sends(&r[3]));
    assert_false(r[4].triggered); /* a string is not true */
    assert_null(r[4].when_error);
    assert_string_equal(r[5].key, "[5].X_5TO4MPCKAyY0ipFgr6_IraRNs");
    assert_true(r[5].triggered);
    assert_true(r[5].once_error || strcmp(r[5].once_per, "<nil>") == 0);
}

static void test_unknown(void **state)
{
    struct fx *f = *state;
    struct eng_cond_result *r;
    size_t n;
    struct rn_err e;
    assert_int_equal(
        eng_trigger_run(f->c, "on-none", f->vars, &f->a, &r, &n, &e),
        RN_ENOTFOUND);
    assert_non_null(strstr(e.msg, "is not configured"));
}

static void test_bad_expression(void **state)
{
    struct fx *f = *state;
    static const char trig[] = "- when: 'a +* b'\n";
    struct cfg_entry items[1] = {{"trigger.bad", 11, trig, strlen(trig), 0, 0}};
    struct cfg_data d = {items, 1, "", "", 0, 0};
    struct cfg *c;
    struct rn_err e;
    (void)f;
    assert_int_equal(cfg_load(&d, NULL, NULL, &c, &e), RN_OK);
    assert_int_equal(cfg_error_count(c), 1);
    assert_int_equal(cfg_error_at(c, 0)->code, RN_ESYNTAX);
    cfg_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_expression, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
