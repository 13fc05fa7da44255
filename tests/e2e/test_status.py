"""The status page (`rnotify controller --status-addr`, docs/status-page.md):
/api/ shows the deliveries of a played scenario with their attempts, the
decisions with why each trigger did or did not send, the configuration
errors with their keys and positions, and the leader state; every string
a Rollout supplies (its name, its subscribe annotations, its Events'
messages) comes out escaped; the page itself, loaded in headless Chromium,
shows a delivery, renders hostile strings as text and runs none of them.
A screenshot is kept in BUILD/test-artifacts/status-page.png."""

import json
import os
import re
import shutil
import subprocess
import time

import config
from harness import CM_NAME, CONFIG_NS, Failure, Skip, free_port, http, wait_for
from test_lifecycle import play, start

TRIGGERS = ["on-purple", "on-rollout-updated", "on-rollout-completed",
            "on-scaling-replica-set"]
# a template broken on its third line, and one that fails to render
BROKEN = {"template.broken": "message: |\n  fine\n  {{.rollout.metadata.name\n",
          "template.scaling": "message: '{{fail \"no scaling today\"}}'\n"}
SECRET = "s3cr3t-t0ken-value"

# Markup a Rollout can carry: in its name (loaded past validation, as a
# hostile or buggy writer could), a subscribe annotation and Event texts.
TITLE = "rnotify status"
NAME_MARKUP = "ro-\"><img src=x onerror=\"document.title='pwned-name'\">"
RCPT_MARKUP = "<img src=x onerror=\"document.title='pwned-rcpt'\">"
MSG_MARKUP = ("<script>document.title='pwned-msg'</script>"
              "\"><img src=x onerror=\"document.title='pwned-msg2'\">")
ANNOTATION = "notifications.argoproj.io/subscribe.on-scaling-replica-set.sink"


def with_status(env, triggers, **kw):
    port = free_port()
    extra = ["--status-addr", f"127.0.0.1:{port}"] + list(kw.pop("extra", ()))
    sb, sink, ctl = start(env, triggers, extra=extra, **kw)
    ctl.status_url = f"http://127.0.0.1:{port}"
    return sb, sink, ctl


def get(ctl, path):
    code, raw = http("GET", ctl.status_url + path)
    if code != 200:
        raise Failure(f"GET {path}: {code} {raw[:200]!r}")
    return raw


def api(ctl, part="status"):
    return json.loads(get(ctl, "/api/" + part))


def delivered(ctl, trigger, rollout=None):
    return [d for d in api(ctl, "deliveries")["deliveries"]
            if d["trigger"] == trigger and d["result"] == "delivered"
            and (rollout is None or d["rollout"] == rollout)]


def decisions(ctl, **match):
    return [d for d in api(ctl, "decisions")["decisions"]
            if all(d.get(k) == v for k, v in match.items())]


def check_headers(ctl):
    req = __import__("urllib.request").request
    for path, ctype in (("/", "text/html"), ("/status.js", "text/javascript"),
                        ("/status.css", "text/css"),
                        ("/api/status", "application/json")):
        with req.urlopen(ctl.status_url + path, timeout=10) as r:
            h = r.headers
            if not h["Content-Type"].startswith(ctype):
                raise Failure(f"{path}: Content-Type {h['Content-Type']}")
            csp = h["Content-Security-Policy"] or ""
            if "script-src 'self'" not in csp or "unsafe-inline" in csp:
                raise Failure(f"{path}: Content-Security-Policy {csp!r}")
            if h["X-Content-Type-Options"] != "nosniff":
                raise Failure(f"{path}: no nosniff")
    code, _ = http("GET", ctl.status_url + "/api/nothing")
    if code != 404:
        raise Failure(f"/api/nothing: {code}")
    code, _ = http("POST", ctl.status_url + "/api/status", b"{}")
    if code != 405:
        raise Failure(f"POST /api/status: {code}, want 405 (read-only)")


def test_status_api(env):
    sb, sink, ctl = with_status(env, TRIGGERS, extra_data=BROKEN)
    play(sb, "purple.yaml")
    wait_for("two on-purple deliveries on the page",
             lambda: len(delivered(ctl, "on-purple", "colors")) == 2)
    # the sink refuses the next webhook once: the webhook service asks
    # again (one attempt, two requests)
    sink.script({"routes": [{"path": "/hook/on-rollout-updated", "replies": [
        {"status": 503, "times": 1}, {"status": 200}]}]})
    sb.record_event("default", "colors", "RolloutUpdated", "once more")
    up = wait_for("on-rollout-updated delivered after a retry", lambda: [
        d for d in delivered(ctl, "on-rollout-updated", "colors")
        if d["requests"] == 2])
    if up[0]["attempts"] != 1 or up[0]["service"] != "sink" or up[0]["error"]:
        raise Failure(f"on-rollout-updated delivery: {up[0]}")
    # why on-purple did and did not send; a console destination (only
    # the CLI has a console) is not configured in the controller
    sb.patch("Rollout", "default", "colors", {"metadata": {"annotations": {
        "notifications.argoproj.io/subscribe.on-purple.console": "stdout"}}})
    wait_for("the console destination's decision", lambda: decisions(
        ctl, trigger="on-purple", outcome="error"))
    if not decisions(ctl, trigger="on-purple", outcome="queued"):
        raise Failure("no queued on-purple decision")
    false = decisions(ctl, trigger="on-purple", outcome="condition-false")
    if not false or false[0]["path"] != "condition":
        raise Failure(f"no condition-false on-purple decision: {false}")
    err = decisions(ctl, trigger="on-purple", outcome="error")
    if not err or "'console' is not supported" not in err[0]["detail"] \
            or err[0]["destinations"] != ["console:stdout"]:
        raise Failure(f"the unconfigured console destination: {err}")
    ev = decisions(ctl, trigger="on-rollout-completed", outcome="queued")
    if not ev or ev[0]["event"]["reason"] != "RolloutCompleted":
        raise Failure(f"event-path decision without its Event: {ev}")
    # a subscription to a trigger nobody defined (a typo)
    sb.create(config.rollout("typo", annotations={
        "notifications.argoproj.io/subscribe.on-purpel.sink": ""}))
    typo = wait_for("the typo's decision", lambda: decisions(
        ctl, rollout="typo", trigger="on-purpel"))
    if typo[0]["outcome"] != "trigger-not-configured" or \
            "on-purpel" not in typo[0]["detail"]:
        raise Failure(f"the undefined trigger: {typo}")
    # an Event nobody subscribes to says so; a render error says what
    sb.record_event("default", "colors", "RolloutPaused", "Rollout is paused")
    wait_for("no-destination decision", lambda: decisions(
        ctl, trigger="on-rollout-paused", outcome="no-destination"))
    sb.record_event("default", "colors", "ScalingReplicaSet", "Scaled up")
    bad = wait_for("render error decision", lambda: decisions(
        ctl, trigger="on-scaling-replica-set", outcome="error"))
    if "no scaling today" not in bad[0]["detail"] or bad[0]["sent"]:
        raise Failure(f"render error: {bad}")
    cfg = api(ctl, "config")["config"]
    ns = [c for c in cfg if c["namespace"] == CONFIG_NS]
    errs = ns[0]["errors"] if ns else []
    broken = [e for e in errs if e["key"] == "template.broken"]
    if not broken or broken[0]["line"] != 3 or "unclosed" not in \
            broken[0]["message"]:
        raise Failure(f"config error with key and line: {cfg}")
    if not ns[0]["loaded"] or not ns[0]["found"]:
        raise Failure(f"config state: {ns[0]}")
    # a broken edit of a working key: listed, and its last good value kept
    cm = sb.get("ConfigMap", CONFIG_NS, CM_NAME)
    cm["data"]["template.purple"] = "message: '{{ oops'\n"
    sb.apply(cm)

    def kept():
        for c in api(ctl, "config")["config"]:
            for e in c["errors"]:
                if e["key"] == "template.purple" and e["keptLastGood"]:
                    return e
    if wait_for("the kept key on the page", kept)["line"] != 1:
        raise Failure(f"kept key position: {kept()}")
    leader = api(ctl, "leader")
    if leader["leader"] != {"election": False, "leading": True,
                            "identity": leader["controller"]["identity"],
                            "leaseNamespace": "", "leaseName": "",
                            "holder": ""}:
        raise Failure(f"leader: {leader}")
    q = api(ctl, "queue")["queue"]
    if q["depth"] != 0 or q["items"]:
        raise Failure(f"queue not drained: {q}")
    full = get(ctl, "/api/status").decode()
    for part in ("controller", "leader", "queue", "deliveries", "decisions",
                 "config", "generatedAt"):
        if f'"{part}":' not in full:
            raise Failure(f"/api/status lacks {part}")
    if SECRET in full:
        raise Failure("a Secret value on the status page")
    check_headers(ctl)


def test_status_queue_and_leader(env):
    sb, sink, ctl = with_status(env, ["on-scaling-replica-set"], extra=[
        "--leader-elect", "--lease-name", "rnotify-status",
        "--identity", "replica-a", "--delivery-deadline", "2m"])
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 503, "times": 1000}]}]})
    sb.create(config.rollout("stuck"))
    sb.record_event("default", "stuck", "ScalingReplicaSet", "Scaled up")

    def retrying():
        items = api(ctl, "queue")["queue"]["items"]
        return [i for i in items if i["attempts"] >= 1 and i["lastError"]]
    item = wait_for("a queued item with its error", retrying, 30)[0]
    if item["rollout"] != "stuck" or "503" not in item["lastError"] or \
            item["trigger"] != "on-scaling-replica-set":
        raise Failure(f"queued item: {item}")
    q = api(ctl, "queue")["queue"]
    if q["depth"] != 1:
        raise Failure(f"queue depth {q['depth']}")
    wait_for("a retry scheduled", lambda: any(
        i["state"] == "retry-wait" and i["nextRetryInMs"] > 0
        for i in api(ctl, "queue")["queue"]["items"]), 30)
    leader = api(ctl, "leader")["leader"]
    want = {"election": True, "leading": True, "identity": "replica-a",
            "leaseNamespace": CONFIG_NS, "leaseName": "rnotify-status",
            "holder": "replica-a"}
    if leader != want:
        raise Failure(f"leader {leader}, want {want}")


def test_status_dry_run(env):
    sb, sink, ctl = with_status(env, ["on-scaling-replica-set"],
                                extra=["--dry-run"])
    sb.create(config.rollout("rehearsal"))
    sb.record_event("default", "rehearsal", "ScalingReplicaSet", "Scaled up")
    d = wait_for("dry-run decision", lambda: decisions(
        ctl, rollout="rehearsal", outcome="dry-run"))
    if d[0]["destinations"] != ["sink"] or d[0]["sent"]:
        raise Failure(f"dry-run decision: {d}")
    if api(ctl, "deliveries")["deliveries"] or sink.requests():
        raise Failure("a dry run delivered")
    if not api(ctl, "leader")["controller"]["dryRun"]:
        raise Failure("dryRun not shown")


def hostile(env):
    """A controller, and a Rollout whose name, recipient and Event carry
    markup; returns once the page shows its delivery."""
    sb, sink, ctl = with_status(env, ["on-scaling-replica-set", "on-purple"])
    ro = config.rollout(NAME_MARKUP, annotations={ANNOTATION: RCPT_MARKUP})
    code, out = sb.admin("POST", "objects", ro)  # past name validation
    if code not in (200, 201):
        raise Failure(f"load the hostile Rollout: {code} {out}")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    code, out = sb.admin("POST", "objects", {  # its name derives from NAME
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "hostile.1", "namespace": "default"},
        "involvedObject": {"apiVersion": "argoproj.io/v1alpha1",
                           "kind": "Rollout", "namespace": "default",
                           "name": NAME_MARKUP},
        "reason": "ScalingReplicaSet", "message": MSG_MARKUP,
        "type": "Normal", "count": 1, "firstTimestamp": now,
        "lastTimestamp": now, "source": {"component": "rollouts-controller"}})
    if code not in (200, 201):
        raise Failure(f"load the hostile Event: {code} {out}")
    wait_for("the hostile Rollout's deliveries", lambda: len(
        delivered(ctl, "on-scaling-replica-set", NAME_MARKUP)) == 2)
    return sb, sink, ctl


def test_status_escapes(env):
    sb, sink, ctl = hostile(env)
    raw = get(ctl, "/api/status").decode()
    if "<" in raw or ">" in raw:
        i = raw.find("<")
        raise Failure(f"markup not escaped in the JSON: {raw[i - 80:i + 80]}")
    d = delivered(ctl, "on-scaling-replica-set", NAME_MARKUP)
    if sorted(x["recipient"] for x in d) != ["", RCPT_MARKUP]:
        raise Failure(f"recipients: {d}")
    ev = decisions(ctl, rollout=NAME_MARKUP, outcome="queued")
    if not ev or ev[0]["event"]["message"] != MSG_MARKUP:
        raise Failure(f"the Event's message: {ev}")
    if "sink:" + RCPT_MARKUP not in [x for e in ev for x in e["destinations"]]:
        raise Failure(f"the annotation's recipient: {ev}")


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise Skip("chromium is not installed (scripts/install-deps.sh "
               "installs Debian's chromium package)")


def browse(env, url, *args):
    """Headless Chromium as root on a closed network, a fresh profile."""
    profile = os.path.join(env.dir, "chromium-%d" % time.monotonic_ns())
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--user-data-dir=" + profile,
           "--virtual-time-budget=8000", *args, url]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    if p.returncode != 0:
        raise Failure(f"chromium exited {p.returncode}: "
                      f"{p.stderr.decode(errors='replace')[-2000:]}")
    return p.stdout.decode("utf-8", "replace")


def test_status_page(env):
    chromium()
    sb, sink, ctl = hostile(env)
    play(sb, "purple.yaml")
    wait_for("the scenario's deliveries",
             lambda: len(delivered(ctl, "on-purple", "colors")) == 2)
    dom = browse(env, ctl.status_url + "/", "--dump-dom")
    if 'data-state="ready"' not in dom:
        raise Failure(f"the page did not render api/status: {dom[:3000]}")
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    if not title or title.group(1) != TITLE:
        raise Failure(f"an injected script ran: the title is {title}")
    # the markup shows as text; no element of it exists
    for text in ("&lt;img src=x onerror=", "&lt;script&gt;document.title"):
        if text not in dom:
            raise Failure(f"{text!r} not shown as text")
    if re.search(r"<img\b", dom, re.I):
        raise Failure("an <img> from a Rollout string became an element")
    scripts = re.findall(r"<script\b[^>]*>", dom, re.I)
    if scripts != ['<script src="status.js" defer="">']:
        raise Failure(f"script elements: {scripts}")
    # the delivery row: its trigger, recipient and result
    rows = re.findall(r"<tr[^>]*>.*?</tr>", dom, re.S)
    hit = [r for r in rows if "on-scaling-replica-set" in r and
           "delivered" in r and "sink:&lt;img src=x" in r]
    purple = [r for r in rows if ">default/colors<" in r and
              ">on-purple<" in r and ">delivered<" in r]
    if not hit or len(purple) != 2:
        raise Failure("no delivery rows for the Rollouts: " + dom[:4000])
    art = os.path.join(env.build, "test-artifacts")
    os.makedirs(art, exist_ok=True)
    png = os.path.join(art, "status-page.png")
    if os.path.exists(png):
        os.unlink(png)
    browse(env, ctl.status_url + "/", "--screenshot=" + png,
           "--window-size=1400,1600", "--hide-scrollbars")
    with open(png, "rb") as f:
        head = f.read(8)
    if head != b"\x89PNG\r\n\x1a\n" or os.path.getsize(png) < 10000:
        raise Failure(f"screenshot {png}: not a PNG of a page")
    print(f"screenshot: {png}")
