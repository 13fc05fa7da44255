/*
 * test_metrics.c: the Prometheus registry of src/controller/metrics.c.
 * Renders registries and parses the text back with a small parser of the
 * exposition format 0.0.4 (HELP/TYPE lines, samples with escaped label
 * values, histogram buckets), checking names, labels, buckets, number
 * spelling, order, forgetting a Rollout's series, the declaration rules,
 * and updates racing a render.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "controller/controller_int.h"
#include "core/alloc.h"
#include "core/buf.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a parser of the text format ---- */

struct sample {
    char name[128];
    char type[16]; /* of its family */
    int nlabels;
    char lname[10][32];
    char lval[10][128];
    char value[64];
};

struct parsed {
    struct sample s[256];
    int n;
    char families[32][128];
    int nfam;
};

/* Label value until the closing quote, unescaping \\ \" \n. */
static const char *parse_lval(const char *p, char *out, size_t cap)
{
    size_t o = 0;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            assert_true(c == '\\' || c == '"' || c == 'n');
            c = c == 'n' ? '\n' : c;
        }
        assert_true(o + 1 < cap);
        out[o++] = c;
    }
    assert_int_equal(*p, '"');
    out[o] = '\0';
    return p + 1;
}

static const char *parse_labels(const char *p, struct sample *s)
{
    while (*p != '}') {
        size_t n = strcspn(p, "=");
        assert_true(n > 0 && n < sizeof s->lname[0]);
        memcpy(s->lname[s->nlabels], p, n);
        s->lname[s->nlabels][n] = '\0';
        p += n;
        assert_memory_equal(p, "=\"", 2);
        p = parse_lval(p + 2, s->lval[s->nlabels], sizeof s->lval[0]);
        s->nlabels++;
        if (*p == ',')
            p++;
        else
            assert_int_equal(*p, '}');
    }
    return p + 1;
}

static void parse_sample(struct parsed *ps, const char *line, const char *type,
                         const char *family)
{
    struct sample *s = &ps->s[ps->n++];
    memset(s, 0, sizeof *s);
    size_t n = strcspn(line, "{ ");
    memcpy(s->name, line, n);
    s->name[n] = '\0';
    /* a sample belongs to the family of the last TYPE line */
    assert_memory_equal(s->name, family, strlen(family));
    snprintf(s->type, sizeof s->type, "%s", type);
    const char *p = line + n;
    if (*p == '{')
        p = parse_labels(p + 1, s);
    assert_int_equal(*p, ' ');
    snprintf(s->value, sizeof s->value, "%s", p + 1);
    char *end;
    double v = strtod(s->value, &end);
    (void)v;
    assert_int_equal(*end, '\0');
}

static void parse(const char *text, struct parsed *ps)
{
    char type[16] = "", family[128] = "", line[1024];
    memset(ps, 0, sizeof *ps);
    for (const char *p = text, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends with a newline */
        assert_true((size_t)(nl - p) < sizeof line);
        memcpy(line, p, (size_t)(nl - p));
        line[nl - p] = '\0';
        if (strncmp(line, "# HELP ", 7) == 0) {
            size_t n = strcspn(line + 7, " ");
            memcpy(family, line + 7, n);
            family[n] = '\0';
            snprintf(ps->families[ps->nfam++], sizeof ps->families[0], "%s",
                     family);
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            size_t n = strlen(family);
            assert_memory_equal(line + 7, family, n);
            snprintf(type, sizeof type, "%s", line + 8 + n);
        } else {
            parse_sample(ps, line, type, family);
        }
    }
}

static const char *label(const struct sample *s, const char *name)
{
    for (int i = 0; i < s->nlabels; i++)
        if (strcmp(s->lname[i], name) == 0)
            return s->lval[i];
    return NULL;
}

static char *render(struct ctl_metrics *m)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    assert_int_equal(ctl_metrics_render(m, &b), RN_OK);
    size_t n;
    char *s = b.len ? buf_take(&b, &n) : NULL;
    if (!s) {
        s = rn_calloc(1, 1);
        assert_non_null(s);
    }
    return s;
}

static void release(char *s)
{
    rn_free(s);
}

/* ---- the families the controller declares ---- */

static const char *const ev_labels[] = {"namespace", "name", "type", "reason"};
static const char *const h_labels[] = {"namespace", "name"};
static const double h_buckets[] = {0.01, 0.15, 0.25, 0.5, 1};

struct upstream {
    int ok, err, hist;
};

static void declare_upstream(struct ctl_metrics *m, struct upstream *u)
{
    u->ok = ctl_metric_family(m, "notification_send_success",
                              "Number of successful notification sends",
                              CTL_COUNTER, ev_labels, 4, NULL, 0);
    u->err = ctl_metric_family(m, "notification_send_error",
                               "Number of failed notification sends",
                               CTL_COUNTER, ev_labels, 4, NULL, 0);
    u->hist = ctl_metric_family(m, "notification_send",
                                "Notification send performance.", CTL_HISTOGRAM,
                                h_labels, 2, h_buckets, 5);
    assert_true(u->ok >= 0 && u->err >= 0 && u->hist >= 0);
}

static void upstream_families(void **state)
{
    (void)state;
    struct ctl_metrics *m;
    struct upstream u;
    assert_int_equal(ctl_metrics_new(&m), RN_OK);
    declare_upstream(m, &u);
    const char *a[] = {"prod", "web", "Normal", "RolloutCompleted"};
    const char *b[] = {"dev", "api", "Warning", "RolloutAborted"};
    ctl_metric_add(m, u.ok, a, 1);
    ctl_metric_add(m, u.ok, a, 1);
    ctl_metric_add(m, u.ok, b, 1);
    ctl_metric_add(m, u.err, b, 1);
    const char *h[] = {"prod", "web"};
    double obs[] = {0.0078125, 0.25, 0.75, 3};
    for (int i = 0; i < 4; i++)
        ctl_metric_observe(m, u.hist, h, obs[i]);
    char *text = render(m);
    assert_string_equal(
        text,
        "# HELP notification_send Notification send performance.\n"
        "# TYPE notification_send histogram\n"
        "notification_send_bucket{namespace=\"prod\",name=\"web\",le=\"0.01\"}"
        " 1\n"
        "notification_send_bucket{namespace=\"prod\",name=\"web\",le=\"0.15\"}"
        " 1\n"
        "notification_send_bucket{namespace=\"prod\",name=\"web\",le=\"0.25\"}"
        " 2\n"
        "notification_send_bucket{namespace=\"prod\",name=\"web\",le=\"0.5\"}"
        " 2\n"
        "notification_send_bucket{namespace=\"prod\",name=\"web\",le=\"1\"} 3\n"
        "notification_send_bucket{namespace=\"prod\",name=\"web\",le=\"+Inf\"}"
        " 4\n"
        "notification_send_sum{namespace=\"prod\",name=\"web\"} 4.0078125\n"
        "notification_send_count{namespace=\"prod\",name=\"web\"} 4\n"
        "# HELP notification_send_error Number of failed notification sends\n"
        "# TYPE notification_send_error counter\n"
        "notification_send_error{namespace=\"dev\",name=\"api\",type="
        "\"Warning\","
        "reason=\"RolloutAborted\"} 1\n"
        "# HELP notification_send_success Number of successful notification "
        "sends\n"
        "# TYPE notification_send_success counter\n"
        "notification_send_success{namespace=\"dev\",name=\"api\","
        "type=\"Warning\",reason=\"RolloutAborted\"} 1\n"
        "notification_send_success{namespace=\"prod\",name=\"web\","
        "type=\"Normal\",reason=\"RolloutCompleted\"} 2\n");
    /* and the same through the parser */
    struct parsed *ps = calloc(1, sizeof *ps);
    assert_non_null(ps);
    parse(text, ps);
    assert_int_equal(ps->nfam, 3);
    assert_int_equal(ps->n, 11);
    const char *les[] = {"0.01", "0.15", "0.25", "0.5", "1", "+Inf"};
    double prev = 0;
    for (int i = 0; i < 6; i++) {
        const struct sample *s = &ps->s[i];
        assert_string_equal(s->name, "notification_send_bucket");
        assert_string_equal(s->type, "histogram");
        assert_string_equal(label(s, "namespace"), "prod");
        assert_string_equal(label(s, "le"), les[i]);
        double v = strtod(s->value, NULL);
        assert_true(v >= prev); /* cumulative */
        prev = v;
    }
    assert_string_equal(ps->s[7].name, "notification_send_count");
    assert_string_equal(ps->s[7].value, ps->s[5].value);
    free(ps);
    release(text);
    ctl_metrics_free(m);
}

static void escaping_and_numbers(void **state)
{
    (void)state;
    struct ctl_metrics *m;
    assert_int_equal(ctl_metrics_new(&m), RN_OK);
    const char *l[] = {"v"};
    int g = ctl_metric_family(m, "rnotify_test_gauge", "a \\ help\nline",
                              CTL_GAUGE, l, 1, NULL, 0);
    int plain = ctl_metric_family(m, "rnotify_plain", "no labels", CTL_GAUGE,
                                  NULL, 0, NULL, 0);
    assert_true(g >= 0 && plain >= 0);
    struct {
        const char *lv;
        double v;
        const char *want;
    } cases[] = {
        {"a", 1e6, "1000000"},
        {"b", 0.5, "0.5"},
        {"c", NAN, "NaN"},
        {"d", INFINITY, "+Inf"},
        {"e", -INFINITY, "-Inf"},
        {"f", 1e20, "1e+20"},
        {"g", 1.5e-7, "1.5e-07"},
        {"h", -3, "-3"},
        {"i", 123456789012, "123456789012"},
        {"j", 0.1 + 0.2, "0.30000000000000004"},
        {"q\\\"x\ny", 7, "7"},
    };
    size_t n = sizeof cases / sizeof *cases;
    for (size_t i = 0; i < n; i++) {
        const char *v[] = {cases[i].lv};
        ctl_metric_set(m, g, v, cases[i].v);
    }
    char *text = render(m);
    /* HELP escapes backslash and newline only */
    assert_non_null(
        strstr(text, "# HELP rnotify_test_gauge a \\\\ help\\nline\n"));
    /* the unlabelled gauge exists before any update */
    assert_non_null(
        strstr(text, "# TYPE rnotify_plain gauge\nrnotify_plain 0\n"));
    assert_non_null(
        strstr(text, "rnotify_test_gauge{v=\"q\\\\\\\"x\\ny\"} 7\n"));
    struct parsed *ps = calloc(1, sizeof *ps);
    assert_non_null(ps);
    parse(text, ps);
    assert_int_equal(ps->n, (int)n + 1);
    for (size_t i = 0; i < n; i++) {
        /* sorted by label value, bytewise */
        assert_string_equal(ps->s[1 + i].lval[0], cases[i].lv);
        assert_string_equal(ps->s[1 + i].value, cases[i].want);
    }
    free(ps);
    release(text);
    ctl_metrics_free(m);
}

static void declarations(void **state)
{
    (void)state;
    struct ctl_metrics *m;
    assert_int_equal(ctl_metrics_new(&m), RN_OK);
    const char *ok[] = {"service"};
    const char *dup[] = {"a", "a"};
    const char *le[] = {"le"};
    const char *reserved[] = {"__x"};
    const char *bad[] = {"0x"};
    const char *nine[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    double desc[] = {1, 0.5};
    int id = ctl_metric_family(m, "rnotify_x_total", "h", CTL_COUNTER, ok, 1,
                               NULL, 0);
    assert_true(id >= 0);
    /* the same again: the same family */
    assert_int_equal(ctl_metric_family(m, "rnotify_x_total", "h", CTL_COUNTER,
                                       ok, 1, NULL, 0),
                     id);
    const struct {
        const char *name;
        enum ctl_mtype type;
        const char *const *labels;
        size_t nlabels;
        const double *buckets;
        size_t nbuckets;
    } rejected[] = {
        {"rnotify_x_total", CTL_GAUGE, ok, 1, NULL, 0}, /* taken name */
        {"bad-name", CTL_GAUGE, NULL, 0, NULL, 0},
        {"x", CTL_GAUGE, dup, 2, NULL, 0},
        {"x", CTL_HISTOGRAM, le, 1, NULL, 0},
        {"x", CTL_GAUGE, reserved, 1, NULL, 0},
        {"x", CTL_GAUGE, bad, 1, NULL, 0},
        {"x", CTL_GAUGE, nine, 9, NULL, 0},
        {"x", CTL_HISTOGRAM, NULL, 0, desc, 2},
    };
    for (size_t i = 0; i < sizeof rejected / sizeof *rejected; i++)
        assert_int_equal(
            ctl_metric_family(m, rejected[i].name, "h", rejected[i].type,
                              rejected[i].labels, rejected[i].nlabels,
                              rejected[i].buckets, rejected[i].nbuckets),
            -RN_EINVAL);
    /* wrong operations are ignored: counters only go up, set is for
     * gauges, observe for histograms */
    const char *v[] = {"s"};
    ctl_metric_add(m, id, v, 2);
    ctl_metric_add(m, id, v, -1);
    ctl_metric_set(m, id, v, 100);
    ctl_metric_observe(m, id, v, 100);
    ctl_metric_add(m, 99, v, 1);
    ctl_metric_add(NULL, id, v, 1);
    char *text = render(m);
    assert_string_equal(text, "# HELP rnotify_x_total h\n"
                              "# TYPE rnotify_x_total counter\n"
                              "rnotify_x_total{service=\"s\"} 2\n");
    release(text);
    ctl_metrics_free(m);
}

static void forget_rollout(void **state)
{
    (void)state;
    struct ctl_metrics *m;
    struct upstream u;
    assert_int_equal(ctl_metrics_new(&m), RN_OK);
    declare_upstream(m, &u);
    const char *svc[] = {"service"};
    int other = ctl_metric_family(m, "rnotify_other_total", "h", CTL_COUNTER,
                                  svc, 1, NULL, 0);
    const char *a[] = {"prod", "web", "Normal", "R"};
    const char *b[] = {"dev", "web", "Normal", "R"}; /* same name elsewhere */
    const char *c[] = {"prod", "api", "Normal", "R"};
    const char *ha[] = {"prod", "web"}, *hb[] = {"dev", "web"};
    ctl_metric_add(m, u.ok, a, 1);
    ctl_metric_add(m, u.ok, b, 1);
    ctl_metric_add(m, u.ok, c, 1);
    ctl_metric_add(m, u.err, a, 1);
    ctl_metric_observe(m, u.hist, ha, 0.1);
    ctl_metric_observe(m, u.hist, hb, 0.1);
    const char *s1[] = {"slack"};
    ctl_metric_add(m, other, s1, 1);
    const char *names[] = {"namespace", "name"};
    const char *vals[] = {"prod", "web"};
    ctl_metric_forget_match(m, -1, names, vals, 2);
    char *text = render(m);
    struct parsed *ps = calloc(1, sizeof *ps);
    assert_non_null(ps);
    parse(text, ps);
    for (int i = 0; i < ps->n; i++) {
        const char *ns = label(&ps->s[i], "namespace");
        const char *nm = label(&ps->s[i], "name");
        assert_false(ns && nm && !strcmp(ns, "prod") && !strcmp(nm, "web"));
    }
    assert_non_null(strstr(text, "namespace=\"dev\",name=\"web\""));
    assert_non_null(strstr(text, "namespace=\"prod\",name=\"api\""));
    assert_non_null(strstr(text, "rnotify_other_total{service=\"slack\"} 1\n"));
    /* the error family lost its only series and is left out */
    assert_null(strstr(text, "notification_send_error"));
    release(text);
    /* one label, one family */
    ctl_metric_forget(m, u.ok, "name", "web");
    text = render(m);
    assert_null(strstr(text, "notification_send_success{namespace=\"dev\""));
    assert_non_null(
        strstr(text, "notification_send_success{namespace=\"prod\""));
    assert_non_null(strstr(text, "notification_send_bucket{namespace=\"dev\""));
    release(text);
    free(ps);
    ctl_metrics_free(m);
}

struct race {
    struct ctl_metrics *m;
    int fam;
    _Atomic int stop;
};

static void *updater(void *ud)
{
    struct race *r = ud;
    char name[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "r%d", i % 50);
        const char *v[] = {"ns", name};
        ctl_metric_observe(r->m, r->fam, v, (double)(i % 7) / 10);
        if (i % 1000 == 0)
            ctl_metric_forget(r->m, r->fam, "name", name);
    }
    r->stop = 1;
    return NULL;
}

static void update_while_rendering(void **state)
{
    (void)state;
    struct race r = {0};
    assert_int_equal(ctl_metrics_new(&r.m), RN_OK);
    r.fam = ctl_metric_family(r.m, "rnotify_race_seconds", "h", CTL_HISTOGRAM,
                              h_labels, 2, h_buckets, 5);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, updater, &r), 0);
    int renders = 0;
    while (!r.stop || renders == 0) {
        char *text = render(r.m);
        /* every histogram series is whole: +Inf bucket equals _count */
        for (const char *p = strstr(text, "le=\"+Inf\"} "); p;
             p = strstr(p + 1, "le=\"+Inf\"} ")) {
            long inf = strtol(p + 11, NULL, 10);
            const char *cnt = strstr(p, "_count{");
            assert_non_null(cnt);
            assert_int_equal(inf, strtol(strchr(cnt, '}') + 2, NULL, 10));
        }
        release(text);
        renders++;
    }
    pthread_join(th, NULL);
    ctl_metrics_free(r.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upstream_families),
        cmocka_unit_test(escaping_and_numbers),
        cmocka_unit_test(declarations),
        cmocka_unit_test(forget_rollout),
        cmocka_unit_test(update_while_rendering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
