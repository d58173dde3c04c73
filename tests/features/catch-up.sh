#!/bin/bash
# the registry's catch-up: more than 1 MiB in pages to a gateway that was offline, then deltas; orders bounded; the revocation list never goes back
. "$(dirname "$0")/../lib.sh"

# A federation with one broker, its agreements staged only: a gateway that
# was offline catches up on the registry in pages, and the next time only
# on what is new; orders are bounded per department; a broker never goes
# back to an older revocation list.
fed_setup --check-as "catch-up: a federation of its own" --staged --enterprises 50
for dept in msa tax; do
    sed -i -e "s|^    broker = .*|    broker = \"$ENDPOINT\"|" \
        -e 's|^    broker-cert = .*|    broker-cert = "BROKER.cert"|' "$F/$dept/gateway.cfg"
done
printf '    order-limit = 320\n' >>"$F/broker/broker.cfg"
for n in 1 2 3; do member "SH-PD-C$n" "c$n"; done
cu_rogue () {   # consumer-number attack [more]
    n=$1; attack=$2; shift 2
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$F/c$n/SH-PD-C$n.cert_secret" \
        --to SH-PD-MSA --attack "$attack" "$@"
}
cu_msa_orders () {
    "$SLUICE" order list --config "$F/msa/gateway.cfg" | grep -c "^ORD-SH-PD-C"
}
# Up to 60 s: a catch-up of a thousand statements on a loaded machine
cu_wait () { WAIT_SECONDS=60 eventually "$@"; }
# The lines a log got after line N
cu_since () { tail -n "+$(($2 + 1))" "$1"; }
start_broker
start_gateway msa
start_gateway tax
check "catch-up: the provider registers" wait_registered msa
check "catch-up: the consumer registers" wait_registered tax
stop_clean "catch-up: the provider goes offline" "$msa_PID"

# While it is offline: orders with long legal bases from three departments,
# and an agreement
expect "catch-up: a department files 321 orders; the bound refuses the last" \
    "^replies=321 ok=320 errors=1 last=LIMIT_REACHED reason=SH-PD-C1 has 320 open orders.*order-limit 320" 0 \
    cu_rogue 1 orders --count 321 --timeout-ms 5000
expect "catch-up: a second files 320" "^replies=320 ok=320 errors=0$" 0 \
    cu_rogue 2 orders --count 320 --timeout-ms 5000
expect "catch-up: a third files 319" "^replies=319 ok=319 errors=0$" 0 \
    cu_rogue 3 orders --count 319 --timeout-ms 5000
"$SLUICE" agreement draft --id AGR-CU-0001 --provider SH-PD-MSA --consumer SH-PD-TAX \
    --item enterprise-basic --fields name,status --purposes catch-up --roles auditor \
    --legal-basis "registered while the provider was offline" --out "$F/cu.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$F/cu.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$F/cu.agreement" >/dev/null
expect "catch-up: an agreement registered while the provider is offline" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$F/cu.agreement"

start_gateway msa
check "catch-up: the provider is back" wait_registered msa
cu_wait "catch-up: every order arrives at the provider" "^959$" 0 cu_msa_orders
cu_wait "catch-up: the agreement arrives and is in force" "AGR-CU-0001 +in force" 0 agreements_of msa
CU_KEY=$(head -1 "$F/data/sample-keys.txt")
expect "catch-up: the consumer is served under it" "OK \(" 0 \
    "$SLUICE" query --config "$F/tax/gateway.cfg" --to SH-PD-MSA --item enterprise-basic \
    --key "$CU_KEY" --fields name --officer "Test Officer" --purpose catch-up --role auditor
# The pages: more than 1 MiB for one department, each page well under the
# envelope's 1 MiB
cu_pages () {
    grep "catch-up for SH-PD-MSA after change" "$WORK/broker.log" |
        sed -n 's/.*statements (\([0-9]*\) bytes).*/\1/p' |
        awk '{ sum += $1; if ($1 > max) max = $1; n++ }
             END { printf "pages=%d bytes=%d max=%d\n", n, sum, max;
                   exit !(n >= 4 && sum > 1048576 && max < 600000) }'
}
expect "catch-up: more than 1 MiB in pages, none near the envelope's limit" "pages=" 0 cu_pages
expect "catch-up: the provider's log tells each page" \
    "catch-up from BROKER: [0-9]+ statements, [0-9]+ new, up to change [0-9]+, done" 0 \
    cat "$WORK/msa.log"

# The next HELLO: only what changed since the mark the gateway kept
stop_clean "catch-up: the provider goes offline again" "$msa_PID"
expect "catch-up: one more order meanwhile" "^replies=1 ok=1 errors=0$" 0 \
    cu_rogue 3 orders --count 1 --timeout-ms 5000
CU_LINES=$(log_mark "$WORK/broker.log")
start_gateway msa
check "catch-up: the provider is back again" wait_registered msa
eventually "catch-up: the new order arrives" "^960$" 0 cu_msa_orders
expect "catch-up: the second HELLO sends only what is new" \
    "catch-up for SH-PD-MSA after change [1-9][0-9]*: 1 statements" 0 \
    cu_since "$WORK/broker.log" "$CU_LINES"
refute "catch-up: nothing from the start again" "catch-up for SH-PD-MSA after change 0:" 0 \
    cu_since "$WORK/broker.log" "$CU_LINES"
refute "catch-up: no page dropped by the broker" "catch-up page.*could not be sent|could not be built" 0 \
    cat "$WORK/broker.log"
expect "catch-up: a push the offline provider missed is logged, not dropped silently" \
    "registry push for SH-PD-MSA .*could not be sent.*next catch-up" 0 cat "$WORK/broker.log"

# --- a broker never goes back to an older revocation list
"$SLUICE" certs revoke --authority "$F/authority/authority.secret" --crl "$F/old.crl" \
    --department SH-PD-GONE --reason "left the federation" >/dev/null
cp "$F/old.crl" "$F/new.crl"
"$SLUICE" certs revoke --authority "$F/authority/authority.secret" --crl "$F/new.crl" \
    --department SH-PD-C3 --reason "key compromise" >/dev/null
cp "$F/new.crl" "$F/broker/federation.crl"
# SH-PD-C3 knocks, and the broker's log says whether ZAP let it in
cu_knock () {
    cu_rogue 3 valid --timeout-ms 1000 >/dev/null
    log_match "$WORK/broker.log" CERT_REVOKED "SH-PD-C3"
}
check "crl floor: the broker takes version 2, which revokes SH-PD-C3" wait_for cu_knock
stop_clean "crl floor: the broker stops" "$BROKER_PID"
cp "$F/old.crl" "$F/broker/federation.crl"
CU_LINES=$(log_mark "$WORK/broker.log")
start_broker
eventually "crl floor: the broker back, with the older list file" "listening on" 0 \
    cu_since "$WORK/broker.log" "$CU_LINES"
expect "crl floor: the broker says it serves the newer list" \
    "revocation list file \(broker/crl\) holds an older version; serving version 2" 0 \
    cu_since "$WORK/broker.log" "$CU_LINES"
expect "crl floor: another department is admitted" "^status=" 0 \
    cu_rogue 2 valid --timeout-ms 3000
expect "crl floor: the revoked department stays refused after the restart" "^no-reply" 0 \
    cu_rogue 3 valid --timeout-ms 1500
LOG_FROM=$CU_LINES logged "crl floor: refused at the door (ZAP)" "$WORK/broker.log" \
    CERT_REVOKED "SH-PD-C3"
check "crl floor: the provider registers again" wait_registered msa
expect "crl floor: publishing the older list is refused" "STALE" 3 \
    "$SLUICE" certs publish --crl "$F/old.crl" --config "$F/msa/gateway.cfg"
rm -f "$F/broker/federation.crl"
eventually "crl floor: with the file gone, still the newer list" \
    "revocation list file \(broker/crl\) holds none; serving version 2" 0 cat "$WORK/broker.log"
expect "crl floor: and the revoked department still refused" "^no-reply" 0 \
    cu_rogue 3 valid --timeout-ms 1500

stop_clean "catch-up: the provider stops cleanly" "$msa_PID"
stop_clean "catch-up: the consumer stops cleanly" "$tax_PID"
stop_clean "catch-up: its broker stops cleanly" "$BROKER_PID"
finish
