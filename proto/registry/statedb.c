/*  statedb.c -- opening a state database: checked, versioned, then WAL.

    The whole check runs in one BEGIN IMMEDIATE transaction, before the
    journal mode is set: a file that is refused (newer, of another kind,
    damaged) is rolled back and left byte for byte as it was, not even
    switched to WAL.
*/

#include "statedb.h"
#include "status.h"
#include <czmq.h>

//  A single-integer query (PRAGMA user_version, a count); -1 on error.
static int
s_integer (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int value = -1;
    if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int (stmt, 0);
    sqlite3_finalize (stmt);
    return value;
}

int
statedb_version (sqlite3 *db)
{
    assert (db);
    return s_integer (db, "PRAGMA user_version");
}

static void
s_newer (const char *path, const statedb_schema_t *schema, int version, char **error)
{
    status_set_error (error, "%s: the %s has schema version %d, which a newer"
                      " version of Sluice wrote; this version reads up to version"
                      " %d: run the newer version again, or restore the file from"
                      " a backup taken before the upgrade", path, schema->what,
                      version, schema->version);
}

int
statedb_readable (sqlite3 *db, const char *path, const statedb_schema_t *schema,
                  char **error)
{
    assert (db && path && schema);
    int version = statedb_version (db);
    if (version < 0) {
        status_set_error (error, "%s: cannot read the %s: %s", path, schema->what,
                          sqlite3_errmsg (db));
        return -1;
    }
    if (version > schema->version) {
        s_newer (path, schema, version, error);
        return -1;
    }
    return 0;
}

static int
s_exec (sqlite3 *db, const char *path, const char *what, const char *sql, char **error)
{
    char *message = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &message) == SQLITE_OK)
        return 0;
    status_set_error (error, "%s: the %s: %s", path, what,
                      message? message: sqlite3_errmsg (db));
    sqlite3_free (message);
    return -1;
}

//  The checks and the schema, in the open transaction: a new file gets the
//  tables, an existing one is upgraded (if older) and checked. 0 or -1 and
//  *error.
static int
s_prepare (sqlite3 *db, const char *path, const statedb_schema_t *schema, void *arg,
           char **error)
{
    if (statedb_readable (db, path, schema, error))
        return -1;
    int version = statedb_version (db);
    int objects = s_integer (db, "SELECT count (*) FROM sqlite_master");
    if (objects < 0) {
        status_set_error (error, "%s: cannot read the %s: %s", path, schema->what,
                          sqlite3_errmsg (db));
        return -1;
    }
    bool fresh = objects == 0;
    if (!fresh && version < schema->version && schema->upgrade
    &&  schema->upgrade (db, path, version, arg, error))
        return -1;
    if (s_exec (db, path, schema->what, schema->schema, error)
    ||  (fresh && schema->create && schema->create (db, path, arg, error))
    ||  (!fresh && schema->check && schema->check (db, path, arg, error)))
        return -1;
    if (version == schema->version)
        return 0;
    char sql [64];
    snprintf (sql, sizeof (sql), "PRAGMA user_version = %d", schema->version);
    return s_exec (db, path, schema->what, sql, error);
}

sqlite3 *
statedb_open (const char *path, const statedb_schema_t *schema, void *arg, char **error)
{
    assert (path && schema && schema->what && schema->schema && schema->synchronous);
    assert (schema->version >= 1);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2 (path, &db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | schema->flags,
                              NULL);
    if (rc != SQLITE_OK) {
        status_set_error (error, "%s: cannot open the %s: %s", path, schema->what,
                          db? sqlite3_errmsg (db): sqlite3_errstr (rc));
        sqlite3_close (db);
        return NULL;
    }
    sqlite3_busy_timeout (db, schema->busy_timeout_ms);
    if (s_exec (db, path, schema->what, "BEGIN IMMEDIATE", error))
        goto failed;
    if (s_prepare (db, path, schema, arg, error)) {
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
        goto failed;
    }
    char synchronous [64];
    snprintf (synchronous, sizeof (synchronous), "PRAGMA synchronous = %s",
              schema->synchronous);
    if (s_exec (db, path, schema->what, "COMMIT", error)
    ||  s_exec (db, path, schema->what, "PRAGMA journal_mode = WAL", error)
    ||  s_exec (db, path, schema->what, synchronous, error))
        goto failed;
    return db;

failed:
    if (!sqlite3_get_autocommit (db))
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close (db);
    return NULL;
}

static sqlite3_stmt **
s_slot (const statedb_statement_t *statement, void *base)
{
    return (sqlite3_stmt **) ((char *) base + statement->offset);
}

int
statedb_prepare (sqlite3 *db, const char *path, const statedb_statement_t *statements,
                 size_t count, void *base, char **error)
{
    assert (db && path && statements && base);
    for (size_t index = 0; index < count; index++)
        if (sqlite3_prepare_v2 (db, statements [index].sql, -1,
                                s_slot (&statements [index], base), NULL) != SQLITE_OK) {
            status_set_error (error, "%s: cannot prepare a statement: %s", path,
                              sqlite3_errmsg (db));
            statedb_finalize (statements, count, base);
            return -1;
        }
    return 0;
}

void
statedb_finalize (const statedb_statement_t *statements, size_t count, void *base)
{
    assert (statements && base);
    for (size_t index = 0; index < count; index++) {
        sqlite3_stmt **slot = s_slot (&statements [index], base);
        sqlite3_finalize (*slot);
        *slot = NULL;
    }
}

void
statedb_remove (const char *path)
{
    assert (path);
    const char *suffixes [] = { "", "-wal", "-shm", "-journal" };
    for (size_t index = 0; index < sizeof (suffixes) / sizeof (suffixes [0]); index++) {
        char *name = zsys_sprintf ("%s%s", path, suffixes [index]);
        if (name)
            remove (name);
        zstr_free (&name);
    }
}


//  --------------------------------------------------------------------------
//  Self-test

//  A table `note (text)`; version 2 added `note.stamp`
static int
s_test_upgrade (sqlite3 *db, const char *path, int from, void *arg, char **error)
{
    if (from == 0) {
        status_set_error (error, "%s: too old to read", path);
        return -1;
    }
    (*(int *) arg)++;
    return sqlite3_exec (db, "ALTER TABLE note ADD COLUMN stamp INTEGER NOT NULL"
                         " DEFAULT 0", NULL, NULL, NULL) == SQLITE_OK? 0: -1;
}

static int
s_test_create (sqlite3 *db, const char *path, void *arg, char **error)
{
    return sqlite3_exec (db, "INSERT INTO note VALUES ('first', 1)",
                         NULL, NULL, NULL) == SQLITE_OK? 0: -1;
}

static int
s_test_check (sqlite3 *db, const char *path, void *arg, char **error)
{
    if (s_integer (db, "SELECT count (*) FROM note WHERE text = 'refuse me'") > 0) {
        status_set_error (error, "%s: refused by its class", path);
        return -1;
    }
    return 0;
}

static const statedb_schema_t s_test_schema = {
    "note store", 2,
    "CREATE TABLE IF NOT EXISTS note (text TEXT NOT NULL, stamp INTEGER NOT NULL);",
    "FULL", 1000, 0, s_test_create, s_test_upgrade, s_test_check
};

//  A raw connection's SQL, for a file as another version left it
static void
s_test_sql (const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (db);
}

static int
s_test_version (const char *path, char *journal, size_t size)
{
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    int version = statedb_version (db);
    sqlite3_stmt *stmt = NULL;
    assert (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL) == SQLITE_OK);
    assert (sqlite3_step (stmt) == SQLITE_ROW);
    snprintf (journal, size, "%s", (const char *) sqlite3_column_text (stmt, 0));
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return version;
}

//  A class's statements
typedef struct {
    sqlite3_stmt *count;
    sqlite3_stmt *broken;
} s_test_slots_t;

void
statedb_test (bool verbose)
{
    if (verbose)
        printf (" * statedb: ");
    char *path = zsys_sprintf ("/tmp/sluice-statedb-test-%d.db", (int) getpid ());
    assert (path);
    statedb_remove (path);
    char *error = NULL;
    char journal [16];
    int upgrades = 0;

    //  A new file: the tables, the create step, the version, WAL
    sqlite3 *db = statedb_open (path, &s_test_schema, &upgrades, &error);
    assert (db && !error);
    assert (statedb_version (db) == 2);
    assert (s_integer (db, "SELECT count (*) FROM note") == 1);
    sqlite3_close (db);
    assert (s_test_version (path, journal, sizeof (journal)) == 2);
    assert (streq (journal, "wal"));
    //  Opened again: checked, nothing created twice
    db = statedb_open (path, &s_test_schema, &upgrades, &error);
    assert (db && s_integer (db, "SELECT count (*) FROM note") == 1);
    assert (statedb_readable (db, path, &s_test_schema, &error) == 0);
    sqlite3_close (db);
    assert (upgrades == 0);

    //  Its class refuses it: nothing changes
    s_test_sql (path, "INSERT INTO note VALUES ('refuse me', 0)");
    assert (!statedb_open (path, &s_test_schema, &upgrades, &error));
    assert (error && strstr (error, "refused by its class"));
    zstr_free (&error);

    //  Written by a newer version: refused, naming the file and both
    //  versions, and left as it was (not even switched to WAL)
    statedb_remove (path);
    s_test_sql (path, "CREATE TABLE note (text TEXT NOT NULL, stamp INTEGER NOT NULL);"
                      "PRAGMA user_version = 99");
    assert (!statedb_open (path, &s_test_schema, &upgrades, &error));
    if (verbose)
        printf ("\n    %s\n   ", error);
    assert (error && strstr (error, path) && strstr (error, "note store")
                  && strstr (error, "schema version 99") && strstr (error, "up to version 2"));
    zstr_free (&error);
    assert (s_test_version (path, journal, sizeof (journal)) == 99);
    assert (streq (journal, "delete"));
    assert (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    assert (statedb_readable (db, path, &s_test_schema, &error) == -1);
    assert (error && strstr (error, "schema version 99"));
    zstr_free (&error);
    sqlite3_close (db);

    //  An older version is migrated, once; version 0 (before versions were
    //  kept) is refused here by the upgrade, and left as it was
    statedb_remove (path);
    s_test_sql (path, "CREATE TABLE note (text TEXT NOT NULL);"
                      "INSERT INTO note VALUES ('old');"
                      "PRAGMA user_version = 1");
    db = statedb_open (path, &s_test_schema, &upgrades, &error);
    assert (db && upgrades == 1 && statedb_version (db) == 2);
    assert (s_integer (db, "SELECT count (*) FROM note WHERE stamp = 0") == 1);
    sqlite3_close (db);
    db = statedb_open (path, &s_test_schema, &upgrades, &error);
    assert (db && upgrades == 1);
    sqlite3_close (db);
    statedb_remove (path);
    s_test_sql (path, "CREATE TABLE note (text TEXT NOT NULL)");
    assert (!statedb_open (path, &s_test_schema, &upgrades, &error));
    assert (error && strstr (error, "too old to read"));
    zstr_free (&error);
    assert (s_test_version (path, journal, sizeof (journal)) == 0);

    //  Not a database, and no such directory
    statedb_remove (path);
    FILE *junk = fopen (path, "wb");
    assert (junk);
    for (int index = 0; index < 4096; index++)
        fputc (index * 7, junk);
    fclose (junk);
    assert (!statedb_open (path, &s_test_schema, &upgrades, &error));
    assert (error && strstr (error, path));
    zstr_free (&error);
    assert (!statedb_open ("/nonexistent-dir/x/state.db", &s_test_schema, NULL, &error));
    assert (error && strstr (error, "cannot open the note store"));
    zstr_free (&error);
    assert (!statedb_open ("/nonexistent-dir/x/state.db", &s_test_schema, NULL, NULL));

    //  Statements prepared once, into their slots; one that does not
    //  prepare leaves every slot empty and says why
    statedb_remove (path);
    db = statedb_open (path, &s_test_schema, &upgrades, &error);
    assert (db);
    s_test_slots_t slots = { NULL, NULL };
    const statedb_statement_t statements [] = {
        { offsetof (s_test_slots_t, count), "SELECT count (*) FROM note" },
        { offsetof (s_test_slots_t, broken), "SELECT missing FROM nowhere" },
    };
    assert (statedb_prepare (db, path, statements, 1, &slots, &error) == 0);
    assert (slots.count && sqlite3_step (slots.count) == SQLITE_ROW);
    statedb_finalize (statements, 1, &slots);
    assert (!slots.count);
    assert (statedb_prepare (db, path, statements, 2, &slots, &error) == -1);
    assert (error && strstr (error, path) && strstr (error, "nowhere"));
    zstr_free (&error);
    assert (!slots.count && !slots.broken);
    sqlite3_close (db);

    statedb_remove (path);
    assert (!zsys_file_exists (path));
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
