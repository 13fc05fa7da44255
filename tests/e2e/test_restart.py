"""Restarts and replicas: a SIGTERM drains and records, so the next start
sends nothing twice and catches up on what happened while it was down; a
SIGKILL repeats at most the deliveries that were in flight; two replicas
with leader election send each notification once, and when the leader
dies the other takes over."""

import json
import signal
import time

import config
from harness import Failure, http, wait_for
from test_delivery import record_n
from test_lifecycle import hooks, settle, start


def test_sigterm_restart(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sb.create(config.rollout("r"))
    record_n(sb, "r", 2)
    wait_for("two delivered", lambda: len(hooks(sink)) == 2)
    wait_for("recorded", lambda: "notified-events.rnotify.io" in sb.get(
        "Rollout", "default", "r")["metadata"].get("annotations", {}))
    rc = ctl.stop(signal.SIGTERM)
    if rc != 0:
        raise Failure(f"SIGTERM exit code {rc}")
    record_n(sb, "r", 1, 2)  # while it is down
    ctl.start().ready()
    got = settle(sink, 3)
    if len(got) != 3:
        raise Failure(f"{len(got)} notifications after restart, want 3")


def test_sigterm_drains(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 200, "delay": 1}]}]})
    sb.create(config.rollout("d"))
    record_n(sb, "d", 3)
    wait_for("three queued", lambda: ctl.log().count("msg=queued") == 3)
    rc = ctl.stop(signal.SIGTERM)
    if rc != 0:
        raise Failure(f"exit {rc}")
    if len(sink.requests()) != 3:
        raise Failure("the queue was not drained before exit")
    ctl.start().ready()
    got = settle(sink, 3, timeout=10)
    if len(got) != 3:
        raise Failure(f"{len(got)}: drained deliveries were sent again")


def test_sigkill_at_most_one_duplicate(env):
    sb, sink, ctl = start(env, ["on-scaling-replica-set"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 200, "hold": "first"}, {"status": 200}]}]})
    sb.create(config.rollout("k"))
    record_n(sb, "k", 3)
    wait_for("one in flight", lambda: len(sink.requests()) >= 1)
    ctl.stop(signal.SIGKILL)
    http("GET", sink.url + "/__release/first")
    ctl.start().ready()
    got = settle(sink, 4, timeout=30)
    if len(got) > 4 or len(got) < 3:
        raise Failure(f"{len(got)} requests for 3 Events and 1 in flight")


def test_leader_failover(env):
    sb, sink, _ = start(env, ["on-scaling-replica-set"])
    _.stop(signal.SIGTERM)
    args = ["--leader-elect", "--lease-duration", "4s", "--renew-deadline",
            "3s", "--retry-period", "1s"]
    a = env.controller(sb, "a", args).start().ready()
    b = env.controller(sb, "b", args).start().ready()
    sb.create(config.rollout("ha"))
    record_n(sb, "ha", 3)
    got = settle(sink, 3, timeout=30)
    if len(got) != 3:
        raise Failure(f"two replicas sent {len(got)} for 3 Events")
    lease = sb.get("Lease", "argo-rollouts", "rnotify-controller")
    holder = lease["spec"]["holderIdentity"]
    leader, other = (a, b) if a.metric("rnotify_leader") == 1 else (b, a)
    if other.metric("rnotify_leader") != 0:
        raise Failure("both lead")
    leader.stop(signal.SIGKILL)
    t0 = time.time()
    wait_for("failover", lambda: other.metric("rnotify_leader") == 1, 15)
    took = time.time() - t0
    record_n(sb, "ha", 2, 3)
    got = settle(sink, 5, timeout=30)
    if len(got) != 5:
        raise Failure(f"after failover {len(got)} notifications, want 5")
    new = sb.get("Lease", "argo-rollouts", "rnotify-controller")
    if new["spec"]["holderIdentity"] == holder:
        raise Failure("the lease did not change hands")
    if took > 10:
        raise Failure(f"failover took {took:.1f}s")
    _ = json
