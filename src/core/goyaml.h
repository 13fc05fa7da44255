/*
 * goyaml.h: YAML to values via libyaml, with the scalar rules of
 * spec/engine.md §1.2 (what sigs.k8s.io/yaml does: YAML -> JSON -> Go).
 */
#ifndef RN_GOYAML_H
#define RN_GOYAML_H

#include "val.h"

#include <stddef.h>

struct arena;
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

/* Same, into a new frozen doc. */
struct doc *goyaml_parse_doc(const char *s, size_t n,
                             const struct goyaml_opts *o, struct rn_err *e);

#endif
