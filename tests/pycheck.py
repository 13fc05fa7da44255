"""pycheck.py: the few helpers the Python test scripts of tests/deploy,
tests/cli/install_test.py and tests/services/alertmanager_e2e.py share:
a failed check, two ways to state one, and a runner that runs named
checks and ends with the "N passed, N failed" line ctest's logs and CI
read."""

import subprocess


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what, got, want))


def run_checks(checks, errors=()):
    """Run (name, fn) pairs; a Fail (or one of errors) fails that check
    only.  Returns the exit code: 0 when every check passed."""
    passed = failed = 0
    for name, fn in checks:
        try:
            fn()
            passed += 1
            print("ok   " + name, flush=True)
        except (Fail, OSError, ValueError, KeyError, IndexError,
                subprocess.SubprocessError) + tuple(errors) as ex:
            failed += 1
            print("FAIL %s: %s" % (name, ex), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
