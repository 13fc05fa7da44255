/*
 * controller.h: `rnotify controller`, the main job.
 *
 * Watches Rollouts, AnalysisRuns, the Events of Rollouts and the
 * notification ConfigMap and Secret; decides which triggers fire (the
 * event path and the condition path of the engine); renders; delivers
 * through the services with retries; records what was delivered on the
 * Rollout.  Everything runs on one loop thread (kube.h); metrics and
 * health are served from another.
 */
#ifndef RN_CONTROLLER_H
#define RN_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

struct rn_err;

struct ctl_opts {
    const char *kubeconfig, *context;
    const char *namespace;        /* watch only this one; NULL: all */
    const char *config_namespace; /* ConfigMap, Secret, Lease */
    const char *config_map, *secret;
    bool self_service;
    const char *metrics_addr, *health_addr;
    const char *status_addr; /* the status page; NULL: off */
    bool leader_elect;
    const char *lease_name, *lease_namespace, *identity;
    int64_t lease_duration_ms, renew_deadline_ms, retry_period_ms;
    int64_t catch_up_window_ms, delivery_deadline_ms;
    int64_t resync_ms;
    bool dry_run;
};

/* Defaults of every option (the flags' defaults). */
void ctl_opts_default(struct ctl_opts *o);

/* Run until SIGTERM/SIGINT (graceful: drain, release the Lease) or a
 * fatal error.  Returns the process exit code. */
int ctl_run(const struct ctl_opts *o);

#endif
