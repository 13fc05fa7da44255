/*
 * bench_informer.c: informer/… rows, the memory of the controller's cache.
 *
 * 10,000 distinct copies of the bench Rollout (compact JSON, with
 * metadata.name, uid, resourceVersion and the team label varied) are
 * parsed in int64 mode, as the informer decodes a list or a watch, and all
 * kept.  Each row reports the RSS they add, the bytes per Rollout, the
 * ratio against Go's map cache (240 MB for the same 10,000 Rollouts, a
 * figure BASELINE.md does not list) and the time per parse.
 *
 * Two layouts are measured, each in a child process of its own, so that
 * neither reuses memory the other freed: "arena" is a doc whose values sit
 * in its own chunked arena (doc_new + json_parse, the layout before frozen
 * documents were compacted), "frozen" is json_parse_doc with a reusable
 * builder (one exact-size block per doc, shared strings interned).
 */
#include "bench.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/doc.h"
#include "core/err.h"
#include "core/intern.h"
#include "core/json.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NDOCS 10000
#define GO_MAP_CACHE_BYTES 240e6 /* Go's map cache for NDOCS Rollouts */
#define NVARY 4

/* The compact Rollout cut around the values that vary per copy. */
struct tmpl {
    const char *seg[NVARY + 1];
    size_t seglen[NVARY + 1];
    int order[NVARY]; /* which varied field each cut is */
    struct buf text;  /* owns the segments */
};

enum field { F_NAME, F_UID, F_RV, F_TEAM };
static const char *const needle[NVARY] = {
    [F_NAME] = "\"name\":\"rollouts-demo\"",
    [F_UID] = "\"uid\":\"5c1e7d2a-1f0b-4b1e-9a34-0e6a4f3c0481\"",
    [F_RV] = "\"resourceVersion\":\"101261\"",
    [F_TEAM] = "\"team\":\"payments\"",
};

struct mem_result {
    double rss, heap, ns_per_parse;
    int ok;
};

static int cmp_pos(const void *a, const void *b, void *pos)
{
    const size_t *p = pos;
    return (p[*(const int *)a] > p[*(const int *)b]) -
           (p[*(const int *)a] < p[*(const int *)b]);
}

/* Cut the compact JSON of the Rollout at the first occurrence of each
 * needle (metadata's fields come first in sorted key order). */
static int tmpl_init(struct tmpl *t, const struct bench_inputs *in)
{
    struct rn_err e;
    size_t pos[NVARY];
    buf_init(&t->text, 0);
    if (json_emit(&t->text, in->rollout->root, NULL, &e) != RN_OK)
        return -1;
    const char *s = buf_str(&t->text);
    for (int f = 0; f < NVARY; f++) {
        const char *at = strstr(s, needle[f]);
        if (!at)
            return -1;
        pos[f] = (size_t)(at - s);
        t->order[f] = f;
    }
    qsort_r(t->order, NVARY, sizeof *t->order, cmp_pos, pos);
    size_t from = 0;
    for (int k = 0; k < NVARY; k++) {
        int f = t->order[k];
        t->seg[k] = s + from;
        t->seglen[k] = pos[f] - from;
        from = pos[f] + strlen(needle[f]);
    }
    t->seg[NVARY] = s + from;
    t->seglen[NVARY] = t->text.len - from;
    return 0;
}

/* Copy i of the Rollout into b. */
static int tmpl_make(const struct tmpl *t, int i, struct buf *b)
{
    int rc = RN_OK;
    buf_reset(b);
    for (int k = 0; k < NVARY && rc == RN_OK; k++) {
        rc = buf_add(b, t->seg[k], t->seglen[k]);
        switch (rc == RN_OK ? t->order[k] : -1) {
        case F_NAME:
            rc = buf_add_fmt(b, "\"name\":\"rollouts-demo-%05d\"", i);
            break;
        case F_UID:
            rc = buf_add_fmt(b, "\"uid\":\"5c1e7d2a-1f0b-4b1e-9a34-%012x\"", i);
            break;
        case F_RV:
            rc = buf_add_fmt(b, "\"resourceVersion\":\"%d\"", 101261 + i);
            break;
        case F_TEAM:
            rc = buf_add_fmt(b, "\"team\":\"team-%02d\"", i % 40);
            break;
        }
    }
    return rc == RN_OK ? buf_add(b, t->seg[NVARY], t->seglen[NVARY]) : rc;
}

static double rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The layout before compaction: the doc's own arena holds its values. */
static struct doc *parse_arena(const struct buf *b, struct doc_builder *db)
{
    static const struct json_opts o = {.nums = JSON_NUM_INT64};
    struct rn_err e;
    struct doc *d = doc_new();
    (void)db;
    if (d && json_parse(&d->arena, b->ptr, b->len, &o, &d->root, &e)) {
        doc_unref(d);
        return NULL;
    }
    return d;
}

static struct doc *parse_frozen(const struct buf *b, struct doc_builder *db)
{
    static const struct json_opts o = {.nums = JSON_NUM_INT64};
    struct rn_err e;
    return json_parse_doc_with(db, b->ptr, b->len, &o, &e);
}

typedef struct doc *parse_fn(const struct buf *b, struct doc_builder *db);

/* In the child: parse NDOCS copies, keep them, measure. */
static struct mem_result fill_cache(const struct tmpl *t, parse_fn *parse)
{
    struct mem_result r = {0};
    struct doc **docs = rn_calloc(NDOCS, sizeof *docs);
    struct doc_builder db;
    struct buf b;
    doc_builder_init(&db);
    buf_init(&b, 0);
    if (!docs || tmpl_make(t, 0, &b) != RN_OK)
        return r;
    malloc_trim(0);
    double rss0 = rss_bytes(), ns = 0;
    double heap0 = (double)mallinfo2().uordblks;
    for (int i = 0; i < NDOCS; i++) {
        if (tmpl_make(t, i, &b) != RN_OK)
            return r;
        double t0 = now_ns();
        docs[i] = parse(&b, &db);
        ns += now_ns() - t0;
        if (!docs[i])
            return r;
    }
    r.rss = rss_bytes() - rss0;
    r.heap = (double)mallinfo2().uordblks - heap0;
    r.ns_per_parse = ns / NDOCS;
    r.ok = 1;
    return r;
}

/* Run fill_cache in a child so it starts from a heap of its own. */
static struct mem_result measure_child(const struct tmpl *t, parse_fn *parse)
{
    struct mem_result r = {0};
    int fds[2];
    if (pipe(fds) != 0)
        return r;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        r = fill_cache(t, parse);
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    if (pid < 0 || read(fds[0], &r, sizeof r) != (ssize_t)sizeof r)
        r.ok = 0;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    return r;
}

static void report(const char *layout, struct mem_result r)
{
    char name[64];
    snprintf(name, sizeof name, "rollouts-10k-%s", layout);
    if (!r.ok) {
        bench_fail_row("informer", name, "the measuring child failed");
        return;
    }
    printf("informer/%s: %d Rollouts add %.1f MB RSS (%.0f B/Rollout; "
           "heap %.0f B/Rollout), %.0f ns/parse; Go map cache 240 MB: "
           "%.1fx less\n",
           name, NDOCS, r.rss / 1e6, r.rss / NDOCS, r.heap / NDOCS,
           r.ns_per_parse, GO_MAP_CACHE_BYTES / r.rss);
    bench_record_memory("informer", name, r.ns_per_parse, r.rss, NDOCS,
                        GO_MAP_CACHE_BYTES);
}

void bench_informer(const struct bench_inputs *in)
{
    struct tmpl t;
    if (!bench_wanted("informer", "rollouts-10k"))
        return;
    if (tmpl_init(&t, in) != 0) {
        bench_fail_row("informer", "rollouts-10k",
                       "the bench Rollout lacks a field the copies vary");
        buf_free(&t.text);
        return;
    }
    report("arena", measure_child(&t, parse_arena));
    report("frozen", measure_child(&t, parse_frozen));
    buf_free(&t.text);
}
