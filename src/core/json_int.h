/*
 * json_int.h: internals shared by the JSON and YAML readers of src/core.
 */
#ifndef RN_JSON_INT_H
#define RN_JSON_INT_H

#include "val.h"

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct doc;
struct doc_builder;
struct rn_err;

/*
 * Build an object in a from the n members at members[0..n), given in
 * document order: sorted bytewise by key (stable), and of equal keys only
 * the last kept, as Go's map assignment does.  members is used as scratch
 * and left permuted.  NULL on OOM.
 */
struct val_obj *json_obj_build(struct arena *a, struct val_kv *members,
                               size_t n);

/*
 * The end of json_parse_doc and goyaml_parse_doc: when the parse into
 * b->arena succeeded (rc, root v), freeze v into a new doc; then free b
 * (temporary) or reset it.  NULL on error, with e filled.
 */
struct doc *json_doc_finish(struct doc_builder *b, bool temporary, int rc,
                            struct val v, struct rn_err *e);

#endif
