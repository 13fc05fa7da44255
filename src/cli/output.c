/*
 * output.c: how the CLI lays out what it prints, matching the Go tools
 * users compare it with.
 *
 * Tables follow Go's text/tabwriter configured as upstream does (minimum
 * cell width 5, padding 2, spaces): a tab ends a cell, cells of one column
 * are aligned over each block of consecutive lines that have that column,
 * and the last cell of a line is never padded.  JSON is re-indented like
 * json.MarshalIndent(v, "", "  "); YAML comes from core's go-yaml v2 writer
 * (core/goyaml.h).
 */
#include "cli.h"

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/goyaml.h"
#include "../core/json.h"

#include <string.h>

#define TAB_MINWIDTH 5
#define TAB_PADDING 2
#define TAB_MAX_DEPTH 64

struct tab_cell {
    const char *s;
    size_t len, width; /* bytes, runes */
};

struct tab_line {
    struct tab_cell *cells;
    size_t n; /* cells; the last one is not tab-terminated */
};

struct tab {
    struct tab_line *lines;
    size_t n;
    size_t widths[TAB_MAX_DEPTH];
    size_t depth;
    FILE *f;
};

static size_t runes(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *f, size_t n)
{
    while (n--)
        fputc(' ', f);
}

static void write_lines(struct tab *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct tab_line *l = &t->lines[i];
        for (size_t j = 0; j < l->n; j++) {
            const struct tab_cell *c = &l->cells[j];
            fwrite(c->s, 1, c->len, t->f);
            if (j < t->depth && t->widths[j] > c->width)
                pad(t->f, t->widths[j] - c->width);
        }
        if (i + 1 < t->n)
            fputc('\n', t->f);
    }
}

/* Go's tabwriter format(): align column `depth` over each block. */
static void format(struct tab *t, size_t line0, size_t line1)
{
    size_t col = t->depth;
    for (size_t i = line0; i < line1; i++) {
        if (col + 1 >= t->lines[i].n)
            continue;
        write_lines(t, line0, i);
        line0 = i;
        size_t width = TAB_MINWIDTH;
        for (; i < line1 && col + 1 < t->lines[i].n; i++)
            if (t->lines[i].cells[col].width + TAB_PADDING > width)
                width = t->lines[i].cells[col].width + TAB_PADDING;
        if (t->depth == TAB_MAX_DEPTH)
            break;
        t->widths[t->depth++] = width;
        format(t, line0, i);
        t->depth--;
        line0 = i;
        i--;
    }
    write_lines(t, line0, line1);
}

/* Split text into lines of cells (pointers into text). */
static int tab_split(struct arena *a, const char *text, size_t n, struct tab *t)
{
    size_t nl = 1, ntabs = 0;
    for (size_t i = 0; i < n; i++) {
        nl += text[i] == '\n';
        ntabs += text[i] == '\t';
    }
    t->lines = arena_zalloc(a, nl * sizeof *t->lines);
    struct tab_cell *cells = arena_alloc(a, (nl + ntabs) * sizeof *cells);
    if (!t->lines || !cells)
        return RN_ENOMEM;
    const char *p = text, *end = text + n;
    for (t->n = 0; t->n < nl; t->n++) {
        struct tab_line *l = &t->lines[t->n];
        l->cells = cells;
        for (;;) {
            const char *q = p;
            while (q < end && *q != '\t' && *q != '\n')
                q++;
            struct tab_cell c = {p, (size_t)(q - p), runes(p, (size_t)(q - p))};
            l->cells[l->n++] = c;
            p = q < end ? q + 1 : end;
            if (q >= end || *q == '\n')
                break;
        }
        cells += l->n;
    }
    return RN_OK;
}

/* Go tabwriter layout (minwidth 5, padding 2) of tab/newline text. */
int cli_tabwrite(FILE *f, const char *text, size_t n)
{
    struct arena a;
    struct tab t;
    memset(&t, 0, sizeof t);
    t.f = f;
    arena_init(&a, 0);
    int rc = tab_split(&a, text, n, &t);
    if (rc == RN_OK)
        format(&t, 0, t.n);
    arena_free(&a);
    return rc;
}

/* ---- JSON ---- */

static int newline(struct buf *out, int depth)
{
    int rc = buf_add_char(out, '\n');
    for (int i = 0; rc == RN_OK && i < depth; i++)
        rc = buf_add(out, "  ", 2);
    return rc;
}

/* json.MarshalIndent(v, "", "  ") layout of compact JSON (our own
 * emitter's output: no insignificant whitespace). */
int cli_json_indent(struct buf *out, const char *s, size_t n)
{
    int depth = 0, rc = RN_OK;
    bool str = false, esc = false;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        char ch = s[i];
        if (str) {
            str = esc || ch != '"';
            esc = !esc && ch == '\\';
            rc = buf_add_char(out, ch);
        } else if (ch == '"') {
            str = true;
            rc = buf_add_char(out, ch);
        } else if ((ch == '{' || ch == '[') && i + 1 < n &&
                   (s[i + 1] == '}' || s[i + 1] == ']')) {
            rc = buf_add(out, s + i, 2);
            i++;
        } else if (ch == '{' || ch == '[') {
            rc = buf_add_char(out, ch);
            if (rc == RN_OK)
                rc = newline(out, ++depth);
        } else if (ch == '}' || ch == ']') {
            rc = newline(out, --depth);
            if (rc == RN_OK)
                rc = buf_add_char(out, ch);
        } else if (ch == ',') {
            rc = buf_add_char(out, ch);
            if (rc == RN_OK)
                rc = newline(out, depth);
        } else if (ch == ':') {
            rc = buf_add(out, ": ", 2);
        } else {
            rc = buf_add_char(out, ch);
        }
    }
    return rc;
}

/* -o json or -o yaml of a value, masked, on stdout. */
int cli_print_value(struct cli *x, struct val v, const char *mode)
{
    struct buf js, out;
    buf_init(&js, 0);
    buf_init(&out, 0);
    int rc;
    if (strcmp(mode, "json") == 0) {
        rc = json_emit(&js, v, NULL, NULL);
        if (rc == RN_OK)
            rc = cli_json_indent(&out, buf_str(&js), js.len);
        if (rc == RN_OK)
            rc = buf_add_char(&out, '\n');
    } else {
        rc = goyaml_emit(&out, v);
    }
    if (rc == RN_OK)
        rc = cli_write_masked(x, x->out, &out);
    buf_free(&js);
    buf_free(&out);
    return rc;
}

/* The -o values upstream accepts ("" means wide). */
bool cli_output_ok(const char *mode)
{
    static const char *const modes[] = {"",     "wide", "name",
                                        "json", "yaml", NULL};
    for (size_t i = 0; modes[i]; i++)
        if (strcmp(mode, modes[i]) == 0)
            return true;
    return false;
}

/* The output tail shared by the two get commands (see cli.h). */
int cli_print_listing(struct cli *x, struct buf *b, const char *mode)
{
    if (!mode[0] || strcmp(mode, "wide") == 0) {
        int rc = cli_mask_secrets(x, b);
        return rc == RN_OK ? cli_tabwrite(x->out, buf_str(b), b->len) : rc;
    }
    if (strcmp(mode, "name") == 0)
        return cli_write_masked(x, x->out, b);
    int rc = buf_add_char(b, '}');
    return rc == RN_OK ? cli_print_json_text(x, buf_str(b), b->len, mode) : rc;
}

/* template get / trigger get: flags, -o check, config, then list(). */
int cli_get_command(struct cli *x, int argc, char **argv, cli_lister *list)
{
    static const struct option longs[] = {
        CLI_COMMON_OPTIONS,
        {"output", required_argument, NULL, 'o'},
        {0, 0, 0, 0}};
    const char *mode = "wide";
    int c, rc = CLI_OK;
    while ((c = cli_getopt(x, argc, argv, CLI_COMMON_SHORT "o:", longs, &rc)) >=
           0)
        mode = optarg[0] == '=' ? optarg + 1 : optarg; /* -o=yaml */
    if (c == -2)
        return rc;
    if (!cli_output_ok(mode))
        return cli_usage_error(x, "output '%s' is not supported", mode);
    const char *name = argc - optind == 1 ? argv[optind] : NULL;
    x->no_render = true; /* sources are listed, nothing is rendered */
    rc = cli_load_config(x, "failed to get api", false);
    if (rc != CLI_OK)
        return rc;
    if (list(x, name, mode) != RN_OK) {
        fprintf(x->err, "%s: out of memory\n", x->cmd);
        return CLI_ECONFIG;
    }
    return CLI_OK;
}
