/*  agreementtext.c -- an agreement's text form, ZPL.

    Text in and out goes through certs/certfile (bounded reading, strict ZPL
    sections, exact time and hex formats), the same rules as certificates.
*/

#include "agreementtext.h"
#include "certfile.h"
#include "status.h"
#include <czmq.h>
#include <sodium.h>
#include <inttypes.h>

//  Keys of the ZPL section, in the order they are written
enum {
    S_KEY_ID, S_KEY_VERSION, S_KEY_PROVIDER, S_KEY_CONSUMER, S_KEY_ITEM, S_KEY_FIELDS,
    S_KEY_PURPOSES, S_KEY_LEGAL_BASIS, S_KEY_VALID_FROM, S_KEY_VALID_UNTIL,
    S_KEY_DAILY_QUOTA, S_KEY_ROLES, S_KEY_PROVIDER_SIG, S_KEY_CONSUMER_SIG,
    S_KEYS
};

static const char *s_keys [S_KEYS] = {
    "id", "version", "provider", "consumer", "item", "fields", "purposes",
    "legal-basis", "valid-from", "valid-until", "daily-quota", "roles",
    "provider-signature", "consumer-signature"
};


//  --------------------------------------------------------------------------
//  Decoding

//  The one "agreement" section of a text and its values by key. The root
//  (caller destroys), or NULL and *error.
static zconfig_t *
s_section_read (const char *text, size_t size, const char **values, char **error)
{
    if (!text || size == 0) {
        status_set_error (error, "empty text");
        return NULL;
    }
    if (size > AGREEMENT_TEXT_MAX) {
        status_set_error (error, "text of %zu bytes exceeds %d", size, AGREEMENT_TEXT_MAX);
        return NULL;
    }
    zconfig_t *root = certfile_parse (text, size, AGREEMENT_TEXT_MAX);
    if (!root) {
        status_set_error (error, "not valid ZPL text");
        return NULL;
    }
    zconfig_t *section = zconfig_child (root);
    if (!section || zconfig_next (section)
    ||  !streq (zconfig_name (section), "agreement")
    ||  (zconfig_value (section) && *zconfig_value (section))) {
        status_set_error (error, "the text must hold one 'agreement' section and"
                          " nothing else");
        zconfig_destroy (&root);
    }
    else
    if (certfile_fields (section, "agreement", s_keys, S_KEYS, values, error))
        zconfig_destroy (&root);
    for (int key = 0; root && key < S_KEY_PROVIDER_SIG; key++)
        if (!values [key]) {
            status_set_error (error, "'%s' is missing", s_keys [key]);
            zconfig_destroy (&root);
        }
    return root;
}

//  The numbers and times of the section. 0 or -1 and *error.
static int
s_numbers_read (const char **values, uint64_t *version, int64_t *valid_from,
                int64_t *valid_until, uint64_t *quota, char **error)
{
    if (certfile_uint_parse (values [S_KEY_VERSION], AGREEMENT_VERSION_MAX, version)
    ||  *version < 1)
        status_set_error (error, "version must be a number from 1 to %u",
                          AGREEMENT_VERSION_MAX);
    else
    if (certfile_time_parse (values [S_KEY_VALID_FROM], valid_from))
        status_set_error (error, "valid-from is not YYYY-MM-DDTHH:MM:SSZ");
    else
    if (certfile_time_parse (values [S_KEY_VALID_UNTIL], valid_until))
        status_set_error (error, "valid-until is not YYYY-MM-DDTHH:MM:SSZ");
    else
    if (certfile_uint_parse (values [S_KEY_DAILY_QUOTA], AGREEMENT_QUOTA_MAX, quota))
        status_set_error (error, "daily-quota must be a number from 1 to 1000000000");
    else
        return 0;
    return -1;
}

//  The signatures the section carries, on the agreement. 0 or -1 and *error.
static int
s_signatures_read (agreement_t *self, const char **values, char **error)
{
    uint8_t signatures [2][AGREEMENT_SIG_BYTES];
    const char *names [2] = { "provider-signature", "consumer-signature" };
    const char *texts [2] = { values [S_KEY_PROVIDER_SIG], values [S_KEY_CONSUMER_SIG] };
    for (int party = 0; party < 2; party++)
        if (texts [party]
        &&  certfile_hex_parse (texts [party], signatures [party], AGREEMENT_SIG_BYTES)) {
            status_set_error (error, "agreement '%s': %s must be 128 lowercase hex"
                              " digits", agreement_id (self), names [party]);
            return -1;
        }
    agreement_set_signatures (self, texts [0]? signatures [0]: NULL,
                              texts [1]? signatures [1]: NULL);
    return 0;
}

agreement_t *
agreementtext_decode (const char *text, size_t size, char **error)
{
    const char *values [S_KEYS] = { NULL };
    zconfig_t *root = s_section_read (text, size, values, error);
    if (!root)
        return NULL;
    agreement_t *self = NULL;
    int64_t valid_from, valid_until;
    uint64_t quota, version;
    if (s_numbers_read (values, &version, &valid_from, &valid_until, &quota, error) == 0)
        self = agreement_new (values [S_KEY_ID], values [S_KEY_PROVIDER],
                              values [S_KEY_CONSUMER], values [S_KEY_ITEM],
                              values [S_KEY_FIELDS], values [S_KEY_PURPOSES],
                              values [S_KEY_LEGAL_BASIS], valid_from, valid_until,
                              (uint32_t) quota, values [S_KEY_ROLES], error);
    if (self && (agreement_set_version (self, version)
             ||  s_signatures_read (self, values, error)))
        agreement_destroy (&self);
    zconfig_destroy (&root);
    return self;
}

agreement_t *
agreementtext_load (const char *path, char **error)
{
    assert (path);
    size_t size = 0;
    char *text = certfile_read (path, AGREEMENT_TEXT_MAX, &size, error);
    if (!text)
        return NULL;
    char *problem = NULL;
    agreement_t *self = agreementtext_decode (text, size, &problem);
    if (!self)
        status_set_error (error, "%s: %s", path, problem? problem: "refused");
    zstr_free (&problem);
    free (text);
    return self;
}


//  --------------------------------------------------------------------------
//  Encoding

//  One of the agreement's lists as "a,b,c", fresh string
static char *
s_list_text (agreement_t *agreement, size_t count,
             const char *(*name) (agreement_t *agreement, size_t index))
{
    size_t size = 1;
    for (size_t index = 0; index < count; index++)
        size += strlen (name (agreement, index)) + 1;
    char *text = (char *) malloc (size);
    assert (text);
    char *write = text;
    for (size_t index = 0; index < count; index++) {
        size_t length = strlen (name (agreement, index));
        if (index)
            *write++ = ',';
        memcpy (write, name (agreement, index), length);
        write += length;
    }
    *write = 0;
    return text;
}

//  A signature line, or "" if that party has not signed; fresh string
static char *
s_signature_line (const char *key, const uint8_t *signature)
{
    if (!signature)
        return strdup ("");
    char *hex = certfile_hex (signature, AGREEMENT_SIG_BYTES);
    char *line = zsys_sprintf ("    %s = \"%s\"\n", key, hex);
    free (hex);
    return line;
}

char *
agreementtext_encode (agreement_t *self)
{
    assert (self);
    char from [CERTFILE_TIME_SIZE], until [CERTFILE_TIME_SIZE];
    certfile_time_format (agreement_valid_from (self), from);
    certfile_time_format (agreement_valid_until (self), until);
    char *fields = s_list_text (self, agreement_field_count (self), agreement_field);
    char *purposes = s_list_text (self, agreement_purpose_count (self), agreement_purpose);
    char *roles = s_list_text (self, agreement_role_count (self), agreement_role);
    char *provider_line = s_signature_line ("provider-signature",
                                            agreement_provider_signature (self));
    char *consumer_line = s_signature_line ("consumer-signature",
                                            agreement_consumer_signature (self));
    char *text = zsys_sprintf (
        "#   Sharing agreement (see README \"Agreement file\")\n"
        "agreement\n"
        "    id = \"%s\"\n"
        "    version = %" PRIu64 "\n"
        "    provider = \"%s\"\n"
        "    consumer = \"%s\"\n"
        "    item = \"%s\"\n"
        "    fields = \"%s\"\n"
        "    purposes = \"%s\"\n"
        "    legal-basis = \"%s\"\n"
        "    valid-from = \"%s\"\n"
        "    valid-until = \"%s\"\n"
        "    daily-quota = %u\n"
        "    roles = \"%s\"\n"
        "%s%s",
        agreement_id (self), agreement_version (self), agreement_provider (self),
        agreement_consumer (self), agreement_item (self), fields, purposes,
        agreement_legal_basis (self), from, until, agreement_daily_quota (self), roles,
        provider_line, consumer_line);
    assert (text);
    free (fields);
    free (purposes);
    free (roles);
    free (provider_line);
    free (consumer_line);
    return text;
}

int
agreementtext_save (agreement_t *self, const char *path, bool force, char **error)
{
    assert (self);
    assert (path);
    char *text = agreementtext_encode (self);
    int rc = certfile_write (path, text, false, force, error);
    free (text);
    return rc;
}


//  --------------------------------------------------------------------------
//  Self-test

//  Replaces the first `from` in text by `to`; fresh string
static char *
s_replace (const char *text, const char *from, const char *to)
{
    const char *at = strstr (text, from);
    assert (at);
    size_t head = (size_t) (at - text);
    char *result = (char *) malloc (strlen (text) - strlen (from)
                                    + strlen (to) + 1);
    assert (result);
    memcpy (result, text, head);
    strcpy (result + head, to);
    strcat (result, at + strlen (from));
    return result;
}

//  Decoding the text is refused, with a reason
static void
s_expect_refused (const char *text, bool verbose)
{
    char *error = NULL;
    agreement_t *agreement = agreementtext_decode (text, strlen (text), &error);
    assert (agreement == NULL);
    assert (error);
    if (verbose)
        printf ("\n    refused: %s", error);
    zstr_free (&error);
}

void
agreementtext_test (bool verbose)
{
    if (verbose)
        printf (" * agreementtext: ");
    int64_t now = (int64_t) time (NULL);
    const int64_t from = INT64_C(1767225600);     //  2026-01-01T00:00:00Z
    const int64_t until = INT64_C(1798761600);    //  2027-01-01T00:00:00Z
    char *error = NULL;

    //  An agreement signed by both parties, and a store that trusts them
    agreement_t *agreement = agreement_new (
        "AGR-SH-PD-MSA-TAX-0001", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "status, name,address", "tax-registration,credit-check",
        "《优化营商环境条例》第三十七条", from, until, 1000, "inspector,auditor", NULL);
    authority_t *authority = authority_new ("Test authority", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    const char *parties [2] = { "SH-PD-MSA", "SH-PD-TAX" };
    for (int party = 0; party < 2; party++) {
        cert_t *cert = cert_new (parties [party], "Party", "department", 3, 1,
                                 now - 86400, now + 86400 * 365, NULL);
        assert (cert);
        cert_sign_by (cert, authority);
        assert (agreement_sign (agreement, cert) == 0);
        assert (truststore_add (trust, &cert) == STATUS_OK);
    }
    assert (agreement_verify (agreement, trust, now) == STATUS_OK);

    //  Text round trip keeps signatures and canonical bytes
    char *text = agreementtext_encode (agreement);
    assert (text);
    if (verbose)
        printf ("\n%s", text);
    agreement_t *decoded = agreementtext_decode (text, strlen (text), NULL);
    assert (decoded);
    assert (agreement_verify (decoded, trust, now) == STATUS_OK);
    char *text2 = agreementtext_encode (decoded);
    assert (streq (text, text2));
    free (text2);
    agreement_t *dup = agreement_dup (decoded);
    assert (agreement_verify (dup, trust, now) == STATUS_OK);
    agreement_destroy (&dup);
    agreement_destroy (&decoded);

    //  Tampering after signing: any change breaks a signature
    const char *tampers [][2] = {
        { "fields = \"address,name,status\"",
          "fields = \"address,name,status,legal-person\"" },
        { "daily-quota = 1000", "daily-quota = 100000" },
        { "valid-until = \"2027", "valid-until = \"2099" },
        { "purposes = \"credit-check,", "purposes = \"marketing,credit-check," },
        { "roles = \"auditor,inspector\"", "roles = \"*\"" },
        { "consumer = \"SH-PD-TAX\"", "consumer = \"SH-PD-OTHER\"" },
        { "第三十七条", "第三十八条" },
        { "version = 1", "version = 2" },
    };
    for (size_t index = 0; index < sizeof (tampers) / sizeof (tampers [0]);
         index++) {
        char *tampered = s_replace (text, tampers [index][0],
                                    tampers [index][1]);
        agreement_t *forged = agreementtext_decode (tampered, strlen (tampered), NULL);
        assert (forged);
        assert (agreement_verify (forged, trust, now) == STATUS_BAD_SIGNATURE);
        agreement_destroy (&forged);
        free (tampered);
    }
    //  A signature swapped into the other party's place fails too
    {
        char *provider_hex = certfile_hex (agreement_provider_signature (agreement), 64);
        char *consumer_hex = certfile_hex (agreement_consumer_signature (agreement), 64);
        char *step = s_replace (text, consumer_hex, provider_hex);
        agreement_t *forged = agreementtext_decode (step, strlen (step), NULL);
        assert (forged);
        assert (agreement_verify (forged, trust, now) == STATUS_BAD_SIGNATURE);
        agreement_destroy (&forged);
        free (step);
        free (provider_hex);
        free (consumer_hex);
    }

    //  Strict decoding
    s_expect_refused ("", verbose);
    s_expect_refused ("agreement\n", verbose);
    s_expect_refused ("not ZPL at all \"\n", verbose);
    char *refusals [] = {
        s_replace (text, "    roles", "    colour = \"red\"\n    roles"),
        s_replace (text, "    roles", "    id = \"AGAIN\"\n    roles"),
        s_replace (text, "    roles = \"auditor,inspector\"\n", ""),
        s_replace (text, "    item = \"enterprise-basic\"\n", ""),
        s_replace (text, "daily-quota = 1000", "daily-quota = 01000"),
        s_replace (text, "    version = 1\n", ""),
        s_replace (text, "version = 1", "version = 0"),
        s_replace (text, "version = 1", "version = -1"),
        s_replace (text, "version = 1", "version = 4294967296"),
        s_replace (text, "version = 1", "version = 01"),
        s_replace (text, "daily-quota = 1000", "daily-quota = -1"),
        s_replace (text, "daily-quota = 1000", "daily-quota = 0"),
        s_replace (text, "daily-quota = 1000", "daily-quota = 99999999999"),
        s_replace (text, "2026-01-01T00:00:00Z", "2026-01-01 00:00:00"),
        s_replace (text, "2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z"),
        s_replace (text, "2027-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        s_replace (text, "provider-signature = \"", "provider-signature = \"AB"),
        s_replace (text, "provider-signature = \"", "provider-signature = \"0"),
        s_replace (text, "provider-signature = \"", "provider-signature = \"z"),
        s_replace (text, "agreement\n", "agreement = \"x\"\n"),
        s_replace (text, "agreement\n", "catalog\n"),
        s_replace (text, "    id = \"AGR", "        id = \"AGR"),
        s_replace (text, "    item = \"enterprise-basic\"\n",
                   "    item = \"enterprise-basic\"\n        sub = 1\n"),
        zsys_sprintf ("%sagreement\n    id = \"X\"\n", text),
        zsys_sprintf ("%sother\n", text),
    };
    for (size_t index = 0; index < sizeof (refusals) / sizeof (refusals [0]);
         index++) {
        s_expect_refused (refusals [index], verbose);
        free (refusals [index]);
    }
    //  A NUL inside, and size bounds
    char *with_nul = strdup (text);
    with_nul [10] = 0;
    assert (!agreementtext_decode (with_nul, strlen (text), NULL));
    free (with_nul);
    assert (!agreementtext_decode (text, AGREEMENT_TEXT_MAX + 1, &error));
    assert (error && strstr (error, "exceeds"));
    zstr_free (&error);
    assert (!agreementtext_decode (NULL, 0, NULL));
    //  Decoding reads only `size` bytes: a truncated buffer is refused
    char *truncated = (char *) malloc (strlen (text) / 2);
    assert (truncated);
    memcpy (truncated, text, strlen (text) / 2);
    assert (!agreementtext_decode (truncated, strlen (text) / 2, NULL));
    free (truncated);
    //  Unsigned agreements encode without signature lines and decode
    agreement_t *any = agreement_new ("A-1", "TAX", "MSA", "x", "a", "p", "basis",
                                      0, 1, 1, "*", NULL);
    char *unsigned_text = agreementtext_encode (any);
    assert (!strstr (unsigned_text, "signature"));
    agreement_t *back = agreementtext_decode (unsigned_text, strlen (unsigned_text), NULL);
    assert (back);
    assert (!agreement_provider_signed (back));
    assert (agreement_allows_role (back, "anyone"));
    agreement_destroy (&back);
    free (unsigned_text);
    agreement_destroy (&any);

    //  Quotes, hash and blanks inside the legal basis survive the text form
    any = agreement_new ("A-1", "TAX", "MSA", "x", "a", "p",
                         "Art. 5 #2, 'may share'  (2019)", 0, 1, 1, "*", NULL);
    assert (any);
    unsigned_text = agreementtext_encode (any);
    back = agreementtext_decode (unsigned_text, strlen (unsigned_text), NULL);
    assert (back);
    assert (streq (agreement_legal_basis (back),
                   "Art. 5 #2, 'may share'  (2019)"));
    agreement_destroy (&back);
    free (unsigned_text);
    agreement_destroy (&any);

    //  Files
    char *dir = zsys_sprintf ("/tmp/sluice-agreement-test-%d", getpid ());
    assert (zsys_dir_create ("%s", dir) == 0);
    char *path = zsys_sprintf ("%s/one.agreement", dir);
    assert (agreementtext_save (agreement, path, false, &error) == 0);
    assert (agreementtext_save (agreement, path, false, &error) == -1);
    assert (error && strstr (error, path));
    zstr_free (&error);
    assert (agreementtext_save (agreement, path, true, NULL) == 0);
    agreement_t *loaded = agreementtext_load (path, &error);
    assert (loaded);
    assert (agreement_verify (loaded, trust, now) == STATUS_OK);
    agreement_destroy (&loaded);
    char *missing = zsys_sprintf ("%s/missing.agreement", dir);
    assert (!agreementtext_load (missing, &error));
    assert (error && strstr (error, missing));
    zstr_free (&error);
    //  A file over the size limit is refused before parsing
    FILE *file = fopen (missing, "w");
    assert (file);
    fputs (text, file);
    for (int index = 0; index < AGREEMENT_TEXT_MAX / 16 + 1; index++)
        fputs ("#  padding .....\n", file);
    fclose (file);
    assert (!agreementtext_load (missing, NULL));
    zsys_file_delete (missing);
    zsys_file_delete (path);
    zsys_dir_delete ("%s", dir);
    zstr_free (&missing);
    zstr_free (&path);
    zstr_free (&dir);

    //  Purposes in the departments' own words survive the text form
    agreement_t *chinese = agreement_new ("AGR-ZH", "SH-PD-MSA", "SH-PD-TAX",
                                          "enterprise-basic", "name",
                                          "税务登记, Credit Check", "《税收征收管理法》",
                                          0, 1, 1, "*", NULL);
    assert (chinese);
    char *chinese_text = agreementtext_encode (chinese);
    agreement_t *decoded_chinese = agreementtext_decode (chinese_text,
                                                         strlen (chinese_text), NULL);
    assert (decoded_chinese && agreement_allows_purpose (decoded_chinese, "税务登记"));
    agreement_destroy (&decoded_chinese);
    zstr_free (&chinese_text);
    agreement_destroy (&chinese);

    free (text);
    truststore_destroy (&trust);
    authority_destroy (&authority);
    agreement_destroy (&agreement);
    if (verbose)
        printf ("OK\n");
}
