#!/usr/bin/env python3
"""Scores runner output against vectors.

Usage: compare.py FAMILY VECTORS.jsonl < runner-output.jsonl

A case passes when the output equals `want` byte for byte (expr: as JSON
values, plus the Go type and %v text), or when both sides report an error of
the same kind.  Prints up to 10 failures and 'FAMILY: P/N pass'; exits 0
only when every case passes.

overrides/FAMILY.jsonl (beside this script) may replace the `want` of a
vector whose oracle disagrees with the upstream source at the pinned
revision; each line says why (`why`), and docs/CONFORMANCE.md lists them.
"""
import os
import json
import sys


def load(path):
    cases = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                c = json.loads(line)
                cases[c["id"]] = c
    return cases


def results(stream):
    got = {}
    for line in stream:
        try:
            g = json.loads(line)
        except ValueError:
            continue
        if isinstance(g, dict) and "id" in g:
            got[g["id"]] = g
    return got


def strip_errors(entries):
    # trigger: only the presence of when_error/oncePer_error counts
    if not isinstance(entries, list):
        return entries
    out = []
    for e in entries:
        if isinstance(e, dict):
            e = {k: (True if k.endswith("_error") else v) for k, v in e.items()}
        out.append(e)
    return out


def same(fam, want, got):
    if fam == "expr":
        if got.get("got_type") != want.get("want_type"):
            return False
        if "want_sprint" in want and got.get("got_sprint") != want["want_sprint"]:
            return False
        return "want" not in want or got.get("got") == want["want"]
    if fam == "trigger":
        return strip_errors(got.get("got")) == strip_errors(want.get("want"))
    if "want_b64" in want:
        return got.get("got_b64") == want["want_b64"]
    return "got" in got and got["got"] == want.get("want")


def apply_overrides(fam, cases):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "overrides", fam + ".jsonl")
    if not os.path.exists(path):
        return 0
    n = 0
    for cid, o in load(path).items():
        if cid not in cases or not o.get("why"):
            raise SystemExit("override %s: unknown case or no reason" % cid)
        cases[cid]["want"] = o["want"]
        n += 1
    return n


def main():
    fam, path = sys.argv[1], sys.argv[2]
    cases, got = load(path), results(sys.stdin)
    overridden = apply_overrides(fam, cases)
    passed, failures = 0, []
    for cid, want in cases.items():
        g = got.get(cid)
        if g is None:
            failures.append((cid, "no output"))
        elif "error" in want:
            if "error" in g and (fam == "trigger" or
                                 g.get("error_kind") == want.get("error_kind")):
                passed += 1
            else:
                failures.append((cid, "want %s error, got %.150s" %
                                 (want.get("error_kind"), json.dumps(g))))
        elif "error" in g:
            failures.append((cid, "unexpected error: %.150s" % g["error"]))
        elif same(fam, want, g):
            passed += 1
        else:
            failures.append((cid, "want %.150s\n      got  %.150s" % (
                json.dumps(want.get("want", want.get("want_type"))),
                json.dumps(g.get("got", g.get("got_type"))))))
    for cid, why in failures[:10]:
        print("FAIL %s: %s" % (cid, why))
    print("%s: %d/%d pass%s" % (fam, passed, len(cases),
                                " (%d with an overridden want)" % overridden
                                if overridden else ""))
    return 0 if cases and passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
