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
 * and encodes them again (googlechat_types.c has the tables): unknown
 * keys dropped, members in the structs' order, every field omitempty.
 */
#include "svc_int.h"

#include "../core/codec.h"
#include "../core/goyaml.h"

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

/* cards / cardsV2: YAML (or JSON) text that must give a list (or null),
 * with sigs.k8s.io/yaml's errors. */
static int card_list(struct svc_call *c, const char *what, struct val *out,
                     struct rn_err *e)
{
    const char *text = F(what);
    struct goyaml_opts yo = {1, 0, what};
    struct rn_err pe = {0};
    if (goyaml_parse(c->a, text, strlen(text), &yo, out, &pe) != RN_OK)
        return rn_errf(e, RN_EINVAL,
                       "cannot create message: error converting YAML to "
                       "JSON: %s",
                       pe.msg);
    if (out->kind == VAL_ARRAY || out->kind == VAL_NULL)
        return RN_OK;
    return rn_errf(e, RN_EINVAL,
                   "cannot create message: error unmarshaling JSON: json: "
                   "cannot unmarshal %s into Go value of type %s",
                   out->kind == VAL_OBJECT   ? "object"
                   : out->kind == VAL_STRING ? "string"
                   : out->kind == VAL_BOOL   ? "bool"
                                             : "number",
                   strcmp(what, "cardsV2") == 0 ? "[]chat.GoogleAppsCardV1Card"
                                                : "[]chat.Card");
}

/* The error of a card list: upstream's decoding errors come back from
 * sigs.k8s.io/yaml ("error unmarshaling JSON: ..."); a value that
 * json.Marshal refuses (NaN) fails when the message is written. */
static int card_error(struct rn_err *e, int rc, const struct rn_err *pe)
{
    if (rc == RN_ENOMEM)
        return rn_errf(e, rc, "out of memory");
    if (strncmp(pe->msg, "json: unsupported value", 23) == 0)
        return rn_errf(e, rc, "cannot send message: %s", pe->msg);
    return rn_errf(e, rc, "cannot create message: error unmarshaling JSON: %s",
                   pe->msg);
}

/* One card list (an array with items) through chat/v1's types
 * (googlechat_types.c), its JSON in *out (in c->a). */
static int typed_cards(struct svc_call *c, bool v2, struct val v,
                       const char **out, struct rn_err *e)
{
    struct buf b;
    struct rn_err pe = {0};
    struct gt_ctx x = {&b, &pe, c->a, 0, 0, true};
    size_t n = val_list_len(v);
    const char **ids = v2 ? arena_alloc(c->a, n * sizeof *ids) : NULL;
    int rc = v2 && !ids ? RN_ENOMEM : RN_OK;
    for (size_t i = 0; rc == RN_OK && v2 && i < n; i++)
        rc = (ids[i] = uuid4(c->a)) ? RN_OK : RN_ENOMEM;
    buf_init(&b, 1u << 24);
    if (rc == RN_OK)
        rc = v2 ? gchat_emit_cards_v2(&x, &v, ids) : gchat_emit_cards(&x, &v);
    if (rc == RN_OK && !(*out = arena_strndup(c->a, buf_str(&b), b.len)))
        rc = RN_ENOMEM;
    if (rc != RN_OK)
        card_error(e, rc, &pe);
    buf_free(&b);
    return rc;
}

/* {"text": "", "cards"?: [...], "cardsV2"?: [...]}: an empty or null list
 * is left out (omitempty); cardsV2 is decoded first, as upstream. */
static int cards_body(struct svc_call *c, struct svc_json *j, struct rn_err *e)
{
    struct val v1 = val_null(), v2 = val_null();
    const char *enc1 = NULL, *enc2 = NULL;
    int rc = *F("cardsV2") ? card_list(c, "cardsV2", &v2, e) : RN_OK;
    if (rc == RN_OK && *F("cards"))
        rc = card_list(c, "cards", &v1, e);
    if (rc == RN_OK && v2.kind == VAL_ARRAY && val_list_len(v2))
        rc = typed_cards(c, true, v2, &enc2, e);
    if (rc == RN_OK && v1.kind == VAL_ARRAY && val_list_len(v1))
        rc = typed_cards(c, false, v1, &enc1, e);
    if (rc == RN_OK)
        rc = svc_json_str(j, "text", "");
    if (rc == RN_OK && enc1)
        rc = svc_json_raw(j, "cards", enc1, strlen(enc1));
    if (rc == RN_OK && enc2)
        rc = svc_json_raw(j, "cardsV2", enc2, strlen(enc2));
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
