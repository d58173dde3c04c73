/*  auditverify.c -- verifying an audit log, and witnessing it.

    One pass over the records in order, beside one pass over the
    checkpoints: each record's chain hash is recomputed from the one before
    it, and each checkpoint is checked at the record it names, with the key
    of the segment that record is in (a renewal record hands the chain to
    the next key once a checkpoint of the old key covers it).
*/

#include "auditverify.h"
#include "status.h"
#include "statedb.h"
#include "audit.h"

#include <czmq.h>
#include <sodium.h>
#include <inttypes.h>

//  A verification under way
typedef struct {
    auditfile_t *file;
    const audit_key_t *keys;
    size_t key_count;
    uint8_t key [AUDIT_KEY_SIZE];       //  the key of the current segment
    uint8_t chain [AUDIT_HASH_SIZE];    //  the chain hash so far
    uint64_t expected;                  //  next sequence number
    uint64_t signed_up_to;              //  last checkpoint passed
    sqlite3_stmt *checkpoints;
    int checkpoint_rc;                  //  the last step of checkpoints
    msgpack_sbuffer canonical;
    char *renewals;                     //  where the log was renewed
} s_verifier_t;

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
//  is the verifier's) with the segment's key. 0, or -1 with *report.
static int
s_checkpoints_check (s_verifier_t *self, int64_t seq, char **report)
{
    sqlite3_stmt *checkpoints = self->checkpoints;
    while (self->checkpoint_rc == SQLITE_ROW
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
        if (sodium_memcmp (head, self->chain, AUDIT_HASH_SIZE) != 0) {
            status_set_error (report, "checkpoint at %" PRId64 ": head does not"
                              " match the chain", at);
            return -1;
        }
        uint8_t message [AUDITRECORD_SIGN_SIZE];
        auditrecord_sign_message (message, auditfile_format (self->file),
                                  (uint64_t) at, self->chain);
        if (crypto_sign_verify_detached ((const uint8_t *) signature,
                message, sizeof (message), self->key) != 0) {
            status_set_error (report, "checkpoint at %" PRId64 ": bad signature", at);
            return -1;
        }
        self->signed_up_to = (uint64_t) at;
        self->checkpoint_rc = sqlite3_step (checkpoints);
    }
    return 0;
}

//  A renewal record, the checkpoints at it passed: it must be signed by the
//  segment's key, name it as the key it replaces, and move to a trusted key
//  of the serial it names, which becomes the segment's key. 0, or -1 with
//  *report; the verifier's renewals get a line about it.
static int
s_renewal_check (s_verifier_t *self, const auditrecord_t *row, char **report)
{
    uint64_t serial = auditrecord_serial (row);
    if (self->signed_up_to != row->seq)
        status_set_error (report, "record %" PRIu64 ": a renewal not signed by the"
                          " key it replaces", row->seq);
    else
    if (sodium_memcmp (row->response_digest, self->key, AUDIT_KEY_SIZE) != 0)
        status_set_error (report, "record %" PRIu64 ": a renewal from a key that"
                          " did not sign the log before it", row->seq);
    else
    if (serial == 0)
        status_set_error (report, "record %" PRIu64 ": a renewal with a malformed"
                          " serial", row->seq);
    else
    if (!s_trusted (self->keys, self->key_count, row->request_digest, serial))
        status_set_error (report, "record %" PRIu64 ": renewed to certificate serial"
                          " %" PRIu64 ", which is not among the certificates given",
                          row->seq, serial);
    else {
        memcpy (self->key, row->request_digest, AUDIT_KEY_SIZE);
        char *line = zsys_sprintf ("%s%srenewed at record %" PRIu64 " to"
                                   " certificate serial %" PRIu64,
                                   self->renewals? self->renewals: "",
                                   self->renewals? "; ": "", row->seq, serial);
        zstr_free (&self->renewals);
        self->renewals = line;
        return 0;
    }
    return -1;
}

//  The current row of `records`: in sequence, well formed, chained, its
//  checkpoints good, and if a renewal, a good one. 0, or -1 with *report.
static int
s_record_check (s_verifier_t *self, sqlite3_stmt *records, char **report)
{
    auditrecord_t row;
    const char *problem = NULL;
    int64_t seq = (int64_t) sqlite3_column_int64 (records, AUDITRECORD_COL_SEQ);
    if (seq < 1) {
        status_set_error (report, "record %" PRId64 ": bad sequence number", seq);
        return -1;
    }
    if ((uint64_t) seq != self->expected) {
        status_set_error (report, "record %" PRIu64 ": missing (sequence gap"
                          " before record %" PRId64 ")", self->expected, seq);
        return -1;
    }
    if (auditrecord_read (&row, records, &problem)) {
        status_set_error (report, "record %" PRId64 ": malformed (%s)", seq, problem);
        return -1;
    }
    int format = auditfile_format (self->file);
    if (auditrecord_encode (&row, format, &self->canonical)) {
        status_set_error (report, "out of memory");
        return -1;
    }
    auditrecord_chain (self->chain, &self->canonical, self->chain);
    if (sodium_memcmp (self->chain, row.hash, AUDIT_HASH_SIZE) != 0) {
        status_set_error (report, "record %" PRId64 ": chain hash mismatch", seq);
        return -1;
    }
    if (s_checkpoints_check (self, seq, report)
    ||  (format >= 2 && auditrecord_is_renewal (&row) && s_renewal_check (self, &row, report)))
        return -1;
    self->expected++;
    return 0;
}

//  After the last record: no checkpoint left over, the last record
//  covered. 0, or -1 with *report.
static int
s_end_check (s_verifier_t *self, char **report)
{
    if (self->checkpoint_rc == SQLITE_ROW) {
        status_set_error (report, "checkpoint at %" PRId64 ": beyond the last"
                          " record (%" PRIu64 ")",
                          (int64_t) sqlite3_column_int64 (self->checkpoints, 0),
                          self->expected - 1);
        return -1;
    }
    if (self->signed_up_to != self->expected - 1) {
        status_set_error (report, "record %" PRIu64 ": not covered by a signed"
                          " checkpoint", self->signed_up_to + 1);
        return -1;
    }
    return 0;
}

//  Verifies an open log; see auditverify_log.
static int64_t
s_verify (auditfile_t *file, const audit_key_t *keys, size_t key_count, char **report)
{
    s_verifier_t self = { .file = file, .keys = keys, .key_count = key_count,
                          .expected = 1 };
    memcpy (self.key, auditfile_first_key (file), AUDIT_KEY_SIZE);
    if (!s_trusted (keys, key_count, self.key, 0)) {
        status_set_error (report, "meta: the log's signing key is not the key of a"
                          " certificate given");
        return AUDIT_NOT_INTACT;
    }
    msgpack_sbuffer_init (&self.canonical);
    int64_t result = AUDIT_NOT_INTACT;
    sqlite3 *db = auditfile_db (file);
    sqlite3_stmt *records = auditfile_select (file, AUDITRECORD_COLUMNS,
                                              AUDITRECORD_COLUMNS_1, "ORDER BY seq");
    if (!records
    ||  sqlite3_prepare_v2 (db, "SELECT seq, head, signature FROM checkpoint ORDER BY seq",
                            -1, &self.checkpoints, NULL) != SQLITE_OK) {
        status_set_error (report, "%s: %s", auditfile_path (file), sqlite3_errmsg (db));
        goto done;
    }
    self.checkpoint_rc = sqlite3_step (self.checkpoints);
    int rc;
    while ((rc = sqlite3_step (records)) == SQLITE_ROW)
        if (s_record_check (&self, records, report))
            goto done;
    if (rc != SQLITE_DONE
    ||  (self.checkpoint_rc != SQLITE_ROW && self.checkpoint_rc != SQLITE_DONE)) {
        status_set_error (report, "%s: %s", auditfile_path (file), sqlite3_errmsg (db));
        goto done;
    }
    if (s_end_check (&self, report))
        goto done;
    result = (int64_t) (self.expected - 1);
    if (report)
        *report = self.renewals;
    self.renewals = NULL;

done:
    zstr_free (&self.renewals);
    sqlite3_finalize (records);
    sqlite3_finalize (self.checkpoints);
    msgpack_sbuffer_destroy (&self.canonical);
    return result;
}


//  --------------------------------------------------------------------------
//  Verifies a log file; see auditverify.h.

int64_t
auditverify_log (const char *db_path, const audit_key_t *keys, size_t key_count,
                 char **report)
{
    assert (db_path);
    assert (keys || key_count == 0);
    if (report)
        *report = NULL;
    int code = 0;
    auditfile_t *file = auditfile_new (db_path, &code, report);
    if (!file)
        return code;
    int64_t result = s_verify (file, keys, key_count, report);
    auditfile_destroy (&file);
    return result;
}


//  --------------------------------------------------------------------------
//  Checks a log against a witness log; see auditverify.h.

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

//  What one witness record holds of the log
typedef struct {
    uint64_t witness_seq;               //  the witness record's number
    const char *direction;              //  the witness's
    const char *msgid;
    uint64_t seq;                       //  the log's record it names
    const uint8_t *head;                //  the hash it holds
} s_witnessed_t;

//  Checks one witness record against the log, which holds `count` records.
//  A record the witness served keeps the log's head when it asked: the log
//  must reach record `seq` with chain hash `head`. A record the witness
//  asked keeps what the log's answer named: its own record `seq`, which
//  must be that answer, chained onto `head`. 0, or AUDIT_NOT_INTACT with
//  *report.
static int
s_witnessed (auditfile_t *log, auditfile_t *witness, sqlite3_stmt *stmt,
             int64_t count, const s_witnessed_t *held, char **report)
{
    bool answer = streq (held->direction, "asked");
    uint64_t seq = held->seq, witness_seq = held->witness_seq;
    const char *msgid = held->msgid;
    s_pinned_t at, before;
    int found = seq <= (uint64_t) count? s_pinned_read (stmt, seq, &at): 0;
    if (found == 1 && answer)
        found = s_pinned_read (stmt, seq - 1, &before);
    if (found < 0)
        status_set_error (report, "%s: %s", auditfile_path (log),
                          sqlite3_errmsg (auditfile_db (log)));
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
               ||  !streq (at.peer, auditfile_department (witness))))
        status_set_error (report, "record %" PRIu64 ": not the answer to msgid %s"
                          " that witness record %" PRIu64 " received", seq, msgid,
                          witness_seq);
    else
    if (answer && sodium_memcmp (before.hash, held->head, AUDIT_HASH_SIZE) != 0)
        status_set_error (report, "record %" PRIu64 ": not the record that witness"
                          " record %" PRIu64 " (msgid %s) names before its answer",
                          seq - 1, witness_seq, msgid);
    else
    if (!answer && sodium_memcmp (at.hash, held->head, AUDIT_HASH_SIZE) != 0)
        status_set_error (report, "record %" PRIu64 ": not the record whose head"
                          " witness record %" PRIu64 " (msgid %s) holds", seq,
                          witness_seq, msgid);
    else
        return 0;
    return AUDIT_NOT_INTACT;
}

//  Checks the log (verified, of `count` records) against every witness
//  record that holds a head of it. The number checked, or AUDIT_NOT_INTACT
//  with *report.
static int64_t
s_witness_walk (auditfile_t *log, auditfile_t *witness, int64_t count, char **report)
{
    if (auditfile_format (witness) < 2)
        return 0;                       //  format 1 kept no heads
    sqlite3_stmt *pinned = NULL;
    sqlite3_stmt *heads = auditfile_select (witness,
        "seq, direction, msgid, peer_seq, peer_head", "",
        "WHERE peer = ?1 AND peer_seq > 0 ORDER BY seq");
    if (!heads
    ||  sqlite3_prepare_v2 (auditfile_db (log), "SELECT hash, direction, msgid, peer"
            " FROM record WHERE seq = ?1", -1, &pinned, NULL) != SQLITE_OK) {
        status_set_error (report, "cannot read the logs");
        sqlite3_finalize (heads);
        return AUDIT_NOT_INTACT;
    }
    int64_t result = 0, witnessed = 0;
    sqlite3_bind_text (heads, 1, auditfile_department (log), -1, SQLITE_STATIC);
    while (result == 0 && sqlite3_step (heads) == SQLITE_ROW) {
        s_witnessed_t held = {
            (uint64_t) sqlite3_column_int64 (heads, 0),
            (const char *) sqlite3_column_text (heads, 1),
            (const char *) sqlite3_column_text (heads, 2),
            (uint64_t) sqlite3_column_int64 (heads, 3),
            (const uint8_t *) sqlite3_column_blob (heads, 4)
        };
        if (!held.direction || !held.msgid || !held.head
        ||  sqlite3_column_bytes (heads, 4) != AUDIT_HASH_SIZE) {
            status_set_error (report, "witness %s: unreadable record",
                              auditfile_path (witness));
            result = AUDIT_NOT_INTACT;
            break;
        }
        result = s_witnessed (log, witness, pinned, count, &held, report);
        witnessed++;
    }
    sqlite3_finalize (heads);
    sqlite3_finalize (pinned);
    return result? result: witnessed;
}

//  Opens and verifies the witness log, of another department than the
//  log's. The witness, or NULL and *code with *report.
static auditfile_t *
s_witness_open (auditfile_t *log, const char *witness_path, const audit_key_t *keys,
                size_t key_count, int *code, char **report)
{
    auditfile_t *witness = auditfile_new (witness_path, code, report);
    if (witness && s_verify (witness, keys, key_count, report) < 0) {
        char *problem = report? *report: NULL;
        if (report)
            *report = zsys_sprintf ("witness %s: %s", witness_path,
                                    problem? problem: "not intact");
        zstr_free (&problem);
        *code = AUDIT_NOT_INTACT;
        auditfile_destroy (&witness);
    }
    else
    if (witness && streq (auditfile_department (log), auditfile_department (witness))) {
        if (report)
            zstr_free (report);
        status_set_error (report, "witness %s: the same department's log, not the"
                          " other side's", witness_path);
        *code = AUDIT_NOT_INTACT;
        auditfile_destroy (&witness);
    }
    else
    if (witness && report)
        zstr_free (report);
    return witness;
}

int64_t
auditverify_witness (const char *db_path, const audit_key_t *keys, size_t key_count,
                     const char *witness_path, const audit_key_t *witness_keys,
                     size_t witness_key_count, char **report)
{
    assert (db_path && witness_path);
    if (report)
        *report = NULL;
    int code = 0;
    auditfile_t *log = auditfile_new (db_path, &code, report);
    if (!log)
        return code;
    int64_t result = s_verify (log, keys, key_count, report);
    if (result >= 0) {
        int64_t count = result;
        if (report)
            zstr_free (report);
        auditfile_t *witness = s_witness_open (log, witness_path, witness_keys,
                                               witness_key_count, &code, report);
        result = witness? s_witness_walk (log, witness, count, report): code;
        auditfile_destroy (&witness);
    }
    auditfile_destroy (&log);
    return result;
}


//  --------------------------------------------------------------------------
//  Self-test

audit_key_t
auditverify_test_key (uint8_t fill, uint64_t serial, uint8_t *secret)
{
    audit_key_t key = { serial, { 0 } };
    uint8_t seed [crypto_sign_SEEDBYTES];
    memset (seed, fill, sizeof (seed));
    crypto_sign_seed_keypair (key.sign_public, secret, seed);
    return key;
}

//  Appends records `first` .. of auditrecord_example to a log, committing
//  after each number in `ends` (the last of which is the last record)
static void
s_test_batches (audit_t *audit, int first, const int *ends, size_t count)
{
    char msgid [33];
    for (size_t batch = 0; batch < count; batch++) {
        for (; first <= ends [batch]; first++) {
            audit_record_t record = auditrecord_example (first, msgid);
            assert (audit_append (audit, &record) == 0);
        }
        assert (audit_commit (audit, NULL) == 0);
    }
}

//  Copies the clean log to `copy`, applies raw SQL to the copy (triggers
//  dropped first, as a tamperer would), then verifies it and checks that
//  the result is `code` and the report starts with `expected`.
static void
s_test_tamper_code (const char *clean, const char *copy, const audit_key_t *keys,
                    size_t key_count, const char *sql, int64_t code,
                    const char *expected, bool verbose)
{
    auditfile_test_copy (clean, copy);
    auditfile_test_sql (copy, sql);
    char *report = NULL;
    assert (auditverify_log (copy, keys, key_count, &report) == code);
    assert (report);
    if (verbose)
        printf ("\n    tampered: %s", report);
    if (strncmp (report, expected, strlen (expected)) != 0)
        printf ("expected '%s', got '%s'\n", expected, report);
    assert (strncmp (report, expected, strlen (expected)) == 0);
    zstr_free (&report);
    statedb_remove (copy);
}

static void
s_test_tamper (const char *clean, const char *copy, const audit_key_t *key,
               const char *sql, const char *expected, bool verbose)
{
    s_test_tamper_code (clean, copy, key, 1, sql, AUDIT_NOT_INTACT, expected, verbose);
}

//  Tampering, deletion, reordering, forgery: SQL on a copy, and the
//  report it must get. The log has records 1 to 9, checkpoints at 3, 5, 7
//  and 9.
static void
s_test_tampers (const char *path, const char *copy, const char *other,
                const audit_key_t *key, const uint8_t *secret, bool verbose)
{
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
        s_test_tamper (path, copy, key, tampers [index][0], tampers [index][1], verbose);
    //  An edit with every later hash recomputed: only a checkpoint catches it
    auditfile_test_copy (path, other);
    auditfile_test_sql (other, "UPDATE record SET fields = 'name,status,address' WHERE seq = 4");
    auditfile_test_rechain (other);
    s_test_tamper (other, copy, key, "SELECT 1",
        "checkpoint at 5: head does not match the chain", verbose);
    //  ... and replacing the checkpoint's head then fails its signature
    s_test_tamper (other, copy, key,
        "UPDATE checkpoint SET head = (SELECT hash FROM record"
        " WHERE seq = 5) WHERE seq = 5",
        "checkpoint at 5: bad signature", verbose);
    statedb_remove (other);
    //  ... a correctly chained unsigned record: written by audit code with a
    //  checkpoint, which the tamperer then deletes
    auditfile_test_copy (path, other);
    char *error = NULL;
    audit_t *audit = audit_new (other, "pudong-tax", secret, &error);
    assert (audit);
    s_test_batches (audit, 10, (int []) { 10 }, 1);
    audit_destroy (&audit);
    s_test_tamper (other, copy, key, "DELETE FROM checkpoint WHERE seq = 10",
        "record 10: not covered by a signed checkpoint", verbose);
    statedb_remove (other);
}

//  Logs and files that verification refuses, and the code each gets
static void
s_test_refusals (const char *dir, const char *path, const char *copy,
                 const char *other, const audit_key_t *key, bool verbose)
{
    char *report = NULL;
    uint8_t wrong_secret [crypto_sign_SECRETKEYBYTES];
    audit_key_t wrong;
    wrong = auditverify_test_key (0x77, 0, wrong_secret);
    assert (auditverify_log (path, &wrong, 1, &report) == AUDIT_NOT_INTACT);
    assert (report && strstr (report, "signing key"));
    zstr_free (&report);
    statedb_remove (other);
    assert (auditverify_log (other, key, 1, &report) == AUDIT_NO_FILE);
    assert (report && strstr (report, "no such file"));
    zstr_free (&report);
    assert (!zsys_file_exists (other));         //  and verify does not create it
    assert (auditverify_log (other, key, 1, NULL) == AUDIT_NO_FILE);  //  report optional
    assert (auditverify_log (dir, key, 1, &report) == AUDIT_NOT_A_LOG);
    assert (report && strstr (report, "not a regular file"));
    zstr_free (&report);
    s_test_tamper_code (path, copy, key, 1,
        "UPDATE meta SET value = 'sluice-audit-9' WHERE name = 'format'",
        AUDIT_NOT_A_LOG, copy, verbose);    //  "PATH: an audit log of format ..."
    s_test_tamper_code (path, copy, key, 1,
        "DELETE FROM meta WHERE name = 'sign_public'",
        AUDIT_NOT_INTACT, copy, verbose);   //  "PATH: meta: ... missing"
    s_test_tamper_code (path, copy, key, 1, "PRAGMA user_version = 99",
        AUDIT_NOT_A_LOG, copy, verbose);    //  "PATH: the audit log has schema ..."
    sqlite3 *db = NULL;                     //  someone else's database
    assert (sqlite3_open (other, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, "CREATE TABLE invoices (id)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (db);
    assert (auditverify_log (other, key, 1, &report) == AUDIT_NOT_A_LOG);
    assert (report && strstr (report, "not a Sluice audit log"));
    zstr_free (&report);
    statedb_remove (other);
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
    audit_record_t served = auditrecord_example (number, msgid);
    served.direction = "served";
    served.peer = "pudong-tax";
    served.caller = "";
    served.peer_head = &query_head;
    assert (audit_append (provider, &served) == 0);
    assert (audit_commit (provider, NULL) == 0);
    audit_record_t asked = auditrecord_example (number, msgid);
    asked.direction = "asked";
    asked.peer = "pudong-market";
    asked.peer_head = &answer_head;
    assert (audit_append (requester, &asked) == 0);
    assert (audit_commit (requester, NULL) == 0);
}

//  Checks that auditverify_witness finds the log not intact, with a report
//  that contains `expected`
static void
s_test_witness_fails (const char *log, const audit_key_t *key, const char *witness,
                      const audit_key_t *witness_key, const char *expected,
                      bool verbose)
{
    char *report = NULL;
    assert (auditverify_witness (log, key, 1, witness, witness_key, 1, &report)
            == AUDIT_NOT_INTACT);
    if (verbose)
        printf ("\n    witnessed: %s", report);
    if (!report || !strstr (report, expected))
        printf ("expected '%s', got '%s'\n", expected, report);
    assert (report && strstr (report, expected));
    zstr_free (&report);
}

//  Each side's log witnesses the other's
static void
s_test_witness (const char *dir, const char *missing, bool verbose)
{
    char *tax_path = zsys_sprintf ("%s/tax.db", dir);
    char *market_path = zsys_sprintf ("%s/market.db", dir);
    char *cut_path = zsys_sprintf ("%s/cut.db", dir);
    char *tax_cut = zsys_sprintf ("%s/tax-3.db", dir);
    char *market_cut = zsys_sprintf ("%s/market-3.db", dir);
    uint8_t tax_secret [crypto_sign_SECRETKEYBYTES];
    uint8_t market_secret [crypto_sign_SECRETKEYBYTES];
    audit_key_t tax_key, market_key;
    tax_key = auditverify_test_key (0x51, 0, tax_secret);
    market_key = auditverify_test_key (0x52, 0, market_secret);
    char *error = NULL, *report = NULL;
    for (int number = 1; number <= 6; number++) {
        audit_t *tax = audit_new (tax_path, "pudong-tax", tax_secret, &error);
        audit_t *market = audit_new (market_path, "pudong-market", market_secret, &error);
        assert (tax && market);
        s_test_exchange (tax, market, number);
        audit_destroy (&tax);
        audit_destroy (&market);
        if (number == 3) {
            auditfile_test_copy (tax_path, tax_cut);     //  each log as it was then
            auditfile_test_copy (market_path, market_cut);
        }
    }
    //  The whole logs agree, both ways (the first query came from an empty
    //  log, which has no head to name)
    assert (auditverify_witness (market_path, &market_key, 1, tax_path, &tax_key, 1,
                                 &report) == 6);
    assert (report == NULL);
    assert (auditverify_witness (tax_path, &tax_key, 1, market_path, &market_key, 1,
                                 &report) == 5);
    assert (report == NULL);
    //  A log cut back to an earlier checkpoint verifies alone, but not
    //  against the other side's
    assert (auditverify_log (market_cut, &market_key, 1, &report) == 3);
    s_test_witness_fails (market_cut, &market_key, tax_path, &tax_key,
                          "cut back: the answer to msgid"
                          " 00000000000000000000000000000004"
                          " (witness record 4) is record 4", verbose);
    assert (auditverify_log (tax_cut, &tax_key, 1, &report) == 3);
    s_test_witness_fails (tax_cut, &tax_key, market_path, &market_key,
                          "cut back: witness record 5 (msgid", verbose);
    //  ... also when the cut log was continued with other records
    auditfile_test_copy (market_cut, cut_path);
    audit_t *market = audit_new (cut_path, "pudong-market", market_secret, &error);
    assert (market);
    s_test_batches (market, 10, (int []) { 14 }, 1);
    audit_destroy (&market);
    assert (auditverify_log (cut_path, &market_key, 1, &report) == 8);
    s_test_witness_fails (cut_path, &market_key, tax_path, &tax_key,
                          "record 4: not the answer to msgid", verbose);
    //  A witness that fails, a missing one, one of the same department
    s_test_witness_fails (market_path, &market_key, tax_path, &market_key,
                          "witness ", verbose);
    assert (auditverify_witness (market_path, &market_key, 1, missing, &tax_key, 1,
                                 &report) == AUDIT_NO_FILE);
    zstr_free (&report);
    s_test_witness_fails (market_path, &market_key, market_cut, &market_key,
                          "the same department", verbose);
    assert (auditverify_witness (market_path, &market_key, 1, tax_path, &tax_key, 1,
                                 NULL) == 6);
    const char *paths [] = { tax_path, market_path, cut_path, tax_cut, market_cut };
    for (size_t index = 0; index < 5; index++)
        statedb_remove (paths [index]);
    zstr_free (&tax_path);
    zstr_free (&market_path);
    zstr_free (&cut_path);
    zstr_free (&tax_cut);
    zstr_free (&market_cut);
}

void
auditverify_test (bool verbose)
{
    if (verbose)
        printf (" * auditverify: ");
    char *dir = zsys_sprintf ("/tmp/sluice-auditverify-test-%d", (int) getpid ());
    assert (dir);
    zsys_dir_create ("%s", dir);
    char *path = zsys_sprintf ("%s/audit.db", dir);
    char *copy = zsys_sprintf ("%s/copy.db", dir);
    char *other = zsys_sprintf ("%s/other.db", dir);
    uint8_t secret [crypto_sign_SECRETKEYBYTES];
    audit_key_t key;
    key = auditverify_test_key (0x11, 0, secret);
    char *error = NULL, *report = NULL;

    //  A log of records 1 to 9, committed in batches
    statedb_remove (path);
    audit_t *audit = audit_new (path, "pudong-tax", secret, &error);
    assert (audit);
    s_test_batches (audit, 1, (int []) { 3, 5, 7, 9 }, 4);
    audit_destroy (&audit);
    assert (auditverify_log (path, &key, 1, &report) == 9);
    assert (report == NULL);
    s_test_tampers (path, copy, other, &key, secret, verbose);
    s_test_refusals (dir, path, copy, other, &key, verbose);

    //  A format 1 log still verifies, and its tampering is caught
    auditfile_test_v1 (other, secret, 4);
    assert (auditverify_log (other, &key, 1, &report) == 4);
    assert (report == NULL);
    s_test_tamper (other, copy, &key, "UPDATE record SET officer = 'x' WHERE seq = 2",
                   "record 2: chain hash mismatch", verbose);
    statedb_remove (other);

    s_test_witness (dir, other, verbose);

    statedb_remove (path);
    statedb_remove (copy);
    statedb_remove (other);
    zsys_dir_delete ("%s", dir);
    assert (!zsys_file_exists (dir));
    zstr_free (&path);
    zstr_free (&copy);
    zstr_free (&other);
    zstr_free (&dir);
    if (verbose)
        printf ("OK\n");
}
