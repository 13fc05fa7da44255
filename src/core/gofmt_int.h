/*
 * gofmt_int.h: the printer state shared by gofmt_print.c (values, verbs,
 * padding) and gofmt_printf.c (format strings), the shape of Go's fmt.pp.
 * Nothing outside gofmt*.c includes this.
 */
#ifndef RN_GOFMT_INT_H
#define RN_GOFMT_INT_H

#include "val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

struct gofmt_pp {
    struct buf *b;
    int rc; /* first buffer error; once set, nothing more is written */
    int wid, prec;
    bool wid_present, prec_present;
    bool minus, plus, sharp, space, zero;
    bool plusv, sharpv; /* %+v and %#v, with plus/sharp cleared */
    bool erroring;      /* inside %!verb(...): no String/Error methods */
};

void gofmt_pp_init(struct gofmt_pp *p, struct buf *b);
void gofmt_pp_clearflags(struct gofmt_pp *p);
void gofmt_pp_write(struct gofmt_pp *p, const char *s, size_t n);
void gofmt_pp_write_rune(struct gofmt_pp *p, uint32_t r);
/* Go's pp.printArg(arg, verb): one operand with the current flags. */
void gofmt_pp_print_arg(struct gofmt_pp *p, struct val v, uint32_t verb);

#endif
