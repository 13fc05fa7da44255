/*
 * config_int.h: shared by the config files only.  The snapshot struct, the
 * per-key loaders that configmap.c dispatches to, and the
 * docs/reference/engine.md §1.2 decoding helpers of decode.c.
 */
#ifndef RN_CONFIG_INT_H
#define RN_CONFIG_INT_H

#include "config.h"

#include "../core/arena.h"
#include "../core/err.h"

#include <stdatomic.h>

/* A named record that may be broken (err >= 0 indexes cfg.errs). */
struct cfg_tmpl_slot {
    struct cfg_template t;
    int err;
};

struct cfg_trig_slot {
    struct cfg_trigger t;
    int err;
};

struct cfg_svc_slot {
    struct cfg_service s;
    int err;
};

struct cfg_deftrig {
    const char *service; /* NULL: the global list */
    const char *const *names;
    size_t n;
};

struct cfg {
    atomic_int refs;
    struct arena arena;
    struct tpl_funcs *funcs;
    const char *ns;
    bool self_service;
    bool check_only; /* cfg_opts.check_only: templates are not kept */
    struct cfg_tmpl_slot *tmpls; /* sorted by name */
    size_t ntmpls;
    struct cfg_trig_slot *trigs; /* sorted by name */
    size_t ntrigs;
    struct cfg_svc_slot *svcs; /* sorted by name */
    size_t nsvcs;
    struct cfg_subscription *subs;
    size_t nsubs;
    struct cfg_deftrig *deftrigs; /* sorted by service, global first */
    size_t ndeftrigs;
    struct val secrets;
    struct cfg_error *errs; /* sorted by key */
    size_t nerrs;
    struct cfg_error *warns; /* load-time checks (check.c) */
    size_t nwarns;
    size_t cap_tmpls, cap_trigs, cap_svcs, cap_subs, cap_deftrigs, cap_errs;
    size_t cap_warns;
};

/* Per-key loading context (configmap.c). */
struct cfg_ctx {
    struct cfg *c;
    const struct cfg_data *secret;
    const struct cfg_entry *entry; /* the key being loaded */
};

/* ---- growable arrays in an arena ---- */
int cfg_vec_push(struct arena *a, void **items, size_t *n, size_t *cap,
                 size_t size, const void *item);

/* ---- per-key loaders: record the item or return an error in e ---- */
int cfg_load_template(struct cfg_ctx *x, const char *name, struct rn_err *e);
int cfg_load_trigger(struct cfg_ctx *x, const char *name, struct rn_err *e);
int cfg_load_service(struct cfg_ctx *x, const char *type, const char *name,
                     struct rn_err *e);
int cfg_load_subscriptions(struct cfg_ctx *x, struct rn_err *e);
int cfg_load_deftriggers(struct cfg_ctx *x, const char *service,
                         struct rn_err *e);
int cfg_build_secrets(struct cfg *c, const struct cfg_data *secret);
/* Cross-key checks after loading (check.c). */
int cfg_check(struct cfg *c);

/* Release what the snapshot's records own (templates, expr programs). */
void cfg_release_templates(struct cfg *c);
void cfg_release_triggers(struct cfg *c);

/* Standard base64 (padding optional, whitespace not allowed) into a;
 * RN_EINVAL on bad input. */
int cfg_b64_decode(struct arena *a, const char *s, size_t n, char **out,
                   size_t *len);

/* ---- decode.c: helpers every key loader shares ---- */

/* Prefix e's message with "<prefix>: " (code becomes `code`); returns
 * code.  NULL e is fine. */
int cfg_err_wrap(struct rn_err *e, int code, const char *prefix);

/* "not usable" message for a broken record. */
int cfg_broken(const struct cfg *c, int err, const char *what, const char *name,
               struct rn_err *e);

/* Parse a value with the docs/reference/engine.md §1.2 rules (YAML 1.1, first
 * document). */
int cfg_parse_value(struct arena *a, const struct cfg_entry *en, int nums,
                    struct val *out, struct rn_err *e);

/* ---- decode.c: YAML -> JSON -> Go struct rules (docs/reference/engine.md
 * §1.2) ---- */

/* A string field: strings as is, YAML ints/floats/bools as their text,
 * null (or absent: pass NULL) as "".  Maps and lists are errors naming
 * `what` ("Condition.when"). */
int cfg_dec_str(struct arena *a, const struct val *v, const char *what,
                const char **out, size_t *len, struct rn_err *e);
/* A []string field: null/absent = empty; elements coerced as above. */
int cfg_dec_strlist(struct arena *a, const struct val *v, const char *what,
                    const char *const **out, size_t *n, struct rn_err *e);
/* A bool field: null/absent = false; anything but a bool is an error. */
int cfg_dec_bool(const struct val *v, const char *what, bool *out,
                 struct rn_err *e);
/* A struct: null/absent is fine (returns false in *present), an object is
 * present, anything else is an error. */
int cfg_dec_struct(const struct val *v, const char *what, bool *present,
                   struct rn_err *e);
/* The JSON kind name Go's errors use: object, array, string, number,
 * bool. */
const char *cfg_dec_kind(struct val v);

#endif
