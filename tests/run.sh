#!/bin/bash
# The test suite: every class's self-test, then the federation through the
# real daemons on loopback, with every class of bad input.
#
#   sh tests/run.sh BIN        (make test runs it on the sanitizer build)
#
# Ends with one line: N passed, N failed
set -u
BIN=$(cd "${1:-build/asan/bin}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/sluice-test.XXXXXX)
PORT=$((20000 + $$ % 20000))
ENDPOINT="tcp://127.0.0.1:$PORT"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
PASSED=0
FAILED=0
FAILURES=""
PIDS=""

cleanup () {
    for pid in $PIDS; do kill -TERM "$pid" 2>/dev/null; done
    sleep 0.5
    for pid in $PIDS; do kill -KILL "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

pass () { PASSED=$((PASSED + 1)); echo "ok      $1"; }
fail () {
    FAILED=$((FAILED + 1)); FAILURES="$FAILURES\n  $1"
    echo "FAIL    $1"
    [ -n "${2:-}" ] && echo "$2" | sed 's/^/        | /' | head -20
}
# check NAME COMMAND...: passes if the command exits 0
check () {
    name=$1; shift
    if output=$("$@" 2>&1); then pass "$name"; else fail "$name" "$output"; fi
}
# expect NAME PATTERN EXIT COMMAND...: output matches PATTERN, exit code EXIT
expect () {
    name=$1; pattern=$2; code=$3; shift 3
    output=$("$@" 2>&1); rc=$?
    if [ "$rc" = "$code" ] && echo "$output" | grep -Eq -- "$pattern"; then
        pass "$name"
    else
        fail "$name" "exit $rc (wanted $code), output:
$output"
    fi
}
# refute NAME PATTERN COMMAND...: output does not match PATTERN
refute () {
    name=$1; pattern=$2; shift 2
    output=$("$@" 2>&1)
    if echo "$output" | grep -Eq -- "$pattern"; then fail "$name" "$output"; else pass "$name"; fi
}

F="$WORK/fed"
SLUICE="$BIN/sluice"

start_broker () {
    "$BIN/sluice-broker" --config "$F/broker/broker.cfg" >>"$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    PIDS="$PIDS $BROKER_PID"
}
start_broker2 () {
    "$BIN/sluice-broker" --config "$F/broker2/broker.cfg" >>"$WORK/broker2.log" 2>&1 &
    BROKER2_PID=$!
    PIDS="$PIDS $BROKER2_PID"
}
start_gateway () {    # folder
    "$BIN/sluice-gateway" --config "$F/$1/gateway.cfg" >>"$WORK/$1.log" 2>&1 &
    eval "${1}_PID=$!"
    PIDS="$PIDS $!"
}
# Polls a command (up to 15 s, or WAIT_TRIES quarter seconds) until its
# output matches an ERE
registry_wait () {   # pattern command...
    pattern=$1; shift
    for _ in $(seq 1 "${WAIT_TRIES:-60}"); do
        "$@" 2>/dev/null | grep -Eq -- "$pattern" && return 0
        sleep 0.25
    done
    return 1
}
# Waits until a gateway reports it is registered, or not (the row, not the
# words of a broker link's state)
wait_registered () {
    registry_wait "^ +registered +yes" "$SLUICE" status --config "$F/$1/gateway.cfg"
}
# A suite's federation of its own, at DIR (examples/pudong/federation.sh),
# its daemons' logs in $WORK/NAME-*.log: fed_broker DIR NAME starts its
# broker (pid in ${NAME}_BROKER_PID, NAME in capitals), fed_gateway DIR
# NAME FOLDER a gateway (pid in ${NAME}_${FOLDER}_PID), and
# fed_registered DIR FOLDER waits until that gateway is registered
fed_broker () {   # dir name
    "$BIN/sluice-broker" --config "$1/broker/broker.cfg" >>"$WORK/$2-broker.log" 2>&1 &
    pid=$!
    eval "$(echo "$2" | tr '[:lower:]' '[:upper:]')_BROKER_PID=$pid"
    PIDS="$PIDS $pid"
}
fed_gateway () {   # dir name folder
    "$BIN/sluice-gateway" --config "$1/$3/gateway.cfg" >>"$WORK/$2-$3.log" 2>&1 &
    pid=$!
    eval "$(echo "$2" | tr '[:lower:]' '[:upper:]')_${3}_PID=$pid"
    PIDS="$PIDS $pid"
}
fed_registered () {   # dir folder
    registry_wait "^ +registered +yes" "$SLUICE" status --config "$1/$2/gateway.cfg"
}
not_registered () {
    registry_wait "^ +registered +no" "$SLUICE" status --config "$F/$1/gateway.cfg"
}
# Stops a daemon with SIGTERM; passes if it exits 0 within 5 s (sanitizer
# reports make it exit 99)
stop_clean () {   # test-name pid
    kill -TERM "$2" 2>/dev/null
    for _ in $(seq 1 50); do
        if ! kill -0 "$2" 2>/dev/null; then
            wait "$2"; rc=$?
            if [ "$rc" = 0 ]; then pass "$1"; else fail "$1" "exit status $rc"; fi
            return
        fi
        sleep 0.1
    done
    fail "$1" "still running 5 s after SIGTERM"
}
query () {   # from-folder to item key [more args]
    from=$1; to=$2; item=$3; key=$4; shift 4
    "$SLUICE" query --config "$F/$from/gateway.cfg" --to "$to" --item "$item" \
        --key "$key" --officer "Test Officer" "$@"
}
rogue () {   # cert-folder cert-dept to attack [more args]
    folder=$1; dept=$2; to=$3; attack=$4; shift 4
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$F/$folder/$dept.cert_secret" \
        --to "$to" --attack "$attack" --other "$F/fda/SH-PD-FDA.cert" "$@"
}

echo "== self-tests of every class"
for class in $("$BIN/sluice-selftest" -l 2>/dev/null); do
    check "selftest $class" "$BIN/sluice-selftest" "$class"
done

echo "== command line and configuration"
for program in sluice sluice-broker sluice-gateway sluice-gendata sluice-rogue; do
    expect "$program --help" "usage|Usage" 0 "$BIN/$program" --help
done
expect "sluice unknown command" "unknown command" 64 "$SLUICE" frobnicate
expect "sluice query without arguments" "usage" 64 "$SLUICE" query

echo "== building the Pudong federation"
check "federation set-up (authority, certificates, data, agreements)" \
    sh "$ROOT/examples/pudong/federation.sh" "$BIN" "$F" "$PORT" 2000
check "generated identifiers are valid" "$BIN/sluice-gendata" --check "$F/data"
KEY=$(head -1 "$F/data/sample-keys.txt")
expect "certificate verifies against the authority" "valid" 0 \
    "$SLUICE" certs verify --authority "$F/authority/authority.pub" "$F/msa/SH-PD-MSA.cert"
expect "agreement signatures verify" "verified" 0 "$SLUICE" agreement show \
    --file "$F/tax/agreements/AGR-MSA-TAX-0001.agreement" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs"
check "secret key files are mode 0600" \
    test "$(stat -c %a "$F/msa/SH-PD-MSA.cert_secret")" = 600

# A certified member that misbehaves: the hostile peer of the tests
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department SH-PD-ROGUE \
    --name "Hostile test member" --out "$F/rogue" >/dev/null 2>&1
cp "$F/rogue/SH-PD-ROGUE.cert" "$F/broker/certs/"
cp "$F/rogue/SH-PD-ROGUE.cert" "$F/broker2/certs/"

# A slow item in MSA's catalog, for the source-timeout test
cat >>"$F/msa/catalog.cfg" <<'CAT'
    item = "slow-report"
        title = "a deliberately slow report, for tests"
        category = "test"
        key-type = "uscc"
        share = "open"
        update = "never"
        sql = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) SELECT max(n) AS total FROM c WHERE :key IS NOT NULL"
        field = "total"
            type = "integer"
            sensitivity = 0
CAT
sed -i 's/    timeout-ms = 4000/    timeout-ms = 4000\n    source-timeout-ms = 500/' "$F/msa/gateway.cfg"

echo "== broken configuration is refused with what and where"
cp "$F/msa/gateway.cfg" "$WORK/broken.cfg"
sed -i 's/heartbeat-ms = 500/hearbeat-ms = 500/' "$WORK/broken.cfg"
expect "gateway: misspelt setting, with its line and the right name" \
    "broken.cfg:[0-9]+: unknown setting 'gateway/hearbeat-ms': did you mean 'gateway/heartbeat-ms'" 2 \
    "$BIN/sluice-gateway" --config "$WORK/broken.cfg"
printf 'broker\n    endpoint = "tcp://127.0.0.1:1\n' >"$WORK/broken-broker.cfg"
expect "broker: ZPL syntax error, with its line" "broken-broker.cfg:2: missing closing \"" 2 \
    "$BIN/sluice-broker" --config "$WORK/broken-broker.cfg"
expect "broker: missing file" "cannot read the configuration file" 2 \
    "$BIN/sluice-broker" --config "$WORK/none.cfg"
expect "broker: bad flag value" "heartbeat-ms.*between" 2 \
    "$BIN/sluice-broker" --config "$F/broker/broker.cfg" --heartbeat-ms 5
expect "broker: unknown flag" "unknown flag '--bogus'" 2 \
    "$BIN/sluice-broker" --config "$F/broker/broker.cfg" --bogus 1
sed 's/catalog = "catalog.cfg"/catalog = "bad-catalog.cfg"/' "$F/msa/gateway.cfg" >"$F/msa/bad.cfg"
sed 's/share = "closed"/share = "secret"/' "$F/msa/catalog.cfg" >"$F/msa/bad-catalog.cfg"
expect "gateway: bad catalog names item and key" "bad-catalog.cfg: item 'complaint-files'.*share" 1 \
    "$BIN/sluice-gateway" --config "$F/msa/bad.cfg"
sed 's/"BROKER.cert, BROKER-2.cert"/"BROKER.cert, ..\/tax\/SH-PD-TAX.cert"/' "$F/msa/gateway.cfg" >"$F/msa/bad2.cfg"
expect "gateway: a department cert posing as the broker's" "not a broker certificate" 1 \
    "$BIN/sluice-gateway" --config "$F/msa/bad2.cfg"

sed 's/"BROKER.cert, BROKER-2.cert"/"BROKER.cert"/' "$F/msa/gateway.cfg" >"$F/msa/bad3.cfg"
expect "gateway: endpoints and broker certificates must pair up" "2 endpoints but gateway/broker-cert 1" 1 \
    "$BIN/sluice-gateway" --config "$F/msa/bad3.cfg"

"$BIN/sluice-broker" --config "$F/broker/broker.cfg" --endpoint "tcp://127.0.0.1:$((PORT + 30))" \
    --state "$WORK/quiet-state" --log-level warning >"$WORK/quiet.log" 2>&1 &
quiet=$!
sleep 1
stop_clean "a broker at log level warning stops cleanly" $quiet
refute "log level warning hides routine lines" "listening|trusting" cat "$WORK/quiet.log"
"$BIN/sluice-broker" --config "$F/broker/broker.cfg" --endpoint "tcp://127.0.0.1:$((PORT + 31))" \
    --state "$WORK/quiet-state" >"$WORK/loud.log" 2>&1 &
loud=$!
sleep 1
stop_clean "a broker at log level info stops cleanly" $loud
expect "log level info shows them" "listening on" 0 cat "$WORK/loud.log"

echo "== starting the federation"
start_broker
for dept in msa tax fda; do start_gateway $dept; done
for dept in msa tax fda; do
    check "$dept gateway registers with the broker" wait_registered $dept
done

echo "== the secured query path"
expect "open item: the whole record" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose tax-registration --role auditor
expect "open item: JSON output" '"status":"OK".*"rows":\[\{"name":' 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose tax-registration --role auditor --json
expect "conditional item: agreed fields come back" "legal_rep .*" 0 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role auditor
refute "conditional item: fields not agreed never come back" "legal_rep_id" \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role auditor
expect "field not agreed is refused" "FIELD_NOT_AGREED.*legal_rep_id" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep,legal_rep_id \
    --purpose tax-registration --role auditor
expect "closed item refused with its legal basis" "ITEM_CLOSED.*税收征收管理法" 2 \
    query fda SH-PD-TAX taxpayer-accounts "$KEY" --purpose check --role inspector
expect "department without agreement refused" "NO_AGREEMENT" 2 \
    query fda SH-PD-TAX taxpayer-status "$KEY" --purpose credit-supervision --role inspector
expect "purpose not agreed refused" "PURPOSE_NOT_AGREED" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose marketing --role auditor
expect "officer role not agreed refused" "ROLE_NOT_AGREED.*role" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role clerk
expect "missing purpose refused" "PURPOSE_REQUIRED" 2 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --role auditor
expect "invalid key refused before the source" "INVALID_KEY.*check character" 2 \
    query tax SH-PD-MSA enterprise-basic 91110000600037341N --purpose p --role auditor
expect "valid key without record: not found" "NOT_FOUND" 1 \
    query tax SH-PD-MSA enterprise-basic 91110000600037341L --purpose p --role auditor
expect "unknown item" "UNKNOWN_ITEM" 2 \
    query tax SH-PD-MSA no-such-item "$KEY" --purpose p --role auditor
expect "unknown field" "UNKNOWN_FIELD" 2 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --fields name,nonsense --purpose p --role auditor
expect "unknown department" "UNKNOWN_DEPARTMENT" 3 \
    query tax SH-PD-NOPE enterprise-basic "$KEY" --purpose p --role auditor
expect "list item under agreement (several rows)" "OK \(" 0 \
    query msa SH-PD-FDA food-inspections "$KEY" --purpose joint-inspection --role inspector
expect "slow source: a clear error, not a timeout" "SOURCE_TIMEOUT" 3 \
    query tax SH-PD-MSA slow-report "$KEY" --purpose p --role auditor

echo "== injection strings are data, never SQL"
expect "key: SQL injection" "INVALID_KEY" 2 \
    query tax SH-PD-MSA enterprise-basic "' OR '1'='1" --purpose p --role auditor
expect "key: injection of USCC length" "INVALID_KEY" 2 \
    query tax SH-PD-MSA enterprise-basic "9131011'--;DROP1" --purpose p --role auditor
expect "fields: SQL injection" "UNKNOWN_FIELD" 2 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --fields "name FROM enterprise--" --purpose p --role auditor
expect "item: SQL injection" "UNKNOWN_ITEM" 2 \
    query tax SH-PD-MSA "x' OR 1=1" "$KEY" --purpose p --role auditor
expect "source intact after injections" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor

echo "== hostile and broken peers (sluice-rogue)"
expect "rogue baseline: a correct query is answered" "status=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA valid --key "$KEY"
expect "uncertified CURVE key gets nothing" "no-reply" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA uncertified --timeout-ms 1500
expect "malformed frame" "status=MALFORMED" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA malformed
expect "garbage header" "status=MALFORMED" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA garbage-header
expect "truncated body" "status=(BAD_SEAL|MALFORMED)" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA truncated
expect "oversized message" "status=TOO_LARGE|no-reply" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA oversized
expect "spoofed sender" "status=SENDER_MISMATCH" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA spoof
expect "tampered signature" "status=BAD_SIGNATURE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA bad-signature
expect "body sealed to another department" "status=BAD_SEAL" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA wrong-seal
expect "replayed request" "status=REPLAY" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA replay
expect "a query recorded" "status=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA record --key "$KEY" --file "$WORK/recorded.query"
stop_clean "provider stops, before a replay of the recorded query" $msa_PID
start_gateway msa
check "provider back" wait_registered msa
expect "replayed after the provider restarted: still a replay" "status=REPLAY" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA resend --file "$WORK/recorded.query"
expect "stale timestamp" "status=STALE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA stale
expect "timestamp from the future" "status=STALE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA future
expect "query in clear" "status=BAD_TYPE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA clear-query
expect "unknown department via the broker" "status=UNKNOWN_DEPARTMENT" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA unknown-dept
expect "query before registering" "status=NOT_REGISTERED" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA no-hello
expect "injection through the wire" "status=INVALID_KEY" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA injection
expect "flood of 2000 queries: all answered" "replies=2000 ok=2000" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA flood --count 2000 --timeout-ms 20000
check "daemons alive after the hostile peers" kill -0 $BROKER_PID $msa_PID $tax_PID $fda_PID

echo "== a broker that lies (sluice-liar): it can delay or drop, never grant"
# A copy of MSA's gateway whose only broker is sluice-liar (a real broker
# certificate, no ZAP, lies on purpose). TAX colludes with the liar: the liar
# holds TAX's keys (--signer) and queries through it with sluice-rogue.
# Every attack runs on a fresh copy and its own port; each is judged by the
# gateway's log, its status, and a query from TAX routed by the liar.
LIAR_DIR="$F/liar-msa"
LIAR_PORT=$((PORT + 10))
LA="$WORK/liar-agreements"
mkdir -p "$LA"
liar_agreement () {   # name signers... -- draft args...
    name=$1; shift
    signers=""
    while [ "$1" != "--" ]; do signers="$signers $1"; shift; done
    shift
    "$SLUICE" agreement draft --provider SH-PD-MSA --consumer SH-PD-TAX \
        --item enterprise-licences --fields licence_no,kind --purposes test \
        --legal-basis "tests of a lying broker" --out "$LA/$name.agreement" "$@" >/dev/null
    for signer in $signers; do
        "$SLUICE" agreement sign --cert "$F/$signer" --file "$LA/$name.agreement" >/dev/null
    done
}
liar_agreement good msa/SH-PD-MSA.cert_secret tax/SH-PD-TAX.cert_secret -- \
    --id AGR-LIAR-GOOD --days 30
liar_agreement half tax/SH-PD-TAX.cert_secret -- --id AGR-LIAR-HALF --days 30
liar_agreement old msa/SH-PD-MSA.cert_secret tax/SH-PD-TAX.cert_secret -- \
    --id AGR-LIAR-OLD --valid-from 2020-01-01T00:00:00Z --valid-until 2020-12-31T00:00:00Z
check "liar test agreements drafted and signed" \
    test -s "$LA/good.agreement" -a -s "$LA/half.agreement" -a -s "$LA/old.agreement"
expect "sluice-liar --help lists its attacks" "forged-revocation" 0 "$BIN/sluice-liar" --help
expect "sluice-liar: unknown attack is a usage error" "unknown attack" 2 \
    "$BIN/sluice-liar" --endpoint tcp://127.0.0.1:1 --cert "$F/broker/BROKER.cert_secret" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs" --attack nonsense
expect "sluice-liar: an attack's wrong agreement is a setup error" "signed by both" 2 \
    "$BIN/sluice-liar" --endpoint tcp://127.0.0.1:1 --cert "$F/broker/BROKER.cert_secret" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs" --attack altered \
    --agreement "$LA/half.agreement" --signer "$F/tax/SH-PD-TAX.cert_secret"

# Waits up to 15 s for PATTERN (ERE) in FILE
liar_wait () {   # file pattern
    registry_wait "$2" cat "$1"
}
# eventually NAME FILE PATTERN: passes once FILE matches PATTERN (10 s)
eventually () {
    if liar_wait "$2" "$3"; then pass "$1"; else fail "$1" "$(tail -8 "$2")"; fi
}
# count_at_least NAME FILE PATTERN N
count_at_least () {
    for _ in $(seq 1 40); do
        [ "$(grep -Ec -- "$3" "$2")" -ge "$4" ] && { pass "$1"; return; }
        sleep 0.25
    done
    fail "$1" "$(grep -Ec -- "$3" "$2") lines match '$3', wanted $4:
$(tail -8 "$2")"
}
liar_gateway () {
    "$BIN/sluice-gateway" --config "$LIAR_DIR/gateway.cfg" >>"$LIAR_LOG" 2>&1 &
    LIAR_GW_PID=$!
    PIDS="$PIDS $LIAR_GW_PID"
}
# liar_start ATTACK [liar args]: a fresh copy of MSA's gateway, the liar on
# a port of its own as its only broker, both started, the gateway registered
liar_start () {
    LIAR_ATTACK=$1; shift
    LIAR_PORT=$((LIAR_PORT + 1))
    LIAR_OUT="$WORK/liar-$LIAR_ATTACK.out"
    LIAR_LOG="$WORK/liar-msa-$LIAR_ATTACK.log"
    rm -rf "$LIAR_DIR"
    mkdir -p "$LIAR_DIR/state"
    cp -r "$F/msa/agreements" "$F/msa/catalog.cfg" "$F/msa/SH-PD-MSA.cert" \
        "$F/msa/SH-PD-MSA.cert_secret" "$F/msa/authority.pub" "$F/msa/BROKER.cert" "$LIAR_DIR/"
    sed -e "s|^    broker = .*|    broker = \"tcp://127.0.0.1:$LIAR_PORT\"|" \
        -e 's|^    broker-cert = .*|    broker-cert = "BROKER.cert"|' \
        "$F/msa/gateway.cfg" >"$LIAR_DIR/gateway.cfg"
    # Settings an attack needs in the gateway's configuration, one per line
    if [ -n "${LIAR_GATEWAY_EXTRA:-}" ]; then
        printf '%s\n' "$LIAR_GATEWAY_EXTRA" >>"$LIAR_DIR/gateway.cfg"
    fi
    "$BIN/sluice-liar" --endpoint "tcp://127.0.0.1:$LIAR_PORT" \
        --cert "$F/broker/BROKER.cert_secret" --authority "$F/authority/authority.pub" \
        --certs "$F/broker/certs" --attack "$LIAR_ATTACK" "$@" \
        >"$LIAR_OUT" 2>"$WORK/liar-$LIAR_ATTACK.err" &
    LIAR_PID=$!
    PIDS="$PIDS $LIAR_PID"
    liar_gateway
    check "liar $LIAR_ATTACK: the gateway registers with the liar" wait_registered liar-msa
}
liar_stop () {
    stop_clean "liar $LIAR_ATTACK: gateway stops cleanly" "$LIAR_GW_PID"
    stop_clean "liar $LIAR_ATTACK: liar stops cleanly" "$LIAR_PID"
}
# TAX asks the gateway through the liar (sluice-rogue prints one line)
liar_query () {   # item
    "$BIN/sluice-rogue" --broker "tcp://127.0.0.1:$LIAR_PORT" \
        --broker-cert "$F/broker/BROKER.cert" --authority "$F/authority/authority.pub" \
        --cert "$F/tax/SH-PD-TAX.cert_secret" --to SH-PD-MSA --attack valid \
        --item "${1:-enterprise-licences}" --key "$KEY" --timeout-ms 3000
}
LIAR_GRANTED="^status=(OK rows|NOT_FOUND$)"
liar_status () { "$SLUICE" status --config "$LIAR_DIR/gateway.cfg"; }
# The agreement's state, if `sluice agreement list` exists
liar_state () {   # name id state
    if "$SLUICE" agreement list --help >/dev/null 2>&1; then
        expect "$1" "$2.*$3" 0 "$SLUICE" agreement list --config "$LIAR_DIR/gateway.cfg"
    else
        echo "skip    $1 (no sluice agreement list)"
    fi
}
TAX_SECRET="$F/tax/SH-PD-TAX.cert_secret"

# The control: an agreement signed by both is granted through the liar,
# so the refusals below are the gateway's doing, not a broken harness
liar_start honest --agreement "$LA/good.agreement" --signer "$TAX_SECRET"
eventually "liar honest: the agreement is pushed" "$LIAR_OUT" "^sent: agreement AGR-LIAR-GOOD"
eventually "liar honest: the gateway accepts it" "$LIAR_LOG" \
    "registrar: agreement AGR-LIAR-GOOD from SH-PD-TAX accepted"
expect "liar honest: the consumer is granted under it" "$LIAR_GRANTED" 0 liar_query
expect "liar honest: three agreements in force" "agreements +3$" 0 liar_status
liar_state "liar honest: listed in force" AGR-LIAR-GOOD "in force"
liar_stop

liar_start consumer-only --agreement "$LA/half.agreement" --signer "$TAX_SECRET"
eventually "liar consumer-only: pushed" "$LIAR_OUT" "^sent: agreement AGR-LIAR-HALF signed only by the consumer"
eventually "liar consumer-only: refused for the missing provider signature" "$LIAR_LOG" \
    "registrar: agreement AGR-LIAR-HALF claiming to be from SH-PD-TAX refused: BAD_SIGNATURE"
expect "liar consumer-only: nothing granted" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
expect "liar consumer-only: the file agreements only" "agreements +2$" 0 liar_status
liar_stop

liar_start altered --agreement "$LA/good.agreement" --signer "$TAX_SECRET" --field issued
count_at_least "liar altered: four alterations pushed" "$LIAR_OUT" "^sent: agreement AGR-LIAR-GOOD .*signatures kept" 4
count_at_least "liar altered: each refused" "$LIAR_LOG" \
    "registrar: agreement AGR-LIAR-GOOD claiming to be from SH-PD-TAX refused: BAD_SIGNATURE" 4
expect "liar altered: nothing granted" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
expect "liar altered: the file agreements only" "agreements +2$" 0 liar_status
liar_stop

liar_start expired --agreement "$LA/old.agreement" --signer "$TAX_SECRET"
eventually "liar expired: pushed" "$LIAR_OUT" "^sent: agreement AGR-LIAR-OLD .*expired at 2020"
expect "liar expired: kept perhaps, never granted" "^status=(AGREEMENT_EXPIRED|NO_AGREEMENT) from=SH-PD-MSA" 0 liar_query
liar_state "liar expired: listed as expired" AGR-LIAR-OLD "expired"
liar_stop

liar_start replay-revoked --agreement "$LA/good.agreement" --signer "$TAX_SECRET" \
    --revoker "$F/msa/SH-PD-MSA.cert_secret"
eventually "liar replay-revoked: the replays are pushed" "$LIAR_OUT" "^sent: agreement AGR-LIAR-GOOD .*a newer statement"
eventually "liar replay-revoked: the provider's revocation applies" "$LIAR_LOG" \
    "registrar: agreement AGR-LIAR-GOOD revoked by its provider"
sleep 0.5
expect "liar replay-revoked: stays revoked" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
expect "liar replay-revoked: the file agreements only" "agreements +2$" 0 liar_status
liar_state "liar replay-revoked: listed as revoked" AGR-LIAR-GOOD "revoked"
kill -TERM "$LIAR_GW_PID"; wait "$LIAR_GW_PID" 2>/dev/null
liar_gateway
check "liar replay-revoked: the gateway registers again" wait_registered liar-msa
sleep 0.5
expect "liar replay-revoked: still revoked after a restart" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
liar_stop

# The first forged revocation comes before the gateway holds the agreement
# (its payload an agreement naming TAX as provider): the registrar judges a
# revocation only against an agreement it holds, never by its payload
liar_start forged-revocation --agreement "$LA/good.agreement" --signer "$TAX_SECRET"
eventually "liar forged-revocation: pushed" "$LIAR_OUT" "^sent: agreement-revocation AGR-LIAR-GOOD signed by SH-PD-TAX, the consumer"
count_at_least "liar forged-revocation: both forged revocations refused" "$LIAR_LOG" \
    "registrar: agreement-revocation AGR-LIAR-GOOD claiming to be from SH-PD-TAX refused" 2
expect "liar forged-revocation: the agreement stays in force" "$LIAR_GRANTED" 0 liar_query
refute "liar forged-revocation: no revocation applied" "revoked by its provider|policy: agreement 'AGR-LIAR-GOOD' revoked" \
    cat "$LIAR_LOG"
liar_state "liar forged-revocation: listed in force" AGR-LIAR-GOOD "in force"
liar_stop

liar_start forged-catalog --signer "$TAX_SECRET" --department SH-PD-FDA
expect "liar forged-catalog: the control catalog is listed" "SH-PD-TAX" 0 \
    "$SLUICE" catalog list --config "$LIAR_DIR/gateway.cfg"
refute "liar forged-catalog: the forged catalogs are left out" "SH-PD-FDA|open.*complaint-files|complaint-files.*open" \
    "$SLUICE" catalog list --config "$LIAR_DIR/gateway.cfg"
count_at_least "liar forged-catalog: both refused, and logged" "$LIAR_LOG" \
    "registrar: a catalog from the broker refused: BAD_SIGNATURE" 2
liar_stop

liar_start forged-cert --department SH-PD-FDA
eventually "liar forged-cert: probes sent" "$LIAR_OUT" "^sent: order ORD-LIAR-SH-PD-FDA"
eventually "liar forged-cert: a certificate of a forged authority refused" "$LIAR_LOG" \
    "certificate for SH-PD-FAKE refused: BAD_SIGNATURE"
eventually "liar forged-cert: a real department's with a key replaced refused" "$LIAR_LOG" \
    "certificate for SH-PD-FDA refused: BAD_SIGNATURE"
eventually "liar forged-cert: the forged department's query refused" "$LIAR_LOG" \
    "QUERY from SH-PD-FAKE refused: CERT_UNKNOWN"
eventually "liar forged-cert: the replaced key's statement refused" "$LIAR_LOG" \
    "registrar: order ORD-LIAR-SH-PD-FDA claiming to be from SH-PD-FDA refused: BAD_SIGNATURE"
refute "liar forged-cert: nothing answered to a forged identity" "^received: (RESPONSE|ERROR)" \
    cat "$LIAR_OUT"
liar_stop

liar_start forged-crl --department SH-PD-TAX
eventually "liar forged-crl: a list of a forged authority refused" "$LIAR_LOG" \
    "revocation list refused: BAD_SIGNATURE"
expect "liar forged-crl: the department it revokes keeps working" "^status=OK rows" 0 \
    liar_query enterprise-basic
liar_stop
rm -rf "$LIAR_DIR"

echo "== catalog directory"
expect "every department's catalog is listed" "SH-PD-FDA +food-licence.*SH-PD-MSA +enterprise-basic|SH-PD-MSA +enterprise-basic" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
expect "search by data element finds the same fact everywhere" "SH-PD-MSA +enterprise-basic" 0 \
    "$SLUICE" catalog search --config "$F/fda/gateway.cfg" --element enterprise.name
expect "search by key type and share class" "SH-PD-TAX +taxpayer-accounts" 0 \
    "$SLUICE" catalog search --config "$F/fda/gateway.cfg" --key-type uscc --share closed
expect "a closed item shows its legal basis" "税收征收管理法" 0 \
    "$SLUICE" catalog show --config "$F/msa/gateway.cfg" --department SH-PD-TAX --item taxpayer-accounts
expect "catalog JSON names fields with types and sensitivity" '"sensitivity":4' 0 \
    "$SLUICE" catalog show --config "$F/msa/gateway.cfg" --department SH-PD-MSA --item enterprise-legal-rep --json
expect "search that matches nothing" "" 1 \
    "$SLUICE" catalog search --config "$F/fda/gateway.cfg" --category no-such-category
cat >>"$F/fda/catalog.cfg" <<'CAT'
    item = "drug-recalls"
        title = "药品召回"
        category = "药品"
        key-type = "uscc"
        share = "open"
        update = "daily"
        sql = "SELECT status FROM food_licence WHERE uscc = :key"
        field = "status"
            type = "text"
            sensitivity = 0
CAT
check "a changed catalog is published by itself" \
    registry_wait "SH-PD-FDA +drug-recalls" "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
cp "$F/fda/catalog.cfg" "$WORK/fda-catalog.good"
echo "    item = \"broken" >>"$F/fda/catalog.cfg"
check "a broken catalog edit is refused and logged" \
    registry_wait "catalog change not applied" cat "$WORK/fda.log"
expect "the previous catalog stays in service" "OK" 0 \
    query tax SH-PD-FDA drug-recalls "$KEY" --purpose p --role auditor
cp "$WORK/fda-catalog.good" "$F/fda/catalog.cfg"

echo "== agreements registered through the broker"
FOOD_KEY=$(sqlite3 "$F/data/food.db" "SELECT uscc FROM violation ORDER BY uscc LIMIT 1")
TAX_KEY=$(sqlite3 "$F/data/tax.db" "SELECT uscc FROM violation ORDER BY uscc LIMIT 1")
LICENCE_KEY=$(sqlite3 "$F/data/market.db" "SELECT uscc FROM licence ORDER BY uscc LIMIT 1")
A="$WORK/agreements"
mkdir -p "$A"
draft () {   # file id provider consumer item fields purposes [more]
    file=$1; id=$2; provider=$3; consumer=$4; item=$5; fields=$6; purposes=$7; shift 7
    "$SLUICE" agreement draft --id "$id" --provider "$provider" --consumer "$consumer" \
        --item "$item" --fields "$fields" --purposes "$purposes" \
        --legal-basis "《优化营商环境条例》" --out "$A/$file" "$@" >/dev/null
}
draft fda-tax.agreement AGR-FDA-TAX-0001 SH-PD-FDA SH-PD-TAX food-violations \
    case_no,decided,kind tax-audit --daily-quota 3
"$SLUICE" agreement sign --cert "$F/fda/SH-PD-FDA.cert_secret" --file "$A/fda-tax.agreement" >/dev/null
expect "before registration: no agreement" "NO_AGREEMENT" 2 \
    query tax SH-PD-FDA food-violations "$KEY" --purpose tax-audit --role auditor
expect "an agreement signed by one side only is refused" "BAD_SIGNATURE" 3 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/fda-tax.agreement"
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$A/fda-tax.agreement" >/dev/null
expect "the consumer registers the signed agreement" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/fda-tax.agreement"
check "the provider's gateway has it in force" \
    registry_wait "AGR-FDA-TAX-0001 +in force" "$SLUICE" agreement list --config "$F/fda/gateway.cfg"
expect "it takes effect on the next query" "OK \(" 0 \
    query tax SH-PD-FDA food-violations "$FOOD_KEY" --purpose tax-audit --role auditor
refute "the agreement's fields only" "penalty|status " \
    query tax SH-PD-FDA food-violations "$FOOD_KEY" --purpose tax-audit --role auditor
query tax SH-PD-FDA food-violations "$FOOD_KEY" --purpose tax-audit --role auditor >/dev/null 2>&1
expect "daily quota exhausted" "QUOTA_EXCEEDED" 2 \
    query tax SH-PD-FDA food-violations "$KEY" --purpose tax-audit --role auditor
expect "the consumer cannot revoke" "SENDER_MISMATCH" 3 \
    "$SLUICE" agreement revoke --config "$F/tax/gateway.cfg" --id AGR-FDA-TAX-0001
expect "the provider revokes" "registered" 0 \
    "$SLUICE" agreement revoke --config "$F/fda/gateway.cfg" --id AGR-FDA-TAX-0001 --reason "audit closed"
check "revocation reaches the consumer's list" \
    registry_wait "AGR-FDA-TAX-0001 +revoked" "$SLUICE" agreement list --config "$F/tax/gateway.cfg"
expect "revoked: refused at the provider" "NO_AGREEMENT" 2 \
    query tax SH-PD-FDA food-violations "$KEY" --purpose tax-audit --role auditor

# Expiry crossing while in operation
draft short.agreement AGR-MSA-TAX-SHORT SH-PD-MSA SH-PD-TAX enterprise-licences \
    licence_no,kind tax-audit --valid-until "$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)"
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$A/short.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$A/short.agreement" >/dev/null
"$SLUICE" agreement register --config "$F/msa/gateway.cfg" --file "$A/short.agreement" >/dev/null
registry_wait "AGR-MSA-TAX-SHORT +in force" "$SLUICE" agreement list --config "$F/msa/gateway.cfg"
expect "agreement valid now" "OK \(" 0 \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose tax-audit --role auditor
sleep 6
expect "the same agreement once its validity has passed" "AGREEMENT_EXPIRED" 2 \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose tax-audit --role auditor

# Two admins at once; one provider offline when it happens
draft one.agreement AGR-TAX-FDA-0001 SH-PD-TAX SH-PD-FDA tax-violations case_no,kind food-licensing
draft two.agreement AGR-MSA-FDA-0002 SH-PD-MSA SH-PD-FDA enterprise-licences licence_no food-licensing
for pair in one:tax two:msa; do
    file=${pair%%:*}; provider=${pair##*:}
    "$SLUICE" agreement sign --cert "$F/$provider/$(ls "$F/$provider" | grep cert_secret)" --file "$A/$file.agreement" >/dev/null
    "$SLUICE" agreement sign --cert "$F/fda/SH-PD-FDA.cert_secret" --file "$A/$file.agreement" >/dev/null
done
stop_clean "tax gateway stops (to be offline during a registration)" $tax_PID
"$SLUICE" agreement register --config "$F/fda/gateway.cfg" --file "$A/one.agreement" >"$WORK/admin1.out" 2>&1 &
admin1=$!
"$SLUICE" agreement register --config "$F/msa/gateway.cfg" --file "$A/two.agreement" >"$WORK/admin2.out" 2>&1 &
admin2=$!
wait $admin1; rc1=$?; wait $admin2; rc2=$?
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && pass "two admins register at the same time" \
    || fail "two admins register at the same time" "$(cat "$WORK/admin1.out" "$WORK/admin2.out")"
start_gateway tax
check "restarted tax gateway registers" wait_registered tax
check "the offline provider got the agreement when it came back" \
    registry_wait "AGR-TAX-FDA-0001 +in force" "$SLUICE" agreement list --config "$F/tax/gateway.cfg"
expect "and grants under it" "OK \(" 0 \
    query fda SH-PD-TAX tax-violations "$TAX_KEY" --purpose food-licensing --role inspector
expect "the other admin's agreement is in force too" "OK \(" 0 \
    query fda SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose food-licensing --role inspector

echo "== orders (点菜)"
expect "a consumer files an order" "registered" 0 "$SLUICE" order file --config "$F/tax/gateway.cfg" \
    --to SH-PD-MSA --item market-violations --fields case_no,kind,penalty --purpose tax-risk \
    --legal-basis "《税收征收管理法》第五条" --id ORD-TAX-0001
expect "an order without legal basis is refused" "legal-basis|usage" 64 "$SLUICE" order file \
    --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item market-violations --purpose x
"$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item complaint-files \
    --purpose curiosity --legal-basis "none" --id ORD-TAX-0002 >/dev/null
check "the provider sees open orders with their age" \
    registry_wait "ORD-TAX-0001 +open +[0-9]+ +SH-PD-TAX" "$SLUICE" order list --config "$F/msa/gateway.cfg"
expect "the consumer sees them too" "ORD-TAX-0002 +open" 0 "$SLUICE" order list --config "$F/tax/gateway.cfg"
expect "the provider accepts: a draft prefilled from the order" "draft.*written" 0 \
    "$SLUICE" order accept --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 --out "$A/from-order.agreement"
expect "the draft carries the order's item, fields and purpose" "market-violations" 0 \
    "$SLUICE" agreement show --file "$A/from-order.agreement"
expect "a refusal must cite its legal basis" "usage" 64 \
    "$SLUICE" order refuse --config "$F/msa/gateway.cfg" --id ORD-TAX-0002
expect "the provider refuses with its legal basis" "registered" 0 "$SLUICE" order refuse \
    --config "$F/msa/gateway.cfg" --id ORD-TAX-0002 --legal-basis "《投诉举报处理暂行办法》第二十九条"
check "the consumer sees the answers" \
    registry_wait "ORD-TAX-0002 +refused.*第二十九条" "$SLUICE" order list --config "$F/tax/gateway.cfg"
expect "only the provider answers an order" "SENDER_MISMATCH" 3 "$SLUICE" order refuse \
    --config "$F/fda/gateway.cfg" --id ORD-TAX-0001 --legal-basis "not mine"
expect "an answer is final, also when sent around the CLI" "already answered" 3 \
    "$SLUICE" order refuse --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 --legal-basis "changed mind"
expect "another department cannot take over an order's id" "SENDER_MISMATCH" 3 \
    "$SLUICE" order file --config "$F/fda/gateway.cfg" --to SH-PD-MSA --item market-violations \
    --purpose x --legal-basis y --id ORD-TAX-0001
expect "an accepted order cannot be accepted twice" "already accepted" 1 \
    "$SLUICE" order accept --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 --out "$A/again.agreement"
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$A/from-order.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$A/from-order.agreement" >/dev/null
expect "the agreement from the order is registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/from-order.agreement"
check "and in force" registry_wait "AGR-ORD-TAX-0001 +in force" \
    "$SLUICE" agreement list --config "$F/msa/gateway.cfg"

echo "== registry state survives SIGKILL"
kill -KILL $BROKER_PID; wait $BROKER_PID 2>/dev/null
kill -KILL $msa_PID; wait $msa_PID 2>/dev/null
start_broker
start_gateway msa
check "msa gateway back after SIGKILL" wait_registered msa
expect "agreements kept by the provider's gateway" "AGR-ORD-TAX-0001 +in force" 0 \
    "$SLUICE" agreement list --config "$F/msa/gateway.cfg"
expect "revocations kept" "AGR-FDA-TAX-0001 +revoked" 0 \
    "$SLUICE" agreement list --config "$F/fda/gateway.cfg"
expect "orders kept" "ORD-TAX-0002 +refused" 0 "$SLUICE" order list --config "$F/msa/gateway.cfg"
expect "catalogs kept by the broker" "SH-PD-MSA +enterprise-basic" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
expect "queries under registered agreements still granted" "OK|NOT_FOUND" 0 \
    query tax SH-PD-MSA market-violations "$KEY" --purpose tax-risk --role auditor

echo "== expired and revoked certificates"
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department SH-PD-OLD \
    --name "Expired department" --not-after "$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)" \
    --out "$F/old" >/dev/null 2>&1
cp "$F/old/SH-PD-OLD.cert" "$F/broker/certs/"
sleep 3.5
expect "expired certificate gets nothing" "no-reply" 0 \
    rogue old SH-PD-OLD SH-PD-MSA valid --timeout-ms 1500
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department SH-PD-BAD \
    --name "Department to revoke" --out "$F/bad" >/dev/null 2>&1
cp "$F/bad/SH-PD-BAD.cert" "$F/broker/certs/"
sleep 2.5
expect "new department admitted before revocation" "status=OK" 0 \
    rogue bad SH-PD-BAD SH-PD-MSA valid --key "$KEY"
expect "revocation signed by the authority, published through the broker" "published" 0 \
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/federation.crl" --department SH-PD-BAD --reason "key compromise" \
    --publish "$F/msa/gateway.cfg"
# The broker may just have closed every connection (a revoked department
# was connected): an admin's command answers NOT_REGISTERED (or, sent in
# that instant, is lost and times out) until the
# gateway is back, which takes a heartbeat; retry as an admin would
retry_registered () {
    for _ in $(seq 1 20); do
        output=$("$@" 2>&1); rc=$?
        echo "$output" | grep -Eq "NOT_REGISTERED|TIMEOUT" || { echo "$output"; return $rc; }
        sleep 0.25
    done
    echo "$output"; return $rc
}
"$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/old.crl" --department SH-PD-BAD --reason "again" >/dev/null
expect "an older list is refused" "STALE" 3 retry_registered \
    "$SLUICE" certs publish --crl "$WORK/old.crl" --config "$F/msa/gateway.cfg"
sleep 1
expect "revoked certificate gets nothing" "no-reply" 0 \
    rogue bad SH-PD-BAD SH-PD-MSA valid --timeout-ms 1500
stop_clean "tax gateway stops, to come back after the revocation" $tax_PID
start_gateway tax
check "tax gateway registers again" wait_registered tax
expect "a gateway that connects later refuses the revoked department too" "CERT_REVOKED" 3 \
    query tax SH-PD-BAD enterprise-basic "$KEY" --purpose p --role auditor
grep -q "SH-PD-BAD" "$WORK/broker.log" && pass "broker logged the refusal" \
    || fail "broker logged the refusal" "$(tail -5 "$WORK/broker.log")"

echo "== audit logs at both ends"
sleep 0.5
expect "provider audit log intact" "intact" 0 "$SLUICE" audit verify \
    --log "$F/msa/state/audit.db" --cert "$F/msa/SH-PD-MSA.cert"
expect "requester audit log intact" "intact" 0 "$SLUICE" audit verify \
    --log "$F/tax/state/audit.db" --cert "$F/tax/SH-PD-TAX.cert"
expect "audit records name officer, purpose and decision" "Test Officer.*tax-registration" 0 \
    "$SLUICE" audit show --log "$F/msa/state/audit.db" --last 0
expect "audit records refusals with the rule" "FIELD_NOT_AGREED" 0 \
    "$SLUICE" audit show --log "$F/msa/state/audit.db" --last 0
sqlite3 "$F/msa/state/audit.db" ".backup '$WORK/tampered.db'"
sqlite3 "$WORK/tampered.db" "DROP TRIGGER IF EXISTS record_no_update; UPDATE record SET officer = 'Someone Else' WHERE seq = 3;" 2>/dev/null
expect "tampered audit log detected" "NOT INTACT" 1 "$SLUICE" audit verify \
    --log "$WORK/tampered.db" --cert "$F/msa/SH-PD-MSA.cert"

echo "== failures: a provider stopped, killed, restarted; the broker restarted"
kill -STOP $msa_PID
expect "provider frozen: requester gets an error within its timeout" "TIMEOUT" 3 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor --timeout-ms 1500
expect "broker keeps serving others meanwhile" "OK" 0 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
kill -CONT $msa_PID
kill -KILL $msa_PID; wait $msa_PID 2>/dev/null
sleep 2
expect "provider killed: offline error, not a hang" "DEPARTMENT_OFFLINE" 3 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "other departments still served" "OK" 0 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
start_gateway msa
check "restarted provider registers again" wait_registered msa
expect "restarted provider answers" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "audit chain continues across a SIGKILL" "intact" 0 "$SLUICE" audit verify \
    --log "$F/msa/state/audit.db" --cert "$F/msa/SH-PD-MSA.cert"
stop_clean "broker stops cleanly on SIGTERM" $BROKER_PID
start_broker
check "gateways reconnect to a restarted broker" wait_registered tax
sleep 1
check "queries flow again after the broker restart" registry_wait "OK \(1 row\)" \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor

echo "== two brokers: losing one loses nothing"
start_broker2
registry_wait "registered.*registered.*registered" paste -sd ' ' "$WORK/broker2.log" && pass "gateways register with the second broker too" \
    || fail "gateways register with the second broker too" "$(tail -5 "$WORK/broker2.log")"
kill -KILL $BROKER_PID; wait $BROKER_PID 2>/dev/null
expect "first broker killed: queries flow through the second at once" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "and keep flowing" "OK \(" 0 \
    query msa SH-PD-FDA food-inspections "$KEY" --purpose joint-inspection --role inspector
start_broker
sleep 1.5

# Suites by topic, in name order. Each starts with "echo '== ...'", uses the
# helpers above and the running federation ($F, $BIN, $SLUICE, $KEY, the
# *_PID variables), and leaves it as it found it: both brokers and the
# three gateways running and registered. A suite that needs a federation
# of its own builds it under $WORK with ports from $((PORT + 100)) upwards.
for suite in "$ROOT"/tests/suites/*.sh; do
    [ -f "$suite" ] && . "$suite"
done

echo "== revoking a connected department"
expect "the authority revokes SH-PD-FDA and publishes it" "published" 0 \
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/federation.crl" --department SH-PD-FDA --reason "key compromise" \
    --publish "$F/msa/gateway.cfg"
check "within seconds the revoked gateway is dropped by every broker" not_registered fda
check "the other gateways reconnect by themselves" wait_registered tax
check "msa reconnects too" wait_registered msa
check "the revoked department is refused by the others" registry_wait "CERT_REVOKED" \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
# Each gateway learns at its next heartbeat that the broker closed its
# connection, and registers again: sharing resumes within about a heartbeat
check "the others go on sharing, within a heartbeat or two" registry_wait "OK \(1 row\)" \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor

echo "== clean shutdown"
for dept in msa tax fda; do
    eval "pid=\$${dept}_PID"
    stop_clean "$dept gateway stops cleanly on SIGTERM" "$pid"
done
stop_clean "broker stops cleanly on SIGTERM" $BROKER_PID
stop_clean "second broker stops cleanly on SIGTERM" $BROKER2_PID
if grep -l "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer" "$WORK"/*.log >/dev/null 2>&1; then
    fail "daemon logs free of sanitizer reports" "$(grep -h -A5 "Sanitizer\|runtime error" "$WORK"/*.log | head -30)"
else
    pass "daemon logs free of sanitizer reports"
fi

echo "== fuzz targets of every decoder (a short smoke run; make fuzz runs longer)"
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

[ "$FAILED" -gt 0 ] && printf "failed:$FAILURES\n"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
