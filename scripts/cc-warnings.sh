#!/bin/sh
# scripts/cc-warnings.sh: the C compiler launcher of every build (CMake's
# CMAKE_C_COMPILER_LAUNCHER), and the warnings check of `make test`.
#
#   cc-warnings.sh CC ARGS...      compile; keep the compiler's warnings
#                                  beside the object, in OBJ.warnings
#   cc-warnings.sh --check DIR     list every OBJ.warnings under DIR and
#                                  exit 1 if there is one
#
# `make test` treats warnings as errors this way instead of compiling with
# -Werror: the flags of `make` and `make test` stay the same, so switching
# between them (or running `make demo` first) rebuilds nothing, and an
# object compiled earlier still has its warnings on record.
if [ "$1" = "--check" ]; then
    found=$(find "$2" -name '*.warnings' -size +0c 2>/dev/null | sort)
    [ -z "$found" ] && exit 0
    for f in $found; do cat "$f" >&2; done
    echo "make test: the warnings above are errors ($(echo "$found" |
        wc -l) file(s))" >&2
    exit 1
fi
obj=
prev=
for a in "$@"; do
    [ "$prev" = "-o" ] && obj=$a
    prev=$a
done
[ -z "$obj" ] && exec "$@"
log="$obj.stderr.$$"
"$@" 2>"$log"
rc=$?
cat "$log" >&2
if [ $rc -eq 0 ] && grep -q "warning:" "$log"; then
    mv "$log" "$obj.warnings"
else
    rm -f "$log" "$obj.warnings"
fi
exit $rc
