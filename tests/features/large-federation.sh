#!/bin/bash
# a large federation: 10,000 departments behind one broker under a low descriptor limit -- paged directory, floods, silent connections
. "$(dirname "$0")/../lib.sh"

# The directory goes in pages with deltas; one sender's flood makes only
# itself BUSY; a thousand silent connections from another address neither
# stop the broker serving, welcoming or reloading, nor make it spin; should
# they leave it short of descriptors for a moment, a reload keeps the
# previous trust, says why, and is done once there are descriptors again.
# Reading ten thousand certificates (the broker's reloads, a gateway's
# directory) takes seconds under the sanitizers: no daemon falls silent
# meanwhile. The Pudong federation gives the authority and the
# departments' data; its own brokers do not run.
fed_setup
BIG="$WORK/big"
BIG_PORT=$PORT
BIG_ENDPOINT="tcp://127.0.0.1:$BIG_PORT"
BIG_COUNT=10000
BIG_LAST=SH-PD-G-$BIG_COUNT
BIG_ROGUE=SH-PD-G-0$((BIG_COUNT - 1))
BIG_START=$(date +%s)
mkdir -p "$BIG/broker/certs"
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department BROKER-BIG \
    --name "Large federation broker" --role broker --out "$BIG/broker" >/dev/null
cp "$F/authority/authority.pub" "$BIG/broker/"
check "10,000 department certificates issued (sluice-certgen)" "$BIN/sluice-certgen" \
    "$F/authority/authority.secret" "$BIG/broker/certs" "$BIG_COUNT" SH-PD-G \
    1 2 $((BIG_COUNT - 1)) "$BIG_COUNT"
cat >"$BIG/broker/broker.cfg" <<CFG
broker
    endpoint = "$BIG_ENDPOINT"
    cert = "BROKER-BIG.cert_secret"
    authority = "authority.pub"
    certs = "certs"
    crl = "federation.crl"
    state = "state"
    heartbeat-ms = 500
CFG
# The broker gets 256 descriptors in all: a thousand connections would
# exhaust them
daemon big-broker "large federation: the broker" \
    bash -c 'ulimit -n 256 && exec "$0" --config "$1"' "$BIN/sluice-broker" "$BIG/broker/broker.cfg"
BIG_BROKER_PID=$DAEMON_PID

big_gateway () {   # folder department catalog database [setting line]
    dir="$BIG/$1"
    mkdir -p "$dir/state"
    mv "$BIG/broker/certs/$2.cert_secret" "$dir/" 2>/dev/null
    cp "$ROOT/examples/pudong/catalogs/$3" "$dir/catalog.cfg"
    cp "$F/authority/authority.pub" "$BIG/broker/BROKER-BIG.cert" "$dir/"
    cat >"$dir/gateway.cfg" <<CFG
gateway
    cert = "$2.cert_secret"
    authority = "authority.pub"
    broker = "$BIG_ENDPOINT"
    broker-cert = "BROKER-BIG.cert"
    local = "ipc://state/local.ipc"
    catalog = "catalog.cfg"
    source = "$F/data/$4"
    state = "state"
    heartbeat-ms = 500
    timeout-ms = 4000
${5:-}
CFG
    daemon "big-$1" "large federation: $1 gateway" "$BIN/sluice-gateway" --config "$dir/gateway.cfg"
    eval "big_${1}_PID=$DAEMON_PID"
}
big_status () { "$SLUICE" status --config "$BIG/$1/gateway.cfg"; }
big_query () {   # from-folder to [more]
    from=$1; to=$2; shift 2
    "$SLUICE" query --config "$BIG/$from/gateway.cfg" --to "$to" --item food-licence \
        --key "$KEY" --officer "Test Officer" --purpose p --role auditor "$@"
}
big_rogue () {   # attack [more]
    attack=$1; shift
    "$BIN/sluice-rogue" --broker "$BIG_ENDPOINT" --broker-cert "$BIG/broker/BROKER-BIG.cert" \
        --authority "$F/authority/authority.pub" --cert "$BIG/rogue/$BIG_ROGUE.cert_secret" \
        --to "$BIG_LAST" --item food-licence --key "$KEY" --attack "$attack" \
        --timeout-ms 15000 "$@"
}
# The provider is the 10,000th department; it remembers at most 300
# message ids, so that a flood of a few hundred queries reaches the bound
big_gateway ask SH-PD-G-00001 msa.cfg market.db
big_gateway last "$BIG_LAST" fda.cfg food.db "    replay-capacity = 300"
mkdir -p "$BIG/rogue"
mv "$BIG/broker/certs/$BIG_ROGUE.cert_secret" "$BIG/rogue/"
check "the asking gateway registers" wait_registered ask "$BIG"
check "the 10,000th department's gateway registers" wait_registered last "$BIG"
eventually "every certificate reaches the gateway, in pages" "certificates +1000[0-9]$" 0 \
    big_status ask
refute "the broker welcomed every gateway" "could not be welcomed|cannot send" 0 \
    cat "$WORK/big-broker.log"
eventually "a gateway asks the department whose certificate is the 10,000th" "OK \(1 row\)" 0 \
    big_query ask "$BIG_LAST"

# A certificate added later travels as a delta from the version held
"$BIN/sluice-certgen" "$F/authority/authority.secret" "$BIG/broker/certs" 1 SH-PD-H >/dev/null
eventually "a certificate added later reaches the gateway as a delta" \
    "directory of broker BROKER-BIG at version 2 \(a delta since version 1\)" 0 cat "$WORK/big-ask.log"
expect "and the gateway knows that department now (offline, not unknown)" \
    "DEPARTMENT_OFFLINE" 3 big_query ask SH-PD-H-00001
expect "the delta is the one certificate" "certificates +10001$" 0 big_status ask

# One sender's flood fills only its own share of the replay cache
expect "a flood of queries from one department: its own excess is BUSY" \
    "^replies=400 ok=[1-9][0-9]* errors=[1-9][0-9]* BUSY=[1-9][0-9]*( last=|$)" 0 \
    big_rogue flood --count 400
expect "another department's query meanwhile is answered, not BUSY" "OK \(1 row\)" 0 \
    big_query ask "$BIG_LAST"
expect "while the flooder stays BUSY" "^status=BUSY from=$BIG_LAST " 0 big_rogue valid

# A thousand silent connections from another address, held open (and
# opened again whenever the broker closes them)
python3 "$ROOT/tests/holdopen.py" 127.0.0.1 "$BIG_PORT" 1200 127.0.0.2 \
    "$WORK/big-holdopen.status" >"$WORK/big-holdopen.log" 2>&1 &
HOLD_PID=$!
track "$HOLD_PID"
eventually "1,200 silent connections from 127.0.0.2 are refused over the caps" \
    "refused a connection from 127.0.0.2" 0 cat "$WORK/big-broker.log"
eventually "the silent connections keep coming" "rounds=([5-9]|[1-9][0-9]+) " 0 \
    cat "$WORK/big-holdopen.status"
expect "meanwhile the registered gateways are served" "OK \(1 row\)" 0 \
    big_query ask "$BIG_LAST"
big_gateway new SH-PD-G-00002 tax.cfg tax.db
check "and a new gateway registers within seconds" wait_registered new "$BIG"
eventually "with the whole directory" "certificates +1000[0-9]$" 0 big_status new
expect "and asks" "OK \(1 row\)" 0 big_query new "$BIG_LAST"
# A broken revocation list meanwhile: the reload fails and says so. Should
# the silent connections hold every descriptor when the broker reads, it
# says that instead, keeps the previous trust and tries again each second
big_lines=$(log_mark "$WORK/big-broker.log")
BIG_BROKEN="reload failed, keeping the previous trust: .*federation.crl: not a valid revocation list"
echo "not a revocation list" >"$BIG/broker/federation.crl"
eventually "a reload meanwhile: the broken list is logged, or a shortage of descriptors and a retry" \
    "$BIG_BROKEN|reload failed, keeping the previous trust, trying again in a second: .*(Too many open files|Cannot allocate memory)" 0 \
    tail -n +"$big_lines" "$WORK/big-broker.log"
check "and harmless: the broker runs" kill -0 "$BIG_BROKER_PID"
expect "and serves" "OK \(1 row\)" 0 big_query ask "$BIG_LAST"
# Spinning is a thread that never waits for work: runnable all the time
# (on a CPU or queued for one: /proc/PID/task/TID/schedstat, in ns) and
# never going to sleep by itself (voluntary_ctxt_switches), however loaded
# the machine. The real work of refusing the connections wakes a thread for
# each and lets it sleep between; on a loaded machine such a thread may
# queue for a CPU most of the time, but it still sleeps. Over three
# seconds: no thread of the broker spins, whatever CPU time they spend
# (said, with the connections refused meanwhile: holdopen's reopened count)
big_threads () {   # "TID RUN-NS WAIT-NS SLEEPS NAME" of each thread of the broker
    local task run wait sleeps _
    for task in /proc/"$BIG_BROKER_PID"/task/*; do
        read -r run wait _ <"$task/schedstat" 2>/dev/null &&
        sleeps=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$task/status" 2>/dev/null) &&
            echo "${task##*/} $run $wait $sleeps $(tr ' ' _ <"$task/comm")"
    done
}
big_reopened () { sed -n 's/.* reopened=\([0-9]*\).*/\1/p' "$WORK/big-holdopen.status"; }
big_cpu () { awk '{ print $14 + $15 }' "/proc/$BIG_BROKER_PID/stat"; }
threads_before=$(big_threads); cpu_before=$(big_cpu); reopened_before=$(big_reopened)
window_start=$(date +%s%N)
hold_for 3          # the window measured, not a wait for something to happen
threads_after=$(big_threads); cpu_after=$(big_cpu); reopened_after=$(big_reopened)
window_ns=$(($(date +%s%N) - window_start))
# "SPINNING BUSY% SLEEPS NAME": how many threads spun, and the busiest
busiest=$(awk -v window="$window_ns" '
    NR == FNR { run [$1] = $2; wait [$1] = $3; sleeps [$1] = $4; next }
    ($1 in run) {
        busy = int (100 * ($2 - run [$1] + $3 - wait [$1]) / window)
        slept = $4 - sleeps [$1]
        if (busy >= 90 && slept <= 1) spinning++
        if (busy >= most) { most = busy; name = $5; most_slept = slept }
    }
    END { print spinning + 0, most + 0, most_slept + 0, name }' \
    <(echo "$threads_before") <(echo "$threads_after"))
read -r spinning busy slept busy_name <<<"$busiest"
check "the broker is not spinning: no thread runnable all of 3 s without sleeping once (busiest: $busy_name, runnable $busy%, slept $slept times); $((cpu_after - cpu_before)) ticks of CPU in all, refusing $((reopened_after - reopened_before)) connections" \
    test "$spinning" = 0
stop_quietly "$HOLD_PID"
eventually "once the silent connections stop, the reload is done: the broken list is logged" \
    "$BIG_BROKEN" 0 tail -n +"$big_lines" "$WORK/big-broker.log"
# Reading ten thousand certificates, nobody fell silent: no member the
# broker took for gone (sluice-rogue's too), no gateway that found the
# broker silent or lost its connection (their lines, if any, are shown)
big_lines_of () {   # ERE FILE...: the lines that match, exit 0 either way
    local pattern=$1; shift
    grep -hE -- "$pattern" "$@"
    return 0
}
refute "no member was taken for gone while it read ten thousand certificates" \
    "." 0 big_lines_of "is offline \(silent for" "$WORK/big-broker.log"
refute "nor the broker while it read them: no gateway found it silent or lost its connection" \
    "." 0 big_lines_of "silent for|connection lost|became unreachable" \
    "$WORK/big-ask.log" "$WORK/big-last.log" "$WORK/big-new.log"
rm -f "$BIG/broker/federation.crl"
echo "        (10,000 departments: $(($(date +%s) - BIG_START)) s)"

for folder in ask last new; do
    eval "pid=\$big_${folder}_PID"
    stop_clean "large federation: $folder gateway stops cleanly" "$pid"
done
stop_clean "large federation: the broker stops cleanly" "$BIG_BROKER_PID"
finish
