/*  noticeref.h -- the references a department's system gives the notices
    it sends and the alerts it raises (notice-send's and alert-raise's
    `ref`, PROTOCOL.md 17.8), kept in the notice store's table `sent_ref`
    (notices.h, notices_ref_find and notices_ref_put, which call these with
    the store's connection).

    A reference names one notice (or one alert) for good, with the digest
    of the terms it was sent with and its recipients: a send made again
    because its answer never came (the gateway was killed before it left)
    is answered with the notice it stored, never stored twice; the same
    reference with other terms is refused (REF_REUSED).
*/
#ifndef SLUICE_NOTICEREF_H_INCLUDED
#define SLUICE_NOTICEREF_H_INCLUDED

#include <sqlite3.h>
#include "localapi.h"
#include "noticeid.h"

#define NOTICEREF_TERMS_BYTES   32      //  BLAKE2b of the terms

//  The table, in the notice store's schema (notices.c)
#define NOTICEREF_SCHEMA \
    "CREATE TABLE IF NOT EXISTS sent_ref (" \
    "  type INTEGER NOT NULL, ref TEXT NOT NULL, terms BLOB NOT NULL," \
    "  notice BLOB NOT NULL, recipients TEXT NOT NULL, PRIMARY KEY (type, ref));"

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

void
    noticeref_test (bool verbose);

#endif
