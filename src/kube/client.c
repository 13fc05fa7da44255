/*
 * client.c: one HTTP exchange with the API server, on libcurl.
 *
 * A struct kube_xfer holds everything a request needs (URL, body, the
 * names its error message uses) in its own arena, so the same exchange
 * runs blocking (curl_easy_perform, for the CLI) or on the loop's multi
 * handle, and can be sent again: once after a 401 with refreshed
 * credentials, and a few times when a 429 or 5xx carries Retry-After.
 * Credentials are applied at every (re)send and only over https: a bearer
 * token never travels over plain http.  Normal requests have the
 * configured total timeout; watches have none (the informer keeps its own
 * deadline) and rely on TCP keepalive to notice a dead peer.
 */
#include "kube_int.h"

#include "../core/alloc.h"
#include "../core/doc.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../core/log.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <time.h>

#ifndef RN_KUBE_VERSION
#define RN_KUBE_VERSION "0.0.0"
#endif

#define CONNECT_TIMEOUT_MS 10000L
#define MAX_RETRIES 5
#define MAX_RETRY_WAIT_MS 10000

struct kube_xfer {
    struct kube_client *k;
    struct arena a;
    CURL *h;
    struct curl_slist *hdrs;
    const char *url, *method, *body, *ctype;
    size_t body_len;
    struct kube_what what;
    int nums;
    bool watch;
    bool unfrozen;         /* reply as an arena doc */
    struct doc_builder *b; /* freezes the reply, or NULL: a temporary one */
    kube_sink_fn *sink;
    void *sink_ud;
    struct buf reply;
    int64_t retry_after_ms;
    int auth_retries, retries;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- the client ---- */

/* Go's GOARCH name, as kubectl's User-Agent shows it. */
static const char *go_arch(const char *machine)
{
    static const struct {
        const char *uname, *go;
    } arch[] = {{"x86_64", "amd64"},    {"aarch64", "arm64"},
                {"i686", "386"},        {"armv7l", "arm"},
                {"ppc64le", "ppc64le"}, {"s390x", "s390x"}};
    for (size_t i = 0; i < sizeof arch / sizeof arch[0]; i++)
        if (strcmp(machine, arch[i].uname) == 0)
            return arch[i].go;
    return machine;
}

/* With tls-server-name, requests name that host (SNI and verification)
 * and CURLOPT_CONNECT_TO sends them to the real one. */
static int set_base(struct kube_client *k)
{
    const struct kube_config *c = k->c;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    int rc = RN_ENOMEM;
    if (u && curl_url_set(u, CURLUPART_URL, c->server, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
            CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        k->https = strcasecmp(scheme, "https") == 0;
        size_t pl = strlen(path);
        while (pl && path[pl - 1] == '/')
            pl--;
        struct buf b, ct;
        buf_init(&b, 0);
        buf_init(&ct, 0);
        const char *name = c->tls_server_name ? c->tls_server_name : host;
        rc = buf_add_fmt(&b, "%s://%s:%s%.*s", scheme, name, port, (int)pl,
                         path);
        if (!rc && c->tls_server_name)
            rc = buf_add_fmt(&ct, "%s:%s:%s:%s", name, port, host, port);
        k->base = rc ? NULL : buf_take(&b, NULL);
        if (!rc && ct.len)
            k->connect_to = curl_slist_append(NULL, buf_str(&ct));
        rc = !rc && k->base && (!ct.len || k->connect_to) ? RN_OK : RN_ENOMEM;
        buf_free(&b);
        buf_free(&ct);
    } else if (u) {
        rc = RN_ECONFIG;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return rc;
}

int kube_client_new(struct kube_config *c, struct kube_client **out,
                    struct rn_err *e)
{
    struct utsname un;
    struct kube_client *k = rn_calloc(1, sizeof *k);
    if (!k) {
        kube_config_free(c);
        return rn_errf(e, RN_ENOMEM, "out of memory");
    }
    k->c = c;
    int rc = kube_auth_init(&k->auth, c);
    if (!rc)
        rc = set_base(k);
    if (rc == RN_ECONFIG)
        rn_errf(e, rc, "%s: bad server URL \"%s\"", kube_config_source(c),
                kube_config_server(c));
    else if (rc)
        rn_errf(e, rc, "out of memory");
    if (rc) {
        kube_client_free(k); /* frees c too: the message is written */
        return rc;
    }
    snprintf(k->ua, sizeof k->ua, "rnotify/%s (linux/%s)", RN_KUBE_VERSION,
             uname(&un) == 0 ? go_arch(un.machine) : "unknown");
    *out = k;
    return RN_OK;
}

void kube_client_free(struct kube_client *k)
{
    if (!k)
        return;
    kube_auth_free(&k->auth);
    rn_free(k->base);
    curl_slist_free_all(k->connect_to);
    kube_config_free(k->c);
    rn_free(k);
}

const struct kube_config *kube_client_config(const struct kube_client *k)
{
    return k->c;
}

/* ---- one exchange ---- */

static const char *url_of(struct kube_xfer *x, const struct kube_request *rq)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = buf_add_str(&b, x->k->base);
    if (!rc)
        rc = kube_path(&b, rq->res, rq->namespace, rq->name, rq->subresource);
    if (!rc && rq->query && *rq->query)
        rc = buf_add_fmt(&b, "?%s", rq->query);
    const char *u = rc ? NULL : arena_strdup(&x->a, buf_str(&b));
    buf_free(&b);
    return u;
}

static const char *dup0(struct arena *a, const char *s, bool *oom)
{
    const char *d = s ? arena_strdup(a, s) : NULL;
    *oom |= s && !d;
    return d;
}

static int fill_what(struct kube_xfer *x, const struct kube_request *rq)
{
    struct buf b;
    bool oom = false;
    buf_init(&b, 0);
    oom = kube_res_name(&b, rq->res) != RN_OK;
    x->what.resource = oom ? NULL : arena_strdup(&x->a, buf_str(&b));
    buf_free(&b);
    x->what.ns = dup0(&x->a, rq->namespace, &oom);
    x->what.name = dup0(&x->a, rq->name, &oom);
    x->method = dup0(&x->a, rq->verb ? rq->verb : "GET", &oom);
    x->ctype = dup0(&x->a, rq->content_type, &oom);
    return oom || !x->what.resource ? RN_ENOMEM : RN_OK;
}

int kube_xfer_new(struct kube_client *k, const struct kube_request *rq,
                  struct kube_xfer **out)
{
    struct kube_xfer *x = rn_calloc(1, sizeof *x);
    if (!x)
        return RN_ENOMEM;
    x->k = k;
    arena_init(&x->a, 0);
    buf_init(&x->reply, RN_KUBE_MAX_REPLY);
    x->nums = rq->nums;
    x->h = curl_easy_init();
    x->url = url_of(x, rq);
    int rc = x->h && x->url ? fill_what(x, rq) : RN_ENOMEM;
    if (!rc && rq->body) {
        char *b = arena_alloc(&x->a, rq->body_len + 1);
        rc = b ? RN_OK : RN_ENOMEM;
        if (b) {
            memcpy(b, rq->body, rq->body_len);
            b[rq->body_len] = '\0';
        }
        x->body = b;
        x->body_len = rq->body_len;
    }
    if (rc) {
        kube_xfer_free(x);
        return rc;
    }
    *out = x;
    return RN_OK;
}

void kube_xfer_free(struct kube_xfer *x)
{
    if (!x)
        return;
    if (x->h)
        curl_easy_cleanup(x->h);
    curl_slist_free_all(x->hdrs);
    buf_free(&x->reply);
    arena_free(&x->a);
    rn_free(x);
}

void kube_xfer_set_sink(struct kube_xfer *x, kube_sink_fn *sink, void *ud)
{
    x->watch = true;
    x->sink = sink;
    x->sink_ud = ud;
}

void kube_xfer_set_unfrozen(struct kube_xfer *x)
{
    x->unfrozen = true;
}

void kube_xfer_set_builder(struct kube_xfer *x, struct doc_builder *b)
{
    x->b = b;
}

void *kube_xfer_easy(struct kube_xfer *x)
{
    return x->h;
}

long kube_xfer_status(const struct kube_xfer *x)
{
    long st = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &st);
    return st;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    struct kube_xfer *x = ud;
    size_t len = size * n;
    if (x->sink && kube_xfer_status(x) / 100 == 2)
        return x->sink(x->sink_ud, p, len) ? len : 0;
    return buf_add(&x->reply, p, len) == RN_OK ? len : 0;
}

/* Only the status line and Retry-After matter here. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct kube_xfer *x = ud;
    size_t len = size * n;
    if (len > 5 && strncmp(p, "HTTP/", 5) == 0)
        x->retry_after_ms = -1;
    else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        char tmp[32];
        size_t k = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
        memcpy(tmp, p + 12, k);
        tmp[k] = '\0';
        char *end;
        long s = strtol(tmp, &end, 10);
        x->retry_after_ms = end != tmp && s >= 0 ? (int64_t)s * 1000 : 1000;
    }
    return len;
}

/* Headers of one send; the Authorization line is wiped after use. */
static int set_headers(struct kube_xfer *x, const struct kube_cred *cr)
{
    struct kube_client *k = x->k;
    char line[256];
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    h = h ? curl_slist_append(h, "Expect:") : NULL;
    if (h && x->body) {
        snprintf(line, sizeof line, "Content-Type: %s",
                 x->ctype ? x->ctype : "application/json");
        h = curl_slist_append(h, line);
    }
    if (h && cr->token && k->https) {
        struct buf b;
        buf_init(&b, 0);
        if (buf_add_fmt(&b, "Authorization: Bearer %s", cr->token) == RN_OK)
            h = curl_slist_append(h, b.ptr);
        if (b.ptr)
            memset(b.ptr, 0, b.len);
        buf_free(&b);
    } else if (h && cr->token && !k->auth.warned_http) {
        k->auth.warned_http = true;
        log_kv(LOG_WARN, "not sending credentials over plain http", "server",
               k->c->server, NULL);
    }
    curl_slist_free_all(x->hdrs);
    x->hdrs = h;
    return h ? RN_OK : RN_ENOMEM;
}

static void set_tls(struct kube_xfer *x, const struct kube_cred *cr)
{
    const struct kube_config *c = x->k->c;
    struct curl_blob ca = {(void *)c->ca_pem, c->ca_len, CURL_BLOB_COPY};
    const char *cert = cr->cert ? cr->cert : c->cert_pem;
    const char *key = cr->cert ? cr->key : c->key_pem;
    struct curl_blob cb = {(void *)cert, cr->cert ? cr->cert_len : c->cert_len,
                           CURL_BLOB_COPY};
    struct curl_blob kb = {(void *)key, cr->cert ? cr->key_len : c->key_len,
                           CURL_BLOB_COPY};
    if (c->ca_pem)
        curl_easy_setopt(x->h, CURLOPT_CAINFO_BLOB, &ca);
    if (cert && key) {
        curl_easy_setopt(x->h, CURLOPT_SSLCERT_BLOB, &cb);
        curl_easy_setopt(x->h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(x->h, CURLOPT_SSLKEY_BLOB, &kb);
        curl_easy_setopt(x->h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (c->insecure) {
        curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static void set_method(struct kube_xfer *x)
{
    CURL *h = x->h;
    if (strcmp(x->method, "GET") == 0)
        return;
    if (strcmp(x->method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POST, 1L);
    else
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
    if (x->body || strcmp(x->method, "DELETE")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)x->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->body ? x->body : "");
    }
}

/* Connection, timeouts and transport: the same for every send. */
static void set_transport(struct kube_xfer *x)
{
    const struct kube_client *k = x->k;
    CURL *h = x->h;
    long total = (long)k->c->timeout_ms;
    curl_easy_setopt(h, CURLOPT_URL, x->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, k->ua);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     total < CONNECT_TIMEOUT_MS ? total : CONNECT_TIMEOUT_MS);
    if (!x->watch)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 10L);
    if (!k->c->disable_compression)
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (k->c->proxy_url)
        curl_easy_setopt(h, CURLOPT_PROXY, k->c->proxy_url);
    if (k->connect_to)
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, k->connect_to);
}

int kube_xfer_prepare(struct kube_xfer *x, struct rn_err *e)
{
    struct kube_cred cr;
    int rc = kube_auth_get(&x->k->auth, &cr, e);
    if (rc)
        return rc;
    curl_easy_reset(x->h);
    buf_reset(&x->reply);
    x->retry_after_ms = -1;
    x->errbuf[0] = '\0';
    set_transport(x);
    set_tls(x, &cr);
    set_method(x);
    if (set_headers(x, &cr) != RN_OK)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
    return RN_OK;
}

/* ---- the outcome ---- */

void kube_reply_clear(struct kube_reply *r)
{
    if (!r)
        return;
    doc_unref(r->obj);
    r->obj = NULL;
}

static void reply_init(struct kube_reply *out)
{
    memset(out, 0, sizeof *out);
    out->reason = "";
    out->retry_after_ms = -1;
}

static const struct kube_what *what_of(struct kube_xfer *x)
{
    x->what.verb = kube_verb_word(x->method, x->what.name, x->watch);
    return &x->what;
}

/* A request that never got sent (credentials, OOM): the reply says why. */
int kube_xfer_fail(struct kube_xfer *x, const struct rn_err *why,
                   struct kube_reply *out)
{
    reply_init(out);
    kube_status_error(&out->err, why->code ? why->code : RN_EIO, what_of(x),
                      x->k->c->server, why->msg);
    return out->err.code;
}

/* The reply's JSON as a frozen doc, or an arena doc when asked; NULL
 * when it is not JSON. */
static struct doc *parse_reply(struct kube_xfer *x)
{
    struct json_opts jo = {.nums = (enum json_num_mode)x->nums};
    if (!x->unfrozen)
        return json_parse_doc_with(x->b, x->reply.ptr, x->reply.len, &jo, NULL);
    struct doc *d = doc_new();
    if (d && json_parse(&d->arena, x->reply.ptr, x->reply.len, &jo, &d->root,
                        NULL) != RN_OK) {
        doc_unref(d);
        d = NULL;
    }
    return d;
}

int kube_xfer_reply(struct kube_xfer *x, int curl_code, struct kube_reply *out)
{
    reply_init(out);
    if (curl_code != CURLE_OK) {
        const char *why =
            x->errbuf[0] ? x->errbuf : curl_easy_strerror(curl_code);
        kube_status_error(&out->err, RN_EIO, what_of(x), x->k->c->server, why);
        return RN_EIO;
    }
    out->status = kube_xfer_status(x);
    out->retry_after_ms = x->retry_after_ms;
    if (x->reply.len)
        out->obj = parse_reply(x);
    if (out->status / 100 == 2)
        return RN_OK;
    return kube_status_reply(out, what_of(x), x->k->c->server,
                             x->reply.ptr ? x->reply.ptr : "", x->reply.len);
}

bool kube_xfer_should_retry(struct kube_xfer *x, int curl_code,
                            int64_t *wait_ms)
{
    long st = curl_code == CURLE_OK ? kube_xfer_status(x) : 0;
    *wait_ms = 0;
    if (st == 401 && x->auth_retries == 0 &&
        kube_auth_invalidate(&x->k->auth)) {
        x->auth_retries++;
        return true;
    }
    bool again = st == 429 || (st >= 500 && strcmp(x->method, "POST") != 0);
    if (!again || x->retry_after_ms < 0 || x->retries >= MAX_RETRIES ||
        x->watch)
        return false;
    x->retries++;
    *wait_ms = x->retry_after_ms < MAX_RETRY_WAIT_MS ? x->retry_after_ms
                                                     : MAX_RETRY_WAIT_MS;
    return true;
}
