#!/bin/bash
# failures: a provider stopped, killed and restarted, the broker restarted -- errors, never hangs
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start

kill -STOP $msa_PID
expect "provider frozen: requester gets an error within its timeout" "TIMEOUT" 3 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor --timeout-ms 1500
expect "broker keeps serving others meanwhile" "OK" 0 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
kill -CONT $msa_PID
kill_hard $msa_PID
# The broker learns the provider is gone when its connection closes
eventually "provider killed: offline error, not a hang" "DEPARTMENT_OFFLINE" 3 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "other departments still served" "OK" 0 \
    query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
start_gateway msa
check "restarted provider registers again" wait_registered msa
expect "restarted provider answers" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "audit chain continues across a SIGKILL" "intact" 0 "$SLUICE" audit verify \
    --log "$F/msa/state/audit.db" --cert "$F/msa/SH-PD-MSA.cert"
stop_clean "broker stops cleanly on SIGTERM" $BROKER_PID
# The gateways see the broker gone (no other broker runs) before it comes back
see_it_gone () { wait_not_registered tax && wait_not_registered msa; }
check "the gateways see the broker gone" see_it_gone
start_broker
check "gateways reconnect to a restarted broker" wait_registered tax
eventually "queries flow again after the broker restart" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
finish
