/*
 * val.h: the one value type of rnotify.
 *
 * A struct val is 16 bytes, passed by value, and never owns memory: what it
 * points at belongs to an arena or a frozen document (arena.h, doc.h).  JSON,
 * YAML, templates and expr all speak it.  The `flags` byte carries the Go
 * static type where Go code could see it (%T, printing, comparisons), so a
 * float64 from JSON data and an int literal stay distinct.
 *
 * Read fields through the inline accessors below, never directly.
 */
#ifndef RN_VAL_H
#define RN_VAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct arena;

enum val_kind {
    VAL_NULL,
    VAL_BOOL,
    VAL_INT,      /* u.i; Go type in flags (GT_INT by default) */
    VAL_FLOAT,    /* u.f; float64 (GT_FLOAT32 for float32) */
    VAL_STRING,   /* u.s, len bytes, NUL-terminated */
    VAL_ARRAY,    /* u.list */
    VAL_OBJECT,   /* u.obj, keys sorted bytewise, unique */
    VAL_TIME,     /* u.tm: a Go time.Time */
    VAL_DURATION, /* u.i nanoseconds: a Go time.Duration */
    VAL_FUNC,     /* u.fn: a function value (template `call`, expr) */
};

/*
 * Go static types, kept in `flags`.  0 is the natural type of each kind:
 * bool, int, float64, string, []interface {}, map[string]interface {},
 * time.Time, time.Duration.  The others are what Go functions return.
 */
enum val_gotype {
    GT_DEFAULT = 0,
    /* VAL_INT */
    GT_INT = 0,
    GT_INT8,
    GT_INT16,
    GT_INT32, /* also rune */
    GT_INT64,
    GT_UINT,
    GT_UINT8, /* also byte */
    GT_UINT16,
    GT_UINT32,
    GT_UINT64, /* value stored in u.i, reinterpret as uint64_t */
    GT_UINTPTR,
    GT_MONTH,   /* time.Month */
    GT_WEEKDAY, /* time.Weekday */
    /* VAL_FLOAT */
    GT_FLOAT64 = 0,
    GT_FLOAT32 = 1,
    /* VAL_STRING */
    GT_STRING = 0,
    GT_HTML = 1,    /* template.HTML and friends, printed like string */
    GT_ERRSTR = 2,  /* an error value (Error() string), e.g. from fail */
    /* VAL_ARRAY */
    GT_LIST_ANY = 0, /* []interface {} */
    GT_LIST_INT,     /* []int */
    GT_LIST_INT64,   /* []int64 */
    GT_LIST_FLOAT,   /* []float64 */
    GT_LIST_STRING,  /* []string */
    GT_LIST_BYTES,   /* []uint8 ([]byte): items are VAL_INT GT_UINT8 */
    GT_LIST_BOOL,    /* []bool */
    GT_LIST_MAP,     /* []map[string]interface {} */
    GT_ARRAY_FIXED,  /* a Go array [N]T: printing as list, not nil-able */
    /* VAL_OBJECT */
    GT_MAP_ANY = 0,   /* map[string]interface {} */
    GT_MAP_IFACE,     /* map[interface {}]interface {} (keys still strings
                         here; expr and YAML produce it) */
    GT_MAP_STRING,    /* map[string]string */
    GT_MAP_INT,       /* map[string]int */
    GT_STRUCT,        /* a Go struct or pointer to one: keys are its
                         exported fields and niladic methods; key "" (sorts
                         first) holds the %T type name, e.g.
                         "*semver.Version"; a key "String" holding a
                         VAL_STRING makes it a fmt.Stringer for %v */
    /* VAL_FUNC: whose calling convention `impl` follows.  A function
     * value of one module reaching the other fails cleanly instead of
     * being misread. */
    GT_FUNC = 0,      /* template: impl is a struct tpl_func_def */
    GT_FUNC_EXPR = 1, /* expr: impl is expr's native function table */
    /* Added for expr results (values continue their kind's list): */
    GT_LIST_PAIRS = GT_ARRAY_FIXED + 1, /* [][2]interface {} (toPairs) */
    GT_MAP_IFACE_LIST = GT_STRUCT + 1,  /* map[interface {}][]interface {}
                                           (groupBy) */
    GT_MAP_BYTES = GT_STRUCT + 2, /* map[string][]uint8: the `secrets`
                                     variable (Secret data as raw bytes) */
};

/* Bit 7 of flags: this value came from a typed nil (e.g. a nil []string or
 * a nil map), printed as [] / map[] but `eq nil`-able where Go allows. */
#define VAL_F_NILPTR 0x80u
#define VAL_GT_MASK 0x7fu

struct val_list;
struct val_obj;
struct val_func;
struct val_time;

struct val {
    uint8_t kind, flags;
    uint16_t pad;
    uint32_t len; /* string bytes; unused elsewhere */
    union {
        bool b;
        int64_t i;
        double f;
        const char *s;
        struct val_list *list;
        struct val_obj *obj;
        const struct val_func *fn;
        const struct val_time *tm;
    } u;
};

/* Arrays: len items of cap; aliases share the header, so in-place updates
 * (sprig's set on a dict) are seen by every holder, as with Go maps. */
struct val_list {
    uint32_t len, cap;
    struct val *items;
};

struct val_kv {
    struct val key; /* always VAL_STRING */
    struct val v;
};

/* Objects: sorted by key (bytewise, as Go sorts map keys), keys unique. */
struct val_obj {
    uint32_t len, cap;
    struct val_kv *kv;
};

/*
 * A Go time.Time: seconds since 0001-01-01T00:00:00 UTC are not used;
 * `unix` is seconds since the Unix epoch (negative allowed, so Go's zero
 * time 0001-01-01 is representable), nsec 0..999999999.  `off` is the UTC
 * offset in seconds of the location at that instant, `zone` its
 * abbreviation ("UTC", "PST", "" for a fixed offset printed as +hhmm) and
 * `loc` the location name ("UTC", "Local", "America/New_York", "").
 * `mono` is unused (Go's monotonic reading is never printed here).
 */
struct val_time {
    int64_t unix;
    int32_t nsec;
    int32_t off;
    const char *zone;
    const char *loc;
    bool fixed; /* a fixed zone (Go's FixedZone, e.g. from parsing
                   "+02:00"): off and zone hold at every instant and loc
                   is its name, not a zoneinfo name (gotime.h) */
};

/* Function values.  `impl` is interpreted by the module that made it
 * (template or expr); `name` is for messages. */
struct val_func {
    const char *name;
    void *impl;
    void *ud;
};

/* ---- constructors ---- */
static inline struct val val_null(void)
{
    struct val v = {0};
    v.kind = VAL_NULL;
    return v;
}

static inline struct val val_bool(bool b)
{
    struct val v = {0};
    v.kind = VAL_BOOL;
    v.u.b = b;
    return v;
}

static inline struct val val_int(int64_t i)
{
    struct val v = {0};
    v.kind = VAL_INT;
    v.u.i = i;
    return v;
}

static inline struct val val_int_t(int64_t i, unsigned gotype)
{
    struct val v = val_int(i);
    v.flags = (uint8_t)gotype;
    return v;
}

static inline struct val val_float(double f)
{
    struct val v = {0};
    v.kind = VAL_FLOAT;
    v.u.f = f;
    return v;
}

/* s must stay valid (arena/doc/static) and be NUL-terminated at s[len] */
static inline struct val val_str(const char *s, size_t len)
{
    struct val v = {0};
    v.kind = VAL_STRING;
    v.len = (uint32_t)len;
    v.u.s = s;
    return v;
}

static inline struct val val_list(struct val_list *l, unsigned gotype)
{
    struct val v = {0};
    v.kind = VAL_ARRAY;
    v.flags = (uint8_t)gotype;
    v.u.list = l;
    return v;
}

static inline struct val val_obj(struct val_obj *o, unsigned gotype)
{
    struct val v = {0};
    v.kind = VAL_OBJECT;
    v.flags = (uint8_t)gotype;
    v.u.obj = o;
    return v;
}

static inline struct val val_time(const struct val_time *t)
{
    struct val v = {0};
    v.kind = VAL_TIME;
    v.u.tm = t;
    return v;
}

static inline struct val val_duration(int64_t ns)
{
    struct val v = {0};
    v.kind = VAL_DURATION;
    v.u.i = ns;
    return v;
}

static inline struct val val_func(const struct val_func *fn)
{
    struct val v = {0};
    v.kind = VAL_FUNC;
    v.u.fn = fn;
    return v;
}

/* ---- accessors ---- */
static inline enum val_kind val_kind(struct val v)
{
    return (enum val_kind)v.kind;
}
static inline unsigned val_gotype(struct val v)
{
    return v.flags & VAL_GT_MASK;
}
static inline bool val_is_null(struct val v)
{
    return v.kind == VAL_NULL;
}
static inline bool val_bool_of(struct val v)
{
    return v.u.b;
}
static inline int64_t val_int_of(struct val v)
{
    return v.u.i;
}
static inline double val_float_of(struct val v)
{
    return v.u.f;
}
static inline const char *val_str_ptr(struct val v)
{
    return v.u.s;
}
static inline size_t val_str_len(struct val v)
{
    return v.len;
}
static inline size_t val_list_len(struct val v)
{
    return v.u.list ? v.u.list->len : 0;
}
static inline struct val val_list_at(struct val v, size_t i)
{
    return v.u.list->items[i];
}
static inline size_t val_obj_len(struct val v)
{
    return v.u.obj ? v.u.obj->len : 0;
}
static inline const struct val_kv *val_obj_at(struct val v, size_t i)
{
    return &v.u.obj->kv[i];
}

/* ---- operations (val.c) ---- */

/* Binary search of an object by key; NULL when absent or v not an object. */
const struct val *val_get(struct val obj, const char *key, size_t klen);
const struct val *val_get_cstr(struct val obj, const char *key);

/* a[0..n) == b[0..n), for the short names of variables and map keys that
 * templates and expr look up: 4 to 16 bytes compare as two overlapping
 * loads from each side, with no library call (most names are found, so
 * every byte gets compared). */
static inline bool val_bytes_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a0, b0, a1, b1;
        memcpy(&a0, a, 8);
        memcpy(&b0, b, 8);
        memcpy(&a1, a + n - 8, 8);
        memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4 && n < 8) {
        uint32_t x[4]; /* a's head, b's head, a's tail, b's tail */
        memcpy(&x[0], a, 4);
        memcpy(&x[1], b, 4);
        memcpy(&x[2], a + n - 4, 4);
        memcpy(&x[3], b + n - 4, 4);
        return x[0] == x[1] && x[2] == x[3];
    }
    if (n > 16)
        return memcmp(a, b, n) == 0;
    /* 0 to 3 bytes: first, middle and last cover them all */
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] &&
                      a[n - 1] == b[n - 1]);
}

/* Bytewise key order used for objects (Go's sort.Strings order). */
int val_keycmp(const char *a, size_t alen, const char *b, size_t blen);

/* Go's reflect.DeepEqual over two values (types included). */
bool val_deep_equal(struct val a, struct val b);
/* The same, counting the items of each list and map compared against
 * *budget (expr's step limit); once it runs out the answer is false and
 * *budget negative. */
bool val_deep_equal_n(struct val a, struct val b, int64_t *budget);

/* Go's %T name of v: "float64", "[]interface {}", "map[string]interface {}",
 * "<nil>", "time.Time", ... */
const char *val_type_name(struct val v);

/* Go's reflect Kind name of v: "float64", "slice", "map", "string", "int",
 * "bool", "struct", "ptr", "invalid", "func" ... */
const char *val_kind_name(struct val v);

/* Go "truth" as text/template sees it: false, 0, nil, empty string/list/map
 * are false. */
bool val_truth(struct val v);

/* ---- building objects (arena-owned, keys kept sorted) ---- */

/* An empty map[string]interface{} with room for cap keys, in a (null on
 * OOM). */
struct val val_obj_new(struct arena *a, size_t cap);
/* Insert or replace key (not copied) in obj in place: every holder of
 * obj's header sees the change.  RN_OK or RN_ENOMEM. */
int val_obj_put(struct arena *a, struct val obj, const char *key, size_t klen,
                struct val v);
/* The mutable slot of key in obj, or NULL. */
struct val *val_obj_slot(struct val obj, const char *key);
/* A copy of obj (null: an empty map) with key set, in a; obj itself is
 * not modified. */
int val_obj_with(struct arena *a, struct val obj, const char *key,
                 struct val v, struct val *out);

#endif
