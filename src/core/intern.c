/*
 * intern.c: the immortal, capped table of shared strings (intern.h).
 *
 * Open addressing with linear probing over 16-byte slots (pointer, length,
 * a 32-bit fingerprint of the hash), at most half full; the strings live
 * back to back in 16 KiB slabs that are never freed.  A probe stops after
 * MAX_PROBE slots: a string that finds neither itself nor a free slot by
 * then is treated as absent, which bounds the work crafted collisions can
 * cause.  The admission sketch is a fixed array of fingerprints indexed by
 * other bits of the hash: a string enters the table only when its
 * fingerprint is already there, i.e. on its second sighting (unless some
 * string seen in between took that entry, which only delays it).
 *
 * Everything is behind one mutex.  Readers of interned strings need no
 * lock: the bytes never change after the insert, and a document that
 * points at them reaches another thread only through some synchronising
 * hand-over (a queue, a lock), which orders the insert before the read.
 */
#include "intern.h"

#include "alloc.h"
#include "limits.h"

#include <pthread.h>
#include <string.h>

#define MAX_PROBE 32
#define FIRST_SLOTS 1024
#define SLAB_SIZE 16384
#define SKETCH_SLOTS 16384 /* 64 KiB of fingerprints */

struct islot {
    const char *s; /* NULL: empty */
    uint32_t len;
    uint32_t fp;
};

struct slab {
    struct slab *next;
    char data[SLAB_SIZE];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct islot *slots;
static size_t cap, count, nbytes;
static bool full;
static struct slab *slabs; /* kept reachable: nothing is ever freed */
static size_t slab_used = SLAB_SIZE, nslabs;
static uint32_t sketch[SKETCH_SLOTS];

static inline uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

static inline uint32_t load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* The high and low halves of the 128-bit product, folded (wyhash's mum):
 * one multiply mixes every bit of x with every bit of y. */
static inline uint64_t fold(uint64_t x, uint64_t y)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)x * y;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else /* 32-bit targets: a 64-bit multiply and a shift mix it well enough */
    uint64_t r = (x ^ (y >> 29)) * 0x94d049bb133111ebull ^ y;
    return r ^ (r >> 31);
#endif
}

/* wyhash's shape: 16 bytes a step, and the last (or only) 16 read as two
 * possibly overlapping words, so strings up to 16 bytes take two folds. */
uint64_t intern_hash(const char *s, size_t n)
{
    const char *end = s + n;
    uint64_t a = 0, b = 0, h = 0x243f6a8885a308d3ull ^ n;
    if (n > 16) {
        for (; end - s > 16; s += 16)
            h = fold(load64(s) ^ 0xa0761d6478bd642full, load64(s + 8) ^ h);
        a = load64(end - 16);
        b = load64(end - 8);
    } else if (n >= 8) {
        a = load64(s);
        b = load64(end - 8);
    } else if (n >= 4) {
        a = load32(s);
        b = load32(end - 4);
    } else if (n) {
        a = (uint64_t)(unsigned char)s[0] << 16 |
            (uint64_t)(unsigned char)s[n / 2] << 8 |
            (uint64_t)(unsigned char)s[n - 1];
    }
    return fold(0xe7037ed1a0b428dbull ^ n,
                fold(a ^ 0xa0761d6478bd642full, b ^ h));
}

static inline uint32_t fingerprint(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* The slot holding q, or -1 with *at the first free slot in reach (or
 * SIZE_MAX when there is none). */
static long find(const struct intern_ask *q, size_t *at)
{
    *at = SIZE_MAX;
    if (!cap)
        return -1;
    size_t mask = cap - 1, i = (size_t)q->hash & mask;
    uint32_t fp = fingerprint(q->hash);
    for (int k = 0; k < MAX_PROBE; k++, i = (i + 1) & mask) {
        const struct islot *sl = &slots[i];
        if (!sl->s) {
            *at = i;
            return -1;
        }
        if (sl->fp == fp && sl->len == q->len &&
            intern_same(sl->s, q->s, q->len))
            return (long)i;
    }
    return -1;
}

/* Rehash into ncap slots; a string that no longer finds a free slot
 * within reach is dropped from the index (its bytes stay valid). */
static bool grow(size_t ncap)
{
    struct islot *ns = rn_calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < cap; i++) {
        const struct islot *sl = &slots[i];
        if (!sl->s)
            continue;
        size_t j = (size_t)intern_hash(sl->s, sl->len) & (ncap - 1);
        int k = 0;
        while (k < MAX_PROBE && ns[j].s) {
            j = (j + 1) & (ncap - 1);
            k++;
        }
        if (k < MAX_PROBE)
            ns[j] = *sl;
        else
            count--;
    }
    rn_free(slots);
    slots = ns;
    cap = ncap;
    return true;
}

/* Room for n bytes in the current slab. */
static char *slab_room(size_t n)
{
    if (SLAB_SIZE - slab_used < n) {
        struct slab *sb = rn_malloc(sizeof *sb);
        if (!sb)
            return NULL;
        sb->next = slabs;
        slabs = sb;
        slab_used = 0;
        nslabs++;
    }
    char *p = slabs->data + slab_used;
    slab_used += n;
    return p;
}

/* First sighting: remember the fingerprint and say no. */
static bool admit(uint64_t h)
{
    uint32_t *sk = &sketch[(h >> 20) & (SKETCH_SLOTS - 1)];
    uint32_t fp = fingerprint(h) | 1u;
    if (*sk == fp)
        return true;
    *sk = fp;
    return false;
}

static const char *add(const struct intern_ask *q, size_t at)
{
    if (count >= RN_INTERN_MAX_STRINGS ||
        nbytes + q->len + 1 > RN_INTERN_MAX_BYTES) {
        full = true;
        return NULL;
    }
    if ((count + 1) * 2 > cap) {
        if (!grow(cap ? cap * 2 : FIRST_SLOTS))
            return NULL;
        (void)find(q, &at); /* absent before, absent now: where it goes */
    }
    if (at == SIZE_MAX)
        return NULL;
    char *p = slab_room((size_t)q->len + 1);
    if (!p)
        return NULL;
    memcpy(p, q->s, q->len);
    p[q->len] = '\0';
    slots[at] = (struct islot){p, q->len, fingerprint(q->hash)};
    count++;
    nbytes += (size_t)q->len + 1;
    return p;
}

static const char *resolve_one(const struct intern_ask *q)
{
    size_t at;
    if (!q->len)
        return "";
    if (q->len > RN_INTERN_MAX_LEN)
        return NULL;
    long i = find(q, &at);
    if (i >= 0)
        return slots[i].s;
    return admit(q->hash) ? add(q, at) : NULL;
}

/* One lock for the whole batch (a frozen doc's distinct strings); never
 * fails: a NULL answer only means the caller keeps its copy. */
void intern_resolve(struct intern_ask *q, size_t n)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n; i++)
        q[i].out = resolve_one(&q[i]);
    pthread_mutex_unlock(&lock);
}

/* A snapshot under the lock (for metrics and tests). */
void intern_stats(struct intern_stats *st)
{
    pthread_mutex_lock(&lock);
    st->strings = count;
    st->bytes = nbytes;
    st->memory = cap * sizeof *slots + nslabs * sizeof(struct slab);
    st->full = full;
    pthread_mutex_unlock(&lock);
}
