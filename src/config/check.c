/*
 * check.c: cross-key checks of a loaded snapshot (docs/reference/engine.md
 * §9.13).
 *
 * Upstream finds a missing template or service only when a notification is
 * due, and says nothing about default triggers that do not exist.  These
 * checks run once at load and produce warnings: nothing is disabled (the
 * key may be added later, and a destination naming an unknown service
 * still fails at send time as upstream's does), but `rnotify check` and
 * the controller can say what will not work.
 */
#include "config_int.h"

#include <string.h>

static int warn(struct cfg *c, const char *key, const char *msg)
{
    struct cfg_error w = {key, RN_ECONFIG, 0, 0, 0, msg};
    if (!msg)
        return RN_ENOMEM;
    return cfg_vec_push(&c->arena, (void **)&c->warns, &c->nwarns,
                        &c->cap_warns, sizeof w, &w);
}

static int check_sends(struct cfg *c)
{
    for (size_t i = 0; i < c->ntrigs; i++) {
        const struct cfg_trigger *t = &c->trigs[i].t;
        const char *key = arena_printf(&c->arena, "trigger.%s", t->name);
        for (size_t k = 0; key && k < t->n; k++) {
            for (size_t j = 0; j < t->conds[k].nsend; j++) {
                const char *name = t->conds[k].send[j];
                const struct cfg_template *tp;
                int rc = cfg_template_lookup(c, name, &tp, NULL);
                if (rc == RN_OK)
                    continue;
                rc = warn(c, key,
                          arena_printf(&c->arena,
                                       "condition [%zu] sends template "
                                       "'%s', which %s",
                                       k, name,
                                       rc == RN_ENOTFOUND ? "is not defined"
                                                          : "has errors"));
                if (rc != RN_OK)
                    return rc;
            }
        }
        if (!key)
            return RN_ENOMEM;
    }
    return RN_OK;
}

static int check_triggers(struct cfg *c, const char *key,
                          const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct cfg_trigger *t;
        if (cfg_trigger_lookup(c, names[i], &t, NULL) != RN_ENOTFOUND)
            continue;
        int rc = warn(
            c, key,
            arena_printf(&c->arena, "trigger '%s' is not defined", names[i]));
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

static bool service_known(const struct cfg *c, const char *name, size_t n)
{
    for (size_t i = 0; i < c->nsvcs; i++)
        if (strlen(c->svcs[i].s.name) == n &&
            memcmp(c->svcs[i].s.name, name, n) == 0)
            return true;
    return false;
}

static int check_recipients(struct cfg *c, const struct cfg_subscription *s)
{
    for (size_t i = 0; i < s->nrecipients; i++) {
        const char *r = s->recipients[i];
        const char *colon = strchr(r, ':');
        size_t n = colon ? (size_t)(colon - r) : strlen(r);
        int rc = RN_OK;
        if (colon && strchr(colon + 1, ':'))
            rc = warn(c, "subscriptions",
                      arena_printf(&c->arena,
                                   "recipient '%s' has more than one ':'; "
                                   "rnotify splits at the first, upstream "
                                   "keeps only the text up to the second",
                                   r));
        if (rc == RN_OK && !service_known(c, r, n))
            rc = warn(c, "subscriptions",
                      arena_printf(&c->arena,
                                   "recipient '%s' names service '%.*s', "
                                   "which is not configured",
                                   r, (int)n, r));
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

static int check_defaults(struct cfg *c)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < c->nsubs; i++) {
        rc = check_triggers(c, "subscriptions", c->subs[i].triggers,
                            c->subs[i].ntriggers);
        if (rc == RN_OK)
            rc = check_recipients(c, &c->subs[i]);
    }
    for (size_t i = 0; rc == RN_OK && i < c->ndeftrigs; i++) {
        const struct cfg_deftrig *d = &c->deftrigs[i];
        const char *key =
            d->service
                ? arena_printf(&c->arena, "defaultTriggers.%s", d->service)
                : "defaultTriggers";
        if (!key)
            return RN_ENOMEM;
        rc = check_triggers(c, key, d->names, d->n);
        if (rc == RN_OK && d->service &&
            !service_known(c, d->service, strlen(d->service)))
            rc = warn(c, key,
                      arena_printf(&c->arena, "service '%s' is not configured",
                                   d->service));
    }
    return rc;
}

/* Run the cross-key checks once loading is done; only RN_ENOMEM fails. */
int cfg_check(struct cfg *c)
{
    int rc = check_sends(c);
    if (rc == RN_OK)
        rc = check_defaults(c);
    return rc;
}

/* Number of warnings of c (a snapshot owns its warnings). */
size_t cfg_warning_count(const struct cfg *c)
{
    return c->nwarns;
}

/* Warning i, or NULL past the end; valid while c is referenced. */
const struct cfg_error *cfg_warning_at(const struct cfg *c, size_t i)
{
    return i < c->nwarns ? &c->warns[i] : NULL;
}
