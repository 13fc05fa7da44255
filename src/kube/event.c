/*
 * event.c: rnotify's own Events, written as client-go's recorder writes
 * them.
 *
 * A cache keyed by (involved object uid, type, reason, message) maps to
 * the Event written for it and its count.  The first occurrence POSTs an
 * Event named <object>.<16 hex digits of unix nanoseconds> with count 1;
 * a repeat sends a merge patch {count, lastTimestamp, message} to the
 * same Event; a 404 on that patch (the Event expired) creates a new one
 * carrying the running count.  One write per key is in flight at a time:
 * repeats meanwhile only raise the count, and the next write sends the
 * total.  Events are best effort: server errors are retried three times,
 * a rejected write (4xx) is dropped.  The cache holds at most
 * RN_KUBE_RECORDER_KEYS keys; the least recently used idle one goes.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../core/log.h"
#include "../core/map.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RETRIES 3
#define RETRY_MS 1000

struct rec_entry {
    struct kube_recorder *r;
    char *key;
    char *ns, *obj_name, *involved, *type, *reason, *message;
    char *name; /* the Event's name, NULL until created */
    char first_ts[32], last_ts[32];
    int64_t count, sent, sending;
    uint64_t used;
    bool busy, creating;
    int fails;
    struct kube_async *req;
    struct kube_timer *timer;
};

struct kube_recorder {
    struct kube_client *k;
    struct kube_loop *l;
    char *component;
    struct map cache;
    uint64_t tick;
};

static void rfc3339_now(char *out, size_t cap)
{
    int64_t s;
    struct tm tm;
    kube_wall_now(&s, NULL);
    time_t t = (time_t)s;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *sdup(const char *s)
{
    return rn_strndup(s ? s : "", s ? strlen(s) : 0);
}

static void entry_free(struct rec_entry *e)
{
    kube_async_cancel(e->req);
    if (e->timer)
        kube_timer_cancel(e->r->l, e->timer);
    char *s[] = {e->key,  e->ns,     e->obj_name, e->involved,
                 e->type, e->reason, e->message,  e->name};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        rn_free(s[i]);
    rn_free(e);
}

int kube_recorder_new(struct kube_client *k, struct kube_loop *l,
                      const char *component, struct kube_recorder **out)
{
    struct kube_recorder *r = rn_calloc(1, sizeof *r);
    if (!r)
        return RN_ENOMEM;
    r->k = k;
    r->l = l;
    map_init(&r->cache);
    if (!(r->component = sdup(component))) {
        rn_free(r);
        return RN_ENOMEM;
    }
    *out = r;
    return RN_OK;
}

void kube_recorder_free(struct kube_recorder *r)
{
    if (!r)
        return;
    size_t i = 0, kl;
    const char *k;
    void *v;
    while (map_next(&r->cache, &i, &k, &kl, &v))
        entry_free(v);
    map_free(&r->cache);
    rn_free(r->component);
    rn_free(r);
}

/* ---- request bodies ---- */

static int add_field(struct buf *b, bool *first, const char *k, const char *v)
{
    if (!v || !*v)
        return RN_OK;
    int rc = buf_add_fmt(b, "%s\"%s\":", *first ? "" : ",", k);
    *first = false;
    return rc ? rc : json_emit_string(b, v, strlen(v), 0);
}

/* involvedObject: kind, namespace, name, uid, apiVersion, resourceVersion */
static char *involved_json(struct val obj)
{
    static const char *const meta[] = {"namespace", "name", "uid",
                                       "resourceVersion"};
    const struct val *kind = val_get_cstr(obj, "kind");
    const struct val *av = val_get_cstr(obj, "apiVersion");
    struct buf b;
    bool first = true;
    buf_init(&b, 0);
    int rc = buf_add_char(&b, '{');
    if (!rc && kind && val_kind(*kind) == VAL_STRING)
        rc = add_field(&b, &first, "kind", val_str_ptr(*kind));
    for (size_t i = 0; !rc && i < sizeof meta / sizeof meta[0]; i++)
        rc = add_field(&b, &first, meta[i], kube_meta_str(obj, meta[i]));
    if (!rc && av && val_kind(*av) == VAL_STRING)
        rc = add_field(&b, &first, "apiVersion", val_str_ptr(*av));
    if (!rc)
        rc = buf_add_char(&b, '}');
    char *s = rc ? NULL : buf_take(&b, NULL);
    buf_free(&b);
    return s;
}

static int create_body(struct rec_entry *e, struct buf *b)
{
    const char *comp = e->r->component;
    bool first = true;
    int rc = buf_add_str(b, "{\"apiVersion\":\"v1\",\"kind\":\"Event\","
                            "\"metadata\":{");
    if (!rc)
        rc = add_field(b, &first, "name", e->name);
    if (!rc)
        rc = add_field(b, &first, "namespace", e->ns);
    if (!rc)
        rc = buf_add_fmt(b, "},\"involvedObject\":%s,\"reason\":", e->involved);
    if (!rc)
        rc = json_emit_string(b, e->reason, strlen(e->reason), 0);
    if (!rc)
        rc = buf_add_str(b, ",\"message\":");
    if (!rc)
        rc = json_emit_string(b, e->message, strlen(e->message), 0);
    if (!rc)
        rc = buf_add_str(b, ",\"source\":{\"component\":");
    if (!rc)
        rc = json_emit_string(b, comp, strlen(comp), 0);
    if (!rc)
        rc = buf_add_fmt(b,
                         "},\"firstTimestamp\":\"%s\",\"lastTimestamp\":\"%s\","
                         "\"count\":%" PRId64 ",\"type\":\"%s\","
                         "\"eventTime\":null,\"reportingComponent\":",
                         e->first_ts, e->last_ts, e->sending, e->type);
    if (!rc)
        rc = json_emit_string(b, comp, strlen(comp), 0);
    return rc ? rc : buf_add_str(b, ",\"reportingInstance\":\"\"}");
}

static int patch_body(struct rec_entry *e, struct buf *b)
{
    int rc = buf_add_fmt(b,
                         "{\"count\":%" PRId64 ",\"lastTimestamp\":\"%s\","
                         "\"message\":",
                         e->sending, e->last_ts);
    if (!rc)
        rc = json_emit_string(b, e->message, strlen(e->message), 0);
    return rc ? rc : buf_add_char(b, '}');
}

/* ---- writing ---- */

static void on_written(void *ud, struct kube_reply *rep);

static int new_name(struct rec_entry *e)
{
    int64_t s;
    int32_t ns;
    kube_wall_now(&s, &ns);
    uint64_t nanos = (uint64_t)s * 1000000000u + (uint64_t)ns;
    char buf[300];
    snprintf(buf, sizeof buf, "%s.%016" PRIx64, e->obj_name, nanos);
    rn_free(e->name);
    e->name = sdup(buf);
    return e->name ? RN_OK : RN_ENOMEM;
}

static void write_entry(void *ud)
{
    struct rec_entry *e = ud;
    struct buf b;
    e->timer = NULL;
    e->creating = e->name == NULL;
    e->sending = e->count;
    buf_init(&b, 0);
    int rc = e->creating ? new_name(e) : RN_OK;
    if (!rc)
        rc = e->creating ? create_body(e, &b) : patch_body(e, &b);
    struct kube_request rq = {
        .verb = e->creating ? "POST" : "PATCH",
        .res = &kube_res_events,
        .namespace = e->ns,
        .name = e->creating ? NULL : e->name,
        .body = buf_str(&b),
        .body_len = b.len,
        .content_type = e->creating ? NULL : "application/merge-patch+json"};
    if (!rc)
        rc = kube_async_start(e->r->k, e->r->l, &rq, on_written, e, &e->req);
    buf_free(&b);
    e->busy = rc == RN_OK;
    if (rc)
        log_kv(LOG_WARN, "event dropped: out of memory", "reason", e->reason,
               NULL);
}

/* What to do after a failed write; false: give up on it. */
static bool retry_after_failure(struct rec_entry *e,
                                const struct kube_reply *rep)
{
    if (!e->creating && rep->status == 404) {
        rn_free(e->name); /* the Event expired: create a new one */
        e->name = NULL;
        return true;
    }
    if (e->creating && rep->status == 409)
        return ++e->fails <= RETRIES; /* name taken: a new one next time */
    bool transient =
        rep->status == 0 || rep->status == 429 || rep->status >= 500;
    return transient && ++e->fails <= RETRIES;
}

static void on_written(void *ud, struct kube_reply *rep)
{
    struct rec_entry *e = ud;
    e->req = NULL;
    e->busy = false;
    if (rep->status / 100 == 2) {
        e->sent = e->sending;
        e->fails = 0;
    } else if (retry_after_failure(e, rep)) {
        e->timer = kube_timer_add(e->r->l, e->fails ? RETRY_MS * e->fails : 0,
                                  write_entry, e);
        e->busy = e->timer != NULL;
        return;
    } else {
        log_kv(LOG_WARN, "event not recorded", "reason", e->reason, "error",
               rep->err.msg, NULL);
        e->sent = e->sending;
        e->fails = 0;
    }
    if (e->count > e->sent)
        write_entry(e);
}

/* ---- the cache ---- */

/* Evict the least recently used idle entry when the cache is full. */
static void evict(struct kube_recorder *r)
{
    size_t i = 0, kl;
    const char *k;
    void *v;
    struct rec_entry *lru = NULL;
    if (map_len(&r->cache) < RN_KUBE_RECORDER_KEYS)
        return;
    while (map_next(&r->cache, &i, &k, &kl, &v)) {
        struct rec_entry *e = v;
        if (!e->busy && (!lru || e->used < lru->used))
            lru = e;
    }
    if (lru) {
        map_del(&r->cache, lru->key, strlen(lru->key));
        entry_free(lru);
    }
}

static struct rec_entry *entry_new(struct kube_recorder *r, const char *key,
                                   struct val inv, const char *type,
                                   const char *reason, const char *message)
{
    const char *ns = kube_meta_str(inv, "namespace");
    struct rec_entry *e = rn_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->r = r;
    e->key = sdup(key);
    e->ns = sdup(*ns ? ns : "default");
    e->obj_name = sdup(kube_meta_str(inv, "name"));
    e->involved = involved_json(inv);
    e->type = sdup(type);
    e->reason = sdup(reason);
    e->message = sdup(message);
    rfc3339_now(e->first_ts, sizeof e->first_ts);
    if (!e->key || !e->ns || !e->obj_name || !e->involved || !e->type ||
        !e->reason || !e->message ||
        map_put(&r->cache, e->key, strlen(e->key), e, NULL) != RN_OK) {
        entry_free(e);
        return NULL;
    }
    return e;
}

int kube_recorder_emit(struct kube_recorder *r, struct val involved,
                       const char *type, const char *reason,
                       const char *message)
{
    struct buf key;
    buf_init(&key, 0);
    const char *uid = kube_meta_str(involved, "uid");
    int rc =
        buf_add_fmt(&key, "%s\x1f%s/%s\x1f%s\x1f%s\x1f%s", uid,
                    kube_meta_str(involved, "namespace"),
                    kube_meta_str(involved, "name"), type, reason, message);
    struct rec_entry *e = rc ? NULL : map_get(&r->cache, key.ptr, key.len);
    if (!rc && !e) {
        evict(r);
        e = entry_new(r, key.ptr, involved, type, reason, message);
        rc = e ? RN_OK : RN_ENOMEM;
    }
    buf_free(&key);
    if (rc)
        return rc;
    e->count++;
    e->used = ++r->tick;
    rfc3339_now(e->last_ts, sizeof e->last_ts);
    if (!e->busy)
        write_entry(e);
    return RN_OK;
}
