/*
 * decode.c: the decoding rules of docs/reference/engine.md §1.2.
 *
 * Upstream decodes every ConfigMap value with sigs.k8s.io/yaml: YAML 1.1 is
 * converted to JSON, then encoding/json fills a Go struct.  What users can
 * observe from that pipeline is reproduced here over the value tree the
 * YAML reader built: struct fields match case-insensitively (exact match
 * first), unknown keys are ignored, a YAML number or bool landing in a
 * string field becomes its text (floats as strconv 'g' with 32-bit
 * precision, as the converter formats them), null is the zero value, and a
 * map or list where a string belongs is an error worded like Go's.
 */
#include "config_int.h"

#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/goyaml.h"

#include <string.h>

static int ascii_casecmp(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 1;
    for (size_t i = 0; i < an; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 1;
    }
    return 0;
}

/* encoding/json field matching: exact name, else ASCII case-insensitive. */
const struct val *cfg_dec_field(struct val obj, const char *name)
{
    if (obj.kind != VAL_OBJECT)
        return NULL;
    size_t n = strlen(name);
    const struct val *v = val_get(obj, name, n);
    if (v)
        return v;
    for (size_t i = 0; i < val_obj_len(obj); i++) {
        const struct val_kv *kv = val_obj_at(obj, i);
        if (ascii_casecmp(kv->key.u.s, kv->key.len, name, n) == 0)
            return &kv->v;
    }
    return NULL;
}

/* The JSON kind Go's unmarshal errors name for v. */
const char *cfg_dec_kind(struct val v)
{
    switch (v.kind) {
    case VAL_OBJECT:
        return "object";
    case VAL_ARRAY:
        return "array";
    case VAL_STRING:
        return "string";
    case VAL_BOOL:
        return "bool";
    case VAL_NULL:
        return "null";
    default:
        return "number";
    }
}

static int mismatch(struct rn_err *e, struct val v, const char *what,
                    const char *type)
{
    return rn_errf(e, RN_ECONFIG,
                   "json: cannot unmarshal %s into Go struct field %s of "
                   "type %s",
                   cfg_dec_kind(v), what, type);
}

/* The text sigs.k8s.io/yaml gives a scalar bound for a string field. */
static int scalar_text(struct arena *a, struct val v, const char **out,
                       size_t *len)
{
    struct buf b;
    int rc = RN_OK;
    buf_init(&b, 0);
    if (v.kind == VAL_INT) {
        if (val_gotype(v) == GT_UINT64)
            rc = gofmt_uint(&b, (uint64_t)v.u.i, 10);
        else
            rc = gofmt_int(&b, v.u.i, 10);
    } else if (v.kind == VAL_FLOAT) {
        rc = gofmt_float(&b, v.u.f, 'g', -1, 32);
    } else {
        rc = buf_add_str(&b, v.u.b ? "true" : "false");
    }
    if (rc == RN_OK) {
        *out = arena_strndup(a, buf_str(&b), b.len);
        *len = b.len;
        rc = *out ? RN_OK : RN_ENOMEM;
    }
    buf_free(&b);
    return rc;
}

/* Decode a string field (see config_int.h); text made from numbers and
 * bools goes in a. */
int cfg_dec_str(struct arena *a, const struct val *v, const char *what,
                const char **out, size_t *len, struct rn_err *e)
{
    size_t dummy;
    if (!len)
        len = &dummy;
    if (!v || v->kind == VAL_NULL) {
        *out = "";
        *len = 0;
        return RN_OK;
    }
    switch (v->kind) {
    case VAL_STRING:
        *out = v->u.s;
        *len = v->len;
        return RN_OK;
    case VAL_INT:
    case VAL_FLOAT:
    case VAL_BOOL:
        return scalar_text(a, *v, out, len);
    default:
        return mismatch(e, *v, what, "string");
    }
}

/* Decode a []string field; the list goes in a. */
int cfg_dec_strlist(struct arena *a, const struct val *v, const char *what,
                    const char *const **out, size_t *n, struct rn_err *e)
{
    *out = NULL;
    *n = 0;
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind != VAL_ARRAY)
        return mismatch(e, *v, what, "[]string");
    size_t len = val_list_len(*v);
    const char **items = arena_zalloc(a, (len ? len : 1) * sizeof *items);
    if (!items)
        return RN_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        struct val it = val_list_at(*v, i);
        int rc = cfg_dec_str(a, &it, what, &items[i], NULL, e);
        if (rc != RN_OK)
            return rc;
    }
    *out = items;
    *n = len;
    return RN_OK;
}

/* Decode a bool field; nothing to allocate. */
int cfg_dec_bool(const struct val *v, const char *what, bool *out,
                 struct rn_err *e)
{
    *out = false;
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind != VAL_BOOL)
        return mismatch(e, *v, what, "bool");
    *out = v->u.b;
    return RN_OK;
}

/* Check that a struct-typed value is a map (or null = zero value). */
int cfg_dec_struct(const struct val *v, const char *what, bool *present,
                   struct rn_err *e)
{
    *present = false;
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind != VAL_OBJECT)
        return mismatch(e, *v, what, "struct");
    *present = true;
    return RN_OK;
}

/* Append one item to an arena-grown array (doubling; old blocks stay
 * in the arena).  RN_ENOMEM leaves the array as it was. */
int cfg_vec_push(struct arena *a, void **items, size_t *n, size_t *cap,
                 size_t size, const void *item)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        void *p = *items ? arena_grow(a, *items, *cap * size, ncap * size)
                         : arena_alloc(a, ncap * size);
        if (!p)
            return RN_ENOMEM;
        *items = p;
        *cap = ncap;
    }
    memcpy((char *)*items + *n * size, item, size);
    (*n)++;
    return RN_OK;
}

/* ---- shared by every key loader ---- */

/* Parse one data value; any YAML problem is RN_ECONFIG with its line and
 * column in e, memory in a. */
int cfg_parse_value(struct arena *a, const struct cfg_entry *en, int nums,
                    struct val *out, struct rn_err *e)
{
    struct goyaml_opts o = {nums, 0, en->key};
    int rc = goyaml_parse(a, en->value, en->vlen, &o, out, e);
    if (rc == RN_OK || rc == RN_ENOMEM)
        return rc;
    if (e)
        e->code = RN_ECONFIG;
    return RN_ECONFIG;
}

/* Prefix e's message in place (the message is copied first, so the
 * result never reads what it writes). */
int cfg_err_wrap(struct rn_err *e, int code, const char *prefix)
{
    if (!e)
        return code;
    char msg[sizeof e->msg];
    memcpy(msg, e->msg, sizeof msg);
    msg[sizeof msg - 1] = '\0';
    const char *src = e->src;
    int line = e->line, col = e->col;
    rn_errf_at(e, code, src, line, col, "%s: %s", prefix, msg);
    return code;
}

/* Tell a lookup that its record exists but its key failed to load:
 * RN_ECONFIG naming the key's first error. */
int cfg_broken(const struct cfg *c, int err, const char *what, const char *name,
               struct rn_err *e)
{
    const struct cfg_error *ce = &c->errs[err];
    return rn_errf_at(e, RN_ECONFIG, ce->key, ce->line, ce->col,
                      "%s '%s' is not usable: %s", what, name, ce->msg);
}
