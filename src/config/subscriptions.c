/*
 * subscriptions.c: default subscriptions and default triggers
 * (docs/reference/engine.md §1.7, docs/reference/engine.md §2.5, §2.6).
 *
 * `subscriptions` is a list of {recipients, triggers, selector}; the
 * selector is a label-selector string as upstream has it, or (an rnotify
 * extension) a LabelSelector map.  `defaultTriggers` and
 * `defaultTriggers.<service>` are lists of trigger names.  A broken
 * `defaultTriggers*` key is kept as an empty list, so a typo silences its
 * subscriptions instead of widening them to other defaults.
 */
#include "config_int.h"

#include "../core/json.h"

#include <string.h>

static int selector_of(struct arena *a, const struct val *v,
                       const struct cfg_selector **out, struct rn_err *e)
{
    struct cfg_selector *s = NULL;
    int rc = RN_OK;
    *out = NULL;
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind == VAL_OBJECT) {
        rc = cfg_selector_from_val(a, *v, &s, e);
    } else {
        const char *text;
        size_t len;
        rc = cfg_dec_str(a, v, "rawSubscription.selector", &text, &len, e);
        if (rc == RN_OK)
            rc = cfg_selector_parse(a, text, len, &s, e);
    }
    *out = s;
    return rc;
}

/* subscription -> null | {recipients: [s], triggers: [s], selector} */
static int decode_sub(struct arena *a, struct val v, struct cfg_subscription *s,
                      struct rn_err *e)
{
    bool present;
    memset(s, 0, sizeof *s);
    int rc = cfg_dec_struct(&v, "rawSubscription", &present, e);
    if (rc == RN_OK)
        rc = cfg_dec_strlist(a, cfg_dec_field(v, "recipients"),
                             "rawSubscription.recipients", &s->recipients,
                             &s->nrecipients, e);
    if (rc == RN_OK)
        rc = cfg_dec_strlist(a, cfg_dec_field(v, "triggers"),
                             "rawSubscription.triggers", &s->triggers,
                             &s->ntriggers, e);
    if (rc == RN_OK)
        rc = selector_of(a, cfg_dec_field(v, "selector"), &s->selector, e);
    return rc;
}

/* Load `subscriptions`; on error no default subscription is kept. */
int cfg_load_subscriptions(struct cfg_ctx *x, struct rn_err *e)
{
    struct cfg *c = x->c;
    struct val root;
    int rc = cfg_parse_value(&c->arena, x->entry, JSON_NUM_FLOAT64, &root, e);
    if (rc != RN_OK)
        return rc;
    if (root.kind == VAL_NULL)
        return RN_OK;
    if (root.kind != VAL_ARRAY)
        return rn_errf(e, RN_ECONFIG,
                       "json: cannot unmarshal %s into Go value of type "
                       "subscriptions.DefaultSubscriptions",
                       cfg_dec_kind(root));
    size_t n = val_list_len(root);
    struct cfg_subscription *subs =
        arena_zalloc(&c->arena, (n ? n : 1) * sizeof *subs);
    if (!subs)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rc = decode_sub(&c->arena, val_list_at(root, i), &subs[i], e);
        if (rc != RN_OK)
            return rc;
    }
    c->subs = subs;
    c->nsubs = n;
    return RN_OK;
}

/* Load `defaultTriggers` (service NULL) or `defaultTriggers.<service>`;
 * a broken list is kept empty. */
int cfg_load_deftriggers(struct cfg_ctx *x, const char *service,
                         struct rn_err *e)
{
    struct cfg *c = x->c;
    struct cfg_deftrig d = {service, NULL, 0};
    struct val root;
    int rc = cfg_parse_value(&c->arena, x->entry, JSON_NUM_FLOAT64, &root, e);
    if (rc == RN_OK)
        rc = cfg_dec_strlist(&c->arena, &root, "[]string", &d.names, &d.n, e);
    if (rc != RN_OK && rc != RN_ENOMEM) {
        const char *p =
            arena_printf(&c->arena, "failed to unmarshal default trigger %s",
                         service ? service : "");
        rc = cfg_err_wrap(e, RN_ECONFIG, p ? p : "bad default triggers");
        d.names = NULL;
        d.n = 0;
    }
    int prc = cfg_vec_push(&c->arena, (void **)&c->deftrigs, &c->ndeftrigs,
                           &c->cap_deftrigs, sizeof d, &d);
    return prc != RN_OK ? prc : rc;
}

/* Number of default subscriptions. */
size_t cfg_subscription_count(const struct cfg *c)
{
    return c->nsubs;
}

/* Subscription i in config order, or NULL. */
const struct cfg_subscription *cfg_subscription_at(const struct cfg *c,
                                                   size_t i)
{
    return i < c->nsubs ? &c->subs[i] : NULL;
}

/* Find a default-trigger list; false when its key does not exist. */
bool cfg_default_triggers(const struct cfg *c, const char *service,
                          const char *const **list, size_t *n)
{
    *list = NULL;
    *n = 0;
    for (size_t i = 0; i < c->ndeftrigs; i++) {
        const struct cfg_deftrig *d = &c->deftrigs[i];
        bool same = service ? d->service && strcmp(d->service, service) == 0
                            : d->service == NULL;
        if (same) {
            *list = d->names;
            *n = d->n;
            return true;
        }
    }
    return false;
}
