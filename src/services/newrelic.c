/*
 * newrelic.c: `service.newrelic`, deployment markers
 * (docs/services/newrelic.md).
 *
 * POST {apiURL}/v2/applications/<recipient>/deployments.json with
 * `X-Api-Key` and {"deployment": {revision, changelog?, description?,
 * user?}}; the recipient is the APM application ID and the template's
 * `newrelic` block is required.  As upstream, the reply status is never
 * looked at: only a transport error fails.  Upstream's defaults for
 * absent fields are Argo CD expressions: an absent `revision` renders
 * "<no value>" (kept), an absent `changelog` or `user` would be a render
 * error in Argo Rollouts (rnotify leaves them out instead), an absent
 * `description` is the message.
 *
 * The recipient goes into the URL path, and a Rollout's author chooses
 * it: it must be an application ID (digits only), or nothing is sent, so
 * that `../` or `?` cannot point the request at another resource.
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct nr_opts {
    const char *api_key, *api_url;
    bool insecure;
};

#define O(f) offsetof(struct nr_opts, f)
static const struct svc_opt nr_opts[] = {
    {"apiKey", SVC_O_STR, SVC_OF_SECRET, O(api_key)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

/* A field of the block, or dflt when the template does not set it. */
static const char *field(struct svc_call *c, const char *k, const char *dflt)
{
    const struct val *s = svc_section(c->root, "newrelic");
    const struct val *v = s ? val_get_cstr(*s, k) : NULL;
    return v && v->kind == VAL_STRING ? v->u.s : dflt;
}

static int deployment(struct svc_call *c, const char **out, size_t *len)
{
    static const char *const optional[] = {"changelog", "description", "user"};
    struct svc_json d, j;
    const char *dt;
    size_t dl;
    svc_json_init(&d);
    int rc = svc_json_str(&d, "revision", field(c, "revision", "<no value>"));
    for (size_t i = 0; rc == RN_OK && i < 3; i++) {
        const char *v =
            field(c, optional[i], i == 1 ? svc_message(c->root) : "");
        if (*v)
            rc = svc_json_str(&d, optional[i], v);
    }
    if (rc == RN_OK)
        rc = svc_json_end(&d, c->a, &dt, &dl);
    else
        buf_free(&d.b);
    svc_json_init(&j);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "deployment", dt, dl);
    if (rc == RN_OK)
        return svc_json_end(&j, c->a, out, len);
    buf_free(&j.b);
    return rc;
}

/* A New Relic APM application ID: 1 to 20 digits. */
static bool app_id_ok(const char *r)
{
    size_t n = strlen(r);
    return n > 0 && n <= 20 && strspn(r, "0123456789") == n;
}

static int nr_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct nr_opts *o = state;
    const char *base = *o->api_url ? o->api_url : "https://api.newrelic.com";
    size_t bn = strlen(base), len;
    const char *body, *url;
    if (!*o->api_key)
        return rn_errf(e, RN_ECONFIG, "apiKey is missing");
    if (!svc_section(c->root, "newrelic"))
        return rn_errf(e, RN_ECONFIG, "config is missing");
    if (!app_id_ok(c->recipient))
        return rn_errf(e, RN_EINVAL,
                       "invalid application ID \"%s\": a New Relic "
                       "application ID is a number",
                       c->recipient);
    if (bn && base[bn - 1] == '/')
        bn--;
    int rc = deployment(c, &body, &len);
    url = arena_printf(c->a, "%.*s/v2/applications/%s/deployments.json",
                       (int)bn, base, svc_segment(c->a, c->recipient));
    if (rc == RN_OK)
        rc = url ? svc_req_json(c->a, out, url, body, len, NULL) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-Api-Key", o->api_key);
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

/* Any reply is a success, as upstream (which never reads the status). */
static enum svc_step nr_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    (void)c;
    (void)r;
    (void)retryable;
    (void)e;
    return SVC_STEP_DONE;
}

const struct svc_type svc_newrelic = {
    .name = "newrelic",
    .flags = SVC_F_HTTP,
    .opts = nr_opts,
    .nopts = sizeof nr_opts / sizeof *nr_opts,
    .opts_size = sizeof(struct nr_opts),
    .build = nr_build,
    .check_reply = nr_check,
};
