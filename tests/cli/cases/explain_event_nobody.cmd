args: explain tests/cli/data/rollout.yaml --event RolloutPaused --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
