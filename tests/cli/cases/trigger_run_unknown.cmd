args: trigger run on-nothing tests/cli/data/rollout.yaml --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
