#!/bin/bash
# notices under faults: a thousand notices MSA -> FDA through two brokers while both brokers and both gateways are killed with SIGKILL at random moments; every notice delivered, received and handled exactly once, every step in both audit logs, the brokers' queues settled
. "$(dirname "$0")/../lib.sh"

# The size: SLUICE_FAULT_NOTICES notices (at most 10,000: the sender's
# listing of them all is one reply), SLUICE_FAULT_KILLS kills (at least 4:
# each broker, each gateway once, then at random). `make fault` runs the
# full size on the release build.
NOTICES=${SLUICE_FAULT_NOTICES:-1000}
KILLS=${SLUICE_FAULT_KILLS:-10}
[ "$NOTICES" -ge 1 ] && [ "$NOTICES" -le 10000 ] && [ "$KILLS" -ge 4 ] ||
    setup_failed "SLUICE_FAULT_NOTICES 1..10000, SLUICE_FAULT_KILLS 4 or more"
# How long the drivers and the final waits may take, however loaded the
# machine (a bound, never a pause)
RUN_SECONDS=$((120 + NOTICES / 20))

fed_setup
fed_start_both msa fda
MSA_CFG="$F/msa/gateway.cfg"
FDA_CFG="$F/fda/gateway.cfg"
SENT_LOG="$WORK/sent.log"
TAKEN_LOG="$WORK/taken.log"
: >"$SENT_LOG"
: >"$TAKEN_LOG"

# The kills: each target once, then at random, in a random order, each at
# a random point of the run's progress (notices stored at the sender plus
# notices taken at the recipient, 0 .. 2N)
TARGETS=(broker broker2 msa fda)
for ((index = 4; index < KILLS; index++)); do TARGETS+=("${TARGETS[RANDOM % 4]}"); done
for ((index = KILLS - 1; index > 0; index--)); do
    other=$((RANDOM % (index + 1)))
    swap=${TARGETS[index]}; TARGETS[index]=${TARGETS[other]}; TARGETS[other]=$swap
done
mapfile -t POINTS < <(for ((index = 0; index < KILLS; index++)); do
    echo $(( (2 * NOTICES) * (5 + RANDOM % 85) / 100 ))
done | sort -n)
progress () { echo $(( $(wc -l <"$SENT_LOG") + $(wc -l <"$TAKEN_LOG") )); }
s_reached () { [ "$(progress)" -ge "$1" ]; }
# kill_and_restart TARGET: SIGKILL, gone, started again at once
declare -A KILLED=([broker]=0 [broker2]=0 [msa]=0 [fda]=0)
kill_and_restart () {
    case $1 in
        broker) kill_hard "$BROKER_PID"; start_broker ;;
        broker2) kill_hard "$BROKER2_PID"; start_broker2 ;;
        msa) kill_hard "$msa_PID"; start_gateway msa ;;
        fda) kill_hard "$fda_PID"; start_gateway fda ;;
    esac
    KILLED[$1]=$((KILLED[$1] + 1))
}

# The department systems at both ends: MSA's sends the notices, FDA's
# takes each and gives its feedback
START=$(date +%s.%N)
"$BIN/sluice-noticedrive" send --config "$MSA_CFG" --to SH-PD-FDA --key "$KEY" \
    --count "$NOTICES" --log "$SENT_LOG" --seconds "$RUN_SECONDS" >"$WORK/send.out" 2>&1 &
SENDER=$!
track "$SENDER"
"$BIN/sluice-noticedrive" receive --config "$FDA_CFG" --count "$NOTICES" \
    --log "$TAKEN_LOG" --seconds "$RUN_SECONDS" >"$WORK/receive.out" 2>&1 &
RECEIVER=$!
track "$RECEIVER"

done_kills=0
for ((index = 0; index < KILLS; index++)); do
    WAIT_SECONDS=$RUN_SECONDS wait_for s_reached "${POINTS[index]}" || break
    kill_and_restart "${TARGETS[index]}"
    done_kills=$((done_kills + 1))
done
check "$KILLS kills, each broker and each gateway at least once" \
    test "$done_kills" = "$KILLS" -a "${KILLED[broker]}" -ge 1 -a "${KILLED[broker2]}" -ge 1 \
    -a "${KILLED[msa]}" -ge 1 -a "${KILLED[fda]}" -ge 1
WAIT_SECONDS=$RUN_SECONDS wait_for gone "$SENDER"
wait "$SENDER"
expect "MSA's system stored every notice, each once" "^noticedrive: $NOTICES notices stored.* 0 stored twice" 0 \
    cat "$WORK/send.out"
WAIT_SECONDS=$RUN_SECONDS wait_for gone "$RECEIVER"
wait "$RECEIVER"
receive_rc=$?
check "FDA's system took every notice and gave its feedback" test "$receive_rc" = 0
cat "$WORK/receive.out"

# --- At the sender: every copy handled, its three receipts each once
# stats_handled FIELD: the sender's figure FIELD for SH-PD-FDA
sender_figure () {
    "$SLUICE" notice stats --config "$MSA_CFG" --json | python3 -c "
import json, sys
rows = [r for r in json.load (sys.stdin) if r ['per'] == 'recipient' and r ['name'] == 'SH-PD-FDA']
print (rows [0] ['$1'] if rows else 0)"
}
WAIT_SECONDS=$RUN_SECONDS eventually "every notice handled at the sender: $NOTICES" "^$NOTICES$" 0 \
    sender_figure handled
END=$(date +%s.%N)
as_json "the sender holds N notices, one of each name n-1 .. n-N, all handled" 0 \
    "len (doc) == $NOTICES and sorted (r ['fields'] ['name'] for r in doc) == \
     sorted ('n-%d' % i for i in range (1, $NOTICES + 1)) and \
     all (r ['state'] == 'handled' for r in doc)" \
    "$SLUICE" notice list --config "$MSA_CFG" --sent --max 10000 --json
check "the sender's system knows each notice's id once" test "$(cut -d' ' -f2 "$SENT_LOG" \
    | sort -u | wc -l)" = "$NOTICES" -a "$(cut -d' ' -f1 "$SENT_LOG" | sort -u | wc -l)" = "$NOTICES"

# --- At the recipient: each copy held once, taken once, handled once
check "FDA's inbox holds each copy once, every one handled" test "$(sqlite3 \
    "$F/fda/state/notices.db" "SELECT count (*), count (DISTINCT copy), sum (state = 2) FROM \
    inbox")" = "$NOTICES|$NOTICES|$NOTICES"
expect "FDA's system was given no notice twice by two takes" " 0 given twice\)" 0 \
    cat "$WORK/receive.out"
check "FDA's system has every notice MSA's stored, each once" \
    test "$(cut -d' ' -f2 "$TAKEN_LOG" | sort)" = "$(cut -d' ' -f2 "$SENT_LOG" | sort)"
RECOVERED=$(awk '$1 == "again"' "$TAKEN_LOG" | wc -l)

# --- Both audit logs: every step of every copy, once
# steps_once FOLDER DECISION: copies with exactly one record of the step,
# and copies with more
steps_once () {
    sqlite3 "$F/$1/state/audit.db" "SELECT sum (n = 1), sum (n > 1) FROM (SELECT count (*) \
        AS n FROM record WHERE decision LIKE '$2%' AND direction LIKE 'notice-%' GROUP BY msgid)"
}
for step in sent "receipt delivered" "receipt received" "receipt handled"; do
    check "MSA's audit log: '$step' once for each copy" \
        test "$(steps_once msa "$step")" = "$NOTICES|0"
done
for step in delivered received handled; do
    check "FDA's audit log: '$step' once for each copy" \
        test "$(steps_once fda "$step")" = "$NOTICES|0"
done
# shown_steps FOLDER DECISION: the records sluice audit show gives of it
shown_steps () {
    "$SLUICE" audit show --log "$F/$1/state/audit.db" --last 0 \
        | awk -F'\t' -v step="$2" 'index ($11, step) == 1' | wc -l
}
SHOWN_MSA="$(shown_steps msa sent) $(shown_steps msa 'receipt delivered')"
SHOWN_MSA="$SHOWN_MSA $(shown_steps msa 'receipt received') $(shown_steps msa 'receipt handled')"
SHOWN_FDA="$(shown_steps fda delivered) $(shown_steps fda received) $(shown_steps fda handled)"
check "sluice audit show: N records of each of MSA's four steps" \
    test "$SHOWN_MSA" = "$NOTICES $NOTICES $NOTICES $NOTICES"
check "sluice audit show: N records of each of FDA's three steps" \
    test "$SHOWN_FDA" = "$NOTICES $NOTICES $NOTICES"
for folder in msa fda; do
    expect "$folder's audit log is intact after the kills" "intact" 0 "$SLUICE" audit verify \
        --log "$F/$folder/state/audit.db" --cert "$F/$folder/SH-PD-${folder^^}.cert"
done

# --- The brokers hold nothing: each copy and receipt settled as it passed
queue_held () { sqlite3 -readonly "$F/$1/state/queue.db" "SELECT count (*) FROM message"; }
WAIT_SECONDS=$RUN_SECONDS eventually "the first broker's queue is settled" "^0$" 0 queue_held broker
WAIT_SECONDS=$RUN_SECONDS eventually "the second broker's queue is settled" "^0$" 0 \
    queue_held broker2

LOST=$((NOTICES - $(sender_figure handled)))
DUPLICATES=$(( $(cut -d' ' -f2 "$TAKEN_LOG" | sort | uniq -d | wc -l) \
    + $(sqlite3 "$F/fda/state/audit.db" "SELECT count (*) FROM (SELECT msgid FROM record \
        WHERE decision LIKE 'delivered%' GROUP BY msgid HAVING count (*) > 1)") ))
echo "notices-fault: notices=$NOTICES kills=$done_kills (broker ${KILLED[broker]}, broker2" \
     "${KILLED[broker2]}, msa ${KILLED[msa]}, fda ${KILLED[fda]}) seconds=$(awk "BEGIN { printf \"%.1f\", $END - $START }") duplicates=$DUPLICATES lost=$LOST taken_again=$RECOVERED"
finish
