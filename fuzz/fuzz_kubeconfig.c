/*
 * fuzz_kubeconfig.c: the kubeconfig loader under hostile input.
 *
 * The input is one kubeconfig file, loaded from memory as if it lived in
 * a directory that does not exist (so relative paths name nothing), with
 * no overrides and then with a context and a server override.  What
 * loads is turned into a client (URL parsing, tls-server-name mapping)
 * and freed; exec plugins are never run.  Crashes, leaks, hangs (a path
 * naming a FIFO or /dev/zero) and aborts are bugs.
 */
#include "core/err.h"
#include "kube/kube_int.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const char *s, size_t n, const struct kube_config_opts *o)
{
    struct kube_config *c;
    struct kube_client *k;
    struct rn_err e;
    if (kube_config_parse(s, n, "/nonexistent-rn-fuzz/config", o, &c, &e))
        return;
    kube_config_server(c);
    kube_config_namespace(c);
    kube_config_source(c);
    if (kube_client_new(c, &k, &e) == RN_OK)
        kube_client_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct kube_config_opts o = {
        .context = "dev", .server = "https://127.0.0.1:1", .namespace = "ns"};
    load(s, size, NULL);
    load(s, size, &o);
    return 0;
}
