/*
 * alloc.c: heap wrappers with a fault-injecting countdown.  The countdown is
 * a test device and the one mutable global in core; it is thread-local so a
 * test thread never disturbs another.
 */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static _Thread_local long fail_countdown = -1;
static _Thread_local long fail_repeat;
static _Thread_local long fail_count;
static _Thread_local unsigned long long stat_count, stat_bytes;

void rn_alloc_stats(unsigned long long *count, unsigned long long *bytes)
{
    *count = stat_count;
    *bytes = stat_bytes;
}

static int should_fail(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown > 0) {
        fail_countdown--;
        return 0;
    }
    fail_count++;
    if (fail_repeat > 0 && --fail_repeat == 0)
        fail_countdown = -1;
    return 1;
}

void rn_alloc_fail_after(long countdown, long repeat)
{
    fail_countdown = countdown;
    fail_repeat = repeat;
    fail_count = 0;
}

long rn_alloc_failures(void)
{
    return fail_count;
}

void *rn_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    stat_count++;
    stat_bytes += n;
    return malloc(n ? n : 1);
}

void *rn_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    stat_count++;
    stat_bytes += n * size;
    return calloc(n ? n : 1, size ? size : 1);
}

void *rn_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    stat_count++;
    stat_bytes += n;
    return realloc(p, n ? n : 1);
}

void rn_free(void *p)
{
    free(p);
}

char *rn_strndup(const char *s, size_t n)
{
    char *d = rn_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
