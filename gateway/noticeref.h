/*  noticeref.h -- the references a department's system gives the notices
    it sends, the alerts it raises and the takes it makes (the `ref` of
    notice-send, alert-raise, notice-take and alert-take, PROTOCOL.md
    17.8), kept in the notice store's tables `sent_ref` and `taken_ref`
    (notices.h, notices_ref_*, which call these with the store's
    connection).

    A send's reference names one notice (or one alert) for good, with the
    digest of the terms it was sent with and its recipients: a send made
    again because its answer never came (the gateway was killed before it
    left) is answered with the notice it stored, never stored twice; the
    same reference with other terms is refused (REF_REUSED). A take's
    reference names the copies that take took, for good: a take made again
    with it is given the same copies, and takes nothing new.
*/
#ifndef SLUICE_NOTICEREF_H_INCLUDED
#define SLUICE_NOTICEREF_H_INCLUDED

#include <sqlite3.h>
#include "localapi.h"
#include "noticeid.h"

#define NOTICEREF_TERMS_BYTES   32      //  BLAKE2b of the terms
#define NOTICEREF_RULE          "a reference is 1 to 64 of A-Z a-z 0-9 . _ : / -"

//  The table, in the notice store's schema (notices.c)
#define NOTICEREF_SCHEMA \
    "CREATE TABLE IF NOT EXISTS sent_ref (" \
    "  type INTEGER NOT NULL, ref TEXT NOT NULL, terms BLOB NOT NULL," \
    "  notice BLOB NOT NULL, recipients TEXT NOT NULL, PRIMARY KEY (type, ref));" \
    "CREATE TABLE IF NOT EXISTS taken_ref (" \
    "  type INTEGER NOT NULL, ref TEXT NOT NULL, notice BLOB NOT NULL," \
    "  PRIMARY KEY (type, ref, notice));"

//  What a reference names
typedef enum {
    NOTICEREF_NONE = 0,                 //  nothing yet
    NOTICEREF_SAME = 1,                 //  a notice sent with these terms
    NOTICEREF_OTHER = 2                 //  a notice sent with other terms
} noticeref_found_t;

//  True if `ref` may be a reference: 1 to LOCALAPI_REF_MAX characters of
//  A-Z a-z 0-9 . _ : / -
bool
    noticeref_valid (const char *ref);

//  The digest of a send's or an alert's terms: every key of the request
//  as the local API encodes it, but the time it may wait (timeout_ms)
void
    noticeref_terms (const localapi_request_t *request, uint8_t *terms);

//  What `ref` names among the sends of `type` (MSG_NOTICE or MSG_ALERT):
//  its notice id into notice and its recipients (comma-separated, fresh,
//  the caller frees) into *recipients if found; or -1 if it cannot be read.
int
    noticeref_find (sqlite3 *db, int type, const char *ref, const uint8_t *terms,
                    uint8_t *notice, char **recipients);

//  Keeps `ref` as naming `notice`, sent with `terms` to `recipients`, in
//  the transaction open on db. 0, or -1.
int
    noticeref_put (sqlite3 *db, int type, const char *ref, const uint8_t *terms,
                   const uint8_t *notice, const char *recipients);

//  The notices (ids, NOTICEID_BYTES each, fresh: the list owns them) of
//  `type` a take with `ref` took, oldest first, added to `notices`. Their
//  count (0: none, or no such take yet), or -1 if they cannot be read.
int64_t
    noticeref_taken (sqlite3 *db, int type, const char *ref, zlistx_t *notices);

//  Keeps that the take with `ref` took `notice`, in the transaction open on
//  db. 0, or -1.
int
    noticeref_take (sqlite3 *db, int type, const char *ref, const uint8_t *notice);

void
    noticeref_test (bool verbose);

#endif
