/*
 * test_state.c: notified-state keys and the state annotation
 * (docs/reference/engine.md §3.6, docs/reference/engine.md §10.4), the
 * condition-path step (docs/reference/engine.md §3.5), the event-path send rule
 * (docs/reference/engine.md §3.4) and the reason -> trigger mapping
 * (docs/reference/engine.md §10.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "engine/engine.h"

#include <stdio.h>
#include <string.h>

#define PURPLE "[0].t1z8Nb84uioVI-rjbhbwgSRQFnU"

static void test_reason_to_trigger(void **state)
{
    static const char *const vec[][2] = {
        {"RolloutStepCompleted", "on-rollout-step-completed"},
        {"ScalingReplicaSet", "on-scaling-replica-set"},
        {"NewReplicaSetCreated", "on-new-replica-set-created"},
        {"PatchingALBIngress", "on-patching-alb-ingress"},
        {"AnalysisRunError", "on-analysis-run-error"},
        {"Updated VirtualService", "on-updated -virtual-service"},
        {"ABC", "on-abc"},
        {"HTTPServerError", "on-http-server-error"},
        {"Step2Done", "on-step2-done"},
        {"RolloutAddedToInformer", "on-rollout-added-to-informer"},
        {"", "on-"},
    };
    struct arena a;
    (void)state;
    arena_init(&a, 0);
    for (size_t i = 0; i < sizeof vec / sizeof *vec; i++)
        assert_string_equal(eng_event_trigger(&a, vec[i][0], strlen(vec[i][0])),
                            vec[i][1]);
    arena_free(&a);
}

static void test_keys(void **state)
{
    struct arena a;
    struct eng_cond_result r = {
        .key = PURPLE, .triggered = true, .once_per = ""};
    struct eng_dest d = {"slack", "ch", NULL};
    (void)state;
    arena_init(&a, 0);
    assert_string_equal(eng_state_key(&a, NULL, "on-purple", &r, &d),
                        "on-purple:" PURPLE ":slack:ch");
    assert_string_equal(eng_state_key(&a, "team-a", "on-purple", &r, &d),
                        "team-a:on-purple:" PURPLE ":slack:ch");
    r.once_per = "v2";
    assert_string_equal(eng_state_key(&a, NULL, "on-purple", &r, &d),
                        "v2:on-purple:" PURPLE ":slack:ch");
    arena_free(&a);
}

static void test_emit(void **state)
{
    struct arena a;
    struct eng_state *st;
    struct buf b;
    bool valid;
    (void)state;
    arena_init(&a, 0);
    buf_init(&b, 0);
    assert_int_equal(eng_state_parse(&a, NULL, 0, &st, &valid), RN_OK);
    assert_true(valid);
    assert_int_equal(
        eng_state_set(st, "on-purple:" PURPLE ":slack:ch", 1700000000), 1);
    assert_int_equal(eng_state_set(st, "on-purple:" PURPLE ":slack:ch", 5), 0);
    assert_int_equal(eng_state_emit(st, &b), RN_OK);
    assert_string_equal(buf_str(&b),
                        "{\"on-purple:" PURPLE ":slack:ch\":1700000000}");
    /* Go's HTML-safe escaping and sorted keys */
    buf_reset(&b);
    assert_int_equal(eng_state_set(st, "a<b>&", 1), 1);
    assert_int_equal(eng_state_emit(st, &b), RN_OK);
    assert_string_equal(buf_str(&b),
                        "{\"a\\u003cb\\u003e\\u0026\":1,\"on-purple:" PURPLE
                        ":slack:ch\":1700000000}");
    buf_free(&b);
    arena_free(&a);
}

static void test_parse_and_truncate(void **state)
{
    struct arena a;
    struct eng_state *st;
    struct buf b;
    bool valid;
    char key[32];
    (void)state;
    arena_init(&a, 0);
    buf_init(&b, 0);
    static const char js[] = "{\"k1\":10,\"k2\":20}";
    assert_int_equal(eng_state_parse(&a, js, strlen(js), &st, &valid), RN_OK);
    assert_true(valid);
    assert_int_equal(eng_state_count(st), 2);
    assert_true(eng_state_has(st, "k2"));
    static const char bad[] = "{\"k1\":1.5}";
    assert_int_equal(eng_state_parse(&a, bad, strlen(bad), &st, &valid), RN_OK);
    assert_false(valid);
    assert_int_equal(eng_state_count(st), 0);
    assert_int_equal(eng_state_parse(&a, "x", 1, &st, &valid), RN_OK);
    assert_false(valid);
    /* 105 entries: the 5 oldest go; equal times drop the smaller keys */
    for (int i = 0; i < 105; i++) {
        snprintf(key, sizeof key, "k%03d", i);
        assert_int_equal(eng_state_set(st, key, i < 10 ? 7 : 100 + i), 1);
    }
    assert_int_equal(eng_state_emit(st, &b), RN_OK);
    assert_null(strstr(buf_str(&b), "\"k004\""));
    assert_non_null(strstr(buf_str(&b), "{\"k005\":7,"));
    assert_non_null(strstr(buf_str(&b), "\"k104\":204}"));
    buf_free(&b);
    arena_free(&a);
}

static void test_condition_step(void **state)
{
    struct arena a;
    struct eng_state *st;
    struct eng_cond_result r = {.key = PURPLE, .once_per = ""};
    (void)state;
    arena_init(&a, 0);
    assert_int_equal(eng_state_parse(&a, NULL, 0, &st, NULL), RN_OK);
    assert_int_equal(eng_condition_step(st, "k", &r), ENG_COND_NONE);
    r.triggered = true;
    assert_int_equal(eng_condition_step(st, "k", &r), ENG_COND_SEND);
    assert_int_equal(eng_state_set(st, "k", 1), 1);
    assert_int_equal(eng_condition_step(st, "k", &r), ENG_COND_ALREADY);
    r.triggered = false;
    assert_int_equal(eng_condition_step(st, "k", &r), ENG_COND_CLEAR);
    assert_false(eng_state_has(st, "k"));
    /* oncePer entries are never removed by evaluation */
    assert_int_equal(eng_state_set(st, "v1:k", 1), 1);
    r.once_per = "v1";
    assert_false(eng_state_unset(st, "v1:k", &r));
    assert_true(eng_state_has(st, "v1:k"));
    arena_free(&a);
}

static void test_event_rule(void **state)
{
    struct eng_cond_result r = {0};
    (void)state;
    r.empty_when = true;
    assert_true(eng_event_sends(&r));
    r.empty_when = false;
    assert_false(eng_event_sends(&r));
    r.triggered = true;
    assert_true(eng_event_sends(&r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_to_trigger),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_emit),
        cmocka_unit_test(test_parse_and_truncate),
        cmocka_unit_test(test_condition_step),
        cmocka_unit_test(test_event_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
