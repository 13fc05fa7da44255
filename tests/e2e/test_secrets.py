"""Secrets: a Secret value used in a failing delivery (in a header, in
the body in every encoding a template gives it, and echoed back by the
server) never appears in the controller's log, the Warning Event on the
Rollout or /metrics, in any of its forms; nor does a password written in
a service URL."""

import base64
import json
import urllib.parse

import config
from harness import CONFIG_NS, Failure, http, wait_for
from test_lifecycle import start

TOKEN = 'Zq9/s3cr+3t-t0ken "x"'
URL_PASSWORD = "url-pa55word-42"

BODY = ('raw={{ toString .secrets.token }} '
        'bytes={{ .secrets.token }} '
        'json={{ toJson .secrets }} '
        'b64={{ toString .secrets.token | b64enc }} '
        'upper={{ toString .secrets.token | upper }} '
        'lower={{ toString .secrets.token | lower }} '
        'hex={{ printf "%x" .secrets.token }} '
        'q={{ printf "%q" (toString .secrets.token) }} '
        'urlquery={{ toString .secrets.token | urlquery }}')


def forms(v):
    b = v.encode()
    return {
        "raw": v, "bytes": " ".join(str(c) for c in b),
        "b64": base64.b64encode(b).decode().rstrip("="),
        "upper": v.upper(), "lower": v.lower(), "hex": b.hex(),
        "q": v.replace('"', '\\"'),
        "urlquery": urllib.parse.quote_plus(v),
        "json": json.dumps(v)[1:-1],
        "url password": URL_PASSWORD,
    }


def test_secret_never_logged(env):
    sink_port = None
    data = {
        "template.scaling": (
            "message: 'scaling'\n"
            "webhook:\n"
            "  sink:\n"
            "    method: POST\n"
            "    path: /hook/{{ toString .secrets.token | urlquery }}\n"
            "    body: |\n"
            "      " + BODY + "\n"),
    }
    sb, sink, ctl = start(env, ["on-scaling-replica-set"],
                          extra=["--delivery-deadline", "10s"],
                          secret={"token": TOKEN}, extra_data=data)
    sink_port = sink.port
    # the service: a password in its URL, the token in a header
    cm = sb.get("ConfigMap", CONFIG_NS, config.CM_NAME)
    cm["data"]["service.webhook.sink"] = (
        "url: http://bot:%s@127.0.0.1:%d\n"
        "retryMax: -1\n"
        "headers:\n- name: Authorization\n  value: Bearer $token\n"
        % (URL_PASSWORD, sink_port))
    sb.apply(cm)
    # the server answers 400 with the request's secret in every form
    echo = " ".join("%s=%s" % kv for kv in forms(TOKEN).items())
    sink.script({"routes": [{"path": "/hook/", "replies": [
        {"status": 400, "body": "bad request: " + echo}]}]})
    wait_for("the new service", lambda: "config loaded" in ctl.log()
             and ctl.log().count("config loaded") >= 2, 20)
    sb.create(config.rollout("leaky"))
    sb.record_event("default", "leaky", "ScalingReplicaSet",
                    "Scaled up ReplicaSet leaky-1 (revision 1) from 0 to 1")
    wait_for("the failed delivery", lambda: "delivery failed" in ctl.log(),
             30)
    wait_for("the Warning Event", lambda: [
        e for e in sb.events() if e["reason"] == "NotificationFailed"], 10)
    evs = [e for e in sb.events() if e["reason"] == "NotificationFailed"]
    if not sink.requests():
        raise Failure("the delivery never reached the sink")
    code, metrics = http("GET", f"http://127.0.0.1:{ctl.metrics_port}"
                                "/metrics")
    texts = {"log": ctl.log(), "Event": "\n".join(e["message"] for e in evs),
             "metrics": metrics.decode()}
    for where, text in texts.items():
        for name, form in forms(TOKEN).items():
            if form in text:
                raise Failure(f"the {name} form of the secret is in the "
                              f"{where}")
    if "*****" not in evs[0]["message"]:
        raise Failure("the Event shows no masked value: "
                      + evs[0]["message"])


def test_secret_dry_run_log(env):
    """--dry-run logs each notification it would send: what a template made
    of the Secret is masked there by the log's scrubber, in every form."""
    data = {
        "template.scaling": (
            "message: '" + BODY.replace("'", "''") + "'\n"
            "webhook:\n"
            "  sink:\n"
            "    method: POST\n"
            "    body: |\n"
            "      " + BODY + "\n"),
    }
    sb, sink, ctl = start(env, ["on-scaling-replica-set"],
                          extra=["--dry-run"], secret={"token": TOKEN},
                          extra_data=data)
    sb.create(config.rollout("dry"))
    sb.record_event("default", "dry", "ScalingReplicaSet",
                    "Scaled up ReplicaSet dry-1 (revision 1) from 0 to 1")
    wait_for("the dry run", lambda: "would send" in ctl.log(), 30)
    log = ctl.log()
    for name, form in forms(TOKEN).items():
        if form in log:
            raise Failure(f"the {name} form of the secret is in the log")
    if "raw=*****" not in log:
        raise Failure("the dry-run line shows no masked value")
