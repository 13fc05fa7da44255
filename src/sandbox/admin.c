/*
 * admin.c: the control API under /__emu/ (loopback only, no token).
 *
 * Tests and the demo drive the sandbox through it: load objects in bulk
 * bypassing validation, record Events as client-go's recorder would,
 * compact the history, close or bookmark watches, inject faults, move
 * the clock, read the request journal and the state, reset, manage
 * tokens and play scenarios.  Answers are JSON; a bad request is a 400
 * with {"error": "..."}.  docs/sandbox.md lists every endpoint.
 */
#include "sandbox.h"

#include "core/json.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct admin {
    struct sb_req *r;
    struct sb *sb;
    struct val body;
    struct buf out;
};

static int fail(struct admin *ad, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct admin *ad, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    buf_reset(&ad->out);
    buf_add_str(&ad->out, "{\"error\":");
    json_emit_string(&ad->out, msg, strlen(msg), 0);
    buf_add_char(&ad->out, '}');
    return sb_reply_json(ad->r, code, &ad->out);
}

static int ok(struct admin *ad)
{
    if (!ad->out.len)
        buf_add_str(&ad->out, "{}");
    return sb_reply_json(ad->r, 200, &ad->out);
}

static bool flag(struct val v, const char *k, bool dflt)
{
    struct val b = sb_get(v, k);
    return val_kind(b) == VAL_BOOL ? val_bool_of(b) : dflt;
}

/* ---- objects ---- */

/* The resource of an object from its kind (and apiVersion). */
static int object_res(struct val obj)
{
    const char *kind = sb_get_str(obj, "kind", NULL);
    const char *av = sb_get_str(obj, "apiVersion", NULL);
    int res = sb_res_lookup(kind);
    if (res >= 0 && av && strcmp(av, sb_res[res].api_version))
        return -1;
    return res;
}

static const char *object_ns(int res, struct val obj)
{
    const char *ns = sb_get_str(obj, "metadata", "namespace");
    if (!(sb_res[res].flags & SB_RF_NAMESPACED))
        return NULL;
    return ns && *ns ? ns : "default";
}

static struct val items_of(struct val body)
{
    struct val items = sb_get(body, "items");
    return val_kind(items) == VAL_ARRAY ? items : body;
}

static int one_object(struct admin *ad, struct val obj, bool del,
                      struct arena *a, struct sb_status *st)
{
    int res = object_res(obj);
    if (res < 0) {
        sb_st_bad(st, "unknown kind %s",
                  sb_get_str(obj, "kind", NULL) ? sb_get_str(obj, "kind", NULL)
                                                : "(none)");
        return RN_EINVAL;
    }
    struct sb_wreq w = {
        .verb = del ? SB_W_DELETE : SB_W_UPDATE,
        .res = res,
        .ns = object_ns(res, obj),
        .name = sb_get_str(obj, "metadata", "name"),
        .body = obj,
        .flags = SB_WF_RAW | SB_WF_UPSERT,
    };
    struct doc *d = NULL;
    int code;
    if (!w.name) {
        sb_st_bad(st, "metadata.name is required");
        return RN_EINVAL;
    }
    int rc = sb_write_locked(ad->sb, &w, a, &d, &code, st);
    doc_unref(d);
    return rc;
}

static int objects(struct admin *ad, bool del)
{
    struct val items = items_of(ad->body);
    size_t n = val_kind(items) == VAL_ARRAY ? val_list_len(items) : 1;
    struct arena a;
    struct sb_status st;
    int rc = RN_OK;
    size_t i;
    arena_init(&a, 0);
    sb_status_init(&st);
    sb_lock(ad->sb);
    for (i = 0; i < n && !rc; i++) {
        struct val obj =
            val_kind(items) == VAL_ARRAY ? val_list_at(items, i) : items;
        rc = one_object(ad, obj, del, &a, &st);
        arena_reset(&a);
    }
    int64_t rv = ad->sb->store.rv;
    sb_unlock(ad->sb);
    arena_free(&a);
    if (rc)
        return fail(ad, st.code ? st.code : 500, "object %zu: %s", i - 1,
                    st.message);
    buf_add_fmt(&ad->out, "{\"count\":%zu,\"resourceVersion\":\"%lld\"}", n,
                (long long)rv);
    return ok(ad);
}

/* ---- state, history, clock ---- */

static int state(struct admin *ad)
{
    struct sb_store *st = &ad->sb->store;
    sb_lock(ad->sb);
    int64_t oldest = st->ring_len ? st->ring[st->ring_head].rv : st->rv + 1;
    buf_add_fmt(&ad->out,
                "{\"resourceVersion\":\"%lld\",\"oldestRetained\":\"%lld\","
                "\"compacted\":\"%lld\",\"history\":%zu,\"historyCap\":%zu,"
                "\"objects\":{",
                (long long)st->rv, (long long)oldest, (long long)st->compacted,
                st->ring_len, st->ring_cap);
    for (int i = 0; i < SB_NRES; i++)
        buf_add_fmt(&ad->out, "%s\"%s\":%zu", i ? "," : "", sb_res[i].plural,
                    sb_store_count(st, i));
    sb_unlock(ad->sb);
    buf_add_fmt(&ad->out, "},\"url\":\"%s\",\"now\":", ad->sb->server_url);
    struct arena a;
    arena_init(&a, 0);
    const char *now = sb_time_micro(&a, sb_now_ns());
    json_emit_string(&ad->out, now, strlen(now), 0);
    arena_free(&a);
    buf_add_char(&ad->out, '}');
    return ok(ad);
}

static int compact(struct admin *ad)
{
    struct val up = sb_get(ad->body, "upTo");
    sb_lock(ad->sb);
    int64_t rv = ad->sb->store.rv;
    if (val_kind(up) == VAL_INT)
        rv = val_int_of(up);
    else if (val_kind(up) == VAL_STRING && strcmp(val_str_ptr(up), "current"))
        rv = strtoll(val_str_ptr(up), NULL, 10);
    sb_store_compact(&ad->sb->store, rv);
    buf_add_fmt(&ad->out, "{\"compacted\":\"%lld\"}",
                (long long)ad->sb->store.compacted);
    sb_unlock(ad->sb);
    return ok(ad);
}

static int clock_advance(struct admin *ad)
{
    struct val s = sb_get(ad->body, "advanceSeconds");
    int64_t secs = val_kind(s) == VAL_INT     ? val_int_of(s)
                   : val_kind(s) == VAL_FLOAT ? (int64_t)val_float_of(s)
                                              : 0;
    sb_clock_advance(secs);
    size_t expired = sb_ttl_sweep(ad->sb);
    buf_add_fmt(&ad->out, "{\"expiredEvents\":%zu}", expired);
    return ok(ad);
}

static int reset(struct admin *ad)
{
    sb_watch_close(ad->sb, -1, NULL, SB_CLOSE_CLEAN);
    sb_lock(ad->sb);
    sb_store_reset(ad->sb, flag(ad->body, "keepRevision", false));
    sb_recorder_reset(ad->sb->recorder);
    sb_unlock(ad->sb);
    sb_faults_clear(&ad->sb->faults);
    sb_journal_clear(&ad->sb->journal);
    return ok(ad);
}

static int expired_mode(struct admin *ad)
{
    struct sb_store *st = &ad->sb->store;
    const char *reason = sb_get_str(ad->body, "reason", NULL);
    sb_lock(ad->sb);
    st->expired_http = flag(ad->body, "http", st->expired_http);
    st->expired_etcd = flag(ad->body, "etcd", st->expired_etcd);
    if (reason)
        st->expired_gone = !strcmp(reason, "Gone");
    sb_unlock(ad->sb);
    return ok(ad);
}

/* ---- watches ---- */

static int close_mode(const char *m)
{
    if (!m || !strcmp(m, "clean"))
        return SB_CLOSE_CLEAN;
    if (!strcmp(m, "reset"))
        return SB_CLOSE_RESET;
    if (!strcmp(m, "midline"))
        return SB_CLOSE_MIDLINE;
    return -1;
}

static int watches_close(struct admin *ad)
{
    const char *m = sb_get_str(ad->body, "mode", NULL);
    struct val match = sb_get(ad->body, "match");
    const char *res = sb_get_str(match, "resource", NULL);
    int mode = close_mode(m), r = res ? sb_res_lookup(res) : -1;
    if (mode < 0)
        return fail(ad, 400, "mode %s: want clean, reset or midline", m);
    if (res && r < 0)
        return fail(ad, 400, "unknown resource %s", res);
    size_t n =
        sb_watch_close(ad->sb, r, sb_get_str(match, "namespace", NULL), mode);
    buf_add_fmt(&ad->out, "{\"closed\":%zu}", n);
    return ok(ad);
}

/* ---- faults, tokens, journal ---- */

static int faults(struct admin *ad)
{
    const char *m = ad->r->method;
    struct rn_err e;
    if (!strcmp(m, "DELETE")) {
        sb_faults_clear(&ad->sb->faults);
        return ok(ad);
    }
    if (!strcmp(m, "GET")) {
        sb_faults_json(&ad->sb->faults, &ad->out);
        return ok(ad);
    }
    struct buf ids;
    buf_init(&ids, 0);
    int rc = sb_faults_add(&ad->sb->faults, ad->body, &ids, &e);
    if (!rc)
        buf_add_fmt(&ad->out, "{\"ids\":%s}", buf_str(&ids));
    buf_free(&ids);
    return rc ? fail(ad, 400, "%s", e.msg) : ok(ad);
}

static int tokens(struct admin *ad)
{
    const char *tok = sb_get_str(ad->body, "token", NULL);
    const char *user = sb_get_str(ad->body, "user", NULL);
    if (!tok || !*tok)
        return fail(ad, 400, "token is required");
    if (!strcmp(ad->r->method, "DELETE")) {
        bool had = sb_tokens_revoke(&ad->sb->tokens, tok);
        buf_add_fmt(&ad->out, "{\"revoked\":%s}", had ? "true" : "false");
        return ok(ad);
    }
    if (sb_tokens_add(&ad->sb->tokens, tok, user ? user : "sandbox"))
        return fail(ad, 400, "cannot add the token");
    return ok(ad);
}

static int requests(struct admin *ad)
{
    if (!strcmp(ad->r->method, "DELETE"))
        sb_journal_clear(&ad->sb->journal);
    else
        sb_journal_json(&ad->sb->journal, &ad->out);
    return ok(ad);
}

/* ---- recorder and scenarios ---- */

static int record(struct admin *ad)
{
    struct val inv = sb_get(ad->body, "involved");
    const char *kind = sb_get_str(inv, "kind", NULL);
    struct sb_record_req rq = {
        .res = sb_res_lookup(kind ? kind : "Rollout"),
        .ns = sb_get_str(inv, "namespace", NULL),
        .name = sb_get_str(inv, "name", NULL),
        .type = sb_get_str(ad->body, "type", NULL),
        .reason = sb_get_str(ad->body, "reason", NULL),
        .message = sb_get_str(ad->body, "message", NULL),
        .component = sb_get_str(ad->body, "component", NULL),
        .force_new = flag(ad->body, "forceNew", false),
    };
    const char *action = "";
    struct doc *ev = NULL;
    struct sb_status st;
    sb_status_init(&st);
    if (rq.res < 0 || !rq.name || !rq.reason)
        return fail(ad, 400,
                    "want involved {kind, namespace, name} and a "
                    "reason");
    if (sb_record(ad->sb, &rq, &action, &ev, &st))
        return fail(ad, st.code ? st.code : 500, "%s", st.message);
    buf_add_fmt(&ad->out, "{\"action\":\"%s\",\"event\":", action);
    if (ev)
        sb_emit(&ad->out, ev->root);
    else
        buf_add_str(&ad->out, "null");
    buf_add_char(&ad->out, '}');
    doc_unref(ev);
    return ok(ad);
}

static int generate(struct admin *ad)
{
    struct rn_err e;
    rn_err_clear(&e);
    if (sb_events_generate(ad->sb, ad->body, &ad->out, &e))
        return fail(ad, e.code == RN_EINVAL ? 400 : 500, "%s", e.msg);
    return ok(ad);
}

static int recorder_cfg(struct admin *ad)
{
    struct val sf = sb_get(ad->body, "spamFilter");
    struct val ag = sb_get(ad->body, "aggregation");
    sb_recorder_configure(ad->sb->recorder,
                          val_kind(sf) == VAL_BOOL ? val_bool_of(sf) : -1,
                          val_kind(ag) == VAL_BOOL ? val_bool_of(ag) : -1);
    return ok(ad);
}

static int scenarios(struct admin *ad, const char *const *seg, size_t n)
{
    struct rn_err e;
    uint64_t id = 0;
    if (!strcmp(ad->r->method, "GET")) {
        if (n == 3)
            sb_scenario_json(ad->sb, strtoull(seg[2], NULL, 10), &ad->out);
        else
            sb_scenarios_json(ad->sb, &ad->out);
        return ok(ad);
    }
    const char *w = sb_query(ad->r, "wait");
    bool wait = w && !strcmp(w, "true");
    const char *file = sb_get_str(ad->body, "file", NULL);
    int rc;
    if (file) {
        rc = sb_scenario_start_file(ad->sb, file, wait, &id, &e);
    } else {
        struct doc *d = sb_freeze(ad->body);
        rc = d ? sb_scenario_start(ad->sb, d, wait, &id, &e)
               : rn_errf(&e, RN_ENOMEM, "out of memory");
    }
    if (rc)
        return fail(ad, 400, "%s", e.msg);
    return sb_scenario_json(ad->sb, id, &ad->out), ok(ad);
}

/* ---- routing ---- */

static int parse_body(struct admin *ad)
{
    struct rn_err e;
    const char *ct = ad->r->ctype;
    bool yaml = ct && strstr(ct, "yaml");
    if (ad->r->too_large) {
        fail(ad, 413, "body over %u bytes", SB_ADMIN_BODY_MAX);
        return RN_EINVAL;
    }
    if (!ad->r->body.len) {
        ad->body = val_null();
        return RN_OK;
    }
    if (sb_parse_body(&ad->r->a, buf_str(&ad->r->body), ad->r->body.len, yaml,
                      &ad->body, &e))
        return fail(ad, 400, "body: %s (line %d)", e.msg, e.line), RN_EINVAL;
    return RN_OK;
}

static int route(struct admin *ad, const char *const *seg, size_t n)
{
    const char *m = ad->r->method, *what = n > 1 ? seg[1] : "";
    bool get = !strcmp(m, "GET"), post = !strcmp(m, "POST");
    bool del = !strcmp(m, "DELETE");
    if (!strcmp(what, "objects") && (post || del))
        return objects(ad, del);
    if (!strcmp(what, "state") && get)
        return state(ad);
    if (!strcmp(what, "compact") && post)
        return compact(ad);
    if (!strcmp(what, "clock") && post)
        return clock_advance(ad);
    if (!strcmp(what, "reset") && post)
        return reset(ad);
    if (!strcmp(what, "expired") && post)
        return expired_mode(ad);
    if (!strcmp(what, "watches") && n == 3 && !strcmp(seg[2], "close") && post)
        return watches_close(ad);
    if (!strcmp(what, "watches") && get)
        return sb_watch_describe(ad->sb, &ad->out), ok(ad);
    if (!strcmp(what, "bookmark") && post)
        return buf_add_fmt(&ad->out, "{\"watches\":%zu}",
                           sb_watch_bookmark_all(ad->sb)),
               ok(ad);
    if (!strcmp(what, "faults"))
        return faults(ad);
    if (!strcmp(what, "tokens") && (post || del))
        return tokens(ad);
    if (!strcmp(what, "requests") && (get || del))
        return requests(ad);
    if (!strcmp(what, "events") && n == 3 && !strcmp(seg[2], "record") && post)
        return record(ad);
    if (!strcmp(what, "events") && n == 3 && !strcmp(seg[2], "generate") &&
        post)
        return generate(ad);
    if (!strcmp(what, "recorder") && post)
        return recorder_cfg(ad);
    if (!strcmp(what, "scenarios"))
        return scenarios(ad, seg, n);
    return fail(ad, 404, "no admin endpoint %s %s", m, ad->r->url);
}

int sb_admin_handle(struct sb_req *r, const char *const *seg, size_t nseg)
{
    struct admin ad = {r, r->sb, val_null(), {0}};
    buf_init(&ad.out, 0);
    int rc = parse_body(&ad);
    if (!rc)
        rc = route(&ad, seg, nseg);
    buf_free(&ad.out);
    return rc;
}
