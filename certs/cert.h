/*  cert.h -- a department certificate, signed by the federation authority.

    A certificate binds a department id to three public keys: Ed25519 for
    signatures, X25519 for sealed bodies, and the CURVE transport key. It
    carries a display name, a role ("department" or "broker"), the clearance
    (highest field sensitivity level 0..5 the department may receive), a
    serial and a validity period, and the authority's Ed25519 signature over
    the canonical encoding (see proto/PROTOCOL.md, "Certificates").

    On disk a certificate is czmq's ZPL certificate text: `NAME.cert` holds the
    public part, `NAME.cert_secret` (mode 0600) also the secret keys.
*/
#ifndef SLUICE_CERT_H_INCLUDED
#define SLUICE_CERT_H_INCLUDED

#include <czmq.h>
#include <stdint.h>
#include <stdbool.h>

#define CERT_KEY_BYTES      32      //  every public key, binary
#define CERT_SIGN_SECRET    64      //  libsodium Ed25519 secret key
#define CERT_SIG_BYTES      64      //  Ed25519 signature
#define CERT_TEXT_MAX       8192    //  largest certificate text accepted
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

//  Loads a certificate from `path`: a public `.cert` file, or a
//  `.cert_secret` file (then the secret keys are loaded too). Strict: returns
//  NULL and *error (as cert_new), naming the file, on any missing,
//  malformed or oversized field; errno is kept (EMFILE: descriptors ran
//  out). Does not verify the authority signature: use cert_verify. A secret
//  file that others can read is loaded, with a warning in the log.
cert_t *
    cert_load (const char *path, char **error);

//  Decodes the public certificate text (as written by cert_save / cert_encode).
//  Returns NULL and *error on any malformed input; never reads past `size`.
cert_t *
    cert_decode (const char *text, size_t size, char **error);

//  Returns the public certificate text, a fresh string the caller frees.
char *
    cert_encode (cert_t *self);

//  Writes `path` (public) and `path`_secret (0600, only if the cert holds
//  secrets). 0, or -1 and *error; refuses to replace an existing file
//  unless `force`.
int
    cert_save (cert_t *self, const char *path, bool force, char **error);

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

void
    cert_test (bool verbose);

#endif
