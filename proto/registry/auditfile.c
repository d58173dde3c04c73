/*  auditfile.c -- the audit log's file: tables, meta table, format.

    The writer opens the file through statedb (checked in one transaction
    before anything touches it, so a file that is refused is left as it
    was; then WAL, synchronous = FULL). Readers open it read-only, in one
    read transaction, and read both formats.
*/

#include "auditfile.h"
#include "statedb.h"
#include "status.h"

#include <czmq.h>
#include <sodium.h>
#include <sys/stat.h>

#define S_BUSY_TIMEOUT_MS   5000    //  a reader waiting on the writer

//  Every statement IF NOT EXISTS, as statedb runs it on every open
static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS meta ("
    "    name TEXT PRIMARY KEY, value NOT NULL);"
    "CREATE TABLE IF NOT EXISTS record ("
    "    seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
    "    msg_time_ms INTEGER NOT NULL,"
    "    direction TEXT NOT NULL, msgid TEXT NOT NULL, peer TEXT NOT NULL,"
    "    caller TEXT NOT NULL,"
    "    officer TEXT NOT NULL, purpose TEXT NOT NULL, item TEXT NOT NULL,"
    "    key TEXT NOT NULL, fields TEXT NOT NULL, status INTEGER NOT NULL,"
    "    decision TEXT NOT NULL, agreement TEXT NOT NULL,"
    "    request_digest BLOB NOT NULL, response_digest BLOB NOT NULL,"
    "    peer_seq INTEGER NOT NULL, peer_head BLOB NOT NULL,"
    "    hash BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS checkpoint ("
    "    seq INTEGER PRIMARY KEY, head BLOB NOT NULL,"
    "    signature BLOB NOT NULL, time_ms INTEGER NOT NULL);"
    //  For the replay cache at start (ids by message time) and for the
    //  current key (the last renewal); they carry no meaning of their own
    "CREATE INDEX IF NOT EXISTS record_msg_time ON record (msg_time_ms);"
    "CREATE INDEX IF NOT EXISTS record_renewal ON record (seq)"
    "    WHERE direction = 'renewal';"
    //  Append-only: refuse accidental edits. Anyone with the file can drop
    //  these; the chain and the signatures are what catch deliberate ones.
    "CREATE TRIGGER IF NOT EXISTS record_no_update BEFORE UPDATE ON record"
    "    BEGIN SELECT RAISE (ABORT, 'audit records are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS record_no_delete BEFORE DELETE ON record"
    "    BEGIN SELECT RAISE (ABORT, 'audit records are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS checkpoint_no_update BEFORE UPDATE ON checkpoint"
    "    BEGIN SELECT RAISE (ABORT, 'audit checkpoints are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS checkpoint_no_delete BEFORE DELETE ON checkpoint"
    "    BEGIN SELECT RAISE (ABORT, 'audit checkpoints are append-only'); END;";

static statedb_fn s_create, s_check;
static statedb_upgrade_fn s_upgrade;

//  WAL lets readers (verify, print) run beside the gateway. Every commit
//  must be durable before the answers it records are sent. In WAL mode,
//  synchronous = NORMAL writes each commit to the WAL file before COMMIT
//  returns, which survives the process being killed, but syncs the WAL
//  only at checkpoints, so a power loss or OS crash can lose the last
//  commits while their answers have left. FULL syncs the WAL at every
//  commit, which also survives a power loss; group commit keeps that to
//  one sync per batch of messages.
static const statedb_schema_t s_audit_db = {
    "audit log", 1, s_schema, "FULL", AUDITFILE_WRITE_BUSY_MS, 0,
    s_create, s_upgrade, s_check
};

//  Who writes a log being opened
typedef struct {
    const char *department;
    const uint8_t *sign_public;
} s_writer_t;

struct _auditfile_t {
    char *path;
    sqlite3 *db;
    int format;                         //  1 or 2
    char *department;
    uint8_t first_key [AUDIT_KEY_SIZE];
};


//  --------------------------------------------------------------------------
//  The meta table

//  Reads meta value `name` as bytes into a fresh buffer; NULL if absent.
static uint8_t *
s_meta_get (sqlite3 *db, const char *name, size_t *size)
{
    sqlite3_stmt *stmt = NULL;
    uint8_t *value = NULL;
    if (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE name = ?1",
                            -1, &stmt, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step (stmt) == SQLITE_ROW) {
        int type = sqlite3_column_type (stmt, 0);
        const void *bytes = type == SQLITE_BLOB
                          ? sqlite3_column_blob (stmt, 0)
                          : (const void *) sqlite3_column_text (stmt, 0);
        int length = sqlite3_column_bytes (stmt, 0);
        value = (uint8_t *) malloc ((size_t) length + 1);
        if (value) {
            if (length > 0 && bytes)
                memcpy (value, bytes, (size_t) length);
            value [length] = 0;
            *size = (size_t) length;
        }
    }
    sqlite3_finalize (stmt);
    return value;
}

//  True if meta `name` holds exactly these bytes.
static bool
s_meta_is (sqlite3 *db, const char *name, const void *expected, size_t size)
{
    size_t actual = 0;
    uint8_t *value = s_meta_get (db, name, &actual);
    bool same = value && actual == size && memcmp (value, expected, size) == 0;
    free (value);
    return same;
}

static int
s_meta_put (sqlite3 *db, const char *name, const void *value, size_t size,
            bool is_text)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (db, "INSERT INTO meta (name, value) VALUES (?1, ?2)",
                            -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
    if (is_text)
        sqlite3_bind_text (stmt, 2, (const char *) value, (int) size, SQLITE_STATIC);
    else
        sqlite3_bind_blob (stmt, 2, value, (int) size, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE? 0: -1;
}

//  Reads the log's format: 1, 2, 0 if the database has no tables at all
//  (a new file), or AUDIT_NO_FILE / AUDIT_NOT_A_LOG with *report.
static int
s_format_read (sqlite3 *db, const char *path, char **report)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (db, "SELECT count (*) FROM sqlite_master",
                                 -1, &stmt, NULL);
    int objects = -1;
    if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        objects = sqlite3_column_int (stmt, 0);
    sqlite3_finalize (stmt);
    if (objects < 0) {
        int code = sqlite3_errcode (db);
        if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
            status_set_error (report, "%s: not a Sluice audit log (not a SQLite"
                              " database)", path);
            return AUDIT_NOT_A_LOG;
        }
        status_set_error (report, "%s: cannot read: %s", path, sqlite3_errmsg (db));
        return AUDIT_NO_FILE;
    }
    if (objects == 0)
        return 0;
    size_t size = 0;
    char *format = (char *) s_meta_get (db, "format", &size);
    int result = AUDIT_NOT_A_LOG;
    if (!format)
        status_set_error (report, "%s: not a Sluice audit log (a SQLite database"
                          " without its meta table)", path);
    else
    if (streq (format, AUDITRECORD_FORMAT_1) && size == strlen (AUDITRECORD_FORMAT_1))
        result = 1;
    else
    if (streq (format, AUDITRECORD_FORMAT_2) && size == strlen (AUDITRECORD_FORMAT_2))
        result = 2;
    else
    if (strncmp (format, AUDITRECORD_FORMAT_FAMILY, strlen (AUDITRECORD_FORMAT_FAMILY)) == 0
    &&  strlen (format) == size && size < 64)
        status_set_error (report, "%s: an audit log of format %s, which this"
                          " version does not read", path, format);
    else
        status_set_error (report, "%s: not a Sluice audit log (unknown format)",
                          path);
    free (format);
    return result;
}

int
auditfile_current_key (sqlite3 *db, uint8_t *key)
{
    assert (db && key);
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (db, "SELECT request_digest FROM record"
            " WHERE direction = '" AUDITRECORD_RENEWAL "' ORDER BY seq DESC LIMIT 1",
            -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    int step = sqlite3_step (stmt);
    if (step == SQLITE_ROW) {
        if (sqlite3_column_type (stmt, 0) == SQLITE_BLOB
        &&  sqlite3_column_bytes (stmt, 0) == AUDIT_KEY_SIZE) {
            memcpy (key, sqlite3_column_blob (stmt, 0), AUDIT_KEY_SIZE);
            rc = 0;
        }
    }
    else
    if (step == SQLITE_DONE) {
        size_t size = 0;
        uint8_t *value = s_meta_get (db, "sign_public", &size);
        if (value && size == AUDIT_KEY_SIZE) {
            memcpy (key, value, AUDIT_KEY_SIZE);
            rc = 0;
        }
        free (value);
    }
    sqlite3_finalize (stmt);
    return rc;
}


//  --------------------------------------------------------------------------
//  Opening for writing: the steps statedb runs in its opening transaction

//  A new file: its meta table
static int
s_create (sqlite3 *db, const char *path, void *arg, char **error)
{
    s_writer_t *writer = (s_writer_t *) arg;
    if (s_meta_put (db, "format", AUDITRECORD_FORMAT_2, strlen (AUDITRECORD_FORMAT_2), true)
    ||  s_meta_put (db, "department", writer->department,
                    strlen (writer->department), true)
    ||  s_meta_put (db, "sign_public", writer->sign_public, AUDIT_KEY_SIZE, false)) {
        status_set_error (error, "%s: %s", path, sqlite3_errmsg (db));
        return -1;
    }
    return 0;
}

//  An existing file must be a log of the format this version continues
static int
s_format_check (sqlite3 *db, const char *path, char **error)
{
    int format = s_format_read (db, path, error);
    if (format == 1)
        status_set_error (error, "%s: an audit log of the earlier format %s,"
                          " which this version does not continue: move it aside"
                          " and keep it (sluice audit verify still checks it),"
                          " then start the gateway again to begin a new log",
                          path, AUDITRECORD_FORMAT_1);
    return format == 2? 0: -1;
}

//  A file from before schema versions were kept (version 0) needs nothing
//  but to be an audit log of the current format, which is checked before
//  the schema touches it (someone else's database stays as it was)
static int
s_upgrade (sqlite3 *db, const char *path, int from, void *arg, char **error)
{
    return s_format_check (db, path, error);
}

static int
s_check (sqlite3 *db, const char *path, void *arg, char **error)
{
    s_writer_t *writer = (s_writer_t *) arg;
    if (s_format_check (db, path, error))
        return -1;
    if (!s_meta_is (db, "department", writer->department, strlen (writer->department))) {
        status_set_error (error, "%s: the log belongs to another department", path);
        return -1;
    }
    return 0;
}

sqlite3 *
auditfile_open (const char *path, const char *department, const uint8_t *sign_public,
                char **error)
{
    assert (path && department && sign_public);
    s_writer_t writer = { department, sign_public };
    return statedb_open (path, &s_audit_db, &writer, error);
}


//  --------------------------------------------------------------------------
//  Opening for reading

void
auditfile_destroy (auditfile_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        auditfile_t *self = *self_p;
        if (self->db && !sqlite3_get_autocommit (self->db))
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close (self->db);
        free (self->department);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}

//  The file itself: there, and a regular file. 0, or a code and *report.
static int
s_file_check (const char *path, char **report)
{
    struct stat status;
    if (stat (path, &status)) {
        if (errno == ENOENT || errno == ENOTDIR)
            status_set_error (report, "%s: no such file", path);
        else
            status_set_error (report, "%s: cannot read: %s", path, strerror (errno));
        return AUDIT_NO_FILE;
    }
    if (!S_ISREG (status.st_mode)) {
        status_set_error (report, "%s: not a Sluice audit log (not a regular file)",
                          path);
        return AUDIT_NOT_A_LOG;
    }
    return 0;
}

//  The format, the schema version and the meta table of a log opened
//  read-only; then the read transaction. 0, or a code and *report.
static int
s_reader_prepare (auditfile_t *self, char **report)
{
    int format = s_format_read (self->db, self->path, report);
    if (format == 0) {
        status_set_error (report, "%s: not a Sluice audit log (an empty database)",
                          self->path);
        format = AUDIT_NOT_A_LOG;
    }
    if (format > 0 && statedb_readable (self->db, self->path, &s_audit_db, report))
        format = AUDIT_NOT_A_LOG;
    if (format < 0)
        return format;
    self->format = format;
    size_t size = 0, department_size = 0;
    uint8_t *key = s_meta_get (self->db, "sign_public", &size);
    self->department = (char *) s_meta_get (self->db, "department", &department_size);
    bool whole = key && size == AUDIT_KEY_SIZE && self->department;
    if (key && size == AUDIT_KEY_SIZE)
        memcpy (self->first_key, key, AUDIT_KEY_SIZE);
    free (key);
    if (!whole || sqlite3_exec (self->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: meta: the department or signing key is"
                          " missing", self->path);
        return AUDIT_NOT_INTACT;
    }
    return 0;
}

auditfile_t *
auditfile_new (const char *path, int *code, char **report)
{
    assert (path && code);
    *code = s_file_check (path, report);
    if (*code)
        return NULL;
    auditfile_t *self = (auditfile_t *) zmalloc (sizeof (auditfile_t));
    assert (self);
    self->path = strdup (path);
    assert (self->path);
    if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: cannot read: %s", path,
                          self->db? sqlite3_errmsg (self->db): "out of memory");
        *code = AUDIT_NO_FILE;
    }
    else {
        sqlite3_busy_timeout (self->db, S_BUSY_TIMEOUT_MS);
        *code = s_reader_prepare (self, report);
    }
    if (*code)
        auditfile_destroy (&self);
    return self;
}

sqlite3 *
auditfile_db (auditfile_t *self)
{
    assert (self);
    return self->db;
}

const char *
auditfile_path (auditfile_t *self)
{
    assert (self);
    return self->path;
}

int
auditfile_format (auditfile_t *self)
{
    assert (self);
    return self->format;
}

const char *
auditfile_department (auditfile_t *self)
{
    assert (self);
    return self->department;
}

const uint8_t *
auditfile_first_key (auditfile_t *self)
{
    assert (self);
    return self->first_key;
}

sqlite3_stmt *
auditfile_select (auditfile_t *self, const char *columns_2, const char *columns_1,
                  const char *tail)
{
    assert (self && columns_2 && columns_1 && tail);
    char *sql = zsys_sprintf ("SELECT %s FROM record %s",
                              self->format >= 2? columns_2: columns_1, tail);
    sqlite3_stmt *stmt = NULL;
    if (!sql || sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        stmt = NULL;
    zstr_free (&sql);
    return stmt;
}

int
auditfile_check (const char *path, char **report)
{
    assert (path);
    if (report)
        *report = NULL;
    int code = 0;
    auditfile_t *self = auditfile_new (path, &code, report);
    auditfile_destroy (&self);
    if (code == AUDIT_NOT_INTACT && report)
        zstr_free (report);             //  an audit log: verify judges it
    return code == AUDIT_NOT_INTACT? 0: code;
}


//  --------------------------------------------------------------------------
//  Self-test

void
auditfile_test_copy (const char *from, const char *to)
{
    statedb_remove (to);
    FILE *source = fopen (from, "rb");
    FILE *target = fopen (to, "wb");
    assert (source && target);
    char buffer [65536];
    size_t size;
    while ((size = fread (buffer, 1, sizeof (buffer), source)) > 0)
        assert (fwrite (buffer, 1, size, target) == size);
    fclose (source);
    fclose (target);
}

void
auditfile_test_sql (const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    char *message = NULL;
    int rc = sqlite3_exec (db,
        "DROP TRIGGER IF EXISTS record_no_update;"
        "DROP TRIGGER IF EXISTS record_no_delete;"
        "DROP TRIGGER IF EXISTS checkpoint_no_update;"
        "DROP TRIGGER IF EXISTS checkpoint_no_delete;",
        NULL, NULL, &message);
    assert (rc == SQLITE_OK);
    rc = sqlite3_exec (db, sql, NULL, NULL, &message);
    if (rc != SQLITE_OK)
        printf ("test SQL failed: %s\n", message);
    assert (rc == SQLITE_OK);
    sqlite3_close (db);
}

void
auditfile_test_rechain (const char *path)
{
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    sqlite3_stmt *select = NULL;
    sqlite3_stmt *update = NULL;
    assert (sqlite3_prepare_v2 (db, "SELECT " AUDITRECORD_COLUMNS
            " FROM record ORDER BY seq", -1, &select, NULL) == SQLITE_OK);
    assert (sqlite3_prepare_v2 (db, "UPDATE record SET hash = ?1 WHERE seq = ?2",
            -1, &update, NULL) == SQLITE_OK);
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    zlistx_t *hashes = zlistx_new ();
    while (sqlite3_step (select) == SQLITE_ROW) {
        auditrecord_t row;
        const char *problem;
        assert (auditrecord_read (&row, select, &problem) == 0);
        assert (auditrecord_encode (&row, 2, &canonical) == 0);
        auditrecord_chain (chain, &canonical, chain);
        uint8_t *copy = (uint8_t *) malloc (AUDIT_HASH_SIZE + 8);
        memcpy (copy, chain, AUDIT_HASH_SIZE);
        memcpy (copy + AUDIT_HASH_SIZE, &row.seq, 8);
        zlistx_add_end (hashes, copy);
    }
    sqlite3_finalize (select);
    uint8_t *entry = (uint8_t *) zlistx_first (hashes);
    while (entry) {
        uint64_t seq;
        memcpy (&seq, entry + AUDIT_HASH_SIZE, 8);
        sqlite3_bind_blob (update, 1, entry, AUDIT_HASH_SIZE, SQLITE_STATIC);
        sqlite3_bind_int64 (update, 2, (sqlite3_int64) seq);
        assert (sqlite3_step (update) == SQLITE_DONE);
        sqlite3_reset (update);
        free (entry);
        entry = (uint8_t *) zlistx_next (hashes);
    }
    zlistx_destroy (&hashes);
    sqlite3_finalize (update);
    msgpack_sbuffer_destroy (&canonical);
    sqlite3_close (db);
}

//  Inserts record `number` of auditrecord_example, as format 1 stored it,
//  chained onto `chain` (which it advances)
static void
s_test_v1_record (sqlite3_stmt *insert, int number, uint8_t *chain)
{
    char msgid [33];
    audit_record_t example = auditrecord_example (number, msgid);
    example.caller = "";
    auditrecord_t *row = auditrecord_new (&example, (uint64_t) number);
    assert (row);
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    assert (auditrecord_encode (row, 1, &canonical) == 0);
    auditrecord_chain (chain, &canonical, chain);
    msgpack_sbuffer_destroy (&canonical);
    sqlite3_bind_int64 (insert, 1, number);
    sqlite3_bind_int64 (insert, 2, row->time_ms);
    int column = 3;
    for (int index = 0; index < AUDITRECORD_TEXTS; index++) {
        if (index == AUDITRECORD_CALLER)
            continue;
        if (index == AUDITRECORD_DECISION)
            sqlite3_bind_int64 (insert, column++, 0);
        sqlite3_bind_text (insert, column++, row->text [index], -1, SQLITE_STATIC);
    }
    sqlite3_bind_blob (insert, column++, row->request_digest, AUDIT_DIGEST_SIZE,
                       SQLITE_STATIC);
    sqlite3_bind_blob (insert, column++, row->response_digest, AUDIT_DIGEST_SIZE,
                       SQLITE_STATIC);
    sqlite3_bind_blob (insert, column++, chain, AUDIT_HASH_SIZE, SQLITE_STATIC);
    assert (sqlite3_step (insert) == SQLITE_DONE);
    sqlite3_reset (insert);
    auditrecord_destroy (&row);
}

void
auditfile_test_v1 (const char *path, const uint8_t *secret, int count)
{
    statedb_remove (path);
    uint8_t public_key [AUDIT_KEY_SIZE];
    crypto_sign_ed25519_sk_to_pk (public_key, secret);
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    assert (sqlite3_exec (db,
        "CREATE TABLE meta (name TEXT PRIMARY KEY, value NOT NULL);"
        "CREATE TABLE record (seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
        " direction TEXT NOT NULL, msgid TEXT NOT NULL, peer TEXT NOT NULL,"
        " officer TEXT NOT NULL, purpose TEXT NOT NULL, item TEXT NOT NULL,"
        " key TEXT NOT NULL, fields TEXT NOT NULL, status INTEGER NOT NULL,"
        " decision TEXT NOT NULL, agreement TEXT NOT NULL,"
        " request_digest BLOB NOT NULL, response_digest BLOB NOT NULL,"
        " hash BLOB NOT NULL);"
        "CREATE TABLE checkpoint (seq INTEGER PRIMARY KEY, head BLOB NOT NULL,"
        " signature BLOB NOT NULL, time_ms INTEGER NOT NULL);"
        "INSERT INTO meta VALUES ('format', 'sluice-audit-1');"
        "INSERT INTO meta VALUES ('department', 'pudong-tax');",
        NULL, NULL, NULL) == SQLITE_OK);
    assert (s_meta_put (db, "sign_public", public_key, AUDIT_KEY_SIZE, false) == 0);
    sqlite3_stmt *insert = NULL;
    assert (sqlite3_prepare_v2 (db, "INSERT INTO record VALUES (?1, ?2, ?3, ?4, ?5,"
            " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", -1, &insert,
            NULL) == SQLITE_OK);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    for (int number = 1; number <= count; number++)
        s_test_v1_record (insert, number, chain);
    sqlite3_finalize (insert);
    uint8_t message [AUDITRECORD_SIGN_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    auditrecord_sign_message (message, 1, (uint64_t) count, chain);
    crypto_sign_detached (signature, NULL, message, sizeof (message), secret);
    sqlite3_stmt *checkpoint = NULL;
    assert (sqlite3_prepare_v2 (db, "INSERT INTO checkpoint VALUES (?1, ?2, ?3, 0)",
                                -1, &checkpoint, NULL) == SQLITE_OK);
    sqlite3_bind_int64 (checkpoint, 1, count);
    sqlite3_bind_blob (checkpoint, 2, chain, AUDIT_HASH_SIZE, SQLITE_STATIC);
    sqlite3_bind_blob (checkpoint, 3, signature, crypto_sign_BYTES, SQLITE_STATIC);
    assert (sqlite3_step (checkpoint) == SQLITE_DONE);
    sqlite3_finalize (checkpoint);
    sqlite3_close (db);
}

//  Opens `path` for reading and checks the code and that the report holds
//  `expected`
static void
s_test_refused (const char *path, int code, const char *expected, bool verbose)
{
    char *report = NULL;
    int rc = 0;
    auditfile_t *file = auditfile_new (path, &rc, &report);
    assert (!file && rc == code);
    if (verbose)
        printf ("\n    %s", report);
    if (!report || !strstr (report, expected))
        printf ("expected '%s', got '%s'\n", expected, report);
    assert (report && strstr (report, expected));
    zstr_free (&report);
    int again = 0;
    assert (!auditfile_new (path, &again, NULL) && again == code);  //  report optional
}

void
auditfile_test (bool verbose)
{
    if (verbose)
        printf (" * auditfile: ");
    char *dir = zsys_sprintf ("/tmp/sluice-auditfile-test-%d", (int) getpid ());
    assert (dir);
    zsys_dir_create ("%s", dir);
    char *path = zsys_sprintf ("%s/audit.db", dir);
    char *other = zsys_sprintf ("%s/other.db", dir);
    uint8_t key [AUDIT_KEY_SIZE], second_key [AUDIT_KEY_SIZE];
    memset (key, 0xA1, sizeof (key));
    memset (second_key, 0xB2, sizeof (second_key));
    char *error = NULL;
    int code = 0;

    //  A new log: its tables and meta table, of schema version 1
    sqlite3 *db = auditfile_open (path, "pudong-tax", key, &error);
    assert (db && !error);
    assert (statedb_version (db) == 1);
    uint8_t current [AUDIT_KEY_SIZE];
    assert (auditfile_current_key (db, current) == 0);
    assert (memcmp (current, key, AUDIT_KEY_SIZE) == 0);
    sqlite3_close (db);
    assert (auditfile_check (path, &error) == 0 && !error);
    auditfile_t *file = auditfile_new (path, &code, &error);
    assert (file && code == 0 && !error);
    assert (auditfile_format (file) == 2);
    assert (streq (auditfile_department (file), "pudong-tax"));
    assert (memcmp (auditfile_first_key (file), key, AUDIT_KEY_SIZE) == 0);
    assert (streq (auditfile_path (file), path));
    sqlite3_stmt *stmt = auditfile_select (file, AUDITRECORD_COLUMNS,
                                           AUDITRECORD_COLUMNS_1, "ORDER BY seq");
    assert (stmt && sqlite3_step (stmt) == SQLITE_DONE);
    sqlite3_finalize (stmt);
    auditfile_destroy (&file);
    auditfile_destroy (&file);              //  safe twice

    //  Opened again: the file does not judge the key (the writer checks
    //  the log's current key), but another department cannot continue it
    db = auditfile_open (path, "pudong-tax", second_key, &error);
    assert (db);
    sqlite3_close (db);
    assert (!auditfile_open (path, "pudong-market", key, &error));
    assert (error && strstr (error, "another department"));
    zstr_free (&error);

    //  A log from before versions were kept is taken as version 1; one a
    //  newer version wrote is refused by writer and readers, as it was
    auditfile_test_sql (path, "PRAGMA user_version = 0");
    db = auditfile_open (path, "pudong-tax", key, &error);
    assert (db && statedb_version (db) == 1);
    sqlite3_close (db);
    auditfile_test_sql (path, "PRAGMA user_version = 99");
    assert (!auditfile_open (path, "pudong-tax", key, &error));
    assert (error && strstr (error, path)
                  && strstr (error, "audit log has schema version 99"));
    zstr_free (&error);
    s_test_refused (path, AUDIT_NOT_A_LOG, "schema version 99", verbose);
    assert (auditfile_check (path, &error) == AUDIT_NOT_A_LOG);
    zstr_free (&error);
    auditfile_test_sql (path, "PRAGMA user_version = 1");

    //  The earlier format is read, not continued: the writer says what to do
    uint8_t secret [crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair (key, secret);
    auditfile_test_v1 (other, secret, 4);
    assert (!auditfile_open (other, "pudong-tax", key, &error));
    assert (error && strstr (error, "earlier format sluice-audit-1")
                  && strstr (error, "move it aside"));
    zstr_free (&error);
    assert (auditfile_check (other, &error) == 0);
    file = auditfile_new (other, &code, &error);
    assert (file && auditfile_format (file) == 1);
    auditfile_destroy (&file);

    //  Files that are not audit logs, or not there, say so
    auditfile_test_copy (path, other);
    auditfile_test_sql (other, "UPDATE meta SET value = 'sluice-audit-9'"
                               " WHERE name = 'format'");
    s_test_refused (other, AUDIT_NOT_A_LOG, "an audit log of format sluice-audit-9",
                    verbose);
    auditfile_test_copy (path, other);
    auditfile_test_sql (other, "DELETE FROM meta WHERE name = 'sign_public'");
    s_test_refused (other, AUDIT_NOT_INTACT, "meta: the department or signing key",
                    verbose);
    assert (auditfile_check (other, &error) == 0 && !error);   //  verify judges it
    statedb_remove (other);
    s_test_refused (other, AUDIT_NO_FILE, "no such file", verbose);
    assert (!zsys_file_exists (other));     //  and reading does not create it
    assert (auditfile_check (other, &error) == AUDIT_NO_FILE);
    assert (error && strstr (error, "no such file"));
    zstr_free (&error);
    s_test_refused (dir, AUDIT_NOT_A_LOG, "not a regular file", verbose);
    FILE *junk = fopen (other, "wb");
    assert (junk);
    for (int index = 0; index < 4096; index++)
        fputc (index * 7, junk);
    fclose (junk);
    s_test_refused (other, AUDIT_NOT_A_LOG, "not a SQLite database", verbose);
    assert (auditfile_check (other, &error) == AUDIT_NOT_A_LOG);
    zstr_free (&error);
    assert (!auditfile_open (other, "pudong-tax", key, &error));
    assert (error);
    zstr_free (&error);
    statedb_remove (other);
    db = NULL;                              //  someone else's database
    assert (sqlite3_open (other, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, "CREATE TABLE invoices (id)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (db);
    assert (!auditfile_open (other, "pudong-tax", key, &error));
    assert (error && strstr (error, "not a Sluice audit log"));
    zstr_free (&error);
    s_test_refused (other, AUDIT_NOT_A_LOG, "not a Sluice audit log", verbose);
    auditfile_test_sql (other, "SELECT 1");         //  left as it was
    assert (sqlite3_open (other, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, "SELECT * FROM meta", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close (db);
    statedb_remove (other);
    assert (sqlite3_open (other, &db) == SQLITE_OK);  //  an empty database
    sqlite3_close (db);
    s_test_refused (other, AUDIT_NOT_A_LOG, "an empty database", verbose);
    assert (!auditfile_open ("/nonexistent-dir/x/audit.db", "pudong-tax", key, &error));
    assert (error);
    zstr_free (&error);

    statedb_remove (path);
    statedb_remove (other);
    zsys_dir_delete ("%s", dir);
    assert (!zsys_file_exists (dir));
    zstr_free (&path);
    zstr_free (&other);
    zstr_free (&dir);
    if (verbose)
        printf ("OK\n");
}
