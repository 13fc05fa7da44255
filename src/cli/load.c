/*
 * load.c: the CLI's inputs: the ConfigMap and Secret files
 * (docs/reference/engine.md §7.3), the resource file (docs/reference/engine.md
 * §7.4), positions of ConfigMap keys for messages, and keeping Secret
 * values out of everything printed: what is shown is rendered from
 * placeholders ("<secret:KEY>"), and every message is masked with the
 * real values in every encoding (core/mask.h) besides.
 *
 * Offline, a missing --secret means an empty Secret (with a warning), where
 * upstream would read the cluster and fail without one
 * (docs/reference/engine.md §9.21).
 */
#include "cli.h"

#include "../core/buf.h"
#include "../core/doc.h"
#include "../core/err.h"
#include "../core/goyaml.h"
#include "../core/json.h"
#include "../core/map.h"
#include "../core/mask.h"
#include "../kube/kube.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* strerror() in Go's wording (lower-case first letter). */
static void io_error(struct rn_err *e, const char *op, const char *path,
                     int err)
{
    char msg[128];
    snprintf(msg, sizeof msg, "%s", strerror(err));
    if (msg[0] >= 'A' && msg[0] <= 'Z')
        msg[0] = (char)(msg[0] - 'A' + 'a');
    rn_errf(e, RN_EIO, "%s %s: %s", op, path, msg);
}

static int slurp(FILE *f, struct buf *b)
{
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        int rc = buf_add(b, chunk, got);
        if (rc != RN_OK)
            return rc;
    }
    return ferror(f) ? RN_EIO : RN_OK;
}

/* Whole file (or stdin, once) into the run's arena; errors in Go's words. */
int cli_read_file(struct cli *x, const char *path, char **text, size_t *n,
                  struct rn_err *e)
{
    bool std = strcmp(path, "-") == 0;
    struct buf b;
    if (std && x->stdin_used)
        return rn_errf(e, RN_EINVAL, "standard input can be read only once");
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) {
        io_error(e, "open", path, errno);
        return RN_EIO;
    }
    x->stdin_used |= std;
    buf_init(&b, 0);
    int rc = slurp(f, &b);
    if (rc == RN_EIO)
        io_error(e, "read", path, errno);
    else if (rc != RN_OK)
        rn_errf(e, rc, "read %s: file too large", path);
    if (!std)
        fclose(f);
    if (rc == RN_OK) {
        *text = arena_strndup(&x->a, buf_str(&b), b.len);
        *n = b.len;
        rc = *text ? RN_OK : rn_errf(e, RN_ENOMEM, "out of memory");
    }
    buf_free(&b);
    return rc;
}

/* Read and select one object of a manifest file. */
static int load_data(struct cli *x, const char *path, const char *kind,
                     const char *name, struct cfg_data *out, struct rn_err *e)
{
    char *text;
    size_t n;
    int rc = cli_read_file(x, path, &text, &n, e);
    if (rc == RN_OK)
        rc = cfg_data_from_manifest(&x->a, text, n, kind, name, path, out, e);
    if (rc == RN_OK && strcmp(kind, "ConfigMap") == 0) {
        x->cm_text = text;
        x->cm_len = n;
    }
    return rc;
}

/* A failure to load: "<prefix>: FILE:LINE:COL: why" on stderr (the
 * position when the error has one).  Without a prefix (`check`) it is
 * printed as check's one problem: "FILE:LINE:COL: why" on stdout.
 * Masked: a message may quote a value. */
static void print_load_error(struct cli *x, const char *prefix,
                             const char *path, const struct rn_err *e)
{
    FILE *f = prefix ? x->err : x->out;
    const char *msg = e->msg[0] ? e->msg : "out of memory";
    if (prefix)
        fprintf(f, "%s: ", prefix);
    if (path && e->line > 0)
        cli_printf_masked(x, f, "%s:%d:%d: %s\n", path, e->line, e->col, msg);
    else
        cli_printf_masked(x, f, "%s\n", msg);
    if (!prefix)
        fputs("1 problem found\n", f);
}

static const char *skipped_text(struct cli *x, const struct cfg_error *ce);

static void warn_broken_keys(struct cli *x)
{
    for (size_t i = 0; i < cfg_error_count(x->cfg); i++) {
        const char *t = skipped_text(x, cfg_error_at(x->cfg, i));
        cli_printf_masked(x, x->err, "%s\n", t ? t : "out of memory");
    }
}

/* The configuration's namespace in cluster mode: --config-namespace, else
 * the resource's. */
static const char *config_ns(struct cli *x)
{
    return x->config_ns && *x->config_ns ? x->config_ns : cli_namespace(x);
}

/* One object of the configuration from the cluster.  A missing Secret is
 * an empty one (with a warning), where upstream fails. */
static int cluster_data(struct cli *x, bool secret, struct cfg_data *out,
                        struct rn_err *e)
{
    const char *ns = config_ns(x);
    const char *name = secret ? CLI_SECRET_NAME : CLI_CONFIGMAP_NAME;
    struct doc *d = NULL;
    int rc = cli_cluster_get(
        x, secret ? &kube_res_secrets : &kube_res_configmaps, ns, name, &d, e);
    if (rc == RN_ENOTFOUND && secret) {
        fprintf(x->err,
                "warning: secret \"%s\" not found in namespace "
                "\"%s\": using an empty Secret\n",
                name, ns);
        return RN_OK;
    }
    if (rc == RN_OK)
        rc = cfg_data_from_object(&x->a, d->root, secret, out, e);
    if (rc == RN_OK && !secret)
        x->cm_src = arena_printf(&x->a, "%s/%s", ns, name);
    return rc;
}

static int load_secret(struct cli *x, const char *prefix, bool quiet,
                       struct rn_err *e)
{
    if (!x->secret && !x->config_map)
        return cluster_data(x, true, &x->sec, e) == RN_OK ? CLI_OK
                                                          : CLI_ECONFIG;
    if (!x->secret && !quiet)
        fprintf(x->err, "warning: no --secret given: using an empty Secret "
                        "(--secret :empty says so and silences this)\n");
    if (x->secret && strcmp(x->secret, ":empty") != 0 &&
        load_data(x, x->secret, "Secret", CLI_SECRET_NAME, &x->sec, e) !=
            RN_OK) {
        print_load_error(x, prefix, x->secret, e);
        e->msg[0] = '\0';
        return CLI_ECONFIG;
    }
    return CLI_OK;
}

/* "<secret:KEY>" */
const char *cli_secret_placeholder(struct cli *x, const char *key, size_t n)
{
    return arena_printf(&x->a, "<secret:%.*s>", (int)n, key);
}

/* The Secret as the CLI shows it: each value its placeholder. */
static int placeholders(struct cli *x, struct cfg_data *out)
{
    *out = x->sec;
    out->items = arena_alloc(&x->a, (x->sec.n + 1) * sizeof *out->items);
    for (size_t i = 0; out->items && i < x->sec.n; i++) {
        struct cfg_entry *en = &out->items[i];
        *en = x->sec.items[i];
        en->value = cli_secret_placeholder(x, en->key, en->klen);
        if (!en->value)
            return RN_ENOMEM;
        en->vlen = strlen(en->value);
    }
    return out->items ? RN_OK : RN_ENOMEM;
}

/* The mask of every Secret value (values under MASK_MIN_LEN bytes
 * cannot be masked: `check` warns about them). */
static int make_mask(struct cli *x)
{
    if (x->show_secrets) /* asked for: nothing is masked but URL passwords */
        return RN_OK;
    x->mask = mask_new();
    int rc = x->mask ? RN_OK : RN_ENOMEM;
    for (size_t i = 0; rc == RN_OK && i < x->sec.n; i++)
        rc = mask_add(x->mask, x->sec.items[i].value, x->sec.items[i].vlen);
    return rc;
}

/* The snapshot shown: from placeholders, or the real values (and a
 * warning) with --show-secrets. */
static int build_shown(struct cli *x, const struct cfg_opts *o,
                       struct rn_err *e)
{
    struct cfg_data shown;
    if (x->show_secrets || x->real_only) {
        if (x->show_secrets)
            fprintf(x->err, "warning: --show-secrets: Secret values are "
                            "printed as they are\n");
        int rc = cfg_load(&x->cm, &x->sec, o, &x->cfg, e);
        x->cfg_real = rc == RN_OK ? cfg_ref(x->cfg) : NULL;
        return rc;
    }
    if (placeholders(x, &shown) != RN_OK)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    return cfg_load(&x->cm, &shown, o, &x->cfg, e);
}

/* The configuration's options: the namespace, never self-service. */
static struct cfg_opts load_opts(struct cli *x)
{
    struct cfg_opts o = {x->config_map ? (x->ns ? x->ns : "") : config_ns(x),
                         false, x->no_render};
    return o;
}

/* Secret first, then ConfigMap (upstream's order), then the snapshot;
 * failures are printed (print_load_error) and return CLI_ECONFIG.
 * Without --config-map both come from the cluster. */
int cli_load_config(struct cli *x, const char *prefix, bool quiet)
{
    struct rn_err e;
    rn_err_clear(&e);
    int rc = load_secret(x, prefix, quiet, &e);
    if (rc == CLI_OK && !x->config_map) {
        if (cluster_data(x, false, &x->cm, &e) != RN_OK)
            rc = CLI_ECONFIG;
    } else if (rc == CLI_OK &&
               load_data(x, x->config_map, "ConfigMap", CLI_CONFIGMAP_NAME,
                         &x->cm, &e) != RN_OK) {
        print_load_error(x, prefix, x->config_map, &e);
        return CLI_ECONFIG;
    }
    if (rc != CLI_OK) {
        if (e.msg[0])
            print_load_error(x, prefix, NULL, &e);
        return rc;
    }
    struct cfg_opts o = load_opts(x);
    if (make_mask(x) != RN_OK || build_shown(x, &o, &e) != RN_OK) {
        print_load_error(x, prefix, NULL, &e);
        return CLI_ECONFIG;
    }
    if (!quiet)
        warn_broken_keys(x);
    return CLI_OK;
}

struct cfg *cli_config_real(struct cli *x, bool render)
{
    struct rn_err e;
    struct cfg_opts o = load_opts(x);
    o.check_only = !render;
    rn_err_clear(&e);
    if (!x->cfg_real &&
        cfg_load(&x->cm, &x->sec, &o, &x->cfg_real, &e) != RN_OK)
        fprintf(x->err, "%s: out of memory\n", x->cmd);
    return x->cfg_real;
}

/* Go's "Object 'Kind' is missing in '<json>'". */
static int kind_missing(struct cli *x, struct val obj)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = json_emit(&b, obj, NULL, NULL);
    fprintf(x->err,
            "failed to load resource: Object 'Kind' is missing in '%s'\n",
            rc == RN_OK ? buf_str(&b) : "");
    buf_free(&b);
    return CLI_ERESOURCE;
}

/* RESOURCE from the cluster: a Rollout named path in the namespace. */
static int cluster_resource(struct cli *x, const char *name, struct val *out)
{
    struct rn_err e;
    struct doc *d = NULL;
    rn_err_clear(&e);
    if (cli_cluster_get(x, &kube_res_rollouts, cli_namespace(x), name, &d,
                        &e) != RN_OK) {
        cli_printf_masked(x, x->err, "failed to load resource: %s\n", e.msg);
        return CLI_ERESOURCE;
    }
    *out = d->root;
    return CLI_OK;
}

/* RESOURCE: a file when one exists at that path, else (a valid object
 * name) a Rollout read from the cluster.  Failures print upstream's
 * "failed to load resource: ..." and return CLI_ERESOURCE. */
int cli_load_resource(struct cli *x, const char *path, struct val *out)
{
    struct stat st;
    struct rn_err e;
    char *text;
    size_t n;
    struct goyaml_opts yo = {JSON_NUM_INT64, 0, path};
    rn_err_clear(&e);
    bool file = strcmp(path, "-") == 0 ||
                (stat(path, &st) == 0 && !S_ISDIR(st.st_mode));
    if (!file && cli_object_name(path))
        return cluster_resource(x, path, out);
    if (!file) {
        fprintf(x->err,
                "failed to load resource: '%s' is neither a file nor a "
                "Rollout name\n",
                path);
        return CLI_ERESOURCE;
    }
    if (cli_read_file(x, path, &text, &n, &e) != RN_OK ||
        goyaml_parse(&x->a, text, n, &yo, out, &e) != RN_OK) {
        print_load_error(x, "failed to load resource", path, &e);
        return CLI_ERESOURCE;
    }
    if (out->kind != VAL_OBJECT) {
        fprintf(x->err, "failed to load resource: %s: not an object\n", path);
        return CLI_ERESOURCE;
    }
    const struct val *kind = val_get_cstr(*out, "kind");
    if (!kind || kind->kind != VAL_STRING || kind->len == 0)
        return kind_missing(x, *out);
    return CLI_OK;
}

/* ---- positions ---- */

/* The ConfigMap entry of key, or NULL: a hash lookup (the index is built
 * on first use), so reporting on a ConfigMap of many keys stays linear. */
static const struct cfg_entry *key_entry(struct cli *x, const char *key)
{
    if (map_len(&x->keys) == 0)
        for (size_t i = 0; i < x->cm.n; i++)
            if (map_put(&x->keys, x->cm.items[i].key, x->cm.items[i].klen,
                        &x->cm.items[i], NULL) != RN_OK)
                return NULL;
    return map_get(&x->keys, key, strlen(key));
}

/* Manifest line of a ConfigMap key, 0 when unknown. */
int cli_key_line(struct cli *x, const char *key)
{
    const struct cfg_entry *en = key_entry(x, key);
    return en ? en->key_line : 0;
}

/* Start of line `line` (1-based) of the ConfigMap text, or NULL; the
 * offsets of the lines are found once. */
static const char *text_line(struct cli *x, int line, size_t *len)
{
    const char *end = x->cm_text + x->cm_len;
    if (!x->lines && x->cm_text) {
        size_t n = 1;
        for (size_t i = 0; i < x->cm_len; i++)
            n += x->cm_text[i] == '\n';
        x->lines = arena_alloc(&x->a, n * sizeof *x->lines);
        for (size_t i = 0, k = 1; x->lines && i < x->cm_len; i++)
            if (x->cm_text[i] == '\n')
                x->lines[k++] = i + 1;
        if (x->lines)
            x->lines[0] = 0;
        x->nlines = x->lines ? n : 0;
    }
    if (line < 1 || (size_t)line > x->nlines)
        return NULL;
    const char *p = x->cm_text + x->lines[line - 1];
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    return p;
}

/*
 * Map a position inside a value to the manifest: exact for block scalars
 * (`key: |`), whose text starts on the next line at the indentation of its
 * first line.  Returns false when the value is written another way.
 */
static bool value_pos(struct cli *x, int key_line, int *line, int *col)
{
    size_t len, ilen, i = 0;
    const char *p = text_line(x, key_line, &len);
    const char *colon = p ? memchr(p, ':', len) : NULL;
    if (!colon)
        return false;
    i = (size_t)(colon - p) + 1;
    while (i < len && p[i] == ' ')
        i++;
    if (i >= len || (p[i] != '|' && p[i] != '>'))
        return false;
    for (i++; i < len && p[i] != ' ' && p[i] != '\r'; i++)
        if (!strchr("-+0123456789", p[i]))
            return false;
    const char *first = text_line(x, key_line + 1, &ilen);
    size_t indent = 0;
    while (first && indent < ilen && first[indent] == ' ')
        indent++;
    *line += key_line;
    *col = (*col > 0 ? *col : 1) + (int)indent;
    return true;
}

/* The ConfigMap's file, or namespace/name when it came from a cluster. */
const char *cli_problem_file(const struct cli *x)
{
    return x->config_map ? x->config_map : x->cm_src ? x->cm_src : "configmap";
}

/* Where a problem of key is, as "FILE:LINE:COL" (or "FILE" when the key
 * has no position), line/col mapped into the manifest when they are
 * inside a block scalar; *rest gets a note for a position it could not
 * map, *at the manifest line to sort by.  NULL on OOM. */
static const char *where(struct cli *x, const char *key, int line, int col,
                         const char **rest, int *at)
{
    const char *file = cli_problem_file(x);
    const struct cfg_entry *en = key_entry(x, key);
    int kl = en ? en->key_line : 0, kc = en && en->key_col ? en->key_col : 1;
    *rest = "";
    *at = kl;
    if (kl > 0 && line > 0 && value_pos(x, kl, &line, &col)) {
        *at = line;
        return arena_printf(&x->a, "%s:%d:%d", file, line, col);
    }
    if (kl > 0 && line > 0)
        *rest = arena_printf(&x->a, " (line %d, column %d of the value)", line,
                             col);
    if (!*rest)
        return NULL;
    if (kl > 0)
        return arena_printf(&x->a, "%s:%d:%d", file, kl, kc);
    return file;
}

/* FILE:LINE:COL: KEY: MSG in the arena (NULL on OOM). */
const char *cli_problem_text(struct cli *x, const char *key, int line, int col,
                             const char *msg, int *at)
{
    const char *rest, *pos = where(x, key, line, col, &rest, at);
    return pos ? arena_printf(&x->a, "%s: %s: %s%s", pos, key, msg, rest)
               : NULL;
}

/* FILE:LINE:COL: warning: KEY is skipped: MSG in the arena. */
static const char *skipped_text(struct cli *x, const struct cfg_error *ce)
{
    int at;
    bool in_value = ce->code == RN_ECONFIG;
    const char *rest, *pos = where(x, ce->key, in_value ? ce->line : 0,
                                   in_value ? ce->col : 0, &rest, &at);
    return pos ? arena_printf(&x->a, "%s: warning: %s is skipped: %s%s", pos,
                              ce->key, ce->msg, rest)
               : NULL;
}

/* ---- masking ---- */

/* Every Secret value, in every form, and URL passwords; RN_ENOMEM leaves
 * b freed. */
int cli_mask_secrets(struct cli *x, struct buf *b)
{
    return mask_buf(x->mask, b);
}

/* Mask, then write; nothing is written on failure. */
int cli_write_masked(struct cli *x, FILE *f, struct buf *b)
{
    int rc = cli_mask_secrets(x, b);
    if (rc == RN_OK && b->len)
        fwrite(b->ptr, 1, b->len, f);
    return rc;
}

/* printf to f with Secret values masked (messages may quote values). */
int cli_printf_masked(struct cli *x, FILE *f, const char *fmt, ...)
{
    struct buf b;
    va_list ap;
    buf_init(&b, 0);
    va_start(ap, fmt);
    int rc = buf_add_vfmt(&b, fmt, ap);
    va_end(ap);
    if (rc == RN_OK)
        rc = cli_write_masked(x, f, &b);
    buf_free(&b);
    return rc;
}
