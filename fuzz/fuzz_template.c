/*
 * fuzz_template.c: template parsing and execution under libFuzzer.  Each
 * input is a template text; it is parsed with the Go builtins and sprig
 * and, when it parses, executed over a fixed data value (numbers from
 * JSON, lists, maps, nested objects) with a capped arena and output.
 * Parse and exec errors are expected; a crash, leak, hang, sanitizer
 * report or an error without a message is a bug.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "template/sprig/sprig.h"
#include "template/template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char data_json[] =
    "{\"name\":\"demo\",\"empty\":\"\",\"zero\":0,\"one\":1,\"pi\":3.14159,"
    "\"big\":1000000,\"t\":true,\"f\":false,\"nil\":null,"
    "\"list\":[1,2,3],\"strs\":[\"a\",\"b\",\"c\"],\"empty_list\":[],"
    "\"mixed\":[1,\"two\",3.5,true,null,{\"k\":\"v\"},[1]],"
    "\"map\":{\"b\":2,\"a\":1,\"c\":3},\"empty_map\":{},"
    "\"nested\":{\"a\":{\"b\":{\"c\":\"deep\"}},\"list\":[{\"n\":\"x\"}]},"
    "\"html\":\"<b>\\\"Tom\\\" & 'Jerry'</b>\",\"uni\":\"h\\u00e9llo\","
    "\"ts\":\"2025-03-14T09:26:53Z\"}";

static void check_err(const struct rn_err *e)
{
    if (e->msg[0] == '\0')
        abort(); /* every failure must say why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    struct arena a;
    arena_init(&a, 64u << 20);
    struct rn_err e = {0};
    struct val dot;
    if (json_parse(&a, data_json, sizeof data_json - 1, NULL, &dot, &e))
        abort();
    struct tpl_funcs *f = tpl_funcs_new();
    if (!f)
        abort();
    sprig_register(f);
    struct tpl *t = tpl_parse("fuzz", (const char *)data, size, f, &e);
    if (!t) {
        check_err(&e);
    } else {
        struct buf out;
        buf_init(&out, 1u << 20);
        int rc = tpl_exec(t, dot, &a, &out, &e);
        if (rc != RN_OK)
            check_err(&e);
        buf_free(&out);
        tpl_free(t);
    }
    tpl_funcs_free(f);
    arena_free(&a);
    return 0;
}
