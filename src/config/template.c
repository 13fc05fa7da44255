/*
 * template.c: notification templates (`template.<name>` keys,
 * docs/reference/engine.md §4).
 *
 * A template value is decoded into the notification object of
 * docs/reference/engine.md §4.1 with the docs/reference/engine.md §1.2 rules,
 * then every string field is parsed once as a Go text/template named after the
 * template (webhook body and path as name + hook name), with the shared sprig
 * function table.  The section table below is the one place that knows each
 * service block's fields: which are templated, which are copied, which a later
 * template sets only when non-empty and which JSON omits when empty.  The
 * engine merges and emits from the same table.
 */
#include "config_int.h"

#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/json.h"
#include "../template/sprig/sprig.h"
#include "../template/template.h"

#include <stdlib.h>
#include <string.h>

#define NE_OMIT (CFG_FF_NONEMPTY | CFG_FF_OMITEMPTY)

static const struct cfg_field_def email_fields[] = {
    {"subject", CFG_F_TEXT, NE_OMIT},
    {"body", CFG_F_TEXT, NE_OMIT},
};

static const struct cfg_field_def slack_fields[] = {
    {"username", CFG_F_TEXT, CFG_FF_OMITEMPTY},
    {"icon", CFG_F_TEXT, CFG_FF_OMITEMPTY},
    {"attachments", CFG_F_TEXT, CFG_FF_OMITEMPTY},
    {"blocks", CFG_F_TEXT, CFG_FF_OMITEMPTY},
    {"groupingKey", CFG_F_TEXT, 0},
    {"notifyBroadcast", CFG_F_BOOL, 0},
    {"deliveryPolicy", CFG_F_POLICY, 0},
};

static const struct cfg_field_def attach_fields[] = {
    {"attachments", CFG_F_TEXT, CFG_FF_OMITEMPTY},
};

static const struct cfg_field_def teams_fields[] = {
    {"template", CFG_F_TEXT, NE_OMIT},
    {"title", CFG_F_TEXT, NE_OMIT},
    {"summary", CFG_F_TEXT, NE_OMIT},
    {"text", CFG_F_TEXT, NE_OMIT},
    {"themeColor", CFG_F_TEXT, NE_OMIT},
    {"facts", CFG_F_TEXT, NE_OMIT},
    {"sections", CFG_F_TEXT, NE_OMIT},
    {"potentialAction", CFG_F_TEXT, NE_OMIT},
    {"adaptiveCard", CFG_F_TEXT, NE_OMIT},
};

static const struct cfg_field_def gchat_fields[] = {
    {"cards", CFG_F_TEXT, CFG_FF_NONEMPTY},
    {"cardsV2", CFG_F_TEXT, CFG_FF_NONEMPTY},
    {"threadKey", CFG_F_TEXT, NE_OMIT},
};

#define FIELDS(t) CFG_SHAPE_FIELDS, t, sizeof(t) / sizeof(t)[0]
#define GENERIC CFG_SHAPE_GENERIC, NULL, 0

const struct cfg_sec_def cfg_sec_defs[CFG_SEC_COUNT] = {
    [CFG_SEC_AWSSQS] = {"awssqs", GENERIC},
    [CFG_SEC_GCPPUBSUB] = {"gcppubsub", GENERIC},
    [CFG_SEC_EMAIL] = {"email", FIELDS(email_fields)},
    [CFG_SEC_SLACK] = {"slack", FIELDS(slack_fields)},
    [CFG_SEC_MATTERMOST] = {"mattermost", FIELDS(attach_fields)},
    [CFG_SEC_ROCKETCHAT] = {"rocketchat", FIELDS(attach_fields)},
    [CFG_SEC_TEAMS] = {"teams", CFG_SHAPE_FIELDS, teams_fields, 8},
    [CFG_SEC_TEAMS_WORKFLOWS] = {"teams-workflows", FIELDS(teams_fields)},
    [CFG_SEC_WEBHOOK] = {"webhook", CFG_SHAPE_WEBHOOK, NULL, 0},
    [CFG_SEC_OPSGENIE] = {"opsgenie", GENERIC},
    [CFG_SEC_GITHUB] = {"github", GENERIC},
    [CFG_SEC_ALERTMANAGER] = {"alertmanager", GENERIC},
    [CFG_SEC_GOOGLECHAT] = {"googlechat", FIELDS(gchat_fields)},
    [CFG_SEC_PAGERDUTY] = {"pagerduty", GENERIC},
    [CFG_SEC_PAGERDUTYV2] = {"pagerdutyv2", GENERIC},
    [CFG_SEC_NEWRELIC] = {"newrelic", GENERIC},
};

const uint8_t cfg_sec_apply_order[CFG_SEC_COUNT] = {
    CFG_SEC_AWSSQS,     CFG_SEC_GCPPUBSUB,       CFG_SEC_SLACK,
    CFG_SEC_MATTERMOST, CFG_SEC_ROCKETCHAT,      CFG_SEC_EMAIL,
    CFG_SEC_WEBHOOK,    CFG_SEC_OPSGENIE,        CFG_SEC_GITHUB,
    CFG_SEC_TEAMS,      CFG_SEC_TEAMS_WORKFLOWS, CFG_SEC_ALERTMANAGER,
    CFG_SEC_GOOGLECHAT, CFG_SEC_PAGERDUTY,       CFG_SEC_PAGERDUTYV2,
    CFG_SEC_NEWRELIC,
};

const char *const cfg_policy_names[3] = {"Post", "PostAndUpdate", "Update"};

/* A fresh function table (Go builtins + sprig); the caller frees it
 * with tpl_funcs_free. */
struct tpl_funcs *cfg_funcs_new(void)
{
    struct tpl_funcs *f = tpl_funcs_new();
    if (f && sprig_register(f) != RN_OK) {
        tpl_funcs_free(f);
        return NULL;
    }
    return f;
}

/* The compile state of one template. */
struct tc {
    struct arena *a;
    const char *name;
    const struct tpl_funcs *f;
    struct rn_err *e;
    bool decode_only; /* check the decoding, parse nothing */
};

/* Parse text as template `name`; "" needs no template (renders ""). */
static int compile_text(struct tc *t, const char *name, const char *s, size_t n,
                        const struct tpl **out)
{
    *out = NULL;
    if (n == 0 || t->decode_only)
        return RN_OK;
    *out = tpl_parse(name, s, n, t->f, t->e);
    if (!*out)
        return t->e && t->e->code ? t->e->code : RN_ESYNTAX;
    return RN_OK;
}

static int compile_gnode(struct tc *t, struct val v, struct cfg_gnode *g);

static int compile_gkids(struct tc *t, struct val v, struct cfg_gnode *g)
{
    size_t n = v.kind == VAL_OBJECT ? val_obj_len(v) : val_list_len(v);
    g->n = n;
    g->kids = arena_zalloc(t->a, (n ? n : 1) * sizeof *g->kids);
    if (!g->kids)
        return RN_ENOMEM;
    if (v.kind == VAL_OBJECT) {
        g->keys = arena_zalloc(t->a, (n ? n : 1) * sizeof *g->keys);
        if (!g->keys)
            return RN_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct val kid;
        if (v.kind == VAL_OBJECT) {
            g->keys[i] = val_obj_at(v, i)->key.u.s;
            kid = val_obj_at(v, i)->v;
        } else {
            kid = val_list_at(v, i);
        }
        int rc = compile_gnode(t, kid, &g->kids[i]);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

static void release_gnode(struct cfg_gnode *g)
{
    tpl_free((struct tpl *)g->tpl);
    g->tpl = NULL;
    for (size_t i = 0; g->kids && i < g->n; i++)
        release_gnode(&g->kids[i]);
}

/* Strings of generic sections that upstream's templaters copy as they
 * are instead of rendering them: github's comment tag (so the marker
 * keeps its braces) and its required deployment contexts. */
static const struct {
    enum cfg_sec sec;
    const char *block, *key;
} verbatim[] = {
    {CFG_SEC_GITHUB, "pullRequestComment", "commentTag"},
    {CFG_SEC_GITHUB, "deployment", "requiredContexts"},
};

static struct cfg_gnode *gnode_kid(struct cfg_gnode *g, const char *key)
{
    for (size_t i = 0; g->v.kind == VAL_OBJECT && i < g->n; i++)
        if (strcmp(g->keys[i], key) == 0)
            return &g->kids[i];
    return NULL;
}

/* Drop the templates of verbatim strings: a string node without a
 * template is copied by the engine (cfg_gnode in config.h). */
static void keep_verbatim(enum cfg_sec k, struct cfg_gnode *root)
{
    for (size_t i = 0; i < sizeof verbatim / sizeof *verbatim; i++) {
        struct cfg_gnode *b =
            verbatim[i].sec == k ? gnode_kid(root, verbatim[i].block) : NULL;
        struct cfg_gnode *f = b ? gnode_kid(b, verbatim[i].key) : NULL;
        if (f)
            release_gnode(f);
    }
}

/* generic -> string-template | object | array | scalar (copied) */
static int compile_gnode(struct tc *t, struct val v, struct cfg_gnode *g)
{
    memset(g, 0, sizeof *g);
    g->v = v;
    if (v.kind == VAL_STRING)
        return compile_text(t, t->name, v.u.s, v.len, &g->tpl);
    if (v.kind == VAL_OBJECT || v.kind == VAL_ARRAY)
        return compile_gkids(t, v, g);
    return RN_OK;
}

static int field_what(struct tc *t, const char *sec, const char *field,
                      const char **out)
{
    *out = arena_printf(t->a, "Notification.%s.%s", sec, field);
    return *out ? RN_OK : RN_ENOMEM;
}

static int compile_policy(struct tc *t, const struct val *v, uint8_t *out)
{
    *out = 0;
    if (!v || v->kind == VAL_NULL)
        return RN_OK;
    if (v->kind != VAL_STRING)
        return rn_errf(t->e, RN_ECONFIG,
                       "json: cannot unmarshal %s into Go value of type "
                       "string",
                       cfg_dec_kind(*v));
    for (uint8_t i = 0; i < 3; i++)
        if (strcmp(v->u.s, cfg_policy_names[i]) == 0)
            *out = i;
    return RN_OK;
}

static int compile_field(struct tc *t, const struct cfg_sec_def *d, size_t i,
                         struct val body, struct cfg_section *s)
{
    const struct cfg_field_def *fd = &d->fields[i];
    const struct val *v = cfg_dec_field(body, fd->name);
    const char *what, *text;
    size_t len;
    int rc = field_what(t, d->name, fd->name, &what);
    if (rc != RN_OK)
        return rc;
    switch (fd->kind) {
    case CFG_F_BOOL:
        return cfg_dec_bool(v, what, &s->flag, t->e);
    case CFG_F_POLICY:
        return compile_policy(t, v, &s->policy);
    default:
        rc = cfg_dec_str(t->a, v, what, &text, &len, t->e);
        if (rc != RN_OK)
            return rc;
        return compile_text(t, t->name, text, len, &s->text[i]);
    }
}

static int hook_cmp(const void *a, const void *b)
{
    const struct cfg_hook *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Decode the hook entries first so a decode error wins over a parse
 * error, as upstream decodes the whole template before parsing. */
static int decode_hooks(struct tc *t, struct val body, struct cfg_section *s,
                        const char **bodies, const char **paths)
{
    for (size_t i = 0; i < s->nhooks; i++) {
        const struct val_kv *kv = val_obj_at(body, i);
        struct cfg_hook *h = &s->hooks[i];
        bool present;
        h->name = kv->key.u.s;
        int rc = cfg_dec_struct(&kv->v, "Notification.webhook", &present, t->e);
        if (rc == RN_OK)
            rc = cfg_dec_str(t->a, cfg_dec_field(kv->v, "method"),
                             "WebhookNotification.method", &h->method, NULL,
                             t->e);
        if (rc == RN_OK)
            rc =
                cfg_dec_str(t->a, cfg_dec_field(kv->v, "body"),
                            "WebhookNotification.body", &bodies[i], NULL, t->e);
        if (rc == RN_OK)
            rc = cfg_dec_str(t->a, cfg_dec_field(kv->v, "path"),
                             "WebhookNotification.path", &paths[i], NULL, t->e);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

static int compile_hooks(struct tc *t, struct val body, struct cfg_section *s)
{
    size_t n = val_obj_len(body);
    s->nhooks = n;
    s->hooks = arena_zalloc(t->a, (n ? n : 1) * sizeof *s->hooks);
    const char **bodies = arena_zalloc(t->a, (n ? n : 1) * sizeof(char *));
    const char **paths = arena_zalloc(t->a, (n ? n : 1) * sizeof(char *));
    if (!s->hooks || !bodies || !paths)
        return RN_ENOMEM;
    int rc = decode_hooks(t, body, s, bodies, paths);
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        struct cfg_hook *h = &s->hooks[i];
        char *hname = arena_printf(t->a, "%s%s", t->name, h->name);
        if (!hname)
            return RN_ENOMEM;
        rc = compile_text(t, hname, bodies[i], strlen(bodies[i]), &h->body);
        if (rc == RN_OK)
            rc = compile_text(t, hname, paths[i], strlen(paths[i]), &h->path);
    }
    if (rc == RN_OK)
        qsort(s->hooks, n, sizeof *s->hooks, hook_cmp);
    return rc;
}

/* section -> null | mapping of the section's fields */
static int compile_section(struct tc *t, enum cfg_sec k, struct val root,
                           struct cfg_section *s)
{
    const struct cfg_sec_def *d = &cfg_sec_defs[k];
    const struct val *v = cfg_dec_field(root, d->name);
    const char *what = arena_printf(t->a, "Notification.%s", d->name);
    int rc = what ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK)
        rc = cfg_dec_struct(v, what, &s->present, t->e);
    if (rc != RN_OK || !s->present)
        return rc;
    switch (d->shape) {
    case CFG_SHAPE_WEBHOOK:
        /* a map with no entries adds nothing to a notification */
        s->present = val_obj_len(*v) > 0;
        return compile_hooks(t, *v, s);
    case CFG_SHAPE_GENERIC:
        rc = compile_gnode(t, *v, &s->generic);
        if (rc == RN_OK)
            keep_verbatim(k, &s->generic);
        return rc;
    default:
        for (size_t i = 0; i < d->nfields && rc == RN_OK; i++)
            rc = compile_field(t, d, i, *v, s);
        return rc;
    }
}

/* Free the parsed templates a compiled template owns (records stay in
 * their arena).  Safe on a partly built or already released template. */
void cfg_template_release(struct cfg_template *t)
{
    if (!t)
        return;
    tpl_free((struct tpl *)t->message);
    t->message = NULL;
    for (int k = 0; k < CFG_SEC_COUNT; k++) {
        struct cfg_section *s = t->sec[k];
        if (!s)
            continue;
        for (size_t i = 0; i < CFG_MAX_FIELDS; i++) {
            tpl_free((struct tpl *)s->text[i]);
            s->text[i] = NULL;
        }
        for (size_t i = 0; s->hooks && i < s->nhooks; i++) {
            tpl_free((struct tpl *)s->hooks[i].body);
            tpl_free((struct tpl *)s->hooks[i].path);
            s->hooks[i].body = s->hooks[i].path = NULL;
        }
        release_gnode(&s->generic);
    }
}

static int compile_root(struct tc *t, struct val root, struct cfg_template *out)
{
    const char *msg;
    size_t len;
    bool present;
    int rc = cfg_dec_struct(&root, "Notification", &present, t->e);
    if (rc == RN_OK)
        rc = cfg_dec_str(t->a, cfg_dec_field(root, "message"),
                         "Notification.message", &msg, &len, t->e);
    if (rc == RN_OK)
        rc = compile_text(t, t->name, msg, len, &out->message);
    for (int i = 0; i < CFG_SEC_COUNT && rc == RN_OK; i++) {
        enum cfg_sec k = (enum cfg_sec)cfg_sec_apply_order[i];
        if (!cfg_dec_field(root, cfg_sec_defs[k].name))
            continue;
        out->sec[k] = arena_zalloc(t->a, sizeof *out->sec[k]);
        rc = out->sec[k] ? compile_section(t, k, root, out->sec[k]) : RN_ENOMEM;
    }
    return rc;
}

/* Whole-value decode errors first (RN_ECONFIG), as upstream unmarshals
 * the template before it parses any field. */
static int check_decode(struct tc *t, struct val root)
{
    struct cfg_template probe;
    memset(&probe, 0, sizeof probe);
    t->decode_only = true;
    int rc = compile_root(t, root, &probe);
    t->decode_only = false;
    return rc;
}

/* Compile one template (config.h); parsed templates are owned by out. */
int cfg_template_compile(struct arena *a, const char *name, const char *yaml,
                         size_t n, const struct tpl_funcs *f,
                         struct cfg_template *out, struct rn_err *e)
{
    struct cfg_entry en = {name, strlen(name), yaml, n, 0, 0};
    struct tc t = {a, name, f, e, false};
    struct val root;
    memset(out, 0, sizeof *out);
    out->name = name;
    int rc = cfg_parse_value(a, &en, JSON_NUM_FLOAT64, &root, e);
    if (rc != RN_OK)
        return rc == RN_ENOMEM ? rc : RN_ECONFIG;
    out->raw = root;
    rc = check_decode(&t, root);
    if (rc == RN_OK)
        rc = compile_root(&t, root, out);
    if (rc != RN_OK) {
        cfg_template_release(out);
        if (e && rc != RN_ENOMEM)
            e->code = rc;
    }
    return rc;
}

/* ---- templates of a snapshot ---- */

/* Load one template key into the snapshot; a failure leaves a broken
 * slot so lookups can say why. */
int cfg_load_template(struct cfg_ctx *x, const char *name, struct rn_err *e)
{
    struct cfg *c = x->c;
    struct cfg_tmpl_slot slot;
    int rc = cfg_template_compile(&c->arena, name, x->entry->value,
                                  x->entry->vlen, c->funcs, &slot.t, e);
    if (rc == RN_ECONFIG) {
        const char *p =
            arena_printf(&c->arena, "failed to unmarshal template %s", name);
        cfg_err_wrap(e, RN_ECONFIG, p ? p : "failed to unmarshal template");
    }
    slot.err = rc == RN_OK ? -1 : (int)c->nerrs;
    if (rc != RN_OK) {
        memset(&slot.t, 0, sizeof slot.t);
        slot.t.name = name;
    }
    if (c->check_only) /* its problems are known: the trees can go */
        cfg_template_release(&slot.t);
    int prc = cfg_vec_push(&c->arena, (void **)&c->tmpls, &c->ntmpls,
                           &c->cap_tmpls, sizeof slot, &slot);
    if (prc != RN_OK) {
        cfg_template_release(&slot.t);
        return prc;
    }
    return rc;
}

/* Free every template of the snapshot (at the last unref). */
void cfg_release_templates(struct cfg *c)
{
    for (size_t i = 0; i < c->ntmpls; i++)
        cfg_template_release(&c->tmpls[i].t);
}

/* Find a template by name (binary search over key order). */
int cfg_template_lookup(const struct cfg *c, const char *name,
                        const struct cfg_template **out, struct rn_err *e)
{
    size_t lo = 0, hi = c->ntmpls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(c->tmpls[mid].t.name, name);
        if (d == 0) {
            if (c->tmpls[mid].err >= 0)
                return cfg_broken(c, c->tmpls[mid].err, "template", name, e);
            *out = &c->tmpls[mid].t;
            return RN_OK;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return rn_errf(e, RN_ENOTFOUND, "template '%s' is not supported", name);
}

/* Number of template slots, broken ones included. */
size_t cfg_template_count(const struct cfg *c)
{
    return c->ntmpls;
}

/* Template i by name order, NULL when broken or past the end. */
const struct cfg_template *cfg_template_at(const struct cfg *c, size_t i)
{
    return i < c->ntmpls && c->tmpls[i].err < 0 ? &c->tmpls[i].t : NULL;
}

/* ---- the source, as upstream holds a template before rendering ---- */

/* A YAML scalar as the text a Go string field receives
 * (docs/reference/engine.md §1.2). */
static struct val field_text(struct arena *a, const struct val *v)
{
    struct buf b;
    if (!v || v->kind == VAL_NULL)
        return val_str("", 0);
    if (v->kind == VAL_STRING)
        return *v;
    buf_init(&b, 0);
    struct val out = val_str("", 0);
    if (gofmt_value(&b, *v) == RN_OK) {
        char *s = arena_strndup(a, buf_str(&b), b.len);
        if (s)
            out = val_str(s, b.len);
    }
    buf_free(&b);
    return out;
}

/* A typed block: every field, Go's zero value when absent. */
static int source_fields(struct arena *a, const struct cfg_sec_def *d,
                         struct val blk, struct val *out)
{
    struct val o = val_null();
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < d->nfields; i++) {
        const struct cfg_field_def *f = &d->fields[i];
        const struct val *v = cfg_dec_field(blk, f->name);
        struct val fv = field_text(a, v);
        if (f->kind == CFG_F_BOOL)
            fv = val_bool(v && v->kind == VAL_BOOL && v->u.b);
        else if (f->kind == CFG_F_POLICY && fv.len == 0)
            fv = val_str("Post", 4);
        rc = val_obj_with(a, o, f->name, fv, &o);
    }
    *out = o;
    return rc;
}

/* webhook: {hook: {method, body, path}} */
static int source_hooks(struct arena *a, struct val blk, struct val *out)
{
    struct val o = val_null();
    static const char *const keys[] = {"method", "body", "path"};
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < val_obj_len(blk); i++) {
        const struct val_kv *kv = val_obj_at(blk, i);
        struct val h = val_null();
        for (size_t k = 0; rc == RN_OK && k < 3; k++)
            rc = val_obj_with(a, h, keys[k],
                              field_text(a, cfg_dec_field(kv->v, keys[k])), &h);
        if (rc == RN_OK)
            rc = val_obj_with(a, o, kv->key.u.s, h, &o);
    }
    *out = o;
    return rc;
}

/* See config.h. */
int cfg_template_source(struct arena *a, const struct cfg_template *t,
                        struct val *out)
{
    struct val root = val_null();
    const struct val *msg = cfg_dec_field(t->raw, "message");
    int rc = val_obj_with(a, root, "message", field_text(a, msg), &root);
    for (size_t k = 0; rc == RN_OK && k < CFG_SEC_COUNT; k++) {
        const struct cfg_sec_def *d = &cfg_sec_defs[k];
        const struct val *blk = cfg_dec_field(t->raw, d->name);
        struct val v;
        if (!t->sec[k] || !t->sec[k]->present || !blk ||
            blk->kind != VAL_OBJECT)
            continue;
        if (d->shape == CFG_SHAPE_FIELDS)
            rc = source_fields(a, d, *blk, &v);
        else if (d->shape == CFG_SHAPE_WEBHOOK)
            rc = source_hooks(a, *blk, &v);
        else
            v = *blk;
        if (rc == RN_OK)
            rc = val_obj_with(a, root, d->name, v, &root);
    }
    *out = root;
    return rc;
}

/* See config.h. */
struct val cfg_template_message(struct arena *a, const struct cfg_template *t)
{
    return field_text(a, cfg_dec_field(t->raw, "message"));
}
