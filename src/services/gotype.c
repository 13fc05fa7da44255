/*
 * gotype.c: JSON decoded into a Go struct and encoded again, as upstream
 * does when it unmarshals a template field into an SDK type and the SDK
 * marshals it (slack's attachments and blocks, Rocket.Chat's attachments,
 * Google Chat's cards).
 *
 * A struct is a table of fields (svc_int.h: struct gt_struct): JSON name,
 * kind and omitempty, in Go's declaration order, which is the order
 * encoding/json writes them in.  Decoding follows encoding/json: keys
 * match a field exactly, else case-insensitively; unknown keys are
 * dropped; null leaves the zero value; any other type mismatch fails with
 * Go's words.  Encoding writes every field in order, Go's zero value for
 * what the input lacked (nil pointers and slices as null, "" and false
 * and 0), leaves omitempty fields out when empty (a struct value is never
 * empty: slack's `"blocks": null` inside every attachment comes from
 * that), and escapes strings HTML-safe as json.Marshal does.  Kinds with
 * their own decoding (slack's polymorphic blocks) are functions; two of
 * google.golang.org/api's are kinds here: int64 tagged `,string` and
 * float64 read as its JSONFloat64.  Input that came through YAML (a
 * ctx flag) lets an integer field take a whole float, as Go sees 2.0
 * after sigs.k8s.io/yaml has written it as JSON.
 */
#include "svc_int.h"

#include "../core/json.h"
#include "../core/limits.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The key of obj that field `name` reads: exact, else ASCII case-folded
 * (the last such key in sorted order; Go takes the last in input order). */
const struct val *gt_lookup(struct val obj, const char *name)
{
    const struct val *v = val_get_cstr(obj, name);
    const struct val *fold = NULL;
    if (v || obj.kind != VAL_OBJECT)
        return v;
    for (size_t i = 0; i < val_obj_len(obj); i++)
        if (strcasecmp(val_obj_at(obj, i)->key.u.s, name) == 0)
            fold = &val_obj_at(obj, i)->v;
    return fold;
}

/* encoding/json's name for a value's JSON kind in errors. */
static const char *json_kind(struct val v)
{
    switch (v.kind) {
    case VAL_STRING:
        return "string";
    case VAL_BOOL:
        return "bool";
    case VAL_INT:
    case VAL_FLOAT:
        return "number";
    case VAL_ARRAY:
        return "array";
    default:
        return "object";
    }
}

/* "json: cannot unmarshal string into Go struct field X.f of type int";
 * a number into an integer field names the number ("number 1.5"). */
int gt_type_error(struct gt_ctx *x, struct val v, const char *st,
                  const char *field, const char *gotype)
{
    char what[64];
    if (field && v.kind == VAL_FLOAT)
        snprintf(what, sizeof what, "number %g", v.u.f);
    else
        snprintf(what, sizeof what, "%s", json_kind(v));
    if (!field)
        return rn_errf(x->e, RN_EINVAL,
                       "json: cannot unmarshal %s into Go value of type %s",
                       what, gotype);
    /* Go names the struct without its package */
    const char *dot = st ? strrchr(st, '.') : NULL;
    return rn_errf(x->e, RN_EINVAL,
                   "json: cannot unmarshal %s into Go struct field %s.%s of "
                   "type %s",
                   what,
                   dot  ? dot + 1
                   : st ? st
                        : "",
                   field, gotype);
}

static bool is_null(const struct val *v)
{
    return !v || v->kind == VAL_NULL;
}

/* Whether Go's omitempty leaves the field out. */
static bool empty(const struct gt_field *f, const struct val *v)
{
    if (is_null(v))
        return f->kind != GK_STRUCT;
    switch (f->kind) {
    case GK_STR:
    case GK_NUM:
        return v->kind == VAL_STRING && v->len == 0;
    case GK_BOOL:
        return v->kind == VAL_BOOL && !v->u.b;
    case GK_INT:
    case GK_JTIME:
        return v->kind == VAL_INT && v->u.i == 0;
    case GK_INT_STR: /* "0", "-0", "00" all decode to 0 */
        return v->kind == VAL_STRING && v->len > (v->u.s[0] == '-') &&
               strspn(v->u.s + (v->u.s[0] == '-'), "0") ==
                   v->len - (v->u.s[0] == '-');
    case GK_GFLOAT:
        return (v->kind == VAL_INT && v->u.i == 0) ||
               (v->kind == VAL_FLOAT && v->u.f == 0);
    case GK_SLICE:
        return v->kind == VAL_ARRAY && val_list_len(*v) == 0;
    default:
        return false;
    }
}

static int emit_str(struct gt_ctx *x, const char *s, size_t n)
{
    return json_emit_string(x->b, s, n, x->flags);
}

/* json.Number from a JSON number or a numeric string. */
static int emit_number(struct gt_ctx *x, const struct gt_struct *st,
                       const struct gt_field *f, struct val v)
{
    if (v.kind == VAL_INT || v.kind == VAL_FLOAT)
        return json_emit(x->b, v, NULL, NULL);
    if (v.kind == VAL_STRING) {
        char *end;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)v.len, v.u.s);
        (void)strtod(tmp, &end);
        if (v.len && v.len < sizeof tmp && !*end && tmp[0] != '+' &&
            tmp[0] != '.' && !strpbrk(tmp, "xXnNiI \t"))
            return buf_add(x->b, v.u.s, v.len);
        return rn_errf(x->e, RN_EINVAL,
                       "json: invalid number literal, trying to unmarshal "
                       "\"\\\"%.*s\\\"\" into Number",
                       (int)(v.len > 40 ? 40 : v.len), v.u.s);
    }
    return gt_type_error(x, v, st->goname, f->name, "json.Number");
}

/* slack's JSONTime: a number or a quoted number, "null" is 0. */
static int emit_jtime(struct gt_ctx *x, const struct gt_struct *st,
                      const struct gt_field *f, struct val v)
{
    if (v.kind == VAL_INT)
        return buf_add_fmt(x->b, "%lld", (long long)v.u.i);
    if (v.kind == VAL_STRING) {
        char *end;
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.*s", (int)v.len, v.u.s);
        if (strcasecmp(tmp, "null") == 0)
            return buf_add_char(x->b, '0');
        long long n = strtoll(tmp, &end, 10);
        if (v.len && v.len < sizeof tmp && !*end && tmp[0] != ' ')
            return buf_add_fmt(x->b, "%lld", n);
        return rn_errf(x->e, RN_EINVAL,
                       "strconv.Atoi: parsing \"%s\": invalid syntax", tmp);
    }
    return gt_type_error(x, v, st->goname, f->name, "slack.JSONTime");
}

/* An integer field: a JSON integer, or (through YAML) a whole float. */
static int emit_int(struct gt_ctx *x, const struct gt_struct *st,
                    const struct gt_field *f, struct val v, const char *gotype)
{
    if (v.kind == VAL_FLOAT && x->via_yaml && v.u.f == (double)(int64_t)v.u.f &&
        v.u.f > -1e18 && v.u.f < 1e18)
        return buf_add_fmt(x->b, "%lld", (long long)v.u.f);
    if (v.kind != VAL_INT)
        return gt_type_error(x, v, st->goname, f->name, gotype);
    return buf_add_fmt(x->b, "%lld", (long long)v.u.i);
}

/* gensupport.JSONFloat64: a number, or one of three strings whose
 * values encoding/json then refuses to write. */
static int emit_gfloat(struct gt_ctx *x, struct val v)
{
    static const char *const names[][2] = {
        {"NaN", "NaN"}, {"Infinity", "+Inf"}, {"-Infinity", "-Inf"}};
    if (v.kind == VAL_INT || v.kind == VAL_FLOAT)
        return json_emit(x->b, v, NULL, x->e);
    if (v.kind != VAL_STRING)
        return rn_errf(x->e, RN_EINVAL,
                       "google.golang.org/api/internal: "
                       "data not float or string");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(v.u.s, names[i][0]) == 0)
            return rn_errf(x->e, RN_EINVAL, "json: unsupported value: %s",
                           names[i][1]);
    return rn_errf(x->e, RN_EINVAL,
                   "google.golang.org/api/internal: bad float string \"%.60s\"",
                   v.u.s);
}

/* An int64 tagged `,string`: only a quoted integer is read. */
static int emit_int_str(struct gt_ctx *x, const struct gt_struct *st,
                        const struct gt_field *f, struct val v)
{
    char tmp[32], *end;
    if (v.kind != VAL_STRING)
        return rn_errf(x->e, RN_EINVAL,
                       "json: invalid use of ,string struct tag, trying to "
                       "unmarshal unquoted value into int64");
    snprintf(tmp, sizeof tmp, "%.*s", (int)v.len, v.u.s);
    errno = 0;
    long long n = strtoll(tmp, &end, 10);
    bool digits = v.len && v.len < sizeof tmp &&
                  (tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9'));
    if (!digits)
        return rn_errf(x->e, RN_EINVAL,
                       "json: invalid use of ,string struct tag, trying to "
                       "unmarshal \"%.40s\" into int64",
                       v.u.s);
    if (*end || errno == ERANGE || tmp[0] == '+')
        return rn_errf(x->e, RN_EINVAL,
                       "json: cannot unmarshal number %.40s into Go struct "
                       "field %s.%s of type int64",
                       tmp, strrchr(st->goname, '.') + 1, f->name);
    return buf_add_fmt(x->b, "\"%lld\"", n);
}

static int emit_field_value(struct gt_ctx *x, const struct gt_struct *st,
                            const struct gt_field *f, const struct val *v);

/* One element of a slice: its element type, null as Go leaves it. */
static int emit_elem(struct gt_ctx *x, const struct gt_struct *st,
                     const struct gt_field *f, struct val v)
{
    struct gt_field ef = *f;
    ef.kind = f->elem;
    return emit_field_value(x, st, &ef, &v);
}

static int emit_slice(struct gt_ctx *x, const struct gt_struct *st,
                      const struct gt_field *f, struct val v)
{
    if (v.kind != VAL_ARRAY)
        return gt_type_error(x, v, st->goname, f->name, f->gotype);
    int rc = buf_add_char(x->b, '[');
    for (size_t i = 0; rc == RN_OK && i < val_list_len(v); i++) {
        if (i)
            rc = buf_add_char(x->b, ',');
        if (rc == RN_OK)
            rc = emit_elem(x, st, f, val_list_at(v, i));
    }
    return rc == RN_OK ? buf_add_char(x->b, ']') : rc;
}

/* The value of one field (v NULL: absent). */
static int emit_field_value(struct gt_ctx *x, const struct gt_struct *st,
                            const struct gt_field *f, const struct val *v)
{
    bool null = is_null(v);
    switch (f->kind) {
    case GK_STR:
        if (!null && v->kind != VAL_STRING)
            return gt_type_error(x, *v, st->goname, f->name, "string");
        return null ? buf_add_str(x->b, "\"\"") : emit_str(x, v->u.s, v->len);
    case GK_BOOL:
        if (!null && v->kind != VAL_BOOL)
            return gt_type_error(x, *v, st->goname, f->name, "bool");
        return buf_add_str(x->b, !null && v->u.b ? "true" : "false");
    case GK_INT:
    case GK_PTR_INT:
        if (null && f->kind == GK_PTR_INT)
            return buf_add_str(x->b, "null");
        return null ? buf_add_char(x->b, '0')
                    : emit_int(x, st, f, *v, f->gotype ? f->gotype : "int");
    case GK_INT_STR:
        return null ? buf_add_str(x->b, "\"0\"") : emit_int_str(x, st, f, *v);
    case GK_GFLOAT:
        return null ? buf_add_char(x->b, '0') : emit_gfloat(x, *v);
    case GK_PTR_STR:
        if (!null && v->kind != VAL_STRING)
            return gt_type_error(x, *v, st->goname, f->name, "string");
        return null ? buf_add_str(x->b, "null") : emit_str(x, v->u.s, v->len);
    case GK_NUM:
        return null ? buf_add_char(x->b, '0') : emit_number(x, st, f, *v);
    case GK_JTIME:
        return null ? buf_add_char(x->b, '0') : emit_jtime(x, st, f, *v);
    case GK_STRUCT:
    case GK_PTR:
        if (null && f->kind == GK_PTR)
            return buf_add_str(x->b, "null");
        return gt_emit_struct(x, f->st, null ? NULL : v);
    case GK_SLICE:
        return null ? buf_add_str(x->b, "null") : emit_slice(x, st, f, *v);
    case GK_CUSTOM:
        return f->fn(x, v);
    default:
        return rn_errf(x->e, RN_EINVAL, "gotype: bad field kind");
    }
}

/* A struct value (v NULL or null: the zero struct). */
int gt_emit_struct(struct gt_ctx *x, const struct gt_struct *st,
                   const struct val *v)
{
    if (!is_null(v) && v->kind != VAL_OBJECT)
        return gt_type_error(x, *v, st->goname, NULL, st->goname);
    if (++x->depth > RN_JSON_MAX_DEPTH)
        return rn_errf(x->e, RN_ELIMIT, "gotype: nesting too deep");
    int rc = buf_add_char(x->b, '{');
    bool first = true;
    for (size_t i = 0; rc == RN_OK && i < st->n; i++) {
        const struct gt_field *f = &st->f[i];
        const struct val *fv = is_null(v) ? NULL : gt_lookup(*v, f->name);
        if (f->omitempty && empty(f, fv)) {
            /* still decoded in Go: a mismatch is an error all the same */
            size_t mark = x->b->len;
            rc = emit_field_value(x, st, f, fv);
            buf_truncate(x->b, mark);
            continue;
        }
        rc = first ? RN_OK : buf_add_char(x->b, ',');
        first = false;
        if (rc == RN_OK)
            rc = json_emit_string(x->b, f->name, strlen(f->name), x->flags);
        if (rc == RN_OK)
            rc = buf_add_char(x->b, ':');
        if (rc == RN_OK)
            rc = emit_field_value(x, st, f, fv);
    }
    x->depth--;
    return rc == RN_OK ? buf_add_char(x->b, '}') : rc;
}

/* A []T (array, or null for a nil slice) as json.Marshal writes it. */
int gt_emit_list(struct gt_ctx *x, const struct gt_struct *st,
                 const struct val *v, const char *gotype)
{
    if (is_null(v))
        return buf_add_str(x->b, "null");
    if (v->kind != VAL_ARRAY)
        return rn_errf(x->e, RN_EINVAL,
                       "json: cannot unmarshal %s into Go value of type %s",
                       json_kind(*v), gotype);
    return gt_emit_array(x, *v, NULL, st);
}

/* [one(e)...] over the items of array list (one NULL: each item is the
 * struct st). */
int gt_emit_array(struct gt_ctx *x, struct val list, gt_custom_fn *one,
                  const struct gt_struct *st)
{
    int rc = buf_add_char(x->b, '[');
    for (size_t i = 0; rc == RN_OK && i < val_list_len(list); i++) {
        struct val e = val_list_at(list, i);
        if (i)
            rc = buf_add_char(x->b, ',');
        if (rc == RN_OK)
            rc = one ? one(x, &e) : gt_emit_struct(x, st, &e);
    }
    return rc == RN_OK ? buf_add_char(x->b, ']') : rc;
}
