/*
 * json.h: the project's strict JSON (RFC 8259) parser and emitter.
 *
 * Parsing builds values directly in an arena (or a fresh frozen doc):
 * objects sorted by key, duplicate keys resolved as Go's encoding/json does
 * (the last one wins), strings UTF-8 validated.  Numbers follow a mode:
 * JSON_NUM_FLOAT64 makes every number a float64 (Go's decoding into `any`,
 * upstream's event path, the conformance vectors); JSON_NUM_INT64 keeps
 * integral numbers that fit as int64 (GT_INT64) and the rest float64.
 *
 * Emitting follows Go's encoding/json: sorted keys, floats formatted as
 * json.Marshal does, time as RFC 3339 (nano), durations as integer
 * nanoseconds, and HTML-safe escaping of < > & unless JSON_RAW.
 */
#ifndef RN_JSON_H
#define RN_JSON_H

#include "val.h"

#include <stddef.h>

struct arena;
struct buf;
struct doc;
struct doc_builder;
struct rn_err;

enum json_num_mode { JSON_NUM_FLOAT64 = 0, JSON_NUM_INT64 = 1 };

struct json_opts {
    enum json_num_mode nums;
    unsigned max_depth; /* 0 = RN_JSON_MAX_DEPTH */
    size_t max_size;    /* 0 = RN_JSON_MAX_SIZE */
};

/* Parse s[0..n) into a in a; on error *out is untouched and e says where
 * (line/col, 1-based).  o may be NULL (float64 mode, default limits). */
int json_parse(struct arena *a, const char *s, size_t n,
               const struct json_opts *o, struct val *out, struct rn_err *e);

/* Parse into a new frozen doc with one reference (doc.h: one exact-size
 * block, shared strings interned); NULL on error.  Each call makes and
 * frees a workspace: code that parses per watch event uses
 * json_parse_doc_with. */
struct doc *json_parse_doc(const char *s, size_t n, const struct json_opts *o,
                           struct rn_err *e);

/* The same, parsing in b (doc_builder_init'ed, one per thread), which is
 * reset after and reused: the steady state allocates the doc and nothing
 * else.  b NULL is json_parse_doc. */
struct doc *json_parse_doc_with(struct doc_builder *b, const char *s, size_t n,
                                const struct json_opts *o, struct rn_err *e);

enum {
    JSON_RAW = 1u << 0,    /* don't escape < > & (sprig toRawJson) */
    JSON_PRETTY = 1u << 1, /* indent (MarshalIndent with "" and indent) */
};

struct json_emit_opts {
    unsigned flags;
    const char *prefix; /* pretty only; NULL = "" */
    const char *indent; /* pretty only; NULL = "  " */
};

/* Append the JSON of v to b.  Fails (RN_EINVAL, message in Go's words) for
 * NaN/Inf ("json: unsupported value: NaN") and function values. */
int json_emit(struct buf *b, struct val v, const struct json_emit_opts *o,
              struct rn_err *e);

/* Append s as a JSON string literal (with quotes), Go escaping rules. */
int json_emit_string(struct buf *b, const char *s, size_t n, unsigned flags);

#endif
