args: trigger get on-degraded -o json --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
