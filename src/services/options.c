/*
 * options.c: service options from the configured value tree
 * (docs/services/README.md, options).
 *
 * Each service type describes its options struct with a table of
 * (key, kind, offset) rows; one decoder fills any of them with the rules
 * upstream gets from sigs.k8s.io/yaml and encoding/json: keys match
 * case-insensitively (exact first), unknown keys are ignored (reported by
 * svc_check_config for `rnotify check`), a string field takes YAML
 * numbers and bools as their text, every other mismatch is an error.
 * Option values marked secret go into the instance's mask (core/mask.h)
 * so that no message of this module ever shows them (svc_scrub).
 */
#include "svc_int.h"

#include "../config/config.h"
#include "../core/alloc.h"
#include "../core/gotime.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../core/mask.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The shared transport keys of docs/services/README.md, options: type-checked,
 * not used. */
struct transport_opts {
    int64_t max_idle, max_idle_host, max_conns;
    const char *idle_timeout;
};

static const struct svc_opt transport_opts[] = {
    {"maxIdleConns", SVC_O_INT, 0, offsetof(struct transport_opts, max_idle)},
    {"maxIdleConnsPerHost", SVC_O_INT, 0,
     offsetof(struct transport_opts, max_idle_host)},
    {"maxConnsPerHost", SVC_O_INT, 0,
     offsetof(struct transport_opts, max_conns)},
    {"idleConnTimeout", SVC_O_STR, 0,
     offsetof(struct transport_opts, idle_timeout)},
};

static const char *go_type(uint8_t kind)
{
    static const char *const names[] = {
        [SVC_O_STR] = "string",
        [SVC_O_BOOL] = "bool",
        [SVC_O_INT] = "int",
        [SVC_O_DURATION] = "time.Duration",
        [SVC_O_STRLIST] = "[]string",
        [SVC_O_STRMAP] = "map[string]string",
        [SVC_O_HEADERS] = "[]services.Header",
        [SVC_O_BASIC] = "services.BasicAuth",
        [SVC_O_IGNORED] = "interface {}",
    };
    return names[kind];
}

struct dec {
    struct arena *a;
    const char *type; /* service type, for messages */
    const char *key;
    struct rn_err *e;
};

static int mismatch(struct dec *d, struct val v, uint8_t kind)
{
    return rn_errf(d->e, RN_ECONFIG,
                   "json: cannot unmarshal %s into Go struct field "
                   "%sOptions.%s of type %s",
                   cfg_dec_kind(v), d->type, d->key, go_type(kind));
}

/* A string target: strings, and scalars as their YAML text. */
static int dec_str(struct dec *d, struct val v, const char **out)
{
    switch (v.kind) {
    case VAL_NULL:
        *out = "";
        return RN_OK;
    case VAL_STRING:
        *out = v.u.s;
        return RN_OK;
    case VAL_BOOL:
        *out = v.u.b ? "true" : "false";
        return RN_OK;
    case VAL_INT:
        *out = arena_printf(d->a, "%" PRId64, v.u.i);
        return *out ? RN_OK : RN_ENOMEM;
    case VAL_FLOAT:
        *out = arena_printf(d->a, "%g", v.u.f);
        return *out ? RN_OK : RN_ENOMEM;
    default:
        return mismatch(d, v, SVC_O_STR);
    }
}

static int dec_duration(struct dec *d, struct val v, int64_t *out)
{
    if (v.kind == VAL_NULL)
        return RN_OK;
    if (v.kind == VAL_INT) {
        *out = v.u.i;
        return RN_OK;
    }
    if (v.kind != VAL_STRING)
        return mismatch(d, v, SVC_O_DURATION);
    /* not upstream: the docs advertise "1s", so accept Go durations */
    int rc = gotime_parse_duration(v.u.s, v.len, out, d->e);
    if (rc != RN_OK)
        rc = rn_errf(d->e, RN_ECONFIG, "%sOptions.%s: %s", d->type, d->key,
                     d->e ? d->e->msg : "invalid duration");
    return rc;
}

/* Lists and maps of strings; HEADERS: [{name, value}]. */
static int dec_map(struct dec *d, struct val v, uint8_t kind,
                   struct svc_strmap *m)
{
    bool list = kind != SVC_O_STRMAP;
    memset(m, 0, sizeof *m);
    if (v.kind == VAL_NULL)
        return RN_OK;
    if (v.kind != (list ? VAL_ARRAY : VAL_OBJECT))
        return mismatch(d, v, kind);
    size_t n = list ? val_list_len(v) : val_obj_len(v);
    m->vals = arena_zalloc(d->a, (n + 1) * sizeof *m->vals);
    m->keys = arena_zalloc(d->a, (n + 1) * sizeof *m->keys);
    if (!m->vals || !m->keys)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct val item = list ? val_list_at(v, i) : val_obj_at(v, i)->v;
        int rc = RN_OK;
        if (kind == SVC_O_HEADERS) {
            if (item.kind != VAL_OBJECT && item.kind != VAL_NULL)
                return mismatch(d, item, kind);
            const struct val *nm = cfg_dec_field(item, "name");
            const struct val *vl = cfg_dec_field(item, "value");
            rc = dec_str(d, nm ? *nm : val_null(), &m->keys[i]);
            if (rc == RN_OK)
                rc = dec_str(d, vl ? *vl : val_null(), &m->vals[i]);
        } else {
            if (!list)
                m->keys[i] = val_obj_at(v, i)->key.u.s;
            rc = dec_str(d, item, &m->vals[i]);
        }
        if (rc != RN_OK)
            return rc;
    }
    m->n = n;
    if (kind == SVC_O_STRLIST)
        m->keys = NULL;
    return RN_OK;
}

static int dec_basic(struct dec *d, struct val v, struct svc_basic *b)
{
    memset(b, 0, sizeof *b);
    b->username = b->password = "";
    if (v.kind == VAL_NULL)
        return RN_OK;
    if (v.kind != VAL_OBJECT)
        return mismatch(d, v, SVC_O_BASIC);
    const struct val *u = cfg_dec_field(v, "username");
    const struct val *p = cfg_dec_field(v, "password");
    int rc = dec_str(d, u ? *u : val_null(), &b->username);
    if (rc == RN_OK)
        rc = dec_str(d, p ? *p : val_null(), &b->password);
    b->set = rc == RN_OK;
    return rc;
}

static int dec_one(struct dec *d, const struct svc_opt *o, struct val v,
                   char *base)
{
    void *dst = base + o->off;
    switch (o->kind) {
    case SVC_O_STR:
        return dec_str(d, v, (const char **)dst);
    case SVC_O_BOOL:
        if (v.kind != VAL_BOOL && v.kind != VAL_NULL)
            return mismatch(d, v, o->kind);
        *(bool *)dst = v.kind == VAL_BOOL && v.u.b;
        return RN_OK;
    case SVC_O_INT:
        if (v.kind != VAL_INT && v.kind != VAL_NULL)
            return mismatch(d, v, o->kind);
        *(int64_t *)dst = v.kind == VAL_INT ? v.u.i : 0;
        return RN_OK;
    case SVC_O_DURATION:
        return dec_duration(d, v, (int64_t *)dst);
    case SVC_O_STRLIST:
    case SVC_O_STRMAP:
    case SVC_O_HEADERS:
        return dec_map(d, v, o->kind, (struct svc_strmap *)dst);
    case SVC_O_BASIC:
        return dec_basic(d, v, (struct svc_basic *)dst);
    default:
        return RN_OK;
    }
}

/* Decode every row of tbl from opts into base (zeroed; strings ""). */
static int dec_table(struct dec *d, const struct svc_opt *tbl, size_t n,
                     struct val opts, char *base)
{
    for (size_t i = 0; i < n; i++) {
        const struct svc_opt *o = &tbl[i];
        if (o->kind == SVC_O_STR)
            *(const char **)(base + o->off) = "";
        if (o->kind == SVC_O_BASIC)
            dec_basic(d, val_null(), (struct svc_basic *)(base + o->off));
        const struct val *v = cfg_dec_field(opts, o->name);
        if (!v)
            continue;
        d->key = o->name;
        int rc = dec_one(d, o, *v, base);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

/* A secret option value: the instance's mask gets it and its forms. */
static int add_secret(struct svc_instance *s, const char *v)
{
    return v ? mask_add(s->mask, v, strlen(v)) : RN_OK;
}

static int collect_secrets(struct svc_instance *s)
{
    const struct svc_type *t = s->t;
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < t->nopts; i++) {
        const struct svc_opt *o = &t->opts[i];
        const char *base = (const char *)s->opts + o->off;
        if (!(o->flags & SVC_OF_SECRET))
            continue;
        if (o->kind == SVC_O_STR) {
            rc = add_secret(s, *(const char *const *)base);
        } else if (o->kind == SVC_O_BASIC) {
            const struct svc_basic *b = (const void *)base;
            rc = add_secret(s, b->username);
            if (rc == RN_OK)
                rc = add_secret(s, b->password);
        } else if (o->kind != SVC_O_BOOL && o->kind != SVC_O_INT &&
                   o->kind != SVC_O_DURATION) {
            const struct svc_strmap *m = (const void *)base;
            for (size_t k = 0; rc == RN_OK && k < m->n; k++)
                rc = add_secret(s, m->vals[k]);
        }
    }
    return rc;
}

/* Decodes into the instance's own arena; the caller owns *out. */
int svc_instance_new(const struct cfg_service *cs, struct svc_instance **out,
                     struct rn_err *e)
{
    const struct svc_type *t = svc_find(cs->type);
    if (!t)
        return rn_errf(e, RN_ENOTFOUND,
                       "notification service type '%s' is not implemented",
                       cs->type);
    struct svc_instance *s = rn_calloc(1, sizeof *s);
    if (!s)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    arena_init(&s->arena, 0);
    s->mask = mask_new();
    s->t = t;
    s->name = arena_strdup(&s->arena, cs->name);
    s->opts = arena_zalloc(&s->arena, t->opts_size ? t->opts_size : 1);
    struct transport_opts tr;
    struct dec d = {&s->arena, t->name, "", e};
    int rc = s->name && s->opts && s->mask ? RN_OK : RN_ENOMEM;
    struct val opts = cs->opts;
    if (rc == RN_OK)
        rc = dec_table(&d, t->opts, t->nopts, opts, s->opts);
    if (rc == RN_OK && (t->flags & SVC_F_HTTP))
        rc = dec_table(&d, transport_opts,
                       sizeof transport_opts / sizeof *transport_opts, opts,
                       (char *)&tr);
    if (rc == RN_OK)
        rc = collect_secrets(s);
    if (rc == RN_OK && t->configure)
        rc = t->configure(s->opts, &s->arena, e);
    if (rc == RN_ENOMEM)
        rn_errf(e, rc, "out of memory");
    if (rc != RN_OK) {
        if (e)
            svc_scrub(s, e->msg, sizeof e->msg);
        svc_instance_free(s);
        return rc;
    }
    *out = s;
    return RN_OK;
}

/* Releases the instance and its options; NULL is fine. */
void svc_instance_free(struct svc_instance *s)
{
    if (!s)
        return;
    mask_unref(s->mask);
    arena_free(&s->arena);
    rn_free(s);
}

const struct svc_type *svc_instance_type(const struct svc_instance *s)
{
    return s->t;
}

/* The service name (owned by the instance). */
const char *svc_instance_name(const struct svc_instance *s)
{
    return s->name;
}

/* The decoded options struct (owned by the instance). */
const void *svc_instance_opts(const struct svc_instance *s)
{
    return s->opts;
}

/* The instance's masking (core/mask.h); s NULL masks URL passwords only. */
int svc_mask(const struct svc_instance *s, struct buf *out, const char *text,
             size_t n, size_t max)
{
    return mask_apply(s ? s->mask : NULL, out, text, n, max);
}

/* In place; truncates to cap - 1 bytes when masks make the text longer. */
void svc_scrub(const struct svc_instance *s, char *msg, size_t cap)
{
    mask_scrub(s ? s->mask : NULL, msg, cap);
}

static bool known_key(const struct svc_opt *tbl, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(tbl[i].name, k) == 0)
            return true;
    return false;
}

/* Reports unknown keys, then any decoding error (key ""). */
size_t svc_check_config(const struct cfg_service *s,
                        void (*report)(void *ud, const char *key,
                                       const char *why),
                        void *ud)
{
    const struct svc_type *t = svc_find(s->type);
    size_t n = 0;
    if (!t) {
        report(ud, "", "this service type is not implemented by rnotify");
        return 1;
    }
    for (size_t i = 0; i < val_obj_len(s->opts); i++) {
        const char *k = val_obj_at(s->opts, i)->key.u.s;
        bool ok =
            known_key(t->opts, t->nopts, k) ||
            ((t->flags & SVC_F_HTTP) &&
             known_key(transport_opts,
                       sizeof transport_opts / sizeof *transport_opts, k));
        if (!ok) {
            report(ud, k, "unknown option (ignored)");
            n++;
        }
    }
    struct svc_instance *inst = NULL;
    struct rn_err e = {0};
    if (svc_instance_new(s, &inst, &e) != RN_OK) {
        report(ud, "", e.msg);
        n++;
    }
    svc_instance_free(inst);
    return n;
}
