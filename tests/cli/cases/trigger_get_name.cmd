args: trigger get -o=name --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
