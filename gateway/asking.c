/*  asking.c -- the queries this gateway sent, each until it ends.

    The machine is the table s_actions: for each state and event, the
    action that runs (none: the event changes nothing in that state). Each
    action returns the state the query goes to, or S_ENDED; s_handle, the
    one place a query changes state, applies it.
*/

#include "asking.h"
#include "answer.h"
#include "codec.h"
#include "ident.h"
#include "status.h"
#include "ratelog.h"
#include <sodium.h>

//  Copies `text` (NULL: "") into one of a reply's strings, as far as it fits
#define S_COPY(to, text) s_copy ((to), sizeof (to), (text))

static void
s_copy (char *to, size_t size, const char *text)
{
    snprintf (to, size, "%s", text? text: "");
}

typedef enum {
    S_SENT,
    S_WAITING,
    S_HELD,
    S_STATES,
    S_ENDED = S_STATES          //  not a state: the query is forgotten
} s_state_t;

typedef enum {
    S_RESPONSE,
    S_REFUSAL,
    S_NOT_REGISTERED,
    S_UNREACHABLE,
    S_BROKER_ERROR,
    S_WELCOME,
    S_CATALOGS,
    S_DEADLINE,
    S_EVENTS
} s_event_id_t;

//  An event, with what it brings
typedef struct {
    s_event_id_t id;
    const char *from;                   //  RESPONSE: who sent it
    const uint8_t *payload;             //  RESPONSE: its payload
    size_t size;
    const message_error_t *error;       //  REFUSAL and the brokers' errors
    const uint8_t *digest;              //  of the answer's envelope
    int link;                           //  the link it came by, or that
                                        //  welcomed us
    int64_t now;                        //  monotonic ms
} s_event_t;

//  A query we sent, waiting for its answer
typedef struct {
    s_state_t state;
    zmsg_t *reply_to;           //  local API return address frames
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    char to [ENVELOPE_DEPT_MAX + 1];
    message_query_t query;
    char caller [LOCALAPI_CALLER_MAX + 1];  //  the local caller who asked
    int64_t sent_ms;            //  the QUERY's header time (wall clock ms)
    int64_t sent;               //  monotonic ms, when it was sent
    int64_t deadline;           //  monotonic ms
    uint8_t digest [32];        //  of the request
    envelope_t *request;        //  as sent, to send again
    uint32_t tried;             //  links it was sent through, a bit each
    uint8_t *answer;            //  HELD: the RESPONSE payload, its size
    size_t answer_size;         //  and the digest of its envelope
    uint8_t answer_digest [32];
} s_pending_t;

struct _asking_t {
    asking_hooks_t hooks;
    void *argument;             //  for the hooks
    catalogs_t *catalogs;       //  borrowed
    int clearance;              //  ours
    zhashx_t *pending;          //  msgid hex -> s_pending_t
    int64_t fetched;            //  monotonic ms of the last directory, or 0
    bool fetching;              //  a directory is asked for, not yet here
    uint64_t asked;
    ratelog_t *uncataloged_log; //  answers checked without their catalog
};

//  How a query ends, for its reply and its record
typedef struct {
    int status;
    const char *reason;                 //  NULL: the status's text
    const char *field;
    uint64_t served_at;
    const char *agreement;
    const msgpack_object *rows;         //  the answer's rows, or NULL
    const uint8_t *digest;              //  of the answer, or NULL
    const message_head_t *head;         //  the provider's, if the answer
                                        //  came from it
} s_ending_t;

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

asking_t *
asking_new (const asking_hooks_t *hooks, void *argument, catalogs_t *catalogs,
            int clearance)
{
    assert (hooks && hooks->send && hooks->send_via && hooks->fetch_catalogs
            && hooks->end && catalogs);
    asking_t *self = (asking_t *) zmalloc (sizeof (asking_t));
    assert (self);
    self->hooks = *hooks;
    self->argument = argument;
    self->catalogs = catalogs;
    self->clearance = clearance;
    self->pending = zhashx_new ();
    assert (self->pending);
    zhashx_set_destructor (self->pending, (zhashx_destructor_fn *) s_pending_destroy);
    self->uncataloged_log = ratelog_new (20, 10000);
    assert (self->uncataloged_log);
    return self;
}

void
asking_destroy (asking_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        zhashx_destroy (&(*self_p)->pending);
        ratelog_destroy (&(*self_p)->uncataloged_log);
        free (*self_p);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Ending: the record of the asking side, and the local caller's reply

//  The field names of the first row, comma-separated
static void
s_row_fields (const msgpack_object *rows, char *fields, size_t size)
{
    fields [0] = 0;
    if (!rows || rows->via.array.size == 0)
        return;
    const msgpack_object_map *first = &rows->via.array.ptr [0].via.map;
    size_t used = 0;
    for (uint32_t index = 0; index < first->size && used < size - 1; index++) {
        const msgpack_object *name = &first->ptr [index].key;
        if (name->type != MSGPACK_OBJECT_STR)
            continue;
        int written = snprintf (fields + used, size - used, "%s%.*s", used? ",": "",
                                (int) name->via.str.size, name->via.str.ptr);
        if (written < 0 || (size_t) written >= size - used)
            break;
        used += (size_t) written;
    }
}

static s_state_t
s_end (asking_t *self, s_pending_t *pending, const s_ending_t *ending)
{
    localapi_reply_t reply = {
        .status = (uint32_t) ending->status,
        .served_at = ending->served_at,
        .rows = ending->rows
    };
    S_COPY (reply.reason, ending->reason);
    S_COPY (reply.field, ending->field);
    S_COPY (reply.from, pending->to);
    S_COPY (reply.item, pending->query.item);
    S_COPY (reply.msgid, pending->msgid);
    S_COPY (reply.agreement, ending->agreement);
    char fields [MESSAGE_FIELDS_MAX + 1];
    s_row_fields (ending->rows, fields, sizeof (fields));
    char decision [MESSAGE_REASON_MAX + 64];
    int status = ending->status;
    if (status == STATUS_OK || status == STATUS_NOT_FOUND)
        snprintf (decision, sizeof (decision), "%s",
                  status == STATUS_OK? "answered": "answered: no record");
    else
        snprintf (decision, sizeof (decision), "refused: %s (%s)", status_name (status),
                  ending->reason && *ending->reason? ending->reason: status_text (status));
    char key [IDENT_MAX + 1];
    ident_mask (pending->query.key, key);
    audit_record_t record = {
        .msg_time_ms = pending->sent_ms, .direction = "asked", .msgid = pending->msgid,
        .peer = pending->to, .caller = pending->caller,
        .officer = pending->query.officer, .purpose = pending->query.purpose,
        .item = pending->query.item, .key = key, .fields = fields, .status = status,
        .decision = decision, .agreement = ending->agreement,
        .request_digest = pending->digest, .response_digest = ending->digest,
        .peer_head = ending->head
    };
    self->hooks.end (self->argument, pending->reply_to, &reply, &record);
    return S_ENDED;
}


//  --------------------------------------------------------------------------
//  Judging an answer: the consumer believes nothing the provider was not
//  asked for (answer.h), against the provider's published catalog where the
//  gateway holds it. An answer that does not fit the copy held is judged
//  again on a directory fetched after the query was sent, so that a
//  provider's new field is not refused for a consumer's old copy; one from a
//  provider whose catalog is not held, on a directory at most
//  ASKING_CATALOGS_FRESH_MS old. Meanwhile the answer is held (its payload
//  copied), and judged when the directory came, or with what is held at the
//  query's deadline.

//  Asks for the catalog directory, unless that is under way. 0 if one is
//  on its way, -1 if none can be asked for.
static int
s_fetch (asking_t *self)
{
    if (self->fetching)
        return 0;
    if (self->hooks.fetch_catalogs (self->argument))
        return -1;
    self->fetching = true;
    return 0;
}

//  Ends a query with its answer, or with BAD_ANSWER (the provider's fault,
//  logged and audited as such: the caller gets nothing of it). The record
//  keeps the provider's head either way: the answer names the provider's
//  record of it, whether or not its rows are believed.
static s_state_t
s_settle (asking_t *self, s_pending_t *pending, const message_response_t *response,
          const answer_verdict_t *verdict, const uint8_t *digest)
{
    s_ending_t ending = {
        .status = (int) response->status, .served_at = response->served_at,
        .agreement = response->agreement, .rows = response->rows, .digest = digest,
        .head = &response->head
    };
    if (verdict->status != STATUS_OK) {
        zsys_warning ("gateway: answer from %s to %s refused, the provider's fault: "
                      "%s: %s", pending->to, pending->msgid,
                      status_name (verdict->status), verdict->reason);
        ending.status = verdict->status;
        ending.reason = verdict->reason;
        ending.field = verdict->field;
        ending.rows = NULL;
    }
    return s_end (self, pending, &ending);
}

//  Judges a RESPONSE payload (borrowed); holds it, HELD, if the provider's
//  catalog should be fetched first and `final` is false.
static s_state_t
s_verdict (asking_t *self, s_pending_t *pending, const uint8_t *payload, size_t size,
           const uint8_t *digest, bool final, int64_t now)
{
    message_response_t response;
    if (message_response_decode (payload, size, &response) != STATUS_OK) {
        message_response_destroy (&response);
        return S_SENT;          //  decoded before it was judged: cannot happen
    }
    catalog_pub_t *catalog = catalogs_get (self->catalogs, pending->to);
    answer_verdict_t verdict;
    answer_check (&pending->query, &response, catalog, self->clearance, &verdict);
    bool fresh = verdict.against_catalog? self->fetched > pending->sent:
                 self->fetched && now - self->fetched < ASKING_CATALOGS_FRESH_MS;
    bool unsure = verdict.against_catalog || (!catalog && verdict.status == STATUS_OK);
    s_state_t next;
    if (unsure && !final && !fresh && s_fetch (self) == 0) {
        pending->answer = (uint8_t *) malloc (size? size: 1);
        assert (pending->answer);
        memcpy (pending->answer, payload, size);
        pending->answer_size = size;
        memcpy (pending->answer_digest, digest, 32);
        next = S_HELD;
    }
    else {
        //  Said, never silent: without the catalog the rules that need
        //  none are all that hold
        uint64_t skipped = 0;
        char note [64];
        if (!catalog && ratelog_allow (self->uncataloged_log, now, &skipped))
            zsys_warning ("gateway: the answer from %s to %s is checked without a catalog "
                          "of %s: none is held (none published, or the catalogs could "
                          "not be fetched)%s", pending->to, pending->msgid, pending->to,
                          ratelog_note (skipped, note, sizeof (note)));
        next = s_settle (self, pending, &response, &verdict, digest);
    }
    message_response_destroy (&response);
    return next;
}


//  --------------------------------------------------------------------------
//  The actions

typedef s_state_t (s_action_fn) (asking_t *self, s_pending_t *pending,
                                 const s_event_t *event);

static s_state_t
s_judge (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    return s_verdict (self, pending, event->payload, event->size, event->digest,
                      false, event->now);
}

//  Judges the answer held on the catalogs held now, once and for all
static s_state_t
s_judge_held (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    uint8_t *answer = pending->answer;
    pending->answer = NULL;
    s_state_t next = s_verdict (self, pending, answer, pending->answer_size,
                                pending->answer_digest, true, event->now);
    free (answer);
    return next;
}

static s_state_t
s_drop (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    zsys_warning ("gateway: unexpected or malformed response from %s, dropped",
                  event->from);
    return pending->state;
}

//  The provider's ERROR names its record; it must be a refusal or a failure
static s_state_t
s_end_refused (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    const message_error_t *error = event->error;
    s_ending_t ending = {
        .status = (int) error->code, .reason = error->reason, .field = error->field,
        .digest = event->digest, .head = &error->head
    };
    answer_verdict_t verdict;
    if (answer_check_error (error, &verdict) != STATUS_OK) {
        zsys_warning ("gateway: answer from %s to %s refused, the provider's "
                      "fault: %s: %s", pending->to, pending->msgid,
                      status_name (verdict.status), verdict.reason);
        ending.status = verdict.status;
        ending.reason = verdict.reason;
        ending.field = "";
    }
    return s_end (self, pending, &ending);
}

//  A broker's ERROR names no record of the provider's
static s_state_t
s_end_broker (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    s_ending_t ending = {
        .status = (int) event->error->code, .reason = event->error->reason,
        .field = event->error->field, .digest = event->digest
    };
    return s_end (self, pending, &ending);
}

static s_state_t
s_end_timeout (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    s_ending_t ending = { .status = STATUS_TIMEOUT,
                          .reason = "no answer within the timeout" };
    return s_end (self, pending, &ending);
}

//  The broker does not know us (it restarted, or closed every connection;
//  the gateway registers there again): another broker may take the query,
//  else the first that welcomes us back. A query whose answer is held has
//  no need of one.
static s_state_t
s_resend_or_wait (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    s_state_t next = pending->state;
    int another = self->hooks.send (self->argument, pending->request,
                                    pending->tried | (1u << event->link));
    if (another < 0) {
        another = event->link;
        if (pending->state != S_HELD)
            next = S_WAITING;
    }
    pending->tried |= 1u << another;
    return next;
}

//  A broker that cannot reach the provider, or does not know it (a
//  department may be certified at one broker only): another broker may
static s_state_t
s_resend_or_end (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    int another = self->hooks.send (self->argument, pending->request, pending->tried);
    if (another < 0)
        return s_end_broker (self, pending, event);
    pending->tried |= 1u << another;
    return pending->state;
}

static s_state_t
s_resend_via (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    return self->hooks.send_via (self->argument, pending->request, event->link) == 0?
           S_SENT: S_WAITING;
}

//  The machine: what each event does in each state (NULL: nothing)
static s_action_fn *const s_actions [S_STATES][S_EVENTS] = {
    [S_SENT] = {
        [S_RESPONSE]        = s_judge,
        [S_REFUSAL]         = s_end_refused,
        [S_NOT_REGISTERED]  = s_resend_or_wait,
        [S_UNREACHABLE]     = s_resend_or_end,
        [S_BROKER_ERROR]    = s_end_broker,
        [S_DEADLINE]        = s_end_timeout
    },
    [S_WAITING] = {
        [S_RESPONSE]        = s_judge,
        [S_REFUSAL]         = s_end_refused,
        [S_NOT_REGISTERED]  = s_resend_or_wait,
        [S_UNREACHABLE]     = s_resend_or_end,
        [S_BROKER_ERROR]    = s_end_broker,
        [S_WELCOME]         = s_resend_via,
        [S_DEADLINE]        = s_end_timeout
    },
    [S_HELD] = {
        [S_RESPONSE]        = s_drop,
        [S_REFUSAL]         = s_end_refused,
        [S_NOT_REGISTERED]  = s_resend_or_wait,
        [S_UNREACHABLE]     = s_resend_or_end,
        [S_BROKER_ERROR]    = s_end_broker,
        [S_CATALOGS]        = s_judge_held,
        [S_DEADLINE]        = s_judge_held
    }
};

//  Runs the event's action, and moves the query to the state it says
static void
s_handle (asking_t *self, s_pending_t *pending, const s_event_t *event)
{
    s_action_fn *action = s_actions [pending->state][event->id];
    if (!action)
        return;
    s_state_t next = action (self, pending, event);
    if (next == S_ENDED)
        zhashx_delete (self->pending, pending->msgid);
    else
        pending->state = next;
}

//  Runs an event on every query `select` picks: listed first, since an
//  event may end them
static void
s_handle_each (asking_t *self, bool (*select) (s_pending_t *, const s_event_t *),
               const s_event_t *event)
{
    zlist_t *chosen = zlist_new ();
    for (s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending); pending;
         pending = (s_pending_t *) zhashx_next (self->pending))
        if (select (pending, event))
            zlist_append (chosen, pending);
    for (s_pending_t *pending = (s_pending_t *) zlist_first (chosen); pending;
         pending = (s_pending_t *) zlist_next (chosen))
        s_handle (self, pending, event);
    zlist_destroy (&chosen);
}


//  --------------------------------------------------------------------------
//  The events

void
asking_sent (asking_t *self, zmsg_t *reply_to, envelope_t **request_p,
             const message_query_t *query, const char *caller, int64_t timeout_ms,
             int link, int64_t now)
{
    assert (self && request_p && *request_p && query);
    const envelope_header_t *header = envelope_header (*request_p);
    s_pending_t *pending = (s_pending_t *) zmalloc (sizeof (s_pending_t));
    assert (pending);
    pending->state = S_SENT;
    pending->reply_to = reply_to? zmsg_dup (reply_to): NULL;
    envelope_id_hex (header->id, pending->msgid);
    snprintf (pending->to, sizeof (pending->to), "%s", header->to);
    pending->query = *query;
    snprintf (pending->caller, sizeof (pending->caller), "%s", caller? caller: "");
    pending->sent_ms = (int64_t) header->time_ms;
    pending->sent = now;
    pending->deadline = now + timeout_ms;
    envelope_digest (*request_p, pending->digest);
    pending->request = *request_p;
    *request_p = NULL;
    pending->tried = 1u << link;
    zhashx_insert (self->pending, pending->msgid, pending);
    self->asked++;
}

bool
asking_response (asking_t *self, const char *from, const uint8_t *payload, size_t size,
                 const uint8_t *digest, int64_t now)
{
    assert (self && from && digest);
    message_response_t response;
    int status = message_response_decode (payload, size, &response);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1] = "";
    if (status == STATUS_OK)
        envelope_id_hex (response.re, msgid);
    message_response_destroy (&response);
    s_pending_t *pending = status == STATUS_OK?
        (s_pending_t *) zhashx_lookup (self->pending, msgid): NULL;
    if (!pending || !streq (pending->to, from)) {
        zsys_warning ("gateway: unexpected or malformed response from %s, dropped", from);
        return false;
    }
    s_event_t event = { .id = S_RESPONSE, .from = from, .payload = payload,
                        .size = size, .digest = digest, .now = now };
    s_handle (self, pending, &event);
    return true;
}

bool
asking_error (asking_t *self, const message_error_t *error, const uint8_t *digest,
              const char *from, bool from_broker, int link, int64_t now)
{
    assert (self && error && from);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (error->re, msgid);
    s_pending_t *pending = (s_pending_t *) zhashx_lookup (self->pending, msgid);
    if (!pending || (!from_broker && !streq (pending->to, from)))
        return false;
    s_event_t event = { .id = S_REFUSAL, .error = error, .digest = digest,
                        .link = link, .now = now };
    if (from_broker)
        event.id = error->code == STATUS_NOT_REGISTERED? S_NOT_REGISTERED:
                   error->code == STATUS_DEPARTMENT_OFFLINE
                || error->code == STATUS_UNKNOWN_DEPARTMENT
                || error->code == STATUS_BUSY? S_UNREACHABLE: S_BROKER_ERROR;
    s_handle (self, pending, &event);
    return true;
}

void
asking_welcome (asking_t *self, int link)
{
    assert (self);
    //  A welcome ends no query: the table can be walked as it is
    s_event_t event = { .id = S_WELCOME, .link = link };
    for (s_pending_t *pending = (s_pending_t *) zhashx_first (self->pending); pending;
         pending = (s_pending_t *) zhashx_next (self->pending))
        s_handle (self, pending, &event);
}

static bool
s_is_held (s_pending_t *pending, const s_event_t *event)
{
    return pending->state == S_HELD;
}

void
asking_catalogs (asking_t *self, bool arrived, int64_t now)
{
    assert (self);
    self->fetching = false;
    if (arrived)
        self->fetched = now;
    s_event_t event = { .id = S_CATALOGS, .now = now };
    s_handle_each (self, s_is_held, &event);
}

static bool
s_is_due (s_pending_t *pending, const s_event_t *event)
{
    return event->now >= pending->deadline;
}

void
asking_expire (asking_t *self, int64_t now)
{
    assert (self);
    s_event_t event = { .id = S_DEADLINE, .now = now };
    s_handle_each (self, s_is_due, &event);
}

size_t
asking_size (asking_t *self)
{
    assert (self);
    return zhashx_size (self->pending);
}

uint64_t
asking_asked (asking_t *self)
{
    assert (self);
    return self->asked;
}


//  --------------------------------------------------------------------------
//  Self-test: the machine driven by hand, its hooks recording what it asks

typedef struct {
    int sends, send_result;             //  send: calls, what it returns
    uint32_t tried;                     //  the last mask it was given
    int via_sends, via_result;
    int fetches, fetch_result;
    int ends;                           //  queries ended, and the last one's
    int status;
    char reason [MESSAGE_REASON_MAX + 1];
    char from [ENVELOPE_DEPT_MAX + 1];
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    char decision [MESSAGE_REASON_MAX + 64];
    char fields [MESSAGE_FIELDS_MAX + 1];
    char caller [LOCALAPI_CALLER_MAX + 1];
    bool head;                          //  the record names the provider's
    bool rows;                          //  the reply carries rows
} s_test_t;

static int
s_test_send (void *argument, envelope_t *request, uint32_t tried)
{
    s_test_t *test = (s_test_t *) argument;
    test->sends++;
    test->tried = tried;
    return test->send_result;
}

static int
s_test_send_via (void *argument, envelope_t *request, int link)
{
    s_test_t *test = (s_test_t *) argument;
    test->via_sends++;
    return test->via_result;
}

static int
s_test_fetch (void *argument)
{
    s_test_t *test = (s_test_t *) argument;
    test->fetches++;
    return test->fetch_result;
}

static void
s_test_end (void *argument, zmsg_t *reply_to, const localapi_reply_t *reply,
            const audit_record_t *record)
{
    s_test_t *test = (s_test_t *) argument;
    test->ends++;
    test->status = (int) reply->status;
    S_COPY (test->reason, reply->reason);
    S_COPY (test->from, reply->from);
    S_COPY (test->msgid, reply->msgid);
    S_COPY (test->decision, record->decision);
    S_COPY (test->fields, record->fields);
    S_COPY (test->caller, record->caller);
    assert (streq (record->direction, "asked") && streq (record->peer, reply->from));
    assert (streq (record->key, "91****************"));        //  masked
    test->head = record->peer_head != NULL;
    test->rows = reply->rows && reply->rows->via.array.size > 0;
}

//  A query to SH-PD-MSA, sent through link 0; its id into `re`
static void
s_test_ask (asking_t *asking, int64_t now, uint8_t *re)
{
    message_query_t query;
    memset (&query, 0, sizeof (query));
    snprintf (query.item, sizeof (query.item), "enterprise-basic");
    snprintf (query.key, sizeof (query.key), "91310115MA1K3BTP2B");
    snprintf (query.fields, sizeof (query.fields), "name");
    envelope_t *request = envelope_new (MSG_QUERY, "SH-PD-TAX", "SH-PD-MSA");
    uint8_t public_key [32], secret_key [64];
    crypto_sign_keypair (public_key, secret_key);
    assert (envelope_seal (request, (const uint8_t *) "\x80", 1, secret_key, NULL) == 0);
    memcpy (re, envelope_header (request)->id, ENVELOPE_ID_BYTES);
    zmsg_t *reply_to = zmsg_new ();
    zmsg_addstr (reply_to, "caller");
    asking_sent (asking, reply_to, &request, &query, "wang (uid 1000)", 100000, 0, now);
    assert (!request);
    zmsg_destroy (&reply_to);
}

//  A RESPONSE to `re` with one row of `field`
static void
s_test_response (const uint8_t *re, const char *field, msgpack_sbuffer *buffer)
{
    msgpack_sbuffer_clear (buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    message_head_t head = { 12, { 0 } };
    message_response_begin_head (&pk, re, "enterprise-basic", STATUS_OK, 1, "", &head);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 1);
    codec_pack_kv_str (&pk, field, "浦东示例");
}

static message_error_t
s_test_error (const uint8_t *re, int code)
{
    message_error_t error;
    memset (&error, 0, sizeof (error));
    memcpy (error.re, re, ENVELOPE_ID_BYTES);
    error.code = (uint32_t) code;
    snprintf (error.reason, sizeof (error.reason), "%s", status_text (code));
    error.head.seq = 5;
    return error;
}

static int
s_idle_send (void *argument, envelope_t *request, uint32_t tried)
{
    return -1;
}

static int
s_idle_send_via (void *argument, envelope_t *request, int link)
{
    return -1;
}

static int
s_idle_fetch (void *argument)
{
    return -1;
}

static void
s_idle_end (void *argument, zmsg_t *reply_to, const localapi_reply_t *reply,
            const audit_record_t *record)
{
    assert (false);             //  nothing was sent, so nothing ends
}

asking_t *
asking_test_idle (catalogs_t *catalogs)
{
    asking_hooks_t hooks = { s_idle_send, s_idle_send_via, s_idle_fetch, s_idle_end };
    return asking_new (&hooks, NULL, catalogs, 3);
}

static asking_t *
s_test_new (s_test_t *test, catalogs_t *catalogs)
{
    memset (test, 0, sizeof (*test));
    test->send_result = -1;
    test->via_result = -1;
    asking_hooks_t hooks = { s_test_send, s_test_send_via, s_test_fetch, s_test_end };
    return asking_new (&hooks, test, catalogs, 3);
}

static bool
s_test_answer (asking_t *asking, const uint8_t *re, const char *from, const char *field,
               int64_t now)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_test_response (re, field, &buffer);
    uint8_t digest [32] = { 0 };
    bool answered = asking_response (asking, from, (uint8_t *) buffer.data, buffer.size,
                                     digest, now);
    msgpack_sbuffer_destroy (&buffer);
    return answered;
}

static bool
s_test_refusal (asking_t *asking, const uint8_t *re, int code, const char *from,
                bool from_broker, int link, int64_t now)
{
    message_error_t error = s_test_error (re, code);
    uint8_t digest [32] = { 0 };
    return asking_error (asking, &error, digest, from, from_broker, link, now);
}

//  Answers judged at once, or held until the catalogs come, or the deadline
static void
s_test_answers (catalogs_t *catalogs, int64_t now)
{
    s_test_t test;
    asking_t *asking = s_test_new (&test, catalogs);
    uint8_t re [ENVELOPE_ID_BYTES];
    //  No catalog of SH-PD-MSA is held, nor a directory: one is fetched,
    //  the answer held; another answer meanwhile is dropped
    s_test_ask (asking, now, re);
    assert (s_test_answer (asking, re, "SH-PD-MSA", "name", now));
    assert (test.fetches == 1 && test.ends == 0 && asking_size (asking) == 1);
    assert (s_test_answer (asking, re, "SH-PD-MSA", "name", now));
    assert (test.ends == 0);
    //  The directory comes: judged, and answered
    asking_catalogs (asking, true, now + 10);
    assert (test.ends == 1 && test.status == STATUS_OK && asking_size (asking) == 0);
    assert (streq (test.decision, "answered") && streq (test.fields, "name"));
    assert (streq (test.from, "SH-PD-MSA") && test.head && test.rows);
    assert (streq (test.caller, "wang (uid 1000)"));
    //  Fresh now: judged at once; a field not asked for is the provider's fault
    s_test_ask (asking, now + 20, re);
    assert (s_test_answer (asking, re, "SH-PD-MSA", "capital", now + 20));
    assert (test.fetches == 1 && test.ends == 2 && test.status == STATUS_BAD_ANSWER);
    assert (!test.rows && test.head && strstr (test.decision, "refused: BAD_ANSWER"));
    //  Nobody's query, or not from the provider asked: dropped
    assert (!s_test_answer (asking, re, "SH-PD-MSA", "name", now + 20));
    s_test_ask (asking, now + 30, re);
    assert (!s_test_answer (asking, re, "SH-PD-HR", "name", now + 30));
    //  Stale again: held; not even NOT_REGISTERED with no other link
    //  undoes that (the query is resent, never waits); at the deadline
    //  judged on what is held
    int64_t later = now + ASKING_CATALOGS_FRESH_MS + 100;
    assert (s_test_answer (asking, re, "SH-PD-MSA", "name", later));
    assert (test.fetches == 2 && test.ends == 2);
    assert (s_test_refusal (asking, re, STATUS_NOT_REGISTERED, "BROKER", true, 0, later));
    assert (test.sends == 1 && asking_size (asking) == 1);
    asking_welcome (asking, 0);
    assert (test.via_sends == 0);
    asking_expire (asking, later + 100000);
    assert (test.ends == 3 && test.status == STATUS_OK && asking_size (asking) == 0);
    //  The directory asked for will not come; and one that cannot be asked
    //  for: judged at once
    asking_catalogs (asking, false, later);
    test.fetch_result = -1;
    s_test_ask (asking, later, re);
    assert (s_test_answer (asking, re, "SH-PD-MSA", "name", later + 2 * ASKING_CATALOGS_FRESH_MS));
    assert (test.ends == 4 && test.status == STATUS_OK);
    assert (asking_asked (asking) == 4);
    asking_destroy (&asking);
}

//  The brokers' errors: another link, waiting for a welcome, or the end
static void
s_test_brokers (catalogs_t *catalogs, int64_t now)
{
    s_test_t test;
    asking_t *asking = s_test_new (&test, catalogs);
    uint8_t re [ENVELOPE_ID_BYTES];
    //  The provider is offline at this broker: another link tries it, then
    //  none is left
    s_test_ask (asking, now, re);
    test.send_result = 1;
    assert (s_test_refusal (asking, re, STATUS_DEPARTMENT_OFFLINE, "BROKER", true, 0, now));
    assert (test.sends == 1 && test.tried == 1 && test.ends == 0);
    test.send_result = -1;
    assert (s_test_refusal (asking, re, STATUS_BUSY, "BROKER-2", true, 1, now));
    assert (test.sends == 2 && test.tried == 3 && test.ends == 1);
    assert (test.status == STATUS_BUSY && !test.head);
    assert (strstr (test.decision, "refused: BUSY ("));
    //  The broker does not know us and no other link takes it: it waits
    //  for a welcome, and goes out through that link, once
    s_test_ask (asking, now, re);
    assert (s_test_refusal (asking, re, STATUS_NOT_REGISTERED, "BROKER", true, 0, now));
    assert (test.sends == 3 && test.tried == 1);
    asking_welcome (asking, 1);
    assert (test.via_sends == 1);
    test.via_result = 0;
    asking_welcome (asking, 1);
    asking_welcome (asking, 1);
    assert (test.via_sends == 2 && test.ends == 1);
    //  The provider refuses: its ERROR names its record
    assert (s_test_refusal (asking, re, STATUS_NO_AGREEMENT, "SH-PD-MSA", false, 1, now));
    assert (test.ends == 2 && test.status == STATUS_NO_AGREEMENT && test.head);
    //  A provider's ERROR that says OK is a lie
    s_test_ask (asking, now, re);
    assert (s_test_refusal (asking, re, STATUS_OK, "SH-PD-MSA", false, 0, now));
    assert (test.ends == 3 && test.status == STATUS_BAD_ANSWER);
    //  Any other error of a broker ends it; another department's is not
    //  about our query
    s_test_ask (asking, now, re);
    assert (s_test_refusal (asking, re, STATUS_MALFORMED, "BROKER", true, 0, now));
    assert (test.ends == 4 && test.status == STATUS_MALFORMED && !test.head);
    s_test_ask (asking, now, re);
    assert (!s_test_refusal (asking, re, STATUS_NO_AGREEMENT, "SH-PD-HR", false, 0, now));
    //  No answer in time
    asking_expire (asking, now + 99999);
    assert (test.ends == 4);
    asking_expire (asking, now + 100000);
    assert (test.ends == 5 && test.status == STATUS_TIMEOUT);
    assert (streq (test.reason, "no answer within the timeout"));
    assert (asking_size (asking) == 0);
    asking_destroy (&asking);
}

void
asking_test (bool verbose)
{
    if (verbose)
        printf (" * asking: ");
    catalogs_t *catalogs = catalogs_new ();
    int64_t now = 1000000;
    s_test_answers (catalogs, now);
    s_test_brokers (catalogs, now);
    //  Queries still under way when it goes are simply dropped
    s_test_t test;
    asking_t *asking = s_test_new (&test, catalogs);
    uint8_t re [ENVELOPE_ID_BYTES];
    s_test_ask (asking, now, re);
    asking_destroy (&asking);
    asking_destroy (&asking);
    assert (!asking && test.ends == 0);
    catalogs_destroy (&catalogs);
    if (verbose)
        printf ("OK\n");
}
