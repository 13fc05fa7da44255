/*
 * utf8.c: UTF-8 decoding and encoding with Go's error conventions
 * (utf8.h).  The validity table follows RFC 3629: the second byte's range
 * depends on the lead byte, which rules out overlong forms, UTF-16
 * surrogates and code points past U+10FFFF in one comparison.
 */
#include "utf8.h"

size_t utf8_valid_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t w;

    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        w = 2;
    } else if (c < 0xF0) {
        w = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        w = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < w || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < w; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return w;
}

size_t utf8_decode(const char *s, size_t n, uint32_t *r)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = utf8_valid_len(s, n);

    switch (w) {
    case 1:
        *r = p[0];
        return 1;
    case 2:
        *r = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    case 3:
        *r = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
             (p[2] & 0x3F);
        return 3;
    case 4:
        *r = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
             ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        return 4;
    default:
        *r = UTF8_RUNE_ERROR;
        return 1;
    }
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t w = utf8_valid_len(s + i, n - i);
        if (!w)
            return false;
        i += w;
    }
    return true;
}

size_t utf8_encode(char *out, uint32_t r)
{
    unsigned char *p = (unsigned char *)out;

    if (r < 0x80) {
        p[0] = (unsigned char)r;
        return 1;
    }
    if (r < 0x800) {
        p[0] = (unsigned char)(0xC0 | (r >> 6));
        p[1] = (unsigned char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r > UTF8_MAX_RUNE || (r >= 0xD800 && r <= 0xDFFF))
        r = UTF8_RUNE_ERROR;
    if (r < 0x10000) {
        p[0] = (unsigned char)(0xE0 | (r >> 12));
        p[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
        p[2] = (unsigned char)(0x80 | (r & 0x3F));
        return 3;
    }
    p[0] = (unsigned char)(0xF0 | (r >> 18));
    p[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3F));
    p[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
    p[3] = (unsigned char)(0x80 | (r & 0x3F));
    return 4;
}

size_t utf8_count(const char *s, size_t n)
{
    size_t i = 0, count = 0;
    while (i < n) {
        size_t w =
            (unsigned char)s[i] < 0x80 ? 1 : utf8_valid_len(s + i, n - i);
        i += w ? w : 1;
        count++;
    }
    return count;
}

/* See utf8.h. */
size_t utf8_decode_last(const char *s, size_t n, uint32_t *r)
{
    size_t start = n - 1, lim = n >= 4 ? n - 4 : 0;
    while (start > lim && ((unsigned char)s[start] & 0xC0) == 0x80)
        start--;
    size_t w = utf8_decode(s + start, n - start, r);
    if (start + w != n) {
        *r = UTF8_RUNE_ERROR;
        return 1;
    }
    return w;
}

/* See utf8.h: the White_Space property, as Go's table has it. */
bool utf8_is_space(uint32_t r)
{
    switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return r >= 0x2000 && r <= 0x200A;
    }
}

static bool in_cutset(uint32_t r, const char *cut, size_t n)
{
    if (!cut)
        return utf8_is_space(r);
    for (size_t i = 0; i < n;) {
        uint32_t c;
        i += utf8_decode(cut + i, n - i, &c);
        if (c == r)
            return true;
    }
    return false;
}

/* See utf8.h. */
void utf8_trim(const char *s, size_t n, const char *cut, size_t cutn, size_t *b,
               size_t *e)
{
    size_t i = 0, j = n;
    while (i < j) {
        uint32_t r;
        size_t w = utf8_decode(s + i, j - i, &r);
        if (!in_cutset(r, cut, cutn))
            break;
        i += w;
    }
    while (j > i) {
        uint32_t r;
        size_t w = utf8_decode_last(s + i, j - i, &r);
        if (!in_cutset(r, cut, cutn))
            break;
        j -= w;
    }
    *b = i;
    *e = j;
}
