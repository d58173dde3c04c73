# A revocation list file replaced by garbage under the running broker: the
# reload fails, is logged, the previous trust stays and the broker keeps
# serving (the failed reload used to read freed memory, conf_str).
echo "== a broken revocation list under a running broker"
RELOAD_CRL="$F/broker/federation.crl"
cp "$RELOAD_CRL" "$WORK/reload-good.crl"
reload_lines=$(wc -l <"$WORK/broker.log")
printf 'crl\n    version = "not a number\n' >"$RELOAD_CRL"
check "the broken list is logged, the previous trust kept" registry_wait \
    "reload failed, keeping the previous trust: .*federation.crl: not a valid revocation list" \
    tail -n +"$reload_lines" "$WORK/broker.log"
sleep 1.5
check "the broker runs on after the failed reload" kill -0 "$BROKER_PID"
expect "the revoked department is still refused in the handshake" \
    "^handshake=FAILED_AUTH status=400$" 0 rogue bad SH-PD-BAD SH-PD-MSA handshake
expect "and the others are served" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
# Another change while the list is still broken fails the same way
touch "$F/broker/certs/SH-PD-MSA.cert"
sleep 1.5
check "a second failed reload, and the broker still runs" kill -0 "$BROKER_PID"
cp "$WORK/reload-good.crl" "$RELOAD_CRL"
check "the list put back is loaded again" registry_wait "trusting .* with a revocation list" \
    tail -n +"$reload_lines" "$WORK/broker.log"
refute "no sanitizer report from the reloads" "AddressSanitizer|runtime error" \
    cat "$WORK/broker.log"
