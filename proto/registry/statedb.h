/*  statedb.h -- opening a state database: one of the SQLite files a daemon
    keeps in its state directory (the gateway's audit.db, ledger.db and
    quota.db, the broker's registry.db).

    Every opener goes through statedb_open, so every state database is
    opened the same way: checked in one transaction before anything else
    touches it, then WAL, the synchronous level its durability needs, and a
    busy timeout. Each database carries the version of its schema in PRAGMA
    user_version:

    - a new, empty file gets the tables of this version and its number;
    - a file of a newer version (written by a newer Sluice) is refused, with
      a message naming the file and both versions, and is left as it was;
    - a file of an older version is given to the class's upgrade, which
      migrates it or refuses it with what to do. Version 0 with tables in
      it means a file written before versions were kept (issue 6 and
      earlier): the upgrade looks at what it holds.

    Every state database of this release is of version 1 (proto/PROTOCOL.md
    15.1, 16.5; docs: the file formats).
*/
#ifndef SLUICE_STATEDB_H_INCLUDED
#define SLUICE_STATEDB_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

//  A step of opening, in the opening transaction: 0, or -1 and *error (a
//  fresh string that names the file), which refuses the file and leaves it
//  as it was.
typedef int (statedb_fn) (sqlite3 *db, const char *path, void *arg, char **error);

//  Takes a file of version `from` (0 .. version - 1) to this version, or
//  refuses it.
typedef int (statedb_upgrade_fn) (sqlite3 *db, const char *path, int from,
                                  void *arg, char **error);

//  What a class declares about its database, once, as a constant.
typedef struct {
    const char *what;               //  in messages: "audit log", "ledger"
    int version;                    //  the schema version this code writes
    //  The tables of this version. Every statement is IF NOT EXISTS: the
    //  schema runs on every open, so it also completes a file that an
    //  upgrade has taken to this version
    const char *schema;
    const char *synchronous;        //  "FULL" or "NORMAL"
    int busy_timeout_ms;
    int flags;                      //  added to SQLITE_OPEN_READWRITE | CREATE
    statedb_fn *create;             //  a new file, after the schema; or NULL
    statedb_upgrade_fn *upgrade;    //  an older file, before the schema; NULL:
                                    //  the schema alone completes it
    statedb_fn *check;              //  an existing file, after the schema; or NULL
} statedb_schema_t;

//  Opens or creates the state database at path, as `schema` says; `arg`
//  goes to its steps. Returns the connection (the caller closes it with
//  sqlite3_close), or NULL and *error (fresh string, caller frees; error
//  may be NULL), e.g. "state/audit.db: the audit log is of schema version
//  99, written by a newer version of Sluice (this one writes version 1):
//  ...".
sqlite3 *
    statedb_open (const char *path, const statedb_schema_t *schema, void *arg,
                  char **error);

//  For a file opened otherwise (read-only, by a verifier): 0 if this
//  version reads its schema version, else -1 and *error, worded as
//  statedb_open words it.
int
    statedb_readable (sqlite3 *db, const char *path, const statedb_schema_t *schema,
                      char **error);

//  A statement a class prepares once, when it opens its database: its SQL,
//  and where the class keeps it (the offset of a sqlite3_stmt * in the
//  class's struct).
typedef struct {
    size_t offset;
    const char *sql;
} statedb_statement_t;

//  Prepares each of `count` statements into its slot of `base`. 0, or -1
//  and *error (fresh string naming the file; error may be NULL), the
//  slots then all NULL again.
int
    statedb_prepare (sqlite3 *db, const char *path, const statedb_statement_t *statements,
                     size_t count, void *base, char **error);

//  Finalizes the statements of statedb_prepare (a NULL slot is fine) and
//  sets their slots to NULL.
void
    statedb_finalize (const statedb_statement_t *statements, size_t count, void *base);

//  The file's PRAGMA user_version; -1 if it cannot be read.
int
    statedb_version (sqlite3 *db);

//  Removes a database file and the companions SQLite keeps beside it
//  (-wal, -shm, -journal). For a database nobody holds open.
void
    statedb_remove (const char *path);

void
    statedb_test (bool verbose);

#endif
