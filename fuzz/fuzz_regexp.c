/*
 * fuzz_regexp.c: Go's regexp in core (goregexp.h) under libFuzzer.  The
 * input's first line is a pattern, the rest a subject.  A pattern that
 * compiles is matched, walked with FindAll, used by ReplaceAll and Split;
 * a pattern answered by substring search must agree with the same pattern
 * run by PCRE2.  Any crash, leak, sanitizer report or abort() is a bug.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/goregexp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ud, const struct gore_hit *h)
{
    size_t *n = ud;
    if (h->beg[0] > h->end[0] || h->end[0] > h->n)
        abort();
    ++*n;
    return 0;
}

static int piece(void *ud, const char *s, size_t beg, size_t end)
{
    (void)s;
    (void)ud;
    if (beg > end)
        abort();
    return 0;
}

/* The pattern wrapped in a group is never a plain literal. */
static void check_literal(const char *p, size_t n, const char *s, size_t sn,
                          bool m)
{
    struct gore *re;
    struct rn_err e;
    bool m2;
    char *w = malloc(n + 5);
    if (!w)
        return;
    memcpy(w, "(?:", 3);
    memcpy(w + 3, p, n);
    w[n + 3] = ')';
    if (gore_compile(w, n + 4, 0, &re, &e) == RN_OK) {
        if (gore_match(re, s, sn, &m2, &e) == RN_OK && m2 != m)
            abort();
        gore_free(re);
    }
    free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t pn = nl ? (size_t)(nl - p) : size;
    const char *s = nl ? nl + 1 : "";
    size_t sn = nl ? size - pn - 1 : 0;
    struct gore *re;
    struct rn_err e;
    bool m;
    if (gore_compile(p, pn, size & 1 ? GORE_JIT : 0, &re, &e) != RN_OK)
        return 0;
    if (gore_match(re, s, sn, &m, &e) == RN_OK)
        check_literal(p, pn, s, sn, m);
    size_t hits = 0;
    (void)gore_each(re, s, sn, -1, count, &hits, &e);
    struct buf b;
    buf_init(&b, 1u << 20);
    (void)gore_replace_all(re, s, sn, "<$1${name}$$>", 13, false, &b, &e);
    buf_free(&b);
    (void)gore_split(re, s, sn, 3, piece, NULL, &e);
    gore_free(re);
    return 0;
}
