#!/bin/bash
# the consumer checks answers: a lying provider's every kind of bad RESPONSE refused whole (BAD_ANSWER), logged and audited; the provider's catalogs ordered by version, not by the time they claim
. "$(dirname "$0")/../lib.sh"

# A provider that lies (sluice-rogue lying-provider, a certified member)
# answers TAX's queries with each kind of bad RESPONSE; TAX refuses each
# whole with BAD_ANSWER, logs it as the provider's fault, audits it, and
# passes on nothing of it.
fed_setup --rogue
fed_start tax
cat >"$WORK/rogue-catalog.cfg" <<'CAT'
catalog
    item = "rogue-record"
        title = "a record item of the lying provider"
        key-type = "uscc"
        share = "open"
        sql = "SELECT name, status, secret FROM t WHERE k = :key"
        field = "name"
            type = "text"
            sensitivity = 0
        field = "status"
            type = "text"
            sensitivity = 0
        field = "secret"
            type = "text"
            sensitivity = 5
    item = "rogue-list"
        title = "a list item of the lying provider"
        key-type = "uscc"
        share = "open"
        format = "list"
        max-rows = 3
        sql = "SELECT name FROM t WHERE k = :key"
        field = "name"
            type = "text"
            sensitivity = 0
CAT
LIE_LIES="told by a lying provider"

# lie NAME MODE ITEM FIELDS [rogue args]: the rogue answers TAX's query of
# ITEM (asking FIELDS) as MODE says; LIE_OUTPUT and LIE_RC are the query's
lie () {
    lie_mode=$2; lie_item=$3; lie_fields=$4; shift 4
    rm -f "$WORK/lie.out" "$WORK/lie.err"
    rogue rogue SH-PD-ROGUE SH-PD-TAX lying-provider --answer "$lie_mode" \
        --timeout-ms 20000 "$@" >"$WORK/lie.out" 2>"$WORK/lie.err" &
    lie_pid=$!
    if ! wait_output "waiting for a query" cat "$WORK/lie.err"; then
        LIE_OUTPUT="the lying provider did not start: $(cat "$WORK/lie.out" "$WORK/lie.err")"
        LIE_RC=99
        kill "$lie_pid" 2>/dev/null; wait "$lie_pid" 2>/dev/null
        return
    fi
    LIE_OUTPUT=$(query tax SH-PD-ROGUE "$lie_item" "$KEY" --fields "$lie_fields" \
                 --purpose rogue-check --role auditor 2>&1)
    LIE_RC=$?
    wait "$lie_pid"
}
# refused NAME MODE ITEM FIELDS [rogue args]: the answer is refused whole,
# as the provider's fault, in the log and in the audit log
refused () {
    lie_name=$1
    log_before=$(log_count "$WORK/tax.log" BAD_ANSWER "answer from SH-PD-ROGUE" "the provider's fault")
    lie "$@"
    if [ "$LIE_RC" = 3 ] && echo "$LIE_OUTPUT" | grep -q "BAD_ANSWER" \
    && ! echo "$LIE_OUTPUT" | grep -q "$LIE_LIES" \
    && grep -q "^answered=$lie_mode to=SH-PD-TAX" "$WORK/lie.out"; then
        pass "$lie_name: refused whole (BAD_ANSWER, exit 3)"
    else
        fail "$lie_name: refused whole (BAD_ANSWER, exit 3)" "exit $LIE_RC: $LIE_OUTPUT
$(cat "$WORK/lie.out")"
    fi
    log_after=$(log_count "$WORK/tax.log" BAD_ANSWER "answer from SH-PD-ROGUE" "the provider's fault")
    [ "$log_after" -gt "$log_before" ] && pass "$lie_name: logged as the provider's fault" \
        || fail "$lie_name: logged as the provider's fault" "$(tail -3 "$WORK/tax.log")"
    eventually "$lie_name: audited as refused" "SH-PD-ROGUE.*BAD_ANSWER" 0 \
        "$SLUICE" audit show --log "$F/tax/state/audit.db" --last 1
}
# answered NAME PATTERN MODE ITEM FIELDS [rogue args]: the answer comes through
answered () {
    lie_name=$1; lie_pattern=$2; shift 2
    lie "$lie_name" "$@"
    if [ "$LIE_RC" = 0 ] && echo "$LIE_OUTPUT" | grep -Eq -- "$lie_pattern"; then
        pass "$lie_name"
    else
        fail "$lie_name" "exit $LIE_RC (wanted 0): $LIE_OUTPUT"
    fi
}

# Without the provider's catalog: what the query and the protocol allow
answered "lying provider: the control, an honest answer, comes through" "OK \(1 row\)" \
    honest rogue-record name
refused "field not asked for" extra-field rogue-record name
refused "NOT_FOUND with a row" not-found-rows rogue-record name
refused "an answer for another item" wrong-item rogue-record name
refused "OK without a row" ok-no-rows rogue-record name
refused "more rows than any item gives" too-many-rows rogue-list ""
refused "a value no field type has" bad-value rogue-record name
refused "an ERROR that says OK" error-ok rogue-record name

# With the catalog the provider published (the consumer fetches it)
answered "lying provider publishes its catalog, answers honestly" "OK \(1 row\)" \
    honest rogue-record name --catalog "$WORK/rogue-catalog.cfg"
eventually "the consumer holds the lying provider's catalog" "SH-PD-ROGUE +rogue-record" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg"
refused "a field the published catalog does not have" unlisted-field rogue-record ""
refused "two rows for a record item" record-rows rogue-record ""
refused "a field above the consumer's clearance" above-clearance rogue-record ""
refused "a value not of the field's published type" wrong-type rogue-record name
answered "two rows of a list item (max-rows 3) come through" "OK \(2 rows\)" \
    record-rows rogue-list ""
# A newer catalog (a higher version) that says it was issued 10 minutes
# ago, before the one the consumer holds (as after a clock set back): the
# version decides, so an answer with its new field comes through
sed -e 's|^        field = "secret"|        field = "note"\
            type = "text"\
            sensitivity = 0\
        field = "secret"|' "$WORK/rogue-catalog.cfg" >"$WORK/rogue-catalog-2.cfg"
answered "a newer catalog issued earlier replaces the one held: its new field comes through" \
    "OK \(1 row\)" honest rogue-record name,note --catalog "$WORK/rogue-catalog-2.cfg" \
    --backdate-ms 600000
check "answers: the consumer's audit log is intact" "$SLUICE" audit verify \
    --log "$F/tax/state/audit.db" --cert "$F/tax/SH-PD-TAX.cert"
finish
