/*  notices.c -- the gateway's store of notices and alerts; see notices.h.

    States are numbers in the tables: noticeid_state_t (0 delivered, 1
    received, 2 handled, 3 refused), and -1 in the outbox for a copy no
    receipt has come for yet. Ids are 16-byte BLOBs, times ms since the
    epoch, a notice's fields one packed msgpack map.
*/

#include "notices.h"
#include "noticejournal.h"
#include "noticelist.h"
#include "noticeref.h"
#include "codec.h"
#include "statedb.h"
#include "status.h"
#include <sqlite3.h>

struct _notices_t {
    char *path;
    sqlite3 *db;
    bool in_transaction;
    int64_t journal_done;           //  journal rows up to it go, next begin
    int64_t journal_deleted;        //  and rows up to it are gone
    //  Counts per department, once counted kept as rows change (+ 1: 0 is
    //  none), the open transaction's rows included: a sender's new copies
    //  not taken yet, and the copies to a recipient without a receipt
    zhashx_t *untaken_by, *undelivered_to;
    sqlite3_stmt *put_copy, *copy_of, *receipt_in, *copy_moved, *put_inbox;
    sqlite3_stmt *put_receipt, *ack, *queued_copy, *queued_receipt;
    sqlite3_stmt *tried_copy, *tried_receipt, *inbox_state, *newest_receipt, *due;
    sqlite3_stmt *new_copies, *taken, *by_notice, *handled, *journal_add;
    sqlite3_stmt *untaken, *unsettled, *topics, *subscribe, *unsubscribe, *outgoing;
    sqlite3_stmt *undelivered, *untaken_from;
};

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS outbox ("
    "  copy BLOB PRIMARY KEY, notice BLOB NOT NULL, type INTEGER NOT NULL,"
    "  recipient TEXT NOT NULL, subject TEXT NOT NULL, key_type TEXT NOT NULL,"
    "  key TEXT NOT NULL, fields BLOB, basis TEXT NOT NULL, deadline_ms INTEGER NOT NULL,"
    "  severity TEXT NOT NULL, text TEXT NOT NULL, officer TEXT NOT NULL,"
    "  caller TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  header BLOB NOT NULL, body BLOB NOT NULL,"
    "  tries INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,"
    "  queued INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL DEFAULT -1,"
    "  delivered_ms INTEGER NOT NULL DEFAULT 0, received_ms INTEGER NOT NULL DEFAULT 0,"
    "  handled_ms INTEGER NOT NULL DEFAULT 0, refused_ms INTEGER NOT NULL DEFAULT 0,"
    "  result TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',"
    "  handler TEXT NOT NULL DEFAULT '', code INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_ms) WHERE state < 0;"
    "CREATE INDEX IF NOT EXISTS outbox_notice ON outbox (notice);"
    "CREATE INDEX IF NOT EXISTS outbox_created ON outbox (type, created_ms);"
    "CREATE INDEX IF NOT EXISTS outbox_undelivered ON outbox (recipient) WHERE state < 0;"
    "CREATE TABLE IF NOT EXISTS receipt_in ("
    "  receipt BLOB PRIMARY KEY, copy BLOB NOT NULL, state INTEGER NOT NULL,"
    "  at_ms INTEGER NOT NULL, arrived_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS inbox ("
    "  copy BLOB PRIMARY KEY, notice BLOB NOT NULL, type INTEGER NOT NULL,"
    "  sender TEXT NOT NULL, subject TEXT NOT NULL, key_type TEXT NOT NULL,"
    "  key TEXT NOT NULL, fields BLOB, basis TEXT NOT NULL, deadline_ms INTEGER NOT NULL,"
    "  severity TEXT NOT NULL, text TEXT NOT NULL, officer TEXT NOT NULL,"
    "  sent_ms INTEGER NOT NULL, arrived_ms INTEGER NOT NULL, state INTEGER NOT NULL,"
    "  code INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '',"
    "  taken_ms INTEGER NOT NULL DEFAULT 0, handled_ms INTEGER NOT NULL DEFAULT 0,"
    "  result TEXT NOT NULL DEFAULT '', handler TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS inbox_new ON inbox (type, arrived_ms) WHERE state = 0;"
    "CREATE INDEX IF NOT EXISTS inbox_notice ON inbox (notice);"
    "CREATE INDEX IF NOT EXISTS inbox_arrived ON inbox (type, arrived_ms);"
    "CREATE INDEX IF NOT EXISTS inbox_untaken ON inbox (sender) WHERE state = 0;"
    "CREATE TABLE IF NOT EXISTS receipt_out ("
    "  receipt BLOB PRIMARY KEY, copy BLOB NOT NULL, peer TEXT NOT NULL,"
    "  state INTEGER NOT NULL, header BLOB NOT NULL, body BLOB NOT NULL,"
    "  tries INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL,"
    "  queued INTEGER NOT NULL DEFAULT 0, acked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS receipt_out_copy ON receipt_out (copy, state);"
    "CREATE INDEX IF NOT EXISTS receipt_out_due ON receipt_out (next_ms) WHERE acked = 0;"
    "CREATE TABLE IF NOT EXISTS subscription ("
    "  topic TEXT PRIMARY KEY, since_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, record BLOB NOT NULL);"
    NOTICEREF_SCHEMA;

//  What the store holds is what was acknowledged: every commit is synced
static const statedb_schema_t s_notices_db = {
    "notice store", 1, s_schema, "FULL", 200, 0, NULL, NULL, NULL
};

#define S_COPY_COLUMNS \
    "notice, type, subject, key_type, key, fields, basis, deadline_ms, severity, text," \
    " officer"

static const struct {
    size_t offset;
    const char *sql;
} s_prepared [] = {
    { offsetof (notices_t, put_copy),
      "INSERT INTO outbox (copy, recipient, " S_COPY_COLUMNS ", caller, created_ms,"
      " header, body, next_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
      " ?12, ?13, ?14, ?15, ?16, ?17, ?18)" },
    { offsetof (notices_t, copy_of),
      "SELECT notice, type, subject, key_type, key, officer, state, recipient"
      " FROM outbox WHERE copy = ?1" },
    { offsetof (notices_t, receipt_in),
      "INSERT OR IGNORE INTO receipt_in (receipt, copy, state, at_ms, arrived_ms)"
      " VALUES (?1, ?2, ?3, ?4, ?5)" },
    { offsetof (notices_t, copy_moved),
      "UPDATE outbox SET state = max (state, ?2),"
      " delivered_ms = CASE WHEN ?2 = 0 THEN ?3 ELSE delivered_ms END,"
      " received_ms = CASE WHEN ?2 = 1 THEN ?3 ELSE received_ms END,"
      " handled_ms = CASE WHEN ?2 = 2 THEN ?3 ELSE handled_ms END,"
      " refused_ms = CASE WHEN ?2 = 3 THEN ?3 ELSE refused_ms END,"
      " result = CASE WHEN ?2 >= 2 THEN ?4 ELSE result END,"
      " reason = CASE WHEN ?2 >= 2 THEN ?5 ELSE reason END,"
      " handler = CASE WHEN ?2 >= 2 THEN ?6 ELSE handler END,"
      " code = CASE WHEN ?2 >= 2 THEN ?7 ELSE code END WHERE copy = ?1" },
    { offsetof (notices_t, put_inbox),
      "INSERT INTO inbox (copy, sender, " S_COPY_COLUMNS ", sent_ms, arrived_ms, state,"
      " code, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
      " ?14, ?15, ?16, ?17, ?18)" },
    { offsetof (notices_t, put_receipt),
      "INSERT OR IGNORE INTO receipt_out (receipt, copy, peer, state, header, body,"
      " next_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
    { offsetof (notices_t, ack),
      "UPDATE receipt_out SET acked = 1 WHERE receipt = ?1 AND peer = ?2 AND acked != 1" },
    { offsetof (notices_t, queued_copy),
      "UPDATE outbox SET queued = 1, next_ms = max (next_ms, ?3)"
      " WHERE copy = ?1 AND recipient = ?2" },
    { offsetof (notices_t, queued_receipt),
      "UPDATE receipt_out SET queued = 1, next_ms = max (next_ms, ?3)"
      " WHERE receipt = ?1 AND peer = ?2" },
    { offsetof (notices_t, tried_copy),
      "UPDATE outbox SET tries = ?2, next_ms = ?3 WHERE copy = ?1" },
    { offsetof (notices_t, tried_receipt),
      "UPDATE receipt_out SET tries = ?2, next_ms = ?3 WHERE receipt = ?1" },
    { offsetof (notices_t, inbox_state),
      "SELECT state FROM inbox WHERE copy = ?1" },
    { offsetof (notices_t, newest_receipt),
      "SELECT header, body FROM receipt_out WHERE copy = ?1 ORDER BY state DESC LIMIT 1" },
    { offsetof (notices_t, due),
      "SELECT 0, copy, recipient, tries, queued, header, body, next_ms FROM outbox"
      " WHERE state < 0 AND next_ms <= ?1"
      " UNION ALL SELECT 1, receipt, peer, tries, queued, header, body, next_ms"
      " FROM receipt_out WHERE acked = 0 AND next_ms <= ?1 ORDER BY 8 LIMIT ?2" },
    { offsetof (notices_t, new_copies),
      "SELECT copy, notice, type, sender, subject, key_type, key, state FROM inbox"
      " WHERE type = ?1 AND state = 0 ORDER BY arrived_ms, rowid LIMIT ?2" },
    { offsetof (notices_t, taken),
      "UPDATE inbox SET state = 1, taken_ms = ?2 WHERE copy = ?1 AND state = 0" },
    { offsetof (notices_t, by_notice),
      "SELECT copy, notice, type, sender, subject, key_type, key, state FROM inbox"
      " WHERE notice = ?1 AND +type = ?2" },        //  by the notice's index
    { offsetof (notices_t, handled),
      "UPDATE inbox SET state = 2, handled_ms = ?2, result = ?3, reason = ?4,"
      " handler = ?5, taken_ms = CASE WHEN taken_ms = 0 THEN ?2 ELSE taken_ms END"
      " WHERE copy = ?1" },
    { offsetof (notices_t, journal_add),
      "INSERT INTO journal (record) VALUES (?1)" },
    { offsetof (notices_t, untaken),
      "SELECT count (*) FROM inbox WHERE type = ?1 AND state = 0" },
    { offsetof (notices_t, unsettled),
      "SELECT count (*) FROM outbox WHERE state < 0" },
    { offsetof (notices_t, topics),
      "SELECT topic FROM subscription ORDER BY topic" },
    { offsetof (notices_t, subscribe),
      "INSERT OR IGNORE INTO subscription (topic, since_ms) VALUES (?1, ?2)" },
    { offsetof (notices_t, unsubscribe),
      "DELETE FROM subscription WHERE topic = ?1" },
    { offsetof (notices_t, outgoing),
      "SELECT 1 FROM outbox WHERE copy = ?1 UNION ALL SELECT 1 FROM receipt_out"
      " WHERE receipt = ?1" },
    { offsetof (notices_t, untaken_from),
      "SELECT count (*) FROM inbox WHERE sender = ?1 AND state = 0" },
    { offsetof (notices_t, undelivered),
      "SELECT count (*) FROM outbox WHERE recipient = ?1 AND state < 0" },
};
#define S_PREPARED (sizeof (s_prepared) / sizeof (s_prepared [0]))

static sqlite3_stmt **
s_slot (notices_t *self, size_t index)
{
    return (sqlite3_stmt **) ((char *) self + s_prepared [index].offset);
}

notices_t *
notices_new (const char *path, char **error)
{
    assert (path);
    notices_t *self = (notices_t *) zmalloc (sizeof (notices_t));
    assert (self);
    self->path = strdup (path);
    self->untaken_by = zhashx_new ();
    self->undelivered_to = zhashx_new ();
    self->db = statedb_open (path, &s_notices_db, NULL, error);
    bool opened = self->db != NULL;
    for (size_t index = 0; opened && index < S_PREPARED; index++)
        opened = sqlite3_prepare_v2 (self->db, s_prepared [index].sql, -1,
                                     s_slot (self, index), NULL) == SQLITE_OK;
    if (self->db && !opened)
        status_set_error (error, "%s: cannot open the notice store: %s", path,
                          sqlite3_errmsg (self->db));
    if (!opened)
        notices_destroy (&self);
    return self;
}

void
notices_destroy (notices_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        notices_t *self = *self_p;
        if (self->in_transaction)
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        for (size_t index = 0; index < S_PREPARED; index++)
            sqlite3_finalize (*s_slot (self, index));
        sqlite3_close (self->db);
        zhashx_destroy (&self->untaken_by);
        zhashx_destroy (&self->undelivered_to);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Statements: bound, stepped, reset

static void
s_bind_id (sqlite3_stmt *stmt, int index, const uint8_t *id)
{
    if (id)
        sqlite3_bind_blob (stmt, index, id, NOTICEID_BYTES, SQLITE_STATIC);
    else
        sqlite3_bind_null (stmt, index);
}

static void
s_bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text (stmt, index, text? text: "", -1, SQLITE_STATIC);
}

//  Steps a write to its end: 0 or -1
static int
s_done (sqlite3_stmt *stmt)
{
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return rc == SQLITE_DONE? 0: -1;
}

static void
s_reset (sqlite3_stmt *stmt)
{
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
}

//  A count (a statement selecting one)
static int64_t
s_count (sqlite3_stmt *stmt)
{
    int64_t count = sqlite3_step (stmt) == SQLITE_ROW? sqlite3_column_int64 (stmt, 0): -1;
    s_reset (stmt);
    return count;
}

//  A count kept in `kept` for `department` moves by delta, if counted
static void
s_kept_move (zhashx_t *kept, const char *department, int64_t delta)
{
    intptr_t held = (intptr_t) zhashx_lookup (kept, department);
    if (held)
        zhashx_update (kept, department, (void *) (held + (intptr_t) delta));
}

//  The count `kept` holds for `department`, counted by `count` the first
//  time (-1 if it cannot be)
static int64_t
s_kept_count (zhashx_t *kept, sqlite3_stmt *count, const char *department)
{
    intptr_t held = (intptr_t) zhashx_lookup (kept, department);
    if (held)
        return (int64_t) held - 1;
    s_bind_text (count, 1, department);
    int64_t counted = s_count (count);
    if (counted >= 0)
        zhashx_insert (kept, department, (void *) (intptr_t) (counted + 1));
    return counted;
}

static void
s_copy_id (sqlite3_stmt *stmt, int column, uint8_t *id)
{
    memset (id, 0, NOTICEID_BYTES);
    if (sqlite3_column_bytes (stmt, column) == NOTICEID_BYTES)
        memcpy (id, sqlite3_column_blob (stmt, column), NOTICEID_BYTES);
}

static void
s_copy_text (sqlite3_stmt *stmt, int column, char *text, size_t size)
{
    const char *value = (const char *) sqlite3_column_text (stmt, column);
    snprintf (text, size, "%s", value? value: "");
}

//  The two frames of a message as stored (columns at `column`, +1)
static zmsg_t *
s_frames (sqlite3_stmt *stmt, int column)
{
    zmsg_t *frames = zmsg_new ();
    zmsg_addmem (frames, sqlite3_column_blob (stmt, column),
                 (size_t) sqlite3_column_bytes (stmt, column));
    zmsg_addmem (frames, sqlite3_column_blob (stmt, column + 1),
                 (size_t) sqlite3_column_bytes (stmt, column + 1));
    return frames;
}

static void
s_bind_frames (sqlite3_stmt *stmt, int index, zmsg_t *frames)
{
    zframe_t *header = zmsg_first (frames), *body = zmsg_next (frames);
    assert (header && body);
    sqlite3_bind_blob (stmt, index, zframe_data (header), (int) zframe_size (header),
                       SQLITE_STATIC);
    sqlite3_bind_blob (stmt, index + 1, zframe_data (body), (int) zframe_size (body),
                       SQLITE_STATIC);
}


//  --------------------------------------------------------------------------
//  The transaction

int
notices_begin (notices_t *self)
{
    assert (self);
    if (self->in_transaction)
        return 0;
    if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    self->in_transaction = true;
    if (self->journal_done > self->journal_deleted) {
        char sql [80];
        snprintf (sql, sizeof (sql), "DELETE FROM journal WHERE id <= %" PRId64,
                  self->journal_done);
        if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) == SQLITE_OK)
            self->journal_deleted = self->journal_done;
    }
    return 0;
}

void
notices_rollback (notices_t *self)
{
    assert (self);
    if (self->in_transaction)
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    self->in_transaction = false;
    self->journal_deleted = 0;          //  what was deleted in it is there again
    zhashx_purge (self->untaken_by);    //  counted again from what is stored
    zhashx_purge (self->undelivered_to);
}

bool
notices_pending (notices_t *self)
{
    assert (self);
    return self->in_transaction;
}

int
notices_commit (notices_t *self, char **error)
{
    assert (self);
    if (!self->in_transaction)
        return 0;
    self->in_transaction = false;
    if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    status_set_error (error, "%s: cannot write the notice store: %s", self->path,
                      sqlite3_errmsg (self->db));
    self->in_transaction = true;
    notices_rollback (self);
    return -1;
}


//  --------------------------------------------------------------------------
//  Writes

//  Binds a copy's columns of S_COPY_COLUMNS from `first`
static void
s_bind_copy (sqlite3_stmt *stmt, int first, const notices_copy_t *copy)
{
    s_bind_id (stmt, first, copy->notice);
    sqlite3_bind_int (stmt, first + 1, copy->type);
    s_bind_text (stmt, first + 2, copy->subject);
    s_bind_text (stmt, first + 3, copy->key_type);
    s_bind_text (stmt, first + 4, copy->key);
    if (copy->fields)
        sqlite3_bind_blob (stmt, first + 5, copy->fields, (int) copy->fields_size,
                           SQLITE_STATIC);
    else
        sqlite3_bind_null (stmt, first + 5);
    s_bind_text (stmt, first + 6, copy->basis);
    sqlite3_bind_int64 (stmt, first + 7, copy->deadline_ms);
    s_bind_text (stmt, first + 8, copy->severity);
    s_bind_text (stmt, first + 9, copy->text);
    s_bind_text (stmt, first + 10, copy->officer);
}

int
notices_put_copy (notices_t *self, const notices_copy_t *copy, zmsg_t *frames,
                  int64_t next_ms)
{
    assert (self && copy && frames && self->in_transaction);
    sqlite3_stmt *stmt = self->put_copy;
    s_bind_id (stmt, 1, copy->copy);
    s_bind_text (stmt, 2, copy->peer);
    s_bind_copy (stmt, 3, copy);
    s_bind_text (stmt, 14, copy->caller);
    sqlite3_bind_int64 (stmt, 15, copy->time_ms);
    s_bind_frames (stmt, 16, frames);
    sqlite3_bind_int64 (stmt, 18, next_ms);
    int rc = s_done (stmt);
    if (rc == 0)
        s_kept_move (self->undelivered_to, copy->peer, 1);
    return rc;
}

int
notices_take_receipt (notices_t *self, const uint8_t *receipt_id, const char *from,
                      const notice_receipt_t *receipt, int64_t now_ms, notices_sent_t *sent)
{
    assert (self && receipt_id && from && receipt && sent && self->in_transaction);
    memset (sent, 0, sizeof (*sent));
    sqlite3_stmt *stmt = self->copy_of;
    s_bind_id (stmt, 1, receipt->copy);
    bool ours = sqlite3_step (stmt) == SQLITE_ROW
             && streq ((const char *) sqlite3_column_text (stmt, 7), from);
    if (ours) {
        s_copy_id (stmt, 0, sent->notice);
        sent->type = sqlite3_column_int (stmt, 1);
        s_copy_text (stmt, 2, sent->subject, sizeof (sent->subject));
        s_copy_text (stmt, 3, sent->key_type, sizeof (sent->key_type));
        s_copy_text (stmt, 4, sent->key, sizeof (sent->key));
        s_copy_text (stmt, 5, sent->officer, sizeof (sent->officer));
        sent->state = sqlite3_column_int (stmt, 6);
    }
    s_reset (stmt);
    if (!ours)
        return -1;
    int state = noticeid_state_from_name (receipt->state);
    stmt = self->receipt_in;
    s_bind_id (stmt, 1, receipt_id);
    s_bind_id (stmt, 2, receipt->copy);
    sqlite3_bind_int (stmt, 3, state);
    sqlite3_bind_int64 (stmt, 4, (int64_t) receipt->at);
    sqlite3_bind_int64 (stmt, 5, now_ms);
    if (s_done (stmt))
        return -2;
    if (sqlite3_changes (self->db) == 0)
        return 0;
    stmt = self->copy_moved;
    s_bind_id (stmt, 1, receipt->copy);
    sqlite3_bind_int (stmt, 2, state);
    sqlite3_bind_int64 (stmt, 3, (int64_t) receipt->at);
    s_bind_text (stmt, 4, receipt->result);
    s_bind_text (stmt, 5, receipt->reason);
    s_bind_text (stmt, 6, receipt->officer);
    sqlite3_bind_int (stmt, 7, (int) receipt->code);
    if (s_done (stmt))
        return -2;
    if (sent->state < 0)                //  its first receipt: delivered now
        s_kept_move (self->undelivered_to, from, -1);
    return 1;
}


int
notices_put_inbox (notices_t *self, const notices_copy_t *copy, int state, int code,
                   const char *reason)
{
    assert (self && copy && self->in_transaction);
    sqlite3_stmt *stmt = self->put_inbox;
    s_bind_id (stmt, 1, copy->copy);
    s_bind_text (stmt, 2, copy->peer);
    s_bind_copy (stmt, 3, copy);
    sqlite3_bind_int64 (stmt, 14, copy->sent_ms);
    sqlite3_bind_int64 (stmt, 15, copy->time_ms);
    sqlite3_bind_int (stmt, 16, state);
    sqlite3_bind_int (stmt, 17, code);
    s_bind_text (stmt, 18, reason);
    int rc = s_done (stmt);
    if (rc == 0 && state == NOTICEID_DELIVERED)
        s_kept_move (self->untaken_by, copy->peer, 1);
    return rc;
}

int
notices_put_receipt (notices_t *self, const uint8_t *receipt_id, const uint8_t *copy,
                     const char *peer, int state, zmsg_t *frames, int64_t next_ms)
{
    assert (self && receipt_id && copy && peer && frames && self->in_transaction);
    sqlite3_stmt *stmt = self->put_receipt;
    s_bind_id (stmt, 1, receipt_id);
    s_bind_id (stmt, 2, copy);
    s_bind_text (stmt, 3, peer);
    sqlite3_bind_int (stmt, 4, state);
    s_bind_frames (stmt, 5, frames);
    sqlite3_bind_int64 (stmt, 7, next_ms);
    return s_done (stmt);
}

//  Runs an UPDATE keyed by an id and a department: 1 if it changed a row
static int
s_update_by (notices_t *self, sqlite3_stmt *stmt, const uint8_t *id, const char *peer)
{
    s_bind_id (stmt, 1, id);
    s_bind_text (stmt, 2, peer);
    if (s_done (stmt))
        return -1;
    return sqlite3_changes (self->db) > 0;
}

int
notices_take_ack (notices_t *self, const uint8_t *receipt_id, const char *from)
{
    assert (self && receipt_id && from && self->in_transaction);
    return s_update_by (self, self->ack, receipt_id, from);
}

int
notices_queued (notices_t *self, const uint8_t *id, const char *to, int64_t not_before)
{
    assert (self && id && to && self->in_transaction);
    sqlite3_bind_int64 (self->queued_copy, 3, not_before);
    int rc = s_update_by (self, self->queued_copy, id, to);
    sqlite3_bind_int64 (self->queued_receipt, 3, not_before);
    return rc? rc: s_update_by (self, self->queued_receipt, id, to);
}

int
notices_tried (notices_t *self, bool receipt, const uint8_t *id, uint32_t tries,
               int64_t next_ms)
{
    assert (self && id && self->in_transaction);
    sqlite3_stmt *stmt = receipt? self->tried_receipt: self->tried_copy;
    s_bind_id (stmt, 1, id);
    sqlite3_bind_int64 (stmt, 2, tries);
    sqlite3_bind_int64 (stmt, 3, next_ms);
    return s_done (stmt);
}

int
notices_hasten (notices_t *self, int64_t when)
{
    assert (self && self->in_transaction);
    char sql [200];
    snprintf (sql, sizeof (sql), "UPDATE outbox SET next_ms = %" PRId64 " WHERE state < 0"
              " AND queued = 0 AND next_ms > %" PRId64 "; UPDATE receipt_out SET next_ms = %"
              PRId64 " WHERE acked = 0 AND queued = 0 AND next_ms > %" PRId64,
              when, when, when, when);
    return sqlite3_exec (self->db, sql, NULL, NULL, NULL) == SQLITE_OK? 0: -1;
}

//  An inbox row of new_copies or by_notice into *held
static void
s_held (sqlite3_stmt *stmt, notices_held_t *held)
{
    memset (held, 0, sizeof (*held));
    s_copy_id (stmt, 0, held->copy);
    s_copy_id (stmt, 1, held->notice);
    held->type = sqlite3_column_int (stmt, 2);
    s_copy_text (stmt, 3, held->peer, sizeof (held->peer));
    s_copy_text (stmt, 4, held->subject, sizeof (held->subject));
    s_copy_text (stmt, 5, held->key_type, sizeof (held->key_type));
    s_copy_text (stmt, 6, held->key, sizeof (held->key));
    held->state = sqlite3_column_int (stmt, 7);
}

int
notices_take_new (notices_t *self, int type, size_t max, int64_t now_ms, zlistx_t *taken)
{
    assert (self && taken && self->in_transaction);
    sqlite3_stmt *stmt = self->new_copies;
    sqlite3_bind_int (stmt, 1, type);
    sqlite3_bind_int64 (stmt, 2, (int64_t) (max? max: NOTICES_LIST_MAX));
    zlistx_t *found = zlistx_new ();
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        notices_held_t *held = (notices_held_t *) zmalloc (sizeof (notices_held_t));
        s_held (stmt, held);
        zlistx_add_end (found, held);
    }
    s_reset (stmt);
    rc = rc == SQLITE_DONE? 0: -1;
    notices_held_t *held;
    while ((held = (notices_held_t *) zlistx_detach (found, NULL))) {
        stmt = self->taken;
        s_bind_id (stmt, 1, held->copy);
        sqlite3_bind_int64 (stmt, 2, now_ms);
        if (rc == 0 && s_done (stmt) == 0) {
            held->state = NOTICEID_RECEIVED;
            s_kept_move (self->untaken_by, held->peer, -1);
            zlistx_add_end (taken, held);
        }
        else {
            rc = -1;
            free (held);
        }
    }
    zlistx_destroy (&found);
    return rc;
}

int
notices_feedback (notices_t *self, const uint8_t *notice_id, const char *result,
                  const char *reason, const char *officer, int64_t now_ms,
                  notices_held_t *held)
{
    assert (self && notice_id && held && self->in_transaction);
    sqlite3_stmt *stmt = self->by_notice;
    s_bind_id (stmt, 1, notice_id);
    sqlite3_bind_int (stmt, 2, MSG_NOTICE);
    bool found = sqlite3_step (stmt) == SQLITE_ROW;
    if (found)
        s_held (stmt, held);
    s_reset (stmt);
    if (!found)
        return STATUS_NOT_FOUND;
    if (held->state >= NOTICEID_HANDLED)
        return STATUS_ALREADY_HANDLED;
    stmt = self->handled;
    s_bind_id (stmt, 1, held->copy);
    sqlite3_bind_int64 (stmt, 2, now_ms);
    s_bind_text (stmt, 3, result);
    s_bind_text (stmt, 4, reason);
    s_bind_text (stmt, 5, officer);
    if (s_done (stmt))
        return STATUS_INTERNAL;
    if (held->state == NOTICEID_DELIVERED)      //  handled without a take
        s_kept_move (self->untaken_by, held->peer, -1);
    held->state = NOTICEID_HANDLED;
    return STATUS_OK;
}

int
notices_subscribe (notices_t *self, const char *topic, bool on)
{
    assert (self && topic && self->in_transaction);
    sqlite3_stmt *stmt = on? self->subscribe: self->unsubscribe;
    s_bind_text (stmt, 1, topic);
    if (on)
        sqlite3_bind_int64 (stmt, 2, zclock_time ());
    if (s_done (stmt))
        return -1;
    return sqlite3_changes (self->db) > 0;
}


//  --------------------------------------------------------------------------
//  The journal

int
notices_journal_add (notices_t *self, const audit_record_t *record, int64_t *id)
{
    assert (self && record && self->in_transaction);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    noticejournal_pack (record, &buffer);
    sqlite3_stmt *stmt = self->journal_add;
    sqlite3_bind_blob (stmt, 1, buffer.data, (int) buffer.size, SQLITE_STATIC);
    int rc = s_done (stmt);
    msgpack_sbuffer_destroy (&buffer);
    if (rc == 0 && id)
        *id = sqlite3_last_insert_rowid (self->db);
    return rc;
}

int64_t
notices_journal_each (notices_t *self,
                      void (*fn) (const audit_record_t *record, int64_t id, void *arg),
                      void *arg)
{
    assert (self && fn);
    return noticejournal_each (self->db, self->path, fn, arg);
}

void
notices_journal_done (notices_t *self, int64_t id)
{
    assert (self);
    if (id > self->journal_done)
        self->journal_done = id;
}


//  --------------------------------------------------------------------------
//  Reads

int
notices_inbox_state (notices_t *self, const uint8_t *copy, int *state)
{
    assert (self && copy && state);
    sqlite3_stmt *stmt = self->inbox_state;
    s_bind_id (stmt, 1, copy);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *state = sqlite3_column_int (stmt, 0);
    s_reset (stmt);
    return rc == SQLITE_ROW? 1: rc == SQLITE_DONE? 0: -1;
}

zmsg_t *
notices_newest_receipt (notices_t *self, const uint8_t *copy)
{
    assert (self && copy);
    sqlite3_stmt *stmt = self->newest_receipt;
    s_bind_id (stmt, 1, copy);
    zmsg_t *frames = sqlite3_step (stmt) == SQLITE_ROW? s_frames (stmt, 0): NULL;
    s_reset (stmt);
    return frames;
}

static void
s_due_destroy (notices_due_t **due_p)
{
    if (*due_p) {
        zmsg_destroy (&(*due_p)->frames);
        free (*due_p);
        *due_p = NULL;
    }
}

zlistx_t *
notices_due (notices_t *self, int64_t now_ms, size_t max)
{
    assert (self);
    zlistx_t *due = zlistx_new ();
    zlistx_set_destructor (due, (zlistx_destructor_fn *) s_due_destroy);
    sqlite3_stmt *stmt = self->due;
    sqlite3_bind_int64 (stmt, 1, now_ms);
    sqlite3_bind_int64 (stmt, 2, (int64_t) max);
    while (sqlite3_step (stmt) == SQLITE_ROW) {
        notices_due_t *one = (notices_due_t *) zmalloc (sizeof (notices_due_t));
        one->receipt = sqlite3_column_int (stmt, 0) == 1;
        s_copy_id (stmt, 1, one->id);
        s_copy_text (stmt, 2, one->peer, sizeof (one->peer));
        one->tries = (uint32_t) sqlite3_column_int64 (stmt, 3);
        one->queued = sqlite3_column_int (stmt, 4) != 0;
        one->frames = s_frames (stmt, 5);
        zlistx_add_end (due, one);
    }
    s_reset (stmt);
    return due;
}

zlist_t *
notices_topics (notices_t *self)
{
    assert (self);
    zlist_t *topics = zlist_new ();
    zlist_autofree (topics);
    sqlite3_stmt *stmt = self->topics;
    while (sqlite3_step (stmt) == SQLITE_ROW)
        zlist_append (topics, (void *) sqlite3_column_text (stmt, 0));
    s_reset (stmt);
    return topics;
}


bool
notices_outgoing (notices_t *self, const uint8_t *id)
{
    assert (self && id);
    s_bind_id (self->outgoing, 1, id);
    return s_count (self->outgoing) == 1;
}

int64_t
notices_untaken (notices_t *self, int type)
{
    assert (self);
    sqlite3_bind_int (self->untaken, 1, type);
    return s_count (self->untaken);
}

int
notices_ref_find (notices_t *self, int type, const char *ref, const uint8_t *terms,
                  uint8_t *notice, char **recipients)
{
    assert (self);
    return noticeref_find (self->db, type, ref, terms, notice, recipients);
}

int
notices_ref_put (notices_t *self, int type, const char *ref, const uint8_t *terms,
                 const uint8_t *notice, const char *recipients)
{
    assert (self && self->in_transaction);
    return noticeref_put (self->db, type, ref, terms, notice, recipients);
}

int64_t
notices_ref_taken (notices_t *self, int type, const char *ref, zlistx_t *notices)
{
    assert (self);
    return noticeref_taken (self->db, type, ref, notices);
}

int
notices_ref_take (notices_t *self, int type, const char *ref, const uint8_t *notice)
{
    assert (self && self->in_transaction);
    return noticeref_take (self->db, type, ref, notice);
}

int64_t
notices_untaken_from (notices_t *self, const char *sender)
{
    assert (self && sender);
    return s_kept_count (self->untaken_by, self->untaken_from, sender);
}

int64_t
notices_undelivered (notices_t *self, const char *recipient)
{
    assert (self && recipient);
    return s_kept_count (self->undelivered_to, self->undelivered, recipient);
}

int64_t
notices_unsettled (notices_t *self)
{
    assert (self);
    return s_count (self->unsettled);
}

int64_t
notices_pack (notices_t *self, const notices_filter_t *filter, msgpack_packer *pk)
{
    assert (self);
    return noticelist_pack (self->db, filter, pk);
}

int64_t
notices_pack_stats (notices_t *self, int type, msgpack_packer *pk)
{
    assert (self);
    return noticelist_stats (self->db, type, pk);
}


//  --------------------------------------------------------------------------
//  Self-test

//  Two frames standing for a message
static zmsg_t *
s_test_frames (const char *header, const char *body)
{
    zmsg_t *frames = zmsg_new ();
    zmsg_addstr (frames, header);
    zmsg_addstr (frames, body);
    return frames;
}

//  The ids due now, as a count, and whether `id` is one of them
static size_t
s_test_due (notices_t *self, int64_t now, const uint8_t *id, bool *found)
{
    zlistx_t *due = notices_due (self, now, 100);
    size_t count = zlistx_size (due);
    *found = false;
    for (notices_due_t *one = (notices_due_t *) zlistx_first (due); one;
         one = (notices_due_t *) zlistx_next (due))
        if (memcmp (one->id, id, NOTICEID_BYTES) == 0) {
            *found = true;
            assert (zmsg_size (one->frames) == 2);
        }
    zlistx_destroy (&due);
    return count;
}

static void
s_test_journal (const audit_record_t *record, int64_t id, void *arg)
{
    (*(int64_t *) arg)++;
    assert (streq (record->direction, "notice-sent"));
}

//  The sender's side: a copy sent, tried, settled by a receipt once
static void
s_test_outbox (notices_t *self, const uint8_t *notice, const uint8_t *copy)
{
    bool found;
    notices_copy_t sent = {
        .copy = copy, .notice = notice, .type = MSG_NOTICE, .peer = "SH-PD-FDA",
        .subject = "license-required", .key_type = "uscc", .key = "91310115MA1K3BTP2B",
        .basis = "basis", .deadline_ms = 5000, .officer = "Li Min", .caller = "test (uid 1)",
        .time_ms = 1000
    };
    zmsg_t *frames = s_test_frames ("header", "body");
    assert (notices_begin (self) == 0 && notices_pending (self));
    assert (notices_put_copy (self, &sent, frames, 1000) == 0);
    zmsg_destroy (&frames);
    assert (s_test_due (self, 999, copy, &found) == 0);
    assert (s_test_due (self, 1000, copy, &found) == 1 && found);
    assert (notices_tried (self, false, copy, 1, 3000) == 0);
    assert (s_test_due (self, 2000, copy, &found) == 0);
    assert (notices_hasten (self, 1500) == 0);
    assert (s_test_due (self, 2000, copy, &found) == 1 && found);
    assert (notices_unsettled (self) == 1);
    assert (notices_undelivered (self, "SH-PD-FDA") == 1);
    assert (notices_undelivered (self, "SH-PD-TAX") == 0);
    //  Held by a broker: not tried before `not_before`, nor hastened
    assert (notices_queued (self, copy, "SH-PD-FDA", 60000) == 1);
    assert (notices_queued (self, copy, "SH-PD-TAX", 60000) == 0);
    assert (notices_hasten (self, 1500) == 0);
    assert (s_test_due (self, 59999, copy, &found) == 0);
    assert (s_test_due (self, 60000, copy, &found) == 1 && found);

    notice_receipt_t receipt = { .state = "delivered", .at = 1200 };
    memcpy (receipt.copy, copy, NOTICEID_BYTES);
    uint8_t receipt_id [NOTICEID_BYTES];
    noticeid_receipt (copy, NOTICEID_DELIVERED, receipt_id);
    notices_sent_t was;
    assert (notices_take_receipt (self, receipt_id, "SH-PD-TAX", &receipt, 1300, &was) == -1);
    assert (notices_take_receipt (self, receipt_id, "SH-PD-FDA", &receipt, 1300, &was) == 1);
    assert (was.state == -1 && streq (was.subject, "license-required"));
    assert (memcmp (was.notice, notice, NOTICEID_BYTES) == 0);
    assert (notices_take_receipt (self, receipt_id, "SH-PD-FDA", &receipt, 1300, &was) == 0);
    assert (s_test_due (self, 10000, copy, &found) == 0);
    assert (notices_unsettled (self) == 0);
    assert (notices_undelivered (self, "SH-PD-FDA") == 0);
    notice_receipt_t handled = { .state = "handled", .at = 1400, .result = "licence-issued",
                                 .officer = "Liu Fang" };
    memcpy (handled.copy, copy, NOTICEID_BYTES);
    noticeid_receipt (copy, NOTICEID_HANDLED, receipt_id);
    assert (notices_take_receipt (self, receipt_id, "SH-PD-FDA", &handled, 1500, &was) == 1);
    assert (was.state == NOTICEID_DELIVERED);
    assert (notices_commit (self, NULL) == 0 && !notices_pending (self));
    assert (notices_commit (self, NULL) == 0);
}

//  The recipient's side: a copy held once, its receipts until acked
static void
s_test_inbox (notices_t *self, const uint8_t *notice, const uint8_t *copy)
{
    bool found;
    int state;
    assert (notices_inbox_state (self, copy, &state) == 0);
    notices_copy_t held = {
        .copy = copy, .notice = notice, .type = MSG_NOTICE, .peer = "SH-PD-MSA",
        .subject = "license-required", .key_type = "uscc", .key = "91310115MA1K3BTP2B",
        .time_ms = 2000, .sent_ms = 1990
    };
    uint8_t delivered [NOTICEID_BYTES], received [NOTICEID_BYTES];
    noticeid_receipt (copy, NOTICEID_DELIVERED, delivered);
    noticeid_receipt (copy, NOTICEID_RECEIVED, received);
    assert (notices_begin (self) == 0);
    assert (notices_put_inbox (self, &held, NOTICEID_DELIVERED, 0, "") == 0);
    assert (notices_put_inbox (self, &held, NOTICEID_DELIVERED, 0, "") == -1);   //  once
    zmsg_t *frames = s_test_frames ("receipt", "delivered");
    assert (notices_put_receipt (self, delivered, copy, "SH-PD-MSA", NOTICEID_DELIVERED,
                                 frames, 2000) == 0);
    zmsg_destroy (&frames);
    assert (notices_inbox_state (self, copy, &state) == 1 && state == NOTICEID_DELIVERED);
    frames = notices_newest_receipt (self, copy);
    assert (frames && zmsg_size (frames) == 2);
    char *body = zframe_strdup (zmsg_last (frames));
    assert (streq (body, "delivered"));
    zstr_free (&body);
    zmsg_destroy (&frames);
    assert (notices_untaken (self, MSG_NOTICE) == 1 && notices_untaken (self, MSG_ALERT) == 0);
    assert (notices_untaken_from (self, "SH-PD-MSA") == 1);
    assert (notices_untaken_from (self, "SH-PD-TAX") == 0);
    //  Taken: received; its receipt goes as well as the delivered one, each
    //  until its own ACK (the sender is to hold all three)
    zlistx_t *taken = zlistx_new ();
    zlistx_set_destructor (taken, (zlistx_destructor_fn *) zstr_free);
    assert (notices_take_new (self, MSG_NOTICE, 10, 2100, taken) == 0);
    assert (zlistx_size (taken) == 1);
    notices_held_t *first = (notices_held_t *) zlistx_first (taken);
    assert (memcmp (first->copy, copy, NOTICEID_BYTES) == 0);
    assert (first->state == NOTICEID_RECEIVED && streq (first->peer, "SH-PD-MSA"));
    assert (notices_untaken_from (self, "SH-PD-MSA") == 0);     //  as counted
    zlistx_destroy (&taken);
    taken = zlistx_new ();
    assert (notices_take_new (self, MSG_NOTICE, 10, 2100, taken) == 0);
    assert (zlistx_size (taken) == 0);
    zlistx_destroy (&taken);
    frames = s_test_frames ("receipt", "received");
    assert (notices_put_receipt (self, received, copy, "SH-PD-MSA", NOTICEID_RECEIVED,
                                 frames, 2100) == 0);
    zmsg_destroy (&frames);
    assert (s_test_due (self, 3000, delivered, &found) == 2 && found);
    assert (s_test_due (self, 3000, received, &found) == 2 && found);
    assert (notices_take_ack (self, received, "SH-PD-TAX") == 0);
    assert (notices_take_ack (self, received, "SH-PD-MSA") == 1);
    assert (s_test_due (self, 3000, received, &found) == 1 && !found);
    assert (notices_take_ack (self, delivered, "SH-PD-MSA") == 1);
    assert (s_test_due (self, 3000, received, &found) == 0);
    //  Feedback, once
    notices_held_t feedback;
    uint8_t other [NOTICEID_BYTES] = { 0 };
    assert (notices_feedback (self, other, "r", "", "o", 2200, &feedback) == STATUS_NOT_FOUND);
    assert (notices_feedback (self, notice, "licence-issued", "JY1", "Liu Fang", 2200,
                              &feedback) == STATUS_OK);
    assert (feedback.state == NOTICEID_HANDLED);
    assert (notices_feedback (self, notice, "licence-issued", "JY1", "Liu Fang", 2200,
                              &feedback) == STATUS_ALREADY_HANDLED);
    assert (notices_commit (self, NULL) == 0);
    //  A copy held, then rolled back: counted again from what is stored
    notices_copy_t later = held;
    uint8_t later_copy [NOTICEID_BYTES] = { 7 };
    later.copy = later_copy;
    assert (notices_begin (self) == 0);
    assert (notices_put_inbox (self, &later, NOTICEID_DELIVERED, 0, "") == 0);
    assert (notices_untaken_from (self, "SH-PD-MSA") == 1);
    notices_rollback (self);
    assert (notices_untaken_from (self, "SH-PD-MSA") == 0);
}

void
notices_test (bool verbose)
{
    if (verbose)
        printf (" * notices: ");
    char *path = zsys_sprintf ("/tmp/sluice-notices-test-%d.db", (int) getpid ());
    statedb_remove (path);
    char *error = NULL;
    notices_t *self = notices_new (path, &error);
    assert (self && !error);
    uint8_t notice [NOTICEID_BYTES], copy [NOTICEID_BYTES];
    for (int index = 0; index < NOTICEID_BYTES; index++)
        notice [index] = (uint8_t) index;
    noticeid_copy (notice, "SH-PD-FDA", copy);
    s_test_outbox (self, notice, copy);
    //  Both ends in one store (a department that notifies itself)
    uint8_t copy_in [NOTICEID_BYTES];
    noticeid_copy (notice, "SH-PD-MSA", copy_in);
    s_test_inbox (self, notice, copy_in);

    //  Subscriptions
    assert (notices_begin (self) == 0);
    assert (notices_subscribe (self, "food-drug", true) == 1);
    assert (notices_subscribe (self, "food-drug", true) == 0);
    assert (notices_subscribe (self, "finance", true) == 1);
    assert (notices_subscribe (self, "finance", false) == 1);
    zlist_t *topics = notices_topics (self);
    assert (zlist_size (topics) == 1 && streq ((char *) zlist_first (topics), "food-drug"));
    zlist_destroy (&topics);
    //  The journal: rows stay until an earlier commit made them durable
    char msgid [33];
    audit_record_t record = auditrecord_example (1, msgid);
    record.direction = "notice-sent";
    int64_t first, second, count = 0;
    assert (notices_journal_add (self, &record, &first) == 0);
    assert (notices_journal_add (self, &record, &second) == 0 && second > first);
    assert (notices_commit (self, NULL) == 0);
    assert (notices_journal_each (self, s_test_journal, &count) == 2 && count == 2);
    notices_journal_done (self, first);
    assert (notices_begin (self) == 0 && notices_commit (self, NULL) == 0);
    count = 0;
    assert (notices_journal_each (self, s_test_journal, &count) == 1 && count == 1);
    notices_destroy (&self);
    notices_destroy (&self);

    //  Opened again, it holds what it held
    self = notices_new (path, &error);
    assert (self);
    int state;
    assert (notices_inbox_state (self, copy_in, &state) == 1 && state == NOTICEID_HANDLED);
    topics = notices_topics (self);
    assert (zlist_size (topics) == 1);
    zlist_destroy (&topics);
    //  A transaction left open is rolled back when it closes
    assert (notices_begin (self) == 0 && notices_subscribe (self, "tax", true) == 1);
    notices_destroy (&self);
    self = notices_new (path, &error);
    topics = notices_topics (self);
    assert (zlist_size (topics) == 1);
    zlist_destroy (&topics);
    notices_destroy (&self);

    //  A store of a newer version is refused, and left as it was
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, "PRAGMA user_version = 9", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (db);
    assert (!notices_new (path, &error));
    assert (error && strstr (error, "schema version 9"));
    zstr_free (&error);
    statedb_remove (path);
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
