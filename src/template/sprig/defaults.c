/*
 * defaults.c: sprig's default, empty, coalesce, all, any, ternary and
 * fail.  "Empty" is Go's zero value as sprig's empty() sees it (nil,
 * false, 0, "", empty list or map; structs such as time.Time never).
 * Upstream's TxtFuncMap has no `required` (that is Helm's), so neither do
 * we.
 */
#include "sprig_int.h"

#include "../../core/err.h"

/* default d [given]: given unless it is missing or empty. */
static int f_default(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)c;
    *out = argc < 2 || sprig_empty(argv[1]) ? argv[0] : argv[1];
    return RN_OK;
}

static int f_empty(struct tpl_fcall *c, const struct val *argv, int argc,
                   struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_bool(sprig_empty(argv[0]));
    return RN_OK;
}

/* The first non-empty argument, or nil. */
static int f_coalesce(struct tpl_fcall *c, const struct val *argv, int argc,
                      struct val *out)
{
    (void)c;
    *out = val_null();
    for (int i = 0; i < argc; i++) {
        if (!sprig_empty(argv[i])) {
            *out = argv[i];
            break;
        }
    }
    return RN_OK;
}

static int f_all(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    bool all = true;
    (void)c;
    for (int i = 0; i < argc && all; i++)
        all = !sprig_empty(argv[i]);
    *out = val_bool(all);
    return RN_OK;
}

static int f_any(struct tpl_fcall *c, const struct val *argv, int argc,
                 struct val *out)
{
    bool any = false;
    (void)c;
    for (int i = 0; i < argc && !any; i++)
        any = !sprig_empty(argv[i]);
    *out = val_bool(any);
    return RN_OK;
}

static int f_ternary(struct tpl_fcall *c, const struct val *argv, int argc,
                     struct val *out)
{
    (void)c;
    (void)argc;
    *out = argv[2].u.b ? argv[0] : argv[1];
    return RN_OK;
}

/* fail msg: an error with exactly msg (the engine prefixes "error calling
 * fail: "). */
static int f_fail(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    (void)argc;
    (void)out;
    return sprig_fail(c, "%.*s", (int)argv[0].len,
                      argv[0].u.s ? argv[0].u.s : "");
}

static const struct tpl_func_def default_funcs[] = {
    {"default", f_default, "v.v", NULL},  {"empty", f_empty, "v", NULL},
    {"coalesce", f_coalesce, ".v", NULL}, {"all", f_all, ".v", NULL},
    {"any", f_any, ".v", NULL},           {"ternary", f_ternary, "vvb", NULL},
    {"fail", f_fail, "s", NULL},
};

SPRIG_GROUP(defaults, default_funcs);
