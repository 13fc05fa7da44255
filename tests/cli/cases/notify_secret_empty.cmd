args: template notify done tests/cli/data/rollout.yaml --config-map tests/cli/data/cm.yaml --secret :empty
