/*
 * goregexp_int.h: what the syntax translator (goregexp_syntax.c) hands
 * the matcher (goregexp.c).  Nothing outside goregexp*.c includes this.
 */
#ifndef RN_GOREGEXP_INT_H
#define RN_GOREGEXP_INT_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define GORE_MAX_NEST 1000   /* Go's maximum nesting depth */
#define GORE_MAX_REPEAT 1000 /* Go's maximum {n,m} count */

/* A translated pattern. */
struct gore_xlat {
    struct buf out;     /* the PCRE2 pattern */
    uint32_t ncap;      /* capturing groups */
    const char **names; /* [1..ncap]: a group's name, or NULL */
    /* the pattern is only literal text and '|' (no flag, class, escape
     * or repetition): matching is a substring search */
    bool literal_alts;
};

/*
 * Check Go pattern pat[0..n) and translate it into x (x->out is freed by
 * the caller; names are allocated in a).  0; -1 with Go's message in
 * err; -2 on OOM.
 */
int gore_translate(const char *pat, size_t n, struct arena *a,
                   struct gore_xlat *x, char *err, size_t errsz);

#endif
