"""Controller features: --dry-run sends and records nothing; self-service
namespaces bring their own configuration; the `analysisRuns` variable;
the number modes of the two paths (the event path sees every number as a
float64, the condition path whole numbers as int64, as upstream)."""

import time

import config
from harness import CONFIG_NS, CM_NAME, Failure, wait_for
from test_delivery import record_n
from test_lifecycle import hooks, settle, start


def test_dry_run(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set", "on-purple"],
                          extra=["--dry-run"])
    sb.create(config.rollout("dry", image="argoproj/rollouts-demo:purple"))
    record_n(sb, "dry", 2)
    wait_for("dry-run lines",
             lambda: ctl.log().count("dry-run: would send") >= 3)
    time.sleep(2)
    if sink.requests():
        raise Failure(f"--dry-run sent {len(sink.requests())} requests")
    ann = sb.get("Rollout", "default", "dry")["metadata"].get(
        "annotations", {})
    if any(k.startswith("notified") for k in ann):
        raise Failure(f"--dry-run recorded state: {ann}")
    if "s3cr3t-t0ken-value" in ctl.log():
        raise Failure("a Secret value in the dry-run log")
    # a Rollout change does not log the same would-be notification again
    n = ctl.log().count("dry-run: would send")
    sb.patch("Rollout", "default", "dry", {"metadata": {"labels": {"x": "1"}}})
    time.sleep(1.5)
    if ctl.log().count("dry-run: would send") != n:
        raise Failure("dry-run repeated a condition notification")


def test_self_service(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set", "on-purple"],
                          extra=["--self-service-notification-enabled"])
    own = env.sink()
    cm = config.configmap(own.url, ["on-scaling-replica-set", "on-purple"])
    cm["metadata"]["namespace"] = "team-a"
    sb.create(cm)
    sec = config.secret({"token": "team-a-token"})
    sec["metadata"]["namespace"] = "team-a"
    sb.create(sec)
    sb.create(config.rollout("svc", ns="team-a",
                             image="argoproj/rollouts-demo:purple"))
    sb.record_event("team-a", "svc", "ScalingReplicaSet", "Scaled up 0 to 1")
    # each configuration is a world of its own: both send
    wait_for("both configs", lambda: len(hooks(own)) == 2 and
             len(hooks(sink)) == 2, 20)
    if sorted(hooks(own)) != ["on-purple", "on-scaling-replica-set"]:
        raise Failure(f"team-a's config sent {hooks(own)}")
    tok = [b["token"] for b in own.bodies("/hook/")]
    if tok != [str(len("team-a-token"))] * 2:
        raise Failure(f"team-a's templates saw the wrong Secret: {tok}")
    def state():
        ann = sb.get("Rollout", "team-a", "svc")["metadata"]["annotations"]
        return ann.get("notified.notifications.argoproj.io", "")
    wait_for("both condition records", lambda: '"team-a:on-purple:' in
             state() and '"on-purple:' in state())
    # without the flag, a namespace's own ConfigMap is not read
    sb.delete("ConfigMap", "team-a", CM_NAME)
    sb.record_event("team-a", "svc", "ScalingReplicaSet", "Scaled up 1 to 2")
    wait_for("controller config only", lambda: len(hooks(sink)) == 3)
    time.sleep(1)
    if len(hooks(own)) != 2:
        raise Failure("a deleted self-service config still sent")


def test_analysis_runs_and_numbers(env):
    extra = {
        "template.nums": (
            "webhook:\n  sink:\n    method: POST\n    path: /hook/nums\n"
            "    body: '{\"trigger\":\"nums\",\"replicas\":"
            "\"{{.rollout.spec.replicas}}\",\"runs\":"
            "\"{{len .analysisRuns}}\",\"phase\":"
            "\"{{(index .analysisRuns 0).status.phase}}\"}'\n"),
        "trigger.on-scaling-replica-set": "- send: [nums]\n",
        "trigger.on-many": ("- send: [nums]\n  when: \"rollout.spec.replicas"
                            " > 999999 && len(analysisRuns) == 1\"\n"),
        "subscriptions": ("- recipients: [sink]\n  triggers: "
                          "[on-scaling-replica-set, on-many]\n"),
    }
    sb, sink, ctl = start(env, ["on-scaling-replica-set"], extra_data=extra)
    ro = config.rollout("big")
    ro["spec"]["replicas"] = 1000000
    ro["metadata"]["annotations"]["rollout.argoproj.io/revision"] = "2"
    sb.create(ro)
    sb.patch("Rollout", "default", "big",
             {"status": {"currentPodHash": "abc12"}}, sub="status")
    for name, rev, phase in (("big-abc12-2", "2", "Running"),
                             ("big-abc12-1", "1", "Failed"),
                             ("other", "2", "Failed")):
        sb.create({"apiVersion": "argoproj.io/v1alpha1",
                   "kind": "AnalysisRun",
                   "metadata": {"name": name, "namespace": "default",
                                "labels": {"rollouts-pod-template-hash":
                                           "abc12" if name != "other"
                                           else "zzz"},
                                "annotations": {
                                    "rollout.argoproj.io/revision": rev}},
                   "spec": {}, "status": {"phase": phase}})
    # the condition path: int64 numbers, one run of this revision
    sb.patch("Rollout", "default", "big", {"metadata": {"labels": {"a": "b"}}})
    wait_for("condition", lambda: len(hooks(sink)) >= 1, 20)
    sb.record_event("default", "big", "ScalingReplicaSet", "Scaled up")
    got = settle(sink, 2, timeout=20)
    bodies = sink.bodies("/hook/")
    if len(got) != 2:
        raise Failure(f"{len(got)} notifications: {bodies}")
    cond, event = bodies[0], bodies[1]
    if cond["replicas"] != "1000000" or event["replicas"] != "1e+06":
        raise Failure(f"number modes: condition {cond['replicas']}, "
                      f"event {event['replicas']}")
    for b in bodies:
        if b["runs"] != "1" or b["phase"] != "Running":
            raise Failure(f"analysisRuns: {b}")
    _ = CONFIG_NS


def test_added_to_informer_only_for_new(env):
    extra = {"trigger.on-rollout-added-to-informer": "- send: [scaling]\n",
             "subscriptions": "- recipients: [sink]\n  triggers: "
                              "[on-rollout-added-to-informer]\n"}
    sb, sink, ctl = start(env, ["on-scaling-replica-set"], extra_data=extra)
    sb.create(config.rollout("known"))
    # Argo Rollouts restarts an hour later and re-adds every Rollout
    sb.admin("POST", "clock", {"advanceSeconds": 3600})
    sb.record_event("default", "known", "RolloutAddedToInformer",
                    "Rollout added to informer")
    sb.create(config.rollout("fresh"))
    sb.record_event("default", "fresh", "RolloutAddedToInformer",
                    "Rollout added to informer")
    got = settle(sink, 1, timeout=20)
    names = [b["rollout"] for b in sink.bodies("/hook/")]
    if names != ["fresh"]:
        raise Failure(f"RolloutAddedToInformer sent for {names}, want only "
                      "the new Rollout")
