/*
 * conf.h: the conformance runner's shared pieces.  Each family file
 * implements one conf_family_fn that reads a case (already decoded from
 * JSON in float64 mode, as Go's encoding/json decodes into `any`) and
 * appends exactly one JSON line to out.
 */
#ifndef RN_CONF_H
#define RN_CONF_H

#include "core/val.h"

#include <stddef.h>

struct arena;
struct buf;

struct conf_case {
    struct val obj;     /* the whole vector line */
    const char *id;
    struct arena *arena; /* reset after each case */
};

typedef void conf_family_fn(const struct conf_case *c, struct buf *out);

conf_family_fn conf_tmpl;    /* conf_tmpl.c */
conf_family_fn conf_sprig;   /* conf_tmpl.c */
conf_family_fn conf_expr;    /* conf_expr.c */
conf_family_fn conf_trigger; /* conf_expr.c */
conf_family_fn conf_notify;  /* conf_notify.c */
conf_family_fn conf_regexp;  /* conf_regexp.c */

/* A string field of the case, or NULL. */
const char *conf_str(const struct conf_case *c, const char *key, size_t *len);

/* {"id":…,"got":"…"} ("got_b64" when s is not valid UTF-8) */
void conf_emit_got(struct buf *out, const char *id, const char *s, size_t n);
/* {"id":…,"error":"…","error_kind":"…"} */
void conf_emit_error(struct buf *out, const char *id, const char *msg,
                     const char *kind);
/* Opens {"id":"…" for a family that writes its own members; close with
 * buf_add_str(out, "}\n"). */
void conf_emit_open(struct buf *out, const char *id);

#endif
