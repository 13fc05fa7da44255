/*
 * api.c: the resource endpoints under /api/v1 and /apis/{group}/{version}.
 *
 * A path names a resource (from the table in res.c), a namespace, an
 * object and a subresource; the method and the query pick the verb.
 * Everything about what a verb does lives in store.c, write.c and
 * watch.c; this file only decodes requests (query parameters, body
 * formats, patch content types) and encodes answers.
 */
#include "sandbox.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct target {
    int res;
    const char *ns, *name, *sub;
};

static bool truthy(const char *v)
{
    return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/* rest -> [namespaces/{ns}/]{plural}[/{name}[/{sub}]] */
static bool parse_target(const char *group, const char *version,
                         const char *const *rest, size_t n, struct target *t)
{
    memset(t, 0, sizeof *t);
    if (n >= 3 && !strcmp(rest[0], "namespaces")) {
        int res = sb_res_find(group, version, rest[2]);
        if (res >= 0 && (sb_res[res].flags & SB_RF_NAMESPACED)) {
            if (n > 5)
                return false;
            t->res = res;
            t->ns = rest[1];
            t->name = n > 3 ? rest[3] : NULL;
            t->sub = n > 4 ? rest[4] : NULL;
            return true;
        }
    }
    if (n < 1 || n > 3)
        return false;
    t->res = sb_res_find(group, version, rest[0]);
    if (t->res < 0)
        return false;
    t->name = n > 1 ? rest[1] : NULL;
    t->sub = n > 2 ? rest[2] : NULL;
    /* a namespaced resource is listed across namespaces, never named */
    return !(t->name && (sb_res[t->res].flags & SB_RF_NAMESPACED));
}

static int reply_doc(struct sb_req *r, int code, struct val obj)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = sb_emit(&b, obj);
    rc = rc ? rc : sb_reply_json(r, code, &b);
    buf_free(&b);
    return rc;
}

static void do_get(struct sb_req *r, const struct target *t)
{
    struct sb_status st;
    sb_status_init(&st);
    sb_lock(r->sb);
    struct sb_item *it = sb_store_get(&r->sb->store, t->res, t->ns, t->name);
    struct doc *d = it ? doc_ref(it->doc) : NULL;
    bool implicit = !d && t->res == SB_NAMESPACES &&
                    sb_store_ns_used(&r->sb->store, t->name);
    int64_t base = r->sb->store.base;
    sb_unlock(r->sb);
    if (d) {
        reply_doc(r, 200, d->root);
        doc_unref(d);
    } else if (implicit) {
        reply_doc(r, 200, sb_store_ns_object(&r->a, t->name, base));
    } else {
        sb_st_not_found(&st, t->res, t->name);
        sb_reply_status(r, &st);
    }
}

/* Both selectors of the query; false when answered with 400. */
static bool selectors(struct sb_req *r, int res, struct sb_selector *l,
                      struct sb_selector *f)
{
    struct rn_err e;
    struct sb_status st;
    sb_status_init(&st);
    if (sb_label_parse(&r->a, sb_query(r, "labelSelector"), l, &e) ||
        sb_field_parse(&r->a, sb_query(r, "fieldSelector"), res, f, &e)) {
        sb_st_bad(&st, "%s", e.msg);
        sb_reply_status(r, &st);
        return false;
    }
    return true;
}

static void do_list(struct sb_req *r, const struct target *t)
{
    struct sb_selector l, f;
    struct sb_status st;
    if (!selectors(r, t->res, &l, &f))
        return;
    sb_status_init(&st);
    const char *limit = sb_query(r, "limit");
    struct sb_list_opts o = {
        .res = t->res,
        .ns = t->ns,
        .lsel = &l,
        .fsel = &f,
        .limit = limit ? strtol(limit, NULL, 10) : 0,
        .cont = sb_query(r, "continue"),
        .rv = sb_query(r, "resourceVersion"),
        .rv_match = sb_query(r, "resourceVersionMatch"),
    };
    struct buf b;
    buf_init(&b, 0);
    sb_lock(r->sb);
    int rc = sb_store_list(r->sb, &o, &r->a, &b, &st);
    sb_unlock(r->sb);
    if (!rc)
        sb_reply_json(r, 200, &b);
    else if (st.code)
        sb_reply_status(r, &st);
    else
        sb_reply(r, 500, "text/plain", "out of memory", 13);
    buf_free(&b);
}

static void do_watch(struct sb_req *r, const struct target *t)
{
    struct sb_selector l, f;
    struct sb_status st;
    static const struct sb_watch_faults none = {.drop_events = -1,
                                                .drop_bytes = -1};
    if (!selectors(r, t->res, &l, &f))
        return;
    sb_status_init(&st);
    const char *to = sb_query(r, "timeoutSeconds");
    struct sb_watch_opts o = {
        .res = t->res,
        .ns = t->ns,
        .lsel = &l,
        .fsel = &f,
        .rv = sb_query(r, "resourceVersion"),
        .bookmarks = truthy(sb_query(r, "allowWatchBookmarks")),
        .timeout_s = to ? strtol(to, NULL, 10) : 0,
        .path = r->url,
        .query = sb_query_string(r),
        .user = r->user,
        .faults = r->fault ? r->fault->w : none,
    };
    r->watch = true;
    int rc = sb_watch_start(r->sb, r->conn, &o, &st);
    if (rc == RN_OK)
        r->code = 200;
    else
        sb_reply_status(r, &st);
}

/* The patch type of a Content-Type; -1 when not a patch type. */
static int patch_type(const char *ct)
{
    static const struct {
        const char *mime;
        int type;
    } types[] = {
        {"application/merge-patch+json", SB_P_MERGE},
        {"application/json-patch+json", SB_P_JSON},
        {"application/strategic-merge-patch+json", SB_P_STRATEGIC},
        {"application/apply-patch+yaml", SB_P_APPLY},
    };
    for (size_t i = 0; ct && i < sizeof types / sizeof *types; i++)
        if (!strncmp(ct, types[i].mime, strlen(types[i].mime)))
            return types[i].type;
    return -1;
}

/* The body of a create or update: JSON or YAML. */
static bool object_body(struct sb_req *r, int res, struct val *out,
                        struct sb_status *st)
{
    const char *ct = r->ctype ? r->ctype : "application/json";
    bool yaml = !strncmp(ct, "application/yaml", 16);
    struct rn_err e;
    if (!strncmp(ct, "application/vnd.kubernetes.protobuf", 35)) {
        int rc = sb_protobuf_decode(&r->a, res, buf_str(&r->body), r->body.len,
                                    out, &e);
        if (rc == RN_EINVAL)
            sb_status_set(st, 415, "UnsupportedMediaType", "%s", e.msg);
        else if (rc)
            sb_st_bad(st, "%s", e.msg);
        return rc == RN_OK;
    }
    if (!yaml && strncmp(ct, "application/json", 16)) {
        sb_status_set(st, 415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - "
                      "accepted media types include: application/json, "
                      "application/yaml, application/vnd.kubernetes.protobuf");
        return false;
    }
    if (sb_parse_body(&r->a, buf_str(&r->body), r->body.len, yaml, out, &e)) {
        sb_st_bad(st, "%s in version \"%s\" cannot be handled as a %s: %s",
                  sb_res[res].kind, sb_res[res].version, sb_res[res].kind,
                  e.msg);
        return false;
    }
    return true;
}

static bool patch_body(struct sb_req *r, int *ptype, struct val *out,
                       struct sb_status *st)
{
    struct rn_err e;
    *ptype = patch_type(r->ctype);
    if (*ptype < 0) {
        sb_st_unsupported_patch(st);
        return false;
    }
    if (sb_parse_body(&r->a, buf_str(&r->body), r->body.len,
                      *ptype == SB_P_APPLY, out, &e)) {
        sb_st_bad(st, "error decoding patch: %s", e.msg);
        return false;
    }
    return true;
}

static void write_reply(struct sb_req *r, const struct sb_wreq *w)
{
    struct sb_status st;
    struct doc *d = NULL;
    int code = 0;
    sb_status_init(&st);
    if (sb_write(r->sb, w, &d, &code, &st) == RN_OK) {
        reply_doc(r, code, d->root);
        doc_unref(d);
    } else {
        if (!st.code)
            sb_status_set(&st, 500, "InternalError", "Internal error occurred");
        sb_reply_status(r, &st);
    }
}

static void do_write(struct sb_req *r, const struct target *t, int verb)
{
    struct sb_status st;
    struct sb_wreq w = {
        .verb = verb,
        .res = t->res,
        .ns = t->ns,
        .name = t->name,
        .status = t->sub != NULL,
        .field_manager = sb_query(r, "fieldManager"),
        .flags = sb_query(r, "dryRun") ? SB_WF_DRYRUN : 0,
    };
    sb_status_init(&st);
    bool ok = true;
    if (verb == SB_W_PATCH)
        ok = patch_body(r, &w.ptype, &w.body, &st);
    else if (verb == SB_W_CREATE || verb == SB_W_UPDATE)
        ok = object_body(r, t->res, &w.body, &st);
    else if (r->body.len && !object_body(r, t->res, &w.body, &st))
        ok = false;
    if (!ok) {
        sb_reply_status(r, &st);
        return;
    }
    if (verb == SB_W_DELETE)
        w.precond_rv = sb_get_str(sb_get(w.body, "preconditions"),
                                  "resourceVersion", NULL);
    write_reply(r, &w);
}

static void method_not_allowed(struct sb_req *r)
{
    struct sb_status st;
    sb_status_init(&st);
    sb_status_set(&st, 405, "MethodNotAllowed",
                  "the server does not allow this method on the requested "
                  "resource");
    sb_reply_status(r, &st);
}

static void route(struct sb_req *r, const struct target *t)
{
    const char *m = r->method;
    bool item = t->name != NULL;
    if (!strcmp(m, "GET")) {
        if (item)
            do_get(r, t);
        else if (truthy(sb_query(r, "watch")))
            do_watch(r, t);
        else
            do_list(r, t);
    } else if (!strcmp(m, "POST") && !item && !t->sub) {
        do_write(r, t, SB_W_CREATE);
    } else if (!strcmp(m, "PUT") && item) {
        do_write(r, t, SB_W_UPDATE);
    } else if (!strcmp(m, "PATCH") && item) {
        do_write(r, t, SB_W_PATCH);
    } else if (!strcmp(m, "DELETE") && item && !t->sub) {
        do_write(r, t, SB_W_DELETE);
    } else {
        method_not_allowed(r);
    }
}

bool sb_api_handle(struct sb_req *r, const char *const *seg, size_t nseg)
{
    struct target t;
    bool ok;
    if (nseg >= 3 && !strcmp(seg[0], "api") && !strcmp(seg[1], "v1"))
        ok = parse_target("", "v1", seg + 2, nseg - 2, &t);
    else if (nseg >= 4 && !strcmp(seg[0], "apis"))
        ok = parse_target(seg[1], seg[2], seg + 3, nseg - 3, &t);
    else
        return false;
    if (!ok)
        return false;
    if (t.sub &&
        (strcmp(t.sub, "status") || !(sb_res[t.res].flags & SB_RF_STATUS)))
        return false;
    if (!t.ns && (sb_res[t.res].flags & SB_RF_NAMESPACED) &&
        strcmp(r->method, "GET"))
        return false;
    route(r, &t);
    return true;
}
