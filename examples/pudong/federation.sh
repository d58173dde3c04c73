#!/bin/sh
# Builds the Pudong demo federation in a directory: the authority, a broker
# and three departments, each with its own certificate, generated source
# database, catalog, signed agreements and configuration.
#
#   federation.sh BIN DIR PORT [ENTERPRISES]
#
# BIN holds the sluice binaries; PORT and PORT+1 are the TCP ports of the
# federation's two brokers on 127.0.0.1 (either can be lost).
# Everything is written under DIR, laid out as each host would have it:
#   DIR/authority/       the authority's keys (kept offline in real life)
#   DIR/broker/          first broker: certificate, config, public certificates
#   DIR/broker2/         second broker, the same way
#   DIR/msa, tax, fda/   each department's certificate, config, catalog,
#                        agreements and state
#   DIR/data/            the departments' own databases (sluice-gendata)
#   DIR/agreements/      the four agreements, each signed by both departments
#                        (staged: ready for `sluice agreement register`)
#
# Environment:
#   SLUICE_INSTALL_AGREEMENTS  "0": leave the signed agreements staged in
#                        DIR/agreements/ only, for the admins to register
#                        through the brokers once the daemons run. Anything
#                        else, or unset: also copy each one into the
#                        provider's and the consumer's agreements/ folder,
#                        so the gateways load them at start-up.
set -eu
BIN=$1
DIR=$2
PORT=$3
ENTERPRISES=${4:-3000}
HERE=$(cd "$(dirname "$0")" && pwd)
SLUICE="$BIN/sluice"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
mkdir -p "$DIR/broker/certs" "$DIR/broker2/certs" "$DIR/data"

"$SLUICE" certs init --dir "$DIR/authority" --name "Pudong Federation Authority" >/dev/null
issue () {    # department name clearance folder role
    "$SLUICE" certs issue --authority "$DIR/authority/authority.secret" \
        --department "$1" --name "$2" --clearance "$3" --role "$5" \
        --out "$DIR/$4" >/dev/null
    cp "$DIR/authority/authority.pub" "$DIR/$4/"
}
issue BROKER "Pudong federation broker" 0 broker broker
issue BROKER-2 "Pudong federation broker, second" 0 broker2 broker
issue SH-PD-MSA "浦东新区市场监督管理局 Market Supervision" 3 msa department
issue SH-PD-TAX "浦东新区税务局 Tax Bureau" 3 tax department
issue SH-PD-FDA "浦东新区食品药品监管 Food and Drug" 2 fda department
for dept in msa/SH-PD-MSA tax/SH-PD-TAX fda/SH-PD-FDA; do
    cp "$DIR/$dept.cert" "$DIR/broker/certs/"
    cp "$DIR/$dept.cert" "$DIR/broker2/certs/"
done
for dept in msa tax fda; do
    cp "$DIR/broker/BROKER.cert" "$DIR/broker2/BROKER-2.cert" "$DIR/$dept/"
done

"$BIN/sluice-gendata" --out "$DIR/data" --enterprises "$ENTERPRISES" --quiet

broker_config () {   # folder id port
    cat > "$DIR/$1/broker.cfg" <<CFG
#   A federation broker: routes sealed messages, never opens a body.
broker
    endpoint = "tcp://127.0.0.1:$3"
    cert = "$2.cert_secret"
    authority = "authority.pub"
    certs = "certs"
    crl = "federation.crl"
    heartbeat-ms = 500
CFG
}
broker_config broker BROKER "$PORT"
broker_config broker2 BROKER-2 "$((PORT + 1))"

gateway () {  # folder department catalog database
    mkdir -p "$DIR/$1/agreements" "$DIR/$1/state"
    cp "$HERE/catalogs/$3" "$DIR/$1/catalog.cfg"
    cat > "$DIR/$1/gateway.cfg" <<CFG
#   Gateway of $2
gateway
    cert = "$2.cert_secret"
    authority = "authority.pub"
    broker = "tcp://127.0.0.1:$PORT, tcp://127.0.0.1:$((PORT + 1))"
    broker-cert = "BROKER.cert, BROKER-2.cert"
    local = "ipc://state/local.ipc"
    catalog = "catalog.cfg"
    source = "../data/$4"
    state = "state"
    agreements = "agreements"
    heartbeat-ms = 500
    timeout-ms = 4000
CFG
}
gateway msa SH-PD-MSA msa.cfg market.db
gateway tax SH-PD-TAX tax.cfg tax.db
gateway fda SH-PD-FDA fda.cfg food.db

# Agreements: drafted by the provider, signed by both, staged in
# DIR/agreements/ and, unless SLUICE_INSTALL_AGREEMENTS is "0", installed at
# both ends.
INSTALL_AGREEMENTS=${SLUICE_INSTALL_AGREEMENTS:-1}
mkdir -p "$DIR/agreements"
agreement () {  # id provider-folder provider consumer-folder consumer item fields purposes roles basis
    file="$DIR/agreements/$1.agreement"
    "$SLUICE" agreement draft --id "$1" --provider "$3" --consumer "$5" \
        --item "$6" --fields "$7" --purposes "$8" --roles "$9" \
        --legal-basis "${10}" --days 365 --daily-quota 10000 --out "$file" >/dev/null
    "$SLUICE" agreement sign --cert "$DIR/$2/$3.cert_secret" --file "$file" >/dev/null
    "$SLUICE" agreement sign --cert "$DIR/$4/$5.cert_secret" --file "$file" >/dev/null
    if [ "$INSTALL_AGREEMENTS" != 0 ]; then
        cp "$file" "$DIR/$2/agreements/"
        cp "$file" "$DIR/$4/agreements/"
    fi
}
agreement AGR-MSA-TAX-0001 msa SH-PD-MSA tax SH-PD-TAX enterprise-legal-rep \
    legal_rep,employees tax-registration auditor,inspector \
    "《优化营商环境条例》第三十七条 信息共享"
agreement AGR-TAX-MSA-0001 tax SH-PD-TAX msa SH-PD-MSA taxpayer-status \
    tax_status,credit_rating credit-supervision inspector \
    "《社会信用体系建设规划纲要》联合奖惩"
agreement AGR-FDA-MSA-0001 fda SH-PD-FDA msa SH-PD-MSA food-inspections \
    inspected,result,inspector_unit,score joint-inspection inspector \
    "《食品安全法》第一百一十三条 信用档案共享"
agreement AGR-MSA-FDA-0001 msa SH-PD-MSA fda SH-PD-FDA market-violations \
    case_no,decided,kind,status joint-inspection inspector \
    "《市场监督管理严重违法失信名单管理办法》"
