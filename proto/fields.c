/*  fields.c -- a message's keys, declared once: one table per message type
    drives both its encoder and its decoder.  */

#include "fields.h"
#include "codec.h"
#include "status.h"
#include <czmq.h>
#include <sodium.h>

//  A row's value in the record. Pointers are read and written with memcpy:
//  the record's member is a char, uint8_t or msgpack_object pointer, which
//  has the representation of a void pointer.
static void *
s_at (const fields_row_t *row, const void *record)
{
    return (uint8_t *) record + row->offset;
}

static const void *
s_pointer (const fields_row_t *row, const void *record)
{
    const void *pointer;
    memcpy (&pointer, s_at (row, record), sizeof (pointer));
    return pointer;
}

static void
s_set_pointer (const fields_row_t *row, void *record, const void *pointer)
{
    memcpy (s_at (row, record), &pointer, sizeof (pointer));
}

static size_t *
s_length (const fields_row_t *row, const void *record)
{
    return (size_t *) ((uint8_t *) record + row->length);
}

static bool *
s_has (const fields_row_t *row, const void *record)
{
    return (bool *) ((uint8_t *) record + row->has - 1);
}

static uint64_t
s_uint (const fields_row_t *row, const void *record)
{
    if (row->size == sizeof (uint32_t))
        return *(const uint32_t *) s_at (row, record);
    return *(const uint64_t *) s_at (row, record);
}

static bool
s_borrows (const fields_row_t *row)
{
    return row->type == FIELDS_STR_REF || row->type == FIELDS_BIN_REF
        || row->type == FIELDS_ARRAY || row->type == FIELDS_MAP;
}

//  A row whose value is a pointer, NULL when empty
static bool
s_is_pointer (const fields_row_t *row)
{
    return row->type == FIELDS_TEXT || s_borrows (row);
}

//  Empty is what an absent optional key reads as; a BIN is never empty
static bool
s_empty (const fields_row_t *row, const void *record)
{
    switch (row->type) {
        case FIELDS_STR:
            return *(const char *) s_at (row, record) == 0;
        case FIELDS_UINT:
            return s_uint (row, record) == 0;
        case FIELDS_BOOL:
            return !*(const bool *) s_at (row, record);
        default:
            return s_is_pointer (row) && s_pointer (row, record) == NULL;
    }
}

//  --------------------------------------------------------------------------
//  Encoding

//  Which rows are written: each by its own rule, then each group of rows
//  tied by FIELDS_WITH_PREVIOUS all or none
static size_t
s_written (const fields_t *fields, const void *record, bool *written)
{
    for (size_t index = 0; index < fields->count; index++) {
        const fields_row_t *row = &fields->rows [index];
        if (row->has)
            written [index] = *s_has (row, record);
        else
            written [index] = !(row->flags & FIELDS_OMIT_EMPTY) || !s_empty (row, record);
    }
    size_t count = 0;
    for (size_t first = 0; first < fields->count; ) {
        size_t end = first + 1;
        bool all = written [first];
        for (; end < fields->count && (fields->rows [end].flags & FIELDS_WITH_PREVIOUS); end++)
            all = all && written [end];
        for (size_t index = first; index < end; index++)
            written [index] = all;
        count += all? end - first: 0;
        first = end;
    }
    return count;
}

static int
s_pack_bin (msgpack_packer *pk, const void *data, size_t size)
{
    int rc = msgpack_pack_bin (pk, size);
    return size? rc | msgpack_pack_bin_body (pk, data, size): rc;
}

static int
s_pack_str (msgpack_packer *pk, const void *data, size_t size)
{
    int rc = msgpack_pack_str (pk, size);
    return size? rc | msgpack_pack_str_body (pk, data, size): rc;
}

static int
s_pack_value (msgpack_packer *pk, const fields_row_t *row, const void *record)
{
    const void *pointer = s_is_pointer (row)? s_pointer (row, record): NULL;
    switch (row->type) {
        case FIELDS_STR:
            return codec_pack_str (pk, (const char *) s_at (row, record));
        case FIELDS_TEXT:
            return codec_pack_str (pk, pointer? (const char *) pointer: "");
        case FIELDS_STR_REF:
            return s_pack_str (pk, pointer, pointer? *s_length (row, record): 0);
        case FIELDS_UINT:
            return msgpack_pack_uint64 (pk, s_uint (row, record));
        case FIELDS_BOOL:
            return *(const bool *) s_at (row, record)? msgpack_pack_true (pk):
                                                         msgpack_pack_false (pk);
        case FIELDS_BIN:
            return s_pack_bin (pk, s_at (row, record), row->size);
        case FIELDS_BIN_REF:
            return s_pack_bin (pk, pointer, pointer? *s_length (row, record): 0);
        case FIELDS_ARRAY:
            return pointer? msgpack_pack_object (pk, *(const msgpack_object *) pointer):
                            msgpack_pack_array (pk, 0);
        case FIELDS_MAP:
            return pointer? msgpack_pack_object (pk, *(const msgpack_object *) pointer):
                            msgpack_pack_map (pk, 0);
        case FIELDS_DERIVED:
            return row->pack (pk, record);
    }
    return -1;
}

//  Packs the written rows; of the last, with `open`, the key only
static int
s_pack (const fields_t *fields, const void *record, msgpack_packer *pk, bool open)
{
    assert (fields->count <= FIELDS_ROWS_MAX);
    bool written [FIELDS_ROWS_MAX];
    int rc = msgpack_pack_map (pk, s_written (fields, record, written));
    for (size_t index = 0; index < fields->count; index++) {
        if (!written [index])
            continue;
        const fields_row_t *row = &fields->rows [index];
        rc |= codec_pack_str (pk, row->key);
        if (open && index == fields->count - 1)
            return rc? -1: 0;
        rc |= s_pack_value (pk, row, record);
    }
    assert (!open);                 //  the open row is always written
    return rc? -1: 0;
}

int
fields_pack (const fields_t *fields, const void *record, msgpack_packer *pk)
{
    return s_pack (fields, record, pk, false);
}

int
fields_pack_open (const fields_t *fields, const void *record, msgpack_packer *pk)
{
    return s_pack (fields, record, pk, true);
}

int
fields_encode (const fields_t *fields, const void *record, msgpack_sbuffer *buffer)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    return fields_pack (fields, record, &pk);
}

int
fields_set_str (char *buffer, size_t size, const char *value)
{
    assert (buffer && size > 0);
    size_t length = value? strlen (value): 0;
    buffer [0] = 0;
    if (length >= size)
        return -1;
    if (length)
        memcpy (buffer, value, length + 1);
    return 0;
}

//  --------------------------------------------------------------------------
//  Decoding

//  The value of each row's key in one walk of the map: a known key twice is
//  -1; unknown keys and keys that are not str are ignored
static int
s_find (const fields_t *fields, const msgpack_object *map, const msgpack_object **found)
{
    if (map->type != MSGPACK_OBJECT_MAP)
        return -1;
    for (uint32_t pair = 0; pair < map->via.map.size; pair++) {
        const msgpack_object *key = &map->via.map.ptr [pair].key;
        if (key->type != MSGPACK_OBJECT_STR)
            continue;
        for (size_t index = 0; index < fields->count; index++) {
            const fields_row_t *row = &fields->rows [index];
            //  A row's key is never empty: a key of its size has a pointer
            if (row->type == FIELDS_DERIVED
            ||  strlen (row->key) != key->via.str.size
            ||  memcmp (row->key, key->via.str.ptr, key->via.str.size) != 0)
                continue;
            if (found [index])
                return -1;
            found [index] = &map->via.map.ptr [pair].val;
            break;
        }
    }
    return 0;
}

//  A str of at most `max` bytes without a NUL byte
static bool
s_is_str (const msgpack_object *object, uint64_t max)
{
    return object->type == MSGPACK_OBJECT_STR && object->via.str.size <= max
        && !(object->via.str.size && memchr (object->via.str.ptr, 0, object->via.str.size));
}

static bool
s_is_array (const msgpack_object *object, int element)
{
    if (object->type != MSGPACK_OBJECT_ARRAY)
        return false;
    for (uint32_t index = 0; element != FIELDS_ANY && index < object->via.array.size; index++)
        if ((int) object->via.array.ptr [index].type != element)
            return false;
    return true;
}

//  A map with str keys only, every value of type `element`
static bool
s_is_map (const msgpack_object *object, int element)
{
    if (object->type != MSGPACK_OBJECT_MAP)
        return false;
    for (uint32_t index = 0; index < object->via.map.size; index++) {
        const msgpack_object_kv *pair = &object->via.map.ptr [index];
        if (pair->key.type != MSGPACK_OBJECT_STR
        ||  (element != FIELDS_ANY && (int) pair->val.type != element))
            return false;
    }
    return true;
}

static int
s_read_value (const fields_row_t *row, const msgpack_object *object, void *record)
{
    switch (row->type) {
        case FIELDS_STR:
            return codec_copy_str (object, (char *) s_at (row, record), row->size);
        case FIELDS_TEXT: {
            if (!s_is_str (object, row->max))
                return -1;
            char *text = (char *) malloc (object->via.str.size + 1);
            assert (text);
            if (object->via.str.size)
                memcpy (text, object->via.str.ptr, object->via.str.size);
            text [object->via.str.size] = 0;
            s_set_pointer (row, record, text);
            return 0;
        }
        case FIELDS_STR_REF:
            if (!s_is_str (object, row->max))
                return -1;
            //  Present is never NULL, whatever msgpack-c leaves for size 0
            s_set_pointer (row, record, object->via.str.ptr? object->via.str.ptr: "");
            *s_length (row, record) = object->via.str.size;
            return 0;
        case FIELDS_UINT:
            if (object->type != MSGPACK_OBJECT_POSITIVE_INTEGER || object->via.u64 > row->max)
                return -1;
            if (row->size == sizeof (uint32_t))
                *(uint32_t *) s_at (row, record) = (uint32_t) object->via.u64;
            else
                *(uint64_t *) s_at (row, record) = object->via.u64;
            return 0;
        case FIELDS_BOOL:
            if (object->type != MSGPACK_OBJECT_BOOLEAN)
                return -1;
            *(bool *) s_at (row, record) = object->via.boolean;
            return 0;
        case FIELDS_BIN:
            if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size != row->size)
                return -1;
            memcpy (s_at (row, record), object->via.bin.ptr, row->size);
            return 0;
        case FIELDS_BIN_REF:
            if (object->type != MSGPACK_OBJECT_BIN || object->via.bin.size > row->max)
                return -1;
            s_set_pointer (row, record, object->via.bin.ptr? object->via.bin.ptr: "");
            *s_length (row, record) = object->via.bin.size;
            return 0;
        case FIELDS_ARRAY:
            if (!s_is_array (object, row->element))
                return -1;
            s_set_pointer (row, record, object);
            return 0;
        case FIELDS_MAP:
            if (!s_is_map (object, row->element))
                return -1;
            s_set_pointer (row, record, object);
            return 0;
        default:
            return -1;
    }
}

//  Reads every row from what s_find found; the record's rows are empty
static int
s_read (const fields_t *fields, const msgpack_object *map, void *record)
{
    assert (fields->count <= FIELDS_ROWS_MAX);
    const msgpack_object *found [FIELDS_ROWS_MAX] = { NULL };
    if (s_find (fields, map, found))
        return -1;
    for (size_t index = 0; index < fields->count; index++) {
        const fields_row_t *row = &fields->rows [index];
        if ((row->flags & FIELDS_WITH_PREVIOUS) && !found [index] != !found [index - 1])
            return -1;
        if (!found [index]) {
            if (row->flags & FIELDS_REQUIRED)
                return -1;
            continue;
        }
        if (s_read_value (row, found [index], record)
        ||  ((row->flags & FIELDS_NOT_EMPTY) && s_empty (row, record)))
            return -1;
        if (row->has)
            *s_has (row, record) = true;
    }
    return fields->check? fields->check (record): 0;
}

int
fields_read (const fields_t *fields, const msgpack_object *map, void *record)
{
    assert (!fields->unpacked);
    memset (record, 0, fields->size);
    if (s_read (fields, map, record)) {
        fields_clear (fields, record);
        return STATUS_MALFORMED;
    }
    return STATUS_OK;
}

int
fields_decode (const fields_t *fields, const uint8_t *data, size_t size, void *record)
{
    memset (record, 0, fields->size);
    msgpack_unpacked own;
    msgpack_unpacked *unpacked = fields->unpacked?
        (msgpack_unpacked *) ((uint8_t *) record + fields->unpacked - 1): &own;
    msgpack_unpacked_init (unpacked);
    int status = codec_unpack (data, size, unpacked);
    if (status == STATUS_OK && s_read (fields, &unpacked->data, record))
        status = STATUS_MALFORMED;
    if (status != STATUS_OK)
        fields_clear (fields, record);
    if (unpacked == &own)
        msgpack_unpacked_destroy (&own);
    return status;
}

void
fields_clear (const fields_t *fields, void *record)
{
    for (size_t index = 0; index < fields->count; index++) {
        const fields_row_t *row = &fields->rows [index];
        if (row->type == FIELDS_DERIVED)
            continue;
        if (row->type == FIELDS_TEXT)
            free ((void *) s_pointer (row, record));
        memset (s_at (row, record), 0, row->size);
        if (row->type == FIELDS_STR_REF || row->type == FIELDS_BIN_REF)
            *s_length (row, record) = 0;
        if (row->has)
            *s_has (row, record) = false;
    }
}

void
fields_destroy (const fields_t *fields, void *record)
{
    fields_clear (fields, record);
    if (fields->unpacked)
        msgpack_unpacked_destroy ((msgpack_unpacked *) ((uint8_t *) record
                                                        + fields->unpacked - 1));
}

//  --------------------------------------------------------------------------
//  A table's own consistency, for the self-tests

static bool
s_row_valid (const fields_t *fields, size_t index)
{
    const fields_row_t *row = &fields->rows [index];
    bool pointer = s_is_pointer (row);
    if (!row->key || !*row->key
    ||  (row->type != FIELDS_DERIVED && row->offset + row->size > fields->size)
    ||  (pointer && row->size != sizeof (void *))
    ||  (s_borrows (row) && !fields->unpacked)
    ||  ((row->flags & FIELDS_WITH_PREVIOUS) && index == 0)
    ||  ((row->flags & FIELDS_NOT_EMPTY) && row->type != FIELDS_STR
                                          && row->type != FIELDS_UINT)
    ||  (row->has && (row->flags & FIELDS_OMIT_EMPTY))
    ||  (row->has && row->has - 1 + sizeof (bool) > fields->size))
        return false;
    for (size_t other = 0; other < index; other++)
        if (strcmp (fields->rows [other].key, row->key) == 0)
            return false;
    switch (row->type) {
        case FIELDS_STR:
        case FIELDS_BIN:
            return row->size > 0;
        case FIELDS_UINT:
            return row->size == sizeof (uint64_t)
               || (row->size == sizeof (uint32_t) && row->max <= UINT32_MAX);
        case FIELDS_BOOL:
            return row->size == sizeof (bool);
        case FIELDS_STR_REF:
        case FIELDS_BIN_REF:
            return row->length + sizeof (size_t) <= fields->size;
        case FIELDS_ARRAY:
        case FIELDS_MAP:
            return row->element == FIELDS_ANY
               || (row->element >= MSGPACK_OBJECT_NIL && row->element <= MSGPACK_OBJECT_BIN);
        case FIELDS_DERIVED:
            return row->pack && !row->has && !(row->flags & ~FIELDS_WITH_PREVIOUS);
        default:
            return row->type == FIELDS_TEXT;
    }
}

bool
fields_valid (const fields_t *fields)
{
    if (!fields || !fields->name || !fields->rows || fields->count == 0
    ||  fields->count > FIELDS_ROWS_MAX
    ||  (fields->unpacked && fields->unpacked - 1 + sizeof (msgpack_unpacked) > fields->size))
        return false;
    for (size_t index = 0; index < fields->count; index++)
        if (!s_row_valid (fields, index))
            return false;
    return true;
}

//  --------------------------------------------------------------------------
//  Self-test: a record with a row of every type

typedef struct {
    msgpack_unpacked unpacked;
    char name [9];                  //  STR, required, not empty
    uint32_t code;                  //  UINT of 4 bytes, required
    uint64_t count;                 //  UINT of 8 bytes, left out when 0
    bool more;                      //  BOOL, with its presence
    bool has_more;
    uint8_t id [4];                 //  BIN of 4
    char *text;                     //  TEXT, left out when NULL
    const char *note;               //  STR_REF, NULL written as ""
    size_t note_size;
    const uint8_t *piece;           //  BIN_REF, NULL written as empty
    size_t piece_size;
    const msgpack_object *names;    //  ARRAY of str, left out when NULL
    uint64_t seq;                   //  seq and hash: both or neither
    uint8_t hash [2];
    const msgpack_object *rows;     //  ARRAY of anything, required
} s_record_t;

static int
s_pack_kind (msgpack_packer *pk, const void *record)
{
    return codec_pack_str (pk, status_name ((int) ((const s_record_t *) record)->code));
}

//  Across keys: seq is not above count
static int
s_check (const void *record)
{
    const s_record_t *self = (const s_record_t *) record;
    return self->seq <= self->count? 0: -1;
}

static const fields_row_t s_rows [] = {
    { "name",  FIELDS_STR,     FIELDS_AT (s_record_t, name),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
    { "code",  FIELDS_UINT,    FIELDS_AT (s_record_t, code), .max = 999,
      .flags = FIELDS_REQUIRED },
    { "kind",  FIELDS_DERIVED, .pack = s_pack_kind },
    { "count", FIELDS_UINT,    FIELDS_AT (s_record_t, count), .max = UINT64_MAX,
      .flags = FIELDS_OMIT_EMPTY },
    { "more",  FIELDS_BOOL,    FIELDS_AT (s_record_t, more),
      FIELDS_HAS (s_record_t, has_more) },
    { "id",    FIELDS_BIN,     FIELDS_AT (s_record_t, id) },
    { "text",  FIELDS_TEXT,    FIELDS_AT (s_record_t, text), .max = 16,
      .flags = FIELDS_OMIT_EMPTY },
    { "note",  FIELDS_STR_REF, FIELDS_AT (s_record_t, note), .max = 8,
      FIELDS_LENGTH (s_record_t, note_size) },
    { "piece", FIELDS_BIN_REF, FIELDS_AT (s_record_t, piece), .max = 8,
      FIELDS_LENGTH (s_record_t, piece_size) },
    { "names", FIELDS_ARRAY,   FIELDS_AT (s_record_t, names),
      .element = MSGPACK_OBJECT_STR, .flags = FIELDS_OMIT_EMPTY },
    { "seq",   FIELDS_UINT,    FIELDS_AT (s_record_t, seq), .max = INT64_MAX,
      .flags = FIELDS_OMIT_EMPTY | FIELDS_NOT_EMPTY },
    { "hash",  FIELDS_BIN,     FIELDS_AT (s_record_t, hash),
      .flags = FIELDS_WITH_PREVIOUS },
    { "rows",  FIELDS_ARRAY,   FIELDS_AT (s_record_t, rows),
      .element = FIELDS_ANY, .flags = FIELDS_REQUIRED },
};
static const fields_t s_table =
    FIELDS_TABLE_UNPACKED ("TEST", s_record_t, unpacked, s_rows, s_check);

//  A map inside a payload: an element of the record's rows
typedef struct {
    uint64_t a;
} s_cell_t;

static const fields_row_t s_cell_rows [] = {
    { "a", FIELDS_UINT, FIELDS_AT (s_cell_t, a), .max = 9, .flags = FIELDS_REQUIRED },
};
static const fields_t s_cell_table = FIELDS_TABLE ("CELL", s_cell_t, s_cell_rows, NULL);

//  A map of str values, the one row of a table of its own
typedef struct {
    msgpack_unpacked unpacked;
    const msgpack_object *values;
} s_values_t;

static const fields_row_t s_values_rows [] = {
    { "values", FIELDS_MAP, FIELDS_AT (s_values_t, values),
      .element = MSGPACK_OBJECT_STR, .flags = FIELDS_OMIT_EMPTY },
};
static const fields_t s_values_table =
    FIELDS_TABLE_UNPACKED ("VALUES", s_values_t, unpacked, s_values_rows, NULL);

//  Every row written
#define S_VECTOR_FULL \
    "8da46e616d65a6736c75696365a4636f6465cc84a46b696e64ac4e4f5f414752" \
    "45454d454e54a5636f756e7407a46d6f7265c3a26964c40401020304a4746578" \
    "74a6612074657874a46e6f7465a46e6f7465a57069656365c4020908a56e616d" \
    "657392a161a162a373657105a468617368c402abcda4726f77739181a16101"
//  The optional rows left out: count 0, more absent, no text, no names, no
//  seq and hash; note and piece NULL are written empty
#define S_VECTOR_SPARSE \
    "87a46e616d65a173a4636f646501a46b696e64a94e4f545f464f554e44a26964" \
    "c40401020304a46e6f7465a0a57069656365c400a4726f77739181a16101"

//  Appends the bytes that hex text spells
static void
s_raw (msgpack_sbuffer *buffer, const char *hex)
{
    uint8_t bytes [64];
    size_t size = 0;
    assert (sodium_hex2bin (bytes, sizeof (bytes), hex, strlen (hex), NULL, &size, NULL) == 0);
    msgpack_sbuffer_write (buffer, (const char *) bytes, size);
}

typedef enum { S_DROP, S_TWICE, S_SET, S_ADD } s_edit_t;

typedef struct {
    s_edit_t edit;
    const char *key;            //  the key changed; S_ADD: none
    const char *hex;            //  S_SET: the value; S_ADD: the pairs added
    size_t pairs;               //  S_ADD: how many pairs `hex` holds
} s_change_t;

//  The map with one change
static void
s_change (const msgpack_object *map, const s_change_t *change, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, out, msgpack_sbuffer_write);
    size_t count = map->via.map.size;
    if (change->edit == S_DROP)
        count--;
    else
    if (change->edit == S_TWICE)
        count++;
    else
    if (change->edit == S_ADD)
        count += change->pairs;
    msgpack_pack_map (&pk, count);
    for (uint32_t index = 0; index < map->via.map.size; index++) {
        const msgpack_object_kv *pair = &map->via.map.ptr [index];
        bool match = change->edit != S_ADD
                  && pair->key.via.str.size == strlen (change->key)
                  && memcmp (pair->key.via.str.ptr, change->key, pair->key.via.str.size) == 0;
        if (match && change->edit == S_DROP)
            continue;
        msgpack_pack_object (&pk, pair->key);
        if (match && change->edit == S_SET)
            s_raw (out, change->hex);
        else
            msgpack_pack_object (&pk, pair->val);
        if (match && change->edit == S_TWICE) {
            msgpack_pack_object (&pk, pair->key);
            msgpack_pack_object (&pk, pair->val);
        }
    }
    if (change->edit == S_ADD)
        s_raw (out, change->hex);
}

static void
s_test_tables (void)
{
    assert (fields_valid (&s_table) && fields_valid (&s_cell_table));
    //  Tables that are not well formed
    const fields_row_t twice [] = {
        { "a", FIELDS_UINT, FIELDS_AT (s_record_t, count) },
        { "a", FIELDS_UINT, FIELDS_AT (s_record_t, seq) },
    };
    const fields_row_t first_with_previous [] = {
        { "a", FIELDS_UINT, FIELDS_AT (s_record_t, count), .flags = FIELDS_WITH_PREVIOUS },
    };
    const fields_row_t narrow [] = {
        { "a", FIELDS_UINT, FIELDS_AT (s_record_t, code), .max = UINT64_MAX },
    };
    const fields_row_t borrowed [] = {
        { "a", FIELDS_ARRAY, FIELDS_AT (s_record_t, rows), .element = FIELDS_ANY },
    };
    const fields_row_t has_and_omit [] = {
        { "a", FIELDS_BOOL, FIELDS_AT (s_record_t, more), FIELDS_HAS (s_record_t, has_more),
          .flags = FIELDS_OMIT_EMPTY },
    };
    const fields_row_t empty_bin [] = {
        { "a", FIELDS_BIN, FIELDS_AT (s_record_t, hash), .flags = FIELDS_NOT_EMPTY },
    };
    const fields_t bad [] = {
        FIELDS_TABLE ("T", s_record_t, twice, NULL),
        FIELDS_TABLE ("T", s_record_t, first_with_previous, NULL),
        FIELDS_TABLE ("T", s_record_t, narrow, NULL),
        FIELDS_TABLE ("T", s_record_t, borrowed, NULL),
        FIELDS_TABLE ("T", s_record_t, has_and_omit, NULL),
        FIELDS_TABLE ("T", s_record_t, empty_bin, NULL),
        FIELDS_TABLE ("T", uint32_t, narrow, NULL),             //  outside the record
    };
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++)
        assert (!fields_valid (&bad [index]));
    fields_t none = FIELDS_TABLE ("T", s_record_t, twice, NULL);
    none.count = 0;
    assert (!fields_valid (&none));
}

//  A full record and a sparse one: the bytes, and back
static void
s_test_round_trip (bool verbose)
{
    msgpack_unpacked names, rows;
    msgpack_unpacked_init (&names);
    msgpack_unpacked_init (&rows);
    const uint8_t names_bytes [] = { 0x92, 0xa1, 'a', 0xa1, 'b' };
    const uint8_t rows_bytes [] = { 0x91, 0x81, 0xa1, 'a', 0x01 };
    assert (codec_unpack (names_bytes, sizeof (names_bytes), &names) == STATUS_OK);
    assert (codec_unpack (rows_bytes, sizeof (rows_bytes), &rows) == STATUS_OK);
    char text [] = "a text";
    const uint8_t piece [] = { 9, 8 };
    s_record_t full = { .name = "sluice", .code = STATUS_NO_AGREEMENT, .count = 7,
                        .more = true, .has_more = true, .id = { 1, 2, 3, 4 },
                        .text = text, .note = "note", .note_size = 4,
                        .piece = piece, .piece_size = 2, .names = &names.data,
                        .seq = 5, .hash = { 0xab, 0xcd }, .rows = &rows.data };
    s_record_t sparse = { .name = "s", .code = 1, .id = { 1, 2, 3, 4 },
                          .rows = &rows.data };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (fields_encode (&s_table, &full, &buffer) == 0);
    assert (codec_vector_equal (&buffer, S_VECTOR_FULL, verbose));
    s_record_t back;
    assert (fields_decode (&s_table, (uint8_t *) buffer.data, buffer.size, &back)
            == STATUS_OK);
    assert (streq (back.name, "sluice") && back.code == STATUS_NO_AGREEMENT);
    assert (back.count == 7 && back.more && back.has_more);
    assert (memcmp (back.id, full.id, 4) == 0 && memcmp (back.hash, full.hash, 2) == 0);
    assert (back.text != text && streq (back.text, "a text"));
    assert (back.note_size == 4 && memcmp (back.note, "note", 4) == 0);
    assert (back.piece_size == 2 && memcmp (back.piece, piece, 2) == 0);
    assert (back.names->via.array.size == 2 && back.rows->via.array.size == 1);
    assert (back.seq == 5);
    //  A map inside the payload, by a table of its own
    s_cell_t cell;
    assert (fields_read (&s_cell_table, &back.rows->via.array.ptr [0], &cell) == STATUS_OK);
    assert (cell.a == 1);
    assert (fields_read (&s_cell_table, back.names, &cell) == STATUS_MALFORMED);
    fields_destroy (&s_table, &back);
    fields_destroy (&s_table, &back);
    assert (!back.text && !back.rows && !*back.name);

    msgpack_sbuffer_clear (&buffer);
    assert (fields_encode (&s_table, &sparse, &buffer) == 0);
    assert (codec_vector_equal (&buffer, S_VECTOR_SPARSE, verbose));
    assert (fields_decode (&s_table, (uint8_t *) buffer.data, buffer.size, &back)
            == STATUS_OK);
    assert (back.count == 0 && !back.has_more && !back.more && !back.text);
    assert (back.note && back.note_size == 0 && back.piece_size == 0);
    assert (!back.names && back.seq == 0 && back.hash [0] == 0);
    fields_destroy (&s_table, &back);

    //  Open: every row but the last's value, which the caller packs
    msgpack_sbuffer_clear (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    assert (fields_pack_open (&s_table, &sparse, &pk) == 0);
    msgpack_pack_object (&pk, rows.data);
    assert (codec_vector_equal (&buffer, S_VECTOR_SPARSE, verbose));
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&names);
    msgpack_unpacked_destroy (&rows);
}

//  Changes to the full record's map that are refused, and that are not
static const s_change_t s_refused [] = {
    { S_DROP,  "name" },                        //  required
    { S_DROP,  "code" },
    { S_DROP,  "rows" },
    { S_TWICE, "name" },                        //  a known key twice
    { S_TWICE, "count" },
    { S_SET,   "name", "a9313233343536373839" },   //  9 bytes, over 8
    { S_SET,   "name", "a3610062" },            //  a NUL byte
    { S_SET,   "name", "a0" },                  //  empty
    { S_SET,   "name", "c403616263" },          //  bin, not str
    { S_SET,   "code", "cd03e8" },              //  1000, over 999
    { S_SET,   "code", "d000" },                //  a signed format
    { S_SET,   "code", "ff" },                  //  negative
    { S_SET,   "code", "cb3ff0000000000000" },  //  a float
    { S_SET,   "count", "d30000000000000007" }, //  a signed format, 64 bits
    { S_SET,   "more", "01" },                  //  not a bool
    { S_SET,   "id", "c403010203" },            //  3 bytes, not 4
    { S_SET,   "id", "a401020304" },            //  str, not bin
    { S_SET,   "text", "b16161616161616161616161616161616161" },   //  17, over 16
    { S_SET,   "text", "a3610062" },
    { S_SET,   "note", "a9616161616161616161" },   //  9, over 8
    { S_SET,   "note", "a20061" },
    { S_SET,   "piece", "c409010203040506070809" },    //  9, over 8
    { S_SET,   "piece", "a161" },               //  str, not bin
    { S_SET,   "names", "92a16101" },           //  an element not str
    { S_SET,   "names", "a161" },               //  not an array
    { S_SET,   "rows", "81a16101" },            //  a map, not an array
    { S_DROP,  "seq" },                         //  hash without seq
    { S_DROP,  "hash" },                        //  seq without hash
    { S_SET,   "seq", "00" },                   //  not empty
    { S_SET,   "seq", "08" },                   //  the check: seq above count
    { S_SET,   "hash", "c403abcdef" },          //  3 bytes, not 2
};

static const s_change_t s_accepted [] = {
    { S_ADD,   NULL, "a17a01", 1 },             //  an unknown key
    { S_ADD,   NULL, "a17a01a17a02", 2 },       //  an unknown key twice
    { S_ADD,   NULL, "0101", 1 },               //  a key that is not str
    { S_ADD,   NULL, "a46b696e64c0", 1 },       //  a derived key again: not read
    { S_DROP,  "more" },                        //  optional keys absent
    { S_DROP,  "text" },
    { S_DROP,  "names" },
    { S_SET,   "code", "cd03e7" },              //  999
};

//  The full record's map with one change decodes as expected; refused,
//  nothing is left of what was read
static void
s_test_change (const msgpack_object *map, const s_change_t *change, int expected)
{
    msgpack_sbuffer changed;
    msgpack_sbuffer_init (&changed);
    s_change (map, change, &changed);
    s_record_t back;
    assert (fields_decode (&s_table, (uint8_t *) changed.data, changed.size, &back)
            == expected);
    if (expected == STATUS_OK)
        assert (streq (back.name, "sluice") && back.rows);
    else
        assert (!*back.name && back.code == 0 && !back.text && !back.rows && !back.has_more);
    fields_destroy (&s_table, &back);
    msgpack_sbuffer_destroy (&changed);
}

static void
s_test_refusals (void)
{
    msgpack_unpacked names, rows;
    msgpack_unpacked_init (&names);
    msgpack_unpacked_init (&rows);
    const uint8_t names_bytes [] = { 0x91, 0xa1, 'a' };
    const uint8_t rows_bytes [] = { 0x90 };
    assert (codec_unpack (names_bytes, sizeof (names_bytes), &names) == STATUS_OK);
    assert (codec_unpack (rows_bytes, sizeof (rows_bytes), &rows) == STATUS_OK);
    char text [] = "a text";
    s_record_t full = { .name = "sluice", .code = 132, .count = 7, .has_more = true,
                        .text = text, .names = &names.data, .seq = 5, .rows = &rows.data };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (fields_encode (&s_table, &full, &buffer) == 0);
    msgpack_unpacked map;
    msgpack_unpacked_init (&map);
    assert (codec_unpack ((uint8_t *) buffer.data, buffer.size, &map) == STATUS_OK);
    for (size_t index = 0; index < sizeof (s_refused) / sizeof (s_refused [0]); index++)
        s_test_change (&map.data, &s_refused [index], STATUS_MALFORMED);
    for (size_t index = 0; index < sizeof (s_accepted) / sizeof (s_accepted [0]); index++)
        s_test_change (&map.data, &s_accepted [index], STATUS_OK);
    s_record_t back;
    //  Every cut of the map, and what is not a map, is refused
    for (size_t size = 0; size < buffer.size; size++) {
        assert (fields_decode (&s_table, (uint8_t *) buffer.data, size, &back)
                == STATUS_MALFORMED);
        fields_destroy (&s_table, &back);
    }
    const uint8_t array [] = { 0x91, 0x01 };
    assert (fields_decode (&s_table, array, sizeof (array), &back) == STATUS_MALFORMED);
    fields_destroy (&s_table, &back);
    msgpack_unpacked_destroy (&map);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&names);
    msgpack_unpacked_destroy (&rows);
}

//  A map row: written as it is, left out when empty, read only with str
//  keys and values of its element type
static void
s_test_map (bool verbose)
{
    assert (fields_valid (&s_values_table));
    const uint8_t pairs [] = { 0x81, 0xa1, 'a', 0xa1, 'b' };
    msgpack_unpacked map;
    msgpack_unpacked_init (&map);
    assert (codec_unpack (pairs, sizeof (pairs), &map) == STATUS_OK);
    s_values_t record = { .values = &map.data };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (fields_encode (&s_values_table, &record, &buffer) == 0);
    assert (codec_vector_equal (&buffer, "81a676616c75657381a161a162", verbose));
    s_values_t back;
    assert (fields_decode (&s_values_table, (uint8_t *) buffer.data, buffer.size, &back)
            == STATUS_OK);
    assert (back.values && back.values->via.map.size == 1);
    fields_destroy (&s_values_table, &back);
    msgpack_sbuffer_clear (&buffer);
    record.values = NULL;
    assert (fields_encode (&s_values_table, &record, &buffer) == 0);
    assert (codec_vector_equal (&buffer, "80", verbose));
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&map);
    const char *refused [] = {
        "81a676616c7565738161a162",         //  a key not str
        "81a676616c75657381a16101",         //  a value not str
        "81a676616c7565739101",             //  an array
    };
    for (size_t index = 0; index < sizeof (refused) / sizeof (refused [0]); index++) {
        msgpack_sbuffer_init (&buffer);
        s_raw (&buffer, refused [index]);
        assert (fields_decode (&s_values_table, (uint8_t *) buffer.data, buffer.size, &back)
                == STATUS_MALFORMED);
        fields_destroy (&s_values_table, &back);
        msgpack_sbuffer_destroy (&buffer);
    }
}

void
fields_test (bool verbose)
{
    if (verbose)
        printf (" * fields: ");
    s_test_tables ();
    s_test_round_trip (verbose);
    s_test_refusals ();
    s_test_map (verbose);

    //  A string is copied whole or not at all
    char buffer [4];
    assert (fields_set_str (buffer, sizeof (buffer), "abc") == 0 && streq (buffer, "abc"));
    assert (fields_set_str (buffer, sizeof (buffer), NULL) == 0 && streq (buffer, ""));
    assert (fields_set_str (buffer, sizeof (buffer), "abcd") == -1 && streq (buffer, ""));
    if (verbose)
        printf ("OK\n");
}
