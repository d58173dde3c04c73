/*  localapi.c -- the gateway's local API codec.  */

#include "localapi.h"
#include "codec.h"
#include "status.h"

int
localapi_request_encode (const localapi_request_t *request,
                         msgpack_sbuffer *buffer)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, request->text? 12: 11);
    codec_pack_kv_str (&pk, "op", request->op);
    codec_pack_kv_str (&pk, "id", request->id);
    codec_pack_kv_str (&pk, "decision", request->decision);
    if (request->text)
        codec_pack_kv_str (&pk, "text", request->text);
    codec_pack_kv_str (&pk, "to", request->to);
    codec_pack_kv_str (&pk, "item", request->query.item);
    codec_pack_kv_str (&pk, "key", request->query.key);
    codec_pack_kv_str (&pk, "fields", request->query.fields);
    codec_pack_kv_str (&pk, "purpose", request->query.purpose);
    codec_pack_kv_str (&pk, "officer", request->query.officer);
    codec_pack_kv_str (&pk, "role", request->query.role);
    codec_pack_kv_uint (&pk, "timeout_ms", request->timeout_ms);
    return 0;
}

int
localapi_request_decode (const uint8_t *data, size_t size,
                         localapi_request_t *request)
{
    memset (request, 0, sizeof (*request));
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    int status = codec_unpack (data, size, &result);
    const msgpack_object *map = &result.data;
    message_query_t *query = &request->query;
    if (status == STATUS_OK
    && (codec_get_str (map, "op", request->op, sizeof (request->op), false)
    ||  codec_get_str (map, "to", request->to, sizeof (request->to), true)
    ||  codec_get_str (map, "item", query->item, sizeof (query->item), true)
    ||  codec_get_str (map, "key", query->key, sizeof (query->key), true)
    ||  codec_get_str (map, "fields", query->fields, sizeof (query->fields), true)
    ||  codec_get_str (map, "purpose", query->purpose, sizeof (query->purpose), true)
    ||  codec_get_str (map, "officer", query->officer, sizeof (query->officer), true)
    ||  codec_get_str (map, "role", query->role, sizeof (query->role), true)
    ||  codec_get_str (map, "id", request->id, sizeof (request->id), true)
    ||  codec_get_str (map, "decision", request->decision, sizeof (request->decision), true)))
        status = STATUS_MALFORMED;
    bool bad = false;
    const msgpack_object *text = status == STATUS_OK? codec_get (map, "text", &bad): NULL;
    if (text) {
        if (text->type != MSGPACK_OBJECT_STR || text->via.str.size > LOCALAPI_TEXT_MAX
        ||  (text->via.str.size && memchr (text->via.str.ptr, 0, text->via.str.size)))
            status = STATUS_MALFORMED;
        else
            request->text = text->via.str.size? strndup (text->via.str.ptr, text->via.str.size):
                                                strdup ("");
    }
    if (status == STATUS_OK && codec_get (map, "timeout_ms", &bad)
    &&  codec_get_uint (map, "timeout_ms", &request->timeout_ms, 3600000))
        status = STATUS_MALFORMED;
    if (bad)
        status = STATUS_MALFORMED;
    if (status != STATUS_OK)
        localapi_request_clear (request);
    msgpack_unpacked_destroy (&result);
    return status;
}

void
localapi_request_clear (localapi_request_t *request)
{
    free (request->text);
    request->text = NULL;
}

int
localapi_reply_encode (msgpack_sbuffer *buffer, int status,
                       const char *reason, const char *field,
                       const char *from, const char *item,
                       const char *msgid, uint64_t served_at,
                       const char *agreement, const msgpack_object *rows)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 10);
    codec_pack_kv_uint (&pk, "status", (uint64_t) status);
    codec_pack_kv_str (&pk, "name", status_name (status));
    codec_pack_kv_str (&pk, "reason", reason);
    codec_pack_kv_str (&pk, "field", field);
    codec_pack_kv_str (&pk, "from", from);
    codec_pack_kv_str (&pk, "item", item);
    codec_pack_kv_str (&pk, "msgid", msgid);
    codec_pack_kv_uint (&pk, "served_at", served_at);
    codec_pack_kv_str (&pk, "agreement", agreement);
    codec_pack_str (&pk, "rows");
    if (rows)
        msgpack_pack_object (&pk, *rows);
    else
        msgpack_pack_array (&pk, 0);
    return 0;
}

int
localapi_reply_decode (const uint8_t *data, size_t size, localapi_reply_t *reply)
{
    memset (reply, 0, sizeof (*reply));
    msgpack_unpacked_init (&reply->unpacked);
    //  msgpack-c points strings into the buffer: keep a copy that lives as
    //  long as the reply
    reply->data = (uint8_t *) malloc (size? size: 1);
    assert (reply->data);
    if (size)
        memcpy (reply->data, data, size);
    int status = codec_unpack (reply->data, size, &reply->unpacked);
    const msgpack_object *map = &reply->unpacked.data;
    uint64_t code = 0;
    bool bad = false;
    if (status == STATUS_OK
    && (codec_get_uint (map, "status", &code, 999)
    ||  codec_get_str (map, "reason", reply->reason, sizeof (reply->reason), true)
    ||  codec_get_str (map, "field", reply->field, sizeof (reply->field), true)
    ||  codec_get_str (map, "from", reply->from, sizeof (reply->from), true)
    ||  codec_get_str (map, "item", reply->item, sizeof (reply->item), true)
    ||  codec_get_str (map, "msgid", reply->msgid, sizeof (reply->msgid), true)
    ||  codec_get_uint (map, "served_at", &reply->served_at, UINT64_MAX)
    ||  codec_get_str (map, "agreement", reply->agreement,
                       sizeof (reply->agreement), true)))
        status = STATUS_MALFORMED;
    if (status == STATUS_OK) {
        reply->rows = codec_get (map, "rows", &bad);
        if (bad || !reply->rows || reply->rows->type != MSGPACK_OBJECT_ARRAY)
            status = STATUS_MALFORMED;
    }
    reply->status = (uint32_t) code;
    return status;
}

void
localapi_reply_destroy (localapi_reply_t *reply)
{
    msgpack_unpacked_destroy (&reply->unpacked);
    free (reply->data);
    reply->data = NULL;
    reply->rows = NULL;
}

void
localapi_test (bool verbose)
{
    if (verbose)
        printf (" * localapi: ");
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
    assert (memcmp (&request, &back, sizeof (request)) == 0);
    for (size_t size = 0; size < buffer.size; size++)
        assert (localapi_request_decode ((uint8_t *) buffer.data, size, &back) != STATUS_OK);
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
    msgpack_sbuffer_destroy (&buffer);

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
