/*
 * doc.h: frozen, refcounted documents.
 *
 * A doc is an arena plus a root value built in it, shared read-only between
 * the informer cache, queued work and every evaluation.  The count is
 * atomic, so a doc may cross threads; its values never change after
 * doc_freeze().
 */
#ifndef RN_DOC_H
#define RN_DOC_H

#include "arena.h"
#include "val.h"

#include <stdatomic.h>

struct doc {
    atomic_int refs;
    struct arena arena;
    struct val root;
};

/* A new doc with one reference and an empty arena; NULL on OOM. */
struct doc *doc_new(void);
struct doc *doc_ref(struct doc *d);
/* Drop a reference; frees the doc and its arena at zero.  NULL is fine. */
void doc_unref(struct doc *d);

#endif
