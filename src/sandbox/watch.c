/*
 * watch.c: watch streams.
 *
 * A watch is registered under the store lock together with its replay
 * (the retained changes after its resourceVersion, or synthetic ADDED
 * events for the current objects), so nothing can fall between the replay
 * and the live events.  Writers queue each change, already converted for
 * the watch's selectors (an object that stops matching arrives as
 * DELETED, one that starts matching as ADDED, as the real watch cache
 * does), and signal the watch's condition variable; the queue is bounded
 * and a watch that falls behind is closed, so a slow reader never holds
 * up a writer.
 *
 * The stream itself is a libmicrohttpd content reader running on the
 * connection's own thread: it blocks until there is an event, a bookmark
 * is due, the deadline passes or the peer goes away, and returns one
 * line at a time (one byte at a time under the `split` fault).
 */
#include "sandbox.h"

#include "core/alloc.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct wev {
    int type;
    struct doc *obj;
    int64_t rv; /* 0: the object's own; else stamped over it */
};

struct sb_watch {
    struct sb_watch *next;
    struct sb *sb;
    uint64_t id;
    int res;
    char *ns;
    struct arena a;   /* selectors, descriptions */
    struct arena fmt; /* one event's formatting, reset per event */
    struct sb_selector lsel, fsel;
    bool bookmarks;
    int64_t from_rv;
    int64_t started_ms, deadline_ms, next_bm_ms, interval_ms;
    pthread_cond_t cond;
    struct wev *q;
    size_t qhead, qlen, qcap, qmax;
    int close_mode;
    bool overflow, bm_now, end_after, cut_after, cut_now;
    bool garbage_sent;
    uint64_t delivered, bytes;
    struct buf out;
    size_t outpos;
    struct sb_watch_faults f;
    int fd;
    char *path, *query, *user;
};

/* ---- queue ---- */

static void q_clear(struct sb_watch *w)
{
    for (size_t i = 0; i < w->qlen; i++)
        doc_unref(w->q[(w->qhead + i) % w->qcap].obj);
    w->qhead = w->qlen = 0;
}

static bool q_push(struct sb_watch *w, int type, struct doc *obj, int64_t rv)
{
    if (w->qlen == w->qcap) {
        size_t ncap = w->qcap ? w->qcap * 2 : 64;
        struct wev *nq = rn_malloc(ncap * sizeof *nq);
        if (!nq)
            return false;
        for (size_t i = 0; i < w->qlen; i++)
            nq[i] = w->q[(w->qhead + i) % w->qcap];
        rn_free(w->q);
        w->q = nq;
        w->qcap = ncap;
        w->qhead = 0;
    }
    w->q[(w->qhead + w->qlen++) % w->qcap] =
        (struct wev){type, doc_ref(obj), rv};
    return true;
}

static bool passes(const struct sb_watch *w, struct val obj)
{
    const char *ns = sb_get_str(obj, "metadata", "namespace");
    if (w->ns && (!ns || strcmp(ns, w->ns)))
        return false;
    return sb_sel_match(&w->lsel, obj, w->res) &&
           sb_sel_match(&w->fsel, obj, w->res);
}

/* Queue change c as this watch sees it; false when the queue is full. */
static bool deliver(struct sb_watch *w, const struct sb_change *c)
{
    if (c->res != w->res || c->rv <= w->from_rv)
        return true;
    bool cur = c->type != SB_EV_DELETED && passes(w, c->obj->root);
    bool old = c->prev && passes(w, c->prev->root);
    if (!cur && !old)
        return true;
    if (w->qlen >= w->qmax)
        return false;
    if (cur)
        return q_push(w, old ? SB_EV_MODIFIED : SB_EV_ADDED, c->obj, 0);
    if (c->type == SB_EV_DELETED)
        return q_push(w, SB_EV_DELETED, c->obj, 0);
    return q_push(w, SB_EV_DELETED, c->prev, c->rv);
}

void sb_watch_fanout(struct sb *sb, const struct sb_change *c)
{
    for (struct sb_watch *w = sb->store.watches; w; w = w->next) {
        if (w->overflow || w->res != c->res)
            continue;
        if (!deliver(w, c)) {
            w->overflow = true;
            q_clear(w);
        }
        pthread_cond_signal(&w->cond);
    }
}

/* ---- formatting ---- */

static const char *const type_names[] = {"ADDED", "MODIFIED", "DELETED",
                                         "BOOKMARK", "ERROR"};

static int format_event(struct sb_watch *w, const struct wev *e)
{
    struct val obj = e->obj->root;
    arena_reset(&w->fmt);
    if (e->rv) {
        char *rv = arena_printf(&w->fmt, "%lld", (long long)e->rv);
        if (!rv || !sb_obj_put2(&w->fmt, &obj, "metadata", "resourceVersion",
                                sb_vstr(&w->fmt, rv)))
            return RN_ENOMEM;
    }
    int rc = buf_add_fmt(&w->out,
                         "{\"type\":\"%s\",\"object\":", type_names[e->type]);
    if (!rc)
        rc = sb_emit(&w->out, obj);
    return rc ? rc : buf_add_str(&w->out, "}\n");
}

static int format_bookmark(struct sb_watch *w)
{
    int64_t rv = w->sb->store.rv > w->from_rv ? w->sb->store.rv : w->from_rv;
    const struct sb_res *r = &sb_res[w->res];
    return buf_add_fmt(&w->out,
                       "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\","
                       "\"apiVersion\":\"%s\",\"metadata\":{"
                       "\"resourceVersion\":\"%lld\","
                       "\"creationTimestamp\":null}}}\n",
                       r->kind, r->api_version, (long long)rv);
}

static int format_error(struct sb_watch *w, const struct sb_status *st)
{
    int rc = buf_add_str(&w->out, "{\"type\":\"ERROR\",\"object\":");
    if (!rc)
        rc = sb_status_json(&w->out, st);
    return rc ? rc : buf_add_str(&w->out, "}\n");
}

/* ---- the stream ---- */

static bool peer_gone(struct sb_watch *w)
{
    if (w->fd < 0)
        return false;
    struct pollfd p = {.fd = w->fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 &&
           (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static void set_rst(struct sb_watch *w)
{
    struct linger l = {1, 0};
    if (w->fd >= 0)
        setsockopt(w->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

/* A close request: what to send before ending. */
static void closing(struct sb_watch *w)
{
    if (w->close_mode == SB_CLOSE_CLEAN) {
        w->end_after = true;
        return;
    }
    if (w->close_mode == SB_CLOSE_RESET) {
        set_rst(w);
        w->cut_now = true;
        return;
    }
    if (w->qlen) {
        struct wev e = w->q[w->qhead];
        format_event(w, &e);
    } else {
        buf_add_fmt(&w->out,
                    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":"
                    "\"%s\",\"apiVersion\":\"%s\",\"metadata\":{}}}\n",
                    sb_res[w->res].kind, sb_res[w->res].api_version);
    }
    buf_truncate(&w->out, w->out.len / 2);
    w->cut_after = true;
}

static void pop_event(struct sb_watch *w)
{
    struct wev e = w->q[w->qhead];
    w->qhead = (w->qhead + 1) % w->qcap;
    w->qlen--;
    format_event(w, &e);
    doc_unref(e.obj);
    w->delivered++;
    if (w->f.drop_events >= 0 && (long)w->delivered >= w->f.drop_events)
        w->cut_after = true;
}

static void wait_next(struct sb_watch *w, int64_t now)
{
    int64_t until = w->deadline_ms;
    if (w->bookmarks && w->next_bm_ms < until)
        until = w->next_bm_ms;
    if (now + 1000 < until)
        until = now + 1000;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wait = until - now;
    ts.tv_sec += wait / 1000;
    ts.tv_nsec += (wait % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&w->cond, &w->sb->store.mu, &ts);
}

/* One decision of the stream, lock held: true when it produced output or
 * an ending; false to wait. */
static bool step(struct sb_watch *w, int64_t now)
{
    if (w->sb->stopping || w->overflow) {
        w->end_after = true;
        return true;
    }
    /* a clean close still sends what was queued before it */
    if (w->close_mode && (w->close_mode != SB_CLOSE_CLEAN || !w->qlen)) {
        closing(w);
        return true;
    }
    if (w->qlen) {
        pop_event(w);
        return true;
    }
    if (w->f.garbage && !w->garbage_sent) {
        w->garbage_sent = true;
        buf_add_fmt(&w->out, "%s\n", w->f.garbage);
        return true;
    }
    if (now >= w->deadline_ms) {
        if (w->bookmarks)
            format_bookmark(w);
        w->end_after = true;
        return true;
    }
    if (w->bookmarks && (w->bm_now || now >= w->next_bm_ms)) {
        w->bm_now = false;
        w->next_bm_ms = now + w->interval_ms;
        format_bookmark(w);
        return true;
    }
    return false;
}

static void next_output(struct sb_watch *w)
{
    if (w->f.stall_ms > 0) {
        struct timespec ts = {w->f.stall_ms / 1000,
                              (w->f.stall_ms % 1000) * 1000000};
        w->f.stall_ms = 0;
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&w->sb->store.mu);
    for (;;) {
        int64_t now = sb_mono_ms();
        if (step(w, now))
            break;
        wait_next(w, now);
        if (peer_gone(w)) {
            w->cut_now = true;
            break;
        }
    }
    pthread_mutex_unlock(&w->sb->store.mu);
}

static size_t take(struct sb_watch *w, char *out, size_t max)
{
    size_t n = w->out.len - w->outpos;
    if (n > max)
        n = max;
    if (w->f.split)
        n = 1;
    if (w->f.drop_bytes >= 0 && w->bytes + n > (uint64_t)w->f.drop_bytes)
        n = (size_t)((uint64_t)w->f.drop_bytes - w->bytes);
    memcpy(out, w->out.ptr + w->outpos, n);
    w->outpos += n;
    w->bytes += n;
    if (w->outpos == w->out.len) {
        buf_reset(&w->out);
        w->outpos = 0;
    }
    return n;
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    struct sb_watch *w = cls;
    (void)pos;
    for (;;) {
        if (w->f.drop_bytes >= 0 && w->bytes >= (uint64_t)w->f.drop_bytes)
            w->cut_now = true;
        if (w->cut_now)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (w->outpos < w->out.len)
            return (ssize_t)take(w, out, max);
        if (w->cut_after) {
            set_rst(w);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (w->end_after)
            return MHD_CONTENT_READER_END_OF_STREAM;
        next_output(w);
    }
}

static void watch_free(struct sb_watch *w)
{
    q_clear(w);
    rn_free(w->q);
    buf_free(&w->out);
    arena_free(&w->a);
    arena_free(&w->fmt);
    pthread_cond_destroy(&w->cond);
    rn_free(w);
}

static void on_free(void *cls)
{
    struct sb_watch *w = cls;
    struct sb *sb = w->sb;
    sb_lock(sb);
    for (struct sb_watch **p = &sb->store.watches; *p; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            break;
        }
    }
    sb_unlock(sb);
    watch_free(w);
}

/* ---- start ---- */

static int copy_sel(struct arena *a, const struct sb_selector *in,
                    struct sb_selector *out)
{
    *out = (struct sb_selector){NULL, 0, in ? in->field : false};
    if (!in || !in->n)
        return RN_OK;
    out->terms = arena_alloc(a, in->n * sizeof *out->terms);
    if (!out->terms)
        return RN_ENOMEM;
    out->n = in->n;
    for (size_t i = 0; i < in->n; i++) {
        struct sb_term *t = &out->terms[i];
        *t = in->terms[i];
        t->key = arena_strdup(a, t->key);
        t->vals = arena_alloc(a, (t->nvals + 1) * sizeof *t->vals);
        if (!t->key || !t->vals)
            return RN_ENOMEM;
        for (size_t j = 0; j < t->nvals; j++)
            if (!(t->vals[j] = arena_strdup(a, in->terms[i].vals[j])))
                return RN_ENOMEM;
    }
    return RN_OK;
}

static char *dup_or_null(struct arena *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

static struct sb_watch *watch_new(struct sb *sb, struct MHD_Connection *conn,
                                  const struct sb_watch_opts *o)
{
    struct sb_watch *w = rn_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->sb = sb;
    w->res = o->res;
    arena_init(&w->a, 0);
    arena_init(&w->fmt, 0);
    buf_init(&w->out, 0);
    pthread_cond_init(&w->cond, NULL);
    w->f = o->faults;
    w->f.garbage = dup_or_null(&w->a, o->faults.garbage);
    w->ns = dup_or_null(&w->a, o->ns);
    w->path = dup_or_null(&w->a, o->path);
    w->query = dup_or_null(&w->a, o->query);
    w->user = dup_or_null(&w->a, o->user);
    w->bookmarks = o->bookmarks;
    long t = o->timeout_s > 0 ? o->timeout_s : sb->cfg.watch_timeout_s;
    w->started_ms = sb_mono_ms();
    w->deadline_ms = w->started_ms + (int64_t)t * 1000;
    w->interval_ms = sb->cfg.bookmark_interval_s * 1000;
    w->next_bm_ms = w->started_ms + w->interval_ms;
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD)
             : NULL;
    w->fd = ci ? ci->connect_fd : -1;
    if (copy_sel(&w->a, o->lsel, &w->lsel) ||
        copy_sel(&w->a, o->fsel, &w->fsel)) {
        watch_free(w);
        return NULL;
    }
    return w;
}

static int entry_cmp(const void *x, const void *y)
{
    struct val a = (*(struct doc *const *)x)->root;
    struct val b = (*(struct doc *const *)y)->root;
    const char *an = sb_get_str(a, "metadata", "namespace");
    const char *bn = sb_get_str(b, "metadata", "namespace");
    int c = strcmp(an ? an : "", bn ? bn : "");
    return c ? c
             : strcmp(sb_get_str(a, "metadata", "name"),
                      sb_get_str(b, "metadata", "name"));
}

/* Synthetic ADDED for every current matching object, in key order. */
static int initial_events(struct sb_watch *w)
{
    struct map *m = &w->sb->store.objs[w->res];
    struct doc **all = rn_malloc((map_len(m) + 1) * sizeof *all);
    size_t n = 0, i = 0, kn;
    const char *k;
    void *v;
    if (!all)
        return RN_ENOMEM;
    while (map_next(m, &i, &k, &kn, &v))
        if (passes(w, ((struct sb_item *)v)->doc->root))
            all[n++] = ((struct sb_item *)v)->doc;
    qsort(all, n, sizeof *all, entry_cmp);
    int rc = RN_OK;
    for (i = 0; i < n && !rc; i++)
        rc = q_push(w, SB_EV_ADDED, all[i], 0) ? RN_OK : RN_ENOMEM;
    rn_free(all);
    return rc;
}

static int replay(struct sb_watch *w)
{
    struct sb_store *st = &w->sb->store;
    for (size_t i = 0; i < st->ring_len; i++) {
        const struct sb_change *c =
            &st->ring[(st->ring_head + i) % st->ring_cap];
        if (!deliver(w, c))
            return RN_ENOMEM;
    }
    return RN_OK;
}

static void expired_status(struct sb *sb, int64_t asked, struct sb_status *st)
{
    const char *reason = sb->store.expired_gone ? "Gone" : "Expired";
    if (sb->store.expired_etcd)
        sb_status_set(st, 410, reason,
                      "The resourceVersion for the "
                      "provided watch is too old.");
    else
        sb_st_expired(st, reason, asked, sb->store.compacted);
}

#define POS_EXPIRED 100 /* position(): the RV is older than the history */

/* Where the watch starts, lock held: RN_OK, POS_EXPIRED, or another
 * status with st filled. */
static int position(struct sb_watch *w, const char *rvs, struct sb_status *st)
{
    struct sb_store *s = &w->sb->store;
    if (!rvs || !*rvs || !strcmp(rvs, "0")) {
        w->from_rv = s->rv;
        return initial_events(w);
    }
    char *end;
    errno = 0;
    long long x = strtoll(rvs, &end, 10);
    if (*end || errno || x < 0) {
        sb_st_bad(st,
                  "resourceVersion: Invalid value: \"%s\": must be a "
                  "non-negative integer",
                  rvs);
        return RN_EINVAL;
    }
    if (x < s->compacted || w->f.expire) {
        expired_status(w->sb, x, st);
        return POS_EXPIRED;
    }
    w->from_rv = x;
    return x >= s->rv ? RN_OK : replay(w);
}

/* The stream's response; it owns w from here (on_free frees it when the
 * response goes, whether or not it was ever queued). */
static struct MHD_Response *stream(struct sb_watch *w)
{
    struct MHD_Response *resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 32 * 1024, reader, w, on_free);
    if (!resp) {
        watch_free(w);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
    return resp;
}

int sb_watch_start(struct sb *sb, struct MHD_Connection *conn,
                   const struct sb_watch_opts *o, struct sb_status *st)
{
    struct sb_watch *w = watch_new(sb, conn, o);
    struct MHD_Response *resp = w ? stream(w) : NULL;
    if (!resp) {
        sb_status_set(st, 500, "InternalError", "out of memory");
        return RN_ENOMEM;
    }
    sb_lock(sb);
    w->qmax = SIZE_MAX; /* the replay is never cut */
    int pos = position(w, o->rv, st);
    if (pos == POS_EXPIRED && !sb->store.expired_http) {
        format_error(w, st);
        w->end_after = true;
        pos = 0;
    }
    if (!pos) {
        w->id = ++sb->store.next_watch_id;
        w->qmax = w->qlen + SB_WATCH_BACKLOG;
        w->next = sb->store.watches;
        sb->store.watches = w;
    }
    sb_unlock(sb);
    enum MHD_Result ok = pos ? MHD_NO : MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    if (pos && !st->code)
        sb_status_set(st, 500, "InternalError", "out of memory");
    return pos ? RN_EINVAL : ok == MHD_YES ? RN_OK : RN_EIO;
}

/* ---- admin ---- */

size_t sb_watch_close(struct sb *sb, int res, const char *ns, int mode)
{
    size_t n = 0;
    sb_lock(sb);
    for (struct sb_watch *w = sb->store.watches; w; w = w->next) {
        if ((res >= 0 && w->res != res) ||
            (ns && (!w->ns || strcmp(ns, w->ns))))
            continue;
        w->close_mode = mode;
        pthread_cond_signal(&w->cond);
        n++;
    }
    sb_unlock(sb);
    return n;
}

size_t sb_watch_bookmark_all(struct sb *sb)
{
    size_t n = 0;
    sb_lock(sb);
    for (struct sb_watch *w = sb->store.watches; w; w = w->next) {
        if (!w->bookmarks)
            continue;
        w->bm_now = true;
        pthread_cond_signal(&w->cond);
        n++;
    }
    sb_unlock(sb);
    return n;
}

void sb_watch_shutdown(struct sb *sb)
{
    sb_lock(sb);
    for (struct sb_watch *w = sb->store.watches; w; w = w->next)
        pthread_cond_signal(&w->cond);
    sb_unlock(sb);
}

static int describe_one(struct buf *b, const struct sb_watch *w, int64_t now)
{
    int rc = buf_add_fmt(b, "{\"id\":%llu,\"resource\":\"%s\",\"namespace\":",
                         (unsigned long long)w->id, sb_res[w->res].plural);
    const char *strs[] = {w->ns, w->path, w->query, w->user};
    const char *names[] = {NULL, "path", "query", "user"};
    for (int i = 0; i < 4 && !rc; i++) {
        if (names[i])
            rc = buf_add_fmt(b, ",\"%s\":", names[i]);
        if (!rc && strs[i])
            rc = sb_emit(b, val_str(strs[i], strlen(strs[i])));
        else if (!rc)
            rc = buf_add_str(b, "null");
    }
    if (!rc)
        rc = buf_add_fmt(b,
                         ",\"bookmarks\":%s,\"fromResourceVersion\":\"%lld\","
                         "\"delivered\":%llu,\"queued\":%zu,\"ageMs\":%lld}",
                         w->bookmarks ? "true" : "false", (long long)w->from_rv,
                         (unsigned long long)w->delivered, w->qlen,
                         (long long)(now - w->started_ms));
    return rc;
}

int sb_watch_describe(struct sb *sb, struct buf *b)
{
    int64_t now = sb_mono_ms();
    int rc = buf_add_char(b, '[');
    sb_lock(sb);
    for (struct sb_watch *w = sb->store.watches; w && !rc; w = w->next) {
        if (w != sb->store.watches)
            rc = buf_add_char(b, ',');
        if (!rc)
            rc = describe_one(b, w, now);
    }
    sb_unlock(sb);
    return rc ? rc : buf_add_char(b, ']');
}
