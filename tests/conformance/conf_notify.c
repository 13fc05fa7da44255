/*
 * conf_notify.c: the `notify` family.  Each case compiles one template
 * (template_yaml) or several (template_yamls, applied in order) named
 * template_name, renders them over vars (plus `time` with with_time) into
 * one notification and prints it as upstream's JSON, or the error kind:
 * config (YAML/decoding), parse (template syntax) or exec (rendering).
 */
#include "conf.h"

#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "engine/engine.h"
#include "template/template.h"

#include <string.h>

#define MAX_TEMPLATES 16

static const char *kind_of(int rc)
{
    if (rc == RN_ECONFIG)
        return "config";
    if (rc == RN_ESYNTAX)
        return "parse";
    return "exec";
}

/* The YAML texts of the case: template_yaml, or the template_yamls list. */
static size_t texts(const struct conf_case *c, struct val *out, size_t max)
{
    const struct val *one = val_get_cstr(c->obj, "template_yaml");
    const struct val *many = val_get_cstr(c->obj, "template_yamls");
    size_t n = 0;
    if (one && one->kind == VAL_STRING)
        out[n++] = *one;
    for (size_t i = 0;
         many && many->kind == VAL_ARRAY && i < val_list_len(*many) && n < max;
         i++)
        if (val_list_at(*many, i).kind == VAL_STRING)
            out[n++] = val_list_at(*many, i);
    return n;
}

static int case_vars(const struct conf_case *c, struct val *out)
{
    const struct val *vars = val_get_cstr(c->obj, "vars");
    const struct val *wt = val_get_cstr(c->obj, "with_time");
    *out = vars ? *vars : val_null();
    if (wt && wt->kind == VAL_BOOL && wt->u.b)
        return val_obj_with(c->arena, *out, "time", eng_time_var_tpl(c->arena),
                            out);
    return RN_OK;
}

static int render(const struct conf_case *c, struct cfg_template *t, size_t n,
                  struct buf *out, struct rn_err *e)
{
    struct val vars;
    struct notif *nt = eng_notif_new(c->arena);
    int rc = nt ? case_vars(c, &vars) : RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < n; i++)
        rc = eng_notif_apply(nt, &t[i], vars, c->arena, e);
    if (rc == RN_OK)
        rc = eng_notif_json(nt, out);
    return rc;
}

void conf_notify(const struct conf_case *c, struct buf *out)
{
    struct val yaml[MAX_TEMPLATES];
    struct cfg_template t[MAX_TEMPLATES];
    struct rn_err e;
    struct buf got;
    const char *name = conf_str(c, "template_name", NULL);
    size_t n = texts(c, yaml, MAX_TEMPLATES), done = 0;
    struct tpl_funcs *f = cfg_funcs_new();
    int rc = f ? RN_OK : RN_ENOMEM;
    rn_err_clear(&e);
    buf_init(&got, 0);
    for (; rc == RN_OK && done < n; done++) {
        rc = cfg_template_compile(c->arena, name ? name : "", yaml[done].u.s,
                                  yaml[done].len, f, &t[done], &e);
        if (rc != RN_OK)
            break;
    }
    if (rc == RN_OK)
        rc = render(c, t, n, &got, &e);
    if (rc == RN_OK) {
        conf_emit_open(out, c->id);
        buf_add_str(out, ",\"got\":");
        buf_add(out, buf_str(&got), got.len);
        buf_add_str(out, "}\n");
    } else {
        conf_emit_error(out, c->id, e.msg[0] ? e.msg : rn_strstatus(rc),
                        kind_of(rc));
    }
    for (size_t i = 0; i < done; i++)
        cfg_template_release(&t[i]);
    buf_free(&got);
    if (f)
        tpl_funcs_free(f);
}
