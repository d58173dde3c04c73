#!/bin/bash
# the registry at a real broker: a version ahead of the clock refused (VERSION_AHEAD), so no id freezes; a department's catalog refused as STALE said once; a pushed statement a gateway could not keep asked for again
. "$(dirname "$0")/../lib.sh"

fed_setup --rogue
fed_start
RB_MAX=9223372036854775807
rb_now () { echo $(($(date +%s%N) / 1000000)); }

# --- Versions bounded by the clock: one of 2^63-1 would win over anything
# its author makes later, and freeze the id for good
expect "a catalog numbered 2^63-1 is refused" "^done=VERSION_AHEAD " 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw --statement-version "$RB_MAX"
expect "the id is not frozen: the next catalog, numbered by the clock, is registered" \
    "^done=OK " 0 rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw
expect "a catalog numbered 6 minutes ahead of the broker's clock is refused" \
    "^done=VERSION_AHEAD " 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw --statement-version "$(($(rb_now) + 360000))"
expect "an order numbered 2^63-1 is refused" "^replies=1 ok=0 errors=1 .*last=VERSION_AHEAD" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA orders --count 1 --statement-version "$RB_MAX"
logged "the broker logs the refusal, with the version" "$WORK/broker.log" VERSION_AHEAD \
    "SH-PD-ROGUE put catalog SH-PD-ROGUE version $RB_MAX"

# --- A catalog of MSA's signed with its key and numbered 4 minutes ahead
# (within the bound), registered while MSA's gateway is away: MSA's own
# catalog is refused as STALE when it comes back, and says so once
stop_clean "MSA's gateway stops" "$msa_PID"
expect "a catalog of MSA numbered 4 minutes ahead is taken (within the bound)" "^done=OK " 0 \
    rogue msa SH-PD-MSA SH-PD-TAX withdraw --statement-version "$(($(rb_now) + 240000))"
RB_FROM=$(log_mark "$WORK/msa.log")
start_gateway msa
check "MSA's gateway registers again" wait_registered msa
LOG_FROM=$RB_FROM logged "MSA says its catalog was refused as STALE, with both versions" \
    "$WORK/msa.log" STALE "broker BROKER refused our catalog version" "which is registered"
RB_PUTS=$(log_count "$WORK/broker.log" STALE "SH-PD-MSA put catalog SH-PD-MSA")
kill -HUP "$msa_PID"
logged_times "MSA publishes again (SIGHUP): refused again" "$WORK/broker.log" \
    $((RB_PUTS + 1)) STALE "SH-PD-MSA put catalog SH-PD-MSA"
# The broker answers MSA in order: once this list is in, so is that refusal
check "MSA lists the catalogs after its second publication" \
    "$SLUICE" catalog list --config "$F/msa/gateway.cfg"
rb_refusals () { LOG_FROM=$RB_FROM log_count "$WORK/msa.log" STALE "refused our catalog"; }
expect "said once, not at each publication" "^1$" 0 rb_refusals

# --- A pushed statement that MSA's gateway cannot keep (another writer
# holds its ledger, as a full disk would refuse it): asked for again with a
# catch-up round of its own, not only at the next WELCOME
RB_LEDGER="$F/msa/state/ledger.db"
mkfifo "$WORK/rb-lock.fifo"
sqlite3 "$RB_LEDGER" <"$WORK/rb-lock.fifo" >/dev/null 2>&1 &
RB_LOCK=$!
track "$RB_LOCK"
exec 7>"$WORK/rb-lock.fifo"
echo "BEGIN IMMEDIATE;" >&7
rb_locked () {
    ! sqlite3 "$RB_LEDGER" "PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1
}
check "another writer holds MSA's ledger" wait_for rb_locked
expect "TAX files an order with MSA" "registered" 0 "$SLUICE" order file \
    --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item market-violations --purpose tax-risk \
    --legal-basis "《税收征收管理法》第五条" --id ORD-TAX-LOCKED
logged "MSA could not keep the pushed order, and says it is asked for again" "$WORK/msa.log" \
    INTERNAL "order ORD-TAX-LOCKED from SH-PD-TAX" "asked for again"
echo "ROLLBACK;" >&7
exec 7>&-
wait "$RB_LOCK"
eventually "once its ledger is writable, MSA asks again and keeps the order" \
    "ORD-TAX-LOCKED +open +[0-9]+ +SH-PD-TAX" 0 orders_of msa
finish
