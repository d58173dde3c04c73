/*  agreement.c -- a sharing agreement between a provider and a consumer
    department, signed by both.

    The agreement holds its lists sorted, so the canonical encoding is a
    straight walk and lookups are binary searches. Its text form is
    agreementtext.c's.
*/

#include "agreement.h"
#include "names.h"
#include "namelist.h"
#include "certfile.h"
#include "status.h"
#include "ident.h"
#include <czmq.h>
#include <sodium.h>
#include <msgpack.h>
#include <string.h>
#include <stdlib.h>
#include <inttypes.h>

//  Test vectors of PROTOCOL.md section 14 (agreement_test)
#define S_VECTOR_CANONICAL \
    "9db2736c756963652d61677265656d656e742d32b64147522d53482d50442d4d" \
    "53412d5441582d3030303101a953482d50442d4d5341a953482d50442d544158" \
    "b0656e74657270726973652d626173696393a761646472657373a46e616d65a6" \
    "73746174757392ac6372656469742d636865636bb07461782d72656769737472" \
    "6174696f6ed92de3808ae4bc98e58c96e890a5e59586e78eafe5a283e69da1e4" \
    "be8be3808be7acace4b889e58d81e4b883e69da1ce6955b900ce6b36ec80cd03" \
    "e892a761756469746f72a9696e73706563746f72"
#define S_VECTOR_PROVIDER \
    "2a16ba4cebd361ab3d3480fd67adf93352f9cfef6545c9820f7669db684e1abe" \
    "647c8581f6514502a339cfcbaf0b5e56454ad9970ec84dabd9eb5343a4bd030c"
#define S_VECTOR_CONSUMER \
    "363743965b4db6b0e80334fa538859940aa749dc72401c267de8dec9241ffa08" \
    "8ae323f29ab243eae7583f227fdbbaf9f4ddf2fb650ca2089da2d5ae0feb3909"

struct _agreement_t {
    char *id;
    uint64_t version;           //  1 .. AGREEMENT_VERSION_MAX
    char *provider;
    char *consumer;
    char *item;
    namelist_t *fields;
    namelist_t *purposes;
    char *legal_basis;
    int64_t valid_from;
    int64_t valid_until;
    uint32_t daily_quota;
    namelist_t *roles;
    bool any_role;              //  roles are "*"
    bool provider_signed;
    bool consumer_signed;
    uint8_t provider_signature [AGREEMENT_SIG_BYTES];
    uint8_t consumer_signature [AGREEMENT_SIG_BYTES];
    //  The serials of the certificates whose keys verified the signatures
    //  (agreement_verify), 0 while not verified
    uint64_t provider_signer;
    uint64_t consumer_signer;
};

//  --------------------------------------------------------------------------
//  Name rules

//  Agreement id: [A-Za-z0-9-], 1 to AGREEMENT_ID_MAX bytes
static bool
s_id_valid (const char *id)
{
    size_t length = strlen (id);
    if (length == 0 || length > AGREEMENT_ID_MAX)
        return false;
    for (size_t index = 0; index < length; index++) {
        char c = id [index];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        ||    (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

//  Item, field, purpose and role names follow the catalog's name rule
//  (names_valid): [a-z0-9_.-], 1 to 64 bytes
_Static_assert (AGREEMENT_NAME_MAX == NAMES_MAX,
                "agreement names are catalog names");

static bool
s_department_valid (const char *department)
{
    return ident_validate (IDENT_DEPARTMENT, department, NULL, 0, NULL);
}


//  --------------------------------------------------------------------------
//  The lists' name rules

static bool
s_is_blank (char c)
{
    return c == ' ' || c == '\t';
}

//  Purposes are words of the departments' own language (税务登记), kept
//  byte for byte: UTF-8 text without control characters, '"' or ','
static bool
s_purpose_valid (const char *purpose)
{
    return certfile_text_valid (purpose, AGREEMENT_PURPOSE_MAX, false);
}

static const namelist_rule_t s_catalog_names = {
    AGREEMENT_NAME_MAX, names_valid,
    "a name uses other characters than a-z 0-9 _ . -", "name longer than 64 bytes"
};
static const namelist_rule_t s_purpose_names = {
    AGREEMENT_PURPOSE_MAX, s_purpose_valid,
    "a purpose must be UTF-8 text without control characters or '\"'",
    "name longer than 256 bytes"
};
_Static_assert (AGREEMENT_NAME_MAX == 64 && AGREEMENT_PURPOSE_MAX == 256,
                "the rules above name these bounds");

//  --------------------------------------------------------------------------
//  Creates an unsigned agreement; NULL and *error if invalid

agreement_t *
agreement_new (const char *id, const char *provider, const char *consumer,
               const char *item, const char *fields, const char *purposes,
               const char *legal_basis, int64_t valid_from,
               int64_t valid_until, uint32_t daily_quota, const char *roles,
               char **error)
{
    const char *reason = NULL;
    const char *shown = id && s_id_valid (id)? id: "?";
    if (!id || !s_id_valid (id))
        reason = "id must be 1 to 64 characters of A-Z a-z 0-9 -";
    else
    if (!provider || !s_department_valid (provider))
        reason = "provider is not a valid department id";
    else
    if (!consumer || !s_department_valid (consumer))
        reason = "consumer is not a valid department id";
    else
    if (streq (provider, consumer))
        reason = "provider and consumer are the same department";
    else
    if (!item || !names_valid (item))
        reason = "item must be 1 to 64 characters of a-z 0-9 _ . -";
    else
    if (!fields || !purposes || !roles)
        reason = "fields, purposes and roles are required";
    else
    if (!legal_basis
    ||  !certfile_text_valid (legal_basis, AGREEMENT_BASIS_MAX, false))
        reason = "legal basis must be 1 to 1024 bytes of UTF-8 text, "
                 "without control characters or '\"'";
    else
    if (s_is_blank (legal_basis [0])
    ||  s_is_blank (legal_basis [strlen (legal_basis) - 1]))
        reason = "legal basis must not start or end with a blank";
    else
    if (valid_from < 0 || valid_until > CERTFILE_TIME_MAX)
        reason = "validity must lie between 1970 and 9999";
    else
    if (valid_from >= valid_until)
        reason = "valid-from must come before valid-until";
    else
    if (daily_quota < 1 || daily_quota > AGREEMENT_QUOTA_MAX)
        reason = "daily quota must be 1 to 1000000000";
    if (reason) {
        status_set_error (error, "agreement '%s': %s", shown, reason);
        return NULL;
    }
    agreement_t *self = (agreement_t *) zmalloc (sizeof (agreement_t));
    assert (self);
    const char *what = NULL;
    if (!(self->fields = namelist_new (fields, AGREEMENT_FIELDS_MAX, false,
                                       &s_catalog_names, &reason)))
        what = "fields";
    else
    if (!(self->purposes = namelist_new (purposes, AGREEMENT_PURPOSES_MAX, false,
                                         &s_purpose_names, &reason)))
        what = "purposes";
    else
    if (!(self->roles = namelist_new (roles, AGREEMENT_ROLES_MAX, true,
                                      &s_catalog_names, &reason)))
        what = "roles";
    if (what) {
        status_set_error (error, "agreement '%s': %s: %s", id, what, reason);
        agreement_destroy (&self);
        return NULL;
    }
    self->any_role = namelist_size (self->roles) == 1
                  && streq (namelist_name (self->roles, 0), "*");
    self->id = strdup (id);
    self->provider = strdup (provider);
    self->consumer = strdup (consumer);
    self->item = strdup (item);
    self->legal_basis = strdup (legal_basis);
    assert (self->id && self->provider && self->consumer && self->item
         && self->legal_basis);
    self->valid_from = valid_from;
    self->valid_until = valid_until;
    self->daily_quota = daily_quota;
    self->version = 1;
    return self;
}


//  --------------------------------------------------------------------------
//  Sets the version; the signatures no longer cover it and are dropped

int
agreement_set_version (agreement_t *self, uint64_t version)
{
    assert (self);
    if (version < 1 || version > AGREEMENT_VERSION_MAX)
        return -1;
    if (version != self->version) {
        self->version = version;
        self->provider_signed = false;
        self->consumer_signed = false;
        self->provider_signer = 0;
        self->consumer_signer = 0;
    }
    return 0;
}


//  --------------------------------------------------------------------------
//  Destructor

void
agreement_destroy (agreement_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        agreement_t *self = *self_p;
        free (self->id);
        free (self->provider);
        free (self->consumer);
        free (self->item);
        free (self->legal_basis);
        namelist_destroy (&self->fields);
        namelist_destroy (&self->purposes);
        namelist_destroy (&self->roles);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Copy, with the same signatures

agreement_t *
agreement_dup (agreement_t *self)
{
    assert (self);
    agreement_t *copy = (agreement_t *) zmalloc (sizeof (agreement_t));
    assert (copy);
    *copy = *self;
    copy->id = strdup (self->id);
    copy->provider = strdup (self->provider);
    copy->consumer = strdup (self->consumer);
    copy->item = strdup (self->item);
    copy->legal_basis = strdup (self->legal_basis);
    assert (copy->id && copy->provider && copy->consumer && copy->item
         && copy->legal_basis);
    copy->fields = namelist_dup (self->fields);
    copy->purposes = namelist_dup (self->purposes);
    copy->roles = namelist_dup (self->roles);
    return copy;
}


//  --------------------------------------------------------------------------
//  Accessors

const char *
agreement_id (agreement_t *self)
{
    assert (self);
    return self->id;
}

uint64_t
agreement_version (agreement_t *self)
{
    assert (self);
    return self->version;
}

const char *
agreement_provider (agreement_t *self)
{
    assert (self);
    return self->provider;
}

const char *
agreement_consumer (agreement_t *self)
{
    assert (self);
    return self->consumer;
}

const char *
agreement_item (agreement_t *self)
{
    assert (self);
    return self->item;
}

const char *
agreement_legal_basis (agreement_t *self)
{
    assert (self);
    return self->legal_basis;
}

int64_t
agreement_valid_from (agreement_t *self)
{
    assert (self);
    return self->valid_from;
}

int64_t
agreement_valid_until (agreement_t *self)
{
    assert (self);
    return self->valid_until;
}

uint32_t
agreement_daily_quota (agreement_t *self)
{
    assert (self);
    return self->daily_quota;
}

size_t
agreement_field_count (agreement_t *self)
{
    assert (self);
    return namelist_size (self->fields);
}

const char *
agreement_field (agreement_t *self, size_t index)
{
    assert (self);
    return namelist_name (self->fields, index);
}

size_t
agreement_purpose_count (agreement_t *self)
{
    assert (self);
    return namelist_size (self->purposes);
}

const char *
agreement_purpose (agreement_t *self, size_t index)
{
    assert (self);
    return namelist_name (self->purposes, index);
}

size_t
agreement_role_count (agreement_t *self)
{
    assert (self);
    return namelist_size (self->roles);
}

const char *
agreement_role (agreement_t *self, size_t index)
{
    assert (self);
    return namelist_name (self->roles, index);
}

bool
agreement_provider_signed (agreement_t *self)
{
    assert (self);
    return self->provider_signed;
}

bool
agreement_consumer_signed (agreement_t *self)
{
    assert (self);
    return self->consumer_signed;
}

const uint8_t *
agreement_provider_signature (agreement_t *self)
{
    assert (self);
    return self->provider_signed? self->provider_signature: NULL;
}

const uint8_t *
agreement_consumer_signature (agreement_t *self)
{
    assert (self);
    return self->consumer_signed? self->consumer_signature: NULL;
}

void
agreement_set_signatures (agreement_t *self, const uint8_t *provider_signature,
                          const uint8_t *consumer_signature)
{
    assert (self);
    self->provider_signer = 0;
    self->consumer_signer = 0;
    self->provider_signed = provider_signature != NULL;
    if (provider_signature)
        memcpy (self->provider_signature, provider_signature, AGREEMENT_SIG_BYTES);
    self->consumer_signed = consumer_signature != NULL;
    if (consumer_signature)
        memcpy (self->consumer_signature, consumer_signature, AGREEMENT_SIG_BYTES);
}


//  --------------------------------------------------------------------------
//  Canonical bytes: see README "Agreement file", "Canonical encoding"

static void
s_pack_str (msgpack_packer *pk, const char *string)
{
    size_t length = strlen (string);
    msgpack_pack_str (pk, length);
    msgpack_pack_str_body (pk, string, length);
}

static void
s_pack_list (msgpack_packer *pk, namelist_t *list)
{
    msgpack_pack_array (pk, namelist_size (list));
    for (size_t index = 0; index < namelist_size (list); index++)
        s_pack_str (pk, namelist_name (list, index));
}

uint8_t *
agreement_canonical (agreement_t *self, size_t *size)
{
    assert (self);
    assert (size);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 13);
    s_pack_str (&pk, AGREEMENT_TAG);
    s_pack_str (&pk, self->id);
    msgpack_pack_uint64 (&pk, self->version);
    s_pack_str (&pk, self->provider);
    s_pack_str (&pk, self->consumer);
    s_pack_str (&pk, self->item);
    s_pack_list (&pk, self->fields);
    s_pack_list (&pk, self->purposes);
    s_pack_str (&pk, self->legal_basis);
    //  Times are never negative: msgpack-c packs them, like the quota, in
    //  the shortest unsigned form
    msgpack_pack_uint64 (&pk, (uint64_t) self->valid_from);
    msgpack_pack_uint64 (&pk, (uint64_t) self->valid_until);
    msgpack_pack_uint32 (&pk, self->daily_quota);
    s_pack_list (&pk, self->roles);
    *size = buffer.size;
    return (uint8_t *) buffer.data;     //  msgpack_sbuffer allocates with malloc
}


//  --------------------------------------------------------------------------
//  Signs as whichever party the signer's certificate names

int
agreement_sign (agreement_t *self, cert_t *signer)
{
    assert (self);
    assert (signer);
    if (!cert_has_secret (signer))
        return -1;
    uint8_t *signature;
    bool *flag;
    uint64_t *verified_by;
    if (streq (cert_department (signer), self->provider)) {
        signature = self->provider_signature;
        flag = &self->provider_signed;
        verified_by = &self->provider_signer;
    }
    else
    if (streq (cert_department (signer), self->consumer)) {
        signature = self->consumer_signature;
        flag = &self->consumer_signed;
        verified_by = &self->consumer_signer;
    }
    else
        return -1;
    *verified_by = 0;           //  a new signature, not verified yet

    size_t size;
    uint8_t *canonical = agreement_canonical (self, &size);
    crypto_sign_detached (signature, NULL, canonical, size,
                          cert_sign_secret (signer));
    free (canonical);
    *flag = true;
    return 0;
}


//  --------------------------------------------------------------------------
//  Checks both parties' certificates and signatures

//  One party's signature over the canonical bytes.
typedef struct {
    const uint8_t *signature;
    const uint8_t *canonical;
    size_t size;
} s_signed_t;

static int
s_signed_by (const uint8_t *sign_public, void *argument)
{
    s_signed_t *signed_bytes = (s_signed_t *) argument;
    return crypto_sign_verify_detached (signed_bytes->signature,
                                        signed_bytes->canonical, signed_bytes->size,
                                        sign_public) == 0? 0: -1;
}

//  A party's signature verifies with its current certificate, or, after a
//  renewal, with the superseded certificate that signed it while that one
//  is valid and not revoked (README "Renewing a certificate").
static status_t
s_verify_party (truststore_t *trust, const char *department, int64_t now,
                bool is_signed, const uint8_t *signature,
                const uint8_t *canonical, size_t size, uint64_t *signer)
{
    *signer = 0;
    if (!is_signed) {
        status_t status = truststore_check (trust, department, now, NULL);
        return status != STATUS_OK? status: STATUS_BAD_SIGNATURE;
    }
    s_signed_t signed_bytes = { signature, canonical, size };
    return truststore_verify_by (trust, department, now, s_signed_by, &signed_bytes,
                                 signer);
}

status_t
agreement_verify (agreement_t *self, truststore_t *trust, int64_t now)
{
    assert (self);
    assert (trust);
    size_t size;
    uint8_t *canonical = agreement_canonical (self, &size);
    self->consumer_signer = 0;
    status_t status = s_verify_party (trust, self->provider, now,
                                      self->provider_signed,
                                      self->provider_signature,
                                      canonical, size, &self->provider_signer);
    if (status == STATUS_OK)
        status = s_verify_party (trust, self->consumer, now,
                                 self->consumer_signed,
                                 self->consumer_signature,
                                 canonical, size, &self->consumer_signer);
    free (canonical);
    if (status != STATUS_OK) {
        self->provider_signer = 0;
        self->consumer_signer = 0;
    }
    return status;
}

uint64_t
agreement_provider_signer (agreement_t *self)
{
    assert (self);
    return self->provider_signer;
}

uint64_t
agreement_consumer_signer (agreement_t *self)
{
    assert (self);
    return self->consumer_signer;
}

//  One party's signer certificate, by the serial verify recorded
static status_t
s_check_signer (truststore_t *trust, const char *department, uint64_t serial,
                int64_t now)
{
    return serial? truststore_check_serial (trust, department, serial, now):
                   STATUS_BAD_SIGNATURE;
}

status_t
agreement_check_signers (agreement_t *self, truststore_t *trust, int64_t now,
                         bool *provider_p)
{
    assert (self);
    assert (trust);
    status_t status = s_check_signer (trust, self->provider, self->provider_signer, now);
    bool provider = status != STATUS_OK;
    if (!provider)
        status = s_check_signer (trust, self->consumer, self->consumer_signer, now);
    if (provider_p)
        *provider_p = provider;
    return status;
}


//  --------------------------------------------------------------------------
//  Rules

bool
agreement_grants_field (agreement_t *self, const char *name)
{
    assert (self);
    return namelist_contains (self->fields, name);
}

bool
agreement_allows_purpose (agreement_t *self, const char *purpose)
{
    assert (self);
    return namelist_contains (self->purposes, purpose);
}

bool
agreement_allows_role (agreement_t *self, const char *role)
{
    assert (self);
    return self->any_role || namelist_contains (self->roles, role);
}

bool
agreement_valid_at (agreement_t *self, int64_t now)
{
    assert (self);
    return now >= self->valid_from && now < self->valid_until;
}


//  --------------------------------------------------------------------------
//  Self-test

void
agreement_test (bool verbose)
{
    if (verbose)
        printf (" * agreement: ");

    int64_t now = (int64_t) time (NULL);
    const int64_t from = INT64_C(1767225600);     //  2026-01-01T00:00:00Z
    const int64_t until = INT64_C(1798761600);    //  2027-01-01T00:00:00Z
    const char *basis = "《优化营商环境条例》第三十七条";
    char *error = NULL;

    //  Construction and the rules of each argument
    agreement_t *agreement = agreement_new (
        "AGR-SH-PD-MSA-TAX-0001", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "status, name,address", "tax-registration,credit-check",
        basis, from, until, 1000, "inspector,auditor", NULL);
    assert (agreement);
    assert (streq (agreement_id (agreement), "AGR-SH-PD-MSA-TAX-0001"));
    assert (streq (agreement_provider (agreement), "SH-PD-MSA"));
    assert (streq (agreement_consumer (agreement), "SH-PD-TAX"));
    assert (streq (agreement_item (agreement), "enterprise-basic"));
    assert (streq (agreement_legal_basis (agreement), basis));
    assert (agreement_valid_from (agreement) == from);
    assert (agreement_valid_until (agreement) == until);
    assert (agreement_daily_quota (agreement) == 1000);
    assert (agreement_field_count (agreement) == 3);
    assert (streq (agreement_field (agreement, 0), "address"));
    assert (streq (agreement_field (agreement, 1), "name"));
    assert (streq (agreement_field (agreement, 2), "status"));
    assert (agreement_purpose_count (agreement) == 2);
    assert (streq (agreement_purpose (agreement, 0), "credit-check"));
    assert (agreement_role_count (agreement) == 2);
    assert (streq (agreement_role (agreement, 0), "auditor"));
    assert (agreement_grants_field (agreement, "name"));
    assert (!agreement_grants_field (agreement, "legal-person"));
    assert (!agreement_grants_field (agreement, NULL));
    assert (agreement_allows_purpose (agreement, "credit-check"));
    assert (!agreement_allows_purpose (agreement, "curiosity"));
    assert (!agreement_allows_purpose (agreement, ""));
    assert (agreement_allows_role (agreement, "inspector"));
    assert (!agreement_allows_role (agreement, "clerk"));
    assert (!agreement_allows_role (agreement, ""));
    assert (!agreement_allows_role (agreement, NULL));
    assert (agreement_valid_at (agreement, from));
    assert (agreement_valid_at (agreement, until - 1));
    assert (!agreement_valid_at (agreement, until));
    assert (!agreement_valid_at (agreement, from - 1));
    assert (!agreement_provider_signed (agreement));
    assert (!agreement_consumer_signed (agreement));

    agreement_t *any = agreement_new (
        "A-1", "TAX", "MSA", "x", "a", "p", "basis", 0, 1, 1, " * ", NULL);
    assert (any);
    assert (agreement_allows_role (any, "clerk"));
    assert (agreement_allows_role (any, NULL));
    agreement_destroy (&any);

    struct {
        const char *id, *provider, *consumer, *item, *fields, *purposes,
                   *basis, *roles;
        int64_t from, until;
        uint32_t quota;
    } bad [] = {
        { "", "TAX", "MSA", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A_1", "TAX", "MSA", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A1234567890123456789012345678901234567890123456789012345678901234",
          "TAX", "MSA", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "tax", "MSA", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "M", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "TAX", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "X", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a,,b", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a,b,a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a,", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a b", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "*", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p\x1b[2J", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "say \"p\"", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "\xe7\xa8", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p,p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "R", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "say \"no\"", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "line\nbreak", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", " b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "\xff\xfe", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "*,r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "r", 1, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "r", -1, 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "r", 0,
          CERTFILE_TIME_MAX + 1, 1 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "r", 0, 1, 0 },
        { "A", "TAX", "MSA", "x", "a", "p", "b", "r", 0, 1,
          AGREEMENT_QUOTA_MAX + 1 },
        { NULL, "TAX", "MSA", "x", "a", "p", "b", "r", 0, 1, 1 },
        { "A", "TAX", "MSA", "x", NULL, "p", "b", "r", 0, 1, 1 },
    };
    //  Purposes are the departments' own words, UTF-8 kept byte for byte
    agreement_t *chinese = agreement_new ("AGR-ZH", "SH-PD-MSA", "SH-PD-TAX",
                                          "enterprise-basic", "name",
                                          "税务登记, Credit Check", "《税收征收管理法》",
                                          0, 1, 1, "*", NULL);
    assert (chinese);
    assert (agreement_purpose_count (chinese) == 2);
    assert (streq (agreement_purpose (chinese, 0), "Credit Check"));
    assert (streq (agreement_purpose (chinese, 1), "税务登记"));
    assert (agreement_allows_purpose (chinese, "税务登记"));
    agreement_destroy (&chinese);
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++) {
        agreement_t *refused = agreement_new (
            bad [index].id, bad [index].provider, bad [index].consumer,
            bad [index].item, bad [index].fields, bad [index].purposes,
            bad [index].basis, bad [index].from, bad [index].until,
            bad [index].quota, bad [index].roles, &error);
        if (refused && verbose)
            printf ("accepted bad case %zu\n", index);
        assert (refused == NULL);
        assert (error && strncmp (error, "agreement '", 11) == 0);
        if (verbose)
            printf ("\n    %s", error);
        zstr_free (&error);
    }
    //  Too many fields
    char many [AGREEMENT_FIELDS_MAX * 8];
    many [0] = 0;
    for (int index = 0; index <= AGREEMENT_FIELDS_MAX; index++)
        sprintf (many + strlen (many), "%sf%d", index? ",": "", index);
    assert (!agreement_new ("A", "TAX", "MSA", "x", many, "p", "b",
                            0, 1, 1, "r", &error));
    assert (error && strstr (error, "fields: too many names in list"));
    zstr_free (&error);
    many [strrchr (many, ',') - many] = 0;
    agreement_t *wide = agreement_new ("A", "TAX", "MSA", "x", many, "p",
                                       "b", 0, 1, 1, "r", NULL);
    assert (wide);
    assert (agreement_field_count (wide) == AGREEMENT_FIELDS_MAX);
    agreement_destroy (&wide);

    //  Canonical bytes: the tag first, lists sorted, stable
    size_t size, size2;
    uint8_t *canonical = agreement_canonical (agreement, &size);
    assert (canonical [0] == 0x9D);             //  fixarray of 13
    assert (canonical [1] == 0xB2);             //  fixstr of 18
    assert (memcmp (canonical + 2, AGREEMENT_TAG, 18) == 0);
    agreement_t *same = agreement_new (
        "AGR-SH-PD-MSA-TAX-0001", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "name,address,status",
        "credit-check,tax-registration", basis, from, until, 1000,
        "auditor,inspector", NULL);
    uint8_t *canonical2 = agreement_canonical (same, &size2);
    assert (size == size2 && memcmp (canonical, canonical2, size) == 0);
    free (canonical2);
    agreement_destroy (&same);
    //  Canonical bytes decode as the documented array
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    int rc = msgpack_unpack_next (&unpacked, (const char *) canonical, size,
                                  &offset);
    assert (rc == MSGPACK_UNPACK_SUCCESS && offset == size);
    msgpack_object_array array = unpacked.data.via.array;
    assert (unpacked.data.type == MSGPACK_OBJECT_ARRAY && array.size == 13);
    assert (array.ptr [2].type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert (array.ptr [2].via.u64 == 1);        //  the version, 1 by default
    assert (array.ptr [6].type == MSGPACK_OBJECT_ARRAY);
    assert (array.ptr [6].via.array.size == 3);
    assert (array.ptr [9].type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert (array.ptr [9].via.u64 == (uint64_t) from);
    assert (array.ptr [11].via.u64 == 1000);
    msgpack_unpacked_destroy (&unpacked);
    free (canonical);

    //  The test vector of PROTOCOL.md section 14: the agreement above, at
    //  version 1, signed by the provider (Ed25519 seed 32 bytes 01) and the
    //  consumer (seed 32 bytes 02)
    {
        const char *canonical_hex = S_VECTOR_CANONICAL;
        const char *signature_hex [2] = { S_VECTOR_PROVIDER, S_VECTOR_CONSUMER };
        uint8_t expected [256];
        size_t expected_size = 0;
        canonical = agreement_canonical (agreement, &size);
        if (verbose) {
            char *hex = certfile_hex (canonical, size);
            printf ("\ncanonical %s\n", hex);
            free (hex);
        }
        assert (sodium_hex2bin (expected, sizeof (expected), canonical_hex,
                                strlen (canonical_hex), NULL, &expected_size, NULL) == 0);
        assert (size == expected_size && memcmp (canonical, expected, size) == 0);
        for (int party = 0; party < 2; party++) {
            uint8_t seed [32], public_key [32], secret_key [64], signature [64];
            uint8_t wanted [64];
            memset (seed, party + 1, sizeof (seed));
            crypto_sign_seed_keypair (public_key, secret_key, seed);
            crypto_sign_detached (signature, NULL, canonical, size, secret_key);
            if (verbose) {
                char *hex = certfile_hex (signature, 64);
                printf ("signature %d %s\n", party, hex);
                free (hex);
            }
            assert (certfile_hex_parse (signature_hex [party], wanted, 64) == 0);
            assert (memcmp (signature, wanted, 64) == 0);
            assert (crypto_sign_verify_detached (wanted, canonical, size, public_key) == 0);
        }
        //  Version 2 of the same agreement is other bytes: signatures of
        //  version 1 do not verify for it
        agreement_t *second = agreement_dup (agreement);
        assert (agreement_set_version (second, 2) == 0);
        assert (agreement_version (second) == 2);
        uint8_t *bytes = agreement_canonical (second, &size2);
        assert (size2 == size && bytes [43] == 0x02 && canonical [43] == 0x01);
        assert (memcmp (bytes, canonical, 43) == 0);
        assert (memcmp (bytes + 44, canonical + 44, size - 44) == 0);
        assert (agreement_set_version (second, 0) == -1);
        assert (agreement_set_version (second, (uint64_t) AGREEMENT_VERSION_MAX + 1) == -1);
        assert (agreement_version (second) == 2);
        free (bytes);
        agreement_destroy (&second);
        free (canonical);
    }

    //  Signing: each party signs as itself, nobody else can
    authority_t *authority = authority_new ("Test authority", NULL);
    assert (authority);
    cert_t *msa = cert_new ("SH-PD-MSA", "Market supervision", "department",
                            3, 1, now - 86400, now + 86400 * 365, NULL);
    cert_t *tax = cert_new ("SH-PD-TAX", "Tax bureau", "department",
                            2, 1, now - 86400, now + 86400 * 365, NULL);
    cert_t *other = cert_new ("SH-PD-OTHER", "Other", "department",
                              2, 1, now - 86400, now + 86400 * 365, NULL);
    cert_t *old_tax = cert_new ("SH-PD-TAX", "Tax bureau", "department",
                                2, 2, now - 86400 * 10, now - 86400, NULL);
    assert (msa && tax && other && old_tax);
    cert_sign_by (msa, authority);
    cert_sign_by (tax, authority);
    cert_sign_by (other, authority);
    cert_sign_by (old_tax, authority);
    truststore_t *trust = truststore_new (authority_public (authority));
    assert (trust);
    cert_t *copy = cert_dup (msa);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (other);
    assert (truststore_add (trust, &copy) == STATUS_OK);

    //  Provider known but not signed yet
    assert (agreement_verify (agreement, trust, now) == STATUS_BAD_SIGNATURE);
    assert (agreement_sign (agreement, other) == -1);
    cert_t *public_msa = cert_dup (msa);
    assert (agreement_sign (agreement, public_msa) == -1);   //  no secret
    cert_destroy (&public_msa);
    assert (!agreement_provider_signed (agreement));

    assert (agreement_sign (agreement, msa) == 0);
    assert (agreement_provider_signed (agreement));
    assert (!agreement_consumer_signed (agreement));
    //  The consumer's certificate is unknown yet
    assert (agreement_verify (agreement, trust, now) == STATUS_CERT_UNKNOWN);
    copy = cert_dup (tax);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    //  Known, but not signed by the consumer
    assert (agreement_verify (agreement, trust, now) == STATUS_BAD_SIGNATURE);
    assert (agreement_sign (agreement, tax) == 0);
    assert (agreement_consumer_signed (agreement));
    assert (agreement_check_signers (agreement, trust, now, NULL) == STATUS_BAD_SIGNATURE);
    assert (agreement_provider_signer (agreement) == 0);
    assert (agreement_verify (agreement, trust, now) == STATUS_OK);
    //  Which certificates signed is recorded, and checked again on demand
    assert (agreement_provider_signer (agreement) == 1);
    assert (agreement_consumer_signer (agreement) == 1);
    assert (agreement_check_signers (agreement, trust, now, NULL) == STATUS_OK);
    bool by_provider = false;
    assert (agreement_check_signers (agreement, trust, now + 86400 * 400, &by_provider)
            == STATUS_CERT_EXPIRED);
    assert (by_provider);
    {
        //  A copy keeps what was verified; a new signature or version does not
        agreement_t *copy_of = agreement_dup (agreement);
        assert (agreement_check_signers (copy_of, trust, now, NULL) == STATUS_OK);
        assert (agreement_sign (copy_of, tax) == 0);
        assert (agreement_consumer_signer (copy_of) == 0);
        assert (agreement_provider_signer (copy_of) == 1);
        assert (agreement_check_signers (copy_of, trust, now, &by_provider)
                == STATUS_BAD_SIGNATURE);
        assert (!by_provider);
        assert (agreement_verify (copy_of, trust, now) == STATUS_OK);
        assert (agreement_set_version (copy_of, 7) == 0);
        assert (agreement_provider_signer (copy_of) == 0);
        agreement_destroy (&copy_of);
    }
    //  Certificates valid at `now` only
    assert (agreement_verify (agreement, trust, now + 86400 * 400)
            == STATUS_CERT_EXPIRED);
    //  Signatures as read from a text: carried as they are, judged by verify
    {
        agreement_t *read = agreement_dup (agreement);
        const uint8_t *provider_signature = agreement_provider_signature (agreement);
        const uint8_t *consumer_signature = agreement_consumer_signature (agreement);
        assert (provider_signature && consumer_signature);
        agreement_set_signatures (read, NULL, NULL);
        assert (!agreement_provider_signed (read) && !agreement_provider_signature (read));
        assert (agreement_verify (read, trust, now) == STATUS_BAD_SIGNATURE);
        agreement_set_signatures (read, consumer_signature, provider_signature);
        assert (agreement_verify (read, trust, now) == STATUS_BAD_SIGNATURE);
        agreement_set_signatures (read, provider_signature, consumer_signature);
        assert (agreement_verify (read, trust, now) == STATUS_OK);
        agreement_destroy (&read);
    }

    //  A renewal: a newer consumer certificate (serial 2, another key, here
    //  already expired) becomes current; the agreement that the superseded
    //  serial 1 signed stays valid while serial 1 is valid and not revoked
    copy = cert_dup (old_tax);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    assert (cert_serial (truststore_lookup (trust, "SH-PD-TAX")) == 2);
    assert (agreement_verify (agreement, trust, now) == STATUS_OK);
    assert (agreement_consumer_signer (agreement) == 1);     //  the superseded one
    assert (agreement_verify (agreement, trust, now + 86400 * 400) == STATUS_CERT_EXPIRED);
    assert (agreement_consumer_signer (agreement) == 0);     //  a failure records none
    assert (agreement_verify (agreement, trust, now) == STATUS_OK);
    //  The superseded consumer certificate revoked: what it signed no
    //  longer stands, though the consumer's current certificate does
    crl_t *crl = crl_new (1, NULL);
    assert (crl);
    assert (crl_add (crl, "SH-PD-TAX", 1, now, "renewed; old key retired", NULL) == 0);
    crl_t *next = crl_next (crl);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (trust, &crl) == STATUS_OK);
    assert (agreement_check_signers (agreement, trust, now, &by_provider)
            == STATUS_CERT_REVOKED);
    assert (!by_provider);
    assert (agreement_consumer_signer (agreement) == 1);
    //  A revoked provider certificate: CERT_REVOKED (the provider is first)
    crl = next;
    assert (crl_add (crl, "SH-PD-MSA", 1, now, "key compromise", NULL) == 0);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (trust, &crl) == STATUS_OK);
    //  What was verified before the list came stands no longer
    assert (agreement_check_signers (agreement, trust, now, &by_provider)
            == STATUS_CERT_REVOKED);
    assert (by_provider);
    assert (agreement_verify (agreement, trust, now) == STATUS_CERT_REVOKED);

    truststore_destroy (&trust);
    cert_destroy (&msa);
    cert_destroy (&tax);
    cert_destroy (&other);
    cert_destroy (&old_tax);
    authority_destroy (&authority);
    agreement_destroy (&agreement);
    agreement_destroy (&agreement);     //  safe twice

    if (verbose)
        printf ("OK\n");
}
