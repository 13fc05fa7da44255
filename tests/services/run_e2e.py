#!/usr/bin/python3
"""run_e2e.py: end-to-end tests of rnotify's notification services.

Every case writes a ConfigMap (one service, one template), a Secret and a
Rollout, starts tests/doubles/fake_http.py with a reply script, sends one
or more notifications and checks what the double received (method, path,
headers, body, compared semantically for JSON and forms) and how the send
ended: success, or an error naming service and recipient with the right
retryable/permanent class.  Every case runs through svc_driver (the
controller's way: the delivery state machine on a libcurl multi handle; it
reports the class) and, when --rnotify is given, through
`rnotify template notify` (the blocking svc_send).  No output may contain
a secret value.

Usage: run_e2e.py --driver PATH [--rnotify PATH] [-k SUBSTRING]
Ends with "N passed, N failed".
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLE = os.path.join(HERE, "..", "doubles", "fake_http.py")
NATS_DOUBLE = os.path.join(HERE, "..", "doubles", "fake_nats.py")
PY = "/usr/bin/python3"

SECRETS = {
    "hook-token": "SeCrEt-hook-4242",
    "hook-pass": "SeCrEt-basic-pass-77",
    "slack-token": "xoxb-SeCrEt-slack-9911",
    "mm-token": "SeCrEt-mattermost-5150",
    "rc-user": "SeCrEt-rc-user@example.com",
    "rc-pass": "SeCrEt-rc-pass-31",
    "teams-url": "http://127.0.0.1:PORT/webhookb2/SeCrEtTeams1234abcd",
    "tw-url": "http://127.0.0.1:PORT/powerautomate/SeCrEtFlow5678efgh",
    "gchat-url": "http://127.0.0.1:PORT/v1/spaces/AAA/messages?key=SeCrEtKey99&token=SeCrEtTok88",
    "webex-token": "SeCrEt-webex-6060",
    "tg-token": "123456:SeCrEt-telegram-AAbb",
    "po-token": "SeCrEtPushoverToken0123456789a",
    "grafana-key": "SeCrEt-grafana-7070",
    "og-key": "SeCrEt-opsgenie-8080",
    "pd-key": "SeCrEt-pagerduty-9090",
    "pd-token": "SeCrEt-pdrest-1212",
    "nr-key": "SeCrEt-newrelic-3434",
    "aws-key": "AKIASECRETTEST0001",
    "aws-secret": "SeCrEt-aws-wJalrXUtnFEMIK7MDENG",
    "nats-pass": "SeCrEt-nats-5656",
    "nats-url": "nats://bot:SeCrEt-nats-5656@127.0.0.1:PORT",
}
PO_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
  namespace: default
spec:
  replicas: 3
status:
  phase: Healthy
"""


def indent(text, n):
    pad = " " * n
    return "".join(pad + line + "\n" for line in text.strip("\n").split("\n"))


def configmap(service_key, service_yaml, template_yaml):
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: argo-rollouts-notification-configmap\ndata:\n"
            "  %s: |\n%s  template.t: |\n%s" %
            (service_key, indent(service_yaml, 4), indent(template_yaml, 4)))


def secret(port):
    lines = ["apiVersion: v1", "kind: Secret", "metadata:",
             "  name: argo-rollouts-notification-secret", "stringData:"]
    for k, v in SECRETS.items():
        lines.append("  %s: %s" % (k, json.dumps(v.replace("PORT", str(port)))))
    return "\n".join(lines) + "\n"


class Case:
    def __init__(self, name, key, svc, tmpl, recipients, script=None,
                 ok=True, check=None, err=None, retryable=None, requests=None,
                 tls=False, env=None, min_secs=None, cli=True, port=None,
                 double=None, dargs=None, deadline_ms=None):
        self.name, self.key, self.svc, self.tmpl = name, key, svc, tmpl
        self.recipients = recipients if isinstance(recipients, list) else [recipients]
        self.script = script or {"default": {"status": 200, "body": "ok"}}
        self.ok, self.check, self.err = ok, check, err
        self.retryable, self.requests = retryable, requests
        self.tls, self.env, self.min_secs = tls, env or {}, min_secs
        self.cli, self.port = cli, port
        self.double, self.dargs = double, dargs or []
        self.deadline_ms = deadline_ms


CASES = []


def case(*a, **kw):
    CASES.append(Case(*a, **kw))


# ---- helpers for checks ----

def hdr(req, name):
    for k, v in req["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def form(req):
    return dict(urllib.parse.parse_qsl(req["body"], keep_blank_values=True))


def jbody(req):
    return json.loads(req["body"])


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what, got, want))


# ---- webhook ----

WEBHOOK = """url: http://127.0.0.1:PORT/base?x=1
headers:
- name: x-token
  value: $hook-token
- name: Content-Type
  value: application/json
basicAuth:
  username: robot
  password: $hook-pass
retryWaitMin: 10000000
retryWaitMax: 50ms
"""
WEBHOOK_T = """message: plain {{.rollout.metadata.name}}
webhook:
  hook:
    method: POST
    path: /rollouts/{{.rollout.metadata.name}}
    body: '{"name":"{{.rollout.metadata.name}}","by":"{{.serviceType}}"}'
"""


def check_webhook_ok(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq(r["method"], "POST", "method")
    eq(r["path"], "/base", "path")
    eq(r["query"], "x=1/rollouts/guestbook", "query (path after query: upstream quirk)")
    eq(hdr(r, "X-Token"), SECRETS["hook-token"], "X-Token")
    eq(hdr(r, "Content-Type"), "application/json", "Content-Type")
    auth = base64.b64decode(hdr(r, "Authorization").split()[1]).decode()
    eq(auth, "robot:" + SECRETS["hook-pass"], "basic auth")
    eq(r["body"], '{"name":"guestbook","by":"hook"}', "body")
    eq(hdr(r, "User-Agent"), "Go-http-client/1.1", "User-Agent")
    expect(hdr(r, "Expect") is None, "no Expect header")


case("webhook-ok", "service.webhook.hook", WEBHOOK, WEBHOOK_T, "hook:",
     check=check_webhook_ok)


def check_webhook_get(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq(r["method"], "GET", "method")
    eq(r["path"], "/plain", "path")
    eq(r["body"], "plain guestbook", "GET carries the message as body")
    expect(hdr(r, "Content-Type") is None, "no Content-Type by default")
    expect(hdr(r, "Authorization") is None, "no Authorization")


case("webhook-get-message", "service.webhook.hook",
     "url: http://127.0.0.1:PORT/plain\n",
     "message: plain {{.rollout.metadata.name}}\n", "hook:",
     check=check_webhook_get)

case("webhook-5xx-gives-up", "service.webhook.hook", WEBHOOK, WEBHOOK_T,
     "hook:", script={"default": {"status": 500, "body": "boom"}}, ok=False,
     err="giving up after 4 attempt(s)", retryable=True, requests=4)

case("webhook-5xx-then-ok", "service.webhook.hook", WEBHOOK, WEBHOOK_T,
     "hook:", script={"routes": [{"path": "/", "replies": [
         {"status": 502}, {"status": 200}]}]}, requests=2)

case("webhook-429-retry-after", "service.webhook.hook", WEBHOOK, WEBHOOK_T,
     "hook:", script={"routes": [{"path": "/", "replies": [
         {"status": 429, "headers": {"Retry-After": "1"}}, {"status": 200}]}]},
     requests=2, min_secs=1.0)

# Hostile Retry-After values (issue: the first two never returned, the
# third overflowed a signed multiply): the delivery ends at once, naming
# the last status and why.
for n, after in (("date-9999", "Fri, 31 Dec 9999 23:59:59 GMT"),
                 ("huge", "9223372036854775"),
                 ("overflow", "99999999999999999999"),
                 ("over-budget", "31")):
    case("webhook-429-retry-after-" + n, "service.webhook.hook", WEBHOOK,
         WEBHOOK_T, "hook:", script={"default": {
             "status": 429, "headers": {"Retry-After": after}}}, ok=False,
         err="giving up after 1 attempt(s): last status 429 Too Many "
         "Requests asks to retry after", retryable=True, requests=1)
case("webhook-429-over-deadline-flag", "service.webhook.hook", WEBHOOK,
     WEBHOOK_T, "hook:", script={"default": {
         "status": 429, "headers": {"Retry-After": "3"}}}, ok=False,
     err="asks to retry after 3.0s, more than the", retryable=True,
     requests=1, deadline_ms=2000)
case("webhook-5xx-names-last-status", "service.webhook.hook",
     WEBHOOK.replace("retryWaitMin", "retryMax: -1\nretryWaitMin"),
     WEBHOOK_T, "hook:", script={"default": {"status": 503}}, ok=False,
     err="giving up after 1 attempt(s): last status 503 Service "
     "Unavailable", retryable=True, requests=1)

case("webhook-404-permanent", "service.webhook.hook", WEBHOOK, WEBHOOK_T,
     "hook:", script={"default": {"status": 404, "body": "no such hook"}},
     ok=False, err="has failed with error code 404 : no such hook",
     retryable=False, requests=1)

case("webhook-501-no-retry", "service.webhook.hook", WEBHOOK, WEBHOOK_T,
     "hook:", script={"default": {"status": 501}}, ok=False,
     err="error code 501", retryable=False, requests=1)

case("webhook-timeout", "service.webhook.hook",
     WEBHOOK.replace("retryWaitMin", "retryMax: -1\nretryWaitMin"), WEBHOOK_T,
     "hook:", script={"default": {"status": 200, "delay": 3}}, ok=False,
     err="giving up after 1 attempt(s)", retryable=True, requests=1,
     env={"RNOTIFY_HTTP_TIMEOUT_MS": "500"})

case("webhook-refused", "service.webhook.hook",
     WEBHOOK.replace("PORT", "CLOSEDPORT").replace(
         "retryWaitMin", "retryMax: 1\nretryWaitMin"), WEBHOOK_T, "hook:",
     ok=False, err="giving up after 2 attempt(s)", retryable=True,
     requests=0)

case("webhook-malformed-reply", "service.webhook.hook",
     WEBHOOK.replace("retryWaitMin", "retryMax: -1\nretryWaitMin"), WEBHOOK_T,
     "hook:", script={"default": {"raw": "this is not HTTP\r\n\r\n"}},
     ok=False, err="giving up after 1 attempt(s)", retryable=True)

case("webhook-closed-connection", "service.webhook.hook",
     WEBHOOK.replace("retryWaitMin", "retryMax: -1\nretryWaitMin"), WEBHOOK_T,
     "hook:", script={"default": {"close": True}}, ok=False,
     err="giving up after 1 attempt(s)", retryable=True)

TLS_HOOK = "url: https://127.0.0.1:PORT/secure\nretryWaitMin: 10000000\n"
case("webhook-tls-untrusted", "service.webhook.hook", TLS_HOOK,
     "message: hi\n", "hook:", tls=True, ok=False,
     err="giving up after 1 attempt(s)", retryable=False, requests=0)
case("webhook-tls-ca-file", "service.webhook.hook", TLS_HOOK,
     "message: hi\n", "hook:", tls=True, env={"RNOTIFY_CA_FILE": "CERT"},
     requests=1)
case("webhook-tls-insecure", "service.webhook.hook",
     TLS_HOOK + "insecureSkipVerify: true\n", "message: hi\n", "hook:",
     tls=True, requests=1)


def check_redirect(reqs):
    eq(len(reqs), 2, "requests")
    eq(reqs[1]["path"], "/moved", "redirect target")
    eq(reqs[1]["method"], "GET", "302 turns POST into GET")
    expect(hdr(reqs[1], "Authorization") is None,
           "Authorization dropped on a cross-host redirect")
    expect(hdr(reqs[1], "X-Token") is not None, "other headers kept")


case("webhook-redirect-cross-host", "service.webhook.hook", WEBHOOK,
     WEBHOOK_T, "hook:", script={"routes": [
         {"path": "/base", "replies": [{"status": 302, "headers": {
             "Location": "http://localhost:PORT/moved"}}]}]},
     check=check_redirect)

def check_proxied(reqs):
    eq(len(reqs), 1, "requests")
    eq(hdr(reqs[0], "Host"), "rnotify-test.invalid", "request went via proxy")
    eq(reqs[0]["path"], "/hook", "absolute-form path")


case("webhook-proxy-from-env", "service.webhook.hook",
     "url: http://rnotify-test.invalid/hook\n", "message: hi\n", "hook:",
     env={"HTTP_PROXY": "http://127.0.0.1:PORT"}, check=check_proxied)
case("webhook-loopback-not-proxied", "service.webhook.hook",
     "url: http://127.0.0.1:PORT/direct\n", "message: hi\n", "hook:",
     env={"http_proxy": "http://127.0.0.1:CLOSEDPORT",
          "HTTP_PROXY": "http://127.0.0.1:CLOSEDPORT"}, requests=1)
case("webhook-header-injection-refused", "service.webhook.hook",
     "url: http://127.0.0.1:PORT/h\nheaders:\n- name: X-A\n"
     "  value: \"a\\r\\nX-Injected: 1\"\n",
     "message: hi\n", "hook:", ok=False,
     err="giving up after 1 attempt(s): Get", retryable=False, requests=0)
case("webhook-redirect-loop", "service.webhook.hook",
     "url: http://127.0.0.1:PORT/loop\n", "message: hi\n", "hook:",
     script={"default": {"status": 302, "headers": {"Location": "/loop"}}},
     ok=False, err="stopped after 10 redirects", retryable=False,
     requests=10)
case("webhook-reply-too-large", "service.webhook.hook",
     "url: http://127.0.0.1:PORT/big\n", "message: hi\n", "hook:",
     script={"default": {"status": 200, "body": "x" * (2 << 20)}}, ok=False,
     err="reply body exceeds the size limit", retryable=False, requests=1)

# ---- slack ----

SLACK = """token: $slack-token
apiURL: http://127.0.0.1:PORT/api/
username: rollouts-bot
icon: ":rocket:"
"""
SLACK_T = """message: Rollout {{.rollout.metadata.name}} is {{.rollout.status.phase}}
slack:
  attachments: '[{"title":"{{.rollout.metadata.name}}","color":"#18be52","fields":[{"title":"a","value":"b"}],"unknown":1}]'
  blocks: '[{"type":"section","text":{"type":"mrkdwn","text":"hi <x|y>"},"unknown":1},{"type":"actions","elements":[]},{"type":"mystery","block_id":"b1","text":"dropped"}]'
"""
SLACK_OK = {"routes": [
    {"path": "/api/chat.postMessage", "replies": [
        {"json": {"ok": True, "channel": "C0TEST", "ts": "$SEQ.000100"}}]},
    {"path": "/api/chat.update", "replies": [
        {"json": {"ok": True, "channel": "C0TEST", "ts": "1.000100"}}]}]}


def check_slack_post(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq(r["path"], "/api/chat.postMessage", "path")
    eq(hdr(r, "Content-Type"), "application/x-www-form-urlencoded", "type")
    expect(hdr(r, "Authorization") is None, "token is not a header")
    f = form(r)
    eq(f["token"], SECRETS["slack-token"], "token")
    eq(f["channel"], "alerts", "channel")
    eq(f["text"], "Rollout guestbook is Healthy", "text")
    eq(f["username"], "rollouts-bot", "username")
    eq(f["icon_emoji"], ":rocket:", "icon_emoji")
    # slack-go's types, as upstream re-encodes them: struct order, unknown
    # keys dropped, "short":false in every field, "blocks":null in every
    # attachment, HTML-safe escaping, an empty element list as null, an
    # unknown block keeping only type and block_id
    eq(f["attachments"], '[{"color":"#18be52","title":"guestbook",'
       '"fields":[{"title":"a","value":"b","short":false}],"blocks":null}]',
       "attachments")
    eq(f["blocks"], '[{"type":"section","text":{"type":"mrkdwn","text":'
       '"hi \\u003cx|y\\u003e"}},{"type":"actions","elements":null},'
       '{"type":"mystery","block_id":"b1"}]', "blocks")
    expect("thread_ts" not in f, "no thread without groupingKey")


case("slack-post", "service.slack", SLACK, SLACK_T, "slack:alerts",
     script=SLACK_OK, check=check_slack_post)


def slack_thread_t(policy):
    return ("message: step {{.rollout.metadata.name}}\nslack:\n"
            "  groupingKey: g-{{.rollout.metadata.name}}\n"
            "  notifyBroadcast: true\n  deliveryPolicy: %s\n" % policy)


def check_thread_post(reqs):
    eq([r["path"] for r in reqs], ["/api/chat.postMessage"] * 2, "paths")
    f1, f2 = form(reqs[0]), form(reqs[1])
    expect("thread_ts" not in f1, "first post starts the thread")
    eq(f2.get("thread_ts"), "1.000100", "second post replies in the thread")
    eq(f2.get("reply_broadcast"), "true", "notifyBroadcast")
    eq(f1.get("attachments"), "[]", "slack block present: attachments []")


def check_thread_pau(reqs):
    eq([r["path"] for r in reqs], ["/api/chat.postMessage",
                                   "/api/chat.postMessage",
                                   "/api/chat.update"], "paths")
    f3 = form(reqs[2])
    eq(f3["channel"], "C0TEST", "update goes to the channel ID")
    eq(f3["ts"], "1.000100", "update rewrites the root")
    eq(f3["as_user"], "true", "as_user")
    expect("reply_broadcast" not in f3, "no reply_broadcast on update")


def check_thread_update(reqs):
    eq([r["path"] for r in reqs], ["/api/chat.postMessage",
                                   "/api/chat.update"], "paths")


case("slack-thread-post", "service.slack", SLACK, slack_thread_t("Post"),
     ["slack:alerts", "slack:alerts"], script=SLACK_OK,
     check=check_thread_post)
case("slack-thread-post-and-update", "service.slack", SLACK,
     slack_thread_t("PostAndUpdate"), ["slack:alerts", "slack:alerts"],
     script=SLACK_OK, check=check_thread_pau)
case("slack-thread-update", "service.slack", SLACK, slack_thread_t("Update"),
     ["slack:alerts", "slack:alerts"], script=SLACK_OK,
     check=check_thread_update)
case("slack-channel-not-found", "service.slack", SLACK, SLACK_T,
     "slack:nowhere", script={"default": {"json": {
         "ok": False, "error": "channel_not_found"}}}, ok=False,
     err="channel_not_found", retryable=False, requests=1)
case("slack-429-retry-after", "service.slack", SLACK, SLACK_T,
     "slack:alerts", script={"routes": [{"path": "/api/", "replies": [
         {"status": 429, "headers": {"Retry-After": "1"}},
         {"json": {"ok": True, "channel": "C0TEST", "ts": "1.1"}}]}]},
     requests=2, min_secs=1.0)
case("slack-block-element-unsupported", "service.slack", SLACK,
     "message: m\nslack:\n  blocks: '[{\"type\":\"actions\",\"elements\":"
     "[{\"type\":\"file_input\"}]}]'\n", "slack:alerts", script=SLACK_OK,
     ok=False, err="failed to unmarshal blocks '[{\"type\":\"actions\","
     "\"elements\":[{\"type\":\"file_input\"}]}]' : unsupported block element "
     "type file_input", retryable=False, requests=0)
case("slack-attachment-type-error", "service.slack", SLACK,
     "message: m\nslack:\n  attachments: '[{\"title\":5}]'\n",
     "slack:alerts", script=SLACK_OK, ok=False,
     err="json: cannot unmarshal number into Go struct field "
     "Attachment.title of type string", retryable=False, requests=0)
case("slack-500", "service.slack", SLACK, SLACK_T, "slack:alerts",
     script={"default": {"status": 500}}, ok=False,
     err="slack server error: 500", retryable=True, requests=1)

# ---- mattermost ----

MM = "apiURL: http://127.0.0.1:PORT\ntoken: $mm-token\n"
MM_T = """message: hello {{.rollout.metadata.name}}
mattermost:
  attachments: '[{"title":"{{.rollout.metadata.name}}"}]'
"""


def check_mm(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq(r["path"], "/api/v4/posts", "path")
    eq(hdr(r, "Authorization"), "Bearer " + SECRETS["mm-token"], "bearer")
    eq(hdr(r, "Content-Type"), "application/json", "type")
    eq(jbody(r), {"channel_id": "chan1", "message": "hello guestbook",
                  "props": {"attachments": [{"title": "guestbook"}]}}, "body")


case("mattermost-ok", "service.mattermost", MM, MM_T, "mattermost:chan1",
     script={"default": {"status": 201, "json": {"id": "p1"}}},
     check=check_mm)
case("mattermost-403", "service.mattermost", MM, MM_T, "mattermost:chan1",
     script={"default": {"status": 403, "json": {"message": "denied"}}},
     ok=False, err="has failed with error code 403 : ", retryable=False)

# ---- rocketchat ----

RC = """serverUrl: http://127.0.0.1:PORT
email: $rc-user
password: $rc-pass
alias: Rollouts
icon: ":rocket:"
avatar: https://example.com/a.png
"""
RC_T = "message: hi {{.rollout.metadata.name}}\n"
RC_OK = {"routes": [
    {"path": "/api/v1/login", "replies": [{"json": {
        "status": "success", "data": {"authToken": "AT1", "userId": "U1"}}}]},
    {"path": "/api/v1/chat.postMessage", "replies": [{"json": {
        "success": True, "message": {"_id": "m1"}}}]}]}


def check_rc(reqs):
    eq([r["path"] for r in reqs], ["/api/v1/login",
                                   "/api/v1/chat.postMessage"], "paths")
    eq(form(reqs[0]), {"user": SECRETS["rc-user"],
                       "password": SECRETS["rc-pass"]}, "login form")
    p = reqs[1]
    eq(hdr(p, "X-Auth-Token"), "AT1", "X-Auth-Token")
    eq(hdr(p, "X-User-Id"), "U1", "X-User-Id")
    eq(jbody(p), {"channel": "#general", "text": "hi guestbook",
                  "alias": "Rollouts", "emoji": ":rocket:",
                  "avatar": "https://example.com/a.png"}, "post body")


case("rocketchat-ok", "service.rocketchat", RC, RC_T, "rocketchat:#general",
     script=RC_OK, check=check_rc)
# attachments go through the SDK's models.Attachment: "collapsed":false
# in each, unknown keys dropped, fields with "short"
case("rocketchat-attachments", "service.rocketchat", RC,
     RC_T + "rocketchat:\n  attachments: '[{\"title\":\"{{.rollout.metadata."
     "name}}\",\"unknown\":1,\"fields\":[{\"title\":\"a\"}]}]'\n",
     "rocketchat:#general", script=RC_OK,
     check=lambda reqs: eq(reqs[1]["body"],
                           '{"channel":"#general","text":"hi guestbook",'
                           '"alias":"Rollouts","emoji":":rocket:","avatar":'
                           '"https://example.com/a.png","attachments":[{'
                           '"collapsed":false,"title":"guestbook","fields":'
                           '[{"short":false,"title":"a"}]}]}', "post body"))
case("rocketchat-login-401", "service.rocketchat", RC, RC_T,
     "rocketchat:#general", script={"default": {"status": 401, "json": {
         "status": "error", "error": "Unauthorized"}}}, ok=False,
     err="Unauthorized", retryable=False, requests=1)

# ---- teams ----

TEAMS = "recipientUrls:\n  ops: $teams-url\n"
TEAMS_T = """message: fallback {{.rollout.metadata.name}}
teams:
  title: Rollout {{.rollout.metadata.name}}
  themeColor: "#000080"
  sections: '[{"activityTitle":"a"}]'
  facts: '[{"name":"phase","value":"{{.rollout.status.phase}}"}]'
  potentialAction: '[{"@type":"OpenUri","name":"Open","targets":[{"os":"default","uri":"https://x"}]}]'
"""


def check_teams(reqs):
    eq(len(reqs), 1, "requests")
    b = jbody(reqs[0])
    eq(reqs[0]["path"], "/webhookb2/SeCrEtTeams1234abcd", "path")
    eq(b["@type"], "MessageCard", "@type")
    eq(b["context"], "https://schema.org/extensions", "context key quirk")
    eq(b["title"], "Rollout guestbook", "title")
    eq(b["text"], "fallback guestbook", "text defaults to message")
    eq(b["summary"], "", "summary always present")
    eq(b["sections"], [{"activityTitle": "a"},
                       {"facts": [{"name": "phase", "value": "Healthy"}]}],
       "facts appended as the last section")
    eq(b["potentialAction"][0]["name"], "Open", "potentialAction")


case("teams-ok", "service.teams", TEAMS, TEAMS_T, "teams:ops",
     script={"default": {"body": "1"}}, check=check_teams)
case("teams-template-passthrough", "service.teams", TEAMS,
     "teams:\n  template: '{\"raw\": {{.rollout.spec.replicas}}}'\n",
     "teams:ops", script={"default": {"body": "1"}},
     check=lambda reqs: eq(reqs[0]["body"], '{"raw": 3}', "raw body"))
case("teams-empty-body-ok", "service.teams", TEAMS, TEAMS_T, "teams:ops",
     script={"default": {"status": 200, "body": ""}}, requests=1)
case("teams-body-not-1", "service.teams", TEAMS, TEAMS_T, "teams:ops",
     script={"default": {"status": 400, "body": "Bad payload"}}, ok=False,
     err="teams webhook post error: Bad payload", retryable=False)
case("teams-unknown-recipient", "service.teams", TEAMS, TEAMS_T,
     "teams:dev", ok=False, err="no teams webhook configured for recipient dev",
     retryable=False, requests=0)

# ---- teams-workflows ----

TW = "recipientUrls:\n  ops: $tw-url\n  bad: http://example.com/powerautomate/x\n"
TW_T = TEAMS_T.replace("teams:", "teams-workflows:")


def check_tw(reqs):
    eq(len(reqs), 1, "requests")
    b = jbody(reqs[0])
    eq(b["type"], "message", "envelope")
    att = b["attachments"][0]
    eq(att["contentType"], "application/vnd.microsoft.card.adaptive", "ct")
    card = att["content"]
    eq(card["type"], "AdaptiveCard", "card")
    eq(card["version"], "1.4", "version")
    eq(card["body"][0], {"type": "TextBlock", "text": "Rollout guestbook",
                         "size": "Large", "weight": "Bolder",
                         "color": "#000080", "wrap": True}, "title block")
    eq(card["body"][1], {"type": "TextBlock", "text": "fallback guestbook",
                         "wrap": True}, "text block")
    eq(card["body"][2], {"type": "FactSet", "facts": [
        {"title": "phase", "value": "Healthy"}]}, "facts")
    eq(card["actions"], [{"type": "Action.OpenUrl", "title": "Open",
                          "url": "https://x"}], "actions")


case("teams-workflows-ok", "service.teams-workflows", TW, TW_T,
     "teams-workflows:ops", script={"default": {"status": 202}},
     check=check_tw)
case("teams-workflows-http-rejected", "service.teams-workflows", TW, TW_T,
     "teams-workflows:bad", ok=False,
     err="invalid webhook URL for recipient bad: webhook URL must use HTTPS "
     "scheme", retryable=False,
     requests=0)
# adaptiveCard: upstream's json.RawMessage, compacted and HTML-escaped by
# json.Marshal, members in the author's order
case("teams-workflows-adaptive-card", "service.teams-workflows", TW,
     "teams-workflows:\n  adaptiveCard: |\n    { \"version\": \"1.5\", "
     "\"type\": \"AdaptiveCard\",\n      \"body\": [ {\"type\": \"TextBlock\", "
     "\"text\": \"<b> & {{.rollout.metadata.name}}\"} ] }\n",
     "teams-workflows:ops", script={"default": {"status": 202}},
     check=lambda reqs: eq(reqs[0]["body"],
                           '{"type":"message","attachments":[{"contentType":'
                           '"application/vnd.microsoft.card.adaptive",'
                           '"content":{"version":"1.5","type":"AdaptiveCard",'
                           '"body":[{"type":"TextBlock","text":"\\u003cb\\u003e '
                           '\\u0026 guestbook"}]}}]}', "envelope"))
case("teams-workflows-500", "service.teams-workflows", TW, TW_T,
     "teams-workflows:ops", script={"default": {"status": 500}}, ok=False,
     err="teams workflows webhook post error (status 500): no error details "
     "provided", retryable=True)

# ---- googlechat ----

GC = "webhooks:\n  space: $gchat-url\n"


def check_gc_thread(reqs):
    eq(len(reqs), 1, "requests")
    q = dict(urllib.parse.parse_qsl(reqs[0]["query"]))
    eq(q, {"key": "SeCrEtKey99", "token": "SeCrEtTok88",
           "threadKey": "t-guestbook",
           "messageReplyOption": "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"},
       "query")
    eq(jbody(reqs[0]), {"text": "hello guestbook"}, "body")


def check_gc_cards(reqs):
    b = jbody(reqs[0])
    eq(b["text"], "", "text empty with cards")
    c = b["cardsV2"][0]
    expect(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        c["cardId"]), "cardId is a UUIDv4")
    eq(c["card"], {"header": {"title": "guestbook"}}, "card")


case("googlechat-thread", "service.googlechat", GC,
     "message: hello {{.rollout.metadata.name}}\ngooglechat:\n"
     "  threadKey: t-{{.rollout.metadata.name}}\n", "googlechat:space",
     script={"default": {"json": {"name": "spaces/S/messages/M"}}},
     check=check_gc_thread)
case("googlechat-cards-v2", "service.googlechat", GC,
     "message: x\ngooglechat:\n  cardsV2: |\n    - header:\n"
     "        title: {{.rollout.metadata.name}}\n", "googlechat:space",
     script={"default": {"json": {"name": "spaces/S/messages/M"}}},
     check=check_gc_cards)
# cards go through chat/v1's types as upstream decodes and re-encodes
# them: members in the structs' order, empty values and unknown keys left
# out, {"card": ..., "cardId": ...} in CardWithId's order
GC_CARDS_T = """message: x
googlechat:
  cards: |
    - header: {title: "{{.rollout.metadata.name}}", subtitle: ""}
      unknown: 1
      sections:
        - widgets:
            - textParagraph: {text: "<b>hi</b>"}
            - keyValue: {topLabel: phase, content: Healthy, contentMultiline: false}
  cardsV2: |
    - sections: [{widgets: [{textParagraph: {text: t}}]}]
      header: {title: h, subtitle: ""}
"""


def check_gc_both(reqs):
    b = reqs[0]["body"]
    m = re.fullmatch(r'(.*"cardId":")([0-9a-f-]{36})("}\]\})', b)
    expect(m, "cardId last in each CardWithId: " + b)
    eq(m.group(1), '{"text":"","cards":[{"header":{"title":"guestbook"},'
       '"sections":[{"widgets":[{"textParagraph":{"text":"\\u003cb\\u003ehi'
       '\\u003c/b\\u003e"}},{"keyValue":{"content":"Healthy","topLabel":'
       '"phase"}}]}]}],"cardsV2":[{"card":{"header":{"title":"h"},'
       '"sections":[{"widgets":[{"textParagraph":{"text":"t"}}]}]},"cardId":"',
       "body")


case("googlechat-cards-sdk-shape", "service.googlechat", GC, GC_CARDS_T,
     "googlechat:space", script={"default": {"json": {
         "name": "spaces/S/messages/M"}}}, check=check_gc_both)
# cardsV2 through chat.GoogleAppsCardV1Card (google.golang.org/api v0.227.0):
# unknown keys dropped at every level, keys matched case-insensitively,
# members in the structs' order, empty values left out (an empty widget
# and `divider: {}` stay {}), colors through JSONFloat64 (0 left out),
# valueMsEpoch an int64 `,string` (quoted both ways), a whole float into an
# int64 (YAML 2.0 reaches Go as 2)
GC_V2_T = """message: x
googlechat:
  cardsV2: |
    - Header: {title: "{{.rollout.metadata.name}}", subtitle: "", bogus: 1}
      cardActions: []
      sections:
        - header: Status
          collapsible: false
          widgets:
            - decoratedText:
                topLabel: phase
                text: Healthy
                startIcon: {knownIcon: STAR}
                switchControl: {name: s, selected: false}
                extra: dropped
            - divider: {}
            - buttonList:
                buttons:
                  - text: Open
                    color: {red: 1, green: 0, blue: 0.5}
                    onClick: {openLink: {url: "https://example.com/r"}}
            - dateTimePicker: {name: when, valueMsEpoch: "1672574400000", timezoneOffsetDate: 0}
            - grid: {columnCount: 2.0, items: [{title: a, layout: ""}]}
            - textParagraph: {TEXT: "<b>done</b>", maxLines: 0}
            - unknownWidget: {x: 1}
    - null
"""


def check_gc_v2(reqs):
    eq(len(reqs), 1, "requests")
    b = reqs[0]["body"]
    ids = re.findall(r'"cardId":"([0-9a-f-]{36})"', b)
    eq(len(ids), 2, "a cardId per card")
    expect(ids[0] != ids[1], "distinct cardIds")
    want = ('{"text":"","cardsV2":[{"card":{"header":{"title":"guestbook"},'
            '"sections":[{"header":"Status","widgets":['
            '{"decoratedText":{"startIcon":{"knownIcon":"STAR"},'
            '"switchControl":{"name":"s"},"text":"Healthy","topLabel":"phase"}},'
            '{"divider":{}},'
            '{"buttonList":{"buttons":[{"color":{"blue":0.5,"red":1},'
            '"onClick":{"openLink":{"url":"https://example.com/r"}},'
            '"text":"Open"}]}},'
            '{"dateTimePicker":{"name":"when","valueMsEpoch":"1672574400000"}},'
            '{"grid":{"columnCount":2,"items":[{"title":"a"}]}},'
            '{"textParagraph":{"text":"\\u003cb\\u003edone\\u003c/b\\u003e"}},'
            '{}]}]},"cardId":"ID0"},{"card":{},"cardId":"ID1"}]}')
    eq(b.replace(ids[0], "ID0").replace(ids[1], "ID1"), want, "body")


case("googlechat-cards-v2-sdk-types", "service.googlechat", GC, GC_V2_T,
     "googlechat:space", script={"default": {"json": {
         "name": "spaces/S/messages/M"}}}, check=check_gc_v2)
# an int64 tagged `,string` takes only a quoted number, as upstream
case("googlechat-cards-v2-unquoted-epoch", "service.googlechat", GC,
     "message: x\ngooglechat:\n  cardsV2: |\n    - sections: [{widgets: "
     "[{dateTimePicker: {valueMsEpoch: 1672574400000}}]}]\n",
     "googlechat:space", ok=False, retryable=False, requests=0,
     err="cannot create message: error unmarshaling JSON: json: invalid use "
     "of ,string struct tag, trying to unmarshal unquoted value into int64")
case("googlechat-cards-v2-not-a-list", "service.googlechat", GC,
     "message: x\ngooglechat:\n  cardsV2: |\n    header: {title: t}\n",
     "googlechat:space", ok=False, retryable=False, requests=0,
     err="cannot create message: error unmarshaling JSON: json: cannot "
     "unmarshal object into Go value of type []chat.GoogleAppsCardV1Card")
# legacy cards: chat.CardHeader has no imageAltText; a zero aspectRatio
# is left out
case("googlechat-cards-legacy-fields", "service.googlechat", GC,
     "message: x\ngooglechat:\n  cards: |\n    - header: {title: t, "
     "imageAltText: alt}\n      sections: [{widgets: [{image: {imageUrl: u, "
     "aspectRatio: 0}}, {image: {imageUrl: v, aspectRatio: 1.5}}]}]\n",
     "googlechat:space", script={"default": {"json": {
         "name": "spaces/S/messages/M"}}},
     check=lambda reqs: eq(reqs[0]["body"],
                           '{"text":"","cards":[{"header":{"title":"t"},'
                           '"sections":[{"widgets":[{"image":{"imageUrl":'
                           '"u"}},{"image":{"aspectRatio":1.5,"imageUrl":'
                           '"v"}}]}]}]}', "body"))
case("googlechat-error", "service.googlechat", GC, "message: x\n",
     "googlechat:space", script={"default": {"status": 400, "json": {
         "error": {"code": 400, "message": "bad", "status":
                   "INVALID_ARGUMENT"}}}}, ok=False,
     err="code=400 status=INVALID_ARGUMENT message=bad", retryable=False)
case("googlechat-not-json", "service.googlechat", GC, "message: x\n",
     "googlechat:space", script={"default": {"body": "<html>"}}, ok=False,
     err="cannot send message: ", retryable=False)

# ---- webex ----

WX = "token: $webex-token\napiURL: http://127.0.0.1:PORT/\n"


def check_webex(reqs):
    eq(reqs[0]["path"], "/v1/messages", "path")
    eq(hdr(reqs[0], "Authorization"), "Bearer " + SECRETS["webex-token"],
       "bearer")
    eq(jbody(reqs[0]), {"toPersonEmail": "ops@example.com",
                        "markdown": "hi guestbook"}, "body")


case("webex-email", "service.webex", WX, "message: hi {{.rollout.metadata.name}}\n",
     "webex:ops@example.com", script={"default": {"json": {"id": "m"}}},
     check=check_webex)
case("webex-room", "service.webex", WX, "message: hi\n", "webex:ROOM1",
     script={"default": {"json": {"id": "m"}}},
     check=lambda reqs: eq(jbody(reqs[0]), {"roomId": "ROOM1",
                                            "markdown": "hi"}, "body"))
case("webex-201-is-failure", "service.webex", WX, "message: hi\n",
     "webex:ROOM1", script={"default": {"status": 201, "json": {}}},
     ok=False, err="has failed with error code 201 : {}", retryable=False)

# ---- telegram ----

TG = "token: $tg-token\napiURL: http://127.0.0.1:PORT\n"
TG_OK = {"default": {"json": {"ok": True, "result": {
    "id": 1, "is_bot": True, "username": "bot", "message_id": 1}}}}


def tg_form(**kw):
    """sendMessage as the SDK writes it: MessageConfig's fixed fields."""
    f = {"business_connection_id": "", "entities": "null",
         "link_preview_options": "{}", "parse_mode": "Markdown",
         "reply_parameters": '{"message_id":0}'}
    f.update(kw)
    return f


def check_tg_thread(reqs):
    tok = SECRETS["tg-token"]
    eq([(r["method"], r["path"], r["query"]) for r in reqs],
       [("POST", "/bot%s/getMe" % tok, ""),
        ("POST", "/bot%s/sendMessage" % tok, "")], "requests")
    for r in reqs:
        eq(hdr(r, "Content-Type"), "application/x-www-form-urlencoded",
           "Content-Type")
        eq(hdr(r, "User-Agent"), "Go-http-client/1.1", "User-Agent")
    eq(reqs[0]["body"], "", "getMe has an empty form")
    # the bytes of url.Values.Encode(): keys sorted
    eq(reqs[1]["body"], "business_connection_id=&chat_id=-100123&"
       "entities=null&link_preview_options=%7B%7D&message_thread_id=7&"
       "parse_mode=Markdown&reply_parameters=%7B%22message_id%22%3A0%7D&"
       "text=hi+guestbook", "form")


case("telegram-chat-thread", "service.telegram", TG,
     "message: hi {{.rollout.metadata.name}}\n", "telegram:-100123|7",
     script=TG_OK, check=check_tg_thread)
case("telegram-channel-at", "service.telegram", TG, "message: hi\n",
     "telegram:mychannel", script=TG_OK,
     check=lambda reqs: eq(form(reqs[1]), tg_form(chat_id="@mychannel",
                                                  text="hi"),
                           "@ prepended"))
case("telegram-chat-not-found", "service.telegram", TG, "message: hi\n",
     "telegram:-100123", script={"routes": [
         {"path": "/", "replies": [TG_OK["default"], {"status": 400, "json": {
             "ok": False, "error_code": 400,
             "description": "Bad Request: chat not found"}}]}]},
     ok=False, err="Bad Request: chat not found", retryable=False,
     requests=2)

# ---- pushover ----

PO = "token: $po-token\napiURL: http://127.0.0.1:PORT/1\n"
PO_HDRS = {"X-Limit-App-Limit": "10000", "X-Limit-App-Remaining": "9999",
           "X-Limit-App-Reset": "1700000000"}


def check_po(reqs):
    eq(reqs[0]["path"], "/1/messages.json", "path")
    eq(form(reqs[0]), {"token": SECRETS["po-token"], "user": PO_USER,
                       "message": "hi guestbook", "priority": "0"}, "form")


case("pushover-ok", "service.pushover", PO,
     "message: hi {{.rollout.metadata.name}}\n", "pushover:" + PO_USER,
     script={"default": {"json": {"status": 1, "request": "r"},
                         "headers": PO_HDRS}}, check=check_po)
case("pushover-errors", "service.pushover", PO, "message: hi\n",
     "pushover:" + PO_USER, script={"default": {"status": 400, "json": {
         "status": 0, "errors": ["user identifier is invalid"]}}},
     ok=False, err="user identifier is invalid", retryable=False)
case("pushover-bad-recipient", "service.pushover", PO, "message: hi\n",
     "pushover:short", ok=False, err="invalid recipient token",
     retryable=False, requests=0)
case("pushover-missing-limit-headers", "service.pushover", PO,
     "message: hi\n", "pushover:" + PO_USER, script={"default": {
         "json": {"status": 1, "request": "r"}}}, ok=False,
     err="invalid headers in server response", retryable=False)


# ---- grafana ----

GF = "apiUrl: http://127.0.0.1:PORT/api?orgId=2\napiKey: $grafana-key\n"


def check_grafana(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq(r["path"], "/api/annotations", "path joined")
    eq(r["query"], "orgId=2", "query kept")
    eq(hdr(r, "Authorization"), "Bearer " + SECRETS["grafana-key"], "bearer")
    b = jbody(r)
    eq(b["tags"], ["rollouts", "prod"], "tags from the recipient")
    eq(b["isRegion"], False, "isRegion")
    eq(b["text"], "deployed guestbook", "text")
    expect(b["time"] % 1000 == 0 and abs(b["time"] / 1000 - time.time()) < 30,
           "time is now, in whole seconds as ms")


case("grafana-ok", "service.grafana", GF,
     "message: deployed {{.rollout.metadata.name}}\n", "grafana:rollouts|prod",
     script={"default": {"json": {"id": 1, "message": "Annotation added"}}},
     check=check_grafana)
case("grafana-500", "service.grafana", GF, "message: x\n", "grafana:t",
     script={"default": {"status": 500, "body": "db down"}}, ok=False,
     err="has failed with error code 500 : db down", retryable=True)

# ---- opsgenie ----

OG = "apiUrl: 127.0.0.1:PORT\napiKeys:\n  team-a: $og-key\n"
OG_T = """message: Rollout {{.rollout.metadata.name}} failed
opsgenie:
  description: "{{.rollout.metadata.name}} is {{.rollout.status.phase}}"
  priority: P1
  alias: ro-{{.rollout.metadata.name}}
  tags: [rollouts, "{{.rollout.metadata.namespace}}"]
  details: {phase: "{{.rollout.status.phase}}"}
  visibleTo: [{type: team, name: ops}]
"""


def check_og(reqs):
    r = reqs[-1]
    eq(r["path"], "/v2/alerts", "path")
    eq(hdr(r, "Authorization"), "GenieKey " + SECRETS["og-key"], "GenieKey")
    eq(jbody(r), {"message": "Rollout guestbook failed",
                  "alias": "ro-guestbook",
                  "description": "guestbook is Healthy",
                  "responders": [{"type": "team", "id": "team-a",
                                  "username": ""}],
                  "visibleTo": [{"type": "team", "name": "ops",
                                 "username": ""}],
                  "tags": ["rollouts", "default"],
                  "details": {"phase": "Healthy"},
                  "source": "Argo CD", "priority": "P1"}, "body")


OG_OK = {"status": 202, "json": {"result": "Request will be processed",
                                 "took": 0.1, "requestId": "r1"}}
case("opsgenie-ok", "service.opsgenie", OG, OG_T, "opsgenie:team-a",
     script={"default": OG_OK}, check=check_og)
case("opsgenie-503-then-ok", "service.opsgenie", OG, OG_T, "opsgenie:team-a",
     script={"routes": [{"path": "/", "replies": [
         {"status": 503, "headers": {"Retry-After": "0"}},
         {"status": 503, "headers": {"Retry-After": "0"}}, OG_OK]}]},
     requests=3, check=check_og)
case("opsgenie-422", "service.opsgenie", OG, OG_T, "opsgenie:team-a",
     script={"default": {"status": 422, "json": {
         "message": "Invalid", "took": 0, "requestId": "x"}}}, ok=False,
     err="Error occurred with Status code: 422, Message: Invalid",
     retryable=False, requests=1)

# ---- pagerdutyv2 ----

PD2 = "serviceKeys:\n  svc-a: $pd-key\napiURL: http://127.0.0.1:PORT\n"
PD2_T = """message: unused
pagerdutyv2:
  summary: "{{.rollout.metadata.name}} degraded"
  severity: critical
  source: argo-rollouts
  group: "{{.rollout.metadata.namespace}}"
  url: https://argo.example/{{.rollout.metadata.name}}
  dedupKey: ro-{{.rollout.metadata.name}}
"""


def check_pd2(reqs):
    eq(reqs[0]["path"], "/v2/enqueue", "path")
    expect(hdr(reqs[0], "Authorization") is None, "no auth header")
    eq(jbody(reqs[0]), {"routing_key": SECRETS["pd-key"],
                        "event_action": "trigger",
                        "dedup_key": "ro-guestbook",
                        "payload": {"summary": "guestbook degraded",
                                    "source": "argo-rollouts",
                                    "severity": "critical",
                                    "group": "default"},
                        "client": "ArgoCD",
                        "client_url": "https://argo.example/guestbook"},
       "body")


PD2_OK = {"status": 202, "json": {"status": "success",
                                  "message": "Event processed",
                                  "dedup_key": "ro-guestbook"}}
case("pagerdutyv2-ok", "service.pagerdutyv2", PD2, PD2_T,
     "pagerdutyv2:svc-a", script={"default": PD2_OK}, check=check_pd2)
case("pagerdutyv2-400", "service.pagerdutyv2", PD2, PD2_T,
     "pagerdutyv2:svc-a", script={"default": {"status": 400, "json": {
         "status": "invalid event", "message": "Event object is invalid",
         "errors": ["'routing_key' is missing"]}}}, ok=False,
     err="status code 400, status: invalid event", retryable=False)
case("pagerdutyv2-200-is-failure", "service.pagerdutyv2", PD2, PD2_T,
     "pagerdutyv2:svc-a", script={"default": {"status": 200, "json": {}}},
     ok=False, err="status code 200", retryable=False)
case("pagerdutyv2-no-block", "service.pagerdutyv2", PD2, "message: x\n",
     "pagerdutyv2:svc-a", ok=False, err="no config found for pagerdutyv2",
     retryable=False, requests=0)


# ---- pagerduty (REST incidents) ----

PD = ("token: $pd-token\nfrom: oncall@example.com\nserviceId: ignored\n"
      "apiURL: http://127.0.0.1:PORT\n")
PD_T = """pagerduty:
  title: "Rollout {{.rollout.metadata.name}} aborted"
  body: "see {{.rollout.metadata.namespace}}"
  urgency: high
"""


def check_pd(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq((r["method"], r["path"], r["query"]), ("POST", "/incidents", ""),
       "request line")
    eq(hdr(r, "Authorization"), "Token token=" + SECRETS["pd-token"], "auth")
    eq(hdr(r, "From"), "oncall@example.com", "From")
    eq(hdr(r, "Accept"), "application/vnd.pagerduty+json;version=2", "Accept")
    eq(hdr(r, "Content-Type"), "application/json", "Content-Type")
    eq(hdr(r, "User-Agent"), "go-pagerduty/1.8.0", "User-Agent")
    # go-pagerduty's CreateIncidentOptions, byte for byte: field order,
    # upstream's TAB after incident_details, a priority reference without
    # an id (the SDK omits empty ids)
    eq(r["body"], '{"incident":{"type":"incident","title":"Rollout guestbook '
       'aborted","service":{"id":"PSVC1","type":"service_reference"},'
       '"priority":{"type":"priority"},"urgency":"high","body":{"type":'
       '"incident_details\\t","details":"see default"}}}', "body")


case("pagerduty-ok", "service.pagerduty", PD, PD_T, "pagerduty:PSVC1",
     script={"default": {"status": 201, "json": {
         "incident": {"id": "P1", "incident_number": 1}}}}, check=check_pd)
case("pagerduty-400", "service.pagerduty", PD, PD_T, "pagerduty:PSVC1",
     script={"default": {"status": 400, "json": {"error": {
         "code": 2001, "message": "Invalid Input Provided",
         "errors": ["x"]}}}}, ok=False,
     err="status code 400, message: Invalid Input Provided (code: 2001)",
     retryable=False)
case("pagerduty-no-block", "service.pagerduty", PD, "message: x\n",
     "pagerduty:PSVC1", ok=False, err="no pagerduty block", retryable=False,
     requests=0)


# ---- newrelic ----

NR = "apiKey: $nr-key\napiURL: http://127.0.0.1:PORT/\n"
NR_T = """message: deployed {{.rollout.metadata.name}}
newrelic:
  revision: "{{.rollout.status.phase}}"
  user: argo
"""


def check_nr(reqs):
    eq(len(reqs), 1, "requests")
    r = reqs[0]
    eq((r["method"], r["path"], r["query"]),
       ("POST", "/v2/applications/12345/deployments.json", ""), "request line")
    eq(hdr(r, "X-Api-Key"), SECRETS["nr-key"], "X-Api-Key")
    eq(hdr(r, "Content-Type"), "application/json", "Content-Type")
    eq(hdr(r, "User-Agent"), "Go-http-client/1.1", "User-Agent")
    eq(r["body"], '{"deployment":{"revision":"Healthy","description":'
       '"deployed guestbook","user":"argo"}}', "body")


case("newrelic-ok", "service.newrelic", NR, NR_T, "newrelic:12345",
     script={"default": {"status": 201, "json": {"deployment": {}}}},
     check=check_nr)
case("newrelic-status-ignored", "service.newrelic", NR, NR_T,
     "newrelic:12345", script={"default": {"status": 500}}, requests=1)
# the recipient goes into the URL path: only an application ID is sent
for n, rcpt in (("traversal", "1/../../v2/users"), ("query", "1?x=y"),
                ("name", "my-app")):
    case("newrelic-bad-recipient-" + n, "service.newrelic", NR, NR_T,
         "newrelic:" + rcpt, ok=False,
         err='invalid application ID "%s"' % rcpt, retryable=False,
         requests=0)
case("newrelic-no-block", "service.newrelic", NR, "message: x\n",
     "newrelic:1", ok=False, err="config is missing", retryable=False,
     requests=0)


# ---- github ----

GH_KEY = {}  # path of the throwaway App key, made in main()
GH = """appID: 12345
installationID: "42"
privateKey: $gh-key
enterpriseBaseURL: http://127.0.0.1:PORT/api/v3
"""
GH_T = """message: Rollout {{.rollout.metadata.name}} is healthy
github:
  repoURLPath: "https://github.com/argo/demo.git"
  revisionPath: "abc123"
  status: {state: success, label: "cd/{{.rollout.metadata.name}}", targetURL: "https://argo/x"}
  deployment: {state: success, environment: prod, environmentURL: "https://prod", logURL: "https://log", autoMerge: false}
  pullRequestComment: {content: "deployed {{.rollout.metadata.name}}", commentTag: t1}
  checkRun: {name: rollout, conclusion: success, details_url: "https://argo/x", output: {title: T, summary: S}}
  repositoryDispatch: {event_type: deployed, client_payload: '{"name":"{{.rollout.metadata.name}}"}'}
"""
R = "/api/v3/repos/argo/demo/"
GH_OK = {"routes": [
    {"path": "/api/v3/app/installations/42/access_tokens", "method": "POST",
     "replies": [{"status": 201, "json": {
         "token": "ghs_TESTTOKEN", "expires_at": "2099-01-01T00:00:00Z"}}]},
    {"path": R + "statuses/abc123", "method": "POST",
     "replies": [{"status": 201, "json": {}}]},
    {"path": R + "deployments/7/statuses", "method": "POST",
     "replies": [{"status": 201, "json": {}}]},
    {"path": R + "deployments", "method": "GET", "replies": [{"json": []}]},
    {"path": R + "deployments", "method": "POST",
     "replies": [{"status": 201, "json": {"id": 7}}]},
    {"path": R + "commits/abc123/pulls", "method": "GET",
     "replies": [{"json": [{"number": 5}, {"number": 6}]}]},
    {"path": R + "issues/5/comments", "method": "GET", "replies": [{"json": [
        {"id": 99, "body": "old\n<!-- argocd-notifications t1 -->"}]}]},
    {"path": R + "issues/6/comments", "method": "GET",
     "replies": [{"json": []}]},
    {"path": R + "issues/comments/99", "method": "PATCH",
     "replies": [{"json": {}}]},
    {"path": R + "issues/6/comments", "method": "POST",
     "replies": [{"status": 201, "json": {}}]},
    {"path": R + "check-runs", "method": "POST",
     "replies": [{"status": 201, "json": {}}]},
    {"path": R + "dispatches", "method": "POST",
     "replies": [{"status": 204}]}]}


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify_jwt(jwt):
    h, c, sig = jwt.split(".")
    claims = json.loads(b64url(c))
    eq(json.loads(b64url(h)), {"alg": "RS256", "typ": "JWT"}, "JWT header")
    eq(claims["iss"], "12345", "iss")
    eq(claims["exp"] - claims["iat"], 120, "exp - iat")
    verify_jwt_sig(jwt)


def verify_jwt_sig(jwt):
    h, c, sig = jwt.split(".")
    tmp = tempfile.mkdtemp(prefix="rn-jwt-")
    try:
        for name, data in (("in", (h + "." + c).encode()),
                           ("sig", b64url(sig))):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        pub = os.path.join(tmp, "pub.pem")
        subprocess.run(["openssl", "rsa", "-in", GH_KEY["path"], "-pubout",
                        "-out", pub], check=True, capture_output=True)
        p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub,
                            "-signature", os.path.join(tmp, "sig"),
                            os.path.join(tmp, "in")], capture_output=True)
        expect(p.returncode == 0, "JWT signature verifies")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_gh(reqs):
    calls = [(r["method"], r["path"].replace(R, "R/")) for r in reqs]
    eq(calls, [
        ("POST", "/api/v3/app/installations/42/access_tokens"),
        ("POST", "R/statuses/abc123"), ("GET", "R/deployments"),
        ("POST", "R/deployments"), ("POST", "R/deployments/7/statuses"),
        ("GET", "R/commits/abc123/pulls"), ("GET", "R/issues/5/comments"),
        ("PATCH", "R/issues/comments/99"), ("GET", "R/issues/6/comments"),
        ("POST", "R/issues/6/comments"), ("POST", "R/check-runs"),
        ("POST", "R/dispatches"),
        # the second send has its own instance here (svc_driver and the
        # CLI make one per send): a new token; test_build checks the cache
        ("POST", "/api/v3/app/installations/42/access_tokens")], "calls")
    verify_jwt(hdr(reqs[0], "Authorization").split()[1])
    for r in reqs[1:12]:
        eq(hdr(r, "Authorization"), "token ghs_TESTTOKEN", "installation token")
    # go-github's bodies, byte for byte: its structs' member order, no
    # HTML escaping, a newline after the JSON (json.Encoder)
    eq(reqs[0]["body"], "null\n", "token request: ghinstallation's nil options")
    eq(reqs[1]["body"], '{"state":"success","target_url":"https://argo/x",'
       '"description":"Rollout guestbook is healthy","context":"cd/guestbook"}'
       '\n', "status")
    eq(dict(urllib.parse.parse_qsl(reqs[2]["query"])),
       {"environment": "prod", "ref": "abc123"}, "deployments query")
    eq(reqs[3]["body"], '{"ref":"abc123","auto_merge":false,'
       '"required_contexts":null,"environment":"prod",'
       '"transient_environment":false}\n', "deployment")
    eq(reqs[4]["body"], '{"state":"success","log_url":"https://log",'
       '"description":"Rollout guestbook is healthy","environment":"prod",'
       '"environment_url":"https://prod"}\n', "deployment status")
    # upstream's marker twice: its templater appends it to the content,
    # its Send appends it again (update and create alike)
    twice = ('{"body":"deployed guestbook\\n<!-- argocd-notifications t1 -->'
             '\\n<!-- argocd-notifications t1 -->"}\n')
    eq(reqs[7]["body"], twice, "comment update")
    eq(reqs[9]["body"], twice, "comment create")
    eq(reqs[10]["body"], '{"name":"rollout","head_sha":"abc123",'
       '"details_url":"https://argo/x","external_id":"argocd-notifications",'
       '"status":"completed","conclusion":"success","output":{"title":"T",'
       '"summary":"S","text":""}}\n', "check run")
    eq(reqs[11]["body"], '{"event_type":"deployed","client_payload":'
       '{"name":"guestbook"}}\n', "dispatch")
    for r in reqs[1:12]:
        eq(hdr(r, "User-Agent"), "go-github/v69.2.0", "User-Agent")
        eq(hdr(r, "X-Github-Api-Version"), "2022-11-28", "API version")
        eq(hdr(r, "Accept"), "application/vnd.github.v3+json", "Accept")


GH_ONE = GH_T.split("  deployment:")[0]
case("github-all-actions", "service.github", GH, GH_T, ["github:", "github:"],
     script=GH_OK, requests=24, check=lambda reqs: check_gh(reqs[:13]))
# the comment tag is used verbatim (braces and all), as upstream: the
# marker of a comment upstream wrote is found and the comment updated
GH_TAG_T = (GH_T.split("  deployment:")[0] + '  pullRequestComment: '
            '{content: "hi", commentTag: "rollouts/{{.rollout.metadata.name}}"}\n')
GH_TAG = "<!-- argocd-notifications rollouts/{{.rollout.metadata.name}} -->"
GH_PAGE = [{"id": 90 + i, "body": "plan output " + "x" * 80000}
           for i in range(30)] + [{"id": 99, "body": "old\n" + GH_TAG}]


def gh_routes(comments):
    return {"routes": [GH_OK["routes"][0], GH_OK["routes"][1],
                       {"path": R + "commits/abc123/pulls", "method": "GET",
                        "replies": [{"json": [{"number": 5}]}]},
                       {"path": R + "issues/5/comments", "method": "GET",
                        "replies": [{"json": comments}]},
                       {"path": R + "issues/comments/99", "method": "PATCH",
                        "replies": [{"json": {}}]},
                       {"path": R + "issues/5/comments", "method": "POST",
                        "replies": [{"status": 201, "json": {}}]}]}


def check_gh_tag(reqs):
    calls = [(r["method"], r["path"].replace(R, "R/")) for r in reqs]
    eq(calls[-2:], [("GET", "R/issues/5/comments"),
                    ("PATCH", "R/issues/comments/99")], "found and updated")
    eq(jbody(reqs[-1])["body"], "hi\n%s\n%s" % (GH_TAG, GH_TAG), "body")


case("github-comment-tag-verbatim", "service.github", GH, GH_TAG_T,
     "github:", script=gh_routes([{"id": 99, "body": "old\n" + GH_TAG}]),
     check=check_gh_tag)
# a page of comments over 1 MiB (CI bots post plan output) is read whole
case("github-comment-page-over-1mib", "service.github", GH, GH_TAG_T,
     "github:", script=gh_routes(GH_PAGE), check=check_gh_tag)


def check_gh_pile(reqs):
    posts = [jbody(r)["body"] for r in reqs if r["method"] == "POST" and
             r["path"].endswith("/comments")]
    m = "<!-- argocd-notifications t1 -->"
    # upstream's loop keeps the marked body for the next pull request
    eq(posts, ["hi\n%s\n%s" % (m, m), "hi\n%s\n%s\n%s" % (m, m, m)],
       "two new comments")


case("github-comment-marker-piles-up", "service.github", GH,
     GH_T.split("  deployment:")[0] + '  pullRequestComment: '
     '{content: "hi", commentTag: t1}\n', "github:", script={"routes": [
         GH_OK["routes"][0], GH_OK["routes"][1],
         {"path": R + "commits/abc123/pulls", "method": "GET",
          "replies": [{"json": [{"number": 5}, {"number": 6}]}]},
         {"path": R + "issues/", "method": "GET", "replies": [{"json": []}]},
         {"path": R + "issues/", "method": "POST",
          "replies": [{"status": 201, "json": {}}]}]},
     check=check_gh_pile)
case("github-422-statuses", "service.github", GH, GH_ONE, "github:",
     script={"routes": [GH_OK["routes"][0], {
         "path": R + "statuses/", "replies": [{"status": 422, "json": {
             "message": "Validation Failed"}}]}]}, ok=False,
     err="too many commit statuses for sha abc123 and context cd/guestbook",
     retryable=False, requests=2)
case("github-bad-repo-url", "service.github", GH,
     GH_ONE.replace("https://github.com/argo/demo.git", "nonsense"),
     "github:", ok=False, err="GitHub.repoURL (nonsense) does not have a '/'",
     retryable=False, requests=0)


# ---- gcppubsub ----

PS = "project: proj1\ntopic: deploys\n"
PS_T = """message: hello {{.rollout.metadata.name}}
gcppubsub:
  attributes:
    rollout: "{{.rollout.metadata.name}}"
    empty: "{{if false}}x{{end}}"
"""


def check_ps(reqs, auth):
    r = reqs[-1]
    eq((r["method"], r["path"], r["query"]),
       ("POST", "/v1/projects/proj1/topics/deploys:publish", ""), "request")
    eq(hdr(r, "Content-Type"), "application/json", "Content-Type")
    # an attribute that renders empty keeps its template text, as upstream
    eq(r["body"], '{"messages":[{"data":"aGVsbG8gZ3Vlc3Rib29r","attributes":'
       '{"empty":"{{if false}}x{{end}}","rollout":"guestbook"}}]}', "body")
    eq(hdr(r, "Authorization"), auth, "authorization")


PS_OK = {"routes": [
    {"path": "/token", "replies": [{"json": {
        "access_token": "ya29.TEST", "expires_in": 3599,
        "token_type": "Bearer"}}]},
    {"path": "/computeMetadata/", "replies": [{"json": {
        "access_token": "ya29.META", "expires_in": 3599,
        "token_type": "Bearer"}}]},
    {"path": "/v1/", "replies": [{"json": {"messageIds": ["1"]}}]}]}


def check_ps_key(reqs):
    eq(reqs[0]["path"], "/token", "token request first")
    f = form(reqs[0])
    eq(f["grant_type"], "urn:ietf:params:oauth:grant-type:jwt-bearer", "grant")
    claims = json.loads(b64url(f["assertion"].split(".")[1]))
    eq(claims["iss"], "rnotify@proj1.iam.gserviceaccount.com", "iss")
    eq(claims["scope"], "https://www.googleapis.com/auth/pubsub", "scope")
    eq(claims["exp"] - claims["iat"], 3600, "exp - iat")
    verify_jwt_sig(f["assertion"])
    check_ps(reqs, "Bearer ya29.TEST")


case("gcppubsub-emulator", "service.gcppubsub", PS, PS_T, "gcppubsub:",
     env={"PUBSUB_EMULATOR_HOST": "127.0.0.1:PORT"}, script=PS_OK,
     requests=1, check=lambda reqs: check_ps(reqs, None))
case("gcppubsub-key-file", "service.gcppubsub",
     PS + "keyFile: KEYJSON\napiURL: http://127.0.0.1:PORT\n", PS_T,
     "gcppubsub:", script=PS_OK, requests=2, check=check_ps_key)
case("gcppubsub-metadata", "service.gcppubsub",
     PS + "apiURL: http://127.0.0.1:PORT\n", PS_T, "gcppubsub:",
     env={"GCE_METADATA_HOST": "127.0.0.1:PORT"}, script=PS_OK, requests=2,
     check=lambda reqs: check_ps(reqs, "Bearer ya29.META"))
case("gcppubsub-not-found", "service.gcppubsub", PS, PS_T, "gcppubsub:nope",
     env={"PUBSUB_EMULATOR_HOST": "127.0.0.1:PORT"}, script={"default": {
         "status": 404, "json": {"error": {
             "code": 404, "message": "Resource not found (resource=nope).",
             "status": "NOT_FOUND"}}}}, ok=False,
     err="code=404 status=NOT_FOUND", retryable=False)
# a recipient is untrusted: it names one topic of the configured project
# (this one published to projects/other-project/topics/y and succeeded)
case("gcppubsub-topic-traversal", "service.gcppubsub", PS, PS_T,
     "gcppubsub:x/../../../other-project/topics/y",
     env={"PUBSUB_EMULATOR_HOST": "127.0.0.1:PORT"}, script=PS_OK, ok=False,
     err='invalid topic "x/../../../other-project/topics/y"',
     retryable=False, requests=0)
case("gcppubsub-topic-escaped", "service.gcppubsub", PS, PS_T,
     "gcppubsub:a+b%c", env={"PUBSUB_EMULATOR_HOST": "127.0.0.1:PORT"},
     script=PS_OK, requests=1, check=lambda reqs: eq(
         reqs[0]["path"], "/v1/projects/proj1/topics/a+b%25c:publish",
         "one escaped segment"))
# the client library repeats a publish on UNAVAILABLE (and its other
# default codes); NOT_FOUND is final
case("gcppubsub-unavailable-retried", "service.gcppubsub", PS, PS_T,
     "gcppubsub:", env={"PUBSUB_EMULATOR_HOST": "127.0.0.1:PORT"},
     script={"routes": [{"path": "/v1/", "replies": [
         {"status": 503, "json": {"error": {
             "code": 503, "message": "try again", "status": "UNAVAILABLE"}}},
         {"json": {"messageIds": ["1"]}}]}]}, requests=2,
     check=lambda reqs: check_ps(reqs, None))


# ---- awssqs ----

SQS = """queue: deploys
region: eu-west-1
account: "123456789012"
endpointUrl: http://127.0.0.1:PORT/
key: $aws-key
secret: $aws-secret
"""
SQS_T = """message: hello {{.rollout.metadata.name}}
awssqs:
  messageGroupId: "{{.rollout.metadata.namespace}}"
  messageAttributes: {a: b}
"""
SQS_MD5 = hashlib.md5(b"hello guestbook").hexdigest()
SQS_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/deploys"
SQS_OK = {"routes": [{"path": "/", "replies": [
    {"json": {"QueueUrl": SQS_URL}},
    {"json": {"MessageId": "m-1", "MD5OfMessageBody": SQS_MD5}}]}]}


def sigv4_ok(req, secret, region="eu-west-1"):
    """Recompute the request's SigV4 signature with the known secret."""
    auth = hdr(req, "Authorization")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/sqs/"
                 r"aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)$",
                 auth or "")
    expect(m, "Authorization is SigV4: %r" % auth)
    day, names = m.group(2), m.group(4).split(";")
    canon = "".join("%s:%s\n" % (n, hdr(req, n).strip()) for n in names)
    creq = "\n".join([req["method"], req["path"], req["query"], canon,
                      ";".join(names),
                      hashlib.sha256(req["body"].encode()).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", hdr(req, "X-Amz-Date"),
                     "%s/%s/sqs/aws4_request" % (day, region),
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, region, "sqs", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    eq(hmac.new(k, sts.encode(), hashlib.sha256).hexdigest(), m.group(5),
       "SigV4 signature")
    return m.group(1), names


def check_sqs(reqs):
    eq(len(reqs), 2, "requests")
    eq([(r["method"], r["path"], r["query"]) for r in reqs],
       [("POST", "/", "")] * 2, "request lines")
    eq([hdr(r, "X-Amz-Target") for r in reqs],
       ["AmazonSQS.GetQueueUrl", "AmazonSQS.SendMessage"], "targets")
    # the SDK's documents: members sorted, smithy-go's escaping
    eq(reqs[0]["body"], '{"QueueName":"deploys",'
       '"QueueOwnerAWSAccountId":"123456789012"}', "GetQueueUrl body")
    eq(reqs[1]["body"], '{"DelaySeconds":10,"MessageBody":"hello guestbook",'
       '"MessageGroupId":"default","QueueUrl":"%s"}' % SQS_URL,
       "SendMessage body (no messageAttributes, as upstream)")
    for r in reqs:
        eq(hdr(r, "Content-Type"), "application/x-amz-json-1.0", "type")
        eq(hdr(r, "X-Amzn-Query-Mode"), "true", "query mode, as the SDK")
        akid, names = sigv4_ok(r, SECRETS["aws-secret"])
        eq(akid, SECRETS["aws-key"], "access key id")
        eq(names, ["content-length", "content-type", "host", "x-amz-date",
                   "x-amz-target", "x-amzn-query-mode"], "signed headers")


def check_sqs_env(reqs):
    akid, names = sigv4_ok(reqs[1], "env-secret-key")
    eq(akid, "AKIAENVKEY", "access key from the environment")
    expect("x-amz-security-token" in names, "session token signed")
    eq(hdr(reqs[1], "X-Amz-Security-Token"), "tok123", "session token")


case("awssqs-ok", "service.awssqs", SQS, SQS_T, "awssqs:", script=SQS_OK,
     check=check_sqs)
case("awssqs-env-credentials", "service.awssqs",
     "region: eu-west-1\nendpointUrl: http://127.0.0.1:PORT\n", SQS_T,
     "awssqs:deploys", script=SQS_OK, check=check_sqs_env,
     env={"AWS_ACCESS_KEY_ID": "AKIAENVKEY",
          "AWS_SECRET_ACCESS_KEY": "env-secret-key",
          "AWS_SESSION_TOKEN": "tok123"})
case("awssqs-queue-missing", "service.awssqs", SQS, SQS_T, "awssqs:nope",
     script={"default": {"status": 400, "json": {
         "__type": "com.amazonaws.sqs#QueueDoesNotExist",
         "message": "The specified queue does not exist."}}}, ok=False,
     err="QueueDoesNotExist (status 400): The specified queue does not exist.",
     retryable=False, requests=1)
# the SDK's standard retryer: 500/502/503/504 and throttling codes are
# repeated (3 attempts in all), a bare 429 is not
case("awssqs-429-not-retried", "service.awssqs", SQS, SQS_T, "awssqs:",
     script={"default": {"status": 429, "body": "slow down"}}, ok=False,
     err="(status 429)", retryable=False, requests=1)
case("awssqs-throttled-retried", "service.awssqs", SQS, SQS_T, "awssqs:",
     script={"routes": [{"path": "/", "replies": [
         {"status": 400, "json": {
             "__type": "com.amazonaws.sqs#ThrottlingException",
             "message": "Rate exceeded"}},
         {"json": {"QueueUrl": SQS_URL}},
         {"json": {"MessageId": "m-1", "MD5OfMessageBody": SQS_MD5}}]}]},
     requests=3)
case("awssqs-503-retried", "service.awssqs", SQS, SQS_T, "awssqs:",
     script={"routes": [{"path": "/", "replies": [
         {"status": 503, "body": "busy"},
         {"json": {"QueueUrl": SQS_URL}},
         {"json": {"MessageId": "m-1", "MD5OfMessageBody": SQS_MD5}}]}]},
     requests=3)
case("awssqs-bad-queue-name", "service.awssqs", SQS, SQS_T,
     "awssqs:../other", ok=False, err='invalid queue name "../other"',
     retryable=False, requests=0)
case("awssqs-bad-md5", "service.awssqs", SQS, SQS_T, "awssqs:", script={
    "routes": [{"path": "/", "replies": [
        {"json": {"QueueUrl": SQS_URL}},
        {"json": {"MessageId": "m", "MD5OfMessageBody": "0" * 32}}]}]},
     ok=False, err="MD5 of the message body does not match", retryable=False)


# ---- nats ----

NKEY = {}  # a throwaway user NKey, made in main()
NATS_T = "message: hello {{.rollout.metadata.name}}\n"
NATS = "url: nats://127.0.0.1:PORT\n"


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def nkey_encode(prefix, raw):
    data = bytes(prefix) + raw
    c = crc16(data)
    return base64.b32encode(data + bytes([c & 0xFF, c >> 8])).decode() \
        .rstrip("=")


def make_nkey(tmp):
    priv = os.path.join(tmp, "nk.der")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519",
                    "-outform", "DER", "-out", priv], check=True,
                   capture_output=True)
    pub = subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", priv,
                          "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    with open(priv, "rb") as f:
        seed = f.read()[-32:]
    NKEY["seed"] = nkey_encode([(18 << 3) | (160 >> 5), (160 & 31) << 3],
                               seed)
    NKEY["pub"] = nkey_encode([20 << 3], pub[-32:])


def nats_pubs(reqs):
    return [r for r in reqs if r["op"] in ("PUB", "HPUB")]


def check_nats_plain(reqs):
    eq(nats_pubs(reqs), [{"op": "PUB", "subject": "rollouts.guestbook",
                          "headers": "", "payload": "hello guestbook"}],
       "published")
    # nats.go's connectInfo, byte for byte (headers and no_responders
    # follow the server's INFO)
    eq(reqs[0]["raw"], '{"verbose":false,"pedantic":false,'
       '"tls_required":false,"name":"","lang":"go","version":"1.43.0",'
       '"protocol":1,"echo":true,"headers":true,"no_responders":true}',
       "CONNECT")


def check_nats_headers(reqs):
    eq(nats_pubs(reqs)[0]["headers"], "NATS/1.0\r\nB: 2\r\nX-A: one\r\n\r\n",
       "header block")


def check_nats_nkey(reqs):
    c = reqs[0]
    eq(c["connect"]["nkey"], NKEY["pub"], "public nkey")
    expect(c["authorized"], "signature verified by the double")
    eq(len(nats_pubs(reqs)), 1, "published")


case("nats-plain", "service.nats", NATS, NATS_T, "nats:rollouts.guestbook",
     double="nats", check=check_nats_plain)
case("nats-user-password", "service.nats",
     NATS + "username: bot\npassword: $nats-pass\n", NATS_T, "nats:s",
     double="nats", dargs=["--user", "bot", "--password",
                           "SeCrEt-nats-5656"],
     check=lambda reqs: eq(reqs[0]["authorized"], True, "authorized"))
case("nats-headers", "service.nats",
     NATS + "headers: {X-A: one, B: \"2\"}\n", NATS_T, "nats:s",
     double="nats", check=check_nats_headers)
case("nats-nkey", "service.nats", NATS + "nkey: $nats-seed\n", NATS_T,
     "nats:s", double="nats", dargs=["--nkey-pub", "NKEYPUB"],
     check=check_nats_nkey)
case("nats-auth-violation", "service.nats",
     NATS + "username: bot\npassword: wrong\n", NATS_T, "nats:s",
     double="nats", dargs=["--user", "bot", "--password", "right"], ok=False,
     err="Authorization Violation", retryable=False)
case("nats-no-headers", "service.nats", NATS + "headers: {A: b}\n", NATS_T,
     "nats:s", double="nats", dargs=["--no-headers"], ok=False,
     err="headers not supported", retryable=False)
case("nats-refused", "service.nats", "url: nats://127.0.0.1:CLOSEDPORT\n",
     NATS_T, "nats:s", ok=False,
     err="failed to connect to NATS server: nats: no servers available for "
     "connection (dial tcp 127.0.0.1:", retryable=True, double="nats")
# credentials in the URL, as nats.go takes them (the URL from the Secret:
# no message may show the password)
case("nats-url-credentials", "service.nats", "url: $nats-url\n", NATS_T,
     "nats:s", double="nats", dargs=["--user", "bot", "--password",
                                     "SeCrEt-nats-5656"],
     check=lambda reqs: eq((reqs[0]["authorized"], reqs[0]["connect"]["user"]),
                           (True, "bot"), "authorized from the URL"))
case("nats-url-credentials-refused", "service.nats", "url: $nats-url\n",
     NATS_T, "nats:s", double="nats", dargs=["--user", "bot", "--password",
                                             "other"], ok=False,
     err="Authorization Violation", retryable=False)
case("nats-url-token", "service.nats", "url: nats://tok123@127.0.0.1:PORT\n",
     NATS_T, "nats:s", double="nats", dargs=["--token", "tok123"],
     check=lambda reqs: eq(reqs[0]["authorized"], True, "auth_token"))
# a server list: the first refuses, the next is used
case("nats-server-list", "service.nats",
     "url: nats://127.0.0.1:CLOSEDPORT, nats://127.0.0.1:PORT/\n", NATS_T,
     "nats:s", double="nats",
     check=lambda reqs: eq(len(nats_pubs(reqs)), 1, "published"))
case("nats-unresolvable", "service.nats",
     "url: nats://rnotify-test.invalid:4222\n", NATS_T, "nats:s",
     double="nats", ok=False, err="lookup rnotify-test.invalid",
     retryable=True)
# header values: CR and LF become spaces, as Go's http.Header.Write (this
# value used to add a header); an invalid name is dropped
case("nats-header-injection", "service.nats",
     NATS + 'headers: {X-A: "x\\r\\nInjected: yes", "Bad Name": v}\n', NATS_T,
     "nats:s", double="nats", check=lambda reqs: eq(
         nats_pubs(reqs)[0]["headers"], "NATS/1.0\r\nX-A: x  Injected: "
         "yes\r\n\r\n", "header block"))
case("nats-subject-injection", "service.nats", NATS, NATS_T,
     "nats:s 1\nPUB evil 1", double="nats", ok=False,
     err="invalid subject", retryable=False, cli=False)


# ---- running ----

class Double:
    def __init__(self, tmp, script, tls, nats=None):
        self.log = os.path.join(tmp, "requests.jsonl")
        open(self.log, "w").close()
        spath = os.path.join(tmp, "script.json")
        self.script = script
        cmd = [PY, DOUBLE, "--log", self.log, "--script", spath]
        if nats is not None:
            cmd = [PY, NATS_DOUBLE, "--log", self.log] + nats
        if tls:
            cmd += ["--cert", tls[0], "--key", tls[1]]
        self.cmd, self.spath = cmd, spath
        self.proc = None
        self.port = None

    def start(self):
        """Listen on a free port; PORT in the script becomes that port."""
        for _ in range(5):
            port = closed_port()
            with open(self.spath, "w") as f:
                f.write(json.dumps(self.script).replace("PORT", str(port)))
            self.proc = subprocess.Popen(self.cmd + ["--port", str(port)],
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
            line = self.proc.stdout.readline().decode()
            if line.startswith("PORT "):
                self.port = int(line.split()[1])
                return
            self.proc.wait()
        raise OSError("fake_http did not start")

    def requests(self):
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def run_send(args, c, tmp, files, use_cli):
    env = dict(os.environ)
    for k in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
              "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
              "PUBSUB_EMULATOR_HOST", "GCE_METADATA_HOST",
              "GOOGLE_APPLICATION_CREDENTIALS", "AWS_ACCESS_KEY_ID",
              "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
              "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        env.pop(k, None)
    for k, v in c.env.items():
        v = v.replace("CERT", files["cert"] or "")
        env[k] = v.replace("CLOSEDPORT", files["closed"]).replace(
            "PORT", files["port"])
    if use_cli:
        cmd = [args.rnotify, "template", "notify", "t", files["ro"]]
        for r in c.recipients:
            cmd += ["--recipient", r]
        cmd += ["--config-map", files["cm"], "--secret", files["secret"]]
        if c.deadline_ms:
            cmd += ["--delivery-deadline", "%dms" % c.deadline_ms]
    else:
        cmd = [args.driver, "--config-map", files["cm"], "--secret",
               files["secret"], "--template", "t", "--resource", files["ro"]]
        for r in c.recipients:
            cmd += ["--recipient", r]
        if c.deadline_ms:
            cmd += ["--deadline-ms", str(c.deadline_ms)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    return p, time.monotonic() - t0


def judge(c, p, secs, reqs, use_cli):
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    for k, v in SECRETS.items():
        v = v.split("PORT")[-1] if "PORT" in v else v
        for piece in re.findall(r"SeCrEt[\w.@-]*", v):
            expect(piece not in out, "secret %s leaked: %s" % (k, out.strip()))
    expect("Sanitizer" not in out and "runtime error" not in out,
           "sanitizer report: " + out.strip()[:2000])
    for k in ("nats-seed",):
        expect(not SECRETS.get(k) or SECRETS[k] not in out,
               "secret %s leaked" % k)
    failed = "failed to notify" in out
    if c.ok:
        expect(not failed and p.returncode == 0,
               "send failed (exit %d): %s" % (p.returncode, out.strip()))
    else:
        expect(failed, "send should fail: " + out.strip())
        expect(c.err, "a failure case names the message it expects")
        expect(c.err in out, "error %r not in %r" % (c.err, out.strip()))
        if use_cli:
            # the exit code of a failed send, and upstream's wording
            expect(p.returncode == 4, "exit code %d, want 4 (send failed): %s"
                   % (p.returncode, out.strip()))
            rcpt = c.recipients[-1]
            expect(p.stderr.decode(errors="replace").startswith(
                "failed to notify '%s': " % rcpt),
                "stderr does not open with failed to notify '%s': %s"
                % (rcpt, out.strip()))
        rcpt = c.recipients[-1].split(":", 1)[1]
        expect("to '%s'" % rcpt in out, "error names the recipient: " + out)
        if c.retryable is not None and not use_cli:
            expect("retryable=%d" % c.retryable in out,
                   "classification: " + out.strip())
    if c.requests is not None:
        eq(len(reqs), c.requests, "number of requests")
    if c.min_secs is not None:
        expect(secs >= c.min_secs, "waited %.2fs < %.2fs" % (secs, c.min_secs))
    if c.check and c.ok:
        c.check(reqs)


def run_case(args, c, tmp, use_cli):
    files = {"cert": None}
    tls = None
    if c.tls:
        files["cert"], key = make_cert(tmp)
        tls = (files["cert"], key)
    nats = None
    if c.double == "nats":
        nats = [a.replace("NKEYPUB", NKEY.get("pub", "")) for a in c.dargs]
    d = Double(tmp, c.script, tls, nats)
    d.start()
    try:
        port = str(d.port)
        files["port"], files["closed"] = port, str(closed_port())
        svc = c.svc.replace("CLOSEDPORT", files["closed"])
        if "KEYJSON" in svc:
            kj = os.path.join(tmp, "sa.json")
            with open(kj, "w") as f:
                json.dump({"type": "service_account",
                           "client_email":
                               "rnotify@proj1.iam.gserviceaccount.com",
                           "private_key_id": "kid1",
                           "private_key": SECRETS["gh-key"],
                           "token_uri": "http://127.0.0.1:%s/token" % port}, f)
            svc = svc.replace("KEYJSON", kj)
        svc = svc.replace("PORT", port)
        files["cm"] = os.path.join(tmp, "cm.yaml")
        files["secret"] = os.path.join(tmp, "secret.yaml")
        files["ro"] = os.path.join(tmp, "rollout.yaml")
        with open(files["cm"], "w") as f:
            f.write(configmap(c.key, svc, c.tmpl))
        with open(files["secret"], "w") as f:
            f.write(secret(port))
        with open(files["ro"], "w") as f:
            f.write(ROLLOUT)
        p, secs = run_send(args, c, tmp, files, use_cli)
        judge(c, p, secs, d.requests(), use_cli)
    finally:
        d.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--rnotify")
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    passed = failed = 0
    keydir = tempfile.mkdtemp(prefix="rn-gh-")
    GH_KEY["path"] = os.path.join(keydir, "app.pem")
    subprocess.run(["openssl", "genrsa", "-out", GH_KEY["path"], "2048"],
                   check=True, capture_output=True)
    with open(GH_KEY["path"]) as f:
        SECRETS["gh-key"] = f.read()
    make_nkey(keydir)
    SECRETS["nats-seed"] = NKEY["seed"]
    for c in CASES:
        if args.k not in c.name:
            continue
        modes = [False]
        if args.rnotify and os.path.exists(args.rnotify) and c.cli:
            modes.append(True)
        for use_cli in modes:
            label = ("cli:" if use_cli else "driver:") + c.name
            tmp = tempfile.mkdtemp(prefix="rn-svc-")
            try:
                run_case(args, c, tmp, use_cli)
                passed += 1
                print("ok   " + label, flush=True)
            except (Fail, subprocess.SubprocessError, OSError, KeyError,
                    ValueError) as ex:
                failed += 1
                print("FAIL %s: %s" % (label, ex), flush=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(keydir, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
