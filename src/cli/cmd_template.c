/*
 * cmd_template.c: `rnotify template get` and `rnotify template notify`
 * (docs/reference/engine.md §7.5).
 *
 * `get` shows templates as upstream holds them before rendering: its
 * Notification struct with the source texts, marshalled in struct field
 * order with omitempty (the engine's JSON writer does that for a
 * notification, so the source tree is wrapped as one).  `notify` renders
 * one template per recipient; the built-in console service prints the
 * result, rendered with Secret placeholders, as YAML; every other
 * service gets the real values and is delivered by the services module
 * (svc_send, blocking, with its retry rules).
 */
#include "cli.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/gofmt.h"
#include "../core/gotime.h"
#include "../core/json.h"
#include "../engine/engine.h"
#include "../services/service.h"

#include <string.h>

#define OPT_RECIPIENT 258
#define OPT_DEADLINE 259
#define PREVIEW_MAX 100
#define DEFAULT_DEADLINE_MS 30000

static int template_json(struct cli *x, const struct cfg_template *t,
                         struct buf *b)
{
    struct val root;
    int rc = cfg_template_source(&x->a, t, &root);
    struct notif *n = rc == RN_OK ? eng_notif_wrap(&x->a, root) : NULL;
    return n ? eng_notif_json(n, b) : RN_ENOMEM;
}

/* First line of the message (or of the JSON), at most 100 bytes. */
static int preview(struct cli *x, const struct cfg_template *t, struct buf *row)
{
    struct buf js;
    struct val m = cfg_template_message(&x->a, t);
    buf_init(&js, 0);
    int rc = RN_OK;
    if (m.len == 0) {
        rc = template_json(x, t, &js);
        m = val_str(buf_str(&js), js.len);
    }
    const char *nl = memchr(m.u.s, '\n', m.len);
    size_t len = nl ? (size_t)(nl - m.u.s) : m.len;
    if (rc == RN_OK && len > PREVIEW_MAX)
        rc = buf_add_fmt(row, "%.*s...", PREVIEW_MAX - 1, m.u.s);
    else if (rc == RN_OK)
        rc = buf_add(row, m.u.s, len);
    buf_free(&js);
    return rc;
}

/* Compact JSON (struct order kept) printed as -o json or -o yaml. */
int cli_print_json_text(struct cli *x, const char *s, size_t n,
                        const char *mode)
{
    struct buf out;
    struct val v;
    struct json_opts jo = {JSON_NUM_INT64, 0, 0};
    if (strcmp(mode, "yaml") == 0) {
        int rc = json_parse(&x->a, s, n, &jo, &v, NULL);
        return rc == RN_OK ? cli_print_value(x, v, "yaml") : rc;
    }
    buf_init(&out, 0);
    int rc = cli_json_indent(&out, s, n);
    if (rc == RN_OK)
        rc = buf_add_char(&out, '\n');
    if (rc == RN_OK)
        rc = cli_write_masked(x, x->out, &out);
    buf_free(&out);
    return rc;
}

static int print_templates(struct cli *x, const char *name, const char *mode)
{
    struct buf b;
    bool table = !mode[0] || strcmp(mode, "wide") == 0;
    bool names = strcmp(mode, "name") == 0;
    bool first = true;
    buf_init(&b, 0);
    int rc = buf_add_str(&b, table ? "NAME\tPREVIEW\n" : names ? "" : "{");
    for (size_t i = 0; rc == RN_OK && i < cfg_template_count(x->cfg); i++) {
        const struct cfg_template *t = cfg_template_at(x->cfg, i);
        if (!t || (name && strcmp(name, t->name) != 0))
            continue;
        if (table || names) {
            rc = buf_add_fmt(&b, table ? "%s\t" : "%s\n", t->name);
            if (rc == RN_OK && table)
                rc = preview(x, t, &b);
            if (rc == RN_OK && table)
                rc = buf_add_char(&b, '\n');
            continue;
        }
        rc = first ? RN_OK : buf_add_char(&b, ',');
        first = false;
        if (rc == RN_OK)
            rc = json_emit_string(&b, t->name, strlen(t->name), 0);
        if (rc == RN_OK)
            rc = buf_add_char(&b, ':');
        if (rc == RN_OK)
            rc = template_json(x, t, &b);
    }
    if (rc == RN_OK)
        rc = cli_print_listing(x, &b, mode);
    buf_free(&b);
    return rc;
}

/* The console service: the notification as YAML on stdout. */
static int console_send(struct cli *x, const struct notif *n, struct rn_err *e)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = eng_notif_yaml(n, &b);
    if (rc == RN_OK)
        rc = cli_write_masked(x, x->out, &b);
    buf_free(&b);
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "%s", rn_strstatus(rc));
}

/* A configured service: decode its options and deliver, blocking, within
 * --delivery-deadline (no wait a server asks for runs past it). */
static int service_send(struct cli *x, const struct cfg_service *svc,
                        const struct notif *n, const struct eng_dest *d,
                        struct rn_err *e)
{
    struct svc_instance *inst = NULL;
    struct svc_result r;
    struct svc_opts o;
    int rc = svc_instance_new(svc, &inst, e);
    if (rc != RN_OK)
        return rc;
    svc_opts_default(&o);
    o.deadline_ms = x->delivery_deadline_ms;
    rc = svc_send(inst, n, d, &o, &r);
    svc_instance_free(inst);
    return rc == RN_OK ? RN_OK : rn_errf(e, rc, "%s", r.msg);
}

/* api.Send(): the service, then rendering, then the delivery.  The
 * console shows what placeholders render to; a service gets the real
 * Secret values. */
static int notify_one(struct cli *x, const char *name, struct val obj,
                      const struct eng_dest *d, struct rn_err *e)
{
    const struct cfg_service *svc = NULL;
    bool console = strcmp(d->service, "console") == 0;
    struct cfg *cfg = console ? x->cfg : cli_config_real(x, true);
    struct val vars;
    struct notif *n;
    if (!cfg)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    int rc = console ? RN_OK : cfg_service_lookup(cfg, d->service, &svc, e);
    if (rc != RN_OK)
        return rc;
    rc = eng_vars(cfg, obj, NULL, &x->a, &vars);
    if (rc == RN_OK)
        rc = eng_vars_send(&x->a, vars, d, &vars);
    if (rc != RN_OK)
        return rn_errf(e, rc, "out of memory");
    rc = eng_notif_render(cfg, &name, 1, vars, &x->a, &n, e);
    if (rc != RN_OK)
        return rc;
    if (console)
        return console_send(x, n, e);
    return service_send(x, svc, n, d, e);
}

/* What upstream's split on every ':' keeps as the recipient. */
static const char *upstream_recipient(struct cli *x, const char *s)
{
    struct eng_dest d;
    eng_parse_recipient(&x->a, s, ENG_DEST_COLON_EVERY, &d);
    return d.recipient;
}

static int notify_all(struct cli *x, const char *name, struct val obj,
                      const char **recips, size_t nrecips)
{
    for (size_t i = 0; i < nrecips; i++) {
        struct eng_dest d;
        struct rn_err e;
        rn_err_clear(&e);
        if (eng_parse_recipient(&x->a, recips[i], 0, &d))
            fprintf(x->err,
                    "warning: recipient '%s' is split at its first ':' "
                    "(Argo Rollouts would keep only '%s')\n",
                    recips[i], upstream_recipient(x, recips[i]));
        if (notify_one(x, name, obj, &d, &e) != RN_OK) {
            struct buf b;
            buf_init(&b, 0);
            buf_add_fmt(&b, "failed to notify '%s': %s\n", recips[i], e.msg);
            cli_write_masked(x, x->err, &b);
            buf_free(&b);
            return CLI_ESEND;
        }
    }
    return CLI_OK;
}

/* --delivery-deadline: a positive Go duration, kept in milliseconds. */
static int deadline_flag(struct cli *x, const char *arg)
{
    int64_t ns = 0;
    struct rn_err e;
    rn_err_clear(&e);
    if (gotime_parse_duration(arg, strlen(arg), &ns, &e) != RN_OK)
        return cli_usage_error(x,
                               "invalid argument \"%s\" for "
                               "\"--delivery-deadline\" flag: %s",
                               arg, e.msg);
    if (ns < 1000000)
        return cli_usage_error(x,
                               "invalid argument \"%s\" for "
                               "\"--delivery-deadline\" flag: must be at "
                               "least 1ms",
                               arg);
    x->delivery_deadline_ms = ns / 1000000;
    return CLI_OK;
}

static int template_notify(struct cli *x, int argc, char **argv)
{
    static const struct option longs[] = {
        CLI_COMMON_OPTIONS,
        {"recipient", required_argument, NULL, OPT_RECIPIENT},
        {"delivery-deadline", required_argument, NULL, OPT_DEADLINE},
        {0, 0, 0, 0}};
    const char **recips = arena_alloc(&x->a, (size_t)argc * sizeof *recips);
    size_t nrecips = 0;
    int c, rc = CLI_OK;
    struct val obj;
    x->help = cli_help_template_notify;
    if (!recips)
        return CLI_EUSAGE;
    x->delivery_deadline_ms = DEFAULT_DEADLINE_MS;
    while ((c = cli_getopt(x, argc, argv, CLI_COMMON_SHORT, longs, &rc)) >= 0) {
        if (c == OPT_DEADLINE && deadline_flag(x, optarg) != CLI_OK)
            return CLI_EUSAGE;
        if (c == OPT_RECIPIENT)
            recips[nrecips++] = optarg;
    }
    if (c == -2)
        return rc;
    if (argc - optind < 2)
        return cli_usage_error(x, "expected two arguments, got %d",
                               argc - optind);
    if (nrecips == 0)
        recips[nrecips++] = "console:stdout";
    rc = cli_load_config(x, "failed to create API", false);
    if (rc == CLI_OK)
        rc = cli_load_resource(x, argv[optind + 1], &obj);
    if (rc == CLI_OK)
        rc = notify_all(x, argv[optind], obj, recips, nrecips);
    return rc;
}

/* `rnotify template get|notify`: the subcommand is the second word of
 * x->cmd. */
int cmd_template(struct cli *x, int argc, char **argv)
{
    const char *sub = strchr(x->cmd, ' ') + 1;
    if (strcmp(sub, "get") == 0) {
        x->help = cli_help_template_get;
        return cli_get_command(x, argc, argv, print_templates);
    }
    if (strcmp(sub, "notify") == 0)
        return template_notify(x, argc, argv);
    x->cmd = "template";
    return cli_usage_error(x, "unknown command \"%s\" for \"rnotify template\"",
                           sub);
}
