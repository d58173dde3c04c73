#!/bin/bash
# the secured query path: open, conditional, closed and list items, every refusal rule, a slow source
. "$(dirname "$0")/../lib.sh"

fed_setup --slow
fed_start

expect "open item: the whole record" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose tax-registration --role auditor
as_json "open item: JSON output" 0 \
    "doc['status'] == 'OK' and len(doc['rows']) == 1 and 'name' in doc['rows'][0]" \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose tax-registration --role auditor --json
expect "conditional item: agreed fields come back" "legal_rep .*" 0 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role auditor
refute "conditional item: fields not agreed never come back" "legal_rep_id" 0 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role auditor
expect "field not agreed is refused" "FIELD_NOT_AGREED.*legal_rep_id" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep,legal_rep_id \
    --purpose tax-registration --role auditor
expect "closed item refused with its legal basis" "ITEM_CLOSED.*税收征收管理法" 2 \
    query fda SH-PD-TAX taxpayer-accounts "$KEY" --purpose check --role inspector
expect "department without agreement refused" "NO_AGREEMENT" 2 \
    query fda SH-PD-TAX taxpayer-status "$KEY" --purpose credit-supervision --role inspector
expect "purpose not agreed refused" "PURPOSE_NOT_AGREED" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose marketing --role auditor
expect "officer role not agreed refused" "ROLE_NOT_AGREED.*clerk" 2 \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role clerk
expect "missing purpose refused" "PURPOSE_REQUIRED" 2 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --role auditor
expect "invalid key refused before the source" "INVALID_KEY" 2 \
    query tax SH-PD-MSA enterprise-basic 91110000600037341N --purpose p --role auditor
expect "valid key without record: not found" "NOT_FOUND" 1 \
    query tax SH-PD-MSA enterprise-basic 91110000600037341L --purpose p --role auditor
expect "unknown item" "UNKNOWN_ITEM" 2 \
    query tax SH-PD-MSA no-such-item "$KEY" --purpose p --role auditor
expect "unknown field" "UNKNOWN_FIELD" 2 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --fields name,nonsense --purpose p --role auditor
expect "unknown department" "UNKNOWN_DEPARTMENT" 3 \
    query tax SH-PD-NOPE enterprise-basic "$KEY" --purpose p --role auditor
expect "list item under agreement (several rows)" "OK \(" 0 \
    query msa SH-PD-FDA food-inspections "$KEY" --purpose joint-inspection --role inspector
expect "slow source: a clear error, not a timeout" "SOURCE_TIMEOUT" 3 \
    query tax SH-PD-MSA slow-report "$KEY" --purpose p --role auditor
finish
