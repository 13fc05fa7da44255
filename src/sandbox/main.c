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
    "       [--tls] [--ca-out FILE] [--client-cert-out PREFIX]\n"
    "       [--client-ca FILE] [--token TOKEN | --token-file FILE]\n"
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

/* A numeric flag: 0 done, -1 bad value, 1 not a numeric flag. */
static int num_flag(struct sb_config *c, const char *f, const char *v)
{
    static const struct {
        const char *name;
        double min;
    } nums[] = {{"--history", 1},    {"--bookmark-interval", 1},
                {"--event-ttl", 0},  {"--watch-timeout", 1},
                {"--time-scale", 0}, {"--base-rv", 1}};
    double d = 0;
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
    return 1;
}

/* One flag with its value (argv[*i + 1]); -1 on a bad one. */
static int flag(struct opts *o, char **argv, int argc, int *i)
{
    const char *f = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    struct sb_config *c = o->cfg;
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
    if (!strcmp(f, "--client-cert-out"))
        return c->client_cert_out = v, 0;
    if (!strcmp(f, "--client-ca"))
        return c->client_ca = v, 0;
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
    int rc = num_flag(c, f, v);
    if (rc <= 0)
        return rc;
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

/* key: "<base64 of pem>" */
static int pem_field(struct buf *b, const char *key, const char *pem)
{
    struct buf enc;
    buf_init(&enc, 0);
    int rc = sb_b64_encode(&enc, pem, strlen(pem));
    if (!rc)
        rc = yaml_str(b, key, buf_str(&enc));
    buf_free(&enc);
    return rc;
}

static int kubeconfig_text(const struct sb *sb, const char *token,
                           struct buf *b)
{
    int rc = buf_add_str(b, "apiVersion: v1\nkind: Config\n"
                            "clusters:\n- name: sandbox\n  cluster:\n");
    if (!rc)
        rc = yaml_str(b, "    server: ", sb->server_url);
    if (!rc && sb->cfg.tls)
        rc = pem_field(b, "    certificate-authority-data: ", sb->tls.ca_pem);
    if (!rc)
        rc = buf_add_str(b, "users:\n- name: sandbox\n  user:");
    if (!rc && sb->tls.client_cert_pem)
        rc = pem_field(
            b, "\n    client-certificate-data: ", sb->tls.client_cert_pem);
    if (!rc && sb->tls.client_key_pem)
        rc = pem_field(b, "    client-key-data: ", sb->tls.client_key_pem);
    if (!rc && token)
        rc = yaml_str(
            b,
            sb->tls.client_cert_pem ? "    token: " : "\n    token: ", token);
    else if (!rc && !sb->tls.client_cert_pem)
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

/* PREFIX.crt and PREFIX.key of --client-cert-out */
static int write_client_cert(const struct sb *sb)
{
    char path[4096];
    const char *pre = sb->cfg.client_cert_out;
    snprintf(path, sizeof path, "%s.crt", pre);
    int rc = write_file(path, sb->tls.client_cert_pem,
                        strlen(sb->tls.client_cert_pem));
    snprintf(path, sizeof path, "%s.key", pre);
    return rc ? rc
              : write_file(path, sb->tls.client_key_pem,
                           strlen(sb->tls.client_key_pem));
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
    if (!rc && sb->tls.client_cert_pem)
        rc = write_client_cert(sb);
    buf_free(&b);
    rn_free(token);
    if (rc)
        fprintf(stderr, "rnotify-sandbox: cannot write the kubeconfig, the "
                        "CA or the client certificate\n");
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

/* The CAs accepted for client certificates: the sandbox's own when it
 * issued one, and --client-ca. */
static int client_trust(struct sb *sb, struct rn_err *e)
{
    struct buf b;
    buf_init(&b, 1u << 20);
    int rc = sb->cfg.client_cert_out ? buf_add_str(&b, sb->tls.ca_pem) : 0;
    FILE *f = sb->cfg.client_ca ? fopen(sb->cfg.client_ca, "r") : NULL;
    if (sb->cfg.client_ca && !f)
        rc =
            rn_errf(e, RN_EIO, "cannot open --client-ca %s", sb->cfg.client_ca);
    char chunk[4096];
    size_t n;
    while (!rc && f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_add(&b, chunk, n);
    if (f)
        fclose(f);
    if (!rc && b.len)
        sb->tls.trust_pem = buf_take(&b, &n);
    buf_free(&b);
    return rc;
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
        rc = sb_tls_generate(
            &sb->tls, sb->cfg.client_cert_out ? "sandbox-client" : NULL, e);
    if (!rc && sb->cfg.tls)
        rc = client_trust(sb, e);
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
