#!/usr/bin/python3
"""fake_http.py: a scripted HTTP(S) server standing in for notification
services in rnotify's tests (Python 3 standard library only).

It listens on 127.0.0.1 (port 0 picks a free port, printed on stdout as
"PORT <n>"), records every request as one JSON line (method, path, query,
headers, body) in the --log file, and answers from a JSON script:

  {"routes": [{"path": "/api/", "method": "POST",       # prefix, optional
               "replies": [{"status": 429, "headers": {"Retry-After": "1"}},
                           {"status": 200, "json": {"ok": true}}]}],
   "default": {"status": 200, "body": "ok"}}

Each route's replies are used in order; the last one repeats.  A reply may
hold: status, body (text) or json (any JSON value), headers (object),
delay (seconds before answering), close (drop the connection without a
reply), raw (bytes written as-is, then the connection is closed: a
malformed reply), times (use this reply that many times before the next
one: [{"status": 503, "times": 3}, {"status": 200}]) and hold (a name:
the reply waits until a request to /__release/<name> arrives, so a test
decides when a slow service answers; at most 60 s).  "$SEQ" in a body is
replaced by the request's sequence number (1-based), e.g. for Slack
message timestamps.

Each log line also carries "t" (the arrival time, seconds since the
epoch) and "status" (the status answered, 0 for close and raw).
Requests to /__release/<name> are answered 200 and neither logged nor
counted.

With --cert and --key the server speaks TLS (tests generate a throwaway
certificate with `openssl req` at run time).
"""

import argparse
import json
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


HOLD_MAX_SECONDS = 60


def expand(replies):
    """A reply with "times": n stands for n copies of itself."""
    out = []
    for r in replies:
        out.extend([r] * max(1, int(r.get("times", 1))))
    return out


class State:
    def __init__(self, script, log_path):
        self.script = script
        for route in script.get("routes", []):
            route["replies"] = expand(route.get("replies") or [{}])
        self.log_path = log_path
        self.lock = threading.Lock()
        self.seq = 0
        self.used = {}
        self.holds = {}

    def hold(self, name):
        with self.lock:
            return self.holds.setdefault(name, threading.Event())

    def next_reply(self, method, path):
        with self.lock:
            self.seq += 1
            seq = self.seq
            for i, route in enumerate(self.script.get("routes", [])):
                if not path.startswith(route.get("path", "")):
                    continue
                if route.get("method") and route["method"] != method:
                    continue
                replies = route.get("replies") or [{}]
                n = self.used.get(i, 0)
                self.used[i] = n + 1
                return seq, replies[min(n, len(replies) - 1)]
            return seq, self.script.get("default", {"status": 200, "body": ""})

    def record(self, entry):
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_http/1"
    # headers and body go out in two writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every reply on a kept connection
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(n) if n else b""

    def _release(self, name):
        self.server.state.hold(name).set()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _handle(self):
        state = self.server.state
        body = self._read_body()
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/__release/"):
            self._release(url.path[len("/__release/"):])
            return
        seq, reply = state.next_reply(self.command, url.path)
        plain = not reply.get("close") and "raw" not in reply
        state.record({
            "seq": seq,
            "t": time.time(),
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
            "status": int(reply.get("status", 200)) if plain else 0,
        })
        if reply.get("hold"):
            state.hold(reply["hold"]).wait(HOLD_MAX_SECONDS)
        if reply.get("delay"):
            time.sleep(float(reply["delay"]))
        if reply.get("close"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if "raw" in reply:
            self.wfile.write(reply["raw"].encode())
            self.wfile.flush()
            self.close_connection = True
            return
        if "json" in reply:
            text = json.dumps(reply["json"])
        else:
            text = reply.get("body", "")
        data = text.replace("$SEQ", str(seq)).encode()
        self.send_response(int(reply.get("status", 200)))
        headers = reply.get("headers", {})
        for k, v in headers.items():
            for item in v if isinstance(v, list) else [v]:
                self.send_header(k, str(item))
        if "json" in reply and "Content-Type" not in headers:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    script = {}
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            script = json.load(f)
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(script, args.log)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
