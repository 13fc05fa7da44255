/* scenario.c: the scenario player (being written). */
#include "sandbox.h"

#include "core/alloc.h"

struct sb_scenarios {
    int unused;
};

int sb_scenarios_new(struct sb_scenarios **out)
{
    *out = rn_calloc(1, sizeof **out);
    return *out ? RN_OK : RN_ENOMEM;
}

void sb_scenarios_free(struct sb_scenarios *s)
{
    rn_free(s);
}

int sb_scenario_start(struct sb *sb, struct doc *scn, bool wait, uint64_t *id,
                      struct rn_err *e)
{
    (void)sb, (void)wait, (void)id;
    doc_unref(scn);
    return rn_errf(e, RN_EINVAL, "scenarios are not implemented yet");
}

int sb_scenario_start_file(struct sb *sb, const char *path, bool wait,
                           uint64_t *id, struct rn_err *e)
{
    (void)sb, (void)path, (void)wait, (void)id;
    return rn_errf(e, RN_EINVAL, "scenarios are not implemented yet");
}

int sb_scenarios_json(struct sb *sb, struct buf *b)
{
    (void)sb;
    return buf_add_str(b, "[]");
}

int sb_scenario_json(struct sb *sb, uint64_t id, struct buf *b)
{
    (void)sb, (void)id;
    return buf_add_str(b, "null");
}
