args: explain tests/cli/data/bad-yaml.yaml --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
