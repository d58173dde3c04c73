# Sourced by tests/run.sh (see the comment above its loop over suites).
# Issue 6, item 3 (the registry part) and the bound on orders: a gateway
# that was offline catches up on more than 1 MiB of registry in pages, and
# the next time only on what is new; orders are bounded per department; a
# broker never goes back to an older revocation list. A federation of its
# own, on ports $((PORT + 100)) and up.

echo "== the registry's catch-up in pages, with deltas (a federation of its own)"
CU="$WORK/cu"
CU_PORT=$((PORT + 100))
CU_EP="tcp://127.0.0.1:$CU_PORT"
check "catch-up: a federation of its own" \
    env SLUICE_INSTALL_AGREEMENTS=0 sh "$ROOT/examples/pudong/federation.sh" "$BIN" "$CU" "$CU_PORT" 50
for dept in msa tax; do
    sed -i -e "s|^    broker = .*|    broker = \"$CU_EP\"|" \
        -e 's|^    broker-cert = .*|    broker-cert = "BROKER.cert"|' "$CU/$dept/gateway.cfg"
done
printf '    order-limit = 320\n' >>"$CU/broker/broker.cfg"
for n in 1 2 3; do
    "$SLUICE" certs issue --authority "$CU/authority/authority.secret" --department "SH-PD-C$n" \
        --name "Consumer $n" --out "$CU/c$n" >/dev/null 2>&1
    cp "$CU/c$n/SH-PD-C$n.cert" "$CU/broker/certs/"
done
cu_broker () { fed_broker "$CU" cu; }
cu_gateway () { fed_gateway "$CU" cu "$1"; }        # folder
cu_registered () { fed_registered "$CU" "$1"; }     # folder
cu_rogue () {   # consumer-number attack [more]
    n=$1; attack=$2; shift 2
    "$BIN/sluice-rogue" --broker "$CU_EP" --broker-cert "$CU/broker/BROKER.cert" \
        --authority "$CU/authority/authority.pub" --cert "$CU/c$n/SH-PD-C$n.cert_secret" \
        --to SH-PD-MSA --attack "$attack" "$@"
}
cu_msa_orders () {
    "$SLUICE" order list --config "$CU/msa/gateway.cfg" | grep -c "^ORD-SH-PD-C"
}
# Polls up to 60 s: a catch-up of a thousand statements on a loaded machine
cu_wait () { WAIT_TRIES=240 registry_wait "$@"; }
# The lines a log got after line N
cu_since () { tail -n "+$(($2 + 1))" "$1"; }
cu_broker
cu_gateway msa
cu_gateway tax
check "catch-up: the provider registers" cu_registered msa
check "catch-up: the consumer registers" cu_registered tax
stop_clean "catch-up: the provider goes offline" "$CU_msa_PID"

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
    --legal-basis "registered while the provider was offline" --out "$CU/cu.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$CU/msa/SH-PD-MSA.cert_secret" --file "$CU/cu.agreement" >/dev/null
"$SLUICE" agreement sign --cert "$CU/tax/SH-PD-TAX.cert_secret" --file "$CU/cu.agreement" >/dev/null
expect "catch-up: an agreement registered while the provider is offline" "registered" 0 \
    "$SLUICE" agreement register --config "$CU/tax/gateway.cfg" --file "$CU/cu.agreement"

cu_gateway msa
check "catch-up: the provider is back" cu_registered msa
check "catch-up: every order arrives at the provider" cu_wait "^959$" cu_msa_orders
check "catch-up: the agreement arrives and is in force" \
    cu_wait "AGR-CU-0001 +in force" "$SLUICE" agreement list --config "$CU/msa/gateway.cfg"
CU_KEY=$(head -1 "$CU/data/sample-keys.txt")
expect "catch-up: the consumer is served under it" "OK \(" 0 \
    "$SLUICE" query --config "$CU/tax/gateway.cfg" --to SH-PD-MSA --item enterprise-basic \
    --key "$CU_KEY" --fields name --officer "Test Officer" --purpose catch-up --role auditor
# The pages: more than 1 MiB for one department, each page well under the
# envelope's 1 MiB
cu_pages () {
    grep "broker: catch-up for SH-PD-MSA after change" "$WORK/cu-broker.log" |
        sed -n 's/.*statements (\([0-9]*\) bytes).*/\1/p' |
        awk '{ sum += $1; if ($1 > max) max = $1; n++ }
             END { printf "pages=%d bytes=%d max=%d\n", n, sum, max;
                   exit !(n >= 4 && sum > 1048576 && max < 600000) }'
}
expect "catch-up: more than 1 MiB in pages, none near the envelope's limit" "pages=" 0 cu_pages
expect "catch-up: the provider's log tells each page" \
    "registrar: catch-up from BROKER: [0-9]+ statements, [0-9]+ new, up to change [0-9]+, done" 0 \
    cat "$WORK/cu-msa.log"

# The next HELLO: only what changed since the mark the gateway kept
stop_clean "catch-up: the provider goes offline again" "$CU_msa_PID"
expect "catch-up: one more order meanwhile" "^replies=1 ok=1 errors=0$" 0 \
    cu_rogue 3 orders --count 1 --timeout-ms 5000
CU_LINES=$(wc -l <"$WORK/cu-broker.log")
cu_gateway msa
check "catch-up: the provider is back again" cu_registered msa
check "catch-up: the new order arrives" registry_wait "^960$" cu_msa_orders
expect "catch-up: the second HELLO sends only what is new" \
    "catch-up for SH-PD-MSA after change [1-9][0-9]*: 1 statements" 0 \
    cu_since "$WORK/cu-broker.log" "$CU_LINES"
refute "catch-up: nothing from the start again" "catch-up for SH-PD-MSA after change 0:" \
    cu_since "$WORK/cu-broker.log" "$CU_LINES"
refute "catch-up: no page dropped by the broker" "catch-up page.*could not be sent|could not be built" \
    cat "$WORK/cu-broker.log"
expect "catch-up: a push the offline provider missed is logged, not dropped silently" \
    "registry push for SH-PD-MSA .*could not be sent.*next catch-up" 0 cat "$WORK/cu-broker.log"

echo "== a broker never goes back to an older revocation list"
"$SLUICE" certs revoke --authority "$CU/authority/authority.secret" --crl "$CU/old.crl" \
    --department SH-PD-GONE --reason "left the federation" >/dev/null
cp "$CU/old.crl" "$CU/new.crl"
"$SLUICE" certs revoke --authority "$CU/authority/authority.secret" --crl "$CU/new.crl" \
    --department SH-PD-C3 --reason "key compromise" >/dev/null
cp "$CU/new.crl" "$CU/broker/federation.crl"
# SH-PD-C3 knocks, and the broker's log says whether ZAP let it in
cu_knock () { cu_rogue 3 valid --timeout-ms 1000 >/dev/null; cat "$WORK/cu-broker.log"; }
check "crl floor: the broker takes version 2, which revokes SH-PD-C3" \
    registry_wait "refused connection from .*CERT_REVOKED \(certificate of SH-PD-C3\)" cu_knock
stop_clean "crl floor: the broker stops" "$CU_BROKER_PID"
cp "$CU/old.crl" "$CU/broker/federation.crl"
CU_LINES=$(wc -l <"$WORK/cu-broker.log")
cu_broker
check "crl floor: the broker back, with the older list file" \
    registry_wait "listening on" cu_since "$WORK/cu-broker.log" "$CU_LINES"
expect "crl floor: the broker says it serves the newer list" \
    "revocation list file \(broker/crl\) holds an older version; serving version 2" 0 \
    cu_since "$WORK/cu-broker.log" "$CU_LINES"
expect "crl floor: another department is admitted" "^status=" 0 \
    cu_rogue 2 valid --timeout-ms 3000
expect "crl floor: the revoked department stays refused after the restart" "^no-reply" 0 \
    cu_rogue 3 valid --timeout-ms 1500
expect "crl floor: refused at the door (ZAP)" "refused connection from .*CERT_REVOKED \(certificate of SH-PD-C3\)" 0 \
    cu_since "$WORK/cu-broker.log" "$CU_LINES"
check "crl floor: the provider registers again" cu_registered msa
expect "crl floor: publishing the older list is refused" "STALE" 3 \
    "$SLUICE" certs publish --crl "$CU/old.crl" --config "$CU/msa/gateway.cfg"
rm -f "$CU/broker/federation.crl"
eventually "crl floor: with the file gone, still the newer list" "$WORK/cu-broker.log" \
    "revocation list file \(broker/crl\) holds none; serving version 2"
expect "crl floor: and the revoked department still refused" "^no-reply" 0 \
    cu_rogue 3 valid --timeout-ms 1500

stop_clean "catch-up: the provider stops cleanly" "$CU_msa_PID"
stop_clean "catch-up: the consumer stops cleanly" "$CU_tax_PID"
stop_clean "catch-up: its broker stops cleanly" "$CU_BROKER_PID"
