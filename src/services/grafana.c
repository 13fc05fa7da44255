/*
 * grafana.c: `service.grafana`, annotations (docs/services/grafana.md).
 *
 * POST {apiUrl}/annotations (the path joined as Go's path.Join does, the
 * query kept) with a bearer key and {"time": <unix ms, whole seconds>,
 * "isRegion": false, "tags": <recipient split on "|">, "text": message}.
 * Only status 200 is success.
 */
#include "svc_int.h"

#include "../core/json.h"

#include <curl/curl.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

struct grafana_opts {
    const char *api_url, *api_key;
    bool insecure;
};

#define O(f) offsetof(struct grafana_opts, f)
static const struct svc_opt grafana_opts[] = {
    {"apiUrl", SVC_O_STR, 0, O(api_url)},
    {"apiKey", SVC_O_STR, SVC_OF_SECRET, O(api_key)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

/* apiUrl with its path joined to "annotations" (query kept). */
static const char *annotations_url(struct arena *a, const char *api)
{
    CURLU *u = curl_url();
    char *path = NULL, *s = NULL;
    const char *res = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, api, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        size_t n = strlen(path);
        while (n > 0 && path[n - 1] == '/')
            n--;
        const char *joined = arena_printf(a, "%.*s/annotations", (int)n, path);
        if (joined && curl_url_set(u, CURLUPART_PATH, joined, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
            res = arena_strdup(a, s);
    }
    curl_free(path);
    curl_free(s);
    curl_url_cleanup(u);
    return res;
}

static int tags_json(struct svc_call *c, struct buf *b)
{
    const char *p = c->recipient;
    int rc = buf_add_char(b, '[');
    for (bool first = true; rc == RN_OK; first = false) {
        size_t n = strcspn(p, "|");
        if (!first)
            rc = buf_add_char(b, ',');
        if (rc == RN_OK)
            rc = json_emit_string(b, p, n, 0);
        if (p[n] != '|')
            break;
        p += n + 1;
    }
    return rc == RN_OK ? buf_add_char(b, ']') : rc;
}

static int grafana_build(const void *state, struct svc_call *c,
                         struct http_req *out, struct rn_err *e)
{
    const struct grafana_opts *o = state;
    const char *url = annotations_url(c->a, o->api_url);
    struct svc_json j;
    struct buf tags;
    const char *body = NULL, *ms;
    size_t len = 0;
    if (!url)
        return rn_errf(e, RN_ECONFIG, "invalid apiUrl");
    buf_init(&tags, 1u << 20);
    svc_json_init(&j);
    ms = arena_printf(c->a, "%lld", (long long)time(NULL) * 1000);
    int rc = tags_json(c, &tags);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "time", ms, ms ? strlen(ms) : 0);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "isRegion", "false", 5);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "tags", buf_str(&tags), tags.len);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "text", svc_message(c->root));
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    buf_free(&tags);
    if (rc == RN_OK)
        rc = svc_req_json(c->a, out, url, body, len, o->api_key);
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step grafana_check(const void *state, struct svc_call *c,
                                   const struct http_reply *r, bool *retryable,
                                   struct rn_err *e)
{
    const struct grafana_opts *o = state;
    if (r->status == 200)
        return SVC_STEP_DONE;
    *retryable = svc_status_retryable(r->status);
    rn_errf(e, RN_EHTTP, "request to %s has failed with error code %ld : %s",
            svc_url_redact(c->a, o->api_url), r->status,
            svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_grafana = {
    .name = "grafana",
    .flags = SVC_F_HTTP,
    .opts = grafana_opts,
    .nopts = sizeof grafana_opts / sizeof *grafana_opts,
    .opts_size = sizeof(struct grafana_opts),
    .build = grafana_build,
    .check_reply = grafana_check,
};
