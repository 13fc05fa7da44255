/*
 * methods.c: the methods templates can call on Go's time values
 * (.Year, .Format "...", .Sub, .Hours, .Month.String, ...).  They are
 * core's (GOTIME_METHODS in core/gotime.h), implemented once for
 * templates and expr alike; this file only gives each a template
 * calling convention.  A method whose receiver is the first argument,
 * and whose parameter letters are core's, is one row of the table
 * below.  Go refuses to call methods with more than one result
 * (Date, Clock, ISOWeek, Zone) from a template; so does this.
 */
#include "template_int.h"

#include "../core/gotime.h"

#include <string.h>

static int m_call(struct tpl_fcall *c, const struct val *argv, int argc,
                  struct val *out)
{
    const struct gotime_method *m = c->ud;
    (void)argc;
    if (m->nresults > 1)
        return rn_errf(c->err, RN_EEXEC,
                       "can't call method/function \"%s\" with %d results",
                       c->name, m->nresults);
    return gotime_method_call(c->arena, m, argv[0], argv + 1, out, c->err);
}

#define TPL_METHOD(id, recv, name, params, result, nres, gotype)               \
    [GOTIME_M_##                                                               \
        id] = {name, m_call, params, (void *)&gotime_methods[GOTIME_M_##id]},
static const struct tpl_func_def defs[GOTIME_NMETHODS] = {
    GOTIME_METHODS(TPL_METHOD)};
#undef TPL_METHOD

/* The method `name` of recv's Go type, or NULL.  A *time.Location's
 * String is its field here, as it is to Go's templates. */
const struct tpl_func_def *tpl_method_find(struct val recv, const char *name,
                                           size_t n)
{
    int r = gotime_recv_of(recv);
    const struct gotime_method *m = r >= 0 && r != GOTIME_RECV_LOCATION
                                        ? gotime_method_find(r, name, n)
                                        : NULL;
    return m ? &defs[m->id] : NULL;
}
