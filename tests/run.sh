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
# Waits until a gateway reports it is registered (up to 15 s)
wait_registered () {
    for _ in $(seq 1 60); do
        if "$SLUICE" status --config "$F/$1/gateway.cfg" 2>/dev/null | grep -q "registered.*yes"; then
            return 0
        fi
        sleep 0.25
    done
    return 1
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
expect "gateway: misspelt setting" "broken.cfg: unknown setting 'gateway/hearbeat-ms'" 2 \
    "$BIN/sluice-gateway" --config "$WORK/broken.cfg"
printf 'broker\n    endpoint = "tcp://127.0.0.1:1\n' >"$WORK/broken-broker.cfg"
expect "broker: ZPL syntax error" "broken-broker.cfg: not valid ZPL" 2 \
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
expect "purpose not agreed refused" "PURPOSE_REQUIRED" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose marketing --role auditor
expect "officer role not agreed refused" "NO_AGREEMENT.*role" 2 \
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
check "revocation list signed by the authority" "$SLUICE" certs revoke \
    --authority "$F/authority/authority.secret" --crl "$F/broker/federation.crl" \
    --department SH-PD-BAD --reason "key compromise"
sleep 2.5
expect "revoked certificate gets nothing" "no-reply" 0 \
    rogue bad SH-PD-BAD SH-PD-MSA valid --timeout-ms 1500
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
expect "queries flow again after the broker restart" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor

echo "== two brokers: losing one loses nothing"
start_broker2
registered_at_broker2 () {
    for _ in $(seq 1 40); do
        [ "$(grep -c "registered" "$WORK/broker2.log")" -ge 3 ] && return 0
        sleep 0.25
    done
    return 1
}
registered_at_broker2 && pass "gateways register with the second broker too" \
    || fail "gateways register with the second broker too" "$(tail -5 "$WORK/broker2.log")"
kill -KILL $BROKER_PID; wait $BROKER_PID 2>/dev/null
expect "first broker killed: queries flow through the second at once" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "and keep flowing" "OK \(" 0 \
    query msa SH-PD-FDA food-inspections "$KEY" --purpose joint-inspection --role inspector
start_broker
sleep 1.5

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

[ "$FAILED" -gt 0 ] && printf "failed:$FAILURES\n"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
