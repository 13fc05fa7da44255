/*
 * conf_regexp.c: the regexp family, one vector set run through both
 * languages.
 *
 * A case names a Go pattern `p`, a subject `s`, and the operations to run
 * (`ops`: match, find, find_all, split, replace, replace_literal,
 * quote_meta; `n` is the count of find_all and split, `r` the
 * replacement).  Each operation runs as sprig's must* function in a
 * template; `got` is an object with one member per operation, or
 * {"error": Go's compile error} when the pattern does not compile.  The
 * same pattern then runs through expr's `matches`, once as a literal
 * (compiled with the program) and once from a variable (compiled at run
 * time); when either disagrees with the template's answer (match, or the
 * compile error's text), `got` gains an "expr_literal" or "expr_dynamic"
 * member saying what expr said, and the case fails.
 */
#include "conf.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "expr/expr.h"
#include "template/sprig/sprig.h"
#include "template/template.h"

#include <stdio.h>
#include <string.h>

struct op {
    const char *name;
    const char *text; /* the template; %s is the count */
    bool json;        /* the output is JSON (toJson) */
};

static const struct op ops[] = {
    {"match", "{{mustRegexMatch .p .s}}", true},
    {"find", "{{mustRegexFind .p .s}}", false},
    {"find_all", "{{toJson (mustRegexFindAll .p .s %s)}}", true},
    {"split", "{{toJson (mustRegexSplit .p .s %s)}}", true},
    {"replace", "{{mustRegexReplaceAll .p .s .r}}", false},
    {"replace_literal", "{{mustRegexReplaceAllLiteral .p .s .r}}", false},
    {"quote_meta", "{{regexQuoteMeta .p}}", false},
};

/* What one language said: a match, or an error text. */
struct answer {
    bool ok, match;
    char err[256];
};

static struct val str_of(const struct conf_case *c, const char *key)
{
    size_t n = 0;
    const char *s = conf_str(c, key, &n);
    return s ? val_str(s, n) : val_str("", 0);
}

/* {p, s, r} for the templates. */
static struct val case_data(const struct conf_case *c)
{
    static const char *const keys[] = {"p", "r", "s"}; /* sorted */
    struct val_kv *kv = arena_alloc(c->arena, 3 * sizeof *kv);
    struct val_obj *o = arena_alloc(c->arena, sizeof *o);
    if (!kv || !o)
        return val_null();
    for (int i = 0; i < 3; i++) {
        kv[i].key = val_str(keys[i], 1);
        kv[i].v = str_of(c, keys[i]);
    }
    o->len = o->cap = 3;
    o->kv = kv;
    return val_obj(o, GT_MAP_ANY);
}

/* The Go error inside a template error: the text after "error calling
 * F: ". */
static const char *go_error(const char *msg)
{
    const char *p = strstr(msg, "error calling ");
    const char *colon = p ? strstr(p, ": ") : NULL;
    return colon ? colon + 2 : msg;
}

/* Run one operation's template; RN_OK with its output in res. */
static int run_op(const struct conf_case *c, const struct op *op,
                  struct val data, struct buf *res, struct rn_err *e)
{
    char text[128], count[32];
    const struct val *n = val_get_cstr(c->obj, "n");
    snprintf(count, sizeof count, "%lld",
             n && n->kind == VAL_FLOAT ? (long long)n->u.f : -1LL);
    snprintf(text, sizeof text, op->text, count);
    struct tpl_funcs *f = tpl_funcs_new();
    if (!f)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    sprig_register(f);
    struct tpl *t = tpl_parse("tmpl", text, strlen(text), f, e);
    int rc = t ? tpl_exec(t, data, c->arena, res, e) : e->code;
    tpl_free(t);
    tpl_funcs_free(f);
    return rc;
}

static bool wanted(const struct val *list, const char *name)
{
    for (size_t i = 0; list && i < val_list_len(*list); i++) {
        struct val v = val_list_at(*list, i);
        if (v.kind == VAL_STRING && strcmp(v.u.s, name) == 0)
            return true;
    }
    return false;
}

/* The template side: the members of `got`, and its answer. */
static void template_side(const struct conf_case *c, struct buf *got,
                          struct answer *a)
{
    const struct val *list = val_get_cstr(c->obj, "ops");
    struct val data = case_data(c);
    bool first = true;
    a->ok = true;
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (!wanted(list, ops[i].name))
            continue;
        struct buf res;
        struct rn_err e = {0};
        buf_init(&res, 0);
        if (run_op(c, &ops[i], data, &res, &e) != RN_OK) {
            a->ok = false;
            snprintf(a->err, sizeof a->err, "%s", go_error(e.msg));
            buf_free(&res);
            return;
        }
        buf_add_str(got, first ? "" : ",");
        first = false;
        json_emit_string(got, ops[i].name, strlen(ops[i].name), JSON_RAW);
        buf_add_char(got, ':');
        if (ops[i].json)
            buf_add(got, buf_str(&res), res.len);
        else
            json_emit_string(got, buf_str(&res), res.len, JSON_RAW);
        if (strcmp(ops[i].name, "match") == 0)
            a->match = strcmp(buf_str(&res), "true") == 0;
        buf_free(&res);
    }
}

/* expr's compile or run error without its position and source lines. */
static void expr_error(struct answer *a, const char *msg)
{
    size_t n = strcspn(msg, "\n");
    const char *pos = NULL;
    for (const char *q = msg; q < msg + n; q++)
        if (q[0] == ' ' && q[1] == '(')
            pos = q;
    a->ok = false;
    snprintf(a->err, sizeof a->err, "%.*s", (int)(pos ? pos - msg : (long)n),
             msg);
}

/* The pattern as an expr string literal. */
static void expr_literal(struct buf *b, struct val p)
{
    buf_add_char(b, '"');
    for (size_t i = 0; i < p.len; i++) {
        unsigned char ch = (unsigned char)p.u.s[i];
        if (ch == '\\' || ch == '"')
            buf_add_fmt(b, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            buf_add_fmt(b, "\\u%04x", ch);
        else
            buf_add_char(b, (char)ch);
    }
    buf_add_char(b, '"');
}

/* Run `s matches <pattern>` with the pattern literal or from env. */
static void expr_side(const struct conf_case *c, bool literal, struct answer *a)
{
    struct buf src;
    struct rn_err e = {0};
    struct val v;
    buf_init(&src, 0);
    buf_add_str(&src, "s matches ");
    if (literal)
        expr_literal(&src, str_of(c, "p"));
    else
        buf_add_str(&src, "p");
    struct expr_prog *p = expr_compile(buf_str(&src), src.len, "expr", &e);
    buf_free(&src);
    if (!p) {
        expr_error(a, e.msg);
        return;
    }
    if (expr_run(p, case_data(c), c->arena, &v, &e) != RN_OK) {
        expr_error(a, e.msg);
    } else {
        a->ok = true;
        a->match = v.kind == VAL_BOOL && v.u.b;
    }
    expr_free(p);
}

static bool agree(const struct answer *x, const struct answer *y)
{
    if (x->ok != y->ok)
        return false;
    return x->ok ? x->match == y->match : strcmp(x->err, y->err) == 0;
}

static void add_answer(struct buf *got, const char *key, const struct answer *a)
{
    buf_add_fmt(got, ",\"%s\":", key);
    if (a->ok)
        buf_add_str(got, a->match ? "true" : "false");
    else
        json_emit_string(got, a->err, strlen(a->err), JSON_RAW);
}

void conf_regexp(const struct conf_case *c, struct buf *out)
{
    struct answer tpl = {0}, lit = {0}, dyn = {0};
    struct buf got;
    buf_init(&got, 0);
    template_side(c, &got, &tpl);
    conf_emit_open(out, c->id);
    buf_add_str(out, ",\"got\":{");
    if (tpl.ok) {
        buf_add(out, buf_str(&got), got.len);
    } else {
        buf_add_str(out, "\"error\":");
        json_emit_string(out, tpl.err, strlen(tpl.err), JSON_RAW);
    }
    buf_free(&got);
    if (wanted(val_get_cstr(c->obj, "ops"), "match") || !tpl.ok) {
        expr_side(c, true, &lit);
        expr_side(c, false, &dyn);
        if (!agree(&tpl, &lit))
            add_answer(out, "expr_literal", &lit);
        if (!agree(&tpl, &dyn))
            add_answer(out, "expr_dynamic", &dyn);
    }
    buf_add_str(out, "}}\n");
}
