/*
 * codec.c: base64 as Go's encoding/base64 reads and writes it, and
 * net/url's escaping (codec.h).  Decoding follows Go's decodeQuantum: the error
 * offsets are the ones Go reports, so messages such as sprig's "illegal base64
 * data at input byte 4" match.
 */
#include "codec.h"

#include "buf.h"
#include "err.h"

#include <string.h>

static const char std_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t codec_b64_len(size_t n, unsigned flags)
{
    if (flags & CODEC_B64_RAW)
        return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    return (n + 2) / 3 * 4;
}

size_t codec_b64_encode(char *dst, const void *src, size_t n, unsigned flags)
{
    const unsigned char *s = src;
    const char *alpha = flags & CODEC_B64_URL ? url_alpha : std_alpha;
    bool pad = !(flags & CODEC_B64_RAW);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        dst[k++] = alpha[v >> 18];
        dst[k++] = alpha[(v >> 12) & 63];
        if (i + 1 < n || pad)
            dst[k++] = i + 1 < n ? alpha[(v >> 6) & 63] : '=';
        if (i + 2 < n || pad)
            dst[k++] = i + 2 < n ? alpha[v & 63] : '=';
    }
    dst[k] = '\0';
    return k;
}

int codec_b64_append(struct buf *b, const void *s, size_t n, unsigned flags)
{
    char chunk[4 * 64 + 1];
    const unsigned char *p = s;
    int rc = RN_OK;
    /* whole quanta through a small stack chunk */
    for (size_t i = 0; rc == RN_OK && i < n; i += 3 * 64) {
        size_t m = n - i < 3 * 64 ? n - i : 3 * 64;
        rc = buf_add(b, chunk, codec_b64_encode(chunk, p + i, m, flags));
    }
    return rc;
}

/* The sextet of ch in the alphabet, or -1. */
static int sextet(unsigned char ch, bool url)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == (url ? '-' : '+'))
        return 62;
    if (ch == (url ? '_' : '/'))
        return 63;
    return -1;
}

static bool is_nl(char ch)
{
    return ch == '\n' || ch == '\r';
}

/* After the padding: newlines, then nothing; else the garbage's offset. */
static int pad_tail(const char *s, size_t n, size_t *si, size_t *bad)
{
    while (*si < n && is_nl(s[*si]))
        (*si)++;
    if (*si < n) {
        *bad = *si;
        return RN_EINVAL;
    }
    return RN_OK;
}

/* A '=' as the sextet at index j of a quantum (the '=' consumed). */
static int padding(const char *s, size_t n, size_t *si, int j, size_t *bad)
{
    if (j < 2) {
        *bad = *si - 1;
        return RN_EINVAL;
    }
    if (j == 2) { /* "==" expected: the second one, after newlines */
        while (*si < n && is_nl(s[*si]))
            (*si)++;
        if (*si == n || s[*si] != '=') {
            *bad = *si == n ? n : *si - 1;
            return RN_EINVAL;
        }
        (*si)++;
    }
    return pad_tail(s, n, si, bad);
}

/* Go's decodeQuantum: up to four sextets into d; *dlen of them read. */
static int quantum(const char *s, size_t n, unsigned flags, size_t *si,
                   uint8_t d[4], int *dlen, size_t *bad)
{
    bool nopad = flags & (CODEC_B64_RAW | CODEC_B64_LAX);
    for (int j = 0; j < 4; j++) {
        if (*si == n) {
            if (j == 0 || (j == 1 || !nopad)) {
                *dlen = j;
                *bad = *si - (size_t)j;
                return j == 0 ? RN_OK : RN_EINVAL;
            }
            *dlen = j;
            return RN_OK;
        }
        unsigned char in = (unsigned char)s[(*si)++];
        int v = sextet(in, flags & CODEC_B64_URL);
        if (v >= 0) {
            d[j] = (uint8_t)v;
        } else if (is_nl((char)in)) {
            j--;
        } else if (in != '=' || (flags & CODEC_B64_RAW)) {
            *bad = *si - 1;
            return RN_EINVAL;
        } else {
            *dlen = j;
            return padding(s, n, si, j, bad);
        }
    }
    *dlen = 4;
    return RN_OK;
}

int codec_b64_decode(const char *s, size_t n, unsigned flags,
                     unsigned char *dst, size_t *outn, size_t *bad)
{
    size_t si = 0, k = 0;
    *outn = 0;
    while (si < n) {
        uint8_t d[4] = {0, 0, 0, 0};
        int dlen = 0;
        int rc = quantum(s, n, flags, &si, d, &dlen, bad);
        if (rc)
            return rc;
        uint32_t v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 |
                     (uint32_t)d[2] << 6 | d[3];
        for (int i = 0; i < dlen - 1; i++)
            dst[k++] = (unsigned char)(v >> (16 - 8 * i));
        if (dlen < 4)
            break;
    }
    *outn = k;
    return RN_OK;
}

/* Go's shouldEscape: unreserved bytes stay in both modes; a path segment
 * also keeps "$&+:=@" (and never a NUL). */
static bool url_plain(unsigned char c, enum codec_url mode)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
        return true;
    return mode == CODEC_URL_SEGMENT && c && strchr("$&+:=@", c) != NULL;
}

int codec_url_escape(struct buf *b, const char *s, size_t n,
                     enum codec_url mode)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = RN_OK;
    for (size_t i = 0; rc == RN_OK && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (url_plain(c, mode)) {
            rc = buf_add_char(b, (char)c);
        } else if (c == ' ' && mode == CODEC_URL_QUERY) {
            rc = buf_add_char(b, '+');
        } else {
            char t[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = buf_add(b, t, 3);
        }
    }
    return rc;
}
