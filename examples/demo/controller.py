#!/usr/bin/python3
"""The controller part of `make demo`: rnotify controller on the bundled
sandbox, with the bundled catalog, sending to a local sink.

  1. starts build/rnotify-sandbox (a Kubernetes API server double);
  2. starts a sink on 127.0.0.1 that answers like Slack on /slack/ and like
     any webhook elsewhere, and prints each notification as it arrives;
  3. loads the catalog (examples/catalog/) into the sandbox, with the Slack
     service and the deploy-log webhook pointed at the sink and a default
     subscription of every Rollout to #deployments and deploy-log;
  4. starts `rnotify controller` on the sandbox's kubeconfig;
  5. plays the canary lifecycle and the purple update
     (examples/scenarios/), waits until everything is delivered, stops the
     controller with SIGTERM and prints its summary.

usage: controller.py BUILD_DIR
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "doubles"))
import fake_http  # noqa: E402

NS = "argo-rollouts"
T0 = time.time()
LOCK = threading.Lock()


def say(text):
    with LOCK:
        print(f"[{time.time() - T0:5.1f}s] {text}", flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Printer(fake_http.State):
    """fake_http's state that also prints what each request carried."""

    def record(self, entry):
        super().record(entry)
        body = entry["body"]
        if entry["path"].startswith("/slack/"):
            try:
                msg = json.loads(body)
            except ValueError:
                msg = dict(urllib.parse.parse_qsl(body))
            text = msg.get("text") or ""
            att = msg.get("attachments")
            if isinstance(att, str):
                att = json.loads(att or "[]")
            if not text and att:
                text = att[0].get("title", "")
            say(f"slack #{msg.get('channel', '?')}: {' '.join(text.split())}")
        else:
            say(f"webhook {entry['path']}: {' '.join(body.split())[:100]}")


def api(url, method, path, body=None, ctype="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def config(sink):
    with open(os.path.join(ROOT, "examples", "catalog",
                           "argo-rollouts-notification-configmap.yaml")) as f:
        cm = yaml.safe_load(f)
    with open(os.path.join(ROOT, "examples", "catalog",
                           "argo-rollouts-notification-secret.yaml")) as f:
        sec = yaml.safe_load(f)
    d = cm["data"]
    d["service.slack"] += f"apiURL: {sink}/slack/\n"
    d["service.webhook.deploy-log"] = d["service.webhook.deploy-log"].replace(
        "https://deploy-log.example.com/api/events", sink + "/deploy-log")
    d["subscriptions"] += (
        "- recipients: [slack:deployments]\n"
        "  triggers: [on-rollout-updated, on-rollout-step-completed,\n"
        "             on-rollout-paused, on-rollout-completed,\n"
        "             on-analysis-run-running, on-purple]\n"
        "- recipients: [deploy-log]\n")
    cm["metadata"]["namespace"] = NS
    sec["metadata"]["namespace"] = NS
    return cm, sec


def metric(port, name):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                    timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return None
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait(what, pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise SystemExit(f"demo: timed out waiting for {what}")


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    tmp = tempfile.mkdtemp(prefix="rnotify-demo-")
    kc = os.path.join(tmp, "kubeconfig")
    sb = subprocess.Popen([os.path.join(build, "rnotify-sandbox"),
                           "--kubeconfig", kc, "--time-scale", "0.5",
                           "--quiet"], stdout=subprocess.PIPE)
    line = sb.stdout.readline().decode()
    url = re.search(r"serving (\S+)", line).group(1)
    say(f"sandbox API server at {url}")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), fake_http.Handler)
    srv.daemon_threads = True
    sink = f"http://127.0.0.1:{srv.server_address[1]}"
    srv.state = Printer({"routes": [{"path": "/slack/", "replies": [
        {"status": 200, "json": {"ok": True, "channel": "C0DEPLOYS",
                                 "ts": "1700000000.$SEQ"}}]}]},
        os.path.join(tmp, "sink.jsonl"))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    say(f"sink (Slack at /slack/, webhooks elsewhere) at {sink}")
    cm, sec = config(sink)
    api(url, "POST", f"/api/v1/namespaces/{NS}/configmaps", cm)
    api(url, "POST", f"/api/v1/namespaces/{NS}/secrets", sec)
    say("loaded examples/catalog/ with Slack and deploy-log pointed at it")
    mport, hport = free_port(), free_port()
    cmd = [os.path.join(build, "rnotify"), "controller", "--kubeconfig", kc,
           "--config-namespace", NS, "--metrics-addr", f"127.0.0.1:{mport}",
           "--health-addr", f"127.0.0.1:{hport}"]
    say("$ " + " ".join(cmd))
    log = open(os.path.join(tmp, "controller.log"), "wb")
    ctl = subprocess.Popen(cmd, stderr=log, stdout=log)

    def ready():
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{hport}/readyz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False
    wait("the controller", ready, 20)
    for scenario in ("canary", "purple"):
        say(f"playing examples/scenarios/{scenario}.yaml")
        api(url, "POST", "/__emu/scenarios?wait=true",
            {"file": os.path.join(ROOT, "examples", "scenarios",
                                  scenario + ".yaml")})
    # the queue empties, and no late transition shows up for a while
    wait("deliveries", lambda: metric(mport, "rnotify_delivery_queue_depth")
         == 0, 30)
    last = -1
    while True:
        n = sum(1 for _ in open(os.path.join(tmp, "sink.jsonl")))
        if n == last:
            break
        last = n
        time.sleep(6)
    say("stopping the controller (SIGTERM: drain, record, exit 0)")
    ctl.send_signal(signal.SIGTERM)
    rc = ctl.wait(30)
    sb.send_signal(signal.SIGTERM)
    sb.wait(10)
    srv.shutdown()
    log.close()
    with open(os.path.join(tmp, "controller.log")) as f:
        text = f.read()
    m = re.search(r"sent=(\d+) retried=(\d+) failed=(\d+)", text)
    if not m or rc != 0:
        print(text)
        raise SystemExit(f"demo: the controller exited {rc}")
    say(f"summary: sent {m.group(1)}, retried {m.group(2)}, "
        f"failed {m.group(3)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
