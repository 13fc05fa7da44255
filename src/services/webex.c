/*
 * webex.c: `service.webex` (docs/services/webex.md).
 *
 * POST {apiURL}/v1/messages with a bearer token; a recipient that looks
 * like an e-mail address (^\S+@\S+\.\S+$) goes to toPersonEmail, anything
 * else to roomId; the message is sent as markdown.  Only status 200 counts
 * as success (a 201 is a failure, as upstream).
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct webex_opts {
    const char *token, *api_url;
    bool insecure;
};

#define O(f) offsetof(struct webex_opts, f)
static const struct svc_opt webex_opts[] = {
    {"token", SVC_O_STR, SVC_OF_SECRET, O(token)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

/* ^\S+@\S+\.\S+$ */
static bool is_email(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
            return false;
    for (size_t i = 1; i < n; i++) {
        if (s[i] != '@')
            continue;
        for (size_t j = i + 2; j + 1 < n; j++)
            if (s[j] == '.')
                return true;
    }
    return false;
}

/* {apiURL}/v1/messages, one trailing "/" of apiURL dropped. */
static const char *webex_url(struct arena *a, const struct webex_opts *o)
{
    const char *base = *o->api_url ? o->api_url : "https://webexapis.com";
    size_t bn = strlen(base);
    if (bn && base[bn - 1] == '/')
        bn--;
    return arena_printf(a, "%.*s/v1/messages", (int)bn, base);
}

static int webex_build(const void *state, struct svc_call *c,
                       struct http_req *out, struct rn_err *e)
{
    const struct webex_opts *o = state;
    struct svc_json j;
    const char *body;
    size_t len;
    svc_json_init(&j);
    int rc = RN_OK;
    if (*c->recipient)
        rc = svc_json_str(&j,
                          is_email(c->recipient) ? "toPersonEmail" : "roomId",
                          c->recipient);
    if (rc == RN_OK && *svc_message(c->root))
        rc = svc_json_str(&j, "markdown", svc_message(c->root));
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    const char *url = webex_url(c->a, o);
    if (rc == RN_OK)
        rc =
            url ? svc_req_json(c->a, out, url, body, len, o->token) : RN_ENOMEM;
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step webex_check(const void *state, struct svc_call *c,
                                 const struct http_reply *r, bool *retryable,
                                 struct rn_err *e)
{
    (void)state;
    if (r->status == 200)
        return SVC_STEP_DONE;
    *retryable = svc_status_retryable(r->status);
    rn_errf(e, RN_EHTTP, "request to %s has failed with error code %ld : %s",
            webex_url(c->a, state), r->status, svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_webex = {
    .name = "webex",
    .flags = SVC_F_HTTP,
    .opts = webex_opts,
    .nopts = sizeof webex_opts / sizeof *webex_opts,
    .opts_size = sizeof(struct webex_opts),
    .build = webex_build,
    .check_reply = webex_check,
};
