args: trigger get -o name --config-map - --secret tests/cli/data/secret.yaml
stdin: tests/cli/data/cm.yaml
