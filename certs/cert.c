/*  cert.c -- a department certificate, signed by the federation authority.

    The certificate itself: its fields and their rules, its keys, the
    canonical bytes the authority signs, and the checks of the signature
    and the validity. Its text form (ZPL, the files) is certtext.c's.
*/

#include "cert.h"
#include "authority.h"
#include "certfile.h"
#include "ident.h"
#include "status.h"
#include <sodium.h>
#include <msgpack.h>

#define CERT_CANONICAL_TAG  "sluice-cert-1"
#define CERT_ROLE_MAX       16

struct _cert_t {
    char department [IDENT_MAX + 1];
    char name [CERT_NAME_MAX + 1];
    char role [CERT_ROLE_MAX];
    int clearance;
    uint64_t serial;
    int64_t not_before;
    int64_t not_after;
    uint8_t sign_public [CERT_KEY_BYTES];
    uint8_t box_public [CERT_KEY_BYTES];
    uint8_t curve_public [CERT_KEY_BYTES];
    char curve_public_txt [41];
    uint8_t signature [CERT_SIG_BYTES];
    bool has_secret;
    uint8_t sign_secret [CERT_SIGN_SECRET];
    uint8_t box_secret [CERT_KEY_BYTES];
    uint8_t curve_secret [CERT_KEY_BYTES];
    zcert_t *zcert;             //  CURVE pair for zcert_apply
};

//  The roles a certificate may carry
static const char *s_roles [] = { CERT_ROLE_DEPARTMENT, CERT_ROLE_BROKER };

static bool
s_role_valid (const char *role)
{
    for (size_t index = 0; index < sizeof (s_roles) / sizeof (s_roles [0]); index++)
        if (role && streq (role, s_roles [index]))
            return true;
    return false;
}

//  Checks every field except the keys. true, or false and *error.
static bool
s_fields_valid (const char *department, const char *name, const char *role,
                int clearance, uint64_t serial,
                int64_t not_before, int64_t not_after, char **error)
{
    const char *problem = NULL;
    if (!certfile_department_valid (department, "cert", error))
        return false;
    if (!certfile_text_valid (name, CERT_NAME_MAX, false))
        problem = "invalid name (1 to 128 bytes of UTF-8 text, no control"
                  " characters or double quotes)";
    else
    if (!s_role_valid (role))
        problem = "role must be 'department' or 'broker'";
    else
    if (clearance < 0 || clearance > CERT_CLEARANCE_MAX)
        problem = "clearance must be 0 to 5";
    else
    //  A broker reads no field, so it is cleared for none
    if (streq (role, CERT_ROLE_BROKER) && clearance != 0)
        problem = "a broker certificate carries no clearance (clearance 0)";
    else
    if (serial == 0 || serial > CERTFILE_UINT_MAX)
        problem = "serial must be 1 to 2^63-1";
    else
    if (not_before < 0 || not_after > CERTFILE_TIME_MAX || not_before >= not_after)
        problem = "validity must satisfy 1970 <= not-before < not-after <= 9999";
    if (problem)
        status_set_error (error, "cert: %s", problem);
    return problem == NULL;
}
_Static_assert (CERT_NAME_MAX == 128 && CERT_CLEARANCE_MAX == 5,
                "the messages above name these bounds");

static cert_t *
s_cert_alloc (const char *department, const char *name, const char *role,
              int clearance, uint64_t serial,
              int64_t not_before, int64_t not_after, char **error)
{
    if (!s_fields_valid (department, name, role, clearance, serial,
                         not_before, not_after, error))
        return NULL;
    cert_t *self = (cert_t *) zmalloc (sizeof (cert_t));
    if (!self) {
        status_set_error (error, "cert: out of memory");
        return NULL;
    }
    strcpy (self->department, department);
    strcpy (self->name, name);
    strcpy (self->role, role);
    self->clearance = clearance;
    self->serial = serial;
    self->not_before = not_before;
    self->not_after = not_after;
    return self;
}

//  Builds the zcert from the CURVE keys (a zero secret if none is held)
static int
s_cert_make_zcert (cert_t *self)
{
    self->zcert = zcert_new_from (self->curve_public, self->curve_secret);
    if (!self->zcert)
        return -1;
    strcpy (self->curve_public_txt, zcert_public_txt (self->zcert));
    return 0;
}

cert_t *
cert_new (const char *department, const char *name, const char *role,
          int clearance, uint64_t serial, int64_t not_before, int64_t not_after,
          char **error)
{
    cert_t *self = s_cert_alloc (department, name, role, clearance, serial,
                                 not_before, not_after, error);
    if (!self)
        return NULL;
    crypto_sign_keypair (self->sign_public, self->sign_secret);
    crypto_box_keypair (self->box_public, self->box_secret);
    zcert_t *curve = zcert_new ();
    if (curve) {
        memcpy (self->curve_public, zcert_public_key (curve), CERT_KEY_BYTES);
        memcpy (self->curve_secret, zcert_secret_key (curve), CERT_KEY_BYTES);
        zcert_destroy (&curve);
        self->has_secret = true;
    }
    if (!self->has_secret || s_cert_make_zcert (self)) {
        status_set_error (error, "cert: cannot make a CURVE key pair");
        cert_destroy (&self);
    }
    return self;
}

cert_t *
cert_new_from (const cert_parts_t *parts, char **error)
{
    assert (parts);
    assert (parts->sign_public && parts->box_public && parts->curve_public);
    assert (parts->signature);
    cert_t *self = s_cert_alloc (parts->department, parts->name, parts->role,
                                 parts->clearance, parts->serial, parts->not_before,
                                 parts->not_after, error);
    if (!self)
        return NULL;
    memcpy (self->sign_public, parts->sign_public, CERT_KEY_BYTES);
    memcpy (self->box_public, parts->box_public, CERT_KEY_BYTES);
    memcpy (self->curve_public, parts->curve_public, CERT_KEY_BYTES);
    memcpy (self->signature, parts->signature, CERT_SIG_BYTES);
    if (s_cert_make_zcert (self)) {
        status_set_error (error, "cert: out of memory");
        cert_destroy (&self);
    }
    return self;
}

int
cert_set_secret (cert_t *self, const uint8_t *sign_secret, const uint8_t *box_secret,
                 const uint8_t *curve_secret)
{
    assert (self);
    assert (sign_secret && box_secret && curve_secret);
    uint8_t derived [CERT_KEY_BYTES];
    bool ok = crypto_sign_ed25519_sk_to_pk (derived, sign_secret) == 0
           && sodium_memcmp (derived, self->sign_public, CERT_KEY_BYTES) == 0;
    ok = ok && crypto_scalarmult_base (derived, box_secret) == 0
            && sodium_memcmp (derived, self->box_public, CERT_KEY_BYTES) == 0;
    ok = ok && crypto_scalarmult_base (derived, curve_secret) == 0
            && sodium_memcmp (derived, self->curve_public, CERT_KEY_BYTES) == 0;
    zcert_t *zcert = ok? zcert_new_from (self->curve_public, curve_secret): NULL;
    if (!zcert)
        return -1;
    zcert_destroy (&self->zcert);
    self->zcert = zcert;
    memcpy (self->sign_secret, sign_secret, CERT_SIGN_SECRET);
    memcpy (self->box_secret, box_secret, CERT_KEY_BYTES);
    memcpy (self->curve_secret, curve_secret, CERT_KEY_BYTES);
    self->has_secret = true;
    return 0;
}

void
cert_destroy (cert_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        cert_t *self = *self_p;
        zcert_destroy (&self->zcert);
        sodium_memzero (self, sizeof (cert_t));
        free (self);
        *self_p = NULL;
    }
}

cert_t *
cert_dup (cert_t *self)
{
    assert (self);
    cert_t *copy = (cert_t *) zmalloc (sizeof (cert_t));
    if (!copy)
        return NULL;
    memcpy (copy, self, sizeof (cert_t));
    copy->zcert = NULL;
    copy->has_secret = false;
    sodium_memzero (copy->sign_secret, sizeof (copy->sign_secret));
    sodium_memzero (copy->box_secret, sizeof (copy->box_secret));
    sodium_memzero (copy->curve_secret, sizeof (copy->curve_secret));
    if (s_cert_make_zcert (copy))
        cert_destroy (&copy);
    return copy;
}

const char *
cert_department (cert_t *self)
{
    assert (self);
    return self->department;
}

const char *
cert_name (cert_t *self)
{
    assert (self);
    return self->name;
}

const char *
cert_role (cert_t *self)
{
    assert (self);
    return self->role;
}

int
cert_clearance (cert_t *self)
{
    assert (self);
    return self->clearance;
}

uint64_t
cert_serial (cert_t *self)
{
    assert (self);
    return self->serial;
}

int64_t
cert_not_before (cert_t *self)
{
    assert (self);
    return self->not_before;
}

int64_t
cert_not_after (cert_t *self)
{
    assert (self);
    return self->not_after;
}

const uint8_t *
cert_sign_public (cert_t *self)
{
    assert (self);
    return self->sign_public;
}

const uint8_t *
cert_box_public (cert_t *self)
{
    assert (self);
    return self->box_public;
}

const uint8_t *
cert_curve_public (cert_t *self)
{
    assert (self);
    return self->curve_public;
}

const char *
cert_curve_public_txt (cert_t *self)
{
    assert (self);
    return self->curve_public_txt;
}

const uint8_t *
cert_authority_signature (cert_t *self)
{
    assert (self);
    return self->signature;
}

bool
cert_has_secret (cert_t *self)
{
    assert (self);
    return self->has_secret;
}

const uint8_t *
cert_sign_secret (cert_t *self)
{
    assert (self);
    return self->has_secret? self->sign_secret: NULL;
}

const uint8_t *
cert_box_secret (cert_t *self)
{
    assert (self);
    return self->has_secret? self->box_secret: NULL;
}

zcert_t *
cert_zcert (cert_t *self)
{
    assert (self);
    return self->zcert;
}

uint8_t *
cert_canonical (cert_t *self, size_t *size)
{
    assert (self);
    assert (size);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    const char *strings [] = {
        CERT_CANONICAL_TAG, self->department, self->name, self->role
    };
    int rc = msgpack_pack_array (&packer, 11);
    for (size_t index = 0; index < 4; index++)
        rc |= certfile_pack_str (&packer, strings [index]);
    rc |= msgpack_pack_uint64 (&packer, (uint64_t) self->clearance);
    rc |= msgpack_pack_uint64 (&packer, self->serial);
    rc |= msgpack_pack_int64 (&packer, self->not_before);
    rc |= msgpack_pack_int64 (&packer, self->not_after);
    const uint8_t *keys [] = { self->sign_public, self->box_public, self->curve_public };
    for (size_t index = 0; index < 3; index++) {
        rc |= msgpack_pack_bin (&packer, CERT_KEY_BYTES);
        rc |= msgpack_pack_bin_body (&packer, keys [index], CERT_KEY_BYTES);
    }
    return certfile_packed (&buffer, rc, size);
}

int
cert_sign_by (cert_t *self, authority_t *authority)
{
    assert (self);
    assert (authority);
    size_t size = 0;
    uint8_t *canonical = cert_canonical (self, &size);
    int rc = certfile_sign (canonical, size, authority, self->signature);
    free (canonical);
    return rc;
}

int
cert_verify (cert_t *self, const uint8_t *authority_public)
{
    assert (self);
    assert (authority_public);
    size_t size = 0;
    uint8_t *canonical = cert_canonical (self, &size);
    int rc = certfile_verify (canonical, size, self->signature, authority_public);
    free (canonical);
    return rc;
}

bool
cert_valid_at (cert_t *self, int64_t now)
{
    assert (self);
    return now >= self->not_before && now <= self->not_after;
}

//  --------------------------------------------------------------------------
//  Self test

//  Test vector of PROTOCOL.md: fixed seeds give fixed keys
#define S_VECTOR_CANONICAL \
    "9bad736c756963652d636572742d31a953482d50442d4d5341b95075646f6e67" \
    "204d61726b6574205375706572766973696f6eaa6465706172746d656e7403cd" \
    "03e9ce6955b900ce6b36ec80c42029acbae141bccaf0b22e1a94d34d0bc7361e" \
    "526d0bfe12c89794bc9322966dd7c42079a631eede1bf9c98f12032cdeadd0e7" \
    "a079398fc786b88cc846ec89af85a51ac420675dd574ed7789310b3d2e7681f3" \
    "790b466c773b1521fecf36577958371ea52f"
#define S_VECTOR_SIGNATURE \
    "a8ed3415babb961272065783ef6887031862e39f30b8197cc6c2eeef7e491754" \
    "4dc314074df2b2f86564dbb743e037f988f4e53c87c9f26cc5a84f9d7302ec03"

static void
s_seed (uint8_t *seed, uint8_t first)
{
    for (int index = 0; index < 32; index++)
        seed [index] = (uint8_t) (first + index);
}

cert_t *
cert_test_vector (uint8_t *authority_public)
{
    uint8_t seed [32], authority_secret [64];
    s_seed (seed, 0x00);
    crypto_sign_seed_keypair (authority_public, authority_secret, seed);
    int64_t not_before, not_after;
    assert (certfile_time_parse ("2026-01-01T00:00:00Z", &not_before) == 0);
    assert (certfile_time_parse ("2027-01-01T00:00:00Z", &not_after) == 0);
    cert_t *self = s_cert_alloc ("SH-PD-MSA", "Pudong Market Supervision",
                                 "department", 3, 1001, not_before, not_after, NULL);
    assert (self);
    s_seed (seed, 0x20);
    crypto_sign_seed_keypair (self->sign_public, self->sign_secret, seed);
    s_seed (self->box_secret, 0x40);
    crypto_scalarmult_base (self->box_public, self->box_secret);
    s_seed (self->curve_secret, 0x60);
    crypto_scalarmult_base (self->curve_public, self->curve_secret);
    self->has_secret = true;
    assert (s_cert_make_zcert (self) == 0);
    size_t size;
    uint8_t *canonical = cert_canonical (self, &size);
    assert (canonical);
    crypto_sign_detached (self->signature, NULL, canonical, size, authority_secret);
    free (canonical);
    sodium_memzero (authority_secret, sizeof (authority_secret));
    return self;
}

void
cert_test (bool verbose)
{
    printf (" * cert: ");
    if (verbose)
        printf ("\n");

    //  Test vector: canonical bytes and signature under the fixed authority
    uint8_t authority_pk [32];
    cert_t *vector = cert_test_vector (authority_pk);
    size_t size;
    uint8_t *canonical = cert_canonical (vector, &size);
    assert (canonical);
    char *hex = certfile_hex (canonical, size);
    char *sig_hex = certfile_hex (cert_authority_signature (vector), CERT_SIG_BYTES);
    if (verbose) {
        char *pk_hex = certfile_hex (authority_pk, 32);
        printf ("authority public: %s\ncanonical: %s\nsignature: %s\n", pk_hex, hex, sig_hex);
        zstr_free (&pk_hex);
    }
    assert (streq (hex, S_VECTOR_CANONICAL));
    assert (streq (sig_hex, S_VECTOR_SIGNATURE));
    assert (cert_verify (vector, authority_pk) == 0);
    zstr_free (&hex);
    zstr_free (&sig_hex);
    free (canonical);

    //  A certificate of the same parts is the same certificate; secret keys
    //  that are not its own are refused
    cert_parts_t parts = {
        cert_department (vector), cert_name (vector), cert_role (vector),
        cert_clearance (vector), cert_serial (vector), cert_not_before (vector),
        cert_not_after (vector), cert_sign_public (vector), cert_box_public (vector),
        cert_curve_public (vector), cert_authority_signature (vector)
    };
    cert_t *rebuilt = cert_new_from (&parts, NULL);
    assert (rebuilt && !cert_has_secret (rebuilt));
    assert (cert_verify (rebuilt, authority_pk) == 0);
    assert (streq (cert_curve_public_txt (rebuilt), cert_curve_public_txt (vector)));
    uint8_t other_box [CERT_KEY_BYTES];
    memcpy (other_box, cert_box_secret (vector), CERT_KEY_BYTES);
    other_box [1] ^= 1;                 //  bit 0 of byte 0 is clamped away
    assert (cert_set_secret (rebuilt, cert_sign_secret (vector), other_box,
                             vector->curve_secret) == -1);
    assert (!cert_has_secret (rebuilt));
    assert (cert_set_secret (rebuilt, cert_sign_secret (vector), cert_box_secret (vector),
                             vector->curve_secret) == 0);
    assert (cert_has_secret (rebuilt));
    assert (streq (zcert_secret_txt (cert_zcert (rebuilt)),
                   zcert_secret_txt (cert_zcert (vector))));
    cert_destroy (&rebuilt);
    parts.role = "admin";
    char *error = NULL;
    assert (cert_new_from (&parts, &error) == NULL);
    assert (error && streq (error, "cert: role must be 'department' or 'broker'"));
    zstr_free (&error);

    //  Invalid arguments
    int64_t now = zclock_time () / 1000;
    assert (cert_new ("Not An Id!", "x", "department", 2, 1, now, now + 10, &error) == NULL);
    assert (error && strstr (error, "cert: invalid department id"));
    assert (cert_new ("SH-PD-MSA", "", "department", 2, 1, now, now + 10, NULL) == NULL);
    assert (cert_new ("SH-PD-MSA", "x", "admin", 2, 1, now, now + 10, NULL) == NULL);
    assert (cert_new ("SH-PD-MSA", "x", "department", 6, 1, now, now + 10, NULL) == NULL);
    assert (cert_new ("SH-PD-MSA", "x", "department", -1, 1, now, now + 10, NULL) == NULL);
    assert (cert_new ("SH-PD-MSA", "x", "department", 2, 0, now, now + 10, NULL) == NULL);
    assert (cert_new ("SH-PD-MSA", "x", "department", 2, 1, now, now, NULL) == NULL);
    assert (cert_new ("BROKER", "x", "broker", 1, 1, now, now + 10, &error) == NULL);
    assert (error && streq (error, "cert: a broker certificate carries no clearance"
                                   " (clearance 0)"));
    zstr_free (&error);

    //  A fresh certificate, signed by a fresh authority
    authority_t *authority = authority_new ("Test federation", NULL);
    authority_t *stranger = authority_new ("Stranger", NULL);
    assert (authority && stranger);
    cert_t *cert = cert_new ("SH-PD-MSA", "市场监管局", "broker", 0, 42, now - 60, now + 86400, NULL);
    assert (cert);
    assert (cert_has_secret (cert));
    assert (cert_verify (cert, authority_public (authority)) == -1);    //  unsigned
    cert_sign_by (cert, authority);
    assert (cert_verify (cert, authority_public (authority)) == 0);
    assert (cert_verify (cert, authority_public (stranger)) == -1);     //  wrong authority
    assert (cert_valid_at (cert, now));
    assert (!cert_valid_at (cert, now - 61));
    assert (!cert_valid_at (cert, now + 86401));
    assert (cert_zcert (cert));
    assert (streq (zcert_public_txt (cert_zcert (cert)), cert_curve_public_txt (cert)));

    //  A copy drops the secrets
    cert_t *copy = cert_dup (cert);
    assert (copy);
    assert (!cert_has_secret (copy));
    assert (cert_box_secret (copy) == NULL);
    assert (cert_verify (copy, authority_public (authority)) == 0);
    assert (streq (cert_curve_public_txt (copy), cert_curve_public_txt (cert)));
    cert_destroy (&copy);

    cert_destroy (&cert);
    cert_destroy (&cert);               //  safe twice
    cert_destroy (&vector);
    authority_destroy (&authority);
    authority_destroy (&stranger);
    printf ("OK\n");
}
