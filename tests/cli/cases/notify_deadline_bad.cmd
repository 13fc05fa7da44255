args: template notify done tests/cli/data/rollout.yaml --delivery-deadline soon --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
