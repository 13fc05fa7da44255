/*
 * pushover.c: `service.pushover` (docs/services/pushover.md).
 *
 * Checks what the SDK checks before any request (token and recipient are
 * 30 letters or digits, the message is 1..1024 characters), then POSTs
 * the form token, user, message, priority=0 to {apiURL}/messages.json.
 * A success needs status 1 in the JSON reply and each X-Limit-App-*
 * header exactly once as an integer.  `apiURL` is not upstream (the SDK
 * hard-codes https://api.pushover.net/1): a test hook.
 */
#include "svc_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct po_opts {
    const char *token, *api_url;
};

#define O(f) offsetof(struct po_opts, f)
static const struct svc_opt po_opts[] = {
    {"token", SVC_O_STR, SVC_OF_SECRET, O(token)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
};
#undef O

static bool key30(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9')))
            return false;
    }
    return n == 30;
}

static size_t runes(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int po_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct po_opts *o = state;
    const char *msg = svc_message(c->root);
    if (!key30(o->token))
        return rn_errf(e, RN_ECONFIG, "pushover: invalid token");
    if (!key30(c->recipient))
        return rn_errf(e, RN_EINVAL, "pushover: invalid recipient token");
    if (!*msg)
        return rn_errf(e, RN_EINVAL, "pushover: message empty");
    if (runes(msg) > 1024)
        return rn_errf(e, RN_EINVAL, "pushover: message too long");
    const char *base = *o->api_url ? o->api_url : "https://api.pushover.net/1";
    size_t bn = strlen(base);
    while (bn && base[bn - 1] == '/')
        bn--;
    struct svc_form f = {0};
    const char *body, *url;
    size_t len;
    int rc = svc_form_add(c->a, &f, "token", o->token);
    if (rc == RN_OK)
        rc = svc_form_add(c->a, &f, "user", c->recipient);
    if (rc == RN_OK)
        rc = svc_form_add(c->a, &f, "message", msg);
    if (rc == RN_OK)
        rc = svc_form_add(c->a, &f, "priority", "0");
    if (rc == RN_OK)
        rc = svc_form_encode(c->a, &f, &body, &len);
    url = arena_printf(c->a, "%.*s/messages.json", (int)bn, base);
    if (rc != RN_OK || !url)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, "POST", url);
    out->shown_url = svc_url_redact(c->a, url);
    svc_req_body(out, body, len);
    rc = svc_req_set(c->a, out, "Content-Type",
                     "application/x-www-form-urlencoded");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static bool limit_headers_ok(const struct http_reply *r)
{
    static const char *const names[] = {
        "X-Limit-App-Limit", "X-Limit-App-Remaining", "X-Limit-App-Reset"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = svc_reply_header(r, names[i]);
        char *end;
        if (svc_reply_header_count(r, names[i]) != 1 || !*v)
            return false;
        (void)strtoll(v, &end, 10);
        if (*end)
            return false;
    }
    return true;
}

static enum svc_step po_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    struct val v;
    struct rn_err pe = {0};
    *retryable = svc_status_retryable(r->status);
    if (r->status >= 500) {
        rn_errf(e, RN_EHTTP, "pushover: http error");
        return SVC_STEP_FAIL;
    }
    if (svc_json_parse(c->a, r->body, r->body_len, &v, &pe) != RN_OK ||
        v.kind != VAL_OBJECT) {
        rn_errf(e, RN_EHTTP, "pushover: cannot decode reply (status %ld)",
                r->status);
        return SVC_STEP_FAIL;
    }
    const struct val *st = val_get_cstr(v, "status");
    if (!st || st->kind != VAL_INT || st->u.i != 1) {
        const struct val *errs = val_get_cstr(v, "errors");
        const char *list = errs ? svc_json_text(c->a, *errs) : NULL;
        rn_errf(e, RN_EHTTP, "pushover: errors: %s", list ? list : "[]");
        return SVC_STEP_FAIL;
    }
    if (!limit_headers_ok(r)) {
        rn_errf(e, RN_EHTTP, "pushover: invalid headers in server response");
        return SVC_STEP_FAIL;
    }
    return SVC_STEP_DONE;
}

const struct svc_type svc_pushover = {
    .name = "pushover",
    .flags = 0,
    .opts = po_opts,
    .nopts = sizeof po_opts / sizeof *po_opts,
    .opts_size = sizeof(struct po_opts),
    .build = po_build,
    .check_reply = po_check,
};
