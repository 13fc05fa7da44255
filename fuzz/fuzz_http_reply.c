/*
 * fuzz_http_reply.c: hostile HTTP replies through every HTTP service.
 *
 * The first input byte picks a service (each configured once, with
 * secret option values), the second sets a delivery deadline or not; the
 * rest is a sequence of raw HTTP responses separated by NUL bytes.  A
 * delivery of a fixed notification is started and each response, read by
 * the same header and body code libcurl's callbacks run, is fed to it in
 * turn (an unreadable one as a transport error), so that every service's
 * reply check, the retry policies (Retry-After in both forms, the AWS and
 * gax rules), Go's redirect rule and the failure messages all see it.
 * Invariants: nothing crashes, no wait runs past the deadline, and no
 * secret option value ever appears in a result message.
 */
#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "core/json.h"
#include "engine/engine.h"
#include "services/svc_int.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REPLIES 24

struct fx_svc {
    const char *type, *opts, *recipient, *root;
};

static const struct fx_svc svcs[] = {
    {"webhook",
     "url: http://h/x\nretryMax: 2\nheaders: [{name: t, value: "
     "tok-SECRET-1}]\n",
     "",
     "{\"message\":\"m\",\"webhook\":{\"webhook\":{\"method\":\"POST\","
     "\"body\":\"b\",\"path\":\"/p\"}}}"},
    {"slack", "token: xoxb-SECRET-2\napiURL: http://h/api/\n", "c",
     "{\"message\":\"m\",\"slack\":{\"attachments\":\"[]\",\"groupingKey\":"
     "\"g\",\"deliveryPolicy\":\"PostAndUpdate\"}}"},
    {"mattermost", "apiURL: http://h\ntoken: SECRET-mm-3\n", "c",
     "{\"message\":\"m\"}"},
    {"rocketchat", "serverUrl: http://h\nemail: a@b\npassword: pw-SECRET-4\n",
     "#c", "{\"message\":\"m\"}"},
    {"teams", "recipientUrls: {r: 'http://h/webhookb2/SECRET5x'}\n", "r",
     "{\"message\":\"m\"}"},
    {"teams-workflows",
     "recipientUrls: {r: 'https://h/powerautomate/SECRET6x'}\n", "r",
     "{\"message\":\"m\"}"},
    {"googlechat", "webhooks: {s: 'http://h/v1?key=SECRET7'}\n", "s",
     "{\"message\":\"m\",\"googlechat\":{\"threadKey\":\"t\"}}"},
    {"webex", "token: SECRET-wx-8\napiURL: http://h\n", "a@b.c",
     "{\"message\":\"m\"}"},
    {"telegram", "token: 1:SECRET-tg-9\napiURL: http://h\n", "-100|2",
     "{\"message\":\"m\"}"},
    {"pushover", "token: azGDORePK8gMaC0QOYAMyEEuzJnyUi\napiURL: http://h/1\n",
     "uQiRzpo4DXghDmr9QzzfQu27cmVRsG", "{\"message\":\"m\"}"},
    {"grafana", "apiUrl: http://h/api\napiKey: SECRET-gf-10\n", "a|b",
     "{\"message\":\"m\"}"},
    {"opsgenie", "apiUrl: h\napiKeys: {t: SECRET-og-11}\n", "t",
     "{\"message\":\"m\",\"opsgenie\":{\"description\":\"d\"}}"},
    {"pagerdutyv2", "serviceKeys: {s: SECRET-pd-12}\napiURL: http://h\n", "s",
     "{\"message\":\"m\",\"pagerdutyv2\":{\"summary\":\"s\",\"severity\":"
     "\"info\",\"source\":\"x\"}}"},
    {"pagerduty", "token: SECRET-pd-13\nfrom: a@b\napiURL: http://h\n", "P1",
     "{\"pagerduty\":{\"title\":\"t\"}}"},
    {"newrelic", "apiKey: SECRET-nr-14\napiURL: http://h\n", "123",
     "{\"message\":\"m\",\"newrelic\":{\"revision\":\"r\"}}"},
    {"gcppubsub", "project: p\ntopic: t\n", "",
     "{\"message\":\"m\",\"gcppubsub\":{\"attributes\":{\"a\":\"b\"}}}"},
    {"awssqs",
     "region: r\nkey: AKID\nsecret: SECRET-aws-15\n"
     "endpointUrl: http://h/\n",
     "q", "{\"message\":\"m\"}"},
    {"github", NULL, "",
     "{\"message\":\"m\",\"github\":{\"repoURLPath\":\"https://h/o/r\","
     "\"revisionPath\":\"s1\",\"status\":{\"state\":\"success\"},"
     "\"deployment\":{\"state\":\"success\",\"environment\":\"e\"},"
     "\"pullRequestComment\":{\"content\":\"c\",\"commentTag\":\"t\"},"
     "\"checkRun\":{\"name\":\"n\",\"conclusion\":\"success\"},"
     "\"repositoryDispatch\":{\"event_type\":\"x\",\"client_payload\":"
     "\"{}\"}}}"},
};

#define NSVCS (sizeof svcs / sizeof *svcs)

static struct arena fx_arena;
static struct svc_instance *insts[NSVCS];
static struct val roots[NSVCS];

/* A throwaway RSA key for the GitHub App (PEM in the arena). */
static const char *github_opts(void)
{
    EVP_PKEY *k = EVP_RSA_gen(2048);
    BIO *b = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n = 0;
    if (k && b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
        n = BIO_get_mem_data(b, &pem);
    struct val v = val_str(pem ? pem : "", pem ? (size_t)n : 0);
    struct buf j;
    buf_init(&j, 0);
    json_emit(&j, v, NULL, NULL);
    const char *o = arena_printf(&fx_arena,
                                 "appID: 1\ninstallationID: 2\nprivateKey: %s\n"
                                 "enterpriseBaseURL: http://h/api/v3\n",
                                 buf_str(&j));
    buf_free(&j);
    BIO_free(b);
    EVP_PKEY_free(k);
    return o;
}

static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    arena_init(&fx_arena, 0);
    setenv("PUBSUB_EMULATOR_HOST", "h:1", 1);
    svc_global_init();
    for (size_t i = 0; i < NSVCS; i++) {
        const struct fx_svc *s = &svcs[i];
        const char *opts = s->opts ? s->opts : github_opts();
        struct goyaml_opts yo = {JSON_NUM_INT64, 0, "opts"};
        struct cfg_service cs = {
            .name = s->type, .type = s->type, .opts = val_null()};
        struct rn_err e = {0};
        if (!opts ||
            goyaml_parse(&fx_arena, opts, strlen(opts), &yo, &cs.opts, &e) ||
            svc_instance_new(&cs, &insts[i], &e) ||
            json_parse(&fx_arena, s->root, strlen(s->root), NULL, &roots[i],
                       &e))
            abort(); /* the fixture itself is broken */
    }
}

/* No secret of the instance, in any form, may show in a message:
 * masking it again changes nothing. */
static void check_msg(const struct svc_instance *s, const char *msg)
{
    struct buf b;
    buf_init(&b, 0);
    if (svc_mask(s, &b, msg, strlen(msg), SIZE_MAX) == RN_OK &&
        strcmp(buf_str(&b), msg) != 0)
        abort();
    buf_free(&b);
}

/* The pure helpers every reply meets, on their own. */
static void helpers(const struct http_reply *r, struct arena *a)
{
    static const struct svc_retry pol[] = {
        {SVC_RETRY_BACKOFF, 3, 1000, 5000, false},
        {SVC_RETRY_429, 10, 0, 0, false},
        {SVC_RETRY_AWS, 2, 1000, 20000, true},
        {SVC_RETRY_GAX, 1000, 100, 60000, true},
    };
    struct http_req req, next;
    int64_t w = 0;
    (void)svc_retry_after_ms(r, 1700000000);
    for (size_t i = 0; i < sizeof pol / sizeof *pol; i++)
        if (svc_retry_backoff(&pol[i], (int)(r->status % 50), false, false, r,
                              1700000000, &w) &&
            w < 0)
            abort();
    svc_req_init(&req, "POST", "http://h/x?y=1");
    svc_req_body(&req, "b", 1);
    (void)svc_http_redirect(&req, r, a, &next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 2)
        return 0;
    size_t i = data[0] % NSVCS;
    const struct fx_svc *s = &svcs[i];
    struct eng_dest dest = {.service = s->type, .recipient = s->recipient};
    struct svc_delivery *d = NULL;
    const char *p = (const char *)data + 2, *end = (const char *)data + size;
    int64_t until = data[1] & 1 ? svc_now_ms() + 5000 : 0;
    if (svc_delivery_start_until(insts[i], roots[i], &dest, until, &d) != RN_OK)
        return 0;
    for (int n = 0;
         n < MAX_REPLIES && p <= end && svc_delivery_state(d) == SVC_D_PERFORM;
         n++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);
        struct http_reply r;
        int64_t wait = 0;
        if (!svc_delivery_request(d, &wait) || (until && wait > 5000))
            abort();
        int rc =
            svc_http_parse_reply(svc_delivery_arena(d), p, len, 1u << 20, &r);
        if (rc == RN_OK) {
            helpers(&r, svc_delivery_arena(d));
            svc_delivery_feed(d, RN_OK, &r, false, NULL);
        } else {
            struct rn_err te = {0};
            rn_errf(&te, RN_EHTTP, "Post \"http://h\": connection reset");
            svc_delivery_feed(d, RN_EHTTP, NULL, n & 1, &te);
        }
        p += len + 1;
    }
    if (svc_delivery_state(d) == SVC_D_FAILED)
        check_msg(insts[i], svc_delivery_result(d)->msg);
    svc_delivery_free(d);
    return 0;
}
