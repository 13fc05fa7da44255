/*
 * sprig_int.h: shared by the sprig files only.  Each theme file exports one
 * struct sprig_group; sprig.c registers them all.  The conversions below
 * are sprig's lenient casts (spf13/cast as sprig uses them), shared by
 * every theme.
 */
#ifndef RN_SPRIG_INT_H
#define RN_SPRIG_INT_H

#include "../template.h"
#include "sprig.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sprig_group {
    const struct tpl_func_def *defs;
    size_t n;
};

#define SPRIG_GROUP(name, table)                                            \
    const struct sprig_group sprig_group_##name = {                         \
        table, sizeof(table) / sizeof(table)[0]}

extern const struct sprig_group sprig_group_strings;  /* strings.c */
extern const struct sprig_group sprig_group_lists;    /* lists.c */
extern const struct sprig_group sprig_group_dicts;    /* dicts.c */
extern const struct sprig_group sprig_group_math;     /* math.c */
extern const struct sprig_group sprig_group_conv;     /* convert.c */
extern const struct sprig_group sprig_group_reflect;  /* reflect.c */
extern const struct sprig_group sprig_group_encoding; /* encoding.c */
extern const struct sprig_group sprig_group_paths;    /* paths.c */
extern const struct sprig_group sprig_group_url;      /* url.c */
extern const struct sprig_group sprig_group_defaults; /* defaults.c */
extern const struct sprig_group sprig_group_dates;    /* dates.c */
extern const struct sprig_group sprig_group_crypto;   /* crypto.c */
extern const struct sprig_group sprig_group_certs;    /* certs.c */
extern const struct sprig_group sprig_group_random;   /* random.c */
extern const struct sprig_group sprig_group_regex;    /* regex.c */
extern const struct sprig_group sprig_group_semver;   /* semver.c */
extern const struct sprig_group sprig_group_network;  /* network.c */

/* ---- conversions (convert.c) ---- */

/* sprig's strval: string as is, []byte as string, error -> Error(),
 * Stringer -> String(), else fmt.Sprintf("%v"). Result in c->arena. */
int sprig_strval(struct tpl_fcall *c, struct val v, struct val *out);
/* cast.ToInt64 / ToInt / ToFloat64 as sprig calls them: lenient, 0 on
 * failure (strings parsed with base 0 for ints). */
int64_t sprig_toint64(struct val v);
double sprig_tofloat64(struct val v);
/* cast.ToString-like string for typeIs messages etc. */
bool sprig_is_list(struct val v);
/* Set a RN_EEXEC error with Go's text; returns RN_EEXEC. */
int sprig_fail(struct tpl_fcall *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
