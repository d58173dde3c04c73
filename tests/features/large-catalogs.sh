#!/bin/bash
# catalogs of more than 1 MiB in all: the catalog list comes in pages, every answer is checked against its provider's catalog, and one checked without any says so
. "$(dirname "$0")/../lib.sh"

# Twelve more departments (sluice-certgen) publish catalogs of about 100
# KiB each (sluice-rogue publish-catalog), 1.2 MB in all: more than one
# REGISTRY message carries, so the broker lists them in pages. Then the
# hostile member publishes a catalog of its own, the last: TAX still
# lists every catalog, and refuses an answer with a field that catalog
# lacks. An answer from a department that published none is checked by
# the rules that need none, and TAX's log says so.
fed_setup --rogue
MANY="$WORK/many"
mkdir -p "$MANY"
check "thirteen more departments certified (sluice-certgen)" "$BIN/sluice-certgen" \
    "$F/authority/authority.secret" "$MANY" 13 SH-PD-C 1 2 3 4 5 6 7 8 9 10 11 12 13
cp "$MANY"/*.cert "$F/broker/certs/"
fed_start msa tax
# A catalog of 24 items whose descriptions are 4000 bytes each
DESCRIPTION=$(printf 'x%.0s' $(seq 1 4000))
{
    echo "catalog"
    for item in $(seq 1 24); do
        ITEM_DESCRIPTION=$DESCRIPTION catalog_item "bulky-$item" \
            "SELECT name FROM t WHERE k = :key" name
    done
} >"$WORK/bulky.cfg"
published=0
for number in 01 02 03 04 05 06 07 08 09 10 11 12; do
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$MANY/SH-PD-C-000$number.cert_secret" \
        --to SH-PD-TAX --attack publish-catalog --catalog "$WORK/bulky.cfg" \
        >"$WORK/publish.out" 2>&1 && grep -q "^done=OK " "$WORK/publish.out" &&
        published=$((published + 1))
done
check "twelve catalogs of about 100 KiB each published ($published)" test "$published" = 12
{
    echo "catalog"
    catalog_item rogue-record "SELECT name, status FROM t WHERE k = :key" name status
} >"$WORK/rogue-catalog.cfg"
expect "and the hostile member's catalog, the last one" "^done=OK " 0 \
    rogue rogue SH-PD-ROGUE SH-PD-TAX publish-catalog --catalog "$WORK/rogue-catalog.cfg"

catalog_departments () {
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg" | cut -d' ' -f1 | sort -u | wc -l
}
eventually "TAX lists every catalog, 1.2 MB of them (16 departments)" "^16$" 0 catalog_departments
expect "the last one published among them" "SH-PD-ROGUE +rogue-record" 0 \
    "$SLUICE" catalog list --config "$F/tax/gateway.cfg" --department SH-PD-ROGUE
refute "the broker's listing fits its messages" "TOO_LARGE|could not be sent" 0 \
    cat "$WORK/broker.log"

# ask PROVIDER CERT MODE FIELDS [ROGUE-ARGS]: PROVIDER (a lying provider
# with CERT) answers TAX's query of rogue-record (FIELDS; "": the whole
# item) as MODE says; ASKED is the output, ASKED_RC the exit status
ask () {
    provider=$1 cert=$2 mode=$3 fields=$4; shift 4
    rm -f "$WORK/lie.out" "$WORK/lie.err"
    "$BIN/sluice-rogue" --broker "$ENDPOINT" --broker-cert "$F/broker/BROKER.cert" \
        --authority "$F/authority/authority.pub" --cert "$cert" --to SH-PD-TAX \
        --attack lying-provider --answer "$mode" --timeout-ms 20000 "$@" \
        >"$WORK/lie.out" 2>"$WORK/lie.err" &
    lie_pid=$!
    track "$lie_pid"
    wait_output "waiting for a query" cat "$WORK/lie.err"
    ASKED=$(query tax "$provider" rogue-record "$KEY" --fields "$fields" \
            --purpose rogue-check --role auditor 2>&1)
    ASKED_RC=$?
    wait "$lie_pid"
}
ask SH-PD-ROGUE "$F/rogue/SH-PD-ROGUE.cert_secret" unlisted-field ""
check "an answer with a field the last catalog lacks is refused (BAD_ANSWER)" \
    test "$ASKED_RC" = 3 -a -n "$(echo "$ASKED" | grep BAD_ANSWER)"
ask SH-PD-C-00013 "$MANY/SH-PD-C-00013.cert_secret" honest name
check "an answer from a department with no catalog is checked without one (OK)" \
    test "$ASKED_RC" = 0
lines_at_least "and TAX's log says it was checked without a catalog" "$WORK/tax.log" 1 \
    "answer from SH-PD-C-00013 .* checked without a catalog of SH-PD-C-00013"
finish
