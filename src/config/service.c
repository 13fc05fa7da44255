/*
 * service.c: service instances (`service.<type>[.<name>]` keys,
 * docs/reference/engine.md §1.6).
 *
 * The options are kept as a value tree (YAML 1.1, whole numbers as int64)
 * after `$secret` substitution; the services module decodes them per type.
 * Here only the type is checked against the known list, and a name defined
 * by two keys (`service.slack` and `service.webhook.slack`) is an error on
 * the later key instead of upstream's random winner.
 */
#include "config_int.h"

#include "../core/json.h"

#include <string.h>

static const char *const known_types[] = {
    "awssqs",    "email",           "slack",      "mattermost", "rocketchat",
    "grafana",   "opsgenie",        "webhook",    "telegram",   "github",
    "teams",     "teams-workflows", "googlechat", "pushover",   "alertmanager",
    "pagerduty", "pagerdutyv2",     "newrelic",   "webex",      "nats",
    "gcppubsub",
};

/* Whether type (n bytes) is a service type upstream knows
 * (docs/reference/engine.md §1.6). */
bool cfg_service_type_known(const char *type, size_t n)
{
    for (size_t i = 0; i < sizeof known_types / sizeof *known_types; i++)
        if (strlen(known_types[i]) == n && memcmp(known_types[i], type, n) == 0)
            return true;
    return false;
}

static const struct cfg_svc_slot *find_slot(const struct cfg *c,
                                            const char *name)
{
    for (size_t i = 0; i < c->nsvcs; i++)
        if (strcmp(c->svcs[i].s.name, name) == 0)
            return &c->svcs[i];
    return NULL;
}

static int build_opts(struct cfg_ctx *x, const char *type,
                      struct cfg_service *s, struct rn_err *e)
{
    struct cfg *c = x->c;
    struct val raw;
    int rc = cfg_parse_value(&c->arena, x->entry, JSON_NUM_INT64, &raw, e);
    if (rc == RN_OK && raw.kind != VAL_NULL && raw.kind != VAL_OBJECT)
        rc = rn_errf(e, RN_ECONFIG,
                     "json: cannot unmarshal %s into Go value of type "
                     "services.%sOptions",
                     cfg_dec_kind(raw), type);
    if (rc == RN_OK)
        rc = cfg_secret_substitute(&c->arena, raw, x->secret, &s->opts);
    if (rc == RN_OK)
        rc = cfg_secret_refs(&c->arena, raw, x->secret, s);
    if (rc != RN_OK && rc != RN_ENOMEM) {
        const char *p = arena_printf(&c->arena,
                                     "failed to render service "
                                     "configuration %s",
                                     type);
        rc = cfg_err_wrap(e, RN_ECONFIG, p ? p : "bad service");
    }
    return rc;
}

/* Load one service key; a duplicate name is reported on the later key
 * and the first definition is kept. */
int cfg_load_service(struct cfg_ctx *x, const char *type, const char *name,
                     struct rn_err *e)
{
    struct cfg *c = x->c;
    struct cfg_svc_slot slot = {{name, type, val_null(), NULL, 0, NULL, 0}, -1};
    const struct cfg_svc_slot *prev = find_slot(c, name);
    int rc = RN_OK;
    if (prev) {
        /* keep the first definition; the later key is the error */
        return rn_errf(e, RN_ECONFIG,
                       "service name '%s' is already defined by another "
                       "service key",
                       name);
    }
    if (!cfg_service_type_known(type, strlen(type)))
        rc = rn_errf(e, RN_ECONFIG, "service type '%s' is not supported", type);
    if (rc == RN_OK)
        rc = build_opts(x, type, &slot.s, e);
    if (rc != RN_OK)
        slot.err = (int)c->nerrs;
    int prc = cfg_vec_push(&c->arena, (void **)&c->svcs, &c->nsvcs,
                           &c->cap_svcs, sizeof slot, &slot);
    return prc != RN_OK ? prc : rc;
}

/* Find a service by name (binary search; the table is sorted at load). */
int cfg_service_lookup(const struct cfg *c, const char *name,
                       const struct cfg_service **out, struct rn_err *e)
{
    size_t lo = 0, hi = c->nsvcs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(c->svcs[mid].s.name, name);
        if (d == 0) {
            if (c->svcs[mid].err >= 0)
                return cfg_broken(c, c->svcs[mid].err, "notification service",
                                  name, e);
            *out = &c->svcs[mid].s;
            return RN_OK;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return rn_errf(e, RN_ENOTFOUND,
                   "notification service '%s' is not supported", name);
}

/* Number of service slots, broken ones included. */
size_t cfg_service_count(const struct cfg *c)
{
    return c->nsvcs;
}

/* Service i by name order, NULL when broken or past the end. */
const struct cfg_service *cfg_service_at(const struct cfg *c, size_t i)
{
    return i < c->nsvcs && c->svcs[i].err < 0 ? &c->svcs[i].s : NULL;
}
