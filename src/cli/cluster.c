/*
 * cluster.c: the CLI on a live cluster.
 *
 * Without --config-map (or --secret, or a RESOURCE file) the commands read
 * the ConfigMap, the Secret and the Rollout from the API server, as
 * `kubectl argo rollouts notifications` does: the Rollout from -n (else the
 * kubeconfig context's namespace), the configuration from
 * --config-namespace, else from that same namespace.  The client is made
 * from kubectl's flags on first use, so offline runs never touch a
 * kubeconfig.
 */
#include "cli.h"

#include "../core/doc.h"
#include "../core/err.h"
#include "../core/gotime.h"
#include "../kube/kube.h"

#include <stdlib.h>
#include <string.h>

bool cli_cluster_flag(struct cli *x, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_KUBECONFIG:
        x->kubeconfig = arg;
        return true;
    case CLI_OPT_CONTEXT:
        x->context = arg;
        return true;
    case CLI_OPT_SERVER:
        x->server = arg;
        return true;
    case CLI_OPT_TOKEN:
        x->token = arg;
        return true;
    case CLI_OPT_CA:
        x->ca_file = arg;
        return true;
    case CLI_OPT_TIMEOUT:
        x->timeout = arg;
        return true;
    case CLI_OPT_CONFIG_NS:
        x->config_ns = arg;
        return true;
    case CLI_OPT_INSECURE:
        x->insecure = !arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0;
        return !arg || x->insecure || strcmp(arg, "false") == 0 ||
               strcmp(arg, "0") == 0;
    }
    return false;
}

/* kubectl's --request-timeout: "0" (none), a bare number of seconds, or a
 * Go duration. */
static int timeout_ms(const char *s, int64_t *ms, struct rn_err *e)
{
    int64_t ns;
    size_t n = strlen(s);
    *ms = 0;
    if (!n || strspn(s, "0123456789") == n) {
        *ms = n ? (int64_t)strtoll(s, NULL, 10) * 1000 : 0;
        return RN_OK;
    }
    int rc = gotime_parse_duration(s, n, &ns, e);
    if (rc == RN_OK)
        *ms = ns / 1000000;
    return rc;
}

static int client(struct cli *x, struct rn_err *e)
{
    struct kube_config_opts o = {0};
    struct kube_config *kc = NULL;
    if (x->kc)
        return RN_OK;
    o.kubeconfig = x->kubeconfig;
    o.context = x->context;
    o.namespace = x->ns;
    o.server = x->server;
    o.token = x->token;
    o.ca_file = x->ca_file;
    o.insecure = x->insecure;
    int rc = x->timeout ? timeout_ms(x->timeout, &o.timeout_ms, e) : RN_OK;
    if (rc == RN_OK)
        rc = kube_config_load(&o, &kc, e);
    if (rc == RN_OK)
        rc = kube_client_new(kc, &x->kc, e);
    return rc;
}

const char *cli_namespace(struct cli *x)
{
    struct rn_err e;
    if (x->ns && *x->ns)
        return x->ns;
    rn_err_clear(&e);
    if (client(x, &e) == RN_OK)
        return kube_config_namespace(kube_client_config(x->kc));
    return "default";
}

int cli_cluster_get(struct cli *x, const struct kube_resource *res,
                    const char *ns, const char *name, struct doc **out,
                    struct rn_err *e)
{
    int rc = client(x, e);
    if (rc == RN_OK)
        rc = kube_get(x->kc, res, ns, name, out, e);
    if (rc == RN_OK && arena_hold(&x->a, *out) != RN_OK) {
        doc_unref(*out);
        return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    if (rc == RN_OK)
        doc_unref(*out); /* the arena's hold keeps it */
    return rc;
}

/* DNS subdomain characters only: lower-case letters, digits, '-' '.'. */
bool cli_object_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 253 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

void cli_cluster_close(struct cli *x)
{
    kube_client_free(x->kc);
    x->kc = NULL;
}
