/*  noticing.h -- the store-and-forward side of the gateway: the copies,
    receipts and acknowledgements of notices and alerts on the wire, each
    until it is settled (PROTOCOL.md 17), over the notice store (notices.h).

    A copy or a receipt is stored with its frames before it first leaves,
    and sent again, the same bytes, until it is settled: a copy by any
    receipt of it, a receipt by its own ACK (a newer receipt of the same
    copy does not settle an older one: the sender is to hold each). Tries back off from 1 s, doubling, to 5 minutes; once a broker
    said it holds the message (QUEUED), not before a minute from then, and
    from 1 minute to an hour; the next try is stored, so a restart goes on
    where it stopped. When a broker welcomes the gateway (again), what
    waits is tried at once, but what a broker holds (it forwards that). An
    answer to a message from a broker goes back through it first, so that
    the broker holding what it answers is settled as it passes.

    On arrival:
        NOTICE, ALERT   a copy: a copy held already is answered with the
                        newest receipt sent for it (the same bytes), and
                        nothing else; a new one is judged (its id derived
                        from its notice id and this department, its kind
                        in our catalog, or its topic subscribed to) and
                        held in the inbox, delivered or refused, with its
                        receipt, in one transaction; then the receipt goes
        RECEIPT         for one of our copies, from its recipient: taken
                        once (by receipt id), the copy's state moved
                        forward; acknowledged (ACK), each time it comes
        ACK             settles our receipt it names
        QUEUED          (from a broker) the copy or receipt it names is
                        tried less often
    These types are exempt from the replay window: their ids are derived,
    and the inbox and the receipts taken remember them for good.

    Group commit: every write of a batch is in the store's transaction, and
    each step's audit record goes both to the store's journal (in the same
    transaction) and, once the store has committed, to the audit batch.
    Nothing the batch holds back (copies, receipts, ACKs, local replies)
    leaves before both are durable. A crash between the two commits leaves
    records in the journal that the audit log lacks: at start, each
    journal record the log does not hold is appended then. So every step
    stored is in the audit log exactly once, and no step is in the log
    that the store does not hold.
*/
#ifndef SLUICE_NOTICING_H_INCLUDED
#define SLUICE_NOTICING_H_INCLUDED

#include <czmq.h>
#include "startup.h"
#include "notices.h"
#include "message.h"

#define NOTICING_FIRST_TRY_MS   1000            //  the first wait, doubling
#define NOTICING_LAST_TRY_MS    (5 * 60000)     //  to at most
#define NOTICING_QUEUED_MS      60000           //  once QUEUED: from
#define NOTICING_QUEUED_MAX_MS  3600000         //  to at most

typedef struct _noticing_t noticing_t;

//  The store-and-forward side of the gateway made of `parts` (borrowed;
//  its notice store holds the state). Appends to the audit batch the
//  journal records the audit log lacks (a crash between two commits).
noticing_t *
    noticing_new (startup_t *parts);

void
    noticing_destroy (noticing_t **self_p);

//  True if the type is one of the store-and-forward messages between
//  departments (NOTICE, RECEIPT, ALERT, ACK).
bool
    noticing_carries (int type);

//  One of those from a department whose certificate is valid, opened with
//  `status` (OK, or the seal or signature's failure), brought by the link
//  of index `via` (links.h; -1 if none): a copy that does not open is
//  answered with a sealed ERROR of that status, anything else that does
//  not is dropped (logged). What answers it (a receipt, the newest receipt
//  of a copy held already, an ACK) goes through that link first.
void
    noticing_message (noticing_t *self, envelope_t *envelope, int via,
                      const uint8_t *box_key, int status);

//  A QUEUED from a broker, verified; and a broker's ERROR:
//  true if it is about a copy or receipt of ours (then dealt with).
void
    noticing_queued (noticing_t *self, envelope_t *envelope);
bool
    noticing_error (noticing_t *self, const message_error_t *error);

//  A broker welcomed us: what waits is tried at once.
void
    noticing_welcome (noticing_t *self);

//  What is due by now is sent (again), through any registered broker.
void
    noticing_tick (noticing_t *self);

//  --------------------------------------------------------------------------
//  The group commit (gateway.c)

//  True if the batch holds anything of ours to commit or release.
bool
    noticing_pending (noticing_t *self);

//  Before the audit log's commit: commits the store's transaction, then
//  appends the batch's records to the audit batch. 0, or -1 if the store
//  could not commit (nothing of the batch happened; logged).
int
    noticing_prepare (noticing_t *self);

//  After it: if both were durable, sends what the batch held back and the
//  local replies; else each local reply becomes INTERNAL, nothing is sent,
//  and the records not in the log are appended again at the next commit.
void
    noticing_release (noticing_t *self, bool durable);

//  Called at the end of each release, with whether the inbox took a new
//  copy (the local API's waiters, noticeops.h).
void
    noticing_on_release (noticing_t *self, void (*fn) (void *arg, bool arrived), void *arg);

//  --------------------------------------------------------------------------
//  For the local API (noticeops.h): steps of the batch

notices_t *
    noticing_store (noticing_t *self);

//  Opens the batch's transaction; 0, or -1 (the step must not happen).
int
    noticing_begin (noticing_t *self);

//  A write of the batch failed: the whole batch is rolled back at commit.
void
    noticing_failed (noticing_t *self);

//  The step's record: into the journal now, into the audit batch at
//  commit. Its time is set here. 0, or -1 (the batch fails).
int
    noticing_record (noticing_t *self, audit_record_t *record);

//  A message's frames, to send once the batch is durable (taken).
void
    noticing_send_later (noticing_t *self, zmsg_t **frames_p);

//  A local reply, to send once the batch is durable (taken); reply_to is
//  copied, for the INTERNAL reply if it is not.
void
    noticing_reply_later (noticing_t *self, zmsg_t **reply_p, zmsg_t *reply_to);

//  A local caller (reply_to, borrowed) refused now: `status`, `reason`,
//  and the `field` at fault (both may be NULL).
void
    noticing_refuse (noticing_t *self, zmsg_t *reply_to, int status, const char *reason,
                     const char *field);

//  A local reply of the rows packed in `rows` (one array), from this
//  department, with `msgid` (may be NULL): now, or, `later`, once the batch
//  is durable (noticing_reply_later).
void
    noticing_reply_rows (noticing_t *self, zmsg_t *reply_to, int status, const char *reason,
                         const char *msgid, msgpack_sbuffer *rows, bool later);

//  Signs and seals `payload` as a message of `type` with header id `id` to
//  `to`; its frames (fresh), and its digest (section 5.4) into digest.
//  NULL if the department has no valid certificate (*status says) or it
//  cannot be sealed (TOO_LARGE).
zmsg_t *
    noticing_seal (noticing_t *self, int type, const char *to, const uint8_t *id,
                   const msgpack_sbuffer *payload, uint8_t *digest, int *status);

//  A receipt of ours for `copy` from `peer`, in `receipt`'s state: sealed,
//  stored with the inbox's change and sent after the commit; its digest
//  into digest. 0, or -1: it cannot be sealed (the peer has no valid
//  certificate now: logged), or the store failed (the batch fails).
int
    noticing_receipt (noticing_t *self, const char *peer,
                      const notice_receipt_t *receipt, uint8_t *digest);

//  A key as audit records show it: a resident identity number masked
//  (PROTOCOL.md 12.7), any other as it is; shown holds NOTICE_KEY_MAX + 1.
void
    noticing_key_shown (const char *key_type, const char *key, char *shown);

//  A fresh list that destroys its items with `destructor`.
zlistx_t *
    noticing_list (zlistx_destructor_fn *destructor);

//  The wait before try `tries` (1: the first resend), once QUEUED or not.
int64_t
    noticing_backoff (uint32_t tries, bool queued);

void
    noticing_test (bool verbose);

#endif
