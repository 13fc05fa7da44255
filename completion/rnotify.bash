# bash completion for rnotify (installed by `make install` as
# share/bash-completion/completions/rnotify; or `source` this file).
#
# Completes the commands (`template get|notify`, `trigger get|run`,
# `check`, `explain`, `controller`, `version`), every flag of each (the
# ones shared by all commands, kubectl's connection flags, the
# controller's), and the values where there is a known set: -o formats,
# --event reasons, --log-format, --log-level, files for --config-map,
# --secret, --kubeconfig and resources.  tests/cli/completion_test.py
# checks that every flag the --help texts show is here.

# flags every command takes (cli.h CLI_COMMON_OPTIONS)
_rnotify_common="--config-map --secret --show-secrets --namespace -n --help -h
  --kubeconfig --context --server --token --certificate-authority
  --insecure-skip-tls-verify --request-timeout --config-namespace"

_rnotify_controller="--kubeconfig --context --namespace -n
  --config-namespace --config-map --secret
  --self-service-notification-enabled --metrics-addr --health-addr
  --status-addr --leader-elect --lease-name --lease-namespace --identity
  --lease-duration --renew-deadline --retry-period --catch-up-window
  --delivery-deadline --resync-period --log-format --log-level --dry-run
  --help -h"

# Argo Rollouts' event reasons on a Rollout (--event simulates one)
_rnotify_events="RolloutAddedToInformer RolloutUpdated NewReplicaSetCreated
  ScalingReplicaSet RolloutStepCompleted RolloutPaused RolloutResumed
  RolloutCompleted RolloutNotCompleted RolloutAborted RolloutRetried
  AnalysisRunRunning AnalysisRunSuccessful AnalysisRunFailed
  AnalysisRunError AnalysisRunInconclusive TrafficWeightUpdated
  SwitchService"

# Flags whose value is the next word.
_rnotify_takes_value() {
    case $1 in
    --config-map | --secret | --namespace | -n | --kubeconfig | --context | \
        --server | --token | --certificate-authority | --request-timeout | \
        --config-namespace | -o | --output | --recipient | --event | \
        --delivery-deadline | --metrics-addr | --health-addr | \
        --status-addr | --lease-name | --lease-namespace | --identity | \
        --lease-duration | --renew-deadline | --retry-period | \
        --catch-up-window | --resync-period | --log-format | --log-level)
        return 0 ;;
    esac
    return 1
}

# The flags of "cmd sub".
_rnotify_flags() {
    case "$1 $2" in
    "template get" | "trigger get") echo "$_rnotify_common -o --output" ;;
    "template notify") echo "$_rnotify_common --recipient --delivery-deadline" ;;
    "trigger run" | "explain "*) echo "$_rnotify_common --event" ;;
    "controller "*) echo "$_rnotify_controller" ;;
    *) echo "$_rnotify_common" ;;
    esac
}

# Complete the value of flag $1; returns 1 when $1 takes none.
_rnotify_value() {
    local cur=$2
    case $1 in
    -o | --output)
        COMPREPLY=($(compgen -W "wide name json yaml" -- "$cur")) ;;
    --event)
        COMPREPLY=($(compgen -W "$_rnotify_events" -- "$cur")) ;;
    --log-format)
        COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
    --log-level)
        COMPREPLY=($(compgen -W "debug info warn error" -- "$cur")) ;;
    --config-map | --secret | --kubeconfig | --certificate-authority)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    *)
        _rnotify_takes_value "$1" || return 1
        COMPREPLY=() ;;
    esac
    return 0
}

_rnotify() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=""
    local cmd="" sub="" i w
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    # "--flag=value": bash splits at "=" (COMP_WORDBREAKS)
    if [[ $cur == "=" ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        cur=""
    elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == -* ]]; then
            _rnotify_takes_value "$w" && ((i++))
        elif [[ -z $cmd ]]; then
            cmd=$w
        elif [[ -z $sub && ($cmd == template || $cmd == trigger) ]]; then
            sub=$w
        fi
    done
    if _rnotify_value "$prev" "$cur"; then
        return 0
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_rnotify_flags "$cmd" "$sub")" -- "$cur"))
        return 0
    fi
    case "$cmd/$sub" in
    /) COMPREPLY=($(compgen -W "template trigger check explain controller
                                version help" -- "$cur")) ;;
    template/) COMPREPLY=($(compgen -W "get notify" -- "$cur")) ;;
    trigger/) COMPREPLY=($(compgen -W "get run" -- "$cur")) ;;
    template/notify | trigger/run | explain/)
        # NAME then RESOURCE: a resource is a file (or an object name)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    *) COMPREPLY=() ;;
    esac
    return 0
}

complete -F _rnotify rnotify
