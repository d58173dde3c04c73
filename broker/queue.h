/*  queue.h -- the broker's durable store-and-forward queue.

    Notices, alerts and receipts (PROTOCOL.md 17.9) are store-and-forward:
    the broker holds each one, as the exact frames it received, until the
    message that settles it passes, so that a department offline for days
    gets what was sent to it when it registers again. The queue is
    STATE/queue.db (statedb: schema version 1, WAL, synchronous = FULL).

    A message is keyed by its header id and recipient: a resend (the same
    frames, sent again by a gateway that has not heard back) is not stored
    twice. With each message the queue keeps the ids of the messages that
    settle it, indexed:

        NOTICE, ALERT copy c   receipt ids noticeid_receipt (c, s), every s
        RECEIPT r              ack id noticeid_ack (r)

    and a RECEIPT or ACK that passes from department A to department B
    deletes what is held for A from B under its id. ACKs are never held.

    Every change (store, settle, expire) goes into one open transaction,
    begun by the first change after a commit; queue_commit makes the batch
    durable with one sync. A change that fails rolls the whole batch back
    (the changes before it in the batch are lost with it): every later
    change of the batch is refused too, and queue_commit says the batch is
    lost, so that nothing the caller tells a sender is held is untrue.

    Bounds: at most `per_sender` messages held for one sender (counted by
    the database itself, with triggers); retention is the caller's, who
    says what is too old (queue_expire). The queue reads headers only: the
    bodies are sealed, and it stores them as bytes.
*/
#ifndef SLUICE_QUEUE_H_INCLUDED
#define SLUICE_QUEUE_H_INCLUDED

#include <czmq.h>
#include "envelope.h"

typedef struct _queue_t queue_t;

//  A message held, as queue_list shows it; every pointer is borrowed for
//  the call only.
typedef struct {
    uint64_t seq;                   //  order of arrival, only grows
    int type;
    const uint8_t *id;              //  ENVELOPE_ID_BYTES
    const char *from;
    const uint8_t *header;          //  the frames, as received
    size_t header_size;
    const uint8_t *body;
    size_t body_size;
    int64_t stored_ms;              //  when the broker stored it (its clock)
} queue_item_t;

//  Called for each message listed: 0 to go on, anything else to stop.
typedef int (queue_each_fn) (void *arg, const queue_item_t *item);

//  Called with the sender of each message dropped as too old.
typedef void (queue_expired_fn) (void *arg, const char *sender);

//  Opens (or creates) the queue at `path`, holding at most `per_sender`
//  messages (at least 1) of one sender. NULL and *error (fresh string that
//  names the file; error may be NULL) if it cannot be opened, e.g. a file
//  written by a newer version.
queue_t *
    queue_new (const char *path, size_t per_sender, char **error);

void
    queue_destroy (queue_t **self_p);

//  True if the queue holds messages of `type` (NOTICE, ALERT, RECEIPT).
bool
    queue_holds (int type);

//  True if a message of `type` settles held ones (RECEIPT, ACK).
bool
    queue_settles (int type);

//  Holds a message of a type queue_holds, from header->from to header->to,
//  as its two frames, stored at now_ms. Returns STATUS_OK if it is held
//  (now, or already: a resend of it); STATUS_LIMIT_REACHED if it is not
//  held because its sender holds per_sender messages already;
//  STATUS_REPLAY if another sender's message of the same id is held for
//  the same recipient; STATUS_INTERNAL and *error if the database failed
//  (the batch is lost). Held means held once queue_commit succeeds.
int
    queue_store (queue_t *self, const envelope_header_t *header,
                 const uint8_t *header_bytes, size_t header_size,
                 const uint8_t *body, size_t body_size, int64_t now_ms, char **error)
    __attribute__ ((warn_unused_result));

//  A message of a type queue_settles passes: deletes what it settles (held
//  for header->from, sent by header->to, settled by header->id). Returns
//  how many were deleted, or -1 and *error (the batch is lost).
int
    queue_settle (queue_t *self, const envelope_header_t *header, char **error);

//  Calls `each` for the messages held for `recipient` after `after` (a
//  seq; 0 for all), oldest first, at most `limit`. Returns how many it
//  called `each` for, or -1 and *error if the database failed.
int
    queue_list (queue_t *self, const char *recipient, uint64_t after, size_t limit,
                queue_each_fn *each, void *arg, char **error);

//  The seq of the newest message held, 0 if none; UINT64_MAX if it cannot
//  be read (every message is then below it).
uint64_t
    queue_last (queue_t *self);

//  Drops at most `limit` messages stored before `before_ms`, oldest first,
//  calling `expired` (may be NULL) with the sender of each. Returns how
//  many were dropped, or -1 and *error (the batch is lost).
int
    queue_expire (queue_t *self, int64_t before_ms, size_t limit,
                  queue_expired_fn *expired, void *arg, char **error);

//  Makes the changes since the last commit durable. 0 (also when there were
//  none), or -1 and *error if the batch is lost: a change of it failed, or
//  the commit did; nothing of it is held then.
int
    queue_commit (queue_t *self, char **error)
    __attribute__ ((warn_unused_result));

//  Messages held, in all; -1 if that cannot be read.
int64_t
    queue_size (queue_t *self);

//  Messages held from `sender`; -1 if that cannot be read.
int64_t
    queue_held_by (queue_t *self, const char *sender);

void
    queue_test (bool verbose);

#endif
