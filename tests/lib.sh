# shellcheck shell=bash disable=SC2034
# The fixture library of the feature scripts (tests/features/*.sh), which
# source it. It gives a feature the checks that count (pass, fail, check,
# expect, refute, eventually, logged, as_json), waits that poll their
# condition with a bound, a Pudong federation of its own on ports of its
# own, its daemons started with their logs recorded, and a clean end.
# tests/README.md describes it for a newcomer.
#
#   #!/bin/bash
#   # NAME: what the feature is, in the README's words (run.sh --list)
#   . "$(dirname "$0")/../lib.sh"
#   fed_setup              # $F: examples/pudong/federation.sh, ports $PORT up
#   fed_start              # the broker and the three gateways, registered
#   expect "open item" "OK \(1 row\)" 0 query tax SH-PD-MSA enterprise-basic "$KEY" \
#       --purpose p --role auditor
#   finish                 # stops what runs, checks the logs, prints the count
#
#   bash tests/features/NAME.sh [BIN]        (BIN: build/asan/bin by default)
#
# The last line a feature prints is "N passed, N failed"; it exits 0 only
# if nothing failed. Everything it writes is under $WORK (a fresh
# /tmp/sluice-NAME.*), removed at the end unless SLUICE_TEST_KEEP is set.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FEATURE=$(basename "$0" .sh)
BIN=$(cd "${1:-$ROOT/build/asan/bin}" 2>/dev/null && pwd) || {
    echo "$FEATURE: no such directory: ${1:-}"; echo "0 passed, 1 failed"; exit 1; }
SLUICE="$BIN/sluice"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-$FEATURE.XXXXXX")
F="$WORK/fed"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# How long a wait polls before it gives up (a bound, never a pause), and
# how long a daemon may take to stop after SIGTERM
WAIT_SECONDS=${WAIT_SECONDS:-20}
STOP_SECONDS=${STOP_SECONDS:-10}
PASSED=0
FAILED=0
PIDS=""             # every background process started, killed at the end
DAEMON_PIDS=()      # each daemon started, stopped and checked by finish,
DAEMON_LABELS=()    # with what its check calls it

# --- Ports: a block of 50 that nobody listens on. tests/run.sh gives each
# feature it runs at once a block of its own (SLUICE_TEST_PORT). Within a
# block: PORT and PORT + 1 the federation's two brokers, PORT + 10 to + 29
# the lying brokers (liar_start), PORT + 30 to + 49 what a feature needs.

# listening_ports: the TCP ports on which a socket listens (from /proc)
listening_ports () {
    local _ address state
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    while read -r _ address _ state _; do
        [ "$state" = 0A ] && echo $((16#${address##*:}))
    done
}
# ports_free FIRST COUNT: no TCP socket listens on those ports
ports_free () {
    local port
    for port in $(listening_ports); do
        [ "$port" -ge "$1" ] && [ "$port" -lt $(($1 + $2)) ] && return 1
    done
    return 0
}
# port_block COUNT: prints the first port of a free block of COUNT ports,
# derived from the pid, below the kernel's ephemeral ports (32768 up)
port_block () {
    local base=$((20000 + ($$ % 240) * 50)) _
    for _ in $(seq 1 240); do
        ports_free "$base" "$1" && break
        base=$((base + 50 > 32000 - $1 ? 20000 : base + 50))
    done
    echo "$base"
}
PORT=${SLUICE_TEST_PORT:-0}
ports_free "$PORT" 50 && [ "$PORT" -ge 1024 ] || PORT=$(port_block 50)
ENDPOINT="tcp://127.0.0.1:$PORT"
ENDPOINT2="tcp://127.0.0.1:$((PORT + 1))"
# wait_listening PORT: until a socket listens on it (read from /proc, so
# the daemon sees no connection)
wait_listening () { wait_for s_listening "$1"; }
s_listening () { listening_ports | grep -qx "$1"; }

# --- Checks. Each prints "ok      NAME" or "FAIL    NAME" with the output
# that failed, and counts. Every one that runs a command checks its exit
# code: a refusal is its code and its exit status, not only its words.
# EXIT is a number, or numbers with | between them ("0|1": either).

pass () { PASSED=$((PASSED + 1)); echo "ok      $1"; }
fail () {
    FAILED=$((FAILED + 1))
    echo "FAIL    $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20 | sed 's/^/        | /'
    return 0
}
# check NAME COMMAND...: passes if the command exits 0
check () {
    local name=$1 output; shift
    if output=$("$@" 2>&1); then pass "$name"; else fail "$name" "$output"; fi
}
# expect NAME PATTERN EXIT COMMAND...: exits EXIT, and stdout and stderr
# together match PATTERN (an ERE)
expect () {
    local name=$1 pattern=$2 code=$3 output rc; shift 3
    output=$("$@" 2>&1); rc=$?
    if s_exit_is "$rc" "$code" && printf '%s\n' "$output" | grep -Eq -- "$pattern"; then
        pass "$name"
    else
        fail "$name" "exit $rc (wanted $code), output:
$output"
    fi
}
s_exit_is () { [[ "$1" =~ ^($2)$ ]]; }
# refute NAME PATTERN EXIT COMMAND...: exits EXIT, and its output does not
# match PATTERN
refute () {
    local name=$1 pattern=$2 code=$3 output rc; shift 3
    output=$("$@" 2>&1); rc=$?
    if s_exit_is "$rc" "$code" && ! printf '%s\n' "$output" | grep -Eq -- "$pattern"; then
        pass "$name"
    else
        fail "$name" "exit $rc (wanted $code), output:
$output"
    fi
}
# eventually NAME PATTERN EXIT COMMAND...: as expect, once: the command is
# run again (every quarter second) until it does, for WAIT_SECONDS at most
eventually () {
    local name=$1 pattern=$2 code=$3 output rc deadline; shift 3
    deadline=$(($(date +%s) + WAIT_SECONDS))
    while :; do
        output=$("$@" 2>&1); rc=$?
        if s_exit_is "$rc" "$code" && printf '%s\n' "$output" | grep -Eq -- "$pattern"; then
            pass "$name"
            return
        fi
        [ "$(date +%s)" -ge "$deadline" ] && break
        sleep 0.25
    done
    fail "$name" "after ${WAIT_SECONDS} s: exit $rc (wanted $code), output:
$output"
}

# --- Waits: no check of their own; they return 1 once their bound
# (WAIT_SECONDS) has passed. A sleep here only paces the polling.

# wait_for COMMAND...: until the command exits 0
wait_for () {
    local deadline=$(($(date +%s) + WAIT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.25
    done
}
# wait_output PATTERN COMMAND...: until the command's output matches
wait_output () {
    local pattern=$1; shift
    wait_for s_output_matches "$pattern" "$@"
}
s_output_matches () {
    local pattern=$1; shift
    "$@" 2>/dev/null | grep -Eq -- "$pattern"
}
# wait_until_time EPOCH-SECONDS: until the clock has passed that time
wait_until_time () {
    while [ "$(date +%s)" -le "$1" ]; do sleep 0.25; done
}

# hold_for SECONDS: a window in which something must NOT happen, where
# no event marks that a daemon has looked (a check that a timer did not
# act, a measurement over time). The one pause that is not polling; a
# wait for something to happen polls for it instead.
hold_for () { sleep "$1"; }

# --- Daemons' logs. A log line that carries a result code is judged by
# the code and the names it concerns (ids, departments), never by the
# wording around them: log_match FILE CODE TOKEN... prints the lines of
# FILE holding the word CODE (or one of CODE|CODE...) and every TOKEN
# (fixed strings), from line LOG_FROM on if set, and exits 0 if there is
# one. A line without a code is judged by its words (eventually, with
# cat FILE; lines_at_least).
log_match () {
    local file=$1 code=$2; shift 2
    local tokens
    tokens=$(printf '%s\034' "$@")
    awk -v from="${LOG_FROM:-0}" -v code="$code" -v tokens="$tokens" '
        BEGIN { n = split (tokens, token, "\034") - 1 }
        FNR <= from { next }
        {
            line = " " $0 " "
            if (!match (line, "[^A-Za-z0-9_](" code ")[^A-Za-z0-9_]")) next
            for (i = 1; i <= n; i++) if (!index ($0, token [i])) next
            print; found = 1
        }
        END { exit !found }' "$file"
}
# log_count FILE CODE TOKEN...: how many lines log_match finds
log_count () { log_match "$@" 2>/dev/null | wc -l; }
# log_mark FILE: the number of lines FILE has now (for LOG_FROM)
log_mark () { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# logged NAME FILE CODE TOKEN...: passes once FILE has such a line
logged () {
    local name=$1; shift
    if wait_for log_match "$@"; then pass "$name"
    else fail "$name" "no line with $2 ${*:3} in $1 within $WAIT_SECONDS s; it ends:
$(tail -8 "$1" 2>&1)"; fi
}
# logged_times NAME FILE N CODE TOKEN...: passes once FILE has N such lines
logged_times () {
    local name=$1 file=$2 count=$3; shift 3
    if wait_for s_at_least "$count" "$file" "$@"; then pass "$name"
    else fail "$name" "$(log_count "$file" "$@") lines with $1 ${*:2}, wanted $count; $file ends:
$(tail -8 "$file" 2>&1)"; fi
}
s_at_least () {
    local count=$1; shift
    [ "$(log_count "$@")" -ge "$count" ]
}
# lines_at_least NAME FILE N PATTERN: passes once FILE has N lines that
# match PATTERN (an ERE; for lines that carry no code)
lines_at_least () {
    local name=$1 file=$2 count=$3 pattern=$4
    if wait_for s_lines_at_least "$file" "$count" "$pattern"; then pass "$name"
    else fail "$name" "$(grep -Ec -- "$pattern" "$file" 2>&1) lines match '$pattern', wanted $count; $file ends:
$(tail -8 "$file" 2>&1)"; fi
}
s_lines_at_least () { [ "$(grep -Ec -- "$3" "$1" 2>/dev/null)" -ge "$2" ]; }
# not_logged NAME FILE CODE TOKEN...: passes if FILE has no such line
not_logged () {
    local name=$1 lines; shift
    if lines=$(log_match "$@"); then fail "$name" "$lines"; else pass "$name"; fi
}

# --- Background processes and daemons

# track PID: a background process to end at exit
track () { PIDS="$PIDS $1"; }
# daemon LOG LABEL COMMAND...: starts a daemon, its output appended to
# $WORK/LOG.log; its pid in DAEMON_PID. finish stops it (a check: "LABEL
# stops cleanly on SIGTERM") if it still runs then.
daemon () {
    local log=$1 label=$2; shift 2
    "$@" >>"$WORK/$log.log" 2>&1 &
    DAEMON_PID=$!
    track "$DAEMON_PID"
    DAEMON_PIDS+=("$DAEMON_PID")
    DAEMON_LABELS+=("$label")
}
# start_broker, start_broker2: the federation's brokers ($BROKER_PID,
# $BROKER2_PID; logs broker.log, broker2.log)
start_broker () {
    daemon broker "broker" "$BIN/sluice-broker" --config "$F/broker/broker.cfg" "$@"
    BROKER_PID=$DAEMON_PID
}
start_broker2 () {
    daemon broker2 "second broker" "$BIN/sluice-broker" --config "$F/broker2/broker.cfg" "$@"
    BROKER2_PID=$DAEMON_PID
}
# start_gateway FOLDER [FLAG...]: the gateway of $F/FOLDER (pid in
# ${FOLDER}_PID, with - as _; log FOLDER.log)
start_gateway () {
    local folder=$1; shift
    daemon "$folder" "$folder gateway" "$BIN/sluice-gateway" --config "$F/$folder/gateway.cfg" "$@"
    eval "${folder//-/_}_PID=$DAEMON_PID"
}
# gone PID: the process has ended
gone () { ! kill -0 "$1" 2>/dev/null; }
# stop_clean NAME PID: passes if the daemon exits 0 within STOP_SECONDS of
# SIGTERM (a sanitizer report makes it exit 99)
stop_clean () {
    local name=$1 pid=$2 rc
    kill -TERM "$pid" 2>/dev/null
    if WAIT_SECONDS=$STOP_SECONDS wait_for gone "$pid"; then
        wait "$pid" 2>/dev/null; rc=$?
        if [ "$rc" = 0 ]; then pass "$name"; else fail "$name" "exit status $rc"; fi
    else
        fail "$name" "still running $STOP_SECONDS s after SIGTERM"
    fi
}
# kill_hard PID: SIGKILL, and wait until it is gone
kill_hard () {
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}
# stop_quietly PID: SIGTERM, and wait until it is gone (no check)
stop_quietly () {
    kill -TERM "$1" 2>/dev/null
    WAIT_SECONDS=$STOP_SECONDS wait_for gone "$1" || kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}
# status_of FOLDER [DIR]: `sluice status` of the gateway of DIR/FOLDER
status_of () { "$SLUICE" status --config "${2:-$F}/$1/gateway.cfg"; }
# wait_registered FOLDER [DIR]: until `sluice status` exits 0 (registered
# with a broker); wait_not_registered: until it exits 1 (NOT_REGISTERED)
wait_registered () { wait_for status_of "$@"; }
wait_not_registered () { wait_for s_exits 1 status_of "$@"; }
s_exits () {
    local code=$1; shift
    "$@" >/dev/null 2>&1
    [ "$?" = "$code" ]
}
# wait_link FOLDER BROKER-ID [DIR]: until that broker link is registered
wait_link () { wait_output "(^| )$2: registered" status_of "$1" "${3:-$F}"; }
# certificates_of FOLDER [DIR]: how many certificates the gateway holds
certificates_of () {
    "$SLUICE" status --config "${2:-$F}/$1/gateway.cfg" --json 2>/dev/null | python3 -c \
        'import json, sys; print (json.load (sys.stdin) ["rows"] [0] ["certificates"])'
}
# reloaded LOG BEFORE: until a broker's log says whom it trusts more often
# than the BEFORE times it did
reloaded () { wait_for s_trusting_more "$1" "$2"; }
trusting_count () { grep -c "trusting [0-9]* certificates" "$1" 2>/dev/null; }
s_trusting_more () { [ "$(trusting_count "$1")" -gt "$2" ]; }

# --- The federation

# fed_setup [--check | --check-as NAME] [--dir DIR] [--enterprises N]
#           [--staged] [--rogue] [--slow]
# Builds a Pudong federation at $F (or DIR) with examples/pudong/federation.sh,
# its brokers on PORT and PORT + 1, and sets KEY (an enterprise that exists),
# FOOD_KEY, TAX_KEY, LICENCE_KEY (one with a food violation, a tax
# violation, a licence). --staged: the agreements staged only, not
# installed at the gateways; --rogue: SH-PD-ROGUE, a certified member that
# misbehaves ($F/rogue, trusted by both brokers); --slow: a deliberately
# slow item in MSA's catalog, its source timeout 500 ms. A set-up that
# fails ends the feature (a failed check); --check makes it a check of its
# own, passed when it works (--check-as: under that name).
fed_setup () {
    local dir=$F enterprises=2000 install=1 rogue=0 slow=0 output
    local as_check="" setup="federation set-up (authority, certificates, data, agreements)"
    while [ $# -gt 0 ]; do
        case $1 in
            --check) as_check=$setup ;;
            --check-as) as_check=$2; shift ;;
            --dir) dir=$2; shift ;;
            --enterprises) enterprises=$2; shift ;;
            --staged) install=0 ;;
            --rogue) rogue=1 ;;
            --slow) slow=1 ;;
        esac
        shift
    done
    if ! output=$(env SLUICE_INSTALL_AGREEMENTS=$install \
                  sh "$ROOT/examples/pudong/federation.sh" "$BIN" "$dir" "$PORT" "$enterprises" 2>&1); then
        if [ -n "$as_check" ]; then fail "$as_check" "$output"; finish; fi
        setup_failed "$setup" "$output"
    fi
    [ -n "$as_check" ] && pass "$as_check"
    KEY=$(head -1 "$dir/data/sample-keys.txt")
    FOOD_KEY=$(sqlite3 "$dir/data/food.db" "SELECT uscc FROM violation ORDER BY uscc LIMIT 1")
    TAX_KEY=$(sqlite3 "$dir/data/tax.db" "SELECT uscc FROM violation ORDER BY uscc LIMIT 1")
    LICENCE_KEY=$(sqlite3 "$dir/data/market.db" "SELECT uscc FROM licence ORDER BY uscc LIMIT 1")
    TAX_SECRET="$dir/tax/SH-PD-TAX.cert_secret"
    if [ "$rogue" = 1 ]; then
        "$SLUICE" certs issue --authority "$dir/authority/authority.secret" \
            --department SH-PD-ROGUE --name "Hostile test member" --out "$dir/rogue" >/dev/null 2>&1 ||
            setup_failed "the hostile member's certificate"
        cp "$dir/rogue/SH-PD-ROGUE.cert" "$dir/broker/certs/"
        cp "$dir/rogue/SH-PD-ROGUE.cert" "$dir/broker2/certs/"
    fi
    if [ "$slow" = 1 ]; then
        cat >>"$dir/msa/catalog.cfg" <<'CAT'
    item = "slow-report"
        title = "a deliberately slow report, for tests"
        category = "test"
        key-type = "uscc"
        share = "open"
        update = "never"
        sql = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000000000) SELECT max(n) AS total FROM c WHERE :key IS NOT NULL"
        field = "total"
            type = "integer"
            sensitivity = 0
CAT
        sed -i 's/    timeout-ms = 4000/    timeout-ms = 4000\n    source-timeout-ms = 500/' \
            "$dir/msa/gateway.cfg"
    fi
    return 0
}
# fed_start [FOLDER...]: the first broker and the gateways (msa tax fda by
# default), each registered; a gateway that does not register ends the
# feature
fed_start () {
    local folder folders=${*:-msa tax fda}
    start_broker
    for folder in $folders; do start_gateway "$folder"; done
    for folder in $folders; do
        wait_registered "$folder" ||
            setup_failed "the $folder gateway registers" "$(tail -5 "$WORK/$folder.log")"
    done
}
# fed_start_both [FOLDER...]: as fed_start, then the second broker, every
# gateway registered with it too
fed_start_both () {
    local folder
    fed_start "$@"
    start_broker2
    for folder in ${*:-msa tax fda}; do
        wait_link "$folder" BROKER-2 ||
            setup_failed "the $folder gateway registers with the second broker"
    done
}
# member DEPT FOLDER [ISSUE-ARGS]: a department the authority certifies
# ($F/FOLDER/DEPT.cert and .cert_secret), trusted by the first broker;
# revoked_member DEPT FOLDER: one that the revocation list the broker
# starts with ($F/broker/federation.crl) revokes
member () {
    local dept=$1 folder=$2; shift 2
    "$SLUICE" certs issue --authority "$F/authority/authority.secret" --department "$dept" \
        --name "$dept, a member for tests" --out "$F/$folder" "$@" >/dev/null 2>&1 &&
    cp "$F/$folder/$dept.cert" "$F/broker/certs/"
}
revoked_member () {
    member "$1" "$2" &&
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
        --crl "$F/broker/federation.crl" --department "$1" --reason "key compromise" >/dev/null
}
# setup_failed WHAT [OUTPUT]: a set-up step failed; the feature ends here
setup_failed () {
    fail "set-up: $1" "${2:-}"
    finish
}

# --- What the tests ask

# query FROM TO ITEM KEY [ARGS]: FROM's gateway asks TO, as Test Officer
query () {
    local from=$1 to=$2 item=$3 key=$4; shift 4
    "$SLUICE" query --config "$F/$from/gateway.cfg" --to "$to" --item "$item" \
        --key "$key" --officer "Test Officer" "$@"
}
# rogue CERT-FOLDER DEPT TO ATTACK [ARGS]: sluice-rogue through the first
# broker with the certificate of $F/CERT-FOLDER/DEPT
rogue () {
    local folder=$1 dept=$2 to=$3 attack=$4; shift 4
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$F/$folder/$dept.cert_secret" \
        --to "$to" --attack "$attack" --other "$F/fda/SH-PD-FDA.cert" "$@"
}
# catalog_item NAME SQL FIELD...: an open item of a catalog file, keyed
# by uscc, its FIELDs text of sensitivity 0, and ITEM_DESCRIPTION (if set)
# its description: for a catalog a feature writes or adds to
catalog_item () {
    local name=$1 sql=$2 field; shift 2
    printf '    item = "%s"\n        title = "%s, an item for tests"\n' "$name" "$name"
    [ -n "${ITEM_DESCRIPTION:-}" ] && printf '        description = "%s"\n' "$ITEM_DESCRIPTION"
    printf '        key-type = "uscc"\n        share = "open"\n        sql = "%s"\n' "$sql"
    for field in "$@"; do
        printf '        field = "%s"\n            type = "text"\n            sensitivity = 0\n' \
            "$field"
    done
}
# draft FILE ID PROVIDER CONSUMER ITEM FIELDS PURPOSES [ARGS]: an agreement
# drafted into $A/FILE
A="$WORK/agreements"
draft () {
    local file=$1 id=$2 provider=$3 consumer=$4 item=$5 fields=$6 purposes=$7; shift 7
    mkdir -p "$A"
    "$SLUICE" agreement draft --id "$id" --provider "$provider" --consumer "$consumer" \
        --item "$item" --fields "$fields" --purposes "$purposes" \
        --legal-basis "《优化营商环境条例》" --out "$A/$file" "$@" >/dev/null
}
# sign_both FILE PROVIDER-FOLDER CONSUMER-FOLDER: $A/FILE signed by both
sign_both () {
    local folder
    for folder in "$2" "$3"; do
        "$SLUICE" agreement sign --cert "$F/$folder/SH-PD-${folder^^}.cert_secret" \
            --file "$A/$1" >/dev/null || return 1
    done
}
# agreements_of FOLDER: `sluice agreement list` of that gateway
agreements_of () { "$SLUICE" agreement list --config "$F/$1/gateway.cfg"; }
orders_of () { "$SLUICE" order list --config "$F/$1/gateway.cfg"; }

# --- A broker that lies (sluice-liar, tests/liar.c). A copy of MSA's
# gateway at $LIAR_DIR whose only broker is sluice-liar (a real broker
# certificate, no ZAP, lies on purpose); TAX colludes with it: the liar
# holds TAX's keys (--signer) and queries through it with sluice-rogue.
# Each attack runs on a fresh copy and the next port from PORT + 11.
LIAR_DIR="$F/liar-msa"
LIAR_PORT=$((PORT + 10))
LA="$WORK/liar-agreements"
LIAR_GRANTED="^status=(OK rows|NOT_FOUND$)"
# liar_agreement NAME SIGNER... -- DRAFT-ARGS: an agreement MSA -> TAX in $LA
liar_agreement () {
    local name=$1 signers="" signer; shift
    while [ "$1" != "--" ]; do signers="$signers $1"; shift; done
    shift
    mkdir -p "$LA"
    "$SLUICE" agreement draft --provider SH-PD-MSA --consumer SH-PD-TAX \
        --item enterprise-licences --fields licence_no,kind --purposes test \
        --legal-basis "tests of a lying broker" --out "$LA/$name.agreement" "$@" >/dev/null
    for signer in $signers; do
        "$SLUICE" agreement sign --cert "$F/$signer" --file "$LA/$name.agreement" >/dev/null
    done
}
# liar_setup: the agreements the attacks push: good (both signed), half
# (the consumer's signature only), old (both signed, expired in 2020)
liar_setup () {
    liar_agreement good msa/SH-PD-MSA.cert_secret tax/SH-PD-TAX.cert_secret -- \
        --id AGR-LIAR-GOOD --days 30
    liar_agreement half tax/SH-PD-TAX.cert_secret -- --id AGR-LIAR-HALF --days 30
    liar_agreement old msa/SH-PD-MSA.cert_secret tax/SH-PD-TAX.cert_secret -- \
        --id AGR-LIAR-OLD --valid-from 2020-01-01T00:00:00Z --valid-until 2020-12-31T00:00:00Z
}
liar_gateway () {
    daemon "liar-msa-$LIAR_ATTACK" "liar $LIAR_ATTACK: gateway" \
        "$BIN/sluice-gateway" --config "$LIAR_DIR/gateway.cfg"
    LIAR_GW_PID=$DAEMON_PID
}
# liar_start ATTACK [LIAR-ARGS]: a fresh copy of MSA's gateway, the liar on
# a port of its own as its only broker, both started, the gateway
# registered (a check). LIAR_GATEWAY_EXTRA: lines for the gateway's
# configuration. The liar's report in $LIAR_OUT, the gateway's log $LIAR_LOG.
liar_start () {
    LIAR_ATTACK=$1; shift
    LIAR_PORT=$((LIAR_PORT + 1))
    LIAR_OUT="$WORK/liar-$LIAR_ATTACK.out"
    LIAR_LOG="$WORK/liar-msa-$LIAR_ATTACK.log"
    rm -rf "$LIAR_DIR"
    mkdir -p "$LIAR_DIR/state"
    cp -r "$F/msa/agreements" "$F/msa/catalog.cfg" "$F/msa/SH-PD-MSA.cert" \
        "$F/msa/SH-PD-MSA.cert_secret" "$F/msa/authority.pub" "$F/msa/BROKER.cert" "$LIAR_DIR/"
    sed -e "s|^    broker = .*|    broker = \"tcp://127.0.0.1:$LIAR_PORT\"|" \
        -e 's|^    broker-cert = .*|    broker-cert = "BROKER.cert"|' \
        "$F/msa/gateway.cfg" >"$LIAR_DIR/gateway.cfg"
    if [ -n "${LIAR_GATEWAY_EXTRA:-}" ]; then
        printf '%s\n' "$LIAR_GATEWAY_EXTRA" >>"$LIAR_DIR/gateway.cfg"
    fi
    "$BIN/sluice-liar" --endpoint "tcp://127.0.0.1:$LIAR_PORT" \
        --cert "$F/broker/BROKER.cert_secret" --authority "$F/authority/authority.pub" \
        --certs "$F/broker/certs" --attack "$LIAR_ATTACK" "$@" \
        >"$LIAR_OUT" 2>"$WORK/liar-$LIAR_ATTACK.err" &
    LIAR_PID=$!
    track "$LIAR_PID"
    liar_gateway
    check "liar $LIAR_ATTACK: the gateway registers with the liar" wait_registered liar-msa
}
liar_stop () {
    stop_clean "liar $LIAR_ATTACK: gateway stops cleanly" "$LIAR_GW_PID"
    stop_clean "liar $LIAR_ATTACK: liar stops cleanly" "$LIAR_PID"
}
# liar_restart: the liar's gateway stopped and started again, registered
liar_restart () {
    stop_quietly "$LIAR_GW_PID"
    liar_gateway
    check "liar $LIAR_ATTACK: the gateway registers again" wait_registered liar-msa
}
# liar_query [ITEM]: TAX asks the gateway through the liar (one line)
liar_query () {
    "$BIN/sluice-rogue" --broker "tcp://127.0.0.1:$LIAR_PORT" \
        --broker-cert "$F/broker/BROKER.cert" --authority "$F/authority/authority.pub" \
        --cert "$F/tax/SH-PD-TAX.cert_secret" --to SH-PD-MSA --attack valid \
        --item "${1:-enterprise-licences}" --key "$KEY" --timeout-ms 3000
}
liar_status () { "$SLUICE" status --config "$LIAR_DIR/gateway.cfg"; }
liar_list () { "$SLUICE" agreement list --config "$LIAR_DIR/gateway.cfg"; }
# liar_state NAME ID STATE: the agreement is listed in that state
liar_state () { expect "$1" "$2.*$3" 0 liar_list; }

# --- What is shown: output checked byte by byte (Python)

# shown_safely FILE [SEPARATORS]: the bytes hold no control character but
# newline and SEPARATORS (C0, DEL, C1, ESC included) and are valid UTF-8
shown_safely () {
    python3 - "$1" "${2:-}" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
allowed = '\n' + sys.argv[2]
try:
    text = data.decode('utf-8')
except UnicodeDecodeError as error:
    sys.exit('not UTF-8: %s' % error)
bad = sorted({'%#04x' % ord(c) for c in text
              if (ord(c) < 0x20 and c not in allowed) or 0x7f <= ord(c) <= 0x9f})
if bad:
    sys.exit('raw control characters: %s' % ' '.join(bad))
PY
}
# json_valid FILE [PYTHON]: FILE is one JSON document (valid UTF-8, no raw
# control character) and the expression PYTHON on it (`doc`) is true
json_valid () {
    python3 - "$1" "${2:-True}" <<'PY'
import json, sys
data = open(sys.argv[1], 'rb').read()
text = data.decode('utf-8')
if any(0x7f <= ord(c) <= 0x9f for c in text):
    sys.exit('a raw DEL or C1 character')
doc = json.loads(text)
if not eval(sys.argv[2], {'doc': doc}):
    sys.exit('not true: ' + sys.argv[2])
PY
}
SAFE_OUT="$WORK/safe.out"
SAFE_ERR="$WORK/safe.err"
# safely NAME EXIT PATTERN COMMAND...: exits EXIT, stdout and stderr
# together, their lines joined by spaces, match PATTERN (ERE), and neither
# holds a raw control byte (but the tabs between the columns of `sluice
# audit show` when SAFE_TABS is set)
safely () {
    local name=$1 code=$2 pattern=$3 rc why; shift 3
    "$@" >"$SAFE_OUT" 2>"$SAFE_ERR"; rc=$?
    if ! s_exit_is "$rc" "$code"; then
        fail "$name" "exit $rc (wanted $code): $(cat "$SAFE_ERR" "$SAFE_OUT" | od -c | head -12)"
    elif ! cat "$SAFE_OUT" "$SAFE_ERR" | tr '\n' ' ' | grep -Eq -- "$pattern"; then
        fail "$name" "no match for $pattern in: $(cat "$SAFE_OUT" "$SAFE_ERR")"
    elif ! why=$(shown_safely "$SAFE_OUT" "${SAFE_TABS:+	}" 2>&1 \
                 && shown_safely "$SAFE_ERR" 2>&1); then
        fail "$name" "$why: $(cat "$SAFE_OUT" "$SAFE_ERR" | od -c | head -12)"
    else
        pass "$name"
    fi
}
# as_json NAME EXIT PYTHON COMMAND...: exits EXIT, stdout is valid JSON for
# which PYTHON holds (`doc` the document), stderr holds no raw control byte
as_json () {
    local name=$1 code=$2 test=$3 rc why; shift 3
    "$@" >"$SAFE_OUT" 2>"$SAFE_ERR"; rc=$?
    if ! s_exit_is "$rc" "$code"; then
        fail "$name" "exit $rc (wanted $code): $(cat "$SAFE_ERR" "$SAFE_OUT" | head -5)"
    elif ! why=$(json_valid "$SAFE_OUT" "$test" 2>&1 && shown_safely "$SAFE_ERR" 2>&1); then
        fail "$name" "$why: $(head -c 600 "$SAFE_OUT")"
    else
        pass "$name"
    fi
}

# --- The end

# sanitizer_clean: a check that no daemon's log (nor a test tool's) holds
# an AddressSanitizer, LeakSanitizer or UBSan report (if anything ran)
sanitizer_clean () {
    local reports
    compgen -G "$WORK/*.log" >/dev/null || compgen -G "$WORK/*.err" >/dev/null ||
        return 0                                        # nothing ran

    if reports=$(grep -h -A5 "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer" \
                 "$WORK"/*.log "$WORK"/*.err 2>/dev/null) && [ -n "$reports" ]; then
        fail "daemon logs free of sanitizer reports" "$reports"
    else
        pass "daemon logs free of sanitizer reports"
    fi
}
# finish: every daemon still running stopped, the last started first (a
# check each), the logs
# checked for sanitizer reports, the count printed; exits 0 if none failed
FINISHING=0
finish () {
    [ "$FINISHING" = 1 ] && return
    FINISHING=1
    local index
    for ((index = ${#DAEMON_PIDS[@]} - 1; index >= 0; index--)); do
        gone "${DAEMON_PIDS[$index]}" ||
            stop_clean "${DAEMON_LABELS[$index]} stops cleanly on SIGTERM" "${DAEMON_PIDS[$index]}"
    done
    sanitizer_clean
    [ -n "${SLUICE_TEST_KEEP:-}" ] && echo "        (its files are kept in $WORK)"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
    exit
}
# At exit, however it came: every background process ended (SIGTERM, then
# SIGKILL for what is still there after STOP_SECONDS), $WORK removed
s_cleanup () {
    local pid
    for pid in $PIDS; do kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
    for pid in $PIDS; do
        WAIT_SECONDS=$STOP_SECONDS wait_for gone "$pid" || kill -KILL "$pid" 2>/dev/null
    done
    [ -n "${SLUICE_TEST_KEEP:-}" ] || rm -rf "$WORK"
}
trap s_cleanup EXIT
trap 'echo "FAIL    $FEATURE: interrupted"; exit 1' INT TERM
