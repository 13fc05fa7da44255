/*
 * webhook.c: `service.webhook.<name>` (docs/services/webhook.md).
 *
 * Any method to `url`, optionally with a path from the template's
 * `webhook.<name>` entry appended by plain string concatenation (a query
 * in `url` ends up before the path, as upstream does), configured headers
 * with Set semantics, then Basic auth, and no default Content-Type.  The
 * request carries go-retryablehttp's policy: 1 + retryMax attempts with
 * waits min(retryWaitMin * 2^i, retryWaitMax), Retry-After honoured for
 * 429 and 503; send.c runs the loop.
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct webhook_opts {
    const char *url;
    struct svc_strmap headers;
    struct svc_basic basic;
    int64_t wait_min, wait_max; /* ns */
    int64_t retry_max;
    bool insecure;
};

#define O(f) offsetof(struct webhook_opts, f)
static const struct svc_opt webhook_opts[] = {
    {"url", SVC_O_STR, 0, O(url)},
    {"headers", SVC_O_HEADERS, SVC_OF_SECRET, O(headers)},
    {"basicAuth", SVC_O_BASIC, SVC_OF_SECRET, O(basic)},
    {"retryWaitMin", SVC_O_DURATION, 0, O(wait_min)},
    {"retryWaitMax", SVC_O_DURATION, 0, O(wait_max)},
    {"retryMax", SVC_O_INT, 0, O(retry_max)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

static const char *join_path(struct arena *a, const char *url, const char *path)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    while (*path == '/')
        path++;
    return arena_printf(a, "%.*s/%s", (int)n, url, path);
}

static int webhook_build(const void *state, struct svc_call *c,
                         struct http_req *out, struct rn_err *e)
{
    const struct webhook_opts *o = state;
    struct arena *a = c->a;
    const char *url = o->url, *body = svc_message(c->root);
    const char *method = "GET";
    const struct val *sec = svc_section(c->root, "webhook");
    const struct val *entry = sec ? val_get_cstr(*sec, c->name) : NULL;
    if (entry && entry->kind == VAL_OBJECT) {
        const char *m = svc_val_str(*entry, "method");
        const char *p = svc_val_str(*entry, "path");
        body = svc_val_str(*entry, "body");
        if (*m)
            method = m;
        if (*p)
            url = join_path(a, o->url, p);
    }
    if (!url)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, method, url);
    out->shown_url = svc_url_redact(a, url);
    svc_req_body(out, body, strlen(body));
    out->insecure = o->insecure;
    out->retry.kind = SVC_RETRY_BACKOFF;
    out->retry.max = o->retry_max == 0  ? 3
                     : o->retry_max < 0 ? 0
                                        : (int)o->retry_max;
    out->retry.wait_min_ms = o->wait_min > 0 ? o->wait_min / 1000000 : 1000;
    out->retry.wait_max_ms = o->wait_max > 0 ? o->wait_max / 1000000 : 5000;
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < o->headers.n; i++)
        rc = svc_req_set(a, out, o->headers.keys[i], o->headers.vals[i]);
    if (rc == RN_OK && o->basic.set) {
        const char *up =
            arena_printf(a, "%s:%s", o->basic.username, o->basic.password);
        const char *b64 = up ? svc_base64(a, up, strlen(up)) : NULL;
        const char *v = b64 ? arena_printf(a, "Basic %s", b64) : NULL;
        rc = v ? svc_req_set(a, out, "Authorization", v) : RN_ENOMEM;
    }
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step webhook_check(const void *state, struct svc_call *c,
                                   const struct http_reply *r, bool *retryable,
                                   struct rn_err *e)
{
    (void)state;
    if (r->status >= 200 && r->status < 300)
        return SVC_STEP_DONE;
    struct http_req req;
    struct rn_err ignore;
    webhook_build(state, c, &req, &ignore);
    *retryable = svc_status_retryable(r->status);
    /* upstream prints its request struct {body method url service}; the
     * rendered body may carry secrets from templates, so only its size */
    rn_errf(e, RN_EHTTP,
            "request to {<%zu bytes> %s %s %s} has failed with error code "
            "%ld : %s",
            req.body_len, req.method, req.shown_url ? req.shown_url : "",
            c->name, r->status, svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_webhook = {
    .name = "webhook",
    .flags = SVC_F_HTTP,
    .opts = webhook_opts,
    .nopts = sizeof webhook_opts / sizeof *webhook_opts,
    .opts_size = sizeof(struct webhook_opts),
    .build = webhook_build,
    .check_reply = webhook_check,
};
