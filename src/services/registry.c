/*
 * registry.c: the table of service types.  svc_find() is the only place
 * that maps a `service.<type>` name to code; nothing else in rnotify
 * branches on a service name.  All twenty types upstream supports are
 * here but alertmanager, which config still accepts and which fails when
 * a notification is due (docs/services/README.md).
 */
#include "svc_int.h"

#include <string.h>

extern const struct svc_type svc_webhook;
extern const struct svc_type svc_slack;
extern const struct svc_type svc_mattermost;
extern const struct svc_type svc_rocketchat;
extern const struct svc_type svc_teams;
extern const struct svc_type svc_teams_workflows;
extern const struct svc_type svc_googlechat;
extern const struct svc_type svc_webex;
extern const struct svc_type svc_telegram;
extern const struct svc_type svc_pushover;
extern const struct svc_type svc_email;
extern const struct svc_type svc_grafana;
extern const struct svc_type svc_opsgenie;
extern const struct svc_type svc_pagerdutyv2;
extern const struct svc_type svc_pagerduty;
extern const struct svc_type svc_newrelic;
extern const struct svc_type svc_github;
extern const struct svc_type svc_gcppubsub;
extern const struct svc_type svc_awssqs;
extern const struct svc_type svc_nats;
extern const struct svc_type svc_alertmanager;

static const struct svc_type *const svc_types[] = {
    &svc_webhook,      &svc_slack,           &svc_mattermost, &svc_rocketchat,
    &svc_teams,        &svc_teams_workflows, &svc_googlechat, &svc_webex,
    &svc_telegram,     &svc_pushover,        &svc_email,      &svc_grafana,
    &svc_opsgenie,     &svc_pagerdutyv2,     &svc_pagerduty,  &svc_newrelic,
    &svc_github,       &svc_gcppubsub,       &svc_awssqs,     &svc_nats,
    &svc_alertmanager,
};

#define NTYPES (sizeof svc_types / sizeof *svc_types)

const struct svc_type *svc_find(const char *type)
{
    for (size_t i = 0; type && i < NTYPES; i++)
        if (strcmp(svc_types[i]->name, type) == 0)
            return svc_types[i];
    return NULL;
}

/* Number of registered types. */
size_t svc_type_count(void)
{
    return NTYPES;
}

const struct svc_type *svc_type_at(size_t i)
{
    return i < NTYPES ? svc_types[i] : NULL;
}
