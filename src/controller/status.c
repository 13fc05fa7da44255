/*
 * status.c: what the status page shows (--status-addr, docs/status-page.md):
 * the recent decisions and why each trigger did or did not send, the
 * deliveries finished and those still queued, the configuration problems
 * of each namespace with their positions, and the leader state.
 *
 * Everything here runs on the loop thread but ctl_status_json().  The
 * hooks of the trigger paths (events.c, conditions.c, send.c, configs.c)
 * copy what they report into small fixed rings, so recording costs a few
 * string copies and no allocation.  A timer turns the rings and the live
 * state (the delivery queue, the configs, the Lease) into JSON at most
 * once a second when something changed, and every few seconds anyway so
 * that ages and the leader state stay fresh; the JSON goes through the
 * log's secret scrubber and is swapped in under a mutex.  The page's
 * server (libmicrohttpd's thread, httpd.c) only ever copies the latest
 * snapshot out: it never reads what the loop owns.
 *
 * The condition path evaluates every Rollout on every change and resync,
 * so its "did not send" outcomes would flood the ring with repeats: they
 * are recorded only when they differ from the last one recorded for the
 * same Rollout, trigger, condition and destination (a fixed direct-mapped
 * table of hashes; a collision costs one extra row, never a lost change).
 * Event-path decisions are one per occurrence and are always recorded.
 *
 * Only what holds no secret is kept: names, triggers, destinations,
 * outcomes and error texts (which the services scrub of secret options
 * already).  Rendered messages are never kept.
 */
#include "controller_int.h"

#include "../config/config.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/json.h"
#include "../core/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ST_DECISIONS 200      /* recent decisions kept */
#define ST_DELIVERIES 200     /* recent finished deliveries kept */
#define ST_QUEUE_SHOWN 500    /* queued items listed (all are counted) */
#define ST_PROBLEMS_SHOWN 200 /* config problems listed per namespace */
#define ST_SEEN_SLOTS 4096    /* condition-path outcomes remembered */
#define ST_DEST_MAX 320
#define ST_PERIOD_MS 1000  /* snapshot at most this often when changed */
#define ST_REFRESH_MS 5000 /* ... and this often regardless */
#define ST_PART_MAX (8u << 20)

/* What a decision or a delivery was about, and when. */
struct st_subject {
    int64_t at_ms; /* wall clock */
    uint8_t path;  /* enum ctl_path */
    char ns[64], name[254], trigger[128];
};

/* One decision: a trigger run (or a step of one) for a Rollout. */
struct st_decision {
    struct st_subject s;
    int64_t count; /* the Event's count (event path) */
    uint8_t why;
    uint16_t ndests, more; /* destinations kept, and left out */
    char event[64];
    char dests[512]; /* NUL-separated "service:recipient" */
    char detail[512], message[320];
};

/* One finished delivery. */
struct st_delivery {
    struct st_subject s;
    int64_t took_ms;
    bool ok;
    int attempts, requests; /* whole-delivery attempts, HTTP requests */
    char service[128], recipient[ST_DEST_MAX], error[512];
};

/* One configuration problem (strings in its namespace's arena). */
struct st_problem {
    const char *key, *msg;
    int line, col, key_line;
    bool warning, kept;
};

/* A namespace's problems: those last reported (p, in a) and those being
 * gathered by the build in progress (pnext, in next). */
struct st_ns {
    struct arena a, next;
    struct st_problem *p, *pnext;
    size_t n, nnext, capnext;
    bool building, reported, cm_found;
};

struct st_seen {
    uint64_t h;
    uint8_t why;
};

enum { ST_STATUS, ST_DECS, ST_DELS, ST_QUEUE, ST_CONFIG, ST_LEADER, ST_NPARTS };

struct ctl_status {
    struct ctl *c;
    struct ctl_httpd *srv; /* its own server, or NULL when shared */
    struct kube_timer *timer;
    bool dirty;
    int64_t built_ms;
    struct st_decision dec[ST_DECISIONS];
    size_t dec_next, dec_n;
    struct st_delivery del[ST_DELIVERIES];
    size_t del_next, del_n;
    struct st_seen seen[ST_SEEN_SLOTS];
    struct map nss; /* namespace -> struct st_ns * */
    /* the published snapshot, read by the HTTP thread */
    pthread_mutex_t mu;
    char *part[ST_NPARTS];
    size_t len[ST_NPARTS];
};

static const char *const part_names[ST_NPARTS] = {
    "status", "decisions", "deliveries", "queue", "config", "leader"};

static int build(struct ctl *c, struct ctl_status *st, char **parts,
                 size_t *lens);

/* ---- recording ---- */

/* Copy s into dst[cap], cut at a UTF-8 character boundary. */
static void copy_cut(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void subject(struct st_subject *x, enum ctl_path path, const char *ns,
                    const char *name, const char *trigger)
{
    x->at_ms = wall_ms();
    x->path = (uint8_t)path;
    copy_cut(x->ns, sizeof x->ns, ns);
    copy_cut(x->name, sizeof x->name, name);
    copy_cut(x->trigger, sizeof x->trigger, trigger);
}

/* The next slot of a ring of cap entries of size sz, cleared. */
static void *ring_next(void *ring, size_t sz, size_t cap, size_t *next,
                       size_t *n)
{
    void *x = (char *)ring + *next * sz;
    *next = (*next + 1) % cap;
    *n += *n < cap;
    memset(x, 0, sz);
    return x;
}

/* The hash naming what a condition-path outcome is about. */
static uint64_t about_hash(const struct ctl_about *ab, const char *cond,
                           const struct eng_dest *d)
{
    char k[768];
    int n =
        snprintf(k, sizeof k, "%s%c%s%c%s%c%s%c%s%c%s", ab->ns, 0, ab->name, 0,
                 ab->trigger, 0, cond ? cond : "", 0, d ? d->service : "", 0,
                 d && d->recipient ? d->recipient : "");
    size_t len = n < 0 ? 0 : (size_t)n < sizeof k ? (size_t)n : sizeof k - 1;
    return map_hash(k, len) | 1;
}

static void forget_seen(struct ctl_status *st, uint64_t h)
{
    struct st_seen *s = &st->seen[h % ST_SEEN_SLOTS];
    if (s->h == h)
        s->h = 0;
}

/* Whether a condition-path outcome repeats the last one recorded.  An
 * outcome for one destination (or condition) makes the broader ones
 * recordable again, so a condition false after a send shows up. */
static bool repeated(struct ctl_status *st, const struct ctl_about *ab,
                     enum ctl_why why)
{
    if (ab->path != CTL_PATH_COND)
        return false;
    if (ab->d)
        forget_seen(st, about_hash(ab, ab->cond, NULL));
    if (ab->d || ab->cond)
        forget_seen(st, about_hash(ab, NULL, NULL));
    uint64_t h = about_hash(ab, ab->cond, ab->d);
    struct st_seen *s = &st->seen[h % ST_SEEN_SLOTS];
    if (s->h == h && s->why == why)
        return true;
    s->h = h;
    s->why = (uint8_t)why;
    return false;
}

/* "service:recipient" (just "service" without a recipient). */
static void dest_text(char *out, size_t cap, const struct eng_dest *d)
{
    const char *r = d->recipient ? d->recipient : "";
    snprintf(out, cap, "%s%s%s", d->service ? d->service : "", *r ? ":" : "",
             r);
}

/* The destinations, NUL-separated, as many as fit. */
static void dests_of(struct st_decision *x, const struct ctl_about *ab)
{
    const struct eng_dest *one = ab->d;
    size_t n = one ? 1 : ab->td ? ab->td->n : 0, used = 0;
    for (size_t i = 0; i < n; i++) {
        char t[ST_DEST_MAX];
        dest_text(t, sizeof t, one ? one : &ab->td->dests[i]);
        size_t len = strlen(t);
        if (used + len + 1 > sizeof x->dests) {
            x->more = (uint16_t)(n - i);
            break;
        }
        memcpy(x->dests + used, t, len + 1);
        used += len + 1;
        x->ndests++;
    }
}

static void event_of(struct st_decision *x, const struct ctl_occ *o)
{
    if (!o)
        return;
    copy_cut(x->event, sizeof x->event, o->reason);
    x->count = o->count;
    if (o->ev.kind == VAL_OBJECT)
        copy_cut(x->message, sizeof x->message,
                 ctl_str(o->ev, "message", NULL));
}

void ctl_status_decision(struct ctl *c, const struct ctl_about *ab,
                         enum ctl_why why, const char *detail)
{
    struct ctl_status *st = c->status;
    if (!st || repeated(st, ab, why))
        return;
    struct st_decision *x =
        ring_next(st->dec, sizeof *x, ST_DECISIONS, &st->dec_next, &st->dec_n);
    subject(&x->s, ab->path, ab->ns, ab->name, ab->trigger);
    x->why = (uint8_t)why;
    copy_cut(x->detail, sizeof x->detail, detail);
    dests_of(x, ab);
    event_of(x, ab->occ);
    st->dirty = true;
}

void ctl_status_send(struct ctl *c, const struct ctl_send *s, enum ctl_why why,
                     const char *detail)
{
    struct ctl_about ab = {s->path, s->ns, s->name, s->trigger,
                           s->occ,  s->d,  NULL,    s->r ? s->r->key : NULL};
    ctl_status_decision(c, &ab, why, detail);
}

void ctl_status_occ(struct ctl *c, const struct ctl_occ *o,
                    const struct eng_trigger_dests *td, enum ctl_why why,
                    const char *detail)
{
    struct ctl_about ab = {o->path, o->ns, o->name, o->trigger,
                           o,       NULL,  td,      NULL};
    ctl_status_decision(c, &ab, why, detail);
}

void ctl_status_delivered(struct ctl *c, const struct ctl_item *it, bool ok,
                          const struct svc_result *res)
{
    struct ctl_status *st = c->status;
    const struct ctl_rec *rec = it->ud;
    if (!st || !rec)
        return;
    struct st_delivery *x =
        ring_next(st->del, sizeof *x, ST_DELIVERIES, &st->del_next, &st->del_n);
    subject(&x->s, rec->path, rec->ns, rec->name, rec->trigger);
    x->took_ms = kube_loop_now(c->loop) - it->enqueued_ms;
    x->ok = ok;
    x->attempts = it->attempts;
    x->requests = res ? res->attempts : 0;
    copy_cut(x->service, sizeof x->service, it->dest.service);
    copy_cut(x->recipient, sizeof x->recipient, it->dest.recipient);
    if (!ok)
        copy_cut(x->error, sizeof x->error, res ? res->msg : it->last_error);
    st->dirty = true;
}

/* ---- configuration problems ---- */

static struct st_ns *ns_get(struct ctl_status *st, const char *ns)
{
    struct st_ns *n = map_get(&st->nss, ns, strlen(ns));
    if (n)
        return n;
    n = rn_calloc(1, sizeof *n);
    if (!n)
        return NULL;
    arena_init(&n->a, 0);
    arena_init(&n->next, 0);
    if (map_put(&st->nss, ns, strlen(ns), n, NULL) != RN_OK) {
        rn_free(n);
        return NULL;
    }
    return n;
}

static void ns_free(struct st_ns *n)
{
    arena_free(&n->a);
    arena_free(&n->next);
    rn_free(n);
}

static void start_build(struct st_ns *n)
{
    arena_reset(&n->next);
    n->pnext = NULL;
    n->nnext = n->capnext = 0;
}

/* Append a problem to the build in progress (NULL on OOM). */
static struct st_problem *add_problem(struct st_ns *n, const char *key,
                                      const char *msg)
{
    if (n->nnext == n->capnext) {
        size_t cap = n->capnext ? 2 * n->capnext : 8;
        struct st_problem *p = arena_grow(
            &n->next, n->pnext, n->capnext * sizeof *p, cap * sizeof *p);
        if (!p)
            return NULL;
        n->pnext = p;
        n->capnext = cap;
    }
    struct st_problem *p = &n->pnext[n->nnext];
    memset(p, 0, sizeof *p);
    p->key = arena_strdup(&n->next, key ? key : "");
    p->msg = arena_strdup(&n->next, msg ? msg : "");
    if (!p->key || !p->msg)
        return NULL;
    n->nnext++;
    return p;
}

static void add_cfg_error(struct st_ns *n, const struct cfg_error *ce,
                          bool warning)
{
    struct st_problem *p = add_problem(n, ce->key, ce->msg);
    if (!p)
        return;
    p->line = ce->line;
    p->col = ce->col;
    p->key_line = ce->key_line;
    p->warning = warning;
}

void ctl_status_config(struct ctl *c, const char *ns, const struct cfg *cfg)
{
    struct st_ns *n = c->status ? ns_get(c->status, ns) : NULL;
    if (!n || !cfg)
        return;
    start_build(n);
    for (size_t i = 0; i < cfg_error_count(cfg); i++)
        add_cfg_error(n, cfg_error_at(cfg, i), false);
    for (size_t i = 0; i < cfg_warning_count(cfg); i++)
        add_cfg_error(n, cfg_warning_at(cfg, i), true);
    n->building = true;
}

/* Whether the problem line "key: msg" is the error p. */
static bool is_line(const struct st_problem *p, const char *line, size_t n)
{
    size_t k = strlen(p->key), m = strlen(p->msg);
    return !p->warning && n == k + 2 + m && memcmp(line, p->key, k) == 0 &&
           memcmp(line + k, ": ", 2) == 0 &&
           memcmp(line + k + 2, p->msg, m) == 0;
}

/* A reported problem line not among the compiled errors (a service that
 * failed to start, an unreadable ConfigMap): listed without a position. */
static void add_line(struct st_ns *n, const char *line, size_t len)
{
    for (size_t i = 0; i < n->nnext; i++)
        if (is_line(&n->pnext[i], line, len))
            return;
    char key[256], msg[1024];
    const char *sep = memchr(line, ':', len);
    size_t k = sep && sep[1] == ' ' ? (size_t)(sep - line) : 0;
    snprintf(key, sizeof key, "%.*s", (int)k, line);
    snprintf(msg, sizeof msg, "%.*s", (int)(len - (k ? k + 2 : 0)),
             k ? sep + 2 : line);
    add_problem(n, key, msg);
}

/* Whether key is in the ", "-separated list. */
static bool listed(const char *list, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = list; p && *p;) {
        const char *end = strstr(p, ", ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == k && memcmp(p, key, k) == 0)
            return true;
        p = end ? end + 2 : NULL;
    }
    return false;
}

void ctl_status_config_done(struct ctl *c, const char *ns, const char *problems,
                            const char *kept)
{
    struct st_ns *n = c->status ? ns_get(c->status, ns) : NULL;
    if (!n)
        return;
    if (!n->building) /* nothing compiled this time */
        start_build(n);
    for (const char *p = problems; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        add_line(n, p, len);
        p = nl ? nl + 1 : p + len;
    }
    for (size_t i = 0; i < n->nnext; i++)
        n->pnext[i].kept =
            !n->pnext[i].warning && listed(kept, n->pnext[i].key);
    struct arena done = n->a; /* the new list in force, the old freed */
    n->a = n->next;
    n->next = done;
    n->p = n->pnext;
    n->n = n->nnext;
    start_build(n);
    n->building = false;
    n->cm_found = c->cm && kube_informer_get(c->cm, ns, c->o.config_map);
    n->reported = true;
    c->status->dirty = true;
}

/* ---- JSON ---- */

/* A JSON writer over a buf: the first failure sticks, so callers write on
 * and check once.  `comma`: a value was written at this level. */
struct jw {
    struct buf b;
    int rc;
    bool comma;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (!w->rc)
        w->rc = buf_add(&w->b, s, n);
}

static void jw_sep(struct jw *w)
{
    if (w->comma)
        jw_raw(w, ",", 1);
    w->comma = true;
}

static void jw_text(struct jw *w, const char *s)
{
    if (!w->rc)
        w->rc = json_emit_string(&w->b, s ? s : "", s ? strlen(s) : 0, 0);
}

/* "k": (k NULL: an array element follows). */
static void jw_key(struct jw *w, const char *k)
{
    if (!k)
        return;
    jw_sep(w);
    jw_text(w, k);
    jw_raw(w, ":", 1);
    w->comma = false;
}

static void jw_open(struct jw *w, const char *k, char ch)
{
    jw_key(w, k);
    jw_sep(w);
    jw_raw(w, &ch, 1);
    w->comma = false;
}

static void jw_close(struct jw *w, char ch)
{
    jw_raw(w, &ch, 1);
    w->comma = true;
}

static void jw_str(struct jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_sep(w);
    jw_text(w, v);
}

static void jw_int(struct jw *w, const char *k, int64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", (long long)v);
    jw_key(w, k);
    jw_sep(w);
    jw_raw(w, t, (size_t)n);
}

static void jw_bool(struct jw *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_sep(w);
    jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

/* Wall-clock milliseconds as RFC 3339 UTC with milliseconds. */
static void jw_time(struct jw *w, const char *k, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[48];
    gmtime_r(&t, &tm);
    size_t n = strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(s + n, sizeof s - n, ".%03dZ", (int)(ms % 1000));
    jw_str(w, k, s);
}

static const char *const path_names[] = {"event", "condition", "transition"};

/* Why-codes for programs and sentences for people. */
static const struct {
    const char *code, *text;
} whys[] = {
    [CTL_WHY_QUEUED] = {"queued", "queued for delivery"},
    [CTL_WHY_DRY_RUN] = {"dry-run",
                         "dry run: logged what would be sent, sent nothing"},
    [CTL_WHY_FALSE] = {"condition-false", "the condition was false"},
    [CTL_WHY_NO_DEST] = {"no-destination",
                         "no destination subscribes to this trigger"},
    [CTL_WHY_NOT_CONFIGURED] = {"trigger-not-configured",
                                "the trigger is not configured"},
    [CTL_WHY_ALREADY] = {"already-notified",
                         "already notified: its state key is recorded on "
                         "the Rollout"},
    [CTL_WHY_IN_FLIGHT] = {"already-queued",
                           "a delivery of it is queued and not finished"},
    [CTL_WHY_COVERED] = {"covered-by-transition",
                         "already notified from its status transition"},
    [CTL_WHY_ERROR] = {"error", "not sent"},
};

/* ---- the sections ---- */

static void put_controller(struct jw *w, struct ctl *c)
{
    jw_open(w, "controller", '{');
    jw_str(w, "identity", c->o.identity);
    jw_str(w, "namespace", c->o.namespace ? c->o.namespace : "");
    jw_str(w, "configNamespace", c->config_ns);
    jw_str(w, "configMap", c->o.config_map);
    jw_str(w, "secret", c->o.secret);
    jw_bool(w, "selfService", c->o.self_service);
    jw_bool(w, "synced", c->synced);
    jw_bool(w, "acting", c->acting);
    jw_bool(w, "dryRun", c->o.dry_run);
    jw_bool(w, "stopping", c->stopping);
    jw_int(w, "decided", (int64_t)c->decided);
    jw_int(w, "sent", (int64_t)c->sent);
    jw_int(w, "retried", (int64_t)c->retried);
    jw_int(w, "failed", (int64_t)c->failed);
    jw_close(w, '}');
}

static void put_leader(struct jw *w, struct ctl *c)
{
    bool on = c->o.leader_elect;
    jw_open(w, "leader", '{');
    jw_bool(w, "election", on);
    jw_bool(w, "leading", !on || ctl_leader_is(c->leader));
    jw_str(w, "identity", c->o.identity);
    jw_str(w, "leaseNamespace", on ? c->o.lease_namespace : "");
    jw_str(w, "leaseName", on ? c->o.lease_name : "");
    jw_str(w, "holder", on ? ctl_leader_holder(c->leader) : "");
    jw_close(w, '}');
}

struct qwalk {
    struct jw *w;
    int64_t now, wall;
    size_t seen;
    const char *svc, *rcpt; /* the previous item's destination */
};

static const char *item_state(const struct ctl_item *it, bool head, int64_t now)
{
    if (it->next_retry_ms > now)
        return "retry-wait";
    if (!head)
        return "queued";
    return it->attempts ? "sending" : "ready";
}

/* One queued item; ctl_dq_each visits a destination's items head first. */
static void put_item(void *ud, const struct ctl_item *it)
{
    struct qwalk *q = ud;
    struct jw *w = q->w;
    bool head = !q->svc || strcmp(q->svc, it->dest.service) != 0 ||
                strcmp(q->rcpt, it->dest.recipient) != 0;
    const struct ctl_rec *rec = it->ud;
    q->svc = it->dest.service;
    q->rcpt = it->dest.recipient;
    if (q->seen++ >= ST_QUEUE_SHOWN)
        return;
    jw_open(w, NULL, '{');
    jw_str(w, "path", rec ? path_names[rec->path] : "");
    jw_str(w, "namespace", rec ? rec->ns : "");
    jw_str(w, "rollout", rec ? rec->name : "");
    jw_str(w, "trigger", rec ? rec->trigger : "");
    jw_str(w, "service", it->dest.service);
    jw_str(w, "recipient", it->dest.recipient);
    jw_str(w, "state", item_state(it, head, q->now));
    jw_int(w, "attempts", it->attempts);
    jw_str(w, "lastError", it->last_error);
    jw_time(w, "enqueuedAt", q->wall - (q->now - it->enqueued_ms));
    jw_int(w, "ageMs", q->now - it->enqueued_ms);
    jw_int(w, "nextRetryInMs",
           it->next_retry_ms > q->now ? it->next_retry_ms - q->now : 0);
    jw_int(w, "deadlineInMs", it->deadline_ms - q->now);
    jw_close(w, '}');
}

static void put_queue(struct jw *w, struct ctl *c)
{
    struct qwalk q = {w, kube_loop_now(c->loop), wall_ms(), 0, NULL, NULL};
    jw_open(w, "queue", '{');
    jw_int(w, "depth", (int64_t)ctl_dq_depth(c->dq));
    jw_int(w, "oldestAgeMs", ctl_dq_oldest_age_ms(c->dq));
    jw_open(w, "items", '[');
    if (c->dq)
        ctl_dq_each(c->dq, put_item, &q);
    jw_close(w, ']');
    jw_int(w, "itemsLeftOut",
           q.seen > ST_QUEUE_SHOWN ? (int64_t)(q.seen - ST_QUEUE_SHOWN) : 0);
    jw_close(w, '}');
}

/* Opens the object of a decision or a delivery. */
static void put_subject(struct jw *w, const struct st_subject *x)
{
    jw_open(w, NULL, '{');
    jw_time(w, "time", x->at_ms);
    jw_str(w, "path", path_names[x->path]);
    jw_str(w, "namespace", x->ns);
    jw_str(w, "rollout", x->name);
    jw_str(w, "trigger", x->trigger);
}

static void put_delivery(struct jw *w, const struct st_delivery *x)
{
    put_subject(w, &x->s);
    jw_str(w, "service", x->service);
    jw_str(w, "recipient", x->recipient);
    jw_str(w, "result", x->ok ? "delivered" : "failed");
    jw_int(w, "attempts", x->attempts);
    jw_int(w, "requests", x->requests);
    jw_int(w, "tookMs", x->took_ms);
    jw_str(w, "error", x->error);
    jw_close(w, '}');
}

static void put_deliveries(struct jw *w, const struct ctl_status *st)
{
    jw_open(w, "deliveries", '[');
    for (size_t i = 0; i < st->del_n; i++) /* newest first */
        put_delivery(
            w,
            &st->del[(st->del_next + ST_DELIVERIES - 1 - i) % ST_DELIVERIES]);
    jw_close(w, ']');
}

static void put_decision(struct jw *w, const struct st_decision *x)
{
    put_subject(w, &x->s);
    if (x->event[0]) {
        jw_open(w, "event", '{');
        jw_str(w, "reason", x->event);
        jw_int(w, "count", x->count);
        jw_str(w, "message", x->message);
        jw_close(w, '}');
    }
    jw_open(w, "destinations", '[');
    for (size_t i = 0, off = 0; i < x->ndests; i++) {
        jw_str(w, NULL, x->dests + off);
        off += strlen(x->dests + off) + 1;
    }
    jw_close(w, ']');
    jw_int(w, "destinationsLeftOut", x->more);
    jw_bool(w, "sent", x->why == CTL_WHY_QUEUED);
    jw_str(w, "outcome", whys[x->why].code);
    jw_str(w, "reason", whys[x->why].text);
    jw_str(w, "detail", x->detail);
    jw_close(w, '}');
}

static void put_decisions(struct jw *w, const struct ctl_status *st)
{
    jw_open(w, "decisions", '[');
    for (size_t i = 0; i < st->dec_n; i++) /* newest first */
        put_decision(
            w, &st->dec[(st->dec_next + ST_DECISIONS - 1 - i) % ST_DECISIONS]);
    jw_close(w, ']');
}

static void put_problem(struct jw *w, const struct st_problem *p)
{
    jw_open(w, NULL, '{');
    jw_str(w, "key", p->key);
    jw_int(w, "line", p->line);
    jw_int(w, "col", p->col);
    jw_int(w, "keyLine", p->key_line);
    jw_str(w, "message", p->msg);
    if (!p->warning)
        jw_bool(w, "keptLastGood", p->kept);
    jw_close(w, '}');
}

/* A namespace's configuration: what is in force and what is wrong. */
static void put_ns(struct jw *w, struct ctl *c, const char *ns,
                   const struct st_ns *n)
{
    struct ctl_conf *conf = map_get(&c->confs, ns, strlen(ns));
    size_t shown = 0;
    jw_open(w, NULL, '{');
    jw_str(w, "namespace", ns);
    jw_str(w, "configMap", c->o.config_map);
    jw_bool(w, "found", n->cm_found);
    jw_bool(w, "loaded", conf != NULL);
    jw_int(w, "generation", conf ? (int64_t)conf->generation : 0);
    jw_int(w, "templates", conf ? (int64_t)cfg_template_count(conf->cfg) : 0);
    jw_int(w, "triggers", conf ? (int64_t)cfg_trigger_count(conf->cfg) : 0);
    jw_int(w, "services", conf ? (int64_t)cfg_service_count(conf->cfg) : 0);
    for (int warn = 0; warn < 2; warn++) {
        jw_open(w, warn ? "warnings" : "errors", '[');
        for (size_t i = 0; i < n->n; i++)
            if (n->p[i].warning == (bool)warn && shown++ < ST_PROBLEMS_SHOWN)
                put_problem(w, &n->p[i]);
        jw_close(w, ']');
    }
    jw_int(w, "problemsLeftOut",
           shown > ST_PROBLEMS_SHOWN ? (int64_t)(shown - ST_PROBLEMS_SHOWN)
                                     : 0);
    jw_close(w, '}');
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Namespaces in name order; those whose configuration went away (a
 * self-service namespace that dropped its ConfigMap) are forgotten. */
static void put_config(struct jw *w, struct ctl *c, struct ctl_status *st)
{
    size_t cap = map_len(&st->nss), n = 0, i = 0;
    const char **names = rn_calloc(cap ? cap : 1, sizeof *names);
    char stale[256] = "";
    const char *k;
    void *v;
    if (!names) {
        w->rc = RN_ENOMEM;
        return;
    }
    while (map_next(&st->nss, &i, &k, NULL, &v))
        names[n++] = k;
    qsort(names, n, sizeof *names, by_name);
    jw_open(w, "config", '[');
    for (size_t j = 0; j < n; j++) {
        struct st_ns *x = map_get(&st->nss, names[j], strlen(names[j]));
        bool live = strcmp(names[j], c->config_ns) == 0 ||
                    map_get(&c->confs, names[j], strlen(names[j]));
        if (live && x->reported)
            put_ns(w, c, names[j], x);
        else if (!live)
            copy_cut(stale, sizeof stale, names[j]);
    }
    jw_close(w, ']');
    rn_free(names);
    if (stale[0]) /* one per snapshot, after the walk */
        ns_free(map_del(&st->nss, stale, strlen(stale)));
}

/* ---- one snapshot ---- */

enum {
    SEC_CONTROLLER,
    SEC_LEADER,
    SEC_QUEUE,
    SEC_DELS,
    SEC_DECS,
    SEC_CONFIG,
    SEC_N
};

/* The sections of each part (bit i: section i). */
static const unsigned part_secs[ST_NPARTS] = {
    [ST_STATUS] = (1u << SEC_N) - 1,
    [ST_DECS] = 1u << SEC_DECS,
    [ST_DELS] = 1u << SEC_QUEUE | 1u << SEC_DELS,
    [ST_QUEUE] = 1u << SEC_QUEUE,
    [ST_CONFIG] = 1u << SEC_CONFIG,
    [ST_LEADER] = 1u << SEC_CONTROLLER | 1u << SEC_LEADER,
};

static void put_section(struct jw *w, int i, struct ctl *c,
                        struct ctl_status *st)
{
    switch (i) {
    case SEC_CONTROLLER:
        put_controller(w, c);
        break;
    case SEC_LEADER:
        put_leader(w, c);
        break;
    case SEC_QUEUE:
        put_queue(w, c);
        break;
    case SEC_DELS:
        put_deliveries(w, st);
        break;
    case SEC_DECS:
        put_decisions(w, st);
        break;
    default:
        put_config(w, c, st);
        break;
    }
}

/* "{generatedAt, sections...}" for one part. */
static int assemble(struct jw *sec, const struct jw *gen, unsigned secs,
                    char **out, size_t *len)
{
    struct buf b;
    int rc = RN_OK;
    buf_init(&b, ST_PART_MAX);
    rc = buf_add_char(&b, '{');
    if (!rc)
        rc = buf_add(&b, gen->b.ptr, gen->b.len);
    for (int i = 0; i < SEC_N && !rc; i++)
        if (secs & 1u << i) {
            rc = buf_add_char(&b, ',');
            if (!rc)
                rc = buf_add(&b, sec[i].b.ptr, sec[i].b.len);
        }
    if (!rc)
        rc = buf_add_char(&b, '}');
    if (!rc) {
        *out = buf_take(&b, len);
        rc = *out ? RN_OK : RN_ENOMEM;
    }
    buf_free(&b);
    return rc;
}

static int build(struct ctl *c, struct ctl_status *st, char **parts,
                 size_t *lens)
{
    struct jw sec[SEC_N], gen = {0};
    int rc = RN_OK;
    buf_init(&gen.b, 256);
    jw_time(&gen, "generatedAt", wall_ms());
    for (int i = 0; i < SEC_N; i++) {
        memset(&sec[i], 0, sizeof sec[i]);
        buf_init(&sec[i].b, ST_PART_MAX);
        put_section(&sec[i], i, c, st);
        if (!rc)
            rc = sec[i].rc;
    }
    rc = rc ? rc : gen.rc;
    for (int p = 0; p < ST_NPARTS && !rc; p++)
        rc = assemble(sec, &gen, part_secs[p], &parts[p], &lens[p]);
    for (int i = 0; i < SEC_N; i++)
        buf_free(&sec[i].b);
    buf_free(&gen.b);
    return rc;
}

/* ---- snapshots ---- */

/* Run the log's scrubber over a part, in a copy with room to grow. */
static char *scrubbed(char *s, size_t n, size_t *len)
{
    size_t cap = 2 * n + 256;
    char *t = rn_malloc(cap);
    if (!t) {
        rn_free(s);
        return NULL;
    }
    memcpy(t, s, n + 1);
    rn_free(s);
    log_scrub_text(t, cap);
    t[cap - 1] = '\0';
    *len = strlen(t);
    return t;
}

/* Swap the new parts in; the old ones are freed outside the lock. */
static void publish(struct ctl_status *st, char **parts, size_t *lens)
{
    pthread_mutex_lock(&st->mu);
    for (int i = 0; i < ST_NPARTS; i++) {
        char *old = st->part[i];
        st->part[i] = parts[i];
        st->len[i] = lens[i];
        parts[i] = old;
    }
    pthread_mutex_unlock(&st->mu);
    for (int i = 0; i < ST_NPARTS; i++)
        rn_free(parts[i]);
}

static void snapshot(struct ctl_status *st)
{
    char *parts[ST_NPARTS] = {0};
    size_t lens[ST_NPARTS] = {0};
    if (build(st->c, st, parts, lens) != RN_OK) {
        for (int i = 0; i < ST_NPARTS; i++)
            rn_free(parts[i]);
        return; /* keep the last one; the next tick tries again */
    }
    for (int i = 0; i < ST_NPARTS; i++)
        if (parts[i])
            parts[i] = scrubbed(parts[i], lens[i], &lens[i]);
    publish(st, parts, lens);
    st->dirty = false;
    st->built_ms = kube_loop_now(st->c->loop);
}

static void tick(void *ud)
{
    struct ctl_status *st = ud;
    struct ctl *c = st->c;
    int64_t now = kube_loop_now(c->loop);
    st->timer = NULL;
    if (st->dirty || ctl_dq_depth(c->dq) || now - st->built_ms >= ST_REFRESH_MS)
        snapshot(st);
    st->timer = kube_timer_add(c->loop, ST_PERIOD_MS, tick, st);
}

void ctl_status_refresh(struct ctl *c)
{
    if (c->status)
        snapshot(c->status);
}

int ctl_status_json(struct ctl_status *st, const char *part, struct buf *out)
{
    int i = 0;
    while (i < ST_NPARTS && strcmp(part_names[i], part) != 0)
        i++;
    if (i == ST_NPARTS)
        return RN_ENOTFOUND;
    pthread_mutex_lock(&st->mu);
    int rc = st->part[i] ? buf_add(out, st->part[i], st->len[i])
                         : buf_add_str(out, "{}");
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* ---- life ---- */

/* The page on its own server, or beside /metrics or the health checks
 * when it shares their address. */
static int serve(struct ctl *c, struct ctl_status *st)
{
    const char *addr = c->o.status_addr;
    struct rn_err e;
    rn_err_clear(&e);
    if (c->hm && c->o.metrics_addr && strcmp(addr, c->o.metrics_addr) == 0) {
        ctl_httpd_set_status(c->hm, st);
        return RN_OK;
    }
    if (c->hh && c->o.health_addr && strcmp(addr, c->o.health_addr) == 0) {
        ctl_httpd_set_status(c->hh, st);
        return RN_OK;
    }
    int rc = ctl_httpd_start(addr, NULL, NULL, &st->srv, &e);
    if (rc != RN_OK) {
        log_kv(LOG_ERROR, "cannot serve the status page", "error", e.msg, NULL);
        return rc;
    }
    ctl_httpd_set_status(st->srv, st);
    char port[16];
    snprintf(port, sizeof port, "%d", ctl_httpd_port(st->srv));
    log_kv(LOG_INFO, "serving the status page", "addr", addr, "port", port,
           NULL);
    return RN_OK;
}

int ctl_status_start(struct ctl *c)
{
    if (!c->o.status_addr || !*c->o.status_addr)
        return RN_OK;
    struct ctl_status *st = rn_calloc(1, sizeof *st);
    if (!st)
        return RN_ENOMEM;
    pthread_mutex_init(&st->mu, NULL);
    map_init(&st->nss);
    st->c = c;
    c->status = st;
    snapshot(st);
    st->timer = kube_timer_add(c->loop, ST_PERIOD_MS, tick, st);
    return st->timer ? serve(c, st) : RN_ENOMEM;
}

void ctl_status_free(struct ctl *c)
{
    struct ctl_status *st = c->status;
    if (!st)
        return;
    ctl_httpd_stop(st->srv);
    if (c->loop)
        kube_timer_cancel(c->loop, st->timer);
    size_t i = 0;
    void *v;
    while (map_next(&st->nss, &i, NULL, NULL, &v))
        ns_free(v);
    map_free(&st->nss);
    for (int k = 0; k < ST_NPARTS; k++)
        rn_free(st->part[k]);
    pthread_mutex_destroy(&st->mu);
    rn_free(st);
    c->status = NULL;
}
