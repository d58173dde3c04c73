#!/bin/sh
# The Pudong demo: three departments of Pudong New Area share regulatory
# information through Sluice, on this machine only (loopback).
#
#   sh examples/pudong/demo.sh BIN        (make demo runs it on build/bin)
#
# Builds a fresh federation in build/demo (examples/pudong/federation.sh,
# 5000 generated enterprises, the signed agreements left staged in
# build/demo/agreements), starts the broker and the three department
# gateways, has the admins register the agreements through the broker, and
# shows, one query at a time, what is shared and what is refused, and why;
# then an order (点菜) filed and accepted, an agreement revoked, a notice
# with dual feedback (双告知、双反馈), an alert (监管预警), and a
# department's certificate revoked. Every process it starts is stopped when
# it ends, also on an error or Ctrl-C. Exit 0 when every step gave the
# expected answer.
set -u

ENTERPRISES=5000
OFFICER_TAX="Wang Fang"
OFFICER_FDA="Li Na"
OFFICER_MSA="Zhang Wei"

PIDS=""                 # "name:pid" of every process started here
STARTED=no              # whether any was started at all
UNEXPECTED=""           # steps that did not give the expected answer

if [ -t 1 ] && [ "${TERM:-dumb}" != dumb ]; then
    BOLD=$(printf '\033[1m'); PLAIN=$(printf '\033[0m')
else
    BOLD=""; PLAIN=""
fi

say () { printf '%s\n' "$*"; }
fail () {   # message [log file...]
    say "" >&2
    say "demo: $1" >&2
    shift
    for log in "$@"; do
        [ -f "$log" ] || continue
        if [ -s "$log" ]; then
            say "demo: last lines of $log:" >&2
            tail -n 15 "$log" | sed 's/^/  | /' >&2
        else
            say "demo: $log is empty" >&2
        fi
    done
    exit 1
}

# --- where things are -------------------------------------------------------
BIN_ARG=${1:-build/bin}
for program in sluice sluice-broker sluice-gateway sluice-gendata; do
    [ -x "$BIN_ARG/$program" ] \
        || fail "no $program in '$BIN_ARG' (build first: make all)"
done
BIN_ABS=$(cd "$BIN_ARG" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || fail "cannot enter $ROOT"
#   Commands are run, and shown, relative to the repository
case $BIN_ABS in
    "$ROOT"/*) BIN=${BIN_ABS#"$ROOT"/} ;;
    *)         BIN=$BIN_ABS ;;
esac
DIR=build/demo
LOGS=$DIR/logs
SLUICE=$BIN/sluice

# --- processes ----------------------------------------------------------------
# Stops every process started here: SIGTERM, up to 5 s, then SIGKILL.
# Gateways first, then the broker. Ends with a line saying all are stopped.
stop_all () {
    if [ -z "$PIDS" ]; then
        [ "$STARTED" = no ] && say "The demo had started no process yet; nothing is left running."
        STARTED=reported
        return 0
    fi
    count=0; killed=""; failed=""; names=""
    for group in gateway broker; do
        pids=""
        for entry in $PIDS; do
            case ${entry%%:*} in
                broker) [ $group = broker ] || continue ;;
                *)      [ $group = gateway ] || continue ;;
            esac
            pid=${entry#*:}
            kill -TERM "$pid" 2>/dev/null
            pids="$pids $entry"
        done
        for _ in $(seq 1 50); do
            alive=""
            for entry in $pids; do
                kill -0 "${entry#*:}" 2>/dev/null && alive="$alive $entry"
            done
            [ -z "$alive" ] && break
            sleep 0.1
        done
        for entry in $alive; do
            kill -KILL "${entry#*:}" 2>/dev/null
            killed="$killed ${entry%%:*}"
        done
        for entry in $pids; do
            wait "${entry#*:}" 2>/dev/null; rc=$?
            count=$((count + 1))
            case ${entry%%:*} in
                broker) names="${names:+$names and }the broker" ;;
                *)      names="${names:+$names, }${entry%%:*}" ;;
            esac
            [ "$rc" = 0 ] || failed="$failed ${entry%%:*}($rc)"
        done
    done
    PIDS=""
    case $names in
        the\ broker) ;;
        *) names="the gateways of $names" ;;
    esac
    say ""
    if [ -n "$killed" ]; then
        say "Stopped $names; these did not stop on SIGTERM within 5 s and were"
        say "killed:$killed."
    elif [ -n "$failed" ]; then
        say "Stopped $names; exit status not 0:$failed (see $LOGS/)."
    else
        say "Stopped $names, each cleanly on SIGTERM."
    fi
    say "All $count processes the demo started are stopped; nothing is left running."
}
trap stop_all EXIT
trap 'say ""; say "demo: interrupted"; exit 130' INT
trap 'say ""; say "demo: terminated"; exit 143' TERM

start () {   # name log command...
    name=$1; log=$2; shift 2
    "$@" </dev/null >>"$log" 2>&1 &
    PIDS="$PIDS $name:$!"
    STARTED=yes
    LAST_PID=$!
}
forget () {  # pid: a process that has already exited
    wait "$1" 2>/dev/null
    kept=""
    for other in $PIDS; do [ "${other#*:}" = "$1" ] || kept="$kept $other"; done
    PIDS=$kept
}

# Broker bound and running: "listening" in its log, or still alive after 2 s.
# Returns 0, 1 if it exited because the port is taken, fails otherwise.
broker_up () {
    for _ in $(seq 1 20); do
        if ! kill -0 "$BROKER_PID" 2>/dev/null; then
            forget "$BROKER_PID"
            grep -q "cannot bind" "$LOGS/broker.log" && return 1
            fail "the broker stopped at start-up (log: $LOGS/broker.log)" "$LOGS/broker.log"
        fi
        grep -q "listening on" "$LOGS/broker.log" && return 0
        sleep 0.1
    done
    return 0
}
port_taken () {
    command -v ss >/dev/null 2>&1 || return 1
    ss -ltn 2>/dev/null | awk '{ print $4 }' | grep -q "[:.]$1\$"
}

# --- how each step is shown ---------------------------------------------------
heading () { say ""; say "${BOLD}$*${PLAIN}"; }
quote () {
    case $1 in
        '' | *[!A-Za-z0-9_./:,=@%+-]*)
            printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
        *)  printf '%s' "$1" ;;
    esac
}
# Prints a command as it can be pasted into a shell, each option kept with
# its value, continued with \ past 78 columns
show () {
    line="\$"; group=""
    for arg in "$@"; do
        case $arg in --*) show_group ;; esac
        group="$group $(quote "$arg")"
    done
    show_group
    say "$line"
}
show_group () {
    [ -n "$group" ] || return 0
    if [ $((${#line} + ${#group})) -gt 78 ] && [ "$line" != "\$" ]; then
        say "$line \\"; line="   "
    fi
    line="$line$group"; group=""
}
# Shows a command, runs it, shows its output; OUT and RC hold them
run () {
    show "$@"
    OUT=$("$@" 2>&1); RC=$?
    [ -n "$OUT" ] && say "$OUT"
}
# The step gave exit status CODE and output matching PATTERN, or it is noted
expect () {  # step code pattern
    if [ "$RC" != "$2" ] || ! printf '%s\n' "$OUT" | grep -Eq -- "$3"; then
        say "!! step $1: unexpected answer (exit $RC, wanted $2 and /$3/)"
        UNEXPECTED="$UNEXPECTED $1"
        return 1
    fi
    return 0
}
# Silently runs a command until its output matches PATTERN (ERE), up to
# SECONDS; returns 1 if it never did
wait_for () {  # seconds pattern command...
    until_s=$(($(date +%s) + $1)); pattern=$2; shift 2
    while :; do
        "$@" 2>/dev/null | grep -Eq -- "$pattern" && return 0
        [ "$(date +%s)" -lt "$until_s" ] || return 1
        sleep 0.1
    done
}
now_ms () {
    ms=$(date +%s%3N 2>/dev/null)
    case $ms in '' | *[!0-9]*) ms=$(($(date +%s) * 1000)) ;; esac
    printf '%s\n' "$ms"
}
explain () {  # line...: the first after "-> ", the others indented
    prefix="-> "
    for text in "$@"; do say "$prefix$text"; prefix="   "; done
}
field () {   # name: the value of one field in OUT
    printf '%s\n' "$OUT" | awk -v f="$1" '$1 == f { $1 = ""; sub (/^ +/, ""); print; exit }'
}
query () {   # from officer role purpose to item key [more]
    from=$1; officer=$2; role=$3; purpose=$4; to=$5; item=$6; key=$7; shift 7
    run "$SLUICE" query --config "$DIR/$from/gateway.cfg" --to "$to" --item "$item" \
        --key "$key" "$@" --purpose "$purpose" --officer "$officer" --role "$role"
}

# --- the federation -----------------------------------------------------------
say "${BOLD}The Pudong demo: sharing regulatory information without pooling it${PLAIN}"
say ""
say "Three departments of Pudong New Area each keep their own database and"
say "run their own gateway; a broker only routes sealed messages between them."
say "  SH-PD-MSA  market supervision (企业登记, the enterprise register)"
say "  SH-PD-TAX  tax bureau (纳税人)"
say "  SH-PD-FDA  food and drug administration (食品安全)"
say ""
say "Building the federation in $DIR: authority, certificates, $ENTERPRISES"
say "generated enterprises, catalogs, and agreements signed by both sides ..."

rm -rf "$DIR" || fail "cannot remove the old $DIR"
PORT=$((40000 + $$ % 20000))
attempt=0
while :; do
    attempt=$((attempt + 1))
    while port_taken "$PORT"; do PORT=$((40000 + (PORT - 40000 + 7) % 20000)); done
    rm -rf "$DIR"
    mkdir -p "$LOGS" || fail "cannot create $LOGS"
    SLUICE_INSTALL_AGREEMENTS=0 \
        sh examples/pudong/federation.sh "$BIN" "$DIR" "$PORT" "$ENTERPRISES" \
        >"$LOGS/setup.log" 2>&1 \
        || fail "building the federation failed" "$LOGS/setup.log"
    #   The tax bureau's systems reach its gateway over HTTP too (step 7d)
    sed -i 's|^    local = "ipc://state/local.ipc"$|&\n    http = "state/http.sock"|' \
        "$DIR/tax/gateway.cfg" || fail "cannot set the tax gateway's HTTP socket"
    start broker "$LOGS/broker.log" "$BIN/sluice-broker" \
        --config "$DIR/broker/broker.cfg" --log-level warning
    BROKER_PID=$LAST_PID
    broker_up && break
    [ $attempt -lt 5 ] || fail "no free port for the broker after $attempt tries" "$LOGS/broker.log"
    PORT=$((40000 + (PORT - 40000 + 101) % 20000))
done

for dept in msa tax fda; do
    start "$dept" "$LOGS/$dept.log" "$BIN/sluice-gateway" \
        --config "$DIR/$dept/gateway.cfg" --log-level warning
done
# Each gateway registered with the broker and knows the three departments
registered () {   # dept
    [ -S "$DIR/$1/state/local.ipc" ] || return 1
    status=$("$SLUICE" status --config "$DIR/$1/gateway.cfg" 2>/dev/null) || return 1
    printf '%s\n' "$status" | grep -q "registered.*yes" || return 1
    certs=$(printf '%s\n' "$status" | awk '$1 == "certificates" { print $2 }')
    [ -z "$certs" ] || [ "$certs" -ge 3 ]
}
waiting="msa tax fda"
deadline=$(($(date +%s) + 15))
while [ -n "$waiting" ]; do
    for entry in $PIDS; do
        kill -0 "${entry#*:}" 2>/dev/null && continue
        name=${entry%%:*}
        log=$LOGS/$name.log
        [ "$name" = broker ] || name="$name gateway"
        fail "the $name stopped at start-up (log: $log)" "$log"
    done
    still=""
    for dept in $waiting; do registered "$dept" || still="$still $dept"; done
    waiting=$still
    [ -z "$waiting" ] && break
    [ "$(date +%s)" -lt "$deadline" ] || {
        first=${waiting# }; first=${first%% *}
        fail "the $first gateway did not register with the broker within 15 s" \
            "$LOGS/$first.log" "$LOGS/broker.log"
    }
    sleep 0.2
done

say "The broker (tcp://127.0.0.1:$PORT) and three gateways are up; their logs"
say "are in $LOGS/. No agreement is in force yet. Signed, waiting in"
say "$DIR/agreements/ (* = both signatures verified):"
for file in "$DIR"/agreements/*.agreement; do
    "$SLUICE" agreement show --file "$file" --authority "$DIR/authority/authority.pub" \
        --certs "$DIR/broker/certs" 2>/dev/null | awk '
        $1 == "agreement" { id = $2 }
        $1 == "provider"  { provider = $2; sub (/^SH-PD-/, "", provider) }
        $1 == "consumer"  { consumer = $2; sub (/^SH-PD-/, "", consumer) }
        $1 == "item"      { item = $2 }
        $1 == "fields"    { $1 = ""; sub (/^ /, ""); gsub (/ /, ", "); fields = $0 }
        /\(signed\)/    { signed++ }
        END { if (id) printf "  %s %s  %s to %s  %s: %s\n", signed == 2? "*": " ",
                             id, provider, consumer, item, fields }'
done | sort -u
KEY=$(head -1 "$DIR/data/sample-keys.txt")
[ -n "$KEY" ] || fail "no sample key in $DIR/data/sample-keys.txt"

# --- 0: catalogs and agreements -------------------------------------------------
heading "0. The departments publish their catalogs; the admins register their agreements"
say "   Each gateway publishes its catalog's metadata through the broker: what"
say "   exists, its share class and fields, never the data itself."
#   Each gateway publishes once it is registered; wait until all three have
for dept in FDA MSA TAX; do
    wait_for 10 "^SH-PD-$dept " "$SLUICE" catalog list --config "$DIR/tax/gateway.cfg"
done
run "$SLUICE" catalog list --config "$DIR/tax/gateway.cfg"
if expect 0a 0 "SH-PD-MSA +market-violations +conditional"; then
    items=$(printf '%s\n' "$OUT" | grep -c "^SH-PD-")
    explain "$items items of three departments: open to any member, conditional" \
            "(only under an agreement) or closed (never shared)."
fi

heading "0b. The admins register the signed agreements through their own gateways"
say "   Here the consumer's admin registers each one (the provider's could too);"
say "   the brokers deliver it to both gateways."
REGISTERED=""
for file in "$DIR"/agreements/AGR-*.agreement; do
    id=$(basename "$file" .agreement)
    rest=${id#AGR-}; provider=${rest%%-*}; rest=${rest#*-}; consumer=${rest%%-*}
    provider=$(printf '%s' "$provider" | tr 'A-Z' 'a-z')
    consumer=$(printf '%s' "$consumer" | tr 'A-Z' 'a-z')
    run "$SLUICE" agreement register --config "$DIR/$consumer/gateway.cfg" --file "$file"
    expect "0b $id" 0 "registered" && REGISTERED="$REGISTERED $id:$provider"
done
#   In force at each provider's gateway, which grants under it
for entry in $REGISTERED; do
    wait_for 10 "^${entry%%:*} +in force" \
        "$SLUICE" agreement list --config "$DIR/${entry#*:}/gateway.cfg"
done
heading "0c. MSA's gateway lists the agreements it is party to"
run "$SLUICE" agreement list --config "$DIR/msa/gateway.cfg"
in_force=$(printf '%s\n' "$OUT" | grep -c " in force ")
if expect 0c 0 "in force" && [ "$in_force" = 4 ]; then
    explain "all four in force: each provider's gateway checked both signatures" \
            "itself before granting anything under it."
elif [ "$RC" = 0 ]; then
    say "!! step 0c: unexpected answer ($in_force agreements in force, wanted 4)"
    UNEXPECTED="$UNEXPECTED 0c"
fi

say ""
say "Every query names an officer, a role and a purpose; both gateways write it"
say "to their own signed audit log. The enterprise asked about: $KEY."

# --- 1: open item ---------------------------------------------------------------
heading "1. The tax bureau looks up an enterprise's registration (an open item)"
say "   enterprise-basic is open in MSA's catalog: any member may read it."
query tax "$OFFICER_TAX" auditor tax-registration SH-PD-MSA enterprise-basic "$KEY"
expect 1 0 "OK \(1 row" \
    && explain "the whole record came back, read from MSA's own register:" \
               "$(field name), status $(field status), since $(field established)."

# --- 2: conditional item, agreed fields only -----------------------------------
heading "2. The tax bureau asks for the legal representative (a conditional item)"
say "   Agreement AGR-MSA-TAX-0001 grants only legal_rep and employees, for"
say "   tax registration, to auditors and inspectors."
query tax "$OFFICER_TAX" auditor tax-registration SH-PD-MSA enterprise-legal-rep "$KEY"
if expect 2a 0 "OK \(1 row" && ! printf '%s\n' "$OUT" | grep -q legal_rep_id; then
    fields=$(printf '%s\n' "$OUT" | awk 'NR > 1 && /^  [a-z_]/ { printf "%s%s", sep, $1; sep = " and " }')
    explain "only $fields came back: the agreement does not grant" \
            "legal_rep_id (the resident identity number, sensitivity 4)."
fi
heading "2b. The same officer asks explicitly for the identity number"
query tax "$OFFICER_TAX" auditor tax-registration SH-PD-MSA enterprise-legal-rep "$KEY" \
    --fields legal_rep,legal_rep_id
expect 2b 2 "FIELD_NOT_AGREED.*legal_rep_id" \
    && explain "refused as a whole (FIELD_NOT_AGREED): a field outside the" \
               "agreement is never returned, not even next to the agreed ones."

# --- 3: closed item -------------------------------------------------------------
heading "3. The food and drug administration asks for tax accounts (a closed item)"
say "   taxpayer-accounts is closed in the tax bureau's catalog, whoever asks."
query fda "$OFFICER_FDA" inspector joint-inspection SH-PD-TAX taxpayer-accounts "$KEY"
expect 3 2 "ITEM_CLOSED" \
    && explain "refused (ITEM_CLOSED), citing the legal basis written in the" \
               "tax bureau's catalog; no agreement can open a closed item."

# --- 4: no agreement ------------------------------------------------------------
heading "4. The food and drug administration asks for taxpayer status (no agreement)"
say "   taxpayer-status is shared only under an agreement; MSA has one, FDA has none."
query fda "$OFFICER_FDA" inspector credit-supervision SH-PD-TAX taxpayer-status "$KEY"
expect 4 2 "NO_AGREEMENT" \
    && explain "refused (NO_AGREEMENT): the tax bureau has signed no agreement" \
               "with SH-PD-FDA for this item."

# --- 5: invalid key -------------------------------------------------------------
case $KEY in *0) BAD=${KEY%?}1 ;; *) BAD=${KEY%?}0 ;; esac
heading "5. The tax bureau asks with a mistyped credit code (last character changed)"
say "   A USCC's 18th character is a check character; $BAD fails it."
query tax "$OFFICER_TAX" auditor tax-registration SH-PD-MSA enterprise-basic "$BAD"
expect 5 2 "INVALID_KEY" \
    && explain "refused (INVALID_KEY): MSA's gateway checks every key before" \
               "anything else touches it."
heading "5b. MSA's own audit log: the refusal is recorded, no data was read"
#   The gateway writes its audit log in batches every few milliseconds
for _ in $(seq 1 30); do
    "$SLUICE" audit show --log "$DIR/msa/state/audit.db" --last 1 2>/dev/null \
        | grep -q "INVALID_KEY" && break
    sleep 0.1
done
run "$SLUICE" audit show --log "$DIR/msa/state/audit.db" --last 5
seq=$(printf '%s\n' "$OUT" | awk '/INVALID_KEY/ { seq = $1 } END { print seq }')
expect 5b 0 "$BAD.*INVALID_KEY" \
    && explain "record $seq: refused INVALID_KEY with no fields ('-'): the key was" \
               "refused before any access to MSA's database. The requests of" \
               "steps 1 and 2 are there too, with officer, purpose and fields."

# --- 6: a list under agreement --------------------------------------------------
heading "6. Market supervision asks for an enterprise's food inspections (a list)"
say "   Agreement AGR-FDA-MSA-0001 grants inspected, result, inspector_unit and"
say "   score, for joint inspection; the inspectors' notes are not shared."
query msa "$OFFICER_MSA" inspector joint-inspection SH-PD-FDA food-inspections "$KEY"
if expect 6 0 "OK \([0-9]+ rows?" && ! printf '%s\n' "$OUT" | grep -q "^  notes"; then
    rows=$(printf '%s\n' "$OUT" | sed -n 's/.*OK (\([0-9]*\) rows\{0,1\}.*/\1/p' | head -1)
    explain "$rows inspections came back, newest first, with the four agreed" \
            "fields only."
fi

# --- 7: audit and status --------------------------------------------------------
heading "7. Both ends verify their audit logs, and MSA's gateway reports its state"
say "   Each log is hash-chained and signed with the department's own key."
run "$SLUICE" audit verify --log "$DIR/msa/state/audit.db" --cert "$DIR/msa/SH-PD-MSA.cert"
expect 7a 0 "intact"
run "$SLUICE" audit verify --log "$DIR/tax/state/audit.db" --cert "$DIR/tax/SH-PD-TAX.cert"
expect 7b 0 "intact" \
    && explain "both logs are intact: no record was changed, removed or" \
               "reordered since it was written."
run "$SLUICE" status --config "$DIR/msa/gateway.cfg"
expect 7c 0 "registered.*yes" \
    && explain "MSA is registered with the broker; it served $(field served) queries," \
               "refused $(field refused) and asked other departments $(field asked) time(s)."

heading "7d. The tax bureau's own system asks over HTTP and JSON (the local API)"
say "   Its gateway serves the same local API on a unix socket (gateway/http):"
say "   the kernel names the caller, who is audited as itself."
run curl -s --unix-socket "$DIR/tax/state/http.sock" \
    -d "{\"to\":\"SH-PD-MSA\",\"item\":\"enterprise-basic\",\"key\":\"$KEY\",\"purpose\":\"tax-registration\",\"officer\":\"$OFFICER_TAX\",\"role\":\"auditor\"}" \
    http://localhost/v1/query
expect 7d 0 '"status":"OK"' \
    && explain "the same answer as step 1, as JSON: one object with the status," \
               "the answering department and the rows (docs/http.md)."

# --- 8: an order ---------------------------------------------------------------
#   An enterprise with a market violation: the first sample key has one
VKEY=$KEY
if command -v sqlite3 >/dev/null 2>&1; then
    found=$(sqlite3 "$DIR/data/market.db" \
        "SELECT uscc FROM violation ORDER BY uscc = '$KEY' DESC, uscc LIMIT 1" 2>/dev/null)
    [ -n "$found" ] && VKEY=$found
fi
ORDER=ORD-TAX-0001
DRAFT=$DIR/agreements/AGR-$ORDER.agreement
heading "8. Ordering data (点菜): the tax bureau asks for what is not offered to it"
say "   TAX wants MSA's administrative penalties (market-violations: case_no,"
say "   kind, penalty) to assess tax risk; no agreement grants them to TAX."
query tax "$OFFICER_TAX" auditor tax-risk SH-PD-MSA market-violations "$VKEY" \
    --fields case_no,kind,penalty
expect 8a 2 "NO_AGREEMENT" \
    && explain "refused (NO_AGREEMENT), as expected: TAX files an order instead."
heading "8b. The tax bureau files an order, citing its legal basis"
run "$SLUICE" order file --config "$DIR/tax/gateway.cfg" --to SH-PD-MSA \
    --item market-violations --fields case_no,kind,penalty --purpose tax-risk \
    --legal-basis "《税收征收管理法》第五条 协税护税" --id "$ORDER"
expect 8b 0 "registered"
wait_for 10 "^$ORDER +open" "$SLUICE" order list --config "$DIR/msa/gateway.cfg"
run "$SLUICE" order list --config "$DIR/msa/gateway.cfg"
age=$(printf '%s\n' "$OUT" | awk -v id="$ORDER" '$1 == id { print $3 }')
expect 8b 0 "^$ORDER +open +[0-9]+ +SH-PD-TAX +SH-PD-MSA" \
    && explain "MSA sees the order, open for $age s: it must accept or refuse it" \
               "(refusing cites a legal basis); open orders and their age are" \
               "counted in the supervision figures."
heading "8c. MSA accepts; both sign the prefilled draft and TAX's admin registers it"
run "$SLUICE" order accept --config "$DIR/msa/gateway.cfg" --id "$ORDER" \
    --roles auditor --out "$DRAFT"
expect 8c 0 "written"
run "$SLUICE" agreement sign --cert "$DIR/msa/SH-PD-MSA.cert_secret" --file "$DRAFT"
expect 8c 0 "signed"
run "$SLUICE" agreement sign --cert "$DIR/tax/SH-PD-TAX.cert_secret" --file "$DRAFT"
expect 8c 0 "signed"
run "$SLUICE" agreement register --config "$DIR/tax/gateway.cfg" --file "$DRAFT"
expect 8c 0 "registered"
wait_for 10 "^AGR-$ORDER +in force" "$SLUICE" agreement list --config "$DIR/msa/gateway.cfg"
wait_for 10 "^$ORDER +accepted" "$SLUICE" order list --config "$DIR/tax/gateway.cfg"
run "$SLUICE" order list --config "$DIR/tax/gateway.cfg"
expect 8c 0 "^$ORDER +accepted.*AGR-$ORDER" \
    && explain "the order is answered: accepted, under agreement AGR-$ORDER" \
               "(the ordered item, fields and purpose; for auditors)."
heading "8d. The tax bureau asks again"
query tax "$OFFICER_TAX" auditor tax-risk SH-PD-MSA market-violations "$VKEY" \
    --fields case_no,kind,penalty
expect 8d 0 "OK \([0-9]+ rows?, agreement AGR-$ORDER" \
    && explain "granted under AGR-$ORDER, seconds after the order was filed;" \
               "no file was copied to a gateway, no gateway restarted."

# --- 9: revoking an agreement ---------------------------------------------------
heading "9. MSA revokes the agreement"
say "   Only the provider can; the brokers deliver the revocation to both ends."
start_ms=$(now_ms)
run "$SLUICE" agreement revoke --config "$DIR/msa/gateway.cfg" --id "AGR-$ORDER" \
    --reason "tax-risk review closed"
expect 9a 0 "registered"
wait_for 10 "NO_AGREEMENT" "$SLUICE" query --config "$DIR/tax/gateway.cfg" --to SH-PD-MSA \
    --item market-violations --key "$VKEY" --fields case_no,kind,penalty \
    --purpose tax-risk --officer "$OFFICER_TAX" --role auditor
elapsed=$(($(now_ms) - start_ms))
if [ "$elapsed" -lt 100 ]; then
    elapsed="less than 0.1 s"
else
    elapsed="$((elapsed / 1000)).$((elapsed % 1000 / 100)) s"
fi
query tax "$OFFICER_TAX" auditor tax-risk SH-PD-MSA market-violations "$VKEY" \
    --fields case_no,kind,penalty
expect 9b 2 "NO_AGREEMENT" \
    && explain "refused (NO_AGREEMENT), $elapsed after the revocation:" \
               "MSA's gateway grants nothing more under AGR-$ORDER."
wait_for 10 "^AGR-$ORDER +revoked" "$SLUICE" agreement list --config "$DIR/tax/gateway.cfg"
run "$SLUICE" agreement list --config "$DIR/tax/gateway.cfg"
expect 9c 0 "^AGR-$ORDER +revoked" \
    && explain "the tax bureau was told: its list shows AGR-$ORDER revoked."

# --- 10: a notice with dual feedback ---------------------------------------------
heading "10. Market supervision registers a restaurant and tells FDA (双告知)"
say "   FDA's catalog accepts notices of kind license-required about a credit"
say "   code; MSA's gateway checks the notice against it, stores it and sends"
say "   it, again and again, until FDA's signed receipt comes."
run "$SLUICE" notice send --config "$DIR/msa/gateway.cfg" --to SH-PD-FDA \
    --kind license-required --key-type uscc --key "$KEY" --field name=浦东测试餐饮有限公司 \
    --field business=餐饮服务 --field seats=60 --basis "《食品安全法》第三十五条" \
    --officer "$OFFICER_MSA"
expect 10a 0 "^notice [0-9a-f]{32}: sent"
NOTICE=$(printf '%s\n' "$OUT" | sed -n 's/^notice \([0-9a-f]\{32\}\): .*/\1/p')
wait_for 10 "state +delivered" "$SLUICE" notice show --config "$DIR/msa/gateway.cfg" "$NOTICE"
run "$SLUICE" notice list --config "$DIR/msa/gateway.cfg" --sent
expect 10a 0 "^$NOTICE +delivered +SH-PD-FDA" \
    && explain "delivered: FDA's gateway holds it durably, and its signed receipt" \
               "is in MSA's store and audit log."
heading "10b. FDA's own system waits for notices, takes it, and feeds back (双反馈)"
run "$SLUICE" notice wait --config "$DIR/fda/gateway.cfg" --timeout-ms 10000
expect 10b 0 "^new: 1 notices"
run "$SLUICE" notice take --config "$DIR/fda/gateway.cfg"
expect 10b 0 "^$NOTICE +SH-PD-MSA +license-required"
wait_for 10 "state +received" "$SLUICE" notice show --config "$DIR/msa/gateway.cfg" "$NOTICE"
run "$SLUICE" notice list --config "$DIR/msa/gateway.cfg" --sent
expect 10b 0 "^$NOTICE +received +SH-PD-FDA" \
    && explain "received: FDA's system took it (接收), and MSA holds that receipt too."
run "$SLUICE" notice feedback --config "$DIR/fda/gateway.cfg" "$NOTICE" \
    --result licence-issued --reason "JY23101150000001" --officer "$OFFICER_FDA"
expect 10b 0 "handled"
wait_for 10 "state +handled" "$SLUICE" notice show --config "$DIR/msa/gateway.cfg" "$NOTICE"
heading "10c. MSA sees every state, each a signed receipt, and the receipt rate"
run "$SLUICE" notice list --config "$DIR/msa/gateway.cfg" --sent
expect 10c 0 "^$NOTICE +handled +SH-PD-FDA"
run "$SLUICE" notice stats --config "$DIR/msa/gateway.cfg"
expect 10c 0 "^recipient +SH-PD-FDA +1 +1 +1 +1 +0 +100" \
    && explain "delivered (FDA's gateway holds it), received (FDA's system took it)," \
               "handled (licence issued): 100% received, where the paper counts" \
               "29,339 of 29,437 (99.7%). Both audit logs hold every step."

# --- 11: an alert ------------------------------------------------------------------
heading "11. FDA raises a food and drug alert (监管预警) to every subscriber"
run "$SLUICE" alert subscribe --config "$DIR/msa/gateway.cfg" food-drug
expect 11a 0 "subscribed"
run "$SLUICE" alert subscribe --config "$DIR/tax/gateway.cfg" food-drug
expect 11a 0 "subscribed"
run "$SLUICE" alert raise --config "$DIR/fda/gateway.cfg" --topic food-drug \
    --severity orange --key-type uscc --key "$KEY" --officer "$OFFICER_FDA" \
    --text "三聚氰胺 found in a batch sold by this restaurant"
expect 11b 0 "^alert [0-9a-f]{32}: raised to 2 subscribers"
wait_for 10 "topic +food-drug +2 +2" "$SLUICE" alert stats --config "$DIR/fda/gateway.cfg"
heading "11b. Each subscriber's own system takes it (接收)"
run "$SLUICE" alert take --config "$DIR/msa/gateway.cfg"
expect 11c 0 "food-drug"
run "$SLUICE" alert take --config "$DIR/tax/gateway.cfg"
expect 11c 0 "food-drug"
wait_for 10 "topic +food-drug +2 +2 +2 +0 +100 +100" \
    "$SLUICE" alert stats --config "$DIR/fda/gateway.cfg"
run "$SLUICE" alert stats --config "$DIR/fda/gateway.cfg"
expect 11d 0 "topic +food-drug +2 +2 +2 +0 +100 +100" \
    && explain "every other department holds it and its system took it: each" \
               "receipt signed, the receipt rate 100%. One offline now would get" \
               "it when it comes back."

# --- 12: revoking a department --------------------------------------------------
heading "12. The authority revokes the food and drug administration's certificate"
say "   Say FDA's gateway key was compromised. The authority signs a new"
say "   revocation list and publishes it through the broker to every member."
run "$SLUICE" certs revoke --authority "$DIR/authority/authority.secret" \
    --crl "$DIR/authority/federation.crl" --department SH-PD-FDA \
    --reason "gateway key compromised" --publish "$DIR/msa/gateway.cfg"
expect 12a 0 "published"
heading "12b. Market supervision asks FDA for food inspections again (as in step 6)"
wait_for 10 "CERT_REVOKED" "$SLUICE" query --config "$DIR/msa/gateway.cfg" --to SH-PD-FDA \
    --item food-inspections --key "$KEY" --purpose joint-inspection \
    --officer "$OFFICER_MSA" --role inspector
query msa "$OFFICER_MSA" inspector joint-inspection SH-PD-FDA food-inspections "$KEY"
expect 12b 3 "CERT_REVOKED" \
    && explain "refused (CERT_REVOKED) by MSA's own gateway, which seals nothing" \
               "for a revoked certificate: agreement AGR-FDA-MSA-0001 is still" \
               "registered, but no member deals with FDA any more."
heading "12c. The food and drug administration asks MSA, under AGR-MSA-FDA-0001"
#   The broker closes FDA's connection and refuses it when it comes back;
#   FDA's gateway notices within a few heartbeats
wait_for 10 "registered +no" "$SLUICE" status --config "$DIR/fda/gateway.cfg"
query fda "$OFFICER_FDA" inspector joint-inspection SH-PD-MSA market-violations "$VKEY"
expect 12c 3 "NOT_REGISTERED|CERT_REVOKED"
run grep -m 2 "CERT_REVOKED" "$LOGS/broker.log"
expect 12c 0 "SH-PD-FDA" \
    && explain "FDA is cut off: the broker dropped its connection and refuses it" \
               "(CERT_REVOKED), so no query leaves FDA and none reaches it."

# --- the end --------------------------------------------------------------------
say ""
say "The federation stays in $DIR (configs, catalogs, the signed agreements,"
say "audit logs, databases); daemon logs are in $LOGS/."
say "Run again: make demo."
[ -z "$UNEXPECTED" ] || fail "some steps did not give the expected answer:$UNEXPECTED"
stop_all
