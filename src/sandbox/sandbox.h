/*
 * sandbox.h: the internals of rnotify-sandbox, the Kubernetes API-server
 * double (docs/sandbox.md).
 *
 * One process holds every object in memory under one mutex: a store per
 * resource, one global revision counter shared by all of them (as etcd's),
 * and a bounded ring of the last changes that watches replay from.
 * libmicrohttpd serves the API with a thread per connection; a watch's
 * thread blocks on its own condition variable until the writers (who
 * hold the mutex) queue an event for it, so a slow reader never blocks a
 * writer: its queue is bounded and an overflowing watch is closed.
 *
 * Files, one job each: main.c (flags, start, kubeconfig), res.c (the
 * resource table), vals.c (building values, time, ids), status.c (Status
 * objects), select.c (label and field selectors), patch.c (merge and JSON
 * patch), store.c (objects, revisions, history, lists), write.c (create,
 * update, patch, delete semantics and validation), watch.c (fan-out and
 * the stream), http.c (libmicrohttpd glue and routing), api.c (the
 * resource endpoints), discovery.c (/version, /api, /apis, OpenAPI),
 * tls.c (a throwaway CA and server certificate), auth.c (tokens),
 * journal.c (the request journal), fault.c (fault rules), admin.c
 * (/__emu/), recorder.c (client-go's Event recorder), generate.c (Events
 * at a steady rate, for benchmarks), scenario.c (the scenario player).
 */
#ifndef RN_SANDBOX_H
#define RN_SANDBOX_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/map.h"
#include "core/val.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_BODY_MAX (3u << 20)        /* request bodies: 413 past it */
#define SB_ADMIN_BODY_MAX (64u << 20) /* /__emu/ bodies (bulk loads) */
#define SB_ANNOTATIONS_MAX 262144     /* all annotations of an object */
#define SB_DEFAULT_BASE_RV 1000       /* first revision handed out + 1 */
#define SB_DEFAULT_HISTORY 1000       /* changes kept for watch resumes */
#define SB_WATCH_BACKLOG 10000        /* live events queued per watch */
#define SB_JOURNAL_MAX 10000          /* requests remembered */
#define SB_LIST_DEFAULT_CAP 1000000   /* objects per list (no limit) */

struct sb;
struct MHD_Connection;

/* ------------------------------------------------------------------ */
/* Resources (res.c)                                                   */
/* ------------------------------------------------------------------ */

enum sb_res_id {
    SB_CONFIGMAPS,
    SB_SECRETS,
    SB_EVENTS,
    SB_NAMESPACES,
    SB_LEASES,
    SB_ROLLOUTS,
    SB_ANALYSISRUNS,
    /* what rnotify's install manifests hold (deploy/): stored and served,
     * no behaviour of their own */
    SB_SERVICEACCOUNTS,
    SB_SERVICES,
    SB_DEPLOYMENTS,
    SB_ROLES,
    SB_ROLEBINDINGS,
    SB_CLUSTERROLES,
    SB_CLUSTERROLEBINDINGS,
    SB_PDBS,
    SB_SERVICEMONITORS,
    SB_PROMETHEUSRULES,
    SB_NRES
};

#define SB_RF_NAMESPACED 0x01u /* lives in a namespace */
#define SB_RF_CUSTOM                                                           \
    0x02u /* a CRD: list items carry apiVersion/kind,                          \
             no strategic merge patch */
#define SB_RF_STATUS                                                           \
    0x04u /* /status subresource: main writes ignore                           \
             .status, /status writes change only it */
#define SB_RF_GEN_SPEC                                                         \
    0x08u /* generation: bumped by changes outside                             \
             metadata and status */
#define SB_RF_GEN_ALL                                                          \
    0x10u                     /* generation: bumped by any change outside      \
                                 metadata */
#define SB_RF_RV_ON_PUT 0x20u /* PUT without resourceVersion is invalid */

struct sb_res {
    const char *group, *version; /* "" for the core group */
    const char *api_version;     /* "v1", "argoproj.io/v1alpha1" */
    const char *plural, *singular, *kind, *list_kind;
    const char *qual;          /* "rollouts.argoproj.io", "configmaps" */
    const char *kind_qual;     /* "Rollout.argoproj.io", "ConfigMap" */
    const char *short_name;    /* NULL or "ro" */
    const char *const *fields; /* extra field labels, NULL-terminated */
    unsigned flags;
};

extern const struct sb_res sb_res[SB_NRES];

/* The resource served at group/version/plural, or -1. */
int sb_res_find(const char *group, const char *version, const char *plural);
/* Kind, plural, singular or short name ("Rollout", "rollouts", "ro"),
 * case-insensitive; -1 when unknown.  Scenarios and admin calls. */
int sb_res_lookup(const char *name);

/* ------------------------------------------------------------------ */
/* Values, time and ids (vals.c)                                       */
/* ------------------------------------------------------------------ */

/* A copy of s (n bytes) in a, NUL-terminated; a null value on OOM. */
struct val sb_vstrn(struct arena *a, const char *s, size_t n);
struct val sb_vstr(struct arena *a, const char *s);
/* An int64 value as JSON numbers of the store are. */
struct val sb_vint(int64_t i);
/* A fresh empty object. */
struct val sb_vobj(void);

/* obj[key], or null when absent or obj is not an object. */
struct val sb_get(struct val obj, const char *key);
/* obj[k1][k2] as a string (k2 may be NULL); NULL when absent or not one. */
const char *sb_get_str(struct val obj, const char *k1, const char *k2);
/* A dotted path ("involvedObject.kind"); null when absent. */
struct val sb_get_path(struct val obj, const char *path);

/* Replace *obj by a copy with key set to v (or removed, sb_obj_del).  A
 * non-object *obj counts as empty.  false on OOM. */
bool sb_obj_put(struct arena *a, struct val *obj, const char *key,
                struct val v);
bool sb_obj_del(struct arena *a, struct val *obj, const char *key);
/* (*obj)[k1][k2] = v, creating (*obj)[k1] as needed. */
bool sb_obj_put2(struct arena *a, struct val *obj, const char *k1,
                 const char *k2, struct val v);

/* The canonical stored form of v: emitted and parsed again into a new
 * frozen doc (int64 numbers).  NULL on OOM or an unencodable value. */
struct doc *sb_freeze(struct val v);
/* Append v's JSON. */
int sb_emit(struct buf *b, struct val v);

/* The virtual clock: real time plus what /__emu/clock advanced. */
int64_t sb_now_ns(void);
void sb_clock_advance(int64_t seconds);
/* Monotonic milliseconds (timeouts, intervals). */
int64_t sb_mono_ms(void);
/* "2024-05-01T12:00:00Z" / "2024-05-01T12:00:00.123456Z" of ns. */
char *sb_time_str(struct arena *a, int64_t ns);
char *sb_time_micro(struct arena *a, int64_t ns);
/* Whether s is a metav1.Time (RFC 3339) / metav1.MicroTime (exactly six
 * fractional digits). */
bool sb_time_valid(const char *s, bool micro);
/* A random UUID v4 into out[37]. */
void sb_uuid(char out[37]);
/* n random lowercase alphanumerics (generateName suffixes). */
void sb_random_suffix(char *out, size_t n);
/* Base64 (standard, padded) of s into b / from s into a; decode returns
 * NULL on bad input. */
int sb_b64_encode(struct buf *b, const void *s, size_t n);
char *sb_b64_decode(struct arena *a, const char *s, size_t n, size_t *outn);
/* Parse a body as JSON, or YAML when yaml is set (JSON is YAML). */
int sb_parse_body(struct arena *a, const char *s, size_t n, bool yaml,
                  struct val *out, struct rn_err *e);

/* ------------------------------------------------------------------ */
/* Status objects (status.c)                                           */
/* ------------------------------------------------------------------ */

#define SB_MAX_CAUSES 8

struct sb_cause {
    const char *reason; /* "FieldValueTooLong", ... */
    const char *field;  /* "metadata.annotations" */
    char message[256];
};

struct sb_status {
    int code;
    const char *reason; /* "NotFound", ...; "" for none */
    char message[1024];
    char name[256]; /* details.name, "" = no details */
    const char *group, *kind;
    int ncauses;
    struct sb_cause causes[SB_MAX_CAUSES];
    int retry_after;  /* seconds; 0 = none */
    const char *cont; /* metadata.continue of an expired list */
};

void sb_status_init(struct sb_status *st);
void sb_status_set(struct sb_status *st, int code, const char *reason,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void sb_st_not_found(struct sb_status *st, int res, const char *name);
void sb_st_exists(struct sb_status *st, int res, const char *name);
void sb_st_conflict(struct sb_status *st, int res, const char *name);
void sb_st_bad(struct sb_status *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 422 Invalid with one cause; more with sb_st_cause. */
void sb_st_invalid(struct sb_status *st, int res, const char *name,
                   const char *field, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void sb_st_cause(struct sb_status *st, const char *field, const char *reason,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void sb_st_expired(struct sb_status *st, const char *reason, int64_t asked,
                   int64_t oldest);
void sb_st_unsupported_patch(struct sb_status *st);
/* The JSON of st. */
int sb_status_json(struct buf *b, const struct sb_status *st);

/* ------------------------------------------------------------------ */
/* Selectors (select.c)                                                */
/* ------------------------------------------------------------------ */

enum sb_sel_op {
    SB_SEL_EQ,
    SB_SEL_NE,
    SB_SEL_IN,
    SB_SEL_NOTIN,
    SB_SEL_EXISTS,
    SB_SEL_NOTEXISTS,
    SB_SEL_GT,
    SB_SEL_LT,
};

struct sb_term {
    const char *key;
    int op;
    const char **vals;
    size_t nvals;
};

struct sb_selector {
    struct sb_term *terms;
    size_t n;
    bool field; /* a field selector: keys are field labels */
};

/* Parse a label selector (k=v, k==v, k!=v, k in (a,b), k notin (a,b), k,
 * !k, k>n, k<n; comma = AND) into a.  An empty string selects all.
 * RN_ESYNTAX with e naming the problem. */
int sb_label_parse(struct arena *a, const char *s, struct sb_selector *out,
                   struct rn_err *e);
/* Parse a field selector (f=v, f==v, f!=v; backslash escapes) for
 * resource res; an unsupported label is RN_EINVAL "field label not
 * supported: X". */
int sb_field_parse(struct arena *a, const char *s, int res,
                   struct sb_selector *out, struct rn_err *e);
/* Whether obj (a stored object of resource res) matches sel. */
bool sb_sel_match(const struct sb_selector *sel, struct val obj, int res);

/* ------------------------------------------------------------------ */
/* Patches (patch.c)                                                   */
/* ------------------------------------------------------------------ */

/* RFC 7386: the result of applying merge patch p to t, built in a. */
int sb_merge_patch(struct arena *a, struct val t, struct val p,
                   struct val *out);
/* RFC 6902: apply the operation list ops to t.  RN_EINVAL with e saying
 * which operation failed and why. */
int sb_json_patch(struct arena *a, struct val t, struct val ops,
                  struct val *out, struct rn_err *e);
/* A strategic merge patch on the built-ins served here: its $-directives
 * are dropped and the rest merges as a merge patch. */
int sb_strategic_patch(struct arena *a, struct val t, struct val p,
                       struct val *out);

/* A Namespace, ConfigMap or Secret in Kubernetes' protobuf encoding
 * ("k8s\0" + runtime.Unknown) as the value its JSON would give
 * (protobuf.c).  RN_EINVAL for other resources, RN_ESYNTAX for bad
 * bytes. */
int sb_protobuf_decode(struct arena *a, int res, const char *s, size_t n,
                       struct val *out, struct rn_err *e);

/* ------------------------------------------------------------------ */
/* Store (store.c)                                                     */
/* ------------------------------------------------------------------ */

enum sb_ev_type {
    SB_EV_ADDED,
    SB_EV_MODIFIED,
    SB_EV_DELETED,
    SB_EV_BOOKMARK,
    SB_EV_ERROR,
};

/* One stored object: the frozen doc (with apiVersion and kind) and when
 * it was last written (Event TTL). */
struct sb_item {
    struct doc *doc;
    int64_t touched_ns;
};

/* One change in the history ring.  obj is the new state (for DELETED the
 * last state, stamped with the deletion's revision); prev the state
 * before (NULL for ADDED). */
struct sb_change {
    int64_t rv;
    int type;
    int res;
    struct doc *obj, *prev;
};

struct sb_watch;

struct sb_store {
    pthread_mutex_t mu;
    int64_t rv;        /* the current global revision */
    int64_t base;      /* where it started */
    int64_t compacted; /* watches from an RV below this get 410 */
    struct map objs[SB_NRES];
    struct sb_change *ring;
    size_t ring_cap, ring_head, ring_len;
    struct sb_watch *watches;
    uint64_t next_watch_id;
    bool expired_http; /* answer expired watches with HTTP 410 */
    bool expired_gone; /* reason Gone instead of Expired */
    bool expired_etcd; /* etcd's "The resourceVersion ... too old." */
};

int sb_store_init(struct sb_store *st, int64_t base, size_t history);
void sb_store_free(struct sb_store *st);
void sb_lock(struct sb *sb);
void sb_unlock(struct sb *sb);

/* The key of an object in its resource's map: "ns/name" ("/name" when
 * cluster-scoped), into a. */
char *sb_key(struct arena *a, const char *ns, const char *name);

/* With the lock held: */
struct sb_item *sb_store_get(struct sb_store *st, int res, const char *ns,
                             const char *name);
/* Store obj (taken) as the state of its key at revision st->rv + 1, or
 * delete the key (obj NULL; last = the deleted state stamped with the
 * new revision, taken).  Appends the change to the ring and fans it out.
 * Returns the new revision, or -1 on OOM (nothing changed). */
int64_t sb_store_commit(struct sb *sb, int res, const char *ns,
                        const char *name, struct doc *obj, struct doc *last);
/* Drop history up to rv (INT64_MAX or the current revision: all). */
void sb_store_compact(struct sb_store *st, int64_t rv);
/* Forget every object and the history (no events); the revision goes
 * back to base unless keep_rv. */
void sb_store_reset(struct sb *sb, bool keep_rv);

struct sb_list_opts {
    int res;
    const char *ns; /* NULL: all namespaces */
    const struct sb_selector *lsel, *fsel;
    long limit;           /* 0: no limit */
    const char *cont;     /* continue token or NULL */
    const char *rv;       /* resourceVersion parameter or NULL */
    const char *rv_match; /* resourceVersionMatch or NULL */
    bool table;           /* unused: tables are answered as plain lists */
};

/* The list JSON (lock held by the caller).  RN_EINVAL with st filled
 * (400 bad token, 410 expired). */
int sb_store_list(struct sb *sb, const struct sb_list_opts *o, struct arena *a,
                  struct buf *out, struct sb_status *st);
/* Objects of res (all namespaces), for admin state. */
size_t sb_store_count(struct sb_store *st, int res);
/* A Namespace object for name (implicit namespaces), built in a. */
struct val sb_store_ns_object(struct arena *a, const char *name, int64_t rv);
/* Whether namespace ns has objects (implicit namespaces). */
bool sb_store_ns_used(struct sb_store *st, const char *ns);

/* ------------------------------------------------------------------ */
/* Writes (write.c)                                                    */
/* ------------------------------------------------------------------ */

enum sb_verb {
    SB_W_CREATE,
    SB_W_UPDATE,
    SB_W_PATCH,
    SB_W_DELETE,
};

enum sb_patch_type {
    SB_P_MERGE,
    SB_P_JSON,
    SB_P_STRATEGIC,
    SB_P_APPLY,
};

#define SB_WF_RAW 0x01u    /* admin: keep status, skip validation */
#define SB_WF_DRYRUN 0x02u /* validate and answer, store nothing */
#define SB_WF_UPSERT 0x04u /* update creates a missing object */

struct sb_wreq {
    int verb;
    int res;
    const char *ns, *name; /* name NULL on create: from the body */
    bool status;           /* the /status subresource */
    struct val body;       /* object, or the patch */
    int ptype;             /* enum sb_patch_type */
    const char *field_manager;
    const char *precond_rv; /* delete: DeleteOptions.preconditions */
    unsigned flags;
};

/* Why k is not a qualified name ([DNS subdomain/]name, the name part at
 * most 63 of [A-Za-z0-9._-] with alphanumerics at both ends), or NULL
 * when it is one: label and annotation keys. */
const char *sb_qualified_name_error(const char *k);
/* A label value: empty, or a name part as above. */
bool sb_label_value_ok(const char *v);
/* The checks of a write (validate.c): RN_EINVAL with st filled (400 for
 * what would not decode, 422 Invalid with causes). */
int sb_validate(int res, struct val obj, struct sb_status *st);
/* A Secret's stringData folded into base64 data; type defaults to
 * Opaque. */
int sb_secret_normalize(struct arena *a, struct val *obj, struct sb_status *st);

/* Perform w under the lock (taken here).  On success *out is the
 * resulting object (a reference; for delete the deleted state) and *code
 * 200 or 201; otherwise st says why and RN_EINVAL is returned. */
int sb_write(struct sb *sb, const struct sb_wreq *w, struct doc **out,
             int *code, struct sb_status *st);
/* The same, lock already held. */
int sb_write_locked(struct sb *sb, const struct sb_wreq *w, struct arena *a,
                    struct doc **out, int *code, struct sb_status *st);

/* ------------------------------------------------------------------ */
/* Watches (watch.c)                                                   */
/* ------------------------------------------------------------------ */

enum sb_close_mode {
    SB_CLOSE_NONE,
    SB_CLOSE_CLEAN,  /* terminating chunk */
    SB_CLOSE_RESET,  /* abrupt close, RST */
    SB_CLOSE_MIDLINE /* half an event line, then abrupt close */
};

/* What a fault asked of one watch stream (fault.c fills it). */
struct sb_watch_faults {
    bool split;          /* one byte per chunk */
    bool expire;         /* ERROR 410 whatever the RV */
    long drop_events;    /* cut abruptly after N events; -1 = never */
    long drop_bytes;     /* cut abruptly after N bytes; -1 = never */
    int64_t stall_ms;    /* silence after the headers */
    const char *garbage; /* a malformed line to send (copied) */
};

struct sb_watch_opts {
    int res;
    const char *ns;
    const struct sb_selector *lsel, *fsel; /* copied */
    const char *rv;
    bool bookmarks;
    long timeout_s;                  /* 0: the sandbox default */
    const char *path, *query, *user; /* for GET /__emu/watches */
    struct sb_watch_faults faults;
};

/* Start a watch: validates the RV (an expired one yields either an
 * ERROR-event stream or, in HTTP-410 mode, RN_EINVAL with st), takes the
 * replay under the lock and registers the watch.  The response is queued
 * on conn. */
int sb_watch_start(struct sb *sb, struct MHD_Connection *conn,
                   const struct sb_watch_opts *o, struct sb_status *st);
/* Called by sb_store_commit with the lock held. */
void sb_watch_fanout(struct sb *sb, const struct sb_change *c);
/* Close matching watches (res < 0: all; ns NULL: any). */
size_t sb_watch_close(struct sb *sb, int res, const char *ns, int mode);
/* Send a bookmark now to bookmark-enabled watches. */
size_t sb_watch_bookmark_all(struct sb *sb);
/* JSON array describing active watches. */
int sb_watch_describe(struct sb *sb, struct buf *b);
/* Wake every watch (shutdown). */
void sb_watch_shutdown(struct sb *sb);

/* ------------------------------------------------------------------ */
/* Request journal (journal.c)                                         */
/* ------------------------------------------------------------------ */

struct sb_jentry {
    uint64_t seq;
    int64_t time_ns;
    char *method, *path, *query, *ctype, *accept, *user, *body;
    int status;
    bool watch;
};

struct sb_journal {
    pthread_mutex_t mu;
    struct sb_jentry *ring;
    size_t cap, head, len;
    uint64_t seq;
};

int sb_journal_init(struct sb_journal *j, size_t cap);
void sb_journal_free(struct sb_journal *j);
/* Record one request; strings are copied.  body may be NULL. */
void sb_journal_add(struct sb_journal *j, const struct sb_jentry *e);
int sb_journal_json(struct sb_journal *j, struct buf *b);
void sb_journal_clear(struct sb_journal *j);

/* ------------------------------------------------------------------ */
/* Tokens (auth.c)                                                     */
/* ------------------------------------------------------------------ */

struct sb_tokens {
    pthread_mutex_t mu;
    struct map users; /* token -> user name (rn_strndup'ed) */
};

int sb_tokens_init(struct sb_tokens *t);
void sb_tokens_free(struct sb_tokens *t);
int sb_tokens_add(struct sb_tokens *t, const char *token, const char *user);
bool sb_tokens_revoke(struct sb_tokens *t, const char *token);
/* Lines "token,user[,group...]"; # comments and blank lines skipped. */
int sb_tokens_load(struct sb_tokens *t, const char *path, struct rn_err *e);
size_t sb_tokens_count(struct sb_tokens *t);
/* The user of an "Authorization: Bearer T" header value into user[n];
 * false when the header is absent, malformed or T unknown. */
bool sb_tokens_check(struct sb_tokens *t, const char *authz, char *user,
                     size_t n);

/* ------------------------------------------------------------------ */
/* Faults (fault.c)                                                    */
/* ------------------------------------------------------------------ */

struct sb_fault_rule;

struct sb_faults {
    pthread_mutex_t mu;
    struct sb_fault_rule *rules; /* in order */
    uint64_t next_id;
};

/* What applies to one request. */
struct sb_fault_hit {
    bool any;
    int64_t delay_ms;
    bool drop_request;       /* close without a reply */
    bool drop_headers;       /* headers, then an abrupt close */
    struct sb_status status; /* status.code != 0: answer it */
    struct sb_watch_faults w;
    char garbage[512];
};

struct sb_fault_req {
    const char *method, *path, *user;
    bool watch;
    struct MHD_Connection *conn; /* query parameters */
};

void sb_faults_init(struct sb_faults *f);
void sb_faults_free(struct sb_faults *f);
/* Add rules from a rule object or an array of them (or {"rules":[...]});
 * ids of the added rules are appended to ids as a JSON array. */
int sb_faults_add(struct sb_faults *f, struct val rules, struct buf *ids,
                  struct rn_err *e);
void sb_faults_clear(struct sb_faults *f);
int sb_faults_json(struct sb_faults *f, struct buf *b);
/* Match a request against the rules, consuming their counts. */
void sb_faults_match(struct sb_faults *f, const struct sb_fault_req *r,
                     struct sb_fault_hit *hit);

/* ------------------------------------------------------------------ */
/* The client-go Event recorder (recorder.c)                           */
/* ------------------------------------------------------------------ */

struct sb_recorder;

struct sb_record_req {
    int res;               /* of the involved object */
    const char *ns, *name; /* of the involved object */
    const char *type, *reason, *message, *component;
    bool force_new;
};

int sb_recorder_new(struct sb_recorder **out);
void sb_recorder_free(struct sb_recorder *r);
/* Forget every dedup key, spam bucket and aggregation window (the lock
 * held). */
void sb_recorder_reset(struct sb_recorder *r);
void sb_recorder_configure(struct sb_recorder *r, int spam_filter,
                           int aggregation); /* -1: leave as is */
/* Record one Event occurrence.  *action is "created", "patched",
 * "dropped" (spam filter) or "failed"; *out the Event written (a
 * reference) unless dropped. */
int sb_record(struct sb *sb, const struct sb_record_req *rq,
              const char **action, struct doc **out, struct sb_status *st);

/* POST /__emu/events/generate (generate.c): record body.count Events at
 * body.rate per second on the calling thread, then append the answer
 * (each occurrence's involved object, Event name, action and real-clock
 * time) to out.  RN_EINVAL with e for a bad body; stops early when the
 * sandbox stops. */
int sb_events_generate(struct sb *sb, struct val body, struct buf *out,
                       struct rn_err *e);

/* ------------------------------------------------------------------ */
/* Scenarios (scenario.c)                                              */
/* ------------------------------------------------------------------ */

struct sb_scenarios;

int sb_scenarios_new(struct sb_scenarios **out);
/* Stops (waits for) running scenarios. */
void sb_scenarios_free(struct sb_scenarios *s);
/* Start playing a scenario document (taken) on its own thread; *id is
 * its number.  wait: return only when it ended. */
int sb_scenario_start(struct sb *sb, struct doc *scn, bool wait, uint64_t *id,
                      struct rn_err *e);
int sb_scenario_start_file(struct sb *sb, const char *path, bool wait,
                           uint64_t *id, struct rn_err *e);
int sb_scenarios_json(struct sb *sb, struct buf *b);
/* The JSON status of scenario id (progress, error). */
int sb_scenario_json(struct sb *sb, uint64_t id, struct buf *b);

/* ------------------------------------------------------------------ */
/* TLS (tls.c)                                                         */
/* ------------------------------------------------------------------ */

struct sb_tls {
    char *ca_pem, *cert_pem, *key_pem;      /* rn_malloc'ed, NUL-terminated */
    char *client_cert_pem, *client_key_pem; /* when asked for */
    char *trust_pem; /* CAs accepted for client certificates, or NULL */
};

/* A new CA and a server certificate for 127.0.0.1 and localhost; with
 * client_cn also a client certificate (CN client_cn, O system:masters)
 * signed by that CA. */
int sb_tls_generate(struct sb_tls *t, const char *client_cn, struct rn_err *e);
void sb_tls_free(struct sb_tls *t);
/* The subject CN of a DER certificate into out[n]; false when none. */
bool sb_tls_cert_cn(const unsigned char *der, size_t len, char *out, size_t n);

/* ------------------------------------------------------------------ */
/* The server (http.c, api.c, discovery.c, admin.c)                    */
/* ------------------------------------------------------------------ */

struct sb_config {
    const char *addr; /* host:port */
    const char *kubeconfig;
    const char *ca_out;          /* write the CA PEM here (--tls) */
    const char *client_cert_out; /* PREFIX.crt / PREFIX.key (--tls) */
    const char *client_ca;       /* more CAs for client certificates */
    bool tls;
    const char *scenario;
    size_t history;
    long bookmark_interval_s;
    long event_ttl_s;
    long watch_timeout_s;
    double time_scale;
    int64_t base_rv;
    bool quiet;
};

struct sb {
    struct sb_config cfg;
    struct sb_store store;
    struct sb_journal journal;
    struct sb_tokens tokens;
    struct sb_faults faults;
    struct sb_recorder *recorder;
    struct sb_scenarios *scenarios;
    struct sb_tls tls;
    struct MHD_Daemon *mhd;
    int port;
    char server_url[64];
    volatile int stopping;
    pthread_t ttl_thread;
    pthread_mutex_t ttl_mu;
    pthread_cond_t ttl_cond;
};

/* One request as the handlers see it. */
struct sb_req {
    struct sb *sb;
    struct MHD_Connection *conn;
    const char *method, *url;
    struct buf body;
    bool too_large;
    struct arena a;
    char user[128];
    const char *ctype;
    int code; /* answered status, for the journal */
    bool watch;
    const struct sb_fault_hit *fault; /* what the fault rules asked */
};

/* Start listening (port 0 = any) and fill sb->port and sb->server_url. */
int sb_http_start(struct sb *sb, struct rn_err *e);
void sb_http_stop(struct sb *sb);

/* Answers (each queues a response on r->conn and records r->code). */
int sb_reply(struct sb_req *r, int code, const char *ctype, const char *body,
             size_t n);
int sb_reply_json(struct sb_req *r, int code, const struct buf *b);
int sb_reply_status(struct sb_req *r, const struct sb_status *st);
/* A query parameter (decoded) or NULL. */
const char *sb_query(struct sb_req *r, const char *name);
/* The query string as received, re-encoded, into a. */
char *sb_query_string(struct sb_req *r);

/* /api/..., /apis/... resource endpoints; false when the path is not one
 * (the caller answers 404). */
bool sb_api_handle(struct sb_req *r, const char *const *seg, size_t nseg);
/* Discovery, version, health and OpenAPI; false when not one of them. */
bool sb_discovery_handle(struct sb_req *r, const char *const *seg, size_t nseg);
/* /__emu/... */
int sb_admin_handle(struct sb_req *r, const char *const *seg, size_t nseg);

/* The Event TTL sweeper. */
int sb_ttl_start(struct sb *sb);
void sb_ttl_stop(struct sb *sb);
void sb_ttl_kick(struct sb *sb);
/* Delete expired Events now (lock taken here); returns how many. */
size_t sb_ttl_sweep(struct sb *sb);

#endif
