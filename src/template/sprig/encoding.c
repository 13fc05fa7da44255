/*
 * encoding.c: base64/base32 and JSON for templates.
 *
 * b64dec and b32dec never fail: like sprig they return Go's decoder error
 * text ("illegal base64 data at input byte 4") as the result, so the
 * decoders below reproduce Go's error offsets.  toJson and friends use
 * the project's encoding/json emitter; the plain forms swallow errors
 * (toJson gives ""), the must forms report them, and toRawJson fails as
 * sprig's panics.  fromJson decodes into Go's `any` (every number a
 * float64) and gives nil on bad input.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/codec.h"
#include "../../core/err.h"
#include "../../core/json.h"

#include <string.h>

static const char b32_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int alpha_index(const char *alpha, unsigned char ch)
{
    const char *p = ch ? strchr(alpha, ch) : NULL;
    return p ? (int)(p - alpha) : -1;
}

/* ---- base64 ---- */

static int f_b64enc(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    size_t n = argv[0].len;
    (void)argc;
    char *o = arena_alloc(c->arena, codec_b64_len(n, 0) + 1);
    if (!o)
        return sprig_nomem(c);
    *out = val_str(o, codec_b64_encode(o, argv[0].u.s, n, 0));
    return RN_OK;
}

static bool is_nl(char ch)
{
    return ch == '\n' || ch == '\r';
}

/* b64dec: Go's decoder error text is the result, as sprig returns it. */
static int f_b64dec(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    size_t n = argv[0].len, len, bad;
    (void)argc;
    unsigned char *o = arena_alloc(c->arena, n + 1);
    if (!o)
        return sprig_nomem(c);
    if (codec_b64_decode(argv[0].u.s, n, 0, o, &len, &bad) != RN_OK) {
        char *msg = arena_printf(c->arena,
                                 "illegal base64 data at input byte %zu", bad);
        if (!msg)
            return sprig_nomem(c);
        *out = val_str(msg, strlen(msg));
        return RN_OK;
    }
    o[len] = '\0';
    *out = val_str((const char *)o, len);
    return RN_OK;
}

/* ---- base32 ---- */

static int f_b32enc(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    const unsigned char *s = (const unsigned char *)argv[0].u.s;
    size_t n = argv[0].len, k = 0;
    static const int chars[] = {0, 2, 4, 5, 7, 8};
    (void)argc;
    char *o = arena_alloc(c->arena, (n + 4) / 5 * 8 + 1);
    if (!o)
        return sprig_nomem(c);
    for (size_t i = 0; i < n; i += 5) {
        size_t m = n - i < 5 ? n - i : 5;
        uint64_t v = 0;
        for (size_t j = 0; j < 5; j++)
            v = v << 8 | (j < m ? s[i + j] : 0);
        for (int j = 0; j < 8; j++)
            o[k++] = j < chars[m] ? b32_alpha[(v >> (35 - 5 * j)) & 31] : '=';
    }
    o[k] = '\0';
    *out = val_str(o, k);
    return RN_OK;
}

/* Go's base32 decode of s (newlines already removed); the error offset or
 * -1. */
static long b32_decode(const char *s, size_t n, char *o, size_t *k)
{
    size_t pos = 0;
    bool end = false;
    while (pos < n && !end) {
        uint8_t d[8] = {0};
        int dlen = 8;
        for (int j = 0; j < 8;) {
            if (pos == n)
                return (long)(pos - (size_t)j);
            unsigned char in = (unsigned char)s[pos++];
            size_t left = n - pos;
            if (in == '=' && j >= 2 && left < 8) {
                if (left + (size_t)j < 7)
                    return (long)n;
                for (size_t q = 0; q < (size_t)(7 - j); q++)
                    if (left > q && s[pos + q] != '=')
                        return (long)(pos + q - 1);
                dlen = j;
                end = true;
                if (dlen == 1 || dlen == 3 || dlen == 6)
                    return (long)(pos - 1);
                break;
            }
            int v = alpha_index(b32_alpha, in);
            if (v < 0)
                return (long)(pos - 1);
            d[j++] = (uint8_t)v;
        }
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = v << 5 | d[j];
        static const int bytes[] = {0, 0, 1, 0, 2, 3, 0, 4, 5};
        for (int j = 0; j < bytes[dlen]; j++)
            o[(*k)++] = (char)(v >> (32 - 8 * j));
    }
    return -1;
}

static int f_b32dec(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    size_t n = 0, k = 0;
    (void)argc;
    char *clean = arena_alloc(c->arena, argv[0].len + 1);
    char *o = arena_alloc(c->arena, argv[0].len / 8 * 5 + 6);
    if (!clean || !o)
        return sprig_nomem(c);
    for (size_t i = 0; i < argv[0].len; i++)
        if (!is_nl(argv[0].u.s[i]))
            clean[n++] = argv[0].u.s[i];
    long bad = b32_decode(clean, n, o, &k);
    if (bad >= 0) {
        char *msg = arena_printf(c->arena,
                                 "illegal base32 data at input byte %ld", bad);
        if (!msg)
            return sprig_nomem(c);
        *out = val_str(msg, strlen(msg));
        return RN_OK;
    }
    o[k] = '\0';
    *out = val_str(o, k);
    return RN_OK;
}

/* ---- JSON ---- */

enum { J_PLAIN = 0, J_MUST = 1, J_PANIC = 2 };

/* Marshal argv[0] with `flags`; on error "" (J_PLAIN) or a failure. */
static int to_json(struct tpl_fcall *c, const struct val *argv, unsigned flags,
                   int mode, struct val *out)
{
    struct buf b;
    struct rn_err e = {0};
    struct json_emit_opts o = {flags, "", "  "};
    buf_init(&b, 0);
    int rc = json_emit(&b, argv[0], &o, &e);
    if (rc == RN_OK)
        return sprig_out_buf(c, &b, rc, out);
    buf_free(&b);
    if (rc == RN_ENOMEM)
        return sprig_nomem(c);
    if (rc == RN_ELIMIT)
        return rn_errf(c->err, rc, "toJson: output too large");
    if (mode == J_PLAIN)
        return sprig_out_str(c, "", 0, out);
    return sprig_fail(c, "%s", e.msg);
}

static int f_tojson(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)argc;
    return to_json(c, argv, 0, J_PLAIN, out);
}

static int f_musttojson(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    (void)argc;
    return to_json(c, argv, 0, J_MUST, out);
}

static int f_toprettyjson(struct tpl_fcall *c, const struct val *argv, int argc,
                          struct val *out)
{
    (void)argc;
    return to_json(c, argv, JSON_PRETTY, J_PLAIN, out);
}

static int f_musttoprettyjson(struct tpl_fcall *c, const struct val *argv,
                              int argc, struct val *out)
{
    (void)argc;
    return to_json(c, argv, JSON_PRETTY, J_MUST, out);
}

static int f_torawjson(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)argc;
    return to_json(c, argv, JSON_RAW, J_PANIC, out);
}

static int from_json(struct tpl_fcall *c, const struct val *argv, bool must,
                     struct val *out)
{
    struct rn_err e = {0};
    struct val v;
    int rc = json_parse(c->arena, argv[0].u.s ? argv[0].u.s : "", argv[0].len,
                        NULL, &v, &e);
    if (rc == RN_OK) {
        *out = v;
        return RN_OK;
    }
    if (rc == RN_ENOMEM)
        return sprig_nomem(c);
    if (!must) {
        *out = val_null();
        return RN_OK;
    }
    return sprig_fail(c, "%s", e.msg);
}

static int f_fromjson(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)argc;
    return from_json(c, argv, false, out);
}

static int f_mustfromjson(struct tpl_fcall *c, const struct val *argv, int argc,
                          struct val *out)
{
    (void)argc;
    return from_json(c, argv, true, out);
}

static const struct tpl_func_def encoding_funcs[] = {
    {"b64enc", f_b64enc, "s", NULL},
    {"b64dec", f_b64dec, "s", NULL},
    {"b32enc", f_b32enc, "s", NULL},
    {"b32dec", f_b32dec, "s", NULL},
    {"toJson", f_tojson, "v", NULL},
    {"mustToJson", f_musttojson, "v", NULL},
    {"toPrettyJson", f_toprettyjson, "v", NULL},
    {"mustToPrettyJson", f_musttoprettyjson, "v", NULL},
    {"toRawJson", f_torawjson, "v", NULL},
    {"mustToRawJson", f_torawjson, "v", NULL},
    {"fromJson", f_fromjson, "s", NULL},
    {"mustFromJson", f_mustfromjson, "s", NULL},
};

SPRIG_GROUP(encoding, encoding_funcs);
