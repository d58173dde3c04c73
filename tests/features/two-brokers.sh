#!/bin/bash
# two brokers: every gateway registers with both, and losing one loses nothing
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start
start_broker2

linked_to_all () {   # broker-id: every gateway's link to it is registered
    local folder
    for folder in msa tax fda; do wait_link "$folder" "$1" || return 1; done
}
check "gateways register with the second broker too" linked_to_all BROKER-2
kill_hard $BROKER_PID
expect "first broker killed: queries flow through the second at once" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
expect "and keep flowing" "OK \(" 0 \
    query msa SH-PD-FDA food-inspections "$KEY" --purpose joint-inspection --role inspector
finish
