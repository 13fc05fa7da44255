args: template get --output json --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
