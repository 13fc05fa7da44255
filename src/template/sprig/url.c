/*
 * url.c: sprig's urlParse and urlJoin over Go's net/url rules.
 *
 * urlParse splits a URL as url.Parse does (scheme, opaque part,
 * authority with userinfo and host, path with %-escapes decoded, raw
 * query, fragment) into a dict; a URL Go rejects fails with "unable to
 * parse url".  urlJoin builds url.URL.String() from such a dict,
 * escaping path, host, userinfo and fragment the way Go does.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/buf.h"
#include "../../core/codec.h"
#include "../../core/err.h"

#include <string.h>

enum esc_mode { ESC_PATH, ESC_HOST, ESC_ZONE, ESC_USER, ESC_FRAGMENT };

/* url.shouldEscape */
static bool should_escape(unsigned char ch, enum esc_mode mode)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9'))
        return false;
    if ((mode == ESC_HOST || mode == ESC_ZONE) && ch &&
        strchr("!$&'()*+,;=:[]<>\"", ch))
        return false;
    if (ch == '-' || ch == '_' || ch == '.' || ch == '~')
        return false;
    if (ch && strchr("$&+,/:;=?@", ch)) {
        switch (mode) {
        case ESC_PATH:
            return ch == '?';
        case ESC_USER:
            return ch == '@' || ch == '/' || ch == '?' || ch == ':';
        case ESC_FRAGMENT:
            return false;
        default:
            return true;
        }
    }
    if (mode == ESC_FRAGMENT && ch && strchr("!()*", ch))
        return false;
    return true;
}

/* arena_strndup that records an exhausted arena in c->err. */
static char *dup_n(struct tpl_fcall *c, const char *s, size_t n)
{
    char *p = arena_strndup(c->arena, s, n);
    if (!p)
        sprig_nomem(c);
    return p;
}

/* url.unescape (no '+' handling: no query component is decoded here).
 * Returns false for a bad escape or a bad host byte. */
static bool unescape(struct tpl_fcall *c, const char *s, size_t n,
                     enum esc_mode mode, struct val *out)
{
    char *o = arena_alloc(c->arena, n + 1);
    size_t k = 0;
    if (!o) {
        sprig_nomem(c);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n || codec_hexval((char)s[i + 1]) < 0 ||
                codec_hexval((char)s[i + 2]) < 0)
                return false;
            int v = codec_hexval((char)s[i + 1]) << 4 |
                    codec_hexval((char)s[i + 2]);
            bool pct25 = memcmp(s + i, "%25", 3) == 0;
            if (mode == ESC_HOST && v < 0x80 && !pct25)
                return false;
            if (mode == ESC_ZONE && !pct25 && v != ' ' &&
                should_escape((unsigned char)v, ESC_HOST))
                return false;
            o[k++] = (char)v;
            i += 2;
            continue;
        }
        if ((mode == ESC_HOST || mode == ESC_ZONE) && ch < 0x80 &&
            should_escape(ch, mode))
            return false;
        o[k++] = (char)ch;
    }
    o[k] = '\0';
    *out = val_str(o, k);
    return true;
}

static int escape_into(struct buf *b, const char *s, size_t n,
                       enum esc_mode mode)
{
    int rc = RN_OK;
    for (size_t i = 0; i < n && rc == RN_OK; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (should_escape(ch, mode))
            rc = buf_add_fmt(b, "%%%02X", ch);
        else
            rc = buf_add_char(b, (char)ch);
    }
    return rc;
}

/* ---- parsing ---- */

struct url_parts {
    struct val scheme, opaque, user, host, path, query, fragment;
    bool has_user;
};

static const char *find_char(const char *s, size_t n, char ch)
{
    return n ? memchr(s, ch, n) : NULL;
}

static const char *find_last(const char *s, size_t n, char ch)
{
    for (size_t i = n; i > 0; i--)
        if (s[i - 1] == ch)
            return s + i - 1;
    return NULL;
}

/* ":digits" or empty */
static bool valid_port(const char *s, size_t n)
{
    if (n == 0)
        return true;
    if (s[0] != ':')
        return false;
    for (size_t i = 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool parse_host(struct tpl_fcall *c, const char *h, size_t n,
                       struct val *out)
{
    if (n && h[0] == '[') {
        const char *rb = find_last(h, n, ']');
        if (!rb || !valid_port(rb + 1, n - (size_t)(rb + 1 - h)))
            return false;
        const char *zone = NULL;
        for (const char *p = h; p + 3 <= rb; p++)
            if (memcmp(p, "%25", 3) == 0) {
                zone = p;
                break;
            }
        if (zone) {
            struct val a, z, r;
            if (!unescape(c, h, (size_t)(zone - h), ESC_HOST, &a) ||
                !unescape(c, zone, (size_t)(rb - zone), ESC_ZONE, &z) ||
                !unescape(c, rb, n - (size_t)(rb - h), ESC_HOST, &r))
                return false;
            char *j = arena_printf(c->arena, "%s%s%s", a.u.s, z.u.s, r.u.s);
            if (!j) {
                sprig_nomem(c);
                return false;
            }
            *out = val_str(j, a.len + z.len + r.len);
            return true;
        }
    } else {
        const char *colon = find_last(h, n, ':');
        if (colon && !valid_port(colon, n - (size_t)(colon - h)))
            return false;
    }
    return unescape(c, h, n, ESC_HOST, out);
}

static bool valid_userinfo(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9'))
            continue;
        if (!ch || !strchr("-._:~!$&'()*+,;=%@", ch))
            return false;
    }
    return true;
}

/* userinfo as Userinfo.String() gives it back: decoded, re-escaped. */
static bool parse_userinfo(struct tpl_fcall *c, const char *s, size_t n,
                           struct val *out)
{
    struct buf b;
    struct val user, pass = {0};
    const char *colon = find_char(s, n, ':');
    size_t un = colon ? (size_t)(colon - s) : n;
    if (!valid_userinfo(s, n) || !unescape(c, s, un, ESC_USER, &user))
        return false;
    if (colon && !unescape(c, colon + 1, n - un - 1, ESC_USER, &pass))
        return false;
    buf_init(&b, 0);
    int rc = escape_into(&b, user.u.s, user.len, ESC_USER);
    if (rc == RN_OK && colon)
        rc = buf_add_char(&b, ':');
    if (rc == RN_OK && colon)
        rc = escape_into(&b, pass.u.s, pass.len, ESC_USER);
    return sprig_out_buf(c, &b, rc, out) == RN_OK;
}

static bool parse_authority(struct tpl_fcall *c, const char *a, size_t n,
                            struct url_parts *u)
{
    const char *at = find_last(a, n, '@');
    const char *h = at ? at + 1 : a;
    if (!parse_host(c, h, n - (size_t)(h - a), &u->host))
        return false;
    u->has_user = at != NULL;
    return !at || parse_userinfo(c, a, (size_t)(at - a), &u->user);
}

/* url.getScheme: the scheme length, 0 for none, -1 for ":..." */
static long scheme_len(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            continue;
        if ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.') {
            if (i == 0)
                return 0;
            continue;
        }
        if (ch == ':')
            return i == 0 ? -1 : (long)i;
        return 0;
    }
    return 0;
}

/* url.parse of s (fragment already cut off). */
static bool parse_url(struct tpl_fcall *c, const char *s, size_t n,
                      struct url_parts *u)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    if (n == 1 && s[0] == '*') {
        u->path = val_str("*", 1);
        return true;
    }
    long sl = scheme_len(s, n);
    if (sl < 0)
        return false;
    if (sl > 0) {
        char *sc = dup_n(c, s, (size_t)sl);
        if (!sc)
            return false;
        for (long i = 0; i < sl; i++)
            if (sc[i] >= 'A' && sc[i] <= 'Z')
                sc[i] = (char)(sc[i] + 32);
        u->scheme = val_str(sc, (size_t)sl);
        s += sl + 1;
        n -= (size_t)sl + 1;
    }
    const char *q = find_char(s, n, '?');
    if (q) {
        size_t qn = n - (size_t)(q - s) - 1;
        char *qs = dup_n(c, q + 1, qn);
        if (!qs)
            return false;
        u->query = val_str(qs, qn);
        n = (size_t)(q - s);
    }
    if (n == 0 || s[0] != '/') {
        if (sl > 0) {
            char *op = dup_n(c, s, n);
            u->opaque = val_str(op, op ? n : 0);
            return op != NULL;
        }
        const char *slash = find_char(s, n, '/');
        if (find_char(s, slash ? (size_t)(slash - s) : n, ':'))
            return false;
    }
    if ((sl > 0 || !(n >= 3 && memcmp(s, "///", 3) == 0)) && n >= 2 &&
        s[0] == '/' && s[1] == '/') {
        const char *slash = find_char(s + 2, n - 2, '/');
        size_t an = slash ? (size_t)(slash - (s + 2)) : n - 2;
        if (!parse_authority(c, s + 2, an, u))
            return false;
        s += 2 + an;
        n -= 2 + an;
    }
    return unescape(c, s, n, ESC_PATH, &u->path);
}

/* Hostname(): the host without its port and IPv6 brackets. */
static struct val hostname(struct tpl_fcall *c, struct val host)
{
    const char *h = host.u.s;
    size_t n = host.len;
    const char *colon = find_last(h, n, ':');
    if (colon && valid_port(colon, n - (size_t)(colon - h)))
        n = (size_t)(colon - h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    char *p = dup_n(c, h, n);
    return p ? val_str(p, n) : val_str("", 0);
}

static int put(struct tpl_fcall *c, struct val_obj *o, const char *k,
               struct val v)
{
    if (!v.u.s)
        v = val_str("", 0);
    return sprig_obj_put(c, o, val_str(k, strlen(k)), v);
}

static int f_urlparse(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    struct url_parts u;
    const char *s = argv[0].u.s ? argv[0].u.s : "";
    size_t n = argv[0].len;
    const char *hash = find_char(s, n, '#');
    size_t un = hash ? (size_t)(hash - s) : n;
    (void)argc;
    memset(&u, 0, sizeof u);
    rn_err_clear(c->err); /* tells an exhausted arena from a bad URL */
    if (!parse_url(c, s, un, &u) ||
        (hash &&
         !unescape(c, hash + 1, n - un - 1, ESC_FRAGMENT, &u.fragment))) {
        if (c->err && c->err->code == RN_ENOMEM)
            return RN_ENOMEM;
        return sprig_fail(c, "unable to parse url: parse \"%.*s\": invalid URL",
                          (int)n, s);
    }
    struct val_obj *o = sprig_obj_alloc(c, 8);
    if (!o)
        return sprig_nomem(c);
    int rc = put(c, o, "scheme", u.scheme);
    if (rc == RN_OK)
        rc = put(c, o, "host", u.host);
    if (rc == RN_OK)
        rc = put(c, o, "hostname", hostname(c, u.host));
    if (rc == RN_OK && c->err && c->err->code == RN_ENOMEM)
        rc = RN_ENOMEM;
    if (rc == RN_OK)
        rc = put(c, o, "path", u.path);
    if (rc == RN_OK)
        rc = put(c, o, "query", u.query);
    if (rc == RN_OK)
        rc = put(c, o, "opaque", u.opaque);
    if (rc == RN_OK)
        rc = put(c, o, "fragment", u.fragment);
    if (rc == RN_OK)
        rc = put(c, o, "userinfo", u.has_user ? u.user : val_str("", 0));
    *out = val_obj(o, GT_MAP_ANY);
    return rc;
}

/* ---- joining ---- */

/* dictGetOrEmpty: a string value, "" when absent, a failure otherwise. */
static int dict_str(struct tpl_fcall *c, struct val d, const char *key,
                    struct val *out)
{
    const struct val *v = d.kind == VAL_OBJECT ? val_get_cstr(d, key) : NULL;
    *out = val_str("", 0);
    if (!v)
        return RN_OK;
    if (v->kind == VAL_NULL)
        return sprig_fail(c, "runtime error: invalid memory address or nil "
                             "pointer dereference");
    if (v->kind != VAL_STRING)
        return sprig_fail(c,
                          "unable to parse %s key, must be of type string, "
                          "but %s found",
                          key, val_kind_name(*v));
    *out = *v;
    return RN_OK;
}

/* url.URL.String() without the user part. */
static int url_string(struct buf *b, const struct url_parts *u,
                      const char *user)
{
    int rc = RN_OK;
    if (u->scheme.len)
        rc = buf_add_fmt(b, "%s:", u->scheme.u.s);
    if (rc == RN_OK && u->opaque.len) {
        rc = buf_add(b, u->opaque.u.s, u->opaque.len);
    } else if (rc == RN_OK) {
        if (u->scheme.len || u->host.len || user) {
            if (u->host.len || u->path.len || user)
                rc = buf_add_str(b, "//");
            if (rc == RN_OK && user)
                rc = buf_add_fmt(b, "%s@", user);
            if (rc == RN_OK)
                rc = escape_into(b, u->host.u.s, u->host.len, ESC_HOST);
        }
        if (rc == RN_OK && u->path.len && u->path.u.s[0] != '/' && u->host.len)
            rc = buf_add_char(b, '/');
        if (rc == RN_OK && b->len == 0 && u->path.len) {
            const char *slash = find_char(u->path.u.s, u->path.len, '/');
            size_t seg = slash ? (size_t)(slash - u->path.u.s) : u->path.len;
            if (find_char(u->path.u.s, seg, ':'))
                rc = buf_add_str(b, "./");
        }
        if (rc == RN_OK && u->path.len == 1 && u->path.u.s[0] == '*')
            rc = buf_add_char(b, '*');
        else if (rc == RN_OK)
            rc = escape_into(b, u->path.u.s, u->path.len, ESC_PATH);
    }
    if (rc == RN_OK && u->query.len)
        rc = buf_add_fmt(b, "?%s", u->query.u.s);
    if (rc == RN_OK && u->fragment.len) {
        rc = buf_add_char(b, '#');
        if (rc == RN_OK)
            rc = escape_into(b, u->fragment.u.s, u->fragment.len, ESC_FRAGMENT);
    }
    return rc;
}

static int f_urljoin(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    struct url_parts u;
    struct val ui;
    struct buf b;
    const char *user = NULL;
    (void)argc;
    memset(&u, 0, sizeof u);
    int rc = dict_str(c, argv[0], "scheme", &u.scheme);
    if (rc == RN_OK)
        rc = dict_str(c, argv[0], "host", &u.host);
    if (rc == RN_OK)
        rc = dict_str(c, argv[0], "path", &u.path);
    if (rc == RN_OK)
        rc = dict_str(c, argv[0], "query", &u.query);
    if (rc == RN_OK)
        rc = dict_str(c, argv[0], "opaque", &u.opaque);
    if (rc == RN_OK)
        rc = dict_str(c, argv[0], "fragment", &u.fragment);
    if (rc == RN_OK)
        rc = dict_str(c, argv[0], "userinfo", &ui);
    if (rc)
        return rc;
    if (ui.len) {
        /* as sprig does: parse "proto://<userinfo>@host" */
        struct url_parts tmp;
        char *full =
            arena_printf(c->arena, "proto://%.*s@host", (int)ui.len, ui.u.s);
        if (!full)
            return sprig_nomem(c);
        memset(&tmp, 0, sizeof tmp);
        char *hash = strchr(full, '#');
        rn_err_clear(c->err);
        if (!parse_url(c, full, hash ? (size_t)(hash - full) : strlen(full),
                       &tmp)) {
            if (c->err && c->err->code == RN_ENOMEM)
                return RN_ENOMEM;
            return sprig_fail(c, "unable to parse userinfo in dict: invalid "
                                 "userinfo");
        }
        if (tmp.has_user)
            user = tmp.user.u.s ? tmp.user.u.s : "";
    }
    buf_init(&b, 0);
    return sprig_out_buf(c, &b, url_string(&b, &u, user), out);
}

static const struct tpl_func_def url_funcs[] = {
    {"urlParse", f_urlparse, "s", NULL},
    {"urlJoin", f_urljoin, "m", NULL},
};

SPRIG_GROUP(url, url_funcs);
