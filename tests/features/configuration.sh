#!/bin/bash
# configuration errors and the command line: refused with what and where, exit codes, log levels
. "$(dirname "$0")/../lib.sh"

for program in sluice sluice-broker sluice-gateway sluice-gendata sluice-rogue sluice-certgen \
               sluice-noticedrive; do
    expect "$program --help" "usage|Usage" 0 "$BIN/$program" --help
done
expect "sluice unknown command" "unknown command" 64 "$SLUICE" frobnicate
expect "sluice query without arguments" "usage" 64 "$SLUICE" query

fed_setup
cp "$F/msa/gateway.cfg" "$WORK/broken.cfg"
sed -i 's/heartbeat-ms = 500/hearbeat-ms = 500/' "$WORK/broken.cfg"
expect "gateway: misspelt setting, with its line and the right name" \
    "broken.cfg:[0-9]+: unknown setting 'gateway/hearbeat-ms': did you mean 'gateway/heartbeat-ms'" 2 \
    "$BIN/sluice-gateway" --config "$WORK/broken.cfg"
printf 'broker\n    endpoint = "tcp://127.0.0.1:1\n' >"$WORK/broken-broker.cfg"
expect "broker: ZPL syntax error, with its line" "broken-broker.cfg:2: missing closing \"" 2 \
    "$BIN/sluice-broker" --config "$WORK/broken-broker.cfg"
expect "broker: missing file" "cannot read the configuration file" 2 \
    "$BIN/sluice-broker" --config "$WORK/none.cfg"
expect "broker: bad flag value" "heartbeat-ms.*between" 2 \
    "$BIN/sluice-broker" --config "$F/broker/broker.cfg" --heartbeat-ms 5
expect "broker: unknown flag" "unknown flag '--bogus'" 2 \
    "$BIN/sluice-broker" --config "$F/broker/broker.cfg" --bogus 1
sed 's/catalog = "catalog.cfg"/catalog = "bad-catalog.cfg"/' "$F/msa/gateway.cfg" >"$F/msa/bad.cfg"
sed 's/share = "closed"/share = "secret"/' "$F/msa/catalog.cfg" >"$F/msa/bad-catalog.cfg"
expect "gateway: bad catalog names item and key" "bad-catalog.cfg: item 'complaint-files'.*share" 1 \
    "$BIN/sluice-gateway" --config "$F/msa/bad.cfg"
sed 's/"BROKER.cert, BROKER-2.cert"/"BROKER.cert, ..\/tax\/SH-PD-TAX.cert"/' "$F/msa/gateway.cfg" >"$F/msa/bad2.cfg"
expect "gateway: a department cert posing as the broker's" "not a broker certificate" 1 \
    "$BIN/sluice-gateway" --config "$F/msa/bad2.cfg"
sed 's/"BROKER.cert, BROKER-2.cert"/"BROKER.cert"/' "$F/msa/gateway.cfg" >"$F/msa/bad3.cfg"
expect "gateway: endpoints and broker certificates must pair up" "2 endpoints but gateway/broker-cert 1" 1 \
    "$BIN/sluice-gateway" --config "$F/msa/bad3.cfg"

# Log levels: a broker at warning writes no routine line; one at info does.
# Each is stopped once it listens (seen in /proc, not by connecting to it).
daemon quiet "the broker at log level warning" "$BIN/sluice-broker" --config "$F/broker/broker.cfg" \
    --endpoint "tcp://127.0.0.1:$((PORT + 30))" --state "$WORK/quiet-state" --log-level warning
quiet=$DAEMON_PID
check "the broker at log level warning listens" wait_listening $((PORT + 30))
stop_clean "a broker at log level warning stops cleanly" $quiet
refute "log level warning hides routine lines" "listening|trusting" 0 cat "$WORK/quiet.log"
daemon loud "the broker at log level info" "$BIN/sluice-broker" --config "$F/broker/broker.cfg" \
    --endpoint "tcp://127.0.0.1:$((PORT + 31))" --state "$WORK/quiet-state"
loud=$DAEMON_PID
check "the broker at log level info listens" wait_listening $((PORT + 31))
stop_clean "a broker at log level info stops cleanly" $loud
expect "log level info shows them" "listening on" 0 cat "$WORK/loud.log"
finish
