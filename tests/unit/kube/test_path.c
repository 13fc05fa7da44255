/*
 * test_path.c: the small pure parts of src/kube: REST paths and query
 * escaping (path.c), Status replies turned into messages (status.c), and
 * Lease bodies and parsing with MicroTime (lease.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/doc.h"
#include "core/json.h"
#include "kube/kube_int.h"

#include <stdio.h>
#include <string.h>

static struct buf pb;

static const char *path(const struct kube_resource *res, const char *ns,
                        const char *name, const char *sub)
{
    buf_free(&pb);
    buf_init(&pb, 0);
    assert_int_equal(kube_path(&pb, res, ns, name, sub), RN_OK);
    return buf_str(&pb);
}

static void test_paths(void **state)
{
    (void)state;
    assert_string_equal(path(&kube_res_rollouts, "default", NULL, NULL),
                        "/apis/argoproj.io/v1alpha1/namespaces/default/"
                        "rollouts");
    assert_string_equal(path(&kube_res_rollouts, NULL, NULL, NULL),
                        "/apis/argoproj.io/v1alpha1/rollouts");
    assert_string_equal(path(&kube_res_rollouts, "d", "demo", "status"),
                        "/apis/argoproj.io/v1alpha1/namespaces/d/rollouts/"
                        "demo/status");
    assert_string_equal(path(&kube_res_events, "ns", "x.17c8", NULL),
                        "/api/v1/namespaces/ns/events/x.17c8");
    assert_string_equal(path(&kube_res_events, "", NULL, NULL),
                        "/api/v1/events");
    assert_string_equal(path(&kube_res_leases, "argo", "lock", NULL),
                        "/apis/coordination.k8s.io/v1/namespaces/argo/leases/"
                        "lock");
    assert_string_equal(path(&kube_res_namespaces, NULL, "team", NULL),
                        "/api/v1/namespaces/team");
    /* a hostile name cannot climb the path */
    assert_string_equal(path(&kube_res_configmaps, "a/b", "../x", NULL),
                        "/api/v1/namespaces/a%2Fb/configmaps/..%2Fx");
    buf_free(&pb);
}

static void test_query_escape(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(kube_query_add(&b, "fieldSelector",
                                    "involvedObject.kind=Rollout,"
                                    "involvedObject.name=demo"),
                     RN_OK);
    assert_int_equal(
        kube_query_add(&b, "labelSelector", "app in (a b),!x,k!=v~_-."), RN_OK);
    assert_string_equal(buf_str(&b),
                        "fieldSelector=involvedObject.kind%3DRollout%2C"
                        "involvedObject.name%3Ddemo&labelSelector=app%20in%20"
                        "%28a%20b%29%2C%21x%2Ck%21%3Dv~_-.");
    buf_reset(&b);
    assert_int_equal(kube_query_escape(&b, "\xc3\xa9/&?#+"), RN_OK);
    assert_string_equal(buf_str(&b), "%C3%A9%2F%26%3F%23%2B");
    buf_reset(&b);
    struct kube_list_opts o = {.label_selector = "a=b", .limit = 0};
    assert_int_equal(kube_list_query(&b, &o, "tok=="), RN_OK);
    assert_string_equal(buf_str(&b),
                        "limit=500&continue=tok%3D%3D&labelSelector=a%3Db");
    buf_free(&b);
}

/* A reply as client.c builds it, then the Status message. */
static int status_of(long code, const char *body, struct kube_reply *r,
                     const struct kube_what *w)
{
    memset(r, 0, sizeof *r);
    r->status = code;
    r->obj = json_parse_doc(body, strlen(body), NULL, NULL);
    return kube_status_reply(r, w, "https://127.0.0.1:6443", body,
                             strlen(body));
}

static void test_status_messages(void **state)
{
    (void)state;
    struct kube_reply r;
    struct kube_what get = {"get", "rollouts.argoproj.io", "default", "demo"};
    assert_int_equal(
        status_of(404,
                  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                  "\"status\":\"Failure\",\"message\":\"rollouts.argoproj.io "
                  "\\\"demo\\\" not found\",\"reason\":\"NotFound\","
                  "\"details\":{\"name\":\"demo\"},\"code\":404}",
                  &r, &get),
        RN_ENOTFOUND);
    assert_string_equal(r.err.msg,
                        "get rollouts.argoproj.io \"demo\" in namespace "
                        "\"default\" on https://127.0.0.1:6443: "
                        "rollouts.argoproj.io \"demo\" not found");
    assert_string_equal(r.reason, "NotFound");
    kube_reply_clear(&r);

    struct kube_what list = {"list", "rollouts.argoproj.io", NULL, NULL};
    assert_int_equal(
        status_of(403,
                  "{\"kind\":\"Status\",\"message\":\"rollouts.argoproj.io is "
                  "forbidden\",\"reason\":\"Forbidden\",\"code\":403}",
                  &r, &list),
        RN_EHTTP);
    assert_string_equal(r.err.msg, "list rollouts.argoproj.io on "
                                   "https://127.0.0.1:6443: "
                                   "rollouts.argoproj.io is forbidden");
    kube_reply_clear(&r);

    struct kube_what ev = {"patch", "events", "ns", NULL};
    assert_int_equal(
        status_of(502, "<html>\n<body>Bad gateway</body></html>", &r, &ev),
        RN_EHTTP);
    assert_string_equal(r.err.msg, "patch events in namespace \"ns\" on "
                                   "https://127.0.0.1:6443: HTTP 502: <html> "
                                   "<body>Bad gateway</body></html>");
    assert_string_equal(r.reason, "");
    kube_reply_clear(&r);

    /* only the first 200 bytes of a non-Status body */
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    status_of(500, big, &r, &ev);
    assert_null(strstr(r.err.msg, big + 390));
    kube_reply_clear(&r);
}

static void test_lease_roundtrip(void **state)
{
    (void)state;
    struct kube_lease l = {.duration_s = 15,
                           .acquire_us = 1714564800000000,
                           .renew_us = 1714564808412233,
                           .transitions = 3};
    snprintf(l.holder, sizeof l.holder, "rnotify-6d8f9c_4b3c");
    snprintf(l.rv, sizeof l.rv, "5123");
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(
        kube_lease_body(&b, "argo-rollouts", "rnotify-controller-lock", &l),
        RN_OK);
    assert_string_equal(
        buf_str(&b),
        "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\","
        "\"metadata\":{\"name\":\"rnotify-controller-lock\",\"namespace\":"
        "\"argo-rollouts\",\"resourceVersion\":\"5123\"},\"spec\":{"
        "\"holderIdentity\":\"rnotify-6d8f9c_4b3c\",\"leaseDurationSeconds\":"
        "15,\"acquireTime\":\"2024-05-01T12:00:00.000000Z\",\"renewTime\":"
        "\"2024-05-01T12:00:08.412233Z\",\"leaseTransitions\":3}}");
    struct doc *d = json_parse_doc(b.ptr, b.len, NULL, NULL);
    struct kube_lease back;
    assert_int_equal(kube_lease_parse(d->root, &back), RN_OK);
    assert_string_equal(back.holder, l.holder);
    assert_string_equal(back.rv, "5123");
    assert_int_equal(back.duration_s, 15);
    assert_int_equal(back.acquire_us, l.acquire_us);
    assert_int_equal(back.renew_us, l.renew_us);
    assert_int_equal(back.transitions, 3);
    doc_unref(d);

    /* a release: empty holder, no resourceVersion precondition */
    struct kube_lease rel = {.duration_s = 1};
    buf_reset(&b);
    assert_int_equal(kube_lease_body(&b, "n", "l", &rel), RN_OK);
    assert_non_null(strstr(buf_str(&b), "\"holderIdentity\":\"\""));
    assert_null(strstr(buf_str(&b), "resourceVersion"));
    buf_free(&b);

    d = json_parse_doc("{\"kind\":\"ConfigMap\"}", 20, NULL, NULL);
    assert_int_equal(kube_lease_parse(d->root, &back), RN_EINVAL);
    doc_unref(d);
    const char *other = "{\"kind\":\"Lease\",\"metadata\":{},\"spec\":{"
                        "\"renewTime\":\"2024-05-01T12:00:08Z\"}}";
    d = json_parse_doc(other, strlen(other), NULL, NULL);
    assert_int_equal(kube_lease_parse(d->root, &back), RN_OK);
    assert_int_equal(back.renew_us, 1714564808000000);
    assert_string_equal(back.holder, "");
    doc_unref(d);
}

static void test_verbs(void **state)
{
    (void)state;
    assert_string_equal(kube_verb_word("GET", "x", false), "get");
    assert_string_equal(kube_verb_word("GET", NULL, false), "list");
    assert_string_equal(kube_verb_word("GET", NULL, true), "watch");
    assert_string_equal(kube_verb_word("POST", NULL, false), "create");
    assert_string_equal(kube_verb_word("PUT", "x", false), "update");
    assert_string_equal(kube_verb_word("PATCH", "x", false), "patch");
    assert_string_equal(kube_verb_word("DELETE", "x", false), "delete");
}

static void test_backoff(void **state)
{
    (void)state;
    struct kube_backoff b;
    static const int64_t want[] = {800,   1600,  3200,  6400,
                                   12800, 25600, 30000, 30000};
    kube_backoff_init(&b, 800, 30000);
    for (int i = 0; i < 8; i++)
        assert_int_equal(kube_backoff_next(&b, 1000 + i, 0.0), want[i]);
    /* jitter: base x (1 + r) */
    kube_backoff_init(&b, 800, 30000);
    assert_int_equal(kube_backoff_next(&b, 1000, 0.5), 1200);
    assert_int_equal(kube_backoff_next(&b, 1001, 0.999), 3198);
    /* two quiet minutes: back to the start */
    assert_int_equal(kube_backoff_next(&b, 1001 + 120001, 0.0), 800);
    /* a cap below the start */
    kube_backoff_init(&b, 800, 500);
    assert_int_equal(kube_backoff_next(&b, 1, 0.0), 500);
    assert_int_equal(kube_backoff_next(&b, 2, 0.0), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_query_escape),
        cmocka_unit_test(test_status_messages),
        cmocka_unit_test(test_lease_roundtrip),
        cmocka_unit_test(test_verbs),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
