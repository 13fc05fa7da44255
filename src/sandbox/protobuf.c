/*
 * protobuf.c: request bodies in Kubernetes' protobuf encoding.
 *
 * kubectl's typed clients (`kubectl create namespace`, `kubectl create
 * configmap`, `kubectl create secret`) send built-in objects as
 * application/vnd.kubernetes.protobuf, and client-go never falls back to
 * JSON, so the sandbox reads that encoding for the kinds those commands
 * make: Namespace, ConfigMap and Secret.  The body is the 4-byte magic
 * "k8s\0" and a runtime.Unknown message whose `raw` field holds the
 * object; the object becomes the same value a JSON body would have
 * given.  Replies stay JSON, which those clients also accept.  Fields the
 * sandbox does not model are skipped; every length is checked against
 * the input, and nesting is bounded, so hostile bytes only ever give an
 * error.
 */
#include "sandbox.h"

#include <string.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

struct pb {
    const unsigned char *p, *end;
};

struct field {
    unsigned num, type;
    uint64_t v;             /* varint / fixed */
    const unsigned char *s; /* WT_LEN bytes */
    size_t n;
};

static int varint(struct pb *b, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return RN_ESYNTAX;
        unsigned char c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return RN_OK;
        }
    }
    return RN_ESYNTAX;
}

/* The next field; 1 at the end of the message, RN_ESYNTAX on bad bytes. */
static int next(struct pb *b, struct field *f)
{
    uint64_t key;
    if (b->p == b->end)
        return 1;
    if (varint(b, &key) || key >> 32)
        return RN_ESYNTAX;
    f->num = (unsigned)(key >> 3);
    f->type = (unsigned)(key & 7);
    size_t width = f->type == WT_I64 ? 8 : f->type == WT_I32 ? 4 : 0;
    if (f->type == WT_VARINT)
        return varint(b, &f->v);
    if (width) {
        if ((size_t)(b->end - b->p) < width)
            return RN_ESYNTAX;
        b->p += width;
        return RN_OK;
    }
    if (f->type != WT_LEN || varint(b, &f->v) ||
        f->v > (uint64_t)(b->end - b->p))
        return RN_ESYNTAX;
    f->s = b->p;
    f->n = (size_t)f->v;
    b->p += f->n;
    return RN_OK;
}

static struct pb sub(const struct field *f)
{
    return (struct pb){f->s, f->s + f->n};
}

static struct val str(struct arena *a, const struct field *f)
{
    return sb_vstrn(a, (const char *)f->s, f->n);
}

/* map<string, string|bytes> entry {key = 1; value = 2}; bytes values are
 * base64, as JSON carries them. */
static int map_entry(struct arena *a, const struct field *f, bool bytes,
                     struct val *map)
{
    struct pb b = sub(f);
    struct field e;
    struct val k = sb_vstr(a, ""), v = sb_vstr(a, "");
    int rc;
    while ((rc = next(&b, &e)) == RN_OK) {
        if (e.type != WT_LEN)
            continue;
        if (e.num == 1)
            k = str(a, &e);
        else if (e.num == 2 && !bytes)
            v = str(a, &e);
        else if (e.num == 2) {
            struct buf enc;
            buf_init(&enc, 0);
            rc = sb_b64_encode(&enc, e.s, e.n);
            v = sb_vstrn(a, buf_str(&enc), enc.len);
            buf_free(&enc);
            if (rc)
                return rc;
        }
    }
    if (rc != 1 || val_is_null(k) || val_is_null(v))
        return RN_ESYNTAX;
    return sb_obj_put(a, map, val_str_ptr(k), v) ? RN_OK : RN_ENOMEM;
}

static int append(struct arena *a, struct val *list, struct val v)
{
    size_t n = val_kind(*list) == VAL_ARRAY ? val_list_len(*list) : 0;
    struct val_list *l = arena_alloc(a, sizeof *l);
    struct val *items = arena_alloc(a, (n + 1) * sizeof *items);
    if (!l || !items)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        items[i] = val_list_at(*list, i);
    items[n] = v;
    *l = (struct val_list){(uint32_t)n + 1, (uint32_t)n + 1, items};
    *list = val_list(l, GT_LIST_ANY);
    return RN_OK;
}

/* ObjectMeta: the fields a create can carry. */
static int object_meta(struct arena *a, const struct field *f, struct val *out)
{
    static const char *const strings[] = {
        NULL, "name", "generateName",   "namespace",
        NULL, "uid",  "resourceVersion"};
    struct pb b = sub(f);
    struct field e;
    struct val md = sb_vobj(), labels = val_null(), ann = val_null();
    struct val fin = val_null();
    int rc;
    while ((rc = next(&b, &e)) == RN_OK) {
        if (e.type != WT_LEN)
            continue;
        if (e.num < 7 && strings[e.num])
            rc = sb_obj_put(a, &md, strings[e.num], str(a, &e)) ? RN_OK
                                                                : RN_ENOMEM;
        else if (e.num == 11)
            rc = map_entry(a, &e, false, &labels);
        else if (e.num == 12)
            rc = map_entry(a, &e, false, &ann);
        else if (e.num == 14)
            rc = append(a, &fin, str(a, &e));
        if (rc)
            return rc;
    }
    if (rc != 1)
        return RN_ESYNTAX;
    if ((!val_is_null(labels) && !sb_obj_put(a, &md, "labels", labels)) ||
        (!val_is_null(ann) && !sb_obj_put(a, &md, "annotations", ann)) ||
        (!val_is_null(fin) && !sb_obj_put(a, &md, "finalizers", fin)))
        return RN_ENOMEM;
    *out = md;
    return RN_OK;
}

/* NamespaceSpec {repeated string finalizers = 1} */
static int namespace_spec(struct arena *a, const struct field *f,
                          struct val *obj)
{
    struct pb b = sub(f);
    struct field e;
    struct val fin = val_null();
    int rc;
    while ((rc = next(&b, &e)) == RN_OK)
        if (e.num == 1 && e.type == WT_LEN && append(a, &fin, str(a, &e)))
            return RN_ENOMEM;
    if (rc != 1)
        return RN_ESYNTAX;
    struct val spec = sb_vobj();
    if (!val_is_null(fin) && !sb_obj_put(a, &spec, "finalizers", fin))
        return RN_ENOMEM;
    return sb_obj_put(a, obj, "spec", spec) ? RN_OK : RN_ENOMEM;
}

/* One field of the object message of resource res. */
static int object_field(struct arena *a, int res, const struct field *e,
                        struct val *obj, struct val *data, struct val *sdata)
{
    bool secret = res == SB_SECRETS;
    if (e->type == WT_VARINT && e->num == (secret ? 5u : 4u))
        return sb_obj_put(a, obj, "immutable", val_bool(e->v != 0)) ? RN_OK
                                                                    : RN_ENOMEM;
    if (e->type != WT_LEN)
        return RN_OK;
    if (e->num == 1) {
        struct val md;
        int rc = object_meta(a, e, &md);
        return rc ? rc : sb_obj_put(a, obj, "metadata", md) ? RN_OK : RN_ENOMEM;
    }
    if (res == SB_NAMESPACES)
        return e->num == 2 ? namespace_spec(a, e, obj) : RN_OK;
    if (e->num == 2)
        return map_entry(a, e, secret, data);
    if (!secret && e->num == 3)
        return map_entry(a, e, true, sdata); /* ConfigMap binaryData */
    if (secret && e->num == 3)
        return sb_obj_put(a, obj, "type", str(a, e)) ? RN_OK : RN_ENOMEM;
    if (secret && e->num == 4)
        return map_entry(a, e, false, sdata); /* Secret stringData */
    return RN_OK;
}

static int object(struct arena *a, int res, const struct field *raw,
                  struct val *out)
{
    struct pb b = sub(raw);
    struct field e;
    struct val obj = sb_vobj(), data = val_null(), sdata = val_null();
    int rc;
    while ((rc = next(&b, &e)) == RN_OK)
        if ((rc = object_field(a, res, &e, &obj, &data, &sdata)))
            return rc;
    if (rc != 1)
        return RN_ESYNTAX;
    const char *sk = res == SB_SECRETS ? "stringData" : "binaryData";
    if ((!val_is_null(data) && !sb_obj_put(a, &obj, "data", data)) ||
        (!val_is_null(sdata) && !sb_obj_put(a, &obj, sk, sdata)))
        return RN_ENOMEM;
    *out = obj;
    return RN_OK;
}

int sb_protobuf_decode(struct arena *a, int res, const char *s, size_t n,
                       struct val *out, struct rn_err *e)
{
    if (res != SB_NAMESPACES && res != SB_CONFIGMAPS && res != SB_SECRETS)
        return rn_errf(e, RN_EINVAL,
                       "the protobuf encoding is not "
                       "supported for %s",
                       sb_res[res].plural);
    if (n < 4 || memcmp(s, "k8s\0", 4))
        return rn_errf(e, RN_ESYNTAX,
                       "provided object is not a protobuf "
                       "message: missing the \"k8s\\0\" prefix");
    struct pb b = {(const unsigned char *)s + 4, (const unsigned char *)s + n};
    struct field f, raw = {0};
    int rc;
    while ((rc = next(&b, &f)) == RN_OK)
        if (f.num == 2 && f.type == WT_LEN)
            raw = f;
    if (rc != 1 || !raw.s)
        return rn_errf(e, RN_ESYNTAX, "the protobuf envelope is malformed");
    rc = object(a, res, &raw, out);
    if (rc == RN_ESYNTAX)
        return rn_errf(e, rc, "the protobuf %s is malformed", sb_res[res].kind);
    return rc ? rn_errf(e, rc, "out of memory") : RN_OK;
}
