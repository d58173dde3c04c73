#!/bin/bash
# the replay cache shared among several flooding departments at once: each gets its share and its excess is BUSY, an honest department is still answered
. "$(dirname "$0")/../lib.sh"

# FDA remembers at most 300 message ids. Three certified departments flood
# it with 400 queries each, at the same time; each holds at most its share
# of what is free (fewer than half of the free slots, counting its own), so
# together they leave room, and TAX, which holds none, is answered
# meanwhile and after, while each flooder stays BUSY until its ids expire.
fed_setup --rogue
member SH-PD-FLOOD-B flood-b && member SH-PD-FLOOD-C flood-c ||
    setup_failed "two more flooding departments certified"
printf '    replay-capacity = 300\n' >>"$F/fda/gateway.cfg"
fed_start
flooder () {   # folder department
    rogue "$1" "$2" SH-PD-FDA flood --item food-licence --key "$KEY" --count 400 \
        --timeout-ms 15000 >"$WORK/flood-$1.out" 2>&1
}
flooder rogue SH-PD-ROGUE &
flood_a=$!
flooder flood-b SH-PD-FLOOD-B &
flood_b=$!
flooder flood-c SH-PD-FLOOD-C &
flood_c=$!
track "$flood_a"; track "$flood_b"; track "$flood_c"
expect "three departments flooding at once: an honest department is answered meanwhile" \
    "OK \(1 row\)" 0 query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
wait "$flood_a" "$flood_b" "$flood_c"
for folder in rogue flood-b flood-c; do
    expect "the flood from $folder: every query answered, some OK (its share), its excess BUSY" \
        "^replies=400 ok=[1-9][0-9]* errors=[1-9][0-9]* BUSY=[1-9][0-9]*( last=|$)" 0 \
        cat "$WORK/flood-$folder.out"
done
expect "after the floods, their ids still held: the honest department is answered" \
    "OK \(1 row\)" 0 query tax SH-PD-FDA food-licence "$KEY" --purpose p --role auditor
for folder in rogue flood-b flood-c; do
    department=$(basename "$F/$folder"/*.cert .cert)
    expect "while $department stays BUSY" "^status=BUSY from=SH-PD-FDA " 0 \
        rogue "$folder" "$department" SH-PD-FDA valid --item food-licence --key "$KEY"
done
finish
