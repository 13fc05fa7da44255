/* err.c: status texts and the error-detail helpers of err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *const status_text[] = {
    [RN_OK] = "ok",
    [RN_ENOMEM] = "out of memory",
    [RN_ESYNTAX] = "syntax error",
    [RN_EEXEC] = "execution error",
    [RN_ELIMIT] = "limit exceeded",
    [RN_EIO] = "i/o error",
    [RN_EHTTP] = "http error",
    [RN_ECONFIG] = "configuration error",
    [RN_EINVAL] = "invalid input",
    [RN_ENOTFOUND] = "not found",
};

const char *rn_strstatus(int code)
{
    if (code < 0 || (size_t)code >= sizeof status_text / sizeof *status_text ||
        !status_text[code])
        return "unknown error";
    return status_text[code];
}

int rn_verrf(struct rn_err *e, int code, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    e->code = code;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return code;
}

int rn_errf(struct rn_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rn_verrf(e, code, fmt, ap);
    va_end(ap);
    return code;
}

int rn_errf_at(struct rn_err *e, int code, const char *src, int line,
               int col, const char *fmt, ...)
{
    va_list ap;
    if (!e)
        return code;
    va_start(ap, fmt);
    rn_verrf(e, code, fmt, ap);
    va_end(ap);
    e->src = src;
    e->line = line;
    e->col = col;
    return code;
}

void rn_err_clear(struct rn_err *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
}

void rn_pos_at(const char *text, size_t n, size_t off, int *line, int *col)
{
    size_t bol = 0;
    int l = 1;
    if (off > n)
        off = n;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    *line = l;
    *col = (int)(off - bol) + 1;
}
