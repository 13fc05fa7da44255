args: trigger run on-degraded tests/cli/data/rollout.yaml --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
