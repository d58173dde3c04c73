/*  audit.h -- the gateway's audit log: append-only, hash-chained, signed.

    One record per request at both ends (the asking gateway and the serving
    one). Each record's chain hash covers the previous hash and the record,
    so an edit, deletion or reordering breaks the chain; every committed
    batch ends with a checkpoint row holding the department's Ed25519
    signature over the chain head, so the chain cannot be rebuilt without
    the signing key. Each record also keeps the other side's chain head as
    its message carried it, so one department's log witnesses the other's
    and a log cut back to an earlier checkpoint is caught (audit_witness).
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
    (audit_verify, audit_print, the sqlite3 shell) is fine.
*/
#ifndef SLUICE_AUDIT_H_INCLUDED
#define SLUICE_AUDIT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "message.h"

#define AUDIT_DIGEST_SIZE   32      //  BLAKE2b-256, request/response digests
#define AUDIT_HASH_SIZE     32      //  BLAKE2b-256 chain hash
#define AUDIT_KEY_SIZE      32      //  Ed25519 public key
#define AUDIT_TEXT_MAX      1024    //  longer strings are cut to this (bytes)
#define AUDIT_PENDING_MAX   65536   //  records appended without a commit
                                    //  beyond which audit_append refuses

//  What audit_verify, audit_witness and audit_print return instead of a
//  count when they cannot give one.
#define AUDIT_NOT_INTACT    (-1)    //  an audit log that fails verification
#define AUDIT_NO_FILE       (-2)    //  no such file, or it cannot be read
#define AUDIT_NOT_A_LOG     (-3)    //  a file that is not a Sluice audit log

typedef struct {
    int64_t time_ms;            //  wall clock of the decision, ms since epoch
    int64_t msg_time_ms;        //  the QUERY's header time (what the replay
                                //  window is measured from)
    const char *direction;      //  "served" (we answered) or "asked" (we asked)
    const char *msgid;          //  request message id, hex
    const char *peer;           //  other department id
    const char *caller;         //  the local caller who asked ("" serving)
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
    const message_head_t *peer_head; //  the other side's chain head as its
                                     //  signed message carried it; NULL: none
} audit_record_t;

//  A certificate whose key may sign checkpoints: its serial (0: any) and
//  its Ed25519 public key.
typedef struct {
    uint64_t serial;
    uint8_t sign_public [AUDIT_KEY_SIZE];
} audit_key_t;

typedef struct _audit_t audit_t;

//  Opens or creates the audit log at db_path for `department`, signing
//  checkpoints with sign_secret (libsodium Ed25519 secret key, 64 bytes).
//  Continues the chain of an existing log. Returns NULL and sets *error
//  (fresh string, caller frees; error may be NULL) if the file cannot be
//  opened or created, is not an audit log, is a log of the earlier format
//  sluice-audit-1 (move it aside; audit_verify still reads it), belongs to
//  another department, is signed by another key (after a certificate
//  renewal, run audit_renew first), or its last record does not chain
//  onto the one before it.
audit_t *
    audit_new (const char *db_path, const char *department,
               const uint8_t *sign_secret, char **error);

//  Commits what is pending (logging an error with the number of records
//  lost if that fails), closes the log and nulls *self_p. Safe to call
//  twice.
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
//  was pending), or -1 on a disk error: the error is logged (once per
//  failing spell), the pending records are dropped and the chain goes back
//  to the last record the file holds, so the caller must not send anything
//  that the dropped records describe.
int
    audit_commit (audit_t *self)
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

//  Verifies a log file: recomputes every chain hash, checks that sequence
//  numbers start at 1 and have no gaps, that the log's first key and every
//  key a renewal moves to are keys among `keys` (a renewal to the serial a
//  key names, when it names one), that every checkpoint's signature
//  verifies with the key of its segment, that each renewal is covered by a
//  checkpoint of the key it replaces, that every checkpoint's head is the
//  chain hash at its sequence number, and that the last record is covered
//  by a checkpoint. Reads the formats sluice-audit-1 and sluice-audit-2.
//  Returns the number of records verified; else AUDIT_NOT_INTACT,
//  AUDIT_NO_FILE or AUDIT_NOT_A_LOG and, if report is not NULL, *report
//  (fresh string, caller frees) names the first problem, e.g. "record 42:
//  chain hash mismatch". On success *report is NULL, or says where the log
//  was renewed. Opens the file read-only.
//  A log cut back to a checkpoint (its newest records and checkpoints
//  removed together) still verifies alone: audit_witness catches it.
int64_t
    audit_verify (const char *db_path, const audit_key_t *keys, size_t key_count,
                  char **report);

//  Verifies the log at db_path (as audit_verify, with `keys`) and the
//  witness log of another department (with witness_keys), then checks the
//  log against every witness record that names the log's department and
//  holds a head of it. Where the witness served (the log's department
//  asked), the log must reach the head's sequence number with its chain
//  hash; where the witness asked, the log's record of that number must be
//  the answer (served, the same msgid, to the witness's department),
//  chained onto the hash held. Returns the number of witness records
//  checked; else as audit_verify, *report naming the first disagreement,
//  e.g. "cut back: ... the log ends at record 40".
int64_t
    audit_witness (const char *db_path, const audit_key_t *keys, size_t key_count,
                   const char *witness_path, const audit_key_t *witness_keys,
                   size_t witness_key_count, char **report);

//  0 if db_path is an audit log this version reads; else AUDIT_NO_FILE or
//  AUDIT_NOT_A_LOG with *report (fresh string, caller frees) saying which,
//  in words, with the path.
int
    audit_check_file (const char *db_path, char **report);

//  Prints the newest `limit` records (all if limit <= 0), oldest first, one
//  per line, tab-separated: seq, time (ISO 8601 UTC, ms), direction, peer,
//  caller, officer, purpose, item, key, fields, decision. Empty values
//  print as "-"; UTF-8 as it is; control characters and bytes that are not
//  UTF-8 escaped (text.h), so no value adds a line or a column. Opens the
//  file read-only.
//  Returns the number of records printed, or AUDIT_NO_FILE, AUDIT_NOT_A_LOG
//  or AUDIT_NOT_INTACT (a read error), logged.
int
    audit_print (const char *db_path, FILE *out, int64_t limit);

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
