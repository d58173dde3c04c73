# Sourced by tests/run.sh (see the comment above its loop over suites).
# Issue 6, items 1 and 3: a broker that lies (sluice-liar) cannot roll an
# agreement back, cannot make a gateway keep more orders than its bound,
# and cannot take a revocation back after a restart. The liar helpers
# (liar_start, liar_stop, liar_query, ...) are those of tests/run.sh; the
# liar's ports here are $((PORT + 111)) upwards.

echo "== a broker that lies cannot roll back an agreement or the revocation list"
LIAR_PORT_BEFORE=$LIAR_PORT
LIAR_PORT=$((PORT + 110))
LV="$WORK/liar-versions"
mkdir -p "$LV"
# lvdraft NAME VERSION FIELDS: AGR-LIAR-ROLL at VERSION, signed by both
lvdraft () {
    "$SLUICE" agreement draft --id AGR-LIAR-ROLL --provider SH-PD-MSA --consumer SH-PD-TAX \
        --item enterprise-licences --fields "$3" --purposes test \
        --legal-basis "tests of a lying broker" --days 30 --version "$2" \
        --out "$LV/$1.agreement" >/dev/null &&
    "$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" \
        --file "$LV/$1.agreement" >/dev/null &&
    "$SLUICE" agreement sign --cert "$TAX_SECRET" --file "$LV/$1.agreement" >/dev/null
}
lvdraft_both () { lvdraft v1 1 licence_no,kind && lvdraft v2 2 licence_no; }
check "liar rollback: versions 1 (wide) and 2 (narrow) signed by both" lvdraft_both
liar_list () { "$SLUICE" agreement list --config "$LIAR_DIR/gateway.cfg"; }
liar_restart () {
    kill -TERM "$LIAR_GW_PID"; wait "$LIAR_GW_PID" 2>/dev/null
    liar_gateway
    check "liar $LIAR_ATTACK: the gateway registers again" wait_registered liar-msa
}

liar_start rollback --agreement "$LV/v1.agreement" --signer "$TAX_SECRET"
eventually "liar rollback: version 1 is pushed" "$LIAR_OUT" \
    "^sent: agreement AGR-LIAR-ROLL signed by both parties, as registered before"
eventually "liar rollback: the gateway puts version 1 in force" "$LIAR_LOG" \
    "policy: agreement 'AGR-LIAR-ROLL' version 1 added"
expect "liar rollback: the provider registers version 2 through the liar" "registered" 0 \
    "$SLUICE" agreement register --config "$LIAR_DIR/gateway.cfg" --file "$LV/v2.agreement"
eventually "liar rollback: the liar swallows it and pushes version 1 again" "$LIAR_OUT" \
    "^sent: agreement AGR-LIAR-ROLL .*re-registered by the consumer after the provider's version 2"
eventually "liar rollback: the gateway refuses version 1 as stale" "$LIAR_LOG" \
    "registrar: agreement AGR-LIAR-ROLL claiming to be from SH-PD-TAX refused: STALE \(version 1 is not above version 2"
expect "liar rollback: version 2 stays in force, though never echoed" \
    "AGR-LIAR-ROLL +in force +2 +SH-PD-MSA +SH-PD-TAX +enterprise-licences +licence_no " 0 liar_list
refute "liar rollback: version 1 never came back into force" \
    "policy: agreement 'AGR-LIAR-ROLL' version 1 replaced" cat "$LIAR_LOG"
liar_restart
eventually "liar rollback: version 1 pushed again after the restart" "$LIAR_OUT" \
    "^sent: agreement AGR-LIAR-ROLL .*pushed again after the gateway came back"
count_at_least "liar rollback: refused again" "$LIAR_LOG" \
    "registrar: agreement AGR-LIAR-ROLL claiming to be from SH-PD-TAX refused: STALE" 2
expect "liar rollback: still version 2 after the restart" \
    "AGR-LIAR-ROLL +in force +2 .*licence_no " 0 liar_list
liar_stop

LIAR_GATEWAY_EXTRA="    order-limit = 5"
liar_start order-flood --signer "$TAX_SECRET" --count 8
LIAR_GATEWAY_EXTRA=""
eventually "liar order-flood: 8 orders pushed" "$LIAR_OUT" "^sent: 8 orders from SH-PD-TAX"
count_at_least "liar order-flood: the three above the bound refused" "$LIAR_LOG" \
    "registrar: order ORD-LIAR-FLOOD-[0-9]+ claiming to be from SH-PD-TAX refused: LIMIT_REACHED \(SH-PD-TAX has 5 open orders" 3
liar_orders () {
    "$SLUICE" order list --config "$LIAR_DIR/gateway.cfg" | grep -c "^ORD-LIAR-FLOOD"
}
expect "liar order-flood: the gateway keeps five" "^5$" 0 liar_orders
liar_stop

# Revocation lists of the real authority: version 1 revokes nobody in use,
# version 2 also revokes SH-PD-TAX
"$SLUICE" certs revoke --authority "$F/authority/authority.secret" --crl "$LV/old.crl" \
    --department SH-PD-GONE --reason "left the federation" >/dev/null
cp "$LV/old.crl" "$LV/new.crl"
"$SLUICE" certs revoke --authority "$F/authority/authority.secret" --crl "$LV/new.crl" \
    --department SH-PD-TAX --reason "key compromise" >/dev/null
check "liar older-crl: versions 1 and 2 of a list signed by the authority" \
    grep -q 'version = "2"' "$LV/new.crl"
for old in "$LV/old.crl" ""; do
    what=${old:+an older list}
    what=${what:-no list}
    rm -f "$WORK/liar-msa-older-crl.log"
    liar_start older-crl --crl "$LV/new.crl" ${old:+--old-crl "$old"}
    eventually "liar older-crl: the newer list at the first HELLO" "$LIAR_OUT" \
        "^sent: directory to SH-PD-MSA with the newer revocation list"
    expect "liar older-crl: the department it revokes gets nothing" "^no-reply" 0 liar_query
    eventually "liar older-crl: refused as revoked" "$LIAR_LOG" \
        "QUERY from SH-PD-TAX refused: CERT_REVOKED"
    liar_restart
    eventually "liar older-crl: $what after the restart" "$LIAR_OUT" \
        "^sent: directory to SH-PD-MSA with (the older revocation list|no revocation list)"
    eventually "liar older-crl: the gateway kept version 2 in its state" "$LIAR_LOG" \
        "revocation list version 2 kept from the last run"
    expect "liar older-crl: with $what, still nothing for the revoked department" \
        "^no-reply" 0 liar_query
    count_at_least "liar older-crl: refused as revoked after the restart too" "$LIAR_LOG" \
        "QUERY from SH-PD-TAX refused: CERT_REVOKED" 2
    liar_stop
done
rm -rf "$LIAR_DIR"
LIAR_PORT=$LIAR_PORT_BEFORE
