#!/bin/sh
# Builds the libFuzzer targets in tests/fuzz with clang, writes their seed
# corpora, and runs each target for a while.
#
#   sh tests/fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]     (default 30)
#
# TARGET is a name such as codec or fuzz_codec; default every target.
# Everything goes under build/fuzz/: bin/ (targets), obj/ (library objects,
# rebuilt when a source or header changes), corpus/TARGET/ (seeds, then
# what the fuzzer finds), logs/TARGET.log, artifacts/ (crashing inputs).
# Prints one line per target, "fuzz TARGET: N runs, ok" or the crash, and
# exits 1 if any target crashed, 2 if it could not build or run them.
set -u
SECONDS_PER_TARGET=${1:-30}
[ $# -gt 0 ] && shift
case "$SECONDS_PER_TARGET" in
    ''|*[!0-9]*) echo "usage: sh tests/fuzz/run.sh [SECONDS_PER_TARGET [TARGET...]]" >&2
                 exit 64 ;;
esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
FUZZ_CC=${FUZZ_CC:-clang}
OUT=build/fuzz
PKGS="libczmq libzmq libsodium msgpack sqlite3 libsystemd jansson libmicrohttpd"   # libsystemd: sd_notify, proto/daemon.c; jansson: proto/jsonpack.c; libmicrohttpd: gateway/http.c

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
    echo "fuzz: '$FUZZ_CC' not found; the fuzz targets need clang (libFuzzer)."
    echo "fuzz: install it (Debian: apt-get install clang) or set FUZZ_CC."
    exit 2
fi
if ! PKG_CFLAGS=$(pkg-config --cflags $PKGS 2>/dev/null) \
|| ! PKG_LIBS=$(pkg-config --libs $PKGS 2>/dev/null); then
    echo "fuzz: pkg-config cannot find $PKGS (run 'make deps')"
    exit 2
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $SAN"
INCLUDES="-Iproto -Icerts -Iproto/registry -Igateway -Igateway/cli -Ibroker -Itests/fuzz"
mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/corpus" "$OUT/logs" "$OUT/artifacts" || exit 2

# Library sources, as the Makefile lists them
LIB_SRC=""
for source in proto/*.c certs/*.c proto/registry/*.c broker/*.c gateway/*.c gateway/cli/*.c; do
    case "$source" in
        broker/sluice_broker.c|gateway/cli/sluice.c|gateway/sluice_gateway.c) ;;
        *) LIB_SRC="$LIB_SRC $source" ;;
    esac
done

# Objects, instrumented for coverage; rebuilt when the source or any header
# is newer. Compiled two at a time per processor.
STAMP="$OUT/obj/.headers"
HEADERS_CHANGED=0
if [ ! -f "$STAMP" ] || [ -n "$(find proto certs gateway broker -name '*.h' -newer "$STAMP" 2>/dev/null)" ]; then
    HEADERS_CHANGED=1
fi
JOBS=$(( $(nproc 2>/dev/null || echo 1) * 2 ))
running=0
pids=""
objects=""
failed_build=0
for source in $LIB_SRC; do
    object="$OUT/obj/$(echo "$source" | tr / _ | sed 's/\.c$/.o/')"
    objects="$objects $object"
    if [ "$HEADERS_CHANGED" = 1 ] || [ ! -f "$object" ] || [ "$source" -nt "$object" ]; then
        $FUZZ_CC $CFLAGS -fsanitize=fuzzer-no-link -w $INCLUDES $PKG_CFLAGS \
            -c "$source" -o "$object" 2>"$object.err" &
        pids="$pids $!"
        running=$((running + 1))
        if [ "$running" -ge "$JOBS" ]; then
            for pid in $pids; do wait "$pid" || failed_build=1; done
            pids=""
            running=0
        fi
    fi
done
for pid in $pids; do wait "$pid" || failed_build=1; done
if [ "$failed_build" = 1 ]; then
    echo "fuzz: cannot compile the library with $FUZZ_CC:"
    cat "$OUT"/obj/*.err
    exit 2
fi
touch "$STAMP"
rm -f "$OUT/libsluice-fuzz.a"
ar rcs "$OUT/libsluice-fuzz.a" $objects || exit 2

# Targets; then the seed writer, an ordinary program on the same objects
TARGETS=""
for source in tests/fuzz/fuzz_*.c; do
    target=$(basename "$source" .c)
    if ! $FUZZ_CC $CFLAGS -fsanitize=fuzzer -Wall -Wextra -Wno-unused-parameter \
            $INCLUDES $PKG_CFLAGS "$source" "$OUT/libsluice-fuzz.a" $PKG_LIBS \
            -o "$OUT/bin/$target" 2>"$OUT/logs/$target.build"; then
        echo "fuzz: cannot build $target:"
        cat "$OUT/logs/$target.build"
        exit 2
    fi
    TARGETS="$TARGETS $target"
done
if ! $FUZZ_CC $CFLAGS -Wall -Wextra $INCLUDES $PKG_CFLAGS tests/fuzz/seeds.c \
        "$OUT/libsluice-fuzz.a" $PKG_LIBS -o "$OUT/bin/seeds" 2>"$OUT/logs/seeds.build"; then
    echo "fuzz: cannot build the seed writer:"
    cat "$OUT/logs/seeds.build"
    exit 2
fi
if ! "$OUT/bin/seeds" "$OUT/corpus" >"$OUT/logs/seeds.log" 2>&1; then
    echo "fuzz: cannot write the seeds:"
    cat "$OUT/logs/seeds.log"
    exit 2
fi

# Which targets to run
if [ $# -gt 0 ]; then
    chosen=""
    for name in "$@"; do
        case "$name" in fuzz_*) ;; *) name="fuzz_$name" ;; esac
        if [ ! -x "$OUT/bin/$name" ]; then
            echo "fuzz: no target '$name' (targets:$TARGETS)"
            exit 64
        fi
        chosen="$chosen $name"
    done
    TARGETS=$chosen
fi

# Leaks are findings too; a sanitizer report ends the run. The library's
# log lines go to standard error (proto/log.h): libFuzzer closes it for the
# target (-close_fd_mask=2) and keeps its own output and the sanitizers'
# reports; SLUICE_FUZZ_VERBOSE=1 keeps the log lines
QUIET="-close_fd_mask=2"
case "${SLUICE_FUZZ_VERBOSE:-0}" in ''|0) ;; *) QUIET="" ;; esac
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
CRASHED=0
for target in $TARGETS; do
    name=${target#fuzz_}
    log="$OUT/logs/$target.log"
    mkdir -p "$OUT/corpus/$target"
    "$OUT/bin/$target" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 $QUIET \
        -timeout=10 -artifact_prefix="$OUT/artifacts/$target-" \
        "$OUT/corpus/$target" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    if [ "$rc" = 0 ] && [ -n "$runs" ]; then
        echo "fuzz $name: $runs runs, ok"
    else
        CRASHED=1
        echo "fuzz $name: CRASHED (exit status $rc), log $log"
        grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:|==[0-9]+== ?ERROR" "$log" \
            | sed 's/^/    /'
        grep -m1 "^SUMMARY:" "$log" | sed 's/^/    /'
        grep -m1 "Test unit written to" "$log" | sed 's/^/    /'
        grep -m1 "^Base64:" "$log" | sed 's/^/    /'
    fi
done
[ "$CRASHED" = 0 ]
