/*
 * goyaml.h: YAML to values via libyaml, with the scalar rules of
 * docs/reference/engine.md §1.2 (what sigs.k8s.io/yaml does: YAML -> JSON ->
 * Go).
 */
#ifndef RN_GOYAML_H
#define RN_GOYAML_H

#include "val.h"

#include <stddef.h>

struct arena;
struct buf;
struct doc;
struct rn_err;

struct goyaml_opts {
    int nums; /* enum json_num_mode */
    unsigned max_depth;
    const char *src; /* name of the input, for errors */
};

/* Parse one YAML document into a.  An empty document is null.  Errors carry
 * line and column (1-based). */
int goyaml_parse(struct arena *a, const char *s, size_t n,
                 const struct goyaml_opts *o, struct val *out,
                 struct rn_err *e);

/* Same, into a new frozen doc (doc.h); aliases stay shared. */
struct doc *goyaml_parse_doc(const char *s, size_t n,
                             const struct goyaml_opts *o, struct rn_err *e);

/*
 * go-yaml v2's Marshal of a JSON-like value (null, bool, numbers,
 * strings, lists, objects): one document, keys in v2's order, strings
 * quoted where YAML 1.1 would read them as something else, multi-line
 * strings as literal blocks.  Appended to out; RN_ENOMEM or the buffer's
 * error.
 */
int goyaml_emit(struct buf *out, struct val v);

#endif
