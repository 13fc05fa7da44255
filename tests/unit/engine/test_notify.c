/*
 * test_notify.c: rendering a send list into one notification
 * (docs/reference/engine.md §4.3): unknown templates, merge rules per section,
 * upstream's JSON (field order, omitempty) and the console YAML (sorted keys,
 * quoting, literal blocks); the variables of docs/reference/engine.md §4.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "core/json.h"
#include "engine/engine.h"

#include <string.h>

struct fx {
    struct arena a;
    struct cfg *c;
    struct buf b;
};

static int setup(void **state)
{
    static struct fx f;
    static const char *const kv[] = {
        "template.a",
        "message: hello {{.rollout.metadata.name}}\n"
        "email: {subject: s}\n"
        "slack: {attachments: '[]', groupingKey: g1, notifyBroadcast: true}\n"
        "webhook:\n  w: {method: POST, body: \"a\\nb\"}\n",
        "template.b",
        "message: ''\n"
        "email: {subject: '', body: b2}\n"
        "slack: {icon: ':x:'}\n"
        "webhook:\n  v: {path: '/{{.recipient}}'}\n"
        "opsgenie: {tags: [x], priority: P1}\n",
        "template.c",
        "opsgenie: {priority: '{{.serviceType}}'}\n",
        "template.fail",
        "message: '{{template \"nope\"}}'\n",
        "template.nomsg",
        "teams: {title: t}\n",
        "template.time",
        "message: '{{(call .time.Parse \"2024-01-02T03:04:05Z\").Year}}'\n",
        "template.timebad",
        "email: {subject: '{{call .time.Parse \"x\"}}'}\n",
        NULL};
    struct cfg_entry items[12];
    struct cfg_data d = {items, 0, "", "", 0, 0};
    struct rn_err e;
    memset(&f, 0, sizeof f);
    arena_init(&f.a, 0);
    buf_init(&f.b, 0);
    for (const char *const *p = kv; p[0]; p += 2, d.n++)
        items[d.n] =
            (struct cfg_entry){p[0], strlen(p[0]), p[1], strlen(p[1]), 0, 0};
    assert_int_equal(cfg_load(&d, NULL, NULL, &f.c, &e), RN_OK);
    assert_int_equal(cfg_error_count(f.c), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cfg_unref(f->c);
    buf_free(&f->b);
    arena_free(&f->a);
    return 0;
}

static struct val vars(struct fx *f)
{
    static const char js[] = "{\"metadata\":{\"name\":\"demo\"}}";
    struct val obj, v;
    struct rn_err e;
    struct eng_dest d = {"ops", "r1", NULL};
    assert_int_equal(json_parse(&f->a, js, strlen(js), NULL, &obj, &e), RN_OK);
    assert_int_equal(eng_vars(f->c, obj, NULL, &f->a, &v), RN_OK);
    assert_non_null(val_get_cstr(v, "rollout"));
    assert_non_null(val_get_cstr(v, "secrets"));
    assert_null(val_get_cstr(v, "analysisRuns"));
    assert_int_equal(eng_vars_send(&f->a, v, &d, &v), RN_OK);
    assert_string_equal(val_get_cstr(v, "serviceType")->u.s, "ops");
    return v;
}

static void render(struct fx *f, const char *const *names, size_t n,
                   struct notif **out)
{
    struct rn_err e;
    assert_int_equal(eng_notif_render(f->c, names, n, vars(f), &f->a, out, &e),
                     RN_OK);
}

static void test_single(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"a"};
    struct notif *n;
    render(f, names, 1, &n);
    assert_int_equal(eng_notif_json(n, &f->b), RN_OK);
    assert_string_equal(
        buf_str(&f->b),
        "{\"message\":\"hello demo\",\"email\":{\"subject\":\"s\"},"
        "\"slack\":{\"attachments\":\"[]\",\"groupingKey\":\"g1\","
        "\"notifyBroadcast\":true,\"deliveryPolicy\":\"Post\"},"
        "\"webhook\":{\"w\":{\"method\":\"POST\",\"body\":\"a\\nb\","
        "\"path\":\"\"}}}");
    buf_reset(&f->b);
    assert_int_equal(eng_notif_yaml(n, &f->b), RN_OK);
    assert_string_equal(buf_str(&f->b), "email:\n"
                                        "  subject: s\n"
                                        "message: hello demo\n"
                                        "slack:\n"
                                        "  attachments: '[]'\n"
                                        "  deliveryPolicy: Post\n"
                                        "  groupingKey: g1\n"
                                        "  notifyBroadcast: true\n"
                                        "webhook:\n"
                                        "  w:\n"
                                        "    body: |-\n"
                                        "      a\n"
                                        "      b\n"
                                        "    method: POST\n"
                                        "    path: \"\"\n");
}

static void test_merge(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"a", "b", "c"};
    struct notif *n;
    render(f, names, 3, &n);
    assert_int_equal(eng_notif_json(n, &f->b), RN_OK);
    assert_string_equal(
        buf_str(&f->b),
        "{\"message\":\"hello demo\",\"email\":{\"subject\":\"s\","
        "\"body\":\"b2\"},\"slack\":{\"icon\":\":x:\",\"groupingKey\":\"\","
        "\"notifyBroadcast\":false,\"deliveryPolicy\":\"Post\"},"
        "\"webhook\":{\"v\":{\"method\":\"\",\"body\":\"\",\"path\":\"/r1\"},"
        "\"w\":{\"method\":\"POST\",\"body\":\"a\\nb\",\"path\":\"\"}},"
        "\"opsgenie\":{\"priority\":\"ops\",\"tags\":[\"x\"]}}");
    struct val root = eng_notif_root(n);
    assert_string_equal(
        val_get_cstr(*val_get_cstr(root, "slack"), "username")->u.s, "");
}

static void test_errors(void **state)
{
    struct fx *f = *state;
    static const char *const unknown[] = {"a", "zz"};
    static const char *const fail[] = {"fail"};
    struct notif *n;
    struct rn_err e;
    assert_int_equal(eng_notif_render(f->c, unknown, 2, vars(f), &f->a, &n, &e),
                     RN_ENOTFOUND);
    assert_string_equal(e.msg, "template 'zz' is not supported");
    assert_int_equal(eng_notif_render(f->c, fail, 1, vars(f), &f->a, &n, &e),
                     RN_EEXEC);
    assert_non_null(strstr(e.msg, "nope"));
    static const char *const tm[] = {"time", "timebad"};
    assert_int_equal(eng_notif_render(f->c, tm, 1, vars(f), &f->a, &n, &e),
                     RN_OK);
    assert_string_equal(val_get_cstr(eng_notif_root(n), "message")->u.s,
                        "2024");
    assert_int_equal(eng_notif_render(f->c, tm, 2, vars(f), &f->a, &n, &e),
                     RN_EEXEC);
    /* expr's `time` (condition variables) is swapped for the template one */
    struct val ev;
    assert_int_equal(eng_vars(f->c, val_null(), NULL, &f->a, &ev), RN_OK);
    assert_int_equal(eng_notif_render(f->c, tm, 1, ev, &f->a, &n, &e), RN_OK);
    assert_string_equal(val_get_cstr(eng_notif_root(n), "message")->u.s,
                        "2024");
    assert_non_null(strstr(e.msg, "cannot parse"));
}

static void test_empty_sections(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"nomsg"};
    struct notif *n;
    render(f, names, 1, &n);
    assert_int_equal(eng_notif_json(n, &f->b), RN_OK);
    assert_string_equal(buf_str(&f->b), "{\"teams\":{\"title\":\"t\"}}");
    buf_reset(&f->b);
    n = eng_notif_new(&f->a);
    assert_int_equal(eng_notif_json(n, &f->b), RN_OK);
    assert_string_equal(buf_str(&f->b), "{}");
    buf_reset(&f->b);
    assert_int_equal(eng_notif_yaml(n, &f->b), RN_OK);
    assert_string_equal(buf_str(&f->b), "{}\n");
}

static void test_analysis_runs(void **state)
{
    struct fx *f = *state;
    static const char *const js[] = {
        "{\"metadata\":{\"annotations\":{\"rollout.argoproj.io/"
        "revision\":\"2\"}},\"status\":{\"currentPodHash\":\"h1\"}}",
        "{\"metadata\":{\"name\":\"old\",\"creationTimestamp\":"
        "\"2024-01-01T00:00:00Z\",\"labels\":{\"rollouts-pod-template-"
        "hash\":\"h1\"},\"annotations\":{\"rollout.argoproj.io/revision\":"
        "\"2\"}}}",
        "{\"metadata\":{\"name\":\"new\",\"creationTimestamp\":"
        "\"2024-02-01T00:00:00Z\",\"labels\":{\"rollouts-pod-template-"
        "hash\":\"h1\"},\"annotations\":{\"rollout.argoproj.io/revision\":"
        "\"2\"}}}",
        "{\"metadata\":{\"name\":\"rev1\",\"labels\":{\"rollouts-pod-"
        "template-hash\":\"h1\"}}}",
        "{\"metadata\":{\"name\":\"other\",\"labels\":{\"rollouts-pod-"
        "template-hash\":\"h2\"}}}",
    };
    struct val v[5], out;
    struct rn_err e;
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(
            json_parse(&f->a, js[i], strlen(js[i]), NULL, &v[i], &e), RN_OK);
    assert_int_equal(eng_analysis_runs(&f->a, v[0], v + 1, 4, &out), RN_OK);
    assert_int_equal(out.kind, VAL_ARRAY);
    assert_int_equal(val_list_len(out), 2);
    assert_string_equal(
        val_get_cstr(*val_get_cstr(val_list_at(out, 0), "metadata"), "name")
            ->u.s,
        "new");
    /* no labelled run: nil; labelled but other revisions: empty list */
    assert_int_equal(eng_analysis_runs(&f->a, v[0], v + 4, 1, &out), RN_OK);
    assert_int_equal(out.kind, VAL_NULL);
    assert_int_equal(eng_analysis_runs(&f->a, v[0], v + 3, 1, &out), RN_OK);
    assert_int_equal(out.kind, VAL_ARRAY);
    assert_int_equal(val_list_len(out), 0);
    assert_int_equal(eng_vars(f->c, v[0], &out, &f->a, &out), RN_OK);
    assert_non_null(val_get_cstr(out, "analysisRuns"));
}

/* go-yaml v2's key order and quoting through goyaml_emit. */
static void test_yaml_values(void **state)
{
    struct fx *f = *state;
    static const char js[] =
        "{\"a10\":1,\"a9\":2.5,\"A\":true,\"_x\":null,\"b\":\"yes\","
        "\"c\":\"123\",\"d\":\"\",\"e\":\"plain text\",\"f\":[1,\"x\"],"
        "\"g\":{},\"h\":[],\"k01\":0,\"k1\":0,\"0.5\":\"~\","
        "\"t1\":\"2024-01-01\",\"t2\":\"1:30\",\"t3\":\"0x1F\","
        "\"t4\":\"1_000\",\"t5\":\"12ab\",\"t6\":\".5\",\"t7\":\"<<\"}";
    struct val v;
    struct rn_err e;
    assert_int_equal(json_parse(&f->a, js, strlen(js), NULL, &v, &e), RN_OK);
    assert_int_equal(goyaml_emit(&f->b, v), RN_OK);
    assert_string_equal(buf_str(&f->b), "_x: null\n"
                                        "\"0.5\": \"~\"\n"
                                        "A: true\n"
                                        "a9: 2.5\n"
                                        "a10: 1\n"
                                        "b: \"yes\"\n"
                                        "c: \"123\"\n"
                                        "d: \"\"\n"
                                        "e: plain text\n"
                                        "f:\n"
                                        "- 1\n"
                                        "- x\n"
                                        "g: {}\n"
                                        "h: []\n"
                                        "k1: 0\n"
                                        "k01: 0\n"
                                        "t1: \"2024-01-01\"\n"
                                        "t2: \"1:30\"\n"
                                        "t3: \"0x1F\"\n"
                                        "t4: \"1_000\"\n"
                                        "t5: 12ab\n"
                                        "t6: \".5\"\n"
                                        "t7: \"<<\"\n");
}

/* Digit runs longer than 18 digits wrap in v2's int64 accumulator; the
 * wrapped values decide the order (k923... before k12..., and 2^63 wraps to
 * the most negative value), without
 * signed overflow (UBSan checks that in the sanitizer build). */
static void test_yaml_key_wrap(void **state)
{
    struct fx *f = *state;
    static const char js[] = "{\"k12345678901234567890123\":1,"
                             "\"k92345678901234567890123\":2,"
                             "\"k9223372036854775808\":3}";
    struct val v;
    struct rn_err e;
    assert_int_equal(json_parse(&f->a, js, strlen(js), NULL, &v, &e), RN_OK);
    assert_int_equal(goyaml_emit(&f->b, v), RN_OK);
    assert_string_equal(buf_str(&f->b), "k92345678901234567890123: 2\n"
                                        "k9223372036854775808: 3\n"
                                        "k12345678901234567890123: 1\n");
}

/* Allocation failures while rendering and printing: RN_OK or RN_ENOMEM
 * (a render error carrying the out-of-memory text is fine too). */
static void test_oom(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"a", "b", "c"};
    struct val v = vars(f);
    bool done = false;
    for (long k = 0; k < 5000 && !done; k++) {
        struct arena a;
        struct notif *n;
        struct rn_err e;
        struct buf b;
        arena_init(&a, 0);
        buf_init(&b, 0);
        rn_alloc_fail_after(k, 0);
        int rc = eng_notif_render(f->c, names, 3, v, &a, &n, &e);
        if (rc == RN_OK)
            rc = eng_notif_json(n, &b);
        if (rc == RN_OK)
            rc = eng_notif_yaml(n, &b);
        done = rn_alloc_failures() == 0;
        rn_alloc_fail_after(-1, 0);
        assert_true(rc == RN_OK || rc == RN_ENOMEM || rc == RN_EEXEC);
        assert_true(done ? rc == RN_OK : true);
        buf_free(&b);
        arena_free(&a);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analysis_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_yaml_key_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
