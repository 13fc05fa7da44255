/*
 * json_int.h: internals shared by the JSON and YAML readers of src/core.
 */
#ifndef RN_JSON_INT_H
#define RN_JSON_INT_H

#include "val.h"

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

/* A parser run by json_doc_build: fill *out in a from ctx. */
typedef int json_doc_parse_fn(void *ctx, struct arena *a, struct val *out,
                              struct rn_err *e);

/*
 * What json_parse_doc and yaml_parse_doc do: run parse in b's arena (a
 * temporary builder's when b is NULL), freeze the result into a new doc
 * and reset the builder.  NULL on error, with e filled.
 */
struct doc *json_doc_build(struct doc_builder *b, json_doc_parse_fn *parse,
                           void *ctx, struct rn_err *e);

#endif
