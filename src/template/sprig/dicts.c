/*
 * dicts.c: sprig's dict functions over map[string]interface {}.
 *
 * Go maps are references: set, unset and merge change the map in place
 * and every holder sees it.  Objects are shared headers here too, so the
 * same happens for maps this evaluation made (dict, fromJson, data parsed
 * into the evaluation arena).  A map that lives in a frozen document (the
 * informer cache) must not change: set/unset/merge on it fail with
 * "cannot modify input data" (Go would silently change the cache; see
 * docs/CONFORMANCE.md).  Nested maps reached by merge are copied before
 * they are changed when they are not ours.
 *
 * Go iterates maps in random order; keys and values here come sorted,
 * which is one of the orders Go can produce.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/err.h"

#include <string.h>

#define FROZEN_MSG "cannot modify input data"

static struct val_obj *obj_of(struct val v)
{
    return v.kind == VAL_OBJECT ? v.u.obj : NULL;
}

/* May this evaluation change o in place? */
static bool owned(struct tpl_fcall *c, const struct val_obj *o)
{
    return o && arena_owns(c->arena, o) &&
           (!o->kv || arena_owns(c->arena, o->kv));
}

static struct val key_val(struct val k)
{
    return val_str(k.u.s ? k.u.s : "", k.len);
}

/* A copy of the key bytes in the arena (the map may outlive the
 * template text that spelled the key). */
static int own_key(struct tpl_fcall *c, struct val k, struct val *out)
{
    return sprig_out_str(c, k.u.s, k.len, out);
}

static int new_map(struct tpl_fcall *c, size_t cap, struct val *out)
{
    struct val_obj *o = sprig_obj_alloc(c, cap);
    if (!o)
        return sprig_nomem(c);
    *out = val_obj(o, GT_MAP_ANY);
    return RN_OK;
}

/* dict k1 v1 k2 v2 ...: keys through strval; an odd last key maps to "". */
static int f_dict(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    int rc = new_map(c, (size_t)(argc + 1) / 2, out);
    for (int i = 0; i < argc && rc == RN_OK; i += 2) {
        struct val k;
        rc = sprig_strval(c, argv[i], &k);
        if (rc == RN_OK)
            rc = sprig_obj_put(c, out->u.obj, k,
                               i + 1 < argc ? argv[i + 1] : val_str("", 0));
    }
    return rc;
}

static int f_get(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    struct val_obj *o = obj_of(argv[0]);
    long i = sprig_obj_find(o, argv[1].u.s, argv[1].len);
    (void)c;
    (void)argc;
    *out = i >= 0 ? o->kv[i].v : val_str("", 0);
    return RN_OK;
}

static int f_haskey(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_bool(sprig_obj_find(obj_of(argv[0]), argv[1].u.s, argv[1].len) >=
                    0);
    return RN_OK;
}

static int f_set(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    struct val_obj *o = obj_of(argv[0]);
    struct val k;
    (void)argc;
    if (!o)
        return sprig_fail(c, "assignment to entry in nil map");
    if (!owned(c, o))
        return sprig_fail(c, FROZEN_MSG);
    int rc = own_key(c, argv[1], &k);
    if (rc == RN_OK)
        rc = sprig_obj_put(c, o, k, argv[2]);
    *out = argv[0];
    return rc;
}

static int f_unset(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct val_obj *o = obj_of(argv[0]);
    long i = sprig_obj_find(o, argv[1].u.s, argv[1].len);
    (void)argc;
    *out = argv[0];
    if (i < 0)
        return RN_OK;
    if (!owned(c, o))
        return sprig_fail(c, FROZEN_MSG);
    memmove(&o->kv[i], &o->kv[i + 1], (o->len - (size_t)i - 1) * sizeof *o->kv);
    o->len--;
    return RN_OK;
}

/* pluck key dict...: the key's value from each dict that has it. */
static int f_pluck(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    struct val_list *l = sprig_list_alloc(c, 0);
    int rc = l ? RN_OK : sprig_nomem(c);
    for (int i = 1; i < argc && rc == RN_OK; i++) {
        struct val_obj *o = obj_of(argv[i]);
        long k = sprig_obj_find(o, argv[0].u.s, argv[0].len);
        if (k >= 0)
            rc = sprig_list_push(c, l, o->kv[k].v);
    }
    if (rc == RN_OK)
        *out = val_list(l, GT_LIST_ANY);
    return rc;
}

static int f_keys(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    struct val_list *l = sprig_list_alloc(c, 0);
    int rc = l ? RN_OK : sprig_nomem(c);
    for (int i = 0; i < argc && rc == RN_OK; i++) {
        struct val_obj *o = obj_of(argv[i]);
        for (uint32_t k = 0; o && k < o->len && rc == RN_OK; k++)
            rc = sprig_list_push(c, l, key_val(o->kv[k].key));
    }
    if (rc == RN_OK)
        *out = val_list(l, GT_LIST_STRING);
    return rc;
}

static int f_values(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct val_obj *o = obj_of(argv[0]);
    struct val_list *l = sprig_list_alloc(c, o ? o->len : 0);
    (void)argc;
    if (!l)
        return sprig_nomem(c);
    for (uint32_t k = 0; k < l->len; k++)
        l->items[k] = o->kv[k].v;
    *out = val_list(l, GT_LIST_ANY);
    return RN_OK;
}

static bool in_keys(const struct val *keys, int n, struct val k)
{
    for (int i = 0; i < n; i++)
        if (keys[i].len == k.len && memcmp(keys[i].u.s, k.u.s, k.len) == 0)
            return true;
    return false;
}

/* pick dict keys... / omit dict keys...: a new map. */
static int pick_omit(struct tpl_fcall *c, const struct val *argv, int argc,
                     bool pick, struct val *out)
{
    struct val_obj *o = obj_of(argv[0]);
    int rc = new_map(c, 0, out);
    for (uint32_t k = 0; o && k < o->len && rc == RN_OK; k++) {
        if (in_keys(argv + 1, argc - 1, o->kv[k].key) == pick)
            rc = sprig_obj_put(c, out->u.obj, o->kv[k].key, o->kv[k].v);
    }
    return rc;
}

static int f_pick(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return pick_omit(c, argv, argc, true, out);
}

static int f_omit(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    return pick_omit(c, argv, argc, false, out);
}

/* ---- merge (mergo's Merge / MergeWithOverwrite on maps) ---- */

/* A map value (Go structs are values that merge does not enter here). */
static bool is_map(struct val v)
{
    return v.kind == VAL_OBJECT && val_gotype(v) != GT_STRUCT;
}

/* Store into a map merge may change: ours, or the caller's frozen one. */
static int merge_put(struct tpl_fcall *c, struct val_obj *dst, struct val key,
                     struct val v)
{
    if (!owned(c, dst))
        return sprig_fail(c, FROZEN_MSG);
    return sprig_obj_put(c, dst, key, v);
}

/* A shallow copy of o in the arena (to change a map that is not ours). */
static struct val_obj *copy_obj(struct tpl_fcall *c, const struct val_obj *o)
{
    struct val_obj *n = sprig_obj_alloc(c, o ? o->len : 0);
    if (n && o && o->len) {
        memcpy(n->kv, o->kv, o->len * sizeof *o->kv);
        n->len = o->len;
    }
    return n;
}

static int merge_into(struct tpl_fcall *c, struct val_obj *dst,
                      const struct val_obj *src, bool over, int depth);

/* Merge src's map into the map held at dst->kv[i] (copying it first when
 * it is not ours). */
static int merge_nested(struct tpl_fcall *c, struct val_obj *dst, long i,
                        struct val sv, bool over, int depth)
{
    struct val dv = dst->kv[i].v;
    struct val_obj *d = dv.u.obj;
    if (!d || !sv.u.obj)
        return RN_OK; /* a nil map cannot grow here; mergo skips it too */
    if (!owned(c, d)) {
        if (!owned(c, dst))
            return sprig_fail(c, FROZEN_MSG);
        d = copy_obj(c, d);
        if (!d)
            return sprig_nomem(c);
        dst->kv[i].v.u.obj = d;
    }
    return merge_into(c, d, sv.u.obj, over, depth + 1);
}

/*
 * For each key of src: a nil value only overwrites; maps merge into an
 * existing map; lists replace when overwriting; a non-empty destination
 * keeps its value against a map or list; otherwise the source value lands when
 * overwriting or when the destination lacks the key or holds a zero value.
 */
static int merge_into(struct tpl_fcall *c, struct val_obj *dst,
                      const struct val_obj *src, bool over, int depth)
{
    int rc = RN_OK;
    if (depth > 10000)
        return rn_errf(c->err, RN_ELIMIT, "merge: nesting too deep");
    for (uint32_t k = 0; src && k < src->len && rc == RN_OK; k++) {
        struct val key = src->kv[k].key, sv = src->kv[k].v;
        long i = sprig_obj_find(dst, key.u.s, key.len);
        bool has = i >= 0;
        if (sv.kind == VAL_NULL) {
            if (over)
                rc = merge_put(c, dst, key, sv);
            continue;
        }
        if (is_map(sv) && has && is_map(dst->kv[i].v))
            rc = merge_nested(c, dst, i, sv, over, depth);
        else if (sv.kind == VAL_ARRAY && (over || dst->len == 0))
            rc = merge_put(c, dst, key, sv); /* mergo replaces lists */
        if (rc)
            break;
        bool dempty = !has || sprig_empty(dst->kv[i].v);
        if (has && !dempty && (is_map(sv) || sv.kind == VAL_ARRAY))
            continue;
        if (over || dempty)
            rc = merge_put(c, dst, key, sv);
    }
    return rc;
}

/* merge dst src...: dst changed in place (a nil dst becomes a new map). */
static int merge_common(struct tpl_fcall *c, const struct val *argv, int argc,
                        bool over, struct val *out)
{
    struct val dst = argv[0];
    int rc = RN_OK;
    if (!obj_of(dst)) {
        bool any = false;
        for (int i = 1; i < argc; i++)
            any = any || obj_of(argv[i]);
        if (any && (rc = new_map(c, 0, &dst)))
            return rc;
    }
    for (int i = 1; i < argc && rc == RN_OK; i++)
        rc = merge_into(c, obj_of(dst), obj_of(argv[i]), over, 0);
    if (!obj_of(dst) && dst.kind != VAL_OBJECT) {
        dst = val_obj(NULL, GT_MAP_ANY);
        dst.flags |= VAL_F_NILPTR;
    }
    *out = dst;
    return rc;
}

static int f_merge(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    return merge_common(c, argv, argc, false, out);
}

static int f_mergeoverwrite(struct tpl_fcall *c, const struct val *argv,
                            int argc, struct val *out)
{
    return merge_common(c, argv, argc, true, out);
}

/* ---- dig, deepCopy ---- */

static int not_type(struct tpl_fcall *c, struct val v, const char *want)
{
    return sprig_fail(c, "interface conversion: interface {} is %s, not %s",
                      v.kind == VAL_NULL ? "nil" : val_type_name(v), want);
}

static bool is_any_map(struct val v)
{
    return v.kind == VAL_OBJECT && val_gotype(v) == GT_MAP_ANY;
}

/* dig k1 k2 ... default dict */
static int f_dig(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    if (argc < 3)
        return sprig_fail(c, "dig needs at least three arguments");
    struct val cur = argv[argc - 1];
    if (!is_any_map(cur))
        return not_type(c, cur, "map[string]interface {}");
    for (int i = 0; i < argc - 2; i++)
        if (argv[i].kind != VAL_STRING || val_gotype(argv[i]) != GT_STRING)
            return not_type(c, argv[i], "string");
    for (int i = 0; i < argc - 2; i++) {
        if (i > 0 && !is_any_map(cur))
            return not_type(c, cur, "map[string]interface {}");
        long k = sprig_obj_find(cur.u.obj, argv[i].u.s, argv[i].len);
        if (k < 0) {
            *out = argv[argc - 2];
            return RN_OK;
        }
        cur = cur.u.obj->kv[k].v;
    }
    *out = cur;
    return RN_OK;
}

static int deep_copy(struct tpl_fcall *c, struct val v, struct val *out,
                     int depth)
{
    int rc = RN_OK;
    *out = v;
    if (depth > 10000)
        return rn_errf(c->err, RN_ELIMIT, "deepCopy: nesting too deep");
    if (v.kind == VAL_ARRAY && v.u.list) {
        struct val_list *l = sprig_list_alloc(c, v.u.list->len);
        if (!l)
            return sprig_nomem(c);
        for (uint32_t i = 0; i < l->len && rc == RN_OK; i++)
            rc = deep_copy(c, v.u.list->items[i], &l->items[i], depth + 1);
        out->u.list = l;
    } else if (v.kind == VAL_OBJECT && v.u.obj && val_gotype(v) != GT_STRUCT) {
        struct val_obj *o = copy_obj(c, v.u.obj);
        if (!o)
            return sprig_nomem(c);
        for (uint32_t i = 0; i < o->len && rc == RN_OK; i++)
            rc = deep_copy(c, o->kv[i].v, &o->kv[i].v, depth + 1);
        out->u.obj = o;
    }
    return rc;
}

static int f_deepcopy(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)argc;
    if (argv[0].kind == VAL_NULL)
        return sprig_fail(c, "reflect: call of reflect.Value.Type on zero "
                             "Value");
    return deep_copy(c, argv[0], out, 0);
}

static const struct tpl_func_def dict_funcs[] = {
    {"dict", f_dict, ".v", NULL},
    {"get", f_get, "ms", NULL},
    {"set", f_set, "msv", NULL},
    {"unset", f_unset, "ms", NULL},
    {"hasKey", f_haskey, "ms", NULL},
    {"pluck", f_pluck, "s.m", NULL},
    {"keys", f_keys, ".m", NULL},
    {"values", f_values, "m", NULL},
    {"pick", f_pick, "m.s", NULL},
    {"omit", f_omit, "m.s", NULL},
    {"merge", f_merge, "m.m", NULL},
    {"mustMerge", f_merge, "m.m", NULL},
    {"mergeOverwrite", f_mergeoverwrite, "m.m", NULL},
    {"mustMergeOverwrite", f_mergeoverwrite, "m.m", NULL},
    {"dig", f_dig, ".v", NULL},
    {"deepCopy", f_deepcopy, "v", NULL},
    {"mustDeepCopy", f_deepcopy, "v", NULL},
};

SPRIG_GROUP(dicts, dict_funcs);
