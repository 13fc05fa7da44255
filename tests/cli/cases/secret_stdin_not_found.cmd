args: template get --config-map - --secret -
stdin: tests/cli/data/cm.yaml
