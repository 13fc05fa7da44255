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

/* A string value copied into a. */
int eng_str(struct arena *a, const char *s, size_t n, struct val *out);

#endif
