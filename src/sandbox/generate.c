/*
 * generate.c: many Events at a steady rate, for benchmarks.
 *
 * POST /__emu/events/generate records `count` Events through the recorder
 * emulation (recorder.c), paced at `rate` per second on the connection's
 * own thread (libmicrohttpd runs one per connection), and answers once
 * the last one is written with what each occurrence became and when.
 * The i-th Event involves the object <namePrefix><i mod names> (names
 * zero-padded to `width` digits), so a benchmark can give each Event its
 * own Rollout and tell from a delivered notification which Event caused
 * it.  The pace follows an absolute schedule (Event i is due at start +
 * i / rate): a writer that falls behind catches up without drifting, and
 * the answer says how far behind it fell.  Times in the answer are unix
 * nanoseconds of the real clock (not the virtual one), taken when the
 * write has been committed and fanned out to the watches.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/json.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define GEN_MAX_COUNT 100000 /* rows of about 340 bytes each */
#define GEN_MAX_RATE 1000000.0

struct gen {
    struct sb_record_req rq;
    const char *prefix;
    long names, width, count;
    double rate; /* per second; 0: as fast as possible */
};

/* One occurrence as the answer lists it. */
struct gen_row {
    int64_t t_ns;
    const char *action;
    char event[320];
};

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleep until mono_ns, in steps of at most 100 ms so that a stopping
 * sandbox is not held up by a slow rate. */
static void sleep_until(const struct sb *sb, int64_t mono_ns)
{
    for (;;) {
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (sb->stopping || now >= mono_ns)
            return;
        int64_t to = mono_ns - now > 100000000 ? now + 100000000 : mono_ns;
        struct timespec ts = {(time_t)(to / 1000000000),
                              (long)(to % 1000000000)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
}

static long num(struct val body, const char *key, long dflt)
{
    struct val v = sb_get(body, key);
    if (val_kind(v) == VAL_INT)
        return (long)val_int_of(v);
    if (val_kind(v) == VAL_FLOAT)
        return (long)val_float_of(v);
    return dflt;
}

static int parse(struct val body, struct gen *g, struct rn_err *e)
{
    struct val inv = sb_get(body, "involved");
    const char *kind = sb_get_str(inv, "kind", NULL);
    struct val rate = sb_get(body, "rate");
    memset(g, 0, sizeof *g);
    g->rq.res = sb_res_lookup(kind ? kind : "Rollout");
    g->rq.ns = sb_get_str(inv, "namespace", NULL);
    g->prefix = sb_get_str(inv, "namePrefix", NULL);
    g->names = num(inv, "names", 1);
    g->width = num(inv, "width", 0);
    g->rq.type = sb_get_str(body, "type", NULL);
    g->rq.reason = sb_get_str(body, "reason", NULL);
    g->rq.message = sb_get_str(body, "message", NULL);
    g->rq.component = sb_get_str(body, "component", NULL);
    g->count = num(body, "count", 0);
    g->rate = val_kind(rate) == VAL_FLOAT ? val_float_of(rate)
                                          : (double)num(body, "rate", 0);
    if (g->rq.res < 0 || !g->prefix || !g->rq.reason)
        return rn_errf(e, RN_EINVAL,
                       "want involved {kind, namespace, namePrefix, names} "
                       "and a reason");
    if (g->count < 1 || g->count > GEN_MAX_COUNT || g->names < 1 ||
        g->width < 0 || g->width > 20 || g->rate < 0 || g->rate > GEN_MAX_RATE)
        return rn_errf(e, RN_EINVAL,
                       "count must be 1..%d, names >= 1, width 0..20, rate "
                       "0..%.0f",
                       GEN_MAX_COUNT, GEN_MAX_RATE);
    return RN_OK;
}

/* Record occurrence i into row. */
static void one(struct sb *sb, const struct gen *g, long i, struct gen_row *row)
{
    char name[256];
    struct sb_record_req rq = g->rq;
    struct sb_status st;
    struct doc *ev = NULL;
    snprintf(name, sizeof name, "%s%0*ld", g->prefix, (int)g->width,
             i % g->names);
    rq.name = name;
    row->action = "failed";
    sb_status_init(&st);
    if (sb_record(sb, &rq, &row->action, &ev, &st) != RN_OK)
        row->action = "failed";
    row->t_ns = clock_ns(CLOCK_REALTIME);
    const char *evname = ev ? sb_get_str(ev->root, "metadata", "name") : NULL;
    snprintf(row->event, sizeof row->event, "%s", evname ? evname : "");
    doc_unref(ev);
}

static int emit_row(struct buf *out, const struct gen *g, long i,
                    const struct gen_row *row)
{
    char inv[256];
    snprintf(inv, sizeof inv, "%s%0*ld", g->prefix, (int)g->width,
             i % g->names);
    int rc = buf_add_str(out, i ? ",{\"involved\":" : "{\"involved\":");
    if (!rc)
        rc = json_emit_string(out, inv, strlen(inv), 0);
    if (!rc)
        rc = buf_add_str(out, ",\"event\":");
    if (!rc)
        rc = json_emit_string(out, row->event, strlen(row->event), 0);
    if (!rc)
        rc = buf_add_fmt(out, ",\"action\":\"%s\",\"timeNs\":%lld}",
                         row->action, (long long)row->t_ns);
    return rc;
}

static int answer(const struct gen *g, const struct gen_row *rows, long n,
                  int64_t lag_ns, struct buf *out)
{
    long created = 0, patched = 0, dropped = 0, failed = 0;
    for (long i = 0; i < n; i++) {
        const char *a = rows[i].action;
        created += !strcmp(a, "created");
        patched += !strcmp(a, "patched");
        dropped += !strcmp(a, "dropped");
        failed += !strcmp(a, "failed");
    }
    int rc =
        buf_add_fmt(out,
                    "{\"count\":%ld,\"created\":%ld,\"patched\":%ld,"
                    "\"dropped\":%ld,\"failed\":%ld,\"maxLagMs\":%.3f,"
                    "\"events\":[",
                    n, created, patched, dropped, failed, (double)lag_ns / 1e6);
    for (long i = 0; i < n && !rc; i++)
        rc = emit_row(out, g, i, &rows[i]);
    return rc ? rc : buf_add_str(out, "]}");
}

int sb_events_generate(struct sb *sb, struct val body, struct buf *out,
                       struct rn_err *e)
{
    struct gen g;
    int rc = parse(body, &g, e);
    if (rc)
        return rc;
    struct gen_row *rows = rn_calloc((size_t)g.count, sizeof *rows);
    if (!rows)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    int64_t start = clock_ns(CLOCK_MONOTONIC), lag = 0;
    long i;
    for (i = 0; i < g.count && !sb->stopping; i++) {
        int64_t due =
            g.rate > 0 ? start + (int64_t)((double)i * 1e9 / g.rate) : start;
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (now < due)
            sleep_until(sb, due);
        else if (now - due > lag)
            lag = now - due;
        one(sb, &g, i, &rows[i]);
    }
    rc = answer(&g, rows, i, lag, out);
    rn_free(rows);
    return rc ? rn_errf(e, RN_ENOMEM, "out of memory") : RN_OK;
}
