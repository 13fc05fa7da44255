args: trigger frobnicate
