#!/bin/bash
# expired and revoked certificates: refused at the door, a revocation published through the brokers
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start

# A department whose certificate expires two seconds from now, trusted by
# the broker; judged once the broker has loaded it and the time has passed
OLD_UNTIL=$(($(date +%s) + 2))
trusting=$(trusting_count "$WORK/broker.log")
member SH-PD-OLD old --not-after "$(date -u -d "@$OLD_UNTIL" +%Y-%m-%dT%H:%M:%SZ)"
reloaded "$WORK/broker.log" "$trusting" || setup_failed "the broker loads SH-PD-OLD's certificate"
wait_until_time "$OLD_UNTIL"
expect "expired certificate gets nothing" "no-reply" 0 \
    rogue old SH-PD-OLD SH-PD-MSA valid --timeout-ms 1500
member SH-PD-BAD bad
# Admitted once the broker trusts it and MSA's gateway holds its certificate
eventually "new department admitted before revocation" "status=OK" 0 \
    rogue bad SH-PD-BAD SH-PD-MSA valid --key "$KEY"
expect "revocation signed by the authority, published through the broker" "published" 0 \
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/federation.crl" --department SH-PD-BAD --reason "key compromise" \
    --publish "$F/msa/gateway.cfg"
# The broker may just have closed every connection (a revoked department
# was connected): an admin's command answers NOT_REGISTERED (or, sent in
# that instant, is lost and times out) until the gateway is back, which
# takes a heartbeat; retry as an admin would
retry_registered () {
    local output rc _
    for _ in $(seq 1 40); do
        output=$("$@" 2>&1); rc=$?
        echo "$output" | grep -Eq "NOT_REGISTERED|TIMEOUT" || { echo "$output"; return $rc; }
        sleep 0.25
    done
    echo "$output"; return $rc
}
"$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/old.crl" --department SH-PD-BAD --reason "again" >/dev/null
expect "an older list is refused" "STALE" 3 retry_registered \
    "$SLUICE" certs publish --crl "$WORK/old.crl" --config "$F/msa/gateway.cfg"
eventually "revoked certificate gets nothing" "no-reply" 0 \
    rogue bad SH-PD-BAD SH-PD-MSA valid --timeout-ms 1500
stop_clean "tax gateway stops, to come back after the revocation" $tax_PID
start_gateway tax
check "tax gateway registers again" wait_registered tax
expect "a gateway that connects later refuses the revoked department too" "CERT_REVOKED" 3 \
    query tax SH-PD-BAD enterprise-basic "$KEY" --purpose p --role auditor
logged "broker logged the refusal" "$WORK/broker.log" CERT_REVOKED "SH-PD-BAD"
finish
