/*  rowpack.c -- the rows of one lookup, packed as the catalog declares them.
*/

#include "rowpack.h"
#include "status.h"

//  The largest msgpack array header (array 32), packed before the rows
#define S_ARRAY_HEADER_MAX  5

struct _rowpack_t {
    size_t limit;               //  bytes, with the array header
    msgpack_sbuffer scratch;    //  the rows of the lookup in progress
    msgpack_packer packer;      //  writes into scratch
};

rowpack_t *
rowpack_new (size_t limit)
{
    rowpack_t *self = (rowpack_t *) zmalloc (sizeof (rowpack_t));
    assert (self);
    self->limit = limit;
    msgpack_sbuffer_init (&self->scratch);
    msgpack_packer_init (&self->packer, &self->scratch, msgpack_sbuffer_write);
    return self;
}

void
rowpack_destroy (rowpack_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        msgpack_sbuffer_destroy (&(*self_p)->scratch);
        free (*self_p);
        *self_p = NULL;
    }
}

void
rowpack_clear (rowpack_t *self)
{
    assert (self);
    msgpack_sbuffer_clear (&self->scratch);
}

static const char *
s_storage_name (int storage)
{
    switch (storage) {
        case SQLITE_INTEGER: return "integer";
        case SQLITE_FLOAT:   return "real";
        case SQLITE_TEXT:    return "text";
        case SQLITE_BLOB:    return "blob";
        default:             return "null";
    }
}

//  Packs one value as its field's declared type; -1 if it does not fit
static int
s_pack_value (msgpack_packer *pk, sqlite3_stmt *stmt, int column, field_type_t type)
{
    int storage = sqlite3_column_type (stmt, column);
    if (storage == SQLITE_NULL)
        return msgpack_pack_nil (pk);

    switch (type) {
        case FIELD_INTEGER:
            if (storage == SQLITE_INTEGER)
                return msgpack_pack_int64 (pk, sqlite3_column_int64 (stmt, column));
            if (storage == SQLITE_FLOAT) {
                double value = sqlite3_column_double (stmt, column);
                if (value >= -9007199254740992.0 && value <= 9007199254740992.0
                &&  value == (double) (int64_t) value)
                    return msgpack_pack_int64 (pk, (int64_t) value);
            }
            return -1;
        case FIELD_REAL:
            if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT)
                return msgpack_pack_double (pk, sqlite3_column_double (stmt, column));
            return -1;
        case FIELD_TEXT:
        case FIELD_DATE:
            //  A text field shows a number as SQLite writes it; a date
            //  must be text
            if (storage == SQLITE_TEXT
            || (type == FIELD_TEXT && storage != SQLITE_BLOB)) {
                const unsigned char *text = sqlite3_column_text (stmt, column);
                int size = sqlite3_column_bytes (stmt, column);
                if (!text || size < 0)
                    return -1;
                if (msgpack_pack_str (pk, (size_t) size))
                    return -1;
                return msgpack_pack_str_body (pk, text, (size_t) size);
            }
            return -1;
        case FIELD_BOOLEAN:
            if (storage == SQLITE_INTEGER) {
                sqlite3_int64 value = sqlite3_column_int64 (stmt, column);
                if (value == 1)
                    return msgpack_pack_true (pk);
                if (value == 0)
                    return msgpack_pack_false (pk);
            }
            return -1;
    }
    return -1;
}

int
rowpack_row (rowpack_t *self, sqlite3_stmt *stmt, item_t *item, const int *column,
             uint64_t mask, char **error)
{
    assert (self && stmt && item && column);
    size_t fields = 0;
    for (uint64_t bits = mask; bits; bits &= bits - 1)
        fields++;
    if (msgpack_pack_map (&self->packer, fields))
        return STATUS_SOURCE_FAILED;
    for (size_t index = 0; index < item_field_count (item); index++) {
        if (!(mask & ((uint64_t) 1 << index)))
            continue;
        const field_t *field = item_field (item, index);
        size_t length = strlen (field->name);
        if (msgpack_pack_str (&self->packer, length)
        ||  msgpack_pack_str_body (&self->packer, field->name, length))
            return STATUS_SOURCE_FAILED;
        if (s_pack_value (&self->packer, stmt, column [index], field->type)) {
            status_set_error (error, "item '%s': field '%s': %s value does not fit "
                              "type %s", item_name (item), field->name,
                              s_storage_name (sqlite3_column_type (stmt, column [index])),
                              item_field_type_name (field->type));
            return STATUS_SOURCE_FAILED;
        }
    }
    if (self->scratch.size + S_ARRAY_HEADER_MAX > self->limit)
        return STATUS_TOO_LARGE;
    return STATUS_OK;
}

int
rowpack_copy (rowpack_t *self, msgpack_packer *pk, size_t rows)
{
    assert (self && pk);
    if (msgpack_pack_array (pk, rows))
        return -1;
    if (self->scratch.size
    &&  pk->callback (pk->data, self->scratch.data, self->scratch.size))
        return -1;
    return 0;
}


//  --------------------------------------------------------------------------
//  Self-test

//  An item of one field of each type, and a row of values to pack as them
static item_t *
s_test_item (void)
{
    zconfig_t *root = zconfig_str_load (
        "item = \"probe\"\n"
        "    title = \"probe\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"open\"\n"
        "    sql = \"SELECT 1 WHERE :key\"\n"
        "    field = \"count\"\n"
        "        type = \"integer\"\n"
        "        sensitivity = 0\n"
        "    field = \"amount\"\n"
        "        type = \"real\"\n"
        "        sensitivity = 0\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 0\n"
        "    field = \"opened\"\n"
        "        type = \"date\"\n"
        "        sensitivity = 0\n"
        "    field = \"listed\"\n"
        "        type = \"boolean\"\n"
        "        sensitivity = 0\n");
    assert (root);
    item_t *item = item_new_from_config (zconfig_child (root), NULL);
    assert (item);
    zconfig_destroy (&root);
    return item;
}

//  Packs the one row of `sql` (five columns, one per field) with `mask`;
//  returns the status, the packed array in *packed (for STATUS_OK)
static int
s_test_pack (rowpack_t *rows, sqlite3 *db, item_t *item, const char *sql,
             uint64_t mask, msgpack_sbuffer *packed, char **error)
{
    sqlite3_stmt *stmt = NULL;
    assert (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK);
    assert (sqlite3_step (stmt) == SQLITE_ROW);
    const int column [] = { 0, 1, 2, 3, 4 };
    rowpack_clear (rows);
    msgpack_sbuffer_clear (packed);
    int status = rowpack_row (rows, stmt, item, column, mask, error);
    sqlite3_finalize (stmt);
    if (status == STATUS_OK) {
        msgpack_packer pk;
        msgpack_packer_init (&pk, packed, msgpack_sbuffer_write);
        assert (rowpack_copy (rows, &pk, 1) == 0);
    }
    return status;
}

//  The packed array's only row
static msgpack_object_map
s_test_row (msgpack_sbuffer *packed, msgpack_unpacked *unpacked)
{
    assert (msgpack_unpack_next (unpacked, packed->data, packed->size, NULL)
            == MSGPACK_UNPACK_SUCCESS);
    assert (unpacked->data.type == MSGPACK_OBJECT_ARRAY);
    assert (unpacked->data.via.array.size == 1);
    return unpacked->data.via.array.ptr [0].via.map;
}

void
rowpack_test (bool verbose)
{
    if (verbose)
        printf (" * rowpack: ");
    sqlite3 *db = NULL;
    assert (sqlite3_open (":memory:", &db) == SQLITE_OK);
    item_t *item = s_test_item ();
    rowpack_t *rows = rowpack_new (1024);
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    char *error = NULL;

    //  Each value as its type, in the item's order; the lossless
    //  conversions: an integral real to an integer, a number to text
    assert (s_test_pack (rows, db, item, "SELECT 42.0, 300, 7, '2016-03-08', 1",
                         item_all_fields (item), &packed, &error) == STATUS_OK);
    msgpack_object_map row = s_test_row (&packed, &unpacked);
    assert (row.size == 5);
    assert (row.ptr [0].val.type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert (row.ptr [0].val.via.u64 == 42);
    assert (row.ptr [1].val.type == MSGPACK_OBJECT_FLOAT64);
    assert (row.ptr [1].val.via.f64 == 300.0);
    assert (row.ptr [2].val.type == MSGPACK_OBJECT_STR);
    assert (row.ptr [2].val.via.str.size == 1 && row.ptr [2].val.via.str.ptr [0] == '7');
    assert (row.ptr [3].val.type == MSGPACK_OBJECT_STR);
    assert (row.ptr [4].val.type == MSGPACK_OBJECT_BOOLEAN && row.ptr [4].val.via.boolean);
    //  Only the fields of the mask; NULL is nil whatever the type
    assert (s_test_pack (rows, db, item, "SELECT NULL, NULL, 'x', NULL, 0",
                         1 | 16, &packed, &error) == STATUS_OK);
    row = s_test_row (&packed, &unpacked);
    assert (row.size == 2);
    assert (row.ptr [0].key.via.str.size == 5);           //  "count"
    assert (row.ptr [0].val.type == MSGPACK_OBJECT_NIL);
    assert (row.ptr [1].val.type == MSGPACK_OBJECT_BOOLEAN && !row.ptr [1].val.via.boolean);

    //  What does not fit its type is refused, naming the field
    const struct {
        const char *sql;
        uint64_t mask;
        const char *says;
    } refused [] = {
        { "SELECT 'abc', 0, '', '', 0", 1, "field 'count': text value does not fit type integer" },
        { "SELECT 1.5, 0, '', '', 0", 1, "field 'count': real value does not fit type integer" },
        { "SELECT 0, 'x', '', '', 0", 2, "field 'amount': text value does not fit type real" },
        { "SELECT 0, 0, x'00', '', 0", 4, "field 'name': blob value does not fit type text" },
        { "SELECT 0, 0, '', 20160308, 0", 8, "field 'opened': integer value does not fit type date" },
        { "SELECT 0, 0, '', '', 2", 16, "field 'listed': integer value does not fit type boolean" },
        { "SELECT 0, 0, '', '', 'yes'", 16, "field 'listed': text value does not fit type boolean" },
    };
    for (size_t index = 0; index < sizeof (refused) / sizeof (refused [0]); index++) {
        assert (s_test_pack (rows, db, item, refused [index].sql, refused [index].mask,
                             &packed, &error) == STATUS_SOURCE_FAILED);
        assert (error && strstr (error, "item 'probe': ")
                && strstr (error, refused [index].says));
        zstr_free (&error);
    }
    //  Rows that would not fit the limit
    rowpack_destroy (&rows);
    rows = rowpack_new (20);
    assert (s_test_pack (rows, db, item, "SELECT 0, 0, 'long enough to pass', '', 0",
                         4, &packed, &error) == STATUS_TOO_LARGE);
    assert (s_test_pack (rows, db, item, "SELECT 0, 0, 'short', '', 0",
                         4, &packed, &error) == STATUS_OK);

    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&packed);
    rowpack_destroy (&rows);
    rowpack_destroy (&rows);
    assert (rows == NULL);
    item_destroy (&item);
    sqlite3_close (db);
    if (verbose)
        printf ("OK\n");
}
