/*
 * cmd_check.c: `rnotify check`, validating a configuration
 * (docs/reference/engine.md §9.13).
 *
 * The config module already isolates and records every key that fails to
 * decode, parse or compile, with its position.  check adds what only shows
 * up at send time upstream: triggers sending templates that do not exist,
 * subscriptions and default triggers naming unknown triggers or services,
 * services missing a required setting or with options the services module
 * rejects or does not know, and `$secret` references with no Secret key.
 * Problems are sorted by their line in the ConfigMap file.
 */
#include "cli.h"

#include "../core/err.h"
#include "../core/goyaml.h"
#include "../core/json.h"
#include "../core/limits.h"
#include "../core/mask.h"
#include "../services/service.h"

#include <stdlib.h>
#include <string.h>

struct problem {
    int at;
    const char *text;
};

struct check {
    struct cli *x;
    const struct cfg *cfg; /* with the Secret's real values */
    struct problem *items;
    size_t n, cap;
    bool oom;
};

/* Add a problem's finished text (NULL: out of memory), sorted at line
 * `at`. */
static void push(struct check *k, int at, const char *text)
{
    struct problem p = {at, text};
    if (k->n == k->cap) {
        size_t ncap = k->cap ? k->cap * 2 : 16;
        void *q = k->items ? arena_grow(&k->x->a, k->items, k->cap * sizeof p,
                                        ncap * sizeof p)
                           : arena_alloc(&k->x->a, ncap * sizeof p);
        if (!q) {
            k->oom = true;
            return;
        }
        k->items = q;
        k->cap = ncap;
    }
    if (!p.text)
        k->oom = true;
    else
        k->items[k->n++] = p;
}

static void problem(struct check *k, const char *key, int line, int col,
                    const char *msg)
{
    int at = 0;
    const char *text =
        msg ? cli_problem_text(k->x, key, line, col, msg, &at) : NULL;
    push(k, at, text);
}

#define PROBLEM(k, key, ...)                                                   \
    problem(k, key, 0, 0, arena_printf(&(k)->x->a, __VA_ARGS__))

/* Cross-key problems (a trigger sending a missing template, a
 * subscription or default trigger naming what is not defined) are found
 * by the config module when it loads; check reports them with the rest. */
static void check_warnings(struct check *k)
{
    const struct cfg *c = k->cfg;
    for (size_t i = 0; i < cfg_warning_count(c); i++) {
        const struct cfg_error *w = cfg_warning_at(c, i);
        problem(k, w->key, 0, 0, w->msg);
    }
}

/* Settings a service cannot work without (services document). */
static const struct {
    const char *type, *key;
} required[] = {
    {"slack", "token"},
    {"mattermost", "apiURL"},
    {"webhook", "url"},
    {"teams", "recipientUrls"},
    {"googlechat", "webhooks"},
    {"telegram", "token"},
    {"webex", "token"},
    {"pushover", "token"},
    {"grafana", "apiUrl"},
    {"newrelic", "apiKey"},
    {"pagerdutyv2", "serviceKeys"},
    {"nats", "url"},
};

/* The ConfigMap key that defines service `s`. */
static const char *service_key(struct cli *x, const struct cfg_service *s)
{
    const char *key = strcmp(s->name, s->type) == 0
                          ? arena_printf(&x->a, "service.%s", s->type)
                          : NULL;
    if (key && cli_key_line(x, key) > 0)
        return key;
    return arena_printf(&x->a, "service.%s.%s", s->type, s->name);
}

struct svc_report {
    struct check *k;
    const char *key; /* the service's ConfigMap key */
};

static void svc_problem(void *ud, const char *opt, const char *why)
{
    struct svc_report *r = ud;
    if (opt[0])
        PROBLEM(r->k, r->key, "setting '%s': %s", opt, why);
    else
        PROBLEM(r->k, r->key, "%s", why);
}

/* What the services module says: unknown types and options, options of
 * the wrong type, settings its constructor rejects. */
static void check_services(struct check *k)
{
    const struct cfg *c = k->cfg;
    for (size_t i = 0; i < cfg_service_count(c); i++) {
        const struct cfg_service *s = cfg_service_at(c, i);
        struct svc_report r = {k, NULL};
        if (!s)
            continue;
        r.key = service_key(k->x, s);
        svc_check_config(s, svc_problem, &r);
    }
}

static void check_required(struct check *k)
{
    const struct cfg *c = k->cfg;
    for (size_t i = 0; i < cfg_service_count(c); i++) {
        const struct cfg_service *s = cfg_service_at(c, i);
        for (size_t r = 0; s && r < sizeof required / sizeof required[0]; r++) {
            if (strcmp(s->type, required[r].type) != 0)
                continue;
            const struct val *v = cfg_dec_field(s->opts, required[r].key);
            if (!v || v->kind == VAL_NULL ||
                (v->kind == VAL_STRING && v->len == 0))
                PROBLEM(k, service_key(k->x, s),
                        "required setting '%s' is missing", required[r].key);
        }
    }
}

/* Every `$name` of a service key (broken ones too) that the Secret lacks
 * (docs/reference/engine.md §1.8). */
static void check_secrets(struct check *k)
{
    for (size_t i = 0; i < k->x->cm.n; i++) {
        const struct cfg_entry *en = &k->x->cm.items[i];
        struct goyaml_opts yo = {JSON_NUM_INT64, 0, en->key};
        struct cfg_service refs;
        struct val v;
        if (strncmp(en->key, "service.", 8) != 0 ||
            goyaml_parse(&k->x->a, en->value, en->vlen, &yo, &v, NULL) != RN_OK)
            continue;
        if (cfg_secret_refs(&k->x->a, v, &k->x->sec, &refs) != RN_OK)
            k->oom = true;
        for (size_t j = 0; !k->oom && j < refs.nmissing; j++)
            PROBLEM(k, en->key, "$%s is not a key of the Secret %s",
                    refs.missing[j], CLI_SECRET_NAME);
    }
}

/* The API server refuses a ConfigMap whose data (keys and values) or a
 * Secret whose values (decoded) add up to more than 1 MiB, so such an
 * object can never be applied. */
static void check_size(struct check *k, const struct cfg_data *d, bool secret,
                       const char *file)
{
    size_t total = 0;
    for (size_t i = 0; i < d->n; i++)
        total += d->items[i].vlen + (secret ? 0 : d->items[i].klen);
    if (total <= RN_KUBE_MAX_DATA)
        return;
    const char *what = secret ? "the Secret's values" : "the ConfigMap's data";
    push(k, d->line,
         d->line ? arena_printf(&k->x->a,
                                "%s:%d:%d: data: %s add up to %zu bytes: the "
                                "Kubernetes API refuses more than %u (1 MiB)",
                                file, d->line, d->col, what, total,
                                RN_KUBE_MAX_DATA)
                 : arena_printf(&k->x->a,
                                "%s: data: %s add up to %zu bytes: the "
                                "Kubernetes API refuses more than %u (1 MiB)",
                                file, what, total, RN_KUBE_MAX_DATA));
}

/* Secret values too short to be masked in messages (core/mask.h): a
 * warning, since the configuration itself works. */
static void warn_short_secrets(struct check *k)
{
    struct cli *x = k->x;
    for (size_t i = 0; i < x->sec.n; i++) {
        const struct cfg_entry *en = &x->sec.items[i];
        if (en->vlen >= MASK_MIN_LEN)
            continue;
        fprintf(x->err,
                "%s:%d:%d: warning: Secret key '%.*s' holds %zu byte%s: "
                "values under %d bytes cannot be masked in logs, errors "
                "and Events\n",
                x->secret ? x->secret : CLI_SECRET_NAME, en->key_line,
                en->key_col, (int)en->klen, en->key, en->vlen,
                en->vlen == 1 ? "" : "s", MASK_MIN_LEN);
    }
}

static int problem_cmp(const void *p, const void *q)
{
    const struct problem *a = p, *b = q;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return strcmp(a->text, b->text);
}

static int report(struct check *k)
{
    const struct cfg *c = k->cfg;
    if (k->oom) {
        fprintf(k->x->err, "check: out of memory\n");
        return CLI_ECONFIG;
    }
    if (k->n > 1)
        qsort(k->items, k->n, sizeof *k->items, problem_cmp);
    for (size_t i = 0; i < k->n; i++)
        cli_printf_masked(k->x, k->x->out, "%s\n", k->items[i].text);
    if (k->n) {
        fprintf(k->x->out, "%zu problem%s found\n", k->n, k->n == 1 ? "" : "s");
        return CLI_ECONFIG;
    }
    fprintf(k->x->out,
            "ok: %zu templates, %zu triggers, %zu services, %zu "
            "subscriptions, %zu secret keys\n",
            cfg_template_count(c), cfg_trigger_count(c), cfg_service_count(c),
            cfg_subscription_count(c), k->x->sec.n);
    return CLI_OK;
}

/* Every key that failed to decode, parse or compile. */
static void check_keys(struct check *k)
{
    for (size_t i = 0; i < cfg_error_count(k->cfg); i++) {
        const struct cfg_error *ce = cfg_error_at(k->cfg, i);
        /* decode errors are placed inside the value; template and expr
         * errors inside their field, which their message already says */
        bool in_value = ce->code == RN_ECONFIG;
        problem(k, ce->key, in_value ? ce->line : 0, in_value ? ce->col : 0,
                ce->msg);
    }
}

/* `rnotify check`: exit 0 when clean, 2 when any problem is found.  The
 * configuration is checked with the Secret's real values (a service's
 * options are what it would get); what is printed is masked. */
int cmd_check(struct cli *x, int argc, char **argv)
{
    static const struct option longs[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    struct check k = {x, NULL, NULL, 0, 0, false};
    int rc = CLI_OK;
    x->help = cli_help_check;
    if (cli_getopt(x, argc, argv, CLI_COMMON_SHORT, longs, &rc) == -2)
        return rc;
    if (optind < argc)
        return cli_usage_error(x, "check takes no arguments, got '%s'",
                               argv[optind]);
    x->real_only = true;
    x->no_render = true;
    rc = cli_load_config(x, NULL, true);
    if (rc != CLI_OK)
        return rc;
    k.cfg = cli_config_real(x, false);
    if (!k.cfg)
        return CLI_ECONFIG;
    check_keys(&k);
    check_warnings(&k);
    check_required(&k);
    check_services(&k);
    check_size(&k, &x->cm, false, cli_problem_file(x));
    check_size(&k, &x->sec, true, x->secret ? x->secret : CLI_SECRET_NAME);
    if (x->secret || !x->config_map) {
        check_secrets(&k);
        warn_short_secrets(&k);
    } else {
        fprintf(x->err, "note: no --secret given: $secret references are not "
                        "checked\n");
    }
    return report(&k);
}
