/*
 * log.h: one line per event, as logfmt text or JSON, on stderr.
 *
 * The controller and the CLI log; the pure modules (core's parsers,
 * template, expr, config, engine) never do, they return errors.  A line is
 * a level, a message and key/value pairs:
 *
 *   log_kv(LOG_INFO, "delivered", "service", "slack", "rollout", "ns/x",
 *          NULL);
 *
 * text:  time=2026-01-02T03:04:05.678Z level=info msg=delivered
 *        service=slack rollout=ns/x
 * json:  {"time":"...","level":"info","msg":"delivered","service":"slack",
 *         "rollout":"ns/x"}
 *
 * Values that need it are quoted (text) or escaped (JSON).  Each value,
 * before it is quoted, and then the finished line pass through the
 * scrubber, if one is set, so that no Secret value reaches the log in any
 * of its encodings.  Lines are written
 * whole under a lock, so threads never interleave.
 */
#ifndef RN_LOG_H
#define RN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* Rewrites a value or the finished line in place (cap bytes available,
 * NUL-terminated on entry and exit); ud is the scrubber's own data.
 * Called under the log's lock, never re-entered. */
typedef void log_scrub_fn(void *ud, char *line, size_t cap);

/* Defaults: LOG_INFO, LOG_TEXT, stderr, no scrubber. */
void log_setup(enum log_level min, enum log_format fmt, FILE *out);
/* Install (or clear with NULL) the scrubber.  Thread-safe. */
void log_set_scrubber(log_scrub_fn *fn, void *ud);
/* Run the scrubber (if one is set) over s, NUL-terminated with cap bytes
 * of room, so that text shown elsewhere (the controller's status page) is
 * masked as the log is.  Thread-safe. */
void log_scrub_text(char *s, size_t cap);
/* "debug", "info", "warn"/"warning", "error" (-1 when unknown);
 * "text" / "json". */
int log_level_parse(const char *s);
int log_format_parse(const char *s);
bool log_enabled(enum log_level lv);

/* Log msg with key/value string pairs ending in NULL.  A NULL value
 * prints as an empty string. */
void log_kv(enum log_level lv, const char *msg, ...);

#endif
