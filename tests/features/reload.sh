#!/bin/bash
# a broken revocation list under a running broker: the reload fails, is logged, the previous trust stays and it serves on
. "$(dirname "$0")/../lib.sh"

# (The failed reload used to read freed memory, conf_str.) SH-PD-BAD is
# revoked by the list the broker starts with.
fed_setup
revoked_member SH-PD-BAD bad || setup_failed "SH-PD-BAD revoked"
fed_start msa tax

RELOAD_CRL="$F/broker/federation.crl"
cp "$RELOAD_CRL" "$WORK/reload-good.crl"
reload_lines=$(log_mark "$WORK/broker.log")
printf 'crl\n    version = "not a number\n' >"$RELOAD_CRL"
eventually "the broken list is logged, the previous trust kept" \
    "reload failed, keeping the previous trust: .*federation.crl: not a valid revocation list" 0 \
    tail -n +"$reload_lines" "$WORK/broker.log"
check "the broker runs on after the failed reload" kill -0 "$BROKER_PID"
expect "the revoked department is still refused in the handshake" \
    "^handshake=FAILED_AUTH status=400$" 0 rogue bad SH-PD-BAD SH-PD-MSA handshake
expect "and the others are served" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
# Another change while the list is still broken fails the same way
# (the broker logs the second failure, and still runs)
failed_twice () {
    [ "$(tail -n +"$reload_lines" "$WORK/broker.log" | grep -c "reload failed")" -ge 2 ]
}
second_failure () { wait_for failed_twice && kill -0 "$BROKER_PID"; }
touch "$F/broker/certs/SH-PD-MSA.cert"
check "a second failed reload, and the broker still runs" second_failure
cp "$WORK/reload-good.crl" "$RELOAD_CRL"
eventually "the list put back is loaded again" "trusting .* with a revocation list" 0 \
    tail -n +"$reload_lines" "$WORK/broker.log"
refute "no sanitizer report from the reloads" "AddressSanitizer|runtime error" 0 \
    cat "$WORK/broker.log"
finish
