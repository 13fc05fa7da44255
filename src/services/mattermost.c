/*
 * mattermost.c: `service.mattermost` (docs/services/mattermost.md).
 *
 * POST {apiURL}/api/v4/posts with a bearer token and the JSON body
 * {channel_id, message, props: {attachments}}; the recipient is a channel
 * ID and props.attachments is always present.  `apiURL` is joined by
 * concatenation, as upstream does (a trailing "/" gives "//api").
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct mattermost_opts {
    const char *api_url, *token;
    bool insecure;
};

#define O(f) offsetof(struct mattermost_opts, f)
static const struct svc_opt mattermost_opts[] = {
    {"apiURL", SVC_O_STR, 0, O(api_url)},
    {"token", SVC_O_STR, SVC_OF_SECRET, O(token)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

static int mattermost_build(const void *state, struct svc_call *c,
                            struct http_req *out, struct rn_err *e)
{
    const struct mattermost_opts *o = state;
    const char *att = svc_field(c->root, "mattermost", "attachments");
    struct val list = val_list(NULL, GT_LIST_ANY);
    if (*att && svc_unmarshal_list(c->a, "attachments", att, &list, e))
        return e->code;
    struct svc_json props, j;
    const char *pbody, *body;
    size_t plen, len;
    svc_json_init(&props);
    int rc = *att ? svc_json_val(&props, "attachments", list)
                  : svc_json_raw(&props, "attachments", "[]", 2);
    if (rc == RN_OK)
        rc = svc_json_end(&props, c->a, &pbody, &plen);
    else
        buf_free(&props.b);
    svc_json_init(&j);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "channel_id", c->recipient);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "message", svc_message(c->root));
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "props", pbody, plen);
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    const char *url = arena_printf(c->a, "%s/api/v4/posts", o->api_url);
    if (rc == RN_OK)
        rc =
            url ? svc_req_json(c->a, out, url, body, len, o->token) : RN_ENOMEM;
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step mattermost_check(const void *state, struct svc_call *c,
                                      const struct http_reply *r,
                                      bool *retryable, struct rn_err *e)
{
    (void)state;
    if (r->status >= 200 && r->status < 300)
        return SVC_STEP_DONE;
    *retryable = svc_status_retryable(r->status);
    /* upstream prints its body map here */
    rn_errf(e, RN_EHTTP,
            "request to map[channel_id:%s message:%.100s] has failed with "
            "error code %ld : %s",
            c->recipient, svc_message(c->root), r->status,
            svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_mattermost = {
    .name = "mattermost",
    .flags = SVC_F_HTTP,
    .opts = mattermost_opts,
    .nopts = sizeof mattermost_opts / sizeof *mattermost_opts,
    .opts_size = sizeof(struct mattermost_opts),
    .build = mattermost_build,
    .check_reply = mattermost_check,
};
