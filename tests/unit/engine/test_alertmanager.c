/*
 * test_alertmanager.c: upstream's alertmanager templater rules on top of
 * the generic rendering (engine/notification.c): labels are required, a
 * label or annotation rendering to "" keeps its template text, alertname
 * defaults to the template's name, and a template without annotations
 * keeps an earlier template's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "engine/engine.h"

#include <stdio.h>
#include <string.h>

static const char *const templates[] = {
    "template.am-first",
    "alertmanager:\n"
    "  labels:\n"
    "    rollout: '{{.rollout.metadata.name}}'\n"
    "    team: '{{if false}}x{{end}}'\n"
    "  annotations:\n"
    "    summary: 'paused {{.rollout.metadata.name}}'\n"
    "    note: '{{if false}}y{{end}}'\n",
    "template.am-second",
    "alertmanager:\n"
    "  labels: {alertname: Custom, phase: '{{.rollout.status.phase}}'}\n",
    "template.am-nolabels",
    "message: hi\nalertmanager:\n  annotations: {a: b}\n",
    NULL};

static struct cfg *load(void)
{
    struct cfg_entry items[8];
    struct cfg_data d = {items, 0, "", "", 0, 0};
    struct cfg *c = NULL;
    struct rn_err e;
    for (const char *const *p = templates; p[0]; p += 2, d.n++)
        items[d.n] =
            (struct cfg_entry){p[0], strlen(p[0]), p[1], strlen(p[1]), 0, 0};
    assert_int_equal(cfg_load(&d, NULL, NULL, &c, &e), RN_OK);
    assert_int_equal(cfg_error_count(c), 0);
    return c;
}

/* Render names over a Rollout named demo; the block as JSON in b.  On
 * failure e->src names the template in src (e->src itself points into the
 * configuration, freed here). */
static int render_block(const char *const *names, size_t n, struct buf *b,
                        struct rn_err *e, char *src, size_t srclen)
{
    static const char js[] = "{\"metadata\":{\"name\":\"demo\"},"
                             "\"status\":{\"phase\":\"Paused\"}}";
    struct arena a;
    struct cfg *c = load();
    struct eng_dest d = {"alertmanager", "", NULL};
    struct notif *nt;
    struct val obj, vars;
    arena_init(&a, 0);
    assert_int_equal(json_parse(&a, js, strlen(js), NULL, &obj, e), RN_OK);
    assert_int_equal(eng_vars(c, obj, NULL, &a, &vars), RN_OK);
    assert_int_equal(eng_vars_send(&a, vars, &d, &vars), RN_OK);
    int rc = eng_notif_render(c, names, n, vars, &a, &nt, e);
    if (rc == RN_OK) {
        const struct val *blk =
            val_get_cstr(eng_notif_root(nt), "alertmanager");
        assert_non_null(blk);
        assert_int_equal(json_emit(b, *blk, NULL, e), RN_OK);
    } else {
        snprintf(src, srclen, "%s", e->src ? e->src : "");
        e->src = NULL;
    }
    cfg_unref(c);
    arena_free(&a);
    return rc;
}

static void test_defaults(void **state)
{
    static const char *const names[] = {"am-first"};
    struct buf b;
    struct rn_err e;
    char src[64];
    (void)state;
    buf_init(&b, 0);
    assert_int_equal(render_block(names, 1, &b, &e, src, sizeof src), RN_OK);
    assert_string_equal(
        buf_str(&b),
        "{\"annotations\":{\"note\":\"{{if false}}y{{end}}\","
        "\"summary\":\"paused demo\"},"
        "\"labels\":{\"alertname\":\"am-first\",\"rollout\":\"demo\","
        "\"team\":\"{{if false}}x{{end}}\"}}");
    buf_free(&b);
}

static void test_merge(void **state)
{
    static const char *const names[] = {"am-first", "am-second"};
    struct buf b;
    struct rn_err e;
    char src[64];
    (void)state;
    buf_init(&b, 0);
    assert_int_equal(render_block(names, 2, &b, &e, src, sizeof src), RN_OK);
    /* the second template's labels replace the first's; it has no
     * annotations, so the first's stay */
    assert_string_equal(buf_str(&b),
                        "{\"annotations\":{\"note\":\"{{if false}}y{{end}}\","
                        "\"summary\":\"paused demo\"},"
                        "\"labels\":{\"alertname\":\"Custom\","
                        "\"phase\":\"Paused\"}}");
    buf_free(&b);
}

static void test_labels_required(void **state)
{
    static const char *const names[] = {"am-first", "am-nolabels"};
    struct buf b;
    struct rn_err e;
    char src[64];
    (void)state;
    buf_init(&b, 0);
    assert_int_equal(render_block(names, 2, &b, &e, src, sizeof src), RN_EEXEC);
    assert_non_null(strstr(e.msg, "at least one label pair required"));
    assert_string_equal(src, "am-nolabels");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_labels_required),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
