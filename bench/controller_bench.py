#!/usr/bin/env python3
"""controller_bench.py: the `controller` group of `make bench`.

`rnotify controller` measured as a process, against rnotify-sandbox (the
API-server double) and rn-sink (bench/sink/rn_sink.c, a C webhook sink
that stamps each request's arrival), all on 127.0.0.1:

  idle          the controller on an empty cluster: its RSS.
  10k rollouts  N copies of the bench Rollout (name, uid, team label and
                Slack channel varied) listed at start: RSS once settled
                (controller/rss-10k-rollouts, against Go's map cache,
                240 MB for the same 10,000).
  sustained     E Events at R per second (the sandbox's generator, client-
                go's recorder semantics), each on a Rollout of its own
                (the second round on a Rollout raises the Event's count):
                each is decided (on-rollout-completed), rendered (the
                built-in rollout-completed template) and delivered to
                Slack's API (the sink).  Event-to-delivery latency is the
                sink's arrival time minus the time the sandbox committed
                the Event, both from the real clock; the k-th notification
                naming a Rollout answers its k-th Event.  CPU and RSS of
                the controller (/proc/<pid>/stat, /proc/<pid>/status) are
                read before and after, once it is idle again.
  burst         B more Events as fast as the sandbox writes them: how many
                per second the controller decides, renders and delivers
                when it cannot keep up (controller/events-per-second).

The rows are merged into the JSON rn-bench wrote (--json), under
"controller".  A case that errors (a process that dies, a notification
that never comes) makes the script exit 1 naming the case.  Python 3
standard library only.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402  (the e2e tests' HTTP and polling helpers)
from harness import free_port, http  # noqa: E402

CONFIG_NS = "argo-rollouts"
CM_NAME = "argo-rollouts-notification-configmap"
SECRET_NAME = "argo-rollouts-notification-secret"
PREFIX = "bench-r"
WIDTH = 5
GO_MAP_CACHE_MB = 240.0
MIB = 1024.0 * 1024.0  # RSS rows are in MiB, as /proc counts (in KiB)
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class CaseError(Exception):
    def __init__(self, case, msg):
        super().__init__(f"{case}: {msg}")
        self.case = case


def wait_for(case, what, pred, timeout, step=0.05):
    """harness.wait_for, failing as the case."""
    try:
        return harness.wait_for(what, pred, timeout, step)
    except harness.Failure as e:
        raise CaseError(case, str(e)) from None


class Proc:
    """A child process; `serving URL` is read from its first line."""

    def __init__(self, args, log_path, banner=None):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE if banner else self.log,
            stderr=self.log, env=dict(os.environ, TZ="UTC"))
        self.url = None
        if banner:
            line = self.proc.stdout.readline().decode()
            m = re.search(banner + r": serving (http://127\.0\.0\.1:\d+)",
                          line)
            if not m:
                raise CaseError("setup", f"{args[0]} did not start: "
                                         f"{line!r}")
            self.url = m.group(1)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def proc_rss(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def proc_cpu(pid):
    """utime + stime in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


class Controller(harness.Controller):
    """`rnotify controller` (the e2e harness's) at the bench's log level,
    optionally under a profiler, failing as the bench's cases."""

    def __init__(self, build, wd, kubeconfig, name, log_level, wrap=""):
        super().__init__(build, wd, kubeconfig, name,
                         extra=["--log-level", log_level],
                         prefix=wrap.split())
        self.start()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def ready(self, case, timeout=60):
        try:
            super().ready(timeout)
        except harness.Failure as e:
            raise CaseError(case, str(e)) from None

    def tail(self, n=20):
        return self.log_tail(n)

    def stop(self):
        try:
            super().stop()
        except harness.Failure:
            pass

    def settle(self, case, quiet_s=1.0, timeout=60):
        """Wait until RSS and CPU time stop moving; returns (rss, cpu)."""
        end = time.time() + timeout
        last = (proc_rss(self.pid), proc_cpu(self.pid))
        still = 0.0
        while time.time() < end:
            time.sleep(0.25)
            if not self.alive():
                raise CaseError(case, "the controller exited: " + self.tail())
            cur = (proc_rss(self.pid), proc_cpu(self.pid))
            moving = (abs(cur[0] - last[0]) > max(last[0] // 200, 65536) or
                      cur[1] - last[1] > 0.02)
            still = 0.0 if moving else still + 0.25
            last = cur
            if still >= quiet_s:
                return cur
        return last


# ---- the workload ----

def rollout_template(path):
    with open(path) as f:
        ro = json.load(f)
    md = ro["metadata"]
    md.pop("resourceVersion", None)
    md["name"] = "@NAME@"
    md["uid"] = "@UID@"
    md["labels"]["team"] = "@TEAM@"
    for k in list(md.get("annotations", {})):
        if k.startswith("notifications.argoproj.io/subscribe."):
            del md["annotations"][k]
    md["annotations"][
        "notifications.argoproj.io/subscribe.on-rollout-completed.slack"] = \
        "@CHANNEL@"
    return json.dumps(ro, separators=(",", ":"))


def rollouts(text, n, channels):
    for i in range(n):
        yield (text.replace("@NAME@", f"{PREFIX}{i:0{WIDTH}d}")
               .replace("@UID@", str(uuid.uuid4()))
               .replace("@TEAM@", f"team-{i % 50}")
               .replace("@CHANNEL@", f"deploys-{i % channels}"))


def load_rollouts(sb, path, n, channels):
    text = rollout_template(path)
    batch = []
    for obj in rollouts(text, n, channels):
        batch.append(obj)
        if len(batch) == 2500:
            post_objects(sb, batch)
            batch = []
    if batch:
        post_objects(sb, batch)


def post_objects(sb, texts):
    body = ("[" + ",".join(texts) + "]").encode()
    code, out = sb.admin("POST", "objects", body)
    if code != 200:
        raise CaseError("setup", f"loading Rollouts: {code} {out}")


def load_config(sb, catalog, sink_url):
    """The catalog ConfigMap (its namespace from the path), Slack's API
    pointed at the sink, the token in the Secret, the recorder's filters
    off (every generated Event must be written)."""
    with open(catalog, "rb") as f:
        text = f.read()
    code, out = sb.api("POST", f"/api/v1/namespaces/{CONFIG_NS}/configmaps",
                       text, "application/yaml")
    if code != 201:
        raise CaseError("setup", f"loading the ConfigMap: {code} {out}")
    patch = {"data": {"service.slack":
                      f"token: $slack-token\napiURL: {sink_url}/api/\n"}}
    code, out = sb.api("PATCH", f"/api/v1/namespaces/{CONFIG_NS}/configmaps/"
                       f"{CM_NAME}", patch, "application/merge-patch+json")
    if code != 200:
        raise CaseError("setup", f"patching the ConfigMap: {code} {out}")
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": {"name": SECRET_NAME, "namespace": CONFIG_NS},
              "stringData": {"slack-token": "xoxb-bench-token"}}
    code, out = sb.api("POST", f"/api/v1/namespaces/{CONFIG_NS}/secrets",
                       secret)
    if code != 201:
        raise CaseError("setup", f"creating the Secret: {code} {out}")
    code, out = sb.admin("POST", "recorder",
                         {"spamFilter": False, "aggregation": False})
    if code != 200:
        raise CaseError("setup", f"recorder: {code} {out}")


# ---- Events and deliveries ----

def generate(sb, case, n_rollouts, count, rate, message,
             reason="RolloutCompleted"):
    body = {"involved": {"kind": "Rollout", "namespace": "default",
                         "namePrefix": PREFIX, "names": n_rollouts,
                         "width": WIDTH},
            "type": "Normal", "reason": reason,
            "message": message, "component": "rollouts-controller",
            "count": count, "rate": rate}
    # the answer comes once the last Event is written: a long wait
    code, raw = http("POST", sb.url + "/__emu/events/generate", body,
                     timeout=600)
    out = json.loads(raw) if code == 200 else raw[:500]
    if code != 200:
        raise CaseError(case, f"generating Events: {code} {out}")
    bad = [e for e in out["events"] if e["action"] not in
           ("created", "patched")]
    if bad:
        raise CaseError(case, f"{len(bad)} Events not written: {bad[0]}")
    return out


def sink_records(sink_url):
    code, raw = http("GET", sink_url + "/__sink/records")
    if code != 200:
        raise CaseError("sink", f"records: {code}")
    out = []
    for line in raw.decode().splitlines():
        t, word = line.split(" ", 1)
        out.append((int(t), word))
    return out


def sink_count(sink_url):
    code, raw = http("GET", sink_url + "/__sink/count")
    return int(raw) if code == 200 else -1


def wait_delivered(case, ctl, sink_url, want, timeout):
    def done():
        if not ctl.alive():
            raise CaseError(case, "the controller exited: " + ctl.tail())
        n = sink_count(sink_url)
        return n if n >= want else None
    try:
        wait_for(case, f"{want} notifications", done, timeout, step=0.1)
    except CaseError:
        raise CaseError(case, f"{sink_count(sink_url)} of {want} "
                              f"notifications arrived; controller log:\n"
                              + ctl.tail())


def latencies(case, gen, records):
    """Pair the k-th notification naming a Rollout with its k-th Event."""
    created = {}
    for e in gen["events"]:
        created.setdefault(e["involved"], []).append(e["timeNs"])
    seen = {}
    out = []
    for t, word in records:
        k = seen.get(word, 0)
        seen[word] = k + 1
        times = created.get(word)
        if times is None or k >= len(times):
            raise CaseError(case, f"a notification for {word!r} that no "
                                  f"Event asked for")
        out.append((t - times[k]) / 1e6)
    return out


def percentile(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


# ---- the cases ----

class Bench:
    def __init__(self, args):
        self.a = args
        self.rows = []
        self.wd = tempfile.mkdtemp(prefix="rnotify-bench-controller-")
        self.procs = []

    def row(self, name, value, unit, compare="", note=""):
        self.rows.append({"group": "controller", "name": name,
                          "value": round(value, 3), "unit": unit,
                          "compare": compare, "note": note})
        print(f"controller {name:<34} {value:>10.2f} {unit:<6} {compare}",
              flush=True)

    def start(self):
        b = self.a.build
        self.sink = Proc([os.path.join(b, "bench", "rn-sink"), "--marker",
                          PREFIX], os.path.join(self.wd, "sink.log"),
                         "rn-sink")
        self.procs.append(self.sink)
        self.sb = harness.Sandbox(b, self.wd, ["--quiet", "--history",
                                               "100000"])
        self.sb.pid = self.sb.proc.pid
        self.kc = self.sb.kubeconfig
        self.procs.append(self.sb)
        load_config(self.sb, self.a.catalog, self.sink.url)

    def controller(self, name):
        c = Controller(self.a.build, self.wd, self.kc, name,
                       self.a.log_level, self.a.wrap)
        self.procs.append(c)
        return c

    def idle(self):
        case = "controller/rss-idle"
        c = self.controller("idle")
        c.ready(case)
        rss, _ = c.settle(case)
        c.stop()
        self.row("rss-idle", rss / MIB, "MiB", "", "no Rollouts")
        return rss

    def memory(self):
        case = "controller/rss-10k-rollouts"
        n = self.a.rollouts
        t0 = time.time()
        load_rollouts(self.sb, self.a.rollout, n, self.a.channels)
        print(f"  loaded {n} Rollouts in {time.time() - t0:.1f}s", flush=True)
        c = self.controller("controller")
        t0 = time.time()
        c.ready(case)
        ready_s = time.time() - t0
        rss, _ = c.settle(case, quiet_s=2.0)
        label = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        self.row(f"rss-{label}-rollouts", rss / MIB, "MiB",
                 f"Go map cache {GO_MAP_CACHE_MB:.0f} MB "
                 f"({GO_MAP_CACHE_MB * MIB / rss:.1f}x less)",
                 f"{n} Rollouts listed at start; ready in {ready_s:.1f}s; "
                 f"{rss / 1e6:.1f} million bytes; peak "
                 f"{vm_hwm(c.pid) / MIB:.1f} MiB")
        return c

    def sustained(self, c):
        case = "controller/event-to-delivery"
        count, rate = self.a.events, self.a.rate
        http("DELETE", self.sink.url + "/__sink/records")
        rss0, cpu0 = proc_rss(c.pid), proc_cpu(c.pid)
        sb0 = proc_cpu(self.sb.pid)
        gen = generate(self.sb, case, self.a.rollouts, count, rate,
                       "Rollout completed update to revision 4",
                       self.a.reason)
        wait_delivered(case, c, self.sink.url, count, self.a.timeout)
        rss1, cpu1 = c.settle(case)
        sb_ms = (proc_cpu(self.sb.pid) - sb0) * 1e3 / count * 1000
        lat = latencies(case, gen, sink_records(self.sink.url))
        span = (max(t for t, _ in sink_records(self.sink.url)) -
                min(e["timeNs"] for e in gen["events"])) / 1e9
        note = (f"{count} Events at {rate}/s, each on its own Rollout, "
                f"{self.a.channels} Slack channels; generator lag max "
                f"{gen['maxLagMs']:.0f} ms")
        self.row("sustained-events-per-second", count / span, "ev/s",
                 f"offered {rate}/s", note)
        self.row("event-to-delivery-p50", percentile(lat, 50), "ms", "", note)
        self.row("event-to-delivery-p99", percentile(lat, 99), "ms",
                 "target < 50 ms", note)
        self.row("event-to-delivery-max", max(lat), "ms", "", note)
        self.row("cpu-ms-per-1000-events", (cpu1 - cpu0) * 1e3 / count * 1000,
                 "ms", "", "controller user+system CPU, until idle again "
                 f"(the sandbox took {sb_ms:.0f} ms per 1000)")
        self.row("rss-per-1000-events", (rss1 - rss0) / MIB / count * 1000,
                 "MiB", "",
                 "RSS growth: the Event cache (one frozen doc per Event), "
                 "what the controller keeps per Rollout that had one "
                 "(record, metric series), allocator slack")

    def burst(self, c):
        case = "controller/events-per-second"
        count = self.a.burst
        http("DELETE", self.sink.url + "/__sink/records")
        cpu0 = proc_cpu(c.pid)
        gen = generate(self.sb, case, self.a.rollouts, count, 0,
                       "Rollout completed update to revision 5",
                       self.a.reason)
        wait_delivered(case, c, self.sink.url, count, 2 * self.a.timeout)
        recs = sink_records(self.sink.url)
        latencies(case, gen, recs)  # each one answers an Event
        first = min(e["timeNs"] for e in gen["events"])
        last_made = max(e["timeNs"] for e in gen["events"])
        span = (max(t for t, _ in recs) - first) / 1e9
        cpu1 = proc_cpu(c.pid)
        self.row("events-per-second", count / span, "ev/s",
                 "target >= 2000/s",
                 f"{count} Events written as fast as the sandbox can "
                 f"({count / max((last_made - first) / 1e9, 1e-9):.0f}/s), "
                 f"first written to last delivered; controller CPU "
                 f"{(cpu1 - cpu0) / span * 100:.0f}%")

    def run(self):
        self.start()
        if not self.a.skip_idle:
            self.idle()
        c = self.memory()
        self.sustained(c)
        self.burst(c)
        c.stop()

    def stop(self):
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        if not self.a.keep:
            shutil.rmtree(self.wd, ignore_errors=True)
        else:
            print(f"  logs kept in {self.wd}")


def merge(path, rows, error):
    data = {}
    if path and os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data["controller"] = rows
    if error:
        data["controller_error"] = error
    if path:
        with open(path + ".tmp", "w") as f:
            json.dump(data, f, indent=1)
        os.replace(path + ".tmp", path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default="build-bench")
    p.add_argument("--shared", default="../shared/bench")
    p.add_argument("--rollout", help="the Rollout to copy (default: "
                   "SHARED/rollout-canary.json)")
    p.add_argument("--catalog", help="the notification ConfigMap (default: "
                   "SHARED/notifications-configmap.yaml)")
    p.add_argument("--json", help="merge the rows into this file")
    p.add_argument("--rollouts", type=int, default=10000)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--rate", type=int, default=2000)
    p.add_argument("--burst", type=int, default=10000)
    p.add_argument("--reason", default="RolloutCompleted",
                   help="the reason of the generated Events (the catalog "
                        "must have its trigger)")
    p.add_argument("--timeout", type=float, default=60,
                   help="seconds to wait for the sustained case's "
                        "notifications (twice that for the burst)")
    p.add_argument("--log-level", default="info")
    p.add_argument("--keep", action="store_true", help="keep the logs")
    p.add_argument("--wrap", default="",
                   help="run the controller under this command (profiling: "
                        "'valgrind --tool=massif'); RSS and CPU are then "
                        "the wrapper's")
    p.add_argument("--skip-idle", action="store_true")
    a = p.parse_args()
    a.rollout = a.rollout or os.path.join(a.shared, "rollout-canary.json")
    a.catalog = a.catalog or os.path.join(a.shared,
                                          "notifications-configmap.yaml")
    b = Bench(a)
    error = None
    try:
        b.run()
    except CaseError as e:
        error = str(e)
    except (OSError, ValueError, KeyError) as e:
        error = f"controller/setup: {e}"
    finally:
        b.stop()
    merge(a.json, b.rows, error)
    if error:
        print(f"controller bench FAILED: case {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
