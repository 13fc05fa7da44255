"""config.py: the notification configuration the end-to-end tests load
into the sandbox: one webhook service and one Slack-shaped service, both
pointed at the test's sink, a template per lifecycle trigger whose webhook
body names the trigger, the Rollout and the fields a test checks, the
on-purple condition trigger, and a default subscription of every Rollout
to all of them.
"""

from harness import CM_NAME, CONFIG_NS, SECRET_NAME

TRIGGERS = {
    # trigger: (template, when)
    "on-rollout-updated": ("updated", ""),
    "on-rollout-step-completed": ("step", ""),
    "on-rollout-paused": ("paused", ""),
    "on-rollout-resumed": ("resumed", ""),
    "on-rollout-completed": ("completed", ""),
    "on-rollout-aborted": ("aborted", ""),
    "on-scaling-replica-set": ("scaling", ""),
    "on-analysis-run-running": ("ar-running", ""),
    "on-analysis-run-successful": ("ar-successful", ""),
    "on-analysis-run-failed": ("ar-failed", ""),
    "on-purple": (
        "purple",
        "rollout.spec.template.spec.containers[0].image == "
        "'argoproj/rollouts-demo:purple'"),
}

BODY = ('{"trigger":"%s","rollout":"{{.rollout.metadata.name}}",'
        '"step":"{{.rollout.status.currentStepIndex}}",'
        '"rev":"{{index .rollout.metadata.annotations '
        '"rollout.argoproj.io/revision"}}",'
        '"image":"{{(index .rollout.spec.template.spec.containers 0).image}}",'
        '"token":"{{.secrets.token | toString | len}}"}')


def template(name, trigger):
    return ("message: '%s: {{.rollout.metadata.name}}'\n"
            "webhook:\n"
            "  sink:\n"
            "    method: POST\n"
            "    path: /hook/%s\n"
            "    body: |\n"
            "      %s\n" % (name, trigger, BODY % trigger))


def trigger(tmpl, when):
    lines = "- send: [%s]\n" % tmpl
    if when:
        lines += "  when: \"%s\"\n" % when
    return lines


def configmap(sink_url, triggers=None, extra=None):
    triggers = triggers or list(TRIGGERS)
    data = {
        "service.webhook.sink": "url: %s\n" % sink_url,
        "subscriptions": "- recipients: [sink]\n  triggers: [%s]\n"
                         % ", ".join(triggers),
    }
    for t in triggers:
        tmpl, when = TRIGGERS[t]
        data["template." + tmpl] = template(tmpl, t)
        data["trigger." + t] = trigger(tmpl, when)
    data.update(extra or {})
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": CM_NAME, "namespace": CONFIG_NS},
            "data": data}


def secret(values=None):
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": SECRET_NAME, "namespace": CONFIG_NS},
            "stringData": values or {"token": "s3cr3t-t0ken-value"}}


def rollout(name, image="argoproj/rollouts-demo:blue", ns="default",
            annotations=None, steps=None):
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": name, "namespace": ns,
                     "annotations": annotations or {}},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"canary": {"steps": steps or [
                {"setWeight": 20}, {"pause": {}}]}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]}},
        },
    }
