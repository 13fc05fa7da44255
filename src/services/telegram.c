/*
 * telegram.c: `service.telegram` (docs/services/telegram.md).
 *
 * Two form POSTs per send, as the SDK (OvyFlash/telegram-bot-api) does:
 * getMe (bot construction) with an empty form, then sendMessage with the
 * fields its MessageConfig always writes: chat_id (left out for chat 0,
 * as the SDK's first-valid rule does), business_connection_id (empty),
 * message_thread_id (when not 0), reply_parameters={"message_id":0},
 * text (when not empty), parse_mode=Markdown, entities=null (a nil
 * slice marshalled) and link_preview_options={}.  A recipient starting
 * with "-" is a numeric chat ID with an optional "|<thread>"; anything
 * else is a channel name and gets "@" prepended (so "@name" becomes
 * "@@name", as upstream).  The token travels in the URL path
 * (/bot<token>/...), so messages show the path with the token masked.
 * `apiURL` is not upstream: it lets a test double stand in for
 * api.telegram.org.
 */
#include "svc_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tg_opts {
    const char *token, *api_url;
};

#define O(f) offsetof(struct tg_opts, f)
static const struct svc_opt tg_opts[] = {
    {"token", SVC_O_STR, SVC_OF_SECRET, O(token)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
};
#undef O

/* strconv.ParseInt(s, 10, 64) over s[0..n): an optional sign, digits. */
static bool parse_i64(const char *s, size_t n, int64_t *out)
{
    char tmp[32];
    char *end;
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    size_t sign = tmp[0] == '+' || tmp[0] == '-';
    if (!tmp[sign] || strspn(tmp + sign, "0123456789") != n - sign)
        return false;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* "-100123|7": the chat ID, and the thread ID when a second part is
 * there (strings.Split on "|": parts after the second are ignored). */
static int chat_fields(struct svc_call *c, struct svc_form *f, struct rn_err *e)
{
    const char *r = c->recipient;
    if (r[0] != '-')
        return svc_form_add(c->a, f, "chat_id", arena_printf(c->a, "@%s", r));
    const char *bar = strchr(r, '|');
    const char *bar2 = bar ? strchr(bar + 1, '|') : NULL;
    int64_t chat, thread = 0;
    size_t n = bar ? (size_t)(bar - r) : strlen(r);
    if (!parse_i64(r, n, &chat))
        return rn_errf(e, RN_EINVAL,
                       "strconv.ParseInt: parsing \"%.*s\": invalid syntax",
                       (int)n, r);
    size_t tn = bar ? (bar2 ? (size_t)(bar2 - bar - 1) : strlen(bar + 1)) : 0;
    if (bar && (!parse_i64(bar + 1, tn, &thread) || thread > INT32_MAX ||
                thread < INT32_MIN))
        return rn_errf(e, RN_EINVAL,
                       "strconv.Atoi: parsing \"%.*s\": invalid syntax",
                       (int)tn, bar + 1);
    int rc = chat ? svc_form_add(c->a, f, "chat_id",
                                 arena_printf(c->a, "%" PRId64, chat))
                  : RN_OK;
    if (rc == RN_OK && thread)
        rc = svc_form_add(c->a, f, "message_thread_id",
                          arena_printf(c->a, "%" PRId64, thread));
    return rc;
}

/* sendMessage's form: MessageConfig.params() of the SDK. */
static int message_form(struct svc_call *c, struct svc_form *f,
                        struct rn_err *e)
{
    int rc = chat_fields(c, f, e);
    if (rc == RN_OK)
        rc = svc_form_add(c->a, f, "business_connection_id", "");
    if (rc == RN_OK)
        rc = svc_form_add(c->a, f, "reply_parameters", "{\"message_id\":0}");
    if (rc == RN_OK && *svc_message(c->root))
        rc = svc_form_add(c->a, f, "text", svc_message(c->root));
    if (rc == RN_OK)
        rc = svc_form_add(c->a, f, "parse_mode", "Markdown");
    if (rc == RN_OK)
        rc = svc_form_add(c->a, f, "entities", "null");
    if (rc == RN_OK)
        rc = svc_form_add(c->a, f, "link_preview_options", "{}");
    return rc;
}

static int tg_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct tg_opts *o = state;
    const char *base = *o->api_url ? o->api_url : "https://api.telegram.org";
    size_t bn = strlen(base);
    const char *method = c->step == 0 ? "getMe" : "sendMessage";
    struct svc_form f = {0};
    const char *body = "";
    size_t len = 0;
    int rc = RN_OK;
    while (bn && base[bn - 1] == '/')
        bn--;
    if (c->step > 0) {
        rc = message_form(c, &f, e);
        if (rc == RN_OK)
            rc = svc_form_encode(c->a, &f, &body, &len);
        if (rc != RN_OK)
            return e && e->code ? e->code : rn_errf(e, rc, "out of memory");
    }
    const char *url =
        arena_printf(c->a, "%.*s/bot%s/%s", (int)bn, base, o->token, method);
    const char *shown = arena_printf(
        c->a, "%s/bot*****/%s",
        svc_url_redact(c->a, arena_strndup(c->a, base, bn)), method);
    if (!url || !shown)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, "POST", url);
    out->shown_url = shown;
    svc_req_body(out, body, len);
    rc = svc_req_set(c->a, out, "Content-Type",
                     "application/x-www-form-urlencoded");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step tg_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    struct val v;
    struct rn_err pe = {0};
    *retryable = svc_status_retryable(r->status);
    if (svc_json_parse(c->a, r->body, r->body_len, &v, &pe) != RN_OK ||
        v.kind != VAL_OBJECT) {
        rn_errf(e, RN_EHTTP, "telegram: cannot decode reply (status %ld)",
                r->status);
        return SVC_STEP_FAIL;
    }
    const struct val *ok = val_get_cstr(v, "ok");
    if (ok && ok->kind == VAL_BOOL && ok->u.b)
        return c->step == 0 ? SVC_STEP_NEXT : SVC_STEP_DONE;
    const struct val *code = val_get_cstr(v, "error_code");
    if (code && code->kind == VAL_INT)
        *retryable = svc_status_retryable((long)code->u.i);
    rn_errf(e, RN_EHTTP, "%s", svc_val_str(v, "description"));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_telegram = {
    .name = "telegram",
    .flags = 0,
    .opts = tg_opts,
    .nopts = sizeof tg_opts / sizeof *tg_opts,
    .opts_size = sizeof(struct tg_opts),
    .build = tg_build,
    .check_reply = tg_check,
};
