#!/bin/bash
# message types a department may not send to a department: BAD_TYPE from the broker, and from a gateway behind one that delivers them
. "$(dirname "$0")/../lib.sh"

# Version 1 carries QUERY, RESPONSE and ERROR between departments, and
# NOTICE, RECEIPT, ALERT and ACK. The broker refuses the others sealed to a
# department (its own types, QUEUED among them, the reserved ones) with
# BAD_TYPE at once; a gateway refuses whatever it does not serve the same
# way, before it takes a place in the replay cache; and both log it, a few
# lines however large the flood.
fed_setup --rogue
fed_start msa
liar_setup
for type in 1 2 3 7 20 32; do
    expect "type $type sealed to a department: BAD_TYPE from the broker" \
        "^status=BAD_TYPE from=BROKER( |$)" 0 \
        rogue rogue SH-PD-ROGUE SH-PD-MSA typed --type "$type"
done
types_lines=$(log_mark "$WORK/broker.log")
expect "a flood of the broker's own type: every message refused at once" \
    "^replies=500 ok=0 errors=500 BAD_TYPE=500( last=|$)" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA typed-flood --type 20 --count 500 --timeout-ms 10000
expect "the flooder's queries are still answered" "status=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA valid --key "$KEY"
types_logged=$(LOG_FROM=$types_lines log_count "$WORK/broker.log" BAD_TYPE "QUEUED to SH-PD-MSA")
check "the broker logs them, a few lines for 500 ($types_logged)" \
    test "$types_logged" -ge 1 -a "$types_logged" -le 40

# Through a broker that delivers whatever it gets (sluice-liar, honest),
# the gateway refuses them itself. It remembers at most 300 message ids:
# had the 400 refused messages taken places, the sender's query would be
# BUSY.
liar_start honest --agreement "$LA/good.agreement" --signer "$TAX_SECRET"
stop_quietly "$LIAR_GW_PID"
sed -i 's/^    heartbeat-ms = 500$/    heartbeat-ms = 500\n    replay-capacity = 300/' \
    "$LIAR_DIR/gateway.cfg"
liar_gateway
check "types: the gateway behind a delivering broker registers" wait_registered liar-msa
types_rogue () {
    "$BIN/sluice-rogue" --broker "tcp://127.0.0.1:$LIAR_PORT" \
        --broker-cert "$F/broker/BROKER.cert" --authority "$F/authority/authority.pub" \
        --cert "$TAX_SECRET" --to SH-PD-MSA "$@"
}
for type in 20 1 7; do
    expect "type $type delivered to a gateway: BAD_TYPE from the gateway" \
        "^status=BAD_TYPE from=SH-PD-MSA( |$)" 0 \
        types_rogue --attack typed --type "$type"
done
types_lines=$(log_mark "$LIAR_LOG")
expect "a flood of 400 delivered: each refused by the gateway" \
    "^replies=400 ok=0 errors=400 BAD_TYPE=400( last=|$)" 0 \
    types_rogue --attack typed-flood --type 20 --count 400 --timeout-ms 10000
expect "they took no place in the replay cache: the sender's query is answered" \
    "$LIAR_GRANTED" 0 liar_query
types_logged=$(LOG_FROM=$types_lines log_count "$LIAR_LOG" BAD_TYPE "QUEUED from SH-PD-TAX")
check "the gateway logs them, a few lines for 400 ($types_logged)" \
    test "$types_logged" -ge 1 -a "$types_logged" -le 60
liar_stop
finish
