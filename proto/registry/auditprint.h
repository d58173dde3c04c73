/*  auditprint.h -- the audit log's records as lines for a person
    (`sluice audit show`).
*/
#ifndef SLUICE_AUDITPRINT_H_INCLUDED
#define SLUICE_AUDITPRINT_H_INCLUDED

#include <stdio.h>
#include "auditfile.h"

//  Prints the newest `limit` records of the log at db_path (all if limit
//  <= 0), oldest first, one per line, tab-separated: seq, time (ISO 8601
//  UTC, ms), direction, peer, caller, officer, purpose, item, key, fields,
//  decision. Empty values print as "-"; UTF-8 as it is; control characters
//  and bytes that are not UTF-8 escaped (text.h), so no value adds a line
//  or a column. Opens the file read-only, of either format.
//  Returns the number of records printed, or AUDIT_NO_FILE,
//  AUDIT_NOT_A_LOG or AUDIT_NOT_INTACT (a read error) with *error (fresh
//  string, caller frees; error may be NULL) saying why, with the path.
int
    auditprint_records (const char *db_path, FILE *out, int64_t limit, char **error);

void
    auditprint_test (bool verbose);

#endif
