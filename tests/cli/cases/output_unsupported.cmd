args: template get -o xml --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
