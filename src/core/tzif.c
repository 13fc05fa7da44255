/*
 * tzif.c: time zones from the system tzdata, the way Go's time package
 * reads them.
 *
 * A zone is loaded from a TZif file (RFC 8536, versions 1 to 4) found in
 * $ZONEINFO or the usual zoneinfo directories, with the 64-bit data of
 * version 2+ files and their footer: a POSIX TZ rule string used for
 * instants after the last transition (slim tzdata files depend on it).
 * We never call localtime() or touch the process TZ, so this is safe on
 * any thread.  Loaded zones live in a small cache guarded by a mutex;
 * cached zones are immutable and never freed, so pointers into them stay
 * valid for the life of the process.
 */
#include "gotime_int.h"

#include "alloc.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TZ_CACHE_SLOTS 64
#define TZ_MAX_FILE (1u << 20)

const struct tz gotime_tz_utc = {.name = "UTC", .cached = true};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static const struct tz *cache[TZ_CACHE_SLOTS];

/* ---- reading TZif ---- */

struct rd {
    const unsigned char *p;
    size_t n, off;
    bool bad;
};

static const unsigned char *rd_take(struct rd *r, size_t n)
{
    if (r->bad || n > r->n - r->off) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *q = r->p + r->off;
    r->off += n;
    return q;
}

static uint32_t be32(const unsigned char *q)
{
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 |
           q[3];
}

static int64_t be64(const unsigned char *q)
{
    return (int64_t)((uint64_t)be32(q) << 32 | be32(q + 4));
}

/* Header counts, in the file's order. */
enum { C_ISUT, C_ISSTD, C_LEAP, C_TIME, C_TYPE, C_CHAR, C_N };

static bool read_header(struct rd *r, uint32_t cnt[C_N], int *version)
{
    const unsigned char *h = rd_take(r, 44);
    if (!h || memcmp(h, "TZif", 4) != 0)
        return false;
    if (h[4] == 0)
        *version = 1;
    else if (h[4] >= '2' && h[4] <= '4')
        *version = h[4] - '0';
    else
        return false;
    for (int i = 0; i < C_N; i++) {
        cnt[i] = be32(h + 20 + 4 * i);
        if (cnt[i] > TZ_MAX_FILE)
            return false;
    }
    return true;
}

static size_t data_size(const uint32_t cnt[C_N], size_t tsize)
{
    return cnt[C_TIME] * tsize + cnt[C_TIME] + cnt[C_TYPE] * 6u + cnt[C_CHAR] +
           cnt[C_LEAP] * (tsize + 4) + cnt[C_ISSTD] + cnt[C_ISUT];
}

/* Everything a zone needs, in one allocation. */
static struct tz *tz_alloc(const char *name, const uint32_t cnt[C_N])
{
    size_t ntx = cnt[C_TIME] ? cnt[C_TIME] : 1;
    size_t nlen = strlen(name) + 1;
    size_t sz = sizeof(struct tz) + ntx * sizeof(struct tz_trans) +
                cnt[C_TYPE] * sizeof(struct tz_zone) + cnt[C_CHAR] + 1 + nlen;
    struct tz *z = rn_calloc(1, sz);
    if (!z)
        return NULL;
    struct tz_trans *tx = (struct tz_trans *)(z + 1);
    struct tz_zone *zones = (struct tz_zone *)(tx + ntx);
    char *chars = (char *)(zones + cnt[C_TYPE]);
    char *nm = chars + cnt[C_CHAR] + 1;
    memcpy(nm, name, nlen);
    z->name = nm;
    z->tx = tx;
    z->zones = zones;
    return z;
}

static bool fill_data(struct tz *z, struct rd *r, const uint32_t cnt[C_N],
                      size_t tsize)
{
    struct tz_trans *tx = (struct tz_trans *)z->tx;
    struct tz_zone *zones = (struct tz_zone *)z->zones;
    char *chars = (char *)(zones + cnt[C_TYPE]);
    const unsigned char *t = rd_take(r, cnt[C_TIME] * tsize);
    const unsigned char *ix = rd_take(r, cnt[C_TIME]);
    const unsigned char *ty = rd_take(r, cnt[C_TYPE] * 6u);
    const unsigned char *ch = rd_take(r, cnt[C_CHAR]);
    if (r->bad || cnt[C_TYPE] == 0)
        return false;
    memcpy(chars, ch, cnt[C_CHAR]);
    chars[cnt[C_CHAR]] = 0;
    for (uint32_t i = 0; i < cnt[C_TYPE]; i++) {
        const unsigned char *q = ty + 6 * i;
        if (q[5] >= cnt[C_CHAR])
            return false;
        zones[i].off = (int32_t)be32(q);
        zones[i].isdst = q[4] != 0;
        zones[i].abbr = chars + q[5];
    }
    for (uint32_t i = 0; i < cnt[C_TIME]; i++) {
        if (ix[i] >= cnt[C_TYPE])
            return false;
        tx[i].when = tsize == 8 ? be64(t + 8 * i) : (int32_t)be32(t + 4 * i);
        tx[i].idx = ix[i];
    }
    z->nzones = cnt[C_TYPE];
    z->ntx = cnt[C_TIME];
    if (z->ntx == 0) {
        /* Go adds one transition at the dawn of time so the footer
         * rule, if any, applies everywhere. */
        tx[0].when = GOTIME_ALPHA;
        tx[0].idx = 0;
        z->ntx = 1;
    }
    rd_take(r, cnt[C_LEAP] * (tsize + 4) + cnt[C_ISSTD] + cnt[C_ISUT]);
    return !r->bad;
}

/* The footer of a v2+ file: "\n<TZ string>\n". */
static void read_footer(struct rd *r, const char **s, size_t *n)
{
    *s = "";
    *n = 0;
    if (r->off + 2 > r->n || r->p[r->off] != '\n')
        return;
    const char *start = (const char *)r->p + r->off + 1;
    const char *end = memchr(start, '\n', r->n - r->off - 1);
    if (end) {
        *s = start;
        *n = (size_t)(end - start);
    }
}

/*
 * Parse a TZif image.  The new zone is heap-allocated and not cached; the
 * caller releases it with tz_release.  Go's message for a bad file is
 * "malformed time zone information".
 */
int tz_from_tzif(const char *name, const unsigned char *p, size_t n,
                 const struct tz **out, struct rn_err *e)
{
    struct rd r = {p, n, 0, false};
    uint32_t cnt[C_N];
    int version;
    size_t tsize = 4;
    if (!read_header(&r, cnt, &version))
        goto bad;
    if (version > 1) {
        rd_take(&r, data_size(cnt, 4));
        if (r.bad || !read_header(&r, cnt, &version))
            goto bad;
        tsize = 8;
    }
    struct rd probe = r;
    rd_take(&probe, data_size(cnt, tsize));
    if (probe.bad)
        goto bad;
    const char *ext = "";
    size_t extlen = 0;
    if (version > 1)
        read_footer(&probe, &ext, &extlen);
    struct tz *z = tz_alloc(name, cnt);
    if (!z)
        return rn_errf(e, RN_ENOMEM, "out of memory");
    if (!fill_data(z, &r, cnt, tsize)) {
        rn_free(z);
        goto bad;
    }
    z->has_rule = extlen > 0 && tz_rule_parse(ext, extlen, &z->rule);
    *out = z;
    return RN_OK;
bad:
    return rn_errf(e, RN_ENOTFOUND, "malformed time zone information");
}

/* ---- finding files ---- */

static int read_all(const char *path, unsigned char **data, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    size_t cap = 4096, len = 0;
    unsigned char *p = rn_malloc(cap);
    int rc = p ? 0 : ENOMEM;
    while (rc == 0) {
        if (len == cap) {
            unsigned char *q = cap < TZ_MAX_FILE ? rn_realloc(p, cap * 2) : 0;
            if (!q) {
                rc = cap < TZ_MAX_FILE ? ENOMEM : EFBIG;
                break;
            }
            p = q;
            cap *= 2;
        }
        ssize_t got = read(fd, p + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = errno;
        else if (got == 0)
            break;
        else
            len += (size_t)got;
    }
    close(fd);
    if (rc) {
        rn_free(p);
        return rc;
    }
    *data = p;
    *n = len;
    return 0;
}

/* Go reports read errors other than "no such file" with the errno text
 * of its own syscall package. */
static const char *errno_text(int err)
{
    switch (err) {
    case EISDIR:
        return "is a directory";
    case ENOTDIR:
        return "not a directory";
    case EACCES:
        return "permission denied";
    case ENAMETOOLONG:
        return "file name too long";
    case ELOOP:
        return "too many levels of symbolic links";
    default:
        return NULL;
    }
}

/* Load dir/name: 0 when loaded, an errno when the file cannot be read,
 * -1 when e says why (a malformed file, OOM). */
static int load_from(const char *dir, const char *name, const struct tz **out,
                     struct rn_err *e)
{
    char path[4096];
    int len = snprintf(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", name);
    if (len < 0 || (size_t)len >= sizeof path)
        return ENAMETOOLONG;
    unsigned char *data = NULL;
    size_t n = 0;
    int err = read_all(path, &data, &n);
    if (err == ENOMEM) {
        rn_errf(e, RN_ENOMEM, "out of memory");
        return -1;
    }
    if (err)
        return err;
    int rc = tz_from_tzif(name, data, n, out, e);
    rn_free(data);
    return rc == RN_OK ? 0 : -1;
}

static int load_zone(const char *name, bool allow_path, const struct tz **out,
                     struct rn_err *e)
{
    static const char *const dirs[] = {"/usr/share/zoneinfo",
                                       "/usr/share/lib/zoneinfo",
                                       "/usr/lib/locale/TZ", "/etc/zoneinfo"};
    const char *first = NULL;
    if (allow_path && name[0] == '/') {
        int err = load_from("", name, out, e);
        if (err <= 0)
            return err == 0 ? RN_OK : e->code;
        first = errno_text(err);
    } else {
        const char *env = getenv("ZONEINFO");
        for (size_t i = 0; i < 5; i++) {
            const char *dir = i == 0 ? env : dirs[i - 1];
            if (!dir || !*dir)
                continue;
            int err = load_from(dir, name, out, e);
            if (err == 0)
                return RN_OK;
            if (err < 0 && e->code == RN_ENOMEM)
                return RN_ENOMEM;
            if (err < 0 && !first)
                first = "malformed time zone information";
            if (err > 0 && !first)
                first = errno_text(err);
        }
    }
    if (first)
        return rn_errf(e, RN_ENOTFOUND, "%s", first);
    return rn_errf(e, RN_ENOTFOUND, "unknown time zone %s", name);
}

/* ---- the cache ---- */

static const struct tz *cache_find(const char *name)
{
    for (size_t i = 0; i < TZ_CACHE_SLOTS && cache[i]; i++)
        if (strcmp(cache[i]->name, name) == 0)
            return cache[i];
    return NULL;
}

/*
 * Load the zone called name.  Zones are cached (up to TZ_CACHE_SLOTS of
 * them); the cache never drops a zone, so a cached zone's strings live as
 * long as the process.  Past the cap a zone is loaded for this caller
 * only.  Errors: RN_ENOTFOUND with Go's text, RN_ENOMEM.
 */
int tz_acquire(const char *name, bool allow_path, const struct tz **out,
               struct rn_err *e)
{
    struct rn_err local;
    if (!e)
        e = &local;
    pthread_mutex_lock(&cache_mu);
    const struct tz *z = cache_find(name);
    pthread_mutex_unlock(&cache_mu);
    if (z) {
        *out = z;
        return RN_OK;
    }
    int rc = load_zone(name, allow_path, &z, e);
    if (rc != RN_OK)
        return rc;
    pthread_mutex_lock(&cache_mu);
    const struct tz *again = cache_find(name);
    if (again) {
        rn_free((void *)z);
        z = again;
    } else {
        for (size_t i = 0; i < TZ_CACHE_SLOTS; i++) {
            if (!cache[i]) {
                ((struct tz *)z)->cached = true;
                cache[i] = z;
                break;
            }
        }
    }
    pthread_mutex_unlock(&cache_mu);
    *out = z;
    return RN_OK;
}

/* Free a zone that is not owned by the cache. */
void tz_release(const struct tz *z)
{
    if (z && !z->cached)
        rn_free((void *)z);
}

/* ---- lookups ---- */

/* Go's lookupFirstZone: the zone for instants before the first
 * transition. */
static uint32_t first_zone(const struct tz *z)
{
    bool used = false;
    for (uint32_t i = 0; i < z->ntx && !used; i++)
        used = z->tx[i].idx == 0;
    if (!used)
        return 0;
    if (z->ntx > 0 && z->zones[z->tx[0].idx].isdst) {
        for (uint32_t zi = z->tx[0].idx; zi-- > 0;)
            if (!z->zones[zi].isdst)
                return zi;
    }
    for (uint32_t zi = 0; zi < z->nzones; zi++)
        if (!z->zones[zi].isdst)
            return zi;
    return 0;
}

static void set_info(struct tz_info *o, const struct tz_zone *zn, int64_t start,
                     int64_t end)
{
    o->abbr = zn->abbr;
    o->off = zn->off;
    o->isdst = zn->isdst;
    o->start = start;
    o->end = end;
}

/*
 * Go's Location.lookup: the zone in effect at unix second sec and the
 * span [start, end) it holds for.  Past the last transition the footer
 * rule decides.
 */
void tz_lookup(const struct tz *z, int64_t sec, struct tz_info *out)
{
    if (z->nzones == 0) {
        out->abbr = "UTC";
        out->off = 0;
        out->isdst = false;
        out->start = GOTIME_ALPHA;
        out->end = GOTIME_OMEGA;
        return;
    }
    if (z->ntx == 0 || sec < z->tx[0].when) {
        set_info(out, &z->zones[first_zone(z)], GOTIME_ALPHA,
                 z->ntx ? z->tx[0].when : GOTIME_OMEGA);
        return;
    }
    int64_t end = GOTIME_OMEGA;
    uint32_t lo = 0, hi = z->ntx;
    while (hi - lo > 1) {
        uint32_t m = lo + (hi - lo) / 2;
        if (sec < z->tx[m].when) {
            end = z->tx[m].when;
            hi = m;
        } else {
            lo = m;
        }
    }
    set_info(out, &z->zones[z->tx[lo].idx], z->tx[lo].when, end);
    if (lo == z->ntx - 1 && z->has_rule)
        tz_rule_eval(&z->rule, out->start, sec, out);
}

/*
 * Go's lookupName: first a zone with that abbreviation which is really in
 * effect near sec, else any zone with that abbreviation.
 */
bool tz_lookup_name(const struct tz *z, const char *abbr, size_t n, int64_t sec,
                    int32_t *off)
{
    for (uint32_t i = 0; i < z->nzones; i++) {
        const struct tz_zone *zn = &z->zones[i];
        if (strlen(zn->abbr) != n || memcmp(zn->abbr, abbr, n) != 0)
            continue;
        struct tz_info info;
        tz_lookup(z, gotime_wadd(sec, -(int64_t)zn->off), &info);
        if (strcmp(info.abbr, zn->abbr) == 0) {
            *off = info.off;
            return true;
        }
    }
    for (uint32_t i = 0; i < z->nzones; i++) {
        const struct tz_zone *zn = &z->zones[i];
        if (strlen(zn->abbr) == n && memcmp(zn->abbr, abbr, n) == 0) {
            *off = zn->off;
            return true;
        }
    }
    return false;
}
