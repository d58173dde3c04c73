/*  links.c -- the gateway's links to the brokers of its federation.
*/

#include "links.h"
#include "status.h"

struct _links_t {
    cert_t *brokers [LINKS_MAX];        //  certificates of the brokers, owned
    link_t *links [LINKS_MAX];          //  one per broker, once connected
    size_t count;                       //  brokers held
    size_t next;                        //  round robin over registered links
};

links_t *
links_new (void)
{
    links_t *self = (links_t *) zmalloc (sizeof (links_t));
    assert (self);
    return self;
}

void
links_destroy (links_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        links_t *self = *self_p;
        for (size_t index = 0; index < LINKS_MAX; index++) {
            link_destroy (&self->links [index]);
            cert_destroy (&self->brokers [index]);
        }
        free (self);
        *self_p = NULL;
    }
}

int
links_add_broker (links_t *self, cert_t **broker_p)
{
    assert (self && broker_p && *broker_p);
    if (self->count == LINKS_MAX)
        return -1;
    self->brokers [self->count++] = *broker_p;
    *broker_p = NULL;
    return 0;
}

size_t
links_size (links_t *self)
{
    assert (self);
    return self->count;
}

int
links_connect (links_t *self, cert_t *own, zlist_t *endpoints, int64_t heartbeat_ms,
               int level, char **error)
{
    assert (self && own && endpoints);
    assert (zlist_size (endpoints) == self->count);
    size_t index = 0;
    for (char *endpoint = (char *) zlist_first (endpoints); endpoint;
         endpoint = (char *) zlist_next (endpoints), index++) {
        self->links [index] = link_new (own, self->brokers [index], endpoint,
                                        heartbeat_ms, level, error);
        if (!self->links [index])
            return -1;
    }
    return 0;
}

link_t *
links_at (links_t *self, size_t index)
{
    assert (self && index < self->count);
    return self->links [index];
}

link_t *
links_of (links_t *self, zsock_t *socket)
{
    assert (self);
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index] && link_socket (self->links [index]) == socket)
            return self->links [index];
    return NULL;
}

int
links_index (links_t *self, link_t *link)
{
    assert (self);
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index] == link)
            return (int) index;
    return 0;
}

bool
links_registered (links_t *self)
{
    assert (self);
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index] && link_registered (self->links [index]))
            return true;
    return false;
}

bool
links_directory_held (links_t *self)
{
    assert (self);
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index] && dirsync_held (link_directory (self->links [index])))
            return true;
    return false;
}

int
links_send_through (links_t *self, envelope_t *envelope, link_t *via, uint32_t tried)
{
    assert (self && envelope);
    for (size_t index = 0; via && index < self->count; index++)
        if (self->links [index] == via && link_registered (via)
        &&  link_send_sealed (via, envelope) == 0)
            return (int) index;
    for (size_t count = 0; count < self->count; count++) {
        size_t index = self->next++ % self->count;
        link_t *link = self->links [index];
        if (link && link != via && !(tried & (1u << index)) && link_registered (link)
        &&  link_send_sealed (link, envelope) == 0)
            return (int) index;
    }
    return -1;
}

int
links_send (links_t *self, envelope_t *envelope, link_t *via)
{
    return links_send_through (self, envelope, via, 0) < 0? -1: 0;
}

size_t
links_send_every (links_t *self, envelope_t *envelope, const uint8_t *payload,
                  size_t size)
{
    assert (self && envelope);
    size_t sent = 0;
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index] && link_registered (self->links [index])
        &&  link_send (self->links [index], envelope, payload, size, NULL) == 0)
            sent++;
    return sent;
}

char *
links_state (links_t *self)
{
    assert (self);
    char *text = strdup ("");
    for (size_t index = 0; text && index < self->count; index++) {
        if (!self->links [index])
            continue;
        char *longer = zsys_sprintf ("%s%s%s: %s", text, index? "; ": "",
                                     link_broker_id (self->links [index]),
                                     link_state (self->links [index]));
        free (text);
        text = longer;
    }
    assert (text);
    return text;
}

void
links_tick (links_t *self)
{
    assert (self);
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index])
            link_tick (self->links [index]);
}

void
links_retry (links_t *self)
{
    assert (self);
    for (size_t index = 0; index < self->count; index++)
        if (self->links [index])
            link_retry (self->links [index]);
}


//  --------------------------------------------------------------------------
//  Self-test

//  A broker's socket, to take what the links send: CURVE, as the broker's
static zsock_t *
s_test_broker (cert_t *broker, char *endpoint, size_t size)
{
    zsock_t *server = zsock_new (ZMQ_ROUTER);
    assert (server);
    zcert_apply (cert_zcert (broker), server);
    zsock_set_curve_server (server, 1);
    int port = zsock_bind (server, "tcp://127.0.0.1:*");
    assert (port > 0);
    snprintf (endpoint, size, "tcp://127.0.0.1:%d", port);
    return server;
}

//  True if `server` receives a message within a second; drops it
static bool
s_test_heard (zsock_t *server)
{
    zpoller_t *poller = zpoller_new (server, NULL);
    bool heard = zpoller_wait (poller, 1000) == server;
    if (heard) {
        zmsg_t *msg = zmsg_recv (server);
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    return heard;
}

//  Until each broker has heard a HELLO: the handshakes are done
static void
s_test_connected (links_t *links, zsock_t **servers, size_t count)
{
    bool heard [LINKS_MAX] = { false };
    size_t done = 0;
    int64_t deadline = zclock_mono () + 10000;
    while (done < count && zclock_mono () < deadline) {
        for (size_t index = 0; index < count; index++) {
            while (zsock_events (link_monitor (links_at (links, index))) & ZMQ_POLLIN)
                link_monitor_event (links_at (links, index));
            if (!heard [index] && (zsock_events (servers [index]) & ZMQ_POLLIN)) {
                zmsg_t *msg = zmsg_recv (servers [index]);
                zmsg_destroy (&msg);
                heard [index] = true;
                done++;
            }
        }
        links_retry (links);
        zclock_sleep (20);
    }
    assert (done == count);
}

void
links_test (bool verbose)
{
    if (verbose)
        printf (" * links: ");
    cert_t *own = cert_new ("SH-PD-TEST", "test", "department", 1, 1, 0, 4102444800, NULL);
    assert (own);
    links_t *links = links_new ();
    zsock_t *servers [2];
    zlist_t *endpoints = zlist_new ();
    zlist_autofree (endpoints);
    for (size_t index = 0; index < 2; index++) {
        cert_t *broker = cert_new (index? "BROKER-2": "BROKER", "broker", "broker",
                                   0, 1, 0, 4102444800, NULL);
        char endpoint [64];
        servers [index] = s_test_broker (broker, endpoint, sizeof (endpoint));
        zlist_append (endpoints, endpoint);
        assert (links_add_broker (links, &broker) == 0 && !broker);
    }
    char *error = NULL;
    assert (links_connect (links, own, endpoints, 1000, 0, &error) == 0);
    assert (links_size (links) == 2 && !links_registered (links));
    assert (!links_directory_held (links));          //  no transfer has completed
    assert (links_of (links, link_socket (links_at (links, 1))) == links_at (links, 1));
    assert (links_of (links, servers [0]) == NULL);
    assert (links_index (links, links_at (links, 1)) == 1);
    char *state = links_state (links);
    assert (strstr (state, "BROKER: ") && strstr (state, "; BROKER-2: "));
    zstr_free (&state);

    envelope_t *envelope = envelope_new (MSG_HEARTBEAT, "SH-PD-TEST", "");
    assert (envelope_seal (envelope, (const uint8_t *) "\x80", 1, cert_sign_secret (own),
                           NULL) == 0);
    //  Nobody has welcomed us: nothing goes
    assert (links_send_through (links, envelope, NULL, 0) == -1);
    assert (links_send (links, envelope, links_at (links, 0)) == -1);
    s_test_connected (links, servers, 2);
    link_heard (links_at (links, 0), MSG_WELCOME);
    link_heard (links_at (links, 1), MSG_WELCOME);
    assert (links_registered (links));
    //  Through `via` first; else in turn; never through a link tried
    assert (links_send_through (links, envelope, links_at (links, 1), 0) == 1);
    assert (s_test_heard (servers [1]));
    int first = links_send_through (links, envelope, NULL, 0);
    int second = links_send_through (links, envelope, NULL, 0);
    assert (first >= 0 && second >= 0 && first != second);
    assert (s_test_heard (servers [0]) && s_test_heard (servers [1]));
    assert (links_send_through (links, envelope, NULL, 1u << 0) == 1);
    assert (s_test_heard (servers [1]));
    assert (links_send_through (links, envelope, NULL, 3) == -1);
    assert (links_send (links, envelope, links_at (links, 0)) == 0);
    assert (s_test_heard (servers [0]));
    //  Every registered link
    envelope_t *registry = envelope_new (MSG_REGISTRY, "SH-PD-TEST", "");
    assert (links_send_every (links, registry, (const uint8_t *) "\x80", 1) == 2);
    assert (s_test_heard (servers [0]) && s_test_heard (servers [1]));
    link_unregister (links_at (links, 0));
    assert (links_send_every (links, registry, (const uint8_t *) "\x80", 1) == 1);
    assert (links_send_through (links, envelope, links_at (links, 0), 0) == 1);
    envelope_destroy (&registry);
    envelope_destroy (&envelope);

    //  No more than LINKS_MAX brokers
    while (links_size (links) < LINKS_MAX) {
        cert_t *broker = cert_new ("BROKER-X", "broker", "broker", 0, 1, 0, 4102444800, NULL);
        assert (links_add_broker (links, &broker) == 0);
    }
    cert_t *extra = cert_new ("BROKER-Y", "broker", "broker", 0, 1, 0, 4102444800, NULL);
    assert (links_add_broker (links, &extra) == -1 && extra);
    cert_destroy (&extra);
    links_destroy (&links);
    links_destroy (&links);
    assert (!links);
    for (size_t index = 0; index < 2; index++)
        zsock_destroy (&servers [index]);
    zlist_destroy (&endpoints);
    cert_destroy (&own);
    if (verbose)
        printf ("OK\n");
}
