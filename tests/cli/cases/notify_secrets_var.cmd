args: template notify t tests/cli/data/rollout.yaml --config-map tests/cli/data/cm-secrets-var.yaml --secret :empty
