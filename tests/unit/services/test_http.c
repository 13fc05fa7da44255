/*
 * test_http.c: the shared machinery of the services module: option
 * decoding (§0.3: case-insensitive keys, type errors, durations),
 * `rnotify check` reports, secret scrubbing, go-retryablehttp's waits and
 * Retry-After (§1.5), Go's redirect rules (§0.6) and the encoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "svc_fixture.h"

#include "services/svc_int.h"

static void options_case_insensitive(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("webhook", "URL: http://a\nRetryMAX: 7\nretrywaitmin: 1s\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c, fx_root("{}"), "webhook", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "http://a");
    assert_int_equal(r.retry.max, 7);
    assert_int_equal(r.retry.wait_min_ms, 1000);
    svc_instance_free(s);
}

static void options_type_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "retryMax: '3'\n",  "insecureSkipVerify: 'yes'\n", "headers: {a: b}\n",
        "basicAuth: [x]\n", "retryWaitMin: 2x\n",          "url: [a]\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct rn_err e = {0};
        assert_null(fx_inst_e("webhook", "w", bad[i], &e));
        assert_int_equal(e.code, RN_ECONFIG);
        assert_non_null(strstr(e.msg, "webhook"));
    }
    /* numbers and bools decode into string fields as their text */
    struct svc_instance *s = fx_inst("slack", "token: 12345\nicon: true\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "slack", "c");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_non_null(strstr(r.body, "token=12345"));
    svc_instance_free(s);
    struct rn_err e2 = {0};
    assert_null(fx_inst_e("nosuch", "n", "{}", &e2));
    assert_int_equal(e2.code, RN_ENOTFOUND);
}

static void report(void *ud, const char *key, const char *why)
{
    char *seen = ud;
    (void)why;
    strncat(seen, key, 200);
    strncat(seen, ";", 200);
}

static void check_config_unknown(void **state)
{
    (void)state;
    struct cfg_service cs = {"w", "webhook", val_null()};
    struct yaml_opts yo = {JSON_NUM_INT64, 0, "opts"};
    struct rn_err e = {0};
    const char *y = "url: http://x\nmaxIdleConns: 3\nurls: oops\n"
                    "insecure_skip_verify: true\n";
    char seen[512] = "";
    assert_int_equal(yaml_parse(&fx_arena, y, strlen(y), &yo, &cs.opts, &e),
                     RN_OK);
    assert_int_equal(svc_check_config(&cs, report, seen), 2);
    assert_string_equal(seen, "insecure_skip_verify;urls;");
}

static void scrub_secrets(void **state)
{
    (void)state;
    struct rn_err e = {0};
    struct svc_instance *s =
        fx_inst_e("webhook", "w",
                  "url: http://x\nheaders: [{name: t, value: tok-12345}]\n"
                  "basicAuth: {username: ann, password: pw-secret-999}\n",
                  &e);
    char msg[128] = "bad tok-12345 and pw-secret-999 for ann at x";
    assert_non_null(s);
    svc_scrub(s, msg, sizeof msg);
    assert_string_equal(msg, "bad ***** and ***** for ***** at x");
    svc_instance_free(s);
}

static void backoff_waits(void **state)
{
    (void)state;
    struct svc_retry p = {SVC_RETRY_BACKOFF, 3, 1000, 5000};
    struct http_reply r = {0};
    int64_t w = -1;
    r.status = 500;
    assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    assert_int_equal(w, 1000);
    assert_true(svc_retry_backoff(&p, 1, false, false, &r, 0, &w));
    assert_int_equal(w, 2000);
    assert_true(svc_retry_backoff(&p, 2, false, false, &r, 0, &w));
    assert_int_equal(w, 4000);
    assert_false(svc_retry_backoff(&p, 3, false, false, &r, 0, &w));
    p.max = 10;
    assert_true(svc_retry_backoff(&p, 5, false, false, &r, 0, &w));
    assert_int_equal(w, 5000);
    r.status = 501;
    assert_false(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    r.status = 404;
    assert_false(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    assert_true(svc_retry_backoff(&p, 0, true, true, &r, 0, &w));
    assert_false(svc_retry_backoff(&p, 0, true, false, &r, 0, &w));
}

static void retry_after(void **state)
{
    (void)state;
    struct http_header h[1] = {{"retry-after", "7"}};
    struct http_reply r = {0};
    struct svc_retry p = {SVC_RETRY_BACKOFF, 3, 1000, 5000};
    int64_t w = 0;
    r.headers = h;
    r.nheaders = 1;
    r.status = 503;
    assert_int_equal(svc_retry_after_ms(&r, 0), 7000);
    /* Retry-After replaces the wait and is not capped */
    assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    assert_int_equal(w, 7000);
    h[0].value = "Wed, 21 Oct 2015 07:28:00 GMT";
    assert_int_equal(svc_retry_after_ms(&r, 1445412470), 10000);
    assert_int_equal(svc_retry_after_ms(&r, 1445412490), 0);
    h[0].value = "soon";
    assert_int_equal(svc_retry_after_ms(&r, 0), -1);
    /* slack: only 429 with a Retry-After repeats */
    struct svc_retry s = {SVC_RETRY_429, 2, 0, 0};
    h[0].value = "1";
    r.status = 429;
    assert_true(svc_retry_backoff(&s, 0, false, false, &r, 0, &w));
    assert_int_equal(w, 1000);
    assert_false(svc_retry_backoff(&s, 2, false, false, &r, 0, &w));
    r.nheaders = 0;
    assert_false(svc_retry_backoff(&s, 0, false, false, &r, 0, &w));
}

static void redirects(void **state)
{
    (void)state;
    struct http_header rh[1] = {{"Location", "/next?a=1"}};
    struct http_reply rep = {0};
    struct http_req req, next;
    rep.headers = rh;
    rep.nheaders = 1;
    svc_req_init(&req, "POST", "http://a.example/x/y");
    svc_req_body(&req, "b", 1);
    assert_int_equal(svc_req_set(&fx_arena, &req, "authorization", "t"), 0);
    assert_int_equal(svc_req_set(&fx_arena, &req, "content-type", "c"), 0);
    rep.status = 200;
    assert_false(svc_http_redirect(&req, &rep, &fx_arena, &next));
    rep.status = 303;
    assert_true(svc_http_redirect(&req, &rep, &fx_arena, &next));
    assert_string_equal(next.url, "http://a.example/next?a=1");
    assert_string_equal(next.method, "GET");
    assert_false(next.has_body);
    assert_int_equal(next.nheaders, 1); /* Authorization kept: same host */
    rep.status = 307;
    rh[0].value = "https://b.example/z";
    assert_true(svc_http_redirect(&req, &rep, &fx_arena, &next));
    assert_string_equal(next.method, "POST");
    assert_true(next.has_body);
    assert_int_equal(next.nheaders, 1);
    assert_string_equal(next.headers[0].name, "Content-Type");
}

static void encoders(void **state)
{
    (void)state;
    struct svc_form f = {0};
    const char *out;
    size_t n;
    assert_int_equal(svc_form_add(&fx_arena, &f, "z", "1 2"), 0);
    assert_int_equal(svc_form_add(&fx_arena, &f, "a", "é/~"), 0);
    assert_int_equal(svc_form_add(&fx_arena, &f, "m", ""), 0);
    assert_int_equal(svc_form_encode(&fx_arena, &f, &out, &n), 0);
    assert_string_equal(out, "a=%C3%A9%2F~&m=&z=1+2");
    assert_string_equal(
        svc_url_redact(&fx_arena, "https://u:p@hooks.example.com:8443/"
                                  "services/T0001/B0002/abcdEFGH12345678xyz"
                                  "?token=q"),
        "https://hooks.example.com:8443/services/T0001/B0002/*****");
    assert_string_equal(svc_base64(&fx_arena, "u:p", 3), "dTpw");
}

static int setup(void **state)
{
    (void)state;
    arena_init(&fx_arena, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&fx_arena);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_case_insensitive),
        cmocka_unit_test(options_type_errors),
        cmocka_unit_test(check_config_unknown),
        cmocka_unit_test(scrub_secrets),
        cmocka_unit_test(backoff_waits),
        cmocka_unit_test(retry_after),
        cmocka_unit_test(redirects),
        cmocka_unit_test(encoders),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
