/*
 * github.c: `service.github`, a GitHub App (docs/services/github.md).
 *
 * Authentication: an RS256 JWT signed with the App's private key (iat =
 * now - 30 s, exp = iat + 120 s, iss = appID) buys an installation token
 * (POST .../app/installations/<id>/access_tokens), cached per instance
 * until a minute before it expires.  Then, each only when the template's
 * `github` block has it, in this order: a commit status, a deployment
 * (the first existing one for environment+ref, else a new one) and its
 * status, a comment on every pull request of the revision (updated in
 * place when a comment carries the commentTag marker), a check run, a
 * repository dispatch.  Every request is one step of the send; a failing
 * step ends it.  The repository and revision come from the rendered
 * repoURLPath and revisionPath (upstream's defaults are Argo CD
 * expressions, so Argo Rollouts templates must set both).
 *
 * Comments as upstream writes them: the commentTag is not rendered, the
 * engine's templater step already ends the content with the marker
 * `<!-- argocd-notifications TAG -->`, and each write appends it once
 * more (an update sends content + marker; a new comment makes the marker
 * part of the body used for the next pull request too, so it piles up
 * over several new comments, as upstream's loop does).  Lists are read
 * with a reply cap of GH_LIST_MAX: a page of 30 long comments (CI bots
 * post plan output) is far over the default 1 MiB.  A malformed
 * repository URL is an error (upstream panics).
 */
#include "svc_int.h"

#include "../core/gotime.h"
#include "../core/json.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define GH_TOKEN_MAX 512
/* A listing page: 30 comments of up to 65536 characters, each escaped in
 * JSON (6 bytes a character at worst), plus their users and links. */
#define GH_LIST_MAX (32u << 20)

struct gh_cache {
    pthread_mutex_t mu;
    char token[GH_TOKEN_MAX];
    int64_t expires; /* unix seconds */
};

struct gh_opts {
    const char *app_id, *inst_id, *private_key, *enterprise;
    bool insecure;
    struct gh_cache *cache;
};

#define O(f) offsetof(struct gh_opts, f)
static const struct svc_opt gh_opts[] = {
    {"appID", SVC_O_STR, 0, O(app_id)},
    {"installationID", SVC_O_STR, 0, O(inst_id)},
    {"privateKey", SVC_O_STR, SVC_OF_SECRET, O(private_key)},
    {"enterpriseBaseURL", SVC_O_STR, 0, O(enterprise)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

enum gh_phase {
    PH_TOKEN,
    PH_STATUS,
    PH_DEPLOY_LIST,
    PH_DEPLOY_CREATE,
    PH_DEPLOY_STATUS,
    PH_PULLS,
    PH_COMMENTS,
    PH_COMMENT_WRITE,
    PH_CHECK_RUN,
    PH_DISPATCH,
    PH_END,
};

/* Per-send state. */
struct gh_call {
    enum gh_phase phase;
    const char *owner, *repo, *rev, *token;
    int64_t deploy_id, comment_id;
    int64_t *prs;
    size_t nprs, pr;
    const char *comment;        /* the body upstream's loop carries over PRs */
    const char *method, *shown; /* of the last request, for messages */
};

static bool digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int gh_configure(void *state, struct arena *a, struct rn_err *e)
{
    struct gh_opts *o = state;
    if (!digits(o->app_id))
        return rn_errf(e, RN_ECONFIG, "appID '%s' is not a number", o->app_id);
    if (!digits(o->inst_id))
        return rn_errf(e, RN_ECONFIG, "installationID '%s' is not a number",
                       o->inst_id);
    if (!svc_key_ok(o->private_key))
        return rn_errf(e, RN_ECONFIG,
                       "privateKey: could not parse the private key");
    o->cache = arena_zalloc(a, sizeof *o->cache);
    if (!o->cache)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    pthread_mutex_init(&o->cache->mu, NULL);
    return RN_OK;
}

/* ---- small helpers ---- */

/* The App JWT, or NULL. */
static const char *app_jwt(struct arena *a, const struct gh_opts *o)
{
    int64_t iat = (int64_t)time(NULL) - 30;
    const char *claims =
        arena_printf(a, "{\"iat\":%lld,\"exp\":%lld,\"iss\":\"%s\"}",
                     (long long)iat, (long long)iat + 120, o->app_id);
    return claims ? svc_jwt_rs256(a, o->private_key,
                                  "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", claims)
                  : NULL;
}

/* Message truncated to max runes: 137 kept + "..." when longer. */
static const char *truncate_runes(struct arena *a, const char *s, size_t max)
{
    size_t runes = 0, cut = 0;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (runes == max - 3)
            cut = i;
        runes++;
    }
    if (runes <= max)
        return s;
    const char *t = arena_printf(a, "%.*s...", (int)cut, s);
    return t ? t : s;
}

/* owner/repo from https://host/o/r(.git), git@host:o/r.git, ssh://... */
static int parse_repo(struct gh_call *g, struct arena *a, const char *url,
                      struct rn_err *e)
{
    const char *p = strstr(url, "://");
    p = p                              ? strchr(p + 3, '/')
        : strncmp(url, "git@", 4) == 0 ? strchr(url, ':')
                                       : NULL;
    const char *slash = p ? strchr(p + 1, '/') : NULL;
    if (!p || !slash || slash == p + 1 || !slash[1])
        return rn_errf(e, RN_EINVAL, "GitHub.repoURL (%s) does not have a '/'",
                       url);
    size_t rn = strcspn(slash + 1, "/");
    if (rn > 4 && strncmp(slash + 1 + rn - 4, ".git", 4) == 0)
        rn -= 4;
    g->owner = arena_strndup(a, p + 1, (size_t)(slash - p - 1));
    g->repo = arena_strndup(a, slash + 1, rn);
    return g->owner && g->repo ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
}

#define SEC(k) svc_section_item(c->root, k)

static const struct val *svc_section_item(struct val root, const char *k)
{
    const struct val *s = svc_section(root, "github");
    const struct val *v = s ? val_get_cstr(*s, k) : NULL;
    return v && v->kind == VAL_OBJECT ? v : NULL;
}

static const char *sub_str(struct svc_call *c, const char *blk, const char *k)
{
    const struct val *b = SEC(blk);
    return b ? svc_val_str(*b, k) : "";
}

/* The next phase at or after p that this notification needs. */
static enum gh_phase next_phase(struct svc_call *c, enum gh_phase p)
{
    for (;; p++) {
        switch (p) {
        case PH_STATUS:
            if (SEC("status"))
                return p;
            break;
        case PH_DEPLOY_LIST:
            if (SEC("deployment"))
                return p;
            p = PH_DEPLOY_STATUS;
            break;
        case PH_PULLS:
            if (SEC("pullRequestComment"))
                return p;
            p = PH_COMMENT_WRITE;
            break;
        case PH_CHECK_RUN:
            if (SEC("checkRun"))
                return p;
            break;
        case PH_DISPATCH:
            if (SEC("repositoryDispatch"))
                return p;
            break;
        case PH_END:
            return PH_END;
        default:
            return p;
        }
    }
}

/* ---- requests ---- */

static const char *rest_base(struct arena *a, const struct gh_opts *o)
{
    const char *e = o->enterprise;
    if (!*e)
        return "https://api.github.com/";
    size_t n = strlen(e);
    const char *b = e[n - 1] == '/' ? e : arena_printf(a, "%s/", e);
    const char *host = b ? svc_url_host(a, b) : NULL;
    if (!b || !host)
        return NULL;
    n = strlen(b);
    bool api = strncmp(host, "api.", 4) == 0 || strstr(host, ".api.");
    if ((n >= 8 && strcmp(b + n - 8, "/api/v3/") == 0) || api)
        return b;
    return arena_printf(a, "%sapi/v3/", b);
}

/* A request to the REST API: path after the base, JSON body or NULL. */
static int gh_req(struct svc_call *c, const struct gh_opts *o,
                  const char *method, const char *path, const char *body,
                  struct http_req *out)
{
    struct gh_call *g = c->scratch;
    const char *base = rest_base(c->a, o);
    const char *url = base ? arena_printf(c->a, "%s%s", base, path) : NULL;
    const char *auth = arena_printf(c->a, "token %s", g->token);
    if (!url || !auth)
        return RN_ENOMEM;
    svc_req_init(out, method, url);
    out->shown_url = svc_url_redact(c->a, url);
    out->insecure = o->insecure;
    int rc = svc_req_set(c->a, out, "Authorization", auth);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Accept", "application/vnd.github.v3+json");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "User-Agent", "go-github/v69.2.0");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "X-GitHub-Api-Version", "2022-11-28");
    if (rc == RN_OK && body) {
        /* json.Encoder.Encode ends the body with a newline */
        const char *nl = arena_printf(c->a, "%s\n", body);
        rc = nl ? RN_OK : RN_ENOMEM;
        if (rc == RN_OK)
            svc_req_body(out, nl, strlen(nl));
        if (rc == RN_OK)
            rc = svc_req_set(c->a, out, "Content-Type", "application/json");
    }
    if (strcmp(method, "GET") == 0)
        out->max_reply = GH_LIST_MAX; /* a listing page */
    return rc;
}

static int token_req(struct svc_call *c, const struct gh_opts *o,
                     struct http_req *out, struct rn_err *e)
{
    const char *base =
        *o->enterprise ? o->enterprise : "https://api.github.com";
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    const char *jwt = app_jwt(c->a, o);
    const char *url = arena_printf(c->a,
                                   "%.*s/app/installations/%s/"
                                   "access_tokens",
                                   (int)n, base, o->inst_id);
    const char *auth = jwt ? arena_printf(c->a, "Bearer %s", jwt) : NULL;
    if (!jwt)
        return rn_errf(e, RN_ECONFIG, "could not sign the GitHub App JWT");
    if (!url || !auth)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_req_init(out, "POST", url);
    out->shown_url = svc_url_redact(c->a, url);
    out->insecure = o->insecure;
    /* ghinstallation encodes its nil token options: "null" + newline */
    svc_req_body(out, "null\n", 5);
    int rc = svc_req_set(c->a, out, "Authorization", auth);
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Accept", "application/vnd.github.v3+json");
    if (rc == RN_OK)
        rc = svc_req_set(c->a, out, "Content-Type", "application/json");
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "out of memory");
}

/* JSON object text from alternating key/value strings (NULL ends). */
static const char *obj(struct arena *a, const char *const *kv)
{
    struct svc_json j;
    const char *out = NULL;
    size_t n;
    int rc = RN_OK;
    svc_json_init(&j);
    j.flags = JSON_RAW; /* go-github: SetEscapeHTML(false) */
    for (; rc == RN_OK && kv[0]; kv += 2)
        rc = svc_json_str(&j, kv[0], kv[1]);
    if (rc == RN_OK)
        svc_json_end(&j, a, &out, &n);
    else
        buf_free(&j.b);
    return out;
}

static const char *status_body(struct svc_call *c)
{
    const char *kv[] = {
        "state",       sub_str(c, "status", "state"),
        "target_url",  sub_str(c, "status", "targetURL"),
        "description", truncate_runes(c->a, svc_message(c->root), 140),
        "context",     sub_str(c, "status", "label"),
        NULL};
    return obj(c->a, kv);
}

/* go-github's DeploymentRequest as upstream fills it: ref, auto_merge
 * (default true), required_contexts (a pointer to the template's list,
 * so null when the template has none), environment, transient_environment
 * (default false). */
static const char *deploy_body(struct svc_call *c, const struct gh_call *g)
{
    const struct val *d = SEC("deployment");
    const struct val *ctx = val_get_cstr(*d, "requiredContexts");
    const struct val *am = val_get_cstr(*d, "autoMerge");
    const struct val *te = val_get_cstr(*d, "transientEnvironment");
    const char *ref = svc_val_str(*d, "reference");
    bool merge = !(am && am->kind == VAL_BOOL && !am->u.b);
    bool transient = te && te->kind == VAL_BOOL && te->u.b;
    struct svc_json j;
    const char *out = NULL;
    size_t n;
    svc_json_init(&j);
    j.flags = JSON_RAW; /* go-github: SetEscapeHTML(false) */
    int rc = svc_json_str(&j, "ref", *ref ? ref : g->rev);
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "auto_merge", merge ? "true" : "false",
                          merge ? 4 : 5);
    if (rc == RN_OK)
        rc = ctx && ctx->kind == VAL_ARRAY
                 ? svc_json_val(&j, "required_contexts", *ctx)
                 : svc_json_raw(&j, "required_contexts", "null", 4);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "environment", svc_val_str(*d, "environment"));
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "transient_environment",
                          transient ? "true" : "false", transient ? 4 : 5);
    if (rc == RN_OK)
        svc_json_end(&j, c->a, &out, &n);
    else
        buf_free(&j.b);
    return out;
}

static const char *deploy_status_body(struct svc_call *c)
{
    const char *kv[] = {"state",
                        sub_str(c, "deployment", "state"),
                        "log_url",
                        sub_str(c, "deployment", "logURL"),
                        "description",
                        truncate_runes(c->a, svc_message(c->root), 140),
                        "environment",
                        sub_str(c, "deployment", "environment"),
                        "environment_url",
                        sub_str(c, "deployment", "environmentURL"),
                        NULL};
    return obj(c->a, kv);
}

static const char *marker(struct svc_call *c)
{
    const char *tag = sub_str(c, "pullRequestComment", "commentTag");
    return *tag ? arena_printf(c->a, "<!-- argocd-notifications %s -->", tag)
                : NULL;
}

/* The body of the next comment write (upstream's Send loop): content
 * truncated to 65536 runes; with a tag an update sends body + marker, a
 * new comment first appends the marker to the carried body. */
static const char *comment_body(struct svc_call *c, struct gh_call *g)
{
    const char *m = marker(c);
    if (!g->comment)
        g->comment = truncate_runes(
            c->a, sub_str(c, "pullRequestComment", "content"), 65536);
    const char *body = g->comment;
    if (m && g->comment_id)
        body = arena_printf(c->a, "%s\n%s", g->comment, m);
    else if (m)
        body = g->comment = arena_printf(c->a, "%s\n%s", g->comment, m);
    const char *kv[] = {"body", body ? body : "", NULL};
    return body ? obj(c->a, kv) : NULL;
}

/* time.Parse(time.RFC3339, s) re-encoded as go-github's Timestamp
 * marshals it (time.Time's RFC 3339 with nanoseconds: a zero offset
 * becomes "Z"), in a; NULL when s is not an RFC 3339 time. */
static const char *rfc3339_nano(struct arena *a, const char *s)
{
    static const char layout[] = "2006-01-02T15:04:05Z07:00";
    const struct val_time *t;
    struct rn_err e = {0};
    struct buf b;
    const char *out = NULL;
    if (gotime_parse(a, layout, sizeof layout - 1, s, strlen(s), NULL, &t,
                     &e) != RN_OK)
        return NULL;
    buf_init(&b, 256);
    if (gotime_format(&b, t, "2006-01-02T15:04:05.999999999Z07:00",
                      strlen("2006-01-02T15:04:05.999999999Z07:00")) == RN_OK)
        out = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return out;
}

static int check_run_body(struct svc_call *c, const struct gh_call *g,
                          const char **out, struct rn_err *e)
{
    const struct val *cr = SEC("checkRun");
    const char *status = svc_val_str(*cr, "status");
    const char *concl = svc_val_str(*cr, "conclusion");
    const char *started = svc_val_str(*cr, "started_at");
    const char *done = svc_val_str(*cr, "completed_at");
    const struct val *output = val_get_cstr(*cr, "output");
    if (!*status && *concl)
        status = "completed";
    if ((strcmp(status, "completed") == 0 || *done) && !*concl)
        return rn_errf(e, RN_EINVAL,
                       "checkRun: a conclusion is required when the status "
                       "is completed or completed_at is set");
    started = *started ? rfc3339_nano(c->a, started) : started;
    done = *done ? rfc3339_nano(c->a, done) : done;
    if (!started || !done)
        return rn_errf(e, RN_EINVAL,
                       "checkRun: started_at and completed_at must be RFC "
                       "3339 times");
    struct svc_json j;
    size_t n;
    svc_json_init(&j);
    j.flags = JSON_RAW; /* go-github: SetEscapeHTML(false) */
    int rc = svc_json_str(&j, "name", svc_val_str(*cr, "name"));
    if (rc == RN_OK)
        rc = svc_json_str(&j, "head_sha", g->rev);
    if (rc == RN_OK)
        rc = svc_json_str(&j, "details_url", svc_val_str(*cr, "details_url"));
    if (rc == RN_OK)
        rc = svc_json_str(&j, "external_id", "argocd-notifications");
    const char *opt[][2] = {{"status", status},
                            {"conclusion", concl},
                            {"started_at", started},
                            {"completed_at", done}};
    for (size_t i = 0; rc == RN_OK && i < 4; i++)
        if (*opt[i][1])
            rc = svc_json_str(&j, opt[i][0], opt[i][1]);
    if (rc == RN_OK && output && output->kind == VAL_OBJECT) {
        const char *kv[] = {"title",   svc_val_str(*output, "title"),
                            "summary", svc_val_str(*output, "summary"),
                            "text",    svc_val_str(*output, "text"),
                            NULL};
        const char *ot = obj(c->a, kv);
        rc = svc_json_raw(&j, "output", ot, ot ? strlen(ot) : 0);
    }
    if (rc == RN_OK)
        return svc_json_end(&j, c->a, out, &n);
    buf_free(&j.b);
    return rn_errf(e, rc, "out of memory");
}

/* DispatchRequestOptions: event_type, then the payload as raw JSON. */
static int dispatch_body(struct svc_call *c, const char **out, struct rn_err *e)
{
    const char *ev = sub_str(c, "repositoryDispatch", "event_type");
    const char *pl = sub_str(c, "repositoryDispatch", "client_payload");
    struct val v;
    struct rn_err pe = {0};
    if (svc_json_parse(c->a, pl, strlen(pl), &v, &pe) != RN_OK)
        return rn_errf(e, RN_EINVAL,
                       "repositoryDispatch.client_payload is not JSON: %s",
                       pe.msg);
    const char *raw = svc_json_compact(c->a, pl, false);
    struct svc_json j;
    size_t n;
    svc_json_init(&j);
    j.flags = JSON_RAW; /* go-github: SetEscapeHTML(false) */
    int rc = raw ? svc_json_str(&j, "event_type", ev) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = svc_json_raw(&j, "client_payload", raw, strlen(raw));
    if (rc == RN_OK)
        return svc_json_end(&j, c->a, out, &n);
    buf_free(&j.b);
    return rn_errf(e, rc, "out of memory");
}

/* ---- the send ---- */

/* Step 0: repository, revision, and whether a token must be fetched. */
static int gh_start(const struct gh_opts *o, struct svc_call *c,
                    struct rn_err *e)
{
    struct gh_call *g = arena_zalloc(c->a, sizeof *g);
    if (!g)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (!svc_section(c->root, "github"))
        return rn_errf(e, RN_ECONFIG, "config is empty");
    int rc =
        parse_repo(g, c->a, svc_field(c->root, "github", "repoURLPath"), e);
    if (rc != RN_OK)
        return rc;
    g->rev = svc_field(c->root, "github", "revisionPath");
    pthread_mutex_lock(&o->cache->mu);
    if (o->cache->token[0] && o->cache->expires - (int64_t)time(NULL) > 60)
        g->token = arena_strdup(c->a, o->cache->token);
    pthread_mutex_unlock(&o->cache->mu);
    g->phase = next_phase(c, PH_STATUS);
    if (g->phase != PH_END && !g->token)
        g->phase = PH_TOKEN; /* no action, no token: nothing is sent */
    c->scratch = g;
    return RN_OK;
}

static const char *repo_path(struct svc_call *c, const char *fmt_tail)
{
    struct gh_call *g = c->scratch;
    return arena_printf(c->a, "repos/%s/%s/%s", g->owner, g->repo, fmt_tail);
}

/* The path and body of the current phase (body NULL for a GET). */
static int phase_request(struct svc_call *c, const char **method,
                         const char **path, const char **body, struct rn_err *e)
{
    struct gh_call *g = c->scratch;
    struct arena *a = c->a;
    *method = "POST";
    *body = NULL;
    switch (g->phase) {
    case PH_STATUS:
        *path = repo_path(c, arena_printf(a, "statuses/%s", g->rev));
        *body = status_body(c);
        break;
    case PH_DEPLOY_LIST: {
        struct svc_form f = {0};
        const char *q = NULL;
        size_t n;
        *method = "GET";
        if (svc_form_add(a, &f, "environment",
                         sub_str(c, "deployment", "environment")) == RN_OK &&
            svc_form_add(a, &f, "ref", g->rev) == RN_OK)
            svc_form_encode(a, &f, &q, &n);
        *path = q ? repo_path(c, arena_printf(a, "deployments?%s", q)) : NULL;
        return *path ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
    }
    case PH_DEPLOY_CREATE:
        *path = repo_path(c, "deployments");
        *body = deploy_body(c, g);
        break;
    case PH_DEPLOY_STATUS:
        *path = repo_path(c, arena_printf(a, "deployments/%lld/statuses",
                                          (long long)g->deploy_id));
        *body = deploy_status_body(c);
        break;
    case PH_PULLS:
        *method = "GET";
        *path = repo_path(c, arena_printf(a, "commits/%s/pulls", g->rev));
        return *path ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
    case PH_COMMENTS:
        *method = "GET";
        *path = repo_path(c, arena_printf(a, "issues/%lld/comments",
                                          (long long)g->prs[g->pr]));
        return *path ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
    case PH_COMMENT_WRITE:
        *method = g->comment_id ? "PATCH" : "POST";
        *path = g->comment_id
                    ? repo_path(c, arena_printf(a, "issues/comments/%lld",
                                                (long long)g->comment_id))
                    : repo_path(c, arena_printf(a, "issues/%lld/comments",
                                                (long long)g->prs[g->pr]));
        *body = comment_body(c, g);
        break;
    case PH_CHECK_RUN: {
        int rc = check_run_body(c, g, body, e);
        if (rc != RN_OK)
            return rc;
        *path = repo_path(c, "check-runs");
        break;
    }
    case PH_DISPATCH: {
        int rc = dispatch_body(c, body, e);
        if (rc != RN_OK)
            return rc;
        *path = repo_path(c, "dispatches");
        break;
    }
    default:
        return rn_errf(e, RN_EINVAL, "github: no request for this step");
    }
    return *path && *body ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
}

static int gh_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    const struct gh_opts *o = state;
    int rc = c->step == 0 ? gh_start(o, c, e) : RN_OK;
    if (rc != RN_OK)
        return rc;
    struct gh_call *g = c->scratch;
    if (g->phase == PH_END) {
        memset(out, 0, sizeof *out); /* nothing to do */
        return RN_OK;
    }
    const char *method, *path, *body;
    if (g->phase == PH_TOKEN) {
        rc = token_req(c, o, out, e);
    } else {
        rc = phase_request(c, &method, &path, &body, e);
        if (rc == RN_OK)
            rc = gh_req(c, o, method, path, body, out);
    }
    if (rc == RN_OK) {
        g->method = out->method;
        g->shown = out->shown_url;
    }
    return rc == RN_OK || (e && e->code) ? rc : rn_errf(e, rc, "out of memory");
}

/* An integer member (an ID, a PR number); 0 when absent or when the
 * reply's number does not fit an int64 (found by fuzz_http_reply: the
 * conversion of such a float is undefined). */
static int64_t int_field(struct val v, const char *k)
{
    const struct val *f = val_get_cstr(v, k);
    if (f && f->kind == VAL_INT)
        return f->u.i;
    if (f && f->kind == VAL_FLOAT && f->u.f >= -9.2e18 && f->u.f <= 9.2e18)
        return (int64_t)f->u.f;
    return 0;
}

static enum svc_step gh_fail(struct svc_call *c, const struct http_reply *r,
                             struct val v, struct rn_err *e)
{
    struct gh_call *g = c->scratch;
    const struct val *errs = val_get_cstr(v, "errors");
    if (g->phase == PH_STATUS && r->status == 422) {
        rn_errf(e, RN_EHTTP,
                "too many commit statuses for sha %s and "
                "context %s",
                g->rev, sub_str(c, "status", "label"));
        return SVC_STEP_FAIL;
    }
    rn_errf(e, RN_EHTTP, "%s %s: %ld %s %s", g->method, g->shown, r->status,
            v.kind == VAL_OBJECT ? svc_val_str(v, "message")
                                 : svc_body_excerpt(c, r),
            errs ? svc_json_text(c->a, *errs) : "[]");
    return SVC_STEP_FAIL;
}

static void save_token(const struct gh_opts *o, struct gh_call *g,
                       struct svc_call *c, struct val v)
{
    static const char layout[] = "2006-01-02T15:04:05Z07:00";
    const char *tok = svc_val_str(v, "token");
    const char *exp = svc_val_str(v, "expires_at");
    const struct val_time *t = NULL;
    struct rn_err pe = {0};
    gotime_parse(c->a, layout, sizeof layout - 1, exp, strlen(exp), NULL, &t,
                 &pe);
    g->token = tok;
    pthread_mutex_lock(&o->cache->mu);
    if (strlen(tok) < GH_TOKEN_MAX) {
        memcpy(o->cache->token, tok, strlen(tok) + 1);
        o->cache->expires = t ? t->unix : 0;
    }
    pthread_mutex_unlock(&o->cache->mu);
}

/* Pull request numbers of a commit; comments carrying the marker. */
static void after_list(struct svc_call *c, struct gh_call *g, struct val v)
{
    size_t n = v.kind == VAL_ARRAY ? val_list_len(v) : 0;
    if (g->phase == PH_PULLS) {
        g->prs = arena_zalloc(c->a, (n + 1) * sizeof *g->prs);
        for (size_t i = 0; g->prs && i < n; i++)
            g->prs[g->nprs++] = int_field(val_list_at(v, i), "number");
        g->pr = 0;
        g->comment_id = 0;
        g->phase = !g->nprs    ? next_phase(c, PH_CHECK_RUN)
                   : marker(c) ? PH_COMMENTS
                               : PH_COMMENT_WRITE;
        return;
    }
    const char *m = marker(c);
    for (size_t i = 0; m && i < n && !g->comment_id; i++)
        if (strstr(svc_val_str(val_list_at(v, i), "body"), m))
            g->comment_id = int_field(val_list_at(v, i), "id");
    g->phase = PH_COMMENT_WRITE;
}

static enum svc_step gh_check(const void *state, struct svc_call *c,
                              const struct http_reply *r, bool *retryable,
                              struct rn_err *e)
{
    const struct gh_opts *o = state;
    struct gh_call *g = c->scratch;
    struct val v = val_null();
    struct rn_err pe = {0};
    if (r->body_len)
        svc_json_parse(c->a, r->body, r->body_len, &v, &pe);
    *retryable = svc_status_retryable(r->status);
    if (r->status < 200 || r->status > 299)
        return gh_fail(c, r, v, e);
    switch (g->phase) {
    case PH_TOKEN:
        save_token(o, g, c, v);
        g->phase = next_phase(c, PH_STATUS);
        break;
    case PH_STATUS:
        g->phase = next_phase(c, PH_DEPLOY_LIST);
        break;
    case PH_DEPLOY_LIST:
        g->deploy_id = v.kind == VAL_ARRAY && val_list_len(v)
                           ? int_field(val_list_at(v, 0), "id")
                           : 0;
        g->phase = g->deploy_id ? PH_DEPLOY_STATUS : PH_DEPLOY_CREATE;
        break;
    case PH_DEPLOY_CREATE:
        g->deploy_id = int_field(v, "id");
        g->phase = PH_DEPLOY_STATUS;
        break;
    case PH_DEPLOY_STATUS:
        g->phase = next_phase(c, PH_PULLS);
        break;
    case PH_PULLS:
    case PH_COMMENTS:
        after_list(c, g, v);
        break;
    case PH_COMMENT_WRITE:
        g->comment_id = 0;
        g->phase = ++g->pr < g->nprs
                       ? (marker(c) ? PH_COMMENTS : PH_COMMENT_WRITE)
                       : next_phase(c, PH_CHECK_RUN);
        break;
    case PH_CHECK_RUN:
        g->phase = next_phase(c, PH_DISPATCH);
        break;
    default:
        g->phase = PH_END;
        break;
    }
    return g->phase == PH_END ? SVC_STEP_DONE : SVC_STEP_NEXT;
}

const struct svc_type svc_github = {
    .name = "github",
    .flags = SVC_F_HTTP,
    .opts = gh_opts,
    .nopts = sizeof gh_opts / sizeof *gh_opts,
    .opts_size = sizeof(struct gh_opts),
    .configure = gh_configure,
    .build = gh_build,
    .check_reply = gh_check,
};
