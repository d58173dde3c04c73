# ZAP refuses the handshake itself: a client socket with a monitor sees
# the authentication failure (status 400) for a key without a valid
# certificate, and a success for a valid one. (The later tests only see
# that no reply comes, which a broker dropping messages after admitting
# everyone would also give.)
echo "== the handshake itself is refused at ZAP (a socket monitor sees it)"
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
check "the broker's refusal names the key and the department" grep -qF \
    "refused connection from 127.0.0.1, CURVE key $zap_key: CERT_REVOKED (certificate of SH-PD-BAD)" \
    "$WORK/broker.log"
