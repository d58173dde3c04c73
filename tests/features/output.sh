#!/bin/bash
# what is shown: text from others escaped, UTF-8 intact end to end, every --json valid, refusals that say what happened
. "$(dirname "$0")/../lib.sh"

# What a remote party sends is shown safely; UTF-8 stays intact end to end;
# every --json output is valid JSON; refusals say what happened; unsigned
# fields take unsigned formats only. The checks of bytes and JSON are the
# library's (safely, as_json).
fed_setup --rogue
fed_start_both
ROGUE_ESCAPED='\\x1b\[2J\\x1b\]0;owned\\x07 \\u009b31m \\xff\\xfe 税务登记'
rogue2 () {   # attack [more args]: sluice-rogue through the second broker
    attack=$1; shift
    "$BIN/sluice-rogue" --broker "$ENDPOINT2" --broker-cert "$F/broker2/BROKER-2.cert" \
        --authority "$F/authority/authority.pub" --cert "$F/rogue/SH-PD-ROGUE.cert_secret" \
        --to SH-PD-TAX --attack "$attack" "$@"
}

# A catalog and an order whose texts are hostile, at both brokers (a
# gateway asks either for the catalogs)
expect "hostile catalog and order published (first broker)" "^done=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX publish --item hostile-values
expect "hostile catalog and order published (second broker)" "^done=OK" 0 \
    rogue2 publish --item hostile-values
eventually "the hostile catalog reaches the directory" "SH-PD-ROGUE" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg" --department SH-PD-ROGUE
safely "catalog list: hostile texts escaped, nothing raw" 0 "$ROGUE_ESCAPED" \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg" --department SH-PD-ROGUE
safely "catalog list says what it could not show" 0 "not everything could be shown" \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg" --department SH-PD-ROGUE
safely "catalog show: every text escaped" 0 "legal basis  《\\\\x1b\]0;owned\\\\x07》" \
    "$SLUICE" catalog show --config "$F/tax/gateway.cfg" --department SH-PD-ROGUE \
    --item hostile-values
as_json "catalog JSON: valid, a key that is not a string made one" 0 \
    "doc[0]['7'] == '\x1b[1m' and doc[0]['title'].endswith('\ufffd\ufffd 税务登记')" \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg" --department SH-PD-ROGUE --json
as_json "catalog search JSON: valid" 0 "len(doc) >= 1" \
    "$SLUICE" catalog search --config "$F/tax/gateway.cfg" --text hostile --json
eventually "the hostile orders reach their provider" "ORD-SH-PD-ROGUE-" 0 \
    "$SLUICE" order list --config "$F/tax/gateway.cfg"
safely "order list: hostile purpose and legal basis escaped" 0 \
    "open .*SH-PD-ROGUE +SH-PD-TAX +hostile-values +$ROGUE_ESCAPED +《\\\\x1b\[31m法\\\\x1b\[0m》\\\\x07 \\\\u009b \\\\xe7\\\\xa8" \
    "$SLUICE" order list --config "$F/tax/gateway.cfg"
as_json "order list JSON: valid, invalid UTF-8 replaced" 0 \
    "any(o['purpose'].startswith('\x1b[2J') and '\ufffd' in o['purpose'] for o in doc)" \
    "$SLUICE" order list --config "$F/tax/gateway.cfg" --json

# The rogue answers queries: hostile values, keys that are not strings, a
# refusal with a hostile reason and field
"$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
    --authority "$F/authority/authority.pub" --cert "$F/rogue/SH-PD-ROGUE.cert_secret" \
    --to SH-PD-TAX --attack serve --count 9 --timeout-ms 30000 >"$WORK/serve.out" 2>&1 &
SERVE_PID=$!
track "$SERVE_PID"
rogue_query () {   # item [more args]
    item=$1; shift
    query tax SH-PD-ROGUE "$item" "$KEY" --purpose 税务登记 --role auditor "$@"
}
eventually "the rogue answers once it is registered" "OK \(1 row\)" 0 \
    rogue_query hostile-values
safely "hostile values: escaped, Chinese kept, no raw control byte" 0 \
    "note +$ROGUE_ESCAPED" rogue_query hostile-values
safely "hostile values: the CLI says what it could not show" 0 \
    "not everything could be shown.*control characters" rogue_query hostile-values
as_json "hostile values as JSON: valid, NaN as null" 0 \
    "doc['rows'][0]['name'] == '上海浦东新区税务局' and doc['rows'][0]['score'] is None and doc['rows'][0]['note'].startswith('\x1b[2J')" \
    rogue_query hostile-values --json
# Keys that are not strings: shown (or, by a consumer that checks answers,
# refused as BAD_ANSWER), never read as strings
"$SLUICE" query --config "$F/tax/gateway.cfg" --to SH-PD-ROGUE --item odd-keys --key "$KEY" \
    --officer "Test Officer" --purpose p --role auditor >"$SAFE_OUT" 2>"$SAFE_ERR"
odd_rc=$?
if [ "$odd_rc" = 0 ]; then
    safely "keys that are not strings: shown as text, said so" 0 "map keys that were not strings" \
        rogue_query odd-keys
else
    safely "keys that are not strings: refused by the consumer" 3 "BAD_ANSWER" \
        rogue_query odd-keys
fi
as_json "keys that are not strings, as JSON: valid, keys made strings" "$odd_rc" \
    "doc['code'] != 0 or (doc['rows'][0]['7'] == 'seven' and doc['rows'][0]['-'] == '\x1b[1mbold' and doc['rows'][0]['<bin, 1 byte>'] is None)" \
    rogue_query odd-keys --json
safely "a hostile refusal: reason and field escaped" 2 \
    "ITEM_CLOSED -- closed under 《\\\\x1b\[31m法\\\\x07》 $ROGUE_ESCAPED \(field 'f\\\\x1b\[1m\\\\xff'\)" \
    rogue_query hostile-error
as_json "a hostile refusal as JSON: valid" 2 \
    "doc['code'] == 134 and doc['field'] == 'f\x1b[1m\ufffd'" rogue_query hostile-error --json
WAIT_SECONDS=10 wait_for gone "$SERVE_PID"
wait $SERVE_PID
expect "the rogue served every query" "^served=9" 0 cat "$WORK/serve.out"
check "daemons alive after the hostile answers" kill -0 $BROKER_PID $tax_PID
safely "sluice status: shown safely" 0 "registered +yes" \
    "$SLUICE" status --config "$F/tax/gateway.cfg"
as_json "sluice status --json: valid" 0 "doc['rows'][0]['registered'] == 'yes'" \
    "$SLUICE" status --config "$F/tax/gateway.cfg" --json
SAFE_TABS=1 safely "audit show: what the rogue sent is shown escaped" 0 \
    "asked	SH-PD-ROGUE	.*refused: ITEM_CLOSED \(closed under 《\\\\x1b\[31m法" \
    "$SLUICE" audit show --log "$F/tax/state/audit.db" --last 0
as_json "audit show --json: what the rogue sent, valid JSON, the text intact" 0 \
    "any(r['peer'] == 'SH-PD-ROGUE' and 'ITEM_CLOSED' in r['decision'] and '\x1b[31m法' in r['decision'] for r in doc)" \
    "$SLUICE" audit show --log "$F/tax/state/audit.db" --last 0 --json

# --- unsigned fields take unsigned formats only
expect "a header time as a signed int 64 is refused: MALFORMED" "^status=MALFORMED from=" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA signed-time
expect "the same query in unsigned formats is answered" "^status=(OK rows|NOT_FOUND)" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA valid

# --- UTF-8 text intact end to end, and --json always valid
ZH_PURPOSE="税务登记"
ZH_BASIS="《税收征收管理法》第十五条"
"$SLUICE" agreement draft --id AGR-MSA-TAX-ZH --provider SH-PD-MSA --consumer SH-PD-TAX \
    --item enterprise-licences --fields licence_no,kind --purposes "$ZH_PURPOSE" \
    --legal-basis "$ZH_BASIS" --roles auditor --out "$WORK/zh.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$WORK/zh.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$WORK/zh.agreement" >/dev/null
safely "an agreement whose purpose is Chinese: shown as it is" 0 \
    "purposes    $ZH_PURPOSE" "$SLUICE" agreement show --file "$WORK/zh.agreement"
expect "and registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$WORK/zh.agreement"
eventually "in force at the provider" "AGR-MSA-TAX-ZH +in force" 0 agreements_of msa
as_json "agreement list JSON: the purpose intact" 0 \
    "any(a['id'] == 'AGR-MSA-TAX-ZH' and a['purposes'] == '$ZH_PURPOSE' for a in doc)" \
    "$SLUICE" agreement list --config "$F/tax/gateway.cfg" --json
safely "a query for the Chinese purpose is granted" 0 "OK \([0-9]+ rows?, agreement AGR-MSA-TAX-ZH\)" \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose "$ZH_PURPOSE" --role auditor
safely "a purpose not agreed comes back intact in the refusal" 2 \
    "PURPOSE_NOT_AGREED -- purpose '信用核查' not agreed in 'AGR-MSA-TAX-ZH', which allows: $ZH_PURPOSE" \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose 信用核查 --role auditor
as_json "the same refusal as JSON" 2 \
    "doc['status'] == 'PURPOSE_NOT_AGREED' and doc['code'] == 160 and '信用核查' in doc['reason'] and '$ZH_PURPOSE' in doc['reason']" \
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --purpose 信用核查 --role auditor --json
SAFE_TABS=1 safely "the provider's audit log: purpose and reason intact" 0 \
    "SH-PD-TAX	-	Test Officer	信用核查	enterprise-licences	.*refused: PURPOSE_NOT_AGREED \(purpose '信用核查' not agreed" \
    "$SLUICE" audit show --log "$F/msa/state/audit.db" --last 0
SAFE_TABS=1 safely "the requester's audit log: the granted purpose intact" 0 \
    "asked	SH-PD-MSA	$(id -un) \(uid $(id -u)\)	Test Officer	$ZH_PURPOSE	enterprise-licences" \
    "$SLUICE" audit show --log "$F/tax/state/audit.db" --last 0
expect "an order with a Chinese purpose and legal basis" "registered" 0 \
    "$SLUICE" order file --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item market-violations \
    --fields case_no,kind --purpose "$ZH_PURPOSE" --legal-basis "$ZH_BASIS" --id ORD-TAX-ZH
eventually "reaches the provider intact" "ORD-TAX-ZH +open .*$ZH_PURPOSE +$ZH_BASIS" 0 orders_of msa
as_json "order list JSON: purpose and legal basis intact" 0 \
    "any(o['id'] == 'ORD-TAX-ZH' and o['purpose'] == '$ZH_PURPOSE' and o['legal_basis'] == '$ZH_BASIS' for o in doc)" \
    "$SLUICE" order list --config "$F/msa/gateway.cfg" --json
expect "accepted: the draft keeps the Chinese purpose" "draft .* written" 0 \
    "$SLUICE" order accept --config "$F/msa/gateway.cfg" --id ORD-TAX-ZH \
    --out "$WORK/zh-order.agreement" --roles auditor
safely "the draft from the order" 0 "purposes    $ZH_PURPOSE" \
    "$SLUICE" agreement show --file "$WORK/zh-order.agreement"
# A source row whose text is not UTF-8 and holds control bytes
ZH_BAD_KEY=$(python3 - <<'PY'
alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
body = "91310115" + "UTF8BAD1"
value = lambda c: int(c) if c.isdigit() else ord(c) - ord('A') + 10
check = 11 - sum(value(c) * w for c, w in zip(body[8:16], [3, 7, 9, 10, 5, 8, 4, 2])) % 11
body += 'X' if check == 10 else '0' if check == 11 else str(check)
weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
check = 31 - sum(alphabet.index(c) * w for c, w in zip(body, weights)) % 31
print(body + alphabet[0 if check == 31 else check])
PY
)
sqlite3 "$F/data/market.db" "INSERT OR REPLACE INTO enterprise SELECT '$ZH_BAD_KEY',
    CAST(X'e6b5a6e4b89cff1b5b324a07c29b0a09' AS TEXT), legal_rep, legal_rep_id,
    CAST(X'c0af80e4b88a' AS TEXT), reg_capital_wan, established, status,
    business_scope, industry, employees FROM enterprise LIMIT 1"
safely "a source row that is not UTF-8: shown escaped" 0 \
    "name +浦东\\\\xff\\\\x1b\[2J\\\\x07\\\\u009b\\\\n\\\\t" \
    query tax SH-PD-MSA enterprise-basic "$ZH_BAD_KEY" --purpose p --role auditor
as_json "and as JSON: valid UTF-8, bad bytes replaced, controls escaped" 0 \
    "doc['rows'][0]['name'] == '浦东\ufffd\x1b[2J\x07\x9b\n\t' and doc['rows'][0]['address'] == '\ufffd\ufffd\ufffd上'" \
    query tax SH-PD-MSA enterprise-basic "$ZH_BAD_KEY" --purpose p --role auditor --json

# --- every --json output of these commands parses
as_json "query --json (open item)" 0 "doc['status'] == 'OK'" \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor --json
as_json "query --json (refused)" 2 "doc['status'] == 'ITEM_CLOSED'" \
    query fda SH-PD-TAX taxpayer-accounts "$KEY" --purpose check --role inspector --json
as_json "query --json (unknown department)" 3 "doc['status'] == 'UNKNOWN_DEPARTMENT'" \
    query tax SH-PD-NOPE enterprise-basic "$KEY" --purpose p --role auditor --json
as_json "catalog list --json" 0 "len(doc) > 3" \
    "$SLUICE" catalog list --config "$F/fda/gateway.cfg" --json
as_json "catalog show --json" 0 "doc[0]['name'] == 'enterprise-basic'" \
    "$SLUICE" catalog show --config "$F/fda/gateway.cfg" --department SH-PD-MSA \
    --item enterprise-basic --json
as_json "agreement list --json" 0 "len(doc) > 0" \
    "$SLUICE" agreement list --config "$F/msa/gateway.cfg" --json
as_json "order list --json" 0 "len(doc) > 0" \
    "$SLUICE" order list --config "$F/tax/gateway.cfg" --json
as_json "status --json" 0 "doc['code'] == 0" "$SLUICE" status --config "$F/msa/gateway.cfg" --json

# --- every refusal says what happened
safely "purpose not agreed: PURPOSE_NOT_AGREED, with the purposes allowed" 2 \
    "PURPOSE_NOT_AGREED -- purpose 'marketing' not agreed in '[A-Z0-9-]+', which allows: .*tax-registration" \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose marketing --role auditor
safely "role not agreed: ROLE_NOT_AGREED, with the roles allowed and what to do" 2 \
    "ROLE_NOT_AGREED -- officer role 'clerk' not agreed in .*which allows: .*auditor.*hint: give one of the roles" \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --purpose tax-registration --role clerk
safely "no purpose: PURPOSE_REQUIRED, saying which is missing" 2 \
    "PURPOSE_REQUIRED -- every request names its officer and purpose; this one names no purpose" \
    query tax SH-PD-MSA enterprise-basic "$KEY" --role auditor
safely "no officer: PURPOSE_REQUIRED, saying which is missing" 2 \
    "PURPOSE_REQUIRED -- .*names no officer.*hint: name the officer" \
    "$SLUICE" query --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item enterprise-basic \
    --key "$KEY" --purpose p
safely "unknown item: what the provider publishes" 2 \
    "UNKNOWN_ITEM.*hint: see what SH-PD-MSA publishes: sluice catalog list --department SH-PD-MSA" \
    query tax SH-PD-MSA no-such-item "$KEY" --purpose p --role auditor
safely "unknown field: named, and where the fields are" 2 \
    "UNKNOWN_FIELD.*'nonsense'.*hint: see the item's fields" \
    query tax SH-PD-MSA enterprise-basic "$KEY" --fields name,nonsense --purpose p --role auditor
safely "field not agreed: named, with the fields granted" 2 \
    "FIELD_NOT_AGREED -- field 'legal_rep_id' not agreed in .*which grants: " \
    query tax SH-PD-MSA enterprise-legal-rep "$KEY" --fields legal_rep,legal_rep_id \
    --purpose tax-registration --role auditor
safely "closed item: the legal basis" 2 "ITEM_CLOSED -- item is closed: .*税收征收管理法" \
    query fda SH-PD-TAX taxpayer-accounts "$KEY" --purpose check --role inspector
safely "no agreement: what to do" 2 "NO_AGREEMENT.*hint: .*sluice order file --to SH-PD-TAX" \
    query fda SH-PD-TAX taxpayer-status "$KEY" --purpose credit-supervision --role inspector
safely "unknown department: named, and what to do" 3 "SH-PD-NOPE .*UNKNOWN_DEPARTMENT.*hint: check the department id" \
    query tax SH-PD-NOPE enterprise-basic "$KEY" --purpose p --role auditor
safely "a gateway that is not running: said so" 3 "no answer from the gateway at .* \(is sluice-gateway running\?\)" \
    "$SLUICE" query --gateway "ipc://$WORK/no-gateway.ipc" --to SH-PD-MSA --item x --key "$KEY" \
    --purpose p --officer o --timeout-ms 100

# The rogue takes back its catalog; its orders are answered
expect "the rogue withdraws its catalog (first broker)" "^done=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw
expect "the rogue withdraws its catalog (second broker)" "^done=OK" 0 rogue2 withdraw
for order in $("$SLUICE" order list --config "$F/tax/gateway.cfg" 2>/dev/null | grep -o '^ORD-SH-PD-ROGUE-[0-9]*'); do
    "$SLUICE" order refuse --config "$F/tax/gateway.cfg" --id "$order" \
        --legal-basis "test order" >/dev/null 2>&1
done
eventually "the rogue's orders are answered" "^ORD-SH-PD-ROGUE-[0-9]+ +refused" 0 orders_of tax
finish
