#!/usr/bin/env python3
"""CLI tests for rnotify.

Each case is tests/cli/cases/NAME.cmd:
    args: <arguments, shell-quoted>      (required)
    stdin: <file whose bytes are fed to standard input>   (optional)
and its expectations, all optional except the exit code:
    NAME.out   exact standard output (absent: empty)
    NAME.err   exact standard error  (absent: empty)
    NAME.rc    the exit code (required; a failing case must also record
               its message in NAME.err or NAME.out)
Commands run from the repository root, so paths in args are relative to
it.  Two cases are built in: `secrets` runs many commands with the test
Secret and fails if any of its values is printed; `help` checks that every
command answers --help with a usage text and exit code 0.

usage: run.py RNOTIFY CASE          run one case ("secrets", "help" too)
       run.py RNOTIFY --all         run every case
       run.py RNOTIFY --write CASE  (re)write a case's expectations; review
                                    them before committing
"""
import base64
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(HERE, "cases")


# No kubeconfig reaches the cases unless they name one: cluster mode
# must fail the same way on every machine.
NO_CLUSTER = os.path.join(HERE, "data", "no-home")


def run(rnotify, args, stdin=None):
    env = dict(os.environ, TZ="UTC", LC_ALL="C", HOME=NO_CLUSTER)
    for k in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST",
              "KUBERNETES_SERVICE_PORT", "POD_NAMESPACE"):
        env.pop(k, None)
    p = subprocess.run([rnotify] + args, cwd=ROOT, input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=60)
    return p.stdout, p.stderr, p.returncode


def load_case(name):
    args, stdin = None, None
    with open(os.path.join(CASES, name + ".cmd")) as f:
        for line in f:
            key, _, val = line.strip().partition(":")
            if key == "args":
                args = shlex.split(val)
            elif key == "stdin":
                with open(os.path.join(ROOT, val.strip()), "rb") as s:
                    stdin = s.read()
    if args is None:
        raise SystemExit(f"{name}.cmd has no 'args:' line")
    return args, stdin


def expected(name, ext, default=b""):
    path = os.path.join(CASES, f"{name}.{ext}")
    if not os.path.exists(path):
        return default
    with open(path, "rb") as f:
        return f.read()


def show_diff(what, want, got):
    import difflib
    print(f"--- {what} differs:")
    for line in difflib.unified_diff(
            want.decode(errors="replace").splitlines(True),
            got.decode(errors="replace").splitlines(True),
            "expected", "actual"):
        sys.stdout.write(line)


def run_case(rnotify, name, write=False):
    args, stdin = load_case(name)
    out, err, rc = run(rnotify, args, stdin)
    if write:
        for ext, data in (("out", out), ("err", err)):
            path = os.path.join(CASES, f"{name}.{ext}")
            if data:
                with open(path, "wb") as f:
                    f.write(data)
            elif os.path.exists(path):
                os.remove(path)
        with open(os.path.join(CASES, name + ".rc"), "w") as f:
            f.write(f"{rc}\n")
        return True
    ok = True
    if not os.path.exists(os.path.join(CASES, name + ".rc")):
        print(f"--- {name}.rc is missing: every case records its exit code")
        return False
    want_rc = int(expected(name, "rc").strip() or b"0")
    if want_rc != 0 and not expected(name, "err") and \
            not expected(name, "out"):
        print(f"--- {name} fails (exit {want_rc}) without a recorded message")
        ok = False
    if rc != want_rc:
        print(f"--- exit code {rc}, expected {want_rc}")
        ok = False
    for what, want, got in (("stdout", expected(name, "out"), out),
                            ("stderr", expected(name, "err"), err)):
        if want != got:
            show_diff(what, want, got)
            ok = False
    return ok


def secret_values():
    """The values of tests/cli/data/secret.yaml, decoded."""
    vals = []
    section = None
    with open(os.path.join(ROOT, "tests/cli/data/secret.yaml")) as f:
        for line in f:
            if not line.startswith(" "):
                section = line.split(":")[0]
                continue
            if line.strip().startswith("#") or ":" not in line:
                continue
            v = line.split(":", 1)[1].strip()
            vals.append(base64.b64decode(v) if section == "data"
                        else v.encode())
    return vals


def check_secrets(rnotify):
    """No command may print a value of the Secret."""
    return check_secret_values(rnotify) and check_secret_forms(rnotify)


def check_secret_values(rnotify):
    """The test Secret's values, over the commands on the test ConfigMap."""
    cm = ["--config-map", "tests/cli/data/cm.yaml",
          "--secret", "tests/cli/data/secret.yaml"]
    res = "tests/cli/data/rollout.yaml"
    commands = [
        ["explain", res], ["explain", res, "--event", "RolloutCompleted"],
        ["template", "notify", "degraded", res],
        ["template", "notify", "degraded", res, "--recipient", "opsgenie:x"],
        ["template", "get"], ["template", "get", "-o", "json"],
        ["template", "get", "-o", "yaml"], ["trigger", "get", "-o", "yaml"],
        ["trigger", "run", "on-degraded", res], ["check"],
    ]
    values = secret_values()
    if len(values) < 2:
        print("--- could not read the test Secret")
        return False
    ok = True
    for c in commands:
        out, err, _ = run(rnotify, c + cm)
        for v in values:
            if v in out or v in err:
                print(f"--- secret value printed by: rnotify {' '.join(c)}")
                ok = False
        shows = c == ["explain", res] or \
            c == ["template", "notify", "degraded", res]
        if shows and b"<secret:slack-token>" not in out:
            print(f"--- expected a placeholder in: rnotify {' '.join(c)}")
            ok = False
    return ok


# One Secret value with bytes that every encoding changes.
FORMS_SECRET = 'Zq9/s3cr+3t <&> "x"'


def go_quote(s):
    """strconv.Quote of printable ASCII, without the quotes."""
    return s.replace("\\", "\\\\").replace('"', '\\"')


def secret_forms(v):
    """Every way the CLI's templates and services could spell v: raw, the
    byte slice, toJson (base64) and b64enc, upper, lower, %x, %q, urlquery
    and quote, JSON escaping, URL path escaping."""
    import json
    import urllib.parse
    b = v.encode()
    forms = {
        "raw": v, "bytes": " ".join(str(c) for c in b),
        "b64": base64.b64encode(b).decode().rstrip("="),
        "b64url": base64.urlsafe_b64encode(b).decode().rstrip("="),
        "upper": v.upper(), "lower": v.lower(),
        "hex": b.hex(), "HEX": b.hex().upper(),
        "q": go_quote(v), "urlquery": urllib.parse.quote_plus(v),
        "path": urllib.parse.quote(v, safe="$&+:=@"),
        "json": json.dumps(v)[1:-1].replace("<", "\\u003c").replace(
            ">", "\\u003e").replace("&", "\\u0026"),
    }
    return {k: f.encode() for k, f in forms.items()}


class Echo:
    """A webhook that answers 400 with what it was sent: the path, the
    headers and the body (servers do echo payloads back)."""

    def __init__(self):
        import http.server
        import threading

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.path.encode() + b" " + \
                    str(self.headers).encode() + self.rfile.read(n)
                self.send_response(400)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def closed_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def check_secret_forms(rnotify):
    """A table: every command, both output streams, one secret in every
    form; none may show.  --show-secrets shows it, with a warning."""
    import tempfile
    echo = Echo()
    tmp = tempfile.mkdtemp(prefix="rn-cli-forms-")
    try:
        with open(os.path.join(ROOT, "tests/cli/data/cm-secret-forms.yaml")) \
                as f:
            text = f.read().replace("CLOSED", str(closed_port()))
        cm, sec = os.path.join(tmp, "cm.yaml"), os.path.join(tmp, "sec.yaml")
        with open(cm, "w") as f:
            f.write(text.replace("PORT", str(echo.port)))
        with open(sec, "w") as f:
            f.write("apiVersion: v1\nkind: Secret\nmetadata:\n"
                    "  name: argo-rollouts-notification-secret\n"
                    "stringData:\n  tok: '%s'\n  pin: '42'\n"
                    "  nats-url: nats://rollouts-bot:n4ts-pa55@127.0.0.1:%d\n"
                    % (FORMS_SECRET, closed_port()))
        return forms_table(rnotify, ["--config-map", cm, "--secret", sec])
    finally:
        echo.close()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


def forms_table(rnotify, files):
    res = "tests/cli/data/rollout.yaml"
    notify = ["template", "notify", "forms", res]
    commands = [
        ["check"], ["template", "get"], ["template", "get", "-o", "json"],
        ["template", "get", "-o", "yaml"], ["template", "get", "-o", "name"],
        ["trigger", "get"], ["trigger", "get", "-o", "yaml"],
        ["trigger", "run", "on-forms", res], ["explain", res],
        ["explain", res, "--event", "RolloutCompleted"], notify,
        ["template", "notify", "broken-forms", res],
        notify + ["--recipient", "echo:x"],
        notify + ["--recipient", "creds:y"],
        notify + ["--recipient", "nats:subject"],
        notify + ["--recipient", "console", "--recipient", "echo:x"],
    ]
    forms = secret_forms(FORMS_SECRET)
    forms["url password"] = b"literal-pw-123"
    forms["password in the Secret's URL"] = b"n4ts-pa55"
    ok = True
    for c in commands:
        out, err, _ = run(rnotify, c + files)
        for stream, data in (("stdout", out), ("stderr", err)):
            for name, form in forms.items():
                if form in data:
                    print(f"--- {name} form of the secret on {stream} of: "
                          f"rnotify {' '.join(c)}")
                    ok = False
    out, _, _ = run(rnotify, notify + files)
    if b"raw=<secret:tok>" not in out:
        print("--- the console should show the placeholder <secret:tok>")
        ok = False
    out, err, _ = run(rnotify, notify + files + ["--show-secrets"])
    if forms["raw"] not in out or b"--show-secrets" not in err:
        print("--- --show-secrets should print the value, with a warning")
        ok = False
    _, err, _ = run(rnotify, ["check"] + files)
    if b"Secret key 'pin' holds 2 bytes" not in err:
        print("--- check should warn about the 2-byte value of 'pin'")
        ok = False
    return ok


HELP_COMMANDS = [[], ["template"], ["trigger"], ["template", "get"],
                 ["template", "notify"], ["trigger", "get"],
                 ["trigger", "run"], ["check"], ["explain"], ["version"],
                 ["controller"]]


def check_help(rnotify):
    ok = True
    for c in HELP_COMMANDS:
        for flag in ("--help", "-h"):
            out, err, rc = run(rnotify, c + [flag])
            if rc != 0 or b"Usage:" not in out or err:
                print(f"--- rnotify {' '.join(c + [flag])}: exit {rc}, "
                      f"{len(out)} bytes of help")
                ok = False
    return ok


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    rnotify = os.path.abspath(sys.argv[1])
    if sys.argv[2] == "--write":
        for name in sys.argv[3:]:
            run_case(rnotify, name, write=True)
        return 0
    if sys.argv[2] == "--all":
        names = sorted(f[:-4] for f in os.listdir(CASES) if f.endswith(".cmd"))
        names += ["secrets", "help"]
    else:
        names = sys.argv[2:]
    failed = []
    for name in names:
        if name == "secrets":
            ok = check_secrets(rnotify)
        elif name == "help":
            ok = check_help(rnotify)
        else:
            ok = run_case(rnotify, name)
        if not ok:
            failed.append(name)
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
