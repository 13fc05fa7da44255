/*
 * intern.h: the process-wide table of shared strings.
 *
 * Every Rollout in the informer cache repeats the same object keys
 * ("metadata", "lastTransitionTime", ...) and many of the same short
 * values (images, label keys and values, condition types, "True").  When
 * a document is frozen (doc.h), each such string points at one shared,
 * NUL-terminated copy held here instead of a copy of its own.
 *
 * The table is immortal and capped: strings are never removed, so a frozen
 * document can point at them without references or locks, from any
 * thread, for as long as the process lives.  Because nothing leaves it,
 * what may enter is limited three ways, so hostile or merely unique input
 * cannot make it grow without bound:
 *  - only strings of 1..RN_INTERN_MAX_LEN bytes;
 *  - only on their second sighting: the first records a 32-bit
 *    fingerprint in a fixed array (a string seen once, such as a uid or a
 *    resourceVersion, never takes a place);
 *  - at most RN_INTERN_MAX_STRINGS strings and RN_INTERN_MAX_BYTES bytes
 *    (limits.h); once full, the table still answers for what it holds and
 *    every other string simply stays in its document.
 * A lookup probes at most a fixed number of slots, so crafted collisions
 * cost bounded time.  One mutex guards the table; a frozen document takes
 * it once for all of its strings (intern_resolve).
 */
#ifndef RN_INTERN_H
#define RN_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One string to resolve: s[0..len) need not be NUL-terminated. */
struct intern_ask {
    const char *s;
    uint32_t len;
    uint64_t hash;   /* intern_hash(s, len) */
    const char *out; /* set by intern_resolve: the shared copy, or NULL */
};

/* The hash of the intern table, also used by the doc freezer's own
 * tables: word at a time, fast on short strings (not collision-proof; the
 * tables bound their probes instead). */
uint64_t intern_hash(const char *s, size_t n);

/* a[0..n) == b[0..n), inline for the short strings of the tables: word
 * loads that overlap at the end instead of a call to memcmp. */
static inline bool intern_same(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    uint32_t u, w;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        memcpy(&u, a, 4);
        memcpy(&w, b, 4);
        if (u != w)
            return false;
        memcpy(&u, a + n - 4, 4);
        memcpy(&w, b + n - 4, 4);
        return u == w;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/*
 * Resolve q[0..n) under one lock: each out is the shared copy of s (found,
 * or added on its second sighting when the caps allow), "" for an empty
 * string, or NULL when s stays with its caller.  Never fails: running out
 * of memory only means fewer strings are shared.  Thread-safe.
 */
void intern_resolve(struct intern_ask *q, size_t n);

struct intern_stats {
    size_t strings; /* held */
    size_t bytes;   /* their bytes, NULs included */
    size_t memory;  /* heap the table holds: slots and string slabs */
    bool full;      /* a string was refused for a cap */
};

void intern_stats(struct intern_stats *st);

#endif
