/*  localapi.c -- the gateway's local API codec: the request's keys and the
    reply's, each declared once in a table (fields.h) that both the encoder
    and the decoder read (PROTOCOL.md 10).  */

#include "localapi.h"
#include "codec.h"
#include "fields.h"
#include "status.h"

//  A request: every key but op optional; the query's keys with the limits
//  of QUERY
#define S_REQUEST_STR(key, member) \
    { key, FIELDS_STR, FIELDS_AT (localapi_request_t, member) }
#define S_REQUEST_NOTICE(key, member) \
    { key, FIELDS_STR, FIELDS_AT (localapi_request_t, member), .flags = FIELDS_OMIT_EMPTY }
#define S_REQUEST_FLAG(key, member) \
    { key, FIELDS_BOOL, FIELDS_AT (localapi_request_t, member), .flags = FIELDS_OMIT_EMPTY }
static const fields_row_t s_request_rows [] = {
    { "op", FIELDS_STR, FIELDS_AT (localapi_request_t, op), .flags = FIELDS_REQUIRED },
    S_REQUEST_STR ("id", id),
    S_REQUEST_STR ("decision", decision),
    { "text", FIELDS_TEXT, FIELDS_AT (localapi_request_t, text), .max = LOCALAPI_TEXT_MAX,
      .flags = FIELDS_OMIT_EMPTY },
    S_REQUEST_STR ("to", to),
    S_REQUEST_STR ("item", query.item),
    S_REQUEST_STR ("key", query.key),
    S_REQUEST_STR ("fields", query.fields),
    S_REQUEST_STR ("purpose", query.purpose),
    S_REQUEST_STR ("officer", query.officer),
    S_REQUEST_STR ("role", query.role),
    { "timeout_ms", FIELDS_UINT, FIELDS_AT (localapi_request_t, timeout_ms), .max = 3600000 },
    //  Notices and alerts, each left out when empty
    S_REQUEST_NOTICE ("recipients", recipients),
    S_REQUEST_NOTICE ("kind", kind),
    S_REQUEST_NOTICE ("key_type", key_type),
    { "values", FIELDS_MAP, FIELDS_AT (localapi_request_t, values), .element = FIELDS_ANY,
      .flags = FIELDS_OMIT_EMPTY },
    { "deadline_ms", FIELDS_UINT, FIELDS_AT (localapi_request_t, deadline_ms),
      .max = UINT64_MAX, .flags = FIELDS_OMIT_EMPTY },
    S_REQUEST_NOTICE ("topic", topic),
    S_REQUEST_NOTICE ("severity", severity),
    S_REQUEST_NOTICE ("result", result),
    { "max", FIELDS_UINT, FIELDS_AT (localapi_request_t, max), .max = 100000,
      .flags = FIELDS_OMIT_EMPTY },
    S_REQUEST_NOTICE ("filter", filter),
    S_REQUEST_FLAG ("pending", pending),
    S_REQUEST_FLAG ("overdue", overdue),
    S_REQUEST_FLAG ("remove", remove),
    S_REQUEST_NOTICE ("ref", ref),
};
static const fields_t s_request =
    FIELDS_TABLE_UNPACKED ("local request", localapi_request_t, unpacked, s_request_rows,
                           NULL);

//  A reply: `name` is the status's, written for people and scripts and
//  never read back
static int
s_pack_name (msgpack_packer *pk, const void *record)
{
    return codec_pack_str (pk, status_name ((int) ((const localapi_reply_t *) record)->status));
}

#define S_REPLY_STR(key, member) \
    { key, FIELDS_STR, FIELDS_AT (localapi_reply_t, member) }
static const fields_row_t s_reply_rows [] = {
    { "status", FIELDS_UINT, FIELDS_AT (localapi_reply_t, status), .max = 999,
      .flags = FIELDS_REQUIRED },
    { "name", FIELDS_DERIVED, .pack = s_pack_name },
    S_REPLY_STR ("reason", reason),
    S_REPLY_STR ("field", field),
    S_REPLY_STR ("from", from),
    S_REPLY_STR ("item", item),
    S_REPLY_STR ("msgid", msgid),
    { "served_at", FIELDS_UINT, FIELDS_AT (localapi_reply_t, served_at), .max = UINT64_MAX,
      .flags = FIELDS_REQUIRED },
    S_REPLY_STR ("agreement", agreement),
    { "rows", FIELDS_ARRAY, FIELDS_AT (localapi_reply_t, rows), .element = FIELDS_ANY,
      .flags = FIELDS_REQUIRED },
};
static const fields_t s_reply =
    FIELDS_TABLE_UNPACKED ("local reply", localapi_reply_t, unpacked, s_reply_rows, NULL);

int
localapi_request_encode (const localapi_request_t *request,
                         msgpack_sbuffer *buffer)
{
    return fields_encode (&s_request, request, buffer);
}

int
localapi_request_decode (const uint8_t *data, size_t size,
                         localapi_request_t *request)
{
    return fields_decode (&s_request, data, size, request);
}

void
localapi_request_clear (localapi_request_t *request)
{
    free (request->text);
    request->text = NULL;
    request->values = NULL;
    msgpack_unpacked_destroy (&request->unpacked);
}

int
localapi_reply_encode (msgpack_sbuffer *buffer, int status,
                       const char *reason, const char *field,
                       const char *from, const char *item,
                       const char *msgid, uint64_t served_at,
                       const char *agreement, const msgpack_object *rows)
{
    localapi_reply_t reply;
    memset (&reply, 0, sizeof (reply));
    reply.status = (uint32_t) status;
    reply.served_at = served_at;
    reply.rows = rows;
    if (fields_set_str (reply.reason, sizeof (reply.reason), reason)
    ||  fields_set_str (reply.field, sizeof (reply.field), field)
    ||  fields_set_str (reply.from, sizeof (reply.from), from)
    ||  fields_set_str (reply.item, sizeof (reply.item), item)
    ||  fields_set_str (reply.msgid, sizeof (reply.msgid), msgid)
    ||  fields_set_str (reply.agreement, sizeof (reply.agreement), agreement))
        return -1;
    return fields_encode (&s_reply, &reply, buffer);
}

int
localapi_reply_decode (const uint8_t *data, size_t size, localapi_reply_t *reply)
{
    //  msgpack-c points strings into the buffer: keep a copy that lives as
    //  long as the reply
    uint8_t *copy = (uint8_t *) malloc (size? size: 1);
    assert (copy);
    if (size)
        memcpy (copy, data, size);
    int status = fields_decode (&s_reply, copy, size, reply);
    reply->data = copy;
    return status;
}

void
localapi_reply_destroy (localapi_reply_t *reply)
{
    fields_destroy (&s_reply, reply);
    free (reply->data);
    reply->data = NULL;
}

//  Test vectors: a query request, a register request with its text, and
//  two replies, one with a row and one without rows
#define S_VECTOR_QUERY \
    "8ba26f70a57175657279a26964a0a86465636973696f6ea0a2746fa953482d50" \
    "442d544158a46974656db0656e74657270726973652d6261736963a36b6579b2" \
    "39313331303131354d41314b334254503242a66669656c6473ac6e616d652c61" \
    "646472657373a7707572706f7365ac6372656469742d636865636ba76f666669" \
    "636572a957616e672046616e67a4726f6c65a761756469746f72aa74696d656f" \
    "75745f6d73cd07d0"
#define S_VECTOR_REGISTER \
    "8ca26f70a87265676973746572a26964a0a86465636973696f6ea0a474657874" \
    "bb61677265656d656e740a202020206964203d20224147522d31220aa2746fa0" \
    "a46974656da0a36b6579a0a66669656c6473a0a7707572706f7365a0a76f6666" \
    "69636572a0a4726f6c65a0aa74696d656f75745f6d7300"
#define S_VECTOR_ANSWERED \
    "8aa673746174757300a46e616d65a24f4ba6726561736f6ea76772616e746564" \
    "a56669656c64a0a466726f6da953482d50442d544158a46974656db0656e7465" \
    "7270726973652d6261736963a56d73676964d920313031313132313331343135" \
    "3136313731383139316131623163316431653166a97365727665645f6174cf00" \
    "00019b76daa87ba961677265656d656e74a54147522d31a4726f77739181a46e" \
    "616d65a3576569"
#define S_VECTOR_REFUSED \
    "8aa6737461747573cc84a46e616d65ac4e4f5f41475245454d454e54a6726561" \
    "736f6eac6e6f2061677265656d656e74a56669656c64a0a466726f6da953482d" \
    "50442d544158a46974656db0656e74657270726973652d6261736963a56d7367" \
    "6964a0a97365727665645f617400a961677265656d656e74a0a4726f777390"

//  True if the two requests hold the same, what their values point into
//  aside (`one` has no values)
static bool
s_request_equal (const localapi_request_t *one, const localapi_request_t *two)
{
    localapi_request_t copy = *two;
    memset (&copy.unpacked, 0, sizeof (copy.unpacked));
    return memcmp (one, &copy, sizeof (copy)) == 0;
}

static void
s_test_vectors (bool verbose)
{
    localapi_request_t query = { "query", "SH-PD-TAX",
        { "enterprise-basic", "91310115MA1K3BTP2B", "name,address", "credit-check",
          "Wang Fang", "auditor" }, 2000 };
    char text [] = "agreement\n    id = \"AGR-1\"\n";
    localapi_request_t agreement = { "register", .text = text };
    msgpack_sbuffer encoded [4];
    for (int index = 0; index < 4; index++)
        msgpack_sbuffer_init (&encoded [index]);
    localapi_request_encode (&query, &encoded [0]);
    localapi_request_encode (&agreement, &encoded [1]);
    const uint8_t row [] = { 0x91, 0x81, 0xa4, 'n', 'a', 'm', 'e', 0xa3, 'W', 'e', 'i' };
    msgpack_unpacked rows;
    msgpack_unpacked_init (&rows);
    assert (codec_unpack (row, sizeof (row), &rows) == STATUS_OK);
    localapi_reply_encode (&encoded [2], STATUS_OK, "granted", "", "SH-PD-TAX",
                           "enterprise-basic", "101112131415161718191a1b1c1d1e1f",
                           1767225600123ULL, "AGR-1", &rows.data);
    localapi_reply_encode (&encoded [3], STATUS_NO_AGREEMENT, "no agreement", "",
                           "SH-PD-TAX", "enterprise-basic", "", 0, "", NULL);
    msgpack_unpacked_destroy (&rows);
    const char *expected [4] = {
        S_VECTOR_QUERY, S_VECTOR_REGISTER, S_VECTOR_ANSWERED, S_VECTOR_REFUSED
    };
    for (int index = 0; index < 4; index++)
        assert (codec_vector_equal (&encoded [index], expected [index], verbose));

    localapi_request_t back;
    assert (localapi_request_decode ((uint8_t *) encoded [0].data, encoded [0].size,
                                     &back) == STATUS_OK);
    assert (s_request_equal (&query, &back));
    localapi_request_clear (&back);
    assert (localapi_request_decode ((uint8_t *) encoded [1].data, encoded [1].size,
                                     &back) == STATUS_OK);
    assert (streq (back.op, "register") && streq (back.text, agreement.text));
    localapi_request_clear (&back);
    localapi_reply_t reply;
    assert (localapi_reply_decode ((uint8_t *) encoded [2].data, encoded [2].size,
                                   &reply) == STATUS_OK);
    assert (reply.status == STATUS_OK && reply.served_at == 1767225600123ULL);
    assert (streq (reply.reason, "granted") && streq (reply.from, "SH-PD-TAX"));
    assert (streq (reply.item, "enterprise-basic") && streq (reply.agreement, "AGR-1"));
    assert (streq (reply.msgid, "101112131415161718191a1b1c1d1e1f"));
    assert (reply.rows->via.array.size == 1);
    localapi_reply_destroy (&reply);
    for (int index = 0; index < 4; index++)
        msgpack_sbuffer_destroy (&encoded [index]);
}

//  A notice to send: its keys after the query's, the fields a map; read
//  back, the values point into the request
#define S_VECTOR_NOTICE \
    "de0011a26f70ab6e6f746963652d73656e64a26964a0a86465636973696f6ea0" \
    "a474657874d924e3808ae9a39fe59381e5ae89e585a8e6b395e3808be7acace4" \
    "b889e58d81e4ba94e69da1a2746fa0a46974656da0a36b6579b2393133313031" \
    "31354d41314b334254503242a66669656c6473a0a7707572706f7365a0a76f66" \
    "6669636572a6e69d8ee6958fa4726f6c65a0aa74696d656f75745f6d7300aa72" \
    "6563697069656e7473b353482d50442d4644412c53482d50442d544158a46b69" \
    "6e64b06c6963656e73652d7265717569726564a86b65795f74797065a4757363" \
    "63a676616c75657382a46e616d65b2e6b5a6e4b89ce6b58be8af95e9a490e9a6" \
    "86a57365617473a3323030ab646561646c696e655f6d73cf0000019baa5a4000"

static void
s_test_notice (bool verbose)
{
    msgpack_sbuffer values, buffer;
    msgpack_sbuffer_init (&values);
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &values, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "name", "浦东测试餐馆");
    codec_pack_kv_str (&pk, "seats", "200");
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack ((uint8_t *) values.data, values.size, &unpacked) == STATUS_OK);
    localapi_request_t request = { .op = "notice-send", .recipients = "SH-PD-FDA,SH-PD-TAX",
                                   .kind = "license-required", .key_type = "uscc",
                                   .values = &unpacked.data, .deadline_ms = 1768089600000ULL,
                                   .text = (char *) "《食品安全法》第三十五条" };
    strcpy (request.query.key, "91310115MA1K3BTP2B");
    strcpy (request.query.officer, "李敏");
    assert (localapi_request_encode (&request, &buffer) == 0);
    assert (codec_vector_equal (&buffer, S_VECTOR_NOTICE, verbose));
    localapi_request_t back;
    assert (localapi_request_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_OK);
    assert (streq (back.recipients, "SH-PD-FDA,SH-PD-TAX") && streq (back.kind, request.kind));
    assert (back.values && back.values->via.map.size == 2);
    assert (back.deadline_ms == request.deadline_ms && !back.pending && back.max == 0);
    localapi_request_clear (&back);
    localapi_request_clear (&back);
    assert (!back.values && !back.text);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&values);
    msgpack_sbuffer_destroy (&buffer);
}

void
localapi_test (bool verbose)
{
    if (verbose)
        printf (" * localapi: ");
    assert (fields_valid (&s_request) && fields_valid (&s_reply));
    s_test_vectors (verbose);
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "query");
    strcpy (request.to, "SH-PD-TAX");
    strcpy (request.query.item, "taxpayer");
    strcpy (request.query.key, "91310115MA1K3BTP2B");
    strcpy (request.query.purpose, "credit-check");
    strcpy (request.query.officer, "Wang Fang");
    strcpy (request.query.role, "auditor");
    request.timeout_ms = 2000;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_request_encode (&request, &buffer);
    localapi_request_t back;
    assert (localapi_request_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_OK);
    assert (s_request_equal (&request, &back));
    localapi_request_clear (&back);
    for (size_t size = 0; size < buffer.size; size++) {
        assert (localapi_request_decode ((uint8_t *) buffer.data, size, &back) != STATUS_OK);
        localapi_request_clear (&back);
    }
    msgpack_sbuffer_destroy (&buffer);

    //  With a text (an agreement to register)
    //  What a client claims to be is never taken: the gateway sets the caller
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "op", "status");
    codec_pack_kv_str (&pk, "caller", "root (uid 0)");
    assert (localapi_request_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_OK);
    assert (streq (back.op, "status") && streq (back.caller, ""));
    localapi_request_clear (&back);
    msgpack_sbuffer_destroy (&buffer);
    s_test_notice (verbose);

    strcpy (request.op, "register");
    request.text = strdup ("agreement\n    id = \"AGR-1\"\n");
    msgpack_sbuffer_init (&buffer);
    localapi_request_encode (&request, &buffer);
    assert (localapi_request_decode ((uint8_t *) buffer.data, buffer.size, &back) == STATUS_OK);
    assert (back.text && streq (back.text, request.text));
    localapi_request_clear (&back);
    localapi_request_clear (&request);
    msgpack_sbuffer_destroy (&buffer);

    msgpack_sbuffer_init (&buffer);
    localapi_reply_encode (&buffer, STATUS_NO_AGREEMENT, "no agreement", "",
                           "SH-PD-TAX", "taxpayer", "00", 0, "", NULL);
    localapi_reply_t reply;
    assert (localapi_reply_decode ((uint8_t *) buffer.data, buffer.size, &reply) == STATUS_OK);
    assert (reply.status == STATUS_NO_AGREEMENT);
    assert (streq (reply.from, "SH-PD-TAX"));
    assert (reply.rows->via.array.size == 0);
    localapi_reply_destroy (&reply);
    msgpack_sbuffer_destroy (&buffer);
    if (verbose)
        printf ("OK\n");
}
