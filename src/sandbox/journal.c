/*
 * journal.c: the request journal.
 *
 * Tests assert on what a client sent ("the watch resumed from RV X with
 * allowWatchBookmarks=true", "the patch carried the RV precondition", "no
 * token went over http"), so every API request is recorded: method,
 * path, query, content type, Accept, user, answer status, and the body
 * (truncated; never for Secrets).  Token values are never recorded.  A
 * ring keeps the newest entries.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/json.h"

#include <string.h>

#define BODY_MAX 4096

int sb_journal_init(struct sb_journal *j, size_t cap)
{
    memset(j, 0, sizeof *j);
    pthread_mutex_init(&j->mu, NULL);
    j->cap = cap ? cap : 1;
    j->ring = rn_calloc(j->cap, sizeof *j->ring);
    return j->ring ? RN_OK : RN_ENOMEM;
}

static void entry_free(struct sb_jentry *e)
{
    rn_free(e->method);
    rn_free(e->path);
    rn_free(e->query);
    rn_free(e->ctype);
    rn_free(e->accept);
    rn_free(e->user);
    rn_free(e->body);
    memset(e, 0, sizeof *e);
}

void sb_journal_clear(struct sb_journal *j)
{
    pthread_mutex_lock(&j->mu);
    for (size_t i = 0; i < j->len; i++)
        entry_free(&j->ring[(j->head + i) % j->cap]);
    j->head = j->len = 0;
    pthread_mutex_unlock(&j->mu);
}

void sb_journal_free(struct sb_journal *j)
{
    sb_journal_clear(j);
    rn_free(j->ring);
    pthread_mutex_destroy(&j->mu);
}

static char *dup(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    return rn_strndup(s, n < max ? n : max);
}

void sb_journal_add(struct sb_journal *j, const struct sb_jentry *e)
{
    struct sb_jentry c = *e;
    c.method = dup(e->method, 16);
    c.path = dup(e->path, 2048);
    c.query = dup(e->query, 4096);
    c.ctype = dup(e->ctype, 256);
    c.accept = dup(e->accept, 512);
    c.user = dup(e->user, 256);
    c.body = dup(e->body, BODY_MAX);
    pthread_mutex_lock(&j->mu);
    c.seq = ++j->seq;
    if (j->len == j->cap) {
        entry_free(&j->ring[j->head]);
        j->head = (j->head + 1) % j->cap;
        j->len--;
    }
    j->ring[(j->head + j->len++) % j->cap] = c;
    pthread_mutex_unlock(&j->mu);
}

static int str_field(struct buf *b, const char *k, const char *v)
{
    int rc = buf_add_fmt(b, ",\"%s\":", k);
    if (rc)
        return rc;
    return v ? json_emit_string(b, v, strlen(v), 0) : buf_add_str(b, "null");
}

static int entry_json(struct buf *b, const struct sb_jentry *e)
{
    int rc = buf_add_fmt(b, "{\"seq\":%llu,\"time\":%lld",
                         (unsigned long long)e->seq, (long long)e->time_ns);
    static const char *const names[] = {
        "method", "path", "query", "contentType", "accept", "user", "body"};
    const char *vals[] = {e->method, e->path, e->query, e->ctype,
                          e->accept, e->user, e->body};
    for (size_t i = 0; i < 7 && !rc; i++)
        rc = str_field(b, names[i], vals[i]);
    if (!rc)
        rc = buf_add_fmt(b, ",\"status\":%d,\"watch\":%s}", e->status,
                         e->watch ? "true" : "false");
    return rc;
}

int sb_journal_json(struct sb_journal *j, struct buf *b)
{
    int rc = buf_add_char(b, '[');
    pthread_mutex_lock(&j->mu);
    for (size_t i = 0; i < j->len && !rc; i++) {
        if (i)
            rc = buf_add_char(b, ',');
        if (!rc)
            rc = entry_json(b, &j->ring[(j->head + i) % j->cap]);
    }
    pthread_mutex_unlock(&j->mu);
    return rc ? rc : buf_add_char(b, ']');
}
