/*  crl.c -- the authority-signed certificate revocation list.

        crl
            version = "2"
            issued = "2026-06-01T00:00:00Z"
            authority-signature = "<128 hex>"
        revoked
            entry-1
                department = "SH-PD-MSA"
                serial = "1001"
                revoked-at = "2026-05-31T12:00:00Z"
                reason = "key compromise"
            entry-2
                ...

    Entries are numbered from 1 and sorted by department (bytewise), then
    serial, with no duplicates, so that the signed encoding is canonical.
*/

#include "crl.h"
#include "certfile.h"
#include "ident.h"
#include "status.h"
#include <czmq.h>
#include <sodium.h>
#include <msgpack.h>

#define CRL_CANONICAL_TAG   "sluice-crl-1"

typedef struct {
    char department [IDENT_MAX + 1];
    uint64_t serial;            //  0: every certificate of the department
    int64_t revoked_at;
    char *reason;
} s_entry_t;

struct _crl_t {
    uint64_t version;
    int64_t issued;
    uint8_t signature [crypto_sign_BYTES];
    s_entry_t *entries;         //  sorted by department, then serial
    size_t size;
    size_t capacity;
};

crl_t *
crl_new (uint64_t version, char **error)
{
    if (version == 0 || version > CERTFILE_UINT_MAX) {
        status_set_error (error, "crl: version must be 1 to 2^63-1");
        return NULL;
    }
    crl_t *self = (crl_t *) zmalloc (sizeof (crl_t));
    if (self) {
        self->version = version;
        self->issued = zclock_time () / 1000;
    }
    return self;
}

void
crl_destroy (crl_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        crl_t *self = *self_p;
        for (size_t index = 0; index < self->size; index++)
            free (self->entries [index].reason);
        free (self->entries);
        free (self);
        *self_p = NULL;
    }
}

//  Order of entries: department bytewise, then serial
static int
s_compare (const char *department, uint64_t serial, const s_entry_t *entry)
{
    int rc = strcmp (department, entry->department);
    if (rc == 0)
        rc = serial < entry->serial? -1: serial > entry->serial? 1: 0;
    return rc;
}

//  Index of the first entry not before (department, serial)
static size_t
s_lower_bound (crl_t *self, const char *department, uint64_t serial)
{
    size_t low = 0, high = self->size;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (s_compare (department, serial, &self->entries [middle]) > 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

int
crl_add (crl_t *self, const char *department, uint64_t serial,
         int64_t revoked_at, const char *reason, char **error)
{
    assert (self);
    if (!reason)
        reason = "";
    if (!certfile_department_valid (department, "crl", error))
        return -1;
    if (serial > CERTFILE_UINT_MAX || revoked_at < 0 || revoked_at > CERTFILE_TIME_MAX) {
        status_set_error (error, "crl: serial or revocation time out of range");
        return -1;
    }
    if (!certfile_text_valid (reason, CRL_REASON_MAX, true)) {
        status_set_error (error, "crl: invalid reason (at most %d bytes of UTF-8 text,"
                          " no control characters or double quotes)", CRL_REASON_MAX);
        return -1;
    }
    size_t index = s_lower_bound (self, department, serial);
    if (index < self->size && s_compare (department, serial, &self->entries [index]) == 0)
        return 0;               //  already on the list: keep the first entry
    if (self->size >= CRL_ENTRIES_MAX) {
        status_set_error (error, "crl: the list is full (%d entries)", CRL_ENTRIES_MAX);
        return -1;
    }
    if (self->size == self->capacity) {
        size_t capacity = self->capacity? self->capacity * 2: 16;
        s_entry_t *entries = (s_entry_t *) realloc (self->entries,
                                                    capacity * sizeof (s_entry_t));
        if (!entries) {
            status_set_error (error, "crl: out of memory");
            return -1;
        }
        self->entries = entries;
        self->capacity = capacity;
    }
    char *copy = strdup (reason);
    if (!copy)
        return -1;
    memmove (&self->entries [index + 1], &self->entries [index],
             (self->size - index) * sizeof (s_entry_t));
    s_entry_t *entry = &self->entries [index];
    memset (entry, 0, sizeof (s_entry_t));
    strcpy (entry->department, department);
    entry->serial = serial;
    entry->revoked_at = revoked_at;
    entry->reason = copy;
    self->size++;
    return 0;
}

bool
crl_revoked (crl_t *self, const char *department, uint64_t serial)
{
    assert (self);
    if (!department)
        return false;
    //  The entries of a department are together, serial 0 first
    size_t index = s_lower_bound (self, department, 0);
    if (index < self->size && streq (self->entries [index].department, department)
    && (self->entries [index].serial == 0 || self->entries [index].serial == serial))
        return true;
    index = s_lower_bound (self, department, serial);
    return index < self->size
        && s_compare (department, serial, &self->entries [index]) == 0;
}

int
crl_entry (crl_t *self, size_t index, const char **department,
           uint64_t *serial, int64_t *revoked_at, const char **reason)
{
    assert (self);
    if (index >= self->size)
        return -1;
    s_entry_t *entry = &self->entries [index];
    if (department)
        *department = entry->department;
    if (serial)
        *serial = entry->serial;
    if (revoked_at)
        *revoked_at = entry->revoked_at;
    if (reason)
        *reason = entry->reason;
    return 0;
}

uint64_t
crl_version (crl_t *self)
{
    assert (self);
    return self->version;
}

int64_t
crl_issued (crl_t *self)
{
    assert (self);
    return self->issued;
}

size_t
crl_size (crl_t *self)
{
    assert (self);
    return self->size;
}

crl_t *
crl_next (crl_t *self)
{
    assert (self);
    crl_t *next = crl_new (self->version + 1, NULL);
    for (size_t index = 0; next && index < self->size; index++) {
        s_entry_t *entry = &self->entries [index];
        if (crl_add (next, entry->department, entry->serial,
                     entry->revoked_at, entry->reason, NULL))
            crl_destroy (&next);
    }
    return next;
}

//  Canonical bytes that the authority signs; caller frees
static uint8_t *
s_crl_canonical (crl_t *self, size_t *size)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    int rc = msgpack_pack_array (&packer, 4);
    rc |= certfile_pack_str (&packer, CRL_CANONICAL_TAG);
    rc |= msgpack_pack_uint64 (&packer, self->version);
    rc |= msgpack_pack_int64 (&packer, self->issued);
    rc |= msgpack_pack_array (&packer, self->size);
    for (size_t index = 0; index < self->size; index++) {
        s_entry_t *entry = &self->entries [index];
        rc |= msgpack_pack_array (&packer, 4);
        rc |= certfile_pack_str (&packer, entry->department);
        rc |= msgpack_pack_uint64 (&packer, entry->serial);
        rc |= msgpack_pack_int64 (&packer, entry->revoked_at);
        rc |= certfile_pack_str (&packer, entry->reason);
    }
    return certfile_packed (&buffer, rc, size);
}

int
crl_sign_by (crl_t *self, authority_t *authority)
{
    assert (self);
    assert (authority);
    self->issued = zclock_time () / 1000;
    size_t size = 0;
    uint8_t *canonical = s_crl_canonical (self, &size);
    int rc = certfile_sign (canonical, size, authority, self->signature);
    free (canonical);
    return rc;
}

int
crl_verify (crl_t *self, const uint8_t *authority_public)
{
    assert (self);
    assert (authority_public);
    size_t size = 0;
    uint8_t *canonical = s_crl_canonical (self, &size);
    int rc = certfile_verify (canonical, size, self->signature, authority_public);
    free (canonical);
    return rc;
}

char *
crl_encode (crl_t *self)
{
    assert (self);
    zconfig_t *root = zconfig_new ("root", NULL);
    if (!root)
        return NULL;
    zconfig_set_comment (root, "   Sluice certificate revocation list, signed "
                         "by the federation authority");
    char issued [CERTFILE_TIME_SIZE];
    certfile_time_format (self->issued, issued);
    char *signature = certfile_hex (self->signature, sizeof (self->signature));
    zconfig_putf (root, "crl/version", "%" PRIu64, self->version);
    zconfig_put (root, "crl/issued", issued);
    zconfig_put (root, "crl/authority-signature", signature? signature: "");
    zstr_free (&signature);
    zconfig_t *revoked = zconfig_new ("revoked", root);
    for (size_t index = 0; revoked && index < self->size; index++) {
        s_entry_t *entry = &self->entries [index];
        char name [32];
        snprintf (name, sizeof (name), "entry-%zu", index + 1);
        zconfig_t *item = zconfig_new (name, revoked);
        if (!item)
            break;
        char revoked_at [CERTFILE_TIME_SIZE];
        certfile_time_format (entry->revoked_at, revoked_at);
        zconfig_put (item, "department", entry->department);
        zconfig_putf (item, "serial", "%" PRIu64, entry->serial);
        zconfig_put (item, "revoked-at", revoked_at);
        zconfig_put (item, "reason", entry->reason);
    }
    char *text = zconfig_str_save (root);
    zconfig_destroy (&root);
    return text;
}

//  Reads one entry section, appending it; it must sort after the last one
static int
s_decode_entry (crl_t *self, zconfig_t *item, size_t number, char **error)
{
    char name [32];
    snprintf (name, sizeof (name), "entry-%zu", number);
    if (!streq (zconfig_name (item), name)) {
        status_set_error (error, "crl: expected section '%s', found '%s'", name,
                          zconfig_name (item));
        return -1;
    }
    const char *names [] = { "department", "serial", "revoked-at", "reason" };
    const char *values [4];
    if (certfile_fields (item, name, names, 4, values, error))
        return -1;
    uint64_t serial;
    int64_t revoked_at;
    if (!values [0] || !values [1] || !values [2] || !values [3]
    ||  certfile_uint_parse (values [1], CERTFILE_UINT_MAX, &serial)
    ||  certfile_time_parse (values [2], &revoked_at)) {
        status_set_error (error, "crl: %s: missing or malformed field", name);
        return -1;
    }
    if (self->size > 0
    &&  s_compare (values [0], serial, &self->entries [self->size - 1]) <= 0) {
        status_set_error (error, "crl: %s: entries are not in canonical order", name);
        return -1;
    }
    size_t size = self->size;
    if (crl_add (self, values [0], serial, revoked_at, values [3], error))
        return -1;
    assert (self->size == size + 1);    //  in order, so new
    return 0;
}

crl_t *
crl_decode (const char *text, size_t size, char **error)
{
    zconfig_t *root = certfile_parse (text, size, CRL_TEXT_MAX);
    if (!root) {
        status_set_error (error, "crl: not valid ZPL text");
        return NULL;
    }
    crl_t *self = NULL;
    zconfig_t *header = zconfig_child (root);
    zconfig_t *revoked = header? zconfig_next (header): NULL;
    if (!header || !revoked || zconfig_next (revoked)
    ||  !streq (zconfig_name (header), "crl")
    ||  !streq (zconfig_name (revoked), "revoked")
    || (zconfig_value (revoked) && *zconfig_value (revoked))) {
        status_set_error (error, "crl: expected a 'crl' then a 'revoked' section");
        goto done;
    }
    const char *names [] = { "version", "issued", "authority-signature" };
    const char *values [3];
    if (certfile_fields (header, "crl", names, 3, values, error))
        goto done;
    uint64_t version;
    int64_t issued;
    if (!values [0] || !values [1] || !values [2]
    ||  certfile_uint_parse (values [0], CERTFILE_UINT_MAX, &version)
    ||  certfile_time_parse (values [1], &issued)) {
        status_set_error (error, "crl: 'version', 'issued' or 'authority-signature'"
                          " is missing or malformed");
        goto done;
    }
    self = crl_new (version, error);
    if (!self)
        goto done;
    self->issued = issued;
    if (certfile_hex_parse (values [2], self->signature, sizeof (self->signature))) {
        status_set_error (error, "crl: 'authority-signature' must be 128 lowercase"
                          " hex digits");
        crl_destroy (&self);
        goto done;
    }
    size_t number = 0;
    for (zconfig_t *item = zconfig_child (revoked); item; item = zconfig_next (item)) {
        if (++number > CRL_ENTRIES_MAX)
            status_set_error (error, "crl: more than %d entries", CRL_ENTRIES_MAX);
        if (number > CRL_ENTRIES_MAX || s_decode_entry (self, item, number, error)) {
            crl_destroy (&self);
            goto done;
        }
    }
done:
    zconfig_destroy (&root);
    return self;
}

crl_t *
crl_load (const char *path, char **error)
{
    assert (path);
    size_t size;
    char *text = certfile_read (path, CRL_TEXT_MAX, &size, error);
    if (!text)
        return NULL;
    char *problem = NULL;
    crl_t *self = crl_decode (text, size, &problem);
    free (text);
    if (!self)
        status_set_error (error, "%s: not a valid revocation list: %s", path,
                          problem? problem: "malformed");
    zstr_free (&problem);
    return self;
}

int
crl_save (crl_t *self, const char *path, char **error)
{
    assert (self);
    assert (path);
    char *text = crl_encode (self);
    if (!text) {
        status_set_error (error, "%s: out of memory", path);
        return -1;
    }
    int rc = certfile_write (path, text, false, true, error);
    zstr_free (&text);
    return rc;
}

//  --------------------------------------------------------------------------
//  Self test

//  Test vector of PROTOCOL.md, signed with the authority of seed 00..1f
#define S_VECTOR_CANONICAL \
    "94ac736c756963652d63726c2d3102ce6a1ccb809294a953482d50442d4d5341" \
    "cd03e9ce6a1c22c0ae6b657920636f6d70726f6d69736594a354415800ce6a1c" \
    "22c0be6465706172746d656e74206c656674207468652066656465726174696f" \
    "6e"
#define S_VECTOR_SIGNATURE \
    "48118c408f2620b1f2adf5bcb1c5ff1e1029414276de25013ddf7a7cc407d4ae" \
    "ef6cb49d165ffcd89b460928af336ee163d1e9dfb02b2bf9929bcf50130b970e"

void
crl_test (bool verbose)
{
    printf (" * crl: ");
    if (verbose)
        printf ("\n");

    //  Test vector
    uint8_t seed [32], authority_pk [32], authority_sk [64];
    for (int index = 0; index < 32; index++)
        seed [index] = (uint8_t) index;
    crypto_sign_seed_keypair (authority_pk, authority_sk, seed);
    crl_t *vector = crl_new (2, NULL);
    assert (vector);
    int64_t time;
    assert (certfile_time_parse ("2026-06-01T00:00:00Z", &vector->issued) == 0);
    assert (certfile_time_parse ("2026-05-31T12:00:00Z", &time) == 0);
    //  Added out of order: the list sorts itself
    assert (crl_add (vector, "TAX", 0, time, "department left the federation", NULL) == 0);
    assert (crl_add (vector, "SH-PD-MSA", 1001, time, "key compromise", NULL) == 0);
    size_t size;
    uint8_t *canonical = s_crl_canonical (vector, &size);
    assert (canonical);
    crypto_sign_detached (vector->signature, NULL, canonical, size, authority_sk);
    char *hex = certfile_hex (canonical, size);
    char *sig_hex = certfile_hex (vector->signature, sizeof (vector->signature));
    char *text = crl_encode (vector);
    assert (text);
    if (verbose)
        printf ("canonical: %s\nsignature: %s\n%s", hex, sig_hex, text);
    assert (streq (hex, S_VECTOR_CANONICAL));
    assert (streq (sig_hex, S_VECTOR_SIGNATURE));
    assert (crl_verify (vector, authority_pk) == 0);
    zstr_free (&hex);
    zstr_free (&sig_hex);
    free (canonical);

    //  Round trip
    crl_t *decoded = crl_decode (text, strlen (text), NULL);
    assert (decoded);
    assert (crl_version (decoded) == 2);
    assert (crl_issued (decoded) == vector->issued);
    assert (crl_size (decoded) == 2);
    assert (crl_verify (decoded, authority_pk) == 0);
    const char *department, *reason;
    uint64_t serial;
    int64_t revoked_at;
    assert (crl_entry (decoded, 0, &department, &serial, &revoked_at, &reason) == 0);
    assert (streq (department, "SH-PD-MSA") && serial == 1001 && revoked_at == time);
    assert (streq (reason, "key compromise"));
    assert (crl_entry (decoded, 1, &department, &serial, NULL, NULL) == 0);
    assert (streq (department, "TAX") && serial == 0);
    assert (crl_entry (decoded, 2, &department, NULL, NULL, NULL) == -1);
    char *again = crl_encode (decoded);
    assert (streq (again, text));
    zstr_free (&again);

    //  Revocation: one serial, or every serial with 0
    assert (crl_revoked (decoded, "SH-PD-MSA", 1001));
    assert (!crl_revoked (decoded, "SH-PD-MSA", 1002));
    assert (crl_revoked (decoded, "TAX", 1));
    assert (crl_revoked (decoded, "TAX", 987654321));
    assert (!crl_revoked (decoded, "CUSTOMS", 1001));
    assert (!crl_revoked (decoded, "SH-PD-MS", 1001));
    assert (!crl_revoked (decoded, NULL, 1001));
    crl_destroy (&decoded);

    //  Tampering breaks the signature
    const char *tampers [][2] = {
        { "version = \"2\"", "version = \"3\"" },
        { "issued = \"2026-06-01", "issued = \"2026-06-02" },
        { "serial = \"1001\"", "serial = \"1002\"" },
        { "key compromise", "key compromised" },
        { "revoked-at = \"2026-05-31T12", "revoked-at = \"2026-05-31T13" },
    };
    for (size_t index = 0; index < sizeof (tampers) / sizeof (tampers [0]); index++) {
        const char *at = strstr (text, tampers [index][0]);
        assert (at);
        char *tampered = zsys_sprintf ("%.*s%s%s", (int) (at - text), text,
                                       tampers [index][1], at + strlen (tampers [index][0]));
        crl_t *crl = crl_decode (tampered, strlen (tampered), NULL);
        assert (crl);
        assert (crl_verify (crl, authority_pk) == -1);
        crl_destroy (&crl);
        zstr_free (&tampered);
    }
    //  Dropping an entry breaks it too (entry-2 renumbered as entry-1)
    {
        const char *first = strstr (text, "    entry-1");
        const char *second = strstr (text, "    entry-2");
        assert (first && second);
        char *dropped = zsys_sprintf ("%.*s    entry-1%s", (int) (first - text), text,
                                      second + strlen ("    entry-2"));
        crl_t *crl = crl_decode (dropped, strlen (dropped), NULL);
        assert (crl);
        assert (crl_size (crl) == 1);
        assert (crl_verify (crl, authority_pk) == -1);
        crl_destroy (&crl);
        zstr_free (&dropped);
    }

    //  Malformed: wrong order, numbering, duplicates, fields, truncation
    const char *malformed [][2] = {
        { "entry-2", "entry-3" },
        { "department = \"TAX\"", "department = \"SH-PD-MSA\"" },      //  same as entry 1
        { "department = \"TAX\"", "department = \"AAA\"" },         //  out of order
        { "version = \"2\"", "version = \"0\"" },
        { "version = \"2\"", "version = \"02\"" },
        { "issued = \"2026-06-01T00:00:00Z\"", "issued = \"yesterday\"" },
        { "serial = \"1001\"", "serial = \"-1\"" },
        { "key compromise", "key \x01 compromise" },
        { "        reason = \"key compromise\"\n", "" },
        { "authority-signature = \"", "authority-signature = \"ab" },
        { "revoked\n", "revoked = \"x\"\n" },
        { "revoked\n", "revokes\n" },
        { "    issued", "    extra = \"1\"\n    issued" },
    };
    for (size_t index = 0; index < sizeof (malformed) / sizeof (malformed [0]); index++) {
        const char *at = strstr (text, malformed [index][0]);
        assert (at);
        char *bad = zsys_sprintf ("%.*s%s%s", (int) (at - text), text,
                                  malformed [index][1], at + strlen (malformed [index][0]));
        char *error = NULL;
        assert (crl_decode (bad, strlen (bad), &error) == NULL);
        assert (error && strncmp (error, "crl: ", 5) == 0);
        if (verbose)
            printf ("malformed %zu: %s\n", index, error);
        zstr_free (&error);
        zstr_free (&bad);
    }
    for (size_t length = 0; length < strlen (text) - 1; length++) {
        crl_t *crl = crl_decode (text, length, NULL);
        //  A cut may leave a shorter but well-formed list (the final newline
        //  alone is optional); it cannot verify
        if (crl) {
            assert (crl_verify (crl, authority_pk) == -1);
            crl_destroy (&crl);
        }
    }
    assert (crl_decode ("\x00garbage", 8, NULL) == NULL);
    assert (crl_decode (NULL, 8, NULL) == NULL);
    assert (crl_decode (text, CRL_TEXT_MAX + 1, NULL) == NULL);

    //  Bad arguments
    char *error = NULL;
    assert (crl_new (0, &error) == NULL);
    assert (error && strstr (error, "version must be"));
    assert (crl_add (vector, "Not An Id!", 1, time, "x", &error) == -1);
    assert (error && strstr (error, "crl: invalid department id"));
    zstr_free (&error);
    assert (crl_add (vector, "SH-PD-MSA", 1, time, "two\nlines", NULL) == -1);
    assert (crl_add (vector, "SH-PD-MSA", 1, -5, "x", NULL) == -1);
    assert (crl_size (vector) == 2);
    assert (crl_add (vector, "SH-PD-MSA", 1001, time + 5, "again", NULL) == 0);     //  already there
    assert (crl_size (vector) == 2);

    //  Versions grow; signing by a real authority, saving and loading
    authority_t *authority = authority_new ("Test federation", NULL);
    authority_t *stranger = authority_new ("Stranger", NULL);
    crl_t *next = crl_next (vector);
    assert (next);
    assert (crl_version (next) == 3);
    assert (crl_size (next) == 2);
    assert (crl_verify (next, authority_public (authority)) == -1);     //  unsigned
    assert (crl_add (next, "CUSTOMS", 7, time, "", NULL) == 0);
    assert (crl_sign_by (next, authority) == 0);
    assert (crl_verify (next, authority_public (authority)) == 0);
    assert (crl_verify (next, authority_public (stranger)) == -1);
    char *path = zsys_sprintf ("/tmp/sluice-crl-%d.crl", getpid ());
    assert (crl_save (next, path, NULL) == 0);
    assert (crl_save (next, path, NULL) == 0);        //  replacing is normal for a list
    crl_t *loaded = crl_load (path, NULL);
    assert (loaded);
    assert (crl_version (loaded) == 3);
    assert (crl_size (loaded) == 3);
    assert (crl_revoked (loaded, "CUSTOMS", 7));
    assert (crl_verify (loaded, authority_public (authority)) == 0);
    crl_destroy (&loaded);
    unlink (path);
    assert (crl_load (path, &error) == NULL);
    assert (error && strstr (error, path));
    zstr_free (&error);
    assert (crl_save (next, "/nonexistent/dir/x.crl", &error) == -1);
    assert (error && strstr (error, "/nonexistent/dir/x.crl"));
    zstr_free (&error);
    //  A file that is not a list says so, with the reason
    FILE *junk = fopen (path, "w");
    assert (junk);
    fputs ("crl\n    version = \"not a number\n", junk);
    fclose (junk);
    assert (crl_load (path, &error) == NULL);
    assert (error && strstr (error, "not a valid revocation list"));
    zstr_free (&error);
    unlink (path);
    zstr_free (&path);

    //  An empty list round-trips
    crl_t *empty = crl_new (1, NULL);
    crl_sign_by (empty, authority);
    char *empty_text = crl_encode (empty);
    crl_t *empty_back = crl_decode (empty_text, strlen (empty_text), NULL);
    assert (empty_back);
    assert (crl_size (empty_back) == 0);
    assert (crl_verify (empty_back, authority_public (authority)) == 0);
    crl_destroy (&empty_back);
    zstr_free (&empty_text);
    crl_destroy (&empty);

    //  The list is bounded
    crl_t *full = crl_new (1, NULL);
    char name [IDENT_MAX + 1];
    int rc = 0;
    for (int index = 0; index < CRL_ENTRIES_MAX && rc == 0; index++) {
        snprintf (name, sizeof (name), "DEPT%d", index);
        rc = crl_add (full, name, 1, time, "r", NULL);
    }
    assert (rc == 0);
    assert (crl_size (full) == CRL_ENTRIES_MAX);
    assert (crl_add (full, "SH-PD-MSA", 1, time, "r", &error) == -1);
    assert (error && strstr (error, "the list is full"));
    zstr_free (&error);
    crl_destroy (&full);

    zstr_free (&text);
    crl_destroy (&next);
    crl_destroy (&vector);
    crl_destroy (&vector);          //  safe twice
    authority_destroy (&authority);
    authority_destroy (&stranger);
    printf ("OK\n");
}
