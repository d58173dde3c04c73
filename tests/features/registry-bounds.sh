#!/bin/bash
# the registry at a real broker: a version ahead of the clock refused (VERSION_AHEAD), so no id freezes
. "$(dirname "$0")/../lib.sh"

fed_setup --rogue
fed_start
RB_MAX=9223372036854775807
rb_now () { echo $(($(date +%s%N) / 1000000)); }

# --- Versions bounded by the clock: one of 2^63-1 would win over anything
# its author makes later, and freeze the id for good
expect "a catalog numbered 2^63-1 is refused" "^done=VERSION_AHEAD " 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw --statement-version "$RB_MAX"
expect "the id is not frozen: the next catalog, numbered by the clock, is registered" \
    "^done=OK " 0 rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw
expect "a catalog numbered 6 minutes ahead of the broker's clock is refused" \
    "^done=VERSION_AHEAD " 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX withdraw --statement-version "$(($(rb_now) + 360000))"
expect "an order numbered 2^63-1 is refused" "^replies=1 ok=0 errors=1 .*last=VERSION_AHEAD" 0 \
    rogue rogue SH-PD-ROGUE SH-PD-MSA orders --count 1 --statement-version "$RB_MAX"
logged "the broker logs the refusal, with the version" "$WORK/broker.log" VERSION_AHEAD \
    "SH-PD-ROGUE put catalog SH-PD-ROGUE version $RB_MAX"
finish
