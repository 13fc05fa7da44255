/*
 * test_config.c: where the client's configuration comes from
 * (src/kube/config.c, kubeconfig.c): kubectl's order, KUBECONFIG merged
 * first-wins, relative paths against the defining file, *-data fields,
 * the refused combinations, command-line overrides, and in-cluster mode
 * with an IPv6 service host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kube/kube_int.h"

#include "kube_fixture.h"

#include <curl/curl.h>

static const char *const envs[] = {"KUBECONFIG",
                                   "HOME",
                                   "KUBERNETES_SERVICE_HOST",
                                   "KUBERNETES_SERVICE_PORT",
                                   "RNOTIFY_SERVICEACCOUNT_DIR",
                                   "POD_NAMESPACE"};

static int setup(void **state)
{
    static struct kfix f;
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++)
        unsetenv(envs[i]);
    if (kfix_init(&f) != 0)
        return -1;
    setenv("HOME", kfix_path(&f, "home"), 1);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    kfix_cleanup(*state);
    return 0;
}

static const char *one_cluster =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: dev\n"
    "clusters:\n"
    "- name: c1\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443/\n"
    "    certificate-authority: certs/ca.pem\n"
    "    tls-server-name: api.internal\n"
    "users:\n"
    "- name: u1\n"
    "  user:\n"
    "    client-certificate: certs/client.pem\n"
    "    client-key: certs/client.key\n"
    "contexts:\n"
    "- name: dev\n"
    "  context: {cluster: c1, user: u1, namespace: argo-rollouts}\n";

/* Load with only --kubeconfig (and the other options given). */
static int load(const char *path, struct kube_config_opts *o,
                struct kube_config **c, struct rn_err *e)
{
    struct kube_config_opts none = {0};
    if (!o)
        o = &none;
    o->kubeconfig = path;
    return kube_config_load(o, c, e);
}

/* Write text as dir/config and load it. */
static int load_text(struct kfix *f, const char *text, struct kube_config **c,
                     struct rn_err *e)
{
    return load(kfix_write(f, "config", text), NULL, c, e);
}

/* The start of a kubeconfig whose current context d uses cluster c. */
#define KC_HEAD "current-context: d\nclusters:\n- name: c\n"

static void test_explicit_file_relative_paths(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    kfix_write(f, "certs/ca.pem", "CA-PEM");
    kfix_write(f, "certs/client.pem", "CERT-PEM");
    kfix_write(f, "certs/client.key", "KEY-PEM");
    const char *p = kfix_write(f, "config", one_cluster);
    assert_int_equal(chdir("/"), 0); /* cwd must not matter */
    assert_int_equal(load(p, NULL, &c, &e), RN_OK);
    assert_string_equal(kube_config_server(c), "https://10.0.0.1:6443");
    assert_string_equal(kube_config_namespace(c), "argo-rollouts");
    assert_string_equal(c->ca_pem, "CA-PEM");
    assert_string_equal(c->cert_pem, "CERT-PEM");
    assert_string_equal(c->key_pem, "KEY-PEM");
    assert_string_equal(c->tls_server_name, "api.internal");
    assert_non_null(strstr(kube_config_source(c), "(context dev)"));
    assert_int_equal(c->timeout_ms, 30000);

    struct kube_client *k;
    assert_int_equal(kube_client_new(c, &k, &e), RN_OK);
    assert_string_equal(k->base, "https://api.internal:6443");
    assert_string_equal(k->connect_to->data, "api.internal:6443:10.0.0.1:6443");
    assert_non_null(strstr(k->ua, "rnotify/"));
    assert_non_null(strstr(k->ua, " (linux/"));
    kube_client_free(k);
}

static void test_explicit_missing_is_error(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    assert_int_equal(load(kfix_path(f, "nope"), NULL, &c, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "nope"));
}

static void test_kubeconfig_merge_first_wins(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    const char *a = kfix_write(f, "a/config",
                               "clusters:\n"
                               "- name: c1\n"
                               "  cluster: {server: https://first:1}\n"
                               "contexts:\n"
                               "- name: x\n"
                               "  context: {cluster: c1, namespace: first}\n");
    const char *b = kfix_write(f, "b/config",
                               "current-context: x\n"
                               "clusters:\n"
                               "- name: c1\n"
                               "  cluster: {server: https://second:2}\n"
                               "- name: c2\n"
                               "  cluster:\n"
                               "    server: https://c2:3\n"
                               "    certificate-authority: ca.pem\n"
                               "contexts:\n"
                               "- name: x\n"
                               "  context: {cluster: c2}\n"
                               "- name: yy\n"
                               "  context: {cluster: c2, namespace: why}\n");
    kfix_write(f, "b/ca.pem", "B-CA");
    int rc;
    char list[1200];
    snprintf(list, sizeof list, "%s::%s:%s", kfix_path(f, "missing"), a, b);
    setenv("KUBECONFIG", list, 1);
    rc = kube_config_load(NULL, &c, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, RN_OK);
    /* context x and cluster c1 from the first file; current-context from
     * the second, the first one that sets it */
    assert_string_equal(kube_config_server(c), "https://first:1");
    assert_string_equal(kube_config_namespace(c), "first");
    kube_config_free(c);

    struct kube_config_opts o = {.context = "yy"};
    rc = kube_config_load(&o, &c, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, RN_OK);
    assert_string_equal(kube_config_server(c), "https://c2:3");
    assert_string_equal(c->ca_pem, "B-CA"); /* relative to b/ */
    assert_string_equal(kube_config_namespace(c), "why");
    kube_config_free(c);
}

static void test_data_fields_win(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    const char *text =
        KC_HEAD "  cluster:\n"
                "    server: https://h:1\n"
                "    certificate-authority: /nonexistent/ca.pem\n"
                "    certificate-authority-data: Q0EtRlJPTS1EQVRB\n"
                "users:\n"
                "- name: u\n"
                "  user:\n"
                "    client-certificate-data: aGVsbG8tY2EK\n"
                "    client-key-data: aGVsbG8tY2EK\n"
                "    token: T0K3N\n"
                "contexts:\n"
                "- name: d\n"
                "  context: {cluster: c, user: u}\n";
    assert_int_equal(load_text(f, text, &c, &e), RN_OK);
    assert_string_equal(c->ca_pem, "CA-FROM-DATA");
    assert_int_equal(c->ca_len, 12);
    assert_string_equal(c->cert_pem, "hello-ca\n");
    assert_string_equal(c->token, "T0K3N");
    assert_string_equal(kube_config_namespace(c), "default");
    kube_config_free(c);
}

/* kubeconfig text with one user body, loaded; returns the status. */
static int load_user(struct kfix *f, const char *user, struct rn_err *e)
{
    char text[2048];
    struct kube_config *c;
    snprintf(text, sizeof text,
             "current-context: d\n"
             "clusters:\n- name: c\n  cluster: {server: https://h:1}\n"
             "users:\n- name: u\n  user:\n%s"
             "contexts:\n- name: d\n  context: {cluster: c, user: u}\n",
             user);
    int rc = load(kfix_write(f, "config", text), NULL, &c, e);
    if (rc == RN_OK)
        kube_config_free(c);
    return rc;
}

static void test_refused_users(void **state)
{
    struct kfix *f = *state;
    struct rn_err e;
    kfix_write(f, "cert.pem", "C");
    assert_int_equal(load_user(f, "    client-certificate: cert.pem\n", &e),
                     RN_ECONFIG);
    assert_non_null(strstr(e.msg, "client-key"));
    assert_non_null(strstr(e.msg, "together"));

    assert_int_equal(
        load_user(f,
                  "    token: SECRET-TOKEN\n"
                  "    exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                  " command: x}\n",
                  &e),
        RN_ECONFIG);
    assert_non_null(strstr(e.msg, "token and exec"));
    assert_null(strstr(e.msg, "SECRET-TOKEN"));

    assert_int_equal(
        load_user(f, "    auth-provider: {name: gcp, config: {}}\n", &e),
        RN_ECONFIG);
    assert_non_null(strstr(e.msg, "auth-provider"));
    assert_non_null(strstr(e.msg, "exec plugin"));

    assert_int_equal(load_user(f, "    username: a\n    password: PW\n", &e),
                     RN_ECONFIG);
    assert_non_null(strstr(e.msg, "basic authentication"));
    assert_null(strstr(e.msg, "PW"));

    assert_int_equal(
        load_user(f,
                  "    exec: {apiVersion: client.authentication.k8s.io/v1,"
                  " command: x}\n",
                  &e),
        RN_ECONFIG);
    assert_non_null(strstr(e.msg, "interactiveMode"));
    assert_int_equal(
        load_user(f,
                  "    exec: {apiVersion: client.authentication.k8s.io/v1,"
                  " command: x, interactiveMode: Always}\n",
                  &e),
        RN_ECONFIG);
    assert_int_equal(
        load_user(f,
                  "    exec: {apiVersion: client.authentication.k8s.io/"
                  "v1alpha1, command: x}\n",
                  &e),
        RN_ECONFIG);
    assert_int_equal(load_user(f, "    as: admin\n", &e), RN_ECONFIG);
}

static void test_exec_config(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    const char *text =
        KC_HEAD "  cluster:\n    server: https://h:1\n"
                "    extensions:\n"
                "    - name: client.authentication.k8s.io/exec\n"
                "      extension: {audience: x}\n"
                "users:\n- name: u\n  user:\n    exec:\n"
                "      apiVersion: client.authentication.k8s.io/v1\n"
                "      command: ./bin/plugin\n"
                "      args: [a, b]\n"
                "      env: [{name: FOO, value: bar}]\n"
                "      interactiveMode: Never\n"
                "      provideClusterInfo: true\n"
                "contexts:\n- name: d\n  context: {cluster: c, user: u}\n";
    assert_int_equal(load_text(f, text, &c, &e), RN_OK);
    assert_non_null(c->exec);
    assert_string_equal(c->exec->command, kfix_path(f, "./bin/plugin"));
    assert_string_equal(c->exec->argv[0], c->exec->command);
    assert_string_equal(c->exec->argv[1], "a");
    assert_string_equal(c->exec->argv[2], "b");
    assert_null(c->exec->argv[3]);
    assert_string_equal(c->exec->env[0], "FOO=bar");
    assert_true(c->exec->provide_cluster_info);
    assert_string_equal(c->exec_ext, "{\"audience\":\"x\"}");
    kube_config_free(c);
}

static void test_insecure_with_ca_is_error(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    const char *text =
        KC_HEAD "  cluster:\n    server: https://h:1\n"
                "    insecure-skip-tls-verify: true\n"
                "    certificate-authority-data: Q0EtRlJPTS1EQVRB\n"
                "contexts:\n- name: d\n  context: {cluster: c}\n";
    assert_int_equal(load_text(f, text, &c, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "insecure-skip-tls-verify"));
}

static void test_overrides(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    kfix_write(f, "certs/ca.pem", "CA-PEM");
    kfix_write(f, "certs/client.pem", "CERT-PEM");
    kfix_write(f, "certs/client.key", "KEY-PEM");
    const char *other = kfix_write(f, "other-ca.pem", "OTHER");
    const char *p = kfix_write(f, "config", one_cluster);
    struct kube_config_opts o = {.namespace = "ns2",
                                 .server = "https://1.2.3.4:9/",
                                 .token = "TOK",
                                 .timeout_ms = 5000};
    assert_int_equal(load(p, &o, &c, &e), RN_OK);
    assert_string_equal(kube_config_server(c), "https://1.2.3.4:9");
    assert_string_equal(kube_config_namespace(c), "ns2");
    assert_string_equal(c->token, "TOK");
    assert_int_equal(c->timeout_ms, 5000);
    kube_config_free(c);

    struct kube_config_opts ins = {.insecure = true};
    assert_int_equal(load(p, &ins, &c, &e), RN_OK);
    assert_true(c->insecure);
    assert_null(c->ca_pem); /* the flag drops the file's CA, as kubectl */
    kube_config_free(c);

    struct kube_config_opts ca = {.ca_file = other, .context = "dev"};
    assert_int_equal(load(p, &ca, &c, &e), RN_OK);
    assert_string_equal(c->ca_pem, "OTHER");
    kube_config_free(c);

    struct kube_config_opts bad = {.context = "nope"};
    assert_int_equal(load(p, &bad, &c, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "context \"nope\" not found"));
}

static void in_cluster_files(struct kfix *f)
{
    kfix_write(f, "sa/token", "IN-CLUSTER-TOKEN\n");
    kfix_write(f, "sa/ca.crt", "SA-CA");
    kfix_write(f, "sa/namespace", "  team-a \n");
    setenv("RNOTIFY_SERVICEACCOUNT_DIR", kfix_path(f, "sa"), 1);
    setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
}

static void test_in_cluster_ipv6(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    in_cluster_files(f);
    assert_int_equal(kube_config_load(NULL, &c, &e), RN_OK);
    assert_string_equal(kube_config_server(c), "https://[fd00:10:96::1]:443");
    assert_string_equal(kube_config_source(c), "in-cluster");
    assert_string_equal(kube_config_namespace(c), "team-a");
    assert_string_equal(c->ca_pem, "SA-CA");
    assert_string_equal(c->token_file, kfix_path(f, "sa/token"));
    kube_config_free(c);

    setenv("POD_NAMESPACE", "from-env", 1);
    struct kube_config_opts o = {.namespace = "flag"};
    assert_int_equal(kube_config_load(NULL, &c, &e), RN_OK);
    assert_string_equal(kube_config_namespace(c), "from-env");
    kube_config_free(c);
    assert_int_equal(kube_config_load(&o, &c, &e), RN_OK);
    assert_string_equal(kube_config_namespace(c), "flag");
    kube_config_free(c);
}

static void test_order(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct rn_err e;
    in_cluster_files(f);
    const char *kc =
        kfix_write(f, "kc",
                   "current-context: k\nclusters:\n- name: c\n  cluster: "
                   "{server: https://env:1}\ncontexts:\n- name: k\n  context: "
                   "{cluster: c}\n");
    mkdir(kfix_path(f, "home"), 0700);
    mkdir(kfix_path(f, "home/.kube"), 0700);
    kfix_write(f, "home/.kube/config",
               "current-context: h\nclusters:\n- name: c\n  cluster: "
               "{server: https://home:1}\ncontexts:\n- name: h\n  context: "
               "{cluster: c}\n");
    /* KUBECONFIG wins over in-cluster and home */
    setenv("KUBECONFIG", kc, 1);
    assert_int_equal(kube_config_load(NULL, &c, &e), RN_OK);
    assert_string_equal(kube_config_server(c), "https://env:1");
    kube_config_free(c);
    /* a KUBECONFIG of missing files falls through to in-cluster */
    setenv("KUBECONFIG", kfix_path(f, "missing"), 1);
    assert_int_equal(kube_config_load(NULL, &c, &e), RN_OK);
    assert_string_equal(kube_config_source(c), "in-cluster");
    kube_config_free(c);
    /* without in-cluster: ~/.kube/config */
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_int_equal(kube_config_load(NULL, &c, &e), RN_OK);
    assert_string_equal(kube_config_server(c), "https://home:1");
    kube_config_free(c);
    /* nothing at all: an error, unless --server */
    setenv("HOME", kfix_path(f, "empty"), 1);
    assert_int_equal(kube_config_load(NULL, &c, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "no Kubernetes configuration"));
    struct kube_config_opts o = {.server = "http://127.0.0.1:8080"};
    assert_int_equal(kube_config_load(&o, &c, &e), RN_OK);
    assert_string_equal(kube_config_server(c), "http://127.0.0.1:8080");
    kube_config_free(c);
}

static void test_bad_server_url(void **state)
{
    (void)state;
    struct kube_config *c;
    struct kube_client *k;
    struct rn_err e;
    struct kube_config_opts o = {.server = "https://[::1]:6443i n"};
    assert_int_equal(kube_config_parse("{}", 2, "/x/c", &o, &c, &e), RN_OK);
    /* the client takes c and frees it on failure; the message is whole */
    assert_int_equal(kube_client_new(c, &k, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "bad server URL \"https://[::1]:6443i n\""));
}

static void test_parse_from_memory(void **state)
{
    (void)state;
    struct kube_config *c;
    struct rn_err e;
    assert_int_equal(kube_config_parse("[1, 2", 5, "/x/config", NULL, &c, &e),
                     RN_ECONFIG);
    assert_non_null(strstr(e.msg, "/x/config"));
    assert_int_equal(kube_config_parse("- a\n", 4, "/x/config", NULL, &c, &e),
                     RN_ECONFIG);
    assert_int_equal(
        kube_config_parse("clusters: 3\n", 12, "/x/config", NULL, &c, &e),
        RN_ECONFIG);
    assert_non_null(strstr(e.msg, "clusters"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_explicit_file_relative_paths,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_missing_is_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_kubeconfig_merge_first_wins, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_data_fields_win, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insecure_with_ca_is_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_cluster_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test(test_bad_server_url),
        cmocka_unit_test_setup_teardown(test_parse_from_memory, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
