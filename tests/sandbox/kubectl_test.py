#!/usr/bin/python3
"""kubectl_test.py: the real kubectl against rnotify-sandbox.

kubectl cannot be told what to expect, so it is the independent check that
the sandbox behaves like a real API server for what rnotify and its users
do: discovery and OpenAPI (kubectl apply), creates in JSON and in protobuf
(kubectl create namespace/configmap/secret), get with -o json and
jsonpath, annotate, merge patch, the strategic-merge-patch refusal on a
custom resource with kubectl's own message, get -w (and its exit when the
sandbox ends the watch), NotFound, Event field selectors and Leases; over
TLS with a bearer token, and over plain HTTP, where kubectl sends no
credentials.  Every run uses a fresh --cache-dir.

Where kubectl is not installed the test says so and exits 77 (ctest's
skip); it is installed on the project's machines and in CI.

Usage: kubectl_test.py SANDBOX_BINARY [-k SUBSTRING]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import Sandbox, run, wait_for  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/rnotify-sandbox"
KUBECTL = shutil.which("kubectl")
SB = None
CACHE = None

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
  namespace: default
spec:
  replicas: 2
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {}
  template:
    spec:
      containers:
      - name: demo
        image: argoproj/rollouts-demo:%s
"""

SMP_ERROR = (
    "error: application/strategic-merge-patch+json is not supported by "
    "argoproj.io/v1alpha1, Kind=Rollout: the body of the request was in an "
    "unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, "
    "application/apply-patch+yaml")


def kubectl(*args, sb=None, stdin=None, expect=0):
    sb = sb or SB
    cmd = [KUBECTL, "--kubeconfig", sb.kubeconfig, "--cache-dir", CACHE,
           "--request-timeout", "20s"] + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                       timeout=60)
    if expect is not None:
        assert p.returncode == expect, "kubectl %s: rc %d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout, p.stderr)
    return p


def apply_rollout(color, sb=None):
    return kubectl("apply", "-f", "-", stdin=ROLLOUT % color, sb=sb).stdout


def test_namespace_create_protobuf():
    out = kubectl("create", "namespace", "team-a").stdout
    assert out.strip() == "namespace/team-a created", out
    phase = kubectl("get", "namespace", "team-a", "-o",
                    "jsonpath={.status.phase}").stdout
    assert phase == "Active", phase
    names = kubectl("get", "namespaces", "-o", "name").stdout.split()
    assert "namespace/team-a" in names and "namespace/default" in names


def test_apply_get_json_jsonpath():
    assert apply_rollout("blue").strip() == "rollout.argoproj.io/demo created"
    assert apply_rollout("blue").strip() == \
        "rollout.argoproj.io/demo unchanged"
    assert apply_rollout("yellow").strip() == \
        "rollout.argoproj.io/demo configured"
    table = kubectl("get", "rollouts").stdout.splitlines()
    assert table[0].split()[0] == "NAME" and table[1].split()[0] == "demo"
    for name in ("ro", "rollouts.argoproj.io", "rollouts.v1alpha1.argoproj.io"):
        kubectl("get", name, "demo", "-o", "name")
    obj = json.loads(kubectl("get", "rollout", "demo", "-o", "json").stdout)
    assert obj["kind"] == "Rollout" and obj["metadata"]["generation"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in \
        obj["metadata"]["annotations"]
    img = kubectl("get", "rollouts.argoproj.io", "demo", "-o",
                  "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert img == "argoproj/rollouts-demo:yellow", img
    j = SB.admin("GET", "requests")
    posts = [e for e in j if e["method"] == "POST" and
             e["path"].endswith("/rollouts")]
    assert "fieldManager=kubectl-client-side-apply" in posts[0]["query"]


def test_annotate_and_merge_patch():
    out = kubectl("annotate", "rollout", "demo", "team=a").stdout
    assert out.strip() == "rollout.argoproj.io/demo annotated", out
    ann = kubectl("get", "rollout", "demo", "-o",
                  "jsonpath={.metadata.annotations.team}").stdout
    assert ann == "a"
    out = kubectl("patch", "rollout", "demo", "--type", "merge", "-p",
                  '{"metadata":{"annotations":{"team":null}}}').stdout
    assert out.strip() == "rollout.argoproj.io/demo patched"
    ann = kubectl("get", "rollout", "demo", "-o",
                  "jsonpath={.metadata.annotations.team}").stdout
    assert ann == ""
    j = SB.admin("GET", "requests")
    patches = [e for e in j if e["method"] == "PATCH"]
    assert patches[-1]["contentType"] == "application/merge-patch+json"
    assert "fieldManager=kubectl-patch" in patches[-1]["query"]


def test_strategic_patch_refused():
    p = kubectl("patch", "rollout", "demo", "-p", '{"spec":{"replicas":3}}',
                expect=1)
    assert p.stderr.strip() == SMP_ERROR, p.stderr


def test_get_watch():
    proc = subprocess.Popen(
        [KUBECTL, "--kubeconfig", SB.kubeconfig, "--cache-dir", CACHE,
         "get", "rollouts", "-w"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: SB.admin("GET", "watches"), "kubectl's watch")
        kubectl("annotate", "rollout", "demo", "changed=meanwhile")
        SB.admin("POST", "bookmark")  # not asked for: must not show
        # a clean close sends what was queued before it, then ends
        SB.admin("POST", "watches/close", {"mode": "clean"})
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, (proc.returncode, err)
    rows = out.splitlines()
    assert rows[0].split() == ["NAME", "AGE"], rows
    assert [r.split()[0] for r in rows[1:]] == ["demo", "demo"], rows
    watch = [e for e in SB.admin("GET", "requests") if e["watch"]][-1]
    assert "allowWatchBookmarks" not in watch["query"]


def test_configmap_create_delete_notfound():
    out = kubectl("create", "configmap", "cfg", "--from-literal=k=v",
                  "--from-literal=x=y").stdout
    assert out.strip() == "configmap/cfg created", out
    j = SB.admin("GET", "requests")
    assert [e for e in j if e["method"] == "POST"][-1]["contentType"] == \
        "application/vnd.kubernetes.protobuf"
    v = kubectl("get", "configmap", "cfg", "-o", "jsonpath={.data.k}").stdout
    assert v == "v"
    out = kubectl("delete", "configmap", "cfg").stdout
    assert out.strip() == 'configmap "cfg" deleted', out
    p = kubectl("get", "configmap", "cfg", expect=1)
    assert p.stderr.strip() == \
        'Error from server (NotFound): configmaps "cfg" not found', p.stderr
    raw = kubectl("get", "--raw",
                  "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts/"
                  "missing", expect=1)
    assert 'rollouts.argoproj.io \\"missing\\" not found' in raw.stderr or \
        'rollouts.argoproj.io "missing" not found' in raw.stderr, raw.stderr


def test_secret_create():
    kubectl("create", "secret", "generic", "argo-rollouts-notification-"
            "secret", "--from-literal=slack-token=xoxb-1")
    d = kubectl("get", "secret", "argo-rollouts-notification-secret", "-o",
                "jsonpath={.data.slack-token}").stdout
    assert d == "eG94Yi0x", d


def test_events_field_selector():
    for _ in range(2):
        SB.admin("POST", "events/record", {
            "involved": {"kind": "Rollout", "namespace": "default",
                         "name": "demo"},
            "reason": "RolloutPaused",
            "message": "Rollout is paused (CanaryPauseStep)"})
    out = kubectl("get", "events", "--field-selector",
                  "involvedObject.kind=Rollout,involvedObject.name=demo",
                  "-o", "json").stdout
    items = json.loads(out)["items"]
    assert len(items) == 1 and items[0]["count"] == 2
    assert items[0]["reason"] == "RolloutPaused"
    j = SB.admin("GET", "requests")
    ev = [e for e in j if e["path"] == "/api/v1/namespaces/default/events"]
    assert "fieldSelector=involvedObject.kind%3DRollout%2CinvolvedObject." \
        "name%3Ddemo" in ev[-1]["query"], ev[-1]["query"]
    p = kubectl("get", "events", "--field-selector", "spec.foo=bar",
                expect=1)
    assert "field label not supported: spec.foo" in p.stderr, p.stderr


def test_lease():
    SB.json("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
            {"metadata": {"name": "rnotify-controller-lock"},
             "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15}},
            expect=201)
    out = kubectl("get", "lease", "-o", "name").stdout
    assert out.strip() == "lease.coordination.k8s.io/rnotify-controller-lock"
    h = kubectl("get", "lease", "rnotify-controller-lock", "-o",
                "jsonpath={.spec.holderIdentity}").stdout
    assert h == "me"


def test_plain_http():
    sb = Sandbox(BIN, token="over-http-never-sent")
    try:
        assert apply_rollout("blue", sb=sb).strip() == \
            "rollout.argoproj.io/demo created"
        out = kubectl("get", "ro", "-o", "name", sb=sb).stdout
        assert out.strip() == "rollout.argoproj.io/demo"
        users = {e["user"] for e in sb.admin("GET", "requests")}
        assert users == {"system:anonymous"}, users
    finally:
        sb.stop()


def test_token_required_over_tls():
    p = subprocess.run([KUBECTL, "--server", SB.url, "--certificate-authority",
                        os.path.join(SB.dir, "ca.crt"), "--cache-dir",
                        CACHE, "--token", "wrong", "get", "ro"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "Unauthorized" in p.stderr, p.stderr


TESTS = [v for k, v in list(globals().items()) if k.startswith("test_")]

if __name__ == "__main__":
    if not KUBECTL:
        print("SKIP: kubectl is not installed (it checks the sandbox as an "
              "independent client)")
        sys.exit(77)
    only = None
    if "-k" in sys.argv:
        only = sys.argv[sys.argv.index("-k") + 1]
    CACHE = tempfile.mkdtemp(prefix="kubectl-cache-")
    SB = Sandbox(BIN, tls=True, token="kubectl-t0ken")
    with open(os.path.join(SB.dir, "ca.crt"), "w") as f:
        f.write(SB.ca)
    try:
        rc = run(TESTS, only)
    finally:
        SB.stop()
        shutil.rmtree(CACHE, ignore_errors=True)
    sys.exit(rc)
