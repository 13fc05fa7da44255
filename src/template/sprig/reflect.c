/*
 * reflect.c: sprig's type inspection: typeOf (Go's %T), kindOf (reflect
 * Kind), their comparisons, and reflect.DeepEqual.  The names come from
 * the Go type each value carries (val.h), so a float64 from JSON data and
 * an int literal answer differently, as in Go.
 */
#include "sprig_int.h"

#include "../../core/err.h"

#include <string.h>

static bool str_is(struct val s, const char *name)
{
    size_t n = strlen(name);
    return s.len == n && memcmp(s.u.s, name, n) == 0;
}

static int f_typeof(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    const char *t = val_type_name(argv[0]);
    *out = val_str(t, strlen(t));
    return RN_OK;
}

static int f_typeis(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_bool(str_is(argv[0], val_type_name(argv[1])));
    return RN_OK;
}

/* typeIsLike T v: v's type is T or *T. */
static int f_typeislike(struct tpl_fcall *c, const struct val *argv, int argc,
                        struct val *out)
{
    const char *t = val_type_name(argv[1]);
    (void)c;
    (void)argc;
    *out =
        val_bool(str_is(argv[0], t) || (t[0] == '*' && str_is(argv[0], t + 1)));
    return RN_OK;
}

static int f_kindof(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    const char *k = val_kind_name(argv[0]);
    *out = val_str(k, strlen(k));
    return RN_OK;
}

static int f_kindis(struct tpl_fcall *c, const struct val *argv, int argc,
                    struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_bool(str_is(argv[0], val_kind_name(argv[1])));
    return RN_OK;
}

static int f_deepequal(struct tpl_fcall *c, const struct val *argv, int argc,
                       struct val *out)
{
    (void)c;
    (void)argc;
    *out = val_bool(val_deep_equal(argv[0], argv[1]));
    return RN_OK;
}

static const struct tpl_func_def reflect_funcs[] = {
    {"typeOf", f_typeof, "v", NULL},
    {"typeIs", f_typeis, "sv", NULL},
    {"typeIsLike", f_typeislike, "sv", NULL},
    {"kindOf", f_kindof, "v", NULL},
    {"kindIs", f_kindis, "sv", NULL},
    {"deepEqual", f_deepequal, "vv", NULL},
};

SPRIG_GROUP(reflect, reflect_funcs);
