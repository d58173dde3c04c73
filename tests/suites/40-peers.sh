# Only departments are peers (issue 6, item 2): a broker's identity never
# asks, is never answered, never files a statement, and carries no
# clearance. Sourced by tests/run.sh with the federation running.
echo "== only departments are peers"

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
LIAR_PORT=$((PORT + 170))
liar_start broker-peer --signer "$F/broker2/BROKER-2.cert_secret"
eventually "liar broker-peer: the other broker's query is refused as not a department's" \
    "$LIAR_LOG" "QUERY from BROKER-2 refused: CERT_ROLE"
eventually "liar broker-peer: this broker's own query is refused: a broker does not ask" \
    "$LIAR_LOG" "QUERY from broker BROKER refused: BAD_TYPE"
eventually "liar broker-peer: the other broker's order is refused" "$LIAR_LOG" \
    "order ORD-LIAR-BROKER-2 claiming to be from BROKER-2 refused: CERT_ROLE"
sleep 1
refute "liar broker-peer: no answer left the gateway" "^received: (RESPONSE|ERROR)" \
    cat "$LIAR_OUT"
refute "liar broker-peer: nothing served to a broker in the audit log" "BROKER" \
    "$SLUICE" audit show --log "$LIAR_DIR/state/audit.db" --last 0
refute "liar broker-peer: the broker's order is not listed" "ORD-LIAR-BROKER-2" \
    "$SLUICE" order list --config "$LIAR_DIR/gateway.cfg"
liar_stop
rm -rf "$LIAR_DIR"

# A gateway never seals a query to a broker, even one whose certificate the
# directory carries
cp "$F/broker2/BROKER-2.cert" "$F/broker/certs/"
check "once the directory carries a broker's certificate, a query to it is refused" \
    registry_wait "CERT_ROLE" query tax BROKER-2 enterprise-basic "$KEY" --purpose p --role auditor
expect "a query to a broker is refused by the asking gateway, never sent" \
    "CERT_ROLE.*not a department" 3 \
    query tax BROKER-2 enterprise-basic "$KEY" --purpose p --role auditor
rm -f "$F/broker/certs/BROKER-2.cert"
sleep 1.5
check "peers: the gateways are still registered" wait_registered tax
