/*
 * main.c: rnotify-sandbox's command line, start-up and shutdown.
 *
 * Start-up order matters to the tests that launch it: listen, write the
 * kubeconfig (atomically, so a reader never sees half of it), print the
 * one "serving" line, and only then play a --scenario, so a client that
 * waits for the line sees every event of the scenario.  SIGTERM or SIGINT
 * stops it with status 0.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/json.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NAMESPACES 64

static const char usage[] =
    "usage: rnotify-sandbox [--addr 127.0.0.1:PORT] [--kubeconfig FILE]\n"
    "       [--tls] [--ca-out FILE] [--token TOKEN | --token-file FILE]\n"
    "       [--scenario FILE] [--time-scale F] [--history N]\n"
    "       [--bookmark-interval S] [--event-ttl S] [--watch-timeout S]\n"
    "       [--base-rv N] [--namespace NS]... [--quiet]\n"
    "A Kubernetes API-server double for rnotify's tests and demo\n"
    "(docs/sandbox.md).\n";

struct opts {
    struct sb_config *cfg;
    const char *token, *token_file;
    const char *namespaces[MAX_NAMESPACES];
    size_t nns;
};

static int num_arg(const char *flag, const char *v, double min, double *out)
{
    char *end;
    errno = 0;
    double d = v ? strtod(v, &end) : 0;
    if (!v || *end || errno || d < min) {
        fprintf(stderr, "rnotify-sandbox: %s wants a number >= %g\n", flag,
                min);
        return -1;
    }
    *out = d;
    return 0;
}

/* One flag with its value (argv[*i + 1]); -1 on a bad one. */
static int flag(struct opts *o, char **argv, int argc, int *i)
{
    const char *f = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    struct sb_config *c = o->cfg;
    double d = 0;
    if (!strcmp(f, "--tls"))
        return c->tls = true, 0;
    if (!strcmp(f, "--quiet"))
        return c->quiet = true, 0;
    if (!v)
        return fprintf(stderr, "rnotify-sandbox: %s wants a value\n", f), -1;
    (*i)++;
    if (!strcmp(f, "--addr"))
        return c->addr = v, 0;
    if (!strcmp(f, "--kubeconfig"))
        return c->kubeconfig = v, 0;
    if (!strcmp(f, "--ca-out"))
        return c->ca_out = v, 0;
    if (!strcmp(f, "--token"))
        return o->token = v, 0;
    if (!strcmp(f, "--token-file"))
        return o->token_file = v, 0;
    if (!strcmp(f, "--scenario"))
        return c->scenario = v, 0;
    if (!strcmp(f, "--namespace")) {
        if (o->nns == MAX_NAMESPACES)
            return -1;
        return o->namespaces[o->nns++] = v, 0;
    }
    static const struct {
        const char *name;
        double min;
    } nums[] = {{"--history", 1},    {"--bookmark-interval", 1},
                {"--event-ttl", 0},  {"--watch-timeout", 1},
                {"--time-scale", 0}, {"--base-rv", 1}};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++) {
        if (strcmp(f, nums[k].name))
            continue;
        if (num_arg(f, v, nums[k].min, &d))
            return -1;
        switch (k) {
        case 0:
            c->history = (size_t)d;
            break;
        case 1:
            c->bookmark_interval_s = (long)d;
            break;
        case 2:
            c->event_ttl_s = (long)d;
            break;
        case 3:
            c->watch_timeout_s = (long)d;
            break;
        case 4:
            c->time_scale = d;
            break;
        default:
            c->base_rv = (int64_t)d;
            break;
        }
        return 0;
    }
    fprintf(stderr, "rnotify-sandbox: unknown flag %s\n%s", f, usage);
    return -1;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    struct sb_config *c = o->cfg;
    *c = (struct sb_config){.addr = "127.0.0.1:0",
                            .history = SB_DEFAULT_HISTORY,
                            .bookmark_interval_s = 60,
                            .event_ttl_s = 3600,
                            .watch_timeout_s = 1800,
                            .time_scale = 1.0,
                            .base_rv = SB_DEFAULT_BASE_RV};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            exit(0);
        }
        if (flag(o, argv, argc, &i))
            return -1;
    }
    return 0;
}

/* The token the kubeconfig carries: --token, else the file's first. */
static char *first_token(const char *path)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    char line[4096];
    char *tok = NULL;
    while (f && !tok && fgets(line, sizeof line, f)) {
        char *s = line + strspn(line, " \t");
        size_t n = strcspn(s, ",\r\n");
        if (n && *s != '#')
            tok = rn_strndup(s, n);
    }
    if (f)
        fclose(f);
    return tok;
}

static int yaml_str(struct buf *b, const char *key, const char *v)
{
    int rc = buf_add_str(b, key);
    return rc ? rc
              : json_emit_string(b, v, strlen(v), 0) || buf_add_char(b, '\n');
}

static int kubeconfig_text(const struct sb *sb, const char *token,
                           struct buf *b)
{
    int rc = buf_add_str(b, "apiVersion: v1\nkind: Config\n"
                            "clusters:\n- name: sandbox\n  cluster:\n");
    if (!rc)
        rc = yaml_str(b, "    server: ", sb->server_url);
    if (!rc && sb->cfg.tls) {
        struct buf ca;
        buf_init(&ca, 0);
        rc = sb_b64_encode(&ca, sb->tls.ca_pem, strlen(sb->tls.ca_pem));
        if (!rc)
            rc = yaml_str(b, "    certificate-authority-data: ", buf_str(&ca));
        buf_free(&ca);
    }
    if (!rc)
        rc = buf_add_str(b, "users:\n- name: sandbox\n  user:");
    if (!rc && token)
        rc = yaml_str(b, "\n    token: ", token);
    else if (!rc)
        rc = buf_add_str(b, " {}\n");
    if (!rc)
        rc = buf_add_str(b, "contexts:\n- name: sandbox\n  context:\n"
                            "    cluster: sandbox\n    user: sandbox\n"
                            "    namespace: default\n"
                            "current-context: sandbox\npreferences: {}\n");
    return rc;
}

static int write_file(const char *path, const char *text, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return RN_EIO;
    bool ok = fwrite(text, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        return RN_EIO;
    }
    return RN_OK;
}

static int write_kubeconfig(const struct sb *sb, const struct opts *o)
{
    char *token = o->token ? rn_strndup(o->token, strlen(o->token))
                           : first_token(o->token_file);
    struct buf b;
    buf_init(&b, 0);
    int rc = kubeconfig_text(sb, token, &b);
    if (!rc && sb->cfg.kubeconfig)
        rc = write_file(sb->cfg.kubeconfig, buf_str(&b), b.len);
    if (!rc && sb->cfg.tls && sb->cfg.ca_out)
        rc = write_file(sb->cfg.ca_out, sb->tls.ca_pem, strlen(sb->tls.ca_pem));
    buf_free(&b);
    rn_free(token);
    if (rc)
        fprintf(stderr, "rnotify-sandbox: cannot write %s\n",
                sb->cfg.kubeconfig);
    return rc;
}

static int declare_namespaces(struct sb *sb, const struct opts *o)
{
    for (size_t i = 0; i < o->nns; i++) {
        struct arena a;
        arena_init(&a, 0);
        struct val ns = sb_vobj();
        sb_obj_put2(&a, &ns, "metadata", "name", sb_vstr(&a, o->namespaces[i]));
        struct sb_wreq w = {
            .verb = SB_W_CREATE, .res = SB_NAMESPACES, .body = ns};
        struct sb_status st;
        struct doc *d = NULL;
        int code;
        sb_status_init(&st);
        int rc = sb_write(sb, &w, &d, &code, &st);
        doc_unref(d);
        arena_free(&a);
        if (rc && st.code != 409) {
            fprintf(stderr, "rnotify-sandbox: --namespace %s: %s\n",
                    o->namespaces[i], st.message);
            return rc;
        }
    }
    return RN_OK;
}

static int setup(struct sb *sb, const struct opts *o, struct rn_err *e)
{
    int rc = sb_store_init(&sb->store, sb->cfg.base_rv, sb->cfg.history);
    if (!rc)
        rc = sb_journal_init(&sb->journal, SB_JOURNAL_MAX);
    sb_tokens_init(&sb->tokens);
    sb_faults_init(&sb->faults);
    if (!rc)
        rc = sb_recorder_new(&sb->recorder);
    if (!rc)
        rc = sb_scenarios_new(&sb->scenarios);
    if (!rc && o->token)
        rc = sb_tokens_add(&sb->tokens, o->token, "sandbox");
    if (!rc && o->token_file)
        rc = sb_tokens_load(&sb->tokens, o->token_file, e);
    if (!rc && sb->cfg.tls)
        rc = sb_tls_generate(&sb->tls, e);
    if (!rc)
        rc = sb_http_start(sb, e);
    return rc;
}

static void teardown(struct sb *sb)
{
    sb_http_stop(sb);
    sb_scenarios_free(sb->scenarios);
    sb_recorder_free(sb->recorder);
    sb_faults_free(&sb->faults);
    sb_tokens_free(&sb->tokens);
    sb_journal_free(&sb->journal);
    sb_store_free(&sb->store);
    sb_tls_free(&sb->tls);
}

static int serve(struct sb *sb, const struct opts *o, const sigset_t *sigs)
{
    struct rn_err e = {0};
    int rc = setup(sb, o, &e);
    if (!rc)
        rc = declare_namespaces(sb, o);
    if (!rc)
        rc = write_kubeconfig(sb, o);
    if (rc) {
        if (e.msg[0])
            fprintf(stderr, "rnotify-sandbox: %s\n", e.msg);
        return rc;
    }
    printf("rnotify-sandbox: serving %s\n", sb->server_url);
    fflush(stdout);
    sb_ttl_start(sb);
    uint64_t id;
    if (sb->cfg.scenario &&
        sb_scenario_start_file(sb, sb->cfg.scenario, false, &id, &e))
        fprintf(stderr, "rnotify-sandbox: %s\n", e.msg);
    int sig;
    sigwait(sigs, &sig);
    sb_ttl_stop(sb);
    return RN_OK;
}

int main(int argc, char **argv)
{
    static struct sb sb;
    struct opts o = {.cfg = &sb.cfg};
    sigset_t sigs;
    if (parse_args(&o, argc, argv))
        return 2;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    int rc = serve(&sb, &o, &sigs);
    teardown(&sb);
    return rc ? 1 : 0;
}
