/*  audit.c -- the gateway's audit log: append-only, hash-chained, signed.

    The writer. The chain hash is computed at append time, so the order of
    records is fixed before anything reaches the disk; a commit then writes
    the batch and one checkpoint in a single durable transaction. Every
    written record is therefore covered by a checkpoint. A failed commit, or
    a crash before it, leaves no hole: the batch is dropped and the chain
    continues from the last record the file holds.

    A renewal record (direction "renewal", key = the new certificate's
    serial, request_digest = its signing key, response_digest = the key it
    replaces) is committed alone with a checkpoint of the replaced key, and
    the new key signs every checkpoint after it.

    The encodings are auditrecord.c's, the file's tables auditfile.c's.
*/

#include "audit.h"
#include "auditfile.h"
#include "statedb.h"
#include "auditverify.h"
#include "status.h"

#include <czmq.h>
#include <sodium.h>
#include <msgpack.h>
#include <sqlite3.h>
#include <inttypes.h>

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
    auditrecord_t **batch;              //  pending records, owned
    size_t batch_size;
    size_t batch_limit;
    msgpack_sbuffer canonical;          //  reused encoding buffer
    uint64_t commits;
    bool superseded;                    //  another key now signs the file
};


//  --------------------------------------------------------------------------
//  Opening

//  Checks that the log's current key is ours. 0 or -1 and *error.
static int
s_key_check (audit_t *self, char **error)
{
    uint8_t current [AUDIT_KEY_SIZE];
    if (auditfile_current_key (self->db, current)) {
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
    return 0;
}

//  Reads back the last record and its hash so the chain continues, after
//  checking that it chains onto the record before it (a cheap guard against
//  continuing a damaged tail; auditverify checks everything) and that the
//  log's current key is ours. Sets the committed and the last position.
//  0 or -1 and *error.
static int
s_tail_load (audit_t *self, char **error)
{
    if (s_key_check (self, error))
        return -1;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT " AUDITRECORD_COLUMNS " FROM record ORDER BY seq DESC LIMIT 2",
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
    auditrecord_t last;
    const char *problem = "unreadable";
    uint8_t previous [AUDIT_HASH_SIZE] = { 0 };
    uint8_t computed [AUDIT_HASH_SIZE];
    if (rc != SQLITE_ROW || auditrecord_read (&last, stmt, &problem)
    ||  last.seq < 1 || last.seq > INT64_MAX - 1)
        goto damaged;
    if (auditrecord_encode (&last, 2, &self->canonical)) {
        problem = "out of memory";
        goto damaged;
    }
    rc = sqlite3_step (stmt);
    if (last.seq > 1) {
        problem = "the record before it is missing";
        if (rc != SQLITE_ROW
        ||  (uint64_t) sqlite3_column_int64 (stmt, AUDITRECORD_COL_SEQ) != last.seq - 1
        ||  sqlite3_column_type (stmt, AUDITRECORD_COL_HASH) != SQLITE_BLOB
        ||  sqlite3_column_bytes (stmt, AUDITRECORD_COL_HASH) != AUDIT_HASH_SIZE)
            goto damaged;
        memcpy (previous, sqlite3_column_blob (stmt, AUDITRECORD_COL_HASH),
                AUDIT_HASH_SIZE);
    }
    auditrecord_chain (previous, &self->canonical, computed);
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

//  The public half of a secret key, if the secret key is a real key pair
//  (seed || public key). 0 or -1.
static int
s_public_key (const uint8_t *sign_secret, uint8_t *sign_public)
{
    uint8_t seed [crypto_sign_SEEDBYTES];
    uint8_t rebuilt [crypto_sign_SECRETKEYBYTES];
    crypto_sign_ed25519_sk_to_seed (seed, sign_secret);
    crypto_sign_seed_keypair (sign_public, rebuilt, seed);
    bool consistent = sodium_memcmp (rebuilt, sign_secret,
                                     crypto_sign_SECRETKEYBYTES) == 0;
    sodium_memzero (seed, sizeof (seed));
    sodium_memzero (rebuilt, sizeof (rebuilt));
    return consistent? 0: -1;
}

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
    uint8_t sign_public [crypto_sign_PUBLICKEYBYTES];
    if (s_public_key (sign_secret, sign_public)) {
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
    //  In WAL mode readers never block the writer; only another writer can
    //  (auditfile.h: it fails fast, and the answers become INTERNAL)
    self->db = auditfile_open (db_path, department, sign_public, error);
    if (!self->db || s_tail_load (self, error))
        goto failed;
    if (sqlite3_prepare_v2 (self->db,
            "INSERT INTO record (" AUDITRECORD_COLUMNS ") VALUES"
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
        auditrecord_destroy (&self->batch [index]);
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
            //  A destructor has nobody to report to: records it cannot
            //  write are said here, once
            size_t pending = self->batch_size;
            char *error = NULL;
            if (audit_commit (self, &error))
                zsys_error ("audit: %s: %zu records lost at close (%s)", self->path,
                            pending, error? error: "the disk is failing");
            zstr_free (&error);
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
    if (self->superseded || self->batch_size >= AUDIT_PENDING_MAX)
        return -1;
    if (self->batch_size == self->batch_limit) {
        size_t limit = self->batch_limit? self->batch_limit * 2: 256;
        auditrecord_t **batch = (auditrecord_t **) realloc (self->batch,
                                    limit * sizeof (auditrecord_t *));
        if (!batch)
            return -1;
        self->batch = batch;
        self->batch_limit = limit;
    }
    auditrecord_t *row = auditrecord_new (record, self->last_seq + 1);
    if (!row || auditrecord_encode (row, 2, &self->canonical)) {
        auditrecord_destroy (&row);
        return -1;
    }
    auditrecord_chain (self->head, &self->canonical, row->hash);
    memcpy (self->head, row->hash, AUDIT_HASH_SIZE);
    self->last_seq = row->seq;
    self->batch [self->batch_size++] = row;
    return 0;
}


//  Inserts one pending row; 0 or -1.
static int
s_insert_record (audit_t *self, const auditrecord_t *row)
{
    sqlite3_stmt *stmt = self->insert_record;
    auditrecord_bind (row, stmt);
    int rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
    return rc == SQLITE_DONE? 0: -1;
}

//  After a failed commit: the batch is gone, and the chain continues from
//  what the file holds (normally the last committed record; the file is
//  the judge if the failure came after the write). If another key now
//  signs the file (renewed meanwhile), the writer stops, and *error says so.
static void
s_rewind (audit_t *self, char **error)
{
    s_batch_drop (self);
    self->last_seq = self->committed_seq;
    memcpy (self->head, self->committed_head, AUDIT_HASH_SIZE);
    char *problem = NULL;
    if (s_tail_load (self, &problem)) {
        if (strstr (problem, "another key")) {
            self->superseded = true;
            if (error)
                status_set_error (error, "%s; %s", *error? *error: "", problem);
        }
        self->last_seq = self->committed_seq;
        memcpy (self->head, self->committed_head, AUDIT_HASH_SIZE);
    }
    zstr_free (&problem);
}

//  Writes the batch and its checkpoint in one transaction. 0 or -1.
static int
s_write (audit_t *self)
{
    uint8_t message [AUDITRECORD_SIGN_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    auditrecord_sign_message (message, 2, self->last_seq, self->head);
    crypto_sign_detached (signature, NULL, message, sizeof (message),
                          self->sign_secret);
    if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    for (size_t index = 0; index < self->batch_size; index++)
        if (s_insert_record (self, self->batch [index]))
            return -1;
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
        return -1;
    return 0;
}


//  --------------------------------------------------------------------------
//  Writes the pending batch and its signed checkpoint; see audit.h.

int
audit_commit (audit_t *self, char **error)
{
    assert (self);
    if (self->batch_size == 0)
        return 0;
    if (s_write (self) == 0) {
        s_batch_drop (self);
        self->committed_seq = self->last_seq;
        memcpy (self->committed_head, self->head, AUDIT_HASH_SIZE);
        self->commits++;
        return 0;
    }
    status_set_error (error, "%s: cannot write %zu records (%s); their answers are"
                      " not sent", self->path, self->batch_size,
                      sqlite3_errmsg (self->db));
    if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    s_rewind (self, error);
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
            .time_ms = now, .msg_time_ms = now, .direction = AUDITRECORD_RENEWAL,
            .peer = department, .key = serial, .decision = decision,
            .request_digest = new_public, .response_digest = self->sign_public
        };
        if (audit_append (self, &record) || audit_commit (self, error))
            status_set_error (error, "%s: cannot write the renewal record", db_path);
        else
            rc = (int64_t) self->last_seq;
    }
    audit_destroy (&self);
    return rc;
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

//  Appends and commits records `first` .. `last` of auditrecord_example
static void
s_test_fill (audit_t *audit, int first, int last)
{
    char msgid [33];
    for (int number = first; number <= last; number++) {
        audit_record_t record = auditrecord_example (number, msgid);
        assert (audit_append (audit, &record) == 0);
    }
    assert (audit_commit (audit, NULL) == 0);
}

static int64_t s_test_remembered;

static void
s_test_each (const char *msgid, int64_t msg_time_ms, void *arg)
{
    assert (msgid && strlen (msgid) == 32);
    assert (msg_time_ms >= *(int64_t *) arg);
    s_test_remembered++;
}

//  The writer chains what auditrecord encodes: its head after two records
//  is the hash of their canonical forms (the vectors are auditrecord's)
static void
s_test_chain (const char *path, const uint8_t *sign_secret)
{
    char msgid [33], msgid_2 [33];
    audit_record_t records [2] = {
        auditrecord_example (0, msgid), auditrecord_example (1, msgid_2)
    };
    message_head_t peer_head = { 7, { 0 } };
    memset (peer_head.hash, 0x33, sizeof (peer_head.hash));
    records [0].peer_head = &peer_head;
    char *error = NULL;
    audit_t *audit = audit_new (path, "pudong-tax", sign_secret, &error);
    assert (audit && !error);
    message_head_t head;
    audit_head (audit, &head);
    assert (head.seq == 0);
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    for (int index = 0; index < 2; index++) {
        assert (audit_append (audit, &records [index]) == 0);
        auditrecord_t *record = auditrecord_new (&records [index], (uint64_t) index + 1);
        assert (record && auditrecord_encode (record, 2, &canonical) == 0);
        auditrecord_chain (chain, &canonical, chain);
        auditrecord_destroy (&record);
        assert (memcmp (audit->batch [index]->hash, chain, AUDIT_HASH_SIZE) == 0);
    }
    msgpack_sbuffer_destroy (&canonical);
    audit_head (audit, &head);
    assert (head.seq == 2 && memcmp (head.hash, chain, AUDIT_HASH_SIZE) == 0);
    assert (audit->batch [0]->peer_seq == 7 && audit->batch [1]->peer_seq == 0);
    message_head_t next;
    audit_next (audit, &next);
    assert (next.seq == 3 && memcmp (next.hash, chain, AUDIT_HASH_SIZE) == 0);
    assert (audit_commit (audit, &error) == 0 && !error);
    assert (audit_commits (audit) == 1);
    audit_destroy (&audit);
    audit_key_t key = { 0, { 0 } };
    crypto_sign_ed25519_sk_to_pk (key.sign_public, sign_secret);
    char *report = NULL;
    assert (auditverify_log (path, &key, 1, &report) == 2);
    assert (report == NULL);
    statedb_remove (path);
}

//  A disk that refuses (here: another writer holds the lock): the batch is
//  dropped, the chain goes back to what the file holds, and the next batch
//  continues it whole
static void
s_test_refusing_disk (audit_t *audit, const char *path)
{
    char msgid [33];
    char *error = NULL;
    sqlite3 *blocker = NULL;
    assert (sqlite3_open (path, &blocker) == SQLITE_OK);
    assert (sqlite3_exec (blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_busy_timeout (audit->db, 0);
    message_head_t before, after;
    audit_head (audit, &before);
    uint64_t count = audit_count (audit);
    audit_record_t record = auditrecord_example (8, msgid);
    assert (audit_append (audit, &record) == 0);
    assert (audit_count (audit) == count + 1);
    assert (audit_commit (audit, &error) == -1);
    assert (error && strstr (error, "cannot write 1 records"));
    zstr_free (&error);
    assert (audit_pending (audit) == 0);
    assert (audit_count (audit) == count);
    audit_head (audit, &after);
    assert (memcmp (&before, &after, sizeof (before)) == 0);
    assert (audit_append (audit, &record) == 0);
    assert (audit_commit (audit, NULL) == -1);      //  the message is optional
    assert (sqlite3_exec (blocker, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (blocker);
    record = auditrecord_example (8, msgid);
    assert (audit_append (audit, &record) == 0);
    record = auditrecord_example (9, msgid);
    assert (audit_append (audit, &record) == 0);
    assert (audit_commit (audit, &error) == 0 && !error);
    assert (audit_pending (audit) == 0);
    assert (audit_count (audit) == count + 2);
    sqlite3_busy_timeout (audit->db, AUDITFILE_WRITE_BUSY_MS);
}

//  Checks the log against `count` keys: `expected` records, or a report
//  that contains `expected_report`
static void
s_test_verified (const char *path, const audit_key_t *keys, size_t count,
                 int64_t expected, const char *expected_report)
{
    char *report = NULL;
    assert (auditverify_log (path, keys, count, &report) == expected);
    if (expected_report && (!report || !strstr (report, expected_report)))
        printf ("expected '%s', got '%s'\n", expected_report, report);
    assert (!expected_report || (report && strstr (report, expected_report)));
    zstr_free (&report);
}

//  A renewal that the key it replaces did not sign: the holder of a third
//  key appends one, chained, with a checkpoint of its own
static void
s_test_forged_renewal (const char *path, const char *copy, const uint8_t *new_secret,
                       const uint8_t *third_secret, const audit_key_t *keys)
{
    char *error = NULL;
    auditfile_test_copy (path, copy);
    audit_t *forger = audit_new (copy, "pudong-tax", new_secret, &error);
    assert (forger);
    memcpy (forger->sign_secret, third_secret, crypto_sign_SECRETKEYBYTES);
    audit_record_t renewal = {
        .time_ms = 1, .direction = AUDITRECORD_RENEWAL, .peer = "pudong-tax",
        .key = "1003", .request_digest = keys [2].sign_public,
        .response_digest = keys [1].sign_public
    };
    assert (audit_append (forger, &renewal) == 0);
    assert (audit_commit (forger, NULL) == 0);
    audit_destroy (&forger);
    s_test_verified (copy, keys, 3, AUDIT_NOT_INTACT, "checkpoint at 7: bad signature");
    statedb_remove (copy);
    //  Editing the renewal's new key (chain rebuilt) breaks the old key's
    //  checkpoint over it
    auditfile_test_copy (path, copy);
    auditfile_test_sql (copy, "UPDATE record SET request_digest = (SELECT value FROM meta"
                              " WHERE name = 'sign_public') WHERE seq = 4");
    auditfile_test_rechain (copy);
    s_test_verified (copy, keys, 3, AUDIT_NOT_INTACT,
                     "checkpoint at 4: head does not match the chain");
    statedb_remove (copy);
}

//  A renewal: refused to the same key and from a key that does not sign
//  the log; then only the new key continues the chain, verified across
static void
s_test_renewal (const char *path, const char *copy)
{
    uint8_t old_secret [crypto_sign_SECRETKEYBYTES];
    uint8_t new_secret [crypto_sign_SECRETKEYBYTES];
    uint8_t third_secret [crypto_sign_SECRETKEYBYTES];
    audit_key_t keys [3];
    keys [0] = auditverify_test_key (0xA1, 1001, old_secret);
    keys [1] = auditverify_test_key (0xB2, 1002, new_secret);
    keys [2] = auditverify_test_key (0xC3, 1003, third_secret);
    char *error = NULL;
    statedb_remove (path);
    audit_t *audit = audit_new (path, "pudong-tax", old_secret, &error);
    assert (audit);
    s_test_fill (audit, 1, 3);
    audit_destroy (&audit);
    //  Not to the same key, and not while another key signs the log
    assert (audit_renew (path, "pudong-tax", old_secret, 1001, 1001,
                         keys [0].sign_public, &error) == -1);
    assert (error && strstr (error, "signing key of its own"));
    zstr_free (&error);
    assert (audit_renew (path, "pudong-tax", new_secret, 1002, 1003,
                         keys [2].sign_public, &error) == -1);
    assert (error && strstr (error, "another key"));
    zstr_free (&error);
    assert (audit_renew (path, "pudong-tax", old_secret, 1001, 1002,
                         keys [1].sign_public, &error) == 4);
    //  The old key can no longer continue it; the new one can
    assert (audit_new (path, "pudong-tax", old_secret, &error) == NULL);
    assert (error && strstr (error, "another key"));
    zstr_free (&error);
    audit = audit_new (path, "pudong-tax", new_secret, &error);
    assert (audit);
    assert (audit_count (audit) == 4);
    s_test_fill (audit, 5, 6);
    audit_destroy (&audit);
    char *report = NULL;
    assert (auditverify_log (path, keys, 2, &report) == 6);
    assert (report && streq (report, "renewed at record 4 to certificate serial 1002"));
    zstr_free (&report);
    s_test_verified (path, keys, 3, 6, NULL);
    //  Both certificates are needed, and the serial must be the one named
    s_test_verified (path, keys, 1, AUDIT_NOT_INTACT,
                     "record 4: renewed to certificate serial 1002, which is not among");
    s_test_verified (path, keys + 1, 1, AUDIT_NOT_INTACT, "meta: the log's signing key");
    audit_key_t misnamed [2] = { keys [0], keys [1] };
    misnamed [1].serial = 1003;
    s_test_verified (path, misnamed, 2, AUDIT_NOT_INTACT, NULL);
    s_test_forged_renewal (path, copy, new_secret, third_secret, keys);
    statedb_remove (path);
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
    char *other = zsys_sprintf ("%s/other.db", dir);

    uint8_t sign_secret [crypto_sign_SECRETKEYBYTES];
    uint8_t sign_public [crypto_sign_PUBLICKEYBYTES];
    uint8_t seed [crypto_sign_SEEDBYTES];
    for (size_t index = 0; index < crypto_sign_SEEDBYTES; index++)
        seed [index] = (uint8_t) index;
    crypto_sign_seed_keypair (sign_public, sign_secret, seed);
    uint8_t wrong_secret [crypto_sign_SECRETKEYBYTES];
    auditverify_test_key (0x77, 0, wrong_secret);
    audit_key_t key = { 0, { 0 } };
    memcpy (key.sign_public, sign_public, AUDIT_KEY_SIZE);
    char msgid [33];
    char *error = NULL;
    char *report = NULL;

    s_test_chain (path, sign_secret);

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
    assert (audit_commit (audit, &error) == 0);    //  nothing pending: no-op
    assert (audit_commits (audit) == 0);
    s_test_fill (audit, 1, 3);
    assert (audit_count (audit) == 3);
    assert (audit_pending (audit) == 0);
    assert (audit_commits (audit) == 1);
    assert (auditverify_log (path, &key, 1, &report) == 3);    //  while open
    for (int number = 4; number <= 5; number++) {
        audit_record_t record = auditrecord_example (number, msgid);
        assert (audit_append (audit, &record) == 0);
    }
    assert (audit_pending (audit) == 2);
    audit_destroy (&audit);
    audit_destroy (&audit);                     //  safe twice
    assert (audit == NULL);
    assert (auditverify_log (path, &key, 1, &report) == 5);
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
    //  A record is never refused for its content (auditrecord_new)
    audit_record_t empty = { .time_ms = 1700000000006, .status = 132,
                             .decision = "refused: NO_AGREEMENT" };
    assert (audit_append (audit, &empty) == 0);
    assert (audit->batch [0]->size [AUDITRECORD_DIRECTION] == 0);
    audit_record_t record = auditrecord_example (7, msgid);
    record.purpose = "line\nbreak\x1b[31m \xe7\xa8\x8e \xc2\x9b\xff";
    assert (audit_append (audit, &record) == 0);
    assert (audit_count (audit) == 7);
    assert (audit_commit (audit, &error) == 0);
    s_test_refusing_disk (audit, path);
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
    assert (auditverify_log (path, &key, 1, &report) == 9);
    assert (report == NULL);

    //  A damaged tail stops the gateway from continuing the chain
    auditfile_test_copy (path, other);
    auditfile_test_sql (other, "UPDATE record SET key = 'x' WHERE seq = 9");
    assert (audit_new (other, "pudong-tax", sign_secret, &error) == NULL);
    assert (error && strstr (error, "last record is damaged"));
    zstr_free (&error);
    statedb_remove (other);
    char *copy = zsys_sprintf ("%s/copy.db", dir);
    s_test_renewal (other, copy);
    zstr_free (&copy);

    //  Throughput: 10,000 appends with a durable commit every 256
    {
        int64_t started = zclock_mono ();
        audit = audit_new (path, "pudong-tax", sign_secret, &error);
        assert (audit);
        uint8_t digest [AUDIT_DIGEST_SIZE];
        randombytes_buf (digest, sizeof (digest));
        for (int number = 0; number < 10000; number++) {
            record = auditrecord_example (100 + number, msgid);
            record.request_digest = digest;
            record.response_digest = digest;
            assert (audit_append (audit, &record) == 0);
            if (audit_pending (audit) >= 256)
                assert (audit_commit (audit, NULL) == 0);
        }
        audit_destroy (&audit);
        int64_t appended = zclock_mono ();
        assert (auditverify_log (path, &key, 1, &report) == 10009);
        int64_t verified = zclock_mono ();
        if (verbose)
            printf ("\n    10,000 appends + commits: %d ms, verify: %d ms\n   ",
                    (int) (appended - started), (int) (verified - appended));
        assert (appended - started < 10000);
    }

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
