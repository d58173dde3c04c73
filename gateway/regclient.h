/*  regclient.h -- the gateway as a client of the brokers' registry.

    What this department says goes to every broker it is registered with,
    and the first answer is the answer: the statements it signs (agreements
    it registers, revocations, orders and their answers; registrar.h keeps
    each one as it leaves), its own catalog (published at each welcome and
    when the file changes), revocation lists, and the lists it asks for (the
    catalog directory: there every broker's list counts, the newest copy of
    each catalog kept; a broker's refusal of our catalog is logged once per
    broker and status; each list comes in pages, the next asked for while
    more follow, and the first broker's pages answer the local caller once
    all have come). Each request waits for the brokers until the
    gateway's timeout; one a broker did not take because it does not know us
    is sent again when that broker welcomes us back.

    And what the brokers push: the registry's statements that concern us,
    and the pages of the catch-up (after each welcome, the changes since the
    mark held from that broker).
*/
#ifndef SLUICE_REGCLIENT_H_INCLUDED
#define SLUICE_REGCLIENT_H_INCLUDED

#include <czmq.h>
#include "statement.h"
#include "startup.h"
#include "catalogs.h"
#include "asking.h"

typedef struct _regclient_t regclient_t;

//  The registry side of the gateway made of `parts`; the catalog
//  directories it gets go to `catalogs`, and `asking` hears when they came
//  (all borrowed).
regclient_t *
    regclient_new (startup_t *parts, catalogs_t *catalogs, asking_t *asking);

void
    regclient_destroy (regclient_t **self_p);

//  Sends a REGISTRY `op` (with `kind`, `statement` and `text`, each may be
//  NULL) to every registered broker, for the local operation `local_op`;
//  the first answer goes to reply_to (NULL: the gateway's own request).
//  Returns how many brokers took it; with 0, reply_to was told
//  NOT_REGISTERED.
size_t
    regclient_send (regclient_t *self, zmsg_t *reply_to, const char *local_op,
                    const char *op, const char *kind, statement_t *statement,
                    const char *text);

//  Signs a statement of ours, of `version` (0: the next of our own
//  numbering), keeps it here at once and puts it at the brokers; reply_to
//  hears how it went.
void
    regclient_put (regclient_t *self, zmsg_t *reply_to, const char *local_op,
                   const char *kind, const char *key, uint64_t version,
                   const uint8_t *payload, size_t size);

//  Asks the brokers for the catalog directory, for nobody (the checks of
//  answers). 0 if it went, -1 if no broker took it.
int
    regclient_fetch_catalogs (regclient_t *self);

//  Calls fn each time the catalog directory came (listed: at least one
//  broker's list), or will not, after asking hears it.
void
    regclient_on_catalogs (regclient_t *self, void (*fn) (void *arg, bool listed),
                           void *arg);

//  Publishes our catalog, with the alert topics we subscribe to, to the
//  broker of `only`, or every registered one.
void
    regclient_publish (regclient_t *self, link_t *only);

//  Starts a round of the catch-up with the broker of `link`.
void
    regclient_sync (regclient_t *self, link_t *link);

//  A REGISTRY message from the broker of `link`, opened and verified.
void
    regclient_take (regclient_t *self, link_t *link, envelope_t *envelope);

//  An ERROR from the broker of `link`: true if it answers a request of
//  ours (then it is dealt with).
bool
    regclient_error (regclient_t *self, link_t *link, const message_error_t *error);

//  `link` welcomed us: the requests it did not take go out through it.
void
    regclient_welcome (regclient_t *self, link_t *link);

//  Starts a round of the catch-up with each registered broker whose last
//  round left something to ask again, or of which a pushed statement
//  could not be kept, once its backoff has passed at `now` (monotonic ms;
//  registrar_sync_due).
void
    regclient_retry (regclient_t *self, int64_t now);

//  Requests past their deadline at `now` (monotonic ms) get TIMEOUT.
void
    regclient_expire (regclient_t *self, int64_t now);

void
    regclient_test (bool verbose);

#endif
