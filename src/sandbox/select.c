/*
 * select.c: label and field selectors, parsed as kube-apiserver parses
 * them (untrusted text from the query string).
 *
 * Label selectors follow k8s.io/apimachinery's grammar; field selectors
 * are terms f=v, f==v, f!=v split on unescaped commas, and only the field
 * labels a resource supports are accepted (anything else is the real
 * server's 400 "field label not supported").  Both parse into the same
 * term list; matching an object against it is a walk of that list.
 */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEL_MAX_TERMS 256
#define SEL_MAX_VALUES 256

struct lx {
    const char *p;
    struct arena *a;
    struct rn_err *e;
};

static int fail(struct lx *x, const char *fmt, const char *what)
{
    return rn_errf(x->e, RN_ESYNTAX, fmt, what);
}

static void skip_ws(struct lx *x)
{
    while (*x->p == ' ' || *x->p == '\t')
        x->p++;
}

static bool ident_char(char c)
{
    return c && !strchr(" \t,=!()<>", c);
}

/* identifier -> one or more characters that are not blanks, operators,
 * parentheses or commas */
static const char *ident(struct lx *x)
{
    skip_ws(x);
    const char *s = x->p;
    while (ident_char(*x->p))
        x->p++;
    return arena_strndup(x->a, s, (size_t)(x->p - s));
}

/* values -> '(' [ident { ',' ident }] ')' */
static int value_set(struct lx *x, struct sb_term *t)
{
    skip_ws(x);
    if (*x->p != '(')
        return fail(x,
                    "unable to parse requirement: found '%s', expected: "
                    "'('",
                    x->p);
    x->p++;
    const char **vals = arena_alloc(x->a, SEL_MAX_VALUES * sizeof *vals);
    if (!vals)
        return RN_ENOMEM;
    size_t n = 0;
    for (;;) {
        const char *v = ident(x);
        if (!v)
            return RN_ENOMEM;
        if (n == SEL_MAX_VALUES)
            return fail(x, "unable to parse requirement: %s",
                        "too many values");
        if (!sb_label_value_ok(v))
            return fail(x,
                        "unable to parse requirement: invalid label value: "
                        "\"%s\"",
                        v);
        vals[n++] = v;
        skip_ws(x);
        if (*x->p == ',') {
            x->p++;
            continue;
        }
        if (*x->p == ')') {
            x->p++;
            break;
        }
        return fail(x,
                    "unable to parse requirement: found '%s', expected: "
                    "',', ')'",
                    *x->p ? x->p : "EOF");
    }
    t->vals = vals;
    t->nvals = n;
    return RN_OK;
}

/* op -> '=' | '==' | '!=' | 'in' | 'notin' | '>' | '<' | (none: exists) */
static int label_op(struct lx *x, struct sb_term *t)
{
    skip_ws(x);
    const char *p = x->p;
    if (!strncmp(p, "==", 2) || !strncmp(p, "!=", 2)) {
        t->op = p[0] == '=' ? SB_SEL_EQ : SB_SEL_NE;
        x->p += 2;
    } else if (*p == '=' || *p == '>' || *p == '<') {
        t->op = *p == '=' ? SB_SEL_EQ : *p == '>' ? SB_SEL_GT : SB_SEL_LT;
        x->p++;
    } else if (!strncmp(p, "in", 2) && !ident_char(p[2])) {
        t->op = SB_SEL_IN;
        x->p += 2;
        return value_set(x, t);
    } else if (!strncmp(p, "notin", 5) && !ident_char(p[5])) {
        t->op = SB_SEL_NOTIN;
        x->p += 5;
        return value_set(x, t);
    } else {
        t->op = SB_SEL_EXISTS;
        return RN_OK;
    }
    const char *v = ident(x);
    if (!v)
        return RN_ENOMEM;
    if (!sb_label_value_ok(v))
        return fail(x,
                    "unable to parse requirement: invalid label value: "
                    "\"%s\"",
                    v);
    if ((t->op == SB_SEL_GT || t->op == SB_SEL_LT) &&
        (!*v || strspn(v, "0123456789-") != strlen(v)))
        return fail(x,
                    "unable to parse requirement: for 'Gt', 'Lt' "
                    "operators, the value must be an integer: %s",
                    v);
    const char **one = arena_alloc(x->a, sizeof *one);
    if (!one)
        return RN_ENOMEM;
    one[0] = v;
    t->vals = one;
    t->nvals = 1;
    return RN_OK;
}

/* requirement -> '!' key | key [op value(s)] */
static int label_term(struct lx *x, struct sb_term *t)
{
    skip_ws(x);
    bool neg = *x->p == '!';
    if (neg)
        x->p++;
    const char *k = ident(x);
    if (!k)
        return RN_ENOMEM;
    if (!*k)
        return fail(x,
                    "unable to parse requirement: found '%s', expected: "
                    "identifier",
                    *x->p ? x->p : "EOF");
    if (sb_qualified_name_error(k))
        return fail(x,
                    "unable to parse requirement: invalid label key "
                    "\"%s\"",
                    k);
    t->key = k;
    if (neg) {
        t->op = SB_SEL_NOTEXISTS;
        return RN_OK;
    }
    return label_op(x, t);
}

/* selector -> requirement { ',' requirement } | '' */
int sb_label_parse(struct arena *a, const char *s, struct sb_selector *out,
                   struct rn_err *e)
{
    struct lx x = {s ? s : "", a, e};
    struct sb_term *terms = arena_zalloc(a, SEL_MAX_TERMS * sizeof *terms);
    size_t n = 0;
    if (!terms)
        return RN_ENOMEM;
    skip_ws(&x);
    while (*x.p) {
        if (n == SEL_MAX_TERMS)
            return fail(&x, "unable to parse requirement: %s",
                        "too many requirements");
        int rc = label_term(&x, &terms[n++]);
        if (rc)
            return rc;
        skip_ws(&x);
        if (*x.p == ',') {
            x.p++;
            continue;
        }
        if (*x.p)
            return fail(&x, "found '%s', expected: ',' or 'end of string'",
                        x.p);
    }
    out->terms = terms;
    out->n = n;
    out->field = false;
    return RN_OK;
}

/* ---- field selectors ---- */

static bool field_supported(const char *f, int res)
{
    if (!strcmp(f, "metadata.name") || !strcmp(f, "metadata.namespace"))
        return true;
    for (const char *const *p = sb_res[res].fields; p && *p; p++)
        if (!strcmp(*p, f))
            return true;
    return false;
}

/* One term's text (escapes kept) into its key, op and unescaped value. */
static int field_term(struct lx *x, const char *s, size_t n, int res,
                      struct sb_term *t)
{
    const char *op = NULL;
    size_t oplen = 0;
    for (size_t i = 0; i < n && !op; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == '!' && i + 1 < n && s[i + 1] == '=') {
            op = s + i, oplen = 2, t->op = SB_SEL_NE;
        } else if (s[i] == '=') {
            bool two = i + 1 < n && s[i + 1] == '=';
            op = s + i, oplen = two ? 2 : 1, t->op = SB_SEL_EQ;
        }
    }
    if (!op)
        return rn_errf(x->e, RN_ESYNTAX,
                       "invalid selector: '%.*s'; can't "
                       "understand '%.*s'",
                       (int)n, s, (int)n, s);
    char *key = arena_strndup(x->a, s, (size_t)(op - s));
    char *val = arena_alloc(x->a, n + 1);
    if (!key || !val)
        return RN_ENOMEM;
    size_t vn = 0;
    for (const char *p = op + oplen; p < s + n; p++) {
        if (*p == '\\') {
            if (++p == s + n || !strchr(",=\\", *p))
                return rn_errf(x->e, RN_ESYNTAX,
                               "invalid field selector: "
                               "invalid escape sequence in '%.*s'",
                               (int)n, s);
        }
        val[vn++] = *p;
    }
    val[vn] = '\0';
    if (!field_supported(key, res))
        return rn_errf(x->e, RN_EINVAL, "field label not supported: %s", key);
    const char **one = arena_alloc(x->a, sizeof *one);
    if (!one)
        return RN_ENOMEM;
    one[0] = val;
    t->key = key;
    t->vals = one;
    t->nvals = 1;
    return RN_OK;
}

int sb_field_parse(struct arena *a, const char *s, int res,
                   struct sb_selector *out, struct rn_err *e)
{
    struct lx x = {s ? s : "", a, e};
    struct sb_term *terms = arena_zalloc(a, SEL_MAX_TERMS * sizeof *terms);
    size_t n = 0;
    if (!terms)
        return RN_ENOMEM;
    const char *p = x.p;
    while (*p) {
        const char *end = p;
        while (*end && *end != ',')
            end += (*end == '\\' && end[1]) ? 2 : 1;
        if (end > p) {
            if (n == SEL_MAX_TERMS)
                return rn_errf(e, RN_ESYNTAX, "too many field selector terms");
            int rc = field_term(&x, p, (size_t)(end - p), res, &terms[n++]);
            if (rc)
                return rc;
        }
        p = *end ? end + 1 : end;
    }
    out->terms = terms;
    out->n = n;
    out->field = true;
    return RN_OK;
}

/* ---- matching ---- */

/* The value of field label f of obj, "" when absent. */
static const char *field_value(struct val obj, const char *f, int res)
{
    if (res == SB_EVENTS && !strcmp(f, "source")) {
        const char *c = sb_get_str(obj, "source", "component");
        if (c && *c)
            return c;
        c = sb_get_str(obj, "reportingComponent", NULL);
        return c ? c : "";
    }
    if (res == SB_SECRETS && !strcmp(f, "type")) {
        const char *t = sb_get_str(obj, "type", NULL);
        return t ? t : "Opaque";
    }
    struct val v = sb_get_path(obj, f);
    return val_kind(v) == VAL_STRING ? val_str_ptr(v) : "";
}

static bool in_set(const struct sb_term *t, const char *v)
{
    for (size_t i = 0; i < t->nvals; i++)
        if (!strcmp(t->vals[i], v))
            return true;
    return false;
}

static bool term_match(const struct sb_term *t, const char *v)
{
    switch (t->op) {
    case SB_SEL_EQ:
    case SB_SEL_IN:
        return v && in_set(t, v);
    case SB_SEL_NE:
    case SB_SEL_NOTIN:
        return !v || !in_set(t, v);
    case SB_SEL_EXISTS:
        return v != NULL;
    case SB_SEL_NOTEXISTS:
        return v == NULL;
    case SB_SEL_GT:
    case SB_SEL_LT: {
        char *end;
        long long have, want = strtoll(t->vals[0], NULL, 10);
        if (!v)
            return false;
        have = strtoll(v, &end, 10);
        if (!*v || *end)
            return false;
        return t->op == SB_SEL_GT ? have > want : have < want;
    }
    }
    return false;
}

bool sb_sel_match(const struct sb_selector *sel, struct val obj, int res)
{
    if (!sel)
        return true;
    struct val labels = sb_get(sb_get(obj, "metadata"), "labels");
    for (size_t i = 0; i < sel->n; i++) {
        const struct sb_term *t = &sel->terms[i];
        const char *v;
        if (sel->field) {
            v = field_value(obj, t->key, res);
        } else {
            struct val lv = sb_get(labels, t->key);
            v = val_kind(lv) == VAL_STRING ? val_str_ptr(lv) : NULL;
        }
        if (!term_match(t, v))
            return false;
    }
    return true;
}
