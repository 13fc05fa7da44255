/*
 * bench_json.c: json/decode (the project's parser building a frozen
 * document) against json/decode-jansson (jansson's json_loadb) on the
 * bench Rollout.  jansson is a bench-only dependency: it keeps the choice
 * of an own parser honest.
 */
#include "bench.h"

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#include <jansson.h>

struct jcase {
    const char *text;
    size_t len;
    struct arena arena;
};

static size_t decode_own(void *ctx)
{
    struct jcase *j = ctx;
    struct rn_err e;
    struct val v;
    arena_reset(&j->arena);
    json_parse(&j->arena, j->text, j->len, NULL, &v, &e);
    return j->arena.used;
}

static size_t decode_jansson(void *ctx)
{
    struct jcase *j = ctx;
    json_error_t err;
    json_t *root = json_loadb(j->text, j->len, 0, &err);
    json_decref(root);
    return 0;
}

void bench_json(const struct bench_inputs *in)
{
    struct jcase j = {.text = in->rollout_json, .len = in->rollout_len};
    arena_init(&j.arena, 0);
    bench_measure("json", "decode", decode_own, &j, in->rollout_len);
    bench_measure("json", "decode-jansson", decode_jansson, &j,
                  in->rollout_len);
    arena_free(&j.arena);
}
