/*
 * slack.c: `service.slack[.<name>]` (docs/services/slack.md).
 *
 * Form-encoded chat.postMessage / chat.update with the token in the form
 * (never a header).  Threads: with a groupingKey the first post's ts is
 * remembered per (recipient, groupingKey) and later sends reply in that
 * thread, rewrite the root message, or both, by deliveryPolicy; the
 * channel ID of every successful post is remembered per recipient.  As
 * upstream, this state is process-wide (shared by all Slack services),
 * in memory only, behind one mutex; it is bounded (SLACK_MAX_THREADS
 * entries, the least recently used forgotten first).  429 replies are repeated
 * after Retry-After (upstream repeats forever; rnotify stops after 10).
 */
#include "svc_int.h"

#include "../core/alloc.h"
#include "../core/limits.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SLACK_MAX_429 10
#define SLACK_MAX_THREADS 4096

struct slack_opts {
    const char *token, *api_url, *username, *icon, *signing_secret;
    struct svc_strmap channels;
    bool disable_unfurl, insecure;
};

#define O(f) offsetof(struct slack_opts, f)
static const struct svc_opt slack_opts[] = {
    {"token", SVC_O_STR, SVC_OF_SECRET, O(token)},
    {"apiURL", SVC_O_STR, 0, O(api_url)},
    {"username", SVC_O_STR, 0, O(username)},
    {"icon", SVC_O_STR, 0, O(icon)},
    {"signingSecret", SVC_O_STR, SVC_OF_SECRET, O(signing_secret)},
    {"channels", SVC_O_STRLIST, 0, O(channels)},
    {"disableUnfurl", SVC_O_BOOL, 0, O(disable_unfurl)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

/* ---- process-wide thread state ---- */

struct thread_ent {
    char *recipient, *key, *value; /* key NULL: channel ID of recipient */
    uint64_t used;                 /* last use, for eviction */
};

static pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;
static struct thread_ent state_tab[SLACK_MAX_THREADS];
static size_t state_n;
static uint64_t state_clock;

static struct thread_ent *state_find(const char *rcpt, const char *key)
{
    for (size_t i = 0; i < state_n; i++) {
        struct thread_ent *t = &state_tab[i];
        if (strcmp(t->recipient, rcpt) == 0 &&
            (key ? t->key && strcmp(t->key, key) == 0 : !t->key)) {
            t->used = ++state_clock;
            return t;
        }
    }
    return NULL;
}

/* Copy of the remembered value into a, "" when none. */
static const char *state_get(struct arena *a, const char *rcpt, const char *key)
{
    pthread_mutex_lock(&state_mu);
    struct thread_ent *t = state_find(rcpt, key);
    const char *v = arena_strdup(a, t ? t->value : "");
    pthread_mutex_unlock(&state_mu);
    return v ? v : "";
}

/* A free slot; when the table is full the least recently used entry is
 * forgotten (its thread then starts anew), so memory stays bounded. */
static struct thread_ent *state_slot(void)
{
    if (state_n < SLACK_MAX_THREADS)
        return &state_tab[state_n++];
    struct thread_ent *old = &state_tab[0];
    for (size_t i = 1; i < state_n; i++)
        if (state_tab[i].used < old->used)
            old = &state_tab[i];
    rn_free(old->recipient);
    rn_free(old->key);
    rn_free(old->value);
    memset(old, 0, sizeof *old);
    return old;
}

static void state_put(const char *rcpt, const char *key, const char *value)
{
    char *r = NULL, *k = NULL, *v = rn_strndup(value, strlen(value));
    pthread_mutex_lock(&state_mu);
    struct thread_ent *t = state_find(rcpt, key);
    if (!t && v) {
        r = rn_strndup(rcpt, strlen(rcpt));
        k = key ? rn_strndup(key, strlen(key)) : NULL;
        if (r && (!key || k)) {
            t = state_slot();
            t->recipient = r;
            t->key = k;
            t->used = ++state_clock;
            r = k = NULL;
        }
    }
    if (t && v) {
        rn_free(t->value);
        t->value = v;
        v = NULL;
    }
    pthread_mutex_unlock(&state_mu);
    rn_free(r);
    rn_free(k);
    rn_free(v);
}

/* ---- building ---- */

/* Per-send state: what the thread map said when the send began. */
struct slack_call {
    const char *ts;    /* root ts of the thread, "" none */
    const char *key;   /* groupingKey */
    bool post, update; /* steps to do */
    bool posted;
};

static bool is_emoji(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && s[0] == ':' && s[n - 1] == ':';
}

static bool is_http_url(struct arena *a, const char *s)
{
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
        return false;
    const char *h = svc_url_host(a, s);
    return h && *h;
}

/* A rendered JSON field decoded into slack-go's types and encoded again
 * (slack_types.c); *out NULL when upstream would send no such field. */
static int sdk_field(struct svc_call *c, const char *what, const char *text,
                     const char **out, struct rn_err *e)
{
    struct val v;
    struct rn_err pe = {0};
    struct buf b;
    bool blocks = strcmp(what, "blocks") == 0, nonempty = true;
    struct gt_ctx x = {&b, &pe, c->a, 0, 0, false};
    *out = NULL;
    if (svc_json_parse(c->a, text, strlen(text), &v, &pe) != RN_OK)
        return rn_errf(e, RN_EINVAL, "failed to unmarshal %s '%s' : %s", what,
                       text, pe.msg);
    if (!blocks && v.kind == VAL_NULL)
        return RN_OK; /* a nil []Attachment: MsgOptionAttachments skips it */
    buf_init(&b, RN_BUF_DEFAULT_MAX);
    int rc = blocks ? slack_emit_blocks(&x, &v, &nonempty)
                    : slack_emit_attachments(&x, &v);
    if (rc == RN_OK && nonempty)
        *out = arena_strndup(c->a, buf_str(&b), b.len);
    buf_free(&b);
    if (rc != RN_OK)
        return rn_errf(e, rc, "failed to unmarshal %s '%s' : %s", what, text,
                       pe.msg);
    return *out || !nonempty ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
}

static int add_icon_and_name(const struct slack_opts *o, struct svc_call *c,
                             struct svc_form *f)
{
    const char *user = svc_field(c->root, "slack", "username");
    const char *icon = svc_field(c->root, "slack", "icon");
    int rc = RN_OK;
    if (!*user)
        user = o->username;
    if (!*icon)
        icon = o->icon;
    if (*user)
        rc = svc_form_add(c->a, f, "username", user);
    if (rc == RN_OK && *icon && is_emoji(icon))
        rc = svc_form_add(c->a, f, "icon_emoji", icon);
    else if (rc == RN_OK && *icon && is_http_url(c->a, icon))
        rc = svc_form_add(c->a, f, "icon_url", icon);
    return rc;
}

/* The fields common to post and update. */
static int common_fields(const struct slack_opts *o, struct svc_call *c,
                         struct svc_form *f, struct rn_err *e)
{
    const struct slack_call *sc = c->scratch;
    int rc = svc_form_add(c->a, f, "token", o->token);
    if (rc == RN_OK)
        rc = svc_form_add(c->a, f, "text", svc_message(c->root));
    if (rc == RN_OK)
        rc = add_icon_and_name(o, c, f);
    if (rc == RN_OK && svc_section(c->root, "slack")) {
        const char *att = svc_field(c->root, "slack", "attachments");
        const char *blk = svc_field(c->root, "slack", "blocks");
        /* upstream starts from an empty []Attachment and slack.Blocks */
        const char *ja = "[]", *jb = NULL;
        if (*att)
            rc = sdk_field(c, "attachments", att, &ja, e);
        if (rc == RN_OK && *blk)
            rc = sdk_field(c, "blocks", blk, &jb, e);
        if (rc == RN_OK && ja)
            rc = svc_form_add(c->a, f, "attachments", ja);
        if (rc == RN_OK && jb)
            rc = svc_form_add(c->a, f, "blocks", jb);
    }
    if (rc == RN_OK && o->disable_unfurl) {
        rc = svc_form_add(c->a, f, "unfurl_links", "false");
        if (rc == RN_OK)
            rc = svc_form_add(c->a, f, "unfurl_media", "false");
    }
    if (rc == RN_OK && *sc->key && *sc->ts)
        rc = svc_form_add(c->a, f, "thread_ts", sc->ts);
    return rc;
}

static bool broadcast(struct val root)
{
    const struct val *s = svc_section(root, "slack");
    const struct val *b = s ? val_get_cstr(*s, "notifyBroadcast") : NULL;
    return b && b->kind == VAL_BOOL && b->u.b;
}

static const char *api_url(const struct slack_opts *o)
{
    return *o->api_url ? o->api_url : "https://slack.com/api/";
}

static int slack_start(struct svc_call *c)
{
    struct slack_call *sc = arena_zalloc(c->a, sizeof *sc);
    if (!sc)
        return RN_ENOMEM;
    sc->key = svc_field(c->root, "slack", "groupingKey");
    sc->ts = *sc->key ? state_get(c->a, c->recipient, sc->key) : "";
    const char *policy = svc_field(c->root, "slack", "deliveryPolicy");
    bool upd = strcmp(policy, "Update") == 0;
    bool pau = strcmp(policy, "PostAndUpdate") == 0;
    sc->post = !*sc->ts || !upd;
    sc->update = *sc->ts && (upd || pau);
    c->scratch = sc;
    return RN_OK;
}

static int slack_build(const void *state, struct svc_call *c,
                       struct http_req *out, struct rn_err *e)
{
    const struct slack_opts *o = state;
    int rc = c->step == 0 ? slack_start(c) : RN_OK;
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    struct slack_call *sc = c->scratch;
    bool post = sc->post && !sc->posted;
    struct svc_form f = {0};
    rc = common_fields(o, c, &f, e);
    if (rc == RN_OK && post) {
        rc = svc_form_add(c->a, &f, "channel", c->recipient);
        if (rc == RN_OK && broadcast(c->root))
            rc = svc_form_add(c->a, &f, "reply_broadcast", "true");
    } else if (rc == RN_OK) {
        const char *ch = state_get(c->a, c->recipient, NULL);
        rc = svc_form_add(c->a, &f, "channel", *ch ? ch : c->recipient);
        if (rc == RN_OK)
            rc = svc_form_add(c->a, &f, "ts", sc->ts);
        if (rc == RN_OK)
            rc = svc_form_add(c->a, &f, "as_user", "true");
    }
    const char *body, *url;
    size_t len;
    if (rc == RN_OK)
        rc = svc_form_encode(c->a, &f, &body, &len);
    if (rc != RN_OK)
        return e && e->code ? e->code : rn_errf(e, rc, "out of memory");
    url = arena_printf(c->a, "%s%s", api_url(o),
                       post ? "chat.postMessage" : "chat.update");
    if (!url)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, "POST", url);
    out->shown_url = svc_url_redact(c->a, url);
    svc_req_body(out, body, len);
    out->insecure = o->insecure;
    out->retry.kind = SVC_RETRY_429;
    out->retry.max = SLACK_MAX_429;
    return svc_req_set(c->a, out, "Content-Type",
                       "application/x-www-form-urlencoded");
}

static enum svc_step slack_check(const void *state, struct svc_call *c,
                                 const struct http_reply *r, bool *retryable,
                                 struct rn_err *e)
{
    (void)state;
    struct slack_call *sc = c->scratch;
    struct val v;
    if (r->status == 429) {
        *retryable = true;
        if (!svc_reply_header(r, "Retry-After"))
            rn_errf(e, RN_EHTTP,
                    "strconv.ParseInt: parsing \"\": invalid "
                    "syntax (429 without Retry-After)");
        else
            rn_errf(e, RN_EHTTP,
                    "slack rate limit: giving up after %d attempts: last "
                    "status 429 %s",
                    SLACK_MAX_429 + 1, r->reason);
        return SVC_STEP_FAIL;
    }
    if (r->status != 200) {
        *retryable = svc_status_retryable(r->status);
        rn_errf(e, RN_EHTTP, "slack server error: %ld %s", r->status,
                r->reason);
        return SVC_STEP_FAIL;
    }
    if (svc_json_parse(c->a, r->body, r->body_len, &v, e) != RN_OK ||
        v.kind != VAL_OBJECT) {
        *retryable = false;
        rn_errf(e, RN_EHTTP, "slack: invalid reply: %s",
                svc_body_excerpt(c, r));
        return SVC_STEP_FAIL;
    }
    const struct val *ok = val_get_cstr(v, "ok");
    const char *err = svc_val_str(v, "error");
    if ((!ok || ok->kind != VAL_BOOL || !ok->u.b) && *err) {
        *retryable = strcmp(err, "ratelimited") == 0 ||
                     strcmp(err, "internal_error") == 0 ||
                     strcmp(err, "fatal_error") == 0;
        rn_errf(e, RN_EHTTP, "%s", err);
        return SVC_STEP_FAIL;
    }
    if (sc->post && !sc->posted) {
        const char *ts = svc_val_str(v, "ts");
        sc->posted = true;
        if (!*ts)
            ts = svc_val_str(v, "message_ts");
        if (*sc->key && !*sc->ts)
            state_put(c->recipient, sc->key, ts);
        state_put(c->recipient, NULL, svc_val_str(v, "channel"));
    }
    return sc->post && sc->update && c->step == 0 ? SVC_STEP_NEXT
                                                  : SVC_STEP_DONE;
}

const struct svc_type svc_slack = {
    .name = "slack",
    .flags = SVC_F_HTTP,
    .opts = slack_opts,
    .nopts = sizeof slack_opts / sizeof *slack_opts,
    .opts_size = sizeof(struct slack_opts),
    .build = slack_build,
    .check_reply = slack_check,
};
