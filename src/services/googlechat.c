/*
 * googlechat.c: `service.googlechat` (docs/services/googlechat.md).
 *
 * The recipient names a webhook URL in `webhooks` (the URL carries the
 * space's key and token: messages show only its origin).  A threadKey
 * adds threadKey and messageReplyOption to the query, which is then
 * re-encoded sorted by key as Go's url.Values does.  The body is
 * {"text": message}, or {"text": "", "cards": [...], "cardsV2":
 * [{"card": ..., "cardId": <UUIDv4>}]} when the template gives cards
 * (parsed as YAML, so JSON works too).  Every reply body must be JSON;
 * an `error` object in it is the failure.
 *
 * Upstream decodes the cards into google.golang.org/api/chat/v1's types
 * and encodes them again: members sorted by name (the generator's order),
 * every field omitempty.  Legacy `cards` go through chat.Card's struct
 * tables below (unknown keys dropped); `cardsV2` items keep their keys
 * (sorted, as those types order them) with empty values left out.
 */
#include "svc_int.h"

#include "../core/codec.h"
#include "../core/goyaml.h"
#include "../core/json.h"

#include <openssl/rand.h>
#include <stddef.h>
#include <string.h>

struct gchat_opts {
    struct svc_strmap webhooks;
    bool insecure;
};

#define O(f) offsetof(struct gchat_opts, f)
static const struct svc_opt gchat_opts[] = {
    {"webhooks", SVC_O_STRMAP, SVC_OF_SECRET, O(webhooks)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

#define F(name) svc_field(c->root, "googlechat", name)

/* url.QueryUnescape of s[0..n) into a. */
static char *unescape(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1), *p = out;
    for (size_t i = 0; out && i < n; i++) {
        if (s[i] == '+') {
            *p++ = ' ';
        } else if (s[i] == '%' && i + 2 < n && codec_hexval(s[i + 1]) >= 0 &&
                   codec_hexval(s[i + 2]) >= 0) {
            *p++ = (char)(codec_hexval(s[i + 1]) * 16 + codec_hexval(s[i + 2]));
            i += 2;
        } else {
            *p++ = s[i];
        }
    }
    if (out)
        *p = '\0';
    return out;
}

/* url with threadKey and messageReplyOption added, query re-encoded. */
static const char *thread_url(struct arena *a, const char *url, const char *key)
{
    const char *q = strchr(url, '?');
    const char *frag = strchr(url, '#');
    size_t base = q      ? (size_t)(q - url)
                  : frag ? (size_t)(frag - url)
                         : strlen(url);
    struct svc_form f = {0};
    int rc = RN_OK;
    for (const char *p = q ? q + 1 : NULL;
         rc == RN_OK && p && *p && *p != '#';) {
        size_t n = strcspn(p, "&#");
        const char *eq = memchr(p, '=', n);
        size_t kn = eq ? (size_t)(eq - p) : n;
        if (n) {
            char *k = unescape(a, p, kn);
            char *v = eq ? unescape(a, eq + 1, n - kn - 1) : (char *)"";
            rc = k && v ? svc_form_add(a, &f, k, v) : RN_ENOMEM;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    if (rc == RN_OK)
        rc = svc_form_add(a, &f, "threadKey", key);
    if (rc == RN_OK)
        rc = svc_form_add(a, &f, "messageReplyOption",
                          "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
    const char *enc;
    size_t len;
    if (rc == RN_OK)
        rc = svc_form_encode(a, &f, &enc, &len);
    return rc == RN_OK ? arena_printf(a, "%.*s?%s", (int)base, url, enc) : NULL;
}

static const char *uuid4(struct arena *a)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return NULL;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return arena_printf(a,
                        "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x",
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
                        b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* chat/v1's legacy card types, fields in the generated structs' order
 * (alphabetical), all omitempty. */
#define CS(n)                                                                  \
    {                                                                          \
        n, GK_STR, true, NULL, 0, NULL, NULL                                   \
    }
#define CB(n)                                                                  \
    {                                                                          \
        n, GK_BOOL, true, NULL, 0, NULL, NULL                                  \
    }
#define CP(n, t)                                                               \
    {                                                                          \
        n, GK_PTR, true, &t, 0, NULL, NULL                                     \
    }
#define CL(n, t)                                                               \
    {                                                                          \
        n, GK_SLICE, true, &t, GK_PTR, NULL, "[]*chat." #n                     \
    }
#define CT(t, ...)                                                             \
    static const struct gt_field t##_f[] = {__VA_ARGS__};                      \
    static const struct gt_struct t = {"chat." #t, t##_f,                      \
                                       sizeof t##_f / sizeof *t##_f}
static gt_custom_fn number;
CT(ActionParameter, CS("key"), CS("value"));
CT(FormAction, CS("actionMethodName"), CL("parameters", ActionParameter));
CT(OpenLink, CS("url"));
CT(OnClick, CP("action", FormAction), CP("openLink", OpenLink));
CT(TextButton, CP("onClick", OnClick), CS("text"));
CT(ImageButton, CS("icon"), CS("iconUrl"), CS("name"), CP("onClick", OnClick));
CT(Button, CP("imageButton", ImageButton), CP("textButton", TextButton));
CT(Image, {"aspectRatio", GK_CUSTOM, true, NULL, 0, number, NULL},
   CS("imageUrl"), CP("onClick", OnClick));
CT(KeyValue, CS("bottomLabel"), CP("button", Button), CS("content"),
   CB("contentMultiline"), CS("icon"), CS("iconUrl"), CP("onClick", OnClick),
   CS("topLabel"));
CT(TextParagraph, CS("text"));
CT(WidgetMarkup, CL("buttons", Button), CP("image", Image),
   CP("keyValue", KeyValue), CP("textParagraph", TextParagraph));
CT(Section, CS("header"), CL("widgets", WidgetMarkup));
CT(CardHeader, CS("imageAltText"), CS("imageStyle"), CS("imageUrl"),
   CS("subtitle"), CS("title"));
CT(CardAction, CS("actionLabel"), CP("onClick", OnClick));
CT(Card, CL("cardActions", CardAction), CP("header", CardHeader), CS("name"),
   CL("sections", Section));

/* A float64 (Image.aspectRatio): a number as Go writes it; 0 is empty. */
static int number(struct gt_ctx *x, const struct val *v)
{
    if (v->kind != VAL_INT && v->kind != VAL_FLOAT)
        return gt_type_error(x, *v, "Image", "aspectRatio", "float64");
    return json_emit(x->b, *v, NULL, x->e);
}

/* A cardsV2 value with the members Go's omitempty leaves out removed:
 * "", false, 0, null and empty lists (objects stay: they are non-nil
 * struct pointers). */
static int pruned(struct gt_ctx *x, struct val v)
{
    if (v.kind == VAL_ARRAY) {
        int rc = buf_add_char(x->b, '[');
        for (size_t i = 0; rc == RN_OK && i < val_list_len(v); i++) {
            rc = i ? buf_add_char(x->b, ',') : RN_OK;
            if (rc == RN_OK)
                rc = pruned(x, val_list_at(v, i));
        }
        return rc == RN_OK ? buf_add_char(x->b, ']') : rc;
    }
    if (v.kind != VAL_OBJECT)
        return json_emit(x->b, v, NULL, x->e);
    int rc = buf_add_char(x->b, '{');
    bool first = true;
    for (size_t i = 0; rc == RN_OK && i < val_obj_len(v); i++) {
        const struct val_kv *kv = val_obj_at(v, i);
        struct val m = kv->v;
        if (m.kind == VAL_NULL || (m.kind == VAL_STRING && !m.len) ||
            (m.kind == VAL_BOOL && !m.u.b) || (m.kind == VAL_INT && !m.u.i) ||
            (m.kind == VAL_FLOAT && m.u.f == 0) ||
            (m.kind == VAL_ARRAY && !val_list_len(m)))
            continue;
        rc = first ? RN_OK : buf_add_char(x->b, ',');
        first = false;
        if (rc == RN_OK)
            rc = json_emit_string(x->b, kv->key.u.s, kv->key.len, 0);
        if (rc == RN_OK)
            rc = buf_add_char(x->b, ':');
        if (rc == RN_OK)
            rc = pruned(x, m);
    }
    return rc == RN_OK ? buf_add_char(x->b, '}') : rc;
}

/* cards / cardsV2: YAML (or JSON) text that must give a list. */
static int card_list(struct svc_call *c, const char *what, struct val *out,
                     struct rn_err *e)
{
    const char *text = F(what);
    struct goyaml_opts yo = {1, 0, what};
    struct rn_err pe = {0};
    if (goyaml_parse(c->a, text, strlen(text), &yo, out, &pe) == RN_OK &&
        (out->kind == VAL_ARRAY || out->kind == VAL_NULL))
        return RN_OK;
    return rn_errf(e, RN_EINVAL, "cannot create message: %s: %s", what,
                   pe.msg[0] ? pe.msg : "not a list");
}

/* []chat.Card through the legacy tables, in j as "cards" (omitempty). */
static int legacy_cards(struct svc_call *c, struct svc_json *j, struct val v,
                        struct rn_err *e)
{
    struct buf b;
    struct rn_err pe = {0};
    struct gt_ctx x = {&b, &pe, c->a, 0, 0};
    if (v.kind != VAL_ARRAY || !val_list_len(v))
        return RN_OK;
    buf_init(&b, 1u << 24);
    int rc = gt_emit_list(&x, &Card, &v, "[]chat.Card");
    if (rc == RN_OK)
        rc = svc_json_raw(j, "cards", buf_str(&b), b.len);
    else
        rn_errf(e, rc, "cannot create message: %s", pe.msg);
    buf_free(&b);
    return rc;
}

/* []chat.CardWithId: {"card": <pruned card>, "cardId": <UUIDv4>}. */
static int v2_cards(struct svc_call *c, struct svc_json *j, struct val v)
{
    struct buf b;
    struct rn_err pe = {0};
    struct gt_ctx x = {&b, &pe, c->a, 0, 0};
    if (v.kind != VAL_ARRAY || !val_list_len(v))
        return RN_OK;
    buf_init(&b, 1u << 24);
    int rc = buf_add_char(&b, '[');
    for (size_t i = 0; rc == RN_OK && i < val_list_len(v); i++) {
        const char *id = uuid4(c->a);
        rc = id ? buf_add_str(&b, i ? ",{\"card\":" : "{\"card\":") : RN_ENOMEM;
        if (rc == RN_OK)
            rc = pruned(&x, val_list_at(v, i));
        if (rc == RN_OK)
            rc = buf_add_fmt(&b, ",\"cardId\":\"%s\"}", id);
    }
    if (rc == RN_OK)
        rc = buf_add_char(&b, ']');
    if (rc == RN_OK)
        rc = svc_json_raw(j, "cardsV2", buf_str(&b), b.len);
    buf_free(&b);
    return rc;
}

static int cards_body(struct svc_call *c, struct svc_json *j, struct rn_err *e)
{
    struct val v1 = val_null(), v2 = val_null();
    int rc = *F("cards") ? card_list(c, "cards", &v1, e) : RN_OK;
    if (rc == RN_OK && *F("cardsV2"))
        rc = card_list(c, "cardsV2", &v2, e);
    if (rc == RN_OK)
        rc = svc_json_str(j, "text", "");
    if (rc == RN_OK)
        rc = legacy_cards(c, j, v1, e);
    if (rc == RN_OK)
        rc = v2_cards(c, j, v2);
    return rc;
}

static int gchat_build(const void *state, struct svc_call *c,
                       struct http_req *out, struct rn_err *e)
{
    const struct gchat_opts *o = state;
    const char *url = svc_map_get(&o->webhooks, c->recipient);
    if (!url)
        return rn_errf(e, RN_ECONFIG,
                       "error creating client to webhook: no Google chat "
                       "webhook configured for recipient %s",
                       c->recipient);
    if (*F("threadKey"))
        url = thread_url(c->a, url, F("threadKey"));
    struct svc_json j;
    const char *body = NULL;
    size_t len = 0;
    svc_json_init(&j);
    int rc = *F("cards") || *F("cardsV2")
                 ? cards_body(c, &j, e)
                 : svc_json_str(&j, "text", svc_message(c->root));
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &body, &len);
    else
        buf_free(&j.b);
    if (rc != RN_OK || !url)
        return e && e->code ? e->code : rn_errf(e, RN_ENOMEM, "out of memory");
    rc = svc_req_json(c->a, out, url, body, len, NULL);
    out->shown_url = NULL; /* the URL is the credential: origin only */
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step gchat_check(const void *state, struct svc_call *c,
                                 const struct http_reply *r, bool *retryable,
                                 struct rn_err *e)
{
    (void)state;
    struct val v;
    struct rn_err pe = {0};
    *retryable = svc_status_retryable(r->status);
    if (svc_json_parse(c->a, r->body, r->body_len, &v, &pe) != RN_OK) {
        rn_errf(e, RN_EHTTP, "cannot send message: %s (status %ld)", pe.msg,
                r->status);
        return SVC_STEP_FAIL;
    }
    const struct val *err = val_get_cstr(v, "error");
    if (!err || err->kind == VAL_NULL)
        return SVC_STEP_DONE;
    const struct val *code = val_get_cstr(*err, "code");
    rn_errf(e, RN_EHTTP, "error with message: code=%lld status=%s message=%s",
            code && code->kind == VAL_INT ? (long long)code->u.i : 0LL,
            svc_val_str(*err, "status"), svc_val_str(*err, "message"));
    return SVC_STEP_FAIL;
}

const struct svc_type svc_googlechat = {
    .name = "googlechat",
    .flags = SVC_F_HTTP,
    .opts = gchat_opts,
    .nopts = sizeof gchat_opts / sizeof *gchat_opts,
    .opts_size = sizeof(struct gchat_opts),
    .build = gchat_build,
    .check_reply = gchat_check,
};
