/*
 * rn_sink.c: rn-sink, the notification sink of the controller benchmark.
 *
 *   rn-sink [--port N] [--marker TEXT] [--reply JSON]
 *
 * An HTTP server on libmicrohttpd (one epoll thread, on 127.0.0.1; port
 * 0, the default, picks a free one) that answers every request 200 with a
 * fixed JSON body (default {"ok":true}, which also satisfies Slack's API)
 * and records, for each request, the real-clock
 * time its body was complete and the first word of the body that starts
 * with the marker (default "bench-r": the benchmark's Rollout names), so
 * the driver can tell which Event a notification answers without
 * shipping the bodies around.  A Python sink costs more CPU than the
 * controller it measures on a 2-core machine; this one costs little.
 *
 *   GET /__sink/records   one line per request: "<unix ns> <word>\n"
 *   GET /__sink/count     the number of requests recorded
 *   DELETE /__sink/records  forget them
 *
 * It prints "rn-sink: serving http://127.0.0.1:PORT" once listening and
 * runs until SIGTERM or SIGINT.
 */
#include "core/alloc.h"
#include "core/buf.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORD_MAX 48
#define BODY_MAX (1u << 20)

struct record {
    int64_t t_ns;
    char word[WORD_MAX];
};

struct sink {
    const char *marker;
    const char *reply;
    pthread_mutex_t mu;
    struct record *recs;
    size_t n, cap;
};

/* One request's body, gathered across calls. */
struct req {
    struct buf body;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static void record(struct sink *s, const struct buf *body)
{
    struct record r = {now_ns(), ""};
    const char *p =
        body->len ? memmem(body->ptr, body->len, s->marker, strlen(s->marker))
                  : NULL;
    size_t i = 0;
    while (p && i + 1 < WORD_MAX && p + i < body->ptr + body->len &&
           word_char(p[i])) {
        r.word[i] = p[i];
        i++;
    }
    r.word[i] = '\0';
    if (!i)
        snprintf(r.word, sizeof r.word, "-");
    pthread_mutex_lock(&s->mu);
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4096;
        struct record *nr = rn_realloc(s->recs, nc * sizeof *nr);
        if (nr) {
            s->recs = nr;
            s->cap = nc;
        }
    }
    if (s->n < s->cap)
        s->recs[s->n++] = r;
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
                             const char *ctype, const char *body, size_t n)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        n, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", ctype);
    enum MHD_Result ok = MHD_queue_response(c, code, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result admin(struct sink *s, struct MHD_Connection *c,
                             const char *url, const char *method)
{
    struct buf out;
    buf_init(&out, 0);
    pthread_mutex_lock(&s->mu);
    if (!strcmp(url, "/__sink/count"))
        buf_add_fmt(&out, "%zu\n", s->n);
    else if (!strcmp(url, "/__sink/records") && !strcmp(method, "DELETE"))
        s->n = 0;
    else if (!strcmp(url, "/__sink/records"))
        for (size_t i = 0; i < s->n; i++)
            buf_add_fmt(&out, "%lld %s\n", (long long)s->recs[i].t_ns,
                        s->recs[i].word);
    pthread_mutex_unlock(&s->mu);
    enum MHD_Result ok =
        reply(c, 200, "text/plain", out.ptr ? out.ptr : "", out.len);
    buf_free(&out);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct sink *s = cls;
    struct req *r = *con_cls;
    (void)version;
    if (!r) {
        if (!(r = rn_calloc(1, sizeof *r)))
            return MHD_NO;
        buf_init(&r->body, BODY_MAX);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        buf_add(&r->body, upload, *upload_size); /* past the cap: cut */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/__sink/", 8))
        return admin(s, c, url, method);
    record(s, &r->body);
    return reply(c, 200, "application/json", s->reply, strlen(s->reply));
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req *r = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (r) {
        buf_free(&r->body);
        rn_free(r);
    }
    *con_cls = NULL;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: rn-sink [--port N] [--marker TEXT] [--reply JSON]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static struct sink s = {.marker = "bench-r", .reply = "{\"ok\":true}"};
    long port = 0;
    char *end = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (!strcmp(argv[i], "--port"))
            port = strtol(argv[++i], &end, 10);
        else if (!strcmp(argv[i], "--marker"))
            s.marker = argv[++i];
        else if (!strcmp(argv[i], "--reply"))
            s.reply = argv[++i];
        else
            return usage();
    }
    struct sockaddr_in sa = {.sin_family = AF_INET};
    if ((end && *end) || port < 0 || port > 65535 || !*s.marker)
        return usage();
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    pthread_mutex_init(&s.mu, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL,
        on_request, &s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, &s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "rn-sink: cannot listen on 127.0.0.1:%ld\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("rn-sink: serving http://127.0.0.1:%u\n",
           di ? di->port : ntohs(sa.sin_port));
    fflush(stdout);
    int sig;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    rn_free(s.recs);
    pthread_mutex_destroy(&s.mu);
    return 0;
}
