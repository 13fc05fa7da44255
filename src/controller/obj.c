/*
 * obj.c: reading the Kubernetes objects the controller handles (paths of
 * string and number fields, metav1 times), and the evaluation variables
 * of a Rollout, with the `analysisRuns` lookup over the AnalysisRun cache
 * and the number mode of each trigger path.
 */
#include "controller_int.h"

#include "../core/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct val *ctl_get(struct val obj, const char *a, const char *b)
{
    const struct val *v = val_get_cstr(obj, a);
    return v && b ? val_get_cstr(*v, b) : v;
}

const char *ctl_str(struct val obj, const char *a, const char *b)
{
    const struct val *v = ctl_get(obj, a, b);
    return v && v->kind == VAL_STRING ? v->u.s : "";
}

int64_t ctl_int(struct val obj, const char *a, const char *b)
{
    const struct val *v = ctl_get(obj, a, b);
    if (v && v->kind == VAL_INT)
        return v->u.i;
    if (v && v->kind == VAL_FLOAT)
        return (int64_t)v->u.f;
    return 0;
}

const char *ctl_meta(struct val obj, const char *field)
{
    return ctl_str(obj, "metadata", field);
}

/* "2024-05-01T12:00:05Z" (optionally with a fraction) as unix
 * milliseconds; 0 when absent or malformed. */
int64_t ctl_time_ms(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int frac = 0, digits = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                frac = frac * 10 + (*p - '0');
        while (digits > 0 && digits < 3)
            frac *= 10, digits++;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + frac;
}

/* When an Event happened: the last occurrence, else the first, else the
 * event time (MicroTime), else its creation. */
int64_t ctl_event_time_ms(struct val ev)
{
    static const char *const fields[] = {"lastTimestamp", "firstTimestamp",
                                         "eventTime"};
    for (size_t i = 0; i < 3; i++) {
        int64_t t = ctl_time_ms(ctl_str(ev, fields[i], NULL));
        if (t)
            return t;
    }
    return ctl_time_ms(ctl_meta(ev, "creationTimestamp"));
}

struct runs_acc {
    const char *ns;
    struct val *items;
    size_t n, cap;
    struct arena *a;
};

static void collect(void *ud, struct doc *d)
{
    struct runs_acc *x = ud;
    if (strcmp(ctl_meta(d->root, "namespace"), x->ns) != 0)
        return;
    if (x->n == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 16;
        struct val *ni =
            arena_grow(x->a, x->items, x->cap * sizeof *ni, ncap * sizeof *ni);
        if (!ni)
            return;
        x->items = ni;
        x->cap = ncap;
    }
    x->items[x->n++] = d->root;
}

int ctl_vars(struct ctl *c, const struct ctl_conf *conf, struct val rollout,
             bool floats, struct arena *a, struct val *out)
{
    struct runs_acc x = {ctl_meta(rollout, "namespace"), NULL, 0, 0, a};
    struct val runs, obj = rollout;
    if (c->ar)
        kube_informer_each(c->ar, collect, &x);
    int rc = eng_analysis_runs(a, rollout, x.items, x.n, &runs);
    if (rc == RN_OK && floats) {
        rc = eng_float_numbers(a, rollout, &obj);
        if (rc == RN_OK)
            rc = eng_float_numbers(a, runs, &runs);
    }
    if (rc == RN_OK)
        rc = eng_vars(conf->cfg, obj, &runs, a, out);
    return rc;
}
