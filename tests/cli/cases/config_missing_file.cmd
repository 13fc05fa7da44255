args: template get --config-map tests/cli/data/none.yaml --secret tests/cli/data/secret.yaml
