/*
 * patch.c: JSON merge patch (RFC 7386) and JSON patch (RFC 6902) over
 * frozen values.
 *
 * A patch never changes its target: the result is built in the caller's
 * arena and shares every untouched subtree with the target, so patching
 * one annotation of a large Rollout copies only the objects on the path
 * to it.  Patches come from clients, so every index, pointer and
 * operation is checked; a bad one is an error naming the operation and
 * the path, never a crash.
 */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATCH_MAX_DEPTH 512
/* A JSON patch's result is stored like any written object, so it must
 * fit the request limit (http.c) and the JSON nesting limit.  Copies share
 * subtrees, so a few dozen "copy the root into itself" operations would
 * otherwise double the object each time, in size and depth. */
#define PATCH_MAX_SIZE (3u << 20)

static bool is_obj(struct val v)
{
    return val_kind(v) == VAL_OBJECT;
}

/* merge(t, p) -> p if p is not an object; else t's members, with p's
 * members merged in (null removes). Both kv arrays are sorted, so one
 * merge-join pass builds the result. */
static int merge(struct arena *a, struct val t, struct val p, bool strip,
                 unsigned depth, struct val *out)
{
    if (!is_obj(p) || depth > PATCH_MAX_DEPTH) {
        *out = p;
        return RN_OK;
    }
    size_t tn = is_obj(t) ? val_obj_len(t) : 0, pn = val_obj_len(p);
    struct val_obj *o = arena_alloc(a, sizeof *o);
    struct val_kv *kv = arena_alloc(a, (tn + pn + 1) * sizeof *kv);
    if (!o || !kv)
        return RN_ENOMEM;
    size_t i = 0, j = 0, n = 0;
    while (i < tn || j < pn) {
        const struct val_kv *tk = i < tn ? val_obj_at(t, i) : NULL;
        const struct val_kv *pk = j < pn ? val_obj_at(p, j) : NULL;
        int c = !tk   ? 1
                : !pk ? -1
                      : val_keycmp(val_str_ptr(tk->key), val_str_len(tk->key),
                                   val_str_ptr(pk->key), val_str_len(pk->key));
        if (c < 0) {
            kv[n++] = *tk;
            i++;
            continue;
        }
        j++;
        if (c == 0)
            i++;
        if (val_is_null(pk->v) || (strip && val_str_ptr(pk->key)[0] == '$'))
            continue;
        kv[n].key = pk->key;
        int rc = merge(a, c == 0 ? tk->v : val_null(), pk->v, strip, depth + 1,
                       &kv[n].v);
        if (rc)
            return rc;
        n++;
    }
    o->len = o->cap = (uint32_t)n;
    o->kv = kv;
    *out = val_obj(o, GT_MAP_ANY);
    return RN_OK;
}

int sb_merge_patch(struct arena *a, struct val t, struct val p, struct val *out)
{
    if (is_obj(p) && !is_obj(t))
        t = sb_vobj();
    return merge(a, t, p, false, 0, out);
}

int sb_strategic_patch(struct arena *a, struct val t, struct val p,
                       struct val *out)
{
    if (is_obj(p) && !is_obj(t))
        t = sb_vobj();
    return merge(a, t, p, true, 0, out);
}

/* ---- RFC 6902 ---- */

enum jp_op { OP_ADD, OP_REMOVE, OP_REPLACE, OP_MOVE, OP_COPY, OP_TEST };

struct jpatch {
    struct arena *a;
    struct rn_err *e;
    const char *opname, *path;
    size_t size; /* the document's JSON size, counting every copy added */
    long depth;  /* an upper bound of its nesting */
};

/* The size of v as compact JSON (strings without escapes) plus `used`,
 * walking no further than limit: a larger value returns limit + 1.
 * *depth gets v's nesting, from level. */
static size_t measure(struct val v, size_t used, size_t limit, long level,
                      long *depth)
{
    if (level > *depth)
        *depth = level;
    if (used > limit)
        return limit + 1;
    if (level > PATCH_MAX_DEPTH)
        return used; /* too deep already: account() says so */
    switch (val_kind(v)) {
    case VAL_STRING:
        return used + val_str_len(v) + 2;
    case VAL_ARRAY:
        used += 2;
        for (size_t i = 0; i < val_list_len(v) && used <= limit; i++)
            used =
                measure(val_list_at(v, i), used + 1, limit, level + 1, depth);
        return used;
    case VAL_OBJECT:
        used += 2;
        for (size_t i = 0; i < val_obj_len(v) && used <= limit; i++) {
            const struct val_kv *kv = val_obj_at(v, i);
            used = measure(kv->v, used + val_str_len(kv->key) + 4, limit,
                           level + 1, depth);
        }
        return used;
    default:
        return used + 8;
    }
}

/* Account for v placed at a pointer of ntoks tokens: every byte it adds
 * counts (removals are not subtracted, so the bound only grows). */
static int account(struct jpatch *j, struct val v, long ntoks)
{
    long depth = 0;
    j->size = measure(v, j->size, PATCH_MAX_SIZE, ntoks, &depth);
    if (depth > j->depth)
        j->depth = depth;
    if (j->size > PATCH_MAX_SIZE)
        return rn_errf(j->e, RN_EINVAL,
                       "%s operation: the patched object would exceed "
                       "%u bytes: \"%s\"",
                       j->opname, PATCH_MAX_SIZE, j->path);
    if (j->depth > PATCH_MAX_DEPTH)
        return rn_errf(j->e, RN_EINVAL,
                       "%s operation: the patched object would nest deeper "
                       "than %d: \"%s\"",
                       j->opname, PATCH_MAX_DEPTH, j->path);
    return RN_OK;
}

static long pointer_len(const char *ptr)
{
    long n = 0;
    for (; *ptr; ptr++)
        n += *ptr == '/';
    return n;
}

/* A pointer "/a/b~1c" split into unescaped tokens; -1 when malformed. */
static long split_pointer(struct arena *a, const char *ptr, char ***out)
{
    if (!*ptr) {
        *out = NULL;
        return 0;
    }
    if (*ptr != '/')
        return -1;
    size_t n = 0;
    for (const char *p = ptr; *p; p++)
        n += *p == '/';
    char **toks = arena_alloc(a, n * sizeof *toks);
    char *buf = arena_alloc(a, strlen(ptr) + 1);
    if (!toks || !buf)
        return -1;
    size_t k = 0;
    for (const char *p = ptr + 1;; p++) {
        toks[k++] = buf;
        for (; *p && *p != '/'; p++) {
            if (*p == '~' && (p[1] == '0' || p[1] == '1'))
                *buf++ = p[1] == '0' ? '~' : '/', p++;
            else if (*p == '~')
                return -1;
            else
                *buf++ = *p;
        }
        *buf++ = '\0';
        if (!*p)
            break;
    }
    *out = toks;
    return (long)n;
}

/* An array index token: digits without a leading zero; -1 when not. */
static long index_of(const char *tok, size_t len, bool end_ok)
{
    if (end_ok && !strcmp(tok, "-"))
        return (long)len;
    if (!*tok || strspn(tok, "0123456789") != strlen(tok) ||
        (tok[0] == '0' && tok[1]) || strlen(tok) > 9)
        return -1;
    return strtol(tok, NULL, 10);
}

static int jfail(struct jpatch *j, const char *why)
{
    return rn_errf(j->e, RN_EINVAL, "%s operation does not apply: %s: \"%s\"",
                   j->opname, why, j->path);
}

static int list_edit(struct jpatch *j, struct val cur, long at, int op,
                     struct val v, struct val *out)
{
    size_t len = val_list_len(cur);
    size_t nlen = op == OP_ADD ? len + 1 : op == OP_REMOVE ? len - 1 : len;
    struct val_list *l = arena_alloc(j->a, sizeof *l);
    struct val *items = arena_alloc(j->a, (nlen + 1) * sizeof *items);
    if (!l || !items)
        return RN_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i <= len; i++) {
        if ((long)i == at && op == OP_ADD)
            items[k++] = v;
        if (i == len)
            break;
        if ((long)i == at && op == OP_REMOVE)
            continue;
        items[k++] =
            (long)i == at && op == OP_REPLACE ? v : val_list_at(cur, i);
    }
    l->len = l->cap = (uint32_t)k;
    l->items = items;
    *out = val_list(l, GT_LIST_ANY);
    return RN_OK;
}

/* Apply op with the last token tok to the container cur. */
static int leaf(struct jpatch *j, struct val cur, const char *tok, int op,
                struct val v, struct val *out)
{
    if (is_obj(cur)) {
        bool has = val_get_cstr(cur, tok) != NULL;
        if (op != OP_ADD && !has)
            return jfail(j, "doc is missing key");
        *out = cur;
        bool ok = op == OP_REMOVE ? sb_obj_del(j->a, out, tok)
                                  : sb_obj_put(j->a, out, tok, v);
        return ok ? RN_OK : RN_ENOMEM;
    }
    if (val_kind(cur) != VAL_ARRAY)
        return jfail(j, "doc is missing path");
    size_t len = val_list_len(cur);
    long at = index_of(tok, len, op == OP_ADD);
    if (at < 0 || (size_t)at > len || (op != OP_ADD && (size_t)at == len))
        return jfail(j, "index out of range");
    return list_edit(j, cur, at, op, v, out);
}

static int child(struct jpatch *j, struct val cur, const char *tok,
                 struct val *out)
{
    if (is_obj(cur)) {
        const struct val *c = val_get_cstr(cur, tok);
        if (c) {
            *out = *c;
            return RN_OK;
        }
    } else if (val_kind(cur) == VAL_ARRAY) {
        long at = index_of(tok, val_list_len(cur), false);
        if (at >= 0 && (size_t)at < val_list_len(cur)) {
            *out = val_list_at(cur, (size_t)at);
            return RN_OK;
        }
    }
    return jfail(j, "doc is missing path");
}

/* Rebuild cur with op applied at toks[0..n). */
static int at_path(struct jpatch *j, struct val cur, char **toks, long n,
                   int op, struct val v, struct val *out)
{
    if (n == 1)
        return leaf(j, cur, toks[0], op, v, out);
    struct val c, nc;
    int rc = child(j, cur, toks[0], &c);
    if (!rc)
        rc = at_path(j, c, toks + 1, n - 1, op, v, &nc);
    if (rc)
        return rc;
    if (is_obj(cur)) {
        *out = cur;
        return sb_obj_put(j->a, out, toks[0], nc) ? RN_OK : RN_ENOMEM;
    }
    return list_edit(j, cur, index_of(toks[0], val_list_len(cur), false),
                     OP_REPLACE, nc, out);
}

static int get_at(struct jpatch *j, struct val doc, const char *ptr,
                  struct val *out)
{
    char **toks;
    long n = split_pointer(j->a, ptr, &toks);
    if (n < 0)
        return rn_errf(j->e, RN_EINVAL, "invalid JSON pointer: \"%s\"", ptr);
    *out = doc;
    for (long i = 0; i < n; i++) {
        int rc = child(j, *out, toks[i], out);
        if (rc)
            return rc;
    }
    return RN_OK;
}

static int apply_at(struct jpatch *j, struct val doc, const char *ptr, int op,
                    struct val v, struct val *out)
{
    char **toks;
    long n = split_pointer(j->a, ptr, &toks);
    if (n < 0)
        return rn_errf(j->e, RN_EINVAL, "invalid JSON pointer: \"%s\"", ptr);
    if (n == 0) {
        if (op == OP_REMOVE)
            return jfail(j, "cannot remove the whole document");
        *out = v;
        return RN_OK;
    }
    return at_path(j, doc, toks, n, op, v, out);
}

static int op_code(const char *s)
{
    static const char *const names[] = {"add",  "remove", "replace",
                                        "move", "copy",   "test"};
    for (int i = 0; i < 6; i++)
        if (s && !strcmp(s, names[i]))
            return i;
    return -1;
}

static int one_op(struct jpatch *j, struct val op, struct val doc,
                  struct val *out)
{
    int code = op_code(sb_get_str(op, "op", NULL));
    const char *path = sb_get_str(op, "path", NULL);
    const char *from = sb_get_str(op, "from", NULL);
    const struct val *value = val_get_cstr(op, "value");
    j->opname = code < 0 ? "unknown" : sb_get_str(op, "op", NULL);
    j->path = path ? path : "";
    if (code < 0 || !path)
        return rn_errf(j->e, RN_EINVAL,
                       "invalid JSON patch operation: "
                       "missing or unknown \"op\" or \"path\"");
    if ((code == OP_ADD || code == OP_REPLACE || code == OP_TEST) && !value)
        return rn_errf(j->e, RN_EINVAL, "%s operation: missing \"value\"",
                       j->opname);
    if ((code == OP_MOVE || code == OP_COPY) && !from)
        return rn_errf(j->e, RN_EINVAL, "%s operation: missing \"from\"",
                       j->opname);
    struct val v = value ? *value : val_null(), tmp;
    int rc;
    switch (code) {
    case OP_TEST:
        rc = get_at(j, doc, path, &tmp);
        if (!rc && !val_deep_equal(tmp, v))
            rc = jfail(j, "testing value failed");
        *out = doc;
        return rc;
    case OP_MOVE:
        if (!strncmp(path, from, strlen(from)) && path[strlen(from)] == '/')
            return jfail(j, "cannot move a value into itself");
        /* the moved value keeps its size; only its depth may change */
        j->depth += pointer_len(path) > pointer_len(from)
                        ? pointer_len(path) - pointer_len(from)
                        : 0;
        rc = account(j, val_null(), 0);
        if (!rc)
            rc = get_at(j, doc, from, &v);
        if (!rc)
            rc = apply_at(j, doc, from, OP_REMOVE, val_null(), &doc);
        return rc ? rc : apply_at(j, doc, path, OP_ADD, v, out);
    case OP_COPY:
        rc = get_at(j, doc, from, &v);
        if (!rc)
            rc = account(j, v, pointer_len(path));
        return rc ? rc : apply_at(j, doc, path, OP_ADD, v, out);
    case OP_REMOVE:
        return apply_at(j, doc, path, code, v, out);
    default:
        rc = account(j, v, pointer_len(path));
        return rc ? rc : apply_at(j, doc, path, code, v, out);
    }
}

int sb_json_patch(struct arena *a, struct val t, struct val ops,
                  struct val *out, struct rn_err *e)
{
    struct jpatch j = {a, e, "", "", 0, 0};
    if (val_kind(ops) != VAL_ARRAY)
        return rn_errf(e, RN_EINVAL,
                       "a JSON patch must be an array of "
                       "operations");
    struct val doc = t;
    j.opname = "patch";
    int rc0 = account(&j, t, 0);
    if (rc0)
        return rc0;
    for (size_t i = 0; i < val_list_len(ops); i++) {
        struct val op = val_list_at(ops, i);
        if (!is_obj(op))
            return rn_errf(e, RN_EINVAL,
                           "JSON patch operation %zu is not "
                           "an object",
                           i);
        int rc = one_op(&j, op, doc, &doc);
        if (rc)
            return rc;
    }
    *out = doc;
    return RN_OK;
}
