/*  link.c -- a gateway's connection to one broker.  */

#include "link.h"
#include "message.h"
#include "status.h"
#include "conf.h"

struct _link_t {
    cert_t *own;                //  borrowed
    cert_t *broker;             //  borrowed
    char *endpoint;
    zsock_t *socket;
    bool registered;
    int64_t heard;              //  monotonic ms of the last broker message
    int64_t heartbeat_ms;
    int level;
    int64_t hello_sent;         //  monotonic ms of the last HELLO
    dirsync_t *directory;       //  what we hold of the broker's directory
};

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
    //  fails at once and may take another link
    zsock_set_sndtimeo (self->socket, 0);
    zsock_set_immediate (self->socket, 1);
    zsock_set_sndhwm (self->socket, 10000);
    zsock_set_maxmsgsize (self->socket, ENVELOPE_BODY_MAX + 4096);
    zsock_set_heartbeat_ivl (self->socket, (int) heartbeat_ms);
    zsock_set_heartbeat_timeout (self->socket, (int) heartbeat_ms * 3);
    zsock_set_reconnect_ivl (self->socket, 100);
    zsock_set_reconnect_ivl_max (self->socket, 2000);
    zsock_set_linger (self->socket, 0);
    if (zsock_connect (self->socket, "%s", endpoint) < 0) {
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
    zmsg_t *msg = envelope_encode (envelope);
    int rc = zmsg_send (&msg, self->socket);
    zmsg_destroy (&msg);
    //  With ZMQ_IMMEDIATE a send fails only when no connection is up: the
    //  broker is gone, whatever its last heartbeat said; register again
    if (rc && self->registered) {
        self->registered = false;
        zsys_warning ("gateway: broker %s unreachable, registering again",
                      link_broker_id (self));
    }
    return rc;
}

//  A HELLO says what we hold of the broker's directory, so that it sends
//  only what changed since; a HEARTBEAT carries an empty map.
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
    link_send (self, envelope, (const uint8_t *) buffer.data, buffer.size, NULL);
    envelope_destroy (&envelope);
    msgpack_sbuffer_destroy (&buffer);
}

void
link_heard (link_t *self, int type)
{
    self->heard = zclock_mono ();
    if (type == MSG_WELCOME && !self->registered) {
        self->registered = true;
        SLUICE_INFO (self->level, "gateway: %s registered with broker %s at %s",
                   cert_department (self->own), link_broker_id (self), self->endpoint);
    }
}

void
link_unregister (link_t *self)
{
    self->registered = false;
    s_send_own (self, MSG_HELLO);
}

void
link_retry (link_t *self)
{
    if (!self->registered && zclock_mono () - self->hello_sent >= 200)
        s_send_own (self, MSG_HELLO);
}

void
link_tick (link_t *self)
{
    if (self->registered && zclock_mono () - self->heard > 3 * self->heartbeat_ms) {
        zsys_warning ("gateway: broker %s silent for %d ms, registering again",
                      link_broker_id (self), (int) (zclock_mono () - self->heard));
        self->registered = false;
    }
    s_send_own (self, self->registered? MSG_HEARTBEAT: MSG_HELLO);
}

void
link_test (bool verbose)
{
    if (verbose)
        printf (" * link: ");
    cert_t *own = cert_new ("SH-PD-TEST", "test", "department", 1, 1, 0, 4102444800);
    cert_t *broker = cert_new ("BROKER", "broker", "broker", 0, 1, 0, 4102444800);
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
    assert (!link_new (own, broker, "bogus://x", 1000, 2, &error));
    assert (error);
    zstr_free (&error);
    cert_destroy (&broker);
    cert_destroy (&own);
    if (verbose)
        printf ("OK\n");
}
