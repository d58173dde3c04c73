/*  serve.c -- serving one QUERY from another department.

    The query is read once into what the decision needs (policy_request_t:
    the item's facts, the fields asked for, the canonical key, the sender's
    department and clearance, officer, role, purpose, the time); the policy
    decides from that in one call; the source reads with the decision's
    mask; the answer is sealed naming its own record, the next of the log.
*/

#include "serve.h"
#include "ident.h"
#include "status.h"
#include "authority.h"
#include <sodium.h>
#include <sqlite3.h>

envelope_t *
serve_error_new (cert_t *own, const char *to, const uint8_t *box_key,
                 const uint8_t *re, int code, const char *reason, const char *field,
                 const message_head_t *head)
{
    assert (own && to && box_key && re);
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
    envelope_t *envelope = envelope_new (MSG_ERROR, cert_department (own), to);
    if (envelope
    &&  envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size,
                       cert_sign_secret (own), box_key))
        envelope_destroy (&envelope);
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}

void
serve_result_clear (serve_result_t *result)
{
    assert (result);
    envelope_destroy (&result->answer);
    zstr_free (&result->source_error);
}

//  A result that says nothing yet, for the request of `input`
static void
s_begin (const serve_input_t *input, serve_result_t *result)
{
    memset (result, 0, sizeof (*result));
    result->status = STATUS_INTERNAL;
    envelope_id_hex (envelope_header (input->request)->id, result->msgid);
    envelope_digest (input->request, result->request_digest);
}

//  The record of the answer made. `request` is NULL when the item is not
//  known: the key is then masked whatever it is.
static void
s_record (const serve_input_t *input, serve_result_t *result,
          const policy_request_t *request)
{
    const envelope_header_t *header = envelope_header (input->request);
    const message_query_t *query = result->decoded? &result->query: NULL;
    //  The key as it may appear in the log: personal identifiers masked
    if (request && request->key_type != IDENT_RESIDENT_ID)
        snprintf (result->key, sizeof (result->key), "%.*s", IDENT_MAX, query->key);
    else
        ident_mask (query? query->key: "", result->key);
    if (result->answer)
        envelope_digest (result->answer, result->response_digest);
    result->record = (audit_record_t) {
        .msg_time_ms = (int64_t) header->time_ms,
        .direction = "served",
        .msgid = result->msgid,
        .peer = header->from,
        .officer = query? query->officer: "",
        .purpose = query? query->purpose: "",
        .item = query? query->item: "",
        .key = result->key,
        .fields = result->fields,
        .status = result->status,
        .decision = result->decision,
        .agreement = result->agreement,
        .request_digest = result->request_digest,
        .response_digest = result->response_digest,
        .peer_head = query? &query->head: NULL
    };
}

//  Refuses: an ERROR naming its record. `agreement` may be NULL.
static void
s_refuse (const serve_input_t *input, serve_result_t *result,
          const policy_request_t *request, int code, const char *reason,
          const char *field, const char *agreement)
{
    const envelope_header_t *header = envelope_header (input->request);
    result->answer = serve_error_new (input->own, header->from, input->box_key,
                                      header->id, code, reason, field, &input->next);
    result->refused = true;
    result->status = code;
    snprintf (result->decision, sizeof (result->decision), "refused: %s (%s)",
              status_name (code), reason && *reason? reason: status_text (code));
    result->fields [0] = 0;
    snprintf (result->agreement, sizeof (result->agreement), "%s",
              agreement? agreement: "");
    s_record (input, result, request);
}

void
serve_refuse (const serve_input_t *input, int status, serve_result_t *result)
{
    assert (input && input->request && result);
    s_begin (input, result);
    s_refuse (input, result, NULL, status, NULL, NULL, NULL);
}

//  Comma-separated names of the fields in mask, for the audit log.
static void
s_field_names (const policy_request_t *request, uint64_t mask, char *out, size_t cap)
{
    out [0] = 0;
    size_t used = 0;
    for (size_t index = 0; index < request->field_count; index++)
        if (mask & (1ULL << index)) {
            int written = snprintf (out + used, cap - used, "%s%s", used? ",": "",
                                    request->fields [index]->name);
            if (written < 0 || (size_t) written >= cap - used)
                break;
            used += (size_t) written;
        }
}

//  Reads the query into what the decision needs, checking what is the
//  gateway's to check before the policy: the item, the fields, the key.
//  True, or false with the refusal made.
static bool
s_check (const serve_input_t *input, serve_result_t *result, policy_request_t *request)
{
    message_query_t *query = &result->query;
    item_t *item = catalog_item (input->catalog, query->item);
    if (!item) {
        s_refuse (input, result, NULL, STATUS_UNKNOWN_ITEM, NULL, NULL, NULL);
        return false;
    }
    policy_request_init (request, item, input->sender);
    char bad [ITEM_NAME_MAX + 1] = "";
    if (*query->fields
    &&  item_fields_mask (item, query->fields, &request->requested, bad, sizeof (bad))) {
        s_refuse (input, result, request, STATUS_UNKNOWN_FIELD,
                  "the item has no such field", bad, NULL);
        return false;
    }
    //  The key is checked before anything else touches it
    const char *why = NULL;
    if (request->share != SHARE_CLOSED
    &&  !ident_validate (request->key_type, query->key, request->key, 0, &why)) {
        char reason [MESSAGE_REASON_MAX];
        snprintf (reason, sizeof (reason), "not a valid %s: %s",
                  ident_type_name (request->key_type), why);
        s_refuse (input, result, request, STATUS_INVALID_KEY, reason, NULL, NULL);
        return false;
    }
    request->officer = query->officer;
    request->role = query->role;
    request->purpose = query->purpose;
    request->now = input->now_ms / 1000;
    return true;
}

//  Answers a granted request from the source: a RESPONSE with the rows, or
//  NOT_FOUND without; or the source's refusal.
static void
s_respond (const serve_input_t *input, serve_result_t *result,
           const policy_request_t *request, const policy_decision_t *decision)
{
    const envelope_header_t *header = envelope_header (input->request);
    const char *item = result->query.item;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    uint64_t served_at = (uint64_t) input->now_ms;
    message_response_begin_head (&pk, header->id, item, STATUS_OK, served_at,
                                 result->agreement, &input->next);
    int status = source_lookup (input->source, request->item, request->key,
                                decision->granted, &pk, &result->rows,
                                &result->source_error);
    if (status == STATUS_NOT_FOUND) {
        //  Same map, with the status saying so
        msgpack_sbuffer_clear (&buffer);
        message_response_begin_head (&pk, header->id, item, STATUS_NOT_FOUND,
                                     served_at, result->agreement, &input->next);
        msgpack_pack_array (&pk, 0);
    }
    envelope_t *response = status == STATUS_OK || status == STATUS_NOT_FOUND?
        envelope_new (MSG_RESPONSE, cert_department (input->own), header->from): NULL;
    //  The source's limit makes every answer fit (MESSAGE_ROWS_MAX); should
    //  sealing fail all the same, the requester hears why, nothing leaves
    bool sealed = response
               && envelope_seal (response, (uint8_t *) buffer.data, buffer.size,
                                 cert_sign_secret (input->own), input->box_key) == 0;
    msgpack_sbuffer_destroy (&buffer);
    if (status != STATUS_OK && status != STATUS_NOT_FOUND)
        s_refuse (input, result, request, status, NULL, NULL, result->agreement);
    else
    if (response && !sealed) {
        envelope_destroy (&response);
        s_refuse (input, result, request, STATUS_TOO_LARGE,
                  "the answer does not fit one message", NULL, result->agreement);
    }
    else
    if (response) {
        result->answer = response;
        result->status = status;
        s_field_names (request, status == STATUS_OK? decision->granted: 0,
                       result->fields, sizeof (result->fields));
        snprintf (result->decision, sizeof (result->decision), "%s",
                  status == STATUS_OK? "granted": "granted: no record");
        s_record (input, result, request);
    }
}

void
serve_query (const serve_input_t *input, serve_result_t *result)
{
    assert (input && input->request && input->sender && input->box_key && input->own);
    assert (input->catalog && input->source && input->policy && result);
    s_begin (input, result);
    envelope_t *request = input->request;
    if (message_query_decode (envelope_payload (request), envelope_payload_size (request),
                              &result->query) != STATUS_OK) {
        s_refuse (input, result, NULL, STATUS_MALFORMED,
                  "the query payload could not be decoded", NULL, NULL);
        return;
    }
    result->decoded = true;
    policy_request_t checked;
    if (!s_check (input, result, &checked))
        return;
    policy_decision_t decision;
    policy_decide (input->policy, &checked, &decision);
    if (decision.status != STATUS_OK)
        s_refuse (input, result, &checked, decision.status, decision.reason,
                  decision.field, decision.agreement_id);
    else {
        snprintf (result->agreement, sizeof (result->agreement), "%s",
                  decision.agreement_id? decision.agreement_id: "");
        s_respond (input, result, &checked, &decision);
    }
}


//  --------------------------------------------------------------------------
//  Self-test: a real catalog, source and policy in a temporary directory

#define S_USCC_A    "91310115MA1K3BTP2B"        //  in the source
#define S_USCC_B    "91110000600037341L"        //  valid, not in the source
#define S_PERSON    "11010519491231002X"

#define S_TEST_CATALOG \
    "catalog\n" \
    "    item = \"enterprise-basic\"\n" \
    "        title = \"t\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"conditional\"\n" \
    "        sql = \"SELECT name, capital FROM e WHERE uscc = :key\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 1\n" \
    "        field = \"capital\"\n" \
    "            type = \"real\"\n" \
    "            sensitivity = 1\n" \
    "    item = \"person\"\n" \
    "        title = \"t\"\n" \
    "        key-type = \"resident-id\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"SELECT name FROM e WHERE uscc = :key\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 0\n" \
    "    item = \"slow\"\n" \
    "        title = \"t\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c" \
                  " WHERE n < 1000000000) SELECT name FROM e" \
                  " WHERE uscc = :key AND (SELECT count(*) FROM c) > 0\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 0\n" \
    "    item = \"too-large\"\n" \
    "        title = \"t\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"SELECT hex(zeroblob(524250)) AS big WHERE :key IS NOT NULL\"\n" \
    "        field = \"big\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 0\n" \
    "    item = \"secret\"\n" \
    "        title = \"t\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"closed\"\n" \
    "        legal-basis = \"《保守国家秘密法》\"\n"

typedef struct {
    char *dir;
    authority_t *authority;
    cert_t *msa, *tax;          //  the provider (us) and the requester
    uint8_t box_key [ENVELOPE_KEY_BYTES];
    truststore_t *trust;
    catalog_t *catalog;
    source_t *source;
    policy_t *policy;
    int64_t timeout_ms;         //  the source's
} s_fixture_t;

static char *
s_test_write (s_fixture_t *self, const char *name, const char *text)
{
    char *path = zsys_sprintf ("%s/%s", self->dir, name);
    FILE *file = fopen (path, "w");
    assert (file);
    fputs (text, file);
    fclose (file);
    return path;
}

static void
s_test_source (s_fixture_t *self)
{
    char *path = zsys_sprintf ("%s/source.db", self->dir);
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, "CREATE TABLE e (uscc TEXT, name TEXT, capital REAL);"
                          "INSERT INTO e VALUES ('" S_USCC_A "', '浦东示例', 12.5),"
                          " ('" S_PERSON "', 'Wang', 0);", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (db);
    char *catalog = s_test_write (self, "catalog.cfg", S_TEST_CATALOG);
    char *error = NULL;
    self->catalog = catalog_load (catalog, &error);
    assert (self->catalog);
    self->timeout_ms = 200;
    self->source = source_new (path, self->catalog, (int) self->timeout_ms, &error);
    assert (self->source);
    zstr_free (&catalog);
    zstr_free (&path);
}

//  The provider's policy, with one agreement: TAX may read the name of
//  enterprise-basic, for tax registration, as an inspector, three times a day
static void
s_test_policy (s_fixture_t *self, int64_t now)
{
    self->trust = truststore_new (authority_public (self->authority));
    cert_t *copy = cert_dup (self->msa);
    assert (truststore_add (self->trust, &copy) == STATUS_OK);
    copy = cert_dup (self->tax);
    assert (truststore_add (self->trust, &copy) == STATUS_OK);
    char *path = zsys_sprintf ("%s/quota.db", self->dir);
    self->policy = policy_new ("SH-PD-MSA", self->trust, path, NULL);
    assert (self->policy);
    zstr_free (&path);
    agreement_t *agreement = agreement_new ("AGR-1", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "name", "tax-registration", "basis", now - 86400,
        now + 86400, 3, "inspector", NULL);
    assert (agreement_sign (agreement, self->msa) == 0);
    assert (agreement_sign (agreement, self->tax) == 0);
    assert (policy_add (self->policy, &agreement, NULL) == STATUS_OK);
}

static void
s_test_setup (s_fixture_t *self)
{
    memset (self, 0, sizeof (*self));
    int64_t now = zclock_time () / 1000;
    self->dir = zsys_sprintf ("/tmp/sluice-serve-test-%d", getpid ());
    assert (zsys_dir_create ("%s", self->dir) == 0);
    self->authority = authority_new ("Test authority", NULL);
    self->msa = cert_new ("SH-PD-MSA", "msa", "department", 3, 1, now - 60, now + 3600, NULL);
    self->tax = cert_new ("SH-PD-TAX", "tax", "department", 2, 1, now - 60, now + 3600, NULL);
    assert (self->authority && self->msa && self->tax);
    cert_sign_by (self->msa, self->authority);
    cert_sign_by (self->tax, self->authority);
    assert (crypto_box_beforenm (self->box_key, cert_box_public (self->tax),
                                 cert_box_secret (self->msa)) == 0);
    s_test_source (self);
    s_test_policy (self, now);
}

static void
s_test_teardown (s_fixture_t *self)
{
    source_destroy (&self->source);
    catalog_destroy (&self->catalog);
    policy_destroy (&self->policy);
    truststore_destroy (&self->trust);
    cert_destroy (&self->msa);
    cert_destroy (&self->tax);
    authority_destroy (&self->authority);
    char *command = zsys_sprintf ("rm -rf %s", self->dir);
    assert (system (command) == 0);
    zstr_free (&command);
    zstr_free (&self->dir);
}

//  A QUERY from TAX, as serving gets it: opened, its payload readable
static envelope_t *
s_test_query (s_fixture_t *self, const char *item, const char *key, const char *fields,
              const char *officer, const char *purpose)
{
    message_query_t query;
    memset (&query, 0, sizeof (query));
    snprintf (query.item, sizeof (query.item), "%s", item);
    snprintf (query.key, sizeof (query.key), "%s", key);
    snprintf (query.fields, sizeof (query.fields), "%s", fields);
    snprintf (query.officer, sizeof (query.officer), "%s", officer);
    snprintf (query.role, sizeof (query.role), "inspector");
    snprintf (query.purpose, sizeof (query.purpose), "%s", purpose);
    query.head.seq = 41;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_query_encode (&query, &buffer);
    envelope_t *envelope = envelope_new (MSG_QUERY, "SH-PD-TAX", "SH-PD-MSA");
    assert (envelope_seal (envelope, (uint8_t *) buffer.data, buffer.size,
                           cert_sign_secret (self->tax), self->box_key) == 0);
    msgpack_sbuffer_destroy (&buffer);
    return envelope;
}

static void
s_test_serve (s_fixture_t *self, envelope_t *request, serve_result_t *result)
{
    serve_input_t input = {
        .request = request, .sender = self->tax, .box_key = self->box_key,
        .own = self->msa, .catalog = self->catalog, .source = self->source,
        .policy = self->policy, .next = { 7, { 0 } }, .now_ms = zclock_time ()
    };
    serve_query (&input, result);
}

//  Serves a query and checks the ERROR it is refused with, and its record
static void
s_test_refused (s_fixture_t *self, envelope_t *request, int code, const char *reason)
{
    serve_result_t result;
    s_test_serve (self, request, &result);
    assert (result.refused && result.status == code && result.answer);
    assert (envelope_header (result.answer)->type == MSG_ERROR);
    message_error_t error;
    assert (message_error_decode (envelope_payload (result.answer),
                                  envelope_payload_size (result.answer), &error) == 0);
    assert ((int) error.code == code && error.head.seq == 7);
    assert (memcmp (error.re, envelope_header (request)->id, ENVELOPE_ID_BYTES) == 0);
    if (reason)
        assert (strstr (error.reason, reason));
    assert (streq (result.record.direction, "served"));
    assert (strstr (result.record.decision, status_name (code)) == result.record.decision
                                                                   + strlen ("refused: "));
    assert (streq (result.record.fields, "") && result.record.status == code);
    if (code == STATUS_SOURCE_TIMEOUT || code == STATUS_TOO_LARGE)
        assert (result.source_error && strstr (result.source_error, "source: item '"));
    else
        assert (!result.source_error);
    serve_result_clear (&result);
    assert (!result.source_error);
    envelope_destroy (&request);
}

//  A granted query: the rows it gives, and what its record says
static void
s_test_granted (s_fixture_t *self)
{
    envelope_t *request = s_test_query (self, "enterprise-basic", S_USCC_A, "name",
                                        "wang.li", "tax-registration");
    serve_result_t result;
    s_test_serve (self, request, &result);
    assert (!result.refused && result.status == STATUS_OK && result.rows == 1);
    message_response_t response;
    assert (message_response_decode (envelope_payload (result.answer),
                                     envelope_payload_size (result.answer),
                                     &response) == 0);
    assert (response.status == STATUS_OK && response.head.seq == 7);
    assert (streq (response.agreement, "AGR-1") && response.rows->via.array.size == 1);
    message_response_destroy (&response);
    audit_record_t *record = &result.record;
    assert (streq (record->decision, "granted") && streq (record->fields, "name"));
    assert (streq (record->agreement, "AGR-1") && streq (record->key, S_USCC_A));
    assert (streq (record->peer, "SH-PD-TAX") && streq (record->officer, "wang.li"));
    assert (record->peer_head && record->peer_head->seq == 41);
    uint8_t digest [32];
    envelope_digest (result.answer, digest);
    assert (memcmp (record->response_digest, digest, 32) == 0);
    serve_result_clear (&result);
    assert (!result.answer);
    envelope_destroy (&request);

    //  A key the source does not hold: NOT_FOUND, a RESPONSE without rows
    request = s_test_query (self, "enterprise-basic", S_USCC_B, "", "wang.li",
                            "tax-registration");
    s_test_serve (self, request, &result);
    assert (!result.refused && result.status == STATUS_NOT_FOUND && result.rows == 0);
    assert (envelope_header (result.answer)->type == MSG_RESPONSE);
    assert (streq (result.record.decision, "granted: no record"));
    assert (streq (result.record.fields, ""));
    serve_result_clear (&result);
    envelope_destroy (&request);

    //  A resident identity number is masked in the record
    request = s_test_query (self, "person", S_PERSON, "", "wang.li", "statistics");
    s_test_serve (self, request, &result);
    assert (result.status == STATUS_OK && streq (result.record.key, "110105********002X"));
    serve_result_clear (&result);
    envelope_destroy (&request);
}

//  Each refusal before the next: what is wrong first is what is said
static void
s_test_refusals (s_fixture_t *self)
{
    envelope_t *request = envelope_new (MSG_QUERY, "SH-PD-TAX", "SH-PD-MSA");
    assert (envelope_seal (request, (const uint8_t *) "\xc1", 1,
                           cert_sign_secret (self->tax), self->box_key) == 0);
    serve_result_t result;
    s_test_serve (self, request, &result);
    assert (!result.decoded && !result.record.peer_head);
    serve_result_clear (&result);
    s_test_refused (self, request, STATUS_MALFORMED, "could not be decoded");
    s_test_refused (self, s_test_query (self, "no-such-item", "bad key", "nope", "", ""),
                    STATUS_UNKNOWN_ITEM, NULL);
    s_test_refused (self, s_test_query (self, "enterprise-basic", "bad key", "nope", "", ""),
                    STATUS_UNKNOWN_FIELD, "no such field");
    s_test_refused (self, s_test_query (self, "enterprise-basic", "bad key", "name", "", ""),
                    STATUS_INVALID_KEY, "not a valid uscc");
    s_test_refused (self, s_test_query (self, "enterprise-basic", S_USCC_A, "name", "", ""),
                    STATUS_PURPOSE_REQUIRED, NULL);
    //  A closed item's key is never read, not even to check it
    s_test_refused (self, s_test_query (self, "secret", "bad key", "", "wang.li", "audit"),
                    STATUS_ITEM_CLOSED, "保守国家秘密法");
    s_test_refused (self, s_test_query (self, "enterprise-basic", S_USCC_A, "name",
                                        "wang.li", "marketing"),
                    STATUS_PURPOSE_NOT_AGREED, "which allows: tax-registration");
    s_test_refused (self, s_test_query (self, "enterprise-basic", S_USCC_A, "capital",
                                        "wang.li", "tax-registration"),
                    STATUS_FIELD_NOT_AGREED, NULL);
    //  The source's refusals, after the policy's
    s_test_refused (self, s_test_query (self, "too-large", S_USCC_A, "", "wang.li", "audit"),
                    STATUS_TOO_LARGE, NULL);
    int64_t start = zclock_mono ();
    s_test_refused (self, s_test_query (self, "slow", S_USCC_A, "", "wang.li", "audit"),
                    STATUS_SOURCE_TIMEOUT, NULL);
    assert (zclock_mono () - start >= self->timeout_ms);
    //  An invalid key is refused before the source is touched: the slow
    //  item answers at once
    start = zclock_mono ();
    s_test_refused (self, s_test_query (self, "slow", "91310115MA1K3BTP2X", "", "wang.li",
                                        "audit"), STATUS_INVALID_KEY, NULL);
    assert (zclock_mono () - start < self->timeout_ms);
}

//  The quota counts granted requests only; a refusal before the payload
//  is read names its record too
static void
s_test_quota (s_fixture_t *self)
{
    envelope_t *request = s_test_query (self, "enterprise-basic", S_USCC_A, "name",
                                        "wang.li", "tax-registration");
    serve_result_t result;
    s_test_serve (self, request, &result);
    assert (result.status == STATUS_OK);
    serve_result_clear (&result);
    s_test_refused (self, request, STATUS_QUOTA_EXCEEDED, "allows 3 requests a UTC day");
    request = s_test_query (self, "enterprise-basic", S_USCC_A, "name", "wang.li",
                            "tax-registration");
    serve_input_t input = {
        .request = request, .sender = self->tax, .box_key = self->box_key,
        .own = self->msa, .next = { 9, { 0 } }, .now_ms = zclock_time ()
    };
    serve_refuse (&input, STATUS_REPLAY, &result);
    assert (result.refused && result.status == STATUS_REPLAY && !result.decoded);
    assert (streq (result.record.item, "") && !result.record.peer_head);
    serve_result_clear (&result);
    envelope_destroy (&request);
}

void
serve_test (bool verbose)
{
    if (verbose)
        printf (" * serve: ");
    s_fixture_t fixture;
    s_test_setup (&fixture);
    s_test_granted (&fixture);          //  two of the three a day
    s_test_refusals (&fixture);         //  none of them
    s_test_quota (&fixture);            //  the third, then none
    s_test_teardown (&fixture);
    if (verbose)
        printf ("OK\n");
}
