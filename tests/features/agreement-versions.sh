#!/bin/bash
# agreement versions: only both parties move an agreement, and only forward (files, the brokers, restarts)
. "$(dirname "$0")/../lib.sh"

# Which version of an agreement is in force is decided by a version both
# parties signed, never by who registers it or when; the provider's
# gateway never lets it go back, whatever the source.
fed_setup
fed_start msa tax
V="$WORK/versions"
mkdir -p "$V"
# vdraft FILE VERSION FIELDS: AGR-MSA-TAX-ROLL at VERSION, signed by both
vdraft () {
    "$SLUICE" agreement draft --id AGR-MSA-TAX-ROLL --provider SH-PD-MSA --consumer SH-PD-TAX \
        --item enterprise-licences --fields "$3" --purposes tax-audit --roles auditor \
        --legal-basis "《优化营商环境条例》第三十七条" --version "$2" --out "$V/$1" --force >/dev/null &&
    "$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$V/$1" >/dev/null &&
    "$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX.cert_secret" --file "$V/$1" >/dev/null
}
# vquery FIELDS: TAX asks MSA for a licence under the agreement
vquery () {
    query tax SH-PD-MSA enterprise-licences "$LICENCE_KEY" --fields "$1" \
        --purpose tax-audit --role auditor
}
vlist () { "$SLUICE" agreement list --config "$F/$1/gateway.cfg"; }
restart_msa () {
    stop_clean "$1: the provider's gateway stops" "$msa_PID"
    start_gateway msa
    check "$1: the provider's gateway is back" wait_registered msa
}

vdraft_both () { vdraft v1.agreement 1 licence_no,kind && vdraft v2.agreement 2 licence_no; }
check "versions 1 (licence_no, kind) and 2 (licence_no only) drafted and signed by both" \
    vdraft_both
expect "agreement show prints the version" "^version +2$" 0 \
    "$SLUICE" agreement show --file "$V/v2.agreement"
expect "agreement draft without --version: version 1" "version = 1" 0 \
    sh -c "'$SLUICE' agreement draft --id AGR-V-DEFAULT --provider SH-PD-MSA \
        --consumer SH-PD-TAX --item x --fields a --purposes p --legal-basis b \
        --out '$V/default.agreement' >/dev/null && cat '$V/default.agreement'"
expect "agreement draft refuses version 0" "version must be" 64 \
    "$SLUICE" agreement draft --id AGR-V-0 --provider SH-PD-MSA --consumer SH-PD-TAX \
    --item x --fields a --purposes p --legal-basis b --version 0 --out "$V/zero.agreement"
sed 's/^    version = 2$/    version = 3/' "$V/v2.agreement" >"$V/v2-edited.agreement"
expect "a version edited after signing breaks the signatures" "signatures +the signature does not verify" 1 \
    "$SLUICE" agreement show --file "$V/v2-edited.agreement" \
    --authority "$F/authority/authority.pub" --certs "$F/broker/certs"

expect "the consumer registers version 1" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$V/v1.agreement"
eventually "version 1 is in force at the provider" "AGR-MSA-TAX-ROLL +in force +1 " 0 vlist msa
expect "under version 1 the kind is granted" "OK \(" 0 vquery licence_no,kind
expect "the provider registers the narrower version 2" "registered" 0 \
    "$SLUICE" agreement register --config "$F/msa/gateway.cfg" --file "$V/v2.agreement"
expect "version 2 is in force at once at the provider's gateway (kept as it is sent)" \
    "AGR-MSA-TAX-ROLL +in force +2 " 0 vlist msa
expect "under version 2 the kind is refused" "FIELD_NOT_AGREED.*kind" 2 vquery licence_no,kind
eventually "the consumer's gateway has version 2 too" "AGR-MSA-TAX-ROLL +in force +2 " 0 vlist tax
# The reported attack: the consumer registers the wider version 1 again, in a
# new statement of its own (newer by any clock)
expect "the consumer registers version 1 again: refused at the broker" \
    "STALE.*version 1 is not above version 2" 3 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$V/v1.agreement"
expect "version 2 itself again: refused too" "STALE" 3 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$V/v2.agreement"
# Refused at the broker, it never reached the provider: had the broker taken
# it, the query below would come after it on the broker's connection
expect "the provider keeps serving under version 2 only" "FIELD_NOT_AGREED.*kind" 2 \
    vquery licence_no,kind
expect "and grants what version 2 grants" "OK \(" 0 vquery licence_no
expect "the agreement lists version 2 only, in force" "AGR-MSA-TAX-ROLL +in force +2 " 0 vlist msa

# An older version as a file in the agreements directory: never back
cp "$V/v1.agreement" "$F/msa/agreements/AGR-MSA-TAX-ROLL.agreement"
restart_msa "older file"
expect "an older version installed as a file does not come back" "FIELD_NOT_AGREED.*kind" 2 \
    vquery licence_no,kind
expect "the provider's gateway says why" \
    "agreement 'AGR-MSA-TAX-ROLL' version 1 refused: version 2 has been in force here" 0 \
    cat "$WORK/msa.log"
expect "and still lists version 2 in force after the restart" \
    "AGR-MSA-TAX-ROLL +in force +2 " 0 vlist msa

# Going forward is for both parties, by a file as well: version 3 (wider
# again, signed by both) installed as a file wins over the registered 2
vdraft v3.agreement 3 licence_no,kind
cp "$V/v3.agreement" "$F/msa/agreements/AGR-MSA-TAX-ROLL.agreement"
restart_msa "newer file"
expect "a higher version from a file is in force" "OK \(" 0 vquery licence_no,kind
expect "listed: version 3 in force, the registered version 2 superseded" \
    "AGR-MSA-TAX-ROLL +superseded +2 .*AGR-MSA-TAX-ROLL +in force +3 " 0 \
    sh -c "'$SLUICE' agreement list --config '$F/msa/gateway.cfg' | paste -sd ' '"
# The floor is kept in the gateway's state: with the file gone, neither
# version 2 nor version 1 comes back
rm -f "$F/msa/agreements/AGR-MSA-TAX-ROLL.agreement"
restart_msa "file removed"
expect "with version 3 gone, version 2 does not come back" "AGREEMENT_EXPIRED|NO_AGREEMENT" 2 \
    vquery licence_no
expect "listed as not in force" "AGR-MSA-TAX-ROLL +not in force +2 " 0 vlist msa
expect "the provider ends it for good" "registered" 0 \
    "$SLUICE" agreement revoke --config "$F/msa/gateway.cfg" --id AGR-MSA-TAX-ROLL
eventually "revoked at both gateways" "AGR-MSA-TAX-ROLL +revoked" 0 vlist tax
expect "a new version of a revoked agreement is refused: a revocation is final" \
    "STALE.*the agreement is revoked" 3 \
    sh -c "'$SLUICE' agreement draft --id AGR-MSA-TAX-ROLL --provider SH-PD-MSA \
        --consumer SH-PD-TAX --item enterprise-licences --fields licence_no \
        --purposes tax-audit --legal-basis b --version 4 --out '$V/v4.agreement' >/dev/null &&
      '$SLUICE' agreement sign --cert '$F/msa/SH-PD-MSA.cert_secret' --file '$V/v4.agreement' >/dev/null &&
      '$SLUICE' agreement sign --cert '$F/tax/SH-PD-TAX.cert_secret' --file '$V/v4.agreement' >/dev/null &&
      '$SLUICE' agreement register --config '$F/tax/gateway.cfg' --file '$V/v4.agreement'"
finish
