/*  audit.h -- the gateway's audit log: append-only, hash-chained, signed.

    One record per request at both ends (the asking gateway and the serving
    one). Each record's chain hash covers the previous hash and the record,
    so an edit, deletion or reordering breaks the chain; every committed
    batch ends with a checkpoint row holding the department's Ed25519
    signature over the chain head, so the chain cannot be rebuilt without
    the signing key. Each record also keeps the other side's chain head as
    its message carried it, so one department's log witnesses the other's
    and a log cut back to an earlier checkpoint is caught (auditverify.h).
    A certificate renewal starts a new segment of the same chain, signed
    into it by the old key (audit_renew). The exact formats are in README
    "Audit log" and proto/PROTOCOL.md section 15.

    Durability: audit_append copies the record into the pending batch and
    fixes its sequence number and chain hash at once; audit_commit writes
    the batch and its checkpoint in one SQLite transaction (WAL,
    synchronous = FULL) and returns only once it is on the disk. The gateway
    holds back every answer until the commit that holds its record has
    returned (group commit: one commit per batch of messages read), so no
    answer leaves without its record, even across a SIGKILL or a power loss.
    A failed commit drops the batch and takes the chain back to the last
    committed record: the caller then sends none of the batch's answers.

    One writer (one audit_t) per log file. Reading it meanwhile
    (auditverify.h, auditprint.h, the sqlite3 shell) is fine. The record's
    encoding and chain are auditrecord.h's, the file's tables auditfile.h's.
*/
#ifndef SLUICE_AUDIT_H_INCLUDED
#define SLUICE_AUDIT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "auditrecord.h"

#define AUDIT_PENDING_MAX   65536   //  records appended without a commit
                                    //  beyond which audit_append refuses

typedef struct _audit_t audit_t;

//  Opens or creates the audit log at db_path for `department`, signing
//  checkpoints with sign_secret (libsodium Ed25519 secret key, 64 bytes).
//  Continues the chain of an existing log. Returns NULL and sets *error
//  (fresh string, caller frees; error may be NULL) if the file cannot be
//  opened or created, is not an audit log, is a log of the earlier format
//  sluice-audit-1 (move it aside; auditverify still reads it), belongs to
//  another department, is signed by another key (after a certificate
//  renewal, run audit_renew first), its last record does not chain onto
//  the one before it, or a newer version of Sluice wrote it (statedb.h).
audit_t *
    audit_new (const char *db_path, const char *department,
               const uint8_t *sign_secret, char **error);

//  Commits what is pending (logging an error with the number of records
//  lost if that fails: a destructor has nobody to report to), closes the
//  log and nulls *self_p. Safe to call twice.
void
    audit_destroy (audit_t **self_p);

//  Copies the record into the pending batch, giving it the next sequence
//  number and its chain hash. A record is never refused for its content:
//  NULL strings are recorded as "", strings longer than AUDIT_TEXT_MAX bytes
//  are cut (at a UTF-8 character boundary). Returns 0, or -1 only when
//  memory is short or AUDIT_PENDING_MAX records are already pending: the
//  caller must then refuse the request rather than serve it unaudited.
int
    audit_append (audit_t *self, const audit_record_t *record)
    __attribute__ ((warn_unused_result));

//  Writes the pending batch and a signed checkpoint of the chain head in one
//  transaction and waits until it is durable. Returns 0 (also when nothing
//  was pending), or -1 on a disk error with *error (fresh string, caller
//  frees; error may be NULL) saying what failed: the pending records are
//  dropped and the chain goes back to the last record the file holds, so
//  the caller must not send anything that the dropped records describe.
//  If another key signs the file meanwhile (a renewal), the writer stops:
//  every later append fails.
int
    audit_commit (audit_t *self, char **error)
    __attribute__ ((warn_unused_result));

//  Number of records appended but not yet committed.
size_t
    audit_pending (audit_t *self);

//  Number of records in the log, committed or pending (= last sequence
//  number).
uint64_t
    audit_count (audit_t *self);

//  Commits that wrote at least one record since audit_new.
uint64_t
    audit_commits (audit_t *self);

//  The chain head after the last appended record (pending included): what
//  a QUERY sent now carries. seq 0 and 32 zero bytes for an empty log.
void
    audit_head (audit_t *self, message_head_t *head);

//  What an answer whose record is appended next carries: the sequence
//  number that record gets, and the chain hash it chains onto.
void
    audit_next (audit_t *self, message_head_t *next);

//  Records a certificate renewal in the log at db_path: opens it with the
//  old key (old_secret, of the certificate with serial old_serial), appends
//  a renewal record naming the new certificate (new_serial, its signing key
//  new_public) and commits it with a checkpoint signed by the old key.
//  From then on the log continues only with the new key. Run it while the
//  gateway is stopped. Returns the renewal record's sequence number, or -1
//  and *error (as audit_new; also if the new key is the old one).
int64_t
    audit_renew (const char *db_path, const char *department,
                 const uint8_t *old_secret, uint64_t old_serial,
                 uint64_t new_serial, const uint8_t *new_public, char **error);

//  Calls fn for the id (hex) and message time of every written record of
//  `direction` whose message time is at or after since_ms, oldest first;
//  the gateway feeds its replay cache with them at start, so a restart
//  does not reopen the replay window. Returns the number of records, or -1
//  on a read error.
int64_t
    audit_each_since (audit_t *self, const char *direction, int64_t since_ms,
                      void (*fn) (const char *msgid, int64_t msg_time_ms, void *arg),
                      void *arg);

void
    audit_test (bool verbose);

#endif
