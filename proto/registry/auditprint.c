/*  auditprint.c -- the audit log's records as lines for a person.  */

#include "auditprint.h"
#include "text.h"
#include "status.h"
#include "statedb.h"
#include "audit.h"

#include <czmq.h>
#include <sodium.h>
#include <inttypes.h>
#include <time.h>

//  What `sluice audit show` prints, per format
#define S_SHOW_COLUMNS \
    "seq, time_ms, direction, peer, caller, officer, purpose, item, key, " \
    "fields, decision"
#define S_SHOW_COLUMNS_1 \
    "seq, time_ms, direction, peer, '', officer, purpose, item, key, " \
    "fields, decision"
#define S_SHOW_TEXTS        9       //  columns after seq and time

//  Prints a value for one display column: "-" if empty, else escaped as
//  text.h says (UTF-8 kept, control characters and invalid bytes escaped)
//  so that a hostile officer or purpose cannot forge lines or columns or
//  drive the terminal.
static void
s_print_value (FILE *out, const unsigned char *value)
{
    if (!value || !*value)
        fputc ('-', out);
    else
        text_puts (out, (const char *) value, TEXT_TERMINAL, NULL);
}

//  One record: seq, its time in ISO 8601 UTC with milliseconds, the texts
static void
s_print_row (FILE *out, sqlite3_stmt *stmt)
{
    int64_t time_ms = sqlite3_column_int64 (stmt, 1);
    //  Floor division, so times before 1970 print correctly too
    int64_t seconds = time_ms / 1000 - (time_ms % 1000 < 0);
    int millis = (int) (time_ms - seconds * 1000);
    time_t clock = (time_t) seconds;
    struct tm utc;
    char stamp [64] = "?";
    if (gmtime_r (&clock, &utc)) {
        size_t size = strftime (stamp, sizeof (stamp), "%Y-%m-%dT%H:%M:%S", &utc);
        snprintf (stamp + size, sizeof (stamp) - size, ".%03dZ", millis);
    }
    fprintf (out, "%" PRId64 "\t%s", (int64_t) sqlite3_column_int64 (stmt, 0), stamp);
    for (int column = 2; column < 2 + S_SHOW_TEXTS; column++) {
        fputc ('\t', out);
        s_print_value (out, sqlite3_column_text (stmt, column));
    }
    fputc ('\n', out);
}

int
auditprint_records (const char *db_path, FILE *out, int64_t limit, char **error)
{
    assert (db_path);
    assert (out);
    int result = 0;
    auditfile_t *file = auditfile_new (db_path, &result, error);
    if (!file)
        return result;
    sqlite3_stmt *stmt = auditfile_select (file, S_SHOW_COLUMNS, S_SHOW_COLUMNS_1,
        "WHERE seq IN (SELECT seq FROM record ORDER BY seq DESC LIMIT ?1)"
        " ORDER BY seq");
    int rc = SQLITE_ERROR;
    if (stmt) {
        sqlite3_bind_int64 (stmt, 1, limit > 0? limit: -1);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
            s_print_row (out, stmt);
            result++;
        }
    }
    if (rc != SQLITE_DONE) {
        status_set_error (error, "%s: %s", db_path, sqlite3_errmsg (auditfile_db (file)));
        result = AUDIT_NOT_INTACT;
    }
    sqlite3_finalize (stmt);
    auditfile_destroy (&file);
    return result;
}


//  --------------------------------------------------------------------------
//  Self-test

void
auditprint_test (bool verbose)
{
    if (verbose)
        printf (" * auditprint: ");
    char *dir = zsys_sprintf ("/tmp/sluice-auditprint-test-%d", (int) getpid ());
    assert (dir);
    zsys_dir_create ("%s", dir);
    char *path = zsys_sprintf ("%s/audit.db", dir);
    char *missing = zsys_sprintf ("%s/missing.db", dir);
    uint8_t public_key [AUDIT_KEY_SIZE], secret [64];
    crypto_sign_keypair (public_key, secret);
    char *error = NULL;

    //  Records 1 to 9; record 6 has no texts, record 7 control characters
    //  and bytes that are not UTF-8 in its purpose, and Chinese
    audit_t *audit = audit_new (path, "pudong-tax", secret, &error);
    assert (audit);
    char msgid [33];
    for (int number = 1; number <= 9; number++) {
        audit_record_t record = auditrecord_example (number, msgid);
        if (number == 6)
            record = (audit_record_t) { .time_ms = 1700000000006, .status = 132,
                                        .decision = "refused: NO_AGREEMENT" };
        if (number == 7)
            record.purpose = "line\nbreak\x1b[31m 税务登记 \xc2\x9b\xff";
        assert (audit_append (audit, &record) == 0);
    }
    assert (audit_commit (audit, NULL) == 0);
    audit_destroy (&audit);

    //  Control characters and bytes that are not UTF-8 are kept in the log,
    //  shown escaped; Chinese is shown as it is; the caller of the asking
    //  side is shown
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    assert (out);
    assert (auditprint_records (path, out, 3, &error) == 3);
    fclose (out);
    if (verbose)
        printf ("\n%s", text);
    assert (strstr (text, "7\t2023-11-14T22:13:20.007Z\tasked\tpudong-market\t"
                          "wangli\twang.li\tline\\nbreak\\x1b[31m 税务登记 \\u009b\\xff\t"));
    assert (!strstr (text, "\t6\t") && strncmp (text, "7\t", 2) == 0);
    assert (strstr (text, "8\t2023-11-14T22:13:20.008Z\tserved\tpudong-market\t-\t"));
    free (text);
    FILE *sink = fopen ("/dev/null", "w");
    assert (sink);
    assert (auditprint_records (path, sink, 0, &error) == 9);
    assert (auditprint_records (missing, sink, 0, &error) == AUDIT_NO_FILE);
    assert (error && strstr (error, "no such file"));
    zstr_free (&error);
    assert (auditprint_records (missing, sink, 0, NULL) == AUDIT_NO_FILE);
    //  A log of the earlier format prints too, without a caller
    auditfile_test_v1 (path, secret, 4);
    assert (auditprint_records (path, sink, 0, &error) == 4);
    fclose (sink);

    statedb_remove (path);
    zsys_dir_delete ("%s", dir);
    zstr_free (&path);
    zstr_free (&missing);
    zstr_free (&dir);
    if (verbose)
        printf ("OK\n");
}
