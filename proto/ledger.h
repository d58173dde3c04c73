/*  ledger.h -- a durable store of signed statements, in SQLite (WAL).

    The broker keeps the federation's registry in one (catalogs, agreements,
    revocations, orders and their answers); each gateway keeps its own copy
    of the statements that concern it, so a restart loses nothing that was
    acknowledged. One statement per (kind, key): a newer one replaces an
    older one atomically; an older or equal one is refused as stale, so a
    replayed statement never undoes a later one.
*/
#ifndef SLUICE_LEDGER_H_INCLUDED
#define SLUICE_LEDGER_H_INCLUDED

#include <czmq.h>
#include "statement.h"

typedef struct _ledger_t ledger_t;

//  Opens or creates the ledger at path. NULL and *error on failure.
ledger_t *
    ledger_new (const char *path, char **error);
void
    ledger_destroy (ledger_t **self_p);

//  Stores a signed statement (copies it), with the departments it concerns
//  (e.g. provider and consumer; NULL for none). STATUS_OK, STATUS_STALE if
//  the held statement of that kind and key is as new or newer, or
//  STATUS_INTERNAL if the disk failed (nothing changed).
int
    ledger_put (ledger_t *self, statement_t *statement,
                const char *party_a, const char *party_b);

//  The held statement of kind and key, fresh (caller destroys), or NULL.
statement_t *
    ledger_get (ledger_t *self, const char *kind, const char *key);

//  Statements of `kind` (NULL: every kind) that concern `party` (NULL:
//  all), oldest first, as a list of fresh statements the list destroys.
zlistx_t *
    ledger_list (ledger_t *self, const char *kind, const char *party);

void
    ledger_test (bool verbose);

#endif
