/*  audit.c -- the gateway's audit log: append-only, hash-chained, signed.

    Formats (README "Audit log", proto/PROTOCOL.md):
      h_0 = 32 zero bytes
      h_n = BLAKE2b-256 (h_{n-1} || canonical (record_n))
      canonical (record) = msgpack array of 15: [seq, time_ms, direction,
          msgid, peer, officer, purpose, item, key, fields, status, decision,
          agreement, request_digest (bin 32), response_digest (bin 32)],
          integers and strings in their shortest msgpack form
      checkpoint signature = Ed25519 over
          "sluice-audit-1" || seq (8 bytes big endian) || h_seq

    The chain hash is computed at append time, so the order of records is
    fixed before anything reaches the disk; a flush then writes the batch
    and one checkpoint in a single transaction. Every written record is
    therefore covered by a checkpoint, and a crash between flushes loses the
    pending batch without leaving a hole: the next open continues from the
    last record that was committed.
*/

#include "audit.h"
#include "status.h"
#include "text.h"

#include <czmq.h>
#include <sodium.h>
#include <msgpack.h>
#include <sqlite3.h>
#include <inttypes.h>
#include <time.h>

#define S_FORMAT            "sluice-audit-1"
#define S_SIGN_CONTEXT      "sluice-audit-1"
#define S_SIGN_CONTEXT_SIZE 14
#define S_SIGN_MESSAGE_SIZE (S_SIGN_CONTEXT_SIZE + 8 + AUDIT_HASH_SIZE)
#define S_BUSY_TIMEOUT_MS   5000

//  The text fields of a record, in canonical order (status sits between
//  S_FIELDS and S_DECISION in the canonical array).
typedef enum {
    S_DIRECTION, S_MSGID, S_PEER, S_OFFICER, S_PURPOSE, S_ITEM, S_KEY,
    S_FIELDS, S_DECISION, S_AGREEMENT, S_TEXTS
} s_text_t;

//  The record table's columns; every SELECT and INSERT of records uses this
//  list, and these indices into it.
#define S_RECORD_COLUMNS \
    "seq, time_ms, direction, msgid, peer, officer, purpose, item, key, " \
    "fields, status, decision, agreement, request_digest, " \
    "response_digest, hash"
enum {
    S_COL_SEQ = 0, S_COL_TIME = 1, S_COL_STATUS = 10,
    S_COL_REQUEST_DIGEST = 13, S_COL_RESPONSE_DIGEST = 14, S_COL_HASH = 15,
    S_COLUMNS = 16
};
static const int s_text_column [S_TEXTS] = { 2, 3, 4, 5, 6, 7, 8, 9, 11, 12 };
static const char *s_text_name [S_TEXTS] = {
    "direction", "msgid", "peer", "officer", "purpose", "item", "key",
    "fields", "decision", "agreement"
};

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS meta ("
    "    name TEXT PRIMARY KEY, value NOT NULL);"
    "CREATE TABLE IF NOT EXISTS record ("
    "    seq INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
    "    direction TEXT NOT NULL, msgid TEXT NOT NULL, peer TEXT NOT NULL,"
    "    officer TEXT NOT NULL, purpose TEXT NOT NULL, item TEXT NOT NULL,"
    "    key TEXT NOT NULL, fields TEXT NOT NULL, status INTEGER NOT NULL,"
    "    decision TEXT NOT NULL, agreement TEXT NOT NULL,"
    "    request_digest BLOB NOT NULL, response_digest BLOB NOT NULL,"
    "    hash BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS checkpoint ("
    "    seq INTEGER PRIMARY KEY, head BLOB NOT NULL,"
    "    signature BLOB NOT NULL, time_ms INTEGER NOT NULL);"
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

//  One record as the chain sees it. Text pointers are not NUL-terminated
//  necessarily; sizes are exact. For a pending record, the struct and its
//  texts are one allocation; for a record read back, the texts point into
//  SQLite's row and live until the next step.
typedef struct {
    uint64_t seq;
    int64_t time_ms;
    int64_t status;
    const char *text [S_TEXTS];
    size_t size [S_TEXTS];
    uint8_t request_digest [AUDIT_DIGEST_SIZE];
    uint8_t response_digest [AUDIT_DIGEST_SIZE];
    uint8_t hash [AUDIT_HASH_SIZE];
} s_row_t;

struct _audit_t {
    char *path;
    char *department;
    sqlite3 *db;
    sqlite3_stmt *insert_record;
    sqlite3_stmt *insert_checkpoint;
    uint8_t *sign_secret;               //  sodium_malloc'd, 64 bytes
    uint64_t last_seq;                  //  last appended, written or pending
    uint8_t head [AUDIT_HASH_SIZE];     //  chain hash at last_seq
    s_row_t **batch;                    //  pending records, owned
    size_t batch_size;
    size_t batch_limit;
    msgpack_sbuffer canonical;          //  reused encoding buffer
    bool failing;                       //  the last flush failed
    bool refusing;                      //  audit_append is refusing (full)
};


//  --------------------------------------------------------------------------
//  Encodes canonical (row) into buffer (cleared first). 0 or -1 (memory).

static int
s_canonical (msgpack_sbuffer *buffer, const s_row_t *row)
{
    msgpack_sbuffer_clear (buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    int rc = msgpack_pack_array (&packer, 15);
    rc |= msgpack_pack_uint64 (&packer, row->seq);
    rc |= msgpack_pack_int64 (&packer, row->time_ms);
    for (int index = 0; index < S_TEXTS; index++) {
        if (index == S_DECISION)
            rc |= msgpack_pack_int64 (&packer, row->status);
        rc |= msgpack_pack_str (&packer, row->size [index]);
        rc |= msgpack_pack_str_body (&packer, row->text [index], row->size [index]);
    }
    rc |= msgpack_pack_bin (&packer, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin_body (&packer, row->request_digest, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin (&packer, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin_body (&packer, row->response_digest, AUDIT_DIGEST_SIZE);
    return rc == 0? 0: -1;
}

//  h_n = BLAKE2b-256 (h_{n-1} || canonical)
static void
s_chain (const uint8_t *previous, const msgpack_sbuffer *canonical, uint8_t *hash)
{
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, AUDIT_HASH_SIZE);
    crypto_generichash_update (&state, previous, AUDIT_HASH_SIZE);
    crypto_generichash_update (&state, (const uint8_t *) canonical->data,
                               canonical->size);
    crypto_generichash_final (&state, hash, AUDIT_HASH_SIZE);
}

//  "sluice-audit-1" || seq (8 bytes big endian) || head
static void
s_sign_message (uint8_t *message, uint64_t seq, const uint8_t *head)
{
    memcpy (message, S_SIGN_CONTEXT, S_SIGN_CONTEXT_SIZE);
    for (int index = 0; index < 8; index++)
        message [S_SIGN_CONTEXT_SIZE + index] = (uint8_t) (seq >> (56 - 8 * index));
    memcpy (message + S_SIGN_CONTEXT_SIZE + 8, head, AUDIT_HASH_SIZE);
}

//  Length of s cut to at most AUDIT_TEXT_MAX bytes, never inside a UTF-8
//  character: the cut moves back over at most 3 continuation bytes (the
//  most one character has), so text that is not UTF-8 is cut at the limit
//  rather than emptied.
static size_t
s_bounded_size (const char *text)
{
    size_t size = strnlen (text, AUDIT_TEXT_MAX + 1);
    if (size > AUDIT_TEXT_MAX) {
        size = AUDIT_TEXT_MAX;
        for (size_t back = 0; back < 3 && ((uint8_t) text [size] & 0xC0) == 0x80; back++)
            size--;
        if (((uint8_t) text [size] & 0xC0) == 0x80)
            size = AUDIT_TEXT_MAX;
    }
    return size;
}

//  Reads the current row of a statement selecting S_RECORD_COLUMNS into row,
//  strictly: every column must have its declared type and size. Returns 0,
//  or -1 and *problem (static text).
static int
s_row_read (sqlite3_stmt *stmt, s_row_t *row, const char **problem)
{
    if (sqlite3_column_type (stmt, S_COL_TIME) != SQLITE_INTEGER) {
        *problem = "time_ms is not an integer";
        return -1;
    }
    if (sqlite3_column_type (stmt, S_COL_STATUS) != SQLITE_INTEGER) {
        *problem = "status is not an integer";
        return -1;
    }
    row->seq = (uint64_t) sqlite3_column_int64 (stmt, S_COL_SEQ);
    row->time_ms = sqlite3_column_int64 (stmt, S_COL_TIME);
    row->status = sqlite3_column_int64 (stmt, S_COL_STATUS);
    for (int index = 0; index < S_TEXTS; index++) {
        int column = s_text_column [index];
        if (sqlite3_column_type (stmt, column) != SQLITE_TEXT) {
            *problem = s_text_name [index];
            return -1;
        }
        const char *text = (const char *) sqlite3_column_text (stmt, column);
        int size = sqlite3_column_bytes (stmt, column);
        if (size < 0 || size > AUDIT_TEXT_MAX || (!text && size > 0)) {
            *problem = s_text_name [index];
            return -1;
        }
        row->text [index] = text? text: "";
        row->size [index] = (size_t) size;
    }
    struct { int column; uint8_t *target; const char *name; } blobs [] = {
        { S_COL_REQUEST_DIGEST, row->request_digest, "request_digest" },
        { S_COL_RESPONSE_DIGEST, row->response_digest, "response_digest" },
        { S_COL_HASH, row->hash, "hash" }
    };
    for (size_t index = 0; index < sizeof (blobs) / sizeof (blobs [0]); index++) {
        int column = blobs [index].column;
        const void *blob = sqlite3_column_blob (stmt, column);
        if (sqlite3_column_type (stmt, column) != SQLITE_BLOB
        ||  sqlite3_column_bytes (stmt, column) != AUDIT_HASH_SIZE || !blob) {
            *problem = blobs [index].name;
            return -1;
        }
        memcpy (blobs [index].target, blob, AUDIT_HASH_SIZE);
    }
    return 0;
}

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

//  Creates the tables if needed and checks or writes the meta rows, in one
//  transaction. Returns 0 or -1 and *error.
static int
s_schema_prepare (audit_t *self, const uint8_t *sign_public, char **error)
{
    sqlite3 *db = self->db;
    if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        status_set_error (error, "%s: %s", self->path, sqlite3_errmsg (db));
        return -1;
    }
    //  A database with other tables and no audit meta is someone else's
    sqlite3_stmt *stmt = NULL;
    int foreign = -1;
    if (sqlite3_prepare_v2 (db,
            "SELECT count (*) FROM sqlite_master WHERE type = 'table'"
            " AND name NOT IN ('meta', 'record', 'checkpoint')",
            -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_step (stmt) == SQLITE_ROW)
        foreign = sqlite3_column_int (stmt, 0);
    sqlite3_finalize (stmt);
    if (foreign != 0) {
        status_set_error (error, "%s: %s", self->path, foreign < 0
                          ? sqlite3_errmsg (db): "not a sluice audit log");
        goto rollback;
    }
    char *message = NULL;
    if (sqlite3_exec (db, s_schema, NULL, NULL, &message) != SQLITE_OK) {
        status_set_error (error, "%s: %s", self->path, message? message: "schema");
        sqlite3_free (message);
        goto rollback;
    }
    size_t size = 0;
    uint8_t *format = s_meta_get (db, "format", &size);
    if (!format) {
        //  New log: the tables must be empty, then record who signs it
        if (s_meta_put (db, "format", S_FORMAT, strlen (S_FORMAT), true)
        ||  s_meta_put (db, "department", self->department,
                        strlen (self->department), true)
        ||  s_meta_put (db, "sign_public", sign_public,
                        crypto_sign_PUBLICKEYBYTES, false)) {
            status_set_error (error, "%s: %s", self->path, sqlite3_errmsg (db));
            goto rollback;
        }
    }
    else {
        bool known = size == strlen (S_FORMAT)
                  && memcmp (format, S_FORMAT, size) == 0;
        free (format);
        if (!known) {
            status_set_error (error, "%s: not a %s audit log", self->path, S_FORMAT);
            goto rollback;
        }
        if (!s_meta_is (db, "department", self->department,
                        strlen (self->department))) {
            status_set_error (error, "%s: the log belongs to another department",
                              self->path);
            goto rollback;
        }
        if (!s_meta_is (db, "sign_public", sign_public,
                        crypto_sign_PUBLICKEYBYTES)) {
            status_set_error (error, "%s: the log is signed with another key;"
                              " start a new log file for a new key", self->path);
            goto rollback;
        }
    }
    if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        status_set_error (error, "%s: %s", self->path, sqlite3_errmsg (db));
        goto rollback;
    }
    return 0;

rollback:
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

//  Reads back the last record and its hash so the chain continues, after
//  checking that it chains onto the record before it (a cheap guard against
//  continuing a damaged tail; audit_verify checks everything). 0 or -1.
static int
s_tail_load (audit_t *self, char **error)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT " S_RECORD_COLUMNS " FROM record ORDER BY seq DESC LIMIT 2",
            -1, &stmt, NULL) != SQLITE_OK) {
        status_set_error (error, "%s: %s", self->path, sqlite3_errmsg (self->db));
        return -1;
    }
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize (stmt);
        self->last_seq = 0;
        memset (self->head, 0, AUDIT_HASH_SIZE);
        return 0;                       //  empty log: h_0
    }
    s_row_t last;
    const char *problem = "unreadable";
    uint8_t previous [AUDIT_HASH_SIZE] = { 0 };
    uint8_t computed [AUDIT_HASH_SIZE];
    if (rc != SQLITE_ROW || s_row_read (stmt, &last, &problem)
    ||  last.seq < 1 || last.seq > INT64_MAX - 1)
        goto damaged;
    if (s_canonical (&self->canonical, &last)) {
        problem = "out of memory";
        goto damaged;
    }
    rc = sqlite3_step (stmt);
    if (last.seq > 1) {
        problem = "the record before it is missing";
        if (rc != SQLITE_ROW
        ||  (uint64_t) sqlite3_column_int64 (stmt, S_COL_SEQ) != last.seq - 1
        ||  sqlite3_column_type (stmt, S_COL_HASH) != SQLITE_BLOB
        ||  sqlite3_column_bytes (stmt, S_COL_HASH) != AUDIT_HASH_SIZE)
            goto damaged;
        memcpy (previous, sqlite3_column_blob (stmt, S_COL_HASH), AUDIT_HASH_SIZE);
    }
    s_chain (previous, &self->canonical, computed);
    if (sodium_memcmp (computed, last.hash, AUDIT_HASH_SIZE) != 0) {
        problem = "chain hash mismatch";
        goto damaged;
    }
    self->last_seq = last.seq;
    memcpy (self->head, last.hash, AUDIT_HASH_SIZE);
    sqlite3_finalize (stmt);
    return 0;

damaged:
    status_set_error (error, "%s: the log's last record is damaged (%s);"
                      " run 'sluice audit verify' and start a new log file",
                      self->path, problem);
    sqlite3_finalize (stmt);
    return -1;
}


//  --------------------------------------------------------------------------
//  Opens or creates the audit log; see audit.h.

audit_t *
audit_new (const char *db_path, const char *department,
           const uint8_t *sign_secret, char **error)
{
    assert (db_path);
    assert (department);
    assert (sign_secret);
    if (error)
        *error = NULL;

    size_t department_size = strlen (department);
    if (department_size == 0 || department_size > AUDIT_TEXT_MAX) {
        status_set_error (error, "%s: the department id is empty or too long", db_path);
        return NULL;
    }
    //  The secret key must be a real key pair: seed || public key
    uint8_t seed [crypto_sign_SEEDBYTES];
    uint8_t sign_public [crypto_sign_PUBLICKEYBYTES];
    uint8_t rebuilt [crypto_sign_SECRETKEYBYTES];
    crypto_sign_ed25519_sk_to_seed (seed, sign_secret);
    crypto_sign_seed_keypair (sign_public, rebuilt, seed);
    bool consistent = sodium_memcmp (rebuilt, sign_secret,
                                     crypto_sign_SECRETKEYBYTES) == 0;
    sodium_memzero (seed, sizeof (seed));
    sodium_memzero (rebuilt, sizeof (rebuilt));
    if (!consistent) {
        status_set_error (error, "%s: the signing secret key is not a valid key pair",
                          db_path);
        return NULL;
    }

    audit_t *self = (audit_t *) zmalloc (sizeof (audit_t));
    if (!self) {
        status_set_error (error, "%s: out of memory", db_path);
        return NULL;
    }
    msgpack_sbuffer_init (&self->canonical);
    self->path = strdup (db_path);
    self->department = strdup (department);
    self->sign_secret = (uint8_t *) sodium_malloc (crypto_sign_SECRETKEYBYTES);
    if (!self->path || !self->department || !self->sign_secret) {
        status_set_error (error, "%s: out of memory", db_path);
        goto failed;
    }
    memcpy (self->sign_secret, sign_secret, crypto_sign_SECRETKEYBYTES);

    if (sqlite3_open_v2 (db_path, &self->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
            != SQLITE_OK) {
        status_set_error (error, "%s: %s", db_path,
                          self->db? sqlite3_errmsg (self->db): "out of memory");
        goto failed;
    }
    sqlite3_busy_timeout (self->db, S_BUSY_TIMEOUT_MS);
    //  WAL lets readers (verify, print) run beside the gateway; FULL makes
    //  each committed batch durable across power loss too, at one fsync per
    //  batch, i.e. per ~20 ms at most
    if (sqlite3_exec (self->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)
    ||  sqlite3_exec (self->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) {
        status_set_error (error, "%s: %s", db_path, sqlite3_errmsg (self->db));
        goto failed;
    }
    if (s_schema_prepare (self, sign_public, error)
    ||  s_tail_load (self, error))
        goto failed;

    if (sqlite3_prepare_v2 (self->db,
            "INSERT INTO record (" S_RECORD_COLUMNS ") VALUES"
            " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            -1, &self->insert_record, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (self->db,
            "INSERT INTO checkpoint (seq, head, signature, time_ms)"
            " VALUES (?1, ?2, ?3, ?4)",
            -1, &self->insert_checkpoint, NULL) != SQLITE_OK) {
        status_set_error (error, "%s: %s", db_path, sqlite3_errmsg (self->db));
        goto failed;
    }
    return self;

failed:
    audit_destroy (&self);
    return NULL;
}


//  --------------------------------------------------------------------------
//  Flushes, closes the log and nulls *self_p; safe to call twice.

void
audit_destroy (audit_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        audit_t *self = *self_p;
        if (self->batch_size > 0 && self->insert_record) {
            if (audit_flush (self))
                zsys_error ("audit: %s: %zu records lost at close",
                            self->path, self->batch_size);
        }
        for (size_t index = 0; index < self->batch_size; index++)
            free (self->batch [index]);
        free (self->batch);
        sqlite3_finalize (self->insert_record);
        sqlite3_finalize (self->insert_checkpoint);
        sqlite3_close (self->db);
        if (self->sign_secret)
            sodium_free (self->sign_secret);
        msgpack_sbuffer_destroy (&self->canonical);
        free (self->department);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Copies a record into the pending batch and chains it; see audit.h.

int
audit_append (audit_t *self, const audit_record_t *record)
{
    assert (self);
    assert (record);
    if (self->batch_size >= AUDIT_PENDING_MAX) {
        if (!self->refusing)
            zsys_error ("audit: %s: %d records pending, refusing more until"
                        " the disk accepts them", self->path, AUDIT_PENDING_MAX);
        self->refusing = true;
        return -1;
    }
    self->refusing = false;
    if (self->batch_size == self->batch_limit) {
        size_t limit = self->batch_limit? self->batch_limit * 2: AUDIT_FLUSH_AT * 2;
        s_row_t **batch = (s_row_t **) realloc (self->batch, limit * sizeof (s_row_t *));
        if (!batch)
            return -1;
        self->batch = batch;
        self->batch_limit = limit;
    }
    const char *texts [S_TEXTS] = {
        record->direction, record->msgid, record->peer, record->officer,
        record->purpose, record->item, record->key, record->fields,
        record->decision, record->agreement
    };
    size_t sizes [S_TEXTS];
    size_t total = sizeof (s_row_t);
    for (int index = 0; index < S_TEXTS; index++) {
        if (!texts [index])
            texts [index] = "";
        sizes [index] = s_bounded_size (texts [index]);
        total += sizes [index] + 1;
    }
    //  One allocation: the row, then its texts, each NUL-terminated
    s_row_t *row = (s_row_t *) malloc (total);
    if (!row)
        return -1;
    char *cursor = (char *) (row + 1);
    for (int index = 0; index < S_TEXTS; index++) {
        memcpy (cursor, texts [index], sizes [index]);
        cursor [sizes [index]] = 0;
        row->text [index] = cursor;
        row->size [index] = sizes [index];
        cursor += sizes [index] + 1;
    }
    row->seq = self->last_seq + 1;
    row->time_ms = record->time_ms;
    row->status = record->status;
    if (record->request_digest)
        memcpy (row->request_digest, record->request_digest, AUDIT_DIGEST_SIZE);
    else
        memset (row->request_digest, 0, AUDIT_DIGEST_SIZE);
    if (record->response_digest)
        memcpy (row->response_digest, record->response_digest, AUDIT_DIGEST_SIZE);
    else
        memset (row->response_digest, 0, AUDIT_DIGEST_SIZE);

    if (s_canonical (&self->canonical, row)) {
        free (row);
        return -1;
    }
    s_chain (self->head, &self->canonical, row->hash);
    memcpy (self->head, row->hash, AUDIT_HASH_SIZE);
    self->last_seq = row->seq;
    self->batch [self->batch_size++] = row;
    return 0;
}


//  Inserts one pending row; 0 or -1.
static int
s_insert_record (audit_t *self, const s_row_t *row)
{
    sqlite3_stmt *stmt = self->insert_record;
    sqlite3_bind_int64 (stmt, 1 + S_COL_SEQ, (sqlite3_int64) row->seq);
    sqlite3_bind_int64 (stmt, 1 + S_COL_TIME, row->time_ms);
    sqlite3_bind_int64 (stmt, 1 + S_COL_STATUS, row->status);
    for (int index = 0; index < S_TEXTS; index++)
        sqlite3_bind_text (stmt, 1 + s_text_column [index], row->text [index],
                           (int) row->size [index], SQLITE_STATIC);
    sqlite3_bind_blob (stmt, 1 + S_COL_REQUEST_DIGEST, row->request_digest,
                       AUDIT_DIGEST_SIZE, SQLITE_STATIC);
    sqlite3_bind_blob (stmt, 1 + S_COL_RESPONSE_DIGEST, row->response_digest,
                       AUDIT_DIGEST_SIZE, SQLITE_STATIC);
    sqlite3_bind_blob (stmt, 1 + S_COL_HASH, row->hash,
                       AUDIT_HASH_SIZE, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return rc == SQLITE_DONE? 0: -1;
}


//  --------------------------------------------------------------------------
//  Writes the pending batch and its signed checkpoint; see audit.h.

int
audit_flush (audit_t *self)
{
    assert (self);
    if (self->batch_size == 0)
        return 0;

    uint8_t message [S_SIGN_MESSAGE_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    s_sign_message (message, self->last_seq, self->head);
    crypto_sign_detached (signature, NULL, message, sizeof (message),
                          self->sign_secret);

    if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        goto failed;
    for (size_t index = 0; index < self->batch_size; index++)
        if (s_insert_record (self, self->batch [index]))
            goto failed;

    sqlite3_stmt *stmt = self->insert_checkpoint;
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) self->last_seq);
    sqlite3_bind_blob (stmt, 2, self->head, AUDIT_HASH_SIZE, SQLITE_STATIC);
    sqlite3_bind_blob (stmt, 3, signature, crypto_sign_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 4, zclock_time ());
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    if (rc != SQLITE_DONE
    ||  sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto failed;

    for (size_t index = 0; index < self->batch_size; index++)
        free (self->batch [index]);
    if (self->failing)
        zsys_info ("audit: %s: writing again, %zu pending records written",
                   self->path, self->batch_size);
    self->batch_size = 0;
    self->failing = false;
    return 0;

failed:
    //  Log once per failing spell, not once per timer tick
    if (!self->failing)
        zsys_error ("audit: %s: cannot write %zu records (%s); keeping them"
                    " and retrying", self->path, self->batch_size,
                    sqlite3_errmsg (self->db));
    self->failing = true;
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}


//  --------------------------------------------------------------------------
//  Records appended but not yet written.

size_t
audit_pending (audit_t *self)
{
    assert (self);
    return self->batch_size;
}


//  --------------------------------------------------------------------------
//  Records in the log, written or pending.

uint64_t
audit_count (audit_t *self)
{
    assert (self);
    return self->last_seq;
}


//  Opens a log read-only and checks it is one; NULL and *report otherwise.
static sqlite3 *
s_open_readonly (const char *db_path, char **report)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: cannot open: %s", db_path,
                          db? sqlite3_errmsg (db): "out of memory");
        sqlite3_close (db);
        return NULL;
    }
    sqlite3_busy_timeout (db, S_BUSY_TIMEOUT_MS);
    if (!s_meta_is (db, "format", S_FORMAT, strlen (S_FORMAT))) {
        status_set_error (report, "%s: not a %s audit log", db_path, S_FORMAT);
        sqlite3_close (db);
        return NULL;
    }
    return db;
}


//  --------------------------------------------------------------------------
//  Verifies a log file; see audit.h.

int64_t
audit_verify (const char *db_path, const uint8_t *sign_public, char **report)
{
    assert (db_path);
    assert (sign_public);
    if (report)
        *report = NULL;
    sqlite3 *db = s_open_readonly (db_path, report);
    if (!db)
        return -1;

    int64_t result = -1;
    sqlite3_stmt *records = NULL;
    sqlite3_stmt *checkpoints = NULL;
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);

    if (!s_meta_is (db, "sign_public", sign_public, crypto_sign_PUBLICKEYBYTES)) {
        status_set_error (report, "meta: the log's signing key is not the key given");
        goto done;
    }
    //  One read transaction, so a gateway appending meanwhile cannot make
    //  the two cursors see different states
    if (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (db,
            "SELECT " S_RECORD_COLUMNS " FROM record ORDER BY seq",
            -1, &records, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (db,
            "SELECT seq, head, signature FROM checkpoint ORDER BY seq",
            -1, &checkpoints, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: %s", db_path, sqlite3_errmsg (db));
        goto done;
    }
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };        //  h_0
    uint64_t expected = 1;                          //  next sequence number
    uint64_t signed_up_to = 0;                      //  last checkpoint seen
    int checkpoint_rc = sqlite3_step (checkpoints);
    int rc;
    while ((rc = sqlite3_step (records)) == SQLITE_ROW) {
        s_row_t row;
        const char *problem = NULL;
        int64_t seq = (int64_t) sqlite3_column_int64 (records, S_COL_SEQ);
        if (seq < 1) {
            status_set_error (report, "record %" PRId64 ": bad sequence number", seq);
            goto done;
        }
        if ((uint64_t) seq != expected) {
            status_set_error (report, "record %" PRIu64 ": missing (sequence gap"
                              " before record %" PRId64 ")", expected, seq);
            goto done;
        }
        if (s_row_read (records, &row, &problem)) {
            status_set_error (report, "record %" PRId64 ": malformed (%s)", seq, problem);
            goto done;
        }
        if (s_canonical (&canonical, &row)) {
            status_set_error (report, "out of memory");
            goto done;
        }
        s_chain (chain, &canonical, chain);
        if (sodium_memcmp (chain, row.hash, AUDIT_HASH_SIZE) != 0) {
            status_set_error (report, "record %" PRId64 ": chain hash mismatch", seq);
            goto done;
        }
        //  Checkpoints at or before this record (any before it is misplaced)
        while (checkpoint_rc == SQLITE_ROW
           &&  sqlite3_column_int64 (checkpoints, 0) <= seq) {
            int64_t at = (int64_t) sqlite3_column_int64 (checkpoints, 0);
            const void *head = sqlite3_column_blob (checkpoints, 1);
            int head_size = sqlite3_column_bytes (checkpoints, 1);
            const void *signature = sqlite3_column_blob (checkpoints, 2);
            int signature_size = sqlite3_column_bytes (checkpoints, 2);
            if (at != seq) {
                status_set_error (report, "checkpoint at %" PRId64 ": no record"
                                  " there", at);
                goto done;
            }
            if (!head || head_size != AUDIT_HASH_SIZE
            ||  !signature || signature_size != crypto_sign_BYTES) {
                status_set_error (report, "checkpoint at %" PRId64 ": malformed", at);
                goto done;
            }
            if (sodium_memcmp (head, chain, AUDIT_HASH_SIZE) != 0) {
                status_set_error (report, "checkpoint at %" PRId64 ": head does not"
                                  " match the chain", at);
                goto done;
            }
            uint8_t message [S_SIGN_MESSAGE_SIZE];
            s_sign_message (message, (uint64_t) at, chain);
            if (crypto_sign_verify_detached ((const uint8_t *) signature,
                    message, sizeof (message), sign_public) != 0) {
                status_set_error (report, "checkpoint at %" PRId64 ": bad signature", at);
                goto done;
            }
            signed_up_to = (uint64_t) at;
            checkpoint_rc = sqlite3_step (checkpoints);
        }
        expected++;
    }
    if (rc != SQLITE_DONE
    ||  (checkpoint_rc != SQLITE_ROW && checkpoint_rc != SQLITE_DONE)) {
        status_set_error (report, "%s: %s", db_path, sqlite3_errmsg (db));
        goto done;
    }
    if (checkpoint_rc == SQLITE_ROW) {
        status_set_error (report, "checkpoint at %" PRId64 ": beyond the last"
                          " record (%" PRIu64 ")",
                          (int64_t) sqlite3_column_int64 (checkpoints, 0), expected - 1);
        goto done;
    }
    if (signed_up_to != expected - 1) {
        status_set_error (report, "record %" PRIu64 ": not covered by a signed"
                          " checkpoint", signed_up_to + 1);
        goto done;
    }
    result = (int64_t) (expected - 1);

done:
    sqlite3_finalize (records);
    sqlite3_finalize (checkpoints);
    sqlite3_close (db);
    msgpack_sbuffer_destroy (&canonical);
    return result;
}


//  Prints a value for one display column: "-" if empty, else escaped as
//  text.h says (UTF-8 kept, control characters and invalid bytes escaped)
//  so that a hostile officer or purpose cannot forge lines or columns or
//  drive the terminal.
static void
s_print_value (FILE *out, const unsigned char *value)
{
    if (!value || !*value)
        fputc ('-', out);
    else
        text_puts (out, (const char *) value, TEXT_TERMINAL, NULL);
}


//  --------------------------------------------------------------------------
//  Prints the newest records; see audit.h.

int
audit_print (const char *db_path, FILE *out, int64_t limit)
{
    assert (db_path);
    assert (out);
    char *error = NULL;
    sqlite3 *db = s_open_readonly (db_path, &error);
    if (!db) {
        zsys_error ("audit: %s", error);
        zstr_free (&error);
        return -1;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (db,
            "SELECT seq, time_ms, direction, peer, officer, purpose, item, key,"
            " fields, decision FROM (SELECT * FROM record ORDER BY seq DESC"
            " LIMIT ?1) ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK) {
        zsys_error ("audit: %s: %s", db_path, sqlite3_errmsg (db));
        sqlite3_close (db);
        return -1;
    }
    sqlite3_bind_int64 (stmt, 1, limit > 0? limit: -1);
    int printed = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t time_ms = sqlite3_column_int64 (stmt, 1);
        //  Floor division, so times before 1970 print correctly too
        int64_t seconds = time_ms / 1000 - (time_ms % 1000 < 0);
        int millis = (int) (time_ms - seconds * 1000);
        time_t clock = (time_t) seconds;
        struct tm utc;
        char stamp [64] = "?";
        if (gmtime_r (&clock, &utc)) {
            size_t size = strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%S", &utc);
            snprintf (stamp + size, sizeof (stamp) - size, ".%03dZ", millis);
        }
        fprintf (out, "%" PRId64 "\t%s", (int64_t) sqlite3_column_int64 (stmt, 0), stamp);
        for (int column = 2; column < 10; column++) {
            fputc ('\t', out);
            s_print_value (out, sqlite3_column_text (stmt, column));
        }
        fputc ('\n', out);
        printed++;
    }
    if (rc != SQLITE_DONE) {
        zsys_error ("audit: %s: %s", db_path, sqlite3_errmsg (db));
        printed = -1;
    }
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    return printed;
}


//  --------------------------------------------------------------------------
//  Self-test

//  The test vector of README "Audit log": the first record of a log, its
//  chain hash, and the checkpoint signature by the key whose seed is the
//  bytes 0, 1, ..., 31
#define S_TEST_CANONICAL \
    "9f01cf0000018bcfe56800a6736572766564d920303030303030303030303030" \
    "3030303030303030303030303030303030303030ad7075646f6e672d6d61726b" \
    "6574a777616e672e6c69ad6c6963656e73652d636865636bb2656e7465727072" \
    "6973652d6c6963656e7365b239313331303131354d41314b334254503242ab6e" \
    "616d652c73746174757300a76772616e746564ac6167722d323032342d303031" \
    "c420111111111111111111111111111111111111111111111111111111111111" \
    "1111c42022222222222222222222222222222222222222222222222222222222" \
    "22222222"
#define S_TEST_HASH \
    "41e6ae4a84f5bdacccc34a5fdd12469837a7ca990b6b8d1a6ea9d8b4d0e3623a"
#define S_TEST_SIGNATURE \
    "295997dd5ab2f14bdb36f2af9a2b306f5daa46ad7dee5ac2e5dd5ea731e166a0" \
    "42f3bf407c7b1e40c4e10ac55ced244db6eb8da3c8f313a7217b7ce5a7d02f00"

//  A plausible record; `number` varies it
static audit_record_t
s_test_record (int number, char *msgid)
{
    snprintf (msgid, 33, "%032x", number);
    audit_record_t record = {
        .time_ms = 1700000000000 + number,
        .direction = number % 2? "asked": "served",
        .msgid = msgid,
        .peer = "pudong-market",
        .officer = "wang.li",
        .purpose = "license-check",
        .item = "enterprise-license",
        .key = "91310115MA1K3BTP2B",
        .fields = "name,status",
        .status = 0,
        .decision = "granted",
        .agreement = "agr-2024-001",
        .request_digest = NULL,
        .response_digest = NULL
    };
    return record;
}

//  Removes a database file and its WAL companions
static void
s_test_remove (const char *path)
{
    const char *suffixes [] = { "", "-wal", "-shm" };
    for (size_t index = 0; index < 3; index++) {
        char *name = zsys_sprintf ("%s%s", path, suffixes [index]);
        remove (name);
        zstr_free (&name);
    }
}

static void
s_test_copy (const char *from, const char *to)
{
    s_test_remove (to);
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

//  Copies the clean log to `copy`, applies raw SQL to the copy (triggers
//  dropped first, as a tamperer would), then verifies it and checks that
//  the report starts with `expected`.
static void
s_test_tamper (const char *clean, const char *copy, const uint8_t *sign_public,
               const char *sql, const char *expected, bool verbose)
{
    s_test_copy (clean, copy);
    sqlite3 *db = NULL;
    assert (sqlite3_open (copy, &db) == SQLITE_OK);
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
        printf ("tamper SQL failed: %s\n", message);
    assert (rc == SQLITE_OK);
    sqlite3_close (db);
    char *report = NULL;
    assert (audit_verify (copy, sign_public, &report) == -1);
    assert (report);
    if (verbose)
        printf ("\n    tampered: %s", report);
    if (strncmp (report, expected, strlen (expected)) != 0)
        printf ("expected '%s', got '%s'\n", expected, report);
    assert (strncmp (report, expected, strlen (expected)) == 0);
    zstr_free (&report);
    s_test_remove (copy);
}

//  Rewrites every stored hash from `from` on to match the (edited) records,
//  as a tamperer without the signing key could; used to show that the
//  checkpoints still catch the edit.
static void
s_test_rechain (const char *path)
{
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    sqlite3_stmt *select = NULL;
    sqlite3_stmt *update = NULL;
    assert (sqlite3_prepare_v2 (db, "SELECT " S_RECORD_COLUMNS
            " FROM record ORDER BY seq", -1, &select, NULL) == SQLITE_OK);
    assert (sqlite3_prepare_v2 (db, "UPDATE record SET hash = ?1 WHERE seq = ?2",
            -1, &update, NULL) == SQLITE_OK);
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    zlistx_t *hashes = zlistx_new ();
    while (sqlite3_step (select) == SQLITE_ROW) {
        s_row_t row;
        const char *problem;
        assert (s_row_read (select, &row, &problem) == 0);
        assert (s_canonical (&canonical, &row) == 0);
        s_chain (chain, &canonical, chain);
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

static char *
s_test_hex (const uint8_t *data, size_t size)
{
    char *hex = (char *) malloc (size * 2 + 1);
    assert (hex);
    sodium_bin2hex (hex, size * 2 + 1, data, size);
    return hex;
}

int64_t
audit_each_since (audit_t *self, const char *direction, int64_t since_ms,
                  void (*fn) (const char *msgid, int64_t time_ms, void *arg),
                  void *arg)
{
    assert (self && direction && fn);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT msgid, time_ms FROM record WHERE direction = ?1 AND time_ms >= ?2"
            " ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text (stmt, 1, direction, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, since_ms);
    int64_t count = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        const char *msgid = (const char *) sqlite3_column_text (stmt, 0);
        if (msgid)
            fn (msgid, sqlite3_column_int64 (stmt, 1), arg);
        count++;
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE? count: -1;
}

void
audit_test (bool verbose)
{
    if (verbose)
        printf (" * audit: ");

    char *dir = zsys_sprintf ("/tmp/sluice-audit-test-%d", (int) getpid ());
    assert (dir);
    zsys_dir_create ("%s", dir);
    char *path = zsys_sprintf ("%s/audit.db", dir);
    char *copy = zsys_sprintf ("%s/copy.db", dir);
    char *other = zsys_sprintf ("%s/other.db", dir);

    uint8_t sign_public [crypto_sign_PUBLICKEYBYTES];
    uint8_t sign_secret [crypto_sign_SECRETKEYBYTES];
    uint8_t seed [crypto_sign_SEEDBYTES];
    for (size_t index = 0; index < crypto_sign_SEEDBYTES; index++)
        seed [index] = (uint8_t) index;
    crypto_sign_seed_keypair (sign_public, sign_secret, seed);
    uint8_t wrong_public [crypto_sign_PUBLICKEYBYTES];
    uint8_t wrong_secret [crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair (wrong_public, wrong_secret);

    char msgid [33];
    char *error = NULL;
    char *report = NULL;

    //  Test vector (README "Audit log"): the first record of a log
    {
        audit_record_t record = s_test_record (0, msgid);
        uint8_t request_digest [AUDIT_DIGEST_SIZE];
        uint8_t response_digest [AUDIT_DIGEST_SIZE];
        memset (request_digest, 0x11, sizeof (request_digest));
        memset (response_digest, 0x22, sizeof (response_digest));
        record.request_digest = request_digest;
        record.response_digest = response_digest;
        audit_t *audit = audit_new (path, "pudong-tax", sign_secret, &error);
        assert (audit);
        assert (audit_append (audit, &record) == 0);
        const s_row_t *row = audit->batch [0];
        char *canonical_hex = s_test_hex ((const uint8_t *) audit->canonical.data,
                                          audit->canonical.size);
        char *hash_hex = s_test_hex (row->hash, AUDIT_HASH_SIZE);
        uint8_t message [S_SIGN_MESSAGE_SIZE];
        uint8_t signature [crypto_sign_BYTES];
        s_sign_message (message, 1, row->hash);
        crypto_sign_detached (signature, NULL, message, sizeof (message), sign_secret);
        char *signature_hex = s_test_hex (signature, sizeof (signature));
        if (getenv ("SLUICE_AUDIT_VECTOR"))
            printf ("\ncanonical %s\nh_1 %s\nsignature %s\n",
                    canonical_hex, hash_hex, signature_hex);
        fflush (stdout);
        assert (streq (canonical_hex, S_TEST_CANONICAL));
        assert (streq (hash_hex, S_TEST_HASH));
        assert (streq (signature_hex, S_TEST_SIGNATURE));
        free (canonical_hex);
        free (hash_hex);
        free (signature_hex);
        audit_destroy (&audit);
        assert (audit_verify (path, sign_public, &report) == 1);
        assert (report == NULL);
        s_test_remove (path);
    }

    //  Bad arguments to audit_new
    assert (audit_new (path, "", sign_secret, &error) == NULL);
    assert (error);
    zstr_free (&error);
    uint8_t broken_secret [crypto_sign_SECRETKEYBYTES];
    memcpy (broken_secret, sign_secret, sizeof (broken_secret));
    broken_secret [40] ^= 1;            //  public half no longer matches
    assert (audit_new (path, "pudong-tax", broken_secret, &error) == NULL);
    assert (error && strstr (error, "key pair"));
    zstr_free (&error);
    assert (audit_new ("/nonexistent-dir/x/audit.db", "pudong-tax",
                       sign_secret, &error) == NULL);
    assert (error);
    zstr_free (&error);
    assert (audit_new (path, "", sign_secret, NULL) == NULL);   //  error optional

    //  Append, flush, append more, close (flushes), reopen, continue
    audit_t *audit = audit_new (path, "pudong-tax", sign_secret, &error);
    assert (audit);
    assert (error == NULL);
    assert (audit_count (audit) == 0);
    assert (audit_flush (audit) == 0);          //  nothing pending: no-op
    for (int number = 1; number <= 3; number++) {
        audit_record_t record = s_test_record (number, msgid);
        assert (audit_append (audit, &record) == 0);
    }
    assert (audit_pending (audit) == 3);
    assert (audit_count (audit) == 3);
    assert (audit_flush (audit) == 0);
    assert (audit_pending (audit) == 0);
    assert (audit_verify (path, sign_public, &report) == 3);   //  while open
    for (int number = 4; number <= 5; number++) {
        audit_record_t record = s_test_record (number, msgid);
        assert (audit_append (audit, &record) == 0);
    }
    audit_destroy (&audit);
    audit_destroy (&audit);                     //  safe twice
    assert (audit == NULL);
    assert (audit_verify (path, sign_public, &report) == 5);
    assert (report == NULL);

    //  Another department or another key cannot continue this log
    assert (audit_new (path, "pudong-market", sign_secret, &error) == NULL);
    assert (error && strstr (error, "another department"));
    zstr_free (&error);
    assert (audit_new (path, "pudong-tax", wrong_secret, &error) == NULL);
    assert (error && strstr (error, "another key"));
    zstr_free (&error);

    audit = audit_new (path, "pudong-tax", sign_secret, &error);
    assert (audit);
    assert (audit_count (audit) == 5);
    //  NULL strings become "", overlong ones are cut at a UTF-8 boundary:
    //  1023 'a' then a 3-byte character would end at 1026, so it is dropped
    {
        char *longtext = (char *) malloc (2001);
        memset (longtext, 'a', 2000);
        memcpy (longtext + 1023, "\xE6\xB5\xA6", 3);    //  浦
        longtext [2000] = 0;
        audit_record_t record = { .time_ms = 1700000000006, .officer = longtext,
                                  .status = 132, .decision = "refused: NO_AGREEMENT" };
        assert (audit_append (audit, &record) == 0);
        assert (audit->batch [0]->size [S_OFFICER] == 1023);
        assert (audit->batch [0]->size [S_DIRECTION] == 0);
        //  A text that is not UTF-8 is cut at the limit, never emptied
        memset (longtext, 0x80, 2000);
        assert (s_bounded_size (longtext) == AUDIT_TEXT_MAX);
        memset (longtext, 'a', 2000);
        memcpy (longtext + 1022, "\xF0\x9F\x98\x80", 4);
        assert (s_bounded_size (longtext) == 1022);
        free (longtext);
    }
    {
        //  Control characters and bytes that are not UTF-8 are kept in
        //  the log, shown escaped in print; Chinese is shown as it is
        audit_record_t record = s_test_record (7, msgid);
        record.purpose = "line\nbreak\x1b[31m 税务登记 \xc2\x9b\xff";
        assert (audit_append (audit, &record) == 0);
    }
    assert (audit_count (audit) == 7);
    assert (audit_flush (audit) == 0);

    //  A disk that refuses (here: another writer holds the lock): the batch
    //  is kept, then written when the disk is back, and the chain is whole
    {
        sqlite3 *blocker = NULL;
        assert (sqlite3_open (path, &blocker) == SQLITE_OK);
        assert (sqlite3_exec (blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_busy_timeout (audit->db, 0);
        audit_record_t record = s_test_record (8, msgid);
        assert (audit_append (audit, &record) == 0);
        assert (audit_flush (audit) == -1);
        assert (audit_flush (audit) == -1);     //  logged once only
        assert (audit_pending (audit) == 1);
        record = s_test_record (9, msgid);
        assert (audit_append (audit, &record) == 0);
        assert (sqlite3_exec (blocker, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (blocker);
        assert (audit_flush (audit) == 0);
        assert (audit_pending (audit) == 0);
        sqlite3_busy_timeout (audit->db, S_BUSY_TIMEOUT_MS);
    }
    //  The triggers refuse casual edits through SQLite
    assert (sqlite3_exec (audit->db, "UPDATE record SET officer = 'x' WHERE seq = 1",
                          NULL, NULL, NULL) != SQLITE_OK);
    assert (sqlite3_exec (audit->db, "DELETE FROM checkpoint",
                          NULL, NULL, NULL) != SQLITE_OK);
    audit_destroy (&audit);
    assert (audit_verify (path, sign_public, &report) == 9);
    assert (report == NULL);

    //  Display
    {
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream (&text, &size);
        assert (out);
        assert (audit_print (path, out, 3) == 3);
        fclose (out);
        if (verbose)
            printf ("\n%s", text);
        assert (strstr (text, "7\t2023-11-14T22:13:20.007Z\tasked\tpudong-market\t"
                              "wang.li\tline\\nbreak\\x1b[31m 税务登记 \\u009b\\xff\t"));
        assert (!strstr (text, "\t6\t") && strncmp (text, "7\t", 2) == 0);
        assert (strstr (text, "9\t2023-11-14T22:13:20.009Z\tasked"));
        free (text);
        FILE *sink = fopen ("/dev/null", "w");
        assert (audit_print (path, sink, 0) == 9);
        assert (audit_print (other, sink, 0) == -1);    //  no such file
        fclose (sink);
    }

    //  Tampering, deletion, reordering, forgery
    s_test_tamper (path, copy, sign_public,
        "UPDATE record SET officer = 'zhang.san' WHERE seq = 4",
        "record 4: chain hash mismatch", verbose);
    s_test_tamper (path, copy, sign_public,
        "UPDATE record SET status = 'zero' WHERE seq = 2",  //  stays text
        "record 2: malformed (status", verbose);
    s_test_tamper (path, copy, sign_public,
        "DELETE FROM record WHERE seq = 4",
        "record 4: missing", verbose);
    s_test_tamper (path, copy, sign_public,
        "DELETE FROM record WHERE seq = 1",
        "record 1: missing", verbose);
    s_test_tamper (path, copy, sign_public,
        "DELETE FROM record WHERE seq = 9",
        "checkpoint at 9: beyond the last record (8)", verbose);
    //  Reordering: swap the contents of records 2 and 3 (hashes included)
    s_test_tamper (path, copy, sign_public,
        "UPDATE record SET seq = -3 WHERE seq = 3;"
        "UPDATE record SET seq = 3 WHERE seq = 2;"
        "UPDATE record SET seq = 2 WHERE seq = -3;",
        "record 2: chain hash mismatch", verbose);
    //  An edit with every later hash recomputed: only a checkpoint catches it
    s_test_copy (path, other);
    {
        sqlite3 *db = NULL;
        assert (sqlite3_open (other, &db) == SQLITE_OK);
        assert (sqlite3_exec (db, "DROP TRIGGER record_no_update;"
            "UPDATE record SET fields = 'name,status,address' WHERE seq = 4",
            NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (db);
        s_test_rechain (other);
        s_test_tamper (other, copy, sign_public, "SELECT 1",
            "checkpoint at 5: head does not match the chain", verbose);
        //  ... and replacing the checkpoint's head then fails its signature
        s_test_tamper (other, copy, sign_public,
            "UPDATE checkpoint SET head = (SELECT hash FROM record"
            " WHERE seq = 5) WHERE seq = 5",
            "checkpoint at 5: bad signature", verbose);
        s_test_remove (other);
    }
    s_test_tamper (path, copy, sign_public,
        "UPDATE checkpoint SET signature = randomblob (64) WHERE seq = 7",
        "checkpoint at 7: bad signature", verbose);
    s_test_tamper (path, copy, sign_public,
        "UPDATE checkpoint SET signature = x'00' WHERE seq = 7",
        "checkpoint at 7: malformed", verbose);
    s_test_tamper (path, copy, sign_public,
        "INSERT INTO checkpoint VALUES (2, randomblob (32), randomblob (64), 0)",
        "checkpoint at 2: head does not match", verbose);
    s_test_tamper (path, copy, sign_public,
        "INSERT INTO checkpoint VALUES (0, randomblob (32), randomblob (64), 0)",
        "checkpoint at 0: no record there", verbose);
    //  Records added after the last checkpoint, even correctly chained
    s_test_tamper (path, copy, sign_public,
        "INSERT INTO record SELECT 10, time_ms, direction, msgid, peer, officer,"
        " purpose, item, key, fields, status, decision, agreement,"
        " request_digest, response_digest, hash FROM record WHERE seq = 9",
        "record 10: chain hash mismatch", verbose);
    s_test_copy (path, other);
    {
        //  ... a correctly chained unsigned record: written by audit code
        //  with a checkpoint, which the tamperer then deletes
        audit = audit_new (other, "pudong-tax", sign_secret, &error);
        assert (audit);
        audit_record_t record = s_test_record (10, msgid);
        assert (audit_append (audit, &record) == 0);
        audit_destroy (&audit);
        s_test_tamper (other, copy, sign_public,
            "DELETE FROM checkpoint WHERE seq = 10",
            "record 10: not covered by a signed checkpoint", verbose);
        s_test_remove (other);
    }
    s_test_tamper (path, copy, sign_public,
        "UPDATE meta SET value = 'sluice-audit-0' WHERE name = 'format'",
        copy, verbose);     //  "PATH: not a sluice-audit-1 audit log"
    //  A damaged tail stops the gateway from continuing the chain
    s_test_copy (path, other);
    {
        sqlite3 *db = NULL;
        assert (sqlite3_open (other, &db) == SQLITE_OK);
        assert (sqlite3_exec (db, "DROP TRIGGER record_no_update;"
            "UPDATE record SET key = 'x' WHERE seq = 9", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (db);
        assert (audit_new (other, "pudong-tax", sign_secret, &error) == NULL);
        assert (error && strstr (error, "last record is damaged"));
        zstr_free (&error);
        s_test_remove (other);
    }

    //  Wrong key; not a log; missing file (and verify does not create it)
    assert (audit_verify (path, wrong_public, &report) == -1);
    assert (report && strstr (report, "signing key"));
    zstr_free (&report);
    assert (audit_verify (other, sign_public, &report) == -1);
    assert (report && strstr (report, "cannot open"));
    zstr_free (&report);
    assert (!zsys_file_exists (other));
    assert (audit_verify (other, sign_public, NULL) == -1);    //  report optional
    {
        FILE *junk = fopen (other, "wb");
        assert (junk);
        for (int index = 0; index < 4096; index++)
            fputc (index * 7, junk);
        fclose (junk);
        assert (audit_verify (other, sign_public, &report) == -1);
        assert (report);
        zstr_free (&report);
        assert (audit_new (other, "pudong-tax", sign_secret, &error) == NULL);
        assert (error);
        zstr_free (&error);
        s_test_remove (other);
        sqlite3 *db = NULL;                     //  someone else's database
        assert (sqlite3_open (other, &db) == SQLITE_OK);
        assert (sqlite3_exec (db, "CREATE TABLE invoices (id)", NULL, NULL, NULL)
                == SQLITE_OK);
        sqlite3_close (db);
        assert (audit_new (other, "pudong-tax", sign_secret, &error) == NULL);
        assert (error && strstr (error, "not a sluice audit log"));
        zstr_free (&error);
        assert (audit_verify (other, sign_public, &report) == -1);
        zstr_free (&report);
        s_test_remove (other);
    }

    //  Throughput: 10,000 appends with a flush every AUDIT_FLUSH_AT
    {
        int64_t started = zclock_mono ();
        audit = audit_new (path, "pudong-tax", sign_secret, &error);
        assert (audit);
        uint8_t digest [AUDIT_DIGEST_SIZE];
        randombytes_buf (digest, sizeof (digest));
        for (int number = 0; number < 10000; number++) {
            audit_record_t record = s_test_record (100 + number, msgid);
            record.request_digest = digest;
            record.response_digest = digest;
            assert (audit_append (audit, &record) == 0);
            if (audit_pending (audit) >= AUDIT_FLUSH_AT)
                assert (audit_flush (audit) == 0);
        }
        audit_destroy (&audit);
        int64_t appended = zclock_mono ();
        assert (audit_verify (path, sign_public, &report) == 10009);
        int64_t verified = zclock_mono ();
        if (verbose)
            printf ("\n    10,000 appends + flushes: %d ms, verify: %d ms\n   ",
                    (int) (appended - started), (int) (verified - appended));
        assert (appended - started < 10000);
    }

    s_test_remove (path);
    s_test_remove (copy);
    s_test_remove (other);
    zsys_dir_delete ("%s", dir);
    assert (!zsys_file_exists (dir));
    zstr_free (&path);
    zstr_free (&copy);
    zstr_free (&other);
    zstr_free (&dir);

    if (verbose)
        printf ("OK\n");
}
