args: check --config-map tests/cli/data/bad-cm.yaml --secret tests/cli/data/secret.yaml
