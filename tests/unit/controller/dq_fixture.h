/*
 * dq_fixture.h: what the delivery-queue tests share: tests/doubles/
 * fake_http.py started per test with a reply script (its request log read
 * back as JSON), webhook instances pointing at it, items whose bodies
 * name them, a loop driven until a condition holds, and a record of every
 * done() call.
 */
#ifndef RN_TEST_DQ_FIXTURE_H
#define RN_TEST_DQ_FIXTURE_H

#include "../services/svc_fixture.h"

#include "controller/controller_int.h"
#include "core/alloc.h"
#include "kube/kube.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the HTTP double ---- */

struct fake {
    pid_t pid;
    int port;
    char dir[64], log[96], script[96];
};

static inline void fake_start(struct fake *f, const char *script)
{
    const char *td = getenv("RN_TESTDATA");
    char prog[512];
    int fds[2];
    snprintf(prog, sizeof prog, "%s/doubles/fake_http.py", td ? td : "tests");
    snprintf(f->dir, sizeof f->dir, "/tmp/rn_dq_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->log, sizeof f->log, "%s/log", f->dir);
    snprintf(f->script, sizeof f->script, "%s/script.json", f->dir);
    FILE *s = fopen(f->script, "w");
    assert_non_null(s);
    fputs(script, s);
    fclose(s);
    FILE *lg = fopen(f->log, "w"); /* exists even before a request */
    assert_non_null(lg);
    fclose(lg);
    assert_int_equal(pipe(fds), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0) {
        /* the double dies with the test, even when an assertion ends the
         * test early: ctest would otherwise wait on its open pipe */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/usr/bin/python3", "python3", prog, "--log", f->log, "--script",
              f->script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, in));
    fclose(in);
    assert_int_equal(sscanf(line, "PORT %d", &f->port), 1);
}

static inline void fake_stop(struct fake *f)
{
    kill(f->pid, SIGTERM);
    waitpid(f->pid, NULL, 0);
    unlink(f->log);
    unlink(f->script);
    rmdir(f->dir);
}

/* GET a path of the double from the test thread (/__release/<name>). */
static inline void fake_get(const struct fake *f, const char *path)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", f->port, path);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    curl_easy_cleanup(h);
}

struct logged {
    char path[64], body[64];
    long status;
    double t;
};

/* The request log so far; returns the number of entries. */
static inline size_t fake_log(const struct fake *f, struct logged *out,
                              size_t cap)
{
    FILE *in = fopen(f->log, "r");
    char line[8192];
    size_t n = 0;
    assert_non_null(in);
    while (n < cap && fgets(line, sizeof line, in)) {
        struct arena a;
        struct val v;
        struct rn_err e = {0};
        arena_init(&a, 0);
        assert_int_equal(json_parse(&a, line, strlen(line), NULL, &v, &e),
                         RN_OK);
        const struct val *p = val_get_cstr(v, "path");
        const struct val *b = val_get_cstr(v, "body");
        snprintf(out[n].path, sizeof out[n].path, "%s", val_str_ptr(*p));
        snprintf(out[n].body, sizeof out[n].body, "%s", val_str_ptr(*b));
        out[n].status = (long)val_float_of(*val_get_cstr(v, "status"));
        out[n].t = val_float_of(*val_get_cstr(v, "t"));
        arena_free(&a);
        n++;
    }
    fclose(in);
    return n;
}

/* ---- services and items ---- */

/* A webhook named `name` posting to the double; retry_max -1 makes one
 * request per attempt. */
static inline struct svc_instance *hook(const struct fake *f, const char *name,
                                        int retry_max)
{
    char y[256];
    struct rn_err e = {0};
    snprintf(y, sizeof y,
             "url: http://127.0.0.1:%d\nretryMax: %d\nretryWaitMin: 10ms\n"
             "retryWaitMax: 20ms\n",
             f->port, retry_max);
    struct svc_instance *s = fx_inst_e("webhook", name, y, &e);
    if (!s)
        fail_msg("instance: %s", e.msg);
    return s;
}

/* An item for (service name, recipient) whose request is POST <path>
 * with body `label`; it->ud is the label. */
static inline struct ctl_item *item(const struct svc_instance *s,
                                    const char *rcpt, const char *path,
                                    const char *label, int64_t deadline_ms)
{
    struct ctl_item *it = ctl_item_new();
    char json[512];
    struct rn_err e = {0};
    const char *name = svc_instance_name(s);
    assert_non_null(it);
    snprintf(json, sizeof json,
             "{\"message\":\"%s\",\"webhook\":{\"%s\":{\"method\":\"POST\","
             "\"path\":\"%s\",\"body\":\"%s\"}}}",
             label, name, path, label);
    assert_int_equal(
        json_parse(&it->a, json, strlen(json), NULL, &it->root, &e), RN_OK);
    it->svc = s;
    it->dest.service = arena_strdup(&it->a, name);
    it->dest.recipient = arena_strdup(&it->a, rcpt);
    it->ud = arena_strdup(&it->a, label);
    it->deadline_ms = deadline_ms;
    return it;
}

/* ---- what done() saw ---- */

struct rec {
    char label[32];
    bool ok;
    int attempts; /* whole-delivery attempts */
    struct svc_result r;
};

struct recs {
    struct rec r[64];
    int n;
};

static inline void on_done(void *ud, struct ctl_item *it, bool ok,
                           const struct svc_result *r)
{
    struct recs *rs = ud;
    assert_true(rs->n < 64);
    struct rec *x = &rs->r[rs->n++];
    snprintf(x->label, sizeof x->label, "%s", (const char *)it->ud);
    x->ok = ok;
    x->attempts = it->attempts;
    x->r = *r;
    ctl_item_free(it);
}

static inline const struct rec *rec_of(const struct recs *rs, const char *label)
{
    for (int i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].label, label) == 0)
            return &rs->r[i];
    return NULL;
}

/* Turn the loop until cond holds; 30 s is a hang, not a slow machine. */
static inline void run_until(struct kube_loop *l, bool (*cond)(void *),
                             void *ud)
{
    int64_t start = kube_loop_now(l);
    while (!cond(ud)) {
        if (kube_loop_now(l) - start > 30000)
            fail_msg("the loop did not get there in 30 s");
        kube_loop_run_once(l, 50);
    }
}

struct want {
    struct recs *rs;
    int n;
};

static inline bool have_n(void *ud)
{
    struct want *w = ud;
    return w->rs->n >= w->n;
}

static inline void run_until_done(struct kube_loop *l, struct recs *rs, int n)
{
    struct want w = {rs, n};
    run_until(l, have_n, &w);
}

#endif
