/*
 * gotime_int.h: what the gotime*.c files and tzif.c share.
 *
 * Zones (struct tz) are loaded from TZif files by tzif.c and kept in a
 * small process-wide cache guarded by a mutex; a cached zone is immutable
 * and never freed, so its strings may be pointed at from any val_time.
 * A "location" (struct gotime_loc) is either such a zone or a fixed offset,
 * as Go's *time.Location is.  The layout scanner is shared by formatting
 * and parsing so both see the same elements.
 */
#ifndef RN_GOTIME_INT_H
#define RN_GOTIME_INT_H

#include "gotime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct rn_err;

#define GOTIME_ALPHA INT64_MIN
#define GOTIME_OMEGA INT64_MAX
#define GOTIME_SECS_PER_DAY 86400
/* Unix seconds of Go's zero time, 0001-01-01T00:00:00Z. */
#define GOTIME_ZERO_UNIX (-62135596800LL)

/* ---- zones (tzif.c) ---- */

struct tz_zone {
    int32_t off;
    bool isdst;
    const char *abbr;
};

struct tz_trans {
    int64_t when;
    uint32_t idx;
};

/* A parsed POSIX TZ rule ("EST5EDT,M3.2.0,M11.1.0"). */
struct tz_rule_day {
    int kind; /* 'J' Julian 1..365, 'D' zero-based day, 'M' month.week.day */
    int day, week, mon;
    int32_t time; /* seconds after local midnight */
};

struct tz_rule {
    char std[32], dst[32];
    int32_t stdoff, dstoff; /* seconds east of UTC */
    bool has_dst;
    struct tz_rule_day start, end;
};

struct tz {
    const char *name;
    const struct tz_zone *zones;
    uint32_t nzones;
    const struct tz_trans *tx;
    uint32_t ntx;
    bool has_rule; /* the POSIX TZ footer parsed into rule */
    bool cached;   /* owned by the cache: never freed */
    struct tz_rule rule;
};

/* What a zone says about one instant (Go's Location.lookup). */
struct tz_info {
    const char *abbr;
    int32_t off;
    int64_t start, end; /* the offset holds in [start, end) */
    bool isdst;
};

/* The zone UTC: no zones at all, "UTC" at every instant. */
extern const struct tz gotime_tz_utc;

/* Load the zone called name (a zoneinfo name, or an absolute path when
 * allow_path).  Errors use Go's words ("unknown time zone X"), code
 * RN_ENOTFOUND; RN_ENOMEM on OOM.  Release with tz_release. */
int tz_acquire(const char *name, bool allow_path, const struct tz **out,
               struct rn_err *e);
void tz_release(const struct tz *z);
/* Parse a TZif image (v1..v4) named name into a new zone (not cached). */
int tz_from_tzif(const char *name, const unsigned char *p, size_t n,
                 const struct tz **out, struct rn_err *e);
void tz_lookup(const struct tz *z, int64_t sec, struct tz_info *out);
/* Go's Location.lookupName: the offset of the zone abbreviated abbr
 * around sec. */
bool tz_lookup_name(const struct tz *z, const char *abbr, size_t n, int64_t sec,
                    int32_t *off);
/* Parse a POSIX TZ rule string as Go's tzset does; false if invalid. */
bool tz_rule_parse(const char *s, size_t n, struct tz_rule *r);
/* The zone the rule gives at unix second sec (Go's tzset); last is the
 * last transition before the rule takes over. */
void tz_rule_eval(const struct tz_rule *r, int64_t last, int64_t sec,
                  struct tz_info *out);

/* ---- locations (gotime.c) ---- */

struct gotime_loc {
    const struct tz *tz; /* NULL: a fixed zone */
    const char *name;    /* Location.String() */
    const char *abbr;    /* fixed zone: its abbreviation */
    int32_t off;         /* fixed zone: its offset */
};

/* Open the location a user named ("", "UTC", "Local" or a zoneinfo
 * name), with Go's LoadLocation checks. */
int gotime_loc_open(const char *name, struct gotime_loc *l, struct rn_err *e);
/* The location Local: $TZ, or UTC. */
int gotime_loc_local(struct gotime_loc *l, struct rn_err *e);
/* The location of t (reloaded by name; a zone that no longer loads
 * becomes a fixed zone at t's offset).  Only RN_ENOMEM can fail. */
int gotime_loc_of(const struct val_time *t, struct gotime_loc *l);
void gotime_loc_fixed(struct gotime_loc *l, const char *name, int32_t off);
void gotime_loc_close(struct gotime_loc *l);
void gotime_loc_lookup(const struct gotime_loc *l, int64_t sec,
                       struct tz_info *out);
/* A new time at unix/nsec in l, allocated in a; NULL on OOM. */
struct val_time *gotime_make(struct arena *a, int64_t unix, int32_t nsec,
                             const struct gotime_loc *l);
/* time.Date's arguments, wide enough that AddDate cannot overflow. */
struct gotime_fields {
    int64_t year, mon, day, hour, min, sec, nsec; /* mon 1-based */
};
/* time.Date in l; out-of-range fields are normalised as Go does.
 * Returns the unix seconds and stores the nanoseconds. */
int64_t gotime_date_unix(const struct gotime_fields *f,
                         const struct gotime_loc *l, int32_t *nsec);

/* ---- civil calendar (gotime.c) ---- */

bool gotime_is_leap(int64_t y);
int gotime_days_in(int m, int64_t y);
int64_t gotime_days_from_civil(int64_t y, int m, int d);
void gotime_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int64_t gotime_floor_div(int64_t a, int64_t b);
/* Wrapping int64 arithmetic (Go's), without C's undefined overflow. */
int64_t gotime_wadd(int64_t a, int64_t b);
int64_t gotime_wmul(int64_t a, int64_t b);

/* ---- layouts (gotime_format.c) ---- */

enum gotime_std {
    GOTIME_STD_NONE = 0,
    GOTIME_STD_LONG_MONTH,
    GOTIME_STD_MONTH,
    GOTIME_STD_NUM_MONTH,
    GOTIME_STD_ZERO_MONTH,
    GOTIME_STD_LONG_WEEKDAY,
    GOTIME_STD_WEEKDAY,
    GOTIME_STD_DAY,
    GOTIME_STD_UNDER_DAY,
    GOTIME_STD_ZERO_DAY,
    GOTIME_STD_UNDER_YDAY,
    GOTIME_STD_ZERO_YDAY,
    GOTIME_STD_HOUR,
    GOTIME_STD_HOUR12,
    GOTIME_STD_ZERO_HOUR12,
    GOTIME_STD_MINUTE,
    GOTIME_STD_ZERO_MINUTE,
    GOTIME_STD_SECOND,
    GOTIME_STD_ZERO_SECOND,
    GOTIME_STD_LONG_YEAR,
    GOTIME_STD_YEAR,
    GOTIME_STD_PM_UPPER,
    GOTIME_STD_PM_LOWER,
    GOTIME_STD_TZ,     /* MST */
    GOTIME_STD_NUM_TZ, /* -0700 and friends; shape in chunk.tzf */
    GOTIME_STD_FRAC0,  /* .000 */
    GOTIME_STD_FRAC9,  /* .999 */
};

/* Shapes of numeric zone elements. */
#define GOTIME_TZF_ISO 1u   /* Z0700...: "Z" for UTC */
#define GOTIME_TZF_COLON 2u /* -07:00 */
#define GOTIME_TZF_SECS 4u  /* -070000 */
#define GOTIME_TZF_SHORT 8u /* -07 */

struct gotime_chunk {
    size_t prefix; /* literal bytes before the element */
    size_t len;    /* bytes of the element */
    enum gotime_std std;
    unsigned tzf; /* GOTIME_STD_NUM_TZ */
    int ndigits;  /* GOTIME_STD_FRAC*: digits in the layout */
    char sep;     /* GOTIME_STD_FRAC*: '.' or ',' */
};

/* Go's nextStdChunk: the next element of layout[0..n). */
void gotime_next_chunk(const char *layout, size_t n, struct gotime_chunk *c);

extern const char *const gotime_month_names[12];
extern const char *const gotime_day_names[7];

/* Go's quote() of error messages: "..." with \xNN for bytes outside
 * printable ASCII, written into out (always NUL-terminated). */
void gotime_quote(char *out, size_t outsz, const char *s, size_t n);

#endif
