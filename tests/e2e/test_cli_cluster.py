"""The CLI on a live cluster: without --config-map, --secret or a RESOURCE
file, `rnotify template|trigger|explain|check` read the ConfigMap, the
Secret and the Rollout from the API server (the sandbox, over TLS with a
token), as `kubectl argo rollouts notifications` does."""

import os
import re
import subprocess

import config
from harness import CONFIG_NS, Failure

SECRET = "s3cr3t-t0ken-value"


def rnotify(env, *args):
    env_vars = dict(os.environ, TZ="UTC", HOME=env.dir)
    env_vars.pop("KUBECONFIG", None)
    p = subprocess.run([os.path.join(env.build, "rnotify")] + list(args),
                       capture_output=True, timeout=60, env=env_vars)
    out, err = p.stdout.decode(), p.stderr.decode()
    if SECRET in out or SECRET in err:
        raise Failure(f"secret value printed by rnotify {args}")
    return p.returncode, out, err


def failure(env, rc_want, err_want, *args):
    """A command that must fail: its exit code and its whole stderr (the
    API server's address written SERVER)."""
    rc, out, err = rnotify(env, *args)
    err = re.sub(r"https://127\.0\.0\.1:\d+", "SERVER", err)
    if rc != rc_want or err != err_want or out:
        raise Failure(f"rnotify {' '.join(args)}: exit {rc} (want "
                      f"{rc_want})\n got {err!r}\nwant {err_want!r}")


def setup(env, ns="default"):
    sb = env.sandbox("--tls", "--token", "t0k3n-for-tests", "--quiet")
    sink = env.sink()
    cm = config.configmap(sink.url, ["on-rollout-paused", "on-purple"])
    cm["metadata"]["namespace"] = CONFIG_NS
    sb.create(cm)
    sb.create(config.secret())
    sb.create(config.rollout("live", ns=ns))
    return sb, sink


def test_cli_cluster_reads(env):
    sb, sink = setup(env)
    kc = ["--kubeconfig", sb.kubeconfig, "--config-namespace", CONFIG_NS]
    rc, out, err = rnotify(env, "template", "get", *kc)
    if rc != 0 or "paused" not in out or "purple" not in out:
        raise Failure(f"template get from the cluster: {rc} {out} {err}")
    rc, out, err = rnotify(env, "trigger", "run", "on-purple", "live", *kc)
    if rc != 0 or "false" not in out:
        raise Failure(f"trigger run on the cluster's Rollout: {rc} {out} {err}")
    sb.patch("Rollout", "default", "live", {"spec": {"template": {"spec": {
        "containers": [{"name": "live",
                        "image": "argoproj/rollouts-demo:purple"}]}}}})
    rc, out, err = rnotify(env, "trigger", "run", "on-purple", "live", *kc)
    if rc != 0 or "true" not in out:
        raise Failure(f"trigger run after the change: {rc} {out} {err}")
    rc, out, err = rnotify(env, "explain", "live", *kc)
    if rc != 0 or "on-purple" not in out:
        raise Failure(f"explain: {rc} {out} {err}")
    rc, out, err = rnotify(env, "check", *kc)
    if rc != 0:
        raise Failure(f"check of the cluster's config: {rc} {out} {err}")
    # the Secret's value renders into a template but never prints
    rc, out, err = rnotify(env, "template", "notify", "paused", "live", *kc)
    if rc != 0 or "paused: live" not in out:
        raise Failure(f"console notify: {rc} {out} {err}")


def test_cli_cluster_sends(env):
    sb, sink = setup(env)
    rc, out, err = rnotify(env, "template", "notify", "paused", "live",
                           "--recipient", "sink:x", "--kubeconfig",
                           sb.kubeconfig, "--config-namespace", CONFIG_NS)
    if rc != 0:
        raise Failure(f"notify to a real recipient: {rc} {err}")
    bodies = sink.bodies("/hook/")
    if len(bodies) != 1 or bodies[0]["rollout"] != "live" or \
            bodies[0]["token"] != str(len(SECRET)):
        raise Failure(f"sent {bodies}")


def test_cli_cluster_namespaces(env):
    sb, sink = setup(env, ns="team-a")
    # -n picks the Rollout; without --config-namespace the configuration
    # comes from that same namespace, which has none
    failure(env, 2,
            'warning: secret "argo-rollouts-notification-secret" not found '
            'in namespace "team-a": using an empty Secret\n'
            'failed to get api: get configmaps '
            '"argo-rollouts-notification-configmap" in namespace "team-a" '
            'on SERVER: configmaps "argo-rollouts-notification-configmap" '
            'not found\n',
            "trigger", "run", "on-purple", "live",
            "--kubeconfig", sb.kubeconfig, "-n", "team-a")
    rc, out, err = rnotify(env, "trigger", "run", "on-purple", "live",
                           "--kubeconfig", sb.kubeconfig, "-n", "team-a",
                           "--config-namespace", CONFIG_NS)
    if rc != 0:
        raise Failure(f"--config-namespace: {rc} {err}")


def test_cli_cluster_missing(env):
    sb, sink = setup(env)
    failure(env, 3,
            'failed to load resource: get rollouts.argoproj.io "nosuch" in '
            'namespace "default" on SERVER: rollouts.argoproj.io "nosuch" '
            'not found\n',
            "trigger", "run", "on-purple", "nosuch",
            "--kubeconfig", sb.kubeconfig, "--config-namespace", CONFIG_NS)
    # a wrong token: a clear error, no token in it
    failure(env, 2,
            'failed to get api: get secrets '
            '"argo-rollouts-notification-secret" in namespace '
            f'"{CONFIG_NS}" on SERVER: Unauthorized\n',
            "template", "get", "--kubeconfig", sb.kubeconfig,
            "--token", "wrong-token-value", "--config-namespace", CONFIG_NS)
