/*
 * scenario.c: the scenario player.
 *
 * A scenario is a YAML (or JSON) document {name, recorder: {spamFilter,
 * aggregation}, steps: [...]} whose steps are one-key maps run in order
 * on a thread of their own: apply, patch, event, sleep, fault, compact,
 * closeWatches, delete, clock, expired.  Writes go through the same code
 * as API requests, as the Argo Rollouts controller would make them: an
 * object is created or updated with its current resourceVersion, a
 * Rollout's status goes through its /status subresource with
 * observedGeneration as a string (filled in when the step leaves it
 * out), and Events go through the recorder emulation, so a repeated
 * Event raises `count`.  A string value "$NOW" becomes the current time.
 * docs/sandbox.md describes the format; examples/scenarios/ has the
 * bundled ones.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/goyaml.h"
#include "core/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { S_RUNNING, S_DONE, S_FAILED };

static const char *const state_names[] = {"running", "done", "failed"};

struct scn {
    struct scn *next;
    uint64_t id;
    struct sb *sb;
    struct doc *doc;
    char name[128];
    pthread_t thread;
    int state;
    size_t step, nsteps;
    char error[512];
};

struct sb_scenarios {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct scn *list;
    uint64_t next_id;
};

int sb_scenarios_new(struct sb_scenarios **out)
{
    struct sb_scenarios *s = rn_calloc(1, sizeof *s);
    if (!s)
        return RN_ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    *out = s;
    return RN_OK;
}

void sb_scenarios_free(struct sb_scenarios *s)
{
    if (!s)
        return;
    while (s->list) {
        struct scn *c = s->list;
        s->list = c->next;
        pthread_join(c->thread, NULL);
        doc_unref(c->doc);
        rn_free(c);
    }
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    rn_free(s);
}

/* ---- steps ---- */

struct run {
    struct scn *c;
    struct sb *sb;
    struct arena a;
    char *err;
    size_t errn;
};

static int failf(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int failf(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->errn, fmt, ap);
    va_end(ap);
    return RN_EINVAL;
}

/* "$NOW" strings replaced by the current time, through the JSON text. */
static int expand(struct run *r, struct val v, struct val *out)
{
    struct buf b, o;
    int rc;
    buf_init(&b, 0);
    buf_init(&o, 0);
    rc = sb_emit(&b, v);
    const char *now = sb_time_str(&r->a, sb_now_ns());
    for (const char *p = buf_str(&b); !rc && *p;) {
        const char *hit = strstr(p, "\"$NOW\"");
        size_t n = hit ? (size_t)(hit - p) : strlen(p);
        rc = buf_add(&o, p, n);
        if (!rc && hit)
            rc = buf_add_fmt(&o, "\"%s\"", now);
        p += n + (hit ? 6 : 0);
    }
    if (!rc) {
        struct rn_err e;
        rc = sb_parse_body(&r->a, buf_str(&o), o.len, false, out, &e);
    }
    buf_free(&b);
    buf_free(&o);
    return rc;
}

static int write_step(struct run *r, const struct sb_wreq *w)
{
    struct sb_status st;
    struct doc *d = NULL;
    int code;
    sb_status_init(&st);
    int rc = sb_write_locked(r->sb, w, &r->a, &d, &code, &st);
    doc_unref(d);
    if (rc)
        return failf(r, "%s", st.message[0] ? st.message : "out of memory");
    return RN_OK;
}

/* A status write through /status, lock held; observedGeneration (a
 * string) defaults to the object's generation. */
static int write_status(struct run *r, int res, const char *ns,
                        const char *name, struct val status)
{
    struct sb_item *it = sb_store_get(&r->sb->store, res, ns, name);
    if (!it)
        return failf(r, "%s %s/%s not found", sb_res[res].kind, ns, name);
    if (res == SB_ROLLOUTS && val_kind(status) == VAL_OBJECT &&
        !val_get_cstr(status, "observedGeneration")) {
        struct val g = sb_get_path(it->doc->root, "metadata.generation");
        char *gs = arena_printf(
            &r->a, "%lld",
            (long long)(val_kind(g) == VAL_INT ? val_int_of(g) : 1));
        sb_obj_put(&r->a, &status, "observedGeneration", sb_vstr(&r->a, gs));
    }
    struct val p = sb_vobj();
    sb_obj_put(&r->a, &p, "status", status);
    struct sb_wreq w = {.verb = SB_W_PATCH,
                        .res = res,
                        .ns = ns,
                        .name = name,
                        .status = true,
                        .body = p,
                        .ptype = SB_P_MERGE};
    return write_step(r, &w);
}

static int resolve(struct run *r, struct val spec, int *res, const char **ns,
                   const char **name)
{
    const char *kind = sb_get_str(spec, "kind", NULL);
    *res = sb_res_lookup(kind ? kind : "Rollout");
    *name = sb_get_str(spec, "name", NULL);
    *ns = sb_get_str(spec, "namespace", NULL);
    if (*res < 0 || !*name)
        return failf(r, "want kind and name (kind %s)", kind ? kind : "-");
    if (!(sb_res[*res].flags & SB_RF_NAMESPACED))
        *ns = NULL;
    else if (!*ns)
        *ns = "default";
    return RN_OK;
}

static int step_apply(struct run *r, struct val obj)
{
    const char *kind = sb_get_str(obj, "kind", NULL);
    int res = sb_res_lookup(kind);
    const char *name = sb_get_str(obj, "metadata", "name");
    const char *ns = sb_get_str(obj, "metadata", "namespace");
    if (res < 0 || !name)
        return failf(r, "apply: want a kind this sandbox serves and "
                        "metadata.name");
    ns = (sb_res[res].flags & SB_RF_NAMESPACED) ? (ns ? ns : "default") : NULL;
    struct sb_item *it = sb_store_get(&r->sb->store, res, ns, name);
    struct sb_wreq w = {.verb = it ? SB_W_UPDATE : SB_W_CREATE,
                        .res = res,
                        .ns = ns,
                        .name = name,
                        .body = obj};
    if (it) {
        const char *rv =
            sb_get_str(it->doc->root, "metadata", "resourceVersion");
        sb_obj_put2(&r->a, &w.body, "metadata", "resourceVersion",
                    sb_vstr(&r->a, rv ? rv : ""));
    }
    int rc = write_step(r, &w);
    struct val status = sb_get(obj, "status");
    if (!rc && !val_is_null(status) && (sb_res[res].flags & SB_RF_STATUS))
        rc = write_status(r, res, ns, name, status);
    return rc;
}

static int step_patch(struct run *r, struct val spec)
{
    int res;
    const char *ns, *name, *sub = sb_get_str(spec, "subresource", NULL);
    int rc = resolve(r, spec, &res, &ns, &name);
    struct val p = sb_get(spec, "patch");
    if (rc)
        return rc;
    if (sub && !strcmp(sub, "status"))
        return write_status(r, res, ns, name, sb_get(p, "status"));
    struct sb_wreq w = {.verb = SB_W_PATCH,
                        .res = res,
                        .ns = ns,
                        .name = name,
                        .body = p,
                        .ptype = SB_P_MERGE};
    return write_step(r, &w);
}

static int step_delete(struct run *r, struct val spec)
{
    int res;
    const char *ns, *name;
    int rc = resolve(r, spec, &res, &ns, &name);
    struct sb_wreq w = {
        .verb = SB_W_DELETE, .res = res, .ns = ns, .name = name};
    return rc ? rc : write_step(r, &w);
}

/* Runs unlocked: the recorder takes the lock itself. */
static int step_event(struct run *r, struct val spec)
{
    int res;
    const char *ns, *name;
    int rc = resolve(r, spec, &res, &ns, &name);
    if (rc)
        return rc;
    struct sb_record_req rq = {
        .res = res,
        .ns = ns,
        .name = name,
        .type = sb_get_str(spec, "type", NULL),
        .reason = sb_get_str(spec, "reason", NULL),
        .message = sb_get_str(spec, "message", NULL),
        .component = sb_get_str(spec, "component", NULL),
        .force_new = val_kind(sb_get(spec, "forceNew")) == VAL_BOOL &&
                     val_bool_of(sb_get(spec, "forceNew")),
    };
    const char *action;
    struct doc *ev = NULL;
    struct sb_status st;
    sb_status_init(&st);
    if (!rq.reason)
        return failf(r, "event: reason is required");
    rc = sb_record(r->sb, &rq, &action, &ev, &st);
    doc_unref(ev);
    return rc ? failf(r, "event: %s", st.message) : RN_OK;
}

static double number(struct val v)
{
    return val_kind(v) == VAL_INT      ? (double)val_int_of(v)
           : val_kind(v) == VAL_FLOAT  ? val_float_of(v)
           : val_kind(v) == VAL_STRING ? strtod(val_str_ptr(v), NULL)
                                       : 0;
}

/* Sleeps in slices so that a shutdown is not held up. */
static void step_sleep(struct run *r, struct val v)
{
    double s = number(v) * r->sb->cfg.time_scale;
    int64_t end = sb_mono_ms() + (int64_t)(s * 1000);
    while (!r->sb->stopping) {
        int64_t left = end - sb_mono_ms();
        if (left <= 0)
            break;
        if (left > 100)
            left = 100;
        struct timespec ts = {0, left * 1000000};
        nanosleep(&ts, NULL);
    }
}

static int step_misc(struct run *r, const char *op, struct val v)
{
    struct rn_err e;
    if (!strcmp(op, "fault")) {
        struct buf ids;
        buf_init(&ids, 0);
        int rc = sb_faults_add(&r->sb->faults, v, &ids, &e);
        buf_free(&ids);
        return rc ? failf(r, "fault: %s", e.msg) : RN_OK;
    }
    if (!strcmp(op, "closeWatches")) {
        const char *m = sb_get_str(v, "mode", NULL);
        int mode = !m || !strcmp(m, "clean") ? SB_CLOSE_CLEAN
                   : !strcmp(m, "reset")     ? SB_CLOSE_RESET
                                             : SB_CLOSE_MIDLINE;
        const char *res = sb_get_str(v, "resource", NULL);
        sb_watch_close(r->sb, res ? sb_res_lookup(res) : -1,
                       sb_get_str(v, "namespace", NULL), mode);
        return RN_OK;
    }
    if (!strcmp(op, "clock")) {
        sb_clock_advance((int64_t)number(sb_get(v, "advanceSeconds")));
        sb_ttl_sweep(r->sb);
        return RN_OK;
    }
    if (!strcmp(op, "recorder")) {
        struct val sf = sb_get(v, "spamFilter"), ag = sb_get(v, "aggregation");
        sb_recorder_configure(r->sb->recorder,
                              val_kind(sf) == VAL_BOOL ? val_bool_of(sf) : -1,
                              val_kind(ag) == VAL_BOOL ? val_bool_of(ag) : -1);
        return RN_OK;
    }
    return failf(r, "unknown step %s", op);
}

static int step_locked(struct run *r, const char *op, struct val v)
{
    int rc;
    sb_lock(r->sb);
    if (!strcmp(op, "apply"))
        rc = step_apply(r, v);
    else if (!strcmp(op, "patch"))
        rc = step_patch(r, v);
    else if (!strcmp(op, "delete"))
        rc = step_delete(r, v);
    else {
        int64_t upto = r->sb->store.rv;
        if (val_kind(v) == VAL_INT)
            upto = val_int_of(v);
        sb_store_compact(&r->sb->store, upto);
        rc = RN_OK;
    }
    sb_unlock(r->sb);
    return rc;
}

static int run_step(struct run *r, struct val step)
{
    if (val_kind(step) != VAL_OBJECT || val_obj_len(step) != 1)
        return failf(r, "a step is a map with one key");
    const struct val_kv *kv = val_obj_at(step, 0);
    const char *op = val_str_ptr(kv->key);
    struct val v;
    if (expand(r, kv->v, &v))
        return failf(r, "%s: cannot expand $NOW", op);
    if (!strcmp(op, "sleep"))
        return step_sleep(r, v), RN_OK;
    if (!strcmp(op, "event"))
        return step_event(r, v);
    if (!strcmp(op, "apply") || !strcmp(op, "patch") || !strcmp(op, "delete") ||
        !strcmp(op, "compact"))
        return step_locked(r, op, v);
    return step_misc(r, op, v);
}

/* ---- the thread ---- */

static void progress(struct scn *c, size_t step, int state)
{
    struct sb_scenarios *s = c->sb->scenarios;
    pthread_mutex_lock(&s->mu);
    c->step = step;
    c->state = state;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void *player(void *arg)
{
    struct scn *c = arg;
    struct val root = c->doc->root, steps = sb_get(root, "steps");
    struct run r = {c, c->sb, {0}, NULL, 0};
    char err[512] = "";
    r.err = err;
    r.errn = sizeof err;
    arena_init(&r.a, 0);
    struct val rec = sb_get(root, "recorder");
    if (!val_is_null(rec))
        step_misc(&r, "recorder", rec);
    size_t i;
    for (i = 0; i < c->nsteps && !c->sb->stopping; i++) {
        progress(c, i, S_RUNNING);
        if (run_step(&r, val_list_at(steps, i)))
            break;
        arena_reset(&r.a);
    }
    arena_free(&r.a);
    if (err[0]) {
        const struct val_kv *kv =
            val_kind(val_list_at(steps, i)) == VAL_OBJECT &&
                    val_obj_len(val_list_at(steps, i))
                ? val_obj_at(val_list_at(steps, i), 0)
                : NULL;
        snprintf(c->error, sizeof c->error, "step %zu (%s): %s", i + 1,
                 kv ? val_str_ptr(kv->key) : "?", err);
        if (!c->sb->cfg.quiet)
            fprintf(stderr, "rnotify-sandbox: scenario %s: %s\n", c->name,
                    c->error);
    }
    progress(c, i, err[0] ? S_FAILED : S_DONE);
    return NULL;
}

int sb_scenario_start(struct sb *sb, struct doc *scn, bool wait, uint64_t *id,
                      struct rn_err *e)
{
    struct sb_scenarios *s = sb->scenarios;
    struct val steps = sb_get(scn->root, "steps");
    if (val_kind(steps) != VAL_ARRAY) {
        doc_unref(scn);
        return rn_errf(e, RN_EINVAL, "a scenario needs a list of steps");
    }
    struct scn *c = rn_calloc(1, sizeof *c);
    if (!c) {
        doc_unref(scn);
        return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    const char *name = sb_get_str(scn->root, "name", NULL);
    snprintf(c->name, sizeof c->name, "%s", name ? name : "scenario");
    c->sb = sb;
    c->doc = scn;
    c->nsteps = val_list_len(steps);
    pthread_mutex_lock(&s->mu);
    c->id = *id = ++s->next_id;
    c->next = s->list;
    s->list = c;
    if (pthread_create(&c->thread, NULL, player, c)) {
        s->list = c->next;
        pthread_mutex_unlock(&s->mu);
        doc_unref(scn);
        rn_free(c);
        return rn_errf(e, RN_EIO, "cannot start the scenario thread");
    }
    while (wait && c->state == S_RUNNING)
        pthread_cond_wait(&s->cond, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return RN_OK;
}

int sb_scenario_start_file(struct sb *sb, const char *path, bool wait,
                           uint64_t *id, struct rn_err *e)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;
    if (!f)
        return rn_errf(e, RN_EIO, "cannot open scenario %s", path);
    buf_init(&b, 16u << 20);
    int rc = RN_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_add(&b, chunk, n);
    fclose(f);
    struct goyaml_opts yo = {.nums = JSON_NUM_INT64, .src = path};
    struct doc *d = rc ? NULL : goyaml_parse_doc(buf_str(&b), b.len, &yo, e);
    buf_free(&b);
    if (!d)
        return rc ? rn_errf(e, rc, "cannot read scenario %s", path)
                  : rn_errf(e, RN_ESYNTAX, "scenario %s: %s (line %d)", path,
                            e->msg, e->line);
    return sb_scenario_start(sb, d, wait, id, e);
}

static int scn_json(struct buf *b, const struct scn *c)
{
    int rc =
        buf_add_fmt(b, "{\"id\":%llu,\"name\":", (unsigned long long)c->id);
    if (!rc)
        rc = json_emit_string(b, c->name, strlen(c->name), 0);
    if (!rc)
        rc = buf_add_fmt(b,
                         ",\"state\":\"%s\",\"step\":%zu,\"steps\":%zu,"
                         "\"error\":",
                         state_names[c->state],
                         c->state == S_DONE ? c->nsteps : c->step, c->nsteps);
    if (!rc)
        rc = c->error[0] ? json_emit_string(b, c->error, strlen(c->error), 0)
                         : buf_add_str(b, "null");
    return rc ? rc : buf_add_char(b, '}');
}

int sb_scenarios_json(struct sb *sb, struct buf *b)
{
    struct sb_scenarios *s = sb->scenarios;
    int rc = buf_add_char(b, '[');
    pthread_mutex_lock(&s->mu);
    for (struct scn *c = s->list; c && !rc; c = c->next) {
        if (c != s->list)
            rc = buf_add_char(b, ',');
        if (!rc)
            rc = scn_json(b, c);
    }
    pthread_mutex_unlock(&s->mu);
    return rc ? rc : buf_add_char(b, ']');
}

int sb_scenario_json(struct sb *sb, uint64_t id, struct buf *b)
{
    struct sb_scenarios *s = sb->scenarios;
    int rc = RN_ENOTFOUND;
    pthread_mutex_lock(&s->mu);
    for (struct scn *c = s->list; c; c = c->next)
        if (c->id == id)
            rc = scn_json(b, c);
    pthread_mutex_unlock(&s->mu);
    return rc == RN_ENOTFOUND ? buf_add_str(b, "null") : rc;
}
