/*
 * kube.h: the Kubernetes API as rnotify uses it.
 *
 * Five parts, each small:
 *  - the loop: one thread's libcurl multi handle plus a timer heap and a
 *    queue of callbacks posted from other threads.  Informers, API writes
 *    and the controller's deliveries all run on it (loop.c).
 *  - configuration: kubeconfig files (KUBECONFIG merged, first wins),
 *    in-cluster service accounts, command-line overrides, and the
 *    credentials they name: client certificates, bearer tokens and token
 *    files (re-read when they rotate), exec plugins (config.c, auth.c).
 *  - requests: get, list with pagination, create, update, merge patch,
 *    delete, blocking (the CLI) or on the loop (the controller).  A
 *    failure becomes a message naming the verb, the resource and the
 *    server, never a credential (client.c, status.c).
 *  - watches and informers: the NDJSON watch stream parsed line by line
 *    into frozen documents; list-then-watch with bookmarks, relist on 410,
 *    client-go's backoff, resync, and a store keyed by namespace/name
 *    (watch.c, informer.c).
 *  - Events and Leases: the recorder's create / count-raise patch, and the
 *    Lease object leader election reads and writes (event.c, lease.c).
 *
 * Ownership: documents handed to callbacks are borrowed (doc_ref to keep
 * one); documents returned through `struct doc **` belong to the caller
 * (doc_unref).  Nothing here is thread-safe except kube_loop_post and
 * kube_loop_wakeup: everything else runs on the loop's thread, or, for the
 * blocking calls, on the caller's.
 */
#ifndef RN_KUBE_H
#define RN_KUBE_H

#include "../core/err.h"
#include "../core/val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct doc;

/* ------------------------------------------------------------------ */
/* The loop                                                            */
/* ------------------------------------------------------------------ */

struct kube_loop;
struct kube_timer;

typedef void kube_cb(void *ud);
/* A transfer finished with libcurl code curl_code (CURLcode). */
typedef void kube_xfer_cb(void *ud, int curl_code);

int kube_loop_new(struct kube_loop **out);
/* Frees timers and posted callbacks without running them; transfers still
 * added are removed from the multi handle (their easy handles stay the
 * callers'). */
void kube_loop_free(struct kube_loop *l);

/* Monotonic milliseconds (CLOCK_MONOTONIC), the loop's notion of now. */
int64_t kube_loop_now(const struct kube_loop *l);

/* Call fn(ud) once, delay_ms from now (<= 0: on the next turn).  The timer
 * is freed after it fires; cancel it before that, never after.  NULL on
 * OOM. */
struct kube_timer *kube_timer_add(struct kube_loop *l, int64_t delay_ms,
                                  kube_cb *fn, void *ud);
void kube_timer_cancel(struct kube_loop *l, struct kube_timer *t);

/* Run the easy handle (a CURL *) on the multi handle; done(ud, code) is
 * called on the loop thread when it ends.  The handle stays the caller's:
 * it is removed from the multi handle before done() runs. */
int kube_loop_add_xfer(struct kube_loop *l, void *easy, kube_xfer_cb *done,
                       void *ud);
/* Abort a transfer without calling its done(). */
void kube_loop_remove_xfer(struct kube_loop *l, void *easy);
/* Transfers in flight. */
size_t kube_loop_xfers(const struct kube_loop *l);

/* From any thread: run fn(ud) on the loop thread at its next turn, and
 * wake it.  RN_ENOMEM when the callback cannot be queued. */
int kube_loop_post(struct kube_loop *l, kube_cb *fn, void *ud);
/* From any thread (and signal handlers): end the current wait early. */
void kube_loop_wakeup(struct kube_loop *l);

/* One turn: wait for network activity, a timer or a wakeup, at most
 * max_ms (and never past the next timer), then drive transfers, run
 * finished transfers' callbacks, due timers and posted callbacks. */
int kube_loop_run_once(struct kube_loop *l, int64_t max_ms);

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/* Command-line overrides, as kubectl names them; NULL/0 = not given. */
struct kube_config_opts {
    const char *kubeconfig; /* --kubeconfig: must exist */
    const char *context;    /* --context */
    const char *namespace;  /* -n/--namespace */
    const char *server;     /* --server */
    const char *token;      /* --token */
    const char *ca_file;    /* --certificate-authority */
    bool insecure;          /* --insecure-skip-tls-verify */
    int64_t timeout_ms;     /* --request-timeout; 0 = 30 s */
};

struct kube_config;

/*
 * Resolve the configuration in kubectl's order: --kubeconfig; else the
 * KUBECONFIG list (files merged, the first definition of a name wins);
 * else in-cluster (KUBERNETES_SERVICE_HOST/PORT and the service-account
 * token); else ~/.kube/config.  Then apply the overrides.  Errors name
 * the file and the field, never a credential.
 */
int kube_config_load(const struct kube_config_opts *o, struct kube_config **out,
                     struct rn_err *e);
void kube_config_free(struct kube_config *c);
/* -n, else the context's namespace, else the in-cluster namespace file,
 * else "default". */
const char *kube_config_namespace(const struct kube_config *c);
/* The server URL ("https://10.0.0.1:6443"). */
const char *kube_config_server(const struct kube_config *c);
/* Where the configuration came from, for logs: "kubeconfig
 * /home/u/.kube/config (context dev)", "in-cluster". */
const char *kube_config_source(const struct kube_config *c);

/* ------------------------------------------------------------------ */
/* Resources and requests                                              */
/* ------------------------------------------------------------------ */

struct kube_resource {
    const char *group;   /* "" for the core group */
    const char *version; /* "v1", "v1alpha1" */
    const char *plural;  /* "rollouts": the path segment */
    const char *kind;    /* "Rollout" */
};

extern const struct kube_resource kube_res_rollouts, kube_res_analysisruns,
    kube_res_events, kube_res_configmaps, kube_res_secrets, kube_res_leases,
    kube_res_namespaces;

struct kube_client;

/* A client over c (taken: freed with the client). */
int kube_client_new(struct kube_config *c, struct kube_client **out,
                    struct rn_err *e);
void kube_client_free(struct kube_client *k);
const struct kube_config *kube_client_config(const struct kube_client *k);

struct kube_request {
    const char *verb; /* GET POST PUT PATCH DELETE */
    const struct kube_resource *res;
    const char *namespace;   /* NULL: cluster-wide collection */
    const char *name;        /* NULL: the collection */
    const char *subresource; /* "status", or NULL */
    const char *query;       /* extra query, already encoded, or NULL */
    const char *body;
    size_t body_len;
    const char *content_type; /* NULL: application/json */
    int nums;                 /* enum json_num_mode of the reply doc */
};

struct kube_reply {
    long status;            /* HTTP status; 0 when there was no reply */
    struct doc *obj;        /* the JSON reply, or NULL (not JSON, no body) */
    const char *reason;     /* a Status' reason ("NotFound", "Conflict",
                               "AlreadyExists", "Expired"), else "" */
    int64_t retry_after_ms; /* Retry-After, -1 when absent */
    struct rn_err err;      /* unless 2xx: "<verb> <resource> <ns/name>
                               on <server>: <message>" */
};

/* Release what a reply holds (its doc). */
void kube_reply_clear(struct kube_reply *r);

/* Blocking (the CLI, tests).  Returns RN_OK for 2xx; otherwise
 * RN_ENOTFOUND for 404, RN_EHTTP for other statuses, RN_EIO when no reply
 * came, the credential error's code (RN_ECONFIG: a token file or exec
 * plugin failed) when nothing was sent, with out->err filled.  out is
 * always initialised.  A 401 is sent once more with refreshed
 * credentials; a 429/5xx (not POST) with Retry-After up to 5 times. */
int kube_do(struct kube_client *k, const struct kube_request *rq,
            struct kube_reply *out);

typedef void kube_reply_cb(void *ud, struct kube_reply *r);
/* The same on the loop; cb runs there and may keep r->obj (set it to
 * NULL after taking it), the rest is released after cb returns. */
int kube_do_async(struct kube_client *k, struct kube_loop *l,
                  const struct kube_request *rq, kube_reply_cb *cb, void *ud);

/* GET one object (int64 numbers).  RN_ENOTFOUND with a message naming it
 * when absent. */
int kube_get(struct kube_client *k, const struct kube_resource *res,
             const char *ns, const char *name, struct doc **out,
             struct rn_err *e);

struct kube_list_opts {
    const char *label_selector; /* raw: encoded here */
    const char *field_selector;
    int limit; /* page size; 0 = 500 */
    int nums;
};

typedef int kube_page_cb(void *ud, struct doc *page);
/* List with limit/continue pagination; page(ud, doc) sees each page (the
 * list object: items, metadata.resourceVersion) and may stop the walk by
 * returning non-zero.  An expired continue token restarts the list, so
 * a callback may see objects of earlier pages again. */
int kube_list(struct kube_client *k, const struct kube_resource *res,
              const char *ns, const struct kube_list_opts *o,
              kube_page_cb *page, void *ud, struct rn_err *e);

/*
 * Read-modify-write with optimistic concurrency.  make(ud, current, body)
 * appends the request body to send given the current object (a merge
 * patch that carries metadata.resourceVersion, or a whole object for
 * PUT); on 409 Conflict the object is read again and make() called
 * again, up to 5 tries with short jittered waits.  verb is PATCH (merge
 * patch) or PUT.  current may be NULL: the object is read first.  A
 * make() that appends nothing sends nothing: the reply is then 200 with
 * the current object (there would be no watch event either).
 */
typedef int kube_make_fn(void *ud, struct val current, struct buf *body);
struct kube_modify {
    const char *verb;
    const struct kube_resource *res;
    const char *namespace, *name;
    struct doc *current; /* borrowed, or NULL */
    kube_make_fn *make;
    void *ud;
};
int kube_modify(struct kube_client *k, const struct kube_modify *m,
                struct kube_reply *out);
int kube_modify_async(struct kube_client *k, struct kube_loop *l,
                      const struct kube_modify *m, kube_reply_cb *cb, void *ud);

/* ------------------------------------------------------------------ */
/* Watch streams                                                       */
/* ------------------------------------------------------------------ */

enum kube_event_type {
    KUBE_ADDED,
    KUBE_MODIFIED,
    KUBE_DELETED,
    KUBE_BOOKMARK,
    KUBE_ERROR, /* obj is a Status */
};

struct kube_watch_event {
    int type;        /* enum kube_event_type */
    struct doc *obj; /* root = the event's "object"; borrowed */
    const char *rv;  /* object.metadata.resourceVersion, "" if none */
    long code;       /* ERROR: the Status code (410 = relist) */
};

struct kube_watch_parser;

/* A parser of a watch body: bytes in any slicing, one callback per
 * complete line.  Lines longer than max_line (0 = 16 MiB) break the
 * stream. */
int kube_watch_parser_new(size_t max_line, int nums,
                          struct kube_watch_parser **out);
void kube_watch_parser_free(struct kube_watch_parser *p);
typedef int kube_watch_cb(void *ud, const struct kube_watch_event *ev);
/* Feed bytes; calls cb for each complete line.  RN_ESYNTAX (a line that is
 * not a watch event, e names the problem), RN_ELIMIT (overlong line), or
 * the first non-zero value cb returned.  After an error the parser must
 * not be fed again. */
int kube_watch_parser_feed(struct kube_watch_parser *p, const char *data,
                           size_t n, kube_watch_cb *cb, void *ud,
                           struct rn_err *e);

/* ------------------------------------------------------------------ */
/* Informers                                                           */
/* ------------------------------------------------------------------ */

struct kube_handlers {
    void (*add)(void *ud, struct doc *obj);
    /* old == obj on a resync */
    void (*update)(void *ud, struct doc *old, struct doc *obj);
    void (*del)(void *ud, struct doc *obj);
    /* once, after the first complete list */
    void (*synced)(void *ud);
};

struct kube_informer_opts {
    const struct kube_resource *res;
    const char *namespace;                       /* NULL: all namespaces */
    const char *label_selector, *field_selector; /* raw */
    int64_t resync_ms;                           /* 0: never */
    int nums;                                    /* of cached docs */
    int64_t backoff_max_ms; /* cap of the retry backoff; 0: 30 s */
    int watch_timeout_s;    /* timeoutSeconds; 0: random in [300, 600] */
    struct kube_handlers h;
    void *ud;
};

struct kube_informer;

/* Start listing and watching on l.  Handlers run on the loop thread, in
 * stream order; BOOKMARKs never reach them. */
int kube_informer_start(struct kube_client *k, struct kube_loop *l,
                        const struct kube_informer_opts *o,
                        struct kube_informer **out, struct rn_err *e);
/* Stop (transfers aborted, timers cancelled) and free the store. */
void kube_informer_free(struct kube_informer *inf);
bool kube_informer_synced(const struct kube_informer *inf);
/* The cached object ns/name (ns "" for cluster-scoped), borrowed. */
struct doc *kube_informer_get(const struct kube_informer *inf, const char *ns,
                              const char *name);
size_t kube_informer_len(const struct kube_informer *inf);
/* Visit every cached object (order unspecified); the store must not
 * change during the walk. */
void kube_informer_each(const struct kube_informer *inf,
                        void (*fn)(void *ud, struct doc *obj), void *ud);

struct kube_informer_stats {
    uint64_t lists;    /* complete lists (first one included) */
    uint64_t relists;  /* lists forced by 410 */
    uint64_t watches;  /* watch requests started */
    uint64_t restarts; /* watches that ended in an error */
    uint64_t events;   /* watch events applied */
    const char *last_rv;
    const char *last_error; /* "" when none */
    bool watching;          /* a watch request is open now */
};
void kube_informer_stats(const struct kube_informer *inf,
                         struct kube_informer_stats *out);

/* ------------------------------------------------------------------ */
/* Events and Leases                                                   */
/* ------------------------------------------------------------------ */

/*
 * A recorder of Events about objects, as client-go's writes them: the
 * first occurrence of (object, type, reason, message) creates an Event
 * named <object>.<hex nanoseconds> with count 1; a repeat patches count
 * and lastTimestamp of the same Event (merge patch); a 404 on that patch
 * creates a new one.  Writes are asynchronous on the loop; failures are
 * retried a few times, then dropped (Events are best effort).
 */
struct kube_recorder;

int kube_recorder_new(struct kube_client *k, struct kube_loop *l,
                      const char *component, struct kube_recorder **out);
void kube_recorder_free(struct kube_recorder *r);
/* involved: the object (apiVersion, kind, metadata.{namespace, name, uid,
 * resourceVersion}); type "Normal" or "Warning". */
int kube_recorder_emit(struct kube_recorder *r, struct val involved,
                       const char *type, const char *reason,
                       const char *message);

/* The spec of a coordination.k8s.io/v1 Lease.  Times are unix
 * microseconds (MicroTime), 0 when absent. */
struct kube_lease {
    char holder[256];
    int64_t duration_s;
    int64_t acquire_us, renew_us;
    int64_t transitions;
    char rv[32]; /* metadata.resourceVersion of what was read */
};

/* Read a Lease object; RN_EINVAL when it is not one. */
int kube_lease_parse(struct val obj, struct kube_lease *out);
/* The JSON of a Lease ns/name with spec l, carrying l->rv as the
 * resourceVersion precondition when non-empty (MicroTime with six
 * fractional digits, as the API requires). */
int kube_lease_body(struct buf *b, const char *ns, const char *name,
                    const struct kube_lease *l);

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* RFC 3986 percent-encoding of a query value (selectors). */
int kube_query_escape(struct buf *b, const char *s);
/* The path of a resource: /api/v1/namespaces/ns/events/name/status. */
int kube_path(struct buf *b, const struct kube_resource *res, const char *ns,
              const char *name, const char *subresource);

#endif
