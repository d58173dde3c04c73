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
*/
#ifndef SLUICE_CONNECTIONS_H_INCLUDED
#define SLUICE_CONNECTIONS_H_INCLUDED

#include <czmq.h>

typedef struct {
    size_t connections_max;         //  open connections in all
    size_t handshakes_max;          //  not through their handshake, in all
    size_t handshakes_per_address;  //  the same, from one peer address
    int64_t handshake_ms;           //  the router's ZMQ_HANDSHAKE_IVL
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

void
    connections_test (bool verbose);

#endif
