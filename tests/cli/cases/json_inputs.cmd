args: template notify sizes tests/cli/data/rollout.json --config-map tests/cli/data/cm.json --secret :empty
