args: template notify done tests/cli/data/rollout.yaml --recipient teams:ops --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
