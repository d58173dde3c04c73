#!/bin/bash
# floods: answers the broker cannot deliver logged a bounded number of times; the replay cache shared among several flooders while an honest department is answered
. "$(dirname "$0")/../lib.sh"

# A provider whose answers pile up at the broker for a consumer that reads
# none of them hears BUSY (the broker's queue for that consumer is full)
# once per answer: it logs a bounded number of those lines. The broker
# queues 100 messages per peer; the answers are of 64 KiB, so that the
# kernel's buffers do not take them all.
fed_setup --rogue
printf '    queue-limit = 100\n' >>"$F/broker/broker.cfg"
catalog_item large-record "SELECT hex(zeroblob(32768)) AS large WHERE :key IS NOT NULL" \
    large >>"$F/msa/catalog.cfg"
fed_start
msa_errors () { log_count "$WORK/msa.log" BUSY "error from BROKER"; }
errors_before=$(msa_errors)
flood_start=$(date +%s)
expect "a consumer that reads nothing floods MSA with 1000 queries" "^sent=1000$" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA deaf-flood --item large-record --count 1000 \
    --timeout-ms 6000
error_lines=$(($(msa_errors) - errors_before))
error_bound=$((20 * (($(date +%s) - flood_start) / 10 + 2)))
check "the broker's BUSY for its answers: logged at most 20 times in 10 s ($error_lines lines, at most $error_bound)" \
    test "$error_lines" -ge 1 -a "$error_lines" -le "$error_bound"
expect "MSA answers meanwhile" "OK \(1 row\)" 0 \
    query tax SH-PD-MSA enterprise-basic "$KEY" --purpose p --role auditor
finish
