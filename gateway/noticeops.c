/*  noticeops.c -- the local API's operations on notices and alerts; see
    noticeops.h.  */

#include "noticeops.h"
#include "noticesend.h"
#include "noticeref.h"
#include "codec.h"
#include "names.h"
#include "status.h"
#include "topics.h"
#include <sodium.h>

#define S_TAKE_DEFAULT      100         //  copies one take gives, unless asked
#define S_WAIT_DEFAULT_MS   30000       //  a wait's time, unless asked

//  A caller waiting for new copies
typedef struct {
    zmsg_t *reply_to;
    int64_t expires;
} s_waiter_t;

struct _noticeops_t {
    startup_t *parts;               //  all borrowed
    noticing_t *noticing;
    notices_t *store;
    regclient_t *registry;
    noticesend_t *send;             //  notice-send and alert-raise
    zlistx_t *waiters;              //  s_waiter_t
    bool republish;                 //  the subscriptions changed
};

static void
s_waiter_destroy (s_waiter_t **waiter_p)
{
    if (*waiter_p) {
        zmsg_destroy (&(*waiter_p)->reply_to);
        free (*waiter_p);
        *waiter_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Replies

static void
s_refuse (noticeops_t *self, zmsg_t *reply_to, int status, const char *reason,
          const char *field)
{
    noticing_refuse (self->noticing, reply_to, status, reason, field);
}

static void
s_reply_rows (noticeops_t *self, zmsg_t *reply_to, int status, const char *reason,
              const char *msgid, msgpack_sbuffer *rows, bool later)
{
    noticing_reply_rows (self->noticing, reply_to, status, reason, msgid, rows, later);
}

//  The rows of several listings as one array: each of `count` buffers
//  holds an array
static void
s_merge (msgpack_sbuffer *parts, size_t count, msgpack_sbuffer *rows)
{
    msgpack_unpacked unpacked [4];
    size_t total = 0;
    assert (count <= 4);
    for (size_t index = 0; index < count; index++) {
        msgpack_unpacked_init (&unpacked [index]);
        if (codec_unpack ((uint8_t *) parts [index].data, parts [index].size,
                          &unpacked [index]) == STATUS_OK)
            total += unpacked [index].data.via.array.size;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, total);
    for (size_t index = 0; index < count; index++) {
        const msgpack_object *array = &unpacked [index].data;
        for (uint32_t row = 0; array->type == MSGPACK_OBJECT_ARRAY
                               && row < array->via.array.size; row++)
            msgpack_pack_object (&pk, array->via.array.ptr [row]);
        msgpack_unpacked_destroy (&unpacked [index]);
    }
}

//  The type an operation is about: its name's first word
static int
s_type (const localapi_request_t *request)
{
    return strncmp (request->op, "alert-", 6) == 0? MSG_ALERT: MSG_NOTICE;
}

//  The notice id of a request: 32 hex digits in `id`; 0 or -1
static int
s_notice_id (const localapi_request_t *request, uint8_t *id)
{
    size_t size = 0;
    return strlen (request->id) == NOTICEID_BYTES * 2
        && sodium_hex2bin (id, NOTICEID_BYTES, request->id, strlen (request->id), NULL,
                           &size, NULL) == 0 && size == NOTICEID_BYTES? 0: -1;
}


//  --------------------------------------------------------------------------
//  Sending (noticesend.h)

void
noticeops_send (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    noticesend_notice (self->send, reply_to, request);
}

void
noticeops_raise (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    noticesend_alert (self->send, reply_to, request);
}

void
noticeops_catalogs (noticeops_t *self, bool listed)
{
    assert (self);
    noticesend_catalogs (self->send, listed);
}


//  --------------------------------------------------------------------------
//  What the store holds

//  The rows of the listings of `filters` (count of them), merged
static void
s_list_rows (noticeops_t *self, notices_filter_t *filters, size_t count,
             msgpack_sbuffer *rows)
{
    msgpack_sbuffer parts [4];
    for (size_t index = 0; index < count; index++) {
        msgpack_sbuffer_init (&parts [index]);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &parts [index], msgpack_sbuffer_write);
        notices_pack (self->store, &filters [index], &pk);
    }
    s_merge (parts, count, rows);
    for (size_t index = 0; index < count; index++)
        msgpack_sbuffer_destroy (&parts [index]);
}

void
noticeops_list (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (*request->filter && !streq (request->filter, "sent")
    &&  !streq (request->filter, "received")) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a listing is of what was sent or "
                  "received", NULL);
        return;
    }
    notices_filter_t filters [2];
    size_t count = 0;
    for (int sent = 1; sent >= 0; sent--)
        if (!*request->filter || streq (request->filter, sent? "sent": "received"))
            filters [count++] = (notices_filter_t) {
                .sent = sent, .type = s_type (request), .pending = request->pending,
                .overdue = request->overdue, .max = (size_t) request->max,
                .now_ms = zclock_time ()
            };
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    s_list_rows (self, filters, count, &rows);
    s_reply_rows (self, reply_to, STATUS_OK, s_type (request) == MSG_ALERT? "alerts":
                  "notices", NULL, &rows, false);
    msgpack_sbuffer_destroy (&rows);
}

void
noticeops_show (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    uint8_t notice [NOTICEID_BYTES];
    if (s_notice_id (request, notice)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a notice id is 32 hex digits", NULL);
        return;
    }
    notices_filter_t filters [4];
    for (int index = 0; index < 4; index++)
        filters [index] = (notices_filter_t) {
            .sent = index < 2, .type = index % 2? MSG_ALERT: MSG_NOTICE, .notice = notice,
            .now_ms = zclock_time ()
        };
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    s_list_rows (self, filters, 4, &rows);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    bool found = codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked) == STATUS_OK
              && unpacked.data.via.array.size > 0;
    msgpack_unpacked_destroy (&unpacked);
    if (found)
        s_reply_rows (self, reply_to, STATUS_OK, "its copies, each with its state",
                      request->id, &rows, false);
    else
        s_refuse (self, reply_to, STATUS_NOT_FOUND, "no such notice or alert here", NULL);
    msgpack_sbuffer_destroy (&rows);
}

void
noticeops_stats (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    notices_pack_stats (self->store, s_type (request), &pk);
    s_reply_rows (self, reply_to, STATUS_OK, "receipt rates, per recipient and per kind",
                  NULL, &rows, false);
    msgpack_sbuffer_destroy (&rows);
}


//  --------------------------------------------------------------------------
//  The recipient's steps

//  A receipt of ours, and the step's record: `decision` in the record
static int
s_step (noticeops_t *self, const notices_held_t *held, const notice_receipt_t *receipt,
        const char *caller, const char *decision)
{
    uint8_t digest [32];
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], key [NOTICE_KEY_MAX + 1];
    envelope_id_hex (held->copy, msgid);
    noticing_key_shown (held->key_type, held->key, key);
    //  A receipt that cannot be sealed now (its sender's certificate is no
    //  longer valid) is not sent; the step is still recorded
    bool sealed = noticing_receipt (self->noticing, held->peer, receipt, digest) == 0;
    audit_record_t record = {
        .msg_time_ms = (int64_t) receipt->at,
        .direction = held->type == MSG_ALERT? "alert-in": "notice-in", .msgid = msgid,
        .peer = held->peer, .caller = caller, .officer = receipt->officer,
        .purpose = "", .item = held->subject, .key = key, .fields = "",
        .decision = decision, .agreement = "", .response_digest = sealed? digest: NULL
    };
    return noticing_record (self->noticing, &record);
}

//  The copy of `notice` received here, as a listing gives it, into pk (nil
//  if it cannot be read)
static void
s_pack_received (noticeops_t *self, int type, const uint8_t *notice, int64_t now,
                 msgpack_packer *pk)
{
    notices_filter_t filter = { .type = type, .notice = notice, .now_ms = now };
    msgpack_sbuffer one;
    msgpack_sbuffer_init (&one);
    s_list_rows (self, &filter, 1, &one);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (codec_unpack ((uint8_t *) one.data, one.size, &unpacked) == STATUS_OK
    &&  unpacked.data.via.array.size == 1)
        msgpack_pack_object (pk, unpacked.data.via.array.ptr [0]);
    else
        msgpack_pack_nil (pk);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&one);
}

//  A take whose own reference took copies before (its answer lost): given
//  the same copies again (as they stand now), once durable; nothing new is
//  taken. True if answered
static bool
s_taken_before (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request, int type)
{
    zlistx_t *notices = noticing_list ((zlistx_destructor_fn *) zstr_free);
    int64_t count = notices_ref_taken (self->store, type, request->ref, notices);
    if (count < 0)
        s_refuse (self, reply_to, STATUS_INTERNAL, "the notice store cannot be read", NULL);
    if (count > 0) {
        int64_t now = zclock_time ();
        msgpack_sbuffer rows;
        msgpack_sbuffer_init (&rows);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
        msgpack_pack_array (&pk, (uint32_t) count);
        for (uint8_t *notice = (uint8_t *) zlistx_first (notices); notice;
             notice = (uint8_t *) zlistx_next (notices))
            s_pack_received (self, type, notice, now, &pk);
        char reason [128];
        snprintf (reason, sizeof (reason), "%" PRId64 " taken before as '%s'; nothing new "
                  "taken", count, request->ref);
        s_reply_rows (self, reply_to, STATUS_OK, reason, NULL, &rows, true);
        msgpack_sbuffer_destroy (&rows);
    }
    zlistx_destroy (&notices);
    return count != 0;
}

void
noticeops_take (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    int type = s_type (request);
    bool ref = *request->ref;
    if (ref && !noticeref_valid (request->ref)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, NOTICEREF_RULE, "ref");
        return;
    }
    if (ref && s_taken_before (self, reply_to, request, type))
        return;
    zlistx_t *taken = noticing_list ((zlistx_destructor_fn *) zstr_free);
    int64_t now = zclock_time ();
    size_t max = request->max? (size_t) request->max: S_TAKE_DEFAULT;
    if (noticing_begin (self->noticing)
    ||  notices_take_new (self->store, type, max, now, taken))
        noticing_failed (self->noticing);
    size_t count = 0;
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, zlistx_size (taken));
    for (notices_held_t *held = (notices_held_t *) zlistx_first (taken); held;
         held = (notices_held_t *) zlistx_next (taken)) {
        notice_receipt_t receipt = { .state = "received", .at = (uint64_t) now };
        memcpy (receipt.copy, held->copy, NOTICEID_BYTES);
        s_step (self, held, &receipt, request->caller, "received");
        if (ref && notices_ref_take (self->store, type, request->ref, held->notice))
            noticing_failed (self->noticing);
        //  Its row, as a listing gives it (the inbox holds one copy of it)
        s_pack_received (self, type, held->notice, now, &pk);
        count++;
    }
    char reason [64];
    snprintf (reason, sizeof (reason), "%zu taken", count);
    s_reply_rows (self, reply_to, STATUS_OK, reason, NULL, &rows, true);
    msgpack_sbuffer_destroy (&rows);
    zlistx_destroy (&taken);
}

void
noticeops_feedback (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    uint8_t notice [NOTICEID_BYTES];
    if (s_notice_id (request, notice)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a notice id is 32 hex digits", NULL);
        return;
    }
    if (!names_valid (request->result)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a result is a name: 1..64 "
                  "characters of a-z 0-9 _ . - (e.g. licence-issued)", NULL);
        return;
    }
    const char *reason = request->text? request->text: "";
    if (strlen (reason) > NOTICE_REASON_MAX) {
        s_refuse (self, reply_to, STATUS_TOO_LARGE, "a reason has at most 512 bytes", NULL);
        return;
    }
    notices_held_t held;
    int64_t now = zclock_time ();
    int status = noticing_begin (self->noticing)? STATUS_INTERNAL:
                 notices_feedback (self->store, notice, request->result, reason,
                                   request->query.officer, now, &held);
    if (status != STATUS_OK) {
        s_refuse (self, reply_to, status, status == STATUS_NOT_FOUND?
                  "no such notice was received here": NULL, NULL);
        if (status == STATUS_INTERNAL)
            noticing_failed (self->noticing);
        return;
    }
    notice_receipt_t receipt = { .state = "handled", .at = (uint64_t) now };
    memcpy (receipt.copy, held.copy, NOTICEID_BYTES);
    snprintf (receipt.result, sizeof (receipt.result), "%s", request->result);
    snprintf (receipt.reason, sizeof (receipt.reason), "%s", reason);
    snprintf (receipt.officer, sizeof (receipt.officer), "%s", request->query.officer);
    char decision [NOTICE_REASON_MAX + NOTICE_NAME_MAX + 16];
    snprintf (decision, sizeof (decision), "handled: %s (%s)", request->result, reason);
    s_step (self, &held, &receipt, request->caller, decision);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 0);
    s_reply_rows (self, reply_to, STATUS_OK, "handled; the receipt goes to the sender",
                  request->id, &rows, true);
    msgpack_sbuffer_destroy (&rows);
}


//  --------------------------------------------------------------------------
//  Waiting for what arrives

//  Replies to a waiter with what is new: OK and the counts, or TIMEOUT
static void
s_wake (noticeops_t *self, zmsg_t *reply_to, bool timed_out)
{
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_uint (&pk, "notices", (uint64_t) notices_untaken (self->store, MSG_NOTICE));
    codec_pack_kv_uint (&pk, "alerts", (uint64_t) notices_untaken (self->store, MSG_ALERT));
    s_reply_rows (self, reply_to, timed_out? STATUS_TIMEOUT: STATUS_OK,
                  timed_out? "nothing new within the time": "new notices or alerts to take",
                  NULL, &rows, false);
    msgpack_sbuffer_destroy (&rows);
}

void
noticeops_wait (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (notices_untaken (self->store, MSG_NOTICE) > 0
    ||  notices_untaken (self->store, MSG_ALERT) > 0) {
        s_wake (self, reply_to, false);
        return;
    }
    s_waiter_t *waiter = (s_waiter_t *) zmalloc (sizeof (s_waiter_t));
    waiter->reply_to = zmsg_dup (reply_to);
    waiter->expires = zclock_mono () + (request->timeout_ms? (int64_t) request->timeout_ms:
                                        S_WAIT_DEFAULT_MS);
    zlistx_add_end (self->waiters, waiter);
}

void
noticeops_subscribe (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (!topics_valid (request->topic)) {
        s_refuse (self, reply_to, STATUS_UNKNOWN_TOPIC, "not a topic of the published list",
                  NULL);
        return;
    }
    int changed = noticing_begin (self->noticing)? -1:
                  notices_subscribe (self->store, request->topic, !request->remove);
    if (changed < 0) {
        noticing_failed (self->noticing);
        s_refuse (self, reply_to, STATUS_INTERNAL, "the subscription cannot be stored", NULL);
        return;
    }
    self->republish |= changed > 0;
    SLUICE_INFO (self->parts->level, "gateway: %s topic %s", request->remove?
                 "no longer subscribed to": "subscribed to", request->topic);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    zlist_t *topics = notices_topics (self->store);
    msgpack_pack_array (&pk, zlist_size (topics));
    for (char *topic = (char *) zlist_first (topics); topic;
         topic = (char *) zlist_next (topics)) {
        msgpack_pack_map (&pk, 1);
        codec_pack_kv_str (&pk, "topic", topic);
    }
    zlist_destroy (&topics);
    s_reply_rows (self, reply_to, STATUS_OK, request->remove? "unsubscribed; the catalog "
                  "says so": "subscribed; the catalog says so", NULL, &rows, true);
    msgpack_sbuffer_destroy (&rows);
}

//  After each commit: waiters hear of what arrived; changed subscriptions
//  are published
static void
s_released (void *argument, bool arrived)
{
    noticeops_t *self = (noticeops_t *) argument;
    s_waiter_t *waiter;
    while (arrived && (waiter = (s_waiter_t *) zlistx_detach (self->waiters, NULL))) {
        s_wake (self, waiter->reply_to, false);
        s_waiter_destroy (&waiter);
    }
    if (self->republish) {
        self->republish = false;
        regclient_publish (self->registry, NULL);
    }
}

void
noticeops_expire (noticeops_t *self)
{
    assert (self);
    int64_t now = zclock_mono ();
    zlistx_t *waiting = noticing_list ((zlistx_destructor_fn *) s_waiter_destroy);
    s_waiter_t *waiter;
    while ((waiter = (s_waiter_t *) zlistx_detach (self->waiters, NULL))) {
        if (now >= waiter->expires) {
            s_wake (self, waiter->reply_to, true);
            s_waiter_destroy (&waiter);
        }
        else
            zlistx_add_end (waiting, waiter);
    }
    zlistx_destroy (&self->waiters);
    self->waiters = waiting;
    noticesend_expire (self->send);
}

noticeops_t *
noticeops_new (startup_t *parts, noticing_t *noticing, catalogs_t *catalogs,
               regclient_t *registry)
{
    assert (parts && noticing && catalogs && registry);
    noticeops_t *self = (noticeops_t *) zmalloc (sizeof (noticeops_t));
    assert (self);
    self->parts = parts;
    self->noticing = noticing;
    self->store = noticing_store (noticing);
    self->registry = registry;
    self->send = noticesend_new (parts, noticing, catalogs, registry);
    self->waiters = noticing_list ((zlistx_destructor_fn *) s_waiter_destroy);
    noticing_on_release (noticing, s_released, self);
    return self;
}

void
noticeops_destroy (noticeops_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        noticeops_t *self = *self_p;
        noticing_on_release (self->noticing, NULL, NULL);
        noticesend_destroy (&self->send);
        zlistx_destroy (&self->waiters);
        free (self);
        *self_p = NULL;
    }
}

void
noticeops_test (bool verbose)
{
    if (verbose)
        printf (" * noticeops: ");
    //  Through the real daemons: tests/features/notices.sh and alerts.sh
    if (verbose)
        printf ("OK\n");
}
