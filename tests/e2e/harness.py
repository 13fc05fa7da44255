"""harness.py: the pieces every end-to-end test of `rnotify controller`
puts together (Python 3 standard library only).

- Sandbox: build/rnotify-sandbox on 127.0.0.1 (port 0), its kubeconfig,
  its REST API (create, get, merge patch, delete) and its admin API under
  /__emu/ (faults, scenarios, recorded Events).
- Sink: tests/doubles/fake_http.py's server run in this process, so a test
  can change its replies while the controller runs (503 for a while, 429
  with Retry-After) and read every request it got.
- Controller: `rnotify controller` with the flags a user passes, its log,
  /metrics parsed as the Prometheus text format, /readyz.

Every wait polls with a deadline and fails with what it saw.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "doubles"))
import fake_http  # noqa: E402

CM_NAME = "argo-rollouts-notification-configmap"
SECRET_NAME = "argo-rollouts-notification-secret"
CONFIG_NS = "argo-rollouts"


class Failure(Exception):
    pass


class Skip(Exception):
    """The test cannot run here (a tool is missing); run.py exits 77."""


def wait_for(what, pred, timeout=20.0, step=0.05):
    """Poll pred() until it returns a true value; fail naming `what`."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = pred()
        if last:
            return last
        time.sleep(step)
    raise Failure(f"timed out after {timeout}s waiting for {what} "
                  f"(last: {last!r})")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(method, url, body=None, ctype="application/json", timeout=10,
         ctx=None, token=None):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    req.add_header("Accept", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
            raw = r.read()
            return r.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Sandbox:
    """The API-server double."""

    def __init__(self, build, workdir, extra=()):
        self.kubeconfig = os.path.join(workdir, "sandbox.kubeconfig")
        self.log = open(os.path.join(workdir, "sandbox.log"), "wb")
        self.port = None
        self.proc = None
        self.build = build
        self.extra = list(extra)
        self.ctx = None
        self.token = None
        if "--tls" in self.extra:
            import ssl
            ca = os.path.join(workdir, "sandbox-ca.pem")
            self.extra += ["--ca-out", ca]
            self.ca = ca
        if "--token" in self.extra:
            self.token = self.extra[self.extra.index("--token") + 1]
        self.start()
        if "--tls" in self.extra:
            import ssl
            self.ctx = ssl.create_default_context(cafile=self.ca)

    def start(self):
        if self.port is None:
            addr = "127.0.0.1:0"
        else:
            addr = f"127.0.0.1:{self.port}"
        if os.path.exists(self.kubeconfig):
            os.unlink(self.kubeconfig)
        self.proc = subprocess.Popen(
            [os.path.join(self.build, "rnotify-sandbox"), "--addr", addr,
             "--kubeconfig", self.kubeconfig] + self.extra,
            stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"serving (https?)://127\.0\.0\.1:(\d+)", line)
        if not m:
            raise Failure(f"sandbox did not start: {line!r}")
        self.port = int(m.group(2))
        self.url = f"{m.group(1)}://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def restart(self):
        self.stop()
        self.start()

    # ---- REST ----
    @staticmethod
    def path(kind, ns, name=None, sub=None):
        table = {
            "Rollout": "/apis/argoproj.io/v1alpha1/namespaces/%s/rollouts",
            "AnalysisRun":
                "/apis/argoproj.io/v1alpha1/namespaces/%s/analysisruns",
            "ConfigMap": "/api/v1/namespaces/%s/configmaps",
            "Secret": "/api/v1/namespaces/%s/secrets",
            "Event": "/api/v1/namespaces/%s/events",
            "Lease": "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
        }
        p = table[kind] % ns
        if name:
            p += "/" + name
        if sub:
            p += "/" + sub
        return p

    def api(self, method, path, body=None, ctype="application/json"):
        code, raw = http(method, self.url + path, body, ctype, ctx=self.ctx,
                         token=self.token)
        try:
            return code, json.loads(raw) if raw else None
        except ValueError:
            return code, raw

    def create(self, obj):
        md = obj["metadata"]
        code, out = self.api("POST", self.path(obj["kind"], md.get(
            "namespace", "default")), obj)
        if code != 201:
            raise Failure(f"create {obj['kind']} {md['name']}: {code} {out}")
        return out

    def get(self, kind, ns, name):
        code, out = self.api("GET", self.path(kind, ns, name))
        return out if code == 200 else None

    def patch(self, kind, ns, name, patch, sub=None):
        code, out = self.api("PATCH", self.path(kind, ns, name, sub), patch,
                             "application/merge-patch+json")
        if code != 200:
            raise Failure(f"patch {kind} {name}: {code} {out}")
        return out

    def apply(self, obj):
        md = obj["metadata"]
        cur = self.get(obj["kind"], md.get("namespace", "default"),
                       md["name"])
        if cur is None:
            return self.create(obj)
        obj = json.loads(json.dumps(obj))
        obj["metadata"]["resourceVersion"] = cur["metadata"][
            "resourceVersion"]
        code, out = self.api("PUT", self.path(
            obj["kind"], md.get("namespace", "default"), md["name"]), obj)
        if code != 200:
            raise Failure(f"update {obj['kind']} {md['name']}: {code} {out}")
        return out

    def delete(self, kind, ns, name):
        return self.api("DELETE", self.path(kind, ns, name))[0]

    # ---- admin ----
    def admin(self, method, path, body=None):
        return self.api(method, "/__emu/" + path, body)

    def record_event(self, ns, name, reason, message, type_="Normal",
                     kind="Rollout", **extra):
        body = {"involved": {"kind": kind, "namespace": ns, "name": name},
                "type": type_, "reason": reason, "message": message,
                "component": "rollouts-controller"}
        body.update(extra)
        code, out = self.admin("POST", "events/record", body)
        if code not in (200, 201):
            raise Failure(f"record event {reason}: {code} {out}")
        return out

    def play(self, scenario, wait=True):
        code, out = self.api("POST", "/__emu/scenarios" +
                             ("?wait=true" if wait else ""), scenario)
        if code not in (200, 201, 202):
            raise Failure(f"scenario: {code} {out}")
        return out

    def fault(self, rule):
        return self.admin("POST", "faults", rule)

    def events(self, ns="default"):
        code, out = self.api("GET", self.path("Event", ns))
        return out.get("items", []) if code == 200 else []


class Sink:
    """A scripted HTTP server (fake_http's) in this process."""

    def __init__(self, workdir, script=None, name="sink"):
        self.log_path = os.path.join(workdir, name + ".jsonl")
        open(self.log_path, "w").close()
        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), fake_http.Handler)
        self.srv.daemon_threads = True
        fake_http.Handler.disable_nagle_algorithm = True
        self.srv.state = fake_http.State(script or {}, self.log_path)
        self.port = self.srv.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       daemon=True)
        self.thread.start()

    def script(self, script):
        for route in script.get("routes", []):
            route["replies"] = fake_http.expand(route.get("replies") or [{}])
        with self.srv.state.lock:
            self.srv.state.script = script
            self.srv.state.used = {}

    def requests(self):
        with open(self.log_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def bodies(self, path_prefix="/"):
        out = []
        for r in self.requests():
            if r["path"].startswith(path_prefix):
                try:
                    out.append(json.loads(r["body"]))
                except ValueError:
                    out.append(r["body"])
        return out

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def parse_metrics(text):
    """Prometheus text format 0.0.4 -> {(name, frozenset(labels)): value},
    and the TYPE of each family.  Raises on a malformed line."""
    samples, types = {}, {}
    line_re = re.compile(
        r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(None, 3)
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise Failure(f"bad metrics line: {line!r}")
        labels = {}
        if m.group(3):
            rest = m.group(3)
            pos = 0
            for lm in label_re.finditer(rest):
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
            if rest[pos:].strip(", "):
                raise Failure(f"bad labels: {line!r}")
        v = m.group(4)
        value = float("inf") if v == "+Inf" else float(v)
        samples[(m.group(1), frozenset(labels.items()))] = value
    return samples, types


class Controller:
    """`rnotify controller` as a child process."""

    def __init__(self, build, workdir, kubeconfig, name="rnotify",
                 extra=(), prefix=()):
        self.build = build
        self.workdir = workdir
        self.kubeconfig = kubeconfig
        self.name = name
        self.extra = list(extra)
        self.prefix = list(prefix)  # a command to run it under (profilers)
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.proc = None

    def start(self):
        self.metrics_port = free_port()
        self.health_port = free_port()
        args = self.prefix + [
            os.path.join(self.build, "rnotify"), "controller",
            "--kubeconfig", self.kubeconfig,
            "--config-namespace", CONFIG_NS,
            "--metrics-addr", f"127.0.0.1:{self.metrics_port}",
            "--health-addr", f"127.0.0.1:{self.health_port}",
            "--log-level", "debug"] + self.extra
        self.logf = open(self.log_path, "ab")
        env = dict(os.environ, TZ="UTC")
        env.pop("KUBECONFIG", None)
        self.proc = subprocess.Popen(args, stdout=self.logf,
                                     stderr=self.logf, env=env)
        return self

    def ready(self, timeout=20):
        def ok():
            if self.proc.poll() is not None:
                raise Failure(f"{self.name} exited {self.proc.returncode}: "
                              + self.log_tail())
            try:
                code, _ = http("GET", f"http://127.0.0.1:{self.health_port}"
                                      "/readyz", timeout=2)
                return code == 200
            except OSError:
                return False
        wait_for(f"{self.name} ready", ok, timeout)
        return self

    def metrics(self):
        code, raw = http("GET", f"http://127.0.0.1:{self.metrics_port}"
                                "/metrics")
        if code != 200:
            raise Failure(f"/metrics: {code}")
        return parse_metrics(raw.decode())

    def metric(self, metric_name, **labels):
        samples, _ = self.metrics()
        total = 0.0
        for (n, ls), v in samples.items():
            if n == metric_name and all((k, str(val)) in ls
                                 for k, val in labels.items()):
                total += v
        return total

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failure(f"{self.name} did not stop on {sig}")

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_tail(self, n=40):
        return "\n".join(self.log().splitlines()[-n:])


def workdir(name):
    return tempfile.mkdtemp(prefix=f"rnotify-e2e-{name}-")
