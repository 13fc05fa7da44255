#!/usr/bin/env python3
"""make_test.py BUILD_DIR: what `make demo` shows, and what the make
targets share.

- `make demo` prints every command before it runs it: each printed
  `$ .../rnotify ...` line is run again, as printed, by the shell from the
  repository root and must print what the demo printed under it.
- `make`, `make demo` and `make test` configure build/ with the same
  command, -Werror included (so running one after another rebuilds
  nothing, and a warning fails every one of them).
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def demo_blocks(build):
    """(command line, what the demo printed under it) of each rnotify
    command of examples/run-demo.sh."""
    p = subprocess.run([os.path.join(ROOT, "examples", "run-demo.sh"), build],
                       cwd=ROOT, capture_output=True, timeout=300,
                       env=dict(os.environ, TZ="UTC", RNOTIFY_DEMO="cli"))
    if p.returncode != 0:
        raise SystemExit(f"run-demo.sh exited {p.returncode}: "
                         f"{p.stderr.decode()}")
    blocks, cmd, out = [], None, []
    for line in p.stdout.decode().split("\n"):
        if line.startswith("$ ") or line.startswith("== "):
            if cmd:
                blocks.append((cmd, out))
            cmd, out = None, []
            if line.startswith("$ ") and "/rnotify " in line:
                cmd = line[2:]
        elif cmd is not None and not line.startswith("(exit code"):
            out.append(line)
    if cmd:
        blocks.append((cmd, out))
    return blocks


def check_demo(build):
    ok, blocks = True, demo_blocks(build)
    if len(blocks) < 10:
        print(f"--- the demo shows {len(blocks)} rnotify commands")
        return False
    for cmd, shown in blocks:
        p = subprocess.run(["bash", "-c", cmd + " 2>&1"], cwd=ROOT,
                           capture_output=True, timeout=60,
                           env=dict(os.environ, TZ="UTC"))
        again = p.stdout.decode().split("\n")
        while again and not again[-1]:
            again.pop()
        while shown and not shown[-1]:
            shown.pop()
        if again != shown:
            print(f"--- run again as printed, `{cmd}` prints otherwise:")
            print("\n".join(again[:20]))
            ok = False
    return ok


def dry_run(target):
    p = subprocess.run(["make", "-n", target], cwd=ROOT,
                       capture_output=True, timeout=60)
    return p.stdout.decode().split("\n")


def check_make():
    ok = True

    def configure(lines):
        return [ln.strip() for ln in lines
                if ln.strip().startswith("cmake -S . -B build ")]
    for target in ("all", "test-plain"):
        if len(configure(dry_run(target))) != 1:
            print(f"--- make {target} configures build/ {configure(dry_run(target))}")
            ok = False
    if configure(dry_run("all")) != configure(dry_run("test-plain")):
        print("--- make and make test configure build/ differently: "
              f"{configure(dry_run('all'))} / "
              f"{configure(dry_run('test-plain'))}")
        ok = False
    if not all("-DRN_WERROR=ON" in ln for ln in configure(dry_run("all"))):
        print("--- make test does not build with -Werror")
        ok = False
    return ok


def main():
    build = os.path.abspath(sys.argv[1])
    ok = check_make()
    ok = check_demo(build) and ok
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
