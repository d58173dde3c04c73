#!/bin/sh
# Benchmark: builds a federation of 100,000 enterprises in a temporary
# directory, starts the broker and the MSA and TAX gateways on loopback,
# and runs sluice-bench (lookups TAX -> MSA, crypto and transport floors).
# The cost of durable audit records: the lookups are measured first with
# the gateways' state on tmpfs (/dev/shm, where a disk sync costs nothing:
# the same run without the durable waits), then with the state on the disk
# as deployed, beside the floor of durable SQLite commits on that disk.
#
#   sh tests/bench.sh BIN [ENTERPRISES]
#
# Then notices MSA -> FDA end to end (sluice-noticedrive), to the handled
# and the delivered receipt at MSA, against the same commit floor.
# Prints each figure and ends with the lines
#   bench: qps=N p50_us=N p99_us=N crypto_floor_qps=N transport_floor_qps=N
#          ratio_crypto=F ratio_transport=F broker_rss_kb=N gateway_rss_kb=N
#          commit_floor_per_s=N records_per_commit=F
#          qps_without_durable_waits=N ratio_durable=F
#   bench: notices_per_s=N notices_handled_per_s=N commit_floor_per_s=N
#          ratio_notices=F
# Exits non-zero, with the tail of the daemons' logs, if anything fails.
set -eu
BIN=$(cd "${1:-build/bin}" && pwd)
ENTERPRISES=${2:-100000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
SHM=""
[ -d /dev/shm ] && [ -w /dev/shm ] && SHM=$(mktemp -d /dev/shm/sluice-bench.XXXXXX)
PIDS=""

cleanup () {
    for pid in $PIDS; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $PIDS; do
        tries=0
        while kill -0 "$pid" 2>/dev/null && [ $tries -lt 30 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$DIR"
    [ -z "$SHM" ] || rm -rf "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail () {
    echo "bench: FAILED: $*" >&2
    for log in "$DIR"/logs/*.log; do
        [ -s "$log" ] || continue
        echo "--- tail of $(basename "$log")" >&2
        tail -n 15 "$log" >&2
    done
    exit 1
}

for program in sluice sluice-broker sluice-gateway sluice-gendata sluice-bench \
               sluice-noticedrive; do
    [ -x "$BIN/$program" ] || fail "$BIN/$program is missing (run make first)"
done

# A port nobody listens on, starting from one that depends on our pid
PORT=$((17700 + $$ % 1000))
if command -v ss >/dev/null 2>&1; then
    tries=0
    while [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ] && [ $tries -lt 100 ]; do
        PORT=$((PORT + 1))
        tries=$((tries + 1))
    done
fi

echo "bench: building federation of $ENTERPRISES enterprises in $DIR (broker on 127.0.0.1:$PORT)..."
mkdir -p "$DIR/logs"
sh "$ROOT/examples/pudong/federation.sh" "$BIN" "$DIR/fed" "$PORT" "$ENTERPRISES" \
    >"$DIR/logs/federation.log" 2>&1 || fail "federation.sh did not complete"
FED="$DIR/fed"

echo "bench: starting broker and gateways SH-PD-MSA, SH-PD-TAX..."
"$BIN/sluice-broker" --config "$FED/broker/broker.cfg" --log-level warning \
    >"$DIR/logs/broker.log" 2>&1 &
BROKER=$!
PIDS="$BROKER"
MSA=""
TAX=""

# start_gateways [STATE-ROOT]: both gateways, their state under STATE-ROOT
# if given (else where their configurations put it)
start_gateways () {
    for dept in msa tax; do
        if [ -n "${1:-}" ]; then
            mkdir -p "$1/$dept"
            "$BIN/sluice-gateway" --config "$FED/$dept/gateway.cfg" --log-level warning \
                --state "$1/$dept" >>"$DIR/logs/$dept.log" 2>&1 &
        else
            "$BIN/sluice-gateway" --config "$FED/$dept/gateway.cfg" --log-level warning \
                >>"$DIR/logs/$dept.log" 2>&1 &
        fi
        pid=$!
        PIDS="$PIDS $pid"
        if [ "$dept" = msa ]; then MSA=$pid; else TAX=$pid; fi
    done
}
stop_gateways () {
    for pid in $MSA $TAX; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

alive () {
    for pid in $BROKER $MSA $TAX; do
        kill -0 "$pid" 2>/dev/null || return 1
    done
}

registered () {   # gateway folder
    "$BIN/sluice" status --config "$FED/$1/gateway.cfg" 2>/dev/null \
        | grep -q "registered  *yes"
}

# Up to 10 s for both gateways to register with the broker
wait_registered () {
    START=$(date +%s)
    until registered tax && registered msa; do
        alive || fail "a daemon exited during start-up"
        [ $(($(date +%s) - START)) -lt 10 ] || fail "the gateways did not register within 10 s"
        sleep 0.2
    done
}

LOOKUPS="--config $FED/tax/gateway.cfg --db $FED/data/market.db --to SH-PD-MSA \
    --item enterprise-basic --purpose tax-registration --officer bench --role auditor"
REFERENCE=""
if [ -n "$SHM" ]; then
    start_gateways "$SHM"
    wait_registered
    echo "bench: without durable waits first: the gateways' state on tmpfs (about 8 s)..."
    # shellcheck disable=SC2086
    line=$("$BIN/sluice-bench" $LOOKUPS --lookups-only) || fail "sluice-bench (tmpfs) failed"
    echo "$line" | sed 's/^bench: /bench: (state on tmpfs) /'
    qps=$(echo "$line" | sed -n 's/^bench: lookups: qps=\([0-9]*\) p50_us=\([0-9]*\).*/\1/p')
    p50=$(echo "$line" | sed -n 's/^bench: lookups: qps=\([0-9]*\) p50_us=\([0-9]*\).*/\2/p')
    [ -n "$qps" ] && [ -n "$p50" ] || fail "sluice-bench (tmpfs) printed no figures"
    REFERENCE="--reference-qps $qps --reference-p50-us $p50"
    stop_gateways
else
    echo "bench: no writable /dev/shm: the run without durable waits is skipped"
fi
start_gateways
wait_registered
echo "bench: federation up, state on the disk; measuring (about 14 s)..."

# shellcheck disable=SC2086
{ "$BIN/sluice-bench" $LOOKUPS $REFERENCE --audit-dir "$FED/msa/state" \
    --provider-config "$FED/msa/gateway.cfg" \
    --broker-pid "$BROKER" --gateway-pid "$MSA" --gateway-pid "$TAX" 2>&1 \
    || echo "bench: sluice-bench FAILED"; } | tee "$DIR/logs/bench.out"
grep -q "^bench: sluice-bench FAILED" "$DIR/logs/bench.out" && fail "sluice-bench failed"
alive || fail "a daemon exited during the run"

# Notices end to end (sluice-noticedrive): MSA tells FDA, the state of
# every hop on the disk (MSA's outbox, the broker's queue, FDA's inbox, and
# back), 64 notices outstanding at MSA's local API. First with FDA's system
# taking each notice and giving its feedback meanwhile, to the handled
# receipt at MSA (the three receipts back, each durable at every hop);
# then FDA's system idle, to the delivered receipt at MSA (the machines'
# part alone). The floor is the commit floor above: one-row durable SQLite
# transactions on the same disk, as every one of these stores commits.
NOTICES=${SLUICE_BENCH_NOTICES:-5000}
echo "bench: notices MSA -> FDA, $NOTICES with FDA's feedback, then $NOTICES to delivered..."
"$BIN/sluice-gateway" --config "$FED/fda/gateway.cfg" --log-level warning \
    >>"$DIR/logs/fda.log" 2>&1 &
FDA=$!
PIDS="$PIDS $FDA"
START=$(date +%s)
until registered fda; do
    kill -0 "$FDA" 2>/dev/null || fail "the FDA gateway exited during start-up"
    [ $(($(date +%s) - START)) -lt 10 ] || fail "the FDA gateway did not register within 10 s"
    sleep 0.2
done
KEY=$(head -1 "$FED/data/sample-keys.txt")
NOTICE_DRIVE="--config $FED/msa/gateway.cfg --to SH-PD-FDA --key $KEY --count $NOTICES \
    --lanes 64 --seconds 300"
"$BIN/sluice-noticedrive" receive --config "$FED/fda/gateway.cfg" --count "$NOTICES" \
    --seconds 300 >"$DIR/logs/receive.out" 2>&1 &
RECEIVER=$!
PIDS="$PIDS $RECEIVER"
# shellcheck disable=SC2086
handled=$("$BIN/sluice-noticedrive" send $NOTICE_DRIVE --wait handled) \
    || fail "sluice-noticedrive (to handled) failed: $handled"
wait "$RECEIVER" || fail "sluice-noticedrive receive failed: $(cat "$DIR/logs/receive.out")"
echo "$handled"
cat "$DIR/logs/receive.out"
# shellcheck disable=SC2086
delivered=$("$BIN/sluice-noticedrive" send $NOTICE_DRIVE --wait delivered) \
    || fail "sluice-noticedrive (to delivered) failed: $delivered"
echo "$delivered"
alive && kill -0 "$FDA" 2>/dev/null || fail "a daemon exited during the notices"
per_second () { echo "$1" | sed -n 's/.* \([0-9][0-9]*\) notices per second$/\1/p' | tail -1; }
floor=$(sed -n 's/^bench: qps=.* commit_floor_per_s=\([0-9][0-9]*\).*/\1/p' "$DIR/logs/bench.out")
nps=$(per_second "$delivered")
hps=$(per_second "$handled")
[ -n "$nps" ] && [ -n "$hps" ] || fail "sluice-noticedrive printed no figures"
if [ -n "$floor" ] && [ "$floor" -gt 0 ]; then
    ratio=$(awk "BEGIN { printf \"%.3f\", $nps / $floor }")
else
    floor=0
    ratio=0
fi
echo "bench: notices_per_s=$nps notices_handled_per_s=$hps commit_floor_per_s=$floor" \
     "ratio_notices=$ratio"
