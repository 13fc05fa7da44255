args: template notify done tests/cli/data/rollout.yaml --recipient nats:ops --config-map tests/cli/data/cm-unimplemented.yaml --secret :empty
