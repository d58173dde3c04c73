/*  truststore.c -- what a broker or gateway trusts.

    Two indexes over the same certificates: by department id (owning) and by
    CURVE public key in Z85 (borrowed), for the ZAP handler. One current
    certificate per department: a higher serial replaces the held one, an
    equal serial with other content is refused as stale. A replaced
    certificate, or an older serial that arrives later, is kept among the
    department's superseded certificates (the newest TRUSTSTORE_SUPERSEDED_MAX),
    which only ever verify what their key signed before a renewal
    (truststore_verify_by): never a connection, a message or a seal.
*/

#include "truststore.h"
#include "certfile.h"
#include "file.h"
#include "certtext.h"
#include <sodium.h>

struct _truststore_t {
    uint8_t authority [CERT_KEY_BYTES];
    zhashx_t *by_department;    //  department -> cert_t (owned)
    zhashx_t *by_curve;         //  Z85 curve key -> cert_t (borrowed)
    zhashx_t *superseded;       //  department -> zlistx_t of cert_t (owned),
                                //  highest serial first
    size_t superseded_count;
    zlistx_t *cursor;           //  superseded list being iterated, or NULL
    bool iterating_superseded;
    crl_t *crl;                 //  newest verified list, or NULL
};

static void
s_cert_destructor (void **item)
{
    cert_destroy ((cert_t **) item);
}

static void
s_list_destructor (void **item)
{
    zlistx_destroy ((zlistx_t **) item);
}

//  Superseded certificates are kept highest serial first
static int
s_newer_first (const void *one, const void *other)
{
    uint64_t serial = cert_serial ((cert_t *) one);
    uint64_t other_serial = cert_serial ((cert_t *) other);
    return serial > other_serial? -1: serial < other_serial? 1: 0;
}

truststore_t *
truststore_new (const uint8_t *authority_public)
{
    assert (authority_public);
    truststore_t *self = (truststore_t *) zmalloc (sizeof (truststore_t));
    if (!self)
        return NULL;
    memcpy (self->authority, authority_public, CERT_KEY_BYTES);
    self->by_department = zhashx_new ();
    self->by_curve = zhashx_new ();
    self->superseded = zhashx_new ();
    if (!self->by_department || !self->by_curve || !self->superseded) {
        truststore_destroy (&self);
        return NULL;
    }
    zhashx_set_destructor (self->by_department, s_cert_destructor);
    zhashx_set_destructor (self->superseded, s_list_destructor);
    return self;
}

void
truststore_destroy (truststore_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        truststore_t *self = *self_p;
        zhashx_destroy (&self->by_curve);
        zhashx_destroy (&self->by_department);
        zhashx_destroy (&self->superseded);
        crl_destroy (&self->crl);
        free (self);
        *self_p = NULL;
    }
}

//  True if both certificates sign to the same canonical bytes
static bool
s_same_content (cert_t *one, cert_t *other)
{
    size_t one_size, other_size;
    uint8_t *one_bytes = cert_canonical (one, &one_size);
    uint8_t *other_bytes = cert_canonical (other, &other_size);
    bool same = one_bytes && other_bytes && one_size == other_size
             && memcmp (one_bytes, other_bytes, one_size) == 0;
    free (one_bytes);
    free (other_bytes);
    return same;
}

//  Keeps a certificate (owned) among its department's superseded ones, in
//  serial order, the newest TRUSTSTORE_SUPERSEDED_MAX only. STATUS_OK if it
//  is kept or already was; STATUS_STALE if that serial is held with other
//  content or is older than every one kept.
static status_t
s_supersede (truststore_t *self, cert_t *cert)
{
    const char *department = cert_department (cert);
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->superseded, department);
    if (!list) {
        list = zlistx_new ();
        assert (list);
        zlistx_set_destructor (list, s_cert_destructor);
        zlistx_set_comparator (list, s_newer_first);
        zhashx_insert (self->superseded, department, list);
    }
    cert_t *held = (cert_t *) zlistx_first (list);
    while (held && cert_serial (held) > cert_serial (cert))
        held = (cert_t *) zlistx_next (list);
    status_t status = STATUS_OK;
    if (held && cert_serial (held) == cert_serial (cert)) {
        if (!s_same_content (held, cert))
            status = STATUS_STALE;
        cert_destroy (&cert);
    }
    else {
        zlistx_insert (list, cert, true);
        self->superseded_count++;
    }
    if (zlistx_size (list) > TRUSTSTORE_SUPERSEDED_MAX) {
        cert_t *oldest = (cert_t *) zlistx_last (list);
        if (oldest == cert)
            status = STATUS_STALE;
        zlistx_delete (list, zlistx_cursor (list));
        self->superseded_count--;
    }
    return status;
}

status_t
truststore_add (truststore_t *self, cert_t **cert_p)
{
    assert (self);
    assert (cert_p);
    cert_t *cert = *cert_p;
    *cert_p = NULL;
    if (!cert)
        return STATUS_MALFORMED;
    const char *department = cert_department (cert);
    if (cert_verify (cert, self->authority)) {
        cert_destroy (&cert);
        return STATUS_BAD_SIGNATURE;
    }
    cert_t *held = (cert_t *) zhashx_lookup (self->by_department, department);
    if (held && cert_serial (cert) < cert_serial (held))
        return s_supersede (self, cert);
    if (held && cert_serial (cert) == cert_serial (held)) {
        bool same = s_same_content (cert, held);
        cert_destroy (&cert);
        return same? STATUS_OK: STATUS_STALE;
    }
    //  A CURVE key names exactly one department
    cert_t *owner = (cert_t *) zhashx_lookup (self->by_curve, cert_curve_public_txt (cert));
    if (owner && owner != held) {
        cert_destroy (&cert);
        return STATUS_MALFORMED;
    }
    if (held) {
        //  The held one is superseded: it keeps verifying what it signed
        zhashx_delete (self->by_curve, cert_curve_public_txt (held));
        s_supersede (self, cert_dup (held));
    }
    //  zhashx_update destroys the held certificate
    zhashx_update (self->by_department, department, cert);
    zhashx_update (self->by_curve, cert_curve_public_txt (cert), cert);
    return STATUS_OK;
}

//  Adds a line to the refusals
static void
s_refused (char **refused, const char *path, const char *why)
{
    if (refused)
        status_set_error (refused, "%s%s%s%s", *refused? *refused: "",
                          *refused? "\n": "", path, why);
}

int
truststore_add_dir (truststore_t *self, const char *dir, char **refused)
{
    assert (self);
    assert (dir);
    if (refused)
        *refused = NULL;
    //  Sorted names, so that the outcome does not depend on directory order
    zlistx_t *names = file_names (dir, ".cert");
    if (!names)
        return -1;              //  errno says why
    int accepted = 0;
    for (const char *name = (const char *) zlistx_first (names); name;
         name = (const char *) zlistx_next (names)) {
        char *path = zsys_sprintf ("%s/%s", dir, name);
        errno = 0;
        char *error = NULL;
        cert_t *cert = path? certtext_load (path, &error): NULL;
        //  A file that cannot be opened for want of descriptors is not a bad
        //  certificate: the directory cannot be read in full now
        if (!cert && (errno == EMFILE || errno == ENFILE)) {
            int cause = errno;
            zstr_free (&error);
            zstr_free (&path);
            zlistx_destroy (&names);
            errno = cause;
            return -1;
        }
        if (!cert) {
            //  The certificate's own error names the file
            s_refused (refused, "", error? error: path);
            zstr_free (&error);
        }
        else {
            status_t status = truststore_add (self, &cert);
            char why [160];
            snprintf (why, sizeof (why), ": refused: %s", status_text (status));
            if (status == STATUS_OK)
                accepted++;
            else
                s_refused (refused, path, why);
        }
        zstr_free (&path);
    }
    zlistx_destroy (&names);
    return accepted;
}

status_t
truststore_set_crl (truststore_t *self, crl_t **crl_p)
{
    assert (self);
    assert (crl_p);
    crl_t *crl = *crl_p;
    *crl_p = NULL;
    if (!crl)
        return STATUS_MALFORMED;
    if (crl_verify (crl, self->authority)) {
        crl_destroy (&crl);
        return STATUS_BAD_SIGNATURE;
    }
    if (self->crl && crl_version (crl) <= crl_version (self->crl)) {
        crl_destroy (&crl);
        return STATUS_STALE;
    }
    crl_destroy (&self->crl);
    self->crl = crl;
    return STATUS_OK;
}

crl_t *
truststore_crl (truststore_t *self)
{
    assert (self);
    return self->crl;
}

cert_t *
truststore_lookup (truststore_t *self, const char *department)
{
    assert (self);
    return department? (cert_t *) zhashx_lookup (self->by_department, department): NULL;
}

cert_t *
truststore_by_curve (truststore_t *self, const char *curve_public_txt)
{
    assert (self);
    return curve_public_txt? (cert_t *) zhashx_lookup (self->by_curve, curve_public_txt): NULL;
}

status_t
truststore_check_cert (truststore_t *self, cert_t *cert, int64_t now)
{
    assert (self);
    if (!cert)
        return STATUS_CERT_UNKNOWN;
    if (self->crl && crl_revoked (self->crl, cert_department (cert), cert_serial (cert)))
        return STATUS_CERT_REVOKED;
    if (!cert_valid_at (cert, now))
        return STATUS_CERT_EXPIRED;
    return STATUS_OK;
}

//  Validity and the role rule: only departments are peers.
static status_t
s_check_department (truststore_t *self, cert_t *cert, int64_t now)
{
    status_t status = truststore_check_cert (self, cert, now);
    if (status == STATUS_OK && !streq (cert_role (cert), CERT_ROLE_DEPARTMENT))
        status = STATUS_CERT_ROLE;
    return status;
}

status_t
truststore_check (truststore_t *self, const char *department, int64_t now,
                  cert_t **cert_p)
{
    assert (self);
    cert_t *cert = truststore_lookup (self, department);
    status_t status = s_check_department (self, cert, now);
    if (cert_p)
        *cert_p = status == STATUS_OK? cert: NULL;
    return status;
}

cert_t *
truststore_lookup_serial (truststore_t *self, const char *department, uint64_t serial)
{
    assert (self);
    cert_t *current = truststore_lookup (self, department);
    if (!current || cert_serial (current) == serial)
        return current;
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->superseded, department);
    for (cert_t *cert = list? (cert_t *) zlistx_first (list): NULL; cert;
         cert = (cert_t *) zlistx_next (list))
        if (cert_serial (cert) == serial)
            return cert;
    return NULL;
}

status_t
truststore_check_serial (truststore_t *self, const char *department, uint64_t serial,
                         int64_t now)
{
    assert (self);
    return s_check_department (self, truststore_lookup_serial (self, department, serial),
                               now);
}

status_t
truststore_verify_by (truststore_t *self, const char *department, int64_t now,
                      truststore_verify_fn *verify, void *argument, uint64_t *serial_p)
{
    assert (self);
    assert (department && verify);
    if (serial_p)
        *serial_p = 0;
    cert_t *current = truststore_lookup (self, department);
    status_t status = s_check_department (self, current, now);
    if (status == STATUS_OK && verify (cert_sign_public (current), argument) == 0) {
        if (serial_p)
            *serial_p = cert_serial (current);
        return STATUS_OK;
    }
    //  A superseded certificate verifies what its key signed while it is
    //  itself valid, not revoked, and a department's
    status_t superseded = STATUS_BAD_SIGNATURE;
    zlistx_t *list = (zlistx_t *) zhashx_lookup (self->superseded, department);
    for (cert_t *cert = list? (cert_t *) zlistx_first (list): NULL; cert;
         cert = (cert_t *) zlistx_next (list))
        if (verify (cert_sign_public (cert), argument) == 0) {
            superseded = s_check_department (self, cert, now);
            if (superseded == STATUS_OK) {
                if (serial_p)
                    *serial_p = cert_serial (cert);
                return STATUS_OK;
            }
        }
    return superseded != STATUS_BAD_SIGNATURE || status == STATUS_OK?
           superseded: status;
}

size_t
truststore_size (truststore_t *self)
{
    assert (self);
    return zhashx_size (self->by_department) + self->superseded_count;
}

//  Iterating the superseded certificates: from `cert` on, skipping to the
//  next department's list at the end of one.
static cert_t *
s_superseded_scan (truststore_t *self, cert_t *cert)
{
    while (!cert && self->cursor) {
        self->cursor = (zlistx_t *) zhashx_next (self->superseded);
        cert = self->cursor? (cert_t *) zlistx_first (self->cursor): NULL;
    }
    return cert;
}

static cert_t *
s_superseded_first (truststore_t *self)
{
    self->iterating_superseded = true;
    self->cursor = (zlistx_t *) zhashx_first (self->superseded);
    return s_superseded_scan (self, self->cursor?
                              (cert_t *) zlistx_first (self->cursor): NULL);
}

//  The current certificates first, then the superseded ones.
cert_t *
truststore_first (truststore_t *self)
{
    assert (self);
    self->iterating_superseded = false;
    self->cursor = NULL;
    cert_t *cert = (cert_t *) zhashx_first (self->by_department);
    return cert? cert: s_superseded_first (self);
}

cert_t *
truststore_next (truststore_t *self)
{
    assert (self);
    if (!self->iterating_superseded) {
        cert_t *cert = (cert_t *) zhashx_next (self->by_department);
        return cert? cert: s_superseded_first (self);
    }
    return s_superseded_scan (self, self->cursor?
                              (cert_t *) zlistx_next (self->cursor): NULL);
}

const uint8_t *
truststore_authority (truststore_t *self)
{
    assert (self);
    return self->authority;
}

//  A detached signature over some bytes, for truststore_verify_by
typedef struct {
    const uint8_t *data;
    size_t size;
    uint8_t signature [64];
} s_test_signed_t;

static int
s_test_signed_by (const uint8_t *sign_public, void *argument)
{
    s_test_signed_t *signed_bytes = (s_test_signed_t *) argument;
    return crypto_sign_verify_detached (signed_bytes->signature, signed_bytes->data,
                                        signed_bytes->size, sign_public) == 0? 0: -1;
}

void
truststore_test (bool verbose)
{
    printf (" * truststore: ");
    if (verbose)
        printf ("\n");

    authority_t *authority = authority_new ("Test federation", NULL);
    authority_t *stranger = authority_new ("Stranger", NULL);
    assert (authority && stranger);
    truststore_t *store = truststore_new (authority_public (authority));
    assert (store);
    assert (memcmp (truststore_authority (store), authority_public (authority), 32) == 0);
    int64_t now = zclock_time () / 1000;

    //  A signed certificate is kept; an unsigned or foreign one is not
    cert_t *market = cert_new ("SH-PD-MSA", "Market", "department", 3, 10, now - 10, now + 1000, NULL);
    cert_sign_by (market, authority);
    char *market_curve = strdup (cert_curve_public_txt (market));
    //  What serial 10's key signs, checked again after renewals below
    const uint8_t signed_text [] = "an agreement's canonical bytes";
    s_test_signed_t by_10 = { signed_text, sizeof (signed_text), { 0 } };
    crypto_sign_detached (by_10.signature, NULL, signed_text, sizeof (signed_text),
                          cert_sign_secret (market));
    cert_t *market_copy = cert_dup (market);
    assert (truststore_add (store, &market) == STATUS_OK);
    assert (market == NULL);
    assert (truststore_size (store) == 1);
    cert_t *tax = cert_new ("TAX", "Tax", "department", 2, 5, now - 10, now + 1000, NULL);
    cert_sign_by (tax, stranger);
    assert (truststore_add (store, &tax) == STATUS_BAD_SIGNATURE);
    assert (tax == NULL);
    tax = cert_new ("TAX", "Tax", "department", 2, 5, now - 10, now + 1000, NULL);
    assert (truststore_add (store, &tax) == STATUS_BAD_SIGNATURE);     //  unsigned
    assert (truststore_lookup (store, "TAX") == NULL);
    assert (truststore_add (store, &tax) == STATUS_MALFORMED);         //  NULL

    //  Lookups
    cert_t *found = truststore_lookup (store, "SH-PD-MSA");
    assert (found && cert_serial (found) == 10);
    assert (truststore_by_curve (store, market_curve) == found);
    assert (truststore_by_curve (store, "nothing") == NULL);
    assert (truststore_lookup (store, NULL) == NULL);
    cert_t *checked = NULL;
    assert (truststore_check (store, "SH-PD-MSA", now, &checked) == STATUS_OK);
    assert (checked == found);
    assert (truststore_check (store, "TAX", now, &checked) == STATUS_CERT_UNKNOWN);
    assert (checked == NULL);
    assert (truststore_check (store, "SH-PD-MSA", now + 2000, NULL) == STATUS_CERT_EXPIRED);
    assert (truststore_check (store, "SH-PD-MSA", now - 20, NULL) == STATUS_CERT_EXPIRED);

    //  The same certificate again is fine; an older serial is kept as
    //  superseded (never current, never a CURVE key); the same serial with
    //  other content is stale
    assert (truststore_add (store, &market_copy) == STATUS_OK);
    assert (truststore_size (store) == 1);
    cert_t *older = cert_new ("SH-PD-MSA", "Market", "department", 3, 9, now - 10, now + 1000, NULL);
    cert_sign_by (older, authority);
    char *older_curve = strdup (cert_curve_public_txt (older));
    assert (truststore_add (store, &older) == STATUS_OK);
    assert (truststore_size (store) == 2);
    assert (truststore_by_curve (store, older_curve) == NULL);
    cert_t *same_serial = cert_new ("SH-PD-MSA", "Market", "department", 3, 10, now - 10, now + 1000, NULL);
    cert_sign_by (same_serial, authority);
    assert (truststore_add (store, &same_serial) == STATUS_STALE);
    same_serial = cert_new ("SH-PD-MSA", "Market", "department", 3, 9, now - 10, now + 1000, NULL);
    cert_sign_by (same_serial, authority);
    assert (truststore_add (store, &same_serial) == STATUS_STALE);
    assert (cert_serial (truststore_lookup (store, "SH-PD-MSA")) == 10);
    assert (truststore_size (store) == 2);

    //  A newer serial replaces, and the old CURVE key is forgotten
    cert_t *newer = cert_new ("SH-PD-MSA", "Market", "department", 4, 11, now - 10, now + 1000, NULL);
    cert_sign_by (newer, authority);
    char *newer_curve = strdup (cert_curve_public_txt (newer));
    assert (truststore_add (store, &newer) == STATUS_OK);
    assert (cert_serial (truststore_lookup (store, "SH-PD-MSA")) == 11);
    assert (truststore_by_curve (store, market_curve) == NULL);
    assert (truststore_by_curve (store, newer_curve) == truststore_lookup (store, "SH-PD-MSA"));
    assert (truststore_size (store) == 3);          //  11, and 10 and 9 superseded

    //  What the renewed-away key signed still verifies, while its
    //  certificate is valid, and says which certificate that was; anything
    //  else does not
    uint64_t signer = 0;
    assert (truststore_verify_by (store, "SH-PD-MSA", now, s_test_signed_by, &by_10,
                                  &signer) == STATUS_OK);
    assert (signer == 10);
    assert (cert_serial (truststore_lookup_serial (store, "SH-PD-MSA", 10)) == 10);
    assert (truststore_lookup_serial (store, "SH-PD-MSA", 11)
            == truststore_lookup (store, "SH-PD-MSA"));
    assert (truststore_lookup_serial (store, "SH-PD-MSA", 12) == NULL);
    assert (truststore_lookup_serial (store, "NOBODY", 10) == NULL);
    //  ... checked again later, by its serial, as any certificate
    assert (truststore_check_serial (store, "SH-PD-MSA", 10, now) == STATUS_OK);
    assert (truststore_check_serial (store, "SH-PD-MSA", 10, now + 2000)
            == STATUS_CERT_EXPIRED);
    assert (truststore_check_serial (store, "SH-PD-MSA", 12, now) == STATUS_CERT_UNKNOWN);
    assert (truststore_check_serial (store, "NOBODY", 10, now) == STATUS_CERT_UNKNOWN);
    assert (truststore_verify_by (store, "SH-PD-MSA", now + 2000, s_test_signed_by,
                                  &by_10, &signer) == STATUS_CERT_EXPIRED);
    assert (signer == 0);
    s_test_signed_t forged = by_10;
    forged.signature [0] ^= 1;
    assert (truststore_verify_by (store, "SH-PD-MSA", now, s_test_signed_by, &forged, NULL)
            == STATUS_BAD_SIGNATURE);
    assert (truststore_verify_by (store, "NOBODY", now, s_test_signed_by, &by_10, NULL)
            == STATUS_CERT_UNKNOWN);
    //  At most TRUSTSTORE_SUPERSEDED_MAX superseded certificates, the newest
    for (uint64_t serial = 1; serial <= 8; serial++) {
        cert_t *renewed = cert_new ("SH-PD-FDA", "Food", "department", 2, serial,
                                    now - 10, now + 1000, NULL);
        cert_sign_by (renewed, authority);
        assert (truststore_add (store, &renewed) == STATUS_OK);
    }
    assert (truststore_size (store) == 4 + TRUSTSTORE_SUPERSEDED_MAX);
    cert_t *oldest = cert_new ("SH-PD-FDA", "Food", "department", 2, 2, now - 10, now + 1000, NULL);
    cert_sign_by (oldest, authority);
    assert (truststore_add (store, &oldest) == STATUS_STALE);
    assert (truststore_size (store) == 4 + TRUSTSTORE_SUPERSEDED_MAX);

    //  Revocation lists: verified, newer only, honoured by the checks
    assert (truststore_crl (store) == NULL);
    crl_t *crl = crl_new (1, NULL);
    assert (crl_add (crl, "SH-PD-MSA", 11, now, "key compromise", NULL) == 0);
    crl_t *crl_copy = crl_next (crl);               //  version 2, kept for later
    crl_sign_by (crl, stranger);
    assert (truststore_set_crl (store, &crl) == STATUS_BAD_SIGNATURE);
    assert (crl == NULL);
    crl = crl_new (1, NULL);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (store, &crl) == STATUS_OK);
    assert (truststore_check (store, "SH-PD-MSA", now, NULL) == STATUS_OK);
    crl_sign_by (crl_copy, authority);
    assert (truststore_set_crl (store, &crl_copy) == STATUS_OK);
    assert (crl_version (truststore_crl (store)) == 2);
    assert (truststore_check (store, "SH-PD-MSA", now, &checked) == STATUS_CERT_REVOKED);
    assert (checked == NULL);
    assert (truststore_check_cert (store, truststore_lookup (store, "SH-PD-MSA"), now)
            == STATUS_CERT_REVOKED);
    assert (truststore_check_cert (store, NULL, now) == STATUS_CERT_UNKNOWN);
    crl = crl_new (2, NULL);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (store, &crl) == STATUS_STALE);       //  not newer
    crl = crl_new (1, NULL);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (store, &crl) == STATUS_STALE);       //  older
    assert (crl_version (truststore_crl (store)) == 2);
    //  Serial 0 revokes every certificate of a department
    //  With serial 11 revoked, what serial 10 signed still stands
    assert (truststore_verify_by (store, "SH-PD-MSA", now, s_test_signed_by, &by_10, NULL)
            == STATUS_OK);
    assert (truststore_check_serial (store, "SH-PD-MSA", 11, now) == STATUS_CERT_REVOKED);
    assert (truststore_check_serial (store, "SH-PD-MSA", 10, now) == STATUS_OK);
    crl = crl_new (3, NULL);
    assert (crl_add (crl, "TAX", 0, now, "left the federation", NULL) == 0);
    assert (crl_add (crl, "SH-PD-MSA", 10, now, "old key lost", NULL) == 0);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (store, &crl) == STATUS_OK);
    //  ... until serial 10 is revoked too
    assert (truststore_verify_by (store, "SH-PD-MSA", now, s_test_signed_by, &by_10, NULL)
            == STATUS_CERT_REVOKED);
    assert (truststore_check_serial (store, "SH-PD-MSA", 10, now) == STATUS_CERT_REVOKED);
    assert (truststore_check (store, "SH-PD-MSA", now, NULL) == STATUS_OK);
    tax = cert_new ("TAX", "Tax", "department", 2, 77, now - 10, now + 1000, NULL);
    cert_sign_by (tax, authority);
    assert (truststore_add (store, &tax) == STATUS_OK);
    assert (truststore_check (store, "TAX", now, NULL) == STATUS_CERT_REVOKED);

    //  Only departments are peers: a valid broker certificate is held, and
    //  valid as such, but never passes the check of a department
    cert_t *broker = cert_new ("BROKER-2", "Broker", CERT_ROLE_BROKER, 0, 1, now - 10, now + 1000, NULL);
    cert_sign_by (broker, authority);
    s_test_signed_t by_broker = { signed_text, sizeof (signed_text), { 0 } };
    crypto_sign_detached (by_broker.signature, NULL, signed_text, sizeof (signed_text),
                          cert_sign_secret (broker));
    assert (truststore_add (store, &broker) == STATUS_OK);
    assert (truststore_check (store, "BROKER-2", now, &checked) == STATUS_CERT_ROLE);
    assert (checked == NULL);
    assert (truststore_check_cert (store, truststore_lookup (store, "BROKER-2"), now)
            == STATUS_OK);
    assert (truststore_check (store, "BROKER-2", now + 2000, NULL) == STATUS_CERT_EXPIRED);
    //  ... nor does what its key signs verify as a department's
    assert (truststore_verify_by (store, "BROKER-2", now, s_test_signed_by, &by_broker, NULL)
            == STATUS_CERT_ROLE);
    assert (truststore_check_serial (store, "BROKER-2", 1, now) == STATUS_CERT_ROLE);

    //  Iteration: the current certificates, then the superseded ones
    //  (a lookup meanwhile would move the hash table's cursor)
    zlistx_t *seen = zlistx_new ();
    for (cert_t *cert = truststore_first (store); cert; cert = truststore_next (store))
        zlistx_add_end (seen, cert);
    size_t count = zlistx_size (seen), superseded = 0;
    for (cert_t *cert = (cert_t *) zlistx_first (seen); cert;
         cert = (cert_t *) zlistx_next (seen)) {
        if (cert != truststore_lookup (store, cert_department (cert)))
            superseded++;
        else
            assert (superseded == 0);
    }
    zlistx_destroy (&seen);
    assert (count == 6 + TRUSTSTORE_SUPERSEDED_MAX && truststore_size (store) == count);
    assert (superseded == 2 + TRUSTSTORE_SUPERSEDED_MAX);

    //  A directory of certificates: only *.cert, only signed ones
    char *dir = zsys_sprintf ("/tmp/sluice-truststore-%d", getpid ());
    assert (mkdir (dir, 0700) == 0);
    const char *departments [] = { "CUSTOMS", "HEALTH", "POLICE" };
    for (int index = 0; index < 3; index++) {
        cert_t *cert = cert_new (departments [index], "Dept", "department", 1, 1,
                                 now - 10, now + 1000, NULL);
        cert_sign_by (cert, index == 2? stranger: authority);
        char *path = zsys_sprintf ("%s/%s.cert", dir, departments [index]);
        assert (certtext_save (cert, path, false, NULL) == 0);
        zstr_free (&path);
        cert_destroy (&cert);
    }
    char *junk = zsys_sprintf ("%s/junk.cert", dir);
    assert (certfile_write (junk, "not a certificate\n", false, false, NULL) == 0);
    truststore_t *loaded = truststore_new (authority_public (authority));
    char *refused = NULL;
    assert (truststore_add_dir (loaded, dir, &refused) == 2);
    //  Each refused file is said, one line each, in name order
    if (verbose)
        printf ("%s\n", refused);
    assert (refused && strstr (refused, "/POLICE.cert: refused: the signature does not verify"));
    assert (strstr (refused, "junk.cert"));
    assert (strchr (refused, '\n') && !strchr (strchr (refused, '\n') + 1, '\n'));
    assert (strstr (refused, "POLICE.cert") < strstr (refused, "junk.cert"));
    zstr_free (&refused);
    assert (truststore_size (loaded) == 2);
    assert (truststore_lookup (loaded, "CUSTOMS"));
    assert (truststore_lookup (loaded, "POLICE") == NULL);
    assert (!cert_has_secret (truststore_lookup (loaded, "HEALTH")));
    assert (truststore_add_dir (loaded, "/nonexistent/dir", NULL) == -1);
    assert (errno == ENOENT);
    truststore_destroy (&loaded);
    unlink (junk);
    zstr_free (&junk);
    for (int index = 0; index < 3; index++) {
        char *path = zsys_sprintf ("%s/%s.cert", dir, departments [index]);
        unlink (path);
        zstr_free (&path);
        path = zsys_sprintf ("%s/%s.cert_secret", dir, departments [index]);
        unlink (path);
        zstr_free (&path);
    }
    rmdir (dir);
    zstr_free (&dir);

    zstr_free (&market_curve);
    zstr_free (&older_curve);
    zstr_free (&newer_curve);
    truststore_destroy (&store);
    truststore_destroy (&store);    //  safe twice
    authority_destroy (&authority);
    authority_destroy (&stranger);
    printf ("OK\n");
}
