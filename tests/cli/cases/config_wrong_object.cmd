args: template get --config-map tests/cli/data/secret.yaml --secret tests/cli/data/secret.yaml
