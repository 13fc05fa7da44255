/*
 * lease.c: the coordination.k8s.io/v1 Lease object leader election reads
 * and writes.
 *
 * acquireTime and renewTime are MicroTime: the API server decodes exactly
 * six fractional digits ("2024-05-01T12:00:08.412233Z") and rejects other
 * widths, so they are always written that way.  Reading accepts any RFC
 * 3339 time.
 */
#include "kube_int.h"

#include "../core/gotime.h"
#include "../core/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t int_at(struct val o, const char *k)
{
    const struct val *v = val_get_cstr(o, k);
    if (!v)
        return 0;
    if (val_kind(*v) == VAL_INT)
        return val_int_of(*v);
    if (val_kind(*v) == VAL_FLOAT)
        return (int64_t)val_float_of(*v);
    return 0;
}

/* A MicroTime (or any RFC 3339 time) as unix microseconds; 0 when absent
 * or unreadable. */
static int64_t micro_at(struct val o, const char *k)
{
    const struct val *v = val_get_cstr(o, k);
    const struct val_time *t;
    struct arena a;
    int64_t us = 0;
    if (!v || val_kind(*v) != VAL_STRING)
        return 0;
    arena_init(&a, 0);
    if (gotime_parse(&a, GOTIME_RFC3339, strlen(GOTIME_RFC3339),
                     val_str_ptr(*v), val_str_len(*v), "UTC", &t,
                     NULL) == RN_OK)
        us = t->unix * 1000000 + t->nsec / 1000;
    arena_free(&a);
    return us;
}

int kube_lease_parse(struct val obj, struct kube_lease *out)
{
    const struct val *kind = val_get_cstr(obj, "kind");
    memset(out, 0, sizeof *out);
    if (val_kind(obj) != VAL_OBJECT || !kind || val_kind(*kind) != VAL_STRING ||
        strcmp(val_str_ptr(*kind), "Lease") != 0)
        return RN_EINVAL;
    snprintf(out->rv, sizeof out->rv, "%s",
             kube_meta_str(obj, "resourceVersion"));
    const struct val *spec = val_get_cstr(obj, "spec");
    if (!spec || val_kind(*spec) != VAL_OBJECT)
        return RN_OK;
    const struct val *h = val_get_cstr(*spec, "holderIdentity");
    if (h && val_kind(*h) == VAL_STRING)
        snprintf(out->holder, sizeof out->holder, "%s", val_str_ptr(*h));
    out->duration_s = int_at(*spec, "leaseDurationSeconds");
    out->transitions = int_at(*spec, "leaseTransitions");
    out->acquire_us = micro_at(*spec, "acquireTime");
    out->renew_us = micro_at(*spec, "renewTime");
    return RN_OK;
}

/* ",\"<key>\":\"2024-05-01T12:00:08.412233Z\"" (floor division, so times
 * before 1970 print correctly too). */
static int add_micro(struct buf *b, const char *key, int64_t us)
{
    int64_t s = us / 1000000, frac = us % 1000000;
    struct tm tm;
    char date[40];
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    time_t t = (time_t)s;
    if (!gmtime_r(&t, &tm))
        return RN_EINVAL;
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf_add_fmt(b, ",\"%s\":\"%s.%06" PRId64 "Z\"", key, date, frac);
}

static int add_str(struct buf *b, const char *key, const char *v)
{
    int rc = buf_add_fmt(b, "\"%s\":", key);
    return rc ? rc : json_emit_string(b, v, strlen(v), 0);
}

int kube_lease_body(struct buf *b, const char *ns, const char *name,
                    const struct kube_lease *l)
{
    int rc = buf_add_str(b, "{\"apiVersion\":\"coordination.k8s.io/v1\","
                            "\"kind\":\"Lease\",\"metadata\":{");
    if (!rc)
        rc = add_str(b, "name", name);
    if (!rc && (rc = buf_add_char(b, ',')) == RN_OK)
        rc = add_str(b, "namespace", ns);
    if (!rc && l->rv[0] && (rc = buf_add_char(b, ',')) == RN_OK)
        rc = add_str(b, "resourceVersion", l->rv);
    if (!rc)
        rc = buf_add_str(b, "},\"spec\":{");
    if (!rc)
        rc = add_str(b, "holderIdentity", l->holder);
    if (!rc && l->duration_s > 0)
        rc =
            buf_add_fmt(b, ",\"leaseDurationSeconds\":%" PRId64, l->duration_s);
    if (!rc && l->acquire_us)
        rc = add_micro(b, "acquireTime", l->acquire_us);
    if (!rc && l->renew_us)
        rc = add_micro(b, "renewTime", l->renew_us);
    if (!rc)
        rc = buf_add_fmt(b, ",\"leaseTransitions\":%" PRId64 "}}",
                         l->transitions);
    return rc;
}
