/*
 * fuzz_expr.c: expr compilation and evaluation under libFuzzer.  Each input
 * is an expression; it is compiled and, when it compiles, run twice over a
 * fixed environment (numbers from JSON, lists, maps, the `time` variable)
 * in a capped arena, and its result is printed with %v.  Compile errors and
 * run-time errors are expected; a crash, leak, hang, sanitizer report or
 * an error without a message is a bug.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/gofmt.h"
#include "core/json.h"
#include "expr/expr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char env_json[] =
    "{\"i\":7,\"f\":2.5,\"z\":0,\"s\":\"hello\",\"t\":true,\"n\":null,"
    "\"arr\":[1,2,3,4,5],\"strs\":[\"a\",\"b\"],\"ea\":[],\"em\":{},"
    "\"m\":{\"a\":1,\"b\":{\"c\":\"deep\"}},"
    "\"objs\":[{\"name\":\"x\",\"v\":1},{\"name\":\"y\",\"v\":5}],"
    "\"ts\":\"2025-03-14T09:26:53Z\"}";

static struct val env_with_time(struct arena *a)
{
    struct val env;
    struct rn_err e;
    if (json_parse(a, env_json, sizeof env_json - 1, NULL, &env, &e) != RN_OK)
        abort();
    size_t n = val_obj_len(env);
    struct val_kv *kv = arena_alloc(a, (n + 1) * sizeof *kv);
    struct val_obj *o = arena_alloc(a, sizeof *o);
    if (!kv || !o)
        abort();
    memcpy(kv, env.u.obj->kv, n * sizeof *kv);
    kv[n].key = val_str("time", 4); /* "time" sorts after every key above */
    kv[n].v = expr_time_var(a);
    o->len = o->cap = (uint32_t)(n + 1);
    o->kv = kv;
    return val_obj(o, GT_MAP_ANY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    struct rn_err e = {0};
    struct expr_prog *p = expr_compile((const char *)data, size, "fuzz", &e);
    if (!p) {
        if (e.code == RN_OK || !e.msg[0])
            abort();
        return 0;
    }
    struct arena a;
    arena_init(&a, 256u << 20);
    struct val env = env_with_time(&a);
    for (int round = 0; round < 2; round++) {
        struct val v;
        if (expr_run(p, env, &a, &v, &e) != RN_OK) {
            if (!e.msg[0])
                abort();
            continue;
        }
        struct buf b;
        buf_init(&b, 1u << 20);
        gofmt_value(&b, v);
        buf_free(&b);
    }
    arena_free(&a);
    expr_free(p);
    return 0;
}
