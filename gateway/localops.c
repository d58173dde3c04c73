/*  localops.c -- the operations of the local API, and the replies to local
    callers.
*/

#include "localops.h"
#include "agreement.h"
#include "agreementtext.h"
#include "codec.h"
#include "ident.h"
#include "registry.h"
#include "status.h"

struct _localops_t {
    startup_t *parts;                   //  all borrowed
    asking_t *asking;
    regclient_t *registry;
    noticeops_t *notices;
    const localops_figures_t *figures;
};

localops_t *
localops_new (startup_t *parts, asking_t *asking, regclient_t *registry,
              noticeops_t *notices, const localops_figures_t *figures)
{
    assert (parts && asking && registry && figures);
    localops_t *self = (localops_t *) zmalloc (sizeof (localops_t));
    assert (self);
    self->parts = parts;
    self->asking = asking;
    self->registry = registry;
    self->notices = notices;
    self->figures = figures;
    return self;
}

void
localops_destroy (localops_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Replies

void
localops_copy (char *to, size_t size, const char *text)
{
    assert (to && size);
    snprintf (to, size, "%s", text? text: "");
}

zmsg_t *
localops_reply_msg (zmsg_t *reply_to, const localapi_reply_t *reply)
{
    assert (reply);
    if (!reply_to)
        return NULL;
    int status = (int) reply->status;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_reply_encode (&buffer, status, *reply->reason? reply->reason:
                           status_text (status), reply->field, reply->from,
                           reply->item, reply->msgid, reply->served_at,
                           reply->agreement, reply->rows);
    zmsg_t *msg = zmsg_dup (reply_to);
    zmsg_addmem (msg, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return msg;
}

void
localops_send (zsock_t *local, zmsg_t **msg_p)
{
    assert (local && msg_p);
    if (*msg_p && zmsg_send (msg_p, local))
        zsys_warning ("gateway: a reply to a local caller could not be sent");
    zmsg_destroy (msg_p);
}

void
localops_reply (zsock_t *local, zmsg_t *reply_to, const localapi_reply_t *reply)
{
    zmsg_t *msg = localops_reply_msg (reply_to, reply);
    localops_send (local, &msg);
}

//  A reply of rows (packed into `packed`), from this gateway, now
static void
s_reply_rows (localops_t *self, zmsg_t *reply_to, int status, const char *reason,
              msgpack_sbuffer *packed)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    codec_unpack ((uint8_t *) packed->data, packed->size, &unpacked);
    localapi_reply_t reply = {
        .status = (uint32_t) status,
        .served_at = (uint64_t) zclock_time (),
        .rows = &unpacked.data
    };
    LOCALOPS_COPY (reply.reason, reason);
    LOCALOPS_COPY (reply.from, self->parts->id);
    localops_reply (self->parts->local, reply_to, &reply);
    msgpack_unpacked_destroy (&unpacked);
}

//  A refusal with a reason
static void
s_refuse (localops_t *self, zmsg_t *reply_to, int status, const char *reason)
{
    localapi_reply_t reply = { .status = (uint32_t) status };
    LOCALOPS_COPY (reply.reason, reason);
    localops_reply (self->parts->local, reply_to, &reply);
}


//  --------------------------------------------------------------------------
//  Asking another department

//  Sets the refusal of a query into the reply; NULL
static envelope_t *
s_not_asked (localapi_reply_t *reply, int status, const char *reason)
{
    reply->status = (uint32_t) status;
    LOCALOPS_COPY (reply->reason, reason);
    return NULL;
}

//  The QUERY of the request, sealed to its provider; or NULL, with why not
//  in the reply
static envelope_t *
s_seal_query (localops_t *self, localapi_request_t *request, localapi_reply_t *reply)
{
    startup_t *parts = self->parts;
    if (!ident_validate (IDENT_DEPARTMENT, request->to, NULL, 0, NULL))
        return s_not_asked (reply, STATUS_UNKNOWN_DEPARTMENT, "not a department id");
    if (!links_registered (parts->links))
        return s_not_asked (reply, STATUS_NOT_REGISTERED,
                            "this gateway is not connected to a broker");
    int status;
    const uint8_t *box_key = peers_key (parts->peers, request->to, zclock_time () / 1000,
                                        NULL, &status);
    if (!box_key)
        return s_not_asked (reply, status == STATUS_CERT_UNKNOWN?
                            STATUS_UNKNOWN_DEPARTMENT: status, status == STATUS_CERT_ROLE?
                            "not a department: its certificate is a broker's": NULL);
    //  The query carries our audit head, so the provider's log witnesses ours
    message_query_t *query = &request->query;
    audit_head (parts->audit, &query->head);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_query_encode (query, &buffer);
    envelope_t *envelope = envelope_new (MSG_QUERY, parts->id, request->to);
    if (envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size,
                       cert_sign_secret (parts->cert), box_key)) {
        envelope_destroy (&envelope);
        s_not_asked (reply, STATUS_TOO_LARGE, "the query cannot be sealed");
    }
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}

//  Sends a query for the local caller (recorded in the asking side's audit
//  record); asking follows it from there
static void
s_op_query (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    startup_t *parts = self->parts;
    localapi_reply_t reply = { .status = STATUS_OK };
    LOCALOPS_COPY (reply.from, request->to);
    LOCALOPS_COPY (reply.item, request->query.item);
    envelope_t *envelope = s_seal_query (self, request, &reply);
    int link = envelope? links_send_through (parts->links, envelope, NULL, 0): -1;
    if (envelope && link < 0) {
        envelope_destroy (&envelope);
        s_not_asked (&reply, STATUS_NOT_REGISTERED,
                     "the broker connection cannot take messages now");
    }
    if (!envelope) {
        localops_reply (parts->local, reply_to, &reply);
        return;
    }
    int64_t timeout = request->timeout_ms? (int64_t) request->timeout_ms: parts->timeout_ms;
    asking_sent (self->asking, reply_to, &envelope, &request->query, request->caller,
                 timeout, link, zclock_mono ());
}

//  The status, answered NOT_REGISTERED while no broker has welcomed us, so
//  that `sluice status` fails and says why
static void
s_op_status (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    startup_t *parts = self->parts;
    bool registered = links_registered (parts->links);
    char *links = links_state (parts->links);
    char *shown = registered? strdup ("yes"): zsys_sprintf ("no (%s)", links);
    assert (shown);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 11);
    codec_pack_kv_str (&pk, "department", parts->id);
    codec_pack_kv_str (&pk, "registered", shown);
    codec_pack_kv_str (&pk, "brokers", links);
    codec_pack_kv_uint (&pk, "certificates", truststore_size (parts->trust));
    codec_pack_kv_uint (&pk, "agreements", policy_size (parts->policy));
    codec_pack_kv_uint (&pk, "served", self->figures->served);
    codec_pack_kv_uint (&pk, "refused", self->figures->refused);
    codec_pack_kv_uint (&pk, "asked", asking_asked (self->asking));
    codec_pack_kv_uint (&pk, "pending", asking_size (self->asking));
    codec_pack_kv_uint (&pk, "audit_records", audit_count (parts->audit));
    codec_pack_kv_uint (&pk, "audit_commits", audit_commits (parts->audit));
    //  The reason has the wire's bound; the rows say it all (the states
    //  are ASCII: ids, endpoints and our own words)
    char reason [MESSAGE_REASON_MAX + 1];
    snprintf (reason, sizeof (reason), "%s%s", registered? "gateway status":
              "not registered with any broker: ", registered? "": links);
    s_reply_rows (self, reply_to, registered? STATUS_OK: STATUS_NOT_REGISTERED, reason,
                  &rows);
    msgpack_sbuffer_destroy (&rows);
    zstr_free (&shown);
    zstr_free (&links);
}


//  --------------------------------------------------------------------------
//  The registry

static void
s_op_catalogs (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    if (!regclient_send (self->registry, reply_to, "catalogs", "list", STATEMENT_CATALOG,
                         NULL, NULL))
        SLUICE_DEBUG (self->parts->level,
                      "gateway: catalogs not asked: no broker is registered");
}

static void
s_op_register (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    const char *id = self->parts->id;
    agreement_t *agreement = request->text?
        agreementtext_decode (request->text, strlen (request->text), NULL): NULL;
    if (!agreement)
        s_refuse (self, reply_to, STATUS_MALFORMED, "not a valid agreement file");
    else
    if (!streq (agreement_provider (agreement), id)
    &&  !streq (agreement_consumer (agreement), id))
        s_refuse (self, reply_to, STATUS_SENDER_MISMATCH,
                  "this department is not a party to the agreement");
    else
        regclient_put (self->registry, reply_to, "register", STATEMENT_AGREEMENT,
                       agreement_id (agreement), agreement_version (agreement),
                       (const uint8_t *) request->text, strlen (request->text));
    agreement_destroy (&agreement);
}

static void
s_op_revoke (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    const char *reason = request->text? request->text: "";
    regclient_put (self->registry, reply_to, "revoke", STATEMENT_REVOCATION, request->id,
                   0, (const uint8_t *) reason, strlen (reason));
}

static void
s_op_order (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
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
        s_refuse (self, reply_to, STATUS_MALFORMED, "an order names the provider, "
                  "the item, the purpose and the legal basis");
    else {
        char id [LOCALAPI_ID_MAX + 1];
        if (*request->id)
            snprintf (id, sizeof (id), "%s", request->id);
        else
            snprintf (id, sizeof (id), "ORD-%s-%" PRId64, self->parts->id, zclock_time ());
        regclient_put (self->registry, reply_to, "order", STATEMENT_ORDER, id, 0,
                       (uint8_t *) buffer.data, buffer.size);
    }
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_op_answer (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
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
        s_refuse (self, reply_to, STATUS_MALFORMED, "an answer accepts or refuses; "
                  "a refusal states its legal basis");
    else
        regclient_put (self->registry, reply_to, "answer", STATEMENT_ANSWER, request->id,
                       0, (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_op_crl (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    if (!regclient_send (self->registry, reply_to, "crl", "crl", NULL, NULL,
                         request->text? request->text: ""))
        SLUICE_DEBUG (self->parts->level, "gateway: crl not sent: no broker is registered");
}

//  Rows a registrar function packs
static void
s_rows_of (localops_t *self, zmsg_t *reply_to, const char *what,
           void (*pack) (registrar_t *, msgpack_packer *))
{
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    pack (self->parts->registrar, &pk);
    s_reply_rows (self, reply_to, STATUS_OK, what, &rows);
    msgpack_sbuffer_destroy (&rows);
}

static void
s_op_agreements (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    s_rows_of (self, reply_to, "agreements", registrar_pack_agreements);
}

static void
s_op_orders (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    s_rows_of (self, reply_to, "orders", registrar_pack_orders);
}


//  --------------------------------------------------------------------------
//  The table

//  An operation is served here (handler) or by the notices' operations
//  (noticeops.h)
typedef struct {
    const char *name;
    void (*handler) (localops_t *self, zmsg_t *reply_to, localapi_request_t *request);
    bool logged;                //  each use is worth a line of the log
    noticeops_fn *notices;
    //  It seals receipts to the departments that sent the copies: not
    //  before a broker's whole directory is held (after a start), whose
    //  certificates it needs, or they would be recorded and never sent
    bool seals_receipts;
} s_op_t;

static const s_op_t s_ops [] = {
    { "query",      s_op_query,         false },
    { "status",     s_op_status,        false },
    { "catalogs",   s_op_catalogs,      true },
    { "register",   s_op_register,      true },
    { "revoke",     s_op_revoke,        true },
    { "agreements", s_op_agreements,    true },
    { "order",      s_op_order,         true },
    { "answer",     s_op_answer,        true },
    { "orders",     s_op_orders,        true },
    { "crl",        s_op_crl,           true },
    { "notice-send",     NULL, false, noticeops_send },
    { "notice-list",     NULL, false, noticeops_list },
    { "notice-show",     NULL, false, noticeops_show },
    { "notice-take",     NULL, false, noticeops_take, true },
    { "notice-feedback", NULL, true,  noticeops_feedback, true },
    { "notice-wait",     NULL, false, noticeops_wait },
    { "notice-stats",    NULL, false, noticeops_stats },
    { "alert-raise",     NULL, true,  noticeops_raise },
    { "alert-list",      NULL, false, noticeops_list },
    { "alert-take",      NULL, false, noticeops_take, true },
    { "alert-stats",     NULL, false, noticeops_stats },
    { "alert-subscribe", NULL, true,  noticeops_subscribe },
    { NULL }
};

bool
localops_known (const char *name)
{
    assert (name);
    for (const s_op_t *op = s_ops; op->name; op++)
        if (streq (op->name, name))
            return true;
    return false;
}

void
localops_handle (localops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    const s_op_t *op = s_ops;
    while (op->name && !streq (op->name, request->op))
        op++;
    if (op->logged)
        SLUICE_INFO (self->parts->level, "gateway: local %s by %s", op->name,
                     request->caller);
    if (op->name && op->notices && !self->notices)
        s_refuse (self, reply_to, STATUS_BAD_TYPE, "no notices here");
    else
    if (op->seals_receipts && !links_directory_held (self->parts->links))
        s_refuse (self, reply_to, STATUS_NOT_REGISTERED, "the senders' certificates are "
                  "not held yet (no broker's directory since the start): try again");
    else
    if (op->notices)
        op->notices (self->notices, reply_to, request);
    else
    if (op->name)
        op->handler (self, reply_to, request);
    else
        s_refuse (self, reply_to, STATUS_BAD_TYPE, "unknown op");
}


//  --------------------------------------------------------------------------
//  Self-test: the operations of a gateway that no broker has welcomed

//  A caller of the local API: its return address as the gateway sees it
static zmsg_t *
s_test_caller (startup_t *parts, zsock_t *caller)
{
    assert (zstr_send (caller, "hello") == 0);
    zmsg_t *msg = zmsg_recv (parts->local);
    assert (msg && zmsg_size (msg) == 2);
    zmsg_t *reply_to = zmsg_new ();
    zframe_t *routing = zmsg_pop (msg);
    zmsg_append (reply_to, &routing);
    zmsg_destroy (&msg);
    return reply_to;
}

//  Serves one request and checks the reply's status and, if given, the
//  start of its reason
static void
s_test_op (localops_t *self, zsock_t *caller, zmsg_t *reply_to,
           localapi_request_t *request, int status, const char *reason)
{
    snprintf (request->caller, sizeof (request->caller), "test (uid 1)");
    localops_handle (self, reply_to, request);
    zpoller_t *poller = zpoller_new (caller, NULL);
    assert (zpoller_wait (poller, 5000) == caller);
    zpoller_destroy (&poller);
    zframe_t *frame = zframe_recv (caller);
    localapi_reply_t reply;
    assert (localapi_reply_decode (zframe_data (frame), zframe_size (frame), &reply) == 0);
    if ((int) reply.status != status || (reason && strncmp (reply.reason, reason,
                                                            strlen (reason)))) {
        printf ("%s: expected %s '%s', got %s '%s'\n", request->op, status_name (status),
                reason? reason: "", status_name ((int) reply.status), reply.reason);
        assert (false);
    }
    if (streq (request->op, "status"))
        assert (streq (reply.from, "SH-PD-MSA") && reply.rows->via.array.size == 1
                && reply.rows->via.array.ptr [0].via.map.size == 11);
    if (streq (request->op, "query"))
        assert (streq (reply.from, request->to) && streq (reply.item, request->query.item));
    localapi_reply_destroy (&reply);
    zframe_destroy (&frame);
    localapi_request_clear (request);
    memset (request, 0, sizeof (*request));
}

void
localops_test (bool verbose)
{
    if (verbose)
        printf (" * localops: ");
    startup_test_t test;
    startup_test_setup (&test, "localops");
    startup_t *parts = test.parts;
    catalogs_t *catalogs = catalogs_new ();
    asking_t *asking = asking_test_idle (catalogs);
    regclient_t *registry = regclient_new (parts, catalogs, asking);
    localops_figures_t figures = { 7, 2 };
    localops_t *ops = localops_new (parts, asking, registry, NULL, &figures);
    zsock_t *caller = zsock_new_dealer (conf_str (test.conf, "gateway/local"));
    assert (caller);
    zmsg_t *reply_to = s_test_caller (parts, caller);

    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    snprintf (request.op, sizeof (request.op), "frobnicate");
    s_test_op (ops, caller, reply_to, &request, STATUS_BAD_TYPE, "unknown op");
    snprintf (request.op, sizeof (request.op), "status");
    s_test_op (ops, caller, reply_to, &request, STATUS_NOT_REGISTERED,
               "not registered with any broker: BROKER: ");
    snprintf (request.op, sizeof (request.op), "agreements");
    s_test_op (ops, caller, reply_to, &request, STATUS_OK, "agreements");
    snprintf (request.op, sizeof (request.op), "orders");
    s_test_op (ops, caller, reply_to, &request, STATUS_OK, "orders");
    //  Asking: a department id, and a broker to send it through
    snprintf (request.op, sizeof (request.op), "query");
    snprintf (request.to, sizeof (request.to), "not an id!");
    snprintf (request.query.item, sizeof (request.query.item), "enterprise-basic");
    s_test_op (ops, caller, reply_to, &request, STATUS_UNKNOWN_DEPARTMENT,
               "not a department id");
    snprintf (request.op, sizeof (request.op), "query");
    snprintf (request.to, sizeof (request.to), "SH-PD-TAX");
    snprintf (request.query.item, sizeof (request.query.item), "enterprise-basic");
    s_test_op (ops, caller, reply_to, &request, STATUS_NOT_REGISTERED,
               "this gateway is not connected to a broker");
    //  The registry: what is not well formed is refused here, the rest
    //  would go to the brokers
    snprintf (request.op, sizeof (request.op), "register");
    s_test_op (ops, caller, reply_to, &request, STATUS_MALFORMED, "not a valid agreement");
    agreement_t *theirs = agreement_new ("AGR-X", "SH-PD-HR", "SH-PD-TAX", "item", "name",
                                         "audit", "basis", 0, 4102444800, 1, "*", NULL);
    snprintf (request.op, sizeof (request.op), "register");
    request.text = agreementtext_encode (theirs);
    agreement_destroy (&theirs);
    s_test_op (ops, caller, reply_to, &request, STATUS_SENDER_MISMATCH,
               "this department is not a party");
    snprintf (request.op, sizeof (request.op), "order");
    s_test_op (ops, caller, reply_to, &request, STATUS_MALFORMED, "an order names");
    snprintf (request.op, sizeof (request.op), "answer");
    snprintf (request.decision, sizeof (request.decision), "perhaps");
    s_test_op (ops, caller, reply_to, &request, STATUS_MALFORMED, "an answer accepts");
    const char *to_brokers [] = { "catalogs", "crl", "revoke" };
    for (size_t index = 0; index < 3; index++) {
        snprintf (request.op, sizeof (request.op), "%s", to_brokers [index]);
        snprintf (request.id, sizeof (request.id), "AGR-1");
        s_test_op (ops, caller, reply_to, &request, STATUS_NOT_REGISTERED,
                   "this gateway is not connected to a broker");
    }
    assert (asking_size (asking) == 0 && asking_asked (asking) == 0);

    zmsg_destroy (&reply_to);
    zsock_destroy (&caller);
    localops_destroy (&ops);
    localops_destroy (&ops);
    assert (!ops);
    regclient_destroy (&registry);
    asking_destroy (&asking);
    catalogs_destroy (&catalogs);
    startup_test_teardown (&test);
    if (verbose)
        printf ("OK\n");
}
