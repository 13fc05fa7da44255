/*
 * alloc.h: the only entry to the C heap.  Tests can make allocation k fail
 * (SQLite-style countdown) to prove every path handles ENOMEM.
 */
#ifndef RN_ALLOC_H
#define RN_ALLOC_H

#include <stddef.h>

void *rn_malloc(size_t n);
void *rn_calloc(size_t n, size_t size);
void *rn_realloc(void *p, size_t n);
void rn_free(void *p);
char *rn_strndup(const char *s, size_t n);

/* Fault injection: after `countdown` more successful allocations, fail the
 * next `repeat` (0 = forever).  countdown < 0 disables.  Test-only. */
void rn_alloc_fail_after(long countdown, long repeat);
/* Number of allocations failed so far by the fault injector. */
long rn_alloc_failures(void);

/* Allocation statistics of this thread (benchmarks): calls that succeeded
 * and bytes requested, since the thread started. */
void rn_alloc_stats(unsigned long long *count, unsigned long long *bytes);

#endif
