/*
 * httpd.c: /metrics, /healthz, /readyz and the status page on
 * libmicrohttpd's own thread (controller_int.h, "httpd.c").
 *
 * The listening socket is made here rather than by libmicrohttpd, so that
 * a failure says what Go's net.Listen would ("listen tcp :8090: bind:
 * address already in use") and port 0 can be reported.  The daemon runs
 * one internal polling thread: a scrape renders the registry under its
 * mutex in microseconds, and the health endpoints read two atomics, so a
 * pool would buy nothing.  This thread reads; it never writes anything
 * the loop owns.
 *
 * The status page (docs/status-page.md) is three static files compiled in
 * from src/controller/status/ and JSON snapshots that status.c publishes;
 * a request copies the latest one out under its lock.  Its responses
 * carry a Content-Security-Policy that allows only the page's own script
 * and style files and fetches to its own origin (no inline script, no
 * frames), and nosniff, so that nothing a Rollout supplies can run.
 */
#include "controller_int.h"

#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "status_assets.h" /* generated from src/controller/status/ */

#define LISTEN_BACKLOG 64
#define MAX_CONNECTIONS 64
#define CONNECTION_TIMEOUT_S 10
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"
#define JSON_TYPE "application/json; charset=utf-8"
#define PAGE_CSP                                                               \
    "default-src 'none'; script-src 'self'; style-src 'self'; "                \
    "connect-src 'self'; img-src 'self'; base-uri 'none'; "                    \
    "form-action 'none'; frame-ancestors 'none'"

struct ctl_httpd {
    struct MHD_Daemon *d;
    struct ctl_metrics *m;
    struct ctl_health *h;
    _Atomic(struct ctl_status *) st;
    int port;
    char addr[128];
};

/* The status page: its files, and its JSON parts (status.c). */
static const struct {
    const char *path, *type;
    const unsigned char *body; /* static file, or NULL for JSON */
    size_t len;
    const char *part;
} status_routes[] = {
    {"/", "text/html; charset=utf-8", rn_status_html, sizeof rn_status_html - 1,
     NULL},
    {"/status.js", "text/javascript; charset=utf-8", rn_status_js,
     sizeof rn_status_js - 1, NULL},
    {"/status.css", "text/css; charset=utf-8", rn_status_css,
     sizeof rn_status_css - 1, NULL},
    {"/api/status", JSON_TYPE, NULL, 0, "status"},
    {"/api/decisions", JSON_TYPE, NULL, 0, "decisions"},
    {"/api/deliveries", JSON_TYPE, NULL, 0, "deliveries"},
    {"/api/queue", JSON_TYPE, NULL, 0, "queue"},
    {"/api/config", JSON_TYPE, NULL, 0, "config"},
    {"/api/leader", JSON_TYPE, NULL, 0, "leader"},
};

/* ---- the address ---- */

/* Split "host:port", ":port" or "[v6]:port" into host (may be empty) and
 * port text.  Go's wording for what does not split. */
static int split_addr(const char *addr, char *host, size_t hcap, char *port,
                      size_t pcap, struct rn_err *e)
{
    const char *colon = strrchr(addr, ':');
    const char *h = addr, *hend = colon;
    if (!colon)
        return rn_errf(e, RN_EINVAL,
                       "listen tcp: address %s: missing port in address", addr);
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close + 1 != colon)
            return rn_errf(e, RN_EINVAL,
                           "listen tcp: address %s: missing port in address",
                           addr);
        h = addr + 1;
        hend = close;
    } else if (memchr(addr, ':', (size_t)(colon - addr))) {
        return rn_errf(e, RN_EINVAL,
                       "listen tcp: address %s: too many colons in address",
                       addr);
    }
    const char *p = colon + 1;
    size_t pn = strlen(p);
    bool digits = pn > 0 && pn < 6;
    for (size_t i = 0; digits && i < pn; i++)
        digits = isdigit((unsigned char)p[i]) != 0;
    if (!digits || strtol(p, NULL, 10) > 65535)
        return rn_errf(e, RN_EINVAL, "listen tcp: address %s: invalid port",
                       addr);
    if ((size_t)(hend - h) >= hcap || pn >= pcap)
        return rn_errf(e, RN_EINVAL, "listen tcp: address %s: too long", addr);
    memcpy(host, h, (size_t)(hend - h));
    host[hend - h] = '\0';
    memcpy(port, p, pn + 1);
    return RN_OK;
}

/* strerror with Go's lower-case first letter. */
static const char *errtext(int err, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", strerror(err));
    buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

/* socket, bind, listen on one address; -1 with e filled. */
static int listen_on(const char *addr, const struct sockaddr *sa,
                     socklen_t salen, bool dual, struct rn_err *e)
{
    char why[128];
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rn_errf(e, RN_EIO, "listen tcp %s: socket: %s", addr,
                errtext(errno, why, sizeof why));
        return -1;
    }
    int on = 1, off = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (dual)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    const char *step = "bind";
    int rc = bind(fd, sa, salen);
    if (rc == 0) {
        step = "listen";
        rc = listen(fd, LISTEN_BACKLOG);
    }
    if (rc != 0) {
        rn_errf(e, RN_EIO, "listen tcp %s: %s: %s", addr, step,
                errtext(errno, why, sizeof why));
        close(fd);
        return -1;
    }
    return fd;
}

/* ":port": every address, IPv6 and IPv4 on one socket; IPv4 alone where
 * the host has no IPv6. */
static int listen_any(const char *addr, int port, struct rn_err *e)
{
    struct sockaddr_in6 s6 = {0};
    s6.sin6_family = AF_INET6;
    s6.sin6_addr = in6addr_any;
    s6.sin6_port = htons((uint16_t)port);
    int fd = listen_on(addr, (struct sockaddr *)&s6, sizeof s6, true, e);
    if (fd >= 0 || strstr(e->msg, ": socket: ") == NULL)
        return fd;
    struct sockaddr_in s4 = {0};
    s4.sin_family = AF_INET;
    s4.sin_addr.s_addr = htonl(INADDR_ANY);
    s4.sin_port = htons((uint16_t)port);
    return listen_on(addr, (struct sockaddr *)&s4, sizeof s4, false, e);
}

static int open_listener(const char *addr, struct rn_err *e)
{
    char host[96], port[8];
    if (split_addr(addr, host, sizeof host, port, sizeof port, e) != RN_OK)
        return -1;
    if (!host[0])
        return listen_any(addr, (int)strtol(port, NULL, 10), e);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0) {
        rn_errf(e, RN_EINVAL, "listen tcp %s: lookup %s: %s", addr, host,
                gai == EAI_NONAME ? "no such host" : gai_strerror(gai));
        return -1;
    }
    int fd = listen_on(addr, ai->ai_addr, ai->ai_addrlen, false, e);
    freeaddrinfo(ai);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t n = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &n) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* ---- requests ---- */

/* The headers of every status page response. */
static void page_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", PAGE_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

/* page: a status page response (its security headers). */
static enum MHD_Result reply_as(struct MHD_Connection *c, unsigned code,
                                const char *type, const void *body, size_t n,
                                bool page)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (page)
        page_headers(r);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
                             const char *type, const char *body, size_t n)
{
    return reply_as(c, code, type, body, n, false);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code,
                                  const char *text)
{
    return reply(c, code, TEXT_TYPE, text, strlen(text));
}

static enum MHD_Result serve_metrics(struct ctl_httpd *s,
                                     struct MHD_Connection *c)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = ctl_metrics_render(s->m, &b);
    enum MHD_Result ret =
        rc == RN_OK ? reply(c, MHD_HTTP_OK, METRICS_TYPE, buf_str(&b), b.len)
                    : reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "cannot render the metrics: out of memory\n");
    buf_free(&b);
    return ret;
}

static enum MHD_Result serve_health(struct MHD_Connection *c, _Atomic int *ok,
                                    _Atomic(const char *) *why,
                                    const char *dflt)
{
    if (atomic_load(ok))
        return reply_text(c, MHD_HTTP_OK, "ok");
    const char *w = atomic_load(why);
    return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, w ? w : dflt);
}

/* A path of the status page, or its 404. */
static enum MHD_Result serve_status(struct ctl_status *st,
                                    struct MHD_Connection *c, const char *url)
{
    size_t n = sizeof status_routes / sizeof status_routes[0], i = 0;
    while (i < n && strcmp(status_routes[i].path, url) != 0)
        i++;
    if (i == n)
        return reply_as(c, MHD_HTTP_NOT_FOUND, TEXT_TYPE,
                        "404 page not found\n", 19, true);
    if (status_routes[i].body)
        return reply_as(c, MHD_HTTP_OK, status_routes[i].type,
                        status_routes[i].body, status_routes[i].len, true);
    struct buf b;
    buf_init(&b, 0);
    int rc = ctl_status_json(st, status_routes[i].part, &b);
    enum MHD_Result ret =
        rc == RN_OK
            ? reply_as(c, MHD_HTTP_OK, JSON_TYPE, buf_str(&b), b.len, true)
            : reply_as(c, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT_TYPE,
                       "out of memory\n", 14, true);
    buf_free(&b);
    return ret;
}

/* Answered on the first call, before any request body: nothing here
 * reads one. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct ctl_httpd *s = cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method not allowed\n");
    if (s->m && strcmp(url, "/metrics") == 0)
        return serve_metrics(s, c);
    if (s->h && strcmp(url, "/healthz") == 0)
        return serve_health(c, &s->h->live, &s->h->live_why, "not live");
    if (s->h && strcmp(url, "/readyz") == 0)
        return serve_health(c, &s->h->ready, &s->h->ready_why, "not ready");
    struct ctl_status *st = atomic_load(&s->st);
    if (st)
        return serve_status(st, c, url);
    return reply_text(c, MHD_HTTP_NOT_FOUND, "404 page not found\n");
}

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct ctl_httpd *s = cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\r\n")] = '\0';
    log_kv(LOG_WARN, "metrics server", "addr", s->addr, "error", msg, NULL);
}

/* ---- start and stop ---- */

static int start_daemon(struct ctl_httpd *s, int fd, struct rn_err *e)
{
    /* libmicrohttpd closes the socket it is given when it stops; on a
     * failed start it may or may not have, so it gets a duplicate and
     * the original is always closed here. */
    int mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (mine < 0) {
        close(fd);
        return rn_errf(e, RN_EIO, "listen tcp %s: %s", s->addr,
                       strerror(errno));
    }
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, handle, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, mine, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    close(fd);
    if (!s->d)
        return rn_errf(e, RN_EIO, "listen tcp %s: cannot start the server",
                       s->addr);
    return RN_OK;
}

/* The server is the caller's (ctl_httpd_stop); m and h are borrowed and
 * must outlive it. */
int ctl_httpd_start(const char *addr, struct ctl_metrics *m,
                    struct ctl_health *h, struct ctl_httpd **out,
                    struct rn_err *e)
{
    struct ctl_httpd *s = rn_calloc(1, sizeof *s);
    if (!s)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    snprintf(s->addr, sizeof s->addr, "%s", addr ? addr : "");
    s->m = m;
    s->h = h;
    int fd = open_listener(s->addr, e);
    if (fd < 0) {
        rn_free(s);
        return e->code ? e->code : RN_EIO;
    }
    s->port = bound_port(fd);
    int rc = start_daemon(s, fd, e);
    if (rc != RN_OK) {
        rn_free(s);
        return rc;
    }
    *out = s;
    return RN_OK;
}

int ctl_httpd_port(const struct ctl_httpd *s)
{
    return s ? s->port : -1;
}

void ctl_httpd_set_status(struct ctl_httpd *s, struct ctl_status *st)
{
    if (s)
        atomic_store(&s->st, st);
}

/* Waits for the server thread to end; open connections are closed. */
void ctl_httpd_stop(struct ctl_httpd *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    rn_free(s);
}
