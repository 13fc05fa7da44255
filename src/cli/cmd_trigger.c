/*
 * cmd_trigger.c: `rnotify trigger get` and `rnotify trigger run` (spec
 * docs/reference/engine.md §7.5).
 *
 * `run` prints one row per condition like upstream, with two changes from
 * docs/reference/engine.md §9.21: a condition without `when` reads `always
 * (event-driven)` instead of an empty cell, and --event REASON evaluates the
 * event-driven rule (such a condition sends whenever its event happens) instead
 * of the condition-driven one.
 */
#include "cli.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/json.h"
#include "../engine/engine.h"

#include <string.h>

#define OPT_EVENT 259
#define ALWAYS "always (event-driven)"

/* `"field":"text"` (omitempty) */
static int json_field(struct buf *b, bool *first, const char *k, const char *v)
{
    if (!v[0])
        return RN_OK;
    int rc = buf_add_str(b, *first ? "\"" : ",\"");
    *first = false;
    if (rc == RN_OK)
        rc = buf_add_fmt(b, "%s\":", k);
    return rc == RN_OK ? json_emit_string(b, v, strlen(v), 0) : rc;
}

/* A condition in upstream's field order: oncePer, when, description,
 * send, all omitempty. */
static int condition_json(struct buf *b, const struct cfg_condition *c)
{
    bool first = true;
    int rc = buf_add_char(b, '{');
    if (rc == RN_OK)
        rc = json_field(b, &first, "oncePer", c->once_per);
    if (rc == RN_OK)
        rc = json_field(b, &first, "when", c->when);
    if (rc == RN_OK)
        rc = json_field(b, &first, "description", c->description);
    if (rc == RN_OK && c->nsend)
        rc = buf_add_str(b, first ? "\"send\":[" : ",\"send\":[");
    for (size_t i = 0; rc == RN_OK && i < c->nsend; i++) {
        rc = i ? buf_add_char(b, ',') : RN_OK;
        if (rc == RN_OK)
            rc = json_emit_string(b, c->send[i], strlen(c->send[i]), 0);
    }
    if (rc == RN_OK && c->nsend)
        rc = buf_add_char(b, ']');
    return rc == RN_OK ? buf_add_char(b, '}') : rc;
}

static int trigger_row(struct buf *b, const struct cfg_trigger *t,
                       const char *mode)
{
    int rc = RN_OK;
    if (strcmp(mode, "name") == 0)
        return buf_add_fmt(b, "%s\n", t->name);
    if (mode[0] && strcmp(mode, "wide") != 0) {
        rc = json_emit_string(b, t->name, strlen(t->name), 0);
        if (rc == RN_OK)
            rc = buf_add_str(b, ":[");
        for (size_t i = 0; rc == RN_OK && i < t->n; i++) {
            rc = i ? buf_add_char(b, ',') : RN_OK;
            if (rc == RN_OK)
                rc = condition_json(b, &t->conds[i]);
        }
        return rc == RN_OK ? buf_add_char(b, ']') : rc;
    }
    for (size_t i = 0; rc == RN_OK && i < t->n; i++) {
        const struct cfg_condition *c = &t->conds[i];
        rc = buf_add_fmt(b, "%s\t", i ? "" : t->name);
        for (size_t k = 0; rc == RN_OK && k < c->nsend; k++)
            rc = buf_add_fmt(b, "%s%s", k ? ", " : "", c->send[k]);
        if (rc == RN_OK)
            rc = buf_add_fmt(b, "\t%s\n", c->when);
    }
    return rc;
}

static int print_triggers(struct cli *x, const char *name, const char *mode)
{
    struct buf b;
    bool table = !mode[0] || strcmp(mode, "wide") == 0;
    bool names = strcmp(mode, "name") == 0;
    size_t shown = 0;
    buf_init(&b, 0);
    int rc = buf_add_str(&b, table   ? "NAME\tTEMPLATE\tCONDITION\n"
                             : names ? ""
                                     : "{");
    for (size_t i = 0; rc == RN_OK && i < cfg_trigger_count(x->cfg); i++) {
        const struct cfg_trigger *t = cfg_trigger_at(x->cfg, i);
        if (!t || (name && strcmp(name, t->name) != 0))
            continue;
        if (!table && !names && shown)
            rc = buf_add_char(&b, ',');
        if (rc == RN_OK)
            rc = trigger_row(&b, t, mode);
        shown++;
    }
    if (rc == RN_OK)
        rc = cli_print_listing(x, &b, mode);
    buf_free(&b);
    return rc;
}

/* "trigger with name 'x' does not exist (found a, b)" */
static int no_such_trigger(struct cli *x, const char *name)
{
    fprintf(x->err, "trigger with name '%s' does not exist (found ", name);
    for (size_t i = 0, k = 0; i < cfg_trigger_count(x->cfg); i++) {
        const struct cfg_trigger *t = cfg_trigger_at(x->cfg, i);
        if (t)
            fprintf(x->err, "%s%s", k++ ? ", " : "", t->name);
    }
    fputs(")\n", x->err);
    return CLI_ECONFIG;
}

/* The CONDITION/RESULT table.  event: the trigger the simulated event
 * runs, or NULL for the condition-driven view. */
static int print_results(struct cli *x, const struct cfg_trigger *t,
                         const struct eng_cond_result *r, const char *event)
{
    struct buf b;
    bool ours = event && strcmp(event, t->name) == 0, hint = false;
    buf_init(&b, 0);
    int rc = buf_add_str(&b, "CONDITION\tRESULT\n");
    for (size_t i = 0; rc == RN_OK && i < t->n; i++) {
        bool res = event ? ours && eng_event_sends(&r[i]) : r[i].triggered;
        const char *when = t->conds[i].when;
        hint |= !event && r[i].empty_when;
        rc = buf_add_fmt(&b, "%s\t%s\n", when[0] ? when : ALWAYS,
                         res ? "true" : "false");
        if (r[i].when_error)
            cli_printf_masked(x, x->err,
                              "warning: condition [%zu] of %s failed: %s\n", i,
                              t->name, r[i].when_error);
        if (r[i].once_error)
            cli_printf_masked(
                x, x->err, "warning: oncePer of condition [%zu] failed: %s\n",
                i, r[i].once_error);
    }
    if (rc == RN_OK)
        rc = cli_mask_secrets(x, &b);
    if (rc == RN_OK)
        rc = cli_tabwrite(x->out, buf_str(&b), b.len);
    buf_free(&b);
    if (hint)
        fprintf(x->err, "note: a condition without `when` sends only when "
                        "its event happens; simulate one with --event "
                        "REASON\n");
    if (event && !ours)
        fprintf(x->err,
                "note: that event runs trigger '%s', not '%s': "
                "nothing would be sent\n",
                event, t->name);
    return rc;
}

static int run_trigger(struct cli *x, const char *name, const char *res,
                       const char *event)
{
    const struct cfg_trigger *t;
    struct eng_cond_result *r;
    struct val obj, vars;
    struct rn_err e;
    size_t n;
    rn_err_clear(&e);
    int rc = cfg_trigger_lookup(x->cfg, name, &t, &e);
    if (rc == RN_ENOTFOUND)
        return no_such_trigger(x, name);
    if (rc != RN_OK) {
        fprintf(x->err, "failed to execute trigger %s: %s\n", name, e.msg);
        return CLI_ECONFIG;
    }
    rc = cli_load_resource(x, res, &obj);
    if (rc != CLI_OK)
        return rc;
    const char *ev =
        event ? eng_event_trigger(&x->a, event, strlen(event)) : NULL;
    if ((event && !ev) || eng_vars(x->cfg, obj, NULL, &x->a, &vars) != RN_OK ||
        eng_conditions_run(t, vars, &x->a, &r, &n) != RN_OK ||
        print_results(x, t, r, ev) != RN_OK) {
        fprintf(x->err, "failed to execute trigger %s: out of memory\n", name);
        return CLI_ESEND;
    }
    return CLI_OK;
}

static int trigger_run(struct cli *x, int argc, char **argv)
{
    static const struct option longs[] = {
        CLI_COMMON_OPTIONS,
        {"event", required_argument, NULL, OPT_EVENT},
        {0, 0, 0, 0}};
    const char *event = NULL;
    int c, rc = CLI_OK;
    x->help = cli_help_trigger_run;
    while ((c = cli_getopt(x, argc, argv, CLI_COMMON_SHORT, longs, &rc)) >= 0)
        event = optarg;
    if (c == -2)
        return rc;
    if (argc - optind < 2)
        return cli_usage_error(x, "expected two arguments, got %d",
                               argc - optind);
    if (event && !event[0])
        return cli_usage_error(x, "--event needs a reason, e.g. "
                                  "RolloutCompleted");
    x->no_render = true; /* conditions only */
    rc = cli_load_config(x, "failed to get api", false);
    if (rc != CLI_OK)
        return rc;
    return run_trigger(x, argv[optind], argv[optind + 1], event);
}

/* `rnotify trigger get|run`. */
int cmd_trigger(struct cli *x, int argc, char **argv)
{
    const char *sub = strchr(x->cmd, ' ') + 1;
    if (strcmp(sub, "get") == 0) {
        x->help = cli_help_trigger_get;
        return cli_get_command(x, argc, argv, print_triggers);
    }
    if (strcmp(sub, "run") == 0)
        return trigger_run(x, argc, argv);
    x->cmd = "trigger";
    return cli_usage_error(x, "unknown command \"%s\" for \"rnotify trigger\"",
                           sub);
}
