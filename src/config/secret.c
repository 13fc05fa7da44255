/*
 * secret.c: the Secret's part in a configuration.
 *
 * Two jobs: `$name` references in service options are replaced by the
 * Secret's bytes (docs/reference/engine.md §1.8: only string scalars, keys
 * included; unknown names stay as written), and the `secrets` template variable
 * maps each Secret key to its bytes as a Go []byte (so templates print [104
 * 105] unless they convert, as upstream).  Also the base64 decoding of Secret
 * `data` values (core/codec.h, padding optional).
 */
#include "config_int.h"

#include "../core/codec.h"

#include <stdlib.h>
#include <string.h>

/* Standard base64, padding optional (Secret data as a manifest file may
 * hold it); the bytes (NUL-terminated) go in a. */
int cfg_b64_decode(struct arena *a, const char *s, size_t n, char **out,
                   size_t *len)
{
    unsigned char *d = arena_alloc(a, n + 1);
    size_t bad;
    if (!d)
        return RN_ENOMEM;
    if (codec_b64_decode(s, n, CODEC_B64_LAX, d, len, &bad) != RN_OK)
        return RN_EINVAL;
    d[*len] = '\0';
    *out = (char *)d;
    return RN_OK;
}

static bool ref_char(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

static const struct cfg_entry *secret_find(const struct cfg_data *secret,
                                           const char *k, size_t n)
{
    for (size_t i = 0; secret && i < secret->n; i++)
        if (secret->items[i].klen == n &&
            memcmp(secret->items[i].key, k, n) == 0)
            return &secret->items[i];
    return NULL;
}

/* One pass over s: measure (d NULL) or copy into d.  Returns the length. */
static size_t subst_pass(const char *s, size_t n, const struct cfg_data *secret,
                         char *d)
{
    size_t k = 0, i = 0;
    while (i < n) {
        size_t j = i + 1;
        const char *src = s + i;
        size_t len = 1;
        if (s[i] == '$') {
            while (j < n && ref_char((unsigned char)s[j]))
                j++;
            const struct cfg_entry *en =
                j > i + 1 ? secret_find(secret, s + i + 1, j - i - 1) : NULL;
            if (en) {
                src = en->value;
                len = en->vlen;
            } else {
                len = j - i;
            }
        }
        if (d)
            memcpy(d + k, src, len);
        k += len;
        i = j;
    }
    return k;
}

/* Replace every [$][\w-]+ of s whose name is a Secret key. */
static int subst_str(struct arena *a, struct val v,
                     const struct cfg_data *secret, struct val *out)
{
    *out = v;
    if (!memchr(v.u.s, '$', v.len))
        return RN_OK;
    size_t total = subst_pass(v.u.s, v.len, secret, NULL);
    char *d = arena_alloc(a, total + 1);
    if (!d)
        return RN_ENOMEM;
    subst_pass(v.u.s, v.len, secret, d);
    d[total] = '\0';
    *out = val_str(d, total);
    out->flags = v.flags;
    return RN_OK;
}

static int kv_cmp(const void *x, const void *y)
{
    const struct val_kv *a = x, *b = y;
    int d = val_keycmp(a->key.u.s, a->key.len, b->key.u.s, b->key.len);
    if (d)
        return d;
    return a < b ? -1 : a > b; /* stable: the later duplicate sorts last */
}

/* Re-sort after keys changed; of equal keys the last one wins. */
static void resort(struct val_obj *o)
{
    qsort(o->kv, o->len, sizeof *o->kv, kv_cmp);
    uint32_t w = 0;
    for (uint32_t r = 0; r < o->len; r++) {
        if (w > 0 && val_keycmp(o->kv[w - 1].key.u.s, o->kv[w - 1].key.len,
                                o->kv[r].key.u.s, o->kv[r].key.len) == 0)
            w--;
        o->kv[w++] = o->kv[r];
    }
    o->len = w;
}

static int subst_obj(struct arena *a, struct val v,
                     const struct cfg_data *secret, struct val *out)
{
    size_t n = val_obj_len(v);
    struct val_obj *o = arena_zalloc(a, sizeof *o);
    struct val_kv *kv = arena_zalloc(a, (n ? n : 1) * sizeof *kv);
    bool keys_changed = false;
    if (!o || !kv)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct val_kv *src = val_obj_at(v, i);
        int rc = subst_str(a, src->key, secret, &kv[i].key);
        if (rc == RN_OK)
            rc = cfg_secret_substitute(a, src->v, secret, &kv[i].v);
        if (rc != RN_OK)
            return rc;
        keys_changed |= kv[i].key.u.s != src->key.u.s;
    }
    o->kv = kv;
    o->len = o->cap = (uint32_t)n;
    if (keys_changed)
        resort(o);
    *out = val_obj(o, val_gotype(v));
    return RN_OK;
}

/* Substitute `$name` references; shares untouched subtrees with v and
 * builds changed ones in a. */
int cfg_secret_substitute(struct arena *a, struct val v,
                          const struct cfg_data *secret, struct val *out)
{
    if (v.kind == VAL_STRING)
        return subst_str(a, v, secret, out);
    if (v.kind == VAL_OBJECT)
        return subst_obj(a, v, secret, out);
    *out = v;
    if (v.kind != VAL_ARRAY)
        return RN_OK;
    size_t n = val_list_len(v);
    struct val_list *l = arena_zalloc(a, sizeof *l);
    struct val *items = arena_zalloc(a, (n ? n : 1) * sizeof *items);
    if (!l || !items)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int rc = cfg_secret_substitute(a, val_list_at(v, i), secret, &items[i]);
        if (rc != RN_OK)
            return rc;
    }
    l->items = items;
    l->len = l->cap = (uint32_t)n;
    *out = val_list(l, val_gotype(v));
    return RN_OK;
}

/* What cfg_secret_refs collects while it walks. */
struct refs {
    struct arena *a;
    const char **missing;
    size_t nmissing, cap_missing;
    struct cfg_secret_use *uses;
    size_t nuses, cap_uses;
};

static int ref_missing(struct refs *r, const char *name, size_t n)
{
    for (size_t i = 0; i < r->nmissing; i++)
        if (strlen(r->missing[i]) == n && memcmp(r->missing[i], name, n) == 0)
            return RN_OK;
    char *copy = arena_strndup(r->a, name, n);
    if (!copy)
        return RN_ENOMEM;
    return cfg_vec_push(r->a, (void **)&r->missing, &r->nmissing,
                        &r->cap_missing, sizeof *r->missing, &copy);
}

static int ref_used(struct refs *r, const struct cfg_entry *en)
{
    for (size_t i = 0; i < r->nuses; i++)
        if (strlen(r->uses[i].key) == en->klen &&
            memcmp(r->uses[i].key, en->key, en->klen) == 0)
            return RN_OK;
    struct cfg_secret_use u = {arena_strndup(r->a, en->key, en->klen),
                               arena_strndup(r->a, en->value, en->vlen),
                               en->vlen};
    if (!u.key || !u.value)
        return RN_ENOMEM;
    return cfg_vec_push(r->a, (void **)&r->uses, &r->nuses, &r->cap_uses,
                        sizeof u, &u);
}

/* Every [$][\w-]+ of s: a Secret key it uses, or a name it lacks. */
static int refs_in(struct refs *r, const struct cfg_data *secret, struct val s)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < s.len; i++) {
        size_t j = i + 1;
        if (s.u.s[i] != '$')
            continue;
        while (j < s.len && ref_char((unsigned char)s.u.s[j]))
            j++;
        const struct cfg_entry *en =
            j > i + 1 ? secret_find(secret, s.u.s + i + 1, j - i - 1) : NULL;
        if (en)
            rc = ref_used(r, en);
        else if (j > i + 1)
            rc = ref_missing(r, s.u.s + i + 1, j - i - 1);
        i = j - 1;
    }
    return rc;
}

static int refs_walk(struct refs *r, const struct cfg_data *secret,
                     struct val v)
{
    int rc = RN_OK;
    if (v.kind == VAL_STRING)
        rc = refs_in(r, secret, v);
    for (size_t i = 0;
         rc == RN_OK && v.kind == VAL_ARRAY && i < val_list_len(v); i++)
        rc = refs_walk(r, secret, val_list_at(v, i));
    for (size_t i = 0;
         rc == RN_OK && v.kind == VAL_OBJECT && i < val_obj_len(v); i++) {
        rc = refs_in(r, secret, val_obj_at(v, i)->key);
        if (rc == RN_OK)
            rc = refs_walk(r, secret, val_obj_at(v, i)->v);
    }
    return rc;
}

/* The `$name` references of v, as substitution sees them (config.h). */
int cfg_secret_refs(struct arena *a, struct val v,
                    const struct cfg_data *secret, struct cfg_service *out)
{
    struct refs r;
    memset(&r, 0, sizeof r);
    r.a = a;
    int rc = refs_walk(&r, secret, v);
    out->missing = r.missing;
    out->nmissing = rc == RN_OK ? r.nmissing : 0;
    out->uses = r.uses;
    out->nuses = rc == RN_OK ? r.nuses : 0;
    return rc;
}

static struct val bytes_val(struct arena *a, const char *s, size_t n)
{
    struct val_list *l = arena_zalloc(a, sizeof *l);
    struct val *items = arena_zalloc(a, (n ? n : 1) * sizeof *items);
    if (!l || !items)
        return val_null();
    for (size_t i = 0; i < n; i++)
        items[i] = val_int_t((unsigned char)s[i], GT_UINT8);
    l->items = items;
    l->len = l->cap = (uint32_t)n;
    return val_list(l, GT_LIST_BYTES);
}

/* Build the `secrets` variable in the snapshot's arena. */
int cfg_build_secrets(struct cfg *c, const struct cfg_data *secret)
{
    size_t n = secret ? secret->n : 0;
    struct val_obj *o = arena_zalloc(&c->arena, sizeof *o);
    struct val_kv *kv = arena_zalloc(&c->arena, (n ? n : 1) * sizeof *kv);
    if (!o || !kv)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct cfg_entry *en = &secret->items[i];
        char *k = arena_strndup(&c->arena, en->key, en->klen);
        if (!k)
            return RN_ENOMEM;
        kv[i].key = val_str(k, en->klen);
        kv[i].v = bytes_val(&c->arena, en->value, en->vlen);
        if (kv[i].v.kind == VAL_NULL)
            return RN_ENOMEM;
    }
    o->kv = kv;
    o->len = o->cap = (uint32_t)n;
    resort(o);
    c->secrets = val_obj(o, GT_MAP_BYTES);
    return RN_OK;
}

/* The `secrets` variable; frozen, valid while c is referenced. */
struct val cfg_secrets_var(const struct cfg *c)
{
    return c->secrets;
}
