args: template notify done tests/cli/data/none.yaml --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
