/*  ledger.c -- a durable store of signed statements, in SQLite (WAL).  */

#include "ledger.h"
#include "status.h"
#include "statedb.h"
#include <sqlite3.h>
#include <sodium.h>

struct _ledger_t {
    sqlite3 *db;
    sqlite3_stmt *get;
    sqlite3_stmt *put;
    sqlite3_stmt *page;
    sqlite3_stmt *list_page;
    sqlite3_stmt *open_orders;
    sqlite3_stmt *value;
    sqlite3_stmt *set_value;
};

//  The change number `seq` is one more than the highest held, so it only
//  grows: a replaced row gets a number above every other.
static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS statement ("
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  issued INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  party_a TEXT NOT NULL,"
    "  party_b TEXT NOT NULL,"
    "  encoded BLOB NOT NULL,"
    "  PRIMARY KEY (kind, key));"
    "CREATE TABLE IF NOT EXISTS value ("
    "  name TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS statement_seq ON statement (seq);"
    "CREATE INDEX IF NOT EXISTS statement_party_a ON statement (party_a, seq);"
    "CREATE INDEX IF NOT EXISTS statement_party_b ON statement (party_b, seq);"
    "CREATE INDEX IF NOT EXISTS statement_author ON statement (kind, author);";

//  A ledger from before schema versions were kept (version 0) is of this
//  layout if its statements have versions and change numbers; the layout
//  before statement versions cannot be read.
static int
s_upgrade (sqlite3 *db, const char *path, int from, void *arg, char **error)
{
    sqlite3_stmt *probe = NULL;
    int rc = sqlite3_prepare_v2 (db, "SELECT version, seq FROM statement LIMIT 0",
                                 -1, &probe, NULL);
    sqlite3_finalize (probe);
    if (rc == SQLITE_OK)
        return 0;
    status_set_error (error, "%s: a ledger of an older format (statements without "
                      "versions), which this version cannot read", path);
    return -1;
}

//  A ledger keeps what was acknowledged: every commit is synced
static const statedb_schema_t s_ledger_db = {
    "ledger", 1, s_schema, "FULL", 1000, 0, NULL, s_upgrade, NULL
};

static const struct {
    size_t offset;
    const char *sql;
} s_prepared [] = {
    { offsetof (ledger_t, get),
      "SELECT encoded FROM statement WHERE kind = ?1 AND key = ?2" },
    { offsetof (ledger_t, put),
      "INSERT INTO statement (kind, key, author, version, issued, seq, party_a,"
      " party_b, encoded) VALUES (?1, ?2, ?3, ?4, ?5,"
      " (SELECT coalesce (max (seq), 0) + 1 FROM statement), ?6, ?7, ?8)"
      " ON CONFLICT (kind, key) DO UPDATE SET author = ?3, version = ?4,"
      " issued = ?5, seq = excluded.seq, party_a = ?6, party_b = ?7, encoded = ?8"
      " WHERE version < ?4" },
    { offsetof (ledger_t, page),
      "SELECT seq, encoded FROM statement"
      " WHERE seq > ?1 AND (party_a = ?2 OR party_b = ?2)"
      "   AND (?3 IS NULL OR kind != ?3) ORDER BY seq" },
    { offsetof (ledger_t, list_page),
      "SELECT seq, encoded FROM statement"
      " WHERE seq > ?1 AND (?2 IS NULL OR kind = ?2)"
      "   AND (?3 IS NULL OR party_a = ?3 OR party_b = ?3 OR author = ?3) ORDER BY seq" },
    { offsetof (ledger_t, open_orders),
      "SELECT count (*) FROM statement AS o"
      " WHERE o.kind = '" STATEMENT_ORDER "' AND o.author = ?1"
      "   AND NOT EXISTS (SELECT 1 FROM statement AS a"
      "     WHERE a.kind = '" STATEMENT_ANSWER "' AND a.key = o.key)" },
    { offsetof (ledger_t, value),
      "SELECT value FROM value WHERE name = ?1" },
    { offsetof (ledger_t, set_value),
      "INSERT INTO value (name, value) VALUES (?1, ?2)"
      " ON CONFLICT (name) DO UPDATE SET value = ?2" },
};
#define S_PREPARED (sizeof (s_prepared) / sizeof (s_prepared [0]))

static sqlite3_stmt **
s_slot (ledger_t *self, size_t index)
{
    return (sqlite3_stmt **) ((char *) self + s_prepared [index].offset);
}

ledger_t *
ledger_new (const char *path, char **error)
{
    assert (path && error);
    ledger_t *self = (ledger_t *) zmalloc (sizeof (ledger_t));
    assert (self);
    self->db = statedb_open (path, &s_ledger_db, NULL, error);
    bool opened = self->db != NULL;
    for (size_t index = 0; opened && index < S_PREPARED; index++)
        opened = sqlite3_prepare_v2 (self->db, s_prepared [index].sql, -1,
                                     s_slot (self, index), NULL) == SQLITE_OK;
    if (self->db && !opened)
        status_set_error (error, "%s: cannot open the ledger: %s", path,
                          sqlite3_errmsg (self->db));
    if (!opened)
        ledger_destroy (&self);
    return self;
}

void
ledger_destroy (ledger_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        ledger_t *self = *self_p;
        for (size_t index = 0; index < S_PREPARED; index++)
            sqlite3_finalize (*s_slot (self, index));
        sqlite3_close (self->db);
        free (self);
        *self_p = NULL;
    }
}

static void
s_done (sqlite3_stmt *statement)
{
    sqlite3_reset (statement);
    sqlite3_clear_bindings (statement);
}

int
ledger_put (ledger_t *self, statement_t *statement,
            const char *party_a, const char *party_b, char **error)
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
    sqlite3_bind_int64 (put, 4, (sqlite3_int64) statement_version (statement));
    sqlite3_bind_int64 (put, 5, statement_issued (statement));
    sqlite3_bind_text (put, 6, party_a? party_a: "", -1, SQLITE_STATIC);
    sqlite3_bind_text (put, 7, party_b? party_b: "", -1, SQLITE_STATIC);
    sqlite3_bind_blob (put, 8, encoded, (int) size, SQLITE_STATIC);
    int rc = sqlite3_step (put);
    int changes = sqlite3_changes (self->db);
    s_done (put);
    if (rc != SQLITE_DONE) {
        status_set_error (error, "ledger: cannot store a statement: %s",
                          sqlite3_errmsg (self->db));
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
        statement = statement_decode (sqlite3_column_blob (self->get, 0),
                                      (size_t) sqlite3_column_bytes (self->get, 0));
    s_done (self->get);
    return statement;
}

static zlistx_t *
s_statement_list (void)
{
    zlistx_t *list = zlistx_new ();
    assert (list);
    zlistx_set_destructor (list, (zlistx_destructor_fn *) statement_destroy);
    return list;
}

zlistx_t *
ledger_list (ledger_t *self, const char *kind, const char *party, char **error)
{
    assert (self);
    zlistx_t *list = s_statement_list ();
    sqlite3_stmt *select = NULL;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT encoded FROM statement"
            " WHERE (?1 IS NULL OR kind = ?1)"
            "   AND (?2 IS NULL OR party_a = ?2 OR party_b = ?2 OR author = ?2)"
            " ORDER BY seq", -1, &select, NULL) != SQLITE_OK) {
        status_set_error (error, "ledger: cannot list: %s", sqlite3_errmsg (self->db));
        return list;
    }
    if (kind)
        sqlite3_bind_text (select, 1, kind, -1, SQLITE_STATIC);
    if (party)
        sqlite3_bind_text (select, 2, party, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step (select)) == SQLITE_ROW) {
        statement_t *statement = statement_decode (sqlite3_column_blob (select, 0),
                                     (size_t) sqlite3_column_bytes (select, 0));
        if (statement)
            zlistx_add_end (list, statement);
    }
    if (rc != SQLITE_DONE) {
        status_set_error (error, "ledger: cannot list: %s", sqlite3_errmsg (self->db));
        zlistx_purge (list);
    }
    sqlite3_finalize (select);
    return list;
}

//  One page of what `page` (bound, its ?1 the change number after which it
//  starts) selects, "seq, encoded" in change order: as ledger_page says.
static zlistx_t *
s_page (ledger_t *self, sqlite3_stmt *page, uint64_t since, size_t budget,
        uint64_t *next, bool *more, char **error)
{
    zlistx_t *list = s_statement_list ();
    size_t used = 0;
    *next = since;
    *more = false;
    int rc;
    while ((rc = sqlite3_step (page)) == SQLITE_ROW) {
        size_t size = (size_t) sqlite3_column_bytes (page, 1);
        if (zlistx_size (list) && used + size > budget) {
            *more = true;
            break;
        }
        statement_t *statement = statement_decode (sqlite3_column_blob (page, 1), size);
        if (statement)          //  stored only once decoded: always decodes
            zlistx_add_end (list, statement);
        used += size;
        *next = (uint64_t) sqlite3_column_int64 (page, 0);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        status_set_error (error, "ledger: cannot read changes: %s",
                          sqlite3_errmsg (self->db));
        zlistx_destroy (&list);
    }
    s_done (page);
    return list;
}

static void
s_bind_since (sqlite3_stmt *page, uint64_t since)
{
    sqlite3_bind_int64 (page, 1, since > INT64_MAX? INT64_MAX: (sqlite3_int64) since);
}

zlistx_t *
ledger_page (ledger_t *self, const char *party, const char *skip_kind,
             uint64_t since, size_t budget, uint64_t *next, bool *more, char **error)
{
    assert (self && party && next && more);
    s_bind_since (self->page, since);
    sqlite3_bind_text (self->page, 2, party, -1, SQLITE_STATIC);
    if (skip_kind)
        sqlite3_bind_text (self->page, 3, skip_kind, -1, SQLITE_STATIC);
    return s_page (self, self->page, since, budget, next, more, error);
}

zlistx_t *
ledger_list_page (ledger_t *self, const char *kind, const char *party, uint64_t since,
                  size_t budget, uint64_t *next, bool *more, char **error)
{
    assert (self && next && more);
    s_bind_since (self->list_page, since);
    if (kind)
        sqlite3_bind_text (self->list_page, 2, kind, -1, SQLITE_STATIC);
    if (party)
        sqlite3_bind_text (self->list_page, 3, party, -1, SQLITE_STATIC);
    return s_page (self, self->list_page, since, budget, next, more, error);
}

int64_t
ledger_open_orders (ledger_t *self, const char *consumer, char **error)
{
    assert (self && consumer);
    sqlite3_bind_text (self->open_orders, 1, consumer, -1, SQLITE_STATIC);
    int64_t count = -1;
    if (sqlite3_step (self->open_orders) == SQLITE_ROW)
        count = sqlite3_column_int64 (self->open_orders, 0);
    else
        status_set_error (error, "ledger: cannot count orders: %s",
                          sqlite3_errmsg (self->db));
    s_done (self->open_orders);
    return count;
}

char *
ledger_value (ledger_t *self, const char *name)
{
    assert (self && name);
    sqlite3_bind_text (self->value, 1, name, -1, SQLITE_STATIC);
    char *value = NULL;
    if (sqlite3_step (self->value) == SQLITE_ROW) {
        value = strdup ((const char *) sqlite3_column_text (self->value, 0));
        assert (value);
    }
    s_done (self->value);
    return value;
}

int
ledger_set_value (ledger_t *self, const char *name, const char *value, char **error)
{
    assert (self && name && value);
    sqlite3_bind_text (self->set_value, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text (self->set_value, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step (self->set_value);
    s_done (self->set_value);
    if (rc != SQLITE_DONE) {
        status_set_error (error, "ledger: cannot store '%s': %s", name,
                          sqlite3_errmsg (self->db));
        return -1;
    }
    return 0;
}

static statement_t *
s_test_statement (const char *kind, const char *key, uint64_t version,
                  const char *payload, const uint8_t *secret_key)
{
    statement_t *statement = statement_new (kind, "SH-PD-TAX", key, version,
                                            (const uint8_t *) payload, strlen (payload));
    assert (statement);
    statement_sign (statement, secret_key);
    return statement;
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

    statement_t *first = s_test_statement (STATEMENT_ORDER, "ORD-1", 5, "a", secret_key);
    assert (ledger_put (ledger, first, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_OK);
    //  The same again, or a lower version, is stale and changes nothing,
    //  whatever its issue time says
    assert (ledger_put (ledger, first, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_STALE);
    statement_t *older = s_test_statement (STATEMENT_ORDER, "ORD-1", 4, "old", secret_key);
    statement_set_issued (older, statement_issued (first) + 3600000);
    statement_sign (older, secret_key);
    assert (ledger_put (ledger, older, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_STALE);
    statement_t *same = s_test_statement (STATEMENT_ORDER, "ORD-1", 5, "same", secret_key);
    assert (ledger_put (ledger, same, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_STALE);
    statement_t *newer = s_test_statement (STATEMENT_ORDER, "ORD-1", 6, "new", secret_key);
    statement_set_issued (newer, 1000);        //  an earlier time, a higher version
    statement_sign (newer, secret_key);
    assert (ledger_put (ledger, newer, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_OK);
    statement_t *unsigned_one = statement_new (STATEMENT_CATALOG, "SH-PD-FDA", "SH-PD-FDA",
                                               1, NULL, 0);
    assert (ledger_put (ledger, unsigned_one, NULL, NULL, NULL) == STATUS_MALFORMED);
    statement_sign (unsigned_one, secret_key);
    assert (ledger_put (ledger, unsigned_one, NULL, NULL, NULL) == STATUS_OK);
    assert (ledger_open_orders (ledger, "SH-PD-TAX", NULL) == 1);
    statement_t *answer = s_test_statement (STATEMENT_ANSWER, "ORD-1", 1, "b", secret_key);
    assert (ledger_put (ledger, answer, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_OK);
    assert (ledger_open_orders (ledger, "SH-PD-TAX", NULL) == 0);
    assert (ledger_open_orders (ledger, "SH-PD-MSA", NULL) == 0);

    //  A disk that refuses (another writer holds the lock): said to the
    //  caller, nothing changed
    {
        sqlite3 *blocker = NULL;
        assert (sqlite3_open (path, &blocker) == SQLITE_OK);
        assert (sqlite3_exec (blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        statement_t *blocked = s_test_statement (STATEMENT_ORDER, "ORD-B", 1, "b", secret_key);
        assert (ledger_put (ledger, blocked, "SH-PD-TAX", "SH-PD-MSA", &error)
                == STATUS_INTERNAL);
        assert (error && strstr (error, "ledger: cannot store a statement"));
        zstr_free (&error);
        assert (ledger_set_value (ledger, "epoch", "x", &error) == -1);
        assert (error && strstr (error, "ledger: cannot store 'epoch'"));
        zstr_free (&error);
        statement_destroy (&blocked);
        assert (sqlite3_exec (blocker, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (blocker);
        assert (!ledger_get (ledger, STATEMENT_ORDER, "ORD-B"));
    }

    //  Values
    assert (ledger_value (ledger, "epoch") == NULL);
    assert (ledger_set_value (ledger, "epoch", "abc", NULL) == 0);
    assert (ledger_set_value (ledger, "epoch", "def", NULL) == 0);

    //  Survives closing and reopening
    ledger_destroy (&ledger);
    ledger = ledger_new (path, &error);
    assert (ledger);
    char *value = ledger_value (ledger, "epoch");
    assert (value && streq (value, "def"));
    zstr_free (&value);
    statement_t *held = ledger_get (ledger, STATEMENT_ORDER, "ORD-1");
    assert (held && statement_version (held) == 6 && statement_issued (held) == 1000);
    assert (statement_verify (held, public_key) == 0);
    statement_destroy (&held);
    assert (!ledger_get (ledger, STATEMENT_ORDER, "ORD-2"));
    zlistx_t *list = ledger_list (ledger, NULL, NULL, NULL);
    assert (zlistx_size (list) == 3);
    zlistx_destroy (&list);
    list = ledger_list (ledger, STATEMENT_ORDER, "SH-PD-MSA", NULL);
    assert (zlistx_size (list) == 1);
    zlistx_destroy (&list);
    list = ledger_list (ledger, NULL, "SH-PD-HR", NULL);
    assert (zlistx_size (list) == 0);
    zlistx_destroy (&list);
    //  A key with SQL in it is data
    list = ledger_list (ledger, "order' OR '1'='1", NULL, NULL);
    assert (zlistx_size (list) == 0);
    zlistx_destroy (&list);

    //  Changes in pages: ORD-1 v5 was change 1, v6 change 2, the catalog 3
    //  (no party: never in a page), the answer 4; then ten more orders
    uint64_t next;
    bool more;
    list = ledger_page (ledger, "SH-PD-MSA", NULL, 0, 1000000, &next, &more, NULL);
    assert (list && zlistx_size (list) == 2 && next == 4 && !more);
    assert (streq (statement_kind ((statement_t *) zlistx_first (list)), STATEMENT_ORDER));
    zlistx_destroy (&list);
    size_t size_each = 0;
    for (int index = 0; index < 10; index++) {
        char key [32];
        snprintf (key, sizeof (key), "ORD-X-%d", index);
        statement_t *order = s_test_statement (STATEMENT_ORDER, key, 1, "0123456789",
                                               secret_key);
        assert (ledger_put (ledger, order, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_OK);
        statement_encoded (order, &size_each);
        statement_destroy (&order);
    }
    assert (ledger_open_orders (ledger, "SH-PD-TAX", NULL) == 10);
    //  Three a page, from after change 4
    uint64_t since = 4;
    size_t pages = 0, seen = 0;
    do {
        list = ledger_page (ledger, "SH-PD-MSA", STATEMENT_ANSWER, since,
                            3 * size_each, &next, &more, NULL);
        assert (list && zlistx_size (list) <= 3 && next > since);
        seen += zlistx_size (list);
        zlistx_destroy (&list);
        since = next;
        pages++;
    } while (more);
    assert (seen == 10 && pages == 4 && since == 14);
    //  A budget smaller than one statement still gives one
    list = ledger_page (ledger, "SH-PD-MSA", NULL, 4, 1, &next, &more, NULL);
    assert (zlistx_size (list) == 1 && next == 5 && more);
    zlistx_destroy (&list);
    //  Nothing new: an empty page
    list = ledger_page (ledger, "SH-PD-MSA", NULL, 14, 1000, &next, &more, NULL);
    assert (zlistx_size (list) == 0 && next == 14 && !more);
    zlistx_destroy (&list);
    //  The answer kind skipped, the order replaced: it shows again, last
    statement_t *third = s_test_statement (STATEMENT_ORDER, "ORD-1", 7, "c", secret_key);
    assert (ledger_put (ledger, third, "SH-PD-TAX", "SH-PD-MSA", NULL) == STATUS_OK);
    list = ledger_page (ledger, "SH-PD-MSA", STATEMENT_ANSWER, 14, 1000, &next, &more, NULL);
    assert (zlistx_size (list) == 1 && next == 15 && !more);
    assert (statement_version ((statement_t *) zlistx_first (list)) == 7);
    zlistx_destroy (&list);
    //  What ledger_list lists, in pages: the orders, three a page; then the
    //  one catalog (change 3, no party) of every party's list
    since = 0;
    pages = seen = 0;
    do {
        list = ledger_list_page (ledger, STATEMENT_ORDER, "SH-PD-TAX", since,
                                 3 * size_each, &next, &more, NULL);
        assert (list && zlistx_size (list) <= 3 && (next > since || !more));
        for (statement_t *order = (statement_t *) zlistx_first (list); order;
             order = (statement_t *) zlistx_next (list))
            assert (streq (statement_kind (order), STATEMENT_ORDER));
        seen += zlistx_size (list);
        zlistx_destroy (&list);
        since = next;
        pages++;
    } while (more);
    list = ledger_list (ledger, STATEMENT_ORDER, "SH-PD-TAX", NULL);
    assert (seen == zlistx_size (list) && pages == 4 && since == 15);
    zlistx_destroy (&list);
    list = ledger_list_page (ledger, STATEMENT_CATALOG, NULL, 0, 1, &next, &more, NULL);
    assert (zlistx_size (list) == 1 && next == 3 && !more);
    zlistx_destroy (&list);
    list = ledger_list_page (ledger, STATEMENT_CATALOG, NULL, 3, 1, &next, &more, NULL);
    assert (zlistx_size (list) == 0 && next == 3 && !more);
    zlistx_destroy (&list);

    statement_destroy (&first);
    statement_destroy (&older);
    statement_destroy (&same);
    statement_destroy (&newer);
    statement_destroy (&third);
    statement_destroy (&answer);
    statement_destroy (&unsigned_one);
    ledger_destroy (&ledger);
    assert (!ledger_new ("/nonexistent/dir/ledger.db", &error));
    assert (error);
    zstr_free (&error);

    //  Schema versions: a ledger of this layout from before versions were
    //  kept is taken as version 1; one a newer version wrote is refused
    sqlite3 *raw = NULL;
    assert (sqlite3_open (path, &raw) == SQLITE_OK);
    assert (statedb_version (raw) == 1);
    assert (sqlite3_exec (raw, "PRAGMA user_version = 0", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (raw);
    ledger = ledger_new (path, &error);
    assert (ledger);
    ledger_destroy (&ledger);
    assert (sqlite3_open (path, &raw) == SQLITE_OK);
    assert (statedb_version (raw) == 1);
    assert (sqlite3_exec (raw, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (raw);
    assert (!ledger_new (path, &error));
    assert (error && strstr (error, path) && strstr (error, "ledger has schema version 99"));
    zstr_free (&error);
    statedb_remove (path);

    //  A ledger of the format before versions is refused with a reason
    assert (sqlite3_open (path, &raw) == SQLITE_OK);
    assert (sqlite3_exec (raw, "CREATE TABLE statement (kind TEXT NOT NULL, key TEXT NOT NULL,"
                          " author TEXT NOT NULL, issued INTEGER NOT NULL, party_a TEXT"
                          " NOT NULL, party_b TEXT NOT NULL, encoded BLOB NOT NULL,"
                          " PRIMARY KEY (kind, key))", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (raw);
    assert (!ledger_new (path, &error));
    assert (error && strstr (error, "older format"));
    zstr_free (&error);
    statedb_remove (path);
    if (verbose)
        printf ("OK\n");
}
