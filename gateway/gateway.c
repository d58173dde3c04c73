/*  gateway.c -- sluice-gateway: one department's door to the federation.

    One thread, one zloop: the broker connection (DEALER, CURVE client), the
    local API (ROUTER) and timers. Source lookups are bounded by their own
    timeout. No answer leaves before its audit record is durable: each event
    handler reads what is waiting (up to S_BATCH_MAX messages), decides and
    seals every answer, appends the records, and holds the answers back;
    at the end it commits the batch in one transaction (s_commit) and only
    then sends them (group commit: one disk sync per batch).
*/

#include "gateway.h"
#include "cert.h"
#include "authority.h"
#include "truststore.h"
#include "envelope.h"
#include "message.h"
#include "localapi.h"
#include "caller.h"
#include "codec.h"
#include "catalog.h"
#include "source.h"
#include "policy.h"
#include "agreement.h"
#include "agreementtext.h"
#include "audit.h"
#include "replay.h"
#include "ratelog.h"
#include "link.h"
#include "registrar.h"
#include "catalogs.h"
#include "answer.h"
#include "registry.h"
#include "rules.h"
#include "statement.h"
#include "ident.h"
#include "status.h"
#include <sodium.h>


#define S_LINKS_MAX         8
#define S_BATCH_MAX         256     //  messages read from a link per commit
#define S_UNRECORDED        "the audit log cannot record this request; nothing was answered"
#define S_UNRECORDED_ANSWER "the audit log cannot record this answer; it is withheld"
//  An answer from a provider whose catalog is not held is judged on a
//  catalog directory at most this old; an older one is fetched again first
#define S_CATALOGS_FRESH_MS 10000

//  A peer department: its certificate serial and the precomputed box key
//  (crypto_box_beforenm), so sealing costs no scalar multiplication.
typedef struct {
    uint64_t serial;
    uint8_t box_key [ENVELOPE_KEY_BYTES];
} s_peer_t;

//  A query we sent, waiting for its answer.
typedef struct {
    zmsg_t *reply_to;           //  local API return address frames
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    char to [ENVELOPE_DEPT_MAX + 1];
    message_query_t query;
    char caller [LOCALAPI_CALLER_MAX + 1];  //  the local caller who asked
    int64_t sent_ms;            //  the QUERY's header time (wall clock ms)
    int64_t sent;               //  monotonic ms, when it was sent
    int64_t deadline;           //  monotonic ms
    uint8_t digest [32];        //  of the request
    envelope_t *request;        //  as sent, to try another broker
    uint32_t tried;             //  links it was sent through, a bit each
    bool waiting;               //  for a link to register again (the
                                //  broker did not know us), then resent
    uint8_t *answer;            //  a RESPONSE payload held until the
    size_t answer_size;         //  provider's catalog is fetched, to be
    uint8_t answer_digest [32]; //  checked against it
} s_pending_t;

//  A registry request of the local API (or the gateway's own: no reply_to),
//  waiting for the brokers.
typedef struct {
    zmsg_t *reply_to;
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    char op [LOCALAPI_OP_MAX + 1];      //  the local operation
    char key [STATEMENT_KEY_MAX + 1];   //  of the statement put, if any
    int64_t deadline;
    envelope_t *envelope;               //  as sent, to send again
    bool waiting;                       //  for a broker to know us again
    size_t answers_due;                 //  catalog lists: brokers yet to answer
    bool listed;                        //  catalog lists: one answer came
} s_request_t;

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
    conf_t *conf;               //  borrowed
    int level;
    cert_t *cert;               //  ours, with secrets
    const char *id;             //  our department id
    uint8_t authority [32];
    cert_t *brokers [S_LINKS_MAX];      //  certificates of the brokers
    truststore_t *trust;
    catalog_t *catalog;
    source_t *source;
    policy_t *policy;
    audit_t *audit;
    replay_t *replay;
    registrar_t *registrar;
    int64_t catalog_mtime;
    link_t *links [S_LINKS_MAX];        //  one per broker
    size_t link_count;
    size_t next_link;           //  round robin over registered links
    zsock_t *local;             //  local API
    caller_t *callers;          //  who may use it
    zloop_t *loop;
    zhashx_t *peers;            //  department -> s_peer_t
    zhashx_t *pending;          //  msgid hex -> s_pending_t
    zhashx_t *requests;         //  msgid hex -> s_request_t (registry)
    catalogs_t *catalogs;       //  other departments' published catalogs
    int64_t catalogs_fetched;   //  monotonic ms of the last directory, or 0
    bool catalogs_fetching;     //  a directory is asked for, not yet here
    zlistx_t *held;             //  s_held_t, until the batch is committed
    bool audit_failing;         //  the last audit commit failed
    int64_t heartbeat_ms;
    int64_t timeout_ms;
    uint64_t served, refused, asked;
    ratelog_t *refusal_log;     //  messages from departments refused
};

static void
s_pending_destroy (s_pending_t **pending_p)
{
    if (*pending_p) {
        zmsg_destroy (&(*pending_p)->reply_to);
        envelope_destroy (&(*pending_p)->request);
        free ((*pending_p)->answer);
        free (*pending_p);
        *pending_p = NULL;
    }
}

static void
s_request_destroy (s_request_t **request_p)
{
    if (*request_p) {
        zmsg_destroy (&(*request_p)->reply_to);
        envelope_destroy (&(*request_p)->envelope);
        free (*request_p);
        *request_p = NULL;
    }
}

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

static void
s_peer_free (s_peer_t **peer_p)
{
    if (*peer_p) {
        sodium_memzero ((*peer_p)->box_key, ENVELOPE_KEY_BYTES);
        free (*peer_p);
        *peer_p = NULL;
    }
}

static int64_t
s_now_seconds (void)
{
    return zclock_time () / 1000;
}

//  --------------------------------------------------------------------------
//  Peers and sending

//  The box key for a department, recomputed when its certificate changes.
//  Returns NULL if the department has no valid certificate of a department
//  (*status says; CERT_ROLE for a broker's): this lookup is the only way to
//  a peer's keys, so nothing is opened from, sealed to or served to any
//  certificate but a department's (truststore_check holds the role rule).
static const uint8_t *
s_peer_key (gateway_t *self, const char *department, cert_t **cert_p, int *status)
{
    cert_t *cert = NULL;
    *status = truststore_check (self->trust, department, s_now_seconds (), &cert);
    if (*status != STATUS_OK)
        return NULL;
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (!peer || peer->serial != cert_serial (cert)) {
        if (!peer) {
            peer = (s_peer_t *) zmalloc (sizeof (s_peer_t));
            assert (peer);
            zhashx_insert (self->peers, department, peer);
        }
        peer->serial = cert_serial (cert);
        if (crypto_box_beforenm (peer->box_key, cert_box_public (cert),
                                 cert_box_secret (self->cert)) != 0) {
            zhashx_delete (self->peers, department);
            *status = STATUS_BAD_SEAL;
            return NULL;
        }
    }
    if (cert_p)
        *cert_p = cert;
    return peer->box_key;
}

static bool
s_registered (gateway_t *self)
{
    for (size_t index = 0; index < self->link_count; index++)
        if (link_registered (self->links [index]))
            return true;
    return false;
}

//  Sends a sealed envelope through `via` if it can, else through another
//  registered link, skipping those in the `tried` mask, so that a lost
//  broker costs nothing. Returns the index of the link used, or -1.
static int
s_send_through (gateway_t *self, envelope_t *envelope, link_t *via, uint32_t tried)
    __attribute__ ((warn_unused_result));

static int
s_send_through (gateway_t *self, envelope_t *envelope, link_t *via, uint32_t tried)
{
    for (size_t index = 0; via && index < self->link_count; index++)
        if (self->links [index] == via && link_registered (via)
        &&  link_send_sealed (via, envelope) == 0)
            return (int) index;
    for (size_t count = 0; count < self->link_count; count++) {
        size_t index = self->next_link++ % self->link_count;
        link_t *link = self->links [index];
        if (link != via && !(tried & (1u << index)) && link_registered (link)
        &&  link_send_sealed (link, envelope) == 0)
            return (int) index;
    }
    return -1;
}

//  Sends a sealed envelope through `via` or, failing that, any registered
//  link. Returns 0, or -1 if no link took it.
static int
s_send_sealed (gateway_t *self, envelope_t *envelope, link_t *via)
    __attribute__ ((warn_unused_result));

static int
s_send_sealed (gateway_t *self, envelope_t *envelope, link_t *via)
{
    return s_send_through (self, envelope, via, 0) < 0? -1: 0;
}

//  A sealed ERROR answering `re` to a department, carrying `head` (the
//  record of this answer, may be NULL: none). NULL if it cannot be made.
static envelope_t *
s_error_new (gateway_t *self, const char *to, const uint8_t *box_key,
             const uint8_t *re, int code, const char *reason, const char *field,
             const message_head_t *head)
{
    message_error_t error;
    memset (&error, 0, sizeof (error));
    memcpy (error.re, re, ENVELOPE_ID_BYTES);
    error.code = (uint32_t) code;
    snprintf (error.reason, sizeof (error.reason), "%s",
              reason && *reason? reason: status_text (code));
    snprintf (error.field, sizeof (error.field), "%s", field? field: "");
    if (head)
        error.head = *head;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_error_encode (&error, &buffer);
    envelope_t *envelope = envelope_new (MSG_ERROR, self->id, to);
    if (envelope
    &&  envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size,
                       cert_sign_secret (self->cert), box_key))
        envelope_destroy (&envelope);
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}

//  Sends a sealed ERROR that names no audit record of ours: INTERNAL when
//  the audit log refuses, BAD_TYPE for a type not served. Returns 0, or -1
//  if it cannot be made or no link took it (logged here, once for every
//  caller).
static int
s_send_error (gateway_t *self, link_t *via, const char *to, const uint8_t *box_key,
              const uint8_t *re, int code, const char *reason, const char *field)
    __attribute__ ((warn_unused_result));

static int
s_send_error (gateway_t *self, link_t *via, const char *to, const uint8_t *box_key,
              const uint8_t *re, int code, const char *reason, const char *field)
{
    envelope_t *envelope = s_error_new (self, to, box_key, re, code, reason, field,
                                        NULL);
    int rc = envelope? s_send_sealed (self, envelope, via): -1;
    if (rc)
        zsys_warning ("gateway: %s to %s not sent: no broker link takes it now",
                      status_name (code), to);
    envelope_destroy (&envelope);
    return rc;
}

//  --------------------------------------------------------------------------
//  Audit

//  The key as it may appear in the log: personal identifiers masked.
static void
s_audit_key (const char *key, item_t *item, char *out)
{
    if (item && item_key_type (item) != IDENT_RESIDENT_ID)
        snprintf (out, IDENT_MAX + 1, "%.*s", IDENT_MAX, key);
    else
        ident_mask (key, out);
}

//  A record with what a query gives (officer, purpose, item, the key as it
//  may be logged, in `key`); the caller sets the rest.
static audit_record_t
s_record_of (const message_query_t *query, item_t *item, char *key)
{
    s_audit_key (query? query->key: "", item, key);
    audit_record_t record = {
        .officer = query? query->officer: "",
        .purpose = query? query->purpose: "",
        .item = query? query->item: "",
        .key = key
    };
    return record;
}

//  Appends a record, timed now. 0, or -1 (logged): the caller then sends
//  nothing the record would have described.
static int
s_record (gateway_t *self, audit_record_t *record)
{
    record->time_ms = zclock_time ();
    int rc = audit_append (self->audit, record);
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
    const envelope_header_t *header = envelope_header (*envelope_p);
    held->envelope = *envelope_p;
    *envelope_p = NULL;
    held->via = via;
    snprintf (held->to, sizeof (held->to), "%s", header->to);
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

static void
s_local_send (gateway_t *self, zmsg_t **msg_p);
static void
s_local_reply (gateway_t *self, zmsg_t *reply_to, int status, const char *reason,
               const char *field, const char *from, const char *item,
               const char *msgid, uint64_t served_at, const char *agreement,
               const msgpack_object *rows);

//  Commits the records of the batch and then releases what was held back;
//  if the commit fails, nothing that the records describe leaves: each
//  answer becomes an INTERNAL error (naming no record), each local reply
//  an INTERNAL reply without the data.
static void
s_commit (gateway_t *self)
{
    if (audit_pending (self->audit) == 0 && zlistx_size (self->held) == 0)
        return;
    //  A failing disk is said once per failing spell, not once per batch
    char *error = NULL;
    bool durable = audit_commit (self->audit, &error) == 0;
    if (!durable && !self->audit_failing)
        zsys_error ("gateway: audit: %s", error? error: "cannot write");
    if (durable && self->audit_failing)
        zsys_info ("gateway: audit: the log is written again");
    self->audit_failing = !durable;
    zstr_free (&error);
    s_held_t *held;
    while ((held = (s_held_t *) zlistx_detach (self->held, NULL))) {
        if (held->envelope && durable) {
            if (s_send_sealed (self, held->envelope, held->via))
                zsys_warning ("gateway: an answer to %s is recorded but not sent: no"
                              " broker link takes it now", held->to);
        }
        else
        if (held->envelope) {
            //  An error that cannot leave is logged by s_send_error
            if (s_send_error (self, held->via, held->to, held->box_key, held->re,
                              STATUS_INTERNAL, S_UNRECORDED, ""))
                SLUICE_DEBUG (self->level, "gateway: nothing answered to %s", held->to);
        }
        else
        if (durable)
            s_local_send (self, &held->reply);
        else
            s_local_reply (self, held->reply_to, STATUS_INTERNAL, S_UNRECORDED_ANSWER,
                           "", "", "", "", 0, "", NULL);
        s_held_destroy (&held);
    }
}

//  --------------------------------------------------------------------------
//  Serving: a QUERY from another department

//  Comma-separated names of the fields in mask, for the audit log.
static void
s_field_names (item_t *item, uint64_t mask, char *out, size_t cap)
{
    out [0] = 0;
    size_t used = 0;
    for (size_t index = 0; index < item_field_count (item); index++)
        if (mask & (1ULL << index)) {
            int written = snprintf (out + used, cap - used, "%s%s",
                                    used? ",": "", item_field (item, index)->name);
            if (written < 0 || (size_t) written >= cap - used)
                break;
            used += (size_t) written;
        }
}

//  The provider's side of an answer: its served record (with the
//  requester's head from the query, when the query decoded) is appended and
//  the sealed answer held until that record is durable. If the answer could
//  not be made or the record not appended, INTERNAL goes instead, naming no
//  record. Takes *answer_p.
static void
s_answer_recorded (gateway_t *self, link_t *via, envelope_t *request,
                   const uint8_t *box_key, const message_query_t *query, item_t *item,
                   envelope_t **answer_p, int status, const char *decision,
                   const char *fields, const char *agreement)
{
    const envelope_header_t *header = envelope_header (request);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (header->id, msgid);
    uint8_t request_digest [32], response_digest [32];
    envelope_digest (request, request_digest);
    if (*answer_p)
        envelope_digest (*answer_p, response_digest);
    char key [IDENT_MAX + 1];
    audit_record_t record = s_record_of (query, item, key);
    record.msg_time_ms = (int64_t) header->time_ms;
    record.direction = "served";
    record.msgid = msgid;
    record.peer = header->from;
    record.fields = fields;
    record.status = status;
    record.decision = decision;
    record.agreement = agreement;
    record.request_digest = request_digest;
    record.response_digest = response_digest;
    record.peer_head = query? &query->head: NULL;
    if (*answer_p && s_record (self, &record) == 0)
        s_hold_answer (self, answer_p, via, box_key, header->id);
    else
    if (s_send_error (self, via, header->from, box_key, header->id, STATUS_INTERNAL,
                      S_UNRECORDED, ""))
        SLUICE_DEBUG (self->level, "gateway: nothing answered to %s", msgid);
    envelope_destroy (answer_p);
}

//  Refuses a query: a sealed ERROR to the requester that names its audit
//  record, held until the record is durable. query is NULL when the payload
//  could not be decoded or verified (its audit head is then not recorded).
static void
s_refuse (gateway_t *self, link_t *via, envelope_t *request, const uint8_t *box_key,
          const message_query_t *query, item_t *item, int code,
          const char *reason, const char *field, const char *agreement)
{
    const envelope_header_t *header = envelope_header (request);
    message_head_t next;
    audit_next (self->audit, &next);
    envelope_t *answer = s_error_new (self, header->from, box_key, header->id, code,
                                      reason, field, &next);
    char decision [MESSAGE_REASON_MAX + 64];
    snprintf (decision, sizeof (decision), "refused: %s (%s)", status_name (code),
              reason && *reason? reason: status_text (code));
    s_answer_recorded (self, via, request, box_key, query, item, &answer, code,
                       decision, "", agreement);
    self->refused++;
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (header->id, msgid);
    SLUICE_INFO (self->level, "gateway: refused %s %s from %s: %s",
                 query? query->item: "?", msgid, header->from, status_name (code));
}

static void
s_serve (gateway_t *self, link_t *via, envelope_t *request, cert_t *sender,
         const uint8_t *box_key)
{
    const envelope_header_t *header = envelope_header (request);
    message_query_t query;
    if (message_query_decode (envelope_payload (request),
                              envelope_payload_size (request), &query) != STATUS_OK) {
        s_refuse (self, via, request, box_key, NULL, NULL, STATUS_MALFORMED,
                  "the query payload could not be decoded", NULL, NULL);
        return;
    }
    item_t *item = catalog_item (self->catalog, query.item);
    if (!item) {
        s_refuse (self, via, request, box_key, &query, NULL, STATUS_UNKNOWN_ITEM,
                  NULL, NULL, NULL);
        return;
    }
    uint64_t requested = 0;
    char bad [ITEM_NAME_MAX + 1] = "";
    if (*query.fields
    &&  item_fields_mask (item, query.fields, &requested, bad, sizeof (bad))) {
        s_refuse (self, via, request, box_key, &query, item, STATUS_UNKNOWN_FIELD,
                  "the item has no such field", bad, NULL);
        return;
    }
    //  The key is checked before anything else touches it
    char key [IDENT_MAX + 1];
    const char *why = NULL;
    if (item_share (item) != SHARE_CLOSED
    &&  !ident_validate (item_key_type (item), query.key, key, 0, &why)) {
        char reason [MESSAGE_REASON_MAX];
        snprintf (reason, sizeof (reason), "not a valid %s: %s",
                  ident_type_name (item_key_type (item)), why);
        s_refuse (self, via, request, box_key, &query, item, STATUS_INVALID_KEY,
                  reason, NULL, NULL);
        return;
    }
    policy_decision_t decision;
    policy_decide (self->policy, sender, item, requested, query.officer,
                   query.role, query.purpose, s_now_seconds (), &decision);
    if (decision.status != STATUS_OK) {
        s_refuse (self, via, request, box_key, &query, item, decision.status,
                  decision.reason, decision.field, decision.agreement_id);
        return;
    }
    //  The answer names its own record: the next one of the log
    message_head_t next;
    audit_next (self->audit, &next);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    uint64_t served_at = (uint64_t) zclock_time ();
    const char *agreement = decision.agreement_id? decision.agreement_id: "";
    message_response_begin_head (&pk, header->id, query.item, STATUS_OK, served_at,
                                 agreement, &next);
    size_t rows = 0;
    int status = source_lookup (self->source, item, key, decision.granted, &pk, &rows);
    if (status != STATUS_OK && status != STATUS_NOT_FOUND) {
        msgpack_sbuffer_destroy (&buffer);
        s_refuse (self, via, request, box_key, &query, item, status, NULL, NULL,
                  decision.agreement_id);
        return;
    }
    if (status == STATUS_NOT_FOUND) {
        //  Same map, with the status saying so
        msgpack_sbuffer_clear (&buffer);
        message_response_begin_head (&pk, header->id, query.item, STATUS_NOT_FOUND,
                                     served_at, agreement, &next);
        msgpack_pack_array (&pk, 0);
    }
    envelope_t *response = envelope_new (MSG_RESPONSE, self->id, header->from);
    //  The source's limit makes every answer fit (MESSAGE_ROWS_MAX); should
    //  sealing fail all the same, the requester hears why, nothing leaves
    if (response
    &&  envelope_seal (response, (uint8_t *) buffer.data, buffer.size,
                       cert_sign_secret (self->cert), box_key)) {
        msgpack_sbuffer_destroy (&buffer);
        envelope_destroy (&response);
        s_refuse (self, via, request, box_key, &query, item, STATUS_TOO_LARGE,
                  "the answer does not fit one message", NULL, decision.agreement_id);
        return;
    }
    msgpack_sbuffer_destroy (&buffer);

    //  No data leaves without its audit record, durable: the response is
    //  held until the batch is committed
    char fields [MESSAGE_FIELDS_MAX + 1];
    s_field_names (item, status == STATUS_OK? decision.granted: 0, fields, sizeof (fields));
    s_answer_recorded (self, via, request, box_key, &query, item, &response, status,
                       status == STATUS_OK? "granted": "granted: no record", fields,
                       decision.agreement_id);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (header->id, msgid);
    self->served++;
    SLUICE_DEBUG (self->level, "gateway: served %s %s to %s: %zu rows",
                  query.item, msgid, header->from, rows);
}

//  --------------------------------------------------------------------------
//  Asking: the local API and the answers to our queries

//  A local reply addressed to reply_to, ready to send; NULL if reply_to is
//  NULL (the gateway's own request: nobody waits).
static zmsg_t *
s_local_reply_msg (zmsg_t *reply_to, int status, const char *reason,
                   const char *field, const char *from, const char *item,
                   const char *msgid, uint64_t served_at, const char *agreement,
                   const msgpack_object *rows)
{
    if (!reply_to)
        return NULL;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_reply_encode (&buffer, status, reason && *reason? reason: status_text (status),
                           field, from, item, msgid, served_at, agreement, rows);
    zmsg_t *msg = zmsg_dup (reply_to);
    zmsg_addmem (msg, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return msg;
}

//  Sends a local reply (if any), destroying it; a caller gone meanwhile is
//  logged.
static void
s_local_send (gateway_t *self, zmsg_t **msg_p)
{
    if (*msg_p && zmsg_send (msg_p, self->local))
        zsys_warning ("gateway: a reply to a local caller could not be sent");
    zmsg_destroy (msg_p);
}

static void
s_local_reply (gateway_t *self, zmsg_t *reply_to, int status, const char *reason,
               const char *field, const char *from, const char *item,
               const char *msgid, uint64_t served_at, const char *agreement,
               const msgpack_object *rows)
{
    zmsg_t *msg = s_local_reply_msg (reply_to, status, reason, field, from, item,
                                     msgid, served_at, agreement, rows);
    s_local_send (self, &msg);
}

//  Ends a pending query: writes the audit record of the asking side (with
//  the provider's head its answer named, if the answer came from the
//  provider), holds the reply to the local caller until that record is
//  durable, forgets the query.
static void
s_complete (gateway_t *self, s_pending_t *pending, int status, const char *reason,
            const char *field, uint64_t served_at, const char *agreement,
            const msgpack_object *rows, const uint8_t *response_digest,
            const message_head_t *provider_head)
{
    zmsg_t *reply = s_local_reply_msg (pending->reply_to, status, reason, field,
                                       pending->to, pending->query.item, pending->msgid,
                                       served_at, agreement, rows);
    char fields [MESSAGE_FIELDS_MAX + 1] = "";
    if (rows && rows->via.array.size > 0) {
        const msgpack_object_map *first = &rows->via.array.ptr [0].via.map;
        size_t used = 0;
        for (uint32_t index = 0; index < first->size && used < sizeof (fields) - 1; index++) {
            const msgpack_object *name = &first->ptr [index].key;
            if (name->type != MSGPACK_OBJECT_STR)
                continue;
            int written = snprintf (fields + used, sizeof (fields) - used, "%s%.*s",
                                    used? ",": "", (int) name->via.str.size, name->via.str.ptr);
            if (written < 0 || (size_t) written >= sizeof (fields) - used)
                break;
            used += (size_t) written;
        }
    }
    char decision [MESSAGE_REASON_MAX + 64];
    if (status == STATUS_OK || status == STATUS_NOT_FOUND)
        snprintf (decision, sizeof (decision), "%s", status == STATUS_OK? "answered": "answered: no record");
    else
        snprintf (decision, sizeof (decision), "refused: %s (%s)", status_name (status),
                  reason && *reason? reason: status_text (status));
    char key [IDENT_MAX + 1];
    audit_record_t record = s_record_of (&pending->query, NULL, key);
    record.msg_time_ms = pending->sent_ms;
    record.direction = "asked";
    record.msgid = pending->msgid;
    record.peer = pending->to;
    record.caller = pending->caller;
    record.fields = fields;
    record.status = status;
    record.decision = decision;
    record.agreement = agreement;
    record.request_digest = pending->digest;
    record.response_digest = response_digest;
    record.peer_head = provider_head;
    if (s_record (self, &record) == 0)
        s_hold_reply (self, &reply, pending->reply_to);
    else
        s_local_reply (self, pending->reply_to, STATUS_INTERNAL, S_UNRECORDED_ANSWER,
                       "", pending->to, pending->query.item, pending->msgid, 0, "", NULL);
    zmsg_destroy (&reply);
    zhashx_delete (self->pending, pending->msgid);
}

//  Sends a query for the local caller `caller` (recorded in the asking
//  side's audit record).
static void
s_ask (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request,
       const char *caller)
{
    message_query_t *query = &request->query;
    if (!ident_validate (IDENT_DEPARTMENT, request->to, NULL, 0, NULL)) {
        s_local_reply (self, reply_to, STATUS_UNKNOWN_DEPARTMENT,
                       "not a department id", "", request->to, query->item, "", 0, "", NULL);
        return;
    }
    if (!s_registered (self)) {
        s_local_reply (self, reply_to, STATUS_NOT_REGISTERED,
                       "this gateway is not connected to a broker", "",
                       request->to, query->item, "", 0, "", NULL);
        return;
    }
    int status;
    const uint8_t *box_key = s_peer_key (self, request->to, NULL, &status);
    if (!box_key) {
        if (status == STATUS_CERT_UNKNOWN)
            status = STATUS_UNKNOWN_DEPARTMENT;
        s_local_reply (self, reply_to, status, status == STATUS_CERT_ROLE?
                       "not a department: its certificate is a broker's": NULL,
                       "", request->to, query->item, "", 0, "", NULL);
        return;
    }
    //  The query carries our audit head, so the provider's log witnesses ours
    audit_head (self->audit, &query->head);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_query_encode (query, &buffer);
    envelope_t *envelope = envelope_new (MSG_QUERY, self->id, request->to);
    if (envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size,
                       cert_sign_secret (self->cert), box_key)) {
        s_local_reply (self, reply_to, STATUS_TOO_LARGE, "the query cannot be sealed",
                       "", request->to, query->item, "", 0, "", NULL);
        envelope_destroy (&envelope);
        msgpack_sbuffer_destroy (&buffer);
        return;
    }
    int link = s_send_through (self, envelope, NULL, 0);
    msgpack_sbuffer_destroy (&buffer);
    if (link < 0) {
        s_local_reply (self, reply_to, STATUS_NOT_REGISTERED,
                       "the broker connection cannot take messages now", "",
                       request->to, query->item, "", 0, "", NULL);
        envelope_destroy (&envelope);
        return;
    }
    s_pending_t *pending = (s_pending_t *) zmalloc (sizeof (s_pending_t));
    assert (pending);
    pending->reply_to = zmsg_dup (reply_to);
    envelope_id_hex (envelope_header (envelope)->id, pending->msgid);
    snprintf (pending->to, sizeof (pending->to), "%s", request->to);
    pending->query = *query;
    snprintf (pending->caller, sizeof (pending->caller), "%s", caller? caller: "");
    pending->sent_ms = (int64_t) envelope_header (envelope)->time_ms;
    int64_t timeout = request->timeout_ms? (int64_t) request->timeout_ms: self->timeout_ms;
    pending->sent = zclock_mono ();
    pending->deadline = pending->sent + timeout;
    envelope_digest (envelope, pending->digest);
    pending->request = envelope;
    pending->tried = 1u << link;
    zhashx_insert (self->pending, pending->msgid, pending);
    self->asked++;
}

//  Each broker and where its link stands: "BROKER registered; BROKER-2
//  authentication refused ...". Fresh string.
static char *
s_links_state (gateway_t *self)
{
    char *text = strdup ("");
    for (size_t index = 0; text && index < self->link_count; index++) {
        char *longer = zsys_sprintf ("%s%s%s: %s", text, index? "; ": "",
                                     link_broker_id (self->links [index]),
                                     link_state (self->links [index]));
        free (text);
        text = longer;
    }
    assert (text);
    return text;
}

//  The status, answered NOT_REGISTERED while no broker has welcomed us, so
//  that `sluice status` fails and says why.
static void
s_status_reply (gateway_t *self, zmsg_t *reply_to)
{
    bool registered = s_registered (self);
    char *links = s_links_state (self);
    char *shown = registered? strdup ("yes"): zsys_sprintf ("no (%s)", links);
    assert (shown);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 11);
    codec_pack_kv_str (&pk, "department", self->id);
    codec_pack_kv_str (&pk, "registered", shown);
    codec_pack_kv_str (&pk, "brokers", links);
    codec_pack_kv_uint (&pk, "certificates", truststore_size (self->trust));
    codec_pack_kv_uint (&pk, "agreements", policy_size (self->policy));
    codec_pack_kv_uint (&pk, "served", self->served);
    codec_pack_kv_uint (&pk, "refused", self->refused);
    codec_pack_kv_uint (&pk, "asked", self->asked);
    codec_pack_kv_uint (&pk, "pending", zhashx_size (self->pending));
    codec_pack_kv_uint (&pk, "audit_records", audit_count (self->audit));
    codec_pack_kv_uint (&pk, "audit_commits", audit_commits (self->audit));
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked);
    //  The reason has the wire's bound; the rows say it all (the states
    //  are ASCII: ids, endpoints and our own words)
    char reason [MESSAGE_REASON_MAX + 1];
    snprintf (reason, sizeof (reason), "%s%s", registered? "gateway status":
              "not registered with any broker: ", registered? "": links);
    s_local_reply (self, reply_to, registered? STATUS_OK: STATUS_NOT_REGISTERED,
                   reason, "", self->id, "", "", (uint64_t) zclock_time (), "",
                   &unpacked.data);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&rows);
    zstr_free (&shown);
    zstr_free (&links);
}

//  --------------------------------------------------------------------------
//  The registry, for the local API: statements this department makes go to
//  every broker it is registered with; the first answer is the answer.

//  Returns how many brokers it went to (0: the caller was told
//  NOT_REGISTERED).
static size_t
s_registry_send (gateway_t *self, zmsg_t *reply_to, const char *local_op,
                 const char *op, const char *kind, statement_t *statement,
                 const char *text)
{
    zlistx_t *statements = NULL;
    if (statement) {
        statements = zlistx_new ();
        zlistx_add_end (statements, statement);
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, op, NULL, 0, NULL, kind, statements, text);
    zlistx_destroy (&statements);
    envelope_t *envelope = envelope_new (MSG_REGISTRY, self->id, "");
    size_t sent = 0;
    for (size_t index = 0; index < self->link_count; index++)
        if (link_registered (self->links [index])
        &&  link_send (self->links [index], envelope, (uint8_t *) buffer.data,
                       buffer.size, NULL) == 0)
            sent++;
    msgpack_sbuffer_destroy (&buffer);
    if (!sent)
        s_local_reply (self, reply_to, STATUS_NOT_REGISTERED,
                       "this gateway is not connected to a broker", "", "", "", "",
                       0, "", NULL);
    else {
        s_request_t *request = (s_request_t *) zmalloc (sizeof (s_request_t));
        assert (request);
        request->reply_to = reply_to? zmsg_dup (reply_to): NULL;
        envelope_id_hex (envelope_header (envelope)->id, request->msgid);
        snprintf (request->op, sizeof (request->op), "%s", local_op);
        if (statement)
            snprintf (request->key, sizeof (request->key), "%s", statement_key (statement));
        request->deadline = zclock_mono () + self->timeout_ms;
        request->answers_due = sent;
        request->envelope = envelope;
        envelope = NULL;
        zhashx_insert (self->requests, request->msgid, request);
    }
    envelope_destroy (&envelope);
    return sent;
}

//  Signs a statement of ours, of `version` (0: the next of our own
//  numbering), keeps it here at once and puts it at the brokers.
static void
s_registry_put (gateway_t *self, zmsg_t *reply_to, const char *local_op,
                const char *kind, const char *key, uint64_t version,
                const uint8_t *payload, size_t size)
{
    if (!version && registrar_next_version (self->registrar, &version) != STATUS_OK) {
        s_local_reply (self, reply_to, STATUS_INTERNAL,
                       "this gateway cannot number its statements (its ledger failed)",
                       "", "", "", "", 0, "", NULL);
        return;
    }
    statement_t *statement = statement_new (kind, self->id, key, version, payload, size);
    if (!statement) {
        s_local_reply (self, reply_to, STATUS_MALFORMED,
                       "not a valid statement (id or size out of bounds)", "", "",
                       "", "", 0, "", NULL);
        return;
    }
    statement_sign (statement, cert_sign_secret (self->cert));
    //  Kept here as it leaves, before any broker can answer: a broker that
    //  never echoes it cannot roll it back. The brokers' answer is the
    //  caller's; a statement that went nowhere is not kept
    if (s_registry_send (self, reply_to, local_op, "put", NULL, statement, NULL))
        registrar_take_own (self->registrar, statement);
    statement_destroy (&statement);
}

static void
s_publish_catalog (gateway_t *self, link_t *only)
{
    uint64_t version;
    if (registrar_next_version (self->registrar, &version) != STATUS_OK) {
        zsys_error ("gateway: the catalog is not published: no version for it");
        return;
    }
    statement_t *statement = catalog_statement (self->catalog, self->id, version,
                                                cert_sign_secret (self->cert));
    if (!statement) {
        zsys_error ("gateway: the catalog is too large to publish");
        return;
    }
    zlistx_t *statements = zlistx_new ();
    zlistx_add_end (statements, statement);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, statements, NULL);
    for (size_t index = 0; index < self->link_count; index++) {
        link_t *link = self->links [index];
        if ((!only || link == only) && link_registered (link)) {
            envelope_t *envelope = envelope_new (MSG_REGISTRY, self->id, "");
            //  A link that cannot take it now is registering again, and
            //  publishes the catalog once it is welcomed back
            if (link_send (link, envelope, (uint8_t *) buffer.data, buffer.size, NULL))
                zsys_warning ("gateway: the catalog was not sent to broker %s now; "
                              "it is sent when the broker welcomes us again",
                              link_broker_id (link));
            envelope_destroy (&envelope);
        }
    }
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&statements);
    statement_destroy (&statement);
}

static void
s_op_catalogs (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    if (!s_registry_send (self, reply_to, "catalogs", "list", STATEMENT_CATALOG, NULL, NULL))
        SLUICE_DEBUG (self->level, "gateway: catalogs not asked: no broker is registered");
}

static void
s_op_register (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    agreement_t *agreement = request->text?
        agreementtext_decode (request->text, strlen (request->text), NULL): NULL;
    if (!agreement)
        s_local_reply (self, reply_to, STATUS_MALFORMED, "not a valid agreement file",
                       "", "", "", "", 0, "", NULL);
    else
    if (!streq (agreement_provider (agreement), self->id)
    &&  !streq (agreement_consumer (agreement), self->id))
        s_local_reply (self, reply_to, STATUS_SENDER_MISMATCH,
                       "this department is not a party to the agreement", "", "", "",
                       "", 0, "", NULL);
    else
        s_registry_put (self, reply_to, "register", STATEMENT_AGREEMENT,
                        agreement_id (agreement), agreement_version (agreement),
                        (const uint8_t *) request->text, strlen (request->text));
    agreement_destroy (&agreement);
}

static void
s_op_revoke (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    const char *reason = request->text? request->text: "";
    s_registry_put (self, reply_to, "revoke", STATEMENT_REVOCATION, request->id, 0,
                    (const uint8_t *) reason, strlen (reason));
}

static void
s_op_order (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    order_t order;
    memset (&order, 0, sizeof (order));
    snprintf (order.provider, sizeof (order.provider), "%s", request->to);
    snprintf (order.item, sizeof (order.item), "%s", request->query.item);
    snprintf (order.fields, sizeof (order.fields), "%s", request->query.fields);
    snprintf (order.purpose, sizeof (order.purpose), "%s", request->query.purpose);
    snprintf (order.legal_basis, sizeof (order.legal_basis), "%s",
              request->text? request->text: "");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    if (registry_order_decode ((uint8_t *) buffer.data, buffer.size, &order) != STATUS_OK)
        s_local_reply (self, reply_to, STATUS_MALFORMED, "an order names the provider, "
                       "the item, the purpose and the legal basis", "", "", "", "",
                       0, "", NULL);
    else {
        char id [LOCALAPI_ID_MAX + 1];
        if (*request->id)
            snprintf (id, sizeof (id), "%s", request->id);
        else
            snprintf (id, sizeof (id), "ORD-%s-%" PRId64, self->id, zclock_time ());
        s_registry_put (self, reply_to, "order", STATEMENT_ORDER, id, 0,
                        (uint8_t *) buffer.data, buffer.size);
    }
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_op_answer (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    order_answer_t answer;
    memset (&answer, 0, sizeof (answer));
    snprintf (answer.decision, sizeof (answer.decision), "%s", request->decision);
    snprintf (answer.legal_basis, sizeof (answer.legal_basis), "%s",
              request->text? request->text: "");
    //  An accepted order becomes the agreement drafted from it (sluice order
    //  accept writes that draft, with this id)
    if (streq (answer.decision, "accepted"))
        snprintf (answer.agreement, sizeof (answer.agreement), "AGR-%.58s", request->id);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_answer_encode (&answer, &buffer);
    if (registry_answer_decode ((uint8_t *) buffer.data, buffer.size, &answer) != STATUS_OK)
        s_local_reply (self, reply_to, STATUS_MALFORMED, "an answer accepts or refuses; "
                       "a refusal states its legal basis", "", "", "", "", 0, "", NULL);
    else
        s_registry_put (self, reply_to, "answer", STATEMENT_ANSWER, request->id, 0,
                        (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_op_crl (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    if (!s_registry_send (self, reply_to, "crl", "crl", NULL, NULL,
                         request->text? request->text: ""))
        SLUICE_DEBUG (self->level, "gateway: crl not sent: no broker is registered");
}

//  Replies with rows packed by a registrar function.
static void
s_reply_rows (gateway_t *self, zmsg_t *reply_to, const char *what,
              void (*pack) (registrar_t *, msgpack_packer *))
{
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    pack (self->registrar, &pk);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked);
    s_local_reply (self, reply_to, STATUS_OK, what, "", self->id, "", "",
                   (uint64_t) zclock_time (), "", &unpacked.data);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&rows);
}

static void
s_op_agreements (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    s_reply_rows (self, reply_to, "agreements", registrar_pack_agreements);
}

static void
s_op_orders (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    s_reply_rows (self, reply_to, "orders", registrar_pack_orders);
}

static void
s_op_query (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    s_ask (self, reply_to, request, request->caller);
}

static void
s_op_status (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    s_status_reply (self, reply_to);
}

typedef struct {
    const char *name;
    void (*handler) (gateway_t *self, zmsg_t *reply_to, localapi_request_t *request);
} s_local_op_t;

static const s_local_op_t s_local_ops [] = {
    { "query",      s_op_query },
    { "status",     s_op_status },
    { "catalogs",   s_op_catalogs },
    { "register",   s_op_register },
    { "revoke",     s_op_revoke },
    { "agreements", s_op_agreements },
    { "order",      s_op_order },
    { "answer",     s_op_answer },
    { "orders",     s_op_orders },
    { "crl",        s_op_crl },
    { NULL }
};

//  --------------------------------------------------------------------------
//  Checking answers: the consumer believes nothing the provider was not
//  asked for (answer.h), against the provider's published catalog where the
//  gateway holds it. An answer that does not fit the copy held is judged
//  again on a directory fetched after the query was sent, so that a
//  provider's new field is not refused for a consumer's old copy; one from a
//  provider whose catalog is not held, on a directory at most
//  S_CATALOGS_FRESH_MS old. Meanwhile the answer is held (its payload
//  copied), and judged when every broker has listed its catalogs (the
//  newest copy of each kept), or with what is held at the query's deadline.

//  Asks the brokers for the catalog directory, unless that is under way.
//  0 if a directory is on its way, -1 if none can be asked for.
static int
s_fetch_catalogs (gateway_t *self)
{
    if (self->catalogs_fetching)
        return 0;
    if (!s_registry_send (self, NULL, "catalogs", "list", STATEMENT_CATALOG, NULL, NULL))
        return -1;
    self->catalogs_fetching = true;
    return 0;
}

//  Ends a pending query with its answer, or with BAD_ANSWER (the provider's
//  fault, logged and audited as such: the caller gets nothing of it). The
//  record keeps the provider's head either way: the answer names the
//  provider's record of it, whether or not its rows are believed.
static void
s_settle (gateway_t *self, s_pending_t *pending, message_response_t *response,
          answer_verdict_t *verdict, const uint8_t *digest)
{
    if (verdict->status == STATUS_OK)
        s_complete (self, pending, (int) response->status, NULL, "", response->served_at,
                    response->agreement, response->rows, digest, &response->head);
    else {
        zsys_warning ("gateway: answer from %s to %s refused, the provider's fault: "
                      "%s: %s", pending->to, pending->msgid,
                      status_name (verdict->status), verdict->reason);
        s_complete (self, pending, verdict->status, verdict->reason, verdict->field,
                    response->served_at, response->agreement, NULL, digest,
                    &response->head);
    }
}

//  Judges a RESPONSE to a pending query; holds it if the provider's catalog
//  should be fetched first and `final` is false. The payload is borrowed.
static void
s_judge (gateway_t *self, s_pending_t *pending, const uint8_t *payload, size_t size,
         const uint8_t *digest, bool final)
{
    message_response_t response;
    if (message_response_decode (payload, size, &response) != STATUS_OK) {
        message_response_destroy (&response);
        return;                 //  decoded before it was held: cannot happen
    }
    const msgpack_object *catalog = catalogs_get (self->catalogs, pending->to);
    answer_verdict_t verdict;
    answer_check (&pending->query, &response, catalog, cert_clearance (self->cert),
                  &verdict);
    bool fresh = verdict.against_catalog? self->catalogs_fetched > pending->sent:
                 self->catalogs_fetched
              && zclock_mono () - self->catalogs_fetched < S_CATALOGS_FRESH_MS;
    bool unsure = verdict.against_catalog || (!catalog && verdict.status == STATUS_OK);
    if (unsure && !final && !fresh && !pending->answer && s_fetch_catalogs (self) == 0) {
        pending->answer = (uint8_t *) malloc (size? size: 1);
        assert (pending->answer);
        memcpy (pending->answer, payload, size);
        pending->answer_size = size;
        memcpy (pending->answer_digest, digest, 32);
    }
    else
        s_settle (self, pending, &response, &verdict, digest);
    message_response_destroy (&response);
}

//  Judges a held answer on the catalogs held now, once and for all.
static void
s_judge_held (gateway_t *self, s_pending_t *pending)
{
    uint8_t *answer = pending->answer;
    pending->answer = NULL;
    s_judge (self, pending, answer, pending->answer_size, pending->answer_digest, true);
    free (answer);
}

//  The catalog directory came (or will not): the held answers are judged.
static void
s_catalogs_arrived (gateway_t *self, bool arrived)
{
    self->catalogs_fetching = false;
    if (arrived)
        self->catalogs_fetched = zclock_mono ();
    zlist_t *held = zlist_new ();
    for (s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending); pending;
         pending = (s_pending_t *) zhashx_next (self->pending))
        if (pending->answer)
            zlist_append (held, pending);
    for (s_pending_t *pending = (s_pending_t *) zlist_first (held); pending;
         pending = (s_pending_t *) zlist_next (held))
        s_judge_held (self, pending);
    zlist_destroy (&held);
}

//  Keeps the verified catalogs of a directory (rows as registrar_pack_catalogs
//  packs them).
static void
s_catalogs_keep (gateway_t *self, const msgpack_object *rows)
{
    for (uint32_t index = 0; rows && index < rows->via.array.size; index++) {
        const msgpack_object *row = &rows->via.array.ptr [index];
        char department [ENVELOPE_DEPT_MAX + 1];
        uint64_t published;
        bool bad = false;
        const msgpack_object *catalog = codec_get (row, "catalog", &bad);
        if (codec_get_str (row, "department", department, sizeof (department), false)
        ||  codec_get_uint (row, "published", &published, UINT64_MAX)
        ||  bad || !catalog
        ||  catalogs_take (self->catalogs, department, published, catalog))
            zsys_warning ("gateway: a catalog of %s cannot be read; its answers are "
                          "checked without it", department);
    }
}

//  Sends a sync (built by the registrar) to the broker of `link`.
static void
s_registry_sync_send (gateway_t *self, link_t *link, msgpack_sbuffer *sync)
{
    envelope_t *envelope = envelope_new (MSG_REGISTRY, self->id, "");
    if (!envelope || link_send (link, envelope, (uint8_t *) sync->data, sync->size, NULL)) {
        zsys_warning ("gateway: cannot ask %s for the registry's changes; asked again "
                      "at its next welcome or directory", link_broker_id (link));
        registrar_sync_interrupted (self->registrar, link_broker_id (link));
    }
    envelope_destroy (&envelope);
}

//  Starts a round of the catch-up with the broker of `link`: the registry's
//  changes since our mark.
static void
s_registry_sync (gateway_t *self, link_t *link)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (self->registrar, link_broker_id (link), &buffer);
    s_registry_sync_send (self, link, &buffer);
    msgpack_sbuffer_destroy (&buffer);
}

//  A REGISTRY message from a broker: statements pushed to us, a page of
//  the catch-up, or the answer to one of our requests.
static void
s_registry_event (gateway_t *self, link_t *link, envelope_t *envelope)
{
    registry_msg_t msg;
    if (registry_msg_decode (envelope_payload (envelope),
                             envelope_payload_size (envelope), &msg) != STATUS_OK) {
        zsys_warning ("gateway: malformed registry message from the broker");
        registry_msg_destroy (&msg);
        return;
    }
    if (streq (msg.op, "page")) {
        msgpack_sbuffer next;
        msgpack_sbuffer_init (&next);
        if (registrar_take_page (self->registrar, link_broker_id (link), &msg, &next))
            s_registry_sync_send (self, link, &next);
        msgpack_sbuffer_destroy (&next);
    }
    else
    if (streq (msg.op, "push")) {
        for (uint32_t index = 0; msg.statements && index < msg.statements->via.array.size;
             index++) {
            const msgpack_object_bin *bin = &msg.statements->via.array.ptr [index].via.bin;
            statement_t *statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
            if (statement)
                registrar_take (self->registrar, statement);
            else
                zsys_warning ("gateway: malformed statement from the broker, refused");
            statement_destroy (&statement);
        }
    }
    else {
        char msgid [ENVELOPE_ID_BYTES * 2 + 1];
        envelope_id_hex (msg.re, msgid);
        s_request_t *request = (s_request_t *) zhashx_lookup (self->requests, msgid);
        if (request && streq (msg.op, "listed") && streq (request->op, "catalogs")) {
            //  The first list answers the local caller; every broker's
            //  list adds to the directory, judged on once all have come
            msgpack_sbuffer rows;
            msgpack_sbuffer_init (&rows);
            msgpack_packer pk;
            msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
            registrar_pack_catalogs (self->registrar, msg.statements, &pk);
            msgpack_unpacked unpacked;
            msgpack_unpacked_init (&unpacked);
            codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked);
            s_catalogs_keep (self, &unpacked.data);
            s_local_reply (self, request->reply_to, STATUS_OK, "catalogs", "", "", "",
                           "", (uint64_t) zclock_time (), "", &unpacked.data);
            msgpack_unpacked_destroy (&unpacked);
            msgpack_sbuffer_destroy (&rows);
            zmsg_destroy (&request->reply_to);
            request->listed = true;
            if (request->answers_due > 0)
                request->answers_due--;
            if (request->answers_due == 0) {
                zhashx_delete (self->requests, msgid);
                s_catalogs_arrived (self, true);
            }
        }
        else
        if (request && streq (msg.op, "done")) {
            s_local_reply (self, request->reply_to, (int) msg.status, msg.reason, "",
                           "", request->key, request->msgid, (uint64_t) zclock_time (),
                           "", NULL);
            zhashx_delete (self->requests, msgid);
        }
        else
        if (streq (msg.op, "done") && msg.status != STATUS_OK && msg.status != STATUS_STALE) {
            //  Our catalog or our catch-up: the catch-up is asked again
            zsys_warning ("gateway: %s refused a request of ours: %s (%s)",
                          link_broker_id (link), status_name ((int) msg.status), msg.reason);
            registrar_sync_interrupted (self->registrar, link_broker_id (link));
        }
    }
    registry_msg_destroy (&msg);
}

static int
s_local_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    //  Return address: the routing id, and the empty delimiter of a REQ
    zmsg_t *reply_to = zmsg_new ();
    zframe_t *frame = zmsg_pop (msg);
    zmsg_append (reply_to, &frame);
    if (zmsg_size (msg) == 2 && zframe_size (zmsg_first (msg)) == 0) {
        frame = zmsg_pop (msg);
        zmsg_append (reply_to, &frame);
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    frame = zmsg_first (msg);
    //  Who asks is the connection's, never the request's to say
    char caller [CALLER_NAME_MAX + 1], refusal [CALLER_REASON_MAX + 1];
    if (!frame || caller_check (self->callers, frame, caller, refusal)) {
        zsys_warning ("gateway: local caller refused: %s",
                      frame? refusal: "an empty message");
        s_local_reply (self, reply_to, STATUS_NOT_PERMITTED, frame? refusal: "",
                       "", "", "", "", 0, "", NULL);
    }
    else
    if (zmsg_size (msg) != 1
    ||  localapi_request_decode (zframe_data (frame), zframe_size (frame), &request))
        s_local_reply (self, reply_to, STATUS_MALFORMED,
                       "the local request could not be decoded", "", "", "", "", 0, "", NULL);
    else {
        snprintf (request.caller, sizeof (request.caller), "%s", caller);
        const s_local_op_t *op = s_local_ops;
        while (op->name && !streq (op->name, request.op))
            op++;
        if (op->name && !streq (op->name, "query") && !streq (op->name, "status"))
            SLUICE_INFO (self->level, "gateway: local %s by %s", op->name, caller);
        if (op->name)
            op->handler (self, reply_to, &request);
        else
            s_local_reply (self, reply_to, STATUS_BAD_TYPE, "unknown op", "", "",
                           "", "", 0, "", NULL);
    }
    localapi_request_clear (&request);
    zmsg_destroy (&reply_to);
    zmsg_destroy (&msg);
    s_commit (self);
    return 0;
}

static int
s_link_index (gateway_t *self, link_t *link)
{
    for (size_t index = 0; index < self->link_count; index++)
        if (self->links [index] == link)
            return (int) index;
    return 0;
}

//  Queries that waited for a broker to know us again go out through `link`,
//  which just welcomed us.
static void
s_resend_waiting (gateway_t *self, link_t *link)
{
    for (s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending); pending;
         pending = (s_pending_t *) zhashx_next (self->pending))
        if (pending->waiting && link_send_sealed (link, pending->request) == 0)
            pending->waiting = false;
    for (s_request_t *request = (s_request_t *) zhashx_first (self->requests); request;
         request = (s_request_t *) zhashx_next (self->requests))
        if (request->waiting && link_send_sealed (link, request->envelope) == 0)
            request->waiting = false;
}

//  A RESPONSE or ERROR from a department, answering one of our queries.
static void
s_answer (gateway_t *self, link_t *link, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    uint8_t digest [32];
    envelope_digest (envelope, digest);
    if (header->type == MSG_RESPONSE) {
        message_response_t response;
        int status = message_response_decode (envelope_payload (envelope),
                                              envelope_payload_size (envelope), &response);
        char msgid [ENVELOPE_ID_BYTES * 2 + 1];
        envelope_id_hex (response.re, msgid);
        s_pending_t *pending = status == STATUS_OK?
            (s_pending_t *) zhashx_lookup (self->pending, msgid): NULL;
        if (pending && streq (pending->to, header->from) && !pending->answer)
            s_judge (self, pending, envelope_payload (envelope),
                     envelope_payload_size (envelope), digest, false);
        else
            zsys_warning ("gateway: unexpected or malformed response from %s, dropped",
                          header->from);
        message_response_destroy (&response);
    }
    else {
        message_error_t error;
        int status = message_error_decode (envelope_payload (envelope),
                                           envelope_payload_size (envelope), &error);
        char msgid [ENVELOPE_ID_BYTES * 2 + 1];
        envelope_id_hex (error.re, msgid);
        s_pending_t *pending = status == STATUS_OK?
            (s_pending_t *) zhashx_lookup (self->pending, msgid): NULL;
        //  A department may only answer for itself; the broker for routing
        bool from_broker = streq (header->from, link_broker_id (link));
        //  A broker that cannot reach the provider, or does not know it (a
        //  department may be certified at one broker only): another broker
        //  may. A broker that does not know us (it restarted, or closed every
        //  connection): register again there, and send the query through
        //  another broker, or through the first that welcomes us back
        int another = -1;
        if (pending && from_broker && error.code == STATUS_NOT_REGISTERED) {
            link_unregister (link);
            another = s_send_through (self, pending->request, NULL,
                                      pending->tried | (1u << s_link_index (self, link)));
            if (another < 0) {
                pending->waiting = true;
                another = s_link_index (self, link);
            }
        }
        else
        if (pending && from_broker && (error.code == STATUS_DEPARTMENT_OFFLINE
                                   ||  error.code == STATUS_UNKNOWN_DEPARTMENT
                                   ||  error.code == STATUS_BUSY))
            another = s_send_through (self, pending->request, NULL, pending->tried);
        s_request_t *request = status == STATUS_OK && from_broker?
            (s_request_t *) zhashx_lookup (self->requests, msgid): NULL;
        if (request && error.code == STATUS_NOT_REGISTERED) {
            //  The broker does not know us (it restarted, or closed every
            //  connection): register again, send it when welcomed back
            link_unregister (link);
            request->waiting = true;
        }
        else
        if (request && streq (request->op, "catalogs") && request->answers_due > 1) {
            //  Another broker's list is still to come
            s_local_reply (self, request->reply_to, (int) error.code, error.reason, "",
                           "", "", request->msgid, 0, "", NULL);
            zmsg_destroy (&request->reply_to);
            request->answers_due--;
        }
        else
        if (request) {
            s_local_reply (self, request->reply_to, (int) error.code, error.reason, "",
                           "", "", request->msgid, 0, "", NULL);
            bool catalogs = streq (request->op, "catalogs"), listed = request->listed;
            zhashx_delete (self->requests, msgid);
            if (catalogs)
                s_catalogs_arrived (self, listed);
        }
        else
        if (another >= 0)
            pending->tried |= 1u << another;
        else
        if (pending && (from_broker || streq (pending->to, header->from))) {
            //  The provider's ERROR names its record; a broker's names none
            const message_head_t *head = from_broker? NULL: &error.head;
            answer_verdict_t verdict;
            if (!from_broker && answer_check_error (&error, &verdict) != STATUS_OK) {
                zsys_warning ("gateway: answer from %s to %s refused, the provider's "
                              "fault: %s: %s", pending->to, pending->msgid,
                              status_name (verdict.status), verdict.reason);
                s_complete (self, pending, verdict.status, verdict.reason, "", 0, "",
                            NULL, digest, head);
            }
            else
                s_complete (self, pending, (int) error.code, error.reason, error.field,
                            0, "", NULL, digest, head);
        }
        else
        if (status == STATUS_OK && from_broker && error.code == STATUS_NOT_REGISTERED)
            link_unregister (link);
        else
        if (status == STATUS_OK)
            zsys_warning ("gateway: error from %s: %s (%s)", header->from,
                          status_name ((int) error.code), error.reason);
    }
}

//  --------------------------------------------------------------------------
//  The broker connection

//  Verifies the agreement files against the certificates held, and applies
//  the registry's statements again on top of them.
static void
s_agreement_files (gateway_t *self)
{
    const char *agreements = conf_str (self->conf, "gateway/agreements");
    if (agreements && *agreements) {
        int count = policy_add_dir (self->policy, agreements);
        SLUICE_INFO (self->level, "gateway: %d agreement files verified", count);
    }
    registrar_apply (self->registrar);
}

//  Verifies and keeps the certificates of a directory page; returns how
//  many were new. Each is verified against the authority here: the broker
//  only carries them and cannot make us trust anything.
static size_t
s_directory_certs (gateway_t *self, const msgpack_object *certs)
{
    size_t accepted = 0;
    for (uint32_t index = 0; index < certs->via.array.size; index++) {
        const msgpack_object_str *text = &certs->via.array.ptr [index].via.str;
        cert_t *cert = cert_decode (text->ptr, text->size, NULL);
        if (!cert)
            continue;
        char department [ENVELOPE_DEPT_MAX + 1];
        snprintf (department, sizeof (department), "%s", cert_department (cert));
        int status = truststore_add (self->trust, &cert);
        if (status == STATUS_OK)
            accepted++;
        else
        if (status != STATUS_STALE)
            zsys_warning ("gateway: certificate for %s refused: %s",
                          department, status_name (status));
        cert_destroy (&cert);
    }
    return accepted;
}

//  Applies the revocation list a transfer carried; one accepted is kept in
//  the ledger, so that no broker can take it back after a restart.
static void
s_directory_crl (gateway_t *self, const char *text, size_t size)
{
    char *error = NULL;
    crl_t *crl = crl_decode (text, size, &error);
    if (!crl)
        zsys_warning ("gateway: malformed revocation list from the broker (%s)", error);
    else {
        int status = truststore_set_crl (self->trust, &crl);
        if (status == STATUS_OK)
            registrar_keep_crl (self->registrar, self->trust);
        else
        if (status != STATUS_STALE)
            zsys_warning ("gateway: revocation list refused: %s", status_name (status));
        crl_destroy (&crl);
    }
    zstr_free (&error);
}

//  Takes a page of a broker's directory: a WELCOME (page 0) or a DIRECTORY
//  page (PROTOCOL.md 6.2, 9.2). Certificates are kept page by page; once
//  the transfer is complete the revocation list is applied and the
//  agreements loaded again (they are verified against the certificates).
//  A transfer that missed something, or a page out of order, is asked for
//  again: a HELLO that says what we hold. Returns true if the page
//  completed a transfer, so that everything it carried is held now.
static bool
s_directory (gateway_t *self, link_t *link, envelope_t *envelope, bool welcome)
{
    message_directory_t directory;
    dirsync_result_t result = DIRSYNC_BROKEN;
    if (message_directory_decode (envelope_payload (envelope),
                                  envelope_payload_size (envelope), &directory))
        zsys_warning ("gateway: malformed directory page from broker %s",
                      link_broker_id (link));
    else {
        size_t accepted = s_directory_certs (self, directory.certs);
        result = dirsync_take (link_directory (link), &directory, welcome);
        SLUICE_DEBUG (self->level, "gateway: directory page %" PRIu64 " of %" PRIu64
                      " from broker %s, %zu new certificates", directory.page.page,
                      directory.page.pages, link_broker_id (link), accepted);
    }
    if (result == DIRSYNC_DONE || result == DIRSYNC_BEHIND) {
        size_t size;
        const char *crl = dirsync_crl (link_directory (link), &size);
        if (crl)
            s_directory_crl (self, crl, size);
        char since [48] = "everything";
        if (directory.page.since)
            snprintf (since, sizeof (since), "a delta since version %" PRIu64,
                      directory.page.since);
        SLUICE_INFO (self->level, "gateway: directory of broker %s at version %" PRIu64
                     " (%s): %zu certificates held", link_broker_id (link),
                     directory.page.version, since, truststore_size (self->trust));
        s_agreement_files (self);
    }
    message_directory_destroy (&directory);
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
    MSG_WELCOME, MSG_HEARTBEAT, MSG_DIRECTORY, MSG_REGISTRY, MSG_ERROR
};

static bool
s_broker_type (int type)
{
    for (size_t index = 0; index < sizeof (s_broker_types) / sizeof (int); index++)
        if (s_broker_types [index] == type)
            return true;
    return false;
}

static void
s_from_broker (gateway_t *self, link_t *link, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    if (!s_broker_type (header->type)) {
        zsys_warning ("gateway: %s from broker %s refused: %s (a broker sends only "
                      "WELCOME, HEARTBEAT, DIRECTORY, REGISTRY and ERROR)",
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
    if (welcome) {
        s_publish_catalog (self, link);
        s_resend_waiting (self, link);
    }
    //  The registry's catch-up: after each welcome (the broker answers it
    //  after the welcome's directory pages), and again when a directory
    //  transfer completes, its certificates held, if the last round left
    //  statements that could not be judged yet
    if (welcome || (transferred
                &&  registrar_sync_wanted (self->registrar, link_broker_id (link))))
        s_registry_sync (self, link);
    if (header->type == MSG_REGISTRY)
        s_registry_event (self, link, envelope);
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

static void
s_from_department (gateway_t *self, link_t *via, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    cert_t *sender = NULL;
    int status;
    const uint8_t *box_key = s_peer_key (self, header->from, &sender, &status);
    if (!box_key) {
        //  Without a valid department certificate we cannot even seal an
        //  answer, nor may we: a broker's identity is never a peer (and a
        //  message not opened is not audited: who sent it is not known)
        s_refused_log (self, header, status);
        return;
    }
    status = envelope_open (envelope, box_key, cert_sign_public (sender));
    //  A type this gateway does not serve (the broker's own, or reserved
    //  for a later version) is refused before it takes a place in the
    //  replay cache: answered, logged, and nothing else
    if (status == STATUS_OK && !envelope_type_departmental (header->type)) {
        s_refused_log (self, header, STATUS_BAD_TYPE);
        char reason [96];
        snprintf (reason, sizeof (reason), "a version 1 gateway does not serve %s",
                  envelope_type_name (header->type));
        //  An answer that cannot leave is logged by s_send_error
        if (s_send_error (self, via, header->from, box_key, header->id, STATUS_BAD_TYPE,
                          reason, NULL))
            SLUICE_DEBUG (self->level, "gateway: the refusal of a %s from %s is not sent",
                          envelope_type_name (header->type), header->from);
        return;
    }
    //  Each sender has its share of the replay cache: a flood gets its
    //  sender BUSY, never the others
    if (status == STATUS_OK)
        status = replay_check_from (self->replay, header->from, header->id,
                                    (int64_t) header->time_ms, zclock_time ());
    if (status != STATUS_OK) {
        if (header->type == MSG_QUERY)
            s_refuse (self, via, envelope, box_key, NULL, NULL, status, NULL, NULL, NULL);
        else
            s_refused_log (self, header, status);
        return;
    }
    if (header->type == MSG_QUERY)
        s_serve (self, via, envelope, sender, box_key);
    else
    if (header->type == MSG_RESPONSE || header->type == MSG_ERROR)
        s_answer (self, via, envelope);
}

//  Handles one message from a broker link.
static void
s_link_message (gateway_t *self, link_t *link, zmsg_t **msg_p)
{
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
    if (!streq (header->to, self->id))
        zsys_warning ("gateway: message for %s delivered here, dropped", header->to);
    else
    if (streq (header->from, link_broker_id (link)))
        s_from_broker (self, link, envelope);
    else
        s_from_department (self, link, envelope);
    envelope_destroy (&envelope);
}

//  Reads what is waiting on a link (up to S_BATCH_MAX messages), then
//  commits the batch's audit records and sends the answers held back.
static int
s_link_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    link_t *link = NULL;
    for (size_t index = 0; index < self->link_count && !link; index++)
        if (link_socket (self->links [index]) == reader)
            link = self->links [index];
    assert (link);
    for (int count = 0; count < S_BATCH_MAX; count++) {
        if (count > 0 && !(zsock_events (reader) & ZMQ_POLLIN))
            break;
        zmsg_t *msg = zmsg_recv (reader);
        if (!msg)
            break;
        s_link_message (self, link, &msg);
    }
    s_commit (self);
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
    for (size_t index = 0; index < self->link_count; index++)
        link_tick (self->links [index]);
    return 0;
}

static int
s_expiry_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    for (size_t index = 0; index < self->link_count; index++)
        link_retry (self->links [index]);
    int64_t now = zclock_mono ();
    zlist_t *expired = zlist_new ();
    for (s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending);
         pending; pending = (s_pending_t *) zhashx_next (self->pending))
        if (now >= pending->deadline)
            zlist_append (expired, pending);
    for (s_pending_t *pending = (s_pending_t *) zlist_first (expired); pending;
         pending = (s_pending_t *) zlist_next (expired))
        if (pending->answer)
            s_judge_held (self, pending);   //  on the catalogs held now
        else
            s_complete (self, pending, STATUS_TIMEOUT,
                        "no answer within the timeout", "", 0, "", NULL, NULL, NULL);
    zlist_purge (expired);
    for (s_request_t *request = (s_request_t *) zhashx_first (self->requests);
         request; request = (s_request_t *) zhashx_next (self->requests))
        if (now >= request->deadline)
            zlist_append (expired, request);
    bool catalogs = false, listed = false;
    for (s_request_t *request = (s_request_t *) zlist_first (expired); request;
         request = (s_request_t *) zlist_next (expired)) {
        s_local_reply (self, request->reply_to, STATUS_TIMEOUT,
                       "no answer from the broker within the timeout", "", "", "", "",
                       0, "", NULL);
        if (streq (request->op, "catalogs")) {
            catalogs = true;
            listed |= request->listed;
        }
        zhashx_delete (self->requests, request->msgid);
    }
    zlist_destroy (&expired);
    if (catalogs)
        s_catalogs_arrived (self, listed);
    s_commit (self);                //  the records of these ends, then their replies
    return 0;
}

//  Modification time in nanoseconds, so that quick edits are all seen.
static int64_t
s_mtime (const char *path)
{
    struct stat status;
    if (stat (path, &status))
        return 0;
    return (int64_t) status.st_mtim.tv_sec * 1000000000 + status.st_mtim.tv_nsec;
}

//  A changed catalog file is loaded and checked in full, with its source;
//  only if both are sound do they replace the ones in service, and the new
//  catalog is published. A broken edit never takes the gateway down.
static int
s_catalog_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    const char *path = conf_str (self->conf, "gateway/catalog");
    int64_t mtime = s_mtime (path);
    if (mtime == self->catalog_mtime)
        return 0;
    self->catalog_mtime = mtime;
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    source_t *source = catalog? source_new (conf_str (self->conf, "gateway/source"),
                                            catalog, (int) conf_int (self->conf,
                                            "gateway/source-timeout-ms"), &error): NULL;
    if (!source) {
        zsys_error ("gateway: catalog change not applied, the previous one stays "
                    "in service: %s", error);
        zstr_free (&error);
        catalog_destroy (&catalog);
        return 0;
    }
    source_destroy (&self->source);
    catalog_destroy (&self->catalog);
    self->catalog = catalog;
    self->source = source;
    SLUICE_INFO (self->level, "gateway: catalog changed, %zu items now; publishing it",
               catalog_size (catalog));
    s_publish_catalog (self, NULL);
    return 0;
}

static int
s_quota_timer (zloop_t *loop, int timer_id, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    policy_flush (self->policy);
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
    SLUICE_INFO (self->level, "gateway: SIGHUP: loading the catalog and the "
                 "agreement files again");
    self->catalog_mtime = -1;           //  no file has this stamp
    s_catalog_timer (loop, 0, self);
    s_agreement_files (self);
    zsock_signal (reader, 0);
    return 0;
}

//  --------------------------------------------------------------------------
//  Construction

static int
s_fail (char **error, char *message)
{
    *error = message;
    return -1;
}

static int
s_load_identity (gateway_t *self, char **error)
{
    const char *path = conf_str (self->conf, "gateway/cert");
    char *reason = NULL;
    self->cert = cert_load (path, &reason);
    if (!self->cert || !cert_has_secret (self->cert)) {
        s_fail (error, zsys_sprintf ("%s: cannot load this department's certificate"
                " with its secret keys (gateway/cert): %s", path,
                reason? reason: "it holds no secret keys"));
        zstr_free (&reason);
        return -1;
    }
    self->id = cert_department (self->cert);
    path = conf_str (self->conf, "gateway/authority");
    authority_t *authority = authority_load (path, &reason);
    if (!authority) {
        s_fail (error, zsys_sprintf ("%s: cannot load the authority key"
                " (gateway/authority): %s", path, reason));
        zstr_free (&reason);
        return -1;
    }
    memcpy (self->authority, authority_public (authority), 32);
    authority_destroy (&authority);
    if (cert_verify (self->cert, self->authority))
        return s_fail (error, zsys_sprintf ("%s: certificate not signed by this "
                       "authority", conf_str (self->conf, "gateway/cert")));
    zlist_t *paths = conf_list (self->conf, "gateway/broker-cert");
    if (zlist_size (paths) > S_LINKS_MAX) {
        size_t count = zlist_size (paths);
        zlist_destroy (&paths);
        return s_fail (error, zsys_sprintf ("gateway/broker-cert names %zu brokers; "
                       "a gateway connects to at most %d: name fewer brokers "
                       "(and as many endpoints in gateway/broker)", count, S_LINKS_MAX));
    }
    int rc = 0;
    for (char *broker = (char *) zlist_first (paths); broker && rc == 0;
         broker = (char *) zlist_next (paths)) {
        cert_t *cert = cert_load (broker, &reason);
        if (!cert || cert_verify (cert, self->authority)
        ||  !streq (cert_role (cert), CERT_ROLE_BROKER)) {
            cert_destroy (&cert);
            rc = s_fail (error, zsys_sprintf ("%s: not a broker certificate signed "
                         "by this authority (gateway/broker-cert)%s%s", broker,
                         reason? ": ": "", reason? reason: ""));
            zstr_free (&reason);
        }
        else
            self->brokers [self->link_count++] = cert;
    }
    zlist_destroy (&paths);
    if (rc)
        return rc;
    self->trust = truststore_new (self->authority);
    cert_t *own = cert_dup (self->cert);
    truststore_add (self->trust, &own);
    return 0;
}

//  Message ids whose message time is within the replay window are
//  remembered again after a restart, each until its own time + window, so
//  a restart does not reopen the window (ids outside it are stale anyway).
static void
s_remember (const char *msgid, int64_t msg_time_ms, void *argument)
{
    gateway_t *self = (gateway_t *) argument;
    uint8_t id [ENVELOPE_ID_BYTES];
    if (sodium_hex2bin (id, sizeof (id), msgid, strlen (msgid), NULL, NULL, NULL) == 0)
        replay_check (self->replay, id, msg_time_ms, zclock_time ());
}

static int
s_load_service (gateway_t *self, char **error)
{
    self->catalog_mtime = s_mtime (conf_str (self->conf, "gateway/catalog"));
    self->catalog = catalog_load (conf_str (self->conf, "gateway/catalog"), error);
    if (!self->catalog)
        return -1;
    self->source = source_new (conf_str (self->conf, "gateway/source"), self->catalog,
                               (int) conf_int (self->conf, "gateway/source-timeout-ms"),
                               error);
    if (!self->source)
        return -1;
    const char *state = conf_str (self->conf, "gateway/state");
    if (zsys_dir_create ("%s", state))
        return s_fail (error, zsys_sprintf ("%s: cannot create the state directory "
                       "(gateway/state)", state));
    char *path = zsys_sprintf ("%s/audit.db", state);
    self->audit = audit_new (path, self->id, cert_sign_secret (self->cert), error);
    zstr_free (&path);
    if (!self->audit)
        return -1;
    path = zsys_sprintf ("%s/quota.db", state);
    self->policy = policy_new (self->id, self->trust, path, error);
    zstr_free (&path);
    if (!self->policy)
        return -1;
    path = zsys_sprintf ("%s/ledger.db", state);
    self->registrar = registrar_new (path, self->id, self->trust, self->policy, error);
    zstr_free (&path);
    if (!self->registrar)
        return -1;
    policy_set_level (self->policy, self->level);
    registrar_set_level (self->registrar, self->level);
    registrar_set_order_limit (self->registrar,
                               (size_t) conf_int (self->conf, "gateway/order-limit"));
    //  The newest revocation list accepted before: no broker can take it back
    registrar_load_crl (self->registrar, self->trust);
    int64_t window = conf_int (self->conf, "gateway/replay-window-ms");
    int64_t remembered = audit_each_since (self->audit, "served",
                                           zclock_time () - window, s_remember, self);
    if (remembered > 0)
        SLUICE_INFO (self->level, "gateway: %" PRId64 " message ids from the last %d s "
                     "remembered against replays", remembered, (int) (window / 1000));
    //  Agreements are verified against the departments' certificates, which
    //  arrive with the broker's directory: they are loaded then
    const char *agreements = conf_str (self->conf, "gateway/agreements");
    if (agreements && *agreements && !zsys_file_exists (agreements))
        return s_fail (error, zsys_sprintf ("%s: no such agreements directory "
                       "(gateway/agreements)", agreements));
    return 0;
}

static int
s_connect (gateway_t *self, char **error)
{
    self->callers = caller_new (conf_str (self->conf, "gateway/group"),
                                conf_int (self->conf, "gateway/local-unidentified") == 1,
                                error);
    if (!self->callers)
        return -1;
    self->local = zsock_new (ZMQ_ROUTER);
    if (caller_bind (self->callers, self->local, conf_str (self->conf, "gateway/local"),
                     error))
        return -1;
    zlist_t *endpoints = conf_list (self->conf, "gateway/broker");
    size_t count = zlist_size (endpoints);
    if (count != self->link_count) {
        zlist_destroy (&endpoints);
        return s_fail (error, zsys_sprintf ("gateway/broker names %zu endpoints but "
                       "gateway/broker-cert %zu certificates: give one of each per "
                       "broker, in the same order", count, self->link_count));
    }
    size_t index = 0;
    for (char *endpoint = (char *) zlist_first (endpoints); endpoint;
         endpoint = (char *) zlist_next (endpoints), index++) {
        self->links [index] = link_new (self->cert, self->brokers [index], endpoint,
                                        self->heartbeat_ms, self->level, error);
        if (!self->links [index]) {
            zlist_destroy (&endpoints);
            return -1;
        }
    }
    zlist_destroy (&endpoints);
    return 0;
}

gateway_t *
gateway_new (conf_t *conf, char **error)
{
    assert (conf && error);
    gateway_t *self = (gateway_t *) zmalloc (sizeof (gateway_t));
    assert (self);
    self->conf = conf;
    self->level = conf_level (conf, "gateway/log-level");
    self->heartbeat_ms = conf_int (conf, "gateway/heartbeat-ms");
    self->timeout_ms = conf_int (conf, "gateway/timeout-ms");
    self->peers = zhashx_new ();
    zhashx_set_destructor (self->peers, (zhashx_destructor_fn *) s_peer_free);
    self->pending = zhashx_new ();
    zhashx_set_destructor (self->pending, (zhashx_destructor_fn *) s_pending_destroy);
    self->requests = zhashx_new ();
    zhashx_set_destructor (self->requests, (zhashx_destructor_fn *) s_request_destroy);
    self->catalogs = catalogs_new ();
    self->held = zlistx_new ();
    zlistx_set_destructor (self->held, (zlistx_destructor_fn *) s_held_destroy);
    self->replay = replay_new (conf_int (conf, "gateway/replay-window-ms"),
                               (size_t) conf_int (conf, "gateway/replay-capacity"));
    self->refusal_log = ratelog_new (50, 10000);
    if (s_load_identity (self, error)
    ||  s_load_service (self, error)
    ||  s_connect (self, error)) {
        gateway_destroy (&self);
        return NULL;
    }
    SLUICE_INFO (self->level, "gateway: %s serving %zu catalog items, %zu agreements",
               self->id, catalog_size (self->catalog), policy_size (self->policy));
    return self;
}

void
gateway_destroy (gateway_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        gateway_t *self = *self_p;
        zloop_destroy (&self->loop);
        for (size_t index = 0; index < S_LINKS_MAX; index++) {
            link_destroy (&self->links [index]);
            cert_destroy (&self->brokers [index]);
        }
        zsock_destroy (&self->local);
        caller_destroy (&self->callers);
        zhashx_destroy (&self->pending);
        zhashx_destroy (&self->requests);
        catalogs_destroy (&self->catalogs);
        zlistx_destroy (&self->held);       //  empty: every handler commits
        registrar_destroy (&self->registrar);
        zhashx_destroy (&self->peers);
        audit_destroy (&self->audit);
        policy_destroy (&self->policy);     //  flushes quotas
        source_destroy (&self->source);
        catalog_destroy (&self->catalog);
        replay_destroy (&self->replay);
        ratelog_destroy (&self->refusal_log);
        truststore_destroy (&self->trust);
        cert_destroy (&self->cert);
        free (self);
        *self_p = NULL;
    }
}

int
gateway_run (gateway_t *self, zsock_t *pipe)
{
    assert (self);
    self->loop = zloop_new ();
    for (size_t index = 0; index < self->link_count; index++) {
        zloop_reader (self->loop, link_socket (self->links [index]), s_link_event, self);
        zloop_reader (self->loop, link_monitor (self->links [index]), s_monitor_event,
                      self->links [index]);
    }
    zloop_reader (self->loop, self->local, s_local_event, self);
    if (pipe)
        zloop_reader (self->loop, pipe, s_pipe_event, self);
    zloop_timer (self->loop, (size_t) self->heartbeat_ms, 0, s_heartbeat_timer, self);
    zloop_timer (self->loop, 50, 0, s_expiry_timer, self);
    zloop_timer (self->loop, 1000, 0, s_quota_timer, self);
    zloop_timer (self->loop, 1000, 0, s_catalog_timer, self);
    s_heartbeat_timer (self->loop, 0, self);      //  HELLO at once
    zloop_start (self->loop);
    SLUICE_INFO (self->level, "gateway: %s stopping", self->id);
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
