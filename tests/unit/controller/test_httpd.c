/*
 * test_httpd.c: the metrics and health server of src/controller/httpd.c,
 * started on 127.0.0.1:0 (and [::1]:0, ":0") and fetched with libcurl:
 * status codes, bodies and content types of /metrics, /healthz and
 * /readyz, 404 and 405, HEAD, address errors that name the address, and
 * a clean stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "controller/controller_int.h"
#include "core/buf.h"
#include "http_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fetch and check the status and, unless NULL, the body. */
static void expect(const char *host, int port, const char *method,
                   const char *path, long code, const char *body)
{
    struct got g;
    fetch(host, port, method, path, &g);
    assert_int_equal(g.code, code);
    if (body)
        assert_string_equal(g.body, body);
}

static void serves_metrics_and_health(void **state)
{
    (void)state;
    struct ctl_metrics *m;
    struct ctl_health h = {0};
    struct ctl_httpd *s = NULL;
    struct rn_err e = {0};
    assert_int_equal(ctl_metrics_new(&m), RN_OK);
    const char *l[] = {"service"}, *v[] = {"slack"};
    int fam = ctl_metric_family(m, "rnotify_test_total", "A test counter.",
                                CTL_COUNTER, l, 1, NULL, 0);
    ctl_metric_add(m, fam, v, 3);
    h.live = 1;
    h.ready_why = "waiting for the Rollout cache to sync";
    assert_int_equal(ctl_httpd_start("127.0.0.1:0", m, &h, &s, &e), RN_OK);
    int port = ctl_httpd_port(s);
    assert_true(port > 0);
    struct got g;
    fetch("127.0.0.1", port, "GET", "/metrics", &g);
    assert_int_equal(g.code, 200);
    assert_string_equal(g.type, "text/plain; version=0.0.4; charset=utf-8");
    assert_string_equal(g.body, "# HELP rnotify_test_total A test counter.\n"
                                "# TYPE rnotify_test_total counter\n"
                                "rnotify_test_total{service=\"slack\"} 3\n");
    /* a later scrape sees later updates */
    ctl_metric_add(m, fam, v, 1);
    fetch("127.0.0.1", port, "GET", "/metrics", &g);
    assert_non_null(strstr(g.body, "{service=\"slack\"} 4\n"));
    fetch("127.0.0.1", port, "HEAD", "/metrics", &g);
    assert_int_equal(g.code, 200);
    assert_int_equal(g.n, 0);
    const char *lo = "127.0.0.1";
    expect(lo, port, "GET", "/healthz", 200, "ok");
    expect(lo, port, "GET", "/readyz", 503,
           "waiting for the Rollout cache to sync");
    h.ready = 1;
    expect(lo, port, "GET", "/readyz", 200, "ok");
    h.live = 0;
    expect(lo, port, "GET", "/healthz", 503, "not live");
    expect(lo, port, "GET", "/metrics/x", 404, "404 page not found\n");
    fetch("127.0.0.1", port, "POST", "/metrics", &g);
    assert_int_equal(g.code, 405);
    assert_string_equal(g.allow, "GET, HEAD");
    expect("127.0.0.1", port, "DELETE", "/healthz", 405, NULL);
    ctl_httpd_stop(s);
    ctl_metrics_free(m);
}

static void only_what_is_given(void **state)
{
    (void)state;
    struct ctl_health h = {1, 1, NULL, NULL};
    struct ctl_httpd *s = NULL;
    struct rn_err e = {0};
    assert_int_equal(ctl_httpd_start("127.0.0.1:0", NULL, &h, &s, &e), RN_OK);
    expect("127.0.0.1", ctl_httpd_port(s), "GET", "/metrics", 404, NULL);
    expect("127.0.0.1", ctl_httpd_port(s), "GET", "/readyz", 200, NULL);
    ctl_httpd_stop(s);
}

static void address_forms(void **state)
{
    (void)state;
    struct ctl_health h = {1, 0, NULL, NULL};
    struct ctl_httpd *s = NULL;
    struct rn_err e = {0};
    assert_int_equal(ctl_httpd_start("[::1]:0", NULL, &h, &s, &e), RN_OK);
    expect("[::1]", ctl_httpd_port(s), "GET", "/healthz", 200, NULL);
    ctl_httpd_stop(s);
    /* ":port" is every address, both families */
    assert_int_equal(ctl_httpd_start(":0", NULL, &h, &s, &e), RN_OK);
    expect("127.0.0.1", ctl_httpd_port(s), "GET", "/readyz", 503, "not ready");
    expect("[::1]", ctl_httpd_port(s), "GET", "/healthz", 200, NULL);
    ctl_httpd_stop(s);
    assert_int_equal(ctl_httpd_start("0.0.0.0:0", NULL, &h, &s, &e), RN_OK);
    expect("127.0.0.1", ctl_httpd_port(s), "GET", "/healthz", 200, NULL);
    ctl_httpd_stop(s);
}

static void address_errors(void **state)
{
    (void)state;
    struct ctl_health h = {1, 1, NULL, NULL};
    struct ctl_httpd *s = NULL, *s2 = NULL;
    struct rn_err e = {0};
    assert_int_equal(ctl_httpd_start("127.0.0.1:0", NULL, &h, &s, &e), RN_OK);
    char addr[64], want[128];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", ctl_httpd_port(s));
    assert_int_equal(ctl_httpd_start(addr, NULL, &h, &s2, &e), RN_EIO);
    snprintf(want, sizeof want, "listen tcp %s: bind: address already in use",
             addr);
    assert_string_equal(e.msg, want);
    ctl_httpd_stop(s);
    /* stopped means the port is free again (the socket was closed) */
    assert_int_equal(ctl_httpd_start(addr, NULL, &h, &s, &e), RN_OK);
    ctl_httpd_stop(s);
    static const struct {
        const char *addr, *msg;
    } bad[] = {
        {"8090", "listen tcp: address 8090: missing port in address"},
        {":99999", "listen tcp: address :99999: invalid port"},
        {":http", "listen tcp: address :http: invalid port"},
        {"127.0.0.1:", "listen tcp: address 127.0.0.1:: invalid port"},
        {"a:b:1", "listen tcp: address a:b:1: too many colons in address"},
        {"[::1:80", "listen tcp: address [::1:80: missing port in address"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rn_err_clear(&e);
        s2 = NULL;
        assert_int_not_equal(ctl_httpd_start(bad[i].addr, NULL, &h, &s2, &e),
                             RN_OK);
        assert_null(s2);
        assert_string_equal(e.msg, bad[i].msg);
    }
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serves_metrics_and_health),
        cmocka_unit_test(only_what_is_given),
        cmocka_unit_test(address_forms),
        cmocka_unit_test(address_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
