#!/bin/bash
# fuzzing: every decoder's fuzz target for a short smoke run (tests/fuzz/run.sh 3; make fuzz runs longer)
. "$(dirname "$0")/../lib.sh"

if command -v clang >/dev/null 2>&1; then
    fuzz_output=$(sh "$ROOT/tests/fuzz/run.sh" 3 2>&1)
    fuzz_rc=$?
    echo "$fuzz_output" | grep -E "^fuzz [a-z]+: " | while read -r line; do echo "        $line"; done
    for target in $(echo "$fuzz_output" | sed -n 's/^fuzz \([a-z]*\): .*/\1/p'); do
        if echo "$fuzz_output" | grep -q "^fuzz $target: .* ok$"; then
            pass "fuzz $target"
        else
            fail "fuzz $target" "$(echo "$fuzz_output" | grep -A10 "^fuzz $target")"
        fi
    done
    [ "$fuzz_rc" = 0 ] || fail "fuzz run" "$(echo "$fuzz_output" | tail -15)"
else
    fail "fuzz targets" "clang is not installed (make test installs it as root)"
fi
finish
