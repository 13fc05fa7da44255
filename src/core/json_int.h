/*
 * json_int.h: internals shared by the JSON and YAML readers of src/core.
 */
#ifndef RN_JSON_INT_H
#define RN_JSON_INT_H

#include "val.h"

#include <stddef.h>

struct arena;

/*
 * Build an object in a from the n members at members[0..n), given in
 * document order: sorted bytewise by key (stable), and of equal keys only
 * the last kept, as Go's map assignment does.  members is used as scratch
 * and left permuted.  NULL on OOM.
 */
struct val_obj *json_obj_build(struct arena *a, struct val_kv *members,
                               size_t n);

#endif
