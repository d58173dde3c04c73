/*  auditfile.h -- the audit log's file: its tables, its meta table (format,
    department, the key of its first segment), opened for writing by the
    one writer (audit.h) or for reading by anyone (auditverify.h,
    auditprint.h, the CLI), of either format.

    The file is a state database (statedb.h, schema version 1), and its meta
    table names its format: sluice-audit-2 is written, sluice-audit-1 is
    still read. The exact tables are in proto/PROTOCOL.md 15.1.
*/
#ifndef SLUICE_AUDITFILE_H_INCLUDED
#define SLUICE_AUDITFILE_H_INCLUDED

#include "auditrecord.h"

//  What opening a log for reading, verifying, witnessing and printing
//  return instead of a count when they cannot give one.
#define AUDIT_NOT_INTACT    (-1)    //  an audit log that fails verification
#define AUDIT_NO_FILE       (-2)    //  no such file, or it cannot be read
#define AUDIT_NOT_A_LOG     (-3)    //  a file that is not a Sluice audit log

//  The writer waits this long on another writer (an admin's tool, never
//  the normal case): a commit that cannot get the lock fails fast, so the
//  gateway's event loop never stalls on it.
#define AUDITFILE_WRITE_BUSY_MS     200

//  Opens or creates the log at path for writing, for `department`, whose
//  first segment is signed by sign_public. A new file gets the tables and
//  the meta table. NULL and *error (fresh string, caller frees; error may
//  be NULL) if the file cannot be opened, is not an audit log, is of the
//  earlier format sluice-audit-1 (the message says what to do), belongs to
//  another department, or a newer version of Sluice wrote it; a file
//  refused is left as it was.
sqlite3 *
    auditfile_open (const char *path, const char *department,
                    const uint8_t *sign_public, char **error);

//  The key that signs the newest checkpoints of an open log: the new key
//  of its last renewal record, else meta sign_public. 0, or -1 if none can
//  be read.
int
    auditfile_current_key (sqlite3 *db, uint8_t *key);

//  A log opened read-only, in one read transaction (a gateway appending
//  meanwhile cannot make two statements over it see different states).
typedef struct _auditfile_t auditfile_t;

//  Opens the log at path for reading. NULL and *code (AUDIT_NO_FILE,
//  AUDIT_NOT_A_LOG, or AUDIT_NOT_INTACT for a log whose meta table is
//  incomplete), with *report (fresh string, caller frees; may be NULL)
//  saying which in words, with the path.
auditfile_t *
    auditfile_new (const char *path, int *code, char **report);

void
    auditfile_destroy (auditfile_t **self_p);

sqlite3     *auditfile_db (auditfile_t *self);
const char  *auditfile_path (auditfile_t *self);
int          auditfile_format (auditfile_t *self);          //  1 or 2
const char  *auditfile_department (auditfile_t *self);
const uint8_t *auditfile_first_key (auditfile_t *self);     //  AUDIT_KEY_SIZE bytes

//  A statement over the log's records: "SELECT <columns> FROM record
//  <tail>", with the column list of its format; NULL if it cannot be
//  prepared. The caller finalizes it.
sqlite3_stmt *
    auditfile_select (auditfile_t *self, const char *columns_2,
                      const char *columns_1, const char *tail);

//  0 if path is an audit log this version reads; else AUDIT_NO_FILE or
//  AUDIT_NOT_A_LOG with *report (fresh string, caller frees) saying which,
//  in words, with the path.
int
    auditfile_check (const char *path, char **report);

//  For the self-tests of the audit classes: copies a closed log (one no
//  writer holds open has no WAL file); runs raw SQL on a log with the
//  append-only triggers dropped first, as a tamperer would; rewrites every
//  stored hash to match the (edited) records, as a tamperer without the
//  signing key could; writes a log of the earlier format sluice-audit-1,
//  of department "pudong-tax", as a gateway before it wrote it: records 1
//  .. count of auditrecord_example and one checkpoint at the end, signed
//  with `secret`.
void
    auditfile_test_copy (const char *from, const char *to);
void
    auditfile_test_sql (const char *path, const char *sql);
void
    auditfile_test_rechain (const char *path);
void
    auditfile_test_v1 (const char *path, const uint8_t *secret, int count);

void
    auditfile_test (bool verbose);

#endif
