/*
 * http_fixture.h: what the tests of the controller's HTTP server share
 * (test_httpd.c, test_status.c): one request with libcurl, its status,
 * content type, the headers they check, and the body (stored up to 4 KiB,
 * counted whole).  Include after cmocka.h.
 */
#ifndef RN_TEST_HTTP_FIXTURE_H
#define RN_TEST_HTTP_FIXTURE_H

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct got {
    long code;
    char body[4096];
    size_t n; /* body bytes received */
    char type[128];
    char allow[64], csp[512], nosniff[64];
};

static size_t on_body(char *p, size_t s, size_t n, void *ud)
{
    struct got *g = ud;
    size_t k = s * n;
    if (g->n + k < sizeof g->body) {
        memcpy(g->body + g->n, p, k);
        g->body[g->n + k] = '\0';
    }
    g->n += k;
    return k;
}

/* "Name: value\r\n" into out when the line is that header. */
static void header_value(const char *p, size_t k, const char *name, char *out,
                         size_t cap)
{
    size_t nl = strlen(name);
    if (k >= nl + 4 && strncasecmp(p, name, nl) == 0 && p[nl] == ':')
        snprintf(out, cap, "%.*s", (int)(k - nl - 4), p + nl + 2);
}

static size_t on_header(char *p, size_t s, size_t n, void *ud)
{
    struct got *g = ud;
    size_t k = s * n;
    header_value(p, k, "Allow", g->allow, sizeof g->allow);
    header_value(p, k, "Content-Security-Policy", g->csp, sizeof g->csp);
    header_value(p, k, "X-Content-Type-Options", g->nosniff, sizeof g->nosniff);
    return k;
}

/* Fetch http://host:port/path with method; fills g. */
static void fetch(const char *host, int port, const char *method,
                  const char *path, struct got *g)
{
    char url[256];
    memset(g, 0, sizeof *g);
    snprintf(url, sizeof url, "http://%s:%d%s", host, port, path);
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, g);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, g);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "POST") == 0)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "x=1");
    else if (strcmp(method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    assert_int_equal(curl_easy_perform(h), CURLE_OK);
    char *ct = NULL;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &g->code);
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(g->type, sizeof g->type, "%s", ct ? ct : "");
    curl_easy_cleanup(h);
}

#endif
