args: --help
