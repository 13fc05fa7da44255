#!/usr/bin/python3
"""email_e2e.py: end-to-end tests of rnotify's email service against
tests/doubles/fake_smtp.py (a real SMTP server on 127.0.0.1, Debian's
python3-aiosmtpd).

Each case writes a ConfigMap with one `service.email` and one template, a
Secret holding the SMTP password, and a Rollout; starts fake_smtp with the
case's options (STARTTLS or implicit TLS with a throwaway certificate made
by `openssl req`, AUTH with a test user, extensions left out of EHLO,
scripted failure replies, a server that stalls); sends through svc_driver
(which reports the retryable/permanent class) and, when --rnotify is
given, through `rnotify template notify`; then checks every line the
client sent (the dialogue upstream's mail library has over Go's net/smtp,
byte for byte: EHLO, STARTTLS, AUTH, MAIL FROM with BODY=8BITMIME and
SMTPUTF8 when offered, RCPT, DATA with dot-stuffing, QUIT), the envelope,
the TLS and AUTH state of the session, and the message (headers decoded,
content type, decoded body).  No output may contain the password.

The security rule (credentials need TLS and AUTH unless the host is
loopback) is checked with host "::ffff:127.0.0.1": the double listens on
127.0.0.1, and rnotify, which takes only `localhost`, `::1` and
127.0.0.0/8 literals as loopback, treats that name as a remote host.

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
import threading
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
                 key="service.email", dialogue=None, cfg_host=None,
                 driver_args=None, server=None):
        self.name, self.svc, self.recipient, self.tmpl = name, svc, recipient, tmpl
        self.smtp = smtp or []
        self.ok, self.check, self.err, self.retryable = ok, check, err, retryable
        self.env, self.cli, self.messages = env or {}, cli, messages
        self.host, self.port, self.key = host, port, key
        # the lines the client must have sent, the message as "<message>"
        # (a list, or a function of the list that raises Fail)
        self.dialogue = dialogue
        self.cfg_host = cfg_host or host  # the host rnotify is given
        self.driver_args = driver_args or []
        self.server = server or "smtp"  # "smtp" (fake_smtp) or "mute"


CASES = []


def case(*a, **kw):
    CASES.append(Case(*a, **kw))


def svc(extra=""):
    return ("host: HOST\nport: PORT\nfrom: Rollouts Bot <bot@example.com>\n"
            + extra)


AUTH = "username: %s\npassword: $smtp-pass\n" % USER
MAIL = "MAIL FROM:<bot@example.com> BODY=8BITMIME SMTPUTF8"
RCPT = "RCPT TO:<ops@example.com>"
SENT = ["DATA", "<message>", "QUIT"]
PLAIN_RESP = "AUTH PLAIN " + base64.b64encode(
    ("\0%s\0%s" % (USER, PASSWORD)).encode()).decode()
REMOTE = "::ffff:127.0.0.1"  # 127.0.0.1, but not a loopback name to rnotify


def b64(s):
    return base64.b64encode(s.encode()).decode()


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


case("email-plain", svc(), "email:ops@example.com", check=check_plain,
     dialogue=["EHLO localhost", MAIL, RCPT] + SENT)


def check_8bit_options(want):
    def check(msgs):
        eq(len(msgs), 1, "messages")
        eq(msgs[0]["mail_options"], want, "MAIL parameters the server saw")
    return check


# net/smtp adds BODY=8BITMIME and SMTPUTF8 only when EHLO offers them
case("email-no-8bitmime", svc(), "email:ops@example.com",
     smtp=["--drop-ext", "8BITMIME,SMTPUTF8"], check=check_8bit_options([]),
     dialogue=["EHLO localhost", "MAIL FROM:<bot@example.com>", RCPT] + SENT)
case("email-8bitmime-only", svc(), "email:ops@example.com",
     smtp=["--drop-ext", "SMTPUTF8"],
     check=check_8bit_options(["BODY=8BITMIME"]),
     dialogue=["EHLO localhost", "MAIL FROM:<bot@example.com> BODY=8BITMIME",
               RCPT] + SENT)
case("email-8bitmime-smtputf8", svc(), "email:ops@example.com",
     check=check_8bit_options(["BODY=8BITMIME", "SMTPUTF8"]),
     dialogue=["EHLO localhost", MAIL, RCPT] + SENT)


# dot-stuffing: a line that starts with "." gets one more on the wire
def dots_on_the_wire(lines):
    data = lines[lines.index("DATA") + 1:]
    end = data.index(".")
    eq(data[end - 3:end + 2], ["A line with =3D and trailing space=20", "..",
                               "... two dots", ".", "QUIT"],
       "the message's last lines on the wire (dot-stuffed), then QUIT")


case("email-dot-stuffing", svc(), "email:ops@example.com",
     check=check_plain, dialogue=dots_on_the_wire, cli=False)


def check_tls(msgs):
    eq(len(msgs), 1, "messages")
    eq(msgs[0]["tls"], True, "STARTTLS done")


STARTTLS = ["EHLO localhost", "STARTTLS", "EHLO localhost"]

case("email-starttls-insecure", svc("insecure_skip_verify: true\n"),
     "email:ops@example.com", smtp=["--starttls"], check=check_tls,
     dialogue=STARTTLS + [MAIL, RCPT] + SENT)

case("email-starttls-ca", svc(), "email:ops@example.com", smtp=["--starttls"],
     env={"RNOTIFY_CA_FILE": "CERT"}, check=check_tls)

case("email-starttls-untrusted", svc(), "email:ops@example.com",
     smtp=["--starttls"], ok=False, retryable=False, messages=0,
     err="tls: failed to verify certificate: x509: ",
     dialogue=["EHLO localhost", "STARTTLS"])


def check_auth(mech):
    def check(msgs):
        eq(len(msgs), 1, "messages")
        eq(msgs[0]["auth"], {"mechanism": mech, "login": USER}, "AUTH")
    return check


case("email-auth-plain", svc(AUTH), "email:ops@example.com", smtp=["--auth"],
     check=check_auth("PLAIN"),
     dialogue=["EHLO localhost", PLAIN_RESP, MAIL, RCPT] + SENT)
# LOGIN waits for the "Username:" challenge (no initial response)
case("email-auth-login", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "LOGIN"], check=check_auth("LOGIN"),
     dialogue=["EHLO localhost", "AUTH LOGIN", b64(USER), b64(PASSWORD),
               MAIL, RCPT] + SENT)
# aiosmtpd's own challenges ("User Name\0"): refused, then "*" and QUIT
case("email-auth-login-odd-challenge", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "LOGIN", "--odd-login"], ok=False,
     retryable=False, err="gomail: unexpected server challenge: User Name",
     messages=0, dialogue=["EHLO localhost", "AUTH LOGIN", "*", "QUIT"])


def cram_dialogue(lines):
    lines = collapse(lines)
    eq(lines[:2], ["EHLO localhost", "AUTH CRAM-MD5"], "CRAM-MD5 start")
    user, digest = base64.b64decode(lines[2]).decode().split(" ")
    eq(user, USER, "CRAM-MD5 user")
    expect(len(digest) == 32, "CRAM-MD5 digest: %r" % digest)
    eq(lines[3:], [MAIL, RCPT] + SENT, "after AUTH")


case("email-auth-cram", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "LOGIN PLAIN CRAM-MD5"],
     check=check_auth("CRAM-MD5"), dialogue=cram_dialogue)
# a server that offers AUTH but none of the three: upstream tries PLAIN
case("email-auth-other-mechanism", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "XOAUTH2"], ok=False, retryable=False,
     messages=0, err="504 5.5.4 Unrecognized authentication type",
     dialogue=["EHLO localhost", PLAIN_RESP, "*", "QUIT"])


def check_auth_tls(msgs):
    check_tls(msgs)
    check_auth("PLAIN")(msgs)


case("email-starttls-auth", svc(AUTH + "insecure_skip_verify: true\n"),
     "email:ops@example.com", smtp=["--starttls", "--auth"],
     check=check_auth_tls,
     dialogue=STARTTLS + [PLAIN_RESP, MAIL, RCPT] + SENT)
case("email-auth-wrong-password",
     svc("username: robot\npassword: wrong-SeCrEt-pw\n"),
     "email:ops@example.com", smtp=["--auth"], ok=False, retryable=False,
     err="535 5.7.8", messages=0,
     dialogue=["EHLO localhost", "AUTH PLAIN " + base64.b64encode(
         b"\0robot\0wrong-SeCrEt-pw").decode(), "*", "QUIT"])
# Go's client refuses PLAIN in clear text to a host other than localhost,
# 127.0.0.1 or ::1; 127.0.0.2 is loopback but not one of those names
case("email-plain-auth-refused-remote", svc(AUTH), "email:ops@example.com",
     smtp=["--auth", "--mechs", "PLAIN"], host="127.0.0.2", ok=False,
     retryable=False, err="unencrypted connection", messages=0,
     dialogue=["EHLO localhost", "QUIT"])
# no AUTH offered: sent without authentication, as upstream
def check_no_auth(msgs):
    eq(len(msgs), 1, "messages")
    eq(msgs[0]["auth"], None, "no AUTH")


case("email-auth-not-offered", svc(AUTH), "email:ops@example.com",
     check=check_no_auth, dialogue=["EHLO localhost", MAIL, RCPT] + SENT)

# ---- security (beyond upstream): credentials need TLS and AUTH ----
case("email-security-no-starttls", svc(AUTH), "email:ops@example.com",
     smtp=["--auth"], cfg_host=REMOTE, ok=False, retryable=False,
     messages=0, err="email: the server offers no STARTTLS: with a username "
     "and password rnotify sends only over TLS",
     dialogue=["EHLO localhost", "QUIT"])
case("email-security-no-auth", svc(AUTH), "email:ops@example.com",
     smtp=["--starttls"], cfg_host=REMOTE,
     env={"RNOTIFY_CA_FILE": "CERT"}, ok=False, retryable=False, messages=0,
     err="email: the server offers no AUTH",
     dialogue=STARTTLS + ["QUIT"])
case("email-security-tls-and-auth", svc(AUTH), "email:ops@example.com",
     smtp=["--starttls", "--auth"], cfg_host=REMOTE,
     env={"RNOTIFY_CA_FILE": "CERT"}, check=check_auth_tls,
     dialogue=STARTTLS + [PLAIN_RESP, MAIL, RCPT] + SENT)
# without credentials nothing is required (as upstream)
case("email-security-no-credentials", svc(), "email:ops@example.com",
     cfg_host=REMOTE, check=check_no_auth,
     dialogue=["EHLO localhost", MAIL, RCPT] + SENT)


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
     "Carol <c@example.com>, a@example.com", check=check_many,
     dialogue=["EHLO localhost", MAIL, "RCPT TO:<a@example.com>",
               "RCPT TO:<b@example.com>", "RCPT TO:<c@example.com>"] + SENT)


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
     messages=0, dialogue=["EHLO localhost", MAIL, RCPT, "QUIT"])
case("email-rcpt-550", svc(), "email:ops@example.com,bad@example.com",
     smtp=["--fail-rcpt", "550 5.1.1 no such user",
           "--fail-rcpt-only", "bad@example.com"], ok=False,
     retryable=False, err="550 5.1.1 no such user", messages=0,
     dialogue=["EHLO localhost", MAIL, RCPT, "RCPT TO:<bad@example.com>",
               "QUIT"])
case("email-rcpt-multiline", svc(), "email:ops@example.com",
     smtp=["--fail-rcpt", "550 5.7.1 first line\\n550 5.7.1 second line"],
     ok=False, retryable=False, cli=False, messages=0,
     err="550 5.7.1 first line\n5.7.1 second line")
case("email-data-554", svc(), "email:ops@example.com",
     smtp=["--fail-data", "554 5.6.0 message rejected"], ok=False,
     retryable=False, err="554 5.6.0 message rejected", messages=0,
     dialogue=["EHLO localhost", MAIL, RCPT] + SENT)
case("email-mail-421", svc(), "email:ops@example.com",
     smtp=["--fail-mail", "421 4.7.0 too busy"], ok=False, retryable=True,
     err="421 4.7.0 too busy", messages=0,
     dialogue=["EHLO localhost", MAIL, "QUIT"])
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
# after HELO there are no extensions, so no MAIL parameters
case("email-helo-fallback", svc(), "email:ops@example.com",
     smtp=["--no-ehlo"], check=lambda msgs: eq(len(msgs), 1, "messages"),
     dialogue=["EHLO localhost", "HELO localhost",
               "MAIL FROM:<bot@example.com>", RCPT] + SENT)

# ---- servers that stall: every wait ends by the delivery's deadline ----
case("email-stall-greeting", svc(), "email:ops@example.com", server="mute",
     ok=False, retryable=True, messages=0, driver_args=["--deadline-ms", "1500"],
     env={"RNOTIFY_HTTP_TIMEOUT_MS": "1500"},
     err=": i/o timeout")
case("email-stall-mail", svc(), "email:ops@example.com",
     smtp=["--stall-at", "MAIL"], ok=False, retryable=True, messages=0,
     driver_args=["--deadline-ms", "1500"],
     env={"RNOTIFY_HTTP_TIMEOUT_MS": "1500"},
     err="gomail: could not send email 1: read tcp 127.0.0.1:",
     dialogue=["EHLO localhost", MAIL])  # the server never reads QUIT
case("email-stall-data", svc(), "email:ops@example.com",
     smtp=["--stall-at", "DATA"], ok=False, retryable=True, messages=0,
     driver_args=["--deadline-ms", "1500"],
     env={"RNOTIFY_HTTP_TIMEOUT_MS": "1500"},
     err="i/o timeout",
     dialogue=["EHLO localhost", MAIL, RCPT, "DATA", "<message>"])


def check_smtps(msgs):
    check_tls(msgs)
    check_auth("PLAIN")(msgs)


# implicit TLS: port 465 with credentials (upstream's rule)
case("email-smtps-465", svc(AUTH + "insecure_skip_verify: true\n"),
     "email:ops@example.com", smtp=["--tls", "--auth"], port=465,
     check=check_smtps,
     dialogue=["EHLO localhost", PLAIN_RESP, MAIL, RCPT] + SENT)
# implicit TLS to a server that speaks in clear: a failed handshake that is
# not about the certificate may pass on a later try
case("email-smtps-465-plaintext-server",
     svc(AUTH + "insecure_skip_verify: true\n"), "email:ops@example.com",
     smtp=["--auth"], port=465, ok=False, retryable=True, messages=0,
     err="to 'ops@example.com': tls: ")
# implicit TLS with the certificate checked (the CA file), to a remote name
case("email-smtps-465-verified", svc(AUTH), "email:ops@example.com",
     smtp=["--tls", "--auth"], port=465, cfg_host=REMOTE,
     env={"RNOTIFY_CA_FILE": "CERT"}, check=check_smtps,
     dialogue=["EHLO localhost", PLAIN_RESP, MAIL, RCPT] + SENT)


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


class Mute:
    """A server that accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.held = []
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def start(self):
        self.thread.start()
        return self.sock.getsockname()[1]

    def messages(self):
        return []

    def dialogues(self):
        return {}

    def stop(self):
        self.sock.close()
        for c in self.held:
            c.close()


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

    def rows(self):
        with open(self.log) as f:
            return [json.loads(l) for l in f if l.strip()]

    def messages(self):
        return [r for r in self.rows() if "data_b64" in r]

    def dialogues(self):
        """The lines each connection sent, a message after DATA as
        "<message>" (up to its "." line)."""
        conns = {}
        for r in self.rows():
            if "conn" in r:
                conns.setdefault(r["conn"], []).append(r["line"])
        return conns

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def collapse(lines):
    """The lines with each message after DATA as one "<message>"."""
    out, i = [], 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i] == "DATA" and i + 1 < len(lines):
            end = lines.index(".", i + 1) if "." in lines[i + 1:] else len(lines)
            out.append("<message>")
            i = end
        i += 1
    return out


def check_dialogue(c, dialogues):
    if c.dialogue is None:
        return
    eq(len(dialogues), 1, "connections")
    lines = next(iter(dialogues.values()))
    if callable(c.dialogue):
        c.dialogue(lines)
    else:
        eq(collapse(lines), c.dialogue, "the client's lines")


def configmap(c, port):
    host = c.cfg_host if ":" not in c.cfg_host else '"%s"' % c.cfg_host
    body = c.svc.replace("HOST", host).replace("CLOSEDPORT", str(free_port()))
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
               "--recipient", c.recipient] + c.driver_args
    return subprocess.run(cmd, capture_output=True, env=env, timeout=120)


def judge(c, p, msgs, dialogues, use_cli):
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
    check_dialogue(c, dialogues)


def run_case(args, c, tmp, use_cli, cert, key):
    srv = Mute() if c.server == "mute" else Server(c, tmp, cert, key)
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
        judge(c, p, srv.messages(), srv.dialogues(), use_cli)
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
