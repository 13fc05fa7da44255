/*
 * test_build.c: the request every service builds (docs/services/): the
 * method, URL, headers and body of each step, from decoded options and a
 * rendered notification, without a network; and the replies that end a
 * step, continue a send or fail it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "svc_fixture.h"

#include "core/buf.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdio.h>

/* ---- webhook (docs/services/webhook.md) ---- */

static void webhook_entry(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("webhook", "url: http://h:1/base/?q=1\n"
                           "headers:\n- {name: x-one, value: a}\n"
                           "- {name: X-ONE, value: b}\n"
                           "- {name: authorization, value: Bearer t}\n"
                           "basicAuth: {username: u, password: p}\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c,
            fx_root("{\"message\":\"m\",\"webhook\":{\"webhook\":"
                    "{\"method\":\"PUT\",\"path\":\"/x/y\","
                    "\"body\":\"{}\"},\"other\":{\"method\":\"POST\"}}}"),
            "webhook", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.method, "PUT");
    /* plain concatenation: the query stays before the path */
    assert_string_equal(r.url, "http://h:1/base/?q=1/x/y");
    fx_body_eq(&r, "{}");
    assert_string_equal(fx_hdr(&r, "X-One"), "b");
    assert_string_equal(r.headers[0].name, "X-One");
    /* basicAuth is applied after the headers */
    assert_string_equal(fx_hdr(&r, "Authorization"), "Basic dTpw");
    assert_null(fx_hdr(&r, "Content-Type"));
    assert_int_equal(r.retry.kind, SVC_RETRY_BACKOFF);
    assert_int_equal(r.retry.max, 3);
    assert_int_equal(r.retry.wait_min_ms, 1000);
    assert_int_equal(r.retry.wait_max_ms, 5000);
    svc_instance_free(s);
}

static void webhook_defaults(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("webhook", "url: http://h/\nretryMax: -1\n"
                           "retryWaitMin: 250000000\nretryWaitMax: 2s\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c, fx_root("{\"message\":\"hello\"}"), "hook", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.url, "http://h/");
    fx_body_eq(&r, "hello");
    assert_int_equal(r.retry.max, 0);
    assert_int_equal(r.retry.wait_min_ms, 250);
    assert_int_equal(r.retry.wait_max_ms, 2000);
    /* an entry with an empty body replaces the message */
    fx_call(&c,
            fx_root("{\"message\":\"hello\",\"webhook\":{\"hook\":"
                    "{\"method\":\"\",\"path\":\"\",\"body\":\"\"}}}"),
            "hook", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.method, "GET");
    fx_body_eq(&r, "");
    svc_instance_free(s);
}

static void webhook_errors(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("webhook", "url: http://h/x?k=secretkey\n");
    struct svc_call c;
    struct rn_err e = {0};
    bool retry = true;
    fx_call(&c, fx_root("{}"), "webhook", "");
    assert_int_equal(fx_reply(s, &c, 204, "", &retry, &e), SVC_STEP_DONE);
    assert_int_equal(fx_reply(s, &c, 404, "nope", &retry, &e), SVC_STEP_FAIL);
    assert_false(retry);
    assert_non_null(strstr(e.msg, "has failed with error code 404 : nope"));
    assert_null(strstr(e.msg, "secretkey"));
    svc_instance_free(s);
}

/* ---- slack (docs/services/slack.md) ---- */

static void slack_post_form(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("slack", "token: xoxb-1\napiURL: http://h/api/\n"
                         "username: bot\nicon: https://i/x.png\n"
                         "disableUnfurl: true\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c,
            fx_root("{\"message\":\"a b&c\",\"slack\":{\"username\":\"\","
                    "\"icon\":\":x:\",\"attachments\":\"\","
                    "\"blocks\":\"[ {\\\"type\\\": \\\"divider\\\"} ]\","
                    "\"groupingKey\":\"\",\"notifyBroadcast\":false,"
                    "\"deliveryPolicy\":\"Post\"}}"),
            "slack", "#chan");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.url, "http://h/api/chat.postMessage");
    assert_string_equal(fx_hdr(&r, "Content-Type"),
                        "application/x-www-form-urlencoded");
    assert_null(fx_hdr(&r, "Authorization"));
    fx_body_eq(&r, "attachments=%5B%5D&blocks=%5B%7B%22type%22%3A%22divider"
                   "%22%7D%5D&channel=%23chan&icon_emoji=%3Ax%3A&text=a+b%26c"
                   "&token=xoxb-1&unfurl_links=false&unfurl_media=false"
                   "&username=bot");
    assert_int_equal(r.retry.kind, SVC_RETRY_429);
    svc_instance_free(s);
}

static void slack_icons_and_errors(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("slack", "token: t\nicon: not-an-icon\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry = false;
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "slack", "c");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://slack.com/api/chat.postMessage");
    fx_body_eq(&r, "channel=c&text=m&token=t");
    fx_call(&c, fx_root("{\"slack\":{\"attachments\":\"{oops\"}}"), "slack",
            "c");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    assert_non_null(strstr(e.msg, "attachments"));
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "slack", "c");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_int_equal(fx_reply(s, &c, 200,
                              "{\"ok\":false,\"error\":\"not_in_channel\"}",
                              &retry, &e),
                     SVC_STEP_FAIL);
    assert_string_equal(e.msg, "not_in_channel");
    assert_false(retry);
    /* ok:false without an error code counts as success (SDK quirk) */
    assert_int_equal(fx_reply(s, &c, 200, "{\"ok\":false}", &retry, &e),
                     SVC_STEP_DONE);
    assert_int_equal(fx_reply(s, &c, 503, "", &retry, &e), SVC_STEP_FAIL);
    assert_true(retry);
    assert_non_null(strstr(e.msg, "slack server error: 503"));
    svc_instance_free(s);
}

static void slack_threads(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("slack", "token: t\n");
    const char *root = "{\"message\":\"m\",\"slack\":{\"groupingKey\":\"g\","
                       "\"notifyBroadcast\":true,"
                       "\"deliveryPolicy\":\"PostAndUpdate\"}}";
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry;
    fx_call(&c, fx_root(root), "slack", "unit-thread-chan");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_null(strstr(r.body, "thread_ts"));
    assert_non_null(strstr(r.body, "reply_broadcast=true"));
    assert_int_equal(fx_reply(s, &c, 200,
                              "{\"ok\":true,\"channel\":\"C9\","
                              "\"ts\":\"11.22\"}",
                              &retry, &e),
                     SVC_STEP_DONE);
    /* second send: reply in the thread, then update the root */
    fx_call(&c, fx_root(root), "slack", "unit-thread-chan");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://slack.com/api/chat.postMessage");
    assert_non_null(strstr(r.body, "thread_ts=11.22"));
    assert_int_equal(fx_reply(s, &c, 200,
                              "{\"ok\":true,\"channel\":\"C9\",\"ts\":\"3\"}",
                              &retry, &e),
                     SVC_STEP_NEXT);
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://slack.com/api/chat.update");
    fx_body_eq(&r, "as_user=true&attachments=%5B%5D&channel=C9&text=m"
                   "&thread_ts=11.22&token=t&ts=11.22");
    svc_instance_free(s);
}

/* ---- mattermost, webex (docs/services/mattermost.md, docs/services/webex.md)
 * ---- */

static void mattermost_post(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("mattermost", "apiURL: http://m\ntoken: tok\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c, fx_root("{\"message\":\"hi\"}"), "mattermost", "ch1");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "http://m/api/v4/posts");
    assert_string_equal(fx_hdr(&r, "Authorization"), "Bearer tok");
    assert_string_equal(fx_hdr(&r, "Content-Type"), "application/json");
    fx_body_eq(&r, "{\"channel_id\":\"ch1\",\"message\":\"hi\","
                   "\"props\":{\"attachments\":[]}}");
    fx_call(&c, fx_root("{\"mattermost\":{\"attachments\":\"nope\"}}"),
            "mattermost", "ch1");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    svc_instance_free(s);
}

static void webex_recipients(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("webex", "token: t\n");
    static const char *const cases[][2] = {
        {"a@b.co", "toPersonEmail"},  {"a@b", "roomId"},
        {"a b@c.d", "roomId"},        {"Y2lzY29z", "roomId"},
        {"x@y.z.w", "toPersonEmail"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct svc_call c;
        struct http_req r;
        struct rn_err e = {0};
        fx_call(&c, fx_root("{\"message\":\"**m**\"}"), "webex", cases[i][0]);
        assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
        assert_string_equal(r.url, "https://webexapis.com/v1/messages");
        assert_non_null(strstr(r.body, cases[i][1]));
    }
    svc_instance_free(s);
}

/* ---- rocketchat (docs/services/rocketchat.md) ---- */

static void rocketchat_steps(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst(
        "rocketchat", "serverUrl: http://rc.local/chat\nemail: me\n"
                      "password: pw\nicon: not-emoji\navatar: ftp://x\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry;
    fx_call(&c,
            fx_root("{\"message\":\"m\",\"rocketchat\":{\"attachments\":"
                    "\"[{\\\"title\\\":\\\"t\\\"}]\"}}"),
            "rocketchat", "ROOM");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "http://rc.local:80/chat/api/v1/login");
    fx_body_eq(&r, "password=pw&user=me");
    assert_int_equal(fx_reply(s, &c, 200,
                              "{\"status\":\"success\",\"data\":"
                              "{\"authToken\":\"A\",\"userID\":\"U\"}}",
                              &retry, &e),
                     SVC_STEP_NEXT);
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url,
                        "http://rc.local:80/chat/api/v1/chat.postMessage");
    assert_string_equal(fx_hdr(&r, "X-Auth-Token"), "A");
    assert_string_equal(fx_hdr(&r, "X-User-Id"), "U");
    fx_body_eq(&r, "{\"roomId\":\"ROOM\",\"text\":\"m\","
                   "\"attachments\":[{\"collapsed\":false,\"title\":\"t\"}]}");
    assert_int_equal(fx_reply(s, &c, 200,
                              "{\"success\":false,"
                              "\"error\":\"room gone\"}",
                              &retry, &e),
                     SVC_STEP_FAIL);
    assert_string_equal(e.msg, "room gone");
    svc_instance_free(s);
}

/* ---- teams, teams-workflows (docs/services/teams.md,
 * docs/services/teams-workflows.md) ---- */

static void teams_card(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("teams", "recipientUrls: {ops: 'https://o/hook'}\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry;
    fx_call(&c,
            fx_root("{\"message\":\"m\",\"teams\":{\"facts\":"
                    "\"[{\\\"name\\\":\\\"a\\\",\\\"value\\\":\\\"b\\\"}]\"}}"),
            "teams", "ops");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://o/hook");
    fx_body_eq(&r, "{\"@type\":\"MessageCard\",\"context\":"
                   "\"https://schema.org/extensions\",\"title\":\"\","
                   "\"summary\":\"\",\"text\":\"m\",\"sections\":"
                   "[{\"facts\":[{\"name\":\"a\",\"value\":\"b\"}]}]}");
    assert_int_equal(fx_reply(s, &c, 500, "1", &retry, &e), SVC_STEP_DONE);
    assert_int_equal(fx_reply(s, &c, 200, "0", &retry, &e), SVC_STEP_FAIL);
    fx_call(&c, fx_root("{}"), "teams", "dev");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_ECONFIG);
    assert_string_equal(e.msg, "no teams webhook configured for recipient dev");
    svc_instance_free(s);
}

static void teams_workflows_urls(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("teams-workflows",
                "recipientUrls:\n  ok1: https://x.api.powerautomate.com/a\n"
                "  ok2: http://127.0.0.5:9/powerautomate/h\n"
                "  ok3: https://h.webhook.office.com/workflows/1\n"
                "  bad1: http://example.com/powerautomate/h\n"
                "  bad2: https://example.com/hook\n  bad3: ''\n");
    static const char *const good[] = {"ok1", "ok2", "ok3"};
    static const char *const bad[] = {"bad1", "bad2", "bad3", "none"};
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    for (size_t i = 0; i < 3; i++) {
        fx_call(&c, fx_root("{\"message\":\"m\"}"), "tw", good[i]);
        assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    }
    fx_body_eq(&r, "{\"type\":\"message\",\"attachments\":[{\"contentType\":"
                   "\"application/vnd.microsoft.card.adaptive\",\"content\":"
                   "{\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"body\":"
                   "[{\"type\":\"TextBlock\",\"text\":\"m\",\"wrap\":true}]}"
                   "}]}");
    for (size_t i = 0; i < 4; i++) {
        fx_call(&c, fx_root("{\"message\":\"m\"}"), "tw", bad[i]);
        assert_int_equal(fx_build(s, &c, &r, &e), RN_ECONFIG);
    }
    svc_instance_free(s);
}

static void teams_workflows_card(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("teams-workflows",
                "recipientUrls: {r: 'http://localhost/powerautomate/x'}\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(
        &c,
        fx_root("{\"teams-workflows\":{\"facts\":\"[{\\\"name\\\":\\\"n\\\","
                "\\\"value\\\":1000000},{\\\"name\\\":\\\"b\\\",\\\"value\\\":"
                "true},"
                "{\\\"name\\\":\\\"z\\\"},{\\\"name\\\":\\\"u\\\","
                "\\\"value\\\":null},"
                "{\\\"value\\\":\\\"x\\\"}]\",\"potentialAction\":\"[{\\\"@"
                "type\\\":"
                "\\\"OpenUri\\\",\\\"targets\\\":[{\\\"uri\\\":\\\"u\\\"}]},"
                "{\\\"@type\\\":\\\"OpenUri\\\",\\\"name\\\":\\\"x\\\"}]\"}}"),
        "teams-workflows", "r");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r, "{\"type\":\"message\",\"attachments\":[{\"contentType\":"
                   "\"application/vnd.microsoft.card.adaptive\",\"content\":"
                   "{\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"body\":"
                   "[{\"type\":\"FactSet\",\"facts\":[{\"title\":\"n\","
                   "\"value\":\"1e+06\"},{\"title\":\"b\",\"value\":\"true\"},"
                   "{\"title\":\"z\",\"value\":\"\"},{\"title\":\"u\","
                   "\"value\":\"\\u003cnil\\u003e\"}]}],\"actions\":[{\"type\":"
                   "\"Action.OpenUrl\",\"url\":\"u\"}]}}]}");
    svc_instance_free(s);
}

/* ---- googlechat (docs/services/googlechat.md) ---- */

static void googlechat_thread(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("googlechat", "webhooks: {sp: 'https://g/v1/spaces/S/messages"
                              "?token=T%2Fx&key=K'}\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry;
    fx_call(&c,
            fx_root("{\"message\":\"m\",\"googlechat\":{\"cards\":\"\","
                    "\"cardsV2\":\"\",\"threadKey\":\"a b\"}}"),
            "googlechat", "sp");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url,
                        "https://g/v1/spaces/S/messages?key=K&messageReply"
                        "Option=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD&threadKey"
                        "=a+b&token=T%2Fx");
    fx_body_eq(&r, "{\"text\":\"m\"}");
    assert_int_equal(fx_reply(s, &c, 200, "{}", &retry, &e), SVC_STEP_DONE);
    assert_int_equal(fx_reply(s, &c, 200, "x", &retry, &e), SVC_STEP_FAIL);
    fx_call(&c,
            fx_root("{\"googlechat\":{\"cards\":\"- header: {title: t}\"}}"),
            "googlechat", "sp");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r,
               "{\"text\":\"\",\"cards\":[{\"header\":{\"title\":\"t\"}}]}");
    svc_instance_free(s);
}

/* ---- telegram, pushover (docs/services/telegram.md,
 * docs/services/pushover.md) ---- */

static void telegram_steps(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("telegram", "token: 12:ab\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry;
    fx_call(&c, fx_root("{\"message\":\"hi *x*\"}"), "telegram", "@chan");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://api.telegram.org/bot12:ab/getMe");
    assert_null(strstr(r.shown_url, "12:ab"));
    assert_int_equal(
        fx_reply(s, &c, 200, "{\"ok\":true,\"result\":{}}", &retry, &e),
        SVC_STEP_NEXT);
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://api.telegram.org/bot12:ab/sendMessage");
    /* the SDK's MessageConfig fields, url.Values sorted */
    fx_body_eq(&r, "business_connection_id=&chat_id=%40%40chan&entities=null&"
                   "link_preview_options=%7B%7D&parse_mode=Markdown&"
                   "reply_parameters=%7B%22message_id%22%3A0%7D&"
                   "text=hi+%2Ax%2A");
    fx_call(&c, fx_root("{}"), "telegram", "-42|x");
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    fx_call(&c, fx_root("{}"), "telegram", "-42");
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r, "business_connection_id=&chat_id=-42&entities=null&"
                   "link_preview_options=%7B%7D&parse_mode=Markdown&"
                   "reply_parameters=%7B%22message_id%22%3A0%7D");
    /* Split on "|": a third part is ignored; Atoi takes a sign; thread 0
     * and chat 0 are left out as the SDK's non-zero rules do */
    fx_call(&c, fx_root("{}"), "telegram", "-0|+0|9");
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r, "business_connection_id=&entities=null&"
                   "link_preview_options=%7B%7D&parse_mode=Markdown&"
                   "reply_parameters=%7B%22message_id%22%3A0%7D");
    fx_call(&c, fx_root("{}"), "telegram", "-7|+3|x");
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_non_null(strstr(r.body, "message_thread_id=3&"));
    svc_instance_free(s);
}

static void pushover_checks(void **state)
{
    (void)state;
    const char *tok = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const char *usr = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";
    struct rn_err e = {0};
    struct svc_instance *s = fx_inst_e(
        "pushover", "pushover",
        "token: azGDORePK8gMaC0QOYAMyEEuzJnyUi\napiURL: http://p/1/\n", &e);
    struct svc_call c;
    struct http_req r;
    assert_non_null(s);
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "pushover", usr);
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "http://p/1/messages.json");
    assert_non_null(strstr(r.body, tok));
    assert_non_null(strstr(r.body, "priority=0"));
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "pushover", "short");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    fx_call(&c, fx_root("{}"), "pushover", usr);
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    assert_string_equal(e.msg, "pushover: message empty");
    svc_instance_free(s);
}

/* ---- grafana, opsgenie, pagerduty, pagerdutyv2 (docs/services/grafana.md,
 * opsgenie.md, pagerduty.md, pagerdutyv2.md) ---- */

static void grafana_urls(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"http://g/api", "http://g/api/annotations"},
        {"http://g/api/", "http://g/api/annotations"},
        {"http://g", "http://g/annotations"},
        {"http://g:3000/x/api?orgId=1",
         "http://g:3000/x/api/annotations?orgId=1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char yaml[128];
        snprintf(yaml, sizeof yaml, "apiUrl: '%s'\napiKey: k\n", cases[i][0]);
        struct svc_instance *s = fx_inst("grafana", yaml);
        struct svc_call c;
        struct http_req r;
        struct rn_err e = {0};
        fx_call(&c, fx_root("{\"message\":\"m\"}"), "grafana", "");
        assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
        assert_string_equal(r.url, cases[i][1]);
        assert_non_null(strstr(r.body, "\"tags\":[\"\"]"));
        assert_string_equal(fx_hdr(&r, "Authorization"), "Bearer k");
        svc_instance_free(s);
    }
}

static void opsgenie_requests(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("opsgenie", "apiKeys: {t: K}\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "opsgenie", "t");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://api.opsgenie.com/v2/alerts");
    assert_string_equal(fx_hdr(&r, "Authorization"), "GenieKey K");
    fx_body_eq(&r, "{\"message\":\"m\",\"responders\":[{\"type\":\"team\","
                   "\"id\":\"t\",\"username\":\"\"}],\"source\":\"Argo CD\"}");
    assert_int_equal(r.retry.max, 4);
    assert_true(r.retry.judge_last);
    fx_call(&c, fx_root("{\"message\":\"m\",\"opsgenie\":{}}"), "opsgenie",
            "t");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    fx_call(&c, fx_root("{}"), "opsgenie", "t");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    assert_string_equal(e.msg, "message can not be empty");
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "opsgenie", "nobody");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_ECONFIG);
    svc_instance_free(s);
    s = fx_inst("opsgenie", "apiUrl: 127.0.0.1:9\napiKeys: {t: K}\n");
    fx_call(&c, fx_root("{\"message\":\"m\"}"), "opsgenie", "t");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "http://127.0.0.1:9/v2/alerts");
    svc_instance_free(s);
}

static void pagerduty_bodies(void **state)
{
    (void)state;
    struct svc_instance *s = fx_inst("pagerdutyv2", "serviceKeys: {a: RK}\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c,
            fx_root("{\"pagerdutyv2\":{\"summary\":\"s\",\"severity\":"
                    "\"info\",\"source\":\"src\",\"class\":\"c\"}}"),
            "pagerdutyv2", "a");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://events.pagerduty.com/v2/enqueue");
    fx_body_eq(&r, "{\"routing_key\":\"RK\",\"event_action\":\"trigger\","
                   "\"payload\":{\"summary\":\"s\",\"source\":\"src\","
                   "\"severity\":\"info\",\"class\":\"c\"},\"client\":"
                   "\"ArgoCD\"}");
    svc_instance_free(s);
    s = fx_inst("pagerduty", "token: T\nfrom: f@x\n");
    fx_call(&c,
            fx_root("{\"pagerduty\":{\"title\":\"t\",\"body\":\"\","
                    "\"urgency\":\"\",\"priorityId\":\"P9\"}}"),
            "pagerduty", "SVC");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://api.pagerduty.com/incidents");
    assert_string_equal(fx_hdr(&r, "Authorization"), "Token token=T");
    fx_body_eq(&r, "{\"incident\":{\"type\":\"incident\",\"title\":\"t\","
                   "\"service\":{\"id\":\"SVC\",\"type\":"
                   "\"service_reference\"},\"priority\":{\"id\":\"P9\","
                   "\"type\":\"priority\"},\"body\":{\"type\":"
                   "\"incident_details\\t\"}}}");
    /* upstream's priority reference without an id, and the TAB */
    fx_call(&c, fx_root("{\"pagerduty\":{\"title\":\"t\",\"body\":\"b\"}}"),
            "pagerduty", "SVC");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r, "{\"incident\":{\"type\":\"incident\",\"title\":\"t\","
                   "\"service\":{\"id\":\"SVC\",\"type\":"
                   "\"service_reference\"},\"priority\":{\"type\":"
                   "\"priority\"},\"body\":{\"type\":\"incident_details\\t\","
                   "\"details\":\"b\"}}}");
    svc_instance_free(s);
}

/* ---- awssqs (§19) ---- */

/* The SDK's documents: sorted members, smithy-go's string escaping (no
 * HTML escapes, \\u0008 for a backspace), the query-mode header. */
static void awssqs_documents(void **state)
{
    (void)state;
    struct svc_instance *s =
        fx_inst("awssqs", "region: r1\nkey: AKID\nsecret: S3cr3t\n"
                          "endpointUrl: http://h/\naccount: \"42\"\n");
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    fx_call(&c, fx_root("{\"message\":\"<a&b>\\b\\u2028\\\"\"}"), "awssqs",
            "q-1.fifo");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r, "{\"QueueName\":\"q-1.fifo\","
                   "\"QueueOwnerAWSAccountId\":\"42\"}");
    assert_string_equal(fx_hdr(&r, "X-Amzn-Query-Mode"), "true");
    assert_non_null(strstr(fx_hdr(&r, "Authorization"),
                           "SignedHeaders=content-length;content-type;host;"
                           "x-amz-date;x-amz-target;x-amzn-query-mode,"));
    c.step = 1;
    c.scratch = (void *)"https://q/1";
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    fx_body_eq(&r, "{\"DelaySeconds\":10,\"MessageBody\":"
                   "\"<a&b>\\u0008\\u2028\\\"\",\"QueueUrl\":\"https://q/1\"}");
    fx_call(&c, fx_root("{}"), "awssqs", "a/b");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_EINVAL);
    assert_non_null(strstr(e.msg, "invalid queue name \"a/b\""));
    svc_instance_free(s);
}

/* ---- github (docs/services/github.md) ---- */

/* A github instance with a fresh RSA key (PEM made at run time). */
static struct svc_instance *github_inst(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    struct buf j;
    assert_non_null(k);
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL),
                     1);
    long n = BIO_get_mem_data(b, &pem);
    buf_init(&j, 1u << 20);
    buf_add_str(&j, "{\"appID\":7,\"installationID\":\"9\",\"privateKey\":");
    json_emit_string(&j, pem, (size_t)n, 0);
    buf_add_char(&j, '}');
    struct cfg_service cs = {
        .name = "github", .type = "github", .opts = val_null()};
    struct svc_instance *s = NULL;
    struct rn_err e = {0};
    assert_int_equal(
        json_parse(&fx_arena, buf_str(&j), j.len, NULL, &cs.opts, &e), RN_OK);
    assert_int_equal(svc_instance_new(&cs, &s, &e), RN_OK);
    buf_free(&j);
    BIO_free(b);
    EVP_PKEY_free(k);
    return s;
}

static void github_token_cache(void **state)
{
    (void)state;
    struct svc_instance *s = github_inst();
    const char *root = "{\"message\":\"m\",\"github\":{\"repoURLPath\":"
                       "\"git@github.com:o/r.git\",\"revisionPath\":\"s1\","
                       "\"status\":{\"state\":\"success\",\"label\":\"l\","
                       "\"targetURL\":\"\"}}}";
    struct svc_call c;
    struct http_req r;
    struct rn_err e = {0};
    bool retry;
    fx_call(&c, fx_root(root), "github", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(
        r.url, "https://api.github.com/app/installations/9/access_tokens");
    assert_int_equal(strncmp(fx_hdr(&r, "Authorization"), "Bearer ey", 9), 0);
    assert_int_equal(fx_reply(s, &c, 201,
                              "{\"token\":\"T1\",\"expires_at\":"
                              "\"2099-01-01T00:00:00Z\"}",
                              &retry, &e),
                     SVC_STEP_NEXT);
    c.step = 1;
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://api.github.com/repos/o/r/statuses/s1");
    assert_string_equal(fx_hdr(&r, "Authorization"), "token T1");
    fx_body_eq(&r, "{\"state\":\"success\",\"target_url\":\"\","
                   "\"description\":\"m\",\"context\":\"l\"}\n");
    assert_int_equal(fx_reply(s, &c, 201, "{}", &retry, &e), SVC_STEP_DONE);
    /* the next send of the same instance reuses the token */
    fx_call(&c, fx_root(root), "github", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_string_equal(r.url, "https://api.github.com/repos/o/r/statuses/s1");
    /* nothing to do: no request at all */
    fx_call(&c, fx_root("{\"github\":{\"repoURLPath\":\"https://h/o/r\"}}"),
            "github", "");
    assert_int_equal(fx_build(s, &c, &r, &e), RN_OK);
    assert_null(r.method);
    svc_instance_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(webhook_entry),
        cmocka_unit_test(webhook_defaults),
        cmocka_unit_test(webhook_errors),
        cmocka_unit_test(slack_post_form),
        cmocka_unit_test(slack_icons_and_errors),
        cmocka_unit_test(slack_threads),
        cmocka_unit_test(mattermost_post),
        cmocka_unit_test(webex_recipients),
        cmocka_unit_test(rocketchat_steps),
        cmocka_unit_test(teams_card),
        cmocka_unit_test(teams_workflows_urls),
        cmocka_unit_test(teams_workflows_card),
        cmocka_unit_test(googlechat_thread),
        cmocka_unit_test(telegram_steps),
        cmocka_unit_test(awssqs_documents),
        cmocka_unit_test(pushover_checks),
        cmocka_unit_test(grafana_urls),
        cmocka_unit_test(opsgenie_requests),
        cmocka_unit_test(pagerduty_bodies),
        cmocka_unit_test(github_token_cache),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
