/*  ledger.h -- a durable store of signed statements, in SQLite (WAL).

    The broker keeps the federation's registry in one (catalogs, agreements,
    revocations, orders and their answers); each gateway keeps its own copy
    of the statements that concern it, so a restart loses nothing that was
    acknowledged. One statement per (kind, key): a statement of a strictly
    higher version replaces the held one atomically; an equal or lower one is
    refused as stale and changes nothing, so a replayed or older statement
    never undoes a later one. Who may write what is decided before, by the
    registry's rules (proto/registry/rules.h).

    Every change gets the next number of the ledger's change sequence, so a
    reader can ask for what changed since the number it holds (ledger_page).
    The ledger also keeps small named values (epoch, high-water marks, the
    newest revocation list), durable like the statements.
*/
#ifndef SLUICE_LEDGER_H_INCLUDED
#define SLUICE_LEDGER_H_INCLUDED

#include <czmq.h>
#include "statement.h"

typedef struct _ledger_t ledger_t;

//  Opens or creates the ledger at path (statedb.h: schema version 1). NULL
//  and *error on failure, also for a ledger of the older format without
//  statement versions, which this code cannot read, and for one of a
//  schema version that a newer Sluice wrote.
ledger_t *
    ledger_new (const char *path, char **error);
void
    ledger_destroy (ledger_t **self_p);

//  A function that fails because the disk failed says so in *error (a
//  fresh string the caller frees; error may be NULL), for the caller to
//  log: the ledger itself logs nothing.

//  Stores a signed statement (copies it), with the departments it concerns
//  (e.g. provider and consumer; NULL for none). STATUS_OK, STATUS_STALE if
//  the held statement of that kind and key has the same or a higher
//  version, or STATUS_INTERNAL and *error if the disk failed (nothing
//  changed).
int
    ledger_put (ledger_t *self, statement_t *statement,
                const char *party_a, const char *party_b, char **error);

//  The held statement of kind and key, fresh (caller destroys), or NULL.
statement_t *
    ledger_get (ledger_t *self, const char *kind, const char *key);

//  Statements of `kind` (NULL: every kind) that concern `party` (NULL:
//  all), in the order they were stored, as a list of fresh statements the
//  list destroys; an empty list and *error if the disk failed.
zlistx_t *
    ledger_list (ledger_t *self, const char *kind, const char *party, char **error);

//  One page of the changes that concern `party` after change number
//  `since`, other than of kind `skip_kind` (may be NULL), in change order:
//  statements while their encoded sizes add up to at most `budget` bytes
//  (always at least one, if any). Sets *next to the change number of the
//  last one (`since` if none) and *more to whether others follow. A fresh
//  list the caller destroys; NULL and *error if the disk failed.
zlistx_t *
    ledger_page (ledger_t *self, const char *party, const char *skip_kind,
                 uint64_t since, size_t budget, uint64_t *next, bool *more,
                 char **error);

//  One page of what ledger_list lists (statements of `kind`, NULL: every
//  kind, that concern `party`, NULL: all), after change number `since`, as
//  ledger_page pages: *next, *more; NULL and *error if the disk failed.
zlistx_t *
    ledger_list_page (ledger_t *self, const char *kind, const char *party,
                      uint64_t since, size_t budget, uint64_t *next, bool *more,
                      char **error);

//  The number of orders `consumer` filed that have no answer; -1 and
//  *error if the disk failed.
int64_t
    ledger_open_orders (ledger_t *self, const char *consumer, char **error);

//  A named value, a fresh string the caller frees, or NULL if none.
char *
    ledger_value (ledger_t *self, const char *name);

//  Sets a named value durably; 0, or -1 and *error if the disk failed.
int
    ledger_set_value (ledger_t *self, const char *name, const char *value,
                      char **error);

void
    ledger_test (bool verbose);

#endif
