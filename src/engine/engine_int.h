/*
 * engine_int.h: shared by the engine files only.  Small helpers over
 * struct val objects built in an arena (vals.c) and the notification
 * record.
 */
#ifndef RN_ENGINE_INT_H
#define RN_ENGINE_INT_H

#include "engine.h"

#include "../core/arena.h"
#include "../core/err.h"

struct notif {
    struct val root; /* object: message + sections */
};

/* An empty object value with room for cap members. */
struct val eng_obj_new(struct arena *a, size_t cap);
/* Insert or replace key in obj in place (obj's header is shared, so every
 * holder sees the change).  The key is not copied. */
int eng_obj_put(struct arena *a, struct val obj, const char *key, size_t klen,
                struct val v);
/* Mutable slot of key, or NULL. */
struct val *eng_obj_slot(struct val obj, const char *key);
/* A string value copied into a. */
int eng_str(struct arena *a, const char *s, size_t n, struct val *out);

#endif
