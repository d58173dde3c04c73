#!/bin/bash
# revoking a department: a connected department revoked is dropped by every broker; the others go on sharing
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start_both

expect "the authority revokes SH-PD-FDA and publishes it" "published" 0 \
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/federation.crl" --department SH-PD-FDA --reason "key compromise" \
    --publish "$F/msa/gateway.cfg"
check "within seconds the revoked gateway is dropped by every broker" wait_not_registered fda
check "the other gateways reconnect by themselves" wait_registered tax
check "msa reconnects too" wait_registered msa
eventually "the revoked department is refused by the others" "CERT_REVOKED" 3 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
# Each gateway learns at its next heartbeat that the broker closed its
# connection, and registers again: sharing resumes within about a heartbeat
eventually "the others go on sharing, within a heartbeat or two" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
finish
