/*
 * test_config.c: building configuration snapshots (src/config): key
 * dispatch, per-key error isolation, template and trigger decoding
 * (docs/reference/engine.md §1.2), condition keys (docs/reference/engine.md
 * §10.1), services and `$secret` substitution (docs/reference/engine.md §1.8,
 * docs/reference/engine.md §10.5), manifests (ConfigMap/Secret documents,
 * base64, stringData).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#include <stdio.h>
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

/* Load a ConfigMap manifest (and optional Secret manifest). */
static struct cfg *load(struct fx *f, const char *cm, const char *secret)
{
    struct cfg_data d, s;
    struct rn_err e;
    assert_int_equal(cfg_data_from_manifest(&f->a, cm, strlen(cm), "ConfigMap",
                                            "argo-rollouts-notification-"
                                            "configmap",
                                            "cm.yaml", &d, &e),
                     RN_OK);
    if (secret)
        assert_int_equal(cfg_data_from_manifest(&f->a, secret, strlen(secret),
                                                "Secret",
                                                "argo-rollouts-notification-"
                                                "secret",
                                                "s.yaml", &s, &e),
                         RN_OK);
    assert_int_equal(cfg_load(&d, secret ? &s : NULL, NULL, &f->c, &e), RN_OK);
    return f->c;
}

#define CM_HEAD                                                                \
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"                             \
    "  name: argo-rollouts-notification-configmap\ndata:\n"

#define SECRET_HEAD                                                            \
    "apiVersion: v1\nkind: Secret\nmetadata:\n"                                \
    "  name: argo-rollouts-notification-secret\n"

static void test_condition_keys(void **state)
{
    struct fx *f = *state;
    static const char *const vec[][2] = {
        {"", "[0].2jmj7l5rSw0yVb_vlWAYkK_YBwk"},
        {"true", "[0].X_5TO4MPCKAyY0ipFgr6_IraRNs"},
        {"rollout.spec.template.spec.containers[0].image == "
         "'argoproj/rollouts-demo:purple'",
         "[0].t1z8Nb84uioVI-rjbhbwgSRQFnU"},
        {"rollout.status.phase == 'Degraded'",
         "[0].znepfVmnAvPuvsSa8G4jaiZ4500"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof *vec; i++)
        assert_string_equal(
            cfg_condition_key(&f->a, 0, vec[i][0], strlen(vec[i][0])),
            vec[i][1]);
    assert_string_equal(cfg_condition_key(&f->a, 3, "", 0),
                        "[3].2jmj7l5rSw0yVb_vlWAYkK_YBwk");
}

static void test_keys_dispatch(void **state)
{
    struct fx *f = *state;
    struct cfg *c =
        load(f,
             CM_HEAD
             "  template.app.sync: |\n    message: hi\n"
             "  trigger.on-x: |\n    - when: 'true'\n      send: [app.sync]\n"
             "  service.slack: |\n    token: abc\n"
             "  service.webhook.hook: |\n    url: http://x\n"
             "  defaultTriggers: |\n    - on-x\n"
             "  defaultTriggers.hook: '[on-y]'\n"
             "  context: |\n    argocdUrl: x\n",
             NULL);
    const struct cfg_template *t;
    const struct cfg_trigger *tr;
    const struct cfg_service *s;
    const char *const *list;
    size_t n;
    struct rn_err e;
    assert_int_equal(cfg_error_count(c), 0);
    assert_int_equal(cfg_template_lookup(c, "app.sync", &t, &e), RN_OK);
    assert_non_null(t->message);
    assert_int_equal(cfg_trigger_lookup(c, "on-x", &tr, &e), RN_OK);
    assert_int_equal(tr->n, 1);
    assert_string_equal(tr->conds[0].when, "true");
    assert_string_equal(tr->conds[0].send[0], "app.sync");
    assert_int_equal(cfg_service_lookup(c, "hook", &s, &e), RN_OK);
    assert_string_equal(s->type, "webhook");
    assert_int_equal(cfg_service_lookup(c, "slack", &s, &e), RN_OK);
    assert_string_equal(s->type, "slack");
    assert_true(cfg_default_triggers(c, NULL, &list, &n));
    assert_int_equal(n, 1);
    assert_string_equal(list[0], "on-x");
    assert_true(cfg_default_triggers(c, "hook", &list, &n));
    assert_string_equal(list[0], "on-y");
    assert_false(cfg_default_triggers(c, "slack", &list, &n));
    assert_int_equal(cfg_service_lookup(c, "webhook", &s, &e), RN_ENOTFOUND);
    assert_string_equal(e.msg,
                        "notification service 'webhook' is not supported");
    assert_int_equal(cfg_template_lookup(c, "nope", &t, &e), RN_ENOTFOUND);
    assert_string_equal(e.msg, "template 'nope' is not supported");
    assert_int_equal(cfg_trigger_lookup(c, "on-z", &tr, &e), RN_ENOTFOUND);
    assert_string_equal(e.msg, "trigger 'on-z' is not configured");
}

/* Broken keys are isolated: the rest keeps working, every problem is
 * listed in key order with its position. */
static void test_errors_isolated(void **state)
{
    struct fx *f = *state;
    struct cfg *c =
        load(f,
             CM_HEAD "  template.bad-yaml: |\n    message: [unclosed\n"
                     "  template.bad-tpl: |\n    message: '{{.x'\n"
                     "  template.good: |\n    message: ok\n"
                     "  template.nested: |\n    message:\n      nested: map\n"
                     "  service.foo: |\n    a: b\n"
                     "  service.a.b.c: |\n    a: b\n"
                     "  trigger.bad: |\n    when: x\n"
                     "  trigger.good: |\n    - send: [good]\n",
             NULL);
    const struct cfg_template *t;
    const struct cfg_trigger *tr;
    struct rn_err e;
    assert_int_equal(cfg_error_count(c), 6);
    assert_string_equal(cfg_error_at(c, 0)->key, "service.a.b.c");
    assert_string_equal(cfg_error_at(c, 0)->msg,
                        "invalid service key; expected "
                        "'service.<type>(.<name>)' but got 'service.a.b.c'");
    assert_string_equal(cfg_error_at(c, 1)->key, "service.foo");
    assert_string_equal(cfg_error_at(c, 1)->msg,
                        "service type 'foo' is not supported");
    assert_string_equal(cfg_error_at(c, 2)->key, "template.bad-tpl");
    assert_int_equal(cfg_error_at(c, 2)->code, RN_ESYNTAX);
    assert_string_equal(cfg_error_at(c, 3)->key, "template.bad-yaml");
    assert_int_equal(cfg_error_at(c, 3)->code, RN_ECONFIG);
    assert_true(cfg_error_at(c, 3)->line > 0);
    assert_true(cfg_error_at(c, 3)->key_line > 0);
    assert_string_equal(cfg_error_at(c, 4)->key, "template.nested");
    assert_string_equal(cfg_error_at(c, 5)->key, "trigger.bad");
    assert_int_equal(cfg_template_lookup(c, "good", &t, &e), RN_OK);
    assert_int_equal(cfg_template_lookup(c, "bad-tpl", &t, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "template 'bad-tpl' is not usable"));
    assert_int_equal(cfg_trigger_lookup(c, "bad", &tr, &e), RN_ECONFIG);
    assert_int_equal(cfg_trigger_lookup(c, "good", &tr, &e), RN_OK);
    assert_string_equal(tr->conds[0].when, "");
    assert_string_equal(tr->conds[0].key, "[0].2jmj7l5rSw0yVb_vlWAYkK_YBwk");
    assert_non_null(cfg_key_error(c, "service.foo"));
    assert_null(cfg_key_error(c, "template.good"));
}

/* docs/reference/engine.md §1.2: case-insensitive fields, scalars coerced into
 * string fields. */
static void test_decode_rules(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  trigger.t: |\n"
                                 "    - WHEN: true\n"
                                 "      Send: [yes, 1, 1.5]\n"
                                 "      oncePer: 3\n"
                                 "      typo: ignored\n"
                                 "    -\n"
                                 "  trigger.empty: ''\n",
                         NULL);
    const struct cfg_trigger *t;
    struct rn_err e;
    assert_int_equal(cfg_error_count(c), 0);
    assert_int_equal(cfg_trigger_lookup(c, "t", &t, &e), RN_OK);
    assert_int_equal(t->n, 2);
    assert_string_equal(t->conds[0].when, "true");
    assert_int_equal(t->conds[0].nsend, 3);
    assert_string_equal(t->conds[0].send[0], "true");
    assert_string_equal(t->conds[0].send[1], "1");
    assert_string_equal(t->conds[0].send[2], "1.5");
    assert_string_equal(t->conds[0].once_per, "3");
    assert_non_null(t->conds[0].once_prog);
    assert_null(t->conds[1].once_prog);
    assert_int_equal(cfg_trigger_lookup(c, "empty", &t, &e), RN_OK);
    assert_int_equal(t->n, 0);
}

static void test_template_sections(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  template.t: |\n"
                                 "    message: m\n"
                                 "    slack:\n"
                                 "      attachments: '[]'\n"
                                 "      notifyBroadcast: true\n"
                                 "      deliveryPolicy: Update\n"
                                 "    webhook:\n"
                                 "      b: {method: POST, body: x}\n"
                                 "      a: {path: /p}\n"
                                 "    rocketchat: {}\n"
                                 "    opsgenie:\n"
                                 "      tags: ['{{.a}}', 2]\n",
                         NULL);
    const struct cfg_template *t;
    struct rn_err e;
    assert_int_equal(cfg_template_lookup(c, "t", &t, &e), RN_OK);
    assert_true(t->sec[CFG_SEC_SLACK]->present);
    assert_true(t->sec[CFG_SEC_SLACK]->flag);
    assert_int_equal(t->sec[CFG_SEC_SLACK]->policy, 2);
    assert_non_null(t->sec[CFG_SEC_SLACK]->text[2]);
    assert_null(t->sec[CFG_SEC_SLACK]->text[0]);
    assert_true(t->sec[CFG_SEC_WEBHOOK]->present);
    assert_int_equal(t->sec[CFG_SEC_WEBHOOK]->nhooks, 2);
    assert_string_equal(t->sec[CFG_SEC_WEBHOOK]->hooks[0].name, "a");
    assert_string_equal(t->sec[CFG_SEC_WEBHOOK]->hooks[1].method, "POST");
    assert_true(t->sec[CFG_SEC_ROCKETCHAT]->present);
    assert_null(t->sec[CFG_SEC_EMAIL]);
    assert_true(t->sec[CFG_SEC_OPSGENIE]->present);
    assert_int_equal(t->sec[CFG_SEC_OPSGENIE]->generic.n, 1);
}

/* docs/reference/engine.md §10.5 and §1.8 examples. */
static void test_secret_substitution(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  service.webhook.w: |\n"
                                 "    url: $host/x\n"
                                 "    headers:\n"
                                 "    - name: Authorization\n"
                                 "      value: Bearer $tok\n"
                                 "    key: $multi\n"
                                 "    port: 8080\n"
                                 "    other: '$tok.b ${tok} $ $$tok'\n"
                                 "    $tok: k\n",
                         SECRET_HEAD "data:\n"
                                     "  tok: czNjcjN0\n" /* s3cr3t */
                                     "stringData:\n"
                                     "  multi: \"a\\nb\"\n");
    const struct cfg_service *s;
    struct rn_err e;
    assert_int_equal(cfg_service_lookup(c, "w", &s, &e), RN_OK);
    assert_string_equal(val_get_cstr(s->opts, "url")->u.s, "$host/x");
    struct val h = val_list_at(*val_get_cstr(s->opts, "headers"), 0);
    assert_string_equal(val_get_cstr(h, "value")->u.s, "Bearer s3cr3t");
    assert_string_equal(val_get_cstr(s->opts, "key")->u.s, "a\nb");
    assert_int_equal(val_get_cstr(s->opts, "port")->kind, VAL_INT);
    assert_int_equal(val_get_cstr(s->opts, "port")->u.i, 8080);
    assert_string_equal(val_get_cstr(s->opts, "other")->u.s,
                        "s3cr3t.b ${tok} $ $s3cr3t");
    assert_non_null(val_get_cstr(s->opts, "s3cr3t"));
    /* the secrets variable holds bytes */
    struct val sec = cfg_secrets_var(c);
    const struct val *tok = val_get_cstr(sec, "tok");
    assert_non_null(tok);
    assert_int_equal(tok->kind, VAL_ARRAY);
    assert_int_equal(val_gotype(*tok), GT_LIST_BYTES);
    assert_int_equal(val_list_len(*tok), 6);
    assert_int_equal(val_list_at(*tok, 0).u.i, 's');
}

static void test_manifest_selection(void **state)
{
    struct fx *f = *state;
    static const char text[] =
        "---\n"
        "apiVersion: apps/v1\nkind: ConfigMap\nmetadata:\n"
        "  name: argo-rollouts-notification-configmap\ndata:\n  a: wrong\n"
        "---\n"
        "null\n"
        "---\n"
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": "
        "{\"name\": \"argo-rollouts-notification-configmap\", "
        "\"namespace\": \"ns1\"}, \"data\": {\"a\": \"right\"}}\n";
    struct cfg_data d;
    struct rn_err e;
    assert_int_equal(cfg_data_from_manifest(&f->a, text, strlen(text),
                                            "ConfigMap",
                                            "argo-rollouts-notification-"
                                            "configmap",
                                            "f.yaml", &d, &e),
                     RN_OK);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].value, "right");
    assert_string_equal(d.namespace, "ns1");
    assert_int_equal(cfg_data_from_manifest(&f->a, text, strlen(text), "Secret",
                                            "x", "f.yaml", &d, &e),
                     RN_ENOTFOUND);
    assert_string_equal(e.msg, "file 'f.yaml' does not have '/Secret/x'");
    static const char bad[] = SECRET_HEAD "data:\n  k: '!!!'\n";
    assert_int_equal(cfg_data_from_manifest(&f->a, bad, strlen(bad), "Secret",
                                            "argo-rollouts-notification-"
                                            "secret",
                                            "s.yaml", &d, &e),
                     RN_ECONFIG);
}

/* Deep, wide and malformed manifests: linear time, positions in every
 * error, a clear message at the depth limit. */
static void test_manifest_bounds(void **state)
{
    struct fx *f = *state;
    struct cfg_data d;
    struct rn_err e;
    const char *cm_name = "argo-rollouts-notification-configmap";
    size_t deep = 40000, wide = 100000;
    char *text = rn_malloc(wide * 32 + 256);
    assert_non_null(text);
    /* 40,000 levels under a key nobody reads */
    size_t n = (size_t)snprintf(text, 256, "%sunused: ", CM_HEAD);
    memset(text + n, '[', deep);
    memset(text + n + deep, ']', deep);
    text[n + 2 * deep] = '\0';
    assert_int_equal(cfg_data_from_manifest(&f->a, text, strlen(text),
                                            "ConfigMap", cm_name, "deep.yaml",
                                            &d, &e),
                     RN_ELIMIT);
    assert_string_equal(e.msg, "yaml: nesting deeper than 1000");
    assert_int_equal(e.line, 6);
    /* 100,000 keys, one of them given twice (the later wins) */
    n = (size_t)snprintf(text, 256, "%s", CM_HEAD);
    for (size_t i = 0; i < wide; i++)
        n += (size_t)snprintf(text + n, 32, "  k%zu: v%zu\n", i, i);
    n += (size_t)snprintf(text + n, 32, "  k7: again\n");
    assert_int_equal(cfg_data_from_manifest(&f->a, text, n, "ConfigMap",
                                            cm_name, "wide.yaml", &d, &e),
                     RN_OK);
    assert_int_equal(d.n, wide);
    assert_string_equal(d.items[7].value, "again");
    assert_int_equal(d.items[wide - 1].key_line, (int)wide + 5);
    assert_int_equal(d.items[wide - 1].key_col, 3);
    assert_int_equal(d.line, 5);
    rn_free(text);
    /* bad UTF-8 on line 4: that line, not line 1 */
    static const char utf[] = "apiVersion: v1\nkind: ConfigMap\n"
                              "metadata: {name: x}\ndata: {a: \"\xff\"}\n";
    assert_int_equal(cfg_data_from_manifest(&f->a, utf, strlen(utf),
                                            "ConfigMap", "x", "u.yaml", &d, &e),
                     RN_ECONFIG);
    assert_string_equal(e.msg, "yaml: invalid leading UTF-8 octet");
    assert_int_equal(e.line, 4);
    assert_int_equal(e.col, 12);
    assert_string_equal(e.src, "u.yaml");
}

/* Aliases in data, and what data may not be. */
static void test_manifest_shapes(void **state)
{
    struct fx *f = *state;
    struct cfg_data d;
    struct rn_err e;
    static const char alias[] = CM_HEAD "  a: &x one\n  b: *x\n";
    assert_int_equal(cfg_data_from_manifest(&f->a, alias, strlen(alias),
                                            "ConfigMap",
                                            "argo-rollouts-notification-"
                                            "configmap",
                                            "a.yaml", &d, &e),
                     RN_OK);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.items[1].value, "one");
    static const char *const bad[] = {
        CM_HEAD "  a: *nowhere\n",
        CM_HEAD "  a: [1]\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        "  name: argo-rollouts-notification-configmap\ndata: [a]\n",
    };
    static const char *const want[] = {
        "yaml: unknown anchor 'nowhere' referenced",
        "data values must be strings",
        "data must be a map of strings",
    };
    static const int line[] = {6, 6, 5};
    for (size_t i = 0; i < 3; i++) {
        assert_int_not_equal(cfg_data_from_manifest(&f->a, bad[i],
                                                    strlen(bad[i]), "ConfigMap",
                                                    "argo-rollouts-"
                                                    "notification-configmap",
                                                    "b.yaml", &d, &e),
                             RN_OK);
        assert_string_equal(e.msg, want[i]);
        assert_int_equal(e.line, line[i]);
    }
}

static void test_data_from_object(void **state)
{
    struct fx *f = *state;
    static const char js[] =
        "{\"metadata\":{\"name\":\"s\",\"namespace\":\"n\"},"
        "\"data\":{\"a\":\"aGk=\",\"b\":\"eA==\"},\"stringData\":{\"b\":\"y\"}"
        "}";
    struct val obj;
    struct cfg_data d;
    struct rn_err e;
    assert_int_equal(json_parse(&f->a, js, strlen(js), NULL, &obj, &e), RN_OK);
    assert_int_equal(cfg_data_from_object(&f->a, obj, true, &d, &e), RN_OK);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.items[0].value, "hi");
    assert_string_equal(d.items[1].value, "y");
    assert_string_equal(d.namespace, "n");
}

static void test_subscriptions(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  subscriptions: |\n"
                                 "    - recipients: [slack:c1]\n"
                                 "      triggers: [on-a]\n"
                                 "      selector: app=x, tier in (web,api)\n"
                                 "    - recipients: [\"webhook:\"]\n",
                         NULL);
    assert_int_equal(cfg_error_count(c), 0);
    assert_int_equal(cfg_subscription_count(c), 2);
    const struct cfg_subscription *s = cfg_subscription_at(c, 0);
    assert_string_equal(s->recipients[0], "slack:c1");
    assert_non_null(s->selector);
    assert_null(cfg_subscription_at(c, 1)->selector);
}

static void test_bad_subscriptions(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  subscriptions: |\n"
                                 "    - recipients:\n"
                                 "      - slack: chan\n"
                                 "  defaultTriggers.slack: |\n    on-x: y\n",
                         NULL);
    const char *const *list;
    size_t n;
    assert_int_equal(cfg_error_count(c), 2);
    assert_int_equal(cfg_subscription_count(c), 0);
    /* a broken per-service list is kept, empty */
    assert_true(cfg_default_triggers(c, "slack", &list, &n));
    assert_int_equal(n, 0);
}

static void test_duplicate_service_name(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  service.slack: 'token: a'\n"
                                 "  service.webhook.slack: 'url: b'\n",
                         NULL);
    const struct cfg_service *s;
    struct rn_err e;
    assert_int_equal(cfg_error_count(c), 1);
    assert_string_equal(cfg_error_at(c, 0)->key, "service.webhook.slack");
    assert_int_equal(cfg_service_lookup(c, "slack", &s, &e), RN_OK);
    assert_string_equal(s->type, "slack");
}

static void test_warnings(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f,
                         CM_HEAD "  trigger.t: '- send: [missing, bad]'\n"
                                 "  template.bad: \"message: '{{'\"\n"
                                 "  defaultTriggers: '[on-none]'\n"
                                 "  defaultTriggers.ghost: '[t]'\n"
                                 "  subscriptions: |\n"
                                 "    - recipients: [slack:c]\n"
                                 "      triggers: [t]\n"
                                 "  service.webhook.w: 'url: x'\n"
                                 "  trigger.u: |\n"
                                 "    - send: [missing]\n"
                                 "      when: ' '\n",
                         NULL);
    assert_int_equal(cfg_error_count(c), 2);
    assert_string_equal(cfg_error_at(c, 1)->key, "trigger.u");
    assert_int_equal(cfg_error_at(c, 1)->code, RN_ESYNTAX);
    assert_int_equal(cfg_warning_count(c), 5);
    assert_string_equal(cfg_warning_at(c, 0)->key, "trigger.t");
    assert_string_equal(cfg_warning_at(c, 0)->msg,
                        "condition [0] sends template 'missing', which is "
                        "not defined");
    assert_string_equal(cfg_warning_at(c, 1)->msg,
                        "condition [0] sends template 'bad', which has "
                        "errors");
    assert_string_equal(cfg_warning_at(c, 2)->msg,
                        "recipient 'slack:c' names service 'slack', which "
                        "is not configured");
    assert_string_equal(cfg_warning_at(c, 3)->key, "defaultTriggers");
    assert_string_equal(cfg_warning_at(c, 4)->msg,
                        "service 'ghost' is not configured");
    assert_null(cfg_warning_at(c, 5));
    cfg_unref(c);
    f->c = load(f,
                CM_HEAD "  service.webhook.w: 'url: x'\n"
                        "  subscriptions: |\n"
                        "    - recipients: ['w:https://x']\n",
                NULL);
    assert_int_equal(cfg_warning_count(f->c), 1);
    assert_non_null(strstr(cfg_warning_at(f->c, 0)->msg, "more than one"));
}

/* Every allocation failing in turn: the load ends with RN_OK or
 * RN_ENOMEM, never a crash or a leak (ASan checks at exit). */
static void test_oom(void **state)
{
    struct fx *f = *state;
    static const char cm[] = CM_HEAD
        "  template.t: |\n    message: '{{.a}}'\n    slack: {icon: x}\n"
        "    webhook: {w: {body: b}}\n    github: {status: {state: s}}\n"
        "  trigger.on-x: \"- when: a == 1\\n  oncePer: b\\n  send: [t]\"\n"
        "  service.webhook.w: 'url: $u/x'\n"
        "  subscriptions: \"- recipients: [w]\\n  selector: a in (b)\"\n"
        "  defaultTriggers: '[on-x]'\n";
    static const char sec[] = SECRET_HEAD "data:\n  u: aGk=\n";
    bool done = false;
    for (long k = 0; k < 5000 && !done; k++) {
        struct cfg_data d, s;
        struct rn_err e;
        struct cfg *c = NULL;
        rn_alloc_fail_after(k, 0);
        int rc = cfg_data_from_manifest(&f->a, cm, strlen(cm), "ConfigMap",
                                        "argo-rollouts-notification-configmap",
                                        "cm", &d, &e);
        if (rc == RN_OK)
            rc = cfg_data_from_manifest(&f->a, sec, strlen(sec), "Secret",
                                        "argo-rollouts-notification-secret",
                                        "s", &s, &e);
        if (rc == RN_OK)
            rc = cfg_load(&d, &s, NULL, &c, &e);
        done = rn_alloc_failures() == 0;
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || rc == RN_ENOMEM);
        if (done)
            assert_int_equal(cfg_error_count(c), 0);
        cfg_unref(c);
        arena_reset(&f->a);
    }
    assert_true(done);
}

static void test_refcount(void **state)
{
    struct fx *f = *state;
    struct cfg *c = load(f, CM_HEAD "  template.a: 'message: x'\n", NULL);
    assert_ptr_equal(cfg_ref(c), c);
    cfg_unref(c);
    assert_int_equal(cfg_template_count(c), 1);
    assert_non_null(cfg_template_at(c, 0));
    cfg_unref(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_condition_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_isolated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_sections, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_secret_substitution, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_manifest_selection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_from_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscriptions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_subscriptions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_service_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refcount, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
