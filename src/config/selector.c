/*
 * selector.c: Kubernetes label selectors for default subscriptions
 * (docs/reference/engine.md §2.5).
 *
 * The string grammar of labels.Parse (`k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k`, `!k`, `k>N`, `k<N`, comma = AND, whitespace
 * tolerated) with Kubernetes' validation of keys (qualified names) and
 * values, and the metav1.LabelSelector object form (matchLabels,
 * matchExpressions with In, NotIn, Exists, DoesNotExist) that rnotify also
 * accepts.  A selector is a list of requirements that must all hold.
 */
#include "config_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum sel_op { SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_ABSENT, SEL_GT, SEL_LT };

struct sel_req {
    const char *key;
    uint8_t op;
    const char *const *vals;
    size_t nvals;
    int64_t num;
};

struct cfg_selector {
    struct sel_req *reqs;
    size_t n, cap;
};

/* ---- validation ---- */

static bool alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most max bytes */
static bool name_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max || !alnum(s[0]) || !alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* DNS-1123 subdomain: lower-case labels joined by dots, <= 253 */
static bool subdomain_ok(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool lower = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!lower && ch != '-' && ch != '.')
            return false;
        if ((i == 0 || i == n - 1) && !lower)
            return false;
    }
    return true;
}

/* Error messages quote the offending byte ('' at the end), as
 * labels.Parse does with its tokens. */
static int check_key(const char *k, struct rn_err *e)
{
    const char *slash = strchr(k, '/');
    const char *name = slash ? slash + 1 : k;
    if (slash && !subdomain_ok(k, (size_t)(slash - k)))
        return rn_errf(e, RN_ECONFIG,
                       "key: Invalid value: \"%s\": prefix part must be a "
                       "DNS-1123 subdomain",
                       k);
    if (!name_ok(name, strlen(name), 63))
        return rn_errf(e, RN_ECONFIG,
                       "key: Invalid value: \"%s\": name part must consist "
                       "of alphanumeric characters, '-', '_' or '.', and "
                       "must start and end with an alphanumeric character",
                       k);
    return RN_OK;
}

static int check_value(const char *v, struct rn_err *e)
{
    size_t n = strlen(v);
    if (n == 0 || name_ok(v, n, 63))
        return RN_OK;
    return rn_errf(e, RN_ECONFIG,
                   "values[0]: Invalid value: \"%s\": a valid label must be "
                   "an empty string or consist of alphanumeric characters, "
                   "'-', '_' or '.', and must start and end with an "
                   "alphanumeric character",
                   v);
}

static int add_req(struct arena *a, struct cfg_selector *s,
                   const struct sel_req *r, struct rn_err *e)
{
    int rc = check_key(r->key, e);
    for (size_t i = 0; rc == RN_OK && i < r->nvals; i++)
        rc = check_value(r->vals[i], e);
    if (rc == RN_OK && (r->op == SEL_IN || r->op == SEL_NOTIN) && r->nvals == 0)
        rc = rn_errf(e, RN_ECONFIG,
                     "values: Invalid value: []: for 'in', 'notin' "
                     "operators, values set can't be empty");
    if (rc != RN_OK)
        return rc;
    return cfg_vec_push(a, (void **)&s->reqs, &s->n, &s->cap, sizeof *r, r);
}

/* ---- the string grammar ---- */

struct lex {
    struct arena *a;
    const char *p, *end;
    struct rn_err *e;
};

static bool special(char ch)
{
    return ch == '!' || ch == '=' || ch == ',' || ch == '(' || ch == ')' ||
           ch == '<' || ch == '>' || ch == ' ' || ch == '\t' || ch == '\n' ||
           ch == '\r';
}

static void skip_ws(struct lex *l)
{
    while (l->p < l->end &&
           (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
        l->p++;
}

/* identifier -> run of non-special bytes (may be empty) */
static const char *ident(struct lex *l)
{
    skip_ws(l);
    const char *s = l->p;
    while (l->p < l->end && !special(*l->p))
        l->p++;
    return arena_strndup(l->a, s, (size_t)(l->p - s));
}

static bool eat(struct lex *l, const char *tok)
{
    size_t n = strlen(tok);
    skip_ws(l);
    if ((size_t)(l->end - l->p) >= n && memcmp(l->p, tok, n) == 0) {
        l->p += n;
        return true;
    }
    return false;
}

/* values -> '(' [ ident { ',' ident } ] ')' */
static int value_set(struct lex *l, struct sel_req *r)
{
    const char **vals = NULL;
    size_t n = 0, cap = 0;
    if (!eat(l, "("))
        return rn_errf(
            l->e, RN_ECONFIG,
            "unable to parse requirement: found '%.1s', expected: '('",
            l->p < l->end ? l->p : "");
    skip_ws(l);
    if (!eat(l, ")")) {
        do {
            const char *v = ident(l);
            if (!v || cfg_vec_push(l->a, (void **)&vals, &n, &cap, sizeof *vals,
                                   &v) != RN_OK)
                return RN_ENOMEM;
        } while (eat(l, ","));
        if (!eat(l, ")"))
            return rn_errf(l->e, RN_ECONFIG,
                           "unable to parse requirement: found '%.1s', "
                           "expected: ',' or ')'",
                           l->p < l->end ? l->p : "");
    }
    r->vals = vals;
    r->nvals = n;
    return RN_OK;
}

static bool word(struct lex *l, const char *w)
{
    const char *save = l->p;
    skip_ws(l);
    size_t n = strlen(w);
    if ((size_t)(l->end - l->p) >= n && memcmp(l->p, w, n) == 0 &&
        (l->p + n == l->end || special(l->p[n]))) {
        l->p += n;
        return true;
    }
    l->p = save;
    return false;
}

static int single_value(struct lex *l, struct sel_req *r, uint8_t op)
{
    const char **vals = arena_alloc(l->a, sizeof *vals);
    if (!vals)
        return RN_ENOMEM;
    vals[0] = ident(l);
    if (!vals[0])
        return RN_ENOMEM;
    r->op = op;
    r->vals = vals;
    r->nvals = 1;
    if (op != SEL_GT && op != SEL_LT)
        return RN_OK;
    char *endp;
    errno = 0;
    r->num = strtoll(vals[0], &endp, 10);
    if (!vals[0][0] || *endp || errno)
        return rn_errf(l->e, RN_ECONFIG,
                       "for 'Gt', 'Lt' operators, the value must be an "
                       "integer");
    r->nvals = 0;
    return RN_OK;
}

/* requirement -> '!' key | key [ op value | ('in'|'notin') values ] */
static int requirement(struct lex *l, struct sel_req *r)
{
    memset(r, 0, sizeof *r);
    bool neg = eat(l, "!");
    r->key = ident(l);
    if (!r->key)
        return RN_ENOMEM;
    if (!r->key[0])
        return rn_errf(
            l->e, RN_ECONFIG,
            "unable to parse requirement: found '%.1s', expected: identifier",
            l->p < l->end ? l->p : "");
    skip_ws(l);
    if (neg || l->p == l->end || *l->p == ',') {
        r->op = neg ? SEL_ABSENT : SEL_EXISTS;
        return RN_OK;
    }
    if (eat(l, "==") || eat(l, "="))
        return single_value(l, r, SEL_IN);
    if (eat(l, "!="))
        return single_value(l, r, SEL_NOTIN);
    if (eat(l, ">"))
        return single_value(l, r, SEL_GT);
    if (eat(l, "<"))
        return single_value(l, r, SEL_LT);
    if (word(l, "in")) {
        r->op = SEL_IN;
        return value_set(l, r);
    }
    if (word(l, "notin")) {
        r->op = SEL_NOTIN;
        return value_set(l, r);
    }
    return rn_errf(l->e, RN_ECONFIG,
                   "unable to parse requirement: found '%.1s', expected: in, "
                   "notin, =, ==, !=, gt, lt",
                   l->p);
}

/* Parse the string form; the selector lives in a.  RN_ECONFIG with
 * labels.Parse-style wording on a syntax or validation error. */
int cfg_selector_parse(struct arena *a, const char *s, size_t n,
                       struct cfg_selector **out, struct rn_err *e)
{
    struct cfg_selector *sel = arena_zalloc(a, sizeof *sel);
    struct lex l = {a, s, s + n, e};
    if (!sel)
        return RN_ENOMEM;
    skip_ws(&l);
    while (l.p < l.end) {
        struct sel_req r;
        int rc = requirement(&l, &r);
        if (rc == RN_OK)
            rc = add_req(a, sel, &r, e);
        if (rc != RN_OK)
            return rc;
        skip_ws(&l);
        if (l.p < l.end && !eat(&l, ","))
            return rn_errf(
                e, RN_ECONFIG,
                "unable to parse requirement: found '%.1s', expected: ','",
                l.p);
        skip_ws(&l);
    }
    *out = sel;
    return RN_OK;
}

/* ---- metav1.LabelSelector ---- */

static int match_labels(struct arena *a, struct cfg_selector *sel,
                        const struct val *ml, struct rn_err *e)
{
    if (!ml || ml->kind == VAL_NULL)
        return RN_OK;
    if (ml->kind != VAL_OBJECT)
        return rn_errf(e, RN_ECONFIG, "matchLabels must be a map");
    for (size_t i = 0; i < val_obj_len(*ml); i++) {
        const struct val_kv *kv = val_obj_at(*ml, i);
        const char **vals = arena_alloc(a, sizeof *vals);
        struct sel_req r = {kv->key.u.s, SEL_IN, NULL, 1, 0};
        if (!vals)
            return RN_ENOMEM;
        int rc = cfg_dec_str(a, &kv->v, "LabelSelector.matchLabels", &vals[0],
                             NULL, e);
        r.vals = vals;
        if (rc == RN_OK)
            rc = add_req(a, sel, &r, e);
        if (rc != RN_OK)
            return rc;
    }
    return RN_OK;
}

static int expression(struct arena *a, struct cfg_selector *sel, struct val x,
                      struct rn_err *e)
{
    static const char *const ops[] = {"In", "NotIn", "Exists", "DoesNotExist"};
    struct sel_req r = {0};
    const char *op;
    int rc = cfg_dec_str(a, cfg_dec_field(x, "key"), "key", &r.key, NULL, e);
    if (rc == RN_OK)
        rc = cfg_dec_str(a, cfg_dec_field(x, "operator"), "operator", &op, NULL,
                         e);
    if (rc == RN_OK)
        rc = cfg_dec_strlist(a, cfg_dec_field(x, "values"), "values", &r.vals,
                             &r.nvals, e);
    if (rc != RN_OK)
        return rc;
    r.op = 255;
    for (uint8_t i = 0; i < 4; i++)
        if (strcmp(op, ops[i]) == 0)
            r.op = i;
    if (r.op == 255)
        return rn_errf(e, RN_ECONFIG,
                       "\"%s\" is not a valid label selector "
                       "operator",
                       op);
    if ((r.op == SEL_EXISTS || r.op == SEL_ABSENT) && r.nvals)
        return rn_errf(e, RN_ECONFIG,
                       "values: Invalid value: values set "
                       "must be empty for exists and does not exist");
    return add_req(a, sel, &r, e);
}

/* Build a selector from a LabelSelector map; RN_ECONFIG on a bad
 * operator, key or value. */
int cfg_selector_from_val(struct arena *a, struct val v,
                          struct cfg_selector **out, struct rn_err *e)
{
    struct cfg_selector *sel = arena_zalloc(a, sizeof *sel);
    if (!sel)
        return RN_ENOMEM;
    if (v.kind != VAL_OBJECT && v.kind != VAL_NULL)
        return rn_errf(e, RN_ECONFIG,
                       "a label selector must be a string or "
                       "a map");
    int rc = match_labels(a, sel, cfg_dec_field(v, "matchLabels"), e);
    const struct val *me = cfg_dec_field(v, "matchExpressions");
    if (rc == RN_OK && me && me->kind != VAL_NULL && me->kind != VAL_ARRAY)
        rc = rn_errf(e, RN_ECONFIG, "matchExpressions must be a list");
    for (size_t i = 0; rc == RN_OK && me && i < val_list_len(*me); i++)
        rc = expression(a, sel, val_list_at(*me, i), e);
    if (rc == RN_OK)
        *out = sel;
    return rc;
}

/* ---- matching ---- */

static bool in_set(const struct sel_req *r, const struct val *v)
{
    for (size_t i = 0; i < r->nvals; i++)
        if (strlen(r->vals[i]) == v->len &&
            memcmp(r->vals[i], v->u.s, v->len) == 0)
            return true;
    return false;
}

static bool req_matches(const struct sel_req *r, struct val labels)
{
    const struct val *v = val_get_cstr(labels, r->key);
    if (v && v->kind != VAL_STRING)
        v = NULL;
    switch (r->op) {
    case SEL_IN:
        return v && in_set(r, v);
    case SEL_NOTIN:
        return !v || !in_set(r, v);
    case SEL_EXISTS:
        return v != NULL;
    case SEL_ABSENT:
        return v == NULL;
    default: {
        char *endp;
        if (!v || !v->len)
            return false;
        errno = 0;
        long long x = strtoll(v->u.s, &endp, 10);
        if (*endp || errno)
            return false;
        return r->op == SEL_GT ? x > r->num : x < r->num;
    }
    }
}

/* All requirements hold for labels (NULL selector: everything). */
bool cfg_selector_matches(const struct cfg_selector *s, struct val labels)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (!req_matches(&s->reqs[i], labels))
            return false;
    return true;
}
