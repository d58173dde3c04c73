/*  fuzz_message.c -- libFuzzer target for the payload decoders: QUERY,
    ERROR, RESPONSE, HELLO and the directory pages (proto/message), REGISTRY payloads with
    orders and answers (proto/registry), signed statements
    (proto/statement), and the gateway's local API requests and replies
    (proto/localapi), the store-and-forward payloads NOTICE, ALERT, RECEIPT
    and ACK (proto/notice) and the broker's QUEUED (proto/queued): every table of the table codec (proto/fields), and
    the codec itself through a table of its own with a row of every type.

    Every decoder gets the same input, copied into a buffer of exactly its
    size, so that a read past the end is caught. Checks: the status is OK
    or MALFORMED; every string is NUL-terminated within its buffer and has
    no NUL byte before its end on the wire; the borrowed objects (rows,
    certs, crl) are walked byte by byte before the input copy is freed (and
    a reply's rows after it is freed, since the reply keeps its own copy);
    an accepted QUERY, ERROR, request, order, answer or record of the own
    table encodes and decodes back to the same values, a statement's own
    encoding decodes to the same statement. The destroy and clear functions are called in every
    case.

    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "message.h"
#include "fields.h"
#include "localapi.h"
#include "notice.h"
#include "queued.h"
#include "registry.h"
#include "statement.h"
#include "status.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (false);
    return 0;
}

#define S_TERMINATED(field) S_REQUIRE (s_fuzz_terminated ((field), sizeof (field)))

static void
s_check_status (int status)
{
    S_REQUIRE (status == STATUS_OK || status == STATUS_MALFORMED);
}

static void
s_query_check (const message_query_t *query)
{
    S_TERMINATED (query->item);
    S_TERMINATED (query->key);
    S_TERMINATED (query->fields);
    S_TERMINATED (query->purpose);
    S_TERMINATED (query->officer);
    S_TERMINATED (query->role);
}

static bool
s_query_equal (const message_query_t *one, const message_query_t *two)
{
    return strcmp (one->item, two->item) == 0
        && strcmp (one->key, two->key) == 0
        && strcmp (one->fields, two->fields) == 0
        && strcmp (one->purpose, two->purpose) == 0
        && strcmp (one->officer, two->officer) == 0
        && strcmp (one->role, two->role) == 0
        && memcmp (&one->head, &two->head, sizeof (one->head)) == 0;
}

static void
s_query (const uint8_t *data, size_t size)
{
    message_query_t query;
    int status = message_query_decode (data, size, &query);
    s_check_status (status);
    if (status != STATUS_OK)
        return;
    s_query_check (&query);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    S_REQUIRE (message_query_encode (&query, &buffer) == 0);
    message_query_t back;
    S_REQUIRE (message_query_decode ((const uint8_t *) buffer.data, buffer.size,
                                     &back) == STATUS_OK);
    S_REQUIRE (s_query_equal (&query, &back));
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_error (const uint8_t *data, size_t size)
{
    message_error_t error;
    int status = message_error_decode (data, size, &error);
    s_check_status (status);
    if (status != STATUS_OK)
        return;
    S_TERMINATED (error.reason);
    S_TERMINATED (error.field);
    S_REQUIRE (error.code <= 999);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    S_REQUIRE (message_error_encode (&error, &buffer) == 0);
    message_error_t back;
    S_REQUIRE (message_error_decode ((const uint8_t *) buffer.data, buffer.size,
                                     &back) == STATUS_OK);
    S_REQUIRE (memcmp (back.re, error.re, ENVELOPE_ID_BYTES) == 0);
    S_REQUIRE (back.code == error.code);
    S_REQUIRE (strcmp (back.reason, error.reason) == 0);
    S_REQUIRE (strcmp (back.field, error.field) == 0);
    S_REQUIRE (memcmp (&back.head, &error.head, sizeof (back.head)) == 0);
    S_REQUIRE (error.head.seq <= MESSAGE_HEAD_SEQ_MAX);
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_response (const uint8_t *data, size_t size)
{
    message_response_t response;
    int status = message_response_decode (data, size, &response);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (response.item);
        S_TERMINATED (response.agreement);
        S_REQUIRE (response.status <= STATUS_NOT_FOUND);
        S_REQUIRE (response.head.seq <= MESSAGE_HEAD_SEQ_MAX);
        S_REQUIRE (response.rows && response.rows->type == MSGPACK_OBJECT_ARRAY);
        for (uint32_t index = 0; index < response.rows->via.array.size; index++)
            S_REQUIRE (response.rows->via.array.ptr [index].type
                       == MSGPACK_OBJECT_MAP);
        s_fuzz_walk (response.rows);
    }
    message_response_destroy (&response);
    message_response_destroy (&response);
    S_REQUIRE (response.rows == NULL);
}

static void
s_directory (const uint8_t *data, size_t size)
{
    message_directory_t directory;
    int status = message_directory_decode (data, size, &directory);
    s_check_status (status);
    if (status == STATUS_OK) {
        const message_page_t *page = &directory.page;
        S_TERMINATED (page->broker);
        S_REQUIRE (page->heartbeat_ms <= 3600000);
        S_REQUIRE (page->since <= page->version && page->page <= page->pages);
        S_REQUIRE (page->pages <= MESSAGE_PAGES_MAX && page->crl_size <= MESSAGE_CRL_MAX);
        S_REQUIRE (directory.crl_piece_size <= page->crl_size);
        S_REQUIRE (directory.certs
                   && directory.certs->type == MSGPACK_OBJECT_ARRAY);
        for (uint32_t index = 0; index < directory.certs->via.array.size; index++)
            S_REQUIRE (directory.certs->via.array.ptr [index].type
                       == MSGPACK_OBJECT_STR);
        s_fuzz_walk (directory.certs);
        unsigned sum = 0;
        for (size_t index = 0; index < directory.crl_piece_size; index++)
            sum += directory.crl_piece [index];
        S_REQUIRE (sum <= 255 * directory.crl_piece_size);
    }
    else
        S_REQUIRE (!directory.certs && !directory.crl_piece);
    message_directory_destroy (&directory);
    message_directory_destroy (&directory);
}

static void
s_hello (const uint8_t *data, size_t size)
{
    uint64_t epoch = 1, version = 1;
    int status = message_hello_decode (data, size, &epoch, &version);
    s_check_status (status);
    if (status != STATUS_OK)
        S_REQUIRE (epoch == 0 && version == 0);
    else {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        S_REQUIRE (message_hello_encode (epoch, version, &buffer) == 0);
        uint64_t epoch_back, version_back;
        S_REQUIRE (message_hello_decode ((const uint8_t *) buffer.data, buffer.size,
                                         &epoch_back, &version_back) == STATUS_OK);
        //  A version 0 says "nothing held", whatever its epoch
        S_REQUIRE (version_back == version && (version == 0 || epoch_back == epoch));
        msgpack_sbuffer_destroy (&buffer);
    }
}

static void
s_request (const uint8_t *data, size_t size)
{
    localapi_request_t request;
    int status = localapi_request_decode (data, size, &request);
    s_check_status (status);
    if (status != STATUS_OK) {
        S_REQUIRE (request.text == NULL);
        localapi_request_clear (&request);
        return;
    }
    S_TERMINATED (request.op);
    S_TERMINATED (request.to);
    S_TERMINATED (request.id);
    S_TERMINATED (request.decision);
    s_query_check (&request.query);
    S_REQUIRE (request.timeout_ms <= 3600000);
    S_REQUIRE (!request.text || strlen (request.text) <= LOCALAPI_TEXT_MAX);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    S_REQUIRE (localapi_request_encode (&request, &buffer) == 0);
    localapi_request_t back;
    S_REQUIRE (localapi_request_decode ((const uint8_t *) buffer.data,
                                        buffer.size, &back) == STATUS_OK);
    S_REQUIRE (strcmp (back.op, request.op) == 0);
    S_REQUIRE (strcmp (back.to, request.to) == 0);
    S_REQUIRE (strcmp (back.id, request.id) == 0);
    S_REQUIRE (strcmp (back.decision, request.decision) == 0);
    S_REQUIRE ((back.text == NULL) == (request.text == NULL));
    S_REQUIRE (!back.text || strcmp (back.text, request.text) == 0);
    S_REQUIRE (s_query_equal (&back.query, &request.query));
    S_REQUIRE (back.timeout_ms == request.timeout_ms);
    msgpack_sbuffer_destroy (&buffer);
    localapi_request_clear (&back);
    localapi_request_clear (&request);
    localapi_request_clear (&request);
}

static void
s_registry (const uint8_t *data, size_t size)
{
    registry_msg_t msg;
    int status = registry_msg_decode (data, size, &msg);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (msg.op);
        S_TERMINATED (msg.reason);
        S_TERMINATED (msg.kind);
        S_TERMINATED (msg.epoch);
        S_REQUIRE (msg.since <= REGISTRY_SEQ_MAX && msg.next <= REGISTRY_SEQ_MAX);
        if (msg.statements) {
            S_REQUIRE (msg.statements->type == MSGPACK_OBJECT_ARRAY);
            s_fuzz_walk (msg.statements);
        }
        if (msg.text) {
            S_REQUIRE (msg.text_size <= REGISTRY_TEXT_MAX);
            uint8_t sum = 0;
            for (size_t index = 0; index < msg.text_size; index++)
                sum ^= (uint8_t) msg.text [index];
            (void) sum;
        }
    }
    registry_msg_destroy (&msg);

    order_t order;
    status = registry_order_decode (data, size, &order);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (order.provider);
        S_TERMINATED (order.item);
        S_TERMINATED (order.fields);
        S_TERMINATED (order.purpose);
        S_TERMINATED (order.legal_basis);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        registry_order_encode (&order, &buffer);
        order_t back;
        S_REQUIRE (registry_order_decode ((const uint8_t *) buffer.data,
                                          buffer.size, &back) == STATUS_OK);
        S_REQUIRE (strcmp (back.provider, order.provider) == 0
                   && strcmp (back.item, order.item) == 0
                   && strcmp (back.fields, order.fields) == 0
                   && strcmp (back.purpose, order.purpose) == 0
                   && strcmp (back.legal_basis, order.legal_basis) == 0);
        msgpack_sbuffer_destroy (&buffer);
    }
    order_answer_t answer;
    status = registry_answer_decode (data, size, &answer);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (answer.decision);
        S_TERMINATED (answer.legal_basis);
        S_TERMINATED (answer.agreement);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        registry_answer_encode (&answer, &buffer);
        order_answer_t back;
        S_REQUIRE (registry_answer_decode ((const uint8_t *) buffer.data,
                                           buffer.size, &back) == STATUS_OK);
        S_REQUIRE (strcmp (back.decision, answer.decision) == 0
                   && strcmp (back.legal_basis, answer.legal_basis) == 0
                   && strcmp (back.agreement, answer.agreement) == 0);
        msgpack_sbuffer_destroy (&buffer);
    }
}

static void
s_statement (const uint8_t *data, size_t size)
{
    statement_t *statement = statement_decode (data, size);
    if (!statement)
        return;
    S_REQUIRE (statement_kind (statement) && statement_author (statement)
               && statement_key (statement));
    S_REQUIRE (strlen (statement_kind (statement)) <= STATEMENT_KIND_MAX);
    S_REQUIRE (strlen (statement_key (statement)) <= STATEMENT_KEY_MAX);
    S_REQUIRE (statement_version (statement) >= 1
               && statement_version (statement) <= STATEMENT_VERSION_MAX);
    size_t payload_size = statement_payload_size (statement);
    S_REQUIRE (payload_size <= STATEMENT_PAYLOAD_MAX);
    const uint8_t *payload = statement_payload (statement);
    uint8_t sum = 0;
    for (size_t index = 0; payload && index < payload_size; index++)
        sum ^= payload [index];
    (void) sum;
    s_fuzz_keys_t keys;
    s_fuzz_keys (&keys);
    int verified = statement_verify (statement, keys.sign_public);
    S_REQUIRE (verified == 0 || verified == -1);
    size_t encoded_size = 0;
    const uint8_t *encoded = statement_encoded (statement, &encoded_size);
    if (encoded) {
        statement_t *back = statement_decode (encoded, encoded_size);
        S_REQUIRE (back);
        S_REQUIRE (strcmp (statement_kind (back), statement_kind (statement)) == 0);
        S_REQUIRE (strcmp (statement_author (back), statement_author (statement)) == 0);
        S_REQUIRE (strcmp (statement_key (back), statement_key (statement)) == 0);
        S_REQUIRE (statement_issued (back) == statement_issued (statement));
        S_REQUIRE (statement_version (back) == statement_version (statement));
        S_REQUIRE (statement_payload_size (back) == payload_size);
        statement_destroy (&back);
    }
    statement_destroy (&statement);
    statement_destroy (&statement);
}

//  The table codec itself: a record with a row of every type
typedef struct {
    msgpack_unpacked unpacked;
    char name [9];
    uint32_t code;
    uint64_t count;
    bool flag;
    bool has_flag;
    uint8_t id [4];
    char *text;
    const char *note;
    size_t note_size;
    const uint8_t *piece;
    size_t piece_size;
    const msgpack_object *list;
    uint64_t first;
    uint64_t second;
} s_record_t;

static int
s_record_pack (msgpack_packer *pk, const void *record)
{
    return msgpack_pack_uint64 (pk, ((const s_record_t *) record)->code);
}

static int
s_record_check (const void *record)
{
    return ((const s_record_t *) record)->first <= 1000? 0: -1;
}

static const fields_row_t s_record_rows [] = {
    { "n", FIELDS_STR,     FIELDS_AT (s_record_t, name), .flags = FIELDS_REQUIRED },
    { "c", FIELDS_UINT,    FIELDS_AT (s_record_t, code), .max = 70000,
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "d", FIELDS_DERIVED, .pack = s_record_pack },
    { "u", FIELDS_UINT,    FIELDS_AT (s_record_t, count), .max = UINT64_MAX,
      .flags = FIELDS_OMIT_EMPTY },
    { "f", FIELDS_BOOL,    FIELDS_AT (s_record_t, flag), FIELDS_HAS (s_record_t, has_flag) },
    { "i", FIELDS_BIN,     FIELDS_AT (s_record_t, id) },
    { "t", FIELDS_TEXT,    FIELDS_AT (s_record_t, text), .max = 300,
      .flags = FIELDS_OMIT_EMPTY },
    { "s", FIELDS_STR_REF, FIELDS_AT (s_record_t, note), .max = 40,
      FIELDS_LENGTH (s_record_t, note_size) },
    { "b", FIELDS_BIN_REF, FIELDS_AT (s_record_t, piece), .max = 40,
      FIELDS_LENGTH (s_record_t, piece_size), .flags = FIELDS_OMIT_EMPTY },
    { "l", FIELDS_ARRAY,   FIELDS_AT (s_record_t, list), .element = MSGPACK_OBJECT_MAP },
    { "x", FIELDS_UINT,    FIELDS_AT (s_record_t, first), .max = UINT64_MAX,
      .flags = FIELDS_OMIT_EMPTY },
    { "y", FIELDS_UINT,    FIELDS_AT (s_record_t, second), .max = 9,
      .flags = FIELDS_WITH_PREVIOUS },
};
static const fields_t s_record_table =
    FIELDS_TABLE_UNPACKED ("FUZZ", s_record_t, unpacked, s_record_rows, s_record_check);

static void
s_fields (const uint8_t *data, size_t size)
{
    S_REQUIRE (fields_valid (&s_record_table));
    s_record_t record;
    int status = fields_decode (&s_record_table, data, size, &record);
    s_check_status (status);
    if (status != STATUS_OK)
        S_REQUIRE (!record.text && !record.note && !record.piece && !record.list
                   && !record.has_flag && record.name [0] == 0);
    else {
        S_TERMINATED (record.name);
        S_REQUIRE (record.code >= 1 && record.code <= 70000 && record.first <= 1000);
        S_REQUIRE (record.second <= 9);
        S_REQUIRE (!record.text || strlen (record.text) <= 300);
        S_REQUIRE (!record.note || (record.note_size <= 40
                                    && !memchr (record.note, 0, record.note_size)));
        S_REQUIRE (!record.piece || record.piece_size <= 40);
        if (record.list)
            s_fuzz_walk (record.list);
        //  Written again, it reads the same; what an absent key reads as is
        //  written as such (an empty str, an empty array), and `y` only
        //  goes with a `x` that is not 0
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        S_REQUIRE (fields_encode (&s_record_table, &record, &buffer) == 0);
        s_record_t back;
        S_REQUIRE (fields_decode (&s_record_table, (const uint8_t *) buffer.data,
                                  buffer.size, &back) == STATUS_OK);
        S_REQUIRE (strcmp (back.name, record.name) == 0 && back.code == record.code);
        S_REQUIRE (back.count == record.count && back.flag == record.flag
                   && back.has_flag == record.has_flag);
        S_REQUIRE (memcmp (back.id, record.id, sizeof (back.id)) == 0);
        S_REQUIRE ((back.text == NULL) == (record.text == NULL)
                   && (!back.text || strcmp (back.text, record.text) == 0));
        S_REQUIRE (back.note && back.note_size == (record.note? record.note_size: 0)
                   && memcmp (back.note, record.note? record.note: "", back.note_size) == 0);
        S_REQUIRE ((back.piece == NULL) == (record.piece == NULL)
                   && back.piece_size == record.piece_size
                   && (!back.piece || memcmp (back.piece, record.piece, back.piece_size) == 0));
        S_REQUIRE (back.list && back.list->via.array.size
                                == (record.list? record.list->via.array.size: 0));
        S_REQUIRE (back.first == record.first
                   && back.second == (record.first? record.second: 0));
        fields_destroy (&s_record_table, &back);
        msgpack_sbuffer_destroy (&buffer);
    }
    fields_destroy (&s_record_table, &record);
    fields_destroy (&s_record_table, &record);
}

//  `copy` is freed here, before the rows are walked: a reply must not
//  borrow from the caller's buffer.
static void
s_reply (uint8_t *copy, size_t size)
{
    localapi_reply_t reply;
    int status = localapi_reply_decode (copy, size, &reply);
    free (copy);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (reply.reason);
        S_TERMINATED (reply.field);
        S_TERMINATED (reply.from);
        S_TERMINATED (reply.item);
        S_TERMINATED (reply.msgid);
        S_TERMINATED (reply.agreement);
        S_REQUIRE (reply.status <= 999);
        S_REQUIRE (reply.rows && reply.rows->type == MSGPACK_OBJECT_ARRAY);
        s_fuzz_walk (reply.rows);

        //  Encoding the reply again gives one that decodes to the same
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        S_REQUIRE (localapi_reply_encode (&buffer, (int) reply.status,
                                          reply.reason, reply.field, reply.from,
                                          reply.item, reply.msgid,
                                          reply.served_at, reply.agreement,
                                          reply.rows) == 0);
        localapi_reply_t back;
        S_REQUIRE (localapi_reply_decode ((const uint8_t *) buffer.data,
                                          buffer.size, &back) == STATUS_OK);
        msgpack_sbuffer_destroy (&buffer);
        S_REQUIRE (back.status == reply.status);
        S_REQUIRE (back.served_at == reply.served_at);
        S_REQUIRE (strcmp (back.reason, reply.reason) == 0);
        S_REQUIRE (strcmp (back.from, reply.from) == 0);
        S_REQUIRE (strcmp (back.msgid, reply.msgid) == 0);
        S_REQUIRE (back.rows->via.array.size == reply.rows->via.array.size);
        s_fuzz_walk (back.rows);
        localapi_reply_destroy (&back);
    }
    localapi_reply_destroy (&reply);
    localapi_reply_destroy (&reply);
}

//  NOTICE, ALERT, RECEIPT, ACK, QUEUED: each accepted one encodes and
//  decodes back
static void
s_notices (const uint8_t *data, size_t size)
{
    notice_msg_t notice;
    int status = notice_msg_decode (data, size, &notice);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (notice.kind);
        S_TERMINATED (notice.basis);
        S_REQUIRE (notice.fields && notice.fields->via.map.size <= NOTICE_FIELDS_MAX);
    }
    notice_msg_destroy (&notice);
    notice_alert_t alert;
    status = notice_alert_decode (data, size, &alert);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_TERMINATED (alert.text);
        S_REQUIRE (!*alert.key == !*alert.key_type);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        S_REQUIRE (notice_alert_encode (&alert, &buffer) == 0);
        notice_alert_t back;
        S_REQUIRE (notice_alert_decode ((uint8_t *) buffer.data, buffer.size, &back)
                   == STATUS_OK && memcmp (&back, &alert, sizeof (back)) == 0);
        msgpack_sbuffer_destroy (&buffer);
    }
    notice_receipt_t receipt;
    status = notice_receipt_decode (data, size, &receipt);
    s_check_status (status);
    if (status == STATUS_OK) {
        S_REQUIRE (noticeid_state_from_name (receipt.state) >= 0 && receipt.at > 0);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        S_REQUIRE (notice_receipt_encode (&receipt, &buffer) == 0);
        notice_receipt_t back;
        S_REQUIRE (notice_receipt_decode ((uint8_t *) buffer.data, buffer.size, &back)
                   == STATUS_OK && memcmp (&back, &receipt, sizeof (back)) == 0);
        msgpack_sbuffer_destroy (&buffer);
    }
    uint8_t id [NOTICEID_BYTES];
    s_check_status (notice_ack_decode (data, size, id));
    queued_t queued;
    s_check_status (queued_decode (data, size, &queued));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    //  A private copy of exactly `size` bytes, freed after the decoders
    //  that may borrow from it are done
    uint8_t *copy = s_fuzz_copy (data, size);

    s_query (copy, size);
    s_error (copy, size);
    s_response (copy, size);
    s_directory (copy, size);
    s_hello (copy, size);
    s_request (copy, size);
    s_registry (copy, size);
    s_statement (copy, size);
    s_notices (copy, size);
    s_fields (copy, size);
    s_reply (copy, size);          //  frees copy
    return 0;
}
