/*  regclient.c -- the gateway as a client of the brokers' registry.
*/

#include "regclient.h"
#include "localops.h"
#include "codec.h"
#include "registry.h"
#include "status.h"
#include <sodium.h>

//  A registry request of the local API (or the gateway's own: no reply_to),
//  waiting for the brokers
typedef struct {
    zmsg_t *reply_to;
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    char op [LOCALAPI_OP_MAX + 1];      //  the local operation
    char key [STATEMENT_KEY_MAX + 1];   //  of the statement put, if any
    uint64_t version;                   //  publish: our catalog's
    int64_t deadline;
    envelope_t *envelope;               //  as sent, to send again
    bool waiting;                       //  for a broker to know us again
    size_t answers_due;                 //  catalog lists: brokers yet to answer
    bool listed;                        //  catalog lists: one answer came
    //  A catalog list comes in pages, each asked for by a request of its
    //  own that names the first (`parent`); the first keeps the rows of
    //  the broker whose list answers the local caller (`lister`)
    char parent [ENVELOPE_ID_BYTES * 2 + 1];    //  "" for the first
    char lister [ENVELOPE_DEPT_MAX + 1];
    msgpack_sbuffer rows;               //  its rows so far, one after another
    size_t row_count;
} s_request_t;

struct _regclient_t {
    startup_t *parts;                   //  borrowed
    catalogs_t *catalogs;               //  borrowed
    asking_t *asking;                   //  borrowed
    zhashx_t *requests;                 //  msgid hex -> s_request_t
    zhashx_t *catalog_refusals;         //  broker id -> the status name of its
                                        //  last refusal of our catalog, logged
    void (*on_catalogs) (void *arg, bool listed);
    void *catalogs_arg;
};

//  The catalog directory came, or will not: asking hears it, and whoever
//  else asked to (regclient_on_catalogs)
static void
s_catalogs_came (regclient_t *self, bool listed, int64_t now)
{
    asking_catalogs (self->asking, listed, now);
    if (self->on_catalogs)
        self->on_catalogs (self->catalogs_arg, listed);
}

void
regclient_on_catalogs (regclient_t *self, void (*fn) (void *arg, bool listed), void *arg)
{
    assert (self);
    self->on_catalogs = fn;
    self->catalogs_arg = arg;
}

static void
s_request_destroy (s_request_t **request_p)
{
    if (*request_p) {
        zmsg_destroy (&(*request_p)->reply_to);
        envelope_destroy (&(*request_p)->envelope);
        msgpack_sbuffer_destroy (&(*request_p)->rows);
        free (*request_p);
        *request_p = NULL;
    }
}

regclient_t *
regclient_new (startup_t *parts, catalogs_t *catalogs, asking_t *asking)
{
    assert (parts && catalogs && asking);
    regclient_t *self = (regclient_t *) zmalloc (sizeof (regclient_t));
    assert (self);
    self->parts = parts;
    self->catalogs = catalogs;
    self->asking = asking;
    self->requests = zhashx_new ();
    assert (self->requests);
    zhashx_set_destructor (self->requests, (zhashx_destructor_fn *) s_request_destroy);
    self->catalog_refusals = zhashx_new ();
    assert (self->catalog_refusals);
    zhashx_set_destructor (self->catalog_refusals, (zhashx_destructor_fn *) zstr_free);
    return self;
}

void
regclient_destroy (regclient_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        zhashx_destroy (&(*self_p)->requests);
        zhashx_destroy (&(*self_p)->catalog_refusals);
        free (*self_p);
        *self_p = NULL;
    }
}

//  Tells a local caller how its request went (status and reason only)
static void
s_reply (regclient_t *self, zmsg_t *reply_to, int status, const char *reason,
         const char *msgid)
{
    localapi_reply_t reply = { .status = (uint32_t) status };
    LOCALOPS_COPY (reply.reason, reason);
    LOCALOPS_COPY (reply.msgid, msgid);
    localops_reply (self->parts->local, reply_to, &reply);
}


//  --------------------------------------------------------------------------
//  What we send

//  A request sent as `envelope` (taken), now waiting for `answers_due`
//  brokers' answers until the timeout
static s_request_t *
s_request_add (regclient_t *self, envelope_t **envelope_p, zmsg_t *reply_to,
               const char *local_op, const char *key, size_t answers_due)
{
    s_request_t *request = (s_request_t *) zmalloc (sizeof (s_request_t));
    assert (request);
    request->reply_to = reply_to? zmsg_dup (reply_to): NULL;
    envelope_id_hex (envelope_header (*envelope_p)->id, request->msgid);
    snprintf (request->op, sizeof (request->op), "%s", local_op);
    snprintf (request->key, sizeof (request->key), "%s", key? key: "");
    request->deadline = zclock_mono () + self->parts->timeout_ms;
    request->answers_due = answers_due;
    request->envelope = *envelope_p;
    *envelope_p = NULL;
    zhashx_insert (self->requests, request->msgid, request);
    return request;
}

size_t
regclient_send (regclient_t *self, zmsg_t *reply_to, const char *local_op,
                const char *op, const char *kind, statement_t *statement,
                const char *text)
{
    assert (self && local_op && op);
    zlistx_t *statements = NULL;
    if (statement) {
        statements = zlistx_new ();
        zlistx_add_end (statements, statement);
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, op, NULL, 0, NULL, kind, statements, text);
    zlistx_destroy (&statements);
    envelope_t *envelope = envelope_new (MSG_REGISTRY, self->parts->id, "");
    size_t sent = links_send_every (self->parts->links, envelope, (uint8_t *) buffer.data,
                                    buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (!sent)
        s_reply (self, reply_to, STATUS_NOT_REGISTERED,
                 "this gateway is not connected to a broker", NULL);
    else
        s_request_add (self, &envelope, reply_to, local_op,
                       statement? statement_key (statement): NULL, sent);
    envelope_destroy (&envelope);
    return sent;
}

void
regclient_put (regclient_t *self, zmsg_t *reply_to, const char *local_op,
               const char *kind, const char *key, uint64_t version,
               const uint8_t *payload, size_t size)
{
    assert (self);
    startup_t *parts = self->parts;
    if (!version && registrar_next_version (parts->registrar, &version) != STATUS_OK) {
        s_reply (self, reply_to, STATUS_INTERNAL,
                 "this gateway cannot number its statements (its ledger failed)", NULL);
        return;
    }
    statement_t *statement = statement_new (kind, parts->id, key, version, payload, size);
    if (!statement) {
        s_reply (self, reply_to, STATUS_MALFORMED,
                 "not a valid statement (id or size out of bounds)", NULL);
        return;
    }
    statement_sign (statement, cert_sign_secret (parts->cert));
    //  Kept here as it leaves, before any broker can answer: a broker that
    //  never echoes it cannot roll it back. The brokers' answer is the
    //  caller's; a statement that went nowhere is not kept
    if (regclient_send (self, reply_to, local_op, "put", NULL, statement, NULL))
        registrar_take_own (parts->registrar, statement);
    statement_destroy (&statement);
}

int
regclient_fetch_catalogs (regclient_t *self)
{
    assert (self);
    return regclient_send (self, NULL, "catalogs", "list", STATEMENT_CATALOG, NULL,
                           NULL)? 0: -1;
}

void
regclient_publish (regclient_t *self, link_t *only)
{
    assert (self);
    startup_t *parts = self->parts;
    uint64_t version;
    if (registrar_next_version (parts->registrar, &version) != STATUS_OK) {
        zsys_error ("gateway: the catalog is not published: no version for it");
        return;
    }
    //  With the alert topics this department subscribes to
    zlist_t *topics = notices_topics (parts->notices);
    const char *names [64];
    size_t count = 0;
    for (const char *topic = (const char *) zlist_first (topics); topic && count < 64;
         topic = (const char *) zlist_next (topics))
        names [count++] = topic;
    statement_t *statement = catalog_statement_with (parts->catalog, parts->id, names,
                                                     count, version,
                                                     cert_sign_secret (parts->cert));
    zlist_destroy (&topics);
    if (!statement) {
        zsys_error ("gateway: the catalog is too large to publish");
        return;
    }
    zlistx_t *statements = zlistx_new ();
    zlistx_add_end (statements, statement);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, statements, NULL);
    for (size_t index = 0; index < links_size (parts->links); index++) {
        link_t *link = links_at (parts->links, index);
        if ((!only || link == only) && link_registered (link)) {
            envelope_t *envelope = envelope_new (MSG_REGISTRY, parts->id, "");
            //  A link that cannot take it now is registering again, and
            //  publishes the catalog once it is welcomed back
            if (link_send (link, envelope, (uint8_t *) buffer.data, buffer.size, NULL))
                zsys_warning ("gateway: the catalog was not sent to broker %s now; "
                              "it is sent when the broker welcomes us again",
                              link_broker_id (link));
            else    //  its answer is judged by s_catalog_done
                s_request_add (self, &envelope, NULL, "publish", parts->id, 1)->version =
                    version;
            envelope_destroy (&envelope);
        }
    }
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&statements);
    statement_destroy (&statement);
}

//  Sends a sync (built by the registrar) to the broker of `link`.
static void
s_sync_send (regclient_t *self, link_t *link, msgpack_sbuffer *sync)
{
    envelope_t *envelope = envelope_new (MSG_REGISTRY, self->parts->id, "");
    if (!envelope || link_send (link, envelope, (uint8_t *) sync->data, sync->size, NULL)) {
        zsys_warning ("gateway: cannot ask %s for the registry's changes; asked again "
                      "at its next welcome or directory", link_broker_id (link));
        registrar_sync_interrupted (self->parts->registrar, link_broker_id (link));
    }
    envelope_destroy (&envelope);
}

void
regclient_sync (regclient_t *self, link_t *link)
{
    assert (self && link);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (self->parts->registrar, link_broker_id (link), &buffer);
    s_sync_send (self, link, &buffer);
    msgpack_sbuffer_destroy (&buffer);
}


//  --------------------------------------------------------------------------
//  What the brokers send

//  Keeps the verified catalogs of a directory, each by its version (the
//  author's numbering, not the time it claims)
static void
s_keep_catalogs (regclient_t *self, zlistx_t *verified)
{
    for (statement_t *statement = (statement_t *) zlistx_first (verified); statement;
         statement = (statement_t *) zlistx_next (verified)) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        if (codec_unpack (statement_payload (statement), statement_payload_size (statement),
                          &unpacked) != STATUS_OK
        ||  catalogs_take (self->catalogs, statement_author (statement),
                           statement_version (statement), &unpacked.data))
            zsys_warning ("gateway: a catalog of %s cannot be read; its answers are "
                          "checked without it", statement_author (statement));
        msgpack_unpacked_destroy (&unpacked);
    }
}

//  The verified catalogs as rows of the local API: {department, published
//  (the issued time, ms), catalog}
static void
s_pack_catalogs (zlistx_t *verified, msgpack_packer *pk)
{
    msgpack_pack_array (pk, zlistx_size (verified));
    for (statement_t *statement = (statement_t *) zlistx_first (verified); statement;
         statement = (statement_t *) zlistx_next (verified)) {
        msgpack_pack_map (pk, 3);
        codec_pack_kv_str (pk, "department", statement_author (statement));
        codec_pack_kv_uint (pk, "published", (uint64_t) statement_issued (statement));
        codec_pack_str (pk, "catalog");
        //  The payload is one msgpack object (verified so): copied as it is
        pk->callback (pk->data, (const char *) statement_payload (statement),
                      statement_payload_size (statement));
    }
}

//  The first request of a catalog list that `request` (a page's) belongs
//  to, or NULL if that ended
static s_request_t *
s_listing (regclient_t *self, s_request_t *request)
{
    return *request->parent? (s_request_t *) zhashx_lookup (self->requests, request->parent):
                             request;
}

//  One broker's list of catalogs is over: all its pages came (`status`
//  OK), or not (the status and `reason` say why). The lister's rows, or
//  why they are short, answer the local caller; once every broker's list
//  is over, answers waiting for the catalogs are judged.
static void
s_listing_over (regclient_t *self, s_request_t *listing, const char *broker, int status,
                const char *reason)
{
    bool complete = status == STATUS_OK;
    if (!complete && listing->reply_to && streq (listing->lister, broker)) {
        s_reply (self, listing->reply_to, status, reason, listing->msgid);
        zmsg_destroy (&listing->reply_to);
    }
    if (complete && listing->reply_to && streq (listing->lister, broker)) {
        msgpack_sbuffer rows;
        msgpack_sbuffer_init (&rows);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
        msgpack_pack_array (&pk, (uint32_t) listing->row_count);
        msgpack_sbuffer_write (&rows, listing->rows.data, listing->rows.size);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked);
        localapi_reply_t reply = {
            .status = STATUS_OK, .reason = "catalogs",
            .served_at = (uint64_t) zclock_time (), .rows = &unpacked.data
        };
        localops_reply (self->parts->local, listing->reply_to, &reply);
        msgpack_unpacked_destroy (&unpacked);
        msgpack_sbuffer_destroy (&rows);
        zmsg_destroy (&listing->reply_to);
    }
    listing->listed |= complete;
    if (listing->answers_due > 0)
        listing->answers_due--;
    if (listing->answers_due == 0) {
        bool listed = listing->listed;
        zhashx_delete (self->requests, listing->msgid);
        s_catalogs_came (self, listed, zclock_mono ());
    }
}

//  Asks the broker of `link` for the page of catalogs after change number
//  `since`, for `listing`; true if it went
static bool
s_list_next (regclient_t *self, link_t *link, s_request_t *listing, uint64_t since)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_list_encode (&buffer, STATEMENT_CATALOG, since);
    envelope_t *envelope = envelope_new (MSG_REGISTRY, self->parts->id, "");
    int rc = envelope? link_send (link, envelope, (uint8_t *) buffer.data, buffer.size, NULL):
                       -1;
    msgpack_sbuffer_destroy (&buffer);
    if (rc) {
        envelope_destroy (&envelope);
        return false;
    }
    s_request_t *page = (s_request_t *) zmalloc (sizeof (s_request_t));
    assert (page);
    envelope_id_hex (envelope_header (envelope)->id, page->msgid);
    snprintf (page->op, sizeof (page->op), "%s", listing->op);
    snprintf (page->parent, sizeof (page->parent), "%s", listing->msgid);
    page->deadline = listing->deadline;
    page->answers_due = 1;
    page->envelope = envelope;
    msgpack_sbuffer_init (&page->rows);
    zhashx_insert (self->requests, page->msgid, page);
    return true;
}

//  A page of a broker's list of catalogs: its verified catalogs are kept at
//  once; the first broker's pages are the local caller's answer; the next
//  page is asked for while more follow
static void
s_take_listed (regclient_t *self, link_t *link, s_request_t *request, registry_msg_t *msg)
{
    s_request_t *listing = s_listing (self, request);
    if (request != listing)
        zhashx_delete (self->requests, request->msgid);     //  a page's request ends
    if (!listing)
        return;                                             //  the list timed out
    zlistx_t *verified = registrar_verify_catalogs (self->parts->registrar,
                                                    msg->statements);
    s_keep_catalogs (self, verified);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    s_pack_catalogs (verified, &pk);
    zlistx_destroy (&verified);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked);
    const char *broker = link_broker_id (link);
    if (listing->reply_to && (!*listing->lister || streq (listing->lister, broker))) {
        snprintf (listing->lister, sizeof (listing->lister), "%s", broker);
        msgpack_packer into;
        msgpack_packer_init (&into, &listing->rows, msgpack_sbuffer_write);
        for (uint32_t index = 0; index < unpacked.data.via.array.size; index++)
            msgpack_pack_object (&into, unpacked.data.via.array.ptr [index]);
        listing->row_count += unpacked.data.via.array.size;
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&rows);
    if (msg->more && s_list_next (self, link, listing, msg->next))
        return;
    if (msg->more)
        zsys_warning ("gateway: the next page of the catalogs could not be asked of %s; "
                      "the catalogs held so far are used", broker);
    s_listing_over (self, listing, broker, msg->more? STATUS_NOT_REGISTERED: STATUS_OK,
                    "the broker could not be asked for the rest of the catalogs");
}

//  A broker's answer to our catalog. A refusal is logged once per broker
//  and status, and again only after that broker took a catalog of ours:
//  the catalog goes out at every welcome and every change, and would say
//  the same each time. STALE means the broker holds a catalog of ours of a
//  higher version (signed with our key: by another gateway holding our
//  certificate, or numbered while our clock was ahead), which stays in
//  force there until we publish above it.
static void
s_catalog_done (regclient_t *self, link_t *link, s_request_t *request,
                registry_msg_t *msg)
{
    const char *broker = link_broker_id (link);
    const char *status = status_name ((int) msg->status);
    const char *said = (const char *) zhashx_lookup (self->catalog_refusals, broker);
    if (msg->status == STATUS_OK)
        zhashx_delete (self->catalog_refusals, broker);
    else
    if (said && streq (said, status))
        SLUICE_DEBUG (self->parts->level, "gateway: broker %s refused our catalog version %"
                      PRIu64 " again: %s (%s)", broker, request->version, status,
                      msg->reason);
    else {
        zsys_warning ("gateway: broker %s refused our catalog version %" PRIu64 ": %s "
                      "(%s)%s", broker, request->version, status, msg->reason,
                      msg->status == STATUS_STALE? "; it holds a catalog of ours of a "
                      "higher version, which the others read there instead of this one "
                      "until we publish above it (not said again until it takes one)":
                      "");
        zhashx_update (self->catalog_refusals, broker, strdup (status));
    }
}

//  The answer to one of our requests; or a refusal of our catch-up, which
//  is asked again
static void
s_take_answer (regclient_t *self, link_t *link, registry_msg_t *msg)
{
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (msg->re, msgid);
    s_request_t *request = (s_request_t *) zhashx_lookup (self->requests, msgid);
    if (request && streq (msg->op, "listed") && streq (request->op, "catalogs"))
        s_take_listed (self, link, request, msg);
    else
    if (request && streq (msg->op, "done") && streq (request->op, "publish")) {
        s_catalog_done (self, link, request, msg);
        zhashx_delete (self->requests, msgid);
    }
    else
    if (request && streq (msg->op, "done")) {
        localapi_reply_t reply = {
            .status = msg->status, .served_at = (uint64_t) zclock_time ()
        };
        LOCALOPS_COPY (reply.reason, msg->reason);
        LOCALOPS_COPY (reply.item, request->key);
        LOCALOPS_COPY (reply.msgid, request->msgid);
        localops_reply (self->parts->local, request->reply_to, &reply);
        zhashx_delete (self->requests, msgid);
    }
    else
    if (streq (msg->op, "done") && msg->status != STATUS_OK && msg->status != STATUS_STALE) {
        zsys_warning ("gateway: %s refused a request of ours: %s (%s)",
                      link_broker_id (link), status_name ((int) msg->status), msg->reason);
        registrar_sync_interrupted (self->parts->registrar, link_broker_id (link));
    }
}

//  Statements pushed to us by the broker of `link`
static void
s_take_push (regclient_t *self, link_t *link, registry_msg_t *msg)
{
    for (uint32_t index = 0; msg->statements && index < msg->statements->via.array.size;
         index++) {
        const msgpack_object_bin *bin = &msg->statements->via.array.ptr [index].via.bin;
        statement_t *statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
        if (statement)
            registrar_take (self->parts->registrar, link_broker_id (link), statement);
        else
            zsys_warning ("gateway: malformed statement from the broker, refused");
        statement_destroy (&statement);
    }
}

void
regclient_take (regclient_t *self, link_t *link, envelope_t *envelope)
{
    assert (self && link && envelope);
    registry_msg_t msg;
    if (registry_msg_decode (envelope_payload (envelope),
                             envelope_payload_size (envelope), &msg) != STATUS_OK)
        zsys_warning ("gateway: malformed registry message from the broker");
    else
    if (streq (msg.op, "page")) {
        //  A page of the catch-up, and the request for the next
        msgpack_sbuffer next;
        msgpack_sbuffer_init (&next);
        if (registrar_take_page (self->parts->registrar, link_broker_id (link), &msg,
                                 dirsync_held (link_directory (link)), &next))
            s_sync_send (self, link, &next);
        msgpack_sbuffer_destroy (&next);
    }
    else
    if (streq (msg.op, "push"))
        s_take_push (self, link, &msg);
    else
        s_take_answer (self, link, &msg);
    registry_msg_destroy (&msg);
}

bool
regclient_error (regclient_t *self, link_t *link, const message_error_t *error)
{
    assert (self && link && error);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (error->re, msgid);
    s_request_t *request = (s_request_t *) zhashx_lookup (self->requests, msgid);
    if (!request)
        return false;
    if (error->code == STATUS_NOT_REGISTERED && !streq (request->op, "publish"))
        //  The broker does not know us (it restarted, or closed every
        //  connection): it is sent when the broker welcomes us back (our
        //  catalog is published anew then, numbered again)
        request->waiting = true;
    else
    if (*request->parent) {
        //  A page of a catalog list: that broker's list is over, short
        s_request_t *listing = s_listing (self, request);
        zhashx_delete (self->requests, msgid);
        if (listing)
            s_listing_over (self, listing, link_broker_id (link), (int) error->code,
                            error->reason);
    }
    else
    if (streq (request->op, "catalogs") && request->answers_due > 1) {
        //  Another broker's list is still to come
        s_reply (self, request->reply_to, (int) error->code, error->reason,
                 request->msgid);
        zmsg_destroy (&request->reply_to);
        request->answers_due--;
    }
    else {
        s_reply (self, request->reply_to, (int) error->code, error->reason,
                 request->msgid);
        bool catalogs = streq (request->op, "catalogs"), listed = request->listed;
        zhashx_delete (self->requests, msgid);
        if (catalogs)
            s_catalogs_came (self, listed, zclock_mono ());
    }
    return true;
}

void
regclient_welcome (regclient_t *self, link_t *link)
{
    assert (self && link);
    for (s_request_t *request = (s_request_t *) zhashx_first (self->requests); request;
         request = (s_request_t *) zhashx_next (self->requests))
        if (request->waiting && link_send_sealed (link, request->envelope) == 0)
            request->waiting = false;
}

void
regclient_retry (regclient_t *self, int64_t now)
{
    assert (self);
    links_t *links = self->parts->links;
    for (size_t index = 0; index < links_size (links); index++) {
        link_t *link = links_at (links, index);
        if (link_registered (link)
        &&  registrar_sync_due (self->parts->registrar, link_broker_id (link), now)) {
            SLUICE_INFO (self->parts->level, "gateway: asking %s again for the "
                         "registry's changes", link_broker_id (link));
            regclient_sync (self, link);
        }
    }
}

void
regclient_expire (regclient_t *self, int64_t now)
{
    assert (self);
    zlist_t *expired = zlist_new ();
    for (s_request_t *request = (s_request_t *) zhashx_first (self->requests);
         request; request = (s_request_t *) zhashx_next (self->requests))
        if (now >= request->deadline)
            zlist_append (expired, request);
    bool catalogs = false, listed = false;
    for (s_request_t *request = (s_request_t *) zlist_first (expired); request;
         request = (s_request_t *) zlist_next (expired)) {
        s_reply (self, request->reply_to, STATUS_TIMEOUT,
                 "no answer from the broker within the timeout", NULL);
        if (streq (request->op, "catalogs")) {
            catalogs = true;
            listed |= request->listed;
        }
        zhashx_delete (self->requests, request->msgid);
    }
    zlist_destroy (&expired);
    if (catalogs)
        s_catalogs_came (self, listed, now);
}


//  --------------------------------------------------------------------------
//  Self-test: a gateway that no broker has welcomed (its replies are seen
//  through the local API in localops_test)

//  A REGISTRY message from the broker, with `op` and a statement `bytes`
static envelope_t *
s_test_registry (startup_t *parts, const char *op, const char *bytes)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    if (streq (op, "garbage"))
        msgpack_pack_nil (&pk);
    else {
        msgpack_pack_map (&pk, 2);
        codec_pack_kv_str (&pk, "op", op);
        codec_pack_str (&pk, "statements");
        msgpack_pack_array (&pk, 1);
        msgpack_pack_bin (&pk, strlen (bytes));
        msgpack_pack_bin_body (&pk, bytes, strlen (bytes));
    }
    envelope_t *envelope = envelope_new (MSG_REGISTRY, "BROKER", parts->id);
    uint8_t public_key [32], secret_key [64];
    crypto_sign_keypair (public_key, secret_key);
    assert (envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size, secret_key,
                           NULL) == 0);
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}

void
regclient_test (bool verbose)
{
    if (verbose)
        printf (" * regclient: ");
    startup_test_t test;
    startup_test_setup (&test, "regclient");
    startup_t *parts = test.parts;
    catalogs_t *catalogs = catalogs_new ();
    asking_t *asking = asking_test_idle (catalogs);
    regclient_t *registry = regclient_new (parts, catalogs, asking);
    link_t *link = links_at (parts->links, 0);

    //  No broker takes anything: nothing waits for an answer
    assert (regclient_send (registry, NULL, "crl", "crl", NULL, NULL, "") == 0);
    assert (regclient_fetch_catalogs (registry) == -1);
    regclient_put (registry, NULL, "revoke", STATEMENT_REVOCATION, "AGR-1", 0,
                   (const uint8_t *) "", 0);
    regclient_publish (registry, NULL);
    regclient_expire (registry, zclock_mono () + 3600000);
    message_error_t error;
    memset (&error, 0, sizeof (error));
    error.code = STATUS_NOT_REGISTERED;
    assert (!regclient_error (registry, link, &error));
    //  What the broker sends that cannot be read is dropped, and nothing
    //  of it kept
    envelope_t *envelope = s_test_registry (parts, "garbage", NULL);
    regclient_take (registry, link, envelope);
    envelope_destroy (&envelope);
    envelope = s_test_registry (parts, "push", "not a statement");
    regclient_take (registry, link, envelope);
    envelope_destroy (&envelope);
    assert (policy_size (parts->policy) == 0);
    //  A welcome sends nothing that did not wait
    regclient_welcome (registry, link);

    regclient_destroy (&registry);
    regclient_destroy (&registry);
    assert (!registry);
    asking_destroy (&asking);
    catalogs_destroy (&catalogs);
    startup_test_teardown (&test);
    if (verbose)
        printf ("OK\n");
}
