/*  noticeref.c -- the references of the notices and alerts sent; see
    noticeref.h.  */

#include "noticeref.h"
#include "envelope.h"
#include <sodium.h>

bool
noticeref_valid (const char *ref)
{
    assert (ref);
    size_t length = strlen (ref);
    return length > 0 && length <= LOCALAPI_REF_MAX
        && strspn (ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789._:/-") == length;
}

void
noticeref_terms (const localapi_request_t *request, uint8_t *terms)
{
    assert (request && terms);
    localapi_request_t asked = *request;        //  shallow: read, never cleared
    asked.timeout_ms = 0;
    msgpack_sbuffer encoded;
    msgpack_sbuffer_init (&encoded);
    if (localapi_request_encode (&asked, &encoded))
        //  Out of memory: a digest no send can match, so never a repeat
        randombytes_buf (terms, NOTICEREF_TERMS_BYTES);
    else
        crypto_generichash (terms, NOTICEREF_TERMS_BYTES, (uint8_t *) encoded.data,
                            encoded.size, NULL, 0);
    msgpack_sbuffer_destroy (&encoded);
}

int
noticeref_find (sqlite3 *db, int type, const char *ref, const uint8_t *terms,
                uint8_t *notice, char **recipients)
{
    assert (db && ref && terms && notice && recipients);
    *recipients = NULL;
    sqlite3_stmt *stmt = NULL;
    int found = -1;
    if (sqlite3_prepare_v2 (db, "SELECT terms, notice, recipients FROM sent_ref"
                            " WHERE type = ?1 AND ref = ?2", -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_bind_int (stmt, 1, type) == SQLITE_OK
    &&  sqlite3_bind_text (stmt, 2, ref, -1, SQLITE_TRANSIENT) == SQLITE_OK) {
        int rc = sqlite3_step (stmt);
        if (rc == SQLITE_DONE)
            found = NOTICEREF_NONE;
        else
        if (rc == SQLITE_ROW && sqlite3_column_bytes (stmt, 0) == NOTICEREF_TERMS_BYTES
        &&  sqlite3_column_bytes (stmt, 1) == NOTICEID_BYTES) {
            bool same = memcmp (sqlite3_column_blob (stmt, 0), terms,
                                NOTICEREF_TERMS_BYTES) == 0;
            memcpy (notice, sqlite3_column_blob (stmt, 1), NOTICEID_BYTES);
            const char *names = (const char *) sqlite3_column_text (stmt, 2);
            *recipients = strdup (names? names: "");
            found = same? NOTICEREF_SAME: NOTICEREF_OTHER;
        }
    }
    sqlite3_finalize (stmt);
    return found;
}

int
noticeref_put (sqlite3 *db, int type, const char *ref, const uint8_t *terms,
               const uint8_t *notice, const char *recipients)
{
    assert (db && ref && terms && notice && recipients);
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (db, "INSERT INTO sent_ref (type, ref, terms, notice, recipients)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_bind_int (stmt, 1, type) == SQLITE_OK
    &&  sqlite3_bind_text (stmt, 2, ref, -1, SQLITE_TRANSIENT) == SQLITE_OK
    &&  sqlite3_bind_blob (stmt, 3, terms, NOTICEREF_TERMS_BYTES, SQLITE_TRANSIENT) == SQLITE_OK
    &&  sqlite3_bind_blob (stmt, 4, notice, NOTICEID_BYTES, SQLITE_TRANSIENT) == SQLITE_OK
    &&  sqlite3_bind_text (stmt, 5, recipients, -1, SQLITE_TRANSIENT) == SQLITE_OK
    &&  sqlite3_step (stmt) == SQLITE_DONE)
        rc = 0;
    sqlite3_finalize (stmt);
    return rc;
}

int64_t
noticeref_taken (sqlite3 *db, int type, const char *ref, zlistx_t *notices)
{
    assert (db && ref && notices);
    sqlite3_stmt *stmt = NULL;
    int64_t count = -1;
    if (sqlite3_prepare_v2 (db, "SELECT notice FROM taken_ref WHERE type = ?1 AND ref = ?2"
                            " ORDER BY rowid", -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_bind_int (stmt, 1, type) == SQLITE_OK
    &&  sqlite3_bind_text (stmt, 2, ref, -1, SQLITE_TRANSIENT) == SQLITE_OK) {
        int rc;
        count = 0;
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            if (sqlite3_column_bytes (stmt, 0) == NOTICEID_BYTES) {
                uint8_t *notice = (uint8_t *) malloc (NOTICEID_BYTES);
                assert (notice);
                memcpy (notice, sqlite3_column_blob (stmt, 0), NOTICEID_BYTES);
                zlistx_add_end (notices, notice);
                count++;
            }
        if (rc != SQLITE_DONE)
            count = -1;
    }
    sqlite3_finalize (stmt);
    return count;
}

int
noticeref_take (sqlite3 *db, int type, const char *ref, const uint8_t *notice)
{
    assert (db && ref && notice);
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (db, "INSERT OR IGNORE INTO taken_ref (type, ref, notice)"
                            " VALUES (?1, ?2, ?3)", -1, &stmt, NULL) == SQLITE_OK
    &&  sqlite3_bind_int (stmt, 1, type) == SQLITE_OK
    &&  sqlite3_bind_text (stmt, 2, ref, -1, SQLITE_TRANSIENT) == SQLITE_OK
    &&  sqlite3_bind_blob (stmt, 3, notice, NOTICEID_BYTES, SQLITE_TRANSIENT) == SQLITE_OK
    &&  sqlite3_step (stmt) == SQLITE_DONE)
        rc = 0;
    sqlite3_finalize (stmt);
    return rc;
}

//  --------------------------------------------------------------------------
//  Self test

void
noticeref_test (bool verbose)
{
    if (verbose)
        printf (" * noticeref: ");
    assert (noticeref_valid ("MSA-2026-000123") && noticeref_valid ("a.b_c:d/e"));
    assert (!noticeref_valid ("") && !noticeref_valid ("with space")
            && !noticeref_valid ("x'; DROP TABLE outbox; --") && !noticeref_valid ("名"));
    char longest [LOCALAPI_REF_MAX + 2];
    memset (longest, 'r', sizeof (longest) - 1);
    longest [LOCALAPI_REF_MAX] = 0;
    assert (noticeref_valid (longest));
    longest [LOCALAPI_REF_MAX] = 'r';
    longest [LOCALAPI_REF_MAX + 1] = 0;
    assert (!noticeref_valid (longest));

    //  The terms: the same request, the same digest, whatever it waits;
    //  any other key, another
    localapi_request_t request = { .op = "notice-send", .recipients = "SH-PD-FDA",
                                   .kind = "license-required", .key_type = "uscc",
                                   .ref = "MSA-1", .timeout_ms = 5000 };
    strcpy (request.query.key, "91310115MA1K3BTP2B");
    uint8_t terms [NOTICEREF_TERMS_BYTES], again [NOTICEREF_TERMS_BYTES];
    noticeref_terms (&request, terms);
    request.timeout_ms = 60000;
    noticeref_terms (&request, again);
    assert (memcmp (terms, again, sizeof (terms)) == 0);
    strcpy (request.query.key, "91310115MA1K3BTP3C");
    noticeref_terms (&request, again);
    assert (memcmp (terms, again, sizeof (terms)) != 0);

    sqlite3 *db = NULL;
    assert (sqlite3_open (":memory:", &db) == SQLITE_OK);
    assert (sqlite3_exec (db, NOTICEREF_SCHEMA, NULL, NULL, NULL) == SQLITE_OK);
    uint8_t notice [NOTICEID_BYTES], found [NOTICEID_BYTES];
    randombytes_buf (notice, sizeof (notice));
    char *recipients;
    assert (noticeref_find (db, MSG_NOTICE, "MSA-1", terms, found, &recipients)
            == NOTICEREF_NONE && !recipients);
    assert (noticeref_put (db, MSG_NOTICE, "MSA-1", terms, notice, "SH-PD-FDA,SH-PD-TAX") == 0);
    assert (noticeref_put (db, MSG_NOTICE, "MSA-1", terms, notice, "SH-PD-FDA") == -1);
    assert (noticeref_find (db, MSG_NOTICE, "MSA-1", terms, found, &recipients)
            == NOTICEREF_SAME);
    assert (memcmp (found, notice, sizeof (notice)) == 0);
    assert (streq (recipients, "SH-PD-FDA,SH-PD-TAX"));
    zstr_free (&recipients);
    assert (noticeref_find (db, MSG_NOTICE, "MSA-1", again, found, &recipients)
            == NOTICEREF_OTHER);
    zstr_free (&recipients);
    //  A notice's reference and an alert's are apart
    assert (noticeref_find (db, MSG_ALERT, "MSA-1", terms, found, &recipients)
            == NOTICEREF_NONE);

    //  A take's copies, in the order taken; of its type only
    zlistx_t *notices = zlistx_new ();
    zlistx_set_destructor (notices, (zlistx_destructor_fn *) zstr_free);
    assert (noticeref_taken (db, MSG_NOTICE, "take-1", notices) == 0);
    uint8_t other [NOTICEID_BYTES];
    randombytes_buf (other, sizeof (other));
    assert (noticeref_take (db, MSG_NOTICE, "take-1", other) == 0);
    assert (noticeref_take (db, MSG_NOTICE, "take-1", notice) == 0);
    assert (noticeref_take (db, MSG_NOTICE, "take-1", notice) == 0);       //  once
    assert (noticeref_taken (db, MSG_NOTICE, "take-1", notices) == 2);
    assert (memcmp (zlistx_first (notices), other, NOTICEID_BYTES) == 0);
    assert (memcmp (zlistx_next (notices), notice, NOTICEID_BYTES) == 0);
    zlistx_purge (notices);
    assert (noticeref_taken (db, MSG_ALERT, "take-1", notices) == 0);
    assert (sqlite3_exec (db, "DROP TABLE taken_ref", NULL, NULL, NULL) == SQLITE_OK);
    assert (noticeref_taken (db, MSG_NOTICE, "take-1", notices) == -1);
    assert (noticeref_take (db, MSG_NOTICE, "take-1", notice) == -1);
    zlistx_destroy (&notices);
    assert (sqlite3_exec (db, "DROP TABLE sent_ref", NULL, NULL, NULL) == SQLITE_OK);
    assert (noticeref_find (db, MSG_NOTICE, "MSA-1", terms, found, &recipients) == -1);
    assert (noticeref_put (db, MSG_NOTICE, "MSA-1", terms, notice, "SH-PD-FDA") == -1);
    sqlite3_close (db);
    if (verbose)
        printf ("OK\n");
}
