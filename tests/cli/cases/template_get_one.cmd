args: template get degraded -o yaml --config-map tests/cli/data/cm.yaml --secret tests/cli/data/secret.yaml
