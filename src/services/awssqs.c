/*
 * awssqs.c: `service.awssqs`, Amazon SQS over its JSON 1.0 protocol with
 * Signature Version 4 (docs/services/awssqs.md), as aws-sdk-go-v2's
 * service/sqs v1.38.1 sends it.
 *
 * Two signed POSTs to the queue endpoint (https://sqs.<region>.amazonaws.com
 * or `endpointUrl`): GetQueueUrl for the queue (the recipient, else the
 * `queue` option; `account` for cross-account queues), then SendMessage
 * with the message, DelaySeconds 10 (as upstream, which FIFO queues
 * refuse) and the template's awssqs.messageGroupId; the reply's MD5 of the
 * body is checked.  Bodies are the SDK's: members in alphabetical order,
 * strings escaped as smithy-go's encoder does; every call carries
 * `X-Amzn-Query-Mode: true` (SQS is query-compatible), signed with the
 * content type, length, host, date and target.  Credentials: `key` +
 * `secret` when both are set, else AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.  Region: `region`, else
 * AWS_DEFAULT_REGION, else AWS_REGION.  Like upstream, messageAttributes
 * are never sent.  Retries follow the SDK's standard retryer (the
 * SVC_RETRY_AWS policy in http.c): 3 attempts in all, on transport
 * errors, 500/502/503/504 and throttling or timeout error codes, never
 * on a bare 429.
 */
#include "svc_int.h"

#include "../core/limits.h"
#include "../core/utf8.h"

#include <ctype.h>
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

/* The canonical headers (sorted, lower-case) and their names. */
static int canonical_headers(struct arena *a, const struct http_req *r,
                             const char *date, const struct sqs_creds *cr,
                             const char **canon, const char **names)
{
    const char *host = host_header(a, r->url);
    const char *target = svc_req_get(r, "X-Amz-Target");
    const char *tok =
        cr->token ? arena_printf(a, "x-amz-security-token:%s\n", cr->token)
                  : "";
    *canon = host && tok && target
                 ? arena_printf(a,
                                "content-length:%zu\n"
                                "content-type:application/x-amz-json-1.0\n"
                                "host:%s\nx-amz-date:%s\n%sx-amz-target:%s\n"
                                "x-amzn-query-mode:true\n",
                                r->body_len, host, date, tok, target)
                 : NULL;
    *names = cr->token ? "content-length;content-type;host;x-amz-date;"
                         "x-amz-security-token;x-amz-target;x-amzn-query-mode"
                       : "content-length;content-type;host;x-amz-date;"
                         "x-amz-target;x-amzn-query-mode";
    return *canon ? RN_OK : RN_ENOMEM;
}

/* Sign r (POST, path, headers, body) with SigV4 for service sqs. */
static int sign(struct svc_call *c, struct http_req *r, const char *region,
                const struct sqs_creds *cr)
{
    struct arena *a = c->a;
    char date[17], day[9], body_hash[65], creq_hash[65], sig[65];
    time_t now = time(NULL);
    struct tm tm;
    const char *canon, *names;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
    strftime(day, sizeof day, "%Y%m%d", &tm);
    sha256_hex(r->body, r->body_len, body_hash);
    const char *path = svc_url_path(a, r->url);
    if (!path || canonical_headers(a, r, date, cr, &canon, &names) != RN_OK)
        return RN_ENOMEM;
    const char *creq = arena_printf(a, "POST\n%s\n\n%s\n%s\n%s", path, canon,
                                    names, body_hash);
    if (!creq)
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
        cr->akid, scope, names, sig);
    const char *d = arena_strdup(a, date);
    int rc = auth && d ? svc_req_set(a, r, "X-Amz-Date", d) : RN_ENOMEM;
    if (rc == RN_OK && cr->token)
        rc = svc_req_set(a, r, "X-Amz-Security-Token", cr->token);
    if (rc == RN_OK)
        rc = svc_req_set(a, r, "Authorization", auth);
    return rc;
}

/* A JSON string as smithy-go's encoder writes it: no HTML escaping, \n \r
 * \t short, other controls as \u00XX, invalid UTF-8 as \ufffd, U+2028 and
 * U+2029 escaped. */
static int smithy_string(struct buf *b, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    size_t n = strlen(s);
    int rc = buf_add_char(b, '"');
    for (size_t i = 0; rc == RN_OK && i < n;) {
        unsigned char ch = (unsigned char)s[i];
        uint32_t r;
        size_t w = ch < 0x80 ? 1 : utf8_decode(s + i, n - i, &r);
        if (ch == '"' || ch == '\\')
            rc = buf_add_fmt(b, "\\%c", ch);
        else if (ch == '\n' || ch == '\r' || ch == '\t')
            rc = buf_add_fmt(b, "\\%c",
                             ch == '\n'   ? 'n'
                             : ch == '\r' ? 'r'
                                          : 't');
        else if (ch < 0x20)
            rc = buf_add_fmt(b, "\\u00%c%c", hexd[ch >> 4], hexd[ch & 15]);
        else if (ch < 0x80)
            rc = buf_add_char(b, (char)ch);
        else if (r == UTF8_RUNE_ERROR && w == 1)
            rc = buf_add_str(b, "\\ufffd");
        else if (r == 0x2028 || r == 0x2029)
            rc = buf_add_fmt(b, "\\u202%c", hexd[r & 15]);
        else
            rc = buf_add(b, s + i, w);
        i += w;
    }
    return rc == RN_OK ? buf_add_char(b, '"') : rc;
}

/* One call's body: {"Key":"value",...} with keys given sorted, NULL
 * values left out; DelaySeconds is the one number member. */
static const char *document(struct arena *a, const char *const *kv, size_t n)
{
    struct buf b;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = buf_add_char(&b, '{');
    bool first = true;
    for (size_t i = 0; rc == RN_OK && i + 1 < n; i += 2) {
        if (!kv[i + 1])
            continue;
        rc = first ? RN_OK : buf_add_char(&b, ',');
        first = false;
        if (rc == RN_OK)
            rc = buf_add_fmt(&b, "\"%s\":", kv[i]);
        if (rc == RN_OK && strcmp(kv[i], "DelaySeconds") == 0)
            rc = buf_add_str(&b, kv[i + 1]);
        else if (rc == RN_OK)
            rc = smithy_string(&b, kv[i + 1]);
    }
    if (rc == RN_OK)
        rc = buf_add_char(&b, '}');
    const char *t = rc == RN_OK ? arena_strndup(a, buf_str(&b), b.len) : NULL;
    buf_free(&b);
    return t;
}

/* An SQS queue name: 1 to 80 of [A-Za-z0-9_-], ".fifo" for FIFO queues
 * (the recipient is untrusted: refuse what cannot name a queue). */
static bool queue_name_ok(const char *q)
{
    size_t n = strlen(q);
    if (n > 5 && strcmp(q + n - 5, ".fifo") == 0)
        n -= 5;
    if (n == 0 || n > 80)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)q[i]) && q[i] != '-' && q[i] != '_')
            return false;
    return true;
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
    const char *body, *target;
    const char *group = svc_field(c->root, "awssqs", "messageGroupId");
    if (c->step == 0 && !queue_name_ok(queue))
        return rn_errf(e, RN_EINVAL,
                       "invalid queue name \"%s\": an SQS queue name is 1 "
                       "to 80 letters, digits, '-' or '_' (and \".fifo\")",
                       queue);
    if (c->step == 0) {
        const char *kv[] = {"QueueName", queue, "QueueOwnerAWSAccountId",
                            *o->account ? o->account : NULL};
        target = "AmazonSQS.GetQueueUrl";
        body = document(c->a, kv, 4);
    } else {
        const char *kv[] = {"DelaySeconds",   "10",
                            "MessageBody",    svc_message(c->root),
                            "MessageGroupId", *group ? group : NULL,
                            "QueueUrl",       qurl};
        target = "AmazonSQS.SendMessage";
        body = document(c->a, kv, 8);
    }
    int rc = url && body
                 ? svc_req_json(c->a, out, url, body, strlen(body), NULL)
                 : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Content-Type",
                         "application/x-amz-json-1.0");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-Amz-Target", target);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-Amzn-Query-Mode", "true");
    if (rc == RN_OK)
        rc = sign(c, out, region, &cr);
    out->retry = (struct svc_retry){SVC_RETRY_AWS, 2, 1000, 20000, true};
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
    *retryable = svc_aws_retryable(r);
    if (r->status < 200 || r->status > 299 || !json) {
        const char *type = json ? svc_val_str(v, "__type") : "";
        const char *hash = strchr(type, '#');
        rn_errf(e, RN_EHTTP, "%s (status %ld): %s", hash ? hash + 1 : type,
                r->status,
                json ? svc_val_str(v, "message") : svc_body_excerpt(c, r));
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
