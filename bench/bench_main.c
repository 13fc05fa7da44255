/*
 * bench_main.c: rn-bench [--shared DIR] [--json FILE] [--filter TEXT]
 *
 * Runs every benchmark group, prints a table with ns/op, allocations,
 * bytes, MB/s and the speed-up against the Go reference of BASELINE.md,
 * the peak memory of the process, and writes the results as JSON.
 */
#include "bench.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "core/json.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_RESULTS 128
#define RUNS 5
#define TARGET_NS 200000000.0 /* per run */

struct result {
    char group[32], name[64];
    double ns, allocs, bytes, mbps;
};

struct baseline {
    char group[32], name[64];
    double ns, allocs, bytes;
};

struct memrow {
    char group[32], name[64];
    double ns, rss, go_bytes;
    int n;
};

static struct result results[MAX_RESULTS];
static int nresults;
static struct memrow memrows[MAX_RESULTS];
static int nmemrows;
static struct baseline baselines[MAX_RESULTS];
static int nbaselines;
static const char *filter;
static int nfailed;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

char *bench_slurp(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_add(&b, chunk, n) != RN_OK)
            break;
    fclose(f);
    return buf_take(&b, len);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double time_loop(bench_op *op, void *ctx, long iters, size_t *abytes)
{
    double t0 = now_ns();
    for (long i = 0; i < iters; i++)
        *abytes = op(ctx);
    return (now_ns() - t0) / (double)iters;
}

void bench_fail(const char *group, const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "rn-bench: case %s/%s failed: ", group, name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    nfailed++;
}

int bench_wanted(const char *group, const char *name)
{
    return !filter || strstr(name, filter) || strstr(group, filter);
}

void bench_measure(const char *group, const char *name, bench_op *op,
                   void *ctx, size_t mbytes)
{
    if (!bench_wanted(group, name) || nresults == MAX_RESULTS)
        return;
    size_t abytes = 0;
    long iters = 1;
    double t;
    while ((t = time_loop(op, ctx, iters, &abytes)) * (double)iters < 2e7)
        iters *= 4;
    iters = (long)(TARGET_NS / t) + 1;
    double runs[RUNS];
    unsigned long long c0, b0, c1, b1;
    rn_alloc_stats(&c0, &b0);
    for (int r = 0; r < RUNS; r++)
        runs[r] = time_loop(op, ctx, iters, &abytes);
    rn_alloc_stats(&c1, &b1);
    qsort(runs, RUNS, sizeof *runs, cmp_double);
    struct result *res = &results[nresults++];
    snprintf(res->group, sizeof res->group, "%s", group);
    snprintf(res->name, sizeof res->name, "%s", name);
    res->ns = runs[RUNS / 2];
    double total = (double)iters * RUNS;
    res->allocs = (double)(c1 - c0) / total;
    res->bytes = (double)(b1 - b0) / total + (double)abytes;
    res->mbps = mbytes ? (double)mbytes / res->ns * 1e3 : 0;
}

/* A memory row also appears in the table, with bytes per object. */
void bench_record_memory(const char *group, const char *name, double ns,
                         double rss, int n, double go_bytes)
{
    if (nmemrows == MAX_RESULTS || nresults == MAX_RESULTS || n <= 0)
        return;
    struct memrow *m = &memrows[nmemrows++];
    snprintf(m->group, sizeof m->group, "%s", group);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->ns = ns;
    m->rss = rss;
    m->n = n;
    m->go_bytes = go_bytes;
    struct result *r = &results[nresults++];
    memset(r, 0, sizeof *r);
    memcpy(r->group, m->group, sizeof r->group);
    memcpy(r->name, m->name, sizeof r->name);
    r->ns = ns;
    r->bytes = rss / n;
}

/* BASELINE.md rows: | group | name | ns/op | allocs/op | B/op | */
static void load_baseline(const char *dir)
{
    size_t len;
    char *text = bench_slurp(dir, "BASELINE.md", &len);
    if (!text)
        return;
    for (char *line = text; line && *line && nbaselines < MAX_RESULTS;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        struct baseline *b = &baselines[nbaselines];
        if (sscanf(line, "| %31[a-z] | %63[a-z0-9+-] | %lf | %lf | %lf |",
                   b->group, b->name, &b->ns, &b->allocs, &b->bytes) == 5)
            nbaselines++;
        line = next;
    }
    rn_free(text);
}

static const struct baseline *find_baseline(const struct result *r)
{
    for (int i = 0; i < nbaselines; i++)
        if (!strcmp(baselines[i].group, r->group) &&
            !strcmp(baselines[i].name, r->name))
            return &baselines[i];
    return NULL;
}

static void print_table(void)
{
    printf("%-10s %-32s %12s %9s %10s %9s %10s\n", "group", "name", "ns/op",
           "allocs/op", "B/op", "MB/s", "vs Go");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        const struct baseline *b = find_baseline(r);
        char ratio[32] = "-", mbps[32] = "-";
        if (b)
            snprintf(ratio, sizeof ratio, "%.1fx", b->ns / r->ns);
        if (r->mbps > 0)
            snprintf(mbps, sizeof mbps, "%.0f", r->mbps);
        printf("%-10s %-32s %12.0f %9.1f %10.0f %9s %10s\n", r->group,
               r->name, r->ns, r->allocs, r->bytes, mbps, ratio);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory (max RSS): %.1f MiB\n", (double)ru.ru_maxrss / 1024);
}

static int write_json(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    fprintf(f, "{\"results\": [");
    for (int i = 0; i < nresults; i++) {
        const struct result *r = &results[i];
        fprintf(f,
                "%s\n  {\"group\": \"%s\", \"name\": \"%s\", "
                "\"ns_per_op\": %.1f, \"allocs_per_op\": %.2f, "
                "\"bytes_per_op\": %.1f}",
                i ? "," : "", r->group, r->name, r->ns, r->allocs, r->bytes);
    }
    fprintf(f, "\n], \"memory\": [");
    for (int i = 0; i < nmemrows; i++) {
        const struct memrow *m = &memrows[i];
        fprintf(f,
                "%s\n  {\"group\": \"%s\", \"name\": \"%s\", "
                "\"objects\": %d, \"rss_bytes\": %.0f, "
                "\"bytes_per_object\": %.1f, \"ns_per_parse\": %.1f, "
                "\"go_map_cache_bytes\": %.0f, \"vs_go\": %.2f}",
                i ? "," : "", m->group, m->name, m->n, m->rss, m->rss / m->n,
                m->ns, m->go_bytes,
                m->go_bytes > 0 && m->rss > 0 ? m->go_bytes / m->rss : 0);
    }
    fprintf(f, "\n]}\n");
    return fclose(f) != 0;
}

static int load_inputs(struct bench_inputs *in)
{
    struct rn_err e = {0};
    size_t len;
    char *text = bench_slurp(in->shared_dir, "workload.json", &len);
    if (!text || !(in->workload = json_parse_doc(text, len, NULL, &e))) {
        fprintf(stderr, "rn-bench: workload.json: %s\n",
                text ? e.msg : "cannot read");
        rn_free(text);
        return 1;
    }
    rn_free(text);
    text = bench_slurp(in->shared_dir, "notifications-configmap.yaml", &len);
    struct goyaml_opts yo = {.src = "notifications-configmap.yaml"};
    if (!text || !(in->configmap = goyaml_parse_doc(text, len, &yo, &e))) {
        fprintf(stderr, "rn-bench: configmap: %s\n",
                text ? e.msg : "cannot read");
        rn_free(text);
        return 1;
    }
    rn_free(text);
    in->rollout_json =
        bench_slurp(in->shared_dir, "rollout-canary.json", &in->rollout_len);
    if (!in->rollout_json)
        return 1;
    in->rollout = json_parse_doc(in->rollout_json, in->rollout_len, NULL, &e);
    return in->rollout ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct bench_inputs in = {.shared_dir = "../shared/bench"};
    const char *json_out = NULL;
    static const struct option opts[] = {
        {"shared", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},
        {"filter", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "s:j:f:h", opts, NULL)) != -1) {
        if (c == 's')
            in.shared_dir = optarg;
        else if (c == 'j')
            json_out = optarg;
        else if (c == 'f')
            filter = optarg;
        else {
            printf("usage: rn-bench [--shared DIR] [--json FILE] "
                   "[--filter TEXT]\n");
            return c == 'h' ? 0 : 1;
        }
    }
    setenv("TZ", "UTC", 1);
    if (load_inputs(&in) != 0)
        return 1;
    load_baseline(in.shared_dir);
    bench_informer(&in); /* first: its children fork from a small heap */
    bench_templates(&in);
    bench_conditions(&in);
    bench_event(&in);
    bench_json(&in);
    print_table();
    int rc = json_out ? write_json(json_out) : 0;
    if (nfailed) {
        fprintf(stderr, "rn-bench: %d case%s failed\n", nfailed,
                nfailed == 1 ? "" : "s");
        rc = 1;
    }
    doc_unref(in.workload);
    doc_unref(in.configmap);
    doc_unref(in.rollout);
    rn_free(in.rollout_json);
    return rc;
}
