#!/bin/bash
# the Pudong federation: set-up (authority, certificates, data, agreements) and start-up
. "$(dirname "$0")/../lib.sh"

fed_setup --check
check "generated identifiers are valid" "$BIN/sluice-gendata" --check "$F/data"
expect "certificate verifies against the authority" "valid" 0 \
    "$SLUICE" certs verify --authority "$F/authority/authority.pub" "$F/msa/SH-PD-MSA.cert"
expect "agreement signatures verify" "verified" 0 "$SLUICE" agreement show \
    --file "$F/tax/agreements/AGR-MSA-TAX-0001.agreement" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs"
check "secret key files are mode 0600" \
    test "$(stat -c %a "$F/msa/SH-PD-MSA.cert_secret")" = 600

start_broker
for dept in msa tax fda; do start_gateway $dept; done
for dept in msa tax fda; do
    check "$dept gateway registers with the broker" wait_registered $dept
done
finish
