#!/bin/bash
# the broker's queue: notices, alerts and receipts held for an offline department and forwarded when it registers, through a SIGKILL, until what settles them passes; its bound and its refusals
. "$(dirname "$0")/../lib.sh"

# SH-PD-TAX and SH-PD-FDA are played by sluice-rogue with their own
# certificates (their gateways do not run), so that each message is sent
# and received raw: the broker's part alone. The broker holds at most 8
# messages of one sender here.
fed_setup --rogue
revoked_member SH-PD-BAD bad || setup_failed "SH-PD-BAD revoked"
echo "    queue-per-sender = 8" >>"$F/broker/broker.cfg"
fed_start msa

# The ids, derived here independently of the C code (PROTOCOL.md 17.1):
# copy = BLAKE2b-128 ("sluice-copy-1" || notice || recipient), and so on
bq_id () {
    python3 - "$@" <<'PY'
import hashlib, sys
def h(*parts):
    return hashlib.blake2b(b"".join(parts), digest_size=16).digest()
kind, notice, recipient = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3].encode()
copy = h(b"sluice-copy-1", notice, recipient)
if kind == "copy":
    print(copy.hex())
else:
    receipt = h(b"sluice-receipt-1", copy, sys.argv[4].encode())
    print(receipt.hex() if kind == "receipt" else h(b"sluice-ack-1", receipt).hex())
PY
}
notice_id () { printf "%032x" "$1"; }
tax () { rogue tax SH-PD-TAX "$@"; }
fda () { rogue fda SH-PD-FDA "$@"; }

N1=$(notice_id 1); C1=$(bq_id copy "$N1" SH-PD-FDA)
R1=$(bq_id receipt "$N1" SH-PD-FDA delivered)
expect "a notice to an offline department is held: QUEUED, naming it and its recipient" \
    "^queued id=$C1 to=SH-PD-FDA$" 0 tax SH-PD-FDA notice --id "$N1"

# Durable before QUEUED: a SIGKILL right after loses nothing
kill_hard "$BROKER_PID"
start_broker
wait_listening "$PORT" || setup_failed "the broker starts again"
lines_at_least "the broker restarted after a SIGKILL still holds it" "$WORK/broker.log" 1 \
    "broker: 1 notices, alerts and receipts held for delivery"
expect "forwarded when its recipient registers, its frames the sender's (verified)" \
    "^received=1 NOTICE:$C1:SH-PD-TAX$" 0 fda SH-PD-TAX collect --count 1
expect "forwarded again at the next registration: held until settled" \
    "^received=1 NOTICE:$C1:SH-PD-TAX$" 0 fda SH-PD-TAX collect --count 1

# The receipt settles the copy, and is held for the offline sender. A
# newer notice, N2, then comes first: had the copy of N1 been held still,
# it would have come before it (oldest first)
expect "the receipt to the offline sender is held too: QUEUED" \
    "^queued id=$R1 to=SH-PD-TAX$" 0 fda SH-PD-TAX receipt --id "$N1" --state delivered
N2=$(notice_id 2); C2=$(bq_id copy "$N2" SH-PD-FDA)
expect "a second notice is held" "^queued id=$C2 to=SH-PD-FDA$" 0 tax SH-PD-FDA notice --id "$N2"
expect "settled by its receipt: the first copy is not forwarded again" \
    "^received=1 NOTICE:$C2:SH-PD-TAX$" 0 fda SH-PD-TAX collect --count 1

R2=$(bq_id receipt "$N2" SH-PD-FDA handled)
R2B=$(bq_id receipt "$N2" SH-PD-FDA received)
expect "a receipt of another state settles the second copy, and is held" \
    "^queued id=$R2 to=SH-PD-TAX$" 0 fda SH-PD-TAX receipt --id "$N2" --state handled
expect "the sender gets the receipts held for it, oldest first" \
    "^received=2 RECEIPT:$R1:SH-PD-FDA RECEIPT:$R2:SH-PD-FDA$" 0 \
    tax SH-PD-FDA collect --count 2
# The ACK settles the receipt it names as it passes, even though its
# recipient is not there to get it: an ACK is never held
expect "an ACK to an offline department is refused as a query would be" \
    "^status=DEPARTMENT_OFFLINE from=BROKER( |$)" 0 tax SH-PD-FDA ack --id "$N1" --state delivered
expect "a third receipt is held" "^queued id=$R2B to=SH-PD-TAX$" 0 \
    fda SH-PD-TAX receipt --id "$N2" --state received
expect "settled by the ACK: that receipt is not forwarded again" \
    "^received=2 RECEIPT:$R2:SH-PD-FDA RECEIPT:$R2B:SH-PD-FDA$" 0 \
    tax SH-PD-FDA collect --count 2

# A resend (the same id to the same recipient) is held once
N3=$(notice_id 3); C3=$(bq_id copy "$N3" SH-PD-FDA)
N4=$(notice_id 4); C4=$(bq_id copy "$N4" SH-PD-FDA)
expect "a notice is held" "^queued id=$C3 to=SH-PD-FDA$" 0 tax SH-PD-FDA notice --id "$N3"
expect "its resend is answered QUEUED too" "^queued id=$C3 to=SH-PD-FDA$" 0 \
    tax SH-PD-FDA notice --id "$N3"
expect "the next notice is held" "^queued id=$C4 to=SH-PD-FDA$" 0 tax SH-PD-FDA notice --id "$N4"
expect "a resend is not stored twice: the recipient gets it once, then the next" \
    "^received=2 NOTICE:$C3:SH-PD-TAX NOTICE:$C4:SH-PD-TAX$" 0 fda SH-PD-TAX collect --count 2

# Forwarded live to a registered recipient: FDA registers (and gets its
# backlog), then TAX raises an alert, which comes after it
N5=$(notice_id 5); C5=$(bq_id copy "$N5" SH-PD-FDA)
bq_registered=$(grep -c "SH-PD-FDA registered" "$WORK/broker.log")
fda SH-PD-TAX collect --count 3 --timeout-ms 15000 >"$WORK/live.out" 2>"$WORK/live.err" &
bq_live=$!
track "$bq_live"
lines_at_least "the recipient registers and waits" "$WORK/broker.log" \
    "$((bq_registered + 1))" "SH-PD-FDA registered"
expect "an alert to a registered department is held as well" \
    "^queued id=$C5 to=SH-PD-FDA$" 0 tax SH-PD-FDA alert --id "$N5"
wait "$bq_live"
expect "... and forwarded at once, after the backlog" \
    "^received=3 NOTICE:$C3:SH-PD-TAX NOTICE:$C4:SH-PD-TAX ALERT:$C5:SH-PD-TAX$" 0 \
    cat "$WORK/live.out"

# The bound: ROGUE may hold 8; the ninth is not held. A resend of one it
# holds still is; another sender has a bound of its own
N6=$(notice_id 6); C6=$(bq_id copy "$N6" SH-PD-FDA)
expect "a notice from a third department is held" "^queued id=$C6 to=SH-PD-FDA$" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-FDA notice --id "$N6"
expect "beyond queue-per-sender: LIMIT_REACHED, the others QUEUED" \
    "^replies=8 ok=7 errors=1 LIMIT_REACHED=1( last=|$)" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-FDA typed-flood --type 16 --count 8
logged "the broker logs the message not held" "$WORK/broker.log" LIMIT_REACHED \
    "NOTICE" "from SH-PD-ROGUE to SH-PD-FDA not held"
expect "at the bound, a resend of a message held is still QUEUED" \
    "^queued id=$C6 to=SH-PD-FDA$" 0 rogue rogue SH-PD-ROGUE SH-PD-FDA notice --id "$N6"
N7=$(notice_id 7); C7=$(bq_id copy "$N7" SH-PD-FDA)
expect "another sender is not held back by it" "^queued id=$C7 to=SH-PD-FDA$" 0 \
    tax SH-PD-FDA notice --id "$N7"

# Refusals, as for a query
expect "a notice in clear: BAD_TYPE" "^status=BAD_TYPE from=BROKER( |$)" 0 \
    tax SH-PD-FDA clear-notice --id "$(notice_id 8)"
expect "a notice from a department not registered: NOT_REGISTERED" \
    "^status=NOT_REGISTERED from=BROKER( |$)" 0 tax SH-PD-FDA notice-no-hello
expect "a notice to no such department: UNKNOWN_DEPARTMENT, nothing held" \
    "^status=UNKNOWN_DEPARTMENT from=BROKER( |$)" 0 tax NO-SUCH-DEPT notice
expect "a query from a revoked department is refused at the handshake" "^no-reply$" 0 \
    rogue bad SH-PD-BAD SH-PD-FDA valid --timeout-ms 1500
expect "... and so is its notice" "^no-reply$" 0 \
    rogue bad SH-PD-BAD SH-PD-FDA notice --id "$(notice_id 9)" --timeout-ms 1500
# Nothing of those was held: FDA's backlog is C3, C4, C5, the rogue's
# eight, C7 and then N10's copy, sent last, in that order
N10=$(notice_id 10); C10=$(bq_id copy "$N10" SH-PD-FDA)
expect "a last notice is held" "^queued id=$C10 to=SH-PD-FDA$" 0 tax SH-PD-FDA notice --id "$N10"
expect "what is held is exactly what was QUEUED, oldest first" \
    "^received=13 NOTICE:$C3:SH-PD-TAX NOTICE:$C4:SH-PD-TAX ALERT:$C5:SH-PD-TAX NOTICE:$C6:SH-PD-ROGUE( NOTICE:[0-9a-f]{32}:SH-PD-ROGUE){7} NOTICE:$C7:SH-PD-TAX NOTICE:$C10:SH-PD-TAX$" 0 \
    fda SH-PD-TAX collect --count 13
check "the queue is queue.db in the broker's state directory: 13 for FDA, 2 for TAX" \
    test "$(sqlite3 -readonly "$F/broker/state/queue.db" \
            "SELECT group_concat (n) FROM (SELECT count (*) AS n FROM message
             GROUP BY recipient ORDER BY recipient)")" = "13,2"
finish
