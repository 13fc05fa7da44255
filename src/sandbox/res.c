/*
 * res.c: the resources the sandbox serves, as one table.
 *
 * Everything that varies by resource (its path, kind, whether it is a
 * custom resource, its status subresource and generation rules, the field
 * labels its selectors accept) is a row here, so no other file branches
 * on a resource name except where a resource has behaviour of its own
 * (Secrets' stringData, Namespaces' implicit members, Events' TTL).
 */
#include "sandbox.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const event_fields[] = {
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
    NULL,
};

static const char *const secret_fields[] = {"type", NULL};
static const char *const namespace_fields[] = {"status.phase", NULL};

const struct sb_res sb_res[SB_NRES] = {
    [SB_CONFIGMAPS] = {"", "v1", "v1", "configmaps", "configmap", "ConfigMap",
                       "ConfigMapList", "configmaps", "ConfigMap", "cm", NULL,
                       SB_RF_NAMESPACED},
    [SB_SECRETS] = {"", "v1", "v1", "secrets", "secret", "Secret", "SecretList",
                    "secrets", "Secret", NULL, secret_fields, SB_RF_NAMESPACED},
    [SB_EVENTS] = {"", "v1", "v1", "events", "event", "Event", "EventList",
                   "events", "Event", "ev", event_fields, SB_RF_NAMESPACED},
    [SB_NAMESPACES] = {"", "v1", "v1", "namespaces", "namespace", "Namespace",
                       "NamespaceList", "namespaces", "Namespace", "ns",
                       namespace_fields, 0},
    [SB_LEASES] = {"coordination.k8s.io", "v1", "coordination.k8s.io/v1",
                   "leases", "lease", "Lease", "LeaseList",
                   "leases.coordination.k8s.io", "Lease.coordination.k8s.io",
                   NULL, NULL, SB_RF_NAMESPACED | SB_RF_RV_ON_PUT},
    [SB_ROLLOUTS] = {"argoproj.io", "v1alpha1", "argoproj.io/v1alpha1",
                     "rollouts", "rollout", "Rollout", "RolloutList",
                     "rollouts.argoproj.io", "Rollout.argoproj.io", "ro", NULL,
                     SB_RF_NAMESPACED | SB_RF_CUSTOM | SB_RF_STATUS |
                         SB_RF_GEN_SPEC | SB_RF_RV_ON_PUT},
    [SB_ANALYSISRUNS] = {"argoproj.io", "v1alpha1", "argoproj.io/v1alpha1",
                         "analysisruns", "analysisrun", "AnalysisRun",
                         "AnalysisRunList", "analysisruns.argoproj.io",
                         "AnalysisRun.argoproj.io", "ar", NULL,
                         SB_RF_NAMESPACED | SB_RF_CUSTOM | SB_RF_GEN_ALL |
                             SB_RF_RV_ON_PUT},
    [SB_SERVICEACCOUNTS] = {"", "v1", "v1", "serviceaccounts", "serviceaccount",
                            "ServiceAccount", "ServiceAccountList",
                            "serviceaccounts", "ServiceAccount", "sa", NULL,
                            SB_RF_NAMESPACED},
    [SB_SERVICES] = {"", "v1", "v1", "services", "service", "Service",
                     "ServiceList", "services", "Service", "svc", NULL,
                     SB_RF_NAMESPACED | SB_RF_STATUS},
    [SB_DEPLOYMENTS] = {"apps", "v1", "apps/v1", "deployments", "deployment",
                        "Deployment", "DeploymentList", "deployments.apps",
                        "Deployment.apps", "deploy", NULL,
                        SB_RF_NAMESPACED | SB_RF_STATUS | SB_RF_GEN_SPEC},
    [SB_ROLES] = {"rbac.authorization.k8s.io", "v1",
                  "rbac.authorization.k8s.io/v1", "roles", "role", "Role",
                  "RoleList", "roles.rbac.authorization.k8s.io",
                  "Role.rbac.authorization.k8s.io", NULL, NULL,
                  SB_RF_NAMESPACED},
    [SB_ROLEBINDINGS] = {"rbac.authorization.k8s.io", "v1",
                         "rbac.authorization.k8s.io/v1", "rolebindings",
                         "rolebinding", "RoleBinding", "RoleBindingList",
                         "rolebindings.rbac.authorization.k8s.io",
                         "RoleBinding.rbac.authorization.k8s.io", NULL, NULL,
                         SB_RF_NAMESPACED},
    [SB_CLUSTERROLES] = {"rbac.authorization.k8s.io", "v1",
                         "rbac.authorization.k8s.io/v1", "clusterroles",
                         "clusterrole", "ClusterRole", "ClusterRoleList",
                         "clusterroles.rbac.authorization.k8s.io",
                         "ClusterRole.rbac.authorization.k8s.io", NULL, NULL,
                         0},
    [SB_CLUSTERROLEBINDINGS] = {"rbac.authorization.k8s.io", "v1",
                                "rbac.authorization.k8s.io/v1",
                                "clusterrolebindings", "clusterrolebinding",
                                "ClusterRoleBinding", "ClusterRoleBindingList",
                                "clusterrolebindings.rbac.authorization.k8s.io",
                                "ClusterRoleBinding.rbac.authorization.k8s.io",
                                NULL, NULL, 0},
    [SB_PDBS] = {"policy", "v1", "policy/v1", "poddisruptionbudgets",
                 "poddisruptionbudget", "PodDisruptionBudget",
                 "PodDisruptionBudgetList", "poddisruptionbudgets.policy",
                 "PodDisruptionBudget.policy", "pdb", NULL,
                 SB_RF_NAMESPACED | SB_RF_STATUS | SB_RF_GEN_SPEC},
    [SB_SERVICEMONITORS] = {"monitoring.coreos.com", "v1",
                            "monitoring.coreos.com/v1", "servicemonitors",
                            "servicemonitor", "ServiceMonitor",
                            "ServiceMonitorList",
                            "servicemonitors.monitoring.coreos.com",
                            "ServiceMonitor.monitoring.coreos.com", "smon",
                            NULL, SB_RF_NAMESPACED | SB_RF_CUSTOM},
    [SB_PROMETHEUSRULES] = {"monitoring.coreos.com", "v1",
                            "monitoring.coreos.com/v1", "prometheusrules",
                            "prometheusrule", "PrometheusRule",
                            "PrometheusRuleList",
                            "prometheusrules.monitoring.coreos.com",
                            "PrometheusRule.monitoring.coreos.com", "promrule",
                            NULL, SB_RF_NAMESPACED | SB_RF_CUSTOM},
};

int sb_res_find(const char *group, const char *version, const char *plural)
{
    for (int i = 0; i < SB_NRES; i++) {
        const struct sb_res *r = &sb_res[i];
        if (!strcmp(r->group, group) && !strcmp(r->version, version) &&
            !strcmp(r->plural, plural))
            return i;
    }
    return -1;
}

int sb_res_lookup(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < SB_NRES; i++) {
        const struct sb_res *r = &sb_res[i];
        if (!strcasecmp(name, r->kind) || !strcasecmp(name, r->plural) ||
            !strcasecmp(name, r->singular) || !strcasecmp(name, r->qual) ||
            (r->short_name && !strcasecmp(name, r->short_name)))
            return i;
    }
    return -1;
}
