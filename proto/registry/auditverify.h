/*  auditverify.h -- verifying an audit log, and witnessing it with the
    other department's.

    Verification recomputes the whole chain (auditrecord.h) and checks
    every checkpoint's signature with the key of its segment; witnessing
    checks a log against the chain heads that the other department's log
    kept from its messages, which catches a log cut back to an earlier
    checkpoint (proto/PROTOCOL.md 15.5 to 15.7). Both open the files
    read-only (auditfile.h) and read both formats.
*/
#ifndef SLUICE_AUDITVERIFY_H_INCLUDED
#define SLUICE_AUDITVERIFY_H_INCLUDED

#include "auditfile.h"

//  A certificate whose key may sign checkpoints: its serial (0: any) and
//  its Ed25519 public key.
typedef struct {
    uint64_t serial;
    uint8_t sign_public [AUDIT_KEY_SIZE];
} audit_key_t;

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
//  was renewed.
//  A log cut back to a checkpoint (its newest records and checkpoints
//  removed together) still verifies alone: auditverify_witness catches it.
int64_t
    auditverify_log (const char *db_path, const audit_key_t *keys, size_t key_count,
                     char **report);

//  Verifies the log at db_path (as auditverify_log, with `keys`) and the
//  witness log of another department (with witness_keys), then checks the
//  log against every witness record that names the log's department and
//  holds a head of it. Where the witness served (the log's department
//  asked), the log must reach the head's sequence number with its chain
//  hash; where the witness asked, the log's record of that number must be
//  the answer (served, the same msgid, to the witness's department),
//  chained onto the hash held. Returns the number of witness records
//  checked; else as auditverify_log, *report naming the first
//  disagreement, e.g. "cut back: ... the log ends at record 40".
int64_t
    auditverify_witness (const char *db_path, const audit_key_t *keys, size_t key_count,
                         const char *witness_path, const audit_key_t *witness_keys,
                         size_t witness_key_count, char **report);

//  For the self-tests of the audit classes: a certificate key whose Ed25519
//  seed is the byte `fill` repeated, naming `serial`; its secret key goes
//  into `secret` (64 bytes).
audit_key_t
    auditverify_test_key (uint8_t fill, uint64_t serial, uint8_t *secret);

void
    auditverify_test (bool verbose);

#endif
