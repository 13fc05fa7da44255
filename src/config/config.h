/*
 * config.h: the notification configuration of one namespace.
 *
 * cfg_load() turns the `data` of the ConfigMap
 * argo-rollouts-notification-configmap and of the Secret
 * argo-rollouts-notification-secret into one compiled, immutable,
 * refcounted snapshot: notification templates (every string field parsed
 * once with Go text/template + sprig), triggers (every `when`/`oncePer`
 * compiled once with expr), service instances (options after `$secret`
 * substitution), default subscriptions with label selectors and default
 * trigger lists.  Keys are processed in sorted order and each broken key is
 * isolated: it is recorded as a struct cfg_error and disables only itself
 * (docs/reference/engine.md §1, docs/reference/engine.md §9.12), where upstream
 * would drop the whole configuration.
 *
 * The records returned by the lookups below (struct cfg_template,
 * cfg_trigger, cfg_service, cfg_subscription) are read-only views into the
 * snapshot, valid while a reference on it is held.
 */
#ifndef RN_CONFIG_H
#define RN_CONFIG_H

#include "../core/val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct rn_err;
struct tpl;
struct tpl_funcs;
struct expr_prog;
struct cfg;
struct cfg_selector;

/* ---- input: the data of a ConfigMap or a Secret ---- */

/* One `data` entry.  Secret values are the decoded bytes (not base64).
 * key_line and key_col are the manifest position of the key (0 when
 * unknown, e.g. an object read from the API). */
struct cfg_entry {
    const char *key;
    size_t klen;
    const char *value;
    size_t vlen;
    int key_line, key_col;
};

struct cfg_data {
    struct cfg_entry *items;
    size_t n;
    const char *name;      /* metadata.name, "" when unknown */
    const char *namespace; /* metadata.namespace, "" when unknown */
    int line, col;         /* manifest position of the object's `data` key
                              (else `stringData`, else the object), 0 when
                              unknown */
};

/*
 * Pick the first document of a YAML/JSON stream (`---` separated, empty and
 * null documents skipped) whose kind is `kind` ("ConfigMap" or "Secret",
 * core group) and whose metadata.name is `name`, and return its data in a.
 * For a Secret, `data` values are base64-decoded and `stringData` entries
 * are merged over them (what the CLI does, docs/reference/engine.md §7.3).
 * RN_ENOTFOUND when no document matches ("file 'src' does not have
 * '/ConfigMap/name'"), RN_ECONFIG for a YAML error or bad base64, with line/col
 * in e.
 */
int cfg_data_from_manifest(struct arena *a, const char *text, size_t n,
                           const char *kind, const char *name, const char *src,
                           struct cfg_data *out, struct rn_err *e);

/* The data of an object read from the API (a decoded JSON object).  For a
 * Secret (`secret` true) `data` values are base64 (as the API sends them)
 * and are decoded; `stringData` is merged over them. */
int cfg_data_from_object(struct arena *a, struct val obj, bool secret,
                         struct cfg_data *out, struct rn_err *e);

/* ---- building a snapshot ---- */

struct cfg_opts {
    const char *namespace; /* the config's namespace ("" = unknown) */
    bool self_service;     /* docs/reference/engine.md §8.3: state keys get the
                              namespace prefix */
    bool check_only;       /* every key is compiled and its problems are
                              recorded, but parsed templates are freed at
                              once: the snapshot can be checked (errors,
                              warnings, services), not rendered; memory
                              stays near the input's size */
};

/*
 * Build a snapshot from the ConfigMap data `cm` and Secret data `secret`
 * (either may be NULL = empty).  Returns RN_OK and *out (one reference)
 * even when keys are broken: their problems are listed by
 * cfg_error_count()/cfg_error_at().  Only RN_ENOMEM fails the call.
 */
int cfg_load(const struct cfg_data *cm, const struct cfg_data *secret,
             const struct cfg_opts *o, struct cfg **out, struct rn_err *e);

/* Take / drop a reference.  The last unref frees everything (NULL ok). */
struct cfg *cfg_ref(struct cfg *c);
void cfg_unref(struct cfg *c);

const char *cfg_namespace(const struct cfg *c);
bool cfg_self_service(const struct cfg *c);

/* ---- per-key errors, sorted by key ---- */

struct cfg_error {
    const char *key; /* the ConfigMap key, e.g. "template.app-sync" */
    int code;        /* RN_ECONFIG (decode), RN_ESYNTAX (template/expr) */
    int line, col;   /* position inside the value (1-based), 0 unknown;
                        for RN_ESYNTAX, inside the template or expression
                        text that failed */
    int key_line;    /* manifest line of the key, 0 unknown */
    const char *msg; /* Go-style text */
};

size_t cfg_error_count(const struct cfg *c);
const struct cfg_error *cfg_error_at(const struct cfg *c, size_t i);
/* The error recorded for a key, or NULL. */
const struct cfg_error *cfg_key_error(const struct cfg *c, const char *key);

/*
 * Warnings: cross-key problems that disable nothing but will fail at send
 * time (docs/reference/engine.md §9.13): a condition sending an undefined or
 * broken template, a default trigger or subscription trigger that is not
 * defined, a subscription recipient or defaultTriggers.<service> naming a
 * service that is not configured.  Same record as errors, key = where it is
 * written; line/col 0.
 */
size_t cfg_warning_count(const struct cfg *c);
const struct cfg_error *cfg_warning_at(const struct cfg *c, size_t i);

/* ---- notification templates (docs/reference/engine.md §4) ---- */

/* Sections of the notification object, in upstream's JSON field order. */
enum cfg_sec {
    CFG_SEC_AWSSQS,
    CFG_SEC_GCPPUBSUB,
    CFG_SEC_EMAIL,
    CFG_SEC_SLACK,
    CFG_SEC_MATTERMOST,
    CFG_SEC_ROCKETCHAT,
    CFG_SEC_TEAMS,
    CFG_SEC_TEAMS_WORKFLOWS,
    CFG_SEC_WEBHOOK,
    CFG_SEC_OPSGENIE,
    CFG_SEC_GITHUB,
    CFG_SEC_ALERTMANAGER,
    CFG_SEC_GOOGLECHAT,
    CFG_SEC_PAGERDUTY,
    CFG_SEC_PAGERDUTYV2,
    CFG_SEC_NEWRELIC,
    CFG_SEC_COUNT
};

/* How a section is modelled. */
enum cfg_shape {
    CFG_SHAPE_FIELDS,  /* fixed fields (struct cfg_field_def) */
    CFG_SHAPE_WEBHOOK, /* map hook name -> {method, body, path} */
    CFG_SHAPE_GENERIC, /* any tree: string leaves are templates */
};

enum cfg_fkind {
    CFG_F_TEXT,   /* templated string */
    CFG_F_BOOL,   /* copied bool (slack.notifyBroadcast) */
    CFG_F_POLICY, /* slack.deliveryPolicy: Post/PostAndUpdate/Update */
};

/* Field flags */
#define CFG_FF_NONEMPTY 1u  /* a later template sets it only when non-empty */
#define CFG_FF_OMITEMPTY 2u /* not emitted in JSON when empty */

#define CFG_MAX_FIELDS 10

struct cfg_field_def {
    const char *name;
    uint8_t kind;  /* enum cfg_fkind */
    uint8_t flags; /* CFG_FF_* */
};

struct cfg_sec_def {
    const char *name; /* JSON name: "slack", "teams-workflows" ... */
    uint8_t shape;    /* enum cfg_shape */
    const struct cfg_field_def *fields;
    size_t nfields;
};

/* Section definitions indexed by enum cfg_sec, and the order upstream
 * applies a template's sections (message first, then these). */
extern const struct cfg_sec_def cfg_sec_defs[CFG_SEC_COUNT];
extern const uint8_t cfg_sec_apply_order[CFG_SEC_COUNT];

/* A compiled generic tree: scalars copied, strings compiled. */
struct cfg_gnode {
    struct val v;           /* the decoded value (scalars; string text) */
    const struct tpl *tpl;  /* VAL_STRING only; NULL for "" and for text
                               that upstream copies unrendered (the
                               engine then copies v) */
    const char **keys;      /* VAL_OBJECT: n keys, sorted */
    struct cfg_gnode *kids; /* VAL_OBJECT / VAL_ARRAY: n children */
    size_t n;
};

struct cfg_hook {
    const char *name;   /* the webhook service name */
    const char *method; /* copied, not rendered */
    const struct tpl *body, *path;
};

struct cfg_section {
    bool present;
    const struct tpl *text[CFG_MAX_FIELDS]; /* FIELDS: per TEXT field */
    bool flag;                              /* CFG_F_BOOL field */
    uint8_t policy;                         /* CFG_F_POLICY: 0..2 */
    struct cfg_hook *hooks;                 /* WEBHOOK, sorted by name */
    size_t nhooks;
    struct cfg_gnode generic; /* GENERIC */
};

struct cfg_template {
    const char *name;
    const struct tpl *message; /* NULL: empty */
    /* NULL where the template has no such block (most have one or two:
     * by pointer, a configuration of many templates stays small) */
    struct cfg_section *sec[CFG_SEC_COUNT];
    struct val raw; /* the decoded YAML value (for `template get`) */
};

/* The delivery policy names, indexed by cfg_section.policy. */
extern const char *const cfg_policy_names[3];

/* A function table with the Go builtins and sprig (minus env and
 * expandenv), as templates are parsed with upstream.  NULL on OOM. */
struct tpl_funcs *cfg_funcs_new(void);

/*
 * Compile one template from its YAML text (docs/reference/engine.md §4.2):
 * decode per docs/reference/engine.md §1.2 (RN_ECONFIG on error), then parse
 * every string field as template `name` (webhook body/path as name+hookName)
 * with funcs f (RN_ESYNTAX).  Records go in a; the parsed templates are owned
 * by out and released by cfg_template_release().  On error out holds nothing to
 * release.
 */
int cfg_template_compile(struct arena *a, const char *name, const char *yaml,
                         size_t n, const struct tpl_funcs *f,
                         struct cfg_template *out, struct rn_err *e);
void cfg_template_release(struct cfg_template *t);

/* Look a template up: RN_OK; RN_ENOTFOUND "template 'x' is not supported";
 * RN_ECONFIG when its key is broken (message says why). */
int cfg_template_lookup(const struct cfg *c, const char *name,
                        const struct cfg_template **out, struct rn_err *e);
size_t cfg_template_count(const struct cfg *c);
/* Sorted by name; NULL for a broken template. */
const struct cfg_template *cfg_template_at(const struct cfg *c, size_t i);
/*
 * A template's source as upstream holds it before rendering: its
 * Notification struct with the source texts (message, every field of each
 * typed block with Go's zero values, webhook entries, generic blocks as
 * written), an object shaped like the engine's notification root, in a.
 */
int cfg_template_source(struct arena *a, const struct cfg_template *t,
                        struct val *out);
/* The source text of the template's message ("" when it has none). */
struct val cfg_template_message(struct arena *a, const struct cfg_template *t);

/* ---- triggers (docs/reference/engine.md §3) ---- */

struct cfg_condition {
    const char *when, *once_per, *description; /* "" when absent */
    const char *const *send;
    size_t nsend;
    const struct expr_prog *when_prog; /* `false` for an empty when */
    const struct expr_prog *once_prog; /* NULL when no oncePer */
    const char *key; /* "[i]." + base64url_nopad(sha1(when)) */
};

struct cfg_trigger {
    const char *name;
    const struct cfg_condition *conds;
    size_t n;
};

/* RN_OK; RN_ENOTFOUND "trigger 'x' is not configured"; RN_ECONFIG when its
 * key is broken. */
int cfg_trigger_lookup(const struct cfg *c, const char *name,
                       const struct cfg_trigger **out, struct rn_err *e);
size_t cfg_trigger_count(const struct cfg *c);
/* Sorted by name; NULL for a broken trigger. */
const struct cfg_trigger *cfg_trigger_at(const struct cfg *c, size_t i);

/* The condition key "[i]." + base64url_nopad(sha1(when)) in a. */
const char *cfg_condition_key(struct arena *a, size_t i, const char *when,
                              size_t n);

/* ---- services (docs/reference/engine.md §1.6, §1.8) ---- */

/* A Secret value that `$key` substitution put into a service's options
 * (copied into the snapshot): the service masks it in its messages. */
struct cfg_secret_use {
    const char *key, *value;
    size_t len;
};

struct cfg_service {
    const char *name; /* what destinations name */
    const char *type; /* one of the known types */
    struct val opts;  /* options after $secret substitution (int64 numbers) */
    /* `$name` references left as written: the Secret has no such key, so
     * a delivery would send the text "$name" (each name once) */
    const char *const *missing;
    size_t nmissing;
    const struct cfg_secret_use *uses; /* the Secret keys used, each once */
    size_t nuses;
};

/* RN_OK; RN_ENOTFOUND "notification service 'x' is not supported";
 * RN_ECONFIG when its key is broken. */
int cfg_service_lookup(const struct cfg *c, const char *name,
                       const struct cfg_service **out, struct rn_err *e);
size_t cfg_service_count(const struct cfg *c);
/* Sorted by name; NULL for a broken service. */
const struct cfg_service *cfg_service_at(const struct cfg *c, size_t i);
/* Whether type is one of the service types of docs/reference/engine.md §1.6. */
bool cfg_service_type_known(const char *type, size_t n);

/*
 * `$secret` substitution (docs/reference/engine.md §1.8) over a decoded value
 * tree: in every string (object keys included) each match of [$][A-Za-z0-9_-]+
 * whose name is a key of `secret` becomes that value's bytes; unknown names
 * stay.  The new tree is built in a.
 */
int cfg_secret_substitute(struct arena *a, struct val v,
                          const struct cfg_data *secret, struct val *out);
/* The `$name` references in v (strings and keys), each once in order
 * of appearance, into out->missing (names without '$' that the Secret
 * lacks: substitution leaves them as written) and out->uses (the Secret
 * entries substituted, values copied); built in a.  RN_ENOMEM only. */
int cfg_secret_refs(struct arena *a, struct val v,
                    const struct cfg_data *secret, struct cfg_service *out);

/* The `secrets` template variable: Secret key -> []byte. */
struct val cfg_secrets_var(const struct cfg *c);

/* ---- default subscriptions and triggers (docs/reference/engine.md §2.5, §2.6)
 * ---- */

struct cfg_subscription {
    const char *const *recipients; /* "service:recipient" */
    size_t nrecipients;
    const char *const *triggers;
    size_t ntriggers;
    const struct cfg_selector *selector; /* NULL matches everything */
};

size_t cfg_subscription_count(const struct cfg *c);
const struct cfg_subscription *cfg_subscription_at(const struct cfg *c,
                                                   size_t i);

/* defaultTriggers (service NULL) or defaultTriggers.<service>.  Returns
 * whether the key exists; the names go to list and n (maybe none). */
bool cfg_default_triggers(const struct cfg *c, const char *service,
                          const char *const **list, size_t *n);

/* Field lookup as encoding/json does: exact name first, then ASCII
 * case-insensitive.  NULL when absent or obj is not an object. */
const struct val *cfg_dec_field(struct val obj, const char *name);
/* The JSON kind name Go's decoding errors use for v: object, array,
 * string, bool, null, number. */
const char *cfg_dec_kind(struct val v);

/* ---- label selectors (selector.c) ---- */

/*
 * Parse a Kubernetes label selector string (k=v, k==v, k!=v, k in (a,b),
 * k notin (a,b), k, !k, k>N, k<N; comma = AND) with Kubernetes' key and
 * value validation.  "" selects everything.  Built in a.
 */
int cfg_selector_parse(struct arena *a, const char *s, size_t n,
                       struct cfg_selector **out, struct rn_err *e);
/* A metav1.LabelSelector object: matchLabels and matchExpressions
 * (In, NotIn, Exists, DoesNotExist). */
int cfg_selector_from_val(struct arena *a, struct val v,
                          struct cfg_selector **out, struct rn_err *e);
/* Whether labels (an object of strings; null = none) match. */
bool cfg_selector_matches(const struct cfg_selector *s, struct val labels);

#endif
