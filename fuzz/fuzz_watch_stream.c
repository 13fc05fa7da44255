/*
 * fuzz_watch_stream.c: the watch stream parser under hostile bytes and
 * hostile slicings.
 *
 * The first two bytes of the input choose a line limit and a slicing
 * seed; the rest is the body.  It is fed once whole and once in random
 * slices (1 to 64 bytes, from a small PRNG seeded by the input), in both
 * number modes, and both runs must report the same events (type,
 * resourceVersion, code) and end with the same status: libcurl's slicing
 * may never change what the informer sees.  Crashes, leaks and aborts are
 * bugs.
 */
#include "core/doc.h"
#include "core/err.h"
#include "kube/kube.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct log {
    uint64_t hash;
    size_t n;
};

static void mix(struct log *l, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        l->hash = (l->hash ^ s[i]) * 1099511628211ull;
}

static int on_event(void *ud, const struct kube_watch_event *ev)
{
    struct log *l = ud;
    if (!ev->obj || !ev->rv || ev->type < KUBE_ADDED || ev->type > KUBE_ERROR)
        abort();
    mix(l, &ev->type, sizeof ev->type);
    mix(l, ev->rv, strlen(ev->rv) + 1);
    mix(l, &ev->code, sizeof ev->code);
    l->n++;
    return 0;
}

static int run(const char *s, size_t n, size_t max_line, uint32_t seed,
               int nums, struct log *l)
{
    struct kube_watch_parser *p;
    struct rn_err e;
    int rc = kube_watch_parser_new(max_line, nums, &p);
    if (rc)
        return rc;
    size_t off = 0;
    while (off < n && rc == RN_OK) {
        size_t k = n - off;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            size_t want = 1 + (seed >> 16) % 64;
            k = want < k ? want : k;
        }
        rc = kube_watch_parser_feed(p, s + off, k, on_event, l, &e);
        off += k;
    }
    kube_watch_parser_free(p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max_line = data[0] < 128 ? 0 : 16 + (size_t)data[0] * 4;
    uint32_t seed = data[1] | 1u;
    const char *s = (const char *)data + 2;
    size_t n = size - 2;
    for (int nums = 0; nums < 2; nums++) {
        struct log whole = {14695981039346656037ull, 0};
        struct log sliced = {14695981039346656037ull, 0};
        int a = run(s, n, max_line, 0, nums, &whole);
        int b = run(s, n, max_line, seed, nums, &sliced);
        if (a == RN_ENOMEM || b == RN_ENOMEM)
            continue;
        if (a != b || whole.n != sliced.n || whole.hash != sliced.hash)
            abort();
    }
    return 0;
}
