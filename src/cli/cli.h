/*
 * cli.h: shared by the files of the `rnotify` command.
 *
 * One struct cli holds a run: the global flags, an arena for everything
 * the run builds, the configuration snapshot and the resource.  Commands
 * are plain functions `int cmd_x(struct cli *, int argc, char **argv)`
 * returning an exit code (enum cli_exit); only main() exits.  Messages
 * follow `kubectl argo rollouts notifications` where it has them; unlike
 * it, failures exit non-zero (docs/reference/engine.md §7.5, §9.21).
 */
#ifndef RN_CLI_H
#define RN_CLI_H

#include "../config/config.h"
#include "../core/arena.h"
#include "../core/map.h"
#include "../core/val.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct buf;
struct doc;
struct mask;
struct kube_client;
struct kube_resource;
struct rn_err;

/* Exit codes (docs/CLI.md). */
enum cli_exit {
    CLI_OK = 0,
    CLI_EUSAGE = 1,    /* bad command line */
    CLI_ECONFIG = 2,   /* ConfigMap/Secret unreadable or broken */
    CLI_ERESOURCE = 3, /* RESOURCE unreadable */
    CLI_ESEND = 4,     /* rendering or sending failed */
};

#define CLI_CONFIGMAP_NAME "argo-rollouts-notification-configmap"
#define CLI_SECRET_NAME "argo-rollouts-notification-secret"

struct cli {
    struct arena a;
    const char *cmd;        /* "template get", for messages */
    const char *help;       /* the current command's help text */
    const char *config_map; /* --config-map: path, "-" or NULL */
    const char *secret;     /* --secret: path, "-", ":empty" or NULL */
    const char *ns;         /* -n/--namespace */
    bool stdin_used;
    /* cluster mode (cluster.c): kubectl's flags, the client made from
     * them on first use */
    const char *kubeconfig, *context, *server, *token, *ca_file;
    const char *config_ns; /* --config-namespace */
    const char *timeout;   /* --request-timeout */
    bool insecure;
    struct kube_client *kc;
    const char *cm_src; /* where the ConfigMap came from, for messages */
    /* What is shown is built from the Secret with every value replaced by
     * "<secret:KEY>" (cfg), so that no function of a secret reaches the
     * output; sending builds cfg_real from the real values on first use.
     * With --show-secrets both are the real thing. */
    struct cfg *cfg, *cfg_real;
    struct cfg_data cm, sec;
    bool show_secrets;   /* --show-secrets */
    bool real_only;      /* nothing rendered is shown (check): build the
                            real snapshot only, and no placeholders */
    bool no_render;      /* the command renders no template (check, get,
                            trigger run): load with cfg_opts.check_only, so
                            compiled templates are not kept */
    struct mask *mask;   /* the Secret's values, for everything printed */
    const char *cm_text; /* the ConfigMap file, for positions */
    size_t cm_len;
    struct map keys; /* ConfigMap key -> its entry (load.c, on first use) */
    size_t *lines;   /* offsets of the lines of cm_text (on first use) */
    size_t nlines;
    FILE *out, *err;
    int64_t delivery_deadline_ms; /* template notify: budget of one send */
};

/* ---- options (main.c) ---- */

/* Options every command takes; getopt values below 256 are the commands'
 * own short options, 256-399 their long ones, 400 and up the cluster
 * flags below. */
#define CLI_OPT_CONFIG_MAP 256
#define CLI_OPT_SECRET 257
#define CLI_OPT_KUBECONFIG 400
#define CLI_OPT_CONTEXT 401
#define CLI_OPT_SERVER 402
#define CLI_OPT_TOKEN 403
#define CLI_OPT_CA 404
#define CLI_OPT_INSECURE 405
#define CLI_OPT_TIMEOUT 406
#define CLI_OPT_CONFIG_NS 407
#define CLI_OPT_SHOW_SECRETS 408
#define CLI_COMMON_OPTIONS                                                     \
    {"config-map", required_argument, NULL, CLI_OPT_CONFIG_MAP},               \
        {"secret", required_argument, NULL, CLI_OPT_SECRET},                   \
        {"namespace", required_argument, NULL, 'n'},                           \
        {"kubeconfig", required_argument, NULL, CLI_OPT_KUBECONFIG},           \
        {"context", required_argument, NULL, CLI_OPT_CONTEXT},                 \
        {"server", required_argument, NULL, CLI_OPT_SERVER},                   \
        {"token", required_argument, NULL, CLI_OPT_TOKEN},                     \
        {"certificate-authority", required_argument, NULL, CLI_OPT_CA},        \
        {"insecure-skip-tls-verify", optional_argument, NULL,                  \
         CLI_OPT_INSECURE},                                                    \
        {"request-timeout", required_argument, NULL, CLI_OPT_TIMEOUT},         \
        {"config-namespace", required_argument, NULL, CLI_OPT_CONFIG_NS},      \
        {"show-secrets", no_argument, NULL, CLI_OPT_SHOW_SECRETS},             \
    {                                                                          \
        "help", no_argument, NULL, 'h'                                         \
    }

/* Short options of CLI_COMMON_OPTIONS, to prefix a command's own. */
#define CLI_COMMON_SHORT "n:h"

/*
 * getopt_long() over argv with the common options handled here.  Returns
 * the next command-specific option, -1 at the end, or -2 when the command
 * is finished (help printed: exit 0, or a usage error printed: exit 1;
 * *rc says which).
 */
int cli_getopt(struct cli *x, int argc, char **argv, const char *shorts,
               const struct option *longs, int *rc);

/* Print "Error: <msg>" and the help hint to stderr; returns CLI_EUSAGE. */
int cli_usage_error(struct cli *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- loading (load.c) ---- */

/* Read a file ("-" = stdin) into the arena, NUL-terminated.  On failure
 * prints nothing and fills e with Go's wording ("open x: no such file or
 * directory"). */
int cli_read_file(struct cli *x, const char *path, char **text, size_t *n,
                  struct rn_err *e);

/*
 * Load the Secret then the ConfigMap (upstream's order), make x->mask of
 * the Secret's values and build the snapshot shown into x->cfg (from
 * placeholders, or the real values with --show-secrets, which also warns
 * on stderr).  On failure prints "<prefix>: <why>" and returns
 * CLI_ECONFIG.  Broken keys do not fail the load: unless quiet, each is
 * printed as a warning.
 */
int cli_load_config(struct cli *x, const char *prefix, bool quiet);

/* The snapshot with the Secret's real values, for sending (render true)
 * and for checks that need the services only (render false: compiled
 * templates are not kept).  Built on first use, in the mode of that use;
 * owned by x.  NULL on OOM, with a message printed. */
struct cfg *cli_config_real(struct cli *x, bool render);

/* The placeholder the CLI shows for Secret key `key`, in x's arena. */
const char *cli_secret_placeholder(struct cli *x, const char *key, size_t n);

/* Load RESOURCE (a file: first YAML/JSON document, whole numbers int64,
 * a `kind` required).  Prints "failed to load resource: ..." and returns
 * CLI_ERESOURCE on failure. */
int cli_load_resource(struct cli *x, const char *path, struct val *out);

/* One config problem as FILE:LINE:COL: KEY: MSG (line/col: inside the
 * key's value, 0 unknown), in the arena; *at gets the manifest line to
 * sort by.  NULL on OOM. */
const char *cli_problem_text(struct cli *x, const char *key, int line, int col,
                             const char *msg, int *at);

/* Where the ConfigMap came from, for messages: its file, or
 * namespace/name in cluster mode. */
const char *cli_problem_file(const struct cli *x);

/* The manifest line of a ConfigMap key (0 when unknown). */
int cli_key_line(struct cli *x, const char *key);

/* Mask b in place with x->mask: every Secret value in every encoding
 * core/mask.h knows, and URL passwords.  On failure b is freed. */
int cli_mask_secrets(struct cli *x, struct buf *b);

/* Write b to f after masking secrets. */
int cli_write_masked(struct cli *x, FILE *f, struct buf *b);

/* printf to f with Secret values masked. */
int cli_printf_masked(struct cli *x, FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- cluster mode (cluster.c) ---- */

/* Take one of kubectl's connection flags (CLI_OPT_KUBECONFIG ...); false
 * when opt is not one of them. */
bool cli_cluster_flag(struct cli *x, int opt, const char *arg);
/* The namespace of the resource: -n, else the kubeconfig context's. */
const char *cli_namespace(struct cli *x);
/* GET an object from the cluster (the client is made on first use); the
 * doc lives as long as the run.  On failure e names the object and the
 * server; RN_ENOTFOUND when it does not exist. */
int cli_cluster_get(struct cli *x, const struct kube_resource *res,
                    const char *ns, const char *name, struct doc **out,
                    struct rn_err *e);
/* Whether s can be an object name (so RESOURCE is read from the cluster
 * when it is not a file). */
bool cli_object_name(const char *s);
void cli_cluster_close(struct cli *x);

/* ---- output (output.c) ---- */

/* A text table laid out as Go's tabwriter (minwidth 5, padding 2, spaces)
 * does it: `text` holds lines of tab-separated cells. */
int cli_tabwrite(FILE *f, const char *text, size_t n);

/* Re-indent compact JSON as Go's json.MarshalIndent(v, "", "  "). */
int cli_json_indent(struct buf *out, const char *s, size_t n);

/* Print v (JSON-like) as `-o json` (pretty, newline) or `-o yaml`. */
int cli_print_value(struct cli *x, struct val v, const char *mode);

/* Print compact JSON text (struct field order kept) as `-o json`
 * (re-indented) or `-o yaml` (cmd_template.c). */
int cli_print_json_text(struct cli *x, const char *s, size_t n,
                        const char *mode);

/* The end of `template get` / `trigger get`: b holds the table (wide),
 * the names (name) or compact JSON without its closing brace (json,
 * yaml).  Masks secrets and prints. */
int cli_print_listing(struct cli *x, struct buf *b, const char *mode);

/* Prints the items called `name` (NULL: all) in output mode `mode`. */
typedef int cli_lister(struct cli *x, const char *name, const char *mode);

/* `template get` and `trigger get`: flags, -o check, loading, list(). */
int cli_get_command(struct cli *x, int argc, char **argv, cli_lister *list);

/* Whether -o MODE is one of wide|name|json|yaml (or ""). */
bool cli_output_ok(const char *mode);

/* ---- commands ---- */

int cmd_template(struct cli *x, int argc, char **argv);
int cmd_trigger(struct cli *x, int argc, char **argv);
int cmd_check(struct cli *x, int argc, char **argv);
int cmd_explain(struct cli *x, int argc, char **argv);
int cmd_controller(struct cli *x, int argc, char **argv);

/* Help texts (help.c). */
extern const char cli_help_root[], cli_help_template[], cli_help_trigger[],
    cli_help_template_get[], cli_help_template_notify[], cli_help_trigger_get[],
    cli_help_trigger_run[], cli_help_check[], cli_help_explain[],
    cli_help_version[], cli_help_controller[];

#endif
