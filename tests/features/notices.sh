#!/bin/bash
# notices with dual feedback (双告知、双反馈): delivered, received and handled with signed receipts at the sender; refused kinds, keys and fields with codes; an offline recipient, delivered from the broker's queue without its sender, restarts mid-way, duplicates processed once; the outbox bound per recipient; overdue lists; a long-poll wait; JSON
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start
MSA_CFG="$F/msa/gateway.cfg"
FDA_CFG="$F/fda/gateway.cfg"
# n_send ARGS...: MSA tells FDA that the enterprise $KEY needs its food
# licence (the kind FDA's catalog accepts), with ARGS added
n_send () {
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-FDA --kind license-required \
        --key-type uscc --key "$KEY" --field name=浦东测试餐馆 --field business=餐饮服务 \
        --field seats=40 --basis '《食品安全法》第三十五条' "$@"
}
# n_send_to TO KEY-TYPE KEY ARGS...: the same notice to TO about another key
n_send_to () {
    local to=$1 key_type=$2 key=$3; shift 3
    "$SLUICE" notice send --config "$MSA_CFG" --to "$to" --kind license-required \
        --key-type "$key_type" --key "$key" --field name=x --field business=y \
        --basis b "$@"
}
# n_id ARGS...: the notice id a send prints
n_id () { n_send "$@" | sed -n 's/^notice \([0-9a-f]\{32\}\): .*/\1/p'; }
# n_show FOLDER ID: the notice's copies at that gateway
n_show () { "$SLUICE" notice show --config "$F/$1/gateway.cfg" "$2"; }
n_list () { local folder=$1; shift; "$SLUICE" notice list --config "$F/$folder/gateway.cfg" "$@"; }
# n_state FOLDER ID: the state of the notice's (one) copy there
n_state () { n_show "$1" "$2" | sed -n 's/^  state  *//p'; }
# n_records FOLDER DECISION ID: the records of that step in the audit log
n_records () {
    sqlite3 "$F/$1/state/audit.db" \
        "SELECT count (*) FROM record WHERE decision LIKE '$2%' AND msgid = '$3'"
}
n_copy () { n_show "$1" "$2" | sed -n 's/^  copy  *//p'; }

# --- Delivered, received, handled: each state a signed receipt at the sender
ID=$(n_id --officer "Li Min")
check "a notice is accepted with its id" test -n "$ID"
eventually "delivered: FDA's gateway holds it, its receipt at MSA" "^delivered$" 0 \
    n_state msa "$ID"
expect "FDA lists it received from MSA" "$ID  delivered  SH-PD-MSA  license-required" 0 \
    n_list fda --received
expect "a wait returns at once while something is to take" "^new: 1 notices" 0 \
    "$SLUICE" notice wait --config "$FDA_CFG" --timeout-ms 5000
as_json "FDA's system takes it: the fields typed by FDA's catalog" 0 \
    "len (doc) == 1 and doc [0] ['id'] == '$ID' and doc [0] ['fields'] ['seats'] == 40 \
     and doc [0] ['state'] == 'received' and doc [0] ['from'] == 'SH-PD-MSA'" \
    "$SLUICE" notice take --config "$FDA_CFG" --json
expect "taken once: nothing more to take" "^\(none\)$" 0 \
    "$SLUICE" notice take --config "$FDA_CFG"
eventually "received: its receipt at MSA" "^received$" 0 n_state msa "$ID"
expect "feedback: handled, with its result" "handled" 0 \
    "$SLUICE" notice feedback --config "$FDA_CFG" "$ID" --result licence-issued \
    --reason "JY23101150000001" --officer "Liu Fang"
expect "feedback once: again is ALREADY_HANDLED" "ALREADY_HANDLED" 2 \
    "$SLUICE" notice feedback --config "$FDA_CFG" "$ID" --result licence-refused
eventually "handled: the result at MSA" "^handled$" 0 n_state msa "$ID"
expect "the sender sees the result, the reason and who" \
    "result  *licence-issued.*reason  *JY23101150000001.*handled_by  *Liu Fang" 0 \
    sh -c "'$SLUICE' notice show --config '$MSA_CFG' $ID | tr '\n' ' '"
expect "its first line: the gateway that answered, and the count" "^SH-PD-MSA: OK \(1 row\)$" 0 \
    n_show msa "$ID"
expect "an unknown notice id: NOT_FOUND" "NOT_FOUND" 1 \
    "$SLUICE" notice feedback --config "$FDA_CFG" 00112233445566778899aabbccddeeff \
    --result licence-issued
as_json "the sender's rate: 100% received" 0 \
    "any (r ['per'] == 'recipient' and r ['name'] == 'SH-PD-FDA' and r ['received_rate'] == 100 \
          for r in doc)" "$SLUICE" notice stats --config "$MSA_CFG" --json

# --- Both audit logs prove every step, and still verify
COPY=$(n_copy msa "$ID")
for step in sent "receipt delivered" "receipt received" "receipt handled"; do
    check "MSA's audit log: $step, once" test "$(n_records msa "$step" "$COPY")" = 1
done
for step in delivered received handled; do
    check "FDA's audit log: $step, once" test "$(n_records fda "$step" "$COPY")" = 1
done
for folder in msa fda; do
    expect "$folder's audit log is intact" "intact" 0 "$SLUICE" audit verify \
        --log "$F/$folder/state/audit.db" --cert "$F/$folder/SH-PD-${folder^^}.cert"
done

# --- Refused before anything is stored: by FDA's published catalog
SENT_BEFORE=$(n_list msa --sent | wc -l)
expect "a kind FDA does not accept: UNKNOWN_KIND" "UNKNOWN_KIND" 2 \
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-FDA --kind road-works \
    --key-type uscc --key "$KEY"
expect "a kind TAX does not accept: UNKNOWN_KIND, naming TAX" "UNKNOWN_KIND.*SH-PD-TAX" 2 \
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-FDA,SH-PD-TAX \
    --kind license-required --key-type uscc --key "$KEY" --field name=x --field business=y \
    --basis b
expect "a key that is not a valid USCC: INVALID_KEY" "INVALID_KEY" 2 \
    n_send_to SH-PD-FDA uscc 91110000600037341N
expect "a key type the kind does not take: INVALID_KEY" "INVALID_KEY.*takes keys of type uscc" 2 \
    n_send_to SH-PD-FDA resident-id 11010519491231002X
expect "a field the kind does not have: UNKNOWN_FIELD" "UNKNOWN_FIELD.*colour" 2 \
    n_send --field colour=red
expect "a field of the wrong type: FIELD_TYPE" "FIELD_TYPE.*seats" 2 \
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-FDA --kind license-required \
    --key-type uscc --key "$KEY" --field name=x --field business=y --field seats=many --basis b
expect "a required field missing: FIELD_MISSING" "FIELD_MISSING.*business" 2 \
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-FDA --kind license-required \
    --key-type uscc --key "$KEY" --field name=x --basis b
expect "no legal basis where the kind requires one: BASIS_REQUIRED" "BASIS_REQUIRED" 2 \
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-FDA --kind license-required \
    --key-type uscc --key "$KEY" --field name=x --field business=y
expect "not a department: UNKNOWN_DEPARTMENT" "UNKNOWN_DEPARTMENT" 3 \
    n_send_to SH-PD-NOBODY uscc "$KEY"
expect "a deadline already past: MALFORMED" "MALFORMED" 3 n_send --deadline 2020-01-01
check "none of them was stored" test "$(n_list msa --sent | wc -l)" = "$SENT_BEFORE"

# --- Refused on arrival: FDA judges each copy by its own catalog again.
# FDA stops accepting the kind; MSA's copy of FDA's catalog still lists it
sed -i 's/notice = "license-required"/notice = "licence-required-old"/' "$F/fda/catalog.cfg"
lines_at_least "FDA takes its changed catalog" "$WORK/fda.log" 1 "catalog changed"
REFUSED=$(n_id)
eventually "a copy FDA no longer accepts: refused with UNKNOWN_KIND" "^refused$" 0 \
    n_state msa "$REFUSED"
expect "its code at the sender" "code  *UNKNOWN_KIND" 0 n_show msa "$REFUSED"
sed -i 's/notice = "licence-required-old"/notice = "license-required"/' "$F/fda/catalog.cfg"
lines_at_least "FDA accepts the kind again" "$WORK/fda.log" 2 "catalog changed"

# --- A long poll: the wait returns when a notice arrives, not before
expect "a wait with nothing new times out (exit 1)" "^nothing new" 1 \
    "$SLUICE" notice wait --config "$FDA_CFG" --timeout-ms 500
"$SLUICE" notice wait --config "$FDA_CFG" --timeout-ms 20000 >"$WORK/wait.out" 2>&1 &
WAIT_PID=$!
track "$WAIT_PID"
hold_for 1
check "the wait is held while nothing arrives" kill -0 "$WAIT_PID"
WAITED=$(n_id)
check "the wait returns once the notice arrives" wait_for gone "$WAIT_PID"
wait "$WAIT_PID"
check "and says so (exit 0)" test "$?" = 0
expect "with what there is to take" "^new: 1 notices" 0 cat "$WORK/wait.out"
"$SLUICE" notice take --config "$FDA_CFG" >/dev/null

# --- Overdue: no feedback by the deadline, listed at both ends
DUE=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
OVERDUE=$(n_id --deadline "$DUE")
eventually "an overdue notice is listed at the sender" "$OVERDUE" 0 n_list msa --sent --overdue
eventually "and at the recipient" "$OVERDUE" 0 n_list fda --received --overdue
"$SLUICE" notice feedback --config "$FDA_CFG" "$OVERDUE" --result licence-issued >/dev/null
eventually "handled, it is overdue no more at the sender" "^handled$" 0 n_state msa "$OVERDUE"
refute "nor listed as overdue" "$OVERDUE" 0 n_list msa --sent --overdue
expect "pending: the notices without feedback yet" "$WAITED" 0 n_list msa --sent --pending
refute "pending leaves out the handled ones" "$ID" 0 n_list msa --sent --pending

# --- An offline recipient: delivered when it comes back
stop_quietly "$fda_PID"
OFFLINE=$(n_id)
check "accepted while FDA is offline" test -n "$OFFLINE"
expect "no receipt yet" "^sent$" 0 n_state msa "$OFFLINE"
start_gateway fda
eventually "delivered once FDA is back" "^delivered$" 0 n_state msa "$OFFLINE"

# --- The broker's queue: FDA offline, then MSA stopped too. FDA gets the
# copy from the broker alone, and MSA, back, FDA's receipt; each settles
# what the broker holds as it passes
QUEUE_DB="$F/broker/state/queue.db"
# held TYPE TO: how many messages of TYPE the broker holds for TO
held () {
    sqlite3 -readonly "$QUEUE_DB" \
        "SELECT count (*) FROM message WHERE type = $1 AND recipient = '$2'"
}
# next_try_in FOLDER COPY: ms until the outbox tries the copy again
next_try_in () {
    sqlite3 "$F/$1/state/notices.db" "SELECT next_ms - CAST (1000 * (julianday ('now') \
        - 2440587.5) * 86400 AS INTEGER) FROM outbox WHERE copy = x'$2'"
}
wait_registered fda
stop_quietly "$fda_PID"
HELD=$(n_id)
HELD_COPY=$(n_copy msa "$HELD")
eventually "the broker holds the copy for FDA: QUEUED at the sender" "queued  *(yes|1|true)" 0 \
    n_show msa "$HELD"
check "once QUEUED, the sender waits a minute or more before it sends again" \
    test "$(next_try_in msa "$HELD_COPY")" -gt 50000
check "and the broker holds it" test "$(held 16 SH-PD-FDA)" -ge 1
stop_quietly "$msa_PID"
start_gateway fda
eventually "FDA gets the copy from the broker's queue, its sender stopped" \
    "$HELD  delivered  SH-PD-MSA" 0 n_list fda --received
eventually "FDA's receipt settles the copy the broker held" "^0$" 0 held 16 SH-PD-FDA
check "and the broker holds the receipt for MSA" test "$(held 17 SH-PD-MSA)" -ge 1
start_gateway msa
eventually "MSA, back, gets the receipt from the broker's queue: delivered" "^delivered$" 0 \
    n_state msa "$HELD"
eventually "MSA's ACK settles the receipt: the broker holds nothing more" "^0$" 0 held 17 SH-PD-MSA
as_json "MSA sent the copy once: the broker did the rest" 0 \
    "doc ['rows'] [0] ['tries'] == 0" "$SLUICE" notice show --config "$MSA_CFG" "$HELD" --json
wait_registered msa

# --- The sender killed right after it accepted: it sends on its restart
kill_hard "$msa_PID"
start_gateway msa
wait_registered msa
KILLED=$(n_id)
kill_hard "$msa_PID"
start_gateway msa
eventually "the sender killed after accepting: delivered after its restart" "^delivered$" 0 \
    n_state msa "$KILLED"

# --- The recipient killed with a notice delivered, not taken: taken once
kill_hard "$fda_PID"
start_gateway fda
wait_registered fda
as_json "after FDA's restart its system takes each notice once" 0 \
    "sorted (r ['id'] for r in doc) == sorted (['$OFFLINE', '$HELD', '$KILLED'])" \
    "$SLUICE" notice take --config "$FDA_CFG" --json
expect "nothing is taken twice" "^\(none\)$" 0 "$SLUICE" notice take --config "$FDA_CFG"

# --- A take with the system's own reference: made again with it (its
# answer lost), across a SIGKILL too, the same notices, nothing new
# n_take REF: the ids a take with REF gives, sorted, on one line
n_take () {
    "$SLUICE" notice take --config "$FDA_CFG" --ref "$1" --json |
        python3 -c "import json, sys; print (' '.join (sorted (r ['id'] for r in json.load (sys.stdin))))"
}
T1=$(n_id)
T2=$(n_id)
eventually "two notices to take" "^delivered$" 0 n_state msa "$T2"
eventually "and the first" "^delivered$" 0 n_state msa "$T1"
TAKEN=$(printf '%s\n' "$T1" "$T2" | sort | tr '\n' ' ' | sed 's/ $//')
expect "a take with its own reference takes both" "^$TAKEN$" 0 n_take FDA-TAKE-0001
T3=$(n_id)
eventually "a third to take" "^delivered$" 0 n_state msa "$T3"
expect "taken again with it: the same two, not the third" "^$TAKEN$" 0 n_take FDA-TAKE-0001
kill_hard "$fda_PID"
start_gateway fda
wait_registered fda
expect "after a SIGKILL and a restart too" "^$TAKEN$" 0 n_take FDA-TAKE-0001
expect "another reference takes the third" "^$T3$" 0 n_take FDA-TAKE-0002
check "each taken once: one 'received' record each" \
    test "$(n_records fda received "$(n_copy fda "$T1")") $(n_records fda received \
    "$(n_copy fda "$T2")")" = "1 1"
expect "a take's reference that is not one: MALFORMED" "MALFORMED.*reference" 3 \
    "$SLUICE" notice take --config "$FDA_CFG" --ref "a b"

# --- No sender fills a recipient's inbox: past inbox-per-sender copies
# not taken yet, a new one is not held (nor receipted: its sender holds
# it), until FDA's system takes some
"$SLUICE" notice take --config "$FDA_CFG" >/dev/null
sed -i 's/^    timeout-ms = 4000$/&\n    inbox-per-sender = 2/' "$FDA_CFG"
stop_quietly "$fda_PID"
start_gateway fda
wait_registered fda
B1=$(n_id)
B2=$(n_id)
eventually "two held at FDA" "^delivered$" 0 n_state msa "$B2"
eventually "and the first" "^delivered$" 0 n_state msa "$B1"
B3=$(n_id)
logged "a third is not held: LIMIT_REACHED, naming the sender and the bound" \
    "$WORK/fda.log" LIMIT_REACHED "from SH-PD-MSA not held" "gateway/inbox-per-sender"
expect "nor receipted: its sender holds it" "^sent$" 0 n_state msa "$B3"
check "FDA holds two untaken" test "$(sqlite3 -readonly "$F/fda/state/notices.db" \
    "SELECT count (*) FROM inbox WHERE state = 0")" = 2
"$SLUICE" notice take --config "$FDA_CFG" >/dev/null
stop_quietly "$fda_PID"
start_gateway fda
eventually "once FDA's system took them, the third comes (from the broker's queue)" \
    "^delivered$" 0 n_state msa "$B3"
"$SLUICE" notice take --config "$FDA_CFG" >/dev/null
sed -i '/^    inbox-per-sender = 2$/d' "$FDA_CFG"
stop_quietly "$fda_PID"
start_gateway fda
wait_registered fda

# --- A copy that comes again is processed once, answered with its receipt:
# MSA forgets every receipt (as if none had reached it) and sends again
stop_quietly "$msa_PID"
sqlite3 "$F/msa/state/notices.db" \
    "DELETE FROM receipt_in; UPDATE outbox SET state = -1, next_ms = 0 WHERE copy = x'$COPY'"
start_gateway msa
eventually "the copy sent again is answered with FDA's newest receipt" "^handled$" 0 \
    n_state msa "$ID"
check "FDA holds it once" test "$(sqlite3 "$F/fda/state/notices.db" \
    "SELECT count (*) FROM inbox WHERE copy = x'$COPY'")" = 1
check "FDA's audit log: delivered still once" test "$(n_records fda delivered "$COPY")" = 1
expect "and its system is given nothing again" "^\(none\)$" 0 \
    "$SLUICE" notice take --config "$FDA_CFG"

# --- Started with no broker up, the sender holds no directory yet: a
# notice is refused NOT_REGISTERED (try again), not UNKNOWN_DEPARTMENT
stop_quietly "$BROKER_PID"
stop_quietly "$msa_PID"
start_gateway msa
check "MSA started again, with no broker up" wait_not_registered msa
expect "a notice before any directory is held: NOT_REGISTERED" "NOT_REGISTERED" 3 n_send
expect "nor is anything taken, whose receipt could not be sealed yet" "NOT_REGISTERED" 3 \
    "$SLUICE" notice take --config "$MSA_CFG"
expect "nor feedback given" "NOT_REGISTERED" 3 \
    "$SLUICE" notice feedback --config "$MSA_CFG" 00112233445566778899aabbccddeeff \
    --result licence-issued
start_broker
wait_registered msa
wait_registered fda

# --- The system's own reference: a send made again with it (its answer
# lost) is answered with the notice it stored, across a SIGKILL too
# outbox_rows: how many copies MSA's outbox holds
outbox_rows () { sqlite3 -readonly "$F/msa/state/notices.db" "SELECT count (*) FROM outbox"; }
REFD=$(n_id --ref MSA-2026-000123)
check "a send with the system's own reference" test -n "$REFD"
ROWS=$(outbox_rows)
expect "sent again with it: the same notice, not sent twice" \
    "^notice $REFD: sent before as 'MSA-2026-000123'" 0 n_send --ref MSA-2026-000123
as_json "answered with its copy, as the first time" 0 \
    "doc ['msgid'] == '$REFD' and doc ['rows'] [0] ['to'] == 'SH-PD-FDA' \
     and len (doc ['rows'] [0] ['copy']) == 32" n_send --ref MSA-2026-000123 --json
kill_hard "$msa_PID"
start_gateway msa
expect "after a SIGKILL and a restart too, at once" "^notice $REFD: sent before" 0 \
    n_send --ref MSA-2026-000123
wait_registered msa
check "nothing more stored" test "$(outbox_rows)" = "$ROWS"
expect "the reference with other terms: REF_REUSED, naming the notice" \
    "REF_REUSED.*$REFD" 2 n_send --ref MSA-2026-000123 --deadline 2099-12-31
expect "a reference that is not one: MALFORMED" "MALFORMED.*reference" 3 \
    n_send --ref "x'; DROP TABLE outbox; --"
check "another reference, another notice" test "$(n_id --ref MSA-2026-000124)" != "$REFD"

# --- A recipient that receipts nothing: its sender holds at most
# outbox-per-recipient copies for it, and refuses the next one at once
sed -i 's/^    timeout-ms = 4000$/&\n    outbox-per-recipient = 2/' "$MSA_CFG"
stop_quietly "$msa_PID"
start_gateway msa
wait_registered msa
stop_quietly "$fda_PID"
FIRST=$(n_id)
SECOND=$(n_id)
check "two held for FDA, offline" test -n "$FIRST" -a -n "$SECOND"
ROWS=$(outbox_rows)
expect "a third: LIMIT_REACHED, naming FDA and the bound" \
    "LIMIT_REACHED.*SH-PD-FDA.*2 notices.*outbox-per-recipient" 3 n_send
check "nothing of it stored" test "$(outbox_rows)" = "$ROWS"
expect "a notice to TAX alone is not held back by it" "^notice [0-9a-f]{32}: " 0 \
    "$SLUICE" notice send --config "$MSA_CFG" --to SH-PD-TAX --kind enterprise-registered \
    --key-type uscc --key "$KEY" --field name=x --field registered=2026-12-01
start_gateway fda
eventually "what was held is delivered when FDA is back" "^delivered$" 0 n_state msa "$SECOND"
check "and MSA sends to FDA again" test -n "$(n_id)"

# --- What is shown: JSON of every listing
as_json "notice list --json: rows with their state" 0 \
    "all ('state' in r and 'id' in r for r in doc) and len (doc) >= 5" \
    "$SLUICE" notice list --config "$MSA_CFG" --sent --json
as_json "notice show --json: the whole reply" 0 \
    "doc ['status'] == 'OK' and doc ['rows'] [0] ['id'] == '$ID'" \
    "$SLUICE" notice show --config "$MSA_CFG" "$ID" --json
as_json "notice send --json: the notice id and the copies" 0 \
    "doc ['status'] == 'OK' and len (doc ['msgid']) == 32 and doc ['rows'] [0] ['to'] == 'SH-PD-FDA'" \
    n_send --json
finish
