args: check --config-map tests/cli/data/cm-argo-off.yaml --secret :empty
