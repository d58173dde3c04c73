#!/bin/bash
# admitted connections capped per department and per address at ZAP: one department's many CURVE connections neither exhaust the broker nor stop another gateway registering and being answered
. "$(dirname "$0")/../lib.sh"

# The broker gets 256 descriptors in all (about 150 connections). Certified
# departments open 300 CURVE connections each from 127.0.0.2 (sluice-rogue
# hold), each saying HELLO, and open again any the broker refuses or ends.
# The broker admits at most 8 of one department (connections-per-department)
# and 12 from one address (connections-per-address), refuses the rest at
# ZAP (LIMIT_REACHED in its log), and keeps serving: a gateway that starts
# meanwhile registers and is answered. A gateway of the capped department
# is refused and says why; once the connections end, it registers.
fed_setup --rogue
member SH-PD-FLOOD-B flood-b || setup_failed "a second hostile department certified"
printf '    connections-per-department = 8\n    connections-per-address = 12\n' \
    >>"$F/broker/broker.cfg"
daemon broker "broker (256 descriptors)" \
    bash -c 'ulimit -n 256 && exec "$0" --config "$1"' "$BIN/sluice-broker" "$F/broker/broker.cfg"
BROKER_PID=$DAEMON_PID
for folder in msa tax; do
    start_gateway "$folder"
    wait_registered "$folder" || setup_failed "the $folder gateway registers"
done
hold () {   # folder department: in the background until SIGTERM (2 minutes
            # at most), its pid in HOLD_PID
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$F/$1/$2.cert_secret" \
        --to SH-PD-MSA --attack hold --count 300 --source 127.0.0.2 --timeout-ms 120000 \
        >"$WORK/hold-$1.out" 2>&1 &
    HOLD_PID=$!
    track "$HOLD_PID"
}
hold rogue SH-PD-ROGUE
HOLD_ROGUE=$HOLD_PID
logged "SH-PD-ROGUE's connections over its department's cap: refused at ZAP" \
    "$WORK/broker.log" LIMIT_REACHED "refused connection from 127.0.0.2" SH-PD-ROGUE \
    "connections-per-department"
hold flood-b SH-PD-FLOOD-B
HOLD_B=$HOLD_PID
logged "SH-PD-FLOOD-B's over the address's cap: refused at ZAP" \
    "$WORK/broker.log" LIMIT_REACHED "refused connection from 127.0.0.2" SH-PD-FLOOD-B \
    "127.0.0.2 holds 12 admitted connections" "connections-per-address"

start_gateway fda
check "meanwhile a gateway that starts registers" wait_registered fda
expect "and is answered" "OK \(1 row\)" 0 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
expect "and asks" "OK \(1 row\)" 0 \
    query fda SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "the gateways registered before are served" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor

# SH-PD-ROGUE's own gateway (with FDA's catalog and data), from 127.0.0.1:
# its department's cap is reached, so the broker refuses it at ZAP, and it
# says so among the likely causes
RG="$F/rogue-gw"
mkdir -p "$RG/state"
cp "$F/rogue/SH-PD-ROGUE.cert" "$F/rogue/SH-PD-ROGUE.cert_secret" "$F/fda/catalog.cfg" \
    "$F/authority/authority.pub" "$F/broker/BROKER.cert" "$RG/"
cat >"$RG/gateway.cfg" <<CFG
gateway
    cert = "SH-PD-ROGUE.cert_secret"
    authority = "authority.pub"
    broker = "$ENDPOINT"
    broker-cert = "BROKER.cert"
    local = "ipc://state/local.ipc"
    catalog = "catalog.cfg"
    source = "../data/food.db"
    state = "state"
    heartbeat-ms = 500
CFG
start_gateway rogue-gw
eventually "the capped department's gateway is refused, and its status names the cap" \
    "registered +no .*authentication refused by the broker \(ZAP 400\).*cap of connections" \
    1 "$SLUICE" status --config "$RG/gateway.cfg"

kill -TERM "$HOLD_ROGUE" "$HOLD_B"
wait "$HOLD_ROGUE" "$HOLD_B"
expect "SH-PD-ROGUE held at most 8 connections at once, the rest refused at ZAP" \
    "^held=[0-8] most=[1-8] refused=[1-9][0-9]* " 0 cat "$WORK/hold-rogue.out"
held_a=$(sed -n 's/^held=[0-9]* most=\([0-9]*\) .*/\1/p' "$WORK/hold-rogue.out")
held_b=$(sed -n 's/^held=[0-9]* most=\([0-9]*\) .*/\1/p' "$WORK/hold-flood-b.out")
check "the two from 127.0.0.2 held at most 12 at once between them ($held_a + $held_b)" \
    test "${held_a:-99}" -le 8 -a $((${held_a:-99} + ${held_b:-99})) -le 12
check "their connections ended, the capped department's gateway registers" \
    wait_registered rogue-gw
expect "and the broker still serves" "OK \(1 row\)" 0 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
finish
