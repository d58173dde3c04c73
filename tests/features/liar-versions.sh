#!/bin/bash
# a broker that lies cannot roll back an agreement, overfill a gateway's orders, take back a revocation after a restart, freeze an id with a version ahead of the clock, or stall the catch-up on an unknown author
. "$(dirname "$0")/../lib.sh"

fed_setup
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

liar_start rollback --agreement "$LV/v1.agreement" --signer "$TAX_SECRET"
eventually "liar rollback: version 1 is pushed" \
    "^sent: agreement AGR-LIAR-ROLL signed by both parties, as registered before" 0 cat "$LIAR_OUT"
eventually "liar rollback: the gateway puts version 1 in force" \
    "agreement 'AGR-LIAR-ROLL' version 1 added" 0 cat "$LIAR_LOG"
expect "liar rollback: the provider registers version 2 through the liar" "registered" 0 \
    "$SLUICE" agreement register --config "$LIAR_DIR/gateway.cfg" --file "$LV/v2.agreement"
eventually "liar rollback: the liar swallows it and pushes version 1 again" \
    "^sent: agreement AGR-LIAR-ROLL .*re-registered by the consumer after the provider's version 2" 0 \
    cat "$LIAR_OUT"
logged "liar rollback: the gateway refuses version 1 as stale" "$LIAR_LOG" \
    STALE "agreement AGR-LIAR-ROLL" SH-PD-TAX
expect "liar rollback: version 2 stays in force, though never echoed" \
    "AGR-LIAR-ROLL +in force +2 +SH-PD-MSA +SH-PD-TAX +enterprise-licences +licence_no " 0 liar_list
refute "liar rollback: version 1 never came back into force" \
    "agreement 'AGR-LIAR-ROLL' version 1 replaced" 0 cat "$LIAR_LOG"
liar_restart
eventually "liar rollback: version 1 pushed again after the restart" \
    "^sent: agreement AGR-LIAR-ROLL .*pushed again after the gateway came back" 0 cat "$LIAR_OUT"
logged_times "liar rollback: refused again" "$LIAR_LOG" 2 STALE "agreement AGR-LIAR-ROLL" SH-PD-TAX
expect "liar rollback: still version 2 after the restart" \
    "AGR-LIAR-ROLL +in force +2 .*licence_no " 0 liar_list
liar_stop

LIAR_GATEWAY_EXTRA="    order-limit = 5"
liar_start order-flood --signer "$TAX_SECRET" --count 8
LIAR_GATEWAY_EXTRA=""
eventually "liar order-flood: 8 orders pushed" "^sent: 8 orders from SH-PD-TAX" 0 cat "$LIAR_OUT"
logged_times "liar order-flood: the three above the bound refused" "$LIAR_LOG" 3 \
    LIMIT_REACHED "order ORD-LIAR-FLOOD-" SH-PD-TAX
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
    eventually "liar older-crl: the newer list at the first HELLO" \
        "^sent: directory to SH-PD-MSA with the newer revocation list" 0 cat "$LIAR_OUT"
    expect "liar older-crl: the department it revokes gets nothing" "^no-reply" 0 liar_query
    logged "liar older-crl: refused as revoked" "$LIAR_LOG" CERT_REVOKED "QUERY from SH-PD-TAX"
    liar_restart
    eventually "liar older-crl: $what after the restart" \
        "^sent: directory to SH-PD-MSA with (the older revocation list|no revocation list)" 0 \
        cat "$LIAR_OUT"
    eventually "liar older-crl: the gateway kept version 2 in its state" \
        "revocation list version 2 kept from the last run" 0 cat "$LIAR_LOG"
    expect "liar older-crl: with $what, still nothing for the revoked department" \
        "^no-reply" 0 liar_query
    logged_times "liar older-crl: refused as revoked after the restart too" "$LIAR_LOG" 2 \
        CERT_REVOKED "QUERY from SH-PD-TAX"
    liar_stop
done

# A version ahead of the clock would freeze the order's id for good: the
# gateway refuses it, and takes the same id numbered by the clock
liar_start version-ahead --signer "$TAX_SECRET"
eventually "liar version-ahead: an order numbered 2^63-1, then by the clock" \
    "^sent: order ORD-LIAR-AHEAD .*numbered by the clock" 0 cat "$LIAR_OUT"
logged "liar version-ahead: the gateway refuses the version ahead" "$LIAR_LOG" \
    VERSION_AHEAD "order ORD-LIAR-AHEAD" SH-PD-TAX
eventually "liar version-ahead: and takes the one numbered by the clock" \
    "order ORD-LIAR-AHEAD from SH-PD-TAX accepted \(version [0-9]{13}\)" 0 cat "$LIAR_LOG"
refute "liar version-ahead: the version ahead is never kept" \
    "ORD-LIAR-AHEAD from SH-PD-TAX accepted \(version 9223372036854775807\)" 0 cat "$LIAR_LOG"
liar_stop

# A catch-up page with a statement whose author no certificate names, once
# the broker's directory is held whole: skipped for good (said once), the
# rest taken, and the next round goes on after it
liar_start unknown-author --signer "$TAX_SECRET"
eventually "liar unknown-author: the page holds an order from an unknown author" \
    "^sent: catch-up page to SH-PD-MSA: order ORD-LIAR-GHOST from SH-PD-GHOST" 0 cat "$LIAR_OUT"
logged "liar unknown-author: said, with the author" "$LIAR_LOG" CERT_UNKNOWN \
    "ORD-LIAR-GHOST from SH-PD-GHOST" "skipped for good"
eventually "liar unknown-author: the order after it is taken" "^ORD-LIAR-KNOWN +open" 0 \
    "$SLUICE" order list --config "$LIAR_DIR/gateway.cfg"
liar_restart
eventually "liar unknown-author: the next round asks after the page, not from the start" \
    "^sync: from SH-PD-MSA after liar:2$" 0 cat "$LIAR_OUT"
expect "liar unknown-author: the unknown author is said once" "^1$" 0 \
    log_count "$LIAR_LOG" CERT_UNKNOWN SH-PD-GHOST
liar_stop
finish
