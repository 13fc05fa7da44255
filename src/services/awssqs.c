/*
 * awssqs.c: `service.awssqs`, Amazon SQS over its JSON 1.0 protocol with
 * Signature Version 4 (docs/services/awssqs.md).
 *
 * Two signed POSTs to the queue endpoint (https://sqs.<region>.amazonaws.com
 * or `endpointUrl`): GetQueueUrl for the queue (the recipient, else the
 * `queue` option; `account` for cross-account queues), then SendMessage
 * with the message, DelaySeconds 10 (as upstream, which FIFO queues
 * refuse) and the template's awssqs.messageGroupId; the reply's MD5 of the
 * body is checked.  Credentials: `key` + `secret` when both are set, else
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.  Region:
 * `region`, else AWS_DEFAULT_REGION, else AWS_REGION.  Like upstream,
 * messageAttributes are never sent.  Throttling and 5xx replies are
 * retried twice (the SDK's standard retryer) before the last is judged.
 */
#include "svc_int.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sqs_opts {
    const char *queue, *region, *account, *endpoint, *key, *secret;
};

#define O(f) offsetof(struct sqs_opts, f)
static const struct svc_opt sqs_opts[] = {
    {"queue", SVC_O_STR, 0, O(queue)},
    {"region", SVC_O_STR, 0, O(region)},
    {"account", SVC_O_STR, 0, O(account)},
    {"endpointUrl", SVC_O_STR, 0, O(endpoint)},
    {"key", SVC_O_STR, SVC_OF_SECRET, O(key)},
    {"secret", SVC_O_STR, SVC_OF_SECRET, O(secret)},
};
#undef O

struct sqs_creds {
    const char *akid, *secret, *token; /* token NULL when none */
};

static void hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(const char *s, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(s, n, md, &len, EVP_sha256(), NULL);
    hex(md, 32, out);
}

static void hmac(const unsigned char *key, size_t klen, const char *msg,
                 unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg),
         out, &len);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int creds(const struct sqs_opts *o, struct sqs_creds *c)
{
    if (*o->key && *o->secret) {
        *c = (struct sqs_creds){o->key, o->secret, NULL};
        return RN_OK;
    }
    c->akid = env("AWS_ACCESS_KEY_ID");
    c->secret = env("AWS_SECRET_ACCESS_KEY");
    c->token = env("AWS_SESSION_TOKEN");
    return c->akid && c->secret ? RN_OK : RN_ECONFIG;
}

/* The Host header libcurl will send: host, and the port when it is not
 * the scheme's default. */
static const char *host_header(struct arena *a, const char *url)
{
    const char *origin = svc_url_origin(a, url);
    const char *p = strstr(origin, "://");
    const char *h = p ? p + 3 : origin;
    size_t n = strlen(h);
    if (strncmp(origin, "https", 5) == 0 && n > 4 &&
        strcmp(h + n - 4, ":443") == 0)
        n -= 4;
    else if (strncmp(origin, "http:", 5) == 0 && n > 3 &&
             strcmp(h + n - 3, ":80") == 0)
        n -= 3;
    return arena_strndup(a, h, n);
}

/* Sign r (method POST, path, body) with SigV4 for service sqs. */
static int sign(struct svc_call *c, struct http_req *r, const char *region,
                const struct sqs_creds *cr, const char *target)
{
    struct arena *a = c->a;
    char date[17], day[9], body_hash[65], creq_hash[65], sig[65];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    sha256_hex(r->body, r->body_len, body_hash);
    const char *path = svc_url_path(a, r->url);
    const char *host = host_header(a, r->url);
    const char *signed_h = cr->token ? "content-type;host;x-amz-date;"
                                       "x-amz-security-token;x-amz-target"
                                     : "content-type;host;x-amz-date;"
                                       "x-amz-target";
    const char *tok =
        cr->token ? arena_printf(a, "x-amz-security-token:%s\n", cr->token)
                  : "";
    const char *creq = arena_printf(
        a,
        "POST\n%s\n\ncontent-type:application/x-amz-json-1.0\nhost:%s\n"
        "x-amz-date:%s\n%sx-amz-target:%s\n\n%s\n%s",
        path, host, date, tok ? tok : "", target, signed_h, body_hash);
    if (!creq || !host || !path)
        return RN_ENOMEM;
    sha256_hex(creq, strlen(creq), creq_hash);
    const char *scope = arena_printf(a, "%s/%s/sqs/aws4_request", day, region);
    const char *sts =
        arena_printf(a, "AWS4-HMAC-SHA256\n%s\n%s\n%s", date, scope, creq_hash);
    const char *k0 = arena_printf(a, "AWS4%s", cr->secret);
    if (!scope || !sts || !k0)
        return RN_ENOMEM;
    unsigned char k[32], out[32];
    hmac((const unsigned char *)k0, strlen(k0), day, k);
    hmac(k, 32, region, k);
    hmac(k, 32, "sqs", k);
    hmac(k, 32, "aws4_request", k);
    hmac(k, 32, sts, out);
    hex(out, 32, sig);
    const char *auth = arena_printf(
        a, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
        cr->akid, scope, signed_h, sig);
    const char *d = arena_strdup(a, date);
    int rc = auth && d ? svc_req_set(a, r, "X-Amz-Date", d) : RN_ENOMEM;
    if (rc == RN_OK && cr->token)
        rc = svc_req_set(a, r, "X-Amz-Security-Token", cr->token);
    if (rc == RN_OK)
        rc = svc_req_set(a, r, "Authorization", auth);
    return rc;
}

static int sqs_build(const void *state, struct svc_call *c,
                     struct http_req *out, struct rn_err *e)
{
    const struct sqs_opts *o = state;
    struct sqs_creds cr;
    const char *region = *o->region                  ? o->region
                         : env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION")
                                                     : env("AWS_REGION");
    const char *queue = *c->recipient ? c->recipient : o->queue;
    const char *qurl = c->scratch;
    if (!region)
        return rn_errf(e, RN_ECONFIG,
                       "no AWS region (region option, "
                       "AWS_DEFAULT_REGION or AWS_REGION)");
    if (creds(o, &cr) != RN_OK)
        return rn_errf(e, RN_ECONFIG,
                       "no AWS credentials (key and secret, "
                       "or AWS_ACCESS_KEY_ID and "
                       "AWS_SECRET_ACCESS_KEY)");
    const char *url =
        *o->endpoint
            ? o->endpoint
            : arena_printf(c->a, "https://sqs.%s.amazonaws.com/", region);
    struct svc_json j;
    const char *body, *target;
    size_t len;
    svc_json_init(&j);
    int rc;
    if (c->step == 0) {
        target = "AmazonSQS.GetQueueUrl";
        rc = svc_json_str(&j, "QueueName", queue);
        if (rc == RN_OK && *o->account)
            rc = svc_json_str(&j, "QueueOwnerAWSAccountId", o->account);
    } else {
        const char *group = svc_field(c->root, "awssqs", "messageGroupId");
        target = "AmazonSQS.SendMessage";
        rc = svc_json_str(&j, "QueueUrl", qurl);
        if (rc == RN_OK)
            rc = svc_json_str(&j, "MessageBody", svc_message(c->root));
        if (rc == RN_OK)
            rc = svc_json_raw(&j, "DelaySeconds", "10", 2);
        if (rc == RN_OK && *group)
            rc = svc_json_str(&j, "MessageGroupId", group);
    }
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    if (rc == RN_OK)
        rc = url ? svc_req_json(c->a, out, url, body, len, NULL) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Content-Type",
                         "application/x-amz-json-1.0");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-Amz-Target", target);
    if (rc == RN_OK)
        rc = sign(c, out, region, &cr, target);
    out->retry = (struct svc_retry){SVC_RETRY_BACKOFF, 2, 100, 2000, true};
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step sqs_check(const void *state, struct svc_call *c,
                               const struct http_reply *r, bool *retryable,
                               struct rn_err *e)
{
    (void)state;
    struct val v = val_null();
    struct rn_err pe = {0};
    bool json = svc_json_parse(c->a, r->body, r->body_len, &v, &pe) == RN_OK &&
                v.kind == VAL_OBJECT;
    *retryable = svc_status_retryable(r->status);
    if (r->status < 200 || r->status > 299 || !json) {
        const char *type = json ? svc_val_str(v, "__type") : "";
        const char *hash = strchr(type, '#');
        rn_errf(e, RN_EHTTP, "%s (status %ld): %s", hash ? hash + 1 : type,
                r->status,
                json ? svc_val_str(v, "message") : svc_body_excerpt(c->a, r));
        return SVC_STEP_FAIL;
    }
    if (c->step == 0) {
        c->scratch = (void *)svc_val_str(v, "QueueUrl");
        return SVC_STEP_NEXT;
    }
    const char *md5 = svc_val_str(v, "MD5OfMessageBody");
    const char *msg = svc_message(c->root);
    unsigned char md[16];
    unsigned int n = 0;
    char want[33];
    EVP_Digest(msg, strlen(msg), md, &n, EVP_md5(), NULL);
    hex(md, 16, want);
    if (*md5 && strcmp(md5, want) != 0) {
        rn_errf(e, RN_EHTTP,
                "the MD5 of the message body does not match "
                "(sent %s, SQS says %s)",
                want, md5);
        return SVC_STEP_FAIL;
    }
    return SVC_STEP_DONE;
}

const struct svc_type svc_awssqs = {
    .name = "awssqs",
    .opts = sqs_opts,
    .nopts = sizeof sqs_opts / sizeof *sqs_opts,
    .opts_size = sizeof(struct sqs_opts),
    .build = sqs_build,
    .check_reply = sqs_check,
};
