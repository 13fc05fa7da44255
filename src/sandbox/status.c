/*
 * status.c: meta/v1 Status objects, worded as kube-apiserver words them.
 *
 * Clients key on `code` and `reason` and print `message`, and kubectl
 * prints details (the resource, the causes), so the texts here are the
 * real server's: `rollouts.argoproj.io "demo" not found`, the Conflict
 * sentence, `Rollout.argoproj.io "demo" is invalid: <field>: <cause>`.
 */
#include "sandbox.h"

#include "core/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sb_status_init(struct sb_status *st)
{
    memset(st, 0, sizeof *st);
    st->reason = "";
}

static void vset(struct sb_status *st, int code, const char *reason,
                 const char *fmt, va_list ap)
{
    st->code = code;
    st->reason = reason;
    vsnprintf(st->message, sizeof st->message, fmt, ap);
}

void sb_status_set(struct sb_status *st, int code, const char *reason,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(st, code, reason, fmt, ap);
    va_end(ap);
}

/* details {name, group, kind: plural} of the resource errors */
static void res_details(struct sb_status *st, int res, const char *name)
{
    snprintf(st->name, sizeof st->name, "%s", name ? name : "");
    st->group = sb_res[res].group[0] ? sb_res[res].group : NULL;
    st->kind = sb_res[res].plural;
}

void sb_st_not_found(struct sb_status *st, int res, const char *name)
{
    sb_status_set(st, 404, "NotFound", "%s \"%s\" not found", sb_res[res].qual,
                  name);
    res_details(st, res, name);
}

void sb_st_exists(struct sb_status *st, int res, const char *name)
{
    sb_status_set(st, 409, "AlreadyExists", "%s \"%s\" already exists",
                  sb_res[res].qual, name);
    res_details(st, res, name);
}

void sb_st_conflict(struct sb_status *st, int res, const char *name)
{
    sb_status_set(st, 409, "Conflict",
                  "Operation cannot be fulfilled on %s \"%s\": the object "
                  "has been modified; please apply your changes to the "
                  "latest version and try again",
                  sb_res[res].qual, name);
    res_details(st, res, name);
}

void sb_st_bad(struct sb_status *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(st, 400, "BadRequest", fmt, ap);
    va_end(ap);
}

static void add_cause(struct sb_status *st, const char *field,
                      const char *reason, const char *fmt, va_list ap)
{
    if (st->ncauses >= SB_MAX_CAUSES)
        return;
    struct sb_cause *c = &st->causes[st->ncauses++];
    c->field = field;
    c->reason = reason;
    vsnprintf(c->message, sizeof c->message, fmt, ap);
}

/* message: <Kind.group> "<name>" is invalid: f1: m1, f2: m2 (kube joins
 * an aggregate of several causes as a bracketed list) */
static void invalid_message(struct sb_status *st, int res)
{
    char all[900] = "";
    size_t at = 0;
    for (int i = 0; i < st->ncauses && at < sizeof all; i++)
        at += (size_t)snprintf(all + at, sizeof all - at, "%s%s: %s",
                               i ? ", " : "", st->causes[i].field,
                               st->causes[i].message);
    snprintf(st->message, sizeof st->message,
             st->ncauses > 1 ? "%s \"%s\" is invalid: [%s]"
                             : "%s \"%s\" is invalid: %s",
             sb_res[res].kind_qual, st->name, all);
}

void sb_st_invalid(struct sb_status *st, int res, const char *name,
                   const char *field, const char *reason, const char *fmt, ...)
{
    va_list ap;
    st->code = 422;
    st->reason = "Invalid";
    snprintf(st->name, sizeof st->name, "%s", name ? name : "");
    st->group = sb_res[res].group[0] ? sb_res[res].group : NULL;
    st->kind = sb_res[res].kind;
    va_start(ap, fmt);
    add_cause(st, field, reason, fmt, ap);
    va_end(ap);
    invalid_message(st, res);
}

void sb_st_cause(struct sb_status *st, const char *field, const char *reason,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_cause(st, field, reason, fmt, ap);
    va_end(ap);
    int res = sb_res_lookup(st->kind);
    if (res >= 0)
        invalid_message(st, res);
}

void sb_st_expired(struct sb_status *st, const char *reason, int64_t asked,
                   int64_t oldest)
{
    sb_status_set(st, 410, reason, "too old resource version: %lld (%lld)",
                  (long long)asked, (long long)oldest);
}

void sb_st_unsupported_patch(struct sb_status *st)
{
    sb_status_set(st, 415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - "
                  "accepted media types include: "
                  "application/json-patch+json, "
                  "application/merge-patch+json, "
                  "application/apply-patch+yaml");
}

static int add_kv(struct buf *b, const char *k, const char *v)
{
    int rc = buf_add_fmt(b, ",\"%s\":", k);
    return rc ? rc : json_emit_string(b, v, strlen(v), 0);
}

static int causes_json(struct buf *b, const struct sb_status *st)
{
    int rc = buf_add_str(b, ",\"causes\":[");
    for (int i = 0; !rc && i < st->ncauses; i++) {
        const struct sb_cause *c = &st->causes[i];
        rc = buf_add_fmt(b, "%s{\"reason\":\"%s\",\"message\":", i ? "," : "",
                         c->reason);
        if (!rc)
            rc = json_emit_string(b, c->message, strlen(c->message), 0);
        if (!rc)
            rc = add_kv(b, "field", c->field);
        if (!rc)
            rc = buf_add_char(b, '}');
    }
    return rc ? rc : buf_add_char(b, ']');
}

static int details_json(struct buf *b, const struct sb_status *st)
{
    if (!st->name[0] && !st->ncauses && !st->retry_after && !st->kind)
        return RN_OK;
    int rc = buf_add_str(b, ",\"details\":{\"name\":");
    if (!rc)
        rc = json_emit_string(b, st->name, strlen(st->name), 0);
    if (!rc && st->group)
        rc = add_kv(b, "group", st->group);
    if (!rc && st->kind)
        rc = add_kv(b, "kind", st->kind);
    if (!rc && st->ncauses)
        rc = causes_json(b, st);
    if (!rc && st->retry_after)
        rc = buf_add_fmt(b, ",\"retryAfterSeconds\":%d", st->retry_after);
    return rc ? rc : buf_add_char(b, '}');
}

int sb_status_json(struct buf *b, const struct sb_status *st)
{
    int rc = buf_add_str(b, "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                            "\"metadata\":{");
    if (!rc && st->cont)
        rc = buf_add_fmt(b, "\"continue\":\"%s\"", st->cont);
    if (!rc)
        rc = buf_add_str(b, "},\"status\":\"Failure\",\"message\":");
    if (!rc)
        rc = json_emit_string(b, st->message, strlen(st->message), 0);
    if (!rc && st->reason && st->reason[0])
        rc = add_kv(b, "reason", st->reason);
    if (!rc)
        rc = details_json(b, st);
    if (!rc)
        rc = buf_add_fmt(b, ",\"code\":%d}", st->code);
    return rc;
}
