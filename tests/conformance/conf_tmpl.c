/*
 * conf_tmpl.c: the tmpl and sprig conformance families.  Each case parses
 * `template` as "tmpl" with the Go builtins plus sprig (minus env and
 * expandenv, as upstream), executes it over `data` and reports the output
 * or the error kind: "parse" for a template that does not parse, "exec"
 * for one that fails while running.
 */
#include "conf.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/sprig/sprig.h"
#include "template/template.h"

#include <string.h>

static void run_case(const struct conf_case *c, struct buf *out)
{
    size_t n = 0;
    const char *text = conf_str(c, "template", &n);
    const struct val *data = val_get_cstr(c->obj, "data");
    struct rn_err e = {0};
    struct tpl_funcs *f = tpl_funcs_new();
    if (!f || !text) {
        conf_emit_error(out, c->id, "runner: bad case or out of memory",
                        "exec");
        tpl_funcs_free(f);
        return;
    }
    sprig_register(f);
    struct tpl *t = tpl_parse("tmpl", text, n, f, &e);
    if (!t) {
        conf_emit_error(out, c->id, e.msg,
                        e.code == RN_ESYNTAX ? "parse" : "exec");
        tpl_funcs_free(f);
        return;
    }
    struct buf res;
    buf_init(&res, 0);
    int rc = tpl_exec(t, data ? *data : val_null(), c->arena, &res, &e);
    if (rc == RN_OK)
        conf_emit_got(out, c->id, buf_str(&res), res.len);
    else
        conf_emit_error(out, c->id, e.msg, "exec");
    buf_free(&res);
    tpl_free(t);
    tpl_funcs_free(f);
}

void conf_tmpl(const struct conf_case *c, struct buf *out)
{
    run_case(c, out);
}

void conf_sprig(const struct conf_case *c, struct buf *out)
{
    run_case(c, out);
}
