/*
 * doc.h: frozen, refcounted documents.
 *
 * A doc is a root value plus the memory it lives in, shared read-only
 * between the informer cache, queued work and every evaluation.  The count
 * is atomic, so a doc may be made on one thread and released on another;
 * its values never change once it is shared.
 *
 * Two kinds, one type:
 *  - an arena doc (doc_new): the values sit in d->arena, in chunks of 4, 8,
 *    16 KiB...; for documents built by hand or piece by piece.
 *  - a frozen doc (doc_freeze, and what json_parse_doc / goyaml_parse_doc
 *    return): one heap block of exactly the size needed, laid out as
 *        [struct doc][containers][strings]
 *    containers being each object (struct val_obj + its members) and array
 *    (struct val_list + its items) in document order, and strings the
 *    NUL-terminated bytes of the strings not shared, packed without
 *    padding, each distinct string once.  Keys and short strings seen in
 *    earlier documents point into the process-wide intern table instead
 *    (intern.h), which never frees them.  d->arena stays empty.
 * Both are released by doc_unref, and read the same way (d->root).
 */
#ifndef RN_DOC_H
#define RN_DOC_H

#include "arena.h"
#include "val.h"

#include <stdatomic.h>
#include <stdint.h>

struct doc {
    atomic_int refs;
    uint32_t frozen; /* bytes after the header in a frozen doc, else 0 */
    struct arena arena;
    struct val root;
};

/* A new doc with one reference and an empty arena; NULL on OOM. */
struct doc *doc_new(void);
struct doc *doc_ref(struct doc *d);
/* Drop a reference; frees the doc and its arena at zero.  NULL is fine. */
void doc_unref(struct doc *d);

/* Heap bytes the doc holds: its block (header and frozen values) and the
 * chunks of its arena.  Interned strings are not counted (intern_stats). */
size_t doc_size(const struct doc *d);

struct doc_freezer;

/*
 * A reusable workspace for making frozen docs: parsers build the tree in
 * its arena, doc_freeze copies the tree out.  Keep one per thread that
 * parses (the informer's loop) so steady-state parsing allocates nothing
 * but the docs themselves; between docs it keeps at most 64 KiB of arena
 * and 64 KiB of tables (with a cache of the shared strings it has met).
 * One thread at a time.
 */
struct doc_builder {
    struct arena arena;
    struct doc_freezer *fz; /* the freezer's tables, made on first use */
};

void doc_builder_init(struct doc_builder *b);
void doc_builder_free(struct doc_builder *b);
/* Forget the last tree; memory past the keep limit goes back to the heap.
 * Values in b->arena are gone after this. */
void doc_builder_reset(struct doc_builder *b);

/*
 * Copy the tree at root into a new frozen doc with one reference (*out),
 * in one allocation of exactly the size it needs.  Objects stay sorted and
 * keep their Go types and flags; values shared within the tree (YAML
 * aliases) stay shared.  The tree itself is not changed and may live
 * anywhere (b->arena, another doc, an evaluation arena).  b may be NULL (a
 * temporary workspace).  Returns RN_OK, RN_ENOMEM, RN_EINVAL (a time or
 * function value: only JSON's kinds freeze) or RN_ELIMIT (nesting deeper
 * than RN_DOC_MAX_DEPTH, or a doc of 4 GiB).  On error *out is untouched
 * and nothing is leaked.
 */
int doc_freeze(struct doc_builder *b, struct val root, struct doc **out);

#endif
