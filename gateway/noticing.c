/*  noticing.c -- the store-and-forward side of the gateway; see noticing.h.
*/

#include "noticing.h"
#include "noticejournal.h"
#include "noticejudge.h"
#include "localops.h"
#include "serve.h"
#include "auditfile.h"
#include "codec.h"
#include "ratelog.h"
#include "status.h"
#include "topics.h"
#include "queued.h"
#include <sodium.h>

#define S_TICK_MS       250     //  how often what is due is looked for
#define S_DUE_MAX       256     //  messages tried in one tick at most
#define S_UNRECORDED    "the notice store or the audit log cannot record this; " \
                        "nothing was done"

//  A record of a step: in the journal (id), for the audit batch
typedef struct {
    noticejournal_t *entry;
    int64_t id;
    bool appended;              //  to the audit batch being committed
} s_record_t;

//  The record of a step, kept as its journal entry with its journal id
static s_record_t *
s_record_new (const audit_record_t *record, int64_t id)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    noticejournal_pack (record, &buffer);
    s_record_t *held = (s_record_t *) zmalloc (sizeof (s_record_t));
    held->entry = noticejournal_read (buffer.data, buffer.size);
    held->id = id;
    msgpack_sbuffer_destroy (&buffer);
    assert (held->entry);
    return held;
}

//  A local reply held back until the batch is durable
typedef struct {
    zmsg_t *msg;
    zmsg_t *reply_to;
} s_reply_t;

//  A message held back until the batch is durable, and the link to try
//  first: the one whose broker brought what it answers (-1: any)
typedef struct {
    zmsg_t *frames;
    int via;
} s_out_t;

struct _noticing_t {
    startup_t *parts;                   //  borrowed
    notices_t *store;                   //  the parts'
    zlistx_t *sends;                    //  s_out_t, after the commit
    zlistx_t *replies;                  //  s_reply_t, after the commit
    zlistx_t *batch;                    //  s_record_t of this batch
    zlistx_t *unaudited;                //  s_record_t the audit log lacks
    bool failed;                        //  a write of the batch failed
    bool arrived;                       //  the inbox took a copy
    int via;                            //  the link of the message in hand, or -1
    int64_t last_tick;
    int64_t inbox_per_sender;           //  gateway/inbox-per-sender
    void (*on_release) (void *arg, bool arrived);
    void *release_arg;
    ratelog_t *log;                     //  what is refused or lost
    noticejudge_t *judge;               //  of the copies received
};

static void
s_record_destroy (s_record_t **record_p)
{
    if (*record_p) {
        noticejournal_destroy (&(*record_p)->entry);
        free (*record_p);
        *record_p = NULL;
    }
}

static void
s_out_destroy (s_out_t **out_p)
{
    if (*out_p) {
        zmsg_destroy (&(*out_p)->frames);
        free (*out_p);
        *out_p = NULL;
    }
}

static void
s_reply_destroy (s_reply_t **reply_p)
{
    if (*reply_p) {
        zmsg_destroy (&(*reply_p)->msg);
        zmsg_destroy (&(*reply_p)->reply_to);
        free (*reply_p);
        *reply_p = NULL;
    }
}

zlistx_t *
noticing_list (zlistx_destructor_fn *destructor)
{
    zlistx_t *list = zlistx_new ();
    assert (list);
    zlistx_set_destructor (list, destructor);
    return list;
}



//  --------------------------------------------------------------------------
//  Start: the journal's records the audit log lacks

typedef struct {
    zlistx_t *records;                  //  s_record_t, each still to find
    int64_t since;                      //  the oldest one's time
    int64_t found;                      //  the highest id found in the log
} s_recovery_t;

static void
s_recover_one (const audit_record_t *record, int64_t id, void *argument)
{
    s_recovery_t *recovery = (s_recovery_t *) argument;
    s_record_t *held = s_record_new (record, id);
    if (zlistx_size (recovery->records) == 0 || record->time_ms < recovery->since)
        recovery->since = record->time_ms;
    zlistx_add_end (recovery->records, held);
}

//  Leaves in `records` those the log at `path` does not hold
static void
s_recover_match (noticing_t *self, const char *path, s_recovery_t *recovery)
{
    int code = 0;
    auditfile_t *log = auditfile_new (path, &code, NULL);
    sqlite3_stmt *stmt = log? auditfile_select (log,
        "time_ms, direction, msgid, peer, decision, status",
        "time_ms, direction, msgid, peer, decision, status", "WHERE time_ms >= ?1"): NULL;
    if (stmt)
        sqlite3_bind_int64 (stmt, 1, recovery->since);
    while (stmt && sqlite3_step (stmt) == SQLITE_ROW) {
        audit_record_t found = {
            .time_ms = sqlite3_column_int64 (stmt, 0),
            .direction = (const char *) sqlite3_column_text (stmt, 1),
            .msgid = (const char *) sqlite3_column_text (stmt, 2),
            .peer = (const char *) sqlite3_column_text (stmt, 3),
            .decision = (const char *) sqlite3_column_text (stmt, 4),
            .status = sqlite3_column_int (stmt, 5)
        };
        for (s_record_t *held = (s_record_t *) zlistx_first (recovery->records); held;
             held = (s_record_t *) zlistx_next (recovery->records))
            if (noticejournal_same (noticejournal_record (held->entry), &found)) {
                recovery->found = held->id > recovery->found? held->id: recovery->found;
                zlistx_delete (recovery->records, zlistx_cursor (recovery->records));
                break;
            }
    }
    sqlite3_finalize (stmt);
    auditfile_destroy (&log);
}

static void
s_recover (noticing_t *self)
{
    s_recovery_t recovery = { noticing_list ((zlistx_destructor_fn *) s_record_destroy) };
    notices_journal_each (self->store, s_recover_one, &recovery);
    if (zlistx_size (recovery.records)) {
        char *path = zsys_sprintf ("%s/audit.db",
                                   conf_str (self->parts->conf, "gateway/state"));
        s_recover_match (self, path, &recovery);
        zstr_free (&path);
    }
    //  The rows of those found go, up to the first the log lacks (the log
    //  lacks a tail of the journal, never a middle, but even so)
    size_t count = zlistx_size (recovery.records);
    s_record_t *held;
    int64_t done = recovery.found;
    while ((held = (s_record_t *) zlistx_detach (recovery.records, NULL))) {
        done = held->id <= done? held->id - 1: done;
        zlistx_add_end (self->unaudited, held);
    }
    notices_journal_done (self->store, done);
    if (count)
        zsys_info ("gateway: %zu notice steps stored but not in the audit log (a stop "
                   "between two commits): recorded now", count);
    zlistx_destroy (&recovery.records);
}

noticing_t *
noticing_new (startup_t *parts)
{
    assert (parts && parts->notices);
    noticing_t *self = (noticing_t *) zmalloc (sizeof (noticing_t));
    assert (self);
    self->parts = parts;
    self->store = parts->notices;
    self->sends = noticing_list ((zlistx_destructor_fn *) s_out_destroy);
    self->via = -1;
    self->replies = noticing_list ((zlistx_destructor_fn *) s_reply_destroy);
    self->batch = noticing_list ((zlistx_destructor_fn *) s_record_destroy);
    self->unaudited = noticing_list ((zlistx_destructor_fn *) s_record_destroy);
    self->log = ratelog_new (20, 10000);
    self->judge = noticejudge_new (parts);
    self->inbox_per_sender = conf_int (parts->conf, "gateway/inbox-per-sender");
    s_recover (self);
    return self;
}

void
noticing_destroy (noticing_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        noticing_t *self = *self_p;
        zlistx_destroy (&self->sends);
        zlistx_destroy (&self->replies);
        zlistx_destroy (&self->batch);
        zlistx_destroy (&self->unaudited);
        ratelog_destroy (&self->log);
        noticejudge_destroy (&self->judge);
        free (self);
        *self_p = NULL;
    }
}

bool
noticing_carries (int type)
{
    return type == MSG_NOTICE || type == MSG_RECEIPT || type == MSG_ALERT
        || type == MSG_ACK;
}

int64_t
noticing_backoff (uint32_t tries, bool queued)
{
    int64_t wait = queued? NOTICING_QUEUED_MS: NOTICING_FIRST_TRY_MS;
    int64_t most = queued? NOTICING_QUEUED_MAX_MS: NOTICING_LAST_TRY_MS;
    for (uint32_t step = 1; step < tries && wait < most; step++)
        wait *= 2;
    return wait < most? wait: most;
}


//  --------------------------------------------------------------------------
//  Steps of the batch

notices_t *
noticing_store (noticing_t *self)
{
    assert (self);
    return self->store;
}

void
noticing_failed (noticing_t *self)
{
    assert (self);
    self->failed = true;
}

int
noticing_begin (noticing_t *self)
{
    assert (self);
    if (notices_begin (self->store)) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: the notice store cannot "
                     "begin a transaction (disk failing?)");
        self->failed = true;
        return -1;
    }
    return 0;
}

int
noticing_record (noticing_t *self, audit_record_t *record)
{
    assert (self && record);
    record->time_ms = zclock_time ();
    int64_t id = 0;
    if (noticing_begin (self) || notices_journal_add (self->store, record, &id)) {
        self->failed = true;
        return -1;
    }
    s_record_t *held = s_record_new (record, id);
    zlistx_add_end (self->batch, held);
    return 0;
}

void
noticing_send_later (noticing_t *self, zmsg_t **frames_p)
{
    assert (self && frames_p);
    if (*frames_p) {
        s_out_t *out = (s_out_t *) zmalloc (sizeof (s_out_t));
        assert (out);
        out->frames = *frames_p;
        out->via = self->via;
        zlistx_add_end (self->sends, out);
    }
    *frames_p = NULL;
}

void
noticing_reply_later (noticing_t *self, zmsg_t **reply_p, zmsg_t *reply_to)
{
    assert (self && reply_p);
    if (!*reply_p)
        return;
    s_reply_t *reply = (s_reply_t *) zmalloc (sizeof (s_reply_t));
    reply->msg = *reply_p;
    reply->reply_to = reply_to? zmsg_dup (reply_to): NULL;
    *reply_p = NULL;
    zlistx_add_end (self->replies, reply);
}

void
noticing_refuse (noticing_t *self, zmsg_t *reply_to, int status, const char *reason,
                 const char *field)
{
    assert (self);
    localapi_reply_t reply = { .status = (uint32_t) status };
    LOCALOPS_COPY (reply.reason, reason);
    LOCALOPS_COPY (reply.field, field);
    localops_reply (self->parts->local, reply_to, &reply);
}

void
noticing_reply_rows (noticing_t *self, zmsg_t *reply_to, int status, const char *reason,
                     const char *msgid, msgpack_sbuffer *rows, bool later)
{
    assert (self && rows);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    codec_unpack ((uint8_t *) rows->data, rows->size, &unpacked);
    localapi_reply_t reply = {
        .status = (uint32_t) status, .served_at = (uint64_t) zclock_time (),
        .rows = unpacked.data.type == MSGPACK_OBJECT_ARRAY? &unpacked.data: NULL
    };
    LOCALOPS_COPY (reply.reason, reason);
    LOCALOPS_COPY (reply.from, self->parts->id);
    LOCALOPS_COPY (reply.msgid, msgid);
    zmsg_t *msg = localops_reply_msg (reply_to, &reply);
    if (later)
        noticing_reply_later (self, &msg, reply_to);
    else
        localops_send (self->parts->local, &msg);
    msgpack_unpacked_destroy (&unpacked);
}

zmsg_t *
noticing_seal (noticing_t *self, int type, const char *to, const uint8_t *id,
               const msgpack_sbuffer *payload, uint8_t *digest, int *status)
{
    assert (self && to && id && payload && status);
    startup_t *parts = self->parts;
    const uint8_t *box_key = peers_key (parts->peers, to, zclock_time () / 1000, NULL,
                                        status);
    if (!box_key)
        return NULL;
    envelope_t *envelope = envelope_new (type, parts->id, to);
    if (!envelope) {
        *status = STATUS_UNKNOWN_DEPARTMENT;
        return NULL;
    }
    memcpy (envelope_header_mut (envelope)->id, id, ENVELOPE_ID_BYTES);
    zmsg_t *frames = NULL;
    *status = STATUS_TOO_LARGE;
    if (envelope_seal (envelope, (const uint8_t *) payload->data, payload->size,
                       cert_sign_secret (parts->cert), box_key) == 0) {
        frames = envelope_encode (envelope);
        if (digest)
            envelope_digest (envelope, digest);
        *status = STATUS_OK;
    }
    envelope_destroy (&envelope);
    return frames;
}

int
noticing_receipt (noticing_t *self, const char *peer, const notice_receipt_t *receipt,
                  uint8_t *digest)
{
    assert (self && peer && receipt);
    int state = noticeid_state_from_name (receipt->state);
    uint8_t id [NOTICEID_BYTES];
    noticeid_receipt (receipt->copy, (noticeid_state_t) state, id);
    msgpack_sbuffer payload;
    msgpack_sbuffer_init (&payload);
    int status = STATUS_MALFORMED;
    zmsg_t *frames = notice_receipt_encode (receipt, &payload) == 0?
        noticing_seal (self, MSG_RECEIPT, peer, id, &payload, digest, &status): NULL;
    msgpack_sbuffer_destroy (&payload);
    if (!frames) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: a receipt to %s cannot be "
                     "sealed: %s", peer, status_name (status));
        return -1;
    }
    int rc = 0;
    if (noticing_begin (self)
    ||  notices_put_receipt (self->store, id, receipt->copy, peer, state, frames,
                             zclock_time () + noticing_backoff (1, false))) {
        self->failed = true;
        rc = -1;
    }
    else {
        zmsg_t *copy = zmsg_dup (frames);
        noticing_send_later (self, &copy);
    }
    zmsg_destroy (&frames);
    return rc;
}


//  --------------------------------------------------------------------------
//  The group commit

bool
noticing_pending (noticing_t *self)
{
    assert (self);
    bool unappended = false;
    for (s_record_t *held = (s_record_t *) zlistx_first (self->unaudited); held;
         held = (s_record_t *) zlistx_next (self->unaudited))
        unappended |= !held->appended;
    return notices_pending (self->store) || self->failed || unappended
        || zlistx_size (self->sends) || zlistx_size (self->replies)
        || zlistx_size (self->batch);
}

int
noticing_prepare (noticing_t *self)
{
    assert (self);
    char *error = NULL;
    int rc = 0;
    if (self->failed) {
        notices_rollback (self->store);
        rc = -1;
    }
    else
    if (notices_commit (self->store, &error)) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: %s", error);
        rc = -1;
    }
    zstr_free (&error);
    s_record_t *held;
    while ((held = (s_record_t *) zlistx_detach (self->batch, NULL))) {
        if (rc == 0)
            zlistx_add_end (self->unaudited, held);
        else
            s_record_destroy (&held);
    }
    //  Every record the log lacks goes to its batch, the earlier ones first
    for (held = (s_record_t *) zlistx_first (self->unaudited); held;
         held = (s_record_t *) zlistx_next (self->unaudited))
        if (!held->appended)
            held->appended = audit_append (self->parts->audit,
                                           noticejournal_record (held->entry)) == 0;
    return rc;
}

//  The link of index `via`, or NULL (-1, or no such link)
static link_t *
s_link (noticing_t *self, int via)
{
    links_t *links = self->parts->links;
    return via >= 0 && (size_t) via < links_size (links)? links_at (links, (size_t) via):
                                                          NULL;
}

//  Sends one message's frames through the link of index `via` if it is
//  registered, else through any registered broker link; 0 or -1
static int
s_send (noticing_t *self, zmsg_t *frames, int via)
{
    int status;
    envelope_t *envelope = envelope_decode (frames, &status);
    int link = envelope? links_send_through (self->parts->links, envelope,
                                             s_link (self, via), 0): -1;
    envelope_destroy (&envelope);
    return link >= 0? 0: -1;
}

void
noticing_release (noticing_t *self, bool durable)
{
    assert (self);
    startup_t *parts = self->parts;
    //  The journal's rows go up to the last record durable before the
    //  first that is not
    zlistx_t *kept = noticing_list ((zlistx_destructor_fn *) s_record_destroy);
    s_record_t *held;
    int64_t done = 0, first_kept = INT64_MAX;
    while ((held = (s_record_t *) zlistx_detach (self->unaudited, NULL))) {
        if (held->appended && durable) {
            done = held->id > done? held->id: done;
            s_record_destroy (&held);
            continue;
        }
        held->appended = false;         //  dropped with the batch: again next time
        first_kept = held->id < first_kept? held->id: first_kept;
        zlistx_add_end (kept, held);
    }
    zlistx_destroy (&self->unaudited);
    self->unaudited = kept;
    notices_journal_done (self->store, done < first_kept? done: first_kept - 1);
    s_out_t *out;
    while ((out = (s_out_t *) zlistx_detach (self->sends, NULL))) {
        //  What is not sent now is in the store, tried again later
        if (durable && s_send (self, out->frames, out->via))
            SLUICE_DEBUG (parts->level, "gateway: a notice message waits for a broker link");
        s_out_destroy (&out);
    }
    s_reply_t *reply;
    while ((reply = (s_reply_t *) zlistx_detach (self->replies, NULL))) {
        if (durable)
            localops_send (parts->local, &reply->msg);
        else {
            localapi_reply_t internal = { .status = STATUS_INTERNAL, .reason = S_UNRECORDED };
            localops_reply (parts->local, reply->reply_to, &internal);
        }
        s_reply_destroy (&reply);
    }
    bool arrived = self->arrived && durable;
    self->arrived = false;
    self->failed = false;
    if (self->on_release)
        self->on_release (self->release_arg, arrived);
}

void
noticing_on_release (noticing_t *self, void (*fn) (void *arg, bool arrived), void *arg)
{
    assert (self);
    self->on_release = fn;
    self->release_arg = arg;
}


//  --------------------------------------------------------------------------
//  Audit records of the steps (PROTOCOL.md 15.1 says how a step maps)

void
noticing_key_shown (const char *key_type, const char *key, char *shown)
{
    assert (key_type && key && shown);
    if (streq (key_type, "resident-id"))
        ident_mask (key, shown);
    else
        snprintf (shown, NOTICE_KEY_MAX + 1, "%s", key);
}

//  The record of a step of one of our copies or of one received, by its
//  direction: "notice-out", "notice-in", "alert-out", "alert-in"
typedef struct {
    const char *direction;
    const uint8_t *copy;
    int64_t msg_time_ms;
    const char *peer, *caller, *officer, *purpose, *subject, *key_type, *key, *fields;
    int status;
    const char *decision;
    const uint8_t *request_digest, *response_digest;
} s_step_t;

static int
s_record_step (noticing_t *self, const s_step_t *step)
{
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], key [NOTICE_KEY_MAX + 1];
    envelope_id_hex (step->copy, msgid);
    noticing_key_shown (step->key_type? step->key_type: "", step->key? step->key: "", key);
    audit_record_t record = {
        .msg_time_ms = step->msg_time_ms, .direction = step->direction, .msgid = msgid,
        .peer = step->peer, .caller = step->caller, .officer = step->officer,
        .purpose = step->purpose, .item = step->subject, .key = key,
        .fields = step->fields, .status = step->status, .decision = step->decision,
        .agreement = "", .request_digest = step->request_digest,
        .response_digest = step->response_digest
    };
    return noticing_record (self, &record);
}


//  --------------------------------------------------------------------------
//  A copy received

//  A copy held already is answered with its newest receipt; a new one is
//  judged, held with its receipt, and its receipt sent after the commit
static void
s_copy_in (noticing_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    int state = 0;
    int held = notices_inbox_state (self->store, header->id, &state);
    if (held != 0) {
        zmsg_t *frames = held > 0? notices_newest_receipt (self->store, header->id): NULL;
        noticing_send_later (self, &frames);
        if (held < 0)
            ratelog_say (self->log, zclock_mono (), false, "gateway: the notice store "
                         "cannot be read (disk failing?)");
        return;
    }
    //  No sender fills the inbox: past its bound of copies not taken yet, a
    //  new one is not held, nor receipted (its sender holds it, and sends it
    //  again until this department's system has taken some)
    int64_t untaken = notices_untaken_from (self->store, header->from);
    if (untaken >= self->inbox_per_sender) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: a %s from %s not held: "
                     "LIMIT_REACHED (%" PRId64 " of its notices and alerts here are not "
                     "taken yet, as many as gateway/inbox-per-sender allows; its "
                     "sender holds it)", envelope_type_name (header->type), header->from,
                     untaken);
        return;
    }
    bool alert = header->type == MSG_ALERT;
    noticejudge_verdict_t judged;
    noticejudge_verdict_init (&judged);
    notice_msg_t notice;
    notice_alert_t payload;
    int status = alert? notice_alert_decode (envelope_payload (envelope),
                                             envelope_payload_size (envelope), &payload):
                        notice_msg_decode (envelope_payload (envelope),
                                           envelope_payload_size (envelope), &notice);
    if (status != STATUS_OK) {
        noticejudge_refuse (&judged, STATUS_MALFORMED, alert? "the alert could not be "
                            "decoded": "the notice could not be decoded");
        judged.copy.notice = header->id;
    }
    else
    if (alert)
        noticejudge_alert (self->judge, header->id, &payload, &judged);
    else
        noticejudge_notice (self->judge, header->id, &notice, &judged);
    judged.copy.copy = header->id;
    judged.copy.type = header->type;
    judged.copy.peer = header->from;
    judged.copy.time_ms = zclock_time ();
    judged.copy.sent_ms = (int64_t) header->time_ms;
    notice_receipt_t receipt = { .at = (uint64_t) judged.copy.time_ms,
                                 .code = (uint32_t) judged.code };
    memcpy (receipt.copy, header->id, NOTICEID_BYTES);
    snprintf (receipt.state, sizeof (receipt.state), "%s", noticeid_state_name (judged.state));
    snprintf (receipt.reason, sizeof (receipt.reason), "%s", judged.reason);
    uint8_t digest [32], receipt_digest [32];
    envelope_digest (envelope, digest);
    if (noticing_begin (self) == 0
    &&  notices_put_inbox (self->store, &judged.copy, judged.state, judged.code,
                           judged.reason) == 0
    &&  noticing_receipt (self, header->from, &receipt, receipt_digest) == 0) {
        char decision [NOTICE_REASON_MAX + 64] = "delivered";
        if (judged.code)
            snprintf (decision, sizeof (decision), "refused: %s (%s)",
                      status_name (judged.code), judged.reason);
        s_step_t step = {
            alert? "alert-in": "notice-in", header->id, (int64_t) header->time_ms,
            header->from, "", judged.copy.officer, alert? judged.copy.severity:
            judged.copy.basis, judged.copy.subject, judged.copy.key_type, judged.copy.key,
            judged.names, judged.code, decision, digest, receipt_digest
        };
        if (s_record_step (self, &step) == 0 && !judged.code)
            self->arrived = true;
    }
    else
        self->failed = true;
    if (status == STATUS_OK && !alert)
        notice_msg_destroy (&notice);
    noticejudge_verdict_clear (&judged);
}


//  --------------------------------------------------------------------------
//  Receipts and acknowledgements

static void
s_ack (noticing_t *self, const char *to, const uint8_t *receipt_id)
{
    uint8_t id [NOTICEID_BYTES];
    noticeid_ack (receipt_id, id);
    msgpack_sbuffer payload;
    msgpack_sbuffer_init (&payload);
    int status;
    zmsg_t *frames = notice_ack_encode (receipt_id, &payload) == 0?
        noticing_seal (self, MSG_ACK, to, id, &payload, NULL, &status): NULL;
    noticing_send_later (self, &frames);
    msgpack_sbuffer_destroy (&payload);
}

static void
s_receipt_in (noticing_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    notice_receipt_t receipt;
    uint8_t id [NOTICEID_BYTES];
    if (notice_receipt_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                               &receipt) != STATUS_OK) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: a receipt from %s that "
                     "does not decode, dropped: %s", header->from,
                     status_name (STATUS_MALFORMED));
        return;
    }
    int state = noticeid_state_from_name (receipt.state);
    noticeid_receipt (receipt.copy, (noticeid_state_t) state, id);
    if (memcmp (id, header->id, NOTICEID_BYTES)) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: a receipt from %s whose "
                     "id is not derived from its copy and state, dropped: %s",
                     header->from, status_name (STATUS_MALFORMED));
        return;
    }
    notices_sent_t sent;
    int rc = noticing_begin (self)? -2: notices_take_receipt (self->store, header->id,
                                                              header->from, &receipt,
                                                              zclock_time (), &sent);
    if (rc == -1) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: a receipt from %s for no "
                     "copy of ours sent to it, dropped", header->from);
        return;
    }
    if (rc == -2) {
        self->failed = true;
        return;
    }
    if (rc == 1) {
        char decision [NOTICE_REASON_MAX + NOTICE_NAME_MAX + 64];
        if (state == NOTICEID_HANDLED)
            snprintf (decision, sizeof (decision), "receipt handled: %s (%s)",
                      receipt.result, receipt.reason);
        else
        if (state == NOTICEID_REFUSED)
            snprintf (decision, sizeof (decision), "receipt refused: %s (%s)",
                      status_name ((int) receipt.code), receipt.reason);
        else
            snprintf (decision, sizeof (decision), "receipt %s", receipt.state);
        uint8_t digest [32];
        envelope_digest (envelope, digest);
        s_step_t step = {
            sent.type == MSG_ALERT? "alert-out": "notice-out", receipt.copy,
            (int64_t) header->time_ms, header->from, "", receipt.officer, "",
            sent.subject, sent.key_type, sent.key, "", (int) receipt.code, decision,
            NULL, digest
        };
        if (s_record_step (self, &step))
            return;
    }
    s_ack (self, header->from, header->id);
}

static void
s_ack_in (noticing_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    uint8_t receipt_id [NOTICEID_BYTES], id [NOTICEID_BYTES];
    if (notice_ack_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                           receipt_id) != STATUS_OK) {
        ratelog_say (self->log, zclock_mono (), false, "gateway: an ACK from %s that does "
                     "not decode, dropped", header->from);
        return;
    }
    noticeid_ack (receipt_id, id);
    if (memcmp (id, header->id, NOTICEID_BYTES))
        ratelog_say (self->log, zclock_mono (), false, "gateway: an ACK from %s whose id "
                     "is not derived from its receipt, dropped", header->from);
    else
    if (noticing_begin (self) || notices_take_ack (self->store, receipt_id, header->from) < 0)
        self->failed = true;
}

void
noticing_message (noticing_t *self, envelope_t *envelope, int via, const uint8_t *box_key,
                  int status)
{
    assert (self && envelope);
    const envelope_header_t *header = envelope_header (envelope);
    //  What answers it goes back the way it came first: a broker that
    //  holds a copy or a receipt is settled by the answer passing through
    //  it (PROTOCOL.md 17.9), and one that brought it is likely up
    self->via = via;
    bool copy = header->type == MSG_NOTICE || header->type == MSG_ALERT;
    if (status != STATUS_OK) {
        //  Refused as a QUERY would be: a sealed ERROR; nothing is held
        ratelog_say (self->log, zclock_mono (), false, "gateway: %s from %s refused: %s",
                     envelope_type_name (header->type), header->from, status_name (status));
        envelope_t *error = copy? serve_error_new (self->parts->cert, header->from, box_key,
                                                   header->id, status, NULL, NULL, NULL):
                                  NULL;
        if (error && links_send (self->parts->links, error, s_link (self, via)))
            SLUICE_DEBUG (self->parts->level, "gateway: a refusal waits for no link");
        envelope_destroy (&error);
    }
    else
    if (copy)
        s_copy_in (self, envelope);
    else
    if (header->type == MSG_RECEIPT)
        s_receipt_in (self, envelope);
    else
    if (header->type == MSG_ACK)
        s_ack_in (self, envelope);
    self->via = -1;
}


//  --------------------------------------------------------------------------
//  The brokers

void
noticing_queued (noticing_t *self, envelope_t *envelope)
{
    assert (self && envelope);
    queued_t queued;
    if (queued_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                       &queued) != STATUS_OK)
        ratelog_say (self->log, zclock_mono (), false, "gateway: a QUEUED from %s that "
                     "does not decode, dropped", envelope_header (envelope)->from);
    else
    if (noticing_begin (self)
    ||  notices_queued (self->store, queued.id, queued.to,
                        zclock_time () + NOTICING_QUEUED_MS) < 0)
        self->failed = true;
}

bool
noticing_error (noticing_t *self, const message_error_t *error)
{
    assert (self && error);
    if (!notices_outgoing (self->store, error->re))
        return false;
    //  Not delivered this time: it is tried again, as it would be anyway
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (error->re, msgid);
    if (error->code == STATUS_LIMIT_REACHED || error->code == STATUS_INTERNAL)
        ratelog_say (self->log, zclock_mono (), false, "gateway: a broker holds no more of "
                     "ours now: %s for %s (%s); tried again later",
                     status_name ((int) error->code), msgid, error->reason);
    else
        SLUICE_DEBUG (self->parts->level, "gateway: %s for %s; tried again later",
                      status_name ((int) error->code), msgid);
    return true;
}

void
noticing_welcome (noticing_t *self)
{
    assert (self);
    if (noticing_begin (self) == 0 && notices_hasten (self->store, zclock_time ()))
        self->failed = true;
}

void
noticing_tick (noticing_t *self)
{
    assert (self);
    int64_t now = zclock_mono ();
    if (now - self->last_tick < S_TICK_MS)
        return;
    self->last_tick = now;
    //  Nothing leaves while a step stored is not in the audit log yet
    if (zlistx_size (self->unaudited) || !links_registered (self->parts->links))
        return;
    int64_t wall = zclock_time ();
    zlistx_t *due = notices_due (self->store, wall, S_DUE_MAX);
    for (notices_due_t *one = (notices_due_t *) zlistx_first (due); one;
         one = (notices_due_t *) zlistx_next (due)) {
        if (s_send (self, one->frames, -1))
            break;                      //  no link takes more now
        uint32_t tries = one->tries + 1;
        if (noticing_begin (self)
        ||  notices_tried (self->store, one->receipt, one->id, tries,
                           wall + noticing_backoff (tries + 1, one->queued))) {
            self->failed = true;
            break;
        }
    }
    zlistx_destroy (&due);
}

void
noticing_test (bool verbose)
{
    if (verbose)
        printf (" * noticing: ");
    //  Backoff: 1 s doubling to 5 minutes; once queued, 1 minute to an hour
    assert (noticing_backoff (0, false) == 1000 && noticing_backoff (1, false) == 1000);
    assert (noticing_backoff (2, false) == 2000 && noticing_backoff (4, false) == 8000);
    assert (noticing_backoff (9, false) == 256000 && noticing_backoff (10, false) == 300000);
    assert (noticing_backoff (1000, false) == 300000);
    assert (noticing_backoff (1, true) == 60000 && noticing_backoff (7, true) == 3600000);
    assert (noticing_carries (MSG_NOTICE) && noticing_carries (MSG_ACK));
    assert (!noticing_carries (MSG_QUERY) && !noticing_carries (MSG_QUEUED));
    char shown [NOTICE_KEY_MAX + 1];
    noticing_key_shown ("resident-id", "11010519491231002X", shown);
    assert (streq (shown, "110105********002X"));

    //  A step the store holds but the audit log lacks (the gateway stopped
    //  between the two commits) is recorded when it starts again, once
    startup_test_t test;
    startup_test_setup (&test, "noticing");
    startup_t *parts = test.parts;
    noticing_t *self = noticing_new (parts);
    assert (!noticing_pending (self));
    char msgid [33];
    audit_record_t record = auditrecord_example (2, msgid);
    record.direction = "notice-in";
    assert (noticing_record (self, &record) == 0 && noticing_pending (self));
    assert (notices_commit (parts->notices, NULL) == 0);
    noticing_destroy (&self);
    uint64_t before = audit_count (parts->audit);
    self = noticing_new (parts);
    assert (noticing_pending (self));
    assert (noticing_prepare (self) == 0 && audit_count (parts->audit) == before + 1);
    assert (audit_commit (parts->audit, NULL) == 0);
    noticing_release (self, true);
    assert (!noticing_pending (self));
    noticing_destroy (&self);
    //  Started again, the journal's record is in the log: not again
    self = noticing_new (parts);
    assert (!noticing_pending (self) && audit_count (parts->audit) == before + 1);
    //  A batch whose store cannot commit leaves nothing: no record
    assert (noticing_record (self, &record) == 0);
    noticing_failed (self);
    assert (noticing_prepare (self) == -1);
    noticing_release (self, false);
    assert (audit_pending (parts->audit) == 0 && !noticing_pending (self));
    noticing_destroy (&self);
    startup_test_teardown (&test);
    if (verbose)
        printf ("OK\n");
}
