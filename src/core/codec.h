/*
 * codec.h: the byte encodings Go's standard library gives templates,
 * expr, config, YAML and services alike: hex digits, base64
 * (encoding/base64's StdEncoding and URLEncoding, padded or raw) and
 * net/url's escaping.  One decoder serves every caller, each choosing its
 * variant by flags.
 */
#ifndef RN_CODEC_H
#define RN_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
static inline int codec_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Base64 variants (flags): Go's StdEncoding by default. */
#define CODEC_B64_URL 1u /* URLEncoding's alphabet: '-' and '_' */
#define CODEC_B64_RAW 2u /* no padding (RawStdEncoding, RawURLEncoding) */
#define CODEC_B64_LAX 4u /* decoding: padding optional */

/* Encoded length of n bytes. */
size_t codec_b64_len(size_t n, unsigned flags);
/* Encode s[0..n) into dst (room for codec_b64_len(n) + 1; NUL-terminated);
 * returns the length written. */
size_t codec_b64_encode(char *dst, const void *s, size_t n, unsigned flags);
/* Encode appended to b; a buffer status. */
int codec_b64_append(struct buf *b, const void *s, size_t n, unsigned flags);
/*
 * Go's Encoding.DecodeString of s[0..n) into dst (room for n bytes):
 * four-character quanta, '=' only as the final padding (CODEC_B64_RAW:
 * none; CODEC_B64_LAX: optional), CR and LF skipped anywhere.  RN_OK with
 * the length in *outn; RN_EINVAL with *bad the offset Go reports
 * ("illegal base64 data at input byte N").
 */
int codec_b64_decode(const char *s, size_t n, unsigned flags,
                     unsigned char *dst, size_t *outn, size_t *bad);

/* net/url's escapers (codec_url_escape modes). */
enum codec_url {
    CODEC_URL_QUERY,   /* url.QueryEscape: space as '+' */
    CODEC_URL_SEGMENT, /* url.PathEscape: the bytes of one path segment */
};

/* Go's url.QueryEscape or url.PathEscape of s[0..n), appended to b
 * (upper-case hex); a buffer status. */
int codec_url_escape(struct buf *b, const char *s, size_t n,
                     enum codec_url mode);

#endif
