/*  agreement.h -- a sharing agreement between a provider and a consumer
    department, for one catalog item, signed by both.

    An agreement names the fields the consumer may receive, the purposes and
    officer roles it may ask for, the legal basis, the validity period and a
    daily quota. Each department signs the same canonical bytes (msgpack, see
    agreement_canonical and README "Agreement file") with the Ed25519 key of
    its certificate. An agreement is immutable once made: only its two
    signatures are added later, so any change means a new agreement and new
    signatures.

    Each agreement carries a version (1 by default) inside the bytes both
    parties sign: of two agreements with the same id, the higher version is
    in force, and only both parties together can make a higher one. The
    provider's gateway never lets the version of an id go back (policy.h).

    On disk and in the registry an agreement is ZPL text (`NAME.agreement`),
    at most AGREEMENT_TEXT_MAX bytes: agreementtext.h reads and writes it.
*/
#ifndef SLUICE_AGREEMENT_H_INCLUDED
#define SLUICE_AGREEMENT_H_INCLUDED

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "cert.h"
#include "truststore.h"
#include "status.h"

#define AGREEMENT_TEXT_MAX      (64 * 1024)     //  largest file or text accepted
#define AGREEMENT_ID_MAX        64      //  [A-Za-z0-9-], bytes
#define AGREEMENT_NAME_MAX      64      //  a field or role name, bytes
#define AGREEMENT_PURPOSE_MAX   256     //  a purpose, bytes of UTF-8 (as in QUERY)
#define AGREEMENT_FIELDS_MAX    64      //  fields in one agreement (ITEM_FIELDS_MAX)
#define AGREEMENT_PURPOSES_MAX  32
#define AGREEMENT_ROLES_MAX     32
#define AGREEMENT_BASIS_MAX     1024    //  legal basis, bytes of UTF-8
#define AGREEMENT_QUOTA_MAX     1000000000u     //  requests per UTC day
#define AGREEMENT_SIG_BYTES     64      //  Ed25519 signature
#define AGREEMENT_VERSION_MAX   4294967295u     //  versions are 1 .. 2^32-1
#define AGREEMENT_TAG           "sluice-agreement-2"    //  first canonical element

typedef struct _agreement_t agreement_t;

//  Creates an unsigned agreement, of version 1. `fields`, `purposes` and `roles` are
//  comma-separated lists ("name,address"; blanks around names are ignored;
//  no duplicates); `roles` may be "*" for any officer role. Times are seconds
//  since the epoch, UTC, valid_from < valid_until. daily_quota is 1 to
//  AGREEMENT_QUOTA_MAX. Returns NULL and *error (fresh string, caller
//  frees; error may be NULL), e.g. "agreement 'AGR-1': fields: a name
//  appears twice in list", if any argument is invalid (see README
//  "Agreement file" for every rule).
agreement_t *
    agreement_new (const char *id, const char *provider, const char *consumer,
                   const char *item, const char *fields, const char *purposes,
                   const char *legal_basis, int64_t valid_from,
                   int64_t valid_until, uint32_t daily_quota,
                   const char *roles, char **error);

//  Sets the version of an agreement being drafted: 1 to
//  AGREEMENT_VERSION_MAX. A new version drops the signatures it has (they
//  do not cover it). Returns 0, or -1 if out of range (nothing changed).
int
    agreement_set_version (agreement_t *self, uint64_t version);

void
    agreement_destroy (agreement_t **self_p);

//  A copy, with the same signatures.
agreement_t *
    agreement_dup (agreement_t *self);

const char *agreement_id (agreement_t *self);
uint64_t    agreement_version (agreement_t *self);
const char *agreement_provider (agreement_t *self);
const char *agreement_consumer (agreement_t *self);
const char *agreement_item (agreement_t *self);
const char *agreement_legal_basis (agreement_t *self);
int64_t     agreement_valid_from (agreement_t *self);
int64_t     agreement_valid_until (agreement_t *self);
uint32_t    agreement_daily_quota (agreement_t *self);

//  The lists, sorted (bytewise) as in the canonical encoding; `index` below
//  the count, the name borrowed. A roles list of any role is the one name "*".
size_t      agreement_field_count (agreement_t *self);
const char *agreement_field (agreement_t *self, size_t index);
size_t      agreement_purpose_count (agreement_t *self);
const char *agreement_purpose (agreement_t *self, size_t index);
size_t      agreement_role_count (agreement_t *self);
const char *agreement_role (agreement_t *self, size_t index);

//  True if the department has signed (says nothing on whether the signature
//  verifies: use agreement_verify).
bool agreement_provider_signed (agreement_t *self);
bool agreement_consumer_signed (agreement_t *self);

//  The AGREEMENT_SIG_BYTES of a party's signature, borrowed; NULL if that
//  party has not signed.
const uint8_t *agreement_provider_signature (agreement_t *self);
const uint8_t *agreement_consumer_signature (agreement_t *self);

//  Sets the signatures an agreement carries as they were read (each
//  AGREEMENT_SIG_BYTES, or NULL for none), replacing those it had; nothing
//  is checked here: agreement_verify does that.
void
    agreement_set_signatures (agreement_t *self, const uint8_t *provider_signature,
                              const uint8_t *consumer_signature);

//  Canonical bytes that both departments sign: the msgpack array
//  [AGREEMENT_TAG, id, version, provider, consumer, item, [fields],
//  [purposes], legal_basis, valid_from, valid_until, daily_quota, [roles]],
//  lists sorted (PROTOCOL.md section 14).
//  Fresh buffer the caller frees, length in *size.
uint8_t *
    agreement_canonical (agreement_t *self, size_t *size);

//  Signs as the provider or the consumer, whichever department `signer`'s
//  certificate names, replacing any earlier signature of that side. Returns
//  0, or -1 if the signer is neither party or holds no secret key.
int
    agreement_sign (agreement_t *self, cert_t *signer);

//  STATUS_OK only if both signatures verify with the provider's and the
//  consumer's certificates from `trust`, each valid and not revoked at
//  `now`. Else the truststore_check status of the first party whose
//  certificate fails (CERT_UNKNOWN, CERT_EXPIRED, CERT_REVOKED), or
//  STATUS_BAD_SIGNATURE for a missing or wrong signature. The provider is
//  checked first. Records which certificate (its serial: the current one,
//  or after a renewal a superseded one) verified each signature, for
//  agreement_check_signers; a failure records none.
status_t
    agreement_verify (agreement_t *self, truststore_t *trust, int64_t now);

//  The serial of the certificate whose key verified the party's signature
//  at the last agreement_verify that passed; 0 if none did since the
//  agreement was made, read, signed or given another version.
uint64_t agreement_provider_signer (agreement_t *self);
uint64_t agreement_consumer_signer (agreement_t *self);

//  Whether the agreement still stands on its signatures: the certificates
//  that verified them (recorded by agreement_verify) are each still held,
//  valid at `now`, not revoked and a department's. An agreement is only
//  as good as its signers, and a certificate can be revoked or expire
//  after it signed, also a superseded one after a renewal: whoever relies
//  on an agreement checks this each time. STATUS_OK, or the
//  truststore_check_serial status of the first signer that fails (the
//  provider first; *provider_p, if not NULL, says whether it was the
//  provider), or STATUS_BAD_SIGNATURE if the agreement was never verified.
status_t
    agreement_check_signers (agreement_t *self, truststore_t *trust, int64_t now,
                             bool *provider_p);

//  Rules used by the provider's policy. Names are matched exactly.
bool
    agreement_grants_field (agreement_t *self, const char *name);
bool
    agreement_allows_purpose (agreement_t *self, const char *purpose);
//  True for any role (even none) if the roles are "*".
bool
    agreement_allows_role (agreement_t *self, const char *role);
//  valid_from <= now < valid_until.
bool
    agreement_valid_at (agreement_t *self, int64_t now);

void
    agreement_test (bool verbose);

#endif
