/*  fuzz_codec.c -- libFuzzer target for proto/codec, the strict msgpack
    reader that every wire decoder goes through.

    Feeds the input to codec_scan and codec_unpack and checks that they
    agree (a scan that passes must unpack, one that fails must not). A
    decoded object is walked byte by byte, packed again (the packing must
    scan and be a fixed point), and read with every getter: fixed keys, the
    object's own string keys, several capacities and limits, on the object
    itself and on the maps one level down.

    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "codec.h"
#include "status.h"
#include "fuzz_common.h"

#define S_KEYS_MAX 16

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (false);
    return 0;
}

//  Packs `object` into a fresh sbuffer.
static void
s_pack (const msgpack_object *object, msgpack_sbuffer *buffer)
{
    msgpack_sbuffer_init (buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    S_REQUIRE (msgpack_pack_object (&pk, *object) == 0);
}

//  Every getter with `key` on `map` (which may be any object).
static void
s_get_all (const msgpack_object *map, const char *key)
{
    bool bad = false;
    const msgpack_object *value = codec_get (map, key, &bad);
    if (map->type != MSGPACK_OBJECT_MAP)
        S_REQUIRE (bad && !value);
    if (value) {
        S_REQUIRE (!bad);
        //  The value belongs to a pair whose key is exactly `key`
        const msgpack_object *found = NULL;
        for (uint32_t index = 0; index < map->via.map.size; index++)
            if (&map->via.map.ptr [index].val == value)
                found = &map->via.map.ptr [index].key;
        S_REQUIRE (found);
        S_REQUIRE (found->type == MSGPACK_OBJECT_STR);
        S_REQUIRE (found->via.str.size == strlen (key));
        S_REQUIRE (strlen (key) == 0
                   || memcmp (found->via.str.ptr, key, strlen (key)) == 0);
        s_fuzz_walk (value);
    }
    //  Without `bad` it must not crash either
    S_REQUIRE (codec_get (map, key, NULL) == (bad? NULL: value));

    static const size_t caps [] = { 1, 2, 8, 33, 65, 513, 1025 };
    for (size_t cap_index = 0; cap_index < sizeof (caps) / sizeof (caps [0]);
         cap_index++) {
        size_t cap = caps [cap_index];
        for (int optional = 0; optional < 2; optional++) {
            //  Exactly `cap` bytes on the heap: an overrun is caught
            char *buffer = (char *) malloc (cap);
            S_REQUIRE (buffer);
            memset (buffer, 'x', cap);
            int rc = codec_get_str (map, key, buffer, cap, optional != 0);
            S_REQUIRE (rc == 0 || rc == -1);
            S_REQUIRE (s_fuzz_terminated (buffer, cap));
            if (rc == 0) {
                S_REQUIRE (!bad);
                if (value) {
                    S_REQUIRE (value->type == MSGPACK_OBJECT_STR);
                    S_REQUIRE (strlen (buffer) == value->via.str.size);
                    S_REQUIRE (value->via.str.size == 0
                               || memcmp (buffer, value->via.str.ptr,
                                          value->via.str.size) == 0);
                }
                else
                    S_REQUIRE (optional && buffer [0] == 0);
            }
            else
                S_REQUIRE (buffer [0] == 0);
            free (buffer);
        }
    }

    static const uint64_t maxes [] = { 0, 255, 999, 3600000, UINT64_MAX };
    for (size_t max_index = 0; max_index < sizeof (maxes) / sizeof (maxes [0]);
         max_index++) {
        uint64_t number = 12345;
        int rc = codec_get_uint (map, key, &number, maxes [max_index]);
        S_REQUIRE (rc == 0 || rc == -1);
        if (rc == 0) {
            S_REQUIRE (value && !bad);
            S_REQUIRE (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
            S_REQUIRE (number <= maxes [max_index]);
            S_REQUIRE (number == value->via.u64);
        }
        else
            S_REQUIRE (number == 12345);
    }

    size_t sizes [] = { 0, 16, 32, 64, 0 };
    if (value && value->type == MSGPACK_OBJECT_BIN)
        sizes [4] = value->via.bin.size;
    for (size_t size_index = 0; size_index < sizeof (sizes) / sizeof (sizes [0]);
         size_index++) {
        size_t size = sizes [size_index];
        uint8_t *out = (uint8_t *) malloc (size? size: 1);
        S_REQUIRE (out);
        int rc = codec_get_bin (map, key, out, size);
        S_REQUIRE (rc == 0 || rc == -1);
        if (rc == 0) {
            S_REQUIRE (value && !bad && value->type == MSGPACK_OBJECT_BIN);
            S_REQUIRE (value->via.bin.size == size);
            S_REQUIRE (size == 0 || memcmp (out, value->via.bin.ptr, size) == 0);
        }
        free (out);
    }
}

//  The getters on `map` with fixed keys and with its own string keys.
static void
s_get_keys (const msgpack_object *map)
{
    static const char *fixed [] = {
        "", "item", "key", "re", "rows", "status", "code", "op", "k", "id"
    };
    for (size_t index = 0; index < sizeof (fixed) / sizeof (fixed [0]); index++)
        s_get_all (map, fixed [index]);
    if (map->type != MSGPACK_OBJECT_MAP)
        return;
    size_t count = 0;
    for (uint32_t index = 0; index < map->via.map.size && count < S_KEYS_MAX;
         index++) {
        const msgpack_object *key = &map->via.map.ptr [index].key;
        if (key->type != MSGPACK_OBJECT_STR
        || (key->via.str.size
        &&  memchr (key->via.str.ptr, 0, key->via.str.size)))
            continue;
        char *name = (char *) malloc (key->via.str.size + 1);
        S_REQUIRE (name);
        if (key->via.str.size)
            memcpy (name, key->via.str.ptr, key->via.str.size);
        name [key->via.str.size] = 0;
        s_get_all (map, name);
        free (name);
        count++;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    int scanned = codec_scan (data, size);
    S_REQUIRE (scanned == 0 || scanned == -1);

    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    int status = codec_unpack (data, size, &result);
    S_REQUIRE (status == STATUS_OK || status == STATUS_MALFORMED);
    //  The pre-check and msgpack-c agree
    S_REQUIRE ((scanned == 0) == (status == STATUS_OK));
    if (status != STATUS_OK) {
        msgpack_unpacked_destroy (&result);
        return 0;
    }
    const msgpack_object *root = &result.data;
    s_fuzz_walk (root);

    //  Packing the object again gives a well-formed object that is a fixed
    //  point of unpack and pack
    msgpack_sbuffer first;
    s_pack (root, &first);
    S_REQUIRE (codec_scan ((const uint8_t *) first.data, first.size) == 0);
    msgpack_unpacked again;
    msgpack_unpacked_init (&again);
    S_REQUIRE (codec_unpack ((const uint8_t *) first.data, first.size, &again)
               == STATUS_OK);
    msgpack_sbuffer second;
    s_pack (&again.data, &second);
    S_REQUIRE (second.size == first.size);
    S_REQUIRE (memcmp (second.data, first.data, first.size) == 0);
    msgpack_sbuffer_destroy (&second);
    msgpack_unpacked_destroy (&again);
    msgpack_sbuffer_destroy (&first);

    //  Getters on the object and on the containers one level down
    s_get_keys (root);
    if (root->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t index = 0; index < root->via.array.size && index < 4; index++)
            s_get_keys (&root->via.array.ptr [index]);
    }
    else
    if (root->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t index = 0; index < root->via.map.size && index < 4; index++)
            s_get_keys (&root->via.map.ptr [index].val);
    }
    msgpack_unpacked_destroy (&result);
    return 0;
}
