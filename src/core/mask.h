/*
 * mask.h: keeping secret values out of text that leaves the process.
 *
 * A mask holds secret values (a Secret's data, a service's token) and,
 * for each, the forms a message can carry it in: the bytes themselves, in
 * upper and lower case, escaped as a JSON string (HTML-safe or not) and
 * as Go's %q, percent-encoded as a URL query and as a path segment, in
 * hex (both cases), in base64 (standard and URL-safe, at each of the three
 * byte alignments, so a value inside a longer encoded text is found too),
 * as the decimal byte list Go prints for a []byte, and, for a value of
 * several lines, each line.  mask_apply copies text with every occurrence
 * of any form replaced by MASK_TEXT, in one left-to-right pass (the
 * longest form wins where several start), and also hides the password of
 * credentials written inside a URL (scheme://user:password@host) whether
 * or not it is a known secret.
 *
 * Values shorter than MASK_MIN_LEN bytes are not added: masking them in
 * free text would garble every message.  `rnotify check` warns about such
 * values instead.
 *
 * A mask is built, then only read, so any number of threads may apply it
 * at once; it is reference-counted (atomically), so one thread may swap in
 * a new one while others still hold the old.
 */
#ifndef RN_MASK_H
#define RN_MASK_H

#include <stddef.h>

struct buf;
struct mask;

#define MASK_MIN_LEN 4
#define MASK_TEXT "*****"

/* An empty mask with one reference; NULL on OOM. */
struct mask *mask_new(void);
/* Take / drop a reference; the last unref frees it (NULL is fine). */
struct mask *mask_ref(struct mask *m);
void mask_unref(struct mask *m);

/* Add secret value v[0..n) and its forms.  A value under MASK_MIN_LEN
 * bytes is ignored (RN_OK).  RN_ENOMEM leaves the forms added so far. */
int mask_add(struct mask *m, const char *v, size_t n);
/* How many distinct forms the mask matches (0 for NULL). */
size_t mask_forms(const struct mask *m);

/* Append text[0..n) to out, masked, stopping once out holds max bytes (a
 * form is never cut: it is matched before the copy stops).  m may be
 * NULL: then only URL credentials are masked.  Linear in what it reads
 * times the forms that start with the same byte.  A buffer status. */
int mask_apply(const struct mask *m, struct buf *out, const char *text,
               size_t n, size_t max);
/* b masked in place; on failure b is freed (a buffer status). */
int mask_buf(const struct mask *m, struct buf *b);
/* A NUL-terminated message in a fixed array of cap bytes, masked in
 * place (cut to cap - 1 bytes when masking made it longer). */
void mask_scrub(const struct mask *m, char *msg, size_t cap);
/* mask_scrub with the mask as user data: the shape of log.h's
 * log_scrub_fn, for log_set_scrubber(mask_scrub_fn, m). */
void mask_scrub_fn(void *m, char *line, size_t cap);

#endif
