#!/usr/bin/python3
"""api_test.py: byte-level checks of rnotify-sandbox with a plain HTTP client.

What the Kubernetes client and the controller rely on: one revision shared
by every resource, no revision for a no-op write, 410 for resource
versions older than the history (as an ERROR event, as HTTP 410, with
reason Gone), bookmarks only when asked for, selector transitions on
watches, consistent pages, RV preconditions, the Lease and Invalid rules,
the client-go recorder emulation (count raises, spam filter,
aggregation), the Event generator of benchmarks, Event TTL, every admin fault, watch closes and scenario
playback.

Usage: api_test.py SANDBOX_BINARY [EXAMPLES_DIR] [-k SUBSTRING]
"""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import Sandbox, run, wait_for  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/rnotify-sandbox"
EXAMPLES = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith(
    "-") else os.path.join(os.path.dirname(__file__), "..", "..", "examples")
SB = None

RO = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts"
AR = "/apis/argoproj.io/v1alpha1/namespaces/default/analysisruns"
CM = "/api/v1/namespaces/default/configmaps"
EV = "/api/v1/namespaces/default/events"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"


def rollout(name="demo", labels=None, image="argoproj/rollouts-demo:blue"):
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "c", "image": image}]}}}}


def cm(name, ns="default", labels=None, data=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns,
                         "labels": labels or {}},
            "data": data or {"k": "v"}}


def rv_of(obj):
    return int(obj["metadata"]["resourceVersion"])


def merge(path, patch, expect=200):
    return SB.json("PATCH", path, patch, "application/merge-patch+json",
                   expect=expect)[1]


def create(path, obj, expect=201):
    return SB.json("POST", path, obj, expect=expect)[1]


# ---------------------------------------------------------------- revisions

def test_revision_shared_and_monotonic():
    SB.reset()
    base = SB.rv()
    a = create(CM, cm("a"))
    b = create(RO, rollout())
    c = create(LEASES, {"metadata": {"name": "l"}, "spec": {}})
    assert [rv_of(a), rv_of(b), rv_of(c)] == [base + 1, base + 2, base + 3]
    lst = SB.get(CM)
    assert lst["metadata"]["resourceVersion"] == str(base + 3)
    # a no-op patch takes no revision and reaches no watch
    w = SB.watch(CM + "?watch=true&resourceVersion=%d" % (base + 3))
    same = merge(CM + "/a", {"data": {"k": "v"}})
    assert rv_of(same) == base + 1 and SB.rv() == base + 3
    d = merge(CM + "/a", {"data": {"k": "w"}})
    assert rv_of(d) == base + 4
    ev = w.line()
    assert ev["type"] == "MODIFIED" and rv_of(ev["object"]) == base + 4
    assert ev["object"]["apiVersion"] == "v1" and ev["object"]["kind"] == \
        "ConfigMap", "watch objects carry apiVersion/kind"
    w.close()


def test_list_items_shape():
    SB.reset()
    create(CM, cm("a"))
    create(RO, rollout())
    items = SB.get(CM)["items"]
    assert "apiVersion" not in items[0] and "kind" not in items[0]
    ro = SB.get(RO)
    assert ro["kind"] == "RolloutList"
    assert ro["items"][0]["apiVersion"] == "argoproj.io/v1alpha1"
    assert ro["items"][0]["kind"] == "Rollout"
    # sorted by namespace, then name
    SB.load([cm("z", "a"), cm("b", "b"), cm("a", "b")])
    got = [(i["metadata"]["namespace"], i["metadata"]["name"])
           for i in SB.get("/api/v1/configmaps")["items"]]
    assert got == sorted(got), got


def test_bulk_load_and_slow_watcher():
    SB.reset()
    w = SB.watch(CM + "?watch=true&resourceVersion=%d" % SB.rv())
    wait_for(lambda: SB.admin("GET", "watches"), "the watch")
    # one admin call loads every object under one lock hold, so the watch
    # cannot drain its queue meanwhile: past 10,000 queued events it is
    # ended, and the writer never waited for it
    got = SB.load([cm("bulk-%05d" % i) for i in range(10001)])
    assert got["count"] == 10001
    assert SB.state()["objects"]["configmaps"] == 10001
    assert w.rest() == [] and w.ended == "clean"
    wait_for(lambda: not SB.admin("GET", "watches"), "the watch to go")
    assert len(SB.get(CM + "?limit=10")["items"]) == 10


def test_create_rules():
    SB.reset()
    r = create(RO, rollout())
    md = r["metadata"]
    assert md["generation"] == 1 and len(md["uid"]) == 36
    assert md["creationTimestamp"].endswith("Z") and md["namespace"] == \
        "default"
    st, body = SB.json("POST", RO, rollout(), expect=409)
    assert body["reason"] == "AlreadyExists"
    assert body["message"] == 'rollouts.argoproj.io "demo" already exists'
    assert body["details"] == {"name": "demo", "group": "argoproj.io",
                               "kind": "rollouts"}
    g = create(CM, {"metadata": {"generateName": "gen-"}, "data": {}})
    assert g["metadata"]["name"].startswith("gen-") and \
        len(g["metadata"]["name"]) == 9
    other = cm("x", ns="other")
    st, body = SB.json("POST", CM, other, expect=400)
    assert "does not match the namespace" in body["message"]
    st, body = SB.json("POST", CM, {"metadata": {}}, expect=422)
    assert "name or generateName is required" in body["message"]


def test_not_found_status():
    SB.reset()
    st, body = SB.json("GET", RO + "/nope", expect=404)
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                    "status": "Failure",
                    "message": 'rollouts.argoproj.io "nope" not found',
                    "reason": "NotFound",
                    "details": {"name": "nope", "group": "argoproj.io",
                                "kind": "rollouts"},
                    "code": 404}, body
    st, body = SB.json("GET", EV + "/x", expect=404)
    assert body["message"] == 'events "x" not found'
    assert "group" not in body["details"]
    st, body = SB.json("GET", "/apis/nope/v1/things", expect=404)
    assert body["message"] == "the server could not find the requested " \
        "resource"


# ---------------------------------------------------------------- 410

def test_expired_watch_forms():
    SB.reset()
    base = SB.rv()
    for i in range(5):
        create(CM, cm("c%d" % i))
    SB.admin("POST", "compact", {"upTo": base + 3})
    # still inside the window: replay of what follows
    w = SB.watch(CM + "?watch=true&resourceVersion=%d" % (base + 3))
    evs = w.events(2)
    assert [rv_of(e["object"]) for e in evs] == [base + 4, base + 5]
    w.close()
    # too old: 200 and one ERROR event, then the stream ends
    w = SB.watch(CM + "?watch=true&resourceVersion=%d" % (base + 1))
    assert w.status == 200
    evs = w.rest()
    assert w.ended == "clean" and len(evs) == 1, evs
    st = evs[0]["object"]
    assert evs[0]["type"] == "ERROR" and st["code"] == 410
    assert st["reason"] == "Expired"
    assert st["message"] == "too old resource version: %d (%d)" % (
        base + 1, base + 3), st["message"]
    # proxy style: HTTP 410, and the old reason Gone
    SB.admin("POST", "expired", {"http": True, "reason": "Gone"})
    st, body = SB.json("GET", CM + "?watch=true&resourceVersion=%d" %
                       (base + 1), expect=410)
    assert body["reason"] == "Gone" and body["code"] == 410
    SB.admin("POST", "expired", {"http": False, "reason": "Expired",
                                 "etcd": True})
    evs = SB.watch(CM + "?watch=true&resourceVersion=%d" % (base + 1)).rest()
    assert evs[0]["object"]["message"] == \
        "The resourceVersion for the provided watch is too old."


def test_history_ring_bound():
    sb = Sandbox(BIN, "--history", "5")
    try:
        base = sb.rv()
        for i in range(8):
            sb.json("POST", CM, cm("h%d" % i), expect=201)
        assert sb.state()["compacted"] == str(base + 3)
        evs = sb.watch(CM + "?watch=true&resourceVersion=%d" % (base + 2)
                       ).rest()
        assert evs[0]["type"] == "ERROR"
        w = sb.watch(CM + "?watch=true&resourceVersion=%d" % (base + 3))
        assert len(w.events(5)) == 5
        w.close()
    finally:
        sb.stop()


def test_watch_without_rv_and_future_rv():
    SB.reset()
    create(CM, cm("b"))
    create(CM, cm("a"))
    w = SB.watch(CM + "?watch=true")
    evs = w.events(2)
    assert [e["type"] for e in evs] == ["ADDED", "ADDED"]
    assert [e["object"]["metadata"]["name"] for e in evs] == ["a", "b"]
    w.close()
    # an RV in the future: events after it only
    now = SB.rv()
    w = SB.watch(CM + "?watch=true&resourceVersion=%d" % (now + 1))
    create(CM, cm("c"))  # now+1: not delivered
    create(CM, cm("d"))  # now+2
    e = w.line()
    assert e["object"]["metadata"]["name"] == "d", e
    w.close()


# ---------------------------------------------------------------- bookmarks

def test_bookmarks_only_when_asked():
    SB.reset()
    w1 = SB.watch(CM + "?watch=true&timeoutSeconds=2")
    w2 = SB.watch(CM + "?watch=true&allowWatchBookmarks=true"
                  "&timeoutSeconds=2")
    wait_for(lambda: len(SB.admin("GET", "watches")) == 2, "two watches")
    assert SB.admin("POST", "bookmark")["watches"] == 1
    b = w2.line()
    assert b["type"] == "BOOKMARK"
    assert b["object"] == {"kind": "ConfigMap", "apiVersion": "v1",
                           "metadata": {"resourceVersion": str(SB.rv()),
                                        "creationTimestamp": None}}
    create(CM, cm("x"))
    assert w2.line()["type"] == "ADDED"
    rest2 = w2.rest()
    assert rest2 and rest2[-1]["type"] == "BOOKMARK", \
        "a bookmark just before the timeout"
    assert w2.ended == "clean"
    rest1 = w1.rest()
    assert [e["type"] for e in rest1] == ["ADDED"], rest1
    assert w1.ended == "clean"


# ---------------------------------------------------------------- selectors

def test_selector_transitions():
    SB.reset()
    w = SB.watch(RO + "?watch=true&labelSelector=app%3Dx")
    wf = SB.watch(RO + "?watch=true&fieldSelector=metadata.name%3Dother")
    r = create(RO, rollout(labels={"app": "x"}))
    assert w.line()["type"] == "ADDED"
    r2 = merge(RO + "/demo", {"metadata": {"labels": {"app": "y"}}})
    e = w.line()
    assert e["type"] == "DELETED"
    assert rv_of(e["object"]) == rv_of(r2), "DELETED carries the new RV"
    assert e["object"]["metadata"]["labels"] == {"app": "x"}, \
        "and the object as it was"
    merge(RO + "/demo", {"metadata": {"labels": {"app": "x"}}})
    assert w.line()["type"] == "ADDED"
    merge(RO + "/demo", {"metadata": {"annotations": {"a": "b"}}})
    assert w.line()["type"] == "MODIFIED"
    create(RO, rollout("other", labels={"app": "z"}))
    e = wf.line()
    assert e["type"] == "ADDED" and e["object"]["metadata"]["name"] == \
        "other", "field selector"
    w.close()
    wf.close()
    del r


def test_label_selector_grammar():
    SB.reset()
    SB.load([cm("a", labels={"env": "prod", "tier": "web"}),
             cm("b", labels={"env": "dev"}),
             cm("c", labels={"tier": "db", "n": "5"})])

    def names(sel):
        from urllib.parse import quote
        items = SB.get(CM + "?labelSelector=" + quote(sel))["items"]
        return [i["metadata"]["name"] for i in items]
    assert names("env=prod") == ["a"]
    assert names("env==prod") == ["a"]
    assert names("env!=prod") == ["b", "c"]
    assert names("env in (prod,dev)") == ["a", "b"]
    assert names("env notin (prod)") == ["b", "c"]
    assert names("tier") == ["a", "c"]
    assert names("!tier") == ["b"]
    assert names("tier,env=prod") == ["a"]
    assert names("n>4") == ["c"] and names("n<4") == []
    st, body = SB.json("GET", CM + "?labelSelector=a%20in%20(", expect=400)
    assert body["reason"] == "BadRequest"


def test_field_selectors():
    SB.reset()
    create(RO, rollout())
    SB.admin("POST", "events/record", {
        "involved": {"kind": "Rollout", "namespace": "default",
                     "name": "demo"}, "reason": "RolloutUpdated",
        "message": "Rollout updated to revision 1"})
    got = SB.get(EV + "?fieldSelector=involvedObject.kind%3DRollout%2C"
                 "involvedObject.name%3Ddemo%2Csource%3Drollouts-controller")
    assert len(got["items"]) == 1
    got = SB.get(EV + "?fieldSelector=reason%21%3DRolloutUpdated")
    assert got["items"] == []
    st, body = SB.json("GET", RO + "?fieldSelector=spec.replicas%3D1",
                       expect=400)
    assert body["message"] == "field label not supported: spec.replicas"
    st, body = SB.json("GET", CM + "?fieldSelector=type%3DOpaque", expect=400)
    SB.get("/api/v1/namespaces/default/secrets?fieldSelector=type%3DOpaque")


# ---------------------------------------------------------------- pages

def test_pagination_consistent():
    SB.reset()
    SB.load([cm("p%04d" % i) for i in range(1000)])
    first = SB.get(CM + "?limit=300")
    rv = first["metadata"]["resourceVersion"]
    assert len(first["items"]) == 300 and first["metadata"]["continue"]
    assert first["metadata"]["remainingItemCount"] == 700
    # changes between pages must not show in later pages
    SB.json("DELETE", CM + "/p0900", expect=200)
    merge(CM + "/p0950", {"data": {"k": "changed"}})
    create(CM, cm("p0500x"))
    names = [i["metadata"]["name"] for i in first["items"]]
    cont = first["metadata"]["continue"]
    while cont:
        page = SB.get(CM + "?limit=300&continue=" + cont)
        assert page["metadata"]["resourceVersion"] == rv
        for i in page["items"]:
            assert i["data"]["k"] == "v", "a page saw a later change"
        names += [i["metadata"]["name"] for i in page["items"]]
        cont = page["metadata"].get("continue")
    assert names == ["p%04d" % i for i in range(1000)]
    # a token whose revision left the history: 410
    SB.admin("POST", "compact", {"upTo": "current"})
    st, body = SB.json("GET", CM + "?limit=300&continue=" +
                       first["metadata"]["continue"], expect=410)
    assert body["reason"] == "Expired"


# ---------------------------------------------------------------- writes

def test_merge_patch_rv_precondition():
    SB.reset()
    r = create(RO, rollout())
    ok = merge(RO + "/demo", {"metadata": {
        "resourceVersion": r["metadata"]["resourceVersion"],
        "annotations": {"notified.notifications.argoproj.io": "{}"}}})
    st, body = SB.json("PATCH", RO + "/demo", {"metadata": {
        "resourceVersion": r["metadata"]["resourceVersion"],
        "annotations": {"x": "y"}}}, "application/merge-patch+json",
        expect=409)
    assert body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on rollouts.argoproj.io "demo": the '
        'object has been modified; please apply your changes to the latest '
        'version and try again')
    assert ok["metadata"]["annotations"]["notified.notifications.argoproj."
                                         "io"] == "{}"
    # null removes a key; other keys stay
    r3 = merge(RO + "/demo", {"metadata": {"annotations": {
        "notified.notifications.argoproj.io": None, "k": "v"}}})
    assert r3["metadata"]["annotations"] == {"k": "v"}


def test_lease_rules():
    SB.reset()
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "rnotify-controller-lock"},
            "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15,
                     "acquireTime": "2024-05-01T12:00:00.000000Z",
                     "renewTime": "2024-05-01T12:00:00.000000Z",
                     "leaseTransitions": 0}}
    l = create(LEASES, body)
    assert "generation" not in l["metadata"]
    st, err = SB.json("POST", LEASES, body, expect=409)
    assert err["message"] == 'leases.coordination.k8s.io ' \
        '"rnotify-controller-lock" already exists'
    put = dict(body)
    st, err = SB.json("PUT", LEASES + "/rnotify-controller-lock", put,
                      expect=422)
    assert err["message"] == (
        'Lease.coordination.k8s.io "rnotify-controller-lock" is invalid: '
        'metadata.resourceVersion: Invalid value: 0x0: must be specified '
        'for an update'), err["message"]
    assert err["details"]["kind"] == "Lease"
    assert err["details"]["causes"][0]["field"] == "metadata.resourceVersion"
    put["metadata"] = dict(body["metadata"], resourceVersion="1")
    SB.json("PUT", LEASES + "/rnotify-controller-lock", put, expect=409)
    put["metadata"]["resourceVersion"] = l["metadata"]["resourceVersion"]
    put["spec"] = dict(body["spec"], holderIdentity="b")
    r = SB.json("PUT", LEASES + "/rnotify-controller-lock", put,
                expect=200)[1]
    assert r["spec"]["holderIdentity"] == "b"
    bad = json.loads(json.dumps(body))
    bad["metadata"]["name"] = "x"
    bad["spec"]["renewTime"] = "2024-05-01T12:00:00Z"
    SB.json("POST", LEASES, bad, expect=400)
    bad["spec"]["renewTime"] = "2024-05-01T12:00:00.000000Z"
    bad["spec"]["leaseDurationSeconds"] = 0
    st, err = SB.json("POST", LEASES, bad, expect=422)
    assert "must be greater than 0" in err["message"]
    # ConfigMaps allow an unconditional PUT
    create(CM, cm("u"))
    SB.json("PUT", CM + "/u", cm("u", data={"k": "2"}), expect=200)


def test_generation_rules():
    SB.reset()
    create(RO, dict(rollout(), status={"phase": "Healthy"}))
    r = SB.get(RO + "/demo")
    assert "status" not in r, "create ignores .status on a CR with /status"
    r = merge(RO + "/demo", {"metadata": {"annotations": {"a": "b"}}})
    assert r["metadata"]["generation"] == 1
    r = merge(RO + "/demo", {"spec": {"replicas": 3}})
    assert r["metadata"]["generation"] == 2
    r = merge(RO + "/demo", {"status": {"phase": "Degraded"}})
    assert "status" not in r, "main resource ignores .status"
    r = SB.json("PATCH", RO + "/demo/status", {"status": {
        "phase": "Healthy", "observedGeneration": "2"},
        "spec": {"replicas": 9}}, "application/merge-patch+json",
        expect=200)[1]
    assert r["status"]["phase"] == "Healthy"
    assert r["spec"]["replicas"] == 3 and r["metadata"]["generation"] == 2
    st, err = SB.json("PATCH", RO + "/demo/status", {"status": {
        "observedGeneration": 2}}, "application/merge-patch+json",
        expect=422)
    assert "must be of type string" in err["message"]
    # AnalysisRuns: any non-metadata change bumps
    a = create(AR, {"apiVersion": "argoproj.io/v1alpha1",
                    "kind": "AnalysisRun", "metadata": {"name": "ar"},
                    "spec": {}, "status": {"phase": "Running"}})
    assert a["status"]["phase"] == "Running"
    a = merge(AR + "/ar", {"status": {"phase": "Successful"}})
    assert a["metadata"]["generation"] == 2
    SB.json("GET", AR + "/ar/status", expect=404)


def test_patch_types():
    SB.reset()
    create(RO, rollout())
    st, err = SB.json("PATCH", RO + "/demo", {"spec": {"replicas": 2}},
                      "application/strategic-merge-patch+json", expect=415)
    assert err["reason"] == "UnsupportedMediaType"
    assert err["message"] == (
        "the body of the request was in an unknown format - accepted media "
        "types include: application/json-patch+json, "
        "application/merge-patch+json, application/apply-patch+yaml")
    create(CM, cm("s", data={"a": "1", "b": "2"}))
    r = SB.json("PATCH", CM + "/s", {"data": {"a": None, "c": "3"},
                                     "$patch": "merge"},
                "application/strategic-merge-patch+json", expect=200)[1]
    assert r["data"] == {"b": "2", "c": "3"}
    ops = [{"op": "add", "path": "/metadata/annotations",
            "value": {"example.com/x": "1"}},
           {"op": "replace", "path": "/spec/replicas", "value": 4},
           {"op": "test", "path": "/spec/replicas", "value": 4},
           {"op": "copy", "from": "/spec/replicas", "path": "/spec/copy"},
           {"op": "move", "from": "/spec/copy", "path": "/spec/moved"},
           {"op": "add", "path": "/spec/template/spec/containers/-",
            "value": {"name": "d", "image": "x"}},
           {"op": "remove", "path": "/spec/template/spec/containers/0"}]
    r = SB.json("PATCH", RO + "/demo", ops, "application/json-patch+json",
                expect=200)[1]
    assert r["metadata"]["annotations"] == {"example.com/x": "1"}
    assert r["spec"]["moved"] == 4 and "copy" not in r["spec"]
    assert r["spec"]["template"]["spec"]["containers"] == [
        {"name": "d", "image": "x"}]
    r = SB.json("PATCH", RO + "/demo", [{"op": "replace",
                                         "path": "/metadata/annotations/"
                                         "example.com~1x", "value": "2"}],
                "application/json-patch+json", expect=200)[1]
    assert r["metadata"]["annotations"] == {"example.com/x": "2"}
    SB.json("PATCH", RO + "/demo", [{"op": "add", "path": "/a~2"}],
            "application/json-patch+json", expect=422)
    SB.json("PATCH", RO + "/demo", [{"op": "test", "path": "/spec/replicas",
                                     "value": 5}],
            "application/json-patch+json", expect=422)
    SB.json("PATCH", RO + "/demo", [{"op": "remove", "path": "/nope"}],
            "application/json-patch+json", expect=422)
    # server-side apply: needs a field manager; creates when absent
    SB.json("PATCH", RO + "/applied", rollout("applied"),
            "application/apply-patch+yaml", expect=400)
    r = SB.json("PATCH", RO + "/applied?fieldManager=t", rollout("applied"),
                "application/apply-patch+yaml", expect=201)[1]
    assert r["metadata"]["name"] == "applied"
    SB.json("PATCH", RO + "/demo", "x", "text/plain", expect=415)


def test_annotations_validation():
    SB.reset()
    big = {"a": "x" * 262144}
    r = rollout()
    r["metadata"]["annotations"] = big
    st, err = SB.json("POST", RO, r, expect=422)
    assert err["message"] == ('Rollout.argoproj.io "demo" is invalid: '
                              'metadata.annotations: Too long: must have at '
                              'most 262144 bytes'), err["message"]
    assert err["details"]["causes"] == [{
        "reason": "FieldValueTooLong",
        "message": "Too long: must have at most 262144 bytes",
        "field": "metadata.annotations"}]
    r["metadata"]["annotations"] = {"bad key": "v"}
    st, err = SB.json("POST", RO, r, expect=422)
    assert err["details"]["causes"][0]["field"] == "metadata.annotations"
    r["metadata"]["annotations"] = {"notifications.argoproj.io/subscribe."
                                    "on-rollout-completed.slack": "c"}
    create(RO, r)


def test_body_limit():
    SB.reset()
    st, h, data = SB.request("POST", CM, b"{" + b" " * (3 << 20) + b"}",
                             "application/json")
    assert st == 413, st
    assert json.loads(data)["reason"] == "RequestEntityTooLarge"


def test_secrets_string_data():
    SB.reset()
    s = create("/api/v1/namespaces/default/secrets", {
        "metadata": {"name": "argo-rollouts-notification-secret"},
        "stringData": {"slack-token": "xoxb-1"}, "data": {"a": "YQ=="}})
    assert "stringData" not in s and s["type"] == "Opaque"
    assert s["data"] == {"a": "YQ==", "slack-token": "eG94Yi0x"}
    SB.json("POST", "/api/v1/namespaces/default/secrets", {
        "metadata": {"name": "bad"}, "data": {"a": "!!"}}, expect=400)


def test_delete_and_namespaces():
    SB.reset()
    create(RO, rollout())
    w = SB.watch(RO + "?watch=true&resourceVersion=%d" % SB.rv())
    d = SB.json("DELETE", RO + "/demo", expect=200)[1]
    e = w.line()
    assert e["type"] == "DELETED" and rv_of(e["object"]) == SB.rv()
    assert d["metadata"]["name"] == "demo"
    SB.json("DELETE", RO + "/demo", expect=404)
    w.close()
    SB.get("/api/v1/namespaces/default")
    SB.json("GET", "/api/v1/namespaces/nowhere", expect=404)
    create("/api/v1/namespaces/team-a/configmaps", cm("x", "team-a"))
    ns = SB.get("/api/v1/namespaces/team-a")
    assert ns["status"]["phase"] == "Active"
    names = [i["metadata"]["name"] for i in SB.get("/api/v1/namespaces")[
        "items"]]
    assert "team-a" in names and "default" in names


# ---------------------------------------------------------------- recorder

def record(reason, message, name="demo", kind="Rollout", **kw):
    body = {"involved": {"kind": kind, "namespace": "default",
                         "name": name},
            "type": kw.pop("type", "Normal"), "reason": reason,
            "message": message}
    body.update(kw)
    return SB.admin("POST", "events/record", body)


def test_recorder_count_raise():
    SB.reset()
    ro = create(RO, rollout())
    w = SB.watch(EV + "?watch=true&resourceVersion=%d" % SB.rv())
    a = record("ScalingReplicaSet", "Scaled up ReplicaSet demo-1 (revision"
               " 1) from 0 to 1")
    assert a["action"] == "created"
    ev = a["event"]
    assert ev["count"] == 1 and ev["source"] == {
        "component": "rollouts-controller"}
    assert ev["metadata"]["name"].startswith("demo.")
    int(ev["metadata"]["name"][5:], 16)
    assert ev["involvedObject"]["uid"] == ro["metadata"]["uid"]
    assert ev["involvedObject"]["resourceVersion"] == \
        ro["metadata"]["resourceVersion"]
    assert ev["involvedObject"]["apiVersion"] == "argoproj.io/v1alpha1"
    assert ev["eventTime"] is None and ev["reportingInstance"] == ""
    assert ev["firstTimestamp"] == ev["lastTimestamp"]
    b = record("ScalingReplicaSet", "Scaled up ReplicaSet demo-1 (revision"
               " 1) from 0 to 1")
    assert b["action"] == "patched" and b["event"]["count"] == 2
    assert b["event"]["metadata"]["uid"] == ev["metadata"]["uid"]
    assert b["event"]["metadata"]["name"] == ev["metadata"]["name"]
    evs = w.events(2)
    assert [e["type"] for e in evs] == ["ADDED", "MODIFIED"]
    assert evs[1]["object"]["count"] == 2
    c = record("ScalingReplicaSet", "Scaled up ReplicaSet demo-1 (revision"
               " 1) from 0 to 1", forceNew=True)
    assert c["action"] == "created" and c["event"]["count"] == 1
    assert c["event"]["metadata"]["uid"] != ev["metadata"]["uid"]
    w.close()


def test_recorder_spam_filter():
    SB.reset()
    create(RO, rollout())
    SB.admin("POST", "recorder", {"aggregation": False})
    got = [record("RolloutStepCompleted", "step %d" % i)["action"]
           for i in range(30)]
    assert got.count("created") == 25 and got.count("dropped") == 5, got
    # one token back after 5 minutes
    SB.admin("POST", "clock", {"advanceSeconds": 300})
    assert record("RolloutStepCompleted", "step 30")["action"] == "created"
    assert record("RolloutStepCompleted", "step 31")["action"] == "dropped"
    SB.admin("POST", "recorder", {"spamFilter": False})
    assert record("RolloutStepCompleted", "step 32")["action"] == "created"


def test_recorder_aggregation():
    SB.reset()
    create(RO, rollout())
    SB.admin("POST", "recorder", {"spamFilter": False})
    out = [record("RolloutStepCompleted", "step %d" % i) for i in range(12)]
    assert all(o["event"]["message"] == "step %d" % i
               for i, o in enumerate(out[:10]))
    assert out[10]["event"]["message"] == \
        "(combined from similar events): step 10"
    assert out[11]["action"] == "patched"
    assert out[11]["event"]["count"] == 2
    assert out[11]["event"]["message"] == \
        "(combined from similar events): step 11"


def test_event_ttl():
    SB.reset()
    create(RO, rollout())
    ev = record("RolloutUpdated", "Rollout updated to revision 1")["event"]
    w = SB.watch(EV + "?watch=true&resourceVersion=%d" % SB.rv())
    assert SB.admin("POST", "clock", {"advanceSeconds": 30})[
        "expiredEvents"] == 0
    assert SB.admin("POST", "clock", {"advanceSeconds": 31})[
        "expiredEvents"] == 1
    e = w.line()
    assert e["type"] == "DELETED" and e["object"]["metadata"]["uid"] == \
        ev["metadata"]["uid"]
    # a repeat after expiry is a new Event carrying the count
    again = record("RolloutUpdated", "Rollout updated to revision 1")
    assert again["action"] == "created" and again["event"]["count"] == 2
    w.close()


def test_events_generate():
    SB.reset()
    for i in range(3):
        create(RO, rollout("gen-%02d" % i))
    SB.admin("POST", "recorder", {"spamFilter": False, "aggregation": False})
    w = SB.watch(EV + "?watch=true&resourceVersion=%d" % SB.rv())
    t0 = time.time_ns()
    out = SB.admin("POST", "events/generate", {
        "involved": {"kind": "Rollout", "namespace": "default",
                     "namePrefix": "gen-", "names": 3, "width": 2},
        "reason": "RolloutCompleted", "message": "done", "count": 5,
        "rate": 1000})
    assert (out["count"], out["created"], out["patched"]) == (5, 3, 2), out
    rows = out["events"]
    assert [r["involved"] for r in rows] == [
        "gen-00", "gen-01", "gen-02", "gen-00", "gen-01"]
    assert [r["action"] for r in rows] == ["created"] * 3 + ["patched"] * 2
    assert rows[3]["event"] == rows[0]["event"]  # a raise: the same Event
    assert rows[0]["event"].startswith("gen-00.")
    times = [r["timeNs"] for r in rows]
    assert times == sorted(times) and t0 <= times[0] <= time.time_ns()
    evs = w.events(5)
    assert [e["type"] for e in evs] == ["ADDED"] * 3 + ["MODIFIED"] * 2
    assert evs[4]["object"]["count"] == 2
    assert evs[0]["object"]["involvedObject"]["name"] == "gen-00"
    w.close()
    SB.json("POST", "/__emu/events/generate",
            {"involved": {"namePrefix": "x"}, "reason": "R", "count": 0},
            expect=400)
    SB.json("POST", "/__emu/events/generate",
            {"involved": {"names": 3}, "count": 3}, expect=400)
    SB.admin("POST", "recorder", {"spamFilter": True, "aggregation": True})


# ---------------------------------------------------------------- faults

def fault(rule):
    return SB.admin("POST", "faults", rule)["ids"]


def test_fault_status_and_times():
    SB.reset()
    fault({"match": {"method": "GET", "path": "/configmaps$"}, "times": 2,
           "status": {"code": 429, "retryAfter": 3}})
    for _ in range(2):
        st, h, data = SB.request("GET", CM)
        assert st == 429 and h["retry-after"] == "3"
        body = json.loads(data)
        assert body["reason"] == "TooManyRequests"
        assert body["details"]["retryAfterSeconds"] == 3
    assert SB.request("GET", CM)[0] == 200
    fault({"match": {"watch": True}, "times": 1, "status": {"code": 500}})
    assert SB.request("GET", CM)[0] == 200
    assert SB.request("GET", CM + "?watch=true")[0] == 500
    fault({"match": {"query": {"labelSelector": "a=b"}}, "times": 1,
           "status": {"code": 503, "message": "busy"}})
    st, h, data = SB.request("GET", CM + "?labelSelector=a%3Db")
    assert st == 503 and json.loads(data)["message"] == "busy"
    SB.json("POST", "/__emu/faults", {"match": {}}, expect=400)


def test_fault_delay_and_drops():
    SB.reset()
    fault({"match": {"path": "configmaps"}, "times": 1, "delay": {"ms": 50}})
    assert SB.request("GET", CM)[0] == 200
    fault({"match": {"path": "configmaps"}, "times": 1,
           "drop": {"after": "request"}})
    try:
        SB.request("GET", CM)
        raise AssertionError("the request was answered")
    except (ConnectionError, OSError, Exception) as e:
        assert not isinstance(e, AssertionError)
    fault({"match": {"path": "configmaps"}, "times": 1,
           "drop": {"after": "headers"}})
    w = SB.watch(CM)
    assert w.status == 200 and w.chunk() is None and w.ended != "clean"
    create(CM, cm("a"))
    create(CM, cm("b"))
    fault({"match": {"watch": True}, "times": 1,
           "drop": {"after": "events:1"}})
    w = SB.watch(CM + "?watch=true")
    assert w.line()["type"] == "ADDED"
    assert w.line() is None and w.ended in ("closed", "reset")
    fault({"match": {"watch": True}, "times": 1,
           "drop": {"after": "bytes:10"}})
    w = SB.watch(CM + "?watch=true")
    data = w.body()
    assert data == b'{"type":"A' and w.ended in ("closed", "reset"), data


def test_fault_watch_stream_shapes():
    SB.reset()
    create(CM, cm("a"))
    fault({"match": {"watch": True}, "times": 1, "split": True})
    w = SB.watch(CM + "?watch=true&timeoutSeconds=1")
    sizes = []
    while True:
        c = w.chunk()
        if c is None:
            break
        sizes.append(len(c))
    assert sizes and set(sizes) == {1} and w.ended == "clean"
    fault({"match": {"watch": True}, "times": 1,
           "garbage": {"line": "{not json"}})
    w = SB.watch(CM + "?watch=true")
    assert w.line()["type"] == "ADDED"
    raw = w.pending
    while b"\n" not in raw:
        raw += w.chunk()
    assert raw.startswith(b"{not json\n"), raw
    w.close()
    fault({"match": {"watch": True}, "times": 1, "expire": True})
    evs = SB.watch(CM + "?watch=true&resourceVersion=%d" % SB.rv()).rest()
    assert evs[0]["type"] == "ERROR" and evs[0]["object"]["code"] == 410
    fault({"match": {"watch": True}, "times": 1, "stall": {"ms": 100}})
    w = SB.watch(CM + "?watch=true")
    assert w.status == 200 and w.line()["type"] == "ADDED"
    w.close()


def test_close_watches():
    SB.reset()
    create(CM, cm("a"))
    for mode, want in (("clean", "clean"), ("reset", None),
                       ("midline", None)):
        w = SB.watch(CM + "?watch=true")
        assert w.line()["type"] == "ADDED"
        wait_for(lambda: SB.admin("GET", "watches"), "the watch")
        assert SB.admin("POST", "watches/close", {
            "mode": mode, "match": {"resource": "configmaps"}})[
                "closed"] == 1
        data = w.body()
        if want:
            assert w.ended == "clean" and data == b"", (mode, w.ended, data)
        else:
            assert w.ended in ("closed", "reset"), (mode, w.ended)
        if mode == "midline":
            assert data and not data.endswith(b"\n"), data
        wait_for(lambda: not SB.admin("GET", "watches"), "the watch to go")


def test_journal():
    SB.reset()
    SB.request("GET", CM + "?limit=5&labelSelector=a%3Db",
               headers={"Accept": "application/json"})
    SB.json("POST", CM, cm("j"), expect=201)
    j = SB.admin("GET", "requests")
    assert j[0]["method"] == "GET" and j[0]["path"] == CM
    assert "labelSelector=a%3Db" in j[0]["query"] and j[0]["status"] == 200
    assert j[1]["contentType"] == "application/json" and j[1]["status"] == 201
    assert '"j"' in j[1]["body"]
    SB.admin("DELETE", "requests")
    assert SB.admin("GET", "requests") == []


# ---------------------------------------------------------------- scenarios

def test_scenario_canary():
    SB.reset()
    path = os.path.join(EXAMPLES, "scenarios", "canary.yaml")
    w = SB.watch(RO + "?watch=true&resourceVersion=%d" % SB.rv())
    s = SB.admin("POST", "scenarios?wait=true", {"file": path})
    assert s["state"] == "done", s
    ro = SB.get(RO + "/demo")
    assert ro["metadata"]["generation"] == 2
    assert ro["status"]["phase"] == "Healthy"
    assert ro["status"]["observedGeneration"] == "2"
    assert ro["status"]["stableRS"] == "7f4b2"
    evs = SB.get(EV)["items"]
    reasons = [e["reason"] for e in evs]
    for r in ("NewReplicaSetCreated", "RolloutUpdated", "RolloutPaused",
              "RolloutResumed", "RolloutStepCompleted", "AnalysisRunRunning",
              "AnalysisRunSuccessful", "RolloutCompleted"):
        assert r in reasons, r
    raised = [e for e in evs if e["count"] > 1]
    assert any(e["reason"] == "ScalingReplicaSet" for e in raised)
    for e in evs:
        assert e["source"]["component"] == "rollouts-controller"
    phases = []
    while True:
        e = w.line()
        phases.append(e["object"].get("status", {}).get("phase"))
        if e["object"]["metadata"]["resourceVersion"] == \
                ro["metadata"]["resourceVersion"]:
            break
    assert "Paused" in phases and "Progressing" in phases
    w.close()
    assert SB.admin("GET", "scenarios")[0]["state"] == "done"


def test_scenarios_all_play():
    for name in ("bluegreen", "abort", "purple"):
        SB.reset()
        path = os.path.join(EXAMPLES, "scenarios", name + ".yaml")
        s = SB.admin("POST", "scenarios?wait=true", {"file": path})
        assert s["state"] == "done", s
    ro = SB.get(RO + "/colors")
    img = ro["spec"]["template"]["spec"]["containers"][0]["image"]
    assert img == "argoproj/rollouts-demo:purple"
    SB.reset()
    s = SB.admin("POST", "scenarios?wait=true", {"steps": [
        {"apply": rollout("inline")}, {"nope": {}}]})
    assert s["state"] == "failed" and "step 2 (nope)" in s["error"]


def test_tls_tokens():
    sb = Sandbox(BIN, tls=True, token="t0ken")
    try:
        st, body = sb.json("GET", CM, token="")
        assert st == 401 and body["reason"] == "Unauthorized"
        assert sb.json("GET", CM, token="wrong")[0] == 401
        assert sb.json("GET", CM)[0] == 200
        sb.admin("POST", "tokens", {"token": "t2", "user": "rotated"})
        assert sb.json("GET", CM, token="t2")[0] == 200
        sb.admin("DELETE", "tokens", {"token": "t0ken"})
        assert sb.json("GET", CM, token="t0ken")[0] == 401
        j = sb.admin("GET", "requests")
        assert "t0ken" not in json.dumps(j) and "t2" not in json.dumps(j)
        assert any(e["user"] == "rotated" for e in j)
        with open(sb.kubeconfig) as f:
            kc = f.read()
        assert "token: \"t0ken\"" in kc and "https://127.0.0.1:" in kc
    finally:
        sb.stop()


def test_client_certificates():
    import shutil
    import tempfile
    tmp = tempfile.mkdtemp(prefix="sbcert-")
    prefix = os.path.join(tmp, "client")
    sb = Sandbox(BIN, "--client-cert-out", prefix, tls=True)
    try:
        assert sb.json("GET", CM)[0] == 401, "no certificate, no token"
        sb.ctx.load_cert_chain(prefix + ".crt", prefix + ".key")
        assert sb.json("GET", CM)[0] == 200
        assert sb.admin("GET", "requests")[-1]["user"] == "sandbox-client"
        with open(sb.kubeconfig) as f:
            kc = f.read()
        assert "client-certificate-data:" in kc and "client-key-data:" in kc
    finally:
        sb.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_plain_mode_needs_no_token():
    sb = Sandbox(BIN, token="ignored-over-http")
    try:
        assert sb.json("GET", CM)[0] == 200
    finally:
        sb.stop()


def test_scenario_flag_and_sigterm():
    sb = Sandbox(BIN, "--time-scale", "0", "--scenario",
                 os.path.join(EXAMPLES, "scenarios", "purple.yaml"))
    try:
        wait_for(lambda: [s["state"] for s in sb.admin(
            "GET", "scenarios")] == ["done"], "the scenario")
        assert sb.get(RO + "/colors")["metadata"]["generation"] == 4
    finally:
        sb.stop()


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]

if __name__ == "__main__":
    only = None
    if "-k" in sys.argv:
        only = sys.argv[sys.argv.index("-k") + 1]
    SB = Sandbox(BIN, "--history", "200", "--event-ttl", "60",
                 "--time-scale", "0")
    try:
        rc = run(TESTS, only)
    finally:
        SB.stop()
    sys.exit(rc)
