/*
 * manifest.c: ConfigMap and Secret data from files or API objects.
 *
 * The CLI reads Kubernetes manifests (YAML or JSON, several documents per
 * file) and picks the first document of the wanted kind and name (spec
 * docs/reference/engine.md §7.3).  libyaml's document loader keeps node
 * positions, so every data key carries its manifest line for error reports.
 * Secret `data` values are base64 (line breaks ignored, as Go's decoder does)
 * and `stringData` entries are merged over them.
 */
#include "config_int.h"

#include <string.h>
#include <yaml.h>

struct dataset {
    struct arena *a;
    struct cfg_entry *items;
    size_t n, cap;
};

/* Add or replace (stringData over data) one entry. */
static int put_entry(struct dataset *d, const struct cfg_entry *en)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].klen == en->klen &&
            memcmp(d->items[i].key, en->key, en->klen) == 0) {
            d->items[i] = *en;
            return RN_OK;
        }
    }
    return cfg_vec_push(d->a, (void **)&d->items, &d->n, &d->cap, sizeof *en,
                        en);
}

/* Decode base64 with line breaks and blanks removed. */
static int unbase64(struct arena *a, const char *s, size_t n, char **out,
                    size_t *len)
{
    char *clean = arena_alloc(a, n + 1);
    size_t k = 0;
    if (!clean)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ' && s[i] != '\t')
            clean[k++] = s[i];
    return cfg_b64_decode(a, clean, k, out, len);
}

static int add_value(struct dataset *d, const char *k, size_t kn, const char *v,
                     size_t vn, bool b64, int line, struct rn_err *e)
{
    struct cfg_entry en = {NULL, kn, NULL, vn, line};
    char *key = arena_strndup(d->a, k, kn), *val = NULL;
    int rc = key ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK && b64) {
        rc = unbase64(d->a, v, vn, &val, &en.vlen);
        if (rc == RN_EINVAL)
            return rn_errf_at(e, RN_ECONFIG, NULL, line, 0,
                              "illegal base64 data in secret key '%s'", key);
    } else if (rc == RN_OK) {
        val = arena_strndup(d->a, v, vn);
        rc = val ? RN_OK : RN_ENOMEM;
    }
    if (rc != RN_OK)
        return rc;
    en.key = key;
    en.value = val;
    return put_entry(d, &en);
}

/* ---- YAML documents ---- */

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *m,
                            const char *key, int *key_line)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
         p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            k->data.scalar.length == strlen(key) &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0) {
            if (key_line)
                *key_line = (int)k->start_mark.line + 1;
            return yaml_document_get_node(doc, p->value);
        }
    }
    return NULL;
}

static bool scalar_is(yaml_node_t *n, const char *s)
{
    return n && n->type == YAML_SCALAR_NODE &&
           n->data.scalar.length == strlen(s) &&
           memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static const char *scalar_dup(struct arena *a, yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return "";
    return arena_strndup(a, (const char *)n->data.scalar.value,
                         n->data.scalar.length);
}

static int yaml_section(struct dataset *d, yaml_document_t *doc, yaml_node_t *m,
                        bool b64, struct rn_err *e)
{
    if (!m || (m->type == YAML_SCALAR_NODE && m->data.scalar.length == 0))
        return RN_OK;
    if (m->type != YAML_MAPPING_NODE)
        return rn_errf_at(e, RN_ECONFIG, NULL, (int)m->start_mark.line + 1,
                          (int)m->start_mark.column + 1,
                          "data must be a map of strings");
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
         p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        int line = (int)k->start_mark.line + 1;
        if (k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
            return rn_errf_at(e, RN_ECONFIG, NULL, line,
                              (int)k->start_mark.column + 1,
                              "data values must be strings");
        int rc =
            add_value(d, (const char *)k->data.scalar.value,
                      k->data.scalar.length, (const char *)v->data.scalar.value,
                      v->data.scalar.length, b64, line, e);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

/* Whether doc is the wanted object; fills out's name/namespace. */
static bool doc_matches(struct arena *a, yaml_document_t *doc, const char *kind,
                        const char *name, struct cfg_data *out)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    yaml_node_t *api = map_get(doc, root, "apiVersion", NULL);
    yaml_node_t *meta = map_get(doc, root, "metadata", NULL);
    if (!scalar_is(map_get(doc, root, "kind", NULL), kind) ||
        !scalar_is(map_get(doc, meta, "name", NULL), name))
        return false;
    if (api && api->type == YAML_SCALAR_NODE &&
        memchr(api->data.scalar.value, '/', api->data.scalar.length))
        return false; /* not the core group */
    out->name = scalar_dup(a, map_get(doc, meta, "name", NULL));
    out->namespace = scalar_dup(a, map_get(doc, meta, "namespace", NULL));
    return true;
}

static int load_doc(struct dataset *d, yaml_document_t *doc, bool secret,
                    struct cfg_data *out, struct rn_err *e)
{
    yaml_node_t *root = yaml_document_get_root_node(doc);
    int rc = yaml_section(d, doc, map_get(doc, root, "data", NULL), secret, e);
    if (rc == RN_OK && secret)
        rc = yaml_section(d, doc, map_get(doc, root, "stringData", NULL), false,
                          e);
    out->items = d->items;
    out->n = d->n;
    return rc;
}

/* Read the wanted object's data out of a manifest stream (config.h).
 * Everything returned lives in a; libyaml's own memory is released here. */
int cfg_data_from_manifest(struct arena *a, const char *text, size_t n,
                           const char *kind, const char *name, const char *src,
                           struct cfg_data *out, struct rn_err *e)
{
    yaml_parser_t p;
    struct dataset d = {a, NULL, 0, 0};
    bool secret = strcmp(kind, "Secret") == 0;
    int rc = RN_ENOTFOUND;
    memset(out, 0, sizeof *out);
    if (!yaml_parser_initialize(&p))
        return RN_ENOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, n);
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&p, &doc) && p.error == YAML_MEMORY_ERROR) {
            rc = RN_ENOMEM;
            break;
        }
        if (p.error != YAML_NO_ERROR) {
            rc = rn_errf_at(e, RN_ECONFIG, src, (int)p.problem_mark.line + 1,
                            (int)p.problem_mark.column + 1, "yaml: line %d: %s",
                            (int)p.problem_mark.line + 1,
                            p.problem ? p.problem : "syntax error");
            break;
        }
        if (!yaml_document_get_root_node(&doc)) {
            yaml_document_delete(&doc);
            break;
        }
        bool hit = doc_matches(a, &doc, kind, name, out);
        if (hit && (!out->name || !out->namespace))
            rc = RN_ENOMEM;
        else if (hit)
            rc = load_doc(&d, &doc, secret, out, e);
        yaml_document_delete(&doc);
        if (hit)
            break;
    }
    yaml_parser_delete(&p);
    if (rc == RN_ENOTFOUND)
        rn_errf(e, RN_ENOTFOUND, "file '%s' does not have '/%s/%s'",
                src ? src : "", kind, name);
    else if (rc == RN_ENOMEM)
        rn_errf(e, RN_ENOMEM, "out of memory");
    return rc;
}

/* ---- API objects ---- */

static int obj_section(struct dataset *d, const struct val *m, bool b64,
                       struct rn_err *e)
{
    if (!m || m->kind == VAL_NULL)
        return RN_OK;
    if (m->kind != VAL_OBJECT)
        return rn_errf(e, RN_ECONFIG, "data must be a map of strings");
    for (size_t i = 0; i < val_obj_len(*m); i++) {
        const struct val_kv *kv = val_obj_at(*m, i);
        if (kv->v.kind != VAL_STRING)
            return rn_errf(e, RN_ECONFIG, "data values must be strings");
        int rc = add_value(d, kv->key.u.s, kv->key.len, kv->v.u.s, kv->v.len,
                           b64, 0, e);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

/* Read data (and stringData) of an API object; values copied into a. */
int cfg_data_from_object(struct arena *a, struct val obj, bool secret,
                         struct cfg_data *out, struct rn_err *e)
{
    struct dataset d = {a, NULL, 0, 0};
    const struct val *meta = val_get_cstr(obj, "metadata");
    const struct val *nm = meta ? val_get_cstr(*meta, "name") : NULL;
    const struct val *ns = meta ? val_get_cstr(*meta, "namespace") : NULL;
    memset(out, 0, sizeof *out);
    out->name = nm && nm->kind == VAL_STRING ? nm->u.s : "";
    out->namespace = ns && ns->kind == VAL_STRING ? ns->u.s : "";
    int rc = obj_section(&d, val_get_cstr(obj, "data"), secret, e);
    if (rc == RN_OK && secret)
        rc = obj_section(&d, val_get_cstr(obj, "stringData"), false, e);
    out->items = d.items;
    out->n = d.n;
    return rc;
}
