#!/usr/bin/env bash
# make demo: the main job on bundled examples.  With build/rnotify built it
# runs examples/run-demo.sh: the offline CLI on the bundled catalog and
# Rollouts, then rnotify controller on the bundled sandbox.  Otherwise it shows what works so far: the conformance scores
# of the engine pieces.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

echo "rnotify demo"
echo "============"
if [ -x "$build/rnotify" ]; then
  exec examples/run-demo.sh "$build"
fi
echo
echo "$build/rnotify was not built (see the build output above), so the"
echo "offline CLI tour cannot run; see README.md, 'What works today'."
echo "What runs today is the engine under them: Go text/template + sprig,"
echo "and expr trigger conditions, checked against the Go reference vectors:"
echo
for fam in tmpl sprig expr trigger notify; do
  if TZ=UTC "$build/rn-conformance" "$fam" < tests/conformance/$fam.jsonl \
       > "$build/demo-$fam.jsonl" 2>/dev/null; then
    python3 tests/conformance/compare.py "$fam" tests/conformance/$fam.jsonl \
      < "$build/demo-$fam.jsonl" | tail -n 1
  else
    echo "$fam: not built yet"
  fi
done
