/*  certtext.c -- a certificate's text form.

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

#include "certtext.h"
#include "authority.h"
#include "certfile.h"
#include "status.h"
#include <sodium.h>
#include <sys/stat.h>

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

//  The keys of a text, binary; zeroed after use (secrets among them)
typedef struct {
    uint8_t sign_public [CERT_KEY_BYTES];
    uint8_t box_public [CERT_KEY_BYTES];
    uint8_t curve_public [CERT_KEY_BYTES];
    uint8_t signature [CERT_SIG_BYTES];
    uint8_t sign_secret [CERT_SIGN_SECRET];
    uint8_t box_secret [CERT_KEY_BYTES];
    uint8_t curve_secret [CERT_KEY_BYTES];
} s_keys_t;


//  --------------------------------------------------------------------------
//  Decoding

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

//  The metadata's texts, numbers and times, into parts. 0, or -1 and *error.
static int
s_metadata_read (const char **values, const char *what, cert_parts_t *parts,
                 char **error)
{
    uint64_t clearance;
    if (certfile_uint_parse (values [F_CLEARANCE], CERT_CLEARANCE_MAX, &clearance)) {
        status_set_error (error, "cert: %s: 'clearance' must be 0 to %d", what,
                          CERT_CLEARANCE_MAX);
        return -1;
    }
    if (certfile_uint_parse (values [F_SERIAL], CERTFILE_UINT_MAX, &parts->serial)) {
        status_set_error (error, "cert: %s: 'serial' must be a decimal number", what);
        return -1;
    }
    if (certfile_time_parse (values [F_NOT_BEFORE], &parts->not_before)
    ||  certfile_time_parse (values [F_NOT_AFTER], &parts->not_after)) {
        status_set_error (error, "cert: %s: validity times must be like"
                          " 2026-11-26T00:00:00Z", what);
        return -1;
    }
    parts->department = values [F_DEPARTMENT];
    parts->name = values [F_NAME];
    parts->role = values [F_ROLE];
    parts->clearance = (int) clearance;
    return 0;
}

//  The public keys and the signature, into keys and parts. 0, or -1 and
//  *error.
static int
s_public_keys_read (s_keys_t *keys, cert_parts_t *parts, const char **values,
                    const char *curve_txt, const char *what, char **error)
{
    if (certfile_hex_parse (values [F_SIGN_KEY], keys->sign_public, CERT_KEY_BYTES)
    ||  certfile_hex_parse (values [F_BOX_KEY], keys->box_public, CERT_KEY_BYTES)
    ||  certfile_hex_parse (values [F_SIGNATURE], keys->signature, CERT_SIG_BYTES)) {
        status_set_error (error, "cert: %s: keys must be 64 and the signature 128"
                          " lowercase hex digits", what);
        return -1;
    }
    if (strlen (curve_txt) != 40
    ||  !zmq_z85_decode (keys->curve_public, curve_txt)) {
        status_set_error (error, "cert: %s: curve 'public-key' must be 40 Z85"
                          " characters", what);
        return -1;
    }
    parts->sign_public = keys->sign_public;
    parts->box_public = keys->box_public;
    parts->curve_public = keys->curve_public;
    parts->signature = keys->signature;
    return 0;
}

//  The secret keys, each of which must belong to its public key. 0, or -1
//  and *error.
static int
s_secret_keys_read (cert_t *cert, s_keys_t *keys, const char **values,
                    const char *curve_secret, const char *what, char **error)
{
    bool ok = certfile_hex_parse (values [F_SIGN_SECRET], keys->sign_secret,
                                  CERT_SIGN_SECRET) == 0
           && certfile_hex_parse (values [F_BOX_SECRET], keys->box_secret,
                                  CERT_KEY_BYTES) == 0
           && strlen (curve_secret) == 40
           && zmq_z85_decode (keys->curve_secret, curve_secret)
           && cert_set_secret (cert, keys->sign_secret, keys->box_secret,
                               keys->curve_secret) == 0;
    if (!ok) {
        status_set_error (error, "cert: %s: a secret key is malformed or does not"
                          " match its public key", what);
        return -1;
    }
    return 0;
}

//  The certificate of a parsed text's values, its keys read into keys
static cert_t *
s_cert_from_values (const char **values, const char **curve_values, s_keys_t *keys,
                    const char *what, char **error)
{
    cert_parts_t parts = { NULL };
    if (s_metadata_read (values, what, &parts, error)
    ||  s_public_keys_read (keys, &parts, values, curve_values [0], what, error))
        return NULL;
    char *problem = NULL;
    cert_t *cert = cert_new_from (&parts, &problem);
    if (!cert)
        status_set_error (error, "cert: %s: invalid field: %s", what, problem);
    zstr_free (&problem);
    if (cert && curve_values [1]
    &&  s_secret_keys_read (cert, keys, values, curve_values [1], what, error))
        cert_destroy (&cert);
    return cert;
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
    s_keys_t keys;
    cert_t *cert = s_cert_from_values (values, curve_values, &keys, what, error);
    sodium_memzero (&keys, sizeof (keys));
    //  One spelling per key: Z85 text must be what encoding gives back
    if (cert && !streq (cert_curve_public_txt (cert), curve_values [0])) {
        status_set_error (error, "cert: %s: curve 'public-key' is not canonical Z85",
                          what);
        cert_destroy (&cert);
    }
    return cert;
}

cert_t *
certtext_decode (const char *text, size_t size, char **error)
{
    zconfig_t *root = certfile_parse (text, size, CERTTEXT_MAX);
    if (!root) {
        status_set_error (error, "cert: certificate text is not valid ZPL text");
        return NULL;
    }
    cert_t *cert = s_cert_from_config (root, "certificate text", false, error);
    zconfig_destroy (&root);
    return cert;
}

cert_t *
certtext_load (const char *path, char **error)
{
    assert (path);
    size_t size;
    char *text = certfile_read (path, CERTTEXT_MAX, &size, error);
    if (!text)
        return NULL;
    zconfig_t *root = certfile_parse (text, size, CERTTEXT_MAX);
    sodium_memzero (text, size);
    free (text);
    if (!root) {
        status_set_error (error, "cert: %s is not valid ZPL text", path);
        return NULL;
    }
    cert_t *cert = s_cert_from_config (root, path, true, error);
    zconfig_destroy (&root);
    //  Nothing fails here: the admin is told, in the log, where the file is
    struct stat st;
    if (cert && cert_has_secret (cert) && stat (path, &st) == 0 && (st.st_mode & 077))
        zsys_warning ("cert: %s holds secret keys but is readable by others; "
                      "chmod 600 it", path);
    return cert;
}


//  --------------------------------------------------------------------------
//  Encoding

//  The metadata's values, in the order of s_field_names (the secret ones
//  only if `secret`): fresh strings, NULL where memory was short
static void
s_values (cert_t *cert, bool secret, char **values)
{
    char not_before [CERTFILE_TIME_SIZE], not_after [CERTFILE_TIME_SIZE];
    certfile_time_format (cert_not_before (cert), not_before);
    certfile_time_format (cert_not_after (cert), not_after);
    values [F_DEPARTMENT] = strdup (cert_department (cert));
    values [F_NAME] = strdup (cert_name (cert));
    values [F_ROLE] = strdup (cert_role (cert));
    values [F_CLEARANCE] = zsys_sprintf ("%d", cert_clearance (cert));
    values [F_SERIAL] = zsys_sprintf ("%" PRIu64, cert_serial (cert));
    values [F_NOT_BEFORE] = strdup (not_before);
    values [F_NOT_AFTER] = strdup (not_after);
    values [F_SIGN_KEY] = certfile_hex (cert_sign_public (cert), CERT_KEY_BYTES);
    values [F_BOX_KEY] = certfile_hex (cert_box_public (cert), CERT_KEY_BYTES);
    values [F_SIGNATURE] = certfile_hex (cert_authority_signature (cert), CERT_SIG_BYTES);
    if (secret) {
        values [F_SIGN_SECRET] = certfile_hex (cert_sign_secret (cert), CERT_SIGN_SECRET);
        values [F_BOX_SECRET] = certfile_hex (cert_box_secret (cert), CERT_KEY_BYTES);
    }
}

//  The certificate text, public or with the secrets
static char *
s_cert_text (cert_t *cert, bool secret)
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
    s_values (cert, secret, values);
    int count = secret? F_COUNT: F_SIGN_SECRET;
    bool ok = true;
    zconfig_t *metadata = zconfig_new ("metadata", root);
    for (int field = 0; field < count && metadata; field++) {
        zconfig_t *item = values [field]? zconfig_new (s_field_names [field], metadata): NULL;
        if (item)
            zconfig_set_value (item, "%s", values [field]);
        else
            ok = false;
    }
    zconfig_put (root, "curve/public-key", cert_curve_public_txt (cert));
    if (secret)
        zconfig_put (root, "curve/secret-key", zcert_secret_txt (cert_zcert (cert)));
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
certtext_encode (cert_t *cert)
{
    assert (cert);
    return s_cert_text (cert, false);
}

int
certtext_save (cert_t *cert, const char *path, bool force, char **error)
{
    assert (cert);
    assert (path);
    bool secret = cert_has_secret (cert);
    char *secret_path = zsys_sprintf ("%s_secret", path);
    char *public_text = s_cert_text (cert, false);
    char *secret_text = secret? s_cert_text (cert, true): NULL;
    int rc = -1;
    if (!secret_path || !public_text || (secret && !secret_text)) {
        status_set_error (error, "cert: %s: out of memory", path);
        goto done;
    }
    //  Check both first, so that a refusal leaves nothing half-written
    if (!force && certfile_exists (path)) {
        status_set_error (error, "%s exists; not replaced without force", path);
        goto done;
    }
    if (!force && secret && certfile_exists (secret_path)) {
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


//  --------------------------------------------------------------------------
//  Self-test

static char *
s_text_replace (const char *text, const char *from, const char *to)
{
    const char *at = strstr (text, from);
    assert (at);
    return zsys_sprintf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

//  Text round trip keeps every field and the signature
static void
s_test_round_trip (cert_t *vector, const char *text, const uint8_t *authority_pk)
{
    assert (strstr (text, "sign-secret") == NULL);
    assert (strstr (text, "secret-key") == NULL);
    cert_t *decoded = certtext_decode (text, strlen (text), NULL);
    assert (decoded);
    assert (!cert_has_secret (decoded));
    assert (cert_sign_secret (decoded) == NULL);
    assert (streq (cert_department (decoded), "SH-PD-MSA"));
    assert (streq (cert_name (decoded), "Pudong Market Supervision"));
    assert (streq (cert_role (decoded), "department"));
    assert (cert_clearance (decoded) == 3);
    assert (cert_serial (decoded) == 1001);
    assert (cert_not_before (decoded) == cert_not_before (vector));
    assert (cert_not_after (decoded) == cert_not_after (vector));
    assert (memcmp (cert_sign_public (decoded), cert_sign_public (vector), 32) == 0);
    assert (memcmp (cert_box_public (decoded), cert_box_public (vector), 32) == 0);
    assert (memcmp (cert_curve_public (decoded), cert_curve_public (vector), 32) == 0);
    assert (streq (cert_curve_public_txt (decoded), cert_curve_public_txt (vector)));
    assert (cert_verify (decoded, authority_pk) == 0);
    char *again = certtext_encode (decoded);
    assert (streq (again, text));
    zstr_free (&again);
    cert_destroy (&decoded);
}

//  Tampering with any signed field breaks the signature
static void
s_test_tampered (cert_t *vector, const char *text, const uint8_t *authority_pk)
{
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
        cert_t *cert = certtext_decode (tampered, strlen (tampered), NULL);
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
        assert (certtext_decode (broker, strlen (broker), NULL) == NULL);
        char *cleared = s_text_replace (broker, "clearance = \"3\"", "clearance = \"0\"");
        cert_t *cert = certtext_decode (cleared, strlen (cleared), NULL);
        assert (cert && streq (cert_role (cert), CERT_ROLE_BROKER));
        assert (cert_clearance (cert) == 0);
        assert (cert_verify (cert, authority_pk) == -1);
        cert_destroy (&cert);
        zstr_free (&cleared);
        zstr_free (&broker);
    }
    //  ... and so does replacing a key
    {
        char *key = certfile_hex (cert_box_public (vector), 32);
        char *other = strdup (key);
        other [0] = other [0] == 'a'? 'b': 'a';
        char *tampered = s_text_replace (text, key, other);
        cert_t *cert = certtext_decode (tampered, strlen (tampered), NULL);
        assert (cert);
        assert (cert_verify (cert, authority_pk) == -1);
        cert_destroy (&cert);
        zstr_free (&tampered);
        zstr_free (&key);
        zstr_free (&other);
    }
}

//  Malformed texts are refused
static void
s_test_malformed (cert_t *vector, const char *text, bool verbose)
{
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
        assert (certtext_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
    }
    {
        //  Curve key: wrong length, bad characters
        char *bad = s_text_replace (text, cert_curve_public_txt (vector), "short");
        assert (certtext_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
        bad = s_text_replace (text, cert_curve_public_txt (vector),
                              "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"");
        assert (certtext_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
        bad = s_text_replace (text, cert_curve_public_txt (vector),
                              "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~");
        assert (certtext_decode (bad, strlen (bad), NULL) == NULL);
        zstr_free (&bad);
    }
    //  Truncated at every length (but the final newline, which is
    //  optional), garbage, oversized, NULL
    for (size_t length = 0; length < strlen (text) - 1; length++)
        assert (certtext_decode (text, length, NULL) == NULL);
    assert (certtext_decode (NULL, 10, NULL) == NULL);
    assert (certtext_decode ("\x00\x01\x02\xff", 4, NULL) == NULL);
    char *big = (char *) zmalloc (CERTTEXT_MAX + 2);
    memcpy (big, text, strlen (text));
    memset (big + strlen (text), '#', CERTTEXT_MAX + 1 - strlen (text));
    assert (certtext_decode (big, CERTTEXT_MAX + 1, NULL) == NULL);
    free (big);
    //  Bytes after the given size are never read
    {
        char *copy = strdup (text);
        size_t length = strlen (copy);
        copy [length - 1] = 'X';           //  the final newline becomes junk
        cert_t *cert = certtext_decode (copy, length - 1, NULL);
        assert (cert);
        cert_destroy (&cert);
        zstr_free (&copy);
    }
}

//  Secret text given as public text is refused; a secret whose key does
//  not match is refused
static void
s_test_secret_refused (cert_t *cert, const char *dir, const char *secret_path)
{
    char *error = NULL;
    size_t secret_size;
    char *secret_text = certfile_read (secret_path, CERTTEXT_MAX, &secret_size, NULL);
    assert (secret_text);
    assert (certtext_decode (secret_text, secret_size, NULL) == NULL);
    char *mismatch_path = zsys_sprintf ("%s/mismatch.cert_secret", dir);
    char *box_secret = certfile_hex (cert_box_secret (cert), 32);
    char *other_secret = strdup (box_secret);
    other_secret [0] = other_secret [0] == 'a'? 'b': 'a';
    char *mismatch = s_text_replace (secret_text, box_secret, other_secret);
    assert (certfile_write (mismatch_path, mismatch, true, false, NULL) == 0);
    assert (certtext_load (mismatch_path, &error) == NULL);
    assert (error && strstr (error, "does not match its public key"));
    zstr_free (&error);
    unlink (mismatch_path);
    zstr_free (&mismatch);
    zstr_free (&box_secret);
    zstr_free (&other_secret);
    zstr_free (&mismatch_path);
    sodium_memzero (secret_text, secret_size);
    zstr_free (&secret_text);
    assert (certtext_load ("/nonexistent/x.cert", &error) == NULL);
    assert (error && strstr (error, "/nonexistent/x.cert"));
    zstr_free (&error);
}

//  Save, load: public and secret files, 0600, no overwrite; czmq reads
//  the same files
static void
s_test_files (void)
{
    int64_t now = zclock_time () / 1000;
    authority_t *authority = authority_new ("Test federation", NULL);
    assert (authority);
    cert_t *cert = cert_new ("SH-PD-MSA", "市场监管局", "broker", 0, 42, now - 60, now + 86400, NULL);
    assert (cert);
    assert (cert_sign_by (cert, authority) == 0);
    char *dir = zsys_sprintf ("/tmp/sluice-certtext-%d", getpid ());
    assert (mkdir (dir, 0700) == 0);
    char *path = zsys_sprintf ("%s/market.cert", dir);
    char *secret_path = zsys_sprintf ("%s/market.cert_secret", dir);
    assert (certtext_save (cert, path, false, NULL) == 0);
    struct stat st;
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (stat (path, &st) == 0 && (st.st_mode & 0077) != 0077);
    assert (certtext_save (cert, path, false, NULL) == -1);
    assert (certtext_save (cert, path, true, NULL) == 0);
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);

    cert_t *loaded = certtext_load (path, NULL);
    assert (loaded);
    assert (!cert_has_secret (loaded));
    assert (cert_verify (loaded, authority_public (authority)) == 0);
    assert (streq (cert_name (loaded), "市场监管局"));
    cert_destroy (&loaded);

    loaded = certtext_load (secret_path, NULL);
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
    cert_destroy (&loaded);

    //  czmq reads the same files
    zcert_t *zcert = zcert_load (secret_path);
    assert (zcert);
    assert (streq (zcert_public_txt (zcert), cert_curve_public_txt (cert)));
    assert (streq (zcert_meta (zcert, "department"), "SH-PD-MSA"));
    zcert_destroy (&zcert);

    s_test_secret_refused (cert, dir, secret_path);
    unlink (path);
    unlink (secret_path);
    rmdir (dir);
    zstr_free (&path);
    zstr_free (&secret_path);
    zstr_free (&dir);
    cert_destroy (&cert);
    authority_destroy (&authority);
}

void
certtext_test (bool verbose)
{
    printf (" * certtext: ");
    if (verbose)
        printf ("\n");
    uint8_t authority_pk [32];
    cert_t *vector = cert_test_vector (authority_pk);
    char *text = certtext_encode (vector);
    assert (text);
    if (verbose)
        printf ("%s", text);
    s_test_round_trip (vector, text, authority_pk);
    s_test_tampered (vector, text, authority_pk);
    s_test_malformed (vector, text, verbose);
    s_test_files ();
    zstr_free (&text);
    cert_destroy (&vector);
    printf ("OK\n");
}
