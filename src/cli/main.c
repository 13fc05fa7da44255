/*
 * main.c: the rnotify command line: finding the command, the options every
 * command shares, usage errors, and the exit code.
 *
 * The command words ("template get") may come after global flags
 * (`rnotify --config-map cm.yaml template get`), as with cobra's persistent
 * flags, so main() first picks the command words out of argv and hands the
 * rest, flags and positionals, to the command, which parses it with
 * getopt_long (GNU permutation: flags may follow positionals).
 */
#include "cli.h"

#include "../core/err.h"
#include "../core/mask.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* CMake passes these (CMakeLists.txt); the fallbacks are for builds
 * without it. */
#ifndef RN_VERSION
#define RN_VERSION "0.1.0"
#endif
#ifndef RN_GIT_COMMIT
#define RN_GIT_COMMIT "unknown"
#endif
#ifndef RN_BUILD_FLAGS
#define RN_BUILD_FLAGS "unknown"
#endif

/* Usage errors go to stderr in cobra's shape; the exit code is CLI_EUSAGE. */
int cli_usage_error(struct cli *x, const char *fmt, ...)
{
    va_list ap;
    fputs("Error: ", x->err);
    va_start(ap, fmt);
    vfprintf(x->err, fmt, ap);
    va_end(ap);
    fprintf(x->err, "\nRun 'rnotify %s%s--help' for usage.\n",
            x->cmd ? x->cmd : "", x->cmd && x->cmd[0] ? " " : "");
    return CLI_EUSAGE;
}

/* Whether the option that getopt refused exists (so its argument is
 * missing) rather than being unknown. */
static bool known_option(int opt, const char *shorts,
                         const struct option *longs)
{
    if (opt <= 0)
        return false;
    if (opt < 256 && strchr(shorts, opt))
        return true;
    for (; longs->name; longs++)
        if (longs->val == opt)
            return true;
    return false;
}

/* getopt_long with the shared flags handled here; -2 ends the command (help
 * printed or usage error), *rc saying how. */
int cli_getopt(struct cli *x, int argc, char **argv, const char *shorts,
               const struct option *longs, int *rc)
{
    for (;;) {
        opterr = 0;
        int c = getopt_long(argc, argv, shorts, longs, NULL);
        switch (c) {
        case CLI_OPT_CONFIG_MAP:
            x->config_map = optarg;
            break;
        case CLI_OPT_SECRET:
            x->secret = optarg;
            break;
        case 'n':
            x->ns = optarg;
            break;
        case CLI_OPT_SHOW_SECRETS:
            x->show_secrets = true;
            break;
        case CLI_OPT_KUBECONFIG:
        case CLI_OPT_CONTEXT:
        case CLI_OPT_SERVER:
        case CLI_OPT_TOKEN:
        case CLI_OPT_CA:
        case CLI_OPT_INSECURE:
        case CLI_OPT_TIMEOUT:
        case CLI_OPT_CONFIG_NS:
            if (!cli_cluster_flag(x, c, optarg)) {
                *rc = cli_usage_error(x, "invalid value \"%s\" for %s",
                                      optarg ? optarg : "", argv[optind - 1]);
                return -2;
            }
            break;
        case 'h':
            fputs(x->help, x->out);
            *rc = CLI_OK;
            return -2;
        case '?':
            if (known_option(optopt, shorts, longs))
                *rc = cli_usage_error(x, "flag needs an argument: %s",
                                      argv[optind - 1]);
            else
                *rc = cli_usage_error(x, "unknown flag: %s", argv[optind - 1]);
            return -2;
        default:
            return c;
        }
    }
}

/* Flags whose value is the next word (so it is not a command word). */
static bool takes_value(const char *arg)
{
    static const char *const names[] = {
        "--config-map", "--secret",    "--namespace", "-n", "--output",
        "-o",           "--recipient", "--event",     NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(arg, names[i]) == 0)
            return true;
    return false;
}

/* Move up to `max` command words out of argv (keeping argv[0] and every
 * flag in place); returns how many were found, in words[]. */
static int take_words(int *argc, char **argv, const char **words, int max)
{
    int n = 0, k = 1;
    bool flags_done = false;
    for (int i = 1; i < *argc; i++) {
        const char *s = argv[i];
        if (!flags_done && strcmp(s, "--") == 0) {
            flags_done = true;
        } else if (!flags_done && s[0] == '-' && s[1]) {
            argv[k++] = argv[i];
            if (takes_value(s) && i + 1 < *argc)
                argv[k++] = argv[++i];
            continue;
        } else if (n < max && (n == 0 || strcmp(words[0], "template") == 0 ||
                               strcmp(words[0], "trigger") == 0)) {
            words[n++] = s;
            continue;
        }
        argv[k++] = argv[i];
    }
    *argc = k;
    argv[k] = NULL;
    return n;
}

static int cmd_version(struct cli *x, int argc, char **argv)
{
    int rc = CLI_OK;
    static const struct option longs[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    int c = cli_getopt(x, argc, argv, CLI_COMMON_SHORT, longs, &rc);
    if (c == -2)
        return rc;
    fprintf(x->out, "rnotify %s\ncommit: %s\nbuild: %s\n", RN_VERSION,
            RN_GIT_COMMIT, RN_BUILD_FLAGS);
    return CLI_OK;
}

/* `rnotify`, `rnotify --help` and the group commands without a child. */
static int root_or_group(struct cli *x, int argc, char **argv, bool group)
{
    int rc = CLI_OK;
    static const struct option longs[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
    int c = cli_getopt(x, argc, argv, CLI_COMMON_SHORT, longs, &rc);
    if (c == -2)
        return rc;
    if (optind < argc)
        return cli_usage_error(x, "unknown command \"%s\" for \"rnotify%s%s\"",
                               argv[optind], group ? " " : "",
                               group ? x->cmd : "");
    if (group)
        return cli_usage_error(x, "select child command");
    fputs(x->help, x->out);
    return CLI_OK;
}

static int dispatch(struct cli *x, int argc, char **argv)
{
    const char *w[2] = {NULL, NULL};
    int n = take_words(&argc, argv, w, 2);
    optind = 1;
    x->help = cli_help_root;
    x->cmd = "";
    if (n == 0)
        return root_or_group(x, argc, argv, false);
    x->cmd = w[0];
    if (strcmp(w[0], "template") == 0 || strcmp(w[0], "trigger") == 0) {
        bool tmpl = w[0][1] == 'e';
        x->help = tmpl ? cli_help_template : cli_help_trigger;
        if (n < 2)
            return root_or_group(x, argc, argv, true);
        x->cmd = arena_printf(&x->a, "%s %s", w[0], w[1]);
        if (!x->cmd)
            return CLI_EUSAGE;
        return tmpl ? cmd_template(x, argc, argv) : cmd_trigger(x, argc, argv);
    }
    if (strcmp(w[0], "check") == 0)
        return cmd_check(x, argc, argv);
    if (strcmp(w[0], "explain") == 0)
        return cmd_explain(x, argc, argv);
    if (strcmp(w[0], "controller") == 0)
        return cmd_controller(x, argc, argv);
    if (strcmp(w[0], "version") == 0) {
        x->help = cli_help_version;
        return cmd_version(x, argc, argv);
    }
    if (strcmp(w[0], "help") == 0) {
        fputs(cli_help_root, x->out);
        return CLI_OK;
    }
    x->cmd = "";
    return cli_usage_error(x, "unknown command \"%s\" for \"rnotify\"", w[0]);
}

int main(int argc, char **argv)
{
    struct cli x;
    memset(&x, 0, sizeof x);
    arena_init(&x.a, 0);
    x.out = stdout;
    x.err = stderr;
    int rc = dispatch(&x, argc, argv);
    cfg_unref(x.cfg);
    cfg_unref(x.cfg_real);
    mask_unref(x.mask);
    map_free(&x.keys);
    cli_cluster_close(&x);
    arena_free(&x.a);
    if (fflush(stdout) != 0 && rc == CLI_OK)
        rc = CLI_ESEND;
    return rc;
}
