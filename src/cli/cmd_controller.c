/*
 * cmd_controller.c: `rnotify controller`, the flags of a Kubernetes
 * controller turned into struct ctl_opts, logging set up, and ctl_run.
 *
 * Flags follow Go's flag package as Kubernetes controllers use it:
 * `--flag value` or `--flag=value`, booleans as `--flag` or
 * `--flag=false`, durations as Go durations (`15s`, `1h`).
 */
#include "cli.h"

#include "../controller/controller.h"
#include "../core/err.h"
#include "../core/gotime.h"
#include "../core/log.h"

#include <stdlib.h>
#include <string.h>

enum {
    O_KUBECONFIG = 300,
    O_CONTEXT,
    O_CONFIG_NS,
    O_CONFIG_MAP,
    O_SECRET,
    O_SELF_SERVICE,
    O_METRICS,
    O_HEALTH,
    O_STATUS,
    O_LEADER,
    O_LEASE_NAME,
    O_LEASE_NS,
    O_IDENTITY,
    O_LEASE_DURATION,
    O_RENEW,
    O_RETRY,
    O_CATCH_UP,
    O_DEADLINE,
    O_RESYNC,
    O_LOG_FORMAT,
    O_LOG_LEVEL,
    O_DRY_RUN,
};

static const struct option longs[] = {
    {"kubeconfig", required_argument, NULL, O_KUBECONFIG},
    {"context", required_argument, NULL, O_CONTEXT},
    {"namespace", required_argument, NULL, 'n'},
    {"config-namespace", required_argument, NULL, O_CONFIG_NS},
    {"config-map", required_argument, NULL, O_CONFIG_MAP},
    {"secret", required_argument, NULL, O_SECRET},
    {"self-service-notification-enabled", optional_argument, NULL,
     O_SELF_SERVICE},
    {"metrics-addr", required_argument, NULL, O_METRICS},
    {"health-addr", required_argument, NULL, O_HEALTH},
    {"status-addr", required_argument, NULL, O_STATUS},
    {"leader-elect", optional_argument, NULL, O_LEADER},
    {"lease-name", required_argument, NULL, O_LEASE_NAME},
    {"lease-namespace", required_argument, NULL, O_LEASE_NS},
    {"identity", required_argument, NULL, O_IDENTITY},
    {"lease-duration", required_argument, NULL, O_LEASE_DURATION},
    {"renew-deadline", required_argument, NULL, O_RENEW},
    {"retry-period", required_argument, NULL, O_RETRY},
    {"catch-up-window", required_argument, NULL, O_CATCH_UP},
    {"delivery-deadline", required_argument, NULL, O_DEADLINE},
    {"resync-period", required_argument, NULL, O_RESYNC},
    {"log-format", required_argument, NULL, O_LOG_FORMAT},
    {"log-level", required_argument, NULL, O_LOG_LEVEL},
    {"dry-run", optional_argument, NULL, O_DRY_RUN},
    {"help", no_argument, NULL, 'h'},
    {0, 0, 0, 0},
};

/* Go's strconv.ParseBool, as flag.BoolVar reads `--x=value`. */
static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
    static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
    if (!s) {
        *out = true;
        return 0;
    }
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(s, yes[i]) == 0)
            return *out = true, 0;
        if (strcmp(s, no[i]) == 0)
            return *out = false, 0;
    }
    return -1;
}

static int parse_dur(struct cli *x, const char *flag, const char *s,
                     int64_t *ms)
{
    int64_t ns;
    struct rn_err e;
    rn_err_clear(&e);
    if (gotime_parse_duration(s, strlen(s), &ns, &e) != RN_OK || ns < 0)
        return cli_usage_error(x, "invalid value \"%s\" for flag --%s: %s", s,
                               flag, e.msg[0] ? e.msg : "negative duration");
    *ms = ns / 1000000;
    return CLI_OK;
}

struct logcfg {
    const char *format, *level;
};

/* One flag into o; CLI_OK or a usage error. */
static int apply(struct cli *x, int c, struct ctl_opts *o, struct logcfg *lc)
{
    switch (c) {
    case O_KUBECONFIG:
        o->kubeconfig = optarg;
        return CLI_OK;
    case O_CONTEXT:
        o->context = optarg;
        return CLI_OK;
    case 'n':
        o->namespace = *optarg ? optarg : NULL;
        return CLI_OK;
    case O_CONFIG_NS:
        o->config_namespace = optarg;
        return CLI_OK;
    case O_CONFIG_MAP:
        o->config_map = optarg;
        return CLI_OK;
    case O_SECRET:
        o->secret = optarg;
        return CLI_OK;
    case O_METRICS:
        o->metrics_addr = optarg;
        return CLI_OK;
    case O_HEALTH:
        o->health_addr = optarg;
        return CLI_OK;
    case O_STATUS:
        o->status_addr = *optarg ? optarg : NULL;
        return CLI_OK;
    case O_LEASE_NAME:
        o->lease_name = optarg;
        return CLI_OK;
    case O_LEASE_NS:
        o->lease_namespace = optarg;
        return CLI_OK;
    case O_IDENTITY:
        o->identity = optarg;
        return CLI_OK;
    case O_LOG_FORMAT:
        lc->format = optarg;
        return CLI_OK;
    case O_LOG_LEVEL:
        lc->level = optarg;
        return CLI_OK;
    case O_LEASE_DURATION:
        return parse_dur(x, "lease-duration", optarg, &o->lease_duration_ms);
    case O_RENEW:
        return parse_dur(x, "renew-deadline", optarg, &o->renew_deadline_ms);
    case O_RETRY:
        return parse_dur(x, "retry-period", optarg, &o->retry_period_ms);
    case O_CATCH_UP:
        return parse_dur(x, "catch-up-window", optarg, &o->catch_up_window_ms);
    case O_DEADLINE:
        return parse_dur(x, "delivery-deadline", optarg,
                         &o->delivery_deadline_ms);
    case O_RESYNC:
        return parse_dur(x, "resync-period", optarg, &o->resync_ms);
    }
    bool *b = c == O_SELF_SERVICE ? &o->self_service
              : c == O_LEADER     ? &o->leader_elect
                                  : &o->dry_run;
    if (parse_bool(optarg, b) != 0)
        return cli_usage_error(x, "invalid boolean value \"%s\"", optarg);
    return CLI_OK;
}

/* The constraints client-go puts on the election's durations. */
static int check(struct cli *x, const struct ctl_opts *o,
                 const struct logcfg *lc)
{
    if (lc->level && log_level_parse(lc->level) < 0)
        return cli_usage_error(x,
                               "unknown --log-level \"%s\" (debug, info, "
                               "warn, error)",
                               lc->level);
    if (lc->format && log_format_parse(lc->format) < 0)
        return cli_usage_error(x, "unknown --log-format \"%s\" (text, json)",
                               lc->format);
    if (o->leader_elect &&
        !(o->lease_duration_ms > o->renew_deadline_ms &&
          o->renew_deadline_ms * 10 > o->retry_period_ms * 12))
        return cli_usage_error(x, "--lease-duration must be greater than "
                                  "--renew-deadline, and --renew-deadline "
                                  "greater than 1.2 x --retry-period");
    if (o->delivery_deadline_ms <= 0)
        return cli_usage_error(x, "--delivery-deadline must be positive");
    return CLI_OK;
}

int cmd_controller(struct cli *x, int argc, char **argv)
{
    struct ctl_opts o;
    struct logcfg lc = {NULL, NULL};
    ctl_opts_default(&o);
    x->help = cli_help_controller;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "n:h", longs, NULL);
        if (c == -1)
            break;
        if (c == 'h') {
            fputs(x->help, x->out);
            return CLI_OK;
        }
        if (c == '?')
            return cli_usage_error(x, "unknown flag: %s", argv[optind - 1]);
        int rc = apply(x, c, &o, &lc);
        if (rc != CLI_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(x, "unexpected argument \"%s\"", argv[optind]);
    int rc = check(x, &o, &lc);
    if (rc != CLI_OK)
        return rc;
    log_setup(lc.level ? (enum log_level)log_level_parse(lc.level) : LOG_INFO,
              lc.format ? (enum log_format)log_format_parse(lc.format)
                        : LOG_TEXT,
              x->err);
    return ctl_run(&o);
}
