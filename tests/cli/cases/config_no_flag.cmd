args: trigger get --secret tests/cli/data/secret.yaml
