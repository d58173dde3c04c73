/*  members.c -- the gateways registered with the broker, and the broker's
    own signed messages to them.  */

#include "members.h"
#include "authority.h"
#include "message.h"
#include "ratelog.h"
#include "status.h"
#include "conf.h"
#include <sodium.h>

//  A gateway busy waiting for many answers may be late with a heartbeat;
//  it is offline only after this many intervals of silence
#define S_SILENT_INTERVALS 5

//  A registered gateway.
typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    zframe_t *routing;          //  ROUTER identity of its connection
    int64_t last_seen;          //  monotonic ms
    uint64_t routed;            //  messages it sent that were delivered
    uint64_t refused;           //  messages it sent that were refused
    int64_t welcomed;           //  monotonic ms of its last WELCOME sent
    uint64_t held_epoch;        //  what its HELLO said it held then
    uint64_t held_version;
} s_peer_t;

struct _members_t {
    cert_t *cert;               //  borrowed: the broker's, with secrets
    const char *id;             //  the broker's id (from cert)
    directory_t *directory;     //  borrowed
    zsock_t *router;            //  borrowed; NULL while a rebind waits
    zhashx_t *peers;            //  department -> s_peer_t
    int64_t heartbeat_ms;
    int level;
    ratelog_t *send_log;        //  messages that could not be sent
};

static void
s_peer_destroy (s_peer_t **peer_p)
{
    if (*peer_p) {
        zframe_destroy (&(*peer_p)->routing);
        free (*peer_p);
        *peer_p = NULL;
    }
}

members_t *
members_new (cert_t *cert, directory_t *directory, int64_t heartbeat_ms, int level)
{
    assert (cert && directory);
    members_t *self = (members_t *) zmalloc (sizeof (members_t));
    assert (self);
    self->cert = cert;
    self->id = cert_department (cert);
    self->directory = directory;
    self->heartbeat_ms = heartbeat_ms;
    self->level = level;
    self->peers = zhashx_new ();
    assert (self->peers);
    zhashx_set_destructor (self->peers, (zhashx_destructor_fn *) s_peer_destroy);
    self->send_log = ratelog_new (20, 10000);
    return self;
}

void
members_destroy (members_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        members_t *self = *self_p;
        zhashx_destroy (&self->peers);
        ratelog_destroy (&self->send_log);
        free (self);
        *self_p = NULL;
    }
}

void
members_set_router (members_t *self, zsock_t *router)
{
    assert (self);
    self->router = router;
}

void
members_purge (members_t *self)
{
    assert (self);
    zhashx_purge (self->peers);
}

size_t
members_size (members_t *self)
{
    assert (self);
    return zhashx_size (self->peers);
}


//  --------------------------------------------------------------------------
//  The broker's own messages

//  A message of the broker's that could not be sent is logged (at most a
//  few lines a second, however many fail).
static void
s_send_failed (members_t *self, const char *to, int type, int status)
{
    uint64_t skipped = 0;
    char note [64];
    if (ratelog_allow (self->send_log, zclock_mono (), &skipped))
        zsys_warning ("broker: cannot send %s to %s: %s%s", envelope_type_name (type),
                      to, status_name (status), ratelog_note (skipped, note, sizeof (note)));
}

int
members_send (members_t *self, zframe_t *routing, const char *to, int type,
            const uint8_t *payload, size_t size)
{
    assert (self && routing && to);
    if (!self->router)
        return STATUS_DEPARTMENT_OFFLINE;
    envelope_t *envelope = envelope_new (type, self->id, to);
    int status = STATUS_TOO_LARGE;
    if (envelope
    &&  envelope_seal (envelope, payload, size, cert_sign_secret (self->cert), NULL) == 0) {
        status = envelope_send_routed (envelope, self->router, routing) == 0?
                 STATUS_OK: errno == EAGAIN? STATUS_BUSY: STATUS_DEPARTMENT_OFFLINE;
    }
    envelope_destroy (&envelope);
    return status;
}

void
members_send_error (members_t *self, zframe_t *routing, const char *to,
                  const uint8_t *re, int code, const char *reason)
{
    assert (self);
    message_error_t error;
    memset (&error, 0, sizeof (error));
    if (re)
        memcpy (error.re, re, ENVELOPE_ID_BYTES);
    error.code = (uint32_t) code;
    snprintf (error.reason, sizeof (error.reason), "%s", reason? reason: status_text (code));
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_error_encode (&error, &buffer);
    //  One that cannot be sent is said, at most a few lines a second: the
    //  sender, unanswered, times out
    int status = members_send (self, routing, to, MSG_ERROR, (uint8_t *) buffer.data,
                             buffer.size);
    if (status != STATUS_OK) {
        s_send_failed (self, to, MSG_ERROR, status);
        SLUICE_DEBUG (self->level, "broker: %s for %s not sent", status_name (code), to);
    }
    msgpack_sbuffer_destroy (&buffer);
}

int
members_send_registry (members_t *self, const char *department, const uint8_t *payload,
                     size_t size)
{
    assert (self && department);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    return peer? members_send (self, peer->routing, department, MSG_REGISTRY, payload, size):
                 STATUS_NOT_REGISTERED;
}

//  Sends a directory transfer (directory.h) to one connection: the WELCOME
//  first if `welcome`, then the DIRECTORY pages. Returns STATUS_OK or why
//  a page could not be sent; the rest is not sent, and the gateway, finding
//  a page missing, asks again.
static int
s_send_transfer (members_t *self, zframe_t *routing, const char *to, uint64_t since,
                 bool welcome)
{
    zlistx_t *transfer = directory_transfer (self->directory, since);
    int status = STATUS_OK;
    int type = MSG_WELCOME;
    for (zchunk_t *page = (zchunk_t *) zlistx_first (transfer); page && status == STATUS_OK;
         page = (zchunk_t *) zlistx_next (transfer), type = MSG_DIRECTORY)
        if (welcome || type == MSG_DIRECTORY)
            status = members_send (self, routing, to, type, zchunk_data (page),
                                 zchunk_size (page));
    if (status == STATUS_OK)
        SLUICE_DEBUG (self->level, "broker: %s sent the directory since version %" PRIu64
                      " in %zu pages", to, since, zlistx_size (transfer) - 1);
    return status;
}


//  --------------------------------------------------------------------------
//  Registering, heartbeats, pushes

//  The peer of `department`, registered on `routing` now (made if new)
static s_peer_t *
s_peer_on (members_t *self, const char *department, zframe_t *routing, int64_t now)
{
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (!peer) {
        peer = (s_peer_t *) zmalloc (sizeof (s_peer_t));
        assert (peer);
        snprintf (peer->department, sizeof (peer->department), "%s", department);
        zhashx_insert (self->peers, department, peer);
    }
    //  The newest connection of a department wins
    zframe_destroy (&peer->routing);
    peer->routing = zframe_dup (routing);
    peer->last_seen = now;
    return peer;
}

int
members_register (members_t *self, zframe_t *routing, const envelope_header_t *header,
                envelope_t *envelope)
{
    assert (self && routing && header && envelope);
    const char *department = header->from;
    uint64_t epoch, version;
    if (message_hello_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                              &epoch, &version) != STATUS_OK) {
        zsys_warning ("broker: %s sent a malformed HELLO", department);
        members_send_error (self, routing, department, header->id, STATUS_MALFORMED,
                          "the HELLO payload could not be decoded");
        return -1;
    }
    int64_t now = zclock_mono ();
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (peer && zframe_eq (peer->routing, routing) && now - peer->welcomed < self->heartbeat_ms
    &&  peer->held_epoch == epoch && peer->held_version == version) {
        peer->last_seen = now;
        SLUICE_DEBUG (self->level, "broker: %s said HELLO again before its WELCOME "
                      "arrived; the transfer on its way is not sent twice", department);
        return 1;
    }
    peer = s_peer_on (self, department, routing, now);
    uint64_t since = directory_since (self->directory, epoch, version);
    int status = s_send_transfer (self, routing, department, since, true);
    if (status != STATUS_OK) {
        //  Not registered after all: the gateway, answered, says HELLO again
        zsys_warning ("broker: %s could not be welcomed: %s", department,
                      status_name (status));
        members_send_error (self, routing, department, header->id, status,
                          "the broker could not send its WELCOME and directory");
        zhashx_delete (self->peers, department);
        return -1;
    }
    peer->welcomed = now;
    peer->held_epoch = epoch;
    peer->held_version = version;
    SLUICE_INFO (self->level, "broker: %s registered (directory since version %" PRIu64
                 " of %" PRIu64 ")", department, since, directory_version (self->directory));
    return 0;
}

bool
members_seen (members_t *self, const char *department, zframe_t *routing)
{
    assert (self && department && routing);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (!peer || !zframe_eq (peer->routing, routing))
        return false;
    peer->last_seen = zclock_mono ();
    return true;
}

zframe_t *
members_routing (members_t *self, const char *department)
{
    assert (self && department);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    return peer? peer->routing: NULL;
}

int
members_deliver (members_t *self, const char *department, zmsg_t **msg_p)
{
    assert (self && department && msg_p && *msg_p);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (!peer || !self->router) {
        zmsg_destroy (msg_p);
        return peer? STATUS_DEPARTMENT_OFFLINE: STATUS_NOT_REGISTERED;
    }
    zframe_t *to = zframe_dup (peer->routing);
    zmsg_prepend (*msg_p, &to);
    //  ROUTER_MANDATORY and a zero send timeout: a vanished peer or a full
    //  queue is an immediate error, never a blocked broker
    if (zmsg_send (msg_p, self->router) == 0)
        return STATUS_OK;
    int status = errno == EAGAIN? STATUS_BUSY: STATUS_DEPARTMENT_OFFLINE;
    zmsg_destroy (msg_p);
    return status;
}

void
members_count (members_t *self, const char *department, bool routed)
{
    assert (self && department);
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (peer && routed)
        peer->routed++;
    else
    if (peer)
        peer->refused++;
}

void
members_heartbeat (members_t *self, truststore_t *trust, int64_t now)
{
    assert (self && trust);
    int64_t mono = zclock_mono ();
    zlist_t *gone = zlist_new ();
    for (s_peer_t *peer = (s_peer_t *) zhashx_first (self->peers); peer;
         peer = (s_peer_t *) zhashx_next (self->peers)) {
        int status = truststore_check (trust, peer->department, now, NULL);
        if (status != STATUS_OK) {
            zsys_warning ("broker: dropping %s: %s", peer->department, status_name (status));
            members_send_error (self, peer->routing, peer->department, NULL, status, NULL);
            zlist_append (gone, peer->department);
        }
        else
        if (mono - peer->last_seen > S_SILENT_INTERVALS * self->heartbeat_ms) {
            SLUICE_INFO (self->level, "broker: %s is offline (silent for %d ms)",
                         peer->department, (int) (mono - peer->last_seen));
            zlist_append (gone, peer->department);
        }
        else {
            //  A heartbeat to a connection that is gone is how the broker
            //  learns it; a full queue is said, a few lines a second
            status = members_send (self, peer->routing, peer->department, MSG_HEARTBEAT,
                                 NULL, 0);
            if (status == STATUS_DEPARTMENT_OFFLINE) {
                SLUICE_INFO (self->level, "broker: %s is offline (its connection is gone)",
                             peer->department);
                zlist_append (gone, peer->department);
            }
            else
            if (status != STATUS_OK)
                s_send_failed (self, peer->department, MSG_HEARTBEAT, status);
        }
    }
    for (char *department = (char *) zlist_first (gone); department;
         department = (char *) zlist_next (gone))
        zhashx_delete (self->peers, department);
    zlist_destroy (&gone);
}

bool
members_push_directory (members_t *self, uint64_t before, truststore_t *trust, int64_t now)
{
    assert (self && trust);
    bool revoked = false;
    zlist_t *missed = zlist_new ();
    for (s_peer_t *peer = (s_peer_t *) zhashx_first (self->peers); peer;
         peer = (s_peer_t *) zhashx_next (self->peers)) {
        if (directory_version (self->directory) != before
        &&  s_send_transfer (self, peer->routing, peer->department, before, false)
            != STATUS_OK)
            zlist_append (missed, peer->department);
        if (truststore_check (trust, peer->department, now, NULL) != STATUS_OK)
            revoked = true;
    }
    for (char *department = (char *) zlist_first (missed); department;
         department = (char *) zlist_next (missed)) {
        zsys_warning ("broker: %s did not get the directory's changes; it is to "
                      "register again", department);
        zhashx_delete (self->peers, department);
    }
    zlist_destroy (&missed);
    return revoked;
}


//  --------------------------------------------------------------------------
//  Self-test

//  A signed HELLO from `department` saying it holds (epoch, version)
static envelope_t *
s_test_hello (cert_t *cert, uint64_t epoch, uint64_t version)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (message_hello_encode (epoch, version, &buffer) == 0);
    envelope_t *hello = envelope_new (MSG_HELLO, cert_department (cert), "");
    assert (hello);
    assert (envelope_seal (hello, (uint8_t *) buffer.data, buffer.size,
                           cert_sign_secret (cert), NULL) == 0);
    msgpack_sbuffer_destroy (&buffer);
    return hello;
}

//  The type of the next envelope the dealer receives, or -1 if none comes
static int
s_test_received (zsock_t *dealer)
{
    zsock_set_rcvtimeo (dealer, 1000);
    zmsg_t *msg = zmsg_recv (dealer);
    int type = -1;
    envelope_header_t header;
    if (msg && zmsg_size (msg) == 2
    &&  envelope_header_decode (zframe_data (zmsg_first (msg)),
                                zframe_size (zmsg_first (msg)), &header) == STATUS_OK)
        type = header.type;
    zmsg_destroy (&msg);
    return type;
}

void
members_test (bool verbose)
{
    if (verbose)
        printf (" * peers: ");
    int64_t now = zclock_time () / 1000;
    cert_t *broker = cert_new ("BROKER", "Broker", CERT_ROLE_BROKER, 0, 1,
                               now - 60, now + 86400, NULL);
    cert_t *msa = cert_new ("SH-PD-MSA", "MSA", CERT_ROLE_DEPARTMENT, 3, 1,
                            now - 60, now + 86400, NULL);
    assert (broker && msa);
    directory_t *directory = directory_new ("BROKER", 1000);
    members_t *peers = members_new (broker, directory, 1000, 0);
    assert (peers && members_size (peers) == 0);

    //  Before there is a socket, nothing is sent
    zframe_t *routing = zframe_new ("gw", 2);
    assert (members_send (peers, routing, "SH-PD-MSA", MSG_HEARTBEAT, NULL, 0)
            == STATUS_DEPARTMENT_OFFLINE);
    //  A ROUTER and one gateway's DEALER, in this process
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (router);
    zsock_set_router_mandatory (router, 1);
    zsock_set_sndtimeo (router, 0);
    assert (zsock_bind (router, "inproc://peers-test") == 0);
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    assert (dealer);
    zsock_set_identity (dealer, "gw");
    assert (zsock_connect (dealer, "inproc://peers-test") == 0);
    members_set_router (peers, router);
    //  The router learns the dealer's identity from its first message
    zstr_send (dealer, "hi");
    zmsg_t *first = zmsg_recv (router);
    zmsg_destroy (&first);

    //  A HELLO registers, and is answered with a WELCOME; a repeat of it
    //  before the WELCOME could arrive is not answered twice
    envelope_t *hello = s_test_hello (msa, 0, 0);
    assert (members_register (peers, routing, envelope_header (hello), hello) == 0);
    assert (s_test_received (dealer) == MSG_WELCOME);
    assert (members_register (peers, routing, envelope_header (hello), hello) == 1);
    envelope_destroy (&hello);
    assert (members_size (peers) == 1);
    assert (members_seen (peers, "SH-PD-MSA", routing));
    zframe_t *other = zframe_new ("xx", 2);
    assert (!members_seen (peers, "SH-PD-MSA", other));
    assert (!members_seen (peers, "SH-PD-TAX", routing));
    assert (zframe_eq (members_routing (peers, "SH-PD-MSA"), routing));
    assert (members_routing (peers, "SH-PD-TAX") == NULL);
    members_count (peers, "SH-PD-MSA", true);
    members_count (peers, "SH-PD-TAX", false);            //  not known: nothing

    //  A department's frames delivered as they are, to a registered one
    zmsg_t *frames = zmsg_new ();
    zmsg_addstr (frames, "header");
    zmsg_addstr (frames, "body");
    assert (members_deliver (peers, "SH-PD-MSA", &frames) == STATUS_OK && !frames);
    zmsg_t *delivered = zmsg_recv (dealer);
    assert (delivered && zmsg_size (delivered) == 2);
    char *first_frame = zmsg_popstr (delivered);
    assert (streq (first_frame, "header"));
    zstr_free (&first_frame);
    zmsg_destroy (&delivered);
    frames = zmsg_new ();
    zmsg_addstr (frames, "header");
    assert (members_deliver (peers, "SH-PD-TAX", &frames) == STATUS_NOT_REGISTERED
            && !frames);

    //  Registry payloads by name; an ERROR on a connection
    assert (members_send_registry (peers, "SH-PD-MSA", (uint8_t *) "x", 1) == STATUS_OK);
    assert (s_test_received (dealer) == MSG_REGISTRY);
    assert (members_send_registry (peers, "SH-PD-TAX", (uint8_t *) "x", 1)
            == STATUS_NOT_REGISTERED);
    members_send_error (peers, routing, "SH-PD-MSA", NULL, STATUS_BAD_TYPE, NULL);
    assert (s_test_received (dealer) == MSG_ERROR);
    //  A connection that is gone: an ERROR to it is dropped, logged
    members_send_error (peers, other, "SH-PD-XX", NULL, STATUS_BAD_TYPE, NULL);

    //  The heartbeat: a peer the store does not trust is told and dropped
    authority_t *authority = authority_new ("Test", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    members_heartbeat (peers, trust, now);
    assert (s_test_received (dealer) == MSG_ERROR);
    assert (members_size (peers) == 0);
    //  ... one it trusts is heartbeaten; nothing changed: nothing pushed
    hello = s_test_hello (msa, 0, 0);
    assert (members_register (peers, routing, envelope_header (hello), hello) == 0);
    envelope_destroy (&hello);
    assert (s_test_received (dealer) == MSG_WELCOME);
    cert_t *copy = cert_dup (msa);
    cert_sign_by (copy, authority);
    cert_sign_by (msa, authority);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    members_heartbeat (peers, trust, now);
    assert (s_test_received (dealer) == MSG_HEARTBEAT);
    assert (!members_push_directory (peers, directory_version (directory), trust, now));
    assert (s_test_received (dealer) == -1);
    //  ... and gets what changed after a reload
    uint64_t before = directory_version (directory);
    assert (directory_update (directory, trust) == 1);
    assert (!members_push_directory (peers, before, trust, now));
    assert (s_test_received (dealer) == MSG_DIRECTORY);
    //  Revoked meanwhile: said, so that the broker closes the connections
    assert (members_push_directory (peers, before, trust, now + 86400 * 2));
    assert (s_test_received (dealer) == MSG_DIRECTORY);
    members_purge (peers);
    assert (members_size (peers) == 0);

    zframe_destroy (&routing);
    zframe_destroy (&other);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
    truststore_destroy (&trust);
    authority_destroy (&authority);
    members_destroy (&peers);
    members_destroy (&peers);             //  safe twice
    directory_destroy (&directory);
    cert_destroy (&msa);
    cert_destroy (&broker);
    if (verbose)
        printf ("OK\n");
}
