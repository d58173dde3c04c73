#!/bin/bash
# what survives a crash: agreements, revocations, orders and catalogs after SIGKILL of the broker and a gateway
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start

# The registry to keep: an order accepted into an agreement in force, an
# order refused, an agreement registered then revoked
"$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item market-violations \
    --fields case_no,kind,penalty --purpose tax-risk --legal-basis "《税收征收管理法》第五条" \
    --id ORD-TAX-0001 >/dev/null
"$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item complaint-files \
    --purpose curiosity --legal-basis "none" --id ORD-TAX-0002 >/dev/null
wait_output "ORD-TAX-0002 +open" orders_of msa || setup_failed "the orders reach the provider"
mkdir -p "$A"
"$SLUICE" order accept --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 \
    --out "$A/from-order.agreement" >/dev/null
"$SLUICE" order refuse --config "$F/msa/gateway.cfg" --id ORD-TAX-0002 \
    --legal-basis "《投诉举报处理暂行办法》第二十九条" >/dev/null
sign_both from-order.agreement msa tax
"$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/from-order.agreement" >/dev/null
draft fda-tax.agreement AGR-FDA-TAX-0001 SH-PD-FDA SH-PD-TAX food-violations \
    case_no,decided,kind tax-audit
sign_both fda-tax.agreement fda tax
"$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/fda-tax.agreement" >/dev/null
wait_output "AGR-FDA-TAX-0001 +in force" agreements_of fda || setup_failed "an agreement in force"
"$SLUICE" agreement revoke --config "$F/fda/gateway.cfg" --id AGR-FDA-TAX-0001 \
    --reason "audit closed" >/dev/null
wait_output "AGR-ORD-TAX-0001 +in force" agreements_of msa && \
wait_output "AGR-FDA-TAX-0001 +revoked" agreements_of tax && \
wait_output "ORD-TAX-0002 +refused" orders_of tax || setup_failed "the registry reaches both ends"

kill_hard $BROKER_PID
kill_hard $msa_PID
restarted=$(log_mark "$WORK/broker.log")
start_broker
start_gateway msa
check "msa gateway back after SIGKILL" wait_registered msa
# TAX, which asks below, registers again with the restarted broker too
wait_output "SH-PD-TAX registered" tail -n +$((restarted + 1)) "$WORK/broker.log" ||
    setup_failed "TAX registers with the restarted broker"
expect "agreements kept by the provider's gateway" "AGR-ORD-TAX-0001 +in force" 0 agreements_of msa
expect "revocations kept" "AGR-FDA-TAX-0001 +revoked" 0 agreements_of fda
expect "orders kept" "ORD-TAX-0002 +refused" 0 orders_of msa
expect "catalogs kept by the broker" "SH-PD-MSA +enterprise-basic" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
expect "queries under registered agreements still granted" "OK|NOT_FOUND" 0 \
    query tax SH-PD-MSA market-violations "$KEY" --purpose tax-risk --role auditor
finish
