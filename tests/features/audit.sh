#!/bin/bash
# audit logs at both ends: intact, naming officer, purpose and decision; a tampered or spliced log caught
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start msa tax

# Records to judge: answers and a refusal, at both ends
for n in 1 2 3; do
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose tax-registration --role auditor >/dev/null 2>&1
done
query tax SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep,legal_rep_id \
    --purpose tax-registration --role auditor >/dev/null 2>&1
has_records () {   # folder count
    [ "$(sqlite3 -readonly "$F/$1/state/audit.db" "SELECT count (*) FROM record")" -ge "$2" ]
}
wait_for has_records msa 4 && wait_for has_records tax 4 || setup_failed "four records at each end"

expect "provider audit log intact" "intact" 0 "$SLUICE" audit verify \
    --log "$F/msa/state/audit.db" --cert "$F/msa/SH-PD-MSA.cert"
expect "requester audit log intact" "intact" 0 "$SLUICE" audit verify \
    --log "$F/tax/state/audit.db" --cert "$F/tax/SH-PD-TAX.cert"
expect "audit records name officer, purpose and decision" "Test Officer.*tax-registration" 0 \
    "$SLUICE" audit show --log "$F/msa/state/audit.db" --last 0
expect "audit records refusals with the rule" "FIELD_NOT_AGREED" 0 \
    "$SLUICE" audit show --log "$F/msa/state/audit.db" --last 0
as_json "audit show --json: the records, oldest first, with officer, purpose and decision" 0 \
    "len(doc) >= 4 and [r['seq'] for r in doc] == sorted(r['seq'] for r in doc) and any(r['officer'] == 'Test Officer' and r['purpose'] == 'tax-registration' and r['direction'] == 'served' and r['caller'] == '' for r in doc) and any('FIELD_NOT_AGREED' in r['decision'] for r in doc) and all(r['time'].endswith('Z') and r['time_ms'] > 0 for r in doc)" \
    "$SLUICE" audit show --log "$F/msa/state/audit.db" --last 0 --json
as_json "audit show --json --last 2: the newest two" 0 \
    "len(doc) == 2 and doc[1]['seq'] == doc[0]['seq'] + 1" \
    "$SLUICE" audit show --log "$F/tax/state/audit.db" --last 2 --json
expect "audit show --json: a missing log, exit 66, no JSON" "no such file" 66 \
    "$SLUICE" audit show --log "$WORK/no-such.db" --json
sqlite3 "$F/msa/state/audit.db" ".backup '$WORK/tampered.db'"
sqlite3 "$WORK/tampered.db" "DROP TRIGGER IF EXISTS record_no_update; UPDATE record SET officer = 'Someone Else' WHERE seq = 3;" 2>/dev/null
expect "tampered audit log detected" "NOT INTACT" 1 "$SLUICE" audit verify \
    --log "$WORK/tampered.db" --cert "$F/msa/SH-PD-MSA.cert"

# The link: a record is chained to the one before it. A genuine record of
# another department's live log, at the same place, is refused at that very
# record, though its own hash is right for the log it came from.
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
finish
