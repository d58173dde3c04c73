#!/bin/bash
# only departments are peers: a broker's identity never asks, is never answered, files nothing, carries no clearance
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start tax
# Broker certificates carry no clearance: certs issue refuses one, and a
# decoder refuses a broker certificate that claims one
expect "certs issue: a broker certificate with a clearance is refused" \
    "broker certificate carries no clearance" 64 \
    "$SLUICE" certs issue --authority "$F/authority/authority.secret" --department BROKER-9 \
    --name "A broker" --role broker --clearance 2 --out "$WORK/peers-broker"
expect "certs issue: a broker certificate has clearance 0 by default" \
    "BROKER-9 \(broker\).*clearance 0" 0 \
    "$SLUICE" certs issue --authority "$F/authority/authority.secret" --department BROKER-9 \
    --name "A broker" --role broker --out "$WORK/peers-broker"
sed 's/clearance = "0"/clearance = "3"/' "$F/broker/BROKER.cert" >"$WORK/peers-cleared-broker.cert"
check "a broker certificate claiming clearance 3 is prepared" \
    grep -q 'clearance = "3"' "$WORK/peers-cleared-broker.cert"
expect "a decoder refuses a broker certificate with clearance" "carries no clearance" 1 \
    "$SLUICE" certs show "$WORK/peers-cleared-broker.cert"

# A broker that holds a second broker's identity (the operator of both)
# asks as that broker, signed and sealed with its keys, and as itself, and
# files an order as it: the gateway refuses each, answers none, records none
liar_start broker-peer --signer "$F/broker2/BROKER-2.cert_secret"
logged "liar broker-peer: the other broker's query is refused as not a department's" \
    "$LIAR_LOG" CERT_ROLE "QUERY from BROKER-2"
logged "liar broker-peer: this broker's own query is refused: a broker does not ask" \
    "$LIAR_LOG" BAD_TYPE "QUERY from broker BROKER"
logged "liar broker-peer: the other broker's order is refused" "$LIAR_LOG" \
    CERT_ROLE "order ORD-LIAR-BROKER-2" "BROKER-2"
# A query through the liar after the probes: its answer comes back on the
# same connection, after any answer to them, had there been one
liar_query >/dev/null
refute "liar broker-peer: no answer left the gateway" "^received: (RESPONSE|ERROR)" 0 \
    cat "$LIAR_OUT"
refute "liar broker-peer: nothing served to a broker in the audit log" "BROKER" 0 \
    "$SLUICE" audit show --log "$LIAR_DIR/state/audit.db" --last 0
refute "liar broker-peer: the broker's order is not listed" "ORD-LIAR-BROKER-2" 0 \
    "$SLUICE" order list --config "$LIAR_DIR/gateway.cfg"
liar_stop

# A gateway never seals a query to a broker, even one whose certificate the
# directory carries
cp "$F/broker2/BROKER-2.cert" "$F/broker/certs/"
eventually "once the directory carries a broker's certificate, a query to it is refused" \
    "CERT_ROLE" 3 query tax BROKER-2 enterprise-basic "$KEY" --purpose p --role auditor
expect "a query to a broker is refused by the asking gateway, never sent" "CERT_ROLE" 3 \
    query tax BROKER-2 enterprise-basic "$KEY" --purpose p --role auditor
trusting=$(trusting_count "$WORK/broker.log")
rm -f "$F/broker/certs/BROKER-2.cert"
reloaded "$WORK/broker.log" "$trusting" || setup_failed "the broker forgets BROKER-2's certificate"
check "peers: the gateways are still registered" wait_registered tax
finish
