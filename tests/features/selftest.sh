#!/bin/bash
# the class self-tests: sluice-selftest CLASS for every class (their C tests live with each class)
. "$(dirname "$0")/../lib.sh"

for class in $("$BIN/sluice-selftest" -l 2>/dev/null); do
    check "selftest $class" "$BIN/sluice-selftest" "$class"
done
finish
