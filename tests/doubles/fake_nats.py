#!/usr/bin/python3
"""fake_nats.py: a small NATS server double for rnotify's service tests
(Python 3 standard library; Ed25519 checks through the openssl CLI).

Listens on 127.0.0.1 (--port 0 prints "PORT <n>"), sends INFO with a
nonce, and speaks CONNECT/PING/PONG/PUB/HPUB.  Every CONNECT (its JSON,
and whether its NKey signature verified) and every published message
(subject, raw header block, payload) is one JSON line in --log.  With
--user/--password or --nkey-pub the server requires that authentication
and answers "-ERR 'Authorization Violation'" otherwise (--token: an
auth_token); --no-headers advertises a server without header support.
The CONNECT entry keeps the raw JSON text too, for byte-exact checks.
"""

import argparse
import base64
import json
import os
import socketserver
import subprocess
import sys
import tempfile

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
NONCE = "fAkEnOnCe-1234"


def b32decode(s):
    return base64.b32decode(s + "=" * (-len(s) % 8))


def verify_nkey(pub, sig_b64url, nonce):
    """Ed25519 check of sig over nonce with the U... public key."""
    raw = b32decode(pub)[1:33]
    der = bytes.fromhex("302a300506032b6570032100") + raw
    sig = base64.urlsafe_b64decode(sig_b64url + "=" * (-len(sig_b64url) % 4))
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for name, data in (("pub", der), ("sig", sig), ("in", nonce.encode())):
            paths[name] = os.path.join(d, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        p = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin",
                            "-keyform", "DER", "-inkey", paths["pub"],
                            "-rawin", "-in", paths["in"],
                            "-sigfile", paths["sig"]], capture_output=True)
        return p.returncode == 0


class Handler(socketserver.StreamRequestHandler):
    def log(self, entry):
        with open(self.server.opts.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def send(self, text):
        self.wfile.write(text.encode())
        self.wfile.flush()

    def authorized(self, c):
        o = self.server.opts
        if o.token:
            return c.get("auth_token") == o.token
        if o.user:
            return c.get("user") == o.user and c.get("pass") == o.password
        if o.nkey_pub:
            return (c.get("nkey") == o.nkey_pub and
                    verify_nkey(c["nkey"], c.get("sig", ""), NONCE))
        return True

    def handle(self):
        o = self.server.opts
        info = {"server_id": "FAKE", "version": "2.9.0", "proto": 1,
                "headers": not o.no_headers, "max_payload": 1048576,
                "nonce": NONCE,
                "auth_required": bool(o.user or o.nkey_pub or o.token)}
        self.send("INFO %s\r\n" % json.dumps(info))
        while True:
            line = self.rfile.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            op, _, rest = line.partition(" ")
            if op == "CONNECT":
                c = json.loads(rest)
                ok = self.authorized(c)
                self.log({"op": "CONNECT", "connect": c, "raw": rest,
                          "authorized": ok})
                if not ok:
                    self.send("-ERR 'Authorization Violation'\r\n")
                    return
            elif op == "PING":
                self.send("PONG\r\n")
            elif op in ("PUB", "HPUB"):
                parts = rest.split()
                total = int(parts[-1])
                hdr = int(parts[1]) if op == "HPUB" else 0
                data = self.rfile.read(total + 2)[:total].decode()
                self.log({"op": op, "subject": parts[0],
                          "headers": data[:hdr], "payload": data[hdr:]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--nkey-pub")
    ap.add_argument("--token")
    ap.add_argument("--no-headers", action="store_true")
    opts = ap.parse_args()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    srv = socketserver.ThreadingTCPServer(("127.0.0.1", opts.port), Handler)
    srv.daemon_threads = True
    srv.opts = opts
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
