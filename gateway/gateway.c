/*  gateway.c -- sluice-gateway: one department's door to the federation.

    The loop that wires the gateway's jobs. One thread, one zloop: the
    broker links (DEALER, CURVE client), the local API (ROUTER) and timers.
    Each job has its file:

        startup.c       the parts, built from the settings
        serve.c         serving a QUERY from another department
        asking.c        the queries we sent, each until it ends
        noticing.c      notices, alerts and their receipts, each until settled
        localops.c      the local API's operations, and its replies
        regclient.c     the registry: what we put, list and catch up on
        links.c         the links to the brokers, and sending through them
        peers.c         the other departments: certificates, revocations, keys

    What stays here is what binds them: reading the sockets, dispatching
    each message to its job, the timers, and the group commit. No answer
    leaves before its audit record is durable: each event handler reads
    what is waiting (up to S_BATCH_MAX messages), decides and seals every
    answer, appends the records, and holds the answers back; at the end it
    commits the batch in one transaction (s_commit) and only then sends
    them (one disk sync per batch).
*/

#include "gateway.h"
#include "startup.h"
#include "serve.h"
#include "asking.h"
#include "localops.h"
#include "regclient.h"
#include "catalogs.h"
#include "noticing.h"
#include "noticeops.h"
#include "http.h"
#include "ratelog.h"
#include "status.h"
#include <sodium.h>

#define S_BATCH_MAX         256     //  messages read from a link, or local
                                    //  requests, per commit
#define S_UNRECORDED        "the audit log cannot record this request; nothing was answered"
#define S_UNRECORDED_ANSWER "the audit log cannot record this answer; it is withheld"

//  What an event handler holds back until the records of its batch are
//  durable: a sealed answer to a department, or a reply to a local caller.
//  If the commit fails, each gets an INTERNAL error instead.
typedef struct {
    envelope_t *envelope;               //  the answer, or NULL
    link_t *via;
    char to [ENVELOPE_DEPT_MAX + 1];
    uint8_t re [ENVELOPE_ID_BYTES];     //  the query answered
    uint8_t box_key [ENVELOPE_KEY_BYTES];
    zmsg_t *reply;                      //  the local reply, or NULL
    zmsg_t *reply_to;                   //  its return address
} s_held_t;

struct _gateway_t {
    startup_t *parts;           //  what the gateway is made of
    catalogs_t *catalogs;       //  other departments' published catalogs
    asking_t *asking;
    regclient_t *registry;
    noticing_t *noticing;
    noticeops_t *notice_ops;
    localops_t *local_ops;
    localops_figures_t figures; //  queries served and refused
    zlistx_t *held;             //  s_held_t, until the batch is committed
    zloop_t *loop;
    ratelog_t *refusal_log;     //  messages from departments refused
    ratelog_t *error_log;       //  ERRORs about nothing we wait for (a
                                //  flood's answers the broker could not
                                //  deliver: BUSY, DEPARTMENT_OFFLINE)
    ratelog_t *caller_log;      //  local callers refused
    http_t *http;               //  the local HTTP API, or NULL
    bool audit_failing;         //  the last audit commit failed
};

static void
s_held_destroy (s_held_t **held_p)
{
    if (*held_p) {
        s_held_t *held = *held_p;
        envelope_destroy (&held->envelope);
        zmsg_destroy (&held->reply);
        zmsg_destroy (&held->reply_to);
        sodium_memzero (held->box_key, ENVELOPE_KEY_BYTES);
        free (held);
        *held_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  The group commit

//  Appends a record, timed now. 0, or -1 (logged): the caller then sends
//  nothing the record would have described.
static int
s_record (gateway_t *self, audit_record_t *record)
{
    record->time_ms = zclock_time ();
    int rc = audit_append (self->parts->audit, record);
    if (rc)
        zsys_error ("gateway: the audit log refused a record (disk failing?)");
    return rc;
}

//  Holds a sealed answer to a department until the batch is committed.
static void
s_hold_answer (gateway_t *self, envelope_t **envelope_p, link_t *via,
               const uint8_t *box_key, const uint8_t *re)
{
    s_held_t *held = (s_held_t *) zmalloc (sizeof (s_held_t));
    assert (held);
    held->envelope = *envelope_p;
    *envelope_p = NULL;
    held->via = via;
    snprintf (held->to, sizeof (held->to), "%s", envelope_header (held->envelope)->to);
    memcpy (held->box_key, box_key, ENVELOPE_KEY_BYTES);
    memcpy (held->re, re, ENVELOPE_ID_BYTES);
    zlistx_add_end (self->held, held);
}

//  Holds a reply to a local caller until the batch is committed.
static void
s_hold_reply (gateway_t *self, zmsg_t **reply_p, zmsg_t *reply_to)
{
    s_held_t *held = (s_held_t *) zmalloc (sizeof (s_held_t));
    assert (held);
    held->reply = *reply_p;
    *reply_p = NULL;
    held->reply_to = zmsg_dup (reply_to);
    zlistx_add_end (self->held, held);
}

//  Sends a sealed ERROR that names no audit record of ours: INTERNAL when
//  the audit log refuses, BAD_TYPE for a type not served. Returns 0, or -1
//  if it cannot be made or no link took it (logged here, once for every
//  caller).
static int
s_send_error (gateway_t *self, link_t *via, const char *to, const uint8_t *box_key,
              const uint8_t *re, int code, const char *reason)
    __attribute__ ((warn_unused_result));

static int
s_send_error (gateway_t *self, link_t *via, const char *to, const uint8_t *box_key,
              const uint8_t *re, int code, const char *reason)
{
    envelope_t *envelope = serve_error_new (self->parts->cert, to, box_key, re, code,
                                            reason, NULL, NULL);
    int rc = envelope? links_send (self->parts->links, envelope, via): -1;
    if (rc)
        zsys_warning ("gateway: %s to %s not sent: no broker link takes it now",
                      status_name (code), to);
    envelope_destroy (&envelope);
    return rc;
}

//  Commits the records of the batch and then releases what was held back;
//  if the commit fails, nothing that the records describe leaves: each
//  answer becomes an INTERNAL error (naming no record), each local reply
//  an INTERNAL reply without the data.
static void
s_commit (gateway_t *self)
{
    startup_t *parts = self->parts;
    bool noticed = noticing_pending (self->noticing);
    if (audit_pending (parts->audit) == 0 && zlistx_size (self->held) == 0 && !noticed)
        return;
    //  The notice store first: its steps' records join the audit batch
    //  only once it holds them
    bool stored = !noticed || noticing_prepare (self->noticing) == 0;
    //  A failing disk is said once per failing spell, not once per batch
    char *error = NULL;
    bool durable = audit_commit (parts->audit, &error) == 0;
    if (noticed)
        noticing_release (self->noticing, stored && durable);
    if (!durable && !self->audit_failing)
        zsys_error ("gateway: audit: %s", error? error: "cannot write");
    if (durable && self->audit_failing)
        zsys_info ("gateway: audit: the log is written again");
    self->audit_failing = !durable;
    zstr_free (&error);
    s_held_t *held;
    while ((held = (s_held_t *) zlistx_detach (self->held, NULL))) {
        if (held->envelope && durable) {
            if (links_send (parts->links, held->envelope, held->via))
                zsys_warning ("gateway: an answer to %s is recorded but not sent: no"
                              " broker link takes it now", held->to);
        }
        else
        if (held->envelope) {
            //  An error that cannot leave is logged by s_send_error
            if (s_send_error (self, held->via, held->to, held->box_key, held->re,
                              STATUS_INTERNAL, S_UNRECORDED))
                SLUICE_DEBUG (parts->level, "gateway: nothing answered to %s", held->to);
        }
        else
        if (durable)
            localops_send (parts->local, &held->reply);
        else {
            localapi_reply_t reply = { .status = STATUS_INTERNAL,
                                       .reason = S_UNRECORDED_ANSWER };
            localops_reply (parts->local, held->reply_to, &reply);
        }
        s_held_destroy (&held);
    }
}


//  --------------------------------------------------------------------------
//  Asking: what the queries we sent need of the gateway (asking.h)

static int
s_ask_send (void *argument, envelope_t *request, uint32_t tried)
{
    gateway_t *self = (gateway_t *) argument;
    return links_send_through (self->parts->links, request, NULL, tried);
}

static int
s_ask_send_via (void *argument, envelope_t *request, int link)
{
    gateway_t *self = (gateway_t *) argument;
    return link_send_sealed (links_at (self->parts->links, (size_t) link), request);
}

static int
s_ask_fetch (void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    return regclient_fetch_catalogs (self->registry);
}

//  A query ended: its record, then its reply once the record is durable
static void
s_ask_end (void *argument, zmsg_t *reply_to, const localapi_reply_t *reply,
           const audit_record_t *record)
{
    gateway_t *self = (gateway_t *) argument;
    audit_record_t timed = *record;
    zmsg_t *msg = localops_reply_msg (reply_to, reply);
    if (s_record (self, &timed) == 0)
        s_hold_reply (self, &msg, reply_to);
    else {
        localapi_reply_t withheld = { .status = STATUS_INTERNAL,
                                      .reason = S_UNRECORDED_ANSWER };
        LOCALOPS_COPY (withheld.from, reply->from);
        LOCALOPS_COPY (withheld.item, reply->item);
        LOCALOPS_COPY (withheld.msgid, reply->msgid);
        localops_reply (self->parts->local, reply_to, &withheld);
    }
    zmsg_destroy (&msg);
}

//  A RESPONSE or ERROR from a department or a broker, about one of our
//  queries or registry requests
static void
s_answer (gateway_t *self, link_t *link, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    uint8_t digest [32];
    envelope_digest (envelope, digest);
    if (header->type == MSG_RESPONSE) {
        asking_response (self->asking, header->from, envelope_payload (envelope),
                         envelope_payload_size (envelope), digest, zclock_mono ());
        return;
    }
    message_error_t error;
    if (message_error_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                              &error) != STATUS_OK)
        return;
    //  A department may only answer for itself; the broker for routing. A
    //  broker that does not know us (it restarted, or closed every
    //  connection): register again there
    bool from_broker = streq (header->from, link_broker_id (link));
    bool unknown_here = from_broker && error.code == STATUS_NOT_REGISTERED;
    if (unknown_here)
        link_unregister (link);
    bool ours = (from_broker && regclient_error (self->registry, link, &error))
             || (from_broker && noticing_error (self->noticing, &error))
             || asking_error (self->asking, &error, digest, header->from, from_broker,
                              links_index (self->parts->links, link), zclock_mono ());
    uint64_t skipped = 0;
    char note [64];
    if (!ours && !unknown_here
    &&  ratelog_allow (self->error_log, zclock_mono (), &skipped))
        zsys_warning ("gateway: error from %s: %s (%s)%s", header->from,
                      status_name ((int) error.code), error.reason,
                      ratelog_note (skipped, note, sizeof (note)));
}


//  --------------------------------------------------------------------------
//  Serving: a QUERY from another department (serve.h)

//  Records the provider's side of an answer and holds the answer until the
//  record is durable; if the answer could not be made or the record not
//  appended, INTERNAL goes instead, naming no record
static void
s_served (gateway_t *self, link_t *via, envelope_t *request, const uint8_t *box_key,
          serve_result_t *result)
{
    const envelope_header_t *header = envelope_header (request);
    int level = self->parts->level;
    if (result->source_error && result->status == STATUS_SOURCE_FAILED)
        zsys_error ("%s", result->source_error);
    else
    if (result->source_error)
        zsys_warning ("%s", result->source_error);
    if (result->answer && s_record (self, &result->record) == 0)
        s_hold_answer (self, &result->answer, via, box_key, header->id);
    else
    if (s_send_error (self, via, header->from, box_key, header->id, STATUS_INTERNAL,
                      S_UNRECORDED))
        SLUICE_DEBUG (level, "gateway: nothing answered to %s", result->msgid);
    serve_result_clear (result);
    if (result->refused) {
        self->figures.refused++;
        SLUICE_INFO (level, "gateway: refused %s %s from %s: %s",
                     result->decoded? result->query.item: "?", result->msgid,
                     header->from, status_name (result->status));
    }
    else {
        self->figures.served++;
        SLUICE_DEBUG (level, "gateway: served %s %s to %s: %zu rows",
                      result->query.item, result->msgid, header->from, result->rows);
    }
}

//  Serves a QUERY, or refuses it with `status` unread (the replay check's)
static void
s_serve (gateway_t *self, link_t *via, envelope_t *request, cert_t *sender,
         const uint8_t *box_key, int status)
{
    startup_t *parts = self->parts;
    serve_input_t input = {
        .request = request, .sender = sender, .box_key = box_key, .own = parts->cert,
        .catalog = parts->catalog, .source = parts->source, .policy = parts->policy,
        .now_ms = zclock_time ()
    };
    //  The answer names its own record: the next one of the log
    audit_next (parts->audit, &input.next);
    serve_result_t result;
    if (status == STATUS_OK)
        serve_query (&input, &result);
    else
        serve_refuse (&input, status, &result);
    s_served (self, via, request, box_key, &result);
}


//  --------------------------------------------------------------------------
//  Messages from the brokers' links

//  Takes a page of a broker's directory (peers.h); once a transfer is
//  complete the agreements are loaded again (they are verified against the
//  certificates). A transfer that missed something, or a page out of
//  order, is asked for again: a HELLO that says what we hold. Returns true
//  if the page completed a transfer.
static bool
s_directory (gateway_t *self, link_t *link, envelope_t *envelope, bool welcome)
{
    dirsync_result_t result = peers_take_page (self->parts->peers, link, envelope, welcome);
    if (result == DIRSYNC_DONE || result == DIRSYNC_BEHIND)
        startup_load_agreements (self->parts);
    if (result == DIRSYNC_BEHIND || result == DIRSYNC_BROKEN) {
        zsys_warning ("gateway: the directory from broker %s %s; asking again",
                      link_broker_id (link), result == DIRSYNC_BEHIND?
                      "skipped a version": "came out of order");
        link_unregister (link);
    }
    return result == DIRSYNC_DONE;
}

//  What the broker of a link may send its gateway (section 4). Anything
//  else claiming to come from it is refused unopened: a broker routes and
//  carries the registry, it never asks or answers.
static const int s_broker_types [] = {
    MSG_WELCOME, MSG_HEARTBEAT, MSG_DIRECTORY, MSG_REGISTRY, MSG_ERROR, MSG_QUEUED
};

static bool
s_broker_type (int type)
{
    for (size_t index = 0; index < sizeof (s_broker_types) / sizeof (int); index++)
        if (s_broker_types [index] == type)
            return true;
    return false;
}

//  A welcome: our catalog to this broker, and what waited for it
static void
s_welcomed (gateway_t *self, link_t *link)
{
    regclient_publish (self->registry, link);
    asking_welcome (self->asking, links_index (self->parts->links, link));
    regclient_welcome (self->registry, link);
    noticing_welcome (self->noticing);
}

static void
s_from_broker (gateway_t *self, link_t *link, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    if (!s_broker_type (header->type)) {
        zsys_warning ("gateway: %s from broker %s refused: %s (a broker sends only "
                      "WELCOME, HEARTBEAT, DIRECTORY, REGISTRY, ERROR and QUEUED)",
                      envelope_type_name (header->type), header->from,
                      status_name (STATUS_BAD_TYPE));
        return;
    }
    int status = envelope_open (envelope, NULL, cert_sign_public (link_broker (link)));
    if (status != STATUS_OK) {
        zsys_warning ("gateway: message claiming to be from the broker refused: %s",
                      status_name (status));
        return;
    }
    bool welcome = header->type == MSG_WELCOME && !link_registered (link);
    link_heard (link, header->type);
    bool transferred = false;
    if (header->type == MSG_WELCOME || header->type == MSG_DIRECTORY)
        transferred = s_directory (self, link, envelope, header->type == MSG_WELCOME);
    if (welcome)
        s_welcomed (self, link);
    //  The registry's catch-up: after each welcome (the broker answers it
    //  after the welcome's directory pages), and again when a directory
    //  transfer completes, its certificates held, if the last round left
    //  statements that could not be judged yet
    if (welcome || (transferred
                &&  registrar_sync_wanted (self->parts->registrar, link_broker_id (link))))
        regclient_sync (self->registry, link);
    if (header->type == MSG_REGISTRY)
        regclient_take (self->registry, link, envelope);
    else
    if (header->type == MSG_QUEUED)
        noticing_queued (self->noticing, envelope);
    else
    if (header->type == MSG_ERROR)
        s_answer (self, link, envelope);
}

//  Logs a message from a department that was refused, at most a few lines
//  a second however many come (each refusal of a query is still answered
//  and audited).
static void
s_refused_log (gateway_t *self, const envelope_header_t *header, int status)
{
    uint64_t skipped = 0;
    char note [64];
    if (ratelog_allow (self->refusal_log, zclock_mono (), &skipped))
        zsys_warning ("gateway: %s from %s refused: %s (%s)%s",
                      envelope_type_name (header->type), header->from,
                      status_name (status), status_text (status),
                      ratelog_note (skipped, note, sizeof (note)));
}

//  A type this gateway does not serve (the broker's own, or reserved for a
//  later version) is refused before it takes a place in the replay cache:
//  answered, logged, and nothing else
static void
s_not_served (gateway_t *self, link_t *via, const envelope_header_t *header,
              const uint8_t *box_key)
{
    s_refused_log (self, header, STATUS_BAD_TYPE);
    char reason [96];
    snprintf (reason, sizeof (reason), "a version 1 gateway does not serve %s",
              envelope_type_name (header->type));
    //  An answer that cannot leave is logged by s_send_error
    if (s_send_error (self, via, header->from, box_key, header->id, STATUS_BAD_TYPE,
                      reason))
        SLUICE_DEBUG (self->parts->level, "gateway: the refusal of a %s from %s is not sent",
                      envelope_type_name (header->type), header->from);
}

static void
s_from_department (gateway_t *self, link_t *via, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    cert_t *sender = NULL;
    int status;
    const uint8_t *box_key = peers_key (self->parts->peers, header->from,
                                        zclock_time () / 1000, &sender, &status);
    if (!box_key) {
        //  Without a valid department certificate we cannot even seal an
        //  answer, nor may we: a broker's identity is never a peer (and a
        //  message not opened is not audited: who sent it is not known)
        s_refused_log (self, header, status);
        return;
    }
    status = envelope_open (envelope, box_key, cert_sign_public (sender));
    if (status == STATUS_OK && !envelope_type_departmental (header->type)) {
        s_not_served (self, via, header, box_key);
        return;
    }
    //  Notices, alerts, receipts and ACKs are resent for days: not the
    //  replay window but the notice store says what was seen (noticing.h)
    if (noticing_carries (header->type)) {
        noticing_message (self->noticing, envelope, links_index (self->parts->links, via),
                          box_key, status);
        return;
    }
    //  Each sender has its share of the replay cache: a flood gets its
    //  sender BUSY, never the others
    if (status == STATUS_OK)
        status = replay_check_from (self->parts->replay, header->from, header->id,
                                    (int64_t) header->time_ms, zclock_time ());
    if (header->type == MSG_QUERY)
        s_serve (self, via, envelope, sender, box_key, status);
    else
    if (status != STATUS_OK)
        s_refused_log (self, header, status);
    else
    if (header->type == MSG_RESPONSE || header->type == MSG_ERROR)
        s_answer (self, via, envelope);
}

//  Reads what is waiting on `reader` (up to S_BATCH_MAX messages), each
//  given to `handle` with `arg`, then commits the batch's audit records
//  and sends the answers and replies held back
static void
s_read_batch (gateway_t *self, zsock_t *reader,
              void (*handle) (gateway_t *self, void *arg, zmsg_t **msg_p), void *arg)
{
    int64_t until = zclock_mono () + self->parts->heartbeat_ms / 2;
    for (int count = 0; count < S_BATCH_MAX; count++) {
        if (count > 0 && (!(zsock_events (reader) & ZMQ_POLLIN) || zclock_mono () >= until))
            break;
        zmsg_t *msg = zmsg_recv (reader);
        if (!msg)
            break;
        handle (self, arg, &msg);
        zmsg_destroy (&msg);
    }
    s_commit (self);
}

//  Handles one message from a broker link (`arg`).
static void
s_link_message (gateway_t *self, void *arg, zmsg_t **msg_p)
{
    link_t *link = (link_t *) arg;
    int status;
    envelope_t *envelope = envelope_decode (*msg_p, &status);
    zmsg_destroy (msg_p);
    if (!envelope) {
        uint64_t skipped = 0;
        char note [64];
        if (ratelog_allow (self->refusal_log, zclock_mono (), &skipped))
            zsys_warning ("gateway: undecodable message from the broker: %s%s",
                          status_name (status), ratelog_note (skipped, note, sizeof (note)));
        return;
    }
    const envelope_header_t *header = envelope_header (envelope);
    if (!streq (header->to, self->parts->id))
        zsys_warning ("gateway: message for %s delivered here, dropped", header->to);
    else
    if (streq (header->from, link_broker_id (link)))
        s_from_broker (self, link, envelope);
    else
        s_from_department (self, link, envelope);
    envelope_destroy (&envelope);
}

//  What is waiting on a link, in one batch (s_read_batch)
static int
s_link_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    link_t *link = links_of (self->parts->links, reader);
    assert (link);
    s_read_batch (self, reader, s_link_message, link);
    return 0;
}


//  --------------------------------------------------------------------------
//  The local API

//  One request from the local API (its routing id first), served
static void
s_local_message (gateway_t *self, void *arg, zmsg_t **msg_p)
{
    zmsg_t *msg = *msg_p;
    zsock_t *local = self->parts->local;
    //  Return address: the routing id, and the empty delimiter of a REQ
    //  (and the HTTP server's credentials, or the empty delimiter of a
    //  REQ: caller_take)
    zmsg_t *reply_to = zmsg_new ();
    zframe_t *frame = zmsg_pop (msg);
    zmsg_append (reply_to, &frame);
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    //  Who asks is the connection's, never the request's to say
    char caller [CALLER_NAME_MAX + 1], refusal [CALLER_REASON_MAX + 1];
    int refused = caller_take (self->parts->callers, msg, reply_to, caller, refusal);
    frame = zmsg_first (msg);
    if (refused) {
        //  Each is answered; a caller refused in a loop fills no disk
        uint64_t skipped = 0;
        char note [64];
        if (ratelog_allow (self->caller_log, zclock_mono (), &skipped))
            zsys_warning ("gateway: local caller refused: %s%s", refusal,
                          ratelog_note (skipped, note, sizeof (note)));
        localapi_reply_t reply = { .status = STATUS_NOT_PERMITTED };
        LOCALOPS_COPY (reply.reason, refusal);
        localops_reply (local, reply_to, &reply);
    }
    else
    if (zmsg_size (msg) != 1
    ||  localapi_request_decode (zframe_data (frame), zframe_size (frame), &request)) {
        localapi_reply_t reply = { .status = STATUS_MALFORMED,
                                   .reason = "the local request could not be decoded" };
        localops_reply (local, reply_to, &reply);
    }
    else {
        snprintf (request.caller, sizeof (request.caller), "%s", caller);
        localops_handle (self->local_ops, reply_to, &request);
    }
    localapi_request_clear (&request);
    zmsg_destroy (&reply_to);
}

//  The requests waiting on the local API, in one batch: callers with
//  requests outstanding at once share a commit
static int
s_local_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    s_read_batch ((gateway_t *) argument, reader, s_local_message, NULL);
    return 0;
}


//  --------------------------------------------------------------------------
//  Timers

//  An event of a link's socket monitor (a refused handshake, ...).
static int
s_monitor_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    link_monitor_event ((link_t *) argument);
    return 0;
}

static int
s_heartbeat_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    links_tick (self->parts->links);
    return 0;
}

static int
s_expiry_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    links_retry (self->parts->links);
    int64_t now = zclock_mono ();
    asking_expire (self->asking, now);
    regclient_expire (self->registry, now);
    regclient_retry (self->registry, now);
    noticing_tick (self->noticing);
    noticeops_expire (self->notice_ops);
    s_commit (self);                //  the records of these ends, then their replies
    return 0;
}

//  A changed catalog file is loaded and checked in full, with its source;
//  only if both are sound do they replace the ones in service, and the new
//  catalog is published.
static int
s_catalog_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    if (startup_reload_catalog (self->parts, false))
        regclient_publish (self->registry, NULL);
    return 0;
}

static int
s_quota_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    char *error = NULL;
    if (policy_flush (self->parts->policy, &error))
        zsys_error ("%s", error);
    zstr_free (&error);
    return 0;
}

//  "RELOAD" (SIGHUP, see daemon.h) loads the catalog and the agreement
//  files now, whether or not they look changed, and is answered with a
//  signal; any other command ends the gateway.
static int
s_pipe_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    char *command = zstr_recv (reader);
    bool reload = command && streq (command, "RELOAD");
    zstr_free (&command);
    if (!reload)
        return -1;
    SLUICE_INFO (self->parts->level, "gateway: SIGHUP: loading the catalog and the "
                 "agreement files again");
    if (startup_reload_catalog (self->parts, true))
        regclient_publish (self->registry, NULL);
    startup_load_agreements (self->parts);
    zsock_signal (reader, 0);
    return 0;
}


//  --------------------------------------------------------------------------
//  Construction

//  The catalog directory came: the notices and alerts that wait for it
static void
s_catalogs_came (void *argument, bool listed)
{
    gateway_t *self = (gateway_t *) argument;
    noticeops_catalogs (self->notice_ops, listed);
}

//  The local HTTP API, if gateway/http names its socket: its server passes
//  requests to the local ROUTER over an inproc:// endpoint of this
//  gateway's own (http.h). 0, or -1 with *error.
static int
s_http_start (gateway_t *self, char **error)
{
    startup_t *parts = self->parts;
    const char *path = conf_str (parts->conf, "gateway/http");
    if (!path || !*path)
        return 0;
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "inproc://sluice-local-%p", (void *) self);
    if (zsock_bind (parts->local, "%s", endpoint) < 0) {
        status_set_error (error, "cannot bind %s: %s (gateway/http)", endpoint,
                          zmq_strerror (zmq_errno ()));
        return -1;
    }
    self->http = http_new (path, parts->callers, endpoint, error);
    if (!self->http)
        return -1;
    SLUICE_INFO (parts->level, "gateway: the local API as HTTP at %s", path);
    return 0;
}

gateway_t *
gateway_new (conf_t *conf, char **error)
{
    assert (conf && error);
    startup_t *parts = startup_new (conf, error);
    if (!parts)
        return NULL;
    gateway_t *self = (gateway_t *) zmalloc (sizeof (gateway_t));
    assert (self);
    self->parts = parts;
    self->catalogs = catalogs_new ();
    const asking_hooks_t hooks = { s_ask_send, s_ask_send_via, s_ask_fetch, s_ask_end };
    self->asking = asking_new (&hooks, self, self->catalogs, cert_clearance (parts->cert));
    self->registry = regclient_new (parts, self->catalogs, self->asking);
    self->noticing = noticing_new (parts);
    self->notice_ops = noticeops_new (parts, self->noticing, self->catalogs, self->registry);
    regclient_on_catalogs (self->registry, s_catalogs_came, self);
    self->local_ops = localops_new (parts, self->asking, self->registry, self->notice_ops,
                                    &self->figures);
    self->held = zlistx_new ();
    zlistx_set_destructor (self->held, (zlistx_destructor_fn *) s_held_destroy);
    self->refusal_log = ratelog_new (50, 10000);
    self->error_log = ratelog_new (20, 10000);
    self->caller_log = ratelog_new (20, 10000);
    if (s_http_start (self, error)) {
        gateway_destroy (&self);
        return NULL;
    }
    SLUICE_INFO (parts->level, "gateway: %s serving %zu catalog items, %zu agreements",
                 parts->id, catalog_size (parts->catalog), policy_size (parts->policy));
    return self;
}

void
gateway_destroy (gateway_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        gateway_t *self = *self_p;
        http_destroy (&self->http);         //  before the socket it talks to
        zloop_destroy (&self->loop);
        localops_destroy (&self->local_ops);
        noticeops_destroy (&self->notice_ops);
        noticing_destroy (&self->noticing);
        regclient_destroy (&self->registry);
        asking_destroy (&self->asking);
        catalogs_destroy (&self->catalogs);
        zlistx_destroy (&self->held);       //  empty: every handler commits
        startup_destroy (&self->parts);
        ratelog_destroy (&self->refusal_log);
        ratelog_destroy (&self->error_log);
        ratelog_destroy (&self->caller_log);
        free (self);
        *self_p = NULL;
    }
}

int
gateway_run (gateway_t *self, zsock_t *pipe)
{
    assert (self);
    startup_t *parts = self->parts;
    self->loop = zloop_new ();
    for (size_t index = 0; index < links_size (parts->links); index++) {
        link_t *link = links_at (parts->links, index);
        zloop_reader (self->loop, link_socket (link), s_link_event, self);
        zloop_reader (self->loop, link_monitor (link), s_monitor_event, link);
    }
    zloop_reader (self->loop, parts->local, s_local_event, self);
    if (pipe)
        zloop_reader (self->loop, pipe, s_pipe_event, self);
    zloop_timer (self->loop, (size_t) parts->heartbeat_ms, 0, s_heartbeat_timer, self);
    zloop_timer (self->loop, 50, 0, s_expiry_timer, self);
    zloop_timer (self->loop, 1000, 0, s_quota_timer, self);
    zloop_timer (self->loop, 1000, 0, s_catalog_timer, self);
    s_heartbeat_timer (self->loop, 0, self);      //  HELLO at once
    zloop_start (self->loop);
    SLUICE_INFO (parts->level, "gateway: %s stopping", parts->id);
    return 0;
}

void
gateway_test (bool verbose)
{
    if (verbose)
        printf (" * gateway: ");
    //  A configuration naming a missing certificate is refused with its path
    conf_t *conf = conf_new (settings_gateway);
    char *error = NULL;
    assert (conf_check (conf, &error) == -1);
    zstr_free (&error);
    const char *settings [][2] = {
        { "gateway/cert", "/nonexistent/A.cert_secret" },
        { "gateway/authority", "/nonexistent/authority.pub" },
        { "gateway/broker", "tcp://127.0.0.1:1" },
        { "gateway/broker-cert", "/nonexistent/BROKER.cert" },
        { "gateway/local", "ipc:///nonexistent/local.ipc" },
        { "gateway/catalog", "/nonexistent/catalog.cfg" },
        { "gateway/source", "/nonexistent/source.db" },
        { "gateway/state", "/nonexistent/state" },
    };
    for (size_t index = 0; index < sizeof (settings) / sizeof (settings [0]); index++)
        assert (conf_set (conf, settings [index][0], settings [index][1], &error) == 0);
    assert (conf_check (conf, &error) == 0);
    gateway_t *gateway = gateway_new (conf, &error);
    assert (!gateway);
    assert (error && strstr (error, "/nonexistent/A.cert_secret"));
    zstr_free (&error);
    conf_destroy (&conf);
    //  Serving and asking run through the real daemons in tests/run.sh
    if (verbose)
        printf ("OK\n");
}
