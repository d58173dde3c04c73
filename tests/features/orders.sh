#!/bin/bash
# orders (点菜): filed by a consumer, listed at both ends, accepted into a draft or refused with a legal basis; an order keeps its provider, and none is filed with oneself
. "$(dirname "$0")/../lib.sh"

fed_setup
revoked_member SH-PD-GONE gone || setup_failed "a revoked member"
# The directory carries a second broker's certificate: a broker's identity,
# known to all, never a party to an order
cp "$F/broker2/BROKER-2.cert" "$F/broker/certs/"
fed_start
mkdir -p "$A"

expect "a consumer files an order" "registered" 0 "$SLUICE" order file --config "$F/tax/gateway.cfg" \
    --to SH-PD-MSA --item market-violations --fields case_no,kind,penalty --purpose tax-risk \
    --legal-basis "《税收征收管理法》第五条" --id ORD-TAX-0001
expect "an order without legal basis is refused" "legal-basis|usage" 64 "$SLUICE" order file \
    --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item market-violations --purpose x
"$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item complaint-files \
    --purpose curiosity --legal-basis "none" --id ORD-TAX-0002 >/dev/null
eventually "the provider sees open orders with their age" "ORD-TAX-0001 +open +[0-9]+ +SH-PD-TAX" 0 \
    orders_of msa
expect "the consumer sees them too" "ORD-TAX-0002 +open" 0 orders_of tax
expect "the provider accepts: a draft prefilled from the order" "draft.*written" 0 \
    "$SLUICE" order accept --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 --out "$A/from-order.agreement"
expect "the draft carries the order's item, fields and purpose" "market-violations" 0 \
    "$SLUICE" agreement show --file "$A/from-order.agreement"
expect "a refusal must cite its legal basis" "usage" 64 \
    "$SLUICE" order refuse --config "$F/msa/gateway.cfg" --id ORD-TAX-0002
expect "the provider refuses with its legal basis" "registered" 0 "$SLUICE" order refuse \
    --config "$F/msa/gateway.cfg" --id ORD-TAX-0002 --legal-basis "《投诉举报处理暂行办法》第二十九条"
eventually "the consumer sees the answers" "ORD-TAX-0002 +refused.*第二十九条" 0 orders_of tax
expect "only the provider answers an order" "SENDER_MISMATCH" 3 "$SLUICE" order refuse \
    --config "$F/fda/gateway.cfg" --id ORD-TAX-0001 --legal-basis "not mine"
expect "an answer is final, also when sent around the CLI" "STALE" 3 \
    "$SLUICE" order refuse --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 --legal-basis "changed mind"
expect "another department cannot take over an order's id" "SENDER_MISMATCH" 3 \
    "$SLUICE" order file --config "$F/fda/gateway.cfg" --to SH-PD-MSA --item market-violations \
    --purpose x --legal-basis y --id ORD-TAX-0001
# The provider of an order is checked as every peer is: a department with
# a valid certificate, by the brokers and by every gateway
o_file () {     # ID PROVIDER: TAX files an order with PROVIDER
    "$SLUICE" order file --config "$F/tax/gateway.cfg" --to "$2" --item market-violations \
        --purpose tax-risk --legal-basis "《税收征收管理法》第五条" --id "$1"
}
expect "an order to a revoked department is refused" "CERT_REVOKED" 3 o_file ORD-TAX-0003 SH-PD-GONE
expect "an order to a broker is refused" "CERT_ROLE" 3 o_file ORD-TAX-0004 BROKER-2
expect "an order to an unknown department is refused" "UNKNOWN_DEPARTMENT" 3 \
    o_file ORD-TAX-0005 SH-PD-NOBODY
refute "none of them is listed" "ORD-TAX-000[345]" 0 orders_of tax
"$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item complaint-files \
    --purpose tax-risk --legal-basis "《税收征收管理法》第五条" --id ORD-TAX-KEEP >/dev/null
eventually "an open order at the provider" "ORD-TAX-KEEP +open +[0-9]+ +SH-PD-TAX" 0 orders_of msa
expect "an order keeps its provider: filed again with the same id to another, refused" \
    "SENDER_MISMATCH" 3 "$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-FDA \
    --item food-licence --purpose tax-risk --legal-basis "《税收征收管理法》第五条" --id ORD-TAX-KEEP
expect "so the first provider can still answer it" "registered" 0 "$SLUICE" order refuse \
    --config "$F/msa/gateway.cfg" --id ORD-TAX-KEEP --legal-basis "《投诉举报处理暂行办法》第二十九条"
eventually "and the consumer sees that answer" "ORD-TAX-KEEP +refused" 0 orders_of tax
refute "the other provider never got it" "ORD-TAX-KEEP" 0 orders_of fda
expect "a department does not order from itself" "SENDER_MISMATCH" 3 \
    "$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-TAX --item taxpayer-accounts \
    --purpose x --legal-basis y --id ORD-TAX-SELF
refute "and keeps no such order" "ORD-TAX-SELF" 0 orders_of tax
expect "an accepted order cannot be accepted twice" "already accepted" 1 \
    "$SLUICE" order accept --config "$F/msa/gateway.cfg" --id ORD-TAX-0001 --out "$A/again.agreement"
sign_both from-order.agreement msa tax
expect "the agreement from the order is registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/from-order.agreement"
eventually "and in force" "AGR-ORD-TAX-0001 +in force" 0 agreements_of msa
finish
