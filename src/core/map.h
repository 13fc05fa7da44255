/*
 * map.h: a hash table from byte-string keys to pointers.
 *
 * One table type serves every keyed set of the project: the informer
 * stores (namespace/name -> document), the controller's delivery queues
 * and de-duplication sets, the intern table.  Open addressing with linear
 * probing and backward-shift deletion, so there are no tombstones and
 * lookups stay short however many keys come and go.  The map copies each
 * key into memory it owns; values are borrowed pointers the caller
 * manages.  Iteration order is unspecified (sort when order matters).
 */
#ifndef RN_MAP_H
#define RN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct map_slot;

struct map {
    struct map_slot *slots;
    size_t cap; /* a power of two, or 0 before the first insert */
    size_t len;
};

void map_init(struct map *m);
/* Frees the keys and the table, not the values. */
void map_free(struct map *m);

/* The value stored under key, or NULL. */
void *map_get(const struct map *m, const char *key, size_t klen);
/* Store v under key, replacing (and returning in *old, if non-NULL) a
 * previous value.  RN_OK or RN_ENOMEM (the map is then unchanged). */
int map_put(struct map *m, const char *key, size_t klen, void *v, void **old);
/* Remove key; returns its value, or NULL when absent. */
void *map_del(struct map *m, const char *key, size_t klen);

static inline size_t map_len(const struct map *m)
{
    return m->len;
}

/* Iteration: start with *i = 0 and call while it returns true.  The map
 * must not change during the walk (collect keys, then delete). */
bool map_next(const struct map *m, size_t *i, const char **key, size_t *klen,
              void **v);

/* The hash the map uses (FNV-1a, 64 bit), for callers that shard. */
uint64_t map_hash(const char *key, size_t klen);

#endif
