/*
 * utf8.h: small UTF-8 helpers shared by the JSON and YAML code, the
 * template engine and sprig.  Decoding follows Go's unicode/utf8: an
 * invalid sequence (bad lead, bad continuation, overlong form, surrogate,
 * beyond U+10FFFF, or truncated) decodes as U+FFFD of width 1.
 */
#ifndef RN_UTF8_H
#define RN_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_RUNE_ERROR 0xFFFDu
#define UTF8_MAX_RUNE 0x10FFFFu

/* Decode the rune at s[0..n) (n > 0).  Stores it in *r and returns its
 * width (1..4); an invalid sequence gives *r = U+FFFD and width 1 (Go's
 * utf8.DecodeRune). */
size_t utf8_decode(const char *s, size_t n, uint32_t *r);

/* Width of the valid sequence at s[0..n), or 0 when it is invalid. */
size_t utf8_valid_len(const char *s, size_t n);

/* True when all of s[0..n) is valid UTF-8. */
bool utf8_valid(const char *s, size_t n);

/* Encode r into out (at least 4 bytes); invalid runes (surrogates, beyond
 * U+10FFFF) are written as U+FFFD.  Returns the width. */
size_t utf8_encode(char *out, uint32_t r);

/* Number of runes in s[0..n), counting each invalid byte as one. */
size_t utf8_count(const char *s, size_t n);

/* Go's utf8.DecodeLastRune: the last rune of s[0..n) (n > 0) in *r and
 * its width; an invalid tail is U+FFFD one byte wide. */
size_t utf8_decode_last(const char *s, size_t n, uint32_t *r);

/* Go's unicode.IsSpace. */
bool utf8_is_space(uint32_t r);

/* Go's strings.Trim(s, cutset) as the span s[*b..*e); a NULL cutset is
 * strings.TrimSpace.  An invalid byte of s reads as U+FFFD, which an
 * invalid byte of the cutset matches, as Go's IndexRune does. */
void utf8_trim(const char *s, size_t n, const char *cut, size_t cutn, size_t *b,
               size_t *e);

#endif
