/*
 * engine.h: the decisions and the messages, shared by the controller and
 * the CLI.
 *
 * For one object and one configuration snapshot (config.h) the engine
 * answers: where would a trigger send (destinations, docs/reference/engine.md
 * §2), does each condition fire (trigger runs and the two send rules,
 * docs/reference/engine.md §3.3-§3.5), what is sent (the notification object
 * rendered from templates, docs/reference/engine.md §4), and what is remembered
 * (notified-state keys and the state annotation, docs/reference/engine.md
 * §3.6).  It does no I/O: everything is computed in the caller's arena.  The
 * result records below are plain data, read-only for callers.
 */
#ifndef RN_ENGINE_H
#define RN_ENGINE_H

#include "../config/config.h"
#include "../core/val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct rn_err;

/* ---- destinations (docs/reference/engine.md §2) ---- */

struct eng_dest {
    const char *service;   /* a service NAME */
    const char *recipient; /* service-specific, may be "" */
    const char *origin;    /* with ENG_DEST_ORIGIN: where the destination
                              came from ("annotation <key>",
                              "subscriptions[i]", "+ defaultTriggers...");
                              otherwise NULL */
};

struct eng_trigger_dests {
    const char *trigger;
    struct eng_dest *dests;
    size_t n, cap;
};

/* Triggers in order of first appearance, each with its destinations. */
struct eng_dests {
    struct eng_trigger_dests *items;
    size_t n, cap;
};

#define ENG_ANNOTATION_PREFIX "notifications.argoproj.io"
#define ENG_NOTIFIED_ANNOTATION "notified.notifications.argoproj.io"

/* Flags of eng_destinations() / eng_parse_recipient() */
#define ENG_DEST_DEDUP 1u /* drop repeated (service, recipient) */
#define ENG_DEST_COLON_EVERY                                                   \
    2u /* upstream's split on every ':' (docs/reference/engine.md §2.5) */
#define ENG_DEST_ORIGIN 4u /* fill eng_dest.origin (rnotify explain) */

/*
 * The destinations of obj (a Kubernetes object: metadata.labels and
 * metadata.annotations are read) under config c: default subscriptions
 * whose selector matches, then the subscribe annotations (keys in sorted
 * order) and the YAML subscriptions annotation, with default triggers for
 * trigger-less subscriptions (docs/reference/engine.md §2.2-§2.7).
 * Non-subscription annotations are ignored (not the stale-recipient quirk of
 * docs/reference/engine.md §2.4).  Built in a.
 */
int eng_destinations(const struct cfg *c, struct val obj, unsigned flags,
                     struct arena *a, struct eng_dests *out);

/* The destinations of one trigger, or NULL. */
const struct eng_trigger_dests *eng_dests_find(const struct eng_dests *d,
                                               const char *trigger);

/* Append (trigger, dest); with ENG_DEST_DEDUP an exact repeat is skipped. */
int eng_dests_add(struct arena *a, struct eng_dests *d, const char *trigger,
                  const struct eng_dest *dest, unsigned flags);

/* "service:recipient": split at the first ':' (or every ':' with
 * ENG_DEST_COLON_EVERY, keeping part 1 only); no ':' = recipient "".
 * Returns true when the upstream split would have lost text. */
bool eng_parse_recipient(struct arena *a, const char *s, unsigned flags,
                         struct eng_dest *out);

/* ---- variables (docs/reference/engine.md §4.4) ---- */

/*
 * The evaluation variables: {rollout: object, analysisRuns (only when
 * analysis_runs is non-NULL; a null val gives the key with nil), time:
 * {Now, Parse}, secrets: Secret key -> []byte}.  Built in a.
 */
int eng_vars(const struct cfg *c, struct val object,
             const struct val *analysis_runs, struct arena *a, struct val *out);

/*
 * The `analysisRuns` variable (docs/reference/engine.md §4.4) from the
 * AnalysisRuns of the Rollout's namespace: runs labelled
 * rollouts-pod-template-hash = status.currentPodHash (the label must exist),
 * then those whose rollout.argoproj.io/revision annotation equals the Rollout's
 * (absent is
 * ""), newest metadata.creationTimestamp first (ties by name, where
 * upstream is random).  *out is null when no run has the label (Go's nil
 * slice), else a list, possibly empty.  In a.
 */
int eng_analysis_runs(struct arena *a, struct val rollout,
                      const struct val *runs, size_t n, struct val *out);

/* The `time` variable as templates call it ({{call .time.Parse s}}):
 * {Now, Parse} as template functions (expr_time_var() is expr's). */
struct val eng_time_var_tpl(struct arena *a);

/* vars plus serviceType (the destination's service NAME) and recipient,
 * with `time` in its template form: the variables of rendering. */
int eng_vars_send(struct arena *a, struct val vars, const struct eng_dest *d,
                  struct val *out);

/* The value as upstream's event path hands it to templates and
 * conditions: every JSON number float64 (docs/reference/engine.md §4.4), from
 * one decoded with whole numbers as int64 (the controller's cache, the
 * condition path). Containers are copied into a, strings shared.  RN_ELIMIT
 * past the JSON depth limit. */
int eng_float_numbers(struct arena *a, struct val v, struct val *out);

/* ---- triggers (docs/reference/engine.md §3.3-§3.5) ---- */

struct eng_cond_result {
    const char *key;      /* "[i]." + base64url_nopad(sha1(when)) */
    bool triggered;       /* `when` gave boolean true */
    bool empty_when;      /* `when` is "": the event path always sends */
    const char *once_per; /* %v of oncePer (only when triggered), or "" */
    const char *const *templates;
    size_t ntemplates;
    const char *when_error; /* runtime error text, or NULL */
    const char *once_error;
};

/*
 * Run every condition of trigger t over vars (docs/reference/engine.md §3.3).
 * Condition errors never fail the run: they are reported in
 * when_error/once_error and the condition is not triggered.  Results in a.
 */
int eng_conditions_run(const struct cfg_trigger *t, struct val vars,
                       struct arena *a, struct eng_cond_result **out,
                       size_t *n);

/* Look the trigger up and run it.  RN_ENOTFOUND "trigger 'x' is not
 * configured", RN_ECONFIG for a broken trigger key. */
int eng_trigger_run(const struct cfg *c, const char *trigger, struct val vars,
                    struct arena *a, struct eng_cond_result **out, size_t *n,
                    struct rn_err *e);

/* Event path (docs/reference/engine.md §3.4): send when the condition has no
 * `when` or fired. */
bool eng_event_sends(const struct eng_cond_result *r);

/* The trigger an Event reason maps to: "on-" + kebab-case
 * (docs/reference/engine.md §3.4), e.g. RolloutStepCompleted ->
 * on-rollout-step-completed.  In a; NULL on OOM. */
const char *eng_event_trigger(struct arena *a, const char *reason, size_t n);

/* ---- notified state (docs/reference/engine.md §3.6) ---- */

struct eng_state;

/* Parse the notified annotation; absent (NULL) or invalid JSON gives an
 * empty state (*valid false for invalid).  In a. */
int eng_state_parse(struct arena *a, const char *s, size_t n,
                    struct eng_state **out, bool *valid);

/* The state key [ns:]trigger:condKey:service:recipient, prefixed with
 * oncePer when set.  ns NULL for a normal config. */
const char *eng_state_key(struct arena *a, const char *ns, const char *trigger,
                          const struct eng_cond_result *r,
                          const struct eng_dest *d);

bool eng_state_has(const struct eng_state *st, const char *key);
/* Record key at `now` (unix seconds).  Returns 1 when added, 0 when it was
 * there already (unchanged), RN_ENOMEM negated on OOM. */
int eng_state_set(struct eng_state *st, const char *key, int64_t now);
/* Remove key unless the result has a oncePer (docs/reference/engine.md §3.6.2);
 * true if removed. */
bool eng_state_unset(struct eng_state *st, const char *key,
                     const struct eng_cond_result *r);
size_t eng_state_count(const struct eng_state *st);

/* The annotation value: {key: unix} sorted, Go escaping, at most 100
 * entries (oldest dropped, ties by key).  Appends "" for an empty state
 * (the caller removes the annotation). */
int eng_state_emit(const struct eng_state *st, struct buf *out);

enum eng_cond_action {
    ENG_COND_NONE,    /* not triggered, nothing recorded */
    ENG_COND_CLEAR,   /* not triggered: the key was removed */
    ENG_COND_SEND,    /* triggered, not yet notified: send, then set */
    ENG_COND_ALREADY, /* triggered and already notified */
};

/* Condition path (docs/reference/engine.md §3.5) for one result and one
 * destination: unsets the key when not triggered; never sets it (record after a
 * successful send with eng_state_set). */
enum eng_cond_action eng_condition_step(struct eng_state *st, const char *key,
                                        const struct eng_cond_result *r);

/* ---- the notification (docs/reference/engine.md §4) ---- */

struct notif;

/* An empty notification in a. */
struct notif *eng_notif_new(struct arena *a);

/*
 * Apply one template over vars (docs/reference/engine.md §4.3): message first
 * (set only when the rendered text is non-empty), then its sections in
 * upstream's order with each field's merge rule.  On a render error returns
 * RN_EEXEC (Go's message in e); n may then be partly updated.  vars must hold
 * the template form of `time` (eng_vars_send / eng_time_var_tpl), never expr's:
 * templates call function values as template functions.
 */
int eng_notif_apply(struct notif *n, const struct cfg_template *t,
                    struct val vars, struct arena *a, struct rn_err *e);

/* Render a condition's send list in order into a new notification.
 * Unknown template: RN_ENOTFOUND "template 'x' is not supported". */
int eng_notif_render(const struct cfg *c, const char *const *templates,
                     size_t n, struct val vars, struct arena *a,
                     struct notif **out, struct rn_err *e);

/*
 * The notification as a value: {message?, <section>: ...}.  Typed
 * sections hold every field ("" / false when unset); webhook is
 * {hook: {method, body, path}}; generic sections are the rendered tree.
 * Absent sections are absent keys.
 */
struct val eng_notif_root(const struct notif *n);

/* JSON as upstream marshals it: struct field order, omitempty. */
int eng_notif_json(const struct notif *n, struct buf *out);
/* YAML with sorted keys, as the CLI's console service prints it. */
int eng_notif_yaml(const struct notif *n, struct buf *out);

/* A notification whose root is `root` (an object shaped like
 * eng_notif_root's), e.g. a template's source texts, so that
 * eng_notif_json prints it in upstream's field order.  In a. */
struct notif *eng_notif_wrap(struct arena *a, struct val root);

#endif
