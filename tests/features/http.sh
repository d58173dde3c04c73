#!/bin/bash
# the local HTTP API: the local API as HTTP and JSON on a unix socket (gateway/http), each caller identified and audited as itself, its refusals and limits, many connections, a clean stop, bad settings
. "$(dirname "$0")/../lib.sh"

# Each gateway serves the local API as HTTP too, at state/http.sock
fed_setup
for folder in msa tax fda; do
    sed -i 's|^    state = "state"$|&\n    http = "state/http.sock"|' "$F/$folder/gateway.cfg"
done
fed_start
H_OUT="$WORK/http.json"
# h_call FOLDER METHOD OP [CURL-ARGS]: curl to that gateway's HTTP API; the
# body to $H_OUT, the HTTP status printed
h_call () {
    local folder=$1 method=$2 op=$3; shift 3
    curl -s -o "$H_OUT" -w '%{http_code}' --max-time 30 \
        --unix-socket "$F/$folder/state/http.sock" -X "$method" "$@" "http://localhost/v1/$op"
}
# h_expect NAME HTTP PYTHON FOLDER METHOD OP [CURL-ARGS]: answered with the
# HTTP status HTTP and a JSON body (`doc`) for which PYTHON holds
h_expect () {
    local name=$1 http=$2 test=$3 code why; shift 3
    code=$(h_call "$@")
    if [ "$code" != "$http" ]; then
        fail "$name" "HTTP $code (wanted $http): $(head -c 400 "$H_OUT")"
    elif ! why=$(json_valid "$H_OUT" "$test" 2>&1); then
        fail "$name" "$why: $(head -c 400 "$H_OUT")"
    else
        pass "$name"
    fi
}
H_QUERY='{"to":"SH-PD-MSA","item":"enterprise-basic","key":"'$KEY'","purpose":"tax-registration","officer":"Test Officer","role":"auditor"}'

check "the HTTP socket is private: 0600" test "$(stat -c %a "$F/tax/state/http.sock")" = 600
h_expect "GET /v1/status: registered" 200 "doc['status'] == 'OK' and doc['rows'][0]['registered'] == 'yes'" \
    tax GET status

# --- A query over HTTP answers what the CLI answers
query tax SH-PD-MSA enterprise-basic "$KEY" --purpose tax-registration --role auditor \
    --json >"$WORK/cli.json" 2>&1
h_expect "a query over HTTP: OK, the rows the CLI gets" 200 \
    "doc['status'] == 'OK' and doc['code'] == 0 and doc['from'] == 'SH-PD-MSA' and len(doc['rows']) == 1 and doc['rows'] == __import__('json').load(open('$WORK/cli.json'))['rows'] and set(doc) == set(__import__('json').load(open('$WORK/cli.json')))" \
    tax POST query --data-binary "$H_QUERY"
h_expect "a refusal: its code, and HTTP 422" 422 \
    "doc['status'] == 'PURPOSE_NOT_AGREED' and doc['code'] == 160" \
    tax POST query --data-binary '{"to":"SH-PD-MSA","item":"enterprise-legal-rep","key":"'$KEY'","purpose":"marketing","officer":"Test Officer","role":"auditor"}'
h_expect "every rule of the local API applies: a value of the wrong type, 400" 400 \
    "doc['status'] == 'MALFORMED'" tax POST query --data-binary '{"to":"SH-PD-MSA","timeout_ms":"soon"}'

# --- The caller, identified by the kernel and audited as itself
H_ME="$(id -un) (uid $(id -u))"
as_json "the audit log names the HTTP caller as USER (uid N)" 0 \
    "any(r['caller'] == '$H_ME' and r['purpose'] == 'marketing' for r in doc)" \
    "$SLUICE" audit show --log "$F/tax/state/audit.db" --last 0 --json

# --- A notice sent and taken over HTTP
h_expect "notice-send over HTTP: stored, its id" 200 "doc['status'] == 'OK' and len(doc['msgid']) == 32" \
    msa POST notice-send --data-binary '{"recipients":"SH-PD-FDA","kind":"license-required","key_type":"uscc","key":"'$KEY'","values":{"name":"浦东测试餐馆","business":"餐饮服务","seats":40},"text":"《食品安全法》第三十五条","officer":"Li Min"}'
H_ID=$(python3 -c "import json; print (json.load (open ('$H_OUT'))['msgid'])" 2>/dev/null)
# h_taken: FDA's system takes the notice over HTTP
h_taken () {
    [ "$(h_call fda POST notice-take)" = 200 ] &&
        json_valid "$H_OUT" "len(doc['rows']) == 1 and doc['rows'][0]['id'] == '$H_ID' and doc['rows'][0]['fields']['seats'] == 40 and doc['rows'][0]['from'] == 'SH-PD-MSA'"
}
if wait_for h_taken; then pass "notice-take over HTTP: the notice, its fields typed"
else fail "notice-take over HTTP: the notice, its fields typed" "$(head -c 400 "$H_OUT")"; fi

# --- Refused at the door
h_expect "malformed JSON: 400 MALFORMED" 400 "doc['status'] == 'MALFORMED'" \
    tax POST query --data-binary '{"to":'
h_expect "a body that is not an object: 400" 400 "doc['status'] == 'MALFORMED'" \
    tax POST query --data-binary '[1]'
h_expect "an unknown operation: 404" 404 "doc['code'] == 103" tax POST no-such-op --data-binary '{}'
h_expect "a path outside /v1: 404" 404 "doc['code'] == 103" tax GET ../status
h_expect "GET on an operation that takes POST: 405" 405 "doc['status'] == 'MALFORMED'" tax GET query
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$WORK/big.json"
h_expect "an oversized body: 413 TOO_LARGE" 413 "doc['status'] == 'TOO_LARGE'" \
    tax POST register --data-binary "@$WORK/big.json"

# --- A caller the gateway does not serve: another user, even where the
# file system lets it reach the socket
chmod 711 "$WORK" "$F" "$F/tax" "$F/tax/state"
chmod 666 "$F/tax/state/http.sock"
h_nobody_status () {
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        curl -s -w '\n%{http_code}' --max-time 30 --unix-socket "$F/tax/state/http.sock" \
        http://localhost/v1/status | tr '\n' ' '
}
expect "another user: 403 NOT_PERMITTED, named by the kernel" \
    "NOT_PERMITTED.*nobody \(uid 65534\) may not use this gateway.* 403$" 0 h_nobody_status
chmod 600 "$F/tax/state/http.sock"
chmod 700 "$F/tax/state"

# --- Many connections at once: held open, silent, past the cap; the
# gateway serves its other callers meanwhile, and HTTP again after
python3 - "$F/tax/state/http.sock" 150 "$WORK/held" <<'PY' &
import os, socket, sys, time
path, count, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
held = []
for _ in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        held.append(s)
    except OSError:
        pass
open(flag, 'w').write('%d\n' % len(held))
time.sleep(15)
PY
H_HOLD=$!
track "$H_HOLD"
wait_for test -s "$WORK/held"
expect "150 connections held: the CLI is served meanwhile" "registered +yes" 0 status_of tax
# h_parallel N: N status requests over HTTP at once; how many got 200
h_parallel () {
    local index
    for index in $(seq 1 "$1"); do
        curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
            --unix-socket "$F/tax/state/http.sock" http://localhost/v1/status &
    done | grep -c '^200$'
}
kill "$H_HOLD" 2>/dev/null
wait "$H_HOLD" 2>/dev/null
eventually "the held connections gone: HTTP answers again" "^200$" 0 h_call tax GET status
expect "20 requests at once over HTTP: each answered" "^20$" 0 h_parallel 20
check "the gateway still runs" kill -0 "$tax_PID"

# --- A clean stop with HTTP connections open: a request waiting, idle ones
h_call tax POST notice-wait --data-binary '{"timeout_ms":60000}' >"$WORK/waiting.code" &
H_WAIT=$!
track "$H_WAIT"
python3 - "$F/tax/state/http.sock" <<'PY' &
import socket, sys, time
held = []
for _ in range(5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(60)
PY
track $!
# h_connections N: the gateway has accepted N connections on its socket
h_connections () { [ "$(ss -xH state connected src "$F/tax/state/http.sock" | wc -l)" -ge "$1" ]; }
check "the waiting request and the idle connections are open" wait_for h_connections 6
stop_clean "the gateway stops cleanly on SIGTERM with HTTP connections open" "$tax_PID"
check "the socket file is removed" test ! -e "$F/tax/state/http.sock"
check "the waiting request ends with the gateway" wait_for gone "$H_WAIT"
expect "answered 503: the gateway is stopping" "^503$" 0 cat "$WORK/waiting.code"

# --- Bad settings: a clear error naming gateway/http
h_refused () {   # name pattern http-path
    rm -rf "$F/tax/other"
    expect "$1" "$2" 1 timeout -k 5 20 "$BIN/sluice-gateway" --config "$F/tax/gateway.cfg" \
        --state "$F/tax/other" --local "ipc://$F/tax/other/local.ipc" --http "$3"
}
h_refused "a directory that is not there: refused, naming gateway/http" \
    "no such directory.*gateway/http" "$F/tax/none/http.sock"
touch "$F/tax/plain-file"
h_refused "a path that is a regular file: refused, naming gateway/http, left as it is" \
    "is not a socket.*gateway/http" "$F/tax/plain-file"
check "the regular file is still there" test -f "$F/tax/plain-file"
mkdir -p "$F/tax/foreign"
chown 65534 "$F/tax/foreign"
h_refused "a directory that is not the gateway's own: refused" \
    "not the gateway's own.*gateway/http" "$F/tax/foreign/http.sock"
# A socket left by a gateway that was killed is replaced
start_gateway tax
check "the gateway restarts" wait_registered tax
kill_hard "$tax_PID"
check "killed, it leaves its socket" test -S "$F/tax/state/http.sock"
start_gateway tax
check "started again, it replaces a stale socket" wait_registered tax
h_expect "and serves HTTP" 200 "doc['status'] == 'OK'" tax GET status
finish
