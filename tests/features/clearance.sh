#!/bin/bash
# clearance: an agreement cannot lift the consumer's clearance above a field's sensitivity
. "$(dirname "$0")/../lib.sh"

# FDA (clearance 2) under an agreement that names legal_rep_id (sensitivity
# 4) and legal_rep (2): the agreement cannot lift the clearance
fed_setup
fed_start msa fda

draft clearance.agreement AGR-MSA-FDA-CLEAR SH-PD-MSA SH-PD-FDA enterprise-legal-rep \
    legal_rep,legal_rep_id food-licensing --roles inspector
sign_both clearance.agreement msa fda
expect "clearance: FDA is cleared to level 2" "clearance +2" 0 \
    "$SLUICE" certs show "$F/fda/SH-PD-FDA.cert"
expect "clearance: an agreement naming a field above it is registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/fda/gateway.cfg" --file "$A/clearance.agreement"
eventually "clearance: the provider has it in force" "AGR-MSA-FDA-CLEAR +in force" 0 agreements_of msa
expect "clearance: a field within it is granted (the control)" "OK \(1 row" 0 \
    query fda SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep \
    --purpose food-licensing --role inspector
expect "clearance: a named field above it is refused, though agreed" \
    "CLEARANCE.*legal_rep_id" 2 \
    query fda SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep,legal_rep_id \
    --purpose food-licensing --role inspector
refute "clearance: asking for every field leaves it out" "legal_rep_id" 0 \
    query fda SH-PD-MSA enterprise-legal-rep "$KEY" --purpose food-licensing --role inspector
finish
