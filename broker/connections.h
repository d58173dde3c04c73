/*  connections.h -- the broker's TCP connections, counted and capped.

    libzmq accepts every connection a listener gets and cannot close one
    peer, nor cap a listener. A connection that never completes its CURVE
    handshake costs a descriptor until libzmq's handshake timer
    (ZMQ_HANDSHAKE_IVL) ends it; enough of them exhaust the descriptors, and
    then libzmq's listener spins on accept() and no gateway can register.

    This class watches the ROUTER through a socket monitor. The ACCEPTED and
    DISCONNECTED events carry the connection's descriptor: it keeps a record
    of every open connection, knows which are still in their handshake (an
    open connection older than the handshake interval has completed it,
    since libzmq ends any other), and counts those per peer address and in
    all. A newly accepted connection over a cap is shut down at once
    (shutdown(), not close(): the descriptor stays libzmq's, which sees the
    connection end and cleans up as for any peer that hangs up).

    It also counts the connections ZAP admitted, per department and per
    peer address, so that one department (or one host) cannot hold every
    connection the descriptors allow: ZAP asks connections_admit, which
    refuses one over either cap. An admission is bound to its connection
    by the connection's first message (connections_recv, which the caller
    receives the router's messages with) and counts until that connection
    ends; a connection that says nothing for 2 handshake intervals after
    it was accepted is shut down, and an admission no message bound by
    then no longer counts (connections.c says why that is exact).
*/
#ifndef SLUICE_CONNECTIONS_H_INCLUDED
#define SLUICE_CONNECTIONS_H_INCLUDED

#include <czmq.h>

typedef struct {
    size_t connections_max;         //  open connections in all
    size_t handshakes_max;          //  not through their handshake, in all
    size_t handshakes_per_address;  //  the same, from one peer address
    int64_t handshake_ms;           //  the router's ZMQ_HANDSHAKE_IVL
    size_t admitted_per_department; //  admitted by ZAP, of one department
    size_t admitted_per_address;    //  the same, from one peer address
} connections_caps_t;

typedef struct _connections_t connections_t;

//  Watches `router` (borrowed; its handshake interval must be set to
//  caps->handshake_ms). `level` is the log level. NULL if the monitor
//  cannot be made (no descriptor left: the caller tries again later).
connections_t *
    connections_new (zsock_t *router, const connections_caps_t *caps, int level);

//  Stops watching (the router, which must still be open, is no longer
//  monitored) and frees the records.
void
    connections_destroy (connections_t **self_p);

//  The monitor's socket, for the caller's poll loop: when it is readable,
//  call connections_drain.
zsock_t *
    connections_socket (connections_t *self);

//  Handles every event waiting on the monitor, in order, without blocking.
//  The caller must also drain before it answers any ZAP request (see
//  connections.c: this is what makes a shutdown never hit an admitted
//  connection).
void
    connections_drain (connections_t *self);

//  Open connections, those of them in their handshake, and how many were
//  shut down over a cap since the start.
size_t   connections_open (connections_t *self);
size_t   connections_pending (connections_t *self);
uint64_t connections_refused (connections_t *self);

//  The settings of the caps on admitted connections, as connections_admit
//  names the one reached
#define CONNECTIONS_CAP_DEPARTMENT  "broker/connections-per-department"
#define CONNECTIONS_CAP_ADDRESS     "broker/connections-per-address"

//  ZAP is about to admit a connection of `department` from `address`:
//  NULL, and it counts against both (until its connection ends); or, if
//  either already holds as many admitted connections as its cap allows,
//  that cap (CONNECTIONS_CAP_DEPARTMENT, checked first, or
//  CONNECTIONS_CAP_ADDRESS), and `why` (of `size` bytes) says so, with the
//  numbers.
const char *
    connections_admit (connections_t *self, const char *department,
                       const char *address, char *why, size_t size)
    __attribute__ ((warn_unused_result));

//  Receives the next message from the router (borrowed: the one watched),
//  as zmsg_recv, its first frame the routing id, and sets `user` (of
//  `size` bytes) to its connection's User-Id, "" if none (the frames of
//  the message do not carry it); binds the connection it came on
//  (ZMQ_SRCFD) to that department. NULL if none.
zmsg_t *
    connections_recv (connections_t *self, zsock_t *router, char *user, size_t size);

//  Admitted connections `department` holds, and `address` holds, now.
size_t   connections_admitted_by (connections_t *self, const char *department);
size_t   connections_admitted_from (connections_t *self, const char *address);

//  Connections shut down since the start for saying nothing.
uint64_t connections_silenced (connections_t *self);

void
    connections_test (bool verbose);

#endif
