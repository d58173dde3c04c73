/*  registry.c -- payloads of REGISTRY messages, orders and answers: each
    one's keys declared once, in a table (fields.h) that both its encoder
    and its decoder read (PROTOCOL.md 16.2, 16.3).  */

#include "registry.h"
#include "codec.h"
#include "fields.h"
#include "ident.h"
#include "status.h"
#include <sodium.h>

//  A REGISTRY payload. Its optional keys go only where they are given (the
//  presence bools, and NULL statements or text), so that each operation
//  writes its own keys, in the table's order
#define S_MSG_AT(member)    FIELDS_AT (registry_msg_t, member)
#define S_MSG_HAS(member)   FIELDS_HAS (registry_msg_t, has_##member)
static const fields_row_t s_msg_rows [] = {
    //  put, list, crl, sync (gateway to broker); done, listed, push, page
    { "op",         FIELDS_STR,  S_MSG_AT (op), .flags = FIELDS_REQUIRED },
    //  the result of a put, crl or sync (done); 0 in the others
    { "status",     FIELDS_UINT, S_MSG_AT (status), .max = 999, .flags = FIELDS_REQUIRED },
    //  the request answered (done, listed, page)
    { "re",         FIELDS_BIN,  S_MSG_AT (re), S_MSG_HAS (re) },
    //  the status in words (done)
    { "reason",     FIELDS_STR,  S_MSG_AT (reason), S_MSG_HAS (reason) },
    //  the statement kind to list (list)
    { "kind",       FIELDS_STR,  S_MSG_AT (kind), S_MSG_HAS (kind) },
    //  encoded statements, each a bin (put: one)
    { "statements", FIELDS_ARRAY, S_MSG_AT (statements), .element = MSGPACK_OBJECT_BIN,
      .flags = FIELDS_OMIT_EMPTY },
    //  a revocation list's text (crl)
    { "text",       FIELDS_STR_REF, S_MSG_AT (text), .max = REGISTRY_TEXT_MAX,
      FIELDS_LENGTH (registry_msg_t, text_size), .flags = FIELDS_OMIT_EMPTY },
    //  the registry's epoch (sync: the one held; page: the broker's)
    { "epoch",      FIELDS_STR,  S_MSG_AT (epoch), S_MSG_HAS (epoch) },
    //  the change number held (sync), the one to list after (list); the
    //  one of the last statement in this page (page, listed)
    { "since",      FIELDS_UINT, S_MSG_AT (since), .max = REGISTRY_SEQ_MAX, S_MSG_HAS (since) },
    { "next",       FIELDS_UINT, S_MSG_AT (next), .max = REGISTRY_SEQ_MAX, S_MSG_HAS (next) },
    //  more pages follow (page, listed)
    { "more",       FIELDS_BOOL, S_MSG_AT (more), S_MSG_HAS (more) },
};
static const fields_t s_msg =
    FIELDS_TABLE_UNPACKED ("REGISTRY", registry_msg_t, unpacked, s_msg_rows, NULL);

//  The order body (16.2)
static int
s_order_check (const void *record)
{
    const order_t *order = (const order_t *) record;
    return ident_validate (IDENT_DEPARTMENT, order->provider, NULL, 0, NULL)? 0: -1;
}

static const fields_row_t s_order_rows [] = {
    { "provider",    FIELDS_STR, FIELDS_AT (order_t, provider), .flags = FIELDS_REQUIRED },
    { "item",        FIELDS_STR, FIELDS_AT (order_t, item),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "fields",      FIELDS_STR, FIELDS_AT (order_t, fields) },
    { "purpose",     FIELDS_STR, FIELDS_AT (order_t, purpose),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "legal_basis", FIELDS_STR, FIELDS_AT (order_t, legal_basis),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
};
static const fields_t s_order = FIELDS_TABLE ("order", order_t, s_order_rows, s_order_check);

//  The answer body (16.2): accepted, or refused with a legal basis
static int
s_answer_check (const void *record)
{
    const order_answer_t *answer = (const order_answer_t *) record;
    if (streq (answer->decision, "accepted"))
        return 0;
    return streq (answer->decision, "refused") && *answer->legal_basis? 0: -1;
}

static const fields_row_t s_answer_rows [] = {
    { "decision",    FIELDS_STR, FIELDS_AT (order_answer_t, decision),
      .flags = FIELDS_REQUIRED },
    { "legal_basis", FIELDS_STR, FIELDS_AT (order_answer_t, legal_basis) },
    { "agreement",   FIELDS_STR, FIELDS_AT (order_answer_t, agreement) },
};
static const fields_t s_answer =
    FIELDS_TABLE ("order answer", order_answer_t, s_answer_rows, s_answer_check);

//  Encodes `msg` with its statements (a list of signed statement_t, or
//  NULL) as the array of bins the table writes
static int
s_msg_encode (msgpack_sbuffer *buffer, registry_msg_t *msg, zlistx_t *statements)
{
    size_t count = statements? zlistx_size (statements): 0;
    msgpack_object *encoded = (msgpack_object *) calloc (count? count: 1,
                                                         sizeof (msgpack_object));
    assert (encoded);
    msgpack_object array = { .type = MSGPACK_OBJECT_ARRAY };
    array.via.array.size = (uint32_t) count;
    array.via.array.ptr = encoded;
    size_t index = 0;
    for (statement_t *statement = statements? (statement_t *) zlistx_first (statements): NULL;
         statement; statement = (statement_t *) zlistx_next (statements), index++) {
        size_t size;
        encoded [index].type = MSGPACK_OBJECT_BIN;
        encoded [index].via.bin.ptr = (const char *) statement_encoded (statement, &size);
        encoded [index].via.bin.size = (uint32_t) size;
    }
    msg->statements = statements? &array: NULL;
    int rc = fields_encode (&s_msg, msg, buffer);
    msg->statements = NULL;
    free (encoded);
    return rc;
}

int
registry_msg_encode (msgpack_sbuffer *buffer, const char *op,
                     const uint8_t *re, int status, const char *reason,
                     const char *kind, zlistx_t *statements, const char *text)
{
    registry_msg_t msg;
    memset (&msg, 0, sizeof (msg));
    msg.status = (uint32_t) status;
    if ((msg.has_re = re != NULL))
        memcpy (msg.re, re, ENVELOPE_ID_BYTES);
    msg.has_reason = reason != NULL;
    msg.has_kind = kind != NULL;
    msg.text = text;
    msg.text_size = text? strlen (text): 0;
    if (fields_set_str (msg.op, sizeof (msg.op), op)
    ||  fields_set_str (msg.reason, sizeof (msg.reason), reason)
    ||  fields_set_str (msg.kind, sizeof (msg.kind), kind))
        return -1;
    return s_msg_encode (buffer, &msg, statements);
}

int
registry_sync_encode (msgpack_sbuffer *buffer, const char *epoch, uint64_t since)
{
    registry_msg_t msg;
    memset (&msg, 0, sizeof (msg));
    strcpy (msg.op, "sync");
    msg.since = since;
    msg.has_epoch = msg.has_since = true;
    if (fields_set_str (msg.epoch, sizeof (msg.epoch), epoch))
        return -1;
    return s_msg_encode (buffer, &msg, NULL);
}

int
registry_list_encode (msgpack_sbuffer *buffer, const char *kind, uint64_t since)
{
    registry_msg_t msg;
    memset (&msg, 0, sizeof (msg));
    strcpy (msg.op, "list");
    msg.since = since;
    msg.has_kind = kind != NULL;
    msg.has_since = true;
    if (fields_set_str (msg.kind, sizeof (msg.kind), kind))
        return -1;
    return s_msg_encode (buffer, &msg, NULL);
}

//  One page of statements as `op` (page, with the broker's `epoch`;
//  listed, without)
static int
s_page_encode (msgpack_sbuffer *buffer, const char *op, const uint8_t *re,
               const char *epoch, uint64_t next, bool more, zlistx_t *statements)
{
    registry_msg_t msg;
    memset (&msg, 0, sizeof (msg));
    strcpy (msg.op, op);
    memcpy (msg.re, re, ENVELOPE_ID_BYTES);
    msg.next = next;
    msg.more = more;
    msg.has_re = msg.has_next = msg.has_more = true;
    msg.has_epoch = epoch != NULL;
    if (fields_set_str (msg.epoch, sizeof (msg.epoch), epoch))
        return -1;
    return s_msg_encode (buffer, &msg, statements);
}

int
registry_page_encode (msgpack_sbuffer *buffer, const uint8_t *re, const char *epoch,
                      uint64_t next, bool more, zlistx_t *statements)
{
    assert (epoch);
    return s_page_encode (buffer, "page", re, epoch, next, more, statements);
}

int
registry_listed_encode (msgpack_sbuffer *buffer, const uint8_t *re, uint64_t next,
                        bool more, zlistx_t *statements)
{
    return s_page_encode (buffer, "listed", re, NULL, next, more, statements);
}

int
registry_msg_decode (const uint8_t *data, size_t size, registry_msg_t *msg)
{
    return fields_decode (&s_msg, data, size, msg);
}

void
registry_msg_destroy (registry_msg_t *msg)
{
    fields_destroy (&s_msg, msg);
}

int
registry_order_encode (const order_t *order, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_order, order, buffer);
}

int
registry_order_decode (const uint8_t *data, size_t size, order_t *order)
{
    return fields_decode (&s_order, data, size, order);
}

int
registry_answer_encode (const order_answer_t *answer, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_answer, answer, buffer);
}

int
registry_answer_decode (const uint8_t *data, size_t size, order_answer_t *answer)
{
    return fields_decode (&s_answer, data, size, answer);
}

//  Every cut of an encoded payload is refused
static void
s_test_truncations (msgpack_sbuffer *buffer)
{
    registry_msg_t msg;
    for (size_t cut = 0; cut < buffer->size; cut++) {
        assert (registry_msg_decode ((uint8_t *) buffer->data, cut, &msg) != STATUS_OK);
        registry_msg_destroy (&msg);
    }
}

//  Test vectors: the order body and the statement of PROTOCOL.md 16.7 (the
//  put of it is the 288 bytes named there), an answer, and every REGISTRY
//  operation's payload
#define S_VECTOR_ORDER \
    "85a870726f7669646572a953482d50442d4d5341a46974656db16d61726b6574" \
    "2d76696f6c6174696f6e73a66669656c6473ac636173655f6e6f2c6b696e64a7" \
    "707572706f7365a87461782d7269736bab6c6567616c5f6261736973d924e380" \
    "8ae7a88ee694b6e5be81e694b6e7aea1e79086e6b395e3808be7acace4ba94e6" \
    "9da1"
#define S_VECTOR_ANSWER \
    "83a86465636973696f6ea86163636570746564ab6c6567616c5f6261736973d9" \
    "24e3808ae7a88ee694b6e5be81e694b6e7aea1e79086e6b395e3808be7acace4" \
    "ba94e69da1a961677265656d656e74b04147522d4f52442d5441582d30303031"
#define S_VECTOR_PUT \
    "83a26f70a3707574a673746174757300aa73746174656d656e747391c5010198" \
    "b2736c756963652d73746174656d656e742d32a56f72646572a953482d50442d" \
    "544158ac4f52442d5441582d3030303101cf0000019b76daa800c48285a87072" \
    "6f7669646572a953482d50442d4d5341a46974656db16d61726b65742d76696f" \
    "6c6174696f6e73a66669656c6473ac636173655f6e6f2c6b696e64a770757270" \
    "6f7365a87461782d7269736bab6c6567616c5f6261736973d924e3808ae7a88e" \
    "e694b6e5be81e694b6e7aea1e79086e6b395e3808be7acace4ba94e69da1c440" \
    "8f6b1147b048d5c042b78535d715d976bc683c67d35b464f0b8eb2b78329dc98" \
    "ea9622ac65284eca5b260f00cd4ca894f78c06531e180faa34eb2ae1fe478a0e"
#define S_VECTOR_DONE \
    "84a26f70a4646f6e65a673746174757370a27265c41010111213141516171819" \
    "1a1b1c1d1e1fa6726561736f6ed92c7468652062726f6b657220686f6c647320" \
    "746869732076657273696f6e206f722061206e65776572206f6e65"
#define S_VECTOR_LISTED \
    "84a26f70a66c6973746564a673746174757300a27265c4101011121314151617" \
    "18191a1b1c1d1e1faa73746174656d656e747390"
#define S_VECTOR_PUSH \
    "83a26f70a470757368a673746174757300aa73746174656d656e747390"
#define S_VECTOR_LIST \
    "83a26f70a46c697374a673746174757300a46b696e64a7636174616c6f67"
#define S_VECTOR_LIST_ALL \
    "82a26f70a46c697374a673746174757300"
#define S_VECTOR_CRL \
    "83a26f70a363726ca673746174757300a474657874a863726c2074657874"
#define S_VECTOR_SYNC \
    "84a26f70a473796e63a673746174757300a565706f6368d92030313233343536" \
    "37383961626364656630313233343536373839616263646566a573696e636529"
#define S_VECTOR_PAGE \
    "87a26f70a470616765a673746174757300a27265c41010111213141516171819" \
    "1a1b1c1d1e1faa73746174656d656e747390a565706f6368a26162a46e657874" \
    "4da46d6f7265c3"

//  list kind catalog since 41; listed re (as above), no statements, next
//  77, more
#define S_VECTOR_LIST_PAGE \
    "84a26f70a46c697374a673746174757300a46b696e64a7636174616c6f67a573" \
    "696e636529"
#define S_VECTOR_LISTED_PAGE \
    "86a26f70a66c6973746564a673746174757300a27265c41010111213141516" \
    "1718191a1b1c1d1e1faa73746174656d656e747390a46e6578744da46d6f7265c3"

static void
s_test_vectors (bool verbose)
{
    order_t order = { "SH-PD-MSA", "market-violations", "case_no,kind", "tax-risk",
                      "《税收征收管理法》第五条" };
    order_answer_t answer = { "accepted", "《税收征收管理法》第五条", "AGR-ORD-TAX-0001" };
    msgpack_sbuffer encoded [11];
    for (int index = 0; index < 11; index++)
        msgpack_sbuffer_init (&encoded [index]);
    registry_order_encode (&order, &encoded [0]);
    registry_answer_encode (&answer, &encoded [1]);

    uint8_t seed [32], public_key [32], secret_key [64];
    memset (seed, 0x02, sizeof (seed));
    crypto_sign_seed_keypair (public_key, secret_key, seed);
    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-TAX-0001", 1,
                                            (uint8_t *) encoded [0].data, encoded [0].size);
    statement_set_issued (statement, INT64_C (1767225600000));
    statement_sign (statement, secret_key);
    zlistx_t *one = zlistx_new ();
    zlistx_add_end (one, statement);
    zlistx_t *none = zlistx_new ();
    const uint8_t re [ENVELOPE_ID_BYTES] = {
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
        0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
    registry_msg_encode (&encoded [2], "put", NULL, 0, NULL, NULL, one, NULL);
    registry_msg_encode (&encoded [3], "done", re, STATUS_STALE,
                         "the broker holds this version or a newer one", NULL, NULL, NULL);
    registry_msg_encode (&encoded [4], "listed", re, 0, NULL, NULL, none, NULL);
    registry_msg_encode (&encoded [5], "push", NULL, 0, NULL, NULL, none, NULL);
    registry_msg_encode (&encoded [6], "list", NULL, 0, NULL, STATEMENT_CATALOG, NULL, NULL);
    registry_msg_encode (&encoded [7], "list", NULL, 0, NULL, NULL, NULL, NULL);
    registry_msg_encode (&encoded [8], "crl", NULL, 0, NULL, NULL, NULL, "crl text");
    registry_sync_encode (&encoded [9], "0123456789abcdef0123456789abcdef", 41);
    registry_page_encode (&encoded [10], re, "ab", 77, true, none);
    const char *expected [11] = {
        S_VECTOR_ORDER, S_VECTOR_ANSWER, S_VECTOR_PUT, S_VECTOR_DONE, S_VECTOR_LISTED,
        S_VECTOR_PUSH, S_VECTOR_LIST, S_VECTOR_LIST_ALL, S_VECTOR_CRL, S_VECTOR_SYNC,
        S_VECTOR_PAGE
    };
    for (int index = 0; index < 11; index++)
        assert (codec_vector_equal (&encoded [index], expected [index], verbose));

    //  And they decode back
    order_t order_back;
    assert (registry_order_decode ((uint8_t *) encoded [0].data, encoded [0].size,
                                   &order_back) == STATUS_OK);
    assert (memcmp (&order, &order_back, sizeof (order)) == 0);
    order_answer_t answer_back;
    assert (registry_answer_decode ((uint8_t *) encoded [1].data, encoded [1].size,
                                    &answer_back) == STATUS_OK);
    assert (memcmp (&answer, &answer_back, sizeof (answer)) == 0);
    registry_msg_t msg;
    assert (registry_msg_decode ((uint8_t *) encoded [2].data, encoded [2].size,
                                 &msg) == STATUS_OK);
    assert (streq (msg.op, "put") && msg.statements->via.array.size == 1);
    const msgpack_object_bin *bin = &msg.statements->via.array.ptr [0].via.bin;
    size_t statement_size;
    const uint8_t *statement_bytes = statement_encoded (statement, &statement_size);
    assert (bin->size == statement_size && memcmp (bin->ptr, statement_bytes, bin->size) == 0);
    registry_msg_destroy (&msg);
    assert (registry_msg_decode ((uint8_t *) encoded [3].data, encoded [3].size,
                                 &msg) == STATUS_OK);
    assert (streq (msg.op, "done") && msg.status == STATUS_STALE);
    assert (memcmp (msg.re, re, ENVELOPE_ID_BYTES) == 0);
    assert (streq (msg.reason, "the broker holds this version or a newer one"));
    assert (!msg.statements && !msg.text && !*msg.kind && !*msg.epoch);
    registry_msg_destroy (&msg);
    assert (registry_msg_decode ((uint8_t *) encoded [6].data, encoded [6].size,
                                 &msg) == STATUS_OK);
    assert (streq (msg.op, "list") && streq (msg.kind, STATEMENT_CATALOG));
    registry_msg_destroy (&msg);
    assert (registry_msg_decode ((uint8_t *) encoded [8].data, encoded [8].size,
                                 &msg) == STATUS_OK);
    assert (msg.text_size == 8 && memcmp (msg.text, "crl text", 8) == 0);
    registry_msg_destroy (&msg);
    for (int index = 0; index < 11; index++)
        msgpack_sbuffer_destroy (&encoded [index]);
    //  A list in pages, and its answer's page
    msgpack_sbuffer paged;
    msgpack_sbuffer_init (&paged);
    registry_list_encode (&paged, STATEMENT_CATALOG, 41);
    assert (codec_vector_equal (&paged, S_VECTOR_LIST_PAGE, verbose));
    assert (registry_msg_decode ((uint8_t *) paged.data, paged.size, &msg) == STATUS_OK);
    assert (streq (msg.op, "list") && streq (msg.kind, STATEMENT_CATALOG));
    assert (msg.has_since && msg.since == 41);
    registry_msg_destroy (&msg);
    msgpack_sbuffer_clear (&paged);
    registry_listed_encode (&paged, re, 77, true, none);
    assert (codec_vector_equal (&paged, S_VECTOR_LISTED_PAGE, verbose));
    assert (registry_msg_decode ((uint8_t *) paged.data, paged.size, &msg) == STATUS_OK);
    assert (streq (msg.op, "listed") && msg.has_next && msg.next == 77 && msg.more);
    assert (!msg.has_epoch && msg.statements->via.array.size == 0);
    registry_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&paged);
    zlistx_destroy (&one);
    zlistx_destroy (&none);
    statement_destroy (&statement);
}

void
registry_test (bool verbose)
{
    if (verbose)
        printf (" * registry: ");
    assert (fields_valid (&s_msg) && fields_valid (&s_order) && fields_valid (&s_answer));
    s_test_vectors (verbose);
    uint8_t public_key [32], secret_key [64];
    crypto_sign_keypair (public_key, secret_key);

    //  An order inside a signed statement inside a put
    order_t order;
    memset (&order, 0, sizeof (order));
    strcpy (order.provider, "SH-PD-TAX");
    strcpy (order.item, "taxpayer-status");
    strcpy (order.fields, "tax_status");
    strcpy (order.purpose, "food-licensing");
    strcpy (order.legal_basis, "《食品经营许可管理办法》");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-FDA", "ORD-1", 1,
                                            (uint8_t *) buffer.data, buffer.size);
    statement_sign (statement, secret_key);
    msgpack_sbuffer_destroy (&buffer);
    zlistx_t *list = zlistx_new ();
    zlistx_add_end (list, statement);
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, list, NULL);
    registry_msg_t msg;
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &msg) == STATUS_OK);
    assert (streq (msg.op, "put"));
    assert (msg.statements && msg.statements->via.array.size == 1);
    const msgpack_object_bin *bin = &msg.statements->via.array.ptr [0].via.bin;
    statement_t *back = statement_decode ((const uint8_t *) bin->ptr, bin->size);
    assert (back && statement_verify (back, public_key) == 0);
    order_t order_back;
    assert (registry_order_decode (statement_payload (back),
                                   statement_payload_size (back), &order_back) == STATUS_OK);
    assert (streq (order_back.legal_basis, order.legal_basis));
    statement_destroy (&back);
    registry_msg_destroy (&msg);
    s_test_truncations (&buffer);
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&list);
    statement_destroy (&statement);

    //  A reply with a status
    uint8_t re [ENVELOPE_ID_BYTES] = { 1, 2, 3 };
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "done", re, STATUS_BAD_SIGNATURE, "consumer did not sign",
                         NULL, NULL, NULL);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &msg) == STATUS_OK);
    assert (msg.status == STATUS_BAD_SIGNATURE && msg.re [2] == 3);
    assert (!msg.statements && !msg.text);
    registry_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&buffer);

    //  A sync and its page
    msgpack_sbuffer_init (&buffer);
    registry_sync_encode (&buffer, "0123456789abcdef0123456789abcdef", 41);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &msg) == STATUS_OK);
    assert (streq (msg.op, "sync") && msg.since == 41 && !msg.more && msg.next == 0);
    assert (streq (msg.epoch, "0123456789abcdef0123456789abcdef"));
    registry_msg_destroy (&msg);
    msgpack_sbuffer_destroy (&buffer);
    list = zlistx_new ();
    msgpack_sbuffer_init (&buffer);
    registry_page_encode (&buffer, re, "ab", 77, true, list);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &msg) == STATUS_OK);
    assert (streq (msg.op, "page") && msg.next == 77 && msg.more && msg.re [2] == 3);
    assert (msg.statements && msg.statements->via.array.size == 0);
    registry_msg_destroy (&msg);
    s_test_truncations (&buffer);
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&list);
    //  "more" must be a boolean, "since" an unsigned integer
    const char *bad_more = "\x83\xa2op\xa4page\xa6status\x00\xa4more\x01";
    assert (registry_msg_decode ((const uint8_t *) bad_more, 23, &msg) == STATUS_MALFORMED);
    registry_msg_destroy (&msg);
    const char *bad_since = "\x83\xa2op\xa4sync\xa6status\x00\xa5since\xff";
    assert (registry_msg_decode ((const uint8_t *) bad_since, 24, &msg) == STATUS_MALFORMED);
    registry_msg_destroy (&msg);

    //  An order without its legal basis, an answer refusing without one
    strcpy (order.legal_basis, "");
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    assert (registry_order_decode ((uint8_t *) buffer.data, buffer.size, &order_back)
            == STATUS_MALFORMED);
    msgpack_sbuffer_destroy (&buffer);
    order_answer_t answer = { "refused", "", "" };
    msgpack_sbuffer_init (&buffer);
    registry_answer_encode (&answer, &buffer);
    order_answer_t answer_back;
    assert (registry_answer_decode ((uint8_t *) buffer.data, buffer.size, &answer_back)
            == STATUS_MALFORMED);
    msgpack_sbuffer_destroy (&buffer);
    strcpy (answer.legal_basis, "《税收征收管理法》第八条");
    msgpack_sbuffer_init (&buffer);
    registry_answer_encode (&answer, &buffer);
    assert (registry_answer_decode ((uint8_t *) buffer.data, buffer.size, &answer_back)
            == STATUS_OK);
    msgpack_sbuffer_destroy (&buffer);
    if (verbose)
        printf ("OK\n");
}
