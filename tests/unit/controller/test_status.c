/*
 * test_status.c: the status page's data (src/controller/status.c) and its
 * serving (httpd.c), on a controller record with a real loop and no
 * cluster: the decision ring keeps the newest 200, newest first; the
 * condition path lists an outcome only when it changes; strings come out
 * escaped and cut at a character boundary; config problems keep their
 * positions and say which key kept its last good value; the page and its
 * JSON carry the Content-Security-Policy and nosniff; without
 * --status-addr the hooks do nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "controller/controller_int.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "http_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS "argo-rollouts"

static struct ctl c;
static struct arena a;

static int setup(void **state)
{
    struct rn_err e;
    (void)state;
    memset(&c, 0, sizeof c);
    rn_err_clear(&e);
    arena_init(&a, 0);
    map_init(&c.confs);
    c.config_ns = NS;
    c.o.config_map = "argo-rollouts-notification-configmap";
    c.o.identity = "replica-a";
    c.o.metrics_addr = c.o.status_addr = "127.0.0.1:0";
    assert_int_equal(kube_loop_new(&c.loop), RN_OK);
    /* the page beside /metrics: the same address */
    assert_int_equal(ctl_httpd_start("127.0.0.1:0", NULL, NULL, &c.hm, &e),
                     RN_OK);
    assert_int_equal(ctl_status_start(&c), RN_OK);
    assert_non_null(c.status);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ctl_httpd_stop(c.hm);
    ctl_status_free(&c);
    map_free(&c.confs);
    kube_loop_free(c.loop);
    arena_free(&a);
    return 0;
}

/* Refresh, then the part's JSON parsed (raw: its text, if wanted). */
static struct val part(const char *name, const char *key, struct buf *raw)
{
    struct buf b;
    struct val v;
    struct rn_err e;
    rn_err_clear(&e);
    buf_init(&b, 0);
    ctl_status_refresh(&c);
    assert_int_equal(ctl_status_json(c.status, name, &b), RN_OK);
    assert_int_equal(json_parse(&a, b.ptr, b.len, NULL, &v, &e), RN_OK);
    if (raw)
        buf_add(raw, b.ptr, b.len);
    buf_free(&b);
    const struct val *x = val_get_cstr(v, key);
    assert_non_null(x);
    return *x;
}

static const char *str(struct val obj, const char *key)
{
    const struct val *x = val_get_cstr(obj, key);
    assert_non_null(x);
    assert_int_equal(x->kind, VAL_STRING);
    return val_str_ptr(*x);
}

static double num(struct val obj, const char *key)
{
    const struct val *x = val_get_cstr(obj, key);
    assert_non_null(x);
    return x->kind == VAL_INT ? (double)x->u.i : x->u.f;
}

static void decide(enum ctl_path path, const char *name, const char *cond,
                   const struct eng_dest *d, enum ctl_why why,
                   const char *detail)
{
    static struct eng_dest one = {"sink", "", NULL};
    static struct eng_trigger_dests td = {"on-x", &one, 1, 1};
    struct ctl_about ab = {path, "default", name,           "on-x",
                           NULL, d,         d ? NULL : &td, cond};
    ctl_status_decision(&c, &ab, why, detail);
}

static void ring_keeps_the_newest(void **state)
{
    (void)state;
    struct eng_dest d = {"slack", "deploys", NULL};
    for (int i = 0; i < 250; i++) {
        char detail[16];
        snprintf(detail, sizeof detail, "n=%d", i);
        decide(CTL_PATH_EVENT, "ro", NULL, &d, CTL_WHY_QUEUED, detail);
    }
    struct val list = part("decisions", "decisions", NULL);
    assert_int_equal(val_list_len(list), 200);
    struct val first = val_list_at(list, 0), last = val_list_at(list, 199);
    assert_string_equal(str(first, "detail"), "n=249");
    assert_string_equal(str(last, "detail"), "n=50");
    assert_string_equal(str(first, "outcome"), "queued");
    assert_string_equal(str(first, "path"), "event");
    struct val dests = *val_get_cstr(first, "destinations");
    assert_string_equal(val_str_ptr(val_list_at(dests, 0)), "slack:deploys");
    assert_true(val_get_cstr(first, "sent")->u.b);
}

/* Outcomes of the condition path, newest first. */
static void outcomes(const char *name, const char **want, size_t n)
{
    struct val list = part("decisions", "decisions", NULL);
    size_t got = 0;
    for (size_t i = 0; i < val_list_len(list); i++) {
        struct val d = val_list_at(list, i);
        if (strcmp(str(d, "rollout"), name) != 0)
            continue;
        assert_true(got < n);
        assert_string_equal(str(d, "outcome"), want[got]);
        got++;
    }
    assert_int_equal(got, n);
}

static void condition_path_lists_changes(void **state)
{
    (void)state;
    struct eng_dest d = {"sink", "", NULL};
    for (int i = 0; i < 3; i++) /* false, on every resync */
        decide(CTL_PATH_COND, "cond", "[0].k", NULL, CTL_WHY_FALSE, NULL);
    const char *once[] = {"condition-false"};
    outcomes("cond", once, 1);
    decide(CTL_PATH_COND, "cond", "[0].k", &d, CTL_WHY_QUEUED, NULL);
    decide(CTL_PATH_COND, "cond", "[0].k", &d, CTL_WHY_ALREADY, NULL);
    decide(CTL_PATH_COND, "cond", "[0].k", &d, CTL_WHY_ALREADY, NULL);
    decide(CTL_PATH_COND, "cond", "[0].k", NULL, CTL_WHY_FALSE, NULL);
    decide(CTL_PATH_COND, "cond", "[0].k", NULL, CTL_WHY_FALSE, NULL);
    const char *want[] = {"condition-false", "already-notified", "queued",
                          "condition-false"};
    outcomes("cond", want, 4);
    /* the event path lists every occurrence */
    decide(CTL_PATH_EVENT, "ev", NULL, NULL, CTL_WHY_NO_DEST, NULL);
    decide(CTL_PATH_EVENT, "ev", NULL, NULL, CTL_WHY_NO_DEST, NULL);
    const char *twice[] = {"no-destination", "no-destination"};
    outcomes("ev", twice, 2);
}

static void strings_escaped_and_cut(void **state)
{
    (void)state;
    char name[700] = "<script>alert(1)</script>!"; /* even: é straddles */
    for (size_t n = strlen(name); n + 2 < sizeof name; n += 2)
        memcpy(name + n, "\xc3\xa9", 3); /* é, then the NUL */
    struct eng_dest d = {"sink", "\"><img src=x onerror=alert(1)>", NULL};
    decide(CTL_PATH_EVENT, name, NULL, &d, CTL_WHY_ERROR, "a & b");
    struct buf raw;
    buf_init(&raw, 0);
    struct val list = part("decisions", "decisions", &raw);
    assert_null(memchr(raw.ptr, '<', raw.len));
    assert_null(memchr(raw.ptr, '>', raw.len));
    assert_non_null(strstr(raw.ptr, "\\u003cscript\\u003e"));
    buf_free(&raw);
    struct val x = val_list_at(list, 0);
    const char *got = str(x, "rollout"); /* parsed: valid UTF-8 */
    assert_true(strlen(got) < 254 && strlen(got) > 200);
    assert_memory_equal(got, name, strlen(got));
    assert_string_equal(str(x, "detail"), "a & b");
    assert_string_equal(
        val_str_ptr(val_list_at(*val_get_cstr(x, "destinations"), 0)),
        "sink:\"><img src=x onerror=alert(1)>");
}

static void deliveries_recorded(void **state)
{
    (void)state;
    struct ctl_item *it = ctl_item_new();
    assert_non_null(it);
    struct ctl_rec *rec = arena_zalloc(&it->a, sizeof *rec);
    rec->path = CTL_PATH_COND;
    rec->ns = "shop";
    rec->name = "cart";
    rec->trigger = "on-purple";
    it->ud = rec;
    it->dest.service = "slack";
    it->dest.recipient = "deploys";
    it->attempts = 3;
    it->enqueued_ms = kube_loop_now(c.loop);
    snprintf(it->last_error, sizeof it->last_error, "503 Service Unavailable");
    ctl_status_delivered(&c, it, false, NULL);
    ctl_item_free(it);
    struct val x = val_list_at(part("deliveries", "deliveries", NULL), 0);
    assert_string_equal(str(x, "rollout"), "cart");
    assert_string_equal(str(x, "path"), "condition");
    assert_string_equal(str(x, "result"), "failed");
    assert_string_equal(str(x, "error"), "503 Service Unavailable");
    assert_int_equal((int)num(x, "attempts"), 3);
    struct val q = part("deliveries", "queue", NULL);
    assert_int_equal((int)num(q, "depth"), 0);
}

static void config_problems(void **state)
{
    (void)state;
    struct cfg_entry items[] = {
        {"template.a", 10, "message: |\n  ok\n  {{ .x\n", 22, 0, 0},
        {"template.b", 10, "message: fine\n", 14, 0, 0}};
    struct cfg_data cm = {items, 2, "cm", NS, 0, 0};
    struct cfg_opts o = {NS, false, false};
    struct cfg *cfg = NULL;
    struct rn_err e;
    rn_err_clear(&e);
    assert_int_equal(cfg_load(&cm, NULL, &o, &cfg, &e), RN_OK);
    assert_true(cfg_error_count(cfg) == 1);
    const struct cfg_error *ce = cfg_error_at(cfg, 0);
    char problems[512];
    snprintf(problems, sizeof problems, "%s: %s\nservice.slack: boom\n",
             ce->key, ce->msg);
    ctl_status_config(&c, NS, cfg);
    ctl_status_config_done(&c, NS, problems, "template.a");
    cfg_unref(cfg);
    struct val list = part("config", "config", NULL);
    assert_int_equal(val_list_len(list), 1);
    struct val ns = val_list_at(list, 0);
    assert_string_equal(str(ns, "namespace"), NS);
    assert_false(val_get_cstr(ns, "loaded")->u.b);
    struct val errs = *val_get_cstr(ns, "errors");
    assert_int_equal(val_list_len(errs), 2);
    struct val e0 = val_list_at(errs, 0), e1 = val_list_at(errs, 1);
    assert_string_equal(str(e0, "key"), "template.a");
    assert_int_equal((int)num(e0, "line"), 2);
    assert_true(val_get_cstr(e0, "keptLastGood")->u.b);
    assert_string_equal(str(e1, "key"), "service.slack");
    assert_string_equal(str(e1, "message"), "boom");
    assert_int_equal((int)num(e1, "line"), 0);
    assert_false(val_get_cstr(e1, "keptLastGood")->u.b);
    /* fixed: the list empties */
    ctl_status_config_done(&c, NS, "", "");
    ns = val_list_at(part("config", "config", NULL), 0);
    assert_int_equal(val_list_len(*val_get_cstr(ns, "errors")), 0);
}

static void serves_the_page(void **state)
{
    (void)state;
    static const struct {
        const char *path, *type;
        long code;
    } want[] = {
        {"/", "text/html; charset=utf-8", 200},
        {"/status.js", "text/javascript; charset=utf-8", 200},
        {"/status.css", "text/css; charset=utf-8", 200},
        {"/api/status", "application/json; charset=utf-8", 200},
        {"/api/leader", "application/json; charset=utf-8", 200},
        {"/api/nothing", "text/plain; charset=utf-8", 404},
    };
    struct got g;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        fetch("127.0.0.1", ctl_httpd_port(c.hm), "GET", want[i].path, &g);
        assert_int_equal(g.code, want[i].code);
        assert_string_equal(g.type, want[i].type);
        assert_non_null(strstr(g.csp, "default-src 'none'"));
        assert_non_null(strstr(g.csp, "script-src 'self'"));
        assert_null(strstr(g.csp, "unsafe"));
        assert_string_equal(g.nosniff, "nosniff");
        assert_true(g.n > 0);
    }
    fetch("127.0.0.1", ctl_httpd_port(c.hm), "POST", "/api/status", &g);
    assert_int_equal(g.code, 405);
    struct val l = part("leader", "leader", NULL);
    assert_false(val_get_cstr(l, "election")->u.b);
    assert_true(val_get_cstr(l, "leading")->u.b);
    assert_string_equal(str(l, "identity"), "replica-a");
}

static void off_without_the_flag(void **state)
{
    (void)state;
    struct ctl off;
    struct eng_dest d = {"sink", "", NULL};
    struct ctl_about ab = {CTL_PATH_EVENT, "ns", "ro", "on-x",
                           NULL,           &d,   NULL, NULL};
    memset(&off, 0, sizeof off);
    assert_int_equal(ctl_status_start(&off), RN_OK);
    assert_null(off.status);
    ctl_status_decision(&off, &ab, CTL_WHY_QUEUED, NULL);
    ctl_status_config(&off, NS, NULL);
    ctl_status_config_done(&off, NS, "k: m\n", "");
    ctl_status_refresh(&off);
    ctl_status_free(&off);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ring_keeps_the_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(condition_path_lists_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(strings_escaped_and_cut, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(deliveries_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(config_problems, setup, teardown),
        cmocka_unit_test_setup_teardown(serves_the_page, setup, teardown),
        cmocka_unit_test(off_without_the_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
