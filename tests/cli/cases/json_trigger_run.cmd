args: trigger run on-big tests/cli/data/rollout.json --config-map tests/cli/data/cm.json --secret :empty
