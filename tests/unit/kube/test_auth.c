/*
 * test_auth.c: credentials (src/kube/auth.c, exec.c).  Exec plugins,
 * driven by a small shell script: v1 and v1beta1, KUBERNETES_EXEC_INFO,
 * caching until expirationTimestamp, a re-run after a 401, and failures
 * whose messages name the plugin but never repeat its output.  Token
 * files: re-read at most once a minute or after a 401, and the last good
 * token kept when a re-read fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kube/kube_int.h"

#include "kube_fixture.h"

#include <time.h>

static const char plugin[] =
    "#!/bin/sh\n"
    "echo run >> \"$OUT/count\"\n"
    "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$OUT/info\"\n"
    "n=$(wc -l < \"$OUT/count\" | tr -d ' ')\n"
    "mode=$(cat \"$OUT/mode\")\n"
    "exp=$(cat \"$OUT/exp\" 2>/dev/null)\n"
    "case \"$mode\" in\n"
    "token) printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"tok-%s\"%s}}' \"$API\" \"$n\" \"$exp\" ;;\n"
    "cert) printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
    "\"status\":{\"clientCertificateData\":\"CERT\",\"clientKeyData\":"
    "\"KEY\"}}' \"$API\" ;;\n"
    "fail) echo 'SECRET-OUTPUT'; exit 3 ;;\n"
    "junk) echo 'SECRET-OUTPUT not json' ;;\n"
    "wrongapi) printf '{\"apiVersion\":\"v9\",\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"SECRET-OUTPUT\"}}' ;;\n"
    "empty) printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
    "\"status\":{}}' \"$API\" ;;\n"
    "slow) sleep 5 ;;\n"
    "esac\n";

static int setup(void **state)
{
    static struct kfix f;
    if (kfix_init(&f) != 0)
        return -1;
    const char *p = kfix_write(&f, "plugin.sh", plugin);
    chmod(p, 0700);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    kfix_cleanup(*state);
    return 0;
}

static void set_mode(struct kfix *f, const char *mode, const char *exp)
{
    kfix_write(f, "mode", mode);
    kfix_write(f, "exp", exp ? exp : "");
    unlink(kfix_path(f, "count"));
}

static int runs(struct kfix *f)
{
    FILE *fp = fopen(kfix_path(f, "count"), "r");
    int n = 0, c;
    if (!fp)
        return 0;
    while ((c = fgetc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

static struct kube_config *exec_config(struct kfix *f, const char *api,
                                       const char *extra)
{
    char text[2048];
    struct kube_config *c;
    struct rn_err e;
    snprintf(text, sizeof text,
             "current-context: d\n"
             "clusters:\n- name: c\n  cluster:\n"
             "    server: https://h:6443\n"
             "    certificate-authority-data: Q0EtRlJPTS1EQVRB\n"
             "    extensions:\n"
             "    - name: client.authentication.k8s.io/exec\n"
             "      extension: {audience: aud}\n"
             "users:\n- name: u\n  user:\n    exec:\n"
             "      apiVersion: client.authentication.k8s.io/%s\n"
             "      command: ./plugin.sh\n"
             "      env: [{name: OUT, value: %s}, {name: API, value: "
             "client.authentication.k8s.io/%s}]\n"
             "      installHint: install it with apt\n%s"
             "contexts:\n- name: d\n  context: {cluster: c, user: u}\n",
             api, f->dir, api, extra);
    const char *p = kfix_write(f, "config", text);
    int rc = kube_config_parse(text, strlen(text), p, NULL, &c, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, RN_OK);
    return c;
}

static void test_exec_v1_token_cached(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c = exec_config(
        f, "v1",
        "      interactiveMode: Never\n      provideClusterInfo: true\n");
    struct kube_auth a;
    struct kube_cred cr;
    struct rn_err e;
    set_mode(f, "token", ",\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"");
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "tok-1");
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "tok-1"); /* cached until expiry */
    assert_int_equal(runs(f), 1);
    /* the request the plugin saw */
    FILE *fp = fopen(kfix_path(f, "info"), "r");
    char info[2048] = "";
    assert_non_null(fp);
    assert_non_null(fgets(info, sizeof info, fp));
    fclose(fp);
    assert_non_null(strstr(info, "\"apiVersion\":\"client.authentication."
                                 "k8s.io/v1\",\"kind\":\"ExecCredential\""));
    assert_non_null(strstr(info, "\"interactive\":false"));
    assert_non_null(strstr(info, "\"server\":\"https://h:6443\""));
    assert_non_null(strstr(info, "\"certificate-authority-data\":"
                                 "\"Q0EtRlJPTS1EQVRB\""));
    assert_non_null(strstr(info, "\"config\":{\"audience\":\"aud\"}"));
    /* a 401 runs it again */
    assert_true(kube_auth_invalidate(&a));
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "tok-2");
    kube_auth_free(&a);
    kube_config_free(c);
}

static void test_exec_expiry(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c = exec_config(f, "v1beta1", "");
    struct kube_auth a;
    struct kube_cred cr;
    struct rn_err e;
    char exp[96], ts[40];
    time_t soon = time(NULL) + 10; /* inside the 30 s refresh margin */
    struct tm tm;
    gmtime_r(&soon, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(exp, sizeof exp, ",\"expirationTimestamp\":\"%s\"", ts);
    set_mode(f, "token", exp);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "tok-1");
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "tok-2"); /* about to expire: re-run */
    /* v1beta1 without the cluster info */
    FILE *fp = fopen(kfix_path(f, "info"), "r");
    char info[2048] = "";
    assert_non_null(fgets(info, sizeof info, fp));
    fclose(fp);
    assert_non_null(strstr(info, "v1beta1"));
    assert_null(strstr(info, "\"cluster\""));
    kube_auth_free(&a);

    /* no expirationTimestamp: kept until a 401 */
    set_mode(f, "token", NULL);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_int_equal(runs(f), 1);
    kube_auth_free(&a);
    kube_config_free(c);
}

static void test_exec_cert(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c = exec_config(f, "v1beta1", "");
    struct kube_auth a;
    struct kube_cred cr;
    struct rn_err e;
    set_mode(f, "cert", NULL);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_null(cr.token);
    assert_string_equal(cr.cert, "CERT");
    assert_string_equal(cr.key, "KEY");
    assert_int_equal(cr.cert_len, 4);
    kube_auth_free(&a);
    kube_config_free(c);
}

/* Run the plugin in `mode`; the error must name it and not leak. */
static void expect_failure(struct kfix *f, struct kube_config *c,
                           const char *mode, const char *want)
{
    struct kube_auth a;
    struct kube_cred cr;
    struct rn_err e;
    set_mode(f, mode, NULL);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_not_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    kube_auth_free(&a);
    assert_non_null(strstr(e.msg, "exec plugin \""));
    assert_non_null(strstr(e.msg, c->exec->command));
    if (!strstr(e.msg, want))
        fprintf(stderr, "message: %s\n", e.msg);
    assert_non_null(strstr(e.msg, want));
    assert_null(strstr(e.msg, "SECRET-OUTPUT"));
}

static void test_exec_failures(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c = exec_config(f, "v1beta1", "");
    c->exec_timeout_ms = 300;
    expect_failure(f, c, "fail", "exit status 3");
    expect_failure(f, c, "junk", "not JSON");
    expect_failure(f, c, "wrongapi", "apiVersion");
    expect_failure(f, c, "empty", "neither a token");
    expect_failure(f, c, "slow", "timed out");
    expect_failure(f, c, "fail", "install it with apt");
    c->exec->command = c->exec->argv[0] = "rn-no-such-plugin";
    expect_failure(f, c, "fail", "executable not found");
    kube_config_free(c);
}

static void test_token_file(void **state)
{
    struct kfix *f = *state;
    struct kube_config *c;
    struct kube_auth a;
    struct kube_cred cr;
    struct rn_err e;
    const char *tf = kfix_write(f, "tok", "first\n");
    const char *text =
        "current-context: d\n"
        "clusters:\n- name: c\n  cluster: {server: https://h:1}\n"
        "users:\n- name: u\n  user: {token: static, tokenFile: "
        "tok}\n"
        "contexts:\n- name: d\n  context: {cluster: c, user: u}\n";
    assert_int_equal(kube_config_parse(text, strlen(text),
                                       kfix_path(f, "config"), NULL, &c, &e),
                     RN_OK);
    assert_string_equal(c->token_file, tf);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "first"); /* the file wins */
    kfix_write(f, "tok", "second\n");
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "first"); /* read at most once a minute */
    assert_true(kube_auth_invalidate(&a));  /* ... or after a 401 */
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "second");
    unlink(tf);
    assert_true(kube_auth_invalidate(&a));
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_OK);
    assert_string_equal(cr.token, "second"); /* last good token kept */
    kube_auth_free(&a);
    kube_config_free(c);

    /* no good token at all: an error naming the file only */
    const char *t2 = "current-context: d\n"
                     "clusters:\n- name: c\n  cluster: {server: https://h:1}\n"
                     "users:\n- name: u\n  user: {tokenFile: none}\n"
                     "contexts:\n- name: d\n  context: {cluster: c, user: u}\n";
    assert_int_equal(
        kube_config_parse(t2, strlen(t2), kfix_path(f, "config"), NULL, &c, &e),
        RN_OK);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "none"));
    kube_auth_free(&a);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    kfix_write(f, "none", "a\nb\n");
    assert_int_equal(kube_auth_get(&a, &cr, &e), RN_ECONFIG);
    assert_non_null(strstr(e.msg, "not one line"));
    kube_auth_free(&a);
    kube_config_free(c);
}

static void test_static_token_not_refreshable(void **state)
{
    (void)state;
    struct kube_config *c;
    struct kube_auth a;
    struct rn_err e;
    struct kube_config_opts o = {.server = "https://h:1", .token = "T"};
    const char *text = "{}";
    assert_int_equal(kube_config_parse(text, 2, "/x/c", &o, &c, &e), RN_OK);
    assert_int_equal(kube_auth_init(&a, c), RN_OK);
    assert_false(kube_auth_invalidate(&a));
    kube_auth_free(&a);
    kube_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exec_v1_token_cached, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exec_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_cert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_file, setup, teardown),
        cmocka_unit_test(test_static_token_not_refreshable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
