/*
 * fuzz_json.c: the JSON parser and emitter under libFuzzer.  Each input is
 * parsed in both number modes; what parses is emitted compactly and
 * indented, and in float64 mode the output must parse back to a deep-equal
 * value.  The raw bytes also go through the string escaper, whose output
 * must always be a valid JSON string.  What parses must also freeze into a
 * doc (doc.h: one exact block, shared strings) deep-equal to it, through a
 * builder reused across both modes; what fails must fail there too.  Any
 * crash, leak, sanitizer report or abort() here is a bug.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(struct arena *a, struct val v, unsigned flags)
{
    struct buf b;
    struct rn_err e;
    struct val w;
    struct json_emit_opts o = {.flags = flags, .prefix = "", .indent = "\t"};
    buf_init(&b, 0);
    if (json_emit(&b, v, &o, &e) != RN_OK)
        abort(); /* parsed JSON always re-emits */
    if (json_parse(a, buf_str(&b), b.len, NULL, &w, &e) != RN_OK)
        abort();
    if (!val_deep_equal(v, w))
        abort();
    buf_free(&b);
}

static void check_string(struct arena *a, const char *s, size_t n)
{
    struct buf b;
    struct rn_err e;
    struct val w;
    buf_init(&b, 0);
    if (json_emit_string(&b, s, n, n & 1 ? JSON_RAW : 0) != RN_OK)
        abort();
    if (json_parse(a, buf_str(&b), b.len, NULL, &w, &e) != RN_OK ||
        w.kind != VAL_STRING)
        abort();
    buf_free(&b);
}

/* The frozen doc of s equals v (ok), or does not exist (!ok). */
static void check_frozen(struct doc_builder *db, const char *s, size_t n,
                         const struct json_opts *o, int ok, struct val v)
{
    struct rn_err e;
    struct doc *d = json_parse_doc_with(db, s, n, o, &e);
    if (!d != !ok || (d && !val_deep_equal(v, d->root)))
        abort();
    doc_unref(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct arena a;
    struct rn_err e;
    struct val v;
    struct json_opts ints = {.nums = JSON_NUM_INT64};
    struct doc_builder db;
    arena_init(&a, 0);
    doc_builder_init(&db);
    int ok = json_parse(&a, s, size, NULL, &v, &e) == RN_OK;
    if (ok) {
        check_roundtrip(&a, v, 0);
        check_roundtrip(&a, v, JSON_PRETTY | JSON_RAW);
    }
    check_frozen(&db, s, size, NULL, ok, v);
    ok = json_parse(&a, s, size, &ints, &v, &e) == RN_OK;
    if (ok) {
        struct buf b;
        buf_init(&b, 0);
        if (json_emit(&b, v, NULL, &e) != RN_OK)
            abort();
        buf_free(&b);
    }
    check_frozen(&db, s, size, &ints, ok, v);
    check_string(&a, s, size);
    doc_builder_free(&db);
    arena_free(&a);
    return 0;
}
