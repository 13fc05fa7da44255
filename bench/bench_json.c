/*
 * bench_json.c: json/decode (the project's parser building values in an
 * arena) against json/decode-jansson (jansson's json_loadb) on the bench
 * Rollout; json/decode-doc-frozen is the informer's parse (int64 numbers,
 * a frozen doc from a reused builder, released at once) and
 * json/decode-doc-arena the same into a doc with its own arena.  Their
 * B/op is what one doc takes from the heap.  jansson is a bench-only
 * dependency: it keeps the choice of an own parser honest.
 */
#include "bench.h"

#include "core/arena.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/json.h"

#include <jansson.h>

struct jcase {
    const char *text;
    size_t len;
    struct arena arena;
    struct doc_builder builder;
};

static const struct json_opts int64_mode = {.nums = JSON_NUM_INT64};

static size_t decode_own(void *ctx)
{
    struct jcase *j = ctx;
    struct rn_err e;
    struct val v;
    arena_reset(&j->arena);
    if (json_parse(&j->arena, j->text, j->len, NULL, &v, &e) != RN_OK)
        bench_fail("%s", e.msg);
    return j->arena.used;
}

/* The informer's parse: int64 numbers, a frozen doc, released at once. */
static size_t decode_frozen(void *ctx)
{
    struct jcase *j = ctx;
    struct rn_err e;
    struct doc *d =
        json_parse_doc_with(&j->builder, j->text, j->len, &int64_mode, &e);
    if (!d)
        bench_fail("%s", e.msg);
    doc_unref(d);
    return 0; /* B/op: the heap bytes the doc took */
}

/* The same into a doc with an arena of its own (the layout before frozen
 * docs were compacted). */
static size_t decode_arena_doc(void *ctx)
{
    struct jcase *j = ctx;
    struct rn_err e;
    struct doc *d = doc_new();
    if (!d || json_parse(&d->arena, j->text, j->len, &int64_mode, &d->root,
                         &e) != RN_OK)
        bench_fail("%s", d ? e.msg : "out of memory");
    doc_unref(d);
    return 0; /* B/op: the heap bytes the doc took */
}

static size_t decode_jansson(void *ctx)
{
    struct jcase *j = ctx;
    json_error_t err;
    json_t *root = json_loadb(j->text, j->len, 0, &err);
    if (!root)
        bench_fail("jansson: %s", err.text);
    json_decref(root);
    return 0;
}

void bench_json(const struct bench_inputs *in)
{
    struct jcase j = {.text = in->rollout_json, .len = in->rollout_len};
    arena_init(&j.arena, 0);
    doc_builder_init(&j.builder);
    bench_measure("json", "decode", decode_own, &j, in->rollout_len);
    bench_measure("json", "decode-doc-frozen", decode_frozen, &j,
                  in->rollout_len);
    bench_measure("json", "decode-doc-arena", decode_arena_doc, &j,
                  in->rollout_len);
    bench_measure("json", "decode-jansson", decode_jansson, &j,
                  in->rollout_len);
    arena_free(&j.arena);
    doc_builder_free(&j.builder);
}
