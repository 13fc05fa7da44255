#!/usr/bin/env python3
"""doc_test.py RNOTIFY [DOC...]: the examples of the user docs are run.

Every ```console block of docs/CLI.md (and of any DOC given) holds
commands (`$ rnotify ...`, continued with a trailing backslash) and the
output each prints.  Each command runs from the repository root with
$CM and $SECRET set as the docs set them, and its output (standard output,
then standard error) must show the lines written under it, in order:
a line `...` (at any indentation) stands for any number of lines, and
`(...)` inside a line for any text.  So a count the docs quote ("15
problems found") or a column they show is checked against the code.
"""
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VARS = {
    "CM": "examples/catalog/argo-rollouts-notification-configmap.yaml",
    "SECRET": "examples/catalog/argo-rollouts-notification-secret.yaml",
}


def examples(path):
    """(line number, command words, expected lines) of each example."""
    out, block, cmd, want, start = [], False, None, [], 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            if block and cmd:
                out.append((start, cmd, want))
            block, cmd, want = line.strip() == "```console", None, []
        elif block and line.startswith("$ "):
            if cmd:
                out.append((start, cmd, want))
            start, text = i + 1, line[2:]
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text[:-1] + " " + lines[i].strip()
            cmd, want = text, []
        elif block and cmd is not None:
            want.append(line)
        i += 1
    return out


def line_matches(pattern, line):
    """Trailing blanks aside (tables pad an empty last cell, as Go's
    tabwriter does), with `(...)` as any text."""
    parts = [re.escape(p) for p in pattern.rstrip().split("(...)")]
    return re.fullmatch("(.*)".join(parts), line.rstrip()) is not None


def shows(want, got):
    """Whether got shows want's lines in order (`...` skips lines)."""
    def match(w, g):
        if w == len(want):
            return g == len(got)
        if want[w].strip() == "...":
            return any(match(w + 1, k) for k in range(g, len(got) + 1))
        return g < len(got) and line_matches(want[w], got[g]) and \
            match(w + 1, g + 1)
    return match(0, 0)


def run(rnotify, cmd):
    for k, v in VARS.items():
        cmd = cmd.replace("$" + k, v)
    words = shlex.split(cmd)
    if not words or words[0] != "rnotify":
        return None
    env = dict(os.environ, TZ="UTC", LC_ALL="C",
               HOME=os.path.join(HERE, "data", "no-home"))
    env.pop("KUBECONFIG", None)
    p = subprocess.run([rnotify] + words[1:], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
    return (p.stdout + p.stderr).decode().split("\n")


def main():
    rnotify = os.path.abspath(sys.argv[1])
    docs = sys.argv[2:] or [os.path.join(ROOT, "docs", "CLI.md")]
    failed = checked = 0
    for doc in docs:
        for line, cmd, want in examples(doc):
            while want and not want[-1].strip():
                want.pop()
            got = run(rnotify, cmd)
            if got is None:
                continue
            while got and not got[-1].strip():
                got.pop()
            checked += 1
            if not shows(want, got):
                failed += 1
                print(f"--- {os.path.relpath(doc, ROOT)}:{line}: $ {cmd}")
                print("documented:\n  " + "\n  ".join(want))
                print("printed:\n  " + "\n  ".join(got))
    print(f"{checked - failed}/{checked} documented examples hold")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
