/*  notice.c -- the payloads of NOTICE, ALERT, RECEIPT and ACK: each
    type's keys in one table (fields.h) that both its encoder and its
    decoder read, in the order and with the bounds of PROTOCOL.md 17.  */

#include "notice.h"
#include "codec.h"
#include "fields.h"
#include "status.h"
#include <sodium.h>

//  NOTICE (17.2)
static int s_notice_check (const void *record);

static const fields_row_t s_notice_rows [] = {
    { "notice",     FIELDS_BIN, FIELDS_AT (notice_msg_t, notice), .flags = FIELDS_REQUIRED },
    { "kind",       FIELDS_STR, FIELDS_AT (notice_msg_t, kind),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "key_type",   FIELDS_STR, FIELDS_AT (notice_msg_t, key_type),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "key",        FIELDS_STR, FIELDS_AT (notice_msg_t, key),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "fields",     FIELDS_MAP, FIELDS_AT (notice_msg_t, fields), .element = FIELDS_ANY,
      .flags = FIELDS_REQUIRED },
    { "basis",      FIELDS_STR, FIELDS_AT (notice_msg_t, basis) },
    { "deadline",   FIELDS_UINT, FIELDS_AT (notice_msg_t, deadline), .max = UINT64_MAX,
      .flags = FIELDS_OMIT_EMPTY },
    { "officer",    FIELDS_STR, FIELDS_AT (notice_msg_t, officer) },
    { "recipients", FIELDS_STR, FIELDS_AT (notice_msg_t, recipients) },
};
static const fields_t s_notice =
    FIELDS_TABLE_UNPACKED ("NOTICE", notice_msg_t, unpacked, s_notice_rows, s_notice_check);

//  ALERT (17.3): a subject key is optional, its type with it
static const fields_row_t s_alert_rows [] = {
    { "alert",    FIELDS_BIN, FIELDS_AT (notice_alert_t, alert), .flags = FIELDS_REQUIRED },
    { "topic",    FIELDS_STR, FIELDS_AT (notice_alert_t, topic),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "severity", FIELDS_STR, FIELDS_AT (notice_alert_t, severity),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "key_type", FIELDS_STR, FIELDS_AT (notice_alert_t, key_type),
      .flags = FIELDS_OMIT_EMPTY | FIELDS_NOT_EMPTY },
    { "key",      FIELDS_STR, FIELDS_AT (notice_alert_t, key),
      .flags = FIELDS_WITH_PREVIOUS | FIELDS_NOT_EMPTY },
    { "text",     FIELDS_STR, FIELDS_AT (notice_alert_t, text),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "officer",  FIELDS_STR, FIELDS_AT (notice_alert_t, officer) },
};
static const fields_t s_alert =
    FIELDS_TABLE ("ALERT", notice_alert_t, s_alert_rows, NULL);

//  RECEIPT (17.4)
static int s_receipt_check (const void *record);

static const fields_row_t s_receipt_rows [] = {
    { "copy",    FIELDS_BIN,  FIELDS_AT (notice_receipt_t, copy), .flags = FIELDS_REQUIRED },
    { "state",   FIELDS_STR,  FIELDS_AT (notice_receipt_t, state), .flags = FIELDS_REQUIRED },
    { "at",      FIELDS_UINT, FIELDS_AT (notice_receipt_t, at), .max = UINT64_MAX,
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "result",  FIELDS_STR,  FIELDS_AT (notice_receipt_t, result), .flags = FIELDS_OMIT_EMPTY },
    { "reason",  FIELDS_STR,  FIELDS_AT (notice_receipt_t, reason), .flags = FIELDS_OMIT_EMPTY },
    { "officer", FIELDS_STR,  FIELDS_AT (notice_receipt_t, officer), .flags = FIELDS_OMIT_EMPTY },
    { "code",    FIELDS_UINT, FIELDS_AT (notice_receipt_t, code), .max = 999,
      .flags = FIELDS_OMIT_EMPTY },
};
static const fields_t s_receipt =
    FIELDS_TABLE ("RECEIPT", notice_receipt_t, s_receipt_rows, s_receipt_check);

//  ACK (17.5); QUEUED, the broker's, is queued.c's (6.7)
typedef struct {
    uint8_t id [NOTICEID_BYTES];
} s_ids_t;

static const fields_row_t s_ack_rows [] = {
    { "receipt", FIELDS_BIN, FIELDS_AT (s_ids_t, id), .flags = FIELDS_REQUIRED },
};
static const fields_t s_ack = FIELDS_TABLE ("ACK", s_ids_t, s_ack_rows, NULL);

//  A NOTICE's fields: at most NOTICE_FIELDS_MAX, each a name of 1 ..
//  NOTICE_NAME_MAX bytes with a scalar value (FIELDS_MAP checked the keys
//  are str)
static int
s_notice_check (const void *record)
{
    const msgpack_object *fields = ((const notice_msg_t *) record)->fields;
    if (fields->via.map.size > NOTICE_FIELDS_MAX)
        return -1;
    for (uint32_t index = 0; index < fields->via.map.size; index++) {
        const msgpack_object *key = &fields->via.map.ptr [index].key;
        const msgpack_object *value = &fields->via.map.ptr [index].val;
        if (key->via.str.size == 0 || key->via.str.size > NOTICE_NAME_MAX
        ||  memchr (key->via.str.ptr, 0, key->via.str.size))
            return -1;
        switch (value->type) {
            case MSGPACK_OBJECT_NIL:
            case MSGPACK_OBJECT_BOOLEAN:
            case MSGPACK_OBJECT_POSITIVE_INTEGER:
            case MSGPACK_OBJECT_NEGATIVE_INTEGER:
            case MSGPACK_OBJECT_FLOAT32:
            case MSGPACK_OBJECT_FLOAT64:
                break;
            case MSGPACK_OBJECT_STR:
                if (value->via.str.size > NOTICE_TEXT_MAX
                ||  (value->via.str.size
                 &&  memchr (value->via.str.ptr, 0, value->via.str.size)))
                    return -1;
                break;
            default:
                return -1;
        }
    }
    return 0;
}

//  A receipt's state is one of the four; handled names its result,
//  refused its code
static int
s_receipt_check (const void *record)
{
    const notice_receipt_t *receipt = (const notice_receipt_t *) record;
    int state = noticeid_state_from_name (receipt->state);
    if (state < 0
    || (state == NOTICEID_HANDLED && !*receipt->result)
    || (state == NOTICEID_REFUSED && receipt->code == 0))
        return -1;
    return 0;
}

int
notice_msg_encode (const notice_msg_t *notice, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_notice, notice, buffer);
}

int
notice_msg_decode (const uint8_t *data, size_t size, notice_msg_t *notice)
{
    return fields_decode (&s_notice, data, size, notice);
}

void
notice_msg_destroy (notice_msg_t *notice)
{
    fields_destroy (&s_notice, notice);
}

int
notice_alert_encode (const notice_alert_t *alert, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_alert, alert, buffer);
}

int
notice_alert_decode (const uint8_t *data, size_t size, notice_alert_t *alert)
{
    return fields_decode (&s_alert, data, size, alert);
}

int
notice_receipt_encode (const notice_receipt_t *receipt, msgpack_sbuffer *buffer)
{
    return fields_encode (&s_receipt, receipt, buffer);
}

int
notice_receipt_decode (const uint8_t *data, size_t size, notice_receipt_t *receipt)
{
    return fields_decode (&s_receipt, data, size, receipt);
}

int
notice_ack_encode (const uint8_t *receipt_id, msgpack_sbuffer *buffer)
{
    s_ids_t ack;
    memset (&ack, 0, sizeof (ack));
    memcpy (ack.id, receipt_id, NOTICEID_BYTES);
    return fields_encode (&s_ack, &ack, buffer);
}

int
notice_ack_decode (const uint8_t *data, size_t size, uint8_t *receipt_id)
{
    s_ids_t ack;
    int status = fields_decode (&s_ack, data, size, &ack);
    memcpy (receipt_id, ack.id, NOTICEID_BYTES);
    return status;
}


//  --------------------------------------------------------------------------
//  Self-test: the vectors of PROTOCOL.md 17.7

#define S_VECTOR_NOTICE \
    "89a66e6f74696365c410000102030405060708090a0b0c0d0e0fa46b696e64b0" \
    "6c6963656e73652d7265717569726564a86b65795f74797065a475736363a36b" \
    "6579b239313331303131354d41314b334254503242a66669656c647382a46e61" \
    "6d65b2e6b5a6e4b89ce6b58be8af95e9a490e9a686a57365617473ccc8a56261" \
    "736973d924e3808ae9a39fe59381e5ae89e585a8e6b395e3808be7acace4b889" \
    "e58d81e4ba94e69da1a8646561646c696e65cf0000019baa5a4000a76f666669" \
    "636572a6e69d8ee6958faa726563697069656e7473a953482d50442d464441"
#define S_VECTOR_ALERT \
    "87a5616c657274c410101112131415161718191a1b1c1d1e1fa5746f706963a9" \
    "666f6f642d64727567a87365766572697479a66f72616e6765a86b65795f7479" \
    "7065a475736363a36b6579b239313331303131354d41314b334254503242a474" \
    "657874bf6d656c616d696e6520666f756e6420696e2062617463682032303236" \
    "2d3131a76f666669636572a0"
#define S_VECTOR_RECEIPT_HANDLED \
    "86a4636f7079c410759b45424d22916071e04a51e544e58ca57374617465a768" \
    "616e646c6564a26174cf0000019b9ae72c00a6726573756c74ae6c6963656e63" \
    "652d697373756564a6726561736f6ed926666f6f64206f7065726174696f6e73" \
    "206c6963656e6365204a59323331303131353030303031a76f666669636572a6" \
    "e58898e88ab3"
#define S_VECTOR_RECEIPT_REFUSED \
    "85a4636f7079c410759b45424d22916071e04a51e544e58ca57374617465a772" \
    "656675736564a26174cf0000019b76daa9f4a6726561736f6ed92853482d5044" \
    "2d4644412061636365707473206e6f206e6f7469636573206f66206b696e6420" \
    "277827a4636f6465ccbe"
#define S_VECTOR_ACK \
    "81a772656365697074c41059fc585060b41f143f42999d4a895563"

//  The NOTICE of the vectors: notice id 00..0f, to SH-PD-FDA; its fields
//  {"name": "浦东测试餐馆", "seats": 200} are packed into `packed` and
//  unpacked into `fields` (whose strings point into packed)
static void
s_example_notice (notice_msg_t *notice, msgpack_sbuffer *packed, msgpack_unpacked *fields)
{
    memset (notice, 0, sizeof (*notice));
    for (int index = 0; index < NOTICEID_BYTES; index++)
        notice->notice [index] = (uint8_t) index;
    strcpy (notice->kind, "license-required");
    strcpy (notice->key_type, "uscc");
    strcpy (notice->key, "91310115MA1K3BTP2B");
    msgpack_packer pk;
    msgpack_packer_init (&pk, packed, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "name", "浦东测试餐馆");
    codec_pack_kv_uint (&pk, "seats", 200);
    msgpack_unpacked_init (fields);
    assert (codec_unpack ((uint8_t *) packed->data, packed->size, fields) == STATUS_OK);
    notice->fields = &fields->data;
    strcpy (notice->basis, "《食品安全法》第三十五条");
    notice->deadline = 1768089600000ULL;        //  2026-01-11T00:00:00Z
    strcpy (notice->officer, "李敏");
    strcpy (notice->recipients, "SH-PD-FDA");
}

//  The examples' copy id: noticeid_copy (00..0f, "SH-PD-FDA")
static void
s_example_copy (uint8_t *copy)
{
    uint8_t notice [NOTICEID_BYTES];
    for (int index = 0; index < NOTICEID_BYTES; index++)
        notice [index] = (uint8_t) index;
    noticeid_copy (notice, "SH-PD-FDA", copy);
}

//  Encodes each example, checks its bytes against the vector (verbose: and
//  prints them), and decodes them back
static void
s_test_vectors (bool verbose)
{
    msgpack_sbuffer encoded [5], packed;
    for (int index = 0; index < 5; index++)
        msgpack_sbuffer_init (&encoded [index]);
    msgpack_sbuffer_init (&packed);
    notice_msg_t notice;
    msgpack_unpacked fields;
    s_example_notice (&notice, &packed, &fields);
    assert (notice_msg_encode (&notice, &encoded [0]) == 0);

    notice_alert_t alert;
    memset (&alert, 0, sizeof (alert));
    for (int index = 0; index < NOTICEID_BYTES; index++)
        alert.alert [index] = (uint8_t) (0x10 + index);
    strcpy (alert.topic, "food-drug");
    strcpy (alert.severity, "orange");
    strcpy (alert.key_type, "uscc");
    strcpy (alert.key, "91310115MA1K3BTP2B");
    strcpy (alert.text, "melamine found in batch 2026-11");
    assert (notice_alert_encode (&alert, &encoded [1]) == 0);

    notice_receipt_t handled = { .state = "handled", .at = 1767830400000ULL,
                                 .result = "licence-issued",
                                 .reason = "food operations licence JY231011500001",
                                 .officer = "刘芳" };
    s_example_copy (handled.copy);
    assert (notice_receipt_encode (&handled, &encoded [2]) == 0);
    notice_receipt_t refused = { .state = "refused", .at = 1767225600500ULL,
                                 .reason = "SH-PD-FDA accepts no notices of kind 'x'",
                                 .code = STATUS_UNKNOWN_KIND };
    s_example_copy (refused.copy);
    assert (notice_receipt_encode (&refused, &encoded [3]) == 0);

    uint8_t receipt_id [NOTICEID_BYTES], copy [NOTICEID_BYTES];
    s_example_copy (copy);
    noticeid_receipt (copy, NOTICEID_DELIVERED, receipt_id);
    assert (notice_ack_encode (receipt_id, &encoded [4]) == 0);

    const char *expected [5] = {
        S_VECTOR_NOTICE, S_VECTOR_ALERT, S_VECTOR_RECEIPT_HANDLED,
        S_VECTOR_RECEIPT_REFUSED, S_VECTOR_ACK
    };
    for (int index = 0; index < 5; index++)
        assert (codec_vector_equal (&encoded [index], expected [index], verbose));

    //  And back
    notice_msg_t back;
    assert (notice_msg_decode ((uint8_t *) encoded [0].data, encoded [0].size, &back)
            == STATUS_OK);
    assert (memcmp (back.notice, notice.notice, NOTICEID_BYTES) == 0);
    assert (streq (back.kind, notice.kind) && streq (back.key, notice.key));
    assert (back.fields->via.map.size == 2 && back.deadline == notice.deadline);
    assert (streq (back.basis, notice.basis) && streq (back.recipients, "SH-PD-FDA"));
    notice_msg_destroy (&back);
    notice_msg_destroy (&back);
    notice_alert_t alert_back;
    assert (notice_alert_decode ((uint8_t *) encoded [1].data, encoded [1].size,
                                 &alert_back) == STATUS_OK);
    assert (memcmp (&alert_back, &alert, sizeof (alert)) == 0);
    notice_receipt_t receipt_back;
    assert (notice_receipt_decode ((uint8_t *) encoded [2].data, encoded [2].size,
                                   &receipt_back) == STATUS_OK);
    assert (memcmp (&receipt_back, &handled, sizeof (handled)) == 0);
    assert (notice_receipt_decode ((uint8_t *) encoded [3].data, encoded [3].size,
                                   &receipt_back) == STATUS_OK);
    assert (receipt_back.code == STATUS_UNKNOWN_KIND && !*receipt_back.result);
    uint8_t id [NOTICEID_BYTES];
    assert (notice_ack_decode ((uint8_t *) encoded [4].data, encoded [4].size, id)
            == STATUS_OK && memcmp (id, receipt_id, NOTICEID_BYTES) == 0);
    //  Every cut of each is refused
    for (int index = 0; index < 5; index++)
        for (size_t size = 0; size < encoded [index].size; size++) {
            const uint8_t *data = (uint8_t *) encoded [index].data;
            assert (notice_msg_decode (data, size, &back) != STATUS_OK
                 || index != 0);
            notice_msg_destroy (&back);
            assert (notice_receipt_decode (data, size, &receipt_back) != STATUS_OK
                 || (index != 2 && index != 3));
        }
    for (int index = 0; index < 5; index++)
        msgpack_sbuffer_destroy (&encoded [index]);
    msgpack_unpacked_destroy (&fields);
    msgpack_sbuffer_destroy (&packed);
}

//  A NOTICE whose fields map is `hex` (and the rest the example's):
//  decoded with `expected`
static void
s_test_fields (const char *hex, int expected)
{
    msgpack_sbuffer packed, encoded, raw;
    msgpack_sbuffer_init (&packed);
    msgpack_sbuffer_init (&encoded);
    msgpack_sbuffer_init (&raw);
    notice_msg_t notice;
    msgpack_unpacked example;
    s_example_notice (&notice, &packed, &example);
    uint8_t bytes [1024];
    size_t size = 0;
    assert (sodium_hex2bin (bytes, sizeof (bytes), hex, strlen (hex), NULL, &size, NULL) == 0);
    msgpack_unpacked fields;
    msgpack_unpacked_init (&fields);
    assert (codec_unpack (bytes, size, &fields) == STATUS_OK);
    notice.fields = &fields.data;
    assert (notice_msg_encode (&notice, &encoded) == 0);
    notice_msg_t back;
    assert (notice_msg_decode ((uint8_t *) encoded.data, encoded.size, &back) == expected);
    notice_msg_destroy (&back);
    msgpack_unpacked_destroy (&fields);
    msgpack_unpacked_destroy (&example);
    msgpack_sbuffer_destroy (&raw);
    msgpack_sbuffer_destroy (&encoded);
    msgpack_sbuffer_destroy (&packed);
}

//  A RECEIPT of `state`, `result` and `code`: decoded with `expected`
static void
s_test_receipt (const char *state, const char *result, uint32_t code, uint64_t at,
                int expected)
{
    notice_receipt_t receipt = { .at = at, .code = code };
    snprintf (receipt.state, sizeof (receipt.state), "%s", state);
    snprintf (receipt.result, sizeof (receipt.result), "%s", result);
    msgpack_sbuffer encoded;
    msgpack_sbuffer_init (&encoded);
    assert (notice_receipt_encode (&receipt, &encoded) == 0);
    notice_receipt_t back;
    assert (notice_receipt_decode ((uint8_t *) encoded.data, encoded.size, &back)
            == expected);
    msgpack_sbuffer_destroy (&encoded);
}

void
notice_test (bool verbose)
{
    if (verbose)
        printf (" * notice: ");
    assert (fields_valid (&s_notice) && fields_valid (&s_alert) && fields_valid (&s_receipt)
            && fields_valid (&s_ack));
    s_test_vectors (verbose);

    //  Fields: scalars only, named, bounded
    s_test_fields ("80", STATUS_OK);
    s_test_fields ("85a161c0a162c3a163d0ffa164cb3ff8000000000000a165a0", STATUS_OK);
    s_test_fields ("81a0a178", STATUS_MALFORMED);           //  an empty name
    s_test_fields ("81a16190", STATUS_MALFORMED);           //  an array
    s_test_fields ("81a16180", STATUS_MALFORMED);           //  a map
    s_test_fields ("81a161c40101", STATUS_MALFORMED);       //  a bin
    s_test_fields ("81a161a3610062", STATUS_MALFORMED);     //  a NUL in a value
    s_test_fields ("810101", STATUS_MALFORMED);             //  a name not str

    //  Receipts: a known state; handled with its result, refused its code
    s_test_receipt ("delivered", "", 0, 1, STATUS_OK);
    s_test_receipt ("received", "", 0, 1, STATUS_OK);
    s_test_receipt ("handled", "licence-issued", 0, 1, STATUS_OK);
    s_test_receipt ("refused", "", STATUS_UNKNOWN_KIND, 1, STATUS_OK);
    s_test_receipt ("taken", "", 0, 1, STATUS_MALFORMED);
    s_test_receipt ("handled", "", 0, 1, STATUS_MALFORMED);
    s_test_receipt ("refused", "", 0, 1, STATUS_MALFORMED);
    s_test_receipt ("delivered", "", 0, 0, STATUS_MALFORMED);  //  no time

    //  An alert's key comes with its type, or neither
    notice_alert_t alert = { .topic = "food-drug", .severity = "red", .text = "t",
                             .key = "91310115MA1K3BTP2B" };
    msgpack_sbuffer encoded;
    msgpack_sbuffer_init (&encoded);
    assert (notice_alert_encode (&alert, &encoded) == 0);
    notice_alert_t back;
    assert (notice_alert_decode ((uint8_t *) encoded.data, encoded.size, &back) == STATUS_OK);
    assert (!*back.key && !*back.key_type);
    msgpack_sbuffer_destroy (&encoded);
    if (verbose)
        printf ("OK\n");
}
