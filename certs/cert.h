/*  cert.h -- a department certificate, signed by the federation authority.

    A certificate binds a department id to three public keys: Ed25519 for
    signatures, X25519 for sealed bodies, and the CURVE transport key. It
    carries a display name, a role ("department" or "broker"), the clearance
    (highest field sensitivity level 0..5 the department may receive), a
    serial and a validity period, and the authority's Ed25519 signature over
    the canonical encoding (see proto/PROTOCOL.md, "Certificates").

    On disk a certificate is czmq's ZPL certificate text: `NAME.cert` holds the
    public part, `NAME.cert_secret` (mode 0600) also the secret keys. Reading
    and writing that text is certtext.h's.
*/
#ifndef SLUICE_CERT_H_INCLUDED
#define SLUICE_CERT_H_INCLUDED

#include <czmq.h>
#include <stdint.h>
#include <stdbool.h>

#define CERT_KEY_BYTES      32      //  every public key, binary
#define CERT_SIGN_SECRET    64      //  libsodium Ed25519 secret key
#define CERT_SIG_BYTES      64      //  Ed25519 signature
#define CERT_NAME_MAX       128     //  display name, bytes of UTF-8
#define CERT_CLEARANCE_MAX  5

//  The roles a certificate may carry. A department asks and answers; a
//  broker routes and carries the registry, and never has clearance (its
//  clearance is always 0: cert_new and every decoder refuse another).
#define CERT_ROLE_DEPARTMENT    "department"
#define CERT_ROLE_BROKER        "broker"

typedef struct _cert_t cert_t;
typedef struct _authority_t authority_t;

//  Creates a certificate with fresh key pairs (holding the secrets), not yet
//  signed. Returns NULL and *error (fresh string, caller frees; error may be
//  NULL) if the department id or another argument is invalid (a broker
//  certificate with a clearance above 0 included).
cert_t *
    cert_new (const char *department, const char *name, const char *role,
              int clearance, uint64_t serial,
              int64_t not_before, int64_t not_after, char **error);

//  What a certificate holds but its secret keys, as its text form gives
//  it (certtext.h): the signed fields, the three public keys
//  (CERT_KEY_BYTES each) and the authority's signature (CERT_SIG_BYTES).
typedef struct {
    const char *department;
    const char *name;
    const char *role;
    int clearance;
    uint64_t serial;
    int64_t not_before;
    int64_t not_after;
    const uint8_t *sign_public;
    const uint8_t *box_public;
    const uint8_t *curve_public;
    const uint8_t *signature;
} cert_parts_t;

//  A certificate of these parts, without secret keys. NULL and *error as
//  cert_new if a field is invalid (or memory is short). Does not verify the
//  signature: use cert_verify.
cert_t *
    cert_new_from (const cert_parts_t *parts, char **error);

//  Gives a certificate its secret keys (Ed25519 64 bytes, X25519 and CURVE
//  32 bytes each). 0, or -1 (and the certificate unchanged) if a key does
//  not belong to its public key.
int
    cert_set_secret (cert_t *self, const uint8_t *sign_secret,
                     const uint8_t *box_secret, const uint8_t *curve_secret);

void
    cert_destroy (cert_t **self_p);

cert_t *
    cert_dup (cert_t *self);        //  copy without the secret keys

const char *cert_department (cert_t *self);
const char *cert_name (cert_t *self);
const char *cert_role (cert_t *self);
int         cert_clearance (cert_t *self);
uint64_t    cert_serial (cert_t *self);
int64_t     cert_not_before (cert_t *self);
int64_t     cert_not_after (cert_t *self);
const uint8_t *cert_sign_public (cert_t *self);     //  32 bytes
const uint8_t *cert_box_public (cert_t *self);      //  32 bytes
const uint8_t *cert_curve_public (cert_t *self);    //  32 bytes
const char    *cert_curve_public_txt (cert_t *self);//  40-char Z85
const uint8_t *cert_authority_signature (cert_t *self);   //  64 bytes

//  Secret keys; NULL if the certificate was loaded without them.
bool           cert_has_secret (cert_t *self);
const uint8_t *cert_sign_secret (cert_t *self);     //  64 bytes
const uint8_t *cert_box_secret (cert_t *self);      //  32 bytes

//  A zcert with the CURVE key pair (secret if held), owned by the cert: use
//  it with zcert_apply on a socket.
zcert_t *
    cert_zcert (cert_t *self);

//  Canonical bytes that the authority signs (msgpack, see PROTOCOL.md);
//  fresh buffer the caller frees, length in *size.
uint8_t *
    cert_canonical (cert_t *self, size_t *size);

//  Signs the certificate with the authority's key. 0, or -1 if the
//  authority holds no secret key (or memory is short).
int
    cert_sign_by (cert_t *self, authority_t *authority);

//  0 if the authority signature verifies against `authority_public`
//  (32 bytes), else -1.
int
    cert_verify (cert_t *self, const uint8_t *authority_public);

//  True if `now` (seconds since the epoch) lies within the validity period.
bool
    cert_valid_at (cert_t *self, int64_t now);

//  For the self-tests: the certificate of PROTOCOL.md's test vector (fixed
//  seeds give fixed keys), with its secrets, signed by the vector's
//  authority, whose public key is written to authority_public (32 bytes).
cert_t *
    cert_test_vector (uint8_t *authority_public);

void
    cert_test (bool verbose);

#endif
