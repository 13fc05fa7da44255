/*
 * svc_fixture.h: helpers shared by the services unit tests: an instance
 * from YAML options, a notification root from JSON, building one step of
 * a send, and header lookup in a built request.
 */
#ifndef RN_TEST_SVC_FIXTURE_H
#define RN_TEST_SVC_FIXTURE_H

#include "config/config.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/goyaml.h"
#include "core/json.h"
#include "services/service.h"

#include <string.h>
#include <strings.h>

static struct arena fx_arena;

/* An instance of `type` named `name` from YAML options (NULL on error,
 * with e filled). */
static inline struct svc_instance *fx_inst_e(const char *type, const char *name,
                                             const char *yaml, struct rn_err *e)
{
    struct cfg_service cs = {.name = name, .type = type, .opts = val_null()};
    struct goyaml_opts yo = {JSON_NUM_INT64, 0, "opts"};
    struct svc_instance *inst = NULL;
    if (goyaml_parse(&fx_arena, yaml, strlen(yaml), &yo, &cs.opts, e) != RN_OK)
        return NULL;
    return svc_instance_new(&cs, &inst, e) == RN_OK ? inst : NULL;
}

static inline struct svc_instance *fx_inst(const char *type, const char *yaml)
{
    struct rn_err e = {0};
    struct svc_instance *s = fx_inst_e(type, type, yaml, &e);
    if (!s)
        fail_msg("instance: %s", e.msg);
    return s;
}

static inline struct val fx_root(const char *json)
{
    struct val v;
    struct rn_err e = {0};
    if (json_parse(&fx_arena, json, strlen(json), NULL, &v, &e) != RN_OK)
        fail_msg("root: %s", e.msg);
    return v;
}

static inline void fx_call(struct svc_call *c, struct val root,
                           const char *name, const char *recipient)
{
    memset(c, 0, sizeof *c);
    c->root = root;
    c->name = name;
    c->recipient = recipient;
    c->a = &fx_arena;
}

/* Build step c->step; returns the status (e filled on error). */
static inline int fx_build(const struct svc_instance *s, struct svc_call *c,
                           struct http_req *out, struct rn_err *e)
{
    return svc_build(svc_instance_type(s), svc_instance_opts(s), c, out, e);
}

static inline const char *fx_hdr(const struct http_req *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static inline void fx_body_eq(const struct http_req *r, const char *want)
{
    assert_true(r->has_body);
    assert_string_equal(r->body, want);
    assert_int_equal(r->body_len, strlen(want));
}

/* Feed a reply to the type's check_reply. */
static inline enum svc_step fx_reply(const struct svc_instance *s,
                                     struct svc_call *c, long status,
                                     const char *body, bool *retryable,
                                     struct rn_err *e)
{
    struct http_reply r = {0};
    r.status = status;
    r.reason = "";
    r.body = body;
    r.body_len = strlen(body);
    return svc_instance_type(s)->check_reply(svc_instance_opts(s), c, &r,
                                             retryable, e);
}

/* cmocka group setup/teardown: the fixture arena lives for the group. */
static int fx_setup(void **state)
{
    (void)state;
    arena_init(&fx_arena, 0);
    return 0;
}

static int fx_teardown(void **state)
{
    (void)state;
    arena_free(&fx_arena);
    return 0;
}

#endif
