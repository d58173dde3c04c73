/*  quota.c -- the policy's counts and floors, and their store.

    The counts are a hash by agreement id of (day, used, dirty); the store
    is touched when an agreement meets a new day (one read) and on flush.
    Each table has its statements prepared once, when the store opens; a
    statement is reset and its bindings cleared after every use, so that no
    read holds a lock and no bound text outlives the call that bound it.
*/

#include "quota.h"
#include "status.h"
#include "statedb.h"
#include <czmq.h>
#include <sodium.h>
#include <sqlite3.h>

#define S_DIGEST_BYTES  32          //  of an agreement's canonical text

//  quota.db (statedb.h): one row per agreement and UTC day (days since the
//  epoch), old rows kept as the usage history; and the version floor. A
//  store from before versions were kept gets the floor table it may lack.
static const statedb_schema_t s_quota_db = { "quota store", 1,
    "CREATE TABLE IF NOT EXISTS quota (agreement_id TEXT NOT NULL,"
    " day INTEGER NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (agreement_id, day));"
    "CREATE TABLE IF NOT EXISTS agreement_floor (agreement_id TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL, digest BLOB NOT NULL);",
    "NORMAL", 5000, SQLITE_OPEN_NOMUTEX };

#define S_DAY_NONE  INT64_MIN       //  no day counted yet

//  One agreement's count, of one UTC day
typedef struct {
    int64_t day;
    uint32_t used;
    bool dirty;                 //  `used` not yet written to the store
} s_counter_t;

static void
s_counter_destroy (s_counter_t **counter_p)
{
    free (*counter_p);
    *counter_p = NULL;
}

struct _quota_t {
    zhashx_t *counters;         //  agreement id -> s_counter_t, owned
    sqlite3 *db;
    sqlite3_stmt *select_used;
    sqlite3_stmt *upsert_used;
    sqlite3_stmt *select_floor;
    sqlite3_stmt *upsert_floor;
};

//  Runs one statement of no result; 0, or -1 with "SQL: what SQLite says".
static int
s_exec (quota_t *self, const char *sql, char **error)
{
    char *message = NULL;
    if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK) {
        status_set_error (error, "%s: %s", sql, message? message: "?");
        sqlite3_free (message);
        return -1;
    }
    return 0;
}

static int
s_prepare (quota_t *self, const char *sql, sqlite3_stmt **stmt)
{
    return sqlite3_prepare_v2 (self->db, sql, -1, stmt, NULL) == SQLITE_OK? 0: -1;
}

//  After a statement's use: ready for the next, holding nothing
static void
s_done (sqlite3_stmt *stmt)
{
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
}

quota_t *
quota_new (const char *path, char **error)
{
    assert (path);
    quota_t *self = (quota_t *) zmalloc (sizeof (quota_t));
    assert (self);
    self->counters = zhashx_new ();
    assert (self->counters);
    zhashx_set_destructor (self->counters, (zhashx_destructor_fn *) s_counter_destroy);
    self->db = statedb_open (path, &s_quota_db, NULL, error);
    if (!self->db) {
        quota_destroy (&self);
        return NULL;
    }
    if (s_prepare (self, "SELECT used FROM quota WHERE agreement_id = ?1 AND day = ?2",
                   &self->select_used)
    ||  s_prepare (self, "INSERT INTO quota (agreement_id, day, used) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT (agreement_id, day) DO UPDATE SET used = excluded.used",
                   &self->upsert_used)
    ||  s_prepare (self, "SELECT version, digest FROM agreement_floor WHERE agreement_id = ?1",
                   &self->select_floor)
    ||  s_prepare (self, "INSERT INTO agreement_floor (agreement_id, version, digest)"
                   " VALUES (?1, ?2, ?3) ON CONFLICT (agreement_id) DO UPDATE"
                   " SET version = ?2, digest = ?3 WHERE version < ?2",
                   &self->upsert_floor)) {
        status_set_error (error, "cannot use %s: %s", path, sqlite3_errmsg (self->db));
        quota_destroy (&self);
        return NULL;
    }
    return self;
}

void
quota_destroy (quota_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        quota_t *self = *self_p;
        sqlite3_finalize (self->select_used);
        sqlite3_finalize (self->upsert_used);
        sqlite3_finalize (self->select_floor);
        sqlite3_finalize (self->upsert_floor);
        if (self->db)
            sqlite3_close (self->db);
        zhashx_destroy (&self->counters);
        free (self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  The counts

static int
s_read (quota_t *self, const char *agreement_id, int64_t day, uint32_t *used,
        char **error)
{
    sqlite3_stmt *stmt = self->select_used;
    sqlite3_bind_text (stmt, 1, agreement_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, day);
    int rc = sqlite3_step (stmt);
    int64_t count = rc == SQLITE_ROW? sqlite3_column_int64 (stmt, 0): 0;
    s_done (stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        status_set_error (error, "cannot read quota of '%s': %s", agreement_id,
                          sqlite3_errmsg (self->db));
        return -1;
    }
    *used = count < 0? 0: count > UINT32_MAX? UINT32_MAX: (uint32_t) count;
    return 0;
}

static int
s_write (quota_t *self, const char *agreement_id, const s_counter_t *counter,
         char **error)
{
    sqlite3_stmt *stmt = self->upsert_used;
    sqlite3_bind_text (stmt, 1, agreement_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, counter->day);
    sqlite3_bind_int64 (stmt, 3, counter->used);
    int rc = sqlite3_step (stmt);
    s_done (stmt);
    if (rc != SQLITE_DONE) {
        status_set_error (error, "cannot write quota of '%s': %s", agreement_id,
                          sqlite3_errmsg (self->db));
        return -1;
    }
    return 0;
}

int
quota_used (quota_t *self, const char *agreement_id, int64_t day, uint32_t *used,
            char **error)
{
    assert (self && agreement_id && used);
    s_counter_t *counter = (s_counter_t *) zhashx_lookup (self->counters, agreement_id);
    if (!counter) {
        counter = (s_counter_t *) zmalloc (sizeof (s_counter_t));
        assert (counter);
        counter->day = S_DAY_NONE;
        zhashx_insert (self->counters, agreement_id, counter);
    }
    if (counter->day != day) {
        if (counter->dirty) {
            if (s_write (self, agreement_id, counter, error))
                return -1;
            counter->dirty = false;
        }
        uint32_t count;
        if (s_read (self, agreement_id, day, &count, error))
            return -1;
        counter->day = day;
        counter->used = count;
    }
    *used = counter->used;
    return 0;
}

void
quota_count (quota_t *self, const char *agreement_id)
{
    assert (self && agreement_id);
    s_counter_t *counter = (s_counter_t *) zhashx_lookup (self->counters, agreement_id);
    assert (counter && counter->day != S_DAY_NONE);
    counter->used++;
    counter->dirty = true;
}

int
quota_flush (quota_t *self, char **error)
{
    assert (self);
    bool pending = false;
    s_counter_t *counter;
    for (counter = (s_counter_t *) zhashx_first (self->counters); counter;
         counter = (s_counter_t *) zhashx_next (self->counters))
        pending |= counter->dirty;
    if (!pending)
        return 0;
    if (s_exec (self, "BEGIN IMMEDIATE", error))
        return -1;
    for (counter = (s_counter_t *) zhashx_first (self->counters); counter;
         counter = (s_counter_t *) zhashx_next (self->counters))
        if (counter->dirty
        &&  s_write (self, (const char *) zhashx_cursor (self->counters), counter, error)) {
            s_exec (self, "ROLLBACK", NULL);
            return -1;
        }
    if (s_exec (self, "COMMIT", error)) {
        //  Nothing to say if this fails too: there is then nothing to undo
        s_exec (self, "ROLLBACK", NULL);
        return -1;
    }
    for (counter = (s_counter_t *) zhashx_first (self->counters); counter;
         counter = (s_counter_t *) zhashx_next (self->counters))
        counter->dirty = false;
    return 0;
}

int
quota_forget (quota_t *self, const char *agreement_id, char **error)
{
    assert (self && agreement_id);
    s_counter_t *counter = (s_counter_t *) zhashx_lookup (self->counters, agreement_id);
    int rc = counter && counter->dirty? s_write (self, agreement_id, counter, error): 0;
    zhashx_delete (self->counters, agreement_id);
    return rc;
}


//  --------------------------------------------------------------------------
//  The version floors

//  The floor of an id: *floor the highest version in force here before (0
//  if none), and *same whether its digest is `digest`
static int
s_floor (quota_t *self, const char *agreement_id, const uint8_t *digest,
         uint64_t *floor, bool *same, char **error)
{
    sqlite3_stmt *stmt = self->select_floor;
    sqlite3_bind_text (stmt, 1, agreement_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    *floor = 0;
    *same = false;
    if (rc == SQLITE_ROW) {
        *floor = (uint64_t) sqlite3_column_int64 (stmt, 0);
        *same = sqlite3_column_bytes (stmt, 1) == S_DIGEST_BYTES
             && memcmp (sqlite3_column_blob (stmt, 1), digest, S_DIGEST_BYTES) == 0;
    }
    s_done (stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        status_set_error (error, "cannot read the version floor of '%s': %s",
                          agreement_id, sqlite3_errmsg (self->db));
        return -1;
    }
    return 0;
}

//  Raises the floor of an id; one at or above `version` stays as it is
static int
s_raise_floor (quota_t *self, const char *agreement_id, uint64_t version,
               const uint8_t *digest, char **error)
{
    sqlite3_stmt *stmt = self->upsert_floor;
    sqlite3_bind_text (stmt, 1, agreement_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) version);
    sqlite3_bind_blob (stmt, 3, digest, S_DIGEST_BYTES, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    s_done (stmt);
    if (rc != SQLITE_DONE) {
        status_set_error (error, "cannot keep the version floor of '%s': %s; the "
                          "agreement is not put in force", agreement_id,
                          sqlite3_errmsg (self->db));
        return -1;
    }
    return 0;
}

int
quota_admit (quota_t *self, agreement_t *agreement, char **error)
{
    assert (self && agreement);
    const char *id = agreement_id (agreement);
    uint8_t digest [S_DIGEST_BYTES];
    size_t size;
    uint8_t *canonical = agreement_canonical (agreement, &size);
    crypto_generichash (digest, S_DIGEST_BYTES, canonical, size, NULL, 0);
    free (canonical);
    uint64_t floor;
    bool same;
    if (s_floor (self, id, digest, &floor, &same, error))
        return STATUS_INTERNAL;
    uint64_t version = agreement_version (agreement);
    if (version < floor || (version == floor && !same)) {
        status_set_error (error, "agreement '%s' version %" PRIu64 " refused: version %"
                          PRIu64 "%s has been in force here, and an agreement never "
                          "goes back", id, version, floor,
                          version == floor? " with other terms": "");
        return STATUS_STALE;
    }
    if (version > floor && s_raise_floor (self, id, version, digest, error))
        return STATUS_INTERNAL;
    return STATUS_OK;
}

void
quota_test (bool verbose)
{
    if (verbose)
        printf (" * quota: ");
    char *dir = zsys_sprintf ("/tmp/sluice-quota-test-%d", getpid ());
    assert (dir && zsys_dir_create ("%s", dir) == 0);
    char *path = zsys_sprintf ("%s/quota.db", dir);
    char *error = NULL;

    //  A path that cannot be a database is refused with the reason
    char *bad = zsys_sprintf ("%s/no/such/dir/quota.db", dir);
    assert (!quota_new (bad, &error));
    assert (error && strstr (error, "cannot open") && strstr (error, bad));
    zstr_free (&error);
    zstr_free (&bad);

    quota_t *quota = quota_new (path, &error);
    assert (quota && !error);
    uint32_t used = 99;
    assert (quota_used (quota, "AGR-1", 20000, &used, &error) == 0 && used == 0);
    quota_count (quota, "AGR-1");
    quota_count (quota, "AGR-1");
    assert (quota_used (quota, "AGR-1", 20000, &used, &error) == 0 && used == 2);
    assert (quota_flush (quota, &error) == 0);
    assert (quota_flush (quota, &error) == 0);      //  nothing pending
    //  Another day: the count of the day before is written first
    assert (quota_used (quota, "AGR-1", 20001, &used, &error) == 0 && used == 0);
    quota_count (quota, "AGR-1");
    assert (quota_used (quota, "AGR-1", 20000, &used, &error) == 0 && used == 2);
    quota_count (quota, "AGR-1");
    assert (quota_used (quota, "AGR-2", 20000, &used, &error) == 0 && used == 0);
    quota_count (quota, "AGR-2");
    //  A revoked agreement's count is written as it is forgotten
    assert (quota_used (quota, "AGR-3", 20000, &used, &error) == 0);
    quota_count (quota, "AGR-3");
    assert (quota_forget (quota, "AGR-3", &error) == 0);
    assert (quota_forget (quota, "AGR-4", &error) == 0);
    assert (quota_used (quota, "AGR-3", 20000, &used, &error) == 0 && used == 1);

    //  The floor only goes up; at it, only the same terms pass
    agreement_t *agreement = agreement_new ("AGR-1", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "name", "audit", "basis", 0, 4102444800, 5, "*", NULL);
    agreement_t *other = agreement_new ("AGR-1", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "name,address", "audit", "basis", 0, 4102444800, 5, "*", NULL);
    assert (agreement && other);
    assert (quota_admit (quota, agreement, &error) == STATUS_OK);
    assert (quota_admit (quota, agreement, &error) == STATUS_OK);
    assert (quota_admit (quota, other, &error) == STATUS_STALE);
    assert (error && streq (error, "agreement 'AGR-1' version 1 refused: version 1 with "
                            "other terms has been in force here, and an agreement never "
                            "goes back"));
    zstr_free (&error);
    assert (agreement_set_version (other, 3) == 0);
    assert (quota_admit (quota, other, &error) == STATUS_OK);
    assert (agreement_set_version (agreement, 2) == 0);
    assert (quota_admit (quota, agreement, &error) == STATUS_STALE);
    assert (error && strstr (error, "version 2 refused: version 3 has been"));
    zstr_free (&error);
    assert (quota_flush (quota, &error) == 0);
    quota_count (quota, "AGR-2");                   //  not flushed
    quota_destroy (&quota);
    quota_destroy (&quota);
    assert (quota == NULL);

    //  What was flushed or written is there after a restart, what was not
    //  flushed is not
    quota = quota_new (path, NULL);
    assert (quota);
    assert (quota_used (quota, "AGR-1", 20000, &used, NULL) == 0 && used == 3);
    assert (quota_used (quota, "AGR-1", 20001, &used, NULL) == 0 && used == 1);
    assert (quota_used (quota, "AGR-2", 20000, &used, NULL) == 0 && used == 1);
    assert (quota_used (quota, "AGR-3", 20000, &used, NULL) == 0 && used == 1);
    assert (quota_admit (quota, agreement, NULL) == STATUS_STALE);
    assert (quota_admit (quota, other, NULL) == STATUS_OK);
    quota_destroy (&quota);
    agreement_destroy (&agreement);
    agreement_destroy (&other);

    char *command = zsys_sprintf ("rm -rf %s", dir);
    assert (system (command) == 0);
    zstr_free (&command);
    zstr_free (&path);
    zstr_free (&dir);
    if (verbose)
        printf ("OK\n");
}
