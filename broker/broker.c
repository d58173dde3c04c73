/*  broker.c -- sluice-broker: routes sealed messages between certified
    department gateways, and never opens a body.

    Threading: one thread, one zloop. The ZAP handler is a socket in the same
    loop; libzmq holds a connecting peer's handshake until it answers. A
    monitor of the ROUTER, also in the loop, counts and caps connections
    (connections.c); ZeroMQ runs one I/O thread, which that relies on.

    This file is the routing and the wiring: the sockets, ZAP, the loop and
    its timers, the trust put in service. The registered gateways and the
    broker's own messages to them (WELCOMEs, directory pushes, heartbeats)
    are members.c's; the registry's requests keeper.c's; admission zap.c's;
    reading the certificates and the revocation list, in a thread of its
    own so that the loop never waits on ten thousand files, loader.c's;
    the store-and-forward of notices, alerts and receipts relay.c's.
*/

#include "broker.h"
#include "zap.h"
#include "directory.h"
#include "connections.h"
#include "members.h"
#include "keeper.h"
#include "loader.h"
#include "relay.h"
#include "ratelog.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "truststore.h"
#include "authority.h"
#include "envelope.h"
#include "message.h"
#include "status.h"
#include <sodium.h>
#include <dirent.h>
#include <sys/resource.h>
#include <stdarg.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

//  Descriptors kept for the broker's own use beyond those open at start:
//  a reload (each certificate changed, the list: loader.h holds the
//  directory open), the list written by a publication, SQLite's journals,
//  the sockets of a rebind. Connections get the rest (connections.c).
//  libzmq accepts before the caps can act, so a burst of connections can
//  still take these for a moment: what needs them then tries again.
#define S_RESERVED_FDS 32

//  Messages read in one batch: what the relay holds of them is made
//  durable with one sync, before their senders are told QUEUED
#define S_BATCH_MAX 256

struct _broker_t {
    conf_t *conf;               //  borrowed
    cert_t *cert;               //  our certificate, with secrets
    const char *id;             //  our department id (from cert)
    uint8_t authority [32];
    truststore_t *trust;
    keeper_t *keeper;           //  the federation's registry
    zsock_t *router;            //  NULL while a rebind waits for descriptors
    zsock_t *zap;
    zloop_t *loop;
    members_t *members;            //  the registered gateways
    relay_t *relay;             //  notices, alerts and receipts held
    directory_t *directory;     //  certificates and list, numbered, paged
    loader_t *loader;           //  reads the trust when its files change
    connections_t *connections; //  the router's connections, capped
    connections_caps_t caps;
    zsock_t *pipe;              //  the daemon's (SIGHUP), borrowed; NULL none
    size_t reloads_asked;       //  SIGHUPs whose reload has not ended
    int64_t heartbeat_ms;
    int level;                  //  log level 0 error .. 3 debug
    ratelog_t *refusal_log;     //  refused messages
    ratelog_t *zap_log;         //  refused connections: a flood of bad
                                //  messages does not hide them
    ratelog_t *department_cap_log;  //  connections refused over a cap, one
    ratelog_t *address_cap_log;     //  log for each: a flood of one kind of
                                    //  refusal hides no other kind
    ratelog_t *reload_log;      //  reloads that wait for descriptors
};

static int s_rebind (broker_t *self);


//  --------------------------------------------------------------------------
//  The trust: certificates and the revocation list, put in service

//  Puts a trust in service: `*fresh_p` (owned, from the loader), or, with
//  NULL, the one in service again after a revocation list was published.
//  The list never goes back (keeper.h); the directory numbers what
//  changed, and every gateway is sent it (one the delta cannot reach is
//  forgotten, members.h); revoked peers are told and dropped at once, not
//  at the next heartbeat.
static void
s_trust_apply (broker_t *self, truststore_t **fresh_p)
{
    truststore_t *trust = fresh_p? *fresh_p: self->trust;
    char *note = NULL;
    if (keeper_crl_floor (self->keeper, trust, &note))
        zsys_error ("broker: %s", note);
    else
    if (note)
        zsys_warning ("broker: %s", note);
    zstr_free (&note);
    if (fresh_p) {
        truststore_destroy (&self->trust);
        self->trust = trust;
        *fresh_p = NULL;
    }
    uint64_t before = directory_version (self->directory);
    size_t changes = directory_update (self->directory, trust);
    SLUICE_INFO (self->level, "broker: trusting %zu certificates%s; directory version %"
                 PRIu64 " (%zu changes)", truststore_size (trust),
                 truststore_crl (trust)? ", with a revocation list": "",
                 directory_version (self->directory), changes);
    int64_t now = zclock_time () / 1000;
    bool revoked = members_push_directory (self->members, before, trust, now);
    members_heartbeat (self->members, trust, now);
    if (revoked && self->loop)
        s_rebind (self);
}


//  --------------------------------------------------------------------------
//  Routing

//  What the registry sends goes to a registered department, by name
static int
s_keeper_send (void *arg, const char *department, const uint8_t *payload, size_t size)
{
    broker_t *self = (broker_t *) arg;
    return members_send_registry (self->members, department, payload, size);
}

//  Messages addressed to the broker itself ("to" is empty).
static void
s_handle_own (broker_t *self, zframe_t *routing, zmsg_t *msg,
              const envelope_header_t *header, cert_t *sender)
{
    int status;
    envelope_t *envelope = envelope_decode (msg, &status);
    if (envelope)
        status = envelope_open (envelope, NULL, cert_sign_public (sender));
    if (status != STATUS_OK)
        members_send_error (self->members, routing, header->from, header->id, status, NULL);
    else
    if (header->type == MSG_HELLO) {
        //  Registered, a repeat, or refused: each is answered and logged by
        //  members_register. The registry's catch-up is not pushed here: the
        //  gateway asks for it (a sync) once its WELCOME is in
        //  What is held for it follows the directory, on the same connection
        int registered = members_register (self->members, routing, header, envelope);
        if (registered < 0)
            SLUICE_DEBUG (self->level, "broker: %s is not registered", header->from);
        else
        if (registered == 0)
            relay_registered (self->relay, header->from);
    }
    else
    if ((header->type == MSG_REGISTRY || header->type == MSG_HEARTBEAT)
    &&  !members_seen (self->members, header->from, routing))
        members_send_error (self->members, routing, header->from, header->id,
                          STATUS_NOT_REGISTERED, NULL);
    else
    if (header->type == MSG_REGISTRY) {
        //  A new revocation list was published: it is in force at once in
        //  the trust in service (keeper.h), and goes out with the directory;
        //  the loader reads the file it was written to a second later
        if (keeper_handle (self->keeper, self->trust, header, envelope,
                           s_keeper_send, self))
            s_trust_apply (self, NULL);
    }
    else
    if (header->type != MSG_HEARTBEAT)
        members_send_error (self->members, routing, header->from, header->id, STATUS_BAD_TYPE,
                          "this message type is not for the broker");
    envelope_destroy (&envelope);
}

//  Logs a refusal of what `department`'s connection sent, naming its
//  CURVE key when the broker holds its certificate; at most a few lines a
//  second however many are refused (the answer, an ERROR, goes every time).
static void
s_refusal (broker_t *self, const char *department, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_refusal (broker_t *self, const char *department, const char *format, ...)
{
    uint64_t skipped = 0;
    if (!ratelog_allow (self->refusal_log, zclock_mono (), &skipped))
        return;
    va_list arguments;
    va_start (arguments, format);
    char *what = zsys_vprintf (format, arguments);
    va_end (arguments);
    cert_t *cert = self->trust? truststore_lookup (self->trust, department): NULL;
    char note [64];
    zsys_warning ("broker: refused a message from %s (CURVE key %s): %s%s", department,
                  cert? cert_curve_public_txt (cert): "unknown", what,
                  ratelog_note (skipped, note, sizeof (note)));
    zstr_free (&what);
}

//  Routes a department-to-department message without opening it.
static void
s_route (broker_t *self, zframe_t *routing, zmsg_t **msg_p,
         const envelope_header_t *header)
{
    if (!members_seen (self->members, header->from, routing)) {
        members_send_error (self->members, routing, header->from, header->id,
                          STATUS_NOT_REGISTERED, NULL);
        return;
    }
    if (!(header->flags & ENVELOPE_FLAG_SEALED)) {
        members_count (self->members, header->from, false);
        members_send_error (self->members, routing, header->from, header->id, STATUS_BAD_TYPE,
                          "messages between departments must be sealed");
        return;
    }
    //  Only what version 1 carries between departments: the broker's own
    //  types (HELLO, WELCOME, HEARTBEAT, DIRECTORY, REGISTRY) and the
    //  reserved ones are refused here, not delivered to be dropped
    if (!envelope_type_departmental (header->type)) {
        members_count (self->members, header->from, false);
        s_refusal (self, header->from, "%s to %s: BAD_TYPE",
                   envelope_type_name (header->type), header->to);
        char reason [96];
        snprintf (reason, sizeof (reason), "%s is not carried between departments",
                  envelope_type_name (header->type));
        members_send_error (self->members, routing, header->from, header->id, STATUS_BAD_TYPE,
                          reason);
        return;
    }
    //  Notices, alerts and receipts are stored and forwarded
    if (relay_carries (header->type)) {
        relay_handle (self->relay, self->trust, routing, msg_p, header);
        return;
    }
    int status = members_deliver (self->members, header->to, msg_p);
    if (status == STATUS_NOT_REGISTERED)
        status = truststore_lookup (self->trust, header->to)?
                 STATUS_DEPARTMENT_OFFLINE: STATUS_UNKNOWN_DEPARTMENT;
    members_count (self->members, header->from, status == STATUS_OK);
    if (status != STATUS_OK)
        members_send_error (self->members, routing, header->from, header->id, status, NULL);
}

//  One message from the ROUTER, from the connection ZAP admitted as `user`
//  (its User-Id, "" if none): checked, then the broker's own or routed.
static void
s_router_message (broker_t *self, zmsg_t *msg, const char *user)
{
    zframe_t *routing = zmsg_pop (msg);
    zframe_t *header_frame = zmsg_first (msg);
    envelope_header_t header;
    int status = STATUS_MALFORMED;
    if (header_frame && zmsg_size (msg) == 2) {
        zframe_t *body = zmsg_next (msg);
        status = zframe_size (body) > ENVELOPE_BODY_MAX? STATUS_TOO_LARGE:
            envelope_header_decode (zframe_data (header_frame),
                                    zframe_size (header_frame), &header);
    }
    if (!*user) {
        zsys_warning ("broker: message without an authenticated department, dropped");
        status = -1;
    }
    else
    if (status != STATUS_OK) {
        s_refusal (self, user, "a bad message: %s", status_name (status));
        members_send_error (self->members, routing, user, NULL, status, NULL);
    }
    else
    if (!streq (header.from, user)) {
        s_refusal (self, user, "a message claiming to be from %s: SENDER_MISMATCH",
                   header.from);
        members_send_error (self->members, routing, user, header.id, STATUS_SENDER_MISMATCH, NULL);
        status = -1;
    }
    if (status == STATUS_OK) {
        cert_t *sender = NULL;
        status = truststore_check (self->trust, header.from, zclock_time () / 1000, &sender);
        if (status != STATUS_OK) {
            s_refusal (self, header.from, "%s: %s", envelope_type_name (header.type),
                       status_name (status));
            members_send_error (self->members, routing, header.from, header.id, status,
                              NULL);
        }
        else
        if (header.to [0] == 0)
            s_handle_own (self, routing, msg, &header, sender);
        else
            s_route (self, routing, &msg, &header);
    }
    zframe_destroy (&routing);
    zmsg_destroy (&msg);
}

//  Reads what is waiting (up to S_BATCH_MAX messages), then makes what the
//  relay held of them durable and tells their senders.
static int
s_router_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    //  The department ZAP admitted each connection as, its User-Id; the
    //  connection is bound to it (the caps on admitted connections,
    //  connections.h)
    char user [ENVELOPE_DEPT_MAX + 1];
    zmsg_t *msg;
    int batch = 0;
    while (batch++ < S_BATCH_MAX
       && (msg = connections_recv (self->connections, reader, user, sizeof (user)))) {
        s_router_message (self, msg, user);
        //  A new revocation list may have closed every connection
        if (self->router != reader || !(zsock_events (reader) & ZMQ_POLLIN))
            break;
    }
    relay_commit (self->relay);
    return 0;
}

//  ZAP: admit a CURVE client only if its key belongs to a certificate the
//  authority signed, valid now and not revoked, and neither its department
//  nor its address holds as many connections as allowed (zap.c decides).
//  The department id becomes the connection's User-Id, which every message
//  then carries. The monitor is drained first: connections.c explains why
//  that keeps its shutdowns off admitted connections.
static int
s_zap_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    if (self->connections)
        connections_drain (self->connections);
    zmsg_t *request = zmsg_recv (reader);
    if (!request)
        return 0;
    char *refusal = NULL;
    zap_verdict_t verdict;
    zmsg_t *reply = zap_reply (request, self->trust, zclock_time () / 1000,
                               self->connections, &refusal, &verdict);
    if (refusal) {
        uint64_t skipped = 0;
        char note [64];
        ratelog_t *log = !verdict.cap? self->zap_log:
                         streq (verdict.cap, CONNECTIONS_CAP_DEPARTMENT)?
                         self->department_cap_log: self->address_cap_log;
        if (ratelog_allow (log, zclock_mono (), &skipped))
            zsys_warning ("broker: %s%s", refusal, ratelog_note (skipped, note, sizeof (note)));
        zstr_free (&refusal);
    }
    if (zmsg_send (&reply, reader))
        zsys_error ("broker: cannot answer a ZAP request: %s", zmq_strerror (zmq_errno ()));
    zmsg_destroy (&reply);
    zmsg_destroy (&request);
    return 0;
}

static int
s_connections_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    if (self->connections)
        connections_drain (self->connections);
    return 0;
}


//  --------------------------------------------------------------------------
//  Timers and the pipe

//  Drops peers that are silent or no longer trusted; heartbeats the rest.
static int
s_heartbeat_timer (zloop_t *loop, int timer_id, void *argument)
{
    broker_t *self = (broker_t *) argument;
    members_heartbeat (self->members, self->trust, zclock_time () / 1000);
    relay_tick (self->relay);
    return 0;
}

//  A rebind that waits for descriptors is tried again every second
static int
s_rebind_timer (zloop_t *loop, int timer_id, void *argument)
{
    broker_t *self = (broker_t *) argument;
    return self->router? 0: s_rebind (self);
}

//  A read of the trust ended (loader.h): what was read is put in service;
//  one that failed keeps the previous trust, files that are wrong until
//  they change, a shortage of descriptors until the loader's next try, a
//  second later. A SIGHUP is answered once its read has ended.
static int
s_loader_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    truststore_t *trust = NULL;
    bool forced = false;
    char *error = NULL;
    loader_result_t result = loader_recv (self->loader, &trust, &forced, &error);
    if (result == LOADER_LOADED)
        s_trust_apply (self, &trust);
    else
    if (result == LOADER_RETRY) {
        if (ratelog_allow (self->reload_log, zclock_mono (), NULL))
            zsys_error ("broker: reload failed, keeping the previous trust, trying again "
                        "in a second: %s", error);
    }
    else
        zsys_error ("broker: reload failed, keeping the previous trust: %s", error);
    zstr_free (&error);
    for (; forced && self->reloads_asked; self->reloads_asked--)
        if (self->pipe)
            zsock_signal (self->pipe, 0);
    return 0;
}

//  "RELOAD" (SIGHUP, see daemon.h) reads the certificates and the
//  revocation list again now, whether or not their files look changed,
//  and is answered with a signal once that read has ended; any other
//  command ends the actor.
static int
s_pipe_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    char *command = zstr_recv (reader);
    bool reload = command && streq (command, "RELOAD");
    zstr_free (&command);
    if (!reload)
        return -1;
    SLUICE_INFO (self->level, "broker: SIGHUP: reloading the certificates and the "
                 "revocation list");
    loader_reload (self->loader);
    self->reloads_asked++;
    return 0;
}


//  --------------------------------------------------------------------------
//  Sockets

//  The CURVE server socket and the monitor that caps its connections; ZAP
//  must be bound first. On failure nothing is left half made.
static int
s_bind_router (broker_t *self, char **error)
{
    conf_t *conf = self->conf;
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->router) {
        *error = zsys_sprintf ("cannot create the broker's socket: %s",
                               zmq_strerror (zmq_errno ()));
        return -1;
    }
    zsock_set_router_mandatory (self->router, 1);
    zsock_set_sndtimeo (self->router, 0);
    zsock_set_sndhwm (self->router, (int) conf_int (conf, "broker/queue-limit"));
    zsock_set_rcvhwm (self->router, (int) conf_int (conf, "broker/queue-limit"));
    zsock_set_maxmsgsize (self->router, ENVELOPE_BODY_MAX + 4096);
    zsock_set_heartbeat_ivl (self->router, (int) self->heartbeat_ms);
    zsock_set_heartbeat_timeout (self->router, (int) self->heartbeat_ms * 3);
    //  A connection silent in its handshake holds a descriptor this long
    zsock_set_handshake_ivl (self->router, (int) self->caps.handshake_ms);
    zsock_set_zap_domain (self->router, ZAP_DOMAIN);
    zcert_apply (cert_zcert (self->cert), self->router);
    zsock_set_curve_server (self->router, 1);
    self->connections = connections_new (self->router, &self->caps, self->level);
    if (!self->connections) {
        *error = zsys_sprintf ("cannot monitor the broker's socket: %s",
                               zmq_strerror (zmq_errno ()));
        zsock_destroy (&self->router);
        return -1;
    }
    const char *endpoint = conf_str (conf, "broker/endpoint");
    //  After a rebind the old socket may hold the port for a moment
    for (int attempt = 0; attempt < 20; attempt++) {
        if (zsock_bind (self->router, "%s", endpoint) >= 0) {
            members_set_router (self->members, self->router);
            return 0;
        }
        zclock_sleep (50);
    }
    *error = zsys_sprintf ("cannot bind %s: %s (broker/endpoint)", endpoint,
                           zmq_strerror (zmq_errno ()));
    connections_destroy (&self->connections);
    zsock_destroy (&self->router);
    return -1;
}

//  ZeroMQ has no way to close one peer's connection: to drop a department
//  that was revoked while connected, every connection is closed and the
//  others come back through ZAP within a heartbeat, while the revoked one
//  is refused there. If the new socket cannot be made (no descriptor
//  left), the rebind timer tries again every second.
static int
s_rebind (broker_t *self)
{
    if (self->router) {
        zloop_reader_end (self->loop, connections_socket (self->connections));
        zloop_reader_end (self->loop, self->router);
        connections_destroy (&self->connections);
        zsock_set_linger (self->router, 200);       //  let the last errors out
        members_set_router (self->members, NULL);
        zsock_destroy (&self->router);
        members_purge (self->members);
    }
    char *error = NULL;
    if (s_bind_router (self, &error)) {
        if (ratelog_allow (self->reload_log, zclock_mono (), NULL))
            zsys_error ("broker: %s; trying again in a second", error);
        zstr_free (&error);
        return 0;
    }
    zloop_reader (self->loop, self->router, s_router_event, self);
    zloop_reader (self->loop, connections_socket (self->connections),
                  s_connections_event, self);
    SLUICE_INFO (self->level, "broker: closed every connection to drop revoked departments; "
               "the others reconnect");
    return 0;
}

//  Descriptors open in this process now (Linux: /proc/self/fd), or a
//  generous guess where that cannot be read.
static size_t
s_descriptors_open (void)
{
    DIR *handle = opendir ("/proc/self/fd");
    if (!handle)
        return 64;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (handle)))
        if (entry->d_name [0] != '.')
            count++;
    closedir (handle);
    return count > 0? count - 1: 0;         //  not the one reading it
}

//  As many descriptors as the system lets us have (the soft limit raised
//  to the hard one), and the caps on connections that follow: every
//  connection costs a descriptor, and S_RESERVED_FDS stay for the
//  broker's own files and sockets.
static void
s_set_caps (broker_t *self)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        struct rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    size_t descriptors = limit.rlim_cur == RLIM_INFINITY? (size_t) 1 << 20:
                                                          (size_t) limit.rlim_cur;
    //  The sockets made after this point (ZAP, router, monitor) count too.
    //  Beyond the broker's own reserve, a quarter of the rest is kept free
    //  for connections that libzmq accepted and the monitor has not yet
    //  reported: a burst of them must not reach the limit
    size_t in_use = s_descriptors_open () + 8;
    size_t spare = descriptors > in_use? descriptors - in_use: 0;
    size_t reserve = S_RESERVED_FDS + spare / 4;
    self->caps.connections_max = spare > reserve + 8? spare - reserve: 8;
    self->caps.handshakes_max = (size_t) conf_int (self->conf, "broker/handshakes-max");
    self->caps.handshakes_per_address =
        (size_t) conf_int (self->conf, "broker/handshakes-per-address");
    self->caps.handshake_ms = conf_int (self->conf, "broker/handshake-ms");
    self->caps.admitted_per_department =
        (size_t) conf_int (self->conf, "broker/connections-per-department");
    self->caps.admitted_per_address =
        (size_t) conf_int (self->conf, "broker/connections-per-address");
    SLUICE_INFO (self->level, "broker: %zu descriptors: at most %zu connections, %zu in "
                 "their handshake (%zu from one address), each given %d ms; %zu admitted "
                 "of one department, %zu from one address", descriptors,
                 self->caps.connections_max, self->caps.handshakes_max,
                 self->caps.handshakes_per_address, (int) self->caps.handshake_ms,
                 self->caps.admitted_per_department, self->caps.admitted_per_address);
}


//  --------------------------------------------------------------------------
//  Construction

//  The broker's certificate and the authority, checked against each other.
//  0, or -1 and *error.
static int
s_load_identity (broker_t *self, char **error)
{
    const char *cert_path = conf_str (self->conf, "broker/cert");
    char *reason = NULL;
    self->cert = certtext_load (cert_path, &reason);
    if (!self->cert || !cert_has_secret (self->cert)) {
        *error = zsys_sprintf ("%s: cannot load the broker's certificate with its "
                               "secret keys (broker/cert): %s", cert_path,
                               reason? reason: "it holds no secret keys");
        zstr_free (&reason);
        return -1;
    }
    self->id = cert_department (self->cert);
    const char *authority_path = conf_str (self->conf, "broker/authority");
    authority_t *authority = authority_load (authority_path, &reason);
    if (!authority) {
        *error = zsys_sprintf ("%s: cannot load the authority key (broker/authority): %s",
                               authority_path, reason);
        zstr_free (&reason);
        return -1;
    }
    memcpy (self->authority, authority_public (authority), 32);
    authority_destroy (&authority);
    if (cert_verify (self->cert, self->authority)
    ||  !streq (cert_role (self->cert), "broker")) {
        *error = zsys_sprintf ("%s: not a broker certificate signed by this authority",
                               cert_path);
        return -1;
    }
    return 0;
}

broker_t *
broker_new (conf_t *conf, char **error)
{
    assert (conf && error);
    broker_t *self = (broker_t *) zmalloc (sizeof (broker_t));
    assert (self);
    self->conf = conf;
    self->heartbeat_ms = conf_int (conf, "broker/heartbeat-ms");
    self->level = conf_level (conf, "broker/log-level");
    self->refusal_log = ratelog_new (20, 10000);
    self->zap_log = ratelog_new (20, 10000);
    self->department_cap_log = ratelog_new (20, 10000);
    self->address_cap_log = ratelog_new (20, 10000);
    self->reload_log = ratelog_new (1, 10000);
    if (s_load_identity (self, error)) {
        broker_destroy (&self);
        return NULL;
    }
    self->directory = directory_new (self->id, (uint64_t) self->heartbeat_ms);
    self->members = members_new (self->cert, self->directory, self->heartbeat_ms, self->level);
    //  The registry before the trust: it keeps the newest revocation list
    self->keeper = keeper_new (conf_str (conf, "broker/state"), self->authority,
                               conf_str (conf, "broker/crl"),
                               (size_t) conf_int (conf, "broker/order-limit"),
                               self->level, error);
    truststore_t *trust = NULL;
    if (self->keeper)
        self->loader = loader_new (self->authority, conf_str (conf, "broker/certs"),
                                   conf_str (conf, "broker/crl"), &trust, error);
    if (!self->loader) {
        broker_destroy (&self);
        return NULL;
    }
    s_trust_apply (self, &trust);
    self->relay = relay_new (conf_str (conf, "broker/state"), self->members,
                             (size_t) conf_int (conf, "broker/queue-per-sender"),
                             (int) conf_int (conf, "broker/queue-days"), self->level, error);
    if (!self->relay) {
        broker_destroy (&self);
        return NULL;
    }
    SLUICE_INFO (self->level, "broker: %" PRId64 " notices, alerts and receipts held for "
                 "delivery", relay_held (self->relay));
    //  The caps count what is open by now: the registry, the queue, the loader
    s_set_caps (self);
    //  The ZAP handler must be bound before the CURVE socket accepts anyone
    self->zap = zsock_new (ZMQ_REP);
    if (zsock_bind (self->zap, S_ZAP_ENDPOINT) != 0) {
        *error = strdup ("cannot bind the ZAP handler (another broker in this process?)");
        broker_destroy (&self);
        return NULL;
    }
    if (s_bind_router (self, error)) {
        broker_destroy (&self);
        return NULL;
    }
    const char *endpoint = conf_str (conf, "broker/endpoint");
    SLUICE_INFO (self->level, "broker: %s listening on %s", self->id, endpoint);
    return self;
}

void
broker_destroy (broker_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        broker_t *self = *self_p;
        zloop_destroy (&self->loop);
        loader_destroy (&self->loader);
        connections_destroy (&self->connections);
        zsock_destroy (&self->router);
        zsock_destroy (&self->zap);
        relay_destroy (&self->relay);
        members_destroy (&self->members);
        truststore_destroy (&self->trust);
        keeper_destroy (&self->keeper);
        cert_destroy (&self->cert);
        directory_destroy (&self->directory);
        ratelog_destroy (&self->refusal_log);
        ratelog_destroy (&self->zap_log);
        ratelog_destroy (&self->department_cap_log);
        ratelog_destroy (&self->address_cap_log);
        ratelog_destroy (&self->reload_log);
        free (self);
        *self_p = NULL;
    }
}

int
broker_run (broker_t *self, zsock_t *pipe)
{
    assert (self);
    self->loop = zloop_new ();
    zloop_reader (self->loop, self->router, s_router_event, self);
    zloop_reader (self->loop, connections_socket (self->connections),
                  s_connections_event, self);
    zloop_reader (self->loop, self->zap, s_zap_event, self);
    zloop_reader (self->loop, loader_socket (self->loader), s_loader_event, self);
    self->pipe = pipe;
    if (pipe)
        zloop_reader (self->loop, pipe, s_pipe_event, self);
    zloop_timer (self->loop, (size_t) self->heartbeat_ms, 0, s_heartbeat_timer, self);
    zloop_timer (self->loop, 1000, 0, s_rebind_timer, self);
    zloop_start (self->loop);
    SLUICE_INFO (self->level, "broker: stopping");
    return 0;
}

void
broker_actor (zsock_t *pipe, void *args)
{
    char *error = NULL;
    broker_t *self = broker_new ((conf_t *) args, &error);
    if (!self) {
        zsys_error ("broker: %s", error);
        zstr_free (&error);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    broker_run (self, pipe);
    broker_destroy (&self);
}

void
broker_test (bool verbose)
{
    if (verbose)
        printf (" * broker: ");
    //  A configuration that names missing files is refused with the path
    //  and why
    conf_t *conf = conf_new (settings_broker);
    char *error = NULL;
    assert (conf_check (conf, &error) == -1);
    assert (strstr (error, "broker/endpoint"));
    zstr_free (&error);
    assert (conf_set (conf, "broker/endpoint", "tcp://127.0.0.1:*", &error) == 0);
    assert (conf_set (conf, "broker/cert", "/nonexistent/broker.cert_secret", &error) == 0);
    assert (conf_set (conf, "broker/authority", "/nonexistent/authority.pub", &error) == 0);
    assert (conf_set (conf, "broker/certs", "/nonexistent", &error) == 0);
    broker_t *broker = broker_new (conf, &error);
    assert (!broker);
    assert (error && strstr (error, "/nonexistent/broker.cert_secret")
                  && strstr (error, "No such file or directory"));
    zstr_free (&error);
    conf_destroy (&conf);
    //  Routing, ZAP and refusals are driven through the real daemons by
    //  tests/run.sh, where each runs in its own process; the peers and the
    //  registry have self-tests of their own.
    if (verbose)
        printf ("OK\n");
}
