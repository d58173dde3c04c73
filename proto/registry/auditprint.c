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

//  The texts shown, by auditprint_text_t: each is the record column of its
//  name, read by that name, so the columns and the JSON keys are said once
static const char *s_names [AUDITPRINT_TEXTS] = {
    "direction", "peer", "caller", "officer", "purpose", "item", "key", "fields",
    "decision"
};

const char *
auditprint_name (auditprint_text_t text)
{
    assert (text < AUDITPRINT_TEXTS);
    return s_names [text];
}

//  "seq, time_ms, direction, peer, ...": the columns to select, of a log
//  of format 2, or of format 1, which has no caller (read as '')
static void
s_columns (char *columns, size_t size, bool format_1)
{
    int length = snprintf (columns, size, "seq, time_ms");
    for (int text = 0; text < AUDITPRINT_TEXTS; text++)
        length += snprintf (columns + length, size - (size_t) length, ", %s",
                            format_1 && text == AUDITPRINT_CALLER? "''": s_names [text]);
    assert ((size_t) length < size);
}

void
auditprint_time (int64_t time_ms, char *stamp)
{
    assert (stamp);
    //  Floor division, so times before 1970 print correctly too
    int64_t seconds = time_ms / 1000 - (time_ms % 1000 < 0);
    int millis = (int) (time_ms - seconds * 1000);
    time_t clock = (time_t) seconds;
    struct tm utc;
    snprintf (stamp, AUDITPRINT_TIME_SIZE, "?");
    if (gmtime_r (&clock, &utc)) {
        size_t size = strftime (stamp, AUDITPRINT_TIME_SIZE, "%Y-%m-%dT%H:%M:%S", &utc);
        snprintf (stamp + size, AUDITPRINT_TIME_SIZE - size, ".%03dZ", millis);
    }
}

int
auditprint_each (const char *db_path, int64_t limit, auditprint_fn *fn, void *argument,
                 char **error)
{
    assert (db_path);
    assert (fn);
    int result = 0;
    auditfile_t *file = auditfile_new (db_path, &result, error);
    if (!file)
        return result;
    char columns_2 [256], columns_1 [256];
    s_columns (columns_2, sizeof (columns_2), false);
    s_columns (columns_1, sizeof (columns_1), true);
    sqlite3_stmt *stmt = auditfile_select (file, columns_2, columns_1,
        "WHERE seq IN (SELECT seq FROM record ORDER BY seq DESC LIMIT ?1)"
        " ORDER BY seq");
    int rc = SQLITE_ERROR;
    if (stmt) {
        sqlite3_bind_int64 (stmt, 1, limit > 0? limit: -1);
        while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
            auditprint_row_t row = {
                sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1)
            };
            for (int text = 0; text < AUDITPRINT_TEXTS; text++) {
                const unsigned char *value = sqlite3_column_text (stmt, 2 + text);
                row.texts [text] = value? (const char *) value: "";
            }
            fn (&row, argument);
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

//  One record on one line: "-" for an empty value, else escaped as text.h
//  says (UTF-8 kept, control characters and invalid bytes escaped) so that
//  a hostile officer or purpose cannot forge lines or columns or drive the
//  terminal.
static void
s_print_row (const auditprint_row_t *row, void *argument)
{
    FILE *out = (FILE *) argument;
    char stamp [AUDITPRINT_TIME_SIZE];
    auditprint_time (row->time_ms, stamp);
    fprintf (out, "%" PRId64 "\t%s", row->seq, stamp);
    for (int text = 0; text < AUDITPRINT_TEXTS; text++) {
        fputc ('\t', out);
        if (*row->texts [text])
            text_puts (out, row->texts [text], TEXT_TERMINAL, NULL);
        else
            fputc ('-', out);
    }
    fputc ('\n', out);
}

int
auditprint_records (const char *db_path, FILE *out, int64_t limit, char **error)
{
    assert (out);
    return auditprint_each (db_path, limit, s_print_row, out, error);
}


//  --------------------------------------------------------------------------
//  Self-test

//  What the self-test's reader keeps of the rows it is given
typedef struct {
    int count;
    int64_t first_seq, last_seq;
    char purpose_7 [128];
    char caller_8 [32];
} s_test_rows_t;

static void
s_test_row (const auditprint_row_t *row, void *argument)
{
    s_test_rows_t *rows = (s_test_rows_t *) argument;
    if (rows->count++ == 0)
        rows->first_seq = row->seq;
    assert (row->seq > rows->last_seq);         //  oldest first
    rows->last_seq = row->seq;
    for (int text = 0; text < AUDITPRINT_TEXTS; text++)
        assert (row->texts [text]);
    if (row->seq == 7)
        snprintf (rows->purpose_7, sizeof (rows->purpose_7), "%s",
                  row->texts [AUDITPRINT_PURPOSE]);
    if (row->seq == 8)
        snprintf (rows->caller_8, sizeof (rows->caller_8), "<%s>",
                  row->texts [AUDITPRINT_CALLER]);
}

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

    //  The reader gives the texts as the log holds them, unescaped, ""
    //  where there is none, oldest first; the names are the columns'
    s_test_rows_t rows = { 0 };
    assert (auditprint_each (path, 4, s_test_row, &rows, &error) == 4);
    assert (rows.count == 4 && rows.first_seq == 6 && rows.last_seq == 9);
    assert (streq (rows.purpose_7, "line\nbreak\x1b[31m 税务登记 \xc2\x9b\xff"));
    assert (streq (rows.caller_8, "<>"));
    assert (streq (auditprint_name (AUDITPRINT_DIRECTION), "direction"));
    assert (streq (auditprint_name (AUDITPRINT_CALLER), "caller"));
    assert (streq (auditprint_name (AUDITPRINT_DECISION), "decision"));
    char stamp [AUDITPRINT_TIME_SIZE];
    auditprint_time (1700000000007, stamp);
    assert (streq (stamp, "2023-11-14T22:13:20.007Z"));
    auditprint_time (-1, stamp);
    assert (streq (stamp, "1969-12-31T23:59:59.999Z"));
    FILE *sink = fopen ("/dev/null", "w");
    assert (sink);
    assert (auditprint_records (path, sink, 0, &error) == 9);
    assert (auditprint_records (missing, sink, 0, &error) == AUDIT_NO_FILE);
    assert (error && strstr (error, "no such file"));
    zstr_free (&error);
    assert (auditprint_records (missing, sink, 0, NULL) == AUDIT_NO_FILE);
    rows = (s_test_rows_t) { 0 };
    assert (auditprint_each (missing, 0, s_test_row, &rows, NULL) == AUDIT_NO_FILE);
    assert (rows.count == 0);
    //  A log of the earlier format prints too, without a caller
    auditfile_test_v1 (path, secret, 4);
    assert (auditprint_records (path, sink, 0, &error) == 4);
    rows = (s_test_rows_t) { 0 };
    assert (auditprint_each (path, 0, s_test_row, &rows, &error) == 4);
    assert (rows.count == 4 && rows.first_seq == 1);
    fclose (sink);

    statedb_remove (path);
    zsys_dir_delete ("%s", dir);
    zstr_free (&path);
    zstr_free (&missing);
    zstr_free (&dir);
    if (verbose)
        printf ("OK\n");
}
