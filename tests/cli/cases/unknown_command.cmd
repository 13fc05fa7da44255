args: frobnicate
