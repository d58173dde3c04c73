#!/bin/bash
# the catalog directory: every department's catalog listed and searched, published by itself when it changes
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start
# Each gateway publishes its catalog when it registers; the others list it
# once the broker has passed it on
wait_output "SH-PD-FDA .*SH-PD-MSA .*SH-PD-TAX" sh -c \
    "'$SLUICE' catalog list --config '$F/tax/gateway.cfg' | cut -d' ' -f1 | sort -u | paste -sd ' '" ||
    setup_failed "every department's catalog reaches the directory"

expect "every department's catalog is listed" "SH-PD-FDA +food-licence.*SH-PD-MSA +enterprise-basic|SH-PD-MSA +enterprise-basic" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
expect "search by data element finds the same fact everywhere" "SH-PD-MSA +enterprise-basic" 0 \
    "$SLUICE" catalog search --config "$F/fda/gateway.cfg" --element enterprise.name
expect "search by key type and share class" "SH-PD-TAX +taxpayer-accounts" 0 \
    "$SLUICE" catalog search --config "$F/fda/gateway.cfg" --key-type uscc --share closed
expect "a closed item shows its legal basis" "税收征收管理法" 0 \
    "$SLUICE" catalog show --config "$F/msa/gateway.cfg" --department SH-PD-TAX --item taxpayer-accounts
as_json "catalog JSON names fields with types and sensitivity" 0 \
    "any(f['name'] == 'legal_rep_id' and f['type'] == 'text' and f['sensitivity'] == 4 for f in doc[0]['fields'])" \
    "$SLUICE" catalog show --config "$F/msa/gateway.cfg" --department SH-PD-MSA --item enterprise-legal-rep --json
expect "search that matches nothing" "" 1 \
    "$SLUICE" catalog search --config "$F/fda/gateway.cfg" --category no-such-category
cat >>"$F/fda/catalog.cfg" <<'CAT'
    item = "drug-recalls"
        title = "药品召回"
        category = "药品"
        key-type = "uscc"
        share = "open"
        update = "daily"
        sql = "SELECT status FROM food_licence WHERE uscc = :key"
        field = "status"
            type = "text"
            sensitivity = 0
CAT
eventually "a changed catalog is published by itself" "SH-PD-FDA +drug-recalls" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
cp "$F/fda/catalog.cfg" "$WORK/fda-catalog.good"
echo "    item = \"broken" >>"$F/fda/catalog.cfg"
eventually "a broken catalog edit is refused and logged" "catalog change not applied" 0 \
    cat "$WORK/fda.log"
expect "the previous catalog stays in service" "OK" 0 \
    query tax SH-PD-FDA drug-recalls "$KEY" --purpose p --role auditor
cp "$WORK/fda-catalog.good" "$F/fda/catalog.cfg"
finish
