/*
 * service.h: notification services behind one handler table.
 *
 * Each service type (webhook, slack, teams ...) is one file exporting one
 * `const struct svc_type svc_<name>`; registry.c lists them and svc_find()
 * is the only place that maps a type name to code.  A service decodes its
 * options once (svc_instance_new), then for every send *builds* HTTP
 * requests (method, URL, headers, body: pure functions over the rendered
 * notification, testable without a network) and *checks* the replies.
 * http.c performs the requests on libcurl, blocking for the CLI
 * (svc_send) or on a multi handle for the controller (svc_http_setup /
 * svc_http_done).  A request may span several steps (Rocket.Chat logs in
 * first, Telegram calls getMe, Slack posts then updates).  Email (SMTP)
 * and NATS speak their own protocols: they deliver in `send`, blocking,
 * which the controller runs on its worker threads.
 *
 * Failures are classified (docs/services/README.md, errors): `retryable` is
 * true for transport errors, 429 and 5xx (except 501), false for everything a
 * repeat cannot fix (4xx, bad templates, bad configuration, untrusted
 * certificates).  Messages name the service and the recipient and never
 * carry a secret: option values marked secret are scrubbed from every
 * message, and URLs that carry credentials are shown without them.
 */
#ifndef RN_SERVICE_H
#define RN_SERVICE_H

#include "../core/val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct rn_err;
struct notif;
struct eng_dest;
struct cfg_service;

/* ---- requests and replies ---- */

struct http_header {
    const char *name;
    const char *value;
};

enum svc_retry_kind {
    SVC_RETRY_NONE,    /* one attempt */
    SVC_RETRY_BACKOFF, /* go-retryablehttp (webhook, docs/services/webhook.md,
                          retries) */
    SVC_RETRY_429,     /* repeat on 429 after Retry-After (slack,
                          docs/services/slack.md, requests) */
    SVC_RETRY_AWS,     /* aws-sdk-go-v2's standard retryer (awssqs):
                          transport errors, 500/502/503/504, throttling and
                          timeout error codes; jittered 2^n s waits */
    SVC_RETRY_GAX,     /* Google's gax retryer (gcppubsub publish):
                          transport errors and the retryable google.rpc
                          codes; jittered waits growing 1.3x from
                          wait_min_ms up to wait_max_ms, within the
                          request's retry_budget_ms */
};

struct svc_retry {
    uint8_t kind;        /* enum svc_retry_kind */
    int max;             /* retries after the first attempt */
    int64_t wait_min_ms; /* BACKOFF: first wait, doubled each retry */
    int64_t wait_max_ms; /* BACKOFF: cap of the computed wait */
    bool judge_last;     /* BACKOFF: when retries run out, the service
                            judges the last reply (no "giving up") */
};

struct http_req {
    const char *method; /* "GET", "POST", any token */
    const char *url;
    const char *shown_url; /* the URL for messages; NULL = url's origin */
    struct http_header *headers;
    size_t nheaders;
    const char *body; /* sent when has_body (even for GET) */
    size_t body_len;
    bool has_body;
    bool insecure;   /* insecureSkipVerify */
    long timeout_ms; /* 0 = svc_opts.timeout_ms */
    struct svc_retry retry;
    int64_t deadline_ms;     /* unix ms: the transfer's timeout never runs past
                                it (the delivery's deadline); 0 = none */
    int64_t retry_budget_ms; /* when not 0: no retry of this request starts
                                later than this after its first attempt
                                (gax's publish timeout) */
    size_t max_reply;        /* reply body cap of this request, 0 = svc_opts'
                                (github's listings need more than the default) */
};

struct http_reply {
    long status;        /* 0 when no reply */
    const char *reason; /* status text ("Not Found"), "" when none */
    const char *body;   /* NUL-terminated */
    size_t body_len;
    struct http_header *headers; /* in order received */
    size_t nheaders;
};

/* The first value of header `name` (case-insensitive), or NULL. */
const char *svc_reply_header(const struct http_reply *r, const char *name);
/* How many times header `name` occurs. */
size_t svc_reply_header_count(const struct http_reply *r, const char *name);

/* ---- results ---- */

struct svc_result {
    int code;               /* RN_OK, or RN_EHTTP / RN_EIO / RN_ECONFIG / ... */
    bool retryable;         /* a later repeat may succeed */
    long status;            /* last HTTP status, 0 when none */
    int64_t retry_after_ms; /* from Retry-After, -1 when none */
    int attempts;           /* HTTP requests made */
    char msg[512];          /* "service 'x' (type) to 'rcpt': ...", scrubbed */
};

/* ---- options of the HTTP layer ---- */

struct svc_opts {
    long connect_timeout_ms; /* default 10 s */
    long timeout_ms;         /* whole request, default 60 s */
    size_t max_reply;        /* reply body cap, default 1 MiB */
    const char *ca_file;     /* extra CA bundle (PEM), NULL = system */
    bool no_sleep;           /* tests: do not wait between retries */
    int64_t deadline_ms;     /* svc_send: the budget of one delivery from
                                its start (default 30 s); 0 = none */
};

/* libcurl's global setup, once per process (svc_send calls it; a caller
 * driving transfers itself calls it first, from one thread). */
void svc_global_init(void);

/* Defaults, overridden by the environment: RNOTIFY_CA_FILE (ca_file),
 * RNOTIFY_HTTP_TIMEOUT_MS and RNOTIFY_CONNECT_TIMEOUT_MS. */
void svc_opts_default(struct svc_opts *o);

/* ---- service types ---- */

/* One send in progress: what build() and check_reply() see. */
struct svc_call {
    struct val root;  /* the notification (eng_notif_root) */
    const char *name; /* the service NAME (webhook entries use it) */
    const char *recipient;
    int step;        /* 0 for the first request of a send */
    void *scratch;   /* per-send data of the service, in a */
    struct arena *a; /* freed after the send */
    /* Added for the delivery deadline and reply masking (both may be 0 /
     * NULL, as in unit tests that build a call by hand): */
    int64_t deadline_ms; /* unix ms; services that deliver by themselves
                            (email, nats) bound their timeouts by it */
    const struct svc_instance *inst; /* whose secrets replies are masked of */
};

enum svc_step {
    SVC_STEP_DONE, /* delivered */
    SVC_STEP_NEXT, /* build and perform step + 1 */
    SVC_STEP_FAIL, /* res says why */
};

/* Option kinds of the decoding tables (docs/services/README.md, options). */
enum svc_okind {
    SVC_O_STR,      /* const char *; numbers and bools become text */
    SVC_O_BOOL,     /* bool */
    SVC_O_INT,      /* int64_t, whole YAML numbers only */
    SVC_O_DURATION, /* int64_t ns: integer ns or a Go duration string */
    SVC_O_STRLIST,  /* struct svc_strmap (values only) */
    SVC_O_STRMAP,   /* struct svc_strmap, keys sorted */
    SVC_O_HEADERS,  /* struct svc_strmap from [{name, value}] in order */
    SVC_O_BASIC,    /* struct svc_basic from {username, password} */
    SVC_O_IGNORED,  /* accepted and type-checked as `any`, not stored */
};

#define SVC_OF_SECRET 1u /* scrub this value from every message */

struct svc_opt {
    const char *name;
    uint8_t kind;  /* enum svc_okind */
    uint8_t flags; /* SVC_OF_* */
    size_t off;    /* offset in the service's options struct */
};

struct svc_strmap {
    const char **keys; /* NULL for lists */
    const char **vals;
    size_t n;
};

struct svc_basic {
    bool set;
    const char *username, *password;
};

#define SVC_F_HTTP                                                             \
    1u /* accepts the shared transport keys (docs/services/README.md, options) \
        */

struct svc_type {
    const char *name; /* matches service.<name> in the ConfigMap */
    unsigned flags;   /* SVC_F_* */
    const struct svc_opt *opts;
    size_t nopts;
    size_t opts_size; /* size of the options struct */
    /* Check decoded options (may be NULL); state is the options struct. */
    int (*configure)(void *state, struct arena *a, struct rn_err *e);
    /* Build the request of c->step.  RN_ECONFIG/RN_EINVAL: permanent.  A
     * request with a NULL method means there is nothing to send: done. */
    int (*build)(const void *state, struct svc_call *c, struct http_req *out,
                 struct rn_err *e);
    /* Judge a reply (NULL: 2xx is done).  On SVC_STEP_FAIL fill e and
     * set *retryable. */
    enum svc_step (*check_reply)(const void *state, struct svc_call *c,
                                 const struct http_reply *r, bool *retryable,
                                 struct rn_err *e);
    /* Non-HTTP services only (email, nats): deliver blocking, no build;
     * on failure fill e and *retryable.  NULL for HTTP services. */
    int (*send)(const void *state, struct svc_call *c, bool *retryable,
                struct rn_err *e);
};

/* The type named `type`, or NULL (email is registered separately). */
const struct svc_type *svc_find(const char *type);
/* The registered types, for `rnotify check` and docs. */
size_t svc_type_count(void);
const struct svc_type *svc_type_at(size_t i);

/* ---- instances ---- */

struct svc_instance;

/*
 * Decode the options of a configured service (docs/services/README.md, options:
 * keys matched case-insensitively, type mismatches are errors).  RN_ENOTFOUND
 * for a type with no implementation, RN_ECONFIG for bad options (message in e,
 * with no secret values).  Free with svc_instance_free.
 */
int svc_instance_new(const struct cfg_service *s, struct svc_instance **out,
                     struct rn_err *e);
void svc_instance_free(struct svc_instance *s);
const struct svc_type *svc_instance_type(const struct svc_instance *s);
const char *svc_instance_name(const struct svc_instance *s);
/* The decoded options struct (read-only). */
const void *svc_instance_opts(const struct svc_instance *s);

/*
 * Replace every secret option value of s that occurs in msg (in place)
 * with "*****", and every "bot<token>" style path (see http.c).  Used on
 * every message the module produces.
 */
void svc_scrub(const struct svc_instance *s, char *msg, size_t cap);

/*
 * `rnotify check`: call report(ud, key, why) for each option key of s that
 * no field of its type matches (unknown keys are ignored at send time, as
 * upstream does).  Returns the number of reports.
 */
size_t svc_check_config(const struct cfg_service *s,
                        void (*report)(void *ud, const char *key,
                                       const char *why),
                        void *ud);

/* ---- sending ---- */

/*
 * Deliver notification n to destination d with instance s, blocking:
 * build each step, perform it (following redirects as Go does, with the
 * retry policy the request carries: webhook's loop of docs/services/webhook.md,
 * retries, slack's 429 rule), check the reply.  Returns r->code (RN_OK on
 * success); r says whether a repeat may help.  o may be NULL for defaults.
 */
int svc_send(const struct svc_instance *s, const struct notif *n,
             const struct eng_dest *d, const struct svc_opts *o,
             struct svc_result *r);

/*
 * A delivery as a state machine, for a caller with its own event loop
 * (the controller's multi handle); svc_send drives the same machine
 * blocking.  Start it, then while the state is SVC_D_PERFORM: wait
 * *wait_ms (retry backoff, Retry-After), perform svc_delivery_request()
 * with svc_http_setup() on an easy handle using svc_delivery_arena(),
 * finish it with svc_http_done() and pass the outcome (status, reply or
 * transport error) to svc_delivery_feed().  Redirects, retries and the
 * steps of multi-request services happen inside; the end state is
 * SVC_D_DONE or SVC_D_FAILED with svc_delivery_result().  The
 * notification root must outlive the delivery.
 */
struct svc_delivery;

enum svc_dstate {
    SVC_D_PERFORM, /* a request is ready (maybe after a wait) */
    SVC_D_DONE,
    SVC_D_FAILED,
};

/* RN_ENOMEM only; a failure to build the first request is the FAILED
 * state. */
int svc_delivery_start(const struct svc_instance *s, struct val root,
                       const struct eng_dest *dest, struct svc_delivery **out);

/*
 * svc_delivery_start with a deadline (unix ms, 0 = none) known before the
 * first step, so that services delivering by themselves during the start
 * (email, nats) are bounded by it too.
 */
int svc_delivery_start_until(const struct svc_instance *s, struct val root,
                             const struct eng_dest *dest, int64_t deadline_ms,
                             struct svc_delivery **out);

/*
 * Bound the delivery by a deadline (unix ms; 0 removes it).  Every wait
 * the machine would ask for (webhook's backoff, Retry-After, slack's 429
 * rule) must end before it: a server asking for longer than what is left
 * ends the delivery at once (FAILED, retryable, with a message saying
 * so), and each request carries it in http_req.deadline_ms so that the
 * transfer's timeout is clamped to it.  Takes effect from the next
 * decision on.
 */
void svc_delivery_set_deadline(struct svc_delivery *d, int64_t deadline_ms);

/* The current time in unix milliseconds (the clock deadlines use). */
int64_t svc_now_ms(void);
void svc_delivery_free(struct svc_delivery *d);
enum svc_dstate svc_delivery_state(const struct svc_delivery *d);
/* The request to perform and how long to wait before it; NULL unless the
 * state is SVC_D_PERFORM.  Valid until the next feed. */
const struct http_req *svc_delivery_request(const struct svc_delivery *d,
                                            int64_t *wait_ms);
/* The arena that transfers of this delivery allocate their replies in. */
struct arena *svc_delivery_arena(struct svc_delivery *d);
/* The outcome of the current request: rc RN_OK with rep, or a transport
 * error (retryable and terr from svc_http_done).  Returns the new
 * state. */
enum svc_dstate svc_delivery_feed(struct svc_delivery *d, int rc,
                                  const struct http_reply *rep, bool retryable,
                                  const struct rn_err *terr);
const struct svc_result *svc_delivery_result(const struct svc_delivery *d);

/*
 * Fill r as a failed send of s to recipient: r->msg is e's text prefixed
 * with "<name> (<type>) to '<recipient>': " and scrubbed of secrets,
 * r->code e's code.  r->retryable is left as the caller set it.  (The
 * controller, driving the steps on its multi handle, ends a send here.)
 */
void svc_result_fail(const struct svc_instance *s, const char *recipient,
                     const struct rn_err *e, struct svc_result *r);

/* Same with the notification as a value (eng_notif_root), for tests. */
int svc_send_root(const struct svc_instance *s, struct val root,
                  const struct eng_dest *d, const struct svc_opts *o,
                  struct svc_result *r);

/*
 * Build the request of one step without sending (unit tests, `explain`).
 * opts is the decoded options struct of the type (svc_instance_opts).
 */
int svc_build(const struct svc_type *t, const void *opts, struct svc_call *c,
              struct http_req *out, struct rn_err *e);

/* ---- the HTTP layer (http.c), for the blocking path and a multi loop ---- */

struct svc_xfer;

/*
 * Configure the libcurl easy handle `easy` (a CURL *) for req: method,
 * headers (no Content-Type unless given, no Expect, Go's User-Agent),
 * TLS verification (CA bundle from o), proxies from the environment
 * (loopback never proxied), timeouts, no automatic redirects, a reply
 * cap.  Reply buffers live in a.  The caller runs the transfer (easy
 * perform or a multi handle) and then calls svc_http_done.  RN_EINVAL for
 * a header with a line break (nothing is sent; not worth a retry),
 * RN_ENOMEM.
 */
int svc_http_setup(void *easy, const struct http_req *req,
                   const struct svc_opts *o, struct arena *a,
                   struct svc_xfer **out, struct rn_err *e);

/*
 * Finish a transfer that ended with libcurl code `curl_code`.  RN_OK with
 * the reply; otherwise a transport error in e (Go-like text naming the
 * method and shown URL) and *retryable says whether it is transient.
 */
int svc_http_done(struct svc_xfer *x, int curl_code, struct http_reply *out,
                  bool *retryable, struct rn_err *e);

/* Release the transfer's libcurl resources (header lists). */
void svc_http_release(struct svc_xfer *x);

/*
 * Go's redirect rule: when rep is a 301/302/303/307/308 with a Location,
 * fill *next (in a) and return true.  301-303 turn a non-GET/HEAD request
 * into a GET without body; 307/308 keep method and body; Authorization,
 * Cookie and Www-Authenticate are dropped when the host changes.
 */
bool svc_http_redirect(const struct http_req *req, const struct http_reply *rep,
                       struct arena *a, struct http_req *next);

/* Whether an HTTP status is worth repeating: 429, 5xx except 501. */
bool svc_status_retryable(long status);

/* Retry-After of a reply (integer seconds or an HTTP date), in ms; -1 when
 * absent or unparsable; INT64_MAX (saturated) when it does not fit.  now
 * is the current unix time. */
int64_t svc_retry_after_ms(const struct http_reply *r, int64_t now);

/*
 * go-retryablehttp's policy for attempt `attempt` (0-based) that ended in
 * a transport error (transport true, retryable_err its class) or in reply
 * r: whether to try again and after how long (*wait_ms).
 */
bool svc_retry_backoff(const struct svc_retry *p, int attempt, bool transport,
                       bool retryable_err, const struct http_reply *r,
                       int64_t now, int64_t *wait_ms);

#endif
