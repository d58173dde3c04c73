#!/bin/sh
# The Pudong demo: three departments of Pudong New Area share regulatory
# information through Sluice, on this machine only (loopback).
#
#   sh examples/pudong/demo.sh BIN        (make demo runs it on build/bin)
#
# Builds a fresh federation in build/demo (examples/pudong/federation.sh,
# 5000 generated enterprises), starts the broker and the three department
# gateways, and shows, one query at a time, what is shared and what is
# refused, and why. Every process it starts is stopped when it ends, also
# on an error or Ctrl-C. Exit 0 when every step gave the expected answer.
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
say "generated enterprises, catalogs and signed agreements ..."

rm -rf "$DIR" || fail "cannot remove the old $DIR"
PORT=$((40000 + $$ % 20000))
attempt=0
while :; do
    attempt=$((attempt + 1))
    while port_taken "$PORT"; do PORT=$((40000 + (PORT - 40000 + 7) % 20000)); done
    rm -rf "$DIR"
    mkdir -p "$LOGS" || fail "cannot create $LOGS"
    sh examples/pudong/federation.sh "$BIN" "$DIR" "$PORT" "$ENTERPRISES" \
        >"$LOGS/setup.log" 2>&1 \
        || fail "building the federation failed" "$LOGS/setup.log"
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
say "are in $LOGS/. Agreements in force (* = both signatures verified):"
for file in "$DIR"/msa/agreements/*.agreement "$DIR"/tax/agreements/*.agreement \
            "$DIR"/fda/agreements/*.agreement; do
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

# --- the end --------------------------------------------------------------------
say ""
say "The federation stays in $DIR (configs, catalogs, agreements, audit logs,"
say "databases); daemon logs are in $LOGS/. Run again: make demo."
[ -z "$UNEXPECTED" ] || fail "some steps did not give the expected answer:$UNEXPECTED"
stop_all
