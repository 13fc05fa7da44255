/*
 * http.c: libmicrohttpd glue: the listener, request bodies, routing,
 * authentication, fault rules and the request journal.
 *
 * Every connection has a thread of its own, so a handler may block (a
 * watch waits for events, a `delay` fault sleeps) without holding up any
 * other client.  A request body is gathered up to 3 MiB (413 past it),
 * then the path is split into segments and handed to the admin API, the
 * discovery documents or the resource endpoints, in that order.  Bearer
 * tokens are checked over TLS only: kubectl never sends credentials over
 * plain HTTP, so the plain mode serves everyone.
 */
#include "sandbox.h"

#include "core/alloc.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_SEGMENTS 16

static struct sb_req *req_new(struct sb *sb, struct MHD_Connection *conn,
                              const char *url, const char *method)
{
    struct sb_req *r = rn_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->sb = sb;
    r->conn = conn;
    arena_init(&r->a, 0);
    r->url = arena_strdup(&r->a, url);
    r->method = arena_strdup(&r->a, method);
    buf_init(&r->body,
             strncmp(url, "/__emu/", 7) ? SB_BODY_MAX : SB_ADMIN_BODY_MAX);
    const char *ct =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    r->ctype = ct ? arena_strdup(&r->a, ct) : NULL;
    return r;
}

static void req_free(struct sb_req *r)
{
    buf_free(&r->body);
    arena_free(&r->a);
    rn_free(r);
}

/* ---- replies ---- */

int sb_reply(struct sb_req *r, int code, const char *ctype, const char *body,
             size_t n)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        n, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return RN_ENOMEM;
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)code, resp);
    MHD_destroy_response(resp);
    r->code = code;
    return ok == MHD_YES ? RN_OK : RN_EIO;
}

int sb_reply_json(struct sb_req *r, int code, const struct buf *b)
{
    return sb_reply(r, code, "application/json", buf_str(b), b->len);
}

int sb_reply_status(struct sb_req *r, const struct sb_status *st)
{
    struct buf b;
    buf_init(&b, 0);
    sb_status_json(&b, st);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        b.len, (void *)(uintptr_t)buf_str(&b), MHD_RESPMEM_MUST_COPY);
    buf_free(&b);
    if (!resp)
        return RN_ENOMEM;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-cache, private");
    if (st->retry_after) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", st->retry_after);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)st->code, resp);
    MHD_destroy_response(resp);
    r->code = st->code;
    return ok == MHD_YES ? RN_OK : RN_EIO;
}

const char *sb_query(struct sb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int escape_into(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = RN_OK;
    for (; s && *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("-._~", c))
            rc = buf_add_char(b, (char)c);
        else
            rc = buf_add_fmt(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
    }
    return rc;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
    struct buf *b = cls;
    (void)kind;
    if (b->len)
        buf_add_char(b, '&');
    escape_into(b, key);
    if (value) {
        buf_add_char(b, '=');
        escape_into(b, value);
    }
    return MHD_YES;
}

char *sb_query_string(struct sb_req *r)
{
    struct buf b;
    buf_init(&b, 0);
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &b);
    char *s = arena_strdup(&r->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* ---- the request pipeline ---- */

static bool loopback(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >>
                24) == 127;
    if (sa && sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(
                   &((const struct sockaddr_in6 *)sa)->sin6_addr) ||
               IN6_IS_ADDR_V4MAPPED(
                   &((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

static size_t split_path(struct arena *a, const char *url, const char **seg)
{
    size_t n = 0;
    const char *p = url;
    while (*p && n < MAX_SEGMENTS) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len)
            seg[n++] = arena_strndup(a, p, len);
        p += len;
    }
    return *p ? MAX_SEGMENTS + 1 : n;
}

/* The CN of a client certificate that verifies against the trusted CAs
 * (GnuTLS has checked the handshake; the chain is checked here). */
static bool cert_user(struct sb_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    unsigned status = 1, n = 0;
    if (!s || gnutls_certificate_verify_peers2(s, &status) || status)
        return false;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    return certs && n &&
           sb_tls_cert_cn(certs[0].data, certs[0].size, r->user,
                          sizeof r->user);
}

/* false: 401 answered.  Over TLS a client certificate or a bearer token
 * names the user once either is configured; plain HTTP serves anyone. */
static bool authenticate(struct sb_req *r)
{
    struct sb *sb = r->sb;
    bool certs = sb->tls.trust_pem != NULL;
    if (!sb->cfg.tls || (!sb_tokens_count(&sb->tokens) && !certs)) {
        snprintf(r->user, sizeof r->user, "%s",
                 sb->cfg.tls ? "system:admin" : "system:anonymous");
        return true;
    }
    const char *authz =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    if ((certs && cert_user(r)) ||
        sb_tokens_check(&sb->tokens, authz, r->user, sizeof r->user))
        return true;
    r->user[0] = '\0';
    struct sb_status st;
    sb_status_init(&st);
    sb_status_set(&st, 401, "Unauthorized", "Unauthorized");
    sb_reply_status(r, &st);
    return false;
}

static void not_found(struct sb_req *r)
{
    struct sb_status st;
    sb_status_init(&st);
    sb_status_set(&st, 404, "NotFound",
                  "the server could not find the requested resource");
    sb_reply_status(r, &st);
}

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls, (void)pos, (void)buf, (void)max;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* The fault rules' verdict; false when the request is answered (or
 * dropped: *drop). */
static bool apply_faults(struct sb_req *r, struct sb_fault_hit *hit, bool *drop)
{
    const char *w = sb_query(r, "watch");
    struct sb_fault_req fr = {r->method, r->url, r->user,
                              w && (!strcmp(w, "true") || !strcmp(w, "1")),
                              r->conn};
    sb_faults_match(&r->sb->faults, &fr, hit);
    if (!hit->any)
        return true;
    if (hit->delay_ms > 0) {
        struct timespec ts = {hit->delay_ms / 1000,
                              (hit->delay_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    if (hit->drop_request) {
        *drop = true;
        return false;
    }
    if (hit->drop_headers) {
        struct MHD_Response *resp = MHD_create_response_from_callback(
            MHD_SIZE_UNKNOWN, 1024, cut_reader, NULL, NULL);
        MHD_add_response_header(resp, "Content-Type", "application/json");
        MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        r->code = 200;
        return false;
    }
    if (hit->status.code) {
        sb_reply_status(r, &hit->status);
        return false;
    }
    r->fault = hit;
    return true;
}

static void journal(struct sb_req *r)
{
    bool secret = strstr(r->url, "/secrets") != NULL;
    struct sb_jentry e = {
        .time_ns = sb_now_ns(),
        .method = (char *)r->method,
        .path = (char *)r->url,
        .query = sb_query_string(r),
        .ctype = (char *)r->ctype,
        .accept = (char *)MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                      "Accept"),
        .user = r->user,
        .body = secret || !r->body.len ? NULL : (char *)buf_str(&r->body),
        .status = r->code,
        .watch = r->watch,
    };
    sb_journal_add(&r->sb->journal, &e);
}

static bool dispatch(struct sb_req *r)
{
    const char *seg[MAX_SEGMENTS];
    size_t n = split_path(&r->a, r->url, seg);
    if (n && !strcmp(seg[0], "__emu")) {
        if (!loopback(r->conn))
            return not_found(r), true;
        return sb_admin_handle(r, seg, n > MAX_SEGMENTS ? 0 : n) != RN_EIO;
    }
    struct sb_fault_hit hit;
    bool drop = false;
    if (!authenticate(r) || !apply_faults(r, &hit, &drop)) {
        journal(r);
        return !drop;
    }
    if (r->too_large) {
        struct sb_status st;
        sb_status_init(&st);
        sb_status_set(&st, 413, "RequestEntityTooLarge",
                      "Request entity too large: limit is 3145728");
        sb_reply_status(r, &st);
    } else if (n > MAX_SEGMENTS ||
               (!sb_discovery_handle(r, seg, n) && !sb_api_handle(r, seg, n))) {
        not_found(r);
    }
    r->fault = NULL;
    journal(r);
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct sb_req *r = *con_cls;
    (void)version;
    if (!r) {
        *con_cls = req_new(cls, conn, url, method);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        if (!r->too_large && buf_add(&r->body, upload, *upload_size))
            r->too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    return dispatch(r) ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    if (*con_cls)
        req_free(*con_cls);
    *con_cls = NULL;
}

static int parse_addr(const char *addr, struct sockaddr_in *sa,
                      struct rn_err *e)
{
    const char *colon = strrchr(addr, ':');
    char host[64];
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - addr) >= sizeof host)
        return rn_errf(e, RN_EINVAL, "--addr %s: want HOST:PORT", addr);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 ||
        inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return rn_errf(e, RN_EINVAL, "--addr %s: want IPv4:PORT", addr);
    sa->sin_port = htons((uint16_t)port);
    return RN_OK;
}

int sb_http_start(struct sb *sb, struct rn_err *e)
{
    struct sockaddr_in sa;
    int rc = parse_addr(sb->cfg.addr, &sa, e);
    if (rc)
        return rc;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, sb->tls.key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, sb->tls.cert_pem},
        {sb->tls.trust_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0,
         sb->tls.trust_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (sb->cfg.tls)
        flags |= MHD_USE_TLS;
    sb->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, sb, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, sb,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)4000, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_ARRAY, sb->cfg.tls ? tls : tls + 3, MHD_OPTION_END);
    if (!sb->mhd)
        return rn_errf(e, RN_EIO, "cannot listen on %s", sb->cfg.addr);
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(sb->mhd, MHD_DAEMON_INFO_BIND_PORT);
    sb->port = di ? di->port : ntohs(sa.sin_port);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    snprintf(sb->server_url, sizeof sb->server_url, "%s://%s:%d",
             sb->cfg.tls ? "https" : "http", host, sb->port);
    return RN_OK;
}

void sb_http_stop(struct sb *sb)
{
    if (!sb->mhd)
        return;
    sb->stopping = 1;
    sb_watch_shutdown(sb);
    MHD_stop_daemon(sb->mhd);
    sb->mhd = NULL;
}
