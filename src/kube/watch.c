/*
 * watch.c: the parser of a watch response body.
 *
 * A watch body is newline-delimited JSON, one event per line
 * ({"type":"ADDED","object":{...}}), but libcurl hands it over in slices
 * that have nothing to do with lines.  Complete lines inside one slice are
 * parsed where they lie; only a partial tail is copied, into a buffer
 * capped at the line limit, and completed by the next slice.  Each line
 * is parsed into the scratch arena of a doc builder (the loop's, when the
 * informer hands it over), and only the event's object is frozen, into one
 * exact-size doc with shared strings (doc.h), which the informer keeps in
 * its store without copying; the scratch is then reset for the next line.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"
#include "../core/json.h"
#include "../core/limits.h"

#include <string.h>

struct kube_watch_parser {
    struct buf tail; /* the partial line so far */
    size_t max_line;
    int nums;
    size_t line;           /* lines seen, for messages */
    struct doc_builder *b; /* &own, or the loop's */
    struct doc_builder own;
};

static const struct {
    const char *name;
    int type;
} types[] = {
    {"ADDED", KUBE_ADDED},     {"MODIFIED", KUBE_MODIFIED},
    {"DELETED", KUBE_DELETED}, {"BOOKMARK", KUBE_BOOKMARK},
    {"ERROR", KUBE_ERROR},
};

int kube_watch_parser_new(size_t max_line, int nums,
                          struct kube_watch_parser **out)
{
    struct kube_watch_parser *p = rn_calloc(1, sizeof *p);
    if (!p)
        return RN_ENOMEM;
    p->max_line = max_line ? max_line : RN_KUBE_MAX_LINE;
    /* one byte more than a line may hold, so an overlong tail is seen */
    buf_init(&p->tail, p->max_line + 1);
    p->nums = nums;
    doc_builder_init(&p->own);
    p->b = &p->own;
    *out = p;
    return RN_OK;
}

void kube_watch_parser_set_builder(struct kube_watch_parser *p,
                                   struct doc_builder *b)
{
    p->b = b ? b : &p->own;
}

void kube_watch_parser_free(struct kube_watch_parser *p)
{
    if (!p)
        return;
    buf_free(&p->tail);
    doc_builder_free(&p->own);
    rn_free(p);
}

static int event_type(struct val ev)
{
    const struct val *t = val_get_cstr(ev, "type");
    if (!t || val_kind(*t) != VAL_STRING)
        return -1;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(val_str_ptr(*t), types[i].name) == 0)
            return types[i].type;
    return -2;
}

/* Check the event's shape; *obj is its object. */
static int check_event(struct kube_watch_parser *p, struct val root, int *type,
                       struct val *obj, struct rn_err *e)
{
    int t = val_kind(root) == VAL_OBJECT ? event_type(root) : -1;
    const struct val *o = val_get_cstr(root, "object");
    if (t == -2)
        return rn_errf(e, RN_ESYNTAX,
                       "watch stream line %zu: unknown event type \"%.40s\"",
                       p->line, val_str_ptr(*val_get_cstr(root, "type")));
    if (t < 0 || !o || val_kind(*o) != VAL_OBJECT)
        return rn_errf(e, RN_ESYNTAX,
                       "watch stream line %zu: not a watch event (want "
                       "{\"type\":..., \"object\":{...}})",
                       p->line);
    *type = t;
    *obj = *o;
    return RN_OK;
}

/* Parse a line in the builder's scratch and freeze its object alone. */
static int parse_event(struct kube_watch_parser *p, const char *s, size_t n,
                       int *type, struct doc **out, struct rn_err *e)
{
    struct json_opts jo = {.nums = (enum json_num_mode)p->nums,
                           .max_size = p->max_line};
    struct rn_err je;
    struct val root, obj;
    int rc = json_parse(&p->b->arena, s, n, &jo, &root, &je);
    if (rc == RN_ENOMEM)
        rc = rn_errf(e, RN_ENOMEM, "out of memory");
    else if (rc != RN_OK)
        rc = rn_errf(e, RN_ESYNTAX,
                     "watch stream line %zu: invalid JSON at column %d",
                     p->line, je.col);
    if (rc == RN_OK)
        rc = check_event(p, root, type, &obj, e);
    if (rc == RN_OK && (rc = doc_freeze(p->b, obj, out)) != RN_OK)
        rc = rn_errf(e, rc, "watch stream line %zu: %s", p->line,
                     rc == RN_ENOMEM ? "out of memory"
                                     : "object cannot be kept");
    doc_builder_reset(p->b);
    return rc;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Parse one complete line (without its '\n') and hand it to cb. */
static int one_line(struct kube_watch_parser *p, const char *s, size_t n,
                    kube_watch_cb *cb, void *ud, struct rn_err *e)
{
    struct kube_watch_event ev;
    struct doc *d;
    p->line++;
    if (blank(s, n))
        return RN_OK;
    int rc = parse_event(p, s, n, &ev.type, &d, e);
    if (rc != RN_OK)
        return rc;
    ev.obj = d;
    ev.rv = kube_meta_str(d->root, "resourceVersion");
    ev.code = ev.type == KUBE_ERROR ? kube_status_code(d->root) : 0;
    rc = cb(ud, &ev);
    doc_unref(d);
    return rc;
}

static int too_long(struct kube_watch_parser *p, struct rn_err *e)
{
    return rn_errf(e, RN_ELIMIT, "watch stream line %zu: longer than %zu bytes",
                   p->line + 1, p->max_line);
}

int kube_watch_parser_feed(struct kube_watch_parser *p, const char *data,
                           size_t n, kube_watch_cb *cb, void *ud,
                           struct rn_err *e)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) : n;
        if (p->tail.len + seg > p->max_line)
            return too_long(p, e);
        if (!nl)
            return buf_add(&p->tail, data, n) ? rn_errf(e, RN_ENOMEM, "oom")
                                              : RN_OK;
        int rc;
        if (p->tail.len == 0) {
            rc = one_line(p, data, seg, cb, ud, e);
        } else if (buf_add(&p->tail, data, seg) != RN_OK) {
            rc = rn_errf(e, RN_ENOMEM, "out of memory");
        } else {
            rc = one_line(p, p->tail.ptr, p->tail.len, cb, ud, e);
            buf_reset(&p->tail);
        }
        if (rc)
            return rc;
        data += seg + 1;
        n -= seg + 1;
    }
    return RN_OK;
}
