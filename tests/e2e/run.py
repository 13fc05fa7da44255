#!/usr/bin/env python3
"""run.py: runs end-to-end tests of `rnotify controller`.

usage: run.py BUILD_DIR [TEST...]     (no TEST: list the tests)

Exit status: 0 when every test passed, 1 when one failed, 77 (ctest's
skip) when every test named was skipped (harness.Skip: a tool it needs is
missing).

Each test is a function `test_<name>(env)` in tests/e2e/test_*.py; `env`
makes the sandbox, the sink and controllers and cleans them up.  On a
failure the logs of every process the test started are printed.
"""

import glob
import importlib
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class Env:
    def __init__(self, build, name):
        self.build = os.path.abspath(build)
        self.dir = harness.workdir(name)
        self.procs = []
        self.sinks = []

    def sandbox(self, *extra):
        sb = harness.Sandbox(self.build, self.dir, extra)
        self.procs.append(sb)
        return sb

    def sink(self, script=None):
        s = harness.Sink(self.dir, script, f"sink{len(self.sinks) or ''}")
        self.sinks.append(s)
        return s

    def controller(self, sb, name="rnotify", extra=()):
        c = harness.Controller(self.build, self.dir, sb.kubeconfig, name,
                               extra)
        self.procs.append(c)
        return c

    def close(self):
        for p in reversed(self.procs):
            try:
                if isinstance(p, harness.Controller):
                    if p.proc and p.proc.poll() is None:
                        p.proc.kill()
                        p.proc.wait()
                else:
                    p.stop()
            except Exception:
                pass
        for s in self.sinks:
            s.stop()

    def dump(self):
        for p in self.procs:
            path = getattr(p, "log_path", None) or getattr(p.log, "name", "")
            if path and os.path.exists(path):
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                print(f"----- {path} (last 80 lines)")
                print("\n".join(text.splitlines()[-80:]))


def tests():
    found = {}
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        for k in dir(mod):
            if k.startswith("test_"):
                found[k[5:]] = getattr(mod, k)
    return found


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    build = sys.argv[1]
    all_tests = tests()
    names = sys.argv[2:]
    if not names:
        print("\n".join(sorted(all_tests)))
        return 0
    failed = skipped = 0
    for name in names:
        env = Env(build, name)
        try:
            all_tests[name](env)
            print(f"ok   {name}")
        except harness.Skip as e:
            skipped += 1
            print(f"SKIP {name}: {e}")
        except Exception:
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
            env.dump()
        finally:
            env.close()
    if failed:
        return 1
    return 77 if skipped == len(names) else 0


if __name__ == "__main__":
    sys.exit(main())
