/*  peers.c -- the other departments, as this gateway knows them.
*/

#include "peers.h"
#include "conf.h"
#include "authority.h"
#include "certtext.h"
#include "message.h"
#include "policy.h"
#include "status.h"
#include <sodium.h>

//  A peer department: its certificate serial and the precomputed box key
typedef struct {
    uint64_t serial;
    uint8_t box_key [ENVELOPE_KEY_BYTES];
} s_peer_t;

struct _peers_t {
    cert_t *own;                //  borrowed
    truststore_t *trust;        //  borrowed
    registrar_t *registrar;     //  borrowed
    int level;
    zhashx_t *keys;             //  department -> s_peer_t
};

static void
s_peer_free (s_peer_t **peer_p)
{
    if (*peer_p) {
        sodium_memzero ((*peer_p)->box_key, ENVELOPE_KEY_BYTES);
        free (*peer_p);
        *peer_p = NULL;
    }
}

peers_t *
peers_new (cert_t *own, truststore_t *trust, registrar_t *registrar, int level)
{
    assert (own && trust && registrar);
    peers_t *self = (peers_t *) zmalloc (sizeof (peers_t));
    assert (self);
    self->own = own;
    self->trust = trust;
    self->registrar = registrar;
    self->level = level;
    self->keys = zhashx_new ();
    assert (self->keys);
    zhashx_set_destructor (self->keys, (zhashx_destructor_fn *) s_peer_free);
    return self;
}

void
peers_destroy (peers_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        zhashx_destroy (&(*self_p)->keys);
        free (*self_p);
        *self_p = NULL;
    }
}

const uint8_t *
peers_key (peers_t *self, const char *department, int64_t now, cert_t **cert_p,
           int *status)
{
    assert (self && department && status);
    cert_t *cert = NULL;
    *status = truststore_check (self->trust, department, now, &cert);
    if (*status != STATUS_OK)
        return NULL;
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->keys, department);
    if (!peer || peer->serial != cert_serial (cert)) {
        if (!peer) {
            peer = (s_peer_t *) zmalloc (sizeof (s_peer_t));
            assert (peer);
            zhashx_insert (self->keys, department, peer);
        }
        peer->serial = cert_serial (cert);
        if (crypto_box_beforenm (peer->box_key, cert_box_public (cert),
                                 cert_box_secret (self->own)) != 0) {
            zhashx_delete (self->keys, department);
            *status = STATUS_BAD_SEAL;
            return NULL;
        }
    }
    if (cert_p)
        *cert_p = cert;
    return peer->box_key;
}

//  Verifies and keeps the certificates of a directory page; returns how
//  many were new. Each is verified against the authority here.
static size_t
s_take_certs (peers_t *self, const msgpack_object *certs)
{
    size_t accepted = 0;
    for (uint32_t index = 0; index < certs->via.array.size; index++) {
        const msgpack_object_str *text = &certs->via.array.ptr [index].via.str;
        cert_t *cert = certtext_decode (text->ptr, text->size, NULL);
        if (!cert)
            continue;
        char department [ENVELOPE_DEPT_MAX + 1];
        snprintf (department, sizeof (department), "%s", cert_department (cert));
        int status = truststore_add (self->trust, &cert);
        if (status == STATUS_OK)
            accepted++;
        else
        if (status != STATUS_STALE)
            zsys_warning ("gateway: certificate for %s refused: %s",
                          department, status_name (status));
        cert_destroy (&cert);
    }
    return accepted;
}

//  Applies the revocation list a transfer carried; the list held is kept
//  in the ledger, so that no broker can take it back after a restart. A
//  keep that failed (logged by the registrar) is tried again with the
//  next transfer, which carries the same list (stale then, but not kept).
static void
s_take_crl (peers_t *self, const char *text, size_t size)
{
    char *error = NULL;
    crl_t *crl = crl_decode (text, size, &error);
    if (!crl) {
        zsys_warning ("gateway: malformed revocation list from the broker (%s)", error);
        zstr_free (&error);
    }
    else {
        int status = truststore_set_crl (self->trust, &crl);
        if (status == STATUS_OK || status == STATUS_STALE)
            registrar_keep_crl (self->registrar, self->trust);
        else
            zsys_warning ("gateway: revocation list refused: %s", status_name (status));
        crl_destroy (&crl);
    }
}

//  A transfer is complete: its revocation list applied, what is held said
static void
s_transferred (peers_t *self, link_t *link, const message_page_t *page)
{
    size_t size;
    const char *crl = dirsync_crl (link_directory (link), &size);
    if (crl)
        s_take_crl (self, crl, size);
    char since [48] = "everything";
    if (page->since)
        snprintf (since, sizeof (since), "a delta since version %" PRIu64, page->since);
    SLUICE_INFO (self->level, "gateway: directory of broker %s at version %" PRIu64
                 " (%s): %zu certificates held", link_broker_id (link), page->version,
                 since, truststore_size (self->trust));
}

dirsync_result_t
peers_take_page (peers_t *self, link_t *link, envelope_t *envelope, bool welcome)
{
    assert (self && link && envelope);
    message_directory_t directory;
    dirsync_result_t result = DIRSYNC_BROKEN;
    if (message_directory_decode (envelope_payload (envelope),
                                  envelope_payload_size (envelope), &directory))
        zsys_warning ("gateway: malformed directory page from broker %s",
                      link_broker_id (link));
    else {
        size_t accepted = s_take_certs (self, directory.certs);
        result = dirsync_take (link_directory (link), &directory, welcome);
        SLUICE_DEBUG (self->level, "gateway: directory page %" PRIu64 " of %" PRIu64
                      " from broker %s, %zu new certificates", directory.page.page,
                      directory.page.pages, link_broker_id (link), accepted);
    }
    if (result == DIRSYNC_DONE || result == DIRSYNC_BEHIND)
        s_transferred (self, link, &directory.page);
    message_directory_destroy (&directory);
    return result;
}


//  --------------------------------------------------------------------------
//  Self-test

//  A page of a broker's directory, as a verified envelope would carry it
static envelope_t *
s_test_page (cert_t *broker, uint64_t page, uint64_t pages, const char *cert_text)
{
    message_page_t header = { .heartbeat_ms = 1000, .epoch = 7, .version = 1,
                              .since = 0, .page = page, .pages = pages };
    snprintf (header.broker, sizeof (header.broker), "%s", cert_department (broker));
    const char *texts [] = { cert_text };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (message_directory_encode (&header, texts, cert_text? 1: 0, NULL, 0,
                                      &buffer) == 0);
    envelope_t *envelope = envelope_new (page? MSG_DIRECTORY: MSG_WELCOME,
                                         cert_department (broker), "SH-PD-MSA");
    assert (envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size,
                           cert_sign_secret (broker), NULL) == 0);
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}

void
peers_test (bool verbose)
{
    if (verbose)
        printf (" * peers: ");
    int64_t now = zclock_time () / 1000;
    authority_t *authority = authority_new ("Test authority", NULL);
    cert_t *own = cert_new ("SH-PD-MSA", "msa", "department", 3, 1, now - 60, now + 3600, NULL);
    cert_t *tax = cert_new ("SH-PD-TAX", "tax", "department", 3, 1, now - 60, now + 3600, NULL);
    cert_t *broker = cert_new ("BROKER", "broker", "broker", 0, 1, now - 60, now + 3600, NULL);
    assert (authority && own && tax && broker);
    cert_sign_by (own, authority);
    cert_sign_by (tax, authority);
    cert_sign_by (broker, authority);
    truststore_t *trust = truststore_new (authority_public (authority));
    cert_t *copy = cert_dup (broker);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    char *dir = zsys_sprintf ("/tmp/sluice-peers-test-%d", getpid ());
    assert (dir && zsys_dir_create ("%s", dir) == 0);
    char *path = zsys_sprintf ("%s/quota.db", dir);
    char *error = NULL;
    policy_t *policy = policy_new ("SH-PD-MSA", trust, path, &error);
    zstr_free (&path);
    path = zsys_sprintf ("%s/ledger.db", dir);
    registrar_t *registrar = policy? registrar_new (path, "SH-PD-MSA", trust, policy,
                                                    &error): NULL;
    assert (policy && registrar && !error);
    peers_t *peers = peers_new (own, trust, registrar, 0);

    //  Unknown yet, and a broker is never a peer
    int status;
    assert (!peers_key (peers, "SH-PD-TAX", now, NULL, &status));
    assert (status == STATUS_CERT_UNKNOWN);
    assert (!peers_key (peers, "BROKER", now, NULL, &status) && status == STATUS_CERT_ROLE);
    //  A directory brings the certificate; the key is the box key, once
    link_t *link = link_new (own, broker, "tcp://127.0.0.1:9", 1000, 0, &error);
    assert (link);
    char *text = certtext_encode (tax);
    envelope_t *page = s_test_page (broker, 0, 1, NULL);
    assert (peers_take_page (peers, link, page, true) == DIRSYNC_MORE);
    envelope_destroy (&page);
    page = s_test_page (broker, 1, 1, text);
    assert (peers_take_page (peers, link, page, false) == DIRSYNC_DONE);
    envelope_destroy (&page);
    page = s_test_page (broker, 2, 3, text);        //  out of order
    assert (peers_take_page (peers, link, page, false) == DIRSYNC_BROKEN);
    envelope_destroy (&page);
    cert_t *found = NULL;
    const uint8_t *key = peers_key (peers, "SH-PD-TAX", now, &found, &status);
    assert (key && status == STATUS_OK && cert_serial (found) == 1);
    uint8_t expect [ENVELOPE_KEY_BYTES];
    assert (crypto_box_beforenm (expect, cert_box_public (tax), cert_box_secret (own)) == 0);
    assert (memcmp (key, expect, ENVELOPE_KEY_BYTES) == 0);
    assert (peers_key (peers, "SH-PD-TAX", now, NULL, &status) == key);
    //  Not valid at another time
    assert (!peers_key (peers, "SH-PD-TAX", now + 7200, NULL, &status));
    assert (status == STATUS_CERT_EXPIRED);

    link_destroy (&link);
    zstr_free (&text);
    peers_destroy (&peers);
    peers_destroy (&peers);
    assert (!peers);
    registrar_destroy (&registrar);
    policy_destroy (&policy);
    truststore_destroy (&trust);
    char *command = zsys_sprintf ("rm -rf %s", dir);
    assert (system (command) == 0);
    zstr_free (&command);
    zstr_free (&path);
    zstr_free (&dir);
    cert_destroy (&broker);
    cert_destroy (&tax);
    cert_destroy (&own);
    authority_destroy (&authority);
    if (verbose)
        printf ("OK\n");
}
