/*
 * alertmanager.c: `service.alertmanager`, alerts posted to Prometheus
 * Alertmanager (notifications-engine services/alertmanager.go).
 *
 * One send posts the same one-alert array
 *   [{"labels":{..},"annotations":{..}|null,"generatorURL":"..",
 *     "startsAt":"<RFC 3339, nanoseconds, local offset>"}]
 * to every target (`<scheme>://<target><apiPath>`) at once, each with its
 * own timeout (`timeout` seconds, default 3, covering redirects too), with
 * basic auth (preferred) or a bearer token.  A target succeeds only with
 * status 200; the send succeeds when one target did, else it fails with
 * upstream's "no events were successfully received by alertmanager" and
 * each target's reason.  The recipient is not used.
 *
 * Upstream sends to the targets concurrently, so this service delivers by
 * itself (svc_type.send) on a multi handle of its own: a target that is
 * down, slow or refusing the connection never hides another one's
 * success, which a chain of one-request steps could not express.  In the
 * controller it runs on the delivery queue's worker threads, like email.
 *
 * The engine applies upstream's label rules when rendering (required
 * labels, empty values keeping their template text, `alertname` defaulting
 * to the template's name: engine/notification.c); generatorURL and
 * startsAt exist only in the request and are made here: an absent
 * generatorURL is what upstream's default `{{.app.spec.source.repoURL}}`
 * gives for a Rollout, "<no value>"; `git@host:org/repo` becomes
 * `https://host/org/repo`; a value Go's url.Parse refuses fails the send.
 */
#include "svc_int.h"

#include "../core/gotime.h"
#include "../core/json.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define AM_MAX_TARGETS 64
#define AM_MAX_REDIRECTS 10

struct am_opts {
    struct svc_strmap targets;
    const char *scheme, *api_path, *bearer;
    struct svc_basic basic;
    int64_t timeout; /* seconds */
    bool insecure;
};

#define O(f) offsetof(struct am_opts, f)
static const struct svc_opt am_opts[] = {
    {"targets", SVC_O_STRLIST, 0, O(targets)},
    {"scheme", SVC_O_STR, 0, O(scheme)},
    {"apiPath", SVC_O_STR, 0, O(api_path)},
    {"basicAuth", SVC_O_BASIC, SVC_OF_SECRET, O(basic)},
    {"bearerToken", SVC_O_STR, SVC_OF_SECRET, O(bearer)},
    {"timeout", SVC_O_INT, 0, O(timeout)},
    {"insecureSkipVerify", SVC_O_BOOL, 0, O(insecure)},
};
#undef O

/* Upstream's defaults (NewAlertmanagerService). */
static int am_configure(void *state, struct arena *a, struct rn_err *e)
{
    static const char *def_target = "127.0.0.1:9093";
    struct am_opts *o = state;
    if (o->targets.n == 0) {
        o->targets.vals = arena_alloc(a, sizeof *o->targets.vals);
        if (!o->targets.vals)
            return rn_errf(e, RN_ENOMEM, "out of memory");
        o->targets.vals[0] = def_target;
        o->targets.n = 1;
    }
    if (o->targets.n > AM_MAX_TARGETS)
        return rn_errf(e, RN_ECONFIG, "alertmanager: more than %d targets",
                       AM_MAX_TARGETS);
    if (!*o->scheme)
        o->scheme = "http";
    if (!*o->api_path)
        o->api_path = "/api/v2/alerts";
    if (o->timeout == 0)
        o->timeout = 3;
    if (o->timeout < 0 || o->timeout > 86400)
        return rn_errf(e, RN_ECONFIG,
                       "alertmanager: timeout %lld is not a number of "
                       "seconds between 1 and 86400",
                       (long long)o->timeout);
    return RN_OK;
}

/* ---- the alert ---- */

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* Go's url.Parse errors that a generatorURL can hit: control bytes, bad
 * %-escapes outside the query, a colon in a first path segment without
 * scheme, a missing scheme, a port that is not a number. */
static const char *url_problem(struct arena *a, const char *s)
{
    size_t n = strlen(s), scheme = 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "net/url: invalid control character in URL";
    const char *q = strchr(s, '?');
    for (const char *p = s; *p && (!q || p < q); p++)
        if (*p == '%' && !(is_hex(p[1]) && is_hex(p[2])))
            return arena_printf(a, "invalid URL escape \"%.3s\"", p);
    while ((s[scheme] >= 'a' && s[scheme] <= 'z') ||
           (s[scheme] >= 'A' && s[scheme] <= 'Z') ||
           (scheme > 0 && strchr("0123456789+-.", s[scheme]) && s[scheme]))
        scheme++;
    if (s[0] == ':')
        return "missing protocol scheme";
    if (s[scheme] != ':') {
        size_t seg = strcspn(s, "/?#");
        if (memchr(s, ':', seg))
            return "first path segment in URL cannot contain colon";
        return NULL;
    }
    const char *auth = s + scheme + 1;
    if (strncmp(auth, "//", 2) != 0)
        return NULL;
    auth += 2;
    size_t an = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', an);
    const char *host = at ? at + 1 : auth;
    size_t hn = an - (size_t)(host - auth);
    const char *colon = memchr(host, ']', hn) ? NULL : memchr(host, ':', hn);
    if (host[0] == '[' && !memchr(host, ']', hn))
        return "missing ']' in host";
    for (const char *p = colon ? colon + 1 : NULL; p && p < host + hn; p++)
        if (*p < '0' || *p > '9')
            return arena_printf(a, "invalid port \"%.*s\" after host",
                                (int)(host + hn - colon), colon);
    return NULL;
}

/* generatorURL as upstream's templater leaves it. */
static int generator_url(struct svc_call *c, const char **out, struct rn_err *e)
{
    const struct val *blk = svc_section(c->root, "alertmanager");
    const struct val *v = blk ? val_get_cstr(*blk, "generatorURL") : NULL;
    const char *u = v && v->kind == VAL_STRING ? v->u.s : "<no value>";
    if (strncmp(u, "git@", 4) == 0) {
        const char *rest = u + 4;
        size_t k = strcspn(rest, ":");
        u = rest[k] ? arena_printf(c->a, "https://%.*s/%s", (int)k, rest,
                                   rest + k + 1)
                    : arena_printf(c->a, "https://%s", rest);
        if (!u)
            return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    const char *why = url_problem(c->a, u);
    if (why)
        return rn_errf(e, RN_EINVAL, "parse \"%s\": %s", u, why);
    *out = u;
    return RN_OK;
}

/* A map[string]string member as encoding/json writes it (keys sorted, <>&
 * escaped); null when absent. */
static int string_map(struct buf *b, const char *what, const struct val *m,
                      struct rn_err *e)
{
    if (!m || m->kind == VAL_NULL ||
        (m->kind == VAL_OBJECT && !val_obj_len(*m)))
        return buf_add(b, "null", 4);
    if (m->kind != VAL_OBJECT)
        return rn_errf(e, RN_EINVAL, "alertmanager %s must be a map", what);
    int rc = buf_add_char(b, '{');
    for (size_t i = 0; rc == RN_OK && i < val_obj_len(*m); i++) {
        const struct val_kv *kv = val_obj_at(*m, i);
        if (kv->v.kind != VAL_STRING)
            return rn_errf(e, RN_EINVAL,
                           "alertmanager %s: the value of %s is not a string",
                           what, kv->key.u.s);
        if (i)
            rc = buf_add_char(b, ',');
        if (rc == RN_OK)
            rc = json_emit_string(b, kv->key.u.s, kv->key.len, 0);
        if (rc == RN_OK)
            rc = buf_add_char(b, ':');
        if (rc == RN_OK)
            rc = json_emit_string(b, kv->v.u.s, kv->v.len, 0);
    }
    return rc == RN_OK ? buf_add_char(b, '}') : rc;
}

/* time.Now() as encoding/json writes a time.Time. */
static int starts_at(struct svc_call *c, struct buf *b)
{
    struct val_time *now = gotime_now(c->a);
    int rc = now ? buf_add_char(b, '"') : RN_ENOMEM;
    if (rc == RN_OK)
        rc = gotime_format(b, now, GOTIME_RFC3339NANO,
                           strlen(GOTIME_RFC3339NANO));
    return rc == RN_OK ? buf_add_char(b, '"') : rc;
}

/* The request body: an array with the one alert. */
static int alert_body(struct svc_call *c, const char **out, size_t *len,
                      struct rn_err *e)
{
    const struct val *blk = svc_section(c->root, "alertmanager");
    const struct val *labels = blk ? val_get_cstr(*blk, "labels") : NULL;
    const char *gen = NULL;
    struct buf b;
    if (!blk)
        return rn_errf(e, RN_EINVAL, "notification alertmanager no config");
    if (!labels || labels->kind != VAL_OBJECT || !val_obj_len(*labels))
        return rn_errf(e, RN_EINVAL,
                       "alertmanager at least one label pair required");
    int rc = generator_url(c, &gen, e);
    if (rc != RN_OK)
        return rc;
    buf_init(&b, 1u << 20);
    rc = buf_add_str(&b, "[{\"labels\":");
    if (rc == RN_OK)
        rc = string_map(&b, "labels", labels, e);
    if (rc == RN_OK)
        rc = buf_add_str(&b, ",\"annotations\":");
    if (rc == RN_OK)
        rc =
            string_map(&b, "annotations", val_get_cstr(*blk, "annotations"), e);
    if (rc == RN_OK)
        rc = buf_add_str(&b, ",\"generatorURL\":");
    if (rc == RN_OK)
        rc = json_emit_string(&b, gen, strlen(gen), 0);
    if (rc == RN_OK)
        rc = buf_add_str(&b, ",\"startsAt\":");
    if (rc == RN_OK)
        rc = starts_at(c, &b);
    if (rc == RN_OK)
        rc = buf_add_str(&b, "}]");
    if (rc == RN_OK) {
        *out = arena_strndup(c->a, buf_str(&b), b.len);
        *len = b.len;
        rc = *out ? RN_OK : RN_ENOMEM;
    }
    buf_free(&b);
    if (rc != RN_OK && !e->code)
        rn_errf(e, rc, "out of memory");
    return rc;
}

/* ---- the targets ---- */

struct target {
    struct http_req req;
    CURL *h;
    struct svc_xfer *x;
    int64_t deadline_ms; /* monotonic */
    int hops;
    bool active, ok, retryable;
    const char *why;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int target_req(const struct am_opts *o, struct svc_call *c,
                      const char *target, const char *body, size_t len,
                      struct http_req *r)
{
    const char *url =
        arena_printf(c->a, "%s://%s%s", o->scheme, target, o->api_path);
    if (!url)
        return RN_ENOMEM;
    int rc = svc_req_json(c->a, r, url, body, len, NULL);
    r->shown_url = svc_url_redact(c->a, url);
    if (rc == RN_OK && o->basic.set) {
        const char *up =
            arena_printf(c->a, "%s:%s", o->basic.username, o->basic.password);
        const char *b64 = up ? svc_base64(c->a, up, strlen(up)) : NULL;
        const char *h = b64 ? arena_printf(c->a, "Basic %s", b64) : NULL;
        rc = h ? svc_req_set(c->a, r, "Authorization", h) : RN_ENOMEM;
    } else if (rc == RN_OK && *o->bearer) {
        const char *h = arena_printf(c->a, "Bearer %s", o->bearer);
        rc = h ? svc_req_set(c->a, r, "Authorization", h) : RN_ENOMEM;
    }
    r->insecure = o->insecure;
    return r->shown_url ? rc : RN_ENOMEM;
}

static void target_fail(struct target *t, struct svc_call *c, bool retryable,
                        const char *why)
{
    t->active = false;
    t->retryable = retryable;
    t->why = why ? why : arena_printf(c->a, "%s: failed", t->req.shown_url);
}

/* Start (or restart, after a redirect) the transfer of t on m. */
static void target_start(struct target *t, CURLM *m, const struct svc_opts *so,
                         struct svc_call *c)
{
    struct rn_err e;
    rn_err_clear(&e);
    int64_t left = t->deadline_ms - mono_ms();
    if (left <= 0) {
        target_fail(t, c, true,
                    arena_printf(c->a, "Post \"%s\": context deadline exceeded",
                                 t->req.shown_url));
        return;
    }
    t->req.timeout_ms = (long)left;
    t->h = curl_easy_init();
    if (!t->h || svc_http_setup(t->h, &t->req, so, c->a, &t->x, &e) != RN_OK ||
        curl_multi_add_handle(m, t->h) != CURLM_OK) {
        target_fail(t, c, e.code != RN_EINVAL,
                    e.msg[0] ? arena_strdup(c->a, e.msg) : NULL);
        return;
    }
    t->active = true;
}

static void target_release(struct target *t, CURLM *m)
{
    if (t->h) {
        curl_multi_remove_handle(m, t->h);
        curl_easy_cleanup(t->h);
    }
    svc_http_release(t->x);
    t->h = NULL;
    t->x = NULL;
}

/* A transfer of t ended with libcurl code cc: judge it, or follow a
 * redirect as Go's client does. */
static void target_done(struct target *t, CURLM *m, int cc,
                        const struct svc_opts *so, struct svc_call *c)
{
    struct http_reply rep;
    struct http_req next;
    struct rn_err e;
    bool retryable = false;
    rn_err_clear(&e);
    int rc = svc_http_done(t->x, cc, &rep, &retryable, &e);
    if (rc == RN_OK && svc_http_redirect(&t->req, &rep, c->a, &next) &&
        ++t->hops < AM_MAX_REDIRECTS) {
        target_release(t, m);
        next.shown_url = svc_url_redact(c->a, next.url);
        t->req = next;
        target_start(t, m, so, c);
        return;
    }
    target_release(t, m);
    if (rc != RN_OK) {
        target_fail(t, c, retryable, arena_strdup(c->a, e.msg));
    } else if (rep.status == 200) {
        t->ok = true;
        t->active = false;
    } else {
        target_fail(t, c, svc_status_retryable(rep.status),
                    arena_printf(c->a,
                                 "request to %s has failed with error "
                                 "code %ld : %s",
                                 t->req.shown_url, rep.status,
                                 svc_body_excerpt(c, &rep)));
    }
}

static int active_count(const struct target *t, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += t[i].active;
    return k;
}

/* Drive every target's transfer until all have ended. */
static void run_targets(struct target *t, size_t n, CURLM *m,
                        const struct svc_opts *so, struct svc_call *c)
{
    while (active_count(t, n) > 0) {
        int running = 0, left = 0;
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(m, &left))) {
            for (size_t i = 0; msg->msg == CURLMSG_DONE && i < n; i++)
                if (t[i].active && t[i].h == msg->easy_handle) {
                    target_done(&t[i], m, (int)msg->data.result, so, c);
                    break;
                }
        }
        if (active_count(t, n) > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (size_t i = 0; i < n; i++)
        if (t[i].active) {
            target_release(&t[i], m);
            target_fail(&t[i], c, true, NULL);
        }
}

/* The failure of a send where no target took the alert. */
static int no_target(struct target *t, size_t n, bool *retryable,
                     struct rn_err *e)
{
    char why[sizeof e->msg];
    size_t k = (size_t)snprintf(why, sizeof why, "%s",
                                "no events were successfully received by "
                                "alertmanager");
    *retryable = false;
    for (size_t i = 0; i < n; i++) {
        *retryable = *retryable || t[i].retryable;
        if (k < sizeof why)
            k += (size_t)snprintf(why + k, sizeof why - k, "%s%s",
                                  i ? "; " : " (", t[i].why);
    }
    if (k < sizeof why)
        snprintf(why + k, sizeof why - k, ")");
    return rn_errf(e, RN_EHTTP, "%s", why);
}

static int am_send(const void *state, struct svc_call *c, bool *retryable,
                   struct rn_err *e)
{
    const struct am_opts *o = state;
    const char *body = NULL;
    size_t len = 0, n = o->targets.n, ok = 0;
    struct svc_opts so;
    *retryable = false;
    int rc = alert_body(c, &body, &len, e);
    struct target *t = rc == RN_OK ? arena_zalloc(c->a, n * sizeof *t) : NULL;
    if (rc != RN_OK)
        return rc;
    CURLM *m = t ? curl_multi_init() : NULL;
    if (!m)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    svc_opts_default(&so);
    int64_t deadline = mono_ms() + o->timeout * 1000;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        rc = target_req(o, c, o->targets.vals[i], body, len, &t[i].req);
        t[i].deadline_ms = deadline;
        if (rc == RN_OK)
            target_start(&t[i], m, &so, c);
    }
    if (rc == RN_OK)
        run_targets(t, n, m, &so, c);
    for (size_t i = 0; i < n; i++)
        target_release(&t[i], m);
    curl_multi_cleanup(m);
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    for (size_t i = 0; i < n; i++)
        ok += t[i].ok;
    return ok ? RN_OK : no_target(t, n, retryable, e);
}

/* Alertmanager delivers by itself (several targets at once); svc_build()
 * explains that. */
static int am_build(const void *state, struct svc_call *c, struct http_req *out,
                    struct rn_err *e)
{
    (void)state;
    (void)c;
    memset(out, 0, sizeof *out);
    return rn_errf(e, RN_EINVAL,
                   "alertmanager posts to all its targets at once, not as "
                   "one request");
}

const struct svc_type svc_alertmanager = {
    .name = "alertmanager",
    .flags = SVC_F_HTTP,
    .opts = am_opts,
    .nopts = sizeof am_opts / sizeof *am_opts,
    .opts_size = sizeof(struct am_opts),
    .configure = am_configure,
    .build = am_build,
    .send = am_send,
};
