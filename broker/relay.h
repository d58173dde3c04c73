/*  relay.h -- the broker's store-and-forward: notices, alerts, receipts and
    their acknowledgements between departments (PROTOCOL.md 9.1, 17.9).

    A NOTICE, ALERT or RECEIPT from a registered department to a department
    the broker trusts is held in the queue (queue.h) and forwarded at once
    if its recipient is registered; its sender is told QUEUED once the
    message is durable, at the end of the batch of messages the broker read
    with it (relay_commit), or ERROR INTERNAL if the batch could not be
    made durable (it then sends again), or LIMIT_REACHED if it holds as
    much as `broker/queue-per-sender` allows (the message is still
    forwarded if its recipient is registered, but not held). A RECEIPT or
    ACK settles what it names as it passes; ACKs are forwarded, never held.

    What a department missed is forwarded when it registers: the first
    page at once, the rest a page per heartbeat (relay_tick), oldest first,
    so that a backlog of any size never holds up the broker's loop. What is
    held longer than `broker/queue-days` is dropped, with one log line per
    sender and day.

    The relay reads headers only; the frames it holds and forwards are the
    sender's, byte for byte. It sends through members.h.
*/
#ifndef SLUICE_RELAY_H_INCLUDED
#define SLUICE_RELAY_H_INCLUDED

#include <czmq.h>
#include "envelope.h"
#include "members.h"
#include "truststore.h"

typedef struct _relay_t relay_t;

//  The relay of a broker whose state directory is `state` (its queue is
//  STATE/queue.db), sending through `members` (borrowed), holding at most
//  `per_sender` messages of one sender for at most `days` days. `level`
//  is the log level. NULL and *error (fresh string) if the queue cannot be
//  opened.
relay_t *
    relay_new (const char *state, members_t *members, size_t per_sender, int days,
               int level, char **error);

void
    relay_destroy (relay_t **self_p);

//  True if the relay carries messages of `type` (NOTICE, RECEIPT, ALERT,
//  ACK).
bool
    relay_carries (int type);

//  A sealed message of a type the relay carries, from a department
//  registered on `routing` (checked by the caller), its two frames in
//  *msg_p (taken). Checks the recipient against `trust` (borrowed), then
//  settles, holds and forwards it as relay.h says; the sender's answer, if
//  any, is sent now (an ERROR) or by relay_commit (QUEUED).
void
    relay_handle (relay_t *self, truststore_t *trust, zframe_t *routing,
                  zmsg_t **msg_p, const envelope_header_t *header);

//  The end of a batch: makes what it held durable, then tells each sender
//  QUEUED, or ERROR INTERNAL if the batch is lost.
void
    relay_commit (relay_t *self);

//  `department` registered (a HELLO welcomed): what is held for it is
//  forwarded, its first page now.
void
    relay_registered (relay_t *self, const char *department);

//  Every heartbeat: the next page of each department's backlog; and, once
//  a minute, what is too old is dropped.
void
    relay_tick (relay_t *self);

//  Messages held, in all (for the log); -1 if that cannot be read.
int64_t
    relay_held (relay_t *self);

void
    relay_test (bool verbose);

#endif
