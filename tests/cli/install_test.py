#!/usr/bin/python3
"""install_test.py: what `make install` installs, and what it says.

- `rnotify version` prints the version, the commit and the build flags
  CMake passed;
- the bash completion (completion/rnotify.bash, run in a real bash)
  offers every command the root help lists and, for each command, every
  flag its --help text shows, plus the values of -o and --event;
- the man page (docs/rnotify.1) renders with groff without a warning and
  names every command and every flag of the --help texts;
- `cmake --install` of the build directory with DESTDIR and a prefix puts
  the binary, the man page and the completion where they belong, and the
  installed binary runs.

Usage: install_test.py RNOTIFY
Ends with "N passed, N failed".
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from pycheck import expect, run_checks  # noqa: E402

COMPLETION = os.path.join(ROOT, "completion", "rnotify.bash")
MAN = os.path.join(ROOT, "docs", "rnotify.1")
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*[a-z0-9]|-[a-zA-Z])(?![\w-])")


def run(rnotify, *args):
    p = subprocess.run([rnotify] + list(args), capture_output=True,
                       text=True, timeout=30, cwd=ROOT)
    return p.returncode, p.stdout


def commands(rnotify):
    """The command words of the root help's Commands section."""
    rc, out = run(rnotify, "--help")
    expect(rc == 0, "rnotify --help")
    m = re.search(r"^Commands:\n((?:  \S.*\n)+)", out, re.M)
    expect(m, "a Commands: section in rnotify --help")
    cmds = []
    for line in m.group(1).splitlines():
        words = []
        for w in line.split():
            if not re.fullmatch(r"[a-z]+", w):
                break
            words.append(w)
        if words[:1] in (["template"], ["trigger"]):
            words = words[:2]
        else:
            words = words[:1]
        cmds.append(words)
    expect(len(cmds) >= 7, "commands listed: %r" % cmds)
    return cmds


def help_flags(rnotify, cmd):
    rc, out = run(rnotify, *(cmd + ["--help"]))
    expect(rc == 0, "rnotify %s --help" % " ".join(cmd))
    usage = out.split("Usage:", 1)[1] if "Usage:" in out else out
    # flags of other programs quoted in the text are not rnotify's
    usage = re.sub(r"kubectl[^\n]*", "", usage)
    return set(FLAG.findall(usage))


def complete(words):
    """COMPREPLY for the command line `words` (the last one completed)."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _rnotify; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "-c", script, "bash", COMPLETION] + words,
                       capture_output=True, text=True, timeout=30)
    expect(p.returncode == 0 and not p.stderr,
           "completion of %r failed: %s" % (words, p.stderr))
    return set(p.stdout.split())


def check_version(rnotify):
    rc, out = run(rnotify, "version")
    expect(rc == 0, "rnotify version exits 0")
    lines = out.splitlines()
    expect(len(lines) == 3, "three lines: %r" % out)
    expect(re.fullmatch(r"rnotify \d+\.\d+\.\d+", lines[0]), lines[0])
    expect(re.fullmatch(r"commit: ([0-9a-f]{12}(-dirty)?|unknown)", lines[1]),
           lines[1])
    expect(re.fullmatch(r"build: type=\S* compiler=\S+ cflags=.* "
                        r"sanitize=\S+", lines[2]), lines[2])
    if shutil.which("git") and os.path.isdir(os.path.join(ROOT, ".git")):
        p = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT,
                           capture_output=True, text=True)
        if p.returncode == 0:
            expect(lines[1] != "commit: unknown",
                   "a git checkout gives a commit")


def check_completion(rnotify):
    cmds = commands(rnotify)
    top = complete(["rnotify", ""])
    for c in cmds:
        expect(c[0] in top, "`rnotify <TAB>` lacks %s" % c[0])
        if len(c) == 2:
            expect(c[1] in complete(["rnotify", c[0], ""]),
                   "`rnotify %s <TAB>` lacks %s" % (c[0], c[1]))
    for c in cmds + [[]]:
        want = help_flags(rnotify, c)
        got = complete(["rnotify"] + c + ["-"])
        missing = sorted(want - got)
        expect(not missing, "completion of `rnotify %s -` lacks %s"
               % (" ".join(c), missing))
    fmt = complete(["rnotify", "template", "get", "-o", ""])
    expect(fmt == {"wide", "name", "json", "yaml"}, "-o values: %r" % fmt)
    ev = complete(["rnotify", "explain", "r.yaml", "--event", "RolloutP"])
    expect("RolloutPaused" in ev, "--event values: %r" % ev)


def check_man(rnotify):
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN],
                       capture_output=True, text=True)
    expect(p.returncode == 0 and not p.stderr.strip(),
           "groff warnings: " + p.stderr)
    with open(MAN) as f:
        text = f.read().replace("\\-", "-")
    for c in commands(rnotify):
        expect(" ".join(c) in text, "the man page lacks `%s`" % " ".join(c))
        for flag in help_flags(rnotify, c):
            expect(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(flag),
                             text), "the man page lacks %s (from `rnotify "
                   "%s --help`)" % (flag, " ".join(c)))


def check_install(rnotify):
    build = os.path.dirname(rnotify)
    expect(os.path.isfile(os.path.join(build, "cmake_install.cmake")),
           "%s is not a CMake build directory" % build)
    dest = tempfile.mkdtemp(prefix="rn-install-")
    try:
        env = dict(os.environ, DESTDIR=dest)
        p = subprocess.run(["cmake", "--install", build, "--prefix",
                            "/opt/rn"], env=env, capture_output=True,
                           text=True)
        expect(p.returncode == 0, "cmake --install: " + p.stderr)
        root = os.path.join(dest, "opt", "rn")
        for f in ("bin/rnotify", "share/man/man1/rnotify.1",
                  "share/bash-completion/completions/rnotify"):
            expect(os.path.isfile(os.path.join(root, f)), "not installed: "
                   + f)
        expect(os.access(os.path.join(root, "bin", "rnotify"), os.X_OK),
               "the installed binary is executable")
        rc, out = run(os.path.join(root, "bin", "rnotify"), "version")
        expect(rc == 0 and out.startswith("rnotify "), "installed binary")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    rnotify = os.path.abspath(sys.argv[1])
    checks = [("version", check_version), ("bash completion",
                                            check_completion),
              ("man page", check_man), ("make install", check_install)]
    return run_checks((name, lambda fn=fn: fn(rnotify))
                      for name, fn in checks)


if __name__ == "__main__":
    sys.exit(main())
