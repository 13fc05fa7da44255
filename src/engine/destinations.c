/*
 * destinations.c: who gets which trigger for an object
 * (docs/reference/engine.md §2).
 *
 * Destinations come from the config's default subscriptions (label
 * selectors over the object's labels) followed by the object's own
 * annotations: `notifications.argoproj.io/subscribe.<trigger>.<service>:
 * r1;r2` and the YAML list in `notifications.argoproj.io/subscriptions*`.
 * A subscription without a trigger takes `defaultTriggers.<service>` when
 * that key exists, else `defaultTriggers`.  Annotations are visited in
 * sorted key order (upstream's map order is random) and annotations that
 * are not subscriptions are ignored (upstream re-emits stale recipients
 * for them, docs/reference/engine.md §2.4).
 */
#include "engine_int.h"

#include "../core/goyaml.h"
#include "../core/json.h"
#include "../core/utf8.h"

#include <string.h>

#define SUBSCRIBE_PREFIX ENG_ANNOTATION_PREFIX "/subscribe."
#define SUBSCRIPTIONS_PREFIX ENG_ANNOTATION_PREFIX "/subscriptions"

/* The list of one trigger, or NULL (linear: a handful of triggers). */
const struct eng_trigger_dests *eng_dests_find(const struct eng_dests *d,
                                               const char *trigger)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->items[i].trigger, trigger) == 0)
            return &d->items[i];
    return NULL;
}

static int grow(struct arena *a, void **items, size_t n, size_t *cap,
                size_t size)
{
    if (n < *cap)
        return RN_OK;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = *items ? arena_grow(a, *items, *cap * size, ncap * size)
                     : arena_alloc(a, ncap * size);
    if (!p)
        return RN_ENOMEM;
    *items = p;
    *cap = ncap;
    return RN_OK;
}

static bool has_dest(const struct eng_trigger_dests *t,
                     const struct eng_dest *d)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->dests[i].service, d->service) == 0 &&
            strcmp(t->dests[i].recipient, d->recipient) == 0)
            return true;
    return false;
}

/* Append to a trigger's list, creating it; arrays grow in a. */
int eng_dests_add(struct arena *a, struct eng_dests *d, const char *trigger,
                  const struct eng_dest *dest, unsigned flags)
{
    struct eng_trigger_dests *t =
        (struct eng_trigger_dests *)eng_dests_find(d, trigger);
    if (!t) {
        int rc = grow(a, (void **)&d->items, d->n, &d->cap, sizeof *t);
        if (rc != RN_OK)
            return rc;
        t = &d->items[d->n++];
        memset(t, 0, sizeof *t);
        t->trigger = trigger;
    }
    if ((flags & ENG_DEST_DEDUP) && has_dest(t, dest))
        return RN_OK;
    int rc = grow(a, (void **)&t->dests, t->n, &t->cap, sizeof *dest);
    if (rc == RN_OK)
        t->dests[t->n++] = *dest;
    return rc;
}

/* Split "service:recipient" (engine.h); pieces are copied into a or
 * point into s. */
bool eng_parse_recipient(struct arena *a, const char *s, unsigned flags,
                         struct eng_dest *out)
{
    const char *colon = strchr(s, ':');
    const char *second = colon ? strchr(colon + 1, ':') : NULL;
    out->service = colon ? arena_strndup(a, s, (size_t)(colon - s)) : s;
    out->recipient = "";
    out->origin = NULL;
    if (colon && (flags & ENG_DEST_COLON_EVERY) && second)
        out->recipient =
            arena_strndup(a, colon + 1, (size_t)(second - colon - 1));
    else if (colon)
        out->recipient = colon + 1;
    if (!out->service || !out->recipient) {
        out->service = out->recipient = "";
    }
    return second != NULL;
}

/* docs/reference/engine.md §2.5: each subscription whose selector matches, per
 * trigger and recipient. */
static int from_defaults(const struct cfg *c, struct val labels, unsigned flags,
                         struct arena *a, struct eng_dests *out)
{
    const char *const *defs;
    size_t ndefs;
    cfg_default_triggers(c, NULL, &defs, &ndefs);
    for (size_t i = 0; i < cfg_subscription_count(c); i++) {
        const struct cfg_subscription *s = cfg_subscription_at(c, i);
        const char *const *trigs = s->ntriggers ? s->triggers : defs;
        size_t ntrigs = s->ntriggers ? s->ntriggers : ndefs;
        const char *origin = NULL;
        if (!cfg_selector_matches(s->selector, labels))
            continue;
        if (flags & ENG_DEST_ORIGIN) {
            origin = arena_printf(a, "subscriptions[%zu]%s", i,
                                  s->ntriggers ? "" : " + defaultTriggers");
            if (!origin)
                return RN_ENOMEM;
        }
        for (size_t t = 0; t < ntrigs; t++) {
            for (size_t r = 0; r < s->nrecipients; r++) {
                struct eng_dest d;
                eng_parse_recipient(a, s->recipients[r], flags, &d);
                d.origin = origin;
                int rc = eng_dests_add(a, out, trigs[t], &d, flags);
                if (rc != RN_OK)
                    return rc;
            }
        }
    }
    return RN_OK;
}

/* With ENG_DEST_ORIGIN: the origin of a subscription that takes default
 * triggers names the list it took. */
static const char *default_origin(struct arena *a, const char *origin,
                                  const char *service, bool per_service)
{
    if (!origin)
        return NULL;
    if (per_service)
        return arena_printf(a, "%s + defaultTriggers.%s", origin, service);
    return arena_printf(a, "%s + defaultTriggers", origin);
}

/* One subscription (proto: service and origin): trigger "" takes the
 * default triggers (docs/reference/engine.md §2.6). */
static int subscribe(const struct cfg *c, const char *trigger,
                     const struct eng_dest *proto, const char *const *recips,
                     size_t nrecips, unsigned flags, struct arena *a,
                     struct eng_dests *out)
{
    const char *const *trigs = &trigger;
    const char *service = proto->service, *origin = proto->origin;
    size_t ntrigs = 1;
    if (!trigger[0]) {
        bool own = cfg_default_triggers(c, service, &trigs, &ntrigs);
        if (!own)
            cfg_default_triggers(c, NULL, &trigs, &ntrigs);
        origin = default_origin(a, origin, service, own);
        if (proto->origin && !origin)
            return RN_ENOMEM;
    }
    for (size_t r = 0; r < nrecips; r++) {
        struct eng_dest d = {service, recips[r], origin};
        for (size_t t = 0; t < ntrigs; t++) {
            int rc = eng_dests_add(a, out, trigs[t], &d, flags);
            if (rc != RN_OK)
                return rc;
        }
    }
    return RN_OK;
}

/* unicode.IsSpace, as strings.TrimSpace uses it */
static bool uspace(uint32_t r)
{
    return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0 ||
           r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 ||
           r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000;
}

/* Width of the space rune starting at b (0 when none). */
static size_t space_at(const char *b, const char *e)
{
    uint32_t r;
    size_t w = utf8_decode(b, (size_t)(e - b), &r);
    return uspace(r) ? w : 0;
}

/* Width of the space rune ending at e (0 when none). */
static size_t space_before(const char *b, const char *e)
{
    const char *p = e - 1;
    uint32_t r;
    while (p > b && e - p < 4 && ((unsigned char)*p & 0xc0) == 0x80)
        p--;
    size_t w = utf8_decode(p, (size_t)(e - p), &r);
    return w == (size_t)(e - p) && uspace(r) ? w : 0;
}

static const char *skip_spaces(const char *b, const char *e)
{
    while (b < e) {
        size_t w = space_at(b, e);
        if (!w)
            break;
        b += w;
    }
    return b;
}

static const char *drop_spaces(const char *b, const char *e)
{
    while (e > b) {
        size_t w = space_before(b, e);
        if (!w)
            break;
        e -= w;
    }
    return e;
}

/* "a; b;;" -> a, b; "" -> one empty recipient (docs/reference/engine.md §2.2)
 */
static int split_recipients(struct arena *a, struct val v, const char ***out,
                            size_t *n)
{
    const char *s = v.u.s, *end = s + v.len;
    size_t cap = v.len / 2 + 2, k = 0;
    const char **r = arena_alloc(a, cap * sizeof *r);
    if (!r)
        return RN_ENOMEM;
    if (v.len == 0)
        r[k++] = "";
    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *stop = semi ? semi : end, *b = s, *e = stop;
        b = skip_spaces(b, e);
        e = drop_spaces(b, e);
        if (e > b) {
            r[k] = arena_strndup(a, b, (size_t)(e - b));
            if (!r[k++])
                return RN_ENOMEM;
        }
        s = semi ? semi + 1 : end;
    }
    *out = r;
    *n = k;
    return RN_OK;
}

/* With ENG_DEST_ORIGIN: "annotation <key>". */
static int annotation_origin(struct arena *a, const char *key, unsigned flags,
                             struct eng_dest *proto)
{
    proto->origin = NULL;
    if (!(flags & ENG_DEST_ORIGIN))
        return RN_OK;
    proto->origin = arena_printf(a, "annotation %s", key);
    return proto->origin ? RN_OK : RN_ENOMEM;
}

/* subscribe.<trigger>.<service> | subscribe.<service> */
static int from_subscribe(const struct cfg *c, const char *key, struct val v,
                          unsigned flags, struct arena *a,
                          struct eng_dests *out)
{
    const char *rest = key + strlen(SUBSCRIBE_PREFIX);
    const char *dot = strchr(rest, '.');
    const char *trigger = "", *service = rest;
    const char **recips;
    struct eng_dest proto;
    size_t n;
    if (dot) {
        const char *end = strchr(dot + 1, '.');
        trigger = arena_strndup(a, rest, (size_t)(dot - rest));
        service =
            end ? arena_strndup(a, dot + 1, (size_t)(end - dot - 1)) : dot + 1;
        if (!trigger || !service)
            return RN_ENOMEM;
    }
    int rc = split_recipients(a, v, &recips, &n);
    if (rc == RN_OK)
        rc = annotation_origin(a, key, flags, &proto);
    proto.service = service;
    if (rc == RN_OK)
        rc = subscribe(c, trigger, &proto, recips, n, flags, a, out);
    return rc;
}

/* one YAML entry: {trigger: [t], destinations: [{service, recipients}]} */
static int yaml_entry(const struct cfg *c, struct val entry, const char *origin,
                      unsigned flags, struct arena *a, struct eng_dests *out)
{
    const struct val *tv = cfg_dec_field(entry, "trigger");
    const struct val *dv = cfg_dec_field(entry, "destinations");
    size_t nt = tv && tv->kind == VAL_ARRAY ? val_list_len(*tv) : 0;
    size_t nd = dv && dv->kind == VAL_ARRAY ? val_list_len(*dv) : 0;
    int rc = RN_OK;
    for (size_t t = 0; rc == RN_OK && t < (nt ? nt : 1) && nd; t++) {
        struct val tn = nt ? val_list_at(*tv, t) : val_str("", 0);
        for (size_t d = 0; rc == RN_OK && d < nd; d++) {
            struct val dst = val_list_at(*dv, d);
            const struct val *sv = cfg_dec_field(dst, "service");
            const struct val *rv = cfg_dec_field(dst, "recipients");
            size_t nr = rv && rv->kind == VAL_ARRAY ? val_list_len(*rv) : 0;
            const char **recips =
                arena_alloc(a, (nr ? nr : 1) * sizeof(char *));
            if (!recips)
                return RN_ENOMEM;
            for (size_t r = 0; r < nr; r++)
                recips[r] = val_list_at(*rv, r).u.s;
            /* a missing service is "" as upstream has it: the send
             * fails later with "notification service '' ..." */
            bool named = sv && sv->kind == VAL_STRING;
            struct eng_dest proto = {named ? sv->u.s : "", "", origin};
            if (named || !sv || sv->kind == VAL_NULL)
                rc = subscribe(c, tn.u.s, &proto, recips, nr, flags, a, out);
        }
    }
    return rc;
}

/* Whether the entry decodes as upstream's Subscription struct. */
static bool valid_entry(struct val e)
{
    const struct val *tv = cfg_dec_field(e, "trigger");
    const struct val *dv = cfg_dec_field(e, "destinations");
    for (size_t i = 0; tv && tv->kind == VAL_ARRAY && i < val_list_len(*tv);
         i++)
        if (val_list_at(*tv, i).kind != VAL_STRING)
            return false;
    for (size_t i = 0; dv && dv->kind == VAL_ARRAY && i < val_list_len(*dv);
         i++) {
        const struct val *rv = cfg_dec_field(val_list_at(*dv, i), "recipients");
        for (size_t r = 0; rv && rv->kind == VAL_ARRAY && r < val_list_len(*rv);
             r++)
            if (val_list_at(*rv, r).kind != VAL_STRING)
                return false;
    }
    if (e.kind != VAL_OBJECT && e.kind != VAL_NULL)
        return false;
    return (!tv || tv->kind == VAL_ARRAY || tv->kind == VAL_NULL) &&
           (!dv || dv->kind == VAL_ARRAY || dv->kind == VAL_NULL);
}

static int from_yaml(const struct cfg *c, const char *key, struct val v,
                     unsigned flags, struct arena *a, struct eng_dests *out)
{
    struct val root;
    struct rn_err e;
    struct eng_dest proto;
    struct goyaml_opts yo = {JSON_NUM_FLOAT64, 0, SUBSCRIPTIONS_PREFIX};
    if (v.len == 0 || goyaml_parse(a, v.u.s, v.len, &yo, &root, &e) != RN_OK)
        return RN_OK; /* logged by the caller upstream; contributes nothing */
    if (root.kind != VAL_ARRAY)
        return RN_OK;
    for (size_t i = 0; i < val_list_len(root); i++)
        if (!valid_entry(val_list_at(root, i)))
            return RN_OK; /* a decode error drops the whole annotation */
    if (annotation_origin(a, key, flags, &proto) != RN_OK)
        return RN_ENOMEM;
    for (size_t i = 0; i < val_list_len(root); i++) {
        int rc =
            yaml_entry(c, val_list_at(root, i), proto.origin, flags, a, out);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

/* Assemble an object's destinations (engine.h); everything in a.
 * Only RN_ENOMEM fails; bad annotations contribute nothing. */
int eng_destinations(const struct cfg *c, struct val obj, unsigned flags,
                     struct arena *a, struct eng_dests *out)
{
    const struct val *meta = val_get_cstr(obj, "metadata");
    const struct val *labels = meta ? val_get_cstr(*meta, "labels") : NULL;
    const struct val *ann = meta ? val_get_cstr(*meta, "annotations") : NULL;
    memset(out, 0, sizeof *out);
    int rc = from_defaults(c, labels ? *labels : val_null(), flags, a, out);
    for (size_t i = 0; rc == RN_OK && ann && i < val_obj_len(*ann); i++) {
        const struct val_kv *kv = val_obj_at(*ann, i);
        const char *k = kv->key.u.s;
        if (kv->v.kind != VAL_STRING)
            continue;
        if (strncmp(k, SUBSCRIBE_PREFIX, strlen(SUBSCRIBE_PREFIX)) == 0)
            rc = from_subscribe(c, k, kv->v, flags, a, out);
        else if (strncmp(k, SUBSCRIPTIONS_PREFIX,
                         strlen(SUBSCRIPTIONS_PREFIX)) == 0)
            rc = from_yaml(c, k, kv->v, flags, a, out);
    }
    return rc;
}
