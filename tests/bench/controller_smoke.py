#!/usr/bin/python3
"""controller_smoke.py: make bench's controller group, run small.

bench/controller_bench.py against the build under test with 50 Rollouts
and a hundred Events: every row comes out (values are not judged: speed
is for `make bench`, not for tests), the rows are merged into the JSON
file given, and a case that cannot finish (Events whose reason no trigger
takes, so no notification ever comes) makes the driver exit 1 naming
that case.

usage: controller_smoke.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

ROWS = ["rss-idle", "rss-50-rollouts", "sustained-events-per-second",
        "event-to-delivery-p50", "event-to-delivery-p99",
        "event-to-delivery-max", "cpu-ms-per-1000-events",
        "rss-per-1000-events", "events-per-second"]


def run(build, src, out, *extra):
    args = ["/usr/bin/python3", os.path.join(src, "bench",
                                             "controller_bench.py"),
            "--build", build, "--json", out,
            "--rollout", os.path.join(src, "fuzz", "corpus", "fuzz_json",
                                      "rollout-canary.json"),
            "--catalog", os.path.join(src, "tests", "bench",
                                      "configmap.yaml"),
            "--rollouts", "50", "--events", "100", "--rate", "500",
            "--burst", "100", "--channels", "4"] + list(extra)
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def main():
    build, src = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="rn-bench-smoke-")
    out = os.path.join(work, "bench.json")
    with open(out, "w") as f:
        json.dump({"results": [{"group": "json", "name": "x"}]}, f)
    r = run(build, src, out)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(out) as f:
        data = json.load(f)
    assert data["results"] == [{"group": "json", "name": "x"}], data
    got = {row["name"]: row for row in data["controller"]}
    assert sorted(got) == sorted(ROWS), sorted(got)
    for name in ROWS:
        assert got[name]["group"] == "controller" and got[name]["unit"]
        assert got[name]["value"] >= 0, got[name]
    assert got["rss-50-rollouts"]["value"] > 0
    assert "Go map cache 240 MB" in got["rss-50-rollouts"]["compare"]

    r = run(build, src, out, "--reason", "RolloutPaused", "--timeout", "3")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "case controller/event-to-delivery" in r.stderr, r.stderr
    with open(out) as f:
        assert "controller/event-to-delivery" in json.load(f)[
            "controller_error"]
    print("ok")


if __name__ == "__main__":
    main()
