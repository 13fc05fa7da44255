/*
 * gcppubsub.c: `service.gcppubsub`, Google Cloud Pub/Sub over its REST API
 * (docs/services/gcppubsub.md; upstream uses the gRPC client library).
 *
 * POST {base}/v1/projects/<project>/topics/<topic>:publish with
 * {"messages": [{"data": base64(message), "attributes": {...}}]}; the
 * recipient names the topic (empty: the `topic` option).  Credentials, in
 * the order the client library looks: the emulator (env
 * PUBSUB_EMULATOR_HOST: plain http, no authentication), the `keyFile`
 * service-account key, the file named by GOOGLE_APPLICATION_CREDENTIALS,
 * then the metadata server (GCE_METADATA_HOST overrides its host).  A key
 * signs an RS256 JWT exchanged at its token_uri for an access token; the
 * token is cached per instance until a minute before it expires.
 * `apiURL` is not upstream: it points publishing at a test double.
 *
 * A publish is repeated as the client library's default publish settings
 * do (gax: the retryable google.rpc codes, jittered waits growing from
 * 100 ms, within 60 s).  The topic comes from the recipient, which a
 * Rollout's author chooses: it must be a valid topic ID, and it and the
 * project are escaped as one path segment each, so "x/../../../other/
 * topics/y" can never publish to another project.
 */
#include "svc_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PS_TOKEN_MAX 4096
#define PS_SCOPE "https://www.googleapis.com/auth/pubsub"

struct ps_key {
    const char *email, *pem, *kid, *token_uri;
};

struct ps_cache {
    pthread_mutex_t mu;
    char token[PS_TOKEN_MAX];
    int64_t expires;
};

struct ps_opts {
    const char *project, *topic, *key_file, *api_url;
    struct ps_key key; /* from keyFile, when set */
    struct ps_cache *cache;
};

#define O(f) offsetof(struct ps_opts, f)
static const struct svc_opt ps_opts[] = {
    {"project", SVC_O_STR, 0, O(project)},
    {"topic", SVC_O_STR, 0, O(topic)},
    {"keyFile", SVC_O_STR, 0, O(key_file)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
};
#undef O

/* A service-account key file (JSON) into k, strings in a. */
static int read_key(struct arena *a, const char *path, struct ps_key *k,
                    struct rn_err *e)
{
    FILE *f = fopen(path, "rb");
    char buf[16384];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    struct val v;
    if (f)
        fclose(f);
    if (!f || !n)
        return rn_errf(e, RN_ECONFIG, "cannot read key file %s", path);
    buf[n] = '\0';
    if (svc_json_parse(a, buf, n, &v, e) != RN_OK || v.kind != VAL_OBJECT)
        return rn_errf(e, RN_ECONFIG, "key file %s is not JSON", path);
    if (strcmp(svc_val_str(v, "type"), "service_account") != 0)
        return rn_errf(e, RN_ECONFIG,
                       "key file %s: only service_account keys are supported",
                       path);
    k->email = svc_val_str(v, "client_email");
    k->pem = svc_val_str(v, "private_key");
    k->kid = svc_val_str(v, "private_key_id");
    k->token_uri = svc_val_str(v, "token_uri");
    if (!svc_key_ok(k->pem) || !*k->token_uri)
        return rn_errf(e, RN_ECONFIG,
                       "key file %s: bad private_key or "
                       "token_uri",
                       path);
    return RN_OK;
}

static int ps_configure(void *state, struct arena *a, struct rn_err *e)
{
    struct ps_opts *o = state;
    if (*o->key_file) {
        int rc = read_key(a, o->key_file, &o->key, e);
        if (rc != RN_OK)
            return rc;
    }
    o->cache = arena_zalloc(a, sizeof *o->cache);
    if (!o->cache)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    pthread_mutex_init(&o->cache->mu, NULL);
    return RN_OK;
}

enum ps_phase { PS_TOKEN_GRANT, PS_TOKEN_METADATA, PS_PUBLISH };

struct ps_call {
    enum ps_phase phase;
    const char *token; /* NULL: the emulator */
    struct ps_key key;
};

/* Step 0: which credentials, and whether a token must be fetched. */
static int ps_start(const struct ps_opts *o, struct svc_call *c,
                    struct rn_err *e)
{
    struct ps_call *p = arena_zalloc(c->a, sizeof *p);
    const char *adc = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    if (!p)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    c->scratch = p;
    p->phase = PS_PUBLISH;
    if (getenv("PUBSUB_EMULATOR_HOST"))
        return RN_OK;
    pthread_mutex_lock(&o->cache->mu);
    if (o->cache->token[0] && o->cache->expires - (int64_t)time(NULL) > 60)
        p->token = arena_strdup(c->a, o->cache->token);
    pthread_mutex_unlock(&o->cache->mu);
    if (p->token)
        return RN_OK;
    if (*o->key_file) {
        p->key = o->key;
        p->phase = PS_TOKEN_GRANT;
    } else if (adc && *adc) {
        p->phase = PS_TOKEN_GRANT;
        return read_key(c->a, adc, &p->key, e);
    } else {
        p->phase = PS_TOKEN_METADATA;
    }
    return RN_OK;
}

static int grant_req(struct svc_call *c, struct ps_call *p,
                     struct http_req *out, struct rn_err *e)
{
    int64_t iat = (int64_t)time(NULL);
    const char *hdr = arena_printf(
        c->a, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":%s}",
        svc_json_text(c->a, val_str(p->key.kid, strlen(p->key.kid))));
    const char *claims = arena_printf(
        c->a,
        "{\"iss\":%s,\"scope\":\"" PS_SCOPE "\",\"aud\":%s,\"iat\":%lld,"
        "\"exp\":%lld}",
        svc_json_text(c->a, val_str(p->key.email, strlen(p->key.email))),
        svc_json_text(c->a,
                      val_str(p->key.token_uri, strlen(p->key.token_uri))),
        (long long)iat, (long long)iat + 3600);
    const char *jwt =
        hdr && claims ? svc_jwt_rs256(c->a, p->key.pem, hdr, claims) : NULL;
    struct svc_form f = {0};
    const char *body;
    size_t len;
    if (!jwt)
        return rn_errf(e, RN_ECONFIG, "could not sign the token request");
    int rc = svc_form_add(c->a, &f, "grant_type",
                          "urn:ietf:params:oauth:grant-type:jwt-bearer");
    if (rc == RN_OK)
        rc = svc_form_add(c->a, &f, "assertion", jwt);
    if (rc == RN_OK)
        rc = svc_form_encode(c->a, &f, &body, &len);
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    svc_req_init(out, "POST", p->key.token_uri);
    out->shown_url = svc_url_redact(c->a, p->key.token_uri);
    svc_req_body(out, body, len);
    rc = svc_req_set(c->a, out, "Content-Type",
                     "application/x-www-form-urlencoded");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static int metadata_req(struct svc_call *c, struct http_req *out,
                        struct rn_err *e)
{
    const char *host = getenv("GCE_METADATA_HOST");
    const char *url = arena_printf(
        c->a,
        "http://%s/computeMetadata/v1/instance/service-accounts/default/"
        "token",
        host && *host ? host : "metadata.google.internal");
    if (!url)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, "GET", url);
    int rc = svc_req_set(c->a, out, "Metadata-Flavor", "Google");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

/* {"messages": [{"data": ..., "attributes": {...}}]} */
static const char *publish_body(struct svc_call *c)
{
    const char *msg = svc_message(c->root);
    const struct val *s = svc_section(c->root, "gcppubsub");
    const struct val *attrs = s ? val_get_cstr(*s, "attributes") : NULL;
    const char *data = svc_base64(c->a, msg, strlen(msg));
    const char *at = attrs && attrs->kind == VAL_OBJECT && val_obj_len(*attrs)
                         ? svc_json_text(c->a, *attrs)
                         : NULL;
    if (!data)
        return NULL;
    return at ? arena_printf(c->a,
                             "{\"messages\":[{\"data\":\"%s\","
                             "\"attributes\":%s}]}",
                             data, at)
              : arena_printf(c->a, "{\"messages\":[{\"data\":\"%s\"}]}", data);
}

/* A Pub/Sub topic ID: a letter, then 2 to 254 of letters, digits and
 * - _ . ~ + %, not starting with "goog". */
static bool topic_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 3 || n > 255 || !isalpha((unsigned char)t[0]) ||
        strncasecmp(t, "goog", 4) == 0)
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && !strchr("-_.~+%", t[i]))
            return false;
    return true;
}

static int publish_req(const struct ps_opts *o, struct svc_call *c,
                       struct ps_call *p, struct http_req *out,
                       struct rn_err *e)
{
    const char *emu = getenv("PUBSUB_EMULATOR_HOST");
    const char *topic = *c->recipient ? c->recipient : o->topic;
    const char *base = emu           ? arena_printf(c->a, "http://%s", emu)
                       : *o->api_url ? o->api_url
                                     : "https://pubsub.googleapis.com";
    if (!topic_ok(topic))
        return rn_errf(e, RN_EINVAL,
                       "invalid topic \"%s\": a Pub/Sub topic ID starts "
                       "with a letter and has 3 to 255 letters, digits or "
                       "- _ . ~ + %%",
                       topic);
    const char *proj = svc_segment(c->a, o->project);
    const char *tseg = svc_segment(c->a, topic);
    const char *url =
        base && proj && tseg
            ? arena_printf(c->a, "%s/v1/projects/%s/topics/%s:publish", base,
                           proj, tseg)
            : NULL;
    const char *body = publish_body(c);
    if (!url || !body)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    int rc =
        svc_req_json(c->a, out, url, body, strlen(body), emu ? NULL : p->token);
    /* the client library's default publish retry settings */
    out->retry = (struct svc_retry){SVC_RETRY_GAX, 1000, 100, 60000, true};
    out->retry_budget_ms = 60000;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static int ps_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct ps_opts *o = state;
    int rc = c->step == 0 ? ps_start(o, c, e) : RN_OK;
    struct ps_call *p = c->scratch;
    if (rc != RN_OK)
        return rc;
    switch (p->phase) {
    case PS_TOKEN_GRANT:
        return grant_req(c, p, out, e);
    case PS_TOKEN_METADATA:
        return metadata_req(c, out, e);
    default:
        return publish_req(o, c, p, out, e);
    }
}

static void save_token(const struct ps_opts *o, struct ps_call *p, struct val v)
{
    const char *tok = svc_val_str(v, "access_token");
    const struct val *exp = val_get_cstr(v, "expires_in");
    int64_t secs = exp && exp->kind == VAL_INT ? exp->u.i : 0;
    p->token = tok;
    pthread_mutex_lock(&o->cache->mu);
    if (strlen(tok) < PS_TOKEN_MAX) {
        memcpy(o->cache->token, tok, strlen(tok) + 1);
        o->cache->expires = (int64_t)time(NULL) + secs;
    }
    pthread_mutex_unlock(&o->cache->mu);
}

static enum svc_step ps_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    struct ps_call *p = c->scratch;
    struct val v = val_null();
    struct rn_err pe = {0};
    bool json = svc_json_parse(c->a, r->body, r->body_len, &v, &pe) == RN_OK &&
                v.kind == VAL_OBJECT;
    const struct val *err = json ? val_get_cstr(v, "error") : NULL;
    *retryable = p->phase == PS_PUBLISH ? svc_gax_retryable(r)
                                        : svc_status_retryable(r->status);
    if (r->status >= 200 && r->status < 300 && json && !err) {
        if (p->phase == PS_PUBLISH)
            return SVC_STEP_DONE;
        if (!*svc_val_str(v, "access_token")) {
            rn_errf(e, RN_EHTTP, "the token reply has no access_token");
            return SVC_STEP_FAIL;
        }
        save_token(state, p, v);
        p->phase = PS_PUBLISH;
        return SVC_STEP_NEXT;
    }
    if (err && err->kind == VAL_OBJECT)
        rn_errf(e, RN_EHTTP, "code=%lld status=%s message=%s",
                (long long)(val_get_cstr(*err, "code") &&
                                    val_get_cstr(*err, "code")->kind == VAL_INT
                                ? val_get_cstr(*err, "code")->u.i
                                : r->status),
                svc_val_str(*err, "status"), svc_val_str(*err, "message"));
    else
        rn_errf(e, RN_EHTTP, "%s failed with status %ld: %s",
                p->phase == PS_PUBLISH ? "publish" : "token request", r->status,
                svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_gcppubsub = {
    .name = "gcppubsub",
    .opts = ps_opts,
    .nopts = sizeof ps_opts / sizeof *ps_opts,
    .opts_size = sizeof(struct ps_opts),
    .configure = ps_configure,
    .build = ps_build,
    .check_reply = ps_check,
};
