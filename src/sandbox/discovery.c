/*
 * discovery.c: what kubectl reads before it touches a resource.
 *
 * /version (minor pinned to 32, so the kubectl dispatcher always runs the
 * same kubectl), /api and /apis (a plain APIGroupList: kubectl asks for
 * aggregated discovery first and falls back to it), one APIResourceList
 * per group-version, and OpenAPI v3: a root listing one document per
 * group-version, each with a patch operation per resource that carries
 * x-kubernetes-group-version-kind and the fieldValidation parameter,
 * which is what `kubectl apply` checks before it sends anything.  All of
 * it is generated from the resource table.  /openapi/v2 is a 404, which
 * kubectl tolerates.  Health endpoints answer "ok".
 */
#include "sandbox.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

struct gv {
    const char *group, *version;
};

/* The group-versions served, core first, in the table's order. */
static size_t group_versions(struct gv *out, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < SB_NRES; i++) {
        size_t j = 0;
        while (j < n && (strcmp(out[j].group, sb_res[i].group) ||
                         strcmp(out[j].version, sb_res[i].version)))
            j++;
        if (j == n && n < max)
            out[n++] = (struct gv){sb_res[i].group, sb_res[i].version};
    }
    return n;
}

static int version_json(struct buf *b)
{
    return buf_add_str(
        b, "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.4\","
           "\"gitCommit\":\"59526cd4867447956156ae3a602fcbac10a2c335\","
           "\"gitTreeState\":\"clean\",\"buildDate\":"
           "\"2025-04-22T16:02:27Z\",\"goVersion\":\"go1.23.6\","
           "\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}");
}

static int groups_json(struct buf *b)
{
    struct gv gvs[SB_NRES];
    size_t n = group_versions(gvs, SB_NRES);
    int rc = buf_add_str(b, "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\","
                            "\"groups\":[");
    bool first = true;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!gvs[i].group[0])
            continue;
        rc = buf_add_fmt(b,
                         "%s{\"name\":\"%s\",\"versions\":[{\"groupVersion\":"
                         "\"%s/%s\",\"version\":\"%s\"}],\"preferredVersion\":"
                         "{\"groupVersion\":\"%s/%s\",\"version\":\"%s\"}}",
                         first ? "" : ",", gvs[i].group, gvs[i].group,
                         gvs[i].version, gvs[i].version, gvs[i].group,
                         gvs[i].version, gvs[i].version);
        first = false;
    }
    return rc ? rc : buf_add_str(b, "]}");
}

static int resource_json(struct buf *b, const struct sb_res *r, bool first)
{
    const char *verbs = "\"create\",\"delete\",\"get\",\"list\","
                        "\"patch\",\"update\",\"watch\"";
    int rc = buf_add_fmt(b,
                         "%s{\"name\":\"%s\",\"singularName\":\"%s\","
                         "\"namespaced\":%s,\"kind\":\"%s\",\"verbs\":[%s]",
                         first ? "" : ",", r->plural, r->singular,
                         r->flags & SB_RF_NAMESPACED ? "true" : "false",
                         r->kind, verbs);
    if (!rc && r->short_name)
        rc = buf_add_fmt(b, ",\"shortNames\":[\"%s\"]", r->short_name);
    if (!rc)
        rc = buf_add_char(b, '}');
    if (!rc && (r->flags & SB_RF_STATUS))
        rc = buf_add_fmt(b,
                         ",{\"name\":\"%s/status\",\"singularName\":\"\","
                         "\"namespaced\":true,\"kind\":\"%s\",\"verbs\":"
                         "[\"get\",\"patch\",\"update\"]}",
                         r->plural, r->kind);
    return rc;
}

static int resources_json(struct buf *b, const char *group, const char *version)
{
    int rc = buf_add_fmt(b,
                         "{\"kind\":\"APIResourceList\",\"apiVersion\":"
                         "\"v1\",\"groupVersion\":\"%s%s%s\","
                         "\"resources\":[",
                         group, *group ? "/" : "", version);
    bool first = true;
    for (int i = 0; i < SB_NRES && !rc; i++) {
        if (strcmp(sb_res[i].group, group) ||
            strcmp(sb_res[i].version, version))
            continue;
        rc = resource_json(b, &sb_res[i], first);
        first = false;
    }
    return rc ? rc : buf_add_str(b, "]}");
}

/* ---- OpenAPI v3 ---- */

/* io.argoproj.v1alpha1.Rollout, io.k8s.api.core.v1.ConfigMap */
static void schema_name(const struct sb_res *r, char *out, size_t n)
{
    if (r->flags & SB_RF_CUSTOM)
        snprintf(out, n, "io.argoproj.%s.%s", r->version, r->kind);
    else if (!r->group[0])
        snprintf(out, n, "io.k8s.api.core.%s.%s", r->version, r->kind);
    else
        snprintf(out, n, "io.k8s.api.%.*s.%s.%s", (int)strcspn(r->group, "."),
                 r->group, r->version, r->kind);
}

static int patch_op(struct buf *b, const struct sb_res *r, const char *schema)
{
    /* Built-ins leave strategic merge patch out of the request body on
     * purpose: kubectl then computes its patches from its own types. */
    return buf_add_fmt(
        b,
        "\"patch\":{\"operationId\":\"patch%s\",\"parameters\":["
        "{\"name\":\"dryRun\",\"in\":\"query\",\"schema\":{\"type\":"
        "\"string\",\"uniqueItems\":true}},"
        "{\"name\":\"fieldManager\",\"in\":\"query\",\"schema\":{\"type\":"
        "\"string\",\"uniqueItems\":true}},"
        "{\"name\":\"fieldValidation\",\"in\":\"query\",\"schema\":{\"type\":"
        "\"string\",\"uniqueItems\":true}},"
        "{\"name\":\"force\",\"in\":\"query\",\"schema\":{\"type\":"
        "\"boolean\",\"uniqueItems\":true}}],"
        "\"requestBody\":{\"content\":{"
        "\"application/apply-patch+yaml\":{\"schema\":{\"$ref\":"
        "\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch\"}},"
        "\"application/json-patch+json\":{\"schema\":{\"$ref\":"
        "\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch\"}},"
        "\"application/merge-patch+json\":{\"schema\":{\"$ref\":"
        "\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch\"}}"
        "},\"required\":true},"
        "\"responses\":{\"200\":{\"description\":\"OK\",\"content\":{"
        "\"application/json\":{\"schema\":{\"$ref\":"
        "\"#/components/schemas/%s\"}}}}},"
        "\"x-kubernetes-action\":\"patch\","
        "\"x-kubernetes-group-version-kind\":{\"group\":\"%s\",\"kind\":"
        "\"%s\",\"version\":\"%s\"}}",
        r->kind, schema, r->group, r->kind, r->version);
}

static int openapi_path(struct buf *b, const struct sb_res *r, bool first)
{
    char schema[128];
    schema_name(r, schema, sizeof schema);
    int rc = buf_add_fmt(b, "%s\"/%s%s/%s/%s%s/{name}\":{", first ? "" : ",",
                         r->group[0] ? "apis/" : "api", r->group, r->version,
                         r->flags & SB_RF_NAMESPACED ? "namespaces/{namespace}/"
                                                     : "",
                         r->plural);
    if (!rc)
        rc = patch_op(b, r, schema);
    if (!rc)
        rc = buf_add_str(b, ",\"parameters\":[{\"name\":\"name\",\"in\":"
                            "\"path\",\"required\":true,\"schema\":{\"type\":"
                            "\"string\",\"uniqueItems\":true}}");
    if (!rc && (r->flags & SB_RF_NAMESPACED))
        rc = buf_add_str(b, ",{\"name\":\"namespace\",\"in\":\"path\","
                            "\"required\":true,\"schema\":{\"type\":"
                            "\"string\",\"uniqueItems\":true}}");
    return rc ? rc : buf_add_str(b, "]}");
}

static int openapi_schema(struct buf *b, const struct sb_res *r)
{
    char schema[128];
    schema_name(r, schema, sizeof schema);
    return buf_add_fmt(b,
                       ",\"%s\":{\"type\":\"object\","
                       "\"x-kubernetes-preserve-unknown-fields\":true,"
                       "\"x-kubernetes-group-version-kind\":[{\"group\":"
                       "\"%s\",\"kind\":\"%s\",\"version\":\"%s\"}]}",
                       schema, r->group, r->kind, r->version);
}

static int openapi_gv(struct buf *b, const char *group, const char *version)
{
    int rc = buf_add_str(b, "{\"openapi\":\"3.0.0\",\"info\":{\"title\":"
                            "\"Kubernetes\",\"version\":\"v1.32.4\"},"
                            "\"paths\":{");
    bool first = true;
    for (int i = 0; i < SB_NRES && !rc; i++) {
        if (strcmp(sb_res[i].group, group) ||
            strcmp(sb_res[i].version, version))
            continue;
        rc = openapi_path(b, &sb_res[i], first);
        first = false;
    }
    if (!rc)
        rc = buf_add_str(b, "},\"components\":{\"schemas\":{"
                            "\"io.k8s.apimachinery.pkg.apis.meta.v1.Patch\":"
                            "{\"type\":\"object\"}");
    for (int i = 0; i < SB_NRES && !rc; i++)
        if (!strcmp(sb_res[i].group, group) &&
            !strcmp(sb_res[i].version, version))
            rc = openapi_schema(b, &sb_res[i]);
    return rc ? rc : buf_add_str(b, "}}}");
}

static void hash_hex(const struct buf *b, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(b->ptr, b->len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 16 && i < n; i++)
        snprintf(out + 2 * i, 3, "%02X", md[i]);
}

static int openapi_root(struct buf *b)
{
    struct gv gvs[SB_NRES];
    size_t n = group_versions(gvs, SB_NRES);
    int rc = buf_add_str(b, "{\"paths\":{");
    for (size_t i = 0; i < n && !rc; i++) {
        struct buf doc;
        char hash[33] = "";
        buf_init(&doc, 0);
        rc = openapi_gv(&doc, gvs[i].group, gvs[i].version);
        hash_hex(&doc, hash);
        buf_free(&doc);
        char path[128];
        snprintf(path, sizeof path, "%s%s%s%s",
                 gvs[i].group[0] ? "apis/" : "api/", gvs[i].group,
                 gvs[i].group[0] ? "/" : "", gvs[i].version);
        if (!rc)
            rc = buf_add_fmt(b,
                             "%s\"%s\":{\"serverRelativeURL\":"
                             "\"/openapi/v3/%s?hash=%s\"}",
                             i ? "," : "", path, path, hash);
    }
    return rc ? rc : buf_add_str(b, "}}");
}

static bool answer(struct sb_req *r, struct buf *b, int rc)
{
    if (rc == RN_OK)
        sb_reply_json(r, 200, b);
    else
        sb_reply(r, 500, "text/plain", "out of memory", 13);
    buf_free(b);
    return true;
}

static bool openapi(struct sb_req *r, const char *const *seg, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    if (n == 2)
        return answer(r, &b, openapi_root(&b));
    if (n == 4 && !strcmp(seg[2], "api"))
        return !strcmp(seg[3], "v1") && answer(r, &b, openapi_gv(&b, "", "v1"));
    if (n == 5 && !strcmp(seg[2], "apis")) {
        for (int i = 0; i < SB_NRES; i++)
            if (!strcmp(sb_res[i].group, seg[3]) &&
                !strcmp(sb_res[i].version, seg[4]))
                return answer(r, &b, openapi_gv(&b, seg[3], seg[4]));
    }
    return false;
}

bool sb_discovery_handle(struct sb_req *r, const char *const *seg, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    if (strcmp(r->method, "GET"))
        return false;
    if (n == 1 && (!strcmp(seg[0], "healthz") || !strcmp(seg[0], "readyz") ||
                   !strcmp(seg[0], "livez")))
        return sb_reply(r, 200, "text/plain; charset=utf-8", "ok", 2), true;
    if (n == 1 && !strcmp(seg[0], "version"))
        return answer(r, &b, version_json(&b));
    if (n == 1 && !strcmp(seg[0], "api"))
        return answer(r, &b,
                      buf_add_fmt(&b,
                                  "{\"kind\":\"APIVersions\",\"versions\":"
                                  "[\"v1\"],\"serverAddressByClientCIDRs\":"
                                  "[{\"clientCIDR\":\"0.0.0.0/0\","
                                  "\"serverAddress\":\"127.0.0.1:%d\"}]}",
                                  r->sb->port));
    if (n == 1 && !strcmp(seg[0], "apis"))
        return answer(r, &b, groups_json(&b));
    if (n == 2 && !strcmp(seg[0], "api") && !strcmp(seg[1], "v1"))
        return answer(r, &b, resources_json(&b, "", "v1"));
    if (n == 3 && !strcmp(seg[0], "apis")) {
        for (int i = 0; i < SB_NRES; i++)
            if (!strcmp(sb_res[i].group, seg[1]) &&
                !strcmp(sb_res[i].version, seg[2]))
                return answer(r, &b, resources_json(&b, seg[1], seg[2]));
        return false;
    }
    if (n >= 2 && !strcmp(seg[0], "openapi") && !strcmp(seg[1], "v3"))
        return openapi(r, seg, n);
    return false;
}
