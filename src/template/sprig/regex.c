/*
 * regex.c: sprig's regex functions (regexMatch, regexFind, regexFindAll,
 * regexReplaceAll, regexReplaceAllLiteral, regexSplit, their must* forms,
 * regexQuoteMeta): Go's regexp package as core/goregexp.h implements it,
 * adapted to sprig's calling convention and error texts.  The plain forms
 * panic the way regexp.MustCompile does on a bad pattern (regexMatch
 * quietly gives false); the must* forms return Go's compile error.
 */
#include "sprig_int.h"

#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"
#include "../../core/goregexp.h"
#include "../../core/limits.h"
#include "../../core/utf8.h"

#include <string.h>

static const char must_marker = 1;
#define MUST ((void *)&must_marker)

/* Go's CanBackquote: no backquote, no control character but tab, valid
 * UTF-8, no BOM. */
static bool can_backquote(const char *s, size_t n)
{
    if (!utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '`' || ch == 0x7f || (ch < ' ' && ch != '\t'))
            return false;
        if (ch == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB &&
            (unsigned char)s[i + 2] == 0xBF)
            return false;
    }
    return true;
}

/* A core error as the template's: memory, or Go's text. */
static int core_error(struct tpl_fcall *c, const struct rn_err *e)
{
    if (e->code == RN_ENOMEM)
        return sprig_nomem(c);
    return sprig_fail(c, "%s", e->msg);
}

/* A compile error: the must* forms return Go's error; the others panic
 * the way regexp.MustCompile does. */
static int compile_error(struct tpl_fcall *c, struct val pat,
                         const struct rn_err *e)
{
    if (c->ud == MUST || e->code != RN_ESYNTAX)
        return core_error(c, e);
    const char *s = val_str_ptr(pat);
    size_t n = val_str_len(pat);
    if (can_backquote(s, n))
        return sprig_fail(c, "regexp: Compile(`%.*s`): %s", (int)n, s, e->msg);
    struct buf q;
    buf_init(&q, 4096);
    int rc = gofmt_quote(&q, s, n, 0);
    rc = rc ? sprig_nomem(c)
            : sprig_fail(c, "regexp: Compile(%s): %s", buf_str(&q), e->msg);
    buf_free(&q);
    return rc;
}

/* Compile argv[0]; on failure the error is already reported. */
static int compile_arg(struct tpl_fcall *c, struct val pat, struct gore **re)
{
    struct rn_err e = {0};
    int rc = gore_compile(val_str_ptr(pat), val_str_len(pat), 0, re, &e);
    return rc ? compile_error(c, pat, &e) : RN_OK;
}

/* regexMatch re s (false on a bad pattern) / mustRegexMatch re s */
static int f_match(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct gore *re;
    struct rn_err e = {0};
    bool m = false;
    (void)argc;
    int rc =
        gore_compile(val_str_ptr(argv[0]), val_str_len(argv[0]), 0, &re, &e);
    if (rc == RN_ESYNTAX && c->ud != MUST) {
        *out = val_bool(false);
        return RN_OK;
    }
    if (rc == RN_OK) {
        rc = gore_match(re, val_str_ptr(argv[1]), val_str_len(argv[1]), &m, &e);
        gore_free(re);
    }
    if (rc)
        return core_error(c, &e);
    *out = val_bool(m);
    return RN_OK;
}

/* regexFind re s: the leftmost match or "". */
static int f_find(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    struct gore *re;
    struct rn_err e = {0};
    const char *s = val_str_ptr(argv[1]);
    size_t b, end;
    bool found;
    (void)argc;
    int rc = compile_arg(c, argv[0], &re);
    if (rc)
        return rc;
    rc = gore_find(re, s, val_str_len(argv[1]), &found, &b, &end, &e);
    gore_free(re);
    if (rc)
        return core_error(c, &e);
    if (!found) {
        *out = val_str("", 0);
        return RN_OK;
    }
    return sprig_out_str(c, s + b, end - b, out);
}

struct collect {
    struct tpl_fcall *c;
    struct val_list *l;
};

static int collect_piece(void *ud, const char *s, size_t beg, size_t end)
{
    struct collect *k = ud;
    struct val v;
    int rc = sprig_out_str(k->c, s + beg, end - beg, &v);
    return rc ? rc : sprig_list_push(k->c, k->l, v);
}

static int collect_match(void *ud, const struct gore_hit *h)
{
    return collect_piece(ud, h->s, h->beg[0], h->end[0]);
}

/* The status of a walk: a failure of the core's own is reported here;
 * a callback's is already in c->err. */
static int walk_status(struct tpl_fcall *c, int rc, const struct rn_err *e)
{
    return rc && e->code ? core_error(c, e) : rc;
}

/* regexFindAll re s n: []string of up to n matches (n < 0: all); nil
 * (printed []) when there are none or n == 0. */
static int f_find_all(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct gore *re;
    struct rn_err e = {0};
    struct collect k = {c, sprig_list_alloc(c, 0)};
    int64_t limit = val_int_of(argv[2]);
    (void)argc;
    if (!k.l)
        return sprig_nomem(c);
    int rc = compile_arg(c, argv[0], &re);
    if (rc)
        return rc;
    if (limit != 0)
        rc = gore_each(re, val_str_ptr(argv[1]), val_str_len(argv[1]), limit,
                       collect_match, &k, &e);
    gore_free(re);
    *out = val_list(k.l, GT_LIST_STRING);
    if (k.l->len == 0)
        out->flags |= VAL_F_NILPTR;
    return walk_status(c, rc, &e);
}

/* regexSplit re s n: Go's Regexp.Split. */
static int f_split(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct gore *re;
    struct rn_err e = {0};
    struct collect k = {c, sprig_list_alloc(c, 0)};
    int64_t limit = val_int_of(argv[2]);
    (void)argc;
    if (!k.l)
        return sprig_nomem(c);
    int rc = compile_arg(c, argv[0], &re);
    if (rc)
        return rc;
    rc = gore_split(re, val_str_ptr(argv[1]), val_str_len(argv[1]), limit,
                    collect_piece, &k, &e);
    gore_free(re);
    *out = val_list(k.l, GT_LIST_STRING);
    if (limit == 0)
        out->flags |= VAL_F_NILPTR;
    return walk_status(c, rc, &e);
}

/* regexReplaceAll re s repl / regexReplaceAllLiteral re s repl; ud of the
 * literal forms points at literal_marker. */
static const char literal_marker = 1;
static const char must_literal_marker = 1;

static int f_replace(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct gore *re;
    struct rn_err e = {0};
    struct buf b;
    bool literal = c->ud == &literal_marker || c->ud == &must_literal_marker;
    void *ud = c->ud;
    (void)argc;
    if (ud == &must_literal_marker)
        c->ud = MUST;
    int rc = compile_arg(c, argv[0], &re);
    c->ud = ud;
    if (rc)
        return rc;
    buf_init(&b, RN_TPL_MAX_OUTPUT);
    rc = gore_replace_all(re, val_str_ptr(argv[1]), val_str_len(argv[1]),
                          val_str_ptr(argv[2]), val_str_len(argv[2]), literal,
                          &b, &e);
    gore_free(re);
    if (rc == RN_OK)
        rc = sprig_out_str(c, buf_str(&b), b.len, out);
    else
        rc = core_error(c, &e);
    buf_free(&b);
    return rc;
}

/* regexQuoteMeta s: Go's regexp.QuoteMeta. */
static int f_quote_meta(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    struct buf b;
    (void)argc;
    buf_init(&b, RN_TPL_MAX_OUTPUT);
    int rc = gore_quote_meta(&b, val_str_ptr(argv[0]), val_str_len(argv[0]));
    if (rc == RN_OK)
        rc = sprig_out_str(c, buf_str(&b), b.len, out);
    else
        rc = sprig_out_buf(c, &b, rc, out);
    buf_free(&b);
    return rc;
}

static const struct tpl_func_def regex_funcs[] = {
    {"regexMatch", f_match, "ss", NULL},
    {"mustRegexMatch", f_match, "ss", MUST},
    {"regexFindAll", f_find_all, "ssi", NULL},
    {"mustRegexFindAll", f_find_all, "ssi", MUST},
    {"regexFind", f_find, "ss", NULL},
    {"mustRegexFind", f_find, "ss", MUST},
    {"regexReplaceAll", f_replace, "sss", NULL},
    {"mustRegexReplaceAll", f_replace, "sss", MUST},
    {"regexReplaceAllLiteral", f_replace, "sss", (void *)&literal_marker},
    {"mustRegexReplaceAllLiteral", f_replace, "sss",
     (void *)&must_literal_marker},
    {"regexSplit", f_split, "ssi", NULL},
    {"mustRegexSplit", f_split, "ssi", MUST},
    {"regexQuoteMeta", f_quote_meta, "s", NULL},
};

SPRIG_GROUP(regex, regex_funcs);
