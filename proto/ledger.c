/*  ledger.c -- a durable store of signed statements, in SQLite (WAL).  */

#include "ledger.h"
#include "status.h"
#include <sqlite3.h>
#include <sodium.h>

struct _ledger_t {
    sqlite3 *db;
    sqlite3_stmt *get;
    sqlite3_stmt *put;
};

static const char *s_schema =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = FULL;"
    "CREATE TABLE IF NOT EXISTS statement ("
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  issued INTEGER NOT NULL,"
    "  party_a TEXT NOT NULL,"
    "  party_b TEXT NOT NULL,"
    "  encoded BLOB NOT NULL,"
    "  PRIMARY KEY (kind, key));";

ledger_t *
ledger_new (const char *path, char **error)
{
    assert (path && error);
    ledger_t *self = (ledger_t *) zmalloc (sizeof (ledger_t));
    assert (self);
    if (sqlite3_open_v2 (path, &self->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK
    ||  sqlite3_busy_timeout (self->db, 1000) != SQLITE_OK
    ||  sqlite3_exec (self->db, s_schema, NULL, NULL, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (self->db,
            "SELECT issued, encoded FROM statement WHERE kind = ?1 AND key = ?2",
            -1, &self->get, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (self->db,
            "INSERT INTO statement (kind, key, author, issued, party_a, party_b, encoded)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            " ON CONFLICT (kind, key) DO UPDATE SET author = ?3, issued = ?4,"
            " party_a = ?5, party_b = ?6, encoded = ?7 WHERE issued < ?4",
            -1, &self->put, NULL) != SQLITE_OK) {
        *error = zsys_sprintf ("%s: cannot open the ledger: %s", path,
                               self->db? sqlite3_errmsg (self->db): "out of memory");
        ledger_destroy (&self);
    }
    return self;
}

void
ledger_destroy (ledger_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        ledger_t *self = *self_p;
        sqlite3_finalize (self->get);
        sqlite3_finalize (self->put);
        sqlite3_close (self->db);
        free (self);
        *self_p = NULL;
    }
}

int
ledger_put (ledger_t *self, statement_t *statement,
            const char *party_a, const char *party_b)
{
    assert (self && statement);
    size_t size;
    const uint8_t *encoded = statement_encoded (statement, &size);
    if (!encoded)
        return STATUS_MALFORMED;            //  not signed
    sqlite3_stmt *put = self->put;
    sqlite3_bind_text (put, 1, statement_kind (statement), -1, SQLITE_STATIC);
    sqlite3_bind_text (put, 2, statement_key (statement), -1, SQLITE_STATIC);
    sqlite3_bind_text (put, 3, statement_author (statement), -1, SQLITE_STATIC);
    sqlite3_bind_int64 (put, 4, statement_issued (statement));
    sqlite3_bind_text (put, 5, party_a? party_a: "", -1, SQLITE_STATIC);
    sqlite3_bind_text (put, 6, party_b? party_b: "", -1, SQLITE_STATIC);
    sqlite3_bind_blob (put, 7, encoded, (int) size, SQLITE_STATIC);
    int rc = sqlite3_step (put);
    int changes = sqlite3_changes (self->db);
    sqlite3_reset (put);
    sqlite3_clear_bindings (put);
    if (rc != SQLITE_DONE) {
        zsys_error ("ledger: cannot store a statement: %s", sqlite3_errmsg (self->db));
        return STATUS_INTERNAL;
    }
    return changes > 0? STATUS_OK: STATUS_STALE;
}

statement_t *
ledger_get (ledger_t *self, const char *kind, const char *key)
{
    assert (self && kind && key);
    sqlite3_bind_text (self->get, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text (self->get, 2, key, -1, SQLITE_STATIC);
    statement_t *statement = NULL;
    if (sqlite3_step (self->get) == SQLITE_ROW)
        statement = statement_decode (sqlite3_column_blob (self->get, 1),
                                      (size_t) sqlite3_column_bytes (self->get, 1));
    sqlite3_reset (self->get);
    sqlite3_clear_bindings (self->get);
    return statement;
}

zlistx_t *
ledger_list (ledger_t *self, const char *kind, const char *party)
{
    assert (self);
    zlistx_t *list = zlistx_new ();
    zlistx_set_destructor (list, (zlistx_destructor_fn *) statement_destroy);
    sqlite3_stmt *select = NULL;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT encoded FROM statement"
            " WHERE (?1 IS NULL OR kind = ?1)"
            "   AND (?2 IS NULL OR party_a = ?2 OR party_b = ?2 OR author = ?2)"
            " ORDER BY issued", -1, &select, NULL) != SQLITE_OK) {
        zsys_error ("ledger: cannot list: %s", sqlite3_errmsg (self->db));
        return list;
    }
    if (kind)
        sqlite3_bind_text (select, 1, kind, -1, SQLITE_STATIC);
    if (party)
        sqlite3_bind_text (select, 2, party, -1, SQLITE_STATIC);
    while (sqlite3_step (select) == SQLITE_ROW) {
        statement_t *statement = statement_decode (sqlite3_column_blob (select, 0),
                                     (size_t) sqlite3_column_bytes (select, 0));
        if (statement)
            zlistx_add_end (list, statement);
    }
    sqlite3_finalize (select);
    return list;
}

void
ledger_test (bool verbose)
{
    if (verbose)
        printf (" * ledger: ");
    char path [64];
    snprintf (path, sizeof (path), "/tmp/sluice-ledger-%d.db", getpid ());
    char *error = NULL;
    ledger_t *ledger = ledger_new (path, &error);
    assert (ledger && !error);
    uint8_t public_key [32], secret_key [64];
    crypto_sign_keypair (public_key, secret_key);

    statement_t *first = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-1",
                                        (const uint8_t *) "a", 1);
    statement_set_issued (first, 1000);
    statement_sign (first, secret_key);
    assert (ledger_put (ledger, first, "SH-PD-TAX", "SH-PD-MSA") == STATUS_OK);
    //  The same again, or an older one, is stale and changes nothing
    assert (ledger_put (ledger, first, "SH-PD-TAX", "SH-PD-MSA") == STATUS_STALE);
    statement_t *older = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-1",
                                        (const uint8_t *) "old", 3);
    statement_set_issued (older, 999);
    statement_sign (older, secret_key);
    assert (ledger_put (ledger, older, "SH-PD-TAX", "SH-PD-MSA") == STATUS_STALE);
    statement_t *newer = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-1",
                                        (const uint8_t *) "new", 3);
    statement_set_issued (newer, 2000);
    statement_sign (newer, secret_key);
    assert (ledger_put (ledger, newer, "SH-PD-TAX", "SH-PD-MSA") == STATUS_OK);
    statement_t *unsigned_one = statement_new (STATEMENT_CATALOG, "SH-PD-FDA", "SH-PD-FDA", NULL, 0);
    assert (ledger_put (ledger, unsigned_one, NULL, NULL) == STATUS_MALFORMED);
    statement_sign (unsigned_one, secret_key);
    assert (ledger_put (ledger, unsigned_one, NULL, NULL) == STATUS_OK);

    //  Survives closing and reopening
    ledger_destroy (&ledger);
    ledger = ledger_new (path, &error);
    assert (ledger);
    statement_t *held = ledger_get (ledger, STATEMENT_ORDER, "ORD-1");
    assert (held && statement_issued (held) == 2000);
    assert (statement_verify (held, public_key) == 0);
    statement_destroy (&held);
    assert (!ledger_get (ledger, STATEMENT_ORDER, "ORD-2"));
    zlistx_t *list = ledger_list (ledger, NULL, NULL);
    assert (zlistx_size (list) == 2);
    zlistx_destroy (&list);
    list = ledger_list (ledger, STATEMENT_ORDER, "SH-PD-MSA");
    assert (zlistx_size (list) == 1);
    zlistx_destroy (&list);
    list = ledger_list (ledger, NULL, "SH-PD-HR");
    assert (zlistx_size (list) == 0);
    zlistx_destroy (&list);
    //  A key with SQL in it is data
    list = ledger_list (ledger, "order' OR '1'='1", NULL);
    assert (zlistx_size (list) == 0);
    zlistx_destroy (&list);

    statement_destroy (&first);
    statement_destroy (&older);
    statement_destroy (&newer);
    statement_destroy (&unsigned_one);
    ledger_destroy (&ledger);
    assert (!ledger_new ("/nonexistent/dir/ledger.db", &error));
    assert (error);
    zstr_free (&error);
    zsys_file_delete (path);
    char *wal = zsys_sprintf ("%s-wal", path);
    zsys_file_delete (wal);
    zstr_free (&wal);
    wal = zsys_sprintf ("%s-shm", path);
    zsys_file_delete (wal);
    zstr_free (&wal);
    if (verbose)
        printf ("OK\n");
}
