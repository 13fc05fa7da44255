#!/bin/sh
# run.sh RUNNER FAMILY DIR: runs one family's vectors through the runner and
# scores them (ctest's conformance_<family>).
set -u
runner=$1 fam=$2 dir=$3
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if ! TZ=UTC "$runner" "$fam" < "$dir/$fam.jsonl" > "$tmp"; then
    echo "rn-conformance $fam: runner failed"
    exit 1
fi
python3 "$dir/compare.py" "$fam" "$dir/$fam.jsonl" < "$tmp"
