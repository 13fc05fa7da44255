/*
 * svc_driver.c: sends one notification through the services module, for
 * the end-to-end service tests (run_e2e.py) against tests/doubles.
 *
 *   svc_driver --config-map FILE --secret FILE --template NAME
 *              --resource FILE --recipient SERVICE:RECIPIENT...
 *              [--deadline-ms N]
 *
 * It loads the ConfigMap and Secret manifests and the resource with the
 * config and engine APIs (as `rnotify template notify` does), renders the
 * template for each destination in order (one process, so Slack threads
 * carry over) and delivers it the way the controller does: the
 * svc_delivery state machine with every transfer on a libcurl multi
 * handle (`rnotify template notify` covers the blocking svc_send).  Output:
 * "sent attempts=<n>" per send on stdout, or on stderr "failed to notify
 * '<recipient>': <message>" and a line "retryable=<0|1> status=<n>
 * attempts=<n>"; exit 0 on success, 4 on a send failure, 2 on a setup failure.
 */
#include "config/config.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "core/json.h"
#include "engine/engine.h"
#include "services/service.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *slurp(struct arena *a, const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        rewind(f);
        s = len >= 0 ? arena_alloc(a, (size_t)len + 1) : NULL;
        if (s && fread(s, 1, (size_t)len, f) == (size_t)len) {
            s[len] = '\0';
            *n = (size_t)len;
        } else {
            s = NULL;
        }
    }
    fclose(f);
    return s;
}

#define MAX_RECIPIENTS 8

struct args {
    const char *cm, *secret, *tmpl, *resource;
    long deadline_ms; /* each delivery's deadline, from its start */
    const char *recipients[MAX_RECIPIENTS];
    int nrecipients;
};

static int parse_args(int argc, char **argv, struct args *g)
{
    memset(g, 0, sizeof *g);
    g->deadline_ms = 30000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--config-map") == 0)
            g->cm = v;
        else if (strcmp(k, "--secret") == 0)
            g->secret = v;
        else if (strcmp(k, "--template") == 0)
            g->tmpl = v;
        else if (strcmp(k, "--resource") == 0)
            g->resource = v;
        else if (strcmp(k, "--deadline-ms") == 0)
            g->deadline_ms = strtol(v, NULL, 10);
        else if (strcmp(k, "--recipient") == 0 &&
                 g->nrecipients < MAX_RECIPIENTS)
            g->recipients[g->nrecipients++] = v;
        else
            return -1;
    }
    return g->cm && g->secret && g->tmpl && g->resource && g->nrecipients ? 0
                                                                          : -1;
}

static int load_data(struct arena *a, const char *path, const char *kind,
                     const char *name, struct cfg_data *out, struct rn_err *e)
{
    size_t n = 0;
    char *text = slurp(a, path, &n);
    if (!text)
        return rn_errf(e, RN_EIO, "cannot read %s", path);
    return cfg_data_from_manifest(a, text, n, kind, name, path, out, e);
}

static int load(struct arena *a, const struct args *g, struct cfg **c,
                struct val *obj, struct rn_err *e)
{
    struct cfg_data cm, sec;
    struct cfg_opts co = {"", false, false};
    size_t n = 0;
    int rc = load_data(a, g->cm, "ConfigMap",
                       "argo-rollouts-notification-configmap", &cm, e);
    if (rc == RN_OK)
        rc = load_data(a, g->secret, "Secret",
                       "argo-rollouts-notification-secret", &sec, e);
    if (rc == RN_OK)
        rc = cfg_load(&cm, &sec, &co, c, e);
    char *text = rc == RN_OK ? slurp(a, g->resource, &n) : NULL;
    if (rc == RN_OK && !text)
        rc = rn_errf(e, RN_EIO, "cannot read %s", g->resource);
    struct goyaml_opts yo = {JSON_NUM_INT64, 0, g->resource};
    if (rc == RN_OK)
        rc = goyaml_parse(a, text, n, &yo, obj, e);
    return rc;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (ms > 0 && nanosleep(&ts, &ts) != 0)
        ;
}

/* Run one transfer of d to completion on the multi handle m. */
static void transfer(CURLM *m, struct svc_delivery *d)
{
    int64_t wait = 0;
    const struct http_req *req = svc_delivery_request(d, &wait);
    struct svc_opts o;
    struct svc_xfer *x = NULL;
    struct http_reply rep = {0};
    struct rn_err e = {0};
    bool retryable = false;
    int code = CURLE_OK, running = 1, left;
    svc_opts_default(&o);
    sleep_ms(wait);
    CURL *h = curl_easy_init();
    int rc = svc_http_setup(h, req, &o, svc_delivery_arena(d), &x, &e);
    if (rc == RN_OK) {
        curl_multi_add_handle(m, h);
        while (running) {
            curl_multi_perform(m, &running);
            if (running)
                curl_multi_poll(m, NULL, 0, 1000, NULL);
        }
        for (CURLMsg *msg; (msg = curl_multi_info_read(m, &left)) != NULL;)
            if (msg->msg == CURLMSG_DONE)
                code = (int)msg->data.result;
        curl_multi_remove_handle(m, h);
        rc = svc_http_done(x, code, &rep, &retryable, &e);
    }
    svc_http_release(x);
    curl_easy_cleanup(h);
    svc_delivery_feed(d, rc, &rep, retryable, &e);
}

static int deliver(const struct svc_instance *inst, const struct notif *n,
                   const struct eng_dest *dest, long deadline_ms,
                   struct svc_result *r)
{
    struct svc_delivery *d;
    CURLM *m = curl_multi_init();
    int64_t until = deadline_ms > 0 ? svc_now_ms() + deadline_ms : 0;
    int rc =
        m ? svc_delivery_start_until(inst, eng_notif_root(n), dest, until, &d)
          : RN_ENOMEM;
    if (rc != RN_OK) {
        curl_multi_cleanup(m);
        return rc;
    }
    while (svc_delivery_state(d) == SVC_D_PERFORM)
        transfer(m, d);
    *r = *svc_delivery_result(d);
    svc_delivery_free(d);
    curl_multi_cleanup(m);
    return r->code;
}

static int send_one(struct arena *a, struct cfg *c, struct val obj,
                    const struct args *g, const char *recipient,
                    struct svc_result *r, struct rn_err *e)
{
    struct eng_dest d;
    struct val vars;
    struct notif *n;
    const struct cfg_service *cs;
    struct svc_instance *inst = NULL;
    eng_parse_recipient(a, recipient, 0, &d);
    int rc = cfg_service_lookup(c, d.service, &cs, e);
    if (rc == RN_OK)
        rc = eng_vars(c, obj, NULL, a, &vars);
    if (rc == RN_OK)
        rc = eng_vars_send(a, vars, &d, &vars);
    if (rc == RN_OK)
        rc = eng_notif_render(c, &g->tmpl, 1, vars, a, &n, e);
    if (rc == RN_OK)
        rc = svc_instance_new(cs, &inst, e);
    if (rc != RN_OK)
        return rc;
    rc = deliver(inst, n, &d, g->deadline_ms, r);
    svc_instance_free(inst);
    return rc == RN_OK ? RN_OK : 4;
}

/* Send to each recipient in order; stop at the first failure. */
static int send_all(struct arena *a, struct cfg *c, struct val obj,
                    const struct args *g)
{
    for (int i = 0; i < g->nrecipients; i++) {
        struct rn_err e = {0};
        struct svc_result r = {0};
        int rc = send_one(a, c, obj, g, g->recipients[i], &r, &e);
        if (rc == RN_OK) {
            printf("sent attempts=%d\n", r.attempts);
            continue;
        }
        fprintf(stderr, "failed to notify '%s': %s\n", g->recipients[i],
                rc == 4 ? r.msg : e.msg);
        fprintf(stderr, "retryable=%d status=%ld attempts=%d\n",
                rc == 4 && r.retryable, r.status, r.attempts);
        return 4;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct args g;
    struct arena a;
    struct cfg *c = NULL;
    struct val obj;
    struct rn_err e = {0};
    if (parse_args(argc, argv, &g) != 0) {
        fprintf(stderr, "usage: svc_driver --config-map F --secret F "
                        "--template NAME --resource F --recipient S:R...\n");
        return 2;
    }
    svc_global_init();
    arena_init(&a, 0);
    int rc = load(&a, &g, &c, &obj, &e);
    if (rc == RN_OK)
        rc = send_all(&a, c, obj, &g);
    else
        fprintf(stderr, "setup failed: %s\n", e.msg);
    cfg_unref(c);
    arena_free(&a);
    curl_global_cleanup();
    return rc == RN_OK ? 0 : rc == 4 ? 4 : 2;
}
