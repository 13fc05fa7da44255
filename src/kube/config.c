/*
 * config.c: which configuration the client uses, in kubectl's order.
 *
 *   1. --kubeconfig FILE (it must exist);
 *   2. the KUBECONFIG list (merged by kubeconfig.c), when it defines a
 *      cluster;
 *   3. in-cluster: KUBERNETES_SERVICE_HOST/PORT and a readable
 *      service-account token;
 *   4. ~/.kube/config;
 *   5. nothing, unless --server was given.
 *
 * The command-line overrides apply last, whatever the source.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/limits.h"
#include "../core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define DEFAULT_TIMEOUT_MS 30000
#define EXEC_TIMEOUT_MS 60000

int kube_config_alloc(struct kube_config **out)
{
    struct kube_config *c = rn_calloc(1, sizeof *c);
    if (!c)
        return RN_ENOMEM;
    arena_init(&c->a, 0);
    c->exec_timeout_ms = EXEC_TIMEOUT_MS;
    *out = c;
    return RN_OK;
}

void kube_config_free(struct kube_config *c)
{
    if (!c)
        return;
    arena_free(&c->a);
    rn_free(c);
}

const char *kube_config_namespace(const struct kube_config *c)
{
    return c->ns ? c->ns : "default";
}

const char *kube_config_server(const struct kube_config *c)
{
    return c->server ? c->server : "";
}

const char *kube_config_source(const struct kube_config *c)
{
    return c->source ? c->source : "";
}

const char *kube_sa_dir(void)
{
    const char *d = getenv("RNOTIFY_SERVICEACCOUNT_DIR");
    return d && *d ? d : SA_DIR;
}

static int read_all(int fd, struct arena *a, size_t size, char **out,
                    size_t *len)
{
    char *p = arena_alloc(a, size + 1);
    size_t n = 0;
    if (!p)
        return RN_ENOMEM;
    while (n < size) {
        ssize_t r = read(fd, p + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return RN_EIO;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return RN_OK;
}

/* O_NONBLOCK so a FIFO never blocks the open; only regular files are
 * read. */
int kube_read_file(struct arena *a, const char *path, size_t max, char **out,
                   size_t *len, struct rn_err *e)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    int rc;
    if (fd < 0)
        return rn_errf(e, RN_EIO, "cannot read %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = rn_errf(e, RN_EIO, "cannot read %s: not a regular file", path);
    else if ((size_t)st.st_size > max)
        rc = rn_errf(e, RN_EIO, "cannot read %s: larger than %zu bytes", path,
                     max);
    else
        rc = read_all(fd, a, (size_t)st.st_size, out, len);
    close(fd);
    if (rc == RN_ENOMEM)
        return rn_errf(e, rc, "out of memory");
    if (rc == RN_EIO)
        return rn_errf(e, RN_EIO, "cannot read %s: read error", path);
    return rc;
}

/* ---- in-cluster ---- */

static const char *trim(struct arena *a, const char *s, size_t n)
{
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    while (n && strchr(" \t\r\n", *s)) {
        s++;
        n--;
    }
    return arena_strndup(a, s, n);
}

static bool incluster_available(void)
{
    const char *h = getenv("KUBERNETES_SERVICE_HOST");
    const char *p = getenv("KUBERNETES_SERVICE_PORT");
    char tok[4096];
    if (!h || !*h || !p || !*p)
        return false;
    snprintf(tok, sizeof tok, "%s/token", kube_sa_dir());
    return access(tok, R_OK) == 0;
}

/* POD_NAMESPACE, else the namespace file, else unset ("default"). */
static void incluster_ns(struct kube_config *c, const char *dir)
{
    const char *env = getenv("POD_NAMESPACE");
    char *text;
    size_t n;
    if (env && *env) {
        c->ns = arena_strdup(&c->a, env);
        return;
    }
    const char *path = arena_printf(&c->a, "%s/namespace", dir);
    if (path && kube_read_file(&c->a, path, 4096, &text, &n, NULL) == RN_OK)
        c->ns = n ? trim(&c->a, text, n) : NULL;
}

static int load_incluster(struct kube_config **out, struct rn_err *e)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    const char *dir = kube_sa_dir();
    struct kube_config *c;
    struct rn_err fe;
    char *ca;
    if (kube_config_alloc(&c) != RN_OK)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    bool v6 = strchr(host, ':') != NULL;
    c->server = arena_printf(&c->a, "https://%s%s%s:%s", v6 ? "[" : "", host,
                             v6 ? "]" : "", port);
    c->token_file = arena_printf(&c->a, "%s/token", dir);
    c->source = "in-cluster";
    const char *capath = arena_printf(&c->a, "%s/ca.crt", dir);
    if (!c->server || !c->token_file || !capath) {
        kube_config_free(c);
        return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    if (kube_read_file(&c->a, capath, RN_KUBE_MAX_FILE, &ca, &c->ca_len, &fe) ==
        RN_OK)
        c->ca_pem = ca;
    else
        log_kv(LOG_WARN, "in-cluster CA not loaded; using system CAs", "error",
               fe.msg, NULL);
    incluster_ns(c, dir);
    *out = c;
    return RN_OK;
}

/* ---- kubeconfig files ---- */

/* Add a file to m; a missing file is skipped when `optional`. */
static int add_file(struct kcfg_merge *m, const char *path, bool optional,
                    struct rn_err *e)
{
    struct arena a;
    char *text;
    size_t n;
    struct rn_err fe;
    if (optional && access(path, F_OK) != 0)
        return RN_OK;
    arena_init(&a, 0);
    int rc = kube_read_file(&a, path, RN_KUBE_MAX_FILE, &text, &n, &fe);
    if (rc == RN_OK)
        rc = kcfg_add(m, text, n, path, e);
    else
        rc = rn_errf(e, RN_ECONFIG, "kubeconfig: %s", fe.msg);
    arena_free(&a);
    return rc;
}

/* KUBECONFIG: ':'-separated, empty entries skipped. */
static int add_list(struct kcfg_merge *m, const char *list, struct rn_err *e)
{
    const char *p = list;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char path[4096];
        if (n > 0 && n < sizeof path) {
            memcpy(path, p, n);
            path[n] = '\0';
            int rc = add_file(m, path, true, e);
            if (rc)
                return rc;
        }
        p += n + (colon != NULL);
    }
    return RN_OK;
}

/* Steps 1, 2 and 4: *found is false when no file defines a cluster. */
static int load_files(const struct kube_config_opts *o, bool home,
                      struct kube_config **out, bool *found, struct rn_err *e)
{
    struct kcfg_merge m;
    const char *env = getenv("KUBECONFIG");
    const char *h = getenv("HOME");
    char path[4096];
    int rc = RN_OK;
    kcfg_init(&m);
    *found = false;
    if (o->kubeconfig)
        rc = add_file(&m, o->kubeconfig, false, e);
    else if (!home && env && *env)
        rc = add_list(&m, env, e);
    else if (home && h && *h) {
        snprintf(path, sizeof path, "%s/.kube/config", h);
        rc = add_file(&m, path, true, e);
    }
    if (rc == RN_OK && (o->kubeconfig || kcfg_usable(&m))) {
        *found = true;
        rc = kcfg_resolve(&m, o, out, e);
    }
    kcfg_free(&m);
    return rc;
}

int kube_config_load(const struct kube_config_opts *o, struct kube_config **out,
                     struct rn_err *e)
{
    static const struct kube_config_opts none;
    bool found;
    struct kube_config *c;
    o = o ? o : &none;
    int rc = load_files(o, false, out, &found, e);
    if (rc || found)
        return rc;
    if (incluster_available()) {
        rc = load_incluster(&c, e);
        if (rc == RN_OK && (rc = kube_config_finish(c, o, e)) != RN_OK)
            kube_config_free(c);
        if (rc == RN_OK)
            *out = c;
        return rc;
    }
    rc = load_files(o, true, out, &found, e);
    if (rc || found)
        return rc;
    if (!o->server)
        return rn_errf(e, RN_ECONFIG,
                       "no Kubernetes configuration: give --kubeconfig or "
                       "--server, set KUBECONFIG, run in a cluster, or "
                       "create ~/.kube/config");
    if (kube_config_alloc(&c) != RN_OK)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    c->source = "command line";
    if ((rc = kube_config_finish(c, o, e)) != RN_OK) {
        kube_config_free(c);
        return rc;
    }
    *out = c;
    return RN_OK;
}

/* ---- overrides ---- */

static int override_ca(struct kube_config *c, const char *path,
                       struct rn_err *e)
{
    char *text = NULL; /* set when rc is 0 (gcc -O3 cannot tell) */
    struct rn_err fe;
    int rc =
        kube_read_file(&c->a, path, RN_KUBE_MAX_FILE, &text, &c->ca_len, &fe);
    if (rc)
        return rn_errf(e, RN_ECONFIG, "--certificate-authority: %s", fe.msg);
    c->ca_pem = text;
    c->insecure = false;
    return RN_OK;
}

static const char *dup_or(struct kube_config *c, const char *s, const char *old,
                          bool *oom)
{
    if (!s)
        return old;
    const char *d = arena_strdup(&c->a, s);
    *oom |= d == NULL;
    return d;
}

int kube_config_finish(struct kube_config *c, const struct kube_config_opts *o,
                       struct rn_err *e)
{
    bool oom = false;
    c->server = dup_or(c, o ? o->server : NULL, c->server, &oom);
    c->ns = dup_or(c, o && o->namespace && *o->namespace ? o->namespace : NULL,
                   c->ns, &oom);
    if (o && o->token) { /* --token replaces the user's credentials */
        c->token = dup_or(c, o->token, NULL, &oom);
        c->token_file = NULL;
        c->exec = NULL;
    }
    if (oom)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (o && o->insecure) { /* as kubectl: the flag drops the CA */
        c->insecure = true;
        c->ca_pem = NULL;
        c->ca_len = 0;
    }
    if (o && o->ca_file) {
        int rc = override_ca(c, o->ca_file, e);
        if (rc)
            return rc;
    }
    c->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    size_t n = c->server ? strlen(c->server) : 0;
    while (n > 0 && c->server[n - 1] == '/')
        n--;
    if (n == 0)
        return rn_errf(e, RN_ECONFIG, "%s: no server URL",
                       c->source ? c->source : "configuration");
    c->server = arena_strndup(&c->a, c->server, n);
    if (!c->server)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (strncmp(c->server, "https://", 8) && strncmp(c->server, "http://", 7))
        return rn_errf(e, RN_ECONFIG, "%s: server \"%s\" is not an http(s) URL",
                       c->source, c->server);
    return RN_OK;
}

int kube_config_parse(const char *text, size_t n, const char *path,
                      const struct kube_config_opts *o,
                      struct kube_config **out, struct rn_err *e)
{
    struct kcfg_merge m;
    kcfg_init(&m);
    int rc = kcfg_add(&m, text, n, path, e);
    if (rc == RN_OK)
        rc = kcfg_resolve(&m, o, out, e);
    kcfg_free(&m);
    return rc;
}
