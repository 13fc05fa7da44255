args: check extra --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
