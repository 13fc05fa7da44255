/*
 * fault.c: fault rules, for tests that need the API server to misbehave.
 *
 * A rule matches requests (method, a path regular expression, watch or
 * not, the user, query parameters that must be present with a value) a
 * number of times, with a probability, and then does one thing: answer a
 * Status (429 with Retry-After, 500, 410, ...), wait before answering,
 * drop the connection (before any reply, after the headers, after N bytes
 * or N events of a watch), stall a watch after its headers, put a
 * malformed line into a watch, answer a watch with ERROR 410 whatever its
 * resourceVersion, or send a watch one byte per chunk.  All matching
 * rules apply: delays add up, and the first rule that answers (status,
 * drop) wins.  docs/sandbox.md has the JSON shape.
 */
#include "sandbox.h"

#include "core/alloc.h"
#include "core/json.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <microhttpd.h>
#include <openssl/rand.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum action {
    A_STATUS,
    A_DELAY,
    A_DROP,
    A_STALL,
    A_GARBAGE,
    A_EXPIRE,
    A_SPLIT,
};

static const char *const action_names[] = {
    "status", "delay", "drop", "stall", "garbage", "expire", "split",
};

struct qpair {
    char *k, *v;
};

struct sb_fault_rule {
    struct sb_fault_rule *next;
    uint64_t id;
    char *method, *user, *path_src;
    pcre2_code *path;
    int watch; /* -1 any */
    struct qpair *query;
    size_t nquery;
    long times; /* remaining; -1 unlimited */
    double probability;
    uint64_t hits;
    int action;
    int code, retry_after;
    char *reason, *message, *garbage, *after;
    int64_t ms;
};

void sb_faults_init(struct sb_faults *f)
{
    pthread_mutex_init(&f->mu, NULL);
    f->rules = NULL;
    f->next_id = 0;
}

static void rule_free(struct sb_fault_rule *r)
{
    for (size_t i = 0; i < r->nquery; i++) {
        rn_free(r->query[i].k);
        rn_free(r->query[i].v);
    }
    rn_free(r->query);
    rn_free(r->method);
    rn_free(r->user);
    rn_free(r->path_src);
    rn_free(r->reason);
    rn_free(r->message);
    rn_free(r->garbage);
    rn_free(r->after);
    if (r->path)
        pcre2_code_free(r->path);
    rn_free(r);
}

void sb_faults_clear(struct sb_faults *f)
{
    pthread_mutex_lock(&f->mu);
    while (f->rules) {
        struct sb_fault_rule *r = f->rules;
        f->rules = r->next;
        rule_free(r);
    }
    pthread_mutex_unlock(&f->mu);
}

void sb_faults_free(struct sb_faults *f)
{
    sb_faults_clear(f);
    pthread_mutex_destroy(&f->mu);
}

static char *sdup(struct val v, const char *k)
{
    const char *s = sb_get_str(v, k, NULL);
    return s ? rn_strndup(s, strlen(s)) : NULL;
}

static int64_t num(struct val v, const char *k, int64_t dflt)
{
    struct val n = sb_get(v, k);
    if (val_kind(n) == VAL_INT)
        return val_int_of(n);
    if (val_kind(n) == VAL_FLOAT)
        return (int64_t)val_float_of(n);
    return dflt;
}

static int parse_match(struct sb_fault_rule *r, struct val m, struct rn_err *e)
{
    r->method = sdup(m, "method");
    r->user = sdup(m, "user");
    r->path_src = sdup(m, "path");
    struct val w = sb_get(m, "watch");
    r->watch = val_kind(w) == VAL_BOOL ? val_bool_of(w) : -1;
    if (r->path_src) {
        int err;
        PCRE2_SIZE off;
        r->path = pcre2_compile((PCRE2_SPTR)r->path_src, PCRE2_ZERO_TERMINATED,
                                0, &err, &off, NULL);
        if (!r->path)
            return rn_errf(e, RN_EINVAL,
                           "fault match.path: bad regular "
                           "expression at offset %zu",
                           (size_t)off);
    }
    struct val q = sb_get(m, "query");
    r->nquery = val_obj_len(q);
    r->query = rn_calloc(r->nquery + 1, sizeof *r->query);
    for (size_t i = 0; r->query && i < r->nquery; i++) {
        const struct val_kv *kv = val_obj_at(q, i);
        r->query[i].k = rn_strndup(val_str_ptr(kv->key), val_str_len(kv->key));
        r->query[i].v = val_kind(kv->v) == VAL_STRING
                            ? rn_strndup(val_str_ptr(kv->v), val_str_len(kv->v))
                            : NULL;
    }
    return r->query ? RN_OK : RN_ENOMEM;
}

/* Default reason and message of an injected status code. */
static void status_defaults(struct sb_fault_rule *r)
{
    static const struct {
        int code;
        const char *reason, *message;
    } d[] = {
        {401, "Unauthorized", "Unauthorized"},
        {403, "Forbidden", "forbidden: injected by the sandbox"},
        {404, "NotFound", "the server could not find the requested resource"},
        {409, "Conflict", "Operation cannot be fulfilled: injected conflict"},
        {410, "Expired", "too old resource version: 0 (0)"},
        {422, "Invalid", "the request is invalid: injected"},
        {429, "TooManyRequests", "Too many requests, please try again later."},
        {500, "InternalError", "Internal error occurred: injected fault"},
        {503, "ServiceUnavailable",
         "the server is currently unable to "
         "handle the request"},
        {504, "Timeout",
         "the server was unable to return a response in the "
         "time allotted, but may still be processing the "
         "request"},
    };
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
        if (d[i].code != r->code)
            continue;
        if (!r->reason)
            r->reason = rn_strndup(d[i].reason, strlen(d[i].reason));
        if (!r->message)
            r->message = rn_strndup(d[i].message, strlen(d[i].message));
    }
}

static int parse_action(struct sb_fault_rule *r, struct val v, struct rn_err *e)
{
    r->action = -1;
    for (int i = 0; i < (int)(sizeof action_names / sizeof *action_names);
         i++) {
        struct val a = sb_get(v, action_names[i]);
        if (val_is_null(a) || (val_kind(a) == VAL_BOOL && !val_bool_of(a)))
            continue;
        if (r->action >= 0)
            return rn_errf(e, RN_EINVAL,
                           "a fault rule has one action, not "
                           "%s and %s",
                           action_names[r->action], action_names[i]);
        r->action = i;
        r->code = (int)num(a, "code", 500);
        r->retry_after = (int)num(a, "retryAfter", 0);
        r->reason = sdup(a, "reason");
        r->message = sdup(a, "message");
        r->ms = num(a, "ms", 0);
        r->after = sdup(a, "after");
        r->garbage = sdup(a, "line");
    }
    if (r->action < 0)
        return rn_errf(e, RN_EINVAL,
                       "a fault rule needs an action: status, "
                       "delay, drop, stall, garbage, expire or split");
    if (r->action == A_STATUS)
        status_defaults(r);
    return RN_OK;
}

static int add_one(struct sb_faults *f, struct val v, struct buf *ids,
                   struct rn_err *e)
{
    if (val_kind(v) != VAL_OBJECT)
        return rn_errf(e, RN_EINVAL, "a fault rule is a JSON object");
    struct sb_fault_rule *r = rn_calloc(1, sizeof *r);
    if (!r)
        return RN_ENOMEM;
    int rc = parse_match(r, sb_get(v, "match"), e);
    if (!rc)
        rc = parse_action(r, v, e);
    if (rc) {
        rule_free(r);
        return rc;
    }
    r->times = (long)num(v, "times", -1);
    struct val p = sb_get(v, "probability");
    r->probability = val_kind(p) == VAL_FLOAT ? val_float_of(p)
                     : val_kind(p) == VAL_INT ? (double)val_int_of(p)
                                              : 1.0;
    pthread_mutex_lock(&f->mu);
    r->id = ++f->next_id;
    struct sb_fault_rule **tail = &f->rules;
    while (*tail)
        tail = &(*tail)->next;
    *tail = r;
    pthread_mutex_unlock(&f->mu);
    return buf_add_fmt(ids, "%s%llu", ids->len > 1 ? "," : "",
                       (unsigned long long)r->id);
}

int sb_faults_add(struct sb_faults *f, struct val rules, struct buf *ids,
                  struct rn_err *e)
{
    struct val list = sb_get(rules, "rules");
    if (val_is_null(list))
        list = rules;
    int rc = buf_add_char(ids, '[');
    if (val_kind(list) != VAL_ARRAY)
        rc = rc ? rc : add_one(f, list, ids, e);
    for (size_t i = 0;
         !rc && val_kind(list) == VAL_ARRAY && i < val_list_len(list); i++)
        rc = add_one(f, val_list_at(list, i), ids, e);
    return rc ? rc : buf_add_char(ids, ']');
}

static bool rule_matches(const struct sb_fault_rule *r,
                         const struct sb_fault_req *q)
{
    if (r->times == 0 || (r->method && strcasecmp(r->method, q->method)) ||
        (r->user && strcmp(r->user, q->user ? q->user : "")) ||
        (r->watch >= 0 && r->watch != q->watch))
        return false;
    if (r->path) {
        pcre2_match_data *md =
            pcre2_match_data_create_from_pattern(r->path, NULL);
        int m = md ? pcre2_match(r->path, (PCRE2_SPTR)q->path,
                                 PCRE2_ZERO_TERMINATED, 0, 0, md, NULL)
                   : -1;
        pcre2_match_data_free(md);
        if (m < 0)
            return false;
    }
    for (size_t i = 0; i < r->nquery; i++) {
        const char *v = q->conn
                            ? MHD_lookup_connection_value(
                                  q->conn, MHD_GET_ARGUMENT_KIND, r->query[i].k)
                            : NULL;
        if (!v || (r->query[i].v && strcmp(v, r->query[i].v)))
            return false;
    }
    if (r->probability < 1.0) {
        uint32_t x = 0;
        RAND_bytes((unsigned char *)&x, sizeof x);
        return (double)x / 4294967296.0 < r->probability;
    }
    return true;
}

static void drop_after(const struct sb_fault_rule *r, struct sb_fault_hit *h)
{
    const char *a = r->after ? r->after : "request";
    if (!strncmp(a, "bytes:", 6))
        h->w.drop_bytes = strtol(a + 6, NULL, 10);
    else if (!strncmp(a, "events:", 7))
        h->w.drop_events = strtol(a + 7, NULL, 10);
    else if (!strcmp(a, "headers"))
        h->drop_headers = true;
    else
        h->drop_request = true;
}

static void apply_rule(const struct sb_fault_rule *r, struct sb_fault_hit *h)
{
    bool answered = h->drop_request || h->drop_headers || h->status.code;
    switch (r->action) {
    case A_STATUS:
        if (answered)
            break;
        sb_status_set(&h->status, r->code, r->reason ? r->reason : "", "%s",
                      r->message ? r->message : "");
        h->status.retry_after = r->retry_after;
        break;
    case A_DELAY:
        h->delay_ms += r->ms;
        break;
    case A_DROP:
        if (!answered)
            drop_after(r, h);
        break;
    case A_STALL:
        h->w.stall_ms += r->ms;
        break;
    case A_GARBAGE:
        snprintf(h->garbage, sizeof h->garbage, "%s",
                 r->garbage ? r->garbage
                            : "{\"type\":\"MODIFIED\",\"object\":");
        h->w.garbage = h->garbage;
        break;
    case A_EXPIRE:
        h->w.expire = true;
        break;
    case A_SPLIT:
        h->w.split = true;
        break;
    }
}

void sb_faults_match(struct sb_faults *f, const struct sb_fault_req *q,
                     struct sb_fault_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    sb_status_init(&hit->status);
    hit->w.drop_events = hit->w.drop_bytes = -1;
    pthread_mutex_lock(&f->mu);
    for (struct sb_fault_rule *r = f->rules; r; r = r->next) {
        if (!rule_matches(r, q))
            continue;
        if (r->times > 0)
            r->times--;
        r->hits++;
        hit->any = true;
        apply_rule(r, hit);
    }
    pthread_mutex_unlock(&f->mu);
    if (hit->w.stall_ms && !q->watch)
        hit->delay_ms += hit->w.stall_ms;
}

int sb_faults_json(struct sb_faults *f, struct buf *b)
{
    int rc = buf_add_char(b, '[');
    pthread_mutex_lock(&f->mu);
    for (struct sb_fault_rule *r = f->rules; r && !rc; r = r->next) {
        rc = buf_add_fmt(b,
                         "%s{\"id\":%llu,\"action\":\"%s\",\"times\":%ld,"
                         "\"hits\":%llu,\"path\":",
                         r == f->rules ? "" : ",", (unsigned long long)r->id,
                         action_names[r->action], r->times,
                         (unsigned long long)r->hits);
        if (!rc)
            rc = r->path_src
                     ? json_emit_string(b, r->path_src, strlen(r->path_src), 0)
                     : buf_add_str(b, "null");
        if (!rc)
            rc = buf_add_char(b, '}');
    }
    pthread_mutex_unlock(&f->mu);
    return rc ? rc : buf_add_char(b, ']');
}
