/*
 * expr.c: the module's public entry points and its error text.
 *
 * Errors read the way expr prints them: the message, the 1-based line and
 * column in runes, then the source line and a caret under the column
 * ("unexpected token EOF (1:3)\n | 1 +\n | ..^").  Compile errors come
 * back as RN_ESYNTAX, run-time errors as RN_EEXEC; both keep the position
 * in rn_err.line/col.
 */
#include "expr_int.h"

#include "../core/alloc.h"
#include "../core/utf8.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Message + " (line:col)\n | source line\n | ...^" into e->msg. */
static void format_error(struct rn_err *e, const char *src, size_t n,
                         uint32_t pos, const char *msg, int code,
                         const char *name)
{
    int line = 1, col = 0;
    size_t line_start = 0;
    if (pos > n)
        pos = (uint32_t)n;
    for (size_t i = 0; i < pos;) {
        uint32_t r;
        size_t w = utf8_decode(src + i, n - i, &r);
        if (r == '\n') {
            line++;
            col = 0;
            line_start = i + 1;
        } else {
            col++;
        }
        i += w;
    }
    size_t line_end = line_start;
    while (line_end < n && src[line_end] != '\n')
        line_end++;
    char snippet[160];
    size_t sl = line_end - line_start;
    if (sl > 100)
        sl = 100;
    for (size_t i = 0; i < sl; i++) {
        char c = src[line_start + i];
        snippet[i] = c == '\t' ? ' ' : c;
    }
    snippet[sl] = 0;
    char caret[110];
    int k = 0;
    bool multibyte = false;
    for (size_t i = line_start; i < n && k < col && k < 100; k++) {
        uint32_t r;
        size_t w = utf8_decode(src + i, n - i, &r);
        multibyte |= w > 1;
        i += w;
        caret[k] = '.';
    }
    caret[k] = 0;
    if (multibyte)
        rn_errf_at(e, code, name, line, col + 1, "%s (%d:%d)\n | %s", msg, line,
                   col + 1, snippet);
    else
        rn_errf_at(e, code, name, line, col + 1, "%s (%d:%d)\n | %s\n | %s^",
                   msg, line, col + 1, snippet, caret);
}

/* See expr.h.  The program owns a copy of src and an arena with the
 * tree; compiled regular expressions are freed by expr_free(). */
struct expr_prog *expr_compile(const char *src, size_t n, const char *name,
                               struct rn_err *e)
{
    struct expr_prog *p = rn_calloc(1, sizeof *p);
    if (!p) {
        rn_errf(e, RN_ENOMEM, "out of memory");
        return NULL;
    }
    arena_init(&p->arena, 0);
    p->src = rn_strndup(src ? src : "", src ? n : 0);
    p->srclen = src ? n : 0;
    if (!p->src) {
        rn_free(p);
        rn_errf(e, RN_ENOMEM, "out of memory");
        return NULL;
    }
    struct rn_err pe = {0};
    int rc = expr_parse(p, &pe);
    if (rc != RN_OK) {
        if (e)
            format_error(e, p->src, p->srclen, (uint32_t)pe.col, pe.msg,
                         pe.code, name);
        expr_free(p);
        return NULL;
    }
    return p;
}

/* The part of a run that can fail: 1 after expr_fail (message in
 * ev->msg).  It is its own function so that the run state is not a local
 * of the function calling setjmp (whose changed locals longjmp leaves
 * indeterminate). */
static int run_guarded(struct ev *ev, struct val *out)
{
    if (setjmp(ev->jb))
        return 1;
    if (ev->p->nvars > 0) {
        size_t n = (size_t)ev->p->nvars * sizeof *ev->vars;
        ev->vars = memset(expr_alloc(ev, n), 0, n);
    }
    *out = expr_eval(ev, ev->p->root);
    return 0;
}

/* See expr.h.  The run state lives on the stack; only what precedes its
 * jmp_buf is cleared. */
int expr_run(const struct expr_prog *p, struct val env, struct arena *a,
             struct val *out, struct rn_err *e)
{
    if (!p || !a)
        return rn_errf(e, RN_EINVAL, "no program or arena");
    struct ev ev;
    memset(&ev, 0, offsetof(struct ev, jb));
    ev.p = p;
    ev.a = a;
    ev.used0 = a->used;
    ev.env = env;
    if (!run_guarded(&ev, out))
        return RN_OK;
    int rc = strcmp(ev.msg, "out of memory") == 0 ? RN_ENOMEM : RN_EEXEC;
    if (e)
        format_error(e, p->src, p->srclen, ev.pos, ev.msg, rc, NULL);
    return rc;
}

/* See expr.h; NULL is fine. */
void expr_free(struct expr_prog *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nregex; i++)
        gore_free(p->regexes[i]);
    arena_free(&p->arena);
    rn_free(p->src);
    rn_free(p);
}
