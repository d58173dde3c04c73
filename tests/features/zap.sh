#!/bin/bash
# the handshake itself refused at ZAP, as a client's socket monitor sees it (status 400), for every certificate that is not a valid department's
. "$(dirname "$0")/../lib.sh"

# A client socket with a monitor sees the authentication failure for a key
# without a valid certificate, and a success for a valid one. (Elsewhere
# the tests only see that no reply comes, which a broker dropping messages
# after admitting everyone would also give.) The broker trusts SH-PD-OLD,
# whose certificate expires two seconds from now, and SH-PD-BAD, revoked
# by the list it starts with.
fed_setup --rogue
OLD_UNTIL=$(($(date +%s) + 2))
member SH-PD-OLD old --not-after "$(date -u -d "@$OLD_UNTIL" +%Y-%m-%dT%H:%M:%SZ)" &&
revoked_member SH-PD-BAD bad || setup_failed "SH-PD-OLD and SH-PD-BAD certified"
start_broker
wait_listening "$PORT" || setup_failed "the broker listens"
wait_until_time "$OLD_UNTIL"

expect "ZAP: a valid department's handshake succeeds" "^handshake=SUCCEEDED$" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA handshake
expect "ZAP: a key no certificate holds is refused in the handshake" \
    "^handshake=FAILED_AUTH status=400$" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA handshake-uncertified
expect "ZAP: an expired certificate is refused in the handshake" \
    "^handshake=FAILED_AUTH status=400$" 0 rogue old SH-PD-OLD SH-PD-MSA handshake
expect "ZAP: a revoked certificate is refused in the handshake" \
    "^handshake=FAILED_AUTH status=400$" 0 rogue bad SH-PD-BAD SH-PD-MSA handshake
expect "ZAP: a broker's certificate cannot connect as a department" \
    "^handshake=FAILED_AUTH status=400$" 0 rogue broker2 BROKER-2 SH-PD-MSA handshake
# The refusal line names the key and the department of the certificate
zap_key=$(sed -n 's/^ *public-key = "\(.*\)"$/\1/p' "$F/bad/SH-PD-BAD.cert")
logged "the broker's refusal names the key and the department" "$WORK/broker.log" \
    CERT_REVOKED "CURVE key $zap_key" "SH-PD-BAD"
logged "the expired certificate is refused as CERT_EXPIRED" "$WORK/broker.log" \
    CERT_EXPIRED "SH-PD-OLD"
finish
