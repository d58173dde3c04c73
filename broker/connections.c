/*  connections.c -- the broker's TCP connections, counted and capped.

    Descriptor numbers are reused at once (the kernel gives the lowest free
    one), and the monitor's events reach us later than they happen: by the
    time ACCEPTED(n) is read, connection n may have ended and n may belong
    to a newer connection. Why a shutdown here never hits a connection that
    ZAP admitted:

    1.  The broker runs one ZeroMQ I/O thread (czmq's default), which emits
        every event of a connection in order: ACCEPTED(n) is emitted in the
        listener's accept, before the connection's engine ever runs, so
        before its handshake, its ZAP request and its DISCONNECTED(n).
        Events reach us in the order they were emitted (one inproc pipe).
    2.  We shut a connection down only while handling its own ACCEPTED(n),
        never later from a record.
    3.  The broker drains this monitor before it answers any ZAP request.
        The request of a connection was emitted after every earlier event
        (1.), and a non-blocking read sees everything sent before what the
        ZAP socket just gave us. So when we handle ACCEPTED(n) of a
        connection A, no ZAP request emitted after it has been answered.
        If n now belongs to a newer connection B, B was accepted after A,
        so its ZAP request (if any) came after ACCEPTED(n) of A and is not
        answered yet: B is not admitted either. The worst a late shutdown
        does is end a connection that is still in its handshake, which
        then reconnects like any refused one.

    A record whose DISCONNECTED never came (libzmq closes silently only when
    the whole socket closes, which ends this monitor too) is replaced by the
    next ACCEPTED of its number, and a pending one expires with the
    handshake interval, so stale records do not accumulate.

    The monitor must never fill, nor lose its reader. libzmq's I/O thread
    writes each event with a blocking send: once the monitor's queue is
    full, or its reader gone, it stops, and with it every connection of the
    process (no message, no heartbeat). So the queue is unbounded (our
    end's receive limit is 0), only the two events a connection has once
    each are asked for (not ACCEPT_FAILED, which a listener out of
    descriptors emits at every turn of its loop, since it retries accept()
    at once, faster than the broker could read them), and the monitor is
    stopped before our end closes.
*/

#include "connections.h"
#include "ratelog.h"
#include "conf.h"
#include <sodium.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define S_EVENTS (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)

typedef struct {
    int fd;
    char address [INET6_ADDRSTRLEN];    //  the peer's, "" if unknown
    int64_t accepted_ms;                //  monotonic
    void *handle;                       //  in `pending` while in handshake
} s_record_t;

struct _connections_t {
    connections_caps_t caps;
    int level;
    zsock_t *router;                    //  borrowed
    zsock_t *monitor;                   //  PAIR to the router's monitor
    zhashx_t *records;                  //  "fd" -> s_record_t, owned
    zlistx_t *pending;                  //  records in handshake, oldest first
    zhashx_t *per_address;              //  address -> size_t *, pending only
    uint64_t refused;
    ratelog_t *refusal_log;
};

static void
s_record_free (s_record_t **record_p)
{
    free (*record_p);
    *record_p = NULL;
}

connections_t *
connections_new (zsock_t *router, const connections_caps_t *caps, int level)
{
    assert (router && caps);
    char endpoint [96];
    snprintf (endpoint, sizeof (endpoint), "inproc://sluice-connections-%p-%08x",
              (void *) router, randombytes_random ());
    if (zmq_socket_monitor (zsock_resolve (router), endpoint, S_EVENTS))
        return NULL;
    zsock_t *monitor = zsock_new (ZMQ_PAIR);
    //  An inproc pipe's limit is the sum of both ends' unless one is 0
    if (monitor)
        zsock_set_rcvhwm (monitor, 0);
    if (!monitor || zsock_connect (monitor, "%s", endpoint)) {
        zsock_destroy (&monitor);
        zmq_socket_monitor (zsock_resolve (router), NULL, 0);
        return NULL;
    }
    connections_t *self = (connections_t *) zmalloc (sizeof (connections_t));
    assert (self);
    self->caps = *caps;
    self->level = level;
    self->router = router;
    self->monitor = monitor;
    self->records = zhashx_new ();
    zhashx_set_destructor (self->records, (zhashx_destructor_fn *) s_record_free);
    self->pending = zlistx_new ();
    self->per_address = zhashx_new ();
    zhashx_set_destructor (self->per_address, (zhashx_destructor_fn *) zstr_free);
    self->refusal_log = ratelog_new (10, 10000);
    assert (self->records && self->pending && self->per_address);
    assert (self->refusal_log);
    return self;
}

void
connections_destroy (connections_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        connections_t *self = *self_p;
        //  The router's monitor stops first: an event sent to it once our
        //  end is closed would wait for a reader for ever, and hold up the
        //  I/O thread with it (a peer that hangs up, a connection accepted
        //  while the router closes)
        zmq_socket_monitor (zsock_resolve (self->router), NULL, 0);
        zsock_destroy (&self->monitor);
        zlistx_destroy (&self->pending);
        zhashx_destroy (&self->records);
        zhashx_destroy (&self->per_address);
        ratelog_destroy (&self->refusal_log);
        free (self);
        *self_p = NULL;
    }
}

zsock_t *
connections_socket (connections_t *self)
{
    assert (self);
    return self->monitor;
}

static size_t *
s_address_count (connections_t *self, const char *address)
{
    return (size_t *) zhashx_lookup (self->per_address, address);
}

//  A record leaves the handshake: it ended, or is through it.
static void
s_unpend (connections_t *self, s_record_t *record)
{
    if (!record->handle)
        return;
    zlistx_delete (self->pending, record->handle);
    record->handle = NULL;
    size_t *count = s_address_count (self, record->address);
    if (count && --*count == 0)
        zhashx_delete (self->per_address, record->address);
}

static void
s_forget (connections_t *self, s_record_t *record)
{
    char key [16];
    snprintf (key, sizeof (key), "%d", record->fd);
    s_unpend (self, record);
    zhashx_delete (self->records, key);
}

//  Connections open longer than the handshake interval have completed it:
//  libzmq would have ended them otherwise.
static void
s_expire (connections_t *self, int64_t now)
{
    s_record_t *record;
    while ((record = (s_record_t *) zlistx_first (self->pending))
    &&     now - record->accepted_ms >= self->caps.handshake_ms)
        s_unpend (self, record);
}

static void
s_peer_address (int fd, char *address, size_t size)
{
    struct sockaddr_storage peer;
    socklen_t length = sizeof (peer);
    *address = 0;
    if (getpeername (fd, (struct sockaddr *) &peer, &length))
        return;
    if (peer.ss_family == AF_INET)
        inet_ntop (AF_INET, &((struct sockaddr_in *) &peer)->sin_addr, address, size);
    else
    if (peer.ss_family == AF_INET6)
        inet_ntop (AF_INET6, &((struct sockaddr_in6 *) &peer)->sin6_addr, address, size);
}

//  Which cap a new connection from `address` is over, in words; NULL if
//  none.
static const char *
s_over_cap (connections_t *self, const char *address, char *why, size_t size)
{
    size_t *from_address = s_address_count (self, address);
    if (zhashx_size (self->records) >= self->caps.connections_max)
        snprintf (why, size, "all %zu connections the descriptors allow are open",
                  self->caps.connections_max);
    else
    if (zlistx_size (self->pending) >= self->caps.handshakes_max)
        snprintf (why, size, "%zu connections are in their handshake, the most allowed",
                  zlistx_size (self->pending));
    else
    if (from_address && *from_address >= self->caps.handshakes_per_address)
        snprintf (why, size, "%zu connections from that address are in their "
                  "handshake, the most allowed", *from_address);
    else
        return NULL;
    return why;
}

static void
s_accepted (connections_t *self, int fd)
{
    int64_t now = zclock_mono ();
    s_expire (self, now);
    char key [16];
    snprintf (key, sizeof (key), "%d", fd);
    s_record_t *stale = (s_record_t *) zhashx_lookup (self->records, key);
    if (stale)
        s_forget (self, stale);
    s_record_t *record = (s_record_t *) zmalloc (sizeof (s_record_t));
    assert (record);
    record->fd = fd;
    record->accepted_ms = now;
    s_peer_address (fd, record->address, sizeof (record->address));
    char why [128];
    if (s_over_cap (self, record->address, why, sizeof (why))) {
        //  See the comment at the top: this is this connection's own
        //  ACCEPTED, so the descriptor is its, or a newer connection's
        //  that ZAP has not admitted
        shutdown (fd, SHUT_RDWR);
        self->refused++;
        uint64_t skipped = 0;
        char note [64];
        if (ratelog_allow (self->refusal_log, now, &skipped))
            zsys_warning ("broker: refused a connection from %s: %s%s",
                          *record->address? record->address: "?", why,
                          ratelog_note (skipped, note, sizeof (note)));
    }
    else {
        record->handle = zlistx_add_end (self->pending, record);
        size_t *count = s_address_count (self, record->address);
        if (count)
            ++*count;
        else {
            count = (size_t *) zmalloc (sizeof (size_t));
            assert (count);
            *count = 1;
            zhashx_insert (self->per_address, record->address, count);
        }
    }
    zhashx_insert (self->records, key, record);
}

//  One event: frame 1 is 2 bytes of event and 4 of value (the descriptor,
//  or an errno), frame 2 the endpoint.
static void
s_event (connections_t *self, zmsg_t *msg)
{
    zframe_t *frame = zmsg_first (msg);
    if (!frame || zframe_size (frame) != 6)
        return;
    uint16_t event;
    uint32_t value;
    memcpy (&event, zframe_data (frame), 2);
    memcpy (&value, zframe_data (frame) + 2, 4);
    if (event == ZMQ_EVENT_ACCEPTED)
        s_accepted (self, (int) value);
    else
    if (event == ZMQ_EVENT_DISCONNECTED) {
        char key [16];
        snprintf (key, sizeof (key), "%d", (int) value);
        s_record_t *record = (s_record_t *) zhashx_lookup (self->records, key);
        if (record)
            s_forget (self, record);
    }
}

void
connections_drain (connections_t *self)
{
    assert (self);
    void *handle = zsock_resolve (self->monitor);
    while (true) {
        zmq_msg_t part;
        zmsg_t *msg = zmsg_new ();
        int more = 1;
        while (more) {
            zmq_msg_init (&part);
            if (zmq_msg_recv (&part, handle, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&part);
                break;
            }
            more = zmq_msg_more (&part);
            zmsg_addmem (msg, zmq_msg_data (&part), zmq_msg_size (&part));
            zmq_msg_close (&part);
        }
        size_t parts = zmsg_size (msg);
        if (parts)
            s_event (self, msg);
        zmsg_destroy (&msg);
        if (!parts)
            break;
    }
    s_expire (self, zclock_mono ());
}

size_t
connections_open (connections_t *self)
{
    assert (self);
    return zhashx_size (self->records);
}

size_t
connections_pending (connections_t *self)
{
    assert (self);
    s_expire (self, zclock_mono ());
    return zlistx_size (self->pending);
}

uint64_t
connections_refused (connections_t *self)
{
    assert (self);
    return self->refused;
}


//  --------------------------------------------------------------------------
//  Self-test: a ROUTER with a short handshake, silent TCP clients.

#include <unistd.h>

//  A plain TCP connection to the port, sending nothing.
static int
s_silent_client (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert (fd >= 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
    inet_pton (AF_INET, "127.0.0.1", &address.sin_addr);
    int rc = connect (fd, (struct sockaddr *) &address, sizeof (address));
    assert (rc == 0);
    return fd;
}

//  Drains until `open` connections are recorded (or 2 s pass).
static void
s_wait_open (connections_t *self, size_t open)
{
    for (int attempt = 0; attempt < 200 && connections_open (self) != open; attempt++) {
        zclock_sleep (10);
        connections_drain (self);
    }
}

//  Drains until `refused` connections were refused (or 2 s pass).
static void
s_wait_refused (connections_t *self, uint64_t refused)
{
    for (int attempt = 0; attempt < 200 && connections_refused (self) < refused; attempt++) {
        zclock_sleep (10);
        connections_drain (self);
    }
}

//  True if the server ends the connection within 2 s (the client reads
//  end of file, after whatever greeting the server sent first).
static bool
s_ended (int fd)
{
    int64_t deadline = zclock_mono () + 2000;
    while (zclock_mono () < deadline) {
        zmq_pollitem_t item = { NULL, fd, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, (long) (deadline - zclock_mono ())) != 1)
            return false;
        char bytes [64];
        if (recv (fd, bytes, sizeof (bytes), MSG_DONTWAIT) <= 0)
            return true;
    }
    return false;
}

void
connections_test (bool verbose)
{
    if (verbose)
        printf (" * connections: ");
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (router);
    //  A second of handshake: long enough that a loaded machine reports the
    //  refusals below before libzmq ends the silent connections
    zsock_set_handshake_ivl (router, 1000);
    zsock_set_curve_server (router, 1);
    zcert_t *server = zcert_new ();
    zcert_apply (server, router);
    int port = zsock_bind (router, "tcp://127.0.0.1:*");
    assert (port > 0);
    connections_caps_t caps = { 5, 3, 2, 1000 };
    connections_t *connections = connections_new (router, &caps, 0);
    assert (connections);
    assert (connections_socket (connections));

    //  Four silent clients from one address: two are let in to do their
    //  handshake, two are shut down at once
    int clients [6];
    for (int index = 0; index < 4; index++)
        clients [index] = s_silent_client (port);
    s_wait_refused (connections, 2);
    assert (connections_pending (connections) == 2);
    assert (connections_refused (connections) == 2);
    //  The refused ones see the connection end; libzmq then closes them
    assert (s_ended (clients [2]) && s_ended (clients [3]));
    s_wait_open (connections, 2);
    assert (connections_open (connections) == 2);
    //  The silent ones are ended by the handshake interval, and counted
    //  out of the handshake by then
    assert (s_ended (clients [0]) && s_ended (clients [1]));
    s_wait_open (connections, 0);
    assert (connections_open (connections) == 0);
    assert (connections_pending (connections) == 0);
    for (int index = 0; index < 4; index++)
        close (clients [index]);

    //  A client that completes its handshake is not refused, and once
    //  through it no longer counts against the caps
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    zcert_t *client = zcert_new ();
    zcert_apply (client, dealer);
    zsock_set_curve_serverkey (dealer, zcert_public_txt (server));
    zsock_connect (dealer, "tcp://127.0.0.1:%d", port);
    zstr_send (dealer, "hello");
    zpoller_t *poller = zpoller_new (router, NULL);
    assert (zpoller_wait (poller, 2000) == router);
    zmsg_t *msg = zmsg_recv (router);
    zmsg_destroy (&msg);
    zpoller_destroy (&poller);
    connections_drain (connections);
    assert (connections_open (connections) == 1);
    zclock_sleep (1100);
    assert (connections_pending (connections) == 0);
    //  With it open, the total cap (5) leaves room for four more
    for (int index = 0; index < 6; index++)
        clients [index] = s_silent_client (port);
    s_wait_refused (connections, 6);
    assert (connections_refused (connections) == 6);       //  2 before, 4 now
    for (int index = 0; index < 6; index++)
        close (clients [index]);
    zsock_destroy (&dealer);
    zcert_destroy (&client);

    connections_destroy (&connections);
    connections_destroy (&connections);
    zsock_destroy (&router);
    zcert_destroy (&server);

    //  Thousands of events left unread (the broker busy) never stop
    //  libzmq's I/O thread: a peer is still heard, then they are all read
    router = zsock_new (ZMQ_ROUTER);
    port = zsock_bind (router, "tcp://127.0.0.1:*");
    assert (router && port > 0);
    connections_caps_t wide = { 100000, 100000, 100000, 1000 };
    connections = connections_new (router, &wide, 0);
    assert (connections);
    for (int index = 0; index < 1500; index++) {
        //  Connected and closed, each an ACCEPTED and a DISCONNECTED; not
        //  blocking, so that a stopped listener cannot hang the test
        int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        assert (fd >= 0);
        struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
        inet_pton (AF_INET, "127.0.0.1", &address.sin_addr);
        if (connect (fd, (struct sockaddr *) &address, sizeof (address)) == 0
        ||  errno == EINPROGRESS) {
            zmq_pollitem_t item = { NULL, fd, ZMQ_POLLOUT, 0 };
            zmq_poll (&item, 1, 100);
        }
        close (fd);
    }
    zclock_sleep (500);
    dealer = zsock_new (ZMQ_DEALER);
    assert (dealer && zsock_connect (dealer, "tcp://127.0.0.1:%d", port) == 0);
    zstr_send (dealer, "still heard");
    //  A stopped I/O thread never delivers it; a busy one (1,500 connections
    //  to clean up, a loaded machine) may take seconds to connect the dealer
    poller = zpoller_new (router, NULL);
    assert (zpoller_wait (poller, 15000) == router);
    zpoller_destroy (&poller);
    msg = zmsg_recv (router);
    zmsg_destroy (&msg);
    s_wait_open (connections, 1);
    assert (connections_open (connections) == 1);          //  the dealer's
    assert (connections_refused (connections) == 0);

    //  Watching stopped, the router still open (a rebind closes it after):
    //  a peer that hangs up and one that connects are nobody's events, and
    //  the I/O thread goes on
    connections_destroy (&connections);
    zsock_destroy (&dealer);
    close (s_silent_client (port));
    dealer = zsock_new (ZMQ_DEALER);
    assert (dealer && zsock_connect (dealer, "tcp://127.0.0.1:%d", port) == 0);
    zstr_send (dealer, "heard after");
    poller = zpoller_new (router, NULL);
    assert (zpoller_wait (poller, 15000) == router);
    zpoller_destroy (&poller);
    msg = zmsg_recv (router);
    zmsg_destroy (&msg);
    zsock_destroy (&dealer);
    zsock_destroy (&router);
    if (verbose)
        printf ("OK\n");
}
