/*
 * gofmt_printf.c: fmt.Sprintf's format string.
 *
 * Flags (# 0 + - space), width and precision (digits or * from an int
 * argument), explicit argument indexes %[n]v, and Go's complaints written
 * into the output: %!(BADWIDTH), %!(BADPREC), %!v(BADINDEX),
 * %!v(MISSING), %!(NOVERB) and the trailing %!(EXTRA type=value, ...) for
 * unused operands (not reported once an index reordered the arguments).
 * Each verb and operand then goes to gofmt_pp_print_arg (gofmt_print.c).
 */
#include "gofmt.h"

#include "buf.h"
#include "err.h"
#include "gofmt_int.h"
#include "utf8.h"

#include <string.h>

/* Go's fmt rejects widths and precisions past a million. */
#define NUM_MAX 1000000

struct fmtscan {
    const char *f;
    size_t end;
    size_t i;
    size_t argnum, nargs;
    const struct val *args;
    bool reordered, good_argnum, after_index;
};

/* Digits at f[i..end): the number, whether there was one, the new i. */
static int parse_num(const char *f, size_t i, size_t end, bool *isnum,
                     size_t *newi)
{
    int num = 0;
    *isnum = false;
    for (; i < end && f[i] >= '0' && f[i] <= '9'; i++) {
        if (num > NUM_MAX) {
            *newi = end;
            *isnum = false;
            return 0;
        }
        num = num * 10 + (f[i] - '0');
        *isnum = true;
    }
    *newi = i;
    return num;
}

/* "[n]" at f[0..n): the zero-based index, the bytes it takes, and
 * whether it parsed. */
static bool parse_arg_index(const char *f, size_t n, int *index, size_t *width)
{
    *width = 1;
    if (n < 3)
        return false;
    for (size_t i = 1; i < n; i++) {
        if (f[i] == ']') {
            bool ok;
            size_t newi;
            int num = parse_num(f, 1, i, &ok, &newi);
            *width = i + 1;
            if (!ok || newi != i)
                return false;
            *index = num - 1;
            return true;
        }
    }
    return false;
}

/* Go's argNumber: an explicit [n] index at the scan position, if any. */
static void arg_number(struct fmtscan *sc)
{
    sc->after_index = false;
    if (sc->i >= sc->end || sc->f[sc->i] != '[')
        return;
    sc->reordered = true;
    int index = 0;
    size_t width;
    bool ok = parse_arg_index(sc->f + sc->i, sc->end - sc->i, &index, &width);
    sc->i += width;
    if (ok && index >= 0 && (size_t)index < sc->nargs) {
        sc->argnum = (size_t)index;
        sc->after_index = true;
        return;
    }
    sc->good_argnum = false;
    sc->after_index = ok;
}

/* Go's intFromArg: the operand for a '*', if it is an integer that fits. */
static bool int_from_arg(struct fmtscan *sc, int *num)
{
    *num = 0;
    if (sc->argnum >= sc->nargs)
        return false;
    struct val v = sc->args[sc->argnum++];
    bool ok = false;
    if (val_kind(v) == VAL_INT || val_kind(v) == VAL_DURATION) {
        unsigned gt = val_gotype(v);
        int64_t i = val_int_of(v);
        bool is_unsigned =
            val_kind(v) == VAL_INT && gt >= GT_UINT && gt <= GT_UINTPTR;
        ok = !(is_unsigned && i < 0);
        if (ok && (i > NUM_MAX || i < -NUM_MAX))
            ok = false;
        if (ok)
            *num = (int)i;
    }
    return ok;
}

/* flags -> p */
static void parse_flags(struct gofmt_pp *p, struct fmtscan *sc)
{
    for (; sc->i < sc->end; sc->i++) {
        switch (sc->f[sc->i]) {
        case '#':
            p->sharp = true;
            break;
        case '0':
            p->zero = true;
            break;
        case '+':
            p->plus = true;
            break;
        case '-':
            p->minus = true;
            break;
        case ' ':
            p->space = true;
            break;
        default:
            return;
        }
    }
}

/* width -> digits | '*' */
static void parse_width(struct gofmt_pp *p, struct fmtscan *sc)
{
    if (sc->i < sc->end && sc->f[sc->i] == '*') {
        sc->i++;
        p->wid_present = int_from_arg(sc, &p->wid);
        if (!p->wid_present)
            gofmt_pp_write(p, "%!(BADWIDTH)", 12);
        if (p->wid < 0) {
            p->wid = -p->wid;
            p->minus = true;
            p->zero = false;
        }
        sc->after_index = false;
        return;
    }
    p->wid = parse_num(sc->f, sc->i, sc->end, &p->wid_present, &sc->i);
    if (sc->after_index && p->wid_present)
        sc->good_argnum = false;
}

/* precision -> '.' [ index ] ( digits | '*' ) */
static void parse_prec(struct gofmt_pp *p, struct fmtscan *sc)
{
    if (!(sc->i + 1 < sc->end && sc->f[sc->i] == '.'))
        return;
    sc->i++;
    if (sc->after_index)
        sc->good_argnum = false;
    arg_number(sc);
    if (sc->i < sc->end && sc->f[sc->i] == '*') {
        sc->i++;
        p->prec_present = int_from_arg(sc, &p->prec);
        if (p->prec < 0) {
            p->prec = 0;
            p->prec_present = false;
        }
        if (!p->prec_present)
            gofmt_pp_write(p, "%!(BADPREC)", 11);
        sc->after_index = false;
        return;
    }
    p->prec = parse_num(sc->f, sc->i, sc->end, &p->prec_present, &sc->i);
    if (!p->prec_present) {
        p->prec = 0;
        p->prec_present = true;
    }
}

static void write_bang(struct gofmt_pp *p, uint32_t verb, const char *what)
{
    gofmt_pp_write(p, "%!", 2);
    gofmt_pp_write_rune(p, verb);
    gofmt_pp_write(p, what, strlen(what));
}

/*
 * verb -> '%' flags [ index ] [ width ] [ precision ] [ index ] verb
 * Returns false when the format ended without a verb.
 */
static bool do_verb(struct gofmt_pp *p, struct fmtscan *sc)
{
    gofmt_pp_clearflags(p);
    parse_flags(p, sc);
    arg_number(sc);
    parse_width(p, sc);
    parse_prec(p, sc);
    if (!sc->after_index)
        arg_number(sc);
    if (sc->i >= sc->end) {
        gofmt_pp_write(p, "%!(NOVERB)", 10);
        return false;
    }
    uint32_t verb = (unsigned char)sc->f[sc->i];
    size_t w = 1;
    if (verb >= 0x80)
        w = utf8_decode(sc->f + sc->i, sc->end - sc->i, &verb);
    sc->i += w;
    if (verb == '%') {
        gofmt_pp_write(p, "%", 1);
    } else if (!sc->good_argnum) {
        write_bang(p, verb, "(BADINDEX)");
    } else if (sc->argnum >= sc->nargs) {
        write_bang(p, verb, "(MISSING)");
    } else {
        if (verb == 'v') {
            p->sharpv = p->sharp;
            p->sharp = false;
            p->plusv = p->plus;
            p->plus = false;
        }
        gofmt_pp_print_arg(p, sc->args[sc->argnum++], verb);
    }
    return true;
}

/* %!(EXTRA type=value, ...) for operands no verb used. */
static void write_extra(struct gofmt_pp *p, const struct fmtscan *sc)
{
    gofmt_pp_clearflags(p);
    gofmt_pp_write(p, "%!(EXTRA ", 9);
    for (size_t k = sc->argnum; k < sc->nargs; k++) {
        struct val v = sc->args[k];
        if (k > sc->argnum)
            gofmt_pp_write(p, ", ", 2);
        if (val_is_null(v)) {
            gofmt_pp_write(p, "<nil>", 5);
            continue;
        }
        const char *tn = val_type_name(v);
        gofmt_pp_write(p, tn, strlen(tn));
        gofmt_pp_write(p, "=", 1);
        gofmt_pp_print_arg(p, v, 'v');
    }
    gofmt_pp_write(p, ")", 1);
}

/*
 * fmt.Sprintf(fmt, args...) appended to b.  Mistakes in the format or
 * operands are written into the output as Go writes them, never errors.
 * Returns RN_OK or the buffer's error (RN_ENOMEM / RN_ELIMIT; the buffer
 * is then freed).
 */
int gofmt_sprintf(struct buf *b, const char *fmt, size_t fmtlen,
                  const struct val *args, size_t n)
{
    struct gofmt_pp p;
    gofmt_pp_init(&p, b);
    struct fmtscan sc = {.f = fmt, .end = fmtlen, .args = args, .nargs = n};
    while (sc.i < sc.end && !p.rc) {
        sc.good_argnum = true;
        size_t lasti = sc.i;
        while (sc.i < sc.end && fmt[sc.i] != '%')
            sc.i++;
        gofmt_pp_write(&p, fmt + lasti, sc.i - lasti);
        if (sc.i >= sc.end)
            break;
        sc.i++;
        if (!do_verb(&p, &sc))
            break;
    }
    if (!sc.reordered && sc.argnum < sc.nargs)
        write_extra(&p, &sc);
    return p.rc;
}
