/*
 * semver.c: sprig's semver and semverCompare, with the version and
 * constraint rules of Masterminds/semver v3.
 *
 * A version is "v?MAJOR[.MINOR[.PATCH]][-PRE][+META]" (missing parts are
 * 0).  A constraint string is rewritten first ("A - B" ranges become
 * ">= A, <= B"), split on "||" into alternatives, and each alternative is
 * a list of "[op] version" items joined by spaces or commas, all of which
 * must hold.  Versions inside constraints may use x, X or * wildcards,
 * which make the item "dirty" (a range).  Upstream matches these grammars
 * with regular expressions; the scanners below accept the same languages
 * (each piece greedy, which is what the expressions pick here since no
 * later piece can start inside an earlier one).  A prerelease version only
 * satisfies items whose own version has a prerelease.
 *
 * semver returns a GT_STRUCT "*semver.Version" with Major, Minor, Patch
 * (uint64), Prerelease, Metadata, Original, String, IncMajor/IncMinor/
 * IncPatch (one level deep), and the comparison methods (Compare, Equal,
 * LessThan, ...) as VAL_FUNC keys (convention in sprig_int.h).
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct sv_version {
    uint64_t major, minor, patch;
    const char *pre, *meta, *orig;
    size_t prelen, metalen, origlen;
};

/* Spans of one constraint version (the pieces of upstream's cvRegex). */
struct sv_cv {
    size_t beg, end;             /* whole, 'v' and metadata included */
    size_t maj, majn;            /* major digits/wildcards */
    size_t min, minn, pat, patn; /* ".minor" / ".patch", dot included */
    size_t pre, pren;            /* "-pre", dash included */
};

enum sv_op { OP_EQ, OP_NE, OP_GT, OP_LT, OP_GE, OP_LE, OP_TILDE, OP_CARET };

struct sv_item {
    enum sv_op op;
    struct sv_version con;
    bool dirty, minor_dirty, patch_dirty;
};

static const char *const sv_errors[] = {
    "Invalid Semantic Version",
    "Version segment starts with 0",
};

/* ---- scanning ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-';
}

static bool is_cvnum(char c)
{
    return is_digit(c) || c == 'x' || c == 'X' || c == '*' || c == '|';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static size_t span(const char *s, size_t n, size_t i, bool (*ok)(char))
{
    while (i < n && ok(s[i]))
        i++;
    return i;
}

/* sep ident { '.' ident } after position i, or i when absent. */
static size_t scan_idents(const char *s, size_t n, size_t i, char sep)
{
    if (i + 1 >= n || s[i] != sep || !is_ident(s[i + 1]))
        return i;
    i = span(s, n, i + 1, is_ident);
    while (i + 1 < n && s[i] == '.' && is_ident(s[i + 1]))
        i = span(s, n, i + 1, is_ident);
    return i;
}

/* '.' num after i, or i. */
static size_t scan_dotnum(const char *s, size_t n, size_t i, bool (*ok)(char))
{
    if (i + 1 < n && s[i] == '.' && ok(s[i + 1]))
        return span(s, n, i + 1, ok);
    return i;
}

/* A constraint version at i: false when none starts there. */
static bool scan_cv(const char *s, size_t n, size_t i, struct sv_cv *cv)
{
    memset(cv, 0, sizeof *cv);
    cv->beg = i;
    if (i < n && s[i] == 'v')
        i++;
    cv->maj = i;
    i = span(s, n, i, is_cvnum);
    if (i == cv->maj)
        return false;
    cv->majn = i - cv->maj;
    cv->min = i;
    i = scan_dotnum(s, n, i, is_cvnum);
    cv->minn = i - cv->min;
    cv->pat = i;
    i = scan_dotnum(s, n, i, is_cvnum);
    cv->patn = i - cv->pat;
    cv->pre = i;
    i = scan_idents(s, n, i, '-');
    cv->pren = i - cv->pre;
    cv->end = scan_idents(s, n, i, '+');
    return true;
}

/* ---- versions ---- */

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* NewVersion: 0, or -1 with Go's message in err. */
static int version_parse(const char *s, size_t n, struct sv_version *v,
                         char *err, size_t errsz)
{
    size_t i = n > 0 && s[0] == 'v', a = i, b, c2, d;
    memset(v, 0, sizeof *v);
    v->orig = s;
    v->origlen = n;
    i = span(s, n, i, is_digit);
    b = scan_dotnum(s, n, i, is_digit);
    c2 = scan_dotnum(s, n, b, is_digit);
    d = scan_idents(s, n, c2, '-');
    size_t e = scan_idents(s, n, d, '+');
    if (i == a || e != n) {
        snprintf(err, errsz, "%s", sv_errors[0]);
        return -1;
    }
    const char *bad = NULL;
    size_t badn = 0;
    if (parse_u64(s + a, i - a, &v->major))
        bad = s + a, badn = i - a;
    else if (b > i && parse_u64(s + i + 1, b - i - 1, &v->minor))
        bad = s + i + 1, badn = b - i - 1;
    else if (c2 > b && parse_u64(s + b + 1, c2 - b - 1, &v->patch))
        bad = s + b + 1, badn = c2 - b - 1;
    if (bad) {
        snprintf(err, errsz,
                 "Error parsing version segment: strconv.ParseUint: "
                 "parsing \"%.*s\": value out of range",
                 (int)badn, bad);
        return -1;
    }
    v->pre = d > c2 ? s + c2 + 1 : "";
    v->prelen = d > c2 ? d - c2 - 1 : 0;
    v->meta = e > d ? s + d + 1 : "";
    v->metalen = e > d ? e - d - 1 : 0;
    /* numeric prerelease identifiers may not have leading zeros */
    for (size_t p = 0; p < v->prelen;) {
        size_t q = p;
        bool num = true;
        for (; q < v->prelen && v->pre[q] != '.'; q++)
            num = num && is_digit(v->pre[q]);
        if (num && q - p > 1 && v->pre[p] == '0') {
            snprintf(err, errsz, "%s", sv_errors[1]);
            return -1;
        }
        p = q + 1;
    }
    return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* One prerelease identifier against another: numbers below words,
 * numbers by value, words bytewise, a missing identifier lowest. */
static int cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
    uint64_t si = 0, oi = 0;
    if (sn == on && memcmp(s, o, sn) == 0)
        return 0;
    if (sn == 0)
        return -1;
    if (on == 0)
        return 1;
    bool snum = span(s, sn, 0, is_digit) == sn && !parse_u64(s, sn, &si);
    bool onum = span(o, on, 0, is_digit) == on && !parse_u64(o, on, &oi);
    if (!snum && !onum) {
        int r = memcmp(s, o, sn < on ? sn : on);
        return r > 0 || (r == 0 && sn > on) ? 1 : -1;
    }
    if (!onum)
        return -1;
    if (!snum)
        return 1;
    return si > oi ? 1 : -1;
}

static int cmp_pre(const char *s, size_t sn, const char *o, size_t on)
{
    size_t i = 0, j = 0;
    while (i < sn || j < on) {
        size_t ie = i, je = j;
        while (ie < sn && s[ie] != '.')
            ie++;
        while (je < on && o[je] != '.')
            je++;
        int d = cmp_pre_part(s + i, (i < sn ? ie - i : 0), o + j,
                             (j < on ? je - j : 0));
        if (d)
            return d;
        i = ie < sn ? ie + 1 : sn + 1;
        j = je < on ? je + 1 : on + 1;
        if (i > sn && j > on)
            break;
    }
    return 0;
}

/* Version.Compare: -1, 0, 1; metadata ignored; a prerelease sorts below
 * its release. */
static int version_cmp(const struct sv_version *v, const struct sv_version *o)
{
    int d = cmp_u64(v->major, o->major);
    if (!d)
        d = cmp_u64(v->minor, o->minor);
    if (!d)
        d = cmp_u64(v->patch, o->patch);
    if (d)
        return d;
    if (!v->prelen && !o->prelen)
        return 0;
    if (!v->prelen)
        return 1;
    if (!o->prelen)
        return -1;
    return cmp_pre(v->pre, v->prelen, o->pre, o->prelen);
}

/* ---- constraints ---- */

static bool is_opchar(char c)
{
    return c == '=' || c == '!' || c == '<' || c == '>' || c == '~' || c == '^';
}

/* The operator spelled s[0..n), or -1. */
static int op_lookup(const char *s, size_t n)
{
    static const struct {
        const char *text;
        enum sv_op op;
    } ops[] = {
        {"", OP_EQ},   {"=", OP_EQ},    {"!=", OP_NE},    {">", OP_GT},
        {"<", OP_LT},  {">=", OP_GE},   {"=>", OP_GE},    {"<=", OP_LE},
        {"=<", OP_LE}, {"~", OP_TILDE}, {"~>", OP_TILDE}, {"^", OP_CARET},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (strlen(ops[i].text) == n && memcmp(ops[i].text, s, n) == 0)
            return (int)ops[i].op;
    }
    return -1;
}

/* item -> op \s* cv at i; the end of the item or 0 when there is none. */
static size_t scan_item(const char *s, size_t n, size_t i, int *op,
                        struct sv_cv *cv)
{
    size_t o = span(s, n, i, is_opchar);
    *op = op_lookup(s + i, o - i);
    if (*op < 0 || !scan_cv(s, n, span(s, n, o, is_space), cv))
        return 0;
    return cv->end;
}

static bool is_x(const char *s, size_t n)
{
    return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

/* parseConstraint on one found item: wildcards make it dirty and the
 * version is rebuilt with zeros; metadata is dropped then. */
static int item_build(struct tpl_fcall *c, const char *s, int op,
                      const struct sv_cv *cv, struct sv_item *it)
{
    char err[160];
    const char *ver;
    memset(it, 0, sizeof *it);
    it->op = (enum sv_op)op;
    it->dirty = true;
    if (is_x(s + cv->maj, cv->majn)) {
        ver = arena_printf(c->arena, "0.0.0%.*s", (int)cv->pren, s + cv->pre);
    } else if (!cv->minn || is_x(s + cv->min + 1, cv->minn - 1)) {
        it->minor_dirty = true;
        ver = arena_printf(c->arena, "%.*s.0.0%.*s", (int)cv->majn, s + cv->maj,
                           (int)cv->pren, s + cv->pre);
    } else if (!cv->patn || is_x(s + cv->pat + 1, cv->patn - 1)) {
        it->patch_dirty = true;
        ver = arena_printf(c->arena, "%.*s%.*s.0%.*s", (int)cv->majn,
                           s + cv->maj, (int)cv->minn, s + cv->min,
                           (int)cv->pren, s + cv->pre);
    } else {
        it->dirty = false;
        ver = arena_strndup(c->arena, s + cv->beg, cv->end - cv->beg);
    }
    if (!ver)
        return sprig_nomem(c);
    if (version_parse(ver, strlen(ver), &it->con, err, sizeof err))
        return sprig_fail(c, "constraint Parser Error");
    return RN_OK;
}

/* ~ and the dirty = : same major, and same minor unless the minor was a
 * wildcard; ~0.0.0 accepts everything at or above it. */
static bool check_tilde(const struct sv_item *it, const struct sv_version *v)
{
    const struct sv_version *k = &it->con;
    if (version_cmp(v, k) < 0)
        return false;
    if (!k->major && !k->minor && !k->patch && !it->minor_dirty &&
        !it->patch_dirty)
        return true;
    if (v->major != k->major)
        return false;
    return v->minor == k->minor || it->minor_dirty;
}

/* ^: within the leftmost non-zero part of the constraint version. */
static bool check_caret(const struct sv_item *it, const struct sv_version *v)
{
    const struct sv_version *k = &it->con;
    if (version_cmp(v, k) < 0)
        return false;
    if (k->major > 0 || it->minor_dirty)
        return v->major == k->major;
    if (v->major > 0)
        return false;
    if (k->minor > 0 || it->patch_dirty)
        return v->minor == k->minor;
    if (v->minor > 0)
        return false;
    return v->patch == k->patch;
}

static bool check_ne(const struct sv_item *it, const struct sv_version *v)
{
    const struct sv_version *k = &it->con;
    if (it->dirty) {
        if (k->major != v->major)
            return true;
        if (k->minor != v->minor && !it->minor_dirty)
            return true;
        if (it->minor_dirty)
            return false;
        if (k->patch != v->patch && !it->patch_dirty)
            return true;
        if (it->patch_dirty) {
            if (v->prelen || k->prelen)
                return cmp_pre(v->pre, v->prelen, k->pre, k->prelen) != 0;
            return false;
        }
    }
    return version_cmp(v, k) != 0;
}

static bool check_gt(const struct sv_item *it, const struct sv_version *v)
{
    const struct sv_version *k = &it->con;
    if (!it->dirty)
        return version_cmp(v, k) > 0;
    if (v->major != k->major)
        return v->major > k->major;
    if (it->minor_dirty)
        return false;
    if (it->patch_dirty)
        return v->minor > k->minor;
    return version_cmp(v, k) > 0;
}

static bool check_le(const struct sv_item *it, const struct sv_version *v)
{
    const struct sv_version *k = &it->con;
    if (!it->dirty)
        return version_cmp(v, k) <= 0;
    if (v->major > k->major)
        return false;
    return !(v->major == k->major && v->minor > k->minor && !it->minor_dirty);
}

/* One item against v.  A prerelease version passes only items whose
 * version has a prerelease too (the "!=" item checks that only when
 * dirty, as upstream does). */
static bool item_check(const struct sv_item *it, const struct sv_version *v)
{
    bool pre_blocked = v->prelen && !it->con.prelen;
    if (pre_blocked && (it->op != OP_NE || it->dirty))
        return false;
    switch (it->op) {
    case OP_EQ:
        return it->dirty ? check_tilde(it, v) : version_cmp(v, &it->con) == 0;
    case OP_NE:
        return check_ne(it, v);
    case OP_GT:
        return check_gt(it, v);
    case OP_LT:
        return version_cmp(v, &it->con) < 0;
    case OP_GE:
        return version_cmp(v, &it->con) >= 0;
    case OP_LE:
        return check_le(it, v);
    case OP_TILDE:
        return check_tilde(it, v);
    case OP_CARET:
        return check_caret(it, v);
    }
    return false;
}

/* The end of the separator after an item ending at e, or 0 when the
 * text does not go on with one: \s+ | \s* ',' \s* */
static size_t skip_sep(const char *s, size_t n, size_t e)
{
    size_t j = span(s, n, e, is_space);
    if (j < n && s[j] == ',')
        return span(s, n, j + 1, is_space);
    return j > e ? j : 0;
}

/* Does v (NULL: parse only) satisfy every item of one alternative?
 * alt -> \s* item \s* { sep item \s* } ; an invalid alternative is
 * "improper constraint: ALT". */
static int alt_check(struct tpl_fcall *c, const char *s, size_t n,
                     const struct sv_version *v, bool *ok)
{
    size_t i = span(s, n, 0, is_space);
    *ok = true;
    for (;;) {
        struct sv_cv cv;
        struct sv_item it;
        int op;
        size_t e = scan_item(s, n, i, &op, &cv);
        if (!e)
            return sprig_fail(c, "improper constraint: %.*s", (int)n, s);
        int rc = item_build(c, s, op, &cv, &it);
        if (rc)
            return rc;
        if (*ok && (!v || !item_check(&it, v)))
            *ok = false;
        if (span(s, n, e, is_space) == n)
            return RN_OK;
        i = skip_sep(s, n, e);
        if (!i)
            return sprig_fail(c, "improper constraint: %.*s", (int)n, s);
    }
}

/* A range "A - B" at i, rewritten upstream as ">= A, <= B ": the end of
 * the match (0 when none) and the two versions in *a, *b.
 * range -> \s* cv \s+ '-' \s+ cv \s* */
static size_t scan_range(const char *s, size_t n, size_t i, struct sv_cv *a,
                         struct sv_cv *b)
{
    if (!scan_cv(s, n, span(s, n, i, is_space), a))
        return 0;
    size_t k = span(s, n, a->end, is_space);
    if (k == a->end || k >= n || s[k] != '-')
        return 0;
    size_t p = span(s, n, k + 1, is_space);
    if (p == k + 1 || !scan_cv(s, n, p, b))
        return 0;
    return span(s, n, b->end, is_space);
}

/* rewriteRange: every range found in the original text replaces the
 * first occurrence of its text in the result. */
static const char *rewrite_ranges(struct tpl_fcall *c, const char *s, size_t *n)
{
    const char *o = s;
    size_t on = *n;
    for (size_t i = 0; i < *n;) {
        struct sv_cv a, b;
        size_t e = scan_range(s, *n, i, &a, &b);
        if (!e) {
            i++;
            continue;
        }
        const char *hit = memmem(o, on, s + i, e - i);
        char *t = hit ? arena_printf(c->arena, "%.*s>= %.*s, <= %.*s %.*s",
                                     (int)(hit - o), o, (int)(a.end - a.beg),
                                     s + a.beg, (int)(b.end - b.beg), s + b.beg,
                                     (int)(on - (size_t)(hit - o) - (e - i)),
                                     hit + (e - i))
                      : NULL;
        if (hit && !t)
            return NULL;
        if (t) {
            o = t;
            on = strlen(t);
        }
        i = e;
    }
    *n = on;
    return o;
}

/* NewConstraint(cs).Check(v); v NULL parses only. */
static int constraint_check(struct tpl_fcall *c, const char *cs, size_t n,
                            const struct sv_version *v, bool *ok)
{
    const char *s = rewrite_ranges(c, cs, &n);
    if (!s)
        return sprig_nomem(c);
    *ok = false;
    for (size_t i = 0;;) {
        const char *bar = memmem(s + i, n - i, "||", 2);
        size_t end = bar ? (size_t)(bar - s) : n;
        bool alt_ok;
        int rc = alt_check(c, s + i, end - i, v, &alt_ok);
        if (rc)
            return rc;
        *ok = *ok || alt_ok;
        if (!bar)
            return RN_OK;
        i = end + 2;
    }
}

/* semverCompare constraint version */
static int f_semver_compare(struct tpl_fcall *c, const struct val *argv,
                            int argc, struct val *out)
{
    struct sv_version v;
    char err[160];
    bool ok = false;
    (void)argc;
    int bad = version_parse(val_str_ptr(argv[1]), val_str_len(argv[1]), &v, err,
                            sizeof err);
    int rc = constraint_check(c, val_str_ptr(argv[0]), val_str_len(argv[0]),
                              bad ? NULL : &v, &ok);
    if (rc)
        return rc;
    if (bad)
        return sprig_fail(c, "%s", err);
    *out = val_bool(ok);
    return RN_OK;
}

/* ---- the *semver.Version object ---- */

#define VERSION_TYPE "*semver.Version"

/* Receiver (c->ud) compared with the version object in argv[0]. */
static int method_cmp(struct tpl_fcall *c, const struct val *argv, int *d)
{
    const struct val *tn = val_get(argv[0], "", 0);
    const struct val *orig = val_get_cstr(argv[0], "Original");
    struct sv_version o;
    char err[160];
    if (!c->ud || !tn || !orig || val_gotype(argv[0]) != GT_STRUCT ||
        val_kind(*tn) != VAL_STRING || val_kind(*orig) != VAL_STRING ||
        val_str_len(*tn) != strlen(VERSION_TYPE) ||
        memcmp(val_str_ptr(*tn), VERSION_TYPE, val_str_len(*tn)) != 0)
        return sprig_fail(c, "wrong type for value; expected %s; got %s",
                          VERSION_TYPE, val_type_name(argv[0]));
    if (version_parse(val_str_ptr(*orig), val_str_len(*orig), &o, err,
                      sizeof err))
        return sprig_fail(c, "%s", err);
    *d = version_cmp(c->ud, &o);
    return RN_OK;
}

static int m_compare(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    int d = 0, rc = method_cmp(c, argv, &d);
    (void)argc;
    *out = val_int(d);
    return rc;
}

static int m_relation(struct tpl_fcall *c, const struct val *argv, int lo,
                      int hi, struct val *out)
{
    int d = 0, rc = method_cmp(c, argv, &d);
    *out = val_bool(d >= lo && d <= hi);
    return rc;
}

static int m_equal(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    return m_relation(c, argv, 0, 0, out);
}

static int m_less(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    (void)argc;
    return m_relation(c, argv, -1, -1, out);
}

static int m_less_eq(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)argc;
    return m_relation(c, argv, -1, 0, out);
}

static int m_greater(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)argc;
    return m_relation(c, argv, 1, 1, out);
}

static int m_greater_eq(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    (void)argc;
    return m_relation(c, argv, 0, 1, out);
}

static const struct tpl_func_def version_methods[] = {
    {"Compare", m_compare, "v", NULL},
    {"Equal", m_equal, "v", NULL},
    {"GreaterThan", m_greater, "v", NULL},
    {"GreaterThanEqual", m_greater_eq, "v", NULL},
    {"LessThan", m_less, "v", NULL},
    {"LessThanEqual", m_less_eq, "v", NULL},
};

static int put(struct tpl_fcall *c, struct val_obj *o, const char *key,
               struct val v)
{
    return sprig_obj_put(c, o, val_str(key, strlen(key)), v);
}

/* Version.String(): MAJOR.MINOR.PATCH[-PRE][+META] */
static char *version_string(struct arena *a, const struct sv_version *v)
{
    return arena_printf(a, "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "%s%.*s%s%.*s",
                        v->major, v->minor, v->patch, v->prelen ? "-" : "",
                        (int)v->prelen, v->pre, v->metalen ? "+" : "",
                        (int)v->metalen, v->meta);
}

/* The fields of a version object: the type name, Major, Minor, Patch,
 * Prerelease, Metadata, Original and String. */
static int version_fields(struct tpl_fcall *c, struct val_obj *o,
                          const struct sv_version *v, const char *tname)
{
    char *str = version_string(c->arena, v);
    char *pre = arena_strndup(c->arena, v->pre, v->prelen);
    char *meta = arena_strndup(c->arena, v->meta, v->metalen);
    char *orig = arena_strndup(c->arena, v->orig, v->origlen);
    if (!str || !pre || !meta || !orig)
        return RN_ENOMEM;
    return put(c, o, "", val_str(tname, strlen(tname))) |
           put(c, o, "Major", val_int_t((int64_t)v->major, GT_UINT64)) |
           put(c, o, "Minor", val_int_t((int64_t)v->minor, GT_UINT64)) |
           put(c, o, "Patch", val_int_t((int64_t)v->patch, GT_UINT64)) |
           put(c, o, "Prerelease", val_str(pre, v->prelen)) |
           put(c, o, "Metadata", val_str(meta, v->metalen)) |
           put(c, o, "Original", val_str(orig, v->origlen)) |
           put(c, o, "String", val_str(str, strlen(str)));
}

/* IncMajor, IncMinor, IncPatch: semver.Version values (fields only; the
 * comparison methods need a pointer, which a method result is not). */
static int version_incs(struct tpl_fcall *c, struct val_obj *o,
                        const struct sv_version *v)
{
    static const char *const names[] = {"IncMajor", "IncMinor", "IncPatch"};
    int rc = 0;
    for (int i = 0; i < 3 && !rc; i++) {
        struct sv_version n = *v;
        n.pre = n.meta = "";
        n.prelen = n.metalen = 0;
        if (i == 0) {
            n.major++;
            n.minor = 0;
            n.patch = 0;
        } else if (i == 1) {
            n.minor++;
            n.patch = 0;
        } else if (!v->prelen) {
            n.patch++;
        }
        char *s = version_string(c->arena, &n);
        n.orig = s ? arena_printf(c->arena, "%s%s",
                                  v->origlen && v->orig[0] == 'v' ? "v" : "", s)
                   : NULL;
        struct val_obj *io = sprig_obj_alloc(c, 8);
        if (!n.orig || !io)
            return RN_ENOMEM;
        n.origlen = strlen(n.orig);
        rc = version_fields(c, io, &n, "semver.Version");
        rc = rc ? rc : put(c, o, names[i], val_obj(io, GT_STRUCT));
    }
    return rc;
}

static int version_object(struct tpl_fcall *c, const struct sv_version *v,
                          struct val *out)
{
    struct val_obj *o = sprig_obj_alloc(c, 20);
    struct sv_version *rv = arena_alloc(c->arena, sizeof *rv);
    size_t nm = sizeof version_methods / sizeof *version_methods;
    struct val_func *fns = arena_alloc(c->arena, nm * sizeof *fns);
    struct tpl_func_def *defs = arena_alloc(c->arena, sizeof version_methods);
    if (!o || !rv || !fns || !defs)
        return sprig_nomem(c);
    *rv = *v;
    int rc = version_fields(c, o, v, VERSION_TYPE);
    for (size_t i = 0; i < nm && !rc; i++) {
        defs[i] = version_methods[i];
        defs[i].ud = rv;
        fns[i].name = defs[i].name;
        fns[i].impl = &defs[i];
        fns[i].ud = rv;
        rc = put(c, o, fns[i].name, val_func(&fns[i]));
    }
    if (rc || version_incs(c, o, v))
        return sprig_nomem(c);
    *out = val_obj(o, GT_STRUCT);
    return RN_OK;
}

/* semver s: the parsed version object, or Go's parse error. */
static int f_semver(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    struct sv_version v;
    char err[160];
    (void)argc;
    if (version_parse(val_str_ptr(argv[0]), val_str_len(argv[0]), &v, err,
                      sizeof err))
        return sprig_fail(c, "%s", err);
    /* keep Original even if the caller's text is scratch */
    char *copy = arena_strndup(c->arena, v.orig, v.origlen);
    if (!copy)
        return sprig_nomem(c);
    if (v.prelen)
        v.pre = copy + (v.pre - v.orig);
    if (v.metalen)
        v.meta = copy + (v.meta - v.orig);
    v.orig = copy;
    return version_object(c, &v, out);
}

static const struct tpl_func_def semver_funcs[] = {
    {"semver", f_semver, "s", NULL},
    {"semverCompare", f_semver_compare, "ss", NULL},
};

SPRIG_GROUP(semver, semver_funcs);
