args: template notify done tests/cli/data/rollout.yaml --recipient opsgenie:ops --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
