/*  relay.c -- the broker's store-and-forward of notices, alerts and
    receipts; see relay.h.  */

#include "relay.h"
#include "queue.h"
#include "queued.h"
#include "ratelog.h"
#include "status.h"
#include "conf.h"

//  A department's backlog goes at most this much per heartbeat: well
//  within a connection's queue (broker/queue-limit is 10 or more
//  messages, 10,000 by default: a page that fills it waits for the next
//  heartbeat) and a few milliseconds of the loop
#define S_PAGE_MESSAGES     500
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

//  A failure of the queue, or of a QUEUED, said at most a few lines a
//  second however many there are
static void
s_failure (relay_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_failure (relay_t *self, const char *format, ...)
{
    uint64_t skipped = 0;
    if (!ratelog_allow (self->failure_log, zclock_mono (), &skipped))
        return;
    va_list arguments;
    va_start (arguments, format);
    char *what = zsys_vprintf (format, arguments);
    va_end (arguments);
    char note [64];
    zsys_error ("broker: %s%s", what, ratelog_note (skipped, note, sizeof (note)));
    zstr_free (&what);
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
        s_failure (self, "%s", error);
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
            s_failure (self, "%s", error);
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
        s_failure (self, "%s; %zu senders told INTERNAL", error, zlistx_size (self->pending));
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
            s_failure (self, "cannot send QUEUED to %s: %s", pending->from,
                       status_name (status));
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
        s_failure (self, "%s; %s's backlog waits", error, department);
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
        s_failure (self, "%s", error);
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

void
relay_test (bool verbose)
{
    if (verbose)
        printf (" * relay: ");
    assert (relay_carries (MSG_NOTICE) && relay_carries (MSG_ALERT)
            && relay_carries (MSG_RECEIPT) && relay_carries (MSG_ACK));
    assert (!relay_carries (MSG_QUERY) && !relay_carries (MSG_QUEUED)
            && !relay_carries (MSG_HELLO));
    if (verbose)
        printf ("OK\n");
}
