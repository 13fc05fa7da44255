/*
 * arena.c: chunked bump allocator.  Chunks grow geometrically from 4 KiB;
 * an allocation larger than half a chunk gets a chunk of its own.  Reset
 * keeps the newest small chunk so a loop that resets per item stays flat.
 */
#include "arena.h"

#include "alloc.h"
#include "doc.h"
#include "err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ALIGN 16u
#define FIRST_CHUNK 4096u
#define MAX_CHUNK (1u << 20)

struct arena_chunk {
    struct arena_chunk *next;
    size_t size;
    max_align_t data[];
};

struct arena_hold {
    struct arena_hold *next;
    struct doc *doc;
};

void arena_init(struct arena *a, size_t cap)
{
    memset(a, 0, sizeof *a);
    a->cap = cap;
}

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

void arena_init_sized(struct arena *a, size_t cap, size_t first)
{
    arena_init(a, cap);
    a->first = first > MAX_CHUNK ? MAX_CHUNK : round_up(first);
}

static int add_chunk(struct arena *a, size_t need)
{
    size_t size = a->head    ? a->head->size * 2
                  : a->first ? a->first
                             : FIRST_CHUNK;
    if (size > MAX_CHUNK)
        size = MAX_CHUNK;
    if (size < need)
        size = need;
    if (size > SIZE_MAX - sizeof(struct arena_chunk))
        return -1;
    struct arena_chunk *c = rn_malloc(sizeof *c + size);
    if (!c)
        return -1;
    c->size = size;
    c->next = a->head;
    a->head = c;
    a->ptr = (char *)c->data;
    a->end = a->ptr + size;
    return 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    n = round_up(n ? n : 1);
    if (a->cap && n > a->cap - a->used)
        return NULL;
    if ((size_t)(a->end - a->ptr) < n && add_chunk(a, n) != 0)
        return NULL;
    void *p = a->ptr;
    a->ptr += n;
    a->used += n;
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_grow(struct arena *a, void *old, size_t oldn, size_t newn)
{
    /* in place when old is the last block of the head chunk */
    size_t ro = round_up(oldn ? oldn : 1), rn = round_up(newn ? newn : 1);
    if (old && (char *)old + ro == a->ptr && rn >= ro &&
        (size_t)(a->end - (char *)old) >= rn &&
        (!a->cap || a->used - ro + rn <= a->cap)) {
        a->ptr = (char *)old + rn;
        a->used = a->used - ro + rn;
        return old;
    }
    void *p = arena_alloc(a, newn);
    if (p && old)
        memcpy(p, old, oldn < newn ? oldn : newn);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *d = n < 0 ? NULL : arena_alloc(a, (size_t)n + 1);
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return d;
}

int arena_hold(struct arena *a, struct doc *d)
{
    struct arena_hold *h = arena_alloc(a, sizeof *h);
    if (!h)
        return RN_ENOMEM;
    h->doc = doc_ref(d);
    h->next = a->holds;
    a->holds = h;
    return RN_OK;
}

static void drop_holds(struct arena *a)
{
    for (struct arena_hold *h = a->holds; h; h = h->next)
        doc_unref(h->doc);
    a->holds = NULL;
}

void arena_reset(struct arena *a)
{
    drop_holds(a);
    struct arena_chunk *keep = a->head;
    if (!keep)
        return;
    struct arena_chunk *c = keep->next;
    while (c) {
        struct arena_chunk *next = c->next;
        rn_free(c);
        c = next;
    }
    keep->next = NULL;
    a->ptr = (char *)keep->data;
    a->end = a->ptr + keep->size;
    a->used = 0;
}

void arena_free(struct arena *a)
{
    drop_holds(a);
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        rn_free(c);
        c = next;
    }
    size_t cap = a->cap;
    arena_init(a, cap);
}

bool arena_owns(const struct arena *a, const void *p)
{
    uintptr_t q = (uintptr_t)p;
    for (const struct arena_chunk *c = a->head; c; c = c->next) {
        uintptr_t lo = (uintptr_t)c->data;
        if (q >= lo && q < lo + c->size)
            return true;
    }
    return false;
}

size_t arena_footprint(const struct arena *a)
{
    size_t n = 0;
    for (const struct arena_chunk *c = a->head; c; c = c->next)
        n += sizeof *c + c->size;
    return n;
}
