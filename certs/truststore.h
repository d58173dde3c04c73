/*  truststore.h -- what a broker or gateway trusts: the authority key, the
    certificates it has verified, and the newest verified revocation list.

    Every certificate and list is verified against the authority before it is
    kept; nothing unverified is ever returned. Each department has one
    current certificate (the highest serial), which alone is used for its
    connections, its messages and sealing to it. After a renewal the
    replaced certificates are kept as superseded: they verify only what
    their key signed (agreements, statements), and only while they are
    valid and not revoked (truststore_verify_by).
*/
#ifndef SLUICE_TRUSTSTORE_H_INCLUDED
#define SLUICE_TRUSTSTORE_H_INCLUDED

#include "cert.h"
#include "crl.h"
#include "status.h"

#define TRUSTSTORE_SUPERSEDED_MAX   4   //  superseded certificates kept
                                        //  per department, newest first

typedef struct _truststore_t truststore_t;

//  New store trusting the authority public key (32 bytes).
truststore_t *
    truststore_new (const uint8_t *authority_public);
void
    truststore_destroy (truststore_t **self_p);

//  Takes ownership of *cert_p (nulls it). Returns STATUS_OK if the signature
//  verified and the cert was stored: as the department's current
//  certificate if its serial is higher than the held one's (which becomes
//  superseded), else as a superseded one. STATUS_STALE if that serial is
//  held with other content (or is older than every superseded one kept),
//  STATUS_BAD_SIGNATURE if not signed by the authority, STATUS_MALFORMED if
//  its CURVE key is another department's; the cert is then destroyed. The
//  status is the whole report: the caller says what it refused.
status_t
    truststore_add (truststore_t *self, cert_t **cert_p);

//  Adds every *.cert file in `dir` (not *_secret, nor a hidden .*.cert:
//  file_names), in name order; returns how many were accepted, -1 if the
//  directory cannot be read, or one of its files cannot be opened for want
//  of descriptors (errno EMFILE or ENFILE: then some may have been added). Each file refused is said in *refused (fresh
//  string, caller frees; NULL if none was; refused may be NULL), one line
//  each, "PATH: why", for the caller to log or print.
int
    truststore_add_dir (truststore_t *self, const char *dir, char **refused);

//  Takes ownership of *crl_p. STATUS_OK if it verified and is newer than
//  the one held; STATUS_BAD_SIGNATURE, or STATUS_STALE if not newer (the
//  caller says what it refused).
status_t
    truststore_set_crl (truststore_t *self, crl_t **crl_p);

//  The held list (NULL if none), borrowed.
crl_t *
    truststore_crl (truststore_t *self);

//  Current certificate of a department, borrowed; NULL if unknown. Says
//  nothing on validity: use truststore_check.
cert_t *
    truststore_lookup (truststore_t *self, const char *department);

//  Certificate with this CURVE public key (Z85), borrowed; NULL if none.
cert_t *
    truststore_by_curve (truststore_t *self, const char *curve_public_txt);

//  The one rule of roles: only departments are peers. STATUS_OK and *cert_p
//  (borrowed) if `department` has a certificate valid at `now`, not revoked,
//  and of role "department"; else STATUS_CERT_UNKNOWN, STATUS_CERT_REVOKED,
//  STATUS_CERT_EXPIRED, or STATUS_CERT_ROLE for a valid certificate of
//  another role (a broker's). Every message a gateway serves, answers, seals
//  or trusts from a department, every statement and agreement party, and
//  every sender a broker routes, is checked with this. cert_p may be NULL.
status_t
    truststore_check (truststore_t *self, const char *department,
                      int64_t now, cert_t **cert_p);

//  The certificate of `department` with this serial, the current one or a
//  superseded one (borrowed); NULL if none is held (unknown, or dropped
//  past TRUSTSTORE_SUPERSEDED_MAX).
cert_t *
    truststore_lookup_serial (truststore_t *self, const char *department,
                              uint64_t serial);

//  The check of truststore_check for the certificate of this serial,
//  current or superseded: for what a certificate signed once (an
//  agreement), checked again whenever it is relied on. STATUS_OK, or
//  STATUS_CERT_UNKNOWN if no such certificate is held, STATUS_CERT_REVOKED,
//  STATUS_CERT_EXPIRED, STATUS_CERT_ROLE.
status_t
    truststore_check_serial (truststore_t *self, const char *department,
                             uint64_t serial, int64_t now);

//  Validity alone (signature was checked when it was added, revocation,
//  period) for an already looked-up certificate, whatever its role: for
//  checks that name the role themselves (the broker's ZAP handler).
status_t
    truststore_check_cert (truststore_t *self, cert_t *cert, int64_t now);

//  A signature check: 0 if what it checks was signed by the Ed25519 key
//  sign_public (32 bytes).
typedef int (truststore_verify_fn) (const uint8_t *sign_public, void *argument);

//  Runs `verify` with the key of the department's current certificate, then
//  with each superseded one's: STATUS_OK as soon as it passes with a
//  certificate valid at `now`, not revoked and of role "department" (the
//  role rule of truststore_check). Else the status of a certificate whose
//  key passed but that is expired, revoked or not a department's
//  (STATUS_CERT_EXPIRED, STATUS_CERT_REVOKED, STATUS_CERT_ROLE), or of the
//  current certificate (STATUS_CERT_UNKNOWN, ...), or STATUS_BAD_SIGNATURE.
//  On STATUS_OK, *serial_p (if not NULL) is the serial of the certificate
//  whose key passed, for truststore_check_serial later; else 0.
status_t
    truststore_verify_by (truststore_t *self, const char *department, int64_t now,
                          truststore_verify_fn *verify, void *argument,
                          uint64_t *serial_p);

//  Number of certificates held (current and superseded), and the first/next
//  for iteration (borrowed): every current certificate, then every
//  superseded one.
size_t  truststore_size (truststore_t *self);
cert_t *truststore_first (truststore_t *self);
cert_t *truststore_next (truststore_t *self);

const uint8_t *
    truststore_authority (truststore_t *self);

void
    truststore_test (bool verbose);

#endif
