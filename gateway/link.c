/*  link.c -- a gateway's connection to one broker.  */

#include "link.h"
#include "message.h"
#include "status.h"
#include "conf.h"
#include <stdarg.h>

//  The events the monitor reports: enough to say why we are not registered
#define S_EVENTS    (ZMQ_EVENT_CONNECT_RETRIED \
                   | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED \
                   | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL \
                   | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL \
                   | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

struct _link_t {
    cert_t *own;                //  borrowed
    cert_t *broker;             //  borrowed
    char *endpoint;
    zsock_t *socket;
    zsock_t *monitor;           //  PAIR: the socket monitor's events
    bool registered;
    int64_t heard;              //  monotonic ms of the last broker message
    int64_t heartbeat_ms;
    int level;
    int64_t hello_sent;         //  monotonic ms of the last HELLO
    bool handshaken;            //  the last handshake succeeded, still up
    bool ever_handshaken;       //  one succeeded with this broker's key
    bool refused;               //  the last handshake was refused at ZAP,
                                //  none succeeded since
    int64_t reconnect_at;       //  monotonic ms to connect again; 0: none
    int64_t backoff_ms;         //  the wait after the next refusal
    char state [LINK_STATE_MAX];    //  why not registered, in words
    dirsync_t *directory;       //  what we hold of the broker's directory
};

//  Sets the state text and, if it changed, logs it: a problem as a
//  warning, a step on the way (connected, registered) at debug level. A
//  link refused over and over says so once, not at every attempt.
static void
s_set_state (link_t *self, bool problem, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_set_state (link_t *self, bool problem, const char *format, ...)
{
    char state [LINK_STATE_MAX];
    va_list argptr;
    va_start (argptr, format);
    vsnprintf (state, sizeof (state), format, argptr);
    va_end (argptr);
    if (streq (state, self->state))
        return;
    snprintf (self->state, sizeof (self->state), "%s", state);
    if (problem)
        zsys_warning ("gateway: not registered with broker %s at %s: %s",
                      cert_department (self->broker), self->endpoint, state);
    else
        SLUICE_DEBUG (self->level, "gateway: broker %s at %s: %s",
                      cert_department (self->broker), self->endpoint, state);
}

//  Connects the socket to the broker (again); the monitor stays.
static int
s_connect (link_t *self)
{
    //  A refused handshake left no session behind: disconnecting may say
    //  there is nothing to disconnect, which is what we expect
    zsock_disconnect (self->socket, "%s", self->endpoint);
    return zsock_connect (self->socket, "%s", self->endpoint);
}

link_t *
link_new (cert_t *own, cert_t *broker, const char *endpoint,
          int64_t heartbeat_ms, int level, char **error)
{
    assert (own && broker && endpoint && error);
    link_t *self = (link_t *) zmalloc (sizeof (link_t));
    assert (self);
    self->own = own;
    self->broker = broker;
    self->endpoint = strdup (endpoint);
    self->heartbeat_ms = heartbeat_ms;
    self->level = level;
    self->directory = dirsync_new ();
    self->socket = zsock_new (ZMQ_DEALER);
    zcert_apply (cert_zcert (own), self->socket);
    zsock_set_curve_serverkey (self->socket, cert_curve_public_txt (broker));
    //  Never block, never queue for a broker that is not there: a query
    //  fails at once and may take another link (link_send_sealed sends
    //  only while a handshake is up). Not by ZMQ_IMMEDIATE: with it,
    //  libzmq 4.3 drops the connection's queue when the broker goes, and
    //  aborts the process (fq.cpp "!_more") if that happens while a
    //  message of two frames is being read, as it is whenever a broker is
    //  killed at the wrong moment
    zsock_set_sndtimeo (self->socket, 0);
    zsock_set_immediate (self->socket, 0);
    zsock_set_sndhwm (self->socket, 10000);
    zsock_set_maxmsgsize (self->socket, ENVELOPE_BODY_MAX + 4096);
    zsock_set_heartbeat_ivl (self->socket, (int) heartbeat_ms);
    zsock_set_heartbeat_timeout (self->socket, (int) heartbeat_ms * 3);
    zsock_set_reconnect_ivl (self->socket, LINK_BACKOFF_MIN_MS);
    zsock_set_reconnect_ivl_max (self->socket, LINK_BACKOFF_MAX_MS);
    zsock_set_linger (self->socket, 0);
    self->backoff_ms = LINK_BACKOFF_MIN_MS;
    snprintf (self->state, sizeof (self->state), "connecting");
    //  The monitor first, so that the first handshake is seen too; each
    //  link's inproc endpoint is named by its address, unique in the process
    char monitor [64];
    snprintf (monitor, sizeof (monitor), "inproc://sluice-link-monitor-%p", (void *) self);
    if (zmq_socket_monitor (zsock_resolve (self->socket), monitor, S_EVENTS)
    ||  !(self->monitor = zsock_new_pair (monitor))) {
        *error = zsys_sprintf ("cannot monitor the connection to %s: %s", endpoint,
                               zmq_strerror (zmq_errno ()));
        link_destroy (&self);
    }
    else
    if (s_connect (self) < 0) {
        *error = zsys_sprintf ("cannot connect to %s (gateway/broker)", endpoint);
        link_destroy (&self);
    }
    return self;
}

void
link_destroy (link_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        link_t *self = *self_p;
        if (self->monitor)
            zmq_socket_monitor (zsock_resolve (self->socket), NULL, 0);
        zsock_destroy (&self->monitor);
        zsock_destroy (&self->socket);
        dirsync_destroy (&self->directory);
        free (self->endpoint);
        free (self);
        *self_p = NULL;
    }
}

zsock_t *
link_socket (link_t *self)
{
    return self->socket;
}

zsock_t *
link_monitor (link_t *self)
{
    return self->monitor;
}

const char *
link_state (link_t *self)
{
    return self->registered? "registered": self->state;
}

cert_t *
link_broker (link_t *self)
{
    return self->broker;
}

const char *
link_broker_id (link_t *self)
{
    return cert_department (self->broker);
}

const char *
link_endpoint (link_t *self)
{
    return self->endpoint;
}

bool
link_registered (link_t *self)
{
    return self->registered;
}

dirsync_t *
link_directory (link_t *self)
{
    return self->directory;
}

int
link_send (link_t *self, envelope_t *envelope, const uint8_t *payload,
           size_t size, const uint8_t *box_key)
{
    if (envelope_seal (envelope, payload, size, cert_sign_secret (self->own), box_key))
        return -1;
    return link_send_sealed (self, envelope);
}

int
link_send_sealed (link_t *self, envelope_t *envelope)
{
    int rc = -1;
    if (self->handshaken) {
        zmsg_t *msg = envelope_encode (envelope);
        rc = zmsg_send (&msg, self->socket);
        zmsg_destroy (&msg);
    }
    //  A send fails when no connection is up (or its queue is full): the
    //  broker is gone, whatever its last heartbeat said; register again
    if (rc && self->registered) {
        self->registered = false;
        zsys_warning ("gateway: broker %s unreachable, registering again",
                      link_broker_id (self));
        s_set_state (self, true, "the broker became unreachable, registering again");
    }
    return rc;
}

//  A HELLO says what we hold of the broker's directory, so that it sends
//  only what changed since; a HEARTBEAT carries an empty map. One that
//  cannot go (no connection is up) is not queued; the state says why and
//  the next tick tries again.
static void
s_send_own (link_t *self, int type)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    if (type == MSG_HELLO) {
        self->hello_sent = zclock_mono ();
        message_hello_encode (dirsync_epoch (self->directory),
                              dirsync_version (self->directory), &buffer);
    }
    else
        msgpack_sbuffer_write (&buffer, "\x80", 1);
    envelope_t *envelope = envelope_new (type, cert_department (self->own), "");
    if (link_send (self, envelope, (const uint8_t *) buffer.data, buffer.size, NULL))
        SLUICE_DEBUG (self->level, "gateway: %s to broker %s not sent: %s",
                      envelope_type_name (type), cert_department (self->broker),
                      self->state);
    envelope_destroy (&envelope);
    msgpack_sbuffer_destroy (&buffer);
}

//  Why a handshake failed, in words: what is known, and the likely causes
//  in order, never one guessed as the cause. The client learns only how it
//  ended. A refusal at ZAP (status 400) comes from a broker that opened our
//  HELLO, so the broker's certificate is right; the broker does not say why
//  (its log does): our certificate is not in its directory, is revoked or
//  expired there, or its cap of connections for this department or address
//  is reached. A connection the broker ends in the handshake without a word
//  is one over its caps of connections, or one whose HELLO it could not
//  open because gateway/broker-cert is not its certificate; once a
//  handshake succeeded with that certificate, the second is the less
//  likely. The end of a connection that follows a refusal is that refusal.
static void
s_handshake_failed (link_t *self, uint16_t event, uint32_t value)
{
    const char *broker = cert_department (self->broker);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        self->refused = true;
        if (value == 400)
            s_set_state (self, true, "authentication refused by the broker (ZAP 400) at "
                         "the handshake; likely, in order: its certificates directory "
                         "lacks this department's certificate, holds it revoked or "
                         "expired, or its cap of connections for this department or "
                         "address is reached");
        else
            s_set_state (self, true, "authentication refused by the broker (ZAP %u) at "
                         "the handshake%s", (unsigned) value,
                         value == 300? ", for now": "");
    }
    else
    if (self->refused)
        ;           //  the refusal's connection ending: the refusal is the news
    else
    if (self->ever_handshaken)
        s_set_state (self, true, "the broker ended the connection in the CURVE handshake; "
                     "likely, in order: its cap of connections is reached, or it no "
                     "longer uses the certificate of %s in gateway/broker-cert", broker);
    else
        s_set_state (self, true, "the broker ended the connection in the CURVE handshake; "
                     "likely, in order: gateway/broker-cert does not hold %s's "
                     "certificate, or its cap of connections is reached", broker);
}

//  One event of the socket monitor (see link_monitor_event).
static void
s_event (link_t *self, uint16_t event, uint32_t value)
{
    switch (event) {
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            //  libzmq does not connect again after a failed handshake: we do
            self->handshaken = false;
            self->reconnect_at = zclock_mono () + self->backoff_ms;
            self->backoff_ms = self->backoff_ms * 2 > LINK_BACKOFF_MAX_MS?
                               LINK_BACKOFF_MAX_MS: self->backoff_ms * 2;
            s_handshake_failed (self, event, value);
            break;
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            self->handshaken = true;
            self->ever_handshaken = true;
            self->refused = false;
            self->backoff_ms = LINK_BACKOFF_MIN_MS;
            s_set_state (self, false, "connected, waiting for the broker's WELCOME");
            break;
        case ZMQ_EVENT_DISCONNECTED:
            //  After a refused handshake the refusal is the news, not this
            if (self->handshaken) {
                self->handshaken = false;
                s_set_state (self, true, "connection lost, connecting again");
            }
            break;
        case ZMQ_EVENT_CONNECT_RETRIED:
            //  Nothing listens there (yet); libzmq keeps trying by itself
            if (!self->reconnect_at && !strstr (self->state, "refused")
            &&  !strstr (self->state, "handshake"))
                s_set_state (self, true, "no broker answers at %s, trying again",
                             self->endpoint);
            break;
        default:
            break;
    }
}

void
link_monitor_event (link_t *self)
{
    zmsg_t *msg = zmsg_recv (self->monitor);
    zframe_t *frame = msg? zmsg_first (msg): NULL;
    if (frame && zframe_size (frame) == 6) {
        uint16_t event;
        uint32_t value;
        memcpy (&event, zframe_data (frame), 2);
        memcpy (&value, zframe_data (frame) + 2, 4);
        s_event (self, event, value);
    }
    zmsg_destroy (&msg);
}

void
link_heard (link_t *self, int type)
{
    self->heard = zclock_mono ();
    if (type == MSG_WELCOME && !self->registered) {
        self->registered = true;
        s_set_state (self, false, "registered");
        SLUICE_INFO (self->level, "gateway: %s registered with broker %s at %s",
                   cert_department (self->own), link_broker_id (self), self->endpoint);
    }
}

void
link_unregister (link_t *self)
{
    if (self->registered)
        s_set_state (self, true, "the broker no longer knows this gateway, "
                     "registering again");
    self->registered = false;
    s_send_own (self, MSG_HELLO);
}

void
link_retry (link_t *self)
{
    int64_t now = zclock_mono ();
    if (self->reconnect_at && now >= self->reconnect_at) {
        self->reconnect_at = 0;
        if (s_connect (self))
            s_set_state (self, true, "cannot connect to %s: %s", self->endpoint,
                         zmq_strerror (zmq_errno ()));
    }
    if (!self->registered && now - self->hello_sent >= 200)
        s_send_own (self, MSG_HELLO);
}

void
link_tick (link_t *self)
{
    if (self->registered && zclock_mono () - self->heard > 3 * self->heartbeat_ms) {
        zsys_warning ("gateway: broker %s silent for %d ms, registering again",
                      link_broker_id (self), (int) (zclock_mono () - self->heard));
        self->registered = false;
        s_set_state (self, true, "the broker fell silent, registering again");
    }
    s_send_own (self, self->registered? MSG_HEARTBEAT: MSG_HELLO);
}

//  What the state says after each way a handshake fails: what is known,
//  the likely causes in order, and the end of a refused connection never
//  taken for another cause
static void
s_test_states (cert_t *own, cert_t *broker)
{
    char *error = NULL;
    link_t *link = link_new (own, broker, "tcp://127.0.0.1:9", 1000, 0, &error);
    assert (link);
    //  Ended in the handshake before any succeeded: the broker's
    //  certificate first, the caps next
    s_event (link, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 32);
    const char *cert_cause = strstr (link_state (link), "gateway/broker-cert");
    const char *cap_cause = strstr (link_state (link), "cap of connections");
    assert (cert_cause && cap_cause && cert_cause < cap_cause);
    //  Refused at ZAP: the broker's certificate is right; the three causes
    //  the broker may have, in order; the connection's end changes nothing
    s_event (link, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400);
    char refused [LINK_STATE_MAX];
    snprintf (refused, sizeof (refused), "%s", link_state (link));
    assert (strstr (refused, "authentication refused by the broker (ZAP 400)"));
    assert (!strstr (refused, "broker-cert"));
    const char *unknown = strstr (refused, "lacks this department's certificate");
    const char *revoked = strstr (refused, "revoked or expired");
    const char *capped = strstr (refused, "cap of connections");
    assert (unknown && revoked && capped && unknown < revoked && revoked < capped);
    s_event (link, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 32);
    s_event (link, ZMQ_EVENT_DISCONNECTED, 13);
    assert (streq (link_state (link), refused));
    s_event (link, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 300);
    assert (strstr (link_state (link), "(ZAP 300) at the handshake, for now"));
    //  Once a handshake succeeded with this certificate, an end in the
    //  handshake is the caps first
    s_event (link, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
    assert (strstr (link_state (link), "waiting for the broker's WELCOME"));
    s_event (link, ZMQ_EVENT_DISCONNECTED, 13);
    s_event (link, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, 32);
    cert_cause = strstr (link_state (link), "gateway/broker-cert");
    cap_cause = strstr (link_state (link), "cap of connections");
    assert (cert_cause && cap_cause && cap_cause < cert_cause);
    link_destroy (&link);
}

void
link_test (bool verbose)
{
    if (verbose)
        printf (" * link: ");
    cert_t *own = cert_new ("SH-PD-TEST", "test", "department", 1, 1, 0, 4102444800, NULL);
    cert_t *broker = cert_new ("BROKER", "broker", "broker", 0, 1, 0, 4102444800, NULL);
    char *error = NULL;
    //  Nothing listens there: the link exists, is not registered, and a
    //  send fails at once instead of queueing
    link_t *link = link_new (own, broker, "tcp://127.0.0.1:9", 1000, 2, &error);
    assert (link && !error);
    assert (!link_registered (link));
    assert (streq (link_broker_id (link), "BROKER"));
    envelope_t *envelope = envelope_new (MSG_HEARTBEAT, "SH-PD-TEST", "");
    assert (link_send (link, envelope, (const uint8_t *) "\x80", 1, NULL) == -1);
    envelope_destroy (&envelope);
    link_tick (link);
    link_heard (link, MSG_WELCOME);
    assert (link_registered (link));
    link_unregister (link);
    assert (!link_registered (link));
    link_destroy (&link);
    s_test_states (own, broker);
    assert (!link_new (own, broker, "bogus://x", 1000, 2, &error));
    assert (error);
    zstr_free (&error);

    //  A broker whose ZAP handler does not admit us yet: the refusal is
    //  seen and said, the link connects again with backoff by itself, and
    //  once our key is admitted the handshake succeeds, without a restart
    char *dir = zsys_sprintf ("/tmp/sluice-link-%d", getpid ());
    assert (zsys_dir_create ("%s", dir) == 0);
    zactor_t *auth = zactor_new (zauth, NULL);
    assert (auth);
    zstr_sendx (auth, "CURVE", dir, NULL);
    zsock_wait (auth);
    zsock_t *server = zsock_new (ZMQ_ROUTER);
    zcert_apply (cert_zcert (broker), server);
    zsock_set_curve_server (server, 1);
    int port = zsock_bind (server, "tcp://127.0.0.1:*");
    assert (port > 0);
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "tcp://127.0.0.1:%d", port);
    link = link_new (own, broker, endpoint, 1000, 0, &error);
    assert (link);
    assert (strstr (link_state (link), "connecting"));
    zpoller_t *poller = zpoller_new (link_monitor (link), server, NULL);
    bool admitted = false, heard = false;
    int64_t deadline = zclock_mono () + 10000;
    while (!heard && zclock_mono () < deadline) {
        void *which = zpoller_wait (poller, 50);
        if (which == link_monitor (link))
            link_monitor_event (link);
        else
        if (which == server) {
            zmsg_t *msg = zmsg_recv (server);
            heard = msg != NULL;        //  a HELLO, after the handshake
            zmsg_destroy (&msg);
        }
        link_retry (link);
        if (!admitted
        &&  strstr (link_state (link), "authentication refused by the broker (ZAP 400)")) {
            const uint8_t *public_key = cert_curve_public (own);
            zcert_t *key = zcert_new_from (public_key, public_key);
            char *path = zsys_sprintf ("%s/own.cert", dir);
            assert (zcert_save_public (key, path) == 0);
            zstr_free (&path);
            zcert_destroy (&key);
            admitted = true;
        }
    }
    assert (admitted && heard);
    assert (strstr (link_state (link), "waiting for the broker's WELCOME"));
    link_heard (link, MSG_WELCOME);
    assert (streq (link_state (link), "registered"));
    zpoller_destroy (&poller);
    link_destroy (&link);
    zsock_destroy (&server);
    zactor_destroy (&auth);
    char *command = zsys_sprintf ("rm -rf %s", dir);
    assert (system (command) == 0);
    zstr_free (&command);
    zstr_free (&dir);

    cert_destroy (&broker);
    cert_destroy (&own);
    if (verbose)
        printf ("OK\n");
}
