/*  members.h -- the gateways registered with the broker, and what the broker
    itself sends them: signed WELCOMEs, directory pages, heartbeats,
    ERRORs, registry answers.

    A gateway registers with a HELLO (members_register) and is then known by
    its department, on the connection it said HELLO on; the newest
    connection of a department wins. The broker's own messages are signed
    with its certificate's key and sent on the ROUTER with ROUTER_MANDATORY
    and a zero send timeout, so that a full queue or a vanished peer is an
    immediate failure, never a blocked broker. A send that fails is
    reported to its caller; where this class decides what follows (an
    ERROR that cannot leave, a heartbeat, a registration, a push), it logs
    it, at most a few lines a second however many fail.
*/
#ifndef SLUICE_MEMBERS_H_INCLUDED
#define SLUICE_MEMBERS_H_INCLUDED

#include <czmq.h>
#include "cert.h"
#include "envelope.h"
#include "directory.h"
#include "truststore.h"

typedef struct _members_t members_t;

//  Peers of a broker that signs with `cert` and carries `directory` (both
//  borrowed) and heartbeats every `heartbeat_ms`: a peer silent for five
//  heartbeats is offline. `level` is the log level.
members_t *
    members_new (cert_t *cert, directory_t *directory, int64_t heartbeat_ms, int level);

void
    members_destroy (members_t **self_p);

//  The socket the broker sends on (borrowed); NULL while a rebind waits
//  for descriptors (then every send fails as DEPARTMENT_OFFLINE).
void
    members_set_router (members_t *self, zsock_t *router);

//  Forgets every peer (the connections were closed).
void
    members_purge (members_t *self);

//  Sends a message of the broker's, signed, to one connection. STATUS_OK,
//  or why it was not sent: TOO_LARGE (it cannot be built), BUSY (the
//  connection's queue is full), DEPARTMENT_OFFLINE (the connection is
//  gone).
int
    members_send (members_t *self, zframe_t *routing, const char *to, int type,
                const uint8_t *payload, size_t size)
    __attribute__ ((warn_unused_result));

//  Answers a message on `routing` with an ERROR from the broker: `code`,
//  `reason` (NULL: the code's text), naming the message `re` (NULL: none).
//  One that cannot be sent is logged.
void
    members_send_error (members_t *self, zframe_t *routing, const char *to,
                      const uint8_t *re, int code, const char *reason);

//  Sends a REGISTRY payload to a registered department, by name.
//  STATUS_OK, STATUS_NOT_REGISTERED if it is not connected, or as
//  members_send.
int
    members_send_registry (members_t *self, const char *department,
                         const uint8_t *payload, size_t size);

//  A HELLO on `routing`: the department is registered on this connection
//  and gets a WELCOME and the directory since what it says it holds. 0; 1
//  if the HELLO repeats one just welcomed on this connection (a gateway
//  sends HELLO every 200 ms until its WELCOME arrives: the transfer on its
//  way is not sent twice); -1 if the HELLO or the WELCOME failed (the
//  gateway has been answered with an ERROR that says why, and the failure
//  logged).
int
    members_register (members_t *self, zframe_t *routing, const envelope_header_t *header,
                    envelope_t *envelope);

//  True if `department` is registered on `routing`; its silence is then
//  reset.
bool
    members_seen (members_t *self, const char *department, zframe_t *routing);

//  The connection `department` is registered on (borrowed), or NULL.
zframe_t *
    members_routing (members_t *self, const char *department);

//  Delivers a department's message, its two frames as received (*msg_p,
//  taken and destroyed in every case), to `department` on the connection
//  it is registered on, without waiting. STATUS_OK; STATUS_NOT_REGISTERED
//  if it is not registered; BUSY if its connection's queue is full;
//  DEPARTMENT_OFFLINE if the connection is gone.
int
    members_deliver (members_t *self, const char *department, zmsg_t **msg_p);

//  Counts a message `department` sent: delivered, or refused.
void
    members_count (members_t *self, const char *department, bool routed);

//  The heartbeat: drops peers that are silent or no longer trusted at
//  `now` (seconds; those are told with an ERROR), heartbeats the rest.
void
    members_heartbeat (members_t *self, truststore_t *trust, int64_t now);

//  After a reload: sends every peer what changed in the directory since
//  version `before` (nothing if the version did not move). A peer the
//  delta cannot reach is forgotten: its next HEARTBEAT is answered
//  NOT_REGISTERED, and its HELLO gets what it misses. True if a peer is no
//  longer trusted at `now` (the broker then closes every connection).
bool
    members_push_directory (members_t *self, uint64_t before, truststore_t *trust,
                          int64_t now);

size_t
    members_size (members_t *self);

void
    members_test (bool verbose);

#endif
