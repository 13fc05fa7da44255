args: template notify done tests/cli/data/rollout.yaml --delivery-deadline 0s --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
