/*
 * status.c: a failed request as one readable message.
 *
 * Every error of the client reads
 *
 *   <verb> <resource> ["<name>"] [in namespace "<ns>"] on <server>: <why>
 *
 * e.g. `get rollouts.argoproj.io "demo" in namespace "default" on
 * https://127.0.0.1:6443: rollouts.argoproj.io "demo" not found`.  <why>
 * is the Status object's message when the body is one, else "HTTP <code>"
 * and the first 200 bytes of the body (a proxy's HTML page), else
 * libcurl's reason when no reply came.  Request and reply headers never
 * appear, so neither does a credential.
 */
#include "kube_int.h"

#include "../core/doc.h"
#include "../core/json.h"

#include <stdio.h>
#include <string.h>

#define EXCERPT 200

const char *kube_status_reason(struct val st)
{
    const struct val *v = val_get_cstr(st, "reason");
    return v && val_kind(*v) == VAL_STRING ? val_str_ptr(*v) : "";
}

long kube_status_code(struct val st)
{
    const struct val *v = val_get_cstr(st, "code");
    if (!v)
        return 0;
    if (val_kind(*v) == VAL_INT)
        return (long)val_int_of(*v);
    if (val_kind(*v) == VAL_FLOAT && val_float_of(*v) >= 0 &&
        val_float_of(*v) < 1000)
        return (long)val_float_of(*v);
    return 0;
}

void kube_status_error(struct rn_err *e, int code, const struct kube_what *w,
                       const char *server, const char *msg)
{
    char where[160] = "";
    if (w->ns && *w->ns)
        snprintf(where, sizeof where, " in namespace \"%s\"", w->ns);
    if (w->name && *w->name)
        rn_errf(e, code, "%s %s \"%s\"%s on %s: %s", w->verb, w->resource,
                w->name, where, server, msg);
    else
        rn_errf(e, code, "%s %s%s on %s: %s", w->verb, w->resource, where,
                server, msg);
}

/* The first bytes of a body that is not a Status, printable, with runs
 * of white space (an HTML page's indentation) folded to one blank. */
static void excerpt(char *out, size_t cap, const char *body, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < EXCERPT && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)body[i];
        bool space = c <= 0x20 || c == 0x7f;
        if (space && (k == 0 || out[k - 1] == ' '))
            continue;
        out[k++] = space ? ' ' : (char)c;
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

/* A Status' message, or NULL when st is not a Status with one. */
static const char *status_message(struct val st)
{
    const struct val *kind = val_get_cstr(st, "kind");
    const struct val *msg = val_get_cstr(st, "message");
    if (!kind || val_kind(*kind) != VAL_STRING ||
        strcmp(val_str_ptr(*kind), "Status") != 0)
        return NULL;
    if (!msg || val_kind(*msg) != VAL_STRING || !val_str_len(*msg))
        return NULL;
    return val_str_ptr(*msg);
}

int kube_status_reply(struct kube_reply *r, const struct kube_what *w,
                      const char *server, const char *body, size_t n)
{
    int code = r->status == 404 ? RN_ENOTFOUND : RN_EHTTP;
    const char *msg = r->obj ? status_message(r->obj->root) : NULL;
    char text[EXCERPT + 48];
    r->reason = r->obj ? kube_status_reason(r->obj->root) : "";
    if (!msg) {
        char ex[EXCERPT + 1];
        excerpt(ex, sizeof ex, body, n);
        snprintf(text, sizeof text, "HTTP %ld%s%s", r->status, *ex ? ": " : "",
                 ex);
        msg = text;
    }
    kube_status_error(&r->err, code, w, server, msg);
    return code;
}
