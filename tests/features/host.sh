#!/bin/bash
# the host: private state, a local API that knows its caller, one daemon per state directory, SIGHUP, --version, log times, files that are not regular files
. "$(dirname "$0")/../lib.sh"

# The department's host: private state and a group setting, a local API
# that identifies its caller, one daemon per state directory, SIGHUP,
# --version, log times, configuration errors that say where, and files
# that are not regular files.
fed_setup --slow
fed_start
H_STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} '
h_mode () { stat -c %a "$1"; }
# h_modes DIR: "NAME MODE GROUP" for each entry, sorted
h_modes () { for entry in "$1"/*; do echo "$(basename "$entry") $(stat -c '%a %G %F' "$entry")"; done; }
# h_all_private NAME DIR FILE-MODE: every regular file and socket of DIR has
# FILE-MODE, and the directory 700
h_all_private () {
    listing=$(h_modes "$2")
    bad=$(echo "$listing" | grep -Ev "^[^ ]+ $3 .*(regular|socket)")
    if [ "$(h_mode "$2")" = 700 ] && [ -z "$bad" ] && echo "$listing" | grep -q "\.db $3 "; then
        pass "$1"
    else
        fail "$1" "directory $(h_mode "$2"), entries:
$listing"
    fi
}

for program in sluice sluice-broker sluice-gateway sluice-gendata sluice-rogue \
               sluice-liar sluice-selftest sluice-certgen sluice-noticedrive; do
    expect "$program --version" "^$program [0-9]+\.[0-9]+\.[0-9]+ \(protocol 1\)$" 0 \
        "$BIN/$program" --version
done
[ -x "$BIN/sluice-bench" ] && expect "sluice-bench --version" "^sluice-bench [0-9.]+ " 0 \
    "$BIN/sluice-bench" --version
# One version for all, from one header
versions=$(for program in sluice sluice-broker sluice-gateway sluice-gendata; do
    "$BIN/$program" --version | cut -d' ' -f2; done | sort -u | wc -l)
check "every program says the same version" test "$versions" = 1

# The running federation's state, as the daemons left it: directories
# 0700, every file (the databases, their -wal and -shm, the lock, the
# local API's socket) 0600 -- federation.sh created them 0755 beforehand
h_all_private "gateway state private: directory 0700, every file 0600" "$F/msa/state" 600
h_all_private "broker state private: directory 0700, every file 0600" "$F/broker/state" 600
check "the local API socket is private too" test "$(h_mode "$F/msa/state/local.ipc")" = 600
check "the state lock holds the gateway's pid" test "$(cat "$F/msa/state/lock")" = "$msa_PID"

# State as an earlier version may have left it, open to everyone (the
# directory 0755, every file 0644: the databases, their -wal and -shm, the
# lock): both daemons make it private again when they start
stop_clean "the gateway stops, its state then opened up" "$msa_PID"
stop_clean "the broker stops, its state then opened up" "$BROKER_PID"
for dir in "$F/msa/state" "$F/broker/state"; do
    chmod 0755 "$dir"
    find "$dir" -maxdepth 1 -type f -exec chmod 0644 {} +
done
h_opened () {   # DIR: the directory 755, its databases 644
    [ "$(h_mode "$1")" = 755 ] && h_modes "$1" | grep -q "\.db 644 " &&
        ! h_modes "$1" | grep -q "\.db 600 "
}
check "the gateway's state is left open: directory 0755, databases 0644" h_opened "$F/msa/state"
check "the broker's state is left open too" h_opened "$F/broker/state"
start_broker
start_gateway msa
check "the gateway with its opened-up state registers again" wait_registered msa
check "so does the requester, with the restarted broker" wait_registered tax
h_all_private "gateway state made private again at start: directory 0700, every file 0600" \
    "$F/msa/state" 600
h_all_private "broker state made private again at start: directory 0700, every file 0600" \
    "$F/broker/state" 600

# Log lines: ISO 8601 time with milliseconds and the zone, program, level
check "broker log lines carry ISO 8601 times with their zone" \
    grep -Eq "${H_STAMP}sluice-broker I: .*listening on" "$WORK/broker.log"
check "gateway log lines too" \
    grep -Eq "${H_STAMP}sluice-gateway I: .*SH-PD-MSA serving" "$WORK/msa.log"
refute "no log line in czmq's format without a zone" "^[EWNID]: [0-9]{2}-|^[EWNID]: \(" 0 \
    cat "$WORK/broker.log" "$WORK/msa.log" "$WORK/tax.log"

# One daemon per state directory: the second names the first and leaves
# it alone (bounded: a second daemon that does start would run on)
expect "a second gateway on the same state directory names the one holding it" \
    "state is in use by sluice-gateway \(pid $msa_PID\)" 1 \
    timeout -k 5 20 "$BIN/sluice-gateway" --config "$F/msa/gateway.cfg"
expect "a second broker on the same state directory is refused the same way" \
    "state is in use by sluice-broker \(pid $BROKER_PID\)" 1 \
    timeout -k 5 20 "$BIN/sluice-broker" --config "$F/broker/broker.cfg" \
    --endpoint "tcp://127.0.0.1:$((PORT + 39))"
check "the first gateway is still registered and serving" wait_registered msa
expect "and answers" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor

# Configurations as a new user writes them: the line and what to do
H_CONF="$WORK/host-conf.cfg"
printf 'gateway\n\tcert = "x.cert_secret"\n' >"$H_CONF"
expect "a tab says its line and to indent with spaces" \
    "host-conf.cfg:2: indent with four spaces, not a tab" 2 "$BIN/sluice-gateway" --config "$H_CONF"
printf '# my gateway\ncert = "x.cert_secret"\n' >"$H_CONF"
expect "a setting outside its section says which section" \
    "host-conf.cfg:2: 'cert' must be inside section 'gateway'" 2 "$BIN/sluice-gateway" --config "$H_CONF"
sed 's/^gateway$/broker/' "$F/msa/gateway.cfg" >"$H_CONF"
expect "a wrong section says which one is expected" \
    "host-conf.cfg:2: unknown section 'broker': expected section 'gateway'" 2 \
    "$BIN/sluice-gateway" --config "$H_CONF"
printf '# nothing yet\n' >"$H_CONF"
expect "a missing section says how to write it" \
    "host-conf.cfg: expected section 'gateway': the file starts with a line 'gateway'" 2 \
    "$BIN/sluice-gateway" --config "$H_CONF"
grep -v "^    catalog = " "$F/msa/gateway.cfg" >"$H_CONF"
expect "a missing setting says where to add it" \
    "missing required setting 'gateway/catalog' .*add 'catalog = \.\.\.' under 'gateway' \(line 2\)" 2 \
    "$BIN/sluice-gateway" --config "$H_CONF"

# A broker and MSA's gateway of their own, in a directory that other users
# can pass through ($WORK is private: opened to passing through only)
chmod 711 "$WORK"
H_DIR="$WORK/host"
mkdir -p "$H_DIR"
chmod 711 "$H_DIR"
H_BROKER="tcp://127.0.0.1:$((PORT + 30))"
mkdir -p "$H_DIR/bin" "$H_DIR/broker" "$H_DIR/gw"
cp "$SLUICE" "$H_DIR/bin/sluice"
chmod 755 "$H_DIR/bin" "$H_DIR/bin/sluice"
cp -r "$F/broker/certs" "$F/broker/BROKER.cert_secret" "$F/broker/authority.pub" "$H_DIR/broker/"
cp -r "$F/msa/agreements" "$F/msa/catalog.cfg" "$F/msa/SH-PD-MSA.cert" \
    "$F/msa/SH-PD-MSA.cert_secret" "$F/msa/authority.pub" "$F/msa/BROKER.cert" "$H_DIR/gw/"
cat >"$H_DIR/broker/broker.cfg" <<CFG
broker
    endpoint = "$H_BROKER"
    cert = "BROKER.cert_secret"
    authority = "authority.pub"
    certs = "certs"
    crl = "federation.crl"
    heartbeat-ms = 500
CFG
cat >"$H_DIR/gw/gateway.cfg" <<CFG
gateway
    cert = "SH-PD-MSA.cert_secret"
    authority = "authority.pub"
    broker = "$H_BROKER"
    broker-cert = "BROKER.cert"
    local = "ipc://state/local.ipc"
    catalog = "catalog.cfg"
    source = "$F/data/market.db"
    state = "state"
    agreements = "agreements"
    heartbeat-ms = 500
CFG
H_GW="$H_DIR/gw/gateway.cfg"
H_LOCAL="ipc://$H_DIR/gw/state/local.ipc"
h_broker () {
    daemon host-broker "this suite's broker" "$BIN/sluice-broker" --config "$H_DIR/broker/broker.cfg"
    H_BROKER_PID=$DAEMON_PID
}
h_gateway () {   # [flags]
    daemon host-gw "this suite's gateway" "$BIN/sluice-gateway" --config "$H_GW" "$@"
    H_GW_PID=$DAEMON_PID
}
h_registered () { wait_registered gw "$H_DIR"; }
# As another user: nobody, in no group but the ones given
h_nobody () {   # gid command...
    gid=$1; shift
    setpriv --reuid=65534 --regid="$gid" --clear-groups "$@"
}
h_broker
h_gateway
check "this suite's gateway registers with its broker" h_registered

# A caller the gateway does not serve, even where the file system lets it
# reach the socket (as if an operator had opened it up)
chmod 711 "$H_DIR/gw" "$H_DIR/gw/state"
chmod 666 "$H_DIR/gw/state/local.ipc"
expect "another local user is refused: NOT_PERMITTED, named by the kernel" \
    "NOT_PERMITTED.*nobody \(uid 65534\) may not use this gateway" 3 \
    h_nobody 65534 "$H_DIR/bin/sluice" query --gateway "$H_LOCAL" --to SH-PD-TAX \
    --item taxpayer-status --key "$KEY" --purpose p --officer "Claimed Officer"
expect "the gateway logs the refused caller" \
    "local caller refused: nobody \(uid 65534\) may not use this gateway" 0 cat "$WORK/host-gw.log"
# The same caller refused in a loop: every request answered NOT_PERMITTED,
# the log bounded (20 lines in any 10 s, ratelog), the loop one
# sluice-bench --drive as nobody, its files where nobody reads them
cp "$BIN/sluice-bench" "$F/data/market.db" "$H_DIR/bin/"
chmod 755 "$H_DIR/bin/sluice-bench"
chmod 644 "$H_DIR/bin/market.db"
sed "s|^    local = .*|    local = \"$H_LOCAL\"|" "$H_GW" >"$H_DIR/bin/nobody.cfg"
chmod 644 "$H_DIR/bin/nobody.cfg"
h_refusals () { grep -c "local caller refused" "$WORK/host-gw.log"; }
refusals_before=$(h_refusals)
flood_start=$(date +%s)
expect "a caller refused 400 times in a loop: each request answered (NOT_PERMITTED)" \
    "400 replies to 400 lookups.* 400 failed" "0|1" \
    h_nobody 65534 "$H_DIR/bin/sluice-bench" --config "$H_DIR/bin/nobody.cfg" \
    --db "$H_DIR/bin/market.db" --to SH-PD-TAX --item taxpayer-status --purpose p \
    --officer "Claimed Officer" --role auditor --drive 400 --window 16 --seconds 60
refusal_lines=$(($(h_refusals) - refusals_before))
refusal_bound=$((20 * (($(date +%s) - flood_start) / 10 + 2)))
check "and logged at most 20 times in 10 s ($refusal_lines lines, at most $refusal_bound)" \
    test "$refusal_lines" -ge 1 -a "$refusal_lines" -le "$refusal_bound"
expect "its own user (root here) is served" "registered +yes" 0 "$SLUICE" status --gateway "$H_LOCAL"
"$SLUICE" agreement list --config "$H_GW" >/dev/null 2>&1
expect "the gateway names each caller of a registry operation" \
    "local agreements by root \(uid 0\)" 0 cat "$WORK/host-gw.log"

# SIGHUP: each daemon reloads its files now, keeps running and stops cleanly
cp -p "$H_DIR/gw/catalog.cfg" "$WORK/host-catalog.bak"
sed -i 's/^    item = "slow-report"/    item = "slow-report-2"/' "$H_DIR/gw/catalog.cfg"
cat "$WORK/host-catalog.bak" | sed -n '/^    item = "slow-report"/,$p' >>"$H_DIR/gw/catalog.cfg"
touch -r "$WORK/host-catalog.bak" "$H_DIR/gw/catalog.cfg"
hold_for 1.5        # longer than the catalog timer's period (1 s)
refute "a catalog edited with its old time stamp is not noticed by the timer" \
    "catalog changed" 0 cat "$WORK/host-gw.log"
kill -HUP "$H_GW_PID"
eventually "SIGHUP: the gateway loads its catalog and agreements again" \
    "SIGHUP: loading the catalog and the agreement files again" 0 cat "$WORK/host-gw.log"
eventually "and the edited catalog is in service" "catalog changed, [0-9]+ items now" 0 \
    cat "$WORK/host-gw.log"
check "the gateway survives SIGHUP" kill -0 "$H_GW_PID"
mkdir "$H_DIR/broker/certs/directory.cert"
kill -HUP "$H_BROKER_PID"
eventually "SIGHUP: the broker reloads certificates and revocation list" \
    "SIGHUP: reloading the certificates and the revocation list" 0 cat "$WORK/host-broker.log"
eventually "a directory among the certificates is refused, the rest trusted" \
    "directory.cert: a directory, not a regular file" 0 cat "$WORK/host-broker.log"
lines_at_least "the broker loaded its trust again" "$WORK/host-broker.log" 2 \
    "trusting [0-9]+ certificates"
check "the broker survives SIGHUP" kill -0 "$H_BROKER_PID"
check "and the gateway is still registered" h_registered
rmdir "$H_DIR/broker/certs/directory.cert"

# A FIFO in place of the catalog under a running gateway: refused with a
# log line, and the gateway keeps serving with the catalog it has
mv "$H_DIR/gw/catalog.cfg" "$WORK/host-catalog.real"
mkfifo "$H_DIR/gw/catalog.cfg"
eventually "a FIFO in place of the catalog is refused and logged" \
    "catalog change not applied.*catalog.cfg: a FIFO, not a regular file" 0 cat "$WORK/host-gw.log"
expect "the gateway keeps serving meanwhile" "registered +yes" 0 "$SLUICE" status --config "$H_GW"
rm -f "$H_DIR/gw/catalog.cfg"
mv "$WORK/host-catalog.real" "$H_DIR/gw/catalog.cfg"
touch "$H_DIR/gw/catalog.cfg"
lines_at_least "the real catalog back: loaded again" "$WORK/host-gw.log" 2 \
    "catalog changed, [0-9]+ items now"

# Files that are not regular files, at start: a clear error, never a hang.
# Each start uses a state directory of its own (the running gateway holds
# state/)
h_refused () {   # name pattern exit flags...
    name=$1; pattern=$2; code=$3; shift 3
    rm -rf "$H_DIR/gw/other"
    expect "$name" "$pattern" "$code" timeout -k 5 20 "$BIN/sluice-gateway" --config "$H_GW" \
        --state "$H_DIR/gw/other" --local "ipc://$H_DIR/gw/other/local.ipc" "$@"
}
mkfifo "$H_DIR/gw/fifo"
ln -s /dev/zero "$H_DIR/gw/zero"
h_refused "a FIFO as the catalog at start" "fifo: a FIFO, not a regular file" 1 \
    --catalog "$H_DIR/gw/fifo"
h_refused "a FIFO as the source database at start" \
    "fifo: cannot open the source database: a FIFO, not a regular file" 1 --source "$H_DIR/gw/fifo"
h_refused "a directory in place of the certificate" "a directory, not a regular file" 1 \
    --cert "$H_DIR/gw/agreements"
h_refused "a link to /dev/zero as the catalog" "zero: a character device, not a regular file" 1 \
    --catalog "$H_DIR/gw/zero"
head -c 1100000 /dev/zero | tr '\0' '#' >"$H_DIR/gw/big.cfg"
h_refused "an oversized catalog" "big.cfg: larger than 1048576 bytes" 1 --catalog "$H_DIR/gw/big.cfg"
expect "a FIFO as the configuration file" "cannot read the configuration file: a FIFO" 2 \
    timeout -k 5 20 "$BIN/sluice-gateway" --config "$H_DIR/gw/fifo"
expect "a FIFO as the broker's revocation list" "a FIFO, not a regular file" 1 \
    timeout -k 5 20 "$BIN/sluice-broker" --config "$H_DIR/broker/broker.cfg" --crl "$H_DIR/gw/fifo" \
    --state "$H_DIR/broker/other" --endpoint "tcp://127.0.0.1:$((PORT + 31))"
mkdir -p "$H_DIR/gw/other"
mkfifo "$H_DIR/gw/other/audit.db"
expect "a FIFO in the state directory stops the start" "audit.db is a FIFO" 1 \
    timeout -k 5 20 "$BIN/sluice-gateway" --config "$H_GW" --state "$H_DIR/gw/other" \
    --local "ipc://$H_DIR/gw/other/local.ipc"
rm -rf "$H_DIR/gw/other" "$H_DIR/gw/fifo" "$H_DIR/gw/zero" "$H_DIR/gw/big.cfg"

# A tcp:// local endpoint cannot say who asks: refused unless accepted by
# name, and then its callers are "unidentified"
h_refused "a tcp local endpoint is refused at start, saying why" \
    "cannot tell who is asking.*gateway/local-unidentified = 1" 1 \
    --local "tcp://127.0.0.1:$((PORT + 32))"
daemon host-tcp "the gateway on tcp" "$BIN/sluice-gateway" --config "$H_GW" \
    --state "$H_DIR/gw/other" --broker "tcp://127.0.0.1:$((PORT + 33))" \
    --local "tcp://127.0.0.1:$((PORT + 32))" --local-unidentified 1
h_tcp=$DAEMON_PID
eventually "accepted by name, it serves" "department" 1 \
    "$SLUICE" status --gateway "tcp://127.0.0.1:$((PORT + 32))"
expect "and warns that its callers are not identified" "does not identify its callers" 0 \
    cat "$WORK/host-tcp.log"
stop_clean "the gateway on tcp stops cleanly" $h_tcp
rm -rf "$H_DIR/gw/other"

# The group setting: the state and the socket become the group's, and a
# member is served
stop_clean "this suite's gateway stops cleanly after SIGHUP" "$H_GW_PID"
h_gateway --group nogroup
check "the gateway with a group registers" h_registered
check "with a group: state directory 2750 of the group" \
    test "$(stat -c '%a %G' "$H_DIR/gw/state")" = "2750 nogroup"
listing=$(h_modes "$H_DIR/gw/state")
if echo "$listing" | grep -q "audit.db 640 nogroup" \
&& ! echo "$listing" | grep -Ev "^[^ ]+ (640|660) nogroup" | grep -q .; then
    pass "with a group: every file 0640 of the group, the socket 0660"
else
    fail "with a group: every file 0640 of the group, the socket 0660" "$listing"
fi
check "the socket is the group's to connect to" \
    test "$(stat -c '%a %G' "$H_DIR/gw/state/local.ipc")" = "660 nogroup"
expect "a member of the group is served" "registered +yes" 0 \
    h_nobody 65534 "$H_DIR/bin/sluice" status --gateway "$H_LOCAL"
expect "and reads the state it shares" "SQLite format 3" 0 \
    h_nobody 65534 head -c 15 "$H_DIR/gw/state/audit.db"
stop_clean "the gateway with a group stops cleanly" "$H_GW_PID"
stop_clean "this suite's broker stops cleanly after SIGHUP" "$H_BROKER_PID"
finish
