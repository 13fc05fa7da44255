/*
 * path.c: the resources rnotify uses, their REST paths and query strings,
 * and the small helpers every other file of the module needs (object
 * keys, metadata lookups, jitter).
 *
 * Path segments and query values are percent-encoded with RFC 3986's
 * unreserved set, so a selector's `=` and `,` and a hostile name's `/`
 * never change the meaning of a URL.
 */
#include "kube_int.h"

#include "../core/val.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const struct kube_resource kube_res_rollouts = {"argoproj.io", "v1alpha1",
                                                "rollouts", "Rollout"};
const struct kube_resource kube_res_analysisruns = {
    "argoproj.io", "v1alpha1", "analysisruns", "AnalysisRun"};
const struct kube_resource kube_res_events = {"", "v1", "events", "Event"};
const struct kube_resource kube_res_configmaps = {"", "v1", "configmaps",
                                                  "ConfigMap"};
const struct kube_resource kube_res_secrets = {"", "v1", "secrets", "Secret"};
const struct kube_resource kube_res_leases = {"coordination.k8s.io", "v1",
                                              "leases", "Lease"};
const struct kube_resource kube_res_namespaces = {"", "v1", "namespaces",
                                                  "Namespace"};

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* Percent-encode s (RFC 3986: everything but the unreserved set). */
int kube_query_escape(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = RN_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if (unreserved(*p)) {
            rc = buf_add_char(b, (char)*p);
            continue;
        }
        char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        rc = buf_add(b, enc, 3);
    }
    return rc;
}

int kube_query_add(struct buf *b, const char *key, const char *value)
{
    int rc = b->len ? buf_add_char(b, '&') : RN_OK;
    if (!rc)
        rc = buf_add_str(b, key);
    if (!rc)
        rc = buf_add_char(b, '=');
    return rc ? rc : kube_query_escape(b, value);
}

/* /api/v1 for the core group, /apis/<group>/<version> otherwise. */
static int add_prefix(struct buf *b, const struct kube_resource *res)
{
    if (!res->group || !*res->group)
        return buf_add_fmt(b, "/api/%s", res->version);
    return buf_add_fmt(b, "/apis/%s/%s", res->group, res->version);
}

static int add_segment(struct buf *b, const char *seg)
{
    int rc = buf_add_char(b, '/');
    return rc ? rc : kube_query_escape(b, seg);
}

/* The path of a resource: prefix [/namespaces/ns] /plural [/name [/sub]].
 * Empty ns means a cluster-wide path; a subresource needs a name. */
int kube_path(struct buf *b, const struct kube_resource *res, const char *ns,
              const char *name, const char *subresource)
{
    int rc = add_prefix(b, res);
    if (!rc && ns && *ns) {
        rc = buf_add_str(b, "/namespaces");
        if (!rc)
            rc = add_segment(b, ns);
    }
    if (!rc)
        rc = add_segment(b, res->plural);
    if (!rc && name && *name) {
        rc = add_segment(b, name);
        if (!rc && subresource && *subresource)
            rc = add_segment(b, subresource);
    }
    return rc;
}

int kube_res_name(struct buf *b, const struct kube_resource *res)
{
    if (!res->group || !*res->group)
        return buf_add_str(b, res->plural);
    return buf_add_fmt(b, "%s.%s", res->plural, res->group);
}

const char *kube_verb_word(const char *method, const char *name, bool watch)
{
    static const struct {
        const char *method, *word;
    } words[] = {{"POST", "create"},
                 {"PUT", "update"},
                 {"PATCH", "patch"},
                 {"DELETE", "delete"}};
    if (watch)
        return "watch";
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(method, words[i].method) == 0)
            return words[i].word;
    return name && *name ? "get" : "list";
}

const char *kube_meta_str(struct val obj, const char *field)
{
    const struct val *md = val_get_cstr(obj, "metadata");
    const struct val *v = md ? val_get_cstr(*md, field) : NULL;
    return v && val_kind(*v) == VAL_STRING ? val_str_ptr(*v) : "";
}

int kube_obj_key(struct buf *b, struct val obj)
{
    int rc = buf_add_str(b, kube_meta_str(obj, "namespace"));
    if (!rc)
        rc = buf_add_char(b, '/');
    return rc ? rc : buf_add_str(b, kube_meta_str(obj, "name"));
}

#define BACKOFF_RESET_MS 120000

void kube_backoff_init(struct kube_backoff *b, int64_t min_ms, int64_t max_ms)
{
    b->min = min_ms < max_ms ? min_ms : max_ms;
    b->max = max_ms;
    b->base = b->min;
    b->last = 0;
}

int64_t kube_backoff_next(struct kube_backoff *b, int64_t now_ms, double jitter)
{
    if (b->last && now_ms - b->last > BACKOFF_RESET_MS)
        b->base = b->min;
    b->last = now_ms;
    int64_t base = b->base;
    b->base = base * 2 < b->max ? base * 2 : b->max;
    return base + (int64_t)((double)base * jitter);
}

/* Jitter only: not for secrets.  Seeded once from the clock and pid. */
double kube_rand01(void)
{
    static _Thread_local unsigned short seed[3];
    static _Thread_local bool seeded;
    if (!seeded) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed[0] = (unsigned short)ts.tv_nsec;
        seed[1] = (unsigned short)(ts.tv_nsec >> 16);
        seed[2] = (unsigned short)(ts.tv_sec ^ (time_t)getpid());
        seeded = true;
    }
    return erand48(seed);
}

void kube_wall_now(int64_t *sec, int32_t *nsec)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *sec = (int64_t)ts.tv_sec;
    if (nsec)
        *nsec = (int32_t)ts.tv_nsec;
}
