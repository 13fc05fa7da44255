/*
 * goyaml_emit.c: values as go-yaml v2 marshals them (goyaml.h), beside
 * the reader: v2 sorts map keys with its own "natural" order (digit runs
 * compared as numbers, non-letters before letters), quotes strings that
 * YAML 1.1 would read as something else, and writes multi-line strings as
 * literal blocks.  Emitted through libyaml's event API.  Upstream prints
 * a notification (the CLI's console service) and `-o yaml` output this
 * way.
 */
#include "goyaml.h"

#include "arena.h"
#include "buf.h"
#include "err.h"
#include "gofmt.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- go-yaml v2 key order ---- */

static bool is_letter(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch >= 0x80;
}

static bool is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static int64_t digits_at(const unsigned char *s, size_t n, size_t i,
                         size_t *end)
{
    /* v2 accumulates in a Go int, which wraps on a run of more than 18
     * digits; the wrap decides the order of such keys, so it is done here
     * in unsigned arithmetic (defined) and read back as two's complement */
    uint64_t u = 0;
    while (i < n && is_digit(s[i]))
        u = u * 10 + (uint64_t)(s[i++] - '0');
    *end = i;
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* Leading zeros before a differing digit make both sides "non-zero". */
static bool zero_prefix(const unsigned char *s, size_t i)
{
    while (i > 0 && is_digit(s[i - 1]))
        if (s[--i] != '0')
            return true;
    return false;
}

static bool key_less(const struct val *x, const struct val *y)
{
    const unsigned char *a = (const unsigned char *)x->u.s;
    const unsigned char *b = (const unsigned char *)y->u.s;
    size_t an = x->len, bn = y->len;
    for (size_t i = 0; i < an && i < bn; i++) {
        if (a[i] == b[i])
            continue;
        bool al = is_letter(a[i]), bl = is_letter(b[i]);
        if (al && bl)
            return a[i] < b[i];
        if (al || bl)
            return bl;
        size_t ai, bi;
        int64_t av = digits_at(a, an, i, &ai), bv = digits_at(b, bn, i, &bi);
        if ((a[i] == '0' || b[i] == '0') && zero_prefix(a, i))
            av = bv = 1;
        if (av != bv)
            return av < bv;
        if (ai != bi)
            return ai < bi;
        return a[i] < b[i];
    }
    return an < bn;
}

static int kv_cmp(const void *x, const void *y)
{
    const struct val_kv *a = x, *b = y;
    if (key_less(&a->key, &b->key))
        return -1;
    return key_less(&b->key, &a->key) ? 1 : 0;
}

/* ---- YAML 1.1 resolution of plain text (what v2 quotes) ---- */

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

#define DIGITS "0123456789"

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool v2_float(const char *p)
{
    size_t n;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '.') {
        n = strspn(p + 1, DIGITS);
        if (!n)
            return false;
        p += 1 + n;
    } else {
        n = strspn(p, DIGITS);
        if (!n)
            return false;
        p += n;
        if (*p == '.')
            p += 1 + strspn(p + 1, DIGITS);
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        n = strspn(p, DIGITS);
        if (!n)
            return false;
        p += n;
    }
    return *p == '\0';
}

/* strconv.ParseInt(s, 0, 64) syntax: sign, then 0x.., 0o.., 0b.. or
 * digits (a leading-zero string that is not octal is still a float). */
static bool v2_int(const char *p)
{
    static const char *const sets[][2] = {
        {"xX", "0123456789abcdefABCDEF"}, {"oO", "01234567"}, {"bB", "01"}};
    if (*p == '+' || *p == '-')
        p++;
    for (size_t i = 0; p[0] == '0' && p[1] && i < 3; i++)
        if (strchr(sets[i][0], p[1]))
            return p[2] && !p[2 + strspn(p + 2, sets[i][1])];
    return *p && !p[strspn(p, DIGITS)];
}

/* YYYY-M-D, alone or followed by a time: what v2 reads as a timestamp. */
static bool v2_timestamp(const char *p)
{
    size_t n;
    if (strspn(p, DIGITS) != 4 || p[4] != '-')
        return false;
    p += 5;
    n = strspn(p, DIGITS);
    if (n < 1 || n > 2 || p[n] != '-')
        return false;
    p += n + 1;
    n = strspn(p, DIGITS);
    if (n < 1 || n > 2)
        return false;
    p += n;
    return *p == '\0' || *p == 'T' || *p == 't' || *p == ' ';
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ (quoted by v2) */
static bool v2_base60(const char *p)
{
    int groups = 0;
    if (*p == '+' || *p == '-')
        p++;
    if (!is_digit((unsigned char)*p))
        return false;
    p += strspn(p, DIGITS "_");
    while (*p == ':') {
        size_t n = strspn(++p, DIGITS);
        if (n < 1 || n > 2 || (n == 2 && p[0] > '5'))
            return false;
        p += n;
        groups++;
    }
    if (*p == '.')
        p += 1 + strspn(p + 1, DIGITS "_");
    return groups > 0 && *p == '\0';
}

/* A number once underscores are dropped, as v2's resolver reads it. */
static bool v2_number(const char *s)
{
    char t[256];
    size_t k = 0;
    for (; *s && k < sizeof t - 1; s++)
        if (*s != '_')
            t[k++] = *s;
    t[k] = '\0';
    return !*s && (v2_int(t) || v2_float(t));
}

/* Whether go-yaml v2 would quote s: it resolves to something other than
 * a string in YAML 1.1 (null, bool, int, float, timestamp, merge key) or
 * is a base-60 float. */
static bool needs_quotes(const char *s)
{
    static const char *const words[] = {
        "",      "~",    "null",  "Null",  "NULL",  "y",     "Y",
        "yes",   "Yes",  "YES",   "n",     "N",     "no",    "No",
        "NO",    "true", "True",  "TRUE",  "false", "False", "FALSE",
        "on",    "On",   "ON",    "off",   "Off",   "OFF",   ".inf",
        ".Inf",  ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf",
        "+.INF", ".nan", ".NaN",  ".NAN",  "<<",    NULL};
    unsigned char c = (unsigned char)s[0];
    if (in_list(s, words) || v2_base60(s))
        return true;
    if (c == '.')
        return v2_float(s);
    if (is_digit(c) || c == '+' || c == '-')
        return v2_timestamp(s) || v2_number(s);
    return false;
}

/* ---- emitting ---- */

struct out {
    yaml_emitter_t em;
    struct buf *b;
    int rc;
};

static int write_cb(void *data, unsigned char *s, size_t n)
{
    struct out *o = data;
    if (buf_add(o->b, s, n) != RN_OK) {
        o->rc = RN_ENOMEM;
        return 0;
    }
    return 1;
}

static int emit(struct out *o, yaml_event_t *ev)
{
    if (!yaml_emitter_emit(&o->em, ev))
        return o->rc != RN_OK ? o->rc : RN_EINVAL;
    return RN_OK;
}

static int scalar(struct out *o, const char *s, size_t n, int style)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s,
                                      (int)n, 1, 1, (yaml_scalar_style_t)style))
        return RN_ENOMEM;
    return emit(o, &ev);
}

static int string_scalar(struct out *o, struct val v)
{
    int style = YAML_PLAIN_SCALAR_STYLE;
    if (memchr(v.u.s, '\n', v.len))
        style = YAML_LITERAL_SCALAR_STYLE;
    else if (needs_quotes(v.u.s))
        style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    return scalar(o, v.u.s, v.len, style);
}

static int number_scalar(struct out *o, struct val v)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = v.kind == VAL_INT ? gofmt_int(&b, v.u.i, 10)
                               : gofmt_float(&b, v.u.f, 'g', -1, 64);
    if (rc == RN_OK)
        rc = scalar(o, buf_str(&b), b.len, YAML_PLAIN_SCALAR_STYLE);
    buf_free(&b);
    return rc;
}

static int node(struct out *o, struct arena *a, struct val v);

static int mapping(struct out *o, struct arena *a, struct val v)
{
    yaml_event_t ev;
    size_t n = val_obj_len(v);
    struct val_kv *kv = arena_alloc(a, (n ? n : 1) * sizeof *kv);
    if (!kv)
        return RN_ENOMEM;
    if (n)
        memcpy(kv, v.u.obj->kv, n * sizeof *kv);
    qsort(kv, n, sizeof *kv, kv_cmp);
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                        YAML_BLOCK_MAPPING_STYLE);
    int rc = emit(o, &ev);
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        rc = string_scalar(o, kv[i].key);
        if (rc == RN_OK)
            rc = node(o, a, kv[i].v);
    }
    yaml_mapping_end_event_initialize(&ev);
    return rc == RN_OK ? emit(o, &ev) : rc;
}

static int sequence(struct out *o, struct arena *a, struct val v)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                         YAML_BLOCK_SEQUENCE_STYLE);
    int rc = emit(o, &ev);
    for (size_t i = 0; rc == RN_OK && i < val_list_len(v); i++)
        rc = node(o, a, val_list_at(v, i));
    yaml_sequence_end_event_initialize(&ev);
    return rc == RN_OK ? emit(o, &ev) : rc;
}

static int node(struct out *o, struct arena *a, struct val v)
{
    switch (v.kind) {
    case VAL_OBJECT:
        return mapping(o, a, v);
    case VAL_ARRAY:
        return sequence(o, a, v);
    case VAL_STRING:
        return string_scalar(o, v);
    case VAL_BOOL:
        return scalar(o, v.u.b ? "true" : "false", v.u.b ? 4 : 5,
                      YAML_PLAIN_SCALAR_STYLE);
    case VAL_INT:
    case VAL_FLOAT:
        return number_scalar(o, v);
    default:
        return scalar(o, "null", 4, YAML_PLAIN_SCALAR_STYLE);
    }
}

static int emit_doc(struct out *o, struct arena *a, struct val root)
{
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int rc = emit(o, &ev);
    if (rc == RN_OK) {
        yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
        rc = emit(o, &ev);
    }
    if (rc == RN_OK)
        rc = node(o, a, root);
    if (rc == RN_OK) {
        yaml_document_end_event_initialize(&ev, 1);
        rc = emit(o, &ev);
    }
    if (rc == RN_OK) {
        yaml_stream_end_event_initialize(&ev);
        rc = emit(o, &ev);
    }
    return rc;
}

/* See goyaml.h. */
int goyaml_emit(struct buf *out, struct val v)
{
    struct arena a;
    struct out o = {.b = out, .rc = RN_OK};
    arena_init(&a, 0);
    int rc = yaml_emitter_initialize(&o.em) ? RN_OK : RN_ENOMEM;
    if (rc == RN_OK) {
        yaml_emitter_set_output(&o.em, write_cb, &o);
        yaml_emitter_set_unicode(&o.em, 1);
        rc = emit_doc(&o, &a, v);
        yaml_emitter_delete(&o.em);
    }
    arena_free(&a);
    return rc;
}
