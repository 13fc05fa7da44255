/*
 * kubeconfig.c: kubeconfig files, merged and resolved as kubectl does.
 *
 * Several files (the KUBECONFIG list) merge by name: the first file that
 * defines a cluster, user or context wins it whole, later definitions are
 * ignored, and current-context comes from the first file that sets one.
 * Every entry remembers the directory of the file that defined it, so its
 * relative paths (certificate-authority, client-certificate, client-key,
 * tokenFile, an exec command with a '/') resolve there and not against
 * the process' working directory.  Resolution then reads the named
 * certificate files, decodes the *-data fields and checks the combinations
 * kubectl rejects; credentials never appear in an error.
 */
#include "kube_int.h"

#include "../core/json.h"
#include "../core/limits.h"
#include "../core/goyaml.h"

#include <openssl/evp.h>
#include <string.h>

struct kcfg_named {
    const char *name;
    struct val body; /* the "cluster" / "user" / "context" object */
    const char *dir, *file;
};

enum { K_CLUSTERS, K_USERS, K_CONTEXTS };

static const char *const section[] = {"clusters", "users", "contexts"};
static const char *const inner[] = {"cluster", "user", "context"};

void kcfg_init(struct kcfg_merge *m)
{
    memset(m, 0, sizeof *m);
    arena_init(&m->a, 0);
}

void kcfg_free(struct kcfg_merge *m)
{
    arena_free(&m->a);
}

bool kcfg_usable(const struct kcfg_merge *m)
{
    return m->nclusters > 0;
}

static struct kcfg_named **list_of(struct kcfg_merge *m, int k, size_t **n)
{
    *n = k == K_CLUSTERS ? &m->nclusters
         : k == K_USERS  ? &m->nusers
                         : &m->ncontexts;
    return k == K_CLUSTERS ? &m->clusters
           : k == K_USERS  ? &m->users
                           : &m->contexts;
}

static const struct kcfg_named *find(struct kcfg_merge *m, int k,
                                     const char *name)
{
    size_t *n;
    struct kcfg_named **l = list_of(m, k, &n);
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*l)[i].name, name) == 0)
            return &(*l)[i];
    return NULL;
}

static int push(struct kcfg_merge *m, int k, const struct kcfg_named *e)
{
    size_t *n;
    struct kcfg_named **l = list_of(m, k, &n);
    if (*n == m->cap[k]) {
        size_t nc = m->cap[k] ? m->cap[k] * 2 : 8;
        void *p = arena_grow(&m->a, *l, *n * sizeof **l, nc * sizeof **l);
        if (!p)
            return RN_ENOMEM;
        *l = p;
        m->cap[k] = nc;
    }
    (*l)[(*n)++] = *e;
    return RN_OK;
}

/* The directory part of path ("." when it has none). */
static const char *dir_of(struct arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* clusters/users/contexts: a list of {name, <inner>} */
static int add_section(struct kcfg_merge *m, struct val root, int k,
                       const char *path, const char *dir, struct rn_err *e)
{
    const struct val *list = val_get_cstr(root, section[k]);
    if (!list || val_is_null(*list))
        return RN_OK;
    if (val_kind(*list) != VAL_ARRAY)
        return rn_errf(e, RN_ECONFIG, "kubeconfig %s: %s: expected a list",
                       path, section[k]);
    for (size_t i = 0; i < val_list_len(*list); i++) {
        struct val it = val_list_at(*list, i);
        const struct val *name = val_get_cstr(it, "name");
        const struct val *body = val_get_cstr(it, inner[k]);
        if (!name || val_kind(*name) != VAL_STRING)
            return rn_errf(e, RN_ECONFIG,
                           "kubeconfig %s: %s[%zu]: missing name", path,
                           section[k], i);
        if (find(m, k, val_str_ptr(*name)))
            continue; /* the first file defining a name wins */
        struct kcfg_named n = {val_str_ptr(*name), body ? *body : val_null(),
                               dir, path};
        if (push(m, k, &n) != RN_OK)
            return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    return RN_OK;
}

int kcfg_add(struct kcfg_merge *m, const char *text, size_t n, const char *path,
             struct rn_err *e)
{
    struct goyaml_opts yo = {.nums = JSON_NUM_INT64, .src = path};
    struct val root;
    const char *p = arena_strdup(&m->a, path);
    const char *dir = p ? dir_of(&m->a, p) : NULL;
    if (!dir)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (goyaml_parse(&m->a, text, n, &yo, &root, e) != RN_OK)
        return rn_errf(e, RN_ECONFIG, "kubeconfig %s: line %d: %s", path,
                       e->line, e->msg);
    if (val_is_null(root))
        return RN_OK;
    if (val_kind(root) != VAL_OBJECT)
        return rn_errf(e, RN_ECONFIG, "kubeconfig %s: not a mapping", path);
    if (!m->first_file)
        m->first_file = p;
    m->files++;
    for (int k = K_CLUSTERS; k <= K_CONTEXTS; k++) {
        int rc = add_section(m, root, k, p, dir, e);
        if (rc)
            return rc;
    }
    const struct val *cc = val_get_cstr(root, "current-context");
    if (!m->current_context && cc && val_kind(*cc) == VAL_STRING &&
        val_str_len(*cc))
        m->current_context = val_str_ptr(*cc);
    return RN_OK;
}

/* ---- resolution ---- */

/* What one resolution needs to name its errors. */
struct res_ctx {
    struct kube_config *c;
    const char *file; /* defining file */
    const char *dir;  /* its directory */
    const char *what; /* `cluster "c1"` */
    struct rn_err *e;
};

static int bad(struct res_ctx *x, const char *field, const char *why)
{
    return rn_errf(x->e, RN_ECONFIG, "kubeconfig %s: %s: %s: %s", x->file,
                   x->what, field, why);
}

/* A string field: NULL when absent; RN_ECONFIG when of another kind. */
static int get_str(struct res_ctx *x, struct val obj, const char *key,
                   const char **out)
{
    const struct val *v = val_get_cstr(obj, key);
    *out = NULL;
    if (!v || val_is_null(*v))
        return RN_OK;
    if (val_kind(*v) != VAL_STRING)
        return bad(x, key, "expected a string");
    if (!val_str_len(*v))
        return RN_OK;
    *out = arena_strndup(&x->c->a, val_str_ptr(*v), val_str_len(*v));
    return *out ? RN_OK : rn_errf(x->e, RN_ENOMEM, "out of memory");
}

static int get_bool(struct res_ctx *x, struct val obj, const char *key,
                    bool *out)
{
    const struct val *v = val_get_cstr(obj, key);
    if (!v || val_is_null(*v))
        return RN_OK;
    if (val_kind(*v) != VAL_BOOL)
        return bad(x, key, "expected true or false");
    *out = val_bool_of(*v);
    return RN_OK;
}

/* Standard base64 of PEM text; line breaks tolerated (OpenSSL's decoder
 * skips them). */
static int unbase64(struct res_ctx *x, const char *field, const char *s,
                    const char **out, size_t *len)
{
    size_t n = strlen(s);
    unsigned char *d = arena_alloc(&x->c->a, n / 4 * 3 + 4);
    int got = 0, fin = 0;
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!d || !ctx) {
        EVP_ENCODE_CTX_free(ctx);
        return rn_errf(x->e, RN_ENOMEM, "out of memory");
    }
    EVP_DecodeInit(ctx);
    int ok =
        n <= 0x7fffffff &&
        EVP_DecodeUpdate(ctx, d, &got, (const unsigned char *)s, (int)n) >= 0 &&
        EVP_DecodeFinal(ctx, d + got, &fin) == 1;
    EVP_ENCODE_CTX_free(ctx);
    if (!ok)
        return bad(x, field, "illegal base64 data");
    d[got + fin] = '\0';
    *out = (const char *)d;
    *len = (size_t)(got + fin);
    return RN_OK;
}

/* An absolute path, or path relative to the defining file's directory. */
static const char *resolve_path(struct res_ctx *x, const char *path)
{
    if (path[0] == '/')
        return arena_strdup(&x->c->a, path);
    return arena_printf(&x->c->a, "%s/%s", x->dir, path);
}

/* PEM from `<field>-data` (wins) or the file `<field>`. */
static int load_pem(struct res_ctx *x, struct val obj, const char *field,
                    const char **out, size_t *len)
{
    char dkey[64];
    const char *data, *path;
    snprintf(dkey, sizeof dkey, "%s-data", field);
    int rc = get_str(x, obj, dkey, &data);
    if (!rc)
        rc = get_str(x, obj, field, &path);
    if (rc || (!data && !path))
        return rc;
    if (data)
        return unbase64(x, dkey, data, out, len);
    const char *full = resolve_path(x, path);
    char *text;
    struct rn_err fe;
    if (!full)
        return rn_errf(x->e, RN_ENOMEM, "out of memory");
    rc = kube_read_file(&x->c->a, full, RN_KUBE_MAX_FILE, &text, len, &fe);
    if (rc == RN_ENOMEM)
        return rn_errf(x->e, rc, "out of memory");
    if (rc)
        return bad(x, field, fe.msg);
    *out = text;
    return RN_OK;
}

/* The exec extension of a cluster (extensions[name=...exec].extension),
 * handed to the plugin as spec.cluster.config. */
static int cluster_ext(struct res_ctx *x, struct val cl)
{
    const struct val *ext = val_get_cstr(cl, "extensions");
    if (!ext || val_kind(*ext) != VAL_ARRAY)
        return RN_OK;
    for (size_t i = 0; i < val_list_len(*ext); i++) {
        struct val it = val_list_at(*ext, i);
        const struct val *n = val_get_cstr(it, "name");
        const struct val *v = val_get_cstr(it, "extension");
        if (!n || val_kind(*n) != VAL_STRING || !v ||
            strcmp(val_str_ptr(*n), "client.authentication.k8s.io/exec"))
            continue;
        struct buf b;
        buf_init(&b, RN_KUBE_MAX_FILE);
        int rc = json_emit(&b, *v, NULL, NULL);
        if (rc == RN_OK &&
            !(x->c->exec_ext = arena_strdup(&x->c->a, buf_str(&b))))
            rc = RN_ENOMEM;
        buf_free(&b);
        if (rc == RN_ENOMEM)
            return rn_errf(x->e, rc, "out of memory");
        return rc == RN_OK ? RN_OK : bad(x, "extensions", "not JSON data");
    }
    return RN_OK;
}

static int load_cluster(struct res_ctx *x, struct val cl)
{
    struct kube_config *c = x->c;
    int rc = get_str(x, cl, "server", &c->server);
    if (!rc)
        rc = get_str(x, cl, "tls-server-name", &c->tls_server_name);
    if (!rc)
        rc = get_str(x, cl, "proxy-url", &c->proxy_url);
    if (!rc)
        rc = get_bool(x, cl, "insecure-skip-tls-verify", &c->insecure);
    if (!rc)
        rc = get_bool(x, cl, "disable-compression", &c->disable_compression);
    if (!rc)
        rc = load_pem(x, cl, "certificate-authority", &c->ca_pem, &c->ca_len);
    if (!rc && c->insecure && c->ca_pem)
        rc = bad(x, "insecure-skip-tls-verify",
                 "cannot be combined with a certificate authority");
    return rc;
}

/* The parts of the user that kubectl accepts but rnotify refuses. */
static int refuse_user(struct res_ctx *x, struct val u)
{
    static const char *const imp[] = {"as", "as-groups", "as-uid",
                                      "as-user-extra"};
    const struct val *ap = val_get_cstr(u, "auth-provider");
    if (ap && !val_is_null(*ap))
        return bad(x, "auth-provider",
                   "auth-provider plugins were removed from Kubernetes "
                   "clients (1.26); use an exec plugin instead (e.g. "
                   "gke-gcloud-auth-plugin, kubelogin)");
    if (val_get_cstr(u, "username") || val_get_cstr(u, "password"))
        return bad(x, "username/password",
                   "basic authentication is not supported");
    for (size_t i = 0; i < sizeof imp / sizeof imp[0]; i++)
        if (val_get_cstr(u, imp[i]))
            return bad(x, imp[i], "impersonation is not supported");
    return RN_OK;
}

/* ---- exec plugin configuration ---- */

static int exec_list(struct res_ctx *x, struct val ex, const char *key,
                     const char ***out, size_t first, bool env)
{
    const struct val *l = val_get_cstr(ex, key);
    size_t n = l && val_kind(*l) == VAL_ARRAY ? val_list_len(*l) : 0;
    if (l && !val_is_null(*l) && val_kind(*l) != VAL_ARRAY)
        return bad(x, key, "expected a list");
    const char **v = arena_zalloc(&x->c->a, (first + n + 1) * sizeof *v);
    if (!v)
        return rn_errf(x->e, RN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct val it = val_list_at(*l, i);
        const struct val *nm = env ? val_get_cstr(it, "name") : &it;
        const struct val *vv = env ? val_get_cstr(it, "value") : NULL;
        if (!nm || val_kind(*nm) != VAL_STRING ||
            (env && (!vv || val_kind(*vv) != VAL_STRING)))
            return bad(x, key,
                       env ? "entries need a name and a value"
                           : "expected strings");
        v[first + i] = env ? arena_printf(&x->c->a, "%s=%s", val_str_ptr(*nm),
                                          val_str_ptr(*vv))
                           : arena_strdup(&x->c->a, val_str_ptr(*nm));
        if (!v[first + i])
            return rn_errf(x->e, RN_ENOMEM, "out of memory");
    }
    *out = v;
    return RN_OK;
}

static int exec_version(struct res_ctx *x, struct val ex, struct kube_exec *p)
{
    const char *mode = NULL;
    int rc = get_str(x, ex, "apiVersion", &p->api_version);
    if (!rc)
        rc = get_str(x, ex, "interactiveMode", &mode);
    if (rc)
        return rc;
    if (!p->api_version)
        return bad(x, "exec.apiVersion", "missing");
    bool v1 = strcmp(p->api_version, "client.authentication.k8s.io/v1") == 0;
    if (!v1 &&
        strcmp(p->api_version, "client.authentication.k8s.io/v1beta1") != 0)
        return bad(x, "exec.apiVersion",
                   "must be client.authentication.k8s.io/v1 or v1beta1");
    if (v1 && !mode)
        return bad(x, "exec.interactiveMode", "required for v1 plugins");
    if (mode && strcmp(mode, "Always") == 0)
        return bad(x, "exec.interactiveMode",
                   "Always needs a terminal; rnotify never runs "
                   "interactively");
    if (mode && strcmp(mode, "Never") && strcmp(mode, "IfAvailable"))
        return bad(x, "exec.interactiveMode",
                   "must be Never, IfAvailable or Always");
    return RN_OK;
}

static int exec_load(struct res_ctx *x, struct val ex)
{
    struct kube_exec *p = arena_zalloc(&x->c->a, sizeof *p);
    const char *cmd = NULL;
    if (!p)
        return rn_errf(x->e, RN_ENOMEM, "out of memory");
    int rc = exec_version(x, ex, p);
    if (!rc)
        rc = get_str(x, ex, "command", &cmd);
    if (!rc && !cmd)
        rc = bad(x, "exec.command", "missing");
    if (!rc)
        rc = get_str(x, ex, "installHint", &p->install_hint);
    if (!rc)
        rc = get_bool(x, ex, "provideClusterInfo", &p->provide_cluster_info);
    if (!rc)
        rc = exec_list(x, ex, "args", &p->argv, 1, false);
    if (!rc)
        rc = exec_list(x, ex, "env", &p->env, 0, true);
    if (rc)
        return rc;
    p->command = strchr(cmd, '/') ? resolve_path(x, cmd) : cmd;
    if (!p->command)
        return rn_errf(x->e, RN_ENOMEM, "out of memory");
    p->argv[0] = p->command;
    x->c->exec = p;
    return RN_OK;
}

static int load_user(struct res_ctx *x, struct val u)
{
    struct kube_config *c = x->c;
    const char *tf = NULL;
    const struct val *ex = val_get_cstr(u, "exec");
    int rc = refuse_user(x, u);
    if (!rc)
        rc = get_str(x, u, "token", &c->token);
    if (!rc)
        rc = get_str(x, u, "tokenFile", &tf);
    if (!rc && tf && !(c->token_file = resolve_path(x, tf)))
        rc = rn_errf(x->e, RN_ENOMEM, "out of memory");
    if (!rc)
        rc = load_pem(x, u, "client-certificate", &c->cert_pem, &c->cert_len);
    if (!rc)
        rc = load_pem(x, u, "client-key", &c->key_pem, &c->key_len);
    if (!rc && !c->cert_pem != !c->key_pem)
        rc = bad(x, c->cert_pem ? "client-key" : "client-certificate",
                 "a client certificate and key must be given together");
    if (!rc && ex && !val_is_null(*ex) && (c->token || c->token_file))
        rc = bad(x, "exec", "token and exec cannot both be set");
    if (!rc && ex && !val_is_null(*ex))
        rc = exec_load(x, *ex);
    return rc;
}

/* ---- the context ---- */

static int pick(struct kcfg_merge *m, const struct kube_config_opts *o,
                const struct kcfg_named **ctx, struct rn_err *e)
{
    const char *name = o && o->context ? o->context : m->current_context;
    *ctx = NULL;
    if (!name) {
        if (o && o->server)
            return RN_OK;
        return rn_errf(e, RN_ECONFIG,
                       "kubeconfig %s: no current-context (use --context)",
                       m->first_file ? m->first_file : "");
    }
    *ctx = find(m, K_CONTEXTS, name);
    if (!*ctx)
        return rn_errf(e, RN_ECONFIG, "kubeconfig %s: context \"%s\" not found",
                       m->first_file ? m->first_file : "", name);
    return RN_OK;
}

static int resolve_part(struct kcfg_merge *m, struct kube_config *c, int k,
                        const char *name, struct rn_err *e)
{
    const struct kcfg_named *n = find(m, k, name);
    char what[160];
    snprintf(what, sizeof what, "%s \"%s\"", inner[k], name);
    if (!n)
        return RN_OK;
    struct res_ctx x = {c, n->file, n->dir, what, e};
    if (val_kind(n->body) != VAL_OBJECT)
        return val_is_null(n->body) ? RN_OK
                                    : bad(&x, inner[k], "expected a mapping");
    if (k == K_USERS)
        return load_user(&x, n->body);
    int rc = load_cluster(&x, n->body);
    return rc ? rc : cluster_ext(&x, n->body);
}

static int ctx_field(struct val ctx, const char *key, const char **out)
{
    const struct val *v = val_get_cstr(ctx, key);
    *out = v && val_kind(*v) == VAL_STRING && val_str_len(*v) ? val_str_ptr(*v)
                                                              : NULL;
    return RN_OK;
}

int kcfg_resolve(struct kcfg_merge *m, const struct kube_config_opts *o,
                 struct kube_config **out, struct rn_err *e)
{
    const struct kcfg_named *ctx;
    const char *cl = NULL, *user = NULL, *ns = NULL;
    struct kube_config *c;
    int rc = pick(m, o, &ctx, e);
    if (rc)
        return rc;
    if (kube_config_alloc(&c) != RN_OK)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (ctx) {
        ctx_field(ctx->body, "cluster", &cl);
        ctx_field(ctx->body, "user", &user);
        ctx_field(ctx->body, "namespace", &ns);
        c->source = arena_printf(&c->a, "kubeconfig %s (context %s)", ctx->file,
                                 ctx->name);
    } else {
        c->source = arena_printf(&c->a, "kubeconfig %s", m->first_file);
    }
    if (cl && !find(m, K_CLUSTERS, cl) && !(o && o->server))
        rc = rn_errf(e, RN_ECONFIG,
                     "kubeconfig %s: context \"%s\": cluster "
                     "\"%s\" not found",
                     ctx->file, ctx->name, cl);
    if (!rc && cl)
        rc = resolve_part(m, c, K_CLUSTERS, cl, e);
    if (!rc && user)
        rc = resolve_part(m, c, K_USERS, user, e);
    if (!rc && ns && !(c->ns = arena_strdup(&c->a, ns)))
        rc = rn_errf(e, RN_ENOMEM, "out of memory");
    if (!rc)
        rc = kube_config_finish(c, o, e);
    if (rc) {
        kube_config_free(c);
        return rc;
    }
    *out = c;
    return RN_OK;
}
