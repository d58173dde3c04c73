/*  keeper.h -- the broker's side of the registry: it keeps the departments'
    signed statements (catalogs, agreements, revocations, orders, answers)
    in its ledger, STATE/registry.db, answers each REGISTRY request (put,
    list, sync, crl) and pushes what is registered to both parties.

    It checks statements so that junk is refused early, with the same rules
    as every gateway (proto/registry/rules.h), but every gateway checks them
    again itself: nothing here can grant anything. It also keeps the
    registry's epoch and the newest revocation list it ever accepted, so
    that the list never goes back (PROTOCOL.md 13.5, 16.5).

    The keeper is socket-free: what it sends goes through the function it
    is given, by department.
*/
#ifndef SLUICE_KEEPER_H_INCLUDED
#define SLUICE_KEEPER_H_INCLUDED

#include <czmq.h>
#include "envelope.h"
#include "truststore.h"

typedef struct _keeper_t keeper_t;

//  Sends a REGISTRY payload to `department`: STATUS_OK, or why it was not
//  sent (STATUS_NOT_REGISTERED: not connected). The keeper says what it
//  could not send.
typedef int (keeper_send_fn) (void *arg, const char *department,
                              const uint8_t *payload, size_t size);

//  The keeper of the registry in `state` (the directory, made if missing),
//  trusting the authority key `authority` (32 bytes) for revocation lists,
//  which it writes to `crl_path` (may be "" or NULL: none is published),
//  with at most `order_limit` open orders per consumer. NULL and *error
//  (fresh string, caller frees) if the registry cannot be opened.
keeper_t *
    keeper_new (const char *state, const uint8_t *authority, const char *crl_path,
                size_t order_limit, int level, char **error);

void
    keeper_destroy (keeper_t **self_p);

//  The registry's epoch: a random id made once and kept in it.
const char *
    keeper_epoch (keeper_t *self);

//  The revocation list never goes back: the newest one this broker ever
//  accepted is kept in its registry; if the list in `trust` (the file's,
//  freshly loaded) is older or missing, the kept one is put in `trust`
//  instead, and *note (fresh string) says so for the log; a newer one is
//  kept. 0, or -1 and *note saying what went wrong (the trust is then as
//  loaded).
int
    keeper_crl_floor (keeper_t *self, truststore_t *trust, char **note);

//  Handles a REGISTRY request from a registered department, judged against
//  `trust` (borrowed, the trust of now): answers it and pushes what it
//  registers through `send`. True if it published a new revocation list:
//  written to the broker's list file and put in force in `trust` (the
//  broker then puts its trust in service again: the floor keeps the list,
//  the directory carries it, revoked peers are dropped).
bool
    keeper_handle (keeper_t *self, truststore_t *trust, const envelope_header_t *header,
                   envelope_t *envelope, keeper_send_fn *send, void *arg);

void
    keeper_test (bool verbose);

#endif
