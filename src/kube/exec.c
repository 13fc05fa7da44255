/*
 * exec.c: client.authentication.k8s.io exec credential plugins.
 *
 * The plugin runs with the parent's environment plus its configured env
 * and KUBERNETES_EXEC_INFO (an ExecCredential whose spec says
 * interactive:false and, when asked, describes the cluster), stdin on
 * /dev/null and stderr passed through.  Its stdout must be an
 * ExecCredential of the same apiVersion carrying a token or a client
 * certificate and key.  A run is bounded in time and output; what the
 * plugin printed never appears in an error, since it holds the
 * credential.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/gotime.h"
#include "../core/json.h"
#include "../core/limits.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void kube_exec_cred_free(struct kube_exec_cred *cr)
{
    rn_free(cr->token);
    rn_free(cr->cert);
    rn_free(cr->key);
    memset(cr, 0, sizeof *cr);
}

static int plugin_err(struct rn_err *e, const struct kube_exec *x,
                      const char *why)
{
    return rn_errf(e, RN_ECONFIG, "exec plugin \"%s\": %s%s%s", x->command, why,
                   x->install_hint ? "; " : "",
                   x->install_hint ? x->install_hint : "");
}

/* ---- KUBERNETES_EXEC_INFO ---- */

static int add_kv_str(struct buf *b, const char *k, const char *v)
{
    if (!v || !*v)
        return RN_OK;
    int rc = buf_add_fmt(b, ",\"%s\":", k);
    return rc ? rc : json_emit_string(b, v, strlen(v), 0);
}

static int add_ca_b64(struct buf *b, const struct kube_config *c)
{
    if (!c->ca_pem || c->ca_len > RN_KUBE_MAX_FILE)
        return RN_OK;
    unsigned char *enc = rn_malloc(c->ca_len / 3 * 4 + 8);
    if (!enc)
        return RN_ENOMEM;
    int n =
        EVP_EncodeBlock(enc, (const unsigned char *)c->ca_pem, (int)c->ca_len);
    int rc = buf_add_str(b, ",\"certificate-authority-data\":\"");
    if (!rc)
        rc = buf_add(b, enc, (size_t)n);
    if (!rc)
        rc = buf_add_char(b, '"');
    rn_free(enc);
    return rc;
}

static int cluster_info(struct buf *b, const struct kube_config *c)
{
    int rc = buf_add_str(b, ",\"cluster\":{\"server\":");
    if (!rc)
        rc = json_emit_string(b, c->server, strlen(c->server), 0);
    if (!rc)
        rc = add_kv_str(b, "tls-server-name", c->tls_server_name);
    if (!rc && c->insecure)
        rc = buf_add_str(b, ",\"insecure-skip-tls-verify\":true");
    if (!rc)
        rc = add_ca_b64(b, c);
    if (!rc)
        rc = add_kv_str(b, "proxy-url", c->proxy_url);
    if (!rc && c->disable_compression)
        rc = buf_add_str(b, ",\"disable-compression\":true");
    if (!rc && c->exec_ext)
        rc = buf_add_fmt(b, ",\"config\":%s", c->exec_ext);
    return rc ? rc : buf_add_char(b, '}');
}

static int exec_info(struct buf *b, const struct kube_config *c)
{
    int rc = buf_add_fmt(b,
                         "KUBERNETES_EXEC_INFO={\"apiVersion\":\"%s\","
                         "\"kind\":\"ExecCredential\",\"spec\":{"
                         "\"interactive\":false",
                         c->exec->api_version);
    if (!rc && c->exec->provide_cluster_info)
        rc = cluster_info(b, c);
    return rc ? rc : buf_add_str(b, "}}");
}

/* The parent's environment without the names the plugin config sets,
 * then those, then KUBERNETES_EXEC_INFO. */
static bool overridden(const char *var, const char **env)
{
    size_t n = strcspn(var, "=");
    if (strncmp(var, "KUBERNETES_EXEC_INFO=", 21) == 0)
        return true;
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], var, n) == 0 && env[i][n] == '=')
            return true;
    return false;
}

static char **make_env(const struct kube_exec *x, const char *info)
{
    size_t n = 0, k = 0, m = 0;
    while (environ && environ[n])
        n++;
    while (x->env && x->env[m])
        m++;
    char **v = rn_calloc(n + m + 2, sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!overridden(environ[i], x->env))
            v[k++] = environ[i];
    for (size_t i = 0; i < m; i++)
        v[k++] = (char *)x->env[i];
    v[k] = (char *)info;
    return v;
}

/* ---- running it ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read fd to EOF into b; RN_ELIMIT past the cap, RN_EIO on timeout. */
static int drain(int fd, struct buf *b, int64_t deadline)
{
    char chunk[4096];
    for (;;) {
        int64_t left = deadline - mono_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0)
            return RN_EIO;
        int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno != EINTR)
            return RN_EIO;
        if (r <= 0)
            continue;
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got <= 0)
            return got == 0 ? RN_OK : RN_EIO;
        int rc = buf_add(b, chunk, (size_t)got);
        if (rc)
            return rc;
    }
}

static int spawn(const struct kube_exec *x, char **envp, int out, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    /* its own process group, so a timeout kills what it started too */
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    char *const *argv = (char *const *)x->argv;
    int rc = strchr(x->command, '/')
                 ? posix_spawn(pid, x->command, &fa, &at, argv, envp)
                 : posix_spawnp(pid, x->command, &fa, &at, argv, envp);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Run the plugin; its stdout lands in b. */
static int run(const struct kube_config *c, struct buf *b, struct rn_err *e)
{
    const struct kube_exec *x = c->exec;
    struct buf info;
    int fds[2];
    pid_t pid;
    buf_init(&info, RN_KUBE_MAX_FILE * 2);
    char **envp = exec_info(&info, c) == RN_OK ? make_env(x, info.ptr) : NULL;
    if (!envp || pipe2(fds, O_CLOEXEC) != 0) {
        buf_free(&info);
        rn_free(envp);
        return rn_errf(e, RN_ENOMEM, "exec plugin \"%s\": cannot start",
                       x->command);
    }
    int sp = spawn(x, envp, fds[1], &pid);
    close(fds[1]);
    buf_free(&info);
    rn_free(envp);
    if (sp != 0) {
        close(fds[0]);
        return plugin_err(e, x,
                          sp == ENOENT ? "executable not found" : strerror(sp));
    }
    int rc = drain(fds[0], b, mono_ms() + c->exec_timeout_ms);
    close(fds[0]);
    if (rc != RN_OK)
        kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (rc == RN_EIO)
        return plugin_err(e, x, "timed out or failed reading its output");
    if (rc != RN_OK)
        return plugin_err(e, x, "output too large");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char why[64];
        snprintf(why, sizeof why,
                 WIFEXITED(st) ? "exit status %d" : "killed by signal %d",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        return plugin_err(e, x, why);
    }
    return RN_OK;
}

/* ---- the reply ---- */

static const char *str_at(struct val o, const char *k)
{
    const struct val *v = val_get_cstr(o, k);
    return v && val_kind(*v) == VAL_STRING && val_str_len(*v) ? val_str_ptr(*v)
                                                              : NULL;
}

static int expiry(struct arena *a, const char *ts, int64_t *out)
{
    const struct val_time *t;
    struct rn_err pe;
    if (!ts) {
        *out = 0;
        return RN_OK;
    }
    if (gotime_parse(a, GOTIME_RFC3339, strlen(GOTIME_RFC3339), ts, strlen(ts),
                     "UTC", &t, &pe) != RN_OK)
        return RN_EINVAL;
    *out = t->unix;
    return RN_OK;
}

static int decode(const struct kube_config *c, struct arena *a, struct val r,
                  struct kube_exec_cred *cr, struct rn_err *e)
{
    const struct kube_exec *x = c->exec;
    const char *av = str_at(r, "apiVersion"), *kind = str_at(r, "kind");
    const struct val *st = val_get_cstr(r, "status");
    if (!av || strcmp(av, x->api_version) != 0)
        return plugin_err(e, x, "reply apiVersion differs from the request");
    if (!kind || strcmp(kind, "ExecCredential") != 0 || !st ||
        val_kind(*st) != VAL_OBJECT)
        return plugin_err(e, x, "reply is not an ExecCredential with status");
    const char *tok = str_at(*st, "token");
    const char *crt = str_at(*st, "clientCertificateData");
    const char *key = str_at(*st, "clientKeyData");
    if (!tok && !(crt && key))
        return plugin_err(e, x,
                          "reply has neither a token nor a client "
                          "certificate and key");
    if (expiry(a, str_at(*st, "expirationTimestamp"), &cr->expiry_unix))
        return plugin_err(e, x, "expirationTimestamp is not RFC 3339");
    cr->token = tok ? rn_strndup(tok, strlen(tok)) : NULL;
    cr->cert = crt ? rn_strndup(crt, cr->cert_len = strlen(crt)) : NULL;
    cr->key = crt && key ? rn_strndup(key, cr->key_len = strlen(key)) : NULL;
    if ((tok && !cr->token) || (crt && key && (!cr->cert || !cr->key))) {
        kube_exec_cred_free(cr);
        return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    return RN_OK;
}

int kube_exec_run(const struct kube_config *c, struct kube_exec_cred *out,
                  struct rn_err *e)
{
    struct buf b;
    struct arena a;
    struct val r;
    struct json_opts jo = {.nums = JSON_NUM_INT64};
    memset(out, 0, sizeof *out);
    buf_init(&b, RN_KUBE_MAX_EXEC_OUT);
    arena_init(&a, 0);
    int rc = run(c, &b, e);
    if (rc == RN_OK &&
        json_parse(&a, b.ptr ? b.ptr : "", b.len, &jo, &r, NULL) != RN_OK)
        rc = plugin_err(e, c->exec, "output is not JSON");
    if (rc == RN_OK)
        rc = decode(c, &a, r, out, e);
    if (b.ptr)
        memset(b.ptr, 0, b.len);
    buf_free(&b);
    arena_free(&a);
    return rc;
}
