#!/usr/bin/python3
"""test_exposition.py: the controller's /metrics read back by the
Prometheus Python client's own parser of the text format 0.0.4
(python3-prometheus-client), plus the health endpoints, through
tests/controller/ctl_obs_driver.

Usage: test_exposition.py <ctl_obs_driver>
"""

import subprocess
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

FAILS = []
PASSED = [0]


def check(cond, what):
    if cond:
        PASSED[0] += 1
    else:
        FAILS.append(what)
        print("FAIL:", what)


def get(port, path, method="GET"):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def check_upstream(fams):
    ok = fams.get("notification_send_success")
    check(ok is not None and ok.type == "counter", "success is a counter")
    s = ok.samples[0]
    check(s.labels == {"namespace": "prod", "name": "web", "type": "Normal",
                       "reason": "RolloutCompleted"} and s.value == 2,
          "success sample %r" % (s,))
    err = fams["notification_send_error"].samples[0]
    check(err.labels["name"] == 'we"ird\\na\nme', "escaped label read back")
    h = fams.get("notification_send")
    check(h is not None and h.type == "histogram", "histogram type")
    buckets = [(s.labels["le"], s.value) for s in h.samples
               if s.name == "notification_send_bucket"]
    check(buckets == [("0.01", 1), ("0.15", 1), ("0.25", 1), ("0.5", 2),
                      ("1", 2), ("+Inf", 3)], "buckets %r" % (buckets,))
    total = {s.name: s.value for s in h.samples
             if s.name != "notification_send_bucket"}
    check(total == {"notification_send_sum": 7.305,
                    "notification_send_count": 3}, "sum/count %r" % (total,))


def check_delivery(fams):
    want = {
        "rnotify_delivery_queue_depth": "gauge",
        "rnotify_delivery_oldest_pending_seconds": "gauge",
    }
    for name, typ in want.items():
        f = fams.get(name)
        check(f is not None and f.type == typ, "%s is a %s" % (name, typ))
        check(f is not None and f.samples[0].value == 0, "%s is 0" % name)


def main():
    drv = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    try:
        port = int(drv.stdout.readline().split()[1])
        code, ctype, body = get(port, "/metrics")
        check(code == 200, "/metrics 200")
        check(ctype == "text/plain; version=0.0.4; charset=utf-8",
              "content type %r" % ctype)
        fams = families(body)
        check_upstream(fams)
        check_delivery(fams)
        check(get(port, "/healthz")[::2] == (200, "ok"), "/healthz")
        check(get(port, "/readyz")[::2] == (503, "waiting for caches"),
              "/readyz")
        check(get(port, "/nope")[0] == 404, "404")
        check(get(port, "/metrics", "PUT")[0] == 405, "405")
    finally:
        drv.stdin.close()
        rc = drv.wait(timeout=30)
    check(rc == 0, "driver exit %d" % rc)
    print("%d passed, %d failed" % (PASSED[0], len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
