#!/usr/bin/python3
"""deploy_test.py: the install manifests in deploy/, checked with kubectl.

- deploy/install.yaml is deploy/base rendered by `kubectl kustomize`
  (kustomize v5 is built into kubectl): the test renders the base again and
  compares, so the one-file install can never drift from the base.
- Every overlay renders, and kubectl's own reader accepts every object
  (`kubectl annotate --local -o json`, which needs no server).
- The objects are what an operator should get: RBAC with no wildcard and
  only the verbs the controller uses, the Pod's security context, probes,
  ports and resources, leader election on, the Service and bindings wired
  to what exists, the bundled catalog identical to examples/catalog.
- install.yaml, then the HA and monitoring overlays, are applied for real
  to the API-server sandbox (build/rnotify-sandbox, which serves every kind
  they hold) with `kubectl apply`, and every object is read back.
- The alert rules and the Grafana dashboard only use metrics the
  controller exports (docs/metrics.md).

Usage: deploy_test.py SANDBOX [RNOTIFY]
Ends with "N passed, N failed"; exits 77 (a skip) when there is no kubectl.
"""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from pycheck import Fail, eq, expect, run_checks  # noqa: E402
DEPLOY = os.path.join(ROOT, "deploy")
NS = "argo-rollouts"
CM = "argo-rollouts-notification-configmap"
SECRET = "argo-rollouts-notification-secret"


def kubectl(*args, kubeconfig=None, stdin=None):
    cmd = ["kubectl"] + (["--kubeconfig", kubeconfig] if kubeconfig else [])
    p = subprocess.run(cmd + list(args), capture_output=True, input=stdin,
                       timeout=120, cwd=ROOT)
    if p.returncode != 0:
        raise Fail("kubectl %s: %s" % (" ".join(args),
                                       p.stderr.decode(errors="replace")))
    return p.stdout.decode()


def render(path):
    return kubectl("kustomize", os.path.join(DEPLOY, path))


def objects(text):
    """The objects as kubectl itself reads them (no server needed)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(text)
        f.flush()
        out = kubectl("annotate", "--local", "-f", f.name,
                      "rnotify.test/read=1", "-o", "json")
    items, dec, i = [], json.JSONDecoder(), 0
    while out[i:].strip():  # one JSON document per object
        i += len(out[i:]) - len(out[i:].lstrip())
        doc, n = dec.raw_decode(out, i)
        items += doc["items"] if doc.get("kind") == "List" else [doc]
        i = n
    for o in items:
        o["metadata"].get("annotations", {}).pop("rnotify.test/read", None)
    return items


def find(objs, kind, name=None):
    got = [o for o in objs if o["kind"] == kind and
           (name is None or o["metadata"]["name"] == name)]
    expect(got, "no %s %s" % (kind, name or ""))
    return got[0]


# ---- the checks ----

def check_install_in_sync(objs_by):
    with open(os.path.join(DEPLOY, "install.yaml")) as f:
        have = f.read()
    body = "".join(l for l in have.splitlines(True) if not l.startswith("#"))
    if body != render("base"):
        raise Fail("deploy/install.yaml differs from `kubectl kustomize "
                   "deploy/base`: run `make manifests`")
    expect(have.startswith("# "), "install.yaml says where it comes from")


def check_overlays(objs_by):
    base = {(o["kind"], o["metadata"]["name"]) for o in objs_by["base"]}
    want = {("ServiceAccount", "rnotify"), ("ClusterRole", "rnotify"),
            ("ClusterRoleBinding", "rnotify"), ("Role", "rnotify"),
            ("RoleBinding", "rnotify"), ("Deployment", "rnotify"),
            ("Service", "rnotify-metrics"), ("ConfigMap", CM),
            ("Secret", SECRET)}
    eq(base, want, "objects of the base")
    ha = objs_by["ha"]
    eq(find(ha, "Deployment")["spec"]["replicas"], 2, "HA replicas")
    pdb = find(ha, "PodDisruptionBudget", "rnotify")
    eq(pdb["spec"]["minAvailable"], 1, "PDB minAvailable")
    eq(pdb["spec"]["selector"]["matchLabels"],
       find(ha, "Deployment")["spec"]["selector"]["matchLabels"],
       "PDB selects the controller's Pods")
    mon = objs_by["monitoring"]
    for kind in ("ServiceMonitor", "PrometheusRule"):
        find(mon, kind, "rnotify")
    dash = find(mon, "ConfigMap", "rnotify-grafana-dashboard")
    eq(dash["metadata"]["labels"].get("grafana_dashboard"), "1",
       "dashboard ConfigMap label for Grafana's sidecar")
    kept = {(o["kind"], o["metadata"]["name"])
            for o in objs_by["existing-config"]}
    eq(kept, want - {("ConfigMap", CM), ("Secret", SECRET)},
       "existing-config leaves the ConfigMap and Secret out")
    for name, objs in objs_by.items():
        for o in objs:
            if o["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
                eq(o["metadata"].get("namespace"), NS,
                   "%s namespace of %s %s" % (name, o["kind"],
                                              o["metadata"]["name"]))


def no_wildcards(rule, where):
    for field in ("verbs", "resources", "apiGroups", "resourceNames",
                  "nonResourceURLs"):
        for v in rule.get(field, []):
            expect("*" not in v, "%s: wildcard in %s: %r" % (where, field, v))


def rules_of(role):
    out = {}
    for r in role["rules"]:
        for g in r["apiGroups"]:
            for res in r["resources"]:
                key = (g, res, tuple(r.get("resourceNames", [])))
                out.setdefault(key, set()).update(r["verbs"])
    return out


def check_rbac(objs_by):
    objs = objs_by["base"]
    cr, role = find(objs, "ClusterRole"), find(objs, "Role")
    for r in cr["rules"] + role["rules"]:
        no_wildcards(r, "RBAC rule %r" % r)
    eq(rules_of(cr), {
        ("argoproj.io", "rollouts", ()): {"get", "list", "watch", "patch"},
        ("argoproj.io", "analysisruns", ()): {"get", "list", "watch"},
        ("", "events", ()): {"list", "watch", "create", "patch"},
    }, "ClusterRole rules")
    eq(rules_of(role), {
        ("", "configmaps", (CM,)): {"get", "list", "watch"},
        ("", "secrets", (SECRET,)): {"get", "list", "watch"},
        ("coordination.k8s.io", "leases", ()): {"create"},
        ("coordination.k8s.io", "leases", ("rnotify-controller",)):
            {"get", "update"},
    }, "Role rules")
    sa = find(objs, "ServiceAccount")["metadata"]
    for kind, ref in (("ClusterRoleBinding", "ClusterRole"),
                      ("RoleBinding", "Role")):
        b = find(objs, kind)
        eq(b["roleRef"], {"apiGroup": "rbac.authorization.k8s.io",
                          "kind": ref, "name": "rnotify"}, kind + " roleRef")
        eq(b["subjects"], [{"kind": "ServiceAccount", "name": sa["name"],
                            "namespace": sa["namespace"]}],
           kind + " subjects")


def container(objs):
    d = find(objs, "Deployment", "rnotify")
    cs = d["spec"]["template"]["spec"]["containers"]
    eq(len(cs), 1, "containers")
    return d, cs[0]


def check_pod_security(objs_by):
    for name, objs in objs_by.items():
        d, c = container(objs)
        pod = d["spec"]["template"]["spec"]
        psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
        what = "%s: " % name
        expect(psc.get("runAsNonRoot") is True or
               csc.get("runAsNonRoot") is True, what + "runAsNonRoot")
        expect(psc.get("runAsUser", 0) != 0, what + "a non-root uid")
        eq(psc.get("seccompProfile"), {"type": "RuntimeDefault"},
           what + "seccomp")
        eq(csc.get("allowPrivilegeEscalation"), False,
           what + "allowPrivilegeEscalation")
        eq(csc.get("readOnlyRootFilesystem"), True,
           what + "readOnlyRootFilesystem")
        eq(csc.get("capabilities"), {"drop": ["ALL"]}, what + "capabilities")
        expect(not csc.get("privileged"), what + "not privileged")
        for k in ("hostNetwork", "hostPID", "hostIPC"):
            expect(not pod.get(k), what + k)


def check_deployment(objs_by, rnotify):
    objs = objs_by["base"]
    d, c = container(objs)
    pod = d["spec"]["template"]["spec"]
    labels = d["spec"]["template"]["metadata"]["labels"]
    eq(d["spec"]["selector"]["matchLabels"],
       {"app.kubernetes.io/name": "rnotify"}, "selector")
    expect(labels["app.kubernetes.io/name"] == "rnotify", "pod labels")
    eq(pod["serviceAccountName"], "rnotify", "service account")
    eq(c["args"][:2], ["controller", "--leader-elect"], "args")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    eq(ports, {"health": 8080, "metrics": 8090}, "ports")
    for probe, path in (("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz")):
        g = c[probe]["httpGet"]
        eq(g["path"], path, probe + " path")
        eq(ports.get(g["port"], g["port"]), 8080, probe + " port")
    env = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"]
           for e in c["env"]}
    eq(env, {"POD_NAMESPACE": "metadata.namespace",
             "POD_NAME": "metadata.name"}, "downward API env")
    res = c["resources"]
    for k in ("cpu", "memory"):
        expect(k in res["requests"], "requests." + k)
    expect("memory" in res["limits"], "a memory limit")
    expect(c["image"].startswith("rnotify:"), "image tag set: " + c["image"])
    svc = find(objs, "Service", "rnotify-metrics")
    eq(svc["spec"]["selector"], {"app.kubernetes.io/name": "rnotify"},
       "Service selects the Pods")
    sp = svc["spec"]["ports"][0]
    eq((sp["name"], sp["port"], ports.get(sp["targetPort"])),
       ("metrics", 8090, 8090), "Service port")
    mon = objs_by["monitoring"]
    sm = find(mon, "ServiceMonitor")
    eq(sm["spec"]["selector"]["matchLabels"],
       {"app.kubernetes.io/name": svc["metadata"]["labels"][
           "app.kubernetes.io/name"]}, "ServiceMonitor selects the Service")
    eq(sm["spec"]["endpoints"][0]["port"], "metrics", "scraped port")
    if rnotify:
        flags_known(rnotify, c["args"][1:])


def flags_known(rnotify, flags):
    """Every flag of the Deployment is one `rnotify controller` takes
    (checked once the binary has the controller command)."""
    p = subprocess.run([rnotify, "controller", "--help"], capture_output=True)
    if p.returncode != 0:
        print("note: %s has no controller command; its flags were not "
              "compared" % rnotify)
        return
    text = p.stdout.decode()
    for f in flags:
        name = f.split("=", 1)[0]
        expect(re.search(re.escape(name) + r"\b", text),
               "flag %s is not in `rnotify controller --help`" % name)


def check_catalog(objs_by):
    for src, dst in (("argo-rollouts-notification-configmap.yaml",
                      "catalog-configmap.yaml"),
                     ("argo-rollouts-notification-secret.yaml",
                      "example-secret.yaml")):
        with open(os.path.join(ROOT, "examples", "catalog", src), "rb") as a:
            with open(os.path.join(DEPLOY, "base", dst), "rb") as b:
                expect(a.read() == b.read(),
                       "deploy/base/%s differs from examples/catalog/%s"
                       % (dst, src))


def exported_metrics():
    with open(os.path.join(ROOT, "docs", "metrics.md")) as f:
        text = f.read()
    names = set(re.findall(r"`((?:rnotify|notification)_[a-z_]+)`", text))
    expect(len(names) > 10, "metric names found in docs/metrics.md")
    return names


def metrics_in(expr):
    out = set()
    for m in re.findall(r"\b((?:rnotify|notification)_[a-z_]+)", expr):
        for suffix in ("_bucket", "_sum", "_count"):
            if m.endswith(suffix) and m[:-len(suffix)]:
                m = m[:-len(suffix)]
                break
        out.add(m)
    return out


def check_monitoring(objs_by):
    known = exported_metrics()
    mon = objs_by["monitoring"]
    rule = find(mon, "PrometheusRule")
    alerts = {}
    for g in rule["spec"]["groups"]:
        for r in g["rules"]:
            alerts[r["alert"]] = r["expr"]
            used = metrics_in(r["expr"])
            expect(used and used <= known,
                   "alert %s uses unknown metrics %s" % (r["alert"],
                                                         used - known))
            expect(r["labels"].get("severity"), r["alert"] + " severity")
    for m in ("rnotify_delivery_failed_total",
              "rnotify_delivery_oldest_pending_seconds",
              "rnotify_config_errors"):
        expect(any(m in e for e in alerts.values()), "an alert on " + m)
    dash = json.loads(find(mon, "ConfigMap", "rnotify-grafana-dashboard")
                      ["data"]["rnotify-dashboard.json"])
    eq(dash["uid"], "rnotify", "dashboard uid")
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    expect(len(exprs) >= 15, "dashboard panels")
    used = set()
    for e in exprs:
        used |= metrics_in(e)
    expect(used <= known, "dashboard uses unknown metrics %s" % (used - known))
    for m in known:
        expect(m in used, "dashboard shows no panel of " + m)


# ---- the sandbox ----

class Sandbox:
    def __init__(self, binary, tmp):
        self.kc = os.path.join(tmp, "kubeconfig")
        self.p = subprocess.Popen([binary, "--kubeconfig", self.kc,
                                   "--namespace", NS],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        if "serving" not in line:
            self.stop()
            raise Fail("sandbox did not start: " + line)

    def stop(self):
        self.p.terminate()
        self.p.wait()


# What a read-back must show of each applied object (the API server adds
# metadata and status; these are what the manifests say).
APPLIED_FIELDS = ("spec", "rules", "subjects", "roleRef", "data")


def read_back(kc, obj):
    kind, md = obj["kind"], obj["metadata"]
    args = ["get", kind.lower() + "." + obj["apiVersion"].split("/")[0]
            if "/" in obj["apiVersion"] else kind.lower(), md["name"],
            "-o", "json"]
    if md.get("namespace"):
        args = ["-n", md["namespace"]] + args
    return json.loads(kubectl(*args, kubeconfig=kc))


def check_applied(kc, objs, what):
    for o in objs:
        got = read_back(kc, o)
        for f in APPLIED_FIELDS:
            if f in o and not (o["kind"] == "Secret" and f == "data"):
                eq(got.get(f), o[f], "%s %s/%s %s read back" % (
                    what, o["kind"], o["metadata"]["name"], f))


def check_apply(objs_by, sandbox_bin, tmp):
    """kubectl apply of every install manifest to the sandbox, as a user
    would: install.yaml, then the HA and monitoring overlays; every object
    read back."""
    with open(os.path.join(DEPLOY, "install.yaml")) as f:
        part = f.read()
    sb = Sandbox(sandbox_bin, tmp)
    try:
        kc = sb.kc
        out = kubectl("apply", "-f", "-", kubeconfig=kc,
                      stdin=part.encode())
        kinds = sorted(line.split("/")[0] for line in out.splitlines())
        eq(len(kinds), len(objs_by["base"]), "kubectl apply: " + out)
        expect(all(line.endswith(" created") for line in out.splitlines()),
               "kubectl apply created everything: " + out)
        check_applied(kc, objs_by["base"], "install.yaml")
        again = kubectl("apply", "-f", "-", kubeconfig=kc,
                        stdin=part.encode())
        # stringData is never returned, so a real API server (and the
        # sandbox) shows the Secret as configured on every apply
        expect("configmap/%s unchanged" % CM in again, "re-apply: " + again)
        expect("deployment.apps/rnotify unchanged" in again,
               "re-apply: " + again)
        for overlay in ("ha", "monitoring"):
            kubectl("apply", "-f", "-", kubeconfig=kc,
                    stdin=render(os.path.join("overlays", overlay)).encode())
            check_applied(kc, objs_by[overlay], overlay)
        cm = json.loads(kubectl("-n", NS, "get", "configmap", CM, "-o",
                                "json", kubeconfig=kc))
        expect("kubectl.kubernetes.io/last-applied-configuration" in
               cm["metadata"].get("annotations", {}),
               "applied with kubectl apply")
        sec = json.loads(kubectl("-n", NS, "get", "secret", SECRET, "-o",
                                 "json", kubeconfig=kc))
        want = find(objs_by["base"], "Secret", SECRET)
        plain = {k: base64.b64decode(v).decode()
                 for k, v in sec["data"].items()}
        wanted = dict(want.get("stringData", {}))
        wanted.update({k: base64.b64decode(v).decode()
                       for k, v in want.get("data", {}).items()})
        eq(plain, wanted, "Secret read back (stringData folded into data)")
        eq(sec.get("type"), "Opaque", "Secret type")
    finally:
        sb.stop()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    sandbox_bin = os.path.abspath(sys.argv[1])
    rnotify = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    if not shutil.which("kubectl"):
        print("kubectl is missing: nothing to render the manifests with")
        return 77
    objs_by = {}
    try:
        objs_by["base"] = objects(render("base"))
        for o in ("ha", "monitoring", "existing-config"):
            objs_by[o] = objects(render("overlays/" + o))
    except Fail as ex:
        print("FAIL render: %s" % ex)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="rn-deploy-")
    checks = [
        ("install.yaml in sync", lambda: check_install_in_sync(objs_by)),
        ("overlays", lambda: check_overlays(objs_by)),
        ("rbac", lambda: check_rbac(objs_by)),
        ("pod security", lambda: check_pod_security(objs_by)),
        ("deployment", lambda: check_deployment(objs_by, rnotify)),
        ("catalog", lambda: check_catalog(objs_by)),
        ("monitoring", lambda: check_monitoring(objs_by)),
        ("apply to the sandbox",
         lambda: check_apply(objs_by, sandbox_bin, tmp)),
    ]
    try:
        return run_checks(checks)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
