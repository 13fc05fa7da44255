/*
 * lists.c: sprig's list functions.
 *
 * Sprig reaches list items through reflection, so any slice or array
 * works; results are fresh []interface {} (input lists are never
 * changed), except slice, which returns a view of the same type.  A
 * non-list argument is an error naming its reflect Kind ("Cannot find
 * first on type int"); nil makes Go's reflect.TypeOf(nil).Kind() panic,
 * reported as the nil dereference it is.  The must* twins fail the same
 * way as their panicking siblings, since a template sees both as errors.
 * until, untilStep and seq build integer sequences.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/err.h"
#include "../../core/gofmt.h"
#include "../../core/limits.h"

#include <math.h>
#include <string.h>

#define NIL_DEREF                                                              \
    "runtime error: invalid memory address or nil pointer dereference"

/* Check that v is a slice or an array; sprig's message is `what` with
 * the kind in place of the '%'. */
static int need_list(struct tpl_fcall *c, struct val v, const char *what)
{
    const char *pct = strchr(what, '%');
    if (v.kind == VAL_NULL)
        return sprig_fail(c, NIL_DEREF);
    if (v.kind != VAL_ARRAY)
        return sprig_fail(c, "%.*s%s%s", (int)(pct - what), what,
                          val_kind_name(v), pct + 1);
    return RN_OK;
}

static const struct val *items_of(struct val v)
{
    return v.u.list ? v.u.list->items : NULL;
}

/* A new []interface {} holding n items copied from src (NULL: nils). */
static int new_list(struct tpl_fcall *c, const struct val *src, size_t n,
                    struct val *out)
{
    struct val_list *l = sprig_list_alloc(c, n);
    if (!l)
        return sprig_nomem(c);
    if (n && src)
        memcpy(l->items, src, n * sizeof *src);
    *out = val_list(l, GT_LIST_ANY);
    return RN_OK;
}

/* Go's nil []interface {}: prints [] but is a typed nil. */
static struct val nil_list(void)
{
    struct val v = val_list(NULL, GT_LIST_ANY);
    v.flags |= VAL_F_NILPTR;
    return v;
}

static int f_list(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return new_list(c, argv, (size_t)argc, out);
}

static int f_first(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find first on type %");
    (void)argc;
    if (rc)
        return rc;
    *out = val_list_len(argv[0]) ? val_list_at(argv[0], 0) : val_null();
    return RN_OK;
}

static int f_last(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find last on type %");
    size_t n = rc ? 0 : val_list_len(argv[0]);
    (void)argc;
    if (rc)
        return rc;
    *out = n ? val_list_at(argv[0], n - 1) : val_null();
    return RN_OK;
}

static int f_rest(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find rest on type %");
    size_t n = rc ? 0 : val_list_len(argv[0]);
    (void)argc;
    if (rc)
        return rc;
    if (n == 0) {
        *out = nil_list();
        return RN_OK;
    }
    return new_list(c, items_of(argv[0]) + 1, n - 1, out);
}

static int f_initial(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find initial on type %");
    size_t n = rc ? 0 : val_list_len(argv[0]);
    (void)argc;
    if (rc)
        return rc;
    if (n == 0) {
        *out = nil_list();
        return RN_OK;
    }
    return new_list(c, items_of(argv[0]), n - 1, out);
}

static int f_reverse(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find reverse on type %");
    size_t n = rc ? 0 : val_list_len(argv[0]);
    (void)argc;
    if (rc == RN_OK)
        rc = new_list(c, NULL, n, out);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        out->u.list->items[n - 1 - i] = val_list_at(argv[0], i);
    return RN_OK;
}

/* append/push list v */
static int f_push(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot push on type %");
    size_t n = rc ? 0 : val_list_len(argv[0]);
    (void)argc;
    if (rc == RN_OK)
        rc = new_list(c, items_of(argv[0]), n + 1, out);
    if (rc == RN_OK)
        out->u.list->items[n] = argv[1];
    return rc;
}

static int f_prepend(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot prepend on type %");
    size_t n = rc ? 0 : val_list_len(argv[0]);
    (void)argc;
    if (rc == RN_OK)
        rc = new_list(c, NULL, n + 1, out);
    if (rc)
        return rc;
    out->u.list->items[0] = argv[1];
    if (n)
        memcpy(out->u.list->items + 1, items_of(argv[0]),
               n * sizeof(struct val));
    return RN_OK;
}

/* Copy the items of v for which keep() holds into a new list. */
static int filter(struct tpl_fcall *c, struct val v,
                  bool (*keep)(struct val it, const struct val *aux, int naux),
                  const struct val *aux, int naux, struct val *out)
{
    int rc = new_list(c, NULL, 0, out);
    for (size_t i = 0; i < val_list_len(v) && rc == RN_OK; i++) {
        struct val it = val_list_at(v, i);
        if (keep(it, aux, naux))
            rc = sprig_list_push(c, out->u.list, it);
    }
    return rc;
}

static bool in_vals(struct val needle, const struct val *hay, int n)
{
    for (int i = 0; i < n; i++)
        if (val_deep_equal(needle, hay[i]))
            return true;
    return false;
}

static bool keep_nonempty(struct val it, const struct val *aux, int naux)
{
    (void)aux;
    (void)naux;
    return !sprig_empty(it);
}

static bool keep_absent(struct val it, const struct val *aux, int naux)
{
    return !in_vals(it, aux, naux);
}

static int f_compact(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot compact on type %");
    (void)argc;
    return rc ? rc : filter(c, argv[0], keep_nonempty, NULL, 0, out);
}

static int f_without(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find without on type %");
    return rc ? rc : filter(c, argv[0], keep_absent, argv + 1, argc - 1, out);
}

static int f_uniq(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    int rc = need_list(c, argv[0], "Cannot find uniq on type %");
    (void)argc;
    if (rc == RN_OK)
        rc = new_list(c, NULL, 0, out);
    for (size_t i = 0; rc == RN_OK && i < val_list_len(argv[0]); i++) {
        struct val it = val_list_at(argv[0], i);
        struct val_list *l = out->u.list;
        if (!in_vals(it, l->items, (int)l->len))
            rc = sprig_list_push(c, l, it);
    }
    return rc;
}

/* has needle haystack: a nil haystack has nothing. */
static int f_has(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    struct val hay = argv[1];
    (void)argc;
    *out = val_bool(false);
    if (hay.kind == VAL_NULL)
        return RN_OK;
    int rc = need_list(c, hay, "Cannot find has on type %");
    if (rc)
        return rc;
    *out = val_bool(in_vals(argv[0], items_of(hay), (int)val_list_len(hay)));
    return RN_OK;
}

/* slice list [start [end]]: list[start:end] of the same type; nil for an
 * empty list. */
static int f_slice(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct val v = argv[0];
    int64_t n, start = 0, end;
    int rc = need_list(c, v, "list should be type of slice or array but %");
    if (rc)
        return rc;
    n = end = (int64_t)val_list_len(v);
    if (n == 0) {
        *out = val_null();
        return RN_OK;
    }
    if (argc > 1)
        start = sprig_toint(argv[1]);
    if (argc > 2)
        end = sprig_toint(argv[2]);
    if (start < 0 || end < start || end > n)
        return sprig_fail(c, "reflect.Value.Slice: slice index out of range");
    struct val_list *l = arena_alloc(c->arena, sizeof *l);
    if (!l)
        return sprig_nomem(c);
    l->len = l->cap = (uint32_t)(end - start);
    l->items = v.u.list->items + start;
    *out = val_list(l, val_gotype(v) == GT_ARRAY_FIXED ? GT_LIST_ANY
                                                       : val_gotype(v));
    return RN_OK;
}

static int f_concat(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct val_list *l = NULL;
    int rc = RN_OK;
    for (int i = 0; i < argc && rc == RN_OK; i++) {
        rc = need_list(c, argv[i], "Cannot concat type % as list");
        size_t n = rc ? 0 : val_list_len(argv[i]);
        for (size_t k = 0; k < n && rc == RN_OK; k++) {
            if (!l && !(l = sprig_list_alloc(c, 0)))
                return sprig_nomem(c);
            rc = sprig_list_push(c, l, val_list_at(argv[i], k));
        }
    }
    if (rc == RN_OK)
        *out = l ? val_list(l, GT_LIST_ANY) : nil_list();
    return rc;
}

/* chunk size list: Go's arithmetic kept, so odd sizes fail as they do
 * there (a negative length panics in make). */
static int f_chunk(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    int64_t size = argv[0].u.i, n;
    int rc = need_list(c, argv[1], "Cannot chunk type %");
    (void)argc;
    if (rc)
        return rc;
    n = (int64_t)val_list_len(argv[1]);
    double fcs = floor((double)(n - 1) / (double)size) + 1;
    if (!(fcs >= 0) || fcs > (double)n + 1)
        return sprig_fail(c, "runtime error: makeslice: len out of range");
    int64_t cs = (int64_t)fcs;
    if ((rc = new_list(c, NULL, (size_t)cs, out)))
        return rc;
    for (int64_t i = 0; i < cs; i++) {
        int64_t clen = size;
        if (i == cs - 1) {
            clen = (int64_t)floor(fmod((double)n, (double)size));
            if (clen == 0)
                clen = size;
        }
        if (clen < 0)
            return sprig_fail(c, "runtime error: makeslice: len out of "
                                 "range");
        if (i * size + clen > n)
            return sprig_fail(c, "reflect: slice index out of range");
        rc = new_list(c, items_of(argv[1]) + i * size, (size_t)clen,
                      &out->u.list->items[i]);
        if (rc)
            return rc;
    }
    return RN_OK;
}

/* ---- integer sequences ---- */

/* untilStep start stop step as a []int; nothing when the step does not
 * lead from start towards stop. */
static int until_step(struct tpl_fcall *c, int64_t start, int64_t stop,
                      int64_t step, struct val *out)
{
    struct val_list *l = sprig_list_alloc(c, 0);
    if (!l)
        return sprig_nomem(c);
    *out = val_list(l, GT_LIST_INT);
    if (stop < start ? step >= 0 : step <= 0)
        return RN_OK;
    double count = ((double)stop - (double)start) / (double)step;
    if (count > RN_TPL_MAX_RANGE_STEPS)
        return rn_errf(c->err, RN_ELIMIT, "sequence too long");
    for (int64_t i = start; stop < start ? i > stop : i < stop; i += step) {
        int rc = sprig_list_push(c, l, val_int(i));
        if (rc)
            return rc;
        if ((step > 0 && i > INT64_MAX - step) ||
            (step < 0 && i < INT64_MIN - step))
            break;
    }
    return RN_OK;
}

static int f_until(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    return until_step(c, 0, argv[0].u.i, argv[0].u.i < 0 ? -1 : 1, out);
}

static int f_untilstep(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return until_step(c, argv[0].u.i, argv[1].u.i, argv[2].u.i, out);
}

/* seq [start] [step] end, printed space-separated. */
static int f_seq(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    int64_t start = 1, end = 0, step = 1;
    struct val l;
    struct buf b;
    int rc = RN_OK;
    if (argc == 0 || argc > 3)
        return sprig_out_str(c, "", 0, out);
    if (argc == 1) {
        end = argv[0].u.i;
        step = end < start ? -1 : 1;
        rc = until_step(c, start, end + step, step, &l);
    } else if (argc == 2) {
        start = argv[0].u.i;
        end = argv[1].u.i;
        step = end < start ? -1 : 1;
        rc = until_step(c, start, end + step, step, &l);
    } else {
        int64_t inc = 1;
        start = argv[0].u.i;
        step = argv[1].u.i;
        end = argv[2].u.i;
        if (end < start) {
            inc = -1;
            if (step > 0)
                return sprig_out_str(c, "", 0, out);
        }
        rc = until_step(c, start, end + inc, step, &l);
    }
    if (rc)
        return rc;
    buf_init(&b, 0);
    for (size_t i = 0; i < val_list_len(l) && rc == RN_OK; i++) {
        if (i)
            rc = buf_add_char(&b, ' ');
        if (rc == RN_OK)
            rc = gofmt_int(&b, val_list_at(l, i).u.i, 10);
    }
    return sprig_out_buf(c, &b, rc, out);
}

static const struct tpl_func_def list_funcs[] = {
    {"list", f_list, ".v", NULL},
    {"tuple", f_list, ".v", NULL},
    {"first", f_first, "v", NULL},
    {"mustFirst", f_first, "v", NULL},
    {"last", f_last, "v", NULL},
    {"mustLast", f_last, "v", NULL},
    {"rest", f_rest, "v", NULL},
    {"mustRest", f_rest, "v", NULL},
    {"initial", f_initial, "v", NULL},
    {"mustInitial", f_initial, "v", NULL},
    {"reverse", f_reverse, "v", NULL},
    {"mustReverse", f_reverse, "v", NULL},
    {"append", f_push, "vv", NULL},
    {"push", f_push, "vv", NULL},
    {"mustAppend", f_push, "vv", NULL},
    {"mustPush", f_push, "vv", NULL},
    {"prepend", f_prepend, "vv", NULL},
    {"mustPrepend", f_prepend, "vv", NULL},
    {"compact", f_compact, "v", NULL},
    {"mustCompact", f_compact, "v", NULL},
    {"uniq", f_uniq, "v", NULL},
    {"mustUniq", f_uniq, "v", NULL},
    {"without", f_without, "v.v", NULL},
    {"mustWithout", f_without, "v.v", NULL},
    {"has", f_has, "vv", NULL},
    {"mustHas", f_has, "vv", NULL},
    {"slice", f_slice, "v.v", NULL},
    {"mustSlice", f_slice, "v.v", NULL},
    {"concat", f_concat, ".v", NULL},
    {"chunk", f_chunk, "iv", NULL},
    {"mustChunk", f_chunk, "iv", NULL},
    {"until", f_until, "i", NULL},
    {"untilStep", f_untilstep, "iii", NULL},
    {"seq", f_seq, ".i", NULL},
};

SPRIG_GROUP(lists, list_funcs);
