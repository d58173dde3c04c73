/*  noticejournal.h -- an audit record as the notice store's journal keeps
    it, until the audit log holds it (noticing.h says why).

    One msgpack array of 16: time_ms, msg_time_ms (int), direction, msgid,
    peer, caller, officer, purpose, item, key, fields, decision, agreement
    (str), status (int), request_digest, response_digest (bin of 32, or
    nil). The record's own fields, nothing derived: appended from the
    journal, a record gets its sequence number and chain hash then. The
    journal is read back here too, once, at start (noticejournal_each).
*/
#ifndef SLUICE_NOTICEJOURNAL_H_INCLUDED
#define SLUICE_NOTICEJOURNAL_H_INCLUDED

#include <msgpack.h>
#include <sqlite3.h>
#include "audit.h"

typedef struct _noticejournal_t noticejournal_t;

//  Packs `record` into buffer (initialised by the caller); NULL texts as
//  "". 0, or -1 if the buffer could not grow.
int
    noticejournal_pack (const audit_record_t *record, msgpack_sbuffer *buffer);

//  Reads a packed record back: a fresh entry (noticejournal_destroy) that
//  holds it, or NULL if data [0..size) is not one.
noticejournal_t *
    noticejournal_read (const void *data, size_t size);

void
    noticejournal_destroy (noticejournal_t **self_p);

//  The record read (its texts live as long as the entry).
const audit_record_t *
    noticejournal_record (noticejournal_t *self);

//  True if the two records are the same step: same time, direction,
//  msgid, peer, decision and status (how a record is found again in the
//  audit log).
bool
    noticejournal_same (const audit_record_t *one, const audit_record_t *two);

//  Calls fn for every record in the journal table of the notice store
//  `db` (its file `path`, for the log), oldest first, with its id (the
//  record's texts live until fn returns); a row that does not read is
//  logged and left out. The count, or -1. (notices_journal_each)
int64_t
    noticejournal_each (sqlite3 *db, const char *path,
                        void (*fn) (const audit_record_t *record, int64_t id, void *arg),
                        void *arg);

void
    noticejournal_test (bool verbose);

#endif
