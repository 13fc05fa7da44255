/*
 * test_rollouts.c: what the controller remembers per Rollout, and what it
 * must not (src/controller/rollouts.c, conditions.c, moments.c):
 *  - a version superseded only by rnotify's own state annotations is not
 *    kept: its resourceVersion names the version that replaced it, and a
 *    chain of such writes ends on one doc;
 *  - a version superseded by a real change is kept, and found by its
 *    resourceVersion;
 *  - evaluating the conditions of an idle Rollout leaves no record
 *    behind (a resync of every Rollout costs nothing lasting), while a
 *    condition that sends makes one;
 *  - the lifecycle moments of a Rollout take room as they come.
 * The controller is assembled by hand on a loop that never runs: an
 * informer over a kubeconfig nobody serves (its store stays empty), a
 * configuration built from key/value pairs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "controller/controller_int.h"
#include "core/alloc.h"
#include "core/doc.h"
#include "core/json.h"
#include "kube/kube.h"
#include "kube/kube_int.h"

#include <stdio.h>
#include <string.h>

struct fx {
    struct ctl c;
    struct kube_client *k;
    struct ctl_conf *conf;
};

static void nop_obj(void *ud, struct doc *d)
{
    (void)ud, (void)d;
}

static void nop_upd(void *ud, struct doc *o, struct doc *d)
{
    (void)ud, (void)o, (void)d;
}

static int setup(void **state)
{
    static struct fx f;
    static const char kc[] =
        "apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster:\n"
        "    server: http://127.0.0.1:1\ncontexts:\n- name: x\n  context:\n"
        "    cluster: x\n    user: x\nusers:\n- name: x\n  user: {}\n"
        "current-context: x\n";
    struct kube_config *cfg;
    struct rn_err e;
    memset(&f, 0, sizeof f);
    map_init(&f.c.ros);
    map_init(&f.c.confs);
    map_init(&f.c.ev_triggers);
    arena_init(&f.c.scratch, 0);
    f.c.config_ns = "argo-rollouts";
    assert_int_equal(kube_loop_new(&f.c.loop), RN_OK);
    assert_int_equal(
        kube_config_parse(kc, sizeof kc - 1, "/nonexistent/kc", NULL, &cfg, &e),
        RN_OK);
    assert_int_equal(kube_client_new(cfg, &f.k, &e), RN_OK);
    struct kube_informer_opts io = {.res = &kube_res_rollouts,
                                    .nums = JSON_NUM_INT64,
                                    .h = {nop_obj, nop_upd, nop_obj, NULL}};
    assert_int_equal(kube_informer_start(f.k, f.c.loop, &io, &f.c.ro, &e),
                     RN_OK);
    assert_int_equal(ctl_event_triggers_init(&f.c), RN_OK);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ctl_ros_free(&f->c);
    kube_informer_free(f->c.ro);
    if (f->conf)
        ctl_conf_unref(f->conf);
    map_free(&f->c.confs);
    map_free(&f->c.ev_triggers);
    arena_free(&f->c.scratch);
    kube_client_free(f->k);
    kube_loop_free(f->c.loop);
    return 0;
}

/* The bench's shape in miniature: rv, an annotation map, a spec. */
static struct doc *rollout(const char *rv, const char *state, int replicas)
{
    char json[1024];
    struct rn_err e;
    snprintf(
        json, sizeof json,
        "{\"metadata\":{\"name\":\"r\",\"namespace\":\"default\","
        "\"resourceVersion\":\"%s\",\"annotations\":{\"team\":\"a\"%s%s%s}},"
        "\"spec\":{\"replicas\":%d}}",
        rv, state ? ",\"" CTL_NOTIFIED_EVENTS "\":\"" : "", state ? state : "",
        state ? "\"" : "", replicas);
    struct json_opts jo = {.nums = JSON_NUM_INT64};
    struct doc *d = json_parse_doc(json, strlen(json), &jo, &e);
    assert_non_null(d);
    return d;
}

static int refs(struct doc *d)
{
    return atomic_load(&d->refs);
}

static void test_state_writes_keep_no_version(void **state)
{
    struct fx *f = *state;
    struct ctl *c = &f->c;
    struct doc *v1 = rollout("10", NULL, 3);
    struct doc *v2 = rollout("11", "{k1}", 3);    /* rnotify recorded one */
    struct doc *v3 = rollout("12", "{k1,k2}", 3); /* and another */
    ctl_ro_version(c, v1, v2);
    struct ctl_ro *r = ctl_ro_get(c, "default", "r", false);
    assert_non_null(r);
    assert_int_equal(r->nold, 1);
    assert_ptr_equal(r->old[0], v2); /* not v1 */
    assert_ptr_equal(ctl_ro_version_at(c, "default", "r", "10"), v2);
    ctl_ro_version(c, v2, v3);
    assert_int_equal(r->nold, 2);
    assert_ptr_equal(r->old[0], v3);
    assert_ptr_equal(r->old[1], v3); /* moved on from v2 */
    assert_ptr_equal(ctl_ro_version_at(c, "default", "r", "10"), v3);
    assert_ptr_equal(ctl_ro_version_at(c, "default", "r", "11"), v3);
    assert_int_equal(refs(v1), 1); /* only ours */
    assert_int_equal(refs(v2), 1);
    doc_unref(v1);
    doc_unref(v2);
    doc_unref(v3);
}

static void test_real_changes_keep_versions(void **state)
{
    struct fx *f = *state;
    struct ctl *c = &f->c;
    struct doc *v1 = rollout("20", NULL, 3);
    struct doc *v2 = rollout("21", NULL, 5); /* Argo changed the spec */
    struct doc *v3 = rollout("22", "{k}", 5);
    ctl_ro_version(c, v1, v2);
    ctl_ro_version(c, v2, v3);
    struct ctl_ro *r = ctl_ro_get(c, "default", "r", false);
    assert_int_equal(r->nold, 2);
    assert_ptr_equal(ctl_ro_version_at(c, "default", "r", "20"), v1);
    assert_ptr_equal(ctl_ro_version_at(c, "default", "r", "21"), v3);
    /* an unknown version: the nearest older one kept */
    assert_ptr_equal(ctl_ro_version_at(c, "default", "r", "25"), v3);
    assert_int_equal(refs(v1), 2);
    doc_unref(v1);
    doc_unref(v2);
    doc_unref(v3);
}

/* A configuration with one condition trigger, subscribed by default. */
static void configure(struct fx *f, const char *when)
{
    char trig[256];
    snprintf(trig, sizeof trig, "- send: [t]\n  when: %s\n", when);
    const char *kv[][2] = {
        {"template.t", "message: hi"},
        {"trigger.on-replicas", trig},
        {"service.webhook.hook", "url: http://127.0.0.1:1/"},
        {"subscriptions", "- recipients: [hook]\n  triggers: [on-replicas]\n"},
    };
    struct cfg_entry items[4];
    struct cfg_data d = {items, 4, "", "", 0, 0};
    struct rn_err e;
    for (size_t i = 0; i < 4; i++)
        items[i] = (struct cfg_entry){kv[i][0], strlen(kv[i][0]), kv[i][1],
                                      strlen(kv[i][1]), 0, 0};
    struct ctl_conf *conf = rn_calloc(1, sizeof *conf);
    assert_non_null(conf);
    conf->refs = 1;
    conf->ns = "argo-rollouts";
    arena_init(&conf->a, 0);
    assert_int_equal(cfg_load(&d, NULL, NULL, &conf->cfg, &e), RN_OK);
    assert_int_equal(cfg_error_count(conf->cfg), 0);
    assert_int_equal(map_put(&f->c.confs, "argo-rollouts", 13, conf, NULL),
                     RN_OK);
    f->conf = conf;
    f->c.acting = true;
}

static void test_idle_evaluation_leaves_no_record(void **state)
{
    struct fx *f = *state;
    struct doc *ro = rollout("30", NULL, 3);
    configure(f, "rollout.spec.replicas == 99");
    ctl_conditions(&f->c, ro);
    ctl_conditions(&f->c, ro);
    assert_int_equal(map_len(&f->c.ros), 0);
    doc_unref(ro);
}

static void test_sending_condition_makes_a_record(void **state)
{
    struct fx *f = *state;
    struct doc *ro = rollout("31", NULL, 3);
    configure(f, "rollout.spec.replicas == 3");
    ctl_conditions(&f->c, ro); /* no such service instance: not queued */
    assert_int_equal(map_len(&f->c.ros), 1);
    doc_unref(ro);
}

static void test_moments_grow_on_demand(void **state)
{
    struct fx *f = *state;
    struct ctl *c = &f->c;
    struct ctl_ro *r = ctl_ro_get(c, "default", "r", true);
    char occ[32];
    assert_non_null(r);
    assert_false(ctl_moments_event(c, r, "u1:1:", "RolloutPaused", 1000));
    assert_int_equal(r->nmo, 1);
    assert_true(r->capmo < CTL_MAX_MOMENTS);
    for (int i = 0; i < CTL_MAX_MOMENTS + 5; i++) {
        snprintf(occ, sizeof occ, "u%d:1:", i + 2);
        ctl_moments_event(c, r, occ, "RolloutPaused", 1000 + i);
    }
    assert_int_equal(r->nmo, CTL_MAX_MOMENTS);
    assert_int_equal(r->capmo, CTL_MAX_MOMENTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_state_writes_keep_no_version,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_changes_keep_versions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idle_evaluation_leaves_no_record,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_sending_condition_makes_a_record,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_moments_grow_on_demand, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
