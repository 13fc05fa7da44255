/*
 * pagerduty.c: `service.pagerduty`, PagerDuty REST incidents
 * (docs/services/pagerduty.md).
 *
 * POST {apiURL}/incidents with `Authorization: Token token=<token>` and
 * `From: <from>`; the recipient is the PagerDuty service ID and the
 * template's `pagerduty` block (required: upstream crashes without it,
 * rnotify fails the send) gives title, body, urgency and priorityId.
 * `message` is not used.  The body is upstream's, quirks included:
 * go-pagerduty's CreateIncidentOptions in field order, the body type
 * `incident_details` with upstream's trailing TAB, and a `priority`
 * reference even without a priorityId (`{"type":"priority"}`: the SDK's
 * references omit an empty id).  `apiURL` is a test hook (upstream
 * always calls https://api.pagerduty.com).
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct pd_opts {
    const char *token, *from, *service_id, *api_url;
};

#define O(f) offsetof(struct pd_opts, f)
static const struct svc_opt pd_opts[] = {
    {"token", SVC_O_STR, SVC_OF_SECRET, O(token)},
    {"from", SVC_O_STR, 0, O(from)},
    {"serviceId", SVC_O_STR, 0, O(service_id)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
};
#undef O

#define F(name) svc_field(c->root, "pagerduty", name)

/* go-pagerduty's APIReference / APIDetails: {"id"?/"type"?} with both
 * members omitempty. */
static const char *reference(struct arena *a, const char *k1, const char *v1,
                             const char *k2, const char *v2)
{
    struct svc_json j;
    const char *t = NULL;
    size_t n;
    svc_json_init(&j);
    int rc = *v1 ? svc_json_str(&j, k1, v1) : RN_OK;
    if (rc == RN_OK && *v2)
        rc = svc_json_str(&j, k2, v2);
    if (rc == RN_OK)
        rc = svc_json_end(&j, a, &t, &n);
    else
        buf_free(&j.b);
    return rc == RN_OK ? t : NULL;
}

/* {"incident": CreateIncidentOptions} in the SDK's field order. */
static int incident(struct svc_call *c, struct svc_json *j)
{
    struct svc_json in;
    const char *t;
    size_t tl;
    /* the TAB is upstream's literal */
    const char *body =
        reference(c->a, "type", "incident_details\t", "details", F("body"));
    const char *svc =
        reference(c->a, "id", c->recipient, "type", "service_reference");
    const char *prio =
        reference(c->a, "id", F("priorityId"), "type", "priority");
    if (!body || !svc || !prio)
        return RN_ENOMEM;
    svc_json_init(&in);
    int rc = svc_json_str(&in, "type", "incident");
    if (rc == RN_OK)
        rc = svc_json_str(&in, "title", F("title"));
    if (rc == RN_OK)
        rc = svc_json_raw(&in, "service", svc, strlen(svc));
    if (rc == RN_OK)
        rc = svc_json_raw(&in, "priority", prio, strlen(prio));
    if (rc == RN_OK && *F("urgency"))
        rc = svc_json_str(&in, "urgency", F("urgency"));
    if (rc == RN_OK)
        rc = svc_json_raw(&in, "body", body, strlen(body));
    if (rc == RN_OK)
        rc = svc_json_end(&in, c->a, &t, &tl);
    else
        buf_free(&in.b);
    return rc == RN_OK ? svc_json_raw(j, "incident", t, tl) : rc;
}

static int pd_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct pd_opts *o = state;
    const char *base = *o->api_url ? o->api_url : "https://api.pagerduty.com";
    size_t bn = strlen(base), len;
    const char *body, *url, *auth;
    if (!svc_section(c->root, "pagerduty"))
        return rn_errf(e, RN_ECONFIG,
                       "the template has no pagerduty block (title, body, "
                       "urgency, priorityId)");
    while (bn && base[bn - 1] == '/')
        bn--;
    struct svc_json j;
    svc_json_init(&j);
    int rc = incident(c, &j);
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    url = arena_printf(c->a, "%.*s/incidents", (int)bn, base);
    auth = arena_printf(c->a, "Token token=%s", o->token);
    if (rc == RN_OK)
        rc = url && auth ? svc_req_json(c->a, out, url, body, len, NULL)
                         : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Accept",
                         "application/vnd.pagerduty+json;version=2");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Authorization", auth);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "From", o->from);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "User-Agent", "go-pagerduty/1.8.0");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step pd_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    struct val v = val_null();
    struct rn_err pe = {0};
    bool json = svc_json_parse(c->a, r->body, r->body_len, &v, &pe) == RN_OK;
    const char *ct = svc_reply_header(r, "Content-Type");
    *retryable = svc_status_retryable(r->status);
    if (r->status >= 200 && r->status < 300 && json)
        return SVC_STEP_DONE;
    if (r->status >= 200 && r->status < 300) {
        rn_errf(e, RN_EHTTP, "failed to decode the reply: %s", pe.msg);
        return SVC_STEP_FAIL;
    }
    const struct val *err =
        json && ct && strncmp(ct, "application/json", 16) == 0
            ? val_get_cstr(v, "error")
            : NULL;
    const struct val *code = err ? val_get_cstr(*err, "code") : NULL;
    if (err)
        rn_errf(e, RN_EHTTP,
                "HTTP response failed with status code %ld, message: %s "
                "(code: %lld)",
                r->status, svc_val_str(*err, "message"),
                code && code->kind == VAL_INT ? (long long)code->u.i : 0LL);
    else
        rn_errf(e, RN_EHTTP, "HTTP response failed with status code %ld",
                r->status);
    return SVC_STEP_FAIL;
}

const struct svc_type svc_pagerduty = {
    .name = "pagerduty",
    .opts = pd_opts,
    .nopts = sizeof pd_opts / sizeof *pd_opts,
    .opts_size = sizeof(struct pd_opts),
    .build = pd_build,
    .check_reply = pd_check,
};
