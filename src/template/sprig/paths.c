/*
 * paths.c: Go's path and path/filepath functions as sprig exposes them
 * (base, dir, clean, ext, isAbs and their os* twins).  On Linux filepath
 * uses '/' and no volume names, so both families share one
 * implementation.
 */
#include "sprig_int.h"

#include "../../core/arena.h"
#include "../../core/err.h"

#include <string.h>

/* path.Clean: shortest equivalent path by purely lexical processing. */
static int clean(struct tpl_fcall *c, const char *p, size_t n, struct val *out)
{
    if (n == 0)
        return sprig_out_str(c, ".", 1, out);
    char *b = arena_alloc(c->arena, n + 2);
    if (!b)
        return sprig_nomem(c);
    bool rooted = p[0] == '/';
    size_t r = 0, w = 0, dotdot = 0;
    if (rooted) {
        b[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' &&
                   (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && b[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    b[w++] = '/';
                b[w++] = '.';
                b[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                b[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                b[w++] = p[r];
        }
    }
    if (w == 0)
        b[w++] = '.';
    b[w] = '\0';
    *out = val_str(b, w);
    return RN_OK;
}

static int f_clean(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)argc;
    return clean(c, argv[0].u.s, argv[0].len, out);
}

/* path.Base: the last element, trailing slashes dropped. */
static int f_base(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    const char *p = argv[0].u.s;
    size_t n = argv[0].len;
    (void)argc;
    if (n == 0)
        return sprig_out_str(c, ".", 1, out);
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (n == 0)
        return sprig_out_str(c, "/", 1, out);
    size_t i = n;
    while (i > 0 && p[i - 1] != '/')
        i--;
    return sprig_out_str(c, p + i, n - i, out);
}

/* path.Dir: everything up to the last slash, cleaned. */
static int f_dir(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    const char *p = argv[0].u.s;
    size_t i = argv[0].len;
    (void)argc;
    while (i > 0 && p[i - 1] != '/')
        i--;
    return clean(c, p, i, out);
}

/* path.Ext: the suffix from the last dot of the last element. */
static int f_ext(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    const char *p = argv[0].u.s;
    size_t n = argv[0].len;
    (void)c;
    (void)argc;
    for (size_t i = n; i > 0 && p[i - 1] != '/'; i--) {
        if (p[i - 1] == '.') {
            *out = val_str(p + i - 1, n - i + 1);
            return RN_OK;
        }
    }
    *out = val_str("", 0);
    return RN_OK;
}

static int f_isabs(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_bool(argv[0].len > 0 && argv[0].u.s[0] == '/');
    return RN_OK;
}

static const struct tpl_func_def path_funcs[] = {
    {"base", f_base, "s", NULL},   {"dir", f_dir, "s", NULL},
    {"clean", f_clean, "s", NULL}, {"ext", f_ext, "s", NULL},
    {"isAbs", f_isabs, "s", NULL}, {"osBase", f_base, "s", NULL},
    {"osDir", f_dir, "s", NULL},   {"osClean", f_clean, "s", NULL},
    {"osExt", f_ext, "s", NULL},   {"osIsAbs", f_isabs, "s", NULL},
};

SPRIG_GROUP(paths, path_funcs);
