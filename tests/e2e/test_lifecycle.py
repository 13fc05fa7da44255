"""Lifecycles: the bundled scenarios played on the sandbox produce exactly
the notifications their Events call for, in order; a raised Event count
is one more occurrence; the on-purple condition trigger fires once per
transition; a pause whose Event never came is still notified once."""

import os

import yaml

import config
from harness import CONFIG_NS, ROOT, Failure, wait_for

SCENARIOS = os.path.join(ROOT, "examples", "scenarios")


def start(env, triggers=None, extra=(), sandbox_args=(), secret=None,
          extra_data=None):
    sb = env.sandbox("--time-scale", "0.2", "--quiet", *sandbox_args)
    sink = env.sink()
    sb.create(config.configmap(sink.url, triggers, extra_data))
    sb.create(config.secret(secret))
    ctl = env.controller(sb, extra=extra).start().ready()
    return sb, sink, ctl


def expected_from(scenario, triggers):
    """The triggers the scenario's Rollout Events call for, in order."""
    with open(os.path.join(SCENARIOS, scenario)) as f:
        steps = yaml.safe_load(f)["steps"]
    want = []
    for s in steps:
        ev = s.get("event")
        if not ev or ev.get("kind", "Rollout") != "Rollout":
            continue
        reason = ev["reason"]
        trig = "on-" + kebab(reason)
        if trig in triggers:
            want.append(trig)
    return want


def kebab(reason):
    import re
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1-\2", reason)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", s)
    return s.lower()


def hooks(sink):
    return [b["trigger"] for b in sink.bodies("/hook/")]


def settle(sink, n, timeout=30):
    """Wait until n notifications arrived, then a little longer to catch
    extra ones."""
    wait_for(f"{n} notifications", lambda: len(hooks(sink)) >= n, timeout)
    import time
    time.sleep(7)  # past the transition grace: no late duplicates
    return hooks(sink)


def play(sb, name):
    out = sb.play({"file": os.path.join(SCENARIOS, name)})
    if out.get("state") != "done":
        raise Failure(f"scenario {name}: {out}")


def lifecycle(env, scenario):
    """Play a bundled scenario: exactly its Events' notifications, in
    order."""
    triggers = [t for t in config.TRIGGERS if t != "on-purple"]
    sb, sink, ctl = start(env, triggers)
    play(sb, scenario)
    want = expected_from(scenario, triggers)
    got = settle(sink, len(want))
    if got != want:
        raise Failure(f"notifications\n got {got}\nwant {want}")
    return sink, ctl, want


def test_canary_lifecycle(env):
    sink, ctl, want = lifecycle(env, "canary.yaml")
    # rendered from the Rollout version the Event names: the step
    # completed events see the index of the step just completed
    steps = [b["step"] for b in sink.bodies("/hook/on-rollout-step")]
    if steps != ["0", "1", "2", "3"]:
        raise Failure(f"step indexes {steps}")
    # the Secret reached the template (its length), never the log
    if any(b["token"] != "18" for b in sink.bodies("/hook/")):
        raise Failure("secret not rendered")
    if "s3cr3t-t0ken-value" in ctl.log():
        raise Failure("secret in the log")
    n = ctl.metric("notification_send_success", namespace="default",
                   name="demo")
    if n != len(want):
        raise Failure(f"notification_send_success {n}, want {len(want)}")


def test_bluegreen_lifecycle(env):
    lifecycle(env, "bluegreen.yaml")


def test_abort_lifecycle(env):
    sink, ctl, want = lifecycle(env, "abort.yaml")
    if ctl.metric("notification_send_success", type="Warning",
                  reason="RolloutAborted") != 1:
        raise Failure("Warning RolloutAborted not counted")


def test_count_raise(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sb.create(config.rollout("raise"))
    msg = "Scaled up ReplicaSet raise-1 (revision 1) from 0 to 1"
    first = sb.record_event("default", "raise", "ScalingReplicaSet", msg)
    wait_for("first", lambda: len(hooks(sink)) == 1)
    again = sb.record_event("default", "raise", "ScalingReplicaSet", msg)
    if again.get("action") != "patched":
        raise Failure(f"the sandbox did not raise the count: {again}")
    if first["event"]["metadata"]["uid"] != again["event"]["metadata"]["uid"]:
        raise Failure("the raise made a new Event")
    got = settle(sink, 2)
    if len(got) != 2:
        raise Failure(f"{len(got)} notifications for two occurrences")


def test_purple_transitions(env):
    sb, sink, ctl = start(env, ["on-purple"])
    play(sb, "purple.yaml")
    got = settle(sink, 2)
    if got != ["on-purple", "on-purple"]:
        raise Failure(f"on-purple sent {got}: want once per transition")
    ro = sb.get("Rollout", "default", "colors")
    ann = ro["metadata"]["annotations"]
    if "notified.notifications.argoproj.io" not in ann:
        raise Failure("condition state not recorded on the Rollout")


def test_swallowed_pause(env):
    sb, sink, ctl = start(env, ["on-rollout-paused"])
    sb.create(config.rollout("quiet"))
    ro = sb.get("Rollout", "default", "quiet")
    # the status moves to paused, but the recorder never writes the Event
    sb.patch("Rollout", "default", "quiet", {"status": {
        "phase": "Paused", "currentStepIndex": 1,
        "pauseConditions": [{"reason": "CanaryPauseStep",
                             "startTime": "2026-01-01T00:00:00Z"}]}},
             sub="status")
    got = settle(sink, 1, timeout=20)
    if got != ["on-rollout-paused"]:
        raise Failure(f"swallowed pause: {got}")
    # a second pause with its Event: one notification, not two
    sb.patch("Rollout", "default", "quiet",
             {"status": {"pauseConditions": None, "phase": "Progressing"}},
             sub="status")
    sb.patch("Rollout", "default", "quiet", {"status": {
        "phase": "Paused", "currentStepIndex": 3,
        "pauseConditions": [{"reason": "CanaryPauseStep",
                             "startTime": "2026-01-01T00:01:00Z"}]}},
             sub="status")
    sb.record_event("default", "quiet", "RolloutPaused",
                    "Rollout is paused (CanaryPauseStep)")
    got = settle(sink, 2, timeout=20)
    if got != ["on-rollout-paused", "on-rollout-paused"]:
        raise Failure(f"pause with its Event: {got}")
    assert ro is not None
    if ctl.metric("rnotify_transition_notifications_total",
                  reason="RolloutPaused") != 1:
        raise Failure("the transition fallback should have sent once")
    _ = CONFIG_NS


def test_purple_flips_while_in_flight(env):
    """true -> false -> true while the first notification is still being
    delivered: two notifications, as upstream would send."""
    from harness import http
    sb, sink, ctl = start(env, ["on-purple"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 200, "hold": "first"}, {"status": 200}]}]})
    sb.create(config.rollout("flip"))
    def image(tag):
        sb.patch("Rollout", "default", "flip", {"spec": {"template": {
            "spec": {"containers": [{"name": "flip", "image":
                                     "argoproj/rollouts-demo:" + tag}]}}}})
    image("purple")
    wait_for("first request held", lambda: len(sink.requests()) == 1)
    image("green")
    image("purple")
    time_ok = wait_for("second queued",
                       lambda: ctl.log().count("msg=queued") == 2, 10)
    http("GET", sink.url + "/__release/first")
    got = settle(sink, 2, timeout=20)
    if got != ["on-purple", "on-purple"]:
        raise Failure(f"true-false-true while in flight sent {got}")
    _ = time_ok
