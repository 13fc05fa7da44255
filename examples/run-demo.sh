#!/usr/bin/env bash
# examples/run-demo.sh BUILD_DIR: a short tour of rnotify on the bundled
# catalog and Rollouts (the CLI, offline), then the controller on the
# bundled sandbox (examples/demo/controller.py).  Every command it runs is
# printed first exactly as it runs from the repository root
# (tests/cli/make_test.py runs the CLI ones again and compares), so you
# can copy it and try variations.  RNOTIFY_DEMO=cli stops after the CLI.
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

[ "${RNOTIFY_DEMO:-}" = cli ] && exit 0

heading "The controller: rnotify controller on the bundled sandbox"
echo "A Kubernetes API-server double (build/rnotify-sandbox) plays a canary"
echo "lifecycle and an update to a purple build; rnotify controller sends"
echo "what the catalog asks for to a local sink that answers like Slack and"
echo "like a webhook.  Each notification is printed as it arrives."
show /usr/bin/python3 examples/demo/controller.py "$build" || exit 1

heading "Done"
echo "See docs/CLI.md for every command, and '$rnotify --help'."
