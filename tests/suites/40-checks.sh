# Each defence on its own, through the real daemons (issue 6, item 9): the
# consumer's clearance against a field an agreement names, and the audit
# chain's link from record to record in the daemons' own logs.
# Sourced by tests/run.sh with the federation running.
echo "== clearance and the audit chain, through the daemons"

# FDA (clearance 2) under an agreement that names legal_rep_id (sensitivity
# 4) and legal_rep (2): the agreement cannot lift the clearance
draft clearance.agreement AGR-MSA-FDA-CLEAR SH-PD-MSA SH-PD-FDA enterprise-legal-rep \
    legal_rep,legal_rep_id food-licensing --roles inspector
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$A/clearance.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/fda/SH-PD-FDA.cert_secret" --file "$A/clearance.agreement" >/dev/null
expect "clearance: FDA is cleared to level 2" "clearance +2" 0 \
    "$SLUICE" certs show "$F/fda/SH-PD-FDA.cert"
expect "clearance: an agreement naming a field above it is registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/fda/gateway.cfg" --file "$A/clearance.agreement"
check "clearance: the provider has it in force" registry_wait "AGR-MSA-FDA-CLEAR +in force" \
    "$SLUICE" agreement list --config "$F/msa/gateway.cfg"
expect "clearance: a field within it is granted (the control)" "OK \(1 row" 0 \
    query fda SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep \
    --purpose food-licensing --role inspector
expect "clearance: a named field above it is refused, though agreed" \
    "CLEARANCE.*legal_rep_id.*sensitivity 4 above consumer clearance 2" 2 \
    query fda SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep,legal_rep_id \
    --purpose food-licensing --role inspector
refute "clearance: asking for every field leaves it out" "legal_rep_id" \
    query fda SH-PD-MSA enterprise-legal-rep "$KEY" --purpose food-licensing --role inspector
"$SLUICE" agreement revoke --config "$F/msa/gateway.cfg" --id AGR-MSA-FDA-CLEAR \
    --reason "test over" >/dev/null

# The link: a record is chained to the one before it. A genuine record of
# another department's live log, at the same place, is refused at that very
# record, though its own hash is right for the log it came from.
sleep 0.5
sqlite3 "$F/msa/state/audit.db" ".backup '$WORK/link-msa.db'"
sqlite3 "$F/tax/state/audit.db" ".backup '$WORK/link-tax.db'"
expect "audit link: the live log's copy is intact (the control)" "intact" 0 \
    "$SLUICE" audit verify --log "$WORK/link-msa.db" --cert "$F/msa/SH-PD-MSA.cert"
expect "audit link: the other log's copy is intact (the control)" "intact" 0 \
    "$SLUICE" audit verify --log "$WORK/link-tax.db" --cert "$F/tax/SH-PD-TAX.cert"
sqlite3 "$WORK/link-msa.db" "DROP TRIGGER IF EXISTS record_no_update;
    DROP TRIGGER IF EXISTS record_no_delete; ATTACH '$WORK/link-tax.db' AS other;
    DELETE FROM record WHERE seq = 2;
    INSERT INTO record SELECT * FROM other.record WHERE seq = 2;" 2>/dev/null
expect "audit link: a record that does not follow the one before is caught, by number" \
    "NOT INTACT.*record 2: chain hash mismatch" 1 \
    "$SLUICE" audit verify --log "$WORK/link-msa.db" --cert "$F/msa/SH-PD-MSA.cert"
