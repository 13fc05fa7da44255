args: check --config-map tests/cli/data/cm.yaml --secret :empty
