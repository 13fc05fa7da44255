/*
 * load.c: the CLI's inputs: the ConfigMap and Secret files
 * (docs/reference/engine.md §7.3), the resource file (docs/reference/engine.md
 * §7.4), positions of ConfigMap keys for messages, and masking Secret values
 * out of everything printed.
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

static void print_load_error(struct cli *x, const char *prefix,
                             const char *path, const struct rn_err *e)
{
    if (e->line > 0 && !strstr(e->msg, "line"))
        fprintf(x->err, "%s: %s:%d:%d: %s\n", prefix, path, e->line, e->col,
                e->msg);
    else
        fprintf(x->err, "%s: %s\n", prefix, e->msg);
}

static void warn_broken_keys(struct cli *x)
{
    for (size_t i = 0; i < cfg_error_count(x->cfg); i++) {
        const struct cfg_error *ce = cfg_error_at(x->cfg, i);
        cli_printf_masked(x, x->err, "warning: %s is skipped: %s\n", ce->key,
                          ce->msg);
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

/* Secret first, then ConfigMap (upstream's order), then the snapshot;
 * failures print "<prefix>: why" and return CLI_ECONFIG.  Without
 * --config-map both come from the cluster. */
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
            cli_printf_masked(x, x->err, "%s: %s\n", prefix, e.msg);
        return rc;
    }
    struct cfg_opts o = {x->config_map ? (x->ns ? x->ns : "") : config_ns(x),
                         false};
    if (cfg_load(&x->cm, &x->sec, &o, &x->cfg, &e) != RN_OK) {
        fprintf(x->err, "%s: %s\n", prefix, e.msg);
        return CLI_ECONFIG;
    }
    if (!quiet)
        warn_broken_keys(x);
    return CLI_OK;
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

/* Manifest line of a ConfigMap key, 0 when unknown. */
int cli_key_line(const struct cli *x, const char *key)
{
    for (size_t i = 0; i < x->cm.n; i++)
        if (x->cm.items[i].klen == strlen(key) &&
            memcmp(x->cm.items[i].key, key, x->cm.items[i].klen) == 0)
            return x->cm.items[i].key_line;
    return 0;
}

/* Start of line `line` (1-based) of the ConfigMap text, or NULL. */
static const char *text_line(const struct cli *x, int line, size_t *len)
{
    const char *p = x->cm_text, *end = x->cm_text + x->cm_len;
    for (int l = 1; p && l < line; l++) {
        p = memchr(p, '\n', (size_t)(end - p));
        p = p ? p + 1 : NULL;
    }
    if (!p || p >= end)
        return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    return p;
}

/* Column (1-based) of key on its manifest line, 1 when not found. */
static int key_col(const struct cli *x, const char *key, int line)
{
    size_t len, klen = strlen(key);
    const char *p = text_line(x, line, &len);
    for (size_t i = 0; p && klen && i + klen <= len; i++)
        if (memcmp(p + i, key, klen) == 0)
            return (int)i + 1;
    return 1;
}

/*
 * Map a position inside a value to the manifest: exact for block scalars
 * (`key: |`), whose text starts on the next line at the indentation of its
 * first line.  Returns false when the value is written another way.
 */
static bool value_pos(const struct cli *x, int key_line, int *line, int *col)
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

/* FILE:LINE:COL: KEY: MSG in the arena (NULL on OOM). */
const char *cli_problem_text(struct cli *x, const char *key, int line, int col,
                             const char *msg, int *at)
{
    const char *file = x->config_map ? x->config_map
                       : x->cm_src   ? x->cm_src
                                     : "configmap";
    int kl = cli_key_line(x, key);
    *at = kl;
    if (kl > 0 && line > 0 && value_pos(x, kl, &line, &col)) {
        *at = line;
        return arena_printf(&x->a, "%s:%d:%d: %s: %s", file, line, col, key,
                            msg);
    }
    if (kl > 0 && line > 0)
        return arena_printf(&x->a,
                            "%s:%d:%d: %s: %s (line %d, column %d of the "
                            "value)",
                            file, kl, key_col(x, key, kl), key, msg, line, col);
    if (kl > 0)
        return arena_printf(&x->a, "%s:%d:%d: %s: %s", file, kl,
                            key_col(x, key, kl), key, msg);
    return arena_printf(&x->a, "%s: %s: %s", file, key, msg);
}

/* ---- masking ---- */

#define MASK "******"

/* Replace every occurrence of s[0..n) in b. */
static int mask_one(struct buf *b, const char *s, size_t n)
{
    struct buf o;
    size_t i = 0;
    if (n == 0 || b->len < n)
        return RN_OK;
    buf_init(&o, 0);
    int rc = RN_OK;
    while (rc == RN_OK && i < b->len) {
        if (i + n <= b->len && memcmp(b->ptr + i, s, n) == 0) {
            rc = buf_add(&o, MASK, strlen(MASK));
            i += n;
        } else {
            rc = buf_add_char(&o, b->ptr[i++]);
        }
    }
    if (rc == RN_OK) {
        buf_reset(b);
        rc = buf_add(b, buf_str(&o), o.len);
    }
    buf_free(&o);
    return rc;
}

static int len_desc(const void *p, const void *q)
{
    const struct cfg_entry *a = *(const struct cfg_entry *const *)p;
    const struct cfg_entry *b = *(const struct cfg_entry *const *)q;
    return a->vlen < b->vlen ? 1 : a->vlen > b->vlen ? -1 : 0;
}

/* A multi-line value: each of its lines on its own (YAML output indents
 * block scalars, so the whole value does not appear verbatim). */
static int mask_lines(struct buf *b, const char *s, size_t n)
{
    int rc = RN_OK;
    while (rc == RN_OK && n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t l = nl ? (size_t)(nl - s) : n;
        if (l >= 4)
            rc = mask_one(b, s, l);
        s += nl ? l + 1 : l;
        n -= nl ? l + 1 : l;
    }
    return rc;
}

/* Every Secret value in b becomes ******; RN_ENOMEM leaves b freed. */
int cli_mask_secrets(struct cli *x, struct buf *b)
{
    size_t n = x->sec.n;
    if (n == 0 || b->len == 0)
        return RN_OK;
    const struct cfg_entry **order = arena_alloc(&x->a, n * sizeof *order);
    if (!order)
        return RN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        order[i] = &x->sec.items[i];
    qsort(order, n, sizeof *order, len_desc);
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        rc = mask_one(b, order[i]->value, order[i]->vlen);
        if (rc == RN_OK && memchr(order[i]->value, '\n', order[i]->vlen))
            rc = mask_lines(b, order[i]->value, order[i]->vlen);
    }
    return rc;
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
