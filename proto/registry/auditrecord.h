/*  auditrecord.h -- one record of the audit log as its chain sees it.

    The canonical encoding of a record (formats sluice-audit-2 and, read
    only, sluice-audit-1), the chain hash, the bytes a checkpoint signs, and
    the strict reading of a stored row: proto/PROTOCOL.md 15.2 to 15.4 and
    15.8. The writer (audit.h) and the verifier (auditverify.h) both go
    through here, so the chain is computed by one piece of code.
*/
#ifndef SLUICE_AUDITRECORD_H_INCLUDED
#define SLUICE_AUDITRECORD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include <sqlite3.h>
#include "message.h"

#define AUDIT_DIGEST_SIZE   32      //  BLAKE2b-256, request/response digests
#define AUDIT_HASH_SIZE     32      //  BLAKE2b-256 chain hash
#define AUDIT_KEY_SIZE      32      //  Ed25519 public key
#define AUDIT_TEXT_MAX      1024    //  longer strings are cut to this (bytes)

#define AUDITRECORD_FORMAT_1        "sluice-audit-1"    //  read only
#define AUDITRECORD_FORMAT_2        "sluice-audit-2"    //  what is written
#define AUDITRECORD_FORMAT_FAMILY   "sluice-audit-"
#define AUDITRECORD_RENEWAL         "renewal"           //  its direction
//  FORMAT (14 bytes, no terminator) || seq (8 bytes big endian) || head
#define AUDITRECORD_SIGN_SIZE       (14 + 8 + AUDIT_HASH_SIZE)

//  A record as the gateway gives it to the writer (audit_append).
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

//  The text fields of a record, in canonical order (status sits between
//  FIELDS and DECISION in the canonical array; format 1 has no caller).
typedef enum {
    AUDITRECORD_DIRECTION, AUDITRECORD_MSGID, AUDITRECORD_PEER, AUDITRECORD_CALLER,
    AUDITRECORD_OFFICER, AUDITRECORD_PURPOSE, AUDITRECORD_ITEM, AUDITRECORD_KEY,
    AUDITRECORD_FIELDS, AUDITRECORD_DECISION, AUDITRECORD_AGREEMENT,
    AUDITRECORD_TEXTS
} auditrecord_text_t;

//  The record table's columns; every SELECT and INSERT of whole records
//  uses this list, and these indices into it. A format 1 log is read
//  through the same positions, its missing columns given as constants.
#define AUDITRECORD_COLUMNS \
    "seq, time_ms, msg_time_ms, direction, msgid, peer, caller, officer, " \
    "purpose, item, key, fields, status, decision, agreement, " \
    "request_digest, response_digest, peer_seq, peer_head, hash"
#define AUDITRECORD_COLUMNS_1 \
    "seq, time_ms, 0, direction, msgid, peer, '', officer, " \
    "purpose, item, key, fields, status, decision, agreement, " \
    "request_digest, response_digest, 0, zeroblob (32), hash"
enum {
    AUDITRECORD_COL_SEQ = 0, AUDITRECORD_COL_HASH = 19, AUDITRECORD_COLUMN_COUNT = 20
};

//  One record as the chain sees it. Text pointers are not NUL-terminated
//  necessarily; sizes are exact. A record made by auditrecord_new is one
//  allocation, its texts inside it; one read back (auditrecord_read)
//  points into SQLite's row and lives until the statement's next step.
typedef struct {
    uint64_t seq;
    int64_t time_ms;
    int64_t msg_time_ms;
    int64_t status;
    uint64_t peer_seq;
    const char *text [AUDITRECORD_TEXTS];
    size_t size [AUDITRECORD_TEXTS];
    uint8_t request_digest [AUDIT_DIGEST_SIZE];
    uint8_t response_digest [AUDIT_DIGEST_SIZE];
    uint8_t peer_head [AUDIT_HASH_SIZE];
    uint8_t hash [AUDIT_HASH_SIZE];
} auditrecord_t;

//  Copies `record` into a fresh record numbered `seq`, in one allocation.
//  Never refuses a record for its content: NULL strings become "",
//  strings longer than AUDIT_TEXT_MAX bytes are cut at a UTF-8 character
//  boundary, NULL digests are zeros, a peer head of sequence 0 (or beyond
//  2^63 - 1) is none. Its hash is not set. NULL if memory is short.
auditrecord_t *
    auditrecord_new (const audit_record_t *record, uint64_t seq);

void
    auditrecord_destroy (auditrecord_t **self_p);

//  Encodes canonical (self) of `format` (1 or 2) into buffer, cleared
//  first. 0, or -1 if memory is short.
int
    auditrecord_encode (const auditrecord_t *self, int format, msgpack_sbuffer *buffer)
    __attribute__ ((warn_unused_result));

//  hash = BLAKE2b-256 (previous || canonical); hash may be previous.
void
    auditrecord_chain (const uint8_t *previous, const msgpack_sbuffer *canonical,
                       uint8_t *hash);

//  The AUDITRECORD_SIGN_SIZE bytes a checkpoint of `format` at `seq` with
//  chain hash `head` signs, into message.
void
    auditrecord_sign_message (uint8_t *message, int format, uint64_t seq,
                              const uint8_t *head);

//  Reads the current row of a statement selecting AUDITRECORD_COLUMNS (or
//  _COLUMNS_1), strictly: every column must have its declared type and
//  size. 0, or -1 and *problem (static text naming the column).
int
    auditrecord_read (auditrecord_t *self, sqlite3_stmt *stmt, const char **problem);

//  Binds the record to an INSERT of AUDITRECORD_COLUMNS as ?1 .. ?20 (the
//  texts are not copied: the record must outlive the step).
void
    auditrecord_bind (const auditrecord_t *self, sqlite3_stmt *stmt);

//  True if the record is a renewal record (format 2).
bool
    auditrecord_is_renewal (const auditrecord_t *self);

//  The certificate serial a renewal record names (its key text, decimal,
//  1 .. 2^64 - 1); 0 if malformed.
uint64_t
    auditrecord_serial (const auditrecord_t *self);

//  For the self-tests of the audit classes: a plausible record, varied by
//  `number` (odd: asked, by a local caller; even: served). msgid is a
//  buffer of 33 bytes that the record's msgid points to.
audit_record_t
    auditrecord_example (int number, char *msgid);

void
    auditrecord_test (bool verbose);

#endif
