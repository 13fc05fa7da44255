args: template get no-such-template --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
