/*  jsonpack.c -- where JSON and msgpack meet; see jsonpack.h.  */

#include "jsonpack.h"
#include "codec.h"
#include "status.h"
#include <czmq.h>
#include <math.h>


//  --------------------------------------------------------------------------
//  Text forms

int
jsonpack_digits (double value)
{
    char text [40];
    for (int digits = 15; digits < 17; digits++) {
        snprintf (text, sizeof (text), "%.*g", digits, value);
        if (strtod (text, NULL) == value)
            return digits;
    }
    return 17;
}

//  What a value with no text or JSON form is, for people
static void
s_text_unshown (FILE *file, jsonpack_counts_t *counts, const msgpack_object *object)
{
    counts->unshown++;
    if (object->type == MSGPACK_OBJECT_BIN)
        fprintf (file, "<bin, %u byte%s>", object->via.bin.size,
                 object->via.bin.size == 1? "": "s");
    else
    if (object->type == MSGPACK_OBJECT_EXT)
        fprintf (file, "<ext %d, %u byte%s>", object->via.ext.type,
                 object->via.ext.size, object->via.ext.size == 1? "": "s");
    else
        fprintf (file, "<unknown type %d>", (int) object->type);
}

//  Anything but a string, for people: arrays and maps as JSON
static void
s_scalar_text (FILE *file, jsonpack_counts_t *counts, const msgpack_object *object)
{
    if (object->type == MSGPACK_OBJECT_NIL)
        fputc ('-', file);
    else
    if (object->type == MSGPACK_OBJECT_BOOLEAN)
        fputs (object->via.boolean? "true": "false", file);
    else
    if (object->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        fprintf (file, "%" PRIu64, object->via.u64);
    else
    if (object->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        fprintf (file, "%" PRId64, object->via.i64);
    else
    if (object->type == MSGPACK_OBJECT_FLOAT32 || object->type == MSGPACK_OBJECT_FLOAT64) {
        double value = object->via.f64;
        if (isfinite (value))
            fprintf (file, "%.*g", jsonpack_digits (value), value);
        else
            fputs (isnan (value)? "nan": value > 0? "inf": "-inf", file);
    }
    else
    if (object->type == MSGPACK_OBJECT_ARRAY || object->type == MSGPACK_OBJECT_MAP) {
        json_t *json = jsonpack_value (counts, object);
        size_t size;
        char *text = jsonpack_dumps (counts, json, &size);
        fwrite (text, 1, size, file);
        free (text);
        json_decref (json);
    }
    else
        s_text_unshown (file, counts, object);
}

char *
jsonpack_rendered (jsonpack_counts_t *counts, const msgpack_object *object, size_t *size)
{
    assert (counts && object && size);
    char *text = NULL;
    FILE *memory = open_memstream (&text, size);
    assert (memory);
    s_scalar_text (memory, counts, object);
    fclose (memory);
    return text;
}


//  --------------------------------------------------------------------------
//  msgpack to JSON

//  data [0..size) as valid UTF-8: each byte that is not becomes U+FFFD.
//  Fresh string (caller frees) of *length bytes; control characters and
//  invalid bytes are counted.
static char *
s_utf8 (jsonpack_counts_t *counts, const char *data, size_t size, size_t *length)
{
    const uint8_t *bytes = (const uint8_t *) data;
    char *text = (char *) malloc (size * 3 + 1);
    assert (text);
    size_t used = 0;
    for (size_t offset = 0; offset < size;) {
        uint32_t point;
        size_t count = text_utf8_char (bytes + offset, size - offset, &point);
        if (count == 0) {
            memcpy (text + used, "\xef\xbf\xbd", 3);
            used += 3;
            counts->tally.invalid++;
            offset++;
            continue;
        }
        if (text_is_control (point))
            counts->tally.controls++;
        memcpy (text + used, bytes + offset, count);
        used += count;
        offset += count;
    }
    text [used] = 0;
    *length = used;
    return text;
}

json_t *
jsonpack_text (jsonpack_counts_t *counts, const char *data, size_t size)
{
    size_t length;
    char *text = s_utf8 (counts, data, size, &length);
    json_t *json = json_stringn (text, length);
    assert (json);              //  valid UTF-8: only memory could fail
    free (text);
    return json;
}

json_t *
jsonpack_str (jsonpack_counts_t *counts, const char *string)
{
    return jsonpack_text (counts, string? string: "", string? strlen (string): 0);
}

void
jsonpack_set (json_t *object, const char *key, json_t *value)
{
    int rc = json_object_set_new (object, key, value);
    assert (rc == 0);
}

//  A finite real; the digits it needs count for the whole document
static json_t *
s_json_real (jsonpack_counts_t *counts, double value)
{
    int digits = jsonpack_digits (value);
    if (digits > counts->precision)
        counts->precision = digits;
    json_t *json = json_real (value);
    assert (json);
    return json;
}

//  A map: keys that are not strings become the string of their text form
static json_t *
s_json_map (jsonpack_counts_t *counts, const msgpack_object_map *map)
{
    json_t *json = json_object ();
    assert (json);
    for (uint32_t index = 0; index < map->size; index++) {
        const msgpack_object *key = &map->ptr [index].key;
        char *rendered = NULL;
        const char *data = key->via.str.ptr;
        size_t size = key->type == MSGPACK_OBJECT_STR? key->via.str.size: 0;
        if (key->type != MSGPACK_OBJECT_STR) {
            counts->odd_keys++;
            rendered = jsonpack_rendered (counts, key, &size);
            data = rendered;
        }
        size_t length;
        char *text = s_utf8 (counts, data, size, &length);
        if (json_object_getn (json, text, length))
            counts->duplicates++;
        int rc = json_object_setn_new (json, text, length,
                                       jsonpack_value (counts, &map->ptr [index].val));
        assert (rc == 0);
        free (text);
        free (rendered);
    }
    return json;
}

json_t *
jsonpack_value (jsonpack_counts_t *counts, const msgpack_object *object)
{
    json_t *json = NULL;
    switch (object->type) {
        case MSGPACK_OBJECT_NIL: json = json_null (); break;
        case MSGPACK_OBJECT_BOOLEAN: json = json_boolean (object->via.boolean); break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
            if (object->via.u64 <= INT64_MAX)
                json = json_integer ((json_int_t) object->via.u64);
            else {
                counts->big_numbers++;
                json = s_json_real (counts, (double) object->via.u64);
            }
            break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: json = json_integer (object->via.i64); break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            if (isfinite (object->via.f64))
                json = s_json_real (counts, object->via.f64);
            else {
                counts->unshown++;      //  JSON has no NaN or infinity
                json = json_null ();
            }
            break;
        case MSGPACK_OBJECT_STR:
            json = jsonpack_text (counts, object->via.str.ptr, object->via.str.size);
            break;
        case MSGPACK_OBJECT_ARRAY:
            json = json_array ();
            for (uint32_t index = 0; json && index < object->via.array.size; index++)
                json_array_append_new (json,
                                       jsonpack_value (counts, &object->via.array.ptr [index]));
            break;
        case MSGPACK_OBJECT_MAP: json = s_json_map (counts, &object->via.map); break;
        default:                        //  bin, ext
            counts->unshown++;
            json = json_null ();
    }
    assert (json);
    return json;
}

json_t *
jsonpack_reply (jsonpack_counts_t *counts, const localapi_reply_t *reply)
{
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "status", json_string (status_name ((int) reply->status)));
    jsonpack_set (json, "code", json_integer (reply->status));
    jsonpack_set (json, "from", jsonpack_str (counts, reply->from));
    jsonpack_set (json, "item", jsonpack_str (counts, reply->item));
    jsonpack_set (json, "reason", jsonpack_str (counts, reply->reason));
    jsonpack_set (json, "field", jsonpack_str (counts, reply->field));
    jsonpack_set (json, "agreement", jsonpack_str (counts, reply->agreement));
    jsonpack_set (json, "msgid", jsonpack_str (counts, reply->msgid));
    jsonpack_set (json, "served_at", json_integer ((json_int_t) reply->served_at));
    jsonpack_set (json, "rows", reply->rows? jsonpack_value (counts, reply->rows):
                                json_array ());
    return json;
}

//  jansson's compact text, with DEL, C1 and the format characters that
//  reorder or break lines escaped too: jansson writes them as they are.
//  They can only stand inside strings (the rest of the text is ASCII),
//  where \uNNNN means the same character.
char *
jsonpack_dumps (jsonpack_counts_t *counts, const json_t *json, size_t *size)
{
    int digits = counts->precision? counts->precision: 17;
    char *dumped = json_dumps (json, JSON_COMPACT | JSON_ENCODE_ANY
                                   | JSON_REAL_PRECISION (digits));
    assert (dumped);
    char *text = NULL;
    FILE *memory = open_memstream (&text, size);
    assert (memory);
    const uint8_t *bytes = (const uint8_t *) dumped;
    size_t length = strlen (dumped);
    for (size_t offset = 0; offset < length;) {
        uint32_t point = bytes [offset];
        size_t count = text_utf8_char (bytes + offset, length - offset, &point);
        assert (count);                 //  jansson writes valid UTF-8
        if (point >= 0x7F && text_is_control (point))
            fprintf (memory, "\\u%04X", (unsigned) point);
        else
            fwrite (bytes + offset, 1, count, memory);
        offset += count;
    }
    fclose (memory);
    free (dumped);
    return text;
}


//  --------------------------------------------------------------------------
//  JSON to msgpack

//  Packs json, inside `depth` arrays and objects
static int
s_pack (msgpack_packer *pk, const json_t *json, int depth, char **error)
{
    if ((json_is_object (json) || json_is_array (json)) && depth >= JSONPACK_DEPTH_MAX) {
        status_set_error (error, "nested deeper than %d arrays and objects",
                          JSONPACK_DEPTH_MAX);
        return -1;
    }
    switch (json_typeof (json)) {
        case JSON_OBJECT: {
            msgpack_pack_map (pk, (uint32_t) json_object_size (json));
            const char *key;
            size_t length;
            json_t *value;
            json_object_keylen_foreach ((json_t *) json, key, length, value) {
                msgpack_pack_str (pk, length);
                msgpack_pack_str_body (pk, key, length);
                if (s_pack (pk, value, depth + 1, error))
                    return -1;
            }
            return 0;
        }
        case JSON_ARRAY: {
            msgpack_pack_array (pk, (uint32_t) json_array_size (json));
            size_t index;
            json_t *value;
            json_array_foreach ((json_t *) json, index, value)
                if (s_pack (pk, value, depth + 1, error))
                    return -1;
            return 0;
        }
        case JSON_STRING: {
            size_t length = json_string_length (json);
            msgpack_pack_str (pk, length);
            msgpack_pack_str_body (pk, json_string_value (json), length);
            return 0;
        }
        case JSON_INTEGER:
            return msgpack_pack_int64 (pk, (int64_t) json_integer_value (json));
        case JSON_REAL:
            return msgpack_pack_double (pk, json_real_value (json));
        case JSON_TRUE:
            return msgpack_pack_true (pk);
        case JSON_FALSE:
            return msgpack_pack_false (pk);
        default:
            return msgpack_pack_nil (pk);
    }
}

int
jsonpack_pack (msgpack_packer *pk, const json_t *json, char **error)
{
    assert (pk && json);
    return s_pack (pk, json, 0, error);
}

int
jsonpack_request (const char *data, size_t size, const char *op,
                  msgpack_sbuffer *buffer, char **error)
{
    assert (op && buffer);
    json_error_t parsed;
    //  One value, keys once each; jansson refuses invalid UTF-8 and \u0000
    json_t *json = json_loadb (data? data: "", size, JSON_REJECT_DUPLICATES, &parsed);
    if (!json) {
        status_set_error (error, "not valid JSON: %s (line %d, column %d)", parsed.text,
                          parsed.line, parsed.column);
        return -1;
    }
    int rc = -1;
    if (!json_is_object (json))
        status_set_error (error, "the body must be a JSON object of the request's keys");
    else
    if (json_object_get (json, "op"))
        status_set_error (error, "the operation is the path's (/v1/%s), not a key", op);
    else {
        msgpack_packer pk;
        msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, (uint32_t) json_object_size (json) + 1);
        codec_pack_str (&pk, "op");
        codec_pack_str (&pk, op);
        rc = 0;
        const char *key;
        size_t length;
        json_t *value;
        json_object_keylen_foreach (json, key, length, value) {
            msgpack_pack_str (&pk, length);
            msgpack_pack_str_body (&pk, key, length);
            if (s_pack (&pk, value, 1, error)) {
                rc = -1;
                break;
            }
        }
    }
    json_decref (json);
    return rc;
}


//  --------------------------------------------------------------------------
//  Self test

void
jsonpack_test (bool verbose)
{
    if (verbose)
        printf (" * jsonpack: ");
    char *error = NULL;

    //  A query's body becomes the local API's request, op first
    const char *body = "{\"to\":\"SH-PD-TAX\",\"item\":\"taxpayer\",\"key\":\"91310115MA1K3BTP2B\","
                       "\"purpose\":\"信用核查\",\"officer\":\"Wang Fang\",\"role\":\"auditor\","
                       "\"timeout_ms\":2000}";
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (jsonpack_request (body, strlen (body), "query", &buffer, &error) == 0);
    localapi_request_t request;
    assert (localapi_request_decode ((uint8_t *) buffer.data, buffer.size, &request)
            == STATUS_OK);
    assert (streq (request.op, "query") && streq (request.to, "SH-PD-TAX"));
    assert (streq (request.query.purpose, "信用核查") && request.timeout_ms == 2000);
    localapi_request_clear (&request);
    msgpack_sbuffer_destroy (&buffer);

    //  Every JSON type, and back: the same document
    body = "{\"a\":[1,-2,0.5,true,false,null,\"x\"],\"b\":{\"c\":{}},\"d\":[]}";
    msgpack_sbuffer_init (&buffer);
    assert (jsonpack_request (body, strlen (body), "status", &buffer, &error) == 0);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack ((uint8_t *) buffer.data, buffer.size, &unpacked) == STATUS_OK);
    const msgpack_object *map = &unpacked.data;
    assert (map->type == MSGPACK_OBJECT_MAP && map->via.map.size == 4);
    const msgpack_object *array = &map->via.map.ptr [1].val;
    assert (array->via.array.ptr [1].type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
    assert (array->via.array.ptr [2].type == MSGPACK_OBJECT_FLOAT64);
    assert (array->via.array.ptr [5].type == MSGPACK_OBJECT_NIL);
    jsonpack_counts_t counts;
    memset (&counts, 0, sizeof (counts));
    json_t *back = jsonpack_value (&counts, map);
    size_t size;
    char *text = jsonpack_dumps (&counts, back, &size);
    assert (streq (text, "{\"op\":\"status\",\"a\":[1,-2,0.5,true,false,null,\"x\"],"
                         "\"b\":{\"c\":{}},\"d\":[]}"));
    free (text);
    json_decref (back);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);

    //  Refused: not JSON, not an object, op in the body, a key twice,
    //  invalid UTF-8, too deep, trailing text
    char deep [2 * JSONPACK_DEPTH_MAX + 16];
    size_t used = (size_t) snprintf (deep, sizeof (deep), "{\"a\":");
    for (int level = 0; level < JSONPACK_DEPTH_MAX; level++)
        deep [used++] = '[';
    for (int level = 0; level < JSONPACK_DEPTH_MAX; level++)
        deep [used++] = ']';
    deep [used++] = '}';
    deep [used] = 0;
    const char *refused [][2] = {
        { "{\"to\":", "not valid JSON" },
        { "[1,2]", "must be a JSON object" },
        { "{\"op\":\"status\"}", "not a key" },
        { "{\"a\":1,\"a\":2}", "not valid JSON" },
        { "{\"a\":\"\xff\"}", "not valid JSON" },
        { "{\"a\":\"\\u0000\"}", "not valid JSON" },
        { "{} {}", "not valid JSON" },
        { "", "not valid JSON" },
        { deep, "nested deeper" },
    };
    for (size_t index = 0; index < sizeof (refused) / sizeof (refused [0]); index++) {
        msgpack_sbuffer_init (&buffer);
        assert (jsonpack_request (refused [index][0], strlen (refused [index][0]), "query",
                                  &buffer, &error) == -1);
        assert (error && strstr (error, refused [index][1]));
        zstr_free (&error);
        msgpack_sbuffer_destroy (&buffer);
    }
    //  One level less is fine
    deep [5] = ' ';
    deep [used - 2] = ' ';
    msgpack_sbuffer_init (&buffer);
    assert (jsonpack_request (deep, used, "query", &buffer, &error) == 0);
    msgpack_sbuffer_destroy (&buffer);

    //  A reply as one object, as `sluice --json` prints it
    localapi_reply_t reply = { .status = STATUS_PURPOSE_NOT_AGREED, .reason = "no" };
    strcpy (reply.from, "SH-PD-MSA");
    memset (&counts, 0, sizeof (counts));
    json_t *json = jsonpack_reply (&counts, &reply);
    text = jsonpack_dumps (&counts, json, &size);
    assert (strstr (text, "\"status\":\"PURPOSE_NOT_AGREED\""));
    assert (strstr (text, "\"from\":\"SH-PD-MSA\"") && strstr (text, "\"rows\":[]"));
    free (text);
    json_decref (json);
    if (verbose)
        printf ("OK\n");
}
