args: explain tests/cli/data/rollout.yaml --config-map tests/cli/data/cm.yaml --secret :empty
