/*
 * codec.h: the byte encodings Go's standard library gives templates,
 * expr, config and services alike: hex digits and base64
 * (encoding/base64's StdEncoding and URLEncoding, padded or raw).  One
 * decoder serves every caller, each choosing its variant by flags.
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

#endif
