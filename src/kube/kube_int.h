/*
 * kube_int.h: what the files of src/kube share and kube.h does not show.
 *
 * The resolved configuration (config.c) is a plain struct whose strings
 * live in its own arena; the credential state (auth.c, exec.c) lives in
 * the client; one HTTP exchange is a struct kube_xfer (client.c) that runs
 * blocking or on the loop, and that the informer also uses for its watch
 * streams with a body sink instead of a buffer.
 */
#ifndef RN_KUBE_INT_H
#define RN_KUBE_INT_H

#include "kube.h"

#include "../core/arena.h"
#include "../core/buf.h"

#include <pthread.h>

struct curl_slist;
struct doc_builder;

/* ---- the loop (loop.c) ---- */

/* The doc builder of the loop's thread (doc.h): the informers freeze every
 * object they cache with it, one exact-size doc per object.  Loop thread
 * only. */
struct doc_builder *kube_loop_builder(struct kube_loop *l);

/* ---- configuration (config.c, kubeconfig.c) ---- */

/* An exec credential plugin, as the kubeconfig user names it. */
struct kube_exec {
    const char *api_version; /* client.authentication.k8s.io/v1[beta1] */
    const char *command;     /* resolved when it contains a '/' */
    const char **argv;       /* argv[0] = command, NULL-terminated */
    const char **env;        /* "NAME=value" pairs, NULL-terminated */
    const char *install_hint;
    bool provide_cluster_info;
};

struct kube_config {
    struct arena a;     /* owns every string below */
    const char *server; /* as configured, without a trailing '/' */
    const char *source;
    const char *ns;
    const char *tls_server_name, *proxy_url; /* NULL when unset */
    const char *ca_pem, *cert_pem, *key_pem; /* PEM bytes or NULL */
    size_t ca_len, cert_len, key_len;
    bool insecure, disable_compression;
    const char *token;      /* static bearer token, or NULL */
    const char *token_file; /* re-read (auth.c), or NULL */
    struct kube_exec *exec; /* or NULL */
    const char *exec_ext;   /* JSON of the cluster's exec extension */
    int64_t timeout_ms;
    int64_t exec_timeout_ms; /* 60 s; tests shorten it */
};

/* The service-account directory of in-cluster mode:
 * $RNOTIFY_SERVICEACCOUNT_DIR (tests), else the standard mount. */
const char *kube_sa_dir(void);

/* Read a regular file of at most max bytes into a (NUL-terminated).
 * RN_EIO with "cannot read <path>: <why>" in e; never blocks on a FIFO. */
int kube_read_file(struct arena *a, const char *path, size_t max, char **out,
                   size_t *len, struct rn_err *e);

/*
 * Load one kubeconfig from memory, as if read from `path` (relative paths
 * resolve against its directory), and resolve it with the overrides o
 * (may be NULL).  Files it names are read; exec plugins are not run.
 * This is the loader's whole parsing path, exposed for the fuzzer.
 */
int kube_config_parse(const char *text, size_t n, const char *path,
                      const struct kube_config_opts *o,
                      struct kube_config **out, struct rn_err *e);

/* Merge state of a KUBECONFIG list (kubeconfig.c). */
struct kcfg_named;
struct kcfg_merge {
    struct arena a;
    struct kcfg_named *clusters, *users, *contexts;
    size_t nclusters, nusers, ncontexts, cap[3];
    const char *current_context;
    const char *first_file; /* for the source string */
    size_t files;
};
void kcfg_init(struct kcfg_merge *m);
void kcfg_free(struct kcfg_merge *m);
/* Add one file's text; the first definition of each name wins. */
int kcfg_add(struct kcfg_merge *m, const char *text, size_t n, const char *path,
             struct rn_err *e);
/* True when the merged files define at least one cluster. */
bool kcfg_usable(const struct kcfg_merge *m);
/* Build the configuration of the chosen context. */
int kcfg_resolve(struct kcfg_merge *m, const struct kube_config_opts *o,
                 struct kube_config **out, struct rn_err *e);

/* A new, empty configuration (config.c). */
int kube_config_alloc(struct kube_config **out);
/* Apply command-line overrides and defaults common to every source. */
int kube_config_finish(struct kube_config *c, const struct kube_config_opts *o,
                       struct rn_err *e);

/* ---- credentials (auth.c, exec.c) ---- */

struct kube_auth {
    const struct kube_config *c;
    pthread_mutex_t mu;
    char *token;           /* the bearer token in use (rn_malloc) */
    int64_t token_read_ms; /* when token_file was last read (monotonic) */
    bool have_read;
    /* exec plugin credential */
    char *cert, *key;
    size_t cert_len, key_len;
    int64_t expiry_unix; /* 0: until a 401 */
    bool exec_valid;
    bool warned_http;
};

/* What one request sends: borrowed from the auth state, valid until the
 * next kube_auth_get or invalidate. */
struct kube_cred {
    const char *token; /* NULL: none */
    const char *cert, *key;
    size_t cert_len, key_len;
};

int kube_auth_init(struct kube_auth *a, const struct kube_config *c);
void kube_auth_free(struct kube_auth *a);
/* Current credentials; re-reads a token file older than a minute, runs
 * the exec plugin when its credential is missing or about to expire. */
int kube_auth_get(struct kube_auth *a, struct kube_cred *out, struct rn_err *e);
/* After a 401: force a re-read / re-run before the next request.  False
 * when there is nothing that could change (a static token). */
bool kube_auth_invalidate(struct kube_auth *a);

/* The credential an exec plugin returned. */
struct kube_exec_cred {
    char *token, *cert, *key; /* rn_malloc, NULL when absent */
    size_t cert_len, key_len;
    int64_t expiry_unix; /* 0 when the plugin gave none */
};
/* Run the plugin of c once (stdin /dev/null, stderr passed through,
 * timeout c->exec_timeout_ms).  Errors name the plugin, never its
 * output. */
int kube_exec_run(const struct kube_config *c, struct kube_exec_cred *out,
                  struct rn_err *e);
void kube_exec_cred_free(struct kube_exec_cred *cr);

/* ---- requests (client.c, status.c, path.c) ---- */

struct kube_client {
    struct kube_config *c;
    struct kube_auth auth;
    char *base; /* URL prefix requests use (tls-server-name host) */
    struct curl_slist *connect_to; /* CURLOPT_CONNECT_TO list, or NULL */
    bool https;
    char ua[96];
};

/* Body sink of a watch: returns false to abort the transfer. */
typedef bool kube_sink_fn(void *ud, const char *p, size_t n);

struct kube_xfer;

/* A request ready to run: copies everything rq points at. */
int kube_xfer_new(struct kube_client *k, const struct kube_request *rq,
                  struct kube_xfer **out);
void kube_xfer_free(struct kube_xfer *x);
/* Mark as a watch: no total timeout, 2xx bodies go to sink. */
void kube_xfer_set_sink(struct kube_xfer *x, kube_sink_fn *sink, void *ud);
/* Parse the reply into an arena doc (doc_new) instead of freezing it: for
 * a reply that is taken apart at once, such as a list page whose items
 * the informer freezes one by one. */
void kube_xfer_set_unfrozen(struct kube_xfer *x);
/* Freeze the reply with b (the loop's, for requests on the loop) rather
 * than with a temporary builder, whose tables cost more to set up than a
 * small reply costs to parse. */
void kube_xfer_set_builder(struct kube_xfer *x, struct doc_builder *b);
/* (Re)configure the easy handle with fresh credentials. */
int kube_xfer_prepare(struct kube_xfer *x, struct rn_err *e);
void *kube_xfer_easy(struct kube_xfer *x);
long kube_xfer_status(const struct kube_xfer *x);
/* A reply for an exchange that could not be sent (why: credentials). */
int kube_xfer_fail(struct kube_xfer *x, const struct rn_err *why,
                   struct kube_reply *out);
/* Turn the finished exchange into a reply; returns kube_do's status. */
int kube_xfer_reply(struct kube_xfer *x, int curl_code, struct kube_reply *out);
/* Whether to send again: 401 once after refreshing credentials, or a
 * 429/5xx carrying Retry-After (*wait_ms) a few times. */
bool kube_xfer_should_retry(struct kube_xfer *x, int curl_code,
                            int64_t *wait_ms);

/* An asynchronous request on the loop that its starter can cancel (the
 * informer's list pages, the recorder's writes). */
struct kube_async;
int kube_async_start(struct kube_client *k, struct kube_loop *l,
                     const struct kube_request *rq, kube_reply_cb *cb, void *ud,
                     struct kube_async **out);
/* Abort without calling cb.  NULL is fine. */
void kube_async_cancel(struct kube_async *a);
/* The reply of a (just started) request as an arena doc
 * (kube_xfer_set_unfrozen). */
void kube_async_set_unfrozen(struct kube_async *a);

/* The message of a failed reply: "<verb> <what> on <server>: <msg>". */
struct kube_what {
    const char *verb;     /* get list watch create update patch delete */
    const char *resource; /* "rollouts.argoproj.io" */
    const char *ns, *name;
};
void kube_status_error(struct rn_err *e, int code, const struct kube_what *w,
                       const char *server, const char *msg);
/* Fill r->reason and r->err from a non-2xx reply (a Status or not). */
int kube_status_reply(struct kube_reply *r, const struct kube_what *w,
                      const char *server, const char *body, size_t n);
/* The Status fields of a doc root ("" / 0 when absent). */
const char *kube_status_reason(struct val st);
long kube_status_code(struct val st);

/* "rollouts.argoproj.io", "events" (core group), into b. */
int kube_res_name(struct buf *b, const struct kube_resource *res);
/* The lower-case verb word of a request. */
const char *kube_verb_word(const char *method, const char *name, bool watch);
/* The query of a list or watch: limit, continue, selectors. */
int kube_list_query(struct buf *b, const struct kube_list_opts *o,
                    const char *cont);
/* Append "&key=<escaped value>" (or without '&' when b is empty). */
int kube_query_add(struct buf *b, const char *key, const char *value);
/* "namespace/name" of an object ("" namespace when cluster-scoped). */
int kube_obj_key(struct buf *b, struct val obj);
/* object.metadata.<field> as a string, or "". */
const char *kube_meta_str(struct val obj, const char *field);

/* client-go's reflector backoff: base doubling from min to max, each
 * wait base x (1 + jitter), back to min after two minutes without a
 * failure (path.c). */
struct kube_backoff {
    int64_t base, min, max;
    int64_t last; /* when the last failure was, ms; 0 = never */
};
void kube_backoff_init(struct kube_backoff *b, int64_t min_ms, int64_t max_ms);
/* The wait after a failure at now_ms; jitter in [0, 1). */
int64_t kube_backoff_next(struct kube_backoff *b, int64_t now_ms,
                          double jitter);

/* A random double in [0, 1) (jitter). */
double kube_rand01(void);

/* A watch parser freezes each event's object with b (the loop's) instead
 * of a builder of its own; b must outlive the parser. */
void kube_watch_parser_set_builder(struct kube_watch_parser *p,
                                   struct doc_builder *b);

/* Unix time now, seconds and nanoseconds. */
void kube_wall_now(int64_t *sec, int32_t *nsec);

#endif
