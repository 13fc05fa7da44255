/*
 * conditions.c: the condition-driven path.
 *
 * On every change of a Rollout (and every resync), each trigger it has a
 * destination for, and that has a condition with a `when`, is evaluated
 * with whole numbers as int64 (as upstream's condition path decodes the
 * object).  A condition sends when it turns true (edge, not level): its
 * state key (engine state.c, upstream's format, oncePer included) is
 * absent.  Unlike upstream the key is recorded only after the delivery
 * succeeded, and a delivery in flight is claimed so that further changes
 * do not queue it again; a condition that turns false again forgets its
 * key (oncePer keys excepted).
 *
 * A trigger whose name an Event reason maps to (on-rollout-completed ...)
 * is left to the event path even when it has a `when`: upstream would run
 * it in both and send twice.
 */
#include "controller_int.h"

#include "../core/doc.h"
#include "../core/log.h"

#include <string.h>

/* Every reason the Argo Rollouts controllers record as an Event. */
static const char *const event_reasons[] = {"RolloutAddedToInformer",
                                            "RolloutDeleted",
                                            "RolloutUpdated",
                                            "NewReplicaSetCreated",
                                            "ReplicaSetCreateError",
                                            "ScalingReplicaSet",
                                            "RolloutStepCompleted",
                                            "RolloutPaused",
                                            "RolloutResumed",
                                            "RolloutAborted",
                                            "RolloutCompleted",
                                            "RolloutNotCompleted",
                                            "SkipSteps",
                                            "AnalysisRunPending",
                                            "AnalysisRunRunning",
                                            "AnalysisRunSuccessful",
                                            "AnalysisRunFailed",
                                            "AnalysisRunError",
                                            "AnalysisRunInconclusive",
                                            "AnalysisRunTerminating",
                                            "ExperimentCreated",
                                            "SwitchService",
                                            "TrafficWeightUpdated",
                                            "TrafficRoutingError",
                                            "WeightVerifyError",
                                            "TargetGroupVerified",
                                            "TargetGroupUnverified",
                                            "TargetGroupVerifyError",
                                            "LoadBalancerNotFound",
                                            "PatchingALBIngress",
                                            "CreatingCanaryIngress",
                                            "PatchingCanaryIngress",
                                            "UpdatedDestinationRule",
                                            "Updated VirtualService",
                                            "VirtualServiceNotFound",
                                            "DestinationRuleNotFound",
                                            "VirtualRouterNotFound",
                                            "VirtualNodeNotFound",
                                            "TrafficSplitCreated",
                                            "TrafficSplitNotCreated",
                                            "CanaryMappingWeightUpdate",
                                            "CanaryMappingUpdateError",
                                            "CanaryMappingCleanupError",
                                            "CanaryMappingCreationError",
                                            "AmbassadorMappingNotFound",
                                            "AmbassadorMappingConfigError",
                                            "ApisixRouteUpdateError",
                                            "ApisixRouteCreateError",
                                            "ApisixRouteDeleteError",
                                            "TraefikServiceUpdateError",
                                            "StepPluginTransition",
                                            "ReconciliationError",
                                            "MetricSuccessful",
                                            "MetricFailed",
                                            "MetricError",
                                            "MetricInconclusive",
                                            "ExperimentPending",
                                            "ExperimentRunning",
                                            "ExperimentSuccessful",
                                            "ExperimentFailed",
                                            "ExperimentError",
                                            "ExperimentInconclusive",
                                            "TemplateProgressing",
                                            "TemplateRunning",
                                            "TemplateSuccessful",
                                            "TemplateFailed",
                                            "TemplateError",
                                            "ReplicaSetUpdateError",
                                            NULL};

int ctl_event_triggers_init(struct ctl *c)
{
    struct arena a;
    int rc = RN_OK;
    arena_init(&a, 0);
    for (size_t i = 0; rc == RN_OK && event_reasons[i]; i++) {
        const char *t =
            eng_event_trigger(&a, event_reasons[i], strlen(event_reasons[i]));
        rc = t ? map_put(&c->ev_triggers, t, strlen(t), c, NULL) : RN_ENOMEM;
    }
    arena_free(&a);
    return rc;
}

/* Why a custom trigger without `when` never fires. */
#define NO_WHEN                                                                \
    "no condition has a `when`, and no Event reason maps to this trigger's "   \
    "name: it never fires"

static bool event_trigger(struct ctl *c, const char *name)
{
    return map_get(&c->ev_triggers, name, strlen(name)) != NULL;
}

static bool has_when(const struct cfg_trigger *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->conds[i].when[0])
            return true;
    return false;
}

struct cond_ctx {
    struct ctl *c;
    struct ctl_ro *r;
    struct ctl_conf *conf;
    struct doc *obj;
    struct eng_state *st;
    struct val vars;
    const char *ns, *name;
    int64_t t0;
};

/* The Rollout's record, made when a condition first needs one (a send or
 * a key to forget): evaluating the conditions of an idle Rollout, as every
 * resync does for all of them, leaves nothing behind. */
static struct ctl_ro *record_of(struct cond_ctx *x)
{
    if (!x->r)
        x->r = ctl_ro_get(x->c, x->ns, x->name, true);
    return x->r;
}

/* One condition result for each destination of the trigger. */
static void step(struct cond_ctx *x, const struct eng_trigger_dests *td,
                 const struct eng_cond_result *res)
{
    struct ctl *c = x->c;
    const char *prefix_ns = x->conf->self_service ? x->conf->ns : NULL;
    for (size_t j = 0; j < td->n; j++) {
        const struct eng_dest *d = &td->dests[j];
        const char *key =
            eng_state_key(&c->scratch, prefix_ns, td->trigger, res, d);
        if (!key)
            continue;
        struct ctl_send s = {
            CTL_PATH_COND, x->conf, td->trigger, res, d,  x->vars, key,
            CTL_ANN_COND,  x->ns,   x->name,     "",  "", x->t0,   NULL};
        switch (eng_condition_step(x->st, key, res)) {
        case ENG_COND_CLEAR:
            log_kv(LOG_INFO, "condition turned false: forgetting its record",
                   "namespace", x->ns, "rollout", x->name, "trigger",
                   td->trigger, "destination", d->service, NULL);
            if (record_of(x)) {
                ctl_state_unset(c, x->r, CTL_ANN_COND, key);
                ctl_ro_clear(x->r, key);
            }
            break;
        case ENG_COND_SEND:
            if (record_of(x))
                ctl_send(c, x->r, &s);
            break;
        case ENG_COND_ALREADY:
            ctl_status_send(c, &s, CTL_WHY_ALREADY, NULL);
            break;
        case ENG_COND_NONE: /* false, and not recorded (maybe in flight) */
            if (x->r)
                ctl_ro_clear(x->r, key);
            break;
        }
    }
}

static void run_trigger(struct cond_ctx *x, const struct eng_trigger_dests *td)
{
    struct ctl *c = x->c;
    const struct cfg_trigger *t;
    struct eng_cond_result *res;
    size_t n;
    struct ctl_about ab = {CTL_PATH_COND, x->ns, x->name, td->trigger,
                           NULL,          NULL,  td,      NULL};
    struct rn_err e;
    rn_err_clear(&e);
    if (event_trigger(c, td->trigger))
        return;
    if (cfg_trigger_lookup(x->conf->cfg, td->trigger, &t, &e) != RN_OK) {
        ctl_status_decision(c, &ab, CTL_WHY_NOT_CONFIGURED, e.msg);
        return;
    }
    if (!has_when(t)) {
        ctl_status_decision(c, &ab, CTL_WHY_FALSE, NO_WHEN);
        return;
    }
    if (eng_conditions_run(t, x->vars, &c->scratch, &res, &n) != RN_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *tv[] = {td->trigger, res[i].triggered ? "true" : "false"};
        ctl_metric_add(c->m, c->f.trigger_eval, tv, 1);
        if (res[i].when_error)
            log_kv(LOG_WARN, "condition failed", "trigger", td->trigger,
                   "namespace", x->ns, "rollout", x->name, "error",
                   res[i].when_error, NULL);
        ab.cond = res[i].key;
        if (!res[i].triggered)
            ctl_status_decision(c, &ab, CTL_WHY_FALSE, res[i].when_error);
        step(x, td, &res[i]);
    }
}

static void run_conf(struct cond_ctx *x)
{
    struct ctl *c = x->c;
    struct eng_dests dests;
    if (eng_destinations(x->conf->cfg, x->obj->root, ENG_DEST_DEDUP,
                         &c->scratch, &dests) != RN_OK ||
        !dests.n)
        return;
    x->r = ctl_ro_get(c, x->ns, x->name, false);
    if (ctl_vars(c, x->conf, x->obj->root, false, &c->scratch, &x->vars) !=
            RN_OK ||
        ctl_state_cond(c, x->r, x->obj->root, &c->scratch, &x->st) != RN_OK)
        return;
    for (size_t i = 0; i < dests.n; i++)
        run_trigger(x, &dests.items[i]);
}

void ctl_conditions(struct ctl *c, struct doc *obj)
{
    if (!c->acting || c->stopping)
        return;
    struct cond_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.obj = obj;
    x.ns = ctl_meta(obj->root, "namespace");
    x.name = ctl_meta(obj->root, "name");
    x.t0 = kube_loop_now(c->loop);
    struct ctl_conf *confs[2];
    size_t nc = ctl_configs_for(c, x.ns, confs);
    for (size_t i = 0; i < nc; i++) {
        x.conf = confs[i];
        run_conf(&x);
    }
    arena_reset(&c->scratch);
}
