/*
 * validate.c: what kube-apiserver checks on a write, as far as clients can
 * tell: object names, label and annotation syntax and the 256 KiB
 * annotation budget (422 Invalid with causes), Lease durations, time
 * formats that fail to decode (400), value types Secrets and ConfigMaps
 * require, and the Rollout schema's string observedGeneration.
 */
#include "sandbox.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DNS1123_SUBDOMAIN_MSG                                                  \
    "a lowercase RFC 1123 subdomain must consist of lower case "               \
    "alphanumeric characters, '-' or '.', and must start and end with an "     \
    "alphanumeric character (e.g. 'example.com', regex used for validation "   \
    "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define DNS1123_LABEL_MSG                                                      \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric "      \
    "characters or '-', and must start and end with an alphanumeric "          \
    "character (e.g. 'my-name',  or '123-abc', regex used for validation is "  \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_MSG                                                              \
    "name part must consist of alphanumeric characters, '-', '_' or '.', "     \
    "and must start and end with an alphanumeric character (e.g. 'MyName',  "  \
    "or 'my.name',  or '123-abc', regex used for validation is "               \
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_MSG                                                        \
    "a valid label must be an empty string or consist of alphanumeric "        \
    "characters, '-', '_' or '.', and must start and end with an "             \
    "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "    \
    "regex used for validation is "                                            \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool dns_part(const char *s, size_t n)
{
    if (!n || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!lower_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool dns_label(const char *s, size_t n)
{
    return n <= 63 && dns_part(s, n);
}

static bool dns_subdomain(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 253)
        return false;
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        if (!dns_part(p, dot ? (size_t)(dot - p) : strlen(p)))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

static bool qname_part(const char *s, size_t n)
{
    if (!n || n > 63 || !isalnum((unsigned char)s[0]) ||
        !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
            return false;
    return true;
}

const char *sb_qualified_name_error(const char *k)
{
    const char *slash = strchr(k, '/');
    if (!slash)
        return qname_part(k, strlen(k)) ? NULL : QNAME_MSG;
    char prefix[256];
    size_t pn = (size_t)(slash - k);
    if (pn == 0 || pn >= sizeof prefix)
        return "prefix part must be non-empty";
    memcpy(prefix, k, pn);
    prefix[pn] = '\0';
    if (!dns_subdomain(prefix))
        return "prefix part " DNS1123_SUBDOMAIN_MSG;
    return qname_part(slash + 1, strlen(slash + 1)) ? NULL : QNAME_MSG;
}

bool sb_label_value_ok(const char *v)
{
    return !*v || qname_part(v, strlen(v));
}

static void check_name(int res, struct val obj, const char *name,
                       struct sb_status *st)
{
    bool ok = res == SB_NAMESPACES ? dns_label(name, strlen(name))
                                   : dns_subdomain(name);
    (void)obj;
    if (!ok)
        sb_st_invalid(st, res, name, "metadata.name", "FieldValueInvalid",
                      "Invalid value: \"%s\": %s", name,
                      res == SB_NAMESPACES ? DNS1123_LABEL_MSG
                                           : DNS1123_SUBDOMAIN_MSG);
}

static void invalid(struct sb_status *st, int res, const char *name,
                    const char *field, const char *reason, const char *msg,
                    const char *value)
{
    if (st->code == 422)
        sb_st_cause(st, field, reason, "Invalid value: \"%s\": %s", value, msg);
    else if (!st->code)
        sb_st_invalid(st, res, name, field, reason, "Invalid value: \"%s\": %s",
                      value, msg);
}

static void check_map(int res, const char *name, struct val m, bool labels,
                      struct sb_status *st)
{
    const char *field = labels ? "metadata.labels" : "metadata.annotations";
    size_t total = 0;
    for (size_t i = 0; i < val_obj_len(m); i++) {
        const struct val_kv *kv = val_obj_at(m, i);
        const char *why = sb_qualified_name_error(val_str_ptr(kv->key));
        if (why)
            invalid(st, res, name, field, "FieldValueInvalid", why,
                    val_str_ptr(kv->key));
        total += val_str_len(kv->key) + val_str_len(kv->v);
        if (labels && val_kind(kv->v) == VAL_STRING &&
            !sb_label_value_ok(val_str_ptr(kv->v)))
            invalid(st, res, name, field, "FieldValueInvalid", LABEL_VALUE_MSG,
                    val_str_ptr(kv->v));
    }
    if (!labels && total > SB_ANNOTATIONS_MAX) {
        if (st->code == 422)
            sb_st_cause(st, field, "FieldValueTooLong",
                        "Too long: must have at most %d bytes",
                        SB_ANNOTATIONS_MAX);
        else if (!st->code)
            sb_st_invalid(st, res, name, field, "FieldValueTooLong",
                          "Too long: must have at most %d bytes",
                          SB_ANNOTATIONS_MAX);
    }
}

/* Maps whose values must all be strings (decode errors are 400). */
static bool strings_only(int res, struct val m, const char *field,
                         struct sb_status *st)
{
    if (val_is_null(m))
        return true;
    bool ok = val_kind(m) == VAL_OBJECT;
    for (size_t i = 0; ok && i < val_obj_len(m); i++)
        ok = val_kind(val_obj_at(m, i)->v) == VAL_STRING;
    if (!ok)
        sb_st_bad(st,
                  "%s in version \"%s\" cannot be handled as a %s: "
                  "json: cannot unmarshal into Go struct field %s of type "
                  "string",
                  sb_res[res].kind, sb_res[res].version, sb_res[res].kind,
                  field);
    return ok;
}

static void base64_values(int res, struct val m, struct sb_status *st)
{
    struct arena a;
    arena_init(&a, 0);
    for (size_t i = 0; i < val_obj_len(m); i++) {
        struct val v = val_obj_at(m, i)->v;
        size_t n;
        if (!sb_b64_decode(&a, val_str_ptr(v), val_str_len(v), &n)) {
            sb_st_bad(st,
                      "%s in version \"%s\" cannot be handled as a %s: "
                      "illegal base64 data at input byte 0",
                      sb_res[res].kind, sb_res[res].version, sb_res[res].kind);
            break;
        }
    }
    arena_free(&a);
}

static bool time_field(int res, struct val obj, const char *path, bool micro,
                       struct sb_status *st)
{
    struct val v = sb_get_path(obj, path);
    if (val_is_null(v))
        return true;
    if (val_kind(v) == VAL_STRING && sb_time_valid(val_str_ptr(v), micro))
        return true;
    sb_st_bad(st,
              "%s in version \"%s\" cannot be handled as a %s: parsing "
              "time \"%s\" as \"%s\": cannot parse",
              sb_res[res].kind, sb_res[res].version, sb_res[res].kind,
              val_kind(v) == VAL_STRING ? val_str_ptr(v) : "?",
              micro ? "2006-01-02T15:04:05.000000Z07:00"
                    : "2006-01-02T15:04:05Z07:00");
    return false;
}

/* Per-resource rules (decoding first: a 400 wins over a 422). */
static void check_kind(int res, struct val obj, const char *name,
                       struct sb_status *st)
{
    if (res == SB_LEASES) {
        if (!time_field(res, obj, "spec.acquireTime", true, st) ||
            !time_field(res, obj, "spec.renewTime", true, st))
            return;
        struct val d = sb_get_path(obj, "spec.leaseDurationSeconds");
        if (val_kind(d) == VAL_INT && val_int_of(d) <= 0)
            sb_st_invalid(st, res, name, "spec.leaseDurationSeconds",
                          "FieldValueInvalid",
                          "Invalid value: %lld: must be greater than 0",
                          (long long)val_int_of(d));
    } else if (res == SB_EVENTS) {
        if (time_field(res, obj, "eventTime", true, st) &&
            time_field(res, obj, "firstTimestamp", false, st))
            time_field(res, obj, "lastTimestamp", false, st);
    } else if (res == SB_CONFIGMAPS) {
        strings_only(res, sb_get(obj, "data"), "ConfigMap.data", st);
    } else if (res == SB_SECRETS) {
        if (strings_only(res, sb_get(obj, "data"), "Secret.data", st))
            base64_values(res, sb_get(obj, "data"), st);
    } else if (res == SB_ROLLOUTS) {
        struct val g = sb_get_path(obj, "status.observedGeneration");
        if (!val_is_null(g) && val_kind(g) != VAL_STRING)
            sb_st_invalid(st, res, name, "status.observedGeneration",
                          "FieldValueTypeInvalid",
                          "Invalid value: \"%s\": status.observedGeneration "
                          "in body must be of type string: \"%s\"",
                          val_kind(g) == VAL_INT ? "integer" : "number",
                          val_kind(g) == VAL_INT ? "integer" : "number");
    }
}

int sb_validate(int res, struct val obj, struct sb_status *st)
{
    const char *name = sb_get_str(obj, "metadata", "name");
    struct val md = sb_get(obj, "metadata");
    name = name ? name : "";
    if (!strings_only(res, sb_get(md, "annotations"), "metadata.annotations",
                      st) ||
        !strings_only(res, sb_get(md, "labels"), "metadata.labels", st))
        return RN_EINVAL;
    check_kind(res, obj, name, st);
    if (st->code == 400)
        return RN_EINVAL;
    check_name(res, obj, name, st);
    check_map(res, name, sb_get(md, "labels"), true, st);
    check_map(res, name, sb_get(md, "annotations"), false, st);
    return st->code ? RN_EINVAL : RN_OK;
}

/* A Secret's stringData merged into data as base64 (stringData wins),
 * and stringData dropped: the server never returns it. */
int sb_secret_normalize(struct arena *a, struct val *obj, struct sb_status *st)
{
    struct val sd = sb_get(*obj, "stringData");
    if (!sb_get_str(*obj, "type", NULL) &&
        !sb_obj_put(a, obj, "type", sb_vstr(a, "Opaque")))
        return RN_ENOMEM;
    if (val_is_null(sd))
        return sb_obj_del(a, obj, "stringData") ? RN_OK : RN_ENOMEM;
    if (!strings_only(SB_SECRETS, sd, "Secret.stringData", st))
        return RN_EINVAL;
    struct val data = sb_get(*obj, "data");
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < val_obj_len(sd); i++) {
        const struct val_kv *kv = val_obj_at(sd, i);
        buf_reset(&b);
        if (sb_b64_encode(&b, val_str_ptr(kv->v), val_str_len(kv->v)) ||
            !sb_obj_put(a, &data, val_str_ptr(kv->key),
                        sb_vstrn(a, buf_str(&b), b.len))) {
            buf_free(&b);
            return RN_ENOMEM;
        }
    }
    buf_free(&b);
    if (!sb_obj_put(a, obj, "data", data) || !sb_obj_del(a, obj, "stringData"))
        return RN_ENOMEM;
    return RN_OK;
}
