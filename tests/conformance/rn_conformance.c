/*
 * rn_conformance.c: the conformance runner.
 *
 *   rn-conformance FAMILY < vectors.jsonl > results.jsonl
 *
 * Reads one vector per line, runs it through the family's implementation
 * and writes one JSON result line per case (formats in README.md beside
 * this file).  Runs in UTC, as the vectors were made.
 */
#include "conf.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/err.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#pragma weak conf_tmpl
#pragma weak conf_sprig
#pragma weak conf_expr
#pragma weak conf_trigger
#pragma weak conf_notify
#pragma weak conf_regexp

static const struct {
    const char *name;
    conf_family_fn *fn;
} families[] = {
    {"tmpl", conf_tmpl},       {"sprig", conf_sprig},
    {"expr", conf_expr},       {"trigger", conf_trigger},
    {"notify", conf_notify},   {"regexp", conf_regexp},
};

const char *conf_str(const struct conf_case *c, const char *key, size_t *len)
{
    const struct val *v = val_get_cstr(c->obj, key);
    if (!v || v->kind != VAL_STRING)
        return NULL;
    if (len)
        *len = v->len;
    return v->u.s;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            k = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            k = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            k = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + j] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

void conf_emit_open(struct buf *out, const char *id)
{
    buf_add_str(out, "{\"id\":");
    json_emit_string(out, id, strlen(id), JSON_RAW);
}

void conf_emit_got(struct buf *out, const char *id, const char *s, size_t n)
{
    conf_emit_open(out, id);
    if (valid_utf8((const unsigned char *)s, n)) {
        buf_add_str(out, ",\"got\":");
        json_emit_string(out, s, n, JSON_RAW);
    } else {
        buf_add_str(out, ",\"got_b64\":\"");
        codec_b64_append(out, s, n, 0);
        buf_add_char(out, '"');
    }
    buf_add_str(out, "}\n");
}

void conf_emit_error(struct buf *out, const char *id, const char *msg,
                     const char *kind)
{
    conf_emit_open(out, id);
    buf_add_str(out, ",\"error\":");
    json_emit_string(out, msg, strlen(msg), JSON_RAW);
    buf_add_str(out, ",\"error_kind\":");
    json_emit_string(out, kind, strlen(kind), JSON_RAW);
    buf_add_str(out, "}\n");
}

static void run_line(conf_family_fn *fn, const char *line, size_t n,
                     struct arena *a, struct buf *out)
{
    struct rn_err e = {0};
    struct conf_case c = {.arena = a};
    if (json_parse(a, line, n, NULL, &c.obj, &e) != RN_OK) {
        fprintf(stderr, "rn-conformance: bad vector line: %s\n", e.msg);
        return;
    }
    const struct val *id = val_get_cstr(c.obj, "id");
    if (!id || id->kind != VAL_STRING)
        return;
    c.id = id->u.s;
    fn(&c, out);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: rn-conformance FAMILY < vectors.jsonl\n");
        return 1;
    }
    conf_family_fn *fn = NULL;
    for (size_t i = 0; i < sizeof families / sizeof *families; i++)
        if (strcmp(argv[1], families[i].name) == 0)
            fn = families[i].fn;
    if (!fn) {
        fprintf(stderr, "rn-conformance: family %s is not built\n", argv[1]);
        return 1;
    }
    setenv("TZ", "UTC", 1);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    struct arena a;
    struct buf out;
    arena_init(&a, 0);
    buf_init(&out, 0);
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        run_line(fn, line, (size_t)n, &a, &out);
        fwrite(buf_str(&out), 1, out.len, stdout);
        fflush(stdout);
        buf_reset(&out);
        arena_reset(&a);
    }
    free(line);
    buf_free(&out);
    arena_free(&a);
    return 0;
}
