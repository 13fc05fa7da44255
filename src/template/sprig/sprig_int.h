/*
 * sprig_int.h: shared by the sprig files only.  Each theme file exports one
 * struct sprig_group; sprig.c registers them all.  Below: sprig's lenient
 * casts (spf13/cast as sprig uses them), the result helpers every theme
 * uses, and the private-key helpers crypto.c shares with certs.c.  Go's
 * runtime pieces (regexp, strconv, base64, truth, DeepEqual) are core's.
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
/* Whether v is a slice or an array, as sprig's reflect checks see it. */
bool sprig_is_list(struct val v);
/* Set a RN_EEXEC error with Go's text; returns RN_EEXEC. */
int sprig_fail(struct tpl_fcall *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Methods with arguments on GT_STRUCT results ((semver "1.2.3").Compare v):
 * the key holds a VAL_FUNC whose val_func.impl is a `const struct
 * tpl_func_def *` (name, fn, params); the engine hands that def's ud to the
 * function as tpl_fcall.ud, so each object carries its own copy of the def
 * with ud pointing at the receiver.
 */

/* ---- result helpers shared by the themes (convert.c) ---- */

struct buf;

/* Set "out of memory" (RN_ENOMEM) in c->err; returns RN_ENOMEM. */
int sprig_nomem(struct tpl_fcall *c);
/* *out = a copy of s[0..n) in c->arena (a Go string). */
int sprig_out_str(struct tpl_fcall *c, const char *s, size_t n,
                  struct val *out);
/* *out = a copy of b's bytes in c->arena; b is freed either way.  rc is
 * the status of the last buf_* call (passed through when non-zero). */
int sprig_out_buf(struct tpl_fcall *c, struct buf *b, int rc,
                  struct val *out);
/* A list header of len n (items VAL_NULL) in c->arena; NULL on OOM. */
struct val_list *sprig_list_alloc(struct tpl_fcall *c, size_t n);
/* Append v, growing the items in c->arena.  RN_OK or RN_ENOMEM. */
int sprig_list_push(struct tpl_fcall *c, struct val_list *l, struct val v);
/* An empty object header with room for cap keys; NULL on OOM. */
struct val_obj *sprig_obj_alloc(struct tpl_fcall *c, size_t cap);
/* Insert or replace key (a VAL_STRING whose bytes outlive the object) in
 * sorted position.  RN_OK or RN_ENOMEM. */
int sprig_obj_put(struct tpl_fcall *c, struct val_obj *o, struct val key,
                  struct val v);
/* Index of key in o, or -1. */
long sprig_obj_find(const struct val_obj *o, const char *k, size_t n);
/* sprig's empty(): the negation of Go's truth (core's val_truth). */
static inline bool sprig_empty(struct val v)
{
    return !val_truth(v);
}
/* sprig's strslice (toStrings, join): a []string in *out. */
int sprig_strslice(struct tpl_fcall *c, struct val v, struct val *out);
/* cast.ToInt of v (Go int = int64 here). */
static inline int64_t sprig_toint(struct val v)
{
    return sprig_toint64(v);
}

/* ---- private keys (crypto.c), shared with certs.c ---- */

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* sprig's parsePrivateKeyPEM: the key of the first PEM block ("PRIVATE
 * KEY" PKCS#8, "RSA/EC/DSA PRIVATE KEY"); NULL with Go's message in err.
 * The caller frees the key with EVP_PKEY_free. */
struct evp_pkey_st *sprig_key_parse(const char *pem, size_t n, char *err,
                                    size_t errsz);
/* sprig's pemBlockForKey, PEM-encoded, appended to b.  RN_OK, a buf
 * status, or RN_EEXEC. */
int sprig_key_pem(struct buf *b, struct evp_pkey_st *k);

#endif
