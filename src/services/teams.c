/*
 * teams.c: `service.teams`, Office 365 connector cards
 * (docs/services/teams.md).
 *
 * The recipient names a webhook URL in `recipientUrls` (secret: the URL
 * is the credential, so messages show only its origin).  The body is the
 * template's raw `template` JSON when set, else a MessageCard with
 * upstream's `context` key (not `@context`) and the `facts` appended as
 * a last section.  Success is a reply body of exactly `1` or an empty
 * one, whatever the status.
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct teams_opts {
    struct svc_strmap urls;
    bool insecure;
};

#define O(f) offsetof(struct teams_opts, f)
static const struct svc_opt teams_opts[] = {
    {"recipientUrls", SVC_O_STRMAP, SVC_OF_SECRET, O(urls)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

#define F(name) svc_field(c->root, "teams", name)

/* sections (+ {"facts": facts}) as JSON text, NULL when none. */
static int sections(struct svc_call *c, const char **out, struct rn_err *e)
{
    struct val secs = val_list(NULL, GT_LIST_ANY), facts;
    int rc = RN_OK;
    *out = NULL;
    if (*F("sections"))
        rc = svc_parse_array(c->a, "teams sections unmarshalling error ",
                             F("sections"), true, &secs, e);
    if (rc == RN_OK && *F("facts"))
        rc = svc_parse_array(c->a, "teams facts unmarshalling error ",
                             F("facts"), true, &facts, e);
    if (rc != RN_OK)
        return rc;
    struct buf b;
    buf_init(&b, 1u << 24);
    rc = buf_add_char(&b, '[');
    for (size_t i = 0; rc == RN_OK && i < val_list_len(secs); i++) {
        const char *t = svc_json_text(c->a, val_list_at(secs, i));
        rc = t ? buf_add_fmt(&b, "%s%s", i ? "," : "", t) : RN_ENOMEM;
    }
    if (rc == RN_OK && *F("facts")) {
        const char *t = svc_json_text(c->a, facts);
        rc = t ? buf_add_fmt(&b, "%s{\"facts\":%s}",
                             val_list_len(secs) ? "," : "", t)
               : RN_ENOMEM;
    }
    if (rc == RN_OK)
        rc = buf_add_char(&b, ']');
    if (rc == RN_OK && b.len > 2)
        *out = arena_strndup(c->a, buf_str(&b), b.len);
    buf_free(&b);
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static int card(struct svc_call *c, const char **body, size_t *len,
                struct rn_err *e)
{
    const char *secs, *text = *F("text") ? F("text") : svc_message(c->root);
    struct val act;
    int rc = sections(c, &secs, e);
    if (rc == RN_OK && *F("potentialAction"))
        rc =
            svc_parse_array(c->a, "teams potential action unmarshalling error ",
                            F("potentialAction"), true, &act, e);
    if (rc != RN_OK)
        return rc;
    struct svc_json j;
    svc_json_init(&j);
    rc = svc_json_str(&j, "@type", "MessageCard");
    if (rc == RN_OK)
        rc = svc_json_str(&j, "context", "https://schema.org/extensions");
    if (rc == RN_OK)
        rc = svc_json_str(&j, "title", F("title"));
    if (rc == RN_OK)
        rc = svc_json_str(&j, "summary", F("summary"));
    if (rc == RN_OK)
        rc = svc_json_str(&j, "text", text);
    if (rc == RN_OK && *F("themeColor"))
        rc = svc_json_str(&j, "themeColor", F("themeColor"));
    if (rc == RN_OK && *F("potentialAction") && val_list_len(act))
        rc = svc_json_val(&j, "potentialAction", act);
    if (rc == RN_OK && secs)
        rc = svc_json_raw(&j, "sections", secs, strlen(secs));
    if (rc == RN_OK)
        return svc_json_end(&j, c->a, body, len);
    buf_free(&j.b);
    return rn_errf(e, rc, "out of memory");
}

static int teams_build(const void *state, struct svc_call *c,
                       struct http_req *out, struct rn_err *e)
{
    const struct teams_opts *o = state;
    const char *url = svc_map_get(&o->urls, c->recipient);
    const char *body = F("template");
    size_t len = strlen(body);
    if (!url)
        return rn_errf(e, RN_ECONFIG,
                       "no teams webhook configured for recipient %s",
                       c->recipient);
    int rc = *body ? RN_OK : card(c, &body, &len, e);
    if (rc != RN_OK)
        return rc;
    rc = svc_req_json(c->a, out, url, body, len, NULL);
    out->shown_url = NULL; /* the URL is the credential: origin only */
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step teams_check(const void *state, struct svc_call *c,
                                 const struct http_reply *r, bool *retryable,
                                 struct rn_err *e)
{
    (void)state;
    /* the status is not looked at: a body of "1" (or none) is success */
    if (r->body_len == 0 || (r->body_len == 1 && r->body[0] == '1'))
        return SVC_STEP_DONE;
    *retryable = svc_status_retryable(r->status);
    rn_errf(e, RN_EHTTP, "teams webhook post error: %s",
            svc_body_excerpt(c, r));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_teams = {
    .name = "teams",
    .flags = SVC_F_HTTP,
    .opts = teams_opts,
    .nopts = sizeof teams_opts / sizeof *teams_opts,
    .opts_size = sizeof(struct teams_opts),
    .build = teams_build,
    .check_reply = teams_check,
};
