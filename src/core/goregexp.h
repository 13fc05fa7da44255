/*
 * goregexp.h: Go's regexp package (RE2 syntax), the one implementation
 * that templates (sprig's regex functions) and expr (`matches`) share.
 *
 * A Go pattern is checked and translated to an equivalent PCRE2 pattern
 * (goregexp_syntax.c), so a pattern Go rejects fails here with Go's error
 * text ("error parsing regexp: missing closing ): `(`"), and one Go
 * accepts means here what it means in Go: \s is [\t\n\f\r ], \v is the
 * VT character, octal escapes are characters, \C is an error.  Matching
 * (goregexp.c) reads a subject the way Go does, each invalid UTF-8 byte as
 * U+FFFD, and follows Go's loops for FindAll, ReplaceAll, Split and
 * Expand.  docs/reference/regexp.md says what is reproduced and what
 * is not.
 *
 * A compiled pattern is immutable: many threads may match with it at
 * once.  Offsets handed back are byte offsets into the caller's subject.
 */
#ifndef RN_GOREGEXP_H
#define RN_GOREGEXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct rn_err;
struct gore;

/* gore_compile flags */
#define GORE_JIT 1u /* compile to machine code: for a pattern matched often */

/*
 * regexp.Compile(pat[0..n)).  RN_OK with *out (free with gore_free);
 * RN_ESYNTAX with Go's message in e ("error parsing regexp: ..."), or
 * RN_ENOMEM.
 */
int gore_compile(const char *pat, size_t n, unsigned flags, struct gore **out,
                 struct rn_err *e);
void gore_free(struct gore *re);

/* Number of capturing groups (Regexp.NumSubexp). */
uint32_t gore_ngroups(const struct gore *re);

/*
 * Regexp.MatchString(s[0..n)) into *matched.  RN_OK; RN_ELIMIT when the
 * pattern backtracks past the match limit ("regexp: match limit
 * exceeded"; Go's engine would finish); RN_ENOMEM.
 */
int gore_match(const struct gore *re, const char *s, size_t n, bool *matched,
               struct rn_err *e);

/* One match handed to a callback: group 0 is the whole match. */
struct gore_hit {
    const char *s;           /* the subject */
    size_t n;                /* its length */
    uint32_t ngroups;        /* capturing groups (group 0 not counted) */
    const size_t *beg, *end; /* [0..ngroups]; SIZE_MAX when unset */
};

/* A callback's non-zero status stops the walk and is returned. */
typedef int gore_hit_fn(void *ud, const struct gore_hit *h);

/*
 * Regexp.FindAllStringSubmatchIndex's walk: the successive matches of re
 * in s, at most limit of them (limit < 0: all), skipping an empty match
 * right after the previous match, as Go does.  fn sees each.  Errors as
 * gore_match.
 */
int gore_each(const struct gore *re, const char *s, size_t n, int64_t limit,
              gore_hit_fn *fn, void *ud, struct rn_err *e);

/* Regexp.FindStringIndex: whether found, and the match in beg, end. */
int gore_find(const struct gore *re, const char *s, size_t n, bool *found,
              size_t *beg, size_t *end, struct rn_err *e);

/*
 * Regexp.ReplaceAllString (literal: ReplaceAllLiteralString) of s with
 * repl, appended to out.  In repl, $1, ${1}, $name and ${name} expand as
 * Regexp.Expand does.  Errors as gore_match, or the buffer's.
 */
int gore_replace_all(const struct gore *re, const char *s, size_t n,
                     const char *repl, size_t repln, bool literal,
                     struct buf *out, struct rn_err *e);

/* One piece of a split: s[beg..end). */
typedef int gore_piece_fn(void *ud, const char *s, size_t beg, size_t end);

/*
 * Regexp.Split(s, limit): fn sees each piece in order.  limit == 0 gives
 * no pieces (Go returns nil); limit > 0 at most limit pieces, the last
 * the unsplit rest.  Errors as gore_match.
 */
int gore_split(const struct gore *re, const char *s, size_t n, int64_t limit,
               gore_piece_fn *fn, void *ud, struct rn_err *e);

/* regexp.QuoteMeta(s), appended to out. */
int gore_quote_meta(struct buf *out, const char *s, size_t n);

#endif
