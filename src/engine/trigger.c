/*
 * trigger.c: running triggers and the two rules that turn condition
 * results into sends (docs/reference/engine.md §3.3-§3.5).
 *
 * A run evaluates every condition of a trigger: `when` must give boolean
 * true; `oncePer` is evaluated only then and printed with Go's %v.  Errors
 * in either are reported per condition and never fail the run, as upstream
 * only logs them.  The event path sends a condition that has no `when` or
 * fired; the condition path sends on a false-to-true edge kept in the
 * notified state (state.c).
 */
#include "engine_int.h"

#include "../core/buf.h"
#include "../core/gofmt.h"
#include "../expr/expr.h"

#include <string.h>

static int once_per(const struct cfg_condition *c, struct val vars,
                    struct arena *a, struct eng_cond_result *r)
{
    struct rn_err e;
    struct val v;
    struct buf b;
    rn_err_clear(&e);
    int rc = expr_run(c->once_prog, vars, a, &v, &e);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc != RN_OK) {
        r->once_error = arena_strdup(a, e.msg[0] ? e.msg : "oncePer failed");
        return r->once_error ? RN_OK : RN_ENOMEM;
    }
    buf_init(&b, 0);
    rc = gofmt_value(&b, v);
    if (rc == RN_OK)
        r->once_per = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return rc == RN_OK && !r->once_per ? RN_ENOMEM : rc;
}

static int run_one(const struct cfg_condition *c, struct val vars,
                   struct arena *a, struct eng_cond_result *r)
{
    struct rn_err e;
    struct val v;
    rn_err_clear(&e);
    r->key = c->key;
    r->empty_when = c->when[0] == '\0';
    r->once_per = "";
    r->templates = c->send;
    r->ntemplates = c->nsend;
    int rc = expr_run(c->when_prog, vars, a, &v, &e);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc != RN_OK) {
        r->when_error = arena_strdup(a, e.msg[0] ? e.msg : "when failed");
        return r->when_error ? RN_OK : RN_ENOMEM;
    }
    r->triggered = v.kind == VAL_BOOL && v.u.b;
    if (r->triggered && c->once_prog)
        return once_per(c, vars, a, r);
    return RN_OK;
}

/* Run a trigger's conditions (engine.h); results and their texts in a.
 * Only RN_ENOMEM fails. */
int eng_conditions_run(const struct cfg_trigger *t, struct val vars,
                       struct arena *a, struct eng_cond_result **out, size_t *n)
{
    struct eng_cond_result *res =
        arena_zalloc(a, (t->n ? t->n : 1) * sizeof *res);
    if (!res)
        return RN_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        int rc = run_one(&t->conds[i], vars, a, &res[i]);
        if (rc != RN_OK)
            return rc;
    }
    *out = res;
    *n = t->n;
    return RN_OK;
}

/* Look a trigger up and run it; lookup errors come back as they are. */
int eng_trigger_run(const struct cfg *c, const char *trigger, struct val vars,
                    struct arena *a, struct eng_cond_result **out, size_t *n,
                    struct rn_err *e)
{
    const struct cfg_trigger *t;
    int rc = cfg_trigger_lookup(c, trigger, &t, e);
    if (rc != RN_OK)
        return rc;
    rc = eng_conditions_run(t, vars, a, out, n);
    return rc == RN_OK ? rc : rn_errf(e, rc, "out of memory");
}

/* The event path's rule: no `when`, or it fired. */
bool eng_event_sends(const struct eng_cond_result *r)
{
    return r->empty_when || r->triggered;
}

static bool upper(char ch)
{
    return ch >= 'A' && ch <= 'Z';
}

static bool lower(char ch)
{
    return ch >= 'a' && ch <= 'z';
}

/* s/(.)([A-Z][a-z]+)/$1-$2/g: returns the new length (d may be NULL). */
static size_t kebab_words(const char *s, size_t n, char *d)
{
    size_t k = 0, i = 0;
    while (i < n) {
        if (s[i] != '\n' && i + 2 < n && upper(s[i + 1]) && lower(s[i + 2])) {
            size_t j = i + 2;
            while (j < n && lower(s[j]))
                j++;
            if (d) {
                d[k] = s[i];
                d[k + 1] = '-';
                memcpy(d + k + 2, s + i + 1, j - i - 1);
            }
            k += j - i + 1;
            i = j;
            continue;
        }
        if (d)
            d[k] = s[i];
        k++;
        i++;
    }
    return k;
}

/* s/([a-z0-9])([A-Z])/$1-$2/g, then lower-case everything. */
static size_t kebab_humps(const char *s, size_t n, char *d)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool hump = i + 1 < n &&
                    (lower(s[i]) || (s[i] >= '0' && s[i] <= '9')) &&
                    upper(s[i + 1]);
        d[k++] = upper(s[i]) ? (char)(s[i] - 'A' + 'a') : s[i];
        if (hump) {
            d[k++] = '-';
            d[k++] = (char)(s[i + 1] - 'A' + 'a');
            i++;
        }
    }
    return k;
}

/* Map an Event reason to its trigger name, in a. */
const char *eng_event_trigger(struct arena *a, const char *reason, size_t n)
{
    size_t n1 = kebab_words(reason, n, NULL);
    char *t1 = arena_alloc(a, n1 + 1);
    if (!t1)
        return NULL;
    kebab_words(reason, n, t1);
    char *t2 = arena_alloc(a, 3 + 2 * n1 + 1);
    if (!t2)
        return NULL;
    memcpy(t2, "on-", 3);
    size_t n2 = kebab_humps(t1, n1, t2 + 3);
    t2[3 + n2] = '\0';
    return t2;
}

/* The condition path's rule for one result and destination. */
enum eng_cond_action eng_condition_step(struct eng_state *st, const char *key,
                                        const struct eng_cond_result *r)
{
    if (!r->triggered)
        return eng_state_unset(st, key, r) ? ENG_COND_CLEAR : ENG_COND_NONE;
    return eng_state_has(st, key) ? ENG_COND_ALREADY : ENG_COND_SEND;
}
