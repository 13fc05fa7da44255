/*
 * arena.h: bump allocation for everything transient.
 *
 * An arena hands out memory that lives until arena_reset() or arena_free().
 * It can also hold references on frozen documents (doc.h), dropped at reset,
 * so "a val is valid while the arena that made it is alive" is the whole
 * ownership rule.  An arena may have a byte cap; past it allocations fail.
 */
#ifndef RN_ARENA_H
#define RN_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct doc;
struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* current chunk, list of older ones */
    char *ptr, *end;          /* free space in head */
    size_t used;              /* bytes handed out (for caps and stats) */
    size_t cap;               /* 0 = no cap */
    size_t first;             /* size of the first chunk (0: 4 KiB) */
    struct arena_hold *holds; /* docs to unref at reset */
};

/* Initialise an empty arena (no allocation until first use). */
void arena_init(struct arena *a, size_t cap);
/* The same, with the first chunk `first` bytes (rounded, at most the
 * largest chunk) instead of 4 KiB: for arenas that will hold about that
 * much, many of them at once (parsed templates). */
void arena_init_sized(struct arena *a, size_t cap, size_t first);

/* Memory of n bytes aligned for any type; NULL on OOM or cap. */
void *arena_alloc(struct arena *a, size_t n);
/* Same, zeroed. */
void *arena_zalloc(struct arena *a, size_t n);
/* Grow a block previously returned by arena_alloc (old contents copied; the
 * old block is not reused).  NULL on failure, old block untouched. */
void *arena_grow(struct arena *a, void *old, size_t oldn, size_t newn);
/* Copy of s[0..n) with a NUL after it. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena; NULL on failure. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Take a reference on d, released by arena_reset/arena_free.  Returns 0 or
 * RN_ENOMEM. */
int arena_hold(struct arena *a, struct doc *d);

/* True when p points into memory handed out by a (since its last reset).
 * Lets callers tell their own temporaries from frozen documents. */
bool arena_owns(const struct arena *a, const void *p);

/* Heap bytes the arena holds (its chunks with their headers). */
size_t arena_footprint(const struct arena *a);

/* Release everything but keep the first chunk for reuse. */
void arena_reset(struct arena *a);
/* Release everything. */
void arena_free(struct arena *a);

#endif
