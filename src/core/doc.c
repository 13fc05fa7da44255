/* doc.c: refcounted documents (doc.h); doc_freeze.c makes frozen ones. */
#include "doc.h"

#include "alloc.h"

struct doc *doc_new(void)
{
    struct doc *d = rn_calloc(1, sizeof *d);
    if (!d)
        return NULL;
    atomic_init(&d->refs, 1);
    arena_init(&d->arena, 0);
    d->root = val_null();
    return d;
}

struct doc *doc_ref(struct doc *d)
{
    if (d)
        atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
    return d;
}

/* The last reference may be dropped on any thread: acq_rel orders every
 * other holder's reads before the free. */
void doc_unref(struct doc *d)
{
    if (!d)
        return;
    if (atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1)
        return;
    arena_free(&d->arena);
    rn_free(d);
}

/* Exact for a frozen doc (header + d->frozen); an arena doc counts whole
 * chunks, used or not. */
size_t doc_size(const struct doc *d)
{
    return d ? sizeof *d + d->frozen + arena_footprint(&d->arena) : 0;
}
