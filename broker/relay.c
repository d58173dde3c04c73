/*  relay.c -- the broker's store-and-forward of notices, alerts and
    receipts; see relay.h.  */

#include "relay.h"
#include "queue.h"
#include "queued.h"
#include "ratelog.h"
#include "status.h"
#include "conf.h"
#include "message.h"
#include "noticeid.h"
#include "statedb.h"
#include "authority.h"
#include <sodium.h>

//  A department's backlog goes at most this much per heartbeat: well
//  within a connection's queue (broker/queue-limit is 10 or more
//  messages, 10,000 by default: a page that fills it waits for the next
//  heartbeat) and a few milliseconds of the loop
#define S_PAGE_MESSAGES     1000
#define S_PAGE_BYTES        (16 * 1024 * 1024)
//  What is too old is looked for once a minute, this many at a time
#define S_EXPIRE_EVERY_MS   60000
#define S_EXPIRE_BATCH      10000
#define S_DAY_MS            (86400 * (int64_t) 1000)

//  A sender to tell QUEUED once its message is durable
typedef struct {
    zframe_t *routing;          //  the connection it came on
    char from [ENVELOPE_DEPT_MAX + 1];
    queued_t queued;            //  the message's id and recipient
} s_pending_t;

//  Where the forwarding of a department's backlog is
typedef struct {
    uint64_t after;             //  the last seq forwarded
    uint64_t until;             //  the newest seq held when it registered:
                                //  what came later was forwarded live
    uint64_t sent;
} s_backlog_t;

//  Messages of a sender dropped as too old, for its line of the day
typedef struct {
    uint64_t dropped;           //  since its last line
    int64_t day;                //  of its last line (days since 1970)
} s_expired_t;

struct _relay_t {
    queue_t *queue;
    members_t *members;         //  borrowed
    int level;
    int days;
    zlistx_t *pending;          //  s_pending_t, in the batch's order
    zhashx_t *backlogs;         //  department -> s_backlog_t
    zhashx_t *expired;          //  sender -> s_expired_t
    int64_t next_expiry;        //  monotonic ms
    ratelog_t *limit_log;       //  messages beyond a sender's bound
    ratelog_t *failure_log;     //  the queue's failures, QUEUED not sent
};

static void
s_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_pending_destroy (s_pending_t **pending_p)
{
    if (*pending_p) {
        zframe_destroy (&(*pending_p)->routing);
        free (*pending_p);
        *pending_p = NULL;
    }
}

relay_t *
relay_new (const char *state, members_t *members, size_t per_sender, int days,
           int level, char **error)
{
    assert (state && members && per_sender > 0 && days > 0);
    relay_t *self = (relay_t *) zmalloc (sizeof (relay_t));
    assert (self);
    self->members = members;
    self->level = level;
    self->days = days;
    char *path = zsys_sprintf ("%s/queue.db", state);
    assert (path);
    if (zsys_dir_create ("%s", state) == 0)
        self->queue = queue_new (path, per_sender, error);
    else
        status_set_error (error, "%s: cannot create the state directory (broker/state)",
                          state);
    zstr_free (&path);
    if (!self->queue) {
        relay_destroy (&self);
        return NULL;
    }
    self->pending = zlistx_new ();
    assert (self->pending);
    zlistx_set_destructor (self->pending, (zlistx_destructor_fn *) s_pending_destroy);
    self->backlogs = zhashx_new ();
    assert (self->backlogs);
    zhashx_set_destructor (self->backlogs, s_free);
    self->expired = zhashx_new ();
    assert (self->expired);
    zhashx_set_destructor (self->expired, s_free);
    self->limit_log = ratelog_new (20, 10000);
    self->failure_log = ratelog_new (20, 10000);
    return self;
}

void
relay_destroy (relay_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        relay_t *self = *self_p;
        zlistx_destroy (&self->pending);
        zhashx_destroy (&self->backlogs);
        zhashx_destroy (&self->expired);
        queue_destroy (&self->queue);
        ratelog_destroy (&self->limit_log);
        ratelog_destroy (&self->failure_log);
        free (self);
        *self_p = NULL;
    }
}

bool
relay_carries (int type)
{
    return queue_holds (type) || queue_settles (type);
}

int64_t
relay_held (relay_t *self)
{
    assert (self);
    return queue_size (self->queue);
}


//  --------------------------------------------------------------------------
//  Messages as they pass

//  Holds the message for its recipient; its sender is answered now if it
//  is not held (LIMIT_REACHED, REPLAY, INTERNAL), or told QUEUED at the
//  commit. Returns the status of the store.
static int
s_hold (relay_t *self, zframe_t *routing, zmsg_t *msg, const envelope_header_t *header)
{
    zframe_t *head = zmsg_first (msg);
    zframe_t *body = zmsg_next (msg);
    char *error = NULL;
    int status = queue_store (self->queue, header, zframe_data (head), zframe_size (head),
                              zframe_data (body), zframe_size (body), zclock_time (),
                              &error);
    char id [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (header->id, id);
    if (status == STATUS_OK) {
        s_pending_t *pending = (s_pending_t *) zmalloc (sizeof (s_pending_t));
        assert (pending);
        pending->routing = zframe_dup (routing);
        snprintf (pending->from, sizeof (pending->from), "%s", header->from);
        memcpy (pending->queued.id, header->id, ENVELOPE_ID_BYTES);
        snprintf (pending->queued.to, sizeof (pending->queued.to), "%s", header->to);
        zlistx_add_end (self->pending, pending);
        SLUICE_DEBUG (self->level, "broker: %s %s from %s to %s held",
                      envelope_type_name (header->type), id, header->from, header->to);
    }
    else
    if (status == STATUS_LIMIT_REACHED) {
        uint64_t skipped = 0;
        char note [64];
        if (ratelog_allow (self->limit_log, zclock_mono (), &skipped))
            zsys_warning ("broker: %s %s from %s to %s not held: LIMIT_REACHED (%s holds "
                          "as many as broker/queue-per-sender allows)%s",
                          envelope_type_name (header->type), id, header->from, header->to,
                          header->from, ratelog_note (skipped, note, sizeof (note)));
        members_send_error (self->members, routing, header->from, header->id, status,
                            "the broker holds as many of this department's messages as "
                            "it may (broker/queue-per-sender); this one is not held");
    }
    else
    if (status == STATUS_REPLAY)
        members_send_error (self->members, routing, header->from, header->id, status,
                            "the broker holds another department's message of this id "
                            "for this recipient");
    else {
        ratelog_say (self->failure_log, zclock_mono (), true, "broker: %s", error);
        members_send_error (self->members, routing, header->from, header->id,
                            STATUS_INTERNAL, "the broker cannot hold this message now "
                            "(its queue failed); it is not held: send it again");
    }
    zstr_free (&error);
    return status;
}

void
relay_handle (relay_t *self, truststore_t *trust, zframe_t *routing, zmsg_t **msg_p,
              const envelope_header_t *header)
{
    assert (self && trust && routing && msg_p && *msg_p && header);
    assert (relay_carries (header->type) && zmsg_size (*msg_p) == 2);
    //  Nothing is held for a department that is not one the broker trusts
    //  now: it could never be delivered
    int trusted = truststore_check (trust, header->to, zclock_time () / 1000, NULL);
    if (trusted != STATUS_OK) {
        char reason [160];
        snprintf (reason, sizeof (reason), "%s cannot receive: %s; nothing is held for it",
                  header->to, status_name (trusted));
        members_count (self->members, header->from, false);
        members_send_error (self->members, routing, header->from, header->id,
                            STATUS_UNKNOWN_DEPARTMENT, reason);
        zmsg_destroy (msg_p);
        return;
    }
    //  Settled as it passes, whether or not its recipient is here to get it:
    //  its sender has what it settles
    if (queue_settles (header->type)) {
        char *error = NULL;
        int settled = queue_settle (self->queue, header, &error);
        if (settled < 0)
            ratelog_say (self->failure_log, zclock_mono (), true, "broker: %s", error);
        else
        if (settled > 0)
            SLUICE_DEBUG (self->level, "broker: a %s from %s settled what %s holds for it",
                          envelope_type_name (header->type), header->from, header->to);
        zstr_free (&error);
    }
    int held = -1;
    if (queue_holds (header->type)) {
        held = s_hold (self, routing, *msg_p, header);
        if (held == STATUS_REPLAY) {
            members_count (self->members, header->from, false);
            zmsg_destroy (msg_p);
            return;
        }
    }
    //  Forwarded at once if its recipient is here. One that is held and
    //  cannot go now goes when its recipient registers; one that is not
    //  held (an ACK) is refused as a QUERY would be
    int status = members_deliver (self->members, header->to, msg_p);
    members_count (self->members, header->from, status == STATUS_OK || held == STATUS_OK);
    if (status != STATUS_OK && held < 0)
        members_send_error (self->members, routing, header->from, header->id,
                            status == STATUS_NOT_REGISTERED? STATUS_DEPARTMENT_OFFLINE:
                            status, NULL);
}

void
relay_commit (relay_t *self)
{
    assert (self);
    char *error = NULL;
    int rc = queue_commit (self->queue, &error);
    if (rc)
        ratelog_say (self->failure_log, zclock_mono (), true, "broker: %s; %zu senders "
                     "told INTERNAL", error, zlistx_size (self->pending));
    zstr_free (&error);
    for (s_pending_t *pending = (s_pending_t *) zlistx_first (self->pending); pending;
         pending = (s_pending_t *) zlistx_next (self->pending)) {
        if (rc) {
            members_send_error (self->members, pending->routing, pending->from,
                                pending->queued.id, STATUS_INTERNAL,
                                "the broker cannot hold this message now (its queue "
                                "failed); it is not held: send it again");
            continue;
        }
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        int status = queued_encode (&pending->queued, &buffer) == 0?
            members_send (self->members, pending->routing, pending->from, MSG_QUEUED,
                          (const uint8_t *) buffer.data, buffer.size): STATUS_TOO_LARGE;
        msgpack_sbuffer_destroy (&buffer);
        //  Its sender, not told, sends the message again, and is told then
        if (status != STATUS_OK)
            ratelog_say (self->failure_log, zclock_mono (), true, "broker: cannot send "
                         "QUEUED to %s: %s", pending->from, status_name (status));
    }
    zlistx_purge (self->pending);
}


//  --------------------------------------------------------------------------
//  Backlogs

typedef struct {
    relay_t *self;
    const char *department;
    s_backlog_t *backlog;
    int status;                 //  of the last delivery
    size_t bytes;
    bool caught_up;             //  reached what was forwarded live
} s_page_t;

static int
s_forward_one (void *arg, const queue_item_t *item)
{
    s_page_t *page = (s_page_t *) arg;
    if (item->seq > page->backlog->until) {
        page->caught_up = true;
        return 1;
    }
    zmsg_t *msg = zmsg_new ();
    assert (msg);
    zmsg_addmem (msg, item->header, item->header_size);
    zmsg_addmem (msg, item->body, item->body_size);
    page->status = members_deliver (page->self->members, page->department, &msg);
    if (page->status != STATUS_OK)
        return 1;
    page->backlog->after = item->seq;
    page->backlog->sent++;
    page->bytes += item->header_size + item->body_size;
    return page->bytes >= S_PAGE_BYTES;
}

//  Forwards the next page of a department's backlog. True once there is
//  no more to forward (or it cannot be: the department is gone), false
//  if the rest waits for the next heartbeat.
static bool
s_forward (relay_t *self, const char *department, s_backlog_t *backlog)
{
    s_page_t page = { self, department, backlog, STATUS_OK, 0, false };
    char *error = NULL;
    int listed = queue_list (self->queue, department, backlog->after, S_PAGE_MESSAGES,
                             s_forward_one, &page, &error);
    if (listed < 0) {
        ratelog_say (self->failure_log, zclock_mono (), true, "broker: %s; %s's backlog "
                     "waits", error, department);
        zstr_free (&error);
        return false;
    }
    bool done = page.caught_up || page.status == STATUS_NOT_REGISTERED
             || page.status == STATUS_DEPARTMENT_OFFLINE
             || (page.status == STATUS_OK && page.bytes < S_PAGE_BYTES
                 && listed < S_PAGE_MESSAGES);
    if (done && backlog->sent)
        SLUICE_INFO (self->level, "broker: %s was sent %" PRIu64 " messages held for it%s",
                     department, backlog->sent,
                     page.status == STATUS_OK? "": " before its connection went");
    return done;
}

void
relay_registered (relay_t *self, const char *department)
{
    assert (self && department);
    s_backlog_t *backlog = (s_backlog_t *) zhashx_lookup (self->backlogs, department);
    if (!backlog) {
        backlog = (s_backlog_t *) zmalloc (sizeof (s_backlog_t));
        assert (backlog);
        zhashx_insert (self->backlogs, department, backlog);
    }
    //  From the start: what was on its way on an older connection may be lost
    backlog->after = 0;
    backlog->sent = 0;
    backlog->until = queue_last (self->queue);
    if (s_forward (self, department, backlog))
        zhashx_delete (self->backlogs, department);
}


//  --------------------------------------------------------------------------
//  Retention

static void
s_on_expired (void *arg, const char *sender)
{
    relay_t *self = (relay_t *) arg;
    s_expired_t *expired = (s_expired_t *) zhashx_lookup (self->expired, sender);
    if (!expired) {
        expired = (s_expired_t *) zmalloc (sizeof (s_expired_t));
        assert (expired);
        expired->day = -1;
        zhashx_insert (self->expired, sender, expired);
    }
    expired->dropped++;
}

//  Drops what is held longer than broker/queue-days; each sender whose
//  messages were dropped gets one line a day (a later one counts the rest)
static void
s_expire (relay_t *self)
{
    int64_t now = zclock_time ();
    char *error = NULL;
    int dropped = queue_expire (self->queue, now - self->days * S_DAY_MS, S_EXPIRE_BATCH,
                                s_on_expired, self, &error);
    if (dropped < 0)
        ratelog_say (self->failure_log, zclock_mono (), true, "broker: %s", error);
    zstr_free (&error);
    //  More than a batch waits: the next batch at the next heartbeat
    self->next_expiry = zclock_mono () + (dropped == S_EXPIRE_BATCH? 0: S_EXPIRE_EVERY_MS);
    int64_t today = now / S_DAY_MS;
    for (s_expired_t *expired = (s_expired_t *) zhashx_first (self->expired); expired;
         expired = (s_expired_t *) zhashx_next (self->expired))
        if (expired->dropped && expired->day != today) {
            zsys_warning ("broker: dropped %" PRIu64 " messages from %s held longer than "
                          "%d days (broker/queue-days); its gateway sends again what it "
                          "still holds", expired->dropped,
                          (const char *) zhashx_cursor (self->expired), self->days);
            expired->dropped = 0;
            expired->day = today;
        }
}

void
relay_tick (relay_t *self)
{
    assert (self);
    zlist_t *done = zlist_new ();
    assert (done);
    zlist_autofree (done);
    for (s_backlog_t *backlog = (s_backlog_t *) zhashx_first (self->backlogs); backlog;
         backlog = (s_backlog_t *) zhashx_next (self->backlogs)) {
        const char *department = (const char *) zhashx_cursor (self->backlogs);
        if (!members_routing (self->members, department)
        ||  s_forward (self, department, backlog))
            zlist_append (done, (void *) department);
    }
    for (char *department = (char *) zlist_first (done); department;
         department = (char *) zlist_next (done))
        zhashx_delete (self->backlogs, department);
    zlist_destroy (&done);
    if (zclock_mono () >= self->next_expiry)
        s_expire (self);
    relay_commit (self);
}


//  --------------------------------------------------------------------------
//  Self-test

//  A gateway's side of the test: its certificate and its DEALER
typedef struct {
    cert_t *cert;
    zsock_t *dealer;
    zframe_t *routing;
} s_test_gateway_t;

static void
s_test_gateway (s_test_gateway_t *gateway, const char *department, const char *identity,
                authority_t *authority, truststore_t *trust, zsock_t *router)
{
    int64_t now = zclock_time () / 1000;
    gateway->cert = cert_new (department, department, CERT_ROLE_DEPARTMENT, 3, 1,
                              now - 60, now + 86400, NULL);
    assert (gateway->cert);
    cert_sign_by (gateway->cert, authority);
    cert_t *copy = cert_dup (gateway->cert);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    gateway->dealer = zsock_new (ZMQ_DEALER);
    assert (gateway->dealer);
    zsock_set_identity (gateway->dealer, identity);
    zsock_set_rcvtimeo (gateway->dealer, 1000);
    assert (zsock_connect (gateway->dealer, "inproc://relay-test") == 0);
    gateway->routing = zframe_new (identity, strlen (identity));
    //  The router learns the dealer's identity from its first message
    zstr_send (gateway->dealer, "hi");
    zmsg_t *first = zmsg_recv (router);
    zmsg_destroy (&first);
}

//  The gateway says HELLO and is welcomed
static void
s_test_register (s_test_gateway_t *gateway, members_t *members)
{
    envelope_t *hello = envelope_new (MSG_HELLO, cert_department (gateway->cert), "");
    const uint8_t empty_map [] = { 0x80 };
    assert (hello && envelope_seal (hello, empty_map, 1, cert_sign_secret (gateway->cert),
                                    NULL) == 0);
    assert (members_register (members, gateway->routing, envelope_header (hello), hello)
            == 0);
    envelope_destroy (&hello);
    zmsg_t *welcome = zmsg_recv (gateway->dealer);
    assert (welcome);
    zmsg_destroy (&welcome);
}

//  The next message the gateway gets: its header, and its frames if asked
//  for; the type, or -1 if none comes within `timeout_ms`
static int
s_test_next (s_test_gateway_t *gateway, int timeout_ms, envelope_header_t *header,
             zmsg_t **frames_p)
{
    zsock_set_rcvtimeo (gateway->dealer, timeout_ms);
    zmsg_t *msg = zmsg_recv (gateway->dealer);
    if (!msg)
        return -1;
    assert (zmsg_size (msg) == 2);
    assert (envelope_header_decode (zframe_data (zmsg_first (msg)),
                                    zframe_size (zmsg_first (msg)), header) == STATUS_OK);
    if (frames_p)
        *frames_p = msg;
    else
        zmsg_destroy (&msg);
    return header->type;
}

//  A sealed message of `type` and id `id` from one gateway to another,
//  as its frames
static zmsg_t *
s_test_message (int type, const uint8_t *id, s_test_gateway_t *from, const char *to,
                cert_t *recipient)
{
    envelope_t *envelope = envelope_new (type, cert_department (from->cert), to);
    assert (envelope);
    memcpy (envelope_header_mut (envelope)->id, id, ENVELOPE_ID_BYTES);
    uint8_t key [ENVELOPE_KEY_BYTES];
    assert (crypto_box_beforenm (key, cert_box_public (recipient),
                                 cert_box_secret (from->cert)) == 0);
    const uint8_t payload [] = { 0x81, 0xa1, 'x', 0x01 };
    assert (envelope_seal (envelope, payload, sizeof (payload),
                           cert_sign_secret (from->cert), key) == 0);
    zmsg_t *frames = envelope_encode (envelope);
    envelope_destroy (&envelope);
    return frames;
}

//  Hands the message to the relay as the broker does, from `from`
static void
s_test_handle (relay_t *relay, truststore_t *trust, s_test_gateway_t *from,
               zmsg_t *frames)
{
    envelope_header_t header;
    assert (envelope_header_decode (zframe_data (zmsg_first (frames)),
                                    zframe_size (zmsg_first (frames)), &header)
            == STATUS_OK);
    zmsg_t *msg = zmsg_dup (frames);
    relay_handle (relay, trust, from->routing, &msg, &header);
    assert (!msg);
}

//  The broker's answer the gateway gets next: QUEUED for `id` (code -1),
//  or an ERROR with its code naming `id`
static int
s_test_answer (s_test_gateway_t *gateway, cert_t *broker, const uint8_t *id)
{
    envelope_header_t header;
    zmsg_t *frames = NULL;
    int type = s_test_next (gateway, 1000, &header, &frames);
    assert (type == MSG_QUEUED || type == MSG_ERROR);
    int status = STATUS_OK;
    envelope_t *envelope = envelope_decode (frames, &status);
    assert (envelope && envelope_open (envelope, NULL, cert_sign_public (broker))
                        == STATUS_OK);
    int code = -1;
    if (type == MSG_QUEUED) {
        queued_t queued;
        assert (queued_decode (envelope_payload (envelope),
                               envelope_payload_size (envelope), &queued) == STATUS_OK);
        assert (memcmp (queued.id, id, ENVELOPE_ID_BYTES) == 0);
    }
    else {
        message_error_t error;
        assert (message_error_decode (envelope_payload (envelope),
                                      envelope_payload_size (envelope), &error)
                == STATUS_OK);
        assert (memcmp (error.re, id, ENVELOPE_ID_BYTES) == 0);
        code = (int) error.code;
    }
    envelope_destroy (&envelope);
    zmsg_destroy (&frames);
    return code;
}

//  True if the gateway gets exactly these frames next
static bool
s_test_forwarded (s_test_gateway_t *gateway, zmsg_t *frames)
{
    envelope_header_t header;
    zmsg_t *got = NULL;
    if (s_test_next (gateway, 1000, &header, &got) < 0)
        return false;
    bool same = zframe_eq (zmsg_first (got), zmsg_first (frames))
             && zframe_eq (zmsg_next (got), zmsg_next (frames));
    zmsg_destroy (&got);
    return same;
}

void
relay_test (bool verbose)
{
    if (verbose)
        printf (" * relay: ");
    assert (relay_carries (MSG_NOTICE) && relay_carries (MSG_ALERT)
            && relay_carries (MSG_RECEIPT) && relay_carries (MSG_ACK));
    assert (!relay_carries (MSG_QUERY) && !relay_carries (MSG_QUEUED)
            && !relay_carries (MSG_HELLO));

    //  A broker's members on a ROUTER, two gateways on DEALERs, in this
    //  process; the broker trusts both departments
    int64_t now = zclock_time () / 1000;
    authority_t *authority = authority_new ("Test", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    cert_t *broker = cert_new ("BROKER", "Broker", CERT_ROLE_BROKER, 0, 1,
                               now - 60, now + 86400, NULL);
    assert (authority && trust && broker);
    directory_t *directory = directory_new ("BROKER", 1000);
    members_t *members = members_new (broker, directory, 1000, 0);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (router);
    zsock_set_router_mandatory (router, 1);
    zsock_set_sndtimeo (router, 0);
    assert (zsock_bind (router, "inproc://relay-test") == 0);
    members_set_router (members, router);
    s_test_gateway_t tax, fda;
    s_test_gateway (&tax, "SH-PD-TAX", "tax", authority, trust, router);
    s_test_gateway (&fda, "SH-PD-FDA", "fda", authority, trust, router);
    char *state = zsys_sprintf ("/tmp/sluice-relay-test-%d", (int) getpid ());
    char *path = zsys_sprintf ("%s/queue.db", state);
    statedb_remove (path);
    char *error = NULL;
    assert (!relay_new ("/dev/null/state", members, 2, 30, 0, &error));
    assert (error && strstr (error, "/dev/null/state"));
    zstr_free (&error);
    relay_t *relay = relay_new (state, members, 2, 30, 0, &error);
    assert (relay && !error && relay_held (relay) == 0);
    s_test_register (&tax, members);

    //  A notice from TAX to FDA, offline: held; TAX is told QUEUED at the
    //  end of the batch, not before
    uint8_t notice [ENVELOPE_ID_BYTES], copy [ENVELOPE_ID_BYTES];
    memset (notice, 1, sizeof (notice));
    noticeid_copy (notice, "SH-PD-FDA", copy);
    zmsg_t *first = s_test_message (MSG_NOTICE, copy, &tax, "SH-PD-FDA", fda.cert);
    s_test_handle (relay, trust, &tax, first);
    envelope_header_t header;
    assert (s_test_next (&tax, 50, &header, NULL) == -1);
    relay_commit (relay);
    assert (s_test_answer (&tax, broker, copy) == -1);
    assert (relay_held (relay) == 1);

    //  FDA registers: the notice comes, the frames TAX sent
    s_test_register (&fda, members);
    relay_registered (relay, "SH-PD-FDA");
    assert (s_test_forwarded (&fda, first));
    assert (s_test_next (&fda, 50, &header, NULL) == -1);

    //  A second notice goes at once, and is held (a resend is held once);
    //  TAX's third is beyond its bound of 2: refused at once, but forwarded
    uint8_t second [ENVELOPE_ID_BYTES], third [ENVELOPE_ID_BYTES];
    memset (notice, 2, sizeof (notice));
    noticeid_copy (notice, "SH-PD-FDA", second);
    memset (notice, 3, sizeof (notice));
    noticeid_copy (notice, "SH-PD-FDA", third);
    zmsg_t *next = s_test_message (MSG_ALERT, second, &tax, "SH-PD-FDA", fda.cert);
    s_test_handle (relay, trust, &tax, next);
    s_test_handle (relay, trust, &tax, next);
    zmsg_t *beyond = s_test_message (MSG_NOTICE, third, &tax, "SH-PD-FDA", fda.cert);
    s_test_handle (relay, trust, &tax, beyond);
    assert (s_test_answer (&tax, broker, third) == STATUS_LIMIT_REACHED);
    relay_commit (relay);
    assert (s_test_answer (&tax, broker, second) == -1);
    assert (s_test_answer (&tax, broker, second) == -1);
    assert (s_test_forwarded (&fda, next) && s_test_forwarded (&fda, next)
            && s_test_forwarded (&fda, beyond));
    assert (relay_held (relay) == 2);

    //  FDA's receipt of the first copy settles it, goes to TAX and is held
    uint8_t receipt [ENVELOPE_ID_BYTES];
    noticeid_receipt (copy, NOTICEID_RECEIVED, receipt);
    zmsg_t *received = s_test_message (MSG_RECEIPT, receipt, &fda, "SH-PD-TAX", tax.cert);
    s_test_handle (relay, trust, &fda, received);
    relay_commit (relay);
    assert (s_test_forwarded (&tax, received));
    assert (s_test_answer (&fda, broker, receipt) == -1);
    assert (relay_held (relay) == 2);
    //  ... so FDA registering again gets the second copy only
    relay_registered (relay, "SH-PD-FDA");
    assert (s_test_forwarded (&fda, next));
    assert (s_test_next (&fda, 50, &header, NULL) == -1);

    //  TAX's ack of the receipt settles it, goes to FDA, and is not held
    //  nor answered
    uint8_t ack [ENVELOPE_ID_BYTES];
    noticeid_ack (receipt, ack);
    zmsg_t *acked = s_test_message (MSG_ACK, ack, &tax, "SH-PD-FDA", fda.cert);
    s_test_handle (relay, trust, &tax, acked);
    relay_commit (relay);
    assert (s_test_forwarded (&fda, acked));
    assert (s_test_next (&tax, 50, &header, NULL) == -1);
    assert (relay_held (relay) == 1);
    relay_registered (relay, "SH-PD-TAX");
    assert (s_test_next (&tax, 50, &header, NULL) == -1);

    //  To a department the broker does not trust: nothing held. An ack to
    //  one not registered: DEPARTMENT_OFFLINE, as a query
    zmsg_t *stranger = s_test_message (MSG_NOTICE, third, &tax, "SH-PD-XYZ", fda.cert);
    s_test_handle (relay, trust, &tax, stranger);
    assert (s_test_answer (&tax, broker, third) == STATUS_UNKNOWN_DEPARTMENT);
    members_purge (members);
    s_test_register (&tax, members);
    s_test_handle (relay, trust, &tax, acked);
    assert (s_test_answer (&tax, broker, ack) == STATUS_DEPARTMENT_OFFLINE);
    relay_commit (relay);
    assert (relay_held (relay) == 1);

    //  A backlog larger than a page goes a page now, the rest a page a
    //  heartbeat; what comes after the registration goes live, and not
    //  again with the backlog
    relay_destroy (&relay);
    relay = relay_new (state, members, 10000, 30, 0, &error);
    assert (relay);
    size_t backlog = S_PAGE_MESSAGES + 20;
    for (size_t index = 0; index < backlog; index++) {
        uint8_t id [ENVELOPE_ID_BYTES];
        memset (id, 0, sizeof (id));
        memcpy (id, &index, sizeof (index));
        zmsg_t *frames = s_test_message (MSG_NOTICE, id, &tax, "SH-PD-FDA", fda.cert);
        s_test_handle (relay, trust, &tax, frames);
        zmsg_destroy (&frames);
    }
    relay_commit (relay);
    assert (relay_held (relay) == (int64_t) backlog + 1);
    size_t answers = 0;
    while (s_test_next (&tax, 50, &header, NULL) == MSG_QUEUED)
        answers++;
    assert (answers == backlog);
    s_test_register (&fda, members);
    relay_registered (relay, "SH-PD-FDA");
    size_t count = 0;
    while (s_test_next (&fda, 50, &header, NULL) >= 0)
        count++;
    assert (count == S_PAGE_MESSAGES);
    uint8_t live [ENVELOPE_ID_BYTES];
    memset (live, 0xee, sizeof (live));
    zmsg_t *frames = s_test_message (MSG_NOTICE, live, &tax, "SH-PD-FDA", fda.cert);
    s_test_handle (relay, trust, &tax, frames);
    relay_commit (relay);
    assert (s_test_forwarded (&fda, frames));
    zmsg_destroy (&frames);
    relay_tick (relay);
    while (s_test_next (&fda, 50, &header, NULL) >= 0)
        count++;
    assert (count == backlog + 1);
    relay_tick (relay);
    assert (s_test_next (&fda, 50, &header, NULL) == -1);

    zmsg_destroy (&first);
    zmsg_destroy (&next);
    zmsg_destroy (&beyond);
    zmsg_destroy (&received);
    zmsg_destroy (&acked);
    zmsg_destroy (&stranger);
    relay_destroy (&relay);
    relay_destroy (&relay);             //  safe twice
    s_test_gateway_t *gateways [] = { &tax, &fda };
    for (size_t index = 0; index < 2; index++) {
        zsock_destroy (&gateways [index]->dealer);
        zframe_destroy (&gateways [index]->routing);
        cert_destroy (&gateways [index]->cert);
    }
    members_destroy (&members);
    zsock_destroy (&router);
    directory_destroy (&directory);
    cert_destroy (&broker);
    truststore_destroy (&trust);
    authority_destroy (&authority);
    statedb_remove (path);
    rmdir (state);
    zstr_free (&path);
    zstr_free (&state);
    if (verbose)
        printf ("OK\n");
}
