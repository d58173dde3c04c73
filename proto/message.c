/*  message.c -- payloads of the message types, as msgpack maps: each
    type's keys in one table (fields.h) that both its encoder and its
    decoder read, in the order and with the bounds of PROTOCOL.md 6.  */

#include "message.h"
#include "codec.h"
#include "fields.h"
#include "status.h"

//  The sender's audit head, as QUERY, RESPONSE and ERROR carry it: both
//  keys or neither, written only for a head (seq > 0); audit_seq 1 to
//  MESSAGE_HEAD_SEQ_MAX, audit_head 32 bytes (PROTOCOL.md 6.3)
#define S_HEAD_ROWS(type) \
    { "audit_seq",  FIELDS_UINT, FIELDS_AT (type, head.seq), .max = MESSAGE_HEAD_SEQ_MAX, \
      .flags = FIELDS_OMIT_EMPTY | FIELDS_NOT_EMPTY }, \
    { "audit_head", FIELDS_BIN,  FIELDS_AT (type, head.hash), \
      .flags = FIELDS_WITH_PREVIOUS }

//  QUERY (PROTOCOL.md 6.3)
static const fields_row_t s_query_rows [] = {
    { "item",    FIELDS_STR, FIELDS_AT (message_query_t, item), .flags = FIELDS_REQUIRED },
    { "key",     FIELDS_STR, FIELDS_AT (message_query_t, key), .flags = FIELDS_REQUIRED },
    { "fields",  FIELDS_STR, FIELDS_AT (message_query_t, fields) },
    { "purpose", FIELDS_STR, FIELDS_AT (message_query_t, purpose) },
    { "officer", FIELDS_STR, FIELDS_AT (message_query_t, officer) },
    { "role",    FIELDS_STR, FIELDS_AT (message_query_t, role) },
    S_HEAD_ROWS (message_query_t)
};
static const fields_t s_query =
    FIELDS_TABLE ("QUERY", message_query_t, s_query_rows, NULL);

//  RESPONSE (6.4): its rows come last, so that the source can pack them
//  after the rest (message_response_begin_head)
static const fields_row_t s_response_rows [] = {
    { "re",        FIELDS_BIN,   FIELDS_AT (message_response_t, re),
      .flags = FIELDS_REQUIRED },
    { "item",      FIELDS_STR,   FIELDS_AT (message_response_t, item),
      .flags = FIELDS_REQUIRED },
    { "status",    FIELDS_UINT,  FIELDS_AT (message_response_t, status),
      .max = STATUS_NOT_FOUND, .flags = FIELDS_REQUIRED },
    { "served_at", FIELDS_UINT,  FIELDS_AT (message_response_t, served_at),
      .max = UINT64_MAX, .flags = FIELDS_REQUIRED },
    { "agreement", FIELDS_STR,   FIELDS_AT (message_response_t, agreement) },
    S_HEAD_ROWS (message_response_t),
    { "rows",      FIELDS_ARRAY, FIELDS_AT (message_response_t, rows),
      .element = MSGPACK_OBJECT_MAP, .flags = FIELDS_REQUIRED },
};
static const fields_t s_response =
    FIELDS_TABLE_UNPACKED ("RESPONSE", message_response_t, unpacked, s_response_rows, NULL);

//  ERROR (6.5)
static const fields_row_t s_error_rows [] = {
    { "re",     FIELDS_BIN,  FIELDS_AT (message_error_t, re), .flags = FIELDS_REQUIRED },
    { "code",   FIELDS_UINT, FIELDS_AT (message_error_t, code), .max = 999,
      .flags = FIELDS_REQUIRED },
    { "reason", FIELDS_STR,  FIELDS_AT (message_error_t, reason) },
    { "field",  FIELDS_STR,  FIELDS_AT (message_error_t, field) },
    S_HEAD_ROWS (message_error_t)
};
static const fields_t s_error =
    FIELDS_TABLE ("ERROR", message_error_t, s_error_rows, NULL);

//  HELLO (6.1): both keys or neither; version 0 (nothing held) is the
//  empty map
typedef struct {
    uint64_t epoch;
    uint64_t version;
} s_hello_t;

static const fields_row_t s_hello_rows [] = {
    { "epoch",   FIELDS_UINT, FIELDS_AT (s_hello_t, epoch), .max = UINT64_MAX },
    { "version", FIELDS_UINT, FIELDS_AT (s_hello_t, version), .max = UINT64_MAX,
      .flags = FIELDS_OMIT_EMPTY | FIELDS_WITH_PREVIOUS },
};
static const fields_t s_hello =
    FIELDS_TABLE ("HELLO", s_hello_t, s_hello_rows, NULL);

//  WELCOME and DIRECTORY (6.2), one table for both
#define S_PAGE_ROW(key, member, largest) \
    { key, FIELDS_UINT, FIELDS_AT (message_directory_t, page.member), .max = (largest), \
      .flags = FIELDS_REQUIRED }
static const fields_row_t s_page_rows [] = {
    { "broker", FIELDS_STR, FIELDS_AT (message_directory_t, page.broker),
      .flags = FIELDS_REQUIRED },
    S_PAGE_ROW ("heartbeat_ms", heartbeat_ms, 3600000),
    S_PAGE_ROW ("epoch", epoch, UINT64_MAX),
    S_PAGE_ROW ("version", version, UINT64_MAX),
    S_PAGE_ROW ("since", since, UINT64_MAX),        //  not above version
    S_PAGE_ROW ("page", page, UINT64_MAX),          //  not above pages
    S_PAGE_ROW ("pages", pages, MESSAGE_PAGES_MAX),
    { "certs", FIELDS_ARRAY, FIELDS_AT (message_directory_t, certs),
      .element = MSGPACK_OBJECT_STR, .flags = FIELDS_REQUIRED },
    { "crl", FIELDS_BIN_REF, FIELDS_AT (message_directory_t, crl_piece),
      .max = MESSAGE_CRL_MAX, FIELDS_LENGTH (message_directory_t, crl_piece_size),
      .flags = FIELDS_REQUIRED },              //  not larger than crl_size
    S_PAGE_ROW ("crl_size", crl_size, MESSAGE_CRL_MAX),
};

static int
s_page_check (const void *record)
{
    const message_directory_t *directory = (const message_directory_t *) record;
    const message_page_t *page = &directory->page;
    return page->since <= page->version && page->page <= page->pages
        && directory->crl_piece_size <= page->crl_size? 0: -1;
}

static const fields_t s_page =
    FIELDS_TABLE_UNPACKED ("DIRECTORY", message_directory_t, unpacked, s_page_rows,
                           s_page_check);

int
message_query_encode (const message_query_t *query, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_query, query, buffer);
}

int
message_query_decode (const uint8_t *data, size_t size, message_query_t *query)
{
    return fields_decode (&s_query, data, size, query);
}

int
message_error_encode (const message_error_t *error, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_error, error, buffer);
}

int
message_error_decode (const uint8_t *data, size_t size, message_error_t *error)
{
    return fields_decode (&s_error, data, size, error);
}

int
message_response_begin (msgpack_packer *pk, const uint8_t *re,
                        const char *item, int status,
                        uint64_t served_at, const char *agreement)
{
    return message_response_begin_head (pk, re, item, status, served_at, agreement, NULL);
}

int
message_response_begin_head (msgpack_packer *pk, const uint8_t *re,
                             const char *item, int status,
                             uint64_t served_at, const char *agreement,
                             const message_head_t *head)
{
    message_response_t response;
    memset (&response, 0, sizeof (response));
    memcpy (response.re, re, ENVELOPE_ID_BYTES);
    response.status = (uint32_t) status;
    response.served_at = served_at;
    if (head)
        response.head = *head;
    if (fields_set_str (response.item, sizeof (response.item), item)
    ||  fields_set_str (response.agreement, sizeof (response.agreement), agreement))
        return -1;
    return fields_pack_open (&s_response, &response, pk);
}

int
message_response_decode (const uint8_t *data, size_t size,
                         message_response_t *response)
{
    return fields_decode (&s_response, data, size, response);
}

void
message_response_destroy (message_response_t *response)
{
    fields_destroy (&s_response, response);
}

int
message_hello_encode (uint64_t epoch, uint64_t version, msgpack_sbuffer *buffer)
{
    s_hello_t hello = { epoch, version };
    return fields_encode (&s_hello, &hello, buffer);
}

int
message_hello_decode (const uint8_t *data, size_t size,
                      uint64_t *epoch, uint64_t *version)
{
    s_hello_t hello;
    int status = fields_decode (&s_hello, data, size, &hello);
    *epoch = hello.epoch;
    *version = hello.version;
    return status;
}

int
message_directory_encode (const message_page_t *page,
                          const char *const *cert_texts, size_t count,
                          const uint8_t *crl_piece, size_t crl_piece_size,
                          msgpack_sbuffer *buffer)
{
    //  The texts as the array object the table writes
    msgpack_object *texts = (msgpack_object *) calloc (count? count: 1, sizeof (msgpack_object));
    assert (texts);
    for (size_t index = 0; index < count; index++) {
        texts [index].type = MSGPACK_OBJECT_STR;
        texts [index].via.str.ptr = cert_texts [index];
        texts [index].via.str.size = (uint32_t) strlen (cert_texts [index]);
    }
    msgpack_object certs = { .type = MSGPACK_OBJECT_ARRAY };
    certs.via.array.size = (uint32_t) count;
    certs.via.array.ptr = texts;
    message_directory_t directory;
    memset (&directory, 0, sizeof (directory));
    directory.page = *page;
    directory.certs = &certs;
    directory.crl_piece = crl_piece;
    directory.crl_piece_size = crl_piece_size;
    int rc = fields_encode (&s_page, &directory, buffer);
    free (texts);
    return rc;
}

int
message_directory_decode (const uint8_t *data, size_t size,
                          message_directory_t *directory)
{
    return fields_decode (&s_page, data, size, directory);
}

void
message_directory_destroy (message_directory_t *directory)
{
    fields_destroy (&s_page, directory);
}

//  Test vectors of PROTOCOL.md (the QUERY payload is also envelope_test's)
#define S_VECTOR_QUERY \
    "86a46974656db0656e74657270726973652d6261736963a36b6579b239313331" \
    "303131354d41314b334254503242a66669656c6473ac6e616d652c6164647265" \
    "7373a7707572706f7365b07461782d726567697374726174696f6ea76f666669" \
    "636572a957616e672046616e67a4726f6c65a761756469746f72"
#define S_VECTOR_ERROR \
    "84a27265c410101112131415161718191a1b1c1d1e1fa4636f6465cc84a67265" \
    "61736f6ed9356e6f2061677265656d656e7420666f722053482d50442d544158" \
    "20746f20726561642027656e74657270726973652d626173696327a56669656c" \
    "64a0"
#define S_VECTOR_RESPONSE \
    "86a27265c410101112131415161718191a1b1c1d1e1fa46974656db0656e7465" \
    "7270726973652d6261736963a673746174757300a97365727665645f6174cf00" \
    "00019b76daa87ba961677265656d656e74a0a4726f77739182a46e616d65bee4" \
    "b88ae6b5b7e6b5a6e4b89ce6b58be8af95e69c89e99990e585ace58fb8a76164" \
    "6472657373d924e4b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cbae5bca0e6" \
    "b19fe8b7af313233e58fb7"
#define S_VECTOR_WELCOME \
    "8aa662726f6b6572a642524f4b4552ac6865617274626561745f6d73cd03e8a5" \
    "65706f6368cf1122334455667788a776657273696f6e03a573696e636500a470" \
    "61676500a5706167657301a5636572747390a363726cc400a863726c5f73697a" \
    "6508"
#define S_VECTOR_PAGE \
    "8aa662726f6b6572a642524f4b4552ac6865617274626561745f6d73cd03e8a5" \
    "65706f6368cf1122334455667788a776657273696f6e03a573696e636500a470" \
    "61676501a5706167657301a5636572747391a9636572742074657874a363726c" \
    "c40863726c2074657874a863726c5f73697a6508"
#define S_VECTOR_HELLO \
    "82a565706f6368cf1122334455667788a776657273696f6e03"
#define S_VECTOR_QUERY_HEAD \
    "88a46974656db0656e74657270726973652d6261736963a36b6579b239313331" \
    "303131354d41314b334254503242a66669656c6473ac6e616d652c6164647265" \
    "7373a7707572706f7365b07461782d726567697374726174696f6ea76f666669" \
    "636572a957616e672046616e67a4726f6c65a761756469746f72a96175646974" \
    "5f7365712aaa61756469745f68656164c420abababababababababababababab" \
    "abababababababababababababababababab"
#define S_VECTOR_ERROR_HEAD \
    "86a27265c410101112131415161718191a1b1c1d1e1fa4636f6465cc84a67265" \
    "61736f6ed9356e6f2061677265656d656e7420666f722053482d50442d544158" \
    "20746f20726561642027656e74657270726973652d626173696327a56669656c" \
    "64a0a961756469745f7365712aaa61756469745f68656164c420abababababab" \
    "abababababababababababababababababababababababababab"
#define S_VECTOR_RESPONSE_HEAD \
    "88a27265c410101112131415161718191a1b1c1d1e1fa46974656db0656e7465" \
    "7270726973652d6261736963a673746174757300a97365727665645f6174cf00" \
    "00019b76daa87ba961677265656d656e74a0a961756469745f7365712aaa6175" \
    "6469745f68656164c420abababababababababababababababababababababab" \
    "ababababababababababa4726f777390"

void
message_test (bool verbose)
{
    if (verbose)
        printf (" * message: ");
    assert (fields_valid (&s_query) && fields_valid (&s_response) && fields_valid (&s_error)
            && fields_valid (&s_hello) && fields_valid (&s_page));
    msgpack_sbuffer buffer;

    //  Test vectors: each payload encodes to the documented bytes, and those
    //  bytes decode to it
    {
        message_query_t query = { "enterprise-basic", "91310115MA1K3BTP2B",
                                  "name,address", "tax-registration", "Wang Fang",
                                  "auditor" };
        message_error_t error = {
            { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
              0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f },
            STATUS_NO_AGREEMENT,
            "no agreement for SH-PD-TAX to read 'enterprise-basic'", "" };
        msgpack_sbuffer encoded [6];
        for (int index = 0; index < 6; index++)
            msgpack_sbuffer_init (&encoded [index]);
        message_query_encode (&query, &encoded [0]);
        message_error_encode (&error, &encoded [1]);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &encoded [2], msgpack_sbuffer_write);
        message_response_begin (&pk, error.re, "enterprise-basic", STATUS_OK,
                                1767225600123ULL, "");
        msgpack_pack_array (&pk, 1);
        msgpack_pack_map (&pk, 2);
        codec_pack_kv_str (&pk, "name", "上海浦东测试有限公司");
        codec_pack_kv_str (&pk, "address", "上海市浦东新区张江路123号");
        message_page_t welcome = { "BROKER", 1000, 0x1122334455667788ULL, 3, 0, 0, 1, 8 };
        message_directory_encode (&welcome, NULL, 0, NULL, 0, &encoded [3]);
        message_page_t page = welcome;
        page.page = 1;
        const char *cert_texts [] = { "cert text" };
        message_directory_encode (&page, cert_texts, 1, (const uint8_t *) "crl text", 8,
                                  &encoded [4]);
        message_hello_encode (0x1122334455667788ULL, 3, &encoded [5]);
        const char *expected [6] = {
            S_VECTOR_QUERY, S_VECTOR_ERROR, S_VECTOR_RESPONSE, S_VECTOR_WELCOME,
            S_VECTOR_PAGE, S_VECTOR_HELLO
        };
        for (int index = 0; index < 6; index++)
            assert (codec_vector_equal (&encoded [index], expected [index], verbose));
        message_query_t query_back;
        assert (message_query_decode ((uint8_t *) encoded [0].data, encoded [0].size,
                                      &query_back) == STATUS_OK);
        assert (memcmp (&query, &query_back, sizeof (query)) == 0);
        assert (query_back.head.seq == 0);      //  no head keys: none
        message_error_t error_back;
        assert (message_error_decode ((uint8_t *) encoded [1].data, encoded [1].size,
                                      &error_back) == STATUS_OK);
        assert (memcmp (&error, &error_back, sizeof (error)) == 0);
        message_response_t response_back;
        assert (message_response_decode ((uint8_t *) encoded [2].data, encoded [2].size,
                                         &response_back) == STATUS_OK);
        assert (response_back.head.seq == 0);
        assert (response_back.status == STATUS_OK);
        assert (response_back.served_at == 1767225600123ULL);
        assert (memcmp (response_back.re, error.re, ENVELOPE_ID_BYTES) == 0);
        assert (response_back.rows->via.array.size == 1);
        assert (response_back.rows->via.array.ptr [0].via.map.size == 2);
        message_response_destroy (&response_back);
        message_directory_t directory_back;
        assert (message_directory_decode ((uint8_t *) encoded [3].data, encoded [3].size,
                                          &directory_back) == STATUS_OK);
        assert (memcmp (&directory_back.page, &welcome, sizeof (welcome)) == 0);
        assert (directory_back.certs->via.array.size == 0);
        assert (directory_back.crl_piece_size == 0);
        message_directory_destroy (&directory_back);
        assert (message_directory_decode ((uint8_t *) encoded [4].data, encoded [4].size,
                                          &directory_back) == STATUS_OK);
        assert (memcmp (&directory_back.page, &page, sizeof (page)) == 0);
        assert (directory_back.certs->via.array.size == 1);
        assert (directory_back.crl_piece_size == 8);
        assert (memcmp (directory_back.crl_piece, "crl text", 8) == 0);
        message_directory_destroy (&directory_back);
        uint64_t epoch, version;
        assert (message_hello_decode ((uint8_t *) encoded [5].data, encoded [5].size,
                                      &epoch, &version) == STATUS_OK);
        assert (epoch == 0x1122334455667788ULL && version == 3);

        //  The same payloads carrying an audit head {seq 42, hash 32 x ab}
        message_head_t head = { 42, { 0 } };
        memset (head.hash, 0xab, MESSAGE_HEAD_BYTES);
        query.head = head;
        error.head = head;
        for (int index = 0; index < 3; index++)
            msgpack_sbuffer_clear (&encoded [index]);
        message_query_encode (&query, &encoded [0]);
        message_error_encode (&error, &encoded [1]);
        msgpack_packer_init (&pk, &encoded [2], msgpack_sbuffer_write);
        message_response_begin_head (&pk, error.re, "enterprise-basic", STATUS_OK,
                                     1767225600123ULL, "", &head);
        msgpack_pack_array (&pk, 0);
        const char *with_head [3] = {
            S_VECTOR_QUERY_HEAD, S_VECTOR_ERROR_HEAD, S_VECTOR_RESPONSE_HEAD
        };
        for (int index = 0; index < 3; index++)
            assert (codec_vector_equal (&encoded [index], with_head [index], verbose));
        assert (message_query_decode ((uint8_t *) encoded [0].data, encoded [0].size,
                                      &query_back) == STATUS_OK);
        assert (memcmp (&query, &query_back, sizeof (query)) == 0);
        assert (message_error_decode ((uint8_t *) encoded [1].data, encoded [1].size,
                                      &error_back) == STATUS_OK);
        assert (memcmp (&error, &error_back, sizeof (error)) == 0);
        assert (message_response_decode ((uint8_t *) encoded [2].data, encoded [2].size,
                                         &response_back) == STATUS_OK);
        assert (response_back.head.seq == 42);
        assert (memcmp (response_back.head.hash, head.hash, MESSAGE_HEAD_BYTES) == 0);
        message_response_destroy (&response_back);
        for (int index = 0; index < 6; index++)
            msgpack_sbuffer_destroy (&encoded [index]);
    }

    //  The largest RESPONSE without its rows fits MESSAGE_RESPONSE_OVERHEAD,
    //  with the audit head keys at their largest (audit_seq 2^63-1) and the
    //  rows' largest array header (ITEM_ROWS_MAX rows: array 16)
    {
        uint8_t re [ENVELOPE_ID_BYTES] = { 0 };
        char longest [MESSAGE_ITEM_MAX + 1];
        memset (longest, 'x', MESSAGE_ITEM_MAX);
        longest [MESSAGE_ITEM_MAX] = 0;
        message_head_t head = { MESSAGE_HEAD_SEQ_MAX, { 0 } };
        memset (head.hash, 0xff, MESSAGE_HEAD_BYTES);
        msgpack_sbuffer_init (&buffer);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        message_response_begin (&pk, re, longest, 999, UINT64_MAX, longest);
        msgpack_pack_array (&pk, 65535);
        size_t headless = buffer.size;
        msgpack_sbuffer_clear (&buffer);
        message_response_begin_head (&pk, re, longest, 999, UINT64_MAX, longest, &head);
        msgpack_pack_array (&pk, 65535);
        assert (buffer.size == headless + MESSAGE_HEAD_KEYS_MAX);
        assert (buffer.size <= MESSAGE_RESPONSE_OVERHEAD);
        msgpack_sbuffer_destroy (&buffer);
    }

    //  A head is both keys or neither, seq 1..2^63-1, hash 32 bytes
    {
        message_query_t query_back;
        msgpack_packer pk;
        struct {
            bool seq, hash;
            uint64_t seq_value;
            size_t hash_size;
        } bad [] = {
            { true, false, 42, 32 }, { false, true, 42, 32 }, { true, true, 0, 32 },
            { true, true, (uint64_t) INT64_MAX + 1, 32 }, { true, true, 42, 31 },
            { true, true, 42, 33 }
        };
        for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++) {
            msgpack_sbuffer bent;
            msgpack_sbuffer_init (&bent);
            msgpack_packer_init (&pk, &bent, msgpack_sbuffer_write);
            msgpack_pack_map (&pk, 2 + bad [index].seq + bad [index].hash);
            codec_pack_kv_str (&pk, "item", "x");
            codec_pack_kv_str (&pk, "key", "y");
            uint8_t hash [33] = { 0 };
            if (bad [index].seq)
                codec_pack_kv_uint (&pk, "audit_seq", bad [index].seq_value);
            if (bad [index].hash)
                codec_pack_kv_bin (&pk, "audit_head", hash, bad [index].hash_size);
            assert (message_query_decode ((uint8_t *) bent.data, bent.size,
                                          &query_back) == STATUS_MALFORMED);
            msgpack_sbuffer_destroy (&bent);
        }
    }

    //  Query round trip, and every truncation refused
    message_query_t query = { "enterprise-basic", "91310115MA1K3BTP2B",
                              "name,address", "credit-check", "Li Wei", "inspector" };
    msgpack_sbuffer_init (&buffer);
    message_query_encode (&query, &buffer);
    message_query_t back;
    assert (message_query_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_OK);
    assert (memcmp (&query, &back, sizeof (query)) == 0);
    for (size_t size = 0; size < buffer.size; size++)
        assert (message_query_decode ((uint8_t *) buffer.data, size, &back) == STATUS_MALFORMED);
    msgpack_sbuffer_destroy (&buffer);

    //  An oversized key is refused, not truncated
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "item", "x");
    char long_key [MESSAGE_KEY_MAX + 2];
    memset (long_key, 'A', sizeof (long_key) - 1);
    long_key [sizeof (long_key) - 1] = 0;
    codec_pack_kv_str (&pk, "key", long_key);
    assert (message_query_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_MALFORMED);
    msgpack_sbuffer_destroy (&buffer);

    //  Type confusion: a map where a string should be
    msgpack_sbuffer_init (&buffer);
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "item", "x");
    codec_pack_str (&pk, "key");
    msgpack_pack_map (&pk, 0);
    assert (message_query_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_MALFORMED);
    msgpack_sbuffer_destroy (&buffer);

    //  Error round trip
    message_error_t error = { { 1, 2, 3 }, STATUS_NO_AGREEMENT, "no agreement", "" };
    msgpack_sbuffer_init (&buffer);
    message_error_encode (&error, &buffer);
    message_error_t error_back;
    assert (message_error_decode ((uint8_t *) buffer.data, buffer.size, &error_back) == STATUS_OK);
    assert (error_back.code == STATUS_NO_AGREEMENT);
    assert (streq (error_back.reason, "no agreement"));
    msgpack_sbuffer_destroy (&buffer);

    //  Response with rows
    uint8_t re [ENVELOPE_ID_BYTES] = { 9 };
    msgpack_sbuffer_init (&buffer);
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    message_response_begin (&pk, re, "enterprise-basic", STATUS_OK, 1234, "");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 1);
    codec_pack_kv_str (&pk, "name", "上海浦东测试有限公司");
    message_response_t response;
    assert (message_response_decode ((uint8_t *) buffer.data, buffer.size, &response) == STATUS_OK);
    assert (response.rows->via.array.size == 1);
    assert (response.served_at == 1234);
    message_response_destroy (&response);
    msgpack_sbuffer_destroy (&buffer);

    //  Directory pages: every truncation refused; a page number above the
    //  count, a piece larger than the list, a delta from beyond its own
    //  version refused
    message_page_t page = { "BROKER", 500, 7, 9, 4, 2, 3, 20 };
    const char *texts [] = { "cert one", "cert two" };
    msgpack_sbuffer_init (&buffer);
    message_directory_encode (&page, texts, 2, (const uint8_t *) "piece", 5, &buffer);
    message_directory_t directory;
    assert (message_directory_decode ((uint8_t *) buffer.data, buffer.size, &directory) == STATUS_OK);
    assert (directory.certs->via.array.size == 2);
    assert (streq (directory.page.broker, "BROKER"));
    message_directory_destroy (&directory);
    for (size_t size = 0; size < buffer.size; size++) {
        assert (message_directory_decode ((uint8_t *) buffer.data, size, &directory)
                == STATUS_MALFORMED);
        assert (!directory.certs);
        message_directory_destroy (&directory);
    }
    msgpack_sbuffer_destroy (&buffer);
    message_page_t bad [] = {
        { "BROKER", 500, 7, 9, 4, 4, 3, 20 },       //  page 4 of 3
        { "BROKER", 500, 7, 9, 4, 2, 3, 4 },        //  piece of 5 in a list of 4
        { "BROKER", 500, 7, 9, 10, 2, 3, 20 },      //  since 10, version 9
        { "BROKER", 500, 7, 9, 4, 2, 3, MESSAGE_CRL_MAX + 1 },
        { "BROKER", 500, 7, 9, 4, 2, MESSAGE_PAGES_MAX + 1, 20 },
    };
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++) {
        msgpack_sbuffer_init (&buffer);
        message_directory_encode (&bad [index], texts, 2, (const uint8_t *) "piece", 5, &buffer);
        assert (message_directory_decode ((uint8_t *) buffer.data, buffer.size, &directory)
                == STATUS_MALFORMED);
        message_directory_destroy (&directory);
        msgpack_sbuffer_destroy (&buffer);
    }

    //  HELLO: the empty map holds nothing; an epoch without a version, or
    //  a signed or oversized value, is refused
    uint64_t epoch = 1, version = 1;
    assert (message_hello_decode ((const uint8_t *) "\x80", 1, &epoch, &version) == STATUS_OK);
    assert (epoch == 0 && version == 0);
    msgpack_sbuffer_init (&buffer);
    message_hello_encode (5, 0, &buffer);
    assert (buffer.size == 1 && (uint8_t) buffer.data [0] == 0x80);
    msgpack_sbuffer_destroy (&buffer);
    const char *bad_hellos [] = {
        "\x81\xa5" "epoch" "\x01",
        "\x82\xa5" "epoch" "\x01\xa7" "version" "\xff",
        "\x82\xa5" "epoch" "\x01\xa7" "version" "\xa1" "x",
        "\x91\x01",
    };
    size_t bad_sizes [] = { 8, 17, 18, 2 };
    for (size_t index = 0; index < 4; index++)
        assert (message_hello_decode ((const uint8_t *) bad_hellos [index], bad_sizes [index],
                                      &epoch, &version) == STATUS_MALFORMED);

    if (verbose)
        printf ("OK\n");
}
