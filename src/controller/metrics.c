/*
 * metrics.c: a small Prometheus registry (controller_int.h, "metrics.c").
 *
 * Families (counter, gauge, histogram) hold series keyed by their label
 * values, joined with NUL bytes into one map key: comparing two keys
 * bytewise orders series by their label values, first label first, which
 * is the deterministic order the exposition uses.  One mutex guards the
 * whole registry: the loop thread updates a few series per delivery and
 * the metrics server renders a few times a minute, so there is nothing
 * to gain from finer locking.
 *
 * The text exposition format 0.0.4: families sorted by name, each with
 * `# HELP` and `# TYPE`; histograms as cumulative `_bucket{le=...}`
 * ending with le="+Inf", then `_sum` and `_count`.  A labelled family
 * with no series yet is left out, as client_golang does; a family
 * without labels has its one series from the start.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../core/map.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 8

struct series {
    double v;       /* counter or gauge value; histogram sum */
    uint64_t count; /* histogram observations */
    uint64_t *bkt;  /* histogram: per-bucket counts, not cumulative */
    size_t klen;    /* key: label values joined by NUL */
    char key[];
};

struct family {
    char *name, *help;
    enum ctl_mtype type;
    char *labels[MAX_LABELS];
    size_t nlabels;
    double *buckets;
    size_t nbuckets;
    struct map series;
};

struct ctl_metrics {
    pthread_mutex_t mu;
    struct family **fams;
    size_t n, cap;
};

int ctl_metrics_new(struct ctl_metrics **out)
{
    struct ctl_metrics *m = rn_calloc(1, sizeof *m);
    if (!m)
        return RN_ENOMEM;
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return RN_OK;
}

static void family_free(struct family *f)
{
    size_t i = 0;
    const char *k;
    size_t kl;
    void *v;
    while (map_next(&f->series, &i, &k, &kl, &v))
        rn_free(v);
    map_free(&f->series);
    for (size_t j = 0; j < f->nlabels; j++)
        rn_free(f->labels[j]);
    rn_free(f->name);
    rn_free(f->help);
    rn_free(f->buckets);
    rn_free(f);
}

void ctl_metrics_free(struct ctl_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        family_free(m->fams[i]);
    rn_free(m->fams);
    pthread_mutex_destroy(&m->mu);
    rn_free(m);
}

/* ---- declaring ---- */

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; no ':' in label names, and
 * no reserved "__" prefix. */
static bool valid_name(const char *s, bool label)
{
    if (!s || !*s || (label && strncmp(s, "__", 2) == 0))
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '_' || (!label && c == ':') ||
                  (p > s && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

static bool valid_decl(enum ctl_mtype type, const char *name,
                       const char *const *labels, size_t nlabels,
                       const double *buckets, size_t nbuckets)
{
    if (!valid_name(name, false) || nlabels > MAX_LABELS ||
        (nlabels && !labels))
        return false;
    for (size_t i = 0; i < nlabels; i++) {
        if (!valid_name(labels[i], true))
            return false;
        if (type == CTL_HISTOGRAM && strcmp(labels[i], "le") == 0)
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(labels[i], labels[j]) == 0)
                return false;
    }
    if (type != CTL_HISTOGRAM)
        return nbuckets == 0;
    for (size_t i = 0; i < nbuckets; i++)
        if (!isfinite(buckets[i]) || (i && buckets[i] <= buckets[i - 1]))
            return false;
    return true;
}

/* The same declaration again (a second queue on one registry)? */
static bool same_decl(const struct family *f, enum ctl_mtype type,
                      const char *const *labels, size_t nlabels,
                      const double *buckets, size_t nbuckets)
{
    if (f->type != type || f->nlabels != nlabels || f->nbuckets != nbuckets)
        return false;
    for (size_t i = 0; i < nlabels; i++)
        if (strcmp(f->labels[i], labels[i]) != 0)
            return false;
    return nbuckets == 0 ||
           memcmp(f->buckets, buckets, nbuckets * sizeof *buckets) == 0;
}

static struct series *series_new(const struct family *f, const char *key,
                                 size_t klen)
{
    size_t nb = f->type == CTL_HISTOGRAM ? f->nbuckets : 0;
    size_t head = sizeof(struct series) + klen + 1;
    head = (head + 7) & ~(size_t)7;
    struct series *s = rn_calloc(1, head + nb * sizeof(uint64_t));
    if (!s)
        return NULL;
    memcpy(s->key, key, klen);
    s->klen = klen;
    s->bkt = nb ? (uint64_t *)((char *)s + head) : NULL;
    return s;
}

static struct family *family_new(const char *name, const char *help,
                                 enum ctl_mtype type, const char *const *labels,
                                 size_t nlabels, const double *buckets,
                                 size_t nbuckets)
{
    struct family *f = rn_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    map_init(&f->series);
    f->type = type;
    f->name = rn_strndup(name, strlen(name));
    f->help = rn_strndup(help ? help : "", help ? strlen(help) : 0);
    bool ok = f->name && f->help;
    for (size_t i = 0; ok && i < nlabels; i++) {
        f->labels[i] = rn_strndup(labels[i], strlen(labels[i]));
        f->nlabels = i + 1;
        ok = f->labels[i] != NULL;
    }
    if (ok && nbuckets) {
        f->buckets = rn_malloc(nbuckets * sizeof *buckets);
        ok = f->buckets != NULL;
        if (ok)
            memcpy(f->buckets, buckets, nbuckets * sizeof *buckets);
        f->nbuckets = nbuckets;
    }
    if (ok && nlabels == 0) { /* the one series exists from the start */
        struct series *s = series_new(f, "", 0);
        ok = s && map_put(&f->series, "", 0, s, NULL) == RN_OK;
        if (!ok)
            rn_free(s);
    }
    if (!ok) {
        family_free(f);
        return NULL;
    }
    return f;
}

static int add_family(struct ctl_metrics *m, struct family *f)
{
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 16;
        struct family **nf = rn_realloc(m->fams, ncap * sizeof *nf);
        if (!nf)
            return RN_ENOMEM;
        m->fams = nf;
        m->cap = ncap;
    }
    m->fams[m->n] = f;
    return (int)m->n++;
}

/* Returns the family id; declaring the same family twice returns the
 * first id, a different one under a taken name is RN_EINVAL (negated). */
int ctl_metric_family(struct ctl_metrics *m, const char *name, const char *help,
                      enum ctl_mtype type, const char *const *labels,
                      size_t nlabels, const double *buckets, size_t nbuckets)
{
    if (!valid_decl(type, name, labels, nlabels, buckets, nbuckets))
        return -RN_EINVAL;
    int id = -RN_ENOMEM;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->fams[i]->name, name) != 0)
            continue;
        id = same_decl(m->fams[i], type, labels, nlabels, buckets, nbuckets)
                 ? (int)i
                 : -RN_EINVAL;
        goto out;
    }
    struct family *f =
        family_new(name, help, type, labels, nlabels, buckets, nbuckets);
    if (f) {
        id = add_family(m, f);
        if (id < 0)
            family_free(f);
    }
out:
    pthread_mutex_unlock(&m->mu);
    return id;
}

/* ---- updating ---- */

/* The series of f with these label values, made on first use; NULL on
 * OOM (the sample is lost) or when a key would be absurdly long.  Under
 * m->mu. */
static struct series *find_series(struct family *f, const char *const *values)
{
    struct buf key;
    buf_init(&key, 1u << 16);
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < f->nlabels; i++) {
        const char *v = values && values[i] ? values[i] : "";
        rc = buf_add(&key, v, strlen(v) + (i + 1 < f->nlabels));
    }
    if (rc != RN_OK)
        return NULL;
    const char *k = key.len ? key.ptr : "";
    struct series *s = map_get(&f->series, k, key.len);
    if (!s) {
        s = series_new(f, k, key.len);
        if (s && map_put(&f->series, s->key, s->klen, s, NULL) != RN_OK) {
            rn_free(s);
            s = NULL;
        }
    }
    buf_free(&key);
    return s;
}

static struct family *family_at(struct ctl_metrics *m, int id)
{
    return m && id >= 0 && (size_t)id < m->n ? m->fams[id] : NULL;
}

enum op { OP_ADD, OP_SET, OP_OBSERVE };

/* Which operations a family type takes: counters only go up (a negative
 * or NaN add is ignored), set is for gauges, observe for histograms. */
static bool op_fits(const struct family *f, enum op op, double v)
{
    switch (op) {
    case OP_ADD:
        return f->type == CTL_GAUGE ||
               (f->type == CTL_COUNTER && v >= 0 && !isnan(v));
    case OP_SET:
        return f->type == CTL_GAUGE;
    default:
        return f->type == CTL_HISTOGRAM;
    }
}

static void update(struct ctl_metrics *m, int family, const char *const *values,
                   double v, enum op op)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->mu);
    struct family *f = family_at(m, family);
    struct series *s = f && op_fits(f, op, v) ? find_series(f, values) : NULL;
    if (s && op == OP_OBSERVE) {
        size_t i = 0;
        while (i < f->nbuckets && !(v <= f->buckets[i]))
            i++;
        if (i < f->nbuckets)
            s->bkt[i]++;
        s->count++;
    }
    if (s)
        s->v = op == OP_SET ? v : s->v + v;
    pthread_mutex_unlock(&m->mu);
}

void ctl_metric_add(struct ctl_metrics *m, int family,
                    const char *const *values, double v)
{
    update(m, family, values, v, OP_ADD);
}

void ctl_metric_set(struct ctl_metrics *m, int family,
                    const char *const *values, double v)
{
    update(m, family, values, v, OP_SET);
}

void ctl_metric_observe(struct ctl_metrics *m, int family,
                        const char *const *values, double v)
{
    update(m, family, values, v, OP_OBSERVE);
}

/* ---- forgetting ---- */

/* The value of label `li` inside a series key. */
static const char *key_value(const char *key, size_t li)
{
    while (li--)
        key += strlen(key) + 1;
    return key;
}

static bool series_matches(const struct family *f, const char *key,
                           const char *const *labels, const char *const *values,
                           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t li = 0;
        while (li < f->nlabels && strcmp(f->labels[li], labels[i]) != 0)
            li++;
        if (li == f->nlabels ||
            strcmp(key_value(key, li), values[i] ? values[i] : "") != 0)
            return false;
    }
    return true;
}

/* Delete the matching series of one family (collect, then delete: the
 * map must not change during a walk). */
static void forget_in(struct family *f, const char *const *labels,
                      const char *const *values, size_t n)
{
    if (f->nlabels == 0)
        return;
    for (;;) {
        size_t i = 0, kl;
        const char *k;
        void *v;
        struct series *hit = NULL;
        while (!hit && map_next(&f->series, &i, &k, &kl, &v))
            if (series_matches(f, ((struct series *)v)->key, labels, values, n))
                hit = v;
        if (!hit)
            return;
        map_del(&f->series, hit->key, hit->klen);
        rn_free(hit);
    }
}

void ctl_metric_forget_match(struct ctl_metrics *m, int family,
                             const char *const *labels,
                             const char *const *values, size_t n)
{
    if (!m || n == 0)
        return;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n; i++)
        if (family < 0 || (size_t)family == i)
            forget_in(m->fams[i], labels, values, n);
    pthread_mutex_unlock(&m->mu);
}

void ctl_metric_forget(struct ctl_metrics *m, int family, const char *label,
                       const char *value)
{
    ctl_metric_forget_match(m, family, &label, &value, 1);
}

/* ---- rendering ---- */

/* client_golang's number text, except that whole numbers below 2^53 are
 * written without an exponent (1e+06 reads badly on a counter). */
static int put_number(struct buf *b, double v)
{
    if (isnan(v))
        return buf_add_str(b, "NaN");
    if (isinf(v))
        return buf_add_str(b, v > 0 ? "+Inf" : "-Inf");
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return buf_add_fmt(b, "%lld", (long long)v);
    return gofmt_float(b, v, 'g', -1, 64);
}

/* Label values: backslash, double quote and newline escaped.  HELP text:
 * backslash and newline only. */
static int put_escaped(struct buf *b, const char *s, bool quote)
{
    int rc = RN_OK;
    for (const char *p = s; rc == RN_OK && *p; p++) {
        if (*p == '\\')
            rc = buf_add_str(b, "\\\\");
        else if (*p == '\n')
            rc = buf_add_str(b, "\\n");
        else if (quote && *p == '"')
            rc = buf_add_str(b, "\\\"");
        else
            rc = buf_add_char(b, *p);
    }
    return rc;
}

/* name{l1="v1",...[,le="x"]} value\n */
static int put_sample(struct buf *b, const struct family *f, const char *suffix,
                      const struct series *s, const char *le, double v)
{
    int rc = buf_add_fmt(b, "%s%s", f->name, suffix);
    const char *val = s->key;
    if (rc == RN_OK && (f->nlabels || le))
        rc = buf_add_char(b, '{');
    for (size_t i = 0; rc == RN_OK && i < f->nlabels; i++) {
        rc = buf_add_fmt(b, "%s%s=\"", i ? "," : "", f->labels[i]);
        if (rc == RN_OK)
            rc = put_escaped(b, val, true);
        if (rc == RN_OK)
            rc = buf_add_char(b, '"');
        val += strlen(val) + 1;
    }
    if (rc == RN_OK && le)
        rc = buf_add_fmt(b, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    if (rc == RN_OK && (f->nlabels || le))
        rc = buf_add_char(b, '}');
    if (rc == RN_OK)
        rc = buf_add_char(b, ' ');
    if (rc == RN_OK)
        rc = put_number(b, v);
    return rc == RN_OK ? buf_add_char(b, '\n') : rc;
}

static int put_histogram(struct buf *b, const struct family *f,
                         const struct series *s)
{
    uint64_t cum = 0;
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < f->nbuckets; i++) {
        struct buf le;
        buf_init(&le, 64);
        cum += s->bkt[i];
        rc = put_number(&le, f->buckets[i]);
        if (rc == RN_OK)
            rc = put_sample(b, f, "_bucket", s, buf_str(&le), (double)cum);
        buf_free(&le);
    }
    if (rc == RN_OK)
        rc = put_sample(b, f, "_bucket", s, "+Inf", (double)s->count);
    if (rc == RN_OK)
        rc = put_sample(b, f, "_sum", s, NULL, s->v);
    if (rc == RN_OK)
        rc = put_sample(b, f, "_count", s, NULL, (double)s->count);
    return rc;
}

static int cmp_series(const void *a, const void *b)
{
    const struct series *x = *(const struct series *const *)a;
    const struct series *y = *(const struct series *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static int cmp_family(const void *a, const void *b)
{
    const struct family *x = *(const struct family *const *)a;
    const struct family *y = *(const struct family *const *)b;
    return strcmp(x->name, y->name);
}

static const char *const type_names[] = {"counter", "gauge", "histogram"};

static int put_family(struct buf *b, const struct family *f)
{
    size_t n = map_len(&f->series), i = 0, j = 0, kl;
    const char *k;
    void *v;
    if (n == 0)
        return RN_OK;
    struct series **all = rn_malloc(n * sizeof *all);
    if (!all)
        return RN_ENOMEM;
    while (map_next(&f->series, &i, &k, &kl, &v))
        all[j++] = v;
    qsort(all, n, sizeof *all, cmp_series);
    int rc = buf_add_fmt(b, "# HELP %s ", f->name);
    if (rc == RN_OK)
        rc = put_escaped(b, f->help, false);
    if (rc == RN_OK)
        rc = buf_add_fmt(b, "\n# TYPE %s %s\n", f->name, type_names[f->type]);
    for (i = 0; rc == RN_OK && i < n; i++)
        rc = f->type == CTL_HISTOGRAM
                 ? put_histogram(b, f, all[i])
                 : put_sample(b, f, "", all[i], NULL, all[i]->v);
    rn_free(all);
    return rc;
}

/* Appends to out; RN_ENOMEM / RN_ELIMIT from the buffer. */
int ctl_metrics_render(struct ctl_metrics *m, struct buf *out)
{
    pthread_mutex_lock(&m->mu);
    int rc = RN_OK;
    struct family **order = m->n ? rn_malloc(m->n * sizeof *order) : NULL;
    if (m->n && !order)
        rc = RN_ENOMEM;
    if (order) {
        memcpy(order, m->fams, m->n * sizeof *order);
        qsort(order, m->n, sizeof *order, cmp_family);
    }
    for (size_t i = 0; rc == RN_OK && i < m->n; i++)
        rc = put_family(out, order[i]);
    pthread_mutex_unlock(&m->mu);
    rn_free(order);
    return rc;
}
