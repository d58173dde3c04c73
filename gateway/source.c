/*  source.c -- the department's own database, read on behalf of the catalog.

    Three locks keep the gateway from ever changing the department's data:
    the connection is opened SQLITE_OPEN_READONLY, an authorizer admits only
    SELECT, reads, functions and recursive CTEs (so even ATTACH, PRAGMA or a
    transaction statement is refused while preparing), and every statement
    must pass sqlite3_stmt_readonly. The statements are prepared once, when
    the source opens, so a catalog that does not match the database is found
    at start-up, not on the first query.

    A lookup packs its rows as their declared types (rowpack.h), into a
    buffer of its own first, and copies them to the caller's packer only
    when the whole statement succeeded: a timeout or an error halfway
    through a list leaves the caller's output untouched.
*/

#include "source.h"
#include "rowpack.h"
#include "status.h"
#include "file.h"

#include <sqlite3.h>
#include <sodium.h>

//  VM instructions between two looks at the clock; the clock is cheap
#define S_PROGRESS_OPS  1000

typedef struct {
    item_t *item;               //  not owned: the catalog's
    sqlite3_stmt *stmt;
    int column [ITEM_FIELDS_MAX];   //  result column of each field
} s_query_t;

struct _source_t {
    sqlite3 *db;
    zhashx_t *queries;          //  item name -> s_query_t, owned
    int timeout_ms;
    int64_t deadline;           //  zclock_mono ms, 0 when no statement runs
    bool timed_out;             //  set by the progress handler
    rowpack_t *rows;            //  rows of the lookup in progress
};


static void
s_query_destroy (void **item_p)
{
    s_query_t *query = (s_query_t *) *item_p;
    if (query) {
        sqlite3_finalize (query->stmt);
        free (query);
        *item_p = NULL;
    }
}


//  Admits reading only. Called by SQLite while it prepares a statement.
static int
s_authorize (void *arg, int action, const char *a, const char *b,
             const char *c, const char *d)
{
    (void) arg; (void) a; (void) b; (void) c; (void) d;
    switch (action) {
        case SQLITE_SELECT:
        case SQLITE_READ:
        case SQLITE_FUNCTION:
        case SQLITE_RECURSIVE:
            return SQLITE_OK;
        default:
            return SQLITE_DENY;
    }
}


//  Interrupts the running statement once its deadline has passed
static int
s_progress (void *arg)
{
    source_t *self = (source_t *) arg;
    if (self->deadline && zclock_mono () > self->deadline) {
        self->timed_out = true;
        return 1;
    }
    return 0;
}


//  --------------------------------------------------------------------------
//  Prepares and checks one item's SQL

//  The item's SQL prepared, if it is one read-only statement with the one
//  parameter :key; else NULL with *error set to "item 'x': what".
static sqlite3_stmt *
s_prepare (sqlite3 *db, item_t *item, char **error)
{
    const char *name = item_name (item);
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3 (db, item_sql (item), -1, SQLITE_PREPARE_PERSISTENT,
                                 &stmt, &tail);
    if (rc == SQLITE_AUTH) {
        status_set_error (error, "item '%s': SQL must only read (a single "
                          "SELECT): %s", name, sqlite3_errmsg (db));
        return NULL;
    }
    if (rc != SQLITE_OK) {
        status_set_error (error, "item '%s': SQL does not prepare: %s",
                          name, sqlite3_errmsg (db));
        return NULL;
    }
    if (!stmt) {
        status_set_error (error, "item '%s': SQL is empty", name);
        return NULL;
    }
    const char *problem = NULL;
    if (!sqlite3_stmt_readonly (stmt))
        problem = "SQL must only read (a single SELECT)";
    else {
        //  Whatever follows the statement must be nothing but spaces and
        //  comments: preparing it must give no statement
        sqlite3_stmt *next = NULL;
        rc = sqlite3_prepare_v2 (db, tail, -1, &next, NULL);
        if (rc != SQLITE_OK || next)
            problem = "SQL must be a single statement";
        sqlite3_finalize (next);
    }
    if (!problem) {
        const char *parameter = sqlite3_bind_parameter_name (stmt, 1);
        if (sqlite3_bind_parameter_count (stmt) != 1
        ||  !parameter || !streq (parameter, ":key"))
            problem = "SQL must have exactly one parameter, :key";
    }
    if (problem) {
        sqlite3_finalize (stmt);
        status_set_error (error, "item '%s': %s", name, problem);
        return NULL;
    }
    return stmt;
}

//  Maps the result columns to the declared fields, which must be the same
//  set of names. 0, or -1 with *error set to "item 'x': what".
static int
s_map_columns (s_query_t *query, char **error)
{
    item_t *item = query->item;
    const char *name = item_name (item);
    for (size_t index = 0; index < ITEM_FIELDS_MAX; index++)
        query->column [index] = -1;
    int columns = sqlite3_column_count (query->stmt);
    for (int column = 0; column < columns; column++) {
        const char *column_name = sqlite3_column_name (query->stmt, column);
        int field = column_name? item_field_index (item, column_name): -1;
        if (field < 0) {
            status_set_error (error, "item '%s': SQL result column '%.64s' is not a "
                              "declared field", name, column_name? column_name: "");
            return -1;
        }
        if (query->column [field] >= 0) {
            status_set_error (error, "item '%s': SQL result column '%s' appears twice",
                              name, column_name);
            return -1;
        }
        query->column [field] = column;
    }
    for (size_t field = 0; field < item_field_count (item); field++)
        if (query->column [field] < 0) {
            status_set_error (error, "item '%s': field '%s' is not a result column of "
                              "the SQL", name, item_field (item, field)->name);
            return -1;
        }
    return 0;
}

//  The item's query, prepared and checked; NULL with *error.
static s_query_t *
s_query_new (sqlite3 *db, item_t *item, char **error)
{
    sqlite3_stmt *stmt = s_prepare (db, item, error);
    if (!stmt)
        return NULL;
    s_query_t *query = (s_query_t *) zmalloc (sizeof (s_query_t));
    assert (query);
    query->item = item;
    query->stmt = stmt;
    if (s_map_columns (query, error)) {
        void *doomed = query;
        s_query_destroy (&doomed);
        return NULL;
    }
    return query;
}


//  --------------------------------------------------------------------------
//  Opens the database and prepares every item; see source.h.

source_t *
source_new (const char *db_path, catalog_t *catalog, int timeout_ms,
            char **error)
{
    assert (db_path);
    assert (catalog);
    if (error)
        *error = NULL;
    if (timeout_ms < 1 || timeout_ms > SOURCE_TIMEOUT_MAX) {
        status_set_error (error, "%s: timeout %d ms is not 1..%d",
                          db_path, timeout_ms, SOURCE_TIMEOUT_MAX);
        return NULL;
    }

    source_t *self = (source_t *) zmalloc (sizeof (source_t));
    assert (self);
    self->timeout_ms = timeout_ms;
    self->rows = rowpack_new (SOURCE_RESULT_MAX);
    self->queries = zhashx_new ();
    assert (self->queries);
    zhashx_set_destructor (self->queries, s_query_destroy);

    //  SQLite opens the path itself, and a FIFO there would block it
    //  forever: only a regular file is a database
    char *refusal = NULL;
    if (file_check_regular (db_path, false, &refusal)) {
        status_set_error (error, "%s: cannot open the source database: %s",
                          db_path, refusal);
        zstr_free (&refusal);
        source_destroy (&self);
        return NULL;
    }
    int rc = sqlite3_open_v2 (db_path, &self->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        status_set_error (error, "%s: cannot open read-only: %s", db_path,
                          self->db? sqlite3_errmsg (self->db): sqlite3_errstr (rc));
        source_destroy (&self);
        return NULL;
    }
    sqlite3_extended_result_codes (self->db, 0);
    sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config (self->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_busy_timeout (self->db, timeout_ms < SOURCE_BUSY_MAX?
                                    timeout_ms: SOURCE_BUSY_MAX);

    //  SQLite reads the file lazily: read the schema now so that a file
    //  that is not a database is refused here
    rc = sqlite3_exec (self->db, "SELECT count(*) FROM sqlite_schema",
                       NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        status_set_error (error, "%s: cannot read: %s",
                          db_path, sqlite3_errmsg (self->db));
        source_destroy (&self);
        return NULL;
    }
    sqlite3_set_authorizer (self->db, s_authorize, NULL);
    sqlite3_progress_handler (self->db, S_PROGRESS_OPS, s_progress, self);

    item_t *item = catalog_first (catalog);
    for (; item; item = catalog_next (catalog)) {
        if (item_share (item) == SHARE_CLOSED)
            continue;               //  Never answered, so never prepared
        char *reason = NULL;
        s_query_t *query = s_query_new (self->db, item, &reason);
        if (!query) {
            status_set_error (error, "%s: %s", db_path, reason);
            freen (reason);
            source_destroy (&self);
            return NULL;
        }
        zhashx_insert (self->queries, item_name (item), query);
    }
    return self;
}


void
source_destroy (source_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        source_t *self = *self_p;
        //  Statements first: a connection with live statements stays open
        zhashx_destroy (&self->queries);
        sqlite3_close (self->db);
        rowpack_destroy (&self->rows);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Looks up a key for an item; see source.h.

//  Packs the statement's current row, counting it; the lookup goes on while
//  STATUS_OK, else *error says why it stops.
static int
s_row (source_t *self, s_query_t *query, uint64_t mask, size_t *count, char **error)
{
    char *why = NULL;
    int status = rowpack_row (self->rows, query->stmt, query->item, query->column,
                              mask, &why);
    if (status == STATUS_SOURCE_FAILED)
        status_set_error (error, "source: %s", why? why: "a row cannot be packed");
    else
    if (status == STATUS_TOO_LARGE)
        status_set_error (error, "source: item '%s': result larger than %d bytes, which "
                          "an answer cannot carry", item_name (query->item),
                          SOURCE_RESULT_MAX);
    else
        (*count)++;
    zstr_free (&why);
    return status;
}

//  Steps the statement to the item's most rows, packing each. STATUS_OK
//  (the rows counted in *count), or why it stopped, with *error
static int
s_steps (source_t *self, s_query_t *query, uint64_t mask, size_t *count, char **error)
{
    item_t *item = query->item;
    int status = STATUS_OK;
    self->timed_out = false;
    self->deadline = zclock_mono () + self->timeout_ms;
    while (status == STATUS_OK && *count < item_max_rows (item)) {
        int rc = sqlite3_step (query->stmt);
        if (rc == SQLITE_DONE)
            break;
        if (rc == SQLITE_ROW)
            status = s_row (self, query, mask, count, error);
        else
        if (rc == SQLITE_INTERRUPT && self->timed_out) {
            status_set_error (error, "source: item '%s': no answer within %d ms",
                              item_name (item), self->timeout_ms);
            status = STATUS_SOURCE_TIMEOUT;
        }
        else {
            //  Never the key: it may be personal data
            status_set_error (error, "source: item '%s': %s", item_name (item),
                              sqlite3_errmsg (self->db));
            status = STATUS_SOURCE_FAILED;
        }
    }
    self->deadline = 0;
    return status;
}

int
source_lookup (source_t *self, item_t *item, const char *key, uint64_t mask,
               msgpack_packer *pk, size_t *rows, char **error)
{
    assert (self);
    assert (item);
    assert (key);
    assert (pk);
    assert (rows);
    *rows = 0;
    s_query_t *query = (s_query_t *) zhashx_lookup (self->queries, item_name (item));
    if (!query || query->item != item) {
        status_set_error (error, "source: item '%s' is not one this source reads",
                          item_name (item));
        return STATUS_UNKNOWN_ITEM;
    }
    mask &= item_all_fields (item);
    rowpack_clear (self->rows);
    int status = STATUS_OK;
    size_t count = 0;
    //  SQLITE_STATIC: the key outlives the statement's use of it, which
    //  ends with sqlite3_clear_bindings below
    if (sqlite3_bind_text (query->stmt, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
        status_set_error (error, "source: item '%s': cannot bind key: %s",
                          item_name (item), sqlite3_errmsg (self->db));
        status = STATUS_SOURCE_FAILED;
    }
    else
        status = s_steps (self, query, mask, &count, error);
    sqlite3_reset (query->stmt);
    sqlite3_clear_bindings (query->stmt);
    if (status != STATUS_OK)
        return status;
    if (rowpack_copy (self->rows, pk, count)) {
        status_set_error (error, "source: item '%s': the rows cannot be copied out",
                          item_name (item));
        return STATUS_INTERNAL;
    }
    *rows = count;
    return count? STATUS_OK: STATUS_NOT_FOUND;
}


//  --------------------------------------------------------------------------
//  Self test

static void
s_write (const char *path, const char *text)
{
    FILE *handle = fopen (path, "w");
    assert (handle);
    fputs (text, handle);
    fclose (handle);
}

static void
s_exec (sqlite3 *db, const char *sql)
{
    char *message = NULL;
    int rc = sqlite3_exec (db, sql, NULL, NULL, &message);
    if (rc != SQLITE_OK)
        printf ("\n%s: %s\n", sql, message);
    assert (rc == SQLITE_OK);
}

//  Unpacks exactly one msgpack object from the buffer and returns it; the
//  zone owns its memory
static msgpack_object
s_unpack (msgpack_zone *zone, msgpack_sbuffer *buffer)
{
    msgpack_object object;
    size_t offset = 0;
    msgpack_unpack_return rc = msgpack_unpack (buffer->data, buffer->size,
                                               &offset, zone, &object);
    assert (rc == MSGPACK_UNPACK_SUCCESS);
    assert (offset == buffer->size);
    return object;
}

static bool
s_str_is (msgpack_object object, const char *text)
{
    return object.type == MSGPACK_OBJECT_STR
        && object.via.str.size == strlen (text)
        && memcmp (object.via.str.ptr, text, object.via.str.size) == 0;
}

//  Catalog with `item_text` as its only item, then a source on it; expects
//  the source refused with `expect` in the message
static void
s_expect_refused (const char *dir, const char *db_path, const char *item_text,
                  const char *expect, bool verbose)
{
    char *path = zsys_sprintf ("%s/refused.zpl", dir);
    char *text = zsys_sprintf ("catalog\n%s", item_text);
    s_write (path, text);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    if (!catalog)
        printf ("\ncatalog refused: %s\n", error);
    assert (catalog);
    source_t *source = source_new (db_path, catalog, 1000, &error);
    if (source || !error || strncmp (error, db_path, strlen (db_path)) != 0
    ||  !strstr (error, expect)) {
        printf ("\nexpected '%s', got '%s'\n", expect, error? error: "(accepted)");
        assert (false);
    }
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
    catalog_destroy (&catalog);
    zsys_file_delete (path);
    freen (path);
    freen (text);
}

//  An item of the enterprise table with the given SQL and two fields
#define S_REFUSED_ITEM(sql) \
    "    item = \"probe\"\n" \
    "        title = \"probe\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"" sql "\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 1\n" \
    "        field = \"address\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 1\n"

#define S_USCC_A "91310115MA1K3BTP2B"
#define S_USCC_B "91110000600037341L"
#define S_USCC_C "121200004013590816"

void
source_test (bool verbose)
{
    printf (" * source: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    char *dir = zsys_sprintf ("/tmp/sluice-source-test-%d", getpid ());
    int rc = zsys_dir_create ("%s", dir);
    assert (rc == 0);
    char *db_path = zsys_sprintf ("%s/source.db", dir);
    char *catalog_path = zsys_sprintf ("%s/catalog.zpl", dir);

    //  The department's database, as its own system would keep it
    sqlite3 *db;
    rc = sqlite3_open (db_path, &db);
    assert (rc == SQLITE_OK);
    s_exec (db,
        "CREATE TABLE enterprise (uscc TEXT PRIMARY KEY, name TEXT, "
        "  address TEXT, capital REAL, staff INTEGER, listed INTEGER, "
        "  opened TEXT, note TEXT);"
        "INSERT INTO enterprise VALUES ('" S_USCC_A "', '上海浦东示例有限公司', "
        "  '上海市浦东新区世纪大道1号', 1250000.5, 42, 1, '2016-03-08', NULL);"
        "INSERT INTO enterprise VALUES ('" S_USCC_B "', 'Example Beijing Ltd', "
        "  'Beijing', 300, 7, 0, '2001-11-20', 'staff is text here');"
        "UPDATE enterprise SET staff = 'seven' WHERE uscc = '" S_USCC_B "';"
        "CREATE TABLE licence (uscc TEXT, licence_no TEXT, issued TEXT);"
        "INSERT INTO licence VALUES ('" S_USCC_A "', 'L1', '2020-01-01'),"
        "  ('" S_USCC_A "', 'L2', '2020-02-01'), ('" S_USCC_A "', 'L3', '2020-03-01'),"
        "  ('" S_USCC_A "', 'L4', '2020-04-01'), ('" S_USCC_A "', 'L5', '2020-05-01'),"
        "  ('" S_USCC_C "', 'L9', '2021-09-09');");
    sqlite3_close (db);

    s_write (catalog_path,
        "catalog\n"
        "    item = \"enterprise-basic\"\n"
        "        title = \"企业登记基本信息\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"conditional\"\n"
        "        sql = \"SELECT name, address, capital, staff, listed, opened, note"
                      " FROM enterprise WHERE uscc = :key\"\n"
        "        field = \"name\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 1\n"
        "        field = \"address\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 2\n"
        "        field = \"capital\"\n"
        "            type = \"real\"\n"
        "            sensitivity = 3\n"
        "        field = \"staff\"\n"
        "            type = \"integer\"\n"
        "            sensitivity = 2\n"
        "        field = \"listed\"\n"
        "            type = \"boolean\"\n"
        "            sensitivity = 0\n"
        "        field = \"opened\"\n"
        "            type = \"date\"\n"
        "            sensitivity = 0\n"
        "        field = \"note\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 0\n"
        "    item = \"licences\"\n"
        "        title = \"许可证\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"open\"\n"
        "        format = \"list\"\n"
        "        max-rows = 3\n"
        "        sql = \"SELECT issued, licence_no FROM licence WHERE uscc = :key"
                      " ORDER BY licence_no;  -- newest last\"\n"
        "        field = \"licence_no\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 0\n"
        "        field = \"issued\"\n"
        "            type = \"date\"\n"
        "            sensitivity = 0\n"
        "    item = \"slow\"\n"
        "        title = \"a query that takes far too long\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"open\"\n"
        "        sql = \"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c"
                      " WHERE n < 1000000000) SELECT name FROM enterprise"
                      " WHERE uscc = :key AND (SELECT count(*) FROM c) > 0\"\n"
        "        field = \"name\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 0\n"
        "    item = \"fits\"\n"
        "        title = \"a row just under what an answer carries\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"open\"\n"
        "        sql = \"SELECT hex(zeroblob(524000)) AS big WHERE :key IS NOT NULL\"\n"
        "        field = \"big\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 0\n"
        "    item = \"too-large\"\n"
        "        title = \"a row under 1 MiB that no answer can carry\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"open\"\n"
        "        sql = \"SELECT hex(zeroblob(524250)) AS big WHERE :key IS NOT NULL\"\n"
        "        field = \"big\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 0\n"
        "    item = \"penalty\"\n"
        "        title = \"行政处罚信息\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"closed\"\n"
        "        legal-basis = \"《行政处罚法》第四十八条\"\n");
    char *error = NULL;
    catalog_t *catalog = catalog_load (catalog_path, &error);
    assert (catalog);
    zchunk_t *before = zchunk_slurp (db_path, 0);
    assert (before);

    int timeout_ms = 200;
    source_t *source = source_new (db_path, catalog, timeout_ms, &error);
    if (!source)
        printf ("\n%s\n", error);
    assert (source);
    assert (error == NULL);

    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_zone zone;
    msgpack_zone_init (&zone, 2048);
    size_t rows = 99;

    //  Found, every field, each in its type and in catalog order
    item_t *basic = catalog_item (catalog, "enterprise-basic");
    int status = source_lookup (source, basic, S_USCC_A, item_all_fields (basic),
                                &pk, &rows, NULL);
    assert (status == STATUS_OK);
    assert (rows == 1);
    msgpack_object result = s_unpack (&zone, &buffer);
    assert (result.type == MSGPACK_OBJECT_ARRAY);
    assert (result.via.array.size == 1);
    msgpack_object row = result.via.array.ptr [0];
    assert (row.type == MSGPACK_OBJECT_MAP);
    assert (row.via.map.size == 7);
    msgpack_object_kv *kv = row.via.map.ptr;
    assert (s_str_is (kv [0].key, "name"));
    assert (s_str_is (kv [0].val, "上海浦东示例有限公司"));
    assert (s_str_is (kv [1].key, "address"));
    assert (s_str_is (kv [2].key, "capital"));
    assert (kv [2].val.type == MSGPACK_OBJECT_FLOAT64);
    assert (kv [2].val.via.f64 == 1250000.5);
    assert (s_str_is (kv [3].key, "staff"));
    assert (kv [3].val.type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert (kv [3].val.via.u64 == 42);
    assert (s_str_is (kv [4].key, "listed"));
    assert (kv [4].val.type == MSGPACK_OBJECT_BOOLEAN);
    assert (kv [4].val.via.boolean == true);
    assert (s_str_is (kv [5].key, "opened"));
    assert (s_str_is (kv [5].val, "2016-03-08"));
    assert (s_str_is (kv [6].key, "note"));
    assert (kv [6].val.type == MSGPACK_OBJECT_NIL);
    msgpack_sbuffer_clear (&buffer);

    //  Only the fields in the mask, still in catalog order
    uint64_t mask;
    rc = item_fields_mask (basic, "listed,name", &mask, NULL, 0);
    assert (rc == 0);
    status = source_lookup (source, basic, S_USCC_A, mask, &pk, &rows, NULL);
    assert (status == STATUS_OK);
    result = s_unpack (&zone, &buffer);
    row = result.via.array.ptr [0];
    assert (row.via.map.size == 2);
    assert (s_str_is (row.via.map.ptr [0].key, "name"));
    assert (s_str_is (row.via.map.ptr [1].key, "listed"));
    msgpack_sbuffer_clear (&buffer);

    //  An empty mask gives the row as an empty map: the record exists
    status = source_lookup (source, basic, S_USCC_A, 0, &pk, &rows, NULL);
    assert (status == STATUS_OK);
    result = s_unpack (&zone, &buffer);
    assert (result.via.array.ptr [0].via.map.size == 0);
    msgpack_sbuffer_clear (&buffer);

    //  Not found packs an empty array
    status = source_lookup (source, basic, S_USCC_C, mask, &pk, &rows, NULL);
    assert (status == STATUS_NOT_FOUND);
    assert (rows == 0);
    result = s_unpack (&zone, &buffer);
    assert (result.type == MSGPACK_OBJECT_ARRAY);
    assert (result.via.array.size == 0);
    msgpack_sbuffer_clear (&buffer);

    //  A value that does not fit its declared type fails, packing nothing
    status = source_lookup (source, basic, S_USCC_B, item_all_fields (basic),
                            &pk, &rows, &error);
    assert (status == STATUS_SOURCE_FAILED);
    assert (rows == 0);
    assert (buffer.size == 0);
    assert (error && streq (error, "source: item 'enterprise-basic': field 'staff': "
                            "text value does not fit type integer"));
    zstr_free (&error);
    //  ... but the same row without that field is fine
    rc = item_fields_mask (basic, "name,capital,listed,note", &mask, NULL, 0);
    assert (rc == 0);
    status = source_lookup (source, basic, S_USCC_B, mask, &pk, &rows, NULL);
    assert (status == STATUS_OK);
    result = s_unpack (&zone, &buffer);
    row = result.via.array.ptr [0];
    assert (row.via.map.ptr [1].val.type == MSGPACK_OBJECT_FLOAT64);
    assert (row.via.map.ptr [1].val.via.f64 == 300.0);
    assert (row.via.map.ptr [2].val.via.boolean == false);
    assert (s_str_is (row.via.map.ptr [3].val, "staff is text here"));
    msgpack_sbuffer_clear (&buffer);

    //  A list stops at max-rows
    item_t *licences = catalog_item (catalog, "licences");
    status = source_lookup (source, licences, S_USCC_A,
                            item_all_fields (licences), &pk, &rows, NULL);
    assert (status == STATUS_OK);
    assert (rows == 3);
    result = s_unpack (&zone, &buffer);
    assert (result.via.array.size == 3);
    for (uint32_t index = 0; index < 3; index++) {
        row = result.via.array.ptr [index];
        assert (row.via.map.size == 2);
        assert (s_str_is (row.via.map.ptr [0].key, "licence_no"));
        char expect [3] = { 'L', (char) ('1' + index), 0 };
        assert (s_str_is (row.via.map.ptr [0].val, expect));
    }
    msgpack_sbuffer_clear (&buffer);
    status = source_lookup (source, licences, S_USCC_C,
                            item_all_fields (licences), &pk, &rows, NULL);
    assert (status == STATUS_OK);
    assert (rows == 1);
    msgpack_sbuffer_clear (&buffer);

    //  Hostile keys are data, never SQL
    const char *hostile [] = {
        "' OR '1'='1",
        S_USCC_A "' OR 1=1 --",
        "x'; DROP TABLE enterprise; --",
        "x\"; DELETE FROM licence; --",
        ":key",
        ""
    };
    for (size_t index = 0; index < sizeof (hostile) / sizeof (hostile [0]); index++) {
        status = source_lookup (source, basic, hostile [index],
                                item_all_fields (basic), &pk, &rows, NULL);
        assert (status == STATUS_NOT_FOUND);
        status = source_lookup (source, licences, hostile [index],
                                item_all_fields (licences), &pk, &rows, NULL);
        assert (status == STATUS_NOT_FOUND);
        msgpack_sbuffer_clear (&buffer);
    }
    status = source_lookup (source, basic, S_USCC_A, 1, &pk, &rows, NULL);
    assert (status == STATUS_OK);
    msgpack_sbuffer_clear (&buffer);

    //  A runaway query is stopped near its timeout, packs nothing, and the
    //  statement is usable again
    item_t *slow = catalog_item (catalog, "slow");
    int64_t start = zclock_mono ();
    status = source_lookup (source, slow, S_USCC_A, 1, &pk, &rows, &error);
    int64_t elapsed = zclock_mono () - start;
    assert (error && streq (error, "source: item 'slow': no answer within 200 ms"));
    zstr_free (&error);
    if (verbose)
        printf ("   slow query stopped after %d ms\n", (int) elapsed);
    assert (status == STATUS_SOURCE_TIMEOUT);
    assert (elapsed >= timeout_ms);
    assert (elapsed < timeout_ms + 500);
    assert (buffer.size == 0);
    assert (rows == 0);
    status = source_lookup (source, basic, S_USCC_A, 1, &pk, &rows, NULL);
    assert (status == STATUS_OK);
    msgpack_sbuffer_clear (&buffer);

    //  What a source returns always fits one answer: a row of 1,048,000
    //  bytes is sealed into a RESPONSE; one of 1,048,500 (under 1 MiB, over
    //  what a RESPONSE carries) is TOO_LARGE and packs nothing
    item_t *fits = catalog_item (catalog, "fits");
    status = source_lookup (source, fits, S_USCC_A, 1, &pk, &rows, NULL);
    assert (status == STATUS_OK && rows == 1);
    assert (buffer.size <= SOURCE_RESULT_MAX && buffer.size > 1048000);
    {
        msgpack_sbuffer response;
        msgpack_sbuffer_init (&response);
        msgpack_packer response_pk;
        msgpack_packer_init (&response_pk, &response, msgpack_sbuffer_write);
        uint8_t re [ENVELOPE_ID_BYTES] = { 0 };
        char longest [MESSAGE_ITEM_MAX + 1];
        memset (longest, 'x', MESSAGE_ITEM_MAX);
        longest [MESSAGE_ITEM_MAX] = 0;
        //  with the audit head keys at their largest too
        message_head_t head = { MESSAGE_HEAD_SEQ_MAX, { 0 } };
        memset (head.hash, 0xff, MESSAGE_HEAD_BYTES);
        message_response_begin_head (&response_pk, re, longest, STATUS_OK, UINT64_MAX,
                                     longest, &head);
        msgpack_sbuffer_write (&response, buffer.data, buffer.size);
        uint8_t sign_public [32], sign_secret [64];
        crypto_sign_keypair (sign_public, sign_secret);
        envelope_t *envelope = envelope_new (MSG_RESPONSE, "SH-PD-MSA", "SH-PD-TAX");
        assert (envelope_seal (envelope, (uint8_t *) response.data, response.size,
                               sign_secret, NULL) == 0);
        envelope_destroy (&envelope);
        msgpack_sbuffer_destroy (&response);
    }
    msgpack_sbuffer_clear (&buffer);
    status = source_lookup (source, catalog_item (catalog, "too-large"), S_USCC_A, 1,
                            &pk, &rows, &error);
    assert (status == STATUS_TOO_LARGE);
    assert (error && strstr (error, "source: item 'too-large': result larger than"));
    zstr_free (&error);
    assert (buffer.size == 0 && rows == 0);

    //  Closed items and items of another catalog are not known here
    status = source_lookup (source, catalog_item (catalog, "penalty"), S_USCC_A,
                            1, &pk, &rows, NULL);
    assert (status == STATUS_UNKNOWN_ITEM);
    catalog_t *other = catalog_load (catalog_path, &error);
    assert (other);
    status = source_lookup (source, catalog_item (other, "enterprise-basic"),
                            S_USCC_A, 1, &pk, &rows, NULL);
    assert (status == STATUS_UNKNOWN_ITEM);
    assert (buffer.size == 0);
    catalog_destroy (&other);

    source_destroy (&source);
    source_destroy (&source);
    assert (source == NULL);

    //  The gateway never wrote the department's database
    zchunk_t *after = zchunk_slurp (db_path, 0);
    assert (after);
    assert (zchunk_size (after) == zchunk_size (before));
    assert (memcmp (zchunk_data (after), zchunk_data (before),
                    zchunk_size (after)) == 0);
    zchunk_destroy (&before);
    zchunk_destroy (&after);

    //  Missing database, a file that is not a database, a bad timeout
    char *missing = zsys_sprintf ("%s/missing.db", dir);
    source = source_new (missing, catalog, 1000, &error);
    assert (!source);
    assert (strstr (error, "missing.db: cannot open the source database"));
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
    assert (!zsys_file_exists (missing));      //  Read-only never creates
    //  A FIFO (which SQLite would wait on forever) and a directory
    assert (mkfifo (missing, 0600) == 0);
    source = source_new (missing, catalog, 1000, &error);
    assert (!source);
    assert (strstr (error, "missing.db: cannot open the source database: "
                           "a FIFO, not a regular file"));
    freen (error);
    remove (missing);
    source = source_new (dir, catalog, 1000, &error);
    assert (!source);
    assert (strstr (error, "a directory, not a regular file"));
    freen (error);
    freen (missing);
    char *garbage = zsys_sprintf ("%s/garbage.db", dir);
    char junk [4096];
    memset (junk, 'x', sizeof (junk) - 1);
    junk [sizeof (junk) - 1] = 0;
    s_write (garbage, junk);
    source = source_new (garbage, catalog, 1000, &error);
    assert (!source);
    assert (strstr (error, "garbage.db: cannot read: file is not a database"));
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
    zsys_file_delete (garbage);
    freen (garbage);
    source = source_new (db_path, catalog, 0, &error);
    assert (!source);
    assert (strstr (error, "timeout 0 ms is not"));
    freen (error);
    source = source_new (db_path, catalog, SOURCE_TIMEOUT_MAX + 1, &error);
    assert (!source);
    freen (error);

    //  SQL that writes, or is not exactly one statement on :key, or does
    //  not give exactly the declared fields
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("DELETE FROM enterprise WHERE uscc = :key"),
        "item 'probe': SQL must only read", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("DELETE FROM enterprise WHERE uscc = :key RETURNING name, address"),
        "item 'probe': SQL must only read", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("UPDATE enterprise SET name = 'x' WHERE uscc = :key"),
        "item 'probe': SQL must only read", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("ATTACH :key AS other"),
        "item 'probe': SQL must only read", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("PRAGMA table_info(enterprise)"),
        "item 'probe': SQL must only read", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM enterprise WHERE uscc = :key;"
                        " DELETE FROM enterprise"),
        "item 'probe': SQL must be a single statement", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM enterprise WHERE uscc = :key;"
                        " SELECT 1"),
        "item 'probe': SQL must be a single statement", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM enterprise"),
        "item 'probe': SQL must have exactly one parameter, :key", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM enterprise WHERE uscc = ?"),
        "item 'probe': SQL must have exactly one parameter, :key", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM enterprise WHERE uscc = :id"),
        "item 'probe': SQL must have exactly one parameter, :key", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM enterprise WHERE uscc = :key"
                        " AND name = :name"),
        "item 'probe': SQL must have exactly one parameter, :key", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name FROM enterprise WHERE uscc = :key"),
        "item 'probe': field 'address' is not a result column", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address, capital FROM enterprise WHERE uscc = :key"),
        "item 'probe': SQL result column 'capital' is not a declared field", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT * FROM enterprise WHERE uscc = :key"),
        "is not a declared field", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address, name FROM enterprise WHERE uscc = :key"),
        "item 'probe': SQL result column 'name' appears twice", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELECT name, address FROM company WHERE uscc = :key"),
        "item 'probe': SQL does not prepare: no such table: company", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("SELEKT name, address FROM enterprise WHERE uscc = :key"),
        "item 'probe': SQL does not prepare", verbose);
    s_expect_refused (dir, db_path,
        S_REFUSED_ITEM ("-- nothing here"),
        "item 'probe': SQL is empty", verbose);

    //  Aliases, a key used twice and a trailing comment are all fine
    s_write (catalog_path, "catalog\n"
        S_REFUSED_ITEM ("SELECT upper(name) AS name, address FROM enterprise"
                        " WHERE uscc = :key OR lower(uscc) = :key; /* done */"));
    catalog_destroy (&catalog);
    catalog = catalog_load (catalog_path, &error);
    assert (catalog);
    source = source_new (db_path, catalog, 1000, &error);
    assert (source);
    status = source_lookup (source, catalog_item (catalog, "probe"),
                            S_USCC_B, 1, &pk, &rows, NULL);
    assert (status == STATUS_OK);
    result = s_unpack (&zone, &buffer);
    assert (s_str_is (result.via.array.ptr [0].via.map.ptr [0].val,
                      "EXAMPLE BEIJING LTD"));
    msgpack_sbuffer_clear (&buffer);
    source_destroy (&source);

    msgpack_zone_destroy (&zone);
    msgpack_sbuffer_destroy (&buffer);
    catalog_destroy (&catalog);
    zsys_file_delete (catalog_path);
    zsys_file_delete (db_path);
    rc = zsys_dir_delete ("%s", dir);
    assert (rc == 0);
    freen (catalog_path);
    freen (db_path);
    freen (dir);
    //  @end

    printf ("OK\n");
}
