/*
 * doc_freeze.c: copying a tree of values into one exact-size frozen doc
 * (doc.h), and the reusable builder that parsers fill first.
 *
 * Two walks over the tree, in the same order.  The first measures: every
 * container gets its offset in the block (a table keyed by address, so a
 * container reached twice, as YAML aliases are, is laid out once), and
 * each string occurrence records what it will point at: a shared string
 * the builder has met before (its cache of intern-table strings, looked
 * up without the table's lock), or one of the doc's distinct strings (a
 * table of its own).  Then the distinct strings go to the intern table in
 * one batch (intern.h); those it does not share get a place at the end of
 * the block.  One allocation of exactly header + containers + strings
 * follows, and the second walk copies into it.  Nothing is allocated per
 * value, and the tables stay in the builder for the next doc.
 *
 * The distinct-string table probes at most MAX_PROBE slots: a string that
 * finds neither itself nor room by then is just kept as another copy, so
 * colliding input costs memory in proportion to its size, never quadratic
 * time.
 */
#include "doc.h"

#include "alloc.h"
#include "err.h"
#include "intern.h"
#include "limits.h"

#include <string.h>

#define MAX_PROBE 32
#define MIN_SLOTS 64
#define KEEP_BYTES (64u << 10) /* builder memory kept between docs */
#define CACHE_SLOTS 1024       /* shared strings a builder remembers */
#define SEQ_CACHED 0x80000000u /* a seq entry naming a cache slot */

/* A container of the tree and its place in the block. */
struct fz_ptr {
    const void *src; /* NULL: empty slot */
    size_t off;      /* from the start of the containers */
};

/* A string of the intern table this builder has met: immortal, so the
 * entry never goes stale, and looking it up here takes no lock. */
struct fz_cached {
    const char *s; /* NULL: empty slot */
    uint32_t len;
    uint32_t fp;
};

struct doc_freezer {
    struct intern_ask *strs; /* distinct strings, in first-seen order */
    size_t nstrs, strs_cap;
    uint32_t *index; /* open addressing over strs: index + 1, 0 = empty */
    size_t index_cap;
    uint32_t *seq; /* each string occurrence: a strs index, or a cache
                      slot | SEQ_CACHED */
    size_t nseq, seq_cap;
    struct fz_ptr *ptrs; /* open addressing by container address */
    size_t nptrs, ptrs_cap;
    size_t *cseq; /* the offset of each container reached, in walk order */
    size_t ncseq, cseq_cap;
    size_t cbytes; /* containers' bytes */
    char *base;    /* second walk: where the containers start */
    size_t next;   /* second walk: next entry of seq */
    size_t cnext;  /* second walk: next entry of cseq */
    size_t done;   /* second walk: containers below this offset are copied */
    struct fz_cached *cache; /* CACHE_SLOTS, direct-mapped, read-only during
                                a freeze; a temporary builder has none */
};

/* ---- tables ---- */

/* Make *cap at least need, doubling. */
static int reserve(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return RN_OK;
    size_t ncap = *cap ? *cap : MIN_SLOTS;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem || ncap > UINT32_MAX)
        return RN_ELIMIT;
    void *n = rn_realloc(*arr, ncap * elem);
    if (!n)
        return RN_ENOMEM;
    *arr = n;
    *cap = ncap;
    return RN_OK;
}

/* Place strs[i] in the index if a free slot is within reach. */
static void index_put(struct doc_freezer *f, size_t i)
{
    size_t mask = f->index_cap - 1, j = (size_t)f->strs[i].hash & mask;
    for (int k = 0; k < MAX_PROBE; k++, j = (j + 1) & mask) {
        if (!f->index[j]) {
            f->index[j] = (uint32_t)(i + 1);
            return;
        }
    }
}

/* Room for `more` string occurrences: in seq, in strs, and in the index
 * (kept at most half full), so note_str needs no checks. */
static int room_for_strings(struct doc_freezer *f, size_t more)
{
    int rc =
        reserve((void **)&f->seq, &f->seq_cap, f->nseq + more, sizeof *f->seq);
    if (rc == RN_OK)
        rc = reserve((void **)&f->strs, &f->strs_cap, f->nstrs + more,
                     sizeof *f->strs);
    if (rc != RN_OK || (f->nstrs + more) * 2 <= f->index_cap)
        return rc;
    size_t ncap = f->index_cap ? f->index_cap : MIN_SLOTS;
    while (ncap < (f->nstrs + more) * 2)
        ncap *= 2;
    uint32_t *n = rn_calloc(ncap, sizeof *n);
    if (!n)
        return RN_ENOMEM;
    rn_free(f->index);
    f->index = n;
    f->index_cap = ncap;
    for (size_t i = 0; i < f->nstrs; i++)
        index_put(f, i);
    return RN_OK;
}

static inline size_t cache_slot(uint64_t h)
{
    return (size_t)(h >> 16) & (CACHE_SLOTS - 1);
}

/* string: record which shared or distinct string this occurrence is */
static void note_str(struct doc_freezer *f, const char *s, uint32_t len)
{
    uint64_t h = intern_hash(s, len);
    const struct fz_cached *c = f->cache ? &f->cache[cache_slot(h)] : NULL;
    if (c && c->s && c->fp == (uint32_t)(h >> 32) && c->len == len &&
        intern_same(c->s, s, len)) {
        f->seq[f->nseq++] = SEQ_CACHED | (uint32_t)cache_slot(h);
        return;
    }
    size_t mask = f->index_cap - 1, j = (size_t)h & mask;
    for (int k = 0; k < MAX_PROBE && f->index[j]; k++, j = (j + 1) & mask) {
        const struct intern_ask *q = &f->strs[f->index[j] - 1];
        if (q->hash == h && q->len == len && intern_same(q->s, s, len)) {
            f->seq[f->nseq++] = f->index[j] - 1;
            return;
        }
    }
    f->strs[f->nstrs] = (struct intern_ask){s, len, h, NULL};
    index_put(f, f->nstrs);
    f->seq[f->nseq++] = (uint32_t)f->nstrs++;
}

static struct fz_ptr *ptr_slot(const struct doc_freezer *f, const void *p)
{
    size_t mask = f->ptrs_cap - 1;
    size_t j =
        (size_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull) >> 32) & mask;
    while (f->ptrs[j].src && f->ptrs[j].src != p)
        j = (j + 1) & mask;
    return &f->ptrs[j];
}

static int ptrs_reserve(struct doc_freezer *f)
{
    if ((f->nptrs + 1) * 2 <= f->ptrs_cap)
        return RN_OK;
    struct doc_freezer old = *f;
    f->ptrs_cap = f->ptrs_cap ? f->ptrs_cap * 2 : MIN_SLOTS;
    f->ptrs = rn_calloc(f->ptrs_cap, sizeof *f->ptrs);
    if (!f->ptrs) {
        f->ptrs = old.ptrs;
        f->ptrs_cap = old.ptrs_cap;
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < old.ptrs_cap; i++)
        if (old.ptrs[i].src)
            *ptr_slot(f, old.ptrs[i].src) = old.ptrs[i];
    rn_free(old.ptrs);
    return RN_OK;
}

/* container: give it size bytes in the block unless it has a place;
 * *seen says it had one (its contents are counted already).  Either way
 * cseq records where the second walk finds it. */
static int note_container(struct doc_freezer *f, const void *p, size_t size,
                          bool *seen)
{
    int rc = ptrs_reserve(f);
    if (rc == RN_OK)
        rc = reserve((void **)&f->cseq, &f->cseq_cap, f->ncseq + 1,
                     sizeof *f->cseq);
    if (rc != RN_OK)
        return rc;
    struct fz_ptr *e = ptr_slot(f, p);
    *seen = e->src != NULL;
    if (!*seen) {
        if (f->cbytes > UINT32_MAX)
            return RN_ELIMIT;
        *e = (struct fz_ptr){p, f->cbytes};
        f->nptrs++;
        f->cbytes += size;
    }
    f->cseq[f->ncseq++] = e->off;
    return RN_OK;
}

/* An array's items, or an object's members read as key, value, key, ...
 * (struct val_kv is two struct vals). */
static const struct val *items_of(struct val v, size_t *n, size_t *size)
{
    if (v.kind == VAL_ARRAY) {
        *n = v.u.list->len;
        *size = sizeof *v.u.list + *n * sizeof(struct val);
        return v.u.list->items;
    }
    *n = (size_t)v.u.obj->len * 2;
    *size = sizeof *v.u.obj + v.u.obj->len * sizeof(struct val_kv);
    return (const struct val *)(const void *)v.u.obj->kv;
}

/* ---- first walk: measure ---- */

static int measure_items(struct doc_freezer *f, const struct val *v, size_t n,
                         unsigned depth);

static int measure_container(struct doc_freezer *f, struct val v,
                             unsigned depth)
{
    size_t n, size;
    bool seen;
    if (!v.u.list) /* u.obj alike: a typed nil */
        return RN_OK;
    if (depth >= RN_DOC_MAX_DEPTH)
        return RN_ELIMIT;
    const struct val *items = items_of(v, &n, &size);
    int rc = note_container(f, v.u.list, size, &seen);
    return rc != RN_OK || seen ? rc : measure_items(f, items, n, depth + 1);
}

/* items: strings noted, containers laid out, other kinds checked */
static int measure_items(struct doc_freezer *f, const struct val *v, size_t n,
                         unsigned depth)
{
    int rc = room_for_strings(f, n);
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        switch (v[i].kind) {
        case VAL_STRING:
            if (v[i].u.s)
                note_str(f, v[i].u.s, v[i].len);
            break;
        case VAL_ARRAY:
        case VAL_OBJECT:
            rc = measure_container(f, v[i], depth);
            if (rc == RN_OK) /* the nested walk used the room */
                rc = room_for_strings(f, n - i - 1);
            break;
        case VAL_TIME:
        case VAL_FUNC:
            rc = RN_EINVAL;
            break;
        default:
            break;
        }
    }
    return rc;
}

/* ---- second walk: copy ---- */

static void copy_items(struct doc_freezer *f, struct val *dst,
                       const struct val *src, size_t n);

/* Copy the container of v into its place, unless it is there already
 * (the first walk laid containers out in this walk's order). */
static void *copy_container(struct doc_freezer *f, struct val v)
{
    size_t n, size, off = f->cseq[f->cnext++];
    const struct val *items = items_of(v, &n, &size);
    char *p = f->base + off;
    if (off < f->done)
        return p;
    f->done = off + size;
    if (v.kind == VAL_ARRAY) {
        struct val_list *l = (struct val_list *)(void *)p;
        l->len = l->cap = (uint32_t)n;
        l->items = (struct val *)(l + 1);
        copy_items(f, l->items, items, n);
    } else {
        struct val_obj *o = (struct val_obj *)(void *)p;
        o->len = o->cap = (uint32_t)(n / 2);
        o->kv = (struct val_kv *)(o + 1);
        copy_items(f, (struct val *)(void *)o->kv, items, n);
    }
    return p;
}

/* The same walk as measure_items, which has checked kinds and depth. */
static void copy_items(struct doc_freezer *f, struct val *dst,
                       const struct val *src, size_t n)
{
    if (n)
        memcpy(dst, src, n * sizeof *dst);
    for (size_t i = 0; i < n; i++) {
        struct val *v = &dst[i];
        if (v->kind == VAL_STRING && v->u.s) {
            uint32_t x = f->seq[f->next++];
            v->u.s =
                x & SEQ_CACHED ? f->cache[x & ~SEQ_CACHED].s : f->strs[x].out;
        } else if (v->kind == VAL_ARRAY && v->u.list)
            v->u.list = copy_container(f, *v);
        else if (v->kind == VAL_OBJECT && v->u.obj)
            v->u.obj = copy_container(f, *v);
    }
}

/* ---- the freeze ---- */

static void clear_tables(struct doc_freezer *f)
{
    if (f->nstrs)
        memset(f->index, 0, f->index_cap * sizeof *f->index);
    if (f->nptrs)
        memset(f->ptrs, 0, f->ptrs_cap * sizeof *f->ptrs);
    f->nstrs = f->nseq = f->nptrs = f->ncseq = 0;
    f->cbytes = 0;
    f->next = f->cnext = f->done = 0;
}

/* Bytes of the strings the intern table did not take. */
static size_t own_string_bytes(const struct doc_freezer *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nstrs; i++)
        if (!f->strs[i].out)
            n += (size_t)f->strs[i].len + 1;
    return n;
}

static void place_strings(struct doc_freezer *f, char *p)
{
    for (size_t i = 0; i < f->nstrs; i++) {
        struct intern_ask *q = &f->strs[i];
        if (q->out)
            continue;
        memcpy(p, q->s, q->len);
        p[q->len] = '\0';
        q->out = p;
        p += q->len + 1;
    }
}

/* After the copy (the cache is read-only before): remember the shared
 * strings of this doc, i.e. those not placed in its block [lo, hi). */
static void remember_shared(struct doc_freezer *f, const char *lo,
                            const char *hi)
{
    if (!f->cache)
        f->cache = rn_calloc(CACHE_SLOTS, sizeof *f->cache);
    for (size_t i = 0; f->cache && i < f->nstrs; i++) {
        const struct intern_ask *q = &f->strs[i];
        if ((uintptr_t)q->out >= (uintptr_t)lo &&
            (uintptr_t)q->out < (uintptr_t)hi)
            continue;
        f->cache[cache_slot(q->hash)] =
            (struct fz_cached){q->out, q->len, (uint32_t)(q->hash >> 32)};
    }
}

/* remember: keep a cache of shared strings for the next docs (a builder
 * that lives on, not a temporary one). */
static int freeze(struct doc_freezer *f, struct val root, bool remember,
                  struct doc **out)
{
    clear_tables(f);
    int rc = measure_items(f, &root, 1, 0);
    if (rc != RN_OK)
        return rc;
    intern_resolve(f->strs, f->nstrs);
    size_t body = f->cbytes + own_string_bytes(f);
    if (body > UINT32_MAX)
        return RN_ELIMIT;
    struct doc *d = rn_malloc(sizeof *d + body);
    if (!d)
        return RN_ENOMEM;
    atomic_init(&d->refs, 1);
    d->frozen = (uint32_t)body;
    arena_init(&d->arena, 0);
    f->base = (char *)(d + 1);
    place_strings(f, f->base + f->cbytes);
    copy_items(f, &d->root, &root, 1);
    if (remember)
        remember_shared(f, f->base, f->base + body);
    *out = d;
    return RN_OK;
}

static size_t freezer_footprint(const struct doc_freezer *f)
{
    return sizeof *f + f->strs_cap * sizeof *f->strs +
           f->index_cap * sizeof *f->index + f->seq_cap * sizeof *f->seq +
           f->ptrs_cap * sizeof *f->ptrs + f->cseq_cap * sizeof *f->cseq +
           (f->cache ? CACHE_SLOTS * sizeof *f->cache : 0);
}

static void freezer_free(struct doc_freezer *f)
{
    if (!f)
        return;
    rn_free(f->strs);
    rn_free(f->index);
    rn_free(f->seq);
    rn_free(f->ptrs);
    rn_free(f->cseq);
    rn_free(f->cache);
    rn_free(f);
}

/* The new doc is the caller's (one reference).  RN_ENOMEM, RN_EINVAL or
 * RN_ELIMIT leave *out untouched and nothing allocated but b's tables;
 * tables grown past KEEP_BYTES by a big doc are given back here. */
int doc_freeze(struct doc_builder *b, struct val root, struct doc **out)
{
    struct doc_builder tmp;
    if (!b) {
        doc_builder_init(&tmp);
        b = &tmp;
    }
    if (!b->fz)
        b->fz = rn_calloc(1, sizeof *b->fz);
    int rc = b->fz ? freeze(b->fz, root, b != &tmp, out) : RN_ENOMEM;
    if (b == &tmp)
        doc_builder_free(&tmp);
    else if (b->fz && freezer_footprint(b->fz) > KEEP_BYTES) {
        freezer_free(b->fz);
        b->fz = NULL;
    }
    return rc;
}

/* ---- the builder ---- */

void doc_builder_init(struct doc_builder *b)
{
    arena_init(&b->arena, 0);
    b->fz = NULL;
}

void doc_builder_free(struct doc_builder *b)
{
    arena_free(&b->arena);
    freezer_free(b->fz);
    b->fz = NULL;
}

/* Keep one arena chunk for the next doc unless the last one was big. */
void doc_builder_reset(struct doc_builder *b)
{
    if (arena_footprint(&b->arena) > KEEP_BYTES)
        arena_free(&b->arena);
    else
        arena_reset(&b->arena);
}
