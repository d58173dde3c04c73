#!/bin/bash
# a gateway's links to the brokers: refused at the handshake and saying why, retried through another broker, at most 8; every answer fits
. "$(dirname "$0")/../lib.sh"

# A gateway the broker refused at the handshake connects again and says
# why it is not registered; UNKNOWN_DEPARTMENT is retried through another
# broker; more broker certificates than links is refused (a department of
# its own, SH-PD-TWO, with FDA's data); what a source returns always fits
# an answer.
fed_setup
fed_start tax fda
start_broker2
TWO="$F/two"
mkdir -p "$TWO/state" "$TWO/agreements"
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department SH-PD-TWO \
    --name "A department certified at the second broker" --out "$TWO" >/dev/null
cp "$F/authority/authority.pub" "$F/broker/BROKER.cert" "$F/broker2/BROKER-2.cert" "$TWO/"
cat >"$TWO/catalog.cfg" <<'CAT'
catalog
    item = "food-licence"
        title = "食品经营许可证"
        key-type = "uscc"
        share = "open"
        sql = "SELECT licence_no, status FROM food_licence WHERE uscc = :key"
        field = "licence_no"
            type = "text"
            sensitivity = 0
        field = "status"
            type = "text"
            sensitivity = 0
CAT
# two_config FILE BROKERS CERTS: SH-PD-TWO's gateway with these brokers
two_config () {
    cat >"$TWO/$1" <<CFG
gateway
    cert = "SH-PD-TWO.cert_secret"
    authority = "authority.pub"
    broker = "$2"
    broker-cert = "$3"
    local = "ipc://state/local.ipc"
    catalog = "catalog.cfg"
    source = "../data/food.db"
    state = "state"
    heartbeat-ms = 500
    timeout-ms = 4000
CFG
}
two_status () { "$SLUICE" status --config "$TWO/gateway.cfg"; }
start_two () { start_gateway two; TWO_PID=$two_PID; }

# More broker certificates than a gateway has links: a clear refusal
nine_endpoints=$(for _ in 1 2 3 4 5 6 7 8 9; do printf '%s, ' "$ENDPOINT"; done)
nine_certs=$(for _ in 1 2 3 4 5 6 7 8 9; do printf 'BROKER.cert, '; done)
two_config nine.cfg "${nine_endpoints%, }" "${nine_certs%, }"
expect "a gateway given 9 brokers refuses the configuration" \
    "names 9 brokers; a gateway connects to at most 8" 1 \
    "$BIN/sluice-gateway" --config "$TWO/nine.cfg"

# Refused at the handshake (its certificate has not reached the broker):
# not registered, says why, keeps trying, and registers once admitted
two_config gateway.cfg "$ENDPOINT" "BROKER.cert"
# The broker's refusal lines for SH-PD-TWO's key (at most a few a second)
two_key=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$TWO/SH-PD-TWO.cert")
two_refusals () { log_count "$WORK/broker.log" CERT_UNKNOWN "CURVE key $two_key"; }
refusals_before=$(two_refusals)
two_refused () { echo "$(($(two_refusals) - refusals_before))"; }
start_two
eventually "refused at the handshake: sluice status says why" \
    "registered +no \(BROKER: authentication refused" 1 two_status
expect "refused at the handshake: sluice status exits 1" "NOT_REGISTERED" 1 two_status
eventually "refused at the handshake: the gateway keeps trying, with backoff" \
    "^([3-9]|[1-9][0-9]+)$" 0 two_refused
expect "refused at the handshake: the log says why, once" "^1$" 0 \
    grep -c "not registered with broker BROKER.*authentication refused" "$WORK/two.log"
cp "$TWO/SH-PD-TWO.cert" "$F/broker/certs/"
check "admitted: the gateway registers within seconds, without a restart" wait_registered two
expect "admitted: sluice status exits 0" "registered +yes" 0 two_status
stop_clean "SH-PD-TWO's gateway stops cleanly" "$TWO_PID"
trusting=$(trusting_count "$WORK/broker.log")
rm -f "$F/broker/certs/SH-PD-TWO.cert"
check "the first broker forgets SH-PD-TWO" reloaded "$WORK/broker.log" "$trusting"

# Certified at the second broker only: the first answers UNKNOWN_DEPARTMENT,
# and the query goes through the second
trusting=$(trusting_count "$WORK/broker2.log")
cp "$TWO/SH-PD-TWO.cert" "$F/broker2/certs/"
check "the second broker trusts SH-PD-TWO" reloaded "$WORK/broker2.log" "$trusting"
two_config gateway.cfg "$ENDPOINT, tcp://127.0.0.1:$((PORT + 1))" "BROKER.cert, BROKER-2.cert"
start_two
eventually "certified at one broker: registered through it, the other link says why" \
    "BROKER: authentication refused.*BROKER-2: registered" 0 two_status
expect "certified at one broker: sluice status exits 0" "registered +yes" 0 two_status
eventually "the consumer learns the department from the second broker's directory" \
    "OK|NOT_FOUND" "0|1" query tax SH-PD-TWO food-licence "$KEY" --purpose p --role auditor
unknown_failures=0
for _ in 1 2 3 4 5 6; do
    output=$(query tax SH-PD-TWO food-licence "$KEY" --purpose p --role auditor 2>&1); rc=$?
    [ "$rc" -le 1 ] || { unknown_failures=$((unknown_failures + 1)); last_failure=$output; }
done
[ "$unknown_failures" = 0 ] \
    && pass "UNKNOWN_DEPARTMENT from one broker is retried through the other (6 of 6)" \
    || fail "UNKNOWN_DEPARTMENT from one broker is retried through the other (6 of 6)" \
            "$unknown_failures failed, the last: $last_failure"

stop_clean "SH-PD-TWO's gateway stops cleanly again" "$TWO_PID"
rm -f "$F/broker2/certs/SH-PD-TWO.cert"

# What a source returns always fits an answer: two items of FDA's, a row
# just under what a RESPONSE carries, and one under 1 MiB but over it
cp "$F/fda/catalog.cfg" "$WORK/fda-catalog.before-big"
cat >>"$F/fda/catalog.cfg" <<'CAT'
    item = "big-fits"
        title = "a row of 1,048,000 bytes: nearly the most an answer carries"
        key-type = "uscc"
        share = "open"
        sql = "SELECT hex(zeroblob(524000)) AS big WHERE :key IS NOT NULL"
        field = "big"
            type = "text"
            sensitivity = 0
    item = "big-too-large"
        title = "a row of 1,048,500 bytes: under 1 MiB, more than an answer carries"
        key-type = "uscc"
        share = "open"
        sql = "SELECT hex(zeroblob(524250)) AS big WHERE :key IS NOT NULL"
        field = "big"
            type = "text"
            sensitivity = 0
CAT
eventually "a source row of 1,048,000 bytes is answered whole" "OK \(1 row\)" 0 \
    query tax SH-PD-FDA big-fits "$KEY" --purpose p --role auditor
expect "a source row of 1,048,500 bytes is TOO_LARGE, at once" "TOO_LARGE" 3 \
    query tax SH-PD-FDA big-too-large "$KEY" --purpose p --role auditor --timeout-ms 3000
check "the provider is alive after it" kill -0 "$fda_PID"
eventually "the provider's audit log records the refusal" "TOO_LARGE" 0 \
    "$SLUICE" audit show --log "$F/fda/state/audit.db" --last 1
cp "$WORK/fda-catalog.before-big" "$F/fda/catalog.cfg"
eventually "FDA's catalog is as it was" "UNKNOWN_ITEM" 2 \
    query tax SH-PD-FDA big-fits "$KEY" --purpose p --role auditor
finish
