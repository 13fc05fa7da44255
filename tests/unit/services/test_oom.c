/*
 * test_oom.c: every service's option decoding and request building under
 * allocation failure (SQLite-style countdown, core/alloc.h): for k = 0, 1,
 * ... the k-th allocation and all after it fail; each run must end in a
 * request or an error, never a crash, until a run sees no failure at all.
 * Run under ASan this also proves nothing leaks on the error paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "svc_fixture.h"

#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>

struct scenario {
    const char *type, *opts, *root, *recipient;
};

static const struct scenario scenarios[] = {
    {"webhook",
     "url: http://h/b?q=1\nheaders: [{name: a, value: b}]\n"
     "basicAuth: {username: u, password: p}\nretryWaitMax: 2s\n",
     "{\"message\":\"m\",\"webhook\":{\"webhook\":{\"method\":\"PUT\","
     "\"path\":\"/p\",\"body\":\"b\"}}}",
     ""},
    {"slack", "token: t\nusername: u\nicon: ':x:'\ndisableUnfurl: true\n",
     "{\"message\":\"m\",\"slack\":{\"attachments\":\"[{\\\"a\\\":1}]\","
     "\"blocks\":\"[{\\\"b\\\":2}]\",\"groupingKey\":\"oom-g\","
     "\"notifyBroadcast\":true,\"deliveryPolicy\":\"Post\"}}",
     "oom-chan"},
    {"mattermost", "apiURL: http://m\ntoken: t\n",
     "{\"message\":\"m\",\"mattermost\":{\"attachments\":\"[{}]\"}}", "c"},
    {"rocketchat", "serverUrl: http://r\nemail: e\npassword: p\n",
     "{\"message\":\"m\"}", "#c"},
    {"teams", "recipientUrls: {r: 'https://t/h'}\n",
     "{\"message\":\"m\",\"teams\":{\"title\":\"t\",\"sections\":\"[{}]\","
     "\"facts\":\"[{\\\"name\\\":\\\"a\\\",\\\"value\\\":\\\"b\\\"}]\","
     "\"potentialAction\":\"[{}]\"}}",
     "r"},
    {"teams-workflows",
     "recipientUrls: {r: 'https://a.flow.microsoft.com/x'}\n",
     "{\"message\":\"m\",\"teams-workflows\":{\"title\":\"t\","
     "\"facts\":\"[{\\\"name\\\":\\\"a\\\",\\\"value\\\":1}]\","
     "\"sections\":\"[{\\\"facts\\\":[{\\\"name\\\":\\\"b\\\"}]}]\","
     "\"potentialAction\":\"[{\\\"@type\\\":\\\"OpenUri\\\",\\\"name\\\":"
     "\\\"n\\\",\\\"targets\\\":[{\\\"uri\\\":\\\"u\\\"}]}]\"}}",
     "r"},
    {"googlechat", "webhooks: {s: 'https://g/x?key=k'}\n",
     "{\"googlechat\":{\"cardsV2\":\"- {a: 1}\",\"cards\":\"[]\","
     "\"threadKey\":\"t\"}}",
     "s"},
    {"webex", "token: t\n", "{\"message\":\"m\"}", "a@b.cd"},
    {"grafana", "apiUrl: http://g/api?o=1\napiKey: k\n",
     "{\"message\":\"m\"}", "a|b|c"},
    {"opsgenie", "apiKeys: {t: k}\n",
     "{\"message\":\"m\",\"opsgenie\":{\"description\":\"d\","
     "\"tags\":[\"a\"],\"details\":{\"k\":\"v\"},"
     "\"visibleTo\":[{\"type\":\"team\",\"id\":\"i\"}]}}",
     "t"},
    {"pagerduty", "token: t\nfrom: f\n",
     "{\"pagerduty\":{\"title\":\"t\",\"body\":\"b\",\"urgency\":\"u\","
     "\"priorityId\":\"p\"}}",
     "S"},
    {"newrelic", "apiKey: k\n",
     "{\"message\":\"m\",\"newrelic\":{\"changelog\":\"c\"}}", "1"},
    {"awssqs",
     "region: eu-west-1\nkey: AK\nsecret: S\nqueue: q\naccount: '1'\n",
     "{\"message\":\"m\",\"awssqs\":{\"messageGroupId\":\"g\"}}", ""},
    {"gcppubsub", "project: p\ntopic: t\n",
     "{\"message\":\"m\",\"gcppubsub\":{\"attributes\":{\"a\":\"b\"}}}",
     ""},
    {"pagerdutyv2", "serviceKeys: {s: k}\n",
     "{\"pagerdutyv2\":{\"summary\":\"s\",\"group\":\"g\","
     "\"dedupKey\":\"d\",\"url\":\"u\"}}",
     "s"},
    {"telegram", "token: 1:x\n", "{\"message\":\"m\"}", "-5|3"},
    {"pushover", "token: azGDORePK8gMaC0QOYAMyEEuzJnyUi\n",
     "{\"message\":\"m\"}", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"},
};

/* One decode + build of every step the scenario's service has; returns
 * whether it completed. */
static bool run_once(const struct scenario *sc, struct val root, size_t cap)
{
    struct rn_err e = {0};
    struct svc_instance *s = fx_inst_e(sc->type, sc->type, sc->opts, &e);
    if (!s) {
        if (getenv("OOM_DEBUG"))
            fprintf(stderr, "instance: %s\n", e.msg);
        return false;
    }
    struct arena a;
    struct svc_call c;
    struct http_req r;
    bool ok = true;
    arena_init(&a, cap);
    fx_call(&c, root, sc->type, sc->recipient);
    c.a = &a;
    for (c.step = 0; ok && c.step < 2; c.step++) {
        if (c.step == 1 && !c.scratch && strcmp(sc->type, "telegram") != 0)
            break;
        ok = fx_build(s, &c, &r, &e) == RN_OK;
        if (!ok && getenv("OOM_DEBUG"))
            fprintf(stderr, "build %d: %s\n", c.step, e.msg);
        if (ok && c.step == 0 && strcmp(sc->type, "rocketchat") == 0) {
            bool retry;
            ok = fx_reply(s, &c, 200,
                          "{\"status\":\"success\",\"data\":{\"authToken\":"
                          "\"A\",\"userId\":\"U\"}}",
                          &retry, &e) == SVC_STEP_NEXT;
        }
    }
    arena_free(&a);
    svc_instance_free(s);
    return ok;
}

static void oom_every_service(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        const struct scenario *sc = &scenarios[i];
        struct val root = fx_root(sc->root);
        bool done = false;
        long k;
        for (k = 0; !done && k < 5000; k++) {
            rn_alloc_fail_after(k, 0);
            bool ok = run_once(sc, root, 0);
            done = rn_alloc_failures() == 0;
            rn_alloc_fail_after(-1, 0);
            if (done && !ok)
                fail_msg("%s fails without an allocation failure", sc->type);
        }
        assert_true(done);
        if (getenv("OOM_DEBUG"))
            fprintf(stderr, "%s: %ld allocations\n", sc->type, k);
    }
}

/* The build arena capped at n bytes, n growing until the build fits:
 * every allocation of the request path meets a failure somewhere. */
static void capped_arena_every_service(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        const struct scenario *sc = &scenarios[i];
        struct val root = fx_root(sc->root);
        size_t cap = 1;
        while (cap < (1u << 20) && !run_once(sc, root, cap))
            cap += 8;
        assert_true(cap < (1u << 20));
        if (getenv("OOM_DEBUG"))
            fprintf(stderr, "%s: fits in %zu bytes\n", sc->type, cap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oom_every_service),
        cmocka_unit_test(capped_arena_every_service),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
