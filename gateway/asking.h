/*  asking.h -- the queries this gateway sent for its local callers, each
    until it ends: an explicit state machine.

    States:
        SENT        sent through a broker link; waiting for the answer
        WAITING     the broker did not know us (NOT_REGISTERED) and no
                    other link took the query: it waits for a link to
                    welcome us, and goes out through that one
        HELD        an answer came that must be judged on a catalog
                    directory fetched after the query was sent (or one
                    fresh enough): it is held until the directory arrives

    Events, and what each does (the table in asking.c is the whole of it):
        RESPONSE        from the provider: judged (answer.h) and the query
                        ends, or held for the catalogs (SENT, WAITING);
                        dropped once one is held (HELD)
        REFUSAL         an ERROR from the provider: checked, the query ends
        NOT_REGISTERED  the broker does not know us: sent through another
                        link not tried, else WAITING (a held answer stays
                        held)
        UNREACHABLE     the broker cannot reach the provider
                        (DEPARTMENT_OFFLINE, UNKNOWN_DEPARTMENT, BUSY): sent
                        through another link not tried, else it ends
        BROKER_ERROR    any other ERROR of a broker: it ends
        WELCOME         a link welcomed us: a WAITING query goes out there
        CATALOGS        the catalog directory came, or will not: a held
                        answer is judged on what is held now, and it ends
        DEADLINE        the query's timeout passed: it ends TIMEOUT, or a
                        held answer is judged on what is held now

    A query that ends is the asking side's audit record and the reply to
    its local caller, handed to the gateway (asking_hooks_t.end), which
    sends the reply once the record is durable. Nothing here touches a
    socket: sending and fetching go through the hooks, so the machine is
    tested on its own.
*/
#ifndef SLUICE_ASKING_H_INCLUDED
#define SLUICE_ASKING_H_INCLUDED

#include <czmq.h>
#include "envelope.h"
#include "message.h"
#include "localapi.h"
#include "audit.h"
#include "catalogs.h"

//  An answer from a provider whose catalog is not held is judged on a
//  catalog directory at most this old; an older one is fetched again first
#define ASKING_CATALOGS_FRESH_MS    10000

//  What asking needs of the gateway; each hook gets the `argument` given
//  to asking_new
typedef struct {
    //  Sends `request` through a registered link not in the `tried` mask;
    //  the index of the link that took it, or -1
    int (*send) (void *argument, envelope_t *request, uint32_t tried);
    //  Sends `request` through the link of index `link` only; 0 or -1
    int (*send_via) (void *argument, envelope_t *request, int link);
    //  Asks the brokers for the catalog directory; 0 if it is on its way
    //  (asking_catalogs follows), -1 if it cannot be asked for now
    int (*fetch_catalogs) (void *argument);
    //  A query ended: append `record`, then send `reply` to reply_to
    //  (borrowed, may be NULL: nobody waits) once it is durable
    void (*end) (void *argument, zmsg_t *reply_to, const localapi_reply_t *reply,
                 const audit_record_t *record);
} asking_hooks_t;

typedef struct _asking_t asking_t;

//  `catalogs` (borrowed) holds the other departments' catalogs, which
//  answers are checked against; `clearance` is this department's.
asking_t *
    asking_new (const asking_hooks_t *hooks, void *argument, catalogs_t *catalogs,
                int clearance);

void
    asking_destroy (asking_t **self_p);

//  A QUERY was sent, through the link of index `link`, for `caller`, who
//  waits at reply_to (copied): its life begins, SENT, ending at the latest
//  `timeout_ms` after `now` (monotonic ms). Takes *request_p (as sent, to
//  send again), `query` is copied.
void
    asking_sent (asking_t *self, zmsg_t *reply_to, envelope_t **request_p,
                 const message_query_t *query, const char *caller,
                 int64_t timeout_ms, int link, int64_t now);

//  A RESPONSE from `from`: its payload, and the digest of its envelope.
//  Returns false if it answers no query of ours (it is dropped, and that
//  is logged).
bool
    asking_response (asking_t *self, const char *from, const uint8_t *payload,
                     size_t size, const uint8_t *digest, int64_t now);

//  An ERROR from `from`, which came by the link of index `link`, from its
//  broker if `from_broker`. Returns false if it is about no query of ours
//  (or comes from neither its provider nor a broker).
bool
    asking_error (asking_t *self, const message_error_t *error, const uint8_t *digest,
                  const char *from, bool from_broker, int link, int64_t now);

//  The link of index `link` welcomed us.
void
    asking_welcome (asking_t *self, int link);

//  The catalog directory came (`arrived`), or will not.
void
    asking_catalogs (asking_t *self, bool arrived, int64_t now);

//  Every query whose deadline passed by `now`.
void
    asking_expire (asking_t *self, int64_t now);

//  Queries under way; queries sent since asking_new.
size_t
    asking_size (asking_t *self);
uint64_t
    asking_asked (asking_t *self);

//  For the self-tests of the jobs beside it: an asking through which
//  nothing can be sent and no directory fetched; it must end no query.
asking_t *
    asking_test_idle (catalogs_t *catalogs);

void
    asking_test (bool verbose);

#endif
