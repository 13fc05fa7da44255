"""sbtest.py: helpers shared by the rnotify-sandbox tests (stdlib only).

Sandbox starts build/rnotify-sandbox on 127.0.0.1 port 0, waits for its
"serving" line and stops it with SIGTERM (it must exit 0).  It speaks to
the API and the /__emu/ admin endpoints with http.client, and opens watch
streams over a raw socket so that tests can see chunk boundaries, the
terminating chunk and abrupt closes exactly.  run() runs test functions
and prints "N passed, N failed".
"""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback


class Sandbox:
    def __init__(self, binary, *args, tls=False, token=None):
        self.dir = tempfile.mkdtemp(prefix="sbtest-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        cmd = [binary, "--addr", "127.0.0.1:0", "--kubeconfig",
               self.kubeconfig, "--quiet"] + list(args)
        if tls:
            cmd.append("--tls")
        if token:
            cmd += ["--token", token]
        self.token = token
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"rnotify-sandbox: serving (https?)://127\.0\.0\.1:(\d+)",
                     line)
        if not m:
            self.proc.kill()
            raise RuntimeError("sandbox did not start: %r %s" %
                               (line, self.proc.stderr.read()))
        self.tls = m.group(1) == "https"
        self.port = int(m.group(2))
        self.url = "%s://127.0.0.1:%d" % (m.group(1), self.port)
        self.ctx = None
        if self.tls:
            self.ca = self._ca_from_kubeconfig()
            self.ctx = ssl.create_default_context(cadata=self.ca)

    def _ca_from_kubeconfig(self):
        with open(self.kubeconfig) as f:
            for line in f:
                if "certificate-authority-data:" in line:
                    data = line.split(":", 1)[1].strip().strip('"')
                    return base64.b64decode(data).decode()
        raise RuntimeError("no CA in the kubeconfig")

    def stop(self):
        try:
            self._stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("sandbox did not stop on SIGTERM")
            assert rc == 0, "sandbox exited %d: %s" % (rc,
                                                       self.proc.stderr.read())

    # ---- plain requests ----
    def conn(self, timeout=30):
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port,
                                               timeout=timeout,
                                               context=self.ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, ctype=None, headers=None,
                token=None):
        """Returns (status, headers dict, body bytes)."""
        c = self.conn()
        h = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            ctype = ctype or "application/json"
        if ctype:
            h["Content-Type"] = ctype
        tok = token if token is not None else self.token
        if tok and self.tls:
            h["Authorization"] = "Bearer " + tok
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, data

    def json(self, method, path, body=None, ctype=None, expect=None,
             **kw):
        st, h, data = self.request(method, path, body, ctype, **kw)
        if expect is not None:
            assert st == expect, "%s %s: %d %s" % (method, path, st, data[:500])
        return st, json.loads(data) if data else None

    def get(self, path, expect=200):
        return self.json("GET", path, expect=expect)[1]

    def admin(self, method, what, body=None, expect=200):
        return self.json(method, "/__emu/" + what, body, expect=expect)[1]

    def state(self):
        return self.admin("GET", "state")

    def rv(self):
        return int(self.state()["resourceVersion"])

    def load(self, objs):
        return self.admin("POST", "objects", {"items": objs})

    def reset(self):
        self.admin("POST", "reset", {})
        self.admin("DELETE", "faults")
        self.admin("POST", "expired", {"http": False, "reason": "Expired",
                                        "etcd": False})
        self.admin("POST", "recorder", {"spamFilter": True,
                                         "aggregation": True})

    # ---- watches ----
    def watch(self, path, timeout=10):
        return Watch(self, path, timeout)


class Watch:
    """A raw HTTP/1.1 watch: chunks() and lines() as the bytes arrive."""

    def __init__(self, sb, path, timeout):
        raw = socket.create_connection(("127.0.0.1", sb.port), timeout=timeout)
        if sb.tls:
            raw = sb.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.sock = raw
        auth = "Authorization: Bearer %s\r\n" % sb.token if sb.tls and \
            sb.token else ""
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " \
              "application/json\r\n%s\r\n" % (path, auth)
        self.sock.sendall(req.encode())
        self.buf = b""
        self.ended = None  # "clean", "closed", "reset"
        self.status, self.headers = self._head()
        self.pending = b""

    def _recv(self):
        try:
            d = self.sock.recv(65536)
        except ConnectionResetError:
            self.ended = "reset"
            return False
        except ssl.SSLError:
            self.ended = "reset"
            return False
        if not d:
            self.ended = self.ended or "closed"
            return False
        self.buf += d
        return True

    def _head(self):
        while b"\r\n\r\n" not in self.buf:
            if not self._recv():
                raise AssertionError("no response head")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        return status, hdrs

    def chunk(self):
        """The next chunk's payload; None at the end (see self.ended)."""
        if self.ended:
            return None
        while b"\r\n" not in self.buf:
            if not self._recv():
                return None
        size_s, rest = self.buf.split(b"\r\n", 1)
        size = int(size_s.split(b";")[0], 16)
        while len(rest) < size + 2:
            self.buf = size_s + b"\r\n" + rest
            if not self._recv():
                return None
            size_s, rest = self.buf.split(b"\r\n", 1)
        data, self.buf = rest[:size], rest[size + 2:]
        if size == 0:
            self.ended = "clean"
            return None
        return data

    def body(self):
        """Every remaining byte until the stream ends."""
        data = b""
        while True:
            c = self.chunk()
            if c is None:
                return data
            data += c

    def line(self):
        """The next complete line as parsed JSON; None at the end."""
        while b"\n" not in self.pending:
            c = self.chunk()
            if c is None:
                return None
            self.pending += c
        l, self.pending = self.pending.split(b"\n", 1)
        return json.loads(l)

    def events(self, n):
        out = []
        for _ in range(n):
            e = self.line()
            assert e is not None, "stream ended after %d events (%s)" % (
                len(out), self.ended)
            out.append(e)
        return out

    def rest(self):
        """Every remaining line until the stream ends."""
        out = []
        while True:
            e = self.line()
            if e is None:
                return out
            out.append(e)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def wait_for(pred, what, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def run(tests, only=None):
    passed = failed = 0
    for t in tests:
        if only and only not in t.__name__:
            continue
        try:
            t()
            passed += 1
            print("ok   " + t.__name__, flush=True)
        except Exception:
            failed += 1
            print("FAIL " + t.__name__, flush=True)
            traceback.print_exc()
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0
