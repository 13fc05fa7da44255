/*
 * opsgenie.c: `service.opsgenie`, alerts (docs/services/opsgenie.md).
 *
 * `apiUrl` is a host, not a URL: the request goes to
 * https://<apiUrl>/v2/alerts, or plain http when the host does not
 * contain "api" (an SDK rule that lets 127.0.0.1:PORT doubles work).  The
 * recipient picks the GenieKey in `apiKeys` and is also sent as the
 * responder team id.  The SDK retries transport errors, 429 and 5xx but
 * 501 up to 4 times (waits 1 s doubling to 30 s, Retry-After honoured)
 * and then judges the last reply; an empty message fails before sending.
 */
#include "svc_int.h"

#include <stddef.h>
#include <string.h>

struct og_opts {
    const char *api_url;
    struct svc_strmap keys;
    bool insecure;
};

#define O(f) offsetof(struct og_opts, f)
static const struct svc_opt og_opts[] = {
    {"apiUrl", SVC_O_STR, 0, O(api_url)},
    {"apiKeys", SVC_O_STRMAP, SVC_OF_SECRET, O(keys)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

#define F(name) svc_field(c->root, "opsgenie", name)

/* A list or map of the block, when present and non-empty. */
static const struct val *block_item(struct svc_call *c, const char *k)
{
    const struct val *s = svc_section(c->root, "opsgenie");
    const struct val *v = s ? val_get_cstr(*s, k) : NULL;
    if (!v || (v->kind != VAL_ARRAY && v->kind != VAL_OBJECT))
        return NULL;
    size_t n = v->kind == VAL_ARRAY ? val_list_len(*v) : val_obj_len(*v);
    return n ? v : NULL;
}

/* visibleTo items: type and username always, id and name when set. */
static int visible_to(struct svc_call *c, struct svc_json *j)
{
    const struct val *l = block_item(c, "visibleTo");
    struct buf b;
    int rc = RN_OK;
    if (!l || l->kind != VAL_ARRAY)
        return RN_OK;
    buf_init(&b, 1u << 20);
    rc = buf_add_char(&b, '[');
    for (size_t i = 0; rc == RN_OK && i < val_list_len(*l); i++) {
        struct val it = val_list_at(*l, i);
        struct svc_json o;
        const char *t;
        size_t n;
        svc_json_init(&o);
        rc = svc_json_str(&o, "type", svc_val_str(it, "type"));
        if (rc == RN_OK && *svc_val_str(it, "id"))
            rc = svc_json_str(&o, "id", svc_val_str(it, "id"));
        if (rc == RN_OK && *svc_val_str(it, "name"))
            rc = svc_json_str(&o, "name", svc_val_str(it, "name"));
        if (rc == RN_OK)
            rc = svc_json_str(&o, "username", svc_val_str(it, "username"));
        if (rc == RN_OK)
            rc = svc_json_end(&o, c->a, &t, &n);
        else
            buf_free(&o.b);
        if (rc == RN_OK)
            rc = buf_add_fmt(&b, "%s%s", i ? "," : "", t);
    }
    if (rc == RN_OK)
        rc = buf_add_char(&b, ']');
    if (rc == RN_OK)
        rc = svc_json_raw(j, "visibleTo", buf_str(&b), b.len);
    buf_free(&b);
    return rc;
}

static int alert_body(struct svc_call *c, struct svc_json *j)
{
    static const char *const scalars[] = {"entity", "priority", "user", "note"};
    static const char *const lists[] = {"actions", "tags", "details"};
    const char *team = arena_printf(
        c->a,
        "[{\"type\":\"team\",\"id\":%s,"
        "\"username\":\"\"}]",
        svc_json_text(c->a, val_str(c->recipient, strlen(c->recipient))));
    int rc = svc_json_str(j, "message", svc_message(c->root));
    if (rc == RN_OK && *F("alias"))
        rc = svc_json_str(j, "alias", F("alias"));
    if (rc == RN_OK && *F("description"))
        rc = svc_json_str(j, "description", F("description"));
    if (rc == RN_OK)
        rc = svc_json_raw(j, "responders", team, team ? strlen(team) : 0);
    if (rc == RN_OK)
        rc = visible_to(c, j);
    for (size_t i = 0; rc == RN_OK && i < 3; i++)
        if (block_item(c, lists[i]))
            rc = svc_json_val(j, lists[i], *block_item(c, lists[i]));
    if (rc == RN_OK && *F("entity"))
        rc = svc_json_str(j, "entity", F("entity"));
    if (rc == RN_OK)
        rc = svc_json_str(j, "source", "Argo CD");
    for (size_t i = 1; rc == RN_OK && i < 4; i++)
        if (*F(scalars[i]))
            rc = svc_json_str(j, scalars[i], F(scalars[i]));
    return rc;
}

static int og_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct og_opts *o = state;
    const char *key = svc_map_get(&o->keys, c->recipient);
    const char *host = *o->api_url ? o->api_url : "api.opsgenie.com";
    const char *body, *url, *auth;
    size_t len;
    if (!key)
        return rn_errf(e, RN_ECONFIG, "no API key configured for recipient %s",
                       c->recipient);
    if (svc_section(c->root, "opsgenie") && !*F("description"))
        return rn_errf(e, RN_EINVAL,
                       "opsgenie: description is required in the template");
    if (!*svc_message(c->root))
        return rn_errf(e, RN_EINVAL, "message can not be empty");
    struct svc_json j;
    svc_json_init(&j);
    int rc = alert_body(c, &j);
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    url = arena_printf(c->a, "%s://%s/v2/alerts",
                       strstr(host, "api") ? "https" : "http", host);
    auth = arena_printf(c->a, "GenieKey %s", key);
    if (rc == RN_OK)
        rc = url && auth ? svc_req_json(c->a, out, url, body, len, NULL)
                         : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Content-Type",
                         "application/json; charset=utf-8");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Accept", "application/json");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Authorization", auth);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "User-Agent",
                         "opsgenie-go-sdk-2.0.0 go1.24 (linux/amd64)");
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    out->insecure = o->insecure;
    out->retry = (struct svc_retry){SVC_RETRY_BACKOFF, 4, 1000, 30000, true};
    return RN_OK;
}

static enum svc_step og_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    struct val v = val_null();
    struct rn_err pe = {0};
    bool json = svc_json_parse(c->a, r->body, r->body_len, &v, &pe) == RN_OK &&
                v.kind == VAL_OBJECT;
    *retryable = svc_status_retryable(r->status);
    if (r->status < 400 && json)
        return SVC_STEP_DONE;
    if (r->status < 400) {
        rn_errf(e, RN_EHTTP, "opsgenie: cannot decode the reply: %s", pe.msg);
        return SVC_STEP_FAIL;
    }
    const struct val *took = val_get_cstr(v, "took");
    rn_errf(e, RN_EHTTP,
            "Error occurred with Status code: %ld, Message: %s, Took: %f, "
            "RequestId: %s",
            r->status, svc_val_str(v, "message"),
            took && took->kind == VAL_FLOAT ? took->u.f
            : took && took->kind == VAL_INT ? (double)took->u.i
                                            : 0.0,
            svc_val_str(v, "requestId"));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_opsgenie = {
    .name = "opsgenie",
    .flags = SVC_F_HTTP,
    .opts = og_opts,
    .nopts = sizeof og_opts / sizeof *og_opts,
    .opts_size = sizeof(struct og_opts),
    .build = og_build,
    .check_reply = og_check,
};
