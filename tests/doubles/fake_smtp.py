#!/usr/bin/python3
"""fake_smtp.py: an SMTP server standing in for a mail relay in rnotify's
email tests (Debian's python3-aiosmtpd; run it with /usr/bin/python3).

It listens on 127.0.0.1 (or --host, another loopback address; --port 0 picks a free port; the port is printed on
stdout as "PORT <n>") and records every accepted message as one JSON line
in the --log file:

  {"mail_from": "a@x", "mail_options": [], "rcpt_tos": ["b@y"],
   "data_b64": "<raw bytes after DATA, dot-unstuffed, base64>",
   "tls": true, "auth": {"mechanism": "PLAIN", "login": "robot"} | null,
   "ehlo": "localhost"}

Options:
  --cert F --key F     a TLS certificate (tests make a throwaway one with
                       `openssl req`); with --starttls it is offered through
                       STARTTLS, with --tls the server speaks TLS at once
                       (implicit TLS, "SMTPS")
  --user U --password P   offer AUTH PLAIN LOGIN (or the mechanisms of
                       --mechs, among PLAIN, LOGIN, CRAM-MD5, XOAUTH2 (which
                       always fails)); also over plaintext
  --fail-mail R, --fail-rcpt R, --fail-data R   answer MAIL, RCPT or the end
                       of DATA with the reply R (e.g. "451 4.3.0 try later");
                       --fail-rcpt-only ADDR limits --fail-rcpt to ADDR
  --no-ehlo            reject EHLO (502), so clients fall back to HELO
  --odd-login          LOGIN challenges "User Name\0" / "Password\0"
                       (aiosmtpd's own) instead of "Username:" / "Password:"

  --drop-ext K[,K]     leave these extensions (e.g. 8BITMIME,SMTPUTF8) out of
                       the EHLO reply (aiosmtpd offers 8BITMIME and
                       SMTPUTF8 by default)
  --stall-at MAIL|DATA never answer MAIL, or the end of DATA (a stalled
                       server)

Failed AUTH attempts are recorded too, as {"auth_failed": {...}}.  Every
line a client sends is recorded as it is read, before the server answers
it, as {"conn": N, "line": "<the line without CRLF>"} (N counts the
connections), so a test sees the whole dialogue, message lines included
(as sent: dot-stuffed).
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import socket
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

LOCK = threading.Lock()
CONNS = itertools.count(1)


def record(path, entry):
    with LOCK:
        with open(path, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Relay(SMTP):
    """aiosmtpd's server with the LOGIN challenges Go and libcurl expect
    ("Username:", "Password:") and a CRAM-MD5 mechanism."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"
    no_ehlo = False
    rn_log = None

    def _client_connected_cb(self, reader, writer):
        super()._client_connected_cb(reader, writer)
        conn, log = next(CONNS), self.rn_log

        def recording(read):
            async def wrapped(*a, **kw):
                line = await read(*a, **kw)
                if line:
                    text = line.rstrip(b"\r\n").decode("latin-1")
                    record(log, {"conn": conn, "line": text})
                return line
            return wrapped
        # readline() reads through readuntil()
        reader.readuntil = recording(reader.readuntil)

    async def smtp_EHLO(self, hostname):
        if self.no_ehlo:
            await self.push("502 5.5.2 Error: command not recognized")
            return
        await super().smtp_EHLO(hostname)

    async def auth_CRAM__MD5(self, _, args):
        challenge = "<%d.%d@fake-smtp>" % (int(time.time()), id(self))
        resp = await self.challenge_auth(challenge)
        if resp is None or not isinstance(resp, bytes):
            return AuthResult(success=False, handled=False)
        try:
            user, digest = resp.decode().rsplit(" ", 1)
        except ValueError:
            return AuthResult(success=False, handled=False)
        return self._authenticate("CRAM-MD5",
                                  ("CRAM-MD5", user, digest, challenge))


    async def auth_XOAUTH2(self, _, args):
        # offered only so that a client sees an AUTH line without PLAIN,
        # LOGIN or CRAM-MD5; every attempt fails
        return AuthResult(success=False, handled=False)


class Handler:
    def __init__(self, args):
        self.args = args

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        # aiosmtpd offers "AUTH" even with no mechanism left; a relay
        # without AUTH does not mention it
        drop = set((self.args.drop_ext or "").split(","))
        kept = [r for r in responses if r.strip() != "250-AUTH" and
                r[4:].split(" ")[0] not in drop]
        # the last line of a reply has "250 "
        return [r[:3] + "-" + r[4:] for r in kept[:-1]] + \
            [kept[-1][:3] + " " + kept[-1][4:]]

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.args.stall_at == "MAIL":
            await asyncio.sleep(3600)
        if self.args.fail_mail:
            return self.args.fail_mail
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        only = self.args.fail_rcpt_only
        if self.args.fail_rcpt and (not only or only == address):
            # "\n" in the script makes a multi-line reply
            lines = self.args.fail_rcpt.split("\\n")
            code = lines[-1][:3]
            for l in lines[:-1]:
                await server.push(code + "-" + l[4:] if l[:3] == code else l)
            return lines[-1]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.stall_at == "DATA":
            await asyncio.sleep(3600)
        if self.args.fail_data:
            return self.args.fail_data
        auth = getattr(session, "rn_auth", None)
        record(self.args.log, {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "data_b64": base64.b64encode(
                envelope.original_content).decode(),
            "tls": (session.ssl is not None or server.transport
                    .get_extra_info("ssl_object") is not None),
            "auth": auth,
            "ehlo": session.host_name,
        })
        return "250 Message accepted for delivery"


def make_authenticator(args):
    def check(server, session, envelope, mechanism, data):
        ok = False
        login = None
        if isinstance(data, LoginPassword):
            login = data.login.decode(errors="replace")
            ok = (login == args.user and
                  data.password.decode(errors="replace") == args.password)
        elif isinstance(data, tuple) and data[0] == "CRAM-MD5":
            _, login, digest, challenge = data
            want = hmac.new(args.password.encode(), challenge.encode(),
                            hashlib.md5).hexdigest()
            ok = login == args.user and hmac.compare_digest(want, digest)
        entry = {"mechanism": mechanism, "login": login}
        if ok:
            session.rn_auth = entry
        else:
            record(args.log, {"auth_failed": entry})
        # handled=False: aiosmtpd then answers 535 itself
        return AuthResult(success=ok, handled=False)
    return check


class Relays(Controller):
    def __init__(self, args, **kw):
        self.rn_args = args
        super().__init__(Handler(args), **kw)

    def factory(self):
        a = self.rn_args
        kw = {"hostname": "fake-smtp", "auth_require_tls": False,
              "enable_SMTPUTF8": True}
        if a.starttls:
            kw["tls_context"] = tls_context(a)
        if a.user:
            kw["authenticator"] = make_authenticator(a)
            offered = {"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"}
            keep = set((a.mechs or "PLAIN LOGIN").split())
            kw["auth_exclude_mechanism"] = sorted(offered - keep)
        else:
            kw["auth_exclude_mechanism"] = ["PLAIN", "LOGIN", "CRAM-MD5",
                                            "XOAUTH2"]
        srv = Relay(self.handler, **kw)
        srv.no_ehlo = a.no_ehlo
        srv.rn_log = a.log
        if a.odd_login:
            srv.AuthLoginUsernameChallenge = SMTP.AuthLoginUsernameChallenge
            srv.AuthLoginPasswordChallenge = SMTP.AuthLoginPasswordChallenge
        return srv


def tls_context(a):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(a.cert, a.key)
    return ctx


def free_port(host):
    s = socket.socket()
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--password", default="")
    ap.add_argument("--mechs", default="")
    ap.add_argument("--fail-mail")
    ap.add_argument("--fail-rcpt")
    ap.add_argument("--fail-rcpt-only")
    ap.add_argument("--fail-data")
    ap.add_argument("--no-ehlo", action="store_true")
    ap.add_argument("--odd-login", action="store_true")
    ap.add_argument("--drop-ext")
    ap.add_argument("--stall-at", choices=["MAIL", "DATA"])
    args = ap.parse_args()
    port = args.port or free_port(args.host)
    kw = {"hostname": args.host, "port": port}
    if args.tls:
        kw["ssl_context"] = tls_context(args)
    ctl = Relays(args, **kw)
    try:
        ctl.start()
    except Exception as ex:  # port taken, bad certificate ...
        print("ERROR %s" % ex, flush=True)
        return 1
    print("PORT %d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        ctl.stop()
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
