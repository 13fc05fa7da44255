/*
 * cmd_explain.c: `rnotify explain RESOURCE`: why an object would or would
 * not be notified, and what it would get.
 *
 * The answer walks the engine's own decisions: destinations per trigger
 * with where each came from (the engine records provenance on request),
 * every condition's value or error, oncePer, the send rule of the chosen
 * path (condition-driven with the object's notified state, or event-driven
 * with --event), the rendered notification per destination, and why its
 * delivery would fail when it would (a service that is not configured,
 * a `$secret` the Secret lacks, options the service refuses).  What is
 * rendered uses Secret placeholders; all of it is collected in one buffer
 * and masked before printing, so no Secret value reaches the terminal.
 */
#include "cli.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../engine/engine.h"
#include "../services/service.h"

#include <string.h>

#define OPT_EVENT 259

struct explain {
    struct cli *x;
    struct val obj, vars;
    struct eng_state *state;
    const char *event; /* trigger of --event, or NULL */
    struct buf o;
    int rc;      /* RN_* of the buffer */
    bool failed; /* a render failed: exit 4 */
};

#define SAY(k, ...)                                                            \
    do {                                                                       \
        if ((k)->rc == RN_OK)                                                  \
            (k)->rc = buf_add_fmt(&(k)->o, __VA_ARGS__);                       \
    } while (0)

/* "service:recipient", or just the service for an empty recipient. */
static const char *dest_text(struct explain *k, const struct eng_dest *d)
{
    if (!d->recipient[0])
        return d->service;
    const char *s = arena_printf(&k->x->a, "%s:%s", d->service, d->recipient);
    return s ? s : d->service;
}

static const char *meta_str(struct val obj, const char *field)
{
    const struct val *m = val_get_cstr(obj, "metadata");
    const struct val *v = m ? val_get_cstr(*m, field) : NULL;
    return v && v->kind == VAL_STRING ? v->u.s : "";
}

/* Add text indented by `ind` spaces on every line. */
static void say_indented(struct explain *k, const char *s, size_t n, int ind)
{
    bool ends_nl = n == 0 || s[n - 1] == '\n';
    while (n > 0 && k->rc == RN_OK) {
        const char *nl = memchr(s, '\n', n);
        size_t l = nl ? (size_t)(nl - s) + 1 : n;
        SAY(k, "%*s%.*s", ind, "", (int)l, s);
        s += l;
        n -= l;
    }
    if (!ends_nl)
        SAY(k, "\n");
}

static void render_for(struct explain *k, const struct eng_cond_result *r,
                       const struct eng_dest *d)
{
    struct val vars;
    struct notif *n;
    struct rn_err e;
    struct buf y;
    rn_err_clear(&e);
    buf_init(&y, 0);
    int rc = eng_vars_send(&k->x->a, k->vars, d, &vars);
    if (rc == RN_OK)
        rc = eng_notif_render(k->x->cfg, r->templates, r->ntemplates, vars,
                              &k->x->a, &n, &e);
    if (rc == RN_OK)
        rc = eng_notif_yaml(n, &y);
    if (rc == RN_OK) {
        SAY(k, "      notification for %s:\n", dest_text(k, d));
        say_indented(k, buf_str(&y), y.len, 8);
    } else {
        SAY(k, "      failed to render for %s: %s\n", dest_text(k, d),
            e.msg[0] ? e.msg : rn_strstatus(rc));
        k->failed = true;
    }
    buf_free(&y);
}

/* Why a delivery to d would fail although it renders: the service is
 * not configured, its options name `$secret` keys the Secret lacks (so
 * the literal "$name" would be sent), or the services module refuses its
 * options.  NULL when nothing stands in its way. */
static const char *delivery_problem(struct explain *k, const struct eng_dest *d)
{
    struct cli *x = k->x;
    const struct cfg *real = cli_config_real(x, false);
    const struct cfg_service *svc;
    struct svc_instance *inst = NULL;
    struct rn_err e;
    rn_err_clear(&e);
    if (!real)
        return "out of memory";
    if (cfg_service_lookup(real, d->service, &svc, &e) != RN_OK)
        return arena_strdup(&x->a, e.msg);
    if (svc->nmissing)
        return arena_printf(&x->a,
                            "service '%s' uses $%s, which the Secret %s "
                            "does not have",
                            svc->name, svc->missing[0], CLI_SECRET_NAME);
    if (svc_instance_new(svc, &inst, &e) != RN_OK)
        return arena_strdup(&x->a, e.msg);
    svc_instance_free(inst);
    return NULL;
}

/* Whether the condition sends to d, and why (condition path: the
 * notified state decides repeats). */
static bool sends_to(struct explain *k, const char *trigger,
                     const struct eng_cond_result *r, const struct eng_dest *d,
                     const char **why)
{
    if (k->event) {
        *why = r->empty_when ? "no `when`: the event always sends"
                             : "`when` is true at the event";
        return eng_event_sends(r);
    }
    const char *key = eng_state_key(&k->x->a, NULL, trigger, r, d);
    if (key && eng_state_has(k->state, key)) {
        *why = "already notified (recorded in " ENG_NOTIFIED_ANNOTATION ")";
        return false;
    }
    *why = "`when` turned true and was not notified yet";
    return r->triggered;
}

static const char *value_text(const struct explain *k,
                              const struct eng_cond_result *r)
{
    if (r->when_error)
        return NULL;
    if (r->empty_when)
        return k->event ? "always (event-driven)"
                        : "false (no `when`: sends only when its event "
                          "happens; try --event REASON)";
    return r->triggered ? "true" : "false";
}

static void explain_condition(struct explain *k, const struct cfg_condition *c,
                              const struct eng_cond_result *r,
                              const struct eng_trigger_dests *td)
{
    const char *v = value_text(k, r);
    SAY(k, "  condition %.*s\n", (int)(strchr(r->key, '.') - r->key), r->key);
    SAY(k, "    when:    %s\n", c->when[0] ? c->when : "(empty)");
    if (v)
        SAY(k, "    value:   %s\n", v);
    else {
        SAY(k, "    value:   false: the expression failed:\n");
        say_indented(k, r->when_error, strlen(r->when_error), 6);
    }
    if (c->once_per[0] && r->once_error)
        SAY(k, "    oncePer: %s = error: %s\n", c->once_per, r->once_error);
    else if (c->once_per[0])
        SAY(k, "    oncePer: %s = %s\n", c->once_per,
            r->triggered ? r->once_per : "(evaluated only when true)");
    SAY(k, "    send:    ");
    for (size_t i = 0; i < r->ntemplates; i++)
        SAY(k, "%s%s", i ? ", " : "", r->templates[i]);
    SAY(k, "%s\n", r->ntemplates ? "" : "(no templates)");
    for (size_t i = 0; i < td->n; i++) {
        const char *why;
        bool send = sends_to(k, td->trigger, r, &td->dests[i], &why);
        SAY(k, "    -> %s: %s\n", dest_text(k, &td->dests[i]),
            send ? "SENDS" : "not sent");
        if (send || (!k->event && r->triggered))
            SAY(k, "       (%s)\n", why);
        if (send)
            render_for(k, r, &td->dests[i]);
        const char *why_not = send ? delivery_problem(k, &td->dests[i]) : NULL;
        if (why_not) {
            SAY(k, "      the delivery would fail: %s\n", why_not);
            k->failed = true;
        }
    }
}

static void explain_trigger(struct explain *k,
                            const struct eng_trigger_dests *td)
{
    const struct cfg_trigger *t;
    struct eng_cond_result *r;
    struct rn_err e;
    size_t n;
    rn_err_clear(&e);
    SAY(k, "\nTrigger %s\n  destinations:\n", td->trigger);
    for (size_t i = 0; i < td->n; i++)
        SAY(k, "    %s  <- %s\n", dest_text(k, &td->dests[i]),
            td->dests[i].origin ? td->dests[i].origin : "?");
    int rc = cfg_trigger_lookup(k->x->cfg, td->trigger, &t, &e);
    if (rc != RN_OK) {
        SAY(k, "  %s: nothing is sent\n", e.msg);
        return;
    }
    if (eng_conditions_run(t, k->vars, &k->x->a, &r, &n) != RN_OK) {
        k->rc = RN_ENOMEM;
        return;
    }
    if (n == 0)
        SAY(k, "  (the trigger has no conditions: nothing is sent)\n");
    for (size_t i = 0; i < n; i++)
        explain_condition(k, &t->conds[i], &r[i], td);
}

static void explain_header(struct explain *k, const struct eng_dests *d,
                           const char *reason)
{
    const struct val *kind = val_get_cstr(k->obj, "kind");
    const char *ns = meta_str(k->obj, "namespace");
    SAY(k, "%s %s%s%s\n", kind->u.s, ns, ns[0] ? "/" : "",
        meta_str(k->obj, "name"));
    if (k->event)
        SAY(k, "Event %s runs trigger %s (event-driven path).\n", reason,
            k->event);
    else
        SAY(k, "Condition-driven path: every trigger with a destination is "
               "evaluated\n(simulate an Argo Rollouts event with --event "
               "REASON).\n");
    if (d->n == 0)
        SAY(k, "\nNo destinations: no default subscription matches and no "
               "notifications.argoproj.io/subscribe.<trigger>.<service> "
               "annotation is set,\nso nothing is sent.\n");
}

static int explain_run(struct explain *k, const char *reason)
{
    struct eng_dests d;
    struct cli *x = k->x;
    const char *ann = NULL;
    const struct val *m = val_get_cstr(k->obj, "metadata");
    const struct val *as = m ? val_get_cstr(*m, "annotations") : NULL;
    const struct val *st =
        as ? val_get_cstr(*as, ENG_NOTIFIED_ANNOTATION) : NULL;
    bool valid;
    if (st && st->kind == VAL_STRING)
        ann = st->u.s;
    k->rc = eng_destinations(x->cfg, k->obj, ENG_DEST_DEDUP | ENG_DEST_ORIGIN,
                             &x->a, &d);
    if (k->rc == RN_OK)
        k->rc = eng_state_parse(&x->a, ann, ann ? strlen(ann) : 0, &k->state,
                                &valid);
    if (k->rc == RN_OK)
        k->rc = eng_vars(x->cfg, k->obj, NULL, &x->a, &k->vars);
    explain_header(k, &d, reason);
    const struct eng_trigger_dests *only =
        k->event ? eng_dests_find(&d, k->event) : NULL;
    if (k->event && !only && d.n)
        SAY(k,
            "\nNo destination subscribes to trigger %s, so the event "
            "sends nothing.\n",
            k->event);
    for (size_t i = 0; i < d.n; i++)
        if (!k->event || &d.items[i] == only)
            explain_trigger(k, &d.items[i]);
    return k->rc;
}

/* `rnotify explain RESOURCE [--event REASON]`. */
int cmd_explain(struct cli *x, int argc, char **argv)
{
    static const struct option longs[] = {
        CLI_COMMON_OPTIONS,
        {"event", required_argument, NULL, OPT_EVENT},
        {0, 0, 0, 0}};
    struct explain k;
    const char *reason = NULL;
    int c, rc = CLI_OK;
    memset(&k, 0, sizeof k);
    k.x = x;
    x->help = cli_help_explain;
    while ((c = cli_getopt(x, argc, argv, CLI_COMMON_SHORT, longs, &rc)) >= 0)
        reason = optarg;
    if (c == -2)
        return rc;
    if (argc - optind != 1)
        return cli_usage_error(x, "expected one argument, got %d",
                               argc - optind);
    if (reason && !reason[0])
        return cli_usage_error(x, "--event needs a reason, e.g. "
                                  "RolloutCompleted");
    rc = cli_load_config(x, "failed to get api", false);
    if (rc == CLI_OK)
        rc = cli_load_resource(x, argv[optind], &k.obj);
    if (rc != CLI_OK)
        return rc;
    if (reason)
        k.event = eng_event_trigger(&x->a, reason, strlen(reason));
    buf_init(&k.o, 0);
    if ((reason && !k.event) || explain_run(&k, reason) != RN_OK ||
        cli_write_masked(x, x->out, &k.o) != RN_OK) {
        fprintf(x->err, "explain: out of memory\n");
        rc = CLI_ESEND;
    }
    buf_free(&k.o);
    return rc != CLI_OK ? rc : k.failed ? CLI_ESEND : CLI_OK;
}
