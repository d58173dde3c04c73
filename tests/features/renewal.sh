#!/bin/bash
# renewing a certificate: what the old key signed stands while the old certificate is valid; revoked, the running provider refuses it at once
. "$(dirname "$0")/../lib.sh"

# The consumer (TAX) renews its certificate while the provider (MSA) runs
# on and is never restarted. The agreement TAX's old key signed goes on
# granting; once the old certificate is revoked, MSA refuses it within
# seconds (NO_AGREEMENT), though TAX's current certificate is valid and
# an agreement TAX's new key signed still answers. Signed again with the
# new key and registered, the agreement grants again.
fed_setup
fed_start msa tax
MSA_PID_AT_START=$msa_PID
ren_query () {   # item key [args]: TAX asks MSA, as an auditor
    query tax SH-PD-MSA "$1" "$2" --purpose tax-registration --role auditor "${@:3}"
}
LEGAL="OK \(1 row, agreement AGR-MSA-TAX-0001\)"
expect "before the renewal: granted under the agreement both signed" "$LEGAL" 0 \
    ren_query enterprise-legal-rep "$KEY"

# --- TAX renews: a new certificate (new serial, new keys), trusted by the
# broker beside the old one, learnt by MSA through the broker's directory
"$SLUICE" certs issue --authority "$F/authority/authority.secret" --department SH-PD-TAX \
    --name "浦东新区税务局 Tax Bureau" --clearance 3 --out "$F/tax-renewed" >/dev/null 2>&1 ||
    setup_failed "TAX's new certificate"
OLD_SERIAL=$(sed -n 's/^ *serial = "\([0-9]*\)"/\1/p' "$F/tax/SH-PD-TAX.cert")
NEW_SERIAL=$(sed -n 's/^ *serial = "\([0-9]*\)"/\1/p' "$F/tax-renewed/SH-PD-TAX.cert")
check "the renewal has a higher serial" test "$NEW_SERIAL" -gt "$OLD_SERIAL"
held=$(certificates_of msa)
cp "$F/tax-renewed/SH-PD-TAX.cert" "$F/broker/certs/SH-PD-TAX-renewed.cert"
eventually "the provider learns the new certificate through the broker" \
    "^$((held + 1))$" 0 certificates_of msa
# TAX's gateway goes on with the new key, its audit log renewed by the old
cp "$F/tax-renewed/SH-PD-TAX.cert_secret" "$F/tax/SH-PD-TAX-renewed.cert_secret"
stop_clean "the consumer stops to renew" "$tax_PID"
expect "the old key signs the renewal into the consumer's audit log" "renewal recorded" 0 \
    "$SLUICE" audit renew --log "$F/tax/state/audit.db" --cert "$F/tax/SH-PD-TAX.cert_secret" \
    --new-cert "$F/tax-renewed/SH-PD-TAX.cert" --authority "$F/authority/authority.pub"
sed -i 's/^    cert = "SH-PD-TAX.cert_secret"/    cert = "SH-PD-TAX-renewed.cert_secret"/' \
    "$F/tax/gateway.cfg"
start_gateway tax
check "the renewed consumer registers with its new keys" wait_registered tax
eventually "renewed: the agreement the old key signed still grants" "$LEGAL" 0 \
    ren_query enterprise-legal-rep "$KEY"

# A control: an agreement signed by MSA and by TAX's new key, registered
draft control.agreement AGR-REN-CONTROL SH-PD-MSA SH-PD-TAX enterprise-licences \
    licence_no,kind tax-registration
"$SLUICE" agreement sign --cert "$F/msa/SH-PD-MSA.cert_secret" --file "$A/control.agreement" \
    >/dev/null
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX-renewed.cert_secret" \
    --file "$A/control.agreement" >/dev/null
expect "the control agreement, signed with the new key, is registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/msa/gateway.cfg" --file "$A/control.agreement"
CONTROL="OK \([0-9]+ rows?, agreement AGR-REN-CONTROL\)"
eventually "granted under the control agreement" "$CONTROL" 0 \
    ren_query enterprise-licences "$LICENCE_KEY"

# --- The old certificate revoked (its key is retired): the provider, still
# running, refuses the agreement only the old key signed, within seconds
expect "TAX's old certificate revoked and published" "published" 0 \
    "$SLUICE" certs revoke --authority "$F/authority/authority.secret" \
    --crl "$WORK/renewal.crl" --department SH-PD-TAX --serial "$OLD_SERIAL" \
    --reason "renewed; the old key is retired" --publish "$F/msa/gateway.cfg"
eventually "revoked: the agreement the old key signed is refused at once" "NO_AGREEMENT" 2 \
    ren_query enterprise-legal-rep "$KEY"
check "without a restart of the provider" test "$msa_PID" = "$MSA_PID_AT_START" -a -d "/proc/$msa_PID"
expect "the refusal names the certificate that signed it" \
    "NO_AGREEMENT.*SH-PD-TAX with certificate serial $OLD_SERIAL, which is revoked" 2 \
    ren_query enterprise-legal-rep "$KEY"
eventually "the control agreement, signed with the new key, still answers" "$CONTROL" 0 \
    ren_query enterprise-licences "$LICENCE_KEY"
eventually "the provider lists the agreement as not in force" \
    "AGR-MSA-TAX-0001 +not in force" 0 agreements_of msa

# --- Signed again with the new key and registered: in force again, still
# without a restart
cp "$F/agreements/AGR-MSA-TAX-0001.agreement" "$A/resigned.agreement"
"$SLUICE" agreement sign --cert "$F/tax/SH-PD-TAX-renewed.cert_secret" \
    --file "$A/resigned.agreement" >/dev/null
expect "the agreement signed again with the new key is registered" "registered" 0 \
    "$SLUICE" agreement register --config "$F/tax/gateway.cfg" --file "$A/resigned.agreement"
eventually "signed again: granted again" "$LEGAL" 0 ren_query enterprise-legal-rep "$KEY"
check "the provider still never restarted" test "$msa_PID" = "$MSA_PID_AT_START" -a -d "/proc/$msa_PID"
finish
