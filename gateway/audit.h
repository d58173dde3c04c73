/*  audit.h -- the gateway's audit log: append-only, hash-chained, signed.

    One record per request at both ends (the asking gateway and the serving
    one). Each record's chain hash covers the previous hash and the record,
    so an edit, deletion or reordering breaks the chain; after every written
    batch a checkpoint row holds the department's Ed25519 signature over the
    chain head, so the chain cannot be rebuilt without the signing key. The
    exact formats are in README "Audit log" and proto/PROTOCOL.md.

    For throughput, audit_append only copies the record into an in-memory
    batch and fixes its sequence number and chain hash at once; audit_flush
    writes the batch and its checkpoint in one SQLite (WAL) transaction. The
    gateway calls audit_flush from a timer (~20 ms) and whenever
    audit_pending () >= AUDIT_FLUSH_AT, so no request waits on the disk. A
    crash loses at most the unflushed batch and never breaks the chain: the
    next audit_new continues from the last written record.

    One writer (one audit_t) per log file. Reading it meanwhile
    (audit_verify, audit_print, the sqlite3 shell) is fine.
*/
#ifndef SLUICE_AUDIT_H_INCLUDED
#define SLUICE_AUDIT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AUDIT_DIGEST_SIZE   32      //  BLAKE2b-256, request/response digests
#define AUDIT_HASH_SIZE     32      //  BLAKE2b-256 chain hash
#define AUDIT_TEXT_MAX      1024    //  longer strings are cut to this (bytes)
#define AUDIT_FLUSH_AT      256     //  pending records that call for a flush
#define AUDIT_PENDING_MAX   65536   //  pending records beyond which
                                    //  audit_append refuses (disk failing)

typedef struct {
    int64_t time_ms;            //  wall clock, ms since epoch
    const char *direction;      //  "served" (we answered) or "asked" (we asked)
    const char *msgid;          //  request message id, hex
    const char *peer;           //  other department id
    const char *officer;
    const char *purpose;
    const char *item;
    const char *key;            //  already masked by the caller where needed
    const char *fields;         //  comma-separated fields returned ("" if none)
    int status;                 //  status_t code of the decision
    const char *decision;       //  e.g. "granted", "refused: NO_AGREEMENT (rule)"
    const char *agreement;      //  agreement id or ""
    const uint8_t *request_digest;   //  AUDIT_DIGEST_SIZE bytes, NULL -> zeros
    const uint8_t *response_digest;  //  AUDIT_DIGEST_SIZE bytes, NULL -> zeros
} audit_record_t;

typedef struct _audit_t audit_t;

//  Opens or creates the audit log at db_path for `department`, signing
//  checkpoints with sign_secret (libsodium Ed25519 secret key, 64 bytes).
//  Continues the chain of an existing log. Returns NULL and sets *error
//  (fresh string, caller frees; error may be NULL) if the file cannot be
//  opened or created, is not an audit log, belongs to another department
//  or another signing key (start a new file when the key changes), or its
//  last record does not chain onto the one before it.
audit_t *
    audit_new (const char *db_path, const char *department,
               const uint8_t *sign_secret, char **error);

//  Flushes (logging an error with the number of records lost if that fails),
//  closes the log and nulls *self_p. Safe to call twice.
void
    audit_destroy (audit_t **self_p);

//  Copies the record into the pending batch, giving it the next sequence
//  number and its chain hash. A record is never refused for its content:
//  NULL strings are recorded as "", strings longer than AUDIT_TEXT_MAX bytes
//  are cut (at a UTF-8 character boundary). Returns 0, or -1 only when
//  memory is short or AUDIT_PENDING_MAX records are already pending (the
//  disk has been failing): the caller must then refuse the request rather
//  than serve it unaudited.
int
    audit_append (audit_t *self, const audit_record_t *record)
    __attribute__ ((warn_unused_result));

//  Writes the pending batch and a signed checkpoint of the chain head in one
//  transaction. Returns 0 (also when nothing was pending), or -1 on a disk
//  error: the error is logged, the batch is kept and the next call retries.
int
    audit_flush (audit_t *self);

//  Number of records appended but not yet written.
size_t
    audit_pending (audit_t *self);

//  Number of records in the log, written or pending (= last sequence number).
uint64_t
    audit_count (audit_t *self);

//  Verifies a log file: recomputes every chain hash, checks that sequence
//  numbers start at 1 and have no gaps, that every checkpoint's signature
//  verifies with sign_public (32 bytes, from the department's certificate)
//  and that its head is the chain hash at its sequence number, and that the
//  last record is covered by a checkpoint. Returns the number of records
//  verified; or -1 and, if report is not NULL, *report (fresh string, caller
//  frees) names the first problem, e.g. "record 42: chain hash mismatch".
//  On success *report is set to NULL. Opens the file read-only.
//  A log cut short at a checkpoint (its newest records and checkpoints
//  removed together) still verifies: compare audit_count with the last
//  head known elsewhere, e.g. the counterpart gateway's records.
int64_t
    audit_verify (const char *db_path, const uint8_t *sign_public,
                  char **report);

//  Prints the newest `limit` records (all if limit <= 0), oldest first, one
//  per line, tab-separated: seq, time (ISO 8601 UTC, ms), direction, peer,
//  officer, purpose, item, key, fields, decision. Empty values
//  print as "-"; UTF-8 as it is; control characters and bytes that are not
//  UTF-8 escaped (text.h), so no value adds a line or a column. Opens the
//  file read-only.
//  Returns the number of records printed, or -1 (logged) if the file cannot
//  be read.
int
    audit_print (const char *db_path, FILE *out, int64_t limit);

//  Calls fn for the id (hex) and time of every written record of
//  `direction` at or after since_ms, oldest first; the gateway feeds its
//  replay cache with them at start, so a restart does not reopen the
//  replay window. Returns the number of records, or -1 on a read error.
int64_t
    audit_each_since (audit_t *self, const char *direction, int64_t since_ms,
                      void (*fn) (const char *msgid, int64_t time_ms, void *arg),
                      void *arg);

void
    audit_test (bool verbose);

#endif
