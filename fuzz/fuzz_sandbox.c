/*
 * fuzz_sandbox.c: what rnotify-sandbox parses from clients, under
 * libFuzzer.  The first byte picks the parser, the rest is its input:
 *   0  a label selector, matched against a fixed object
 *   1  a field selector, for every resource
 *   2  a merge patch: "TARGET\nPATCH"; applying the result's patch again
 *      must change nothing (RFC 7386 is idempotent)
 *   3  a JSON patch: "TARGET\nOPS"
 *   4  a strategic merge patch: "TARGET\nPATCH"
 *   5  a protobuf body, as each resource that accepts one
 * Every result must emit as JSON.  Any crash, leak, sanitizer report or
 * abort() here is a bug.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "sandbox/sandbox.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char object[] =
    "{\"metadata\":{\"name\":\"demo\",\"namespace\":\"default\","
    "\"labels\":{\"app\":\"demo\",\"n\":\"5\",\"example.com/role\":\"x\"}},"
    "\"involvedObject\":{\"kind\":\"Rollout\"},\"type\":\"Normal\"}";

static void emits(struct val v)
{
    struct buf b;
    buf_init(&b, 0);
    if (sb_emit(&b, v) != RN_OK)
        abort();
    buf_free(&b);
}

static void selectors(struct arena *a, const char *s, bool field)
{
    struct sb_selector sel;
    struct rn_err e;
    struct val obj;
    if (sb_parse_body(a, object, sizeof object - 1, false, &obj, &e))
        abort();
    for (int res = 0; res < (field ? SB_NRES : 1); res++) {
        int rc = field ? sb_field_parse(a, s, res, &sel, &e)
                       : sb_label_parse(a, s, &sel, &e);
        if (rc == RN_OK)
            (void)sb_sel_match(&sel, obj, res);
        else if (!e.msg[0])
            abort(); /* every error says what is wrong */
    }
}

static bool two(struct arena *a, const char *s, size_t n, struct val *t,
                struct val *p)
{
    struct rn_err e;
    const char *nl = memchr(s, '\n', n);
    if (!nl)
        return false;
    if (sb_parse_body(a, s, (size_t)(nl - s), false, t, &e))
        *t = sb_vobj();
    return sb_parse_body(a, nl + 1, n - (size_t)(nl - s) - 1, false, p, &e) ==
           RN_OK;
}

static void patches(struct arena *a, int kind, const char *s, size_t n)
{
    struct val t, p, out, again;
    struct rn_err e;
    if (!two(a, s, n, &t, &p))
        return;
    if (kind == 3) {
        if (sb_json_patch(a, t, p, &out, &e) == RN_OK)
            emits(out);
        return;
    }
    int (*fn)(struct arena *, struct val, struct val, struct val *) =
        kind == 2 ? sb_merge_patch : sb_strategic_patch;
    if (fn(a, t, p, &out) != RN_OK)
        return;
    emits(out);
    if (kind == 2 &&
        (fn(a, out, p, &again) != RN_OK || !val_deep_equal(out, again)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    struct arena a;
    arena_init(&a, 64u << 20);
    char *s = arena_strndup(&a, (const char *)data + 1, size - 1);
    size_t n = size - 1;
    struct val out;
    struct rn_err e;
    switch (data[0] % 6) {
    case 0:
    case 1:
        selectors(&a, s, data[0] % 6 == 1);
        break;
    case 5:
        for (int res = 0; res < SB_NRES; res++)
            if (sb_protobuf_decode(&a, res, s, n, &out, &e) == RN_OK)
                emits(out);
        break;
    default:
        patches(&a, data[0] % 6, s, n);
    }
    arena_free(&a);
    return 0;
}
