/*
 * bench_config.c: config/<name> rows: loading a ConfigMap from its
 * manifest text into a compiled snapshot (cfg_data_from_manifest, then
 * cfg_load), as the CLI does for a file and the controller for each
 * change.  Two inputs: the bundled catalog, and a ConfigMap at the API
 * server's 1 MiB limit (the catalog's templates copied under new names
 * until the data reaches it).  B/op is what one load allocates.
 */
#include "bench.h"

#include "config/config.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"

#include <stdio.h>
#include <string.h>

#define CATALOG "examples/catalog/argo-rollouts-notification-configmap.yaml"
#define CM_NAME "argo-rollouts-notification-configmap"

struct lcase {
    const char *text;
    size_t len;
    struct arena arena;
};

static size_t load_op(void *ctx)
{
    struct lcase *l = ctx;
    struct cfg_data cm;
    struct cfg *cfg = NULL;
    struct rn_err e = {0};
    arena_reset(&l->arena);
    if (cfg_data_from_manifest(&l->arena, l->text, l->len, "ConfigMap", CM_NAME,
                               "bench", &cm, &e) != RN_OK ||
        cfg_load(&cm, NULL, NULL, &cfg, &e) != RN_OK)
        bench_fail("%s", e.msg);
    else if (cfg_error_count(cfg))
        bench_fail("%s: %s", cfg_error_at(cfg, 0)->key,
                   cfg_error_at(cfg, 0)->msg);
    cfg_unref(cfg);
    return l->arena.used;
}

/* One data entry as a block scalar. */
static int put_entry(struct buf *b, const char *key, size_t klen,
                     const char *suffix, const struct cfg_entry *en)
{
    int rc = buf_add_fmt(b, "  %.*s%s: |\n", (int)klen, key, suffix);
    const char *v = en->value, *end = en->value + en->vlen;
    while (rc == RN_OK && v < end) {
        const char *nl = memchr(v, '\n', (size_t)(end - v));
        size_t n = nl ? (size_t)(nl - v) : (size_t)(end - v);
        rc = buf_add_fmt(b, "    %.*s\n", (int)n, v);
        v += n + (nl ? 1 : 0);
    }
    return rc;
}

/* The catalog's keys once, then its templates copied as template.X-N
 * while the data stays within the API limit. */
static int at_limit(const struct cfg_data *cat, struct buf *b)
{
    size_t data = 0;
    int rc = buf_add_fmt(b,
                         "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                         "  name: %s\ndata:\n",
                         CM_NAME);
    for (size_t i = 0; rc == RN_OK && i < cat->n; i++) {
        rc = put_entry(b, cat->items[i].key, cat->items[i].klen, "",
                       &cat->items[i]);
        data += cat->items[i].klen + cat->items[i].vlen;
    }
    for (int copy = 1; rc == RN_OK; copy++) {
        for (size_t i = 0; rc == RN_OK && i < cat->n; i++) {
            const struct cfg_entry *en = &cat->items[i];
            char suffix[16];
            snprintf(suffix, sizeof suffix, "-%d", copy);
            size_t add = en->klen + strlen(suffix) + en->vlen;
            if (strncmp(en->key, "template.", 9) != 0)
                continue;
            if (data + add > RN_KUBE_MAX_DATA)
                return rc;
            rc = put_entry(b, en->key, en->klen, suffix, en);
            data += add;
        }
    }
    return rc;
}

static void measure(const char *name, const char *text, size_t len)
{
    struct lcase l = {text, len, {0}};
    arena_init(&l.arena, 0);
    bench_measure("config", name, load_op, &l, len);
    arena_free(&l.arena);
}

void bench_config(const struct bench_inputs *in)
{
    size_t len;
    char *text = bench_slurp(".", CATALOG, &len);
    struct arena a;
    struct cfg_data cat;
    struct rn_err e = {0};
    struct buf big;
    (void)in;
    if (!bench_wanted("config", "load"))
        return;
    if (!text) {
        bench_fail_row("config", "load-catalog",
                       "cannot read %s (run from "
                       "the repository root)",
                       CATALOG);
        return;
    }
    measure("load-catalog", text, len);
    arena_init(&a, 0);
    buf_init(&big, 0);
    if (cfg_data_from_manifest(&a, text, len, "ConfigMap", CM_NAME, CATALOG,
                               &cat, &e) != RN_OK ||
        at_limit(&cat, &big) != RN_OK)
        bench_fail_row("config", "load-1MiB", "%s",
                       e.msg[0] ? e.msg : "out of memory");
    else
        measure("load-1MiB", buf_str(&big), big.len);
    buf_free(&big);
    arena_free(&a);
    rn_free(text);
}
