/*
 * test_destinations.c: who gets which trigger (docs/reference/engine.md §2,
 * §10.3): subscribe annotations and their dotted forms, the YAML subscriptions
 * annotation, default subscriptions with label selectors, default triggers per
 * service, assembly order, de-duplication and recipient splitting.
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
};

static int setup(void **state)
{
    static struct fx f;
    memset(&f, 0, sizeof f);
    arena_init(&f.a, 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cfg_unref(f->c);
    f->c = NULL;
    arena_free(&f->a);
    return 0;
}

/* A config from key/value pairs (NULL-terminated). */
static struct cfg *config(struct fx *f, const char *const *kv)
{
    struct cfg_entry items[16];
    struct cfg_data d = {items, 0, "", "", 0, 0};
    struct rn_err e;
    for (; kv[0]; kv += 2, d.n++) {
        items[d.n] = (struct cfg_entry){
            kv[0], strlen(kv[0]), kv[1], strlen(kv[1]), 0, 0};
    }
    assert_int_equal(cfg_load(&d, NULL, NULL, &f->c, &e), RN_OK);
    assert_int_equal(cfg_error_count(f->c), 0);
    return f->c;
}

static struct val object(struct fx *f, const char *json)
{
    struct val v;
    struct rn_err e;
    assert_int_equal(json_parse(&f->a, json, strlen(json), NULL, &v, &e),
                     RN_OK);
    return v;
}

static void expect(const struct eng_dests *d, const char *trigger,
                   const char *const *pairs, size_t n)
{
    const struct eng_trigger_dests *t = eng_dests_find(d, trigger);
    if (n == 0) {
        assert_null(t);
        return;
    }
    assert_non_null(t);
    assert_int_equal(t->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(t->dests[i].service, pairs[2 * i]);
        assert_string_equal(t->dests[i].recipient, pairs[2 * i + 1]);
    }
}

/* docs/reference/engine.md §10.3 */
static void test_spec_vector(void **state)
{
    struct fx *f = *state;
    static const char *const kv[] = {
        "defaultTriggers",
        "[on-x]",
        "defaultTriggers.webhook",
        "[on-w]",
        "subscriptions",
        "[{recipients: [slack:c1], triggers: [on-a]}]",
        NULL};
    struct cfg *c = config(f, kv);
    struct val obj = object(
        f, "{\"metadata\":{\"annotations\":{"
           "\"notifications.argoproj.io/subscribe.on-a.slack\":\"c1; c2\","
           "\"notifications.argoproj.io/subscribe.webhook\":\"\"}}}");
    struct eng_dests d;
    static const char *const raw[] = {"slack", "c1",    "slack",
                                      "c1",    "slack", "c2"};
    static const char *const dedup[] = {"slack", "c1", "slack", "c2"};
    static const char *const w[] = {"webhook", ""};
    assert_int_equal(eng_destinations(c, obj, 0, &f->a, &d), RN_OK);
    expect(&d, "on-a", raw, 3);
    expect(&d, "on-w", w, 1);
    expect(&d, "on-x", NULL, 0);
    assert_int_equal(eng_destinations(c, obj, ENG_DEST_DEDUP, &f->a, &d),
                     RN_OK);
    expect(&d, "on-a", dedup, 2);
    expect(&d, "on-w", w, 1);
}

static void test_annotation_forms(void **state)
{
    struct fx *f = *state;
    static const char *const kv[] = {"defaultTriggers", "[on-d1, on-d2]",
                                     "defaultTriggers.empty", "[]", NULL};
    struct cfg *c = config(f, kv);
    struct val obj = object(
        f, "{\"metadata\":{\"annotations\":{"
           "\"notifications.argoproj.io/subscribe..teams\":\"t\","
           "\"notifications.argoproj.io/subscribe.on-x.slack.extra\":\"a;a\","
           "\"notifications.argoproj.io/subscribe.on-y.email\":\" \","
           "\"notifications.argoproj.io/subscribe.on-u.u\":"
           "\"\\u00a0u1\\u3000; \\u2003u2\\u00e9\\u0085\","
           "\"notifications.argoproj.io/subscribe.empty\":\"r\","
           "\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\","
           "\"notified.notifications.argoproj.io\":\"{}\"}}}");
    struct eng_dests d;
    static const char *const x[] = {"slack", "a", "slack", "a"};
    static const char *const d1[] = {"teams", "t"};
    assert_int_equal(eng_destinations(c, obj, 0, &f->a, &d), RN_OK);
    expect(&d, "on-x", x, 2);
    expect(&d, "on-y", NULL, 0);
    expect(&d, "on-d1", d1, 1);
    expect(&d, "on-d2", d1, 1);
    static const char *const u[] = {"u", "u1", "u", "u2\xc3\xa9"};
    expect(&d, "on-u", u, 2);
    assert_int_equal(d.n, 4); /* no ("", recipient) from other keys */
}

static void test_yaml_annotation(void **state)
{
    struct fx *f = *state;
    static const char *const kv[] = {"defaultTriggers", "[on-d]", NULL};
    struct cfg *c = config(f, kv);
    struct val obj = object(
        f, "{\"metadata\":{\"annotations\":{"
           "\"notifications.argoproj.io/subscriptions\":"
           "\"- trigger: [on-a, on-b]\\n  destinations:\\n"
           "  - service: slack\\n    recipients: [c1, ' c2']\\n"
           "- destinations:\\n  - service: teams\\n    recipients: [t]\\n"
           "- Trigger: [on-c]\\n"
           "- trigger: [on-e]\\n  destinations:\\n"
           "  - service: none\\n    recipients: []\\n\"}}}");
    struct eng_dests d;
    static const char *const ab[] = {"slack", "c1", "slack", " c2"};
    static const char *const dd[] = {"teams", "t"};
    assert_int_equal(eng_destinations(c, obj, 0, &f->a, &d), RN_OK);
    expect(&d, "on-a", ab, 2);
    expect(&d, "on-b", ab, 2);
    expect(&d, "on-d", dd, 1);
    expect(&d, "on-c", NULL, 0);
    expect(&d, "on-e", NULL, 0);
    /* YAML errors contribute nothing */
    obj = object(f, "{\"metadata\":{\"annotations\":{"
                    "\"notifications.argoproj.io/subscriptions\":"
                    "\"- trigger: on-a\\n\"}}}");
    assert_int_equal(eng_destinations(c, obj, 0, &f->a, &d), RN_OK);
    assert_int_equal(d.n, 0);
}

static void test_default_subscriptions(void **state)
{
    struct fx *f = *state;
    static const char *const kv[] = {
        "defaultTriggers",
        "[on-d]",
        "defaultTriggers.slack",
        "[on-s]",
        "subscriptions",
        "- recipients: ['slack:c1', 'webhook:https://x:1']\n"
        "  selector: app in (a, b), tier!=db\n"
        "- recipients: [teams]\n"
        "  triggers: [on-t]\n"
        "  selector: '!canary'\n"
        "- recipients: [email:e]\n"
        "  selector:\n"
        "    matchLabels: {app: a}\n"
        "    matchExpressions:\n"
        "    - {key: tier, operator: NotIn, values: [db]}\n",
        NULL};
    struct cfg *c = config(f, kv);
    struct val obj = object(
        f, "{\"metadata\":{\"labels\":{\"app\":\"a\",\"tier\":\"web\"}}}");
    struct eng_dests d;
    static const char *const dd[] = {"slack",       "c1",    "webhook",
                                     "https://x:1", "email", "e"};
    static const char *const t[] = {"teams", ""};
    assert_int_equal(eng_destinations(c, obj, 0, &f->a, &d), RN_OK);
    expect(&d, "on-d", dd, 3);
    expect(&d, "on-t", t, 1);
    expect(&d, "on-s", NULL, 0); /* per-service defaults don't apply here */
    assert_int_equal(eng_destinations(c, obj, ENG_DEST_COLON_EVERY, &f->a, &d),
                     RN_OK);
    assert_string_equal(eng_dests_find(&d, "on-d")->dests[1].recipient,
                        "https");
    obj = object(f, "{\"metadata\":{\"labels\":{\"app\":\"a\","
                    "\"tier\":\"db\",\"canary\":\"1\"}}}");
    assert_int_equal(eng_destinations(c, obj, 0, &f->a, &d), RN_OK);
    assert_int_equal(d.n, 0);
}

static void test_recipient_split(void **state)
{
    struct fx *f = *state;
    struct eng_dest d;
    assert_false(eng_parse_recipient(&f->a, "slack:chan", 0, &d));
    assert_string_equal(d.service, "slack");
    assert_string_equal(d.recipient, "chan");
    assert_false(eng_parse_recipient(&f->a, "webhook", 0, &d));
    assert_string_equal(d.service, "webhook");
    assert_string_equal(d.recipient, "");
    assert_true(eng_parse_recipient(&f->a, "a:b:c", 0, &d));
    assert_string_equal(d.recipient, "b:c");
    assert_true(eng_parse_recipient(&f->a, "a:b:c", ENG_DEST_COLON_EVERY, &d));
    assert_string_equal(d.recipient, "b");
}

static void test_selectors(void **state)
{
    struct fx *f = *state;
    struct cfg_selector *s;
    struct rn_err e;
    struct val l = object(f, "{\"a\":\"1\",\"b\":\"x\",\"n\":\"5\"}");
    static const struct {
        const char *sel;
        bool match;
    } ok[] = {
        {"", true},
        {"a=1", true},
        {"a==1", true},
        {"a!=1", false},
        {"c!=1", true},
        {"a in (1,2)", true},
        {"a notin (1)", false},
        {"a", true},
        {"!a", false},
        {"!zz", true},
        {"n>4", true},
        {"n<5", false},
        {" a = 1 , b in ( x ) ", true},
        {"x.io/k=v", false},
        {"a=", false},
        {"b in (x,)", true},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        assert_int_equal(
            cfg_selector_parse(&f->a, ok[i].sel, strlen(ok[i].sel), &s, &e),
            RN_OK);
        assert_int_equal(cfg_selector_matches(s, l), ok[i].match);
    }
    static const char *const bad[] = {"a in ()", "n>x",     "a=b c", "-a=1",
                                      "a=(",     "a in (1", "a ~ 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_not_equal(
            cfg_selector_parse(&f->a, bad[i], strlen(bad[i]), &s, &e), RN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_spec_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_annotation_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_annotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_subscriptions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_recipient_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selectors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
