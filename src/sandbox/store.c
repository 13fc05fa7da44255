/*
 * store.c: objects, the global revision, the history ring and lists.
 *
 * Like etcd, one revision counter is shared by every resource: each change
 * takes the next revision, is stamped into the object's resourceVersion,
 * and is appended to a bounded ring of changes that watches replay from.
 * The ring also makes paginated lists consistent without snapshots: the
 * state at revision R is the current state with every change after R
 * undone (the first such change of a key holds its state before), so a
 * continue token only has to carry R and the last key returned; once R
 * has left the ring the token is expired (410), as on a real server.
 *
 * Everything here runs with sb->store.mu held.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_store_init(struct sb_store *st, int64_t base, size_t history)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    for (int i = 0; i < SB_NRES; i++)
        map_init(&st->objs[i]);
    st->ring_cap = history ? history : 1;
    st->ring = rn_calloc(st->ring_cap, sizeof *st->ring);
    st->rv = st->base = st->compacted = base;
    return st->ring ? RN_OK : RN_ENOMEM;
}

static void change_clear(struct sb_change *c)
{
    doc_unref(c->obj);
    doc_unref(c->prev);
    memset(c, 0, sizeof *c);
}

static void free_items(struct map *m)
{
    size_t i = 0;
    const char *k;
    size_t kn;
    void *v;
    while (map_next(m, &i, &k, &kn, &v)) {
        struct sb_item *it = v;
        doc_unref(it->doc);
        rn_free(it);
    }
    map_free(m);
    map_init(m);
}

void sb_store_free(struct sb_store *st)
{
    for (int i = 0; i < SB_NRES; i++)
        free_items(&st->objs[i]);
    sb_store_compact(st, INT64_MAX);
    rn_free(st->ring);
    pthread_mutex_destroy(&st->mu);
}

void sb_lock(struct sb *sb)
{
    pthread_mutex_lock(&sb->store.mu);
}

void sb_unlock(struct sb *sb)
{
    pthread_mutex_unlock(&sb->store.mu);
}

char *sb_key(struct arena *a, const char *ns, const char *name)
{
    return arena_printf(a, "%s/%s", ns ? ns : "", name);
}

struct sb_item *sb_store_get(struct sb_store *st, int res, const char *ns,
                             const char *name)
{
    char key[600];
    int n = snprintf(key, sizeof key, "%s/%s", ns ? ns : "", name);
    if (n < 0 || (size_t)n >= sizeof key)
        return NULL;
    return map_get(&st->objs[res], key, (size_t)n);
}

static void ring_push(struct sb_store *st, const struct sb_change *c)
{
    size_t at = (st->ring_head + st->ring_len) % st->ring_cap;
    if (st->ring_len == st->ring_cap) {
        st->compacted = st->ring[st->ring_head].rv;
        change_clear(&st->ring[st->ring_head]);
        st->ring_head = (st->ring_head + 1) % st->ring_cap;
        st->ring_len--;
    }
    st->ring[at] = *c;
    st->ring_len++;
}

void sb_store_compact(struct sb_store *st, int64_t rv)
{
    if (rv > st->rv)
        rv = st->rv;
    while (st->ring_len && st->ring[st->ring_head].rv <= rv) {
        change_clear(&st->ring[st->ring_head]);
        st->ring_head = (st->ring_head + 1) % st->ring_cap;
        st->ring_len--;
    }
    if (rv > st->compacted)
        st->compacted = rv;
}

/* Put or remove the item of key; the change gets the old doc as prev. */
static int apply(struct sb_store *st, int res, const char *key, size_t kn,
                 struct doc *obj, struct sb_change *c)
{
    struct sb_item *it = map_get(&st->objs[res], key, kn);
    if (!obj) {
        if (!it)
            return RN_EINVAL;
        map_del(&st->objs[res], key, kn);
        c->prev = it->doc;
        rn_free(it);
        c->type = SB_EV_DELETED;
        return RN_OK;
    }
    if (!it) {
        it = rn_calloc(1, sizeof *it);
        if (!it || map_put(&st->objs[res], key, kn, it, NULL)) {
            rn_free(it);
            return RN_ENOMEM;
        }
        c->type = SB_EV_ADDED;
    } else {
        c->prev = it->doc;
        c->type = SB_EV_MODIFIED;
    }
    it->doc = doc_ref(obj);
    it->touched_ns = sb_now_ns();
    return RN_OK;
}

int64_t sb_store_commit(struct sb *sb, int res, const char *ns,
                        const char *name, struct doc *obj, struct doc *last)
{
    struct sb_store *st = &sb->store;
    char key[600];
    int kn = snprintf(key, sizeof key, "%s/%s", ns ? ns : "", name);
    struct sb_change c = {.rv = st->rv + 1, .res = res};
    if (kn < 0 || (size_t)kn >= sizeof key ||
        apply(st, res, key, (size_t)kn, obj, &c)) {
        doc_unref(obj);
        doc_unref(last);
        return -1;
    }
    c.obj = obj ? obj : last;
    st->rv = c.rv;
    ring_push(st, &c);
    sb_watch_fanout(sb, &c);
    return c.rv;
}

void sb_store_reset(struct sb *sb, bool keep_rv)
{
    struct sb_store *st = &sb->store;
    for (int i = 0; i < SB_NRES; i++)
        free_items(&st->objs[i]);
    sb_store_compact(st, INT64_MAX);
    if (!keep_rv)
        st->rv = st->compacted = st->base;
}

size_t sb_store_count(struct sb_store *st, int res)
{
    return map_len(&st->objs[res]);
}

bool sb_store_ns_used(struct sb_store *st, const char *ns)
{
    size_t nl = strlen(ns);
    if (!strcmp(ns, "default"))
        return true;
    for (int r = 0; r < SB_NRES; r++) {
        if (!(sb_res[r].flags & SB_RF_NAMESPACED))
            continue;
        size_t i = 0, kn;
        const char *k;
        void *v;
        while (map_next(&st->objs[r], &i, &k, &kn, &v))
            if (kn > nl && k[nl] == '/' && !memcmp(k, ns, nl))
                return true;
    }
    return false;
}

/* ---- lists ---- */

struct entry {
    const char *ns, *name;
    struct val obj;
};

struct collect {
    struct entry *e;
    size_t n, cap;
    struct arena *a;
};

static int push(struct collect *c, struct val obj)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        struct entry *ne =
            arena_grow(c->a, c->e, c->cap * sizeof *ne, ncap * sizeof *ne);
        if (!ne)
            return RN_ENOMEM;
        c->e = ne;
        c->cap = ncap;
    }
    const char *ns = sb_get_str(obj, "metadata", "namespace");
    const char *name = sb_get_str(obj, "metadata", "name");
    c->e[c->n++] = (struct entry){ns ? ns : "", name ? name : "", obj};
    return RN_OK;
}

static int entry_cmp(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;
    int c = strcmp(a->ns, b->ns);
    return c ? c : strcmp(a->name, b->name);
}

static char absent; /* undo map value: the key did not exist then */

/* The state of res at revision at: every key's first change after `at`
 * holds its state before; a map key -> doc (NULL doc: absent then). */
static int undo_map(struct sb_store *st, int res, int64_t at, struct arena *a,
                    struct map *undo)
{
    for (size_t i = 0; i < st->ring_len; i++) {
        const struct sb_change *c =
            &st->ring[(st->ring_head + i) % st->ring_cap];
        if (c->rv <= at || c->res != res)
            continue;
        struct val o = c->obj->root;
        char *key = sb_key(a, sb_get_str(o, "metadata", "namespace"),
                           sb_get_str(o, "metadata", "name"));
        if (!key)
            return RN_ENOMEM;
        if (map_get(undo, key, strlen(key)))
            continue;
        void *was = c->prev ? (void *)c->prev : (void *)&absent;
        if (map_put(undo, key, strlen(key), was, NULL))
            return RN_ENOMEM;
    }
    return RN_OK;
}

static bool ns_ok(const struct sb_list_opts *o, struct val obj)
{
    const char *ns = sb_get_str(obj, "metadata", "namespace");
    return !o->ns || (ns && !strcmp(ns, o->ns));
}

/* Current objects of the list's resource, with `undo` applied. */
static int gather(struct sb_store *st, const struct sb_list_opts *o,
                  struct map *undo, struct collect *c)
{
    size_t i = 0, kn;
    const char *k;
    void *v;
    while (map_next(&st->objs[o->res], &i, &k, &kn, &v)) {
        struct sb_item *it = v;
        if (map_len(undo) && map_get(undo, k, kn))
            continue;
        if (ns_ok(o, it->doc->root) && push(c, it->doc->root))
            return RN_ENOMEM;
    }
    i = 0;
    while (map_next(undo, &i, &k, &kn, &v)) {
        struct doc *d = v;
        if (v != &absent && ns_ok(o, d->root) && push(c, d->root))
            return RN_ENOMEM;
    }
    return RN_OK;
}

struct val sb_store_ns_object(struct arena *a, const char *name, int64_t rv)
{
    struct val o = sb_vobj(), md = sb_vobj(), spec = sb_vobj();
    struct val status = sb_vobj(), fin;
    struct val_list *l = arena_alloc(a, sizeof *l);
    struct val *item = arena_alloc(a, sizeof *item);
    char uid[37];
    if (!l || !item)
        return val_null();
    *item = sb_vstr(a, "kubernetes");
    *l = (struct val_list){1, 1, item};
    fin = val_list(l, GT_LIST_ANY);
    snprintf(
        uid, sizeof uid, "00000000-0000-4000-8000-%012llx",
        (unsigned long long)(map_hash(name, strlen(name)) & 0xffffffffffffull));
    bool ok = sb_obj_put(a, &md, "name", sb_vstr(a, name)) &&
              sb_obj_put(a, &md, "uid", sb_vstr(a, uid)) &&
              sb_obj_put(a, &md, "resourceVersion",
                         sb_vstr(a, arena_printf(a, "%lld", (long long)rv))) &&
              sb_obj_put(a, &md, "creationTimestamp",
                         sb_vstr(a, "2024-01-01T00:00:00Z")) &&
              sb_obj_put(a, &spec, "finalizers", fin) &&
              sb_obj_put(a, &status, "phase", sb_vstr(a, "Active")) &&
              sb_obj_put(a, &o, "apiVersion", sb_vstr(a, "v1")) &&
              sb_obj_put(a, &o, "kind", sb_vstr(a, "Namespace")) &&
              sb_obj_put(a, &o, "metadata", md) &&
              sb_obj_put(a, &o, "spec", spec) &&
              sb_obj_put(a, &o, "status", status);
    return ok ? o : val_null();
}

/* Add one implicit namespace unless listed already. */
static int add_implicit(struct sb_store *st, struct collect *c,
                        struct map *seen, const char *ns, size_t nl)
{
    if (!nl || map_get(seen, ns, nl))
        return RN_OK;
    char *name = arena_strndup(c->a, ns, nl);
    if (!name || map_put(seen, ns, nl, seen, NULL))
        return RN_ENOMEM;
    struct val obj = sb_store_ns_object(c->a, name, st->base);
    return val_is_null(obj) ? RN_ENOMEM : push(c, obj);
}

/* Namespaces that hold objects but were never created, as Namespace
 * objects (the sandbox's namespaces are implicit). */
static int implicit_namespaces(struct sb_store *st, struct collect *c)
{
    struct map seen;
    map_init(&seen);
    int rc = RN_OK;
    for (size_t i = 0; i < c->n && !rc; i++)
        rc = map_put(&seen, c->e[i].name, strlen(c->e[i].name), &seen, NULL);
    if (!rc)
        rc = add_implicit(st, c, &seen, "default", 7);
    for (int r = 0; r < SB_NRES && !rc; r++) {
        size_t i = 0, kn;
        const char *k;
        void *v;
        while (!rc && map_next(&st->objs[r], &i, &k, &kn, &v)) {
            const char *slash = memchr(k, '/', kn);
            rc = add_implicit(st, c, &seen, k, slash ? (size_t)(slash - k) : 0);
        }
    }
    map_free(&seen);
    return rc;
}

/* continue token: base64 of {"rv":N,"start":"ns/name"} */
static int token_encode(struct buf *out, int64_t rv, const struct entry *e)
{
    struct buf j;
    buf_init(&j, 0);
    int rc = buf_add_fmt(&j, "{\"rv\":%lld,\"start\":", (long long)rv);
    char key[600];
    snprintf(key, sizeof key, "%s/%s", e->ns, e->name);
    if (!rc)
        rc = json_emit_string(&j, key, strlen(key), 0);
    if (!rc)
        rc = buf_add_char(&j, '}');
    if (!rc)
        rc = sb_b64_encode(out, j.ptr, j.len);
    buf_free(&j);
    return rc;
}

static int token_decode(struct arena *a, const char *tok, int64_t *rv,
                        const char **ns, const char **name)
{
    size_t n;
    char *json = sb_b64_decode(a, tok, strlen(tok), &n);
    struct val v;
    struct rn_err e;
    if (!json || sb_parse_body(a, json, n, false, &v, &e))
        return RN_EINVAL;
    const struct val *r = val_get_cstr(v, "rv");
    const char *start = sb_get_str(v, "start", NULL);
    const char *slash = start ? strchr(start, '/') : NULL;
    if (!r || val_kind(*r) != VAL_INT || !slash)
        return RN_EINVAL;
    *rv = val_int_of(*r);
    *ns = arena_strndup(a, start, (size_t)(slash - start));
    *name = slash + 1;
    return *ns ? RN_OK : RN_ENOMEM;
}

static int emit_item(struct buf *b, struct arena *a, int res, struct val obj)
{
    if (!(sb_res[res].flags & SB_RF_CUSTOM)) {
        if (!sb_obj_del(a, &obj, "apiVersion") || !sb_obj_del(a, &obj, "kind"))
            return RN_ENOMEM;
    }
    return sb_emit(b, obj);
}

struct page {
    int64_t rv;
    size_t from, count, remaining;
    bool more;
};

static int emit_list(struct sb *sb, const struct sb_list_opts *o,
                     struct collect *c, const struct page *p, struct buf *out)
{
    const struct sb_res *r = &sb_res[o->res];
    int rc = buf_add_fmt(out,
                         "{\"kind\":\"%s\",\"apiVersion\":\"%s\","
                         "\"metadata\":{\"resourceVersion\":\"%lld\"",
                         r->list_kind, r->api_version, (long long)p->rv);
    if (!rc && p->more) {
        rc = buf_add_str(out, ",\"continue\":\"");
        if (!rc)
            rc = token_encode(out, p->rv, &c->e[p->from + p->count - 1]);
        if (!rc && !o->lsel->n && !o->fsel->n)
            rc =
                buf_add_fmt(out, "\",\"remainingItemCount\":%zu", p->remaining);
        else if (!rc)
            rc = buf_add_char(out, '"');
    }
    if (!rc)
        rc = buf_add_str(out, "},\"items\":[");
    for (size_t i = 0; !rc && i < p->count; i++) {
        if (i)
            rc = buf_add_char(out, ',');
        if (!rc)
            rc = emit_item(out, c->a, o->res, c->e[p->from + i].obj);
    }
    (void)sb;
    return rc ? rc : buf_add_str(out, "]}");
}

/* Which revision the list is read at, and where it starts. */
static int list_point(struct sb *sb, const struct sb_list_opts *o,
                      struct arena *a, int64_t *at, struct entry *start,
                      struct sb_status *st)
{
    struct sb_store *s = &sb->store;
    *at = s->rv;
    if (o->cont && *o->cont) {
        if (token_decode(a, o->cont, at, &start->ns, &start->name)) {
            sb_st_bad(st, "continue key is not valid: illegal base64 data");
            return RN_EINVAL;
        }
        if (*at < s->compacted || *at > s->rv) {
            sb_status_set(st, 410, "Expired",
                          "The provided continue parameter is too old to "
                          "display a consistent list result. You can start "
                          "a new list without the continue parameter.");
            return RN_EINVAL;
        }
        return RN_OK;
    }
    if (o->rv_match && !strcmp(o->rv_match, "Exact") && o->rv) {
        char *end;
        long long want = strtoll(o->rv, &end, 10);
        if (*end || want < s->compacted || want > s->rv) {
            sb_st_expired(st, "Expired", want, s->compacted);
            return RN_EINVAL;
        }
        *at = want;
    }
    return RN_OK;
}

static int select_page(const struct sb_list_opts *o, struct collect *c,
                       const struct entry *start, struct page *p)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct entry *e = &c->e[i];
        if (start->name && entry_cmp(e, start) <= 0)
            continue;
        if (!sb_sel_match(o->lsel, e->obj, o->res) ||
            !sb_sel_match(o->fsel, e->obj, o->res))
            continue;
        c->e[k++] = *e;
    }
    p->from = 0;
    p->count = o->limit > 0 && (size_t)o->limit < k ? (size_t)o->limit : k;
    p->more = p->count < k;
    p->remaining = k - p->count;
    return RN_OK;
}

int sb_store_list(struct sb *sb, const struct sb_list_opts *o, struct arena *a,
                  struct buf *out, struct sb_status *st)
{
    struct collect c = {.a = a};
    struct entry start = {0};
    struct page p = {0};
    struct map undo;
    map_init(&undo);
    int rc = list_point(sb, o, a, &p.rv, &start, st);
    if (!rc && p.rv < sb->store.rv)
        rc = undo_map(&sb->store, o->res, p.rv, a, &undo);
    if (!rc)
        rc = gather(&sb->store, o, &undo, &c);
    if (!rc && o->res == SB_NAMESPACES)
        rc = implicit_namespaces(&sb->store, &c);
    map_free(&undo);
    if (rc)
        return rc;
    if (c.n)
        qsort(c.e, c.n, sizeof *c.e, entry_cmp);
    select_page(o, &c, &start, &p);
    return emit_list(sb, o, &c, &p, out);
}
