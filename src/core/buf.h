/*
 * buf.h: growable byte buffers with a hard cap (curl's dynbuf shape).
 *
 * On failure (OOM or cap) a buffer frees its contents and returns RN_ENOMEM
 * or RN_ELIMIT, so callers just return.  The bytes are always
 * NUL-terminated when len > 0.
 */
#ifndef RN_BUF_H
#define RN_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *ptr;
    size_t len, alloc;
    size_t max; /* cap on len */
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *mem, size_t len);
int buf_add_str(struct buf *b, const char *s);
int buf_add_char(struct buf *b, char c);
int buf_add_fmt(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_add_vfmt(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Room for n more bytes (and the NUL) at *out, where the caller writes
 * them before buf_commit; on failure the buffer has freed itself, as
 * buf_add does (RN_ENOMEM, RN_ELIMIT).  For writers that emit straight
 * into the buffer instead of appending piece by piece. */
int buf_reserve(struct buf *b, size_t n, char **out);
/* Count n bytes written at buf_reserve's pointer (n <= what was
 * reserved). */
void buf_commit(struct buf *b, size_t n);
/* Shrink to len (<= current length). */
void buf_truncate(struct buf *b, size_t len);
/* The contents ("" when empty); valid until the next change. */
const char *buf_str(const struct buf *b);
/* Hand over the malloc'ed bytes (caller frees with rn_free); the buffer is
 * left empty.  Never NULL unless OOM. */
char *buf_take(struct buf *b, size_t *len);

#endif
