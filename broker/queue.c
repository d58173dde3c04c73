/*  queue.c -- the broker's durable store-and-forward queue, in SQLite.

    The tables: `message` holds each message's frames, keyed by (id,
    recipient), numbered by `seq` in the order of arrival; `settle` the ids
    that settle each one, indexed by id; `sender` how many each sender
    holds, kept by triggers in the same transaction as the rows it counts,
    so that the bound is one lookup and can never drift from the rows.
*/

#include "queue.h"
#include "noticeid.h"
#include "statedb.h"
#include "status.h"
#include <sqlite3.h>

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS message ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id BLOB NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  header BLOB NOT NULL,"
    "  body BLOB NOT NULL,"
    "  stored INTEGER NOT NULL,"
    "  UNIQUE (id, recipient));"
    "CREATE INDEX IF NOT EXISTS message_recipient ON message (recipient, seq);"
    "CREATE INDEX IF NOT EXISTS message_stored ON message (stored);"
    "CREATE TABLE IF NOT EXISTS settle ("
    "  settler BLOB NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (settler, seq)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS settle_seq ON settle (seq);"
    "CREATE TABLE IF NOT EXISTS sender ("
    "  name TEXT PRIMARY KEY,"
    "  held INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS message_held AFTER INSERT ON message BEGIN"
    "  INSERT INTO sender (name, held) VALUES (new.sender, 1)"
    "    ON CONFLICT (name) DO UPDATE SET held = held + 1;"
    "END;"
    "CREATE TRIGGER IF NOT EXISTS message_gone AFTER DELETE ON message BEGIN"
    "  DELETE FROM settle WHERE seq = old.seq;"
    "  UPDATE sender SET held = held - 1 WHERE name = old.sender;"
    "END;";

//  No release before this one wrote a queue: a file of version 0 that
//  holds tables is not one
static int
s_upgrade (sqlite3 *db, const char *path, int from, void *arg, char **error)
{
    status_set_error (error, "%s: not a queue this version wrote (schema version %d"
                      " with tables in it): move it aside", path, from);
    return -1;
}

//  What the queue holds is what the broker said QUEUED for: every commit
//  is synced. A backup holding the file waits 200 ms at most: the broker's
//  loop does not stall on it (the batch is then lost, and said so)
static const statedb_schema_t s_queue_db = {
    "queue", 1, s_schema, "FULL", 200, 0, NULL, s_upgrade, NULL
};

struct _queue_t {
    sqlite3 *db;
    char *path;
    size_t per_sender;
    bool failed;                //  a change of this batch failed
    char *failure;              //  ... and why
    sqlite3_stmt *begin;
    sqlite3_stmt *commit;
    sqlite3_stmt *rollback;
    sqlite3_stmt *insert;
    sqlite3_stmt *settler;
    sqlite3_stmt *held;
    sqlite3_stmt *settle;
    sqlite3_stmt *list;
    sqlite3_stmt *last;
    sqlite3_stmt *expire;
    sqlite3_stmt *size;
    sqlite3_stmt *held_by;
};

//  Every statement is prepared once, when the queue opens
static const statedb_statement_t s_prepared [] = {
    { offsetof (queue_t, begin),    "BEGIN IMMEDIATE" },
    { offsetof (queue_t, commit),   "COMMIT" },
    { offsetof (queue_t, rollback), "ROLLBACK" },
    //  Not stored twice, and not beyond the sender's bound
    { offsetof (queue_t, insert),
      "INSERT OR IGNORE INTO message (id, recipient, sender, type, header, body, stored)"
      " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7"
      " WHERE coalesce ((SELECT held FROM sender WHERE name = ?3), 0) < ?8" },
    { offsetof (queue_t, settler),
      "INSERT OR IGNORE INTO settle (settler, seq) VALUES (?1, ?2)" },
    { offsetof (queue_t, held),
      "SELECT sender FROM message WHERE id = ?1 AND recipient = ?2" },
    { offsetof (queue_t, settle),
      "DELETE FROM message WHERE recipient = ?2 AND sender = ?3"
      " AND seq IN (SELECT seq FROM settle WHERE settler = ?1)" },
    { offsetof (queue_t, list),
      "SELECT seq, type, id, sender, header, body, stored FROM message"
      " WHERE recipient = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3" },
    { offsetof (queue_t, last),
      "SELECT coalesce (max (seq), 0) FROM message" },
    { offsetof (queue_t, expire),
      "DELETE FROM message WHERE seq IN"
      " (SELECT seq FROM message WHERE stored < ?1 ORDER BY stored, seq LIMIT ?2)"
      " RETURNING sender" },
    { offsetof (queue_t, size),
      "SELECT count (*) FROM message" },
    { offsetof (queue_t, held_by),
      "SELECT coalesce ((SELECT held FROM sender WHERE name = ?1), 0)" },
};
#define S_PREPARED (sizeof (s_prepared) / sizeof (s_prepared [0]))


//  --------------------------------------------------------------------------
//  What each type is to the queue, as data

//  The ids that settle a held message of id `id`, into settlers; how many
typedef size_t (s_settlers_fn) (const uint8_t *id,
                                uint8_t settlers [NOTICEID_STATES][ENVELOPE_ID_BYTES]);

//  A copy is settled by its recipient's receipt of any state
static size_t
s_copy_settlers (const uint8_t *id, uint8_t settlers [NOTICEID_STATES][ENVELOPE_ID_BYTES])
{
    for (int state = 0; state < NOTICEID_STATES; state++)
        noticeid_receipt (id, (noticeid_state_t) state, settlers [state]);
    return NOTICEID_STATES;
}

//  A receipt by the acknowledgement of it
static size_t
s_receipt_settlers (const uint8_t *id,
                    uint8_t settlers [NOTICEID_STATES][ENVELOPE_ID_BYTES])
{
    noticeid_ack (id, settlers [0]);
    return 1;
}

static const struct {
    int type;
    s_settlers_fn *settlers;    //  held, and settled by these; NULL: never held
    bool settles;               //  passing, it settles what its id names
} s_kinds [] = {
    { MSG_NOTICE,  s_copy_settlers,    false },
    { MSG_ALERT,   s_copy_settlers,    false },
    { MSG_RECEIPT, s_receipt_settlers, true },
    { MSG_ACK,     NULL,               true },
};
#define S_KINDS (sizeof (s_kinds) / sizeof (s_kinds [0]))

_Static_assert (NOTICEID_BYTES == ENVELOPE_ID_BYTES,
                "a notice's ids are message ids");

static int
s_kind (int type)
{
    for (size_t index = 0; index < S_KINDS; index++)
        if (s_kinds [index].type == type)
            return (int) index;
    return -1;
}

bool
queue_holds (int type)
{
    int kind = s_kind (type);
    return kind >= 0 && s_kinds [kind].settlers;
}

bool
queue_settles (int type)
{
    int kind = s_kind (type);
    return kind >= 0 && s_kinds [kind].settles;
}


//  --------------------------------------------------------------------------
//  Opening and closing

queue_t *
queue_new (const char *path, size_t per_sender, char **error)
{
    assert (path && per_sender > 0);
    queue_t *self = (queue_t *) zmalloc (sizeof (queue_t));
    assert (self);
    self->path = strdup (path);
    assert (self->path);
    self->per_sender = per_sender;
    self->db = statedb_open (path, &s_queue_db, NULL, error);
    if (!self->db
    ||  statedb_prepare (self->db, path, s_prepared, S_PREPARED, self, error))
        queue_destroy (&self);
    return self;
}

void
queue_destroy (queue_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        queue_t *self = *self_p;
        //  What was not committed is not held: it is rolled back
        statedb_finalize (s_prepared, S_PREPARED, self);
        if (self->db && !sqlite3_get_autocommit (self->db))
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close (self->db);
        zstr_free (&self->failure);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  The batch

//  After a step: the statement reset for its next use and its bindings
//  dropped. sqlite3_reset returns the step's error again, which the caller
//  has already read from the step itself
static void
s_done (sqlite3_stmt *statement)
{
    sqlite3_reset (statement);
    sqlite3_clear_bindings (statement);
}

//  A change failed: the batch is rolled back and lost; *error (and the
//  queue, for queue_commit) say why. Returns -1.
static int
s_fail (queue_t *self, const char *what, char **error)
{
    char *reason = zsys_sprintf ("%s: the queue cannot %s: %s", self->path, what,
                                 sqlite3_errmsg (self->db));
    if (!sqlite3_get_autocommit (self->db)) {
        int rc = sqlite3_step (self->rollback);
        s_done (self->rollback);
        //  A rollback that fails leaves the transaction to SQLite, which
        //  ends it when the connection's next statement begins
        if (rc != SQLITE_DONE && !sqlite3_get_autocommit (self->db))
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
    if (!self->failed) {
        self->failed = true;
        zstr_free (&self->failure);
        self->failure = strdup (reason);
    }
    status_set_error (error, "%s", reason);
    zstr_free (&reason);
    return -1;
}

//  Opens the batch's transaction if none is open. 0, or -1 and *error if
//  the batch is already lost or cannot begin.
static int
s_begin (queue_t *self, char **error)
{
    if (self->failed) {
        status_set_error (error, "%s", self->failure);
        return -1;
    }
    if (!sqlite3_get_autocommit (self->db))
        return 0;
    int rc = sqlite3_step (self->begin);
    s_done (self->begin);
    return rc == SQLITE_DONE? 0: s_fail (self, "begin a transaction", error);
}

int
queue_commit (queue_t *self, char **error)
{
    assert (self);
    if (self->failed) {
        status_set_error (error, "%s", self->failure);
        self->failed = false;
        zstr_free (&self->failure);
        return -1;
    }
    if (sqlite3_get_autocommit (self->db))
        return 0;                   //  nothing changed
    int rc = sqlite3_step (self->commit);
    s_done (self->commit);
    if (rc == SQLITE_DONE)
        return 0;
    s_fail (self, "commit", error);
    self->failed = false;
    zstr_free (&self->failure);
    return -1;
}


//  --------------------------------------------------------------------------
//  Changes

int
queue_store (queue_t *self, const envelope_header_t *header,
             const uint8_t *header_bytes, size_t header_size,
             const uint8_t *body, size_t body_size, int64_t now_ms, char **error)
{
    assert (self && header && header_bytes && body);
    int kind = s_kind (header->type);
    assert (kind >= 0 && s_kinds [kind].settlers);
    assert (header_size <= INT_MAX && body_size <= INT_MAX);
    if (s_begin (self, error))
        return STATUS_INTERNAL;
    sqlite3_stmt *insert = self->insert;
    int rc = SQLITE_OK;
    if (sqlite3_bind_blob (insert, 1, header->id, ENVELOPE_ID_BYTES, SQLITE_STATIC)
    ||  sqlite3_bind_text (insert, 2, header->to, -1, SQLITE_STATIC)
    ||  sqlite3_bind_text (insert, 3, header->from, -1, SQLITE_STATIC)
    ||  sqlite3_bind_int (insert, 4, header->type)
    ||  sqlite3_bind_blob (insert, 5, header_bytes, (int) header_size, SQLITE_STATIC)
    ||  sqlite3_bind_blob (insert, 6, body, (int) body_size, SQLITE_STATIC)
    ||  sqlite3_bind_int64 (insert, 7, now_ms)
    ||  sqlite3_bind_int64 (insert, 8, (sqlite3_int64) self->per_sender))
        rc = SQLITE_ERROR;
    else
        rc = sqlite3_step (insert);
    s_done (insert);
    if (rc != SQLITE_DONE)
        return s_fail (self, "store a message", error), STATUS_INTERNAL;
    if (sqlite3_changes (self->db) == 1) {
        //  Held now: with the ids that settle it
        sqlite3_int64 seq = sqlite3_last_insert_rowid (self->db);
        uint8_t settlers [NOTICEID_STATES][ENVELOPE_ID_BYTES];
        size_t count = s_kinds [kind].settlers (header->id, settlers);
        for (size_t index = 0; index < count; index++) {
            if (sqlite3_bind_blob (self->settler, 1, settlers [index], ENVELOPE_ID_BYTES,
                                   SQLITE_STATIC)
            ||  sqlite3_bind_int64 (self->settler, 2, seq))
                rc = SQLITE_ERROR;
            else
                rc = sqlite3_step (self->settler);
            s_done (self->settler);
            if (rc != SQLITE_DONE)
                return s_fail (self, "store what settles a message", error),
                       STATUS_INTERNAL;
        }
        return STATUS_OK;
    }
    //  Not stored: held already (a resend), or the sender's bound
    sqlite3_stmt *held = self->held;
    if (sqlite3_bind_blob (held, 1, header->id, ENVELOPE_ID_BYTES, SQLITE_STATIC)
    ||  sqlite3_bind_text (held, 2, header->to, -1, SQLITE_STATIC))
        rc = SQLITE_ERROR;
    else
        rc = sqlite3_step (held);
    int status = STATUS_LIMIT_REACHED;
    if (rc == SQLITE_ROW)
        status = streq ((const char *) sqlite3_column_text (held, 0), header->from)?
                 STATUS_OK: STATUS_REPLAY;
    s_done (held);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return s_fail (self, "look a message up", error), STATUS_INTERNAL;
    return status;
}

int
queue_settle (queue_t *self, const envelope_header_t *header, char **error)
{
    assert (self && header && queue_settles (header->type));
    if (s_begin (self, error))
        return -1;
    sqlite3_stmt *settle = self->settle;
    int rc;
    if (sqlite3_bind_blob (settle, 1, header->id, ENVELOPE_ID_BYTES, SQLITE_STATIC)
    ||  sqlite3_bind_text (settle, 2, header->from, -1, SQLITE_STATIC)
    ||  sqlite3_bind_text (settle, 3, header->to, -1, SQLITE_STATIC))
        rc = SQLITE_ERROR;
    else
        rc = sqlite3_step (settle);
    s_done (settle);
    if (rc != SQLITE_DONE)
        return s_fail (self, "settle a message", error);
    return sqlite3_changes (self->db);
}

int
queue_expire (queue_t *self, int64_t before_ms, size_t limit,
              queue_expired_fn *expired, void *arg, char **error)
{
    assert (self);
    if (s_begin (self, error))
        return -1;
    sqlite3_stmt *expire = self->expire;
    int rc, dropped = 0;
    if (sqlite3_bind_int64 (expire, 1, before_ms)
    ||  sqlite3_bind_int64 (expire, 2, (sqlite3_int64) (limit < INT_MAX? limit: INT_MAX)))
        rc = SQLITE_ERROR;
    else
    while ((rc = sqlite3_step (expire)) == SQLITE_ROW) {
        dropped++;
        if (expired)
            expired (arg, (const char *) sqlite3_column_text (expire, 0));
    }
    s_done (expire);
    if (rc != SQLITE_DONE)
        return s_fail (self, "drop old messages", error);
    return dropped;
}


//  --------------------------------------------------------------------------
//  Reading

int
queue_list (queue_t *self, const char *recipient, uint64_t after, size_t limit,
            queue_each_fn *each, void *arg, char **error)
{
    assert (self && recipient && each);
    sqlite3_stmt *list = self->list;
    int rc, listed = 0;
    if (sqlite3_bind_text (list, 1, recipient, -1, SQLITE_STATIC)
    ||  sqlite3_bind_int64 (list, 2, (sqlite3_int64) (after < INT64_MAX? after: INT64_MAX))
    ||  sqlite3_bind_int64 (list, 3, (sqlite3_int64) (limit < INT_MAX? limit: INT_MAX)))
        rc = SQLITE_ERROR;
    else
    while ((rc = sqlite3_step (list)) == SQLITE_ROW) {
        queue_item_t item = {
            .seq = (uint64_t) sqlite3_column_int64 (list, 0),
            .type = sqlite3_column_int (list, 1),
            .id = (const uint8_t *) sqlite3_column_blob (list, 2),
            .from = (const char *) sqlite3_column_text (list, 3),
            .header = (const uint8_t *) sqlite3_column_blob (list, 4),
            .header_size = (size_t) sqlite3_column_bytes (list, 4),
            .body = (const uint8_t *) sqlite3_column_blob (list, 5),
            .body_size = (size_t) sqlite3_column_bytes (list, 5),
            .stored_ms = sqlite3_column_int64 (list, 6)
        };
        //  Only this class writes the file; a row it cannot have written
        //  (a damaged file) is not sent
        if (!item.id || sqlite3_column_bytes (list, 2) != ENVELOPE_ID_BYTES
        ||  !item.from || !item.header || !item.body)
            continue;
        listed++;
        if (each (arg, &item)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    s_done (list);
    if (rc != SQLITE_DONE) {
        status_set_error (error, "%s: the queue cannot list what it holds: %s",
                          self->path, sqlite3_errmsg (self->db));
        return -1;
    }
    return listed;
}

//  A single integer that a prepared statement selects; -1 on failure
static int64_t
s_integer (sqlite3_stmt *statement)
{
    int64_t value = -1;
    if (sqlite3_step (statement) == SQLITE_ROW)
        value = sqlite3_column_int64 (statement, 0);
    s_done (statement);
    return value;
}

uint64_t
queue_last (queue_t *self)
{
    assert (self);
    int64_t last = s_integer (self->last);
    return last < 0? UINT64_MAX: (uint64_t) last;
}

int64_t
queue_size (queue_t *self)
{
    assert (self);
    return s_integer (self->size);
}

int64_t
queue_held_by (queue_t *self, const char *sender)
{
    assert (self && sender);
    if (sqlite3_bind_text (self->held_by, 1, sender, -1, SQLITE_TRANSIENT)) {
        s_done (self->held_by);
        return -1;
    }
    return s_integer (self->held_by);
}


//  --------------------------------------------------------------------------
//  Self-test

//  A header of `type` from `from` to `to` with id `id` (16 bytes)
static envelope_header_t
s_test_header (int type, const char *from, const char *to, const uint8_t *id)
{
    envelope_header_t header;
    memset (&header, 0, sizeof (header));
    header.version = ENVELOPE_VERSION;
    header.type = (uint8_t) type;
    memcpy (header.id, id, ENVELOPE_ID_BYTES);
    snprintf (header.from, sizeof (header.from), "%s", from);
    snprintf (header.to, sizeof (header.to), "%s", to);
    header.flags = ENVELOPE_FLAG_SEALED;
    return header;
}

//  Stores a message whose frames are "h" + id byte 0 and "b" + id byte 0
static int
s_test_store (queue_t *queue, const envelope_header_t *header, int64_t now)
{
    uint8_t frame [2] = { 'h', header->id [0] };
    uint8_t body [2] = { 'b', header->id [0] };
    return queue_store (queue, header, frame, sizeof (frame), body, sizeof (body), now,
                        NULL);
}

//  What queue_list shows: the type letter and first id byte of each, in
//  order ("N1 R2"), checking each item's frames
typedef struct {
    char text [256];
    uint64_t last;
} s_test_seen_t;

static int
s_test_each (void *arg, const queue_item_t *item)
{
    s_test_seen_t *seen = (s_test_seen_t *) arg;
    assert (item->seq > seen->last);
    seen->last = item->seq;
    assert (item->header_size == 2 && item->header [0] == 'h'
            && item->header [1] == item->id [0]);
    assert (item->body_size == 2 && item->body [0] == 'b' && item->body [1] == item->id [0]);
    char letter = item->type == MSG_NOTICE? 'N': item->type == MSG_ALERT? 'A': 'R';
    size_t used = strlen (seen->text);
    snprintf (seen->text + used, sizeof (seen->text) - used, "%s%c%d",
              used? " ": "", letter, item->id [0]);
    return 0;
}

static const char *
s_test_list (queue_t *queue, const char *recipient, size_t limit, s_test_seen_t *seen)
{
    memset (seen, 0, sizeof (*seen));
    assert (queue_list (queue, recipient, 0, limit, s_test_each, seen, NULL) >= 0);
    return seen->text;
}

static int
s_test_stop (void *arg, const queue_item_t *item)
{
    (*(int *) arg)++;
    return 1;
}

static void
s_test_expired (void *arg, const char *sender)
{
    assert (streq (sender, "SH-PD-TAX") || streq (sender, "SH-PD-FDA"));
    (*(int *) arg)++;
}

//  An id whose first byte is `first`, the rest `fill`
static void
s_test_id (uint8_t *id, uint8_t first, uint8_t fill)
{
    memset (id, fill, ENVELOPE_ID_BYTES);
    id [0] = first;
}

void
queue_test (bool verbose)
{
    if (verbose)
        printf (" * queue: ");
    char *path = zsys_sprintf ("/tmp/sluice-queue-test-%d.db", (int) getpid ());
    assert (path);
    statedb_remove (path);
    char *error = NULL;
    s_test_seen_t seen;
    assert (queue_holds (MSG_NOTICE) && queue_holds (MSG_ALERT) && queue_holds (MSG_RECEIPT));
    assert (!queue_holds (MSG_ACK) && !queue_holds (MSG_QUERY) && !queue_holds (MSG_QUEUED));
    assert (queue_settles (MSG_RECEIPT) && queue_settles (MSG_ACK));
    assert (!queue_settles (MSG_NOTICE) && !queue_settles (MSG_ALERT));

    queue_t *queue = queue_new (path, 3, &error);
    assert (queue && !error);
    assert (queue_size (queue) == 0 && queue_last (queue) == 0);
    //  Durable: WAL, every commit synced
    sqlite3_stmt *pragma = NULL;
    assert (sqlite3_prepare_v2 (queue->db, "PRAGMA synchronous", -1, &pragma, NULL)
            == SQLITE_OK);
    assert (sqlite3_step (pragma) == SQLITE_ROW && sqlite3_column_int (pragma, 0) == 2);
    sqlite3_finalize (pragma);

    //  Store: a notice copy and an alert copy from TAX to FDA, a notice to
    //  MSA; a resend is held once, and is still OK
    uint8_t id [ENVELOPE_ID_BYTES];
    s_test_id (id, 1, 0x11);
    envelope_header_t notice = s_test_header (MSG_NOTICE, "SH-PD-TAX", "SH-PD-FDA", id);
    assert (s_test_store (queue, &notice, 1000) == STATUS_OK);
    assert (s_test_store (queue, &notice, 1001) == STATUS_OK);
    s_test_id (id, 2, 0x22);
    envelope_header_t alert = s_test_header (MSG_ALERT, "SH-PD-TAX", "SH-PD-FDA", id);
    assert (s_test_store (queue, &alert, 2000) == STATUS_OK);
    s_test_id (id, 3, 0x33);
    envelope_header_t other = s_test_header (MSG_NOTICE, "SH-PD-TAX", "SH-PD-MSA", id);
    assert (s_test_store (queue, &other, 3000) == STATUS_OK);
    assert (queue_commit (queue, &error) == 0);
    assert (queue_commit (queue, &error) == 0);            //  nothing more to commit
    assert (queue_size (queue) == 3 && queue_held_by (queue, "SH-PD-TAX") == 3);
    assert (queue_held_by (queue, "SH-PD-FDA") == 0);
    assert (streq (s_test_list (queue, "SH-PD-FDA", 10, &seen), "N1 A2"));
    assert (streq (s_test_list (queue, "SH-PD-FDA", 1, &seen), "N1"));
    assert (streq (s_test_list (queue, "SH-PD-MSA", 10, &seen), "N3"));
    assert (streq (s_test_list (queue, "SH-PD-TAX", 10, &seen), ""));
    assert (streq (s_test_list (queue, "SH-PD-MSA", 10, &seen), "N3"));
    assert (queue_last (queue) == seen.last);       //  the newest
    //  After a seq; and `each` can stop the listing
    memset (&seen, 0, sizeof (seen));
    assert (queue_list (queue, "SH-PD-FDA", 1, 10, s_test_each, &seen, NULL) == 1);
    assert (streq (seen.text, "A2"));
    int calls = 0;
    assert (queue_list (queue, "SH-PD-FDA", 0, 10, s_test_stop, &calls, NULL) == 1);
    assert (calls == 1);

    //  The bound: TAX holds 3, the most; a fourth is not held, a resend of
    //  one held is; another sender has its own bound
    s_test_id (id, 4, 0x44);
    envelope_header_t fourth = s_test_header (MSG_NOTICE, "SH-PD-TAX", "SH-PD-FDA", id);
    assert (s_test_store (queue, &fourth, 4000) == STATUS_LIMIT_REACHED);
    assert (s_test_store (queue, &notice, 4000) == STATUS_OK);
    //  The same id for the same recipient from another sender is not its
    envelope_header_t forged = notice;
    snprintf (forged.from, sizeof (forged.from), "SH-PD-MSA");
    assert (s_test_store (queue, &forged, 4000) == STATUS_REPLAY);
    assert (queue_commit (queue, &error) == 0);
    assert (queue_size (queue) == 3);

    //  Settle by receipt: FDA's receipt of copy 1 (any state) to TAX
    //  deletes copy 1; the receipt itself is held for TAX. A receipt of the
    //  right id from the wrong department, or to the wrong one, settles
    //  nothing
    uint8_t receipt_id [ENVELOPE_ID_BYTES];
    noticeid_receipt (notice.id, NOTICEID_HANDLED, receipt_id);
    envelope_header_t receipt = s_test_header (MSG_RECEIPT, "SH-PD-MSA", "SH-PD-TAX",
                                               receipt_id);
    assert (queue_settle (queue, &receipt, &error) == 0);
    receipt = s_test_header (MSG_RECEIPT, "SH-PD-FDA", "SH-PD-MSA", receipt_id);
    assert (queue_settle (queue, &receipt, &error) == 0);
    receipt = s_test_header (MSG_RECEIPT, "SH-PD-FDA", "SH-PD-TAX", receipt_id);
    receipt.id [0] = 5;                 //  (its first byte names it in the lists)
    assert (queue_settle (queue, &receipt, &error) == 0);   //  not a receipt id
    memcpy (receipt.id, receipt_id, ENVELOPE_ID_BYTES);
    assert (queue_settle (queue, &receipt, &error) == 1);
    assert (queue_settle (queue, &receipt, &error) == 0);   //  settled once
    assert (s_test_store (queue, &receipt, 5000) == STATUS_OK);
    assert (queue_commit (queue, &error) == 0);
    assert (streq (s_test_list (queue, "SH-PD-FDA", 10, &seen), "A2"));
    assert (queue_held_by (queue, "SH-PD-TAX") == 2 && queue_held_by (queue, "SH-PD-FDA") == 1);
    //  ... so TAX has room again
    assert (s_test_store (queue, &fourth, 5000) == STATUS_OK);
    assert (queue_commit (queue, &error) == 0);
    assert (streq (s_test_list (queue, "SH-PD-FDA", 10, &seen), "A2 N4"));
    //  The alert is settled by a receipt of another state
    noticeid_receipt (alert.id, NOTICEID_DELIVERED, receipt_id);
    receipt = s_test_header (MSG_RECEIPT, "SH-PD-FDA", "SH-PD-TAX", receipt_id);
    assert (queue_settle (queue, &receipt, &error) == 1);
    assert (queue_commit (queue, &error) == 0);
    assert (streq (s_test_list (queue, "SH-PD-FDA", 10, &seen), "N4"));

    //  Settle by ack: TAX acks the receipt held for it; an ack from FDA
    //  (not the receipt's recipient) settles nothing
    assert (s_test_list (queue, "SH-PD-TAX", 10, &seen) [0] == 'R');
    uint8_t ack_id [ENVELOPE_ID_BYTES], held_receipt [ENVELOPE_ID_BYTES];
    noticeid_receipt (notice.id, NOTICEID_HANDLED, held_receipt);
    noticeid_ack (held_receipt, ack_id);
    envelope_header_t ack = s_test_header (MSG_ACK, "SH-PD-FDA", "SH-PD-TAX", ack_id);
    assert (queue_settle (queue, &ack, &error) == 0);
    ack = s_test_header (MSG_ACK, "SH-PD-TAX", "SH-PD-FDA", ack_id);
    assert (queue_settle (queue, &ack, &error) == 1);
    assert (queue_commit (queue, &error) == 0);
    assert (streq (s_test_list (queue, "SH-PD-TAX", 10, &seen), ""));
    assert (queue_held_by (queue, "SH-PD-FDA") == 0);

    //  What is not committed is not held: a store, then the queue closed
    s_test_id (id, 6, 0x66);
    envelope_header_t lost = s_test_header (MSG_NOTICE, "SH-PD-FDA", "SH-PD-TAX", id);
    assert (s_test_store (queue, &lost, 6000) == STATUS_OK);
    queue_destroy (&queue);
    queue_destroy (&queue);                 //  safe twice

    //  Reopened: what was committed is there, in its order, with the ids
    //  that settle it; the order goes on after the highest seq
    queue = queue_new (path, 3, &error);
    assert (queue && !error);
    assert (queue_size (queue) == 2);
    assert (streq (s_test_list (queue, "SH-PD-MSA", 10, &seen), "N3"));
    assert (streq (s_test_list (queue, "SH-PD-FDA", 10, &seen), "N4"));
    assert (streq (s_test_list (queue, "SH-PD-TAX", 10, &seen), ""));
    uint64_t before = queue_last (queue);
    noticeid_receipt (fourth.id, NOTICEID_REFUSED, receipt_id);
    receipt = s_test_header (MSG_RECEIPT, "SH-PD-FDA", "SH-PD-TAX", receipt_id);
    assert (queue_settle (queue, &receipt, &error) == 1);
    assert (s_test_store (queue, &notice, 7000) == STATUS_OK);
    assert (queue_commit (queue, &error) == 0);
    assert (queue_last (queue) > before);
    assert (streq (s_test_list (queue, "SH-PD-FDA", 10, &seen), "N1"));

    //  Retention: what was stored before a time is dropped, oldest first,
    //  at most `limit` at a time, its sender said
    int expired = 0;
    assert (queue_expire (queue, 3001, 10, s_test_expired, &expired, &error) == 1);
    assert (expired == 1);
    assert (queue_commit (queue, &error) == 0);
    assert (streq (s_test_list (queue, "SH-PD-MSA", 10, &seen), ""));
    assert (queue_expire (queue, 3001, 10, s_test_expired, &expired, &error) == 0);
    s_test_id (id, 7, 0x77);
    envelope_header_t seventh = s_test_header (MSG_ALERT, "SH-PD-FDA", "SH-PD-TAX", id);
    assert (s_test_store (queue, &seventh, 7500) == STATUS_OK);
    assert (queue_expire (queue, 8000, 1, NULL, NULL, &error) == 1);
    assert (queue_commit (queue, &error) == 0);
    assert (queue_size (queue) == 1);
    assert (streq (s_test_list (queue, "SH-PD-TAX", 10, &seen), "A7"));
    assert (queue_held_by (queue, "SH-PD-TAX") == 0 && queue_held_by (queue, "SH-PD-FDA") == 1);

    //  A disk that refuses: the batch is lost, every later change of it is
    //  refused, and the commit says so; nothing of it is held. The next
    //  batch works again once there is room
    int64_t pages = 0;
    assert (sqlite3_prepare_v2 (queue->db, "PRAGMA page_count", -1, &pragma, NULL)
            == SQLITE_OK);
    assert (sqlite3_step (pragma) == SQLITE_ROW);
    pages = sqlite3_column_int64 (pragma, 0);
    sqlite3_finalize (pragma);
    queue_destroy (&queue);
    queue = queue_new (path, 100, &error);
    assert (queue);
    char *sql = zsys_sprintf ("PRAGMA max_page_count = %" PRId64, pages);
    assert (sqlite3_exec (queue->db, sql, NULL, NULL, NULL) == SQLITE_OK);
    zstr_free (&sql);
    uint8_t *large = (uint8_t *) zmalloc (64 * 1024);
    s_test_id (id, 8, 0x88);
    envelope_header_t big = s_test_header (MSG_NOTICE, "SH-PD-FDA", "SH-PD-TAX", id);
    int status = STATUS_OK;
    for (int index = 0; index < 64 && status == STATUS_OK; index++) {
        big.id [1] = (uint8_t) index;
        status = queue_store (queue, &big, large, 64 * 1024, large, 64 * 1024, 8000, &error);
    }
    assert (status == STATUS_INTERNAL);
    assert (error && strstr (error, path));
    if (verbose)
        printf ("\n    %s\n   ", error);
    zstr_free (&error);
    assert (s_test_store (queue, &seventh, 8000) == STATUS_INTERNAL);
    zstr_free (&error);
    assert (queue_settle (queue, &receipt, &error) == -1);
    zstr_free (&error);
    assert (queue_expire (queue, 0, 1, NULL, NULL, &error) == -1);
    zstr_free (&error);
    assert (queue_commit (queue, &error) == -1);
    assert (error && strstr (error, path) && strstr (error, "cannot store"));
    zstr_free (&error);
    assert (queue_size (queue) == 1);
    assert (streq (s_test_list (queue, "SH-PD-TAX", 10, &seen), "A7"));
    assert (queue_held_by (queue, "SH-PD-FDA") == 1);
    assert (sqlite3_exec (queue->db, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL)
            == SQLITE_OK);
    assert (s_test_store (queue, &big, 9000) == STATUS_OK);
    assert (queue_commit (queue, &error) == 0);
    assert (queue_size (queue) == 2);
    free (large);
    queue_destroy (&queue);

    //  A newer schema is refused, naming the file and both versions, and
    //  left as it was; so is a file of version 0 that holds tables
    sqlite3 *raw = NULL;
    assert (sqlite3_open (path, &raw) == SQLITE_OK);
    assert (sqlite3_exec (raw, "PRAGMA user_version = 2", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (raw);
    assert (!queue_new (path, 3, &error));
    assert (error && strstr (error, path) && strstr (error, "queue has schema version 2")
                  && strstr (error, "up to version 1"));
    zstr_free (&error);
    statedb_remove (path);
    assert (sqlite3_open (path, &raw) == SQLITE_OK);
    assert (sqlite3_exec (raw, "CREATE TABLE other (x)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (raw);
    assert (!queue_new (path, 3, &error));
    assert (error && strstr (error, "not a queue this version wrote"));
    zstr_free (&error);
    assert (!queue_new ("/nonexistent-dir/queue.db", 3, &error));
    assert (error && strstr (error, "/nonexistent-dir/queue.db"));
    zstr_free (&error);

    statedb_remove (path);
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
