/*
 * sprig.c: registers every sprig theme into a template function table.
 * Upstream hands templates sprig's TxtFuncMap without env and expandenv;
 * so do we: those two names are never defined.
 */
#include "sprig.h"

#include "sprig_int.h"

/* Weak while the themes are being filled in: a theme that is not linked
 * contributes nothing (its tests fail, not the build). */
#pragma weak sprig_group_strings
#pragma weak sprig_group_lists
#pragma weak sprig_group_dicts
#pragma weak sprig_group_math
#pragma weak sprig_group_conv
#pragma weak sprig_group_reflect
#pragma weak sprig_group_encoding
#pragma weak sprig_group_paths
#pragma weak sprig_group_url
#pragma weak sprig_group_defaults
#pragma weak sprig_group_dates
#pragma weak sprig_group_crypto
#pragma weak sprig_group_certs
#pragma weak sprig_group_random
#pragma weak sprig_group_regex
#pragma weak sprig_group_semver
#pragma weak sprig_group_network

static const struct sprig_group *const groups[] = {
    &sprig_group_strings, &sprig_group_lists,    &sprig_group_dicts,
    &sprig_group_math,    &sprig_group_conv,     &sprig_group_reflect,
    &sprig_group_encoding, &sprig_group_paths,   &sprig_group_url,
    &sprig_group_defaults, &sprig_group_dates,   &sprig_group_crypto,
    &sprig_group_certs,   &sprig_group_random,   &sprig_group_regex,
    &sprig_group_semver,  &sprig_group_network,
};

int sprig_register(struct tpl_funcs *f)
{
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++) {
        if (!groups[i])
            continue;
        int rc = tpl_funcs_add(f, groups[i]->defs, groups[i]->n);
        if (rc)
            return rc;
    }
    tpl_funcs_remove(f, "env");
    tpl_funcs_remove(f, "expandenv");
    return 0;
}
