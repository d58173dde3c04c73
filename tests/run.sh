#!/bin/bash
# Every test of Sluice: the class self-tests, the integration tests of each
# feature through the real daemons (tests/features/NAME.sh, one script per
# README section, each on a federation and ports of its own), and a fuzz
# smoke run. tests/README.md tells how they are laid out.
#
#   bash tests/run.sh [BIN]                 everything
#   bash tests/run.sh [BIN] FEATURE...      just those features
#   bash tests/run.sh [BIN] --list          the features, with what each tests
#
# BIN holds the programs (default build/asan/bin; `make test` builds it with
# the sanitizers and runs this). Features run two at a time on a machine
# with two cores or more (SLUICE_TEST_JOBS=N sets how many), each one's
# results printed together when it ends, and the longest start first.
# Ends with one line: N passed, N failed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FEATURES="$ROOT/tests/features"
# The longest features, started first so that the others fill in beside them
LONGEST="large-federation audit-durability output lying-broker catch-up host answers
         liar-versions hostile-peers agreement-versions fuzz"
# A feature that runs longer than this is stopped and counted as failed
FEATURE_SECONDS=900

BIN=build/asan/bin
if [ $# -gt 0 ] && [ -d "$1" ]; then BIN=$1; shift; fi
BIN=$(cd "$BIN" 2>/dev/null && pwd) || { echo "run.sh: no such directory: $BIN"; exit 64; }

# title NAME: the feature's first comment line, after the #! line
title () { sed -n '2s/^# *//p' "$FEATURES/$1.sh"; }
all_features () { for script in "$FEATURES"/*.sh; do basename "$script" .sh; done; }

if [ "${1:-}" = --list ]; then
    for name in $(all_features); do printf '%-20s %s\n' "$name" "$(title "$name")"; done
    exit 0
fi
if [ $# -gt 0 ]; then
    chosen="$*"
    for name in $chosen; do
        [ -f "$FEATURES/$name.sh" ] && continue
        echo "run.sh: no feature '$name'; bash tests/run.sh --list lists them"
        exit 64
    done
else
    # The longest first, then the rest in name order
    chosen=""
    for name in $LONGEST; do [ -f "$FEATURES/$name.sh" ] && chosen="$chosen $name"; done
    for name in $(all_features); do
        case " $chosen " in *" $name "*) ;; *) chosen="$chosen $name" ;; esac
    done
fi

JOBS=${SLUICE_TEST_JOBS:-$(( $(nproc 2>/dev/null || echo 1) >= 2 ? 2 : 1 ))}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/sluice-run.XXXXXX")
trap 'rm -rf "$RUN"' EXIT
trap 'for pid in "${!RUNNING[@]}"; do kill -TERM "$pid" 2>/dev/null; done; exit 1' INT TERM

# Ports: each feature running gets a block of 50 of its own, by its slot
# (a feature whose block is taken finds another, tests/lib.sh)
BASE=$((20000 + ($$ % 120) * 100))

PASSED=0
FAILED=0
declare -A RUNNING=()     # pid -> feature
declare -A SLOT_OF=()     # pid -> slot
declare -A STARTED=()     # pid -> start time
FREE_SLOTS=$(seq 0 $((JOBS - 1)))

start () {   # name
    local slot
    slot=$(echo "$FREE_SLOTS" | head -1)
    FREE_SLOTS=$(echo "$FREE_SLOTS" | sed 1d)
    SLUICE_TEST_PORT=$((BASE + slot * 50)) \
        timeout -k 10 "$FEATURE_SECONDS" bash "$FEATURES/$1.sh" "$BIN" >"$RUN/$1.out" 2>&1 &
    RUNNING[$!]=$1
    SLOT_OF[$!]=$slot
    STARTED[$!]=$(date +%s)
}
# ended PID STATUS: print the feature's results together, and count them
ended () {
    local pid=$1 rc=$2 name=${RUNNING[$1]} out counts passed failed
    out="$RUN/$name.out"
    FREE_SLOTS=$(printf '%s\n%s\n' "$FREE_SLOTS" "${SLOT_OF[$pid]}" | sed '/^$/d')
    counts=$(tail -1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
    echo "== $name: $(title "$name")"
    if [ -n "$counts" ]; then
        sed '$d' "$out"
        read -r passed failed <<<"$counts"
    else
        cat "$out"
        passed=$(grep -c '^ok ' "$out")
        failed=$(($(grep -c '^FAIL ' "$out") + 1))
        echo "FAIL    $name ended without its count (exit $rc$([ "$rc" = 124 ] && echo ", stopped after $FEATURE_SECONDS s"))"
        echo "FAIL    $name ended without its count" >>"$out"
    fi
    echo "-- $name: $passed passed, $failed failed ($(($(date +%s) - STARTED[$pid])) s)"
    PASSED=$((PASSED + passed))
    FAILED=$((FAILED + failed))
    grep '^FAIL    ' "$out" | sed "s/^FAIL    /  $name: /" >>"$RUN/failures"
    unset "RUNNING[$pid]" "SLOT_OF[$pid]" "STARTED[$pid]"
}

for name in $chosen; do
    while [ "${#RUNNING[@]}" -ge "$JOBS" ]; do
        wait -n -p done_pid; rc=$?
        ended "$done_pid" "$rc"
    done
    start "$name"
done
while [ "${#RUNNING[@]}" -gt 0 ]; do
    wait -n -p done_pid; rc=$?
    ended "$done_pid" "$rc"
done

[ -s "$RUN/failures" ] && { echo "failed:"; cat "$RUN/failures"; }
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
