args: template get --config-map tests/cli/data/bad-utf8.yaml --secret :empty
