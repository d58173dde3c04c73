/*  audit.c -- the gateway's audit log: append-only, hash-chained, signed.

    Formats (README "Audit log", proto/PROTOCOL.md section 15):
      h_0 = 32 zero bytes
      h_n = BLAKE2b-256 (h_{n-1} || canonical (record_n))
      canonical (record), format sluice-audit-2 = msgpack array of 19:
          [seq, time_ms, msg_time_ms, direction, msgid, peer, caller,
          officer, purpose, item, key, fields, status, decision, agreement,
          request_digest (bin 32), response_digest (bin 32), peer_seq,
          peer_head (bin 32)], integers and strings in their shortest
          msgpack form; format sluice-audit-1 (read only): array of 15,
          without msg_time_ms, caller, peer_seq and peer_head
      checkpoint signature = Ed25519 over
          FORMAT || seq (8 bytes big endian) || h_seq
      renewal record: direction "renewal", key = the new certificate's
          serial, request_digest = its signing key, response_digest = the
          key it replaces; a checkpoint of the replaced key covers it, and
          the new key signs every checkpoint after it.

    The chain hash is computed at append time, so the order of records is
    fixed before anything reaches the disk; a commit then writes the batch
    and one checkpoint in a single durable transaction. Every written
    record is therefore covered by a checkpoint. A failed commit, or a
    crash before it, leaves no hole: the batch is dropped and the chain
    continues from the last record the file holds.
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
#include <sys/stat.h>

#define S_FORMAT_1          "sluice-audit-1"
#define S_FORMAT_2          "sluice-audit-2"
#define S_FORMAT_FAMILY     "sluice-audit-"
#define S_SIGN_CONTEXT_SIZE 14      //  the format name, no terminator
#define S_SIGN_MESSAGE_SIZE (S_SIGN_CONTEXT_SIZE + 8 + AUDIT_HASH_SIZE)
#define S_BUSY_TIMEOUT_MS   5000    //  a reader waiting on the writer
#define S_WRITE_BUSY_MS     200     //  the writer waiting on another writer
#define S_RENEWAL           "renewal"

//  The text fields of a record, in canonical order (status sits between
//  S_FIELDS and S_DECISION in the canonical array; format 1 has no caller).
typedef enum {
    S_DIRECTION, S_MSGID, S_PEER, S_CALLER, S_OFFICER, S_PURPOSE, S_ITEM,
    S_KEY, S_FIELDS, S_DECISION, S_AGREEMENT, S_TEXTS
} s_text_t;

//  The record table's columns; every SELECT and INSERT of records uses this
//  list, and these indices into it. A format 1 log is read through the
//  same positions, its missing columns given as constants.
#define S_RECORD_COLUMNS \
    "seq, time_ms, msg_time_ms, direction, msgid, peer, caller, officer, " \
    "purpose, item, key, fields, status, decision, agreement, " \
    "request_digest, response_digest, peer_seq, peer_head, hash"
#define S_RECORD_COLUMNS_1 \
    "seq, time_ms, 0, direction, msgid, peer, '', officer, " \
    "purpose, item, key, fields, status, decision, agreement, " \
    "request_digest, response_digest, 0, zeroblob (32), hash"
enum {
    S_COL_SEQ = 0, S_COL_TIME = 1, S_COL_MSG_TIME = 2, S_COL_STATUS = 12,
    S_COL_REQUEST_DIGEST = 15, S_COL_RESPONSE_DIGEST = 16, S_COL_PEER_SEQ = 17,
    S_COL_PEER_HEAD = 18, S_COL_HASH = 19, S_COLUMNS = 20
};
static const int s_text_column [S_TEXTS] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14 };
static const char *s_text_name [S_TEXTS] = {
    "direction", "msgid", "peer", "caller", "officer", "purpose", "item", "key",
    "fields", "decision", "agreement"
};

//  What `sluice audit show` prints, per format
#define S_SHOW_COLUMNS \
    "seq, time_ms, direction, peer, caller, officer, purpose, item, key, " \
    "fields, decision"
#define S_SHOW_COLUMNS_1 \
    "seq, time_ms, direction, peer, '', officer, purpose, item, key, " \
    "fields, decision"
#define S_SHOW_TEXTS        9       //  columns after seq and time

static const char *s_schema =
    "CREATE TABLE meta ("
    "    name TEXT PRIMARY KEY, value NOT NULL);"
    "CREATE TABLE record ("
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
    "CREATE TABLE checkpoint ("
    "    seq INTEGER PRIMARY KEY, head BLOB NOT NULL,"
    "    signature BLOB NOT NULL, time_ms INTEGER NOT NULL);"
    //  For the replay cache at start (ids by message time) and for the
    //  current key (the last renewal); they carry no meaning of their own
    "CREATE INDEX record_msg_time ON record (msg_time_ms);"
    "CREATE INDEX record_renewal ON record (seq) WHERE direction = 'renewal';"
    //  Append-only: refuse accidental edits. Anyone with the file can drop
    //  these; the chain and the signatures are what catch deliberate ones.
    "CREATE TRIGGER record_no_update BEFORE UPDATE ON record"
    "    BEGIN SELECT RAISE (ABORT, 'audit records are append-only'); END;"
    "CREATE TRIGGER record_no_delete BEFORE DELETE ON record"
    "    BEGIN SELECT RAISE (ABORT, 'audit records are append-only'); END;"
    "CREATE TRIGGER checkpoint_no_update BEFORE UPDATE ON checkpoint"
    "    BEGIN SELECT RAISE (ABORT, 'audit checkpoints are append-only'); END;"
    "CREATE TRIGGER checkpoint_no_delete BEFORE DELETE ON checkpoint"
    "    BEGIN SELECT RAISE (ABORT, 'audit checkpoints are append-only'); END;";

//  One record as the chain sees it. Text pointers are not NUL-terminated
//  necessarily; sizes are exact. For a pending record, the struct and its
//  texts are one allocation; for a record read back, the texts point into
//  SQLite's row and live until the next step.
typedef struct {
    uint64_t seq;
    int64_t time_ms;
    int64_t msg_time_ms;
    int64_t status;
    uint64_t peer_seq;
    const char *text [S_TEXTS];
    size_t size [S_TEXTS];
    uint8_t request_digest [AUDIT_DIGEST_SIZE];
    uint8_t response_digest [AUDIT_DIGEST_SIZE];
    uint8_t peer_head [AUDIT_HASH_SIZE];
    uint8_t hash [AUDIT_HASH_SIZE];
} s_row_t;

struct _audit_t {
    char *path;
    char *department;
    sqlite3 *db;
    sqlite3_stmt *insert_record;
    sqlite3_stmt *insert_checkpoint;
    uint8_t *sign_secret;               //  sodium_malloc'd, 64 bytes
    uint8_t sign_public [AUDIT_KEY_SIZE];
    uint64_t last_seq;                  //  last appended, written or pending
    uint8_t head [AUDIT_HASH_SIZE];     //  chain hash at last_seq
    uint64_t committed_seq;             //  last record the file holds
    uint8_t committed_head [AUDIT_HASH_SIZE];
    s_row_t **batch;                    //  pending records, owned
    size_t batch_size;
    size_t batch_limit;
    msgpack_sbuffer canonical;          //  reused encoding buffer
    uint64_t commits;
    bool failing;                       //  the last commit failed
    bool refusing;                      //  audit_append is refusing (full)
    bool superseded;                    //  another key now signs the file
};


//  --------------------------------------------------------------------------
//  Encodings

//  Encodes canonical (row) of `format` (1 or 2) into buffer (cleared first).
//  0 or -1 (memory).
static int
s_canonical (msgpack_sbuffer *buffer, const s_row_t *row, int format)
{
    bool second = format >= 2;
    msgpack_sbuffer_clear (buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    int rc = msgpack_pack_array (&packer, second? 19: 15);
    rc |= msgpack_pack_uint64 (&packer, row->seq);
    rc |= msgpack_pack_int64 (&packer, row->time_ms);
    if (second)
        rc |= msgpack_pack_int64 (&packer, row->msg_time_ms);
    for (int index = 0; index < S_TEXTS; index++) {
        if (index == S_CALLER && !second)
            continue;
        if (index == S_DECISION)
            rc |= msgpack_pack_int64 (&packer, row->status);
        rc |= msgpack_pack_str (&packer, row->size [index]);
        rc |= msgpack_pack_str_body (&packer, row->text [index], row->size [index]);
    }
    rc |= msgpack_pack_bin (&packer, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin_body (&packer, row->request_digest, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin (&packer, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin_body (&packer, row->response_digest, AUDIT_DIGEST_SIZE);
    if (second) {
        rc |= msgpack_pack_uint64 (&packer, row->peer_seq);
        rc |= msgpack_pack_bin (&packer, AUDIT_HASH_SIZE);
        rc |= msgpack_pack_bin_body (&packer, row->peer_head, AUDIT_HASH_SIZE);
    }
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

//  FORMAT || seq (8 bytes big endian) || head
static void
s_sign_message (uint8_t *message, int format, uint64_t seq, const uint8_t *head)
{
    memcpy (message, format >= 2? S_FORMAT_2: S_FORMAT_1, S_SIGN_CONTEXT_SIZE);
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

//  Reads the current row of a statement selecting S_RECORD_COLUMNS (or
//  S_RECORD_COLUMNS_1) into row, strictly: every column must have its
//  declared type and size. Returns 0, or -1 and *problem (static text).
static int
s_row_read (sqlite3_stmt *stmt, s_row_t *row, const char **problem)
{
    struct { int column; const char *name; } integers [] = {
        { S_COL_TIME, "time_ms is not an integer" },
        { S_COL_MSG_TIME, "msg_time_ms is not an integer" },
        { S_COL_STATUS, "status is not an integer" },
        { S_COL_PEER_SEQ, "peer_seq is not an integer" }
    };
    for (size_t index = 0; index < sizeof (integers) / sizeof (integers [0]); index++)
        if (sqlite3_column_type (stmt, integers [index].column) != SQLITE_INTEGER) {
            *problem = integers [index].name;
            return -1;
        }
    row->seq = (uint64_t) sqlite3_column_int64 (stmt, S_COL_SEQ);
    row->time_ms = sqlite3_column_int64 (stmt, S_COL_TIME);
    row->msg_time_ms = sqlite3_column_int64 (stmt, S_COL_MSG_TIME);
    row->status = sqlite3_column_int64 (stmt, S_COL_STATUS);
    int64_t peer_seq = sqlite3_column_int64 (stmt, S_COL_PEER_SEQ);
    if (peer_seq < 0) {
        *problem = "peer_seq is negative";
        return -1;
    }
    row->peer_seq = (uint64_t) peer_seq;
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
        { S_COL_PEER_HEAD, row->peer_head, "peer_head" },
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

//  True if the row is a renewal record (format 2).
static bool
s_row_is_renewal (const s_row_t *row)
{
    return row->size [S_DIRECTION] == strlen (S_RENEWAL)
        && memcmp (row->text [S_DIRECTION], S_RENEWAL, strlen (S_RENEWAL)) == 0;
}

//  The certificate serial a renewal record names (its key text, decimal,
//  1 .. 2^64 - 1); 0 if malformed.
static uint64_t
s_row_serial (const s_row_t *row)
{
    char text [24];
    size_t size = row->size [S_KEY];
    if (size == 0 || size >= sizeof (text))
        return 0;
    memcpy (text, row->text [S_KEY], size);
    text [size] = 0;
    uint64_t serial = 0;
    for (size_t index = 0; index < size; index++) {
        if (text [index] < '0' || text [index] > '9'
        ||  serial > (UINT64_MAX - (uint64_t) (text [index] - '0')) / 10)
            return 0;
        serial = serial * 10 + (uint64_t) (text [index] - '0');
    }
    return serial;
}


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
    if (streq (format, S_FORMAT_1) && size == strlen (S_FORMAT_1))
        result = 1;
    else
    if (streq (format, S_FORMAT_2) && size == strlen (S_FORMAT_2))
        result = 2;
    else
    if (strncmp (format, S_FORMAT_FAMILY, strlen (S_FORMAT_FAMILY)) == 0
    &&  strlen (format) == size && size < 64)
        status_set_error (report, "%s: an audit log of format %s, which this"
                          " version does not read", path, format);
    else
        status_set_error (report, "%s: not a Sluice audit log (unknown format)",
                          path);
    free (format);
    return result;
}

//  The key that signs the log's newest checkpoints: the new key of the last
//  renewal record, else meta sign_public. 0, or -1 if none can be read.
static int
s_current_key (sqlite3 *db, uint8_t *key)
{
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (db, "SELECT request_digest FROM record"
            " WHERE direction = '" S_RENEWAL "' ORDER BY seq DESC LIMIT 1",
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
//  Opening for writing

//  Creates the tables of a new log, or checks an existing one, in one
//  transaction. Returns 0 or -1 and *error.
static int
s_schema_prepare (audit_t *self, char **error)
{
    sqlite3 *db = self->db;
    if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        status_set_error (error, "%s: %s", self->path, sqlite3_errmsg (db));
        return -1;
    }
    int format = s_format_read (db, self->path, error);
    if (format < 0)
        goto rollback;
    if (format == 0) {
        char *message = NULL;
        if (sqlite3_exec (db, s_schema, NULL, NULL, &message) != SQLITE_OK
        ||  s_meta_put (db, "format", S_FORMAT_2, strlen (S_FORMAT_2), true)
        ||  s_meta_put (db, "department", self->department,
                        strlen (self->department), true)
        ||  s_meta_put (db, "sign_public", self->sign_public, AUDIT_KEY_SIZE, false)) {
            status_set_error (error, "%s: %s", self->path,
                              message? message: sqlite3_errmsg (db));
            sqlite3_free (message);
            goto rollback;
        }
    }
    else
    if (format == 1) {
        status_set_error (error, "%s: an audit log of the earlier format %s,"
                          " which this version does not continue: move it aside"
                          " and keep it (sluice audit verify still checks it),"
                          " then start the gateway again to begin a new log",
                          self->path, S_FORMAT_1);
        goto rollback;
    }
    else
    if (!s_meta_is (db, "department", self->department, strlen (self->department))) {
        status_set_error (error, "%s: the log belongs to another department",
                          self->path);
        goto rollback;
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
//  continuing a damaged tail; audit_verify checks everything) and that the
//  log's current key is ours. Sets the committed and the last position.
//  0 or -1 and *error.
static int
s_tail_load (audit_t *self, char **error)
{
    uint8_t current [AUDIT_KEY_SIZE];
    if (s_current_key (self->db, current)) {
        status_set_error (error, "%s: cannot read the log's signing key: %s",
                          self->path, sqlite3_errmsg (self->db));
        return -1;
    }
    if (sodium_memcmp (current, self->sign_public, AUDIT_KEY_SIZE) != 0) {
        status_set_error (error, "%s: the log is signed with another key; if this"
                          " department renewed its certificate, record the"
                          " renewal first: sluice audit renew --log %s --cert"
                          " OLD.cert_secret --new-cert NEW.cert", self->path,
                          self->path);
        return -1;
    }
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
        self->last_seq = self->committed_seq = 0;
        memset (self->head, 0, AUDIT_HASH_SIZE);
        memset (self->committed_head, 0, AUDIT_HASH_SIZE);
        return 0;                       //  empty log: h_0
    }
    s_row_t last;
    const char *problem = "unreadable";
    uint8_t previous [AUDIT_HASH_SIZE] = { 0 };
    uint8_t computed [AUDIT_HASH_SIZE];
    if (rc != SQLITE_ROW || s_row_read (stmt, &last, &problem)
    ||  last.seq < 1 || last.seq > INT64_MAX - 1)
        goto damaged;
    if (s_canonical (&self->canonical, &last, 2)) {
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
    self->last_seq = self->committed_seq = last.seq;
    memcpy (self->head, last.hash, AUDIT_HASH_SIZE);
    memcpy (self->committed_head, last.hash, AUDIT_HASH_SIZE);
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
    memcpy (self->sign_public, sign_public, AUDIT_KEY_SIZE);

    if (sqlite3_open_v2 (db_path, &self->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
            != SQLITE_OK) {
        status_set_error (error, "%s: %s", db_path,
                          self->db? sqlite3_errmsg (self->db): "out of memory");
        goto failed;
    }
    //  In WAL mode readers never block the writer; only another writer (an
    //  admin's tool, never the normal case) can. The gateway's event loop
    //  must not stall on it: a commit that cannot get the lock fails fast,
    //  and the answers it would have released become INTERNAL
    sqlite3_busy_timeout (self->db, S_WRITE_BUSY_MS);
    //  The file is checked (or created) before anything else touches it, so
    //  a file that is refused is left as it was
    if (s_schema_prepare (self, error))
        goto failed;
    //  WAL lets readers (verify, print) run beside the gateway. Every commit
    //  must be durable before the answers it records are sent. In WAL mode,
    //  synchronous = NORMAL writes each commit to the WAL file before
    //  COMMIT returns, which survives the process being killed, but syncs
    //  the WAL only at checkpoints, so a power loss or OS crash can lose
    //  the last commits while their answers have left. FULL syncs the WAL at
    //  every commit, which also survives a power loss; group commit keeps
    //  that to one sync per batch of messages.
    if (sqlite3_exec (self->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL)
    ||  sqlite3_exec (self->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL)) {
        status_set_error (error, "%s: %s", db_path, sqlite3_errmsg (self->db));
        goto failed;
    }
    if (s_tail_load (self, error))
        goto failed;

    if (sqlite3_prepare_v2 (self->db,
            "INSERT INTO record (" S_RECORD_COLUMNS ") VALUES"
            " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
            " ?16, ?17, ?18, ?19, ?20)",
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


//  Frees the pending records.
static void
s_batch_drop (audit_t *self)
{
    for (size_t index = 0; index < self->batch_size; index++)
        free (self->batch [index]);
    self->batch_size = 0;
}


//  --------------------------------------------------------------------------
//  Commits, closes the log and nulls *self_p; safe to call twice.

void
audit_destroy (audit_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        audit_t *self = *self_p;
        if (self->batch_size > 0 && self->insert_record) {
            size_t pending = self->batch_size;
            if (audit_commit (self))
                zsys_error ("audit: %s: %zu records lost at close", self->path,
                            pending);
        }
        s_batch_drop (self);
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
    if (self->superseded)
        return -1;
    if (self->batch_size >= AUDIT_PENDING_MAX) {
        if (!self->refusing)
            zsys_error ("audit: %s: %d records pending, refusing more until"
                        " they are committed", self->path, AUDIT_PENDING_MAX);
        self->refusing = true;
        return -1;
    }
    self->refusing = false;
    if (self->batch_size == self->batch_limit) {
        size_t limit = self->batch_limit? self->batch_limit * 2: 256;
        s_row_t **batch = (s_row_t **) realloc (self->batch, limit * sizeof (s_row_t *));
        if (!batch)
            return -1;
        self->batch = batch;
        self->batch_limit = limit;
    }
    const char *texts [S_TEXTS] = {
        record->direction, record->msgid, record->peer, record->caller,
        record->officer, record->purpose, record->item, record->key,
        record->fields, record->decision, record->agreement
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
    row->msg_time_ms = record->msg_time_ms;
    row->status = record->status;
    struct { const uint8_t *from; uint8_t *to; } digests [] = {
        { record->request_digest, row->request_digest },
        { record->response_digest, row->response_digest }
    };
    for (size_t index = 0; index < 2; index++)
        if (digests [index].from)
            memcpy (digests [index].to, digests [index].from, AUDIT_DIGEST_SIZE);
        else
            memset (digests [index].to, 0, AUDIT_DIGEST_SIZE);
    const message_head_t *peer = record->peer_head;
    bool has_peer = peer && peer->seq > 0 && peer->seq <= INT64_MAX;
    row->peer_seq = has_peer? peer->seq: 0;
    if (has_peer)
        memcpy (row->peer_head, peer->hash, AUDIT_HASH_SIZE);
    else
        memset (row->peer_head, 0, AUDIT_HASH_SIZE);

    if (s_canonical (&self->canonical, row, 2)) {
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
    sqlite3_bind_int64 (stmt, 1 + S_COL_MSG_TIME, row->msg_time_ms);
    sqlite3_bind_int64 (stmt, 1 + S_COL_STATUS, row->status);
    sqlite3_bind_int64 (stmt, 1 + S_COL_PEER_SEQ, (sqlite3_int64) row->peer_seq);
    for (int index = 0; index < S_TEXTS; index++)
        sqlite3_bind_text (stmt, 1 + s_text_column [index], row->text [index],
                           (int) row->size [index], SQLITE_STATIC);
    struct { int column; const uint8_t *blob; } blobs [] = {
        { S_COL_REQUEST_DIGEST, row->request_digest },
        { S_COL_RESPONSE_DIGEST, row->response_digest },
        { S_COL_PEER_HEAD, row->peer_head },
        { S_COL_HASH, row->hash }
    };
    for (size_t index = 0; index < sizeof (blobs) / sizeof (blobs [0]); index++)
        sqlite3_bind_blob (stmt, 1 + blobs [index].column, blobs [index].blob,
                           AUDIT_HASH_SIZE, SQLITE_STATIC);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return rc == SQLITE_DONE? 0: -1;
}

//  After a failed commit: the batch is gone, and the chain continues from
//  what the file holds (normally the last committed record; the file is
//  the judge if the failure came after the write).
static void
s_rewind (audit_t *self)
{
    s_batch_drop (self);
    self->last_seq = self->committed_seq;
    memcpy (self->head, self->committed_head, AUDIT_HASH_SIZE);
    char *error = NULL;
    if (s_tail_load (self, &error)) {
        //  Another key now signs the file (renewed meanwhile): stop writing
        if (strstr (error, "another key")) {
            self->superseded = true;
            zsys_error ("audit: %s", error);
        }
        self->last_seq = self->committed_seq;
        memcpy (self->head, self->committed_head, AUDIT_HASH_SIZE);
    }
    zstr_free (&error);
}


//  --------------------------------------------------------------------------
//  Writes the pending batch and its signed checkpoint; see audit.h.

int
audit_commit (audit_t *self)
{
    assert (self);
    if (self->batch_size == 0)
        return 0;

    uint8_t message [S_SIGN_MESSAGE_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    s_sign_message (message, 2, self->last_seq, self->head);
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

    if (self->failing)
        zsys_info ("audit: %s: writing again", self->path);
    s_batch_drop (self);
    self->committed_seq = self->last_seq;
    memcpy (self->committed_head, self->head, AUDIT_HASH_SIZE);
    self->commits++;
    self->failing = false;
    return 0;

failed:
    //  Log once per failing spell, not once per batch
    if (!self->failing)
        zsys_error ("audit: %s: cannot write %zu records (%s); their answers are"
                    " not sent", self->path, self->batch_size,
                    sqlite3_errmsg (self->db));
    self->failing = true;
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    s_rewind (self);
    return -1;
}


//  --------------------------------------------------------------------------
//  Figures and the head

size_t
audit_pending (audit_t *self)
{
    assert (self);
    return self->batch_size;
}

uint64_t
audit_count (audit_t *self)
{
    assert (self);
    return self->last_seq;
}

uint64_t
audit_commits (audit_t *self)
{
    assert (self);
    return self->commits;
}

void
audit_next (audit_t *self, message_head_t *next)
{
    assert (self);
    assert (next);
    next->seq = self->last_seq + 1;
    memcpy (next->hash, self->head, AUDIT_HASH_SIZE);
}

void
audit_head (audit_t *self, message_head_t *head)
{
    assert (self);
    assert (head);
    head->seq = self->last_seq;
    memcpy (head->hash, self->head, AUDIT_HASH_SIZE);
}


//  --------------------------------------------------------------------------
//  Records a certificate renewal; see audit.h.

int64_t
audit_renew (const char *db_path, const char *department,
             const uint8_t *old_secret, uint64_t old_serial,
             uint64_t new_serial, const uint8_t *new_public, char **error)
{
    assert (db_path && department && old_secret && new_public);
    audit_t *self = audit_new (db_path, department, old_secret, error);
    if (!self)
        return -1;
    int64_t rc = -1;
    if (new_serial == 0
    ||  sodium_memcmp (new_public, self->sign_public, AUDIT_KEY_SIZE) == 0)
        status_set_error (error, "%s: the new certificate must have a serial and a"
                          " signing key of its own", db_path);
    else {
        char serial [24];
        snprintf (serial, sizeof (serial), "%" PRIu64, new_serial);
        char decision [128];
        snprintf (decision, sizeof (decision), "renewed: certificate serial %" PRIu64
                  " replaced by serial %" PRIu64, old_serial, new_serial);
        int64_t now = zclock_time ();
        audit_record_t record = {
            .time_ms = now, .msg_time_ms = now, .direction = S_RENEWAL,
            .peer = department, .key = serial, .decision = decision,
            .request_digest = new_public, .response_digest = self->sign_public
        };
        if (audit_append (self, &record) || audit_commit (self))
            status_set_error (error, "%s: cannot write the renewal record", db_path);
        else
            rc = (int64_t) self->last_seq;
    }
    audit_destroy (&self);
    return rc;
}


//  --------------------------------------------------------------------------
//  Reading: a log opened read-only, of either format

typedef struct {
    const char *path;
    sqlite3 *db;
    int format;                         //  1 or 2
    char *department;
    uint8_t first_key [AUDIT_KEY_SIZE];
} s_reader_t;

static void
s_reader_close (s_reader_t *reader)
{
    if (reader->db && !sqlite3_get_autocommit (reader->db))
        sqlite3_exec (reader->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close (reader->db);
    reader->db = NULL;
    free (reader->department);
    reader->department = NULL;
}

//  Opens a log read-only, in one read transaction (a gateway appending
//  meanwhile cannot make two cursors see different states). 0, or
//  AUDIT_NO_FILE, AUDIT_NOT_A_LOG or AUDIT_NOT_INTACT with *report.
static int
s_reader_open (s_reader_t *reader, const char *db_path, char **report)
{
    memset (reader, 0, sizeof (*reader));
    reader->path = db_path;
    struct stat status;
    if (stat (db_path, &status)) {
        if (errno == ENOENT || errno == ENOTDIR)
            status_set_error (report, "%s: no such file", db_path);
        else
            status_set_error (report, "%s: cannot read: %s", db_path, strerror (errno));
        return AUDIT_NO_FILE;
    }
    if (!S_ISREG (status.st_mode)) {
        status_set_error (report, "%s: not a Sluice audit log (not a regular file)",
                          db_path);
        return AUDIT_NOT_A_LOG;
    }
    if (sqlite3_open_v2 (db_path, &reader->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: cannot read: %s", db_path,
                          reader->db? sqlite3_errmsg (reader->db): "out of memory");
        s_reader_close (reader);
        return AUDIT_NO_FILE;
    }
    sqlite3_busy_timeout (reader->db, S_BUSY_TIMEOUT_MS);
    int format = s_format_read (reader->db, db_path, report);
    if (format == 0) {
        status_set_error (report, "%s: not a Sluice audit log (an empty database)",
                          db_path);
        format = AUDIT_NOT_A_LOG;
    }
    if (format < 0) {
        s_reader_close (reader);
        return format;
    }
    reader->format = format;
    size_t size = 0, department_size = 0;
    uint8_t *key = s_meta_get (reader->db, "sign_public", &size);
    reader->department = (char *) s_meta_get (reader->db, "department",
                                              &department_size);
    bool whole = key && size == AUDIT_KEY_SIZE && reader->department;
    if (key && size == AUDIT_KEY_SIZE)
        memcpy (reader->first_key, key, AUDIT_KEY_SIZE);
    free (key);
    if (!whole || sqlite3_exec (reader->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: meta: the department or signing key is"
                          " missing", db_path);
        s_reader_close (reader);
        return AUDIT_NOT_INTACT;
    }
    return 0;
}

//  A statement over the reader's records, in its format's column list:
//  "SELECT <columns> FROM record " || tail.
static sqlite3_stmt *
s_reader_select (s_reader_t *reader, const char *columns_2, const char *columns_1,
                 const char *tail)
{
    char *sql = zsys_sprintf ("SELECT %s FROM record %s",
                              reader->format >= 2? columns_2: columns_1, tail);
    sqlite3_stmt *stmt = NULL;
    if (!sql || sqlite3_prepare_v2 (reader->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        stmt = NULL;
    zstr_free (&sql);
    return stmt;
}

//  True if `key` is among the trusted keys; a serial, if not 0, must match
//  a key that names one.
static bool
s_trusted (const audit_key_t *keys, size_t count, const uint8_t *key, uint64_t serial)
{
    for (size_t index = 0; index < count; index++)
        if (sodium_memcmp (keys [index].sign_public, key, AUDIT_KEY_SIZE) == 0
        &&  (serial == 0 || keys [index].serial == 0 || keys [index].serial == serial))
            return true;
    return false;
}

//  Checks the checkpoints at or before record `seq` (the chain hash there
//  is `chain`) with `key`; *signed_up_to is the last checkpoint passed.
//  0, or -1 with *report.
static int
s_checkpoints_check (s_reader_t *reader, sqlite3_stmt *checkpoints, int *checkpoint_rc,
                     int64_t seq, const uint8_t *chain, const uint8_t *key,
                     uint64_t *signed_up_to, char **report)
{
    while (*checkpoint_rc == SQLITE_ROW
       &&  sqlite3_column_int64 (checkpoints, 0) <= seq) {
        int64_t at = (int64_t) sqlite3_column_int64 (checkpoints, 0);
        const void *head = sqlite3_column_blob (checkpoints, 1);
        int head_size = sqlite3_column_bytes (checkpoints, 1);
        const void *signature = sqlite3_column_blob (checkpoints, 2);
        int signature_size = sqlite3_column_bytes (checkpoints, 2);
        if (at != seq) {
            status_set_error (report, "checkpoint at %" PRId64 ": no record there", at);
            return -1;
        }
        if (!head || head_size != AUDIT_HASH_SIZE
        ||  !signature || signature_size != crypto_sign_BYTES) {
            status_set_error (report, "checkpoint at %" PRId64 ": malformed", at);
            return -1;
        }
        if (sodium_memcmp (head, chain, AUDIT_HASH_SIZE) != 0) {
            status_set_error (report, "checkpoint at %" PRId64 ": head does not"
                              " match the chain", at);
            return -1;
        }
        uint8_t message [S_SIGN_MESSAGE_SIZE];
        s_sign_message (message, reader->format, (uint64_t) at, chain);
        if (crypto_sign_verify_detached ((const uint8_t *) signature,
                message, sizeof (message), key) != 0) {
            status_set_error (report, "checkpoint at %" PRId64 ": bad signature", at);
            return -1;
        }
        *signed_up_to = (uint64_t) at;
        *checkpoint_rc = sqlite3_step (checkpoints);
    }
    return 0;
}

//  A renewal record at `seq`, the checkpoints at it passed with `key`: it
//  must be signed by `key`, name it as the key it replaces, and move to a
//  trusted key of the serial it names, which it copies into `key`. 0, or
//  -1 with *report; *renewals (may be NULL) gets a line about it.
static int
s_renewal_check (const s_row_t *row, uint64_t signed_up_to, uint8_t *key,
                 const audit_key_t *keys, size_t key_count, char **renewals,
                 char **report)
{
    uint64_t serial = s_row_serial (row);
    if (signed_up_to != row->seq)
        status_set_error (report, "record %" PRIu64 ": a renewal not signed by the"
                          " key it replaces", row->seq);
    else
    if (sodium_memcmp (row->response_digest, key, AUDIT_KEY_SIZE) != 0)
        status_set_error (report, "record %" PRIu64 ": a renewal from a key that"
                          " did not sign the log before it", row->seq);
    else
    if (serial == 0)
        status_set_error (report, "record %" PRIu64 ": a renewal with a malformed"
                          " serial", row->seq);
    else
    if (!s_trusted (keys, key_count, row->request_digest, serial))
        status_set_error (report, "record %" PRIu64 ": renewed to certificate serial"
                          " %" PRIu64 ", which is not among the certificates given",
                          row->seq, serial);
    else {
        memcpy (key, row->request_digest, AUDIT_KEY_SIZE);
        if (renewals) {
            char *line = zsys_sprintf ("%s%srenewed at record %" PRIu64 " to"
                                       " certificate serial %" PRIu64,
                                       *renewals? *renewals: "", *renewals? "; ": "",
                                       row->seq, serial);
            zstr_free (renewals);
            *renewals = line;
        }
        return 0;
    }
    return -1;
}

//  Verifies an open log; see audit_verify.
static int64_t
s_verify (s_reader_t *reader, const audit_key_t *keys, size_t key_count,
          char **report)
{
    uint8_t key [AUDIT_KEY_SIZE];
    memcpy (key, reader->first_key, AUDIT_KEY_SIZE);
    if (!s_trusted (keys, key_count, key, 0)) {
        status_set_error (report, "meta: the log's signing key is not the key of a"
                          " certificate given");
        return AUDIT_NOT_INTACT;
    }
    int64_t result = AUDIT_NOT_INTACT;
    char *renewals = NULL;
    sqlite3_stmt *checkpoints = NULL;
    sqlite3_stmt *records = s_reader_select (reader, S_RECORD_COLUMNS,
                                             S_RECORD_COLUMNS_1, "ORDER BY seq");
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    if (!records
    ||  sqlite3_prepare_v2 (reader->db,
            "SELECT seq, head, signature FROM checkpoint ORDER BY seq",
            -1, &checkpoints, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: %s", reader->path, sqlite3_errmsg (reader->db));
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
        if (s_canonical (&canonical, &row, reader->format)) {
            status_set_error (report, "out of memory");
            goto done;
        }
        s_chain (chain, &canonical, chain);
        if (sodium_memcmp (chain, row.hash, AUDIT_HASH_SIZE) != 0) {
            status_set_error (report, "record %" PRId64 ": chain hash mismatch", seq);
            goto done;
        }
        if (s_checkpoints_check (reader, checkpoints, &checkpoint_rc, seq, chain,
                                 key, &signed_up_to, report))
            goto done;
        if (reader->format >= 2 && s_row_is_renewal (&row)
        &&  s_renewal_check (&row, signed_up_to, key, keys, key_count, &renewals,
                             report))
            goto done;
        expected++;
    }
    if (rc != SQLITE_DONE
    ||  (checkpoint_rc != SQLITE_ROW && checkpoint_rc != SQLITE_DONE)) {
        status_set_error (report, "%s: %s", reader->path, sqlite3_errmsg (reader->db));
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
    if (report)
        *report = renewals;
    renewals = NULL;

done:
    zstr_free (&renewals);
    sqlite3_finalize (records);
    sqlite3_finalize (checkpoints);
    msgpack_sbuffer_destroy (&canonical);
    return result;
}


//  --------------------------------------------------------------------------
//  Verifies a log file; see audit.h.

int64_t
audit_verify (const char *db_path, const audit_key_t *keys, size_t key_count,
              char **report)
{
    assert (db_path);
    assert (keys || key_count == 0);
    if (report)
        *report = NULL;
    s_reader_t reader;
    int rc = s_reader_open (&reader, db_path, report);
    if (rc)
        return rc;
    int64_t result = s_verify (&reader, keys, key_count, report);
    s_reader_close (&reader);
    return result;
}


//  --------------------------------------------------------------------------
//  Checks a log against a witness log; see audit.h.

//  One record of the log, as a witness record pins it.
typedef struct {
    uint8_t hash [AUDIT_HASH_SIZE];
    char direction [16];
    char msgid [64];
    char peer [AUDIT_TEXT_MAX + 1];
} s_pinned_t;

//  Reads record `seq` through stmt ("SELECT hash, direction, msgid, peer
//  FROM record WHERE seq = ?1"); record 0 is h_0. 1 if found, 0 if not, -1
//  on a read error.
static int
s_pinned_read (sqlite3_stmt *stmt, uint64_t seq, s_pinned_t *pinned)
{
    memset (pinned, 0, sizeof (*pinned));
    if (seq == 0)
        return 1;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) seq);
    int rc = sqlite3_step (stmt);
    if (rc == SQLITE_DONE)
        return 0;
    const void *hash = rc == SQLITE_ROW? sqlite3_column_blob (stmt, 0): NULL;
    if (!hash || sqlite3_column_bytes (stmt, 0) != AUDIT_HASH_SIZE)
        return -1;
    memcpy (pinned->hash, hash, AUDIT_HASH_SIZE);
    char *texts [3] = { pinned->direction, pinned->msgid, pinned->peer };
    size_t sizes [3] = {
        sizeof (pinned->direction), sizeof (pinned->msgid), sizeof (pinned->peer)
    };
    for (int index = 0; index < 3; index++) {
        const char *text = (const char *) sqlite3_column_text (stmt, 1 + index);
        snprintf (texts [index], sizes [index], "%s", text? text: "");
    }
    return 1;
}

//  Checks one witness record against the log, which holds `count` records.
//  A record the witness served keeps the log's head when it asked: the log
//  must reach record `seq` with chain hash `head`. A record the witness
//  asked keeps what the log's answer named: its own record `seq`, which
//  must be that answer, chained onto `head`. 0, or AUDIT_NOT_INTACT with
//  *report.
static int
s_witnessed (s_reader_t *log, s_reader_t *witness, sqlite3_stmt *stmt,
             int64_t count, uint64_t witness_seq, const char *direction,
             const char *msgid, uint64_t seq, const uint8_t *head, char **report)
{
    bool answer = streq (direction, "asked");
    s_pinned_t at, before;
    int found = seq <= (uint64_t) count? s_pinned_read (stmt, seq, &at): 0;
    if (found == 1 && answer)
        found = s_pinned_read (stmt, seq - 1, &before);
    if (found < 0)
        status_set_error (report, "%s: %s", log->path, sqlite3_errmsg (log->db));
    else
    if (found == 0 && answer)
        status_set_error (report, "cut back: the answer to msgid %s (witness record"
                          " %" PRIu64 ") is record %" PRIu64 " of this log, but the"
                          " log ends at record %" PRId64, msgid, witness_seq, seq, count);
    else
    if (found == 0)
        status_set_error (report, "cut back: witness record %" PRIu64 " (msgid %s)"
                          " holds this log's head at record %" PRIu64 ", but the log"
                          " ends at record %" PRId64, witness_seq, msgid, seq, count);
    else
    if (answer && (!streq (at.direction, "served") || !streq (at.msgid, msgid)
               ||  !streq (at.peer, witness->department)))
        status_set_error (report, "record %" PRIu64 ": not the answer to msgid %s"
                          " that witness record %" PRIu64 " received", seq, msgid,
                          witness_seq);
    else
    if (answer && sodium_memcmp (before.hash, head, AUDIT_HASH_SIZE) != 0)
        status_set_error (report, "record %" PRIu64 ": not the record that witness"
                          " record %" PRIu64 " (msgid %s) names before its answer",
                          seq - 1, witness_seq, msgid);
    else
    if (!answer && sodium_memcmp (at.hash, head, AUDIT_HASH_SIZE) != 0)
        status_set_error (report, "record %" PRIu64 ": not the record whose head"
                          " witness record %" PRIu64 " (msgid %s) holds", seq,
                          witness_seq, msgid);
    else
        return 0;
    return AUDIT_NOT_INTACT;
}

int64_t
audit_witness (const char *db_path, const audit_key_t *keys, size_t key_count,
               const char *witness_path, const audit_key_t *witness_keys,
               size_t witness_key_count, char **report)
{
    assert (db_path && witness_path);
    if (report)
        *report = NULL;
    s_reader_t log, witness;
    memset (&witness, 0, sizeof (witness));
    int64_t result = s_reader_open (&log, db_path, report);
    if (result)
        return result;
    int64_t count = s_verify (&log, keys, key_count, report);
    if (count < 0) {
        s_reader_close (&log);
        return count;
    }
    if (report)
        zstr_free (report);
    result = s_reader_open (&witness, witness_path, report);
    if (result == 0 && s_verify (&witness, witness_keys, witness_key_count, report) < 0) {
        char *problem = report? *report: NULL;
        if (report)
            *report = zsys_sprintf ("witness %s: %s", witness_path,
                                    problem? problem: "not intact");
        zstr_free (&problem);
        result = AUDIT_NOT_INTACT;
    }
    if (result) {
        s_reader_close (&log);
        s_reader_close (&witness);
        return result;
    }
    if (report)
        zstr_free (report);
    if (streq (log.department, witness.department)) {
        status_set_error (report, "witness %s: the same department's log, not the"
                          " other side's", witness_path);
        s_reader_close (&log);
        s_reader_close (&witness);
        return AUDIT_NOT_INTACT;
    }
    sqlite3_stmt *pinned = NULL;
    sqlite3_stmt *heads = witness.format >= 2?
        s_reader_select (&witness, "seq, direction, msgid, peer_seq, peer_head", "",
                         "WHERE peer = ?1 AND peer_seq > 0 ORDER BY seq"): NULL;
    if (sqlite3_prepare_v2 (log.db, "SELECT hash, direction, msgid, peer"
            " FROM record WHERE seq = ?1", -1, &pinned, NULL) != SQLITE_OK
    ||  (witness.format >= 2 && !heads)) {
        status_set_error (report, "cannot read the logs");
        result = AUDIT_NOT_INTACT;
    }
    int64_t witnessed = 0;
    if (heads) {
        sqlite3_bind_text (heads, 1, log.department, -1, SQLITE_STATIC);
        while (result == 0 && sqlite3_step (heads) == SQLITE_ROW) {
            const char *direction = (const char *) sqlite3_column_text (heads, 1);
            const char *msgid = (const char *) sqlite3_column_text (heads, 2);
            const void *head = sqlite3_column_blob (heads, 4);
            if (!direction || !msgid || !head
            ||  sqlite3_column_bytes (heads, 4) != AUDIT_HASH_SIZE) {
                status_set_error (report, "witness %s: unreadable record", witness_path);
                result = AUDIT_NOT_INTACT;
                break;
            }
            result = s_witnessed (&log, &witness, pinned, count,
                                  (uint64_t) sqlite3_column_int64 (heads, 0),
                                  direction, msgid,
                                  (uint64_t) sqlite3_column_int64 (heads, 3),
                                  (const uint8_t *) head, report);
            witnessed++;
        }
    }
    sqlite3_finalize (heads);
    sqlite3_finalize (pinned);
    s_reader_close (&log);
    s_reader_close (&witness);
    return result? result: witnessed;
}


//  --------------------------------------------------------------------------
//  Whether a file is an audit log this version reads; see audit.h.

int
audit_check_file (const char *db_path, char **report)
{
    assert (db_path);
    if (report)
        *report = NULL;
    s_reader_t reader;
    int rc = s_reader_open (&reader, db_path, report);
    if (rc == 0)
        s_reader_close (&reader);
    if (rc == AUDIT_NOT_INTACT && report)
        zstr_free (report);             //  an audit log: verify judges it
    return rc == AUDIT_NOT_INTACT? 0: rc;
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
    s_reader_t reader;
    int result = s_reader_open (&reader, db_path, &error);
    if (result) {
        zsys_error ("audit: %s", error);
        zstr_free (&error);
        return result;
    }
    sqlite3_stmt *stmt = s_reader_select (&reader, S_SHOW_COLUMNS, S_SHOW_COLUMNS_1,
        "WHERE seq IN (SELECT seq FROM record ORDER BY seq DESC LIMIT ?1)"
        " ORDER BY seq");
    if (!stmt) {
        zsys_error ("audit: %s: %s", db_path, sqlite3_errmsg (reader.db));
        s_reader_close (&reader);
        return AUDIT_NOT_INTACT;
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
        for (int column = 2; column < 2 + S_SHOW_TEXTS; column++) {
            fputc ('\t', out);
            s_print_value (out, sqlite3_column_text (stmt, column));
        }
        fputc ('\n', out);
        printed++;
    }
    if (rc != SQLITE_DONE) {
        zsys_error ("audit: %s: %s", db_path, sqlite3_errmsg (reader.db));
        printed = AUDIT_NOT_INTACT;
    }
    sqlite3_finalize (stmt);
    s_reader_close (&reader);
    return printed;
}


//  --------------------------------------------------------------------------
//  Ids by message time, for the replay cache; see audit.h.

int64_t
audit_each_since (audit_t *self, const char *direction, int64_t since_ms,
                  void (*fn) (const char *msgid, int64_t msg_time_ms, void *arg),
                  void *arg)
{
    assert (self && direction && fn);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT msgid, msg_time_ms FROM record WHERE direction = ?1"
            " AND msg_time_ms >= ?2 ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK)
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


//  --------------------------------------------------------------------------
//  Self-test

//  The test vectors of PROTOCOL.md section 15.6. The key is the one whose
//  seed is the bytes 0, 1, ..., 31. Format 2: records 1 and 2 and the
//  checkpoint at 2. Format 1 (read only): the first record of a log of the
//  earlier format, its chain hash and the checkpoint at 1.
#define S_TEST_CANONICAL_1 \
    "dc001301cf0000018bcfe56800cf0000018bcfe5660ca6736572766564d92030" \
    "30303030303030303030303030303030303030303030303030303030303030ad" \
    "7075646f6e672d6d61726b6574a0a777616e672e6c69ad6c6963656e73652d63" \
    "6865636bb2656e74657270726973652d6c6963656e7365b23931333130313135" \
    "4d41314b334254503242ab6e616d652c73746174757300a76772616e746564ac" \
    "6167722d323032342d303031c420111111111111111111111111111111111111" \
    "1111111111111111111111111111c42022222222222222222222222222222222" \
    "2222222222222222222222222222222207c42033333333333333333333333333" \
    "33333333333333333333333333333333333333"
#define S_TEST_HASH_1 \
    "435c4bbba102a59de9f5f70f71174f417ffb970f9261577dc42871d57c847755"
#define S_TEST_CANONICAL_2 \
    "dc001302cf0000018bcfe568facf0000018bcfe568c8a561736b6564d9203030" \
    "303030303030303030303030303030303030303030303030303030303031ad70" \
    "75646f6e672d6d61726b6574b077616e672e6c69407461782d686f7374a77761" \
    "6e672e6c69ad6c6963656e73652d636865636bb2656e74657270726973652d6c" \
    "6963656e7365b239312a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2aab6e616d652c73" \
    "746174757300a8616e737765726564ac6167722d323032342d303031c4200000" \
    "000000000000000000000000000000000000000000000000000000000000c420" \
    "0000000000000000000000000000000000000000000000000000000000000000" \
    "00c4200000000000000000000000000000000000000000000000000000000000" \
    "000000"
#define S_TEST_HASH_2 \
    "a22383b13aa60e19f615ea855d1b19362bdacff71c580a38acbfb4a2d7f5d5af"
#define S_TEST_SIGNATURE \
    "91b59898a23d3546cecb22ebfe022c5db5e210228465f3cf0469a0d5bec48bf4" \
    "ee56caec8ce8b5cd705b1ee0e9349235a36ee39a0a94561a4616b95a1b61620e"
#define S_TEST_V1_CANONICAL \
    "9f01cf0000018bcfe56800a6736572766564d920303030303030303030303030" \
    "3030303030303030303030303030303030303030ad7075646f6e672d6d61726b" \
    "6574a777616e672e6c69ad6c6963656e73652d636865636bb2656e7465727072" \
    "6973652d6c6963656e7365b239313331303131354d41314b334254503242ab6e" \
    "616d652c73746174757300a76772616e746564ac6167722d323032342d303031" \
    "c420111111111111111111111111111111111111111111111111111111111111" \
    "1111c42022222222222222222222222222222222222222222222222222222222" \
    "22222222"
#define S_TEST_V1_HASH \
    "41e6ae4a84f5bdacccc34a5fdd12469837a7ca990b6b8d1a6ea9d8b4d0e3623a"
#define S_TEST_V1_SIGNATURE \
    "295997dd5ab2f14bdb36f2af9a2b306f5daa46ad7dee5ac2e5dd5ea731e166a0" \
    "42f3bf407c7b1e40c4e10ac55ced244db6eb8da3c8f313a7217b7ce5a7d02f00"

//  A plausible record; `number` varies it
static audit_record_t
s_test_record (int number, char *msgid)
{
    snprintf (msgid, 33, "%032x", number);
    audit_record_t record = {
        .time_ms = 1700000000000 + number,
        .msg_time_ms = 1700000000000 + number - 5,
        .direction = number % 2? "asked": "served",
        .msgid = msgid,
        .peer = "pudong-market",
        .caller = number % 2? "wangli": "",
        .officer = "wang.li",
        .purpose = "license-check",
        .item = "enterprise-license",
        .key = "91310115MA1K3BTP2B",
        .fields = "name,status",
        .status = 0,
        .decision = "granted",
        .agreement = "agr-2024-001",
        .request_digest = NULL,
        .response_digest = NULL,
        .peer_head = NULL
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

//  Copies a closed log (a log no gateway holds open has no WAL file)
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

static void
s_test_sql (const char *path, const char *sql)
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

//  Copies the clean log to `copy`, applies raw SQL to the copy (triggers
//  dropped first, as a tamperer would), then verifies it and checks that
//  the result is `code` and the report starts with `expected`.
static void
s_test_tamper_code (const char *clean, const char *copy, const audit_key_t *keys,
                    size_t key_count, const char *sql, int64_t code,
                    const char *expected, bool verbose)
{
    s_test_copy (clean, copy);
    s_test_sql (copy, sql);
    char *report = NULL;
    assert (audit_verify (copy, keys, key_count, &report) == code);
    assert (report);
    if (verbose)
        printf ("\n    tampered: %s", report);
    if (strncmp (report, expected, strlen (expected)) != 0)
        printf ("expected '%s', got '%s'\n", expected, report);
    assert (strncmp (report, expected, strlen (expected)) == 0);
    zstr_free (&report);
    s_test_remove (copy);
}

static void
s_test_tamper (const char *clean, const char *copy, const audit_key_t *key,
               const char *sql, const char *expected, bool verbose)
{
    s_test_tamper_code (clean, copy, key, 1, sql, AUDIT_NOT_INTACT, expected, verbose);
}

//  Rewrites every stored hash to match the (edited) records, as a tamperer
//  without the signing key could; used to show that the checkpoints still
//  catch the edit.
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
        assert (s_canonical (&canonical, &row, 2) == 0);
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

//  A log of the earlier format sluice-audit-1, as a gateway before this
//  version wrote it: `count` records, one checkpoint at the end.
static void
s_test_make_v1 (const char *path, const uint8_t *secret, const uint8_t *public_key,
                int count)
{
    s_test_remove (path);
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
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    uint8_t zeros [AUDIT_DIGEST_SIZE] = { 0 };
    for (int number = 1; number <= count; number++) {
        char msgid [33];
        audit_record_t record = s_test_record (number, msgid);
        const char *texts [S_TEXTS] = {
            record.direction, record.msgid, record.peer, "", record.officer,
            record.purpose, record.item, record.key, record.fields,
            record.decision, record.agreement
        };
        s_row_t row;
        memset (&row, 0, sizeof (row));
        row.seq = (uint64_t) number;
        row.time_ms = record.time_ms;
        for (int index = 0; index < S_TEXTS; index++) {
            row.text [index] = texts [index];
            row.size [index] = strlen (texts [index]);
        }
        assert (s_canonical (&canonical, &row, 1) == 0);
        s_chain (chain, &canonical, chain);
        sqlite3_bind_int64 (insert, 1, number);
        sqlite3_bind_int64 (insert, 2, record.time_ms);
        int column = 3;
        for (int index = 0; index < S_TEXTS; index++) {
            if (index == S_CALLER)
                continue;
            if (index == S_DECISION)
                sqlite3_bind_int64 (insert, column++, 0);
            sqlite3_bind_text (insert, column++, texts [index], -1, SQLITE_STATIC);
        }
        sqlite3_bind_blob (insert, column++, zeros, AUDIT_DIGEST_SIZE, SQLITE_STATIC);
        sqlite3_bind_blob (insert, column++, zeros, AUDIT_DIGEST_SIZE, SQLITE_STATIC);
        sqlite3_bind_blob (insert, column++, chain, AUDIT_HASH_SIZE, SQLITE_STATIC);
        assert (sqlite3_step (insert) == SQLITE_DONE);
        sqlite3_reset (insert);
    }
    sqlite3_finalize (insert);
    msgpack_sbuffer_destroy (&canonical);
    uint8_t message [S_SIGN_MESSAGE_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    s_sign_message (message, 1, (uint64_t) count, chain);
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

//  One exchange between a requester's log and a provider's, as the two
//  gateways make it: the QUERY carries the requester's head, the provider's
//  served record keeps it; the answer names the provider's record of it and
//  the hash that record chains onto, the requester's asked record keeps
//  that. Both commit.
static void
s_test_exchange (audit_t *requester, audit_t *provider, int number)
{
    char msgid [33];
    message_head_t query_head, answer_head;
    audit_head (requester, &query_head);
    audit_next (provider, &answer_head);
    audit_record_t served = s_test_record (number, msgid);
    served.direction = "served";
    served.peer = "pudong-tax";
    served.caller = "";
    served.peer_head = &query_head;
    assert (audit_append (provider, &served) == 0);
    assert (audit_commit (provider) == 0);
    audit_record_t asked = s_test_record (number, msgid);
    asked.direction = "asked";
    asked.peer = "pudong-market";
    asked.peer_head = &answer_head;
    assert (audit_append (requester, &asked) == 0);
    assert (audit_commit (requester) == 0);
}

//  A certificate key for the tests: seed byte `fill` repeated
static void
s_test_key (uint8_t fill, uint64_t serial, uint8_t *secret, audit_key_t *key)
{
    uint8_t seed [crypto_sign_SEEDBYTES];
    memset (seed, fill, sizeof (seed));
    crypto_sign_seed_keypair (key->sign_public, secret, seed);
    key->serial = serial;
}

//  Checks that audit_witness finds the log not intact, with a report that
//  contains `expected`
static void
s_test_witness_fails (const char *log, const audit_key_t *key, const char *witness,
                      const audit_key_t *witness_key, const char *expected,
                      bool verbose)
{
    char *report = NULL;
    assert (audit_witness (log, key, 1, witness, witness_key, 1, &report)
            == AUDIT_NOT_INTACT);
    if (verbose)
        printf ("\n    witnessed: %s", report);
    if (!report || !strstr (report, expected))
        printf ("expected '%s', got '%s'\n", expected, report);
    assert (report && strstr (report, expected));
    zstr_free (&report);
}

//  Appends and commits records `first` .. `last` of s_test_record
static void
s_test_fill (audit_t *audit, int first, int last)
{
    char msgid [33];
    for (int number = first; number <= last; number++) {
        audit_record_t record = s_test_record (number, msgid);
        assert (audit_append (audit, &record) == 0);
    }
    assert (audit_commit (audit) == 0);
}

static int64_t s_test_remembered;

static void
s_test_each (const char *msgid, int64_t msg_time_ms, void *arg)
{
    assert (msgid && strlen (msgid) == 32);
    assert (msg_time_ms >= *(int64_t *) arg);
    s_test_remembered++;
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

    uint8_t sign_secret [crypto_sign_SECRETKEYBYTES];
    audit_key_t key;
    uint8_t seed [crypto_sign_SEEDBYTES];
    for (size_t index = 0; index < crypto_sign_SEEDBYTES; index++)
        seed [index] = (uint8_t) index;
    crypto_sign_seed_keypair (key.sign_public, sign_secret, seed);
    key.serial = 0;
    uint8_t wrong_secret [crypto_sign_SECRETKEYBYTES];
    audit_key_t wrong;
    s_test_key (0x77, 0, wrong_secret, &wrong);

    char msgid [33];
    char *error = NULL;
    char *report = NULL;

    //  Test vectors (PROTOCOL.md 15.6): records 1 and 2 of a log
    {
        uint8_t request_digest [AUDIT_DIGEST_SIZE];
        uint8_t response_digest [AUDIT_DIGEST_SIZE];
        memset (request_digest, 0x11, sizeof (request_digest));
        memset (response_digest, 0x22, sizeof (response_digest));
        message_head_t peer_head = { 7, { 0 } };
        memset (peer_head.hash, 0x33, sizeof (peer_head.hash));
        audit_record_t first = s_test_record (0, msgid);
        first.time_ms = 1700000000000;
        first.msg_time_ms = 1699999999500;
        first.request_digest = request_digest;
        first.response_digest = response_digest;
        first.peer_head = &peer_head;
        char msgid_2 [33];
        audit_record_t second = s_test_record (1, msgid_2);
        second.time_ms = 1700000000250;
        second.msg_time_ms = 1700000000200;
        second.caller = "wang.li@tax-host";
        second.peer = "pudong-market";
        second.key = "91****************";
        second.decision = "answered";

        audit_t *audit = audit_new (path, "pudong-tax", sign_secret, &error);
        assert (audit);
        message_head_t head;
        audit_head (audit, &head);
        assert (head.seq == 0);
        assert (audit_append (audit, &first) == 0);
        char *canonical_1 = s_test_hex ((const uint8_t *) audit->canonical.data,
                                        audit->canonical.size);
        assert (audit_append (audit, &second) == 0);
        char *canonical_2 = s_test_hex ((const uint8_t *) audit->canonical.data,
                                        audit->canonical.size);
        char *hash_1 = s_test_hex (audit->batch [0]->hash, AUDIT_HASH_SIZE);
        char *hash_2 = s_test_hex (audit->batch [1]->hash, AUDIT_HASH_SIZE);
        audit_head (audit, &head);
        assert (head.seq == 2);
        assert (memcmp (head.hash, audit->batch [1]->hash, AUDIT_HASH_SIZE) == 0);
        uint8_t message [S_SIGN_MESSAGE_SIZE];
        uint8_t signature [crypto_sign_BYTES];
        s_sign_message (message, 2, 2, audit->batch [1]->hash);
        crypto_sign_detached (signature, NULL, message, sizeof (message), sign_secret);
        char *signature_hex = s_test_hex (signature, sizeof (signature));
        if (getenv ("SLUICE_AUDIT_VECTOR"))
            printf ("\ncanonical_1 %s\nh_1 %s\ncanonical_2 %s\nh_2 %s\nsignature %s\n",
                    canonical_1, hash_1, canonical_2, hash_2, signature_hex);
        fflush (stdout);
        assert (streq (canonical_1, S_TEST_CANONICAL_1));
        assert (streq (hash_1, S_TEST_HASH_1));
        assert (streq (canonical_2, S_TEST_CANONICAL_2));
        assert (streq (hash_2, S_TEST_HASH_2));
        assert (streq (signature_hex, S_TEST_SIGNATURE));
        free (canonical_1);
        free (canonical_2);
        free (hash_1);
        free (hash_2);
        free (signature_hex);
        assert (audit_commit (audit) == 0);
        assert (audit_commits (audit) == 1);
        audit_destroy (&audit);
        int64_t verified = audit_verify (path, &key, 1, &report);
        if (verified != 2)
            printf ("verify: %d %s\n", (int) verified, report), fflush (stdout);
        assert (verified == 2);
        assert (report == NULL);
        s_test_remove (path);
    }
    //  The format 1 vector still holds, and a format 1 log still verifies
    {
        s_row_t row;
        memset (&row, 0, sizeof (row));
        audit_record_t record = s_test_record (0, msgid);
        const char *texts [S_TEXTS] = {
            "served", record.msgid, record.peer, "", record.officer,
            record.purpose, record.item, record.key, record.fields,
            record.decision, record.agreement
        };
        for (int index = 0; index < S_TEXTS; index++) {
            row.text [index] = texts [index];
            row.size [index] = strlen (texts [index]);
        }
        row.seq = 1;
        row.time_ms = 1700000000000;
        memset (row.request_digest, 0x11, AUDIT_DIGEST_SIZE);
        memset (row.response_digest, 0x22, AUDIT_DIGEST_SIZE);
        msgpack_sbuffer canonical;
        msgpack_sbuffer_init (&canonical);
        assert (s_canonical (&canonical, &row, 1) == 0);
        uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
        s_chain (chain, &canonical, chain);
        uint8_t message [S_SIGN_MESSAGE_SIZE];
        uint8_t signature [crypto_sign_BYTES];
        s_sign_message (message, 1, 1, chain);
        crypto_sign_detached (signature, NULL, message, sizeof (message), sign_secret);
        char *hex [3] = {
            s_test_hex ((const uint8_t *) canonical.data, canonical.size),
            s_test_hex (chain, AUDIT_HASH_SIZE),
            s_test_hex (signature, sizeof (signature))
        };
        assert (streq (hex [0], S_TEST_V1_CANONICAL));
        assert (streq (hex [1], S_TEST_V1_HASH));
        assert (streq (hex [2], S_TEST_V1_SIGNATURE));
        for (int index = 0; index < 3; index++)
            free (hex [index]);
        msgpack_sbuffer_destroy (&canonical);

        s_test_make_v1 (path, sign_secret, key.sign_public, 4);
        assert (audit_check_file (path, &report) == 0);
        assert (report == NULL);
        assert (audit_verify (path, &key, 1, &report) == 4);
        assert (report == NULL);
        FILE *sink = fopen ("/dev/null", "w");
        assert (audit_print (path, sink, 0) == 4);
        fclose (sink);
        //  ... but the gateway does not continue it: it says what to do
        assert (audit_new (path, "pudong-tax", sign_secret, &error) == NULL);
        assert (error && strstr (error, "earlier format sluice-audit-1")
                      && strstr (error, "move it aside"));
        zstr_free (&error);
        s_test_tamper (path, copy, &key, "UPDATE record SET officer = 'x' WHERE seq = 2",
                       "record 2: chain hash mismatch", verbose);
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

    //  Append, commit, append more, close (commits), reopen, continue
    audit_t *audit = audit_new (path, "pudong-tax", sign_secret, &error);
    assert (audit);
    assert (error == NULL);
    assert (audit_count (audit) == 0);
    assert (audit_commit (audit) == 0);         //  nothing pending: no-op
    assert (audit_commits (audit) == 0);
    s_test_fill (audit, 1, 3);
    assert (audit_count (audit) == 3);
    assert (audit_pending (audit) == 0);
    assert (audit_commits (audit) == 1);
    assert (audit_verify (path, &key, 1, &report) == 3);   //  while open
    for (int number = 4; number <= 5; number++) {
        audit_record_t record = s_test_record (number, msgid);
        assert (audit_append (audit, &record) == 0);
    }
    audit_destroy (&audit);
    audit_destroy (&audit);                     //  safe twice
    assert (audit == NULL);
    assert (audit_verify (path, &key, 1, &report) == 5);
    assert (report == NULL);

    //  Another department or another key cannot continue this log
    assert (audit_new (path, "pudong-market", sign_secret, &error) == NULL);
    assert (error && strstr (error, "another department"));
    zstr_free (&error);
    assert (audit_new (path, "pudong-tax", wrong_secret, &error) == NULL);
    assert (error && strstr (error, "another key") && strstr (error, "audit renew"));
    zstr_free (&error);

    audit = audit_new (path, "pudong-tax", sign_secret, &error);
    assert (audit);
    assert (audit_count (audit) == 5);
    message_head_t reopened;
    audit_head (audit, &reopened);
    assert (reopened.seq == 5);
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
        assert (audit->batch [0]->peer_seq == 0);
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
    assert (audit_commit (audit) == 0);

    //  A disk that refuses (here: another writer holds the lock): the batch
    //  is dropped, the chain goes back to what the file holds, and the
    //  next batch continues it whole
    {
        sqlite3 *blocker = NULL;
        assert (sqlite3_open (path, &blocker) == SQLITE_OK);
        assert (sqlite3_exec (blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_busy_timeout (audit->db, 0);
        message_head_t before, after;
        audit_head (audit, &before);
        audit_record_t record = s_test_record (8, msgid);
        assert (audit_append (audit, &record) == 0);
        assert (audit_count (audit) == 8);
        assert (audit_commit (audit) == -1);
        assert (audit_pending (audit) == 0);
        assert (audit_count (audit) == 7);
        audit_head (audit, &after);
        assert (memcmp (&before, &after, sizeof (before)) == 0);
        assert (audit_append (audit, &record) == 0);
        assert (audit_commit (audit) == -1);    //  logged once only
        assert (sqlite3_exec (blocker, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (blocker);
        record = s_test_record (8, msgid);
        assert (audit_append (audit, &record) == 0);
        record = s_test_record (9, msgid);
        assert (audit_append (audit, &record) == 0);
        assert (audit_commit (audit) == 0);
        assert (audit_pending (audit) == 0);
        assert (audit_count (audit) == 9);
        sqlite3_busy_timeout (audit->db, S_WRITE_BUSY_MS);
    }
    //  The triggers refuse casual edits through SQLite
    assert (sqlite3_exec (audit->db, "UPDATE record SET officer = 'x' WHERE seq = 1",
                          NULL, NULL, NULL) != SQLITE_OK);
    assert (sqlite3_exec (audit->db, "DELETE FROM checkpoint",
                          NULL, NULL, NULL) != SQLITE_OK);
    //  Ids by message time, for the replay cache
    {
        //  Message times are time - 5 ms: records 5, 7, 8, 9 from `since`
        //  on, and of those only 8 is served (record 6 has no message time)
        int64_t since = 1700000000000;
        s_test_remembered = 0;
        assert (audit_each_since (audit, "served", since, s_test_each, &since) == 1);
        assert (s_test_remembered == 1);
        assert (audit_each_since (audit, "asked", 0, s_test_each, &(int64_t) { 0 }) == 5);
    }
    audit_destroy (&audit);
    assert (audit_verify (path, &key, 1, &report) == 9);
    assert (report == NULL);

    //  Display: the caller of the asking side is shown
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
                              "wangli\twang.li\tline\\nbreak\\x1b[31m 税务登记 \\u009b\\xff\t"));
        assert (!strstr (text, "\t6\t") && strncmp (text, "7\t", 2) == 0);
        assert (strstr (text, "8\t2023-11-14T22:13:20.008Z\tserved\tpudong-market\t-\t"));
        free (text);
        FILE *sink = fopen ("/dev/null", "w");
        assert (audit_print (path, sink, 0) == 9);
        assert (audit_print (other, sink, 0) == AUDIT_NO_FILE);
        fclose (sink);
    }

    //  Tampering, deletion, reordering, forgery: SQL on a copy, and the
    //  report it must get
    const char *tampers [][2] = {
        { "UPDATE record SET officer = 'zhang.san' WHERE seq = 4",
          "record 4: chain hash mismatch" },
        { "UPDATE record SET caller = 'someone' WHERE seq = 3",
          "record 3: chain hash mismatch" },
        { "UPDATE record SET msg_time_ms = msg_time_ms + 60000 WHERE seq = 3",
          "record 3: chain hash mismatch" },
        { "UPDATE record SET status = 'zero' WHERE seq = 2",     //  stays text
          "record 2: malformed (status" },
        { "UPDATE record SET peer_head = x'00' WHERE seq = 2",
          "record 2: malformed (peer_head" },
        { "DELETE FROM record WHERE seq = 4", "record 4: missing" },
        { "DELETE FROM record WHERE seq = 1", "record 1: missing" },
        { "DELETE FROM record WHERE seq = 9",
          "checkpoint at 9: beyond the last record (8)" },
        //  Reordering: swap the contents of records 2 and 3 (hashes included)
        { "UPDATE record SET seq = -3 WHERE seq = 3;"
          "UPDATE record SET seq = 3 WHERE seq = 2;"
          "UPDATE record SET seq = 2 WHERE seq = -3;",
          "record 2: chain hash mismatch" },
        { "UPDATE checkpoint SET signature = randomblob (64) WHERE seq = 7",
          "checkpoint at 7: bad signature" },
        { "UPDATE checkpoint SET signature = x'00' WHERE seq = 7",
          "checkpoint at 7: malformed" },
        { "INSERT INTO checkpoint VALUES (2, randomblob (32), randomblob (64), 0)",
          "checkpoint at 2: head does not match" },
        { "INSERT INTO checkpoint VALUES (0, randomblob (32), randomblob (64), 0)",
          "checkpoint at 0: no record there" },
        //  Records added after the last checkpoint, even correctly chained
        { "INSERT INTO record SELECT 10, time_ms, msg_time_ms, direction, msgid, peer,"
          " caller, officer, purpose, item, key, fields, status, decision, agreement,"
          " request_digest, response_digest, peer_seq, peer_head, hash"
          " FROM record WHERE seq = 9",
          "record 10: chain hash mismatch" }
    };
    for (size_t index = 0; index < sizeof (tampers) / sizeof (tampers [0]); index++)
        s_test_tamper (path, copy, &key, tampers [index][0], tampers [index][1], verbose);
    //  An edit with every later hash recomputed: only a checkpoint catches it
    s_test_copy (path, other);
    {
        s_test_sql (other, "UPDATE record SET fields = 'name,status,address' WHERE seq = 4");
        s_test_rechain (other);
        s_test_tamper (other, copy, &key, "SELECT 1",
            "checkpoint at 5: head does not match the chain", verbose);
        //  ... and replacing the checkpoint's head then fails its signature
        s_test_tamper (other, copy, &key,
            "UPDATE checkpoint SET head = (SELECT hash FROM record"
            " WHERE seq = 5) WHERE seq = 5",
            "checkpoint at 5: bad signature", verbose);
        s_test_remove (other);
    }
    s_test_copy (path, other);
    {
        //  ... a correctly chained unsigned record: written by audit code
        //  with a checkpoint, which the tamperer then deletes
        audit = audit_new (other, "pudong-tax", sign_secret, &error);
        assert (audit);
        audit_record_t record = s_test_record (10, msgid);
        assert (audit_append (audit, &record) == 0);
        audit_destroy (&audit);
        s_test_tamper (other, copy, &key,
            "DELETE FROM checkpoint WHERE seq = 10",
            "record 10: not covered by a signed checkpoint", verbose);
        s_test_remove (other);
    }
    //  A damaged tail stops the gateway from continuing the chain
    s_test_copy (path, other);
    {
        s_test_sql (other, "UPDATE record SET key = 'x' WHERE seq = 9");
        assert (audit_new (other, "pudong-tax", sign_secret, &error) == NULL);
        assert (error && strstr (error, "last record is damaged"));
        zstr_free (&error);
        s_test_remove (other);
    }

    //  Files that are not audit logs, or not there, say so
    assert (audit_verify (path, &wrong, 1, &report) == AUDIT_NOT_INTACT);
    assert (report && strstr (report, "signing key"));
    zstr_free (&report);
    assert (audit_verify (other, &key, 1, &report) == AUDIT_NO_FILE);
    assert (report && strstr (report, "no such file"));
    zstr_free (&report);
    assert (!zsys_file_exists (other));         //  and verify does not create it
    assert (audit_verify (other, &key, 1, NULL) == AUDIT_NO_FILE);  //  report optional
    assert (audit_check_file (other, &report) == AUDIT_NO_FILE);
    zstr_free (&report);
    assert (audit_verify (dir, &key, 1, &report) == AUDIT_NOT_A_LOG);
    assert (report && strstr (report, "not a regular file"));
    zstr_free (&report);
    s_test_tamper_code (path, copy, &key, 1,
        "UPDATE meta SET value = 'sluice-audit-9' WHERE name = 'format'",
        AUDIT_NOT_A_LOG, copy, verbose);    //  "PATH: an audit log of format ..."
    s_test_tamper_code (path, copy, &key, 1,
        "DELETE FROM meta WHERE name = 'sign_public'",
        AUDIT_NOT_INTACT, copy, verbose);   //  "PATH: meta: ... missing"
    {
        FILE *junk = fopen (other, "wb");
        assert (junk);
        for (int index = 0; index < 4096; index++)
            fputc (index * 7, junk);
        fclose (junk);
        assert (audit_verify (other, &key, 1, &report) == AUDIT_NOT_A_LOG);
        assert (report && strstr (report, "not a SQLite database"));
        zstr_free (&report);
        assert (audit_check_file (other, &report) == AUDIT_NOT_A_LOG);
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
        assert (error && strstr (error, "not a Sluice audit log"));
        zstr_free (&error);
        assert (audit_verify (other, &key, 1, &report) == AUDIT_NOT_A_LOG);
        assert (report && strstr (report, "not a Sluice audit log"));
        zstr_free (&report);
        s_test_remove (other);
    }

    //  A renewal: the chain goes on with the new key, verified across
    {
        uint8_t old_secret [crypto_sign_SECRETKEYBYTES];
        uint8_t new_secret [crypto_sign_SECRETKEYBYTES];
        uint8_t third_secret [crypto_sign_SECRETKEYBYTES];
        audit_key_t keys [3];
        s_test_key (0xA1, 1001, old_secret, &keys [0]);
        s_test_key (0xB2, 1002, new_secret, &keys [1]);
        s_test_key (0xC3, 1003, third_secret, &keys [2]);
        s_test_remove (other);
        audit = audit_new (other, "pudong-tax", old_secret, &error);
        assert (audit);
        s_test_fill (audit, 1, 3);
        audit_destroy (&audit);
        //  Not to the same key, and not while another key signs the log
        assert (audit_renew (other, "pudong-tax", old_secret, 1001, 1001,
                             keys [0].sign_public, &error) == -1);
        assert (error && strstr (error, "signing key of its own"));
        zstr_free (&error);
        assert (audit_renew (other, "pudong-tax", new_secret, 1002, 1003,
                             keys [2].sign_public, &error) == -1);
        assert (error && strstr (error, "another key"));
        zstr_free (&error);
        assert (audit_renew (other, "pudong-tax", old_secret, 1001, 1002,
                             keys [1].sign_public, &error) == 4);
        //  The old key can no longer continue it; the new one can
        assert (audit_new (other, "pudong-tax", old_secret, &error) == NULL);
        assert (error && strstr (error, "another key"));
        zstr_free (&error);
        audit = audit_new (other, "pudong-tax", new_secret, &error);
        assert (audit);
        assert (audit_count (audit) == 4);
        s_test_fill (audit, 5, 6);
        audit_destroy (&audit);
        assert (audit_verify (other, keys, 2, &report) == 6);
        assert (report && streq (report, "renewed at record 4 to certificate serial 1002"));
        zstr_free (&report);
        assert (audit_verify (other, keys, 3, &report) == 6);
        zstr_free (&report);
        //  Both certificates are needed, and the serial must be the one named
        assert (audit_verify (other, keys, 1, &report) == AUDIT_NOT_INTACT);
        assert (report && strstr (report, "record 4: renewed to certificate serial 1002,"
                                          " which is not among"));
        zstr_free (&report);
        assert (audit_verify (other, keys + 1, 1, &report) == AUDIT_NOT_INTACT);
        assert (report && strstr (report, "meta: the log's signing key"));
        zstr_free (&report);
        audit_key_t misnamed [2] = { keys [0], keys [1] };
        misnamed [1].serial = 1003;
        assert (audit_verify (other, misnamed, 2, &report) == AUDIT_NOT_INTACT);
        zstr_free (&report);
        //  A renewal that the key it replaces did not sign: the holder of a
        //  third key appends one, chained, with a checkpoint of its own
        s_test_copy (other, copy);
        {
            audit_t *forger = audit_new (copy, "pudong-tax", new_secret, &error);
            assert (forger);
            memcpy (forger->sign_secret, third_secret, crypto_sign_SECRETKEYBYTES);
            audit_record_t renewal = {
                .time_ms = 1, .direction = S_RENEWAL, .peer = "pudong-tax",
                .key = "1003", .request_digest = keys [2].sign_public,
                .response_digest = keys [1].sign_public
            };
            assert (audit_append (forger, &renewal) == 0);
            assert (audit_commit (forger) == 0);
            audit_destroy (&forger);
            assert (audit_verify (copy, keys, 3, &report) == AUDIT_NOT_INTACT);
            assert (report && streq (report, "checkpoint at 7: bad signature"));
            zstr_free (&report);
            s_test_remove (copy);
        }
        //  Editing the renewal's new key (chain rebuilt) breaks the old
        //  key's checkpoint over it
        s_test_copy (other, copy);
        s_test_sql (copy, "UPDATE record SET request_digest = (SELECT value FROM meta"
                          " WHERE name = 'sign_public') WHERE seq = 4");
        s_test_rechain (copy);
        assert (audit_verify (copy, keys, 3, &report) == AUDIT_NOT_INTACT);
        assert (report && streq (report, "checkpoint at 4: head does not match the chain"));
        zstr_free (&report);
        s_test_remove (copy);
        s_test_remove (other);
    }

    //  Each side's log witnesses the other's
    {
        char *tax_path = zsys_sprintf ("%s/tax.db", dir);
        char *market_path = zsys_sprintf ("%s/market.db", dir);
        char *cut_path = zsys_sprintf ("%s/cut.db", dir);
        uint8_t tax_secret [crypto_sign_SECRETKEYBYTES];
        uint8_t market_secret [crypto_sign_SECRETKEYBYTES];
        audit_key_t tax_key, market_key;
        s_test_key (0x51, 0, tax_secret, &tax_key);
        s_test_key (0x52, 0, market_secret, &market_key);
        s_test_remove (tax_path);
        s_test_remove (market_path);
        audit_t *tax = audit_new (tax_path, "pudong-tax", tax_secret, &error);
        audit_t *market = audit_new (market_path, "pudong-market", market_secret, &error);
        assert (tax && market);
        for (int number = 1; number <= 3; number++)
            s_test_exchange (tax, market, number);
        audit_destroy (&tax);
        audit_destroy (&market);
        char *tax_cut = zsys_sprintf ("%s/tax-3.db", dir);
        char *market_cut = zsys_sprintf ("%s/market-3.db", dir);
        s_test_copy (tax_path, tax_cut);         //  each log as it was then
        s_test_copy (market_path, market_cut);
        tax = audit_new (tax_path, "pudong-tax", tax_secret, &error);
        market = audit_new (market_path, "pudong-market", market_secret, &error);
        assert (tax && market);
        for (int number = 4; number <= 6; number++)
            s_test_exchange (tax, market, number);
        audit_destroy (&tax);
        audit_destroy (&market);

        //  The whole logs agree, both ways (the first query came from an
        //  empty log, which has no head to name)
        assert (audit_witness (market_path, &market_key, 1, tax_path, &tax_key, 1,
                               &report) == 6);
        assert (report == NULL);
        assert (audit_witness (tax_path, &tax_key, 1, market_path, &market_key, 1,
                               &report) == 5);
        assert (report == NULL);
        //  A log cut back to an earlier checkpoint verifies alone, but not
        //  against the other side's
        assert (audit_verify (market_cut, &market_key, 1, &report) == 3);
        s_test_witness_fails (market_cut, &market_key, tax_path, &tax_key,
                              "cut back: the answer to msgid"
                              " 00000000000000000000000000000004"
                              " (witness record 4) is record 4", verbose);
        assert (audit_verify (tax_cut, &tax_key, 1, &report) == 3);
        s_test_witness_fails (tax_cut, &tax_key, market_path, &market_key,
                              "cut back: witness record 5 (msgid", verbose);
        //  ... also when the cut log was continued with other records
        s_test_copy (market_cut, cut_path);
        market = audit_new (cut_path, "pudong-market", market_secret, &error);
        assert (market);
        s_test_fill (market, 10, 14);
        audit_destroy (&market);
        assert (audit_verify (cut_path, &market_key, 1, &report) == 8);
        s_test_witness_fails (cut_path, &market_key, tax_path, &tax_key,
                              "record 4: not the answer to msgid", verbose);
        //  A witness that fails, a missing one, one of the same department
        s_test_witness_fails (market_path, &market_key, tax_path, &market_key,
                              "witness ", verbose);
        assert (audit_witness (market_path, &market_key, 1, other, &tax_key, 1,
                               &report) == AUDIT_NO_FILE);
        zstr_free (&report);
        s_test_witness_fails (market_path, &market_key, market_cut, &market_key,
                              "the same department", verbose);
        assert (audit_witness (market_path, &market_key, 1, tax_path, &tax_key, 1,
                               NULL) == 6);
        const char *paths [] = { tax_path, market_path, cut_path, tax_cut, market_cut };
        for (size_t index = 0; index < 5; index++)
            s_test_remove (paths [index]);
        zstr_free (&tax_path);
        zstr_free (&market_path);
        zstr_free (&cut_path);
        zstr_free (&tax_cut);
        zstr_free (&market_cut);
    }

    //  Throughput: 10,000 appends with a durable commit every 256
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
            if (audit_pending (audit) >= 256)
                assert (audit_commit (audit) == 0);
        }
        audit_destroy (&audit);
        int64_t appended = zclock_mono ();
        assert (audit_verify (path, &key, 1, &report) == 10009);
        int64_t verified = zclock_mono ();
        if (verbose)
            printf ("\n    10,000 appends + commits: %d ms, verify: %d ms\n   ",
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
