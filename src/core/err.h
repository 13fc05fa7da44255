/*
 * err.h: status codes and error details.
 *
 * Functions return an int from enum rn_status (RN_OK = 0).  Numbers are
 * never reused.  Details go into a caller-supplied struct rn_err, fixed-size
 * so reporting works when memory is exhausted.
 */
#ifndef RN_ERR_H
#define RN_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum rn_status {
    RN_OK = 0,
    RN_ENOMEM = 1,
    RN_ESYNTAX = 2,  /* parse / compile error */
    RN_EEXEC = 3,    /* execution / runtime error */
    RN_ELIMIT = 4,   /* a limit of limits.h was hit */
    RN_EIO = 5,
    RN_EHTTP = 6,
    RN_ECONFIG = 7,
    RN_EINVAL = 8,   /* bad argument or bad input data */
    RN_ENOTFOUND = 9,
};

struct rn_err {
    int code;
    char msg[256];
    const char *src; /* names the input: template name, config key, ... */
    int line, col;   /* 1-based; 0 when unknown */
};

/* Fixed text for a status code. */
const char *rn_strstatus(int code);

/* Fill e (if non-NULL) and return code.  msg is printf-style, truncated to
 * fit. */
int rn_errf(struct rn_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int rn_verrf(struct rn_err *e, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Same, with a source position. */
int rn_errf_at(struct rn_err *e, int code, const char *src, int line,
               int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

void rn_err_clear(struct rn_err *e);

/* The 1-based line and column (in bytes) of byte `off` of text[0..n)
 * (the end when off is past it): positions for parsers that report a
 * byte offset, as libyaml does for bad UTF-8. */
void rn_pos_at(const char *text, size_t n, size_t off, int *line, int *col);

#endif
