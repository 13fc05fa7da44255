args: template notify done tests/cli/data/rollout.yaml --recipient alertmanager:ops --config-map tests/cli/data/cm-all-types.yaml --secret :empty
