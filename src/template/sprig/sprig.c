/*
 * sprig.c: registers every sprig theme into a template function table.
 * Upstream hands templates sprig's TxtFuncMap without env and expandenv;
 * so do we: those two names are never defined.  The theme list,
 * sprig_themes.h, is generated at configure time from the files that
 * define a SPRIG_GROUP.
 */
#include "sprig.h"

#include "sprig_int.h"

#include <stddef.h>

#define SPRIG_THEME(name) &sprig_group_##name,
static const struct sprig_group *const groups[] = {
#include "sprig_themes.h"
    NULL,
};
#undef SPRIG_THEME

int sprig_register(struct tpl_funcs *f)
{
    for (size_t i = 0; groups[i]; i++) {
        int rc = tpl_funcs_add(f, groups[i]->defs, groups[i]->n);
        if (rc)
            return rc;
    }
    tpl_funcs_remove(f, "env");
    tpl_funcs_remove(f, "expandenv");
    return 0;
}
