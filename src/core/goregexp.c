/*
 * goregexp.c: compiling a translated Go pattern with PCRE2 and matching
 * the way Go's regexp package does (goregexp.h).
 *
 * PCRE2 runs with UTF, DOLLAR_ENDONLY (Go's $ is end of text outside
 * (?m)), ALT_CIRCUMFLEX ((?m)^ also matches after a final newline) and LF
 * newlines.  Both engines prefer the leftmost match and, within it, the
 * first alternative (Perl order), so matches agree.  A subject with
 * invalid UTF-8 is searched as a copy where each bad byte is U+FFFD, which
 * is how Go reads it, and offsets are mapped back.  The FindAll,
 * ReplaceAll, Split and Expand loops follow Go's rules for empty matches
 * and $ references.
 *
 * A pattern made only of literal text and '|' is matched by substring
 * search: that is what it means, and conditions such as
 * `message matches 'Aborted|Failed'` are common.
 *
 * Divergence: PCRE2 backtracks, so a pathological pattern can hit the
 * match limit (RN_ELIMIT) where Go's linear-time engine would finish.
 */
#include "goregexp.h"

#include "alloc.h"
#include "arena.h"
#include "buf.h"
#include "err.h"
#include "goregexp_int.h"
#include "utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdatomic.h>
#include <string.h>

#define GORE_MATCH_LIMIT 10000000u

struct gore {
    pcre2_code *code;
    pcre2_general_context *gctx;
    pcre2_match_context *mctx;
    /* one spare match block that searches borrow and give back, so a
     * pattern matched many times stops allocating after the first */
    _Atomic(pcre2_match_data *) spare;
    uint32_t ncap;
    const char **names; /* [1..ncap], in arena */
    size_t srclen;
    size_t nlits; /* literal_alts patterns: the alternatives */
    const char **lits;
    size_t *litlens;
    struct arena arena;
};

/* One search over one subject. */
struct run {
    const struct gore *re;
    pcre2_match_data *md;
    const char *s; /* the caller's subject */
    size_t n;
    const char *subj; /* what PCRE2 searches: s, or the U+FFFD copy */
    size_t subjn;
    size_t *map; /* copy offset -> caller offset, or NULL */
    char *copy;
    size_t *beg, *end; /* groups of the last match, caller offsets */
    struct rn_err *e;
};

static void *re_malloc(PCRE2_SIZE n, void *ud)
{
    (void)ud;
    return rn_malloc(n);
}

static void re_free(void *p, void *ud)
{
    (void)ud;
    rn_free(p);
}

/* ---- compiling ---- */

/* Split a literal_alts pattern at '|' into re->lits. */
static int split_literals(struct gore *re, const char *pat, size_t n)
{
    size_t k = 1;
    for (size_t i = 0; i < n; i++)
        k += pat[i] == '|';
    re->lits = arena_alloc(&re->arena, k * sizeof *re->lits);
    re->litlens = arena_alloc(&re->arena, k * sizeof *re->litlens);
    if (!re->lits || !re->litlens)
        return RN_ENOMEM;
    for (const char *p = pat, *end = pat + n;; p++) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        const char *stop = bar ? bar : end;
        re->lits[re->nlits] = p;
        re->litlens[re->nlits++] = (size_t)(stop - p);
        if (!bar)
            break;
        p = bar;
    }
    return RN_OK;
}

/* Hand the translated pattern to PCRE2. */
static int build(struct gore *re, const struct gore_xlat *x, const char *src,
                 unsigned flags, struct rn_err *e)
{
    const uint32_t opts = PCRE2_UTF | PCRE2_DOLLAR_ENDONLY |
                          PCRE2_ALT_CIRCUMFLEX | PCRE2_NEVER_BACKSLASH_C;
    int ecode;
    PCRE2_SIZE eoff;
    re->gctx = pcre2_general_context_create(re_malloc, re_free, NULL);
    pcre2_compile_context *cctx =
        re->gctx ? pcre2_compile_context_create(re->gctx) : NULL;
    if (!cctx)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
    re->code = pcre2_compile((PCRE2_SPTR)buf_str(&x->out), x->out.len, opts,
                             &ecode, &eoff, cctx);
    pcre2_compile_context_free(cctx);
    if (!re->code) {
        PCRE2_UCHAR msg[160];
        if (ecode == PCRE2_ERROR_NOMEMORY || ecode == PCRE2_ERROR_HEAP_FAILED)
            return rn_errf(e, RN_ENOMEM, "out of memory");
        pcre2_get_error_message(ecode, msg, sizeof msg);
        return rn_errf(e, RN_ESYNTAX, "error parsing regexp: %s: `%.*s`",
                       (const char *)msg, (int)re->srclen, src);
    }
    re->mctx = pcre2_match_context_create(re->gctx);
    if (!re->mctx)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    pcre2_set_match_limit(re->mctx, GORE_MATCH_LIMIT);
    /* without JIT support (or memory for it) the interpreter gives the
     * same results */
    if (flags & GORE_JIT)
        (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    return RN_OK;
}

/* See goregexp.h. */
int gore_compile(const char *pat, size_t n, unsigned flags, struct gore **out,
                 struct rn_err *e)
{
    struct gore *re = rn_calloc(1, sizeof *re);
    if (!re)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    arena_init(&re->arena, 0);
    atomic_init(&re->spare, NULL);
    re->srclen = n;
    struct gore_xlat x;
    char msg[sizeof e->msg];
    int rc = gore_translate(pat ? pat : "", n, &re->arena, &x, msg, sizeof msg);
    if (rc == -1)
        rc = rn_errf(e, RN_ESYNTAX, "%s", msg);
    else if (rc)
        rc = rn_errf(e, RN_ENOMEM, "out of memory");
    else
        rc = build(re, &x, pat, flags, e);
    re->ncap = x.ncap;
    re->names = x.names;
    if (rc == RN_OK && x.literal_alts)
        rc = split_literals(re, pat, n) ? rn_errf(e, RN_ENOMEM, "out of memory")
                                        : RN_OK;
    buf_free(&x.out);
    if (rc) {
        gore_free(re);
        return rc;
    }
    *out = re;
    return RN_OK;
}

void gore_free(struct gore *re)
{
    if (!re)
        return;
    pcre2_match_data_free(atomic_load(&re->spare));
    pcre2_match_context_free(re->mctx);
    pcre2_code_free(re->code);
    pcre2_general_context_free(re->gctx);
    arena_free(&re->arena);
    rn_free(re);
}

uint32_t gore_ngroups(const struct gore *re)
{
    return re->ncap;
}

/* ---- a search ---- */

/* Start a search of s[0..n): a match block, and the U+FFFD copy when s is
 * not valid UTF-8. */
static int run_start(struct run *r, const struct gore *re, const char *s,
                     size_t n, struct rn_err *e)
{
    memset(r, 0, sizeof *r);
    r->re = re;
    r->s = r->subj = s ? s : "";
    r->n = r->subjn = n;
    r->e = e;
    r->md = atomic_exchange((_Atomic(pcre2_match_data *) *)&re->spare, NULL);
    if (!r->md)
        r->md = pcre2_match_data_create_from_pattern(re->code, re->gctx);
    r->beg = rn_malloc(2 * (re->ncap + 1) * sizeof *r->beg);
    if (!r->md || !r->beg)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    r->end = r->beg + re->ncap + 1;
    if (utf8_valid(r->s, n))
        return RN_OK;
    r->copy = rn_malloc(3 * n + 1);
    r->map = rn_malloc((3 * n + 1) * sizeof *r->map);
    if (!r->copy || !r->map)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t w = utf8_valid_len(r->s + i, n - i);
        const char *from = w ? r->s + i : "\xEF\xBF\xBD";
        for (size_t k = 0; k < (w ? w : 3); k++) {
            r->map[o] = i;
            r->copy[o++] = from[k];
        }
        i += w ? w : 1;
    }
    r->map[o] = n;
    r->subj = r->copy;
    r->subjn = o;
    return RN_OK;
}

/* End a search: give the match block back (or free it). */
static void run_end(struct run *r)
{
    pcre2_match_data *none = NULL;
    if (r->md &&
        !atomic_compare_exchange_strong(
            (_Atomic(pcre2_match_data *) *)&r->re->spare, &none, r->md))
        pcre2_match_data_free(r->md);
    rn_free(r->beg);
    rn_free(r->copy);
    rn_free(r->map);
}

/* Search from pos (context before pos still counts for \b and ^).  1 with
 * the match in r->md, 0 when none, -status on error. */
static int run_exec(struct run *r, size_t pos)
{
    /* the subject is valid UTF-8 and pos a rune boundary (run_start,
     * step_width), so PCRE2 need not check it again on every call */
    const struct gore *re = r->re;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)r->subj, r->subjn, pos,
                         PCRE2_NO_UTF_CHECK, r->md, re->mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(re->code, (PCRE2_SPTR)r->subj, r->subjn, pos,
                         PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, r->md, re->mctx);
    if (rc > 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAP_FAILED)
        return -rn_errf(r->e, RN_ENOMEM, "out of memory");
    return -rn_errf(r->e, RN_ELIMIT, "regexp: match limit exceeded");
}

/* Group g of the last match in subject offsets (PCRE2_UNSET if unset). */
static size_t raw(const struct run *r, uint32_t g, int side)
{
    return pcre2_get_ovector_pointer(r->md)[2 * g + (uint32_t)side];
}

/* The last match's groups in the caller's offsets, into r->beg/end. */
static void run_groups(struct run *r)
{
    for (uint32_t g = 0; g <= r->re->ncap; g++) {
        size_t b = raw(r, g, 0), e = raw(r, g, 1);
        if (b == PCRE2_UNSET) {
            r->beg[g] = r->end[g] = SIZE_MAX;
            continue;
        }
        r->beg[g] = r->map ? r->map[b] : b;
        r->end[g] = r->map ? r->map[e] : e;
    }
}

/* Width of the rune at s[pos] the way Go steps over it (1 at the end). */
static size_t step_width(const char *s, size_t n, size_t pos)
{
    uint32_t r;
    return pos < n ? utf8_decode(s + pos, n - pos, &r) : 1;
}

static bool literal_match(const struct gore *re, const char *s, size_t n)
{
    for (size_t i = 0; i < re->nlits; i++) {
        size_t k = re->litlens[i];
        if (k == 0)
            return true;
        if (k <= n && memmem(s, n, re->lits[i], k) != NULL)
            return true;
    }
    return false;
}

/* See goregexp.h. */
int gore_match(const struct gore *re, const char *s, size_t n, bool *matched,
               struct rn_err *e)
{
    if (re->lits) {
        *matched = literal_match(re, s ? s : "", n);
        return RN_OK;
    }
    struct run r;
    int rc = run_start(&r, re, s, n, e);
    if (rc == RN_OK) {
        rc = run_exec(&r, 0);
        *matched = rc == 1;
        rc = rc < 0 ? -rc : RN_OK;
    }
    run_end(&r);
    return rc;
}

/* Go's allMatches over a started run. */
static int run_each(struct run *r, int64_t limit, gore_hit_fn *fn, void *ud)
{
    size_t pos = 0, prev_end = SIZE_MAX, n = r->subjn;
    struct gore_hit h = {r->s, r->n, r->re->ncap, r->beg, r->end};
    for (int64_t i = 0; (limit < 0 || i < limit) && pos <= n;) {
        int rc = run_exec(r, pos);
        if (rc <= 0)
            return -rc;
        size_t b = raw(r, 0, 0), e = raw(r, 0, 1);
        bool accept = true;
        if (e == pos) {
            accept = b != prev_end;
            pos += step_width(r->subj, n, pos);
        } else {
            pos = e;
        }
        prev_end = e;
        if (!accept)
            continue;
        i++;
        run_groups(r);
        rc = fn(ud, &h);
        if (rc)
            return rc;
    }
    return RN_OK;
}

/* See goregexp.h. */
int gore_each(const struct gore *re, const char *s, size_t n, int64_t limit,
              gore_hit_fn *fn, void *ud, struct rn_err *e)
{
    struct run r;
    int rc = run_start(&r, re, s, n, e);
    if (rc == RN_OK)
        rc = run_each(&r, limit, fn, ud);
    run_end(&r);
    return rc;
}

struct first {
    bool found;
    size_t beg, end;
};

static int take_first(void *ud, const struct gore_hit *h)
{
    struct first *f = ud;
    f->found = true;
    f->beg = h->beg[0];
    f->end = h->end[0];
    return RN_OK;
}

/* See goregexp.h. */
int gore_find(const struct gore *re, const char *s, size_t n, bool *found,
              size_t *beg, size_t *end, struct rn_err *e)
{
    struct first f = {false, 0, 0};
    int rc = gore_each(re, s, n, 1, take_first, &f, e);
    *found = f.found;
    *beg = f.beg;
    *end = f.end;
    return rc;
}

/* ---- Split ---- */

struct splitter {
    gore_piece_fn *fn;
    void *ud;
    int64_t limit, pieces;
    size_t beg, end;
    bool done;
};

static int split_hit(void *ud, const struct gore_hit *h)
{
    struct splitter *k = ud;
    if (k->done || (k->limit > 0 && k->pieces == k->limit - 1)) {
        k->done = true;
        return RN_OK;
    }
    k->end = h->beg[0];
    if (h->end[0] != 0) {
        int rc = k->fn(k->ud, h->s, k->beg, k->end);
        if (rc)
            return rc;
        k->pieces++;
    }
    k->beg = h->end[0];
    return RN_OK;
}

/* See goregexp.h. */
int gore_split(const struct gore *re, const char *s, size_t n, int64_t limit,
               gore_piece_fn *fn, void *ud, struct rn_err *e)
{
    struct splitter k = {fn, ud, limit, 0, 0, 0, false};
    s = s ? s : "";
    if (limit == 0)
        return RN_OK;
    if (re->srclen > 0 && n == 0)
        return fn(ud, s, 0, 0);
    int rc = gore_each(re, s, n, limit, split_hit, &k, e);
    if (rc == RN_OK && k.end != n)
        rc = fn(ud, s, k.beg, n);
    return rc;
}

/* ---- ReplaceAll and Expand ---- */

static bool is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '_';
}

/* The replacement's view of a run: Unicode letters for $name, compiled
 * only when a reference has a non-ASCII rune. */
struct expander {
    struct run *r;
    pcre2_code *letter;
    pcre2_match_data *letter_md;
};

/* Is the rune at t[0..w) one Go's unicode.IsLetter or IsDigit accepts (or
 * '_')?  Above ASCII PCRE2's Unicode tables answer; without memory for
 * them, any non-ASCII rune counts as a letter. */
static bool name_rune(struct expander *x, const char *t, size_t w, uint32_t r)
{
    if (r < 0x80)
        return is_word((unsigned char)r);
    if (!x->letter) {
        static const char pat[] = "\\A[\\p{L}\\p{Nd}]";
        int ecode;
        PCRE2_SIZE eoff;
        pcre2_compile_context *cctx =
            pcre2_compile_context_create(x->r->re->gctx);
        if (cctx)
            x->letter = pcre2_compile((PCRE2_SPTR)pat, sizeof pat - 1,
                                      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                      &ecode, &eoff, cctx);
        pcre2_compile_context_free(cctx);
        if (x->letter)
            x->letter_md =
                pcre2_match_data_create_from_pattern(x->letter, x->r->re->gctx);
    }
    if (!x->letter || !x->letter_md)
        return true;
    return pcre2_match(x->letter, (PCRE2_SPTR)t, w, 0, 0, x->letter_md, NULL) >
           0;
}

/* Go's extract: the group reference after '$' at t[0]: name span and
 * length consumed, or false when the '$' is literal. */
static bool expand_ref(struct expander *x, const char *t, size_t n,
                       const char **name, size_t *nlen, size_t *used)
{
    size_t i = 1;
    bool brace = n >= 2 && t[1] == '{';
    if (n < 2)
        return false;
    i += brace;
    size_t start = i;
    while (i < n) {
        uint32_t r;
        size_t w = utf8_decode(t + i, n - i, &r);
        if (!name_rune(x, t + i, w, r))
            break;
        i += w;
    }
    if (i == start)
        return false;
    *name = t + start;
    *nlen = i - start;
    if (brace) {
        if (i >= n || t[i] != '}')
            return false;
        i++;
    }
    *used = i;
    return true;
}

/* The set group a reference names: a number (no leading zeros, < 1e8) or
 * the first set group of that name; -1 when there is none. */
static int64_t expand_group(const struct run *r, const char *name, size_t n)
{
    int64_t num = 0;
    for (size_t i = 0; i < n && num >= 0; i++) {
        if (name[i] < '0' || name[i] > '9' || num >= 100000000)
            num = -1;
        else
            num = num * 10 + (name[i] - '0');
    }
    if (n > 1 && name[0] == '0')
        num = -1;
    if (num >= 0)
        return num <= r->re->ncap && r->beg[num] != SIZE_MAX ? num : -1;
    for (uint32_t g = 1; g <= r->re->ncap; g++) {
        const char *gn = r->re->names[g];
        if (gn && strlen(gn) == n && memcmp(gn, name, n) == 0 &&
            r->beg[g] != SIZE_MAX)
            return g;
    }
    return -1;
}

/* Go's Regexp.Expand of template t against the current match. */
static int expand(struct buf *b, struct expander *x, const char *t, size_t tn)
{
    const struct run *r = x->r;
    while (tn > 0) {
        const char *d = memchr(t, '$', tn);
        if (!d)
            break;
        int rc = buf_add(b, t, (size_t)(d - t));
        if (rc)
            return rc;
        tn -= (size_t)(d - t);
        t = d;
        const char *name;
        size_t nlen, used = 1;
        if (tn > 1 && t[1] == '$') {
            used = 2;
            rc = buf_add_char(b, '$');
        } else if (!expand_ref(x, t, tn, &name, &nlen, &used)) {
            used = 1;
            rc = buf_add_char(b, '$');
        } else {
            int64_t g = expand_group(r, name, nlen);
            if (g >= 0)
                rc = buf_add(b, r->s + r->beg[g], r->end[g] - r->beg[g]);
        }
        if (rc)
            return rc;
        t += used;
        tn -= used;
    }
    return buf_add(b, t, tn);
}

/* A buffer's failure (it has freed itself) as an error. */
static int buf_fail(struct rn_err *e, int rc)
{
    return rc == RN_ENOMEM ? rn_errf(e, rc, "out of memory")
                           : rn_errf(e, rc, "regexp: result too large");
}

struct replacer {
    const char *repl;
    size_t repln;
    bool literal;
};

/* Go's replaceAll loop: every match replaced, no replacement for an empty
 * match right after a match. */
static int replace_run(struct expander *x, const struct replacer *p,
                       struct buf *b)
{
    struct run *r = x->r;
    size_t last = 0, pos = 0;
    while (pos <= r->subjn) {
        int rc = run_exec(r, pos);
        if (rc < 0)
            return -rc;
        if (rc == 0)
            break;
        run_groups(r);
        size_t mb = r->beg[0], me = r->end[0];
        rc = buf_add(b, r->s + last, mb - last);
        if (rc == RN_OK && (me > last || mb == 0))
            rc = p->literal ? buf_add(b, p->repl, p->repln)
                            : expand(b, x, p->repl, p->repln);
        if (rc)
            return buf_fail(r->e, rc);
        last = me;
        size_t w = step_width(r->subj, r->subjn, pos), rend = raw(r, 0, 1);
        pos = pos + w > rend ? pos + w : rend;
    }
    int rc = buf_add(b, r->s + last, r->n - last);
    return rc ? buf_fail(r->e, rc) : RN_OK;
}

/* See goregexp.h. */
int gore_replace_all(const struct gore *re, const char *s, size_t n,
                     const char *repl, size_t repln, bool literal,
                     struct buf *out, struct rn_err *e)
{
    struct run r;
    struct replacer p = {repl ? repl : "", repln, literal};
    struct expander x = {&r, NULL, NULL};
    int rc = run_start(&r, re, s, n, e);
    if (rc == RN_OK)
        rc = replace_run(&x, &p, out);
    pcre2_match_data_free(x.letter_md);
    pcre2_code_free(x.letter);
    run_end(&r);
    return rc;
}

/* See goregexp.h. */
int gore_quote_meta(struct buf *out, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s[i] || !strchr("\\.+*?()|[]{}^$", s[i]))
            continue;
        if (buf_add(out, s + start, i - start) || buf_add_char(out, '\\'))
            return RN_ENOMEM;
        start = i;
    }
    return buf_add(out, s + start, n - start);
}
