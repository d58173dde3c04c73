/*  codec.c -- strict, bounded msgpack decoding for hostile input.  */

#include "codec.h"
#include "status.h"
#include <assert.h>
#include <string.h>
#include <stdio.h>

//  A cursor over the input; every read is checked against the end.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    bool signed_unsigned;       //  saw a value >= 0 in a signed int format
} s_cursor_t;

static int
s_take (s_cursor_t *cursor, size_t count)
{
    if (count > cursor->size - cursor->offset)
        return -1;
    cursor->offset += count;
    return 0;
}

static int
s_read_be (s_cursor_t *cursor, size_t width, uint64_t *value)
{
    if (width > cursor->size - cursor->offset)
        return -1;
    uint64_t result = 0;
    for (size_t index = 0; index < width; index++)
        result = (result << 8) | cursor->data [cursor->offset + index];
    cursor->offset += width;
    *value = result;
    return 0;
}

static int s_scan_object (s_cursor_t *cursor, int depth);

//  Each element of a container takes at least one byte, so a count larger
//  than what remains is a lie and is refused before anything is allocated.
static int
s_scan_container (s_cursor_t *cursor, uint64_t count, int depth)
{
    if (depth > CODEC_DEPTH_MAX || count > cursor->size - cursor->offset)
        return -1;
    for (uint64_t index = 0; index < count; index++)
        if (s_scan_object (cursor, depth + 1))
            return -1;
    return 0;
}

//  Width of the length field for str/bin/ext families, by lead byte.
static int
s_scan_sized (s_cursor_t *cursor, size_t width, size_t extra)
{
    uint64_t length;
    if (s_read_be (cursor, width, &length))
        return -1;
    if (length > SIZE_MAX - extra)
        return -1;
    return s_take (cursor, (size_t) length + extra);
}

//  A signed integer of `width` bytes; notes one whose value is not negative
//  (its sign bit, the first bit, is clear)
static int
s_scan_signed (s_cursor_t *cursor, size_t width)
{
    if (cursor->offset < cursor->size && !(cursor->data [cursor->offset] & 0x80))
        cursor->signed_unsigned = true;
    return s_take (cursor, width);
}

static int
s_scan_object (s_cursor_t *cursor, int depth)
{
    if (cursor->offset >= cursor->size)
        return -1;
    uint8_t lead = cursor->data [cursor->offset++];
    uint64_t count;

    if (lead <= 0x7f || lead >= 0xe0)
        return 0;                               //  fixint
    if (lead >= 0x80 && lead <= 0x8f)
        return s_scan_container (cursor, (uint64_t) (lead & 0x0f) * 2, depth);
    if (lead >= 0x90 && lead <= 0x9f)
        return s_scan_container (cursor, lead & 0x0f, depth);
    if (lead >= 0xa0 && lead <= 0xbf)
        return s_take (cursor, lead & 0x1f);    //  fixstr
    switch (lead) {
        case 0xc0: case 0xc2: case 0xc3:
            return 0;                           //  nil, false, true
        case 0xc4: return s_scan_sized (cursor, 1, 0);     //  bin 8
        case 0xc5: return s_scan_sized (cursor, 2, 0);
        case 0xc6: return s_scan_sized (cursor, 4, 0);
        case 0xc7: return s_scan_sized (cursor, 1, 1);     //  ext 8 (+type)
        case 0xc8: return s_scan_sized (cursor, 2, 1);
        case 0xc9: return s_scan_sized (cursor, 4, 1);
        case 0xca: return s_take (cursor, 4);              //  float 32
        case 0xcb: return s_take (cursor, 8);              //  float 64
        case 0xcc: return s_take (cursor, 1);              //  uint 8 .. 64
        case 0xcd: return s_take (cursor, 2);
        case 0xce: return s_take (cursor, 4);
        case 0xcf: return s_take (cursor, 8);
        case 0xd0: return s_scan_signed (cursor, 1);       //  int 8 .. 64
        case 0xd1: return s_scan_signed (cursor, 2);
        case 0xd2: return s_scan_signed (cursor, 4);
        case 0xd3: return s_scan_signed (cursor, 8);
        case 0xd4: return s_take (cursor, 2);              //  fixext 1
        case 0xd5: return s_take (cursor, 3);
        case 0xd6: return s_take (cursor, 5);
        case 0xd7: return s_take (cursor, 9);
        case 0xd8: return s_take (cursor, 17);
        case 0xd9: return s_scan_sized (cursor, 1, 0);     //  str 8
        case 0xda: return s_scan_sized (cursor, 2, 0);
        case 0xdb: return s_scan_sized (cursor, 4, 0);
        case 0xdc:
            if (s_read_be (cursor, 2, &count))
                return -1;
            return s_scan_container (cursor, count, depth);
        case 0xdd:
            if (s_read_be (cursor, 4, &count))
                return -1;
            return s_scan_container (cursor, count, depth);
        case 0xde:
            if (s_read_be (cursor, 2, &count))
                return -1;
            return count > SIZE_MAX / 2? -1: s_scan_container (cursor, count * 2, depth);
        case 0xdf:
            if (s_read_be (cursor, 4, &count))
                return -1;
            return s_scan_container (cursor, count * 2, depth);
        default:
            return -1;                          //  0xc1 is never used
    }
}

//  codec_scan, and whether a signed format holds a value that is not
//  negative
static int
s_scan (const uint8_t *data, size_t size, bool *signed_unsigned)
{
    if (!data || size == 0)
        return -1;
    s_cursor_t cursor = { data, size, 0, false };
    if (s_scan_object (&cursor, 1))
        return -1;
    *signed_unsigned = cursor.signed_unsigned;
    return cursor.offset == size? 0: -1;
}

int
codec_scan (const uint8_t *data, size_t size)
{
    bool signed_unsigned;
    return s_scan (data, size, &signed_unsigned);
}

//  Walks the scanned bytes and the unpacked object together, and marks
//  every integer that came in a signed format as a negative integer
//  (MSGPACK_OBJECT_NEGATIVE_INTEGER), whatever its value; via.i64 keeps
//  the value. The input was scanned: every read is in bounds.
static void
s_keep_signed (s_cursor_t *cursor, msgpack_object *object)
{
    uint8_t lead = cursor->data [cursor->offset];
    uint64_t count = 0;
    bool container = true;
    if ((lead >= 0x80 && lead <= 0x8f) || (lead >= 0x90 && lead <= 0x9f)) {
        count = lead & 0x0f;
        cursor->offset++;
    }
    else
    if (lead >= 0xdc && lead <= 0xdf) {
        cursor->offset++;
        s_read_be (cursor, lead == 0xdc || lead == 0xde? 2: 4, &count);
    }
    else
        container = false;
    if (!container) {
        if (lead >= 0xd0 && lead <= 0xd3
        &&  object->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            object->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        s_scan_object (cursor, 1);
        return;
    }
    if (object->type == MSGPACK_OBJECT_MAP)
        for (uint64_t index = 0; index < count; index++) {
            s_keep_signed (cursor, &object->via.map.ptr [index].key);
            s_keep_signed (cursor, &object->via.map.ptr [index].val);
        }
    else
        for (uint64_t index = 0; index < count; index++)
            s_keep_signed (cursor, &object->via.array.ptr [index]);
}

int
codec_unpack (const uint8_t *data, size_t size, msgpack_unpacked *result)
{
    bool signed_unsigned = false;
    if (s_scan (data, size, &signed_unsigned))
        return STATUS_MALFORMED;
    size_t offset = 0;
    if (msgpack_unpack_next (result, (const char *) data, size, &offset)
            != MSGPACK_UNPACK_SUCCESS || offset != size)
        return STATUS_MALFORMED;
    //  PROTOCOL.md section 3: an unsigned field takes unsigned formats
    //  only. msgpack-c forgets the format, so it is put back here, once,
    //  for every reader
    if (signed_unsigned) {
        s_cursor_t cursor = { data, size, 0, false };
        s_keep_signed (&cursor, &result->data);
    }
    return STATUS_OK;
}

const msgpack_object *
codec_get (const msgpack_object *map, const char *key, bool *bad)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) {
        if (bad)
            *bad = true;
        return NULL;
    }
    size_t key_size = strlen (key);
    const msgpack_object *found = NULL;
    for (uint32_t index = 0; index < map->via.map.size; index++) {
        const msgpack_object_kv *pair = &map->via.map.ptr [index];
        if (pair->key.type == MSGPACK_OBJECT_STR
        &&  pair->key.via.str.size == key_size
        //  msgpack-c may leave the pointer of an empty string NULL
        &&  (key_size == 0 || memcmp (pair->key.via.str.ptr, key, key_size) == 0)) {
            if (found) {
                if (bad)
                    *bad = true;
                return NULL;
            }
            found = &pair->val;
        }
    }
    return found;
}

int
codec_get_str (const msgpack_object *map, const char *key,
               char *buf, size_t cap, bool optional)
{
    assert (buf && cap > 0);
    buf [0] = 0;
    bool bad = false;
    const msgpack_object *value = codec_get (map, key, &bad);
    if (bad)
        return -1;
    if (!value)
        return optional? 0: -1;
    return codec_copy_str (value, buf, cap);
}

int
codec_copy_str (const msgpack_object *object, char *buf, size_t cap)
{
    //  msgpack-c may leave the pointer of an empty string NULL
    if (object->type != MSGPACK_OBJECT_STR
    ||  object->via.str.size >= cap
    ||  (object->via.str.size && memchr (object->via.str.ptr, 0, object->via.str.size)))
        return -1;
    if (object->via.str.size)
        memcpy (buf, object->via.str.ptr, object->via.str.size);
    buf [object->via.str.size] = 0;
    return 0;
}

int
codec_get_uint (const msgpack_object *map, const char *key,
                uint64_t *value, uint64_t max)
{
    bool bad = false;
    const msgpack_object *object = codec_get (map, key, &bad);
    if (bad || !object
    ||  object->type != MSGPACK_OBJECT_POSITIVE_INTEGER
    ||  object->via.u64 > max)
        return -1;
    *value = object->via.u64;
    return 0;
}

int
codec_get_bin (const msgpack_object *map, const char *key,
               uint8_t *out, size_t size)
{
    bool bad = false;
    const msgpack_object *object = codec_get (map, key, &bad);
    if (bad || !object
    ||  object->type != MSGPACK_OBJECT_BIN
    ||  object->via.bin.size != size)
        return -1;
    memcpy (out, object->via.bin.ptr, size);
    return 0;
}

int
codec_pack_str (msgpack_packer *pk, const char *string)
{
    size_t size = strlen (string);
    int rc = msgpack_pack_str (pk, size);
    if (size)
        rc |= msgpack_pack_str_body (pk, string, size);
    return rc? -1: 0;
}

int
codec_pack_kv_str (msgpack_packer *pk, const char *key, const char *value)
{
    return codec_pack_str (pk, key) | codec_pack_str (pk, value? value: "");
}

int
codec_pack_kv_uint (msgpack_packer *pk, const char *key, uint64_t value)
{
    return codec_pack_str (pk, key) | (msgpack_pack_uint64 (pk, value)? -1: 0);
}

int
codec_pack_kv_bin (msgpack_packer *pk, const char *key,
                   const uint8_t *data, size_t size)
{
    int rc = codec_pack_str (pk, key) | msgpack_pack_bin (pk, size);
    if (size)
        rc |= msgpack_pack_bin_body (pk, data, size);
    return rc? -1: 0;
}

bool
codec_vector_equal (const msgpack_sbuffer *buffer, const char *expected, bool verbose)
{
    size_t size = strlen (expected);
    bool equal = size == buffer->size * 2;
    for (size_t byte = 0; equal && byte < buffer->size; byte++) {
        char pair [3];
        snprintf (pair, sizeof (pair), "%02x", (uint8_t) buffer->data [byte]);
        equal = memcmp (expected + byte * 2, pair, 2) == 0;
    }
    if (!equal && verbose) {
        printf ("\nvector: ");
        for (size_t byte = 0; byte < buffer->size; byte++)
            printf ("%02x", (uint8_t) buffer->data [byte]);
        printf ("\n");
        fflush (stdout);
    }
    return equal;
}

void
codec_test (bool verbose)
{
    if (verbose)
        printf (" * codec: ");

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 3);
    codec_pack_kv_str (&pk, "item", "enterprise-basic");
    codec_pack_kv_uint (&pk, "n", 42);
    uint8_t id [4] = { 1, 2, 3, 4 };
    codec_pack_kv_bin (&pk, "id", id, sizeof (id));

    const uint8_t *data = (const uint8_t *) buffer.data;
    assert (codec_scan (data, buffer.size) == 0);
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    assert (codec_unpack (data, buffer.size, &result) == STATUS_OK);
    char text [32];
    assert (codec_get_str (&result.data, "item", text, sizeof (text), false) == 0);
    assert (strcmp (text, "enterprise-basic") == 0);
    assert (codec_get_str (&result.data, "item", text, 5, false) == -1);
    assert (codec_get_str (&result.data, "none", text, sizeof (text), true) == 0);
    assert (codec_get_str (&result.data, "none", text, sizeof (text), false) == -1);
    assert (codec_get_str (&result.data, "n", text, sizeof (text), false) == -1);
    uint64_t number;
    assert (codec_get_uint (&result.data, "n", &number, 100) == 0 && number == 42);
    assert (codec_get_uint (&result.data, "n", &number, 10) == -1);
    uint8_t back [4];
    assert (codec_get_bin (&result.data, "id", back, 4) == 0);
    assert (memcmp (back, id, 4) == 0);
    assert (codec_get_bin (&result.data, "id", back, 3) == -1);
    msgpack_unpacked_destroy (&result);

    //  Every truncation of a valid object is refused
    for (size_t size = 0; size < buffer.size; size++)
        assert (codec_scan (data, size) == -1);
    //  Trailing bytes are refused
    uint8_t longer [128];
    memcpy (longer, data, buffer.size);
    longer [buffer.size] = 0xc0;
    assert (codec_scan (longer, buffer.size + 1) == -1);
    msgpack_sbuffer_destroy (&buffer);

    //  Container counts that lie about their size are refused
    const uint8_t huge_array [] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01 };
    assert (codec_scan (huge_array, sizeof (huge_array)) == -1);
    const uint8_t huge_map [] = { 0xdf, 0x80, 0x00, 0x00, 0x00, 0x01, 0x01 };
    assert (codec_scan (huge_map, sizeof (huge_map)) == -1);
    const uint8_t huge_str [] = { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' };
    assert (codec_scan (huge_str, sizeof (huge_str)) == -1);
    const uint8_t never_used [] = { 0xc1 };
    assert (codec_scan (never_used, 1) == -1);
    //  Nesting beyond the depth limit is refused
    uint8_t deep [CODEC_DEPTH_MAX + 2];
    memset (deep, 0x91, sizeof (deep));
    deep [sizeof (deep) - 1] = 0x01;
    assert (codec_scan (deep, sizeof (deep)) == -1);
    assert (codec_scan (deep + 2, sizeof (deep) - 2) == 0);

    //  An unsigned field takes unsigned formats only: 5 as positive fixint,
    //  uint 8, 16, 32 and 64 is read; as int 8, 16, 32 and 64 it is not,
    //  nor is any negative value. Signed readers still see the value.
    {
        const struct {
            size_t size;
            uint8_t bytes [12];
        } forms [] = {
            { 4, { 0x81, 0xa1, 'n', 0x05 } },
            { 5, { 0x81, 0xa1, 'n', 0xcc, 0x05 } },
            { 6, { 0x81, 0xa1, 'n', 0xcd, 0x00, 0x05 } },
            { 8, { 0x81, 0xa1, 'n', 0xce, 0x00, 0x00, 0x00, 0x05 } },
            { 12, { 0x81, 0xa1, 'n', 0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05 } },
        };
        for (size_t index = 0; index < sizeof (forms) / sizeof (forms [0]); index++) {
            msgpack_unpacked_init (&result);
            assert (codec_unpack (forms [index].bytes, forms [index].size, &result)
                    == STATUS_OK);
            assert (codec_get_uint (&result.data, "n", &number, 10) == 0 && number == 5);
            msgpack_unpacked_destroy (&result);
        }
        const uint8_t lead [4] = { 0xd0, 0xd1, 0xd2, 0xd3 };
        for (size_t index = 0; index < 4; index++) {
            uint8_t bytes [16] = { 0x81, 0xa1, 'n', lead [index] };
            size_t width = (size_t) 1 << index;
            memset (bytes + 4, 0, width);
            bytes [3 + width] = 5;
            msgpack_unpacked_init (&result);
            assert (codec_unpack (bytes, 4 + width, &result) == STATUS_OK);
            assert (codec_get_uint (&result.data, "n", &number, 10) == -1);
            bool bad = false;
            const msgpack_object *value = codec_get (&result.data, "n", &bad);
            assert (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && value->via.i64 == 5);
            msgpack_unpacked_destroy (&result);
            //  A negative value, in the same format, stays what it was
            memset (bytes + 4, 0xff, width);
            msgpack_unpacked_init (&result);
            assert (codec_unpack (bytes, 4 + width, &result) == STATUS_OK);
            assert (codec_get_uint (&result.data, "n", &number, UINT64_MAX) == -1);
            value = codec_get (&result.data, "n", &bad);
            assert (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && value->via.i64 == -1);
            msgpack_unpacked_destroy (&result);
        }
        //  Deep inside containers, and as map keys, the same
        const uint8_t nested [] = { 0x92, 0x81, 0xd0, 0x01, 0x91, 0xd1, 0x00, 0x07,
                                    0xdc, 0x00, 0x01, 0xcc, 0x09 };
        msgpack_unpacked_init (&result);
        assert (codec_unpack (nested, sizeof (nested), &result) == STATUS_OK);
        const msgpack_object *outer = result.data.via.array.ptr;
        assert (outer [0].via.map.ptr [0].key.type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
        assert (outer [0].via.map.ptr [0].key.via.i64 == 1);
        const msgpack_object *inner = &outer [0].via.map.ptr [0].val;
        assert (inner->via.array.ptr [0].type == MSGPACK_OBJECT_NEGATIVE_INTEGER);
        assert (inner->via.array.ptr [0].via.i64 == 7);
        assert (outer [1].via.array.ptr [0].type == MSGPACK_OBJECT_POSITIVE_INTEGER);
        msgpack_unpacked_destroy (&result);
    }

    //  Duplicate keys are refused
    const uint8_t twice [] = { 0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02 };
    msgpack_unpacked_init (&result);
    assert (codec_unpack (twice, sizeof (twice), &result) == STATUS_OK);
    assert (codec_get_uint (&result.data, "k", &number, 10) == -1);
    msgpack_unpacked_destroy (&result);

    if (verbose)
        printf ("OK\n");
}
