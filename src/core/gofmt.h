/*
 * gofmt.h: Go's fmt and strconv number/value formatting, byte for byte.
 *
 * What Go prints for a value depends on its dynamic and static type
 * (struct val kind + flags): float64 1e6 prints "1e+06" with %v, an int
 * prints "1000000", a map prints "map[a:1 b:2]", nil prints "<nil>", a
 * time.Time prints via its String method.  Template printing, printf,
 * sprig and expr's %v all go through here.
 */
#ifndef RN_GOFMT_H
#define RN_GOFMT_H

#include "val.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * Every int-returning function here appends to b and returns RN_OK or the
 * buffer's error (RN_ENOMEM / RN_ELIMIT; the buffer has then freed its
 * contents).  Mistakes in a format or its operands are never errors: they
 * are printed the way Go prints them.  No function keeps a pointer to its
 * arguments.
 */

/* strconv.FormatFloat(f, fmt, prec, bitsize): fmt one of 'e' 'E' 'f' 'g'
 * 'G' 'b' 'x' 'X'; prec -1 = shortest that round-trips. */
int gofmt_float(struct buf *b, double f, char fmt, int prec, int bitsize);
/* strconv.FormatInt / FormatUint in base 2..36. */
int gofmt_int(struct buf *b, int64_t i, int base);
int gofmt_uint(struct buf *b, uint64_t u, int base);

/* fmt.Sprint(v) of one value (%v). */
int gofmt_value(struct buf *b, struct val v);

/* fmt.Sprint(args...): spaces between operands when neither side is a
 * string. */
int gofmt_sprint(struct buf *b, const struct val *args, size_t n);
/* fmt.Sprintln(args...): always spaces, newline at the end. */
int gofmt_sprintln(struct buf *b, const struct val *args, size_t n);
/* fmt.Sprintf(format, args...), every verb, flag, width, precision and
 * argument index Go has, including %!v(MISSING) / %!(EXTRA ...) errors. */
int gofmt_sprintf(struct buf *b, const char *fmt, size_t fmtlen,
                  const struct val *args, size_t n);

/*
 * strconv.ParseInt / ParseUint(s[0..n), base, 64) and ParseFloat(s, 64).
 * Base 0 reads Go's prefixes and underscores.  RN_OK; RN_EINVAL for Go's
 * ErrSyntax; RN_ELIMIT for ErrRange, *out then saturated as Go returns
 * it (ParseFloat: +-Inf); ParseFloat may also give RN_ENOMEM.
 */
int gofmt_parse_int(const char *s, size_t n, int base, int64_t *out);
int gofmt_parse_uint(const char *s, size_t n, int base, uint64_t *out);
int gofmt_parse_float(const char *s, size_t n, double *out);

/* strconv.Quote / QuoteToASCII of s. */
int gofmt_quote(struct buf *b, const char *s, size_t n, int ascii_only);
/* strconv.QuoteRune / QuoteRuneToASCII of r (invalid runes quote as
 * U+FFFD). */
int gofmt_quote_rune(struct buf *b, uint32_t r, int ascii_only);
/* strconv.CanBackquote(s) */
bool gofmt_can_backquote(const char *s, size_t n);
/* strconv.IsPrint(r) (Unicode 14 tables plus the Unicode 15 emoji) */
bool gofmt_isprint(uint32_t r);

#endif
