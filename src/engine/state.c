/*
 * state.c: the notified state of the condition path (docs/reference/engine.md
 * §3.6).
 *
 * The annotation notified.notifications.argoproj.io holds a JSON object
 * {key: unix seconds}.  Keys name trigger, condition, destination and
 * (optionally) the config namespace and the oncePer value.  Output is
 * byte-exact with Go's encoding/json (sorted keys, HTML-safe escapes) so
 * both implementations agree on the same object, and capped at 100
 * entries, dropping the oldest first (ties by key, where upstream is
 * random).
 */
#include "engine_int.h"

#include "../core/buf.h"
#include "../core/json.h"

#include <stdlib.h>
#include <string.h>

#define STATE_MAX 100

struct st_ent {
    const char *key;
    int64_t t;
};

struct eng_state {
    struct arena *a;
    struct st_ent *items;
    size_t n, cap;
};

static int ent_key_cmp(const void *x, const void *y)
{
    const struct st_ent *a = x, *b = y;
    return strcmp(a->key, b->key);
}

static int ent_age_cmp(const void *x, const void *y)
{
    const struct st_ent *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return strcmp(a->key, b->key);
}

static int add(struct eng_state *st, const char *key, int64_t t)
{
    struct st_ent en = {key, t};
    if (st->n == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 16;
        void *p = st->items ? arena_grow(st->a, st->items, st->cap * sizeof en,
                                         ncap * sizeof en)
                            : arena_alloc(st->a, ncap * sizeof en);
        if (!p)
            return RN_ENOMEM;
        st->items = p;
        st->cap = ncap;
    }
    st->items[st->n++] = en;
    return RN_OK;
}

/* Fill st from a parsed object; false when a value is not an int64. */
static int fill(struct eng_state *st, struct val v, bool *valid)
{
    *valid = v.kind == VAL_OBJECT || v.kind == VAL_NULL;
    for (size_t i = 0; *valid && i < val_obj_len(v); i++) {
        const struct val_kv *kv = val_obj_at(v, i);
        if (kv->v.kind != VAL_INT) {
            *valid = false;
            break;
        }
        int rc = add(st, kv->key.u.s, kv->v.u.i);
        if (rc != RN_OK)
            return rc;
    }
    if (!*valid)
        st->n = 0;
    return RN_OK;
}

/* Parse the state annotation into a (engine.h); only RN_ENOMEM fails. */
int eng_state_parse(struct arena *a, const char *s, size_t n,
                    struct eng_state **out, bool *valid)
{
    struct eng_state *st = arena_zalloc(a, sizeof *st);
    bool ok = true;
    if (!st)
        return RN_ENOMEM;
    st->a = a;
    if (s && n) {
        struct json_opts jo = {JSON_NUM_INT64, 0, 0};
        struct val v;
        int rc = json_parse(a, s, n, &jo, &v, NULL);
        if (rc == RN_ENOMEM)
            return rc;
        ok = false;
        if (rc == RN_OK) {
            rc = fill(st, v, &ok);
            if (rc != RN_OK)
                return rc;
        }
    }
    if (valid)
        *valid = ok;
    *out = st;
    return RN_OK;
}

/* Build a state key in a; NULL on OOM. */
const char *eng_state_key(struct arena *a, const char *ns, const char *trigger,
                          const struct eng_cond_result *r,
                          const struct eng_dest *d)
{
    const char *base = ns ? arena_printf(a, "%s:%s:%s:%s:%s", ns, trigger,
                                         r->key, d->service, d->recipient)
                          : arena_printf(a, "%s:%s:%s:%s", trigger, r->key,
                                         d->service, d->recipient);
    if (!base || !r->once_per || !r->once_per[0])
        return base;
    return arena_printf(a, "%s:%s", r->once_per, base);
}

static struct st_ent *find(const struct eng_state *st, const char *key)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->items[i].key, key) == 0)
            return &st->items[i];
    return NULL;
}

/* Whether key is recorded. */
bool eng_state_has(const struct eng_state *st, const char *key)
{
    return find(st, key) != NULL;
}

/* Record key (copied into the state's arena) at now. */
int eng_state_set(struct eng_state *st, const char *key, int64_t now)
{
    if (find(st, key))
        return 0;
    const char *k = arena_strdup(st->a, key);
    if (!k || add(st, k, now) != RN_OK)
        return -RN_ENOMEM;
    return 1;
}

/* Forget key unless the condition result carries a oncePer. */
bool eng_state_unset(struct eng_state *st, const char *key,
                     const struct eng_cond_result *r)
{
    struct st_ent *e = find(st, key);
    if (!e || (r && r->once_per && r->once_per[0]))
        return false;
    *e = st->items[--st->n];
    return true;
}

/* Number of recorded keys. */
size_t eng_state_count(const struct eng_state *st)
{
    return st->n;
}

/* Append the annotation value (sorted, capped at 100) to out. */
int eng_state_emit(const struct eng_state *st, struct buf *out)
{
    size_t n = st->n, skip = 0;
    if (n == 0)
        return RN_OK;
    struct st_ent *v = arena_alloc(st->a, n * sizeof *v);
    if (!v)
        return RN_ENOMEM;
    memcpy(v, st->items, n * sizeof *v);
    if (n > STATE_MAX) {
        qsort(v, n, sizeof *v, ent_age_cmp);
        skip = n - STATE_MAX;
    }
    qsort(v + skip, n - skip, sizeof *v, ent_key_cmp);
    int rc = buf_add_char(out, '{');
    for (size_t i = skip; rc == RN_OK && i < n; i++) {
        if (i > skip)
            rc = buf_add_char(out, ',');
        if (rc == RN_OK)
            rc = json_emit_string(out, v[i].key, strlen(v[i].key), 0);
        if (rc == RN_OK)
            rc = buf_add_fmt(out, ":%lld", (long long)v[i].t);
    }
    return rc == RN_OK ? buf_add_char(out, '}') : rc;
}
