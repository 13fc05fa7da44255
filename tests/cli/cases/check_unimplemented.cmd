args: check --config-map tests/cli/data/cm-unimplemented.yaml --secret :empty
