#!/usr/bin/python3
"""email_e2e.py: end-to-end tests of rnotify's email service against
tests/doubles/fake_smtp.py (a real SMTP server on 127.0.0.1, Debian's
python3-aiosmtpd).

Each case writes a ConfigMap with one `service.email` and one template, a
Secret holding the SMTP password, and a Rollout; starts fake_smtp with the
case's options (STARTTLS or implicit TLS with a throwaway certificate made
by `openssl req`, AUTH with a test user, scripted failure replies); sends
through svc_driver (which reports the retryable/permanent class) and, when
--rnotify is given, through `rnotify template notify`; then checks the
envelope, the TLS and AUTH state of the session, and the message (headers
decoded, content type, decoded body).  No output may contain the password.

Usage: email_e2e.py --driver PATH [--rnotify PATH] [-k SUBSTRING]
Ends with "N passed, N failed".
"""

import argparse
import base64
import email
import email.header
import email.policy
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Fail, eq, expect  # noqa: E402  (shared checks)

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "doubles", "fake_smtp.py")
PY = "/usr/bin/python3"
PASSWORD = "SeCrEt-smtp-pass-2718"
USER = "robot"

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
  namespace: default
status:
  phase: Healthy
"""

TEMPLATE = """message: plain {{.rollout.metadata.name}}
email:
  subject: Rollout {{.rollout.metadata.name}} is {{.rollout.status.phase}}
  body: |
    Rollout {{.rollout.metadata.name}} is {{.rollout.status.phase}}.
    A line with = and trailing space\x20
    .
    .. two dots
"""
BODY = ("Rollout guestbook is Healthy.\n"
        "A line with = and trailing space \n"
        ".\n"
        ".. two dots\n")


class Case:
    def __init__(self, name, svc, recipient, tmpl=TEMPLATE, smtp=None,
                 ok=True, check=None, err=None, retryable=None, env=None,
                 cli=True, messages=None, host="127.0.0.1", port=None,
                 key="service.email"):
        self.name, self.svc, self.recipient, self.tmpl = name, svc, recipient, tmpl
        self.smtp = smtp or []
        self.ok, self.check, self.err, self.retryable = ok, check, err, retryable
        self.env, self.cli, self.messages = env or {}, cli, messages
        self.host, self.port, self.key = host, port, key


CASES = []


def case(*a, **kw):
    CASES.append(Case(*a, **kw))


def svc(extra=""):
    return ("host: HOST\nport: PORT\nfrom: Rollouts Bot <bot@example.com>\n"
            + extra)


AUTH = "username: %s\npassword: $smtp-pass\n" % USER


def parsed(m):
    raw = base64.b64decode(m["data_b64"])
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def decoded(msg, name):
    return str(email.header.make_header(email.header.decode_header(msg[name])))


def check_plain(msgs):
    eq(len(msgs), 1, "messages")
    m = msgs[0]
    eq(m["mail_from"], "bot@example.com", "envelope sender")
    eq(m["rcpt_tos"], ["ops@example.com"], "recipients")
    eq(m["ehlo"], "localhost", "EHLO name")
    eq(m["tls"], False, "plaintext session")
    eq(m["auth"], None, "no AUTH")
    raw, msg = parsed(m)
    expect(raw.startswith(b"Mime-Version: 1.0\r\nDate: "), "header order: %r" % raw[:60])
    expect(b"\r\nFrom: Rollouts Bot <bot@example.com>\r\nTo: ops@example.com\r\n"
           b"Subject: Rollout guestbook is Healthy\r\n"
           b"Content-Type: text/plain; charset=UTF-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" in raw,
           "headers: %r" % raw)
    expect(b"Message-ID" not in raw, "no Message-ID (upstream sends none)")
    expect(raw.endswith(b"A line with =3D and trailing space=20\r\n"
                        b".\r\n.. two dots\r\n"),
           "quoted-printable body, dots kept: %r" % raw[-80:])
    expect(b"\n" not in raw.replace(b"\r\n", b""), "CRLF line ends only")
    eq(msg.get_content_type(), "text/plain", "content type")
    eq(msg.get_content().replace("\r\n", "\n"), BODY, "decoded body")
    date = email.utils.parsedate_to_datetime(msg["Date"])
    expect(abs(time.time() - date.timestamp()) < 120, "Date is now")


case("email-plain", svc(), "email:ops@example.com", check=check_plain)


def check_tls(msgs):
    eq(len(msgs), 1, "messages")
    eq(msgs[0]["tls"], True, "STARTTLS done")


case("email-starttls-insecure", svc("insecure_skip_verify: true\n"),
     "email:ops@example.com", smtp=["--starttls"], check=check_tls)

case("email-starttls-ca", svc(), "email:ops@example.com", smtp=["--starttls"],
     env={"RNOTIFY_CA_FILE": "CERT"}, check=check_tls)

case("email-starttls-untrusted", svc(), "email:ops@example.com",
     smtp=["--starttls"], ok=False, retryable=False, messages=0,
     err="certificate")


def check_auth(mech):
    def check(msgs):
        eq(len(msgs), 1, "messages")
        eq(msgs[0]["auth"], {"mechanism": mech, "login": USER}, "AUTH")
    return check


case("email-auth-plain", svc(AUTH), "email:ops@example.com", smtp=["--auth"],
     check=check_auth("PLAIN"))
case("email-auth-login", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "LOGIN"], check=check_auth("LOGIN"))
case("email-auth-login-odd-challenge", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "LOGIN", "--odd-login"], ok=False,
     retryable=False, err="gomail: unexpected server challenge: Password",
     messages=0)
case("email-auth-cram", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "LOGIN PLAIN CRAM-MD5"],
     check=check_auth("CRAM-MD5"))


def check_auth_tls(msgs):
    check_tls(msgs)
    check_auth("PLAIN")(msgs)


case("email-starttls-auth", svc(AUTH + "insecure_skip_verify: true\n"),
     "email:ops@example.com", smtp=["--starttls", "--auth"],
     check=check_auth_tls)
case("email-auth-wrong-password",
     svc("username: robot\npassword: wrong-SeCrEt-pw\n"),
     "email:ops@example.com", smtp=["--auth"], ok=False, retryable=False,
     err="535 5.7.8", messages=0)
# Go's client refuses PLAIN in clear text to a host other than localhost,
# 127.0.0.1 or ::1; 127.0.0.2 is loopback but not one of those names
case("email-plain-auth-refused-remote", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "PLAIN"], host="127.0.0.2", ok=False,
     retryable=False, err="unencrypted connection", messages=0)
# no AUTH offered: sent without authentication, as upstream
def check_no_auth(msgs):
    eq(len(msgs), 1, "messages")
    eq(msgs[0]["auth"], None, "no AUTH")


case("email-auth-not-offered", svc(AUTH), "email:ops@example.com",
     check=check_no_auth)


def check_html(msgs):
    eq(len(msgs), 1, "messages")
    _, msg = parsed(msgs[0])
    eq(msg.get_content_type(), "text/html", "content type")
    # the CRLF before the final dot ends the last line (Go sends it too)
    eq(msg.get_content(), "<p>plain <b>guestbook</b></p>\r\n", "body")
    eq(decoded(msg, "Subject"), "", "empty subject")


case("email-html", svc("html: true\n"), "email:ops@example.com",
     tmpl="message: <p>plain <b>{{.rollout.metadata.name}}</b></p>\n",
     check=check_html)


def check_many(msgs):
    eq(len(msgs), 1, "one message for all recipients")
    m = msgs[0]
    eq(m["rcpt_tos"], ["a@example.com", "b@example.com", "c@example.com"],
       "RCPT list (trimmed, duplicates once)")
    _, msg = parsed(m)
    eq(msg["To"].replace("\r\n", ""),
       "a@example.com, b@example.com, Carol <c@example.com>, a@example.com",
       "To header")


case("email-several-recipients", svc(), "email: a@example.com ,b@example.com,"
     "Carol <c@example.com>, a@example.com", check=check_many)


def check_utf8(msgs):
    raw, msg = parsed(msgs[0])
    expect(b"Subject: =?UTF-8?q?D=C3=A9ploiement_guestbook_=E2=9C=93?=\r\n"
           in raw, "Q-encoded subject: %r" % raw)
    eq(decoded(msg, "Subject"), "Déploiement guestbook ✓", "decoded subject")
    eq(msg.get_content(), "Grüße von guestbook\r\n", "decoded body")
    expect(b"\r\n\r\nGr=C3=BC=C3=9Fe von guestbook" in raw, "QP body")


case("email-utf8", svc(), "email:ops@example.com",
     tmpl="message: Grüße von {{.rollout.metadata.name}}\nemail:\n"
          "  subject: Déploiement {{.rollout.metadata.name}} ✓\n",
     check=check_utf8)

case("email-rcpt-451", svc(), "email:ops@example.com",
     smtp=["--fail-rcpt", "451 4.3.0 try again later"], ok=False,
     retryable=True, err="gomail: could not send email 1: 451 4.3.0 try again later",
     messages=0)
case("email-rcpt-550", svc(), "email:ops@example.com,bad@example.com",
     smtp=["--fail-rcpt", "550 5.1.1 no such user",
           "--fail-rcpt-only", "bad@example.com"], ok=False,
     retryable=False, err="550 5.1.1 no such user", messages=0)
case("email-rcpt-multiline", svc(), "email:ops@example.com",
     smtp=["--fail-rcpt", "550 5.7.1 first line\\n550 5.7.1 second line"],
     ok=False, retryable=False, cli=False, messages=0,
     err="550 5.7.1 first line\n5.7.1 second line")
case("email-data-554", svc(), "email:ops@example.com",
     smtp=["--fail-data", "554 5.6.0 message rejected"], ok=False,
     retryable=False, err="554 5.6.0 message rejected", messages=0)
case("email-mail-421", svc(), "email:ops@example.com",
     smtp=["--fail-mail", "421 4.7.0 too busy"], ok=False, retryable=True,
     err="421 4.7.0 too busy", messages=0)
case("email-refused", "host: 127.0.0.1\nport: CLOSEDPORT\nfrom: bot@example.com\n"
     + AUTH, "email:ops@example.com", ok=False, retryable=True,
     err="dial tcp 127.0.0.1:", messages=0)
case("email-refused-go-words", "host: 127.0.0.1\nport: CLOSEDPORT\nfrom: a@x.org\n",
     "email:ops@example.com", ok=False, retryable=True,
     err=": connect: connection refused", messages=0, cli=False)
case("email-named-service", svc(), "relay:ops@example.com",
     key="service.email.relay", check=lambda msgs: eq(len(msgs), 1, "messages"))
case("email-named-service-error", svc(), "relay:ops@example.com",
     key="service.email.relay", smtp=["--fail-mail", "550 5.7.1 relaying denied"],
     ok=False, retryable=False, messages=0,
     err="relay (email) to 'ops@example.com': gomail: could not send email 1: "
         "550 5.7.1 relaying denied")
case("email-empty-recipient", svc(), "email:", ok=False, retryable=False,
     err='invalid address "": mail: no address', messages=0)
case("email-helo-fallback", svc(), "email:ops@example.com",
     smtp=["--no-ehlo"], check=lambda msgs: eq(len(msgs), 1, "messages"))


def check_smtps(msgs):
    check_tls(msgs)
    check_auth("PLAIN")(msgs)


# implicit TLS: port 465 with credentials (upstream's rule)
case("email-smtps-465", svc(AUTH + "insecure_skip_verify: true\n"),
     "email:ops@example.com", smtp=["--tls", "--auth"], port=465,
     check=check_smtps)


# ---- running ----

def free_port(host="127.0.0.1"):
    s = socket.socket()
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


class Server:
    def __init__(self, c, tmp, cert, key):
        self.log = os.path.join(tmp, "smtp.jsonl")
        open(self.log, "w").close()
        args = []
        for a in c.smtp:
            if a == "--auth":
                args += ["--user", USER, "--password", PASSWORD]
            else:
                args.append(a)
        if "--starttls" in args or "--tls" in args:
            args += ["--cert", cert, "--key", key]
        self.cmd = [PY, FAKE, "--log", self.log, "--host", c.host] + args
        self.want_port = c.port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            self.cmd + ["--port", str(self.want_port or 0)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("PORT "):
            self.stop()
            return None
        return int(line.split()[1])

    def messages(self):
        with open(self.log) as f:
            rows = [json.loads(l) for l in f if l.strip()]
        return [r for r in rows if "data_b64" in r]

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None


def configmap(c, port):
    body = c.svc.replace("HOST", c.host).replace("CLOSEDPORT", str(free_port()))
    body = body.replace("PORT", str(port))
    pad = lambda t: "".join("    " + l + "\n" for l in t.rstrip("\n").split("\n"))
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
            "  name: argo-rollouts-notification-configmap\ndata:\n"
            "  %s: |\n" % c.key + pad(body) +
            "  template.t: |\n" + pad(c.tmpl))


SECRET = ("apiVersion: v1\nkind: Secret\nmetadata:\n"
          "  name: argo-rollouts-notification-secret\nstringData:\n"
          "  smtp-pass: %s\n" % json.dumps(PASSWORD))


def send(args, c, files, use_cli, cert):
    env = dict(os.environ)
    env.pop("RNOTIFY_CA_FILE", None)
    for k, v in c.env.items():
        env[k] = v.replace("CERT", cert)
    if use_cli:
        cmd = [args.rnotify, "template", "notify", "t", files["ro"],
               "--recipient", c.recipient, "--config-map", files["cm"],
               "--secret", files["secret"]]
    else:
        cmd = [args.driver, "--config-map", files["cm"], "--secret",
               files["secret"], "--template", "t", "--resource", files["ro"],
               "--recipient", c.recipient]
    return subprocess.run(cmd, capture_output=True, env=env, timeout=120)


def judge(c, p, msgs, use_cli):
    out = p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    expect(PASSWORD not in out and "wrong-SeCrEt-pw" not in out,
           "password leaked: " + out.strip())
    expect("Sanitizer" not in out and "runtime error" not in out,
           "sanitizer report: " + out.strip()[:2000])
    failed = "failed to notify" in out
    if c.ok:
        expect(not failed and p.returncode == 0,
               "send failed (exit %d): %s" % (p.returncode, out.strip()))
        if c.check:
            c.check(msgs)
    else:
        expect(failed and p.returncode != 0, "send should fail: " + out.strip())
        if c.err:
            expect(c.err in out, "error %r not in %r" % (c.err, out.strip()))
        rcpt = c.recipient.split(":", 1)[1]
        expect("to '%s'" % rcpt in out, "error names the recipient: " + out)
        if c.retryable is not None and not use_cli:
            expect("retryable=%d" % c.retryable in out,
                   "classification: " + out.strip())
    if c.messages is not None:
        eq(len(msgs), c.messages, "messages delivered")


def run_case(args, c, tmp, use_cli, cert, key):
    srv = Server(c, tmp, cert, key)
    port = srv.start()
    if port is None:
        raise Fail("the SMTP double did not start on %s:%s (is python3-aiosmtpd "
                   "installed for /usr/bin/python3?)" % (c.host, c.port or 0))
    try:
        files = {k: os.path.join(tmp, k + ".yaml") for k in ("cm", "secret", "ro")}
        with open(files["cm"], "w") as f:
            f.write(configmap(c, port))
        with open(files["secret"], "w") as f:
            f.write(SECRET)
        with open(files["ro"], "w") as f:
            f.write(ROLLOUT)
        p = send(args, c, files, use_cli, cert)
        judge(c, p, srv.messages(), use_cli)
    finally:
        srv.stop()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--rnotify")
    ap.add_argument("-k", default="")
    args = ap.parse_args()
    passed = failed = 0
    certdir = tempfile.mkdtemp(prefix="rn-email-cert-")
    cert, key = make_cert(certdir)
    for c in CASES:
        if args.k not in c.name:
            continue
        modes = [False]
        if args.rnotify and os.path.exists(args.rnotify) and c.cli:
            modes.append(True)
        for use_cli in modes:
            label = ("cli:" if use_cli else "driver:") + c.name
            tmp = tempfile.mkdtemp(prefix="rn-email-")
            try:
                run_case(args, c, tmp, use_cli, cert, key)
                passed += 1
                print("ok   " + label, flush=True)
            except (Fail, subprocess.SubprocessError, OSError, KeyError,
                    ValueError) as ex:
                failed += 1
                print("FAIL %s: %s" % (label, ex), flush=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(certdir, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
