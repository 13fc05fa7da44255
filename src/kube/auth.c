/*
 * auth.c: the credentials each request carries, kept fresh.
 *
 * A token file (the in-cluster service-account token, a kubeconfig
 * tokenFile) is a projected token the kubelet rotates by swapping a
 * symlink, so it is re-opened by path, at most once a minute and at once
 * after a 401; when a re-read fails the last good token stays in use.  An
 * exec plugin's credential is cached until shortly before its
 * expirationTimestamp, or, without one, until the server answers 401.
 * One mutex serialises refreshes, so a plugin never runs twice at once.
 * Tokens never reach a log line or an error message.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/limits.h"
#include "../core/log.h"

#include <string.h>
#include <time.h>

#define REREAD_MS 60000
#define EXPIRY_MARGIN_S 30

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kube_auth_init(struct kube_auth *a, const struct kube_config *c)
{
    memset(a, 0, sizeof *a);
    a->c = c;
    pthread_mutex_init(&a->mu, NULL);
    if (c->token && !(a->token = rn_strndup(c->token, strlen(c->token))))
        return RN_ENOMEM;
    return RN_OK;
}

static void drop_exec(struct kube_auth *a)
{
    rn_free(a->cert);
    rn_free(a->key);
    a->cert = a->key = NULL;
    a->cert_len = a->key_len = 0;
    a->exec_valid = false;
}

void kube_auth_free(struct kube_auth *a)
{
    drop_exec(a);
    rn_free(a->token);
    a->token = NULL;
    pthread_mutex_destroy(&a->mu);
}

static void set_token(struct kube_auth *a, char *t)
{
    if (a->token)
        memset(a->token, 0, strlen(a->token));
    rn_free(a->token);
    a->token = t;
}

/* The file's token: surrounding whitespace stripped, no inner line
 * breaks (they would end the header). */
static int read_token(const char *path, char **out, struct rn_err *e)
{
    struct arena ar;
    char *text = NULL;
    size_t n = 0;
    arena_init(&ar, 0);
    int rc = kube_read_file(&ar, path, RN_KUBE_MAX_FILE, &text, &n, e);
    char *s = text;
    size_t len = n;
    while (rc == RN_OK && len && strchr(" \t\r\n", s[len - 1]))
        len--;
    while (rc == RN_OK && len && strchr(" \t\r\n", *s)) {
        s++;
        len--;
    }
    if (rc == RN_OK &&
        (len == 0 || memchr(s, '\n', len) || memchr(s, '\r', len)))
        rc = rn_errf(e, RN_EIO, "token file %s: empty or not one line", path);
    if (rc == RN_OK && !(*out = rn_strndup(s, len)))
        rc = rn_errf(e, RN_ENOMEM, "out of memory");
    if (text)
        memset(text, 0, n);
    arena_free(&ar);
    return rc;
}

static int refresh_file(struct kube_auth *a, struct rn_err *e)
{
    int64_t now = mono_ms();
    char *t = NULL;
    struct rn_err fe;
    if (a->have_read && now - a->token_read_ms < REREAD_MS)
        return RN_OK;
    int rc = read_token(a->c->token_file, &t, &fe);
    a->have_read = true;
    a->token_read_ms = now;
    if (rc == RN_OK) {
        set_token(a, t);
        return RN_OK;
    }
    if (!a->token)
        return rn_errf(e, RN_ECONFIG, "%s", fe.msg);
    log_kv(LOG_WARN, "token file not re-read; keeping the last token", "error",
           fe.msg, NULL);
    return RN_OK;
}

static int refresh_exec(struct kube_auth *a, struct rn_err *e)
{
    struct kube_exec_cred cr;
    int64_t now;
    kube_wall_now(&now, NULL);
    if (a->exec_valid &&
        (!a->expiry_unix || now < a->expiry_unix - EXPIRY_MARGIN_S))
        return RN_OK;
    int rc = kube_exec_run(a->c, &cr, e);
    if (rc)
        return rc;
    drop_exec(a);
    set_token(a, cr.token);
    a->cert = cr.cert;
    a->key = cr.key;
    a->cert_len = cr.cert_len;
    a->key_len = cr.key_len;
    a->expiry_unix = cr.expiry_unix;
    a->exec_valid = true;
    return RN_OK;
}

int kube_auth_get(struct kube_auth *a, struct kube_cred *out, struct rn_err *e)
{
    int rc = RN_OK;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&a->mu);
    if (a->c->token_file)
        rc = refresh_file(a, e);
    else if (a->c->exec)
        rc = refresh_exec(a, e);
    if (rc == RN_OK) {
        out->token = a->token;
        out->cert = a->cert;
        out->cert_len = a->cert_len;
        out->key = a->key;
        out->key_len = a->key_len;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

bool kube_auth_invalidate(struct kube_auth *a)
{
    bool any = false;
    pthread_mutex_lock(&a->mu);
    if (a->c->token_file) {
        a->have_read = false;
        any = true;
    } else if (a->c->exec) {
        a->exec_valid = false;
        any = true;
    }
    pthread_mutex_unlock(&a->mu);
    return any;
}
