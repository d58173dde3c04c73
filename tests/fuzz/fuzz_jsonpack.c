/*  fuzz_jsonpack.c -- libFuzzer target for proto/jsonpack, the conversion
    of a local HTTP request's JSON body into the local API's msgpack.

    Feeds the input as the body of a request (jsonpack_request, op "query")
    and checks what it promises: a refusal always says why and packs
    nothing that is read; an accepted body packs one map that the strict
    msgpack reader (codec_unpack) takes, with "op" first, nested no deeper
    than JSONPACK_DEPTH_MAX; the local API's decoder then reads it without
    harm, and the map turned back into JSON (jsonpack_value) is valid JSON
    text that converts again to the same msgpack.

    Build and run: sh tests/fuzz/run.sh 30 jsonpack
*/

#include "jsonpack.h"
#include "codec.h"
#include "status.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (false);
    return 0;
}

//  The depth of arrays and maps of `object`
static int
s_depth (const msgpack_object *object)
{
    int deepest = 0;
    if (object->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t index = 0; index < object->via.array.size; index++) {
            int depth = s_depth (&object->via.array.ptr [index]);
            deepest = depth > deepest? depth: deepest;
        }
    else
    if (object->type == MSGPACK_OBJECT_MAP)
        for (uint32_t index = 0; index < object->via.map.size; index++) {
            int depth = s_depth (&object->via.map.ptr [index].val);
            deepest = depth > deepest? depth: deepest;
        }
    else
        return 0;
    return deepest + 1;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t *copy = s_fuzz_copy (data, size);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    char *error = NULL;
    int rc = jsonpack_request ((const char *) copy, size, "query", &buffer, &error);
    free (copy);
    if (rc) {
        S_REQUIRE (error && *error);
        free (error);
        msgpack_sbuffer_destroy (&buffer);
        return 0;
    }
    S_REQUIRE (!error);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    S_REQUIRE (codec_unpack ((uint8_t *) buffer.data, buffer.size, &unpacked) == STATUS_OK);
    const msgpack_object *map = &unpacked.data;
    S_REQUIRE (map->type == MSGPACK_OBJECT_MAP && map->via.map.size >= 1);
    const msgpack_object *first = &map->via.map.ptr [0].key;
    S_REQUIRE (first->type == MSGPACK_OBJECT_STR && first->via.str.size == 2
               && memcmp (first->via.str.ptr, "op", 2) == 0);
    S_REQUIRE (s_depth (map) <= JSONPACK_DEPTH_MAX);
    s_fuzz_walk (map);

    //  The local API's own decoder takes it or refuses it, without harm
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    int status = localapi_request_decode ((uint8_t *) buffer.data, buffer.size, &request);
    S_REQUIRE (status == STATUS_OK || status == STATUS_MALFORMED);
    S_REQUIRE (status != STATUS_OK || strcmp (request.op, "query") == 0);
    localapi_request_clear (&request);

    //  Back to JSON: valid text; without "op" it converts to the same
    jsonpack_counts_t counts;
    memset (&counts, 0, sizeof (counts));
    json_t *json = jsonpack_value (&counts, map);
    S_REQUIRE (json && json_object_del (json, "op") == 0);
    size_t length;
    char *text = jsonpack_dumps (&counts, json, &length);
    json_decref (json);
    S_REQUIRE (text_utf8_valid (text, length));
    msgpack_sbuffer again;
    msgpack_sbuffer_init (&again);
    S_REQUIRE (jsonpack_request (text, length, "query", &again, NULL) == 0);
    S_REQUIRE (again.size == buffer.size && memcmp (again.data, buffer.data, buffer.size) == 0);
    free (text);
    msgpack_sbuffer_destroy (&again);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    return 0;
}
