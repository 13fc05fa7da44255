#!/usr/bin/env bash
# examples/run-demo.sh BUILD_DIR: a short tour of rnotify on the bundled
# catalog and Rollouts (the CLI, offline), then the controller on the
# bundled sandbox (examples/demo/controller.py).  Every command it runs is
# printed first, so you can copy it and try variations.
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

run() {
  printf '$ rnotify %s\n' "$*"
  "$rnotify" "$@" --config-map "$cm" --secret "$secret"
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

heading "The controller: rnotify controller on the bundled sandbox"
echo "A Kubernetes API-server double (build/rnotify-sandbox) plays a canary"
echo "lifecycle and an update to a purple build; rnotify controller sends"
echo "what the catalog asks for to a local sink that answers like Slack and"
echo "like a webhook.  Each notification is printed as it arrives."
printf '$ /usr/bin/python3 examples/demo/controller.py %s\n' "$build"
/usr/bin/python3 examples/demo/controller.py "$build" || exit 1

heading "Done"
echo "See docs/CLI.md for every command, and '$rnotify --help'."
