#!/bin/bash
# hostile and broken peers (sluice-rogue): every attack refused with its code, a replay after a restart, a flood
. "$(dirname "$0")/../lib.sh"

fed_setup --rogue
fed_start

expect "rogue baseline: a correct query is answered" "status=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA valid --key "$KEY"
expect "uncertified CURVE key gets nothing" "no-reply" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA uncertified --timeout-ms 1500
expect "malformed frame" "status=MALFORMED" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA malformed
expect "garbage header" "status=MALFORMED" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA garbage-header
expect "truncated body" "status=(BAD_SEAL|MALFORMED)" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA truncated
expect "oversized message" "status=TOO_LARGE|no-reply" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA oversized
expect "spoofed sender" "status=SENDER_MISMATCH" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA spoof
expect "tampered signature" "status=BAD_SIGNATURE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA bad-signature
expect "body sealed to another department" "status=BAD_SEAL" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA wrong-seal
expect "replayed request" "status=REPLAY" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA replay
expect "a query recorded" "status=OK" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA record --key "$KEY" --file "$WORK/recorded.query"
stop_clean "provider stops, before a replay of the recorded query" $msa_PID
start_gateway msa
check "provider back" wait_registered msa
expect "replayed after the provider restarted: still a replay" "status=REPLAY" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA resend --file "$WORK/recorded.query"
expect "stale timestamp" "status=STALE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA stale
expect "timestamp from the future" "status=STALE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA future
expect "query in clear" "status=BAD_TYPE" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA clear-query
expect "unknown department via the broker" "status=UNKNOWN_DEPARTMENT" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA unknown-dept
expect "query before registering" "status=NOT_REGISTERED" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA no-hello
expect "injection through the wire" "status=INVALID_KEY" 0 rogue rogue SH-PD-ROGUE SH-PD-MSA injection
expect "flood of 2000 queries: all answered" "replies=2000 ok=2000" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA flood --count 2000 --timeout-ms 20000
check "daemons alive after the hostile peers" kill -0 $BROKER_PID $msa_PID $tax_PID $fda_PID
finish
