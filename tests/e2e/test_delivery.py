"""Delivery: a sink that fails for a while still gets everything exactly
once and in order; a 429 with Retry-After is honoured; watch faults (cut
streams, expired resource versions, an API server restart) lose nothing
and replay nothing; a broken template disables only itself and its live
fix takes effect; /metrics is valid Prometheus text with upstream's
names, labels and buckets."""

import time

import config
from harness import CONFIG_NS, CM_NAME, Failure, wait_for
from test_lifecycle import hooks, settle, start


def record_n(sb, name, n, start_at=0):
    for i in range(start_at, start_at + n):
        sb.record_event("default", name, "ScalingReplicaSet",
                        f"Scaled up ReplicaSet {name}-1 (revision 1) "
                        f"from {i} to {i + 1}")


def replicas(sink):
    return [b["rollout"] for b in sink.bodies("/hook/")]


def test_sink_recovers(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"],
                          extra=["--delivery-deadline", "2m"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 503, "times": 4}, {"status": 200}]}]})
    names = [f"flaky-{i}" for i in range(5)]
    for n in names:
        sb.create(config.rollout(n))
    for n in names:
        record_n(sb, n, 1)
    settle(sink, 9, timeout=60)  # 4 refusals, then 5 deliveries
    ok = [r for r in sink.requests() if r.get("status") == 200]
    got = [__import__("json").loads(r["body"])["rollout"] for r in ok]
    if got != names:
        raise Failure(f"delivered {got}, want each once in order {names}")
    if ctl.metric("rnotify_delivery_retries_total") < 1:
        raise Failure("retries not counted")


def test_retry_after(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 429, "headers": {"Retry-After": "2"}},
        {"status": 200}]}]})
    sb.create(config.rollout("limited"))
    record_n(sb, "limited", 1)
    wait_for("delivery", lambda: len(sink.requests()) >= 2, 30)
    r = sink.requests()
    gap = r[1]["t"] - r[0]["t"]
    if gap < 1.9:
        raise Failure(f"retried after {gap:.2f}s, Retry-After said 2")


def test_retry_after_past_deadline(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"],
                          extra=["--delivery-deadline", "20s"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 429,
         "headers": {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}}]}]})
    sb.create(config.rollout("never"))
    record_n(sb, "never", 1)
    wait_for("give-up", lambda: "delivery failed" in ctl.log(), 15)
    if len(sink.requests()) != 1:
        raise Failure("retried a request the server asked to delay "
                      "past the deadline")
    evs = [e for e in sb.events() if e["reason"] == "NotificationFailed"]
    if not evs or evs[0]["type"] != "Warning":
        raise Failure(f"no Warning Event on the Rollout: {evs}")


def test_watch_faults(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sb.create(config.rollout("cut"))
    record_n(sb, "cut", 2)
    wait_for("first two", lambda: len(hooks(sink)) == 2)
    sb.admin("POST", "watches/close", {"mode": "midline"})
    record_n(sb, "cut", 2, 2)
    wait_for("after a mid-line cut", lambda: len(hooks(sink)) == 4)
    sb.admin("POST", "watches/close", {"mode": "reset"})
    sb.admin("POST", "compact", {"upTo": "current"})
    record_n(sb, "cut", 2, 4)
    wait_for("after reset and compaction", lambda: len(hooks(sink)) == 6)
    sb.admin("POST", "expired", {"http": True, "reason": "Gone"})
    sb.fault({"match": {"path": "/events", "watch": True}, "times": 1,
              "expire": True})
    record_n(sb, "cut", 1, 6)
    sb.fault({"match": {"path": "/rollouts", "watch": True}, "times": 3,
              "status": {"code": 500}})
    sb.admin("POST", "watches/close", {"mode": "clean"})
    record_n(sb, "cut", 1, 7)
    got = settle(sink, 8, timeout=40)
    if len(got) != 8:
        raise Failure(f"{len(got)} notifications for 8 Events")
    sb.restart()
    record_n(sb, "cut", 1, 8)
    time.sleep(1)
    # the restarted sandbox is empty: the controller relists and finds no
    # Rollout; nothing it delivered before is sent again
    got = settle(sink, 8, timeout=10)
    if len(got) != 8:
        raise Failure(f"replayed after an API server restart: {len(got)}")


def test_broken_template_and_fix(env):
    triggers = ["on-scaling-replica-set", "on-rollout-paused"]
    sb, sink, ctl = start(env, triggers, extra_data={
        "template.paused": "message: '{{.rollout.metadata.name'\n"})
    sb.create(config.rollout("cfg"))
    sb.record_event("default", "cfg", "RolloutPaused", "Rollout is paused")
    record_n(sb, "cfg", 1)
    wait_for("the good trigger", lambda: hooks(sink) ==
             ["on-scaling-replica-set"])
    if ctl.metric("rnotify_config_errors", namespace=CONFIG_NS) < 1:
        raise Failure("config error not in the metric")
    warn = [e for e in sb.events(CONFIG_NS)
            if e["involvedObject"]["kind"] == "ConfigMap"]
    if not warn or warn[0]["type"] != "Warning":
        raise Failure(f"no Warning Event on the ConfigMap: {warn}")
    cm = sb.get("ConfigMap", CONFIG_NS, CM_NAME)
    cm["data"]["template.paused"] = config.template(
        "paused", "on-rollout-paused")
    sb.apply(cm)
    wait_for("error cleared", lambda: ctl.metric(
        "rnotify_config_errors", namespace=CONFIG_NS) == 0)
    sb.record_event("default", "cfg", "RolloutPaused", "Rollout is paused 2")
    wait_for("the fixed trigger", lambda: "on-rollout-paused" in hooks(sink))
    # a broken edit of a working key keeps the last good one
    cm = sb.get("ConfigMap", CONFIG_NS, CM_NAME)
    cm["data"]["template.paused"] = "message: '{{ broken'\n"
    sb.apply(cm)
    wait_for("error again", lambda: ctl.metric(
        "rnotify_config_errors", namespace=CONFIG_NS) >= 1)
    sb.record_event("default", "cfg", "RolloutPaused", "Rollout is paused 3")
    wait_for("last good template used", lambda: hooks(sink).count(
        "on-rollout-paused") == 2)


def test_metrics_format(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sb.create(config.rollout("m"))
    record_n(sb, "m", 1)
    wait_for("delivery", lambda: len(hooks(sink)) == 1)
    wait_for("counted", lambda: ctl.metric("notification_send_success") == 1)
    samples, types = ctl.metrics()
    # a family with labels shows once it has a series (as Go's client)
    if types.get("notification_send_success") != "counter" or \
            types.get("notification_send_error", "counter") != "counter" or \
            types.get("notification_send") != "histogram":
        raise Failure(f"types: {types}")
    labels = None
    for (name, ls), v in samples.items():
        if name == "notification_send_success":
            labels = dict(ls)
    if labels != {"namespace": "default", "name": "m", "type": "Normal",
                  "reason": "ScalingReplicaSet"}:
        raise Failure(f"labels {labels}")
    les = sorted(dict(ls)["le"] for (name, ls) in samples
                 if name == "notification_send_bucket")
    if les != sorted(["0.01", "0.15", "0.25", "0.5", "1", "+Inf"]):
        raise Failure(f"buckets {les}")
    for fam in ("rnotify_deliveries_total", "rnotify_trigger_eval_total",
                "rnotify_delivery_queue_depth", "rnotify_watch_restarts_total",
                "rnotify_config_errors", "rnotify_build_info"):
        if fam not in types:
            raise Failure(f"{fam} missing")
