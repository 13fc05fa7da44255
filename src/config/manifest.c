/*
 * manifest.c: ConfigMap and Secret data from files or API objects.
 *
 * The CLI reads Kubernetes manifests (YAML or JSON, several documents per
 * file) and picks the first document of the wanted kind and name
 * (docs/reference/engine.md §7.3), reading libyaml's events: every data key
 * carries its manifest position for error reports.
 * Secret `data` values are base64 (line breaks ignored, as Go's decoder does)
 * and `stringData` entries are merged over them.
 */
#include "config_int.h"

#include "../core/alloc.h"
#include "../core/limits.h"
#include "../core/map.h"

#include <stdint.h>
#include <string.h>
#include <yaml.h>

struct dataset {
    struct arena *a;
    struct cfg_entry *items;
    size_t n, cap;
    struct map index; /* key -> position in items + 1 */
};

/* Add or replace (stringData over data, a repeated key) one entry: a
 * hash lookup, so a ConfigMap of many keys loads in linear time. */
static int put_entry(struct dataset *d, const struct cfg_entry *en)
{
    uintptr_t at = (uintptr_t)map_get(&d->index, en->key, en->klen);
    if (at) {
        d->items[at - 1] = *en;
        return RN_OK;
    }
    int rc = map_put(&d->index, en->key, en->klen, (void *)(d->n + 1), NULL);
    if (rc == RN_OK)
        rc = cfg_vec_push(d->a, (void **)&d->items, &d->n, &d->cap, sizeof *en,
                          en);
    return rc;
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
                     size_t vn, bool b64, int line, int col, struct rn_err *e)
{
    struct cfg_entry en = {NULL, kn, NULL, vn, line, col};
    char *key = arena_strndup(d->a, k, kn), *val = NULL;
    int rc = key ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK && b64) {
        rc = unbase64(d->a, v, vn, &val, &en.vlen);
        if (rc == RN_EINVAL)
            return rn_errf_at(e, RN_ECONFIG, NULL, line, col,
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

/*
 * The manifest is read as a stream of libyaml events, never as a node
 * tree: time is linear in the file (nesting is refused past
 * RN_YAML_MAX_DEPTH as soon as it is reached, before libyaml's scanner,
 * whose cost per token grows with the depth of flow collections, gets
 * deep), and memory holds the data entries only.  Each document's
 * `kind`, `apiVersion`, `metadata.name`/`namespace` and the entries of
 * `data` and `stringData` are noted; the first document that is the
 * wanted object gives its entries.
 */

/* A scalar, or what an alias stands for. */
struct scalar {
    const char *s; /* NULL: not a scalar (a collection) */
    size_t n;
    int line, col;
};

/* One entry of `data` or `stringData` while its document is read. */
struct pending {
    struct scalar k, v;
    bool string_data;
};

/* What one document says about itself. */
struct docinfo {
    struct scalar kind, api, name, ns;
    int line, col; /* of `data` (else `stringData`, else of
                      the document) */
    bool data_seen;
    bool bad_data[2];           /* data / stringData is not a map */
    struct scalar bad_entry[2]; /* the first key whose value is not a string */
    struct pending *items;
    size_t n, cap;
};

struct reader {
    yaml_parser_t p;
    struct arena *a;
    const char *text, *src;
    size_t len;
    unsigned depth;
    struct map anchors; /* name -> struct scalar (in a) */
    struct rn_err *e;
};

static int fail_yaml(struct reader *r)
{
    yaml_parser_t *p = &r->p;
    int line = (int)p->problem_mark.line + 1,
        col = (int)p->problem_mark.column + 1;
    if (p->error == YAML_MEMORY_ERROR)
        return RN_ENOMEM;
    if (p->error == YAML_READER_ERROR) /* no mark: only a byte offset */
        rn_pos_at(r->text, r->len, p->problem_offset, &line, &col);
    return rn_errf_at(r->e, RN_ECONFIG, r->src, line, col, "yaml: %s",
                      p->problem ? p->problem : "syntax error");
}

static int next(struct reader *r, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&r->p, ev))
        return fail_yaml(r);
    if (ev->type == YAML_SEQUENCE_START_EVENT ||
        ev->type == YAML_MAPPING_START_EVENT) {
        if (++r->depth > RN_YAML_MAX_DEPTH) {
            int rc = rn_errf_at(
                r->e, RN_ELIMIT, r->src, (int)ev->start_mark.line + 1,
                (int)ev->start_mark.column + 1, "yaml: nesting deeper than %d",
                RN_YAML_MAX_DEPTH);
            yaml_event_delete(ev);
            return rc;
        }
    } else if (ev->type == YAML_SEQUENCE_END_EVENT ||
               ev->type == YAML_MAPPING_END_EVENT) {
        r->depth--;
    }
    return RN_OK;
}

/* Remember an anchored node (collections as non-scalars). */
static int anchor(struct reader *r, const yaml_char_t *name,
                  const struct scalar *v)
{
    if (!name)
        return RN_OK;
    struct scalar *copy = arena_alloc(r->a, sizeof *copy);
    if (!copy)
        return RN_ENOMEM;
    *copy = *v;
    return map_put(&r->anchors, (const char *)name, strlen((const char *)name),
                   copy, NULL);
}

/* Skip the rest of a collection whose start event was just read. */
static int skip_rest(struct reader *r)
{
    unsigned base = r->depth;
    int rc = RN_OK;
    while (rc == RN_OK && r->depth >= base) {
        yaml_event_t ev;
        struct scalar v = {"", 0, 0, 0};
        if ((rc = next(r, &ev)) != RN_OK)
            break;
        if (ev.type == YAML_ALIAS_EVENT &&
            !map_get(&r->anchors, (const char *)ev.data.alias.anchor,
                     strlen((const char *)ev.data.alias.anchor)))
            rc = rn_errf_at(r->e, RN_ECONFIG, r->src,
                            (int)ev.start_mark.line + 1,
                            (int)ev.start_mark.column + 1,
                            "yaml: unknown anchor '%s' referenced",
                            (const char *)ev.data.alias.anchor);
        else if (ev.type == YAML_SCALAR_EVENT)
            rc = anchor(r, ev.data.scalar.anchor, &v);
        yaml_event_delete(&ev);
    }
    return rc;
}

/*
 * node -> scalar | alias | collection, from its first event ev (deleted
 * here).  A scalar (or an alias of one) is copied into the arena; a
 * collection is skipped unless *open, which the caller then reads itself
 * (*open stays true only for a mapping).
 */
static int node_at(struct reader *r, yaml_event_t *ev, struct scalar *out,
                   bool *open)
{
    bool want = open && *open;
    int rc = RN_OK;
    *out = (struct scalar){NULL, 0, (int)ev->start_mark.line + 1,
                           (int)ev->start_mark.column + 1};
    if (open)
        *open = false;
    if (ev->type == YAML_SCALAR_EVENT) {
        out->s = arena_strndup(r->a, (const char *)ev->data.scalar.value,
                               ev->data.scalar.length);
        out->n = ev->data.scalar.length;
        rc = out->s ? anchor(r, ev->data.scalar.anchor, out) : RN_ENOMEM;
    } else if (ev->type == YAML_ALIAS_EVENT) {
        const char *name = (const char *)ev->data.alias.anchor;
        const struct scalar *v = map_get(&r->anchors, name, strlen(name));
        if (v)
            out->s = v->s, out->n = v->n;
        else
            rc = rn_errf_at(r->e, RN_ECONFIG, r->src, out->line, out->col,
                            "yaml: unknown anchor '%s' referenced", name);
    } else {
        const yaml_char_t *a = ev->type == YAML_MAPPING_START_EVENT
                                   ? ev->data.mapping_start.anchor
                                   : ev->data.sequence_start.anchor;
        struct scalar none = {NULL, 0, out->line, out->col};
        rc = anchor(r, a, &none);
        if (rc == RN_OK && want && ev->type == YAML_MAPPING_START_EVENT)
            *open = true;
        else if (rc == RN_OK)
            rc = skip_rest(r);
    }
    yaml_event_delete(ev);
    return rc;
}

static int node(struct reader *r, struct scalar *out, bool *open)
{
    yaml_event_t ev;
    int rc = next(r, &ev);
    return rc == RN_OK ? node_at(r, &ev, out, open) : rc;
}

/* The next key of an open mapping (a collection as a key is skipped: it
 * is never one we want); *end at its close. */
static int key(struct reader *r, struct scalar *k, bool *end)
{
    yaml_event_t ev;
    int rc = next(r, &ev);
    if (rc != RN_OK)
        return rc;
    *end = ev.type == YAML_MAPPING_END_EVENT;
    if (!*end)
        return node_at(r, &ev, k, NULL);
    yaml_event_delete(&ev);
    return RN_OK;
}

static bool scalar_is(const struct scalar *v, const char *s)
{
    return v->s && v->n == strlen(s) && memcmp(v->s, s, v->n) == 0;
}

static int pending_add(struct docinfo *d, const struct scalar *k,
                       const struct scalar *v, bool string_data)
{
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 64;
        struct pending *p = rn_realloc(d->items, nc * sizeof *p);
        if (!p)
            return RN_ENOMEM;
        d->items = p;
        d->cap = nc;
    }
    d->items[d->n++] = (struct pending){*k, *v, string_data};
    return RN_OK;
}

/* data -> mapping of scalar: scalar (an empty value is no data) */
static int read_data(struct reader *r, struct docinfo *d, bool string_data)
{
    struct scalar v, k;
    bool open = true, end = false;
    int rc = node(r, &v, &open);
    if (rc != RN_OK || !open) {
        d->bad_data[string_data] = rc == RN_OK && !(v.s && v.n == 0) &&
                                   !scalar_is(&v, "null") &&
                                   !scalar_is(&v, "~");
        return rc;
    }
    while (rc == RN_OK && !end) {
        rc = key(r, &k, &end);
        if (rc != RN_OK || end)
            break;
        rc = node(r, &v, NULL);
        if (rc == RN_OK && (!k.s || !v.s) && !d->bad_entry[string_data].line)
            d->bad_entry[string_data] = k;
        if (rc == RN_OK && k.s && v.s)
            rc = pending_add(d, &k, &v, string_data);
    }
    return rc;
}

/* metadata -> mapping: name and namespace noted, the rest skipped */
static int read_meta(struct reader *r, struct docinfo *d)
{
    struct scalar v, k;
    bool open = true, end = false;
    int rc = node(r, &v, &open);
    while (rc == RN_OK && open && !end) {
        rc = key(r, &k, &end);
        if (rc != RN_OK || end)
            break;
        rc = node(r, &v, NULL);
        if (scalar_is(&k, "name"))
            d->name = v;
        else if (scalar_is(&k, "namespace"))
            d->ns = v;
    }
    return rc;
}

/* One pair of the document's top mapping. */
static int read_top(struct reader *r, struct docinfo *d, const struct scalar *k)
{
    struct scalar v;
    if (scalar_is(k, "metadata"))
        return read_meta(r, d);
    if (scalar_is(k, "data") || scalar_is(k, "stringData")) {
        if (k->s[0] == 'd' || !d->data_seen)
            d->line = k->line, d->col = k->col;
        d->data_seen = true;
        return read_data(r, d, k->s[0] == 's');
    }
    int rc = node(r, &v, NULL);
    if (scalar_is(k, "kind"))
        d->kind = v;
    else if (scalar_is(k, "apiVersion"))
        d->api = v;
    return rc;
}

/* document -> DOCUMENT-START node DOCUMENT-END; *more false at the end
 * of the stream. */
static int read_doc(struct reader *r, struct docinfo *d, bool *more)
{
    yaml_event_t ev;
    struct scalar root, k;
    bool open = true, end = false;
    int rc;
    do {
        rc = next(r, &ev);
        if (rc != RN_OK)
            return rc;
        *more = ev.type != YAML_STREAM_END_EVENT;
        bool start = ev.type == YAML_DOCUMENT_START_EVENT;
        d->line = (int)ev.start_mark.line + 1;
        d->col = (int)ev.start_mark.column + 1;
        yaml_event_delete(&ev);
        if (start)
            break;
    } while (*more);
    if (!*more)
        return RN_OK;
    map_free(&r->anchors); /* anchors belong to their document */
    map_init(&r->anchors);
    rc = node(r, &root, &open);
    while (rc == RN_OK && open && !end) {
        rc = key(r, &k, &end);
        if (rc == RN_OK && !end)
            rc = read_top(r, d, &k);
    }
    if (rc == RN_OK)
        rc = next(r, &ev); /* DOCUMENT-END */
    if (rc == RN_OK)
        yaml_event_delete(&ev);
    return rc;
}

/* Whether the document is the wanted object of the core group. */
static bool doc_matches(const struct docinfo *d, const char *kind,
                        const char *name)
{
    return scalar_is(&d->kind, kind) && scalar_is(&d->name, name) &&
           !(d->api.s && memchr(d->api.s, '/', d->api.n));
}

/* The matching document's entries: data (base64 for a Secret), then
 * stringData over it. */
static int take_doc(struct dataset *ds, struct docinfo *d, bool secret,
                    const char *src, struct rn_err *e)
{
    for (int sd = 0; sd < (secret ? 2 : 1); sd++) {
        if (d->bad_data[sd])
            return rn_errf_at(e, RN_ECONFIG, src, d->line, d->col,
                              "data must be a map of strings");
        if (d->bad_entry[sd].line)
            return rn_errf_at(e, RN_ECONFIG, src, d->bad_entry[sd].line,
                              d->bad_entry[sd].col,
                              "data values must be strings");
    }
    for (int sd = 0; sd < (secret ? 2 : 1); sd++) {
        for (size_t i = 0; i < d->n; i++) {
            const struct pending *p = &d->items[i];
            if (p->string_data != (sd == 1))
                continue;
            int rc = add_value(ds, p->k.s, p->k.n, p->v.s, p->v.n,
                               secret && !sd, p->k.line, p->k.col, e);
            if (rc != RN_OK)
                return rc;
        }
    }
    return RN_OK;
}

static int read_stream(struct reader *r, struct dataset *ds, const char *kind,
                       const char *name, struct cfg_data *out)
{
    bool secret = strcmp(kind, "Secret") == 0, more = true;
    int rc = RN_ENOTFOUND;
    while (more) {
        struct docinfo d;
        memset(&d, 0, sizeof d);
        int drc = read_doc(r, &d, &more);
        if (drc == RN_OK && more && doc_matches(&d, kind, name)) {
            out->name = arena_strndup(r->a, d.name.s, d.name.n);
            out->namespace = d.ns.s ? arena_strndup(r->a, d.ns.s, d.ns.n) : "";
            out->line = d.line;
            out->col = d.col;
            drc = out->name && out->namespace
                      ? take_doc(ds, &d, secret, r->src, r->e)
                      : RN_ENOMEM;
            more = false;
            rc = drc;
        } else if (drc != RN_OK) {
            rc = drc;
            more = false;
        }
        rn_free(d.items);
    }
    return rc;
}

/* Read the wanted object's data out of a manifest stream (config.h).
 * Everything returned lives in a; libyaml's own memory is released here. */
int cfg_data_from_manifest(struct arena *a, const char *text, size_t n,
                           const char *kind, const char *name, const char *src,
                           struct cfg_data *out, struct rn_err *e)
{
    struct reader r;
    struct dataset d = {a, NULL, 0, 0, {NULL, 0, 0}};
    memset(out, 0, sizeof *out);
    memset(&r, 0, sizeof r);
    if (!yaml_parser_initialize(&r.p))
        return rn_errf(e, RN_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&r.p, (const unsigned char *)text, n);
    r.a = a;
    r.text = text;
    r.len = n;
    r.src = src;
    r.e = e;
    map_init(&r.anchors);
    int rc = read_stream(&r, &d, kind, name, out);
    out->items = d.items;
    out->n = d.n;
    yaml_parser_delete(&r.p);
    map_free(&r.anchors);
    map_free(&d.index);
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
                           b64, 0, 0, e);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

/* Read data (and stringData) of an API object; values copied into a. */
int cfg_data_from_object(struct arena *a, struct val obj, bool secret,
                         struct cfg_data *out, struct rn_err *e)
{
    struct dataset d = {a, NULL, 0, 0, {NULL, 0, 0}};
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
    map_free(&d.index);
    return rc;
}
