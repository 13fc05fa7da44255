/*
 * rocketchat.c: `service.rocketchat` (docs/services/rocketchat.md).
 *
 * Every send logs in again (step 0: POST /api/v1/login, form user and
 * password), then posts (step 1: POST /api/v1/chat.postMessage with the
 * X-Auth-Token and X-User-Id the login returned).  The base is
 * <scheme>://<host>:<port><path> with the port always written, as the
 * SDK composes it.  A recipient starting with # or @ is a channel, else a
 * room ID.  The post must answer success:true.
 */
#include "svc_int.h"

#include "../core/limits.h"

#include <curl/curl.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

struct rc_opts {
    const char *server, *email, *password, *alias, *icon, *avatar;
};

#define O(f) offsetof(struct rc_opts, f)
static const struct svc_opt rc_opts[] = {
    {"serverUrl", SVC_O_STR, 0, O(server)},
    {"email", SVC_O_STR, SVC_OF_SECRET, O(email)},
    {"password", SVC_O_STR, SVC_OF_SECRET, O(password)},
    {"alias", SVC_O_STR, 0, O(alias)},
    {"icon", SVC_O_STR, 0, O(icon)},
    {"avatar", SVC_O_STR, 0, O(avatar)},
};
#undef O

struct rc_login {
    const char *token, *user;
};

static const char *api_base(struct arena *a, const char *server)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    const char *res = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, server, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
            CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        size_t n = strlen(server);
        /* the SDK's u.Path is "" for "http://host", "/" for "http://host/" */
        const char *p =
            strcmp(path, "/") == 0 && n && server[n - 1] != '/' ? "" : path;
        res = arena_printf(a, "%s://%s:%s%s/api/v1", scheme, host, port, p);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return res;
}

static int login_req(const struct rc_opts *o, struct svc_call *c,
                     const char *base, struct http_req *out)
{
    struct svc_form f = {0};
    const char *body, *url = arena_printf(c->a, "%s/login", base);
    size_t len;
    int rc = url ? svc_form_add(c->a, &f, "user", o->email) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_form_add(c->a, &f, "password", o->password);
    if (rc == RN_OK)
        rc = svc_form_encode(c->a, &f, &body, &len);
    if (rc != RN_OK)
        return rc;
    svc_req_init(out, "POST", url);
    svc_req_body(out, body, len);
    out->shown_url = svc_url_redact(c->a, url);
    return svc_req_set(c->a, out, "Content-Type",
                       "application/x-www-form-urlencoded");
}

static bool is_emoji(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && s[0] == ':' && s[n - 1] == ':';
}

static bool is_url(struct arena *a, const char *s)
{
    const char *h = svc_url_host(a, s);
    return (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
           h && *h;
}

/* The SDK's models.Attachment and its parts, in declaration order
 * (gotype.c decodes and encodes them as upstream's json round trip). */
#define RS(n, o)                                                               \
    {                                                                          \
        n, GK_STR, o, NULL, 0, NULL, NULL                                      \
    }
#define RB(n, o)                                                               \
    {                                                                          \
        n, GK_BOOL, o, NULL, 0, NULL, NULL                                     \
    }
static const struct gt_field field_f[] = {RB("short", false), RS("title", true),
                                          RS("value", true)};
static const struct gt_struct field_t = {"models.AttachmentField", field_f, 3};
static const struct gt_field action_f[] = {RS("type", true),
                                           RS("text", true),
                                           RS("url", true),
                                           RS("image_url", true),
                                           RB("is_webview", false),
                                           RS("webview_height_ratio", true),
                                           RS("msg", true),
                                           RB("msg_in_chat_window", false),
                                           RS("msg_processing_type", true)};
static const struct gt_struct action_t = {"models.AttachmentAction", action_f,
                                          9};
static const struct gt_field attach_f[] = {
    RS("color", true),
    RS("text", true),
    RS("ts", true),
    RS("thumb_url", true),
    RS("message_link", true),
    RB("collapsed", false),
    RS("author_name", true),
    RS("author_link", true),
    RS("author_icon", true),
    RS("title", true),
    RS("title_link", true),
    RS("title_link_download", true),
    RS("image_url", true),
    RS("audio_url", true),
    RS("video_url", true),
    {"actions", GK_SLICE, true, &action_t, GK_STRUCT, NULL,
     "[]models.AttachmentAction"},
    RS("button_alignment", true),
    {"fields", GK_SLICE, true, &field_t, GK_STRUCT, NULL,
     "[]models.AttachmentField"},
};
static const struct gt_struct attach_t = {"models.Attachment", attach_f,
                                          sizeof attach_f / sizeof *attach_f};
#undef RS
#undef RB

/* `attachments` decoded into []models.Attachment and encoded again
 * (every one gets "collapsed": false, unknown keys go); *out NULL when
 * there are none (PostMessage's attachments are omitempty). */
static int attachments(struct svc_call *c, const char *text, const char **out,
                       struct rn_err *e)
{
    struct val v;
    struct rn_err pe = {0};
    struct buf b;
    struct gt_ctx x = {&b, &pe, c->a, 0, 0, false};
    *out = NULL;
    if (svc_json_parse(c->a, text, strlen(text), &v, &pe) != RN_OK)
        return rn_errf(e, RN_EINVAL,
                       "failed to unmarshal attachments '%s' : %s", text,
                       pe.msg);
    if (v.kind == VAL_NULL || (v.kind == VAL_ARRAY && val_list_len(v) == 0))
        return RN_OK;
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = gt_emit_list(&x, &attach_t, &v, "[]models.Attachment");
    if (rc == RN_OK)
        *out = arena_strndup(c->a, buf_str(&b), b.len);
    buf_free(&b);
    if (rc != RN_OK)
        return rn_errf(e, rc, "failed to unmarshal attachments '%s' : %s", text,
                       pe.msg);
    return *out ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
}

/* models.PostMessage: roomId|channel, text, alias, emoji, avatar,
 * attachments, each left out when empty. */
static int post_body(const struct rc_opts *o, struct svc_call *c,
                     const char **body, size_t *len, struct rn_err *e)
{
    const char *att = svc_field(c->root, "rocketchat", "attachments");
    const char *r = c->recipient;
    const char *list = NULL;
    int rc = *att ? attachments(c, att, &list, e) : RN_OK;
    if (rc != RN_OK)
        return rc;
    struct svc_json j;
    svc_json_init(&j);
    rc = svc_json_str(&j, r[0] == '#' || r[0] == '@' ? "channel" : "roomId", r);
    if (rc == RN_OK && *svc_message(c->root))
        rc = svc_json_str(&j, "text", svc_message(c->root));
    if (rc == RN_OK && *o->alias)
        rc = svc_json_str(&j, "alias", o->alias);
    if (rc == RN_OK && is_emoji(o->icon))
        rc = svc_json_str(&j, "emoji", o->icon);
    if (rc == RN_OK && is_url(c->a, o->avatar))
        rc = svc_json_str(&j, "avatar", o->avatar);
    if (rc == RN_OK && list)
        rc = svc_json_raw(&j, "attachments", list, strlen(list));
    if (rc == RN_OK)
        return svc_json_end(&j, c->a, body, len);
    buf_free(&j.b);
    return rn_errf(e, rc, "out of memory");
}

static int rc_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct rc_opts *o = state;
    const char *base = api_base(c->a, o->server);
    const struct rc_login *l = c->scratch;
    const char *body, *url;
    size_t len;
    if (!base)
        return rn_errf(e, RN_ECONFIG, "invalid serverUrl '%s'", o->server);
    if (c->step == 0) {
        int rc = login_req(o, c, base, out);
        return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
    }
    int rc = post_body(o, c, &body, &len, e);
    if (rc != RN_OK)
        return rc;
    url = arena_printf(c->a, "%s/chat.postMessage", base);
    if (!url)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, "POST", url);
    svc_req_body(out, body, len);
    out->shown_url = svc_url_redact(c->a, url);
    rc = svc_req_set(c->a, out, "Content-Type", "application/json");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-Auth-Token", l->token);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-User-Id", l->user);
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

/* A field matched case-insensitively (the SDK decodes into a struct). */
static const char *fold_str(struct val obj, const char *key)
{
    for (size_t i = 0; obj.kind == VAL_OBJECT && i < val_obj_len(obj); i++) {
        const struct val_kv *kv = val_obj_at(obj, i);
        if (strcasecmp(kv->key.u.s, key) == 0 && kv->v.kind == VAL_STRING)
            return kv->v.u.s;
    }
    return "";
}

static bool success(struct val v)
{
    const struct val *s = val_get_cstr(v, "success");
    return (s && s->kind == VAL_BOOL && s->u.b) ||
           strcmp(svc_val_str(v, "status"), "success") == 0;
}

static enum svc_step rc_fail(struct svc_call *c, const struct http_reply *r,
                             struct val v, bool parsed, bool *retryable,
                             struct rn_err *e)
{
    *retryable = svc_status_retryable(r->status);
    if (!parsed)
        rn_errf(e, RN_EHTTP, "Request error: %ld %s", r->status, r->reason);
    else if (*svc_val_str(v, "error"))
        rn_errf(e, RN_EHTTP, "%s", svc_val_str(v, "error"));
    else
        rn_errf(e, RN_EHTTP, "status: %s, message: %s",
                svc_val_str(v, "status"), svc_val_str(v, "message"));
    (void)c;
    return SVC_STEP_FAIL;
}

static enum svc_step rc_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    struct val v = val_null();
    struct rn_err pe = {0};
    bool parsed =
        svc_json_parse(c->a, r->body, r->body_len, &v, &pe) == RN_OK &&
        v.kind == VAL_OBJECT;
    if (r->status != 200 || !parsed || !success(v))
        return rc_fail(c, r, v, parsed, retryable, e);
    if (c->step > 0)
        return SVC_STEP_DONE;
    struct rc_login *l = arena_zalloc(c->a, sizeof *l);
    const struct val *data = val_get_cstr(v, "data");
    if (!l)
        return rc_fail(c, r, v, false, retryable, e);
    l->token = data ? fold_str(*data, "authToken") : "";
    l->user = data ? fold_str(*data, "userId") : "";
    c->scratch = l;
    return SVC_STEP_NEXT;
}

const struct svc_type svc_rocketchat = {
    .name = "rocketchat",
    .flags = 0,
    .opts = rc_opts,
    .nopts = sizeof rc_opts / sizeof *rc_opts,
    .opts_size = sizeof(struct rc_opts),
    .build = rc_build,
    .check_reply = rc_check,
};
