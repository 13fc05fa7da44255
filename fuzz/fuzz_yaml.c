/*
 * fuzz_yaml.c: the YAML reader under libFuzzer.  Each input is read in
 * both number modes; a float64-mode result must emit as JSON and parse
 * back as JSON to a deep-equal value (YAML gives what the JSON round trip
 * would).  What reads must also freeze into a doc (doc.h) deep-equal to
 * it, aliases kept shared; what fails must fail there too.  Any crash,
 * leak, sanitizer report or abort() here is a bug.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "core/json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct arena a;
    struct rn_err e;
    struct val v, w;
    struct goyaml_opts o = {.nums = JSON_NUM_FLOAT64, .src = "fuzz"};
    struct buf b;
    arena_init(&a, 0);
    buf_init(&b, 0);
    int ok = goyaml_parse(&a, s, size, &o, &v, &e) == RN_OK;
    if (ok) {
        if (json_emit(&b, v, NULL, &e) != RN_OK)
            abort();
        if (json_parse(&a, buf_str(&b), b.len, NULL, &w, &e) != RN_OK)
            abort();
        if (!val_deep_equal(v, w))
            abort();
    }
    struct doc *d = goyaml_parse_doc(s, size, &o, &e);
    if (!d != !ok || (d && !val_deep_equal(v, d->root)))
        abort();
    doc_unref(d);
    o.nums = JSON_NUM_INT64;
    (void)goyaml_parse(&a, s, size, &o, &v, &e);
    buf_free(&b);
    arena_free(&a);
    return 0;
}
