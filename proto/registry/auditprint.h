/*  auditprint.h -- the audit log's records as lines for a person
    (`sluice audit show`).
*/
#ifndef SLUICE_AUDITPRINT_H_INCLUDED
#define SLUICE_AUDITPRINT_H_INCLUDED

#include <stdio.h>
#include "auditfile.h"

//  The texts of a record as `sluice audit show` shows them, in the order
//  of its columns
typedef enum {
    AUDITPRINT_DIRECTION, AUDITPRINT_PEER, AUDITPRINT_CALLER, AUDITPRINT_OFFICER,
    AUDITPRINT_PURPOSE, AUDITPRINT_ITEM, AUDITPRINT_KEY, AUDITPRINT_FIELDS,
    AUDITPRINT_DECISION, AUDITPRINT_TEXTS
} auditprint_text_t;

//  One record as it is shown: its texts as the log holds them (UTF-8 or
//  not, control characters included: the one who shows them escapes
//  them), "" where the log holds none (the caller of a served query, every
//  caller of a log of the earlier format). Borrowed for the call only.
typedef struct {
    int64_t seq;
    int64_t time_ms;                //  the decision's, ms since the epoch
    const char *texts [AUDITPRINT_TEXTS];
} auditprint_row_t;

typedef void (auditprint_fn) (const auditprint_row_t *row, void *argument);

//  The name of a text: its column's, which is also its key in the JSON of
//  `sluice audit show --json` ("direction", "peer", "caller", ...).
const char *
    auditprint_name (auditprint_text_t text);

//  Calls fn with each of the newest `limit` records of the log at db_path
//  (all if limit <= 0), oldest first. Opens the file read-only, of either
//  format. Returns the number of records passed to fn, or AUDIT_NO_FILE,
//  AUDIT_NOT_A_LOG or AUDIT_NOT_INTACT (a read error, perhaps after some
//  records) with *error (fresh string, caller frees; error may be NULL)
//  saying why, with the path.
int
    auditprint_each (const char *db_path, int64_t limit, auditprint_fn *fn,
                     void *argument, char **error);

//  A record's time as it is shown: ISO 8601 UTC with milliseconds,
//  "2023-11-14T22:13:20.007Z" (times before 1970 too), into stamp.
#define AUDITPRINT_TIME_SIZE    32
void
    auditprint_time (int64_t time_ms, char *stamp);

//  Prints the newest `limit` records as auditprint_each reads them, one
//  per line, tab-separated: seq, time (auditprint_time), then the texts in
//  order. Empty values print as "-"; UTF-8 as it is; control characters
//  and bytes that are not UTF-8 escaped (text.h), so no value adds a line
//  or a column. Returns as auditprint_each.
int
    auditprint_records (const char *db_path, FILE *out, int64_t limit, char **error);

void
    auditprint_test (bool verbose);

#endif
