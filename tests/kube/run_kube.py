#!/usr/bin/env python3
"""The kube client against the API-server sandbox (tests/kube/kube_driver.c).

Each case starts rnotify-sandbox on 127.0.0.1 (an ephemeral port), makes it
misbehave through its /__emu/ admin API and checks what the client does:
the informer survives dropped watches (clean end, reset, cut mid-line), 410
in every form, 500s, 429 with Retry-After, garbage lines and a restart of
the sandbox, and its cache then equals a fresh list; list pagination over
1,000 objects; every cached object a frozen doc of its own; token rotation with at most one 401; TLS with the sandbox's
CA (and a clear error without it); an exec plugin; 409 retries of
kube_modify; the recorder raising an Event's count; no token over http;
an unreachable server failing fast.  Waits poll with deadlines; nothing
asserts on timing.

usage: run_kube.py --driver build/tests/kube_driver
                   --sandbox build/rnotify-sandbox [CASE...]
"""
import argparse
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

DEADLINE = 40.0


class Sandbox:
    def __init__(self, binary, workdir, tls=True, token="T1", port=0,
                 extra=()):
        self.kubeconfig = os.path.join(workdir, "sandbox.kubeconfig")
        args = [binary, "--addr", f"127.0.0.1:{port}",
                "--kubeconfig", self.kubeconfig, "--quiet"]
        if tls:
            args.append("--tls")
        if token:
            args += ["--token", token]
        args += list(extra)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "serving" not in line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"sandbox did not start: {line!r} {err}")
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/__emu/" + path, data=data,
                                     method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, context=self.ctx, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def objects(self, items):
        return self.admin("POST", "objects", {"items": items})

    def fault(self, rule):
        return self.admin("POST", "faults", rule)

    def journal(self):
        return self.admin("GET", "requests")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Driver:
    def __init__(self, binary, kubeconfig, timeout_ms=None):
        args = [binary, "--kubeconfig", kubeconfig]
        if timeout_ms:
            args += ["--timeout-ms", str(timeout_ms)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.ready = self.proc.stdout.readline().strip()
        if not self.ready.startswith("ready"):
            raise RuntimeError("driver: " + self.ready +
                               self.proc.stderr.read())

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = self.proc.stdout.readline()
        if not out:
            raise RuntimeError(f"driver died on {line!r}: " +
                               self.proc.stderr.read())
        return out.rstrip("\n")

    def stats(self):
        return dict(kv.split("=", 1) for kv in self.cmd("stats").split())

    def close(self):
        """Quit; the driver must exit 0 (under ASan: no leak, no error)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        if self.proc.returncode != 0:
            raise AssertionError(f"driver exited {self.proc.returncode}: "
                                 + err[-2000:])
        return err


def rollout(name, ns="default", n=1):
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": n}}


def configmap(name, ns):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns}, "data": {"k": name}}


def wait_for(what, fn):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def fresh_list(d, what="rollouts -"):
    # limit 499: faults aimed at the informer's lists (limit=500) miss it
    out = d.cmd(f"list {what} 499")
    assert out.startswith("pages="), out
    return out.split(" ", 2)[2] if out.count(" ") >= 2 else ""


def converged(d, what, coll="rollouts -"):
    """The informer's cache equals a fresh list (keys and versions)."""
    last = {}

    def same():
        d.cmd("run 100")
        last["cache"], last["list"] = d.cmd("dump"), fresh_list(d, coll)
        return last["cache"] == last["list"]
    try:
        wait_for(what, same)
    except AssertionError as e:
        raise AssertionError(f"{e}: cache {last.get('cache')} != list "
                             f"{last.get('list')}; {d.cmd('stats')}") from None


# ---- cases ----

class Informed:
    """A sandbox with a few Rollouts and a driver whose informer watches
    them all, its backoff capped at 1 s so a case stays short."""

    def __init__(self, a, work, extra=(), tls=True, watch_timeout=0):
        self.a, self.work = a, work
        self.sb = Sandbox(a.sandbox, work, tls=tls,
                          token="T1" if tls else None,
                          extra=["--history", "50"] + list(extra))
        self.d = Driver(a.driver, self.sb.kubeconfig)
        self.step = 0
        self.sb.objects([rollout(f"r{i}", "default" if i % 2 else "team", i)
                         for i in range(6)])
        assert self.d.cmd(f"start rollouts - 1000 {watch_timeout}") == "ok"
        wait_for("synced", lambda: self.d.cmd("run 50") and
                 self.d.cmd("synced") == "1")
        converged(self.d, "first list")

    def change(self):
        self.step += 1
        n = self.step
        self.sb.objects([rollout(f"r{n % 6}", "default" if n % 2 else "team",
                                 100 + n), rollout(f"new{n}")])

    def stat(self, key):
        return int(self.d.stats()[key])

    def disrupt(self, what, action):
        """Let the current watch deliver something, break it with action(),
        change the store at once (the next watch resumes across the
        change), and wait for the cache to equal a fresh list."""
        self.change()
        converged(self.d, "before " + what)
        action()
        self.change()
        converged(self.d, "after " + what)

    def close(self):
        err = self.d.close()
        self.sb.stop()
        if os.environ.get("RN_KUBE_E2E_VERBOSE"):
            sys.stderr.write(err)
        return err


def case_informer_drops(a, work):
    # timeoutSeconds=2: the server ends every watch cleanly after 2 s
    t = Informed(a, work, watch_timeout=2)
    try:
        watches = t.stat("watches")
        t.disrupt("clean ends", lambda: wait_for(
            "two clean ends", lambda: t.d.cmd("run 100") and
            t.stat("watches") >= watches + 2))
        assert any("timeoutSeconds=2" in r["query"] for r in t.sb.journal())
        for mode in ("clean", "reset", "midline"):
            t.disrupt(f"a {mode} close", lambda m=mode: t.sb.admin(
                "POST", "watches/close", {"mode": m}))
        assert t.stat("relists") == 0, t.d.stats()  # resumed, not relisted
    finally:
        t.close()


def case_informer_handlers(a, work):
    """Handlers see the diff of a relist, BOOKMARKs reach neither the
    handlers nor the store, and a resync re-delivers every object as
    update(obj, obj) without asking the server."""
    sb = Sandbox(a.sandbox, work)
    d = Driver(a.driver, sb.kubeconfig)
    try:
        sb.objects([rollout(f"r{i}") for i in range(3)])
        assert d.cmd("start rollouts - 2000 0 400") == "ok"
        wait_for("synced", lambda: d.cmd("run 50") and
                 d.cmd("synced") == "1")
        wait_for("a resync", lambda: d.cmd("run 100") and
                 int(d.stats()["resyncs"]) >= 3)
        st = d.stats()
        assert st["adds"] == "3" and st["syncs"] == "1", st
        assert int(st["resyncs"]) % 3 == 0, st
        sb.admin("DELETE", "requests")
        d.cmd("run 900")
        assert sb.journal() == [], sb.journal()  # resync asks nothing
        # a bookmark after a write elsewhere: a newer resourceVersion only
        before = d.stats()
        sb.objects([configmap("other", "default")])
        sb.admin("POST", "bookmark")
        wait_for("the bookmark", lambda: d.cmd("run 100") and
                 d.stats()["rv"] != before["rv"])
        after = d.stats()
        for k in ("adds", "updates", "dels", "events", "len"):
            assert after[k] == before[k], (k, before, after)
        assert d.cmd("dump") == fresh_list(d)
        # watch events: one changed, one gone, one new
        sb.objects([rollout("r0", n=9), rollout("r3")])
        sb.admin("DELETE", "objects", {"items": [rollout("r1")]})
        wait_for("the watch events", lambda: d.cmd("run 100") and
                 d.stats()["dels"] == "1")
        st = d.stats()
        assert st["adds"] == "4" and st["updates"] == "1", st
    finally:
        d.close()
        sb.stop()


def case_informer_410(a, work):
    t = Informed(a, work)
    try:
        for reason in ("Expired", "Gone"):
            relists = t.stat("relists")
            t.sb.admin("POST", "expired", {"reason": reason, "http": False})
            t.disrupt(f"ERROR 410 {reason}", lambda: (
                t.sb.fault({"match": {"watch": True}, "expire": True,
                            "times": 1}),
                t.sb.admin("POST", "watches/close", {"mode": "reset"})))
            assert t.stat("relists") > relists, t.d.stats()
        relists = t.stat("relists")
        t.disrupt("HTTP 410", lambda: (
            t.sb.fault({"match": {"watch": True}, "status": {"code": 410},
                        "times": 1}),
            t.sb.admin("POST", "watches/close", {"mode": "reset"})))
        assert t.stat("relists") > relists, t.d.stats()
        relists = t.stat("relists")

        def compacted():
            t.sb.admin("POST", "watches/close", {"mode": "reset"})
            for _ in range(3):
                t.change()
            t.sb.admin("POST", "compact", {"upTo": "current"})
        t.disrupt("compaction", compacted)
    finally:
        t.close()


def case_informer_errors(a, work):
    t = Informed(a, work)
    try:
        t.disrupt("500s", lambda: (
            t.sb.fault({"match": {"watch": True}, "status": {"code": 500},
                        "times": 2}),
            t.sb.admin("POST", "watches/close", {"mode": "reset"})))
        t.disrupt("429", lambda: (
            t.sb.fault({"match": {"watch": True},
                        "status": {"code": 429, "retryAfter": 1},
                        "times": 1}),
            t.sb.admin("POST", "watches/close", {"mode": "reset"})))
        restarts = t.stat("restarts")

        def garbage():
            t.sb.fault({"match": {"watch": True},
                        "garbage": {"line": "<html>proxy error</html>"},
                        "times": 1})
            t.sb.admin("POST", "watches/close", {"mode": "reset"})
            wait_for("the garbage line read", lambda: t.d.cmd("run 100") and
                     t.stat("restarts") > restarts + 1)
        t.disrupt("a garbage line", garbage)
        t.disrupt("a 500 on the list", lambda: (
            t.sb.fault({"match": {"watch": False, "query": {"limit": "500"}},
                        "status": {"code": 500}, "times": 1}),
            t.sb.fault({"match": {"watch": True}, "expire": True,
                        "times": 1}),
            t.sb.admin("POST", "watches/close", {"mode": "reset"})))
        assert any(r["status"] == 500 and not r["watch"]
                   for r in t.sb.journal()), "the informer met no 500 list"
    finally:
        t.close()


def case_informer_restart(a, work):
    # plain http: a restarted sandbox makes a new CA
    t = Informed(a, work, tls=False)
    try:
        t.change()
        converged(t.d, "before the restart")
        port = t.sb.port
        t.sb.stop()
        t.d.cmd("run 300")
        # the same port, a new history, one object gone, one new
        t.sb = Sandbox(a.sandbox, work, port=port, tls=False, token=None,
                       extra=["--history", "50", "--base-rv", "50000"])
        t.sb.objects([rollout(f"r{i}", "default" if i % 2 else "team", 7)
                      for i in range(5)] + [rollout("after-restart")])
        converged(t.d, "after a sandbox restart")
        keys = t.d.cmd("dump")
        assert "default/after-restart@" in keys, keys
        assert "team/r4@" in keys and "default/r5@" not in keys, keys
    finally:
        t.close()


def case_pagination(a, work):
    sb = Sandbox(a.sandbox, work)
    d = Driver(a.driver, sb.kubeconfig)
    try:
        sb.objects([configmap(f"cm-{i:04d}", "bulk") for i in range(1050)])
        out = d.cmd("list configmaps bulk 100")
        head = out.split(" ", 2)
        assert head[0] == "pages=11" and head[1] == "items=1050", out[:80]
        assert len(set(head[2].split())) == 1050
        limits = [r["query"] for r in sb.journal()
                  if r["path"].endswith("/configmaps")]
        assert len(limits) == 11 and "continue=" in limits[-1], limits
        # an expired continue token: the list starts over
        sb.admin("DELETE", "requests")
        sb.fault({"match": {"query": {"continue": None}},
                  "status": {"code": 410}, "times": 1})
        out = d.cmd("list configmaps bulk 100")
        head = out.split(" ", 2)
        assert head[0] == "pages=12" and len(set(head[2].split())) == 1050, \
            out[:80]
        codes = [(r["status"], "continue=" in r["query"])
                 for r in sb.journal()]
        assert codes[:3] == [(200, False), (410, True), (200, False)], codes
        # the informer pages too (500 a page), and starts over the same way
        sb.fault({"match": {"query": {"continue": None, "limit": "500"}},
                  "status": {"code": 410}, "times": 1})
        assert d.cmd("start configmaps bulk 2000") == "ok"
        wait_for("synced", lambda: d.cmd("run 50") and
                 d.cmd("synced") == "1")
        converged(d, "a paged informer list", "configmaps bulk")
        assert d.stats()["len"] == "1050"
        assert any(r["status"] == 410 and "limit=500" in r["query"]
                   for r in sb.journal()), "the informer met no 410"
    finally:
        d.close()
        sb.stop()


def case_informer_frozen(a, work):
    """Every cached object is a frozen doc of its own, from a list page
    (two pages here) or a watch event, and none holds more than its own
    bytes: no list page outlives its listing."""
    sb = Sandbox(a.sandbox, work)
    d = Driver(a.driver, sb.kubeconfig)
    try:
        sb.objects([rollout(f"r{i:03d}", "default", i) for i in range(600)])
        assert d.cmd("start rollouts - 2000") == "ok"
        wait_for("synced", lambda: d.cmd("run 50") and
                 d.cmd("synced") == "1")
        sizes = dict(kv.split("=") for kv in d.cmd("sizes").split())
        assert sizes["objects"] == "600" and sizes["frozen"] == "600", sizes
        # a page of 500 is ~100 KB; one small Rollout a few hundred bytes
        assert int(sizes["bytes"]) < 600 * 1024, sizes
        sb.objects([rollout("r000", "default", 7), rollout("late")])
        wait_for("the watch", lambda: d.cmd("run 50") and
                 d.cmd("sizes").startswith("objects=601 frozen=601"))
    finally:
        d.close()
        sb.stop()


def case_token_rotation(a, work):
    sb = Sandbox(a.sandbox, work, token="T1")
    tokfile = os.path.join(work, "token")
    with open(tokfile, "w") as f:
        f.write("T1\n")
    kc = os.path.join(work, "rotating.kubeconfig")
    text = open(sb.kubeconfig).read().replace("token: \"T1\"",
                                              "tokenFile: token")
    assert "tokenFile" in text, text
    with open(kc, "w") as f:
        f.write(text)
    d = Driver(a.driver, kc)
    try:
        sb.objects([rollout("demo")])
        assert d.cmd("get rollouts default demo").startswith("ok"), "T1"
        sb.admin("POST", "tokens", {"token": "T2", "user": "rotated"})
        tmp = tokfile + ".new"
        with open(tmp, "w") as f:
            f.write("T2\n")
        os.rename(tmp, tokfile)
        sb.admin("DELETE", "tokens", {"token": "T1"})
        sb.admin("DELETE", "requests")
        out = d.cmd("get rollouts default demo")
        assert out.startswith("ok"), out
        codes = [r["status"] for r in sb.journal()]
        assert codes == [401, 200], codes
        assert sb.journal()[-1]["user"] == "rotated"
    finally:
        err = d.close()
        sb.stop()
    assert "T1" not in err and "T2" not in err, err


def case_tls(a, work):
    sb = Sandbox(a.sandbox, work)
    kc = os.path.join(work, "noca.kubeconfig")
    lines = [ln for ln in open(sb.kubeconfig)
             if "certificate-authority-data" not in ln]
    with open(kc, "w") as f:
        f.writelines(lines)
    try:
        d = Driver(a.driver, sb.kubeconfig)
        sb.objects([rollout("demo")])
        assert d.cmd("get rollouts default demo").startswith("ok")
        d.close()
        d = Driver(a.driver, kc)
        out = d.cmd("get rollouts default demo")
        d.close()
        assert out.startswith("err 5 get rollouts.argoproj.io \"demo\""), out
        assert "SSL" in out or "certificate" in out, out
    finally:
        sb.stop()


def case_client_cert(a, work):
    """A client certificate from the kubeconfig (PEM blobs to libcurl)."""
    sb = Sandbox(a.sandbox, work, token=None, extra=[
        "--client-cert-out", os.path.join(work, "client")])
    d = Driver(a.driver, sb.kubeconfig)
    try:
        assert "client-certificate-data" in open(sb.kubeconfig).read()
        sb.objects([rollout("demo")])
        assert d.cmd("get rollouts default demo").startswith("ok")
        assert sb.journal()[-1]["user"] == "sandbox-client", sb.journal()
    finally:
        d.close()
        sb.stop()


def case_exec_plugin(a, work):
    sb = Sandbox(a.sandbox, work, token="EXEC-TOKEN")
    plugin = os.path.join(work, "plugin.sh")
    with open(plugin, "w") as f:
        f.write("#!/bin/sh\necho run >> \"$(dirname \"$0\")/runs\"\n"
                "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                "\"kind\":\"ExecCredential\",\"status\":{\"token\":"
                "\"EXEC-TOKEN\"}}'\n")
    os.chmod(plugin, 0o700)
    text = open(sb.kubeconfig).read().replace(
        "token: \"EXEC-TOKEN\"",
        "exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
        "      command: ./plugin.sh\n      interactiveMode: Never")
    kc = os.path.join(work, "exec.kubeconfig")
    with open(kc, "w") as f:
        f.write(text)
    d = Driver(a.driver, kc)
    try:
        sb.objects([rollout("demo")])
        assert d.cmd("get rollouts default demo").startswith("ok")
        assert d.cmd("get rollouts default demo").startswith("ok")
        runs = open(os.path.join(work, "runs")).read().count("run")
        assert runs == 1, runs  # cached: no expiry, no 401
    finally:
        d.close()
        sb.stop()


def case_conflicts(a, work):
    sb = Sandbox(a.sandbox, work)
    d = Driver(a.driver, sb.kubeconfig)
    try:
        sb.objects([rollout("demo")])
        sb.fault({"match": {"method": "PATCH", "path": "rollouts/demo"},
                  "status": {"code": 409}, "times": 2})
        out = d.cmd("annotate default demo rnotify.io/a one")
        assert out == "ok 200 tries=3", out
        sb.fault({"match": {"method": "PATCH", "path": "rollouts/demo"},
                  "status": {"code": 409}, "times": 2})
        out = d.cmd("annotate-async default demo rnotify.io/b two")
        assert out.startswith("ok 200 tries=3"), out
        patches = [r for r in sb.journal() if r["method"] == "PATCH"]
        assert all("resourceVersion" in (r["body"] or "") for r in patches)
        assert all(r["contentType"] == "application/merge-patch+json"
                   for r in patches), patches
        sb.fault({"match": {"method": "PATCH", "path": "rollouts/demo"},
                  "status": {"code": 409}, "times": 10})
        out = d.cmd("annotate default demo rnotify.io/c three")
        assert out.startswith("err 409 tries=5"), out
    finally:
        d.close()
        sb.stop()


def case_recorder(a, work):
    sb = Sandbox(a.sandbox, work)
    d = Driver(a.driver, sb.kubeconfig)
    try:
        ev = "event default demo uid-1 Warning SendFailed slack: timeout"
        assert d.cmd(ev) == "ok"
        d.cmd("run 300")
        assert d.cmd(ev) == "ok"
        assert d.cmd(ev) == "ok"

        def count_is(n):
            d.cmd("run 100")
            url = "/api/v1/namespaces/default/events"
            items = [r for r in sb.journal() if r["path"].startswith(url)]
            return len(items) >= 2 and get_events(sb)[0]["count"] == n
        wait_for("count 3", lambda: count_is(3))
        evs = get_events(sb)
        assert len(evs) == 1, evs
        e = evs[0]
        name = e["metadata"]["name"]
        assert name.startswith("demo.") and len(name) == 5 + 16, name
        assert e["reportingComponent"] == "rnotify"
        assert e["source"] == {"component": "rnotify"}
        assert e["eventTime"] is None and e["reportingInstance"] == ""
        assert e["involvedObject"]["uid"] == "uid-1"
        # the Event expires: the next repeat creates a new one
        sb.admin("DELETE", "objects", {"items": [
            {"apiVersion": "v1", "kind": "Event",
             "metadata": {"name": name, "namespace": "default"}}]})
        assert d.cmd(ev) == "ok"
        wait_for("a new Event", lambda: d.cmd("run 100") and
                 len(get_events(sb)) == 1 and
                 get_events(sb)[0]["metadata"]["name"] != name)
        assert get_events(sb)[0]["count"] == 4
    finally:
        d.close()
        sb.stop()


def get_events(sb):
    ctx = sb.ctx
    req = urllib.request.Request(sb.url +
                                 "/api/v1/namespaces/default/events")
    req.add_header("Authorization", "Bearer T1")
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return json.loads(r.read())["items"]


def case_lease(a, work):
    """Lease bodies the API server accepts (MicroTime with six digits),
    created, renewed and taken over with the resourceVersion read."""
    sb = Sandbox(a.sandbox, work)
    d = Driver(a.driver, sb.kubeconfig)
    try:
        out = d.cmd("lease argo rnotify-lock me")
        assert out == "ok POST me transitions=0", out
        assert d.cmd("lease argo rnotify-lock me") == \
            "ok PUT me transitions=0"
        assert d.cmd("lease argo rnotify-lock other") == \
            "ok PUT other transitions=1"
        put = [r for r in sb.journal() if r["method"] == "PUT"][-1]
        body = json.loads(put["body"])
        assert body["metadata"]["resourceVersion"], body
        assert body["spec"]["renewTime"].endswith(".123456Z"), body
    finally:
        d.close()
        sb.stop()


def case_plain_http(a, work):
    sb = Sandbox(a.sandbox, work, tls=False, token="T1")
    d = Driver(a.driver, sb.kubeconfig)
    try:
        out = d.cmd("get rollouts default demo")
        assert out.startswith("err"), out
        assert all(r["user"] != "sandbox" for r in sb.journal())
    finally:
        err = d.close()
        sb.stop()
    assert "not sending credentials over plain http" in err, err
    assert "T1" not in err, err


def case_unreachable(a, work):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    kc = os.path.join(work, "dead.kubeconfig")
    with open(kc, "w") as f:
        f.write("current-context: d\nclusters:\n- name: c\n  cluster: "
                f"{{server: 'https://127.0.0.1:{port}'}}\ncontexts:\n"
                "- name: d\n  context: {cluster: c}\n")
    d = Driver(a.driver, kc, timeout_ms=3000)
    out = d.cmd("get rollouts default demo")
    d.close()
    assert out.startswith("err 5 get rollouts.argoproj.io \"demo\" in "
                          f"namespace \"default\" on https://127.0.0.1:{port}"
                          ), out


CASES = [case_informer_drops, case_informer_handlers, case_informer_410,
         case_informer_errors, case_informer_restart, case_pagination,
         case_informer_frozen,
         case_token_rotation, case_tls, case_client_cert, case_exec_plugin,
         case_conflicts, case_recorder, case_lease, case_plain_http,
         case_unreachable]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--driver", required=True)
    p.add_argument("--sandbox", required=True)
    p.add_argument("cases", nargs="*")
    a = p.parse_args()
    passed = failed = 0
    for case in CASES:
        if a.cases and case.__name__[5:] not in a.cases:
            continue
        work = tempfile.mkdtemp(prefix="rn-kube-e2e-")
        try:
            case(a, work)
            passed += 1
            print(f"ok   {case.__name__[5:]}", flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print(f"FAIL {case.__name__[5:]}: {type(e).__name__}: {e}",
                  flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
