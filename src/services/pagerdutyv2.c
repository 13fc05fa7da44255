/*
 * pagerdutyv2.c: `service.pagerdutyv2`, PagerDuty Events API v2 (spec
 * docs/services/pagerdutyv2.md).
 *
 * The recipient names a routing key in `serviceKeys`; the template's
 * `pagerdutyv2` block is required.  POST {apiURL}/v2/enqueue (no auth
 * header: the key is in the body) with a `trigger` event; only 202 is
 * success.  `apiURL` is not upstream (which posts to
 * https://events.pagerduty.com): a test hook.
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct pdv2_opts {
    struct svc_strmap keys;
    const char *api_url;
};

#define O(f) offsetof(struct pdv2_opts, f)
static const struct svc_opt pdv2_opts[] = {
    {"serviceKeys", SVC_O_STRMAP, SVC_OF_SECRET, O(keys)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
};
#undef O

#define F(name) svc_field(c->root, "pagerdutyv2", name)

static int payload(struct svc_call *c, const char **out, size_t *len)
{
    static const char *const optional[] = {"component", "group", "class"};
    struct svc_json j;
    svc_json_init(&j);
    int rc = svc_json_str(&j, "summary", F("summary"));
    if (rc == RN_OK)
        rc = svc_json_str(&j, "source", F("source"));
    if (rc == RN_OK)
        rc = svc_json_str(&j, "severity", F("severity"));
    for (size_t i = 0; rc == RN_OK && i < 3; i++)
        if (*F(optional[i]))
            rc = svc_json_str(&j, optional[i], F(optional[i]));
    if (rc == RN_OK)
        return svc_json_end(&j, c->a, out, len);
    buf_free(&j.b);
    return rc;
}

static int pdv2_build(const void *state, struct svc_call *c,
                      struct http_req *out, struct rn_err *e)
{
    const struct pdv2_opts *o = state;
    const char *key = svc_map_get(&o->keys, c->recipient);
    const char *pl, *body,
        *base = *o->api_url ? o->api_url : "https://events.pagerduty.com";
    size_t plen, len, bn = strlen(base);
    if (!key)
        return rn_errf(e, RN_ECONFIG, "no API key configured for recipient %s",
                       c->recipient);
    if (!svc_section(c->root, "pagerdutyv2"))
        return rn_errf(e, RN_ECONFIG, "no config found for pagerdutyv2");
    while (bn && base[bn - 1] == '/')
        bn--;
    struct svc_json j;
    svc_json_init(&j);
    int rc = payload(c, &pl, &plen);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "routing_key", key);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "event_action", "trigger");
    if (rc == RN_OK && *F("dedupKey"))
        rc = svc_json_str(&j, "dedup_key", F("dedupKey"));
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "payload", pl, plen);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "client", "ArgoCD");
    if (rc == RN_OK && *F("url"))
        rc = svc_json_str(&j, "client_url", F("url"));
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    const char *url = arena_printf(c->a, "%.*s/v2/enqueue", (int)bn, base);
    if (rc == RN_OK)
        rc = url ? svc_req_json(c->a, out, url, body, len, NULL) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "User-Agent", "go-pagerduty/1.8.0");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step pdv2_check(const void *state, struct svc_call *c,
                                const struct http_reply *r, bool *retryable,
                                struct rn_err *e)
{
    (void)state;
    struct val v;
    struct rn_err pe = {0};
    bool json = svc_json_parse(c->a, r->body, r->body_len, &v, &pe) == RN_OK &&
                v.kind == VAL_OBJECT;
    *retryable = svc_status_retryable(r->status);
    if (r->status == 202 && json)
        return SVC_STEP_DONE;
    if (r->status == 202)
        rn_errf(e, RN_EHTTP, "failed to decode the reply: %s", pe.msg);
    else if (json)
        rn_errf(e, RN_EHTTP,
                "HTTP response failed with status code %ld, status: %s, "
                "message: %s",
                r->status, svc_val_str(v, "status"), svc_val_str(v, "message"));
    else
        rn_errf(e, RN_EHTTP, "HTTP response failed with status code %ld: %s",
                r->status, svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_pagerdutyv2 = {
    .name = "pagerdutyv2",
    .opts = pdv2_opts,
    .nopts = sizeof pdv2_opts / sizeof *pdv2_opts,
    .opts_size = sizeof(struct pdv2_opts),
    .build = pdv2_build,
    .check_reply = pdv2_check,
};
