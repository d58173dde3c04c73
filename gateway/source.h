/*  source.h -- the department's own database, read on behalf of the catalog.

    The gateway answers from the department's SQLite database and never
    writes it: the file is opened read-only, an authorizer admits only
    reading, and every item's SQL is checked when the source opens (one
    read-only statement, exactly one parameter :key, result columns equal
    to the declared fields). The key is always bound, never spliced into
    SQL text. See README "Catalog file".
*/
#ifndef SLUICE_SOURCE_H_INCLUDED
#define SLUICE_SOURCE_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "catalog.h"
#include "message.h"

#define SOURCE_TIMEOUT_MAX  600000      //  longest timeout_ms accepted
#define SOURCE_BUSY_MAX     100         //  ms to wait on a locked database
//  The largest packed result (rows and their array header), bytes: what a
//  RESPONSE can carry in one envelope (see MESSAGE_ROWS_MAX). It bounds each
//  row as well as all of them.
#define SOURCE_RESULT_MAX   MESSAGE_ROWS_MAX

typedef struct _source_t source_t;

//  Opens the database and prepares every non-closed item's SQL. Refuses (NULL,
//  *error set to a fresh string "DB_PATH: item 'x': what is wrong", caller
//  frees) an item whose SQL is not a single read-only statement
//  (sqlite3_stmt_readonly, no trailing statement), does not have exactly one
//  parameter named :key, or whose result columns do not match the declared
//  field names (every declared field must be a result column; extra columns
//  are an error). Also refuses a missing file, a file that is not an SQLite
//  database, and a timeout_ms outside 1..SOURCE_TIMEOUT_MAX. The catalog is
//  not copied: it must outlive the source.
source_t *
    source_new (const char *db_path, catalog_t *catalog, int timeout_ms,
                char **error);

void
    source_destroy (source_t **self_p);

//  Looks up `key` (already validated/canonical) for the item and packs the
//  result into pk as a msgpack array of rows, each row a map of field name ->
//  value for the fields in `mask` only (in catalog order; integers as int,
//  reals as float64, text/date as str, boolean as bool, NULL as nil); at most
//  item_max_rows rows. Returns STATUS_OK (rows > 0), STATUS_NOT_FOUND (zero
//  rows; packs an empty array), STATUS_SOURCE_TIMEOUT (the statement ran past
//  timeout_ms, then the statement is reset), STATUS_TOO_LARGE (the packed
//  result, array header included, would exceed SOURCE_RESULT_MAX bytes, so
//  it would not fit an answer), STATUS_SOURCE_FAILED (any SQLite error,
//  including SQLITE_BUSY after a short busy timeout; a value whose SQLite
//  type does not fit the field's declared type), or STATUS_UNKNOWN_ITEM (a closed item, or an
//  item that is not the very item_t of the catalog the source was opened
//  with). On anything but OK/NOT_FOUND nothing is packed, and *error (a
//  fresh string the caller frees; error may be NULL) says why, for the
//  operator: "source: item 'x': ...", never the key (it may be personal
//  data). Sets *rows.
int
    source_lookup (source_t *self, item_t *item, const char *key,
                   uint64_t mask, msgpack_packer *pk, size_t *rows, char **error);

void
    source_test (bool verbose);

#endif
