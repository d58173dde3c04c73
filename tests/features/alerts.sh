#!/bin/bash
# regulatory alerts (监管预警): subscriptions kept and published, an alert to every subscriber (an offline one too), receipts counted at the raiser, refusals with codes, the bound per subscriber, JSON
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start
A () { local folder=$1; shift; "$SLUICE" alert "$@" --config "$F/$folder/gateway.cfg"; }
# a_raise ARGS...: FDA raises a food and drug alert about $FOOD_KEY
a_raise () {
    A fda raise --topic food-drug --severity orange --key-type uscc --key "$FOOD_KEY" \
        --text "三聚氰胺 found in batch 2026-11" "$@"
}
a_id () { a_raise "$@" | sed -n 's/^alert \([0-9a-f]\{32\}\): .*/\1/p'; }
# a_states FOLDER ID: the states of the alert's copies there, one a line
a_states () {
    A "$1" list --json | python3 -c "
import json, sys
for row in json.load (sys.stdin):
    if row ['id'] == '$2':
        print (row.get ('to', row.get ('from')), row ['state'])" | sort
}

expect "the published topics, the paper's key areas among them" \
    "^food-drug +食品药品" 0 "$SLUICE" alert topics
expect "and the severities" "^severities: blue,yellow,orange,red$" 0 "$SLUICE" alert topics
expect "no subscriber to a topic yet: NOT_FOUND, nothing raised" "NOT_FOUND" 1 a_raise
expect "a topic outside the list: UNKNOWN_TOPIC" "UNKNOWN_TOPIC" 2 \
    A fda raise --topic weather --severity red --text "storm"
expect "a severity outside the list: MALFORMED" "MALFORMED" 3 \
    A fda raise --topic food-drug --severity purple --text "x"
expect "a key that is not valid: INVALID_KEY" "INVALID_KEY" 2 \
    A fda raise --topic food-drug --severity red --text "x" --key-type uscc \
    --key 91110000600037341N
expect "subscribing to a topic outside the list: UNKNOWN_TOPIC" "UNKNOWN_TOPIC" 2 \
    A tax subscribe weather

# --- Subscriptions: kept by each gateway, announced in its catalog
expect "MSA subscribes to food and drug alerts" "food-drug: subscribed" 0 \
    A msa subscribe food-drug
expect "TAX too" "food-drug: subscribed" 0 A tax subscribe food-drug
expect "and to production safety" "production-safety: subscribed" 0 \
    A tax subscribe production-safety

# --- Raised: one copy to each subscriber, each receipt counted
ALERT=$(a_id --officer "Zhou Min")
check "raised, with its id" test -n "$ALERT"
eventually "MSA, a subscriber, has it: delivered" "SH-PD-MSA delivered" 0 a_states fda "$ALERT"
eventually "TAX, a subscriber, has it: delivered" "SH-PD-TAX delivered" 0 a_states fda "$ALERT"
check "one copy each, to the subscribers only" test "$(a_states fda "$ALERT" | wc -l)" = 2
as_json "the raiser counts the receipts: 2 of 2 delivered" 0 \
    "any (r ['per'] == 'topic' and r ['name'] == 'food-drug' and r ['sent'] == 2 \
          and r ['delivered'] == 2 and r ['delivered_rate'] == 100 for r in doc)" \
    A fda stats --json
expect "TAX lists it received" "$ALERT  delivered  SH-PD-FDA  food-drug  orange" 0 \
    A tax list --received
as_json "TAX's system takes it" 0 \
    "len (doc) == 1 and doc [0] ['id'] == '$ALERT' and doc [0] ['severity'] == 'orange' \
     and doc [0] ['text'].startswith ('三聚氰胺')" A tax take --json
expect "taken once" "^\(none\)$" 0 A tax take
eventually "received: the raiser sees who took it" "SH-PD-TAX received" 0 a_states fda "$ALERT"
expect "a notice wait at MSA returns for the alert" "^new: 0 notices, 1 alerts" 0 \
    "$SLUICE" notice wait --config "$F/msa/gateway.cfg" --timeout-ms 5000
copy_of () {
    sqlite3 "$F/$1/state/notices.db" "SELECT lower (hex (copy)) FROM inbox WHERE notice = x'$2'"
}
TAX_COPY=$(copy_of tax "$ALERT")
check "both audit logs prove it: raised and its receipt at FDA" test "$(sqlite3 \
    "$F/fda/state/audit.db" "SELECT count (*) FROM record WHERE direction = 'alert-out' \
     AND msgid = '$TAX_COPY'")" = 3
check "delivered and received at TAX" test "$(sqlite3 "$F/tax/state/audit.db" \
    "SELECT count (*) FROM record WHERE direction = 'alert-in' AND msgid = '$TAX_COPY'")" = 2

# --- An offline subscriber gets it when it comes back
stop_quietly "$tax_PID"
OFFLINE=$(a_id)
check "raised while TAX is offline" test -n "$OFFLINE"
eventually "MSA has it at once" "SH-PD-MSA delivered" 0 a_states fda "$OFFLINE"
expect "TAX has no receipt yet" "SH-PD-TAX sent" 0 a_states fda "$OFFLINE"
start_gateway tax
eventually "TAX has it once it is back" "SH-PD-TAX delivered" 0 a_states fda "$OFFLINE"

# --- A subscriber that leaves: no longer a recipient, or it refuses
expect "MSA subscribes no more" "food-drug: unsubscribed" 0 A msa subscribe food-drug --remove
LEFT=$(a_id)
eventually "TAX has the next one" "SH-PD-TAX delivered" 0 a_states fda "$LEFT"
refute "MSA does not" "SH-PD-MSA delivered" 0 a_states fda "$LEFT"
refute "nor holds it" "$LEFT" 0 A msa list --received

# --- The system's own reference: raised again with it, the same alert
# outbox_rows: how many copies FDA's outbox holds
outbox_rows () { sqlite3 -readonly "$F/fda/state/notices.db" "SELECT count (*) FROM outbox"; }
REFD=$(a_id --ref FDA-ALERT-0001)
check "an alert with the system's own reference" test -n "$REFD"
ROWS=$(outbox_rows)
expect "raised again with it: the same alert, not raised twice" \
    "^alert $REFD: sent before as 'FDA-ALERT-0001'" 0 a_raise --ref FDA-ALERT-0001
check "nothing more stored" test "$(outbox_rows)" = "$ROWS"
expect "with another text: REF_REUSED" "REF_REUSED.*$REFD" 2 \
    A fda raise --topic food-drug --severity red --text other --ref FDA-ALERT-0001

# --- A take with the system's own reference: made again, the same alerts
# a_take REF: the ids an alert take at TAX with REF gives, on one line
a_take () {
    A tax take --ref "$1" --json |
        python3 -c "import json, sys; print (' '.join (sorted (r ['id'] for r in json.load (sys.stdin))))"
}
A tax take >/dev/null
TAKE_ONE=$(a_id)
eventually "TAX has the next alert" "SH-PD-TAX delivered" 0 a_states fda "$TAKE_ONE"
expect "taken with its own reference" "^$TAKE_ONE$" 0 a_take TAX-TAKE-0001
TAKE_TWO=$(a_id)
eventually "and one more" "SH-PD-TAX delivered" 0 a_states fda "$TAKE_TWO"
expect "taken again with it: the same alert, not the next" "^$TAKE_ONE$" 0 a_take TAX-TAKE-0001
expect "another reference takes the next" "^$TAKE_TWO$" 0 a_take TAX-TAKE-0002

# --- A subscriber that receipts nothing: its raiser holds at most
# outbox-per-recipient copies for it, and refuses the next alert at once
sed -i 's/^    timeout-ms = 4000$/&\n    outbox-per-recipient = 1/' "$F/fda/gateway.cfg"
stop_quietly "$fda_PID"
start_gateway fda
wait_registered fda
stop_quietly "$tax_PID"
BOUND=$(a_id)
check "one held for TAX, offline" test -n "$BOUND"
ROWS=$(outbox_rows)
expect "the next alert: LIMIT_REACHED, naming TAX" "LIMIT_REACHED.*SH-PD-TAX" 3 a_raise
check "nothing of it stored" test "$(outbox_rows)" = "$ROWS"
start_gateway tax
eventually "what was held is delivered when TAX is back" "SH-PD-TAX delivered" 0 \
    a_states fda "$BOUND"

# --- JSON
as_json "alert list --json: a row per copy with its state" 0 \
    "all ('state' in r and 'topic' in r for r in doc) and len (doc) >= 5" \
    A fda list --raised --json
as_json "alert raise --json: the whole reply" 0 \
    "doc ['status'] == 'OK' and len (doc ['msgid']) == 32 and len (doc ['rows']) == 1" \
    a_raise --json
finish
