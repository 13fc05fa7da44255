args: check --config-map tests/cli/data/cm-all-types.yaml --secret :empty
