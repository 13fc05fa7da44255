/*
 * http.c: HTTP execution on libcurl, shaped after Go's net/http client,
 * which every upstream service uses (docs/services/README.md, HTTP).
 *
 * svc_http_setup() configures one easy handle so that the same transfer
 * runs blocking (svc_send, the CLI) or on the controller's multi handle.
 * Differences from libcurl's defaults that matter on the wire: no
 * Content-Type unless the service sets one, no `Expect: 100-continue`,
 * `User-Agent: Go-http-client/1.1`, `Accept-Encoding: gzip`, proxies read
 * from both spellings of the environment variables with loopback never
 * proxied, and redirects followed by svc_http_redirect() with Go's rules
 * instead of libcurl's.  The reply body is capped.
 */
#include "svc_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TIMEOUT_MS 60000L
#define DEFAULT_MAX_REPLY (1u << 20)
#define MAX_REPLY_HEADERS 200

struct svc_xfer {
    CURL *h;
    struct arena *a;
    const struct http_req *req;
    struct curl_slist *hdrs;
    struct buf body;
    size_t cap;
    bool too_big;
    long status;
    const char *reason;
    struct http_header *rh;
    size_t nrh, caprh;
    char errbuf[CURL_ERROR_SIZE];
};

/* Defaults, then the RNOTIFY_* environment overrides.  Never fails. */
void svc_opts_default(struct svc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = DEFAULT_CONNECT_MS;
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    o->max_reply = DEFAULT_MAX_REPLY;
    const char *ca = getenv("RNOTIFY_CA_FILE");
    const char *t = getenv("RNOTIFY_HTTP_TIMEOUT_MS");
    const char *ct = getenv("RNOTIFY_CONNECT_TIMEOUT_MS");
    o->ca_file = ca && *ca ? ca : NULL;
    if (t && strtol(t, NULL, 10) > 0)
        o->timeout_ms = strtol(t, NULL, 10);
    if (ct && strtol(ct, NULL, 10) > 0)
        o->connect_timeout_ms = strtol(ct, NULL, 10);
}

/* Case-insensitive header lookup; the value is the reply's (arena) memory. */
const char *svc_reply_header(const struct http_reply *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* Occurrences of a header (pushover requires exactly one). */
size_t svc_reply_header_count(const struct http_reply *r, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        n += strcasecmp(r->headers[i].name, name) == 0;
    return n;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct svc_xfer *x = ud;
    size_t len = size * n;
    if (x->body.len + len > x->cap) {
        x->too_big = true;
        return 0;
    }
    return buf_add(&x->body, p, len) == RN_OK ? len : 0;
}

#define MAX_REASON 64

/* "HTTP/1.1 404 Not Found": a new response starts (1xx, or the final).
 * The reason phrase is the server's text and ends up in messages, so it
 * is cut short and control characters (terminal escapes) become '?'. */
static void status_line(struct svc_xfer *x, const char *p, size_t len)
{
    x->nrh = 0;
    const char *sp = memchr(p, ' ', len);
    const char *end = p + len;
    while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
        end--;
    const char *r2 =
        sp && end > sp ? memchr(sp + 1, ' ', (size_t)(end - sp - 1)) : NULL;
    size_t n = r2 ? (size_t)(end - r2 - 1) : 0;
    char *reason =
        arena_strndup(x->a, r2 ? r2 + 1 : "", n > MAX_REASON ? MAX_REASON : n);
    for (char *c = reason; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    x->reason = reason ? reason : "";
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct svc_xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        status_line(x, p, len);
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon || x->nrh >= MAX_REPLY_HEADERS)
        return len;
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    if (x->nrh == x->caprh) {
        size_t nc = x->caprh ? x->caprh * 2 : 16;
        struct http_header *h = arena_alloc(x->a, nc * sizeof *h);
        if (!h)
            return 0;
        if (x->nrh)
            memcpy(h, x->rh, x->nrh * sizeof *h);
        x->rh = h;
        x->caprh = nc;
    }
    struct http_header *h = &x->rh[x->nrh];
    h->name = arena_strndup(x->a, p, (size_t)(colon - p));
    h->value = arena_strndup(x->a, v, (size_t)(end - v));
    if (!h->name || !h->value)
        return 0;
    x->nrh++;
    return len;
}

static const char *env_any(const char *upper, const char *lower)
{
    const char *v = getenv(upper);
    if (!v || !*v)
        v = getenv(lower);
    return v && *v ? v : NULL;
}

/* Go's httpproxy.FromEnvironment, with loopback always direct. */
static int set_proxy(CURL *h, const char *url, struct arena *a)
{
    bool https = strncasecmp(url, "https:", 6) == 0;
    const char *proxy = https ? env_any("HTTPS_PROXY", "https_proxy")
                              : env_any("HTTP_PROXY", "http_proxy");
    const char *no = env_any("NO_PROXY", "no_proxy");
    const char *noproxy =
        no ? arena_printf(a, "%s,localhost,127.0.0.0/8,::1", no)
           : "localhost,127.0.0.0/8,::1";
    if (!noproxy)
        return RN_ENOMEM;
    curl_easy_setopt(h, CURLOPT_PROXY, proxy ? proxy : "");
    curl_easy_setopt(h, CURLOPT_NOPROXY, noproxy);
    return RN_OK;
}

static bool has_header(const struct http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return true;
    return false;
}

static int add_header(struct svc_xfer *x, const char *name, const char *value)
{
    /* a line break would inject headers: Go refuses such values too */
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return RN_EINVAL;
    const char *line = *value ? arena_printf(x->a, "%s: %s", name, value)
                              : arena_printf(x->a, "%s;", name);
    struct curl_slist *l = line ? curl_slist_append(x->hdrs, line) : NULL;
    if (!l)
        return RN_ENOMEM;
    x->hdrs = l;
    return RN_OK;
}

static int set_headers(CURL *h, struct svc_xfer *x, const struct http_req *r)
{
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < r->nheaders; i++)
        rc = add_header(x, r->headers[i].name, r->headers[i].value);
    if (rc == RN_OK && !has_header(r, "Content-Type")) {
        struct curl_slist *l = curl_slist_append(x->hdrs, "Content-Type:");
        rc = l ? RN_OK : RN_ENOMEM;
        x->hdrs = l ? l : x->hdrs;
    }
    if (rc == RN_OK && !has_header(r, "Accept")) {
        struct curl_slist *l = curl_slist_append(x->hdrs, "Accept:");
        rc = l ? RN_OK : RN_ENOMEM;
        x->hdrs = l ? l : x->hdrs;
    }
    if (rc == RN_OK) {
        struct curl_slist *l = curl_slist_append(x->hdrs, "Expect:");
        rc = l ? RN_OK : RN_ENOMEM;
        x->hdrs = l ? l : x->hdrs;
    }
    if (rc == RN_OK && !has_header(r, "User-Agent"))
        curl_easy_setopt(h, CURLOPT_USERAGENT, "Go-http-client/1.1");
    if (rc == RN_OK)
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
    return rc;
}

static void set_method(CURL *h, const struct http_req *r)
{
    const char *body = r->has_body ? r->body : "";
    long n = r->has_body ? (long)r->body_len : 0;
    bool bodied_method = strcmp(r->method, "POST") == 0 ||
                         strcmp(r->method, "PUT") == 0 ||
                         strcmp(r->method, "PATCH") == 0;
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        return;
    }
    if (strcmp(r->method, "GET") == 0 && !r->has_body) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (r->has_body || bodied_method) {
        /* Go sends Content-Length: 0 for POST/PUT/PATCH without body */
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, n);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (strcmp(r->method, "POST") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
}

/* The request's timeout, never past the delivery's deadline (at least
 * 1 ms: libcurl reads 0 as "no timeout"). */
static long transfer_timeout(const struct http_req *req,
                             const struct svc_opts *o)
{
    long t = req->timeout_ms ? req->timeout_ms
             : o->timeout_ms ? o->timeout_ms
                             : DEFAULT_TIMEOUT_MS;
    if (req->deadline_ms > 0) {
        int64_t left = req->deadline_ms - svc_now_ms();
        if (left < t)
            t = left > 0 ? (long)left : 1L;
    }
    return t;
}

/* Configure an easy handle; buffers in a, header lists released by
 * svc_http_release.  RN_ENOMEM only. */
int svc_http_setup(void *easy, const struct http_req *req,
                   const struct svc_opts *o, struct arena *a,
                   struct svc_xfer **out, struct rn_err *e)
{
    CURL *h = easy;
    struct svc_xfer *x = arena_zalloc(a, sizeof *x);
    if (!x)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    x->h = h;
    x->a = a;
    x->req = req;
    x->cap = req->max_reply ? req->max_reply
             : o->max_reply ? o->max_reply
                            : DEFAULT_MAX_REPLY;
    buf_init(&x->body, x->cap + 1);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     o->connect_timeout_ms ? o->connect_timeout_ms
                                           : DEFAULT_CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, transfer_timeout(req, o));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req->insecure ? 0L : 2L);
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    set_method(h, req);
    int rc = set_proxy(h, req->url, a);
    if (rc == RN_OK)
        rc = set_headers(h, x, req);
    if (rc != RN_OK) {
        svc_http_release(x);
        if (rc == RN_EINVAL)
            return rn_errf(e, rc, "%s \"%s\": net/http: invalid header field",
                           svc_method_word(a, req->method),
                           req->shown_url ? req->shown_url
                                          : svc_url_origin(a, req->url));
        return rn_errf(e, rc, "out of memory");
    }
    *out = x;
    return RN_OK;
}

/* Frees the libcurl header list and the body buffer; NULL is fine. */
void svc_http_release(struct svc_xfer *x)
{
    if (!x)
        return;
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    buf_free(&x->body);
}

/* Transport errors a repeat cannot fix (go-retryablehttp's list: too many
 * redirects, unsupported scheme, invalid header, certificate errors). */
static bool curl_retryable(CURLcode cc)
{
    switch (cc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_WRITE_ERROR:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FILESIZE_EXCEEDED:
        return false;
    default:
        return true;
    }
}

/* The reply (in the transfer's arena) or a Go-worded transport error with
 * its retry class. */
int svc_http_done(struct svc_xfer *x, int curl_code, struct http_reply *out,
                  bool *retryable, struct rn_err *e)
{
    const struct http_req *r = x->req;
    const char *shown =
        r->shown_url ? r->shown_url : svc_url_origin(x->a, r->url);
    CURLcode cc = (CURLcode)curl_code;
    if (cc == CURLE_WRITE_ERROR && x->too_big)
        cc = CURLE_FILESIZE_EXCEEDED;
    /* a reply that is not HTTP: Go's "malformed HTTP response", transient */
    if (cc == CURLE_UNSUPPORTED_PROTOCOL && strstr(x->errbuf, "HTTP/0.9")) {
        cc = CURLE_WEIRD_SERVER_REPLY;
        snprintf(x->errbuf, sizeof x->errbuf, "malformed HTTP response");
    }
    if (cc != CURLE_OK) {
        *retryable = curl_retryable(cc);
        const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
        if (cc == CURLE_FILESIZE_EXCEEDED)
            why = "reply body exceeds the size limit";
        return rn_errf(e, cc == CURLE_OPERATION_TIMEDOUT ? RN_EIO : RN_EHTTP,
                       "%s \"%s\": %s", svc_method_word(x->a, r->method), shown,
                       why);
    }
    memset(out, 0, sizeof *out);
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &out->status);
    out->reason = x->reason ? x->reason : "";
    out->headers = x->rh;
    out->nheaders = x->nrh;
    out->body = arena_strndup(x->a, buf_str(&x->body), x->body.len);
    out->body_len = x->body.len;
    if (!out->body)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    return RN_OK;
}

/* The header callback's work over a whole raw response (svc_int.h). */
int svc_http_parse_reply(struct arena *a, const char *raw, size_t n, size_t max,
                         struct http_reply *out)
{
    struct svc_xfer x;
    memset(&x, 0, sizeof x);
    memset(out, 0, sizeof *out);
    x.a = a;
    x.cap = max;
    buf_init(&x.body, max + 1);
    size_t i = 0;
    bool head = true;
    while (i < n && head) {
        const char *nl = memchr(raw + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - raw - i) + 1 : n - i;
        head = len > 2 || (raw[i] != '\r' && raw[i] != '\n');
        if (head && on_header((char *)raw + i, 1, len, &x) != len)
            return RN_ENOMEM;
        i += len;
    }
    int rc = x.reason ? RN_OK : RN_EINVAL;
    if (rc == RN_OK && on_body((char *)raw + i, 1, n - i, &x) != n - i)
        rc = x.too_big ? RN_ELIMIT : RN_ENOMEM;
    if (rc == RN_OK) {
        /* libcurl reads exactly three digits after "HTTP/x " */
        const char *sp = memchr(raw, ' ', n);
        long st = 0;
        for (size_t k = 1;
             sp && k <= 3 && sp + k < raw + n && sp[k] >= '0' && sp[k] <= '9';
             k++)
            st = st * 10 + (sp[k] - '0');
        out->status = st;
        out->reason = x.reason;
        out->headers = x.rh;
        out->nheaders = x.nrh;
        out->body = arena_strndup(a, buf_str(&x.body), x.body.len);
        out->body_len = x.body.len;
        rc = out->body ? RN_OK : RN_ENOMEM;
    }
    buf_free(&x.body);
    return rc;
}

/* go-retryablehttp's status rule: 429, 0, 5xx but 501. */
bool svc_status_retryable(long status)
{
    return status == 429 || status == 0 || (status >= 500 && status != 501);
}

/* seconds * 1000, saturated: a server may send any number of digits. */
static int64_t secs_to_ms(int64_t s)
{
    return s > INT64_MAX / 1000 ? INT64_MAX : s * 1000;
}

/* Integer seconds or an HTTP date; -1 when absent or unparsable; values
 * too large for int64 milliseconds saturate at INT64_MAX (the caller
 * bounds every wait by the delivery deadline). */
int64_t svc_retry_after_ms(const struct http_reply *r, int64_t now)
{
    const char *v = svc_reply_header(r, "Retry-After");
    if (!v || !*v)
        return -1;
    const char *p = *v == '-' || *v == '+' ? v + 1 : v;
    size_t digits = strspn(p, "0123456789");
    if (digits && p[digits] == '\0') {
        if (*v == '-')
            return -1;
        errno = 0;
        long long s = strtoll(p, NULL, 10);
        return errno == ERANGE ? INT64_MAX : secs_to_ms((int64_t)s);
    }
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    return (int64_t)t <= now ? 0 : secs_to_ms((int64_t)t - now);
}

/* aws-sdk-go-v2 (aws/retry): the throttle and transient error codes. */
static const char *const aws_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
};

/* A code as the SDK sanitizes it: "ns#Code:extra" -> "Code" (and the
 * query error header's "Code;Sender" -> "Code"), compared by table. */
static bool aws_code_listed(const char *code)
{
    if (!code)
        return false;
    const char *h = strchr(code, '#');
    const char *p = h ? h + 1 : code;
    size_t n = strcspn(p, ":;");
    for (size_t i = 0; i < sizeof aws_codes / sizeof *aws_codes; i++)
        if (strlen(aws_codes[i]) == n && strncmp(aws_codes[i], p, n) == 0)
            return true;
    return false;
}

/* The body's "__type" (or "code") string, copied into tmp. */
static const char *aws_body_code(const struct http_reply *r, char *tmp,
                                 size_t cap)
{
    static const char *const keys[] = {"\"__type\"", "\"code\""};
    for (size_t k = 0; k < 2 && r->body; k++) {
        const char *p = strstr(r->body, keys[k]);
        p = p ? strchr(p + strlen(keys[k]), '"') : NULL;
        size_t n = p ? strcspn(p + 1, "\"") : 0;
        if (p && n < cap) {
            memcpy(tmp, p + 1, n);
            tmp[n] = '\0';
            return tmp;
        }
    }
    return NULL;
}

/* Pure over the reply. */
bool svc_aws_retryable(const struct http_reply *r)
{
    char tmp[128];
    long s = r->status;
    return s == 500 || s == 502 || s == 503 || s == 504 ||
           aws_code_listed(svc_reply_header(r, "X-Amzn-ErrorType")) ||
           aws_code_listed(svc_reply_header(r, "x-amzn-query-error")) ||
           aws_code_listed(aws_body_code(r, tmp, sizeof tmp));
}

/* The SDK's ExponentialJitterBackoff: rand[0,1) * 2^n seconds for retry
 * n (1-based), capped at wait_max_ms. */
static int64_t aws_backoff(const struct svc_retry *p, int attempt)
{
    int64_t cap = p->wait_max_ms > 0 ? p->wait_max_ms : 20000;
    int64_t span = attempt + 1 >= 40 ? cap : p->wait_min_ms << (attempt + 1);
    if (span > cap || span <= 0)
        span = cap;
    return (int64_t)((double)rand() / ((double)RAND_MAX + 1) * (double)span);
}

/* The google.rpc codes gax's default Publish settings repeat. */
static const char *const gax_codes[] = {
    "ABORTED", "CANCELLED",   "INTERNAL",          "RESOURCE_EXHAUSTED",
    "UNKNOWN", "UNAVAILABLE", "DEADLINE_EXCEEDED",
};

/* Pure over the reply. */
bool svc_gax_retryable(const struct http_reply *r)
{
    const char *p = r->body ? strstr(r->body, "\"status\"") : NULL;
    p = p ? strchr(p + 8, '"') : NULL;
    if (p) {
        size_t n = strcspn(p + 1, "\"");
        for (size_t i = 0; i < sizeof gax_codes / sizeof *gax_codes; i++)
            if (strlen(gax_codes[i]) == n &&
                strncmp(gax_codes[i], p + 1, n) == 0)
                return true;
        return false;
    }
    long s = r->status;
    return s == 429 || s == 499 || s == 500 || s == 503 || s == 504;
}

/* gax.Backoff.Pause: random in [1, cur] ms, cur = min * 1.3^n, capped. */
static int64_t gax_backoff(const struct svc_retry *p, int attempt)
{
    double cur = (double)(p->wait_min_ms > 0 ? p->wait_min_ms : 100);
    double cap = (double)(p->wait_max_ms > 0 ? p->wait_max_ms : 60000);
    for (int i = 0; i < attempt && cur < cap; i++)
        cur *= 1.3;
    if (cur > cap)
        cur = cap;
    return 1 + (int64_t)((double)rand() / ((double)RAND_MAX + 1) * cur);
}

/* Pure: whether attempt+1 should happen and after how long. */
bool svc_retry_backoff(const struct svc_retry *p, int attempt, bool transport,
                       bool retryable_err, const struct http_reply *r,
                       int64_t now, int64_t *wait_ms)
{
    if (p->kind == SVC_RETRY_NONE || attempt >= p->max)
        return false;
    if (p->kind == SVC_RETRY_429) {
        if (transport || r->status != 429)
            return false;
        *wait_ms = svc_retry_after_ms(r, now);
        return *wait_ms >= 0;
    }
    if (p->kind == SVC_RETRY_AWS) {
        if (transport ? !retryable_err : !svc_aws_retryable(r))
            return false;
        *wait_ms = aws_backoff(p, attempt);
        return true;
    }
    if (p->kind == SVC_RETRY_GAX) {
        if (transport ? !retryable_err
                      : (r->status >= 200 && r->status < 300) ||
                            !svc_gax_retryable(r))
            return false;
        *wait_ms = gax_backoff(p, attempt);
        return true;
    }
    if (transport ? !retryable_err : !svc_status_retryable(r->status))
        return false;
    if (!transport && (r->status == 429 || r->status == 503)) {
        int64_t ra = svc_retry_after_ms(r, now);
        if (ra >= 0) {
            *wait_ms = ra;
            return true;
        }
    }
    int64_t w = p->wait_min_ms;
    for (int i = 0; i < attempt && w < p->wait_max_ms; i++)
        w = w > INT64_MAX / 2 ? INT64_MAX : w * 2;
    *wait_ms = w > p->wait_max_ms ? p->wait_max_ms : w;
    return true;
}

static bool same_host(struct arena *a, const char *u1, const char *u2)
{
    const char *h1 = svc_url_host(a, u1), *h2 = svc_url_host(a, u2);
    return h1 && h2 && strcmp(h1, h2) == 0;
}

/* Resolve Location against the request URL with libcurl's parser. */
static const char *resolve(struct arena *a, const char *base, const char *loc)
{
    CURLU *u = curl_url();
    char *s = NULL;
    const char *res = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, loc, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        res = arena_strdup(a, s);
    curl_free(s);
    curl_url_cleanup(u);
    return res;
}

static bool sensitive(const char *name)
{
    return strcasecmp(name, "Authorization") == 0 ||
           strcasecmp(name, "Www-Authenticate") == 0 ||
           strcasecmp(name, "Cookie") == 0 || strcasecmp(name, "Cookie2") == 0;
}

/* Pure apart from allocating *next in a; false when no redirect applies. */
bool svc_http_redirect(const struct http_req *req, const struct http_reply *rep,
                       struct arena *a, struct http_req *next)
{
    long s = rep->status;
    const char *loc = svc_reply_header(rep, "Location");
    if ((s < 301 || s > 303) && s != 307 && s != 308)
        return false;
    if (!loc || !*loc)
        return false;
    const char *url = resolve(a, req->url, loc);
    struct http_header *h = arena_alloc(a, (req->nheaders + 1) * sizeof *h);
    if (!url || !h)
        return false;
    *next = *req;
    next->url = url;
    next->shown_url = NULL;
    bool keep_body = s == 307 || s == 308;
    if (!keep_body) {
        if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD"))
            next->method = "GET";
        next->has_body = false;
        next->body = NULL;
        next->body_len = 0;
    }
    bool cross = !same_host(a, req->url, url);
    next->headers = h;
    next->nheaders = 0;
    for (size_t i = 0; i < req->nheaders; i++) {
        const struct http_header *src = &req->headers[i];
        if (cross && sensitive(src->name))
            continue;
        if (!keep_body && strcasecmp(src->name, "Content-Type") == 0)
            continue;
        h[next->nheaders++] = *src;
    }
    return true;
}
