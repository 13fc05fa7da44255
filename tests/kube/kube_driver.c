/*
 * kube_driver.c: the kube client under a test script's control.
 *
 * tests/kube/run_kube.py starts the API-server sandbox, then this program
 * with --kubeconfig, and speaks to it one line at a time on stdin/stdout
 * while the loop keeps running in between, so informers live through the
 * faults the script injects into the sandbox.  Commands (answers are one
 * line each):
 *
 *   start RES NS [MAXMS [T]]  start an informer ("-" = all namespaces),
 *                           its backoff capped at MAXMS, timeoutSeconds T
 *   synced | stats | dump   informer state; dump = sorted "ns/name@rv"
 *   sizes                   "objects=N frozen=F bytes=B": cached docs,
 *                           how many are frozen docs of their own, heap
 *   list RES NS LIMIT       blocking kube_list: "pages=P items=N <dump>"
 *   get RES NS NAME         "ok RV" or "err STATUS message"
 *   annotate NS NAME K V    kube_modify merge patch with an RV precondition
 *   annotate-async NS NAME K V   the same on the loop
 *   event NS NAME UID TYPE REASON MESSAGE   recorder emit on a Rollout
 *   lease NS NAME HOLDER    take or renew a Lease: GET, then POST (404)
 *                           or PUT with the read resourceVersion
 *   run MS                  run the loop MS milliseconds
 *   quit
 */
#include "core/buf.h"
#include "core/doc.h"
#include "core/json.h"
#include "kube/kube.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct drv {
    unsigned long adds, updates, resyncs, dels, syncs;
    struct kube_client *k;
    struct kube_loop *l;
    struct kube_informer *inf;
    struct kube_recorder *rec;
    int async_done;
    char async_result[512];
};

static const struct kube_resource *res_of(const char *name)
{
    static const struct {
        const char *name;
        const struct kube_resource *res;
    } t[] = {{"rollouts", &kube_res_rollouts},
             {"analysisruns", &kube_res_analysisruns},
             {"events", &kube_res_events},
             {"configmaps", &kube_res_configmaps},
             {"secrets", &kube_res_secrets},
             {"leases", &kube_res_leases}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(name, t[i].name) == 0)
            return t[i].res;
    return NULL;
}

static int atoi_safe(const char *s)
{
    return s ? (int)strtol(s, NULL, 10) : 0;
}

static const char *ns_arg(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

/* ---- sorted "ns/name@rv" lists ---- */

struct keys {
    char **v;
    size_t n, cap;
};

static void keys_add(struct keys *k, struct val obj)
{
    const struct val *md = val_get_cstr(obj, "metadata");
    const struct val *ns = md ? val_get_cstr(*md, "namespace") : NULL;
    const struct val *nm = md ? val_get_cstr(*md, "name") : NULL;
    const struct val *rv = md ? val_get_cstr(*md, "resourceVersion") : NULL;
    char line[600];
    snprintf(line, sizeof line, "%s/%s@%s", ns ? val_str_ptr(*ns) : "",
             nm ? val_str_ptr(*nm) : "", rv ? val_str_ptr(*rv) : "");
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->v = realloc(k->v, k->cap * sizeof *k->v);
    }
    k->v[k->n++] = strdup(line);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keys_print(struct keys *k)
{
    qsort(k->v, k->n, sizeof *k->v, cmp);
    for (size_t i = 0; i < k->n; i++) {
        printf("%s%s", i ? " " : "", k->v[i]);
        free(k->v[i]);
    }
    free(k->v);
    k->v = NULL;
    k->n = k->cap = 0;
}

static void each_obj(void *ud, struct doc *obj)
{
    keys_add(ud, obj->root);
}

struct sizes {
    size_t objects, frozen, bytes;
};

static void each_size(void *ud, struct doc *obj)
{
    struct sizes *s = ud;
    s->objects++;
    s->frozen += obj->frozen != 0;
    s->bytes += doc_size(obj);
}

static int each_page(void *ud, struct doc *page)
{
    void **p = ud;
    const struct val *items = val_get_cstr(page->root, "items");
    for (size_t i = 0; items && i < val_list_len(*items); i++)
        keys_add(p[0], val_list_at(*items, i));
    (*(int *)p[1])++;
    return 0;
}

/* ---- commands ---- */

static void h_add(void *ud, struct doc *obj)
{
    (void)obj;
    ((struct drv *)ud)->adds++;
}

static void h_update(void *ud, struct doc *old, struct doc *obj)
{
    struct drv *d = ud;
    if (old == obj)
        d->resyncs++;
    else
        d->updates++;
}

static void h_del(void *ud, struct doc *obj)
{
    (void)obj;
    ((struct drv *)ud)->dels++;
}

static void h_synced(void *ud)
{
    ((struct drv *)ud)->syncs++;
}

static void cmd_start(struct drv *d, char **arg)
{
    struct kube_informer_opts o = {.res = res_of(arg[1]),
                                   .namespace = ns_arg(arg[2]),
                                   .nums = 1,
                                   .backoff_max_ms = atoi_safe(arg[3]),
                                   .watch_timeout_s = atoi_safe(arg[4]),
                                   .resync_ms = atoi_safe(arg[5]),
                                   .h = {h_add, h_update, h_del, h_synced},
                                   .ud = d};
    struct rn_err e;
    if (!o.res || kube_informer_start(d->k, d->l, &o, &d->inf, &e) != RN_OK)
        printf("err start");
    else
        printf("ok");
}

static void cmd_stats(struct drv *d)
{
    struct kube_informer_stats s;
    kube_informer_stats(d->inf, &s);
    printf("lists=%llu relists=%llu watches=%llu restarts=%llu events=%llu "
           "len=%zu rv=%s error=%s watching=%d adds=%lu updates=%lu "
           "resyncs=%lu dels=%lu syncs=%lu",
           (unsigned long long)s.lists, (unsigned long long)s.relists,
           (unsigned long long)s.watches, (unsigned long long)s.restarts,
           (unsigned long long)s.events, kube_informer_len(d->inf), s.last_rv,
           s.last_error[0] ? "yes" : "no", s.watching, d->adds, d->updates,
           d->resyncs, d->dels, d->syncs);
}

static void cmd_list(struct drv *d, char **arg)
{
    struct keys k = {0};
    int pages = 0;
    void *ud[2] = {&k, &pages};
    struct kube_list_opts o = {.limit = atoi_safe(arg[3]), .nums = 1};
    struct rn_err e;
    int rc =
        kube_list(d->k, res_of(arg[1]), ns_arg(arg[2]), &o, each_page, ud, &e);
    if (rc) {
        printf("err %s", e.msg);
        return;
    }
    printf("pages=%d items=%zu ", pages, k.n);
    keys_print(&k);
}

static void cmd_get(struct drv *d, char **arg)
{
    struct doc *obj;
    struct rn_err e;
    int rc = kube_get(d->k, res_of(arg[1]), ns_arg(arg[2]), arg[3], &obj, &e);
    if (rc) {
        printf("err %d %s", rc, e.msg);
        return;
    }
    const struct val *md = val_get_cstr(obj->root, "metadata");
    const struct val *rv = md ? val_get_cstr(*md, "resourceVersion") : NULL;
    printf("ok %s", rv ? val_str_ptr(*rv) : "");
    doc_unref(obj);
}

struct annot {
    const char *key, *value;
    int tries;
};

/* {"metadata":{"resourceVersion":RV,"annotations":{K:V}}} */
static int make_patch(void *ud, struct val cur, struct buf *b)
{
    struct annot *a = ud;
    const struct val *md = val_get_cstr(cur, "metadata");
    const struct val *rv = md ? val_get_cstr(*md, "resourceVersion") : NULL;
    a->tries++;
    if (!rv)
        return RN_EINVAL;
    buf_add_str(b, "{\"metadata\":{\"resourceVersion\":");
    json_emit_string(b, val_str_ptr(*rv), val_str_len(*rv), 0);
    buf_add_str(b, ",\"annotations\":{");
    json_emit_string(b, a->key, strlen(a->key), 0);
    buf_add_char(b, ':');
    json_emit_string(b, a->value, strlen(a->value), 0);
    return buf_add_str(b, "}}}");
}

static void cmd_annotate(struct drv *d, char **arg)
{
    struct annot a = {arg[3], arg[4], 0};
    struct kube_modify m = {"PATCH", &kube_res_rollouts, arg[1], arg[2],
                            NULL,    make_patch,         &a};
    struct kube_reply r;
    int rc = kube_modify(d->k, &m, &r);
    if (rc)
        printf("err %ld tries=%d %s", r.status, a.tries, r.err.msg);
    else
        printf("ok %ld tries=%d", r.status, a.tries);
    kube_reply_clear(&r);
}

static struct annot async_annot;

static void on_modified(void *ud, struct kube_reply *r)
{
    struct drv *d = ud;
    snprintf(d->async_result, sizeof d->async_result, "%s %ld tries=%d %s",
             r->status / 100 == 2 ? "ok" : "err", r->status, async_annot.tries,
             r->status / 100 == 2 ? "" : r->err.msg);
    d->async_done = 1;
}

static void cmd_annotate_async(struct drv *d, char **arg)
{
    static char key[256], value[256];
    snprintf(key, sizeof key, "%s", arg[3]);
    snprintf(value, sizeof value, "%s", arg[4]);
    async_annot = (struct annot){key, value, 0};
    struct kube_modify m = {"PATCH", &kube_res_rollouts, arg[1],      arg[2],
                            NULL,    make_patch,         &async_annot};
    d->async_done = 0;
    if (kube_modify_async(d->k, d->l, &m, on_modified, d) != RN_OK) {
        printf("err start");
        return;
    }
    while (!d->async_done)
        kube_loop_run_once(d->l, 50);
    printf("%s", d->async_result);
}

static void cmd_event(struct drv *d, char **arg, const char *message)
{
    char json[1024];
    struct rn_err e;
    snprintf(json, sizeof json,
             "{\"apiVersion\":\"argoproj.io/v1alpha1\",\"kind\":"
             "\"Rollout\",\"metadata\":{\"namespace\":\"%s\",\"name\":"
             "\"%s\",\"uid\":\"%s\"}}",
             arg[1], arg[2], arg[3]);
    struct doc *obj = json_parse_doc(json, strlen(json), NULL, &e);
    if (!d->rec && kube_recorder_new(d->k, d->l, "rnotify", &d->rec)) {
        printf("err recorder");
        doc_unref(obj);
        return;
    }
    int rc =
        obj ? kube_recorder_emit(d->rec, obj->root, arg[4], arg[5], message)
            : RN_EINVAL;
    printf(rc ? "err emit" : "ok");
    doc_unref(obj);
}

/* One acquire-or-renew round of leader election, without the timing. */
static void cmd_lease(struct drv *d, char **arg)
{
    struct kube_lease l = {0};
    struct doc *cur = NULL;
    struct rn_err e;
    struct buf b;
    int rc = kube_get(d->k, &kube_res_leases, arg[1], arg[2], &cur, &e);
    if (rc == RN_OK && kube_lease_parse(cur->root, &l) != RN_OK) {
        printf("err not a lease");
        doc_unref(cur);
        return;
    }
    bool mine = rc == RN_OK && strcmp(l.holder, arg[3]) == 0;
    int64_t now = (int64_t)time(NULL) * 1000000 + 123456;
    if (!mine) {
        l.acquire_us = now;
        l.transitions += rc == RN_OK;
    }
    l.renew_us = now;
    l.duration_s = 15;
    snprintf(l.holder, sizeof l.holder, "%s", arg[3]);
    buf_init(&b, 0);
    kube_lease_body(&b, arg[1], arg[2], &l);
    struct kube_request rq = {.verb = rc == RN_OK ? "PUT" : "POST",
                              .res = &kube_res_leases,
                              .namespace = arg[1],
                              .name = rc == RN_OK ? arg[2] : NULL,
                              .body = b.ptr,
                              .body_len = b.len,
                              .nums = 1};
    struct kube_reply r;
    int wrc = kube_do(d->k, &rq, &r);
    struct kube_lease back;
    if (wrc == RN_OK && r.obj && kube_lease_parse(r.obj->root, &back) == 0)
        printf("ok %s %s transitions=%lld", rq.verb, back.holder,
               (long long)back.transitions);
    else
        printf("err %ld %s", r.status, r.err.msg);
    kube_reply_clear(&r);
    buf_free(&b);
    doc_unref(cur);
}

static void cmd_run(struct drv *d, int ms)
{
    int64_t end = kube_loop_now(d->l) + ms;
    while (kube_loop_now(d->l) < end)
        kube_loop_run_once(d->l, end - kube_loop_now(d->l));
    printf("ok");
}

/* Split line into at most n words; the rest stays in the last one. */
static int split(char *line, char **arg, int n)
{
    int k = 0;
    char *p = line;
    while (k < n && *p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        arg[k++] = p;
        if (k == n)
            break;
        char *sp = strchr(p, ' ');
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }
    for (int i = k; i < n; i++)
        arg[i] = NULL;
    return k;
}

static int dispatch(struct drv *d, char *line)
{
    char *arg[8];
    int n = split(line, arg, 7);
    if (n == 0)
        return 0;
    const char *c = arg[0];
    if (strcmp(c, "quit") == 0)
        return 1;
    if (strcmp(c, "start") == 0 && n >= 3)
        cmd_start(d, arg);
    else if (strcmp(c, "synced") == 0 && d->inf)
        printf("%d", kube_informer_synced(d->inf));
    else if (strcmp(c, "stats") == 0 && d->inf)
        cmd_stats(d);
    else if (strcmp(c, "dump") == 0 && d->inf) {
        struct keys k = {0};
        kube_informer_each(d->inf, each_obj, &k);
        keys_print(&k);
    } else if (strcmp(c, "sizes") == 0 && d->inf) {
        struct sizes sz = {0};
        kube_informer_each(d->inf, each_size, &sz);
        printf("objects=%zu frozen=%zu bytes=%zu", sz.objects, sz.frozen,
               sz.bytes);
    } else if (strcmp(c, "list") == 0 && n >= 4)
        cmd_list(d, arg);
    else if (strcmp(c, "get") == 0 && n >= 4)
        cmd_get(d, arg);
    else if (strcmp(c, "annotate") == 0 && n >= 5)
        cmd_annotate(d, arg);
    else if (strcmp(c, "annotate-async") == 0 && n >= 5)
        cmd_annotate_async(d, arg);
    else if (strcmp(c, "event") == 0 && n == 7)
        cmd_event(d, arg, arg[6]);
    else if (strcmp(c, "lease") == 0 && n >= 4)
        cmd_lease(d, arg);
    else if (strcmp(c, "run") == 0 && n >= 2)
        cmd_run(d, atoi_safe(arg[1]));
    else
        printf("err unknown command");
    printf("\n");
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    struct kube_config_opts o = {0};
    struct kube_config *c;
    struct rn_err e;
    struct drv d = {0};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--kubeconfig") == 0)
            o.kubeconfig = argv[i + 1];
        else if (strcmp(argv[i], "--timeout-ms") == 0)
            o.timeout_ms = atoi_safe(argv[i + 1]);
    }
    if (kube_config_load(&o, &c, &e) || kube_client_new(c, &d.k, &e) ||
        kube_loop_new(&d.l)) {
        fprintf(stderr, "kube_driver: %s\n", e.msg);
        return 2;
    }
    printf("ready %s\n", kube_config_source(kube_client_config(d.k)));
    fflush(stdout);
    char line[4096];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {0, POLLIN, 0};
        kube_loop_run_once(d.l, 20);
        if (poll(&p, 1, 0) <= 0)
            continue;
        ssize_t r = read(0, line + len, sizeof line - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
        line[len] = '\0';
        char *nl;
        int quit = 0;
        while (!quit && (nl = strchr(line, '\n'))) {
            *nl = '\0';
            quit = dispatch(&d, line);
            len -= (size_t)(nl + 1 - line);
            memmove(line, nl + 1, len + 1);
        }
        if (quit || len == sizeof line - 1)
            break;
    }
    kube_recorder_free(d.rec);
    kube_informer_free(d.inf);
    kube_loop_free(d.l);
    kube_client_free(d.k);
    return 0;
}
