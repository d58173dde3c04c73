#!/bin/bash
# a broker that lies (sluice-liar): it can delay or drop, never grant -- every attack on a fresh gateway, with an honest control
. "$(dirname "$0")/../lib.sh"

# Each attack runs on a fresh copy of MSA's gateway whose only broker is
# the liar (tests/lib.sh, liar_start); each is judged by the result codes
# in the gateway's log, its status, and a query from TAX routed by the liar.
fed_setup
liar_setup
check "liar test agreements drafted and signed" \
    test -s "$LA/good.agreement" -a -s "$LA/half.agreement" -a -s "$LA/old.agreement"
expect "sluice-liar --help lists its attacks" "forged-revocation" 0 "$BIN/sluice-liar" --help
expect "sluice-liar: unknown attack is a usage error" "unknown attack" 2 \
    "$BIN/sluice-liar" --endpoint tcp://127.0.0.1:1 --cert "$F/broker/BROKER.cert_secret" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs" --attack nonsense
expect "sluice-liar: an attack's wrong agreement is a setup error" "signed by both" 2 \
    "$BIN/sluice-liar" --endpoint tcp://127.0.0.1:1 --cert "$F/broker/BROKER.cert_secret" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs" --attack altered \
    --agreement "$LA/half.agreement" --signer "$TAX_SECRET"

# The control: an agreement signed by both is granted through the liar,
# so the refusals below are the gateway's doing, not a broken harness
liar_start honest --agreement "$LA/good.agreement" --signer "$TAX_SECRET"
eventually "liar honest: the agreement is pushed" "^sent: agreement AGR-LIAR-GOOD" 0 cat "$LIAR_OUT"
eventually "liar honest: the gateway accepts it" "agreement AGR-LIAR-GOOD from SH-PD-TAX accepted" 0 \
    cat "$LIAR_LOG"
expect "liar honest: the consumer is granted under it" "$LIAR_GRANTED" 0 liar_query
expect "liar honest: three agreements in force" "agreements +3$" 0 liar_status
liar_state "liar honest: listed in force" AGR-LIAR-GOOD "in force"
liar_stop

liar_start consumer-only --agreement "$LA/half.agreement" --signer "$TAX_SECRET"
eventually "liar consumer-only: pushed" "^sent: agreement AGR-LIAR-HALF signed only by the consumer" 0 \
    cat "$LIAR_OUT"
logged "liar consumer-only: refused for the missing provider signature" "$LIAR_LOG" \
    BAD_SIGNATURE "agreement AGR-LIAR-HALF" SH-PD-TAX
expect "liar consumer-only: nothing granted" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
expect "liar consumer-only: the file agreements only" "agreements +2$" 0 liar_status
liar_stop

liar_start altered --agreement "$LA/good.agreement" --signer "$TAX_SECRET" --field issued
lines_at_least "liar altered: four alterations pushed" "$LIAR_OUT" 4 \
    "^sent: agreement AGR-LIAR-GOOD .*signatures kept"
logged_times "liar altered: each refused" "$LIAR_LOG" 4 \
    BAD_SIGNATURE "agreement AGR-LIAR-GOOD" SH-PD-TAX
expect "liar altered: nothing granted" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
expect "liar altered: the file agreements only" "agreements +2$" 0 liar_status
liar_stop

liar_start expired --agreement "$LA/old.agreement" --signer "$TAX_SECRET"
eventually "liar expired: pushed" "^sent: agreement AGR-LIAR-OLD .*expired at 2020" 0 cat "$LIAR_OUT"
expect "liar expired: kept perhaps, never granted" \
    "^status=(AGREEMENT_EXPIRED|NO_AGREEMENT) from=SH-PD-MSA" 0 liar_query
liar_state "liar expired: listed as expired" AGR-LIAR-OLD "expired"
liar_stop

# The liar pushes the agreement, the provider's revocation, then two
# replays of the agreement (an older and a newer statement). A query from
# TAX comes through the same connection after them, so it is judged after
# the gateway has taken (or dropped) the replays: no need to wait more.
liar_start replay-revoked --agreement "$LA/good.agreement" --signer "$TAX_SECRET" \
    --revoker "$F/msa/SH-PD-MSA.cert_secret"
eventually "liar replay-revoked: the replays are pushed" \
    "^sent: agreement AGR-LIAR-GOOD .*a newer statement" 0 cat "$LIAR_OUT"
eventually "liar replay-revoked: the provider's revocation applies" \
    "agreement AGR-LIAR-GOOD revoked by its provider" 0 cat "$LIAR_LOG"
expect "liar replay-revoked: stays revoked" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 liar_query
expect "liar replay-revoked: the file agreements only" "agreements +2$" 0 liar_status
liar_state "liar replay-revoked: listed as revoked" AGR-LIAR-GOOD "revoked"
liar_restart
expect "liar replay-revoked: still revoked after a restart" "^status=NO_AGREEMENT from=SH-PD-MSA" 0 \
    liar_query
liar_stop

# The first forged revocation comes before the gateway holds the agreement
# (its payload an agreement naming TAX as provider): the registrar judges a
# revocation only against an agreement it holds, never by its payload
liar_start forged-revocation --agreement "$LA/good.agreement" --signer "$TAX_SECRET"
eventually "liar forged-revocation: pushed" \
    "^sent: agreement-revocation AGR-LIAR-GOOD signed by SH-PD-TAX, the consumer" 0 cat "$LIAR_OUT"
logged_times "liar forged-revocation: both forged revocations refused" "$LIAR_LOG" 2 \
    "NO_AGREEMENT|SENDER_MISMATCH" "agreement-revocation AGR-LIAR-GOOD" SH-PD-TAX
logged "liar forged-revocation: the first, before the agreement is held: NO_AGREEMENT" \
    "$LIAR_LOG" NO_AGREEMENT "agreement-revocation AGR-LIAR-GOOD" SH-PD-TAX
logged "liar forged-revocation: the second, by the consumer: SENDER_MISMATCH" \
    "$LIAR_LOG" SENDER_MISMATCH "agreement-revocation AGR-LIAR-GOOD" SH-PD-TAX
expect "liar forged-revocation: the agreement stays in force" "$LIAR_GRANTED" 0 liar_query
refute "liar forged-revocation: no revocation applied" \
    "revoked by its provider|agreement 'AGR-LIAR-GOOD' revoked" 0 cat "$LIAR_LOG"
liar_state "liar forged-revocation: listed in force" AGR-LIAR-GOOD "in force"
liar_stop

liar_start forged-catalog --signer "$TAX_SECRET" --department SH-PD-FDA
expect "liar forged-catalog: the control catalog is listed" "SH-PD-TAX" 0 \
    "$SLUICE" catalog list --config "$LIAR_DIR/gateway.cfg"
refute "liar forged-catalog: the forged catalogs are left out" \
    "SH-PD-FDA|open.*complaint-files|complaint-files.*open" 0 \
    "$SLUICE" catalog list --config "$LIAR_DIR/gateway.cfg"
logged_times "liar forged-catalog: both refused, and logged" "$LIAR_LOG" 2 \
    BAD_SIGNATURE "a catalog from the broker"
liar_stop

liar_start forged-cert --department SH-PD-FDA
eventually "liar forged-cert: probes sent" "^sent: order ORD-LIAR-SH-PD-FDA" 0 cat "$LIAR_OUT"
logged "liar forged-cert: a certificate of a forged authority refused" "$LIAR_LOG" \
    BAD_SIGNATURE "certificate for SH-PD-FAKE"
logged "liar forged-cert: a real department's with a key replaced refused" "$LIAR_LOG" \
    BAD_SIGNATURE "certificate for SH-PD-FDA"
logged "liar forged-cert: the forged department's query refused" "$LIAR_LOG" \
    CERT_UNKNOWN "QUERY from SH-PD-FAKE"
logged "liar forged-cert: the replaced key's statement refused" "$LIAR_LOG" \
    BAD_SIGNATURE "order ORD-LIAR-SH-PD-FDA" SH-PD-FDA
refute "liar forged-cert: nothing answered to a forged identity" "^received: (RESPONSE|ERROR)" 0 \
    cat "$LIAR_OUT"
liar_stop

liar_start forged-crl --department SH-PD-TAX
logged "liar forged-crl: a list of a forged authority refused" "$LIAR_LOG" \
    BAD_SIGNATURE "revocation list"
expect "liar forged-crl: the department it revokes keeps working" "^status=OK rows" 0 \
    liar_query enterprise-basic
liar_stop
finish
