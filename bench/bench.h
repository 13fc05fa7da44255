/*
 * bench.h: the benchmark harness shared by the bench_*.c groups.  Each
 * measurement is a function run in a calibrated loop; the harness keeps
 * the median of several runs, heap allocations and bytes per operation,
 * and the matching Go reference row of BASELINE.md.
 */
#ifndef RN_BENCH_H
#define RN_BENCH_H

#include "core/val.h"

#include <stddef.h>

struct arena;

/* One operation; returns the arena bytes it used (counted as bytes/op). */
typedef size_t bench_op(void *ctx);

struct bench_inputs {
    const char *shared_dir;  /* ../shared/bench */
    struct doc *workload;    /* workload.json */
    struct doc *configmap;   /* notifications-configmap.yaml */
    char *rollout_json;      /* rollout-canary.json text */
    size_t rollout_len;
    struct doc *rollout;     /* decoded, float64 numbers */
};

/* Measure op and record it as group/name; mbytes > 0 adds MB/s. */
void bench_measure(const char *group, const char *name, bench_op *op,
                   void *ctx, size_t mbytes);
/* A case that could not run: printed as "rn-bench: case group/name
 * failed: why"; rn-bench then exits 1 (after writing what it measured),
 * so `make bench` fails naming it. */
void bench_fail(const char *group, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Does --filter select group/name? */
int bench_wanted(const char *group, const char *name);
/* Record a memory row: n objects took rss bytes and ns each to make;
 * go_bytes is what Go takes for the same n (0: unknown). */
void bench_record_memory(const char *group, const char *name, double ns,
                         double rss, int n, double go_bytes);

void bench_templates(const struct bench_inputs *in);
void bench_conditions(const struct bench_inputs *in);
void bench_event(const struct bench_inputs *in);
void bench_json(const struct bench_inputs *in);
void bench_informer(const struct bench_inputs *in);

/* Read a whole file (malloc'ed, NUL-terminated); NULL on error. */
char *bench_slurp(const char *dir, const char *name, size_t *len);

#endif
