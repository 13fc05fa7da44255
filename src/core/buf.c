/* buf.c: capped growable buffers (buf.h). */
#include "buf.h"

#include "alloc.h"
#include "err.h"
#include "limits.h"

#include <stdio.h>
#include <string.h>

void buf_init(struct buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->alloc = 0;
    b->max = max ? max : RN_BUF_DEFAULT_MAX;
}

void buf_free(struct buf *b)
{
    rn_free(b->ptr);
    b->ptr = NULL;
    b->len = b->alloc = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

static int grow(struct buf *b, size_t add)
{
    if (add > b->max || b->len > b->max - add) {
        buf_free(b);
        return RN_ELIMIT;
    }
    size_t need = b->len + add + 1;
    if (need <= b->alloc)
        return RN_OK;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n *= 2;
    char *p = rn_realloc(b->ptr, n);
    if (!p) {
        buf_free(b);
        return RN_ENOMEM;
    }
    b->ptr = p;
    b->alloc = n;
    return RN_OK;
}

/* buf_add when the bytes may not fit: grow first (kept out of line so
 * the common case stays small). */
__attribute__((noinline)) static int add_slow(struct buf *b, const void *mem,
                                              size_t len)
{
    int rc = grow(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->ptr + b->len, mem, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return RN_OK;
}

int buf_add(struct buf *b, const void *mem, size_t len)
{
    if (len >= b->alloc - b->len || b->len + len > b->max)
        return add_slow(b, mem, len);
    if (len)
        memcpy(b->ptr + b->len, mem, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return RN_OK;
}

int buf_add_str(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_add_char(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int buf_add_vfmt(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return RN_EINVAL;
    int rc = grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return RN_OK;
}

int buf_add_fmt(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_add_vfmt(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_reserve(struct buf *b, size_t n, char **out)
{
    int rc = n >= b->alloc - b->len ? grow(b, n) : RN_OK;
    if (rc == RN_OK)
        *out = b->ptr + b->len;
    return rc;
}

void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
    b->ptr[b->len] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->ptr[len] = '\0';
    }
}

const char *buf_str(const struct buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *buf_take(struct buf *b, size_t *len)
{
    char *p = b->ptr;
    if (!p)
        p = rn_strndup("", 0);
    if (len)
        *len = b->len;
    b->ptr = NULL;
    b->len = b->alloc = 0;
    return p;
}
