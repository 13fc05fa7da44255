/*
 * write.c: create, update, patch and delete with the API server's rules.
 *
 * The server owns uid, creationTimestamp, generation and resourceVersion;
 * a resourceVersion in a PUT or patch body is a precondition (409 when
 * stale); a Rollout's main resource ignores .status and its /status
 * subresource changes nothing else; generation counts spec changes
 * (Rollouts) or any change outside metadata (AnalysisRuns); a write that
 * changes nothing takes no revision and reaches no watch.  Each verb
 * builds the new object in a scratch arena, then `finish` compares,
 * stamps and commits it.
 */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wctx {
    struct sb *sb;
    const struct sb_wreq *w;
    struct arena *a;
    struct sb_status *st;
    const char *name;
};

static int oom(struct wctx *c)
{
    sb_status_set(c->st, 500, "InternalError",
                  "Internal error occurred: out of memory");
    return RN_ENOMEM;
}

/* apiVersion and kind must name this resource; missing ones are filled. */
static int check_type(struct wctx *c, struct val *obj)
{
    const struct sb_res *r = &sb_res[c->w->res];
    const char *av = sb_get_str(*obj, "apiVersion", NULL);
    const char *kind = sb_get_str(*obj, "kind", NULL);
    if (av && *av && strcmp(av, r->api_version)) {
        sb_st_bad(c->st,
                  "the API version in the data (%s) does not match "
                  "the expected API version (%s)",
                  av, r->api_version);
        return RN_EINVAL;
    }
    if (kind && *kind && strcmp(kind, r->kind)) {
        sb_st_bad(c->st,
                  "the kind in the data (%s) does not match the "
                  "expected kind (%s)",
                  kind, r->kind);
        return RN_EINVAL;
    }
    if (!sb_obj_put(c->a, obj, "apiVersion", sb_vstr(c->a, r->api_version)) ||
        !sb_obj_put(c->a, obj, "kind", sb_vstr(c->a, r->kind)))
        return oom(c);
    return RN_OK;
}

/* metadata.namespace from the path (a different one in the body is a
 * 400); cluster-scoped objects carry none. */
static int set_namespace(struct wctx *c, struct val *obj)
{
    const char *ns = sb_get_str(*obj, "metadata", "namespace");
    if (!(sb_res[c->w->res].flags & SB_RF_NAMESPACED)) {
        struct val md = sb_get(*obj, "metadata");
        if (!sb_obj_del(c->a, &md, "namespace") ||
            !sb_obj_put(c->a, obj, "metadata", md))
            return oom(c);
        return RN_OK;
    }
    if (ns && *ns && strcmp(ns, c->w->ns)) {
        sb_st_bad(c->st, "the namespace of the provided object does not "
                         "match the namespace sent on the request");
        return RN_EINVAL;
    }
    return sb_obj_put2(c->a, obj, "metadata", "namespace",
                       sb_vstr(c->a, c->w->ns))
               ? RN_OK
               : oom(c);
}

static bool is_object(struct wctx *c, struct val v)
{
    struct val md = sb_get(v, "metadata");
    if (val_kind(v) == VAL_OBJECT &&
        (val_is_null(md) || val_kind(md) == VAL_OBJECT))
        return true;
    sb_st_bad(c->st,
              "%s in version \"%s\" cannot be handled as a %s: "
              "the request body is not a JSON object",
              sb_res[c->w->res].kind, sb_res[c->w->res].version,
              sb_res[c->w->res].kind);
    return false;
}

/* obj without the keys that do not count for generation. */
static struct val spec_part(struct arena *a, struct val obj, bool status)
{
    sb_obj_del(a, &obj, "metadata");
    if (status)
        sb_obj_del(a, &obj, "status");
    return obj;
}

static bool same_json(struct val x, struct val y)
{
    struct buf a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    bool same = !sb_emit(&a, x) && !sb_emit(&b, y) && a.len == b.len &&
                !memcmp(a.ptr, b.ptr, a.len);
    buf_free(&a);
    buf_free(&b);
    return same;
}

static int set_md(struct wctx *c, struct val *obj, const char *k, struct val v)
{
    return sb_obj_put2(c->a, obj, "metadata", k, v) ? RN_OK : oom(c);
}

static int64_t generation_of(struct val obj)
{
    struct val g = sb_get_path(obj, "metadata.generation");
    return val_kind(g) == VAL_INT ? val_int_of(g) : 0;
}

/* Stamp the next revision, freeze and commit (no-op writes excepted). */
static int finish(struct wctx *c, struct val obj, struct doc *cur,
                  struct doc **out, int *code)
{
    struct sb_store *st = &c->sb->store;
    *code = cur ? 200 : 201;
    if (cur) {
        const char *rv = sb_get_str(cur->root, "metadata", "resourceVersion");
        if (set_md(c, &obj, "resourceVersion", sb_vstr(c->a, rv ? rv : "")))
            return RN_ENOMEM;
        if (same_json(obj, cur->root)) {
            *out = doc_ref(cur);
            return RN_OK;
        }
    }
    char rvs[24];
    snprintf(rvs, sizeof rvs, "%lld", (long long)(st->rv + 1));
    if (set_md(c, &obj, "resourceVersion", sb_vstr(c->a, rvs)))
        return RN_ENOMEM;
    struct doc *d = sb_freeze(obj);
    if (!d)
        return oom(c);
    if (c->w->flags & SB_WF_DRYRUN) {
        *out = d;
        return RN_OK;
    }
    *out = doc_ref(d);
    if (sb_store_commit(c->sb, c->w->res, c->w->ns, c->name, d, NULL) < 0) {
        doc_unref(*out);
        return oom(c);
    }
    return RN_OK;
}

/* Fields the server sets on create, unless a raw write brought them. */
static int server_fields(struct wctx *c, struct val *obj)
{
    bool raw = c->w->flags & SB_WF_RAW;
    const struct sb_res *r = &sb_res[c->w->res];
    char uid[37];
    struct val md = sb_get(*obj, "metadata");
    sb_uuid(uid);
    if (!raw || !sb_get_str(md, "uid", NULL))
        sb_obj_put(c->a, &md, "uid", sb_vstr(c->a, uid));
    if (!raw || !sb_get_str(md, "creationTimestamp", NULL))
        sb_obj_put(c->a, &md, "creationTimestamp",
                   sb_vstr(c->a, sb_time_str(c->a, sb_now_ns())));
    if ((r->flags & (SB_RF_GEN_SPEC | SB_RF_GEN_ALL)) &&
        (!raw || !generation_of(*obj)))
        sb_obj_put(c->a, &md, "generation", sb_vint(1));
    sb_obj_del(c->a, &md, "managedFields");
    sb_obj_del(c->a, &md, "deletionTimestamp");
    if (!raw && (r->flags & SB_RF_STATUS))
        sb_obj_del(c->a, obj, "status");
    if (c->w->res == SB_NAMESPACES && !sb_get_str(*obj, "status", "phase")) {
        struct val s = sb_get(*obj, "status");
        sb_obj_put(c->a, &s, "phase", sb_vstr(c->a, "Active"));
        sb_obj_put(c->a, obj, "status", s);
    }
    return sb_obj_put(c->a, obj, "metadata", md) ? RN_OK : oom(c);
}

/* The name of a new object: metadata.name, or generateName + 5 chars. */
static int pick_name(struct wctx *c, struct val *obj)
{
    const char *name = sb_get_str(*obj, "metadata", "name");
    const char *gen = sb_get_str(*obj, "metadata", "generateName");
    if ((!name || !*name) && gen && *gen) {
        char sfx[6];
        sb_random_suffix(sfx, 5);
        name = arena_printf(c->a, "%s%s", gen, sfx);
        if (!name || set_md(c, obj, "name", sb_vstr(c->a, name)))
            return oom(c);
    }
    if (!name || !*name) {
        sb_st_invalid(c->st, c->w->res, "", "metadata.name",
                      "FieldValueRequired",
                      "Required value: name or generateName is required");
        return RN_EINVAL;
    }
    if (c->w->name && strcmp(c->w->name, name)) {
        sb_st_bad(c->st,
                  "the name of the object (%s) does not match the "
                  "name on the URL (%s)",
                  name, c->w->name);
        return RN_EINVAL;
    }
    c->name = name;
    return RN_OK;
}

/* Shared by create and update: type, namespace, Secret data, checks. */
static int common(struct wctx *c, struct val *obj)
{
    int rc = check_type(c, obj);
    if (!rc)
        rc = set_namespace(c, obj);
    if (!rc && c->w->res == SB_SECRETS)
        rc = sb_secret_normalize(c->a, obj, c->st);
    if (!rc && !(c->w->flags & SB_WF_RAW))
        rc = sb_validate(c->w->res, *obj, c->st);
    return rc;
}

static int do_create(struct wctx *c, struct val obj, struct doc **out,
                     int *code)
{
    if (!is_object(c, obj))
        return RN_EINVAL;
    int rc = pick_name(c, &obj);
    if (!rc)
        rc = common(c, &obj);
    if (rc)
        return rc;
    if (sb_store_get(&c->sb->store, c->w->res, c->w->ns, c->name)) {
        sb_st_exists(c->st, c->w->res, c->name);
        return RN_EINVAL;
    }
    rc = server_fields(c, &obj);
    return rc ? rc : finish(c, obj, NULL, out, code);
}

/* The resourceVersion precondition of a PUT or patch body. */
static int precondition(struct wctx *c, struct val obj, struct val cur,
                        bool patch)
{
    const char *want = sb_get_str(obj, "metadata", "resourceVersion");
    const char *have = sb_get_str(cur, "metadata", "resourceVersion");
    bool raw = c->w->flags & SB_WF_RAW;
    if ((!want || !*want) && !patch && !raw &&
        (sb_res[c->w->res].flags & SB_RF_RV_ON_PUT)) {
        sb_st_invalid(c->st, c->w->res, c->name, "metadata.resourceVersion",
                      "FieldValueInvalid",
                      "Invalid value: 0x0: must be specified for an update");
        return RN_EINVAL;
    }
    if (want && *want && !raw && strcmp(want, have ? have : "")) {
        sb_st_conflict(c->st, c->w->res, c->name);
        return RN_EINVAL;
    }
    return RN_OK;
}

/* Server-owned metadata comes from the stored object. */
static int keep_server_fields(struct wctx *c, struct val *obj, struct val cur)
{
    static const char *const keep[] = {"uid", "creationTimestamp",
                                       "generation"};
    struct val md = sb_get(*obj, "metadata");
    bool raw = c->w->flags & SB_WF_RAW;
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        const struct val *v = val_get_cstr(sb_get(cur, "metadata"), keep[i]);
        if (raw && val_get_cstr(md, keep[i]))
            continue;
        bool ok = v ? sb_obj_put(c->a, &md, keep[i], *v)
                    : sb_obj_del(c->a, &md, keep[i]);
        if (!ok)
            return oom(c);
    }
    sb_obj_del(c->a, &md, "managedFields");
    return sb_obj_put(c->a, obj, "metadata", md) ? RN_OK : oom(c);
}

/* Status subresource rules and the generation bump. */
static int status_and_generation(struct wctx *c, struct val *obj,
                                 struct val cur)
{
    unsigned f = sb_res[c->w->res].flags;
    bool raw = c->w->flags & SB_WF_RAW;
    if (c->w->status) {
        struct val st = sb_get(*obj, "status");
        *obj = cur;
        bool ok = val_is_null(st) ? sb_obj_del(c->a, obj, "status")
                                  : sb_obj_put(c->a, obj, "status", st);
        return ok ? RN_OK : oom(c);
    }
    if ((f & SB_RF_STATUS) && !raw) {
        const struct val *st = val_get_cstr(cur, "status");
        bool ok = st ? sb_obj_put(c->a, obj, "status", *st)
                     : sb_obj_del(c->a, obj, "status");
        if (!ok)
            return oom(c);
    }
    if (!(f & (SB_RF_GEN_SPEC | SB_RF_GEN_ALL)) ||
        (raw && generation_of(*obj) != generation_of(cur)))
        return RN_OK;
    bool st_too = f & SB_RF_GEN_SPEC;
    if (same_json(spec_part(c->a, *obj, st_too), spec_part(c->a, cur, st_too)))
        return RN_OK;
    return set_md(c, obj, "generation", sb_vint(generation_of(cur) + 1));
}

static int do_update(struct wctx *c, struct val obj, struct doc *cur,
                     bool patch, struct doc **out, int *code)
{
    if (!is_object(c, obj))
        return RN_EINVAL;
    const char *name = sb_get_str(obj, "metadata", "name");
    if (name && *name && strcmp(name, c->name)) {
        sb_st_bad(c->st,
                  "the name of the object (%s) does not match the "
                  "name on the URL (%s)",
                  name, c->name);
        return RN_EINVAL;
    }
    int rc = precondition(c, obj, cur->root, patch);
    if (!rc && !name)
        rc = set_md(c, &obj, "name", sb_vstr(c->a, c->name));
    if (!rc)
        rc = keep_server_fields(c, &obj, cur->root);
    if (!rc)
        rc = status_and_generation(c, &obj, cur->root);
    if (!rc)
        rc = common(c, &obj);
    return rc ? rc : finish(c, obj, cur, out, code);
}

static int patch_body(struct wctx *c, struct val cur, struct val *out)
{
    struct rn_err e;
    int rc = RN_OK;
    switch (c->w->ptype) {
    case SB_P_JSON:
        rc = sb_json_patch(c->a, cur, c->w->body, out, &e);
        if (rc == RN_EINVAL)
            sb_status_set(c->st, 422, "Invalid", "%s", e.msg);
        return rc;
    case SB_P_STRATEGIC:
        if (sb_res[c->w->res].flags & SB_RF_CUSTOM) {
            sb_st_unsupported_patch(c->st);
            return RN_EINVAL;
        }
        rc = sb_strategic_patch(c->a, cur, c->w->body, out);
        break;
    default:
        if (val_kind(c->w->body) != VAL_OBJECT) {
            sb_st_bad(c->st, "error decoding patch: a merge patch must be "
                             "a JSON object");
            return RN_EINVAL;
        }
        rc = sb_merge_patch(c->a, cur, c->w->body, out);
    }
    return rc ? oom(c) : RN_OK;
}

static int do_patch(struct wctx *c, struct doc *cur, struct doc **out,
                    int *code)
{
    struct val body = c->w->body, obj;
    if (c->w->ptype == SB_P_APPLY) {
        if (!c->w->field_manager || !*c->w->field_manager) {
            sb_st_bad(c->st, "fieldManager is required for apply requests");
            return RN_EINVAL;
        }
        if (!cur)
            return do_create(c, body, out, code);
    }
    if (!cur) {
        sb_st_not_found(c->st, c->w->res, c->name);
        return RN_EINVAL;
    }
    int rc = patch_body(c, cur->root, &obj);
    return rc ? rc : do_update(c, obj, cur, true, out, code);
}

static int do_delete(struct wctx *c, struct doc *cur, struct doc **out,
                     int *code)
{
    struct sb_store *st = &c->sb->store;
    struct val obj = cur->root;
    char rvs[24];
    snprintf(rvs, sizeof rvs, "%lld", (long long)(st->rv + 1));
    if (set_md(c, &obj, "resourceVersion", sb_vstr(c->a, rvs)))
        return RN_ENOMEM;
    struct doc *last = sb_freeze(obj);
    if (!last)
        return oom(c);
    *code = 200;
    *out = doc_ref(last);
    if (c->w->flags & SB_WF_DRYRUN) {
        doc_unref(last);
        return RN_OK;
    }
    if (sb_store_commit(c->sb, c->w->res, c->w->ns, c->name, NULL, last) < 0) {
        doc_unref(*out);
        return oom(c);
    }
    return RN_OK;
}

int sb_write_locked(struct sb *sb, const struct sb_wreq *w, struct arena *a,
                    struct doc **out, int *code, struct sb_status *st)
{
    struct wctx c = {sb, w, a, st, w->name};
    if (w->verb == SB_W_CREATE)
        return do_create(&c, w->body, out, code);
    struct sb_item *it = sb_store_get(&sb->store, w->res, w->ns, w->name);
    struct doc *cur = it ? it->doc : NULL;
    switch (w->verb) {
    case SB_W_UPDATE:
        if (cur)
            return do_update(&c, w->body, cur, false, out, code);
        if (w->flags & SB_WF_UPSERT)
            return do_create(&c, w->body, out, code);
        break;
    case SB_W_PATCH:
        return do_patch(&c, cur, out, code);
    case SB_W_DELETE:
        if (cur && w->precond_rv && *w->precond_rv &&
            strcmp(w->precond_rv,
                   sb_get_str(cur->root, "metadata", "resourceVersion"))) {
            sb_st_conflict(st, w->res, w->name);
            snprintf(st->message, sizeof st->message,
                     "Operation cannot be fulfilled on %s \"%s\": the "
                     "ResourceVersion in the precondition (%s) does not "
                     "match the ResourceVersion in record (%s). The object "
                     "might have been modified",
                     sb_res[w->res].qual, w->name, w->precond_rv,
                     sb_get_str(cur->root, "metadata", "resourceVersion"));
            return RN_EINVAL;
        }
        if (cur)
            return do_delete(&c, cur, out, code);
        break;
    }
    sb_st_not_found(st, w->res, w->name);
    return RN_EINVAL;
}

int sb_write(struct sb *sb, const struct sb_wreq *w, struct doc **out,
             int *code, struct sb_status *st)
{
    struct arena a;
    arena_init(&a, 0);
    sb_lock(sb);
    int rc = sb_write_locked(sb, w, &a, out, code, st);
    sb_unlock(sb);
    arena_free(&a);
    return rc;
}
