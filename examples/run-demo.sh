#!/usr/bin/env bash
# examples/run-demo.sh BUILD_DIR: a short tour of rnotify on the bundled
# catalog and Rollouts.  Every command it runs is printed first exactly as
# it runs from the repository root (tests/cli/make_test.py runs them again
# and compares), so you can copy it and try variations.
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
rnotify="$build/rnotify"
cm=examples/catalog/argo-rollouts-notification-configmap.yaml
secret=examples/catalog/argo-rollouts-notification-secret.yaml

heading() {
  if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$1"; return; fi
  printf '\n== %s\n' "$1"
}

# An argument as the shell reads it back: bare when that is safe, else in
# single quotes.
quote() {
  case $1 in
    '' | *[!A-Za-z0-9_./:=,+@%-]*)
      printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}

# Print a command exactly as it runs from the repository root, then run it.
show() {
  printf '$'
  for a in "$@"; do printf ' '; quote "$a"; done
  printf '\n'
  "$@"
}

run() {
  show "$rnotify" "$@" --config-map "$cm" --secret "$secret"
  local rc=$?
  [ "$rc" -eq 0 ] || printf '(exit code %d)\n' "$rc"
}

heading "The bundled catalog: is it valid?"
run check

heading "Its triggers (one per Argo Rollouts event, plus on-purple)"
run trigger get

for r in canary bluegreen-paused degraded purple; do
  f=examples/rollouts/$r.yaml
  heading "Rollout $f"
  sed -n 's/^# \{0,1\}//p' "$f" | sed '/^$/q'
  heading "Who gets what for it, and why"
  run explain "$f"
  case $r in
    canary)
      heading "The canary just finished a step: simulate that event"
      run explain "$f" --event RolloutStepCompleted
      tmpl=rollout-step-completed ;;
    bluegreen-paused)
      heading "Simulate the pause event"
      run trigger run on-rollout-paused "$f" --event RolloutPaused
      tmpl=rollout-paused ;;
    degraded)
      heading "Simulate the abort event"
      run explain "$f" --event RolloutAborted
      tmpl=rollout-aborted ;;
    purple)
      heading "Evaluate the on-purple condition"
      run trigger run on-purple "$f"
      tmpl=rollout-purple ;;
  esac
  heading "What template $tmpl renders (printed, not sent)"
  run template notify "$tmpl" "$f" --recipient console:stdout
done

sandbox="$build/rnotify-sandbox"
if [ -x "$sandbox" ] && command -v kubectl >/dev/null; then
  heading "rnotify-sandbox: the canary lifecycle on a Kubernetes API-server double"
  tmp=$(mktemp -d)
  printf '$ %s &\n' "$sandbox --kubeconfig $tmp/kc.yaml --time-scale 0 --scenario examples/scenarios/canary.yaml"
  "$sandbox" --kubeconfig "$tmp/kc.yaml" --time-scale 0 \
      --scenario examples/scenarios/canary.yaml > "$tmp/serving" &
  pid=$!
  for _ in $(seq 100); do [ -s "$tmp/kc.yaml" ] && break; sleep 0.05; done
  url=$(sed -n 's/.*serving //p' "$tmp/serving")
  python3 - "$url" <<'PY'
import json, sys, time, urllib.request
for _ in range(200):
    s = json.load(urllib.request.urlopen(sys.argv[1] + "/__emu/scenarios"))
    if s and s[0]["state"] != "running":
        break
    time.sleep(0.05)
PY
  k() { show kubectl --kubeconfig "$tmp/kc.yaml" --cache-dir "$tmp/cache" "$@"; }
  k get rollout demo -o jsonpath='{.metadata.generation} {.status.phase} {.spec.template.spec.containers[0].image}{"\n"}'
  k get events --field-selector involvedObject.kind=Rollout \
      -o custom-columns=REASON:.reason,COUNT:.count,MESSAGE:.message
  kill "$pid"; wait "$pid" 2>/dev/null
  rm -rf "$tmp"
  echo "(docs/sandbox.md: the API, the admin API, faults and the scenario format)"
fi

heading "Done"
echo "See docs/CLI.md for every command, and '$rnotify --help'."
