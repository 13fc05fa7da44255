/*
 * log.c: the process's log lines (log.h), logfmt text or JSON, one line
 * per call.
 *
 * A line is built in a private buffer, each value scrubbed before it is
 * quoted or cut (quoting escapes a value's own escapes once more, and a
 * cut may split a secret), then the whole line scrubbed again and
 * written, all under one lock, so lines from the loop, the metrics server
 * and the blocking-service worker never interleave and the scrubber
 * (which the controller swaps when the Secret changes) is never used
 * after it was replaced.  The settings are process-wide by nature (there is one
 * stderr); they are the only mutable globals here and sit behind that
 * lock, except the level, an atomic read on every call.
 *
 * Text quoting follows Go's log/slog TextHandler: a key or value is
 * written bare unless it is empty or holds a space, '=', '"', a control
 * character, a non-printing or invalid UTF-8 sequence; then it is
 * written as strconv.Quote writes it.  JSON strings use Go's
 * encoding/json escaping (invalid UTF-8 becomes U+FFFD).
 */
#include "log.h"

#include "alloc.h"
#include "buf.h"
#include "err.h"
#include "gofmt.h"
#include "json.h"
#include "utf8.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOG_MAX_LINE (256u << 10) /* one line, after quoting */
#define LOG_MAX_VALUE (16u << 10) /* one value before quoting */

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int log_min = LOG_INFO;
static enum log_format log_fmt = LOG_TEXT;
static FILE *log_out; /* NULL: stderr */
static log_scrub_fn *log_scrub;
static void *log_scrub_ud;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_setup(enum log_level min, enum log_format fmt, FILE *out)
{
    pthread_mutex_lock(&log_mu);
    atomic_store(&log_min, (int)min);
    log_fmt = fmt;
    log_out = out;
    pthread_mutex_unlock(&log_mu);
}

/* Taking the lock means no line is being scrubbed with the old one when
 * this returns, so its ud may be freed. */
void log_set_scrubber(log_scrub_fn *fn, void *ud)
{
    pthread_mutex_lock(&log_mu);
    log_scrub = fn;
    log_scrub_ud = ud;
    pthread_mutex_unlock(&log_mu);
}

void log_scrub_text(char *s, size_t cap)
{
    pthread_mutex_lock(&log_mu);
    if (log_scrub && cap)
        log_scrub(log_scrub_ud, s, cap);
    pthread_mutex_unlock(&log_mu);
}

int log_level_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return strcmp(s, "warning") == 0 ? LOG_WARN : -1;
}

int log_format_parse(const char *s)
{
    if (s && strcmp(s, "text") == 0)
        return LOG_TEXT;
    if (s && strcmp(s, "json") == 0)
        return LOG_JSON;
    return -1;
}

bool log_enabled(enum log_level lv)
{
    return (int)lv >= atomic_load(&log_min);
}

/* slog's rule: bare only when every byte is printable ASCII other than
 * space, '=' and '"' (a backslash is fine), or a printing, non-space
 * rune. */
static bool needs_quoting(const char *s, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c <= ' ' || c == '=' || c == '"' || c == 0x7f)
                return true;
            i++;
            continue;
        }
        uint32_t r;
        size_t w = utf8_decode(s + i, n - i, &r);
        if (r == UTF8_RUNE_ERROR || r == 0x85 || r == 0xa0 ||
            (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 ||
            r == 0x3000 || r == 0x1680 || r == 0x202f || r == 0x205f ||
            !gofmt_isprint(r))
            return true;
        i += w;
    }
    return false;
}

static int put_text(struct buf *b, const char *s, size_t n)
{
    if (!needs_quoting(s, n))
        return buf_add(b, s, n);
    return gofmt_quote(b, s, n, 0);
}

static int put_pair(struct buf *b, enum log_format fmt, const char *k,
                    const char *v, bool first)
{
    size_t kn = strlen(k), vn;
    int rc;
    if (!v)
        v = "";
    vn = strlen(v);
    if (fmt == LOG_JSON) {
        rc = buf_add_str(b, first ? "{" : ",");
        if (rc == RN_OK)
            rc = json_emit_string(b, k, kn, JSON_RAW);
        if (rc == RN_OK)
            rc = buf_add_char(b, ':');
        if (rc == RN_OK)
            rc = json_emit_string(b, v, vn, JSON_RAW);
    } else {
        rc = first ? RN_OK : buf_add_char(b, ' ');
        if (rc == RN_OK)
            rc = put_text(b, k, kn);
        if (rc == RN_OK)
            rc = buf_add_char(b, '=');
        if (rc == RN_OK)
            rc = put_text(b, v, vn);
    }
    return rc;
}

/* The scrubber is run on each value before it is quoted or cut (the
 * quoting escapes what the value may already have escaped once, and a cut
 * may split a secret), and on the finished line again. */
static int put_scrubbed(struct buf *b, enum log_format fmt, const char *k,
                        const char *v);

/* A runaway value is cut to LOG_MAX_VALUE bytes and marked with "...". */
static int put_value(struct buf *b, enum log_format fmt, const char *k,
                     const char *v)
{
    if (log_scrub && v)
        return put_scrubbed(b, fmt, k, v);
    if (!v || strlen(v) <= LOG_MAX_VALUE)
        return put_pair(b, fmt, k, v, false);
    char *cut = rn_malloc(LOG_MAX_VALUE + 4);
    if (!cut)
        return RN_ENOMEM;
    memcpy(cut, v, LOG_MAX_VALUE);
    memcpy(cut + LOG_MAX_VALUE, "...", 4);
    int rc = put_pair(b, fmt, k, cut, false);
    rn_free(cut);
    return rc;
}

static int put_scrubbed(struct buf *b, enum log_format fmt, const char *k,
                        const char *v)
{
    size_t n = strlen(v), cap = 2 * n + 256;
    char *tmp = rn_malloc(cap);
    if (!tmp)
        return RN_ENOMEM;
    memcpy(tmp, v, n + 1);
    log_scrub(log_scrub_ud, tmp, cap);
    tmp[cap - 1] = '\0';
    if (strlen(tmp) > LOG_MAX_VALUE)
        memcpy(tmp + LOG_MAX_VALUE, "...", 4);
    int rc = put_pair(b, fmt, k, tmp, false);
    rn_free(tmp);
    return rc;
}

/* UTC with milliseconds, as slog's default: 2026-01-02T03:04:05.678Z. */
static void now_text(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static int format_line(struct buf *b, enum log_format fmt, enum log_level lv,
                       const char *msg, va_list ap)
{
    char ts[64];
    now_text(ts, sizeof ts);
    int rc = put_pair(b, fmt, "time", ts, true);
    if (rc == RN_OK)
        rc = put_pair(b, fmt, "level", level_names[lv & 3], false);
    if (rc == RN_OK)
        rc = put_value(b, fmt, "msg", msg);
    for (const char *k; rc == RN_OK && (k = va_arg(ap, const char *));) {
        const char *v = va_arg(ap, const char *);
        rc = put_value(b, fmt, k, v);
    }
    if (rc == RN_OK && fmt == LOG_JSON)
        rc = buf_add_char(b, '}');
    return rc;
}

/* Scrub (with room to grow: a mask may be longer than what it hides) and
 * write one line with its newline in one call.  Under log_mu. */
static void write_line(FILE *out, const char *line, size_t n)
{
    char *tmp = NULL;
    if (log_scrub) {
        size_t cap = 2 * n + 256;
        tmp = rn_malloc(cap);
        if (!tmp) {
            static const char oom[] = "level=error msg=\"log: out of memory\"";
            fprintf(out, "%s\n", oom);
            fflush(out);
            return;
        }
        memcpy(tmp, line, n + 1);
        log_scrub(log_scrub_ud, tmp, cap);
        tmp[cap - 1] = '\0';
        line = tmp;
        n = strlen(tmp);
    }
    fprintf(out, "%.*s\n", (int)n, line);
    fflush(out);
    rn_free(tmp);
}

void log_kv(enum log_level lv, const char *msg, ...)
{
    if (!log_enabled(lv))
        return;
    /* formatted under the lock too: values are scrubbed as they go in,
     * with the scrubber in force */
    pthread_mutex_lock(&log_mu);
    enum log_format fmt = log_fmt;
    struct buf b;
    buf_init(&b, LOG_MAX_LINE);
    va_list ap;
    va_start(ap, msg);
    int rc = format_line(&b, fmt, lv, msg, ap);
    va_end(ap);
    FILE *out = log_out ? log_out : stderr;
    if (rc == RN_OK) {
        write_line(out, buf_str(&b), b.len);
    } else {
        /* the buffer freed itself; say so without the fields */
        fprintf(out, "%s\n",
                fmt == LOG_JSON
                    ? "{\"level\":\"error\",\"msg\":\"log: line too long\"}"
                    : "level=error msg=\"log: line too long\"");
        fflush(out);
    }
    pthread_mutex_unlock(&log_mu);
    buf_free(&b);
}
