#!/bin/bash
# agreements, end to end: drafted, signed by both, registered through the brokers, in force, quota, revoked, expired
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start

draft fda-tax.agreement AGR-FDA-TAX-0001 SH-PD-FDA SH-PD-TAX food-violations \
    case_no,decided,kind tax-audit --daily-quota 3
"$SLUICE" agreement sign --cert "$F/fda/SH-PD-FDA.cert_secret" --file "$A/fda-tax.agreement" >/dev/null
expect "before registration: no agreement" "NO_AGREEMENT" 2 \
    query tax SH-PD-FDA food-violations "$KEY" --purpose tax-audit --role auditor
expect "an agreement signed by one side only is refused" "BAD_SIGNATURE" 3 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/fda-tax.agreement"
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$A/fda-tax.agreement" >/dev/null
expect "the consumer registers the signed agreement" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/fda-tax.agreement"
eventually "the provider's gateway has it in force" "AGR-FDA-TAX-0001 +in force" 0 agreements_of fda
expect "it takes effect on the next query" "OK \(" 0 \
    query tax SH-PD-FDA food-violations "$FOOD_KEY" --purpose tax-audit --role auditor
refute "the agreement's fields only" "penalty|status " 0 \
    query tax SH-PD-FDA food-violations "$FOOD_KEY" --purpose tax-audit --role auditor
query tax SH-PD-FDA food-violations "$FOOD_KEY" --purpose tax-audit --role auditor >/dev/null 2>&1
expect "daily quota exhausted" "QUOTA_EXCEEDED" 2 \
    query tax SH-PD-FDA food-violations "$KEY" --purpose tax-audit --role auditor
expect "the consumer cannot revoke" "SENDER_MISMATCH" 3 \
    "$SLUICE" agreement revoke --config "$F/tax/gateway.cfg" --id AGR-FDA-TAX-0001
expect "the provider revokes" "registered" 0 \
    "$SLUICE" agreement revoke --config "$F/fda/gateway.cfg" --id AGR-FDA-TAX-0001 --reason "audit closed"
eventually "revocation reaches the consumer's list" "AGR-FDA-TAX-0001 +revoked" 0 agreements_of tax
expect "revoked: refused at the provider" "NO_AGREEMENT" 2 \
    query tax SH-PD-FDA food-violations "$KEY" --purpose tax-audit --role auditor

# Expiry crossing while in operation: valid for a few seconds, then the
# clock passes its end
SHORT_UNTIL=$(($(date +%s) + 8))
draft short.agreement AGR-MSA-TAX-SHORT SH-PD-MSA SH-PD-TAX enterprise-licences \
    licence_no,kind tax-audit --valid-until "$(date -u -d "@$SHORT_UNTIL" +%Y-%m-%dT%H:%M:%SZ)"
sign_both short.agreement msa tax
"$SLUICE" agreement register --config "$F/msa/gateway.cfg" --file "$A/short.agreement" >/dev/null
eventually "the short agreement is in force at the provider" "AGR-MSA-TAX-SHORT +in force" 0 \
    agreements_of msa
expect "agreement valid now" "OK \(" 0 \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose tax-audit --role auditor
wait_until_time "$SHORT_UNTIL"
expect "the same agreement once its validity has passed" "AGREEMENT_EXPIRED" 2 \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose tax-audit --role auditor

# Two admins at once; one provider offline when it happens
draft one.agreement AGR-TAX-FDA-0001 SH-PD-TAX SH-PD-FDA tax-violations case_no,kind food-licensing
draft two.agreement AGR-MSA-FDA-0002 SH-PD-MSA SH-PD-FDA enterprise-licences licence_no food-licensing
sign_both one.agreement tax fda
sign_both two.agreement msa fda
stop_clean "tax gateway stops (to be offline during a registration)" $tax_PID
"$SLUICE" agreement register --config "$F/fda/gateway.cfg" --file "$A/one.agreement" >"$WORK/admin1.out" 2>&1 &
admin1=$!
"$SLUICE" agreement register --config "$F/msa/gateway.cfg" --file "$A/two.agreement" >"$WORK/admin2.out" 2>&1 &
admin2=$!
wait $admin1; rc1=$?; wait $admin2; rc2=$?
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && pass "two admins register at the same time" \
    || fail "two admins register at the same time" "$(cat "$WORK/admin1.out" "$WORK/admin2.out")"
start_gateway tax
check "restarted tax gateway registers" wait_registered tax
eventually "the offline provider got the agreement when it came back" "AGR-TAX-FDA-0001 +in force" 0 \
    agreements_of tax
expect "and grants under it" "OK \(" 0 \
    query fda SH-PD-TAX tax-violations "$TAX_KEY" --purpose food-licensing --role inspector
expect "the other admin's agreement is in force too" "OK \(" 0 \
    query fda SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose food-licensing --role inspector
finish
