#!/usr/bin/env python3
"""bench_test.py RN_BENCH: rn-bench names a failing row and exits 1
instead of timing the error path; a clean run exits 0.

The config rows load the bundled catalog from the working directory: run
from the repository root they pass, run elsewhere the catalog is missing
and config/load-catalog must be reported as failed.  The inputs in
tests/bench/inputs are the smallest the harness accepts (the other groups
are filtered out).
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run(bench, cwd):
    p = subprocess.run([bench, "--shared", os.path.join(HERE, "inputs"),
                        "--filter", "config"], cwd=cwd, capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    bench = os.path.abspath(sys.argv[1])
    ok = True
    rc, out, err = run(bench, ROOT)
    if rc != 0 or "load-catalog" not in out or "load-1MiB" not in out:
        print(f"clean run: exit {rc}\n{out}{err}")
        ok = False
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = run(bench, tmp)
    want = ("rn-bench: FAILED config/load-catalog: cannot read "
            "examples/catalog/argo-rollouts-notification-configmap.yaml "
            "(run from the repository root)\n")
    if rc != 1 or want not in err or "load-catalog" in out:
        print(f"failing row: exit {rc} (want 1)\nstdout: {out}\n"
              f"stderr: {err}")
        ok = False
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
