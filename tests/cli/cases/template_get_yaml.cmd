args: --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml template get -o yaml
