/*
 * teams_workflows.c: `service.teams-workflows`, Power Automate workflows
 * (docs/services/teams-workflows.md).
 *
 * The webhook URL (from `recipientUrls`) is validated before anything is
 * sent: https (http only for loopback hosts) and a Power Automate address
 * or a path containing /powerautomate/.  The body is always a message
 * envelope around one AdaptiveCard: the template's `adaptiveCard` JSON
 * when set, else a card built from title, text (or message), facts,
 * sections' facts and OpenUri actions.  `template` and `summary` are
 * rendered but unused, as upstream.
 */
#include "svc_int.h"

#include "../core/gofmt.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

struct tw_opts {
    struct svc_strmap urls;
    bool insecure;
};

#define O(f) offsetof(struct tw_opts, f)
static const struct svc_opt tw_opts[] = {
    {"recipientUrls", SVC_O_STRMAP, SVC_OF_SECRET, O(urls)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

#define F(name) svc_field(c->root, "teams-workflows", name)

static bool contains_fold(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

/* Upstream's checks of a workflow URL, with its messages. */
static const char *url_problem(struct arena *a, const char *url)
{
    static const char *const allowed[] = {
        "api.powerautomate.com", "api.powerplatform.com",
        "flow.microsoft.com",    "webhook.office.com/workflows",
        "/powerautomate/",
    };
    const char *host = svc_url_host(a, url);
    bool https = strncasecmp(url, "https://", 8) == 0;
    bool http = strncasecmp(url, "http://", 7) == 0;
    if (!*url)
        return "webhook URL cannot be empty";
    bool loop = host && (strcmp(host, "localhost") == 0 ||
                         strncmp(host, "127.", 4) == 0);
    if (!https && !loop)
        return "webhook URL must use HTTPS scheme";
    if (!https && !http)
        return "webhook URL must use HTTP or HTTPS scheme";
    if (!host || !*host)
        return "webhook URL must have a valid host";
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (contains_fold(url, allowed[i]))
            return NULL;
    return "webhook URL does not appear to be a valid Microsoft Teams "
           "Workflows URL (Power Automate). Expected patterns: "
           "api.powerautomate.com, api.powerplatform.com, "
           "flow.microsoft.com, or webhook.office.com/workflows";
}

/* A fact's value as upstream shows it: strings as they are, anything
 * else present as Go's %v (null is <nil>), absent as "". */
static const char *vtext(struct arena *a, const struct val *v)
{
    if (!v)
        return "";
    if (v->kind == VAL_STRING)
        return v->u.s;
    if (v->kind == VAL_NULL)
        return "<nil>";
    struct buf b;
    buf_init(&b, 1u << 20);
    const char *s = gofmt_value(&b, *v) == RN_OK
                        ? arena_strndup(a, buf_str(&b), b.len)
                        : NULL;
    buf_free(&b);
    return s ? s : "";
}

/* A FactSet from [{name, value}], skipped when no item has a string
 * name. */
static int factset(struct svc_call *c, struct buf *b, struct val facts)
{
    size_t n = 0;
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < val_list_len(facts); i++) {
        struct val f = val_list_at(facts, i);
        const struct val *nm = val_get_cstr(f, "name");
        const struct val *vl = val_get_cstr(f, "value");
        if (f.kind != VAL_OBJECT || !nm || nm->kind != VAL_STRING)
            continue;
        struct svc_json j;
        const char *t;
        size_t len;
        svc_json_init(&j);
        rc = svc_json_str(&j, "title", nm->u.s);
        if (rc == RN_OK)
            rc = svc_json_str(&j, "value", vtext(c->a, vl));
        if (rc == RN_OK)
            rc = svc_json_end(&j, c->a, &t, &len);
        else
            buf_free(&j.b);
        if (rc == RN_OK)
            rc = buf_add_fmt(b, "%s%s",
                             n++ ? ","
                                 : (b->len > 1 ? ",{\"type\":\"FactSet\","
                                                 "\"facts\":["
                                               : "{\"type\":\"FactSet\","
                                                 "\"facts\":["),
                             t);
    }
    if (rc == RN_OK && n)
        rc = buf_add_str(b, "]}");
    return rc;
}

static int text_block(struct svc_call *c, struct buf *b, const char *text,
                      bool title)
{
    struct svc_json j;
    const char *t;
    size_t len;
    svc_json_init(&j);
    int rc = svc_json_str(&j, "type", "TextBlock");
    if (rc == RN_OK)
        rc = svc_json_str(&j, "text", text);
    if (rc == RN_OK && title)
        rc = svc_json_str(&j, "size", "Large");
    if (rc == RN_OK && title)
        rc = svc_json_str(&j, "weight", "Bolder");
    if (rc == RN_OK && title && *F("themeColor"))
        rc = svc_json_str(&j, "color", F("themeColor"));
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "wrap", "true", 4);
    if (rc == RN_OK)
        rc = svc_json_end(&j, c->a, &t, &len);
    else
        buf_free(&j.b);
    return rc == RN_OK ? buf_add_fmt(b, "%s%s", b->len > 1 ? "," : "", t) : rc;
}

static int card_body(struct svc_call *c, struct buf *b, struct rn_err *e)
{
    const char *text = *F("text") ? F("text") : svc_message(c->root);
    struct val facts, secs;
    int rc = buf_add_char(b, '[');
    if (rc == RN_OK && *F("title"))
        rc = text_block(c, b, F("title"), true);
    if (rc == RN_OK && *text)
        rc = text_block(c, b, text, false);
    if (rc == RN_OK && *F("facts")) {
        rc = svc_parse_array(c->a, "teams-workflows facts unmarshalling error ",
                             F("facts"), true, &facts, e);
        if (rc == RN_OK)
            rc = factset(c, b, facts);
    }
    if (rc == RN_OK && *F("sections")) {
        rc = svc_parse_array(c->a,
                             "teams-workflows sections unmarshalling error ",
                             F("sections"), true, &secs, e);
        for (size_t i = 0; rc == RN_OK && i < val_list_len(secs); i++) {
            const struct val *f = val_get_cstr(val_list_at(secs, i), "facts");
            if (f && f->kind == VAL_ARRAY)
                rc = factset(c, b, *f);
        }
    }
    return rc == RN_OK ? buf_add_char(b, ']') : rc;
}

static int card_actions(struct svc_call *c, struct buf *b, struct rn_err *e)
{
    struct val acts;
    size_t n = 0;
    int rc = RN_OK;
    if (!*F("potentialAction"))
        return RN_OK;
    rc = svc_parse_array(c->a,
                         "teams-workflows potential action unmarshalling "
                         "error ",
                         F("potentialAction"), true, &acts, e);
    for (size_t i = 0; rc == RN_OK && i < val_list_len(acts); i++) {
        struct val a = val_list_at(acts, i);
        const struct val *tg = val_get_cstr(a, "targets");
        if (strcmp(svc_val_str(a, "@type"), "OpenUri") != 0 || !tg ||
            tg->kind != VAL_ARRAY || !val_list_len(*tg))
            continue;
        const char *uri = svc_val_str(val_list_at(*tg, 0), "uri");
        const char *name = svc_val_str(a, "name");
        struct svc_json j;
        if (!*uri)
            continue;
        const char *t;
        size_t len;
        svc_json_init(&j);
        rc = svc_json_str(&j, "type", "Action.OpenUrl");
        if (rc == RN_OK && *name)
            rc = svc_json_str(&j, "title", name);
        if (rc == RN_OK)
            rc = svc_json_str(&j, "url", uri);
        if (rc == RN_OK)
            rc = svc_json_end(&j, c->a, &t, &len);
        else
            buf_free(&j.b);
        if (rc == RN_OK)
            rc = buf_add_fmt(b, "%s%s", n++ ? "," : ",\"actions\":[", t);
    }
    return rc == RN_OK && n ? buf_add_char(b, ']') : rc;
}

static int envelope(struct svc_call *c, const char **body, size_t *len,
                    struct rn_err *e)
{
    struct buf b;
    struct val v;
    int rc = RN_OK;
    buf_init(&b, 1u << 24);
    rc = buf_add_str(&b, "{\"type\":\"message\",\"attachments\":[{"
                         "\"contentType\":\"application/vnd.microsoft.card."
                         "adaptive\",\"content\":");
    if (rc == RN_OK && *F("adaptiveCard")) {
        struct rn_err pe = {0};
        const char *ac = F("adaptiveCard");
        /* upstream keeps the card as a json.RawMessage, which json.Marshal
         * compacts and HTML-escapes */
        const char *raw = NULL;
        if (svc_json_parse(c->a, ac, strlen(ac), &v, &pe) != RN_OK)
            rc = rn_errf(e, RN_EINVAL,
                         "teams-workflows adaptiveCard unmarshalling error "
                         "%s",
                         pe.msg);
        else
            raw = svc_json_compact(c->a, ac, true);
        if (rc == RN_OK)
            rc = raw ? buf_add_str(&b, raw) : RN_ENOMEM;
    } else if (rc == RN_OK) {
        struct buf body_b;
        buf_init(&body_b, 1u << 24);
        rc = buf_add_str(&b, "{\"type\":\"AdaptiveCard\",\"version\":\"1.4\","
                             "\"body\":");
        if (rc == RN_OK)
            rc = card_body(c, &body_b, e);
        if (rc == RN_OK)
            rc = buf_add(&b, buf_str(&body_b), body_b.len);
        buf_free(&body_b);
        if (rc == RN_OK)
            rc = card_actions(c, &b, e);
        if (rc == RN_OK)
            rc = buf_add_char(&b, '}');
    }
    if (rc == RN_OK)
        rc = buf_add_str(&b, "}]}");
    if (rc == RN_OK) {
        *len = b.len;
        *body = arena_strndup(c->a, buf_str(&b), b.len);
        rc = *body ? RN_OK : RN_ENOMEM;
    }
    buf_free(&b);
    return rc == RN_OK || (e && e->code) ? rc : rn_errf(e, rc, "out of memory");
}

static int tw_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct tw_opts *o = state;
    const char *url = svc_map_get(&o->urls, c->recipient);
    const char *body;
    size_t len;
    if (!url)
        return rn_errf(e, RN_ECONFIG,
                       "no teams-workflows webhook configured for recipient "
                       "%s",
                       c->recipient);
    const char *why = url_problem(c->a, url);
    if (why)
        return rn_errf(e, RN_ECONFIG,
                       "invalid webhook URL for recipient %s: %s", c->recipient,
                       why);
    int rc = envelope(c, &body, &len, e);
    if (rc != RN_OK)
        return rc;
    rc = svc_req_json(c->a, out, url, body, len, NULL);
    out->shown_url = NULL; /* the URL is the credential: origin only */
    out->insecure = o->insecure;
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

static enum svc_step tw_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    (void)state;
    if (r->status >= 200 && r->status < 300)
        return SVC_STEP_DONE;
    *retryable = svc_status_retryable(r->status);
    rn_errf(e, RN_EHTTP, "teams workflows webhook post error (status %ld): %s",
            r->status,
            r->body_len ? svc_body_excerpt(c, r) : "no error details provided");
    return SVC_STEP_FAIL;
}

const struct svc_type svc_teams_workflows = {
    .name = "teams-workflows",
    .flags = SVC_F_HTTP,
    .opts = tw_opts,
    .nopts = sizeof tw_opts / sizeof *tw_opts,
    .opts_size = sizeof(struct tw_opts),
    .build = tw_build,
    .check_reply = tw_check,
};
