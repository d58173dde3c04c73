#!/bin/bash
# clean shutdown: every daemon stops on SIGTERM with exit 0 (a sanitizer report would make it 99)
. "$(dirname "$0")/../lib.sh"

fed_setup
fed_start_both
# Some work done first, so that each daemon has something to free
query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor >/dev/null 2>&1

for dept in msa tax fda; do
    eval "pid=\$${dept}_PID"
    stop_clean "$dept gateway stops cleanly on SIGTERM" "$pid"
done
stop_clean "broker stops cleanly on SIGTERM" $BROKER_PID
stop_clean "second broker stops cleanly on SIGTERM" $BROKER2_PID
finish
