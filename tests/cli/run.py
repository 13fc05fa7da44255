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
it.  Four cases are built in: `secrets` runs every command with a Secret
value in every encoding and fails if any form of it is printed; `help`
checks that every command answers --help with a usage text and exit code
0; `columns` that the recorded tables keep upstream's column names;
`bounds` that deep, wide and oversized inputs fail (or load) with the
right message.

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


# The table headers of `kubectl argo rollouts notifications` (its
# template get, trigger get and trigger run), which the recorded outputs
# must keep; docs/CLI.md lists what rnotify prints differently.
UPSTREAM_COLUMNS = {
    ("template", "get"): ["NAME", "PREVIEW"],
    ("trigger", "get"): ["NAME", "TEMPLATE", "CONDITION"],
    ("trigger", "run"): ["CONDITION", "RESULT"],
}
VALUE_FLAGS = {"--config-map", "--secret", "-n", "--namespace", "-o",
               "--output", "--recipient", "--event", "--delivery-deadline"}


def command_words(args):
    words, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in VALUE_FLAGS:
            skip = True
        elif not a.startswith("-"):
            words.append(a)
    return tuple(words[:2]), ("-o" in args or "--output" in args or
                              any(a.startswith("-o=") for a in args))


def check_columns(rnotify):
    """Every recorded table keeps upstream's column names and order."""
    ok, seen = True, set()
    for f in sorted(os.listdir(CASES)):
        if not f.endswith(".cmd"):
            continue
        name = f[:-4]
        args, _ = load_case(name)
        words, other_mode = command_words(args)
        want = UPSTREAM_COLUMNS.get(words)
        out = expected(name, "out")
        if not want or other_mode or not out:
            continue
        seen.add(words)
        got = out.decode().split("\n")[0].split()
        if got != want:
            print(f"--- {name}: columns {got}, upstream prints {want}")
            ok = False
    if seen != set(UPSTREAM_COLUMNS):
        print(f"--- no recorded table for {set(UPSTREAM_COLUMNS) - seen}")
        ok = False
    with open(os.path.join(ROOT, "docs", "CLI.md"), encoding="utf-8") as f:
        doc = f.read()
    if "## Differences from Argo Rollouts' CLI" not in doc:
        print("--- docs/CLI.md lists no deliberate differences")
        ok = False
    return ok


CM_HEAD = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
           "  name: argo-rollouts-notification-configmap\ndata:\n")


def bounds_inputs(tmp):
    """Deep, wide and broken inputs, written to tmp; (name, file, secret,
    exit code, stdout) of each check."""
    secret = os.path.join(tmp, "big-secret.yaml")
    with open(secret, "w") as f:
        f.write("apiVersion: v1\nkind: Secret\nmetadata:\n"
                "  name: argo-rollouts-notification-secret\nstringData:\n"
                "  big: '" + "x" * (1 << 20) + "'\n  more: 'yyyy'\n")
    files = {
        "deep": CM_HEAD + "  template.a: 'message: hi'\nunused: " +
        "[" * 40000 + "]" * 40000 + "\n",
        "deep-value": CM_HEAD + "  template.a: |\n    message: hi\n    x: " +
        "[" * 1001 + "]" * 1001 + "\n",
        "wide": CM_HEAD + "".join(
            "  template.t%d: |\n    message: '{{.rollout.metadata.name}} "
            "%d'\n" % (i, i) for i in range(30000)),
        "wide-ok": CM_HEAD + "".join(
            "  template.t%d: 'message: m%d'\n" % (i, i) for i in range(5000)),
        "utf8": CM_HEAD + "  template.a: |\n    message: \"a\xffb\"\n",
    }
    for n, text in files.items():
        with open(os.path.join(tmp, n + ".yaml"), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape")
                    if n != "utf8" else text.encode("latin-1"))
    big = "the Kubernetes API refuses more than 1048576 (1 MiB)"
    return [
        ("deep", ":empty", 2,
         "deep.yaml:7:1008: yaml: nesting deeper than 1000\n"
         "1 problem found\n"),
        ("deep-value", ":empty", 2,
         "deep-value.yaml:8:1007: template.a: failed to unmarshal template "
         "a: error converting YAML to JSON: yaml: nesting deeper than "
         "1000\n1 problem found\n"),
        ("wide", ":empty", 2,
         "wide.yaml:5:1: data: the ConfigMap's data add up to 1747780 "
         "bytes: " + big + "\n1 problem found\n"),
        ("wide-ok", ":empty", 0,
         "ok: 5000 templates, 0 triggers, 0 services, 0 subscriptions, "
         "0 secret keys\n"),
        ("utf8", ":empty", 2,
         "utf8.yaml:7:16: yaml: invalid leading UTF-8 octet\n"
         "1 problem found\n"),
        ("wide-ok", secret, 2,
         "big-secret.yaml:5:1: data: the Secret's values add up to 1048580 "
         "bytes: " + big + "\n1 problem found\n"),
    ]


def check_bounds(rnotify):
    """Configuration input is bounded: what is too deep or too big fails
    with a message that says where and why; a wide input within the
    limits loads."""
    import tempfile
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, secret, rc_want, out_want in bounds_inputs(tmp):
            cm = os.path.join(tmp, name + ".yaml")
            out, err, rc = run(rnotify, ["check", "--config-map", cm,
                                         "--secret", secret])
            out = out.decode().replace(tmp + "/", "")
            if rc != rc_want or out != out_want or err:
                print(f"--- check {name}: exit {rc} (want {rc_want})\n"
                      f"got:  {out[:600]!r}\nwant: {out_want!r}\n"
                      f"stderr: {err[:300]!r}")
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
        names += ["secrets", "help", "columns", "bounds"]
    else:
        names = sys.argv[2:]
    failed = []
    for name in names:
        if name == "secrets":
            ok = check_secrets(rnotify)
        elif name == "help":
            ok = check_help(rnotify)
        elif name == "columns":
            ok = check_columns(rnotify)
        elif name == "bounds":
            ok = check_bounds(rnotify)
        else:
            ok = run_case(rnotify, name)
        if not ok:
            failed.append(name)
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
