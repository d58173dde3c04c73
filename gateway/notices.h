/*  notices.h -- the gateway's store of notices and alerts: notices.db in
    its state directory (a state database, statedb.h, schema version 1,
    synchronous = FULL).

    It holds both ends of the store-and-forward messages (PROTOCOL.md 17):

    - the outbox: every copy this department sent (one per recipient of a
      notice or an alert), as the exact frames it sends again and again
      until a receipt for it comes, with its next try, its tries, whether a
      broker said it holds it (QUEUED), and the newest state its recipient
      reported;
    - the receipts received, by receipt id (each is taken once);
    - the inbox: every copy received, by copy id, forever (a copy that
      comes again is never processed again), with its state (delivered,
      received, handled, refused), when the department's system took it
      and the officer's feedback;
    - the receipts to send, as their exact frames, each until its own
      acknowledgement (a newer receipt of a copy does not take the place
      of an older one: the sender is to hold every state, each signed);
    - the alert topics this department subscribes to;
    - the references the department's system gave its sends (noticeref.h);
    - the journal: the audit records of the steps stored here whose records
      the audit log may not hold yet (noticing.h says why).

    Every write of the gateway's batch goes into one transaction, opened by
    the first write (notices_begin) and committed by the gateway's group
    commit (notices_commit) before anything the batch describes leaves.
    One writer per file. What a local caller lists is packed straight from
    the tables (notices_pack, notices_pack_stats).
*/
#ifndef SLUICE_NOTICES_H_INCLUDED
#define SLUICE_NOTICES_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "notice.h"
#include "audit.h"

#define NOTICES_LIST_MAX    10000   //  rows one listing gives at most

typedef struct _notices_t notices_t;

//  A copy, as stored at either end: borrowed strings, NULL as ""
typedef struct {
    const uint8_t *copy;            //  NOTICEID_BYTES
    const uint8_t *notice;          //  the notice's (or alert's) id
    int type;                       //  MSG_NOTICE or MSG_ALERT
    const char *peer;               //  outbox: the recipient; inbox: the sender
    const char *subject;            //  the notice's kind, the alert's topic
    const char *key_type, *key;
    const uint8_t *fields;          //  a notice's fields, one packed map
    size_t fields_size;
    const char *basis;
    int64_t deadline_ms;            //  0: none
    const char *severity, *text;    //  an alert's
    const char *officer;            //  the sender's officer
    const char *caller;             //  outbox: the local caller who sent it
    int64_t time_ms;                //  outbox: accepted; inbox: arrived
    int64_t sent_ms;                //  inbox: its header's time
} notices_copy_t;

//  A message due to be sent (again): a copy from the outbox or a receipt
//  to send, with its two frames
typedef struct {
    bool receipt;                   //  a receipt, else a copy
    uint8_t id [NOTICEID_BYTES];
    char peer [ENVELOPE_DEPT_MAX + 1];
    uint32_t tries;
    bool queued;
    zmsg_t *frames;                 //  header and body, owned
} notices_due_t;

//  What the outbox holds of a copy a receipt is about
typedef struct {
    uint8_t notice [NOTICEID_BYTES];
    int type;
    char subject [NOTICE_NAME_MAX + 1];
    char key_type [NOTICE_KEY_TYPE_MAX + 1];
    char key [NOTICE_KEY_MAX + 1];
    char officer [NOTICE_OFFICER_MAX + 1];
    int state;                      //  the newest state before; -1 none
} notices_sent_t;

//  What the inbox holds of a copy feedback or a take is about
typedef struct {
    uint8_t copy [NOTICEID_BYTES];
    uint8_t notice [NOTICEID_BYTES];
    int type;
    char peer [ENVELOPE_DEPT_MAX + 1];
    char subject [NOTICE_NAME_MAX + 1];
    char key_type [NOTICE_KEY_TYPE_MAX + 1];
    char key [NOTICE_KEY_MAX + 1];
    int state;
} notices_held_t;

//  What a listing asks for
typedef struct {
    bool sent;                      //  the outbox, else the inbox
    int type;                       //  MSG_NOTICE or MSG_ALERT
    bool pending;                   //  no feedback yet (an alert: no receipt)
    bool overdue;                   //  its deadline passed without feedback
    const uint8_t *notice;          //  of this notice id only; NULL: any
    size_t max;                     //  0: NOTICES_LIST_MAX
    int64_t now_ms;
} notices_filter_t;

//  Opens or creates the store at path. NULL and *error naming the file.
notices_t *
    notices_new (const char *path, char **error);

//  Closes it (a transaction left open is rolled back). Safe twice.
void
    notices_destroy (notices_t **self_p);

//  Opens the batch's transaction if none is open; the journal rows whose
//  records an earlier commit made durable (notices_journal_done) are
//  deleted in it. 0, or -1 (the write that needed it must not happen).
int
    notices_begin (notices_t *self);

//  Rolls the open transaction back (nothing of it happened).
void
    notices_rollback (notices_t *self);

//  True if a transaction is open.
bool
    notices_pending (notices_t *self);

//  Commits the open transaction (0 if none), waiting until it is durable;
//  or -1 and *error: it is rolled back, and nothing it held happened.
int
    notices_commit (notices_t *self, char **error);

//  --------------------------------------------------------------------------
//  Writes, each in the open transaction (notices_begin first): 0, or -1

//  A copy we send, its frames, first tried at next_ms.
int
    notices_put_copy (notices_t *self, const notices_copy_t *copy, zmsg_t *frames,
                      int64_t next_ms);

//  A receipt for one of our copies, from `from` (the copy's recipient),
//  with id receipt_id: 1 if new (recorded, and the copy's state moved
//  forward; *sent says what the copy was), 0 if held already, -1 if it is
//  about no copy of ours sent to `from`, -2 on a write error.
int
    notices_take_receipt (notices_t *self, const uint8_t *receipt_id, const char *from,
                          const notice_receipt_t *receipt, int64_t now_ms,
                          notices_sent_t *sent);

//  A copy received, in `state` (delivered or refused: `code`, `reason`).
int
    notices_put_inbox (notices_t *self, const notices_copy_t *copy, int state, int code,
                       const char *reason);

//  A receipt we send for `copy` to `peer`, its frames, first tried at
//  next_ms, and sent until its ACK comes.
int
    notices_put_receipt (notices_t *self, const uint8_t *receipt_id, const uint8_t *copy,
                         const char *peer, int state, zmsg_t *frames, int64_t next_ms);

//  An ACK from `from` of our receipt receipt_id: 1 if it acknowledges a
//  receipt we sent to `from`, 0 if not, -1 on a write error.
int
    notices_take_ack (notices_t *self, const uint8_t *receipt_id, const char *from);

//  A broker holds `id` (a copy or a receipt of ours) for `to`: it is tried
//  less often from now, not before `not_before` (ms), and not hastened.
//  1 if it is one of ours, 0 if not, -1 on error.
int
    notices_queued (notices_t *self, const uint8_t *id, const char *to,
                    int64_t not_before);

//  After a try of the due message `id`: its next try, and its count.
int
    notices_tried (notices_t *self, bool receipt, const uint8_t *id, uint32_t tries,
                   int64_t next_ms);

//  Every unsettled copy and every receipt not acknowledged, but those a
//  broker holds (notices_queued), is due by `when` (a broker welcomed us
//  back: what waits goes out soon; a broker that holds one forwards it).
int
    notices_hasten (notices_t *self, int64_t when);

//  The department's system takes up to `max` new copies of `type`: each
//  is marked received at now_ms and added to `taken` (notices_held_t,
//  owned by the list), oldest first.
int
    notices_take_new (notices_t *self, int type, size_t max, int64_t now_ms,
                      zlistx_t *taken);

//  An officer's feedback on the notice `notice_id` received here: it is
//  marked handled with its result, reason and officer at now_ms. STATUS_OK
//  with *held filled, NOT_FOUND, ALREADY_HANDLED (handled or refused
//  already), or INTERNAL.
int
    notices_feedback (notices_t *self, const uint8_t *notice_id, const char *result,
                      const char *reason, const char *officer, int64_t now_ms,
                      notices_held_t *held);

//  Subscribes to `topic` (or, `on` false, no more). 1 if it changed, 0 if
//  it was so already, -1 on error.
int
    notices_subscribe (notices_t *self, const char *topic, bool on);

//  A record for the journal (its texts are copied); its id in *id.
int
    notices_journal_add (notices_t *self, const audit_record_t *record, int64_t *id);

//  --------------------------------------------------------------------------
//  Reads

//  The copy `copy` of the inbox: 1 and its state in *state, 0 if none,
//  -1 on error.
int
    notices_inbox_state (notices_t *self, const uint8_t *copy, int *state);

//  The frames of the newest receipt we sent for `copy` (fresh, caller
//  destroys), or NULL if none.
zmsg_t *
    notices_newest_receipt (notices_t *self, const uint8_t *copy);

//  Up to `max` messages due by now_ms (notices_due_t, owned by the list).
zlistx_t *
    notices_due (notices_t *self, int64_t now_ms, size_t max);

//  The topics subscribed to, in name order (a fresh list of strings).
zlist_t *
    notices_topics (notices_t *self);

//  True if `id` is a copy or a receipt we send.
bool
    notices_outgoing (notices_t *self, const uint8_t *id);

//  What the send's own reference `ref` names (noticeref_find), and keeps
//  it as naming `notice` in the open transaction (noticeref_put).
int
    notices_ref_find (notices_t *self, int type, const char *ref, const uint8_t *terms,
                      uint8_t *notice, char **recipients);
int
    notices_ref_put (notices_t *self, int type, const char *ref, const uint8_t *terms,
                     const uint8_t *notice, const char *recipients);

//  The notices a take with `ref` took (noticeref_taken), and that it took
//  `notice`, in the open transaction (noticeref_take).
int64_t
    notices_ref_taken (notices_t *self, int type, const char *ref, zlistx_t *notices);
int
    notices_ref_take (notices_t *self, int type, const char *ref, const uint8_t *notice);

//  Copies to `recipient` that no receipt has come for yet (in the open
//  transaction too).
int64_t
    notices_undelivered (notices_t *self, const char *recipient);

//  New copies from `sender`, of either type, not taken yet (in the open
//  transaction too).
int64_t
    notices_untaken_from (notices_t *self, const char *sender);

//  New copies of `type` not taken yet.
int64_t
    notices_untaken (notices_t *self, int type);

//  Copies in the outbox not settled yet (no receipt).
int64_t
    notices_unsettled (notices_t *self);

//  Packs an array of one map per copy that `filter` asks for, newest
//  first (PROTOCOL.md 17.8 names the keys). The count, or -1.
int64_t
    notices_pack (notices_t *self, const notices_filter_t *filter, msgpack_packer *pk);

//  Packs the receipt rates of the outbox's copies of `type`, an array of
//  maps, one per recipient then one per kind (or topic). The count, or -1.
int64_t
    notices_pack_stats (notices_t *self, int type, msgpack_packer *pk);

//  Calls fn for every record in the journal, oldest first, with its id
//  (the record's texts live until fn returns). The count, or -1.
int64_t
    notices_journal_each (notices_t *self,
                          void (*fn) (const audit_record_t *record, int64_t id, void *arg),
                          void *arg);

//  Records up to journal id `id` are durable in the audit log: their rows
//  go in the next transaction.
void
    notices_journal_done (notices_t *self, int64_t id);

void
    notices_test (bool verbose);

#endif
