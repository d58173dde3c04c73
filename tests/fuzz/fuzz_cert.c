/*  fuzz_cert.c -- libFuzzer target for the text decoders of the
    federation's trust: certificates (certs/certtext), the revocation list
    (certs/crl) and sharing agreements (proto/registry/agreementtext).

    Each decoder gets the whole input, in the buffer libFuzzer allocates to
    exactly its size (no NUL after it), so a read past `size` is caught.
    What a decoder accepts is checked against its documented rules and
    must round-trip: encoding it and decoding the text gives the same
    canonical bytes and the same text again. The other methods that only
    read (getters, verify against a fixed key, validity, rule checks) are
    called on every decoded object.

    czmq's ZPL parser prints syntax errors on standard output; the target
    sends standard output to /dev/null (SLUICE_FUZZ_VERBOSE=1 keeps it).

    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "certfile.h"
#include "agreement.h"
#include "agreementtext.h"
#include "text.h"
#include "ident.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (true);
    return 0;
}

static const uint8_t s_authority_public [32] = {
    0x3b, 0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d,
    0x62, 0xa3, 0xa8, 0xd0, 0x2a, 0x6f, 0x0d, 0x73,
    0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2, 0x43, 0xa6,
    0x3a, 0xc0, 0x48, 0xa1, 0x8b, 0x59, 0xda, 0x29
};

static void
s_cert_check (cert_t *cert)
{
    const char *department = cert_department (cert);
    S_REQUIRE (department && ident_validate (IDENT_DEPARTMENT, department,
                                             NULL, 0, NULL));
    S_REQUIRE (cert_name (cert) && strlen (cert_name (cert)) <= CERT_NAME_MAX);
    S_REQUIRE (strcmp (cert_role (cert), "department") == 0
               || strcmp (cert_role (cert), "broker") == 0);
    S_REQUIRE (cert_clearance (cert) >= 0
               && cert_clearance (cert) <= CERT_CLEARANCE_MAX);
    //  A broker certificate never carries clearance
    S_REQUIRE (strcmp (cert_role (cert), "broker") != 0 || cert_clearance (cert) == 0);
    S_REQUIRE (cert_serial (cert) >= 1 && cert_serial (cert) <= CERTFILE_UINT_MAX);
    S_REQUIRE (cert_not_before (cert) < cert_not_after (cert));
    S_REQUIRE (!cert_has_secret (cert));
    S_REQUIRE (strlen (cert_curve_public_txt (cert)) == 40);
    S_REQUIRE (cert_sign_public (cert) && cert_box_public (cert)
               && cert_curve_public (cert) && cert_authority_signature (cert));
    S_REQUIRE (cert_zcert (cert));
    S_REQUIRE (cert_verify (cert, s_authority_public) == -1
               || cert_verify (cert, s_authority_public) == 0);
    cert_valid_at (cert, 0);
    cert_valid_at (cert, cert_not_before (cert));
    cert_valid_at (cert, INT64_MAX);
}

static void
s_cert (const char *text, size_t size)
{
    cert_t *cert = certtext_decode (text, size, NULL);
    if (!cert)
        return;
    s_cert_check (cert);
    size_t canonical_size = 0;
    uint8_t *canonical = cert_canonical (cert, &canonical_size);
    S_REQUIRE (canonical && canonical_size > 0);

    //  Encoding is a fixed point and keeps the signed bytes
    char *encoded = certtext_encode (cert);
    S_REQUIRE (encoded);
    cert_t *back = certtext_decode (encoded, strlen (encoded), NULL);
    S_REQUIRE (back);
    char *again = certtext_encode (back);
    S_REQUIRE (again && strcmp (again, encoded) == 0);
    size_t back_size = 0;
    uint8_t *back_canonical = cert_canonical (back, &back_size);
    S_REQUIRE (back_canonical && back_size == canonical_size);
    S_REQUIRE (memcmp (back_canonical, canonical, canonical_size) == 0);
    S_REQUIRE (memcmp (cert_authority_signature (back),
                       cert_authority_signature (cert), CERT_SIG_BYTES) == 0);

    cert_t *copy = cert_dup (cert);
    S_REQUIRE (copy);
    char *copied = certtext_encode (copy);
    S_REQUIRE (copied && strcmp (copied, encoded) == 0);

    free (copied);
    free (again);
    free (encoded);
    free (back_canonical);
    free (canonical);
    cert_destroy (&copy);
    cert_destroy (&back);
    cert_destroy (&cert);
    cert_destroy (&cert);
}

static void
s_crl (const char *text, size_t size)
{
    crl_t *crl = crl_decode (text, size, NULL);
    if (!crl)
        return;
    S_REQUIRE (crl_version (crl) >= 1 && crl_version (crl) <= CERTFILE_UINT_MAX);
    S_REQUIRE (crl_size (crl) <= CRL_ENTRIES_MAX);
    const char *previous = NULL;
    uint64_t previous_serial = 0;
    for (size_t index = 0; index < crl_size (crl); index++) {
        const char *department, *reason;
        uint64_t serial;
        int64_t revoked_at;
        S_REQUIRE (crl_entry (crl, index, &department, &serial,
                              &revoked_at, &reason) == 0);
        S_REQUIRE (department && reason);
        S_REQUIRE (strlen (reason) <= CRL_REASON_MAX);
        S_REQUIRE (crl_revoked (crl, department, serial));
        //  Canonical order: department, then serial, no duplicates
        if (previous) {
            int order = strcmp (previous, department);
            S_REQUIRE (order < 0 || (order == 0 && previous_serial < serial));
        }
        previous = department;
        previous_serial = serial;
    }
    S_REQUIRE (crl_entry (crl, crl_size (crl), NULL, NULL, NULL, NULL) == -1);
    S_REQUIRE (crl_verify (crl, s_authority_public) == -1
               || crl_verify (crl, s_authority_public) == 0);

    char *encoded = crl_encode (crl);
    S_REQUIRE (encoded);
    crl_t *back = crl_decode (encoded, strlen (encoded), NULL);
    S_REQUIRE (back);
    S_REQUIRE (crl_version (back) == crl_version (crl));
    S_REQUIRE (crl_issued (back) == crl_issued (crl));
    S_REQUIRE (crl_size (back) == crl_size (crl));
    char *again = crl_encode (back);
    S_REQUIRE (again && strcmp (again, encoded) == 0);

    crl_t *next = crl_next (crl);
    if (crl_version (crl) < CERTFILE_UINT_MAX) {
        S_REQUIRE (next && crl_version (next) == crl_version (crl) + 1);
        S_REQUIRE (crl_size (next) == crl_size (crl));
    }
    crl_destroy (&next);
    free (again);
    free (encoded);
    crl_destroy (&back);
    crl_destroy (&crl);
    crl_destroy (&crl);
}

static void
s_agreement (const char *text, size_t size)
{
    agreement_t *agreement = agreementtext_decode (text, size, NULL);
    if (!agreement)
        return;
    S_REQUIRE (agreement_id (agreement) && agreement_provider (agreement)
               && agreement_consumer (agreement) && agreement_item (agreement)
               && agreement_legal_basis (agreement));
    S_REQUIRE (strlen (agreement_id (agreement)) <= AGREEMENT_ID_MAX);
    S_REQUIRE (strlen (agreement_legal_basis (agreement)) <= AGREEMENT_BASIS_MAX);
    S_REQUIRE (agreement_valid_from (agreement) < agreement_valid_until (agreement));
    S_REQUIRE (agreement_daily_quota (agreement) >= 1
               && agreement_daily_quota (agreement) <= AGREEMENT_QUOTA_MAX);
    S_REQUIRE (agreement_field_count (agreement) >= 1
               && agreement_field_count (agreement) <= AGREEMENT_FIELDS_MAX);
    S_REQUIRE (agreement_purpose_count (agreement) <= AGREEMENT_PURPOSES_MAX);
    S_REQUIRE (agreement_role_count (agreement) <= AGREEMENT_ROLES_MAX);
    //  Lists are sorted, without duplicates, and each name is granted
    for (size_t index = 0; index < agreement_field_count (agreement); index++) {
        const char *name = agreement_field (agreement, index);
        S_REQUIRE (name && agreement_grants_field (agreement, name));
        if (index > 0)
            S_REQUIRE (strcmp (agreement_field (agreement, index - 1), name) < 0);
    }
    for (size_t index = 0; index < agreement_purpose_count (agreement); index++) {
        const char *name = agreement_purpose (agreement, index);
        //  Purposes are UTF-8 text, not names
        S_REQUIRE (name && strlen (name) <= AGREEMENT_PURPOSE_MAX);
        S_REQUIRE (text_utf8_valid (name, strlen (name)));
        S_REQUIRE (agreement_allows_purpose (agreement, name));
        if (index > 0)
            S_REQUIRE (strcmp (agreement_purpose (agreement, index - 1), name) < 0);
    }
    for (size_t index = 0; index < agreement_role_count (agreement); index++) {
        const char *name = agreement_role (agreement, index);
        S_REQUIRE (name && strlen (name) <= AGREEMENT_NAME_MAX);
        S_REQUIRE (agreement_allows_role (agreement, name));
        if (index > 0)
            S_REQUIRE (strcmp (agreement_role (agreement, index - 1), name) < 0);
    }
    agreement_allows_role (agreement, NULL);
    agreement_grants_field (agreement, "");
    agreement_allows_purpose (agreement, "");
    agreement_valid_at (agreement, agreement_valid_from (agreement));
    S_REQUIRE (!agreement_valid_at (agreement, agreement_valid_until (agreement)));

    size_t canonical_size = 0;
    uint8_t *canonical = agreement_canonical (agreement, &canonical_size);
    S_REQUIRE (canonical && canonical_size > 0);
    char *encoded = agreementtext_encode (agreement);
    S_REQUIRE (encoded);
    agreement_t *back = agreementtext_decode (encoded, strlen (encoded), NULL);
    S_REQUIRE (back);
    char *again = agreementtext_encode (back);
    S_REQUIRE (again && strcmp (again, encoded) == 0);
    size_t back_size = 0;
    uint8_t *back_canonical = agreement_canonical (back, &back_size);
    S_REQUIRE (back_canonical && back_size == canonical_size);
    S_REQUIRE (memcmp (back_canonical, canonical, canonical_size) == 0);
    S_REQUIRE (agreement_provider_signed (back)
               == agreement_provider_signed (agreement));
    S_REQUIRE (agreement_consumer_signed (back)
               == agreement_consumer_signed (agreement));

    agreement_t *copy = agreement_dup (agreement);
    S_REQUIRE (copy);
    char *copied = agreementtext_encode (copy);
    S_REQUIRE (copied && strcmp (copied, encoded) == 0);

    free (copied);
    free (again);
    free (encoded);
    free (back_canonical);
    free (canonical);
    agreement_destroy (&copy);
    agreement_destroy (&back);
    agreement_destroy (&agreement);
    agreement_destroy (&agreement);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    s_cert (text, size);
    s_crl (text, size);
    s_agreement (text, size);
    return 0;
}
