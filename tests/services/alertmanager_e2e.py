#!/usr/bin/python3
"""alertmanager_e2e.py: end-to-end tests of the alertmanager service
against tests/doubles/fake_http.py, two of them at once (one per target).

Each case writes a ConfigMap with `service.alertmanager` (targets pointing
at the doubles, or at a closed port), the template `t`, a Secret with the
basic-auth password and the bearer token, and a Rollout; sends through
svc_driver (the controller's way; it reports the retryable class) and
through `rnotify template notify` (the CLI's), then checks what each
double received: one POST to /api/v2/alerts per target with the JSON
array of one alert (labels with the default alertname, annotations,
generatorURL, startsAt), the auth header, and how the send ended.  The
Secret's values must never appear in any output.

Usage: alertmanager_e2e.py --driver PATH [--rnotify PATH] [-k SUBSTRING]
Ends with "N passed, N failed".
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from pycheck import eq, expect, run_checks  # noqa: E402
from run_e2e import ROLLOUT, Double, closed_port, hdr  # noqa: E402

PASSWORD = "SeCrEt-am-pass-4711"
TOKEN = "SeCrEt-am-token-0815"

TEMPLATE = """message: not used by alertmanager
alertmanager:
  labels:
    rollout: '{{.rollout.metadata.name}}'
    phase: '{{.rollout.status.phase}}'
    html: '<b>&'
    empty: '{{if false}}x{{end}}'
  annotations:
    summary: 'Rollout {{.rollout.metadata.name}} is {{.rollout.status.phase}}'
"""

BASIC = "basicAuth:\n  username: am-user\n  password: $am-pass\n"
OK = {"default": {"status": 200, "body": ""}}


class Case:
    def __init__(self, name, svc, scripts, ok=True, check=None, err=None,
                 retryable=None, tmpl=TEMPLATE, closed=0):
        self.name, self.svc, self.scripts = name, svc, scripts
        self.ok, self.check, self.err = ok, check, err
        self.retryable, self.tmpl, self.closed = retryable, tmpl, closed


CASES = []


def case(*a, **kw):
    CASES.append(Case(*a, **kw))


def targets(n_doubles, closed):
    lines = ["  - 127.0.0.1:PORT%d" % i for i in range(n_doubles)]
    lines += ["  - 127.0.0.1:CLOSED"] * closed
    return "targets:\n" + "\n".join(lines) + "\n"


def alert_of(req):
    eq(req["method"], "POST", "method")
    eq(req["path"], "/api/v2/alerts", "path")
    eq(hdr(req, "Content-Type"), "application/json", "Content-Type")
    body = json.loads(req["body"])
    expect(isinstance(body, list) and len(body) == 1,
           "an array with one alert: " + req["body"])
    eq(list(body[0].keys()),
       ["labels", "annotations", "generatorURL", "startsAt"],
       "fields in upstream's order")
    expect(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?"
                        r"(Z|[+-]\d\d:\d\d)", body[0]["startsAt"]),
           "startsAt is RFC 3339: " + body[0]["startsAt"])
    return body[0], req["body"]


def check_two_ok(reqs):
    eq([len(r) for r in reqs], [1, 1], "one request per target")
    bodies = []
    for r in reqs:
        alert, raw = alert_of(r[0])
        auth = base64.b64decode(hdr(r[0], "Authorization").split()[1])
        eq(auth.decode(), "am-user:" + PASSWORD, "basic auth")
        bodies.append(raw)
        eq(alert["labels"], {"alertname": "t", "rollout": "guestbook",
                             "phase": "Healthy", "html": "<b>&",
                             "empty": "{{if false}}x{{end}}"}, "labels")
        eq(alert["annotations"], {"summary": "Rollout guestbook is Healthy"},
           "annotations")
        eq(alert["generatorURL"], "<no value>",
           "generatorURL: upstream's default renders <no value> for a Rollout")
        expect("\\u003cb\\u003e\\u0026" in raw, "<>& escaped as Go does")
    eq(bodies[0], bodies[1], "every target gets the same body")


case("two-targets", targets(2, 0) + BASIC, [OK, OK], check=check_two_ok)


def check_one_of_two(reqs):
    eq([len(r) for r in reqs], [1, 1], "both targets tried")


case("one-target-500", targets(2, 0) + BASIC,
     [{"default": {"status": 500, "body": "down"}}, OK],
     check=check_one_of_two)
case("one-target-refused", targets(1, 1) + BASIC, [OK],
     check=lambda reqs: eq(len(reqs[0]), 1, "the live target got it"))
case("all-fail", targets(1, 1) + BASIC,
     [{"default": {"status": 503, "body": "busy"}}], ok=False,
     err="no events were successfully received by alertmanager",
     retryable=True)
case("only-200-counts", targets(1, 0) + BASIC,
     [{"default": {"status": 202, "body": "accepted"}}], ok=False,
     err="has failed with error code 202 : accepted", retryable=False)
case("slow-target-times-out", targets(1, 0) + BASIC + "timeout: 1\n",
     [{"default": {"status": 200, "hold": "never"}}], ok=False,
     err="no events were successfully received by alertmanager",
     retryable=True)
case("slow-and-fast", targets(2, 0) + BASIC + "timeout: 1\n",
     [{"default": {"status": 200, "hold": "never"}}, OK],
     check=check_one_of_two)


def check_bearer(reqs):
    eq(hdr(reqs[0][0], "Authorization"), "Bearer " + TOKEN, "bearer token")


case("bearer", targets(1, 0) + "bearerToken: $am-token\n", [OK],
     check=check_bearer)


def check_basic_wins(reqs):
    expect(hdr(reqs[0][0], "Authorization").startswith("Basic "),
           "basicAuth wins over bearerToken")


case("basic-wins", targets(1, 0) + BASIC + "bearerToken: $am-token\n", [OK],
     check=check_basic_wins)


def check_no_auth_custom_path(reqs):
    r = reqs[0][0]
    expect(hdr(r, "Authorization") is None, "no Authorization")
    eq(r["path"], "/custom/alerts", "apiPath")


case("api-path", targets(1, 0) + "apiPath: /custom/alerts\n", [OK],
     check=check_no_auth_custom_path)


def check_git_url(reqs):
    body = json.loads(reqs[0][0]["body"])[0]
    eq(body["generatorURL"], "https://github.com/acme/app.git",
       "git@host:org/repo becomes https://host/org/repo")
    eq(body["annotations"], None, "no annotations: null")
    eq(body["labels"]["alertname"], "Custom", "alertname kept")


case("generator-url-git", targets(1, 0), [OK],
     tmpl="alertmanager:\n  labels: {alertname: Custom}\n"
          "  generatorURL: 'git@github.com:acme/app.git'\n",
     check=check_git_url)
case("generator-url-invalid", targets(1, 0), [OK], ok=False,
     tmpl="alertmanager:\n  labels: {a: b}\n  generatorURL: 'http://x/%zz'\n",
     err='invalid URL escape "%zz"', retryable=False)
case("no-block", targets(1, 0), [OK], ok=False, tmpl="message: hi\n",
     err="notification alertmanager no config", retryable=False)


# ---- running ----

def configmap(svc, tmpl):
    ind = lambda t: "".join("    " + l + "\n" for l in t.strip("\n").split("\n"))
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: argo-rollouts-notification-configmap\ndata:\n"
            "  service.alertmanager: |\n%s  template.t: |\n%s"
            % (ind(svc), ind(tmpl)))


SECRET = ("apiVersion: v1\nkind: Secret\nmetadata:\n"
          "  name: argo-rollouts-notification-secret\nstringData:\n"
          "  am-pass: %s\n  am-token: %s\n" % (PASSWORD, TOKEN))


def send(args, files, use_cli):
    if use_cli:
        cmd = [args.rnotify, "template", "notify", "t", files["ro"],
               "--recipient", "alertmanager:", "--config-map", files["cm"],
               "--secret", files["secret"]]
    else:
        cmd = [args.driver, "--config-map", files["cm"], "--secret",
               files["secret"], "--template", "t", "--resource", files["ro"],
               "--recipient", "alertmanager:"]
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy",
                                "no_proxy")}
    return subprocess.run(cmd, capture_output=True, env=env, timeout=60)


def judge(c, p, reqs, use_cli):
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    for s in (PASSWORD, TOKEN):
        expect(s not in out, "a secret leaked: " + out.strip())
    expect("Sanitizer" not in out and "runtime error" not in out,
           "sanitizer report: " + out.strip()[:2000])
    failed = "failed to notify" in out
    if c.ok:
        expect(not failed and p.returncode == 0,
               "send failed (exit %d): %s" % (p.returncode, out.strip()))
        if c.check:
            c.check(reqs)
        return
    expect(failed and p.returncode != 0, "send should fail: " + out.strip())
    expect(c.err in out, "error %r not in %r" % (c.err, out.strip()))
    if c.retryable is not None and not use_cli:
        expect("retryable=%d" % c.retryable in out,
               "classification: " + out.strip())


def run_case(args, c, tmp, use_cli):
    doubles = []
    try:
        for i, script in enumerate(c.scripts):
            d_tmp = os.path.join(tmp, "d%d" % i)
            os.mkdir(d_tmp)
            d = Double(d_tmp, script, None)
            d.start()
            doubles.append(d)
        svc = c.svc.replace("CLOSED", str(closed_port()))
        for i, d in enumerate(doubles):
            svc = svc.replace("PORT%d" % i, str(d.port))
        files = {k: os.path.join(tmp, k + ".yaml")
                 for k in ("cm", "secret", "ro")}
        for k, text in (("cm", configmap(svc, c.tmpl)), ("secret", SECRET),
                        ("ro", ROLLOUT)):
            with open(files[k], "w") as f:
                f.write(text)
        p = send(args, files, use_cli)
        judge(c, p, [d.requests() for d in doubles], use_cli)
    finally:
        for d in doubles:
            d.stop()


def one(args, c, use_cli):
    tmp = tempfile.mkdtemp(prefix="rn-am-")
    try:
        run_case(args, c, tmp, use_cli)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--rnotify")
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    cli = bool(args.rnotify and os.path.exists(args.rnotify))
    checks = [(("cli:" if m else "driver:") + c.name,
               lambda c=c, m=m: one(args, c, m))
              for c in CASES if args.k in c.name
              for m in ([False, True] if cli else [False])]
    return run_checks(checks)


if __name__ == "__main__":
    sys.exit(main())
