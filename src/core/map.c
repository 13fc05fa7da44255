/*
 * map.c: open-addressing hash table (map.h).
 *
 * Linear probing keeps a lookup to one or two cache lines; deletion
 * shifts the following run back instead of leaving tombstones, so a map
 * that sees millions of inserts and deletes (an informer store over days)
 * never degrades.  The load factor stays at or under 3/4.
 */
#include "map.h"

#include "alloc.h"
#include "err.h"

#include <string.h>

struct map_slot {
    char *key; /* NULL = empty; owned, NUL-terminated */
    uint32_t klen;
    uint64_t hash;
    void *v;
};

uint64_t map_hash(const char *key, size_t klen)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

void map_init(struct map *m)
{
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

void map_free(struct map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        rn_free(m->slots[i].key);
    rn_free(m->slots);
    map_init(m);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const struct map *m, const char *key, size_t klen,
                   uint64_t h)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    for (;;) {
        const struct map_slot *s = &m->slots[i];
        if (!s->key)
            return i;
        if (s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

void *map_get(const struct map *m, const char *key, size_t klen)
{
    if (!m->len)
        return NULL;
    size_t i = find(m, key, klen, map_hash(key, klen));
    return m->slots[i].key ? m->slots[i].v : NULL;
}

/* Rehash into a table of ncap slots; the old one is freed. */
static int grow(struct map *m, size_t ncap)
{
    struct map_slot *ns = rn_calloc(ncap, sizeof *ns);
    if (!ns)
        return RN_ENOMEM;
    struct map old = *m;
    m->slots = ns;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        struct map_slot *s = &old.slots[i];
        if (s->key)
            m->slots[find(m, s->key, s->klen, s->hash)] = *s;
    }
    rn_free(old.slots);
    return RN_OK;
}

int map_put(struct map *m, const char *key, size_t klen, void *v, void **old)
{
    if (klen > UINT32_MAX)
        return RN_ELIMIT;
    if ((m->len + 1) * 4 > m->cap * 3) {
        int rc = grow(m, m->cap ? m->cap * 2 : 16);
        if (rc != RN_OK)
            return rc;
    }
    uint64_t h = map_hash(key, klen);
    struct map_slot *s = &m->slots[find(m, key, klen, h)];
    if (s->key) {
        if (old)
            *old = s->v;
        s->v = v;
        return RN_OK;
    }
    char *k = rn_malloc(klen + 1);
    if (!k)
        return RN_ENOMEM;
    memcpy(k, key, klen);
    k[klen] = '\0';
    s->key = k;
    s->klen = (uint32_t)klen;
    s->hash = h;
    s->v = v;
    m->len++;
    if (old)
        *old = NULL;
    return RN_OK;
}

/* Backward-shift deletion: move each later member of the probe run into
 * the hole when its home slot does not lie between the hole and it. */
void *map_del(struct map *m, const char *key, size_t klen)
{
    if (!m->len)
        return NULL;
    size_t mask = m->cap - 1;
    size_t i = find(m, key, klen, map_hash(key, klen));
    if (!m->slots[i].key)
        return NULL;
    void *v = m->slots[i].v;
    rn_free(m->slots[i].key);
    m->slots[i].key = NULL;
    m->len--;
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & mask;
        struct map_slot *s = &m->slots[j];
        if (!s->key)
            break;
        size_t home = (size_t)s->hash & mask;
        /* s may move into the hole unless home is cyclically in (hole, j] */
        bool stays =
            hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        m->slots[hole] = *s;
        s->key = NULL;
        hole = j;
    }
    return v;
}

bool map_next(const struct map *m, size_t *i, const char **key, size_t *klen,
              void **v)
{
    for (; *i < m->cap; (*i)++) {
        const struct map_slot *s = &m->slots[*i];
        if (!s->key)
            continue;
        if (key)
            *key = s->key;
        if (klen)
            *klen = s->klen;
        if (v)
            *v = s->v;
        (*i)++;
        return true;
    }
    return false;
}
