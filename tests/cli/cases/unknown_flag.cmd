args: template get --frobnicate --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
