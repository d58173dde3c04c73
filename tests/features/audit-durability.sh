#!/bin/bash
# audit durability: an answer leaves only once its record is durable (SIGKILL under load), logs witness each other, a certificate renewed
. "$(dirname "$0")/../lib.sh"

# Audit logs through the real daemons: an answer leaves only once its
# record is durable (SIGKILL of the provider under load, several times);
# ids are remembered by message time across a crash and a restart; each
# side's log witnesses the other's, so a log cut back is caught; a
# department renews its certificate without losing its audit chain or its
# agreements; a missing file or one that is not an audit log says so.
fed_setup --check-as "audit federation set-up" --rogue --enterprises 500
AD_KEY=$(head -1 "$F/data/sample-keys.txt")
# The provider's replay window is 10 s here, so that the test of ids
# remembered by message time fits in a few seconds
sed -i 's/^    timeout-ms = 4000/    timeout-ms = 4000\n    replay-window-ms = 10000/' \
    "$F/msa/gateway.cfg"

ad_query () {   # item key [more args]: TAX asks MSA
    item=$1; key=$2; shift 2
    "$SLUICE" query --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item "$item" \
        --key "$key" --officer "Audit Officer" --purpose tax-registration --role auditor "$@"
}
ad_rogue () {   # attack [more args]: SH-PD-ROGUE asks MSA
    attack=$1; shift
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$F/rogue/SH-PD-ROGUE.cert_secret" \
        --to SH-PD-MSA --attack "$attack" --key "$AD_KEY" "$@"
}
ad_audit () {   # sluice audit verb args...
    "$SLUICE" audit "$@"
}
MSA_CERT="$F/msa/SH-PD-MSA.cert"
TAX_CERT="$F/tax/SH-PD-TAX.cert"
MSA_LOG="$F/msa/state/audit.db"
TAX_LOG="$F/tax/state/audit.db"
# The msgids of the provider's served records, sorted
ad_served () {
    sqlite3 -readonly "$MSA_LOG" "SELECT msgid FROM record WHERE direction = 'served'" \
        | LC_ALL=C sort
}

start_broker
start_gateway msa
start_gateway tax
check "audit federation: the provider registers" wait_registered msa
check "audit federation: the requester registers" wait_registered tax
eventually "audit federation: queries flow" "OK \(1 row\)" 0 ad_query enterprise-basic "$AD_KEY"

# --- Under load, the provider killed three times: every answer that came
# back has its record in the provider's log, and the chain is whole
"$BIN/sluice-bench" --config "$F/tax/gateway.cfg" --db "$F/data/market.db" \
    --to SH-PD-MSA --item enterprise-basic --purpose tax-registration \
    --officer "Load Officer" --role auditor --keys 200 --window 32 \
    --drive 1000000 --seconds 14 --answers "$WORK/ad-answers.txt" \
    >"$WORK/ad-drive.out" 2>&1 &
AD_DRIVE=$!
ad_records () {
    sqlite3 -readonly "$MSA_LOG" "SELECT count (*) FROM record" 2>/dev/null || echo 0
}
ad_has_records () { [ "$(ad_records)" -ge "$1" ]; }
killed=0
for round in 1 2 3; do
    # Kill only once answers flow again (at least 150 more records, 8 s at most)
    WAIT_SECONDS=8 wait_for ad_has_records $(($(ad_records) + 150))
    kill -KILL "$msa_PID" && killed=$((killed + 1))
    wait "$msa_PID" 2>/dev/null
    start_gateway msa
    wait_registered msa
done
wait $AD_DRIVE; drive_rc=$?
if [ "$drive_rc" = 0 ] && [ "$killed" = 3 ]; then
    pass "load: 3 SIGKILLs of the provider, every query answered or refused"
else
    fail "load: 3 SIGKILLs of the provider, every query answered or refused" \
        "killed $killed, driver exit $drive_rc: $(cat "$WORK/ad-drive.out")"
fi
grep ' OK$' "$WORK/ad-answers.txt" | cut -d' ' -f1 | LC_ALL=C sort >"$WORK/ad-ok.txt"
answered=$(wc -l <"$WORK/ad-ok.txt")
[ "$answered" -ge 1000 ] && pass "load: $answered answers received (at least 1000)" \
    || fail "load: at least 1000 answers received" "$(cat "$WORK/ad-drive.out")"
ad_served >"$WORK/ad-served.txt"
lost=$(LC_ALL=C comm -23 "$WORK/ad-ok.txt" "$WORK/ad-served.txt" | wc -l)
[ "$lost" = 0 ] && pass "load: every answer received has its record in the provider's log" \
    || fail "load: every answer received has its record in the provider's log" \
        "$lost of $answered answers have no served record, e.g.
$(LC_ALL=C comm -23 "$WORK/ad-ok.txt" "$WORK/ad-served.txt" | head -3)"
# ... and by the requester's own records: each answered query it logged
sqlite3 -readonly "$TAX_LOG" "SELECT msgid FROM record WHERE direction = 'asked'
    AND peer = 'SH-PD-MSA' AND status = 0" | LC_ALL=C sort >"$WORK/ad-asked.txt"
lost=$(LC_ALL=C comm -23 "$WORK/ad-asked.txt" "$WORK/ad-served.txt" | wc -l)
[ "$lost" = 0 ] && [ -s "$WORK/ad-asked.txt" ] \
    && pass "load: every answer the requester logged is in the provider's log" \
    || fail "load: every answer the requester logged is in the provider's log" "$lost missing"
expect "load: the provider's chain verifies after the kills" "intact" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT"
expect "load: the requester's log witnesses the provider's" "intact.*witnessed by.*[1-9][0-9]* of its records agree" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT" --witness "$TAX_LOG" --witness-cert "$TAX_CERT"
expect "load: the provider's log witnesses the requester's" "intact.*witnessed by.*[1-9][0-9]* of its records agree" 0 \
    ad_audit verify --log "$TAX_LOG" --cert "$TAX_CERT" --witness "$MSA_LOG" --witness-cert "$MSA_CERT"

# --- A disk that refuses the provider's commits (here another writer holds
# the audit log's lock): no answer leaves, the requester gets INTERNAL, never
# the data; once the disk is back the provider answers and its chain is whole
mkfifo "$WORK/ad-lock.fifo"
sqlite3 "$MSA_LOG" <"$WORK/ad-lock.fifo" >/dev/null 2>&1 &
AD_LOCK=$!
exec 7>"$WORK/ad-lock.fifo"
echo "BEGIN IMMEDIATE;" >&7
# No one else can write the provider's log once the other writer holds it
ad_locked () {
    ! sqlite3 "$MSA_LOG" "PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1
}
check "failing disk: another writer holds the provider's audit log" wait_for ad_locked
expect "failing disk: nothing is answered while the audit log cannot be written" \
    "INTERNAL.*audit log" 3 \
    ad_query enterprise-basic "$AD_KEY" --timeout-ms 8000
refute "failing disk: no data reaches the requester" "OK \(|name  " 3 \
    ad_query enterprise-basic "$AD_KEY" --timeout-ms 1000
echo "ROLLBACK;" >&7
exec 7>&-
wait $AD_LOCK
eventually "failing disk: answers again once the disk is back" "OK \(1 row\)" 0 \
    ad_query enterprise-basic "$AD_KEY"
expect "failing disk: the chain is whole" "intact" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT"

# --- Ids remembered by message time, across a crash: a query answered the
# instant before a SIGKILL is refused as a replay after the restart; and a
# query whose sender's clock runs 8 s ahead stays a replay until its own
# time + the 10 s window, though it was served more than a window ago
expect "replay: a query from a clock 8 s ahead is answered" "status=OK" 0 \
    ad_rogue record --skew-ms 8000 --file "$WORK/ad-ahead.query"
ahead_at=$(date +%s%N)
expect "replay: a query answered, the provider killed the instant it arrives" "status=OK" 0 \
    ad_rogue record --kill "$msa_PID" --file "$WORK/ad-killed.query"
wait "$msa_PID" 2>/dev/null
check "replay: the provider is dead" gone "$msa_PID"
start_gateway msa
check "replay: the provider restarted" wait_registered msa
expect "replay: the answered query replayed after the crash: REPLAY" "status=REPLAY" 0 \
    ad_rogue resend --file "$WORK/ad-killed.query"
# Wait until more than a window (10 s) since it was served, less than its
# own time + window (18 s)
ad_since_ahead_ms () { echo $(( ($(date +%s%N) - ahead_at) / 1000000 )); }
ad_window_passed () { [ "$(ad_since_ahead_ms)" -ge 11000 ]; }
wait_for ad_window_passed
expect "replay: the query from a clock ahead replayed 11 s later: REPLAY" "status=REPLAY" 0 \
    ad_rogue resend --file "$WORK/ad-ahead.query"
[ "$(ad_since_ahead_ms)" -lt 17000 ] \
    && pass "replay: that replay came within the query's own window" \
    || fail "replay: that replay came within the query's own window" "too slow to judge"

# --- Each side's log witnesses the other's: a log cut back to an earlier
# checkpoint still verifies alone, and is caught by the other side's
sqlite3 "$MSA_LOG" ".backup '$WORK/ad-msa-cut.db'"
sqlite3 "$TAX_LOG" ".backup '$WORK/ad-tax-cut.db'"
for n in 1 2 3; do ad_query enterprise-basic "$AD_KEY" >/dev/null; done
expect "witness: three more answers" "OK \(1 row\)" 0 ad_query enterprise-basic "$AD_KEY"
expect "witness: the provider's log cut back verifies alone" "intact" 0 \
    ad_audit verify --log "$WORK/ad-msa-cut.db" --cert "$MSA_CERT"
expect "witness: ... but the requester's log catches it" "NOT INTACT: cut back: the answer to msgid [0-9a-f]{32} .* is record [0-9]+ of this log, but the log ends at record [0-9]+" 1 \
    ad_audit verify --log "$WORK/ad-msa-cut.db" --cert "$MSA_CERT" --witness "$TAX_LOG" --witness-cert "$TAX_CERT"
expect "witness: the requester's log cut back verifies alone" "intact" 0 \
    ad_audit verify --log "$WORK/ad-tax-cut.db" --cert "$TAX_CERT"
expect "witness: ... but the provider's log catches it" "NOT INTACT: cut back: witness record [0-9]+ .* holds this log's head at record [0-9]+, but the log ends at record [0-9]+" 1 \
    ad_audit verify --log "$WORK/ad-tax-cut.db" --cert "$TAX_CERT" --witness "$MSA_LOG" --witness-cert "$MSA_CERT"
expect "witness: the whole logs agree" "intact.*of its records agree" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT" --witness "$TAX_LOG" --witness-cert "$TAX_CERT"

# --- The asking side's records name the local caller (a column of its own),
# as the local API identified it from the connection: the user running the
# tests; the serving side's records name none
AD_CALLER="$(id -un) \(uid $(id -u)\)"
expect "audit show: the requester's record names the local caller, before the officer" \
    "	asked	SH-PD-MSA	$AD_CALLER	Audit Officer	tax-registration	" 0 \
    ad_audit show --log "$TAX_LOG" --last 3
expect "audit show: the provider's record names no local caller" \
    "	served	SH-PD-TAX	-	Audit Officer	tax-registration	" 0 \
    ad_audit show --log "$MSA_LOG" --last 3

# --- Files that are not there, or not audit logs, say so (not NOT INTACT)
expect "audit verify: a missing file says so, exit 66" "no such file" 66 \
    ad_audit verify --log "$WORK/no-such-audit.db" --cert "$MSA_CERT"
refute "audit verify: a missing file is not reported NOT INTACT" "NOT INTACT" 66 \
    ad_audit verify --log "$WORK/no-such-audit.db" --cert "$MSA_CERT"
expect "audit show: a missing file, exit 66" "no such file" 66 \
    ad_audit show --log "$WORK/no-such-audit.db"
expect "audit verify: a database that is not an audit log, exit 65" "not a Sluice audit log" 65 \
    ad_audit verify --log "$F/data/market.db" --cert "$MSA_CERT"
expect "audit verify: a text file, exit 65" "not a Sluice audit log" 65 \
    ad_audit verify --log "$MSA_CERT" --cert "$MSA_CERT"
expect "audit verify: a missing witness, exit 66" "no such file" 66 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT" --witness "$WORK/none.db" --witness-cert "$TAX_CERT"
# A log of the earlier format (sluice-audit-1): still verified; a gateway
# does not continue it and says what to do
FDA_KEY=$(sed -n 's/^ *sign-key = "\([0-9a-f]*\)"/\1/p' "$F/fda/SH-PD-FDA.cert")
sqlite3 "$F/fda/state/audit.db" "
    CREATE TABLE meta (name TEXT PRIMARY KEY, value NOT NULL);
    CREATE TABLE record (seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,
        direction TEXT NOT NULL, msgid TEXT NOT NULL, peer TEXT NOT NULL,
        officer TEXT NOT NULL, purpose TEXT NOT NULL, item TEXT NOT NULL,
        key TEXT NOT NULL, fields TEXT NOT NULL, status INTEGER NOT NULL,
        decision TEXT NOT NULL, agreement TEXT NOT NULL,
        request_digest BLOB NOT NULL, response_digest BLOB NOT NULL, hash BLOB NOT NULL);
    CREATE TABLE checkpoint (seq INTEGER PRIMARY KEY, head BLOB NOT NULL,
        signature BLOB NOT NULL, time_ms INTEGER NOT NULL);
    INSERT INTO meta VALUES ('format', 'sluice-audit-1'), ('department', 'SH-PD-FDA'),
        ('sign_public', X'$FDA_KEY');"
expect "audit verify: a log of the earlier format still verifies" "intact, 0 records" 0 \
    ad_audit verify --log "$F/fda/state/audit.db" --cert "$F/fda/SH-PD-FDA.cert"
expect "a gateway does not continue an earlier-format log, and says what to do" \
    "earlier format sluice-audit-1.*move it aside" 1 \
    timeout -s KILL 30 "$BIN/sluice-gateway" --config "$F/fda/gateway.cfg"

# --- A department renews its certificate (new serial, new keys): its
# gateway goes on under the agreements signed with the old key, and the
# audit chain is verified across the renewal
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department SH-PD-MSA \
    --name "浦东新区市场监督管理局 Market Supervision" --clearance 3 --out "$F/msa-renewed" \
    >/dev/null 2>&1
OLD_SERIAL=$(sed -n 's/^ *serial = "\([0-9]*\)"/\1/p' "$MSA_CERT")
NEW_SERIAL=$(sed -n 's/^ *serial = "\([0-9]*\)"/\1/p' "$F/msa-renewed/SH-PD-MSA.cert")
check "renewal: a new certificate with a higher serial" test "$NEW_SERIAL" -gt "$OLD_SERIAL"
# The broker trusts both; every gateway learns the new one (and keeps the
# old one to verify what it signed). The renewed gateway starts only once
# the broker knows its new key.
ad_certificates () {
    "$SLUICE" status --config "$F/tax/gateway.cfg" | sed -n 's/^ *certificates *\([0-9]*\)$/\1/p'
}
certificates=$(ad_certificates)
cp "$F/msa-renewed/SH-PD-MSA.cert" "$F/broker/certs/SH-PD-MSA-renewed.cert"
eventually "renewal: the requester learns the new certificate through the broker" \
    "certificates +$((certificates + 1))$" 0 status_of tax
cp "$F/msa-renewed/SH-PD-MSA.cert" "$F/msa/SH-PD-MSA-renewed.cert"
cp "$F/msa-renewed/SH-PD-MSA.cert_secret" "$F/msa/SH-PD-MSA-renewed.cert_secret"
stop_clean "renewal: the provider stops" "$msa_PID"
sed 's/^    cert = "SH-PD-MSA.cert_secret"/    cert = "SH-PD-MSA-renewed.cert_secret"/' \
    "$F/msa/gateway.cfg" >"$F/msa/renewed.cfg"
expect "renewal: the gateway with the new key refuses the log until the renewal is recorded" \
    "signed with another key.*sluice audit renew" 1 \
    timeout -s KILL 30 "$BIN/sluice-gateway" --config "$F/msa/renewed.cfg"
expect "renewal: the old key signs the renewal into the log" "renewal recorded at record [0-9]+" 0 \
    ad_audit renew --log "$MSA_LOG" --cert "$F/msa/SH-PD-MSA.cert_secret" \
    --new-cert "$F/msa-renewed/SH-PD-MSA.cert" --authority "$F/authority/authority.pub"
expect "renewal: a second renewal by the old key is refused" "another key" 1 \
    ad_audit renew --log "$MSA_LOG" --cert "$F/msa/SH-PD-MSA.cert_secret" \
    --new-cert "$F/msa-renewed/SH-PD-MSA.cert"
cp "$F/msa/renewed.cfg" "$F/msa/gateway.cfg"
start_gateway msa
check "renewal: the renewed gateway registers with its new keys" wait_registered msa
eventually "renewal: an open item is answered" "OK \(1 row\)" 0 ad_query enterprise-basic "$AD_KEY"
expect "renewal: a conditional item is granted under the agreement signed with the old key" \
    "OK \(1 row, agreement AGR-MSA-TAX-0001\)" 0 ad_query enterprise-legal-rep "$AD_KEY"
expect "renewal: the chain verifies across the renewal, with both certificates" \
    "intact, [0-9]+ records, signed by SH-PD-MSA; renewed at record [0-9]+ to certificate serial $NEW_SERIAL" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT,$F/msa/SH-PD-MSA-renewed.cert"
expect "renewal: the new certificate alone does not vouch for the old segment" \
    "NOT INTACT: meta: the log's signing key" 1 \
    ad_audit verify --log "$MSA_LOG" --cert "$F/msa/SH-PD-MSA-renewed.cert"
expect "renewal: the old certificate alone does not vouch for the new segment" \
    "NOT INTACT: record [0-9]+: renewed to certificate serial $NEW_SERIAL, which is not among" 1 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT"
expect "renewal: the requester's log witnesses the provider's across the renewal" \
    "intact.*renewed at record.*witnessed by.*of its records agree" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT,$F/msa/SH-PD-MSA-renewed.cert" \
    --witness "$TAX_LOG" --witness-cert "$TAX_CERT"
# What a renewal means for agreements signed with the old key: they stand
# while the old certificate is valid and not revoked. Revoked (say the old
# key was lost), the running provider refuses them at once, with no
# restart, and the agreement must be signed again with the new key.
AD_RUNNING=$msa_PID
expect "renewal: the old certificate revoked" "published" 0 \
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/ad-federation.crl" --department SH-PD-MSA --serial "$OLD_SERIAL" \
    --reason "renewed; the old key is retired" --publish "$F/tax/gateway.cfg"
eventually "renewal: an agreement only the revoked key signed is no longer in force" \
    "NO_AGREEMENT" 2 ad_query enterprise-legal-rep "$AD_KEY"
check "renewal: refused by the provider still running, not restarted" \
    test "$msa_PID" = "$AD_RUNNING" -a -d "/proc/$msa_PID"
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA-renewed.cert_secret" \
    --file "$F/msa/agreements/AGR-MSA-TAX-0001.agreement" >/dev/null
stop_clean "renewal: the provider stops, the agreement signed again with the new key" "$msa_PID"
start_gateway msa
check "renewal: the provider registers with the agreement signed again" wait_registered msa
eventually "renewal: granted again under the agreement signed with the new key" \
    "OK \(1 row, agreement AGR-MSA-TAX-0001\)" 0 ad_query enterprise-legal-rep "$AD_KEY"
expect "renewal: the chain still verifies with both certificates" "intact" 0 \
    ad_audit verify --log "$MSA_LOG" --cert "$MSA_CERT,$F/msa/SH-PD-MSA-renewed.cert"

stop_clean "audit federation: the provider stops cleanly" "$msa_PID"
stop_clean "audit federation: the requester stops cleanly" "$tax_PID"
stop_clean "audit federation: the broker stops cleanly" "$BROKER_PID"
finish
