/*
 * test_http.c: the shared machinery of the services module: option
 * decoding (docs/services/README.md, options: case-insensitive keys, type
 * errors, durations), `rnotify check` reports, secret scrubbing,
 * go-retryablehttp's waits and Retry-After (docs/services/webhook.md, retries),
 * Go's redirect rules (docs/services/README.md, HTTP) and the encoders.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "svc_fixture.h"

#include "engine/engine.h"
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
    struct cfg_service cs = {
        .name = "w", .type = "webhook", .opts = val_null()};
    struct goyaml_opts yo = {JSON_NUM_INT64, 0, "opts"};
    struct rn_err e = {0};
    const char *y = "url: http://x\nmaxIdleConns: 3\nurls: oops\n"
                    "insecure_skip_verify: true\n";
    char seen[512] = "";
    assert_int_equal(goyaml_parse(&fx_arena, y, strlen(y), &yo, &cs.opts, &e),
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
    /* "ann" is under MASK_MIN_LEN: masking 3 bytes would garble free text
     * (`rnotify check` warns about such values instead) */
    assert_string_equal(msg, "bad ***** and ***** for ann at x");
    svc_instance_free(s);
}

static void backoff_waits(void **state)
{
    (void)state;
    struct svc_retry p = {SVC_RETRY_BACKOFF, 3, 1000, 5000, false};
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
    struct svc_retry p = {SVC_RETRY_BACKOFF, 3, 1000, 5000, false};
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
    /* a wait too long to count in milliseconds saturates (no overflow) */
    h[0].value = "9223372036854775";
    assert_int_equal(svc_retry_after_ms(&r, 0), 9223372036854775000);
    h[0].value = "99999999999999999999";
    assert_int_equal(svc_retry_after_ms(&r, 0), INT64_MAX);
    h[0].value = "Fri, 31 Dec 9999 23:59:59 GMT";
    assert_true(svc_retry_after_ms(&r, 1445412470) > 250000000000000);
    /* slack: only 429 with a Retry-After repeats */
    struct svc_retry s = {SVC_RETRY_429, 2, 0, 0, false};
    h[0].value = "1";
    r.status = 429;
    assert_true(svc_retry_backoff(&s, 0, false, false, &r, 0, &w));
    assert_int_equal(w, 1000);
    assert_false(svc_retry_backoff(&s, 2, false, false, &r, 0, &w));
    r.nheaders = 0;
    assert_false(svc_retry_backoff(&s, 0, false, false, &r, 0, &w));
}

/* Hostile Retry-After values saturate instead of overflowing (UBSan
 * reported the multiply), and a date far ahead is a huge, finite wait. */
static void retry_after_hostile(void **state)
{
    (void)state;
    struct http_header h[1] = {{"Retry-After", "99999999999999999999"}};
    struct http_reply r = {0};
    r.headers = h;
    r.nheaders = 1;
    r.status = 429;
    assert_int_equal(svc_retry_after_ms(&r, 0), INT64_MAX);
    h[0].value = "9223372036854776";
    assert_int_equal(svc_retry_after_ms(&r, 0), INT64_MAX);
    h[0].value = "9223372036854";
    assert_int_equal(svc_retry_after_ms(&r, 0), 9223372036854000);
    h[0].value = "Fri, 31 Dec 9999 23:59:59 GMT";
    assert_int_equal(svc_retry_after_ms(&r, 0), 253402300799000);
    h[0].value = "-5";
    assert_int_equal(svc_retry_after_ms(&r, 0), -1);
    h[0].value = "+5";
    assert_int_equal(svc_retry_after_ms(&r, 0), 5000);
    /* the backoff's doubling saturates too */
    struct svc_retry p = {SVC_RETRY_BACKOFF, 100, INT64_MAX / 3, INT64_MAX,
                          false};
    int64_t w = 0;
    r.status = 500;
    assert_true(svc_retry_backoff(&p, 62, false, false, &r, 0, &w));
    assert_int_equal(w, INT64_MAX);
}

/* aws-sdk-go-v2's standard retryer, as awssqs requests carry it. */
static void retry_aws(void **state)
{
    (void)state;
    struct svc_retry p = {SVC_RETRY_AWS, 2, 1000, 20000, true};
    struct http_header h[1] = {
        {"x-amzn-query-error", "RequestThrottled;Sender"}};
    struct http_reply r = {0};
    int64_t w = -1;
    r.body = "";
    static const long yes[] = {500, 502, 503, 504};
    for (size_t i = 0; i < 4; i++) {
        r.status = yes[i];
        assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
        assert_true(w >= 0 && w < 2000);
        assert_true(svc_retry_backoff(&p, 1, false, false, &r, 0, &w));
        assert_true(w >= 0 && w < 4000);
        assert_false(svc_retry_backoff(&p, 2, false, false, &r, 0, &w));
    }
    static const long no[] = {429, 501, 400, 403, 404};
    for (size_t i = 0; i < 5; i++) {
        r.status = no[i];
        assert_false(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    }
    r.status = 400;
    r.body = "{\"__type\":\"com.amazonaws.sqs#ThrottlingException\"}";
    assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    r.body = "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\"}";
    assert_false(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    r.headers = h;
    r.nheaders = 1;
    assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    /* transport errors: as their class says */
    assert_true(svc_retry_backoff(&p, 0, true, true, &r, 0, &w));
    assert_false(svc_retry_backoff(&p, 0, true, false, &r, 0, &w));
}

/* gax's publish retryer, as gcppubsub's publish carries it. */
static void retry_gax(void **state)
{
    (void)state;
    struct svc_retry p = {SVC_RETRY_GAX, 1000, 100, 60000, true};
    struct http_reply r = {0};
    int64_t w = -1;
    r.status = 503;
    r.body = "{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}";
    assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    assert_true(w >= 1 && w <= 100);
    assert_true(svc_retry_backoff(&p, 30, false, false, &r, 0, &w));
    assert_true(w >= 1 && w <= 60000);
    r.status = 404;
    r.body = "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\"}}";
    assert_false(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    r.status = 429;
    r.body = "";
    assert_true(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    r.status = 200;
    assert_false(svc_retry_backoff(&p, 0, false, false, &r, 0, &w));
    assert_true(svc_retry_backoff(&p, 0, true, true, &r, 0, &w));
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

/* Feed a synthetic reply (status, optional header) to a delivery. */
static enum svc_dstate feed(struct svc_delivery *d, long status,
                            const char *hname, const char *hvalue)
{
    struct http_header h[1] = {{hname, hvalue}};
    struct http_reply r = {0};
    r.status = status;
    r.reason = status == 500 ? "Internal Server Error" : "";
    r.body = "";
    r.headers = h;
    r.nheaders = hname ? 1 : 0;
    return svc_delivery_feed(d, RN_OK, &r, false, NULL);
}

static void delivery_webhook_gives_up(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("webhook", "url: http://h/x?k=v\n");
    struct eng_dest dest = {.service = "webhook", .recipient = ""};
    struct svc_delivery *d;
    int64_t wait = -1;
    static const int64_t waits[] = {0, 1000, 2000, 4000};
    assert_int_equal(
        svc_delivery_start(s, fx_root("{\"message\":\"m\"}"), &dest, &d),
        RN_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(svc_delivery_state(d), SVC_D_PERFORM);
        assert_non_null(svc_delivery_request(d, &wait));
        assert_int_equal(wait, waits[i]);
        feed(d, 500, NULL, NULL);
    }
    assert_int_equal(svc_delivery_state(d), SVC_D_FAILED);
    const struct svc_result *r = svc_delivery_result(d);
    assert_true(r->retryable);
    assert_int_equal(r->attempts, 4);
    assert_string_equal(r->msg, "webhook to '': GET http://h/x giving up "
                                "after 4 attempt(s): last status 500 "
                                "Internal Server Error");
    svc_delivery_free(d);
    svc_instance_free(s);
}

static void delivery_redirect_and_retry_after(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("webhook", "url: http://h/x\n");
    struct eng_dest dest = {.service = "webhook", .recipient = ""};
    struct svc_delivery *d;
    int64_t wait = -1;
    assert_int_equal(svc_delivery_start(s, fx_root("{}"), &dest, &d), RN_OK);
    feed(d, 503, "Retry-After", "9");
    assert_string_equal(svc_delivery_request(d, &wait)->url, "http://h/x");
    assert_int_equal(wait, 9000);
    feed(d, 308, "Location", "http://other/y");
    assert_string_equal(svc_delivery_request(d, &wait)->url, "http://other/y");
    assert_int_equal(wait, 0);
    assert_int_equal(feed(d, 204, NULL, NULL), SVC_D_DONE);
    assert_int_equal(svc_delivery_result(d)->attempts, 2);
    assert_int_equal(svc_delivery_result(d)->code, RN_OK);
    svc_delivery_free(d);
    /* a transport error that a repeat cannot fix stops at once */
    struct rn_err te = {0};
    rn_errf(&te, RN_EHTTP, "Get \"http://h\": certificate verify failed");
    assert_int_equal(svc_delivery_start(s, fx_root("{}"), &dest, &d), RN_OK);
    assert_int_equal(svc_delivery_feed(d, RN_EHTTP, NULL, false, &te),
                     SVC_D_FAILED);
    assert_false(svc_delivery_result(d)->retryable);
    assert_non_null(strstr(svc_delivery_result(d)->msg,
                           "giving up after 1 attempt(s): Get"));
    svc_delivery_free(d);
    svc_instance_free(s);
}

/* A 429 reply for one delivery (reason phrase included). */
static enum svc_dstate feed_429(struct svc_delivery *d, const char *after)
{
    struct http_header h[1] = {{"Retry-After", after}};
    struct http_reply r = {0};
    r.status = 429;
    r.reason = "Too Many Requests";
    r.body = "";
    r.headers = h;
    r.nheaders = 1;
    return svc_delivery_feed(d, RN_OK, &r, false, NULL);
}

/* Every wait is bounded by the deadline: a server asking for more than
 * what is left ends the delivery at once (issue: it slept until 9999). */
static void delivery_deadline(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("webhook", "url: http://h/x\n");
    struct eng_dest dest = {.service = "webhook", .recipient = ""};
    static const char *const asks[] = {"Fri, 31 Dec 9999 23:59:59 GMT",
                                       "9223372036854775",
                                       "99999999999999999999", "60"};
    for (size_t i = 0; i < 4; i++) {
        struct svc_delivery *d;
        int64_t until = svc_now_ms() + 30000;
        assert_int_equal(svc_delivery_start(s, fx_root("{}"), &dest, &d),
                         RN_OK);
        svc_delivery_set_deadline(d, until);
        assert_int_equal(svc_delivery_request(d, NULL)->deadline_ms, until);
        assert_int_equal(feed_429(d, asks[i]), SVC_D_FAILED);
        const struct svc_result *r = svc_delivery_result(d);
        assert_true(r->retryable);
        assert_int_equal(r->attempts, 1);
        assert_non_null(strstr(r->msg, "GET http://h/x giving up after 1 "
                                       "attempt(s): last status 429 Too Many "
                                       "Requests asks to retry after "));
        assert_non_null(strstr(r->msg, "left before the delivery deadline"));
        svc_delivery_free(d);
    }
    /* a wait that fits is kept as asked */
    struct svc_delivery *d;
    assert_int_equal(svc_delivery_start_until(s, fx_root("{}"), &dest,
                                              svc_now_ms() + 30000, &d),
                     RN_OK);
    assert_int_equal(feed_429(d, "2"), SVC_D_PERFORM);
    int64_t wait = 0;
    assert_non_null(svc_delivery_request(d, &wait));
    assert_int_equal(wait, 2000);
    svc_delivery_free(d);
    /* the backoff's own next wait past the deadline ends it too */
    assert_int_equal(svc_delivery_start_until(s, fx_root("{}"), &dest,
                                              svc_now_ms() + 1500, &d),
                     RN_OK);
    assert_int_equal(feed(d, 500, NULL, NULL), SVC_D_PERFORM);
    assert_int_equal(feed(d, 500, NULL, NULL), SVC_D_FAILED);
    assert_non_null(strstr(svc_delivery_result(d)->msg,
                           "giving up after 2 attempt(s): last status 500 "
                           "Internal Server Error; the next attempt"));
    svc_delivery_free(d);
    /* a deadline already past: nothing is attempted */
    assert_int_equal(
        svc_delivery_start_until(s, fx_root("{}"), &dest, svc_now_ms() - 1, &d),
        RN_OK);
    assert_int_equal(svc_delivery_state(d), SVC_D_FAILED);
    assert_int_equal(svc_delivery_result(d)->attempts, 0);
    svc_delivery_free(d);
    svc_instance_free(s);
}

/* Slack's 429 rule is bounded the same way. */
static void delivery_deadline_slack(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("slack", "token: xoxb-1\napiURL: http://h/api/\n");
    struct eng_dest dest = {.service = "slack", .recipient = "c"};
    struct svc_delivery *d;
    assert_int_equal(svc_delivery_start_until(s, fx_root("{\"message\":\"m\"}"),
                                              &dest, svc_now_ms() + 5000, &d),
                     RN_OK);
    assert_int_equal(feed_429(d, "3600"), SVC_D_FAILED);
    assert_non_null(
        strstr(svc_delivery_result(d)->msg, "asks to retry after 3600.0s"));
    svc_delivery_free(d);
    svc_instance_free(s);
}

/* Excerpts of replies mask the instance's secrets, in the encodings a
 * server echoes them in, before the 200-byte cut. */
static void excerpt_masked(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst(
        "webhook", "url: http://h/x\nretryMax: -1\nheaders:\n- name: t\n"
                   "  value: \"tok/en+secret 42\"\n");
    struct eng_dest dest = {.service = "webhook", .recipient = ""};
    static const char *const echoes[] = {"tok/en+secret 42",
                                         "tok%2Fen%2Bsecret+42",
                                         "tok%2Fen+secret%2042",
                                         "dG9rL2VuK3NlY3JldCA0Mg",
                                         "dG9rL2VuK3NlY3JldCA0Mg",
                                         "746f6b2f656e2b736563726574203432",
                                         "746F6B2F656E2B736563726574203432"};
    for (size_t i = 0; i < sizeof echoes / sizeof *echoes; i++) {
        char body[400];
        struct http_reply r = {0};
        struct svc_call c;
        fx_call(&c, fx_root("{}"), "webhook", "");
        c.inst = s;
        /* the secret straddles byte 200 of the body */
        snprintf(body, sizeof body, "%0190d%s tail", 0, echoes[i]);
        r.status = 404;
        r.reason = "Not Found";
        r.body = body;
        r.body_len = strlen(body);
        const char *x = svc_body_excerpt(&c, &r);
        assert_int_equal(strlen(x), 200);
        assert_string_equal(x + 190, "***** tail");
        /* and through a delivery, where the message quotes it */
        snprintf(body, sizeof body, "echo: %s\x1b[31m", echoes[i]);
        r.body_len = strlen(body);
        struct svc_delivery *d;
        assert_int_equal(svc_delivery_start(s, fx_root("{}"), &dest, &d),
                         RN_OK);
        assert_int_equal(svc_delivery_feed(d, RN_OK, &r, false, NULL),
                         SVC_D_FAILED);
        const char *msg = svc_delivery_result(d)->msg;
        if (!strstr(msg, "404 : echo: ***** [31m"))
            fail_msg("%zu: %s", i, msg);
        svc_delivery_free(d);
    }
    svc_instance_free(s);
}

static void delivery_steps(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("telegram", "token: 1:T\n");
    struct eng_dest dest = {.service = "telegram", .recipient = "-5"};
    struct svc_delivery *d;
    struct http_reply r = {0};
    r.status = 200;
    r.reason = "OK";
    r.body = "{\"ok\":true,\"result\":{}}";
    r.body_len = strlen(r.body);
    assert_int_equal(
        svc_delivery_start(s, fx_root("{\"message\":\"m\"}"), &dest, &d),
        RN_OK);
    assert_non_null(strstr(svc_delivery_request(d, NULL)->url, "/getMe"));
    assert_int_equal(svc_delivery_feed(d, RN_OK, &r, false, NULL),
                     SVC_D_PERFORM);
    assert_non_null(strstr(svc_delivery_request(d, NULL)->url, "/sendMessage"));
    r.body = "{\"ok\":false,\"error_code\":429,\"description\":\"slow\"}";
    r.body_len = strlen(r.body);
    assert_int_equal(svc_delivery_feed(d, RN_OK, &r, false, NULL),
                     SVC_D_FAILED);
    assert_true(svc_delivery_result(d)->retryable);
    assert_string_equal(svc_delivery_result(d)->msg, "telegram to '-5': slow");
    svc_delivery_free(d);
    svc_instance_free(s);
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
        cmocka_unit_test(retry_after_hostile),
        cmocka_unit_test(retry_aws),
        cmocka_unit_test(retry_gax),
        cmocka_unit_test(redirects),
        cmocka_unit_test(encoders),
        cmocka_unit_test(delivery_webhook_gives_up),
        cmocka_unit_test(delivery_redirect_and_retry_after),
        cmocka_unit_test(delivery_steps),
        cmocka_unit_test(delivery_deadline),
        cmocka_unit_test(delivery_deadline_slack),
        cmocka_unit_test(excerpt_masked),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
