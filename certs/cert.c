/*  cert.c -- a department certificate, signed by the federation authority.

    The text is czmq's ZPL certificate layout, so zcert_load reads it too:

        metadata
            department = "SH-PD-MSA"
            name = "Pudong Market Supervision"
            role = "department"
            clearance = "3"
            serial = "1001"
            not-before = "2026-01-01T00:00:00Z"
            not-after = "2027-01-01T00:00:00Z"
            sign-key = "<64 hex>"
            box-key = "<64 hex>"
            authority-signature = "<128 hex>"
            sign-secret = "<128 hex>"           (secret file only)
            box-secret = "<64 hex>"             (secret file only)
        curve
            public-key = "<40 Z85>"
            secret-key = "<40 Z85>"             (secret file only)

    The text is written with zconfig rather than zcert_save_*: the fields
    come out in a fixed order, the text can be produced in memory, and
    certfile_write creates secret files 0600 without touching the process
    umask (which zcert_save_secret does).
*/

#include "cert.h"
#include "authority.h"
#include "certfile.h"
#include "ident.h"
#include "status.h"
#include <sodium.h>
#include <msgpack.h>
#include <sys/stat.h>

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

//  Fields of the metadata section, in the order they are written
typedef enum {
    F_DEPARTMENT, F_NAME, F_ROLE, F_CLEARANCE, F_SERIAL, F_NOT_BEFORE,
    F_NOT_AFTER, F_SIGN_KEY, F_BOX_KEY, F_SIGNATURE, F_SIGN_SECRET,
    F_BOX_SECRET, F_COUNT
} s_field_t;

static const char *s_field_names [F_COUNT] = {
    "department", "name", "role", "clearance", "serial", "not-before",
    "not-after", "sign-key", "box-key", "authority-signature",
    "sign-secret", "box-secret"
};

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

//  The text's sections and their values, strictly. 0, or -1 and *error.
static int
s_sections_read (zconfig_t *root, const char *what, const char **values,
                 const char **curve_values, char **error)
{
    zconfig_t *metadata = NULL;
    zconfig_t *curve = NULL;
    for (zconfig_t *section = zconfig_child (root); section;
         section = zconfig_next (section)) {
        const char *name = zconfig_name (section);
        zconfig_t **slot = streq (name, "metadata")? &metadata
                         : streq (name, "curve")? &curve: NULL;
        if (!slot || *slot) {
            status_set_error (error, "cert: %s: unexpected or repeated section '%s'",
                              what, name);
            return -1;
        }
        *slot = section;
    }
    if (!metadata || !curve) {
        status_set_error (error, "cert: %s: 'metadata' and 'curve' sections are"
                          " required", what);
        return -1;
    }
    const char *curve_names [] = { "public-key", "secret-key" };
    if (certfile_fields (metadata, what, s_field_names, F_COUNT, values, error)
    ||  certfile_fields (curve, what, curve_names, 2, curve_values, error))
        return -1;
    for (int field = 0; field < F_SIGN_SECRET; field++)
        if (!values [field]) {
            status_set_error (error, "cert: %s: field '%s' is missing", what,
                              s_field_names [field]);
            return -1;
        }
    if (!curve_values [0]) {
        status_set_error (error, "cert: %s: curve 'public-key' is missing", what);
        return -1;
    }
    return 0;
}

//  The metadata's numbers and times, into a fresh certificate without
//  keys. The certificate, or NULL and *error.
static cert_t *
s_metadata_read (const char **values, const char *what, char **error)
{
    uint64_t clearance, serial;
    int64_t not_before, not_after;
    if (certfile_uint_parse (values [F_CLEARANCE], CERT_CLEARANCE_MAX, &clearance)) {
        status_set_error (error, "cert: %s: 'clearance' must be 0 to %d", what,
                          CERT_CLEARANCE_MAX);
        return NULL;
    }
    if (certfile_uint_parse (values [F_SERIAL], CERTFILE_UINT_MAX, &serial)) {
        status_set_error (error, "cert: %s: 'serial' must be a decimal number", what);
        return NULL;
    }
    if (certfile_time_parse (values [F_NOT_BEFORE], &not_before)
    ||  certfile_time_parse (values [F_NOT_AFTER], &not_after)) {
        status_set_error (error, "cert: %s: validity times must be like"
                          " 2026-11-26T00:00:00Z", what);
        return NULL;
    }
    char *problem = NULL;
    cert_t *self = s_cert_alloc (values [F_DEPARTMENT], values [F_NAME],
                                 values [F_ROLE], (int) clearance, serial,
                                 not_before, not_after, &problem);
    if (!self)
        status_set_error (error, "cert: %s: invalid field: %s", what, problem);
    zstr_free (&problem);
    return self;
}

//  The public keys and the signature. 0, or -1 and *error.
static int
s_public_keys_read (cert_t *self, const char **values, const char *curve_txt,
                    const char *what, char **error)
{
    if (certfile_hex_parse (values [F_SIGN_KEY], self->sign_public, CERT_KEY_BYTES)
    ||  certfile_hex_parse (values [F_BOX_KEY], self->box_public, CERT_KEY_BYTES)
    ||  certfile_hex_parse (values [F_SIGNATURE], self->signature, CERT_SIG_BYTES)) {
        status_set_error (error, "cert: %s: keys must be 64 and the signature 128"
                          " lowercase hex digits", what);
        return -1;
    }
    if (strlen (curve_txt) != 40
    ||  !zmq_z85_decode (self->curve_public, curve_txt)) {
        status_set_error (error, "cert: %s: curve 'public-key' must be 40 Z85"
                          " characters", what);
        return -1;
    }
    return 0;
}

//  The secret keys, each of which must belong to its public key. 0, or -1
//  and *error.
static int
s_secret_keys_read (cert_t *self, const char **values, const char *curve_secret,
                    const char *what, char **error)
{
    uint8_t derived [CERT_KEY_BYTES];
    bool ok = certfile_hex_parse (values [F_SIGN_SECRET], self->sign_secret,
                                  CERT_SIGN_SECRET) == 0
           && certfile_hex_parse (values [F_BOX_SECRET], self->box_secret,
                                  CERT_KEY_BYTES) == 0
           && strlen (curve_secret) == 40
           && zmq_z85_decode (self->curve_secret, curve_secret);
    ok = ok && crypto_sign_ed25519_sk_to_pk (derived, self->sign_secret) == 0
            && sodium_memcmp (derived, self->sign_public, CERT_KEY_BYTES) == 0;
    ok = ok && crypto_scalarmult_base (derived, self->box_secret) == 0
            && sodium_memcmp (derived, self->box_public, CERT_KEY_BYTES) == 0;
    ok = ok && crypto_scalarmult_base (derived, self->curve_secret) == 0
            && sodium_memcmp (derived, self->curve_public, CERT_KEY_BYTES) == 0;
    if (!ok) {
        status_set_error (error, "cert: %s: a secret key is malformed or does not"
                          " match its public key", what);
        return -1;
    }
    self->has_secret = true;
    return 0;
}

//  Builds a certificate from a parsed ZPL text. Secret fields are accepted
//  only if `secret_ok`; if any is present, all must be, and must match.
static cert_t *
s_cert_from_config (zconfig_t *root, const char *what, bool secret_ok, char **error)
{
    const char *values [F_COUNT];
    const char *curve_values [2];
    if (s_sections_read (root, what, values, curve_values, error))
        return NULL;
    bool has_secret = values [F_SIGN_SECRET] || values [F_BOX_SECRET] || curve_values [1];
    if (has_secret && !secret_ok) {
        status_set_error (error, "cert: %s: secret keys in a public certificate", what);
        return NULL;
    }
    if (has_secret && !(values [F_SIGN_SECRET] && values [F_BOX_SECRET] && curve_values [1])) {
        status_set_error (error, "cert: %s: 'sign-secret', 'box-secret' and curve"
                          " 'secret-key' go together", what);
        return NULL;
    }
    cert_t *self = s_metadata_read (values, what, error);
    if (!self
    ||  s_public_keys_read (self, values, curve_values [0], what, error)
    ||  (has_secret && s_secret_keys_read (self, values, curve_values [1], what, error))) {
        cert_destroy (&self);
        return NULL;
    }
    if (s_cert_make_zcert (self)) {
        status_set_error (error, "cert: %s: out of memory", what);
        cert_destroy (&self);
        return NULL;
    }
    //  One spelling per key: Z85 text must be what encoding gives back
    if (!streq (self->curve_public_txt, curve_values [0])) {
        status_set_error (error, "cert: %s: curve 'public-key' is not canonical Z85",
                          what);
        cert_destroy (&self);
    }
    return self;
}

cert_t *
cert_decode (const char *text, size_t size, char **error)
{
    zconfig_t *root = certfile_parse (text, size, CERT_TEXT_MAX);
    if (!root) {
        status_set_error (error, "cert: certificate text is not valid ZPL text");
        return NULL;
    }
    cert_t *self = s_cert_from_config (root, "certificate text", false, error);
    zconfig_destroy (&root);
    return self;
}

cert_t *
cert_load (const char *path, char **error)
{
    assert (path);
    size_t size;
    char *text = certfile_read (path, CERT_TEXT_MAX, &size, error);
    if (!text)
        return NULL;
    zconfig_t *root = certfile_parse (text, size, CERT_TEXT_MAX);
    sodium_memzero (text, size);
    free (text);
    if (!root) {
        status_set_error (error, "cert: %s is not valid ZPL text", path);
        return NULL;
    }
    cert_t *self = s_cert_from_config (root, path, true, error);
    zconfig_destroy (&root);
    //  Nothing fails here: the admin is told, in the log, where the file is
    struct stat st;
    if (self && self->has_secret && stat (path, &st) == 0 && (st.st_mode & 077))
        zsys_warning ("cert: %s holds secret keys but is readable by others; "
                      "chmod 600 it", path);
    return self;
}

//  The certificate text, public or with the secrets
static char *
s_cert_text (cert_t *self, bool secret)
{
    zconfig_t *root = zconfig_new ("root", NULL);
    if (!root)
        return NULL;
    zconfig_set_comment (root, "   Sluice department certificate%s",
                         secret? ": SECRET keys, mode 0600, never share this file"
                               : " (public)");
    zconfig_set_comment (root, "   Signed by the federation authority; check "
                         "with: sluice certs verify");
    char *values [F_COUNT] = { NULL };
    char not_before [CERTFILE_TIME_SIZE], not_after [CERTFILE_TIME_SIZE];
    certfile_time_format (self->not_before, not_before);
    certfile_time_format (self->not_after, not_after);
    values [F_DEPARTMENT] = strdup (self->department);
    values [F_NAME] = strdup (self->name);
    values [F_ROLE] = strdup (self->role);
    values [F_CLEARANCE] = zsys_sprintf ("%d", self->clearance);
    values [F_SERIAL] = zsys_sprintf ("%" PRIu64, self->serial);
    values [F_NOT_BEFORE] = strdup (not_before);
    values [F_NOT_AFTER] = strdup (not_after);
    values [F_SIGN_KEY] = certfile_hex (self->sign_public, CERT_KEY_BYTES);
    values [F_BOX_KEY] = certfile_hex (self->box_public, CERT_KEY_BYTES);
    values [F_SIGNATURE] = certfile_hex (self->signature, CERT_SIG_BYTES);
    int count = F_SIGN_SECRET;
    if (secret) {
        values [F_SIGN_SECRET] = certfile_hex (self->sign_secret, CERT_SIGN_SECRET);
        values [F_BOX_SECRET] = certfile_hex (self->box_secret, CERT_KEY_BYTES);
        count = F_COUNT;
    }
    bool ok = true;
    zconfig_t *metadata = zconfig_new ("metadata", root);
    for (int field = 0; field < count && metadata; field++) {
        zconfig_t *item = values [field]? zconfig_new (s_field_names [field], metadata): NULL;
        if (item)
            zconfig_set_value (item, "%s", values [field]);
        else
            ok = false;
    }
    zconfig_put (root, "curve/public-key", self->curve_public_txt);
    if (secret)
        zconfig_put (root, "curve/secret-key", zcert_secret_txt (self->zcert));
    char *text = ok && metadata? zconfig_str_save (root): NULL;
    for (int field = 0; field < F_COUNT; field++)
        if (values [field]) {
            sodium_memzero (values [field], strlen (values [field]));
            free (values [field]);
        }
    zconfig_destroy (&root);
    return text;
}

char *
cert_encode (cert_t *self)
{
    assert (self);
    return s_cert_text (self, false);
}

int
cert_save (cert_t *self, const char *path, bool force, char **error)
{
    assert (self);
    assert (path);
    char *secret_path = zsys_sprintf ("%s_secret", path);
    char *public_text = s_cert_text (self, false);
    char *secret_text = self->has_secret? s_cert_text (self, true): NULL;
    int rc = -1;
    if (!secret_path || !public_text || (self->has_secret && !secret_text)) {
        status_set_error (error, "cert: %s: out of memory", path);
        goto done;
    }
    //  Check both first, so that a refusal leaves nothing half-written
    if (!force && certfile_exists (path)) {
        status_set_error (error, "%s exists; not replaced without force", path);
        goto done;
    }
    if (!force && self->has_secret && certfile_exists (secret_path)) {
        status_set_error (error, "%s exists; not replaced without force", secret_path);
        goto done;
    }
    if (secret_text && certfile_write (secret_path, secret_text, true, force, error))
        goto done;
    rc = certfile_write (path, public_text, false, force, error);
done:
    if (secret_text) {
        sodium_memzero (secret_text, strlen (secret_text));
        zstr_free (&secret_text);
    }
    zstr_free (&public_text);
    zstr_free (&secret_path);
    return rc;
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

//  The certificate of the test vector, with its secrets, unsigned
static cert_t *
s_vector_cert (void)
{
    int64_t not_before, not_after;
    assert (certfile_time_parse ("2026-01-01T00:00:00Z", &not_before) == 0);
    assert (certfile_time_parse ("2027-01-01T00:00:00Z", &not_after) == 0);
    cert_t *self = s_cert_alloc ("SH-PD-MSA", "Pudong Market Supervision",
                                 "department", 3, 1001, not_before, not_after, NULL);
    assert (self);
    uint8_t seed [32];
    s_seed (seed, 0x20);
    crypto_sign_seed_keypair (self->sign_public, self->sign_secret, seed);
    s_seed (self->box_secret, 0x40);
    crypto_scalarmult_base (self->box_public, self->box_secret);
    s_seed (self->curve_secret, 0x60);
    crypto_scalarmult_base (self->curve_public, self->curve_secret);
    self->has_secret = true;
    assert (s_cert_make_zcert (self) == 0);
    return self;
}

static char *
s_text_replace (const char *text, const char *from, const char *to)
{
    const char *at = strstr (text, from);
    assert (at);
    return zsys_sprintf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

void
cert_test (bool verbose)
{
    printf (" * cert: ");
    if (verbose)
        printf ("\n");

    //  Test vector: canonical bytes and signature under the fixed authority
    uint8_t seed [32], authority_pk [32], authority_sk [64];
    s_seed (seed, 0x00);
    crypto_sign_seed_keypair (authority_pk, authority_sk, seed);
    cert_t *vector = s_vector_cert ();
    size_t size;
    uint8_t *canonical = cert_canonical (vector, &size);
    assert (canonical);
    char *hex = certfile_hex (canonical, size);
    crypto_sign_detached (vector->signature, NULL, canonical, size, authority_sk);
    char *sig_hex = certfile_hex (vector->signature, CERT_SIG_BYTES);
    if (verbose) {
        char *sk_hex = certfile_hex (authority_pk, 32);
        printf ("authority public: %s\ncanonical: %s\nsignature: %s\n", sk_hex, hex, sig_hex);
        char *text = cert_encode (vector);
        printf ("%s", text);
        zstr_free (&text);
        zstr_free (&sk_hex);
    }
    assert (streq (hex, S_VECTOR_CANONICAL));
    assert (streq (sig_hex, S_VECTOR_SIGNATURE));
    assert (cert_verify (vector, authority_pk) == 0);
    zstr_free (&hex);
    zstr_free (&sig_hex);
    free (canonical);

    //  Text round trip keeps every field and the signature
    char *text = cert_encode (vector);
    assert (text);
    assert (strstr (text, "sign-secret") == NULL);
    assert (strstr (text, "secret-key") == NULL);
    cert_t *decoded = cert_decode (text, strlen (text), NULL);
    assert (decoded);
    assert (!cert_has_secret (decoded));
    assert (cert_sign_secret (decoded) == NULL);
    assert (streq (cert_department (decoded), "SH-PD-MSA"));
    assert (streq (cert_name (decoded), "Pudong Market Supervision"));
    assert (streq (cert_role (decoded), "department"));
    assert (cert_clearance (decoded) == 3);
    assert (cert_serial (decoded) == 1001);
    assert (cert_not_before (decoded) == vector->not_before);
    assert (cert_not_after (decoded) == vector->not_after);
    assert (memcmp (cert_sign_public (decoded), vector->sign_public, 32) == 0);
    assert (memcmp (cert_box_public (decoded), vector->box_public, 32) == 0);
    assert (memcmp (cert_curve_public (decoded), vector->curve_public, 32) == 0);
    assert (streq (cert_curve_public_txt (decoded), cert_curve_public_txt (vector)));
    assert (cert_verify (decoded, authority_pk) == 0);
    char *again = cert_encode (decoded);
    assert (streq (again, text));
    zstr_free (&again);
    cert_destroy (&decoded);

    //  Tampering with any signed field breaks the signature
    const char *tampers [][2] = {
        { "department = \"SH-PD-MSA\"", "department = \"TAX\"" },
        { "Pudong Market Supervision", "Pudong Market Supervisioo" },
        { "clearance = \"3\"", "clearance = \"5\"" },
        { "serial = \"1001\"", "serial = \"1002\"" },
        { "not-after = \"2027", "not-after = \"2028" },
        { "not-before = \"2026-01-01", "not-before = \"2026-01-02" },
    };
    for (size_t index = 0; index < sizeof (tampers) / sizeof (tampers [0]); index++) {
        char *tampered = s_text_replace (text, tampers [index][0], tampers [index][1]);
        cert_t *cert = cert_decode (tampered, strlen (tampered), NULL);
        assert (cert);
        assert (cert_verify (cert, authority_pk) == -1);
        cert_destroy (&cert);
        zstr_free (&tampered);
    }
    //  A broker certificate never carries clearance: the role changed
    //  alone is refused by the decoder, before any signature is checked;
    //  with clearance 0 it decodes, and the signature breaks
    {
        char *broker = s_text_replace (text, "role = \"department\"", "role = \"broker\"");
        assert (cert_decode (broker, strlen (broker), NULL) == NULL);
        char *cleared = s_text_replace (broker, "clearance = \"3\"", "clearance = \"0\"");
        cert_t *cert = cert_decode (cleared, strlen (cleared), NULL);
        assert (cert && streq (cert_role (cert), CERT_ROLE_BROKER));
        assert (cert_clearance (cert) == 0);
        assert (cert_verify (cert, authority_pk) == -1);
        cert_destroy (&cert);
        zstr_free (&cleared);
        zstr_free (&broker);
    }
    //  ... and so does replacing a key
    {
        char *key = certfile_hex (vector->box_public, 32);
        char *other = strdup (key);
        other [0] = other [0] == 'a'? 'b': 'a';
        char *tampered = s_text_replace (text, key, other);
        cert_t *cert = cert_decode (tampered, strlen (tampered), NULL);
        assert (cert);
        assert (cert_verify (cert, authority_pk) == -1);
        cert_destroy (&cert);
        zstr_free (&tampered);
        zstr_free (&key);
        zstr_free (&other);
    }

    //  Malformed texts are refused
    const char *malformed [][2] = {
        { "clearance = \"3\"", "clearance = \"6\"" },
        { "clearance = \"3\"", "clearance = \"03\"" },
        { "clearance = \"3\"", "clearance = \"-1\"" },
        { "serial = \"1001\"", "serial = \"0\"" },
        { "serial = \"1001\"", "serial = \"1001x\"" },
        { "serial = \"1001\"", "serial = \"9223372036854775808\"" },
        { "role = \"department\"", "role = \"admin\"" },
        { "not-after = \"2027-01-01T00:00:00Z\"", "not-after = \"2025-01-01T00:00:00Z\"" },
        { "not-after = \"2027-01-01T00:00:00Z\"", "not-after = \"2027-01-01\"" },
        { "department = \"SH-PD-MSA\"", "department = \"Not An Id!\"" },
        { "department = \"SH-PD-MSA\"", "department = \"\"" },
        { "name = \"Pudong Market Supervision\"", "name = \"\"" },
        { "    department = \"SH-PD-MSA\"\n", "" },
        { "    authority-signature", "    authority-signature = \"00\"\n    x" },
        { "authority-signature = \"", "authority-signature = \"0" },
        { "sign-key = \"", "sign-key = \"A" },
        { "box-key = \"", "box-key = \"0" },
        { "    sign-key", "    extra = \"1\"\n    sign-key" },
        { "    sign-key", "    role = \"broker\"\n    sign-key" },
        { "curve\n", "cruve\n" },
        { "curve\n", "curve\n    secret-key = \"0000000000000000000000000000000000000000\"\n" },
        { "metadata\n", "metadata\nmetadata\n" },
    };
    for (size_t index = 0; index < sizeof (malformed) / sizeof (malformed [0]); index++) {
        char *bad = s_text_replace (text, malformed [index][0], malformed [index][1]);
        if (verbose)
            printf ("malformed %zu\n", index);
        assert (cert_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
    }
    {
        //  Curve key: wrong length, bad characters
        char *bad = s_text_replace (text, cert_curve_public_txt (vector), "short");
        assert (cert_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
        bad = s_text_replace (text, cert_curve_public_txt (vector),
                              "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"");
        assert (cert_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
        bad = s_text_replace (text, cert_curve_public_txt (vector),
                              "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~");
        assert (cert_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
    }
    //  Truncated at every length (but the final newline, which is
    //  optional), garbage, oversized, NULL
    for (size_t length = 0; length < strlen (text) - 1; length++)
        assert (cert_decode (text, length, NULL) == NULL);
    assert (cert_decode (NULL, 10, NULL) == NULL);
    assert (cert_decode ("\x00\x01\x02\xff", 4, NULL) == NULL);
    char *big = (char *) zmalloc (CERT_TEXT_MAX + 2);
    memcpy (big, text, strlen (text));
    memset (big + strlen (text), '#', CERT_TEXT_MAX + 1 - strlen (text));
    assert (cert_decode (big, CERT_TEXT_MAX + 1, NULL) == NULL);
    free (big);
    //  Bytes after the given size are never read
    {
        char *copy = strdup (text);
        size_t length = strlen (copy);
        copy [length - 1] = 'X';           //  the final newline becomes junk
        cert_t *cert = cert_decode (copy, length - 1, NULL);
        assert (cert);
        cert_destroy (&cert);
        zstr_free (&copy);
    }

    //  Invalid arguments
    int64_t now = zclock_time () / 1000;
    char *error = NULL;
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

    //  Save, load: public and secret files, 0600, no overwrite
    char *dir = zsys_sprintf ("/tmp/sluice-cert-%d", getpid ());
    assert (mkdir (dir, 0700) == 0);
    char *path = zsys_sprintf ("%s/market.cert", dir);
    char *secret_path = zsys_sprintf ("%s/market.cert_secret", dir);
    assert (cert_save (cert, path, false, NULL) == 0);
    struct stat st;
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (stat (path, &st) == 0 && (st.st_mode & 0077) != 0077);
    assert (cert_save (cert, path, false, NULL) == -1);
    assert (cert_save (cert, path, true, NULL) == 0);
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);

    cert_t *loaded = cert_load (path, NULL);
    assert (loaded);
    assert (!cert_has_secret (loaded));
    assert (cert_verify (loaded, authority_public (authority)) == 0);
    assert (streq (cert_name (loaded), "市场监管局"));
    cert_destroy (&loaded);

    loaded = cert_load (secret_path, NULL);
    assert (loaded);
    assert (cert_has_secret (loaded));
    assert (memcmp (cert_sign_secret (loaded), cert_sign_secret (cert), 64) == 0);
    assert (memcmp (cert_box_secret (loaded), cert_box_secret (cert), 32) == 0);
    assert (zcert_eq (cert_zcert (loaded), cert_zcert (cert)));
    assert (streq (zcert_secret_txt (cert_zcert (loaded)), zcert_secret_txt (cert_zcert (cert))));
    assert (cert_verify (loaded, authority_public (authority)) == 0);
    //  The secret keys work: a signature made with the loaded key verifies
    uint8_t sig [64];
    crypto_sign_detached (sig, NULL, (const uint8_t *) "m", 1, cert_sign_secret (loaded));
    assert (crypto_sign_verify_detached (sig, (const uint8_t *) "m", 1,
                                         cert_sign_public (cert)) == 0);
    //  A copy drops the secrets
    cert_t *copy = cert_dup (loaded);
    assert (copy);
    assert (!cert_has_secret (copy));
    assert (cert_box_secret (copy) == NULL);
    assert (cert_verify (copy, authority_public (authority)) == 0);
    assert (streq (cert_curve_public_txt (copy), cert_curve_public_txt (cert)));
    cert_destroy (&copy);
    cert_destroy (&loaded);

    //  czmq reads the same files
    zcert_t *zcert = zcert_load (secret_path);
    assert (zcert);
    assert (streq (zcert_public_txt (zcert), cert_curve_public_txt (cert)));
    assert (streq (zcert_meta (zcert, "department"), "SH-PD-MSA"));
    zcert_destroy (&zcert);

    //  Secret text given as public text is refused; a secret whose key does
    //  not match is refused
    size_t secret_size;
    char *secret_text = certfile_read (secret_path, CERT_TEXT_MAX, &secret_size, NULL);
    assert (secret_text);
    assert (cert_decode (secret_text, secret_size, NULL) == NULL);
    char *mismatch_path = zsys_sprintf ("%s/mismatch.cert_secret", dir);
    char *box_secret = certfile_hex (cert_box_secret (cert), 32);
    char *other_secret = strdup (box_secret);
    other_secret [0] = other_secret [0] == 'a'? 'b': 'a';
    char *mismatch = s_text_replace (secret_text, box_secret, other_secret);
    assert (certfile_write (mismatch_path, mismatch, true, false, NULL) == 0);
    assert (cert_load (mismatch_path, &error) == NULL);
    assert (error && strstr (error, "does not match its public key"));
    zstr_free (&error);
    unlink (mismatch_path);
    zstr_free (&mismatch);
    zstr_free (&box_secret);
    zstr_free (&other_secret);
    zstr_free (&mismatch_path);
    sodium_memzero (secret_text, secret_size);
    zstr_free (&secret_text);
    assert (cert_load ("/nonexistent/x.cert", &error) == NULL);
    assert (error && strstr (error, "/nonexistent/x.cert"));
    zstr_free (&error);

    unlink (path);
    unlink (secret_path);
    rmdir (dir);
    zstr_free (&path);
    zstr_free (&secret_path);
    zstr_free (&dir);
    zstr_free (&text);
    cert_destroy (&cert);
    cert_destroy (&cert);               //  safe twice
    cert_destroy (&vector);
    authority_destroy (&authority);
    authority_destroy (&stranger);
    printf ("OK\n");
}
