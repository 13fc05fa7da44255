/*
 * notification.c: rendering a condition's templates into one notification
 * (docs/reference/engine.md §4.3) and writing it as JSON the way upstream
 * marshals it.
 *
 * A notification is an object value: `message` plus one member per service
 * block.  Each template is applied in order onto the same notification:
 * `message` is replaced only by non-empty text; a block is created with
 * Go's zero values the first time a template has it, then each field
 * follows its rule from config's section table (set-if-non-empty or
 * always), webhook entries are replaced per hook name, and generic blocks
 * (opsgenie, github, ...) are rendered leaf by leaf and merged key by key.
 */
#include "engine_int.h"

#include "../core/buf.h"
#include "../core/goyaml.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../template/template.h"

#include <string.h>

/* An empty notification in a, or NULL on OOM. */
struct notif *eng_notif_new(struct arena *a)
{
    struct notif *n = arena_zalloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->root = val_obj_new(a, 4);
    return n->root.kind == VAL_OBJECT ? n : NULL;
}

/* The notification's object value (valid while its arena lives). */
struct val eng_notif_root(const struct notif *n)
{
    return n->root;
}

/* What rendering one send list needs: the variables, where values go,
 * and one scratch buffer that every field renders through (reset, not
 * reallocated, between fields). */
struct rctx {
    struct val vars;
    struct arena *a;
    struct rn_err *e;
    struct buf scratch;
};

/* Execute t (NULL renders "") into a string value in a. */
static int render(struct rctx *r, const struct tpl *t, struct val *out)
{
    if (!t) {
        *out = val_str("", 0);
        return RN_OK;
    }
    buf_reset(&r->scratch);
    int rc = tpl_exec(t, r->vars, r->a, &r->scratch, r->e);
    if (rc == RN_OK)
        rc = eng_str(r->a, buf_str(&r->scratch), r->scratch.len, out);
    return rc; /* a buffer that failed has freed itself and can go on */
}

/* The block `name` of n, created with the zero value `zero` if absent. */
static int block(struct arena *a, struct notif *n, const char *name,
                 struct val zero, struct val **out)
{
    *out = val_obj_slot(n->root, name);
    if (*out)
        return RN_OK;
    int rc = val_obj_put(a, n->root, name, strlen(name), zero);
    if (rc == RN_OK)
        *out = val_obj_slot(n->root, name);
    return rc;
}

/* Go's zero value of a typed block: every field present. */
static struct val zero_fields(struct arena *a, const struct cfg_sec_def *d)
{
    struct val o = val_obj_new(a, d->nfields);
    for (size_t i = 0; o.kind == VAL_OBJECT && i < d->nfields; i++) {
        const struct cfg_field_def *f = &d->fields[i];
        struct val v = f->kind == CFG_F_BOOL     ? val_bool(false)
                       : f->kind == CFG_F_POLICY ? val_str("Post", 4)
                                                 : val_str("", 0);
        if (val_obj_put(a, o, f->name, strlen(f->name), v) != RN_OK)
            return val_null();
    }
    return o;
}

static int apply_fields(struct notif *n, const struct cfg_sec_def *d,
                        const struct cfg_section *s, struct rctx *r)
{
    struct arena *a = r->a;
    struct val *acc;
    struct val zero = zero_fields(a, d);
    int rc =
        zero.kind == VAL_OBJECT ? block(a, n, d->name, zero, &acc) : RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < d->nfields; i++) {
        const struct cfg_field_def *f = &d->fields[i];
        struct val v;
        if (f->kind == CFG_F_BOOL) {
            v = val_bool(s->flag);
        } else if (f->kind == CFG_F_POLICY) {
            const char *p = cfg_policy_names[s->policy];
            v = val_str(p, strlen(p));
        } else {
            rc = render(r, s->text[i], &v);
            if (rc != RN_OK)
                return rc;
            if ((f->flags & CFG_FF_NONEMPTY) && v.len == 0)
                continue;
        }
        rc = val_obj_put(a, *acc, f->name, strlen(f->name), v);
    }
    return rc;
}

static int apply_hooks(struct notif *n, const struct cfg_section *s,
                       struct rctx *r)
{
    struct arena *a = r->a;
    struct val *acc, zero = val_obj_new(a, s->nhooks);
    int rc = zero.kind == VAL_OBJECT ? block(a, n, "webhook", zero, &acc)
                                     : RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < s->nhooks; i++) {
        const struct cfg_hook *h = &s->hooks[i];
        struct val body, path, entry = val_obj_new(a, 3);
        rc = render(r, h->body, &body);
        if (rc == RN_OK)
            rc = render(r, h->path, &path);
        if (rc == RN_OK && entry.kind != VAL_OBJECT)
            rc = RN_ENOMEM;
        if (rc == RN_OK)
            rc = val_obj_put(a, entry, "method", 6,
                             val_str(h->method, strlen(h->method)));
        if (rc == RN_OK)
            rc = val_obj_put(a, entry, "body", 4, body);
        if (rc == RN_OK)
            rc = val_obj_put(a, entry, "path", 4, path);
        if (rc == RN_OK)
            rc = val_obj_put(a, *acc, h->name, strlen(h->name), entry);
    }
    return rc;
}

/* Render a generic tree: string leaves through their template. */
static int render_gnode(const struct cfg_gnode *g, struct rctx *r,
                        struct val *out)
{
    struct arena *a = r->a;
    if (g->v.kind == VAL_STRING && !g->tpl) {
        *out = g->v; /* "" or text upstream copies unrendered */
        return RN_OK;
    }
    if (g->v.kind == VAL_STRING)
        return render(r, g->tpl, out);
    if (g->v.kind != VAL_OBJECT && g->v.kind != VAL_ARRAY) {
        *out = g->v;
        return RN_OK;
    }
    struct val_list *l = NULL;
    struct val o = val_null();
    if (g->v.kind == VAL_OBJECT) {
        o = val_obj_new(a, g->n);
    } else {
        l = arena_zalloc(a, sizeof *l);
        if (l)
            l->items = arena_zalloc(a, (g->n ? g->n : 1) * sizeof *l->items);
    }
    if ((g->v.kind == VAL_OBJECT && o.kind != VAL_OBJECT) ||
        (g->v.kind == VAL_ARRAY && (!l || !l->items)))
        return RN_ENOMEM;
    for (size_t i = 0; i < g->n; i++) {
        struct val kid;
        int rc = render_gnode(&g->kids[i], r, &kid);
        if (rc == RN_OK && l)
            l->items[l->len++] = kid;
        else if (rc == RN_OK)
            rc = val_obj_put(a, o, g->keys[i], strlen(g->keys[i]), kid);
        if (rc != RN_OK)
            return rc;
    }
    if (l)
        l->cap = l->len;
    *out = l ? val_list(l, GT_LIST_ANY) : o;
    return RN_OK;
}

/* The maps whose values upstream's templaters keep as their template
 * text when they render to "" (gcppubsub's and awssqs's parseAttributes,
 * alertmanager's labels and annotations, assign only non-empty results
 * over the copied template map). */
static const struct {
    const char *sec, *key;
} keep_text[] = {{"gcppubsub", "attributes"},
                 {"awssqs", "messageAttributes"},
                 {"alertmanager", "labels"},
                 {"alertmanager", "annotations"}};

/* In the rendered section r: every string of map `key` that rendered to
 * "" gets its template's text back. */
static int keep_template_text(const struct cfg_sec_def *d,
                              const struct cfg_gnode *g, struct val r,
                              struct arena *a)
{
    for (size_t k = 0; k < sizeof keep_text / sizeof *keep_text; k++) {
        if (strcmp(keep_text[k].sec, d->name) != 0 || g->v.kind != VAL_OBJECT)
            continue;
        for (size_t i = 0; i < g->n; i++) {
            const struct cfg_gnode *m = &g->kids[i];
            const struct val *rm = val_get_cstr(r, keep_text[k].key);
            if (strcmp(g->keys[i], keep_text[k].key) != 0 || !rm ||
                m->v.kind != VAL_OBJECT || rm->kind != VAL_OBJECT)
                continue;
            for (size_t j = 0; j < m->n; j++) {
                const struct val *rv = val_get_cstr(*rm, m->keys[j]);
                if (!rv || rv->kind != VAL_STRING || rv->len ||
                    m->kids[j].v.kind != VAL_STRING)
                    continue;
                int rc = val_obj_put(a, *rm, m->keys[j], strlen(m->keys[j]),
                                     m->kids[j].v);
                if (rc != RN_OK)
                    return rc;
            }
        }
    }
    return RN_OK;
}

/* Upstream's github templater appends "\n<!-- argocd-notifications
 * TAG -->" to a pull-request comment's content when it has a tag (and its
 * Send appends the marker once more: services/github.c). */
static int github_marker(const struct cfg_sec_def *d, struct val r,
                         struct arena *a)
{
    const struct val *pr = strcmp(d->name, "github") == 0
                               ? val_get_cstr(r, "pullRequestComment")
                               : NULL;
    const struct val *tag = pr ? val_get_cstr(*pr, "commentTag") : NULL;
    const struct val *content = pr ? val_get_cstr(*pr, "content") : NULL;
    if (!tag || tag->kind != VAL_STRING || !tag->len)
        return RN_OK;
    bool has = content && content->kind == VAL_STRING;
    const char *t =
        arena_printf(a, "%.*s\n<!-- argocd-notifications %.*s -->",
                     has ? (int)content->len : 0, has ? content->u.s : "",
                     (int)tag->len, tag->u.s);
    return t ? val_obj_put(a, *pr, "content", 7, val_str(t, strlen(t)))
             : RN_ENOMEM;
}

static int apply_generic(struct notif *n, const struct cfg_sec_def *d,
                         const struct cfg_section *s, struct rctx *x)
{
    struct arena *a = x->a;
    struct val *acc, r, zero = val_obj_new(a, 4);
    int rc =
        zero.kind == VAL_OBJECT ? render_gnode(&s->generic, x, &r) : RN_ENOMEM;
    if (rc == RN_OK)
        rc = keep_template_text(d, &s->generic, r, a);
    if (rc == RN_OK)
        rc = github_marker(d, r, a);
    if (rc == RN_OK)
        rc = block(a, n, d->name, zero, &acc);
    for (size_t i = 0; rc == RN_OK && i < val_obj_len(r); i++) {
        const struct val_kv *kv = val_obj_at(r, i);
        rc = val_obj_put(a, *acc, kv->key.u.s, kv->key.len, kv->v);
    }
    return rc;
}

static struct val previous_annotations(const struct notif *n);
static int alertmanager_rules(struct notif *n, const struct cfg_template *t,
                              struct val prev_ann, struct arena *a,
                              struct rn_err *e);

static int apply(struct notif *n, const struct cfg_template *t, struct rctx *r)
{
    struct val msg;
    int rc = render(r, t->message, &msg);
    if (rc == RN_OK && msg.len > 0)
        rc = val_obj_put(r->a, n->root, "message", 7, msg);
    for (size_t i = 0; rc == RN_OK && i < CFG_SEC_COUNT; i++) {
        enum cfg_sec k = (enum cfg_sec)cfg_sec_apply_order[i];
        const struct cfg_sec_def *d = &cfg_sec_defs[k];
        const struct cfg_section *s = t->sec[k];
        if (!s || !s->present)
            continue;
        struct val prev = k == CFG_SEC_ALERTMANAGER ? previous_annotations(n)
                                                    : val_null();
        if (d->shape == CFG_SHAPE_WEBHOOK)
            rc = apply_hooks(n, s, r);
        else if (d->shape == CFG_SHAPE_GENERIC)
            rc = apply_generic(n, d, s, r);
        else
            rc = apply_fields(n, d, s, r);
        if (rc == RN_OK && k == CFG_SEC_ALERTMANAGER)
            rc = alertmanager_rules(n, t, prev, r->a, r->e);
    }
    return rc;
}

/* The compiled node of key k in an object node, or NULL. */
static const struct cfg_gnode *gnode_key(const struct cfg_gnode *g,
                                         const char *k)
{
    for (size_t i = 0; g && g->v.kind == VAL_OBJECT && i < g->n; i++)
        if (strcmp(g->keys[i], k) == 0)
            return &g->kids[i];
    return NULL;
}

/* The annotations an earlier template gave the alert, or null. */
static struct val previous_annotations(const struct notif *n)
{
    const struct val *blk = val_get_cstr(n->root, "alertmanager");
    const struct val *ann = blk ? val_get_cstr(*blk, "annotations") : NULL;
    return ann && ann->kind == VAL_OBJECT && val_obj_len(*ann) ? *ann
                                                               : val_null();
}

/*
 * Upstream's alertmanager templater on top of the generic rendering
 * (notifications-engine services/alertmanager.go): labels are required
 * (a render error, as upstream's); a label or annotation that renders to
 * "" keeps its template text; without an `alertname` label the template's
 * name is the alert's name; a template without annotations keeps those
 * of an earlier template.  generatorURL and startsAt are the service's
 * (services/alertmanager.c), since they only exist in the request.
 */
static int alertmanager_rules(struct notif *n, const struct cfg_template *t,
                              struct val prev_ann, struct arena *a,
                              struct rn_err *e)
{
    const struct cfg_gnode *g = &t->sec[CFG_SEC_ALERTMANAGER]->generic;
    struct val *blk = val_obj_slot(n->root, "alertmanager");
    struct val *labels = blk ? val_obj_slot(*blk, "labels") : NULL;
    struct val *ann = blk ? val_obj_slot(*blk, "annotations") : NULL;
    const struct cfg_gnode *lg = gnode_key(g, "labels");
    if (!lg || lg->v.kind != VAL_OBJECT || lg->n == 0 || !labels ||
        labels->kind != VAL_OBJECT)
        return rn_errf_at(e, RN_EEXEC, t->name, 0, 0,
                          "template: %s: at least one label pair required",
                          t->name);
    int rc = RN_OK; /* empty labels already have their text back */
    if (!val_get_cstr(*labels, "alertname"))
        rc = val_obj_put(a, *labels, "alertname", 9,
                         val_str(t->name, strlen(t->name)));
    bool own = ann && ann->kind == VAL_OBJECT && val_obj_len(*ann);
    if (rc == RN_OK && !own && prev_ann.kind != VAL_NULL)
        rc = val_obj_put(a, *blk, "annotations", 11, prev_ann);
    return rc;
}

/* Apply one template onto n (engine.h); rendered text goes in a. */
int eng_notif_apply(struct notif *n, const struct cfg_template *t,
                    struct val vars, struct arena *a, struct rn_err *e)
{
    struct rctx r = {vars, a, e, {0}};
    buf_init(&r.scratch, RN_TPL_MAX_OUTPUT);
    int rc = apply(n, t, &r);
    buf_free(&r.scratch);
    return rc;
}

/* Render a send list (engine.h); *out is set only on success. */
int eng_notif_render(const struct cfg *c, const char *const *templates,
                     size_t n, struct val vars, struct arena *a,
                     struct notif **out, struct rn_err *e)
{
    struct notif *nt = eng_notif_new(a);
    if (!nt)
        return RN_ENOMEM;
    /* templates can only call template functions: whatever `time` the
     * caller built (expr's, for conditions), render with the template one */
    if (val_get_cstr(vars, "time") &&
        val_obj_with(a, vars, "time", eng_time_var_tpl(a), &vars) != RN_OK)
        return RN_ENOMEM;
    struct rctx r = {vars, a, e, {0}};
    char *room;
    buf_init(&r.scratch, RN_TPL_MAX_OUTPUT);
    int rc = buf_reserve(&r.scratch, 2048, &room); /* most fields fit */
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        const struct cfg_template *t;
        rc = cfg_template_lookup(c, templates[i], &t, e);
        if (rc == RN_OK)
            rc = apply(nt, t, &r);
    }
    buf_free(&r.scratch);
    if (rc == RN_OK)
        *out = nt;
    return rc;
}

/* ---- JSON in upstream's field order ---- */

static int emit_key(struct buf *b, bool *first, const char *k)
{
    int rc = *first ? RN_OK : buf_add_char(b, ',');
    *first = false;
    if (rc == RN_OK)
        rc = json_emit_string(b, k, strlen(k), 0);
    if (rc == RN_OK)
        rc = buf_add_char(b, ':');
    return rc;
}

static int emit_fields(struct buf *b, const struct cfg_sec_def *d,
                       struct val blk)
{
    bool first = true;
    int rc = buf_add_char(b, '{');
    for (size_t i = 0; rc == RN_OK && i < d->nfields; i++) {
        const struct cfg_field_def *f = &d->fields[i];
        const struct val *v = val_get_cstr(blk, f->name);
        if (!v || ((f->flags & CFG_FF_OMITEMPTY) && v->kind == VAL_STRING &&
                   v->len == 0))
            continue;
        rc = emit_key(b, &first, f->name);
        if (rc == RN_OK)
            rc = json_emit(b, *v, NULL, NULL);
    }
    return rc == RN_OK ? buf_add_char(b, '}') : rc;
}

static int emit_hooks(struct buf *b, struct val blk)
{
    static const char *const order[] = {"method", "body", "path"};
    bool first = true;
    int rc = buf_add_char(b, '{');
    for (size_t i = 0; rc == RN_OK && i < val_obj_len(blk); i++) {
        const struct val_kv *kv = val_obj_at(blk, i);
        bool ifirst = true;
        rc = emit_key(b, &first, kv->key.u.s);
        if (rc == RN_OK)
            rc = buf_add_char(b, '{');
        for (size_t j = 0; rc == RN_OK && j < 3; j++) {
            const struct val *v = val_get_cstr(kv->v, order[j]);
            rc = emit_key(b, &ifirst, order[j]);
            if (rc == RN_OK)
                rc = json_emit(b, v ? *v : val_str("", 0), NULL, NULL);
        }
        if (rc == RN_OK)
            rc = buf_add_char(b, '}');
    }
    return rc == RN_OK ? buf_add_char(b, '}') : rc;
}

/* Append upstream's JSON of n to out. */
int eng_notif_json(const struct notif *n, struct buf *out)
{
    bool first = true;
    const struct val *msg = val_get_cstr(n->root, "message");
    int rc = buf_add_char(out, '{');
    if (rc == RN_OK && msg && msg->len) {
        rc = emit_key(out, &first, "message");
        if (rc == RN_OK)
            rc = json_emit(out, *msg, NULL, NULL);
    }
    for (size_t k = 0; rc == RN_OK && k < CFG_SEC_COUNT; k++) {
        const struct cfg_sec_def *d = &cfg_sec_defs[k];
        const struct val *blk = val_get_cstr(n->root, d->name);
        if (!blk || (d->shape == CFG_SHAPE_WEBHOOK && !val_obj_len(*blk)))
            continue;
        rc = emit_key(out, &first, d->name);
        if (rc != RN_OK)
            break;
        if (d->shape == CFG_SHAPE_FIELDS)
            rc = emit_fields(out, d, *blk);
        else if (d->shape == CFG_SHAPE_WEBHOOK)
            rc = emit_hooks(out, *blk);
        else
            rc = json_emit(out, *blk, NULL, NULL);
    }
    return rc == RN_OK ? buf_add_char(out, '}') : rc;
}

/* ---- as the CLI's console prints it ---- */

/* Upstream's console marshals the notification to JSON (struct order,
 * omitempty) and that to YAML with go-yaml v2: the same steps here, our
 * JSON parsed back and emitted by core's go-yaml v2 writer.  Appends to
 * out; RN_ENOMEM or a buffer cap error on failure. */
int eng_notif_yaml(const struct notif *n, struct buf *out)
{
    struct buf js;
    struct arena a;
    struct val root;
    struct json_opts jo = {JSON_NUM_INT64, 0, 0};
    buf_init(&js, 0);
    arena_init(&a, 0);
    int rc = eng_notif_json(n, &js);
    if (rc == RN_OK)
        rc = json_parse(&a, buf_str(&js), js.len, &jo, &root, NULL);
    if (rc == RN_OK)
        rc = goyaml_emit(out, root);
    arena_free(&a);
    buf_free(&js);
    return rc;
}

/* Wrap an existing object value as a notification (no copy), in a. */
struct notif *eng_notif_wrap(struct arena *a, struct val root)
{
    struct notif *n = arena_zalloc(a, sizeof *n);
    if (n)
        n->root = root;
    return n;
}
