/*  registry.c -- payloads of REGISTRY messages, orders and answers.  */

#include "registry.h"
#include "codec.h"
#include "ident.h"
#include "status.h"
#include <sodium.h>

static void
s_pack_statements (msgpack_packer *pk, zlistx_t *statements)
{
    codec_pack_str (pk, "statements");
    msgpack_pack_array (pk, zlistx_size (statements));
    for (statement_t *statement = (statement_t *) zlistx_first (statements);
         statement; statement = (statement_t *) zlistx_next (statements)) {
        size_t size;
        const uint8_t *encoded = statement_encoded (statement, &size);
        msgpack_pack_bin (pk, size);
        msgpack_pack_bin_body (pk, encoded, size);
    }
}

void
registry_msg_encode (msgpack_sbuffer *buffer, const char *op,
                     const uint8_t *re, int status, const char *reason,
                     const char *kind, zlistx_t *statements, const char *text)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    size_t entries = 2 + (re? 1: 0) + (reason? 1: 0) + (kind? 1: 0)
                   + (statements? 1: 0) + (text? 1: 0);
    msgpack_pack_map (&pk, entries);
    codec_pack_kv_str (&pk, "op", op);
    codec_pack_kv_uint (&pk, "status", (uint64_t) status);
    if (re)
        codec_pack_kv_bin (&pk, "re", re, ENVELOPE_ID_BYTES);
    if (reason)
        codec_pack_kv_str (&pk, "reason", reason);
    if (kind)
        codec_pack_kv_str (&pk, "kind", kind);
    if (statements)
        s_pack_statements (&pk, statements);
    if (text)
        codec_pack_kv_str (&pk, "text", text);
}

void
registry_sync_encode (msgpack_sbuffer *buffer, const char *epoch, uint64_t since)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 4);
    codec_pack_kv_str (&pk, "op", "sync");
    codec_pack_kv_uint (&pk, "status", 0);
    codec_pack_kv_str (&pk, "epoch", epoch);
    codec_pack_kv_uint (&pk, "since", since);
}

void
registry_page_encode (msgpack_sbuffer *buffer, const uint8_t *re, const char *epoch,
                      uint64_t next, bool more, zlistx_t *statements)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    codec_pack_kv_str (&pk, "op", "page");
    codec_pack_kv_uint (&pk, "status", 0);
    codec_pack_kv_bin (&pk, "re", re, ENVELOPE_ID_BYTES);
    s_pack_statements (&pk, statements);
    codec_pack_kv_str (&pk, "epoch", epoch);
    codec_pack_kv_uint (&pk, "next", next);
    codec_pack_str (&pk, "more");
    if (more)
        msgpack_pack_true (&pk);
    else
        msgpack_pack_false (&pk);
}

//  Reads the optional unsigned `key` into *value (0 if absent); -1 if it
//  is present but not an unsigned integer up to max.
static int
s_get_optional_uint (const msgpack_object *map, const char *key, uint64_t *value,
                     uint64_t max, bool *bad)
{
    *value = 0;
    return codec_get (map, key, bad)? codec_get_uint (map, key, value, max): 0;
}

int
registry_msg_decode (const uint8_t *data, size_t size, registry_msg_t *msg)
{
    memset (msg, 0, sizeof (*msg));
    msgpack_unpacked_init (&msg->unpacked);
    int status = codec_unpack (data, size, &msg->unpacked);
    const msgpack_object *map = &msg->unpacked.data;
    uint64_t code = 0;
    bool bad = false;
    if (status == STATUS_OK
    && (codec_get_str (map, "op", msg->op, sizeof (msg->op), false)
    ||  codec_get_uint (map, "status", &code, 999)
    ||  codec_get_str (map, "reason", msg->reason, sizeof (msg->reason), true)
    ||  codec_get_str (map, "kind", msg->kind, sizeof (msg->kind), true)
    ||  codec_get_str (map, "epoch", msg->epoch, sizeof (msg->epoch), true)
    ||  s_get_optional_uint (map, "since", &msg->since, REGISTRY_SEQ_MAX, &bad)
    ||  s_get_optional_uint (map, "next", &msg->next, REGISTRY_SEQ_MAX, &bad)))
        status = STATUS_MALFORMED;
    const msgpack_object *more = status == STATUS_OK? codec_get (map, "more", &bad): NULL;
    if (more && more->type != MSGPACK_OBJECT_BOOLEAN)
        status = STATUS_MALFORMED;
    else
        msg->more = more && more->via.boolean;
    msg->status = (uint32_t) code;
    if (status == STATUS_OK && codec_get (map, "re", &bad)
    &&  codec_get_bin (map, "re", msg->re, ENVELOPE_ID_BYTES))
        status = STATUS_MALFORMED;
    if (status == STATUS_OK) {
        msg->statements = codec_get (map, "statements", &bad);
        if (msg->statements) {
            if (msg->statements->type != MSGPACK_OBJECT_ARRAY)
                status = STATUS_MALFORMED;
            else
            for (uint32_t index = 0; index < msg->statements->via.array.size; index++)
                if (msg->statements->via.array.ptr [index].type != MSGPACK_OBJECT_BIN)
                    status = STATUS_MALFORMED;
        }
        const msgpack_object *text = codec_get (map, "text", &bad);
        if (text) {
            if (text->type != MSGPACK_OBJECT_STR || text->via.str.size > REGISTRY_TEXT_MAX)
                status = STATUS_MALFORMED;
            else {
                msg->text = text->via.str.ptr;
                msg->text_size = text->via.str.size;
            }
        }
    }
    if (bad)
        status = STATUS_MALFORMED;
    return status;
}

void
registry_msg_destroy (registry_msg_t *msg)
{
    msgpack_unpacked_destroy (&msg->unpacked);
    msg->statements = NULL;
    msg->text = NULL;
}

void
registry_order_encode (const order_t *order, msgpack_sbuffer *buffer)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 5);
    codec_pack_kv_str (&pk, "provider", order->provider);
    codec_pack_kv_str (&pk, "item", order->item);
    codec_pack_kv_str (&pk, "fields", order->fields);
    codec_pack_kv_str (&pk, "purpose", order->purpose);
    codec_pack_kv_str (&pk, "legal_basis", order->legal_basis);
}

int
registry_order_decode (const uint8_t *data, size_t size, order_t *order)
{
    memset (order, 0, sizeof (*order));
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    int status = codec_unpack (data, size, &result);
    const msgpack_object *map = &result.data;
    if (status == STATUS_OK
    && (codec_get_str (map, "provider", order->provider, sizeof (order->provider), false)
    ||  codec_get_str (map, "item", order->item, sizeof (order->item), false)
    ||  codec_get_str (map, "fields", order->fields, sizeof (order->fields), true)
    ||  codec_get_str (map, "purpose", order->purpose, sizeof (order->purpose), false)
    ||  codec_get_str (map, "legal_basis", order->legal_basis,
                       sizeof (order->legal_basis), false)
    ||  !ident_validate (IDENT_DEPARTMENT, order->provider, NULL, 0, NULL)
    ||  !*order->item || !*order->purpose || !*order->legal_basis))
        status = STATUS_MALFORMED;
    msgpack_unpacked_destroy (&result);
    return status;
}

void
registry_answer_encode (const order_answer_t *answer, msgpack_sbuffer *buffer)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    codec_pack_kv_str (&pk, "decision", answer->decision);
    codec_pack_kv_str (&pk, "legal_basis", answer->legal_basis);
    codec_pack_kv_str (&pk, "agreement", answer->agreement);
}

int
registry_answer_decode (const uint8_t *data, size_t size, order_answer_t *answer)
{
    memset (answer, 0, sizeof (*answer));
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    int status = codec_unpack (data, size, &result);
    const msgpack_object *map = &result.data;
    if (status == STATUS_OK
    && (codec_get_str (map, "decision", answer->decision, sizeof (answer->decision), false)
    ||  codec_get_str (map, "legal_basis", answer->legal_basis,
                       sizeof (answer->legal_basis), true)
    ||  codec_get_str (map, "agreement", answer->agreement,
                       sizeof (answer->agreement), true)
    ||  !(streq (answer->decision, "accepted") || streq (answer->decision, "refused"))
    ||  (streq (answer->decision, "refused") && !*answer->legal_basis)))
        status = STATUS_MALFORMED;
    msgpack_unpacked_destroy (&result);
    return status;
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

void
registry_test (bool verbose)
{
    if (verbose)
        printf (" * registry: ");
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
