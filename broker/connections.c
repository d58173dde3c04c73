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

    Admitted connections. ZAP tells the department and the address of a
    connection it admits, never its descriptor, and libzmq reports no
    admission with one; a message does: ZMQ_SRCFD is the descriptor it came
    on, User-Id its department. So an admission is counted at once against
    its department and address (connections_admit), unbound; the first
    message of a connection binds its record to its department, taking
    that admission's place (connections_recv); the record's DISCONNECTED
    gives the place back. A connection that has said nothing 2 handshake
    intervals after it was accepted is shut down (a gateway says HELLO as
    soon as its handshake is through), and an admission still unbound by
    then is given back: its connection was bound, ended, or shut down by
    then. Shutting down from a record is safe for the same reason as in 3.:
    the monitor is drained first, so a number reused since belongs to a
    connection accepted after that, not admitted yet. A message read after
    its connection ended, whose number a newer connection holds, may bind
    the newer record to the older department; the newer connection's next
    message binds it again to its own: the counts correct themselves.

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
#include "envelope.h"
#include <sodium.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define S_EVENTS (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)

typedef struct {
    int fd;
    char address [INET6_ADDRSTRLEN];    //  the peer's, "" if unknown
    int64_t accepted_ms;                //  monotonic
    void *handle;                       //  in `pending` while in handshake
    void *silent;                       //  in `silent` until it speaks
    char department [ENVELOPE_DEPT_MAX + 1];    //  whose, once it spoke
} s_record_t;

//  An admission at ZAP that no message has bound to a connection yet
typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    char address [INET6_ADDRSTRLEN];
    int64_t admitted_ms;                //  monotonic
} s_admission_t;

struct _connections_t {
    connections_caps_t caps;
    int level;
    zsock_t *router;                    //  borrowed
    zsock_t *monitor;                   //  PAIR to the router's monitor
    zhashx_t *records;                  //  "fd" -> s_record_t, owned
    zlistx_t *pending;                  //  records in handshake, oldest first
    zhashx_t *per_address;              //  address -> size_t *, pending only
    zlistx_t *silent;                   //  records not heard from, oldest first
    zlistx_t *admissions;               //  s_admission_t, unbound, oldest first
    zhashx_t *admitted_by_department;   //  department -> size_t *, admitted
    zhashx_t *admitted_by_address;      //  address -> size_t *, admitted
    uint64_t refused;
    uint64_t silenced;                  //  shut down for saying nothing
    ratelog_t *refusal_log;
    ratelog_t *silence_log;
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
    self->silent = zlistx_new ();
    self->admissions = zlistx_new ();
    zlistx_set_destructor (self->admissions, (zlistx_destructor_fn *) zstr_free);
    self->admitted_by_department = zhashx_new ();
    zhashx_set_destructor (self->admitted_by_department,
                           (zhashx_destructor_fn *) zstr_free);
    self->admitted_by_address = zhashx_new ();
    zhashx_set_destructor (self->admitted_by_address, (zhashx_destructor_fn *) zstr_free);
    self->refusal_log = ratelog_new (10, 10000);
    self->silence_log = ratelog_new (10, 10000);
    assert (self->records && self->pending && self->per_address && self->silent);
    assert (self->admissions && self->admitted_by_department && self->admitted_by_address);
    assert (self->refusal_log && self->silence_log);
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
        zlistx_destroy (&self->silent);
        zhashx_destroy (&self->records);
        zhashx_destroy (&self->per_address);
        zlistx_destroy (&self->admissions);
        zhashx_destroy (&self->admitted_by_department);
        zhashx_destroy (&self->admitted_by_address);
        ratelog_destroy (&self->refusal_log);
        ratelog_destroy (&self->silence_log);
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

//  A count of a table (0 if the name holds none)
static size_t
s_count (zhashx_t *table, const char *name)
{
    size_t *count = (size_t *) zhashx_lookup (table, name);
    return count? *count: 0;
}

//  One more or one less in a table of counts; a count of 0 leaves it
static void
s_count_add (zhashx_t *table, const char *name, int change)
{
    size_t *count = (size_t *) zhashx_lookup (table, name);
    if (change > 0) {
        if (count)
            ++*count;
        else {
            count = (size_t *) zmalloc (sizeof (size_t));
            assert (count);
            *count = 1;
            zhashx_insert (table, name, count);
        }
    }
    else
    if (count && --*count == 0)
        zhashx_delete (table, name);
}

//  An admitted connection of `department` from `address` counts, or no
//  longer does
static void
s_admitted (connections_t *self, const char *department, const char *address, int change)
{
    s_count_add (self->admitted_by_department, department, change);
    s_count_add (self->admitted_by_address, address, change);
}

//  The oldest unbound admission of `department` from `address`, or NULL
static void *
s_admission_find (connections_t *self, const char *department, const char *address)
{
    void *handle = zlistx_first (self->admissions)? zlistx_cursor (self->admissions): NULL;
    while (handle) {
        s_admission_t *admission = (s_admission_t *) zlistx_handle_item (handle);
        if (streq (admission->department, department) && streq (admission->address, address))
            return handle;
        handle = zlistx_next (self->admissions)? zlistx_cursor (self->admissions): NULL;
    }
    return NULL;
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

//  A record is heard from: it no longer waits to be
static void
s_unsilence (connections_t *self, s_record_t *record)
{
    if (record->silent) {
        zlistx_delete (self->silent, record->silent);
        record->silent = NULL;
    }
}

static void
s_forget (connections_t *self, s_record_t *record)
{
    char key [16];
    snprintf (key, sizeof (key), "%d", record->fd);
    s_unpend (self, record);
    s_unsilence (self, record);
    if (*record->department)
        s_admitted (self, record->department, record->address, -1);
    zhashx_delete (self->records, key);
}

//  Connections silent 2 handshake intervals after they were accepted are
//  shut down, and admissions unbound by then are given back (see the
//  comment at the top: the monitor has just been drained).
static void
s_silence (connections_t *self, int64_t now)
{
    int64_t quiet_ms = 2 * self->caps.handshake_ms;
    s_record_t *record;
    while ((record = (s_record_t *) zlistx_first (self->silent))
    &&     now - record->accepted_ms >= quiet_ms) {
        s_unsilence (self, record);
        shutdown (record->fd, SHUT_RDWR);
        self->silenced++;
        ratelog_say (self->silence_log, now, false, "broker: closed a connection from %s "
                     "that said nothing in %d ms", *record->address? record->address: "?",
                     (int) quiet_ms);
    }
    s_admission_t *admission;
    while ((admission = (s_admission_t *) zlistx_first (self->admissions))
    &&     now - admission->admitted_ms >= quiet_ms) {
        s_admitted (self, admission->department, admission->address, -1);
        zlistx_delete (self->admissions, zlistx_cursor (self->admissions));
    }
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
    //  A refused one says nothing either: libzmq ends it at once
    record->silent = zlistx_add_end (self->silent, record);
    if (s_over_cap (self, record->address, why, sizeof (why))) {
        //  See the comment at the top: this is this connection's own
        //  ACCEPTED, so the descriptor is its, or a newer connection's
        //  that ZAP has not admitted
        shutdown (fd, SHUT_RDWR);
        self->refused++;
        ratelog_say (self->refusal_log, now, false, "broker: refused a connection from %s: "
                     "%s", *record->address? record->address: "?", why);
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
    int64_t now = zclock_mono ();
    s_expire (self, now);
    s_silence (self, now);
}

const char *
connections_admit (connections_t *self, const char *department, const char *address,
                   char *why, size_t size)
{
    assert (self && department && address && why && size);
    s_silence (self, zclock_mono ());
    size_t by_department = s_count (self->admitted_by_department, department);
    size_t by_address = s_count (self->admitted_by_address, address);
    if (by_department >= self->caps.admitted_per_department) {
        snprintf (why, size, "%s holds %zu admitted connections, the most one department "
                  "may (" CONNECTIONS_CAP_DEPARTMENT ")", department, by_department);
        return CONNECTIONS_CAP_DEPARTMENT;
    }
    if (by_address >= self->caps.admitted_per_address) {
        snprintf (why, size, "%s holds %zu admitted connections, the most one address "
                  "may (" CONNECTIONS_CAP_ADDRESS ")", address, by_address);
        return CONNECTIONS_CAP_ADDRESS;
    }
    s_admission_t *admission = (s_admission_t *) zmalloc (sizeof (s_admission_t));
    assert (admission);
    snprintf (admission->department, sizeof (admission->department), "%s", department);
    snprintf (admission->address, sizeof (admission->address), "%s", address);
    admission->admitted_ms = zclock_mono ();
    zlistx_add_end (self->admissions, admission);
    s_admitted (self, department, address, 1);
    *why = 0;
    return NULL;
}

//  The record of `fd`, the monitor drained first so that it is the
//  connection's that a message just read came on (see the top)
static s_record_t *
s_record_of (connections_t *self, int fd)
{
    connections_drain (self);
    char key [16];
    snprintf (key, sizeof (key), "%d", fd);
    return (s_record_t *) zhashx_lookup (self->records, key);
}

//  A message came on `fd`: its connection said something; if of
//  `department` (not ""), its record is that department's, in place of an
//  unbound admission (or counted anew, if none is left: its own was given
//  back or bound to another record)
static void
s_spoke (connections_t *self, int fd, const char *department)
{
    s_record_t *record = s_record_of (self, fd);
    if (record)
        s_unsilence (self, record);
    if (!record || !*department || streq (record->department, department))
        return;
    if (*record->department)
        s_admitted (self, record->department, record->address, -1);
    snprintf (record->department, sizeof (record->department), "%s", department);
    void *admission = s_admission_find (self, department, record->address);
    if (admission)
        zlistx_delete (self->admissions, admission);
    else
        s_admitted (self, department, record->address, 1);
}

//  One frame received as it is, with its properties: 0, or -1
static int
s_frame_recv (zsock_t *router, zmq_msg_t *frame)
{
    zmq_msg_init (frame);
    if (zmq_msg_recv (frame, zsock_resolve (router), 0) >= 0)
        return 0;
    zmq_msg_close (frame);
    return -1;
}

zmsg_t *
connections_recv (connections_t *self, zsock_t *router, char *user, size_t size)
{
    assert (self && router && user && size);
    *user = 0;
    //  The routing id, then the first frame the peer sent: that one
    //  carries the connection's properties (the routing id does not);
    //  the rest as zmsg_recv takes them, without a copy
    zmq_msg_t routing, first;
    if (s_frame_recv (router, &routing))
        return NULL;
    zmsg_t *msg = zmsg_new ();
    assert (msg);
    zmsg_addmem (msg, zmq_msg_data (&routing), zmq_msg_size (&routing));
    if (zmq_msg_more (&routing) && s_frame_recv (router, &first) == 0) {
        zmsg_addmem (msg, zmq_msg_data (&first), zmq_msg_size (&first));
        const char *department = zmq_msg_gets (&first, "User-Id");
        if (department)
            snprintf (user, size, "%s", department);
        int fd = zmq_msg_get (&first, ZMQ_SRCFD);
        if (fd >= 0)
            s_spoke (self, fd, user);
        if (zmq_msg_more (&first)) {
            zmsg_t *rest = zmsg_recv (router);
            zframe_t *frame;
            while (rest && (frame = zmsg_pop (rest)))
                zmsg_append (msg, &frame);
            zmsg_destroy (&rest);
        }
        zmq_msg_close (&first);
    }
    zmq_msg_close (&routing);
    return msg;
}

size_t
connections_admitted_by (connections_t *self, const char *department)
{
    assert (self && department);
    s_silence (self, zclock_mono ());
    return s_count (self->admitted_by_department, department);
}

size_t
connections_admitted_from (connections_t *self, const char *address)
{
    assert (self && address);
    s_silence (self, zclock_mono ());
    return s_count (self->admitted_by_address, address);
}

uint64_t
connections_silenced (connections_t *self)
{
    assert (self);
    return self->silenced;
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

//  The test's CURVE ROUTER on a port of its own (*port), with `server`'s
//  keys, a second of handshake and the ZAP domain `domain` (NULL: none)
static zsock_t *
s_test_router (zcert_t *server, const char *domain, int *port)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (router);
    zsock_set_handshake_ivl (router, 1000);
    if (domain)
        zsock_set_zap_domain (router, domain);
    zsock_set_curve_server (router, 1);
    zcert_apply (server, router);
    *port = zsock_bind (router, "tcp://127.0.0.1:*");
    assert (*port > 0);
    return router;
}

//  A client of the test's ROUTER with a key of its own; `name` is its
//  department, as the test's ZAP handler says (s_test_zap)
typedef struct {
    const char *name;
    zcert_t *key;
    zsock_t *dealer;
} s_client_t;

//  Answers one ZAP request (within 2 s) as the broker does, the
//  department the client's key's (`clients`, `count`) and the admission
//  connections_admit's; returns the cap reached, or NULL if admitted
static const char *
s_test_zap (zsock_t *zap, connections_t *connections, s_client_t *clients, size_t count)
{
    zpoller_t *poller = zpoller_new (zap, NULL);
    assert (zpoller_wait (poller, 2000) == zap);
    zpoller_destroy (&poller);
    connections_drain (connections);
    zmsg_t *request = zmsg_recv (zap);
    assert (request && zmsg_size (request) == 7);
    char *version = zmsg_popstr (request);
    zframe_t *sequence = zmsg_pop (request);
    char *domain = zmsg_popstr (request);
    char *address = zmsg_popstr (request);
    zframe_t *identity = zmsg_pop (request);
    char *mechanism = zmsg_popstr (request);
    zframe_t *key = zmsg_pop (request);
    assert (streq (version, "1.0") && streq (mechanism, "CURVE") && zframe_size (key) == 32);
    const char *name = NULL;
    for (size_t index = 0; index < count; index++)
        if (memcmp (zframe_data (key), zcert_public_key (clients [index].key), 32) == 0)
            name = clients [index].name;
    assert (name);
    char why [192];
    const char *cap = connections_admit (connections, name, address, why, sizeof (why));
    assert (!cap || (strstr (why, name) || strstr (why, address)));
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, "1.0");
    zmsg_append (reply, &sequence);
    zmsg_addstr (reply, cap? "400": "200");
    zmsg_addstr (reply, cap? "over a cap": "OK");
    zmsg_addstr (reply, cap? "": name);
    zmsg_addmem (reply, NULL, 0);
    zmsg_send (&reply, zap);
    zstr_free (&version);
    zstr_free (&domain);
    zstr_free (&address);
    zstr_free (&mechanism);
    zframe_destroy (&identity);
    zframe_destroy (&key);
    zmsg_destroy (&request);
    return cap;
}

//  Connects a client and answers its ZAP request: the cap reached, or
//  NULL if admitted
static const char *
s_test_connect (s_client_t *client, zcert_t *server, int port, zsock_t *zap,
                connections_t *connections, s_client_t *clients, size_t count)
{
    client->dealer = zsock_new (ZMQ_DEALER);
    zsock_set_linger (client->dealer, 0);
    zcert_apply (client->key, client->dealer);
    zsock_set_curve_serverkey (client->dealer, zcert_public_txt (server));
    assert (zsock_connect (client->dealer, "tcp://127.0.0.1:%d", port) == 0);
    return s_test_zap (zap, connections, clients, count);
}

//  The client says something; the router takes it as the broker does
static void
s_test_speak (s_client_t *client, zsock_t *router, connections_t *connections)
{
    zstr_send (client->dealer, "HELLO");
    zpoller_t *poller = zpoller_new (router, NULL);
    assert (zpoller_wait (poller, 2000) == router);
    zpoller_destroy (&poller);
    char user [ENVELOPE_DEPT_MAX + 1];
    zmsg_t *msg = connections_recv (connections, router, user, sizeof (user));
    assert (msg && streq (user, client->name));
    zmsg_destroy (&msg);
}

//  Drains until `department` holds `admitted` connections (or 4 s pass)
static void
s_wait_admitted (connections_t *self, const char *department, size_t admitted)
{
    for (int attempt = 0; attempt < 400
                       && connections_admitted_by (self, department) != admitted; attempt++) {
        zclock_sleep (10);
        connections_drain (self);
    }
}

//  The caps on admitted connections, with a ZAP handler of the test's:
//  one department at most 2, one address at most 3; an admission bound by
//  its connection's first message and given back when it ends; a
//  connection that says nothing shut down, its admission given back
static void
s_test_admitted (zcert_t *server)
{
    zsock_t *zap = zsock_new_rep ("inproc://zeromq.zap.01");
    assert (zap);
    int port;
    zsock_t *router = s_test_router (server, "test", &port);
    connections_caps_t caps = { 100, 100, 100, 1000, 2, 3 };
    connections_t *connections = connections_new (router, &caps, 0);
    assert (connections);
    s_client_t clients [] = {
        { "SH-PD-A", zcert_new () }, { "SH-PD-A", zcert_new () },
        { "SH-PD-A", zcert_new () }, { "SH-PD-B", zcert_new () },
        { "SH-PD-B", zcert_new () }
    };
    size_t count = sizeof (clients) / sizeof (clients [0]);
    #define S_CONNECT(index) \
        s_test_connect (&clients [index], server, port, zap, connections, clients, count)

    //  Two of A admitted, unbound until they speak, then bound: still two
    assert (!S_CONNECT (0));
    assert (!S_CONNECT (1));
    assert (connections_admitted_by (connections, "SH-PD-A") == 2);
    s_test_speak (&clients [0], router, connections);
    s_test_speak (&clients [1], router, connections);
    assert (connections_admitted_by (connections, "SH-PD-A") == 2);
    assert (connections_admitted_from (connections, "127.0.0.1") == 2);
    //  A third of A is over its department's cap; one of B is admitted, a
    //  second of B is over the address's
    assert (streq (S_CONNECT (2), CONNECTIONS_CAP_DEPARTMENT));
    zsock_destroy (&clients [2].dealer);
    assert (!S_CONNECT (3));
    s_test_speak (&clients [3], router, connections);
    assert (streq (S_CONNECT (4), CONNECTIONS_CAP_ADDRESS));
    zsock_destroy (&clients [4].dealer);
    assert (connections_admitted_from (connections, "127.0.0.1") == 3);
    //  One of A ends: its place is given back, and A is admitted again
    zsock_destroy (&clients [0].dealer);
    s_wait_admitted (connections, "SH-PD-A", 1);
    assert (connections_admitted_by (connections, "SH-PD-A") == 1);
    assert (!S_CONNECT (2));
    assert (connections_admitted_by (connections, "SH-PD-A") == 2);
    //  That one says nothing: shut down two handshake intervals after it
    //  was accepted, its admission given back
    assert (connections_silenced (connections) == 0);
    s_wait_admitted (connections, "SH-PD-A", 1);
    assert (connections_admitted_by (connections, "SH-PD-A") == 1);
    assert (connections_silenced (connections) == 1);
    assert (connections_admitted_from (connections, "127.0.0.1") == 2);
    //  The ones that spoke are still there
    s_test_speak (&clients [1], router, connections);
    s_test_speak (&clients [3], router, connections);
    assert (connections_admitted_by (connections, "SH-PD-B") == 1);

    for (size_t index = 0; index < count; index++) {
        zsock_destroy (&clients [index].dealer);
        zcert_destroy (&clients [index].key);
    }
    connections_destroy (&connections);
    zsock_destroy (&router);
    zsock_destroy (&zap);
}

void
connections_test (bool verbose)
{
    if (verbose)
        printf (" * connections: ");
    //  A second of handshake: long enough that a loaded machine reports the
    //  refusals below before libzmq ends the silent connections
    zcert_t *server = zcert_new ();
    int port;
    zsock_t *router = s_test_router (server, NULL, &port);
    connections_caps_t caps = { 5, 3, 2, 1000, 10, 10 };
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
    char user [ENVELOPE_DEPT_MAX + 1];
    zmsg_t *msg = connections_recv (connections, router, user, sizeof (user));
    assert (msg && zmsg_size (msg) == 2 && streq (user, ""));     //  no ZAP here
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
    s_test_admitted (server);
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
